/* Frames, 3.8-3.10 (the hook receives a PyFrameObject): what a run's
 * start and end are, linking a frame in for callbacks, the thread's
 * frames, the executing bracket.  Contract: backend/README.md. */
#ifndef PEP669_FRAME_C_H
#define PEP669_FRAME_C_H

/* offset in bytes of the last instruction run, -1 before the first */
#ifndef PEP669_LASTI
#  error "frame.c.h needs PEP669_LASTI(f) (backend/README.md)"
#endif
/* f_lasti set from an offset in bytes */
#ifndef PEP669_SET_LASTI
#  error "frame.c.h needs PEP669_SET_LASTI(f, offset) (backend/README.md)"
#endif
/* non-zero when the run ended by a yield */
#ifndef PEP669_SUSPENDED
#  error "frame.c.h needs PEP669_SUSPENDED(f) (backend/README.md)"
#endif
/* the lvalue gating legacy trace calls */
#ifndef PEP669_USE_TRACING
#  error "frame.c.h needs PEP669_USE_TRACING(ts) (backend/README.md)"
#endif
/* 1: legacy tracing reports a line at any change of line (3.10) */
#ifndef PEP669_FORWARD_JUMP_LINES
#  error "frame.c.h needs PEP669_FORWARD_JUMP_LINES (backend/README.md)"
#endif
#ifndef PEP669_HOOK_C_H
#  error "frame.c.h needs hook.c.h first (PEP669_EVAL_PREV)"
#endif
#ifndef PEP669_DECODE_C_H
#  error "frame.c.h needs decode.c.h first"
#endif

#include <frameobject.h>
#include <opcode.h>

#include "events.h"
#include "frame_access.h"

#define FRAME(frame) ((PyFrameObject *)(frame))

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
    return PEP669_EVAL_PREV(ts, FRAME(frame), throwflag);
}

PyCodeObject *
pep669_backend_frame_code(Pep669Frame *frame)
{
    return FRAME(frame)->f_code;
}

int
pep669_backend_frame_entry(PyThreadState *ts, Pep669Frame *frame,
                           int throwflag, int *offset, int *fresh)
{
    return pep669_frame_entry(ts, frame, throwflag, offset, fresh);
}

int
pep669_backend_close_skips_frame(Pep669Frame *frame)
{
    PyFrameObject *f = FRAME(frame);
    int lasti = PEP669_LASTI(f);
    /* (3.8 has no loop blocks: an empty block stack is no handler) */
    return lasti >= 0 && f->f_iblock == 0 &&
           !(f->f_code->co_flags & CO_ASYNC_GENERATOR) &&
           code_opcode(f->f_code, lasti) == YIELD_VALUE;
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
    /* (linked in, executing, as while the evaluator runs it: the
     * generator's own running flag is set already, gen_send_ex sets it
     * around the whole run, 3.8/3.9; 3.10 has only the frame's state) */
    pep669_frame_link_plain(ts, f, link);
    link->gen = gen;
#if PY_VERSION_HEX < 0x030A0000
    if (gen != NULL && PyAsyncGen_CheckExact(gen)) {
        /* aclose()/athrow() check the stack before the running flag:
         * a finished frame's must not say "finished" yet. */
        if (f->f_stacktop == NULL) {
            f->f_stacktop = f->f_valuestack;
        }
        else if (in_yield_from(f->f_code, f->f_lasti)) {
            /* (not hidden, but ag_await is read from here: PY_YIELD
             * callbacks see the frame on its resume point) */
            link->delegate = f->f_stacktop[-1];
        }
    }
    else if (f->f_stacktop != NULL && in_yield_from(f->f_code, f->f_lasti)) {
        /* The running evaluator keeps the stack pointer to itself (NULL
         * here): close() and throw() must not find the delegate there
         * (they would close it and clear the running flag). */
        link->delegate = f->f_stacktop[-1];
        f->f_stacktop = NULL;
    }
#else
    if (gen != NULL && f->f_stackdepth > 0 && in_yield_from(f->f_code,
                                                            PEP669_LASTI(f))) {
        /* close() and throw() take the top of a frame suspended in a
         * YIELD_FROM for its delegate whatever the frame's state, and
         * throw() pops it when it fails: hidden (None there) while
         * callbacks run. */
        PyObject **top = &f->f_valuestack[f->f_stackdepth - 1];
        link->stack = *top;
        link->delegate = *top;
        *top = Py_NewRef(Py_None);
    }
#endif
    if (gen != NULL && PyAsyncGen_CheckExact(gen)) {
        link->agen = ((PyAsyncGenObject *)gen)->ag_running_async;
        ((PyAsyncGenObject *)gen)->ag_running_async = 1;
    }
}

