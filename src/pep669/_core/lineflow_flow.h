/* The flow analysis's work (lineflow.c): one code object's flow graph and
 * the passes' work arrays, and an edge's bits (private to lineflow.c and
 * the headers it includes: lineflow_fwd.h). */
#ifndef PEP669_LINEFLOW_FLOW_H
#define PEP669_LINEFLOW_FLOW_H

#include "lineflow_graph.h"
#include "codedata.h"

/* One code object's flow graph and the passes' work arrays.  Arrays are
 * per unit (nunits + 1 entries), in one allocation; offsets are byte
 * offsets (unit * 2).  (The passes copy what they use into locals: their
 * byte stores could alias anything, so the compiler would otherwise load
 * every field again after each.) */
typedef struct {
    PyCodeObject *co;
    Pep669CodeData *cd;
    uint8_t *new_units; /* the unit map, when build_graph makes it (NULL:
                         * none made, or the code data's is kept) */
    const int *lines;
    int line_rule;      /* PEP669_LINES_* */
    Py_ssize_t nunits;
    int end;            /* nunits * 2 */
    int first;          /* offset of the first line (3.11: past the prefix) */
    int unknown;        /* a jump to an unknown place was seen */
    int mixed_arrivals; /* pass 4 saw an ARRIVAL_MIXED */
    uint8_t arrivals;   /* (the forward pass's pass 4 arrivals, for
                         * reach_tail) */
    int nhandlers;
    int nstack;         /* entries of `stack` */
    int nseeds;         /* handler units below stack[nunits] (pass 3's
                         * walk, or the forward pass, for the handlers'
                         * reach) */
    int njumps;         /* entries of `jumps` (of both kinds) */
    int *handlers;      /* handlers that are no flow target (backend) */
    int *next;          /* per NODE: offset of the next instruction, or -1
                         * (after pass 4: the handler-only locations) */
    int *target;        /* per NODE: offset of its jump target, or -1 */
    int *stack;         /* work list of units (after pass 3: the
                         * flow-reached locations) */
    int *jumps;         /* the NODEs with a jump event or target (their
                         * first unit), in order: u, ~u without a jump
                         * event (pass 1 lists them for mark_jumps and
                         * lineflow_last.c) */
    uint8_t *node;      /* NODE_* */
    uint8_t *edge;      /* NEXT_*, TARGET_* */
    uint8_t *mixed;     /* MIXED, ARRIVAL_* */
    uint8_t *start;     /* START_* */
    uint8_t *flow;      /* FLOW_REACHED, PROBE_* (cd->unit_flow, packed) */
    int *locs;          /* the units pass 4 made LINE locations (start),
                         * in the order it did */
    int nlocs;
} Flow;

/* The edge from the instruction at `from`, on line `line`, to `to` (in
 * the code), in NEXT_* bits (pep669_line_reported written out with the
 * lines it reads once; the unit map's QUIET_BACK read as NODE_QUIET_BACK,
 * which pass 1 has set at a backward edge's target). */
static inline uint8_t
edge_bits(const int *lines, int line_rule, const uint8_t *node, int from,
          int line, int to, int first)
{
    int to_line = lines[to >> 1], reports;
    uint8_t bits = (to_line == line ? NEXT_SAME : 0) |
                   (to_line >= 0 && to >= first ? NEXT_LINE : 0);
    if (line_rule == PEP669_LINES_WINDOW) {
        reports = to < from || (to >> 1) == 0 ||
                  to_line != lines[(to >> 1) - 1];
    }
    else {
        reports = to_line >= 0 &&
                  (to_line != line ||
                   (to < from && !(node[to >> 1] & NODE_QUIET_BACK)));
    }
    return bits | (reports ? NEXT_REPORTS : 0);
}

/* The same bits of a jump's edge, as TARGET_* */
#define AS_TARGET(bits) \
    ((uint8_t)((((bits) & 3) << 2) | (((bits) & NEXT_LINE) << 1)))

#endif
