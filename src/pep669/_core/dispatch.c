/* Dispatch: one event to the tools that want it. */
#include "dispatch.h"
#include "check.h"

/* The tools of an event are among the public ids 0..5, and the event is
 * one of events.h's (debug builds). */
#define CHECK_EVENT(tools, event) \
    do { \
        PEP669_ASSERT((event) >= 0 && (event) < PEP669_EVENT_COUNT); \
        PEP669_ASSERT(((tools) >> PEP669_TOOL_COUNT) == 0); \
    } while (0)

/* Record the locations the tools of `disabled` DISABLEd, also when a
 * later tool raised (whose exception then stays the one reported). */
PEP669_NOINLINE int
pep669_disable_locations(uint8_t disabled, int event, PyCodeObject *co,
                  int offset, int err)
{
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (err < 0) {
        PyErr_Fetch(&type, &value, &tb);
    }
    for (int tool = 0; disabled != 0; tool++, disabled >>= 1) {
        PEP669_ASSERT(!(disabled & 1) || tool < PEP669_TOOL_COUNT);
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
        PEP669_ASSERT(!PyErr_Occurred());
        PyErr_Restore(type, value, tb);
    }
    return err;
}

int
pep669_call_many(PyThreadState *ts, uint8_t tools, int event,
                 PyCodeObject *co, int offset, PyObject *arg, PyObject *arg2,
                 int bracket)
{
    CHECK_EVENT(tools, event);
    PEP669_ASSERT(co != NULL && PyCode_Check(co));
    PEP669_ASSERT(arg != NULL || arg2 == NULL);
    PEP669_ASSERT(tools & (tools - 1));
    PyObject *extra[2] = {arg, arg2};
    uint8_t disabled = 0;
    int err = pep669_call_event(ts, tools, event, (PyObject *)co, offset,
                                extra, arg == NULL ? 0 : arg2 == NULL ? 1 : 2,
                                &disabled, bracket,
                                &pep669_registry.restart_version);
    if (disabled != 0) {
        err = pep669_disable_locations(disabled, event, co, offset, err);
    }
    PEP669_ASSERT((err < 0) == (PyErr_Occurred() != NULL));
    return err;
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
call_tools(PyThreadState *ts, uint8_t tools, int event, PyCodeObject *co,
           int offset, PyObject *arg, PyObject *arg2, int bracket)
{
    CHECK_EVENT(tools, event);
    PEP669_ASSERT(co != NULL && PyCode_Check(co));
    return pep669_call_some(ts, tools, event, co, offset, arg, arg2, bracket,
                            pep669_callbacks_begin_hook,
                            pep669_callbacks_end_hook);
}

int
pep669_call_line_traced(PyThreadState *ts, uint8_t tools, PyCodeObject *co,
                        int offset, PyObject *line_obj)
{
    CHECK_EVENT(tools, PEP669_EV_LINE);
    PEP669_ASSERT(co != NULL && PyCode_Check(co));
    PEP669_ASSERT(line_obj != NULL && PyLong_Check(line_obj));
    if ((tools & (tools - 1)) == 0) {
        return pep669_call_one(ts, pep669_only_tool(tools), PEP669_EV_LINE,
                               co, offset, line_obj, NULL, 0,
                               pep669_callbacks_begin_hook,
                               pep669_callbacks_end_hook);
    }
    /* Slot 0 is free for the callee (PY_VECTORCALL_ARGUMENTS_OFFSET). */
    PyObject *stack[3] = {NULL, (PyObject *)co, line_obj};
    uint8_t disabled = 0;
    if (pep669_call_callbacks(ts, tools, PEP669_EV_LINE, stack + 1,
                              2 | PY_VECTORCALL_ARGUMENTS_OFFSET, &disabled,
                              0, &pep669_registry.restart_version) < 0) {
        return -1;
    }
    for (int tool = 0; disabled != 0; tool++, disabled >>= 1) {
        if ((disabled & 1) &&
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
pep669_call_tools2(PyThreadState *ts, uint8_t tools, int event,
                   PyCodeObject *co, int offset, PyObject *arg,
                   PyObject *arg2)
{
    return call_tools(ts, tools, event, co, offset, arg, arg2, 1);
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
    CHECK_EVENT(tools, event);
    /* Only the events that carry the exception being raised. */
    PEP669_ASSERT(!((1u << event) & (PEP669_LOCAL_EVENTS |
                                     PEP669_BIT(C_RETURN))));
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) {
        PyException_SetTraceback(value, tb);
    }
    int err = pep669_call_tools(ts, tools, event, co, offset,
                                value ? value : Py_None);
    if (err == 0) {
        /* The callbacks left no exception: the one taken is set again,
         * unchanged. */
        PEP669_ASSERT(!PyErr_Occurred());
        PyErr_Restore(type, value, tb);
        return 0;
    }
    PEP669_ASSERT(PyErr_Occurred());
    Py_DECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}
