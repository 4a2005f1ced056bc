/* Dispatch: one event to the tools that want it. */
#include "dispatch.h"
#include "backend.h"

static inline int
highest_tool(uint8_t tools)
{
#if defined(__GNUC__)
    return 31 - __builtin_clz((unsigned int)tools);
#else
    int tool = 7;
    while (!(tools & (1u << tool))) {
        tool--;
    }
    return tool;
#endif
}

/* Call a callback (a Python function as a rule) through its vectorcall
 * function, without the generic checks of PyObject_Vectorcall() around
 * it but the one that matters. */
static inline PyObject *
vectorcall(PyObject *func, PyObject *const *args, size_t nargsf)
{
    vectorcallfunc call = PyVectorcall_Function(func);
    if (call == NULL) {
        return PyObject_Vectorcall(func, args, nargsf, NULL);
    }
    PyObject *res = call(func, args, nargsf, NULL);
    if (res == NULL && !PyErr_Occurred()) {
        PyErr_Format(PyExc_SystemError,
                     "%R returned NULL without setting an exception", func);
    }
    return res;
}

static int
call_tools(PyThreadState *ts, uint8_t tools, int event, PyCodeObject *co,
           int offset, PyObject *arg, PyObject *arg2, int bracket)
{
    Pep669Registry *r = &pep669_registry;
    int err = 0;
    /* owned */
    PyObject *offset_obj = NULL;
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[5] = {NULL, (PyObject *)co, arg, NULL, NULL};
    size_t nargs = 2 | PY_VECTORCALL_ARGUMENTS_OFFSET;
    if (event != PEP669_EV_LINE) {
        /* LINE callbacks take (code, line_number): `offset` is only the
         * location for DISABLE. */
        offset_obj = PyLong_FromLong(offset);
        if (offset_obj == NULL) {
            return -1;
        }
        stack[2] = offset_obj;
        stack[3] = arg;
        stack[4] = arg2;
        nargs = (arg == NULL ? 2 : arg2 == NULL ? 3 : 4) |
                PY_VECTORCALL_ARGUMENTS_OFFSET;
    }

    if (bracket) {
        pep669_backend_enter_callback(ts);
    }
    while (tools) {
        int tool = highest_tool(tools);
        tools &= (uint8_t)~(1u << tool);
        PyObject *func = r->callbacks[tool][event];
        if (func == NULL) {
            continue;
        }
        Py_INCREF(func);  /* the callback may unregister itself */
        PyObject *res = vectorcall(func, stack + 1, nargs);
        Py_DECREF(func);
        if (res == NULL) {
            err = -1;
            break;
        }
        int disable = (res == r->disable);
        Py_DECREF(res);
        if (!disable) {
            continue;
        }
        if ((1u << event) & PEP669_LOCAL_EVENTS) {
            if (pep669_disable_location(co, tool, event, offset) < 0) {
                err = -1;
                break;
            }
        }
        else {
            /* Remove it first, so that it cannot fire again. */
            Py_CLEAR(r->callbacks[tool][event]);
            pep669_registry_callbacks_changed();
            PyErr_Format(PyExc_ValueError,
                         "Cannot disable %s events. Callback removed.",
                         pep669_event_names[event]);
            err = -1;
            break;
        }
    }
    if (bracket) {
        pep669_backend_leave_callback(ts);
    }
    Py_XDECREF(offset_obj);
    return err;
}

int
pep669_call_line_traced(PyThreadState *Py_UNUSED(ts), uint8_t tools,
                        PyCodeObject *co, int offset, PyObject *line_obj)
{
    Pep669Registry *r = &pep669_registry;
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[3] = {NULL, (PyObject *)co, line_obj};
    while (tools) {
        int tool = highest_tool(tools);
        tools &= (uint8_t)~(1u << tool);
        PyObject *func = r->callbacks[tool][PEP669_EV_LINE];
        if (func == NULL) {
            continue;
        }
        Py_INCREF(func);  /* the callback may unregister itself */
        PyObject *res = vectorcall(
            func, stack + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET);
        Py_DECREF(func);
        if (res == NULL) {
            return -1;
        }
        int disable = (res == r->disable);
        Py_DECREF(res);
        if (disable &&
            pep669_disable_location(co, tool, PEP669_EV_LINE, offset) < 0) {
            return -1;
        }
    }
    return 0;
}

int
pep669_call_tools(PyThreadState *ts, uint8_t tools, int event,
                  PyCodeObject *co, int offset, PyObject *arg)
{
    return call_tools(ts, tools, event, co, offset, arg, NULL, 1);
}

int
pep669_call_tools_traced(PyThreadState *ts, uint8_t tools, int event,
                         PyCodeObject *co, int offset, PyObject *arg)
{
    return call_tools(ts, tools, event, co, offset, arg, NULL, 0);
}

int
pep669_call_tools2_traced(PyThreadState *ts, uint8_t tools, int event,
                          PyCodeObject *co, int offset, PyObject *arg,
                          PyObject *arg2)
{
    return call_tools(ts, tools, event, co, offset, arg, arg2, 0);
}

int
pep669_call_tools_exc(PyThreadState *ts, uint8_t tools, int event,
                      PyCodeObject *co, int offset)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        /* Nothing is being raised: nothing to report. */
        return 0;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    int err = pep669_call_tools(ts, tools, event, co, offset,
                                value ? value : Py_None);
    if (err == 0) {
        PyErr_Restore(type, value, tb);
        return 0;
    }
    Py_DECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}
