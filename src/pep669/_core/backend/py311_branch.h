/* Sites on jumps in 3.11's copy of a code object (included by
 * backend/py311_clone.h only, after its stub writer): a branch's taken
 * edge, or a jump that carries a LINE location's probe, whose jump is
 * made to go to its stub instead, in its own units (its prefixes as they
 * are, the argument's high bytes zero if need be), as the same jump
 * forward (the stubs follow the code).  The stub's jump back is then the
 * jump's arrival at its destination.  Contract: backend.h
 * (pep669_backend_jump_reach, Pep669Site). */
#ifndef PEP669_PY311_BRANCH_H
#define PEP669_PY311_BRANCH_H

#ifndef P11_UNIT
#  error "py311_branch.h is included by py311_clone.h only"
#endif

/* The forward form of a jump that can be made to go to a stub (and
 * whether it was backward), or -1. */
static int
p11_forward_jump(int op, int *backward)
{
    *backward = 0;
    switch (op) {
    case JUMP_BACKWARD:
        *backward = 1;
        return JUMP_FORWARD;
    case POP_JUMP_BACKWARD_IF_FALSE:
        *backward = 1;
        return POP_JUMP_FORWARD_IF_FALSE;
    case POP_JUMP_BACKWARD_IF_TRUE:
        *backward = 1;
        return POP_JUMP_FORWARD_IF_TRUE;
    case POP_JUMP_BACKWARD_IF_NONE:
        *backward = 1;
        return POP_JUMP_FORWARD_IF_NONE;
    case POP_JUMP_BACKWARD_IF_NOT_NONE:
        *backward = 1;
        return POP_JUMP_FORWARD_IF_NOT_NONE;
    case JUMP_FORWARD:
    case POP_JUMP_FORWARD_IF_FALSE:
    case POP_JUMP_FORWARD_IF_TRUE:
    case POP_JUMP_FORWARD_IF_NONE:
    case POP_JUMP_FORWARD_IF_NOT_NONE:
    case JUMP_IF_FALSE_OR_POP:
    case JUMP_IF_TRUE_OR_POP:
    case FOR_ITER:
        return op;
    default:
        return -1;
    }
}

/* The furthest unit a jump of `prefixes` prefixes, its opcode at `unit`,
 * reaches forward. */
static long long
p11_jump_reach_units(int unit, int prefixes)
{
    long long most = prefixes >= 3 ? 0x7fffffffLL
                                   : (1LL << (8 * (prefixes + 1))) - 1;
    return (long long)unit + 1 + most;
}

int
pep669_backend_jump_reach(PyCodeObject *co, int src)
{
    int backward;
    if (src < 0 || src / P11_UNIT >= Py_SIZE(co)) {
        return -1;
    }
    Pep669Instr in = instr_decode(co, src);
    if (p11_forward_jump(in.op, &backward) < 0) {
        return -1;
    }
    long long reach = p11_jump_reach_units(in.unit, in.unit - src / P11_UNIT);
    return reach * P11_UNIT > 0x7fffffffLL ? 0x7fffffff
                                           : (int)(reach * P11_UNIT);
}

/* Check the jump of a site on a jump (site->src, site->loc its
 * destination) in the deoptimized bytes: its forward form in *op, 1 if
 * it was backward in *backward; site->at, ->width and ->fused set.  -1 if
 * it cannot have a site. */
static int
p11_jump_site(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
              Pep669Site *site, int *op, int *backward)
{
    int s = site->src / P11_UNIT, next, target;
    if (site->src < 0 || s >= units) {
        return -1;
    }
    /* (where it goes: the backend's flow, which reads the same
     * instruction in the code's running bytes) */
    int at = pep669_backend_flow(co, site->src, &next, &target);
    Pep669Instr in = instr_at(code, units, s);
    *op = p11_forward_jump(in.op, backward);
    if (*op < 0 || at != in.unit * P11_UNIT || target != site->loc ||
        in.unit - s > 3 || instr_next(in) != in.unit + 1) {
        return -1;
    }
    site->at = site->src;
    site->width = (in.unit + 1 - s) * P11_UNIT;
    /* The specializer fuses COMPARE_OP with a conditional jump right
     * after it (no prefix) into one instruction that takes the jump's
     * direction from when it specialized and its argument from the jump
     * each time: once the jump is itself again, that instruction goes
     * back to plain adaptive COMPARE_OP (p11_unfuse). */
    int cmp = s - 1 - (int)INLINE_CACHE_ENTRIES_COMPARE_OP;
    site->fused = 0;
    if (*backward && in.unit == s && cmp >= 1 &&
        _Py_OPCODE(code[cmp]) == COMPARE_OP) {
        site->fused = cmp;
    }
    return 0;
}

