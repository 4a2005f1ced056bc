/* _pep669_testcapi: drives pep669.h from Python for the tests.  The
 * functions and CodeLike mirror the helpers CPython 3.13's
 * test_monitoring.py expects from _testcapi (same names and arguments),
 * so the conformance runner can feed CPython's C API tests through it;
 * the rest are for tests/test_capi.py.
 *
 * This file fires; testcapi_init.c owns the module and calls
 * PEP669_IMPORT(): the table pointer is shared (PEP669_API_SHARED). */
#define PY_SSIZE_T_CLEAN
#define PEP669_API_SHARED
#include "pep669.h"

/* The exception being raised, normalized (NULL if none). */
static PyObject *
take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

typedef struct {
    PyObject_HEAD
    PyMonitoringState *states;
    uint64_t version;
    int nstates;
} CodeLike;

static PyObject *
codelike_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    int n;
    static char *kwlist[] = {"nstates", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i", kwlist, &n)) {
        return NULL;
    }
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "CodeLike needs one state or more");
        return NULL;
    }
    CodeLike *self = (CodeLike *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    /* Zeroed, as PyMonitoring_EnterScope requires. */
    self->states = (PyMonitoringState *)PyMem_Calloc((size_t)n,
                                                     sizeof(PyMonitoringState));
    if (self->states == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->nstates = n;
    self->version = 0;
    return (PyObject *)self;
}

static void
codelike_dealloc(CodeLike *self)
{
    PyTypeObject *type = Py_TYPE(self);
    PyMem_Free(self->states);
    type->tp_free((PyObject *)self);
    Py_DECREF(type);  /* instances of heap types own their type */
}

static PyObject *
codelike_str(CodeLike *self)
{
    PyObject *parts = PyList_New(self->nstates);
    if (parts == NULL) {
        return NULL;
    }
    for (int i = 0; i < self->nstates; i++) {
        PyObject *part = PyUnicode_FromFormat("(active=%d, opaque=%d)",
                                              self->states[i].active,
                                              self->states[i].opaque);
        if (part == NULL) {
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, i, part);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *res = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return res;
}

static PyType_Slot codelike_slots[] = {
    {Py_tp_new, (void *)codelike_new},
    {Py_tp_dealloc, (void *)codelike_dealloc},
    {Py_tp_str, (void *)codelike_str},
    {Py_tp_doc, (void *)"A code-like object with one monitoring state per location."},
    {0, NULL},
};

static PyType_Spec codelike_spec = {
    "_pep669_testcapi.CodeLike", sizeof(CodeLike), 0, Py_TPFLAGS_DEFAULT,
    codelike_slots,
};

PyTypeObject *pep669_test_CodeLike_Type = NULL;

int
pep669_test_init_types(void)
{
    pep669_test_CodeLike_Type = (PyTypeObject *)PyType_FromSpec(&codelike_spec);
    return pep669_test_CodeLike_Type == NULL ? -1 : 0;
}

/* (codelike, offset): the state of location `offset` of a CodeLike. */
static PyMonitoringState *
state_at(PyObject *codelike, int offset)
{
    if (!PyObject_TypeCheck(codelike, pep669_test_CodeLike_Type)) {
        PyErr_SetString(PyExc_TypeError, "expected a CodeLike");
        return NULL;
    }
    CodeLike *cl = (CodeLike *)codelike;
    /* Offsets map onto the states cyclically, so tests can use offsets
     * above 256 with a few states; a negative one uses state 0 (it
     * reaches the API's own check). */
    return &cl->states[offset < 0 ? 0 : offset % cl->nstates];
}

/* After a fire: -1 -> the error; else the state's `active`.  Exception
 * events must have left `exc` (the very object) set, the others nothing. */
static PyObject *
fired(int res, PyMonitoringState *state, PyObject *exc)
{
    if (res == -1) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "-1 without an exception");
        }
        return NULL;
    }
    if (res != 0) {
        return PyErr_Format(PyExc_SystemError, "fire returned %d", res);
    }
    if (exc != NULL) {
        PyObject *now = take_exception();
        Py_XDECREF(now);
        if (now != exc) {
            PyErr_SetString(PyExc_SystemError,
                            "the exception was not restored");
            return NULL;
        }
    }
    else if (PyErr_Occurred()) {
        PyObject *now = take_exception();
        PyErr_Format(PyExc_SystemError, "0 returned with %R set", now);
        Py_XDECREF(now);
        return NULL;
    }
    return PyLong_FromLong(state->active);
}

