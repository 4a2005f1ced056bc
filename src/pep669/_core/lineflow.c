/* The bytecode flow analysis behind the line-level events: facts of the
 * bytecode alone, computed once per code object and kept in its code data
 * (they never go stale: a code object's bytecode does not change).
 *   - the unit map (pep669_code_units_slow): what each code unit is;
 *   - the line of each unit and legacy tracing's rule for reporting one;
 *   - the LINE locations (pep669_find_line_starts, in small passes over a flow
 *     graph): where legacy tracing can report a line that is not the last
 *     one it reported in the frame, split into those the frame's flow
 *     reaches and those only an exception handler reaches; with them,
 *     which units the flow reaches and where line probes can stand in.
 * What of this is still wanted, given the DISABLEs, is wanted.c.  Bytecode
 * is read through the backend's accessors (backend.h). */
#include "lineflow.h"
#include "backend.h"

#include <string.h>

int
pep669_code_lines_ensure(PyCodeObject *co, Pep669CodeData *cd)
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

/* The unit map's bits of the instruction `st` describes, which starts at
 * `off` (its first prefix), into units[]. */
static inline void
map_instruction(uint8_t *units, int off, const Pep669Step *st)
{
    int at = st->at, cls = st->cls;
    for (int u = off >> 1; u < at >> 1; u++) {
        units[u] = PEP669_UNIT_INSTR | PEP669_UNIT_PREFIX;
    }
    units[at >> 1] |= PEP669_UNIT_INSTR;
    if (st->kind >= 0) {
        units[at >> 1] |= st->kind == PEP669_EV_JUMP ? PEP669_UNIT_JUMP
                                                     : PEP669_UNIT_BRANCH;
        units[off >> 1] |= PEP669_UNIT_JUMP_EVENT;
    }
    if (cls & PEP669_INSTR_CALL) {
        units[off >> 1] |= PEP669_UNIT_CALL_EVENT;
    }
    if (cls & (PEP669_INSTR_RERAISE | PEP669_INSTR_HANDLER_EXIT)) {
        units[off >> 1] |= PEP669_UNIT_RERAISE_EVENT;
    }
    if (cls & PEP669_INSTR_QUIET_BACK) {
        units[at >> 1] |= PEP669_UNIT_QUIET_BACK;
    }
}

/* A new unit map (zeroed, nunits + 1 bytes); NULL without memory. */
static uint8_t *
units_alloc(Pep669CodeData *cd)
{
    return PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
}

const uint8_t *
pep669_code_units_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->units != NULL) {
        return cd->units;
    }
    int end = (int)cd->nunits * 2;
    uint8_t *units = units_alloc(cd);
    if (units == NULL) {
        return NULL;
    }
    /* Legacy tracing reports no instruction of 3.11's prefix. */
    for (int off = pep669_backend_first_line_offset(co); off < end;) {
        Pep669Step st;
        pep669_backend_step(co, off, &st);
        if (st.at >= end) {
            break;
        }
        map_instruction(units, off, &st);
        off = st.after;
    }
    cd->units = units;
    return units;
}

/* Whether the forward branch at `src` jumps to an unconditional backward
 * jump on its own line (or on none), as the end of an `if` that is the
 * last statement of a loop's body: 3.12+ thread the branch to that jump's
 * target, and having no backward conditional jump, then reverse it (the
 * reversed branch jumps to the old fall-through, over a JUMP_BACKWARD on
 * the branch's line to the old target). */
static int
jumps_back(PyCodeObject *co, Pep669CodeData *cd, int src, int target)
{
    int at = target, next, jump;
    if (cd == NULL || pep669_code_lines_ensure(co, cd) < 0) {
        return 0;
    }
    if (pep669_backend_instr_class(co, src) & PEP669_INSTR_FOR_ITER) {
        return 0;
    }
    if (pep669_backend_jump_kind(co, &at, &next, &jump) != PEP669_EV_JUMP ||
        jump < 0 || jump >= at) {
        return 0;
    }
    /* (3.12 threads only a jump that starts its block: not the end of a
     * `try` body, which starts with the body's POP_BLOCK, an instruction
     * on 3.8-3.10, a change of exception-table entry on 3.11) */
    return (cd->lines[at >> 1] == cd->lines[src >> 1] ||
            cd->lines[at >> 1] < 0) &&
           pep669_backend_same_handler(co, src, at);
}

