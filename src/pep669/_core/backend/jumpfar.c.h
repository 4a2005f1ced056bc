/* Far sites on jumps, 3.8-3.10: a line clone's site on a one-unit
 * jump whose own bytes cannot reach its stub (3.8/3.9: an absolute
 * argument under 256 bytes, the stubs past the code; 3.10: 256 units).
 * The patch takes a unit beside the jump for an EXTENDED_ARG prefix: the
 * unit after it where nothing runs it (site->far 1: the dead JUMP_FORWARD
 * after a `continue`'s jump), or the one-unit instruction before it, which
 * the probe makes with the frame there (site->far 2); or the one jump
 * that leads to it is patched instead (site->via: an inner `for` loop's
 * exit onto the jump back to the outer loop's head).  And the order of
 * the stubs of sites on jumps: nearest the code those whose jump reaches
 * least.  Included by clone.c.h after callstub.c.h (emit, emit_fixed,
 * probe_site_ok) and callsite.c.h (binary_op, unary_op). */
#ifndef PEP669_JUMPFAR_C_H
#define PEP669_JUMPFAR_C_H

#if !defined(PEP669_CALLSTUB_C_H) || !defined(PEP669_CALLSITE_C_H)
#  error "jumpfar.c.h needs callsite.c.h and callstub.c.h first"
#endif

#include "far_store.h"

/* The instruction `op` before a far site's jump (site->far 2), which its
 * probe makes: how many items it takes from the stack (-1: not one the
 * probe makes), and in *pops how many of them its stub pops after it
 * (the rest is its result). */
static int
far_before_items(int op, int *pops)
{
    if (op == POP_TOP || op == STORE_FAST) {
        *pops = 1;
        return 1;
    }
    if (op == STORE_SUBSCR) {
        *pops = 3;
        return 3;
    }
    if (binary_op(op) != NULL) {
        *pops = 1;
        return 2;
    }
    *pops = 0;
    return unary_op(op) != NULL ? 1 : -1;
}

/* The unconditional jump at `src`, one unit with no prefix (else -1): its
 * opcode. */
static int
far_jump_op(PyCodeObject *co, int src)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    if (src < 0 || src >= size ||
        (src > 0 && code_opcode(co, src - PROBE_UNIT) == EXTENDED_ARG)) {
        return -1;
    }
    int op = code_opcode(co, src);
    int flow = op_flow[op];
    return (flow & FLOW_JUMP) && (flow & FLOW_STOPS) ? op : -1;
}

int
pep669_backend_jump_far(PyCodeObject *co, int src)
{
    return far_jump_op(co, src) >= 0;
}

/* How many ways lead to the instruction at `to` (the frame's start, a
 * fall-through, a jump, a handler), counted up to 2. */
static int
far_ways(PyCodeObject *co, int to)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code), ways = to == 0;
    for (int off = 0; off < size && ways < 2;) {
        int next, target, at = pep669_backend_flow(co, off, &next, &target);
        if (at < 0) {
            return 2;
        }
        ways += (next == to) + (target == to);
        off = at + PROBE_UNIT;
    }
    return ways;
}

int
pep669_backend_location_far(PyCodeObject *co, int loc)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code), pops, next, target;
    int op = loc >= 0 && loc < size ? code_opcode(co, loc) : -1;
    /* (2: a one-unit POP_JUMP_IF_FALSE/TRUE, far 4; session 20) */
    int form = op == POP_JUMP_IF_FALSE || op == POP_JUMP_IF_TRUE ? 2 : 1;
    if (255 * PEP669_JUMP_UNIT >= size || loc < 0 ||
        loc + PROBE_UNIT >= size ||
        (loc > 0 && code_opcode(co, loc - PROBE_UNIT) == EXTENDED_ARG) ||
        (form == 1 && far_before_items(op, &pops) < 0) ||
        pep669_backend_flow(co, loc, &next, &target) != loc ||
        next != loc + PROBE_UNIT || (form == 1) != (target < 0) ||
        target == next) {
        return 0;
    }
    return far_ways(co, next) == 1 ? form : 0;
}

/* Whether `site` is one of sites_merge_next's (far 3, or 4 with src: the
 * branch there a LINE location), its far form given. */
static inline int
far_merged(const Pep669Site *site)
{
    return site->far == 3 || (site->far == 4 && site->src >= 0);
}

/* The far form a site on the jump at site->src can take (its bytes and
 * neighbours as they are; the stub's reach is checked by far_patch): 1,
 * 2 (site->far), or 0. */
