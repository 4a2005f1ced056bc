/* Backend for CPython 3.11.  The eval-frame hook receives a
 * _PyInterpreterFrame (internal/pycore_frame.h, hence Py_BUILD_CORE); the
 * public PyFrameObject is created lazily and its constructor is not
 * exported.  With a hook installed, 3.11 stops inlining Python-to-Python
 * calls, so every frame goes through it (and costs C stack): the hook is
 * installed only while some tool has events. */
#define Py_BUILD_CORE 1
#include "engine_entry.h"
#include <internal/pycore_frame.h>
#include <opcode.h>
/* _PyOpcode_Caches / _PyOpcode_Deopt are not exported by libpython: this
 * defines private copies (hidden, so they never interpose). */
#define NEED_OPCODE_TABLES
#pragma GCC visibility push(hidden)
#include <internal/pycore_opcode.h>
#pragma GCC visibility pop

#include "events.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#  error "backend/py311.c is for CPython 3.11"
#endif

/* internal/pycore_pystate.h _PyThreadState_UpdateTracingState(): the flag
 * is OR-ed into the opcode, so it must be exactly 0 or 255. */
#define PEP669_SET_USE_TRACING(ts, on) \
    ((ts)->cframe->use_tracing = ((on) && (ts)->tracing == 0) ? 255 : 0)
#define PEP669_USE_TRACING(ts) ((ts)->cframe->use_tracing)
/* 3.11 keeps no count of trace functions. */
#define PEP669_TRACING_POSSIBLE_ADD(ts, n) ((void)(ts), (void)(n))

#define PEP669_TRAMPOLINE_FRAME(f) ((Pep669Frame *)(f)->f_frame)
#define PEP669_TRAMPOLINE_LASTI(f) \
    (_PyInterpreterFrame_LASTI((f)->f_frame) * (int)sizeof(_Py_CODEUNIT))
/* 'opcode' only after a 'line' that succeeded; the per-instruction gate
 * is use_tracing. */
#define PEP669_OPCODE_AFTER_FAILED_LINE 0
#define PEP669_WINDOW_SKIPS_CALL 0
/* call_trace() sets f_lineno around a trace call (3.10+); 3.11's also
 * keeps the event in tstate->tracing_what. */
#define PEP669_CALL_TRACE_LINENO 1
#define PEP669_TRACING_WHAT 1
#define PEP669_PYFRAME_LOCALS(f) ((f)->f_frame->f_locals)
/* (py311_clone.h) a frame running its copy shows its own code
 * while the trampoline and its callbacks run */
static void *p11_show_own(PyFrameObject *f);
static void p11_unshow(PyFrameObject *f, void *clone);
#define PEP669_TRAMPOLINE_SHOW(frame) p11_show_own(frame)
#define PEP669_TRAMPOLINE_UNSHOW(frame, shown) p11_unshow((frame), (shown))
#include "trampoline.c.h"
#include "calls.c.h"

/* The bytecode: _PyCode_CODE, specialised (quickened) instructions,
 * inline caches after them (decode.c.h). */
#define PEP669_CODE(co) ((const _Py_CODEUNIT *)_PyCode_CODE(co))
#define PEP669_CODE_UNITS(co) Py_SIZE(co)
#define PEP669_DEOPT(op) _PyOpcode_Deopt[op]
#define PEP669_CACHES(op) _PyOpcode_Caches[op]
#include "decode.c.h"

/* 3.11's jumps, for every reader of them (the trampoline's events, the
 * flow analysis, the copy's stack depths): 0 for an instruction that
 * does not jump; else P11_J_TAKES (*target: the unit it jumps to), with
 * P11_J_ALWAYS where it always jumps and the location it is: P11_J_JUMP
 * (JUMP events), P11_J_BRANCH (BRANCH events).  JUMP_BACKWARD_NO_INTERRUPT
 * and SEND (yield from/await loops) are neither. */
