/* The flow analysis's forward pass (lineflow.c; private to it, included
 * after pass 1's decoding, lineflow_decode.h, lineflow_map.h): passes 1-4
 * of the flow-reached code in one walk over the bytecode in order,
 * session 19.  At each instruction what pass 1 makes (the decoding, the
 * unit map, the edges and their bits, the jump list), then, its MIXED and
 * its reach being settled by then, MIXED and reach on to its successors
 * (pass 2's closure and pass 3's walk) and, if the flow reaches it, pass
 * 4's arrivals (pep669_flow_arrive_at).  That holds while every edge that
 * would change MIXED or reach goes forward: an instruction's MIXED and
 * reach come only from those before it.  A backward edge that would (a
 * loop's back edge that makes no line event to a head MIXED does not
 * mark, a head only reached from below), or a jump to an unknown place,
 * and the forward pass gives up (returns 1): the caller clears the work
 * arrays and runs the passes one after the other (their results are the
 * same either way: tools/flow_digest.py).  Reach and MIXED set ahead of
 * an instruction that never comes (a target inside another instruction)
 * mark no NODE: every reader asks for NODE first, as the walks did. */
#ifndef PEP669_LINEFLOW_FWD_H
#define PEP669_LINEFLOW_FWD_H

#include "lineflow_flow.h"
#include "lineflow_arrive.h"
#include "lineflow_decode.h"
#include "lineflow_map.h"

_Static_assert(ARRIVAL_SAME == NODE_REACHED >> 1,
               "the same line's arrival from the reach bit");

/* (one copy per line rule and with or without the unit map, as
 * build_graph_as) */
