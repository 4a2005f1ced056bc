/* The trampoline's thread state and the legacy-event helpers shared by
 * every backend.  Included by exactly one backend_py3X.c per build (via
 * backend_pyframe.h up to 3.10), after it defined:
 *   PEP669_SET_USE_TRACING(ts, on)      tracing on/off for the current
 *                                       evaluator run and those it starts
 *   PEP669_TRACING_POSSIBLE_ADD(ts, n)  the interpreter's count of trace
 *                                       functions (3.8/3.9), or nothing
 *   PEP669_TRAMPOLINE_FRAME(f)          the Pep669Frame of a frame object
 *   PEP669_TRAMPOLINE_LASTI(f)          its last instruction (bytes, -1) */
#ifndef PEP669_BACKEND_TRAMPOLINE_H
#define PEP669_BACKEND_TRAMPOLINE_H

#include "trace.h"

/* ---- the trampoline ---- */

/* Whether the interpreter calls the 'opcode' event even when the 'line'
 * event of the same instruction failed (3.8/3.9 maybe_call_line_trace). */
#ifndef PEP669_OPCODE_AFTER_FAILED_LINE
#  define PEP669_OPCODE_AFTER_FAILED_LINE 0
#endif

/* The thread's own trace function while pep669_trace stands in for it
 * (its c_traceobj stays in place). */
static PEP669_THREAD_LOCAL_FAST Py_tracefunc legacy_func = NULL;

/* A line event for the trampoline below (out of its line, so that the
 * opcode event's path stays short). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int
trampoline_line(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    int forward, lasti = PEP669_TRAMPOLINE_LASTI(frame);
    uint8_t tools;
    if (pep669_trace_quiet_line(PEP669_TRAMPOLINE_FRAME(frame), lasti,
                                frame->f_lineno, &tools, &forward) < 0) {
        return pep669_trace(obj, frame, what, arg);
    }
    if (tools != 0 &&
        pep669_trace_fire_line(frame, lasti, frame->f_lineno, tools) < 0) {
        return -1;
    }
    return (forward && legacy_func != NULL)
        ? pep669_trace_forward(obj, frame, what, arg) : 0;
}

static int trampoline_events(PyObject *obj, PyFrameObject *frame, int what,
                             PyObject *arg);

/* Counts our own installs and removals of the trampoline on the thread
 * (to tell them from a callback's sys.settrace). */
static PEP669_THREAD_LOCAL_FAST unsigned int trampoline_moves = 0;

/* The trace function installed.  A callback may have set a legacy trace
 * function (sys.settrace) in its place: the trampoline goes back in front
 * of it at once, as the frame's events want. */
#ifndef PEP669_TRAMPOLINE_SHOW
/* (3.11: a frame running a clone shows its own code while the trampoline
 * and its callbacks run; the clone is the frame's code again after) */
#  define PEP669_TRAMPOLINE_SHOW(frame) NULL
#  define PEP669_TRAMPOLINE_UNSHOW(frame, shown) ((void)(shown))
#endif

static int
trampoline(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    unsigned int moves = trampoline_moves;
    void *shown = PEP669_TRAMPOLINE_SHOW(frame);
    int err = trampoline_events(obj, frame, what, arg);
    PEP669_TRAMPOLINE_UNSHOW(frame, shown);
    PyThreadState *ts = PyThreadState_GET();
    if (ts->c_tracefunc != trampoline && moves == trampoline_moves) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        pep669_trace_refresh(ts);
        PyErr_Restore(type, value, tb);
    }
    return err;
}

/* The common line and opcode events are settled here, with the frame's
 * fields at hand (pep669_trace_quiet, pep669_trace_quiet_line);
 * everything else goes to pep669_trace. */
static int
trampoline_events(PyObject *obj, PyFrameObject *frame, int what,
                  PyObject *arg)
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
        return pep669_trace(obj, frame, what, arg);
    }
    if (what == PyTrace_LINE) {
        return trampoline_line(obj, frame, what, arg);
    }
    if ((what == PyTrace_CALL || what == PyTrace_RETURN) &&
        legacy_func == NULL &&
        pep669_trace_quiet_frame(PEP669_TRAMPOLINE_FRAME(frame), what)) {
        return 0;
    }
    return pep669_trace(obj, frame, what, arg);
}

/* LIGHT: installed without counting in tracing_possible (3.8/3.9), so
 * the per-instruction gate stays closed. */
