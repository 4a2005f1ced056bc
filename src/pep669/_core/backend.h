/* The backend interface: everything that touches interpreter internals.
 * One implementation per CPython version (backend/py3X.c with the
 * templates it includes, backend/README.md; the only files that test
 * PY_VERSION_HEX or include internal headers); the core calls only these.
 *
 * Sections: the hook and callbacks; frames; the trace trampoline;
 * bytecode; clones (line and branch probes); call sites (call probes).
 * Offsets are in bytes of the running bytecode, -1 for none. */
#ifndef PEP669_BACKEND_H
#define PEP669_BACKEND_H

#include "compat.h"

/* ==== the hook and callbacks ==== */

/* Once, at module import. */
int pep669_backend_init(void);

/* Install (on != 0) or remove our PEP 523 eval-frame hook, chained to the
 * evaluator that was there before.  Idempotent.  If another hook was
 * installed on top of ours, ours stays in place but passes through. */
int pep669_backend_set_eval_hook(int on);
/* Whether ours is wanted and in the interpreter's slot. */
int pep669_backend_eval_hook_installed(void);
/* The same with what is wanted now: puts ours back on top if another
 * evaluator that had replaced it left (backend/hook.c.h). */
int pep669_backend_recheck_eval_hook(void);

/* Bracket every tool callback: while a callback runs on a thread, that
 * thread delivers no events (legacy trace and profile functions
 * included), like CPython's tstate->tracing. */
void pep669_backend_enter_callback(PyThreadState *ts);
void pep669_backend_leave_callback(PyThreadState *ts);
/* Non-zero while events are suppressed on this thread. */
int pep669_backend_suppressed(PyThreadState *ts);

/* ==== frames ==== */

/* The frame an eval-frame hook receives: PyFrameObject up to 3.10,
 * _PyInterpreterFrame on 3.11.  Opaque to the core. */
typedef struct Pep669Frame Pep669Frame;

/* What frame linking saved, to be restored by the unlink. */
typedef struct {
    void *current;
    void *instr;
    void *stack;   /* 3.8/3.9: the frame's f_stacktop; 3.10/3.11: the
                      top of its value stack, hidden (see below) */
    int state;     /* the frame's (or generator's) executing state */
    int agen;      /* (3.8-3.10) an async generator's ag_running_async */
    /* The frame's generator, coroutine or async generator (borrowed,
     * NULL: none), and the delegate of its `yield from`/`await` that the
     * link hid from close() and throw() (borrowed, NULL: none hidden). */
    void *gen;
    void *delegate;
    /* The frame's f_locals dict (borrowed, NULL: none) and its version:
     * a callback that changed it wrote to the frame's variables. */
    void *locals;
    uint64_t locals_tag;
} Pep669Link;

/* Run the frame with the evaluator we chained to. */
PyObject *pep669_backend_eval_prev(PyThreadState *ts, Pep669Frame *frame,
                                   int throwflag);
/* The code object the frame runs (a clone, while it runs one). */
PyCodeObject *pep669_backend_frame_code(Pep669Frame *frame);
/* Whether the suspended generator frame waits at a plain `yield`
 * outside every exception handler (not `yield from`/`await`, not an
 * async generator): 3.14's gen_close then clears it without running it
 * unless a tool has PY_UNWIND for its code. */
int pep669_backend_close_skips_frame(Pep669Frame *frame);
/* Which event the start of this run is: PEP669_EV_PY_START, PY_RESUME or
 * PY_THROW, with *offset in the running bytecode; -1 for a run that is
 * not an event (3.11's generator-creation run).  *fresh is set when the
 * frame has not run any instruction yet. */
int pep669_backend_frame_entry(PyThreadState *ts, Pep669Frame *frame,
                               int throwflag, int *offset, int *fresh);
/* Which event the end of this run is: PY_RETURN, PY_YIELD or PY_UNWIND
 * (result NULL), with *offset. */
int pep669_backend_frame_exit(PyThreadState *ts, Pep669Frame *frame,
                              PyObject *result, int *offset);
/* Make `frame` the thread's current frame for the duration of callbacks
 * (so that sys._getframe(1) in a callback is the monitored frame), and
 * an executing one, as 3.12 fires frame events from inside the frame's
 * run: frame.clear() refuses, its generator, coroutine or async
 * generator is running (send/throw/close refuse, gi_running is True).
 * What a callback wrote to frame.f_locals goes to the frame's variables
 * at the unlink (3.13, PEP 667), if the dict changed meanwhile. */
void pep669_backend_frame_link(PyThreadState *ts, Pep669Frame *frame,
                               Pep669Link *link);
void pep669_backend_frame_unlink(PyThreadState *ts, Pep669Frame *frame,
                                 Pep669Link *link);
/* The generator, coroutine or async generator whose frame `frame` (a
 * frame object) is; borrowed, NULL if none. */
PyObject *pep669_backend_frame_object_generator(PyObject *frame);
/* Add the frame to the traceback of the exception being raised (a
 * callback raised at an event of this frame after it stopped running). */
void pep669_backend_frame_add_traceback(PyThreadState *ts,
                                        Pep669Frame *frame);
/* Make the frame ready to be run with throwflag set, as generator.throw()
 * would run it: at entry (an entry event's callback raised, before the
 * frame ran) or after a yield (a PY_YIELD callback raised).  -1 if
 * impossible. */
int pep669_backend_frame_prepare_throw(PyThreadState *ts,
                                       Pep669Frame *frame, int at_entry);

/* The innermost running frame of the thread, or NULL. */
Pep669Frame *pep669_backend_current_frame(PyThreadState *ts);
/* The frame's caller, or NULL. */
Pep669Frame *pep669_backend_frame_back(Pep669Frame *frame);
/* Offset in bytes of the frame's last instruction (-1: none yet). */
int pep669_backend_frame_lasti(Pep669Frame *frame);
/* A frame object's frame, code and last instruction (bytes). */
Pep669Frame *pep669_backend_pyframe_frame(PyFrameObject *f);
PyCodeObject *pep669_backend_pyframe_code(PyFrameObject *f);
int pep669_backend_pyframe_lasti(PyFrameObject *f);
/* The line number of a frame object during a legacy 'line' event (the
 * interpreter has just set it). */
int pep669_backend_pyframe_line(PyFrameObject *f);
/* A frame object's f_locals dict and its version before callbacks run
 * at a trace event; after them, if the callbacks changed it (made it,
 * wrote to it), its values go to the frame's variables (3.13's
 * write-through f_locals, PEP 667), as pep669_backend_frame_unlink does
 * for the frame events. */