static int
far_form(PyCodeObject *co, const uint8_t *entered, const int *depth,
         const Pep669Site *site)
{
    int src = site->src, u = src / PROBE_UNIT, pops;
    int units = (int)(PyBytes_GET_SIZE(co->co_code) / PROBE_UNIT);
    if (far_jump_op(co, src) < 0) {
        return 0;
    }
    /* The unit after it: nothing enters it, and the jump does not fall
     * through (probe_site_ok). */
    if (u + 1 < units && probe_site_ok(co, entered, src, 2 * PROBE_UNIT)) {
        return 1;
    }
    /* The instruction before it: one unit, no prefix, one the probe makes;
     * nothing enters the jump itself (a way to the instruction goes
     * through the stub, which makes it). */
    if (u >= 1 && !entered[u] && depth[u - 1] >= 0 &&
        (u < 2 || code_opcode(co, src - 2 * PROBE_UNIT) != EXTENDED_ARG) &&
        far_before_items(code_opcode(co, src - PROBE_UNIT), &pops) >= 0) {
        return 2;
    }
    return 0;
}

/* Whether the location site `site` (src -1) can take far 4: its patch
 * starts at the one-unit POP_JUMP_IF_FALSE/TRUE before loc, whose
 * fall-through alone leads to loc (a `continue` right after its `if`);
 * the probe makes the branch's test, and fires loc's events on the
 * fall-through only. */
static int
far_branch_form(PyCodeObject *co, const uint8_t *entered, const int *depth,
                const Pep669Site *site)
{
    int loc = site->loc, u = loc / PROBE_UNIT, next, target;
    int units = (int)(PyBytes_GET_SIZE(co->co_code) / PROBE_UNIT);
    if (site->src >= 0 || site->bsrc >= 0 || site->own || site->obranch ||
        site->guard || site->fvia || site->vmark || site->call || u < 1 ||
        u >= units || entered[u] || depth[u - 1] < 1 ||
        (u >= 2 && code_opcode(co, loc - 2 * PROBE_UNIT) == EXTENDED_ARG)) {
        return 0;
    }
    int op = code_opcode(co, loc - PROBE_UNIT);
    return (op == POP_JUMP_IF_FALSE || op == POP_JUMP_IF_TRUE) &&
           pep669_backend_flow(co, loc - PROBE_UNIT, &next, &target) ==
               loc - PROBE_UNIT &&
           next == loc && target >= 0 && target != loc;
}

/* A far 4 site's branch test (the probe's stub holds the test's value
 * below the probe): it becomes True where the branch falls through to
 * loc (1), False where it is taken (0); -1 with an exception, raised at
 * the branch. */
static int
far_branch_test(PyFrameObject *f, const Pep669Site *site, PyObject **top)
{
    PyObject *cond = top[-1];
    PEP669_SET_LASTI(f, site->at);
    int truth = PyObject_IsTrue(cond);
    if (truth < 0) {
        return -1;
    }
    int falls = site->saved[0] == POP_JUMP_IF_FALSE ? truth : !truth;
    top[-1] = Py_NewRef(falls ? Py_True : Py_False);
    Py_DECREF(cond);
    return falls;
}

/* The far patch of `site` (site->far set) for its stub at site->stub: at,
 * width; the jump in *op, *arg.  -1 if the stub is out of its reach. */
static int
far_patch(PyCodeObject *co, Pep669Site *site, int *op, unsigned int *arg)
{
    *op = site->far >= 3 ? JUMP_ABSOLUTE : far_jump_op(co, site->src);
    site->at = site->far == 2   ? site->src - PROBE_UNIT
               : site->far == 4 ? site->loc - PROBE_UNIT
                                : site->src;
    site->width = 2 * PROBE_UNIT;
    int after = site->at + site->width;
    *arg = (unsigned int)(((op_flow[*op] & FLOW_REL) ? site->stub - after
                                                      : site->stub) /
                          PEP669_JUMP_UNIT);
    return *op >= 0 && site->stub >= after ? emit_fixed(NULL, 0, site->width,
                                                        *op, *arg)
                                           : -1;
}

/* The one jump whose edge leads to the jump at `src` (an unconditional
 * one: nothing else runs into it, no fall-through, no handler), if its
 * own bytes can be made to go to a stub: its first byte, else -1. */
static int
far_via(PyCodeObject *co, int src)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    if (far_jump_op(co, src) < 0 || far_ways(co, src) != 1) {
        return -1;
    }
    for (int off = 0; off < size;) {
        int next, target, at = pep669_backend_flow(co, off, &next, &target);
        if (at < 0) {
            return -1;
        }
        if (target == src) {
            return next != src && at != src &&
                           (op_flow[code_opcode(co, at)] &
                            (FLOW_JUMP | FLOW_BRANCH))
                       ? off : -1;
        }
        off = at + PROBE_UNIT;
    }
    return -1;
}

/* A far site's stub (far 2, 3): as a line site's (LOAD_CONST probe;
 * CALL_FUNCTION 0), then POP_JUMP_IF_TRUE back to the instruction the
 * probe makes (the site was unpatched meanwhile: it runs there), else the
 * pops of what the probe made (None) and the jump to loc. */
