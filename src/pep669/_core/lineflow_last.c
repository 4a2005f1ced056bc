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
 * reading the ways there from an index of every NODE's successors made
 * once per code (its predecessors per unit, in ascending order: the
 * scan of every unit it replaced visited them so), so that the step is
 * linear in the code's size. */
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

/* The NODEs with a way to each unit (next or target): those of unit u
 * are list[first[u] .. first[u + 1]). */
typedef struct {
    Py_ssize_t *first, *list;
} Preds;

static inline Py_ssize_t
unit_at(const Pep669FlowView *v, int off)
{
    return off >= 0 && off / 2 < v->nunits ? off / 2 : -1;
}

/* 0, or -1 out of memory (no exception set: the caller settles every
 * arrival as unsure, as before this step existed). */
static int
preds_make(const Pep669FlowView *v, Preds *pr)
{
    Py_ssize_t n = v->nunits, total = 0;
    pr->list = NULL;
    pr->first = PyMem_RawCalloc((size_t)(2 * n + 1), sizeof(Py_ssize_t));
    if (pr->first == NULL) {
        return -1;
    }
    Py_ssize_t *fill = pr->first + n + 1;   /* (n entries) */
    for (int pass = 0; pass < 2; pass++) {
        for (Py_ssize_t p = 0; p < n; p++) {
            if (!(v->node[p] & NODE)) {
                continue;
            }
            Py_ssize_t a = unit_at(v, v->next[p]),
                       b = unit_at(v, v->target[p]);
            if (b == a) {
                b = -1;
            }
            if (pass == 0) {
                total += (a >= 0) + (b >= 0);
                pr->first[a >= 0 ? a : n] += a >= 0;
                pr->first[b >= 0 ? b : n] += b >= 0;
                continue;
            }
            if (a >= 0) {
                pr->list[fill[a]++] = p;
            }
            if (b >= 0) {
                pr->list[fill[b]++] = p;
            }
        }
        if (pass == 0) {
            /* counts -> starts: first[u] the start of u, first[n] total */
            Py_ssize_t at = 0;
            for (Py_ssize_t u = 0; u < n; u++) {
                Py_ssize_t c = pr->first[u];
                pr->first[u] = fill[u] = at;
                at += c;
            }
            pr->first[n] = at;
            PEP669_ASSERT(at == total);
            pr->list = PyMem_RawMalloc((size_t)(total + 1) *
                                       sizeof(Py_ssize_t));
            if (pr->list == NULL) {
                PyMem_RawFree(pr->first);
                return -1;
            }
        }
    }
    return 0;
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
last_may_be(const Pep669FlowView *v, const Preds *pr, Py_ssize_t s,
            int line)
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
        for (Py_ssize_t k = pr->first[x]; !may && k < pr->first[x + 1];
             k++) {
            Py_ssize_t p = pr->list[k];
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

void
pep669_flow_settle_mixed(const Pep669FlowView *v)
{
    uint8_t *mixed = v->mixed;
    Preds pr;
    int have = preds_make(v, &pr) == 0;
    for (Py_ssize_t u = 0; u < v->nunits; u++) {
        if (v->start[u] != START_FLOW ||
            (mixed[u] & (ARRIVAL_MIXED | ARRIVAL_UNSURE)) != ARRIVAL_MIXED) {
            continue;
        }
        /* Its arrivals from MIXED instructions on another line, with a
         * line event (pass 4's ARRIVAL_MIXED, arrival_by) */
        int off = (int)u * 2, line = v->lines[u];
        uint8_t settled = have ? 0 : ARRIVAL_UNSURE;
        for (Py_ssize_t k = have ? pr.first[u] : 0;
             have && k < pr.first[u + 1]; k++) {
            Py_ssize_t p = pr.list[k];
            uint8_t flags = v->node[p], how = v->edge[p];
            if (!(mixed[p] & MIXED)) {
                continue;
            }
            int on = v->next[p] == off && !(flags & NODE_RETURN) &&
                     (how & (NEXT_REPORTS | NEXT_SAME)) == NEXT_REPORTS;
            int jump = v->target[p] == off &&
                       (how & (TARGET_REPORTS | TARGET_SAME)) ==
                           TARGET_REPORTS;
            if ((jump && (flags & NODE_HANDLER)) ||
                ((on || jump) && last_may_be(v, &pr, p, line))) {
                /* (3.8's CALL_FINALLY into its finally block: unsure) */
                settled = ARRIVAL_UNSURE;
                break;
            }
            settled |= (on ? ARRIVAL_NEW_ON : 0) | (jump ? ARRIVAL_NEW : 0);
        }
        mixed[u] |= settled != 0 ? settled : ARRIVAL_UNSURE;
    }
    if (have) {
        PyMem_RawFree(pr.first);
        PyMem_RawFree(pr.list);
    }
}