static inline __attribute__((always_inline)) int
forward_pass_as(Flow *f, int line_rule, int map)
{
    uint8_t *new_units = f->new_units;
    const int *lines = f->lines;
    int *next_of = f->next, *target_of = f->target, *stack = f->stack;
    int *jumps = f->jumps;
    uint8_t *node = f->node, *edge = f->edge, *mixed = f->mixed;
    int end = f->end, first = f->first, unknown = 0, back = 0;
    int mapping = map && new_units != NULL;
    int njumps = 0, nseeds = 0, top = (int)f->nunits;
    /* (pass 4's state in locals, stored back at the end) */
    uint8_t *start = f->start, arrivals = 0;
    int *locs = f->locs, nlocs = 0;
    Pep669FlowDecoder dec;
    pep669_flow_decoder(f->co, &dec);
    int stop = end < dec.size ? end : dec.size;
    const uint32_t *table = dec.table;
    const _Py_CODEUNIT *code = dec.code;
    memset(target_of, 255, sizeof(int) * (size_t)f->nunits);
    /* The backend's handlers: MIXED before the walk comes to them. */
    for (int i = 0; i < f->nhandlers; i++) {
        if (f->handlers[i] >= 0 && f->handlers[i] < end) {
            mixed[f->handlers[i] >> 1] = MIXED;
        }
    }
    /* The frame's first line: a location, reached. */
    if (first >= 0 && (first >> 1) < f->nunits && lines[first >> 1] >= 0) {
        start[first >> 1] = START_FLOW;
        locs[nlocs++] = first >> 1;
    }
    if (first < end) {
        node[first >> 1] = NODE_REACHED;
    }
#define FWD_START(to, bits) \
    do { \
        uint8_t *s_ = &start[(to) >> 1]; \
        if (*s_ == 0) { \
            locs[nlocs++] = (to) >> 1; \
        } \
        *s_ |= (bits); \
    } while (0)
    for (int off = 0, after; off < stop; off = after) {
        /* The common instruction (build_graph_as's), a run of them; its
         * one edge goes forward to the next, NODE_HANDLER, _RETURN and
         * _FLOW_TARGET unset.  (In units: u, v; the instruction's node
         * and mixed bits carried in locals from one to the next, stored
         * once.) */
        uint32_t info = table[_Py_OPCODE(code[off >> 1])];
        if ((info & PLAIN_MASK) == PLAIN_INFO && off >= first) {
            int u = off >> 1, ustop = stop >> 1;
            int line = lines[u];
            uint8_t flags = node[u], mx = mixed[u];
            for (;;) {
                int v = u + 1 + (int)PEP669_DEC_CACHES(info), to_line;
                node[u] = (uint8_t)(flags | NODE);
                mixed[u] = mx;
                if (map && mapping) {
                    new_units[u] = (uint8_t)(PEP669_UNIT_INSTR |
                        cls_unit_bits[PEP669_DEC_CLS(info) & 31]);
                }
#ifdef PEP669_DEBUG
                Pep669Step ref;
                pep669_backend_step(f->co, 2 * u, &ref);
                PEP669_ASSERT(ref.at == 2 * u && ref.after == 2 * v &&
                              ref.kind < 0 && ref.target < 0 && ref.known &&
                              !(ref.cls & (PEP669_INSTR_QUIET_BACK |
                                           PEP669_INSTR_RETURN_POINT)) &&
                              (ref.next < end ? ref.next : -1) ==
                                  (v < ustop ? 2 * v : -1));
#endif
                if (v >= ustop) {
                    next_of[u] = -1;
                    edge[u] = 0;
                    u = v;
                    break;
                }
                next_of[u] = 2 * v;
                to_line = lines[v];
                uint8_t reached = flags & NODE_REACHED;
                if (to_line == line &&
                    (line_rule != PEP669_LINES_WINDOW ||
                     lines[v - 1] == line)) {
                    /* (the same line, the common case: no line event, so
                     * MIXED goes on as it is, and if reached an
                     * ARRIVAL_SAME, no location: pep669_plain_table's
                     * entry for these bits; `arrivals` left alone, whose
                     * ARRIVAL_MIXED alone is read) */
                    uint8_t how = (uint8_t)(line >= 0 ? NEXT_SAME | NEXT_LINE
                                                      : NEXT_SAME);
                    PEP669_ASSERT(how == edge_bits(lines, line_rule, node,
                                                   2 * u, line, 2 * v, first));
                    PEP669_ASSERT(pep669_plain_table[PEP669_PLAIN_INDEX(
                                      how, mx & MIXED, reached)] ==
                                  (uint32_t)((mx & MIXED) | (reached >> 1)));
                    edge[u] = how;
                    mx = (uint8_t)(mixed[v] | (mx & MIXED) | (reached >> 1));
                }
                else {
                    int reports;
                    if (line_rule == PEP669_LINES_WINDOW) {
                        reports = to_line != lines[v - 1];
                    }
                    else {
                        reports = to_line >= 0 && to_line != line;
                    }
                    uint8_t how = (uint8_t)(
                        (to_line == line ? NEXT_SAME : 0) |
                        (to_line >= 0 ? NEXT_LINE : 0) |
                        (reports ? NEXT_REPORTS : 0));
                    PEP669_ASSERT(how == edge_bits(lines, line_rule, node,
                                                   2 * u, line, 2 * v, first));
                    edge[u] = how;
                    /* (MIXED on, pass 1's seed and pass 2's spread; if
                     * reached, the next reached and pass 4's arrival) */
                    uint32_t e = pep669_plain_table[PEP669_PLAIN_INDEX(
                        how, mx & MIXED, reached)];
                    if (e & PEP669_PLAIN_START) {
                        FWD_START(2 * v, START_FLOW);
                    }
                    arrivals |= (uint8_t)e;
                    mx = (uint8_t)(mixed[v] | e);
                }
                flags = (uint8_t)(node[v] | reached);
                line = to_line;
                u = v;
                info = table[_Py_OPCODE(code[u])];
                if ((info & PLAIN_MASK) != PLAIN_INFO) {
                    break;
                }
            }
            off = 2 * u;
            if (off < stop) {
                /* (the next instruction's, not plain: its own code makes
                 * it a NODE) */
                node[u] = flags;
                mixed[u] = mx;
            }
            after = off;
            continue;
        }
        Pep669Step st;
        pep669_flow_decode(f->co, &dec, off, &st);
        int at = st.at, next = st.next, target = st.target;
        int cls = st.cls, kind = st.kind, known = st.known;
        after = st.after;
        if (mapping && off >= first) {
            if (at >= end) {
                mapping = 0;
            }
            else {
                map_instruction(new_units, off, at, cls, kind);
            }
        }
        if (!known) {
            unknown = 1;  /* (the passes' way: every unit MIXED) */
            break;
        }
        if (at < first) {
            continue;
        }
        int u = off >> 1;
        uint8_t flags = (uint8_t)(NODE | (node[u] & NODE_REACHED));
        uint8_t how = 0;
        next = next < end ? next : -1;
        next_of[u] = next;
        target_of[u] = target;
        int line = lines[u];
        if ((cls & PEP669_INSTR_QUIET_BACK) && off >= first && at < end) {
            node[at >> 1] = NODE_QUIET_BACK;
            flags |= at == off ? NODE_QUIET_BACK : 0;
        }
        if (next >= 0) {
            how |= edge_bits(lines, line_rule, node, off, line, next, first);
        }
        if (target >= 0) {
            how |= AS_TARGET(edge_bits(lines, line_rule, node, off, line,
                                       target, first));
        }
        edge[u] = how;
        if (target >= 0 && !(cls & PEP669_INSTR_FLOW_JUMP) && kind < 0) {
            flags |= NODE_HANDLER;
        }
        if ((cls & PEP669_INSTR_RETURN_POINT) && next >= 0) {
            flags |= NODE_RETURN;
        }
        if (cls & PEP669_INSTR_RETURN_POINT) {
            flags |= NODE_FLOW_TARGET;
        }
        node[u] = flags;
        if (kind >= 0) {
            jumps[njumps++] = u;
        }
        else if (target >= 0) {
            jumps[njumps++] = ~u;
        }
        uint8_t m = mixed[u] & MIXED;
        int reached = (flags & NODE_REACHED) != 0;
        if (next >= 0) {
            /* (forward: after > off) */
            if ((flags & NODE_RETURN) ||
                (!(how & NEXT_REPORTS) && (m || !(how & NEXT_SAME)))) {
                mixed[next >> 1] |= MIXED;
            }
            if (reached) {
                node[next >> 1] |= NODE_REACHED;
            }
        }
        if (target >= 0) {
            int to_mixed = (flags & NODE_HANDLER) ||
                           (!(how & TARGET_REPORTS) &&
                            (m || !(how & TARGET_SAME)));
            int to_reach = reached && (flags & (NODE_HANDLER |
                                                NODE_FLOW_TARGET)) !=
                                          NODE_HANDLER;
            uint8_t *t = &node[target >> 1];
            if (target >= after) {
                mixed[target >> 1] |= to_mixed ? MIXED : 0;
                *t |= to_reach ? NODE_REACHED : 0;
            }
            else if ((to_mixed && !(mixed[target >> 1] & MIXED)) ||
                     (to_reach && (*t & (NODE | NODE_REACHED)) == NODE)) {
                /* (backward, and it would change what came before) */
                back = 1;
                break;
            }
            if (reached && (flags & (NODE_HANDLER | NODE_FLOW_TARGET)) ==
                               NODE_HANDLER) {
                PEP669_ASSERT(top - nseeds >= 0);
                stack[top - nseeds++] = target >> 1;
            }
        }
        if (reached) {
            Pep669Arrive a = {node, edge, next_of, target_of, start, mixed,
                              locs, nlocs, arrivals};
            pep669_flow_arrive_at(&a, u, START_FLOW, flags, next, target);
            nlocs = a.nlocs;
            arrivals = a.arrivals;
        }
    }
#undef FWD_START
    f->njumps = njumps;
    f->nseeds = nseeds;
    f->nstack = 0;
    f->nlocs = nlocs;
    f->arrivals = arrivals;
    return unknown || back;
}

