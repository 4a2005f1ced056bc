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

/* The conditional jumps, all with an absolute target (case labels). */
#ifdef JUMP_IF_NOT_EXC_MATCH
#define CASES_CONDITIONAL_JUMP \
    case POP_JUMP_IF_FALSE: case POP_JUMP_IF_TRUE: \
    case JUMP_IF_FALSE_OR_POP: case JUMP_IF_TRUE_OR_POP: \
    case JUMP_IF_NOT_EXC_MATCH
#else
#define CASES_CONDITIONAL_JUMP \
    case POP_JUMP_IF_FALSE: case POP_JUMP_IF_TRUE: \
    case JUMP_IF_FALSE_OR_POP: case JUMP_IF_TRUE_OR_POP
#endif

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
    PyFrameObject *f = FRAME(frame);
    PyObject *gen = f->f_gen;
    /* f_back is already right: set when the frame was created, and for
     * generators by gen_send_ex before every run. */
    link->current = ts->frame;
    link->instr = NULL;
    ts->frame = f;
    /* Executing, as while the evaluator runs it.  (The generator's own
     * running flag is set already: gen_send_ex sets it around the whole
     * run, 3.8/3.9; 3.10 has only the frame's state.) */
#if PY_VERSION_HEX < 0x030A0000
    link->state = f->f_executing;
    link->stack = f->f_stacktop;
    f->f_executing = 1;
    if (gen != NULL && PyAsyncGen_CheckExact(gen)) {
        /* aclose()/athrow() check the stack before the running flag:
         * a finished frame's must not say "finished" yet. */
        if (f->f_stacktop == NULL) {
            f->f_stacktop = f->f_valuestack;
        }
    }
    else if (f->f_stacktop != NULL && in_yield_from(f->f_code, f->f_lasti)) {
        /* The running evaluator keeps the stack pointer to itself (NULL
         * here): close() and throw() must not find the delegate there
         * (they would close it and clear the running flag). */
        f->f_stacktop = NULL;
    }
#else
    link->state = f->f_state;
    f->f_state = FRAME_EXECUTING;
    link->stack = NULL;
    if (gen != NULL && f->f_stackdepth > 0 && in_yield_from(f->f_code,
                                                            PEP669_LASTI(f))) {
        /* close() and throw() take the top of a frame suspended in a
         * YIELD_FROM for its delegate whatever the frame's state, and
         * throw() pops it when it fails: hidden (None there) while
         * callbacks run. */
        PyObject **top = &f->f_valuestack[f->f_stackdepth - 1];
        link->stack = *top;
        *top = Py_NewRef(Py_None);
    }
#endif
    link->agen = -1;
    if (gen != NULL && PyAsyncGen_CheckExact(gen)) {
        link->agen = ((PyAsyncGenObject *)gen)->ag_running_async;
        ((PyAsyncGenObject *)gen)->ag_running_async = 1;
    }
    link->locals = NULL;
    link->locals_tag = 0;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && f->f_locals != NULL &&
        PyDict_CheckExact(f->f_locals)) {
        link->locals = f->f_locals;
        link->locals_tag = ((PyDictObject *)f->f_locals)->ma_version_tag;
    }
}

/* The callbacks changed the frame's f_locals dict (made it, or wrote to
 * it: a read refreshes it, which changes it only where the frame's
 * variables differ from it, and then writing it back changes nothing). */
static void
locals_sync(PyFrameObject *f, Pep669Link *link)
{
    PyObject *locals = f->f_locals;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
        PyDict_CheckExact(locals) &&
        ((void *)locals != link->locals ||
         ((PyDictObject *)locals)->ma_version_tag != link->locals_tag)) {
        /* (it saves and restores the exception being raised) */
        PyFrame_LocalsToFast(f, 0);
    }
}

