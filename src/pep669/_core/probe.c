/* Line probes: clones and their probe objects.
 *
 * With the coverage pattern (LINE callbacks that return DISABLE), code
 * with a line that never runs in its normal flow keeps a LINE location
 * that no callback ever disables, and so would keep every frame of it
 * traced.  Instead, a new frame of such code runs a clone: the original
 * bytecode in which each LINE location still wanted jumps to a stub,
 * appended after the code, that calls this clone's probe and jumps back.
 * The frame itself runs untraced; the probe fires LINE there (probe_fire.c,
 * fire_line_probe) and, once the location is DISABLEd, puts the
 * original instruction back for every frame running the clone.
 *
 * A clone is built only where every location it covers is exact (every
 * arrival there is a new line: lineflow.c) so that a probe may fire LINE
 * without knowing where the frame came from, and only while every wanted
 * LINE location stays covered by its probe: a callback that does not
 * DISABLE its location, a restart_events(), a tool gaining LINE or
 * instruction-level events retire the clone (all sites unpatched, its
 * frames traced again as today). */
#include "probe.h"
#include "probe_walks.h"
#include "probe_refused.h"
#include "dispatch.h"

#include <stddef.h>
#include <string.h>

/* What a probe does when its stub calls it (probe_fire.c), registered
 * at initialisation: this file calls nothing above it. */
static vectorcallfunc probe_fire = NULL;

/* (3.11) What a stub's truth test of its probe does (probe_fire.c),
 * registered at initialisation with the vectorcall. */
static PyNumberMethods probe_as_number;


static PyTypeObject probe_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pep669._monitoring.probe",
    .tp_basicsize = sizeof(Pep669Probe),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(Pep669Probe, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_as_number = &probe_as_number,
    .tp_doc = "A line probe of pep669 (internal).",
};

int
pep669_probe_init(vectorcallfunc fire, inquiry fire_bool)
{
    PEP669_ASSERT(fire != NULL && fire_bool != NULL);
    probe_fire = fire;
    probe_as_number.nb_bool = fire_bool;
    return PyType_Ready(&probe_type);
}

static void
unpatch_site(Pep669Clone *cl, Pep669Site *site)
{
    if (site->patched) {
        pep669_backend_clone_unpatch(cl->code, site);
        if (site->call) {
            for (int b = site->at; b < site->at + site->width; b += 2) {
                cl->patched[b >> 1] = 0;
            }
        }
        else if (site->src < 0) {
            cl->patched[site->loc >> 1] = 0;
        }
    }
}

void
pep669_clone_unpatch_site(Pep669Clone *cl, Pep669Site *site)
{
    unpatch_site(cl, site);
}

/* The tools for which the edge of the branch at `b` to `dest` still
 * fires (BRANCH, and BRANCH_LEFT or BRANCH_RIGHT by the destination). */
static uint8_t
edge_tools(PyCodeObject *co, Pep669CodeData *cd, int b, int dest)
{
    int off = b, next, target;
    if (pep669_backend_jump_kind(co, &off, &next, &target) !=
        PEP669_EV_BRANCH) {
        return 0;
    }
    int side = pep669_branch_side(co, cd, off, next, target, dest);
    return pep669_fire_tools(cd, PEP669_EV_BRANCH, b) |
           pep669_fire_tools(cd, side, b);
}

/* The tools for which the unconditional jump whose first byte is `src`
 * still fires JUMP. */
static uint8_t
jump_tools(PyCodeObject *co, Pep669CodeData *cd, int src)
{
    int off = src, next, target;
    if (pep669_backend_jump_kind(co, &off, &next, &target) !=
        PEP669_EV_JUMP) {
        return 0;
    }
    return pep669_fire_tools(cd, PEP669_EV_JUMP, off);
}

int
pep669_site_guards(PyCodeObject *co, Pep669CodeData *cd,
                   const Pep669Site *site)
{
    int off = site->guard - 1, next, target;
    if (!site->guard || pep669_backend_jump_kind(co, &off, &next, &target) !=
                            PEP669_EV_BRANCH) {
        return 0;
    }
    return edge_tools(co, cd, off, next) != 0 ||
           (target != next && edge_tools(co, cd, off, target) != 0);
}

