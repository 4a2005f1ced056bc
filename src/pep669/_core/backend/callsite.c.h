/* Calls, 3.8-3.10: reading the call an instruction makes (a CALL event
 * from an 'opcode' trace event or a call site's probe), and making it for
 * a call probe.  Contract: backend/README.md. */
#ifndef PEP669_CALLSITE_C_H
#define PEP669_CALLSITE_C_H

/* the value stack's top during a trace call */
#ifndef PEP669_STACK_TOP
#  error "callsite.c.h needs PEP669_STACK_TOP(f) (backend/README.md)"
#endif
#if !defined(PEP669_DECODE_C_H) || !defined(PEP669_CALLS_C_H) || \
    !defined(PEP669_FRAME_C_H)
#  error "callsite.c.h needs decode.c.h, calls.c.h and frame.c.h first"
#endif
#ifndef PEP669_SET_LASTI
#  error "callsite.c.h needs PEP669_SET_LASTI(f, offset)"
#endif

/* Whether the call whose opcode unit is `unit` ends a `with` block:
 * `LOAD_CONST None; DUP_TOP; DUP_TOP; CALL_FUNCTION 3` (3.9/3.10; 3.8's
 * WITH_CLEANUP_START: call_read).  3.12 makes that call with None
 * in the self slot of its CALL, so a bound __exit__ is not unpacked and
 * the call gives C_RETURN/C_RAISE even when __exit__ is a Python
 * function; the backport reports it the same way. */
static int
with_exit_call(PyCodeObject *co, int unit)
{
#ifdef DUP_TOP
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    if (unit < 3 ||
        PEP669_DEOPT(_Py_OPCODE(code[unit])) != CALL_FUNCTION ||
        _Py_OPARG(code[unit]) != 3 ||
        PEP669_DEOPT(_Py_OPCODE(code[unit - 1])) != DUP_TOP ||
        PEP669_DEOPT(_Py_OPCODE(code[unit - 2])) != DUP_TOP ||
        PEP669_DEOPT(_Py_OPCODE(code[unit - 3])) != LOAD_CONST) {
        return 0;
    }
    if (unit >= 4 &&
        PEP669_DEOPT(_Py_OPCODE(code[unit - 4])) == EXTENDED_ARG) {
        return 0;  /* (a prefixed LOAD_CONST: not told apart here) */
    }
    int k = _Py_OPARG(code[unit - 3]);
    return k < PyTuple_GET_SIZE(co->co_consts) &&
           PyTuple_GET_ITEM(co->co_consts, k) == Py_None;
#else
    (void)co;
    (void)unit;
    return 0;
#endif
}

/* The callable and first argument of the call `op` with argument `n`,
 * the stack's top at sp (see pep669_backend_call_at); with_exit: the
 * call ends a `with` block (with_exit_call). */
static inline int
call_read(int op, int n, PyObject **sp, PyObject **callable,
          PyObject **arg0, int *inlined, int with_exit)
{
    switch (op) {
    case CALL_FUNCTION:
        *callable = sp[-n - 1];
        *arg0 = n > 0 ? sp[-n] : NULL;
        *inlined = !with_exit && is_inlined(*callable, 1);
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
#ifdef WITH_CLEANUP_START
    case WITH_CLEANUP_START:
        /* 3.8's `with` exit: BEGIN_FINALLY's NULL on top, __exit__ under
         * it, called (None, None, None), as 3.12's CALL of with_exit_call
         * (an exception's exit is no call there: WITH_EXCEPT_START). */
        if (sp[-1] != NULL) {
            return 0;
        }
        *callable = sp[-2];
        *arg0 = Py_None;
        *inlined = 0;
        return 1;
#endif
    default:
        return 0;
    }
}

/* pep669_backend_call_at with the stack's top at sp. */
static int
call_at_sp(PyCodeObject *co, int offset, PyObject **sp, int *call_offset,
           PyObject **callable, PyObject **arg0, int *inlined)
{
    Pep669Instr in = instr_decode(co, offset);
    *call_offset = in.unit * (int)sizeof(_Py_CODEUNIT);
    return call_read(in.op, in.arg, sp, callable, arg0, inlined,
                     in.op == CALL_FUNCTION && with_exit_call(co, in.unit));
}

int
pep669_backend_call_at(PyFrameObject *f, int offset, int *call_offset,
                       PyObject **callable, PyObject **arg0, int *inlined)
{
    return call_at_sp(f->f_code, offset, PEP669_STACK_TOP(f), call_offset,
                      callable, arg0, inlined);
}