PyObject *
pep669_backend_frame_object_generator(PyObject *frame)
{
    return ((PyFrameObject *)frame)->f_gen;
}

void
pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *frame,
                            Pep669Link *link)
{
    PyFrameObject *f = FRAME(frame);
    pep669_frame_locals_sync(f, link);
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
    pep669_enter_callback(ts);
}

void
pep669_backend_leave_callback(PyThreadState *ts)
{
    pep669_leave_callback(ts);
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

int
pep669_backend_pyframe_unbound(PyFrameObject *f, int fill)
{
    PyCodeObject *co = f->f_code;
    Py_ssize_t n = co->co_nlocals + PyTuple_GET_SIZE(co->co_cellvars) +
                   PyTuple_GET_SIZE(co->co_freevars);
    int unbound = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (f->f_localsplus[i] == NULL) {
            unbound++;
            if (fill) {
                f->f_localsplus[i] = Py_NewRef(Py_None);
            }
        }
    }
    return unbound;
}

void
pep669_backend_pyframe_locals_mark(PyFrameObject *f, void **dict,
                                   uint64_t *tag)
{
    PyObject *locals = f->f_locals;
    int ok = (f->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
             PyDict_CheckExact(locals);
    *dict = ok ? locals : NULL;
    *tag = ok ? ((PyDictObject *)locals)->ma_version_tag : 0;
}

void
pep669_backend_pyframe_locals_sync(PyFrameObject *f, void *dict,
                                   uint64_t tag)
{
    PyObject *locals = f->f_locals;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
        PyDict_CheckExact(locals) &&
        ((void *)locals != dict ||
         ((PyDictObject *)locals)->ma_version_tag != tag)) {
        /* (it saves and restores the exception being raised) */
        PyFrame_LocalsToFast(f, 0);
    }
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

void
pep669_backend_handled_show(PyThreadState *ts, PyObject **saved)
{
    _PyErr_StackItem *ei = ts->exc_info;
    saved[0] = ei->exc_type;
    saved[1] = ei->exc_value;
    saved[2] = ei->exc_traceback;
    ei->exc_type = Py_XNewRef(ts->curexc_type);
    ei->exc_value = Py_XNewRef(ts->curexc_value);
    ei->exc_traceback = Py_XNewRef(ts->curexc_traceback);
}

void
pep669_backend_handled_restore(PyThreadState *ts, PyObject **saved)
{
    _PyErr_StackItem *ei = ts->exc_info;
    Py_XSETREF(ei->exc_type, saved[0]);
    Py_XSETREF(ei->exc_value, saved[1]);
    Py_XSETREF(ei->exc_traceback, saved[2]);
}

PyObject *
pep669_backend_handler_mark(PyThreadState *ts)
{
    (void)ts;
    return NULL;
}

/* The frame's value stack top (the interpreter keeps it in the frame
 * while it calls the trace function), or NULL. */
static PyObject **
frame_stack_top(PyFrameObject *f)
{
#if PY_VERSION_HEX < 0x030A0000
    return f->f_stacktop;
#else
    return f->f_stackdepth >= 0 ? f->f_valuestack + f->f_stackdepth : NULL;
#endif
}

/* The thread's handled exception (`ei`) moved to `saved` and the one a
 * handler's entry at `top` saved put back: the entry is [prev tb, prev
 * value, prev type, tb, exc, type] (prev value and tb may be NULL).
 * pep669_backend_handled_unhide undoes it. */
static int
hide_to_entry(_PyErr_StackItem *ei, PyObject **top, PyObject *saved[3])
{
    saved[0] = ei->exc_type;
    saved[1] = ei->exc_value;
    saved[2] = ei->exc_traceback;
    ei->exc_type = top[-4] == Py_None ? NULL : Py_XNewRef(top[-4]);
    ei->exc_value = Py_XNewRef(top[-5]);
    ei->exc_traceback = Py_XNewRef(top[-6]);
    return 1;
}

int
pep669_backend_handled_hide(PyThreadState *ts, Pep669Frame *frame,
                            PyObject *exc, PyObject *saved[3])
{
    PyFrameObject *f = FRAME(frame);
    ts = ts != NULL ? ts : PyThreadState_GET();
    PyObject **top = frame_stack_top(f);
    _PyErr_StackItem *ei = ts->exc_info;
    /* A handler's entry, exc the handled exception. */
    if (top == NULL || top - f->f_valuestack < 6 || top[-2] != exc ||
        ei == NULL || ei->exc_value != exc || top[-1] != ei->exc_type) {
        return 0;
    }
    return hide_to_entry(ei, top, saved);
}

int
pep669_backend_with_exit_hide(PyThreadState *ts, PyObject *saved[3])
{
#if PY_VERSION_HEX < 0x03090000
    (void)ts, (void)saved;
    return 0;  /* (3.8's with cleanup is no handler of its own) */
#else
    ts = ts != NULL ? ts : PyThreadState_GET();
    PyFrameObject *f = ts->frame;
    if (f == NULL || f->f_iblock <= 0) {
        return 0;
    }
    int lasti = PEP669_LASTI(f);
    PyTryBlock *b = &f->f_blockstack[f->f_iblock - 1];
    if (lasti < 0 || b->b_type != EXCEPT_HANDLER ||
        code_opcode(f->f_code, lasti) != WITH_EXCEPT_START) {
        return 0;
    }
    PyObject **top = frame_stack_top(f);
    _PyErr_StackItem *ei = ts->exc_info;
    /* The handler's entry and nothing above it (the block's level, then
     * the entry), the thread's handled exception the one it pushed. */
    if (top == NULL || top - f->f_valuestack != b->b_level + 6 ||
        ei == NULL || top[-2] != ei->exc_value ||
        top[-1] != ei->exc_type) {
        return 0;
    }
    return hide_to_entry(ei, top, saved);
#endif
}

int
pep669_backend_handler_next(Pep669Frame *frame)
{
    PyFrameObject *f = FRAME(frame);
    if (f->f_iblock <= 0 ||
        f->f_blockstack[f->f_iblock - 1].b_type != SETUP_FINALLY) {
        return -1;
    }
    /* (3.10 keeps it in code units, as f_lasti) */
    int handler = f->f_blockstack[f->f_iblock - 1].b_handler;
#if PY_VERSION_HEX >= 0x030A0000
    handler *= (int)sizeof(_Py_CODEUNIT);
#endif
    return handler;
}

void
pep669_backend_handled_unhide(PyThreadState *ts, PyObject *saved[3])
{
    _PyErr_StackItem *ei = (ts != NULL ? ts : PyThreadState_GET())->exc_info;
    PyObject *type = ei->exc_type, *value = ei->exc_value,
             *tb = ei->exc_traceback;
    ei->exc_type = saved[0];
    ei->exc_value = saved[1];
    ei->exc_traceback = saved[2];
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
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

void
pep669_backend_sync_lineno(PyThreadState *ts)
{
    pep669_sync_lineno(ts);
}

#endif
