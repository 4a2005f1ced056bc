/* Line-level events (LINE, INSTRUCTION, JUMP, BRANCH, BRANCH_LEFT,
 * BRANCH_RIGHT) from the trace trampoline, and the per-frame decision
 * "traced or full speed".  Version-independent. */
#ifndef PEP669_TRACE_H
#define PEP669_TRACE_H

#include "backend.h"
#include "registry.h"

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

/* What the trampoline knows of one run of a frame.  Frames run through
 * the eval-frame hook have one on the hook's C stack, linked per thread
 * (pep669_record_top); the one frame that runs traced without having come
 * through the hook (it was running when events were switched on) uses a
 * per-thread slot instead. */
typedef struct Pep669Record {
    struct Pep669Record *prev;
    Pep669Frame *frame;
    PyCodeObject *code;
    Pep669CodeData *cd;  /* the code's data, once it has some */
    int last_line;      /* line of the previous instruction, -1: none */
    int prev_offset;    /* previous instruction (opcode events), -1 */
    /* The call under way (after its CALL event), for C_RETURN/C_RAISE:
     * the instruction's extent and what CALL reported (owned). */
    int call_offset, call_end;
    PyObject *call_callable, *call_arg0;
    /* Exceptions: the frame saw one (opcode events then look for
     * re-raises), the one whose handler is next (owned), and the
     * instruction where the interpreter will report an artificial
     * StopIteration already given as STOP_ITERATION. */
    int exc_seen;
    PyObject *armed_exc;
    int armed_offset;   /* where armed_exc was raised (or came in) */
    /* While exc_seen: the frame ran an instruction that may have left a
     * handler (its next opcode event asks whether it is inside one still;
     * if not, the frame stops looking for re-raises), and the thread's
     * handled exception before the frame's first handler (a reference;
     * see pep669_backend_in_handler). */
    int exit_check;
    PyObject *outside;
    int outside_ambiguous;  /* a handler took that very exception */
    int stop_offset;
    /* An EXCEPTION_HANDLED callback's exception, raised once the
     * handler's prologue has run (see pep669_backend_handler_prologue). */
    PyObject *deferred_type, *deferred_value, *deferred_tb;
    int deferred_count;
    /* The exception being raised now came from an EXCEPTION_HANDLED or
     * RERAISE callback: 3.12 gives it no RAISE. */
    int callback_raised;
    /* The last re-raise seen (opcode events), until the next exception:
     * where the frame unwinds from, when it does (3.10/3.11 put the first
     * raising instruction back as the frame's last one). */
    int last_reraise;
    /* The frame object's f_trace_lines and f_trace_opcodes as the program
     * and its tools set them (what Python code reads, what a legacy tracer
     * chose), and pep669's own filters.  While `engaged`, the frame
     * object holds pep669's (with the program's added when a legacy
     * tracer is set): the interpreter reads them before each instruction.
     * Whenever Python code may look (a callback, a callee, the legacy
     * tracer), the program's are put back first (pep669_trace_show). */
    int legacy_lines, legacy_opcodes;
    char eng_lines, eng_opcodes, engaged;
    char cur_lines, cur_opcodes;    /* what the frame object holds then */
    /* A callback moved the frame (f_lineno) at a JUMP or BRANCH event:
     * the destination's own events are off.  A callback of a line probe's
     * LINE asked for a move to `pending_line`, made at the frame's next
     * trace event (the location's line event, once it runs traced). */
    char moved, pending;
    long pending_line;
    /* While JUMP/BRANCH callbacks run: where the frame really is (they see
     * it at the jump, `jump_src`). */
    Pep669FramePos *jump_pos;
    int jump_src;
    /* Jump events are the only reason for opcode events: line events are
     * on, and each decides whether the instructions up to the next one
     * need opcode events (pep669_code_region). */
    int region;
    /* PEP669_HANDLER_EVENTS: the frame saw an exception; the events
     * behind handlers are on for the rest of its run. */
    int handler_armed;
    /* While the registry's version is quiet_version and nothing is
     * pending in the frame: an opcode event at a unit whose quiet_units
     * entry has no bit of quiet_look starts nothing (NULL: unknown). */
    const uint8_t *quiet_units;
    Py_ssize_t quiet_nunits;
    uint64_t quiet_version;
    uint8_t quiet_look;
    /* While the registry's version is quiet_line_version and nothing is
     * pending: LINE is wanted plainly (no region mode), so a line event
     * fires only if its line is new and some tool wants it there. */
    uint64_t quiet_line_version;
    int quiet_lines;
    /* The registry's version when the frame object's filters were last
     * set (0: not yet). */
    uint64_t flags_version;
    /* The code's events as the trampoline sees them (code_events), valid
     * while the registry's version is events_version and, for line-level
     * events, the code's "all disabled" cache holds. */
    uint32_t events_cached;
    uint64_t events_version;
    uint32_t events_epoch;
    int was_traced;     /* the trampoline was active when it started */
    /* (unhooked slot) the frame wants nothing itself: it is traced only
     * to learn when it returns into a caller that wants something. */
    int transit;
    /* Line probes (probe.c): the clone this run of the frame executes
     * (a reference), whether the frame's f_code is the clone still (until
     * its first event: the evaluator has read it by then), and whether its
     * probes stood in for LINE when the frame's state was last set. */
    struct Pep669Clone *clone;
    int window;
    int line_covered;
    /* (while line_covered) the events its probes stand in for */
    uint32_t covered_bits;
    /* Call probes: the clone's probes stand in for CALL, C_RETURN and
     * C_RAISE; f_code is the clone still (no window: put back by the
     * frame's first probe or trampoline event, or when the run ends). */
    int calls_covered;
    int swapped;
    /* (the quiet path) the registry's version when the run started */
    uint64_t quiet_entry;
} Pep669Record;

