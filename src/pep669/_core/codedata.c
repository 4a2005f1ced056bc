/* Per-code data in co_extra: its lifecycle (made on demand, freed with the
 * code object), local events and the list of code objects that have some,
 * the tools-per-event cache, and DISABLE bookkeeping.  Calls down into the
 * registry (version, pep669_registry_changed) and the backend's
 * pep669_backend_code_units; nothing above. */
#include "codedata.h"
#include "backend.h"

#include <string.h>

static void (*release_clone)(struct Pep669Clone *);

/* Code objects with local events, linked through their local blocks
 * (next, prev) from the registry's local_codes; the registry keeps their count
 * (local_code_count) and, per tool, how many have STOP_ITERATION
 * (local_stop_iteration). */
#define local_codes (pep669_registry.local_codes)

/* Code objects with a DISABLE bitmap, linked through next_disabled /
 * prev_disabled from their first DISABLE until they go. */
static Pep669CodeData *disabled_codes;

#ifdef PEP669_DEBUG
/* Debug builds: where the list starts, for module.c's invariant check. */
Pep669CodeData *const *
pep669_code_data_local_head(void)
{
    return &local_codes;
}
#endif

static void
count_stop_iteration(Pep669CodeData *cd, Py_ssize_t delta)
{
    for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
        if (pep669_code_local_events(cd, tool) & PEP669_BIT(STOP_ITERATION)) {
            pep669_registry.local_stop_iteration[tool] += delta;
        }
    }
}

static void
unlink_local(Pep669CodeData *cd)
{
    Pep669CodeLocal *lo = cd->local;
    if (lo != NULL && lo->prev != NULL) {
        *lo->prev = lo->next;
        if (lo->next != NULL) {
            lo->next->local->prev = lo->prev;
        }
        lo->next = NULL;
        lo->prev = NULL;
        pep669_registry.local_code_count--;
        PEP669_ASSERT(pep669_registry.local_code_count >= 0);
    }
}

/* (cd->local exists) */
static void
link_local(Pep669CodeData *cd)
{
    Pep669CodeLocal *lo = cd->local;
    if (lo->prev == NULL) {
        lo->next = local_codes;
        if (lo->next != NULL) {
            lo->next->local->prev = &lo->next;
        }
        local_codes = cd;
        lo->prev = &local_codes;
        pep669_registry.local_code_count++;
    }
}

static void
link_disabled(Pep669CodeData *cd)
{
    if (cd->prev_disabled == NULL) {
        cd->next_disabled = disabled_codes;
        if (cd->next_disabled != NULL) {
            cd->next_disabled->prev_disabled = &cd->next_disabled;
        }
        disabled_codes = cd;
        cd->prev_disabled = &disabled_codes;
    }
}

static void
unlink_disabled(Pep669CodeData *cd)
{
    if (cd->prev_disabled != NULL) {
        *cd->prev_disabled = cd->next_disabled;
        if (cd->next_disabled != NULL) {
            cd->next_disabled->prev_disabled = cd->prev_disabled;
        }
        cd->next_disabled = NULL;
        cd->prev_disabled = NULL;
    }
}

/* The tool's local events here; the code is linked, with a local block,
 * while it has any.  -1 with MemoryError (only when `events` is not 0). */
