/* Backend for CPython 3.10: PEP 523 through the public
 * _PyInterpreterState_{Get,Set}EvalFrameFunc, f_lasti in code units
 * (bpo-27129), frame states (f_state), use_tracing per C frame (CFrame,
 * bpo-44032). */
#include "engine_entry.h"
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030B0000
#  error "backend_py310.c is for CPython 3.10"
#endif

static _PyFrameEvalFunction prev_eval = NULL;

static inline PyObject *
eval_prev(PyThreadState *ts, PyFrameObject *f, int throwflag)
{
    return prev_eval(ts, f, throwflag);
}

/* f_lasti counts code units here (-1 before the first instruction). */
#define PEP669_LASTI(f) \
    ((f)->f_lasti < 0 ? -1 : (f)->f_lasti * (int)sizeof(_Py_CODEUNIT))
#define PEP669_SUSPENDED(f) ((f)->f_state == FRAME_SUSPENDED)
/* The flag lives in the current CFrame; each evaluator run copies it back
 * into its caller's CFrame when it returns. */
#define PEP669_SET_USE_TRACING(ts, on) ((ts)->cframe->use_tracing = (on))
#define PEP669_USE_TRACING(ts) ((ts)->cframe->use_tracing)

#define PEP669_TRACING_POSSIBLE_ADD(ts, n) ((void)(ts), (void)(n))

/* Jump arguments count code units (bpo-27129). */
#define PEP669_JUMP_UNIT 2

/* The interpreter stores the stack pointer in the frame around trace
 * calls. */
#define PEP669_STACK_TOP(f) ((f)->f_valuestack + (f)->f_stackdepth)

/* maybe_call_line_trace(): any change of line (PEP 626) */
#define PEP669_FORWARD_JUMP_LINES 1

/* Line probes: the line table PyCode_New takes, the last instruction
 * written back (bytes), and whether the evaluator read f_code before the
 * run's 'call' event. */
#define PEP669_CODE_LINETABLE(co) ((co)->co_linetable)
#define PEP669_SET_LASTI(f, off) ((f)->f_lasti = (off) / (int)sizeof(_Py_CODEUNIT))
#define PEP669_CODE_READ_BEFORE_CALL 1

#include "backend_pyframe.h"
#define PEP669_HOOK_FRAME PyFrameObject
#include "backend_hook.h"

