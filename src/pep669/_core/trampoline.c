/* The per-frame decision "traced or full speed": the trampoline's side
 * of every run of a frame.
 *
 * The eval-frame hook decides for every run of a frame whether its code
 * wants a line-level event from some tool (pep669_trace_enter).  If so,
 * the trampoline (pep669_trace, legacy_events.c) becomes the thread's
 * trace function for that run; if not, the thread's own trace function
 * (usually none) is put back, so code that nobody asked about runs at full
 * speed.  When the run ends, the caller's state is recomputed from the
 * caller's code and the current event sets (pep669_trace_leave), so a
 * change made during the callee takes effect in the caller at once.
 *
 * Here too: the unhooked slot (a frame traced without
 * having come through the hook), and the frame flags shown to Python code
 * (flags_show; while the frame object holds pep669's, trampoline_flags.c
 * shows the program's). */
#include "trampoline.h"

/* The events of a frame that runs a clone (`events` as events_to_watch() gives
 * them): its probes stand in for LINE where the frame's flow goes, while
 * the clone is valid; the LINE locations behind handlers are left.  When
 * the probes stop standing in (the frame is traced from now on), the line
 * of its current instruction is the last one, as for a frame adopted in
 * the middle of its run. */
PEP669_INTERNAL PEP669_NOINLINE uint32_t
less_probed_slow(Pep669Record *rec, Pep669CodeData *cd, uint32_t events)
{
    if (pep669_clone_handlers(rec->clone)) {
        /* A handler clone: its probes give handlers' entries, which the
         * trampoline arms for (legacy_exceptions.c, on_exception). */
        return events;
    }
    if (rec->clone->calls) {
        /* A call clone: its probes make every call, while it is valid. */
        int calls = (events & PEP669_BIT(CALL)) &&
                    pep669_clone_valid(rec->clone, cd, events);
        if (calls) {
            events &= ~PEP669_CALL_EVENTS;
        }
        else {
            pep669_trace_unswap(rec);
        }
        rec->calls_covered = calls;
        return events;
    }
    int covered = (events & PEP669_PROBED_EVENTS) &&
                  pep669_clone_valid(rec->clone, cd, events);
    if (covered) {
        rec->covered_bits = events & PEP669_PROBED_EVENTS;
        events &= ~PEP669_PROBED_EVENTS;
        if (cd->line_handler_left || cd->branch_handler_left) {
            events |= PEP669_HANDLER_EVENTS;
        }
    }
    else if (rec->line_covered && !rec->window && !rec->entry) {
        /* (stopped in a call, or in the probe, which says where it goes
         * on) */
        int lasti = pep669_backend_frame_lasti(rec->frame);
        rec->last_line = line_of(rec->code, lasti);
        pep669_backend_frame_resync(rec->frame, lasti + 2);
    }
    rec->line_covered = covered;
    return events;
}

PEP669_INTERNAL void
init_record(Pep669Record *rec, Pep669Frame *frame, PyCodeObject *co,
            Pep669CodeData *cd)
{
    rec->frame = frame;
    rec->code = co;
    rec->cd = cd;
    rec->prev_offset = -1;
    rec->restart_jump = 0;
    rec->call_offset = -1;
    rec->call_callable = rec->call_arg0 = NULL;
    rec->exc_seen = 0;
    rec->armed_exc = NULL;
    rec->armed_offset = 0;
    rec->exit_check = 0;
    rec->outside = NULL;
    rec->outside_ambiguous = 0;
    rec->stop_offset = -1;
    rec->legacy_lines = 1;
    rec->legacy_opcodes = 0;
    rec->eng_lines = 1;
    rec->eng_opcodes = 0;
    rec->engaged = 0;
    rec->moved = rec->stub_back = 0;
    rec->jump_pos = NULL;
    rec->pending = 0;
    rec->region = 0;
    rec->handler_armed = 0;
    rec->quiet_units = NULL;
    rec->quiet_lines = 0;
    rec->flags_version = 0;
    rec->transit = 0;
    rec->deferred_type = rec->deferred_value = rec->deferred_tb = NULL;
    rec->deferred_count = 0;
    rec->callback_raised = 0;
    rec->last_reraise = -1;
    rec->delegate_line = -1;
    rec->handler_untraced = 0;
    rec->probing = 0;
    rec->clone = NULL;
    rec->window = 0;
    rec->entry = 0;
    rec->line_covered = 0;
    rec->covered_bits = 0;
    rec->calls_covered = 0;
    rec->swapped = 0;
    rec->via_mark = 0;
}

