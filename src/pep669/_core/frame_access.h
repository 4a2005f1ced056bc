/* The backend's frame accessors that every frame event and callback
 * uses, inline: on 3.8-3.10 the frame object's and thread state's public
 * fields (cpython/frameobject.h, cpython/pystate.h), read as the
 * backend's frame.c.h reads them, which shares these bodies; on 3.11
 * (internal frames) backend.h's calls.  The narrow interface stays
 * backend.h's: each function here is one of its functions, for the
 * common case (a frame that is no generator's: no delegate to hide, no
 * running flag of a generator), the backend's call otherwise. */
#ifndef PEP669_FRAME_ACCESS_H
#define PEP669_FRAME_ACCESS_H

#include "backend.h"
#include "events.h"

#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>

/* 3.8-3.10: the version's fields (the same as the backend's macros,
 * PEP669_USE_TRACING, PEP669_LASTI: backend/py38.c ... py310.c) */
#  if PY_VERSION_HEX < 0x030A0000
#    define PEP669_FA_USE_TRACING(ts) ((ts)->use_tracing)
#    define PEP669_FA_LASTI(f) ((f)->f_lasti)
#    define PEP669_FA_SUSPENDED(f) ((f)->f_stacktop != NULL)
#  else
#    define PEP669_FA_SUSPENDED(f) ((f)->f_state == FRAME_SUSPENDED)
#    define PEP669_FA_USE_TRACING(ts) ((ts)->cframe->use_tracing)
#    define PEP669_FA_LASTI(f) \
         ((f)->f_lasti < 0 ? -1 : (f)->f_lasti * (int)sizeof(_Py_CODEUNIT))
#  endif

/* A frame that is no generator's, coroutine's or async generator's. */
static inline int
pep669_frame_plain(PyFrameObject *f)
{
    return f->f_gen == NULL &&
           !(f->f_code->co_flags &
             (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR));
}

/* pep669_backend_frame_link's steps for every frame: linked in as the
 * thread's current frame, executing, its f_locals dict noted.  (Its
 * `gen` and `agen` as for a plain frame: the backend's link sets them
 * again for a generator's.) */
static inline void
pep669_frame_link_plain(PyThreadState *ts, PyFrameObject *f,
                        Pep669Link *link)
{
    /* f_back is already right: set when the frame was created, and for
     * generators by gen_send_ex before every run. */
    link->current = ts->frame;
    link->instr = NULL;
    link->gen = NULL;
    link->delegate = NULL;
    link->agen = -1;
    ts->frame = f;
#  if PY_VERSION_HEX < 0x030A0000
    link->state = f->f_executing;
    link->stack = f->f_stacktop;
    f->f_executing = 1;
#  else
    link->state = f->f_state;
    link->stack = NULL;
    f->f_state = FRAME_EXECUTING;
#  endif
    PyObject *locals = f->f_locals;
    link->locals = NULL;
    link->locals_tag = 0;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
        PyDict_CheckExact(locals)) {
        link->locals = locals;
        link->locals_tag = ((PyDictObject *)locals)->ma_version_tag;
    }
}

/* The callbacks changed the frame's f_locals dict (made it, or wrote to
 * it: a read refreshes it, which changes it only where the frame's
 * variables differ from it, and then writing it back changes nothing):
 * the frame's variables follow (PyFrame_LocalsToFast saves and restores
 * the exception being raised). */
static inline void
pep669_frame_locals_sync(PyFrameObject *f, Pep669Link *link)
{
    PyObject *locals = f->f_locals;
    if (PEP669_UNLIKELY(locals != NULL) &&
        (f->f_code->co_flags & CO_OPTIMIZED) && PyDict_CheckExact(locals) &&
        ((void *)locals != link->locals ||
         ((PyDictObject *)locals)->ma_version_tag != link->locals_tag)) {
        PyFrame_LocalsToFast(f, 0);
    }
}

/* backend.h's pep669_backend_frame_link / _unlink. */
static inline void
pep669_frame_link(PyThreadState *ts, Pep669Frame *frame, Pep669Link *link)
{
    PyFrameObject *f = (PyFrameObject *)frame;
    if (PEP669_LIKELY(pep669_frame_plain(f))) {
        pep669_frame_link_plain(ts, f, link);
    }
    else {
        pep669_backend_frame_link(ts, frame, link);
    }
}