#define PARSE_STATE \
    PyMonitoringState *state = state_at(codelike, offset); \
    if (state == NULL) { \
        return NULL; \
    }
/* (codelike, offset) */
#define PARSE0() \
    PyObject *codelike; \
    int offset; \
    if (!PyArg_ParseTuple(args, "Oi", &codelike, &offset)) { \
        return NULL; \
    } \
    PARSE_STATE
/* (codelike, offset, more...) */
#define PARSE(fmt, ...) \
    PyObject *codelike; \
    int offset; \
    if (!PyArg_ParseTuple(args, "Oi" fmt, &codelike, &offset, __VA_ARGS__)) { \
        return NULL; \
    } \
    PARSE_STATE

static PyObject *
fire_event_py_start(PyObject *self, PyObject *args)
{
    (void)self;
    PARSE0()
    return fired(PyMonitoring_FirePyStartEvent(state, codelike, offset),
                 state, NULL);
}

static PyObject *
fire_event_py_resume(PyObject *self, PyObject *args)
{
    (void)self;
    PARSE0()
    return fired(PyMonitoring_FirePyResumeEvent(state, codelike, offset),
                 state, NULL);
}

static PyObject *
fire_event_py_return(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *value;
    PARSE("O", &value)
    return fired(PyMonitoring_FirePyReturnEvent(state, codelike, offset,
                                                value), state, NULL);
}

static PyObject *
fire_event_py_yield(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *value;
    PARSE("O", &value)
    return fired(PyMonitoring_FirePyYieldEvent(state, codelike, offset,
                                               value), state, NULL);
}

static PyObject *
fire_event_c_return(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *value;
    PARSE("O", &value)
    return fired(PyMonitoring_FireCReturnEvent(state, codelike, offset,
                                               value), state, NULL);
}

static PyObject *
fire_event_call(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *callable, *arg0;
    PARSE("OO", &callable, &arg0)
    return fired(PyMonitoring_FireCallEvent(state, codelike, offset,
                                            callable, arg0), state, NULL);
}

static PyObject *
fire_event_line(PyObject *self, PyObject *args)
{
    (void)self;
    int lineno;
    PARSE("i", &lineno)
    return fired(PyMonitoring_FireLineEvent(state, codelike, offset, lineno),
                 state, NULL);
}

static PyObject *
fire_event_jump(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *target;
    PARSE("O", &target)
    return fired(PyMonitoring_FireJumpEvent(state, codelike, offset, target),
                 state, NULL);
}

static PyObject *
fire_event_branch(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *target;
    PARSE("O", &target)
    return fired(PyMonitoring_FireBranchEvent(state, codelike, offset,
                                              target), state, NULL);
}

static PyObject *
fire_event_branch_left(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *target;
    PARSE("O", &target)
    return fired(PyMonitoring_FireBranchLeftEvent(state, codelike, offset,
                                                  target), state, NULL);
}

static PyObject *
fire_event_branch_right(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *target;
    PARSE("O", &target)
    return fired(PyMonitoring_FireBranchRightEvent(state, codelike, offset,
                                                   target), state, NULL);
}

static PyObject *
fire_event_stop_iteration(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *value;
    PARSE("O", &value)
    return fired(PyMonitoring_FireStopIterationEvent(state, codelike, offset,
                                                     value), state, NULL);
}

/* Exception events: `exc` (None: nothing) is raised, then fired. */
typedef int (*exc_fire_func)(PyMonitoringState *, PyObject *, int32_t);

