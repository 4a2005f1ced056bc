/* pep669._native for CPython 3.12 and 3.13: 3.14's sys.monitoring API over
 * the interpreter's own sys.monitoring.  This file: the module, the native
 * objects it wraps, and monitor.h for capi.c.
 *
 * `monitoring` is a module named sys.monitoring holding every name of the
 * native module, the native builtins themselves where nothing changes
 * (use_tool_id, free_tool_id, get_tool, DISABLE, MISSING, the tool ids),
 * plus 3.14's clear_tool_id and events.BRANCH_LEFT (1 << 17) /
 * events.BRANCH_RIGHT (1 << 18), the numbers pep669's engine gives them on
 * 3.8-3.11 (3.14's own numbers, 1 << 8 and 1 << 9, are BRANCH and
 * STOP_ITERATION here).  The functions that differ are in native_api.c,
 * the mux behind BRANCH_LEFT/RIGHT in native_branch.c (native.h has the
 * map). */
#include "native.h"

NativeObjects pep669_nat;

/* ---- the module ---- */

static PyObject *
make_monitoring(void)
{
    /* owned */
    PyObject *mod = NULL, *events = NULL, *nevents = NULL, *items = NULL;
    PyObject *modname = NULL;
    mod = PyModule_New("sys.monitoring");
    if (mod == NULL) {
        goto error;
    }
    PyObject *ndict = PyModule_GetDict(pep669_nat.module);
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(ndict, &pos, &key, &value)) {
        if (PyUnicode_Check(key) &&
            PyUnicode_CompareWithASCIIString(key, "__name__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__spec__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__loader__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__package__") != 0 &&
            PyObject_SetAttr(mod, key, value) < 0) {
            goto error;
        }
    }
    /* events: the native namespace's names plus BRANCH_LEFT/RIGHT. */
    nevents = PyObject_GetAttrString(pep669_nat.module, "events");
    if (nevents == NULL) {
        goto error;
    }
    events = PyObject_CallNoArgs((PyObject *)Py_TYPE(nevents));
    items = PyObject_GetAttrString(nevents, "__dict__");
    if (events == NULL || items == NULL) {
        goto error;
    }
    pos = 0;
    while (PyDict_Next(items, &pos, &key, &value)) {
        if (PyObject_SetAttr(events, key, value) < 0) {
            goto error;
        }
    }
    for (int side = 0; side < 2; side++) {
        PyObject *bit = PyLong_FromUnsignedLong(side ? EV_RIGHT : EV_LEFT);
        int err = bit == NULL ? -1 : PyObject_SetAttrString(
            events, side ? "BRANCH_RIGHT" : "BRANCH_LEFT", bit);
        Py_XDECREF(bit);
        if (err < 0) {
            goto error;
        }
    }
    Py_CLEAR(items);
    if (PyObject_SetAttrString(mod, "events", events) < 0) {
        goto error;
    }
    modname = PyUnicode_FromString("sys.monitoring");
    if (modname == NULL) {
        goto error;
    }
    for (PyMethodDef *def = pep669_nat_methods; def->ml_name; def++) {
        PyObject *f = PyCFunction_NewEx(def, mod, modname);  /* __self__ */
        int err = f == NULL ? -1 : PyModule_AddObjectRef(mod, def->ml_name, f);
        Py_XDECREF(f);
        if (err < 0) {
            goto error;
        }
    }
    Py_DECREF(modname);
    Py_DECREF(nevents);
    Py_DECREF(events);
    return mod;
error:
    Py_XDECREF(modname);
    Py_XDECREF(items);
    Py_XDECREF(events);
    Py_XDECREF(nevents);
    Py_XDECREF(mod);
    return NULL;
}

static int
get_native(PyObject **slot, const char *name)
{
    *slot = PyObject_GetAttrString(pep669_nat.module, name);
    return *slot == NULL ? -1 : 0;
}

/* Tools of the main interpreter only: the 3.14 state above (tools, the
 * mux, per-code data) exists once per process.  Another interpreter gets
 * its own native sys.monitoring as `monitoring`, and the C API over its own
 * native state (BRANCH_LEFT/RIGHT fired from C reach its BRANCH tools). */
int
pep669_nat_in_main_interpreter(void)
{
    return PyInterpreterState_Get() == PyInterpreterState_Main();
}

