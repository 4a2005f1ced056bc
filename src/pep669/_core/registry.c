/* Registry: tool names, callbacks, global and local event sets, DISABLE
 * state.  Every change bumps the monitoring version, which invalidates the
 * per-code caches, and asks the backend to re-check its hooks. */
#include "registry.h"
#include "frames.h"
#include "probe.h"

#include <string.h>

Pep669Registry pep669_registry = {.extra_index = -1};

static void
unlink_local(Pep669CodeData *cd)
{
    if (cd->prev_local != NULL) {
        *cd->prev_local = cd->next_local;
        if (cd->next_local != NULL) {
            cd->next_local->prev_local = cd->prev_local;
        }
        cd->next_local = NULL;
        cd->prev_local = NULL;
        pep669_registry.local_code_count--;
    }
}

static void
link_local(Pep669CodeData *cd)
{
    if (cd->prev_local == NULL) {
        cd->next_local = pep669_registry.local_codes;
        if (cd->next_local != NULL) {
            cd->next_local->prev_local = &cd->next_local;
        }
        pep669_registry.local_codes = cd;
        cd->prev_local = &pep669_registry.local_codes;
        pep669_registry.local_code_count++;
    }
}

/* co_extra free function: the code object is being deallocated. */
static void
free_code_data(void *ptr)
{
    Pep669CodeData *cd = (Pep669CodeData *)ptr;
    if (cd == NULL) {
        return;
    }
    unlink_local(cd);
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        PyMem_RawFree(cd->disabled[ev]);
    }
    PyMem_RawFree(cd->line_starts);
    PyMem_RawFree(cd->units);
    PyMem_RawFree(cd->lines);
    PyMem_RawFree(cd->region);
    PyMem_RawFree(cd->reach);
    PyMem_RawFree(cd->line_probes);
    pep669_clone_decref(cd->clone);
    PyMem_RawFree(cd);
}

int
pep669_registry_init(void)
{
    Pep669Registry *r = &pep669_registry;
    if (r->extra_index < 0) {
        r->extra_index = _PyEval_RequestCodeExtraIndex(free_code_data);
        if (r->extra_index < 0) {
            PyErr_SetString(PyExc_RuntimeError,
                            "pep669: no co_extra slot left");
            return -1;
        }
    }
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
    if (_PyCode_SetExtra((PyObject *)co, pep669_registry.extra_index,
                         cd) < 0) {
        PyMem_RawFree(cd);
        return NULL;
    }
    return cd;
}

void
pep669_code_data_refresh(Pep669CodeData *cd)
{
    Pep669Registry *r = &pep669_registry;
    uint32_t events = 0;
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        uint8_t tools = r->global_tools[ev];
        int local_ev = (ev == PEP669_EV_C_RETURN || ev == PEP669_EV_C_RAISE)
                       ? PEP669_EV_CALL : ev;
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if (cd->local_events[tool] & (1u << local_ev)) {
                tools |= (uint8_t)(1u << tool);
            }
        }
        tools &= r->callback_tools[ev];
        cd->tools[ev] = tools;
        if (tools) {
            events |= 1u << ev;
        }
    }
    cd->events = events;
    cd->version = r->version;
    cd->done_known = 0;
    memset(cd->done_cursor, 0, sizeof(cd->done_cursor));
}

static int
ensure_lines(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->lines == NULL) {
        int *lines = PyMem_RawMalloc(sizeof(int) * (size_t)(cd->nunits + 1));
        if (lines == NULL) {
            return -1;
        }
        cd->line_rule = pep669_backend_code_lines(co, lines);
        cd->lines = lines;
    }
    return 0;
}

/* Does arriving at `to` from `from` make legacy tracing report a line? */
static inline int
line_event(Pep669CodeData *cd, const uint8_t *units, int from, int to)
{
    int line = cd->lines[to >> 1];
    if (cd->line_rule == PEP669_LINES_WINDOW) {
        return to < from || (to >> 1) == 0 || line != cd->lines[(to >> 1) - 1];
    }
    return line >= 0 &&
           (line != cd->lines[from >> 1] ||
            (to < from && !(units[to >> 1] & PEP669_UNIT_QUIET_BACK)));
}

