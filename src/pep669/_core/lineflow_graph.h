/* The flow graph's per-unit bits, shared by the passes of lineflow.c and
 * the arrival check of lineflow_last.c (private to lineflow*.c). */
#ifndef PEP669_LINEFLOW_GRAPH_H
#define PEP669_LINEFLOW_GRAPH_H

#include <Python.h>

/* Per unit, in Flow.node: an instruction the frame can run (from the
 * first line on), at its first unit (its first prefix). */
#define NODE 1
#define NODE_HANDLER 2  /* its target is a handler (no jump of its own) */
#define NODE_RETURN 4   /* control comes back to its next from elsewhere */
#define NODE_FLOW_TARGET 8  /* (with NODE_HANDLER) no handler: normal flow */
#define NODE_REACHED 16 /* reachable from the start without exceptions */
/* (at an instruction's opcode unit, also one inside a prefixed
 * instruction: the unit map's PEP669_UNIT_QUIET_BACK, which edge_bits
 * reads here, so that pass 1 needs no unit map) */
#define NODE_QUIET_BACK 32
/* reachable only through an exception handler (pass 3): an instruction
 * neither this nor NODE_REACHED marks never runs (3.8-3.10's dead jump
 * after a `continue`'s), and its edges count for nothing */
#define NODE_HANDLER_REACHED 64

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
 * legacy tracing reports a line on the way there (pep669_line_reported),
 * whether
 * it has the instruction's line and whether it can be a LINE location
 * (from the first line on, with a line) (computed once, in pass 1). */
#define NEXT_REPORTS 1
#define NEXT_SAME 2
#define TARGET_REPORTS 4
#define TARGET_SAME 8
#define NEXT_LINE 16
#define TARGET_LINE 32

/* Per unit, in Flow.start: a LINE location, reached by the frame's flow,
 * or by an exception handler. */
#define START_FLOW 1
#define START_HANDLER 2

/* (ARRIVAL_* too) an arrival with a line event from an instruction that
 * MIXED marks, on another line: a new line unless the way there can leave
 * the location's line reported last (lineflow_last.c settles it). */
#define ARRIVAL_MIXED 32

/* What lineflow_last.c reads of the analysis's work arrays (Flow's). */
typedef struct {
    const uint8_t *node, *edge, *start;
    uint8_t *mixed;         /* (a spare bit used, and cleared) */
    const int *next, *target, *lines, *handlers;
    /* the NODEs with a jump target, in order (u, or ~u: one without a
     * jump event) */
    const int *sources;
    Py_ssize_t nunits;
    int first, nhandlers, nsources;
} Pep669FlowView;

/* Pass 5, at a flow-reached LINE location `u` whose arrivals pass 4 left
 * ARRIVAL_MIXED (and not ARRIVAL_UNSURE): what they are, ARRIVAL_NEW (a
 * jump), ARRIVAL_NEW_ON (going on) or ARRIVAL_UNSURE (to be or-ed into
 * mixed[u]; only `u`'s ARRIVAL_* bits depend on it). */
uint8_t pep669_flow_settle_mixed(const Pep669FlowView *v, Py_ssize_t u);

#endif