/* 3.8/3.9 (no copy of a `while` loop's test at the bottom): whether the
 * backward branch at `src` (to `target`) is one that 3.12+ do not reverse:
 * a jump back to a `while` loop's test (3.12+ jump forward to the copy),
 * or such a test, which a later jump on its line comes back to (3.12+
 * report its first run as a reversed branch, its later ones as the copy:
 * the second are the many, and have the sides of a forward branch). */
static int
loop_test_at_top(PyCodeObject *co, Pep669CodeData *cd, int src, int target)
{
    const uint8_t *units = pep669_code_units(co, cd);
    int line = cd->lines[src >> 1], at = target, n, t;
    if (units == NULL || cd->line_rule != PEP669_LINES_WINDOW || line < 0) {
        return 0;
    }
    if (pep669_backend_jump_kind(co, &at, &n, &t) != PEP669_EV_BRANCH ||
        !(pep669_backend_instr_class(co, at) & PEP669_INSTR_FOR_ITER)) {
        return 1;
    }
    for (int u = (src >> 1) + 1; u < cd->nunits; u++) {
        int at = 2 * u, next, jump;
        if ((units[u] & PEP669_UNIT_JUMP_EVENT) &&
            pep669_backend_jump_kind(co, &at, &next, &jump) ==
                PEP669_EV_JUMP &&
            jump > target && jump <= src && cd->lines[jump >> 1] == line) {
            return 1;
        }
    }
    return 0;
}

int
pep669_branch_side(PyCodeObject *co, Pep669CodeData *cd, int src, int next,
                   int target, int dest)
{
    int left = dest == next;
    /* (the target from the instruction's first prefix: a caller that
     * decoded it from its opcode unit has only its low byte) */
    const uint8_t *units = cd != NULL ? pep669_code_units(co, cd) : NULL;
    int first = src, at, n;
    while (units != NULL && first > 0 &&
           (units[(first >> 1) - 1] & PEP669_UNIT_PREFIX)) {
        first -= 2;
    }
    at = first;
    if (first != src &&
        pep669_backend_jump_kind(co, &at, &n, &target) != PEP669_EV_BRANCH) {
        target = -1;
    }
    /* 3.12+ have no backward conditional jump: they reverse it, over a
     * JUMP_BACKWARD to its target (the while loop's copied test too), so
     * its taken edge is their fall-through, LEFT, and its fall-through
     * their taken edge, RIGHT. */
    if (target >= 0 && target < src && cd != NULL &&
        pep669_code_lines_ensure(co, cd) == 0 &&
        !loop_test_at_top(co, cd, src, target)) {
        left = !left;
    }
    else if (target > src && jumps_back(co, cd, src, target)) {
        left = !left;
    }
    return left ? PEP669_EV_BRANCH_LEFT : PEP669_EV_BRANCH_RIGHT;
}

/* ---- The LINE locations ------------------------------------------------
 *
 * Where legacy tracing can report a line that is not the last one it
 * reported in the frame (the trampoline's rule), following the flow of the
 * bytecode: the frame's first line, the instructions control reaches with
 * a line event (by going on, or jumping) from an instruction on another
 * line, or from one that the frame may have reached without a line event
 * from another line (3.8/3.9 forward jumps into the middle of a line,
 * instructions without a line, handlers), and exception handlers.  Never
 * fewer than the places where LINE can fire: DISABLE of all of them means
 * none can. */

/* Per unit, in Flow.node: an instruction the frame can run (from the
 * first line on), at its first unit (its first prefix). */
