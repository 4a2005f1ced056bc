/* RAISE, RERAISE, EXCEPTION_HANDLED and the end of a frame's handlers for
 * frames that run traced (legacy_exceptions.c), for the trampoline's body
 * (legacy_events.c). */
#ifndef PEP669_LEGACY_EXCEPTIONS_H
#define PEP669_LEGACY_EXCEPTIONS_H

#include "trampoline.h"

PEP669_INTERNAL int handled_event(PyThreadState *ts, Pep669Record *rec,
                                  PyFrameObject *frame, PyCodeObject *co,
                                  Pep669CodeData *cd, uint32_t events,
                                  int lasti);
/* (3.11) A handler probe's work (probe_entries.c), the
 * frame shown at the handler's first instruction `target`: the handler's
 * entry (EXCEPTION_HANDLED) if the exception armed in the record can be
 * given here and the handler then runs untraced (1: the tracing dispatch
 * is off, from outside any trace call); else the frame goes on traced, as
 * without the probe (0). */
PEP669_INTERNAL int handler_probe(PyThreadState *ts, Pep669Record *rec,
                                  int target);
PEP669_INTERNAL int on_exception(PyThreadState *ts, Pep669Record *rec,
                                 PyFrameObject *frame, PyCodeObject *co,
                                 Pep669CodeData *cd, uint32_t events,
                                 PyObject *arg);
PEP669_INTERNAL int raised_instead(PyThreadState *ts, Pep669Record *rec,
                                   PyFrameObject *frame, Pep669CodeData *cd,
                                   uint32_t events, int hooked);
PEP669_INTERNAL int check_reraise(PyThreadState *ts, Pep669Record *rec,
                                  PyFrameObject *frame, PyCodeObject *co,
                                  Pep669CodeData *cd, uint32_t events,
                                  int lasti);
/* The frame ends with an exception re-raised where the trace function was
 * not told (frames.c's frame end): its RERAISE, and on 3.11 the cleanup
 * handlers' events. */
PEP669_INTERNAL void frame_end_reraise(PyThreadState *ts,
                                       Pep669Frame *frame, PyCodeObject *co,
                                       Pep669CodeData *cd,
                                       Pep669Record *rec);
PEP669_INTERNAL void check_handler_exit(PyThreadState *ts,
                                        Pep669Record *rec,
                                        PyFrameObject *frame, int hooked);

/* The exception of an 'exception' trace event's (type, value, traceback)
 * (borrowed), its __traceback__ set to that traceback: 3.12+ keep the
 * traceback on the exception, so RAISE's callbacks see the raising frame
 * in it; 3.8-3.11 attach it only when a handler catches it. */
static inline PyObject *
raised_exception(PyObject *arg)
{
    if (!PyTuple_Check(arg) || PyTuple_GET_SIZE(arg) != 3) {
        return Py_None;
    }
    PyObject *exc = PyTuple_GET_ITEM(arg, 1);
    PyObject *tb = PyTuple_GET_ITEM(arg, 2);
    if (PyExceptionInstance_Check(exc) && PyTraceBack_Check(tb)) {
        int err = PyException_SetTraceback(exc, tb);
        PEP669_ASSERT(err == 0);
        (void)err;
    }
    return exc;
}

/* The first event after an exception in the frame is its handler. */
static inline int
check_handled(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
              PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
              int lasti)
{
    if (rec->armed_exc == NULL) {
        return 0;
    }
    return handled_event(ts, rec, frame, co, cd, events, lasti);
}

#endif
