/* Backend parts shared by the versions whose eval-frame hook receives a
 * PyFrameObject (3.8, 3.9, 3.10).  Included by exactly one backend_py3X.c
 * per build, after it defined:
 *   PEP669_LASTI(f)         offset in bytes of the last instruction run,
 *                           or -1 before the first
 *   PEP669_SUSPENDED(f)     non-zero when the run ended by a yield
 *   PEP669_USE_TRACING(ts)  the lvalue gating legacy trace calls
 *   PEP669_SET_USE_TRACING(ts, on)  (for backend_trampoline.h)
 *   PEP669_TRACING_POSSIBLE_ADD(ts, n)  count of trace functions that
 *                           the evaluator's per-instruction gate sees
 *   PEP669_JUMP_UNIT        bytes per unit of a jump's argument
 *   PEP669_FORWARD_JUMP_LINES  see pep669_backend_forward_jump_lines
 *   PEP669_STACK_TOP(f)     the value stack's top during a trace call
 *   eval_prev(ts, f, throwflag)  the evaluator we chained to */
#ifndef PEP669_BACKEND_PYFRAME_H
#define PEP669_BACKEND_PYFRAME_H

#include <frameobject.h>
#include <opcode.h>

#include "events.h"
#include "trace.h"
#define PEP669_TRAMPOLINE_FRAME(f) ((Pep669Frame *)(f))
#define PEP669_TRAMPOLINE_LASTI(f) PEP669_LASTI(f)
#include "backend_trampoline.h"

#define FRAME(frame) ((PyFrameObject *)(frame))

static inline int
code_opcode(PyCodeObject *co, int offset)
{
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    return _Py_OPCODE(code[offset / (int)sizeof(_Py_CODEUNIT)]);
}

/* Whether f_lasti designates the instruction before a YIELD_FROM that a
 * suspension left it on.  That instruction is never itself a yield, and
 * cannot raise (LOAD_CONST None), so the frame is in the YIELD_FROM. */
static int
in_yield_from(PyCodeObject *co, int lasti)
{
    int next = lasti + (int)sizeof(_Py_CODEUNIT);
    return (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                            CO_ASYNC_GENERATOR)) &&
           lasti >= 0 && next < PyBytes_GET_SIZE(co->co_code) &&
           code_opcode(co, next) == YIELD_FROM &&
           code_opcode(co, lasti) != YIELD_VALUE;
}

PyObject *
pep669_backend_eval_prev(PyThreadState *ts, Pep669Frame *frame,
                         int throwflag)
{
    return eval_prev(ts, FRAME(frame), throwflag);
}

PyCodeObject *
pep669_backend_frame_code(Pep669Frame *frame)
{
    return FRAME(frame)->f_code;
}

Py_ssize_t
pep669_backend_code_units(PyCodeObject *co)
{
    return PyBytes_GET_SIZE(co->co_code) / (Py_ssize_t)sizeof(_Py_CODEUNIT);
}

int
pep669_backend_frame_entry(PyThreadState *Py_UNUSED(ts), Pep669Frame *frame,
                           int throwflag, int *offset, int *fresh)
{
    int lasti = PEP669_LASTI(FRAME(frame));
    *fresh = lasti < 0;
    /* A suspended frame continues after its last instruction: the
     * YIELD_VALUE, or, for `yield from`/`await`, the instruction before
     * the YIELD_FROM that runs again. */
    *offset = lasti < 0 ? 0 : lasti + (int)sizeof(_Py_CODEUNIT);
    if (throwflag) {
        return PEP669_EV_PY_THROW;
    }
    return lasti < 0 ? PEP669_EV_PY_START : PEP669_EV_PY_RESUME;
}

int
pep669_backend_frame_exit(PyThreadState *Py_UNUSED(ts), Pep669Frame *frame,
                          PyObject *result, int *offset)
{
    PyFrameObject *f = FRAME(frame);
    int lasti = PEP669_LASTI(f);
    *offset = lasti < 0 ? 0 : lasti;
    if (in_yield_from(f->f_code, lasti)) {
        /* Suspended in (or thrown into, or closed in) a YIELD_FROM, which
         * leaves f_lasti one instruction early so that it runs again. */
        *offset = lasti + (int)sizeof(_Py_CODEUNIT);
    }
    if (result == NULL) {
        return PEP669_EV_PY_UNWIND;
    }
    return PEP669_SUSPENDED(f) ? PEP669_EV_PY_YIELD : PEP669_EV_PY_RETURN;
}