static int
init_once(void)
{
    if (pep669_nat.module != NULL) {
        return 0;
    }
    PyObject *n = PySys_GetObject("monitoring");
    if (n == NULL) {
        PyErr_SetString(PyExc_ImportError, "sys.monitoring is missing");
        return -1;
    }
    pep669_nat.module = Py_NewRef(n);
    if (get_native(&pep669_nat.set_events, "set_events") < 0 ||
        get_native(&pep669_nat.get_events, "get_events") < 0 ||
        get_native(&pep669_nat.set_local_events, "set_local_events") < 0 ||
        get_native(&pep669_nat.get_local_events, "get_local_events") < 0 ||
        get_native(&pep669_nat.register_callback, "register_callback") < 0 ||
        get_native(&pep669_nat.restart_events, "restart_events") < 0 ||
        get_native(&pep669_nat.all_events, "_all_events") < 0 ||
        get_native(&pep669_nat.get_tool, "get_tool") < 0 ||
        get_native(&pep669_nat.disable, "DISABLE") < 0 ||
        get_native(&pep669_nat.missing, "MISSING") < 0) {
        Py_CLEAR(pep669_nat.module);
        return -1;
    }
    if (pep669_nat_code_init() < 0 || pep669_nat_branch_init() < 0 ||
        pep669_nat_wait_init() < 0) {
        Py_CLEAR(pep669_nat.module);
        return -1;
    }
    return 0;
}

/* The main interpreter's `monitoring`, made once and handed out again if
 * the module is imported again. */
static PyObject *main_monitoring = NULL;

static int
exec_native(PyObject *mod)
{
    /* PyInterpreterState's layout is only fixed within one patch release:
     * a build reused on another one (a cached wheel) must not read it. */
    if ((Py_Version & 0xFFFFFF00UL) != (PY_VERSION_HEX & 0xFFFFFF00UL)) {
        PyErr_Format(PyExc_ImportError,
                     "pep669._native was compiled for CPython %d.%d.%d and "
                     "reads that version's interpreter state, but this is "
                     "%d.%d.%d: reinstall pep669 without a cached build "
                     "(pip install --no-cache-dir --force-reinstall pep669)",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION,
                     (int)((Py_Version >> 24) & 0xFF),
                     (int)((Py_Version >> 16) & 0xFF),
                     (int)((Py_Version >> 8) & 0xFF));
        return -1;
    }
    /* owned */
    PyObject *monitoring = NULL, *capi = NULL;
    if (pep669_nat_in_main_interpreter()) {
        if (init_once() < 0) {
            return -1;
        }
        if (main_monitoring == NULL) {
            main_monitoring = make_monitoring();
            if (main_monitoring == NULL) {
                return -1;
            }
        }
        monitoring = Py_NewRef(main_monitoring);
    }
    else {
        monitoring = Py_XNewRef(PySys_GetObject("monitoring"));
        if (monitoring == NULL) {
            PyErr_SetString(PyExc_ImportError, "sys.monitoring is missing");
            return -1;
        }
    }
    capi = pep669_capi_capsule();
    int err = (capi == NULL ||
               PyModule_AddObjectRef(mod, "monitoring", monitoring) < 0 ||
               PyModule_AddObjectRef(mod, "_C_API", capi) < 0) ? -1 : 0;
    Py_DECREF(monitoring);
    Py_XDECREF(capi);
    return err;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)exec_native},
    {0, NULL}
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pep669._native",
    .m_doc = "3.14's sys.monitoring over the native one (CPython 3.12/3.13), "
             "and pep669.h's C API.",
    .m_size = 0,
    .m_slots = module_slots,
};

PEP669_EXPORT PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&module_def);
}

int
pep669_monitor_serves_interpreter(void)
{
    /* sys.monitoring is per-interpreter: the caller's is read. */
    return 1;
}

/* monitor.h for capi.c: the interpreter's own state. */

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
pep669_monitor_is_disable(PyThreadState *Py_UNUSED(ts), PyObject *result)
{
    return result == pep669_nat.disable;
}

PyObject *
pep669_monitor_missing(void)
{
    return pep669_nat.missing;
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

uint64_t
pep669_monitor_version(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    /* 3.13 keeps the version in the eval breaker's upper bits; the C API
     * only compares it (the header uses 3.13's own EnterScope anyway). */
    return (uint64_t)PyInterpreterState_Get()->ceval.instrumentation_version;
#else
    return PyInterpreterState_Get()->monitoring_version;
#endif
}

/* The interpreter brackets its own callbacks' frames itself. */
void
pep669_monitor_callbacks_begin(PyThreadState *Py_UNUSED(ts),
                               int Py_UNUSED(event), int *Py_UNUSED(saved))
{
}

void
pep669_monitor_callbacks_end(PyThreadState *Py_UNUSED(ts),
                             const int *Py_UNUSED(saved))
{
}
