/* What 3.11's frames and bytecode say of exceptions being handled
 * (included by backend/py311.c only): re-raises, bare raises, the
 * handled exception as callbacks see it, handlers' prologues, a
 * generator's delegation. */

int
pep669_backend_reraise_at(PyFrameObject *f, int offset, PyObject **exc,
                          int *at)
{
    _PyInterpreterFrame *fr = f->f_frame;
    _Py_CODEUNIT word = _PyCode_CODE(fr->f_code)[offset / UNIT];
    int op = _PyOpcode_Deopt[_Py_OPCODE(word)], oparg = _Py_OPARG(word);
    PyObject **sp = fr->localsplus + fr->stacktop;
    *exc = NULL;
    *at = offset;
    switch (op) {
    case RAISE_VARARGS:
        if (_Py_OPARG(word) != 0) {
            return 0;
        }
        *exc = handled_exception();
        return *exc != NULL;
    case RERAISE:
        *exc = Py_NewRef(sp[-1]);
        if (oparg != 0 && PyLong_CheckExact(sp[-1 - oparg])) {
            /* RERAISE 1 puts the frame back where the exception came
             * into the handler: the lasti pushed under it (code units). */
            int overflow;
            long back = PyLong_AsLongAndOverflow(sp[-1 - oparg], &overflow);
            if (overflow == 0 && back >= 0 && back < Py_SIZE(fr->f_code)) {
                *at = (int)back * UNIT;
            }
        }
        return 1;
    case END_ASYNC_FOR:
        if (PyErr_GivenExceptionMatches(sp[-1], PyExc_StopAsyncIteration)) {
            return 0;
        }
        *exc = Py_NewRef(sp[-1]);
        return 1;
    default:
        return 0;
    }
}

int
pep669_backend_bare_raise_at(Pep669Frame *frame, int offset)
{
    PyCodeObject *co = FRAME(frame)->f_code;
    if (offset < 0 || offset / UNIT >= Py_SIZE(co)) {
        return 0;
    }
    _Py_CODEUNIT word = _PyCode_CODE(co)[offset / UNIT];
    return _PyOpcode_Deopt[_Py_OPCODE(word)] == RAISE_VARARGS &&
           _Py_OPARG(word) == 0;
}

/* The exception-table entry covering unit `u`: 1 and its handler and
 * depth<<1|lasti, or 0. */
static int
exc_entry_of(PyCodeObject *co, int u, int *target, int *depth_lasti)
{
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size;
        p = read_exc_entry(p, end, &start, &size, target, depth_lasti);
        if (u >= start && u < start + size) {
            return 1;
        }
    }
    return 0;
}

/* The re-raise (unit) that ends the cleanup handler starting at unit `t`,
 * or -1: a straight run of instructions that cannot raise (COPY,
 * POP_EXCEPT, LOAD_CONST, STORE_FAST, DELETE_FAST after the STORE_FAST,
 * NOP) ending in RERAISE n, n > 0, which puts the frame back on the
 * instruction the exception came from (the lasti its entry pushed): an
 * `except`/`finally` body's cleanup (`COPY 3; POP_EXCEPT; RERAISE 1`), an
 * `except ... as name`'s (`LOAD_CONST None; STORE_FAST name; DELETE_FAST
 * name; RERAISE 1`).  *pops: the run has a POP_EXCEPT. */
static int
cleanup_reraise(PyCodeObject *co, int t, int *pops)
{
    const _Py_CODEUNIT *code = _PyCode_CODE(co);
    int units = (int)Py_SIZE(co);
    *pops = 0;
    for (int u = t, n = 0; u >= 0 && u < units && n < 6; u++, n++) {
        int op = _PyOpcode_Deopt[_Py_OPCODE(code[u])];
        switch (op) {
        case RERAISE:
            return _Py_OPARG(code[u]) != 0 ? u : -1;
        case POP_EXCEPT:
            *pops = 1;
            break;
        case COPY: case LOAD_CONST: case STORE_FAST: case NOP:
            break;
        case DELETE_FAST:
            if (u == t ||
                _PyOpcode_Deopt[_Py_OPCODE(code[u - 1])] != STORE_FAST ||
                _Py_OPARG(code[u - 1]) != _Py_OPARG(code[u])) {
                return -1;
            }
            break;
        default:
            return -1;
        }
    }
    return -1;
}