Pep669Record *
pep669_trace_frames_record(Pep669Record *b)
{
    /* (the innermost bare run, no record above it: trampoline.h) */
    PEP669_ASSERT((b->hook_quiet == 4 || b->hook_quiet == 6) &&
                  pep669_bare_innermost(b) && b->clone == NULL);
    pep669_bare_unlink(b);
    /* (as push_quiet leaves it, with the version and the events cached
     * at the start; a consumer's STOP_ITERATION offset kept) */
    int stop_offset = b->stop_offset;
    init_record(b, b->frame, b->code, b->cd);
    b->stop_offset = stop_offset;
    b->was_traced = b->hook_quiet == 6;  /* (6: a LIGHT quiet run's) */
    b->last_line = -1;
    b->hook_quiet = b->was_traced ? 1 : 2;
    b->prev = pep669_thread.record_top;
    pep669_thread.record_top = b;
    return b;
}

Pep669Record *
pep669_trace_bare_record(Pep669Record *b)
{
    if (b->hook_quiet == 4 || b->hook_quiet == 6) {
        return pep669_trace_frames_record(b);
    }
    PEP669_ASSERT(b->hook_quiet == 3 && pep669_bare_innermost(b));
    Pep669Clone *cl = b->clone;
    int entry = b->entry;
    pep669_bare_unlink(b);
    /* (as trampoline_quiet.c's push_quiet and enter_quiet_lines: the
     * events cached at the start stay, with their stamps) */
    init_record(b, b->frame, b->code, b->cd);
    b->was_traced = 0;
    b->last_line = -1;
    b->clone = cl;
    b->line_covered = 1;
    b->covered_bits = b->events_cached & PEP669_PROBED_EVENTS;
    b->entry = entry;
    b->hook_quiet = 1;
    cl->bare_records++;
    b->prev = pep669_thread.record_top;
    pep669_thread.record_top = b;
    return b;
}

static void
clear_record(Pep669Record *rec)
{
    pep669_record_forget_call(rec);
    Py_CLEAR(rec->armed_exc);
    Py_CLEAR(rec->deferred_type);
    Py_CLEAR(rec->deferred_value);
    Py_CLEAR(rec->deferred_tb);
    rec->deferred_count = 0;
    rec->exc_seen = 0;
    rec->handler_untraced = 0;
    rec->exit_check = 0;
    Py_CLEAR(rec->outside);
    rec->outside_ambiguous = 0;
    rec->stop_offset = -1;
    rec->pending = 0;
}

PEP669_INTERNAL void
forget_unhooked(void)
{
    clear_record(&pep669_thread.unhooked);
    pep669_thread.unhooked.engaged = 0;
    pep669_thread.unhooked.frame = NULL;
    pep669_thread.unhooked.code = NULL;
    pep669_thread.unhooked.cd = NULL;
    Py_CLEAR(pep669_thread.unhooked_exc);
}

/* Legacy filters of a frame object from the events its code wants (and,
 * once the frame saw an exception, what finding re-raises and handlers
 * needs).  Jump events alone need opcode events only where a location
 * some tool still wants can run before the next line event: with a record
 * (which knows the code's data) the frame then gets line events, which
 * switch opcode events on and off as it goes. */
PEP669_INTERNAL void
flags_set(PyFrameObject *f, Pep669Record *rec, uint32_t events)
{
    if (f != NULL) {
        int lines;
        events = with_handler_events(rec, events);
        lines = (events & PEP669_BIT(LINE)) != 0;
        int opcodes =
            (events & (PEP669_INSTR_EVENTS & ~PEP669_JUMP_EVENTS)) != 0 ||
            (rec != NULL && rec->exc_seen &&
             (events & (PEP669_BIT(RERAISE) |
                        PEP669_BIT(EXCEPTION_HANDLED)))) ||
            (rec != NULL && rec->deferred_count > 0);
        int region = 0;
        if (!opcodes && (events & PEP669_JUMP_EVENTS)) {
            region = rec != NULL && rec->cd != NULL;
            lines = 1;
            opcodes = !region || pep669_code_region(
                rec->code, rec->cd, events,
                pep669_backend_pyframe_lasti(f));
        }
        if (rec != NULL) {
            rec->region = region;
            rec->flags_version = pep669_registry.version;
            if (!opcodes) {
                /* No opcode events: the frame's next one, if they come
                 * back, is no jump's destination. */
                rec->prev_offset = -1;
            }
            flags_write(rec, f, lines, opcodes);
        }
        else {
            pep669_backend_pyframe_set_flags(f, lines, opcodes);
        }
    }
}