#define START_FLOW 1     /* the frame's flow reaches it */
#define START_HANDLER 2  /* an exception handler */

static inline void
mark_start(Pep669CodeData *cd, uint8_t *is_start, int first, int offset,
           uint8_t how)
{
    if (offset >= first && (offset >> 1) < cd->nunits &&
        cd->lines[offset >> 1] >= 0) {
        is_start[offset >> 1] |= how;
    }
}

/* The locations of LINE: where legacy tracing can report a line that is
 * not the last one it reported in the frame (the trampoline's rule),
 * following the flow of the bytecode: the frame's first line, the
 * instructions control reaches with a line event (by going on, or
 * jumping) from an instruction on another line, or from one that the
 * frame may have reached without a line event from another line (3.8/3.9
 * forward jumps into the middle of a line, instructions without a line,
 * handlers), and exception handlers.  Never fewer than the places where
 * LINE can fire: DISABLE of all of them means none can. */
#define NODE 1
#define NODE_HANDLER 2  /* its target is a handler (no jump of its own) */
#define NODE_RETURN 4   /* control comes back to its next from elsewhere */
#define NODE_FLOW_TARGET 8  /* (with NODE_HANDLER) no handler: normal flow */
#define NODE_REACHED 16 /* reachable from the start without exceptions */