void pep669_backend_pyframe_locals_mark(PyFrameObject *f, void **dict,
                                        uint64_t *tag);
void pep669_backend_pyframe_locals_sync(PyFrameObject *f, void *dict,
                                        uint64_t tag);
/* The frame's variables with no value (3.12's f_lineno setter binds them
 * to None, with a RuntimeWarning, after a jump); `fill`: bound to None
 * now. */
int pep669_backend_pyframe_unbound(PyFrameObject *f, int fill);
/* The frame object of a frame if it has one (borrowed), or NULL. */
PyFrameObject *pep669_backend_frame_pyframe(Pep669Frame *frame);
/* The caller of a frame object (new reference), or NULL. */
PyFrameObject *pep669_backend_pyframe_back(PyFrameObject *f);
/* Frame object of the thread's current frame (borrowed, created on
 * demand), or NULL. */
PyFrameObject *pep669_backend_current_pyframe(PyThreadState *ts);
/* 3.8/3.9: the current frame's f_lineno field made its line again (with
 * f_trace set, f_lineno reads the field). */
void pep669_backend_sync_lineno(PyThreadState *ts);

/* Show the frame at the instruction at `offset` (its last instruction
 * and, where the interpreter keeps one for the trace call under way, its
 * line) while callbacks run for an event of that instruction, from a
 * trace call at another one; then put it back as it was. */
typedef struct {
    int lasti;
    int lineno;
    void *instr;
} Pep669FramePos;
void pep669_backend_frame_move(Pep669Frame *frame, int offset,
                               Pep669FramePos *saved);
void pep669_backend_frame_restore(Pep669Frame *frame,
                                  const Pep669FramePos *saved);

/* If the frame is executing an instruction that drives a generator or
 * coroutine from bytecode: 2 for a `for` loop's FOR_ITER, 1 for
 * YIELD_FROM / SEND, with its offset; else 0. */
int pep669_backend_frame_drives_generator(Pep669Frame *frame, int *offset);
/* Whether a suspended generator or coroutine frame (about to be resumed)
 * is suspended in a `yield from` / `await`: 1 with the offset of its
 * YIELD_FROM / SEND. */
int pep669_backend_frame_delegating(Pep669Frame *frame, int *offset);

/* Whether the frame, between two instructions, is inside one of its
 * exception handlers (where a re-raise can come).  `outside` is what
 * pep669_backend_handler_mark() gave while the frame was in none of them
 * (NULL for a generator's frame at a resumption): 3.11 has no block
 * stack, and tells by the thread's handled exception, which each handler
 * sets and its POP_EXCEPT puts back.  (Borrowed; NULL: none.) */
int pep669_backend_in_handler(Pep669Frame *frame, PyObject *outside);
PyObject *pep669_backend_handler_mark(PyThreadState *ts);
/* While EXCEPTION_HANDLED's callbacks run, sys.exc_info() is what it was
 * before the handler (3.11+ push the exception after the event): 3.8-3.10
 * have made `exc` the handled exception already, when the frame, traced,
 * is at its handler's start (the previous one is on its value stack,
 * under `exc`'s triple).  Returns 1 with the thread's triple in saved[]
 * (owned) and the previous one in its place, else 0 (3.11: always). */
int pep669_backend_handled_hide(PyThreadState *ts, Pep669Frame *frame,
                                PyObject *exc, PyObject *saved[3]);
/* (3.8-3.10) The handler the frame's unwinding enters next with nothing
 * before it (the innermost block a SETUP_FINALLY's: no handler's block
 * to unwind first, so the thread's handled exception stays what it is),
 * as the trace function is told of an exception: its offset; else -1
 * (3.11: always). */
int pep669_backend_handler_next(Pep669Frame *frame);
void pep669_backend_handled_unhide(PyThreadState *ts, PyObject *saved[3]);
/* While the LINE callbacks of a `with` statement's exit by an exception
 * run (3.9/3.10: at the handler's WITH_EXCEPT_START, which the frame
 * running on `ts` is about to execute, the exception this handler pushed
 * the thread's handled one), sys.exc_info() is the one from before, as
 * 3.11+ fire that LINE before the push.  Returns 1 with the thread's
 * triple in saved[] (owned: put back by pep669_backend_handled_unhide),
 * else 0 (3.8, 3.11: always). */
int pep669_backend_with_exit_hide(PyThreadState *ts, PyObject *saved[3]);

/* ==== the trace trampoline (line-level events) ====
 *
 * pep669_trace (legacy_events.c) is a Py_tracefunc.  It is the thread's
 * trace function only while a frame that needs it runs; the trace function
 * the thread had before (a sys.settrace user, a C tracer) stays its "legacy"
 * tracer, keeps its c_traceobj, and is forwarded every event. */

/* Is pep669_trace the thread's trace function? */
int pep669_backend_trace_active(PyThreadState *ts);
/* How: 0 (it is not), PEP669_TRACE_LIGHT or PEP669_TRACE_FULL. */
#define PEP669_TRACE_LIGHT 1
#define PEP669_TRACE_FULL 2
int pep669_backend_trace_mode(PyThreadState *ts);
/* The thread's trampoline state is exactly `mode` with nothing left over
 * (0: not installed; LIGHT: installed, no legacy tracer, tracing off, as
 * pep669_backend_trace_start left it). */
int pep669_backend_trace_clean(PyThreadState *ts, int mode);
/* Make it so (the current one becomes the legacy tracer).  FULL: tracing
 * on for the current evaluator run and the runs it starts (line, opcode,
 * call, return and exception events).  LIGHT: tracing off, so that only
 * the interpreter's exception reports reach it; with a legacy tracer
 * underneath (which needs everything) LIGHT is FULL. */
void pep669_backend_trace_start(PyThreadState *ts, int mode);
/* Called at every call boundary: repairs what a foreign PyEval_SetTrace()
 * did to the interpreter's count of trace functions while the trampoline
 * was installed LIGHT (uncounted). */
void pep669_backend_trace_check(PyThreadState *ts);
/* FULL, but for a frame about to run a clone, which needs only its first
 * event (see pep669_backend_code_read_before_call): 3.8/3.9 trace
 * instructions without the 'call' event. */
void pep669_backend_trace_window(PyThreadState *ts);
/* Give the thread back its legacy tracer (or none).  Does nothing if
 * pep669_trace is not installed (someone replaced it: theirs stays). */
