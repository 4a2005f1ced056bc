/* Bytecode, 3.8-3.10 (co_code, no inline caches): what each opcode is
 * (one table), where control goes, lines, re-raises.  Contract:
 * backend/README.md. */
#ifndef PEP669_BYTECODE_C_H
#define PEP669_BYTECODE_C_H

/* bytes per unit of a jump's argument: 1 (3.8/3.9), 2 (3.10, bpo-27129) */
#ifndef PEP669_JUMP_UNIT
#  error "bytecode.c.h needs PEP669_JUMP_UNIT (backend/README.md)"
#endif
/* 1: legacy tracing reports a line at any change of line (3.10, PEP 626);
 * 0: at line-table entries and backward jumps only (3.8/3.9) */
#ifndef PEP669_FORWARD_JUMP_LINES
#  error "bytecode.c.h needs PEP669_FORWARD_JUMP_LINES (backend/README.md)"
#endif
/* the value stack's top during a trace call */
#ifndef PEP669_STACK_TOP
#  error "bytecode.c.h needs PEP669_STACK_TOP(f) (backend/README.md)"
#endif
#if !defined(PEP669_FRAME_C_H) || !defined(PEP669_DECODE_C_H) || \
    !defined(PEP669_CALLS_C_H)
#  error "bytecode.c.h needs decode.c.h, calls.c.h and frame.c.h first"
#endif

/* Where control goes from an instruction, by opcode (op_flow):
 *   FLOW_REL    it can jump to the instruction after it + its argument
 *   FLOW_ABS    it can jump to its argument
 *   FLOW_STOPS  it never goes on to the instruction after it
 *   FLOW_JUMP   its jump is a JUMP event (unconditional)
 *   FLOW_BRANCH its jump is a BRANCH event (conditional)
 * (argument in units of PEP669_JUMP_UNIT).  SETUP_* and CALL_FINALLY
 * name a handler or a finally block: targets, not events. */
#define FLOW_REL 1
#define FLOW_ABS 2
#define FLOW_STOPS 4
#define FLOW_JUMP 8
#define FLOW_BRANCH 16
static const uint8_t op_flow[256] = {
    [JUMP_FORWARD] = FLOW_REL | FLOW_STOPS | FLOW_JUMP,
    [JUMP_ABSOLUTE] = FLOW_ABS | FLOW_STOPS | FLOW_JUMP,
    [FOR_ITER] = FLOW_REL | FLOW_BRANCH,
    [POP_JUMP_IF_FALSE] = FLOW_ABS | FLOW_BRANCH,
    [POP_JUMP_IF_TRUE] = FLOW_ABS | FLOW_BRANCH,
    [JUMP_IF_FALSE_OR_POP] = FLOW_ABS | FLOW_BRANCH,
    [JUMP_IF_TRUE_OR_POP] = FLOW_ABS | FLOW_BRANCH,
#ifdef JUMP_IF_NOT_EXC_MATCH
    [JUMP_IF_NOT_EXC_MATCH] = FLOW_ABS | FLOW_BRANCH,
#endif
    [SETUP_FINALLY] = FLOW_REL,
    [SETUP_WITH] = FLOW_REL,
    [SETUP_ASYNC_WITH] = FLOW_REL,
#ifdef CALL_FINALLY
    [CALL_FINALLY] = FLOW_REL,
#endif
    [RETURN_VALUE] = FLOW_STOPS,
    [RAISE_VARARGS] = FLOW_STOPS,
#ifdef RERAISE
    [RERAISE] = FLOW_STOPS,
#endif
};

/* What else an instruction can be, by opcode: pep669_backend_instr_class
 * (PEP669_INSTR_* in backend.h). */
