/* The frame events' callbacks, with the frame linked in as the thread's
 * current frame (pep669_frame_link, frame_access.h): the entry events
 * (fire_entry, with the legacy tracer's and profiler's 'call' first),
 * PY_YIELD (the generator shown suspended), PY_RETURN, PY_UNWIND, the
 * RAISE of an exit callback's exception.  Private to frames.c (static
 * functions, inline where the hook's paths want them: the frames path's
 * start and end, frames.c). */
#ifndef PEP669_FRAMES_FIRE_H
#define PEP669_FRAMES_FIRE_H

#include "dispatch.h"
#include "frame_access.h"
#include "trampoline.h"
#include "suspended.h"

/* pep669_call_tools for the frame events: one tool's callback inline,
 * the work around it too (the hooks' bodies, trampoline.h). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
call_frame_tools(PyThreadState *ts, uint8_t tools, int event,
                 PyCodeObject *co, int offset, PyObject *arg)
{
    return pep669_call_some(ts, tools, event, co, offset, arg, NULL, 1,
                            pep669_trace_callbacks_begin_inline,
                            pep669_trace_callbacks_end_inline);
}

static inline int
fire_linked(PyThreadState *ts, Pep669Frame *frame, uint8_t tools, int event,
            PyCodeObject *co, int offset, PyObject *arg, int with_exc)
{
    Pep669Link link;
    int err;
    pep669_frame_link(ts, frame, &link);
    if (with_exc) {
        err = pep669_call_tools_exc(ts, tools, event, co, offset);
    }
    else {
        err = call_frame_tools(ts, tools, event, co, offset, arg);
    }
    pep669_frame_unlink(ts, frame, &link);
    return err;
}

/* fire_linked for the entry events (inline in the frames path's start,
 * frames.c; out of line for frame_begin, fire_entry: neither C frame is
 * under the frame's run).  The frame
 * shows the event's instruction as its f_lasti, as natively: the
 * interpreter leaves a resumed generator on its yield (before 3.11 there
 * is no RESUME; 3.11's is after it) and a 3.11 generator's first run on
 * its RETURN_GENERATOR.  (3.8-3.10 PY_START keeps -1: no RESUME there.) */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
fire_entry_run(PyThreadState *ts, Pep669Frame *frame, uint8_t tools,
               int event, PyCodeObject *co, int offset, int *legacy)
{
    Pep669Link link;
    Pep669FramePos pos;
    int err;
    pep669_frame_link(ts, frame, &link);
    int lasti = pep669_frame_lasti(frame);
    int moved = lasti >= 0 && lasti != offset;
    if (moved) {
        pep669_backend_frame_move(frame, offset, &pos);
    }
    /* sys.settrace's, sys.setprofile's 'call' first (3.12's tools 7, 6;
     * entry_dropped): their exception ends the entry's events. */
    *legacy = pep669_backend_thread_bare(ts) ? 0
              : pep669_backend_legacy_entry(ts, &link);
    if (*legacy < 0) {
        err = -1;
    }
    else if (event == PEP669_EV_PY_THROW) {
        err = pep669_call_tools_exc(ts, tools, event, co, offset);
    }
    else {
        err = call_frame_tools(ts, tools, event, co, offset, NULL);
    }
    if (*legacy == 0 && !pep669_backend_thread_bare(ts) &&
        !pep669_backend_thread_plain(ts)) {
        /* A tracer or profiler a callback set: the frame's 'call' is
         * past for it too (3.12 makes none), dropped as well (3.11: the
         * frame object the drop names made now, while it is current). */
        (void)pep669_backend_current_pyframe(ts);
        *legacy = 1;
    }
    if (moved) {
        pep669_backend_frame_restore(frame, &pos);
    }
    pep669_frame_unlink(ts, frame, &link);
    return err;
}

static PEP669_NOINLINE int
fire_entry(PyThreadState *ts, Pep669Frame *frame, uint8_t tools, int event,
           PyCodeObject *co, int offset, int *legacy)
{
    return fire_entry_run(ts, frame, tools, event, co, offset, legacy);
}

/* Right before the evaluator runs the frame: fire_entry made them.  An
 * enclosing frame's drop still waiting (3.11: this frame is a signal
 * handler's, run at that frame's RESUME, before the evaluator's 'call'
 * there) is armed again at the end of this run (pep669_frame_end). */
static inline void
entry_dropped(PyThreadState *ts, Pep669Frame *frame, Pep669Record *rec,
              int legacy)
{
    rec->hook_drop = NULL;
    if (legacy != 0) {
        rec->hook_drop = pep669_backend_legacy_drop(
            ts, pep669_backend_frame_pyframe(frame), PyTrace_CALL);
    }
}

