/* Shims for public C-API gaps between CPython versions: the only version
 * tests outside the backends.  Each names the version that added the real
 * function and uses its real name. */
#ifndef PEP669_COMPAT_H
#define PEP669_COMPAT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>  /* PyFrameObject: not in Python.h before 3.9 */
#include <stdint.h>

/* PEP 590: PyObject_Vectorcall() is public from 3.9; 3.8 has the
 * underscore name. */
#if PY_VERSION_HEX < 0x03090000
#  define PyObject_Vectorcall _PyObject_Vectorcall
#endif

/* PEP 590: PyVectorcall_Function() is public from 3.9; 3.8 has the
 * underscore name. */
#if PY_VERSION_HEX < 0x03090000
#  define PyVectorcall_Function _PyVectorcall_Function
#endif

/* PEP 590: the type flag is public from 3.9; 3.8 has the underscore
 * name. */
#if PY_VERSION_HEX < 0x03090000
#  define Py_TPFLAGS_HAVE_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#endif

/* bpo-42262 added Py_NewRef() to Python 3.10.0a3. */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
_pep669_NewRef(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#  define Py_NewRef(obj) _pep669_NewRef((PyObject *)(obj))
static inline PyObject *
_pep669_XNewRef(PyObject *obj)
{
    Py_XINCREF(obj);
    return obj;
}
#  define Py_XNewRef(obj) _pep669_XNewRef((PyObject *)(obj))
#endif

/* bpo-37194 added PyObject_CallNoArgs() to Python 3.9.0a1. */
#if PY_VERSION_HEX < 0x03090000
static inline PyObject *
PyObject_CallNoArgs(PyObject *func)
{
    return PyObject_CallObject(func, NULL);
}
#endif

/* bpo-1635741 added PyModule_AddObjectRef() to Python 3.10.0a3. */
#if PY_VERSION_HEX < 0x030A0000
static inline int
PyModule_AddObjectRef(PyObject *mod, const char *name, PyObject *value)
{
    int res;
    Py_XINCREF(value);
    res = PyModule_AddObject(mod, name, value);
    if (res < 0) {
        Py_XDECREF(value);
    }
    return res;
}
#endif

/* gh-101578 added PyErr_GetRaisedException() and
 * PyErr_SetRaisedException() to Python 3.12.0a6 (and deprecated
 * PyErr_Fetch/PyErr_Restore). */
#if PY_VERSION_HEX < 0x030C0000
static inline PyObject *
PyErr_GetRaisedException(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        return NULL;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    Py_DECREF(type);
    Py_XDECREF(tb);
    return value;
}

static inline void
PyErr_SetRaisedException(PyObject *exc)
{
    if (exc == NULL) {
        PyErr_Clear();
        return;
    }
    PyErr_Restore(Py_NewRef(Py_TYPE(exc)), exc,
                  PyException_GetTraceback(exc));
}
#endif

#if defined(_MSC_VER)
#  define PEP669_THREAD_LOCAL __declspec(thread)
#  define PEP669_THREAD_LOCAL_FAST __declspec(thread)
#else
#  define PEP669_THREAD_LOCAL __thread
/* A few words of static TLS, read on every traced line: no
 * __tls_get_addr call. */
#  define PEP669_THREAD_LOCAL_FAST \
    __thread __attribute__((tls_model("initial-exec")))
#endif

/* Cold paths kept out of a caller's C frame (it stays on the stack under
 * every frame it runs). */
#if defined(__GNUC__)
#  define PEP669_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#  define PEP669_NOINLINE __declspec(noinline)
#else
#  define PEP669_NOINLINE
#endif

/* A function shared between the engine's files and nothing else: no
 * PLT indirection for the calls (they are direct within the extension). */
#if defined(__GNUC__) && !defined(_WIN32)
#  define PEP669_INTERNAL __attribute__((visibility("hidden")))
#else
#  define PEP669_INTERNAL
#endif

/* The module init function: the one symbol an extension exports (the
 * builds hide everything else, -fvisibility=hidden; 3.8's PyMODINIT_FUNC
 * does not mark it default, 3.9+'s does). */
#if defined(__GNUC__) && !defined(_WIN32)
#  define PEP669_EXPORT __attribute__((visibility("default")))
#else
#  define PEP669_EXPORT
#endif

#if defined(__GNUC__)
#  define PEP669_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define PEP669_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#  define PEP669_UNLIKELY(x) (x)
#  define PEP669_LIKELY(x) (x)
#endif

#endif
