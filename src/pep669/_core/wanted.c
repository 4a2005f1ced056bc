/* What is still wanted of the line-level events in one code object, given
 * the DISABLEs so far: the flow facts (lineflow.c) against the DISABLE
 * bitmaps (codedata.c), each answer cached in the code data under its
 * stamps (see codedata.h):
 *   - the done cache (pep669_code_done_slow): the events whose every
 *     location is DISABLEd, and those left only behind exception handlers;
 *   - the jump regions (pep669_code_region_slow): whether a wanted jump
 *     location can run before the next line event. */
#include "wanted.h"
#include "backend.h"

#include <string.h>

/* ---- Jump regions ------------------------------------------------------ */

/* Does some tool still want a jump event of `events` at `at`? */
static int
jump_wanted(Pep669CodeData *cd, uint8_t unit, int at, uint32_t events)
{
    static const int branches[] = {
        PEP669_EV_BRANCH, PEP669_EV_BRANCH_LEFT, PEP669_EV_BRANCH_RIGHT};
    if ((unit & PEP669_UNIT_JUMP) && (events & PEP669_BIT(JUMP)) &&
        (cd->tools[PEP669_EV_JUMP] &
         ~pep669_disabled_tools(cd, PEP669_EV_JUMP, at))) {
        return 1;
    }
    if (unit & PEP669_UNIT_BRANCH) {
        for (int i = 0; i < 3; i++) {
            if ((events & (1u << branches[i])) &&
                (cd->tools[branches[i]] &
                 ~pep669_disabled_tools(cd, branches[i], at))) {
                return 1;
            }
        }
    }
    return 0;
}

/* Whether a jump location some tool wants (of `events`) can run from
 * `offset` before the next line event: the walk behind the region cache,
 * over the instructions legacy tracing runs without a line event.  -1
 * without memory.  (Small code's work arrays are on the C stack.) */
#define REGION_LOCAL_UNITS 256

static int
region_walk(PyCodeObject *co, Pep669CodeData *cd, const uint8_t *units,
            uint32_t events, int offset)
{
    int local_stack[REGION_LOCAL_UNITS];
    uint8_t local_seen[REGION_LOCAL_UNITS];
    int *stack = local_stack;
    uint8_t *seen = local_seen;
    int n = 0, wants = 0, end = (int)cd->nunits * 2;
    if (cd->nunits > REGION_LOCAL_UNITS) {
        stack = PyMem_RawMalloc(sizeof(int) * (size_t)cd->nunits);
        seen = PyMem_RawCalloc((size_t)cd->nunits, 1);
        if (stack == NULL || seen == NULL) {
            PyMem_RawFree(stack);
            PyMem_RawFree(seen);
            return -1;
        }
    }
    else {
        memset(seen, 0, (size_t)cd->nunits);
    }
    /* Every instruction that can run before the next line event. */
    stack[n++] = offset & ~1;
    seen[offset >> 1] = 1;
    while (n > 0) {
        int node = stack[--n], next, target;
        int at = pep669_backend_flow(co, node, &next, &target);
        if (at < 0 || jump_wanted(cd, units[at >> 1], at, events)) {
            wants = 1;
            break;
        }
        int succ[2] = {next, target};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to >= 0 && to < end && !seen[to >> 1] &&
                !pep669_reports_line(cd, units, node, to)) {
                seen[to >> 1] = 1;
                stack[n++] = to;
            }
        }
    }
    if (stack != local_stack) {
        PyMem_RawFree(stack);
        PyMem_RawFree(seen);
    }
    return wants;
}

/* The region cache: void unless stamped with the registry's version and
 * these events; cleared and restamped then.  Within one version (the
 * tools of each event fixed) DISABLEs only take jump locations away: once
 * `jump_disables` moved, a region that reached none still reaches none
 * (kept, 1), one that reached some is asked again (2 cleared).  (A
 * DISABLE forgotten without a new version, pep669_clear_tool_id's,
 * clears the whole cache: codedata.c, disables_forgotten.)  -1 without
 * memory. */
