/* Per-code data, kept in the code object's co_extra slot: local events,
 * the tools wanting each event here, DISABLE bitmaps and the caches that
 * derive from them.  Above the registry (it reads the registry's version
 * and event sets), below the flow analysis (lineflow.h and wanted.h fill
 * their fields; this layer only frees them).  No interpreter internals. */
#ifndef PEP669_CODEDATA_H
#define PEP669_CODEDATA_H

#include "registry.h"

/* Line probes for a LINE location reached by the frame's flow: at the
 * location (every arrival is a new line), or on the jumps that arrive
 * with a new line (the other arrivals never are); a jump of the latter. */
#define PEP669_PROBE_AT 1
#define PEP669_PROBE_EDGES 2
#define PEP669_PROBE_SOURCE 4
/* (in the same per-unit array, cd->unit_flow) the frame can reach the
 * unit without handling an exception (kept only while the code data has
 * a unit map, cd->units: every reader reads that too; the analysis of
 * code that wants only LINE and frame events makes neither) */
#define PEP669_FLOW_REACHED 8
/* cd->unit_flow keeps these 4 bits per unit, two units a byte (the even
 * unit in the low half), for nunits + 1 units (the last one's 0):
 * pep669_unit_flow reads them. */
#define PEP669_UNIT_FLOW_MASK 15
#define PEP669_UNIT_FLOW_BYTES(nunits) ((size_t)(nunits) / 2 + 1)

/* The PEP669_FLOW_REACHED and PEP669_PROBE_* bits of unit `u` in
 * cd->unit_flow (`flow`). */
static inline uint8_t
pep669_unit_flow(const uint8_t *flow, Py_ssize_t u)
{
    return (uint8_t)((flow[u >> 1] >> ((u & 1) << 2)) &
                     PEP669_UNIT_FLOW_MASK);
}

/* `flow` (a byte a unit, nunits of them, each at most
 * PEP669_UNIT_FLOW_MASK) packed into `packed` (PEP669_UNIT_FLOW_BYTES). */
static inline void
pep669_unit_flow_pack(uint8_t *packed, const uint8_t *flow,
                      Py_ssize_t nunits)
{
    Py_ssize_t u = 0;
#if PY_LITTLE_ENDIAN
    /* (8 units at a time: byte 2k of w | w >> 4 is units 2k and 2k + 1
     * packed; the even bytes gathered) */
    for (; u + 8 <= nunits; u += 8) {
        uint64_t w;
        memcpy(&w, flow + u, 8);
        w = (w | (w >> 4)) & 0x00FF00FF00FF00FFu;
        w = (w | (w >> 8)) & 0x0000FFFF0000FFFFu;
        uint32_t four = (uint32_t)(w | (w >> 16));
        memcpy(packed + (u >> 1), &four, 4);
    }
#endif
    for (; u <= nunits; u += 2) {
        packed[u >> 1] = (uint8_t)(flow[u] | (u < nunits ? flow[u + 1] << 4
                                                         : 0));
    }
}

/* The unit map (cd->units, made by lineflow.c), per code unit
 * (PEP669_UNIT_*): an instruction (an INSTRUCTION location;
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

struct Pep669Clone;

/* Stamps and epochs.  Three caches here are only as good as their stamps:
 *
 * `version` stamps `events` and `tools` (global | local event sets, less
 * tools without a callback).  They are valid while it equals
 * pep669_registry.version; anyone reading them goes through
 * pep669_code_data_events (or checks the stamp and calls
 * pep669_code_data_refresh), never the fields alone.  A refresh also
 * voids the done cache, so `done_known` implies a current `version`.
 *
 * The done cache (`done`, `handler_only`, the *_handler_left flags) is
 * valid while `done_known` is set and `version` is current.  It is voided
 * by a refresh and by every DISABLE of a line-level event, and computed
 * again by pep669_code_done_slow (wanted.c), which bumps `done_epoch`
 * each time.  The records (trace.c) cache the code's events with the
 * registry's version and `done_epoch`: a DISABLE during a callee voids
 * the cache, the next reader recomputes it and moves the epoch, and the
 * caller's record sees the move.  So the epoch must move with every
 * computation, even one that finds what the last one found.
 *
 * DISABLE bitmaps are stamped with `disabled_version` (the version of the
 * latest DISABLE); they are void once restart_events() moved the
 * registry's `restart_version` past it (pep669_disabled_tools reads them
 * as empty; the next DISABLE clears them first).  `jump_disables` and
 * `line_disables` count DISABLEs of the jump events and of LINE: the
 * region cache and probe.c stamp themselves with them. */
