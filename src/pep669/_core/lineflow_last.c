/* Which line the trampoline reported last where the frame's flow arrives
 * at a LINE location, with a line event, from an instruction that MIXED
 * marks (one the frame may reach without a line event from another line):
 * pass 4 of lineflow.c leaves such an arrival ARRIVAL_MIXED; here it
 * becomes a new line (ARRIVAL_NEW by a jump, ARRIVAL_NEW_ON going on) if
 * no way to that instruction can leave the location's own line reported
 * last, else ARRIVAL_UNSURE (no probe for the location, as before).
 * 3.10/3.11's `for` loop whose body ends in an `if`: the back edge is a
 * jump without a line, reached from the `if`'s line and from the end of
 * its body, never from the `for` line, so the loop's FOR_ITER location is
 * probed on it and the code runs on probes from its first call.
 * Rare, so done lazily: a walk back from the instruction over the ways
 * there without a line event, at most LAST_VISITS instructions, each
 * reading the ways there (its predecessors, in ascending order: the scan
 * of every unit of session 14's first version visited them so) from the
 * instruction before it and pass 1's list of the NODEs with a jump
 * target, no index (session 15: the index, made for every code with such
 * an arrival, was about a quarter of a 20-line function's analysis). */
#include "check.h"
#include "lineflow_graph.h"

#define LAST_VISITS 16
/* (a spare bit of `mixed`, set on the instructions a walk visits and
 * cleared before it returns) */
#define VISITED 64

/* A way to unit `x` (offset `off`) from the NODE at unit `p`: 0 none, 1
 * without a line event, 2 with one, -1 one from elsewhere (a handler's
 * entry, the return point of 3.8's CALL_FINALLY). */
static inline int
way_from(const Pep669FlowView *v, Py_ssize_t p, int off, int *both)
{
    uint8_t flags = v->node[p], how = v->edge[p];
    int way = 0;
    *both = 0;
    if (v->next[p] == off) {
        if (flags & NODE_RETURN) {
            return -1;
        }
        way = (how & NEXT_REPORTS) ? 2 : 1;
    }
    if (v->target[p] == off) {
        if (flags & NODE_HANDLER) {
            return -1;
        }
        int jump = (how & TARGET_REPORTS) ? 2 : 1;
        *both = way != 0 && way != jump;
        way = way > jump ? way : jump;
    }
    return way;
}

/* The NODEs with a way to unit `x` (offset `off`), in ascending order:
 * the instruction before it, if it goes on there, and the NODEs of pass
 * 1's list of those with a jump target (v->sources) whose target it is.
 * (No index: a code's few ARRIVAL_MIXED locations read a list of its
 * jumps, about a tenth of its instructions, per unit they visit.) */
typedef struct {
    Py_ssize_t ft;      /* the instruction before, or -1 */
    int i;              /* next entry of v->sources */
} Preds;

static inline void
preds_start(const Pep669FlowView *v, Py_ssize_t x, int off, Preds *w)
{
    Py_ssize_t p = x - 1;
    /* (the units between are its prefixes or 3.11's caches: no NODE) */
    while (p >= 0 && !(v->node[p] & NODE)) {
        p--;
    }
    w->ft = p >= 0 && v->next[p] == off ? p : -1;
    w->i = 0;
}

/* The next of them, -1 after the last. */
static inline Py_ssize_t
preds_next(const Pep669FlowView *v, int off, Preds *w)
{
    for (;;) {
        Py_ssize_t p = PY_SSIZE_T_MAX;
        if (w->i < v->nsources) {
            int e = v->sources[w->i];
            p = e >= 0 ? e : ~e;
        }
        if (w->ft >= 0 && w->ft <= p) {
            Py_ssize_t r = w->ft;
            w->ft = -1;
            w->i += r == p;
            return r;
        }
        if (p == PY_SSIZE_T_MAX) {
            return -1;
        }
        w->i++;
        if (v->target[p] == off) {
            return p;
        }
    }
}

/* Whether the line reported last can be `line` (or is unknown) when the
 * frame is at unit `s` (MIXED).  The lines it can be: that of an
 * instruction MIXED does not mark, on a way to `s` without a line event
 * (the closure of MIXED: the line reported last is its own); the line of
 * an instruction reached with one; and the line of each instruction on
 * the way (where the trampoline takes the current instruction's line as
 * the last: a generator resumed after its yield, a retired clone, events
 * changed in a call). */
static int
last_may_be(const Pep669FlowView *v, Py_ssize_t s, int line)
{
    Py_ssize_t stack[LAST_VISITS], visited[LAST_VISITS];
    int nstack = 0, nvisited = 0, may = 0;
    uint8_t *mixed = v->mixed;
    stack[nstack++] = s;
    visited[nvisited++] = s;
    mixed[s] |= VISITED;
    while (!may && nstack > 0) {
        Py_ssize_t x = stack[--nstack];
        int off = (int)x * 2;
        may = v->lines[x] == line || off == v->first;
        for (int i = 0; !may && i < v->nhandlers; i++) {
            may = v->handlers[i] == off;
        }
        Preds w;
        Py_ssize_t p;
        preds_start(v, x, off, &w);
        while (!may && (p = preds_next(v, off, &w)) >= 0) {
            int both, way = way_from(v, p, off, &both);
            if (way == 0) {
                continue;
            }
            if (way < 0 || (way == 2 && v->lines[x] < 0)) {
                may = 1;
                break;
            }
            if (way == 2 && !both) {
                continue;  /* (reported: x's own line, checked) */
            }
            if (!(mixed[p] & MIXED)) {
                may = v->lines[p] == line || v->lines[p] < 0;
            }
            else if (!(mixed[p] & VISITED)) {
                if (nvisited == LAST_VISITS) {
                    may = 1;
                    break;
                }
                stack[nstack++] = p;
                visited[nvisited++] = p;
                mixed[p] |= VISITED;
            }
        }
    }
    for (int i = 0; i < nvisited; i++) {
        mixed[visited[i]] &= (uint8_t)~VISITED;
    }
    return may;
}

uint8_t
pep669_flow_settle_mixed(const Pep669FlowView *v, Py_ssize_t u)
{
    const uint8_t *mixed = v->mixed;
    /* Its arrivals from MIXED instructions on another line, with a line
     * event (pass 4's ARRIVAL_MIXED, arrival_by) */
    int off = (int)u * 2, line = v->lines[u];
    uint8_t settled = 0;
    Preds w;
    Py_ssize_t p;
    preds_start(v, u, off, &w);
    while ((p = preds_next(v, off, &w)) >= 0) {
        uint8_t flags = v->node[p], how = v->edge[p];
        if (!(mixed[p] & MIXED)) {
            continue;
        }
        int on = v->next[p] == off && !(flags & NODE_RETURN) &&
                 (how & (NEXT_REPORTS | NEXT_SAME)) == NEXT_REPORTS;
        int jump = v->target[p] == off &&
                   (how & (TARGET_REPORTS | TARGET_SAME)) == TARGET_REPORTS;
        if ((jump && (flags & NODE_HANDLER)) ||
            ((on || jump) && last_may_be(v, p, line))) {
            /* (3.8's CALL_FINALLY into its finally block: unsure) */
            return ARRIVAL_UNSURE;
        }
        settled |= (on ? ARRIVAL_NEW_ON : 0) | (jump ? ARRIVAL_NEW : 0);
    }
    return settled != 0 ? settled : ARRIVAL_UNSURE;
}
