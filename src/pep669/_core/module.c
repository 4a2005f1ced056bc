/* pep669._monitoring: the module.  Its `monitoring` attribute is the
 * sys.monitoring namespace (a module named "sys.monitoring", as native),
 * with every function, constant and singleton of 3.13's, plus 3.14's
 * clear_tool_id and BRANCH_LEFT/BRANCH_RIGHT. */
#include "codedata.h"
#include "lineflow.h"
#include "frames.h"
#include "probe_fire.h"
#include "lineno.h"
#include "backend.h"
#include "stack.h"
#include "check.h"
#include "monitor_engine.h"
#include "trampoline.h"
#include "suspended.h"
#include "thread_state.h"

#include <string.h>

/* ---- argument handling, with argument clinic's messages ---- */

static int
check_args(const char *name, Py_ssize_t nargs, PyObject *kwnames,
           Py_ssize_t expected)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0) {
        PyErr_Format(PyExc_TypeError,
                     "sys.monitoring.%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs == expected) {
        return 0;
    }
    if (expected == 0) {
        PyErr_Format(PyExc_TypeError,
                     "sys.monitoring.%s() takes no arguments (%zd given)",
                     name, nargs);
    }
    else if (expected == 1) {
        PyErr_Format(PyExc_TypeError,
                     "sys.monitoring.%s() takes exactly one argument "
                     "(%zd given)", name, nargs);
    }
    else {
        PyErr_Format(PyExc_TypeError, "%s expected %zd arguments, got %zd",
                     name, expected, nargs);
    }
    return -1;
}

static int
as_int(PyObject *obj, int *out)
{
    /* owned */
    PyObject *index = PyNumber_Index(obj);
    if (index == NULL) {
        return -1;
    }
    int overflow = 0;
    long value = PyLong_AsLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (overflow || value > INT_MAX || value < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError,
                        "Python int too large to convert to C int");
        return -1;
    }
    *out = (int)value;
    return 0;
}

static int
as_code(PyObject *obj)
{
    if (!PyCode_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "code must be a code object");
        return -1;
    }
    return 0;
}

/* Every function's entry: the calling interpreter's registry and the
 * thread state's per-thread state made current (registry.h). */
static int
enter(void)
{
    pep669_enter(PyThreadState_Get());
    if (!pep669_registry_live()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "pep669: this interpreter's monitoring engine was "
                        "torn down (the interpreter is finalizing)");
        return -1;
    }
    return 0;
}

#define ENTER() \
    do { \
        if (enter() < 0) { \
            return NULL; \
        } \
    } while (0)

#define ARGS(name, n) \
    do { \
        ENTER(); \
        if (check_args(name, nargs, kwnames, n) < 0) { \
            return NULL; \
        } \
    } while (0)

#define INT_ARG(i, var) \
    do { \
        if (as_int(args[i], &(var)) < 0) { \
            return NULL; \
        } \
    } while (0)

/* ---- the functions ---- */