/* (Rarely needed parts of the code data are blocks of their own, made on
 * first need, so that code under coverage carries none of them.) */

/* Local events per tool, as set by set_local_events (C bits removed), and
 * the link in the list of code objects with local events (codedata.c);
 * made by the code's first set_local_events() with events, gone once it
 * has none. */
typedef struct Pep669CodeLocal {
    uint32_t events[PEP669_TOOL_COUNT];
    struct Pep669CodeData *next;
    struct Pep669CodeData **prev;
} Pep669CodeLocal;

/* (wanted.c) The jump regions' cache: per unit (`entry`), whether a jump
 * location not DISABLEd for every tool can run from there before the
 * next legacy line event (0: not known yet, 1: no, 2 + the unit of such a
 * location: yes), for `events`; void once the registry's version moved
 * past `version`, checked entry by entry once the code's `jump_disables`
 * moved past `disables`.  `stale`: lookups of the stale cache since
 * `jump_disables` last moved, which it was then (`seen`): after a few,
 * every entry is checked at once and the cache restamped (the inline read
 * serves it again).  Made when a jump event first needs it. */
typedef struct Pep669Region {
    uint64_t version;
    uint64_t disables;
    uint64_t seen;
    uint32_t events;
    uint32_t stale;
    uint16_t entry[];      /* nunits + 1 */
} Pep669Region;