int
pep669_backend_call_site_read(const Pep669Site *site, PyObject **top,
                              PyObject **callable, PyObject **arg0,
                              int *inlined)
{
    return call_read(site->op, site->oparg, top, callable, arg0, inlined,
                     site->with_exit);
}

PyObject **
pep669_backend_call_site_top(Pep669Frame *Py_UNUSED(frame),
                             const Pep669Site *Py_UNUSED(site),
                             PyCodeObject *Py_UNUSED(clone),
                             int *Py_UNUSED(lasti))
{
    /* (the stub's CALL_FUNCTION 0 passes the stack to the probe) */
    return NULL;
}

PyObject *
pep669_backend_call_site_inloop(const Pep669Site *Py_UNUSED(site),
                                PyObject **Py_UNUSED(top))
{
    /* (no site has a call in place before 3.11) */
    PEP669_ASSERT(0);
    return Py_NewRef(Py_True);
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
#ifdef WITH_CLEANUP_START
    case WITH_CLEANUP_START: {
        /* (__exit__, NULL): __exit__(None, None, None); (__exit__, tb2,
         * exc2, tp2, tb, val, type): __exit__(type, val, tb) */
        PyObject *args[4] = {NULL, Py_None, Py_None, Py_None};
        PyObject *exit_func = top[-2];
        if (top[-1] != NULL) {
            exit_func = top[-7];
            args[1] = top[-1];
            args[2] = top[-2];
            args[3] = top[-3];
        }
        return PyObject_Vectorcall(exit_func, args + 1, 3 | offset, NULL);
    }
#endif
    default: {
        /* CALL_FUNCTION_EX: (callable, args[, kwargs]) */
        return ex_call(base[0], &base[1], (oparg & 1) ? &base[2] : NULL);
    }
    }
}

#ifdef WITH_CLEANUP_START
/* 3.8's WITH_CLEANUP_START after its call (clone.c.h with_cleanup_stub):
 * the stack as the instruction leaves it but for what the stub pushes,
 * __exit__ dropped. */
static PyObject *
with_cleanup_finish(PyObject **top, PyObject *res)
{
    PyObject *exit_func;
    if (top[-1] == NULL) {
        exit_func = top[-2];
        top[-2] = NULL;
        Py_DECREF(exit_func);
        if (res == NULL) {
            return NULL;
        }
        top[-1] = res;
        return Py_NewRef(Py_None);
    }
    /* The previous exception's three items go down one, a NULL where
     * the last was, which the handler block's level follows (its
     * unwinding pops the NULL and the exception, then restores the
     * previous one). */
    PyObject **base = top - 7;
    PyFrameObject *f = PyEval_GetFrame();
    PEP669_ASSERT(f != NULL && f->f_iblock > 0 &&
                  f->f_blockstack[f->f_iblock - 1].b_type == EXCEPT_HANDLER);
    exit_func = base[0];
    base[0] = base[1];
    base[1] = base[2];
    base[2] = base[3];
    base[3] = NULL;
    f->f_blockstack[f->f_iblock - 1].b_level--;
    Py_DECREF(exit_func);
    if (res == NULL) {
        return NULL;
    }
    PyObject *type = base[6];
    base[6] = res;
    return type;
}
#endif