#define P11_J_TAKES 1
#define P11_J_ALWAYS 2
#define P11_J_JUMP 4
#define P11_J_BRANCH 8
static inline int
p11_jump(int op, int oparg, int after, int *target)
{
    switch (op) {
    case JUMP_FORWARD:
        *target = after + oparg;
        return P11_J_TAKES | P11_J_ALWAYS | P11_J_JUMP;
    case JUMP_BACKWARD:
        *target = after - oparg;
        return P11_J_TAKES | P11_J_ALWAYS | P11_J_JUMP;
    case JUMP_BACKWARD_NO_INTERRUPT:
        *target = after - oparg;
        return P11_J_TAKES | P11_J_ALWAYS;
    case POP_JUMP_FORWARD_IF_FALSE:
    case POP_JUMP_FORWARD_IF_TRUE:
    case POP_JUMP_FORWARD_IF_NONE:
    case POP_JUMP_FORWARD_IF_NOT_NONE:
    case JUMP_IF_FALSE_OR_POP:
    case JUMP_IF_TRUE_OR_POP:
    case FOR_ITER:
        *target = after + oparg;
        return P11_J_TAKES | P11_J_BRANCH;
    case POP_JUMP_BACKWARD_IF_FALSE:
    case POP_JUMP_BACKWARD_IF_TRUE:
    case POP_JUMP_BACKWARD_IF_NONE:
    case POP_JUMP_BACKWARD_IF_NOT_NONE:
        *target = after - oparg;
        return P11_J_TAKES | P11_J_BRANCH;
    case SEND:
        *target = after + oparg;
        return P11_J_TAKES;
    default:
        return 0;
    }
}

#define FRAME(frame) ((_PyInterpreterFrame *)(frame))
#define UNIT ((int)sizeof(_Py_CODEUNIT))
#define GENERATOR_FLAGS (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)

#define PEP669_HOOK_FRAME _PyInterpreterFrame
#define PEP669_HOOK_TSTATE 1
#define PEP669_HOOK_OWN(co) ((void)(co), !p11_clones_made)
/* a generator's resumption; suspended after a run (the frame's
 * exit event PY_YIELD) */
#define PEP669_HOOK_RESUMED(frame) \
    ((frame)->owner == FRAME_OWNED_BY_GENERATOR && \
     _Py_OPCODE(*(frame)->prev_instr) != RETURN_GENERATOR)
#define PEP669_HOOK_YIELDED(frame) \
    ((frame)->owner == FRAME_OWNED_BY_GENERATOR && \
     _Py_OPCODE(*(frame)->prev_instr) == YIELD_VALUE)
/* a run that only makes a generator, coroutine or async generator (up to
 * its RETURN_GENERATOR: no event, pep669_backend_frame_entry's -1) */
#define PEP669_HOOK_CREATES(frame) \
    ((frame)->owner != FRAME_OWNED_BY_GENERATOR && \
     ((frame)->f_code->co_flags & GENERATOR_FLAGS))
/* a fresh frame of `co` that the thread's stack holds with the room of
 * co's current size, the newest: any clone of co fits it, as
 * pep669_backend_frame_fits would say (a clone has co's locals, and
 * co_stacksize grows to the clone's when it is made, py311_clone.h) */
#define PEP669_HOOK_SIZED(ts, frame, co) \
    ((frame)->owner == FRAME_OWNED_BY_THREAD && \
     (PyObject **)(frame) >= (ts)->datastack_chunk->data && \
     (ts)->datastack_top - (PyObject **)(frame) == \
         (co)->co_nlocalsplus + (co)->co_stacksize + \
             (Py_ssize_t)FRAME_SPECIALS_SIZE)
static int p11_clones_made;  /* (py311_clone.h) */
static inline PyCodeObject *p11_original(PyCodeObject *co);
#define PEP669_GET_EVAL() \
    _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get())
#define PEP669_SET_EVAL(func) \
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), (func))
#include "hook.c.h"

PyObject *
pep669_backend_eval_prev(PyThreadState *ts, Pep669Frame *frame,
                         int throwflag)
{
    return prev_eval(ts, FRAME(frame), throwflag);
}

PyCodeObject *
pep669_backend_frame_code(Pep669Frame *frame)
{
    /* (a frame running a clone: its own code) */
    return p11_original(FRAME(frame)->f_code);
}

