/* What the flow analysis (lineflow.c) reads of 3.11's bytecode in its
 * one pass (included by backend/py311.c only): pep669_backend_step, what
 * pep669_backend_jump_kind, _instr_class, _flow and _next_instruction
 * there say of one instruction, from one decoding (tools/flow_digest.py
 * shows the analysis unchanged), and the line table; pep669_backend_flow
 * (the jump regions' walk) from the same table. */
#ifndef PEP669_PY311_FLOW_H
#define PEP669_PY311_FLOW_H

#ifndef UNIT
#  error "py311_flow.h is included by backend/py311.c only"
#endif

/* What an opcode is to the flow analysis, in a table built on first use
 * (P11_STEP_*; its P11_J_* in the low bits): one load per instruction
 * instead of two switches. */
#define P11_STEP_BACK 16      /* its jump goes back (after - oparg) */
#define P11_STEP_STOPS 32     /* it never goes on to the next */
#define P11_STEP_UNKNOWN 64   /* a jump this file does not know */
#define P11_STEP_CLS_SHIFT 8  /* then its PEP669_INSTR_* */
static uint16_t p11_step_info[256];
static int p11_step_info_built;

static uint16_t
p11_op_step_info(int op)
{
    int t, cls = 0, info = p11_jump(op, 1, 0, &t);
    if (info && t < 0) {
        info |= P11_STEP_BACK;
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
        info |= P11_STEP_STOPS;
        break;
    case RETURN_VALUE:
        info |= P11_STEP_STOPS;
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
        if (!info && (_PyOpcode_Jump[op >> 5] & (1u << (op & 31)))) {
            info |= P11_STEP_UNKNOWN;
        }
        break;
    }
    return (uint16_t)(info | (cls << P11_STEP_CLS_SHIFT));
}

static void
p11_step_info_build(void)
{
    for (int op = 0; op < 256; op++) {
        p11_step_info[op] = p11_op_step_info(op);
    }
    p11_step_info_built = 1;
}

/* pep669_backend_step of the instruction at `unit` of the running
 * bytecode code[0 .. units-1] (p11_step_info built). */
static inline void
p11_step_at(const _Py_CODEUNIT *code, int units, int unit, Pep669Step *step)
{
    Pep669Instr in = instr_at(code, units, unit);
    int oparg = in.arg, after = instr_next(in), info = p11_step_info[in.op];
    int kind = -1, next = after < units ? after * UNIT : -1;
    int target = -1, known = !(info & P11_STEP_UNKNOWN);
    if (info & P11_J_TAKES) {
        kind = info & P11_J_JUMP     ? PEP669_EV_JUMP
               : info & P11_J_BRANCH ? PEP669_EV_BRANCH
                                     : -1;
        next = info & P11_J_ALWAYS ? -1 : next;
        target = ((info & P11_STEP_BACK) ? after - oparg : after + oparg) *
                 UNIT;
        if (target >= units * UNIT) {
            known = 0;
        }
    }
    if (info & P11_STEP_STOPS) {
        next = -1;
    }
    step->at = in.unit * UNIT;
    step->after = after * UNIT;
    step->kind = kind;
    step->cls = info >> P11_STEP_CLS_SHIFT;
    step->known = known;
    step->next = next;
    step->target = target;
}

int
pep669_backend_flow(PyCodeObject *co, int offset, int *next, int *target)
{
    Pep669Step st;
    if (!p11_step_info_built) {
        p11_step_info_build();
    }
    p11_step_at(PEP669_CODE(co), (int)Py_SIZE(co), offset / UNIT, &st);
    *next = st.next;
    *target = st.target;
#ifdef PEP669_DEBUG
    {
        int n, t, at = p11_flow_switch(co, offset, &n, &t);
        PEP669_ASSERT(at == (st.known ? st.at : -1));
        PEP669_ASSERT(at < 0 || (n == st.next && t == st.target));
    }
#endif
    return st.known ? st.at : -1;
}

int
pep669_backend_copy_weight(PyCodeObject *co, int offset)
{
    Pep669Instr in = instr_decode(co, offset);
    if (in.op == PRECALL) {
        return 0;
    }
    return in.op == LOAD_GLOBAL && (in.arg & 1) ? 2 : 1;
}

void
pep669_backend_step(PyCodeObject *co, int offset, Pep669Step *step)
{
    if (!p11_step_info_built) {
        p11_step_info_build();
    }
    p11_step_at(PEP669_CODE(co), (int)Py_SIZE(co), offset / UNIT, step);
}

/* pep669_backend_decode_table's table (by opcode byte as stored: the
 * specialised forms deoptimised), built on first use */
static uint32_t p11_decode_table[256];
static int p11_decode_table_built;