static PyObject *
fire_exception_event(PyObject *args, exc_fire_func func)
{
    PyObject *exc;
    PARSE("O", &exc)
    if (exc == Py_None) {
        return fired(func(state, codelike, offset), state, NULL);
    }
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_SetString(PyExc_TypeError, "expected an exception or None");
        return NULL;
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    return fired(func(state, codelike, offset), state, exc);
}

#define EXC_EVENT(pyname, cname) \
    static int \
    call_##pyname(PyMonitoringState *state, PyObject *codelike, int32_t offset) \
    { \
        return cname(state, codelike, offset); \
    } \
    static PyObject * \
    fire_event_##pyname(PyObject *self, PyObject *args) \
    { \
        (void)self; \
        return fire_exception_event(args, call_##pyname); \
    }

EXC_EVENT(py_throw, PyMonitoring_FirePyThrowEvent)
EXC_EVENT(raise, PyMonitoring_FireRaiseEvent)
EXC_EVENT(reraise, PyMonitoring_FireReraiseEvent)
EXC_EVENT(exception_handled, PyMonitoring_FireExceptionHandledEvent)
EXC_EVENT(c_raise, PyMonitoring_FireCRaiseEvent)
EXC_EVENT(py_unwind, PyMonitoring_FirePyUnwindEvent)

/* monitoring_enter_scope(codelike, event, ...): one event per state. */
static PyObject *
monitoring_enter_scope(PyObject *self, PyObject *args)
{
    (void)self;
    Py_ssize_t n = PyTuple_GET_SIZE(args) - 1;
    uint8_t events[32];
    if (n < 0 || !PyObject_TypeCheck(PyTuple_GET_ITEM(args, 0),
                                     pep669_test_CodeLike_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "monitoring_enter_scope(codelike, event, ...)");
        return NULL;
    }
    CodeLike *cl = (CodeLike *)PyTuple_GET_ITEM(args, 0);
    if (n > cl->nstates || n > 32) {
        PyErr_SetString(PyExc_ValueError, "more events than states");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long ev = PyLong_AsLong(PyTuple_GET_ITEM(args, i + 1));
        if (ev == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (ev < 0 || ev > 255) {
            PyErr_SetString(PyExc_ValueError, "event id out of range");
            return NULL;
        }
        events[i] = (uint8_t)ev;
    }
    if (PyMonitoring_EnterScope(cl->states, &cl->version, events, n) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
monitoring_exit_scope(PyObject *self, PyObject *args)
{
    (void)self;
    (void)args;
    if (PyMonitoring_ExitScope() != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* states(codelike) -> (version, (active, ...)) */
static PyObject *
states(PyObject *self, PyObject *codelike)
{
    (void)self;
    if (!PyObject_TypeCheck(codelike, pep669_test_CodeLike_Type)) {
        PyErr_SetString(PyExc_TypeError, "expected a CodeLike");
        return NULL;
    }
    CodeLike *cl = (CodeLike *)codelike;
    PyObject *active = PyTuple_New(cl->nstates);
    if (active == NULL) {
        return NULL;
    }
    for (int i = 0; i < cl->nstates; i++) {
        PyObject *v = PyLong_FromLong(cl->states[i].active);
        if (v == NULL) {
            Py_DECREF(active);
            return NULL;
        }
        PyTuple_SET_ITEM(active, i, v);
    }
    return Py_BuildValue("(KN)", (unsigned long long)cl->version, active);
}

/* set_active(codelike, index, active): as an extension may do by hand. */
static PyObject *
set_active(PyObject *self, PyObject *args)
{
    (void)self;
    int active;
    PARSE("i", &active)
    state->active = (uint8_t)active;
    Py_RETURN_NONE;
}

/* Fire with NULL for the optional object: CALL's arg0, PY_RETURN's value. */
static PyObject *
fire_with_null(PyObject *self, PyObject *args)
{
    (void)self;
    const char *which;
    PARSE("s", &which)
    if (strcmp(which, "call") == 0) {
        return fired(PyMonitoring_FireCallEvent(state, codelike, offset,
                                                Py_None, NULL), state, NULL);
    }
    return fired(PyMonitoring_FirePyReturnEvent(state, codelike, offset, NULL),
                 state, NULL);
}

/* reimport(): PEP669_IMPORT() again (tests swap pep669._C_API). */
static PyObject *
reimport(PyObject *self, PyObject *args)
{
    (void)self;
    (void)args;
    if (PEP669_IMPORT() < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* The ids this build of pep669.h gives the events, by name. */
static PyObject *
event_ids(PyObject *self, PyObject *args)
{
    (void)self;
    (void)args;
    return Py_BuildValue(
        "{sisisisisisisisisisisisisisisisisisisi}",
        "PY_START", PY_MONITORING_EVENT_PY_START,
        "PY_RESUME", PY_MONITORING_EVENT_PY_RESUME,
        "PY_RETURN", PY_MONITORING_EVENT_PY_RETURN,
        "PY_YIELD", PY_MONITORING_EVENT_PY_YIELD,
        "CALL", PY_MONITORING_EVENT_CALL,
        "LINE", PY_MONITORING_EVENT_LINE,
        "INSTRUCTION", PY_MONITORING_EVENT_INSTRUCTION,
        "JUMP", PY_MONITORING_EVENT_JUMP,
        "BRANCH", PY_MONITORING_EVENT_BRANCH,
        "STOP_ITERATION", PY_MONITORING_EVENT_STOP_ITERATION,
        "RAISE", PY_MONITORING_EVENT_RAISE,
        "EXCEPTION_HANDLED", PY_MONITORING_EVENT_EXCEPTION_HANDLED,
        "PY_UNWIND", PY_MONITORING_EVENT_PY_UNWIND,
        "PY_THROW", PY_MONITORING_EVENT_PY_THROW,
        "RERAISE", PY_MONITORING_EVENT_RERAISE,
        "C_RETURN", PY_MONITORING_EVENT_C_RETURN,
        "C_RAISE", PY_MONITORING_EVENT_C_RAISE,
        "BRANCH_LEFT", PY_MONITORING_EVENT_BRANCH_LEFT,
        "BRANCH_RIGHT", PY_MONITORING_EVENT_BRANCH_RIGHT);
}

#define METH(name, flags) {#name, (PyCFunction)(void (*)(void))name, flags, NULL}

PyMethodDef pep669_test_methods[] = {
    METH(fire_event_py_start, METH_VARARGS),
    METH(fire_event_py_resume, METH_VARARGS),
    METH(fire_event_py_return, METH_VARARGS),
    METH(fire_event_py_yield, METH_VARARGS),
    METH(fire_event_call, METH_VARARGS),
    METH(fire_event_line, METH_VARARGS),
    METH(fire_event_jump, METH_VARARGS),
    METH(fire_event_branch, METH_VARARGS),
    METH(fire_event_branch_left, METH_VARARGS),
    METH(fire_event_branch_right, METH_VARARGS),
    METH(fire_event_c_return, METH_VARARGS),
    METH(fire_event_py_throw, METH_VARARGS),
    METH(fire_event_raise, METH_VARARGS),
    METH(fire_event_reraise, METH_VARARGS),
    METH(fire_event_exception_handled, METH_VARARGS),
    METH(fire_event_c_raise, METH_VARARGS),
    METH(fire_event_py_unwind, METH_VARARGS),
    METH(fire_event_stop_iteration, METH_VARARGS),
    METH(monitoring_enter_scope, METH_VARARGS),
    METH(monitoring_exit_scope, METH_NOARGS),
    METH(states, METH_O),
    METH(set_active, METH_VARARGS),
    METH(fire_with_null, METH_VARARGS),
    METH(event_ids, METH_NOARGS),
    METH(reimport, METH_NOARGS),
    {NULL, NULL, 0, NULL},
};
