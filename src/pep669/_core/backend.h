/* The backend interface: everything that touches interpreter internals.
 * One implementation per CPython version (backend_py3XX.c, the only files
 * that test PY_VERSION_HEX or include internal headers); the core calls
 * only these. */
#ifndef PEP669_BACKEND_H
#define PEP669_BACKEND_H

#include "compat.h"

/* The frame an eval-frame hook receives: PyFrameObject up to 3.10,
 * _PyInterpreterFrame on 3.11.  Opaque to the core. */
typedef struct Pep669Frame Pep669Frame;

/* What frame linking saved, to be restored by the unlink. */
typedef struct {
    void *current;
    void *instr;
} Pep669Link;

/* Once, at module import. */
int pep669_backend_init(void);

/* Install (on != 0) or remove our PEP 523 eval-frame hook, chained to the
 * evaluator that was there before.  Idempotent.  If another hook was
 * installed on top of ours, ours stays in place but passes through. */
int pep669_backend_set_eval_hook(int on);
int pep669_backend_eval_hook_installed(void);

/* Bracket every tool callback: while a callback runs on a thread, that
 * thread delivers no events (legacy trace and profile functions
 * included), like CPython's tstate->tracing. */
void pep669_backend_enter_callback(PyThreadState *ts);
void pep669_backend_leave_callback(PyThreadState *ts);
/* Non-zero while events are suppressed on this thread. */
int pep669_backend_suppressed(PyThreadState *ts);

/* Number of code units (2-byte words) of the code's running bytecode:
 * offsets handed to callbacks are below 2 * this. */
Py_ssize_t pep669_backend_code_units(PyCodeObject *co);

/* ---- frames, as seen by the eval-frame hook ---- */

/* Run the frame with the evaluator we chained to. */
PyObject *pep669_backend_eval_prev(PyThreadState *ts, Pep669Frame *frame,
                                   int throwflag);
PyCodeObject *pep669_backend_frame_code(Pep669Frame *frame);
/* Which event the start of this run is: PEP669_EV_PY_START, PY_RESUME or
 * PY_THROW, with *offset in the running bytecode; -1 for a run that is
 * not an event (3.11's generator-creation run).  *fresh is set when the
 * frame has not run any instruction yet. */
int pep669_backend_frame_entry(PyThreadState *ts, Pep669Frame *frame,
                               int throwflag, int *offset, int *fresh);
/* Which event the end of this run is: PY_RETURN, PY_YIELD or PY_UNWIND
 * (result NULL), with *offset. */
int pep669_backend_frame_exit(PyThreadState *ts, Pep669Frame *frame,
                              PyObject *result, int *offset);
/* Make `frame` the thread's current frame for the duration of callbacks
 * (so that sys._getframe(1) in a callback is the monitored frame). */
void pep669_backend_frame_link(PyThreadState *ts, Pep669Frame *frame,
                               Pep669Link *link);
void pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *frame,
                                 Pep669Link *link);
/* Add the frame to the traceback of the exception being raised (a
 * callback raised at an event of this frame after it stopped running). */
void pep669_backend_frame_add_traceback(PyThreadState *ts,
                                        Pep669Frame *frame);
/* Make the frame ready to be run with throwflag set, as generator.throw()
 * would run it: at entry (an entry event's callback raised, before the
 * frame ran) or after a yield (a PY_YIELD callback raised).  -1 if
 * impossible. */
int pep669_backend_frame_prepare_throw(PyThreadState *ts,
                                       Pep669Frame *frame, int at_entry);

#endif