/* Whether some frame further out than `frame`, up to the nearest one run
 * through the hook (which looks after itself), wants the trampoline.  A
 * scan that found nothing stays true until the event sets change: frames
 * only ever leave the chain above, and frames entering it come through the
 * hook or want nothing (pep669_thread.outer_clean_version: the registry's
 * version of that scan). */
static int
outer_frame_wants(Pep669Frame *frame)
{
    if (pep669_thread.outer_clean_version == pep669_registry.version &&
        pep669_thread.outer_clean_version != 0) {
        return 0;
    }
    for (Pep669Frame *f = pep669_backend_frame_back(frame);
         f != NULL && pep669_hooked_record(f) == NULL;
         f = pep669_backend_frame_back(f)) {
        Pep669CodeData *cd;
        PyCodeObject *co = pep669_backend_frame_code(f);
        uint32_t events = code_events(co, &cd);
        if (mode_for_unhooked(events)) {
            return 1;
        }
    }
    pep669_thread.outer_clean_version = pep669_registry.version;
    return 0;
}

/* The thread is about to run `frame`, which did not come through the
 * hook (f: its frame object, or NULL for the current frame's).  The
 * unhooked slot takes it if its code wants the trampoline, or as a
 * transit if a caller further out does (its 'return' then decides for
 * the caller).  Returns whether the trampoline is needed. */
PEP669_INTERNAL int
adopt_unhooked(PyThreadState *ts, Pep669Frame *frame, PyFrameObject *f)
{
    Pep669CodeData *cd;
    PyCodeObject *co = pep669_backend_frame_code(frame);
    uint32_t events = code_events(co, &cd);
    int transit = 0;
    int want = mode_for_unhooked(events);
    if (!want) {
        if (!outer_frame_wants(frame)) {
            if (is_unhooked(frame)) {
                flags_show(&pep669_thread.unhooked, f != NULL ? f
                           : pep669_backend_frame_pyframe(frame));
                forget_unhooked();
            }
            return 0;
        }
        transit = 1;
    }
    if (!is_unhooked(frame)) {
        forget_unhooked();
        init_record(&pep669_thread.unhooked, frame, co, cd);
        pep669_thread.unhooked.last_line =
            line_of(co, pep669_backend_frame_lasti(frame));
        /* Adopted in the middle of its run: a handler may have run. */
        pep669_thread.unhooked.handler_armed = 1;
    }
    if (events & PEP669_HANDLER_EVENTS) {
        want = WANT_FULL;
    }
    pep669_thread.unhooked.transit = transit;
    if (f == NULL) {
        f = pep669_backend_current_pyframe(ts);
    }
    flags_set(f, &pep669_thread.unhooked, transit ? 0 : events);
    /* A transit needs the 'return' event: tracing on. */
    return transit ? WANT_FULL : want;
}

/* code_events for the record's code, from the record while nothing that
 * it derives from changed: the registry's version, and the code's "all
 * disabled" cache (a DISABLE of one of its locations during the callee
 * clears it, and whoever needs it next computes it again). */
static inline uint32_t
cached_events(Pep669Record *rec)
{
    if (rec->events_version == pep669_registry.version &&
        (rec->cd != NULL
             ? !(rec->cd->events & PEP669_LINE_LEVEL_EVENTS) ||
               (rec->cd->done_known &&
                rec->cd->done_epoch == rec->events_epoch)
             : !(rec->events_cached & PEP669_LINE_LEVEL_EVENTS))) {
        /* (the stamps say nothing it derives from changed: computing it
         * again gives the same) */
        PEP669_DEBUG_ONLY({
            Pep669CodeData *now;
            PEP669_ASSERT(code_events(rec->code, &now) ==
                          rec->events_cached);
        })
        return rec->events_cached;
    }
    Pep669CodeData *cd;
    uint32_t events = code_events(rec->code, &cd);
    rec->cd = cd;
    cache_events(rec, events);
    return events;
}

/* The record of the thread's current frame if it is the unhooked slot's
 * and its frame object holds pep669's filters. */