void pep669_backend_trace_stop(PyThreadState *ts);
/* Is there a legacy tracer under pep669_trace? */
int pep669_backend_trace_has_legacy(void);
/* No trace or profile function but ours on the thread: its common
 * case (none at all) inline, a trace function's through the backend
 * (pep669_backend_thread_plain_traced: pep669_trace with no legacy
 * tracer under it). */
int pep669_backend_thread_plain_traced(PyThreadState *ts);
static inline int
pep669_backend_thread_plain(PyThreadState *ts)
{
    return ts->c_profilefunc == NULL &&
           (ts->c_tracefunc == NULL ||
            pep669_backend_thread_plain_traced(ts));
}
/* A legacy tracer (sys.settrace) on the thread, under pep669_trace or
 * not. */
int pep669_backend_thread_traced(PyThreadState *ts);
/* The same on any thread of ts's interpreter (3.12's tool 7 is the
 * interpreter's: sys_tracing_threads). */
int pep669_backend_interp_traced(PyThreadState *ts);
/* Forward a legacy event to the legacy tracer, if there is one. */
int pep669_backend_trace_forward(PyObject *obj, PyFrameObject *frame,
                                 int what, PyObject *arg);
/* 3.12's order (tools 7 and 6 before 0-5): the legacy tracer's and
 * profiler's 'call' for the run of the current frame about to start (it
 * is linked in), made here as the evaluator makes them: 1 if it makes
 * them (they were made: drop the evaluator's own, below), 0 if not, -1
 * with the exception of one of them (the profiler's is not made after a
 * tracer's exception; drop the evaluator's all the same).  `link`: the
 * frame's, whose f_locals they leave as the variables. */
int pep669_backend_legacy_entry(PyThreadState *ts, Pep669Link *link);
/* No trace or profile function at all on the thread (the fields are
 * the same in every version): nothing for the above to do. */
static inline int
pep669_backend_thread_bare(PyThreadState *ts)
{
    return ts->c_tracefunc == NULL && ts->c_profilefunc == NULL;
}
/* A profile function on the thread. */
static inline int
pep669_backend_thread_profiled(PyThreadState *ts)
{
    return ts->c_profilefunc != NULL;
}
/* The profiler's 'c_call' for the call about to be made in `f` (in its
 * trampoline's 'opcode' event at the call instruction), if the
 * interpreter reports one for `callable` (and `arg0`, NULL: no
 * argument): 1 if made (drop the interpreter's own), 0 if none, -1 with
 * the profiler's exception.  `make` 0: the report is not made, only the
 * interpreter's own is to be dropped (a profiler set by the call's own
 * CALL callbacks, which 3.12 gives no 'c_call': its tool 6 came after
 * the event began). */
int pep669_backend_legacy_c_call(PyThreadState *ts, PyFrameObject *f,
                                 PyObject *callable, PyObject *arg0,
                                 int make);
/* The profiler's 'c_return' (or, `raised`, 'c_exception') of a call the
 * interpreter did not trace, made outside any trace call in the current
 * frame (a call probe's call, whose CALL callbacks set the profiler:
 * 3.12's tool 6 gets the call's C_RETURN/C_RAISE); nothing for a
 * callable the interpreter would not report.  -1 with the profiler's
 * exception, which replaces the call's.  `raised` -1: the call's
 * 'c_call', before it (a call probe's call where the profiler arrived
 * outside any call of the frame: a property, a finalizer). */
int pep669_backend_legacy_c_after(PyThreadState *ts, PyObject *callable,
                                  PyObject *arg0, int raised);
/* The 'c_call' pep669 made in `f` (pep669_backend_legacy_c_call) is one
 * the interpreter did not make (its drop still waits): a method
 * descriptor called without positional arguments (3.8-3.11 report
 * nothing for it, 3.12 binds its first argument). */
int pep669_backend_legacy_c_unmade(PyThreadState *ts, PyFrameObject *f);
/* Whether the profiler's 'c_return' of the call just made in `f` (whose
 * 'c_call' pep669 made or dropped) raised: its exception is the call's
 * (3.12's tool 6 ends the C_RETURN callbacks, and no C_RAISE follows);
 * asked once, at the call's end (the watch of the profiler ends). */
int pep669_backend_legacy_c_failed(PyThreadState *ts, PyFrameObject *f);
/* The end of such a call (`raised`: by the current exception, always for
 * such a call): the drop ended, and the profiler's 'c_exception' that
 * 3.12 makes (its tool 6's C_RAISE); -1 with the profiler's exception,
 * which replaces the call's. */
int pep669_backend_legacy_c_end(PyThreadState *ts, PyFrameObject *f,
                                PyObject *callable, PyObject *arg0,
                                int raised);
/* The interpreter's next report of `what` (PyTrace_CALL, PyTrace_C_CALL)
 * in `f` to the legacy tracer and profiler is dropped: made already
 * (f NULL: no drop).  Other frames' events pass meanwhile; the first
 * event of `f` ends the drop.  Returns the frame of a 'call' drop still
 * waiting that this one replaced (to arm again once `f`'s run is over),
 * else NULL. */
void *pep669_backend_legacy_drop(PyThreadState *ts, PyFrameObject *f,
                                 int what);
/* Read and write the per-frame legacy filters (line events, opcode
 * events) as they are. */
void pep669_backend_pyframe_get_flags(PyFrameObject *f, int *lines,
                                      int *opcodes);
void pep669_backend_pyframe_put_flags(PyFrameObject *f, int lines,
                                      int opcodes);
/* The program's filters back on `f` (trampoline.h, flags_show), in one
 * call: a filter that is not pep669's (`cur_lines`, `cur_opcodes`: what
 * pep669 left there) the frame's own code changed, and it is the
 * program's (`*legacy_lines`, `*legacy_opcodes` take it); then the
 * program's written where they differ from pep669's. */
void pep669_backend_pyframe_show_flags(PyFrameObject *f, int cur_lines,
                                       int cur_opcodes, int *legacy_lines,
                                       int *legacy_opcodes);
/* Set them as pep669 needs them, a legacy tracer's own kept. */
void pep669_backend_pyframe_set_flags(PyFrameObject *f, int lines,
                                      int opcodes);
/* The frame object's f_trace (borrowed; NULL: none), and setting it. */
PyObject *pep669_backend_pyframe_trace(PyFrameObject *f);
void pep669_backend_pyframe_set_trace(PyFrameObject *f, PyObject *trace);

/* ==== bytecode ==== */

/* Number of code units (2-byte words) of the code's running bytecode:
 * offsets handed to callbacks are below 2 * this. */
