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

/* How the frame arrives at unit `to` from an instruction with `flags`
 * (NODE_*), by going on (jump 0) or by its jump (1): ARRIVAL_*.
 * `reports`: legacy tracing reports a line on the way; `mixed`: the
 * instruction may run without its line reported (another line: pass 5
 * settles it, lineflow_last.c); `same_line`: both have the same line. */
static inline uint8_t
pep669_arrival_by(uint8_t flags, int jump, int reports, int mixed,
                  int same_line)
{
    if (jump ? (flags & (NODE_HANDLER | NODE_FLOW_TARGET)) == NODE_HANDLER
             : (flags & NODE_RETURN) != 0) {
        return ARRIVAL_UNSURE;
    }
    if (!reports) {
        return ARRIVAL_SAME;
    }
    if (mixed) {
        return same_line ? ARRIVAL_UNSURE : ARRIVAL_MIXED;
    }
    if (same_line) {
        return ARRIVAL_SAME;
    }
    /* (going on, or 3.8's CALL_FINALLY) */
    return (!jump || (flags & NODE_HANDLER)) ? ARRIVAL_NEW_ON : ARRIVAL_NEW;
}

/* Pass 4's work at each instruction the frame can run, done where pass 3
 * reaches it (once each; `how`: START_FLOW from the flow's walk,
 * START_HANDLER from the handlers'): the LINE locations its edges arrive
 * at (the first line, then every arrival with a line event that can be a
 * new line for the trampoline, and the places entered from elsewhere;
 * those only reachable through a handler apart, START_HANDLER alone; a
 * location is a unit from the first line on that has a line: pass 1's
 * NEXT_LINE, TARGET_LINE), each unit onto `locs` when it first becomes
 * one; how the frame arrives at each unit (ARRIVAL_* in mixed's spare
 * bits, MIXED read as pass 2 left it), or-ed into `arrivals`. */
typedef struct {
    const uint8_t *node, *edge;
    const int *next, *target;
    uint8_t *start, *mixed;
    int *locs;
    int nlocs;
    uint8_t arrivals;
} Pep669Arrive;

#define PEP669_START_AT(a, to, bits) \
    do { \
        uint8_t *s_ = &(a)->start[(to) >> 1]; \
        if (*s_ == 0) { \
            (a)->locs[(a)->nlocs++] = (to) >> 1; \
        } \
        *s_ |= (bits); \
    } while (0)

/* (inlined in the walks: a call per instruction costs about a tenth of
 * the analysis) */
static inline __attribute__((always_inline)) void
pep669_flow_arrive(Pep669Arrive *a, int u, uint8_t how)
{
    uint8_t flags = a->node[u], way = a->edge[u];
    int is_mixed = a->mixed[u] & MIXED;
    int to = a->next[u];
    if (to >= 0) {
        /* going on: to a return point's next, or with a new line */
        if ((way & NEXT_LINE) &&
            ((flags & NODE_RETURN) ||
             ((way & NEXT_REPORTS) && (is_mixed || !(way & NEXT_SAME))))) {
            PEP669_START_AT(a, to, how);
        }
        uint8_t arr = pep669_arrival_by(flags, 0, way & NEXT_REPORTS,
                                        is_mixed, way & NEXT_SAME);
        a->mixed[to >> 1] |= arr;
        a->arrivals |= arr;
    }
    /* jumping: to a handler (entered from elsewhere), or with a new line */
    to = a->target[u];
    if (to >= 0) {
        if (way & TARGET_LINE) {
            if (flags & NODE_HANDLER) {
                PEP669_START_AT(a, to, (flags & NODE_FLOW_TARGET)
                                           ? how : START_HANDLER);
            }
            else if ((way & TARGET_REPORTS) &&
                     (is_mixed || !(way & TARGET_SAME))) {
                PEP669_START_AT(a, to, how);
            }
        }
        uint8_t arr = pep669_arrival_by(flags, 1, way & TARGET_REPORTS,
                                        is_mixed, way & TARGET_SAME);
        a->mixed[to >> 1] |= arr;
        a->arrivals |= arr;
    }
}

/* Pass 3's second half (lineflow_hand.c): NODE_HANDLER_REACHED from the
 * code's handlers (`handlers`, offsets, the backend's) and from the `nseeds`
 * handler units stored below stack[top] (the reached code's), walking with
 * the bottom of `stack`; pep669_flow_arrive at each node it marks. */
void pep669_flow_handler_reach(Pep669Arrive *a, uint8_t *node, int *stack,
                               const int *handlers, int nhandlers, int end,
                               int top, int nseeds);

#endif