static int
compute_line_starts(PyCodeObject *co, Pep669CodeData *cd)
{
    Py_ssize_t n = 0, nunits = cd->nunits;
    int end = (int)nunits * 2, nstack = 0, unknown = 0, err = -1;
    int first = pep669_backend_first_line_offset(co);
    const uint8_t *units = pep669_code_units(co, cd);
    const int *lines;
    int *nx = NULL, *tg = NULL, *stack = NULL, *handlers = NULL;
    uint8_t *fl = NULL, *mixed = NULL, *is_start = NULL;
    if (units == NULL || ensure_lines(co, cd) < 0) {
        return -1;
    }
    lines = cd->lines;
    int nhandlers = pep669_backend_handlers(co, NULL, 0);
    nx = PyMem_RawMalloc(sizeof(int) * (size_t)(nunits + 1));
    tg = PyMem_RawMalloc(sizeof(int) * (size_t)(nunits + 1));
    stack = PyMem_RawMalloc(sizeof(int) * (size_t)(nunits + 1));
    handlers = PyMem_RawMalloc(sizeof(int) * (size_t)(nhandlers + 1));
    fl = PyMem_RawCalloc((size_t)nunits + 1, 1);
    mixed = PyMem_RawCalloc((size_t)nunits + 1, 1);
    is_start = PyMem_RawCalloc((size_t)nunits + 1, 1);
    if (nx == NULL || tg == NULL || stack == NULL || handlers == NULL ||
        fl == NULL || mixed == NULL || is_start == NULL) {
        goto done;
    }
    (void)pep669_backend_handlers(co, handlers, nhandlers);

    /* The instructions the frame can run (from the first line on), where
     * each can go next, and the places entered from elsewhere. */
    for (int off = 0; off < end;) {
        int next, target, at = pep669_backend_flow(co, off, &next, &target);
        if (at < 0) {
            /* A jump to an unknown place (none is expected). */
            unknown = 1;
            at = off;
            (void)pep669_backend_jump_kind(co, &at, &next, &target);
            next = pep669_backend_next_instruction(co, at);
            target = -1;
        }
        if (at >= first) {
            int u = off >> 1;
            int cls = pep669_backend_instr_class(co, at);
            fl[u] = NODE;
            nx[u] = next < end ? next : -1;
            tg[u] = target;
            if (target >= 0 && !(cls & PEP669_INSTR_FLOW_JUMP) &&
                !(units[at >> 1] & (PEP669_UNIT_JUMP | PEP669_UNIT_BRANCH))) {
                /* SETUP_FINALLY, SETUP_WITH, ... (up to 3.10): a handler;
                 * 3.8's CALL_FINALLY: the finally block.  Entered from
                 * anywhere. */
                fl[u] |= NODE_HANDLER;
                mixed[target >> 1] = 1;
            }
            if ((cls & PEP669_INSTR_RETURN_POINT) && nx[u] >= 0) {
                fl[u] |= NODE_RETURN;
                mixed[nx[u] >> 1] = 1;
            }
            if (cls & PEP669_INSTR_RETURN_POINT) {
                /* (CALL_FINALLY: its target is no handler) */
                fl[u] |= NODE_FLOW_TARGET;
            }
        }
        off = pep669_backend_next_instruction(co, at);
    }
    for (int i = 0; i < nhandlers; i++) {
        if (handlers[i] >= 0 && handlers[i] < end) {
            mixed[handlers[i] >> 1] = 1;
        }
    }
    if (unknown) {
        memset(mixed, 1, (size_t)nunits);
    }

    /* "mixed": the frame may arrive there without a line event, having
     * reported a line other than the instruction's last.  Start from
     * every place entered so, then follow the edges without a line
     * event. */
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (!(fl[u] & NODE)) {
            continue;
        }
        int succ[2] = {nx[u], (fl[u] & NODE_HANDLER) ? -1 : tg[u]};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to >= 0 && !mixed[to >> 1] &&
                !line_event(cd, units, (int)u * 2, to) &&
                lines[to >> 1] != lines[u]) {
                mixed[to >> 1] = 1;
                stack[nstack++] = to >> 1;
            }
        }
    }
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (mixed[u] && (fl[u] & NODE)) {
            stack[nstack++] = (int)u;
        }
    }
    while (nstack > 0) {
        int u = stack[--nstack];
        if (!(fl[u] & NODE)) {
            continue;
        }
        int succ[2] = {nx[u], (fl[u] & NODE_HANDLER) ? -1 : tg[u]};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to >= 0 && !mixed[to >> 1] &&
                !line_event(cd, units, u * 2, to)) {
                mixed[to >> 1] = 1;
                stack[nstack++] = to >> 1;
            }
        }
    }

    /* What the frame can reach without handling an exception (reused:
     * fl's spare bit). */
    nstack = 0;
    if (first < end && (fl[first >> 1] & NODE)) {
        fl[first >> 1] |= NODE_REACHED;
        stack[nstack++] = first >> 1;
    }
    while (nstack > 0) {
        int u = stack[--nstack];
        int succ[2] = {nx[u], ((fl[u] & NODE_HANDLER) &&
                               !(fl[u] & NODE_FLOW_TARGET)) ? -1 : tg[u]};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to >= 0 && (fl[to >> 1] & NODE) &&
                !(fl[to >> 1] & NODE_REACHED)) {
                fl[to >> 1] |= NODE_REACHED;
                stack[nstack++] = to >> 1;
            }
        }
    }

    /* (kept, per unit, instructions past their prefixes included) */
    if (cd->reach == NULL) {
        cd->reach = PyMem_RawCalloc((size_t)nunits + 1, 1);
        if (cd->reach == NULL) {
            goto done;
        }
    }
    for (Py_ssize_t u = 0, node = 0; u < nunits; u++) {
        if (fl[u] & NODE) {
            node = u;
        }
        cd->reach[u] = unknown || (fl[node] & NODE_REACHED) ||
                       (int)u * 2 < first;
    }

    /* The first line, then every arrival with a line event that can be
     * a new line for the trampoline, and the places entered from
     * elsewhere; those only reachable through a handler are apart. */
    mark_start(cd, is_start, first, first, START_FLOW);
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (!(fl[u] & NODE)) {
            continue;
        }
        int succ[2] = {nx[u], tg[u]};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to < 0) {
                continue;
            }
            uint8_t how = (fl[u] & NODE_REACHED) ? START_FLOW
                                                 : START_HANDLER;
            if (i == 1 && (fl[u] & NODE_HANDLER)) {
                mark_start(cd, is_start, first, to,
                           (fl[u] & NODE_FLOW_TARGET) ? how
                                                     : START_HANDLER);
            }
            else if ((i == 0 && (fl[u] & NODE_RETURN)) ||
                     (line_event(cd, units, (int)u * 2, to) &&
                      (mixed[u] || lines[to >> 1] != lines[u]))) {
                mark_start(cd, is_start, first, to, how);
            }
        }
    }
    for (int i = 0; i < nhandlers; i++) {
        mark_start(cd, is_start, first, handlers[i], START_HANDLER);
    }

    /* Where line probes can stand in for a LINE location reached by the
     * frame's flow (probe.c): at the location itself if every arrival
     * there is a new line for the trampoline (legacy tracing reports it,
     * and the line reported last, the instruction's before, is another
     * one); else on the jumps that arrive with a new line, if the other
     * arrivals never give one (a for loop's FOR_ITER, reached by its back
     * edges with a new line and from GET_ITER on its own line). */
    if (cd->line_probes == NULL) {
        cd->line_probes = PyMem_RawCalloc((size_t)nunits + 1, 1);
        if (cd->line_probes == NULL) {
            goto done;
        }
    }
    memset(cd->line_probes, 0, (size_t)nunits);
    /* (mixed's spare bits: an arrival with a new line seen, one by going
     * on, one without, one that may or may not be) */
