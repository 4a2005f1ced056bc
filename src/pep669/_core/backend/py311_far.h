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

#include "far_store.h"

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

/* Pad out[*at] (moved past it) with NOPs until it is beyond a one-unit
 * jump's reach from unit `s` + 1, the far site's patch ending with a
 * JUMP_FORWARD at `s`: that jump's argument in *arg (EXTENDED_ARG 0 is
 * no instruction 3.11 runs), or -1 if two units cannot reach. */
static int
p11_far_pad(_Py_CODEUNIT *out, int *at, int s, unsigned int *arg)
{
    int pos = *at;
    while (pos - (s + 1) < 256) {
        out[pos++] = _Py_MAKECODEUNIT(NOP, 0);
    }
    *at = pos;
    *arg = (unsigned int)(pos - (s + 1));
    return *arg >= 65536 ? -1 : 0;
}

/* Make out[from] the one-unit forward jump `op` to unit `to`, or -1 if
 * it cannot reach. */
static int
p11_far_forward(_Py_CODEUNIT *out, int from, int to, int op)
{
    if (to - from - 1 > 255) {
        return -1;
    }
    out[from] = _Py_MAKECODEUNIT(op, to - from - 1);
    return 0;
}

/* The head of a far site's stub that makes a test, at out[*at] (moved
 * past it), after its padding (p11_far_pad: `s`, *arg), *fire the unit
 * left for its POP_JUMP_FORWARD_IF_TRUE:
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE <*fire>;
 *     COPY 1; POP_JUMP_FORWARD_IF_NOT_NONE <after it>;
 *     POP_TOP (`pops` times); JUMP_BACKWARD_NO_INTERRUPT <unit `to`>
 * -1 if it cannot. */
static int
p11_far_probe_head(_Py_CODEUNIT *out, int *at, int s, unsigned int *arg,
                   int k, int pops, int to, int *fire)
{
    int pos = *at;
    if (p11_far_pad(out, &pos, s, arg) < 0) {
        return -1;
    }
    p11_emit(out, &pos, LOAD_CONST, (unsigned int)k);
    *fire = pos++;
    out[pos++] = _Py_MAKECODEUNIT(COPY, 1);
    int keep = pos++;
    for (int i = 0; i < pops; i++) {
        out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    }
    if (p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, to) < 0 ||
        p11_far_forward(out, keep, pos, POP_JUMP_FORWARD_IF_NOT_NONE) < 0) {
        return -1;
    }
    *at = pos;
    return 0;
}

/* A far site's patch over units a..s (NOPs, EXTENDED_ARG at s - 1,
 * JUMP_FORWARD `arg` at s; their bytes kept in site->saved), its units
 * marked in `taken`, and the site's place: its stub at units start..end,
 * the stack's depth at `a`. */
static void
p11_far_patch(const _Py_CODEUNIT *code, _Py_CODEUNIT *out, uint8_t *taken,
              const int *depth, Pep669Site *site, int a, int s,
              unsigned int arg, int start, int end)
{
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
    site->at = a * P11_UNIT;
    site->width = width * P11_UNIT;
    site->stub = start * P11_UNIT;
    site->stub_end = end * P11_UNIT;
    site->depth = depth[a];
    site->patched = 1;
}

/* The COMPARE_OP right before the branch at unit `b` (whose site's prefix
 * keeps it from fusing with it: adaptive again once the branch is itself
 * again, p11_unfuse), or 0. */