#define NODE 1
#define NODE_HANDLER 2  /* its target is a handler (no jump of its own) */
#define NODE_RETURN 4   /* control comes back to its next from elsewhere */
#define NODE_FLOW_TARGET 8  /* (with NODE_HANDLER) no handler: normal flow */
#define NODE_REACHED 16 /* reachable from the start without exceptions */

/* Per unit, in Flow.mixed: the frame may arrive there without a line
 * event, having reported a line other than the instruction's last. */
#define MIXED 1
/* (later, for the probe placement: an arrival with a new line seen, one
 * by going on, one without, one that may or may not be) */
#define ARRIVAL_NEW 2
#define ARRIVAL_NEW_ON 4
#define ARRIVAL_SAME 8
#define ARRIVAL_UNSURE 16

/* Per NODE, in Flow.edge: of its two successors (next, target), whether
 * legacy tracing reports a line on the way there (REPORTS_LINE) and
 * whether it has the instruction's line (computed once, in pass 1). */
#define NEXT_REPORTS 1
#define NEXT_SAME 2
#define TARGET_REPORTS 4
#define TARGET_SAME 8

/* Per unit, in Flow.start: a LINE location, reached by the frame's flow,
 * or by an exception handler. */
#define START_FLOW 1
#define START_HANDLER 2

/* One code object's flow graph and the passes' work arrays.  Arrays are
 * per unit (nunits + 1 entries), in one allocation; offsets are byte
 * offsets (unit * 2).  (The passes copy what they use into locals: their
 * byte stores could alias anything, so the compiler would otherwise load
 * every field again after each.) */
typedef struct {
    PyCodeObject *co;
    Pep669CodeData *cd;
    const uint8_t *units;
    uint8_t *new_units; /* the unit map, when build_graph makes it */
    const int *lines;
    int line_rule;      /* PEP669_LINES_* */
    Py_ssize_t nunits;
    int end;            /* nunits * 2 */
    int first;          /* offset of the first line (3.11: past the prefix) */
    int unknown;        /* a jump to an unknown place was seen */
    int nhandlers;
    int *handlers;      /* handlers that are no flow target (backend) */
    int *next;          /* per NODE: offset of the next instruction, or -1 */
    int *target;        /* per NODE: offset of its jump target, or -1 */
    int *stack;         /* work list of units */
    uint8_t *node;      /* NODE_* */
    uint8_t *edge;      /* NEXT_*, TARGET_* */
    uint8_t *mixed;     /* MIXED, ARRIVAL_* */
    uint8_t *start;     /* START_* */
} Flow;

/* Does arriving at `to` from `from` make legacy tracing report a line?
 * (pep669_reports_line, from the pass's locals) */
#define REPORTS_LINE(from, to) \
    pep669_line_reported(lines, line_rule, units, (from), (to))

/* -1 without memory (f->handlers, the block, and f->new_units are then
 * NULL or allocated: PyMem_RawFree() them either way). */