#define ARRIVAL_NEW 2
#define ARRIVAL_NEW_ON 4
#define ARRIVAL_SAME 8
#define ARRIVAL_UNSURE 16
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (!(fl[u] & NODE)) {
            continue;
        }
        int succ[2] = {nx[u], tg[u]};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to < 0 || is_start[to >> 1] != START_FLOW) {
                continue;
            }
            uint8_t *arrival = &mixed[to >> 1];
            if ((i == 1 && (fl[u] & NODE_HANDLER) &&
                 !(fl[u] & NODE_FLOW_TARGET)) ||
                (i == 0 && (fl[u] & NODE_RETURN))) {
                *arrival |= ARRIVAL_UNSURE;
            }
            else if (!line_event(cd, units, (int)u * 2, to)) {
                *arrival |= ARRIVAL_SAME;
            }
            else if (mixed[u] & 1) {
                *arrival |= ARRIVAL_UNSURE;
            }
            else if (lines[u] == lines[to >> 1]) {
                *arrival |= ARRIVAL_SAME;
            }
            else if (i == 0 || (fl[u] & NODE_HANDLER)) {
                /* (going on, or 3.8's CALL_FINALLY) */
                *arrival |= ARRIVAL_NEW_ON;
            }
            else {
                *arrival |= ARRIVAL_NEW;
            }
        }
    }
    if (first < end && is_start[first >> 1] == START_FLOW) {
        /* The frame's start: a new line, with nothing before. */
        mixed[first >> 1] |= ARRIVAL_NEW_ON;
    }
    for (int i = 0; i < nhandlers; i++) {
        if (handlers[i] >= 0 && handlers[i] < end) {
            mixed[handlers[i] >> 1] |= ARRIVAL_UNSURE;
        }
    }
    for (Py_ssize_t u = 0; u < nunits && !unknown; u++) {
        uint8_t arrival = mixed[u];
        if (is_start[u] != START_FLOW || (arrival & ARRIVAL_UNSURE)) {
            continue;
        }
        if (!(arrival & ARRIVAL_SAME)) {
            cd->line_probes[u] = PEP669_PROBE_AT;
        }
        else if ((arrival & ARRIVAL_NEW) && !(arrival & ARRIVAL_NEW_ON)) {
            cd->line_probes[u] = PEP669_PROBE_EDGES;
        }
    }
    for (Py_ssize_t u = 0; u < nunits && !unknown; u++) {
        int to = tg[u];
        if ((fl[u] & NODE) && to >= 0 &&
            (cd->line_probes[to >> 1] & PEP669_PROBE_EDGES) &&
            !(fl[u] & NODE_HANDLER) && !(mixed[u] & 1) &&
            lines[u] != lines[to >> 1] && line_event(cd, units, (int)u * 2, to)) {
            cd->line_probes[u] |= PEP669_PROBE_SOURCE;
        }
    }
