/* Far sites in 3.11's copy of a code object (included by
 * backend/py311_clone.h only, after py311_branch.h): the 3.11 forms of
 * jumpfar.c.h's far sites.  A site on a one-unit unconditional jump whose
 * own bytes cannot reach its stub (the stubs follow the code: a jump back
 * to a loop's head from more than 255 units before the code's end) takes
 * the instruction before the jump into its patch (site->far 2: POP_TOP,
 * STORE_FAST, or STORE_SUBSCR with its cache unit), which the probe makes
 * with the frame there (pep669_backend_jump_site_before); a location site
 * whose prefix would take the next location's unit stands with that
 * location's site (site->far 3, made by the engine's sites_merge_next).
 * The patch: NOP for a cache unit, EXTENDED_ARG, JUMP_FORWARD to the
 * stub:
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE back;
 *     POP_TOP (per item the probe made None);
 *     JUMP_BACKWARD(_NO_INTERRUPT) <loc>
 *     back: JUMP_BACKWARD_NO_INTERRUPT <the instruction>
 * The probe is true where it did not make the instruction (the site is
 * unpatched by then: the frame runs the instruction's own bytes).
 * Contract: backend.h (Pep669Site.far). */
#ifndef PEP669_PY311_FAR_H
#define PEP669_PY311_FAR_H

#ifndef P11_UNIT
#  error "py311_far.h is included by py311_clone.h only"
#endif

/* The instruction `op` a far site's probe makes: how many items it takes
 * from the stack (-1: not one it makes), in *pops how many its stub pops
 * after it (the items, made None). */
static int
p11_far_items(int op, int *pops)
{
    switch (op) {
    case POP_TOP:
    case STORE_FAST:
        *pops = 1;
        return 1;
    case STORE_SUBSCR:
        *pops = 3;
        return 3;
    default:
        *pops = 0;
        return -1;
    }
}

static inline int
p11_deopt_op(_Py_CODEUNIT word)
{
    return _PyOpcode_Deopt[_Py_OPCODE(word)];
}

/* The first unit of the instruction before the one-unit unconditional
 * jump at unit `s` of the deoptimized bytes that a far site's probe can
 * make (no prefix, its caches if any right before the jump), or -1. */
static int
p11_far_before(const _Py_CODEUNIT *code, int units, int s)
{
    int pops;
    if (s < 2 || s >= units) {
        return -1;
    }
    int op = p11_deopt_op(code[s]);
    if ((op != JUMP_BACKWARD && op != JUMP_FORWARD) ||
        p11_deopt_op(code[s - 1]) == EXTENDED_ARG) {
        return -1;
    }
    for (int a = s - 1; a >= s - 2 && a >= 1; a--) {
        Pep669Instr in = instr_at(code, units, a);
        if (in.unit == a && instr_next(in) == s &&
            p11_deopt_op(code[a - 1]) != EXTENDED_ARG &&
            p11_far_items(in.op, &pops) > 0) {
            return a;
        }
    }
    return -1;
}

/* Whether units `a` and `b` have the same handler (or none). */
static int
p11_same_handler(PyCodeObject *co, int a, int b)
{
    int t0, d0, t1, d1;
    int h0 = p11_handler(co, a, &t0, &d0), h1 = p11_handler(co, b, &t1, &d1);
    return h0 == h1 && (!h0 || (t0 == t1 && d0 == d1));
}

/* A far site's stub at out[*at] (moved past it), its patch made, its
 * units marked in `taken` (site->far 3 given; else the site on the jump
 * at site->src becomes far 2).  -1 if it cannot. */
static int
p11_far_site_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                  _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                  uint8_t *taken, const int *depth, const uint8_t *entered)
{
    int a, s, back = JUMP_BACKWARD_NO_INTERRUPT, pops, next, target;
    int d = site->loc / P11_UNIT;
    if (site->src < 0 || site->src % P11_UNIT != 0 || d < 0 || d >= units) {
        return -1;
    }
    if (site->far == 3) {
        /* (the instruction at src, the location after it at loc) */
        a = site->src / P11_UNIT;
        s = a + 1;
        if (s != d) {
            return -1;
        }
    }
    else {
        s = site->src / P11_UNIT;
        a = p11_far_before(code, units, s);
        if (a < 0 ||
            pep669_backend_flow(co, site->src, &next, &target) !=
                site->src ||
            target != site->loc) {
            return -1;
        }
        if (p11_deopt_op(code[s]) == JUMP_BACKWARD) {
            /* (the eval breaker's check, as the jump's) */
            back = JUMP_BACKWARD;
        }
    }
    Pep669Instr in = instr_at(code, units, a);
    int items = p11_far_items(in.op, &pops);
    if (items < 0 || in.unit != a || a <= co->_co_firsttraceable ||
        p11_deopt_op(code[a - 1]) == EXTENDED_ARG ||
        (site->far == 3 && instr_next(in) != s) || taken[a] ||
        depth[a] < items || depth[a] + 1 > co->co_stacksize ||
        !p11_same_handler(co, a, s) || !p11_same_handler(co, a, d)) {
        return -1;
    }
    for (int u = a + 1; u <= s; u++) {
        if (entered[u] || taken[u]) {
            return -1;
        }
    }
    int start = *at, pos = *at;
    /* (EXTENDED_ARG 0 is no instruction 3.11 runs) */
    while (pos - (s + 1) < 256) {
        out[pos++] = _Py_MAKECODEUNIT(NOP, 0);
    }
    unsigned int arg = (unsigned int)(pos - (s + 1));
    if (arg >= 65536) {
        return -1;
    }
    p11_emit(out, &pos, LOAD_CONST, (unsigned int)k);
    int test = pos++;
    for (int i = 0; i < pops; i++) {
        out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    }
    if (p11_emit_back(out, &pos, back, d) < 0 || pos - test - 1 > 255) {
        return -1;
    }
    out[test] = _Py_MAKECODEUNIT(POP_JUMP_FORWARD_IF_TRUE, pos - test - 1);
    if (p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, a) < 0) {
        return -1;
    }
    int width = s + 1 - a;
    memcpy(site->saved, &code[a], sizeof(_Py_CODEUNIT) * (size_t)width);
    for (int u = a; u < s - 1; u++) {
        out[u] = _Py_MAKECODEUNIT(NOP, 0);
    }
    out[s - 1] = _Py_MAKECODEUNIT(EXTENDED_ARG, arg >> 8);
    out[s] = _Py_MAKECODEUNIT(JUMP_FORWARD, arg & 0xff);
    for (int u = a; u <= s; u++) {
        taken[u] = 1;
    }
    if (site->far != 3) {
        site->far = 2;
    }
    site->at = a * P11_UNIT;
    site->width = width * P11_UNIT;
    site->stub = start * P11_UNIT;
    site->stub_end = pos * P11_UNIT;
    site->depth = depth[a];
    site->fused = 0;
    site->after = 0;
    site->patched = 1;
    *at = pos;
    return 0;
}

