/* The registry: tool names, callbacks, global event sets and the
 * monitoring version.  The bottom layer of the engine: it calls nothing
 * above it.  Per-code data (local events, DISABLE) is codedata.h; the
 * bytecode flow analysis is lineflow.h, what is still wanted of it
 * wanted.h.  No interpreter internals here. */
#ifndef PEP669_REGISTRY_H
#define PEP669_REGISTRY_H

#include "compat.h"
#include "events.h"
#include "monitor.h"
#include "check.h"

/* What the layers above are told after a registry change.  Set once at
 * module init (module.c); a member left NULL means nobody listens. */
typedef struct {
    /* The event sets or callbacks changed and the version was bumped:
     * the eval-frame hook and the thread's tracing follow (frames.c). */
    int (*events_changed)(void);
    /* Nothing the engine acts on changed, but another PEP 523 evaluator
     * may have come or gone: the hook is checked again. */
    int (*recheck_hook)(void);
} Pep669RegistryListener;

struct Pep669CodeData;

/* One interpreter's monitoring state (3.8-3.11: each interpreter that
 * imports pep669 has its own; module.c makes it and tears it down with
 * the interpreter).  The thread's is `pep669_registry` (below). */
typedef struct Pep669Registry {
    PyObject *names[PEP669_TOOL_COUNT];
    PyObject *callbacks[PEP669_TOOL_COUNT][PEP669_EVENT_COUNT];
    uint32_t global_events[PEP669_TOOL_COUNT];
    uint8_t global_tools[PEP669_EVENT_COUNT];  /* derived, per event */
    uint32_t global_union;                     /* derived */
    /* What dispatch and the hooks act on: tools that want an event and
     * have a callback for it (a tool without callback costs nothing). */
    uint8_t callback_tools[PEP669_EVENT_COUNT];
    uint8_t active_tools[PEP669_EVENT_COUNT];  /* global & callback */
    uint32_t active_union;
    /* Some code wants STOP_ITERATION, globally or locally: generator
     * frames must then be watched wherever they run. */
    int stop_iteration_anywhere;
    /* The monitoring version.  Bumped by every change of event sets,
     * callbacks or restart_events(), and only by pep669_registry_changed.
     * Every cache derived from the registry is stamped with the version it
     * was computed in and is stale once the stamp differs: the code data's
     * tools per event (Pep669CodeData.version, codedata.h), its jump
     * regions, the records' event caches and flags (trace.c), the probe
     * decisions (probe.c).  It only grows, so "stamp == version" is the
     * whole test, and a new cache made stale on purpose is stamped
     * version - 1. */
    uint64_t version;
    /* restart_events() sets it to the version it bumps to: DISABLE state
     * stamped older than this is void (pep669_disabled_tools). */
    uint64_t restart_version;
    /* The restart_version frames_update.c last handled (per interpreter:
     * a sub-interpreter's restarts are its own). */
    uint64_t restart_seen;
    /* Bumped only when the global event sets change or restart_events()
     * runs: the C API's PyMonitoring_EnterScope version, as 3.13's. */
    uint64_t capi_version;
    /* Kept by codedata.c (here so that the hook's fast path reads it
     * from the same base as the version): the co_extra slot of the
     * per-code data, -1 before pep669_code_data_init. */
    Py_ssize_t extra_index;
    /* Kept by codedata.c: how many code objects have local events, and,
     * per tool, how many have STOP_ITERATION among them. */
    Py_ssize_t local_code_count;
    Py_ssize_t local_stop_iteration[PEP669_TOOL_COUNT];
    PyObject *disable;                         /* DISABLE singleton */
    PyObject *missing;                         /* MISSING singleton */
    Pep669RegistryListener listener;
    /* Kept by codedata.c: the code objects with local events (linked
     * through their next_local), and how many code data point here (a
     * torn-down registry is reused only once none does). */
    struct Pep669CodeData *local_codes;
    Py_ssize_t code_data_count;
    /* Kept by the backend's hook (backend/hook.c.h, per interpreter as
     * the interpreter's evaluator slot is): the evaluator ours chains to,
     * whether some tool wants the hook, whether ours is in the chain. */
    struct {
        void (*prev)(void);  /* a _PyFrameEvalFunction */
        int wanted;
        int in_chain;
    } hook;
    /* Kept by module.c: the interpreter's `monitoring` namespace (owned),
     * handed out again if the module is imported anew. */
    PyObject *monitoring_ns;
    /* The interpreter it serves (NULL: torn down), and the list of all
     * registries of the process (pep669_registry_open). */
    PyInterpreterState *interp;
    struct Pep669Registry *next;
} Pep669Registry;

