/* monitor.h over pep669's own registry (CPython 3.8-3.11). */
#include "monitor.h"
#include "registry.h"
#include "backend.h"
#include "trace.h"

int
pep669_monitor_serves_interpreter(void)
{
    return pep669_in_main_interpreter();
}

uint64_t
pep669_monitor_version(void)
{
    return pep669_registry.capi_version;
}

uint8_t
pep669_monitor_global_tools(int event)
{
    /* As in 3.13: C_RETURN and C_RAISE cannot be in an event set (they
     * follow CALL for the interpreter's calls only). */
    if (event < 0 || event >= PEP669_EVENT_COUNT ||
        event == PEP669_EV_C_RETURN || event == PEP669_EV_C_RAISE) {
        return 0;
    }
    return pep669_registry.global_tools[event];
}

PyObject *
pep669_monitor_callback(int tool, int event)
{
    /* A state's `active` may have been set by hand: 6 and 7 are not
     * tools here. */
    return tool < PEP669_TOOL_COUNT ? pep669_registry.callbacks[tool][event]
                                    : NULL;
}

void
pep669_monitor_remove_callback(int tool, int event)
{
    Py_CLEAR(pep669_registry.callbacks[tool][event]);
    pep669_registry_callbacks_changed();
}

int
pep669_monitor_is_disable(PyObject *result)
{
    return result == pep669_registry.disable;
}

PyObject *
pep669_monitor_missing(void)
{
    return pep669_registry.missing;
}

void
pep669_monitor_enter_callback(PyThreadState *ts)
{
    pep669_backend_enter_callback(ts);
}

void
pep669_monitor_leave_callback(PyThreadState *ts)
{
    pep669_backend_leave_callback(ts);
}

void
pep669_monitor_callbacks_begin(PyThreadState *ts, int event, int *saved)
{
    saved[0] = pep669_trace_what_event;
    pep669_trace_what_event = event;
    saved[1] = pep669_trace_show(ts);
#if PY_VERSION_HEX < 0x030A0000
    pep669_backend_sync_lineno(ts != NULL ? ts : PyThreadState_GET());
#endif
}

void
pep669_monitor_callbacks_end(PyThreadState *ts, const int *saved)
{
    pep669_trace_unshow(ts, saved[1]);
    pep669_trace_what_event = saved[0];
}