/* PY_YIELD's callbacks: the generator reads as suspended there
 * (suspended.c), and its f_lasti is where it will resume (3.13: the
 * instruction after the yield, the offset of its next PY_RESUME; 3.12
 * shows the yield).  Out of line, as fire_entry. */
static PEP669_NOINLINE int
fire_yield(PyThreadState *ts, Pep669Frame *frame, uint8_t tools,
           PyCodeObject *co, int offset, PyObject *result)
{
    Pep669Link link;
    Pep669Suspended s;
    Pep669FramePos pos;
    pep669_frame_link(ts, frame, &link);
    pep669_suspended_push(&s, &link);
    int lasti = pep669_frame_lasti(frame);
    if (lasti >= 0) {
        pep669_backend_frame_move(frame, lasti + (int)sizeof(_Py_CODEUNIT),
                                  &pos);
    }
    int err = call_frame_tools(ts, tools, PEP669_EV_PY_YIELD, co, offset,
                               result);
    if (lasti >= 0) {
        pep669_backend_frame_restore(frame, &pos);
    }
    pep669_suspended_pop(&s);
    pep669_frame_unlink(ts, frame, &link);
    return err;
}

/* The frame ended by an exception (the current one): PY_UNWIND. */
static PyObject *
frame_unwound(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
              int offset)
{
    Pep669CodeData *cd;
    if (co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) {
        /* (PEP 479's RuntimeError made here, as 3.12+ make it) */
        pep669_generator_stop_error(ts, frame, co, offset);
    }
    uint32_t events = pep669_code_events(co, &cd);
    if (events & PEP669_BIT(PY_UNWIND)) {
        uint8_t tools = pep669_fire_tools(cd, PEP669_EV_PY_UNWIND, offset);
        if (tools) {
            /* On failure the callback's exception replaces the current
             * one: either way the frame returns NULL. */
            (void)fire_linked(ts, frame, tools, PEP669_EV_PY_UNWIND, co,
                              offset, NULL, 1);
        }
    }
    return NULL;
}

/* RAISE of the current exception at `offset` of the frame (where its
 * own instruction raised it but the interpreter does not report it); a
 * callback's exception replaces it. */
static void
frame_raised_at(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
                int offset)
{
    Pep669CodeData *cd;
    if (pep669_code_events(co, &cd) & PEP669_BIT(RAISE)) {
        uint8_t tools = pep669_fire_tools(cd, PEP669_EV_RAISE, offset);
        if (tools) {
            (void)fire_linked(ts, frame, tools, PEP669_EV_RAISE, co, offset,
                              NULL, 1);
        }
    }
}

/* An exit callback (`event` at `offset`) raised, the run's result
 * released: the frame raises there instead (NULL), or, at PY_YIELD, is
 * run again with throwflag (*rethrow set). */
static PEP669_NOINLINE PyObject *
exit_raised(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
            int *rethrow, int event, int offset)
{
    pep669_backend_frame_add_traceback(ts, frame);
    if (event == PEP669_EV_PY_YIELD &&
        pep669_backend_frame_prepare_throw(ts, frame, 0) == 0) {
        *rethrow = 1;
        return NULL;
    }
    /* The return instruction raised it, outside every handler: its
     * RAISE, then PY_UNWIND, as natively. */
    frame_raised_at(ts, frame, co, offset);
    return frame_unwound(ts, frame, co, offset);
}

/* Fire the exit event of one run of the frame (`event` at `offset`, as
 * pep669_backend_frame_exit gives them); returns the run's result
 * (a new reference, or NULL with an exception set), or *rethrow set when
 * the frame must be run again with throwflag (a PY_YIELD callback
 * raised). */
static PyObject *
frame_return(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
             PyObject *result, int *rethrow, uint32_t events,
             Pep669CodeData *cd, Pep669Record *rec, int event, int offset)
{
    if (event == PEP669_EV_PY_UNWIND) {
        if (rec->last_reraise >= 0) {
            /* It left by that re-raise, whatever lasti says now. */
            offset = rec->last_reraise;
        }
        return frame_unwound(ts, frame, co, offset);
    }
    if (!(events & (1u << event))) {
        return result;
    }
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    if (tools == 0 ||
        (event == PEP669_EV_PY_YIELD ?
         fire_yield(ts, frame, tools, co, offset, result) :
         fire_linked(ts, frame, tools, event, co, offset, result, 0)) == 0) {
        return result;
    }
    /* The callback raised: the frame raises there instead. */
    Py_DECREF(result);
    return exit_raised(ts, frame, co, rethrow, event, offset);
}

#endif
