/* The quiet paths of the hook: runs of a frame that need nothing
 * switched on the thread (pep669_trace_enter_quiet, its line-clone form
 * enter_quiet_lines, pep669_trace_push_frames for the frames path) and
 * the end of such a run when nothing happened in it
 * (pep669_trace_leave_quiet); the general decision, which they stand in
 * for, is trampoline.c's. */
#include "trampoline.h"

/* Set up the record of a quiet run and push it (the callers add what is
 * theirs: the clone, what its probes cover). */
static inline void
push_quiet(Pep669Record *rec, Pep669Frame *frame, PyCodeObject *co,
           Pep669CodeData *cd, uint32_t events, uint64_t version,
           int was_traced)
{
    init_record(rec, frame, co, cd);
    cache_events(rec, events);
    rec->was_traced = was_traced;
    rec->last_line = -1;
    rec->quiet_entry = version;
    PEP669_ASSERT(rec != pep669_thread.record_top &&
                  rec != &pep669_thread.unhooked);
    rec->prev = pep669_thread.record_top;
    pep669_thread.record_top = rec;
}

/* The quiet path of a run on a line clone: code whose line-level events
 * left (LINE, the branch events) all stand on its clone's probes, none
 * behind a handler, on a thread without trampoline, legacy tracer or
 * profiler.  What pep669_trace_enter makes of such a run (the probes
 * stand in, nothing else is wanted: no trampoline after the window),
 * without its lookups; the window is closed at the frame's first trace
 * event by pep669_trace_end_window_quiet.  1: the record is set up and
 * pushed; 3: a bare run (an entry stub puts the code back, no record:
 * pep669_trace_push_bare); 0: nothing done. */
static int
enter_quiet_lines(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                  PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
                  uint64_t version)
{
    Pep669Clone *cl = cd->clone;
    if (!cd->done_known || (events & cd->handler_only) ||
        cd->line_handler_left || cd->branch_handler_left ||
        (pep669_thread.record_top != NULL &&
         pep669_thread.record_top->engaged) ||
        pep669_thread.unhooked.engaged ||
        (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                         CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)) ||
        !pep669_backend_trace_clean(ts, 0) ||
        !pep669_backend_thread_plain(ts) ||
        !pep669_clone_serves(cl, cd, 0) ||
        !pep669_backend_frame_fits(frame, cl->code)) {
        return 0;
    }
    if (cl->entry.test > 0 && !pep669_backend_clone_for_run()) {
        /* (3.8-3.10) Its entry stub puts the code back: a bare run, with
         * no record unless something needs it (trampoline.h); the code's
         * next runs can be bare from the hook's fast path while nothing
         * of the above changes (codedata.h, bare_version). */
        pep669_trace_push_bare(rec, frame, co, cd, cl, events);
        cd->bare_version = version;
        cd->bare_epoch = cd->done_epoch;
        return 3;
    }
    pep669_clone_incref(cl);
    cl->quiet_runs++;
    push_quiet(rec, frame, co, cd, events, version, 0);
    rec->clone = cl;
    rec->line_covered = 1;
    rec->covered_bits = events & PEP669_PROBED_EVENTS;
    pep669_backend_frame_set_code(frame, cl->code);
    if (pep669_backend_clone_for_run()) {
        /* (3.11) The frame runs the clone for the whole run. */
        rec->swapped = 1;
        return 1;
    }
    /* The window, as pep669_trace_enter opens it; where its first event
     * is the run's 'call' (3.10), the frame's filters, which only the
     * instructions' events read, stay as they are. */
    rec->window = 1;
    cl->window_runs++;
    pep669_backend_trace_window(ts);
    if (!pep669_backend_code_read_before_call()) {
        flags_write(rec, pep669_backend_frame_pyframe(frame), 0, 1);
    }
    return 1;
}

void
pep669_trace_end_window_quiet(PyThreadState *ts, Pep669Record *rec,
                              PyFrameObject *frame)
{
    /* (a quiet run's window, nothing changed since it opened) */
    PEP669_ASSERT(rec->window && rec->hook_quiet && rec->line_covered &&
                  rec->clone != NULL &&
                  rec->quiet_entry == pep669_registry.version);
    pep669_backend_frame_set_code(rec->frame, rec->code);
    rec->window = 0;
    flags_show(rec, frame);
    pep669_thread.adopt_pending = 0;
    pep669_backend_trace_stop(ts);
}

