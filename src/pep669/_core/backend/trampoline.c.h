/* The trampoline, every version: pep669's C trace function, its
 * per-thread state (the legacy tracer under it, LIGHT or FULL), and the
 * frame object's legacy trace fields.  Contract: backend/README.md. */
#ifndef PEP669_TRAMPOLINE_C_H
#define PEP669_TRAMPOLINE_C_H

/* tracing on/off for the current evaluator run and those it starts; the
 * lvalue that holds it */
#if !defined(PEP669_SET_USE_TRACING) || !defined(PEP669_USE_TRACING)
#  error "trampoline.c.h needs PEP669_SET_USE_TRACING and PEP669_USE_TRACING"
#endif
/* the interpreter's count of trace functions (3.8/3.9), or nothing */
#ifndef PEP669_TRACING_POSSIBLE_ADD
#  error "trampoline.c.h needs PEP669_TRACING_POSSIBLE_ADD(ts, n)"
#endif
/* the Pep669Frame of a frame object, its last instruction (bytes, -1) */
#if !defined(PEP669_TRAMPOLINE_FRAME) || !defined(PEP669_TRAMPOLINE_LASTI)
#  error "trampoline.c.h needs PEP669_TRAMPOLINE_FRAME and _LASTI"
#endif
/* 1: the interpreter calls 'opcode' even when the 'line' event of the same
 * instruction failed (3.8/3.9 maybe_call_line_trace) */
#ifndef PEP669_OPCODE_AFTER_FAILED_LINE
#  error "trampoline.c.h needs PEP669_OPCODE_AFTER_FAILED_LINE (0 or 1)"
#endif
/* 1: the evaluator's per-instruction gate is the count of trace functions,
 * not use_tracing, which then gates only 'call' and 'return' (3.8/3.9): a
 * window traces instructions without the 'call' event */
#ifndef PEP669_WINDOW_SKIPS_CALL
#  error "trampoline.c.h needs PEP669_WINDOW_SKIPS_CALL (0 or 1)"
#endif
/* 3.11: a frame running its copy shows its own code while the
 * trampoline and its callbacks run, and the copy again after
 * (PEP669_TRAMPOLINE_SHOW returns what UNSHOW puts back). */
#if !defined(PEP669_TRAMPOLINE_SHOW) || !defined(PEP669_TRAMPOLINE_UNSHOW)
#  error "trampoline.c.h needs PEP669_TRAMPOLINE_SHOW and _UNSHOW"
#endif

/* 1: call_trace() sets the frame's f_lineno around a trace call (3.10+);
 * PEP669_TRACING_WHAT 1: it keeps the event in tstate->tracing_what
 * (3.11) */
#if !defined(PEP669_CALL_TRACE_LINENO) || !defined(PEP669_TRACING_WHAT)
#  error "trampoline.c.h needs PEP669_CALL_TRACE_LINENO, PEP669_TRACING_WHAT"
#endif
/* a frame object's f_locals (borrowed, may be NULL) */
#ifndef PEP669_PYFRAME_LOCALS
#  error "trampoline.c.h needs PEP669_PYFRAME_LOCALS(f)"
#endif

#include "engine_entry.h"

/* ---- the trampoline ---- */

/* The thread's own trace function while pep669_trace stands in for it
 * (its c_traceobj stays in place). */
#define legacy_func (pep669_thread.trampoline.legacy_func)

/* A line event for the trampoline below (out of its line, so that the
 * opcode event's path stays short). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int
trampoline_line(PyThreadState *ts, PyObject *obj, PyFrameObject *frame,
                int what, PyObject *arg)
{
    int forward, lasti = PEP669_TRAMPOLINE_LASTI(frame);
    int line = frame->f_lineno;
    uint8_t tools;
    if (pep669_trace_quiet_line(PEP669_TRAMPOLINE_FRAME(frame), lasti,
                                line, &tools, &forward) < 0) {
        return pep669_trace(obj, frame, what, arg);
    }
    /* The legacy tracer first, as 3.12's tool 7 (legacy_events.c,
     * legacy_first): its exception ends the line's events. */
    if (forward && legacy_func != NULL &&
        pep669_trace_forward(obj, frame, what, arg) < 0) {
        return -1;
    }
    return tools != 0 ? pep669_trace_fire_line(ts, frame, lasti, line, tools)
                      : 0;
}