Pep669Record *pep669_record_top(void);
/* (the same, for the backend's trampoline) */
extern PEP669_THREAD_LOCAL_FAST Pep669Record *pep669_record_top_var;

/* The common line event, the same way: -1 if pep669_trace must see it;
 * else 0, with *tools the tools to call (0: the line of the previous
 * one, or a location every tool DISABLEd; the line is then the last
 * one) and *forward as above. */
static inline int
pep669_trace_quiet_line(Pep669Frame *frame, int lasti, int line,
                        uint8_t *tools, int *forward)
{
    Pep669Record *rec = pep669_record_top_var;
    if (rec != NULL && rec->frame == frame && rec->quiet_lines &&
        rec->quiet_line_version == pep669_registry.version &&
        rec->prev_offset < 0 && rec->call_offset < 0 &&
        rec->armed_exc == NULL && rec->deferred_count == 0) {
        *tools = 0;
        *forward = rec->legacy_lines;
        if (line != rec->last_line && line >= 0 &&
            (lasti >> 1) < rec->cd->nunits) {
            Pep669CodeData *cd = rec->cd;
            *tools = cd->tools[PEP669_EV_LINE] &
                (uint8_t)~pep669_disabled_tools(cd, PEP669_EV_LINE, lasti);
            if (*tools == 0) {
                rec->last_line = line;
            }
        }
        return 0;
    }
    return -1;
}

/* Fire LINE (line, at lasti) to `tools` in the innermost frame run
 * through the hook, after pep669_trace_quiet_line; 0, or -1 with an
 * exception set. */
int pep669_trace_fire_line(PyFrameObject *frame, int lasti, int line,
                           uint8_t tools);

/* The 'call' and 'return' events of the innermost frame run through the
 * hook: nothing to do but forwarding, unless a 'call' event must set the
 * frame's filters (3.11 creates the frame object late; events changed). */
static inline int
pep669_trace_quiet_frame(Pep669Frame *frame, int what)
{
    Pep669Record *rec = pep669_record_top_var;
    if (rec == NULL || rec->frame != frame) {
        return 0;
    }
    if (what == PyTrace_RETURN) {
        return 1;
    }
    return !rec->window && rec->flags_version == pep669_registry.version &&
           rec->cd != NULL && rec->cd->done_known && !rec->exc_seen &&
           !rec->handler_armed && rec->deferred_count == 0;
}

/* The common opcode event, checked by the backend's trampoline before it
 * calls pep669_trace: the frame (the innermost one run through the hook)
 * has nothing pending and the instruction at `lasti` starts nothing its
 * events look for.  Then the event needs nothing but forwarding to the
 * legacy tracer, if it asked for opcode events (*forward). */
static inline int
pep669_trace_quiet(Pep669Frame *frame, int lasti, int *forward)
{
    Pep669Record *rec = pep669_record_top_var;
    if (rec != NULL && rec->frame == frame && rec->quiet_units != NULL &&
        rec->quiet_version == pep669_registry.version &&
        rec->prev_offset < 0 && rec->call_offset < 0 &&
        rec->armed_exc == NULL && rec->deferred_count == 0 &&
        lasti >= 0 && (lasti >> 1) < rec->quiet_nunits &&
        !(rec->quiet_units[lasti >> 1] & rec->quiet_look)) {
        *forward = rec->legacy_opcodes;
        return 1;
    }
    return 0;
}

/* Hook side: around one run of a frame (fresh: it has not run yet).
 * `cd` and `events` are what pep669_code_events gave for `co` while the
 * registry's version was `version` (the hook looked them up already). */
void pep669_trace_enter(PyThreadState *ts, Pep669Record *rec,
                        Pep669Frame *frame, PyCodeObject *co, int fresh,
                        Pep669CodeData *cd, uint32_t events,
                        uint64_t version);
/* After each evaluator run of it: the frame's own code is back (the run
 * ended before its first event: a RecursionError at entry). */
/* The frame's own code back in f_code if the clone is still there (the
 * evaluator read the clone's bytes when the run started). */
