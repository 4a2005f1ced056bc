/* pep669.h: CPython 3.13's C monitoring API (PEP 669) for extensions on
 * CPython 3.8 and later.
 *
 * Use it as the 3.13 documentation says, plus one call in the module's
 * init function:
 *
 *     #include "pep669.h"            (directory: pep669.get_include())
 *     ...
 *     if (PEP669_IMPORT() < 0) {     (0, or -1 with an exception set)
 *         return NULL;
 *     }
 *
 * 3.14 and later: the interpreter's own API; PEP669_IMPORT() does nothing.
 * 3.13: the interpreter's own API, plus BRANCH_LEFT/RIGHT from the pep669
 * package (PEP669_IMPORT() fetches them).  3.12: the pep669 package
 * implements it on the interpreter's sys.monitoring.  3.8-3.11: it is implemented by pep669's engine, so
 * events fired from C reach the same tools as the interpreter's events.
 * Below 3.13 the functions live in the pep669 package and are reached
 * through a capsule ("pep669._C_API") holding a versioned table; an
 * inactive state costs one byte test, as in 3.13.
 *
 * BRANCH_LEFT / BRANCH_RIGHT (3.14) are offered on every version.  On 3.12
 * and 3.13 their ids equal PY_MONITORING_EVENT_BRANCH (a state entered
 * for them holds the tools with native BRANCH events), and their fire
 * functions deliver BRANCH_LEFT / BRANCH_RIGHT to the tools that use
 * pep669.monitoring's events of those names, and BRANCH to tools that
 * use BRANCH only.  Event ids differ between versions (3.14 renumbered
 * them): use the names, never the numbers.
 *
 * An extension made of several C files: define PEP669_API_SHARED in all
 * of them, and PEP669_API_DEFINE as well in the one that calls
 * PEP669_IMPORT().  Otherwise every file that fires events must call
 * PEP669_IMPORT() itself (the table pointer is per file).
 */
#ifndef PEP669_H
#define PEP669_H

#include <Python.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on an incompatible change of Pep669_CAPI; entries are only ever
 * appended, and `size` tells an extension whether the table it got has
 * the entries it was compiled with. */
#define PEP669_CAPI_ABI_VERSION 1
#define PEP669_CAPSULE_NAME "pep669._C_API"

#if PY_VERSION_HEX >= 0x030E0000

/* ---- 3.14+: the interpreter's own API, BRANCH_LEFT/RIGHT included ---- */

static inline int
Pep669_Import(void)
{
    return 0;
}

#else

#if PY_VERSION_HEX >= 0x030D0000
/* ---- 3.13: the interpreter's own API; BRANCH_LEFT/RIGHT from the pep669
 * package (they reach the tools that use pep669.monitoring's
 * BRANCH_LEFT/RIGHT, and tools with BRANCH only get BRANCH) ---- */
#define PY_MONITORING_EVENT_BRANCH_LEFT PY_MONITORING_EVENT_BRANCH
#define PY_MONITORING_EVENT_BRANCH_RIGHT PY_MONITORING_EVENT_BRANCH
#else

/* ---- 3.8-3.12: the pep669 package's implementation ---- */

/* The ids of 3.13.0's cpython/monitoring.h. */
#define PY_MONITORING_EVENT_PY_START 0
#define PY_MONITORING_EVENT_PY_RESUME 1
#define PY_MONITORING_EVENT_PY_RETURN 2
#define PY_MONITORING_EVENT_PY_YIELD 3
#define PY_MONITORING_EVENT_CALL 4
#define PY_MONITORING_EVENT_LINE 5
#define PY_MONITORING_EVENT_INSTRUCTION 6
#define PY_MONITORING_EVENT_JUMP 7
#define PY_MONITORING_EVENT_BRANCH 8
#define PY_MONITORING_EVENT_STOP_ITERATION 9
#define PY_MONITORING_EVENT_RAISE 10
#define PY_MONITORING_EVENT_EXCEPTION_HANDLED 11
#define PY_MONITORING_EVENT_PY_UNWIND 12
#define PY_MONITORING_EVENT_PY_THROW 13
#define PY_MONITORING_EVENT_RERAISE 14
#define PY_MONITORING_EVENT_C_RETURN 15
#define PY_MONITORING_EVENT_C_RAISE 16
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12's sys.monitoring has BRANCH only. */
#define PY_MONITORING_EVENT_BRANCH_LEFT PY_MONITORING_EVENT_BRANCH
#define PY_MONITORING_EVENT_BRANCH_RIGHT PY_MONITORING_EVENT_BRANCH
#else
/* pep669.monitoring's events.BRANCH_LEFT == 1 << 17, BRANCH_RIGHT == 1 << 18 */
#define PY_MONITORING_EVENT_BRANCH_LEFT 17
#define PY_MONITORING_EVENT_BRANCH_RIGHT 18
#endif