Py_ssize_t
pep669_backend_code_units(PyCodeObject *co)
{
    return Py_SIZE(co);
}

int
pep669_backend_frame_entry(PyThreadState *Py_UNUSED(ts), Pep669Frame *frame,
                           int throwflag, int *offset, int *fresh)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyCodeObject *co = f->f_code;
    int lasti = _PyInterpreterFrame_LASTI(f);
    *fresh = f->owner != FRAME_OWNED_BY_GENERATOR ||
             _Py_OPCODE(*f->prev_instr) == RETURN_GENERATOR;
    if (f->owner != FRAME_OWNED_BY_GENERATOR) {
        if (co->co_flags & GENERATOR_FLAGS) {
            /* The run that creates the generator (up to RETURN_GENERATOR)
             * is not an event. */
            return -1;
        }
        *offset = co->_co_firsttraceable * UNIT;
        return PEP669_EV_PY_START;
    }
    /* A generator frame continues after prev_instr: the RESUME after its
     * YIELD_VALUE (3.13 reports PY_THROW there too), or the POP_TOP after
     * RETURN_GENERATOR when it never ran. */
    *offset = (lasti + 1) * UNIT;
    if (throwflag) {
        return PEP669_EV_PY_THROW;
    }
    if (_Py_OPCODE(*f->prev_instr) == RETURN_GENERATOR) {
        *offset = co->_co_firsttraceable * UNIT;
        return PEP669_EV_PY_START;
    }
    return PEP669_EV_PY_RESUME;
}

/* 3.11's exception table (co_exceptiontable, Objects/
 * exception_handling_notes.txt): entries of varints in 6-bit chunks (0x40:
 * more follows; 0x80 marks an entry's first byte): start, size, target,
 * depth<<1|lasti, in code units. */
static const unsigned char *
read_varint(const unsigned char *p, const unsigned char *end, int *value)
{
    int v = 0;
    while (p < end) {
        v = (v << 6) | (*p & 63);
        if (!(*p++ & 64)) {
            break;
        }
    }
    *value = v;
    return p;
}

/* One entry of the table: where it starts, how many units it covers, its
 * handler and depth<<1|lasti. */
static const unsigned char *
read_exc_entry(const unsigned char *p, const unsigned char *end, int *start,
               int *size, int *target, int *depth_lasti)
{
    p = read_varint(p, end, start);
    p = read_varint(p, end, size);
    p = read_varint(p, end, target);
    return read_varint(p, end, depth_lasti);
}

/* The handler of the exception-table entry covering unit `lasti`, or -1
 * when no handler covers it. */
static int
covering_handler(PyCodeObject *co, int lasti)
{
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size, target, depth_lasti;
        p = read_exc_entry(p, end, &start, &size, &target, &depth_lasti);
        if (lasti >= start && lasti < start + size) {
            return target;
        }
    }
    return -1;
}

int
pep669_backend_same_handler(PyCodeObject *co, int a, int b)
{
    return covering_handler(co, a / UNIT) == covering_handler(co, b / UNIT);
}

int
pep669_backend_close_skips_frame(Pep669Frame *frame)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyCodeObject *co = f->f_code;
    if (f->owner != FRAME_OWNED_BY_GENERATOR ||
        (co->co_flags & CO_ASYNC_GENERATOR) ||
        _Py_OPCODE(*f->prev_instr) != YIELD_VALUE) {
        return 0;
    }
    /* RESUME 1 follows a plain `yield` (2 and 3: yield from, await) */
    _Py_CODEUNIT next = f->prev_instr[1];
    return PEP669_DEOPT(_Py_OPCODE(next)) == RESUME &&
           _Py_OPARG(next) == 1 &&
           covering_handler(co, _PyInterpreterFrame_LASTI(f)) < 0;
}

/* The frame unwound with prev_instr on `lasti`.  When that instruction is
 * covered by a pure cleanup handler (COPY 3; POP_EXCEPT; RERAISE 1), the
 * exception went through it and its RERAISE 1 put prev_instr back to
 * `lasti` for the traceback; 3.12 reports that RERAISE, the instruction
 * that really ended the frame (same handler layout). */