static const uint8_t op_class[256] = {
    [CALL_FUNCTION] = PEP669_INSTR_CALL,
    [CALL_FUNCTION_KW] = PEP669_INSTR_CALL,
    [CALL_METHOD] = PEP669_INSTR_CALL,
    [CALL_FUNCTION_EX] = PEP669_INSTR_CALL,
    [RAISE_VARARGS] = PEP669_INSTR_RERAISE,
#ifdef END_FINALLY
    [END_FINALLY] = PEP669_INSTR_RERAISE,
#endif
#ifdef RERAISE
    [RERAISE] = PEP669_INSTR_RERAISE,
#endif
    /* (the end of the loop pops the handler block) */
    [END_ASYNC_FOR] = PEP669_INSTR_RERAISE | PEP669_INSTR_HANDLER_EXIT,
    [POP_EXCEPT] = PEP669_INSTR_HANDLER_EXIT,
    [FOR_ITER] = PEP669_INSTR_FOR_ITER,
#ifdef WITH_CLEANUP_FINISH
    [WITH_CLEANUP_FINISH] = PEP669_INSTR_HANDLER_EXIT,
    /* (3.8: the `with` exit's call, callsite.c.h; its stub: callstub.c.h) */
    [WITH_CLEANUP_START] = PEP669_INSTR_CALL,
#endif
#ifdef POP_FINALLY
    [POP_FINALLY] = PEP669_INSTR_HANDLER_EXIT,
#endif
#ifdef CALL_FINALLY
    [CALL_FINALLY] = PEP669_INSTR_RETURN_POINT,
#endif
};

/* The offset (bytes) a jump instruction `in` can go to: `flow` its
 * op_flow, `after` the offset of the instruction after it. */
static inline int
flow_target(int flow, const Pep669Instr *in, int after)
{
    return ((flow & FLOW_REL) ? after : 0) + in->arg * PEP669_JUMP_UNIT;
}

Py_ssize_t
pep669_backend_code_units(PyCodeObject *co)
{
    return PyBytes_GET_SIZE(co->co_code) / (Py_ssize_t)sizeof(_Py_CODEUNIT);
}

int
pep669_backend_jump_kind(PyCodeObject *co, int *offset, int *next,
                         int *target)
{
    Pep669Instr in = instr_decode(co, *offset);
    int flow = op_flow[in.op];
    *offset = in.unit * (int)sizeof(_Py_CODEUNIT);
    *next = instr_next(in) * (int)sizeof(_Py_CODEUNIT);
    if (!(flow & (FLOW_JUMP | FLOW_BRANCH))) {
        *target = -1;
        return -1;
    }
    *target = flow_target(flow, &in, *next);
    return (flow & FLOW_JUMP) ? PEP669_EV_JUMP : PEP669_EV_BRANCH;
}

int
pep669_backend_instr_class(PyCodeObject *co, int offset)
{
    return op_class[code_opcode(co, offset)];
}

int
pep669_backend_flow(PyCodeObject *co, int offset, int *next, int *target)
{
    Py_ssize_t size = PyBytes_GET_SIZE(co->co_code);
    Pep669Instr in = instr_decode(co, offset);
    int flow = op_flow[in.op];
    int after = instr_next(in) * (int)sizeof(_Py_CODEUNIT);
    *next = after < size && !(flow & FLOW_STOPS) ? after : -1;
    *target = -1;
    if (flow & (FLOW_REL | FLOW_ABS)) {
        *target = flow_target(flow, &in, after);
        if (*target >= size) {
            return -1;
        }
    }
    return in.unit * (int)sizeof(_Py_CODEUNIT);
}

/* pep669_backend_step of the instruction at `unit` of code[0 .. units-1]
 * (`size` bytes). */
static inline void
step_at(const _Py_CODEUNIT *code, int units, int size, int unit,
        Pep669Step *step)
{
    Pep669Instr in = instr_at(code, units, unit);
    int flow = op_flow[in.op];
    int after = instr_next(in) * (int)sizeof(_Py_CODEUNIT);
    step->at = in.unit * (int)sizeof(_Py_CODEUNIT);
    step->after = after;
    /* (by FLOW_JUMP and FLOW_BRANCH: a load, not two tests) */
    static const int8_t kind_of[4] = {-1, PEP669_EV_JUMP, PEP669_EV_BRANCH,
                                      PEP669_EV_JUMP};
    _Static_assert(FLOW_JUMP == 8 && FLOW_BRANCH == 16, "kind_of's index");
    step->kind = kind_of[(flow >> 3) & 3];
    step->cls = op_class[in.op];
    step->next = after < size && !(flow & FLOW_STOPS) ? after : -1;
    step->target = -1;
    step->known = 1;
    if (flow & (FLOW_REL | FLOW_ABS)) {
        step->target = flow_target(flow, &in, after);
        step->known = step->target < size;
    }
}