/* Write the jump of a site on a jump: its forward form, to `dest`. */
static int
p11_write_jump(_Py_CODEUNIT *out, const Pep669Site *site, int op, int dest)
{
    int s = site->at / P11_UNIT, n = site->width / P11_UNIT;
    long long arg = (long long)dest - (s + n);
    if (arg < 0 || (long long)dest > p11_jump_reach_units(s + n - 1, n - 1)) {
        return -1;
    }
    if (out != NULL) {
        for (int k = 0; k < n - 1; k++) {
            out[s + k] = _Py_MAKECODEUNIT(
                EXTENDED_ARG, (arg >> (8 * (n - 1 - k))) & 0xff);
        }
        out[s + n - 1] = _Py_MAKECODEUNIT(op, arg & 0xff);
    }
    return 0;
}

/* After a site on a backward jump is unpatched: a fused COMPARE_OP before
 * it (specialized while the jump went forward) is adaptive again; so is
 * one that a wide site's prefix kept from fusing (the specializer makes a
 * COMPARE_OP not followed by a jump plain COMPARE_OP for good) where the
 * copy is quickened (`quick`). */
static void
p11_unfuse(_Py_CODEUNIT *code, const Pep669Site *site, int quick)
{
    if (site->fused <= 0) {
        return;
    }
    int op = _Py_OPCODE(code[site->fused]);
    if (op == COMPARE_OP_FLOAT_JUMP || op == COMPARE_OP_INT_JUMP ||
        op == COMPARE_OP_STR_JUMP ||
        (quick && site->after && op == COMPARE_OP)) {
        code[site->fused] = _Py_MAKECODEUNIT(COMPARE_OP_ADAPTIVE,
                                             _Py_OPARG(code[site->fused]));
    }
}

/* Write a jump back (`op`, JUMP_BACKWARD or JUMP_BACKWARD_NO_INTERRUPT)
 * from out[*at] to unit `to`, with the prefixes it needs. */
static int
p11_emit_back(_Py_CODEUNIT *out, int *at, int op, int to)
{
    for (int prefixes = 0; prefixes < 4; prefixes++) {
        unsigned int arg = (unsigned int)(*at + prefixes + 1 - to);
        int size = 0;
        p11_emit(NULL, &size, op, arg);
        if (size == prefixes + 1) {
            p11_emit(out, at, op, arg);
            return 0;
        }
    }
    return -1;
}

/* The instructions a wide site's probe makes after its branch when the
 * edge is not taken (one unit, no cache; none can run code): what it
 * pushes, or -1. */
static int
p11_wide_next(int op)
{
    switch (op) {
    case LOAD_FAST:
    case LOAD_CONST:
    case PUSH_NULL:
        return 1;
    case NOP:
        return 0;
    default:
        return -1;
    }
}

/* A wide site: a conditional jump (no prefix, `op` its forward form) whose
 * stub lies beyond its reach takes the unit after it (the fall-through's
 * instruction, made by the probe) for EXTENDED_ARG and JUMP_FORWARD to
 * the stub, whose probe makes the branch's test with the frame at the
 * branch (pep669_backend_branch_site_test):
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE taken;
 *     [POP_TOP;] JUMP_BACKWARD_NO_INTERRUPT <after the next instruction>
 *     taken: POP_TOP; JUMP_BACKWARD(_NO_INTERRUPT) <destination>
 * The branch's condition stays in its stack slot until the probe takes
 * it: None (popped on the taken path, and where the next instruction
 * pushes nothing) or what that instruction pushes goes there. */