static int
unwind_offset(PyCodeObject *co, int lasti)
{
    _Py_CODEUNIT *code = _PyCode_CODE(co);
    int target = covering_handler(co, lasti);
    if (target >= 0 && target + 2 < Py_SIZE(co) &&
        _Py_OPCODE(code[target]) == COPY && _Py_OPARG(code[target]) == 3 &&
        _Py_OPCODE(code[target + 1]) == POP_EXCEPT &&
        _Py_OPCODE(code[target + 2]) == RERAISE &&
        _Py_OPARG(code[target + 2]) == 1) {
        return (target + 2) * UNIT;
    }
    return lasti * UNIT;
}

int
pep669_backend_frame_exit(PyThreadState *Py_UNUSED(ts), Pep669Frame *frame,
                          PyObject *result, int *offset)
{
    _PyInterpreterFrame *f = FRAME(frame);
    int lasti = _PyInterpreterFrame_LASTI(f);
    *offset = lasti < 0 ? 0 : lasti * UNIT;
    if (result == NULL) {
        if (lasti >= 0) {
            *offset = unwind_offset(f->f_code, lasti);
        }
        return PEP669_EV_PY_UNWIND;
    }
    if (f->owner == FRAME_OWNED_BY_GENERATOR &&
        _Py_OPCODE(*f->prev_instr) == YIELD_VALUE) {
        return PEP669_EV_PY_YIELD;
    }
    return PEP669_EV_PY_RETURN;
}

/* A frame that has not reached its first traceable instruction is
 * "incomplete" (_PyFrame_IsIncomplete): sys._getframe(), f_back and
 * tracebacks skip it.  A fresh function frame is incomplete until its
 * prefix (COPY_FREE_VARS, MAKE_CELL) has run and the RESUME is reached,
 * while 3.12 fires PY_START at that RESUME.  So, before a PY_START
 * callback, the hook runs the prefix itself, exactly as those two
 * instructions would (ceval.c 3.11), and leaves prev_instr on the last
 * prefix instruction: the evaluator then starts at the RESUME, which must
 * run (it fires the legacy 'call' trace event and checks the eval
 * breaker).  Returns 0 when the prefix has run, -1 when it cannot be
 * (an unexpected instruction, or no memory: the evaluator runs it). */
static int
run_prefix(_PyInterpreterFrame *f)
{
    PyCodeObject *co = f->f_code;
    _Py_CODEUNIT *code = _PyCode_CODE(co);
    int n = co->_co_firsttraceable;
    PyObject *cells[256];
    int cell_index[256];
    int ncells = 0, nfree = -1;

    if (f->prev_instr >= code + n - 1) {
        return 0;
    }
    if (f->prev_instr != code - 1) {
        return -1;
    }
    for (int i = 0; i < n;) {
        Pep669Instr in = instr_at(code, n, i);
        int op = in.op, oparg = in.arg;
        i = instr_next(in);
        if (op == COPY_FREE_VARS && nfree < 0 && oparg == co->co_nfreevars &&
            f->f_func->func_closure != NULL &&
            PyTuple_GET_SIZE(f->f_func->func_closure) == oparg) {
            nfree = oparg;
        }
        else if (op == MAKE_CELL && ncells < 256 &&
                 oparg < co->co_nlocalsplus) {
            cell_index[ncells++] = oparg;
        }
        else {
            goto fail;
        }
    }
    for (int i = 0; i < ncells; i++) {
        cells[i] = PyCell_New(f->localsplus[cell_index[i]]);
        if (cells[i] == NULL) {
            PyErr_Clear();
            ncells = i;
            goto fail;
        }
    }
    for (int i = 0; i < nfree; i++) {
        PyObject *o = PyTuple_GET_ITEM(f->f_func->func_closure, i);
        f->localsplus[co->co_nlocalsplus - nfree + i] = Py_NewRef(o);
    }
    for (int i = 0; i < ncells; i++) {
        PyObject *old = f->localsplus[cell_index[i]];
        f->localsplus[cell_index[i]] = cells[i];
        Py_XDECREF(old);
    }
    f->prev_instr = code + n - 1;
    return 0;
fail:
    for (int i = 0; i < ncells; i++) {
        Py_DECREF(cells[i]);
    }
    return -1;
}

