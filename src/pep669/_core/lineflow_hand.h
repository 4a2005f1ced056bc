/* What only exception handlers reach (lineflow_hand.c; private to
 * lineflow*.c). */
#ifndef PEP669_LINEFLOW_HAND_H
#define PEP669_LINEFLOW_HAND_H

#include "lineflow_arrive.h"

/* Pass 3's second half (lineflow_hand.c): NODE_HANDLER_REACHED from the
 * code's handlers (`handlers`, offsets, the backend's) and from the `nseeds`
 * handler units stored below stack[top] (the reached code's), walking with
 * the bottom of `stack`; pep669_flow_arrive at each node it marks. */
void pep669_flow_handler_reach(Pep669Arrive *a, uint8_t *node, int *stack,
                               const int *handlers, int nhandlers, int end,
                               int top, int nseeds);

#endif