void
pep669_backend_frame_link(PyThreadState *ts, Pep669Frame *frame,
                          Pep669Link *link)
{
    /* f_back is already right: set when the frame was created, and for
     * generators by gen_send_ex before every run. */
    link->current = ts->frame;
    link->instr = NULL;
    ts->frame = FRAME(frame);
}

void
pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *Py_UNUSED(frame),
                            Pep669Link *link)
{
    ts->frame = (PyFrameObject *)link->current;
}

void
pep669_backend_frame_add_traceback(PyThreadState *Py_UNUSED(ts),
                                   Pep669Frame *frame)
{
    PyTraceBack_Here(FRAME(frame));
}

int
pep669_backend_frame_prepare_throw(PyThreadState *Py_UNUSED(ts),
                                   Pep669Frame *Py_UNUSED(frame),
                                   int Py_UNUSED(at_entry))
{
    /* A fresh frame, or one suspended by a yield, is exactly as
     * generator.throw() finds it. */
    return 0;
}

int
pep669_backend_suppressed(PyThreadState *ts)
{
    return ts->tracing > 0;
}

/* As the interpreter's call_trace() does around legacy trace calls. */
void
pep669_backend_enter_callback(PyThreadState *ts)
{
    ts->tracing++;
    PEP669_USE_TRACING(ts) = 0;
}

void
pep669_backend_leave_callback(PyThreadState *ts)
{
    ts->tracing--;
    PEP669_USE_TRACING(ts) =
        (ts->c_tracefunc != NULL || ts->c_profilefunc != NULL);
}

Pep669Frame *
pep669_backend_current_frame(PyThreadState *ts)
{
    return (Pep669Frame *)ts->frame;
}

Pep669Frame *
pep669_backend_frame_back(Pep669Frame *frame)
{
    return (Pep669Frame *)FRAME(frame)->f_back;
}

int
pep669_backend_frame_lasti(Pep669Frame *frame)
{
    return PEP669_LASTI(FRAME(frame));
}

Pep669Frame *
pep669_backend_pyframe_frame(PyFrameObject *f)
{
    return (Pep669Frame *)f;
}

PyCodeObject *
pep669_backend_pyframe_code(PyFrameObject *f)
{
    return f->f_code;
}

int
pep669_backend_pyframe_lasti(PyFrameObject *f)
{
    return PEP669_LASTI(f);
}

int
pep669_backend_pyframe_line(PyFrameObject *f)
{
    return f->f_lineno;
}

PyFrameObject *
pep669_backend_frame_pyframe(Pep669Frame *frame)
{
    return FRAME(frame);
}

PyFrameObject *
pep669_backend_pyframe_back(PyFrameObject *f)
{
    Py_XINCREF(f->f_back);
    return f->f_back;
}

PyFrameObject *
pep669_backend_current_pyframe(PyThreadState *ts)
{
    return ts->frame;
}

int
pep669_backend_jump_kind(PyCodeObject *co, int *offset, int *next,
                         int *target)
{
    Py_ssize_t size = PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int unit = *offset / (int)sizeof(_Py_CODEUNIT), op, oparg = 0;
    for (;;) {
        op = _Py_OPCODE(code[unit]);
        oparg = (oparg << 8) | _Py_OPARG(code[unit]);
        if (op != EXTENDED_ARG ||
            (unit + 1) * (Py_ssize_t)sizeof(_Py_CODEUNIT) >= size) {
            break;
        }
        unit++;
    }
    *offset = unit * (int)sizeof(_Py_CODEUNIT);
    *next = *offset + (int)sizeof(_Py_CODEUNIT);
    switch (op) {
    case JUMP_FORWARD:
    case FOR_ITER:
        *target = *next + oparg * PEP669_JUMP_UNIT;
        return op == FOR_ITER ? PEP669_EV_BRANCH : PEP669_EV_JUMP;
    case JUMP_ABSOLUTE:
        *target = oparg * PEP669_JUMP_UNIT;
        return PEP669_EV_JUMP;
    case POP_JUMP_IF_FALSE:
    case POP_JUMP_IF_TRUE:
    case JUMP_IF_FALSE_OR_POP:
    case JUMP_IF_TRUE_OR_POP:
#ifdef JUMP_IF_NOT_EXC_MATCH
    case JUMP_IF_NOT_EXC_MATCH:
#endif
        *target = oparg * PEP669_JUMP_UNIT;
        return PEP669_EV_BRANCH;
    default:
        *target = -1;
        return -1;
    }
}