static PEP669_THREAD_LOCAL_FAST int light_mode = 0;

int
pep669_backend_trace_active(PyThreadState *ts)
{
    return ts->c_tracefunc == trampoline;
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

#ifndef PEP669_CODE_READ_BEFORE_CALL
#  define PEP669_CODE_READ_BEFORE_CALL 1
#endif

void
pep669_backend_trace_window(PyThreadState *ts)
{
    pep669_backend_trace_start(ts, PEP669_TRACE_FULL);
#if !PEP669_CODE_READ_BEFORE_CALL
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
pep669_backend_thread_plain(PyThreadState *ts)
{
    return ts->c_profilefunc == NULL &&
           (ts->c_tracefunc == NULL ||
            (ts->c_tracefunc == trampoline && legacy_func == NULL));
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
    f->f_trace_lines = (char)(lines != 0);
    f->f_trace_opcodes = (char)(opcodes != 0);
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
    return legacy_func == NULL ? 0 : legacy_func(obj, frame, what, arg);
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

/* Replace the stack item at `slot` (its reference is the stack's). */
static inline void
put_item(PyObject **slot, PyObject *value)
{
    PyObject *old = *slot;
    *slot = value;
    Py_XDECREF(old);
}

/* CALL_FUNCTION_EX: 3.13 checks and unpacks the arguments before its
 * CALL event: a mapping for ** becomes a dict (3.9+ compile that into
 * DICT_MERGE, before the instruction), an iterable for * a tuple, each in
 * its stack slot, as the instruction would do first thing; arg0 is then
 * the tuple's first item.  0 (no CALL event: the instruction raises its
 * own TypeError) for arguments it cannot unpack; -1 with an exception if
 * unpacking failed otherwise. */
static int
ex_prepare(PyObject **args_slot, PyObject **kwargs_slot, PyObject **arg0)
{
    if (kwargs_slot != NULL && !PyDict_CheckExact(*kwargs_slot)) {
        PyObject *d = PyDict_New();
        if (d == NULL) {
            return -1;
        }
        if (PyDict_Update(d, *kwargs_slot) < 0) {
            Py_DECREF(d);
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                /* not a mapping */
                PyErr_Clear();
                return 0;
            }
            return -1;
        }
        put_item(kwargs_slot, d);
    }
    PyObject *args = *args_slot;
    if (!PyTuple_CheckExact(args)) {
        if (Py_TYPE(args)->tp_iter == NULL && !PySequence_Check(args)) {
            return 0;
        }
        PyObject *tuple = PySequence_Tuple(args);
        if (tuple == NULL) {
            return -1;
        }
        put_item(args_slot, tuple);
        args = tuple;
    }
    *arg0 = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;
    return 1;
}

/* See pep669_backend_call_at: unpacked_slot is whether the call form has
 * no separate self (a bound method in it is unpacked by 3.12). */
static int
is_inlined(PyObject *callable, int unpacked_slot)
{
    return PyFunction_Check(callable) ||
           (unpacked_slot && PyMethod_Check(callable) &&
            PyFunction_Check(PyMethod_GET_FUNCTION(callable)));
}

/* The exception being handled (bare `raise` re-raises it), new ref. */
static PyObject *
handled_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_GetExcInfo(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

/* A call with a method slot under the callable: (method, self, args...)
 * or (NULL, callable, args...), n arguments after self/callable. */
static int
read_method_call(PyObject **sp, int n, PyObject **callable, PyObject **arg0,
                 int *inlined)
{
    if (sp[-n - 2] != NULL) {
        /* A method and its self, or (3.11, ending a with block) a bound
         * __exit__ with a first argument: not unpacked. */
        *callable = sp[-n - 2];
        *arg0 = sp[-n - 1];
        *inlined = is_inlined(*callable, 0);
    }
    else {
        *callable = sp[-n - 1];
        *arg0 = n > 0 ? sp[-n] : NULL;
        *inlined = is_inlined(*callable, 1);
    }
    return 1;
}

/* CALL_FUNCTION_EX with flags n: (callable, args[, kwargs]). */
static int
read_ex_call(PyObject **sp, int n, PyObject **callable, PyObject **arg0,
             int *inlined)
{
    *callable = sp[-2 - (n & 1)];
    *inlined = is_inlined(*callable, 1);
    return ex_prepare(&sp[-1 - (n & 1)], (n & 1) ? &sp[-1] : NULL, arg0);
}

#endif
