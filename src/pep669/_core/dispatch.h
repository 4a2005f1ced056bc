/* Dispatch: deliver one event to the tools that want it.  Knows nothing of
 * how the event was detected. */
#ifndef PEP669_DISPATCH_H
#define PEP669_DISPATCH_H

#include "codedata.h"

/* Tools to call for (event, offset) of a code whose data is `cd`. */
static inline uint8_t
pep669_fire_tools(Pep669CodeData *cd, int event, int offset)
{
    uint8_t tools = pep669_code_tools(cd, event);
    if (tools && cd != NULL) {
        tools &= (uint8_t)~pep669_disabled_tools(cd, event, offset);
    }
    return tools;
}

/* Call the callbacks of `tools` for `event` with (code, offset[, arg]),
 * highest tool id first, with events suppressed on this thread.  Returns
 * 0, or -1 with an exception set: a callback raised, or returned DISABLE
 * for an event that cannot be disabled (the callback is then removed). */
int pep669_call_tools(PyThreadState *ts, uint8_t tools, int event,
                      PyCodeObject *co, int offset, PyObject *arg);

/* The same from inside a legacy trace function, which the interpreter
 * already calls with events suppressed on the thread. */
int pep669_call_tools_traced(PyThreadState *ts, uint8_t tools, int event,
                             PyCodeObject *co, int offset, PyObject *arg);

/* LINE from inside a legacy trace function: (code, line_obj), DISABLE
 * at `offset`. */
int pep669_call_line_traced(PyThreadState *ts, uint8_t tools,
                            PyCodeObject *co, int offset,
                            PyObject *line_obj);

/* The same with two extra arguments (CALL, C_RETURN, C_RAISE:
 * callable, arg0), outside a trace function and inside one. */
int pep669_call_tools2(PyThreadState *ts, uint8_t tools, int event,
                       PyCodeObject *co, int offset, PyObject *arg,
                       PyObject *arg2);
int pep669_call_tools2_traced(PyThreadState *ts, uint8_t tools, int event,
                              PyCodeObject *co, int offset, PyObject *arg,
                              PyObject *arg2);

/* As above, for events that carry the current exception (PY_THROW,
 * PY_UNWIND, RAISE, ...): it is taken, passed to the callbacks and
 * restored on success; if a callback fails, its exception replaces it. */
int pep669_call_tools_exc(PyThreadState *ts, uint8_t tools, int event,
                          PyCodeObject *co, int offset);

static inline int
pep669_fire(PyThreadState *ts, Pep669CodeData *cd, int event,
            PyCodeObject *co, int offset, PyObject *arg)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools(ts, tools, event, co, offset, arg) : 0;
}

static inline int
pep669_fire_traced(PyThreadState *ts, Pep669CodeData *cd, int event,
                   PyCodeObject *co, int offset, PyObject *arg)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools_traced(ts, tools, event, co, offset,
                                            arg) : 0;
}

static inline int
pep669_fire_exc(PyThreadState *ts, Pep669CodeData *cd, int event,
                PyCodeObject *co, int offset)
{
    uint8_t tools = pep669_fire_tools(cd, event, offset);
    return tools ? pep669_call_tools_exc(ts, tools, event, co, offset) : 0;
}

#endif