int
pep669_site_wanted(PyCodeObject *co, Pep669CodeData *cd,
                   const Pep669Site *site)
{
    return (site->line && pep669_fire_tools(cd, PEP669_EV_LINE, site->loc)) ||
           (site->own && pep669_fire_tools(cd, PEP669_EV_LINE, site->src)) ||
           (site->obranch &&
            edge_tools(co, cd, site->obranch - 1, site->src)) ||
           (site->bsrc >= 0 && edge_tools(co, cd, site->bsrc, site->loc)) ||
           (site->vmark && edge_tools(co, cd, site->vmark - 1, site->loc)) ||
           pep669_site_guards(co, cd, site) ||
           (site->jump && jump_tools(co, cd, site->src));
}

/* What tools still want of a site, one bit per part of what it stands
 * for (nonzero exactly where pep669_site_wanted is). */
static uint8_t
site_roles(PyCodeObject *co, Pep669CodeData *cd, const Pep669Site *site)
{
    /* (as pep669_site_wanted, a guard's two edges apart) */
    int off = site->guard - 1, next, target;
    uint8_t roles =
        (site->line && pep669_fire_tools(cd, PEP669_EV_LINE, site->loc)) |
        (site->own && pep669_fire_tools(cd, PEP669_EV_LINE, site->src)) << 1 |
        (site->obranch &&
         edge_tools(co, cd, site->obranch - 1, site->src)) << 2 |
        (site->bsrc >= 0 && edge_tools(co, cd, site->bsrc, site->loc)) << 3 |
        (site->vmark && edge_tools(co, cd, site->vmark - 1, site->loc)) << 4 |
        (site->jump && jump_tools(co, cd, site->src)) << 5;
    if (site->guard && pep669_backend_jump_kind(co, &off, &next, &target) ==
                           PEP669_EV_BRANCH) {
        roles |= (edge_tools(co, cd, off, next) != 0) << 6 |
                 (target != next && edge_tools(co, cd, off, target)) << 7;
    }
    return roles;
}

void
pep669_clone_unpatch(Pep669Clone *cl, Pep669CodeData *cd, int loc)
{
    for (int i = 0; i < cl->nsites; i++) {
        Pep669Site *site = &cl->sites[i];
        if (site->loc == loc && site->patched &&
            !pep669_site_wanted(cl->orig, cd, site)) {
            unpatch_site(cl, site);
        }
    }
}

void
pep669_clone_guard_retire(Pep669Clone *cl, Pep669CodeData *cd)
{
    pep669_clone_retire(cl);
    if (cd->clone == cl) {
        /* (no site stands for it: made again after a DISABLE) */
        Pep669Refusal *why = NULL;
        refusal_unknown(&why);
        refusal_keep(cd, why, cl->disables);
    }
}

void
pep669_clone_retire(Pep669Clone *cl)
{
    if (!cl->retired) {
        cl->retired = 1;
        for (int i = 0; i < cl->nsites; i++) {
            unpatch_site(cl, &cl->sites[i]);
        }
    }
}

void
pep669_clone_decref(Pep669Clone *cl)
{
    if (cl == NULL || --cl->refs > 0) {
        return;
    }
    if (cl->probes != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cl->probes); i++) {
            ((Pep669Probe *)PyTuple_GET_ITEM(cl->probes, i))->clone = NULL;
        }
        Py_DECREF(cl->probes);
        Py_DECREF(cl->code);
    }
    PyMem_RawFree(cl->sites);
    PyMem_RawFree(cl->patched);
    PyMem_RawFree(cl);
}

void
pep669_clone_drop(Pep669Clone *cl)
{
    pep669_clone_retire(cl);
    pep669_clone_decref(cl);
}

Pep669Site *
pep669_clone_stub_site(Pep669Clone *cl, int offset)
{
    int lo = 0, hi = cl->nsites;
    if (offset < cl->base) {
        return NULL;
    }
    /* Stubs follow one another in the order of their sites. */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (offset < cl->sites[mid].stub) {
            hi = mid;
        }
        else if (offset >= cl->sites[mid].stub_end) {
            lo = mid + 1;
        }
        else {
            return &cl->sites[mid];
        }
    }
    return NULL;
}

/* A tuple of n probes (site -1 for a line clone's one, else 0..n-1), not
 * attached to a clone yet; NULL with an exception. */
