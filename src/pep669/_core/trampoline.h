/* The per-frame decision "traced or full speed" (trampoline.c): what the
 * hook calls around each run of a frame, and the helpers the legacy-event
 * translation (legacy_events.c), probe firing (probe_fire.c) and
 * f_lineno's setter (lineno.c) share with it.  Version-independent. */
#ifndef PEP669_TRAMPOLINE_H
#define PEP669_TRAMPOLINE_H

#include "engine_entry.h"
#include "probe.h"
#include "frame_access.h"
#include "dispatch.h"

/* ---- bare runs ---- */

/* A bare run: a fresh run of code whose events left (LINE, the branch
 * events, JUMP) all stand on its line clone's probes, the clone with an
 * entry stub (3.8-3.10), on a thread with no trace function, no profiler
 * and no record holding pep669's filters (the quiet path's conditions,
 * trampoline_quiet.c, enter_quiet_lines).  The hook swaps in the clone's
 * code and the run has no record: a block of the record cache holds only
 * what the run's end and a record made later need (frame, code, data,
 * clone, entry, the version and events at its start, the innermost record
 * then: `below`), linked by prev in pep669_thread.bare_top.  The entry
 * stub puts the frame's own code back (probe_entries.c); when
 * anything needs the frame's record (a probe firing, a callee's end that
 * is not quiet, a refresh, the trampoline's walks) it is made then, as
 * pep669_trace_enter_quiet would have made it at the start
 * (pep669_trace_bare_record, through pep669_hooked_record); the run's end
 * with nothing changed pops the block (frames.c, pep669_frame_end). */
static inline void
pep669_trace_push_bare(Pep669Record *rec, Pep669Frame *frame,
                       PyCodeObject *co, Pep669CodeData *cd,
                       Pep669Clone *cl, uint32_t events)
{
    rec->frame = frame;
    rec->code = co;
    rec->cd = cd;
    rec->clone = cl;
    pep669_clone_incref(cl);
    cl->quiet_runs++;
    cl->bare_runs++;
    rec->entry = 1;
    /* (a block of the record cache has window and swapped off:
     * record_released, frames.c) */
    rec->window = 0;
    rec->swapped = 0;
    rec->hook_quiet = 3;
    rec->quiet_entry = pep669_registry.version;
    rec->events_cached = events;
    rec->events_version = pep669_registry.version;
    rec->events_epoch = cd->done_epoch;
    rec->below = pep669_thread.record_top;
    rec->prev = pep669_thread.bare_top;
    pep669_thread.bare_top = rec;
    /* (the run starts at the entry stub) */
    pep669_backend_entry_start(frame, cl->code, cl->entry.start);
}

/* An exception bare run (hook_quiet 6, session 15): a fresh run of code
 * that wants exception events only (RAISE, RERAISE, EXCEPTION_HANDLED) and
 * runs no clone, on a thread whose trampoline is LIGHT already (the quiet
 * path's conditions, pep669_trace_enter_quiet).  Nothing of it needs a
 * record until its first trace event (the exception's, or any other the
 * trampoline gets for its frame) or a callee's end that is not quiet: the
 * block holds what the run's end and a record made later need, as the
 * frames path's (pep669_frames_push_bare), and the record is made on
 * demand (pep669_trace_bare_record, through pep669_hooked_record) as
 * pep669_trace_enter_quiet would have made it at the start.  The run's
 * end with nothing changed pops the block (frames.c, pep669_frame_end). */
static inline void
pep669_trace_push_exc_bare(Pep669Record *rec, Pep669Frame *frame,
                           PyCodeObject *co, Pep669CodeData *cd,
                           uint32_t events)
{
    /* (the frames path's block, engine_entry.h, with this run's mark) */
    pep669_frames_push_bare(rec, frame, co, cd, events, 0);
    rec->hook_quiet = 6;
}

/* The record of the bare run `b` (the innermost, no record above it): as
 * pep669_trace_enter_quiet would have made it at the run's start (its
 * entry stub run or not), pushed; the block leaves the bare runs.  A
 * bare run of the frames path (hook_quiet 4, engine_entry.h:
 * pep669_frames_push_bare) gets the record pep669_trace_push_frames would
 * have pushed (pep669_trace_frames_record); an exception bare run (hook_quiet
 * 6) the one pep669_trace_enter_quiet would have pushed. */