Py_ssize_t pep669_backend_code_units(PyCodeObject *co);
/* Classify the instruction at *offset of the running bytecode (moving
 * *offset past EXTENDED_ARG prefixes): PEP669_EV_JUMP (unconditional
 * jump), PEP669_EV_BRANCH (conditional), or -1; *next receives the offset
 * of the instruction after it (the fall-through), *target the offset it
 * jumps to. */
int pep669_backend_jump_kind(PyCodeObject *co, int *offset, int *next,
                             int *target);
/* What else the instruction at `offset` (past EXTENDED_ARG prefixes) can
 * be: PEP669_INSTR_CALL where pep669_backend_call_at may find a call,
 * PEP669_INSTR_RERAISE where pep669_backend_reraise_at may find a
 * re-raise; 0 otherwise. */
#define PEP669_INSTR_CALL 1
#define PEP669_INSTR_RERAISE 2
/* (3.11) a backward jump to it reports no line (SEND) */
#define PEP669_INSTR_QUIET_BACK 4
/* (3.8) control comes back to the instruction after it by a jump from
 * elsewhere (CALL_FINALLY: END_FINALLY returns there) */
#define PEP669_INSTR_RETURN_POINT 8
/* the frame may leave one of its exception handlers by it, the exception
 * handled (POP_EXCEPT and the like) */
#define PEP669_INSTR_HANDLER_EXIT 16
/* (3.11) its jump is the normal flow, though no jump event reports it
 * (SEND, when the awaited object finished) */
#define PEP669_INSTR_FLOW_JUMP 32
/* a loop's FOR_ITER (a branch that 3.12+ never thread or reverse) */
#define PEP669_INSTR_FOR_ITER 64
int pep669_backend_instr_class(PyCodeObject *co, int offset);
/* How many instructions 3.13's compiler has where the instruction at
 * `offset` (past its prefixes) stands, when it sizes a block it may copy
 * into the place of a jump to it (lineflow_exit.c, pep669_jump_to_small_exit): 1, but
 * 3.11's PRECALL 0 (3.12+ have none), a LOAD_GLOBAL that pushes NULL 2
 * (3.13's LOAD_GLOBAL + PUSH_NULL there). */
int pep669_backend_copy_weight(PyCodeObject *co, int offset);
/* Where control can go from the instruction that starts at `offset`
 * (its first EXTENDED_ARG prefix, if any) inside the frame, exceptions
 * aside: *next the instruction after it (-1: it never goes on there:
 * unconditional jump, return, raise), *target the one it can jump to
 * (-1: none).  Returns the offset of the instruction itself (past its
 * prefixes), or -1 if the instruction is not known to go nowhere else. */
int pep669_backend_flow(PyCodeObject *co, int offset, int *next,
                        int *target);
/* The four above in one decoding, for the flow analysis's one pass over
 * the bytecode: of the instruction that starts at `offset` (its first
 * EXTENDED_ARG prefix, if any). */
typedef struct {
    int at;      /* the instruction itself (past its prefixes) */
    int after;   /* pep669_backend_next_instruction(co, at) */
    int kind;    /* pep669_backend_jump_kind's result */
    int cls;     /* pep669_backend_instr_class(co, at) */
    int known;   /* pep669_backend_flow's result is `at` (not -1) */
    int next;    /* and its *next, *target */
    int target;
} Pep669Step;
void pep669_backend_step(PyCodeObject *co, int offset, Pep669Step *step);
/* What the flow analysis's own decoding loop (lineflow.c, pass 1) reads
 * of each opcode byte as stored (3.11: its specialised forms too), one
 * load a unit: what pep669_backend_step says of the instruction, from
 * its fields (PEP669_DEC_*):
 *   at = its opcode's unit (past EXTENDED_ARG prefixes, PEP669_DEC_EXT,
 *        while a unit follows; arg = the prefixes' bytes and its own),
 *   after = (at + 1 + PEP669_DEC_CACHES(info)) units,
 *   next = after if after is in the code and not PEP669_DEC_STOPS, else -1,
 *   target = -1, or with PEP669_DEC_TARGET: after + arg * scale
 *        (PEP669_DEC_REL), after - arg * scale (PEP669_DEC_BACK) or
 *        arg * scale (bytes; scale: pep669_backend_decode_table's
 *        *scale),
 *   known = not PEP669_DEC_UNKNOWN, and target (if any) in the code,
 *   kind = PEP669_DEC_KIND(info), cls = PEP669_DEC_CLS(info). */
#define PEP669_DEC_EXT (1u << 8)
#define PEP669_DEC_STOPS (1u << 9)
#define PEP669_DEC_TARGET (1u << 10)
#define PEP669_DEC_REL (1u << 11)
#define PEP669_DEC_BACK (1u << 12)
#define PEP669_DEC_UNKNOWN (1u << 13)
#define PEP669_DEC_CLS(info) ((int)((info) & 255))
#define PEP669_DEC_KIND(info) ((int)(int8_t)(((info) >> 16) & 255))
#define PEP669_DEC_CACHES(info) ((int)((info) >> 24))
/* The table (256 entries), the code's units (*code, *units) and *scale. */
const uint32_t *pep669_backend_decode_table(PyCodeObject *co,
                                            const _Py_CODEUNIT **code,
                                            int *units, int *scale);
/* Exception handlers that are not among pep669_backend_flow()'s targets
 * (3.11's exception table): their offsets into handlers[0 .. max-1];
 * returns how many there are (which may exceed max). */
int pep669_backend_handlers(PyCodeObject *co, int *handlers, int max);
/* The line of every code unit (-1: none) into lines[0 .. units-1], and
 * which rule of legacy tracing reports a line when control arrives at an
 * instruction `to` from `from` (with line events on):
 *   PEP669_LINES_WINDOW (3.8/3.9)  to < from, or `to` starts a line
 *                                  (where the line differs from the
 *                                  unit before)
 *   PEP669_LINES_CHANGE (3.10+)    `to` has a line, and it differs from
 *                                  `from`'s, or to < from (unless `to`
 *                                  is PEP669_INSTR_QUIET_BACK) */
#define PEP669_LINES_WINDOW 0
#define PEP669_LINES_CHANGE 1
int pep669_backend_code_lines(PyCodeObject *co, int *lines);
/* The instruction after the one at `offset` (past inline caches). */
int pep669_backend_next_instruction(PyCodeObject *co, int offset);
/* Legacy tracing reports no line before this offset (3.11: the prefix and
 * the first RESUME). */
