/* Backend for CPython 3.8: the PEP 523 hook is the internal field
 * PyInterpreterState.eval_frame (3.9 added public accessors, bpo-38500),
 * so this file needs Py_BUILD_CORE and internal/pycore_pystate.h; its
 * hook type takes no thread state.  f_lasti in bytes, one use_tracing
 * flag per thread. */
#define Py_BUILD_CORE 1
#include "engine_entry.h"
#include <frameobject.h>
#include <internal/pycore_pystate.h>

#if PY_VERSION_HEX < 0x03080000 || PY_VERSION_HEX >= 0x03090000
#  error "backend_py38.c is for CPython 3.8"
#endif

static _PyFrameEvalFunction prev_eval = NULL;

static inline PyObject *
eval_prev(PyThreadState *Py_UNUSED(ts), PyFrameObject *f, int throwflag)
{
    return prev_eval(f, throwflag);
}

/* ceval.c: f_lasti is -1 before the first instruction; YIELD_VALUE and
 * YIELD_FROM leave f_stacktop set, a return leaves it NULL. */
#define PEP669_LASTI(f) ((f)->f_lasti)
#define PEP669_SUSPENDED(f) ((f)->f_stacktop != NULL)
#define PEP669_SET_USE_TRACING(ts, on) ((ts)->use_tracing = (on))
#define PEP669_USE_TRACING(ts) ((ts)->use_tracing)

#define PEP669_TRACING_POSSIBLE_ADD(ts, n) (_PyRuntime.ceval.tracing_possible += (n))

/* Jump arguments count bytes. */
#define PEP669_JUMP_UNIT 1

/* The interpreter stores the stack pointer in the frame around trace
 * calls. */
#define PEP669_STACK_TOP(f) ((f)->f_stacktop)

/* maybe_call_line_trace(): line-table entry starts and backward jumps only */
#define PEP669_FORWARD_JUMP_LINES 0
/* maybe_call_line_trace(): after 'line', 'opcode' is called too when
 * f_trace_opcodes is set, whatever 'line' returned. */
#define PEP669_OPCODE_AFTER_FAILED_LINE 1

/* Line probes: the line table PyCode_New takes, the last instruction
 * written back (bytes), and whether the evaluator read f_code before the
 * run's 'call' event. */
#define PEP669_CODE_LINETABLE(co) ((co)->co_lnotab)
#define PEP669_SET_LASTI(f, off) ((f)->f_lasti = (off))
#define PEP669_CODE_READ_BEFORE_CALL 0

#include "backend_pyframe.h"
/* 3.8's hook takes no thread state and has no public accessors. */
#define PEP669_HOOK_CUSTOM
#define PEP669_HOOK_FRAME PyFrameObject
#define PEP669_HOOK_PREV(ts, f, throwflag) prev_eval((f), (throwflag))
static PyObject *eval_hook(PyFrameObject *f, int throwflag);
static _PyFrameEvalFunction get_eval(void);
static void set_eval(_PyFrameEvalFunction func);
#include "backend_hook.h"


static PyObject *
eval_hook(PyFrameObject *f, int throwflag)
{
    return eval_hook_run(PyThreadState_GET(), f, throwflag);
}

static _PyFrameEvalFunction
get_eval(void)
{
    return PyThreadState_GET()->interp->eval_frame;
}

static void
set_eval(_PyFrameEvalFunction func)
{
    PyThreadState_GET()->interp->eval_frame = func;
}