static int
set_local(Pep669CodeData *cd, int tool, uint32_t events)
{
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    if (cd->local == NULL) {
        if (events == 0) {
            return 0;
        }
        cd->local = PyMem_RawCalloc(1, sizeof(Pep669CodeLocal));
        if (cd->local == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    count_stop_iteration(cd, -1);
    cd->local->events[tool] = events;
    count_stop_iteration(cd, +1);
    int any = 0;
    for (int t = 0; t < PEP669_TOOL_COUNT; t++) {
        any |= cd->local->events[t] != 0;
    }
    if (any) {
        link_local(cd);
    }
    else {
        unlink_local(cd);
        PyMem_RawFree(cd->local);
        cd->local = NULL;
    }
    return 0;
}

/* co_extra free function: the code object is being deallocated. */
static void
free_code_data(void *ptr)
{
    Pep669CodeData *cd = (Pep669CodeData *)ptr;
    if (cd == NULL) {
        return;
    }
    /* The code's own interpreter's registry, whichever is current (a
     * torn-down one is kept until its last code data goes). */
    Pep669Registry *saved = pep669_registry_current;
    pep669_registry_current = cd->owner;
    PEP669_ASSERT(cd->owner->code_data_count > 0);
    cd->owner->code_data_count--;
    count_stop_iteration(cd, -1);  /* (no-op unless linked) */
    unlink_local(cd);
    PyMem_RawFree(cd->local);
    unlink_disabled(cd);
    PyMem_RawFree(cd->disabled_maps);
    PEP669_DEBUG_ONLY(PyMem_RawFree(cd->debug_maps);)
    PyMem_RawFree(cd->line_starts);
    PyMem_RawFree(cd->units);
    PyMem_RawFree(cd->lines);
    PyMem_RawFree(cd->region);
    PyMem_RawFree(cd->unit_flow);
    PyMem_RawFree(cd->loops_run);
    PyMem_RawFree(cd->probe_refusal);
    if (cd->clone != NULL) {
        /* (only the probe layer makes clones, and it registered) */
        PEP669_ASSERT(release_clone != NULL);
        release_clone(cd->clone);
    }
    PyMem_RawFree(cd);
    pep669_registry_current = saved;
}

int
pep669_code_data_init(void)
{
    if (pep669_registry.extra_index < 0) {
        pep669_registry.extra_index =
            _PyEval_RequestCodeExtraIndex(free_code_data);
        if (pep669_registry.extra_index < 0) {
            PyErr_SetString(PyExc_RuntimeError,
                            "pep669: no co_extra slot left");
            return -1;
        }
    }
    return 0;
}

void
pep669_code_data_on_free_clone(void (*release)(struct Pep669Clone *))
{
    release_clone = release;
}

Pep669CodeData *
pep669_code_data_ensure(PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data(co);
    if (cd != NULL) {
        return cd;
    }
    cd = PyMem_RawCalloc(1, sizeof(Pep669CodeData));
    if (cd == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    cd->nunits = pep669_backend_code_units(co);
    cd->version = pep669_registry.version - 1;  /* stale: refresh first */
    /* (its monitors so far: the global event sets) */
    memcpy(cd->inst_tools, pep669_registry.global_tools,
           sizeof(cd->inst_tools));
    PEP669_ASSERT(pep669_registry_live());
    cd->owner = &pep669_registry;
    if (_PyCode_SetExtra((PyObject *)co, pep669_registry.extra_index,
                         cd) < 0) {
        PyMem_RawFree(cd);
        return NULL;
    }
    cd->owner->code_data_count++;
    return cd;
}

Py_ssize_t
pep669_code_data_bytes(const Pep669CodeData *cd)
{
    /* (the sizes the blocks are allocated with: here, lineflow.c,
     * wanted.c, frames.c) */
    size_t units = (size_t)cd->nunits + 1, size = sizeof(*cd);
    size += cd->local != NULL ? sizeof(*cd->local) : 0;
    size += (size_t)cd->ndisabled_maps * pep669_map_bytes(cd);
    /* (debug builds: every DISABLE map as bytes besides) */
    PEP669_DEBUG_ONLY(size += (size_t)cd->ndisabled_maps *
                              (size_t)cd->nunits;)
    size += cd->line_starts != NULL
                ? sizeof(int) * ((size_t)cd->nline_starts + 1) +
                      sizeof(int16_t) * (size_t)cd->nline_starts
                : 0;
    size += cd->units != NULL ? units : 0;
    size += cd->lines != NULL ? sizeof(int) * units : 0;
    size += cd->region != NULL
                ? sizeof(*cd->region) + sizeof(uint16_t) * units : 0;
    size += cd->unit_flow != NULL ? PEP669_UNIT_FLOW_BYTES(cd->nunits) : 0;
    size += cd->loops_run != NULL ? units : 0;
    return (Py_ssize_t)size;
}

/* The DISABLEs of the tools in `gone` forgotten in `nmaps` maps from
 * `maps` (one of cd's, in its form); whether there were any. */
static int
forget_in(Pep669CodeData *cd, uint8_t *maps, uint8_t gone, size_t nmaps
#ifdef PEP669_DEBUG
          , uint8_t *debug
#endif
          )
{
    size_t size = nmaps * pep669_map_bytes(cd);
    uint8_t had = 0;
#ifdef PEP669_DEBUG
    for (size_t u = 0; u < nmaps * (size_t)cd->nunits; u++) {
        debug[u] &= (uint8_t)~gone;
    }
#endif
    if (cd->disabled_solo) {
        /* (one tool's bits: all or nothing) */
        if (!(gone & cd->disabled_solo)) {
            return 0;
        }
        for (size_t i = 0; i < size; i++) {
            had |= maps[i];
        }
        memset(maps, 0, size);
        return had != 0;
    }
    for (size_t u = 0; u < size; u++) {
        had |= maps[u] & gone;
        maps[u] &= (uint8_t)~gone;
    }
    return had != 0;
}

/* Some of the code's DISABLEs were forgotten: what derives from them is
 * void (the region caches and probes' stamps, by their counters; a clone
 * made without sites for locations wanted again). */
static void
disables_forgotten(Pep669CodeData *cd)
{
    cd->jump_disables++;
    cd->line_disables++;
    /* (a refused clone is tried again: what its sites stood for grew) */
    cd->probe_refused_version = 0;
    if (cd->region != NULL) {
        /* (the region cache keeps its "no jump wanted" answers across
         * DISABLEs, wanted.c: not across DISABLEs forgotten) */
        memset(cd->region->entry, 0,
               sizeof(cd->region->entry[0]) * (size_t)cd->nunits);
    }
    if (cd->clone != NULL) {
        PEP669_ASSERT(release_clone != NULL);
        struct Pep669Clone *cl = cd->clone;
        cd->clone = NULL;
        release_clone(cl);
    }
}

/* The tools in `gone` lost `event` in this code since its last refresh:
 * their DISABLEs of it here are forgotten (see inst_tools).  What derives
 * from them is voided as by clear_tool_id.  Returns whether any went. */
static int
forget_disables(Pep669CodeData *cd, int event, uint8_t gone)
{
    if (cd->disabled_slot[event] == 0 ||
        cd->disabled_version < pep669_registry.restart_version) {
        return 0;
    }
    size_t at = (size_t)((cd->disabled_slot[event] & PEP669_SLOT_PLACE) - 1);
    return forget_in(cd, cd->disabled_maps + at * pep669_map_bytes(cd),
                     gone, 1
#ifdef PEP669_DEBUG
                     , cd->debug_maps + at * (size_t)cd->nunits
#endif
                     );
}

void
pep669_code_data_refresh(Pep669CodeData *cd)
{
    Pep669Registry *r = &pep669_registry;
    uint32_t events = 0, local_any = 0;
    int forgot = 0;
    for (int tool = 0; cd->local != NULL && tool < PEP669_TOOL_COUNT;
         tool++) {
        local_any |= cd->local->events[tool];
    }
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        uint8_t tools = r->global_tools[ev];
        int local_ev = (ev == PEP669_EV_C_RETURN || ev == PEP669_EV_C_RAISE)
                       ? PEP669_EV_CALL : ev;
        /* (most code has no local events: one test for all tools) */
        for (int tool = 0;
             (local_any & (1u << local_ev)) && tool < PEP669_TOOL_COUNT;
             tool++) {
            if (cd->local->events[tool] & (1u << local_ev)) {
                tools |= (uint8_t)(1u << tool);
            }
        }
        if ((PEP669_LOCAL_EVENTS & (1u << ev)) && (tools & (tools - 1))) {
            cd->multitools = 1;
        }
        uint8_t gone = (uint8_t)(cd->inst_tools[ev] & ~tools);
        cd->inst_tools[ev] = tools;
        if (gone && forget_disables(cd, ev, gone)) {
            forgot = 1;
        }
        tools &= r->callback_tools[ev];
        cd->tools[ev] = tools;
        if (tools) {
            events |= 1u << ev;
        }
    }
    /* 3.12/3.13 keep the DISABLEs of a code's one LINE tool in its
     * bytecode; the first time the code is brought up to date with two
     * tools on LINE (sys.settrace's tool 7 counts: a legacy tracer on
     * any thread of the interpreter) they make a table of each location's tools, which starts
     * with every tool at every location: the code's LINE DISABLEs are
     * forgotten then, once (tests/test_disable_lifetime.py,
     * LineToolsTableTest). */
    uint8_t line = cd->inst_tools[PEP669_EV_LINE];
    if (PEP669_UNLIKELY(!cd->line_multi && line != 0)) {
        PyThreadState *ts = PyThreadState_GET();
        if (ts != NULL && pep669_backend_interp_traced(ts)) {
            line |= 0x80;
        }
        if (line & (line - 1)) {
            cd->line_multi = 1;
            if (forget_disables(cd, PEP669_EV_LINE, 0xff)) {
                forgot = 1;
            }
        }
    }
    cd->events = events;
    cd->version = r->version;
    cd->idle = 0;
    cd->calls_ready = 0;
    /* The done cache derives from `tools`: void with it. */
    cd->done_known = 0;
    memset(cd->done_cursor, 0, sizeof(cd->done_cursor));
    if (forgot) {
        disables_forgotten(cd);
    }
}

int
pep669_line_set_anywhere(void)
{
    if (pep669_registry.global_union & PEP669_BIT(LINE)) {
        return 1;
    }
    for (Pep669CodeData *cd = local_codes; cd != NULL;
         cd = cd->local->next) {
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if (cd->local->events[tool] & PEP669_BIT(LINE)) {
                return 1;
            }
        }
    }
    return 0;
}

int
pep669_done_watches(const Pep669CodeData *cd, int event, Py_ssize_t unit)
{
    int row = pep669_done_row(event);
    if (row < 0) {
        return 0;
    }
    if (!cd->done_known || cd->version != pep669_registry.version) {
        return -1;
    }
    if (cd->tools[event] == 0) {
        /* (no row computed: the done cache has nothing of the event) */
        return 0;
    }
    if ((event == PEP669_EV_LINE ? 0 : cd->units == NULL) ||
        (event != PEP669_EV_INSTRUCTION && cd->line_starts == NULL)) {
        return -1;
    }
    if (event == PEP669_EV_LINE) {
        /* (cursors into line_starts: [0] the flow's, [1] the handlers') */
        Py_ssize_t c0 = cd->done_cursor[0][0], c1 = cd->done_cursor[0][1];
        if (c1 < cd->nflow_starts) {
            return -1;
        }
        return ((c0 < cd->nflow_starts &&
                 (cd->line_starts[c0] >> 1) == unit) ? 1 : 0) |
               ((c1 < cd->nline_starts &&
                 (cd->line_starts[c1] >> 1) == unit) ? 2 : 0);
    }
    /* (unit cursors; INSTRUCTION has one) */
    return (cd->done_cursor[row][0] == unit ? 1 : 0) |
           (event != PEP669_EV_INSTRUCTION && cd->done_cursor[row][1] == unit
                ? 2 : 0);
}

int
pep669_done_scan(Pep669CodeData *cd, int row, int part)
{
    static const struct { int event; uint8_t flag; } rows[] = {
        {PEP669_EV_LINE, 0},
        {PEP669_EV_INSTRUCTION, PEP669_UNIT_INSTR},
        {PEP669_EV_JUMP, PEP669_UNIT_JUMP},
        {PEP669_EV_BRANCH, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_LEFT, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_RIGHT, PEP669_UNIT_BRANCH},
    };
    _Static_assert(sizeof(rows) / sizeof(rows[0]) ==
                   sizeof(cd->done_cursor) / sizeof(cd->done_cursor[0]),
                   "one done_cursor row per line-level event");
    int event = rows[row].event;
    uint8_t flag = rows[row].flag, tools = cd->tools[event];
    const uint8_t *map = pep669_disabled_map(cd, event);
    const uint8_t *units = cd->units;
    int32_t *cursor = &cd->done_cursor[row][part];
    Py_ssize_t i = *cursor;
    PEP669_ASSERT(pep669_done_row(event) == row);
    PEP669_ASSERT(part == 0 || event != PEP669_EV_INSTRUCTION);
    if (cd->disabled_version < pep669_registry.restart_version) {
        map = NULL;
    }
    if (flag == 0) {
        /* line_starts[from:to] */
        Py_ssize_t from = part ? cd->nflow_starts : 0;
        Py_ssize_t to = part ? cd->nline_starts : cd->nflow_starts;
        if (i < from) {
            i = from;
        }
        for (; i < to; i++) {
            if (map == NULL ||
                (pep669_map_tools(cd, map, cd->line_starts[i] >> 1) &
                 tools) != tools) {
                break;
            }
        }
        *cursor = (int32_t)i;
        return i >= to;
    }
    /* units with `flag` that the frame reaches without an exception
     * (part 0), or the others (1), or all (INSTRUCTION) */
    int reached = event == PEP669_EV_INSTRUCTION ? -1 : !part;
    for (; i < cd->nunits; i++) {
        if ((units[i] & flag) &&
            (reached < 0 || cd->unit_flow == NULL ||
             ((pep669_unit_flow(cd->unit_flow, i) & PEP669_FLOW_REACHED) !=
              0) == reached) &&
            (map == NULL || (pep669_map_tools(cd, map, i) & tools) != tools)) {
            break;
        }
    }
    *cursor = (int32_t)i;
    return i >= cd->nunits;
}

/* A second tool DISABLEs something in the code: each map becomes a byte
 * per unit (the first tool's bits, as masks).  -1 with MemoryError. */
static int
maps_to_bytes(Pep669CodeData *cd)
{
    size_t nunits = (size_t)cd->nunits, nmaps = cd->ndisabled_maps;
    size_t bits = pep669_map_bytes(cd);
    uint8_t mask = cd->disabled_solo;
    uint8_t *maps = PyMem_RawCalloc(nmaps * nunits, 1);
    if (maps == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t m = 0; m < nmaps; m++) {
        const uint8_t *from = cd->disabled_maps + m * bits;
        for (size_t u = 0; u < nunits; u++) {
            if (from[u >> 3] & (1u << (u & 7))) {
                maps[m * nunits + u] = mask;
            }
        }
    }
    PyMem_RawFree(cd->disabled_maps);
    cd->disabled_maps = maps;
    cd->disabled_solo = 0;
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        cd->disabled_slot[ev] &= PEP669_SLOT_PLACE;
    }
#ifdef PEP669_DEBUG
    PEP669_ASSERT(memcmp(maps, cd->debug_maps, nmaps * nunits) == 0);
#endif
    return 0;
}

