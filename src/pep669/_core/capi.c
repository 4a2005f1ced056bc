/* The 3.13 C monitoring API of pep669.h, over monitor.h: the capsule
 * table that PEP669_IMPORT() fetches on 3.8-3.12. */
#include "monitor.h"
#include "check.h"
#define PEP669_PROVIDER
#include "../include/pep669.h"

/* pep669.h's ids are events.h's numbers on 3.8-3.11; on 3.12/3.13 the
 * BRANCH_LEFT/RIGHT ids are BRANCH's. */
#define X_CHECK_ID(name, num, kind) \
    _Static_assert(PY_MONITORING_EVENT_##name == PEP669_EV_##name || \
                   PY_MONITORING_EVENT_##name == PEP669_EV_BRANCH, \
                   "event id of " #name);
PEP669_EVENT_TABLE(X_CHECK_ID)
#undef X_CHECK_ID

static int
enter_scope(PyMonitoringState *state_array, uint64_t *version,
            const uint8_t *event_types, Py_ssize_t length)
{
    if (!pep669_monitor_serves_interpreter()) {
        /* An interpreter that never imported pep669 (an extension whose
         * module init ran in another one): it has no tools.  The
         * version is one the engine never reaches, so the next scope
         * entered in an interpreter with an engine reads the tools
         * again. */
        for (Py_ssize_t i = 0; i < length; i++) {
            state_array[i].active = 0;
        }
        *version = UINT64_MAX;
        return 0;
    }
    uint64_t now = pep669_monitor_version();
    if (*version == now) {
        /* Nothing changed: DISABLEs in the states stay. */
        return 0;
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        state_array[i].active = pep669_monitor_global_tools(event_types[i]);
    }
    *version = now;
    return 0;
}

static int
exit_scope(void)
{
    return 0;
}

/* Call the tools active in `state` with (codelike, offset, extra...);
 * LINE passes (codelike, lineno) instead.  DISABLE of an event that can
 * be disabled clears the tool in this state only. */
static int
fire(PyMonitoringState *state, PyObject *codelike, int32_t offset,
     int event, PyObject *extra0, PyObject *extra1, int nextra)
{
    PEP669_ASSERT(state != NULL && codelike != NULL);
    PEP669_ASSERT(event >= 0 && event < PEP669_EVENT_COUNT);
    PEP669_ASSERT(nextra >= 0 && nextra <= 2);
    if (offset < 0) {
        PyErr_SetString(PyExc_ValueError, "offset must be non-negative");
        return -1;
    }
    if (!pep669_monitor_serves_interpreter()) {
        /* An interpreter that never imported pep669: no callbacks (a
         * state filled in another interpreter must not call that one's
         * callbacks here). */
        return 0;
    }
    PyObject *extra[2] = {extra0, extra1};
    for (int i = 0; i < nextra; i++) {
        /* A NULL argument would crash a Python callback: CALL's absent
         * arg0 is MISSING (as the interpreter passes it), others None. */
        if (extra[i] == NULL) {
            extra[i] = (event == PEP669_EV_CALL && i == 1)
                           ? pep669_monitor_missing() : Py_None;
        }
    }
    uint8_t disabled = 0;
    int err = pep669_call_event(PyThreadState_Get(), state->active, event,
                                codelike, offset, extra, nextra, &disabled,
                                1, NULL);
    /* DISABLE only for an event that can be disabled. */
    PEP669_ASSERT(disabled == 0 || ((1u << event) & PEP669_LOCAL_EVENTS));
    state->active &= (uint8_t)~disabled;
    return err;
}

/* Events that carry the exception being raised: it is taken, passed to
 * the callbacks, and set again on success; a callback's exception
 * replaces it. */
static int
fire_exc(PyMonitoringState *state, PyObject *codelike, int32_t offset,
         int event)
{
    PyObject *exc = PyErr_GetRaisedException();
    if (exc == NULL) {
        PyErr_Format(PyExc_ValueError,
                     "Firing event %d with no exception set", event);
        return -1;
    }
    if (fire(state, codelike, offset, event, exc, NULL, 1) < 0) {
        PEP669_ASSERT(PyErr_Occurred());
        Py_DECREF(exc);
        return -1;
    }
    /* The callbacks left nothing set: the exception taken goes back. */
    PEP669_ASSERT(!PyErr_Occurred());
    PyErr_SetRaisedException(exc);
    return 0;
}

/* The fire functions of the table, one line each. */
#define FIRE0(fname, EV) \
    static int \
    fname(PyMonitoringState *state, PyObject *codelike, int32_t offset) \
    { \
        return fire(state, codelike, offset, EV, NULL, NULL, 0); \
    }
#define FIRE1(fname, EV) \
    static int \
    fname(PyMonitoringState *state, PyObject *codelike, int32_t offset, \
          PyObject *arg) \
    { \
        return fire(state, codelike, offset, EV, arg, NULL, 1); \
    }
#define FIRE_EXC(fname, EV) \
    static int \
    fname(PyMonitoringState *state, PyObject *codelike, int32_t offset) \
    { \
        return fire_exc(state, codelike, offset, EV); \
    }

FIRE0(fire_py_start, PEP669_EV_PY_START)
FIRE0(fire_py_resume, PEP669_EV_PY_RESUME)
FIRE1(fire_py_return, PEP669_EV_PY_RETURN)
FIRE1(fire_py_yield, PEP669_EV_PY_YIELD)
FIRE1(fire_jump, PEP669_EV_JUMP)
FIRE1(fire_branch, PEP669_EV_BRANCH)
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12/3.13: PY_MONITORING_EVENT_BRANCH_LEFT/RIGHT are BRANCH's id (the
 * state holds the tools with native BRANCH); native_branch.c delivers LEFT or
 * RIGHT to the tools that use them and BRANCH to the others. */
