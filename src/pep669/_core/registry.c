/* The registry: tool names, callbacks, global event sets, the monitoring
 * version.  Every change goes through pep669_registry_changed, which
 * derives the per-event tool masks, bumps the version (so every cache
 * stamped with an older one is stale) and tells the listener the layers
 * above registered (module init): the registry calls nothing above it. */
#include "registry.h"

#include <string.h>

/* What a thread sees before its first entry, or in an interpreter without
 * pep669: nothing in use, nothing wanted.  Nothing writes it. */
static Pep669Registry idle = {.extra_index = -1};

PEP669_THREAD_LOCAL_FAST Pep669Registry *pep669_registry_current = &idle;
PEP669_THREAD_LOCAL_FAST PyThreadState *pep669_registry_tstate = NULL;

/* Every registry made in the process, live or torn down (under the GIL,
 * which all interpreters share before 3.12). */
static Pep669Registry *all_registries = NULL;

static void (*switch_hook)(PyThreadState *, PyThreadState *);

void
pep669_registry_count(Py_ssize_t *live, Py_ssize_t *all)
{
    *live = *all = 0;
    for (Pep669Registry *r = all_registries; r != NULL; r = r->next) {
        *live += r->interp != NULL;
        *all += 1;
    }
}

void
pep669_registry_on_switch(void (*hook)(PyThreadState *, PyThreadState *))
{
    switch_hook = hook;
}

static Pep669Registry *
find_registry(PyInterpreterState *interp)
{
    for (Pep669Registry *r = all_registries; r != NULL; r = r->next) {
        if (r->interp == interp) {
            return r;
        }
    }
    return NULL;
}

void
pep669_registry_switch(PyThreadState *ts)
{
    if (ts == NULL) {
        /* (a caller that did not know it) */
        ts = _PyThreadState_UncheckedGet();
        if (ts == NULL || ts == pep669_registry_tstate) {
            return;
        }
    }
    Pep669Registry *r = find_registry(ts->interp);
    if (switch_hook != NULL) {
        switch_hook(pep669_registry_tstate, r != NULL ? ts : NULL);
    }
    pep669_registry_current = r != NULL ? r : &idle;
    pep669_registry_tstate = r != NULL ? ts : NULL;
}

static int
make_singletons(Pep669Registry *r)
{
    if (r->disable == NULL) {
        r->disable = PyObject_CallObject((PyObject *)&PyBaseObject_Type,
                                         NULL);
        if (r->disable == NULL) {
            return -1;
        }
    }
    if (r->missing == NULL) {
        r->missing = PyObject_CallObject((PyObject *)&PyBaseObject_Type,
                                         NULL);
        if (r->missing == NULL) {
            return -1;
        }
    }
    return 0;
}

Pep669Registry *
pep669_registry_open(int *made)
{
    PyThreadState *ts = PyThreadState_Get();
    Pep669Registry *r = find_registry(ts->interp);
    *made = 0;
    if (r == NULL) {
        /* A torn-down registry no code data points to any more, else a
         * new one. */
        for (r = all_registries; r != NULL; r = r->next) {
            if (r->interp == NULL && r->code_data_count == 0) {
                break;
            }
        }
        if (r == NULL) {
            r = PyMem_RawCalloc(1, sizeof(*r));
            if (r == NULL) {
                PyErr_NoMemory();
                return NULL;
            }
            r->next = all_registries;
            all_registries = r;
        }
        Pep669Registry *next = r->next;
        memset(r, 0, sizeof(*r));
        r->next = next;
        r->extra_index = -1;
        r->interp = ts->interp;
        *made = 1;
    }
    /* The per-thread state serves ts from now on (as at any entry: the
     * state of the thread state that ran on this OS thread before is
     * parked). */
    pep669_enter(ts);
    PEP669_ASSERT(pep669_registry_current == r);
    if (make_singletons(r) < 0) {
        return NULL;
    }
    return r;
}

void
pep669_registry_close(Pep669Registry *r)
{
    PEP669_ASSERT(r != &idle && r->interp != NULL);
    Py_CLEAR(r->disable);
    Py_CLEAR(r->missing);
    Py_CLEAR(r->monitoring_ns);
    r->interp = NULL;
    /* (the caller has made the per-thread state fresh) */
    pep669_registry_current = &idle;
    pep669_registry_tstate = NULL;
}

void
pep669_registry_listen(const Pep669RegistryListener *listener)
{
    pep669_registry.listener = *listener;
}

/* global_tools (per event) from global_events (per tool); C_RETURN and
 * C_RAISE go wherever CALL goes.  Whether the masks moved. */
static int
derive_global_tools(Pep669Registry *r)
{
    uint32_t all = 0;
    uint8_t before[PEP669_EVENT_COUNT];
    memcpy(before, r->global_tools, sizeof(before));
    memset(r->global_tools, 0, sizeof(r->global_tools));
    for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
        for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
            if (r->global_events[tool] & (1u << ev)) {
                r->global_tools[ev] |= (uint8_t)(1u << tool);
            }
        }
    }
    r->global_tools[PEP669_EV_C_RETURN] = r->global_tools[PEP669_EV_CALL];
    r->global_tools[PEP669_EV_C_RAISE] = r->global_tools[PEP669_EV_CALL];
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        if (r->global_tools[ev]) {
            all |= 1u << ev;
        }
    }
    r->global_union = all;
    return memcmp(before, r->global_tools, sizeof(before)) != 0;
}

/* callback_tools, active_tools (global and with a callback) and their
 * union. */
static void
derive_active_tools(Pep669Registry *r)
{
    uint32_t all = 0;
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        uint8_t cb = 0;
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if (r->callbacks[tool][ev] != NULL) {
                cb |= (uint8_t)(1u << tool);
            }
        }
        r->callback_tools[ev] = cb;
        r->active_tools[ev] = r->global_tools[ev] & cb;
        if (r->active_tools[ev]) {
            all |= 1u << ev;
        }
    }
    r->active_union = all;
}

