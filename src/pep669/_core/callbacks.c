/* The loop that calls tools' callbacks for one event, shared by the
 * engine's dispatch and the C API. */
#include "monitor.h"
#include "check.h"

const char *const pep669_event_names[PEP669_EVENT_COUNT] = {
#define PEP669_X_NAME(name, num, kind) [num] = #name,
    PEP669_EVENT_TABLE(PEP669_X_NAME)
#undef PEP669_X_NAME
};

static inline int
highest_tool(uint8_t tools)
{
#if defined(__GNUC__)
    return 31 - __builtin_clz((unsigned int)tools);
#else
    int tool = 7;
    while (!(tools & (1u << tool))) {
        tool--;
    }
    return tool;
#endif
}

/* pep669_call_callbacks' body, inline in it and in pep669_call_event
 * (one call less on every event's path). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
callbacks_loop(PyThreadState *ts, uint8_t tools, int event,
               PyObject *const *args, size_t nargsf, uint8_t *disabled,
               int bracket, const uint64_t *restarts)
{
    int err = 0;
    int saved[2];
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    PEP669_ASSERT(ts == NULL || ts == PyThreadState_GET());
    PEP669_ASSERT(args != NULL && args[0] != NULL);
    PEP669_ASSERT(disabled != NULL);
    /* The loop starts clean: an event that carries an exception has taken
     * it out of the thread state (and passes it as an argument) before
     * its callbacks run, so a callback never sees a pending one. */
    PEP669_ASSERT(!PyErr_Occurred());
    PEP669_DEBUG_ONLY(const uint8_t asked = tools;)
    const uint8_t disabled_before = *disabled;
    uint64_t epoch = restarts != NULL ? *restarts : 0;
    pep669_monitor_callbacks_begin(ts, event, saved);
    if (bracket) {
        pep669_monitor_enter_callback(ts);
    }
    while (tools) {
        int tool = highest_tool(tools);
        tools &= (uint8_t)~(1u << tool);
        PyObject *func = pep669_monitor_callback(tool, event);
        if (func == NULL) {
            continue;
        }
        Py_INCREF(func);  /* the callback may unregister itself */
        PyObject *res = pep669_vectorcall(func, args, nargsf);
        Py_DECREF(func);
        if (restarts != NULL && PEP669_UNLIKELY(*restarts != epoch)) {
            /* The callback called restart_events(): every DISABLE
             * returned before it is void, as the interpreter re-arms
             * everything there; its own and the later callbacks' count
             * (CPython disables a location when its callback returns). */
            epoch = *restarts;
            *disabled = disabled_before;
        }
        if (res == NULL) {
            PEP669_ASSERT(PyErr_Occurred());
            err = -1;
            break;
        }
        int disable = pep669_monitor_is_disable(ts, res);
        Py_DECREF(res);
        if (!disable) {
            continue;
        }
        if ((1u << event) & PEP669_LOCAL_EVENTS) {
            *disabled |= (uint8_t)(1u << tool);
            continue;
        }
        /* Remove it first, so that it cannot fire again. */
        pep669_monitor_remove_callback(tool, event);
        PyErr_Format(PyExc_ValueError,
                     "Cannot disable %s events. Callback removed.",
                     pep669_event_names[event]);
        err = -1;
        break;
    }
    if (bracket) {
        pep669_monitor_leave_callback(ts);
    }
    pep669_monitor_callbacks_end(ts, saved);
    /* Only tools that were asked, and only for an event DISABLE-able per
     * location; an error is reported iff one is set. */
    PEP669_ASSERT(((*disabled & (uint8_t)~disabled_before) &
                   (uint8_t)~asked) == 0);
    PEP669_ASSERT(*disabled == disabled_before ||
                  ((1u << event) & PEP669_LOCAL_EVENTS));
    PEP669_ASSERT((err < 0) == (PyErr_Occurred() != NULL));
    return err;
}

int
pep669_call_callbacks(PyThreadState *ts, uint8_t tools, int event,
                      PyObject *const *args, size_t nargsf,
                      uint8_t *disabled, int bracket,
                      const uint64_t *restarts)
{
    return callbacks_loop(ts, tools, event, args, nargsf, disabled,
                          bracket, restarts);
}

/* (monitor.h: pep669_offset_object) */
PyObject *pep669_offset_cache[PEP669_OFFSET_CACHE / 2];

int
pep669_call_event(PyThreadState *ts, uint8_t tools, int event,
                  PyObject *codelike, int offset, PyObject *const *extra,
                  int nextra, uint8_t *disabled, int bracket,
                  const uint64_t *restarts)
{
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[5] = {NULL, codelike, NULL, NULL, NULL};
    size_t n = 2;
    /* owned */
    PyObject *offset_obj = NULL;
    if (event != PEP669_EV_LINE) {
        /* LINE callbacks take (code, line_number): `offset` is only the
         * location, for DISABLE. */
        offset_obj = pep669_offset_object(offset);
        if (offset_obj == NULL) {
            return -1;
        }
        stack[n++] = offset_obj;
    }
    /* (at most two: no loop, which compilers make a memcpy call) */
    PEP669_ASSERT(nextra >= 0 && nextra <= 2);
    if (nextra > 0) {
        stack[n++] = extra[0];
        if (nextra > 1) {
            stack[n++] = extra[1];
        }
    }
    int err = callbacks_loop(ts, tools, event, stack + 1,
                             (n - 1) | PY_VECTORCALL_ARGUMENTS_OFFSET,
                             disabled, bracket, restarts);
    Py_XDECREF(offset_obj);
    return err;
}
