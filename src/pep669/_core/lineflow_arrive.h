/* Pass 4 of lineflow.c, done where pass 3's walks reach each instruction
 * (lineflow.c's from the start, lineflow_hand.c's from the handlers): the
 * LINE locations and arrivals its edges make, from the table of
 * lineflow_arrive.c (private to lineflow*.c). */
#ifndef PEP669_LINEFLOW_ARRIVE_H
#define PEP669_LINEFLOW_ARRIVE_H

#include "lineflow_graph.h"
#include "check.h"

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

/* Pass 4's decisions (lineflow_arrive.c), by PEP669_ARRIVE_INDEX: bit 0,
 * going on makes a location (of the walk's kind); bits 1-2, the jump does
 * (1: of the walk's kind, 2: START_HANDLER); bits 8-13 and 16-21, the
 * arrivals (ARRIVAL_*) going on and jumping. */
#define PEP669_ARRIVE_ENTRIES 1024
extern const uint32_t pep669_arrive_table[PEP669_ARRIVE_ENTRIES];
#define PEP669_ARRIVE_INDEX(way, flags, is_mixed) \
    ((way) | (((flags) & (NODE_HANDLER | NODE_RETURN | NODE_FLOW_TARGET)) \
              << 5) | ((is_mixed) << 9))

/* The forward pass's table for its common instruction (lineflow_arrive.c):
 * by its NEXT_* bits, MIXED and NODE_REACHED, the bits to or into mixed[]
 * at the next instruction (MIXED, ARRIVAL_*) and PEP669_PLAIN_START (the
 * next is a LINE location). */
#define PEP669_PLAIN_START 256
#define PEP669_PLAIN_INDEX(how, is_mixed, reached) \
    (((how) & 3) | (((how) & NEXT_LINE) >> 2) | ((is_mixed) << 3) | \
     ((reached) ? 16 : 0))
extern const uint32_t pep669_plain_table[32];

/* (inlined in the walks: a call per instruction costs about a tenth of
 * the analysis; `flags`, `to_next` and `to_target` the caller's loads of
 * node[u], next[u] and target[u], which the byte stores here would make
 * the compiler load again) */
static inline __attribute__((always_inline)) void
pep669_flow_arrive_at(Pep669Arrive *a, int u, uint8_t how, uint8_t flags,
                      int to_next, int to_target)
{
    uint32_t e = pep669_arrive_table[PEP669_ARRIVE_INDEX(
        a->edge[u], flags, a->mixed[u] & MIXED)];
    PEP669_ASSERT(flags == a->node[u] && to_next == a->next[u] &&
                  to_target == a->target[u]);
    if (to_next >= 0) {
        uint8_t arr = (uint8_t)((e >> 8) & 63);
        if (e & 1) {
            PEP669_START_AT(a, to_next, how);
        }
        a->mixed[to_next >> 1] |= arr;
        a->arrivals |= arr;
    }
    if (to_target >= 0) {
        uint8_t arr = (uint8_t)((e >> 16) & 63);
        if (e & 6) {
            PEP669_START_AT(a, to_target, (e & 2) ? how : START_HANDLER);
        }
        a->mixed[to_target >> 1] |= arr;
        a->arrivals |= arr;
    }
}

static inline __attribute__((always_inline)) void
pep669_flow_arrive(Pep669Arrive *a, int u, uint8_t how)
{
    pep669_flow_arrive_at(a, u, how, a->node[u], a->next[u], a->target[u]);
}

#endif