/* The evaluator links a frame in (frame->previous, current_frame) when it
 * starts running it and out when it returns; callbacks need it linked
 * around entry and exit events, and complete (see run_prefix): it is shown
 * standing at its RESUME for the callbacks' duration. */
void
pep669_backend_frame_link(PyThreadState *ts, Pep669Frame *frame,
                          Pep669Link *link)
{
    _PyInterpreterFrame *f = FRAME(frame);
    link->current = ts->cframe->current_frame;
    link->instr = NULL;
    link->state = FRAME_EXECUTING;
    link->gen = NULL;
    link->delegate = NULL;
    link->locals = NULL;
    link->locals_tag = 0;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && f->f_locals != NULL &&
        PyDict_CheckExact(f->f_locals)) {
        link->locals = f->f_locals;
        link->locals_tag = ((PyDictObject *)f->f_locals)->ma_version_tag;
    }
    f->previous = ts->cframe->current_frame;
    ts->cframe->current_frame = f;
    if (f->owner == FRAME_OWNED_BY_GENERATOR) {
        /* A generator's frame is executing for gen_send_ex2 from its
         * start to its end, but its YIELD_VALUE has marked it suspended
         * already at PY_YIELD: running it again from a callback there
         * would push its exception state onto itself. */
        PyGenObject *gen = _PyFrame_GetGenerator(f);
        link->gen = gen;
        link->state = gen->gi_frame_state;
        if (gen->gi_frame_state < FRAME_EXECUTING) {
            gen->gi_frame_state = FRAME_EXECUTING;
        }
        /* close() and throw() take the top of a frame suspended in a
         * `yield from`/`await` (its next instruction a RESUME 2 or 3) for
         * its delegate whatever the frame's state, and throw() pops it
         * when it fails: hidden (None there) while callbacks run.  (The
         * RESUME is RESUME_QUICK once the code is quickened.) */
        link->stack = NULL;
        if (link->state != FRAME_CREATED &&
            f->stacktop > f->f_code->co_nlocalsplus &&
            _PyOpcode_Deopt[_Py_OPCODE(f->prev_instr[1])] == RESUME &&
            _Py_OPARG(f->prev_instr[1]) >= 2) {
            PyObject **top = &f->localsplus[f->stacktop - 1];
            link->stack = *top;
            link->delegate = *top;
            *top = Py_NewRef(Py_None);
        }
    }
    if (_PyFrame_IsIncomplete(f) && run_prefix(f) == 0) {
        link->instr = f->prev_instr;
        f->prev_instr = _PyCode_CODE(f->f_code) + f->f_code->_co_firsttraceable;
    }
}

void
pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *frame,
                            Pep669Link *link)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyObject *locals = f->f_locals;
    if ((f->f_code->co_flags & CO_OPTIMIZED) && f->frame_obj != NULL &&
        locals != NULL && PyDict_CheckExact(locals) &&
        ((void *)locals != link->locals ||
         ((PyDictObject *)locals)->ma_version_tag != link->locals_tag)) {
        /* A callback changed frame.f_locals (made it, or wrote to it; a
         * read refreshes it, which changes it only where the variables
         * differ from it, and then writing it back changes nothing): the
         * frame's variables follow (3.13, PEP 667).  It saves and
         * restores the exception being raised, and writes only after a
         * refresh (f_fast_as_locals). */
        PyFrame_LocalsToFast(f->frame_obj, 0);
    }
    if (link->instr != NULL) {
        f->prev_instr = (_Py_CODEUNIT *)link->instr;
    }
    if (f->owner == FRAME_OWNED_BY_GENERATOR) {
        _PyFrame_GetGenerator(f)->gi_frame_state = (int8_t)link->state;
        if (link->stack != NULL) {
            PyObject **top = &f->localsplus[f->stacktop - 1];
            PyObject *none = *top;
            *top = (PyObject *)link->stack;
            Py_DECREF(none);
        }
    }
    ts->cframe->current_frame = (_PyInterpreterFrame *)link->current;
}