int
pep669_backend_copy_weight(PyCodeObject *co, int offset)
{
    (void)co;
    (void)offset;
    return 1;
}

void
pep669_backend_step(PyCodeObject *co, int offset, Pep669Step *step)
{
    step_at(PEP669_CODE(co), (int)PEP669_CODE_UNITS(co),
            (int)PyBytes_GET_SIZE(co->co_code),
            offset / (int)sizeof(_Py_CODEUNIT), step);
}

/* pep669_backend_decode_table's table, built on first use */
static uint32_t decode_table[256];
static int decode_table_built;

const uint32_t *
pep669_backend_decode_table(PyCodeObject *co, const _Py_CODEUNIT **code,
                            int *units, int *scale)
{
    if (!decode_table_built) {
        for (int op = 0; op < 256; op++) {
            int flow = op_flow[op];
            uint32_t info = op_class[op];
            /* (kind as step_at has it: by FLOW_JUMP, then FLOW_BRANCH) */
            int kind = (flow & FLOW_JUMP) ? PEP669_EV_JUMP
                       : (flow & FLOW_BRANCH) ? PEP669_EV_BRANCH : -1;
            PEP669_ASSERT(op_class[op] < 256);
            info |= (uint32_t)(uint8_t)(int8_t)kind << 16;
            info |= op == EXTENDED_ARG ? PEP669_DEC_EXT : 0;
            info |= (flow & FLOW_STOPS) ? PEP669_DEC_STOPS : 0;
            info |= (flow & (FLOW_REL | FLOW_ABS)) ? PEP669_DEC_TARGET : 0;
            info |= (flow & FLOW_REL) ? PEP669_DEC_REL : 0;
            decode_table[op] = info;
        }
        decode_table_built = 1;
    }
    *code = PEP669_CODE(co);
    *units = (int)PEP669_CODE_UNITS(co);
    *scale = PEP669_JUMP_UNIT;
    return decode_table;
}

int
pep669_backend_handlers(PyCodeObject *Py_UNUSED(co), int *Py_UNUSED(handlers),
                        int Py_UNUSED(max))
{
    /* SETUP_FINALLY, SETUP_WITH, ... name them: flow targets. */
    return 0;
}

/* `entry` into lines[unit .. end - 1] (unit < end <= units), eight units
 * a time (two 16-byte stores) while eight units follow in the code: the
 * stores past `end` are the next entries' units, which they store over
 * (each stores its first eight at least), or the table's end's, stored
 * -1 after. */
#if defined(__GNUC__) || defined(__clang__)
typedef int lines_int4 __attribute__((vector_size(16)));
#endif
static inline void
lines_fill(int *lines, int unit, int end, int units, int entry)
{
#if defined(__GNUC__) || defined(__clang__)
    lines_int4 v = {entry, entry, entry, entry};
    for (; unit < end && unit + 8 <= units; unit += 8) {
        memcpy(lines + unit, &v, sizeof(v));
        memcpy(lines + unit + 4, &v, sizeof(v));
    }
#endif
    for (; unit < end; unit++) {
        lines[unit] = entry;
    }
}

