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
    case FOR_ITER:
        cls = PEP669_INSTR_FOR_ITER;
        break;
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


/* One signed varint of the location table (6 bits a byte, bit 6: more;
 * the sign in the lowest bit). */
static inline int
p11_signed_varint(const uint8_t *p)
{
    unsigned int read = *p++, val = read & 63, shift = 0;
    while (read & 64) {
        read = *p++;
        shift += 6;
        val |= (read & 63) << shift;
    }
    return (val & 1) ? -(int)(val >> 1) : (int)(val >> 1);
}

int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, read straight from the location
     * table (Objects/locations.md): each entry starts with a byte with
     * bit 7 set, its kind in bits 3-6 and its length in code units less
     * one in bits 0-2; only the line delta matters here (15: no line;
     * 13, 14: a signed varint follows; 11, 12: one or two lines on;
     * others: the same line).  Units past the table have none. */
    const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(co->co_linetable);
    const uint8_t *limit = p + PyBytes_GET_SIZE(co->co_linetable);
    int line = co->co_firstlineno, entry = -1, end = 0, n = (int)Py_SIZE(co);
    /* (one loop over the units, an entry read where the last one ends:
     * entries cover one to eight units) */
    for (int unit = 0; unit < n; unit++) {
        if (unit == end) {
            if (p >= limit) {
                entry = -1;
                end = n;
            }
            else {
                int byte = *p, kind = (byte >> 3) & 15;
                end = unit + (byte & 7) + 1;
                switch (kind) {
                case 15:
                    entry = -1;
                    break;
                case 13:
                case 14:
                    line += p11_signed_varint(p + 1);
                    entry = line;
                    break;
                case 11:
                case 12:
                    line += kind - 10;
                    entry = line;
                    break;
                default:
                    entry = line;
                    break;
                }
                do {
                    p++;
                } while (p < limit && !(*p & 128));
            }
        }
        lines[unit] = entry;
    }
    return PEP669_LINES_CHANGE;
}

#endif