PEP669_INTERNAL PyObject *
new_probes(Py_ssize_t n, int calls)
{
    PyObject *probes = PyTuple_New(n);
    for (Py_ssize_t i = 0; probes != NULL && i < n; i++) {
        Pep669Probe *probe = PyObject_New(Pep669Probe, &probe_type);
        if (probe == NULL) {
            Py_CLEAR(probes);
            break;
        }
        probe->clone = NULL;
        probe->vectorcall = probe_fire;
        probe->site = calls ? (int)i : -1;
        PyTuple_SET_ITEM(probes, i, (PyObject *)probe);
    }
    return probes;
}

PEP669_INTERNAL void
attach_probes(Pep669Clone *cl, PyObject *probes)
{
    cl->probes = probes;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(probes); i++) {
        ((Pep669Probe *)PyTuple_GET_ITEM(probes, i))->clone = cl;
    }
}

/* A clone that could not be built goes (NULL: nothing). */
PEP669_INTERNAL void
free_unbuilt(Pep669Clone *cl)
{
    PyErr_Clear();
    if (cl != NULL) {
        PyMem_RawFree(cl->sites);
        PyMem_RawFree(cl->patched);
        PyMem_RawFree(cl);
    }
}

/* Fill in `cl`, whose n sites are set: its probes (one, or one per call
 * site), its code, the rest.  -1 (no exception kept) if the code cannot
 * be built. */
static int
build_clone(Pep669Clone *cl, PyCodeObject *co, Pep669CodeData *cd, int n,
            int calls)
{
    PyObject *probes = new_probes(calls ? n : 1, calls);
    if (probes == NULL) {
        return -1;
    }
    cl->code = pep669_backend_clone_code(co, probes, cl->sites, n,
                                         &cl->entry);
    if (cl->code == NULL) {
        Py_DECREF(probes);
        return -1;
    }
    cl->refs = 1;
    attach_probes(cl, probes);
    cl->calls = calls;
    cl->orig = co;
    cl->restart_version = pep669_registry.restart_version;
    cl->base = (int)cd->nunits * 2;
    cl->nsites = n;
    return 0;
}

/* The site of `sites[0 .. n-1]` at the location `loc` (src -1) or on the
 * jump whose first byte is `src`, or NULL. */
static Pep669Site *
find_site(Pep669Site *sites, int n, int loc, int src)
{
    for (int i = 0; i < n; i++) {
        if (src < 0 ? sites[i].src < 0 && sites[i].loc == loc
                    : sites[i].src == src) {
            return &sites[i];
        }
    }
    return NULL;
}

/* How many sites on jumps come before that on the jump at `src` in
 * `sites[0 .. n-1]` (all of them if none is): their stubs come first,
 * in this order (sites_order). */
static int
site_index(Pep669Site *sites, int n, int src)
{
    int before = 0;
    for (int i = 0; i < n && sites[i].src != src; i++) {
        before += sites[i].src >= 0;
    }
    return before;
}

/* Make a clone of `co` with probes for the LINE locations some of `tools`
 * still want, and for the branch edges some tool with a branch event
 * still wants (branch probes: both edges of every branch of the frame's
 * flow); NULL when one of them cannot have probes, or without memory (no
 * exception either way).  `*vias`: 0, guards only; 1, via sites too (then
 * 2 if some were made).  Refused: why, noted in `*why`
 * (probe_refused.h). */
