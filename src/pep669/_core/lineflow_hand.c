/* What only exception handlers reach (NODE_HANDLER_REACHED, pass 3 of
 * lineflow.c): an instruction that neither the flow from the start nor a
 * handler reaches never runs, and gives no arrival.  Below lineflow.c. */
#include "lineflow_graph.h"

/* NODE_HANDLER_REACHED from the handler at unit `h`, over what
 * NODE_REACHED does not mark (every edge, a handler's included). */
static void
hand_reach(uint8_t *node, int h, const int *next, const int *target,
           int *stack)
{
    int nstack = (node[h] & (NODE | NODE_REACHED | NODE_HANDLER_REACHED)) ==
                 NODE;
    node[h] |= nstack ? NODE_HANDLER_REACHED : 0;
    stack[0] = h;
    while (nstack > 0) {
        int u = stack[--nstack], succ[2] = {next[u], target[u]};
        for (int e = 0; e < 2; e++) {
            int to = succ[e] >> 1;
            if (succ[e] >= 0 &&
                (node[to] & (NODE | NODE_REACHED | NODE_HANDLER_REACHED)) ==
                    NODE) {
                node[to] |= NODE_HANDLER_REACHED;
                stack[nstack++] = to;
            }
        }
    }
}

void
pep669_flow_handler_reach(uint8_t *node, const int *next, const int *target,
                          int *stack, const int *handlers, int nhandlers,
                          int end, int top, int nseeds)
{
    for (int i = 0; i < nhandlers; i++) {
        if (handlers[i] >= 0 && handlers[i] < end) {
            hand_reach(node, handlers[i] >> 1, next, target, stack);
        }
    }
    while (nseeds > 0) {
        /* (its walk stays below the seeds left: it pushes other nodes) */
        hand_reach(node, stack[top - --nseeds], next, target, stack);
    }
}