void
pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *frame,
                            Pep669Link *link)
{
    PyFrameObject *f = FRAME(frame);
    locals_sync(f, link);
#if PY_VERSION_HEX < 0x030A0000
    f->f_executing = (char)link->state;
    f->f_stacktop = (PyObject **)link->stack;
#else
    f->f_state = (PyFrameState)link->state;
    if (link->stack != NULL) {
        PyObject **top = &f->f_valuestack[f->f_stackdepth - 1];
        PyObject *none = *top;
        *top = (PyObject *)link->stack;
        Py_DECREF(none);
    }
#endif
    if (link->agen >= 0 && f->f_gen != NULL) {
        ((PyAsyncGenObject *)f->f_gen)->ag_running_async = link->agen;
    }
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
    CASES_CONDITIONAL_JUMP:
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
        return PEP669_INSTR_RERAISE;
    case END_ASYNC_FOR:
        /* (the end of the loop pops the handler block) */
        return PEP669_INSTR_RERAISE | PEP669_INSTR_HANDLER_EXIT;
    case POP_EXCEPT:
#ifdef WITH_CLEANUP_FINISH
    case WITH_CLEANUP_FINISH:
#endif
#ifdef POP_FINALLY
    case POP_FINALLY:
#endif
        return PEP669_INSTR_HANDLER_EXIT;
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
    CASES_CONDITIONAL_JUMP:
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


static inline int call_read(int op, int n, PyObject **sp,
                            PyObject **callable, PyObject **arg0,
                            int *inlined);

/* pep669_backend_call_at with the stack's top at sp. */
static int
call_at_sp(PyCodeObject *co, int offset, PyObject **sp, int *call_offset,
           PyObject **callable, PyObject **arg0, int *inlined)
{
    Py_ssize_t size = PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int unit = offset / (int)sizeof(_Py_CODEUNIT), op, n = 0;
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
    return call_read(op, n, sp, callable, arg0, inlined);
}

/* The callable and first argument of the call `op` with argument `n`,
 * the stack's top at sp (see pep669_backend_call_at). */
static inline int
call_read(int op, int n, PyObject **sp, PyObject **callable,
          PyObject **arg0, int *inlined)
{
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
pep669_backend_call_at(PyFrameObject *f, int offset, int *call_offset,
                       PyObject **callable, PyObject **arg0, int *inlined)
{
    return call_at_sp(f->f_code, offset, PEP669_STACK_TOP(f), call_offset,
                      callable, arg0, inlined);
}


void
pep669_backend_frame_move(Pep669Frame *frame, int offset,
                          Pep669FramePos *saved)
{
    PyFrameObject *f = FRAME(frame);
    saved->lasti = f->f_lasti;
    saved->lineno = f->f_lineno;
    PEP669_SET_LASTI(f, offset);
    /* (3.10's trace call sets f_lineno, which then comes first; 3.8/3.9
     * keep it for a Python trace function) */
    if (f->f_lineno != 0) {
        f->f_lineno = PyCode_Addr2Line(f->f_code, offset);
    }
}

void
pep669_backend_frame_restore(Pep669Frame *frame, const Pep669FramePos *saved)
{
    PyFrameObject *f = FRAME(frame);
    f->f_lasti = saved->lasti;
    f->f_lineno = saved->lineno;
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
pep669_backend_in_handler(Pep669Frame *frame, PyObject *outside)
{
    /* Each handler's block, from the unwinding that entered it to its
     * POP_EXCEPT (or the re-raise that unwinds it). */
    PyFrameObject *f = FRAME(frame);
    (void)outside;
    for (int i = 0; i < f->f_iblock; i++) {
        if (f->f_blockstack[i].b_type == EXCEPT_HANDLER) {
            return 1;
        }
    }
    return 0;
}

PyObject *
pep669_backend_handler_mark(PyThreadState *ts)
{
    (void)ts;
    return NULL;
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
        return op == FOR_ITER ? 2 : 1;
    }
    /* A YIELD_FROM resumed runs with f_lasti one instruction early. */
    if (in_yield_from(f->f_code, lasti)) {
        *offset = lasti + (int)sizeof(_Py_CODEUNIT);
        return 1;
    }
    return 0;
}

int
pep669_backend_frame_delegating(Pep669Frame *frame, int *offset)
{
    PyFrameObject *f = FRAME(frame);
    int lasti = PEP669_LASTI(f);
    if (lasti < 0 || !(f->f_code->co_flags & (CO_GENERATOR | CO_COROUTINE |
                                               CO_ASYNC_GENERATOR))) {
        return 0;
    }
    if (in_yield_from(f->f_code, lasti)) {
        *offset = lasti + (int)sizeof(_Py_CODEUNIT);
        return 1;
    }
    /* (gen_throw moves it onto the YIELD_FROM once the subiterator
     * raised) */
    if (code_opcode(f->f_code, lasti) == YIELD_FROM) {
        *offset = lasti;
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


/* ---- line probes ---- */

int
pep669_backend_probes_supported(void)
{
    return prev_eval == _PyEval_EvalFrameDefault;
}

int
pep669_backend_clone_for_run(void)
{
    return 0;
}

PyCodeObject *
pep669_backend_own_code(PyCodeObject *co)
{
    /* (a frame shows its clone only until its first trace event, when
     * no Python code of it has run) */
    return co;
}

int
pep669_backend_code_read_before_call(void)
{
    return PEP669_CODE_READ_BEFORE_CALL;
}

void
pep669_backend_frame_set_code(Pep669Frame *frame, PyCodeObject *co)
{
    /* The frame keeps its reference to its own code; a clone is kept
     * alive by the hook's record while it is here. */
    FRAME(frame)->f_code = co;
}

void
pep669_backend_frame_set_lasti(Pep669Frame *frame, int offset)
{
    PEP669_SET_LASTI(FRAME(frame), offset);
}

void
pep669_backend_frame_resync(Pep669Frame *frame, int offset)
{
#if !PEP669_FORWARD_JUMP_LINES
    /* maybe_call_line_trace() takes the line from f_lineno while f_lasti
     * stays in the line-table window of its last reset, which may have
     * been made where the frame was untraced. */
    PyFrameObject *f = FRAME(frame);
    f->f_lineno = PyCode_Addr2Line(f->f_code, offset);
#else
    /* 3.10 computes both lines from f_lasti at every instruction. */
    (void)frame;
    (void)offset;
#endif
}

#define PROBE_UNIT ((int)sizeof(_Py_CODEUNIT))

/* Write `op` with `arg` (EXTENDED_ARG prefixes as needed) at out[*at],
 * or only count its size if out is NULL. */
static void
emit(unsigned char *out, int *at, int op, unsigned int arg)
{
    int shift = arg >= (1u << 16) ? 16 : arg >= (1u << 8) ? 8 : 0;
    if (arg >= (1u << 24)) {
        shift = 24;
    }
    for (; shift > 0; shift -= 8) {
        if (out != NULL) {
            out[*at] = EXTENDED_ARG;
            out[*at + 1] = (unsigned char)((arg >> shift) & 0xff);
        }
        *at += 2;
    }
    if (out != NULL) {
        out[*at] = (unsigned char)op;
        out[*at + 1] = (unsigned char)(arg & 0xff);
    }
    *at += 2;
}

/* The stack depth before each instruction (prefix included), as the
 * compiler computes co_stacksize (its largest over the paths), or -1 where
 * unknown; depths over the code's stack size are capped just above it.
 * Also marks in `entered` the units that control reaches by a jump or an
 * exception handler.  -1 if the analysis does not know an instruction. */
static int
probe_depths(PyCodeObject *co, int *depth, uint8_t *entered, int *work,
             uint8_t *queued)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, n = 0;
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int cap = co->co_stacksize + 1;
    for (int u = 0; u < units; u++) {
        depth[u] = -1;
        entered[u] = 0;
        queued[u] = 0;
    }
    if (units == 0) {
        return 0;
    }
    depth[0] = 0;
#ifdef GEN_START
    if (_Py_OPCODE(code[0]) == GEN_START) {
        /* It pops the value of the first send(). */
        depth[0] = 1;
    }
#endif
    work[n++] = 0;
    queued[0] = 1;
    while (n > 0) {
        int u = work[--n], next, target, op, oparg = 0, k = u;
        queued[u] = 0;
        int at = pep669_backend_flow(co, u * PROBE_UNIT, &next, &target);
        if (at < 0) {
            return -1;
        }
        for (; k <= at / PROBE_UNIT; k++) {
            oparg = (oparg << 8) | _Py_OPARG(code[k]);
        }
        op = _Py_OPCODE(code[at / PROBE_UNIT]);
        int succ[2] = {next, target};
        for (int jump = 0; jump < 2; jump++) {
            if (succ[jump] < 0) {
                continue;
            }
            int effect = PyCompile_OpcodeStackEffectWithJump(op, oparg, jump);
            if (effect == PY_INVALID_STACK_EFFECT) {
                return -1;
            }
            int d = depth[u] + effect, to = succ[jump] / PROBE_UNIT;
            if (jump) {
                entered[to] = 1;
            }
            if (d > cap) {
                d = cap;
            }
            if (d < 0) {
                return -1;
            }
            if (d > depth[to]) {
                depth[to] = d;
                if (!queued[to]) {
                    queued[to] = 1;
                    work[n++] = to;
                }
            }
        }
    }
    return 0;
}

static int
probe_opcode(const _Py_CODEUNIT *code, int units, int unit)
{
    while (unit < units - 1 && _Py_OPCODE(code[unit]) == EXTENDED_ARG) {
        unit++;
    }
    return _Py_OPCODE(code[unit]);
}

/* Can a jump to a stub be written at `loc` when it needs a prefix
 * (wide), which takes the unit after it? */
static int
probe_site_ok(PyCodeObject *co, const uint8_t *entered, int loc, int wide)
{
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int units = (int)(PyBytes_GET_SIZE(co->co_code) / PROBE_UNIT);
    int u = loc / PROBE_UNIT;
    if (!wide) {
        return 1;
    }
    if (u + 1 >= units || entered[u + 1]) {
        return 0;
    }
    /* Nor may the unit after it be where a suspended frame resumes or a
     * finally block returns. */
    int op = _Py_OPCODE(code[u]);
    if (op == YIELD_VALUE || probe_opcode(code, units, u + 1) == YIELD_FROM) {
        return 0;
    }
#ifdef CALL_FINALLY
    if (op == CALL_FINALLY) {
        return 0;
    }
#endif
    return 1;
}

/* The jump at site->src made to go to the site's stub: checks that the
 * argument fits in the instruction's prefixes (width set), and writes it
 * into out if given. */
static int
probe_retarget(PyCodeObject *co, Pep669Site *site, unsigned char *out)
{
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int next, target, at = pep669_backend_flow(co, site->src, &next, &target);
    if (at < 0 || target != site->loc) {
        return -1;
    }
    int op = _Py_OPCODE(code[at / PROBE_UNIT]);
    int after = at + PROBE_UNIT, stub = site->stub;
    unsigned int arg;
    switch (op) {
    case JUMP_FORWARD:
    case FOR_ITER:
        arg = (unsigned int)((stub - after) / PEP669_JUMP_UNIT);
        break;
    case JUMP_ABSOLUTE:
    CASES_CONDITIONAL_JUMP:
        arg = (unsigned int)(stub / PEP669_JUMP_UNIT);
        break;
    default:
        return -1;
    }
    int units = (after - site->src) / PROBE_UNIT;
    if (units > 4 || (units < 4 && arg >= (1u << (8 * units)))) {
        return -1;
    }
    site->width = after - site->src;
    if (out != NULL) {
        for (int k = 0; k < units; k++) {
            out[site->src + k * PROBE_UNIT + 1] =
                (unsigned char)((arg >> (8 * (units - 1 - k))) & 0xff);
        }
    }
    return 0;
}

int
pep669_backend_jump_reach(PyCodeObject *co, int src)
{
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int next, target, at = pep669_backend_flow(co, src, &next, &target);
    if (at < 0 || target < 0) {
        return -1;
    }
    int units = (at + PROBE_UNIT - src) / PROBE_UNIT;
    long long most = units >= 4 ? 0x7fffffffLL
                                : (1LL << (8 * units)) - 1;
    most *= PEP669_JUMP_UNIT;
    switch (_Py_OPCODE(code[at / PROBE_UNIT])) {
    case JUMP_FORWARD:
    case FOR_ITER:
        most += at + PROBE_UNIT;
        break;
    case JUMP_ABSOLUTE:
    CASES_CONDITIONAL_JUMP:
        break;
    default:
        return -1;
    }
    return most > 0x7fffffffLL ? 0x7fffffff : (int)most;
}

/* The call instruction whose opcode unit is at `loc`: its first byte
 * (prefixes included), opcode, argument, and how many stack items it
 * takes.  -1 if there is none. */
static int
call_instr(PyCodeObject *co, int loc, int *start, int *op, int *oparg,
           int *items)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        co->co_code);
    int u = loc / PROBE_UNIT, s = u, shift = 8;
    if (loc < 0 || loc >= size || loc % PROBE_UNIT) {
        return -1;
    }
    unsigned int arg = _Py_OPARG(code[u]);
    while (s > 0 && _Py_OPCODE(code[s - 1]) == EXTENDED_ARG && shift < 32) {
        s--;
        arg |= (unsigned int)_Py_OPARG(code[s]) << shift;
        shift += 8;
    }
    *start = s * PROBE_UNIT;
    *op = _Py_OPCODE(code[u]);
    *oparg = (int)arg;
    switch (*op) {
    case CALL_FUNCTION:
        *items = (int)arg + 1;
        return 0;
    case CALL_FUNCTION_KW:
    case CALL_METHOD:
        *items = (int)arg + 2;
        return 0;
    case CALL_FUNCTION_EX:
        *items = 2 + (int)(arg & 1);
        return 0;
    default:
        return -1;
    }
}

/* Write `op` with `arg` filling exactly `width` bytes (leading
 * EXTENDED_ARG prefixes, zero ones if the argument is small): 0, or -1 if
 * the argument does not fit. */
static int
emit_fixed(unsigned char *out, int at, int width, int op, unsigned int arg)
{
    int units = width / PROBE_UNIT;
    if (units < 1 || units > 4 ||
        (units < 4 && arg >= (1u << (8 * units)))) {
        return -1;
    }
    if (out != NULL) {
        for (int k = 0; k < units; k++) {
            out[at + k * PROBE_UNIT] =
                (unsigned char)(k == units - 1 ? op : EXTENDED_ARG);
            out[at + k * PROBE_UNIT + 1] =
                (unsigned char)((arg >> (8 * (units - 1 - k))) & 0xff);
        }
    }
    return 0;
}

/* The jump from a call site to its stub, in the instruction's own
 * bytes: absolute if the stub's offset fits, else relative. */
static int
call_jump(const Pep669Site *site, int *op, unsigned int *arg)
{
    int after = site->at + site->width;
    *op = JUMP_ABSOLUTE;
    *arg = (unsigned int)(site->stub / PEP669_JUMP_UNIT);
    if (emit_fixed(NULL, 0, site->width, *op, *arg) == 0) {
        return 0;
    }
    *op = JUMP_FORWARD;
    *arg = (unsigned int)((site->stub - after) / PEP669_JUMP_UNIT);
    return emit_fixed(NULL, 0, site->width, *op, *arg);
}

/* A call site's stub: LOAD_CONST probe; CALL_FUNCTION 0; a POP_TOP for
 * each item the call takes but one; POP_JUMP_IF_FALSE to the instruction
 * after the call (the probe leaves False as the last item popped). */
static void
emit_call_stub(unsigned char *out, int *at, unsigned int kconst, int items,
               int next)
{
    emit(out, at, LOAD_CONST, kconst);
    emit(out, at, CALL_FUNCTION, 0);
    for (int i = 1; i < items; i++) {
        emit(out, at, POP_TOP, 0);
    }
    emit(out, at, POP_JUMP_IF_FALSE, (unsigned int)(next / PEP669_JUMP_UNIT));
}

PyCodeObject *
pep669_backend_clone_code(PyCodeObject *co, PyObject *probes,
                          Pep669Site *sites, int n)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, total = size, ok = 1;
    int stacksize = co->co_stacksize;
    unsigned int kconst = (unsigned int)PyTuple_GET_SIZE(co->co_consts);
    int *depth = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    int *work = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    uint8_t *entered = PyMem_RawMalloc((size_t)units + 1);
    uint8_t *queued = PyMem_RawMalloc((size_t)units + 1);
    PyObject *bytes = NULL, *consts = NULL;
    PyCodeObject *clone = NULL;
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (probe_depths(co, depth, entered, work, queued) < 0) {
        ok = 0;
        goto done;
    }
    /* Stubs after the code: LOAD_CONST probe; CALL_FUNCTION 0;
     * POP_JUMP_IF_FALSE loc (the probe returns False). */
    for (int i = 0; i < n && ok; i++) {
        Pep669Site *site = &sites[i];
        int at = total, lu = site->loc / PROBE_UNIT;
        if (site->call) {
            int start;
            ok = call_instr(co, site->loc, &start, &site->op, &site->oparg,
                            &site->items) == 0;
            if (!ok) {
                break;
            }
            emit_call_stub(NULL, &at, kconst + (unsigned int)i, site->items,
                           site->loc + PROBE_UNIT);
            site->stub = total;
            site->stub_end = at;
            total = at;
            site->at = start;
            site->width = site->loc + PROBE_UNIT - start;
            int d = depth[start / PROBE_UNIT], jop;
            unsigned int jarg;
            /* (a call that never runs keeps its stub, unused) */
            if (d >= 0 && d + 1 > stacksize) {
                stacksize = d + 1;
            }
            ok = d <= co->co_stacksize && call_jump(site, &jop, &jarg) == 0;
            continue;
        }
        emit(NULL, &at, LOAD_CONST, kconst);
        emit(NULL, &at, CALL_FUNCTION, 0);
        emit(NULL, &at, POP_JUMP_IF_FALSE,
             (unsigned int)(site->loc / PEP669_JUMP_UNIT));
        site->stub = total;
        site->stub_end = at;
        total = at;
        /* The stub pushes the probe, then its (ignored) result, where the
         * stack is the location's (one slot more than the code's, if need
         * be, as for call sites). */
        ok = lu < units && depth[lu] >= 0 && depth[lu] <= co->co_stacksize;
        if (ok && depth[lu] + 1 > stacksize) {
            stacksize = depth[lu] + 1;
        }
        if (ok && site->src < 0) {
            unsigned int arg = (unsigned int)(site->stub / PEP669_JUMP_UNIT);
            site->at = site->loc;
            site->width = arg < 256 ? 2 : arg < 65536 ? 4 : 0;
            ok = site->width != 0 && site->loc + site->width <= size &&
                 probe_site_ok(co, entered, site->loc,
                               site->width == 4);
        }
        else if (ok) {
            site->at = site->src;
            ok = probe_retarget(co, site, NULL) == 0;
        }
    }
    /* No two sites may patch the same bytes (a location that is also a
     * jump to another one). */
    for (int u = 0; u < units && ok; u++) {
        queued[u] = 0;
    }
    for (int i = 0; i < n && ok; i++) {
        for (int b = sites[i].at; b < sites[i].at + sites[i].width && ok;
             b += PROBE_UNIT) {
            ok = !queued[b / PROBE_UNIT];
            queued[b / PROBE_UNIT] = 1;
        }
    }
    if (!ok) {
        goto done;
    }
    bytes = PyBytes_FromStringAndSize(NULL, total);
    consts = PyTuple_New((Py_ssize_t)kconst + PyTuple_GET_SIZE(probes));
    if (bytes == NULL || consts == NULL) {
        goto done;
    }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(bytes);
    memcpy(out, PyBytes_AS_STRING(co->co_code), (size_t)size);
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &sites[i];
        int at = site->stub;
        if (site->call) {
            int jop;
            unsigned int jarg;
            emit_call_stub(out, &at, kconst + (unsigned int)i, site->items,
                           site->loc + PROBE_UNIT);
            memcpy(site->saved, out + site->at, (size_t)site->width);
            (void)call_jump(site, &jop, &jarg);
            (void)emit_fixed(out, site->at, site->width, jop, jarg);
            site->patched = 1;
            continue;
        }
        emit(out, &at, LOAD_CONST, kconst);
        emit(out, &at, CALL_FUNCTION, 0);
        emit(out, &at, POP_JUMP_IF_FALSE,
             (unsigned int)(site->loc / PEP669_JUMP_UNIT));
        memcpy(site->saved, out + site->at, (size_t)site->width);
        if (site->src < 0) {
            at = site->loc;
            emit(out, &at, JUMP_ABSOLUTE,
                 (unsigned int)(site->stub / PEP669_JUMP_UNIT));
        }
        else {
            (void)probe_retarget(co, site, out);
        }
        site->patched = 1;
    }
    for (Py_ssize_t i = 0; i < (Py_ssize_t)kconst; i++) {
        PyObject *item = PyTuple_GET_ITEM(co->co_consts, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(consts, i, item);
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(probes); i++) {
        PyObject *item = PyTuple_GET_ITEM(probes, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(consts, (Py_ssize_t)kconst + i, item);
    }
    clone = PyCode_NewWithPosOnlyArgs(
        co->co_argcount, co->co_posonlyargcount, co->co_kwonlyargcount,
        co->co_nlocals, stacksize, co->co_flags, bytes, consts,
        co->co_names, co->co_varnames, co->co_freevars, co->co_cellvars,
        co->co_filename, co->co_name, co->co_firstlineno,
        PEP669_CODE_LINETABLE(co));
    if (clone != NULL && stacksize > co->co_stacksize) {
        /* New frames of the code get the stub's slot too; its cached
         * frame (sized for the old stack) goes. */
        co->co_stacksize = stacksize;
        if (co->co_zombieframe != NULL) {
            void *zombie = co->co_zombieframe;
            co->co_zombieframe = NULL;
            PyObject_GC_Del(zombie);
        }
    }
done:
    Py_XDECREF(bytes);
    Py_XDECREF(consts);
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    return clone;
}

int
pep669_backend_jump_check(PyFrameObject *f, PyObject *value, setter set,
                          void *closure)
{
    /* A copy of the frame at its location, with the location's stack
     * (of None) and block stack: the interpreter's setter decides on the
     * copy, touching neither the frame, whose stack holds the probe's
     * call now, nor the thread's handled exception. */
    PyCodeObject *co = f->f_code;
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, lasti = PEP669_LASTI(f);
    int *depth = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    int *work = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    uint8_t *entered = PyMem_RawMalloc((size_t)units + 1);
    uint8_t *queued = PyMem_RawMalloc((size_t)units + 1);
    int d = -1, err = -1;
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (lasti >= 0 && lasti < size &&
        probe_depths(co, depth, entered, work, queued) == 0) {
        d = depth[lasti / PROBE_UNIT];
    }
    if (d < 0 || d > co->co_stacksize) {
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        goto done;
    }
    PyThreadState *ts = PyThreadState_GET();
    PyFrameObject *c = PyFrame_New(ts, co, f->f_globals, f->f_locals);
    if (c == NULL) {
        goto done;
    }
    c->f_lasti = f->f_lasti;
    c->f_lineno = f->f_lineno;
    c->f_iblock = f->f_iblock;
    memcpy(c->f_blockstack, f->f_blockstack,
           sizeof(PyTryBlock) * (size_t)f->f_iblock);
    for (int i = 0; i < d; i++) {
        Py_INCREF(Py_None);
        c->f_valuestack[i] = Py_None;
    }
#if PY_VERSION_HEX >= 0x030A0000
    c->f_stackdepth = d;
    c->f_state = FRAME_EXECUTING;
#else
    c->f_stacktop = c->f_valuestack + d;
    c->f_executing = 1;
#endif
    Py_INCREF(Py_None);
    c->f_trace = Py_None;
    _PyErr_StackItem *ei = ts->exc_info;
    PyObject *type = ei->exc_type, *val = ei->exc_value,
             *tb = ei->exc_traceback;
    Py_XINCREF(type);
    Py_XINCREF(val);
    Py_XINCREF(tb);
    err = set((PyObject *)c, value, closure);
    if (err == 0) {
        err = PEP669_LASTI(c);
    }
    Py_XSETREF(ei->exc_type, type);
    Py_XSETREF(ei->exc_value, val);
    Py_XSETREF(ei->exc_traceback, tb);
#if PY_VERSION_HEX < 0x030A0000
    c->f_executing = 0;
#endif
    Py_DECREF(c);
done:
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    return err;
}

void
pep669_backend_sync_lineno(PyThreadState *ts)
{
#if !PEP669_FORWARD_JUMP_LINES
    /* With f_trace set, f_lineno reads the field, which only line tracing
     * keeps: the frame of a callback may have run untraced. */
    PyFrameObject *f = ts->frame;
    if (f != NULL && f->f_trace != NULL) {
        f->f_lineno = f->f_lasti < 0 ? f->f_code->co_firstlineno
                                     : PyCode_Addr2Line(f->f_code, f->f_lasti);
    }
#else
    (void)ts;
#endif
}

int
pep669_backend_frame_fits(Pep669Frame *frame, PyCodeObject *clone)
{
    PyFrameObject *f = FRAME(frame);
    if (Py_SIZE(f) - (f->f_valuestack - f->f_localsplus) >=
        clone->co_stacksize) {
        return 1;
    }
    PyCodeObject *co = f->f_code;
    if (co->co_zombieframe == NULL &&
        co->co_stacksize >= clone->co_stacksize) {
        /* A frame made before the code's stack grew: it would become the
         * code's cached frame when it goes, and every next frame would be
         * it.  A frame of the new size takes that place now. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyFrameObject *spare = PyFrame_New(PyThreadState_GET(), co,
                                           f->f_globals, NULL);
        Py_XDECREF(spare);
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
    return 0;
}

int
pep669_backend_call_site_read(const Pep669Site *site, PyObject **top,
                              PyObject **callable, PyObject **arg0,
                              int *inlined)
{
    return call_read(site->op, site->oparg, top, callable, arg0, inlined);
}

/* CALL_FUNCTION_EX's messages for arguments it cannot unpack. */
static void
ex_unpack_error(PyObject *func, PyObject *arg, const char *what,
                const char *kind)
{
#if PY_VERSION_HEX < 0x03090000
    PyErr_Format(PyExc_TypeError,
                 "%.200s%.200s argument after %s must be %s, not %.200s",
                 PyEval_GetFuncName(func), PyEval_GetFuncDesc(func), what,
                 kind, Py_TYPE(arg)->tp_name);
#else
    PyErr_Clear();
    PyObject *name = _PyObject_FunctionStr(func);
    if (name != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%U argument after %s must be %s, not %.200s", name,
                     what, kind, Py_TYPE(arg)->tp_name);
        Py_DECREF(name);
    }
#endif
}

PyObject *
pep669_backend_call_site_run(const Pep669Site *site, PyObject **top)
{
    int op = site->op, oparg = site->oparg;
    PyObject **base = top - site->items;
    size_t offset = PY_VECTORCALL_ARGUMENTS_OFFSET;
    switch (op) {
    case CALL_FUNCTION:
        return PyObject_Vectorcall(base[0], base + 1, (size_t)oparg | offset,
                                   NULL);
    case CALL_FUNCTION_KW: {
        PyObject *kwnames = top[-1];
        return PyObject_Vectorcall(
            base[0], base + 1,
            (size_t)(oparg - PyTuple_GET_SIZE(kwnames)) | offset, kwnames);
    }
    case CALL_METHOD:
        /* (method, self, args...) or (NULL, callable, args...) */
        if (base[0] == NULL) {
            return PyObject_Vectorcall(base[1], base + 2,
                                       (size_t)oparg | offset, NULL);
        }
        return PyObject_Vectorcall(base[0], base + 1,
                                   (size_t)(oparg + 1) | offset, NULL);
    default: {
        /* CALL_FUNCTION_EX: (callable, args[, kwargs]), unpacked as the
         * instruction does (the CALL event's reading did it already, if
         * there was one), with its messages for what it refuses. */
        PyObject *func = base[0], *arg0;
        PyObject **kwargs = (oparg & 1) ? &base[2] : NULL;
        int ok = ex_prepare(&base[1], kwargs, &arg0);
        if (ok < 0) {
            return NULL;
        }
        if (ok == 0) {
            if (kwargs != NULL && !PyDict_CheckExact(*kwargs)) {
                ex_unpack_error(func, *kwargs, "**", "a mapping");
            }
            else {
                ex_unpack_error(func, base[1], "*", "an iterable");
            }
            return NULL;
        }
        return PyObject_Call(func, base[1], (oparg & 1) ? base[2] : NULL);
    }
    }
}

PyObject *
pep669_backend_call_site_finish(const Pep669Site *site, PyObject **top,
                                PyObject *res)
{
    int items = site->items;
    PyObject **base = top - items;
    /* The items go from the top down, as the instruction drops them; the
     * stub's pops then find None, None, ..., False under the result. */
    for (int i = items - 1; i >= 0; i--) {
        PyObject *value = res == NULL ? Py_None
                          : i == 0    ? res
                          : i == 1    ? Py_False
                                      : Py_None;
        if (res == NULL || i > 0) {
            Py_INCREF(value);
        }
        put_item(&base[i], value);
    }
    if (res == NULL) {
        return NULL;
    }
    return Py_NewRef(items >= 2 ? Py_None : Py_False);
}

void
pep669_backend_clone_unpatch(PyCodeObject *clone, Pep669Site *site)
{
    if (site->patched) {
        PyBytesObject *bytes = (PyBytesObject *)clone->co_code;
        memcpy(bytes->ob_sval + site->at, site->saved, (size_t)site->width);
        /* (its cached hash, if any, is no longer its hash) */
        bytes->ob_shash = -1;
        site->patched = 0;
    }
}

#undef PROBE_UNIT

#endif