PyObject *
pep669_backend_frame_object_generator(PyObject *frame)
{
    _PyInterpreterFrame *f = ((PyFrameObject *)frame)->f_frame;
    if (f->owner != FRAME_OWNED_BY_GENERATOR) {
        return NULL;
    }
    return (PyObject *)_PyFrame_GetGenerator(f);
}

void
pep669_backend_frame_add_traceback(PyThreadState *ts, Pep669Frame *frame)
{
    Pep669Link link;
    if (_PyFrame_IsIncomplete(FRAME(frame))) {
        return;
    }
    if (ts->cframe->current_frame == FRAME(frame)) {
        /* Running (a trace event of its own): linked in already, and
         * linking it again would make it its own previous frame. */
        PyFrameObject *f = PyEval_GetFrame();
        if (f != NULL) {
            PyTraceBack_Here(f);
        }
        return;
    }
    pep669_backend_frame_link(ts, frame, &link);
    /* Borrowed; created on demand by the interpreter itself. */
    PyFrameObject *f = PyEval_GetFrame();
    if (f != NULL) {
        PyTraceBack_Here(f);
    }
    pep669_backend_frame_unlink(ts, frame, &link);
}

int
pep669_backend_frame_prepare_throw(PyThreadState *Py_UNUSED(ts),
                                   Pep669Frame *frame, int at_entry)
{
    _PyInterpreterFrame *f = FRAME(frame);
    if (at_entry) {
        /* A fresh function frame raises at its RESUME, complete, so that
         * the traceback shows it; a generator frame is already where
         * generator.throw() would find it. */
        if (f->owner != FRAME_OWNED_BY_GENERATOR && run_prefix(f) == 0) {
            f->prev_instr = _PyCode_CODE(f->f_code) +
                            f->f_code->_co_firsttraceable;
        }
        return 0;
    }
    /* After a yield: what gen_send_ex2() does before generator.throw()
     * runs the frame: mark it executing and push the value sent (None). */
    if (f->owner != FRAME_OWNED_BY_GENERATOR) {
        return -1;
    }
    _PyFrame_GetGenerator(f)->gi_frame_state = FRAME_EXECUTING;
    _PyFrame_StackPush(f, Py_NewRef(Py_None));
    return 0;
}

int
pep669_backend_suppressed(PyThreadState *ts)
{
    return ts->tracing > 0;
}

void
pep669_backend_enter_callback(PyThreadState *ts)
{
    PyThreadState_EnterTracing(ts);
}

void
pep669_backend_leave_callback(PyThreadState *ts)
{
    PyThreadState_LeaveTracing(ts);
}

Pep669Frame *
pep669_backend_current_frame(PyThreadState *ts)
{
    return (Pep669Frame *)ts->cframe->current_frame;
}

Pep669Frame *
pep669_backend_frame_back(Pep669Frame *frame)
{
    return (Pep669Frame *)FRAME(frame)->previous;
}

int
pep669_backend_frame_lasti(Pep669Frame *frame)
{
    int lasti = _PyInterpreterFrame_LASTI(FRAME(frame));
    return lasti < 0 ? -1 : lasti * UNIT;
}

void
pep669_backend_frame_move(Pep669Frame *frame, int offset,
                          Pep669FramePos *saved)
{
    _PyInterpreterFrame *f = FRAME(frame);
    PyFrameObject *obj = f->frame_obj;
    saved->instr = f->prev_instr;
    saved->lineno = obj != NULL ? obj->f_lineno : 0;
    f->prev_instr = _PyCode_CODE(f->f_code) + offset / UNIT;
    /* (the trace call under way set f_lineno, which then comes first) */
    if (obj != NULL && obj->f_lineno != 0) {
        obj->f_lineno = PyCode_Addr2Line(f->f_code, offset);
    }
}