static int trampoline_events(PyThreadState *ts, PyObject *obj,
                             PyFrameObject *frame, int what, PyObject *arg);

/* Counts our own installs and removals of the trampoline on the thread
 * (to tell them from a callback's sys.settrace). */
#define trampoline_moves (pep669_thread.trampoline.moves)

/* The trace function installed.  A callback may have set a legacy trace
 * function (sys.settrace) in its place: the trampoline goes back in front
 * of it at once, as the frame's events want. */
static int
trampoline(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    PyThreadState *ts = PyThreadState_GET();
    if (PEP669_UNLIKELY(what == PyTrace_OPCODE) &&
        ts->c_tracefunc != trampoline && ts->c_tracefunc != NULL &&
        ts->c_traceobj == obj) {
        /* The interpreter read the trace function before the 'line' event
         * of this instruction, whose callbacks left the frame untraced
         * and gave the thread back to the legacy tracer (trace_stop), and
         * calls 'opcode' with what it read: the tracer's, as it would
         * have been without pep669 (an opcode tracer under a coverage
         * tool's DISABLE lost the event).  (The event first: the common
         * ones test nothing else.) */
        return ts->c_tracefunc(obj, frame, what, arg);
    }
    pep669_enter(ts);
    unsigned int moves = trampoline_moves;
    void *shown = PEP669_TRAMPOLINE_SHOW(frame);
    int err = trampoline_events(ts, obj, frame, what, arg);
    PEP669_TRAMPOLINE_UNSHOW(frame, shown);
    if (ts->c_tracefunc != trampoline && moves == trampoline_moves) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        pep669_trace_refresh(ts);
        PyErr_Restore(type, value, tb);
    }
    return err;
}

/* The event that closes a window (the first of a run on a line clone):
 * the frame's first instruction's where the window skips 'call'. */
#if PEP669_WINDOW_SKIPS_CALL
#  define WINDOW_EVENT PyTrace_OPCODE
#else
#  define WINDOW_EVENT PyTrace_CALL
#endif

/* An event the quiet checks of trampoline_events do not settle: the end
 * of a quiet run's window on a line clone (pep669_trace_quiet_window)
 * here, anything else in pep669_trace. */
static inline int
trampoline_window(PyFrameObject *frame, int what)
{
    if (what == WINDOW_EVENT && legacy_func == NULL) {
        Pep669Record *rec =
            pep669_trace_quiet_window(PEP669_TRAMPOLINE_FRAME(frame));
        if (rec != NULL) {
            pep669_trace_end_window_quiet(PyThreadState_GET(), rec, frame);
            return 1;
        }
    }
    return 0;
}

static inline int
trampoline_other(PyObject *obj, PyFrameObject *frame, int what,
                 PyObject *arg)
{
    if (trampoline_window(frame, what)) {
        return 0;
    }
    return pep669_trace(obj, frame, what, arg);
}

/* The common line and opcode events are settled here, with the frame's
 * fields at hand (pep669_trace_quiet, pep669_trace_quiet_line);
 * everything else goes to trampoline_other. */
static int
trampoline_events(PyThreadState *ts, PyObject *obj, PyFrameObject *frame,
                  int what, PyObject *arg)
{
    int forward;
    if (what == PyTrace_OPCODE) {
        if (PEP669_OPCODE_AFTER_FAILED_LINE && PyErr_Occurred()) {
            /* The 'line' call of this instruction failed (a callback
             * raised); 3.8/3.9 call 'opcode' anyway and keep only its
             * result: fail again, or the exception would stay set while
             * the frame runs on. */
            return -1;
        }
        if (pep669_trace_quiet(PEP669_TRAMPOLINE_FRAME(frame),
                               PEP669_TRAMPOLINE_LASTI(frame), &forward)) {
            return (forward && legacy_func != NULL)
                ? pep669_trace_forward(obj, frame, what, arg) : 0;
        }
        return trampoline_other(obj, frame, what, arg);
    }
    if (what == PyTrace_LINE) {
        return trampoline_line(ts, obj, frame, what, arg);
    }
    if ((what == PyTrace_CALL || what == PyTrace_RETURN) &&
        legacy_func == NULL &&
        (pep669_trace_quiet_frame(PEP669_TRAMPOLINE_FRAME(frame), what) ||
         trampoline_window(frame, what))) {
        return 0;
    }
    return pep669_trace(obj, frame, what, arg);
}

