/* Far sites at a branch's location (included by backend/py311_far.h
 * only, session 20): a LINE location on a one-unit conditional branch
 * (a multi-line `while` or `if` test whose last part is back on the
 * statement's first line: `while a and \ not f(x):` ends with the branch
 * on the `while` line, after the call's line) whose next unit is a LINE
 * location too, entered by that fall-through alone, where even the first
 * stub is beyond a one-unit jump's reach.  Its site would take the next
 * location's unit for its prefix, the next location's site could then not
 * be placed, and the clone was refused (3.11's 'taken' refusal:
 * difflib's SequenceMatcher.find_longest_match ran traced for good under
 * coverage).  As a far site on a plain instruction (site->far 3, made by
 * the engine's sites_merge_next), the two stand as one site at the next
 * location (loc), src the branch: the patch is EXTENDED_ARG at the
 * branch, JUMP_FORWARD at loc, and the probe fires the branch's LINE,
 * makes its test with the frame at the branch, and fires loc's events
 * only where it falls through (pep669_backend_jump_site_before: 2 where
 * it jumps):
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE back;
 *     COPY 1; POP_JUMP_FORWARD_IF_NOT_NONE taken;
 *     POP_TOP; JUMP_BACKWARD_NO_INTERRUPT <loc>
 *     taken: POP_TOP; JUMP_BACKWARD(_NO_INTERRUPT) <the branch's target>
 *     back: JUMP_BACKWARD_NO_INTERRUPT <the branch>
 * The probe is true where it did not make the test (the site unpatched
 * or the clone retired by then: the branch's own bytes take the
 * condition, left in its slot); else the condition's slot holds None
 * where it falls through, True where it jumps. */
#ifndef PEP669_PY311_FARTEST_H
#define PEP669_PY311_FARTEST_H

#ifndef P11_UNIT
#  error "py311_fartest.h is included by py311_far.h only"
#endif

/* The forward form of the one-unit conditional branch `op` (deoptimized)
 * that a far site at its location can test (*backward: it jumps back), or
 * -1. */
static int
p11_far_test_op(int op, int *backward)
{
    int fwd = p11_forward_jump(op, backward);
    return fwd == POP_JUMP_FORWARD_IF_TRUE || fwd == POP_JUMP_FORWARD_IF_FALSE
               ? fwd : -1;
}

/* Whether the location at unit `u` (its instruction `in`, no prefix, one
 * unit; the first stub beyond a one-unit jump's reach) is such a branch:
 * pep669_backend_location_far's second case. */
static int
p11_far_test_location(PyCodeObject *co, Pep669Instr in, int u)
{
    int backward, next, target, loc = u * P11_UNIT;
    if (p11_far_test_op(in.op, &backward) < 0 ||
        pep669_backend_flow(co, loc, &next, &target) != loc ||
        next != loc + P11_UNIT || target < 0) {
        return 0;
    }
    return p11_far_ways(co, u + 1) == 1;
}

/* The stub of a far site at a location (site->far 3) whose instruction at
 * src is such a branch, at out[*at] (moved past it), its patch made, its
 * units marked in `taken`.  -1 if it cannot. */
static int
p11_far_test_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                  _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                  uint8_t *taken, const int *depth, const uint8_t *entered)
{
    int a = site->src / P11_UNIT, s = a + 1, backward;
    if (site->far != 3 || site->src < 0 || site->src % P11_UNIT != 0 ||
        site->loc != s * P11_UNIT || a < 1 || s >= units) {
        return -1;
    }
    Pep669Instr br = instr_at(code, units, a);
    int op = p11_far_test_op(br.op, &backward);
    int t = backward ? s - br.arg : s + br.arg;
    if (op < 0 || br.unit != a || instr_next(br) != s || t < 0 ||
        t >= units || a <= co->_co_firsttraceable ||
        p11_deopt_op(code[a - 1]) == EXTENDED_ARG || taken[a] ||
        taken[s] || entered[s] || depth[a] < 1 ||
        depth[a] + 1 > co->co_stacksize || !p11_same_handler(co, a, s) ||
        !p11_same_handler(co, a, t)) {
        return -1;
    }
    int start = *at, pos = *at;
    unsigned int arg;
    int test;
    if (p11_far_probe_head(out, &pos, s, &arg, k, 1, s, &test) < 0) {
        return -1;
    }
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    /* (a branch back checks the eval breaker as it jumps) */
    if (p11_emit_back(out, &pos,
                      backward ? JUMP_BACKWARD : JUMP_BACKWARD_NO_INTERRUPT,
                      t) < 0 ||
        p11_far_forward(out, test, pos, POP_JUMP_FORWARD_IF_TRUE) < 0 ||
        p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, a) < 0) {
        return -1;
    }
    p11_far_patch(code, out, taken, depth, site, a, s, arg, start, pos);
    site->op = op;
    site->oparg = t;
    site->fused = p11_far_fused(code, a);
    site->after = 0;
    *at = pos;
    return 0;
}

/* Its probe's test, the frame in the stub (pep669_backend_jump_site_before
 * for such a site): the condition taken from its slot (None there), tested
 * with the frame at the branch; 2 where the branch jumps (True in the
 * slot), 1 where it falls through, -1 with an exception (raised at the
 * branch). */
static int
p11_far_test_before(Pep669Frame *frame, const Pep669Site *site)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyObject **slot = f->localsplus + f->f_code->co_nlocalsplus +
                      site->depth - 1;
    PyObject *cond = *slot;
    *slot = Py_NewRef(Py_None);
    f->prev_instr = _PyCode_CODE(f->f_code) + site->at / P11_UNIT;
    int truth = PyObject_IsTrue(cond);
    Py_DECREF(cond);
    if (truth < 0) {
        return -1;
    }
    if ((site->op == POP_JUMP_FORWARD_IF_TRUE) != (truth != 0)) {
        return 1;
    }
    Py_SETREF(*slot, Py_NewRef(Py_True));
    return 2;
}

#endif