static int
flow_alloc(Flow *f, PyCodeObject *co, Pep669CodeData *cd)
{
    Py_ssize_t nunits = cd->nunits;
    memset(f, 0, sizeof(*f));
    f->co = co;
    f->cd = cd;
    f->nunits = nunits;
    f->end = (int)nunits * 2;
    f->first = pep669_backend_first_line_offset(co);
    f->units = cd->units;
    if (f->units == NULL) {
        /* (made by build_graph, in its pass over the bytecode) */
        f->new_units = units_alloc(cd);
        if (f->new_units == NULL) {
            return -1;
        }
        f->units = f->new_units;
    }
    f->nhandlers = pep669_backend_handlers(co, NULL, 0);
    /* handlers, next, target, stack, lines unless the code data has them
     * (ints), then node, mixed, start.  (The analysis's line table is a
     * work array: only the jump regions, wanted.c, keep one, made when
     * they need it.) */
    int own_lines = cd->lines == NULL;
    size_t ints = (size_t)(f->nhandlers + 1) +
                  (3 + (size_t)own_lines) * (size_t)(nunits + 1);
    size_t bytes = 4 * (size_t)(nunits + 1);
    int *block = PyMem_RawMalloc(sizeof(int) * ints + bytes);
    if (block == NULL) {
        return -1;
    }
    f->handlers = block;
    f->next = f->handlers + f->nhandlers + 1;
    f->target = f->next + nunits + 1;
    f->stack = f->target + nunits + 1;
    if (own_lines) {
        int *lines = f->stack + nunits + 1;
        f->line_rule = pep669_backend_code_lines(co, lines);
        f->lines = lines;
    }
    else {
        f->lines = cd->lines;
        f->line_rule = cd->line_rule;
    }
    f->node = (uint8_t *)(f->stack + (1 + own_lines) * (nunits + 1));
    f->edge = f->node + nunits + 1;
    f->mixed = f->edge + nunits + 1;
    f->start = f->mixed + nunits + 1;
    memset(f->node, 0, bytes);
    (void)pep669_backend_handlers(co, f->handlers, f->nhandlers);
    return 0;
}

/* Pass 1: the instructions the frame can run (from the first line on),
 * where each can go next and how (Flow.edge), and the places entered from
 * elsewhere (MIXED: handlers, the instruction after a return point).
 * (REPORTS_LINE of a backward edge reads the unit map at its target,
 * which this pass has mapped already when it makes the map.) */
static void
build_graph(Flow *f)
{
    PyCodeObject *co = f->co;
    const uint8_t *units = f->units;
    uint8_t *new_units = f->new_units;
    const int *lines = f->lines;
    int line_rule = f->line_rule;
    int *next_of = f->next, *target_of = f->target;
    uint8_t *node = f->node, *edge = f->edge, *mixed = f->mixed;
    int end = f->end, first = f->first, unknown = 0, mapping = 1;
    for (int off = 0; off < end;) {
        Pep669Step st;
        pep669_backend_step(co, off, &st);
        int at = st.at, next = st.next, target = st.target;
        if (new_units != NULL && off >= first && mapping) {
            /* (the unit map's pass, pep669_code_units_slow, in this one) */
            if (at >= end) {
                mapping = 0;
            }
            else {
                map_instruction(new_units, off, &st);
            }
        }
        if (!st.known) {
            /* A jump to an unknown place (none is expected). */
            unknown = 1;
            next = st.after;
            target = -1;
        }
        if (at >= first) {
            int u = off >> 1;
            int cls = st.cls;
            uint8_t flags = NODE;
            uint8_t how = 0;
            next = next < end ? next : -1;
            next_of[u] = next;
            target_of[u] = target;
            if (next >= 0) {
                how |= (REPORTS_LINE(off, next) ? NEXT_REPORTS : 0) |
                       (lines[next >> 1] == lines[u] ? NEXT_SAME : 0);
            }
            if (target >= 0) {
                how |= (REPORTS_LINE(off, target) ? TARGET_REPORTS : 0) |
                       (lines[target >> 1] == lines[u] ? TARGET_SAME : 0);
            }
            edge[u] = how;
            if (target >= 0 && !(cls & PEP669_INSTR_FLOW_JUMP) &&
                st.kind < 0) {
                /* SETUP_FINALLY, SETUP_WITH, ... (up to 3.10): a handler;
                 * 3.8's CALL_FINALLY: the finally block.  Entered from
                 * anywhere. */
                flags |= NODE_HANDLER;
                mixed[target >> 1] = MIXED;
            }
            if ((cls & PEP669_INSTR_RETURN_POINT) && next >= 0) {
                flags |= NODE_RETURN;
                mixed[next >> 1] = MIXED;
            }
            if (cls & PEP669_INSTR_RETURN_POINT) {
                /* (CALL_FINALLY: its target is no handler) */
                flags |= NODE_FLOW_TARGET;
            }
            node[u] = flags;
        }
        off = st.after;
    }
    for (int i = 0; i < f->nhandlers; i++) {
        if (f->handlers[i] >= 0 && f->handlers[i] < end) {
            mixed[f->handlers[i] >> 1] = MIXED;
        }
    }
    if (unknown) {
        memset(mixed, MIXED, (size_t)f->nunits);
    }
    f->unknown = unknown;
}