/* LIGHT: installed without counting in tracing_possible (3.8/3.9), so
 * the per-instruction gate stays closed. */
#define light_mode (pep669_thread.trampoline.light_mode)
#define legacy_drop (pep669_thread.trampoline.drop)

int
pep669_backend_trace_active(PyThreadState *ts)
{
    return ts->c_tracefunc == trampoline;
}

int
pep669_backend_tracing_dispatch(PyThreadState *ts)
{
    return PEP669_USE_TRACING(ts) != 0;
}

int
pep669_backend_trace_mode(PyThreadState *ts)
{
    if (ts->c_tracefunc != trampoline) {
        return 0;
    }
    return light_mode ? PEP669_TRACE_LIGHT : PEP669_TRACE_FULL;
}

int
pep669_backend_trace_clean(PyThreadState *ts, int mode)
{
    if (mode == 0) {
        return ts->c_tracefunc == NULL;
    }
    return mode == PEP669_TRACE_LIGHT && ts->c_tracefunc == trampoline &&
           light_mode && legacy_func == NULL && !PEP669_USE_TRACING(ts);
}

/* The hook's fast path (hook.c.h): the trampoline is not the thread's
 * trace function, and pep669_backend_trace_check has nothing to repair. */
static inline int
trampoline_absent(PyThreadState *ts)
{
    return !light_mode && ts->c_tracefunc != trampoline;
}

/* The same for a frame that wants exceptions only (PEP669_IDLE_EXC): the
 * trampoline is the thread's trace function, LIGHT, with no legacy
 * tracer, tracing off (pep669_backend_trace_clean's LIGHT). */
static inline int
trampoline_light(PyThreadState *ts)
{
    return light_mode && ts->c_tracefunc == trampoline &&
           legacy_func == NULL && !PEP669_USE_TRACING(ts);
}

static void legacy_drop_cancel(PyThreadState *ts);
static void drop_rewatch(PyThreadState *ts);
static int drop_trace(PyObject *obj, PyFrameObject *frame, int what,
                      PyObject *arg);
static int drop_profile(PyObject *obj, PyFrameObject *frame, int what,
                        PyObject *arg);

void
pep669_backend_trace_check(PyThreadState *ts)
{
    if (light_mode && ts->c_tracefunc != trampoline) {
        /* PyEval_SetTrace() replaced the uncounted trampoline and
         * adjusted the count as if it had been counted. */
        PEP669_TRACING_POSSIBLE_ADD(ts, 1);
        light_mode = 0;
    }
}

void
pep669_backend_trace_start(PyThreadState *ts, int mode)
{
    trampoline_moves++;
    if (PEP669_UNLIKELY(ts->c_tracefunc == drop_trace)) {
        /* (a 'call' drop still waiting: the trampoline forwards to the
         * tracer and drops it, pep669_backend_trace_forward) */
        ts->c_tracefunc = legacy_drop.trace;
        legacy_drop.trace = NULL;
        legacy_drop.tramp = legacy_drop.frame;
    }
    pep669_backend_trace_check(ts);
    if (ts->c_tracefunc != trampoline) {
        legacy_func = ts->c_tracefunc;
        ts->c_tracefunc = trampoline;
        light_mode = 1;
        if (legacy_func != NULL) {
            /* Counted already, as the legacy tracer. */
            light_mode = 0;
        }
    }
    if (legacy_func != NULL) {
        mode = PEP669_TRACE_FULL;
    }
    if (mode == PEP669_TRACE_FULL) {
        if (light_mode && legacy_func == NULL) {
            /* PyEval_SetTrace() counts one per thread with a trace
             * function, whichever it is. */
            PEP669_TRACING_POSSIBLE_ADD(ts, 1);
        }
        light_mode = 0;
        PEP669_SET_USE_TRACING(ts, 1);
    }
    else {
        if (!light_mode) {
            PEP669_TRACING_POSSIBLE_ADD(ts, -1);
        }
        light_mode = 1;
        PEP669_SET_USE_TRACING(ts, ts->c_profilefunc != NULL);
    }
}

