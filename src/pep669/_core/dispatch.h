/* Dispatch: deliver one event to the tools that want it.  Knows nothing of
 * how the event was detected. */
#ifndef PEP669_DISPATCH_H
#define PEP669_DISPATCH_H

#include "codedata.h"
#include "monitor_engine.h"
#include "backend.h"
#include "frame_access.h"
#include "check.h"

/* Tools to call for (event, offset) of a code whose data is `cd`, its
 * DISABLEs read as under the restart version `restart` (pure). */
static inline uint8_t
pep669_fire_tools_at(Pep669CodeData *cd, int event, int offset,
                     uint64_t restart)
{
    uint8_t tools = pep669_code_tools(cd, event);
    if (tools && cd != NULL) {
        tools &= (uint8_t)~pep669_disabled_tools_at(cd, event, offset,
                                                    restart);
    }
    return tools;
}

/* The same now. */
static inline uint8_t
pep669_fire_tools(Pep669CodeData *cd, int event, int offset)
{
    return pep669_fire_tools_at(cd, event, offset,
                                pep669_registry.restart_version);
}

/* The tool of a set of one. */
static inline int
pep669_only_tool(uint8_t tools)
{
    PEP669_ASSERT(tools != 0 && (tools & (tools - 1)) == 0);
#if defined(__GNUC__)
    return __builtin_ctz((unsigned int)tools);
#else
    int tool = 0;
    while (!(tools & (1u << tool))) {
        tool++;
    }
    return tool;
#endif
}

/* Record the locations the tools of `disabled` DISABLEd for `event` at
 * `offset`, also when a later tool raised (err < 0: its exception then
 * stays the one reported); returns err, or -1 if recording failed. */
int pep669_disable_locations(uint8_t disabled, int event, PyCodeObject *co,
                             int offset, int err);

/* The callback of one tool: the steps of monitor.h's loop
 * (pep669_call_event, callbacks.c) for a single tool, over the registry
 * with no call for each (the loop's order among tools and its DISABLE
 * bookkeeping are for several): the event sources' work around the
 * callback (the hooks module init registered), the thread's events
 * suppressed (`bracket`), the callback called with (code[, offset][,
 * arg[, arg2]]), DISABLE recorded for the location or, for an event that
 * cannot be disabled, the callback removed and ValueError raised.
 * `begin` and `end`: the event sources' work around the callback, the
 * hooks module init registered (dispatch.c), or their bodies inline
 * (frames.c: pep669_trace_callbacks_begin_inline, trampoline.h). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
pep669_call_one(PyThreadState *ts, int tool, int event, PyCodeObject *co,
                int offset, PyObject *arg, PyObject *arg2, int bracket,
                Pep669CallbacksHook begin, Pep669CallbacksEndHook end)
{
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[5] = {NULL, (PyObject *)co, NULL, NULL, NULL};
    size_t n = 2;
    /* owned */
    PyObject *offset_obj = NULL;
    int saved[2], err = 0, disabled = 0;
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    PEP669_ASSERT(ts == NULL || ts == PyThreadState_GET());
    PEP669_ASSERT(!PyErr_Occurred());
    if (event != PEP669_EV_LINE) {
        /* LINE callbacks take (code, line_number): `offset` is only the
         * location, for DISABLE. */
        offset_obj = pep669_offset_object(offset);
        if (offset_obj == NULL) {
            return -1;
        }
        stack[n++] = offset_obj;
    }
    if (arg != NULL) {
        stack[n++] = arg;
        if (arg2 != NULL) {
            stack[n++] = arg2;
        }
    }
    begin(ts, event, saved);
    if (bracket) {
        pep669_enter_callback(ts);
        PEP669_ASSERT(pep669_backend_suppressed(ts));
    }
    PyObject *func = pep669_registry.callbacks[tool][event];
    if (func != NULL) {
        Py_INCREF(func);  /* the callback may unregister itself */
        PyObject *res = pep669_vectorcall(
            func, stack + 1, (n - 1) | PY_VECTORCALL_ARGUMENTS_OFFSET);
        Py_DECREF(func);
        if (res == NULL) {
            PEP669_ASSERT(PyErr_Occurred());
            err = -1;
        }
        else {
            /* (the callback may have run another thread state's engine
             * on this OS thread) */
            pep669_enter(ts);
            disabled = res == pep669_registry.disable;
            Py_DECREF(res);
            if (disabled && !((1u << event) & PEP669_LOCAL_EVENTS)) {
                /* Remove it first, so that it cannot fire again. */
                disabled = 0;
                pep669_monitor_remove_callback(tool, event);
                PyErr_Format(PyExc_ValueError,
                             "Cannot disable %s events. Callback removed.",
                             pep669_event_names[event]);
                err = -1;
            }
        }
    }
    if (bracket) {
        PEP669_ASSERT(pep669_backend_suppressed(ts));
        pep669_leave_callback(ts);
    }
    /* (after a callback that failed; a second compare after one that
     * returned: cheaper than one before the result's test, where the
     * result lives across it, on 3.11's call probes, callgrind) */
    pep669_enter(ts);
    end(ts, saved);
    Py_XDECREF(offset_obj);
    /* (a DISABLE counts also after a restart_events() in the callback:
     * CPython disables the location when the callback returns, in the
     * code the restart re-armed) */
    if (PEP669_UNLIKELY(disabled)) {
        err = pep669_disable_locations((uint8_t)(1u << tool), event, co, offset,
                                err);
    }
    PEP669_ASSERT((err < 0) == (PyErr_Occurred() != NULL));
    return err;
}