int pep669_backend_first_line_offset(PyCodeObject *co);
/* Does legacy tracing report a line where a forward jump lands in the
 * middle of another line's instructions?  (3.8/3.9: only at line-table
 * entries and backward jumps; 3.10+: whenever the line changes.) */
int pep669_backend_forward_jump_lines(void);

/* If the instruction at `offset` of the frame (stopped before it, in an
 * 'opcode' event) calls something: 1, with *call_offset the offset to
 * report (3.11: the CALL after PRECALL), *callable and *arg0 (borrowed;
 * *arg0 NULL when there is no argument) as 3.13 reports them.  0 when it
 * is not a call, or a CALL_FUNCTION_EX whose arguments it will refuse
 * (3.13 raises before its CALL event), -1 with an exception set.
 * *inlined: 3.12 would run the callee as a Python frame of the same
 * evaluator (a Python function, or a bound method of one that the call
 * unpacks): no C_RETURN / C_RAISE for it.  A CALL_FUNCTION_EX gets its
 * arguments made the tuple and dict the call would make anyway (-1 with
 * an exception if that fails). */
int pep669_backend_call_at(PyFrameObject *f, int offset, int *call_offset,
                           PyObject **callable, PyObject **arg0,
                           int *inlined);
/* If the instruction at `offset` of the frame (stopped before it, in an
 * 'opcode' event) re-raises an exception (bare raise, the end of a
 * finally / with / except cleanup, an async-for ending with another
 * exception than StopAsyncIteration): 1 and *exc (new reference).  *at:
 * where the frame stands once it raised (`offset`, or where 3.10/3.11's
 * RERAISE 1 puts it back: the instruction that raised into the
 * handler). */
int pep669_backend_reraise_at(PyFrameObject *f, int offset, PyObject **exc,
                              int *at);
/* Whether the instruction at `offset` of the frame's code is a bare
 * `raise` (RAISE_VARARGS 0), which the interpreter re-raises without
 * telling the trace function. */
int pep669_backend_bare_raise_at(Pep669Frame *frame, int offset);
/* Whether the interpreter keeps a cache for tracing `co`'s frames (3.11:
 * the line array `_co_linearray`, 2 or 4 bytes a code unit, which its
 * first trace call of a frame of the code makes and only the code's end
 * frees); `drop`: free it (a later trace call makes it again).  Always 0
 * before 3.11. */
int pep669_backend_code_trace_cache(PyCodeObject *co, int drop);
/* Whether RAISE is the only exception event a run of `co` can give: it
 * has no exception handler (so no EXCEPTION_HANDLED, no re-raise but
 * through a bare `raise`), no bare `raise`, no instruction that drives a
 * generator (whose StopIteration may be no RAISE), and is no generator
 * or coroutine.  A scan of the bytecode (codedata.h keeps the answer). */
int pep669_backend_code_exc_plain(PyCodeObject *co);
/* Whether a handler of `co` can run untraced once entered: every
 * re-raising instruction (bare `raise`, the end of a finally / except) is
 * outside every block of the frame, so its exception leaves the frame
 * (the frame's end gives its RERAISE: pep669_backend_reraised_at), and
 * no handler can be entered but by an exception the trace function is
 * told of; no `with` (whose exit re-raises from another offset), a
 * re-raise that puts another instruction back as the frame's last one
 * only at the end of a cleanup handler's straight run (which stays
 * traced: pep669_backend_handler_restores_lasti), not a generator or
 * coroutine.  3.8-3.10 (a flow of the block stack's
 * depth); 3.11: every such re-raise leaves the frame through cleanup
 * handlers only (pep669_backend_reraise_chain), which stay traced, 2 or
 * 0.  2: flat, with such cleanup handlers.  codedata.h
 * keeps the answer. */
int pep669_backend_code_exc_flat(PyCodeObject *co);
/* Whether the handler that starts at `offset` of flat code runs straight
 * to a re-raise that puts the raising instruction back as the frame's
 * last one (3.10's RERAISE 1, an `except ... as name` cleanup; 3.11's
 * cleanup handlers): such a handler stays traced (its re-raise is found
 * where it is). */
int pep669_backend_handler_restores_lasti(PyCodeObject *co, int offset);
/* Whether the frame, leaving with an exception whose last instruction is
 * at `offset`, left by re-raising it there (RERAISE, 3.8's END_FINALLY,
 * a bare `raise`). */
int pep669_backend_reraised_at(Pep669Frame *frame, int offset);
/* The cleanup handlers (3.11) that the exception re-raised at `offset`
 * (pep669_backend_reraised_at) went through before it left the frame,
 * the frame kept on `offset` (their RERAISE n puts it back): each entered
 * (EXCEPTION_HANDLED at its first instruction) and left by its own
 * re-raise (RERAISE); in `steps`, up to `max` triples (handler, re-raise
 * offset, whether it popped the handled exception first: POP_EXCEPT).
 * Their count; 3.8-3.10: 0.  (offset - 1 for a handler at `offset`
 * whose EXCEPTION_HANDLED callback raised: 3.12 unwinds that exception
 * from the instruction before the handler.) */
int pep669_backend_reraise_chain(PyCodeObject *co, int offset, int *steps,
                                 int max);
/* While the callbacks of a RERAISE given at the frame's end run: the
 * thread's handled exception shows the exception being raised, as inside
 * the handler that re-raised it (`saved`, three slots, keeps what was
 * there for pep669_backend_handled_restore). */
void pep669_backend_handled_show(PyThreadState *ts, PyObject **saved);
void pep669_backend_handled_restore(PyThreadState *ts, PyObject **saved);
/* How many instructions, from `offset` (a handler's first instruction,
 * not run yet), must run before an exception can be raised there without
 * corrupting the thread's handled-exception state.  3.11: PUSH_EXC_INFO
 * (1) and a cleanup handler's COPY; POP_EXCEPT (2) must run first, or
 * the cleanup handler pops an exception state that was never pushed. */
int pep669_backend_handler_prologue(PyCodeObject *co, int offset);
/* Whether the instructions at offsets `a` and `b` are in the same
 * exception-handling region (3.8-3.10: always, their block stack is
 * instructions; 3.11: the same exception-table handler, or none). */
int pep669_backend_same_handler(PyCodeObject *co, int a, int b);

/* ==== clones: line and branch probes (3.8-3.10, 3.11 line probes; see
 * probe.c) ====
 *
 * A frame of code whose LINE locations are not all DISABLEd can run a
 * patched copy of the code (the "clone") instead of being traced: at each
 * location still wanted, a jump to a stub appended to the bytecode that
 * calls a probe object and jumps back. */