void
pep669_backend_trace_window(PyThreadState *ts)
{
    if (ts->c_tracefunc == NULL && !light_mode) {
        /* (the common case, the hook's quiet path: nothing on the thread)
         * What pep669_backend_trace_start(ts, PEP669_TRACE_FULL) does
         * then: installed, counted, tracing on. */
        trampoline_moves++;
        legacy_func = NULL;
        ts->c_tracefunc = trampoline;
        PEP669_TRACING_POSSIBLE_ADD(ts, 1);
        PEP669_SET_USE_TRACING(ts, 1);
    }
    else {
        pep669_backend_trace_start(ts, PEP669_TRACE_FULL);
    }
#if PEP669_WINDOW_SKIPS_CALL
    /* The evaluator's per-instruction gate is the count of trace
     * functions (tracing_possible), not use_tracing, which only gates the
     * 'call' and 'return' events: the frame's first instruction reports
     * to the trampoline, whose trace call puts use_tracing back. */
    PEP669_SET_USE_TRACING(ts, ts->c_profilefunc != NULL);
#endif
}

void
pep669_backend_trace_stop(PyThreadState *ts)
{
    trampoline_moves++;
    pep669_backend_trace_check(ts);
    if (ts->c_tracefunc != trampoline) {
        return;
    }
    ts->c_tracefunc = legacy_func;
    if (PEP669_UNLIKELY(legacy_drop.tramp != NULL) && legacy_func != NULL) {
        /* (the trampoline's drop still waiting: the tracer's own) */
        legacy_drop.trace = legacy_func;
        ts->c_tracefunc = drop_trace;
    }
    legacy_drop.tramp = NULL;
    if (legacy_func == NULL && !light_mode) {
        PEP669_TRACING_POSSIBLE_ADD(ts, -1);
    }
    light_mode = 0;
    legacy_func = NULL;
    PEP669_SET_USE_TRACING(
        ts, ts->c_tracefunc != NULL || ts->c_profilefunc != NULL);
}

int
pep669_backend_trace_has_legacy(void)
{
    return legacy_func != NULL;
}

int
pep669_backend_thread_plain_traced(PyThreadState *ts)
{
    return ts->c_tracefunc == trampoline && legacy_func == NULL;
}

int
pep669_backend_thread_traced(PyThreadState *ts)
{
    if (ts->c_tracefunc == trampoline) {
        return legacy_func != NULL;
    }
    return ts->c_tracefunc != NULL;
}

int
pep669_backend_interp_traced(PyThreadState *ts)
{
    if (pep669_backend_thread_traced(ts)) {
        return 1;
    }
    /* (another thread's trampoline state is its own: the trampoline
     * keeps the tracer's c_traceobj, NULL when there is no tracer under
     * it, as sys.settrace(None) leaves it) */
    for (PyThreadState *t = PyInterpreterState_ThreadHead(ts->interp);
         t != NULL; t = PyThreadState_Next(t)) {
        if (t != ts && t->c_tracefunc != NULL &&
            (t->c_tracefunc != trampoline || t->c_traceobj != NULL)) {
            return 1;
        }
    }
    return 0;
}

void
pep669_backend_pyframe_get_flags(PyFrameObject *f, int *lines, int *opcodes)
{
    *lines = f->f_trace_lines != 0;
    *opcodes = f->f_trace_opcodes != 0;
}

void
pep669_backend_pyframe_put_flags(PyFrameObject *f, int lines, int opcodes)
{
#if PEP669_HANDLER_CLONES
    pep669_thread.flags_puts++;     /* (3.11's tests) */
#endif
    f->f_trace_lines = (char)(lines != 0);
    f->f_trace_opcodes = (char)(opcodes != 0);
}

void
pep669_backend_pyframe_show_flags(PyFrameObject *f, int cur_lines,
                                  int cur_opcodes, int *legacy_lines,
                                  int *legacy_opcodes)
{
    int lines = f->f_trace_lines != 0, opcodes = f->f_trace_opcodes != 0;
    if (lines != cur_lines) {
        *legacy_lines = lines;
    }
    if (opcodes != cur_opcodes) {
        *legacy_opcodes = opcodes;
    }
    if (*legacy_lines != cur_lines || *legacy_opcodes != cur_opcodes) {
        pep669_backend_pyframe_put_flags(f, *legacy_lines, *legacy_opcodes);
    }
}

PyObject *
pep669_backend_pyframe_trace(PyFrameObject *f)
{
    return f->f_trace;
}