#if PEP669_FORWARD_JUMP_LINES
int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, read straight from the line table
     * (Objects/lnotab_notes.txt): pairs of an offset delta (unsigned
     * byte) and a line delta (signed byte; -128: no line) each covering
     * the next delta bytes (none: the line moves all the same).  Units
     * past the table have none. */
    const unsigned char *p =
        (const unsigned char *)PyBytes_AS_STRING(co->co_linetable);
    const unsigned char *limit = p + PyBytes_GET_SIZE(co->co_linetable);
    int units = (int)pep669_backend_code_units(co);
    int line = co->co_firstlineno, unit = 0;
    for (; p + 1 < limit && unit < units; p += 2) {
        int ldelta = (signed char)p[1], entry = -1;
        int end = unit + p[0] / (int)sizeof(_Py_CODEUNIT);
        if (ldelta != -128) {
            line += ldelta;
            entry = line;
        }
        if (end > units) {
            end = units;
        }
        if (end > unit) {
            lines_fill(lines, unit, end, units, entry);
            unit = end;
        }
    }
    for (; unit < units; unit++) {
        lines[unit] = -1;
    }
    return PEP669_LINES_CHANGE;
}
#else
int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, read straight from co_lnotab
     * (Objects/lnotab_notes.txt): pairs of an offset increment (unsigned
     * byte) and a line increment (signed byte) that applies from that
     * offset on; the units before each entry's offset have the line before
     * it (an odd offset, from an increment split in parts, is inside a
     * unit: that unit has the line before). */
    const unsigned char *p =
        (const unsigned char *)PyBytes_AS_STRING(co->co_lnotab);
    const unsigned char *limit = p + PyBytes_GET_SIZE(co->co_lnotab);
    int units = (int)pep669_backend_code_units(co);
    int line = co->co_firstlineno, unit = 0, addr = 0;
    for (; p + 1 < limit && unit < units; p += 2) {
        int end;
        addr += p[0];
        end = (addr + 1) / (int)sizeof(_Py_CODEUNIT);
        if (end > units) {
            end = units;
        }
        if (end > unit) {
            lines_fill(lines, unit, end, units, line);
            unit = end;
        }
        line += (signed char)p[1];
    }
    for (; unit < units; unit++) {
        lines[unit] = line;
    }
    return PEP669_LINES_WINDOW;
}
#endif

int
pep669_backend_next_instruction(PyCodeObject *Py_UNUSED(co), int offset)
{
    return offset + (int)sizeof(_Py_CODEUNIT);
}

int
pep669_backend_first_line_offset(PyCodeObject *Py_UNUSED(co))
{
    return 0;
}

int
pep669_backend_forward_jump_lines(void)
{
    return PEP669_FORWARD_JUMP_LINES;
}

int
pep669_backend_reraise_at(PyFrameObject *f, int offset, PyObject **exc,
                          int *at)
{
    PyCodeObject *co = f->f_code;
    _Py_CODEUNIT word = PEP669_CODE(co)[offset / (int)sizeof(_Py_CODEUNIT)];
    int op = _Py_OPCODE(word), oparg = _Py_OPARG(word);
    PyObject **sp = PEP669_STACK_TOP(f);
    *exc = NULL;
    *at = offset;
    switch (op) {
    case RAISE_VARARGS:
        if (oparg != 0) {
            return 0;
        }
        *exc = handled_exception();
        return *exc != NULL;
#ifdef END_FINALLY
    case END_FINALLY:
        /* 3.8: (tb, value, type) on top when an exception goes on;
         * NULL or an int (a pending return/continue) otherwise. */
        if (sp[-1] == NULL || PyLong_CheckExact(sp[-1]) ||
            !PyExceptionClass_Check(sp[-1])) {
            return 0;
        }
        *exc = Py_NewRef(sp[-2]);
        return 1;
#endif
#ifdef RERAISE
    case RERAISE:
        /* 3.9/3.10: (tb, value, type) on top. */
        *exc = Py_NewRef(sp[-2]);
#if PY_VERSION_HEX >= 0x030A0000
        /* 3.10's RERAISE 1 puts the frame back where the exception came
         * into its handler, which its EXCEPT_HANDLER block kept. */
        if (oparg != 0 && f->f_iblock > 0 &&
            f->f_blockstack[f->f_iblock - 1].b_type == EXCEPT_HANDLER) {
            int back = f->f_blockstack[f->f_iblock - 1].b_handler *
                       (int)sizeof(_Py_CODEUNIT);
            if (back >= 0 && back < PyBytes_GET_SIZE(co->co_code)) {
                *at = back;
            }
        }
#endif
        return 1;
#endif
    case END_ASYNC_FOR:
        if (PyErr_GivenExceptionMatches(sp[-1], PyExc_StopAsyncIteration)) {
            return 0;
        }
        *exc = Py_NewRef(sp[-2]);
        return 1;
    default:
        return 0;
    }
}

