/* The engine's entry points for the backends: the only functions of the
 * engine above them that a backend (backend_py3X.c and the headers it
 * includes) may call.  Everything else a backend does is its own (the
 * interface below it is backend.h); the engine calls down through
 * backend.h, and the backends call up only through this header.
 * Version-independent. */
#ifndef PEP669_ENGINE_ENTRY_H
#define PEP669_ENGINE_ENTRY_H

#include "backend.h"
#include "thread_state.h"
#include "stack.h"

/* ---- the eval-frame hook (frames.c) ---- */

/* Body of every backend's eval-frame hook.  `co`: the frame's own code
 * and `cd` its data (NULL: it has none), as the hook's fast path found
 * them; or `co` NULL, and it looks them up itself. */
PyObject *pep669_frame_eval(PyThreadState *ts, Pep669Frame *frame,
                            int throwflag, PyCodeObject *co,
                            Pep669CodeData *cd);
/* The same for a run (throwflag off) of code that wants of the hook only
 * frame events (pep669_frame_idle's PEP669_IDLE_FRAMES): the frames
 * path in fewer steps. */
PyObject *pep669_frame_eval_frames(PyThreadState *ts, Pep669Frame *frame,
                                   PyCodeObject *co, Pep669CodeData *cd);

/* The hook's fast path (backend/hook.c.h), before pep669_frame_eval: a
 * run of code `co` (its data `cd`, or NULL) that wants nothing of the
 * hook, as pep669_frame_eval's "full speed" decides it (frame_begin,
 * frames.c), in a few loads and compares: no frame event, no event that
 * needs the trampoline (line-level events whose every location is
 * DISABLEd need nothing: the done cache, read only while its stamps say
 * it is current), no STOP_ITERATION that a generator's end could fire.
 * 1: such a run, where the thread has no trampoline (the backend's own
 * condition); PEP669_IDLE_EXC: the code wants exception events besides
 * and can give no other than RAISE (`exc_plain`, codedata.h): such a run
 * where the thread's trampoline is LIGHT as the quiet path wants it
 * (pep669_frame_exc_quiet), which reports the frame's exceptions to the
 * trampoline with no record (pep669_trace gives the RAISE); 0 when unsure
 * (stale stamps: pep669_frame_eval decides). */
#define PEP669_IDLE_EXC 2
/* (and PEP669_IDLE_FRAMES: the code wants of the hook only frame events,
 * none that needs the trampoline: pep669_frame_eval_frames runs it) */
#define PEP669_IDLE_FRAMES 3
/* (and PEP669_IDLE_EXC_BARE: the code's exception bare run is stamped,
 * codedata.h's calls_ready 2; pep669_frame_eval_exc runs it where the thread
 * allows) */
#define PEP669_IDLE_EXC_BARE 4
static inline int
pep669_frame_idle_slow(PyCodeObject *co, Pep669CodeData *cd)
{
    uint32_t events;
    if (cd == NULL) {
        events = pep669_registry.active_union;
    }
    else {
        if (cd->version != pep669_registry.version) {
            return 0;
        }
        events = cd->events;
        if (events & PEP669_LINE_LEVEL_EVENTS) {
            /* (done_known implies a current `version`: codedata.h) */
            if (!cd->done_known) {
                return 0;
            }
            events &= ~cd->done;
        }
        if (cd->calls_none) {
            /* (no call in the code: no call event can come) */
            events &= ~PEP669_CALL_EVENTS;
        }
    }
    if (events & (PEP669_FRAME_EVENTS | PEP669_TRACED_EVENTS)) {
        if (!(events & PEP669_TRACED_EVENTS)) {
            return PEP669_IDLE_FRAMES;
        }
        return (cd != NULL && cd->exc_plain == 1 &&
                !(events & (PEP669_FRAME_EVENTS | PEP669_TRACED_EVENTS) &
                  ~PEP669_EXC_EVENTS)) ? PEP669_IDLE_EXC : 0;
    }
    return !(pep669_registry.stop_iteration_anywhere &&
             (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                              CO_ITERABLE_COROUTINE)));
}

/* pep669_frame_idle_slow, its answer 1 cached in the code data (`idle`,
 * codedata.h: valid while `version` is current; within one version the
 * answer 1 cannot change, as the events are the version's and the done
 * cache only grows): one load and test per call for code whose wanted
 * events are all DISABLEd. */
static inline int
pep669_frame_idle(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd != NULL && cd->version == pep669_registry.version) {
        if (cd->idle) {
            return 1;
        }
        if (cd->calls_ready == 2) {
            return PEP669_IDLE_EXC_BARE;
        }
    }
    int idle = pep669_frame_idle_slow(co, cd);
    if (idle == 1 && cd != NULL) {
        cd->idle = 1;
    }
    return idle;
}

/* A fresh run of code with data `cd` may be a bare run (trampoline.h,
 * pep669_trace_push_bare): its bare stamp is current (codedata.h,
 * bare_version). */