void
pep669_backend_pyframe_set_trace(PyFrameObject *f, PyObject *trace)
{
    Py_XINCREF(trace);
    Py_XSETREF(f->f_trace, trace);
}

int
pep669_backend_trace_forward(PyObject *obj, PyFrameObject *frame, int what,
                             PyObject *arg)
{
    if (PEP669_UNLIKELY(legacy_drop.tramp == (void *)frame)) {
        /* (the drop's frame: its first event ends the drop; other
         * frames' events pass, drop_event) */
        legacy_drop.tramp = NULL;
        drop_rewatch(PyThreadState_GET());
        if (what == PyTrace_CALL) {
            return 0;
        }
    }
    if (PEP669_UNLIKELY(legacy_func == NULL)) {
        /* (this event's handling gave the thread back to the tracer,
         * trace_stop: it gets this event too, as without pep669) */
        PyThreadState *ts = PyThreadState_GET();
        return (ts->c_tracefunc != trampoline && ts->c_tracefunc != NULL &&
                ts->c_traceobj == obj)
            ? ts->c_tracefunc(obj, frame, what, arg) : 0;
    }
    return legacy_func(obj, frame, what, arg);
}

void
pep669_backend_pyframe_set_flags(PyFrameObject *f, int lines, int opcodes)
{
    if (legacy_func != NULL) {
        /* The legacy tracer keeps whatever it asked for. */
        f->f_trace_lines |= (char)(lines != 0);
        f->f_trace_opcodes |= (char)(opcodes != 0);
    }
    else {
        f->f_trace_lines = (char)(lines != 0);
        f->f_trace_opcodes = (char)(opcodes != 0);
    }
}

/* ---- 3.12's order: the legacy tracer and profiler first ----
 * 3.12+ run sys.settrace and sys.setprofile as tools 7 and 6, whose
 * callbacks come before those of tools 0-5 for one event: 'call' before
 * PY_START/PY_RESUME/PY_THROW, the profiler's 'c_call' before CALL.  The
 * interpreter makes those after pep669's event (the hook fires the entry
 * events before the evaluator runs, the trampoline CALL before the call
 * instruction); so pep669 makes them first, as the interpreter would,
 * and drops the interpreter's own report, which comes next. */

/* One legacy trace call as call_trace() makes it, from outside any trace
 * call. */
static int
legacy_call(PyThreadState *ts, Py_tracefunc func, PyObject *obj,
            PyFrameObject *f, int what, PyObject *arg)
{
#if PEP669_TRACING_WHAT
    int old_what = ts->tracing_what;
    ts->tracing_what = what;
#endif
    pep669_backend_enter_callback(ts);
#if PEP669_CALL_TRACE_LINENO
    int lasti = PEP669_TRAMPOLINE_LASTI(f);
    PyCodeObject *co = pep669_backend_pyframe_code(f);
    f->f_lineno = lasti < 0 ? co->co_firstlineno
                            : PyCode_Addr2Line(co, lasti);
#endif
    int err = func(obj, f, what, arg);
#if PEP669_CALL_TRACE_LINENO
    f->f_lineno = 0;
#endif
    pep669_backend_leave_callback(ts);
#if PEP669_TRACING_WHAT
    ts->tracing_what = old_what;
#endif
    return err;
}

/* The exception fetched before a legacy event (call_trace_protected):
 * put back if the event went through (0), else dropped for the event's
 * own (-1). */