Pep669Record *pep669_trace_bare_record(Pep669Record *b);
Pep669Record *pep669_trace_frames_record(Pep669Record *b);
/* A call run's (3.11, hook_quiet 5: pep669_trace_push_calls): the record
 * the quiet path pushed for it before session 15 (below). */
static inline Pep669Record *pep669_trace_calls_record(Pep669Record *b);

/* After a stack switch, the entry of `frame` (the current frame) raised
 * to the top of its list (pep669_runs_raise), or NULL if it has none.  A
 * record raised gets the trampoline and the frame's filters its frame
 * needs, as pep669_trace_leave sets them for the caller at a callee's end
 * (which the switch replaced); a bare run's block gets no record.  Out of
 * line: the probes' misses call it too (probe_fire.c, probe_entries.c). */
Pep669Record *pep669_trace_raise(Pep669Frame *frame);

/* The record of `frame` if it is the innermost frame run through the
 * hook, else NULL; a bare run's is made now.  (After a stack switch the
 * current frame's entry may stand under another stack's: raised then,
 * thread_state.h.) */
static inline Pep669Record *
pep669_hooked_record(Pep669Frame *frame)
{
    Pep669Record *top = pep669_thread.record_top;
    if (top != NULL && top->frame == frame) {
        return top;
    }
    Pep669Record *b = pep669_thread.bare_top;
    if (PEP669_UNLIKELY(b != NULL) && b->frame == frame && b->below == top) {
        return b->hook_quiet == 5 ? pep669_trace_calls_record(b)
                                  : pep669_trace_bare_record(b);
    }
    if (PEP669_LIKELY(top == NULL && b == NULL) ||
        pep669_thread.unhooked.frame == frame ||
        (b = pep669_trace_raise(frame)) == NULL) {
        return NULL;
    }
    if (b == pep669_thread.record_top) {
        return b;
    }
    return b->hook_quiet == 5 ? pep669_trace_calls_record(b)
                              : pep669_trace_bare_record(b);
}

/* The end of a bare run (after pep669_trace_ran: the frame's own code is
 * back), that got no record: 1 if nothing happened that its caller must
 * follow (the block is popped, the clone let go); else 0, its record made,
 * and the end of a quiet run decides. */
static inline int
pep669_trace_leave_bare(PyThreadState *ts, Pep669Record *rec,
                        PyObject *result)
{
    /* (bare runs pair: the one ending is the innermost, records above it
     * popped) */
    PEP669_ASSERT(pep669_bare_innermost(rec) && !rec->entry);
    if (PEP669_LIKELY(result != NULL &&
                      rec->quiet_entry == pep669_registry.version &&
                      !rec->clone->retired && ts->c_tracefunc == NULL)) {
        pep669_bare_unlink(rec);
        Pep669Clone *cl = rec->clone;
        rec->clone = NULL;
        if (PEP669_LIKELY(cl->refs > 1)) {
            cl->refs--;
        }
        else {
            pep669_clone_decref(cl);
        }
        return 1;
    }
    (void)pep669_trace_bare_record(rec);
    return 0;
}

/* ---- around one run of a frame (frames.c) ---- */

/* Hook side: around one run of a frame (fresh: it has not run yet).
 * `cd` and `events` are what pep669_code_events gave for `co` while the
 * registry's version was `version` (the hook looked them up already). */
void pep669_trace_enter(PyThreadState *ts, Pep669Record *rec,
                        Pep669Frame *frame, PyCodeObject *co, int fresh,
                        Pep669CodeData *cd, uint32_t events,
                        uint64_t version);

/* The frame's own code back in f_code if the clone is still there (the
 * evaluator read the clone's bytes when the run started). */