static inline Pep669Record *
engaged_unhooked(PyThreadState *ts)
{
    if (pep669_thread.unhooked.engaged) {
        Pep669Frame *cur = pep669_backend_current_frame(
            ts != NULL ? ts : PyThreadState_GET());
        if (cur != NULL && is_unhooked(cur)) {
            return &pep669_thread.unhooked;
        }
    }
    return NULL;
}

/* A callee starts: the caller's frame object shows the program's filters
 * while it runs (pep669_trace_leave puts pep669's back). */
static void
show_caller(PyThreadState *ts)
{
    Pep669Record *top = pep669_thread.record_top;
    if (top != NULL && top->engaged) {
        flags_show(top, pep669_backend_frame_pyframe(top->frame));
    }
    Pep669Record *un = engaged_unhooked(ts);
    if (un != NULL) {
        flags_show(un, pep669_backend_frame_pyframe(un->frame));
    }
}

int
pep669_trace_forward(PyObject *obj, PyFrameObject *frame, int what,
                     PyObject *arg)
{
    if (!pep669_backend_trace_has_legacy()) {
        return 0;
    }
    Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
    Pep669Record *rec = pep669_hooked_record(fr);
    if (rec == NULL && is_unhooked(fr)) {
        rec = &pep669_thread.unhooked;
    }
    int err;
    if (rec == NULL || !rec->engaged) {
        err = pep669_backend_trace_forward(obj, frame, what, arg);
        /* (the tracer may have run a sub-interpreter's engine) */
        pep669_enter(PyThreadState_GET());
        return err;
    }
    int lasti = (what == PyTrace_LINE || what == PyTrace_OPCODE)
                ? pep669_backend_pyframe_lasti(frame) : -1;
    flags_show(rec, frame);
    err = pep669_backend_trace_forward(obj, frame, what, arg);
    pep669_enter(PyThreadState_GET());
    flags_unshow(rec, frame);
    if (lasti >= 0 && rec->code != NULL &&
        pep669_backend_pyframe_lasti(frame) != lasti) {
        /* The tracer moved the frame (f_lineno) at a 'line' (or, 3.8-3.10,
         * an 'opcode'): the line it lands on is "given", as after a
         * callback's move (3.12 reports no LINE for it; the next line
         * that differs has its LINE). */
        rec->last_line = line_of(rec->code,
                                 pep669_backend_pyframe_lasti(frame));
        rec->prev_offset = -1;
    }
    return err;
}