void
pep669_disabled_compact(Pep669CodeData *cd)
{
    size_t nunits = (size_t)cd->nunits, nmaps = cd->ndisabled_maps;
    uint8_t any = 0;
    if (cd->disabled_solo || nmaps == 0) {
        return;
    }
    size_t total = nmaps * nunits, i = 0;
    uint64_t words = 0;
    /* (8 units at a time: a first run under coverage ends here once per
     * code object) */
    for (; i + 8 <= total; i += 8) {
        uint64_t w;
        memcpy(&w, cd->disabled_maps + i, 8);
        words |= w;
    }
    for (; i < total; i++) {
        any |= cd->disabled_maps[i];
    }
    for (int k = 0; k < 8; k++) {
        any |= (uint8_t)(words >> (8 * k));
    }
    if (any == 0 || (any & (any - 1)) != 0) {
        return;  /* (none, or two tools) */
    }
    size_t bits = (nunits + 7) >> 3;
    int shift = 0;
    while (!(any & (1u << shift))) {
        shift++;
    }
    /* (in place, then the block shrunk: each map's bits are written at or
     * before the bytes they are read from, after reading them) */
    uint8_t *maps = cd->disabled_maps;
    for (size_t m = 0; m < nmaps; m++) {
        const uint8_t *from = maps + m * nunits;
        uint8_t *to = maps + m * bits;
        size_t u = 0;
#if PY_LITTLE_ENDIAN
        /* (every byte is 0 or `any`: its bit moved to bit 0 of each byte,
         * the multiply gathers byte k's into bit 56 + k, no carries) */
        for (; u + 8 <= nunits; u += 8) {
            uint64_t w;
            memcpy(&w, from + u, 8);
            w = (w >> shift) & 0x0101010101010101u;
            to[u >> 3] = (uint8_t)((w * 0x0102040810204080u) >> 56);
        }
#endif
        while (u < nunits) {
            uint8_t byte = 0;
            size_t at = u >> 3;
            for (; u < nunits && (u >> 3) == at; u++) {
                byte |= (uint8_t)((from[u] != 0) << (u & 7));
            }
            to[at] = byte;
        }
    }
    maps = PyMem_RawRealloc(maps, nmaps * bits);
    if (maps != NULL) {
        cd->disabled_maps = maps;  /* (else the block stays as it was) */
    }
    maps = cd->disabled_maps;
    cd->disabled_solo = any;
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        if (cd->disabled_slot[ev]) {
            cd->disabled_slot[ev] |= PEP669_SLOT_BITS;
        }
    }