static inline void
pep669_trace_unswap_now(Pep669Record *rec)
{
    if (rec->swapped) {
        /* (swapped on a call clone's run, or on a line clone's where the
         * clone stays for the whole run (3.11); never with a window) */
        PEP669_ASSERT(rec->clone != NULL && !rec->window &&
                      (rec->calls_covered ||
                       pep669_backend_clone_for_run()));
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

/* After each evaluator run of it: the frame's own code is back (the run
 * ended before its first event: a RecursionError at entry). */
static inline void
pep669_trace_ran(PyThreadState *ts, Pep669Record *rec)
{
    pep669_trace_unswap_now(rec);
    if (rec->entry) {
        /* (the run ended before its first instruction: a RecursionError,
         * or an exception of the eval breaker's at the start) */
        PEP669_ASSERT(rec->clone != NULL && !rec->window && !rec->swapped &&
                      pep669_backend_frame_code(rec->frame) ==
                          rec->clone->code);
        pep669_backend_entry_start(rec->frame, rec->code, 0);
        pep669_backend_entry_unwound(ts, rec->frame, rec->clone->entry.start);
        rec->entry = 0;
    }
    if (rec->window) {
        PEP669_ASSERT(rec->clone != NULL && !rec->swapped);
        pep669_backend_frame_set_code(rec->frame, rec->code);
        rec->window = 0;
        /* (the window's tracing state, which no trace call reset) */
        pep669_backend_trace_start(ts, PEP669_TRACE_FULL);
    }
}
/* Before the frame is run again (throwflag set: a PY_YIELD callback
 * raised): it runs its own code now. */
void pep669_trace_rerun(PyThreadState *ts, Pep669Record *rec);
/* A callee is about to start (the hook, outside any trace call): the
 * caller's record, if it holds the frame object's filters for nothing (a
 * frame that wants only exception events, past its handler), lets go of
 * them and the tracing dispatch is switched off, as the caller's quiet
 * run would have them, so that the callee can take the quiet path. */
void pep669_trace_release_caller(PyThreadState *ts);
/* After the run: the record is popped, the caller's state recomputed. */
void pep669_trace_leave(PyThreadState *ts, Pep669Record *rec);
/* The quiet path of the hook: a run of a frame (not a generator's,
 * throwflag off) whose code wants of the trampoline only CALL (on call
 * probes) and exception events, with the thread's trampoline already as
 * that needs it (not installed, or LIGHT).  1: its record is set up and
 * pushed, the frame ready to run (no frame events are wanted); 3: the
 * same as a bare run (pep669_trace_push_bare, a line clone's); 6: an
 * exception bare run (pep669_trace_push_exc_bare); 0: nothing
 * done, the general path (pep669_trace_enter) must run it.  `events` as
 * the hook computed them. */
int pep669_trace_enter_quiet(PyThreadState *ts, Pep669Record *rec,
                             Pep669Frame *frame, PyCodeObject *co,
                             Pep669CodeData *cd, uint32_t events);
/* The same for a run the hook's fast path found ready (codedata.h,
 * calls_ready; the thread without trampoline, legacy tracer or profiler,
 * as the hook checked; 3.11): 1, the frame on the call clone and the run
 * bare (session 15: hook_quiet 5, the block `rec` on
 * pep669_thread.bare_top; its call probes fire from the block, and the
 * record is made when anything else needs it,
 * pep669_trace_calls_record); 0: nothing done (the hook's general way
 * decides).  Inline: frames.c's pep669_frame_eval_calls is its one
 * caller. */
static inline int
pep669_trace_calls_ready(Pep669Frame *frame, Pep669CodeData *cd)
{
    /* (what the stamp holds: pep669_trace_enter_quiet's conditions of the
     * code, its version; the thread's, checked by the hook) */
    PEP669_ASSERT(cd->calls_ready == 1 &&
                  cd->version == pep669_registry.version &&
                  !(cd->events & ~PEP669_CALL_EVENTS) &&
                  (cd->events & PEP669_BIT(CALL)) &&
                  pep669_backend_thread_plain(PyThreadState_GET()) &&
                  pep669_backend_trace_clean(PyThreadState_GET(), 0));
    Pep669Clone *cl = cd->clone;
    Pep669Record *top = pep669_thread.record_top;
    /* (the frame fits the clone: the hook found it made with its code's
     * size, PEP669_HOOK_SIZED, which is no less than any clone's need) */
    PEP669_ASSERT(cl == NULL || pep669_backend_frame_fits(frame, cl->code));
    (void)frame;
    return !((top != NULL && top->engaged) ||
             pep669_thread.unhooked.engaged ||
             !pep669_clone_serves(cl, cd, 1));
}

static inline void
pep669_trace_push_calls(Pep669Record *rec, Pep669Frame *frame,
                        PyCodeObject *co, Pep669CodeData *cd)
{
    Pep669Clone *cl = cd->clone;
    pep669_clone_incref(cl);
    cl->calls_fast_runs++;
    cl->bare_runs++;
    /* The block holds what the run's end, the call probes and a record
     * made later need; the record is the one the quiet path would have
     * pushed here (pep669_trace_calls_record). */
    uint64_t version = pep669_registry.version;
    rec->frame = frame;
    rec->code = co;
    rec->cd = cd;
    rec->clone = cl;
    rec->hook_code = co;
    rec->hook_throwflag = 0;
    rec->hook_quiet = 5;
    rec->hook_drop = NULL;
    rec->quiet_entry = version;
    rec->events_cached = cd->events;
    rec->events_version = version;
    rec->events_epoch = cd->done_epoch;
    rec->below = pep669_thread.record_top;
    rec->prev = pep669_thread.bare_top;
    pep669_thread.bare_top = rec;
    /* (a block of the record cache has window and entry off:
     * record_released, frames.c) */
    pep669_backend_frame_set_code(frame, cl->code);
    rec->swapped = 1;
}
/* The frames path of the hook (frames.c): a run (throwflag off) of code
 * that wants of the hook only frame events, on a thread where the
 * trampoline is not installed (after pep669_backend_trace_check) and the
 * frames of the records showing pep669's filters hold none (nothing to
 * switch for this frame or its caller). */
static inline int
pep669_trace_frames_clean(PyThreadState *ts)
{
    Pep669Record *top = pep669_thread.record_top;
    return ts->c_tracefunc == NULL && (top == NULL || !top->engaged) &&
           !pep669_thread.unhooked.engaged;
}
/* Its record set up and pushed, as pep669_trace_enter leaves it when no
 * trampoline is wanted (`events`: the code's, done-masked, none of
 * PEP669_TRACED_EVENTS). */
void pep669_trace_push_frames(Pep669Record *rec, Pep669Frame *frame,
                              PyCodeObject *co, Pep669CodeData *cd,
                              uint32_t events);
/* After that run (pep669_trace_ran done, the frame returned a value): 1
 * if nothing happened that the frame or its caller must follow (the
 * event sets as when it started, no trampoline, nothing left in the
 * record; then it is popped); else 0, and pep669_trace_leave must run. */
static inline int
pep669_trace_leave_frames(PyThreadState *ts, Pep669Record *rec)
{
    if (rec->quiet_entry != pep669_registry.version ||
        ts->c_tracefunc != NULL || rec->exc_seen || rec->outside != NULL ||
        rec->armed_exc != NULL || rec->deferred_count > 0 ||
        rec->flags_version != 0 || rec->call_offset >= 0 ||
        rec->clone != NULL || rec->engaged) {
        return 0;
    }
    /* (records pair, where the stack is not switched: thread_state.h) */
    pep669_record_unlink(rec);
    return 1;
}

/* After that run (pep669_trace_ran done, the frame returned a value): 1
 * if nothing happened that the frame or its caller must follow (the
 * record is popped); else 0, and the general exit must run. */
int pep669_trace_leave_quiet(PyThreadState *ts, Pep669Record *rec);

/* ---- the frame flags while callbacks run (monitor_engine.c) ---- */

/* The frame type's f_trace_lines and f_trace_opcodes read and write the
 * program's values, in the record, while the frame object holds pep669's
 * filters (trampoline_flags.c): no callback needs them put back.  Module
 * initialisation. */
int pep669_trace_flags_init(void);
/* Around a loop of callbacks (monitor_engine.h's hooks, registered by
 * module init): the event whose callbacks run. */
void pep669_trace_callbacks_begin(PyThreadState *ts, int event, int *saved);
void pep669_trace_callbacks_end(PyThreadState *ts, const int *saved);

#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030B0000
/* (3.9/3.10, the bodies below) A `with` exit's LINE, the thread handling
 * an exception: 1 if the handled exception from before the handler was
 * put in place (pep669_backend_with_exit_hide; pep669_trace_exit_unhide
 * undoes it), else 0.  Out of line: rare. */
PEP669_NOINLINE int pep669_trace_exit_hide(PyThreadState *ts);
PEP669_NOINLINE void pep669_trace_exit_unhide(PyThreadState *ts);
#endif

/* Their bodies, inline where the event sources call a tool's callback
 * themselves (pep669_call_one, dispatch.h: frames.c's entry and exit
 * events). */
static inline void
pep669_trace_callbacks_begin_inline(PyThreadState *ts, int event, int *saved)
{
    saved[0] = pep669_thread.what_event;
    pep669_thread.what_event = event;
    PEP669_DEBUG_ONLY({
        int depth = pep669_thread.shown_depth++;
        if (depth < 8) {
            pep669_thread.shown_top[depth] = pep669_thread.record_top;
        }
    })
    /* (a frame object that holds pep669's filters keeps them: the
     * program's are read and written in its record, trampoline_flags.c) */
    saved[1] = 0;
#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030B0000
    /* A `with` exit's LINE sees the handled exception from before the
     * handler, as natively (backend.h).  Inline only the test that the
     * thread handles an exception at all (with none, no handler has
     * pushed one, and nothing is hidden): `event` is a constant where the
     * event sources inline this, and `ts` their thread state; the rest
     * out of line (trampoline.c), rare. */
    if (event == PEP669_EV_LINE) {
        _PyErr_StackItem *ei =
            (ts != NULL ? ts : PyThreadState_GET())->exc_info;
        if (PEP669_UNLIKELY(ei != NULL && ei->exc_type != NULL &&
                            ei->exc_type != Py_None)) {
            saved[1] = pep669_trace_exit_hide(ts);
        }
    }
#endif
#if PY_VERSION_HEX < 0x030A0000
    pep669_sync_lineno(ts != NULL ? ts : PyThreadState_GET());
#else
    (void)ts;
#endif
}

static inline void
pep669_trace_callbacks_end_inline(PyThreadState *ts, const int *saved)
{
    /* Nested loops (a callback that fires events through the C API) have
     * put back the event this loop set. */
    PEP669_ASSERT(pep669_thread.what_event >= 0 &&
                  pep669_thread.what_event < PEP669_EVENT_COUNT);
    /* (begin and end pair, around callbacks that leave the thread's
     * records as they found them) */
    PEP669_DEBUG_ONLY({
        int depth = --pep669_thread.shown_depth;
        PEP669_ASSERT(depth >= 0);
        PEP669_ASSERT(depth >= 8 || pep669_thread.shown_top[depth] ==
                                        pep669_thread.record_top);
    })
#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030B0000
    if (PEP669_UNLIKELY(saved[1])) {
        pep669_trace_exit_unhide(ts);
    }
#endif
    (void)ts;
    pep669_thread.what_event = saved[0];
}

/* LINE (code, line_obj) to `tools`, DISABLE at `offset`: one tool's
 * callback inline with the hooks' bodies above, the event a constant
 * there (session 19: through dispatch.c's hooks, the with-exit test of
 * 3.9/3.10 cost a delivered LINE 40 instructions, callgrind,
 * bench_lines count loop); two tools or more through dispatch.c.
 * `bracket` 0 inside a legacy trace call (events already suppressed). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
pep669_trace_call_line(PyThreadState *ts, uint8_t tools, PyCodeObject *co,
                       int offset, PyObject *line_obj, int bracket)
{
    if ((tools & (tools - 1)) == 0) {
        return pep669_call_one(ts, pep669_only_tool(tools), PEP669_EV_LINE,
                               co, offset, line_obj, NULL, bracket,
                               pep669_trace_callbacks_begin_inline,
                               pep669_trace_callbacks_end_inline);
    }
    return bracket
        ? pep669_call_tools(ts, tools, PEP669_EV_LINE, co, offset, line_obj)
        : pep669_call_line_traced(ts, tools, co, offset, line_obj);
}

/* ---- shared with legacy_events.c, probe_fire.c, lineno.c ---- */

PEP669_INTERNAL uint32_t less_probed_slow(Pep669Record *rec,
                                          Pep669CodeData *cd,
                                          uint32_t events);
PEP669_INTERNAL void forget_unhooked(void);
/* Events set inside a legacy tracer's own call (trampoline.c). */
PEP669_INTERNAL void pep669_trace_adopt_later(PyThreadState *ts);
PEP669_INTERNAL void flags_set(PyFrameObject *f, Pep669Record *rec,
                               uint32_t events);
PEP669_INTERNAL int adopt_unhooked(PyThreadState *ts, Pep669Frame *frame,
                                   PyFrameObject *f);
PEP669_INTERNAL void end_window(PyThreadState *ts, Pep669Record *rec,
                                PyFrameObject *frame);
PEP669_INTERNAL void follow_events(PyThreadState *ts, Pep669Record *rec,
                                   PyFrameObject *frame, int hooked);
/* (and with trampoline_quiet.c) */
PEP669_INTERNAL void init_record(Pep669Record *rec, Pep669Frame *frame,
                                 PyCodeObject *co, Pep669CodeData *cd);

static inline Pep669Record *
pep669_trace_calls_record(Pep669Record *b)
{
    /* (the innermost bare run, no record above it: trampoline.h) */
    PEP669_ASSERT(b->hook_quiet == 5 && pep669_bare_innermost(b) &&
                  b->clone != NULL &&
                  b->clone->calls == 1 && !b->window && !b->entry);
    Pep669Clone *cl = b->clone;
    int swapped = b->swapped;
    pep669_bare_unlink(b);
    /* (as pep669_trace_push_calls's push_quiet left it before session
     * 15: the events cached at the start stay, with their stamps) */
    init_record(b, b->frame, b->code, b->cd);
    b->was_traced = 0;
    b->last_line = -1;
    b->clone = cl;
    b->calls_covered = 1;
    b->swapped = swapped;
    b->hook_quiet = 1;
    cl->bare_records++;
    b->prev = pep669_thread.record_top;
    pep669_thread.record_top = b;
    return b;
}


/* Remember what code_events gave for the record's code. */
static inline void
cache_events(Pep669Record *rec, uint32_t events)
{
    rec->events_cached = events;
    rec->events_version = pep669_registry.version;
    rec->events_epoch = rec->cd != NULL ? rec->cd->done_epoch : 0;
}


/* The events of `events` (the code's) that the trampoline must look for:
 * line-level events whose every location is DISABLEd need nothing; those
 * left only behind exception handlers become PEP669_HANDLER_EVENTS. */
static inline uint32_t
events_to_watch(PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
{
    if (cd != NULL && (events & PEP669_LINE_LEVEL_EVENTS)) {
        events &= ~pep669_code_done(co, cd);
        uint32_t behind = events & cd->handler_only;
        if (behind) {
            events = (events & ~behind) | PEP669_HANDLER_EVENTS;
        }
    }
    return events;
}

/* The same for a run of the frame that saw an exception: the events
 * behind handlers are back (LINE too, where the frame's probes stood in
 * for it). */
static inline uint32_t
with_handler_events(Pep669Record *rec, uint32_t events)
{
    if ((events & PEP669_HANDLER_EVENTS) && rec != NULL &&
        rec->handler_armed && rec->cd != NULL) {
        events |= rec->cd->handler_only;
        if (rec->line_covered) {
            events |= rec->covered_bits;
        }
    }
    return events;
}

/* `events` less those the run's clone stands in for (the call events on
 * a call clone, LINE and the branch events on a line clone), while it
 * does (see less_probed_slow). */
static inline uint32_t
less_probed(Pep669Record *rec, Pep669CodeData *cd, uint32_t events)
{
    if (rec == NULL || rec->clone == NULL || cd == NULL) {
        return events;
    }
    return less_probed_slow(rec, cd, events);
}

/* The code's events as far as the trampoline is concerned. */
static inline uint32_t
code_events(PyCodeObject *co, Pep669CodeData **cdp)
{
    uint32_t events = pep669_code_events(co, cdp);
    return events_to_watch(co, *cdp, events);
}

/* The same, with the code data cached in the record (a code object keeps
 * its data for life once it has some). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline uint32_t
record_events(Pep669Record *rec, Pep669CodeData **cdp)
{
    if (rec->cd == NULL) {
        uint32_t events = code_events(rec->code, cdp);
        rec->cd = *cdp;
        return with_handler_events(rec, less_probed(rec, rec->cd, events));
    }
    *cdp = rec->cd;
    if (rec->cd->version != pep669_registry.version) {
        pep669_code_data_refresh(rec->cd);
        PEP669_ASSERT(rec->cd->version == pep669_registry.version);
    }
    return with_handler_events(
        rec, less_probed(rec, rec->cd,
                         events_to_watch(rec->code, rec->cd,
                                         rec->cd->events)));
}

/* Is `frame` the unhooked slot's frame?  Frames are reused at the same
 * address (3.11's frame stack, 3.8-3.10's free lists): a slot left behind
 * by a frame whose end the trampoline did not see (a foreign tracer had
 * replaced it) must not be taken for a new frame there; the code object
 * tells most of them apart. */
static inline int
is_unhooked(Pep669Frame *frame)
{
    return pep669_thread.unhooked.frame == frame &&
           pep669_thread.unhooked.code == pep669_backend_frame_code(frame);
}

/* What a run of this code needs from the trampoline:
 *   WANT_FULL   the trampoline with tracing on (line, opcode events)
 *   WANT_LIGHT  the trampoline installed with tracing off: the
 *               interpreter still reports exceptions to it (its error path
 *               tests the trace function only), and nothing else costs
 *   0           nothing
 * (`events` as code_events() gives them: line-level events whose every
 * location is DISABLEd need nothing, so such code runs at full speed
 * again.) */
#define WANT_LIGHT PEP669_TRACE_LIGHT
#define WANT_FULL PEP669_TRACE_FULL

static inline int
mode_for(uint32_t events)
{
    if (events & (PEP669_BIT(LINE) | PEP669_INSTR_EVENTS)) {
        return WANT_FULL;
    }
    return (events & (PEP669_EXC_EVENTS | PEP669_HANDLER_EVENTS))
        ? WANT_LIGHT : 0;
}

/* The same for the frame that runs traced without the hook: its exit
 * events come from the trampoline too. */
static inline int
mode_for_unhooked(uint32_t events)
{
    return (events & PEP669_EXIT_EVENTS) ? WANT_FULL : mode_for(events);
}

/* The mode `want` (mode_for's) for the frame of `rec`: a frame that saw
 * an exception looks for its handler and re-raises with opcode events:
 * tracing on for the rest of its run. */
static inline int
mode_with_record(Pep669Record *rec, int want, uint32_t events)
{
    if (rec != NULL && want != WANT_FULL &&
        ((rec->exc_seen && (events & (PEP669_BIT(RERAISE) |
                                      PEP669_BIT(EXCEPTION_HANDLED)))) ||
         rec->deferred_count > 0 ||
         ((events & PEP669_HANDLER_EVENTS) && rec->handler_armed))) {
        return WANT_FULL;
    }
    return want;
}

static inline int
line_of(PyCodeObject *co, int offset)
{
    return offset < 0 ? -1 : PyCode_Addr2Line(co, offset);
}

/* 3.8/3.9: control that arrives from `from` at `to`, a forward jump into
 * the middle of a line, gets no line from legacy tracing (only line-table
 * entries and backward jumps do); 3.10+: 0. */
static inline int
forward_mid_line(PyCodeObject *co, int from, int to)
{
    return !pep669_backend_forward_jump_lines() && from >= 0 && to > from &&
           line_of(co, to) == line_of(co, to - 2);
}

/* The frame object `f` of the record's frame gets pep669's filters
 * (`lines`, `opcodes`).  If it showed the program's, they are remembered
 * first (Python code may have changed them since); a legacy tracer also
 * gets what it asked for. */
static inline void
flags_write(Pep669Record *rec, PyFrameObject *f, int lines, int opcodes)
{
    if (!rec->engaged) {
        pep669_backend_pyframe_get_flags(f, &rec->legacy_lines,
                                         &rec->legacy_opcodes);
        rec->engaged = 1;
        rec->cur_lines = (char)rec->legacy_lines;
        rec->cur_opcodes = (char)rec->legacy_opcodes;
    }
    rec->eng_lines = (char)(lines != 0);
    rec->eng_opcodes = (char)(opcodes != 0);
    if (pep669_backend_trace_has_legacy()) {
        lines |= rec->legacy_lines;
        opcodes |= rec->legacy_opcodes;
    }
    /* (as a rule they hold these already: LINE alone wants the
     * defaults) */
    if ((char)(lines != 0) != rec->cur_lines ||
        (char)(opcodes != 0) != rec->cur_opcodes) {
        rec->cur_lines = (char)(lines != 0);
        rec->cur_opcodes = (char)(opcodes != 0);
        pep669_backend_pyframe_put_flags(f, lines, opcodes);
    }
}

/* The frame object shows the program's filters again (Python code may
 * look, or the frame runs without the trampoline from here on).  `f` is
 * the record's frame object. */
static inline void
flags_show(Pep669Record *rec, PyFrameObject *f)
{
    if (rec->engaged) {
        rec->engaged = 0;
        if (f != NULL) {
            /* (a flag the frame's own code changed while pep669's were in
             * place is the program's now) */
            pep669_backend_pyframe_show_flags(f, rec->cur_lines,
                                              rec->cur_opcodes,
                                              &rec->legacy_lines,
                                              &rec->legacy_opcodes);
        }
    }
}

/* pep669's filters back after flags_show, as they were. */
static inline void
flags_unshow(Pep669Record *rec, PyFrameObject *f)
{
    if (!rec->engaged && f != NULL) {
        flags_write(rec, f, rec->eng_lines, rec->eng_opcodes);
    }
}

/* A line event at `lasti` in region mode: opcode events up to the next
 * one if a wanted jump location can run before it. */
static inline void
region_line(Pep669Record *rec, PyFrameObject *f, uint32_t events, int lasti)
{
    int opcodes = pep669_code_region(rec->code, rec->cd, events, lasti);
    flags_write(rec, f, 1, opcodes);
}

/* Events a handler clone serves (probe.h, pep669_probe_handler_clone):
 * the handlers' entries wanted (EXCEPTION_HANDLED or RERAISE), no other
 * event that needs the trampoline. */
#define HANDLER_PROBED(events) \
    (((events) & (PEP669_BIT(EXCEPTION_HANDLED) | PEP669_BIT(RERAISE))) && \
     !((events) & ((PEP669_TRACED_EVENTS & ~PEP669_EXC_EVENTS) | \
                   PEP669_HANDLER_EVENTS)))

/* (3.11) The frame of `rec` runs its handler clone for exception events
 * only (`events`) with nothing pending, on a thread with no legacy tracer
 * or profiler: while the tracing dispatch is off, or on only until a
 * handler probe or the frame's unwinding, it needs no filters of
 * pep669's (legacy_exceptions.c, on_exception). */
static inline int
handler_clone_lazy(Pep669Record *rec, uint32_t events)
{
    Pep669Clone *cl = rec->clone;
    return pep669_clone_handlers(cl) && !cl->retired &&
           HANDLER_PROBED(events) && rec->call_offset < 0 &&
           rec->deferred_count == 0 && !rec->handler_armed &&
           !rec->region && !pep669_thread.exc_flags_eager &&
           pep669_backend_thread_plain(PyThreadState_GET());
}

/* Make the thread's trampoline state what the frame needs. */
static inline void
set_trampoline_mode(PyThreadState *ts, int want)
{
    if (want != pep669_backend_trace_mode(ts)) {
        if (want) {
            pep669_backend_trace_start(ts, want);
        }
        else {
            /* (no trace events from here on: nothing left to adopt at
             * the next one, review19) */
            pep669_thread.adopt_pending = 0;
            pep669_backend_trace_stop(ts);
        }
    }
    else if (want == WANT_LIGHT) {
        /* Every trace call (an exception reported in the frame, the start
         * of a run on a clone) turns tracing back on for the rest of the
         * evaluator's run when it returns: off again, from here on. */
        pep669_backend_trace_start(ts, want);
    }
}

#endif
