/* The instruction decoder, every version: the one place that reads an
 * instruction's EXTENDED_ARG prefixes.  Contract: backend/README.md. */
#ifndef PEP669_DECODE_C_H
#define PEP669_DECODE_C_H

/* const _Py_CODEUNIT * of the code's running bytecode */
#ifndef PEP669_CODE
#  error "decode.c.h needs PEP669_CODE(co) (backend/README.md)"
#endif
/* how many code units it has */
#ifndef PEP669_CODE_UNITS
#  error "decode.c.h needs PEP669_CODE_UNITS(co) (backend/README.md)"
#endif
/* the base opcode of an opcode as stored (3.11: specialised forms) */
#ifndef PEP669_DEOPT
#  error "decode.c.h needs PEP669_DEOPT(op) (backend/README.md)"
#endif
/* inline cache units after an instruction of base opcode op */
#ifndef PEP669_CACHES
#  error "decode.c.h needs PEP669_CACHES(op) (backend/README.md)"
#endif

/* (backend.h) why the last clone was refused */
const char *pep669_clone_why = NULL;
int pep669_clone_why_at = -1;

/* One instruction, in code units. */
typedef struct {
    int op;     /* its base opcode */
    int arg;    /* its argument, with the bytes of its prefixes */
    int unit;   /* where its opcode is (past its prefixes) */
} Pep669Instr;

/* The instruction that starts at `unit` (at its first EXTENDED_ARG
 * prefix, if any) of code[0 .. units-1].  A prefix in the last unit is
 * taken for the instruction. */
static inline Pep669Instr
instr_at(const _Py_CODEUNIT *code, int units, int unit)
{
    Pep669Instr in;
    int op;
    unsigned int arg = 0;
    for (;;) {
        op = PEP669_DEOPT(_Py_OPCODE(code[unit]));
        arg = (arg << 8) | (unsigned int)_Py_OPARG(code[unit]);
        if (op != EXTENDED_ARG || unit + 1 >= units) {
            break;
        }
        unit++;
    }
    in.op = op;
    in.arg = (int)arg;
    in.unit = unit;
    return in;
}

/* Where the instruction after it is (past its inline caches). */
static inline int
instr_next(Pep669Instr in)
{
    return in.unit + 1 + PEP669_CACHES(in.op);
}

/* The same at byte `offset` of the code's running bytecode. */
static inline Pep669Instr
instr_decode(PyCodeObject *co, int offset)
{
    return instr_at(PEP669_CODE(co), (int)PEP669_CODE_UNITS(co),
                    offset / (int)sizeof(_Py_CODEUNIT));
}

/* Where the instruction whose opcode is at `unit` starts: its first
 * prefix (at most three; an argument has 32 bits). */
static inline int
instr_start(const _Py_CODEUNIT *code, int unit)
{
    int start = unit;
    while (start > 0 && unit - start < 3 &&
           PEP669_DEOPT(_Py_OPCODE(code[start - 1])) == EXTENDED_ARG) {
        start--;
    }
    return start;
}

/* The base opcode of the unit at byte `offset` (prefixes not skipped). */
static inline int
code_opcode(PyCodeObject *co, int offset)
{
    return PEP669_DEOPT(
        _Py_OPCODE(PEP669_CODE(co)[offset / (int)sizeof(_Py_CODEUNIT)]));
}

/* pep669_backend_code_trace_cache (backend.h) */
int
pep669_backend_code_trace_cache(PyCodeObject *co, int drop)
{
#ifdef PUSH_EXC_INFO
    /* (3.11: made with PyMem_Malloc by _PyCode_CreateLineArray, read only
     * under a trace call, which makes it first when it is NULL, and by
     * PyCode_Addr2Line when it is there) */
    if (co->_co_linearray == NULL) {
        return 0;
    }
    if (drop) {
        PyMem_Free(co->_co_linearray);
        co->_co_linearray = NULL;
    }
    return 1;
#else
    (void)co;
    (void)drop;
    return 0;
#endif
}

/* pep669_backend_code_exc_plain (backend.h): no exception handler, no
 * bare `raise`, nothing that drives a generator, not a generator. */
int
pep669_backend_code_exc_plain(PyCodeObject *co)
{
    if (co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE |
                        CO_ASYNC_GENERATOR)) {
        return 0;
    }
#ifdef PUSH_EXC_INFO
    /* (3.11: the handlers are in the exception table) */
    if (PyBytes_GET_SIZE(co->co_exceptiontable) > 0) {
        return 0;
    }
#endif
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int units = (int)PEP669_CODE_UNITS(co);
    for (int unit = 0; unit < units;) {
        Pep669Instr in = instr_at(code, units, unit);
        switch (in.op) {
        case RAISE_VARARGS:
            if (in.arg == 0) {
                return 0;
            }
            break;
        case FOR_ITER:
        case POP_EXCEPT:
        case YIELD_VALUE:
#ifdef SETUP_FINALLY
        case SETUP_FINALLY:
#endif
#ifdef SETUP_WITH
        case SETUP_WITH:
#endif
#ifdef SETUP_ASYNC_WITH
        case SETUP_ASYNC_WITH:
#endif
#ifdef END_FINALLY
        case END_FINALLY:
#endif
#ifdef RERAISE
        case RERAISE:
#endif
#ifdef YIELD_FROM
        case YIELD_FROM:
#endif
#ifdef SEND
        case SEND:
#endif
#ifdef PUSH_EXC_INFO
        case PUSH_EXC_INFO:
#endif
#ifdef END_ASYNC_FOR
        case END_ASYNC_FOR:
#endif
            return 0;
        default:
            break;
        }
        unit = instr_next(in);
    }
    return 1;
}

#endif