#ifdef PEP669_DEBUG
    for (size_t m = 0; m < nmaps; m++) {
        for (size_t u = 0; u < nunits; u++) {
            (void)pep669_map_tools(cd, maps + m * bits, (Py_ssize_t)u);
        }
    }
#endif
}

/* The map of `event`, after the others (the block moves); -1 with
 * MemoryError. */
static int
add_map(Pep669CodeData *cd, int event)
{
    size_t size = pep669_map_bytes(cd);
    size_t before = (size_t)cd->ndisabled_maps * size;
    uint8_t *maps = PyMem_RawRealloc(cd->disabled_maps, before + size);
    if (maps == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(maps + before, 0, size);
    cd->disabled_maps = maps;
#ifdef PEP669_DEBUG
    size_t full = (size_t)cd->nunits;
    uint8_t *debug = PyMem_RawRealloc(
        cd->debug_maps, ((size_t)cd->ndisabled_maps + 1) * full);
    if (debug == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(debug + (size_t)cd->ndisabled_maps * full, 0, full);
    cd->debug_maps = debug;
#endif
    cd->disabled_slot[event] = (uint8_t)(++cd->ndisabled_maps |
                                         (cd->disabled_solo
                                              ? PEP669_SLOT_BITS : 0));
    link_disabled(cd);
    return 0;
}

int
pep669_disable_location(PyCodeObject *co, int tool, int event, int offset)
{
    PEP669_ASSERT(tool >= 0 && tool < PEP669_TOOL_COUNT);
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return -1;
    }
    PEP669_ASSERT(cd->nunits == pep669_backend_code_units(co));
    /* A callback that took the event away from the tool here (set_events,
     * set_local_events, clear_tool_id) before returning DISABLE: natively
     * the running code was brought up to date at once, without the event,
     * and the DISABLE finds nothing to remove; the tool gets the location
     * back when it gains the event again. */
    uint32_t has = pep669_registry.global_events[tool] |
                   pep669_code_local_events(cd, tool);
    const uint32_t branches = PEP669_BIT(BRANCH) | PEP669_BIT(BRANCH_LEFT) |
                              PEP669_BIT(BRANCH_RIGHT);
    uint32_t want = ((1u << event) & branches) ? branches : (1u << event);
    if (!(has & want)) {
        return 0;
    }
    int restarted = cd->disabled_version < pep669_registry.restart_version;
    if (restarted) {
        /* restart_events() ran since the last DISABLE here. */
        if (cd->disabled_maps != NULL) {
            memset(cd->disabled_maps, 0,
                   (size_t)cd->ndisabled_maps * pep669_map_bytes(cd));
            PEP669_DEBUG_ONLY(memset(cd->debug_maps, 0,
                                     (size_t)cd->ndisabled_maps *
                                         (size_t)cd->nunits);)
        }
    }
    cd->disabled_version = pep669_registry.version;
    if (offset < 0 || (offset >> 1) >= cd->nunits) {
        return 0;
    }
    if (cd->disabled_solo && cd->disabled_solo != (1u << tool) &&
        maps_to_bytes(cd) < 0) {
        return -1;
    }
    if (cd->disabled_slot[event] == 0 && add_map(cd, event) < 0) {
        return -1;
    }
    Py_ssize_t u = offset >> 1;
    uint8_t *map = (uint8_t *)pep669_disabled_map(cd, event);
    if (cd->disabled_solo) {
        map[u >> 3] |= (uint8_t)(1u << (u & 7));
    }
    else {
        map[u] |= (uint8_t)(1u << tool);
    }
    PEP669_DEBUG_ONLY(cd->debug_maps[(size_t)((cd->disabled_slot[event] &
                                               PEP669_SLOT_PLACE) - 1) *
                                         (size_t)cd->nunits + (size_t)u] |=
                      (uint8_t)(1u << tool);)
    PEP669_ASSERT(pep669_map_tools(cd, map, u) & (1u << tool));
    if (((1u << event) & PEP669_LINE_LEVEL_EVENTS) && cd->done_known) {
        /* The done cache holds unless a cursor at this location reaches
         * its end (the cursor moves on here, as the next computation
         * would move it); debug builds check a kept cache at its next
         * read. */
        int watched = restarted ? -1
                                : pep669_done_watches(cd, event, offset >> 1);
        int row = pep669_done_row(event);
        if (watched < 0 ||
            ((watched & 1) && pep669_done_scan(cd, row, 0)) ||
            ((watched & 2) && pep669_done_scan(cd, row, 1))) {
            cd->done_known = 0;
        }
        else {
            PEP669_DEBUG_ONLY(cd->done_kept = 1;)
        }
    }
    if ((1u << event) & PEP669_JUMP_EVENTS) {
        cd->jump_disables++;
    }
    if (event == PEP669_EV_LINE) {
        cd->line_disables++;
    }
    return 0;
}

int
pep669_set_local_events(int tool, PyCodeObject *co, int event_set)
{
    uint32_t events = (uint32_t)event_set;
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    if (pep669_strip_c_events(&events) < 0) {
        return -1;
    }
    if (events & ~PEP669_LOCAL_EVENTS) {
        PyErr_Format(PyExc_ValueError, "invalid local event set 0x%x",
                     events);
        return -1;
    }
    if (pep669_check_tool_in_use(tool) < 0) {
        return -1;
    }
    Pep669CodeData *cd;
    if (events == 0) {
        cd = pep669_code_data(co);
        if (cd == NULL) {
            /* Nothing changes (but see pep669_register_callback). */
            return pep669_registry_recheck_hook();
        }
    }
    else {
        cd = pep669_code_data_ensure(co);
        if (cd == NULL) {
            return -1;
        }
    }
    uint32_t before = pep669_code_local_events(cd, tool);
    if (set_local(cd, tool, events) < 0) {
        return -1;
    }
    if (pep669_registry_changed() < 0) {
        return -1;
    }
    if (before != events) {
        /* 3.12 instruments the code at once (see inst_tools). */
        pep669_code_data_refresh(cd);
    }
    return 0;
}

uint32_t
pep669_get_local_events(int tool, PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data(co);
    return cd == NULL ? 0 : pep669_code_local_events(cd, tool);
}

int
pep669_clear_tool_id(int tool)
{
    /* 3.14: events, local events and callbacks of the tool go. */
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    Pep669CodeData *cd = local_codes;
    while (cd != NULL) {
        Pep669CodeData *next = cd->local->next;
        (void)set_local(cd, tool, 0);  /* (cannot fail: no events) */
        cd = next;
    }
    /* Its DISABLEs go too (3.14 clears the tool's per-location state): a
     * tool id used again starts afresh.  What derives from them is voided:
     * the done and region caches, probes' stamps, and a clone made without
     * sites for the tool's DISABLEd locations (a new one is made). */
    for (cd = disabled_codes; cd != NULL; cd = cd->next_disabled) {
        if (cd->disabled_maps == NULL ||
            !forget_in(cd, cd->disabled_maps, (uint8_t)(1u << tool),
                       cd->ndisabled_maps
#ifdef PEP669_DEBUG
                       , cd->debug_maps
#endif
                       )) {
            continue;
        }
        cd->done_known = 0;
        disables_forgotten(cd);
    }
    return pep669_registry_clear_tool(tool);
}