/* Pass 2: MIXED, from every place entered so (pass 1) or from another
 * line without a line event, along the edges without a line event.  (The
 * result is a closure: the order of the work list does not matter.  Each
 * unit enters the list at most once: when it becomes MIXED, or, already
 * MIXED, in the seeding loop.) */
static void
spread_mixed(Flow *f)
{
    const uint8_t *node = f->node, *edge = f->edge;
    const int *next = f->next, *target = f->target;
    int *stack = f->stack, nstack = 0;
    uint8_t *mixed = f->mixed;
    Py_ssize_t nunits = f->nunits;
    for (Py_ssize_t u = 0; u < nunits; u++) {
        uint8_t flags = node[u], how = edge[u];
        if (!(flags & NODE)) {
            continue;
        }
        /* (the two successors written out: a loop over them costs this
         * pass, run once per code object, a third more) */
        int to = next[u];
        if (to >= 0 && !(how & (NEXT_REPORTS | NEXT_SAME))) {
            mixed[to >> 1] = MIXED;
        }
        to = target[u];
        if (to >= 0 && !(flags & NODE_HANDLER) &&
            !(how & (TARGET_REPORTS | TARGET_SAME))) {
            mixed[to >> 1] = MIXED;
        }
    }
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (mixed[u] && (node[u] & NODE)) {
            stack[nstack++] = (int)u;
        }
    }
    while (nstack > 0) {
        int u = stack[--nstack];
        if (!(node[u] & NODE)) {
            continue;
        }
        int succ[2] = {next[u], (node[u] & NODE_HANDLER) ? -1 : target[u]};
        uint8_t reports[2] = {edge[u] & NEXT_REPORTS,
                              edge[u] & TARGET_REPORTS};
        for (int i = 0; i < 2; i++) {
            int to = succ[i];
            if (to >= 0 && !mixed[to >> 1] && !reports[i]) {
                mixed[to >> 1] = MIXED;
                PEP669_ASSERT(nstack < nunits);
                stack[nstack++] = to >> 1;
            }
        }
    }
}

/* Pass 3: NODE_REACHED, what the frame can reach without handling an
 * exception; kept per unit (prefixes with their instruction) in
 * cd->unit_flow (PEP669_FLOW_REACHED; the array is made here, its other
 * bits are pass 5's).  -1 without memory. */
static int
mark_reached(Flow *f)
{
    Pep669CodeData *cd = f->cd;
    const int *next = f->next, *target = f->target;
    int *stack = f->stack, nstack = 0, first = f->first;
    uint8_t *node = f->node;
    Py_ssize_t nunits = f->nunits;
    if (first < f->end && (node[first >> 1] & NODE)) {
        node[first >> 1] |= NODE_REACHED;
        stack[nstack++] = first >> 1;
    }
    while (nstack > 0) {
        int u = stack[--nstack];
        uint8_t flags = node[u];
        int to = next[u];
        if (to >= 0 && (node[to >> 1] & (NODE | NODE_REACHED)) == NODE) {
            node[to >> 1] |= NODE_REACHED;
            stack[nstack++] = to >> 1;
        }
        to = target[u];
        if (to >= 0 &&
            (flags & (NODE_HANDLER | NODE_FLOW_TARGET)) != NODE_HANDLER &&
            (node[to >> 1] & (NODE | NODE_REACHED)) == NODE) {
            node[to >> 1] |= NODE_REACHED;
            stack[nstack++] = to >> 1;
        }
    }
    if (cd->unit_flow == NULL) {
        cd->unit_flow = PyMem_RawCalloc((size_t)nunits + 1, 1);
        if (cd->unit_flow == NULL) {
            return -1;
        }
    }
    uint8_t *reach = cd->unit_flow;
    int unknown = f->unknown;
    if (unknown) {
        memset(reach, PEP669_FLOW_REACHED, (size_t)nunits);
        return 0;
    }
    uint8_t reached = 0;
    for (Py_ssize_t u = 0; u < nunits; u++) {
        if (node[u] & NODE) {
            reached = (node[u] & NODE_REACHED) ? PEP669_FLOW_REACHED : 0;
        }
        reach[u] = (int)u * 2 < first ? PEP669_FLOW_REACHED : reached;
    }
    return 0;
}

