/* The monitoring state that callbacks and the C API act on.  Two
 * implementations: monitor_engine.c (3.8-3.11: pep669's registry) and
 * native_module.c (3.12/3.13: the interpreter's own sys.monitoring).  Event
 * numbers are the 3.12/3.13 ids of events.h. */
#ifndef PEP669_MONITOR_H
#define PEP669_MONITOR_H

#include "compat.h"
#include "events.h"

/* Event names, for messages. */
extern const char *const pep669_event_names[PEP669_EVENT_COUNT];

/* Whether this state belongs to the calling thread's interpreter (3.8-3.11:
 * the engine serves the main interpreter only; 3.12: always). */
int pep669_monitor_serves_interpreter(void);
/* Changes whenever the global event sets change or restart_events() runs
 * (what PyMonitoring_EnterScope compares against). */
uint64_t pep669_monitor_version(void);
/* Tools whose global event set holds `event`. */
uint8_t pep669_monitor_global_tools(int event);
/* The tool's callback for `event` (borrowed), or NULL. */
PyObject *pep669_monitor_callback(int tool, int event);
/* Remove it (DISABLE returned for an event that cannot be disabled). */
void pep669_monitor_remove_callback(int tool, int event);
/* The callback's result is DISABLE.  (3.8-3.11: first, `ts`'s engine
 * state is made current again: the callback may have run another
 * interpreter's on this OS thread.) */
int pep669_monitor_is_disable(PyThreadState *ts, PyObject *result);
/* sys.monitoring.MISSING (borrowed). */
PyObject *pep669_monitor_missing(void);
/* While a callback runs: the interpreter's own events are suppressed on
 * the thread. */
void pep669_monitor_enter_callback(PyThreadState *ts);
void pep669_monitor_leave_callback(PyThreadState *ts);

/* Around the callbacks of one event: the frames show Python what the
 * program set in them (frame flags), and a callback may move its frame
 * (f_lineno) where the event allows it.  `saved` (two ints) is for
 * pep669_monitor_callbacks_end. */
void pep669_monitor_callbacks_begin(PyThreadState *ts, int event, int *saved);
void pep669_monitor_callbacks_end(PyThreadState *ts, const int *saved);

/* Call the callbacks of `tools` for `event`, highest tool id first, with
 * args[0 .. nargs) (args[-1] is free for the callee: pass nargs with
 * PY_VECTORCALL_ARGUMENTS_OFFSET).  With `bracket`, each runs between
 * enter_callback and leave_callback.  A tool whose callback returned
 * DISABLE for an event that can be disabled per location is added to
 * *disabled; for any other event the callback is removed and CPython's
 * ValueError raised.  0, or -1 with an exception set (then later tools
 * are not called).  With `restarts` (a counter restart_events() moves),
 * a callback that restarts takes back the DISABLEs of the callbacks
 * before it (none of theirs is added to *disabled), as CPython's re-arming
 * voids them; NULL for the C API, whose state keeps its DISABLEs until
 * the next PyMonitoring_EnterScope. */
int pep669_call_callbacks(PyThreadState *ts, uint8_t tools, int event,
                          PyObject *const *args, size_t nargsf,
                          uint8_t *disabled, int bracket,
                          const uint64_t *restarts);

/* The same with the arguments of an event: (codelike, offset, extra...),
 * or (codelike, extra...) for LINE, whose `offset` only locates DISABLE.
 * The `nextra` objects of `extra` must not be NULL. */
int pep669_call_event(PyThreadState *ts, uint8_t tools, int event,
                      PyObject *codelike, int offset, PyObject *const *extra,
                      int nextra, uint8_t *disabled, int bracket,
                      const uint64_t *restarts);

/* Call a callback (a Python function as a rule) through its vectorcall
 * function, without the generic checks of PyObject_Vectorcall() around
 * it but the one that matters (callbacks.c's loop, dispatch.c's one-tool
 * path). */
static inline PyObject *
pep669_vectorcall(PyObject *func, PyObject *const *args, size_t nargsf)
{
    vectorcallfunc call = PyVectorcall_Function(func);
    if (call == NULL) {
        return PyObject_Vectorcall(func, args, nargsf, NULL);
    }
    PyObject *res = call(func, args, nargsf, NULL);
    if (res == NULL && !PyErr_Occurred()) {
        PyErr_Format(PyExc_SystemError,
                     "%R returned NULL without setting an exception", func);
    }
    return res;
}

/* Offsets as int objects (a new reference, or NULL with an exception
 * set), made once each below PEP669_OFFSET_CACHE (an event's offset is
 * one of few per code object, and the same ones come back all the
 * time): callbacks.c keeps them. */
#define PEP669_OFFSET_CACHE 4096
extern PyObject *pep669_offset_cache[PEP669_OFFSET_CACHE / 2];

static inline PyObject *
pep669_offset_object(int offset)
{
    if (offset >= 0 && offset < PEP669_OFFSET_CACHE && !(offset & 1)) {
        PyObject **slot = &pep669_offset_cache[offset >> 1];
        if (*slot == NULL) {
            *slot = PyLong_FromLong(offset);
        }
        Py_XINCREF(*slot);
        return *slot;
    }
    return PyLong_FromLong(offset);
}

/* native_branch.c (3.12/3.13): BRANCH_LEFT (right == 0) or BRANCH_RIGHT fired
 * from C to the tools in *active (those with native BRANCH): LEFT/RIGHT to
 * the tools that use them, BRANCH to the others; a tool that disables
 * everything it wants here leaves *active. */
int pep669_native_fire_side(uint8_t *active, PyObject *codelike,
                            int32_t offset, PyObject *target, int right);

/* capi.c: the capsule holding pep669.h's table (a new reference). */
PyObject *pep669_capi_capsule(void);

#endif
