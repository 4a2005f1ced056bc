/* Compiled (not run) by tests/test_capi.py as C99 and C11, and through
 * header_check.cpp as C++11 and C++17, with -Wall -Wextra -Werror: every
 * name of pep669.h in use. */
#include "pep669.h"

int pep669_header_check(PyObject *codelike, PyObject *obj);

int
pep669_header_check(PyObject *codelike, PyObject *obj)
{
    static PyMonitoringState states[19];
    static uint64_t version = 0;
    static const uint8_t ids[19] = {
        PY_MONITORING_EVENT_PY_START, PY_MONITORING_EVENT_PY_RESUME,
        PY_MONITORING_EVENT_PY_RETURN, PY_MONITORING_EVENT_PY_YIELD,
        PY_MONITORING_EVENT_CALL, PY_MONITORING_EVENT_LINE,
        PY_MONITORING_EVENT_INSTRUCTION, PY_MONITORING_EVENT_JUMP,
        PY_MONITORING_EVENT_BRANCH, PY_MONITORING_EVENT_STOP_ITERATION,
        PY_MONITORING_EVENT_RAISE, PY_MONITORING_EVENT_EXCEPTION_HANDLED,
        PY_MONITORING_EVENT_PY_UNWIND, PY_MONITORING_EVENT_PY_THROW,
        PY_MONITORING_EVENT_RERAISE, PY_MONITORING_EVENT_C_RETURN,
        PY_MONITORING_EVENT_C_RAISE, PY_MONITORING_EVENT_BRANCH_LEFT,
        PY_MONITORING_EVENT_BRANCH_RIGHT,
    };
    int32_t off = 0;
    int err = 0;
    if (PEP669_IMPORT() < 0 ||
        PyMonitoring_EnterScope(states, &version, ids, 19) < 0) {
        return -1;
    }
    err |= PyMonitoring_FirePyStartEvent(&states[0], codelike, off);
    err |= PyMonitoring_FirePyResumeEvent(&states[1], codelike, off);
    err |= PyMonitoring_FirePyReturnEvent(&states[2], codelike, off, obj);
    err |= PyMonitoring_FirePyYieldEvent(&states[3], codelike, off, obj);
    err |= PyMonitoring_FireCallEvent(&states[4], codelike, off, obj, obj);
    err |= PyMonitoring_FireLineEvent(&states[5], codelike, off, 1);
    err |= PyMonitoring_FireJumpEvent(&states[7], codelike, off, obj);
    err |= PyMonitoring_FireBranchEvent(&states[8], codelike, off, obj);
    err |= PyMonitoring_FireStopIterationEvent(&states[9], codelike, off, obj);
    err |= PyMonitoring_FireRaiseEvent(&states[10], codelike, off);
    err |= PyMonitoring_FireExceptionHandledEvent(&states[11], codelike, off);
    err |= PyMonitoring_FirePyUnwindEvent(&states[12], codelike, off);
    err |= PyMonitoring_FirePyThrowEvent(&states[13], codelike, off);
    err |= PyMonitoring_FireReraiseEvent(&states[14], codelike, off);
    err |= PyMonitoring_FireCReturnEvent(&states[15], codelike, off, obj);
    err |= PyMonitoring_FireCRaiseEvent(&states[16], codelike, off);
    err |= PyMonitoring_FireBranchLeftEvent(&states[17], codelike, off, obj);
    err |= PyMonitoring_FireBranchRightEvent(&states[18], codelike, off, obj);
    err |= PyMonitoring_ExitScope();
    return err;
}
