/* frame.f_lineno set from a callback (lineno.c): 3.12's rules for a jump
 * made by a tool, over the interpreter's own setter.
 * Version-independent. */
#ifndef PEP669_LINENO_H
#define PEP669_LINENO_H

#include "trampoline.h"

/* A callback moved the frame (f_lineno set) to `lasti`: the frame's next
 * instruction; the line's LINE was given. */
void pep669_trace_frame_moved(PyFrameObject *frame, int lasti, int jump);
/* The move a line probe's callback asked for (rec->pending), made at the
 * frame's first trace event after the probe. */
PEP669_INTERNAL int pending_jump(Pep669Record *rec, PyFrameObject *frame);
/* Module initialisation: f_lineno's setter. */
int pep669_lineno_init(void);

#endif
