/* What the flow analysis (lineflow.c) reads of 3.11's bytecode in its
 * one pass (included by backend/py311.c only): pep669_backend_step, what
 * pep669_backend_jump_kind, _instr_class, _flow and _next_instruction
 * there say of one instruction, from one decoding (tools/flow_digest.py
 * shows the analysis unchanged), and the line table. */
#ifndef PEP669_PY311_FLOW_H
#define PEP669_PY311_FLOW_H

#ifndef UNIT
#  error "py311_flow.h is included by backend/py311.c only"
#endif

void
pep669_backend_step(PyCodeObject *co, int offset, Pep669Step *step)
{
    Pep669Instr in = instr_decode(co, offset);
    int op = in.op, oparg = in.arg, after = instr_next(in);
    int kind = -1, cls = 0, next = after < Py_SIZE(co) ? after * UNIT : -1;
    int target = -1, known = 1;
    int t, jump = p11_jump(op, oparg, after, &t);
    if (jump) {
        kind = jump & P11_J_JUMP     ? PEP669_EV_JUMP
               : jump & P11_J_BRANCH ? PEP669_EV_BRANCH
                                     : -1;
        next = jump & P11_J_ALWAYS ? -1 : next;
        target = t * UNIT;
    }
    switch (op) {
    case SEND:
        cls = PEP669_INSTR_QUIET_BACK | PEP669_INSTR_FLOW_JUMP;
        break;
    case RAISE_VARARGS:
    case RERAISE:
        cls = PEP669_INSTR_RERAISE;
        next = -1;
        break;
    case RETURN_VALUE:
        next = -1;
        break;
    case PRECALL:
    case CALL_FUNCTION_EX:
        cls = PEP669_INSTR_CALL;
        break;
    case END_ASYNC_FOR:
        cls = PEP669_INSTR_RERAISE;
        break;
    case POP_EXCEPT:
        cls = PEP669_INSTR_HANDLER_EXIT;
        break;
    default:
        if (!jump && (_PyOpcode_Jump[op >> 5] & (1u << (op & 31)))) {
            known = 0;  /* a jump this file does not know */
        }
        break;
    }
    if (target >= Py_SIZE(co) * UNIT) {
        known = 0;
    }
    step->at = in.unit * UNIT;
    step->after = after * UNIT;
    step->kind = kind;
    step->cls = cls;
    step->known = known;
    step->next = next;
    step->target = target;
}


int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, in one pass. */
    PyCodeAddressRange bounds;
    bounds.opaque.lo_next = (const uint8_t *)PyBytes_AS_STRING(
        co->co_linetable);
    bounds.opaque.limit = bounds.opaque.lo_next +
                          PyBytes_GET_SIZE(co->co_linetable);
    bounds.opaque.computed_line = co->co_firstlineno;
    bounds.ar_start = -1;
    bounds.ar_end = 0;
    bounds.ar_line = -1;
    for (int unit = 0; unit < Py_SIZE(co);) {
        int at = unit * UNIT;
        int line = _PyCode_CheckLineNumber(at, &bounds);
        /* (the whole range it found has that line) */
        int end = bounds.ar_start <= at && at < bounds.ar_end
            ? (bounds.ar_end + UNIT - 1) / UNIT : unit + 1;
        if (end > Py_SIZE(co)) {
            end = (int)Py_SIZE(co);
        }
        for (; unit < end; unit++) {
            lines[unit] = line;
        }
    }
    return PEP669_LINES_CHANGE;
}

#endif