static inline int
pep669_frame_bare_ready(const Pep669CodeData *cd)
{
    return cd->bare_version == pep669_registry.version &&
           cd->bare_epoch == cd->done_epoch && cd->done_known;
}

/* The hook's way for such a run (frames.c): a bare run if the thread and
 * the clone allow, else pep669_frame_eval's general way.  `co`: the
 * frame's own code, as the fast path found it. */
PyObject *pep669_frame_eval_bare(PyThreadState *ts, Pep669Frame *frame,
                                 PyCodeObject *co, Pep669CodeData *cd);

/* A fresh run of code whose quiet run on its call clone the hook's fast
 * path may start (codedata.h, calls_ready: current with the code data's
 * version; the thread then checked by the backend: no trampoline, legacy
 * tracer or profiler; 3.11: its frame made with the code's size,
 * PEP669_HOOK_SIZED), and the hook's way for it (frames.c): a bare run
 * (session 15: no record unless something needs one, trampoline.h). */
static inline int
pep669_frame_calls_ready(const Pep669CodeData *cd)
{
    return cd->calls_ready == 1 && cd->version == pep669_registry.version;
}
PyObject *pep669_frame_eval_calls(PyThreadState *ts, Pep669Frame *frame,
                                  PyCodeObject *co, Pep669CodeData *cd);
/* A fresh run of code whose exception bare run is stamped
 * (PEP669_IDLE_EXC_BARE), on a thread whose trampoline is LIGHT with no
 * record holding pep669's filters (the backend checks;
 * pep669_frame_exc_quiet): the bare block pushed, the frame run, the
 * block popped if nothing happened (frames_exc.c). */
PyObject *pep669_frame_eval_exc(PyThreadState *ts, Pep669Frame *frame,
                                PyCodeObject *co, Pep669CodeData *cd);

/* The thread's side of PEP669_IDLE_EXC, besides its trampoline being
 * LIGHT (the backend's check): the frames of the records show the
 * program's filters, as pep669_trace_enter_quiet asks. */
static inline int
pep669_frame_exc_quiet(void)
{
    return (pep669_thread.record_top == NULL ||
            !pep669_thread.record_top->engaged) &&
           !pep669_thread.unhooked.engaged;
}

/* The frames path's run with no record yet (hook_quiet 4): a block of
 * the record cache, pushed on pep669_thread.bare_top as a bare run on a
 * line clone is (trampoline.h), with what the run's end and a record made
 * later need: the frame, its code and data, the registry's version at the
 * start and the events cached as pep669_trace_push_frames caches them
 * (`events`: the code's, done-masked), the innermost record then
 * (`below`), and the STOP_ITERATION offset a generator's end may leave
 * for this frame (pep669_generator_returned).  Whatever asks for the
 * frame's record (pep669_hooked_record: a refresh, a callee's end that is
 * not quiet, the trampoline's walks, an exception leaving the frame) gets
 * it made then, as the frames path would have pushed it
 * (pep669_trace_frames_record); a run that ends with nothing changed pops
 * the block (frames.c's ends, pep669_frames_pop_resumed).  Only with no
 * profiler on the thread (as a bare run: its 'call' and 'return' stay the
 * general path's).  `resumed`: pushed by the hook's quiet resumption
 * (backend/hook.c.h), for _frame_mechanism. */
static inline void
pep669_frames_push_bare(Pep669Record *rec, Pep669Frame *frame,
                        PyCodeObject *co, Pep669CodeData *cd,
                        uint32_t events, int resumed)
{
    /* (a block of the record cache holds no clone and no entry, window or
     * swap: record_released) */
    PEP669_ASSERT(rec->clone == NULL && !rec->entry && !rec->window &&
                  !rec->swapped);
    uint64_t version = pep669_registry.version;
    rec->hook_code = co;
    rec->hook_throwflag = 0;
    rec->frame = frame;
    rec->code = co;
    rec->cd = cd;
    rec->hook_quiet = 4;
    rec->hook_resumed = resumed;
    rec->hook_drop = NULL;
    rec->quiet_entry = version;
    rec->events_cached = events;
    rec->events_version = version;
    rec->events_epoch = cd != NULL ? cd->done_epoch : 0;
    rec->stop_offset = -1;
    rec->below = pep669_thread.record_top;
    rec->prev = pep669_thread.bare_top;
    pep669_thread.bare_top = rec;
}

/* The hook's quiet resumption (backend/hook.c.h): a run, throwflag off,
 * that resumes a suspended generator or coroutine (PY_RESUME) of code
 * `co` (data `cd`, current, or none) that wants of the hook only frame
 * events (PEP669_IDLE_FRAMES), where nothing can fire but at the run's
 * end by a return or an exception: no PY_RESUME or PY_YIELD wanted, no
 * RAISE or STOP_ITERATION anywhere (which watch the loops that drive
 * generators: pep669_generator_yielded), and the thread clean for the
 * frames path with no profiler (frames_start's own conditions; the
 * backend checks its trampoline is absent, so nothing to repair, and
 * that the run is no delegation's resumption still to note for code with
 * data: pep669_delegation_resumed).  Then *events:
 * the code's events, done-masked, as frames_start gives the block. */