/* The forward pass (the passes one after the other when it gives up: 1,
 * its work arrays then as flow_alloc left them but the unit map's, which
 * pass 1 writes again, whole). */
static int
forward_pass(Flow *f)
{
    int gave_up;
    if (f->line_rule == PEP669_LINES_WINDOW) {
        gave_up = f->new_units != NULL
                      ? forward_pass_as(f, PEP669_LINES_WINDOW, 1)
                      : forward_pass_as(f, PEP669_LINES_WINDOW, 0);
    }
    else {
        gave_up = f->new_units != NULL
                      ? forward_pass_as(f, f->line_rule, 1)
                      : forward_pass_as(f, f->line_rule, 0);
    }
    if (gave_up) {
        memset(f->node, 0, 5 * (size_t)(f->nunits + 1));
        f->njumps = f->nseeds = f->nstack = f->nlocs = 0;
        f->arrivals = 0;
    }
    return gave_up;
}

#ifdef PEP669_DEBUG
static int mark_reached(Flow *f);

/* (debug builds) The passes one after the other over the same code, after
 * the forward pass and reach_tail: the same graph, MIXED, reach, arrivals
 * and locations (at NODEs: a mark ahead of a unit that is no NODE is
 * nobody's). */
static void
forward_check(const Flow *f)
{
    Flow g;
    int local[FLOW_LOCAL_BYTES / sizeof(int)];
    if (flow_alloc(&g, f->co, f->cd, local, 0) < 0) {
        PyMem_RawFree(g.new_units);
        if (g.handlers != (int *)local) {
            PyMem_RawFree(g.handlers);
        }
        return;  /* (no memory: nothing to compare) */
    }
    PEP669_ASSERT(g.new_units == NULL);  /* (the code data has its map) */
    build_graph(&g);
    spread_mixed(&g);
    if (mark_reached(&g) == 0) {
        for (Py_ssize_t u = 0; u < f->nunits; u++) {
            PEP669_ASSERT(f->mixed[u] == g.mixed[u] &&
                          f->start[u] == g.start[u] &&
                          f->flow[u] == g.flow[u]);
            if (g.node[u] & NODE) {
                PEP669_ASSERT(f->node[u] == g.node[u] &&
                              f->edge[u] == g.edge[u] &&
                              f->next[u] == g.next[u] &&
                              f->target[u] == g.target[u]);
            }
        }
        PEP669_ASSERT(f->nlocs == g.nlocs && f->njumps == g.njumps &&
                      f->mixed_arrivals == g.mixed_arrivals);
        for (int i = 0; i < f->njumps; i++) {
            PEP669_ASSERT(f->jumps[i] == g.jumps[i]);
        }
    }
    if (g.handlers != (int *)local) {
        PyMem_RawFree(g.handlers);
    }
}
#endif

#endif
