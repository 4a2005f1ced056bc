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
#include "lineflow_graph.h"
#include "lineflow_flow.h"
#include "lineflow_hand.h"
#include "lineflow_decode.h"
#include "lineflow_map.h"
#include "lineflow_back.h"
#include "backend.h"

#include <string.h>

/* A new unit map (zeroed, nunits + 1 bytes); NULL without memory. */
static uint8_t *
units_alloc(Pep669CodeData *cd)
{
    return PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
}

static const uint8_t *units_again(PyCodeObject *co, Pep669CodeData *cd);
const uint8_t *
pep669_code_units_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->units != NULL) {
        return cd->units;
    }
    if (cd->line_starts != NULL) {
        /* (the analysis ran and dropped it) */
        return units_again(co, cd);
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
        map_instruction(units, off, st.at, st.cls, st.kind);
        off = st.after;
    }
    cd->units = units;
    return units;
}

int
pep669_branch_reversed_jump(PyCodeObject *co, Pep669CodeData *cd, int src,
                            int target)
{
    return cd != NULL && pep669_code_lines_ensure(co, cd) == 0 &&
           !pep669_loop_test_at_top(co, cd, pep669_code_units(co, cd), src,
                                    target);
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


/* Small code's work arrays are on the C stack (bytes; a 20-line function
 * of about 100 units needs about 2,900 up to 3.10, of 3.11's about 190
 * units about 5,400). */
#define FLOW_LOCAL_BYTES 6144

/* -1 without memory (f->new_units is then NULL or allocated:
 * PyMem_RawFree() it either way; the block is `local` or f->handlers,
 * allocated or NULL).  `map`: make the unit map if the code data has
 * none. */
static int
flow_alloc(Flow *f, PyCodeObject *co, Pep669CodeData *cd, void *local,
           int map)
{
    Py_ssize_t nunits = cd->nunits;
    memset(f, 0, sizeof(*f));
    f->co = co;
    f->cd = cd;
    f->nunits = nunits;
    f->end = (int)nunits * 2;
    f->first = pep669_backend_first_line_offset(co);
    if (cd->units == NULL && map) {
        /* (made by build_graph, in its pass over the bytecode) */
        f->new_units = units_alloc(cd);
        if (f->new_units == NULL) {
            return -1;
        }
    }
    /* (read once if there are few: 3.11 parses its exception table) */
    int few[16];
    f->nhandlers = pep669_backend_handlers(co, few, 16);
    /* handlers, next, target, stack, jumps, locs, lines unless the code
     * data has them (ints), then node, edge, mixed, start, flow.
     * (The analysis's line table is a work array: only the jump regions,
     * wanted.c, keep one, made when they need it.) */
    int own_lines = cd->lines == NULL;
    size_t ints = (size_t)(f->nhandlers + 1) +
                  (5 + (size_t)own_lines) * (size_t)(nunits + 1);
    size_t bytes = 5 * (size_t)(nunits + 1);
    size_t size = sizeof(int) * ints + bytes;
    int *block = size <= FLOW_LOCAL_BYTES ? local : PyMem_RawMalloc(size);
    if (block == NULL) {
        return -1;
    }
    f->handlers = block;
    f->next = f->handlers + f->nhandlers + 1;
    f->target = f->next + nunits + 1;
    f->stack = f->target + nunits + 1;
    f->jumps = f->stack + nunits + 1;
    f->locs = f->jumps + nunits + 1;
    if (own_lines) {
        int *lines = f->locs + nunits + 1;
        f->line_rule = pep669_backend_code_lines(co, lines);
        f->lines = lines;
    }
    else {
        f->lines = cd->lines;
        f->line_rule = cd->line_rule;
    }
    f->node = (uint8_t *)(f->locs + (1 + own_lines) * (nunits + 1));
    f->edge = f->node + nunits + 1;
    f->mixed = f->edge + nunits + 1;
    f->start = f->mixed + nunits + 1;
    f->flow = f->start + nunits + 1;
    memset(f->node, 0, bytes);
    if (f->nhandlers <= 16) {
        memcpy(f->handlers, few, sizeof(int) * (size_t)f->nhandlers);
    }
    else {
        (void)pep669_backend_handlers(co, f->handlers, f->nhandlers);
    }
    return 0;
}

/* MIXED at unit `to`, onto the work list the first time (pass 2 spreads
 * it from there). */
#define SET_MIXED(to) \
    do { \
        int to_ = (to); \
        if (!mixed[to_]) { \
            mixed[to_] = MIXED; \
            stack[nstack++] = to_; \
        } \
    } while (0)

/* (pass 1's common instruction: what of its decoding must be, kind -1) */
#define PLAIN_MASK \
    (PEP669_DEC_EXT | PEP669_DEC_STOPS | PEP669_DEC_TARGET | \
     PEP669_DEC_UNKNOWN | PEP669_INSTR_QUIET_BACK | \
     PEP669_INSTR_RETURN_POINT | (255u << 16))
#define PLAIN_INFO (255u << 16)

/* Pass 1: the instructions the frame can run (from the first line on),
 * decoded here (lineflow_decode.h: one load a unit from the backend's
 * table), where each can go next
 * and how (Flow.edge), and the places entered from elsewhere or from another
 * line without a line event (MIXED: handlers, the instruction after a
 * return point, edges without a line event to another line), each onto
 * the work list of pass 2 once.  (edge_bits of a backward edge reads
 * NODE_QUIET_BACK at its target, which this pass has set already.) */
static inline __attribute__((always_inline)) void
build_graph_as(Flow *f, int line_rule, int map)
{
    uint8_t *new_units = f->new_units;
    const int *lines = f->lines;
    int *next_of = f->next, *target_of = f->target, *stack = f->stack;
    int *jumps = f->jumps;
    uint8_t *node = f->node, *edge = f->edge, *mixed = f->mixed;
    int end = f->end, first = f->first, unknown = 0;
    int mapping = map && new_units != NULL;
    int nstack = 0, njumps = 0;
    Pep669FlowDecoder dec;
    pep669_flow_decoder(f->co, &dec);
    int stop = end < dec.size ? end : dec.size;
    const uint32_t *table = dec.table;
    const _Py_CODEUNIT *code = dec.code;
    /* (every target -1 first: the common instruction has none) */
    memset(target_of, 255, sizeof(int) * (size_t)f->nunits);
    for (int off = 0, after; off < stop; off = after) {
        /* The common instruction first (most are), a run of them: no
         * prefix, jump, target, stop, unknown place, return point or
         * QUIET_BACK; from the first line on.  Its one edge goes on,
         * forward (edge_bits written out for that: to > from >= first),
         * to the next one's line. */
        uint32_t info = table[_Py_OPCODE(code[off >> 1])];
        if ((info & PLAIN_MASK) == PLAIN_INFO && off >= first) {
            int line = lines[off >> 1];
            do {
                int u = off >> 1, to_line, reports;
                off += (1 + PEP669_DEC_CACHES(info)) *
                       (int)sizeof(_Py_CODEUNIT);
                node[u] = NODE;
                if (map && mapping) {
                    new_units[u] = (uint8_t)(PEP669_UNIT_INSTR |
                        cls_unit_bits[PEP669_DEC_CLS(info) & 31]);
                }
#ifdef PEP669_DEBUG
                Pep669Step ref;
                pep669_backend_step(f->co, 2 * u, &ref);
                PEP669_ASSERT(ref.at == 2 * u && ref.after == off &&
                              ref.kind < 0 && ref.target < 0 && ref.known &&
                              !(ref.cls & (PEP669_INSTR_QUIET_BACK |
                                           PEP669_INSTR_RETURN_POINT)) &&
                              (ref.next < end ? ref.next : -1) ==
                                  (off < stop ? off : -1));
#endif
                if (off >= stop) {
                    next_of[u] = -1;
                    edge[u] = 0;
                    break;
                }
                next_of[u] = off;
                to_line = lines[off >> 1];
                if (line_rule == PEP669_LINES_WINDOW) {
                    reports = to_line != lines[(off >> 1) - 1];
                }
                else {
                    reports = to_line >= 0 && to_line != line;
                }
                uint8_t how = (uint8_t)((to_line == line ? NEXT_SAME : 0) |
                                        (to_line >= 0 ? NEXT_LINE : 0) |
                                        (reports ? NEXT_REPORTS : 0));
                PEP669_ASSERT(how == edge_bits(lines, line_rule, node, 2 * u,
                                               line, off, first));
                edge[u] = how;
                if (!(how & (NEXT_REPORTS | NEXT_SAME))) {
                    SET_MIXED(off >> 1);
                }
                line = to_line;
                info = table[_Py_OPCODE(code[off >> 1])];
            } while ((info & PLAIN_MASK) == PLAIN_INFO);
            after = off;
            continue;
        }
        /* (the step in locals: the byte stores below could alias it) */
        Pep669Step st;
        pep669_flow_decode(f->co, &dec, off, &st);
        int at = st.at, next = st.next, target = st.target;
        int cls = st.cls, kind = st.kind, known = st.known;
        after = st.after;
        if (mapping && off >= first) {
            /* (the unit map's pass, pep669_code_units_slow, in this one) */
            if (at >= end) {
                mapping = 0;
            }
            else {
                map_instruction(new_units, off, at, cls, kind);
            }
        }
        if (!known) {
            /* A jump to an unknown place (none is expected). */
            unknown = 1;
            next = after;
            target = -1;
        }
        if (at >= first) {
            int u = off >> 1;
            uint8_t flags = NODE;
            uint8_t how = 0;
            next = next < end ? next : -1;
            next_of[u] = next;
            target_of[u] = target;
            int line = lines[u];
            if ((cls & PEP669_INSTR_QUIET_BACK) && off >= first &&
                at < end) {
                /* (where the unit map has it: the opcode's unit) */
                node[at >> 1] = NODE_QUIET_BACK;
                flags |= at == off ? NODE_QUIET_BACK : 0;
            }
            if (next >= 0) {
                how |= edge_bits(lines, line_rule, node, off, line, next,
                                 first);
            }
            if (target >= 0) {
                how |= AS_TARGET(edge_bits(lines, line_rule, node, off,
                                           line, target, first));
            }
            edge[u] = how;
            if (target >= 0 && !(cls & PEP669_INSTR_FLOW_JUMP) &&
                kind < 0) {
                /* SETUP_FINALLY, SETUP_WITH, ... (up to 3.10): a handler;
                 * 3.8's CALL_FINALLY: the finally block.  Entered from
                 * anywhere. */
                flags |= NODE_HANDLER;
                SET_MIXED(target >> 1);
            }
            if ((cls & PEP669_INSTR_RETURN_POINT) && next >= 0) {
                flags |= NODE_RETURN;
                SET_MIXED(next >> 1);
            }
            if (cls & PEP669_INSTR_RETURN_POINT) {
                /* (CALL_FINALLY: its target is no handler) */
                flags |= NODE_FLOW_TARGET;
            }
            node[u] = flags;
            if (kind >= 0) {
                jumps[njumps++] = u;
            }
            else if (target >= 0) {
                jumps[njumps++] = ~u;
            }
            /* going on, or jumping, to another line without a line
             * event */
            if (next >= 0 && !(how & (NEXT_REPORTS | NEXT_SAME))) {
                SET_MIXED(next >> 1);
            }
            if (target >= 0 && !(flags & NODE_HANDLER) &&
                !(how & (TARGET_REPORTS | TARGET_SAME))) {
                SET_MIXED(target >> 1);
            }
        }
    }
    for (int i = 0; i < f->nhandlers; i++) {
        if (f->handlers[i] >= 0 && f->handlers[i] < end) {
            SET_MIXED(f->handlers[i] >> 1);
        }
    }
    if (unknown) {
        memset(mixed, MIXED, (size_t)f->nunits);
        nstack = 0;  /* (nothing left to spread) */
    }
    f->unknown = unknown;
    f->nstack = nstack;
    f->njumps = njumps;
}

/* (one copy of the pass per rule: its test is the inner loop's) */
static void
build_graph(Flow *f)
{
    /* (and one with the unit map, one without) */
    if (f->line_rule == PEP669_LINES_WINDOW) {
        if (f->new_units != NULL) {
            build_graph_as(f, PEP669_LINES_WINDOW, 1);
        }
        else {
            build_graph_as(f, PEP669_LINES_WINDOW, 0);
        }
    }
    else if (f->new_units != NULL) {
        build_graph_as(f, f->line_rule, 1);
    }
    else {
        build_graph_as(f, f->line_rule, 0);
    }
}

/* Pass 2: MIXED, from every place pass 1 put on the work list, along the
 * edges without a line event.  (The result is a closure: the order of the
 * work list does not matter.  Each unit enters the list at most once:
 * when it becomes MIXED.) */
static void
spread_mixed(Flow *f)
{
    const uint8_t *node = f->node, *edge = f->edge;
    const int *next = f->next, *target = f->target;
    int *stack = f->stack, nstack = f->nstack;
    uint8_t *mixed = f->mixed;
    Py_ssize_t nunits = f->nunits;
    (void)nunits;
    while (nstack > 0) {
        int u = stack[--nstack];
        uint8_t flags = node[u], how = edge[u];
        if (!(flags & NODE)) {
            continue;
        }
        int to = next[u];
        if (to >= 0 && !(how & NEXT_REPORTS)) {
            SET_MIXED(to >> 1);
            PEP669_ASSERT(nstack <= nunits);
        }
        to = target[u];
        if (to >= 0 && !(flags & NODE_HANDLER) && !(how & TARGET_REPORTS)) {
            SET_MIXED(to >> 1);
            PEP669_ASSERT(nstack <= nunits);
        }
    }
    f->nstack = 0;
}

#undef SET_MIXED

#include "lineflow_fwd.h"

/* A LINE location at `offset` (from the first line on, with a line). */
static inline void
mark_start(Flow *f, Pep669Arrive *a, int offset, uint8_t how)
{
    if (offset >= f->first && (offset >> 1) < f->nunits &&
        f->lines[offset >> 1] >= 0) {
        PEP669_START_AT(a, offset, how);
    }
}

/* Passes 3 and 4: NODE_REACHED, what the frame can reach without handling
 * an exception, then NODE_HANDLER_REACHED, what the rest of the code the
 * handlers reach (those of the reached code's SETUP_* instructions, the
 * backend's), with pass 4's work at each instruction as the walks reach
 * it (pep669_flow_arrive: the LINE locations, listed in f->locs, and the
 * arrivals; after a jump to an unknown place, at every instruction);
 * then the first line and the handlers.  Reach per unit into f->flow
 * (prefixes and caches with their instruction; PEP669_FLOW_REACHED: its
 * other bits are pass 5's), and cd->unit_flow, where it is kept packed at
 * the end, is made.  -1 without memory. */
static int reach_tail(Flow *f, Pep669Arrive *arrive);
static int
mark_reached(Flow *f)
{
    const int *next = f->next, *target = f->target;
    int *stack = f->stack, nstack = 0, first = f->first;
    /* (the reached code's handlers, seeds at the stack's other end) */
    int nseeds = 0, top = (int)f->nunits;
    uint8_t *node = f->node;
    Pep669Arrive a = {node, f->edge, next, target, f->start, f->mixed,
                      f->locs, 0, 0};
    if (first >= 0 && (first >> 1) < f->nunits &&
        f->lines[first >> 1] >= 0) {
        PEP669_START_AT(&a, first, START_FLOW);
    }
    if (first < f->end && (node[first >> 1] & NODE)) {
        node[first >> 1] |= NODE_REACHED;
        stack[nstack++] = first >> 1;
    }
    /* (the fall-through edges walked without the work list: only jump
     * targets go on it) */
    while (nstack > 0) {
        int u = stack[--nstack];
        for (;;) {
            uint8_t flags = node[u];
            int to = target[u], after = next[u];
            pep669_flow_arrive_at(&a, u, START_FLOW, flags, after, to);
            if (to >= 0 &&
                (flags & (NODE_HANDLER | NODE_FLOW_TARGET)) != NODE_HANDLER &&
                (node[to >> 1] & (NODE | NODE_REACHED)) == NODE) {
                node[to >> 1] |= NODE_REACHED;
                stack[nstack++] = to >> 1;
            }
            else if (to >= 0 && (flags & NODE_HANDLER)) {
                PEP669_ASSERT(top - nseeds > nstack);
                stack[top - nseeds++] = to >> 1;
            }
            if (after < 0 ||
                (node[after >> 1] & (NODE | NODE_REACHED)) != NODE) {
                break;
            }
            node[after >> 1] |= NODE_REACHED;
            u = after >> 1;
        }
    }
    f->nseeds = nseeds;
    /* (a copy: `a` itself stays in registers, its address not taken) */
    Pep669Arrive h = a;
    return reach_tail(f, &h);
}

/* Pass 3's end, after the flow's reach (mark_reached's walk, or the
 * forward pass): what only the handlers reach (from the backend's
 * handlers and the f->nseeds the flow's reach stored), the first line and
 * the handlers' arrivals, reach per unit into f->flow; cd->unit_flow
 * made.  `arrive`: the walk's pass 4 state.  -1 without memory. */
static int
reach_tail(Flow *f, Pep669Arrive *arrive)
{
    Pep669CodeData *cd = f->cd;
    int first = f->first;
    uint8_t *node = f->node, *reach = f->flow;
    Py_ssize_t nunits = f->nunits;
    Pep669Arrive h = *arrive, a;
    pep669_flow_handler_reach(&h, node, f->stack, f->handlers, f->nhandlers,
                              f->end, (int)nunits, f->nseeds);
    a = h;
    for (Py_ssize_t u = 0; f->unknown && u < nunits; u++) {
        /* (what neither reaches runs too, perhaps) */
        if ((node[u] & (NODE | NODE_REACHED | NODE_HANDLER_REACHED)) ==
            NODE) {
            pep669_flow_arrive(&a, (int)u, START_HANDLER);
        }
    }
    h = a;
    for (int i = 0; i < f->nhandlers; i++) {
        mark_start(f, &h, f->handlers[i], START_HANDLER);
        if (f->handlers[i] >= 0 && f->handlers[i] < f->end) {
            h.mixed[f->handlers[i] >> 1] |= ARRIVAL_UNSURE;
        }
    }
    if (first < f->end) {
        /* The frame's start: a new line, with nothing before. */
        h.mixed[first >> 1] |= ARRIVAL_NEW_ON;
    }
    f->mixed_arrivals = (h.arrivals & ARRIVAL_MIXED) != 0;
    f->nlocs = h.nlocs;
    if (f->unknown) {
        memset(reach, PEP669_FLOW_REACHED, (size_t)nunits);
    }
    else if (cd->units != NULL) {
        /* (only with a unit map: every reader of PEP669_FLOW_REACHED
         * reads the map too, and code without one gets it from the
         * analysis again, units_again) */
        /* (units before the first line: reached; 3.11's prefix) */
        uint8_t reached = first > 0 ? PEP669_FLOW_REACHED : 0;
        for (Py_ssize_t u = 0; u < nunits; u++) {
            uint8_t flags = node[u];
            if (flags & NODE) {
                reached = (flags & NODE_REACHED) ? PEP669_FLOW_REACHED : 0;
            }
            reach[u] = reached;
        }
    }
    if (cd->unit_flow == NULL) {
        cd->unit_flow = PyMem_RawMalloc(PEP669_UNIT_FLOW_BYTES(f->nunits));
        if (cd->unit_flow == NULL) {
            return -1;
        }
    }
    return 0;
}

/* Pass 5: where line probes (probe.c) can stand in for a LINE location
 * reached by the frame's flow: at the location itself if every arrival
 * there is a new line for the trampoline (legacy tracing reports it, and
 * the line reported last, the instruction's before, is another one); else
 * on the jumps that arrive with a new line, if the other arrivals never
 * give one (a for loop's FOR_ITER, reached by its back edges with a new
 * line and from GET_ITER on its own line).  Nowhere if a jump went to an
 * unknown place.  With it, the LINE locations into cd->line_starts,
 * flow-reached first (gathered in the work array pass 4 is done with,
 * `stack`: the flow-reached from its start, the handler-only from its
 * end, down).  After a jump to an unknown place, every line change
 * is a location and all count as reached by the flow.  -1 without
 * memory. */
static int
place_and_collect(Flow *f)
{
    Pep669CodeData *cd = f->cd;
    const uint8_t *node = f->node, *edge = f->edge, *mixed = f->mixed;
    const int *target = f->target;
    uint8_t *start = f->start, *probes = f->flow;
    int *flow_list = f->stack, *handler_list = f->stack + f->nunits;
    int nflow = 0, nhandler = 0, edges = 0;
    Py_ssize_t nunits = f->nunits;
    if (f->unknown) {
        for (Py_ssize_t u = 1; u < nunits; u++) {
            if (f->lines[u] != f->lines[u - 1] && (int)u * 2 >= f->first &&
                f->lines[u] >= 0) {
                start[u] |= START_FLOW;
            }
        }
        for (Py_ssize_t u = 0; u < nunits; u++) {
            if (start[u]) {
                flow_list[nflow++] = (int)u * 2;
            }
        }
    }
    else {
        Pep669FlowView v = {node, edge, start, f->mixed, f->next, target,
                            f->lines, f->handlers, f->jumps, nunits,
                            f->first, f->nhandlers, f->njumps};
        int settle = f->mixed_arrivals, *locs = f->locs, nlocs = f->nlocs;
        /* (pass 4's list, in ascending order: it is nearly so) */
        for (int i = 1; i < nlocs; i++) {
            int x = locs[i], j = i;
            for (; j > 0 && locs[j - 1] > x; j--) {
                locs[j] = locs[j - 1];
            }
            locs[j] = x;
        }
        for (int i = 0; i < nlocs; i++) {
            Py_ssize_t u = locs[i];
            uint8_t where = start[u];
            PEP669_ASSERT(where != 0 && (i == 0 || locs[i - 1] < u));
            if (where == START_HANDLER) {
                *--handler_list = (int)u * 2;
                nhandler++;
                continue;
            }
            flow_list[nflow++] = (int)u * 2;
            uint8_t arrival = mixed[u];
            if (settle &&
                (arrival & (ARRIVAL_MIXED | ARRIVAL_UNSURE)) ==
                    ARRIVAL_MIXED) {
                /* (only u's arrivals depend on it: in this loop) */
                arrival |= pep669_flow_settle_mixed(&v, u);
                f->mixed[u] = arrival;
            }
            if (arrival & ARRIVAL_UNSURE) {
                continue;
            }
            if (!(arrival & ARRIVAL_SAME)) {
                probes[u] |= PEP669_PROBE_AT;
            }
            else if (where != START_FLOW) {
                /* (reached by a handler's code too, whose jumps carry
                 * no probe: a probe at it, or none; session 19) */
                continue;
            }
            else if ((arrival & ARRIVAL_NEW) &&
                     !(arrival & ARRIVAL_NEW_ON)) {
                probes[u] |= PEP669_PROBE_EDGES;
                edges = 1;
            }
        }
    }
    /* The jumps that carry PROBE_EDGES locations' probes (pass 1's list
     * of the NODEs with a target) */
    for (int i = 0; edges && i < f->njumps; i++) {
        int u = f->jumps[i] >= 0 ? f->jumps[i] : ~f->jumps[i];
        int to = target[u];
        if ((node[u] & NODE) && to >= 0 &&
            (probes[to >> 1] & PEP669_PROBE_EDGES) &&
            !(node[u] & NODE_HANDLER) &&
            (edge[u] & (TARGET_SAME | TARGET_REPORTS)) == TARGET_REPORTS) {
            probes[u] |= PEP669_PROBE_SOURCE;
        }
    }
    /* (sized to the locations: a few per line, not one per unit; their
     * lines after them, pep669_location_line) */
    int n = nflow + nhandler;
    cd->line_starts = PyMem_RawMalloc(sizeof(int) * (size_t)(n + 1) +
                                      sizeof(int16_t) * (size_t)n);
    if (cd->line_starts == NULL) {
        return -1;
    }
    memcpy(cd->line_starts, flow_list, sizeof(int) * (size_t)nflow);
    for (int i = 0; i < nhandler; i++) {  /* (ascending: reversed) */
        cd->line_starts[nflow + i] = handler_list[nhandler - 1 - i];
    }
    cd->nflow_starts = (int32_t)nflow;
    cd->nline_starts = (int32_t)n;
    pep669_location_lines_keep(f->co, cd, f->lines);
    PEP669_ASSERT(cd->nline_starts <= nunits);
    return 0;
}

/* 3.12+'s JUMP locations (after pass 4): not a forward jump of the flow
 * over code only handlers reach (3.12+ move that code to the end, and drop
 * the jump: lineflow.h), nor one to a small exit block (which 3.12+ copy
 * in its place, also at the end of a handler: a jump only handlers
 * reach); a reversed backward branch too.  (A branch to a jump on its
 * line: 3.12 threads it to the jump's target, 3.13 does not, nor do
 * 3.10/3.11: their JUMP stays, as 3.13's.) */
static void
mark_jumps(Flow *f)
{
    uint8_t *units = f->cd->units;
    const uint8_t *reach = f->flow;
    /* (pep669_branch_reversed_jump reads the code data's line table: it
     * has the analysis's for the pass, not one of its own, kept) */
    int lent = f->cd->lines == NULL;
    f->cd->lines = (int *)f->lines;  /* (the work block: writable) */
    f->cd->line_rule = f->line_rule;
    /* (pass 1 listed the NODEs with a jump event: every unit with
     * PEP669_UNIT_JUMP_EVENT that is a NODE, in order) */
    for (Py_ssize_t u = 0, i = 0; u < f->nunits; u++) {
        while (i < f->njumps && f->jumps[i] < 0) {
            i++;
        }
        if ((units[u] & PEP669_UNIT_JUMP_EVENT) && (f->node[u] & NODE)) {
            PEP669_ASSERT(i < f->njumps && f->jumps[i] == u);
            i++;
        }
        while (i < f->njumps && f->jumps[i] < 0) {
            i++;
        }
        PEP669_ASSERT(u + 1 < f->nunits || i == f->njumps);
    }
    for (int i = 0; !f->unknown && i < f->njumps; i++) {
        if (f->jumps[i] < 0) {
            continue;  /* (no jump event) */
        }
        Py_ssize_t u = f->jumps[i], at = u, to = f->target[u] >> 1;
        /* (a jump only handlers reach: only the small exit's rule) */
        int flow = (reach[u] & PEP669_FLOW_REACHED) != 0;
        while (at < f->nunits && (units[at] & PEP669_UNIT_PREFIX)) {
            at++;
        }
        if (flow && at < f->nunits && (units[at] & PEP669_UNIT_BRANCH) &&
            to < at && f->target[u] >= 0 &&
            pep669_branch_reversed_jump(f->co, f->cd, (int)at * 2,
                                        f->target[u])) {
            units[at] |= PEP669_UNIT_JUMP;
            continue;
        }
        Py_ssize_t v = at + 1;
        while (flow && v < to && !(reach[v] & PEP669_FLOW_REACHED)) {
            v++;
        }
        if (at < f->nunits && (units[at] & PEP669_UNIT_JUMP) && to > at &&
            f->next[u] < 0 &&
            ((flow && v == to) || pep669_jump_to_small_exit(f->co, f->target[u]))) {
            units[u] &= (uint8_t)~PEP669_UNIT_JUMP_EVENT;
            units[at] &= (uint8_t)~PEP669_UNIT_JUMP;
        }
    }
    f->cd->lines = lent ? NULL : f->cd->lines;
}

/* f->flow into cd->unit_flow (made by mark_reached), two units a byte. */
static void
keep_unit_flow(Flow *f)
{
    pep669_unit_flow_pack(f->cd->unit_flow, f->flow, f->nunits);
    for (Py_ssize_t u = 0; u <= f->nunits; u++) {  /* (each reads back) */
        PEP669_ASSERT(pep669_unit_flow(f->cd->unit_flow, u) ==
                      (u < f->nunits ? f->flow[u] : 0));
    }
}

/* For code that wants only these events the analysis makes no unit map
 * (nothing of theirs reads it; a byte a unit, 3.11: about 185 bytes a
 * 20-line function), nor the JUMP locations on it (mark_jumps); asked for
 * later, it is the analysis's again (units_again: the map after
 * mark_jumps is the analysis's). */
static const uint32_t units_dropped_with =
    PEP669_BIT(LINE) | PEP669_FRAME_EVENTS | PEP669_BIT(STOP_ITERATION);

static int
analyse(PyCodeObject *co, Pep669CodeData *cd, int keep_units)
{
    Flow f;
    /* (ints: the block starts with ints) */
    int local[FLOW_LOCAL_BYTES / sizeof(int)];
    int err = -1;
    /* (stale cd->events cost an analysis at most) */
    int map = keep_units || (cd->events & ~units_dropped_with) != 0;
    PEP669_ASSERT(cd->line_starts == NULL);
    /* Code that wants a jump event needs the line table kept (the jump
     * regions and the branch sides read it, wanted.c, pep669_branch_side):
     * made now, the analysis reads it instead of making its own (3.11:
     * about 5,700 instructions a 20-line function, 1,300 on 3.10).
     * (cd->events may be stale: only where the table lives depends on
     * it, never a result.) */
    if ((cd->events & PEP669_JUMP_EVENTS) &&
        pep669_code_lines_ensure(co, cd) < 0) {
        return -1;
    }
    if (flow_alloc(&f, co, cd, local, map) < 0) {
        goto done;
    }
    /* Passes 1-4 in one walk when it can (lineflow_fwd.h), else one
     * after the other. */
    int one = !forward_pass(&f);
    if (!one) {
        build_graph(&f);
    }
    if (f.new_units != NULL) {
        cd->units = f.new_units;
        f.new_units = NULL;
    }
    if (!one) {
        spread_mixed(&f);
    }
    Pep669Arrive a = {f.node, f.edge, f.next, f.target, f.start, f.mixed,
                      f.locs, f.nlocs, f.arrivals};
    if ((one ? reach_tail(&f, &a) : mark_reached(&f)) < 0) {
        goto done;
    }
#ifdef PEP669_DEBUG
    if (one) {
        forward_check(&f);
    }
#endif
    if (cd->units != NULL) {
        mark_jumps(&f);
    }
    if (place_and_collect(&f) < 0) {
        goto done;
    }
    keep_unit_flow(&f);
    err = 0;
done:
    PyMem_RawFree(f.new_units);  /* (NULL once the code data has it) */
    if (f.handlers != local) {
        PyMem_RawFree(f.handlers);  /* (the block of every work array) */
    }
    return err;
}

int
pep669_find_line_starts(PyCodeObject *co, Pep669CodeData *cd)
{
    return analyse(co, cd, 0);
}

/* The unit map of code whose analysis dropped it: the analysis again,
 * whose LINE locations must be the same (debug builds compare). */
static const uint8_t *
units_again(PyCodeObject *co, Pep669CodeData *cd)
{
    int *old = cd->line_starts;
    int32_t nflow = cd->nflow_starts, nline = cd->nline_starts;
    cd->line_starts = NULL;
    if (analyse(co, cd, 1) < 0) {
        /* (a unit map left by a failed analysis may lack its last pass) */
        PyMem_RawFree(cd->units);
        cd->units = NULL;
        PyMem_RawFree(cd->line_starts);
        cd->line_starts = old;
        cd->nflow_starts = nflow;
        cd->nline_starts = nline;
        return NULL;
    }
    PEP669_ASSERT(cd->units != NULL && cd->nflow_starts == nflow &&
                  cd->nline_starts == nline &&
                  memcmp(old, cd->line_starts,
                         sizeof(int) * (size_t)nline) == 0);
    PyMem_RawFree(old);
    return cd->units;
}

#undef AS_TARGET