static inline void
mark_start(Flow *f, int offset, uint8_t how)
{
    if (offset >= f->first && (offset >> 1) < f->nunits &&
        f->lines[offset >> 1] >= 0) {
        f->start[offset >> 1] |= how;
    }
}

/* Pass 4: the LINE locations: the first line, then every arrival with a
 * line event that can be a new line for the trampoline, and the places
 * entered from elsewhere; those only reachable through a handler are
 * apart (START_HANDLER alone).  (mark_start, inlined: a location is a
 * unit from the first line on that has a line.) */
static void
mark_line_starts(Flow *f)
{
    const uint8_t *node = f->node, *edge = f->edge, *mixed = f->mixed;
    const int *lines = f->lines, *next = f->next, *target = f->target;
    int first = f->first;
    uint8_t *start = f->start;
    Py_ssize_t nunits = f->nunits;
    mark_start(f, first, START_FLOW);
    for (Py_ssize_t u = 0; u < nunits; u++) {
        uint8_t flags = node[u], way = edge[u];
        if (!(flags & NODE)) {
            continue;
        }
        uint8_t how = (flags & NODE_REACHED) ? START_FLOW : START_HANDLER;
        int to = next[u];
        /* going on: to a return point's next, or with a new line */
        if (to >= first && (to >> 1) < nunits && lines[to >> 1] >= 0 &&
            ((flags & NODE_RETURN) ||
             ((way & NEXT_REPORTS) &&
              (mixed[u] || !(way & NEXT_SAME))))) {
            start[to >> 1] |= how;
        }
        /* jumping: to a handler (entered from elsewhere), or with a new
         * line */
        to = target[u];
        if (to >= first && (to >> 1) < nunits && lines[to >> 1] >= 0) {
            if (flags & NODE_HANDLER) {
                start[to >> 1] |= (flags & NODE_FLOW_TARGET) ? how
                                                             : START_HANDLER;
            }
            else if ((way & TARGET_REPORTS) &&
                     (mixed[u] || !(way & TARGET_SAME))) {
                start[to >> 1] |= how;
            }
        }
    }
    for (int i = 0; i < f->nhandlers; i++) {
        mark_start(f, f->handlers[i], START_HANDLER);
    }
}

/* How the frame arrives at a LINE location from an instruction with
 * `flags` (NODE_*), by going on (jump 0) or by its jump (1): ARRIVAL_*.
 * `reports`: legacy tracing reports a line on the way; `mixed`: the
 * instruction may run without its line reported; `same_line`: both have
 * the same line. */
static inline uint8_t
arrival_by(uint8_t flags, int jump, int reports, int mixed, int same_line)
{
    if (jump ? (flags & (NODE_HANDLER | NODE_FLOW_TARGET)) == NODE_HANDLER
             : (flags & NODE_RETURN) != 0) {
        return ARRIVAL_UNSURE;
    }
    if (!reports) {
        return ARRIVAL_SAME;
    }
    if (mixed) {
        return ARRIVAL_UNSURE;
    }
    if (same_line) {
        return ARRIVAL_SAME;
    }
    /* (going on, or 3.8's CALL_FINALLY) */
    return (!jump || (flags & NODE_HANDLER)) ? ARRIVAL_NEW_ON : ARRIVAL_NEW;
}