static inline void
pep669_trace_unswap_now(Pep669Record *rec)
{
    if (rec->swapped) {
        pep669_backend_frame_set_code(rec->frame, rec->code);
        rec->swapped = 0;
    }
}

/* (during the run: not where the clone stays for the whole run) */
static inline void
pep669_trace_unswap(Pep669Record *rec)
{
    if (!pep669_backend_clone_for_run()) {
        pep669_trace_unswap_now(rec);
    }
}

static inline void
pep669_trace_ran(PyThreadState *ts, Pep669Record *rec)
{
    pep669_trace_unswap_now(rec);
    if (rec->window) {
        pep669_backend_frame_set_code(rec->frame, rec->code);
        rec->window = 0;
        /* (the window's tracing state, which no trace call reset) */
        pep669_backend_trace_start(ts, PEP669_TRACE_FULL);
    }
}
/* Before the frame is run again (throwflag set: a PY_YIELD callback
 * raised): it runs its own code now. */
void pep669_trace_rerun(PyThreadState *ts, Pep669Record *rec);
void pep669_trace_leave(PyThreadState *ts, Pep669Record *rec);
/* The quiet path of the hook: a run of a frame (not a generator's,
 * throwflag off) whose code wants of the trampoline only CALL (on call
 * probes) and exception events, with the thread's trampoline already as
 * that needs it (not installed, or LIGHT).  1: its record is set up and
 * pushed, the frame ready to run (no frame events are wanted); 0: nothing
 * done, the general path (pep669_trace_enter) must run it.  `events` as
 * the hook computed them. */
int pep669_trace_enter_quiet(PyThreadState *ts, Pep669Record *rec,
                             Pep669Frame *frame, PyCodeObject *co,
                             Pep669CodeData *cd, uint32_t events);
/* After that run (pep669_trace_ran done, the frame returned a value): 1
 * if nothing happened that the frame or its caller must follow (the
 * record is popped); else 0, and the general exit must run. */
int pep669_trace_leave_quiet(PyThreadState *ts, Pep669Record *rec);

/* A probe of `cl` was called by its stub for `site`, in `frame` (the
 * thread's innermost): LINE there if a tool wants it, and the site
 * unpatched once none does.  0, or -1 with an exception (a callback's: the
 * frame raises at the location). */
int pep669_trace_probe(PyThreadState *ts, Pep669Frame *frame,
                       struct Pep669Clone *cl, Pep669Site *site);
/* A call probe of `cl` was called by its stub for `site`, the stack's top
 * (below the probe) at `top`: CALL, the call, C_RETURN or C_RAISE; what
 * the probe returns (see pep669_backend_call_site_finish). */
PyObject *pep669_trace_call_probe(PyThreadState *ts, Pep669Frame *frame,
                                  struct Pep669Clone *cl, Pep669Site *site,
                                  PyObject **top);

/* A generator or coroutine frame returned `retval`: STOP_ITERATION in
 * the frame that drives it from bytecode, if any.  -1 with an exception
 * if a callback raised. */
int pep669_trace_generator_returned(PyThreadState *ts, Pep669Record *rec,
                                    PyObject *retval);

/* After a registry change: the thread's running frame follows at once. */
void pep669_trace_refresh(PyThreadState *ts);

/* The event whose callbacks run on the thread, or -1 (what f_lineno's
 * setter asks, as 3.12's asks the thread state's what_event). */
extern PEP669_THREAD_LOCAL_FAST int pep669_trace_what_event;
/* Where the line-level event whose callbacks run came from, for
 * f_lineno's setter: a legacy trace call of the frame (the interpreter's
 * setter can move it), a line probe, the eval-frame hook, or none of them
 * (the C API, frame events). */
#define PEP669_ORIGIN_NONE 0
#define PEP669_ORIGIN_PROBE 1
#define PEP669_ORIGIN_HOOK 2
#define PEP669_ORIGIN_TRACE 3
extern PEP669_THREAD_LOCAL_FAST int pep669_trace_line_origin;

/* Callbacks are about to run on the thread: the frame objects of the
 * records that hold pep669's filters show the program's again; returns
 * what pep669_trace_unshow needs to put pep669's back afterwards. */
int pep669_trace_show(PyThreadState *ts);
void pep669_trace_unshow(PyThreadState *ts, int shown);
/* Forward a legacy event to the thread's legacy tracer, which sees the
 * frame's filters as it (or the program) set them. */
int pep669_trace_forward(PyObject *obj, PyFrameObject *frame, int what,
                         PyObject *arg);
/* A callback moved the frame (f_lineno set) to `lasti`: the frame's next
 * instruction; the line's LINE was given. */
void pep669_trace_frame_moved(PyFrameObject *frame, int lasti, int jump);
/* Module initialisation: f_lineno's setter. */
int pep669_trace_init(void);

/* The trampoline (a Py_tracefunc). */
int pep669_trace(PyObject *obj, PyFrameObject *frame, int what,
                 PyObject *arg);

#endif