void
pep669_trace_enter(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                   PyCodeObject *co, int fresh, Pep669CodeData *cd,
                   uint32_t events, uint64_t version)
{
    show_caller(ts);
    if (version == pep669_registry.version) {
        events = events_to_watch(co, cd, events);
    }
    else {
        events = code_events(co, &cd);
    }
    int want = mode_for(events);
    if (want && cd == NULL) {
        /* Traced code gets its data now, so that every event of the run
         * reads it from the record.  Without memory it just does not:
         * the slower lookup stays, nothing else changes. */
        cd = pep669_code_data_ensure(co);
        if (cd == NULL) {
            PyErr_Clear();
        }
        else if ((events & PEP669_PROBED_EVENTS) &&
                 !(events & PEP669_CLONE_BLOCKING_EVENTS) &&
                 pep669_backend_probes_supported()) {
            /* The code's first run can be on probes too (its analysis,
             * which the next run would make anyway, is made now). */
            events = events_to_watch(co, cd, pep669_code_data_events(cd));
            want = mode_for(events);
        }
    }
    init_record(rec, frame, co, cd);
    cache_events(rec, events);
    /* Probes for the LINE locations and branch edges left, if the code
     * can have them: then only what else it wants needs the trampoline.
     * Or call probes, which make the calls: the frame runs untraced (or
     * only watched for exceptions). */
    Pep669Clone *cl = NULL;
    if ((events & PEP669_PROBED_EVENTS) && cd != NULL &&
        !(events & PEP669_CLONE_BLOCKING_EVENTS) &&
        pep669_backend_thread_plain(ts)) {
        cl = pep669_probe_clone(co, cd);
    }
    else if ((events & PEP669_BIT(CALL)) && cd != NULL &&
             !(events & PEP669_CALL_CLONE_BLOCKING_EVENTS) &&
             pep669_backend_thread_plain(ts)) {
        cl = pep669_probe_call_clone(co, cd);
    }
    else if (fresh && cd != NULL && cd->handler_probes == 2 &&
             HANDLER_PROBED(events) && pep669_backend_thread_plain(ts)) {
        /* (3.11) Handler probes: the entries of its handlers are given in
         * the evaluator, which switches the tracing off there. */
        cl = pep669_probe_handler_clone(co, cd);
    }
    if (cl != NULL && pep669_backend_frame_fits(frame, cl->code)) {
        rec->clone = cl;
        events = less_probed(rec, cd, events);
        want = mode_for(events);
    }
    else if (cl != NULL) {
        pep669_clone_decref(cl);
    }
    if (!fresh && (events & (PEP669_BIT(RERAISE) |
                             PEP669_BIT(EXCEPTION_HANDLED))) &&
        pep669_backend_in_handler(frame, NULL)) {
        /* A generator or coroutine that suspended inside a handler: a
         * re-raise may come. */
        rec->exc_seen = 1;
        want = WANT_FULL;
    }
    if (!fresh && (events & PEP669_HANDLER_EVENTS)) {
        /* "Reachable only through a handler" holds for one run: an
         * earlier run of this generator or coroutine may have handled the
         * exception and suspended on the way to those lines. */
        rec->handler_armed = 1;
        want = WANT_FULL;
    }
    rec->was_traced = pep669_backend_trace_active(ts);
    /* A resumed generator continues after its yield: that is the previous
     * instruction for the LINE rule. */
    rec->last_line = (fresh || !want) ? -1
        : line_of(co, pep669_backend_frame_lasti(frame));
    PEP669_ASSERT(rec != pep669_thread.record_top &&
                  rec != &pep669_thread.unhooked);
    rec->prev = pep669_thread.record_top;
    pep669_thread.record_top = rec;
    if (rec->line_covered && pep669_backend_clone_for_run()) {
        /* (3.11) The frame runs the clone for the whole run. */
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->swapped = 1;
    }
    else if (rec->line_covered && rec->clone->entry.test > 0 && fresh &&
             !rec->hook_throwflag) {
        /* (3.8-3.10) The clone's entry stub puts the frame's own code back
         * (probe_entries.c): the frame runs as the window's end
         * would make it run; where that is traced, its own code (the
         * stub's instructions are no instructions of the frame). */
        uint32_t after = events;
        if (mode_with_record(rec, want, after) == WANT_FULL) {
            pep669_trace_rerun(ts, rec);
            return;
        }
        pep669_backend_entry_start(frame, rec->clone->code,
                                   rec->clone->entry.start);
        rec->entry = 1;
        set_trampoline_mode(ts, want);
        if (want) {
            flags_set(pep669_backend_frame_pyframe(frame), rec, events);
        }
        return;
    }
    else if (rec->line_covered) {
        /* The evaluator takes the bytecode from f_code when the run
         * starts: the clone's, until the trampoline's first event in the
         * frame puts the frame's own code back (end_window). */
        PEP669_ASSERT(!rec->swapped && rec->clone->code != NULL);
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->window = 1;
        rec->clone->window_runs++;
        pep669_backend_trace_window(ts);
        flags_write(rec, pep669_backend_frame_pyframe(frame), 0, 1);
        return;
    }
    if (rec->calls_covered ||
        pep669_clone_handlers(rec->clone)) {
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->swapped = 1;
    }
    set_trampoline_mode(ts, want);
    if (want == WANT_FULL) {
        /* The frame object exists from the start up to 3.10; on 3.11 the
         * 'call' event sets the filters once it does.  (A frame watched
         * for exceptions only gets them at its first event.) */
        flags_set(pep669_backend_frame_pyframe(frame), rec, events);
    }
}

/* The first event of a run on a clone: the evaluator has the clone's
 * bytecode; the frame shows its own code again, and runs as its events
 * want (untraced, as a rule). */
PEP669_INTERNAL void
end_window(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame)
{
    Pep669CodeData *cd;
    /* (the window is open only on a line clone's run) */
    PEP669_ASSERT(rec->window && rec->clone != NULL && rec->line_covered);
    if (rec->hook_quiet && rec->quiet_entry == pep669_registry.version) {
        pep669_trace_end_window_quiet(ts, rec, frame);
        return;
    }
    pep669_backend_frame_set_code(rec->frame, rec->code);
    rec->window = 0;
    uint32_t events = record_events(rec, &cd);
    int want = mode_with_record(rec, mode_for(events), events);
    if (!want) {
        flags_show(rec, frame);
    }
    set_trampoline_mode(ts, want);
    if (want) {
        flags_set(frame, rec, events);
    }
}

