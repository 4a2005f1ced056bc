/* The flow walks behind the placement of a branch's fall-through edge
 * (make_clone, probe.c): whether an edge always arrives first at its
 * destination (only_through), and where a guard stands (straight_runs);
 * and the order of a clone's sites (sites_order).
 * Version-independent: the bytecode is read through the backend. */
#include "probe_walks.h"

#include <string.h>

/* Whether the frame's flow can arrive at `dest` only by the fall-through
 * edge of the branch at `b` the first time: `dest` is out of reach from
 * the code's start and its handlers once that edge is taken away.  Then a
 * probe at `dest` sees that edge first; it is unpatched (every tool
 * DISABLEd it) or the clone retired (not DISABLEd) before any other way
 * arrives there.  Not for code whose frames resume (generators,
 * coroutines): a frame resumed on the clone may have taken the edge
 * before it.  `seen`, `work`: scratch of cd->nunits + 1. */
PEP669_INTERNAL int
only_through(PyCodeObject *co, Pep669CodeData *cd, int b, int dest,
             uint8_t *seen, int *work, Py_ssize_t *budget)
{
    int n = 0, handlers[64];
    /* (a walk of the code per edge: past a budget per clone, a guard) */
    if (*budget < cd->nunits) {
        return 0;
    }
    *budget -= cd->nunits;
    if (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                        CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)) {
        return 0;
    }
    int nh = pep669_backend_handlers(co, handlers, 64);
    if (nh < 0 || nh > 64) {
        return 0;
    }
    memset(seen, 0, (size_t)cd->nunits + 1);
    work[n++] = 0;
    seen[0] = 1;
    for (int i = 0; i < nh; i++) {
        int h = handlers[i] >> 1;
        if (h >= 0 && h < cd->nunits && !seen[h]) {
            seen[h] = 1;
            work[n++] = h;
        }
    }
    while (n > 0) {
        int u = work[--n], next, target;
        int at = pep669_backend_flow(co, u * 2, &next, &target);
        if (at < 0) {
            return 0;
        }
        if (at == b) {
            next = -1;
        }
        int succ[2] = {next, target};
        for (int k = 0; k < 2; k++) {
            if (succ[k] < 0) {
                continue;
            }
            if (succ[k] == dest) {
                return 0;
            }
            int v = succ[k] >> 1;
            if (v < cd->nunits && !seen[v]) {
                seen[v] = 1;
                work[n++] = v;
            }
        }
    }
    return 1;
}

PEP669_INTERNAL int
fall_via(PyCodeObject *co, Pep669CodeData *cd, int b, int dest)
{
    int via = -1, handlers[64], off, next, target;
    int nh = pep669_backend_handlers(co, handlers, 64);
    /* (a frame resumed on the clone: as for only_through) */
    if (dest <= 0 || nh < 0 || nh > 64 ||
        (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                         CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR))) {
        return -1;
    }
    for (int i = 0; i < nh; i++) {
        if (handlers[i] == dest) {
            return -1;
        }
    }
    for (Py_ssize_t u = 0; u < cd->nunits;) {
        int at = pep669_backend_flow(co, (int)u * 2, &next, &target);
        if (at < 0 || (at != b && next == dest) ||
            (target == dest && at != b && via >= 0)) {
            return -1;
        }
        if (target == dest && at != b) {
            via = (int)u * 2;
        }
        u = (at >> 1) + 1;
    }
    off = via;
    if (via < 0) {
        return -1;
    }
    int kind = pep669_backend_jump_kind(co, &off, &next, &target);
    if ((kind != PEP669_EV_BRANCH && kind != PEP669_EV_JUMP) ||
        target != dest || next == dest ||
        !(pep669_unit_flow(cd->unit_flow, off >> 1) & PEP669_FLOW_REACHED)) {
        return -1;
    }
    return via;
}

/* Per instruction (its first unit), the first byte of the straight run
 * of its line that leads to it: the instructions before it on its line
 * that only the one before each leads to, none of them a jump.  A guard
 * stands at the start of its branch's run (the frame is traced from there
 * on: the same line), where the unit after it is the run's own.  NULL
 * without memory or lines (then guards stand at their branches). */
PEP669_INTERNAL int *
straight_runs(PyCodeObject *co, Pep669CodeData *cd, uint8_t *entered)
{
    int size = (int)cd->nunits * 2, handlers[64];
    int nh = pep669_backend_handlers(co, handlers, 64);
    int *run;
    if (cd->lines == NULL || nh < 0 || nh > 64 ||
        (run = PyMem_RawMalloc(sizeof(int) * ((size_t)cd->nunits + 1))) ==
            NULL) {
        return NULL;
    }
    memset(entered, 0, (size_t)cd->nunits + 1);
    for (int i = 0; i < nh; i++) {
        if (handlers[i] >= 0 && handlers[i] < size) {
            entered[handlers[i] >> 1] = 1;
        }
    }
    Pep669Step st;
    for (int s = 0; s < size; s = st.after) {
        pep669_backend_step(co, s, &st);
        if (st.after <= s) {
            PyMem_RawFree(run);
            return NULL;
        }
        if (st.target >= 0 && st.target < size) {
            entered[st.target >> 1] = 1;
        }
    }
    int start = 0, prev_next = -1, prev_line = -2, prev_jump = 1;
    for (int s = 0; s < size; s = st.after) {
        pep669_backend_step(co, s, &st);
        int line = cd->lines[st.at >> 1];
        if (prev_jump || prev_next != s || entered[s >> 1] ||
            line != prev_line || line < 0) {
            start = s;
        }
        run[s >> 1] = start;
        prev_next = st.next;
        prev_line = line;
        prev_jump = st.target >= 0;
    }
    return run;
}