static int
p11_far_fused(const _Py_CODEUNIT *code, int b)
{
    int cmp = b - 1 - (int)INLINE_CACHE_ENTRIES_COMPARE_OP;
    return cmp >= 1 && _Py_OPCODE(code[cmp]) == COMPARE_OP ? cmp : 0;
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
        /* (a jump that starts a line of its own would give no 'line'
         * trace event where the frame runs the clone traced: the
         * evaluator runs a prefix and its instruction as one) */
        if (PyCode_Addr2Line(co, a * P11_UNIT) !=
            PyCode_Addr2Line(co, s * P11_UNIT)) {
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
    unsigned int arg;
    if (p11_far_pad(out, &pos, s, &arg) < 0) {
        return -1;
    }
    p11_emit(out, &pos, LOAD_CONST, (unsigned int)k);
    int test = pos++;
    for (int i = 0; i < pops; i++) {
        out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    }
    if (p11_emit_back(out, &pos, back, d) < 0 ||
        p11_far_forward(out, test, pos, POP_JUMP_FORWARD_IF_TRUE) < 0 ||
        p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, a) < 0) {
        return -1;
    }
    p11_far_patch(code, out, taken, depth, site, a, s, arg, start, pos);
    if (site->far != 3) {
        site->far = 2;
    }
    site->fused = 0;
    site->after = 0;
    *at = pos;
    return 0;
}

/* A far site on the one-unit jump at unit `s` that only the fall-through
 * of the one-unit branch before it reaches (a `continue` right after its
 * `if`): the patch takes the branch (EXTENDED_ARG at it, JUMP_FORWARD at
 * the jump), whose test the probe makes with the frame at the branch
 * (site->after 2, pep669_backend_branch_site_test), the site's events
 * fired where it falls through (its edge arrives at the jump).  The same
 * for a location site at unit `s` (src -1, session 18: the `continue`'s
 * own LINE, once its jump's destination wants nothing) whose plain patch
 * cannot take the unit after it (the branch's target): its events fired,
 * the stub goes back to the location's own instruction (unpatched by
 * then: the probe unpatches a location site, or retires the clone).
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE fire;
 *     COPY 1; POP_JUMP_FORWARD_IF_NOT_NONE back;
 *     POP_TOP; JUMP_BACKWARD_NO_INTERRUPT <the branch's target>
 *     back: JUMP_BACKWARD_NO_INTERRUPT <the branch>
 *     fire: POP_TOP; JUMP_BACKWARD(_NO_INTERRUPT) <loc>
 * The condition's slot holds None after the test, or, where the frame is
 * traced (the evaluator runs the prefix and the jump as one instruction:
 * no trace event at the jump), the test's result as a bool, which the
 * branch's own bytes (the site unpatched) take. */
static int
p11_far_branch_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                    _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                    uint8_t *taken, const int *depth, const uint8_t *entered)
{
    int at_loc = site->src < 0;
    int s = (at_loc ? site->loc : site->src) / P11_UNIT, b = s - 1;
    int d = site->loc / P11_UNIT, next, target;
    int back = JUMP_BACKWARD_NO_INTERRUPT;
    if ((!at_loc && (site->src % P11_UNIT != 0 ||
                     pep669_backend_flow(co, site->src, &next, &target) !=
                         site->src ||
                     target != site->loc)) ||
        site->loc % P11_UNIT != 0 || b < 1 || s >= units || d < 0 ||
        d >= units) {
        return -1;
    }
    int op = p11_deopt_op(code[s]);
    Pep669Instr br = instr_at(code, units, b);
    if ((!at_loc && op != JUMP_BACKWARD && op != JUMP_FORWARD) ||
        br.unit != b || (at_loc && instr_at(code, units, s).unit != s) ||
        p11_deopt_op(code[b - 1]) == EXTENDED_ARG ||
        (br.op != POP_JUMP_FORWARD_IF_FALSE &&
         br.op != POP_JUMP_FORWARD_IF_TRUE) ||
        instr_next(br) != s || taken[b] || taken[s] || entered[s] ||
        depth[b] < 1 || depth[b] + 1 > co->co_stacksize) {
        return -1;
    }
    int t = s + br.arg;
    if (t >= units || !p11_same_handler(co, b, s) ||
        !p11_same_handler(co, b, d) || !p11_same_handler(co, b, t)) {
        return -1;
    }
    if (op == JUMP_BACKWARD && !at_loc) {
        /* (the stub stands for the jump: the eval breaker's check, as the
         * jump's; a location site's instruction makes its own) */
        back = JUMP_BACKWARD;
    }
    int start = *at, pos = *at;
    unsigned int arg;
    int fire;
    if (p11_far_probe_head(out, &pos, s, &arg, k, 1, t, &fire) < 0 ||
        p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, b) < 0 ||
        p11_far_forward(out, fire, pos, POP_JUMP_FORWARD_IF_TRUE) < 0) {
        return -1;
    }
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    if (p11_emit_back(out, &pos, back, d) < 0) {
        return -1;
    }
    p11_far_patch(code, out, taken, depth, site, b, s, arg, start, pos);
    site->far = 0;
    site->after = 2;
    site->op = br.op;
    site->oparg = t;
    site->fused = p11_far_fused(code, b);
    *at = pos;
    return 0;
}