static PyObject *
use_tool_id(PyObject *Py_UNUSED(mod), PyObject *const *args,
            Py_ssize_t nargs, PyObject *kwnames)
{
    int tool;
    ARGS("use_tool_id", 2);
    INT_ARG(0, tool);
    if (pep669_use_tool_id(tool, args[1]) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
clear_tool_id(PyObject *Py_UNUSED(mod), PyObject *const *args,
              Py_ssize_t nargs, PyObject *kwnames)
{
    int tool;
    ARGS("clear_tool_id", 1);
    INT_ARG(0, tool);
    if (pep669_clear_tool_id(tool) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
free_tool_id(PyObject *Py_UNUSED(mod), PyObject *const *args,
             Py_ssize_t nargs, PyObject *kwnames)
{
    int tool;
    ARGS("free_tool_id", 1);
    INT_ARG(0, tool);
    if (pep669_free_tool_id(tool) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
get_tool(PyObject *Py_UNUSED(mod), PyObject *const *args, Py_ssize_t nargs,
         PyObject *kwnames)
{
    int tool;
    ARGS("get_tool", 1);
    INT_ARG(0, tool);
    if (pep669_check_tool(tool) < 0) {
        return NULL;
    }
    PyObject *name = pep669_registry.names[tool];
    if (name == NULL) {
        Py_RETURN_NONE;
    }
    return Py_NewRef(name);
}

static PyObject *
register_callback(PyObject *Py_UNUSED(mod), PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames)
{
    int tool, event;
    ARGS("register_callback", 3);
    INT_ARG(0, tool);
    INT_ARG(1, event);
    return pep669_register_callback(tool, event, args[2]);
}

static PyObject *
get_events(PyObject *Py_UNUSED(mod), PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    int tool;
    ARGS("get_events", 1);
    INT_ARG(0, tool);
    if (pep669_check_tool(tool) < 0) {
        return NULL;
    }
    return PyLong_FromUnsignedLong(pep669_registry.global_events[tool]);
}

static PyObject *
set_events(PyObject *Py_UNUSED(mod), PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    int tool, event_set;
    ARGS("set_events", 2);
    INT_ARG(0, tool);
    INT_ARG(1, event_set);
    if (pep669_set_events(tool, event_set) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
get_local_events(PyObject *Py_UNUSED(mod), PyObject *const *args,
                 Py_ssize_t nargs, PyObject *kwnames)
{
    int tool;
    ARGS("get_local_events", 2);
    INT_ARG(0, tool);
    if (as_code(args[1]) < 0 || pep669_check_tool(tool) < 0) {
        return NULL;
    }
    return PyLong_FromUnsignedLong(pep669_get_local_events(
        tool, pep669_backend_own_code((PyCodeObject *)args[1])));
}

static PyObject *
set_local_events(PyObject *Py_UNUSED(mod), PyObject *const *args,
                 Py_ssize_t nargs, PyObject *kwnames)
{
    int tool, event_set;
    ARGS("set_local_events", 3);
    INT_ARG(0, tool);
    INT_ARG(2, event_set);
    if (as_code(args[1]) < 0 ||
        pep669_set_local_events(
            tool, pep669_backend_own_code((PyCodeObject *)args[1]),
            event_set) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
restart_events(PyObject *Py_UNUSED(mod), PyObject *const *Py_UNUSED(args),
               Py_ssize_t nargs, PyObject *kwnames)
{
    ARGS("restart_events", 0);
    if (pep669_restart_events() < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
all_events(PyObject *Py_UNUSED(mod), PyObject *const *Py_UNUSED(args),
           Py_ssize_t nargs, PyObject *kwnames)
{
    ARGS("_all_events", 0);
    /* owned */
    PyObject *res = PyDict_New();
    if (res == NULL) {
        return NULL;
    }
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        uint8_t tools = pep669_registry.global_tools[ev];
        if (tools == 0 || ((1u << ev) & PEP669_C_EVENTS)) {
            continue;
        }
        PyObject *value = PyLong_FromLong(tools);
        if (value == NULL ||
            PyDict_SetItemString(res, pep669_event_names[ev], value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(res);
            return NULL;
        }
        Py_DECREF(value);
    }
    return res;
}

/* Each function's __text_signature__ (and a __doc__ of None), as 3.13's
 * Argument Clinic docstrings give them. */
#define SIG(name, params) name "($module" params ", /)\n--\n\n"
#define FASTCALL(name, func, params) \
    {name, (PyCFunction)(void (*)(void))(func), \
     METH_FASTCALL | METH_KEYWORDS, SIG(name, params)}

static PyMethodDef monitoring_methods[] = {
    FASTCALL("use_tool_id", use_tool_id, ", tool_id, name"),
    FASTCALL("clear_tool_id", clear_tool_id, ", tool_id"),
    FASTCALL("free_tool_id", free_tool_id, ", tool_id"),
    FASTCALL("get_tool", get_tool, ", tool_id"),
    FASTCALL("register_callback", register_callback,
             ", tool_id, event, func"),
    FASTCALL("get_events", get_events, ", tool_id"),
    FASTCALL("set_events", set_events, ", tool_id, event_set"),
    FASTCALL("get_local_events", get_local_events, ", tool_id, code"),
    FASTCALL("set_local_events", set_local_events,
             ", tool_id, code, event_set"),
    FASTCALL("restart_events", restart_events, ""),
    FASTCALL("_all_events", all_events, ""),
    {NULL, NULL, 0, NULL},
};

/* ---- pep669._monitoring: test and introspection helpers ---- */

static PyObject *
backend_state(PyObject *Py_UNUSED(mod), PyObject *args)
{
    Py_ssize_t live, all;
    int eager = -1;
    if (!PyArg_ParseTuple(args, "|i:_backend_state", &eager)) {
        return NULL;
    }
    ENTER();
    if (eager >= 0) {
        pep669_thread.exc_flags_eager = eager;
    }
    pep669_registry_count(&live, &all);
    return Py_BuildValue("{s:O,s:n,s:n,s:n,s:k,s:k,s:i,s:O}",
        "eval_hook", pep669_backend_eval_hook_installed() ? Py_True : Py_False,
        "local_codes", pep669_registry.local_code_count,
        "registries", live, "registries_made", all, "handled_now",
        pep669_thread.handled_now, "flags_puts", pep669_thread.flags_puts,
        "fast_hook", PEP669_FAST_HOOK,
        /* (the caller's evaluator: a C function runs in its C frame) */
        "tracing_dispatch",
        pep669_backend_tracing_dispatch(PyThreadState_GET()) ? Py_True
                                                            : Py_False);
}

static PyObject *
line_locations(PyObject *Py_UNUSED(mod), PyObject *code)
{
    const int *starts;
    Py_ssize_t n;
    ENTER();
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    if (pep669_code_line_starts((PyCodeObject *)code, &starts, &n) < 0) {
        return NULL;
    }
    PyObject *res = PyList_New(n);
    if (res == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyLong_FromLong(starts[i]);
        if (item == NULL) {
            Py_DECREF(res);
            return NULL;
        }
        PyList_SET_ITEM(res, i, item);
    }
    return res;
}

static PyObject *
flow_facts(PyObject *Py_UNUSED(mod), PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    return pep669_code_flow_facts((PyCodeObject *)code);
}

static PyObject *
code_data_size(PyObject *Py_UNUSED(mod), PyObject *code)
{
    ENTER();
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    Pep669CodeData *cd =
        pep669_code_data(pep669_backend_own_code((PyCodeObject *)code));
    if (cd == NULL) {
        Py_RETURN_NONE;
    }
    return PyLong_FromSsize_t(pep669_code_data_bytes(cd));
}

static PyObject *
probe_state(PyObject *Py_UNUSED(mod), PyObject *code)
{
    ENTER();
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    return pep669_probe_state(pep669_backend_own_code((PyCodeObject *)code));
}

static PyObject *
frame_mechanism(PyObject *Py_UNUSED(mod), PyObject *frame)
{
    return pep669_probe_frame_mechanism(frame);
}

static PyObject *
stack_state(PyObject *Py_UNUSED(mod), PyObject *Py_UNUSED(args))
{
    uintptr_t sp, low, high, limit, limit_callback;
    ENTER();
    pep669_stack_state(&sp, &low, &high, &limit, &limit_callback);
    return Py_BuildValue("(KKKKK)", (unsigned long long)sp,
                         (unsigned long long)low, (unsigned long long)high,
                         (unsigned long long)limit,
                         (unsigned long long)limit_callback);
}

#ifdef PEP669_DEBUG
/* ---- debug builds: a sanity check of the registry's state ----
 *
 * What the registry derives (per-event tool masks, unions, the list of
 * code objects with local events, the cached tools of current code data)
 * is recomputed from what the API set, and compared.  Every broken
 * invariant is named in one AssertionError; None when all hold.  CI's
 * debug-engine run calls it after every test (tools/runtests.py). */

static int
invariant(PyObject *problems, int holds, const char *what)
{
    if (holds) {
        return 0;
    }
    /* owned */
    PyObject *text = PyUnicode_FromString(what);
    int err = text == NULL ? -1 : PyList_Append(problems, text);
    Py_XDECREF(text);
    return err;
}

#define INVARIANT(cond) \
    do { \
        if (invariant(problems, (cond), #cond) < 0) { \
            goto error; \
        } \
    } while (0)

static PyObject *
check_invariants(PyObject *Py_UNUSED(mod), PyObject *Py_UNUSED(args))
{
    ENTER();
    const Pep669Registry *r = &pep669_registry;
    /* owned */
    PyObject *problems = PyList_New(0);
    if (problems == NULL) {
        return NULL;
    }
    uint8_t global[PEP669_EVENT_COUNT] = {0}, callback[PEP669_EVENT_COUNT];
    uint32_t global_union = 0, active_union = 0;
    for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
        /* Global sets hold only events, and never C_RETURN/C_RAISE (they
         * follow CALL). */
        INVARIANT((r->global_events[tool] & ~PEP669_ALL_EVENTS) == 0);
        INVARIANT((r->global_events[tool] & PEP669_C_EVENTS) == 0);
        for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
            if (r->global_events[tool] & (1u << ev)) {
                global[ev] |= (uint8_t)(1u << tool);
            }
        }
    }
    global[PEP669_EV_C_RETURN] = global[PEP669_EV_C_RAISE] =
        global[PEP669_EV_CALL];
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        callback[ev] = 0;
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if (r->callbacks[tool][ev] != NULL) {
                callback[ev] |= (uint8_t)(1u << tool);
            }
        }
        INVARIANT(r->global_tools[ev] == global[ev]);
        INVARIANT(r->callback_tools[ev] == callback[ev]);
        INVARIANT(r->active_tools[ev] == (global[ev] & callback[ev]));
        if (global[ev]) {
            global_union |= 1u << ev;
        }
        if (global[ev] & callback[ev]) {
            active_union |= 1u << ev;
        }
    }
    INVARIANT(r->global_union == global_union);
    INVARIANT(r->active_union == active_union);
    /* Caches stamped with a version are never ahead of the registry. */
    INVARIANT(r->restart_version <= r->version);
    INVARIANT(r->extra_index >= 0);
    INVARIANT(r->disable != NULL && r->missing != NULL);
    /* The list of code objects with local events: linked both ways,
     * counted, and holding exactly the code data with local events. */
    Py_ssize_t count = 0;
    Pep669CodeData *const *link = pep669_code_data_local_head();
    for (Pep669CodeData *cd = *link; cd != NULL;
         cd = cd->local->next) {
        if (++count > r->local_code_count) {
            break;          /* a longer list, or a cycle: said below */
        }
        INVARIANT(cd->local != NULL);
        if (cd->local == NULL) {
            break;
        }
        INVARIANT(cd->local->prev == link);
        link = &cd->local->next;
        uint32_t any = 0;
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            any |= cd->local->events[tool];
            INVARIANT((cd->local->events[tool] & ~PEP669_LOCAL_EVENTS) == 0);
        }
        INVARIANT(any != 0);
        if (cd->version != r->version) {
            continue;       /* stale: refreshed on its next use */
        }
        /* A current cache: the tools of each event are the global and
         * the local ones that have a callback. */
        uint32_t events = 0;
        for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
            int local_ev = (ev == PEP669_EV_C_RETURN ||
                            ev == PEP669_EV_C_RAISE) ? PEP669_EV_CALL : ev;
            uint8_t tools = global[ev];
            for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
                if (cd->local->events[tool] & (1u << local_ev)) {
                    tools |= (uint8_t)(1u << tool);
                }
            }
            tools &= callback[ev];
            INVARIANT(cd->tools[ev] == tools);
            if (tools) {
                events |= 1u << ev;
            }
        }
        INVARIANT(cd->events == events);
    }
    INVARIANT(count == r->local_code_count);
    if (PyList_GET_SIZE(problems) == 0) {
        Py_DECREF(problems);
        Py_RETURN_NONE;
    }
    /* owned */
    PyObject *sep = PyUnicode_FromString("; ");
    PyObject *text = sep == NULL ? NULL : PyUnicode_Join(sep, problems);
    if (text != NULL) {
        PyErr_Format(PyExc_AssertionError,
                     "pep669: registry invariants broken: %U", text);
    }
    Py_XDECREF(text);
    Py_XDECREF(sep);
error:
    Py_DECREF(problems);
    return NULL;
}
#undef INVARIANT
#endif /* PEP669_DEBUG */

static PyMethodDef module_methods[] = {
#ifdef PEP669_DEBUG
    {"_check_invariants", check_invariants, METH_NOARGS,
     "Debug builds only: check the registry's derived state; None, or "
     "AssertionError naming every broken invariant."},
#endif
    {"_stack_state", stack_state, METH_NOARGS,
     "(stack pointer, stack low, stack high, guard limit, guard limit in "
     "callbacks) of the running thread, for tests."},
    {"_backend_state", backend_state, METH_VARARGS, "Internal state of the "
     "engine, for tests ([eager]: 3.11 handler clones' eager filters)."},
    {"_line_locations", line_locations, METH_O,
     "The offsets where the engine lets LINE fire in a code object, for "
     "tests."},
    {"_flow_facts", flow_facts, METH_O,
     "The flow analysis of a code object (unit map, reach, lines), for "
     "tools/flow_digest.py."},
    {"_code_data_size", code_data_size, METH_O,
     "Bytes the code data of a code object holds (None: none), for "
     "tests."},
    {"_probe_state", probe_state, METH_O,
     "The line probes of a code object (its clone), for tests."},
    {"_frame_mechanism", frame_mechanism, METH_O,
     "How a frame of this thread runs now (probes, hook), for tests."},
    {NULL, NULL, 0, NULL},
};

static PyObject *
make_events(void)
{
    /* owned */
    PyObject *types = NULL, *ns_type = NULL, *kwargs = NULL, *res = NULL;
    PyObject *value = NULL, *noargs = NULL;
    types = PyImport_ImportModule("types");
    if (types == NULL) {
        goto error;
    }
    ns_type = PyObject_GetAttrString(types, "SimpleNamespace");
    if (ns_type == NULL) {
        goto error;
    }
    kwargs = PyDict_New();
    if (kwargs == NULL) {
        goto error;
    }
    for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
        value = PyLong_FromUnsignedLong(1u << ev);
        if (value == NULL ||
            PyDict_SetItemString(kwargs, pep669_event_names[ev], value) < 0) {
            goto error;
        }
        Py_CLEAR(value);
    }
    value = PyLong_FromLong(0);
    if (value == NULL || PyDict_SetItemString(kwargs, "NO_EVENTS", value) < 0) {
        goto error;
    }
    Py_CLEAR(value);
    noargs = PyTuple_New(0);
    if (noargs == NULL) {
        goto error;
    }
    res = PyObject_Call(ns_type, noargs, kwargs);
error:
    Py_XDECREF(noargs);
    Py_XDECREF(value);
    Py_XDECREF(kwargs);
    Py_XDECREF(ns_type);
    Py_XDECREF(types);
    return res;
}

static PyObject *
make_monitoring(void)
{
    /* owned */
    PyObject *mod = NULL, *events = NULL;
    mod = PyModule_New("sys.monitoring");
    if (mod == NULL) {
        goto error;
    }
    if (PyModule_AddFunctions(mod, monitoring_methods) < 0) {
        goto error;
    }
    events = make_events();
    if (events == NULL ||
        PyModule_AddObjectRef(mod, "events", events) < 0 ||
        PyModule_AddObjectRef(mod, "DISABLE", pep669_registry.disable) < 0 ||
        PyModule_AddObjectRef(mod, "MISSING", pep669_registry.missing) < 0 ||
        PyModule_AddIntConstant(mod, "DEBUGGER_ID", 0) < 0 ||
        PyModule_AddIntConstant(mod, "COVERAGE_ID", 1) < 0 ||
        PyModule_AddIntConstant(mod, "PROFILER_ID", 2) < 0 ||
        PyModule_AddIntConstant(mod, "OPTIMIZER_ID", 5) < 0) {
        goto error;
    }
    Py_DECREF(events);
    return mod;
error:
    Py_XDECREF(events);
    Py_XDECREF(mod);
    return NULL;
}

/* ---- the module: multi-phase init, one engine per interpreter ----
 *
 * Each interpreter that imports the module gets its own registry (tools,
 * callbacks, events, the code objects with local events, the eval-frame
 * hook's chain, the `monitoring` namespace): registry.h.  The module's
 * state points to it; the registry lives as long as the interpreter (a
 * capsule in the interpreter's dict tears it down when the interpreter
 * is cleared), so that importing the module anew finds the same
 * namespace and tools, as sys.monitoring does natively.  What stays
 * process-wide is what CPython shares between interpreters: the static
 * types whose getters pep669 swaps (suspended.c, lineno.c: installed once,
 * and they consult only the running thread's state), the probe type. */

typedef struct {
    Pep669Registry *registry;  /* borrowed: the interpreter's */
} ModuleState;

#define ENGINE_KEY "pep669._monitoring.engine"

/* The interpreter's dict is being cleared (Py_EndInterpreter, or the
 * main interpreter's finalization): every tool cleared and freed (the
 * callbacks' references dropped, the hook and the trampoline gone from
 * this interpreter), the per-thread states of its thread states
 * forgotten, the registry closed.  Code data of its code objects that
 * are still alive keep the struct until they go (codedata.c). */
static void
teardown(PyObject *capsule)
{
    Pep669Registry *r = PyCapsule_GetPointer(capsule, ENGINE_KEY);
    PyThreadState *ts = _PyThreadState_UncheckedGet();
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (r == NULL || r->interp == NULL) {
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
        return;
    }
    PyInterpreterState *interp = r->interp;
    if (ts != NULL && ts->interp == interp) {
        pep669_enter(ts);
        PEP669_ASSERT(pep669_registry_current == r);
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            if (pep669_clear_tool_id(tool) < 0 ||
                pep669_free_tool_id(tool) < 0) {
                PyErr_WriteUnraisable(capsule);
            }
        }
        pep669_thread_forget(interp);
    }
    else {
        /* Not on one of its thread states (not seen in CPython): only
         * the references go; its hook dies with the interpreter. */
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            Py_CLEAR(r->names[tool]);
            r->global_events[tool] = 0;
            for (int ev = 0; ev < PEP669_EVENT_COUNT; ev++) {
                Py_CLEAR(r->callbacks[tool][ev]);
            }
        }
        r->active_union = 0;
        memset(r->active_tools, 0, sizeof(r->active_tools));
    }
    pep669_registry_close(r);
    PyErr_Restore(type, value, tb);
}

/* sys.settrace() called by a frame that runs traced replaces the
 * trampoline, and nothing calls pep669 again in that frame until it calls
 * a Python function (a callback's sys.settrace is seen when the callbacks
 * return).  sys.settrace is therefore a builtin of the same name, module,
 * self (sys) and doc whose C function calls the interpreter's own and
 * then lets the running frame follow its events again, the trampoline in
 * front of the new tracer as after a callback's. */
static PyCFunction settrace_orig;
static PyMethodDef settrace_def;

static PyObject *
settrace_wrapper(PyObject *self, PyObject *arg)
{
    PyObject *res = settrace_orig(self, arg);
    if (res == NULL) {
        return NULL;
    }
    PyThreadState *ts = PyThreadState_GET();
    pep669_enter(ts);
    if (arg != Py_None && pep669_line_set_anywhere()) {
        /* 3.12 sets tool 7's events: every code object is brought up to
         * date at its next start, the running ones at once (a code's
         * LINE DISABLEs may go then: pep669_code_data_refresh). */
        if (pep669_registry_changed() < 0) {
            Py_DECREF(res);
            return NULL;
        }
    }
    if (pep669_registry.active_union != 0 &&
        !pep669_backend_suppressed(ts) &&
        (pep669_thread.record_top != NULL ||
         pep669_thread.bare_top != NULL ||
         pep669_thread.unhooked.frame != NULL)) {
        pep669_trace_refresh(ts);
        if (PyErr_Occurred()) {
            Py_DECREF(res);
            return NULL;
        }
    }
    return res;
}

/* Puts the wrapper in this interpreter's sys (once per interpreter: an
 * interpreter's sys.settrace that is already the wrapper stays). */
static int
wrap_settrace(void)
{
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return -1;
    }
    /* owned */
    PyObject *orig = PyObject_GetAttrString(sys, "settrace");
    int err = 0;
    if (orig != NULL && PyCFunction_Check(orig) &&
        PyCFunction_GET_SELF(orig) == sys &&
        (PyCFunction_GET_FLAGS(orig) & METH_O)) {
        PyCFunction meth = PyCFunction_GET_FUNCTION(orig);
        if (meth != settrace_wrapper) {
            PyMethodDef *def = ((PyCFunctionObject *)orig)->m_ml;
            if (settrace_orig == NULL) {
                settrace_orig = meth;
                settrace_def = *def;
                settrace_def.ml_meth = settrace_wrapper;
            }
            /* (the same C function in every interpreter) */
            PEP669_ASSERT(settrace_orig == meth);
            PyObject *modname = PyObject_GetAttrString(orig, "__module__");
            /* owned */
            PyObject *w = modname == NULL ? NULL
                : PyCFunction_NewEx(&settrace_def, sys, modname);
            Py_XDECREF(modname);
            if (w == NULL || PyObject_SetAttrString(sys, "settrace", w) < 0) {
                err = -1;
            }
            Py_XDECREF(w);
        }
    }
    else if (orig == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(orig);
    Py_DECREF(sys);
    return err;
}

static int
exec_module(PyObject *mod)
{
    int made;
    Pep669Registry *r = pep669_registry_open(&made);
    if (r == NULL) {
        return -1;
    }
    ((ModuleState *)PyModule_GetState(mod))->registry = r;
    if (made) {
        /* The registry goes with the interpreter (see teardown). */
        PyObject *dict = PyInterpreterState_GetDict(r->interp);
        /* owned */
        PyObject *capsule = PyCapsule_New(r, ENGINE_KEY, teardown);
        if (dict == NULL || capsule == NULL ||
            PyDict_SetItemString(dict, ENGINE_KEY, capsule) < 0) {
            if (dict == NULL && !PyErr_Occurred()) {
                PyErr_SetString(PyExc_RuntimeError,
                                "pep669: the interpreter has no dict");
            }
            /* (the capsule's destructor tears the registry down) */
            Py_XDECREF(capsule);
            return -1;
        }
        Py_DECREF(capsule);
    }
    if (pep669_code_data_init() < 0 ||
        pep669_backend_init() < 0 || pep669_probe_fire_init() < 0 ||
        pep669_lineno_init() < 0 || pep669_trace_flags_init() < 0 ||
        pep669_suspended_init() < 0 || wrap_settrace() < 0) {
        return -1;
    }
    /* The lower layers tell the upper ones through these: the registry
     * after every change (hooks follow), the code data when a code object
     * with a clone goes, the registry when the thread state on an OS
     * thread changes (the per-thread state follows). */
    static const Pep669RegistryListener listener = {
        .events_changed = pep669_frames_update,
        .recheck_hook = pep669_backend_recheck_eval_hook,
    };
    pep669_registry_listen(&listener);
    pep669_registry_on_switch(pep669_thread_switch);
    pep669_code_data_on_free_clone(pep669_clone_drop);
    pep669_monitor_engine_hooks(pep669_trace_callbacks_begin,
                                pep669_trace_callbacks_end);
    if (r->monitoring_ns == NULL) {
        r->monitoring_ns = make_monitoring();
        if (r->monitoring_ns == NULL) {
            return -1;
        }
    }
    if (PyModule_AddObjectRef(mod, "monitoring", r->monitoring_ns) < 0) {
        return -1;
    }
    /* pep669.h's table (the package exports it as pep669._C_API). */
    /* owned */
    PyObject *capi = pep669_capi_capsule();
    if (capi == NULL || PyModule_AddObjectRef(mod, "_C_API", capi) < 0) {
        Py_XDECREF(capi);
        return -1;
    }
    Py_DECREF(capi);
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)exec_module},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pep669._monitoring",
    .m_doc = "The pep669 engine: sys.monitoring for CPython 3.8-3.11.",
    .m_size = sizeof(ModuleState),
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PEP669_EXPORT PyMODINIT_FUNC
PyInit__monitoring(void)
{
    return PyModuleDef_Init(&module_def);
}