/* (make_clone's refusals: why, backend.h; session 19) */
#define REFUSE(s) do { PEP669_WHY_AT(s, -1); goto fail; } while (0)
static Pep669Clone *
make_clone(PyCodeObject *co, Pep669CodeData *cd, uint8_t tools, int *vias,
           Pep669Refusal **why)
{
    Pep669Clone *cl = NULL;
    uint8_t *wanted = NULL;  /* per unit: a location to probe */
    uint8_t *seen = NULL;    /* (scratch for only_through) */
    int *work = NULL, *runs = NULL;
    /* (units only_through may walk for this clone) */
    Py_ssize_t budget = 1 << 22;
    uint8_t *preds = NULL;   /* per unit: the ways to it (2: more) */
    const uint8_t *map = pep669_disabled_map(cd, PEP669_EV_LINE);
    const uint8_t *kind = cd->unit_flow;
    const uint8_t *units = NULL;
    int n = 0, k = 0, branches = 0, jumps = 0;
    /* (a refusal's reason noted: the sites it depends on, or none where
     * it holds for the version) */
    int known = 0;
    int branch = (cd->tools[PEP669_EV_BRANCH] |
                  cd->tools[PEP669_EV_BRANCH_LEFT] |
                  cd->tools[PEP669_EV_BRANCH_RIGHT]) != 0;
    int jump = cd->tools[PEP669_EV_JUMP] != 0;
    if (cd->disabled_version < pep669_registry.restart_version) {
        map = NULL;
    }
    if (cd->line_starts == NULL || kind == NULL) {
        refusal_unknown(why);
        return NULL;
    }
    if (branch || jump) {
        units = pep669_code_units(co, cd);
        if (units == NULL) {
            refusal_unknown(why);
            return NULL;
        }
        for (Py_ssize_t u = 0; u < cd->nunits; u++) {
            branches += branch && (units[u] & PEP669_UNIT_BRANCH) &&
                        (pep669_unit_flow(kind, u) & PEP669_FLOW_REACHED);
            jumps += jump && (units[u] & PEP669_UNIT_JUMP) &&
                     (pep669_unit_flow(kind, u) & PEP669_FLOW_REACHED);
        }
    }
    wanted = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
    if (wanted == NULL) {
        refusal_unknown(why);
        return NULL;
    }
    for (Py_ssize_t i = 0; tools != 0 && i < cd->nflow_starts; i++) {
        int loc = cd->line_starts[i];
        if (!pep669_still_wanted(cd, map, tools, loc)) {
            continue;
        }
        if (!(pep669_unit_flow(kind, loc >> 1) &
              (PEP669_PROBE_AT | PEP669_PROBE_EDGES))) {
            /* (refused while that location is wanted) */
            Pep669Site at = {.loc = loc, .src = -1, .bsrc = -1, .line = 1};
            refusal_note(why, &at, site_roles(co, cd, &at));
            known = 1;
            PEP669_WHY_AT("unprobeable location", loc);
            goto fail;
        }
        wanted[loc >> 1] = 1;
        n += (pep669_unit_flow(kind, loc >> 1) & PEP669_PROBE_AT) != 0;
    }
    /* The jumps to wanted locations probed on their jumps. */
    for (Py_ssize_t u = 0; tools != 0 && u < cd->nunits; u++) {
        int next, target;
        if ((pep669_unit_flow(kind, u) & PEP669_PROBE_SOURCE) &&
            pep669_backend_flow(co, (int)u * 2, &next, &target) >= 0 &&
            target >= 0 && wanted[target >> 1] &&
            (pep669_unit_flow(kind, target >> 1) & PEP669_PROBE_EDGES)) {
            n++;
        }
    }
    /* (at most two sites per branch, one per jump) */
    if (n + 2 * branches + jumps == 0) {
        REFUSE("nothing to probe");
    }
    cl = PyMem_RawCalloc(1, sizeof(Pep669Clone));
    if (cl == NULL) {
        REFUSE("memory");
    }
    cl->sites = PyMem_RawCalloc((size_t)(n + 2 * branches + jumps),
                                sizeof(Pep669Site));
    cl->patched = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
    if (cl->sites == NULL || cl->patched == NULL) {
        REFUSE("memory");
    }
    for (Py_ssize_t i = 0; i < cd->nflow_starts; i++) {
        int loc = cd->line_starts[i];
        if (wanted[loc >> 1] &&
            (pep669_unit_flow(kind, loc >> 1) & PEP669_PROBE_AT)) {
            cl->sites[k].loc = loc;
            cl->sites[k].line = 1;
            cl->sites[k].bsrc = -1;
            cl->sites[k++].src = -1;
        }
    }
    for (Py_ssize_t u = 0; tools != 0 && u < cd->nunits && k < n; u++) {
        int next, target;
        if ((pep669_unit_flow(kind, u) & PEP669_PROBE_SOURCE) &&
            pep669_backend_flow(co, (int)u * 2, &next, &target) >= 0 &&
            target >= 0 && wanted[target >> 1] &&
            (pep669_unit_flow(kind, target >> 1) & PEP669_PROBE_EDGES)) {
            /* A jump that is a LINE location itself: one site, firing
             * both LINEs, going on to the destination. */
            /* (3.11: the stub's handler is the destination's) */
            Pep669Site *own = find_site(cl->sites, k, (int)u * 2, -1);
            if (own != NULL && next < 0 &&
                pep669_backend_exc_handler_at(co, (int)u * 2) ==
                    pep669_backend_exc_handler_at(co, target)) {
                own->loc = target;
                own->src = (int)u * 2;
                own->own = 1;
                continue;
            }
            cl->sites[k].loc = target;
            cl->sites[k].line = 1;
            cl->sites[k].bsrc = -1;
            cl->sites[k++].src = (int)u * 2;
        }
    }
    /* How many ways lead to each unit (2: more than one), for taken edges
     * whose jump cannot reach a stub. */
    if (branches > 0) {
        preds = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
        if (preds == NULL) {
            REFUSE("memory");
        }
        /* (the frame's start leads to the first instruction) */
        preds[0] = 1;
        for (Py_ssize_t u = 0; u < cd->nunits;) {
            int next, target, at = pep669_backend_flow(co, (int)u * 2, &next,
                                                       &target);
            if (at < 0) {
                REFUSE("flow");
            }
            if (next >= 0 && preds[next >> 1] < 2) {
                preds[next >> 1] += 1;
            }
            if (target >= 0 && preds[target >> 1] < 2) {
                preds[target >> 1] += 1;
            }
            u = (at >> 1) + 1;
        }
    }
    /* (a stub takes at most 10 bytes) */
    int stubs_end = (int)cd->nunits * 2 + 10 * (n + 2 * branches + jumps);
    /* Branch edges: the fall-through at its destination (with the LINE
     * site there, if any), the taken edge on the branch (with the LINE
     * site of that jump, if any), or, if that jump cannot reach its stub,
     * at its destination, if nothing else leads there.  A branch with an
     * edge that none of these can take gets a guard instead: a site at
     * the start of the straight run that leads to it, whose probe retires
     * the clone, so that a frame arriving there goes on traced (the
     * trampoline gives both edges). */
    for (Py_ssize_t u = 0; branches > 0 && u < cd->nunits; u++) {
        int b = (int)u * 2, off, next, target, first = b;
        if (!(units[u] & PEP669_UNIT_BRANCH) ||
            !(pep669_unit_flow(kind, u) & PEP669_FLOW_REACHED)) {
            continue;
        }
        while (first > 0 && (units[(first >> 1) - 1] & PEP669_UNIT_PREFIX)) {
            first -= 2;
        }
        off = first;
        if (pep669_backend_jump_kind(co, &off, &next, &target) !=
                PEP669_EV_BRANCH || off != b) {
            /* (a fact of the bytecode: refused for the version) */
            known = 1;
            REFUSE("branch form");
        }
        int dests[2] = {next, target}, srcs[2] = {-1, first}, want[2];
        int guard = 0, via = -1;
        for (int e = 0; e < 2; e++) {
            want[e] = dests[e] >= 0 && !(e == 1 && target == next) &&
                      edge_tools(co, cd, b, dests[e]) != 0;
            if (!want[e]) {
                continue;
            }
            if (e == 1 && preds[target >> 1] == 1 &&
                pep669_backend_jump_reach(co, first) < stubs_end) {
                srcs[e] = -1;
            }
            if (e == 0 && preds[next >> 1] != 1) {
                /* A fall-through that other ways lead to: at its
                 * destination only if it always arrives there first. */
                if (seen == NULL) {
                    seen = PyMem_RawMalloc((size_t)cd->nunits + 1);
                    work = PyMem_RawMalloc(sizeof(int) *
                                           ((size_t)cd->nunits + 1));
                    if (seen == NULL || work == NULL) {
                        REFUSE("memory");
                    }
                }
                if (!only_through(co, cd, b, next, seen, work, &budget) &&
                    (!wanted[next >> 1] ||
                     !*vias || (via = fall_via(co, cd, b, next)) < 0 ||
                     find_site(cl->sites, k, via, -1) != NULL ||
                     /* (its stub as far as the sites before its own: a
                      * clone that cannot lay it out is made again with
                      * the guard) */
                     pep669_backend_jump_reach(co, via) <
                         (int)cd->nunits * 2 +
                             10 * (site_index(cl->sites, k, via) + 2))) {
                    /* (no jump whose site can mark the other way in; or
                     * the destination's LINE done: frames came there, by
                     * the jump's way too, maybe, which would come first
                     * again and retire the clone, fire_line_probe) */
                    guard = 1;
                    via = -1;
                }
            }
        }
        if (guard) {
            if (runs == NULL && seen != NULL) {
                runs = straight_runs(co, cd, seen);
            }
            int g = runs != NULL ? runs[first >> 1] : first;
            /* (the jump's own site, if it carries a LINE location's
             * probe, gives way: the frame is traced from the branch on) */
            Pep669Site *site = find_site(cl->sites, k, -1, g);
            if (site == NULL) {
                site = find_site(cl->sites, k, g, -1);
            }
            if (site == NULL) {
                site = &cl->sites[k++];
                site->line = 0;
                site->bsrc = -1;
            }
            else if (site->src >= 0) {
                /* (a jump's own LINE location stays: a site there) */
                site->line = site->own;
                site->bsrc = site->obranch - 1;
                site->own = 0;
                site->obranch = 0;
            }
            /* (a location site there keeps its LINE and the edge that
             * arrives there, fired before the guard retires the clone) */
            if (site->guard) {
                REFUSE("guard twice");
            }
            site->loc = g;
            site->src = -1;
            site->guard = first + 1;
            continue;
        }
        for (int e = 0; e < 2; e++) {
            if (!want[e]) {
                continue;
            }
            Pep669Site *site = find_site(cl->sites, k, dests[e], srcs[e]);
            if (site == NULL && srcs[e] < 0 && !(e == 0 && via >= 0)) {
                /* (the destination a jump with a site: site->obranch) */
                Pep669Site *own = find_site(cl->sites, k, -1, dests[e]);
                if (own != NULL && site_takes_arrival(co, own)) {
                    if (own->obranch) {
                        REFUSE("obranch twice");
                    }
                    own->obranch = b + 1;
                    continue;
                }
            }
            if (site != NULL && site->loc != dests[e]) {
                REFUSE("site mismatch");
            }
            if (site == NULL) {
                site = &cl->sites[k++];
                site->loc = dests[e];
                site->src = srcs[e];
                site->line = 0;
            }
            site->bsrc = b;
            if (e == 0 && via >= 0) {
                /* The jump's site marks its way in: here, its own edges
                 * with it if it is a branch (found again below). */
                site->fvia = via + 1;
                site = find_site(cl->sites, k, dests[e], via);
                if (site == NULL) {
                    site = &cl->sites[k++];
                    site->loc = dests[e];
                    site->src = via;
                    site->bsrc = -1;
                }
                site->vmark = b + 1;
                *vias = 2;
            }
        }
    }
    /* JUMP probes: each jump still wanted made to go to its stub (with
     * the LINE site of that jump, if any), which fires JUMP and goes on
     * to the destination; a jump that cannot reach its stub: no clone. */
    for (Py_ssize_t u = 0; jumps > 0 && u < cd->nunits; u++) {
        int first = (int)u * 2, off, next, target;
        if (!(units[u] & PEP669_UNIT_JUMP) ||
            !(pep669_unit_flow(kind, u) & PEP669_FLOW_REACHED)) {
            continue;
        }
        while (first > 0 && (units[(first >> 1) - 1] & PEP669_UNIT_PREFIX)) {
            first -= 2;
        }
        off = first;
        if (!pep669_fire_tools(cd, PEP669_EV_JUMP, (int)u * 2)) {
            continue;
        }
        /* (a reversed backward branch's JUMP, lineflow.c: traced) */
        if (pep669_backend_jump_kind(co, &off, &next, &target) !=
                PEP669_EV_JUMP || off != (int)u * 2 || target < 0) {
            REFUSE("jump form");
        }
        if (pep669_backend_jump_reach(co, first) < stubs_end &&
            !pep669_backend_jump_far(co, first)) {
            REFUSE("jump reach");
        }
        if (find_site(cl->sites, k, first, -1) != NULL) {
            /* (a site patched in place on the jump's own bytes: a LINE
             * location, or a branch's guard) */
            REFUSE("jump site patched");
        }
        Pep669Site *site = find_site(cl->sites, k, target, first);
        if (site != NULL && site->loc != target) {
            REFUSE("jump site mismatch");
        }
        if (site == NULL) {
            site = &cl->sites[k++];
            site->loc = target;
            site->src = first;
            site->line = 0;
            site->bsrc = -1;
        }
        site->jump = 1;
    }
    n = sites_merge_next(co, cl->sites, k, cd->nunits);
    for (int i = 0; i < n; i++) {
        /* (a via site's jump is a site still: a guard may have taken
         * its bytes for a location site) */
        Pep669Site *mark = cl->sites[i].fvia
            ? find_site(cl->sites, n, -1, cl->sites[i].fvia - 1) : NULL;
        if (cl->sites[i].fvia && (mark == NULL || !mark->vmark)) {
            REFUSE("via lost");
        }
    }
    if (n == 0 || sites_order(cl->sites, n, wanted, preds, cd->nunits) < 0) {
        REFUSE("order");
    }
    PEP669_WHY_AT("backend", -1);
    if (build_clone(cl, co, cd, n, 0) < 0) {
        /* (the sites the backend's refusal depends on, if it says) */
        for (int i = 0; i < n; i++) {
            if (cl->sites[i].refused) {
                refusal_note(why, &cl->sites[i],
                             site_roles(co, cd, &cl->sites[i]));
                known = 1;
            }
        }
        goto fail;
    }
    cl->line_tools = tools;
    cl->branch_tools[0] = cd->tools[PEP669_EV_BRANCH];
    cl->branch_tools[1] = cd->tools[PEP669_EV_BRANCH_LEFT];
    cl->branch_tools[2] = cd->tools[PEP669_EV_BRANCH_RIGHT];
    cl->jump_tools = cd->tools[PEP669_EV_JUMP];
    for (int i = 0; i < n; i++) {
        if (cl->sites[i].src < 0) {
            cl->patched[cl->sites[i].loc >> 1] = 1;
        }
    }
    goto done;
fail:
    if (!known) {
        refusal_unknown(why);
    }
    free_unbuilt(cl);
    cl = NULL;
done:
    PyMem_RawFree(wanted);
    PyMem_RawFree(preds);
    PyMem_RawFree(seen);
    PyMem_RawFree(work);
    PyMem_RawFree(runs);
    return cl;
}

