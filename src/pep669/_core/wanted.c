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

/* The region cache's entries (cd->region->entry, per unit): not known
 * yet, no wanted jump location in the region, or one: REGION_YES + its unit
 * (REGION_ANY: a wanted jump location, or a jump to an unknown place,
 * whose unit is not kept). */
#define REGION_UNKNOWN 0
#define REGION_NO 1
#define REGION_YES 2
#define REGION_ANY 0xFFFF

/* Whether a jump location some tool wants (of `events`) can run from
 * `offset` before the next line event: the walk behind the region cache,
 * over the instructions legacy tracing runs without a line event.  Its
 * entry (REGION_NO, REGION_YES + unit, REGION_ANY); 0 without memory.
 * (Small code's work arrays are on the C stack.) */
#define REGION_LOCAL_UNITS 256

static uint16_t
region_walk(PyCodeObject *co, Pep669CodeData *cd, const uint8_t *units,
            uint32_t events, int offset)
{
    int local_stack[REGION_LOCAL_UNITS];
    uint8_t local_seen[REGION_LOCAL_UNITS];
    int *stack = local_stack;
    uint8_t *seen = local_seen;
    int n = 0, end = (int)cd->nunits * 2;
    uint16_t entry = REGION_NO;
    if (cd->nunits > REGION_LOCAL_UNITS) {
        stack = PyMem_RawMalloc(sizeof(int) * (size_t)cd->nunits);
        seen = PyMem_RawCalloc((size_t)cd->nunits, 1);
        if (stack == NULL || seen == NULL) {
            PyMem_RawFree(stack);
            PyMem_RawFree(seen);
            return REGION_UNKNOWN;
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
        if (at < 0) {
            entry = REGION_ANY;
            break;
        }
        if ((units[at >> 1] & (PEP669_UNIT_JUMP | PEP669_UNIT_BRANCH)) &&
            jump_wanted(cd, units[at >> 1], at, events)) {
            entry = (at >> 1) < REGION_ANY - REGION_YES
                        ? (uint16_t)(REGION_YES + (at >> 1)) : REGION_ANY;
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
    return entry;
}

/* The region cache: void unless stamped with the registry's version and
 * these events; cleared and restamped then.  Within one version (the
 * tools of each event fixed) DISABLEs only take jump locations away, so
 * once `jump_disables` moved past `region_disables` (then only this
 * function reads the cache) a region that reached none still reaches none
 * (REGION_NO holds), and one whose jump location is still wanted still
 * reaches it; the others are walked again.  (A DISABLE forgotten without
 * a new version, pep669_clear_tool_id's, clears the whole cache:
 * codedata.c, disables_forgotten.)  -1 without memory. */
static int
region_cache_stamp(Pep669CodeData *cd, uint32_t events)
{
    Pep669Region *r = cd->region;
    if (r == NULL) {
        r = PyMem_RawCalloc(1, sizeof(Pep669Region) +
                               sizeof(uint16_t) * ((size_t)cd->nunits + 1));
        if (r == NULL) {
            return -1;
        }
        r->version = pep669_registry.version;
        r->disables = cd->jump_disables;
        r->events = events;
        cd->region = r;
    }
    if (r->version != pep669_registry.version || r->events != events) {
        memset(r->entry, 0, sizeof(uint16_t) * (size_t)cd->nunits);
        r->version = pep669_registry.version;
        r->disables = cd->jump_disables;
        r->events = events;
        r->stale = 0;
    }
    return 0;
}

/* Lookups of a stale cache (DISABLEs since its stamp), with no DISABLE
 * between them, before every entry is checked at once: DISABLEs come in
 * bursts (a first run), then the cache is read for long (after warm-up). */
#define REGION_STALE_LOOKUPS 8

/* Every "yes" entry checked at its jump location (a "no" holds), and the
 * cache stamped with the DISABLEs so far. */
static void
region_recheck(PyCodeObject *co, Pep669CodeData *cd, const uint8_t *units,
               uint32_t events)
{
    uint16_t *region = cd->region->entry;
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        uint16_t entry = region[u];
        if (entry > REGION_NO &&
            (entry == REGION_ANY ||
             !jump_wanted(cd, units[entry - REGION_YES],
                          (entry - REGION_YES) * 2, events))) {
            region[u] = REGION_UNKNOWN;
        }
    }
    cd->region->disables = cd->jump_disables;
    cd->region->stale = 0;
    /* (what the inline read will give now is a walk's) */
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        PEP669_ASSERT(region[u] == REGION_UNKNOWN ||
                      (region[u] == REGION_NO) ==
                          (region_walk(co, cd, units, events, (int)u * 2) ==
                           REGION_NO));
    }
    (void)co;
}

int
pep669_code_region_slow(PyCodeObject *co, Pep669CodeData *cd,
                        uint32_t events, int offset)
{
    const uint8_t *units;
    int end = (int)cd->nunits * 2;
    uint16_t entry;
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
    if (region_cache_stamp(cd, events) < 0) {
        return 1;
    }
    units = pep669_code_units(co, cd);
    if (units == NULL || pep669_code_lines_ensure(co, cd) < 0) {
        return 1;
    }
    Pep669Region *r = cd->region;
    if (r->disables != cd->jump_disables) {
        if (r->seen != cd->jump_disables) {
            /* (DISABLEs still coming: a first run) */
            r->seen = cd->jump_disables;
            r->stale = 0;
        }
        else if (++r->stale >= REGION_STALE_LOOKUPS) {
            region_recheck(co, cd, units, events);
        }
    }
    entry = r->entry[offset >> 1];
    if (entry != REGION_UNKNOWN && r->disables != cd->jump_disables &&
        entry != REGION_NO &&
        (entry == REGION_ANY ||
         !jump_wanted(cd, units[entry - REGION_YES],
                      (entry - REGION_YES) * 2, events))) {
        /* (DISABLEs since: its jump location is not wanted any more) */
        entry = REGION_UNKNOWN;
    }
    if (entry == REGION_UNKNOWN) {
        entry = region_walk(co, cd, units, events, offset);
        if (entry == REGION_UNKNOWN) {
            return 1;
        }
        r->entry[offset >> 1] = entry;
    }
    /* (a kept answer is a walk's now) */
    PEP669_ASSERT((entry == REGION_NO) ==
                  (region_walk(co, cd, units, events, offset) == REGION_NO));
    return entry != REGION_NO;
}

#undef REGION_UNKNOWN
#undef REGION_NO
#undef REGION_YES
#undef REGION_ANY
#undef REGION_STALE_LOOKUPS

/* ---- The done cache ---------------------------------------------------- */

uint32_t
pep669_code_done_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    static const int where[] = {
        PEP669_EV_LINE, PEP669_EV_INSTRUCTION, PEP669_EV_JUMP,
        PEP669_EV_BRANCH, PEP669_EV_BRANCH_LEFT, PEP669_EV_BRANCH_RIGHT};
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
    for (int i = 0; i < (int)(sizeof(where) / sizeof(where[0])); i++) {
        int ev = where[i];
        PEP669_ASSERT(pep669_done_row(ev) == i);
        if (cd->tools[ev] == 0) {
            continue;
        }
        if (ev != PEP669_EV_INSTRUCTION &&
            cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
            continue;
        }
        if (ev != PEP669_EV_LINE && pep669_code_units(co, cd) == NULL) {
            continue;
        }
        if (ev == PEP669_EV_INSTRUCTION) {
            if (pep669_done_scan(cd, i, 0)) {
                done |= 1u << ev;
            }
        }
        else {
            int flow_done = pep669_done_scan(cd, i, 0);
            int handlers_done = pep669_done_scan(cd, i, 1);
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

/* After a traced run of code whose line-level events are now all done
 * (DISABLEd everywhere: a first run under coverage), and that wants
 * nothing else but frame events, the code runs untraced: its DISABLE maps
 * become bits where one tool made them (pep669_disabled_compact), and the
 * interpreter's cache for tracing it goes (3.11's line array, 2 bytes a
 * unit: a trace call makes it again if one comes).  Called by frames.c
 * at the end of a traced run. */
void
pep669_code_untraced(PyCodeObject *co, Pep669CodeData *cd)
{
    if (!(pep669_code_data_events(cd) & PEP669_LINE_LEVEL_EVENTS) ||
        ((cd->disabled_solo || cd->ndisabled_maps == 0) &&
         !pep669_backend_code_trace_cache(co, 0))) {
        return;
    }
    uint32_t done = pep669_code_done(co, cd);
    if ((cd->events & ~(done | PEP669_FRAME_EVENTS |
                        PEP669_BIT(STOP_ITERATION))) == 0) {
        pep669_disabled_compact(cd);
        (void)pep669_backend_code_trace_cache(co, 1);
    }
}