int
pep669_backend_instr_class(PyCodeObject *co, int offset)
{
    switch (code_opcode(co, offset)) {
    case CALL_FUNCTION:
    case CALL_FUNCTION_KW:
    case CALL_METHOD:
    case CALL_FUNCTION_EX:
        return PEP669_INSTR_CALL;
    case RAISE_VARARGS:
#ifdef END_FINALLY
    case END_FINALLY:
#endif
#ifdef RERAISE
    case RERAISE:
#endif
    case END_ASYNC_FOR:
        return PEP669_INSTR_RERAISE;
#ifdef CALL_FINALLY
    case CALL_FINALLY:
        return PEP669_INSTR_RETURN_POINT;
#endif
    default:
        return 0;
    }
}

int
pep669_backend_flow(PyCodeObject *co, int offset, int *next, int *target)
{
    Py_ssize_t size = PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int unit = offset / (int)sizeof(_Py_CODEUNIT), op, oparg = 0;
    for (;;) {
        op = _Py_OPCODE(code[unit]);
        oparg = (oparg << 8) | _Py_OPARG(code[unit]);
        if (op != EXTENDED_ARG ||
            (unit + 1) * (Py_ssize_t)sizeof(_Py_CODEUNIT) >= size) {
            break;
        }
        unit++;
    }
    int at = unit * (int)sizeof(_Py_CODEUNIT);
    int after = at + (int)sizeof(_Py_CODEUNIT);
    *next = after < size ? after : -1;
    *target = -1;
    switch (op) {
    case JUMP_FORWARD:
        *next = -1;
        *target = after + oparg * PEP669_JUMP_UNIT;
        break;
    case JUMP_ABSOLUTE:
        *next = -1;
        *target = oparg * PEP669_JUMP_UNIT;
        break;
    case FOR_ITER:
    case SETUP_FINALLY:
    case SETUP_WITH:
    case SETUP_ASYNC_WITH:
#ifdef CALL_FINALLY
    case CALL_FINALLY:
#endif
        *target = after + oparg * PEP669_JUMP_UNIT;
        break;
    case POP_JUMP_IF_FALSE:
    case POP_JUMP_IF_TRUE:
    case JUMP_IF_FALSE_OR_POP:
    case JUMP_IF_TRUE_OR_POP:
#ifdef JUMP_IF_NOT_EXC_MATCH
    case JUMP_IF_NOT_EXC_MATCH:
#endif
        *target = oparg * PEP669_JUMP_UNIT;
        break;
    case RETURN_VALUE:
    case RAISE_VARARGS:
#ifdef RERAISE
    case RERAISE:
#endif
        *next = -1;
        break;
    default:
        break;
    }
    if (*target >= size) {
        return -1;
    }
    return at;
}

int
pep669_backend_handlers(PyCodeObject *Py_UNUSED(co), int *Py_UNUSED(handlers),
                        int Py_UNUSED(max))
{
    /* SETUP_FINALLY, SETUP_WITH, ... name them: flow targets. */
    return 0;
}

