/* pep669._capi for CPython 3.12: pep669.h's C API over the interpreter's
 * own sys.monitoring, whose state (event sets, callbacks, version) is in
 * PyInterpreterState (internal/pycore_interp.h, hence Py_BUILD_CORE). */
#define Py_BUILD_CORE 1
#include "monitor.h"
#include <internal/pycore_interp.h>

#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x030D0000
#  error "monitor_py312.c is for CPython 3.12"
#endif

/* sys.monitoring.DISABLE and MISSING. */
static PyObject *disable_obj = NULL;
static PyObject *missing_obj = NULL;

int
pep669_monitor_serves_interpreter(void)
{
    /* sys.monitoring is per-interpreter: the caller's is read. */
    return 1;
}

uint64_t
pep669_monitor_version(void)
{
    return PyInterpreterState_Get()->monitoring_version;
}

uint8_t
pep669_monitor_global_tools(int event)
{
    /* C_RETURN and C_RAISE are "grouped" with CALL: never in the table. */
    if (event < 0 || event >= _PY_MONITORING_UNGROUPED_EVENTS) {
        return 0;
    }
    return PyInterpreterState_Get()->monitors.tools[event];
}

PyObject *
pep669_monitor_callback(int tool, int event)
{
    return PyInterpreterState_Get()->monitoring_callables[tool][event];
}

void
pep669_monitor_remove_callback(int tool, int event)
{
    Py_CLEAR(PyInterpreterState_Get()->monitoring_callables[tool][event]);
}

int
pep669_monitor_is_disable(PyObject *result)
{
    return result == disable_obj;
}

PyObject *
pep669_monitor_missing(void)
{
    return missing_obj;
}

/* As the interpreter brackets its own callbacks: no events (and no legacy
 * trace or profile calls) on the thread while one runs. */
void
pep669_monitor_enter_callback(PyThreadState *ts)
{
    PyThreadState_EnterTracing(ts);
}

void
pep669_monitor_leave_callback(PyThreadState *ts)
{
    PyThreadState_LeaveTracing(ts);
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pep669._capi",
    .m_doc = "pep669.h's C monitoring API for CPython 3.12.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__capi(void)
{
    /* owned */
    PyObject *mod = NULL, *monitoring = NULL, *capi = NULL;
    /* PyInterpreterState's layout is only fixed within one patch release:
     * a build reused on another one (a cached wheel) must not read it. */
    if ((Py_Version & 0xFFFFFF00UL) != (PY_VERSION_HEX & 0xFFFFFF00UL)) {
        PyErr_Format(PyExc_ImportError,
                     "pep669._capi was compiled for CPython %d.%d.%d and "
                     "reads that version's interpreter state, but this is "
                     "%d.%d.%d: reinstall pep669 without a cached build "
                     "(pip install --no-cache-dir --force-reinstall pep669)",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION,
                     (int)((Py_Version >> 24) & 0xFF),
                     (int)((Py_Version >> 16) & 0xFF),
                     (int)((Py_Version >> 8) & 0xFF));
        return NULL;
    }
    if (disable_obj == NULL) {
        monitoring = Py_XNewRef(PySys_GetObject("monitoring"));
        if (monitoring == NULL) {
            PyErr_SetString(PyExc_ImportError, "sys.monitoring is missing");
            goto error;
        }
        disable_obj = PyObject_GetAttrString(monitoring, "DISABLE");
        missing_obj = PyObject_GetAttrString(monitoring, "MISSING");
        if (disable_obj == NULL || missing_obj == NULL) {
            Py_CLEAR(disable_obj);
            Py_CLEAR(missing_obj);
            goto error;
        }
    }
    mod = PyModule_Create(&module_def);
    capi = pep669_capi_capsule();
    if (mod == NULL || capi == NULL ||
        PyModule_AddObjectRef(mod, "_C_API", capi) < 0) {
        goto error;
    }
    Py_XDECREF(monitoring);
    Py_DECREF(capi);
    return mod;
error:
    Py_XDECREF(monitoring);
    Py_XDECREF(capi);
    Py_XDECREF(mod);
    return NULL;
}

void
pep669_monitor_callbacks_begin(PyThreadState *Py_UNUSED(ts),
                               int Py_UNUSED(event), int *Py_UNUSED(saved))
{
    /* (the interpreter's own frames and what_event) */
}

void
pep669_monitor_callbacks_end(PyThreadState *Py_UNUSED(ts),
                             const int *Py_UNUSED(saved))
{
}