typedef struct Pep669CodeData {
    /* ("(lineflow.c)": facts of the bytecode, computed on first need;
     * "(wanted.c)": caches of what is still wanted.  Fields are grouped
     * by size, 8-byte ones first, to leave no padding.) */
    /* Cache: tools wanting each event for this code (global | local), valid
     * while `version` equals the registry's version (see above); `events`
     * and `tools` below. */
    uint64_t version;
    /* DISABLE bookkeeping: the map of event `ev` (pep669_disabled_map)
     * gives, per code unit `unit` (byte offset / 2), the mask of tools that
     * returned DISABLE for `ev` there (read through pep669_map_tools).
     * A map is a byte per unit (the mask) while the code may be traced
     * (the trampoline reads it for every line of a traced frame); once
     * its line-level events are all done (frames.c, at a traced run's
     * end) and one tool only has DISABLEd anything (`disabled_solo`: that
     * tool's bit), each map is that tool's bit per unit
     * (pep669_disabled_compact; pep669_map_bytes: (nunits + 7) / 8 bytes;
     * coverage's case), marked PEP669_SLOT_BITS in disabled_slot; a
     * second tool's DISABLE makes them bytes again.
     * Each map is made on the event's first DISABLE, in one block
     * (`disabled_maps`, one map after the other); disabled_slot[ev]
     * (below) is 1 + the map's place in it, or 0 (no map).  (A new map,
     * or a second tool, moves the block: hold no map across a DISABLE.)
     * Debug builds keep every map as bytes besides (`debug_maps`, the
     * same places) and check each read against it. */
    uint64_t disabled_version;
    Py_ssize_t nunits;
    uint8_t *disabled_maps;
#ifdef PEP669_DEBUG
    uint8_t *debug_maps;
#endif
    /* (lineflow.c) LINE: its locations, sorted: the first `nflow_starts`
     * reached by the frame's flow, then those reached only when an
     * exception is handled (an array of `nline_starts`, below). */
    int *line_starts;
    /* (lineflow.c) What each code unit is for the line-level events
     * (PEP669_UNIT_*); NULL until needed, and dropped by the analysis of
     * code that wants only LINE and frame events (read it through
     * pep669_code_units, which makes it again). */
    uint8_t *units;
    /* (lineflow.c) The line of every unit (-1: none), and the rule by
     * which legacy tracing reports lines (PEP669_LINES_*, below); NULL
     * until the jump regions (wanted.c) or the branch sides need them (the
     * flow analysis makes its own and drops it). */
    int *lines;
    /* (wanted.c) The jump regions' cache (Pep669Region), or NULL. */
    Pep669Region *region;
    /* (lineflow.c, computed with the LINE locations) Per unit: whether the
     * frame can reach it without handling an exception
     * (PEP669_FLOW_REACHED, with cd->units only), and where line probes (probe.c) can stand in
     * for the LINE location there (PEP669_PROBE_*); 4 bits a unit, read
     * through pep669_unit_flow. */
    uint8_t *unit_flow;
    /* (frames.c) Per unit: the `for` loop's FOR_ITER there has driven a
     * generator before (natively it has specialised since: loop_ran). */
    uint8_t *loops_run;
    /* DISABLEs of LINE and of the jump events so far (stamps of the
     * region cache and of probe.c). */
    uint64_t line_disables;
    uint64_t jump_disables;
    /* Probes (probe.c): the code's current clone (released through the
     * function registered with pep669_code_data_on_free_clone), when the
     * last attempt to make one failed and why (probe_refused.c: a block
     * of PyMem_RawMalloc, freed with the code data, or NULL), and the
     * version in which a LINE callback left a probe's location wanted (no
     * clones then). */
    struct Pep669Clone *clone;
    uint64_t probe_refused_version;
    struct Pep669Refusal *probe_refusal;
    uint64_t probe_off_version;
    /* A run of the code can be bare (pep669_trace_push_bare: its events
     * all on its line clone's probes, the clone with an entry stub) while
     * the registry's version is bare_version and the done cache's epoch
     * bare_epoch, and the clone is not retired: the hook's fast path
     * (pep669_frame_idle) reads it; set by the quiet path's first bare
     * run. */
    uint64_t bare_version;
    /* The registry of the code's interpreter (the code object's free
     * function may run when another registry is current). */
    Pep669Registry *owner;
    /* Local events (Pep669CodeLocal), or NULL: none. */
    Pep669CodeLocal *local;
    /* Link in the list of code objects with a DISABLE bitmap (codedata.c:
     * clear_tool_id clears the tool's bits in each). */
    struct Pep669CodeData *next_disabled;
    struct Pep669CodeData **prev_disabled;
    uint32_t events;                       /* union of events with a tool */
    int32_t nline_starts;
    int32_t nflow_starts;
    /* (wanted.c) The done cache (see above): the line-level events (LINE,
     * INSTRUCTION, JUMP, BRANCH, BRANCH_LEFT/RIGHT) wanted here whose
     * every location is DISABLEd for every tool that wants them (or that
     * have no location at all): they need no tracing. */
    uint32_t done;
    uint32_t done_epoch;
    uint32_t bare_epoch;                   /* (see bare_version) */
    /* How many handlers of the code ran untraced from their entry (a
     * count for the tests: pep669._core._probe_state; it stops at its
     * largest value). */
    uint32_t untraced_handlers;
    /* How many times a frame of the code, past its handler, let go of its
     * frame object's filters as a callee started (trampoline.c,
     * pep669_trace_release_caller; for the tests: _probe_state, and
     * likewise). */
    uint32_t released_callers;
    /* (wanted.c, with `done`) The line-level events (LINE, JUMP, BRANCH,
     * BRANCH_LEFT/RIGHT) whose only locations left are reachable only
     * through an exception handler: the frame needs them only once it
     * handles an exception. */
    uint32_t handler_only;
    /* (wanted.c) Per line-level event (its row: pep669_done_row), for the
     * locations the frame reaches without an exception [0] and the others
     * [1]: locations before this index are known to be disabled (in this
     * version).  The done cache depends only on the location at each
     * cursor (the first not DISABLEd for every tool): a DISABLE elsewhere
     * keeps it (pep669_disable_location, pep669_done_watches). */
    int32_t done_cursor[6][2];
    int32_t line_rule;
    uint8_t tools[PEP669_EVENT_COUNT];
    /* The tools with each event in the code's event sets (global | local,
     * callbacks or not) at its last refresh: 3.12's `active_monitors`.
     * A refresh that finds a tool gone from an event forgets the tool's
     * DISABLEs of that event here, as 3.12 re-instruments code whose
     * monitors changed (the tool gets every location back when it gains
     * the event again).  3.12 does it when the code starts or resumes,
     * when set_local_events() changes it, and for every frame on a
     * thread's stack at each change of the event sets: the refresh is
     * made at the same points (the hook, pep669_set_local_events,
     * pep669_frames_update). */
    uint8_t inst_tools[PEP669_EVENT_COUNT];
    uint8_t disabled_slot[PEP669_EVENT_COUNT];
    uint8_t ndisabled_maps;
    uint8_t disabled_solo;                 /* (see disabled_maps) */
    /* Some local event of the code has had two tools at once since the
     * code data was made (it stays set, as 3.12's per-instruction tool
     * table, allocated then, stays: C_RETURN/C_RAISE then go to the
     * location's CALL tools, otherwise to the code's; see
     * pep669_c_event_disabled). */
    uint8_t multitools;
    /* LINE has had two tools at once in the code (sys.settrace counts,
     * as 3.12's tool 7) since the code data was made: see
     * pep669_code_data_refresh. */
    uint8_t line_multi;
    /* (wanted.c) The done cache is current (see above). */
    uint8_t done_known;
    /* (wanted.c, with `done`) whether LINE, or branch or JUMP, locations
     * behind handlers are left. */
    uint8_t line_handler_left;
    uint8_t branch_handler_left;
    /* A frame of the code was resumed (next/send) in a `yield from` /
     * `await` while monitored: 3.13 has specialised the RESUME there (see
     * frames.c, delegate_thrown). */
    uint8_t delegation_resumed;
    /* pep669_backend_code_exc_plain of the code: 0 not known yet, 1 yes
     * (a frame that wants only exception events runs without a record,
     * its RAISE given by the trampoline: trampoline.h, exc_plain), 2 no. */
    uint8_t exc_plain;
    /* pep669_backend_code_exc_flat of the code: 0 not known yet, 1 yes
     * (a frame that wants only exception events stops tracing at the
     * entry of a handler: legacy_events.c, check_handled), 2 no, 3 yes
     * with cleanup handlers that stay traced. */
    uint8_t exc_flat;
    /* (3.11 handler probes) 0: no exception of a frame of the code has
     * looked for a handler yet (its frames run the code itself: a run on
     * a copy costs an f_code swap); 2: one has (legacy_exceptions.c,
     * on_exception), its next runs take the handler clone; 1: the code
     * gets none (not flat, no handler that can have a probe, or the copy
     * failed: probe_handlers.c). */
    uint8_t handler_probes;
    /* (engine_entry.h, pep669_frame_idle) A run of the code wants nothing
     * of the hook (its events none but line-level ones all DISABLEd, no
     * STOP_ITERATION to watch): valid while `version` is current, cleared
     * by every refresh (within a version the answer stays: the done cache
     * only grows). */
    uint8_t idle;
    /* (3.11, pep669_frame_eval_calls) The quiet path ran the code on its
     * call clone in this `version`: its events are CALL events only (no
     * exception events), it is no generator's; the hook's fast path may
     * start its runs there, checking what can change within a version
     * (the thread, the clone).  Cleared by every refresh.
     * 2 (session 16; pep669_frame_eval_exc, frames_exc.c): the quiet
     * path started an exception bare run of the code in this `version`
     * (hook_quiet 6: trampoline.h, pep669_trace_push_exc_bare), its events
     * then the code data's `events` (exception events only, none
     * done-masked), not plain, no handler clone to take (3.11: not
     * `handler_probes` 2 with the events a handler clone serves,
     * trampoline.h's HANDLER_PROBED): the hook's fast path may start its
     * runs so, checking what can change within a version (the thread's
     * trampoline LIGHT, no record holding pep669's filters); also
     * cleared when `handler_probes` becomes 2.  (One byte for both: the
     * two exclude each other, and the struct has no byte to spare.) */
    uint8_t calls_ready;
    /* The code has no call instruction (found when its call clone was
     * made, probe.c): CALL, C_RETURN and C_RAISE can come from none of its
     * runs, which need nothing of the hook for them (pep669_frame_idle,
     * frame_begin).  A fact of the bytecode: never cleared. */
    uint8_t calls_none;
#ifdef PEP669_DEBUG
    /* A DISABLE kept the done cache: the next pep669_code_done checks it
     * against a computation from scratch (wanted.c). */
    uint8_t done_kept;
#endif
} Pep669CodeData;