#if PEP669_FORWARD_JUMP_LINES
int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, in one pass. */
    PyCodeAddressRange bounds;
    int units = (int)pep669_backend_code_units(co);
    bounds.opaque.lo_next = PyBytes_AS_STRING(co->co_linetable);
    bounds.opaque.limit = bounds.opaque.lo_next +
                          PyBytes_GET_SIZE(co->co_linetable);
    bounds.opaque.computed_line = co->co_firstlineno;
    bounds.ar_start = -1;
    bounds.ar_end = 0;
    bounds.ar_line = -1;
    for (int unit = 0; unit < units; unit++) {
        lines[unit] = _PyCode_CheckLineNumber(
            unit * (int)sizeof(_Py_CODEUNIT), &bounds);
    }
    return PEP669_LINES_CHANGE;
}
#else
int
pep669_backend_code_lines(PyCodeObject *co, int *lines)
{
    /* What PyCode_Addr2Line() computes, a line-table window at a time. */
    int units = (int)pep669_backend_code_units(co);
    for (int unit = 0; unit < units;) {
        PyAddrPair bounds;
        int line = _PyCode_CheckLineNumber(
            co, unit * (int)sizeof(_Py_CODEUNIT), &bounds);
        int end = bounds.ap_upper / (int)sizeof(_Py_CODEUNIT);
        if (end > units || bounds.ap_upper == INT_MAX) {
            end = units;
        }
        if (end <= unit) {
            end = unit + 1;
        }
        for (; unit < end; unit++) {
            lines[unit] = line;
        }
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
pep669_backend_call_at(PyFrameObject *f, int offset, int *call_offset,
                       PyObject **callable, PyObject **arg0, int *inlined)
{
    PyCodeObject *co = f->f_code;
    Py_ssize_t size = PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int unit = offset / (int)sizeof(_Py_CODEUNIT), op, n = 0;
    PyObject **sp = PEP669_STACK_TOP(f);
    for (;;) {
        op = _Py_OPCODE(code[unit]);
        n = (n << 8) | _Py_OPARG(code[unit]);
        if (op != EXTENDED_ARG ||
            (unit + 1) * (Py_ssize_t)sizeof(_Py_CODEUNIT) >= size) {
            break;
        }
        unit++;
    }
    *call_offset = unit * (int)sizeof(_Py_CODEUNIT);
    switch (op) {
    case CALL_FUNCTION:
        *callable = sp[-n - 1];
        *arg0 = n > 0 ? sp[-n] : NULL;
        *inlined = is_inlined(*callable, 1);
        return 1;
    case CALL_FUNCTION_KW:
        /* The names of the keyword arguments are on top. */
        *callable = sp[-n - 2];
        *arg0 = n > 0 ? sp[-n - 1] : NULL;
        *inlined = is_inlined(*callable, 1);
        return 1;
    case CALL_METHOD:
        /* LOAD_METHOD left (method, self) or (NULL, callable). */
        return read_method_call(sp, n, callable, arg0, inlined);
    case CALL_FUNCTION_EX:
        return read_ex_call(sp, n, callable, arg0, inlined);
    default:
        return 0;
    }
}


int
pep669_backend_reraise_at(PyFrameObject *f, int offset, PyObject **exc)
{
    PyCodeObject *co = f->f_code;
    int op = code_opcode(co, offset);
    int oparg = _Py_OPARG(((const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code))[offset / (int)sizeof(_Py_CODEUNIT)]);
    PyObject **sp = PEP669_STACK_TOP(f);
    *exc = NULL;
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
    _Py_CODEUNIT word = ((const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code))[offset / (int)sizeof(_Py_CODEUNIT)];
    return _Py_OPCODE(word) == RAISE_VARARGS && _Py_OPARG(word) == 0;
}

int
pep669_backend_frame_drives_generator(Pep669Frame *frame, int *offset)
{
    PyFrameObject *f = FRAME(frame);
    int lasti = PEP669_LASTI(f);
    if (lasti < 0) {
        return 0;
    }
    int op = code_opcode(f->f_code, lasti);
    if (op == FOR_ITER || op == YIELD_FROM) {
        *offset = lasti;
        return 1;
    }
    /* A YIELD_FROM resumed runs with f_lasti one instruction early. */
    if (in_yield_from(f->f_code, lasti)) {
        *offset = lasti + (int)sizeof(_Py_CODEUNIT);
        return 1;
    }
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

#endif