/* The loop of monitor.h for two tools or more (`tools`), with the
 * callbacks hooks module init registered: pep669_call_some's. */
int pep669_call_many(PyThreadState *ts, uint8_t tools, int event,
                     PyCodeObject *co, int offset, PyObject *arg,
                     PyObject *arg2, int bracket);

/* The callbacks of `tools` (at least one) for `event`: one tool's inline
 * (pep669_call_one, the work around it `begin`/`end`), else the loop
 * (pep669_call_many).  The choice of dispatch.c's entry points and of
 * the frames path (frames_fire.h); probe_fire.c's call probes make the
 * same choice with pep669_call_tools2 for the loop (probe_call_tools:
 * fewer instructions on 3.11). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
pep669_call_some(PyThreadState *ts, uint8_t tools, int event,
                 PyCodeObject *co, int offset, PyObject *arg,
                 PyObject *arg2, int bracket, Pep669CallbacksHook begin,
                 Pep669CallbacksEndHook end)
{
    PEP669_ASSERT(tools != 0);
    if ((tools & (tools - 1)) == 0) {
        return pep669_call_one(ts, pep669_only_tool(tools), event, co,
                               offset, arg, arg2, bracket, begin, end);
    }
    return pep669_call_many(ts, tools, event, co, offset, arg, arg2,
                            bracket);
}

/* Call the callbacks of `tools` for `event` with (code, offset[, arg]),
 * highest tool id first, with events suppressed on this thread.  Returns
 * 0, or -1 with an exception set: a callback raised, or returned DISABLE
 * for an event that cannot be disabled (the callback is then removed). */
int pep669_call_tools(PyThreadState *ts, uint8_t tools, int event,
                      PyCodeObject *co, int offset, PyObject *arg);

/* The same from inside a legacy trace function, which the interpreter
 * already calls with events suppressed on the thread. */
int pep669_call_tools_traced(PyThreadState *ts, uint8_t tools, int event,
                             PyCodeObject *co, int offset, PyObject *arg);

/* LINE from inside a legacy trace function: (code, line_obj), DISABLE
 * at `offset`. */
int pep669_call_line_traced(PyThreadState *ts, uint8_t tools,
                            PyCodeObject *co, int offset,
                            PyObject *line_obj);

/* The same with two extra arguments (CALL, C_RETURN, C_RAISE:
 * callable, arg0), outside a trace function and inside one. */
int pep669_call_tools2(PyThreadState *ts, uint8_t tools, int event,
                       PyCodeObject *co, int offset, PyObject *arg,
                       PyObject *arg2);
int pep669_call_tools2_traced(PyThreadState *ts, uint8_t tools, int event,
                              PyCodeObject *co, int offset, PyObject *arg,
                              PyObject *arg2);

/* As above, for events that carry the current exception (PY_THROW,
 * PY_UNWIND, RAISE, ...): it is taken, passed to the callbacks and
 * restored on success; if a callback fails, its exception replaces it. */
int pep669_call_tools_exc(PyThreadState *ts, uint8_t tools, int event,
                          PyCodeObject *co, int offset);

static inline int
pep669_fire(PyThreadState *ts, Pep669CodeData *cd, int event,
            PyCodeObject *co, int offset, PyObject *arg)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools(ts, tools, event, co, offset, arg) : 0;
}

static inline int
pep669_fire_traced(PyThreadState *ts, Pep669CodeData *cd, int event,
                   PyCodeObject *co, int offset, PyObject *arg)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools_traced(ts, tools, event, co, offset,
                                            arg) : 0;
}

static inline int
pep669_fire_exc(PyThreadState *ts, Pep669CodeData *cd, int event,
                PyCodeObject *co, int offset)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools_exc(ts, tools, event, co, offset) : 0;
}

#endif