static inline void
pep669_frame_unlink(PyThreadState *ts, Pep669Frame *frame, Pep669Link *link)
{
    PyFrameObject *f = (PyFrameObject *)frame;
    /* (the backend's steps for a link with no generator, no async
     * generator's flag, 3.10: no value hidden) */
#  if PY_VERSION_HEX < 0x030A0000
    if (PEP669_LIKELY(link->gen == NULL && link->agen < 0)) {
        pep669_frame_locals_sync(f, link);
        f->f_executing = (char)link->state;
        f->f_stacktop = (PyObject **)link->stack;
#  else
    if (PEP669_LIKELY(link->gen == NULL && link->agen < 0 &&
                      link->stack == NULL)) {
        pep669_frame_locals_sync(f, link);
        f->f_state = (PyFrameState)link->state;
#  endif
        ts->frame = (PyFrameObject *)link->current;
    }
    else {
        pep669_backend_frame_unlink(ts, frame, link);
    }
}

/* backend.h's pep669_backend_frame_lasti. */
static inline int
pep669_frame_lasti(Pep669Frame *frame)
{
    return PEP669_FA_LASTI((PyFrameObject *)frame);
}

/* backend.h's pep669_backend_frame_entry: the offset a run starts at
 * (a suspended frame continues after its last instruction: the
 * YIELD_VALUE, or, for `yield from`/`await`, the instruction before the
 * YIELD_FROM that runs again). */
static inline int
pep669_frame_entry(PyThreadState *ts, Pep669Frame *frame, int throwflag,
                   int *offset, int *fresh)
{
    int lasti = PEP669_FA_LASTI((PyFrameObject *)frame);
    (void)ts;
    *fresh = lasti < 0;
    *offset = lasti < 0 ? 0 : lasti + (int)sizeof(_Py_CODEUNIT);
    if (throwflag) {
        return PEP669_EV_PY_THROW;
    }
    return lasti < 0 ? PEP669_EV_PY_START : PEP669_EV_PY_RESUME;
}

/* backend.h's pep669_backend_frame_exit, for a frame that is no
 * generator's (no YIELD_FROM to step over), else the backend's. */
static inline int
pep669_frame_exit(PyThreadState *ts, Pep669Frame *frame, PyObject *result,
                  int *offset)
{
    PyFrameObject *f = (PyFrameObject *)frame;
    if (!PEP669_LIKELY(pep669_frame_plain(f))) {
        return pep669_backend_frame_exit(ts, frame, result, offset);
    }
    int lasti = PEP669_FA_LASTI(f);
    *offset = lasti < 0 ? 0 : lasti;
    if (result == NULL) {
        return PEP669_EV_PY_UNWIND;
    }
    return PEP669_FA_SUSPENDED(f) ? PEP669_EV_PY_YIELD : PEP669_EV_PY_RETURN;
}

/* After a run of a generator's frame that returned a value: 1 if the
 * frame is suspended (pep669_frame_exit's PY_YIELD, without its
 * offset). */
static inline int
pep669_frame_suspended(PyThreadState *ts, Pep669Frame *frame)
{
    (void)ts;
    return PEP669_FA_SUSPENDED((PyFrameObject *)frame);
}

/* backend.h's pep669_backend_enter_callback / _leave_callback: as the
 * interpreter's call_trace() does around legacy trace calls. */
static inline void
pep669_enter_callback(PyThreadState *ts)
{
    ts->tracing++;
    PEP669_FA_USE_TRACING(ts) = 0;
}

static inline void
pep669_leave_callback(PyThreadState *ts)
{
    ts->tracing--;
    PEP669_FA_USE_TRACING(ts) =
        (ts->c_tracefunc != NULL || ts->c_profilefunc != NULL);
}

/* backend.h's pep669_backend_sync_lineno (3.8/3.9: with f_trace set,
 * f_lineno reads the field, which only line tracing keeps: the frame of
 * a callback may have run untraced). */
static inline void
pep669_sync_lineno(PyThreadState *ts)
{
#  if PY_VERSION_HEX < 0x030A0000
    PyFrameObject *f = ts->frame;
    if (f != NULL && PEP669_UNLIKELY(f->f_trace != NULL)) {
        f->f_lineno = f->f_lasti < 0 ? f->f_code->co_firstlineno
                                     : PyCode_Addr2Line(f->f_code, f->f_lasti);
    }
#  else
    (void)ts;
#  endif
}

/* backend.h's pep669_backend_pyframe_locals_mark / _sync, their common
 * case inline: a frame with no f_locals dict (no callback has asked for
 * one; the C trampoline makes none), which neither needs (session 19:
 * two calls fewer a delivered LINE, callgrind, bench_lines count loop). */
static inline void
pep669_pyframe_locals_mark(PyFrameObject *f, void **dict, uint64_t *tag)
{
    if (PEP669_LIKELY(f->f_locals == NULL)) {
        *dict = NULL;
        *tag = 0;
    }
    else {
        pep669_backend_pyframe_locals_mark(f, dict, tag);
    }
}

static inline void
pep669_pyframe_locals_sync(PyFrameObject *f, void *dict, uint64_t tag)
{
    if (PEP669_UNLIKELY(f->f_locals != NULL)) {
        pep669_backend_pyframe_locals_sync(f, dict, tag);
    }
}

/* backend.h's pep669_backend_frame_pyframe, _current_frame and
 * _frame_set_lasti (the last the backend's: clone.c.h). */
#  define pep669_frame_pyframe(frame) ((PyFrameObject *)(frame))
#  define pep669_current_frame(ts) ((Pep669Frame *)(ts)->frame)
#  define pep669_frame_set_lasti pep669_backend_frame_set_lasti

#else  /* 3.11: backend.h's calls, but for the callback bracket */

#  define pep669_frame_link pep669_backend_frame_link
#  define pep669_frame_unlink pep669_backend_frame_unlink
#  define pep669_frame_lasti pep669_backend_frame_lasti
#  define pep669_frame_entry pep669_backend_frame_entry
#  define pep669_frame_exit pep669_backend_frame_exit
#  define pep669_sync_lineno(ts) ((void)(ts))

#  define pep669_pyframe_locals_mark pep669_backend_pyframe_locals_mark
#  define pep669_pyframe_locals_sync pep669_backend_pyframe_locals_sync

/* backend.h's pep669_backend_frame_pyframe, _current_frame and
 * _frame_set_lasti, inline (a call probe's event reads and writes them a
 * few times: session 19, fewer instructions a call, callgrind,
 * bench_calls profiler): 3.11's _PyInterpreterFrame
 * (internal/pycore_frame.h) up to prev_instr, whose offsets
 * backend/py311.c checks at compile time; the thread state's
 * cframe->current_frame is public (cpython/pystate.h). */
typedef struct {
    PyObject *f_func, *f_globals, *f_builtins, *f_locals;
    PyCodeObject *f_code;
    PyFrameObject *frame_obj;
    void *previous;
    _Py_CODEUNIT *prev_instr;
} Pep669FrameHead;

static inline PyFrameObject *
pep669_frame_pyframe(Pep669Frame *frame)
{
    return ((Pep669FrameHead *)frame)->frame_obj;
}

static inline Pep669Frame *
pep669_current_frame(PyThreadState *ts)
{
    return (Pep669Frame *)ts->cframe->current_frame;
}

static inline void
pep669_frame_set_lasti(Pep669Frame *frame, int offset)
{
    Pep669FrameHead *f = (Pep669FrameHead *)frame;
    f->prev_instr = (_Py_CODEUNIT *)f->f_code->co_code_adaptive +
                    offset / (int)sizeof(_Py_CODEUNIT);
}

/* After a run of a generator's frame that returned a value: 1 if the
 * frame is suspended (pep669_frame_exit's PY_YIELD, without its offset:
 * 3.11's backend call). */
static inline int
pep669_frame_suspended(PyThreadState *ts, Pep669Frame *frame)
{
    int offset;
    return pep669_backend_frame_exit(ts, frame, Py_None, &offset) ==
           PEP669_EV_PY_YIELD;
}

/* pep669_backend_enter_callback / _leave_callback's steps, inline (every
 * callback of every event: two calls fewer each): 3.11's
 * PyThreadState_EnterTracing and PyThreadState_LeaveTracing over the
 * thread state's public fields (cpython/pystate.h), the flag as
 * internal/pycore_pystate.h's _PyThreadState_UpdateTracingState sets it
 * (OR-ed into the opcode: exactly 0 or 255). */
static inline void
pep669_enter_callback(PyThreadState *ts)
{
    ts->tracing++;
    ts->cframe->use_tracing = 0;
}

static inline void
pep669_leave_callback(PyThreadState *ts)
{
    ts->tracing--;
    ts->cframe->use_tracing =
        ts->tracing == 0 &&
                (ts->c_tracefunc != NULL || ts->c_profilefunc != NULL)
            ? 255 : 0;
}

#endif

/* What callbacks write to frame.f_locals goes to the frame's variables
 * once they return (3.13, PEP 667; as pep669_trace does for traced
 * frames): the frame's locals as they were before them (its frame object
 * may appear during them: a callback's sys._getframe()). */
typedef struct {
    void *locals;
    uint64_t tag;
} Pep669LocalsMark;

static inline void
pep669_locals_mark(Pep669Frame *frame, Pep669LocalsMark *mark)
{
    mark->locals = NULL;
    mark->tag = 0;
    PyFrameObject *fo = pep669_frame_pyframe(frame);
    if (fo != NULL) {
        pep669_pyframe_locals_mark(fo, &mark->locals, &mark->tag);
    }
}

static inline void
pep669_locals_sync(Pep669Frame *frame, const Pep669LocalsMark *mark)
{
    PyFrameObject *fo = pep669_frame_pyframe(frame);
    if (fo != NULL) {
        pep669_pyframe_locals_sync(fo, mark->locals, mark->tag);
    }
}

#endif
