/* Backend for CPython 3.9: PEP 523 through the public
 * _PyInterpreterState_{Get,Set}EvalFrameFunc (bpo-38500), f_lasti in
 * bytes, one use_tracing flag per thread. */
#define Py_BUILD_CORE 1
#include "engine_entry.h"
#include <frameobject.h>
/* interp->ceval.tracing_possible: the evaluator's per-instruction trace
 * gate counts trace functions per interpreter (internal struct). */
#include <internal/pycore_interp.h>

#if PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030A0000
#  error "backend_py39.c is for CPython 3.9"
#endif

static _PyFrameEvalFunction prev_eval = NULL;

static inline PyObject *
eval_prev(PyThreadState *ts, PyFrameObject *f, int throwflag)
{
    return prev_eval(ts, f, throwflag);
}

/* ceval.c: f_lasti is -1 before the first instruction; YIELD_VALUE and
 * YIELD_FROM leave f_stacktop set, a return leaves it NULL. */
#define PEP669_LASTI(f) ((f)->f_lasti)
#define PEP669_SUSPENDED(f) ((f)->f_stacktop != NULL)
#define PEP669_SET_USE_TRACING(ts, on) ((ts)->use_tracing = (on))
#define PEP669_USE_TRACING(ts) ((ts)->use_tracing)

#define PEP669_TRACING_POSSIBLE_ADD(ts, n) ((ts)->interp->ceval.tracing_possible += (n))

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
#define PEP669_HOOK_FRAME PyFrameObject
#include "backend_hook.h"