static void
far_stub(unsigned char *out, int *at, unsigned int kconst,
         const Pep669Site *site, PyCodeObject *co)
{
    int before = site->at, pops, next, target;
    (void)far_before_items(code_opcode(co, before), &pops);
    emit(out, at, LOAD_CONST, kconst);
    emit(out, at, CALL_FUNCTION, 0);
    emit(out, at, POP_JUMP_IF_TRUE, (unsigned int)(before / PEP669_JUMP_UNIT));
    if (site->far == 4) {
        /* (the probe made the branch's test: False, taken) */
        (void)pep669_backend_flow(co, before, &next, &target);
        emit(out, at, POP_JUMP_IF_FALSE,
             (unsigned int)(target / PEP669_JUMP_UNIT));
        pops = 0;
    }
    for (int i = 1; i < pops; i++) {
        emit(out, at, POP_TOP, 0);
    }
    /* (the last item popped is None) */
    emit(out, at, pops > 0 ? POP_JUMP_IF_FALSE : JUMP_ABSOLUTE,
         (unsigned int)(site->loc / PEP669_JUMP_UNIT));
}

int
pep669_backend_jump_site_before(Pep669Frame *frame, const Pep669Site *site,
                                PyObject **top, int anyway)
{
    PyFrameObject *f = FRAME(frame);
    if (site->far == 4) {
        return far_branch_test(f, site, top);
    }
    int op = site->saved[0], oparg = site->saved[1], pops;
    int items = far_before_items(op, &pops);
    PEP669_ASSERT(site->far >= 2 && items > 0);
    if (!site->patched && !anyway) {
        return 0;
    }
    /* (what the instruction pops becomes None, which the stub pops) */
    PyObject **base = top - items;
    PEP669_SET_LASTI(f, site->at);
    if (op == POP_TOP || op == STORE_FAST) {
        PyObject *value = base[0];
        base[0] = Py_NewRef(Py_None);
        if (op == STORE_FAST) {
            PyObject *old = f->f_localsplus[oparg];
            f->f_localsplus[oparg] = value;
            Py_XDECREF(old);
        }
        else {
            Py_DECREF(value);
        }
        return 1;
    }
    if (op == STORE_SUBSCR) {
        return far_store_subscr(base);
    }
    PyObject *res;
    if (items == 2) {
        PyObject *left = base[0], *right = base[1];
        base[1] = Py_NewRef(Py_None);
        res = binary_op(op)(left, right);
        base[0] = res != NULL ? res : Py_NewRef(Py_None);
        Py_DECREF(left);
        Py_DECREF(right);
    }
    else {
        PyObject *value = base[0];
        res = unary_op(op)(value);
        base[0] = res != NULL ? res : Py_NewRef(Py_None);
        Py_DECREF(value);
    }
    PEP669_ASSERT(res != NULL || PyErr_Occurred());
    return res != NULL ? 1 : -1;
}

typedef struct {
    long long key;
    int index;
} FarOrder;

static int
far_order_cmp(const void *a, const void *b)
{
    const FarOrder *x = a, *y = b;
    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The sites on jumps (the first of sites[0 .. n-1], sites_order) in the
 * order of their reach: a jump that reaches past the code least first;
 * one that reaches no stub with its own bytes by that of the jump that
 * leads to it (site->via), or last if it can be far.  0, or -1 without
 * memory (no exception). */
static int
far_sites_order(PyCodeObject *co, const uint8_t *entered, const int *depth,
                Pep669Site *sites, int n)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code), m = 0, short_reach = 0;
    while (m < n && !sites[m].call && sites[m].src >= 0) {
        short_reach |= pep669_backend_jump_reach(co, sites[m].src) < size;
        m++;
    }
    if (m < 2 || !short_reach) {
        /* (every jump reaches past the code: their order as given) */
        return 0;
    }
    FarOrder *order = PyMem_RawMalloc(sizeof(FarOrder) * (size_t)m);
    Pep669Site *copy = PyMem_RawMalloc(sizeof(Pep669Site) * (size_t)m);
    if (order == NULL || copy == NULL) {
        PyMem_RawFree(order);
        PyMem_RawFree(copy);
        return -1;
    }
    for (int i = 0; i < m; i++) {
        long long key = pep669_backend_jump_reach(co, sites[i].src);
        if (far_merged(&sites[i])) {
            /* (its patch is prefixed) */
            key = 0x7fffffffLL;
        }
        else if (key < size) {
            int via = far_form(co, entered, depth, &sites[i])
                          ? -1 : far_via(co, sites[i].src);
            key = via >= 0 ? pep669_backend_jump_reach(co, via)
                  : far_form(co, entered, depth, &sites[i]) ? 0x7fffffffLL
                                                             : key;
        }
        order[i].key = key;
        order[i].index = i;
        copy[i] = sites[i];
    }
    qsort(order, (size_t)m, sizeof(FarOrder), far_order_cmp);
    for (int i = 0; i < m; i++) {
        sites[i] = copy[order[i].index];
    }
    PyMem_RawFree(order);
    PyMem_RawFree(copy);
    return 0;
}

#endif