static int
legacy_exc_kept(int err, PyObject *type, PyObject *value, PyObject *tb)
{
    if (err == 0) {
        PyErr_Restore(type, value, tb);
        return 0;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}

int
pep669_backend_legacy_entry(PyThreadState *ts, Pep669Link *link)
{
    Py_tracefunc tr = ts->c_tracefunc == trampoline ? legacy_func
                                                     : ts->c_tracefunc;
    if ((tr == NULL && ts->c_profilefunc == NULL) ||
        !PEP669_USE_TRACING(ts) || ts->tracing) {
        return 0;
    }
    PyFrameObject *f = pep669_backend_current_pyframe(ts);
    if (f == NULL) {
        return 0;
    }
    /* (call_trace_protected: a thrown exception stays) */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int err = 0;
    Py_INCREF(f);
    if (tr != NULL) {
        err = legacy_call(ts, tr, ts->c_traceobj, f, PyTrace_CALL, Py_None);
    }
    if (err == 0 && ts->c_profilefunc != NULL) {
        err = legacy_call(ts, ts->c_profilefunc, ts->c_profileobj, f,
                          PyTrace_CALL, Py_None);
    }
    /* (sys.settrace's and sys.setprofile's trampolines wrote f_locals
     * back to the variables: a change the tools' callbacks make is looked
     * for from here) */
    PyObject *locals = PEP669_PYFRAME_LOCALS(f);
    if (link->locals != NULL && (void *)locals == link->locals) {
        link->locals_tag = ((PyDictObject *)locals)->ma_version_tag;
    }
    Py_DECREF(f);
    return legacy_exc_kept(err, type, value, tb) < 0 ? -1 : 1;
}

/* What the interpreter's C_TRACE reports for `callable` to the thread's
 * profiler: a builtin, or a method descriptor bound to its first argument
 * (`arg0`).  1 and *func (owned); 0 with *func NULL where it reports
 * nothing (no profiler; no first argument, or not a builtin); -1 with the
 * binding's exception. */
static int
legacy_c_function(PyThreadState *ts, PyObject *callable, PyObject *arg0,
                  PyObject **func)
{
    *func = NULL;
    if (ts->c_profilefunc == NULL) {
        return 0;
    }
    if (PyCFunction_Check(callable)) {
        *func = Py_NewRef(callable);
    }
    else if (Py_TYPE(callable) == &PyMethodDescr_Type && arg0 != NULL) {
        *func = Py_TYPE(callable)->tp_descr_get(callable, arg0,
                                                (PyObject *)Py_TYPE(arg0));
        if (*func == NULL) {
            return -1;
        }
    }
    return *func != NULL;
}

/* The profiler's `what` (a C event) for `func` in `f`, as the
 * interpreter's C_TRACE calls it (inside the trampoline's trace call:
 * tracing is off already). */
static int
legacy_c_event(PyThreadState *ts, PyFrameObject *f, int what,
               PyObject *func)
{
#if PEP669_TRACING_WHAT
    int old_what = ts->tracing_what;
    ts->tracing_what = what;
#endif
    int err = ts->c_profilefunc(ts->c_profileobj, f, what, func);
#if PEP669_TRACING_WHAT
    ts->tracing_what = old_what;
#endif
    return err;
}

int
pep669_backend_legacy_c_call(PyThreadState *ts, PyFrameObject *f,
                             PyObject *callable, PyObject *arg0, int make)
{
    PyObject *func;
    int got = legacy_c_function(ts, callable, arg0, &func);
    if (got <= 0) {
        return got;
    }
    int err = make ? legacy_c_event(ts, f, PyTrace_C_CALL, func) : 0;
    /* The interpreter's own 'c_call' of this call reports the same
     * function (a descriptor bound again: the same table entry and self);
     * where it makes none (a descriptor called with keyword arguments
     * only, whose first argument 3.12 binds) the drop must not take a
     * later call's. */
    legacy_drop.c_def = PyCFunction_Check(func)
        ? (const void *)((PyCFunctionObject *)func)->m_ml : NULL;
    legacy_drop.c_self = PyCFunction_Check(func)
        ? (const void *)PyCFunction_GET_SELF(func) : NULL;
    Py_DECREF(func);
    return err < 0 ? -1 : 1;
}

int
pep669_backend_legacy_c_unmade(PyThreadState *ts, PyFrameObject *f)
{
    return legacy_drop.what == PyTrace_C_CALL && !legacy_drop.watch &&
           legacy_drop.frame == (void *)f && legacy_drop.profile != NULL &&
           ts->c_profilefunc == drop_profile;
}

int
pep669_backend_legacy_c_failed(PyThreadState *ts, PyFrameObject *f)
{
    int failed = legacy_drop.failed == (void *)f;
    legacy_drop.failed = NULL;
    /* (the frame's call ended: no watch of it waits any more) */
    int kept = 0;
    for (int i = 0; i < legacy_drop.nouter; i++) {
        if (legacy_drop.outer[i] != (void *)f) {
            legacy_drop.outer[kept++] = legacy_drop.outer[i];
        }
    }
    legacy_drop.nouter = kept;
    if (legacy_drop.watch && legacy_drop.frame == (void *)f) {
        legacy_drop_cancel(ts);
        drop_rewatch(ts);
    }
    return failed;
}

int
pep669_backend_legacy_c_end(PyThreadState *ts, PyFrameObject *f,
                            PyObject *callable, PyObject *arg0, int raised)
{
    legacy_drop_cancel(ts);
    drop_rewatch(ts);
    PyObject *func = NULL;
    int got = raised ? legacy_c_function(ts, callable, arg0, &func) : 0;
    if (got <= 0) {
        return got;
    }
    /* (the call's exception stays: call_trace_protected) */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int err = legacy_c_event(ts, f, PyTrace_C_EXCEPTION, func);
    Py_DECREF(func);
    return legacy_exc_kept(err, type, value, tb);
}

int
pep669_backend_legacy_c_after(PyThreadState *ts, PyObject *callable,
                              PyObject *arg0, int raised)
{
    int what = raised < 0 ? PyTrace_C_CALL
        : raised ? PyTrace_C_EXCEPTION : PyTrace_C_RETURN;
    raised = raised > 0;
    PyFrameObject *f = pep669_backend_current_pyframe(ts);
    if (ts->c_profilefunc == NULL || f == NULL) {
        return 0;
    }
    PyObject *func;
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (raised) {
        PyErr_Fetch(&type, &value, &tb);
    }
    if (legacy_c_function(ts, callable, arg0, &func) < 0) {
        if (raised) {
            legacy_exc_kept(-1, type, value, tb);
        }
        return -1;
    }
    int err = 0;
    if (func != NULL) {
        Py_INCREF(f);
        err = legacy_call(ts, ts->c_profilefunc, ts->c_profileobj, f, what,
                          func);
        Py_DECREF(f);
        Py_DECREF(func);
    }
    if (raised) {
        return legacy_exc_kept(err, type, value, tb);
    }
    return err < 0 ? -1 : 0;
}

/* Whether `arg`, the function of a 'c_call', is the one pep669 reported
 * (pep669_backend_legacy_c_call). */
static int
drop_c_call_matches(PyObject *arg)
{
    if (legacy_drop.c_def == NULL) {
        return 1;
    }
    return arg != NULL && PyCFunction_Check(arg) &&
           (const void *)((PyCFunctionObject *)arg)->m_ml ==
               legacy_drop.c_def &&
           (const void *)PyCFunction_GET_SELF(arg) == legacy_drop.c_self;
}

static int drop_profile(PyObject *obj, PyFrameObject *frame, int what,
                        PyObject *arg);

/* drop_trace, drop_profile: the thread's trace or profile function
 * (`ts_slot`, the one saved in `slot`) stands aside for the drop's event.
 * Another frame's events pass (a frame run before the drop's frame made
 * its event: on 3.11 a signal handler or pending call run at its RESUME,
 * before the evaluator's 'call'); the first event of the drop's frame
 * puts the function back, and is dropped if it is the one made already
 * (a 'c_call' only of the function pep669 reported). */
static int
drop_event(Py_tracefunc *slot, Py_tracefunc *ts_slot, PyObject *obj,
           PyFrameObject *frame, int what, PyObject *arg)
{
    Py_tracefunc real = *slot;
    if ((void *)frame != legacy_drop.frame) {
        return real(obj, frame, what, arg);
    }
    *slot = NULL;
    *ts_slot = real;
    PyThreadState *ts = PyThreadState_GET();
    if (legacy_drop.watch) {
        /* The end of the call whose 'c_call' was dropped: a 'c_return'
         * that raises ends that call's events (3.12's tool 6 comes first
         * among its C_RETURN callbacks), pep669_backend_legacy_c_failed */
        legacy_drop.watch = 0;
        int err = real(obj, frame, what, arg);
        if (err < 0 && what == PyTrace_C_RETURN) {
            legacy_drop.failed = frame;
        }
        drop_rewatch(ts);
        return err;
    }
    if (what == legacy_drop.what &&
        (what != PyTrace_C_CALL || drop_c_call_matches(arg))) {
        if (what == PyTrace_C_CALL) {
            /* (the profiler's: watched to the call's end) */
            *slot = real;
            *ts_slot = drop_profile;
            legacy_drop.watch = 1;
        }
        else {
            drop_rewatch(ts);
        }
        return 0;
    }
    int err = real(obj, frame, what, arg);
    drop_rewatch(ts);
    return err;
}

static int
drop_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    PyThreadState *ts = PyThreadState_GET();
    return drop_event(&legacy_drop.trace, &ts->c_tracefunc, obj, frame,
                      what, arg);
}