/* A far branch site's test (site->after 2): 1 where the branch falls
 * through to the jump (the probe fires the site's events), 0 where it
 * jumps or where the frame is traced (the site is then unpatched and its
 * branch takes the test's result again), -1 with an exception (raised at
 * the branch). */
static int
p11_far_branch_test(Pep669Frame *frame, Pep669Site *site)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyCodeObject *clone = f->f_code;
    _Py_CODEUNIT *here = f->prev_instr;
    PyObject **slot = f->localsplus + clone->co_nlocalsplus + site->depth - 1;
    PyObject *cond = *slot;
    *slot = Py_NewRef(Py_None);
    f->prev_instr = _PyCode_CODE(clone) + site->at / P11_UNIT;
    int truth = PyObject_IsTrue(cond);
    Py_DECREF(cond);
    if (truth < 0) {
        return -1;
    }
    f->prev_instr = here;
    if (pep669_backend_trace_mode(PyThreadState_GET()) ==
        PEP669_TRACE_FULL) {
        pep669_backend_clone_unpatch(clone, site);
        Py_SETREF(*slot, Py_NewRef(truth ? Py_True : Py_False));
        return 0;
    }
    return (site->op == POP_JUMP_FORWARD_IF_TRUE) != (truth != 0);
}

/* A taken edge's site on the one-unit conditional branch at unit `s`
 * whose stub is beyond its reach and whose next unit a jump enters (a
 * `while` loop's top test, the bottom test jumping back into the body,
 * and then the bottom test, the top test's taken edge arriving after it:
 * no wide site), right after a COMPARE_OP (session 19; a backward branch
 * goes back to its destination as itself, with JUMP_BACKWARD, and its
 * test is its forward form's, site->op): the patch takes the
 * COMPARE_OP (NOP over it and its first cache unit, EXTENDED_ARG over the
 * last, JUMP_FORWARD at the branch), whose comparison and test the probe
 * makes with the frame at each (site->after 3,
 * pep669_backend_branch_site_test):
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE taken;
 *     COPY 1; POP_JUMP_FORWARD_IF_NOT_NONE traced;
 *     POP_TOP; POP_TOP; JUMP_BACKWARD_NO_INTERRUPT <after the branch>
 *     traced: POP_TOP; JUMP_BACKWARD_NO_INTERRUPT <the branch>
 *     taken: POP_TOP; POP_TOP; JUMP_BACKWARD(_NO_INTERRUPT) <destination>
 * The comparison's two slots hold None after the probe, or, where the
 * frame is traced (no trace event inside the patch), the comparison's
 * result and True, the branch's own bytes (the site unpatched) then
 * taking the result. */
