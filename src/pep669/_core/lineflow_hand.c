/* What only exception handlers reach (NODE_HANDLER_REACHED, pass 3 of
 * lineflow.c): an instruction that neither the flow from the start nor a
 * handler reaches never runs, and gives no arrival.  Below lineflow.c. */
#include "lineflow_hand.h"

/* NODE_HANDLER_REACHED from the handler at unit `h`, over what
 * NODE_REACHED does not mark (every edge, a handler's included), and the
 * arrivals from each node marked. */
static void
hand_reach(Pep669Arrive *a, uint8_t *node, int h, int *stack)
{
    const int *next = a->next, *target = a->target;
    int nstack = (node[h] & (NODE | NODE_REACHED | NODE_HANDLER_REACHED)) ==
                 NODE;
    node[h] |= nstack ? NODE_HANDLER_REACHED : 0;
    stack[0] = h;
    while (nstack > 0) {
        int u = stack[--nstack], succ[2] = {next[u], target[u]};
        pep669_flow_arrive_at(a, u, START_HANDLER, node[u], succ[0],
                              succ[1]);
        for (int e = 0; e < 2; e++) {
            int to = succ[e] >> 1;
            if (succ[e] >= 0 &&
                (node[to] & (NODE | NODE_REACHED | NODE_HANDLER_REACHED)) ==
                    NODE) {
                node[to] |= NODE_HANDLER_REACHED;
                stack[nstack++] = to;
            }
        }
    }
}

void
pep669_flow_handler_reach(Pep669Arrive *a, uint8_t *node, int *stack,
                          const int *handlers, int nhandlers, int end,
                          int top, int nseeds)
{
    for (int i = 0; i < nhandlers; i++) {
        if (handlers[i] >= 0 && handlers[i] < end) {
            hand_reach(a, node, handlers[i] >> 1, stack);
        }
    }
    while (nseeds > 0) {
        /* (its walk stays below the seeds left: it pushes other nodes) */
        hand_reach(a, node, stack[top - --nseeds], stack);
    }
}
