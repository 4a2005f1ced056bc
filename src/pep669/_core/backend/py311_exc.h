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

int
pep669_backend_code_exc_flat(PyCodeObject *Py_UNUSED(co))
{
    /* (every handler's body is covered by a cleanup handler of the
     * frame's: a re-raise there does not leave it) */
    return 0;
}

int
pep669_backend_handler_restores_lasti(PyCodeObject *Py_UNUSED(co),
                                      int Py_UNUSED(offset))
{
    return 0;
}

int
pep669_backend_reraised_at(Pep669Frame *Py_UNUSED(frame),
                           int Py_UNUSED(offset))
{
    return 0;
}

void
pep669_backend_handled_show(PyThreadState *Py_UNUSED(ts), PyObject **saved)
{
    /* (never used: no code of 3.11 is flat) */
    saved[0] = saved[1] = saved[2] = NULL;
}

void
pep669_backend_handled_restore(PyThreadState *Py_UNUSED(ts),
                               PyObject **Py_UNUSED(saved))
{
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