#define PY_MONITORING_IS_INSTRUMENTED_EVENT(ev) \
    ((ev) < PY_MONITORING_EVENT_RAISE || \
     (ev) == PY_MONITORING_EVENT_BRANCH_LEFT || \
     (ev) == PY_MONITORING_EVENT_BRANCH_RIGHT)

typedef struct _PyMonitoringState {
    uint8_t active;
    uint8_t opaque;
} PyMonitoringState;
#endif /* 3.13 */

/* The table in the capsule.  Append only; see PEP669_CAPI_ABI_VERSION. */
typedef struct Pep669_CAPI {
    uint32_t abi_version;
    uint32_t size;                  /* sizeof(Pep669_CAPI) of the provider */
    int (*EnterScope)(PyMonitoringState *state_array, uint64_t *version,
                      const uint8_t *event_types, Py_ssize_t length);
    int (*ExitScope)(void);
    int (*FirePyStart)(PyMonitoringState *, PyObject *, int32_t);
    int (*FirePyResume)(PyMonitoringState *, PyObject *, int32_t);
    int (*FirePyReturn)(PyMonitoringState *, PyObject *, int32_t,
                        PyObject *retval);
    int (*FirePyYield)(PyMonitoringState *, PyObject *, int32_t,
                       PyObject *retval);
    int (*FireCall)(PyMonitoringState *, PyObject *, int32_t,
                    PyObject *callable, PyObject *arg0);
    int (*FireLine)(PyMonitoringState *, PyObject *, int32_t, int lineno);
    int (*FireJump)(PyMonitoringState *, PyObject *, int32_t,
                    PyObject *target_offset);
    int (*FireBranch)(PyMonitoringState *, PyObject *, int32_t,
                      PyObject *target_offset);
    int (*FireCReturn)(PyMonitoringState *, PyObject *, int32_t,
                       PyObject *retval);
    int (*FirePyThrow)(PyMonitoringState *, PyObject *, int32_t);
    int (*FireRaise)(PyMonitoringState *, PyObject *, int32_t);
    int (*FireReraise)(PyMonitoringState *, PyObject *, int32_t);
    int (*FireExceptionHandled)(PyMonitoringState *, PyObject *, int32_t);
    int (*FireCRaise)(PyMonitoringState *, PyObject *, int32_t);
    int (*FirePyUnwind)(PyMonitoringState *, PyObject *, int32_t);
    int (*FireStopIteration)(PyMonitoringState *, PyObject *, int32_t,
                             PyObject *value);
    int (*FireBranchLeft)(PyMonitoringState *, PyObject *, int32_t,
                          PyObject *target_offset);
    int (*FireBranchRight)(PyMonitoringState *, PyObject *, int32_t,
                           PyObject *target_offset);
} Pep669_CAPI;

#ifndef PEP669_PROVIDER

#if defined(PEP669_API_SHARED) && !defined(PEP669_API_DEFINE)
extern const Pep669_CAPI *Pep669_API;
#elif defined(PEP669_API_SHARED)
const Pep669_CAPI *Pep669_API = NULL;
#else
static const Pep669_CAPI *Pep669_API = NULL;
#endif

static inline int
Pep669_Import(void)
{
    const Pep669_CAPI *api =
        (const Pep669_CAPI *)PyCapsule_Import(PEP669_CAPSULE_NAME, 0);
    if (api == NULL) {
        return -1;
    }
    if (api->abi_version != PEP669_CAPI_ABI_VERSION ||
        api->size < (uint32_t)sizeof(Pep669_CAPI)) {
        PyErr_Format(PyExc_ImportError,
                     "pep669 C API mismatch: this extension was compiled "
                     "with pep669.h ABI version %d (table of %d bytes), the "
                     "installed pep669 provides ABI version %d (%d bytes); "
                     "rebuild the extension against the installed pep669",
                     (int)PEP669_CAPI_ABI_VERSION, (int)sizeof(Pep669_CAPI),
                     (int)api->abi_version, (int)api->size);
        return -1;
    }
    Pep669_API = api;
    return 0;
}

#if PY_VERSION_HEX < 0x030D0000
static inline int
PyMonitoring_EnterScope(PyMonitoringState *state_array, uint64_t *version,
                        const uint8_t *event_types, Py_ssize_t length)
{
    if (Pep669_API == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "pep669: PyMonitoring_EnterScope() called before "
                        "PEP669_IMPORT()");
        return -1;
    }
    return Pep669_API->EnterScope(state_array, version, event_types, length);
}

static inline int
PyMonitoring_ExitScope(void)
{
    return Pep669_API == NULL ? 0 : Pep669_API->ExitScope();
}
#endif

/* As in 3.13: nothing is called unless some tool is active in `state`. */
#define PEP669_FIRE(STATE, ENTRY, ARGS) \
    ((STATE)->active ? Pep669_API->ENTRY ARGS : 0)

