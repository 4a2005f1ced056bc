/* _pep669_evaltest: three small PEP 523 evaluators for the tests of
 * pep669's eval-frame hook living beside other users of the hook
 * (tests/test_foreign_hooks.py).  Independent of pep669.h: it builds and
 * runs on every CPython 3.8-3.13, where 3.12+ runs native sys.monitoring
 * under it.
 *
 *   "chain":   counts the runs of frames whose code has a given name and
 *              calls the evaluator that was installed before it;
 *   "nochain": counts the same way and runs every frame with
 *              _PyEval_EvalFrameDefault itself (the way pydevd's frame
 *              evaluator and torch.compile's do), so that an evaluator
 *              below it never runs;
 *   "pass":    calls the evaluator installed before it and does nothing
 *              else (benchmarks/bench_percall.py: what any PEP 523
 *              evaluator costs per call).
 *
 * install(kind, name): make it the interpreter's evaluator (the previous
 * one is remembered), reset its count.  uninstall(kind, how): "restore"
 * puts back the evaluator it replaced, "default" puts the interpreter's
 * default one.  count(kind): the runs seen.  current(): which evaluator
 * is installed: "default", "chain", "nochain", "pass" or "other". */
#include <patchlevel.h>
/* 3.8: the hook is the internal field PyInterpreterState.eval_frame;
 * 3.11/3.12: the code of an _PyInterpreterFrame is an internal field. */
#if PY_VERSION_HEX < 0x03090000 || \
    (PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000)
#  define Py_BUILD_CORE_MODULE 1
#endif
#include <Python.h>
#if PY_VERSION_HEX < 0x03090000
#  include <internal/pycore_pystate.h>
#elif PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#  include <internal/pycore_frame.h>
#endif
#include <frameobject.h>
#include <string.h>

#if PY_VERSION_HEX >= 0x030B0000
typedef struct _PyInterpreterFrame EvalFrame;
#else
typedef PyFrameObject EvalFrame;
#endif

static PyCodeObject *
frame_code(EvalFrame *frame)
{
#if PY_VERSION_HEX >= 0x030D0000
    return (PyCodeObject *)PyUnstable_InterpreterFrame_GetCode(frame);
#else
    return frame->f_code;
#endif
}

#if PY_VERSION_HEX < 0x03090000
typedef PyObject *(*EvalFunc)(PyFrameObject *, int);
#  define EVAL_ARGS EvalFrame *frame, int throwflag
#  define CALL_EVAL(func) (func)(frame, throwflag)
#  define DEFAULT_EVAL _PyEval_EvalFrameDefault

static EvalFunc
get_eval(void)
{
    return PyThreadState_GET()->interp->eval_frame;
}

static void
set_eval(EvalFunc func)
{
    PyThreadState_GET()->interp->eval_frame = func;
}
#else
typedef _PyFrameEvalFunction EvalFunc;
#  define EVAL_ARGS PyThreadState *ts, EvalFrame *frame, int throwflag
#  define CALL_EVAL(func) (func)(ts, frame, throwflag)
#  define DEFAULT_EVAL _PyEval_EvalFrameDefault

static EvalFunc
get_eval(void)
{
    return _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get());
}

static void
set_eval(EvalFunc func)
{
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), func);
}
#endif

typedef struct {
    const char *kind;
    EvalFunc saved;   /* what install() replaced */
    char target[128]; /* code name counted */
    Py_ssize_t count;
} Evaluator;

static Evaluator chain = {"chain", NULL, "", 0};
static Evaluator nochain = {"nochain", NULL, "", 0};
static Evaluator pass = {"pass", NULL, "", 0};

static void
note(Evaluator *ev, EvalFrame *frame)
{
    PyCodeObject *co = frame_code(frame);
    const char *name = PyUnicode_AsUTF8(co->co_name);
    if (name != NULL && strcmp(name, ev->target) == 0) {
        ev->count++;
    }
}