static int
p11_wide_site_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                   _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                   uint8_t *taken, const int *depth, const uint8_t *entered,
                   int op, int backward)
{
    int s = site->at / P11_UNIT, d = site->loc / P11_UNIT;
    if (site->width != P11_UNIT || s + 2 >= units || taken[s] ||
        taken[s + 1] || entered[s + 1] || depth[s] < 1 ||
        depth[s] + 1 > co->co_stacksize ||
        (op != POP_JUMP_FORWARD_IF_FALSE && op != POP_JUMP_FORWARD_IF_TRUE &&
         op != POP_JUMP_FORWARD_IF_NONE &&
         op != POP_JUMP_FORWARD_IF_NOT_NONE)) {
        return -1;
    }
    Pep669Instr next = instr_at(code, units, s + 1);
    int pushes = p11_wide_next(next.op);
    if (next.unit != s + 1 || instr_next(next) != s + 2 || pushes < 0) {
        return -1;
    }
    /* (the stub has one handler: its test raises at the branch, the next
     * instruction at its own unit, a callback at the destination) */
    int t0, dl0, t1, dl1, t2, dl2;
    int h0 = p11_handler(co, s, &t0, &dl0);
    int h1 = p11_handler(co, s + 1, &t1, &dl1);
    int h2 = p11_handler(co, d, &t2, &dl2);
    if (h0 != h1 || h0 != h2 ||
        (h0 && (t0 != t1 || t0 != t2 || dl0 != dl1 || dl0 != dl2))) {
        return -1;
    }
    int start = *at, pos = *at;
    /* (EXTENDED_ARG 0 is no instruction 3.11 runs) */
    while (pos - (s + 2) < 256) {
        out[pos++] = _Py_MAKECODEUNIT(NOP, 0);
    }
    unsigned int arg = (unsigned int)(pos - (s + 2));
    if (arg >= 65536) {
        return -1;
    }
    p11_emit(out, &pos, LOAD_CONST, (unsigned int)k);
    int test = pos++;
    if (pushes == 0) {
        out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    }
    if (p11_emit_back(out, &pos, JUMP_BACKWARD_NO_INTERRUPT, s + 2) < 0 ||
        pos - test - 1 > 255) {
        return -1;
    }
    out[test] = _Py_MAKECODEUNIT(POP_JUMP_FORWARD_IF_TRUE, pos - test - 1);
    out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    if (p11_emit_back(out, &pos,
                      backward ? JUMP_BACKWARD : JUMP_BACKWARD_NO_INTERRUPT,
                      d) < 0) {
        return -1;
    }
    taken[s] = taken[s + 1] = 1;
    site->width = 2 * P11_UNIT;
    memcpy(site->saved, &code[s], sizeof(_Py_CODEUNIT) * 2);
    out[s] = _Py_MAKECODEUNIT(EXTENDED_ARG, arg >> 8);
    out[s + 1] = _Py_MAKECODEUNIT(JUMP_FORWARD, arg & 0xff);
    site->stub = start * P11_UNIT;
    site->stub_end = pos * P11_UNIT;
    site->depth = depth[s];
    site->op = next.op;
    site->oparg = next.arg;
    site->after = 1;
    /* (the prefix keeps the COMPARE_OP before it from fusing: adaptive
     * again once the branch is itself again, p11_unfuse) */
    int cmp = s - 1 - (int)INLINE_CACHE_ENTRIES_COMPARE_OP;
    site->fused = cmp >= 1 && _Py_OPCODE(code[cmp]) == COMPARE_OP ? cmp : 0;
    site->patched = 1;
    *at = pos;
    return 0;
}

/* A wide site's test (its stub's probe), the frame in its stub: the
 * branch's condition from its slot, tested with the frame at the branch;
 * the slot then holds None, or, where the edge is not taken, what the
 * instruction after the branch pushes (made with the frame there).  1:
 * taken, 0: not, -1 with an exception (raised at the branch or at that
 * instruction). */
/* (py311_far.h) */
static int p11_far_branch_test(Pep669Frame *frame, Pep669Site *site);
static int p11_far_compare_test(Pep669Frame *frame, Pep669Site *site);