/* Ways to unit `to` of `co` (the frame's start, a fall-through, a jump, a
 * handler), counted up to 2. */
static int
p11_far_ways(PyCodeObject *co, int to)
{
    int units = (int)Py_SIZE(co), ways = to == 0;
    for (int off = 0; off < units * P11_UNIT && ways < 2;) {
        int next, target, at = pep669_backend_flow(co, off, &next, &target);
        if (at < 0) {
            return 2;
        }
        ways += (next == to * P11_UNIT) + (target == to * P11_UNIT);
        off = at + P11_UNIT;
    }
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end && ways < 2) {
        int start, size, target, dl;
        p = read_exc_entry(p, end, &start, &size, &target, &dl);
        ways += target == to;
    }
    return ways;
}

int
pep669_backend_location_far(PyCodeObject *co, int loc)
{
    int units = (int)Py_SIZE(co), u = loc / P11_UNIT, pops, next, target;
    /* (only where even the first stub is beyond a one-unit jump's reach:
     * layouts that built before stay as they were) */
    if (loc < 0 || loc % P11_UNIT != 0 || u + 1 + 255 >= units || u < 1 ||
        PEP669_DEOPT(_Py_OPCODE(PEP669_CODE(co)[u - 1])) == EXTENDED_ARG) {
        return 0;
    }
    Pep669Instr in = instr_decode(co, loc);
    if (in.unit != u || instr_next(in) != u + 1 ||
        p11_far_items(in.op, &pops) != 1 ||
        pep669_backend_flow(co, loc, &next, &target) != loc ||
        next != loc + P11_UNIT || target >= 0) {
        return 0;
    }
    return p11_far_ways(co, u + 1) == 1;
}

int
pep669_backend_jump_far(PyCodeObject *Py_UNUSED(co), int Py_UNUSED(src))
{
    /* (JUMP events' sites: not asked of 3.11's far forms) */
    return 0;
}

int
pep669_backend_jump_site_before(Pep669Frame *frame, const Pep669Site *site,
                                PyObject **Py_UNUSED(top), int anyway)
{
    _PyInterpreterFrame *f = FRAME(frame);
    _Py_CODEUNIT first;
    memcpy(&first, site->saved, sizeof(first));
    int op = p11_deopt_op(first), oparg = _Py_OPARG(first), pops;
    int items = p11_far_items(op, &pops);
    PEP669_ASSERT(site->far >= 2 && items > 0 && site->depth >= items);
    if (!site->patched && !anyway) {
        return 0;
    }
    /* (the frame's items below the probe's slot, which the truth test
     * popped; what the instruction pops becomes None, which the stub
     * pops) */
    PyObject **base = f->localsplus + f->f_code->co_nlocalsplus +
                      site->depth - items;
    f->prev_instr = _PyCode_CODE(f->f_code) + site->at / P11_UNIT;
    if (op == STORE_SUBSCR) {
        /* (value, container, key: container[key] = value) */
        PyObject *value = base[0], *container = base[1], *key = base[2];
        base[0] = Py_NewRef(Py_None);
        base[1] = Py_NewRef(Py_None);
        base[2] = Py_NewRef(Py_None);
        int err = PyObject_SetItem(container, key, value);
        Py_DECREF(value);
        Py_DECREF(container);
        Py_DECREF(key);
        return err < 0 ? -1 : 1;
    }
    PyObject *value = base[0];
    base[0] = Py_NewRef(Py_None);
    if (op == STORE_FAST) {
        PyObject *old = f->localsplus[oparg];
        f->localsplus[oparg] = value;
        Py_XDECREF(old);
    }
    else {
        Py_DECREF(value);
    }
    return 1;
}

#endif