/* The registry of the interpreter whose thread state runs on this OS
 * thread, and that thread state (NULL: not known yet, or the interpreter
 * has no registry: the registry is then an empty one that nothing
 * writes).  Every entry into the engine from the interpreter (the hook,
 * the trace function, a probe, the module's functions, the C API, a
 * callback returning) checks the thread state first (pep669_enter): the
 * hot paths pay one thread-local compare, and threads of different
 * interpreters never see each other's registry.  Kept by registry.c. */
extern PEP669_THREAD_LOCAL_FAST Pep669Registry *pep669_registry_current;
extern PEP669_THREAD_LOCAL_FAST PyThreadState *pep669_registry_tstate;
#define pep669_registry (*pep669_registry_current)

/* Make `ts`'s interpreter's registry current on this OS thread and tell
 * the thread-state switch (pep669_registry_on_switch) that the engine's
 * per-thread state now serves `ts`. */
void pep669_registry_switch(PyThreadState *ts);

static inline void
pep669_enter(PyThreadState *ts)
{
    if (PEP669_UNLIKELY(pep669_registry_tstate != ts)) {
        pep669_registry_switch(ts);
    }
}

/* 1 if the thread's interpreter has a live registry. */
static inline int
pep669_registry_live(void)
{
    return pep669_registry_current->interp != NULL;
}

/* Who moves the per-thread state when the thread state running on an OS
 * thread changes (thread_state.c; module init registers it): `from` is
 * the thread state the per-thread state served (NULL: none, it is
 * fresh), `to` the one it serves next. */
void pep669_registry_on_switch(void (*hook)(PyThreadState *from,
                                            PyThreadState *to));

/* The current interpreter's registry, made (or a torn-down one reused)
 * with the DISABLE and MISSING singletons if it has none, and made
 * current on this thread; NULL with an exception.  *made: 1 if new. */
Pep669Registry *pep669_registry_open(int *made);

/* The interpreter of `r` is being torn down (module.c, after clearing
 * every tool): drop its singletons and namespace, forget the interpreter
 * (the struct is reused once no code data points to it), and make
 * nothing current on this thread. */
void pep669_registry_close(Pep669Registry *r);

/* (tests) How many registries serve an interpreter, how many exist. */
void pep669_registry_count(Py_ssize_t *live, Py_ssize_t *all);

/* Who hears of registry changes (module init). */
void pep669_registry_listen(const Pep669RegistryListener *listener);

/* Recompute what derives from the event sets and callbacks, bump the
 * version, and tell the listener; -1 with an exception from it. */
int pep669_registry_changed(void);

/* Tell the listener to check the eval-frame hook (nothing changed). */
int pep669_registry_recheck_hook(void);

/* -1 with ValueError unless 0 <= tool < PEP669_TOOL_COUNT. */
int pep669_check_tool(int tool);
/* -1 with ValueError if the tool has no name (use_tool_id). */
int pep669_check_tool_in_use(int tool);
/* C_RETURN and C_RAISE only together with CALL: *events keeps CALL only;
 * -1 with CPython's ValueError otherwise. */
int pep669_strip_c_events(uint32_t *events);

/* The Python API (module.c calls these after argument conversion); the
 * parts that touch code objects are in codedata.h. */
int pep669_use_tool_id(int tool, PyObject *name);
int pep669_free_tool_id(int tool);
/* clear_tool_id's registry part: the tool's global events and callbacks
 * (its local events are cleared first, pep669_clear_tool_id). */
int pep669_registry_clear_tool(int tool);
int pep669_set_events(int tool, int event_set);
PyObject *pep669_register_callback(int tool, int event, PyObject *func);
int pep669_restart_events(void);
/* A callback was removed behind register_callback's back (DISABLE of an
 * event that cannot be disabled). */
void pep669_registry_callbacks_changed(void);

#endif