void
pep669_trace_rerun(PyThreadState *ts, Pep669Record *rec)
{
    if (rec->clone != NULL) {
        Pep669CodeData *cd;
        pep669_clone_decref(rec->clone);
        rec->clone = NULL;
        rec->line_covered = 0;
        rec->calls_covered = 0;
        uint32_t events = record_events(rec, &cd);
        int want = mode_with_record(rec, mode_for(events), events);
        set_trampoline_mode(ts, want);
        if (want) {
            flags_set(pep669_backend_frame_pyframe(rec->frame), rec,
                      events);
        }
    }
}

/* throw() into a generator suspended in `yield from` / `await` makes
 * that generator's frame the thread's current one while it throws into
 * the delegate (gen_throw), without running it: when the delegate's run
 * ends, the frame that goes on is the one that called throw(), further
 * out (3.11: the suspended frame's `previous`; before, a suspended frame
 * has no f_back, and the thrower is the innermost frame with a record).
 * A generator that does run its delegation is at the SEND / YIELD_FROM
 * itself, not suspended after it. */
static Pep669Frame *
past_throw(Pep669Frame *caller)
{
    int offset;
    while (caller != NULL && pep669_hooked_record(caller) == NULL &&
           !is_unhooked(caller) &&
           pep669_backend_frame_delegating(caller, &offset) &&
           offset != pep669_backend_frame_lasti(caller)) {
        Pep669Frame *back = pep669_backend_frame_back(caller);
        if (back == NULL) {
            Pep669Record *top = pep669_thread.record_top;
            return top != NULL ? top->frame : NULL;
        }
        caller = back;
    }
    return caller;
}

Pep669Record *
pep669_trace_raise(Pep669Frame *frame)
{
    Pep669Record *rec = pep669_runs_raise(frame);
    if (rec == NULL || rec != pep669_thread.record_top) {
        return rec;
    }
    PyThreadState *ts = PyThreadState_GET();
    uint32_t events = less_probed(rec, rec->cd, cached_events(rec));
    int want = mode_with_record(rec, mode_for(events), events);
    set_trampoline_mode(ts, want);
    if (want) {
        flags_set(pep669_backend_frame_pyframe(rec->frame), rec, events);
    }
    return rec;
}

void
pep669_trace_leave(PyThreadState *ts, Pep669Record *rec)
{
    /* (records pair, where the stack is not switched: thread_state.h) */
    pep669_record_unlink(rec);
    clear_record(rec);
    if (rec->clone != NULL) {
        pep669_trace_ran(ts, rec);
        pep669_clone_decref(rec->clone);
        rec->clone = NULL;
    }
    /* The frame's filters are the program's again (a generator may run
     * untraced next time). */
    if (rec->engaged) {
        flags_show(rec, pep669_backend_frame_pyframe(rec->frame));
    }
    Pep669Frame *caller = past_throw(pep669_backend_current_frame(ts));
    Pep669CodeData *cd;
    uint32_t events;
    int want;
    if (caller == NULL) {
        /* (runs under way with no frame under this one: another C
         * stack's, a greenlet's, which a switch resumes next without
         * passing the hook; traced, its first event raises its run's
         * entry and sets the mode it needs: thread_state.h) */
        set_trampoline_mode(ts, pep669_thread.record_top != NULL ||
                                        pep669_thread.bare_top != NULL
                                    ? WANT_FULL : 0);
        return;
    }
    Pep669Record *crec;
    /* Nothing changed for the caller while the callee ran: its frame
     * object still has the filters set for these events. */
    int filters_hold = 0;
    if (pep669_hooked_record(caller) != NULL) {
        crec = pep669_thread.record_top;
        events = less_probed(crec, crec->cd, cached_events(crec));
        want = mode_with_record(crec, mode_for(events),
                                events);
        filters_hold = !crec->exc_seen && !crec->handler_armed &&
                       crec->deferred_count == 0 && !crec->region &&
                       crec->clone == NULL &&
                       crec->flags_version == pep669_registry.version;
    }
    else if (is_unhooked(caller)) {
        crec = &pep669_thread.unhooked;
        events = code_events(crec->code, &cd);
        want = mode_with_record(crec, mode_for_unhooked(events),
                                events);
    }
    else {
        /* A frame that did not come through the hook (it had no events
         * when it started): it may want some now, set by the callee. */
        int want = adopt_unhooked(ts, caller, NULL);
        /* (set_flags ran before the trampoline was on: redo with the
         * legacy tracer known.) */
        set_trampoline_mode(ts, want);
        if (want && !pep669_thread.unhooked.transit) {
            PyFrameObject *f = pep669_backend_current_pyframe(ts);
            flags_set(f, &pep669_thread.unhooked,
                      code_events(pep669_thread.unhooked.code, &cd));
        }
        return;
    }
    if (!want && crec == &pep669_thread.unhooked) {
        /* It will run untraced: the trampoline will not see it end. */
        forget_unhooked();
    }
    set_trampoline_mode(ts, want);
    if (want == WANT_LIGHT && !crec->engaged && !crec->exc_seen &&
        crec->armed_exc == NULL && handler_clone_lazy(crec, events)) {
        /* (the tracing dispatch is off: a trace call in the frame sets
         * the filters it needs, legacy_exceptions.c) */
    }
    else if (want && !filters_hold) {
        /* The caller ran traced before (it has its frame object): its
         * filters may need to follow a change made during the callee. */
        flags_set(pep669_backend_frame_pyframe(caller), crec, events);
    }
    else if (want) {
        /* (they showed the program's while the callee ran) */
        flags_unshow(crec, pep669_backend_frame_pyframe(caller));
    }
}