int
pep669_backend_bare_raise_at(Pep669Frame *frame, int offset)
{
    PyCodeObject *co = FRAME(frame)->f_code;
    if (offset < 0 || offset >= PyBytes_GET_SIZE(co->co_code)) {
        return 0;
    }
    _Py_CODEUNIT word = PEP669_CODE(co)[offset / (int)sizeof(_Py_CODEUNIT)];
    return _Py_OPCODE(word) == RAISE_VARARGS && _Py_OPARG(word) == 0;
}

/* The depth of the block stack (SETUP_FINALLY blocks: a handler's own
 * EXCEPT_HANDLER block is not counted) before the instruction at `unit`
 * is `d`: record it, or find it differs from what another path gave. */
static inline int
flat_reach(signed char *depth, int *work, int *nwork, int unit, int units,
           int d)
{
    if (unit < 0 || unit >= units || d < 0 || d > 100) {
        return -1;
    }
    if (depth[unit] < 0) {
        depth[unit] = (signed char)d;
        work[(*nwork)++] = unit;
        return 0;
    }
    return depth[unit] == d ? 0 : -1;
}

/* How far a cleanup handler's straight run (3.10's `except ... as
 * name`: LOAD_CONST None; STORE_FAST; DELETE_FAST; RERAISE 1) is looked
 * along. */
#define FLAT_RUN 8
/* flat marks: a jump's target, a handler's first instruction, a RERAISE
 * that puts the raising instruction back as the frame's last one */
#define FLAT_TARGET 1
#define FLAT_HANDLER 2
#define FLAT_LATE 4

/* The RERAISE 1 at `unit` is reached only from the start of a handler
 * that nothing falls into, through instructions that neither jump nor
 * are jumped to (pep669_backend_handler_restores_lasti finds it from
 * there). */
static int
flat_late_covered(const _Py_CODEUNIT *code, const uint8_t *mark, int unit)
{
    for (int step = 0; step < FLAT_RUN; step++) {
        if (mark[unit] & FLAT_HANDLER) {
            if (unit == 0) {
                return 0;
            }
            int prev = instr_start(code, unit - 1);
            Pep669Instr in = instr_at(code, unit, prev);
            return (op_flow[in.op] & FLOW_STOPS) != 0;
        }
        if ((mark[unit] & FLAT_TARGET) || unit == 0) {
            return 0;
        }
        int prev = instr_start(code, unit - 1);
        Pep669Instr in = instr_at(code, unit, prev);
        if (op_flow[in.op] != 0) {
            return 0;
        }
        unit = prev;
    }
    return 0;
}