/* Make a call clone of `co`: a site at every call instruction (NULL, no
 * exception, when some cannot have one). */
static Pep669Clone *
make_call_clone(PyCodeObject *co, Pep669CodeData *cd, uint8_t tools)
{
    Pep669Clone *cl = NULL;
    int n = 0, k = 0;
    const uint8_t *units = pep669_code_units(co, cd);
    if (units == NULL) {
        return NULL;
    }
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        n += (units[u] & PEP669_UNIT_CALL_EVENT) != 0;
    }
    cl = PyMem_RawCalloc(1, sizeof(Pep669Clone));
    if (cl == NULL) {
        goto fail;
    }
    if (n == 0) {
        /* No call: CALL needs nothing, the frames run the code itself
         * (borrowed: no probe, nothing to patch). */
        cl->patched = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
        if (cl->patched == NULL) {
            goto fail;
        }
        cl->code = co;
        cl->refs = 1;
        cl->calls = 1;
        cd->calls_none = 1;
        cl->call_tools = tools;
        cl->orig = co;
        cl->restart_version = pep669_registry.restart_version;
        cl->base = (int)cd->nunits * 2;
        return cl;
    }
    cl->sites = PyMem_RawCalloc((size_t)n, sizeof(Pep669Site));
    cl->patched = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
    if (cl->sites == NULL || cl->patched == NULL) {
        goto fail;
    }
    for (Py_ssize_t u = 0; u < cd->nunits && k < n; u++) {
        if (units[u] & PEP669_UNIT_CALL_EVENT) {
            /* (the mark is on the first prefix; the site is the call) */
            Py_ssize_t v = u;
            while (v + 1 < cd->nunits && (units[v] & PEP669_UNIT_PREFIX)) {
                v++;
            }
            cl->sites[k].loc = (int)v * 2;
            cl->sites[k].src = -1;
            cl->sites[k].bsrc = -1;
            cl->sites[k++].call = 1;
        }
    }
    if (build_clone(cl, co, cd, n, 1) < 0) {
        goto fail;
    }
    cl->call_tools = tools;
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &cl->sites[i];
        for (int b = site->at; b < site->at + site->width; b += 2) {
            cl->patched[b >> 1] = 1;
        }
    }
    /* Locations every tool DISABLEd already need no probe. */
    for (int i = 0; i < n; i++) {
        if (pep669_fire_tools(cd, PEP669_EV_CALL, cl->sites[i].loc) == 0) {
            unpatch_site(cl, &cl->sites[i]);
        }
    }
    return cl;