void
pep669_trace_release_caller(PyThreadState *ts)
{
    Pep669Record *top = pep669_thread.record_top;
    /* Engaged with pep669's filters off and nothing pending: the state
     * untrace_handler (3.8-3.10) or check_handler_exit leaves a frame that
     * wants only exception events in; its trace call turned the tracing
     * dispatch back on, which only the line-number checks of the
     * evaluator read. */
    if (top == NULL || !top->engaged || top->eng_lines ||
        top->eng_opcodes || top->exc_seen || top->handler_armed ||
        top->armed_exc != NULL || top->deferred_count > 0 ||
        top->region || (top->clone != NULL && top->clone->calls != 2) ||
        top->call_offset >= 0 ||
        top->flags_version != pep669_registry.version ||
        pep669_thread.unhooked.engaged ||
        !pep669_backend_thread_plain(ts) ||
        pep669_backend_trace_mode(ts) != WANT_LIGHT ||
        top->frame != pep669_backend_current_frame(ts)) {
        /* (a legacy tracer or profiler keeps the tracing on) */
        return;
    }
    uint32_t events = cached_events(top);
    if (mode_with_record(top, mode_for(events), events) != WANT_LIGHT) {
        return;
    }
    /* What a quiet run of the caller has: the program's filters, the
     * LIGHT trampoline with tracing off.  Any event that needs more sets
     * them again (on_exception, pep669_trace_leave, refresh). */
    flags_show(top, pep669_backend_frame_pyframe(top->frame));
    set_trampoline_mode(ts, WANT_LIGHT);
    if (top->cd != NULL) {
        top->cd->released_callers += top->cd->released_callers != UINT32_MAX;
    }
#ifdef PEP669_DEBUG
    /* (as the quiet path wants the caller: the program's filters shown,
     * the LIGHT trampoline clean) */
    int lines, opcodes;
    pep669_backend_pyframe_get_flags(
        pep669_backend_frame_pyframe(top->frame), &lines, &opcodes);
    PEP669_ASSERT(lines == top->legacy_lines);
    PEP669_ASSERT(opcodes == top->legacy_opcodes);
    PEP669_ASSERT(pep669_frame_exc_quiet());
    PEP669_ASSERT(pep669_backend_trace_clean(ts, WANT_LIGHT));
#endif
}

/* A legacy tracer or profiler is on the thread (set by a frame or a
 * callback): a frame still running a line or call clone would show it
 * the clone's own instructions (a line stub's jump back is a backward
 * jump: the location's 'line' came twice, pdb stopped twice on each
 * line).  Its clone is retired: the running frame goes on traced at once
 * (below), the enclosing ones from their callee's return, as after any
 * retirement; later frames get no clone while the tracer stays. */
static void
retire_running_clones(void)
{
    for (Pep669Record *r = pep669_thread.record_top; r != NULL;
         r = r->prev) {
        if (r->clone != NULL && r->clone->calls != 2) {
            pep669_clone_retire(r->clone);
        }
    }
    for (Pep669Record *r = pep669_thread.bare_top; r != NULL; r = r->prev) {
        if (r->clone != NULL && r->clone->calls != 2) {
            pep669_clone_retire(r->clone);
        }
    }
}