static int
fire_side(PyMonitoringState *state, PyObject *codelike, int32_t offset,
          PyObject *target, int right)
{
    if (offset < 0) {
        PyErr_SetString(PyExc_ValueError, "offset must be non-negative");
        return -1;
    }
    return pep669_native_fire_side(&state->active, codelike, offset,
                                   target == NULL ? Py_None : target, right);
}

static int
fire_branch_left(PyMonitoringState *state, PyObject *codelike,
                 int32_t offset, PyObject *target)
{
    return fire_side(state, codelike, offset, target, 0);
}

static int
fire_branch_right(PyMonitoringState *state, PyObject *codelike,
                  int32_t offset, PyObject *target)
{
    return fire_side(state, codelike, offset, target, 1);
}
#else
FIRE1(fire_branch_left, PY_MONITORING_EVENT_BRANCH_LEFT)
FIRE1(fire_branch_right, PY_MONITORING_EVENT_BRANCH_RIGHT)
#endif
FIRE1(fire_c_return, PEP669_EV_C_RETURN)
FIRE_EXC(fire_py_throw, PEP669_EV_PY_THROW)
FIRE_EXC(fire_raise, PEP669_EV_RAISE)
FIRE_EXC(fire_reraise, PEP669_EV_RERAISE)
FIRE_EXC(fire_exception_handled, PEP669_EV_EXCEPTION_HANDLED)
FIRE_EXC(fire_c_raise, PEP669_EV_C_RAISE)
FIRE_EXC(fire_py_unwind, PEP669_EV_PY_UNWIND)

static int
fire_call(PyMonitoringState *state, PyObject *codelike, int32_t offset,
          PyObject *callable, PyObject *arg0)
{
    return fire(state, codelike, offset, PEP669_EV_CALL, callable, arg0, 2);
}

static int
fire_line(PyMonitoringState *state, PyObject *codelike, int32_t offset,
          int lineno)
{
    PyObject *line = PyLong_FromLong(lineno);
    if (line == NULL) {
        return -1;
    }
    int err = fire(state, codelike, offset, PEP669_EV_LINE, line, NULL, 1);
    Py_DECREF(line);
    return err;
}

/* StopIteration(value) (an existing StopIteration as it is) is passed;
 * no exception is left set on success. */
static int
fire_stop_iteration(PyMonitoringState *state, PyObject *codelike,
                    int32_t offset, PyObject *value)
{
    PyErr_SetObject(PyExc_StopIteration, value);
    PyObject *exc = PyErr_GetRaisedException();
    if (!PyObject_TypeCheck(exc, (PyTypeObject *)PyExc_StopIteration)) {
        /* Making it failed: that error is the result. */
        PyErr_SetRaisedException(exc);
        return -1;
    }
    int err = fire(state, codelike, offset, PEP669_EV_STOP_ITERATION, exc,
                   NULL, 1);
    Py_DECREF(exc);
    PEP669_ASSERT((err < 0) == (PyErr_Occurred() != NULL));
    return err;
}

static const Pep669_CAPI capi = {
    .abi_version = PEP669_CAPI_ABI_VERSION,
    .size = (uint32_t)sizeof(Pep669_CAPI),
    .EnterScope = enter_scope,
    .ExitScope = exit_scope,
    .FirePyStart = fire_py_start,
    .FirePyResume = fire_py_resume,
    .FirePyReturn = fire_py_return,
    .FirePyYield = fire_py_yield,
    .FireCall = fire_call,
    .FireLine = fire_line,
    .FireJump = fire_jump,
    .FireBranch = fire_branch,
    .FireCReturn = fire_c_return,
    .FirePyThrow = fire_py_throw,
    .FireRaise = fire_raise,
    .FireReraise = fire_reraise,
    .FireExceptionHandled = fire_exception_handled,
    .FireCRaise = fire_c_raise,
    .FirePyUnwind = fire_py_unwind,
    .FireStopIteration = fire_stop_iteration,
    .FireBranchLeft = fire_branch_left,
    .FireBranchRight = fire_branch_right,
};

PyObject *
pep669_capi_capsule(void)
{
    return PyCapsule_New((void *)&capi, PEP669_CAPSULE_NAME, NULL);
}