/* The local events of `tool` in the code (0 without a local block). */
static inline uint32_t
pep669_code_local_events(const Pep669CodeData *cd, int tool)
{
    return cd->local != NULL ? cd->local->events[tool] : 0;
}

/* The done cursor's row of a line-level event (LINE, INSTRUCTION, JUMP,
 * BRANCH, BRANCH_LEFT, BRANCH_RIGHT), -1 for any other event. */
static inline int
pep669_done_row(int event)
{
    switch (event) {
    case PEP669_EV_LINE: return 0;
    case PEP669_EV_INSTRUCTION: return 1;
    case PEP669_EV_JUMP: return 2;
    case PEP669_EV_BRANCH: return 3;
    case PEP669_EV_BRANCH_LEFT: return 4;
    case PEP669_EV_BRANCH_RIGHT: return 5;
    default: return -1;
    }
}

/* Ask for the co_extra slot; -1 with an exception. */
int pep669_code_data_init(void);

/* How a code object's clone is released when the code object goes (set
 * at module init: pep669_clone_decref). */
void pep669_code_data_on_free_clone(void (*release)(struct Pep669Clone *));

/* Per-code data: NULL (no exception) when the code has none. */
static inline Pep669CodeData *
pep669_code_data(PyCodeObject *co)
{
    void *extra = NULL;
    if (co->co_extra == NULL) {
        /* (no co_extra user has set anything for the code yet) */
        return NULL;
    }
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

/* The bytes `cd` holds: the struct and its blocks (not the clone's). */
Py_ssize_t pep669_code_data_bytes(const Pep669CodeData *cd);

/* events and tools again from the registry; stamps `version`. */
void pep669_code_data_refresh(Pep669CodeData *cd);
/* Some tool has set LINE, globally or in some code object. */
int pep669_line_set_anywhere(void);
/* Of the tools that DISABLEd CALL at `offset`, those that get no
 * C_RETURN/C_RAISE for the call made there now, whose CALL event went to
 * `called`.  3.12 finds the C events' tools in the code's per-instruction
 * table when it has one (two tools on one event made it), where DISABLE
 * took the tool out; otherwise in the code's tools, so that a call whose
 * CALL callback returned DISABLE still gets its C event (later calls
 * there get neither: the location is no longer instrumented). */
uint8_t pep669_c_event_disabled(Pep669CodeData *cd, int offset,
                                uint8_t called);

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

/* Mask of events with a tool for code `co` (global | local); *cdp
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

/* Tools that want `event` here; `cd` (or NULL) from pep669_code_events,
 * so its stamp is current. */
static inline uint8_t
pep669_code_tools(Pep669CodeData *cd, int event)
{
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    return cd ? cd->tools[event] : pep669_registry.active_tools[event];
}

/* (in disabled_slot[ev]: the maps are bits; the rest is 1 + the place) */
#define PEP669_SLOT_BITS 0x80
#define PEP669_SLOT_PLACE 0x7F

/* The bytes of one DISABLE map (see disabled_maps). */
static inline size_t
pep669_map_bytes(const Pep669CodeData *cd)
{
    return cd->disabled_solo ? ((size_t)cd->nunits + 7) >> 3
                             : (size_t)cd->nunits;
}

/* The DISABLE map of `event`, NULL before its first DISABLE (void once
 * restart_events() ran: see disabled_version); read it with
 * pep669_map_tools. */
static inline const uint8_t *
pep669_disabled_map(const Pep669CodeData *cd, int event)
{
    int slot = cd->disabled_slot[event] & PEP669_SLOT_PLACE;
    return slot ? cd->disabled_maps + (size_t)(slot - 1) *
                                          pep669_map_bytes(cd)
                : NULL;
}

#ifdef PEP669_DEBUG
/* (debug builds: `tools`, read at unit `u` of the map at `at`, is what
 * the same map as bytes has) */
static inline uint8_t
pep669_map_checked(const Pep669CodeData *cd, size_t at, Py_ssize_t u,
                   uint8_t tools)
{
    PEP669_ASSERT(tools == cd->debug_maps[at * (size_t)cd->nunits +
                                          (size_t)u]);
    return tools;
}
#else
#define pep669_map_checked(cd, at, u, tools) (tools)
#endif

/* The tools that DISABLEd unit `u` in `map` (one of cd's maps). */
static inline uint8_t
pep669_map_tools(const Pep669CodeData *cd, const uint8_t *map,
                 Py_ssize_t u)
{
    uint8_t solo = cd->disabled_solo;
    uint8_t tools = solo ? ((map[u >> 3] >> (u & 7)) & 1u ? solo : 0)
                         : map[u];
    return pep669_map_checked(
        cd, (size_t)(map - cd->disabled_maps) / pep669_map_bytes(cd), u,
        tools);
}

/* Tools for which (event, offset) of this code has been DISABLEd.  (On
 * the trampoline's path for every line of a traced frame, which reads
 * bytes: the form is in the slot, loaded anyway.) */
static inline uint8_t
pep669_disabled_tools(Pep669CodeData *cd, int event, int offset)
{
    int slot;
    if (cd == NULL || (slot = cd->disabled_slot[event]) == 0 ||
        cd->disabled_version < pep669_registry.restart_version ||
        offset < 0 || (offset >> 1) >= cd->nunits) {
        return 0;
    }
    if (!(slot & PEP669_SLOT_BITS)) {
        /* (bytes: the slot is 1 + the place) */
        return pep669_map_checked(
            cd, (size_t)(slot - 1), offset >> 1,
            cd->disabled_maps[(slot - 1) * cd->nunits + (offset >> 1)]);
    }
    /* (bits: maps whole bytes apart) */
    size_t at = (size_t)((slot & PEP669_SLOT_PLACE) - 1);
    size_t bit = at * (((size_t)cd->nunits + 7) & ~(size_t)7) +
                 (size_t)(offset >> 1);
    return pep669_map_checked(
        cd, at, offset >> 1,
        (cd->disabled_maps[bit >> 3] >> (bit & 7)) & 1u ? cd->disabled_solo
                                                         : 0);
}

/* The DISABLE maps as bits if one tool only has DISABLEd anything in the
 * code (see disabled_maps); without memory they stay bytes. */
void pep669_disabled_compact(Pep669CodeData *cd);

/* Record DISABLE of (tool, event, offset); -1 with MemoryError. */
int pep669_disable_location(PyCodeObject *co, int tool, int event, int offset);
/* Which of the done cursors of line-level `event` (row
 * pep669_done_row(event)) stand at `unit`: bit 0 the flow's, bit 1 the
 * handlers'; -1 when unsure (the done cache is not current).  A DISABLE
 * elsewhere cannot change the done cache. */
int pep669_done_watches(const Pep669CodeData *cd, int event, Py_ssize_t unit);
/* Move the done cursor [row][part] past the locations DISABLEd for every
 * tool that wants its event (cd->tools, current); 1 once it reaches the
 * end of its locations (every one of them DISABLEd), else 0.  Its
 * locations: row 0 (LINE) cd->line_starts, the flow's [0] or the
 * handlers' [1]; the others the units of their kind (PEP669_UNIT_INSTR,
 * _JUMP, _BRANCH), reached by the flow [0] or not [1] (INSTRUCTION: all,
 * part 0 only).  The unit map (but for LINE) and, but for INSTRUCTION,
 * the LINE locations must exist. */
int pep669_done_scan(Pep669CodeData *cd, int row, int part);

/* The Python API's calls that touch code objects (module.c). */
int pep669_set_local_events(int tool, PyCodeObject *co, int event_set);
uint32_t pep669_get_local_events(int tool, PyCodeObject *co);
/* clear_tool_id (3.14): the tool's local events and DISABLEs in every code
 * object (a clone made with its DISABLEs goes), then its global events and
 * callbacks (pep669_registry_clear_tool). */
int pep669_clear_tool_id(int tool);

#ifdef PEP669_DEBUG
/* The head of the list of code data with local events (debug builds). */
Pep669CodeData *const *pep669_code_data_local_head(void);
#endif

#endif