static inline int
PyMonitoring_FireBranchLeftEvent(PyMonitoringState *state, PyObject *codelike,
                                 int32_t offset, PyObject *target_offset)
{
    return PEP669_FIRE(state, FireBranchLeft,
                       (state, codelike, offset, target_offset));
}

static inline int
PyMonitoring_FireBranchRightEvent(PyMonitoringState *state,
                                  PyObject *codelike, int32_t offset,
                                  PyObject *target_offset)
{
    return PEP669_FIRE(state, FireBranchRight,
                       (state, codelike, offset, target_offset));
}

#if PY_VERSION_HEX < 0x030D0000

static inline int
PyMonitoring_FirePyStartEvent(PyMonitoringState *state, PyObject *codelike,
                              int32_t offset)
{
    return PEP669_FIRE(state, FirePyStart, (state, codelike, offset));
}

static inline int
PyMonitoring_FirePyResumeEvent(PyMonitoringState *state, PyObject *codelike,
                               int32_t offset)
{
    return PEP669_FIRE(state, FirePyResume, (state, codelike, offset));
}

static inline int
PyMonitoring_FirePyReturnEvent(PyMonitoringState *state, PyObject *codelike,
                               int32_t offset, PyObject *retval)
{
    return PEP669_FIRE(state, FirePyReturn,
                       (state, codelike, offset, retval));
}

static inline int
PyMonitoring_FirePyYieldEvent(PyMonitoringState *state, PyObject *codelike,
                              int32_t offset, PyObject *retval)
{
    return PEP669_FIRE(state, FirePyYield, (state, codelike, offset, retval));
}

static inline int
PyMonitoring_FireCallEvent(PyMonitoringState *state, PyObject *codelike,
                           int32_t offset, PyObject *callable, PyObject *arg0)
{
    return PEP669_FIRE(state, FireCall,
                       (state, codelike, offset, callable, arg0));
}

static inline int
PyMonitoring_FireLineEvent(PyMonitoringState *state, PyObject *codelike,
                           int32_t offset, int lineno)
{
    return PEP669_FIRE(state, FireLine, (state, codelike, offset, lineno));
}

static inline int
PyMonitoring_FireJumpEvent(PyMonitoringState *state, PyObject *codelike,
                           int32_t offset, PyObject *target_offset)
{
    return PEP669_FIRE(state, FireJump,
                       (state, codelike, offset, target_offset));
}

static inline int
PyMonitoring_FireBranchEvent(PyMonitoringState *state, PyObject *codelike,
                             int32_t offset, PyObject *target_offset)
{
    return PEP669_FIRE(state, FireBranch,
                       (state, codelike, offset, target_offset));
}

static inline int
PyMonitoring_FireCReturnEvent(PyMonitoringState *state, PyObject *codelike,
                              int32_t offset, PyObject *retval)
{
    return PEP669_FIRE(state, FireCReturn, (state, codelike, offset, retval));
}

static inline int
PyMonitoring_FirePyThrowEvent(PyMonitoringState *state, PyObject *codelike,
                              int32_t offset)
{
    return PEP669_FIRE(state, FirePyThrow, (state, codelike, offset));
}

static inline int
PyMonitoring_FireRaiseEvent(PyMonitoringState *state, PyObject *codelike,
                            int32_t offset)
{
    return PEP669_FIRE(state, FireRaise, (state, codelike, offset));
}

static inline int
PyMonitoring_FireReraiseEvent(PyMonitoringState *state, PyObject *codelike,
                              int32_t offset)
{
    return PEP669_FIRE(state, FireReraise, (state, codelike, offset));
}

static inline int
PyMonitoring_FireExceptionHandledEvent(PyMonitoringState *state,
                                       PyObject *codelike, int32_t offset)
{
    return PEP669_FIRE(state, FireExceptionHandled,
                       (state, codelike, offset));
}

static inline int
PyMonitoring_FireCRaiseEvent(PyMonitoringState *state, PyObject *codelike,
                             int32_t offset)
{
    return PEP669_FIRE(state, FireCRaise, (state, codelike, offset));
}

static inline int
PyMonitoring_FirePyUnwindEvent(PyMonitoringState *state, PyObject *codelike,
                               int32_t offset)
{
    return PEP669_FIRE(state, FirePyUnwind, (state, codelike, offset));
}

static inline int
PyMonitoring_FireStopIterationEvent(PyMonitoringState *state,
                                    PyObject *codelike, int32_t offset,
                                    PyObject *value)
{
    return PEP669_FIRE(state, FireStopIteration,
                       (state, codelike, offset, value));
}

#endif /* < 3.13 */

#undef PEP669_FIRE

#endif /* !PEP669_PROVIDER */

#endif /* PY_VERSION_HEX */

#define PEP669_IMPORT() Pep669_Import()

#ifdef __cplusplus
}
#endif

#endif /* PEP669_H */