/* Pass 5 (after pass 3, which made cd->unit_flow): where line probes
 * (probe.c) can stand in for a LINE location
 * reached by the frame's flow: at the location itself if every arrival
 * there is a new line for the trampoline (legacy tracing reports it, and
 * the line reported last, the instruction's before, is another one); else
 * on the jumps that arrive with a new line, if the other arrivals never
 * give one (a for loop's FOR_ITER, reached by its back edges with a new
 * line and from GET_ITER on its own line).  Nowhere if a jump went to an
 * unknown place. */
static void
place_line_probes(Flow *f)
{
    Pep669CodeData *cd = f->cd;
    const uint8_t *node = f->node, *edge = f->edge, *start = f->start;
    const int *next = f->next, *target = f->target;
    uint8_t *mixed = f->mixed, *probes = cd->unit_flow;
    Py_ssize_t nunits = f->nunits;
    if (f->unknown) {
        return;
    }
    /* How the frame arrives at each location (ARRIVAL_* in mixed's spare
     * bits; MIXED is still read as pass 2 left it). */
    for (Py_ssize_t u = 0; u < nunits; u++) {
        uint8_t flags = node[u], way = edge[u];
        if (!(flags & NODE)) {
            continue;
        }
        int to = next[u];
        if (to >= 0 && start[to >> 1] == START_FLOW) {
            mixed[to >> 1] |= arrival_by(
                flags, 0, way & NEXT_REPORTS, mixed[u] & MIXED,
                way & NEXT_SAME);
        }
        to = target[u];
        if (to >= 0 && start[to >> 1] == START_FLOW) {
            mixed[to >> 1] |= arrival_by(
                flags, 1, way & TARGET_REPORTS, mixed[u] & MIXED,
                way & TARGET_SAME);
        }
    }
    if (f->first < f->end && start[f->first >> 1] == START_FLOW) {
        /* The frame's start: a new line, with nothing before. */
        mixed[f->first >> 1] |= ARRIVAL_NEW_ON;
    }
    for (int i = 0; i < f->nhandlers; i++) {
        if (f->handlers[i] >= 0 && f->handlers[i] < f->end) {
            mixed[f->handlers[i] >> 1] |= ARRIVAL_UNSURE;
        }
    }
    for (Py_ssize_t u = 0; u < nunits; u++) {
        uint8_t arrival = mixed[u];
        if (start[u] != START_FLOW || (arrival & ARRIVAL_UNSURE)) {
            continue;
        }
        if (!(arrival & ARRIVAL_SAME)) {
            probes[u] |= PEP669_PROBE_AT;
        }
        else if ((arrival & ARRIVAL_NEW) && !(arrival & ARRIVAL_NEW_ON)) {
            probes[u] |= PEP669_PROBE_EDGES;
        }
    }
    /* The jumps that carry PROBE_EDGES locations' probes. */
    for (Py_ssize_t u = 0; u < nunits; u++) {
        int to = target[u];
        if ((node[u] & NODE) && to >= 0 &&
            (probes[to >> 1] & PEP669_PROBE_EDGES) &&
            !(node[u] & NODE_HANDLER) && !(mixed[u] & MIXED) &&
            (edge[u] & (TARGET_SAME | TARGET_REPORTS)) == TARGET_REPORTS) {
            probes[u] |= PEP669_PROBE_SOURCE;
        }
    }
}

/* Pass 6: the LINE locations into cd->line_starts, flow-reached first.
 * After a jump to an unknown place, every line change is a location and
 * all count as reached by the flow.  -1 without memory. */