/* The cleanup handlers an exception re-raised at unit `u` goes through
 * before it leaves the frame (each entered, EXCEPTION_HANDLED, and left by
 * its RERAISE n, the frame still on `u`): at most `max` (handler, re-raise,
 * pops) triples in `steps`; their count, or -1 where it goes elsewhere (a
 * handler that is no such cleanup, a cleanup after one that popped the
 * handled exception, more than `max`). */
static int
cleanup_chain(PyCodeObject *co, int u, int *steps, int max)
{
    int n = 0, popped = 0, target, dl;
    while (exc_entry_of(co, u, &target, &dl)) {
        int pops, r = cleanup_reraise(co, target, &pops);
        if (r < 0 || !(dl & 1) || popped || n >= max) {
            return -1;
        }
        steps[3 * n] = target;
        steps[3 * n + 1] = r;
        steps[3 * n + 2] = pops;
        n++;
        popped = pops;
        u = r;
    }
    return n;
}

/* 2 where, once a handler is entered, every instruction that re-raises
 * without telling the trace function (RERAISE, a bare `raise`) sends its
 * exception out of the frame through cleanup handlers only
 * (cleanup_chain): a handler can then be entered only by an exception
 * the trace function is told of, and the frame's end, from its last
 * instruction, gives the re-raise and the cleanups' events
 * (pep669_backend_reraise_chain).  A RERAISE n, n > 0, must end a
 * cleanup (a `with`'s RERAISE 2 puts back an instruction that tells
 * nothing of the re-raise).  Not generators, coroutines (a throw()),
 * `async for`, `except*`.  0 otherwise.  (2: the cleanup handlers
 * themselves stay traced, pep669_backend_handler_restores_lasti.) */
int
pep669_backend_code_exc_flat(PyCodeObject *co)
{
    if (co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR |
                        CO_ITERABLE_COROUTINE)) {
        return 0;
    }
    const _Py_CODEUNIT *code = _PyCode_CODE(co);
    int units = (int)Py_SIZE(co), steps[3 * 4];
    for (int u = 0; u < units;) {
        int op = _PyOpcode_Deopt[_Py_OPCODE(code[u])];
        int arg = _Py_OPARG(code[u]);
        switch (op) {
        case END_ASYNC_FOR: case PREP_RERAISE_STAR: case CHECK_EG_MATCH:
        case SEND: case YIELD_VALUE: case RETURN_GENERATOR:
            return 0;
        case EXTENDED_ARG:
            if (u + 1 < units) {
                int next = _PyOpcode_Deopt[_Py_OPCODE(code[u + 1])];
                if (next == RERAISE || next == RAISE_VARARGS) {
                    return 0;
                }
            }
            break;
        case RERAISE:
        case RAISE_VARARGS:
            if (op == RAISE_VARARGS && arg != 0) {
                break;
            }
            if (op == RERAISE && arg != 0) {
                /* (the end of a cleanup: entered from a handler's body,
                 * whose chain covers it) */
                int pops, found = 0;
                const unsigned char *p, *end;
                p = (const unsigned char *)PyBytes_AS_STRING(
                    co->co_exceptiontable);
                end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
                while (p < end && !found) {
                    int start, size, target, dl;
                    p = read_exc_entry(p, end, &start, &size, &target, &dl);
                    found = (dl & 1) && cleanup_reraise(co, target,
                                                        &pops) == u;
                }
                if (!found) {
                    return 0;
                }
            }
            if (cleanup_chain(co, u, steps, 4) < 0) {
                return 0;
            }
            break;
        default:
            break;
        }
        u += 1 + _PyOpcode_Caches[op];
    }
    return 2;
}

int
pep669_backend_handler_restores_lasti(PyCodeObject *co, int offset)
{
    int pops;
    return cleanup_reraise(co, offset / UNIT, &pops) >= 0;
}

int
pep669_backend_reraised_at(Pep669Frame *frame, int offset)
{
    PyCodeObject *co = FRAME(frame)->f_code;
    if (offset < 0 || offset / UNIT >= Py_SIZE(co)) {
        return 0;
    }
    _Py_CODEUNIT word = _PyCode_CODE(co)[offset / UNIT];
    int op = _PyOpcode_Deopt[_Py_OPCODE(word)];
    return (op == RERAISE || op == RAISE_VARARGS) && _Py_OPARG(word) == 0;
}

