/* Registry: tools, callbacks, event sets, the monitoring version, and the
 * per-code data kept in co_extra.  No interpreter internals here. */
#ifndef PEP669_REGISTRY_H
#define PEP669_REGISTRY_H

#include "compat.h"
#include "events.h"
#include "monitor.h"

/* Line probes for a LINE location reached by the frame's flow: at the
 * location (every arrival is a new line), or on the jumps that arrive
 * with a new line (the other arrivals never are); a jump of the latter. */
#define PEP669_PROBE_AT 1
#define PEP669_PROBE_EDGES 2
#define PEP669_PROBE_SOURCE 4

typedef struct Pep669CodeData {
    /* Local events per tool, as set by set_local_events (C bits removed). */
    uint32_t local_events[PEP669_TOOL_COUNT];
    /* Cache: tools wanting each event for this code (global | local), valid
     * while `version` equals the registry's version. */
    uint64_t version;
    uint32_t events;                       /* union of events with a tool */
    uint8_t tools[PEP669_EVENT_COUNT];
    /* DISABLE bookkeeping: disabled[ev][unit] is the mask of tools that
     * returned DISABLE for `ev` at code unit `unit` (byte offset / 2).
     * Arrays are allocated on the first DISABLE; they are void once
     * restart_events() ran after `disabled_version`. */
    uint64_t disabled_version;
    Py_ssize_t nunits;
    uint8_t *disabled[PEP669_EVENT_COUNT];
    /* LINE: its locations (computed on first need), sorted: the first
     * `nflow_starts` reached by the frame's flow, then those reached only
     * when an exception is handled. */
    int *line_starts;
    Py_ssize_t nline_starts;
    Py_ssize_t nflow_starts;
    /* What each code unit is for the line-level events (PEP669_UNIT_*),
     * computed on first need. */
    uint8_t *units;
    /* The line-level events (LINE, INSTRUCTION, JUMP, BRANCH,
     * BRANCH_LEFT/RIGHT) wanted here whose every location is DISABLEd for
     * every tool that wants them (or that have no location at all): they
     * need no tracing.  Valid while `done_known` and the version hold. */
    int done_known;
    uint32_t done;
    /* Counts the computations of `done` (the records' caches of the
     * code's events hold while it does not move). */
    uint32_t done_epoch;
    /* The line-level events (LINE, JUMP, BRANCH, BRANCH_LEFT/RIGHT) whose
     * only locations left are reachable only through an exception
     * handler: the frame needs them only once it handles an exception. */
    uint32_t handler_only;
    /* Per line-level event, for the locations the frame reaches without
     * an exception [0] and the others [1]: locations before this index
     * are known to be disabled (in this version). */
    Py_ssize_t done_cursor[6][2];
    /* Per unit: the frame can reach it without handling an exception
     * (computed with the LINE locations). */
    uint8_t *reach;
    /* The line of every unit (-1: none), and the rule by which legacy
     * tracing reports lines (PEP669_LINES_*); computed on first need. */
    int *lines;
    int line_rule;
    /* Jump events: per unit, whether a jump location not DISABLEd for
     * every tool can run from there before the next legacy line event
     * (0: not known yet, 1: no, 2: yes), for `region_events`; void once
     * the version or `jump_disables` (DISABLEs of jump events) moved. */
    uint8_t *region;
    uint32_t region_events;
    uint64_t region_version;
    uint64_t region_disables;
    uint64_t jump_disables;
    /* Line probes (probe.c): per unit, where probes can stand in for the
     * LINE location there (PEP669_PROBE_*, computed with the LINE
     * locations); LINE DISABLEs so far; whether LINE locations behind
     * handlers are left (with `done`); the code's current clone, when and
     * why the last attempt to make one failed, and the version in which a
     * LINE callback left a probe's location wanted (no clones then). */
    uint8_t *line_probes;
    uint64_t line_disables;
    int line_handler_left;
    /* (branch probes) the same for branch locations of the branch events */
    int branch_handler_left;
    struct Pep669Clone *clone;
    uint64_t probe_refused_version;
    uint64_t probe_refused_disables;
    uint64_t probe_off_version;
    /* A frame of the code was resumed (next/send) in a `yield from` /
     * `await` while monitored: 3.13 has specialised the RESUME there (see
     * frames.c, delegate_thrown). */
    uint8_t delegation_resumed;
    /* Link in the registry's list of code objects with local events. */
    struct Pep669CodeData *next_local;
    struct Pep669CodeData **prev_local;
} Pep669CodeData;

typedef struct {
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
    /* Bumped by every change of event sets, callbacks' DISABLE state or
     * restart: caches stamped with an older version are stale. */
    uint64_t version;
    uint64_t restart_version;
    /* Bumped only when the global event sets change or restart_events()
     * runs: the C API's PyMonitoring_EnterScope version, as 3.13's. */
    uint64_t capi_version;
    Py_ssize_t extra_index;                    /* co_extra slot */
    Pep669CodeData *local_codes;               /* codes with local events */
    Py_ssize_t local_code_count;
    PyObject *disable;                         /* DISABLE singleton */
    PyObject *missing;                         /* MISSING singleton */
} Pep669Registry;

extern Pep669Registry pep669_registry;

int pep669_registry_init(void);

/* Per-code data: NULL (no exception) when the code has none. */
static inline Pep669CodeData *
pep669_code_data(PyCodeObject *co)
{
    void *extra = NULL;
    if (pep669_registry.extra_index < 0 ||
        _PyCode_GetExtra((PyObject *)co, pep669_registry.extra_index,
                         &extra) < 0) {
        PyErr_Clear();  /* cannot fail for a valid index */
        return NULL;
    }
    return (Pep669CodeData *)extra;
}