static int
region_cache_stamp(PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
{
    if (cd->region == NULL) {
        cd->region = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
        if (cd->region == NULL) {
            return -1;
        }
        cd->region_version = pep669_registry.version;
        cd->region_disables = cd->jump_disables;
        cd->region_events = events;
    }
    if (cd->region_version != pep669_registry.version ||
        cd->region_events != events) {
        memset(cd->region, 0, (size_t)cd->nunits);
        cd->region_version = pep669_registry.version;
        cd->region_disables = cd->jump_disables;
        cd->region_events = events;
    }
    else if (cd->region_disables != cd->jump_disables) {
        uint8_t *region = cd->region;
        for (Py_ssize_t u = 0; u < cd->nunits; u++) {
            if (region[u] == 2) {
                region[u] = 0;
            }
        }
        cd->region_disables = cd->jump_disables;
#ifdef PEP669_DEBUG
        /* The kept answers are those of a walk now. */
        const uint8_t *units = pep669_code_units(co, cd);
        for (Py_ssize_t u = 0; units != NULL && cd->lines != NULL &&
                               u < cd->nunits; u++) {
            PEP669_ASSERT(region[u] != 1 ||
                          region_walk(co, cd, units, events,
                                      (int)u * 2) == 0);
        }
#endif
    }
    (void)co;
    return 0;
}

int
pep669_code_region_slow(PyCodeObject *co, Pep669CodeData *cd,
                        uint32_t events, int offset)
{
    const uint8_t *units;
    int wants, end = (int)cd->nunits * 2;
    events &= PEP669_JUMP_EVENTS;
    if (events == 0) {
        return 0;
    }
    if (offset >= end) {
        return 1;
    }
    if (cd->version != pep669_registry.version) {
        pep669_code_data_refresh(cd);
    }
    if (region_cache_stamp(co, cd, events) < 0) {
        return 1;
    }
    if (cd->region[offset >> 1] != 0) {
        return cd->region[offset >> 1] == 2;
    }
    units = pep669_code_units(co, cd);
    if (units == NULL || pep669_code_lines_ensure(co, cd) < 0) {
        return 1;
    }
    wants = region_walk(co, cd, units, events, offset);
    if (wants < 0) {
        return 1;
    }
    cd->region[offset >> 1] = wants ? 2 : 1;
    return wants;
}

/* ---- The done cache ---------------------------------------------------- */

/* Is every location of `event` (units with `flag`; line starts if 0)
 * DISABLEd for all of `tools`?  Within one version locations only ever
 * become disabled, so the scan resumes where the last one stopped. */
static int
all_disabled(Pep669CodeData *cd, int event, uint8_t tools,
             const uint8_t *units, uint8_t flag, int32_t *cursor,
             Py_ssize_t from, Py_ssize_t to, int reached)
{
    const uint8_t *map = pep669_disabled_map(cd, event);
    Py_ssize_t i = *cursor;
    if (cd->disabled_version < pep669_registry.restart_version) {
        map = NULL;
    }
    if (flag == 0) {
        /* line_starts[from:to] */
        if (i < from) {
            i = from;
        }
        for (; i < to; i++) {
            if (map == NULL ||
                (map[cd->line_starts[i] >> 1] & tools) != tools) {
                break;
            }
        }
        *cursor = (int32_t)i;
        return i >= to;
    }
    /* units with `flag` that the frame reaches without an exception
     * (reached 1), or the others (0), or all (-1) */
    for (; i < cd->nunits; i++) {
        if ((units[i] & flag) &&
            (reached < 0 || cd->unit_flow == NULL ||
             ((cd->unit_flow[i] & PEP669_FLOW_REACHED) != 0) == reached) &&
            (map == NULL || (map[i] & tools) != tools)) {
            break;
        }
    }
    *cursor = (int32_t)i;
    return i >= cd->nunits;
}

uint32_t
pep669_code_done_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    /* (one row per done_cursor row) */
    static const struct { int event; uint8_t flag; } where[] = {
        {PEP669_EV_LINE, 0},
        {PEP669_EV_INSTRUCTION, PEP669_UNIT_INSTR},
        {PEP669_EV_JUMP, PEP669_UNIT_JUMP},
        {PEP669_EV_BRANCH, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_LEFT, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_RIGHT, PEP669_UNIT_BRANCH},
    };
    _Static_assert(sizeof(where) / sizeof(where[0]) ==
                   sizeof(cd->done_cursor) / sizeof(cd->done_cursor[0]),
                   "one done_cursor row per line-level event");
    uint32_t done = 0;
    if (cd->version != pep669_registry.version) {
        pep669_code_data_refresh(cd);
    }
    if (cd->done_known) {
        return cd->done;
    }
    cd->handler_only = 0;
    cd->line_handler_left = 0;
    cd->branch_handler_left = 0;
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        int ev = where[i].event;
        PEP669_ASSERT(pep669_done_row(ev) == (int)i);
        uint8_t tools = cd->tools[ev];
        const uint8_t *units = NULL;
        if (tools == 0) {
            continue;
        }
        if (where[i].flag != PEP669_UNIT_INSTR &&
            cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
            continue;
        }
        if (where[i].flag != 0 &&
            (units = pep669_code_units(co, cd)) == NULL) {
            continue;
        }
        if (where[i].flag == PEP669_UNIT_INSTR) {
            if (all_disabled(cd, ev, tools, units, where[i].flag,
                             &cd->done_cursor[i][0], 0, 0, -1)) {
                done |= 1u << ev;
            }
        }
        else {
            int flow_done = all_disabled(cd, ev, tools, units, where[i].flag,
                                         &cd->done_cursor[i][0], 0,
                                         cd->nflow_starts, 1);
            int handlers_done = all_disabled(
                cd, ev, tools, units, where[i].flag, &cd->done_cursor[i][1],
                cd->nflow_starts, cd->nline_starts, 0);
            if (ev == PEP669_EV_LINE) {
                cd->line_handler_left = !handlers_done;
            }
            else if (!handlers_done) {
                /* (the branch events and JUMP: their probes stand in
                 * for the flow's locations only) */
                cd->branch_handler_left = 1;
            }
            if (flow_done) {
                /* Only locations behind exception handlers may be left. */
                if (handlers_done) {
                    done |= 1u << ev;
                }
                else {
                    cd->handler_only |= 1u << ev;
                }
            }
        }
    }
    cd->done = done;
    cd->done_known = 1;
    PEP669_DEBUG_ONLY(cd->done_kept = 0;)
    /* (the records' event caches hold while the epoch does not move:
     * codedata.h) */
    cd->done_epoch++;
    PEP669_ASSERT(cd->version == pep669_registry.version);
    return done;
}

#ifdef PEP669_DEBUG
void
pep669_code_done_check(PyCodeObject *co, Pep669CodeData *cd)
{
    uint32_t done = cd->done, handler_only = cd->handler_only;
    uint32_t epoch = cd->done_epoch;
    int line_left = cd->line_handler_left;
    int branch_left = cd->branch_handler_left;
    int32_t cursors[6][2];
    PEP669_ASSERT(cd->done_known && cd->done_kept);
    memcpy(cursors, cd->done_cursor, sizeof(cursors));
    memset(cd->done_cursor, 0, sizeof(cd->done_cursor));
    cd->done_known = 0;
    PEP669_ASSERT(pep669_code_done_slow(co, cd) == done);
    PEP669_ASSERT(cd->handler_only == handler_only);
    PEP669_ASSERT(cd->line_handler_left == line_left);
    PEP669_ASSERT(cd->branch_handler_left == branch_left);
    PEP669_ASSERT(memcmp(cursors, cd->done_cursor, sizeof(cursors)) == 0);
    /* (no new computation as far as the records can tell: they cached
     * what this one found) */
    cd->done_epoch = epoch;
}
#endif
