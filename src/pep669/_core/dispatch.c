/* Dispatch: one event to the tools that want it. */
#include "dispatch.h"

static int
call_tools(PyThreadState *ts, uint8_t tools, int event, PyCodeObject *co,
           int offset, PyObject *arg, PyObject *arg2, int bracket)
{
    /* owned */
    PyObject *offset_obj = NULL;
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[5] = {NULL, (PyObject *)co, arg, NULL, NULL};
    size_t nargs = 2;
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
        nargs = arg == NULL ? 2 : arg2 == NULL ? 3 : 4;
    }
    uint8_t disabled = 0;
    int err = pep669_call_callbacks(ts, tools, event, stack + 1,
                                    nargs | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                    &disabled, bracket);
    if (disabled != 0) {
        /* Record the locations DISABLEd, also when a later tool raised
         * (whose exception then stays the one reported). */
        PyObject *type = NULL, *value = NULL, *tb = NULL;
        if (err < 0) {
            PyErr_Fetch(&type, &value, &tb);
        }
        for (int tool = 0; disabled != 0; tool++, disabled >>= 1) {
            if ((disabled & 1) &&
                pep669_disable_location(co, tool, event, offset) < 0) {
                if (type == NULL) {
                    err = -1;
                    break;
                }
                PyErr_Clear();
            }
        }
        if (type != NULL) {
            PyErr_Restore(type, value, tb);
        }
    }
    Py_XDECREF(offset_obj);
    return err;
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