PyObject *
pep669_backend_call_site_finish(const Pep669Site *site, PyObject **top,
                                PyObject *res)
{
#ifdef WITH_CLEANUP_START
    if (site->op == WITH_CLEANUP_START) {
        return with_cleanup_finish(top, res);
    }
#endif
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

static PyObject *
power_op(PyObject *l, PyObject *r)
{
    return PyNumber_Power(l, r, Py_None);
}

static PyObject *
inplace_power_op(PyObject *l, PyObject *r)
{
    return PyNumber_InPlacePower(l, r, Py_None);
}

/* The binary operation of `op` (BINARY_* but subscripting, INPLACE_*),
 * as the interpreter makes it (its fast paths for str give the same
 * values), or NULL. */
static binaryfunc
binary_op(int op)
{
    switch (op) {
    case BINARY_ADD: return PyNumber_Add;
    case BINARY_SUBTRACT: return PyNumber_Subtract;
    case BINARY_MULTIPLY: return PyNumber_Multiply;
    case BINARY_MATRIX_MULTIPLY: return PyNumber_MatrixMultiply;
    case BINARY_TRUE_DIVIDE: return PyNumber_TrueDivide;
    case BINARY_FLOOR_DIVIDE: return PyNumber_FloorDivide;
    case BINARY_MODULO: return PyNumber_Remainder;
    case BINARY_POWER: return power_op;
    case BINARY_LSHIFT: return PyNumber_Lshift;
    case BINARY_RSHIFT: return PyNumber_Rshift;
    case BINARY_AND: return PyNumber_And;
    case BINARY_XOR: return PyNumber_Xor;
    case BINARY_OR: return PyNumber_Or;
    case INPLACE_ADD: return PyNumber_InPlaceAdd;
    case INPLACE_SUBTRACT: return PyNumber_InPlaceSubtract;
    case INPLACE_MULTIPLY: return PyNumber_InPlaceMultiply;
    case INPLACE_MATRIX_MULTIPLY: return PyNumber_InPlaceMatrixMultiply;
    case INPLACE_TRUE_DIVIDE: return PyNumber_InPlaceTrueDivide;
    case INPLACE_FLOOR_DIVIDE: return PyNumber_InPlaceFloorDivide;
    case INPLACE_MODULO: return PyNumber_InPlaceRemainder;
    case INPLACE_POWER: return inplace_power_op;
    case INPLACE_LSHIFT: return PyNumber_InPlaceLshift;
    case INPLACE_RSHIFT: return PyNumber_InPlaceRshift;
    case INPLACE_AND: return PyNumber_InPlaceAnd;
    case INPLACE_XOR: return PyNumber_InPlaceXor;
    case INPLACE_OR: return PyNumber_InPlaceOr;
    default: return NULL;
    }
}

/* The operation of a unary `op` that replaces the top of the stack
 * (GET_ITER, UNARY_* but not), as the interpreter makes it, or NULL. */
static unaryfunc
unary_op(int op)
{
    switch (op) {
    case GET_ITER: return PyObject_GetIter;
    case UNARY_NEGATIVE: return PyNumber_Negative;
    case UNARY_POSITIVE: return PyNumber_Positive;
    case UNARY_INVERT: return PyNumber_Invert;
    default: return NULL;
    }
}

/* Whether a call probe can make the instruction `op` (one unit, no
 * prefix) after its call (pep669_backend_call_site_after): -1 if not,
 * else how many items it pops more than it pushes (0 or 1). */
static int
call_after_pops(int op)
{
    if (op == POP_TOP || op == STORE_FAST || binary_op(op) != NULL) {
        return 1;
    }
    return unary_op(op) != NULL ? 0 : -1;
}

PyObject *
pep669_backend_call_site_after(Pep669Frame *frame, const Pep669Site *site,
                               PyObject **top, PyObject *out)
{
#ifdef WITH_CLEANUP_START
    if (site->op == WITH_CLEANUP_START) {
        /* (its stub makes the WITH_CLEANUP_FINISH it took) */
        return out;
    }
#endif
    PyFrameObject *f = FRAME(frame);
    PyObject **base = top - site->items;
    PEP669_ASSERT(site->after > 0 && site->items >= 1);
    if (!site->patched) {
        /* The instructions are the frame's again: the stub's first test
         * (the last item it pops, or the probe's result) goes back to
         * them, with the call's result on the stack. */
        if (site->items == 1) {
            Py_DECREF(out);
            return Py_NewRef(Py_True);
        }
        put_item(&base[1], Py_NewRef(Py_True));
        return out;
    }
    /* base[t - 1] is the top of the stack the instructions see; what
     * they pop becomes None, which the stub's pops drop after its test.
     * (The instructions are the last units of the site's saved bytes:
     * f_code may be the clone still.) */
    int t = 1;
    PEP669_ASSERT(site->loc + 2 * (site->after + 1) ==
                  site->at + site->width);
    for (int k = 1; k <= site->after; k++) {
        int off = site->loc + 2 * k;
        int op = site->saved[off - site->at];
        int oparg = site->saved[off - site->at + 1];
        PyObject *value = base[t - 1];
        PEP669_SET_LASTI(f, off);
        base[t - 1] = Py_NewRef(Py_None);
        if (unary_op(op) != NULL) {
            PyObject *res = unary_op(op)(value);
            PEP669_ASSERT(res != NULL || PyErr_Occurred());
            Py_DECREF(value);
            if (res == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            put_item(&base[t - 1], res);
            continue;
        }
        if (op == POP_TOP) {
            Py_DECREF(value);
        }
        else if (op == STORE_FAST) {
            PyObject *old = f->f_localsplus[oparg];
            f->f_localsplus[oparg] = value;
            Py_XDECREF(old);
        }
        else {
            PyObject *left = base[t - 2];
            PyObject *res = binary_op(op)(left, value);
            PEP669_ASSERT(res != NULL || PyErr_Occurred());
            base[t - 2] = res != NULL ? res : Py_NewRef(Py_None);
            Py_DECREF(left);
            Py_DECREF(value);
            if (res == NULL) {
                Py_DECREF(out);
                return NULL;
            }
        }
        t--;
    }
    return out;
}

#endif