int
pep669_trace_enter_quiet(PyThreadState *ts, Pep669Record *rec,
                         Pep669Frame *frame, PyCodeObject *co,
                         Pep669CodeData *cd, uint32_t events)
{
    uint64_t version = pep669_registry.version;
    int want = (events & PEP669_EXC_EVENTS) ? WANT_LIGHT : 0;
    if ((events & PEP669_PROBED_EVENTS) &&
        !(events & ~PEP669_PROBED_EVENTS) && cd != NULL &&
        cd->version == version) {
        return enter_quiet_lines(ts, rec, frame, co, cd, events, version);
    }
    if (cd == NULL || cd->version != version ||
        (pep669_thread.record_top != NULL &&
         pep669_thread.record_top->engaged) ||
        pep669_thread.unhooked.engaged ||
        (events & ~(PEP669_CALL_EVENTS | PEP669_EXC_EVENTS)) ||
        !(events & (PEP669_BIT(CALL) | PEP669_EXC_EVENTS)) ||
        (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                         CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)) ||
        !pep669_backend_trace_clean(ts, want)) {
        return 0;
    }
    if (PEP669_UNLIKELY(cd->exc_plain == 0)) {
        /* (once per code object: its later runs may need no record) */
        cd->exc_plain = pep669_backend_code_exc_plain(co) ? 1 : 2;
    }
    Pep669Clone *cl = NULL;
    if (events & PEP669_BIT(CALL)) {
        /* (the code's call clone as it is, found here at once as a rule) */
        cl = cd->clone;
        if (pep669_clone_serves(cl, cd, 1)) {
            pep669_clone_incref(cl);
        }
        else if ((cl = pep669_probe_call_clone(co, cd)) == NULL) {
            return 0;
        }
        if (!pep669_backend_frame_fits(frame, cl->code)) {
            pep669_clone_decref(cl);
            return 0;
        }
    }
    else if (cd->handler_probes == 2 && HANDLER_PROBED(events) &&
             pep669_backend_thread_plain(ts)) {
        /* (3.11) Its handler clone, whose probes give the handlers'
         * entries (the same size as the code: every frame fits). */
        cl = cd->clone;
        if (pep669_clone_handlers(cl) && !cl->retired) {
            pep669_clone_incref(cl);
        }
        else {
            cl = pep669_probe_handler_clone(co, cd);
        }
    }
    if (cl == NULL && !(events & PEP669_BIT(CALL))) {
        /* Exception events only, from the LIGHT trampoline, and no clone:
         * no record until one is needed (trampoline.h,
         * pep669_trace_push_exc_bare). */
        PEP669_ASSERT(want == WANT_LIGHT);
        pep669_trace_push_exc_bare(rec, frame, co, cd, events);
        if (events == cd->events && cd->exc_plain == 2 &&
            !(cd->handler_probes == 2 && HANDLER_PROBED(events))) {
            /* (the code's next runs in this version can start so from the
             * hook's fast path: pep669_frame_eval_exc) */
            cd->calls_ready = 2;
        }
        return 6;
    }
    /* A frame of code that wants nothing of the trampoline but what the
     * thread has already (CALL on call probes; exceptions from a LIGHT
     * trampoline): its record, its clone, and no switching, unless
     * something happens while it runs (pep669_trace_leave_quiet). */
    push_quiet(rec, frame, co, cd, events, version, want != 0);
    rec->clone = cl;
    rec->calls_covered = cl != NULL && cl->calls == 1;
    if (cl != NULL) {
        pep669_backend_frame_set_code(frame, cl->code);
        rec->swapped = 1;
    }
    if (rec->calls_covered && !want && pep669_backend_clone_for_run() &&
        !(cd->events & ~PEP669_CALL_EVENTS)) {
        /* (3.11) The code's next runs in this version can start here from
         * the hook's fast path (pep669_frame_eval_calls), which takes the
         * code's events as they are: code whose other events are all
         * DISABLEd (LINE too) keeps the path above (review14). */
        cd->calls_ready = 1;
    }
    return 1;
}

void
pep669_trace_push_frames(Pep669Record *rec, Pep669Frame *frame,
                         PyCodeObject *co, Pep669CodeData *cd,
                         uint32_t events)
{
    /* (what pep669_trace_enter would do for want 0: nothing to switch, no
     * filters, no clone) */
    PEP669_ASSERT(pep669_trace_frames_clean(PyThreadState_GET()));
    PEP669_ASSERT(!(events & PEP669_TRACED_EVENTS));
    push_quiet(rec, frame, co, cd, events, pep669_registry.version, 0);
}

int
pep669_trace_leave_quiet(PyThreadState *ts, Pep669Record *rec)
{
    uint32_t events = rec->events_cached;
    if (rec->quiet_entry != pep669_registry.version || rec->exc_seen ||
        rec->outside != NULL ||
        rec->armed_exc != NULL || rec->deferred_count > 0 ||
        rec->flags_version != 0 || rec->call_offset >= 0 ||
        (rec->clone != NULL && rec->clone->retired) ||
        !pep669_backend_trace_clean(
            ts, (events & PEP669_EXC_EVENTS) ? WANT_LIGHT : 0)) {
        return 0;
    }
    /* (records pair, where the stack is not switched: thread_state.h) */
    pep669_record_unlink(rec);
    if (rec->clone != NULL) {
        pep669_clone_decref(rec->clone);
        rec->clone = NULL;
    }
    return 1;
}