#undef ARRIVAL_NEW
#undef ARRIVAL_NEW_ON
#undef ARRIVAL_SAME
#undef ARRIVAL_UNSURE
    if (unknown) {
        for (Py_ssize_t u = 1; u < nunits; u++) {
            if (lines[u] != lines[u - 1]) {
                mark_start(cd, is_start, first, (int)u * 2, START_FLOW);
            }
        }
        for (Py_ssize_t u = 0; u < nunits; u++) {
            if (is_start[u]) {
                is_start[u] = START_FLOW;
            }
        }
    }
    cd->line_starts = PyMem_RawMalloc(sizeof(int) * (size_t)(nunits + 1));
    if (cd->line_starts == NULL) {
        goto done;
    }
    for (Py_ssize_t unit = 0; unit < nunits; unit++) {
        if (is_start[unit] & START_FLOW) {
            cd->line_starts[n++] = (int)unit * 2;
        }
    }
    cd->nflow_starts = n;
    for (Py_ssize_t unit = 0; unit < nunits; unit++) {
        if (is_start[unit] == START_HANDLER) {
            cd->line_starts[n++] = (int)unit * 2;
        }
    }
    cd->nline_starts = n;
    err = 0;
done:
    PyMem_RawFree(nx);
    PyMem_RawFree(tg);
    PyMem_RawFree(stack);
    PyMem_RawFree(handlers);
    PyMem_RawFree(fl);
    PyMem_RawFree(mixed);
    PyMem_RawFree(is_start);
    return err;
}

#undef NODE
#undef NODE_HANDLER
#undef NODE_RETURN
#undef NODE_FLOW_TARGET
#undef NODE_REACHED

int
pep669_code_line_starts(PyCodeObject *co, const int **starts, Py_ssize_t *n)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return -1;
    }
    if (cd->line_starts == NULL && compute_line_starts(co, cd) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    *starts = cd->line_starts;
    *n = cd->nline_starts;
    return 0;
}

const uint8_t *
pep669_code_units_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->units != NULL) {
        return cd->units;
    }
    int end = (int)cd->nunits * 2;
    uint8_t *units = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
    if (units == NULL) {
        return NULL;
    }
    /* Legacy tracing reports no instruction of 3.11's prefix. */
    for (int off = pep669_backend_first_line_offset(co); off < end;) {
        int at = off, next, target;
        int kind = pep669_backend_jump_kind(co, &at, &next, &target);
        if (at >= end) {
            break;
        }
        for (int u = off >> 1; u < at >> 1; u++) {
            units[u] = PEP669_UNIT_INSTR | PEP669_UNIT_PREFIX;
        }
        units[at >> 1] |= PEP669_UNIT_INSTR;
        if (kind >= 0) {
            units[at >> 1] |= kind == PEP669_EV_JUMP ? PEP669_UNIT_JUMP
                                                     : PEP669_UNIT_BRANCH;
            units[off >> 1] |= PEP669_UNIT_JUMP_EVENT;
        }
        int cls = pep669_backend_instr_class(co, at);
        if (cls & PEP669_INSTR_CALL) {
            units[off >> 1] |= PEP669_UNIT_CALL_EVENT;
        }
        if (cls & (PEP669_INSTR_RERAISE | PEP669_INSTR_HANDLER_EXIT)) {
            units[off >> 1] |= PEP669_UNIT_RERAISE_EVENT;
        }
        if (cls & PEP669_INSTR_QUIET_BACK) {
            units[at >> 1] |= PEP669_UNIT_QUIET_BACK;
        }
        off = pep669_backend_next_instruction(co, at);
    }
    cd->units = units;
    return units;
}

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

int
pep669_code_region_slow(PyCodeObject *co, Pep669CodeData *cd,
                        uint32_t events, int offset)
{
    const uint8_t *units;
    int *stack;
    uint8_t *seen;
    int n = 0, wants = 0, end = (int)cd->nunits * 2;
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
    if (cd->region == NULL) {
        cd->region = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
        if (cd->region == NULL) {
            return 1;
        }
        cd->region_version = pep669_registry.version;
        cd->region_disables = cd->jump_disables;
        cd->region_events = events;
    }
    if (cd->region_version != pep669_registry.version ||
        cd->region_disables != cd->jump_disables ||
        cd->region_events != events) {
        memset(cd->region, 0, (size_t)cd->nunits);
        cd->region_version = pep669_registry.version;
        cd->region_disables = cd->jump_disables;
        cd->region_events = events;
    }
    if (cd->region[offset >> 1] != 0) {
        return cd->region[offset >> 1] == 2;
    }
    units = pep669_code_units(co, cd);
    if (units == NULL || ensure_lines(co, cd) < 0) {
        return 1;
    }
    stack = PyMem_RawMalloc(sizeof(int) * (size_t)cd->nunits);
    seen = PyMem_RawCalloc((size_t)cd->nunits, 1);
    if (stack == NULL || seen == NULL) {
        PyMem_RawFree(stack);
        PyMem_RawFree(seen);
        return 1;
    }
    /* Every instruction that can run before the next line event. */
    stack[n++] = offset & ~1;
    seen[offset >> 1] = 1;
    while (n > 0 && !wants) {
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
                !line_event(cd, units, node, to)) {
                seen[to >> 1] = 1;
                stack[n++] = to;
            }
        }
    }
    PyMem_RawFree(stack);
    PyMem_RawFree(seen);
    cd->region[offset >> 1] = wants ? 2 : 1;
    return wants;
}