/* One patched site of a clone: the location itself, made a jump to its
 * stub (src -1), or a jump to the location (at src) made a jump to the
 * stub instead. */
typedef struct {
    int loc;          /* the location (bytes) */
    int src;          /* -1, or the jump's first byte (prefixes included) */
    int stub;         /* its stub: [stub, stub_end) (bytes, in the clone) */
    int stub_end;
    int at;           /* the bytes patched: [at, at + width) */
    int width;
    int patched;      /* the patch is in place */
    unsigned char saved[8];  /* the original bytes there */
    /* A call site (call probes): loc is the call instruction's opcode,
     * [at, at + width) the whole instruction (prefixes included), made a
     * jump to its stub; the probe makes the call there. */
    int call;
    int op, oparg, items;  /* the call instruction (filled in) */
    int with_exit;         /* it ends a `with` block (C_RETURN always) */
    /* Branch probes: a site of a line clone may stand for LINE at loc
     * (line), for an edge of the branch instruction at bsrc (past its
     * prefixes; -1: none) that arrives at loc, or both.  A branch's
     * fall-through edge is a site at its destination (src -1, a
     * destination that nothing else enters), its taken edge one at the
     * branch itself (src: its first byte), made to jump to the stub. */
    int line;
    int bsrc;
    /* A guard (line clones): 0, or 1 + the first byte of a branch with an
     * edge still wanted that no site above can take: a site at the start
     * of the straight run of its line that leads to it (loc, src -1)
     * whose probe retires the clone (the frame goes on traced there). */
    int guard;
    /* JUMP probes: a site on an unconditional jump (src: its first byte,
     * loc: its destination) also stands for the jump's JUMP event (0:
     * not). */
    int jump;
    /* (line clones) A site on an unconditional jump (src) that is also a
     * LINE location of its own: its probe fires LINE at src first, then
     * what the site stands for at loc (the jump's one successor), instead
     * of a site at src (src -1) on the same bytes (0: not). */
    int own;
    /* (own sites, and sites on an unconditional jump carrying the LINE
     * of its destination) 0, or 1 + the branch (bsrc's kind) whose edge
     * arrives at the jump (src): its events fire first (before the
     * jump's own LINE). */
    int obranch;
    /* (3.11 call sites) the stack's depth at the call, its items
     * included; the names of its keyword arguments (KW_NAMES' constant,
     * borrowed from the copy's constants), or NULL */
    int depth;
    PyObject *kwnames;
    /* (3.11) A site on a jump: the unit of the COMPARE_OP before it that
     * the specializer may fuse with the jump as it is patched (0: none). */
    int fused;
    /* (3.8-3.10 call sites) How many one-unit instructions after the call
     * the jump to the stub takes too, where the call's own bytes cannot
     * reach it (pep669_backend_call_site_after).  (3.11 sites on a
     * branch) 1: a wide site, whose jump to the stub takes the unit after
     * the branch (op, oparg: the instruction there, depth: the stack's
     * depth at the branch); its probe makes the branch's test and that
     * instruction (pep669_backend_branch_site_test). */
    int after;
    /* (sites on a jump, src, whose own bytes cannot reach the stub:
     * pep669_backend_jump_far; 3.11: 2 and 3 only, backend/py311_far.h,
     * and a jump a branch falls through to, site->after 2) 0; 1: the
     * patch takes the unit after
     * the jump too (EXTENDED_ARG; the jump), a unit nothing runs (the dead
     * JUMP_FORWARD after a `continue`'s jump); 2: it takes the one-unit
     * instruction before the jump, which the probe makes with the frame
     * there (pep669_backend_jump_site_before), and the stub goes on to
     * loc; 3: a location site (loc) whose patch starts at the one-unit
     * instruction before it (src: not a jump), which only that
     * instruction's fall-through leads to (pep669_backend_location_far):
     * its probe fires what arrives at src (own, obranch), makes the
     * instruction, then fires loc's events (made by the engine's
     * sites_merge_next, probe_walks.c); 4: a location site whose patch
     * starts at the one-unit branch before it (jumpfar.c.h): its probe
     * makes the branch's test, loc's events on the fall-through only;
     * with src (the branch, a LINE location too: sites_merge_next,
     * pep669_backend_location_far 2) it fires what arrives at the branch
     * (own, obranch) before the test (session 20). */
    int far;
    /* (3.8-3.10 sites on a jump) 0, or 1 + the jump whose edge alone
     * leads to the unconditional jump at src (an inner `for` loop's exit
     * onto the jump back to the outer loop's head): that jump is patched
     * to go to the stub instead (src is not run while it is). */
    int via;
    /* (line clones) A branch's fall-through edge at its destination (a
     * site at loc, src -1, bsrc the branch) that one jump enters too:
     * 0, or 1 + that jump's first byte, whose own site (vmark) marks the
     * frame's record as it passes, so that this site's probe fires the
     * edge only for an arrival unmarked (instead of a guard). */
    int fvia;
    /* (sites on a jump) 0, or 1 + the branch whose fall-through an `fvia`
     * site at loc watches: the probe marks the record (via_mark), and the
     * site stays patched while that edge is wanted. */
    int vmark;
    /* (line clones; set by pep669_backend_clone_code when it refuses, 3.11
     * only: 0 elsewhere) 1: the site it could not patch; 2: a site before
     * it whose patch or stub that failure may depend on (a patch near its
     * units, or any site where its stub's place decides).  The engine
     * builds no clone again while all of these stay as wanted as they were
     * (probe_refused.c). */
    int refused;
    /* (3.11 call sites: PRECALL/CALL with no prefix on the CALL, the jump
     * not over the CALL's unit) 0, or the byte of the stub's call in
     * place: its probe's truth test true, the stub goes on there
     * ([KW_NAMES;] a jump back to the CALL's own unit, which the evaluator
     * runs: pep669_backend_call_site_inloop). */
    int inloop;
} Pep669Site;

/* Handler probes (3.11; 3.8-3.10: none, pep669_backend_handler_probes
 * 0): a copy of `co` in which an exception reaches each handler at
 * `sites[i].loc` (pep669_backend_handler_sites: the handlers that start
 * with PUSH_EXC_INFO, at most `max`, in order; -1 if more) through a stub
 * that truth-tests probes[i] and goes on at the handler (stub, stub_end
 * filled in); new reference, or NULL (no exception) if it cannot be made.
 * pep669_backend_exc_handler_at: the handler of the instruction at
 * `offset`, or -1. */