static PyObject *
chain_eval(EVAL_ARGS)
{
    note(&chain, frame);
    return CALL_EVAL(chain.saved);
}

static PyObject *
nochain_eval(EVAL_ARGS)
{
    note(&nochain, frame);
    return CALL_EVAL(DEFAULT_EVAL);
}

static PyObject *
pass_eval(EVAL_ARGS)
{
    return CALL_EVAL(pass.saved);
}

static int
lookup(PyObject *kind, Evaluator **ev, EvalFunc *func)
{
    if (!PyUnicode_Check(kind)) {
        PyErr_SetString(PyExc_TypeError, "kind must be a str");
        return -1;
    }
    if (PyUnicode_CompareWithASCIIString(kind, "chain") == 0) {
        *ev = &chain;
        *func = chain_eval;
        return 0;
    }
    if (PyUnicode_CompareWithASCIIString(kind, "nochain") == 0) {
        *ev = &nochain;
        *func = nochain_eval;
        return 0;
    }
    if (PyUnicode_CompareWithASCIIString(kind, "pass") == 0) {
        *ev = &pass;
        *func = pass_eval;
        return 0;
    }
    PyErr_SetString(PyExc_ValueError,
                    "kind must be 'chain', 'nochain' or 'pass'");
    return -1;
}

static PyObject *
install(PyObject *Py_UNUSED(mod), PyObject *args)
{
    PyObject *kind;
    const char *target;
    Evaluator *ev;
    EvalFunc func;
    if (!PyArg_ParseTuple(args, "Us:install", &kind, &target) ||
        lookup(kind, &ev, &func) < 0) {
        return NULL;
    }
    if (get_eval() == func) {
        PyErr_Format(PyExc_RuntimeError, "%s is installed already",
                     ev->kind);
        return NULL;
    }
    if (strlen(target) >= sizeof(ev->target)) {
        PyErr_SetString(PyExc_ValueError, "name too long");
        return NULL;
    }
    strcpy(ev->target, target);
    ev->count = 0;
    ev->saved = get_eval();
    set_eval(func);
    Py_RETURN_NONE;
}

static PyObject *
uninstall(PyObject *Py_UNUSED(mod), PyObject *args)
{
    PyObject *kind;
    const char *how;
    Evaluator *ev;
    EvalFunc func;
    if (!PyArg_ParseTuple(args, "Us:uninstall", &kind, &how) ||
        lookup(kind, &ev, &func) < 0) {
        return NULL;
    }
    if (strcmp(how, "restore") == 0) {
        set_eval(ev->saved);
    }
    else if (strcmp(how, "default") == 0) {
        set_eval(DEFAULT_EVAL);
    }
    else {
        PyErr_SetString(PyExc_ValueError,
                        "how must be 'restore' or 'default'");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
count(PyObject *Py_UNUSED(mod), PyObject *kind)
{
    Evaluator *ev;
    EvalFunc func;
    if (lookup(kind, &ev, &func) < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t(ev->count);
}

static PyObject *
current(PyObject *Py_UNUSED(mod), PyObject *Py_UNUSED(arg))
{
    EvalFunc func = get_eval();
    const char *name = "other";
    if (func == DEFAULT_EVAL || func == NULL) {
        name = "default";
    }
    else if (func == chain_eval) {
        name = "chain";
    }
    else if (func == nochain_eval) {
        name = "nochain";
    }
    else if (func == pass_eval) {
        name = "pass";
    }
    return PyUnicode_FromString(name);
}

static PyMethodDef methods[] = {
    {"install", install, METH_VARARGS, NULL},
    {"uninstall", uninstall, METH_VARARGS, NULL},
    {"count", count, METH_O, NULL},
    {"current", current, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_pep669_evaltest",
    "Three PEP 523 evaluators, for tests and benchmarks only.",
    -1,
    methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__pep669_evaltest(void)
{
    return PyModule_Create(&module_def);
}