/* Some tool with a STOP_ITERATION callback wants the event, globally or
 * in some code object (codedata.c counts those). */
static int
stop_iteration_wanted(const Pep669Registry *r)
{
    if ((r->active_union & PEP669_BIT(STOP_ITERATION)) &&
        r->callback_tools[PEP669_EV_STOP_ITERATION] != 0) {
        return 1;
    }
    for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
        PEP669_ASSERT(r->local_stop_iteration[tool] >= 0);
        if (r->local_stop_iteration[tool] > 0 &&
            r->callbacks[tool][PEP669_EV_STOP_ITERATION] != NULL) {
            return 1;
        }
    }
    return 0;
}

int
pep669_registry_changed(void)
{
    Pep669Registry *r = &pep669_registry;
    if (derive_global_tools(r)) {
        r->capi_version++;
    }
    derive_active_tools(r);
    r->stop_iteration_anywhere = stop_iteration_wanted(r);
    r->version++;
    PEP669_ASSERT(r->listener.events_changed != NULL);
    return r->listener.events_changed != NULL ? r->listener.events_changed()
                                              : 0;
}

int
pep669_registry_recheck_hook(void)
{
    Pep669Registry *r = &pep669_registry;
    return r->listener.recheck_hook != NULL ? r->listener.recheck_hook() : 0;
}

int
pep669_strip_c_events(uint32_t *events)
{
    /* (instrumentation.c: C_RETURN_EVENTS / C_CALL_EVENTS) */
    const uint32_t all = PEP669_C_EVENTS | PEP669_BIT(CALL);
    if ((*events & PEP669_C_EVENTS) && (*events & all) != all) {
        PyErr_SetString(PyExc_ValueError,
                        "cannot set C_RETURN or C_RAISE events independently");
        return -1;
    }
    *events &= ~PEP669_C_EVENTS;
    return 0;
}

int
pep669_check_tool_in_use(int tool)
{
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    if (pep669_registry.names[tool] == NULL) {
        PyErr_Format(PyExc_ValueError, "tool %d is not in use", tool);
        return -1;
    }
    return 0;
}

int
pep669_check_tool(int tool)
{
    if (tool < 0 || tool >= PEP669_TOOL_COUNT) {
        PyErr_Format(PyExc_ValueError,
                     "invalid tool %d (must be between 0 and 5)", tool);
        return -1;
    }
    return 0;
}

int
pep669_use_tool_id(int tool, PyObject *name)
{
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_ValueError, "tool name must be a str");
        return -1;
    }
    if (pep669_registry.names[tool] != NULL) {
        PyErr_Format(PyExc_ValueError, "tool %d is already in use", tool);
        return -1;
    }
    pep669_registry.names[tool] = Py_NewRef(name);
    return 0;
}

int
pep669_free_tool_id(int tool)
{
    /* 3.12/3.13: only the name goes; events and callbacks stay. */
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    Py_CLEAR(pep669_registry.names[tool]);
    return 0;
}

int
pep669_registry_clear_tool(int tool)
{
    Pep669Registry *r = &pep669_registry;
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    r->global_events[tool] = 0;
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        Py_CLEAR(r->callbacks[tool][ev]);
    }
    return pep669_registry_changed();
}

int
pep669_set_events(int tool, int event_set)
{
    uint32_t events = (uint32_t)event_set;
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    if (event_set < 0 || events > PEP669_ALL_EVENTS) {
        PyErr_Format(PyExc_ValueError, "invalid event set 0x%x", events);
        return -1;
    }
    if (pep669_strip_c_events(&events) < 0 ||
        pep669_check_tool_in_use(tool) < 0) {
        return -1;
    }
    pep669_registry.global_events[tool] = events;
    return pep669_registry_changed();
}

PyObject *
pep669_register_callback(int tool, int event_set, PyObject *func)
{
    Pep669Registry *r = &pep669_registry;
    uint32_t bits = (uint32_t)event_set;
    if (pep669_check_tool(tool) < 0) {
        return NULL;
    }
    if (bits == 0 || (bits & (bits - 1)) != 0) {
        PyErr_SetString(PyExc_ValueError,
                        "The callback can only be set for one event at a time");
        return NULL;
    }
    int event = 0;
    while ((1u << event) != bits) {
        event++;
    }
    if (event >= PEP669_EVENT_COUNT) {
        PyErr_Format(PyExc_ValueError, "invalid event %d", event_set);
        return NULL;
    }
    if (PySys_Audit("sys.monitoring.register_callback", "O", func) < 0) {
        return NULL;
    }
    PyObject *old = r->callbacks[tool][event];
    r->callbacks[tool][event] = (func == Py_None) ? NULL : Py_NewRef(func);
    /* (Replacing a callback changes nothing, but the eval-frame hook is
     * checked anyway: another PEP 523 evaluator may have left.) */
    if (((old == NULL) != (func == Py_None) ? pep669_registry_changed()
                                            : pep669_registry_recheck_hook())
        < 0) {
        Py_XDECREF(old);
        return NULL;
    }
    if (old == NULL) {
        Py_RETURN_NONE;
    }
    return old;
}

int
pep669_restart_events(void)
{
    Pep669Registry *r = &pep669_registry;
    /* DISABLE state stamped before the version bumped to now is void. */
    r->restart_version = r->version + 1;
    r->capi_version++;
    return pep669_registry_changed();
}

void
pep669_registry_callbacks_changed(void)
{
    /* An exception is already set by the caller; keep it. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (pep669_registry_changed() < 0) {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
}