/* Whether the evaluator running the current frame takes its tracing
 * dispatch (3.10/3.11: use_tracing of the current C frame; for tests). */
int pep669_backend_tracing_dispatch(PyThreadState *ts);
int pep669_backend_handler_probes(void);
/* The same as a constant: whether this build's backend can make handler
 * clones at all (3.11), so that the engine's exception paths of 3.8-3.10
 * test nothing of them (probe.h, pep669_clone_handlers). */
#define PEP669_HANDLER_CLONES (PY_VERSION_HEX >= 0x030B0000 && \
                               PY_VERSION_HEX < 0x030C0000)
int pep669_backend_handler_sites(PyCodeObject *co, int *locs, int max,
                                 int *size);
PyCodeObject *pep669_backend_clone_handlers(PyCodeObject *co,
                                            PyObject *probes,
                                            Pep669Site *sites, int n);
int pep669_backend_exc_handler_at(PyCodeObject *co, int offset);

/* (3.8-3.10 line clones) The entry stub: after the code, at offset
 * `start`, LOAD_CONST probe; POP_JUMP_IF_FALSE 0.  A fresh run on the
 * clone starts there (the hook sets the frame's last instruction before
 * it: pep669_backend_entry_start); the truth test, at offset `test`, puts
 * the frame's own code back in f_code (the evaluator has read the clone's
 * bytecode by then) and the frame before its first instruction (f_lasti
 * -1), and the stub jumps to the code's start (`resume`, 0), whose bytes
 * are the original's: a fresh run needs no trace call to leave the
 * clone's code (no window).  test 0: the clone has none (a generator's,
 * no room). */
typedef struct {
    int test;
    int resume;
    int start;
} Pep669Entry;

/* The current thread's innermost frame if its last instruction is at
 * `test` (a clone's entry stub's truth test, Pep669Entry), moved to the
 * last instruction before `resume` (none: f_lasti -1, when it is 0); else
 * NULL, nothing done. */
Pep669Frame *pep669_backend_entry_frame(int test, int resume);
/* The same for `frame` (a bare run's, trampoline.h): if its last
 * instruction is at `test`, it is moved as above and gets `own` as its
 * code (1); else 0, nothing done. */
int pep669_backend_entry_leave(Pep669Frame *frame, int test, int resume,
                               PyCodeObject *own);
/* A fresh frame gets `code` as its f_code and, as its last instruction,
 * the one before `start` (0: none, f_lasti -1): the start of a run on a
 * clone's entry stub, or its undoing before the stub ran. */
void pep669_backend_entry_start(Pep669Frame *frame, PyCodeObject *code,
                                int start);
/* After pep669_backend_entry_start(frame, own, 0) undid a run that ended
 * or raised before its entry stub ran (an exception of the eval
 * breaker's, before the first instruction): the newest traceback entry
 * of the exception being raised, if it is the frame's made there (last
 * instruction the one before `start`), gets the last instruction and the
 * line the frame has now, as natively (before its first instruction). */
void pep669_backend_entry_unwound(PyThreadState *ts, Pep669Frame *frame,
                                  int start);

/* Whether frames can run on clones now: the backend can (not 3.11), and
 * the evaluator under our eval-frame hook is the interpreter's own (an
 * evaluator of another tool's could do anything with the frame's code). */
int pep669_backend_probes_supported(void);
/* Build the clone of `co`: co_consts plus the tuple `probes` (line sites
 * call the first; call site i calls probes[i]), each site's stub
 * (calling probe, then jumping to the site's location) appended in the
 * order of sites[0 .. n-1] (n > 0), and each site patched (given loc and
 * src, the rest is filled in).  NULL with an exception on failure, NULL
 * without one when some site cannot be patched: no room on the value
 * stack for the probe at the location; a jump to a stub that needs more
 * prefixes than there is room for (at a location, a prefix takes the unit
 * after it, which nothing else may enter); two sites on the same bytes
 * (3.11: the sites that refusal depends on marked, Pep669Site.refused). */
PyCodeObject *pep669_backend_clone_code(PyCodeObject *co, PyObject *probes,
                                        Pep669Site *sites, int n,
                                        Pep669Entry *entry);
/* Why the last clone attempt was refused: a static string, set by the
 * backend's clone builder and probe.c's make_clone where they refuse
 * (kept with the refusal: `_probe_state`'s 'refusal', for tests and
 * tools; session 19).  Defined by the backend (decode.c.h). */
extern const char *pep669_clone_why;
/* (and where: the offset of the site or location refused, -1 if none) */
extern int pep669_clone_why_at;
#define PEP669_WHY(s) (pep669_clone_why = (s))
#define PEP669_WHY_AT(s, at) (pep669_clone_why_at = (at), PEP669_WHY(s))
/* The highest offset to which the jump whose first byte is at `src` can
 * be made to go in its own bytes (its prefixes as they are), or -1. */
int pep669_backend_jump_reach(PyCodeObject *co, int src);
/* (3.8-3.10) 1 if the unconditional one-unit jump at `src` can take a
 * unit beside it into its patch (Pep669Site.far) where its own bytes do
 * not reach a stub; 0 if not (3.11: never asked; its clone's layout
 * tries its far forms by itself, JUMP events' sites failing there). */
int pep669_backend_jump_far(PyCodeObject *co, int src);
/* 1 if a location site at `loc` must take a prefix in the unit after it
 * (a one-unit jump reaches no stub past the code) and can instead stand
 * with the site of the one-unit instruction after it, which its probe
 * can make and whose fall-through alone leads to the next (site->far 3);
 * (3.8-3.10) 2 if that is a one-unit POP_JUMP_IF_FALSE/_TRUE (far 4 with
 * src: the probe makes its test); 0 if not (3.11: py311_far.h, 0 or 1,
 * only where even the first stub is beyond a one-unit jump's reach). */
int pep669_backend_location_far(PyCodeObject *co, int loc);
/* A far site's probe (site->far 2 or 3), the frame in its stub (`top`:
 * the probe's slot in the value stack; 3.11: unused, the site's depth
 * says where the items are): the instruction at site->at, made with the
 * frame at it, its items left as the stub pops them.  1: made (the stub
 * goes on to loc), 0: the site is not patched any more and not `anyway`
 * (the stub goes back to the instruction, its items as they were), -1
 * with an exception (raised at the instruction).  (3.11, session 20: a
 * far-3 site at a conditional branch, py311_fartest.h: its test; 2 where
 * it jumps, the stub going on at its target, loc's events not due.) */