fail:
    free_unbuilt(cl);
    return NULL;
}

/* How many handler clones were made (probe_handlers.c; for tests). */
Py_ssize_t pep669_handler_clones = 0;

/* Whether the code's last line clone refused (in this version) is
 * refused still (probe_refused.c): no DISABLE since, or every site its
 * refusal depends on as wanted as then. */
static int
refusal_holds(PyCodeObject *co, Pep669CodeData *cd)
{
    int n, state = refusal_state(cd, &n);
    for (int i = 0; state == 2 && i < n; i++) {
        uint8_t roles;
        const Pep669Site *site = refusal_site(cd, i, &roles);
        if (site_roles(co, cd, site) != roles) {
            return 0;
        }
    }
    if (state == 2) {
        /* (the DISABLEs since left every reason as it was) */
        refusal_stamp(cd);
    }
    return state != 1;
}

/* The code's clone of the kind asked for (calls: a call clone, else a
 * line clone), made now if the current one does not serve; new reference,
 * or NULL (no exception). */
static Pep669Clone *
probe_clone(PyCodeObject *co, Pep669CodeData *cd, int calls)
{
    (void)pep669_code_data_events(cd);
    uint8_t tools = cd->tools[calls ? PEP669_EV_CALL : PEP669_EV_LINE];
    Pep669Clone *cl = cd->clone;
    uint8_t any = calls ? tools
                        : tools | cd->tools[PEP669_EV_BRANCH] |
                              cd->tools[PEP669_EV_BRANCH_LEFT] |
                              cd->tools[PEP669_EV_BRANCH_RIGHT] |
                              cd->tools[PEP669_EV_JUMP];
    if (!pep669_backend_probes_supported() || any == 0) {
        return NULL;
    }
    if (pep669_clone_serves(cl, cd, calls)) {
        pep669_clone_incref(cl);
        return cl;
    }
    if (cd->probe_off_version == pep669_registry.version ||
        (cd->probe_refused_version == pep669_registry.version &&
         (calls || refusal_holds(co, cd)))) {
        /* Nothing changed since the last attempt that could let it be
         * made (a call clone: the version, one kind a version). */
        return NULL;
    }
    /* (a throw() into the frame is under way: its exception is set) */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int vias = 1;
    Pep669Refusal *why = NULL;
    cl = calls ? make_call_clone(co, cd, tools)
               : make_clone(co, cd, tools, &vias, &why);
    if (cl == NULL && vias == 2) {
        vias = 0;
        cl = make_clone(co, cd, tools, &vias, &why);
    }
    PyErr_Restore(type, value, tb);
    if (cl == NULL) {
        pep669_call_refusals += calls;
        pep669_line_refusals += !calls;
        refusal_keep(cd, why, cd->line_disables + cd->jump_disables);
        return NULL;
    }
    refusal_drop(cd, why);
    if (cd->clone != NULL) {
        /* (frames still running it are traced from their next call or
         * return on) */
        pep669_clone_retire(cd->clone);
        pep669_clone_decref(cd->clone);
    }
    cd->clone = cl;
    cl->disables = cd->line_disables + cd->jump_disables;
    pep669_clone_incref(cl);
    return cl;
}

Pep669Clone *
pep669_probe_call_clone(PyCodeObject *co, Pep669CodeData *cd)
{
    return probe_clone(co, cd, 1);
}

Pep669Clone *
pep669_probe_clone(PyCodeObject *co, Pep669CodeData *cd)
{
    return probe_clone(co, cd, 0);
}