void
pep669_backend_frame_restore(Pep669Frame *frame, const Pep669FramePos *saved)
{
    _PyInterpreterFrame *f = FRAME(frame);
    f->prev_instr = (_Py_CODEUNIT *)saved->instr;
    if (f->frame_obj != NULL) {
        f->frame_obj->f_lineno = saved->lineno;
    }
}

Pep669Frame *
pep669_backend_pyframe_frame(PyFrameObject *f)
{
    return (Pep669Frame *)f->f_frame;
}

PyCodeObject *
pep669_backend_pyframe_code(PyFrameObject *f)
{
    return p11_original(f->f_frame->f_code);
}

int
pep669_backend_pyframe_lasti(PyFrameObject *f)
{
    return pep669_backend_frame_lasti((Pep669Frame *)f->f_frame);
}

int
pep669_backend_pyframe_line(PyFrameObject *f)
{
    return f->f_lineno;
}

int
pep669_backend_pyframe_unbound(PyFrameObject *f, int fill)
{
    _PyInterpreterFrame *fr = f->f_frame;
    int unbound = 0;
    for (int i = 0; i < fr->f_code->co_nlocalsplus; i++) {
        if (fr->localsplus[i] == NULL) {
            unbound++;
            if (fill) {
                fr->localsplus[i] = Py_NewRef(Py_None);
            }
        }
    }
    return unbound;
}

void
pep669_backend_pyframe_locals_mark(PyFrameObject *f, void **dict,
                                   uint64_t *tag)
{
    PyObject *locals = f->f_frame->f_locals;
    int ok = (f->f_frame->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
             PyDict_CheckExact(locals);
    *dict = ok ? locals : NULL;
    *tag = ok ? ((PyDictObject *)locals)->ma_version_tag : 0;
}

void
pep669_backend_pyframe_locals_sync(PyFrameObject *f, void *dict,
                                   uint64_t tag)
{
    PyObject *locals = f->f_frame->f_locals;
    if ((f->f_frame->f_code->co_flags & CO_OPTIMIZED) && locals != NULL &&
        PyDict_CheckExact(locals) &&
        ((void *)locals != dict ||
         ((PyDictObject *)locals)->ma_version_tag != tag)) {
        /* (it saves and restores the exception being raised) */
        PyFrame_LocalsToFast(f, 0);
    }
}

#include "frame_access.h"
/* frame_access.h's Pep669FrameHead is the start of the frame. */
#define P11_HEAD_AT(field) \
    (offsetof(_PyInterpreterFrame, field) == offsetof(Pep669FrameHead, field))
_Static_assert(P11_HEAD_AT(f_code) && P11_HEAD_AT(frame_obj) &&
                   P11_HEAD_AT(prev_instr),
               "frame_access.h's Pep669FrameHead");

PyFrameObject *
pep669_backend_frame_pyframe(Pep669Frame *frame)
{
    return FRAME(frame)->frame_obj;
}

PyFrameObject *
pep669_backend_pyframe_back(PyFrameObject *f)
{
    return PyFrame_GetBack(f);
}

PyFrameObject *
pep669_backend_current_pyframe(PyThreadState *Py_UNUSED(ts))
{
    return PyEval_GetFrame();
}

int
pep669_backend_jump_kind(PyCodeObject *co, int *offset, int *next,
                         int *target)
{
    /* Traced frames run unspecialized instructions: a fused
     * COMPARE_OP_*_JUMP is traced as COMPARE_OP and then its jump. */
    Pep669Instr in = instr_decode(co, *offset);
    int op = in.op, oparg = in.arg;
    *offset = in.unit * UNIT;
    *next = instr_next(in) * UNIT;
    int t, jump = p11_jump(op, oparg, instr_next(in), &t);
    *target = jump & (P11_J_JUMP | P11_J_BRANCH) ? t * UNIT : -1;
    return jump & P11_J_JUMP     ? PEP669_EV_JUMP
           : jump & P11_J_BRANCH ? PEP669_EV_BRANCH
                                 : -1;
}

int
pep669_backend_instr_class(PyCodeObject *co, int offset)
{
    switch (_PyOpcode_Deopt[_Py_OPCODE(_PyCode_CODE(co)[offset / UNIT])]) {
    case PRECALL:
    case CALL_FUNCTION_EX:
        return PEP669_INSTR_CALL;
    case RAISE_VARARGS:
    case RERAISE:
    case END_ASYNC_FOR:
        return PEP669_INSTR_RERAISE;
    case POP_EXCEPT:
        return PEP669_INSTR_HANDLER_EXIT;
    case FOR_ITER:
        return PEP669_INSTR_FOR_ITER;
    case SEND:
        /* maybe_call_line_trace(): no line for the jump back to it in a
         * yield from / await loop */
        return PEP669_INSTR_QUIET_BACK | PEP669_INSTR_FLOW_JUMP;
    default:
        return 0;
    }
}

#ifdef PEP669_DEBUG
/* pep669_backend_flow from the jump switch (py311_flow.h's, from the
 * step table, is checked against it) */
static int
p11_flow_switch(PyCodeObject *co, int offset, int *next, int *target)
{
    Pep669Instr in = instr_decode(co, offset);
    int op = in.op, oparg = in.arg, after = instr_next(in);
    *next = after < Py_SIZE(co) ? after * UNIT : -1;
    *target = -1;
    int t, jump = p11_jump(op, oparg, after, &t);
    if (jump) {
        *target = t * UNIT;
        if (jump & P11_J_ALWAYS) {
            *next = -1;
        }
    }
    else if (op == RETURN_VALUE || op == RAISE_VARARGS || op == RERAISE) {
        *next = -1;
    }
    else if (_PyOpcode_Jump[op >> 5] & (1u << (op & 31))) {
        return -1;  /* a jump this file does not know */
    }
    if (*target >= Py_SIZE(co) * UNIT) {
        return -1;
    }
    return in.unit * UNIT;
}
#endif

int
pep669_backend_handlers(PyCodeObject *co, int *handlers, int max)
{
    const unsigned char *p, *end;
    int n = 0;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size, target, depth_lasti;
        p = read_exc_entry(p, end, &start, &size, &target,
                           &depth_lasti);
        if (n < max) {
            handlers[n] = target * UNIT;
        }
        n++;
    }
    return n;
}