static inline int
pep669_frames_resume_quiet(PyThreadState *ts, Pep669CodeData *cd,
                           uint32_t *events)
{
    uint32_t ev;
    if (cd == NULL) {
        ev = pep669_registry.active_union;
    }
    else {
        ev = cd->events;
        if (ev & PEP669_LINE_LEVEL_EVENTS) {
            /* (current and done_known: the fast path found it idle for
             * all but frame events) */
            ev &= ~cd->done;
        }
    }
    *events = ev;
    return !(ev & (PEP669_BIT(PY_RESUME) | PEP669_BIT(PY_YIELD))) &&
           !(pep669_registry.active_union &
             (PEP669_BIT(RAISE) | PEP669_BIT(STOP_ITERATION))) &&
           ts->c_tracefunc == NULL && ts->c_profilefunc == NULL &&
           pep669_frame_exc_quiet();
}

/* After such a run that suspended the frame again (a yield): 1 if
 * nothing happened that its end must follow (the thread's engine the
 * same, the registry's version the one at the start, no trace function
 * came, the block still without a record); then the block is popped and
 * back in the cache.  Else 0: pep669_frames_end decides. */
static inline int
pep669_frames_pop_resumed(PyThreadState *ts, Pep669Record *rec)
{
    if (PEP669_LIKELY(pep669_registry_tstate == ts &&
                      rec->quiet_entry == pep669_registry.version &&
                      ts->c_tracefunc == NULL && rec->hook_quiet == 4)) {
        /* (the block is the innermost bare run: runs pair) */
        PEP669_ASSERT(pep669_thread.bare_top == rec &&
                      rec->below == pep669_thread.record_top);
        pep669_thread.bare_top = rec->prev;
        pep669_record_put(rec);
        return 1;
    }
    return 0;
}

/* The end of a run the frames path started with no record (a block,
 * pep669_frames_push_bare): its exit events, the block popped or its
 * record made and ended (frames.c). */
PyObject *pep669_frames_end(PyThreadState *ts, Pep669Frame *frame,
                            Pep669Record *rec, PyObject *result);

/* ---- the trace trampoline (legacy_events.c, trampoline.c) ---- */

/* The trampoline's legacy events (a Py_tracefunc): every event the quiet
 * checks below do not settle. */
int pep669_trace(PyObject *obj, PyFrameObject *frame, int what,
                 PyObject *arg);

/* The common line event: -1 if pep669_trace must see it; else 0, with
 * *tools the tools to call (0: the line of the previous one, or a
 * location every tool DISABLEd; the line is then the last one) and
 * *forward whether the legacy tracer wants the event. */
static inline int
pep669_trace_quiet_line(Pep669Frame *frame, int lasti, int line,
                        uint8_t *tools, int *forward)
{
    Pep669Record *rec = pep669_thread.record_top;
    if (rec != NULL && rec->frame == frame && rec->quiet_lines &&
        rec->quiet_line_version == pep669_registry.version &&
        rec->prev_offset < 0 && rec->call_offset < 0 &&
        rec->armed_exc == NULL && rec->deferred_count == 0) {
        /* (quiet_lines is set only for a record with code data) */
        PEP669_ASSERT(rec->cd != NULL);
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
    Pep669Record *rec = pep669_thread.record_top;
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
    Pep669Record *rec = pep669_thread.record_top;
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

/* The first trace event of a run the hook started quietly on a line
 * clone (pep669_trace_enter_quiet), in its window, nothing changed since:
 * its record, or NULL. */
static inline Pep669Record *
pep669_trace_quiet_window(Pep669Frame *frame)
{
    Pep669Record *rec = pep669_thread.record_top;
    if (rec != NULL && rec->frame == frame && rec->window &&
        rec->hook_quiet && rec->quiet_entry == pep669_registry.version) {
        return rec;
    }
    return NULL;
}

/* Close that window: the frame shows its own code again and runs on
 * untraced (the trampoline leaves the thread). */
void pep669_trace_end_window_quiet(PyThreadState *ts, Pep669Record *rec,
                                   PyFrameObject *frame);

/* Forward a legacy event to the thread's legacy tracer, which sees the
 * frame's filters as it (or the program) set them. */
int pep669_trace_forward(PyObject *obj, PyFrameObject *frame, int what,
                         PyObject *arg);

/* After a registry change, or a legacy tracer set in the trampoline's
 * place: the thread's running frame follows at once. */
void pep669_trace_refresh(PyThreadState *ts);

#endif