/* Per-code data, created on demand; NULL with an exception on failure. */
Pep669CodeData *pep669_code_data_ensure(PyCodeObject *co);

void pep669_code_data_refresh(Pep669CodeData *cd);

/* The mask of pep669_code_events when the code's data is known already
 * (a code object keeps its data for life once it has some). */
static inline uint32_t
pep669_code_data_events(Pep669CodeData *cd)
{
    if (cd->version != pep669_registry.version) {
        pep669_code_data_refresh(cd);
    }
    return cd->events;
}

/* Mask of tools that want `event` for code `co` (global | local); *cdp
 * receives the code's data (or NULL).  No allocation, no exception. */
static inline uint32_t
pep669_code_events(PyCodeObject *co, Pep669CodeData **cdp)
{
    Pep669CodeData *cd = pep669_code_data(co);
    *cdp = cd;
    if (cd == NULL) {
        return pep669_registry.active_union;
    }
    return pep669_code_data_events(cd);
}

static inline uint8_t
pep669_code_tools(Pep669CodeData *cd, int event)
{
    return cd ? cd->tools[event] : pep669_registry.active_tools[event];
}

/* Tools for which (event, offset) of this code has been DISABLEd. */
static inline uint8_t
pep669_disabled_tools(Pep669CodeData *cd, int event, int offset)
{
    if (cd == NULL || cd->disabled[event] == NULL ||
        cd->disabled_version < pep669_registry.restart_version ||
        offset < 0 || (offset >> 1) >= cd->nunits) {
        return 0;
    }
    return cd->disabled[event][offset >> 1];
}

/* The code's LINE locations (offsets); -1 with an exception. */
int pep669_code_line_starts(PyCodeObject *co, const int **starts,
                            Py_ssize_t *n);

/* Per code unit (PEP669_UNIT_*): an instruction (an INSTRUCTION location;
 * EXTENDED_ARG prefixes included), a JUMP or BRANCH location (the jump
 * itself, past its prefixes), where the opcode event of a jump arrives
 * (its first prefix, or the jump), an EXTENDED_ARG prefix. */
#define PEP669_UNIT_INSTR 1
#define PEP669_UNIT_JUMP 2
#define PEP669_UNIT_BRANCH 4
#define PEP669_UNIT_JUMP_EVENT 8
#define PEP669_UNIT_PREFIX 16
/* where the opcode event of an instruction arrives that may call
 * something, or re-raise or leave an exception handler (see
 * pep669_backend_instr_class) */
#define PEP669_UNIT_CALL_EVENT 32
#define PEP669_UNIT_RERAISE_EVENT 64
/* a backward jump to this unit reports no line (PEP669_INSTR_QUIET_BACK) */
#define PEP669_UNIT_QUIET_BACK 128

/* The code's unit map (NULL without memory: no exception). */
const uint8_t *pep669_code_units_slow(PyCodeObject *co, Pep669CodeData *cd);

static inline const uint8_t *
pep669_code_units(PyCodeObject *co, Pep669CodeData *cd)
{
    return cd->units != NULL ? cd->units : pep669_code_units_slow(co, cd);
}

/* Whether the frame, about to run the instruction at `offset` (or having
 * run it: its successors count), can reach a jump or branch location
 * where some tool still wants one of the jump events of `events` (JUMP,
 * BRANCH, BRANCH_LEFT/RIGHT; the code's, less those done) before legacy
 * tracing reports the next line.  If not, the frame needs no opcode
 * events until that line event.  1 when unsure (no memory). */
int pep669_code_region_slow(PyCodeObject *co, Pep669CodeData *cd,
                            uint32_t events, int offset);

static inline int
pep669_code_region(PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
                   int offset)
{
    if (offset < 0) {
        offset = 0;
    }
    if (cd->region != NULL && (offset >> 1) < cd->nunits &&
        cd->region[offset >> 1] != 0 &&
        cd->region_version == pep669_registry.version &&
        cd->region_disables == cd->jump_disables &&
        cd->region_events == (events & PEP669_JUMP_EVENTS)) {
        return cd->region[offset >> 1] == 2;
    }
    return pep669_code_region_slow(co, cd, events, offset);
}

/* The line-level events of `events` (the code's) that are wanted but need
 * no tracing, every location being DISABLEd (see Pep669CodeData.done). */
uint32_t pep669_code_done_slow(PyCodeObject *co, Pep669CodeData *cd);

static inline uint32_t
pep669_code_done(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->version == pep669_registry.version && cd->done_known) {
        return cd->done;
    }
    return pep669_code_done_slow(co, cd);
}

/* Record DISABLE of (tool, event, offset); -1 with MemoryError. */
int pep669_disable_location(PyCodeObject *co, int tool, int event, int offset);

/* The Python API (module.c calls these after argument conversion). */
int pep669_use_tool_id(int tool, PyObject *name);
int pep669_clear_tool_id(int tool);
int pep669_free_tool_id(int tool);
int pep669_set_events(int tool, int event_set);
int pep669_set_local_events(int tool, PyCodeObject *co, int event_set);
uint32_t pep669_get_local_events(int tool, PyCodeObject *co);
PyObject *pep669_register_callback(int tool, int event, PyObject *func);
int pep669_restart_events(void);
/* A callback was removed behind register_callback's back (DISABLE of an
 * event that cannot be disabled). */
void pep669_registry_callbacks_changed(void);
int pep669_check_tool(int tool);

#endif
