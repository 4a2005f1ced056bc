/* Pass 4's decisions at an instruction, as a table (pep669_flow_arrive in
 * lineflow_graph.h reads it): for each combination of the instruction's
 * edge bits (NEXT_*, TARGET_*), its NODE_HANDLER, NODE_RETURN and
 * NODE_FLOW_TARGET and whether MIXED marks it, whether each edge makes
 * its destination a LINE location and how the frame arrives there
 * (ARRIVAL_*).  A constant, built by the compiler from the rules below
 * (one load an instruction instead of about twenty tests). */
#include "lineflow_arrive.h"

/* The parts of an index (PEP669_ARRIVE_INDEX) */
#define WAY(i) ((i) & 63)
#define FLAGS(i) ((((i) >> 5) & (NODE_HANDLER | NODE_RETURN | \
                                NODE_FLOW_TARGET)))
#define IS_MIXED(i) (((i) >> 9) & 1)

/* How the frame arrives from an instruction with `flags` by going on (jump
 * 0) or by its jump (1): `reports`, legacy tracing reports a line on the
 * way; `mixed`, the instruction may run without its line reported (pass 5
 * settles it, lineflow_last.c); `same`, both have the same line. */
#define ARRIVAL(flags, jump, reports, mixed, same) \
    ((jump) ? ((flags) & (NODE_HANDLER | NODE_FLOW_TARGET)) == NODE_HANDLER \
            : ((flags) & NODE_RETURN) != 0) \
        ? ARRIVAL_UNSURE \
    : !(reports) ? ARRIVAL_SAME \
    : (mixed) ? ((same) ? ARRIVAL_UNSURE : ARRIVAL_MIXED) \
    : (same) ? ARRIVAL_SAME \
    /* (going on, or 3.8's CALL_FINALLY) */ \
    : (!(jump) || ((flags) & NODE_HANDLER)) ? ARRIVAL_NEW_ON : ARRIVAL_NEW

/* Going on: to a return point's next, or with a new line. */
#define START_NEXT(i) \
    ((WAY(i) & NEXT_LINE) && \
     ((FLAGS(i) & NODE_RETURN) || \
      ((WAY(i) & NEXT_REPORTS) && (IS_MIXED(i) || !(WAY(i) & NEXT_SAME)))))

/* Jumping: to a handler (entered from elsewhere: the walk's own kind if
 * normal flow goes there too, 1, else START_HANDLER, 2), or with a new
 * line (1). */
#define START_TARGET(i) \
    (!(WAY(i) & TARGET_LINE) ? 0 \
     : (FLAGS(i) & NODE_HANDLER) ? ((FLAGS(i) & NODE_FLOW_TARGET) ? 1 : 2) \
     : ((WAY(i) & TARGET_REPORTS) && \
        (IS_MIXED(i) || !(WAY(i) & TARGET_SAME))) ? 1 : 0)

#define ENTRY(i) \
    ((uint32_t)START_NEXT(i) | ((uint32_t)START_TARGET(i) << 1) | \
     ((uint32_t)(ARRIVAL(FLAGS(i), 0, WAY(i) & NEXT_REPORTS, IS_MIXED(i), \
                         WAY(i) & NEXT_SAME)) << 8) | \
     ((uint32_t)(ARRIVAL(FLAGS(i), 1, WAY(i) & TARGET_REPORTS, IS_MIXED(i), \
                         WAY(i) & TARGET_SAME)) << 16))
#define E4(i) ENTRY(i), ENTRY((i) + 1), ENTRY((i) + 2), ENTRY((i) + 3)
#define E16(i) E4(i), E4((i) + 4), E4((i) + 8), E4((i) + 12)
#define E64(i) E16(i), E16((i) + 16), E16((i) + 32), E16((i) + 48)
#define E256(i) E64(i), E64((i) + 64), E64((i) + 128), E64((i) + 192)

const uint32_t pep669_arrive_table[PEP669_ARRIVE_ENTRIES] = {
    E256(0), E256(256), E256(512), E256(768)
};

_Static_assert(PEP669_ARRIVE_ENTRIES == 1024, "10 bits of index");
_Static_assert((NODE_HANDLER << 5) == 64 && (NODE_RETURN << 5) == 128 &&
               (NODE_FLOW_TARGET << 5) == 256 && MIXED == 1 &&
               NEXT_LINE < 64 && TARGET_LINE < 64 && ARRIVAL_MIXED < 64,
               "the index's and the entry's bits");

/* The forward pass's common instruction (lineflow_fwd.h): one edge, going
 * on, no NODE_HANDLER, _RETURN or _FLOW_TARGET; by PEP669_PLAIN_INDEX
 * what goes into mixed[] at the next instruction (MIXED on, pass 2's
 * closure, and if the flow reaches the instruction pass 4's arrival) and
 * whether the next is a location (PEP669_PLAIN_START). */
#define P_WAY(i) (((i) & 3) | (((i) & 4) << 2))
#define P_MIXED(i) (((i) >> 3) & 1)
#define P_ADD(i) \
    (!(P_WAY(i) & NEXT_REPORTS) && (P_MIXED(i) || !(P_WAY(i) & NEXT_SAME)) \
         ? MIXED : 0)
#define P_ARRIVE(i) ENTRY(PEP669_ARRIVE_INDEX(P_WAY(i), 0, P_MIXED(i)))
#define P_ENTRY(i) \
    ((uint32_t)P_ADD(i) | \
     (((i) & 16) ? (((P_ARRIVE(i) >> 8) & 63) | \
                    ((P_ARRIVE(i) & 1) ? PEP669_PLAIN_START : 0)) : 0))
#define P4(i) P_ENTRY(i), P_ENTRY((i) + 1), P_ENTRY((i) + 2), P_ENTRY((i) + 3)
const uint32_t pep669_plain_table[32] = {
    P4(0), P4(4), P4(8), P4(12), P4(16), P4(20), P4(24), P4(28)
};
_Static_assert(NEXT_REPORTS == 1 && NEXT_SAME == 2 && NEXT_LINE == 16,
               "the plain index's bits");