int
pep669_backend_reraise_chain(PyCodeObject *co, int offset, int *steps,
                             int max)
{
    int n = cleanup_chain(co, offset / UNIT, steps, max);
    for (int i = 0; i < n; i++) {
        steps[3 * i] *= UNIT;
        steps[3 * i + 1] *= UNIT;
    }
    return n < 0 ? 0 : n;
}

void
pep669_backend_handled_show(PyThreadState *ts, PyObject **saved)
{
    _PyErr_StackItem *ei = ts->exc_info;
    saved[0] = ei->exc_value;
    saved[1] = saved[2] = NULL;
    ei->exc_value = Py_XNewRef(ts->curexc_value);
}

void
pep669_backend_handled_restore(PyThreadState *ts, PyObject **saved)
{
    Py_XSETREF(ts->exc_info->exc_value, saved[0]);
}

int
pep669_backend_frame_drives_generator(Pep669Frame *frame, int *offset)
{
    _PyInterpreterFrame *f = FRAME(frame);
    int lasti = _PyInterpreterFrame_LASTI(f);
    if (lasti < 0) {
        return 0;
    }
    int op = _PyOpcode_Deopt[_Py_OPCODE(*f->prev_instr)];
    if (op == FOR_ITER || op == SEND) {
        *offset = lasti * UNIT;
        return op == FOR_ITER ? 2 : 1;
    }
    return 0;
}

int
pep669_backend_frame_delegating(Pep669Frame *frame, int *offset)
{
    _PyInterpreterFrame *f = FRAME(frame);
    _Py_CODEUNIT *code = _PyCode_CODE(f->f_code);
    int lasti = _PyInterpreterFrame_LASTI(f);
    if (f->owner != FRAME_OWNED_BY_GENERATOR || lasti < 1) {
        return 0;
    }
    int op = _PyOpcode_Deopt[_Py_OPCODE(code[lasti])];
    /* Suspended at the YIELD_VALUE after the SEND ... */
    if (op == YIELD_VALUE &&
        _PyOpcode_Deopt[_Py_OPCODE(code[lasti - 1])] == SEND) {
        *offset = (lasti - 1) * UNIT;
        return 1;
    }
    /* ... or moved by gen_throw to the loop's end once the subiterator
     * raised: the JUMP_BACKWARD_NO_INTERRUPT back to the SEND. */
    if (op == JUMP_BACKWARD_NO_INTERRUPT) {
        int send = lasti + 1 - _Py_OPARG(code[lasti]);
        if (send >= 0 && _PyOpcode_Deopt[_Py_OPCODE(code[send])] == SEND) {
            *offset = send * UNIT;
            return 1;
        }
    }
    return 0;
}

/* The handled exception: PUSH_EXC_INFO at a handler's start makes it the
 * one caught, POP_EXCEPT at its end puts the one before back. */
int
pep669_backend_handled_hide(PyThreadState *ts, Pep669Frame *frame,
                            PyObject *exc, PyObject *saved[3])
{
    (void)ts, (void)frame, (void)exc, (void)saved;
    return 0;  /* (3.11 pushes the exception after the event, as 3.12) */
}

int
pep669_backend_with_exit_hide(PyThreadState *ts, PyObject *saved[3])
{
    (void)ts, (void)saved;
    return 0;  /* (3.11's LINE comes at PUSH_EXC_INFO, before the push) */
}

int
pep669_backend_handler_next(Pep669Frame *frame)
{
    (void)frame;
    return -1;  /* (its handler probes give the handlers' entries) */
}

void
pep669_backend_handled_unhide(PyThreadState *ts, PyObject *saved[3])
{
    (void)ts, (void)saved;
}

PyObject *
pep669_backend_handler_mark(PyThreadState *ts)
{
    PyObject *value = ts->exc_info->exc_value;
    return value == Py_None ? NULL : value;
}

int
pep669_backend_in_handler(Pep669Frame *frame, PyObject *outside)
{
    (void)frame;
    return pep669_backend_handler_mark(PyThreadState_GET()) != outside;
}

int
pep669_backend_handler_prologue(PyCodeObject *co, int offset)
{
    _Py_CODEUNIT *code = _PyCode_CODE(co);
    int unit = offset / UNIT;
    int op = _PyOpcode_Deopt[_Py_OPCODE(code[unit])];
    if (op == PUSH_EXC_INFO) {
        return 1;
    }
    if (op == COPY && unit + 1 < Py_SIZE(co) &&
        _Py_OPCODE(code[unit + 1]) == POP_EXCEPT) {
        return 2;
    }
    return 0;
}