int
pep669_backend_next_instruction(PyCodeObject *co, int offset)
{
    int op = _PyOpcode_Deopt[_Py_OPCODE(_PyCode_CODE(co)[offset / UNIT])];
    return offset + (1 + _PyOpcode_Caches[op]) * UNIT;
}

int
pep669_backend_first_line_offset(PyCodeObject *co)
{
    return (co->_co_firsttraceable + 1) * UNIT;
}

int
pep669_backend_call_at(PyFrameObject *f, int offset, int *call_offset,
                       PyObject **callable, PyObject **arg0, int *inlined)
{
    _PyInterpreterFrame *fr = f->f_frame;
    Pep669Instr in = instr_decode(fr->f_code, offset);
    /* _PyFrame_SetStackPointer() was done before the trace call. */
    PyObject **sp = fr->localsplus + fr->stacktop;
    switch (in.op) {
    case PRECALL:
        /* Read before PRECALL unpacks a bound method (3.13 reports the
         * bound method and its first argument); report the CALL. */
        *call_offset = instr_next(in) * UNIT;
        return read_method_call(sp, in.arg, callable, arg0, inlined);
    case CALL_FUNCTION_EX:
        *call_offset = in.unit * UNIT;
        return read_ex_call(sp, in.arg, callable, arg0, inlined);
    default:
        return 0;
    }
}

#include "py311_exc.h"

int
pep669_backend_forward_jump_lines(void)
{
    /* Any change of line (PEP 626). */
    return 1;
}

#include "py311_flow.h"
/* ---- line and call probes (py311_clone.h) ---- */
#include "py311_clone.h"
/* ---- handler probes ---- */
#include "py311_handlers.h"

/* ---- call probes: py311_calls.h (included by py311_clone.h) ---- */

void
pep669_backend_sync_lineno(PyThreadState *Py_UNUSED(ts))
{
}