/* pep669_backend_code_exc_flat (backend.h). */
int
pep669_backend_code_exc_flat(PyCodeObject *co)
{
    if (co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE |
                        CO_ASYNC_GENERATOR)) {
        return 0;
    }
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int units = (int)PEP669_CODE_UNITS(co), nwork = 0, flat = 1;
    signed char *depth = PyMem_Malloc((size_t)units + 1);
    int *work = PyMem_Malloc(((size_t)units + 1) * sizeof(int));
    uint8_t *mark = PyMem_Calloc((size_t)units + 1, 1);
    if (depth == NULL || work == NULL || mark == NULL) {
        PyMem_Free(depth);
        PyMem_Free(work);
        PyMem_Free(mark);
        return 0;
    }
    memset(depth, -1, (size_t)units + 1);
    if (units > 0 && flat_reach(depth, work, &nwork, 0, units, 0) < 0) {
        flat = 0;
    }
    while (flat && nwork > 0) {
        int start = work[--nwork], d = depth[start];
        Pep669Instr in = instr_at(code, units, start);
        int flow = op_flow[in.op], after_d = d, target_d = d;
        switch (in.op) {
        case SETUP_FINALLY:
            /* (its handler starts with the block popped) */
            after_d = d + 1;
            break;
        case POP_BLOCK:
            after_d = d - 1;
            break;
        case RAISE_VARARGS:
            flat = in.arg != 0 || d == 0;
            break;
#ifdef END_FINALLY
        case END_FINALLY:
            flat = d == 0;
            break;
#endif
#ifdef RERAISE
        case RERAISE:
            flat = d == 0;
            if (in.arg != 0) {
                /* 3.10's RERAISE 1 puts the raising instruction back as
                 * the frame's last one: only in a cleanup handler, which
                 * keeps the frame traced (checked below). */
                mark[start] |= FLAT_LATE;
            }
            break;
#endif
        case SETUP_WITH:
        case SETUP_ASYNC_WITH:
        case END_ASYNC_FOR:
        case YIELD_VALUE:
#ifdef YIELD_FROM
        case YIELD_FROM:
#endif
            flat = 0;
            break;
        default:
            break;
        }
        int after = instr_next(in);
        if (flat && !(flow & FLOW_STOPS) && after < units &&
            flat_reach(depth, work, &nwork, after, units, after_d) < 0) {
            flat = 0;
        }
        if (flat && (flow & (FLOW_REL | FLOW_ABS))) {
            int target = flow_target(flow, &in,
                                     after * (int)sizeof(_Py_CODEUNIT)) /
                         (int)sizeof(_Py_CODEUNIT);
            if (flat_reach(depth, work, &nwork, target, units,
                           target_d) < 0) {
                flat = 0;
            }
            else {
                mark[target] |= in.op == SETUP_FINALLY ? FLAT_HANDLER
                                                       : FLAT_TARGET;
            }
        }
    }
    for (int unit = 0; flat && unit < units; unit++) {
        if (mark[unit] & FLAT_LATE) {
            flat = flat_late_covered(code, mark, unit) ? 2 : 0;
        }
    }
    PyMem_Free(depth);
    PyMem_Free(work);
    PyMem_Free(mark);
    return flat;
}

int
pep669_backend_handler_restores_lasti(PyCodeObject *co, int offset)
{
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int units = (int)PEP669_CODE_UNITS(co);
    int unit = offset / (int)sizeof(_Py_CODEUNIT);
    for (int step = 0; step < FLAT_RUN && unit >= 0 && unit < units;
         step++) {
        Pep669Instr in = instr_at(code, units, unit);
#ifdef RERAISE
        if (in.op == RERAISE) {
            return in.arg != 0;
        }
#endif
        if (op_flow[in.op] != 0) {
            return 0;
        }
        unit = instr_next(in);
    }
    return 0;
}

int
pep669_backend_reraised_at(Pep669Frame *frame, int offset)
{
    PyCodeObject *co = FRAME(frame)->f_code;
    if (offset < 0 || offset >= PyBytes_GET_SIZE(co->co_code)) {
        return 0;
    }
    _Py_CODEUNIT word = PEP669_CODE(co)[offset / (int)sizeof(_Py_CODEUNIT)];
    switch (_Py_OPCODE(word)) {
    case RAISE_VARARGS:
        return _Py_OPARG(word) == 0;
#ifdef END_FINALLY
    case END_FINALLY:
        return 1;
#endif
#ifdef RERAISE
    case RERAISE:
        return _Py_OPARG(word) == 0;
#endif
    default:
        return 0;
    }
}

int
pep669_backend_reraise_chain(PyCodeObject *Py_UNUSED(co),
                             int Py_UNUSED(offset), int *Py_UNUSED(steps),
                             int Py_UNUSED(max))
{
    /* (flat code re-raises out of the frame) */
    return 0;
}

int
pep669_backend_handler_prologue(PyCodeObject *Py_UNUSED(co),
                                int Py_UNUSED(offset))
{
    /* The interpreter saves the handled exception on the block stack
     * before the handler's first instruction. */
    return 0;
}

int
pep669_backend_same_handler(PyCodeObject *Py_UNUSED(co), int Py_UNUSED(a),
                            int Py_UNUSED(b))
{
    return 1;
}

#endif