const uint32_t *
pep669_backend_decode_table(PyCodeObject *co, const _Py_CODEUNIT **code,
                            int *units, int *scale)
{
    if (!p11_decode_table_built) {
        if (!p11_step_info_built) {
            p11_step_info_build();
        }
        for (int raw = 0; raw < 256; raw++) {
            int op = PEP669_DEOPT(raw), info = p11_step_info[op], kind = -1;
            uint32_t dec = (uint32_t)(info >> P11_STEP_CLS_SHIFT);
            PEP669_ASSERT(dec < 256 && PEP669_CACHES(op) < 256);
            if (info & P11_J_TAKES) {
                kind = info & P11_J_JUMP     ? PEP669_EV_JUMP
                       : info & P11_J_BRANCH ? PEP669_EV_BRANCH
                                             : -1;
                dec |= PEP669_DEC_TARGET;
                dec |= (info & P11_STEP_BACK) ? PEP669_DEC_BACK
                                              : PEP669_DEC_REL;
                dec |= (info & P11_J_ALWAYS) ? PEP669_DEC_STOPS : 0;
            }
            dec |= (uint32_t)(uint8_t)(int8_t)kind << 16;
            dec |= (info & P11_STEP_STOPS) ? PEP669_DEC_STOPS : 0;
            dec |= (info & P11_STEP_UNKNOWN) ? PEP669_DEC_UNKNOWN : 0;
            dec |= op == EXTENDED_ARG ? PEP669_DEC_EXT : 0;
            dec |= (uint32_t)PEP669_CACHES(op) << 24;
            p11_decode_table[raw] = dec;
        }
        p11_decode_table_built = 1;
    }
    *code = PEP669_CODE(co);
    *units = (int)Py_SIZE(co);
    *scale = UNIT;
    return p11_decode_table;
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

/* Per first byte of a location table entry (bit 7 set, its kind in bits
 * 3-6, its length in code units less one in bits 0-2): bits 0-1, how many
 * bytes it takes, for the forms whose size the kind gives (short forms
 * 0-9, a byte of columns; one-line forms 10-12, two bytes), else 0 (13,
 * 14: a signed varint of the line's move and more varints; 15: no line);
 * bits 2-3, how far the line moves (10-12: 0-2); bits 5-7 its length
 * less one. */
#define P11_KIND(b) (((b) >> 3) & 15)
#define P11_LOC(b) \
    ((uint8_t)((P11_KIND(b) < 10 ? 2 : P11_KIND(b) < 13 ? 3 : 0) | \
               ((P11_KIND(b) >= 10 && P11_KIND(b) < 13 \
                     ? P11_KIND(b) - 10 : 0) << 2) | \
               (((b) & 7) << 5)))
#define P11_LOC4(b) P11_LOC(b), P11_LOC((b) + 1), P11_LOC((b) + 2), \
    P11_LOC((b) + 3)
#define P11_LOC16(b) P11_LOC4(b), P11_LOC4((b) + 4), P11_LOC4((b) + 8), \
    P11_LOC4((b) + 12)
#define P11_LOC64(b) P11_LOC16(b), P11_LOC16((b) + 16), \
    P11_LOC16((b) + 32), P11_LOC16((b) + 48)
static const uint8_t p11_loc_entry[256] = {
    P11_LOC64(0), P11_LOC64(64), P11_LOC64(128), P11_LOC64(192)
};
#undef P11_LOC64
#undef P11_LOC16
#undef P11_LOC4
#undef P11_LOC

/* An entry's line into lines[unit .. unit + 7] (its one to eight units,
 * and the next entries' units, which they store over), two stores. */
#if defined(__GNUC__) || defined(__clang__)
typedef int p11_int4 __attribute__((vector_size(16)));
#define P11_STORE8(lines, unit, entry) \
    do { \
        p11_int4 v_ = {(entry), (entry), (entry), (entry)}; \
        memcpy((lines) + (unit), &v_, sizeof(v_)); \
        memcpy((lines) + (unit) + 4, &v_, sizeof(v_)); \
    } while (0)
#else
#define P11_STORE8(lines, unit, entry) \
    do { \
        for (int k_ = 0; k_ < 8; k_++) { \
            (lines)[(unit) + k_] = (entry); \
        } \
    } while (0)
#endif

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
    int line = co->co_firstlineno, unit = 0, n = (int)Py_SIZE(co);
    /* (an entry at a time, its units filled by two stores of eight
     * while eight units follow: entries cover one to eight units, the
     * next one's stores go over the rest) */
    while (unit < n && p < limit) {
        int how = p11_loc_entry[*p], entry;
        if (how & 3) {
            line += (how >> 2) & 3;
            entry = line;
            p += how & 3;
        }
        else {
            if (P11_KIND(*p) == 15) {
                entry = -1;
            }
            else {
                line += p11_signed_varint(p + 1);
                entry = line;
            }
            do {
                p++;
            } while (p < limit && !(*p & 128));
        }
        PEP669_ASSERT(p >= limit || (*p & 128));
        int end = unit + (how >> 5) + 1;
        if (unit + 8 <= n) {
            P11_STORE8(lines, unit, entry);
        }
        else {
            /* (the last few units: no store past the code) */
            end = end > n ? n : end;
            for (int u = unit; u < end; u++) {
                lines[u] = entry;
            }
        }
        unit = end;
    }
    for (; unit < n; unit++) {
        lines[unit] = -1;
    }
    return PEP669_LINES_CHANGE;
}
#undef P11_KIND
#undef P11_STORE8

#endif