void
pep669_trace_refresh(PyThreadState *ts)
{
    Pep669Frame *frame = pep669_backend_current_frame(ts);
    Pep669CodeData *cd;
    /* (the frame's trampoline decided here: no adoption left pending) */
    pep669_thread.adopt_pending = 0;
    if (frame == NULL) {
        return;
    }
    if (!pep669_backend_thread_plain(ts)) {
        retire_running_clones();
    }
    Pep669Record *top = pep669_hooked_record(frame);
    if (top != NULL) {
        PyCodeObject *co = top->code;
        uint32_t events = less_probed(top, top->cd, code_events(co, &cd));
        int want = mode_with_record(top, mode_for(events), events);
        set_trampoline_mode(ts, want);
        if (want) {
            flags_set(pep669_backend_current_pyframe(ts), top, events);
        }
        else {
            flags_show(top, pep669_backend_current_pyframe(ts));
        }
        return;
    }
    set_trampoline_mode(ts, adopt_unhooked(ts, frame, NULL));
    if (is_unhooked(frame) && !pep669_thread.unhooked.transit) {
        flags_set(pep669_backend_current_pyframe(ts),
                  &pep669_thread.unhooked,
                  code_events(pep669_thread.unhooked.code, &cd));
    }
}

/* set_events() or set_local_events() inside a legacy tracer's own call:
 * the thread's trace function is the tracer's, not the trampoline, so
 * nothing re-checks once the tracer returns.  The trampoline goes in
 * front of the tracer, and the frame the tracer was called for is
 * adopted at its next 'line' (legacy_events.c, adopt_at_line). */
PEP669_INTERNAL void
pep669_trace_adopt_later(PyThreadState *ts)
{
    if (pep669_registry.active_union == 0 &&
        pep669_registry.local_code_count == 0) {
        /* (a later set in the same call finds the trampoline on: the
         * adoption stays pending, adopt_unhooked decides at the line) */
        return;
    }
    if (pep669_backend_trace_mode(ts) != 0 ||
        !pep669_backend_thread_traced(ts)) {
        return;
    }
    pep669_thread.adopt_pending = 1;
    set_trampoline_mode(ts, WANT_FULL);
}

/* The frame runs from here on as its events want. */
PEP669_INTERNAL void
follow_events(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
              int hooked)
{
    Pep669CodeData *cd;
    uint32_t events = record_events(rec, &cd);
    int want = mode_with_record(
        rec, hooked ? mode_for(events) : mode_for_unhooked(events), events);
    if (!want) {
        /* The rest of the run is untraced: the frame shows the program's
         * filters (a legacy tracer's) again. */
        flags_show(rec, frame);
    }
    if (!want && !hooked) {
        forget_unhooked();
    }
    set_trampoline_mode(ts, want);
    if (want) {
        flags_set(frame, rec, events);
    }
}

/* Around a loop of callbacks (registered with monitor_engine.c by module
 * init): the event whose callbacks run (f_lineno's setter reads it), and
 * the frames showing the program's flags instead of pep669's. */
void
pep669_trace_callbacks_begin(PyThreadState *ts, int event, int *saved)
{
    pep669_trace_callbacks_begin_inline(ts, event, saved);
}

void
pep669_trace_callbacks_end(PyThreadState *ts, const int *saved)
{
    pep669_trace_callbacks_end_inline(ts, saved);
}

#if PY_VERSION_HEX >= 0x03090000 && PY_VERSION_HEX < 0x030B0000
PEP669_NOINLINE int
pep669_trace_exit_hide(PyThreadState *ts)
{
    int depth = pep669_thread.exit_hidden_depth;
    if (depth >= 4 ||
        !pep669_backend_with_exit_hide(ts, pep669_thread.exit_hidden[depth])) {
        return 0;
    }
    pep669_thread.exit_hidden_depth = depth + 1;
    return 1;
}

PEP669_NOINLINE void
pep669_trace_exit_unhide(PyThreadState *ts)
{
    PEP669_ASSERT(pep669_thread.exit_hidden_depth > 0);
    pep669_backend_handled_unhide(
        ts, pep669_thread.exit_hidden[--pep669_thread.exit_hidden_depth]);
}
#endif