static int
p11_far_compare_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                     _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                     uint8_t *taken, const int *depth, const uint8_t *entered)
{
    int s = site->src / P11_UNIT, d = site->loc / P11_UNIT;
    int a = s - 1 - (int)INLINE_CACHE_ENTRIES_COMPARE_OP, next, target;
    if (site->src < 0 || site->src % P11_UNIT != 0 || a < 1 ||
        s + 1 >= units || d < 0 || d >= units ||
        pep669_backend_flow(co, site->src, &next, &target) != site->src ||
        target != site->loc || next != (s + 1) * P11_UNIT) {
        return -1;
    }
    Pep669Instr br = instr_at(code, units, s), cmp = instr_at(code, units, a);
    /* (a loop's bottom test too, which jumps back: its taken path checks
     * the eval breaker, as the branch does) */
    int backward, op = p11_forward_jump(br.op, &backward);
    if (br.unit != s || instr_next(br) != s + 1 ||
        (op != POP_JUMP_FORWARD_IF_FALSE && op != POP_JUMP_FORWARD_IF_TRUE) ||
        (backward ? s + 1 - br.arg : s + 1 + br.arg) != d ||
        cmp.unit != a || cmp.op != COMPARE_OP ||
        instr_next(cmp) != s || cmp.arg > Py_GE ||
        p11_deopt_op(code[a - 1]) == EXTENDED_ARG ||
        a <= co->_co_firsttraceable || depth[a] < 2 ||
        depth[a] + 1 > co->co_stacksize || !p11_same_handler(co, a, s) ||
        !p11_same_handler(co, a, s + 1) || !p11_same_handler(co, a, d)) {
        return -1;
    }
    for (int u = a; u <= s; u++) {
        if (taken[u] || (u > a && entered[u])) {
            return -1;
        }
    }
    int start = *at, pos = *at;
    unsigned int arg;
    int test;
    if (p11_far_probe_head(out, &pos, s, &arg, k, 2, s + 1, &test) < 0) {
        return -1;
    }
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    if (p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, s) < 0 ||
        p11_far_forward(out, test, pos, POP_JUMP_FORWARD_IF_TRUE) < 0) {
        return -1;
    }
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    if (p11_emit_back(out, &pos,
                      backward ? JUMP_BACKWARD : JUMP_BACKWARD_NO_INTERRUPT,
                      d) < 0) {
        return -1;
    }
    p11_far_patch(code, out, taken, depth, site, a, s, arg, start, pos);
    site->far = 0;
    site->after = 3;
    site->op = op;
    site->oparg = cmp.arg;
    site->fused = 0;
    *at = pos;
    return 0;
}

/* Its test (site->after 3): 1 where the branch jumps (the probe fires the
 * site's events), 0 where it falls through or where the frame is traced
 * (the site is then unpatched: the branch takes the comparison's result),
 * -1 with an exception (raised at the COMPARE_OP or at the branch). */
static int
p11_far_compare_test(Pep669Frame *frame, Pep669Site *site)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyCodeObject *clone = f->f_code;
    _Py_CODEUNIT *here = f->prev_instr;
    int s = (site->at + site->width) / P11_UNIT - 1;
    PyObject **slot = f->localsplus + clone->co_nlocalsplus + site->depth - 2;
    PyObject *left = slot[0], *right = slot[1];
    slot[0] = Py_NewRef(Py_None);
    slot[1] = Py_NewRef(Py_None);
    f->prev_instr = _PyCode_CODE(clone) + site->at / P11_UNIT;
    PyObject *res = PyObject_RichCompare(left, right, site->oparg);
    Py_DECREF(left);
    Py_DECREF(right);
    if (res == NULL) {
        return -1;
    }
    if (pep669_backend_trace_mode(PyThreadState_GET()) ==
        PEP669_TRACE_FULL) {
        f->prev_instr = here;
        pep669_backend_clone_unpatch(clone, site);
        Py_SETREF(slot[0], res);
        Py_SETREF(slot[1], Py_NewRef(Py_True));
        return 0;
    }
    f->prev_instr = _PyCode_CODE(clone) + s;
    int truth = PyObject_IsTrue(res);
    Py_DECREF(res);
    if (truth < 0) {
        return -1;
    }
    f->prev_instr = here;
    return (site->op == POP_JUMP_FORWARD_IF_TRUE) == (truth != 0);
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

/* (a far site at a branch's location, session 20) */
#include "py311_fartest.h"

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
    if (in.unit == u && instr_next(in) == u + 1 &&
        p11_far_test_location(co, in, u)) {
        return 1;
    }
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
    int op = p11_deopt_op(first), oparg = _Py_OPARG(first), pops, back;
    if (p11_far_test_op(op, &back) >= 0) {
        /* (a far site at a branch's location: its test, py311_fartest.h) */
        return !site->patched && !anyway ? 0
                                         : p11_far_test_before(frame, site);
    }
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
        return far_store_subscr(base);
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