static int
drop_profile(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    PyThreadState *ts = PyThreadState_GET();
    return drop_event(&legacy_drop.profile, &ts->c_profilefunc, obj, frame,
                      what, arg);
}

static void
legacy_drop_cancel(PyThreadState *ts)
{
    if (legacy_drop.trace != NULL && ts->c_tracefunc == drop_trace) {
        ts->c_tracefunc = legacy_drop.trace;
    }
    if (legacy_drop.profile != NULL && ts->c_profilefunc == drop_profile) {
        ts->c_profilefunc = legacy_drop.profile;
    }
    legacy_drop.trace = legacy_drop.profile = NULL;
    legacy_drop.tramp = NULL;
    legacy_drop.watch = 0;
}

/* An enclosing frame's watch put aside by a drop (`outer`) comes back
 * once no drop waits: the profiler stood in for again, to the end of
 * that frame's call.  Nothing while a drop or watch waits, or with no
 * profiler (the watches forgotten). */
static void
drop_rewatch(PyThreadState *ts)
{
    if (PEP669_LIKELY(legacy_drop.nouter == 0)) {
        return;
    }
    if (ts->c_profilefunc == NULL) {
        legacy_drop.nouter = 0;
        return;
    }
    if (legacy_drop.watch || legacy_drop.tramp != NULL ||
        ts->c_profilefunc == drop_profile ||
        (legacy_drop.trace != NULL && ts->c_tracefunc == drop_trace)) {
        return;
    }
    legacy_drop.frame = legacy_drop.outer[--legacy_drop.nouter];
    legacy_drop.what = PyTrace_C_CALL;
    legacy_drop.trace = NULL;
    legacy_drop.profile = ts->c_profilefunc;
    ts->c_profilefunc = drop_profile;
    legacy_drop.watch = 1;
}