int pep669_backend_jump_site_before(Pep669Frame *frame,
                                    const Pep669Site *site, PyObject **top,
                                    int anyway);
/* A wide site's probe (site->after, 3.11 sites on a branch), the frame
 * in its stub: the branch's test, made with the frame at the branch, and
 * where the edge is not taken the instruction after it.  1: taken (the
 * probe fires the edge), 0: not, -1 with an exception.  (after 2: a far
 * site on the jump the branch falls through to, py311_far.h: 1 where it
 * falls through, the probe firing the site's events, 0 where it jumps
 * or the frame is traced, the site then unpatched; after 3, session 19:
 * a taken edge whose patch takes the COMPARE_OP before it: comparison
 * and test made, 1 where it jumps, else 0 and the site unpatched.) */
int pep669_backend_branch_site_test(Pep669Frame *frame,
                                    Pep669Site *site);
/* Put the original bytes back at a site of a clone (built by the above,
 * only ever run by frames of ours, so its bytes are ours to change). */
void pep669_backend_clone_unpatch(PyCodeObject *clone, Pep669Site *site);
/* The code object the frame's next evaluator run (or resumption) takes
 * its bytecode from: f_code, which the evaluator reads once per run. */
void pep669_backend_frame_set_code(Pep669Frame *frame, PyCodeObject *co);
/* Set the frame's last instruction (bytes). */
void pep669_backend_frame_set_lasti(Pep669Frame *frame, int offset);
/* The frame ran untraced and goes on traced at `offset`: what legacy line
 * tracing keeps between two events must agree (3.8/3.9: the line of the
 * line-table window the evaluator may still be in is f_lineno). */
void pep669_backend_frame_resync(Pep669Frame *frame, int offset);
/* Whether a frame runs its clone for the whole evaluator run (3.11: the
 * evaluator takes offsets, handlers and constants from f_code at every
 * step, so f_code stays the clone until the run ends and prev_instr
 * points into it; pep669_backend_frame_set_code moves prev_instr along),
 * rather than for the window until its first trace event (3.8-3.10). */
int pep669_backend_clone_for_run(void);
/* The code object a clone stands for (a frame running it shows it as its
 * f_code: the API takes it for its original), or `co` itself. */
PyCodeObject *pep669_backend_own_code(PyCodeObject *co);
/* What frame.f_code's getter gives (`co`: owned, or NULL with an
 * exception), a clone made the code it stands for (the backends' wrapped
 * getters). */
static inline PyObject *
pep669_backend_own_code_ref(PyObject *co)
{
    if (co != NULL && PyCode_Check(co)) {
        PyCodeObject *own = pep669_backend_own_code((PyCodeObject *)co);
        if ((PyObject *)own != co) {
            Py_INCREF(own);
            Py_DECREF(co);
            return (PyObject *)own;
        }
    }
    return co;
}
/* Whether the evaluator has read the frame's code before it reports the
 * run's 'call' event (3.10), so that the original can be put back there;
 * else (3.8/3.9) only at the first event after it. */
int pep669_backend_code_read_before_call(void);
/* Whether the interpreter's f_lineno setter `set` would move the frame
 * (running a line probe's call at a location) to `value`: the offset it
 * would move it to, or -1 with its exception; the frame is left as it is
 * (3.8-3.10). */
int pep669_backend_jump_check(PyFrameObject *f, PyObject *value, setter set,
                              void *closure);

/* ==== call sites: call probes (3.8-3.11) ====
 *
 * A site's stub is LOAD_CONST probe; CALL_FUNCTION 0 (3.11: a truth test
 * of the probe, POP_JUMP_FORWARD_IF_TRUE, backend/py311_calls.h); then
 * pops back to the stack the call instruction leaves, and a jump to the
 * instruction after it.  The probe makes the call itself, with the frame's last
 * instruction the call's (tracebacks, f_lineno seen by the callee, a
 * callback's exception): the stub needs one more stack slot than the
 * call, which the clone's co_stacksize has and which the original gets
 * too (new frames of it are made that large); frames made before run
 * without the clone (pep669_backend_frame_fits). */

/* Whether the frame's value stack can hold the clone's (if not, the
 * code's next frames will). */
int pep669_backend_frame_fits(Pep669Frame *frame, PyCodeObject *clone);
/* The call of a call site, its stack's top at `top` (the stub's, below
 * the probe): as pep669_backend_call_at (0: arguments that the call will
 * refuse, no CALL event). */
int pep669_backend_call_site_read(const Pep669Site *site, PyObject **top,
                                  PyObject **callable, PyObject **arg0,
                                  int *inlined);
/* Make the call of the site (new reference, or NULL with an exception),
 * as the instruction would. */
PyObject *pep669_backend_call_site_run(const Pep669Site *site,
                                       PyObject **top);
/* Leave the stack as the stub's pops expect, `res` (stolen) the call's
 * result: what the probe returns (new reference); NULL if res is. */
PyObject *pep669_backend_call_site_finish(const Pep669Site *site,
                                          PyObject **top, PyObject *res);
/* A site whose jump takes instructions after the call (site->after > 0;
 * 3.8-3.10), its call made (`out`, what finish returned): while the site
 * is patched, the probe makes those instructions too (POP_TOP,
 * STORE_FAST, a binary operation), the frame at each as the interpreter
 * would have it, and the stub goes on after them; once it is not, the
 * stub goes back to the first of them, in place.  What the probe
 * returns (out, stolen, or a new one), or NULL with an exception raised
 * at the instruction. */
PyObject *pep669_backend_call_site_after(Pep669Frame *frame,
                                         const Pep669Site *site,
                                         PyObject **top, PyObject *out);
/* (3.11, site->inloop) The call of the site left to the evaluator, the
 * frame at the CALL in place (the callee entered as 3.11 enters it, its
 * caller's last instruction the CALL: f_lasti, tracebacks): the bound
 * method in the callable's slot split as PRECALL would; what the probe
 * returns, Py_True (new reference), its truth sending the stub there.
 * (3.8-3.10: never asked.) */
PyObject *pep669_backend_call_site_inloop(const Pep669Site *site,
                                          PyObject **top);
/* (3.11, where a stub's probe is truth-tested and gets no stack) The
 * stack's top below the probe of `site`, whose stub the frame runs on
 * the copy `clone`, and the frame's last instruction there (*lasti);
 * NULL if it does not (3.8-3.10: always). */
PyObject **pep669_backend_call_site_top(Pep669Frame *frame,
                                        const Pep669Site *site,
                                        PyCodeObject *clone, int *lasti);

#endif