/* Is every location of `event` (units with `flag`; line starts if 0)
 * DISABLEd for all of `tools`?  Within one version locations only ever
 * become disabled, so the scan resumes where the last one stopped. */
static int
all_disabled(Pep669CodeData *cd, int event, uint8_t tools,
             const uint8_t *units, uint8_t flag, Py_ssize_t *cursor,
             Py_ssize_t from, Py_ssize_t to, int reached)
{
    const uint8_t *map = cd->disabled[event];
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
        *cursor = i;
        return i >= to;
    }
    /* units with `flag` that the frame reaches without an exception
     * (reached 1), or the others (0), or all (-1) */
    for (; i < cd->nunits; i++) {
        if ((units[i] & flag) &&
            (reached < 0 || cd->reach == NULL || cd->reach[i] == reached) &&
            (map == NULL || (map[i] & tools) != tools)) {
            break;
        }
    }
    *cursor = i;
    return i >= cd->nunits;
}

uint32_t
pep669_code_done_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    static const struct { int event; uint8_t flag; } where[] = {
        {PEP669_EV_LINE, 0},
        {PEP669_EV_INSTRUCTION, PEP669_UNIT_INSTR},
        {PEP669_EV_JUMP, PEP669_UNIT_JUMP},
        {PEP669_EV_BRANCH, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_LEFT, PEP669_UNIT_BRANCH},
        {PEP669_EV_BRANCH_RIGHT, PEP669_UNIT_BRANCH},
    };
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
        uint8_t tools = cd->tools[ev];
        const uint8_t *units = NULL;
        if (tools == 0) {
            continue;
        }
        if (where[i].flag != PEP669_UNIT_INSTR &&
            cd->line_starts == NULL && compute_line_starts(co, cd) < 0) {
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
            else if (where[i].flag == PEP669_UNIT_BRANCH && !handlers_done) {
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
    cd->done_epoch++;
    return done;
}

int
pep669_disable_location(PyCodeObject *co, int tool, int event, int offset)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return -1;
    }
    if (cd->disabled_version < pep669_registry.restart_version) {
        for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
            if (cd->disabled[ev] != NULL) {
                memset(cd->disabled[ev], 0, (size_t)cd->nunits);
            }
        }
    }
    cd->disabled_version = pep669_registry.version;
    if (offset < 0 || (offset >> 1) >= cd->nunits) {
        return 0;
    }
    if (cd->disabled[event] == NULL) {
        cd->disabled[event] = PyMem_RawCalloc((size_t)cd->nunits, 1);
        if (cd->disabled[event] == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    cd->disabled[event][offset >> 1] |= (uint8_t)(1u << tool);
    if ((1u << event) & PEP669_LINE_LEVEL_EVENTS) {
        cd->done_known = 0;
    }
    if ((1u << event) & PEP669_JUMP_EVENTS) {
        cd->jump_disables++;
    }
    if (event == PEP669_EV_LINE) {
        cd->line_disables++;
    }
    return 0;
}

/* Recompute what derives from the global sets, bump the version, and let
 * the backend follow. */
static int
registry_changed(void)
{
    Pep669Registry *r = &pep669_registry;
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
    /* C_RETURN and C_RAISE go wherever CALL goes. */
    r->global_tools[PEP669_EV_C_RETURN] = r->global_tools[PEP669_EV_CALL];
    r->global_tools[PEP669_EV_C_RAISE] = r->global_tools[PEP669_EV_CALL];
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        if (r->global_tools[ev]) {
            all |= 1u << ev;
        }
    }
    r->global_union = all;
    if (memcmp(before, r->global_tools, sizeof(before)) != 0) {
        r->capi_version++;
    }
    all = 0;
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
    r->stop_iteration_anywhere =
        (all & PEP669_BIT(STOP_ITERATION)) != 0 &&
        r->callback_tools[PEP669_EV_STOP_ITERATION] != 0;
    for (Pep669CodeData *cd = r->local_codes;
         cd != NULL && !r->stop_iteration_anywhere; cd = cd->next_local) {
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if ((cd->local_events[tool] & PEP669_BIT(STOP_ITERATION)) &&
                r->callbacks[tool][PEP669_EV_STOP_ITERATION] != NULL) {
                r->stop_iteration_anywhere = 1;
            }
        }
    }
    r->version++;
    return pep669_frames_update();
}