/* The frame of a 'call' drop still waiting, else NULL. */
static void *
legacy_drop_waiting(PyThreadState *ts)
{
    if (legacy_drop.what != PyTrace_CALL || legacy_drop.frame == NULL) {
        return NULL;
    }
    if (legacy_drop.tramp != NULL ||
        (legacy_drop.trace != NULL && ts->c_tracefunc == drop_trace) ||
        (legacy_drop.profile != NULL && ts->c_profilefunc == drop_profile)) {
        return legacy_drop.frame;
    }
    return NULL;
}

void *
pep669_backend_legacy_drop(PyThreadState *ts, PyFrameObject *f, int what)
{
    void *waiting = f != NULL ? legacy_drop_waiting(ts) : NULL;
    if (waiting == (void *)f) {
        waiting = NULL;
    }
    if (legacy_drop.watch && legacy_drop.frame != NULL &&
        legacy_drop.frame != (void *)f &&
        ts->c_profilefunc == drop_profile &&
        legacy_drop.nouter < (int)(sizeof(legacy_drop.outer) /
                                   sizeof(legacy_drop.outer[0]))) {
        /* (a frame's watch under way: back when this drop is over) */
        legacy_drop.outer[legacy_drop.nouter++] = legacy_drop.frame;
    }
    legacy_drop_cancel(ts);
    legacy_drop.failed = NULL;
    if (f == NULL) {
        legacy_drop.frame = NULL;
        drop_rewatch(ts);
        return NULL;
    }
    legacy_drop.frame = f;
    legacy_drop.what = what;
    if (what != PyTrace_C_CALL) {
        legacy_drop.c_def = legacy_drop.c_self = NULL;
    }
    if (what == PyTrace_CALL && ts->c_tracefunc != NULL) {
        if (ts->c_tracefunc == trampoline) {
            legacy_drop.tramp = legacy_func != NULL ? (void *)f : NULL;
        }
        else {
            legacy_drop.trace = ts->c_tracefunc;
            ts->c_tracefunc = drop_trace;
        }
    }
    if (ts->c_profilefunc != NULL) {
        legacy_drop.profile = ts->c_profilefunc;
        ts->c_profilefunc = drop_profile;
    }
    return waiting;
}

#endif