int
pep669_backend_branch_site_test(Pep669Frame *frame, Pep669Site *site)
{
    if (site->after >= 2) {
        return site->after == 2 ? p11_far_branch_test(frame, site)
                                : p11_far_compare_test(frame, site);
    }
    _PyInterpreterFrame *f = FRAME(frame);
    PyCodeObject *clone = f->f_code;
    _Py_CODEUNIT *here = f->prev_instr, first;
    int s = site->at / P11_UNIT, backward, taken;
    PEP669_ASSERT(site->after && site->depth >= 1 &&
                  here - _PyCode_CODE(clone) >= site->stub / P11_UNIT &&
                  here - _PyCode_CODE(clone) < site->stub_end / P11_UNIT);
    memcpy(&first, site->saved, sizeof(first));
    int op = p11_forward_jump(_PyOpcode_Deopt[_Py_OPCODE(first)], &backward);
    PyObject **slot = f->localsplus + clone->co_nlocalsplus + site->depth - 1;
    PyObject *cond = *slot;
    Py_INCREF(Py_None);
    *slot = Py_None;
    f->prev_instr = _PyCode_CODE(clone) + s;
    if (op == POP_JUMP_FORWARD_IF_NONE) {
        taken = Py_IsNone(cond);
    }
    else if (op == POP_JUMP_FORWARD_IF_NOT_NONE) {
        taken = !Py_IsNone(cond);
    }
    else {
        int truth = PyObject_IsTrue(cond);
        if (truth < 0) {
            Py_DECREF(cond);
            return -1;
        }
        taken = op == POP_JUMP_FORWARD_IF_TRUE ? truth : !truth;
    }
    Py_DECREF(cond);
    if (!taken) {
        PyObject *value = Py_None;
        f->prev_instr = _PyCode_CODE(clone) + s + 1;
        switch (site->op) {
        case LOAD_FAST:
            value = f->localsplus[site->oparg];
            if (value == NULL) {
                PyErr_Format(PyExc_UnboundLocalError,
                             "cannot access local variable '%U' where it "
                             "is not associated with a value",
                             PyTuple_GET_ITEM(clone->co_localsplusnames,
                                              site->oparg));
                return -1;
            }
            Py_INCREF(value);
            break;
        case LOAD_CONST:
            value = PyTuple_GET_ITEM(clone->co_consts, site->oparg);
            Py_INCREF(value);
            break;
        case PUSH_NULL:
            value = NULL;
            break;
        default:
            /* (NOP: the stub pops the None) */
            Py_INCREF(value);
            break;
        }
        *slot = value;
        Py_DECREF(Py_None);
    }
    f->prev_instr = here;
    return taken;
}

/* A site on a jump: its stub at out[*at] (moved past it), the jump made
 * to go there, its units marked in `taken`.  -1 if it cannot. */
static int
p11_jump_site_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                   _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                   uint8_t *taken, const int *depth, const uint8_t *entered)
{
    int op, backward;
    if (p11_jump_site(co, code, units, site, &op, &backward) < 0) {
        return -1;
    }
    int s = site->at / P11_UNIT, width = site->width / P11_UNIT;
    if (width == 1 && p11_write_jump(NULL, site, op, *at) < 0) {
        /* (beyond an unprefixed jump's reach) */
        return p11_wide_site_stub(co, code, units, out, at, k, site, taken,
                                  depth, entered, op, backward);
    }
    int start = *at;
    if (width >= 2) {
        /* The jump keeps its prefixes, and EXTENDED_ARG 0 is no
         * instruction 3.11 runs (its debug build asserts a prefix's
         * argument): the stub stands far enough for the first prefix to
         * be nonzero, behind unreachable NOPs (256 at most in all: the
         * stubs only move on; the copy's buffer has room for them). */
        long long need = (long long)s + width + (1LL << (8 * (width - 1)));
        if (need - *at > 256) {
            return -1;
        }
        while (*at < need) {
            out[(*at)++] = _Py_MAKECODEUNIT(NOP, 0);
        }
    }
    int size = p11_stub(out, *at, k, site->loc / P11_UNIT,
                        backward ? JUMP_BACKWARD : JUMP_BACKWARD_NO_INTERRUPT);
    if (size < 0 || p11_write_jump(NULL, site, op, *at) < 0) {
        *at = start;
        return -1;
    }
    for (int w = 0; w < width; w++) {
        if (taken[s + w]) {
            return -1;
        }
        taken[s + w] = 1;
    }
    memcpy(site->saved, &code[s], sizeof(_Py_CODEUNIT) * (size_t)width);
    (void)p11_write_jump(out, site, op, *at);
    site->stub = start * P11_UNIT;
    *at += size;
    site->stub_end = *at * P11_UNIT;
    site->patched = 1;
    return 0;
}

#endif
