/* The stack depths of 3.11's deoptimized bytes, for the copy of a code
 * object (included by backend/py311_clone.h only, after its exception
 * table reader; moved out of it in session 19). */
#ifndef PEP669_PY311_DEPTHS_H
#define PEP669_PY311_DEPTHS_H

#ifndef P11_UNIT
#  error "py311_depths.h is included by py311_clone.h only"
#endif

/* The largest stack depth before each unit of the deoptimized bytes
 * (prefixes included; -1: not reached), with the compiler's own stack
 * effects, from the start and from every handler; `entered[u]` is set
 * where a jump or a handler arrives (or a suspended frame resumes).
 * -1 on an instruction this does not know. */
static int
p11_depths(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
           int *depth, uint8_t *entered, int *work, uint8_t *queued)
{
    int n = 0, cap = co->co_stacksize + 1, pushes = 0;
    for (int u = 0; u < units; u++) {
        depth[u] = -1;
        entered[u] = 0;
        queued[u] = 0;
    }
    if (units == 0) {
        return 0;
    }
    depth[0] = 0;
    work[n++] = 0;
    queued[0] = 1;
    /* The handlers: the stack cut to their depth, then lasti (if kept)
     * and the exception. */
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size, target, dl;
        p = read_exc_entry(p, end, &start, &size, &target,
                           &dl);
        if (target < 0 || target >= units) {
            return -1;
        }
        int d = (dl >> 1) + (dl & 1) + 1;
        entered[target] = 1;
        if (d > depth[target]) {
            depth[target] = d > cap ? cap : d;
            if (!queued[target]) {
                queued[target] = 1;
                work[n++] = target;
            }
        }
    }
    while (n > 0) {
        int u = work[--n], oparg, after, next, target;
        queued[u] = 0;
        if (++pushes > 64 * units + 64) {
            return -1;
        }
        Pep669Instr in = instr_at(code, units, u);
        int op = in.op;
        oparg = in.arg;
        after = instr_next(in);
        next = after < units ? after : -1;
        target = -1;
        int jump = p11_jump(op, oparg, after, &target);
        if (jump & P11_J_ALWAYS) {
            next = -1;
        }
        switch (op) {
        case RETURN_VALUE:
        case RAISE_VARARGS:
        case RERAISE:
            next = -1;
            break;
        case YIELD_VALUE:
            /* (the frame resumes after it) */
            if (next >= 0) {
                entered[next] = 1;
            }
            break;
        default:
            if (!jump && (_PyOpcode_Jump[op >> 5] & (1u << (op & 31)))) {
                return -1;
            }
            break;
        }
        if (target >= units) {
            return -1;
        }
        int succ[2] = {next, target};
        for (int jump = 0; jump < 2; jump++) {
            int to = succ[jump];
            if (to < 0) {
                continue;
            }
            int effect = PyCompile_OpcodeStackEffectWithJump(op, oparg, jump);
            if (effect == PY_INVALID_STACK_EFFECT) {
                return -1;
            }
            int d = depth[u] + effect;
            if (jump) {
                entered[to] = 1;
            }
            /* (the prefix: RETURN_GENERATOR's POP_TOP pops what the
             * generator's first send pushes) */
            if (d < 0) {
                d = 0;
            }
            if (d > cap) {
                d = cap;
            }
            if (d > depth[to]) {
                depth[to] = d;
                if (!queued[to]) {
                    queued[to] = 1;
                    work[n++] = to;
                }
            }
        }
        /* (prefix units stand where their instruction does) */
        for (int k = u + 1; k < units && k < after &&
                            _PyOpcode_Deopt[_Py_OPCODE(code[k - 1])] ==
                                EXTENDED_ARG; k++) {
            if (depth[u] > depth[k]) {
                depth[k] = depth[u];
            }
        }
    }
    return 0;
}

#endif