/* C_RETURN and C_RAISE can only be set together with CALL and each other
 * (instrumentation.c: C_RETURN_EVENTS / C_CALL_EVENTS); the set keeps
 * CALL only.  -1 with CPython's ValueError otherwise. */
static int
strip_c_events(uint32_t *events)
{
    const uint32_t all = PEP669_C_EVENTS | PEP669_BIT(CALL);
    if ((*events & PEP669_C_EVENTS) && (*events & all) != all) {
        PyErr_SetString(PyExc_ValueError,
                        "cannot set C_RETURN or C_RAISE events independently");
        return -1;
    }
    *events &= ~PEP669_C_EVENTS;
    return 0;
}

static int
check_in_use(int tool)
{
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

static void
set_local(Pep669CodeData *cd, int tool, uint32_t events)
{
    cd->local_events[tool] = events;
    int any = 0;
    for (int t = 0; t < PEP669_TOOL_COUNT; t++) {
        any |= cd->local_events[t] != 0;
    }
    if (any) {
        link_local(cd);
    }
    else {
        unlink_local(cd);
    }
}

int
pep669_clear_tool_id(int tool)
{
    /* 3.14: events, local events and callbacks of the tool go. */
    Pep669Registry *r = &pep669_registry;
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    r->global_events[tool] = 0;
    Pep669CodeData *cd = r->local_codes;
    while (cd != NULL) {
        Pep669CodeData *next = cd->next_local;
        set_local(cd, tool, 0);
        cd = next;
    }
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        Py_CLEAR(r->callbacks[tool][ev]);
    }
    return registry_changed();
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
    if (strip_c_events(&events) < 0 || check_in_use(tool) < 0) {
        return -1;
    }
    pep669_registry.global_events[tool] = events;
    return registry_changed();
}

int
pep669_set_local_events(int tool, PyCodeObject *co, int event_set)
{
    uint32_t events = (uint32_t)event_set;
    if (pep669_check_tool(tool) < 0) {
        return -1;
    }
    if (strip_c_events(&events) < 0) {
        return -1;
    }
    if (events & ~PEP669_LOCAL_EVENTS) {
        PyErr_Format(PyExc_ValueError, "invalid local event set 0x%x",
                     events);
        return -1;
    }
    if (check_in_use(tool) < 0) {
        return -1;
    }
    Pep669CodeData *cd;
    if (events == 0) {
        cd = pep669_code_data(co);
        if (cd == NULL) {
            /* Nothing changes (but see pep669_register_callback). */
            return pep669_backend_recheck_eval_hook();
        }
    }
    else {
        cd = pep669_code_data_ensure(co);
        if (cd == NULL) {
            return -1;
        }
    }
    set_local(cd, tool, events);
    return registry_changed();
}

uint32_t
pep669_get_local_events(int tool, PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data(co);
    return cd == NULL ? 0 : cd->local_events[tool];
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
    if (((old == NULL) != (func == Py_None) ? registry_changed()
                                            : pep669_backend_recheck_eval_hook())
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
    r->restart_version = r->version + 1;
    r->capi_version++;
    return registry_changed();
}

void
pep669_registry_callbacks_changed(void)
{
    /* An exception is already set by the caller; keep it. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (registry_changed() < 0) {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
}
