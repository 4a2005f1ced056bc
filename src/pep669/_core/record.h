/* The record: what the engine knows of one run of one frame, and the
 * event masks the per-frame decision works with.  Data only (no code
 * beyond a field reset): the trampoline (trampoline.c) owns records, the
 * legacy-event translation (legacy_events.c), probe firing
 * (probe_fire.c), frame events (frames.c) and f_lineno's setter
 * (lineno.c) read and write them.  Version-independent. */
#ifndef PEP669_RECORD_H
#define PEP669_RECORD_H

#include "backend.h"
#include "wanted.h"
#include "check.h"

#define PEP669_CALL_EVENTS \
    (PEP669_BIT(CALL) | PEP669_BIT(C_RETURN) | PEP669_BIT(C_RAISE))
/* Events that need opcode tracing in the frame. */
#define PEP669_INSTR_EVENTS (PEP669_OPCODE_EVENTS | PEP669_CALL_EVENTS)
#define PEP669_EXC_EVENTS \
    (PEP669_BIT(RAISE) | PEP669_BIT(RERAISE) | \
     PEP669_BIT(EXCEPTION_HANDLED))
/* Not an event: in the masks the trampoline computes for a frame, "some
 * line-level events are wanted only behind exception handlers" (every
 * other location of theirs is DISABLEd): the frame needs them only once
 * it handles an exception, and is watched for exceptions until then. */
#define PEP669_HANDLER_EVENTS (1u << 30)
/* Events that need the trampoline in the frame. */
#define PEP669_TRACED_EVENTS \
    (PEP669_BIT(LINE) | PEP669_INSTR_EVENTS | PEP669_EXC_EVENTS)
#define PEP669_EXIT_EVENTS \
    (PEP669_BIT(PY_RETURN) | PEP669_BIT(PY_YIELD) | PEP669_BIT(PY_UNWIND))

struct Pep669Clone;

/* What the trampoline knows of one run of a frame.  Frames run through
 * the eval-frame hook have one (a heap block of the thread's record
 * cache, thread_state.h), linked per thread (pep669_thread.record_top;
 * a bare run's block, in pep669_thread.bare_top, becomes one when needed:
 * trampoline.h); the one
 * frame that runs traced without having come through the hook (it was
 * running when events were switched on) uses the thread's unhooked slot
 * instead.
 *
 * The fields are grouped by concern in anonymous structs (C11): the code
 * names a field as before (rec->last_line), the declaration says which
 * concern it belongs to. */
