/* monitor.h over pep669's own registry (CPython 3.8-3.11). */
#include "monitor.h"
#include "registry.h"
#include "backend.h"
#include "frame_access.h"
#include "monitor_engine.h"
#include "check.h"

#ifdef PEP669_DEBUG
/* Debug builds: how many callback brackets (enter/leave_callback) and
 * callback loops (callbacks_begin/end) are open on this thread; each
 * must be closed by its own pair. */
static PEP669_THREAD_LOCAL int brackets_open = 0;
static PEP669_THREAD_LOCAL int loops_open = 0;
#endif

int
pep669_monitor_serves_interpreter(void)
{
    /* (the C API's entry: the calling interpreter's registry) */
    pep669_enter(PyThreadState_Get());
    return pep669_registry_live();
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
    /* Only the public tool ids 0..5 are ever in a set. */
    PEP669_ASSERT((pep669_registry.global_tools[event] >>
                   PEP669_TOOL_COUNT) == 0);
    return pep669_registry.global_tools[event];
}

PyObject *
pep669_monitor_callback(int tool, int event)
{
    PEP669_ASSERT(tool >= 0 && tool < 8);
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    /* A state's `active` may have been set by hand: 6 and 7 are not
     * tools here. */
    return tool < PEP669_TOOL_COUNT ? pep669_registry.callbacks[tool][event]
                                    : NULL;
}

void
pep669_monitor_remove_callback(int tool, int event)
{
    /* Only a callback that returned DISABLE for an event that cannot be
     * disabled per location is removed, and it is there. */
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    PEP669_ASSERT(!((1u << event) & PEP669_LOCAL_EVENTS));
    PEP669_ASSERT(pep669_registry.callbacks[tool][event] != NULL);
    Py_CLEAR(pep669_registry.callbacks[tool][event]);
    pep669_registry_callbacks_changed();
}

int
pep669_monitor_is_disable(PyThreadState *ts, PyObject *result)
{
    /* (the callback may have run another thread state's engine on this
     * OS thread; the next callback of the loop is read after this) */
    pep669_enter(ts);
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
    PEP669_ASSERT(ts != NULL && ts == PyThreadState_GET());
    pep669_enter_callback(ts);
    PEP669_ASSERT(pep669_backend_suppressed(ts));
    PEP669_DEBUG_ONLY(brackets_open++;)
}

void
pep669_monitor_leave_callback(PyThreadState *ts)
{
    PEP669_ASSERT(ts != NULL && ts == PyThreadState_GET());
    PEP669_ASSERT(brackets_open > 0);
    PEP669_ASSERT(pep669_backend_suppressed(ts));
    PEP669_DEBUG_ONLY(brackets_open--;)
    pep669_leave_callback(ts);
}

/* What the event sources do around a loop of callbacks (module init
 * registers them: the frames show the program's flags, the event whose
 * callbacks run is noted for f_lineno's setter); this file calls nothing
 * above it. */
Pep669CallbacksHook pep669_callbacks_begin_hook;
Pep669CallbacksEndHook pep669_callbacks_end_hook;

void
pep669_monitor_engine_hooks(Pep669CallbacksHook begin,
                            Pep669CallbacksEndHook end)
{
    PEP669_ASSERT(begin != NULL && end != NULL);
    pep669_callbacks_begin_hook = begin;
    pep669_callbacks_end_hook = end;
}

void
pep669_monitor_callbacks_begin(PyThreadState *ts, int event, int *saved)
{
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    PEP669_ASSERT(pep669_callbacks_begin_hook != NULL);
    PEP669_DEBUG_ONLY(loops_open++;)
    pep669_callbacks_begin_hook(ts, event, saved);
}

void
pep669_monitor_callbacks_end(PyThreadState *ts, const int *saved)
{
    PEP669_ASSERT(loops_open > 0);
    PEP669_DEBUG_ONLY(loops_open--;)
    pep669_enter(ts);  /* (after a callback that failed: as is_disable) */
    pep669_callbacks_end_hook(ts, saved);
}