static int
collect_line_starts(Flow *f)
{
    Pep669CodeData *cd = f->cd;
    Py_ssize_t n = 0;
    if (f->unknown) {
        for (Py_ssize_t u = 1; u < f->nunits; u++) {
            if (f->lines[u] != f->lines[u - 1]) {
                mark_start(f, (int)u * 2, START_FLOW);
            }
        }
        for (Py_ssize_t u = 0; u < f->nunits; u++) {
            if (f->start[u]) {
                f->start[u] = START_FLOW;
            }
        }
    }
    for (Py_ssize_t unit = 0; unit < f->nunits; unit++) {
        n += f->start[unit] != 0;
    }
    /* (sized to the locations: a few per line, not one per unit) */
    cd->line_starts = PyMem_RawMalloc(sizeof(int) * (size_t)(n + 1));
    if (cd->line_starts == NULL) {
        return -1;
    }
    n = 0;
    for (Py_ssize_t unit = 0; unit < f->nunits; unit++) {
        if (f->start[unit] & START_FLOW) {
            cd->line_starts[n++] = (int)unit * 2;
        }
    }
    cd->nflow_starts = n;
    for (Py_ssize_t unit = 0; unit < f->nunits; unit++) {
        if (f->start[unit] == START_HANDLER) {
            cd->line_starts[n++] = (int)unit * 2;
        }
    }
    cd->nline_starts = n;
    PEP669_ASSERT(n <= f->nunits);
    return 0;
}

int
pep669_find_line_starts(PyCodeObject *co, Pep669CodeData *cd)
{
    Flow f;
    int err = -1;
    PEP669_ASSERT(cd->line_starts == NULL);
    if (flow_alloc(&f, co, cd) < 0) {
        goto done;
    }
    build_graph(&f);
    if (f.new_units != NULL) {
        cd->units = f.new_units;
        f.new_units = NULL;
    }
    spread_mixed(&f);
    if (mark_reached(&f) < 0) {
        goto done;
    }
    mark_line_starts(&f);
    place_line_probes(&f);
    if (collect_line_starts(&f) < 0) {
        goto done;
    }
    err = 0;
done:
    PyMem_RawFree(f.new_units);  /* (NULL once the code data has it) */
    PyMem_RawFree(f.handlers);  /* (the block of every work array) */
    return err;
}

#undef NODE
#undef NODE_HANDLER
#undef NODE_RETURN
#undef NODE_FLOW_TARGET
#undef NODE_REACHED
#undef MIXED
#undef ARRIVAL_NEW
#undef ARRIVAL_NEW_ON
#undef ARRIVAL_SAME
#undef ARRIVAL_UNSURE
#undef NEXT_REPORTS
#undef NEXT_SAME
#undef TARGET_REPORTS
#undef TARGET_SAME
#undef START_FLOW
#undef START_HANDLER
#undef REPORTS_LINE

int
pep669_code_line_starts(PyCodeObject *co, const int **starts, Py_ssize_t *n)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return -1;
    }
    if (cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    *starts = cd->line_starts;
    *n = cd->nline_starts;
    return 0;
}

PyObject *
pep669_code_flow_facts(PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return NULL;
    }
    if (cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
        return PyErr_NoMemory();
    }
    if (pep669_code_lines_ensure(co, cd) < 0) {
        return PyErr_NoMemory();
    }
    PyObject *lines = PyList_New(cd->nunits);
    if (lines == NULL) {
        return NULL;
    }
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        PyObject *line = PyLong_FromLong(cd->lines[u]);
        if (line == NULL) {
            Py_DECREF(lines);
            return NULL;
        }
        PyList_SET_ITEM(lines, u, line);
    }
    /* owned: reach, a byte per unit */
    PyObject *reach = PyBytes_FromStringAndSize(NULL, cd->nunits);
    if (reach == NULL) {
        Py_DECREF(lines);
        return NULL;
    }
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        PyBytes_AS_STRING(reach)[u] =
            (cd->unit_flow[u] & PEP669_FLOW_REACHED) != 0;
    }
    return Py_BuildValue("{s:y#,s:N,s:N,s:i,s:n}",
                         "units", (const char *)cd->units, cd->nunits,
                         "reach", reach, "lines", lines,
                         "line_rule", cd->line_rule,
                         "flow_starts", cd->nflow_starts);
}
