/* Backend for CPython 3.9: PEP 523 through the public
 * _PyInterpreterState_{Get,Set}EvalFrameFunc (bpo-38500), f_lasti in
 * bytes, one use_tracing flag per thread.  The version's facts, then the
 * templates (backend/README.md). */
#define Py_BUILD_CORE 1
#include "engine_entry.h"
#include <frameobject.h>
#include <opcode.h>
/* interp->ceval.tracing_possible: the evaluator's per-instruction trace
 * gate counts trace functions per interpreter (internal struct). */
#include <internal/pycore_interp.h>

#if PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030A0000
#  error "backend/py39.c is for CPython 3.9"
#endif

#define PEP669_HOOK_FRAME PyFrameObject
#define PEP669_HOOK_TSTATE 1
/* (no clones at the hook: a frame runs its own code) */
#define PEP669_HOOK_OWN(co) ((void)(co), 1)
/* (call runs are 3.11's) */
#define PEP669_HOOK_SIZED(ts, frame, co) ((void)(ts), 1)
/* a generator's resumption; suspended after a run (the frame's
 * exit event PY_YIELD) */
#define PEP669_HOOK_RESUMED(frame) \
    ((frame)->f_lasti >= 0)
#define PEP669_HOOK_YIELDED(frame) \
    ((frame)->f_stacktop != NULL)
/* a run that only makes a generator (none here: a generator function's
 * call makes no run of its frame) */
#define PEP669_HOOK_CREATES(frame) ((void)(frame), 0)
#define PEP669_GET_EVAL() \
    _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get())
#define PEP669_SET_EVAL(func) \
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), (func))

/* ceval.c: f_lasti is -1 before the first instruction; YIELD_VALUE and
 * YIELD_FROM leave f_stacktop set, a return leaves it NULL. */
#define PEP669_LASTI(f) ((f)->f_lasti)
#define PEP669_SET_LASTI(f, off) ((f)->f_lasti = (off))
#define PEP669_SUSPENDED(f) ((f)->f_stacktop != NULL)
#define PEP669_SET_USE_TRACING(ts, on) ((ts)->use_tracing = (on))
#define PEP669_USE_TRACING(ts) ((ts)->use_tracing)

#define PEP669_TRACING_POSSIBLE_ADD(ts, n) \
    ((ts)->interp->ceval.tracing_possible += (n))

/* The interpreter stores the stack pointer in the frame around trace
 * calls. */
#define PEP669_STACK_TOP(f) ((f)->f_stacktop)

/* maybe_call_line_trace(): line-table entry starts and backward jumps
 * only; after 'line', 'opcode' is called too when f_trace_opcodes is set,
 * whatever 'line' returned. */
#define PEP669_FORWARD_JUMP_LINES 0
#define PEP669_OPCODE_AFTER_FAILED_LINE 1
/* The per-instruction gate is tracing_possible, not use_tracing. */
#define PEP669_WINDOW_SKIPS_CALL 1
/* call_trace() sets f_lineno around a trace call (3.10+); 3.11's also
 * keeps the event in tstate->tracing_what. */
#define PEP669_CALL_TRACE_LINENO 0
#define PEP669_TRACING_WHAT 0
#define PEP669_PYFRAME_LOCALS(f) ((f)->f_locals)

/* Bytecode: co_code, no inline caches, jump arguments count bytes. */
#define PEP669_CODE(co) \
    ((const _Py_CODEUNIT *)PyBytes_AS_STRING((co)->co_code))
#define PEP669_CODE_UNITS(co) \
    ((size_t)PyBytes_GET_SIZE((co)->co_code) / sizeof(_Py_CODEUNIT))
#define PEP669_DEOPT(op) (op)
#define PEP669_CACHES(op) 0
#define PEP669_JUMP_UNIT 1

/* Clones: the line table PyCode_New takes; the evaluator reads f_code
 * only after the run's 'call' event. */
#define PEP669_CODE_LINETABLE(co) ((co)->co_lnotab)
#define PEP669_CODE_READ_BEFORE_CALL 0

#define PEP669_TRAMPOLINE_FRAME(f) ((Pep669Frame *)(f))
#define PEP669_TRAMPOLINE_LASTI(f) PEP669_LASTI(f)
/* (a clone is f_code only in its window, before any Python code of the
 * frame runs: nothing to show) */
#define PEP669_TRAMPOLINE_SHOW(frame) NULL
#define PEP669_TRAMPOLINE_UNSHOW(frame, shown) ((void)(shown))

#include "hook.c.h"
#include "trampoline.c.h"
#include "decode.c.h"
#include "calls.c.h"
#include "frame.c.h"
#include "bytecode.c.h"
#include "callsite.c.h"
#include "clone.c.h"