typedef struct Pep669Record {
    /* -- frame identity -- */
    struct {
        struct Pep669Record *prev;  /* the next record out (record_top) */
        Pep669Frame *frame;
        /* The eval-frame hook's own, from the frame's entry to its end
         * (frames.c: kept here, not in the hook's C frame): the code it
         * started with (borrowed: the frame holds it), the throwflag to
         * run it with, and whether it runs "quiet"
         * (pep669_trace_enter_quiet: 1; the frames path: 2; 3: a bare
         * run on a line clone, no record yet: pep669_trace_push_bare; 4:
         * a bare run of the frames path: pep669_frames_push_bare,
         * engine_entry.h; 5: a bare run on a call clone, 3.11:
         * pep669_trace_push_calls). */
        PyCodeObject *hook_code;
        int hook_throwflag;
        int hook_quiet;
        /* (hook_quiet 4) the block was pushed by the hook's quiet
         * resumption of a generator (hook.c.h, eval_hook_resume), not by
         * frames_start: _frame_mechanism's "resumed"; (hook_quiet 6) by
         * the hook itself from the code's stamp (frames_exc.c,
         * pep669_frame_eval_exc), not by the quiet path: "bare, stamped". */
        int hook_resumed;
        /* (3.11) an enclosing frame's legacy 'call' drop still waiting
         * when this run armed its own (a signal handler run at that
         * frame's RESUME): armed again at the run's end
         * (pep669_backend_legacy_drop). */
        void *hook_drop;
        PyCodeObject *code;
        Pep669CodeData *cd;  /* the code's data, once it has some */
        int was_traced;      /* the trampoline was active when it started */
        /* (unhooked slot) the frame wants nothing itself: it is traced
         * only to learn when it returns into a caller that wants
         * something. */
        int transit;
        /* (the quiet path) the registry's version when the run started */
        uint64_t quiet_entry;
        /* (a bare run, hook_quiet 3 to 6: trampoline.h) the innermost
         * record when the run started; `prev` links the bare runs
         * (pep669_thread.bare_top), not the records. */
        struct Pep669Record *below;
    };
    /* -- line and jump state -- */
    struct {
        int last_line;      /* line of the previous instruction, -1: none */
        int prev_offset;    /* previous instruction (opcode events), -1 */
        /* A callback moved the frame (f_lineno) at a JUMP or BRANCH
         * event: the destination's own events are off.  A callback of a
         * line probe's LINE asked for a move to `pending_line`, made at
         * the frame's next trace event (the location's line event, once
         * it runs traced).  `stub_back`: a call probe's frame went on
         * traced for a legacy tracer that arrived in the call: the stub's
         * jump back to the call's line is no line of the frame's (and,
         * 3.8/3.9, a jump site's frame that went on traced for a
         * restart: its jump back to the middle of a line). */
        char moved, pending, stub_back;
        long pending_line;
        /* While JUMP/BRANCH callbacks run: where the frame really is
         * (they see it at the jump, `jump_src`). */
        Pep669FramePos *jump_pos;
        int jump_src;
        /* prev_offset was set by restart_events() (frames_update.c,
         * restart_in_flight): the branch the frame was suspended in, in a
         * call, while its edges were untracked; `restart_drop` the
         * destination whose edge was DISABLEd before the restart (-1:
         * none), which 3.12+ do not report (the instruction ran
         * uninstrumented). */
        char restart_jump;
        int restart_drop;
        /* Jump events are the only reason for opcode events: line events
         * are on, and each decides whether the instructions up to the
         * next one need opcode events (pep669_code_region). */
        int region;
    };
    /* -- the call under way (after its CALL event), for C_RETURN/C_RAISE:
     * the instruction's extent and what CALL reported (owned) -- */
    struct {
        int call_offset, call_end;
        PyObject *call_callable, *call_arg0;
        uint8_t call_tools;   /* the tools its CALL event went to */
        /* No profiler when the call began (after its CALL callbacks):
         * the interpreter makes no 'c_return' for it; one set during the
         * call gets it from end_call, as 3.12's tool 6 its C_RETURN.
         * 2 added: kept for that profiler only, its first argument not
         * held (call_arg0 MISSING): no tool gets its end. */
        uint8_t call_unprofiled;
    };
    /* -- exception state -- */
    struct {
        /* The frame saw one (opcode events then look for re-raises), the
         * one whose handler is next (owned), and the instruction where
         * the interpreter will report an artificial StopIteration already
         * given as STOP_ITERATION. */
        int exc_seen;
        PyObject *armed_exc;
        int armed_offset;   /* where armed_exc was raised (or came in) */
        /* While exc_seen: the frame ran an instruction that may have left
         * a handler (its next opcode event asks whether it is inside one
         * still; if not, the frame stops looking for re-raises), and the
         * thread's handled exception before the frame's first handler (a
         * reference; see pep669_backend_in_handler). */
        int exit_check;
        PyObject *outside;
        int outside_ambiguous;  /* a handler took that very exception */
        int stop_offset;
        /* An EXCEPTION_HANDLED callback's exception, raised once the
         * handler's prologue has run (see
         * pep669_backend_handler_prologue). */
        PyObject *deferred_type, *deferred_value, *deferred_tb;
        int deferred_count;
        /* The exception being raised now came from an EXCEPTION_HANDLED
         * or RERAISE callback: 3.12 gives it no RAISE. */
        int callback_raised;
        /* The last re-raise seen (opcode events), until the next
         * exception: where the frame unwinds from, when it does
         * (3.10/3.11 put the first raising instruction back as the
         * frame's last one). */
        int last_reraise;
        /* PEP669_HANDLER_EVENTS: the frame saw an exception; the events
         * behind handlers are on for the rest of its run. */
        int handler_armed;
        /* A throw into the frame's `yield from` / `await` whose LINE
         * (frames.c, delegate_thrown) waits for the RAISE it follows in
         * 3.13: the offset, or -1. */
        int delegate_line;
        /* The frame runs a handler untraced since its entry (the code is
         * "flat": pep669_backend_code_exc_flat): until its next
         * exception, a re-raise can only leave the frame, and the frame's
         * end gives its RERAISE (legacy_exceptions.c, frame_end_reraise). */
        int handler_untraced;
        /* A handler probe's EXCEPTION_HANDLED is under way (the probe
         * switches the tracing dispatch off itself), the handler found
         * able to run untraced at the registry's probe_version. */
        int probing;
        uint64_t probe_version;
    };
    /* -- the frame object's filters (flags) --
     * f_trace_lines and f_trace_opcodes as the program and its tools set
     * them (what Python code reads, what a legacy tracer chose), and
     * pep669's own filters.  While `engaged`, the frame object holds
     * pep669's (with the program's added when a legacy tracer is set):
     * the interpreter reads them before each instruction, and the
     * frame's two attributes read and write the program's here
     * (trampoline_flags.c).  A callee's start and the legacy tracer put
     * the program's back into the frame object first (flags_show). */
    struct {
        int legacy_lines, legacy_opcodes;
        char eng_lines, eng_opcodes, engaged;
        char cur_lines, cur_opcodes;  /* what the frame object holds then */
        /* The registry's version when the frame object's filters were
         * last set (0: not yet). */
        uint64_t flags_version;
    };
    /* -- caches stamped with the registry's version -- */
    struct {
        /* While the registry's version is quiet_version and nothing is
         * pending in the frame: an opcode event at a unit whose
         * quiet_units entry has no bit of quiet_look starts nothing
         * (NULL: unknown). */
        const uint8_t *quiet_units;
        Py_ssize_t quiet_nunits;
        uint64_t quiet_version;
        uint8_t quiet_look;
        /* While the registry's version is quiet_line_version and nothing
         * is pending: LINE is wanted plainly (no region mode), so a line
         * event fires only if its line is new and some tool wants it
         * there. */
        uint64_t quiet_line_version;
        int quiet_lines;
        /* The code's events as the trampoline sees them (code_events),
         * valid while the registry's version is events_version and, for
         * line-level events, the code's "all disabled" cache holds
         * (events_epoch: its done_epoch then). */
        uint32_t events_cached;
        uint64_t events_version;
        uint32_t events_epoch;
    };
    /* -- clone and probe state -- */
    struct {
        /* Line probes (probe.c): the clone this run of the frame executes
         * (a reference), whether the frame's f_code is the clone still
         * (until its first event: the evaluator has read it by then), and
         * whether its probes stood in for LINE when the frame's state was
         * last set. */
        struct Pep669Clone *clone;
        int window;
        /* (3.8-3.10) A fresh run on a line clone with an entry stub:
         * f_code is the clone until the stub's truth test of the probe
         * puts the frame's own code back (probe_entries.c), the
         * first thing the frame does; no trace call (no window). */
        int entry;
        int line_covered;
        /* (while line_covered) the events its probes stand in for */
        uint32_t covered_bits;
        /* Call probes: the clone's probes stand in for CALL, C_RETURN and
         * C_RAISE; f_code is the clone still (no window: put back by the
         * frame's first probe or trampoline event, or when the run
         * ends). */
        int calls_covered;
        int swapped;
        /* 0, or 1 + the first byte of the jump whose site (vmark) the
         * frame just passed on its way to that jump's destination, for
         * the `via` site there (probe_fire.c) */
        int via_mark;
    };
} Pep669Record;

/* The call under way is over (its C_RETURN/C_RAISE given, or none). */
static inline void
pep669_record_forget_call(Pep669Record *rec)
{
    rec->call_offset = -1;
    Py_CLEAR(rec->call_callable);
    Py_CLEAR(rec->call_arg0);
}

#endif
