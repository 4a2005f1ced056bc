/* Reading a call off the value stack, every version: the callable and
 * first argument a CALL event reports, a CALL_FUNCTION_EX's arguments
 * unpacked as the instruction would; and the exception a bare `raise`
 * re-raises.  Contract: backend/README.md (needs nothing). */
#ifndef PEP669_CALLS_C_H
#define PEP669_CALLS_C_H

/* Replace the stack item at `slot` (its reference is the stack's). */
static inline void
put_item(PyObject **slot, PyObject *value)
{
    PyObject *old = *slot;
    *slot = value;
    Py_XDECREF(old);
}

/* CALL_FUNCTION_EX: 3.13 checks and unpacks the arguments before its
 * CALL event: a mapping for ** becomes a dict (3.9+ compile that into
 * DICT_MERGE, before the instruction), an iterable for * a tuple, each in
 * its stack slot, as the instruction would do first thing; arg0 is then
 * the tuple's first item.  0 (no CALL event: the instruction raises its
 * own TypeError) for arguments it cannot unpack; -1 with an exception if
 * unpacking failed otherwise. */
static int
ex_prepare(PyObject **args_slot, PyObject **kwargs_slot, PyObject **arg0)
{
    if (kwargs_slot != NULL && !PyDict_CheckExact(*kwargs_slot)) {
        PyObject *d = PyDict_New();
        if (d == NULL) {
            return -1;
        }
        if (PyDict_Update(d, *kwargs_slot) < 0) {
            Py_DECREF(d);
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                /* not a mapping */
                PyErr_Clear();
                return 0;
            }
            return -1;
        }
        put_item(kwargs_slot, d);
    }
    PyObject *args = *args_slot;
    if (!PyTuple_CheckExact(args)) {
        if (Py_TYPE(args)->tp_iter == NULL && !PySequence_Check(args)) {
            return 0;
        }
        PyObject *tuple = PySequence_Tuple(args);
        if (tuple == NULL) {
            return -1;
        }
        put_item(args_slot, tuple);
        args = tuple;
    }
    *arg0 = PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;
    return 1;
}

/* See pep669_backend_call_at: unpacked_slot is whether the call form has
 * no separate self (a bound method in it is unpacked by 3.12). */
static int
is_inlined(PyObject *callable, int unpacked_slot)
{
    return PyFunction_Check(callable) ||
           (unpacked_slot && PyMethod_Check(callable) &&
            PyFunction_Check(PyMethod_GET_FUNCTION(callable)));
}

/* The exception being handled (bare `raise` re-raises it), new ref. */
static PyObject *
handled_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_GetExcInfo(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

/* A call with a method slot under the callable: (method, self, args...)
 * or (NULL, callable, args...), n arguments after self/callable. */
static int
read_method_call(PyObject **sp, int n, PyObject **callable, PyObject **arg0,
                 int *inlined)
{
    if (sp[-n - 2] != NULL) {
        /* A method and its self, or (3.11, ending a with block) a bound
         * __exit__ with a first argument: not unpacked. */
        *callable = sp[-n - 2];
        *arg0 = sp[-n - 1];
        *inlined = is_inlined(*callable, 0);
    }
    else {
        *callable = sp[-n - 1];
        *arg0 = n > 0 ? sp[-n] : NULL;
        *inlined = is_inlined(*callable, 1);
    }
    return 1;
}

/* CALL_FUNCTION_EX's messages for arguments it cannot unpack (3.9+:
 * check_args_iterable and format_kwargs_error). */
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

/* A CALL_FUNCTION_EX made at a call site (a call probe's): `func` called
 * with the arguments in the stack slots (`kwargs_slot` NULL: none),
 * unpacked as the instruction does (the CALL event's reading did it
 * already, if there was one), with its messages for what it refuses.  A
 * new reference, or NULL with an exception. */
static PyObject *
ex_call(PyObject *func, PyObject **args_slot, PyObject **kwargs_slot)
{
    PyObject *arg0;
    int ok = ex_prepare(args_slot, kwargs_slot, &arg0);
    if (ok < 0) {
        return NULL;
    }
    if (ok == 0) {
        if (kwargs_slot != NULL && !PyDict_CheckExact(*kwargs_slot)) {
            ex_unpack_error(func, *kwargs_slot, "**", "a mapping");
        }
        else {
            ex_unpack_error(func, *args_slot, "*", "an iterable");
        }
        return NULL;
    }
    return PyObject_Call(func, *args_slot,
                         kwargs_slot != NULL ? *kwargs_slot : NULL);
}

/* CALL_FUNCTION_EX with flags n: (callable, args[, kwargs]). */
static int
read_ex_call(PyObject **sp, int n, PyObject **callable, PyObject **arg0,
             int *inlined)
{
    *callable = sp[-2 - (n & 1)];
    *inlined = is_inlined(*callable, 1);
    return ex_prepare(&sp[-1 - (n & 1)], (n & 1) ? &sp[-1] : NULL, arg0);
}

#endif
