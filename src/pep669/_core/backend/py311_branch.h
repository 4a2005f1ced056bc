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
 * it (specialized while the jump went forward) is adaptive again. */
static void
p11_unfuse(_Py_CODEUNIT *code, const Pep669Site *site)
{
    if (site->fused <= 0) {
        return;
    }
    int op = _Py_OPCODE(code[site->fused]);
    if (op == COMPARE_OP_FLOAT_JUMP || op == COMPARE_OP_INT_JUMP ||
        op == COMPARE_OP_STR_JUMP) {
        code[site->fused] = _Py_MAKECODEUNIT(COMPARE_OP_ADAPTIVE,
                                             _Py_OPARG(code[site->fused]));
    }
}

/* A site on a jump: its stub at out[*at] (moved past it), the jump made
 * to go there, its units marked in `taken`.  -1 if it cannot. */
static int
p11_jump_site_stub(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                   _Py_CODEUNIT *out, int *at, int k, Pep669Site *site,
                   uint8_t *taken)
{
    int op, backward;
    if (p11_jump_site(co, code, units, site, &op, &backward) < 0) {
        return -1;
    }
    int s = site->at / P11_UNIT, width = site->width / P11_UNIT;
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