PEP669_INTERNAL int
site_takes_arrival(PyCodeObject *co, const Pep669Site *site)
{
    int next, target;
    return site->line && site->bsrc < 0 && !site->guard &&
           (site->own ||
            (pep669_backend_flow(co, site->src, &next, &target) >= 0 &&
             next < 0 &&
             pep669_backend_exc_handler_at(co, site->src) ==
                 pep669_backend_exc_handler_at(co, site->loc)));
}

PEP669_INTERNAL int
sites_order(Pep669Site *sites, int n, uint8_t *busy, const uint8_t *preds,
            Py_ssize_t nunits)
{
    Pep669Site *tmp = PyMem_RawMalloc(sizeof(Pep669Site) * ((size_t)n + 1));
    if (tmp == NULL) {
        return -1;
    }
    /* (busy: the units where a site's patch starts, and those a jump
     * enters, where the ways to them are counted) */
    memset(busy, 0, (size_t)nunits + 1);
    for (Py_ssize_t u = 0; preds != NULL && u < nunits; u++) {
        busy[u] = preds[u] >= 2;
    }
    for (int i = 0; i < n; i++) {
        busy[(sites[i].src >= 0 ? sites[i].src : sites[i].loc) >> 1] = 1;
    }
    /* (a stable partition in four groups: one pass per group; a branch's
     * site whose jump has a prefix, bsrc past src, reaches far: after the
     * location sites that must fit in their unit, session 16) */
    int k = 0;
    for (int group = 0; group < 4; group++) {
        for (int i = 0; i < n; i++) {
            Py_ssize_t after = (sites[i].loc >> 1) + 1;
            int g = sites[i].src >= 0 ? (sites[i].bsrc > sites[i].src ? 2 : 0)
                    : after < nunits && busy[after] ? 1
                                                     : 3;
            if (g == group) {
                tmp[k++] = sites[i];
            }
        }
    }
    memcpy(sites, tmp, sizeof(Pep669Site) * (size_t)n);
    PyMem_RawFree(tmp);
    return 0;
}

/* Whether a site of sites[0 .. n-1] patches the jump at `src`. */
static int
site_on_jump(const Pep669Site *sites, int n, int src)
{
    for (int i = 0; i < n; i++) {
        if (sites[i].src == src) {
            return 1;
        }
    }
    return 0;
}

PEP669_INTERNAL int
sites_merge_next(PyCodeObject *co, Pep669Site *sites, int n,
                 Py_ssize_t nunits)
{
    /* (per unit, the location site there: its index + 1; per site, 1 once
     * merged into the next) */
    int *at = PyMem_RawCalloc((size_t)nunits + 1, sizeof(int));
    uint8_t *gone = PyMem_RawCalloc((size_t)n + 1, 1);
    if (at == NULL || gone == NULL) {
        PyMem_RawFree(at);
        PyMem_RawFree(gone);
        return n;
    }
    for (int i = 0; i < n; i++) {
        if (sites[i].src < 0 && !sites[i].guard && !sites[i].call &&
            (sites[i].loc >> 1) < nunits) {
            at[sites[i].loc >> 1] = i + 1;
        }
    }
    for (int i = 0; i < n; i++) {
        Pep669Site *a = &sites[i];
        int u = a->loc >> 1;
        int b = a->src < 0 && !a->guard && !a->call && u + 1 < nunits
                    ? at[u + 1] - 1 : -1;
        /* (not where either site fires a fall-through edge only for an
         * unmarked arrival, fvia: the merged site has one src) */
        int form = b >= 0 && !sites[b].own && !sites[b].obranch &&
                           !a->fvia && !sites[b].fvia
                       ? pep669_backend_location_far(co, a->loc) : 0;
        /* (far 4: a's branch falls through to b's location; the probe
         * makes the test after a's events, b's on the fall-through only.
         * Not where b fires a JUMP or marks a way, nor where a is the
         * source of a branch edge's site: its jump is the patch's) */
        if (form == 2 &&
            (sites[b].jump || sites[b].vmark || a->vmark ||
             (sites[b].bsrc >= 0 && sites[b].bsrc != a->loc) ||
             site_on_jump(sites, n, a->loc))) {
            form = 0;
        }
        if (form) {
            /* (the site after it stands for both: a's events arrive at
             * its src) */
            sites[b].src = a->loc;
            sites[b].own = a->line;
            sites[b].obranch = a->bsrc >= 0 ? a->bsrc + 1 : 0;
            sites[b].far = form == 2 ? 4 : 3;
            at[u] = 0;
            at[u + 1] = 0;
            gone[i] = 1;
        }
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!gone[i]) {
            sites[k++] = sites[i];
        }
    }
    PyMem_RawFree(at);
    PyMem_RawFree(gone);
    return k;
}
