/* The trace trampoline and the per-frame "traced or full speed" decision.
 *
 * The eval-frame hook decides for every run of a frame whether its code
 * wants a line-level event from some tool (pep669_trace_enter).  If so,
 * pep669_trace becomes the thread's trace function for that run; if not,
 * the thread's own trace function (usually none) is put back, so code that
 * nobody asked about runs at full speed.  When the run ends, the caller's
 * state is recomputed from the caller's code and the current event sets
 * (pep669_trace_leave), so a change made during the callee takes effect in
 * the caller at once.
 *
 * Legacy events become PEP 669 events:
 *   'line'    LINE, with 3.12's rule: not when the previous instruction of
 *             the frame was on the same line (legacy tracing also reports
 *             backward jumps to the same line);
 *   'opcode'  INSTRUCTION; and the instruction before, if it was a jump,
 *             gives JUMP or BRANCH (+ BRANCH_LEFT / BRANCH_RIGHT) now that
 *             its destination is known, before the LINE of that
 *             destination;
 *   'return'  (frames not run through the hook only) the exit events.
 * Every event is then forwarded to the thread's legacy tracer, if any. */
#include "trace.h"
#include "dispatch.h"
#include "probe.h"

PEP669_THREAD_LOCAL_FAST Pep669Record *pep669_record_top_var = NULL;
PEP669_THREAD_LOCAL_FAST int pep669_trace_what_event = -1;
static int pending_jump(Pep669Record *rec, PyFrameObject *frame);
#define line_origin pep669_trace_line_origin
#define record_top pep669_record_top_var
/* The frame that runs traced without a record of the hook's (see
 * pep669_trace_refresh), and the last exception seen in it (owned). */
static PEP669_THREAD_LOCAL_FAST Pep669Record unhooked = {
    .last_line = -1, .prev_offset = -1, .call_offset = -1, .call_end = -1,
    .stop_offset = -1, .legacy_lines = 1};
static PEP669_THREAD_LOCAL_FAST PyObject *unhooked_exc = NULL;

Pep669Record *
pep669_record_top(void)
{
    return record_top;
}

/* The events of `events` (the code's) that the trampoline must look for:
 * line-level events whose every location is DISABLEd need nothing; those
 * left only behind exception handlers become PEP669_HANDLER_EVENTS. */
static inline uint32_t
needed(PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
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
armed(Pep669Record *rec, uint32_t events)
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

static int line_of(PyCodeObject *co, int offset);

/* The events of a frame that runs a clone (`events` as needed() gives
 * them): its probes stand in for LINE where the frame's flow goes, while
 * the clone is valid; the LINE locations behind handlers are left.  When
 * the probes stop standing in (the frame is traced from now on), the line
 * of its current instruction is the last one, as for a frame adopted in
 * the middle of its run. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static uint32_t
probed_slow(Pep669Record *rec, Pep669CodeData *cd, uint32_t events)
{
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
    else if (rec->line_covered && !rec->window) {
        /* (stopped in a call, or in the probe, which says where it goes
         * on) */
        int lasti = pep669_backend_frame_lasti(rec->frame);
        rec->last_line = line_of(rec->code, lasti);
        pep669_backend_frame_resync(rec->frame, lasti + 2);
    }
    rec->line_covered = covered;
    return events;
}

static inline uint32_t
probed(Pep669Record *rec, Pep669CodeData *cd, uint32_t events)
{
    if (rec == NULL || rec->clone == NULL || cd == NULL) {
        return events;
    }
    return probed_slow(rec, cd, events);
}

/* The code's events as far as the trampoline is concerned. */
static inline uint32_t
code_events(PyCodeObject *co, Pep669CodeData **cdp)
{
    uint32_t events = pep669_code_events(co, cdp);
    return needed(co, *cdp, events);
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
        return armed(rec, probed(rec, rec->cd, events));
    }
    *cdp = rec->cd;
    if (rec->cd->version != pep669_registry.version) {
        pep669_code_data_refresh(rec->cd);
    }
    return armed(rec, probed(rec, rec->cd,
                             needed(rec->code, rec->cd, rec->cd->events)));
}

static void
forget_call(Pep669Record *rec)
{
    rec->call_offset = -1;
    Py_CLEAR(rec->call_callable);
    Py_CLEAR(rec->call_arg0);
}

static void
init_record(Pep669Record *rec, Pep669Frame *frame, PyCodeObject *co,
            Pep669CodeData *cd)
{
    rec->frame = frame;
    rec->code = co;
    rec->cd = cd;
    rec->prev_offset = -1;
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
    rec->moved = 0;
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
    rec->clone = NULL;
    rec->window = 0;
    rec->line_covered = 0;
    rec->covered_bits = 0;
    rec->calls_covered = 0;
    rec->swapped = 0;
}

static void
clear_record(Pep669Record *rec)
{
    forget_call(rec);
    Py_CLEAR(rec->armed_exc);
    Py_CLEAR(rec->deferred_type);
    Py_CLEAR(rec->deferred_value);
    Py_CLEAR(rec->deferred_tb);
    rec->deferred_count = 0;
    rec->exc_seen = 0;
    rec->exit_check = 0;
    Py_CLEAR(rec->outside);
    rec->outside_ambiguous = 0;
    rec->stop_offset = -1;
    rec->pending = 0;
}

/* Is `frame` the unhooked slot's frame?  Frames are reused at the same
 * address (3.11's frame stack, 3.8-3.10's free lists): a slot left behind
 * by a frame whose end the trampoline did not see (a foreign tracer had
 * replaced it) must not be taken for a new frame there; the code object
 * tells most of them apart. */
static inline int
is_unhooked(Pep669Frame *frame)
{
    return unhooked.frame == frame &&
           unhooked.code == pep669_backend_frame_code(frame);
}

static void
forget_unhooked(void)
{
    clear_record(&unhooked);
    unhooked.engaged = 0;
    unhooked.frame = NULL;
    unhooked.code = NULL;
    unhooked.cd = NULL;
    Py_CLEAR(unhooked_exc);
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

static int
wants_lines(uint32_t events)
{
    if (events & (PEP669_BIT(LINE) | PEP669_INSTR_EVENTS)) {
        return WANT_FULL;
    }
    return (events & (PEP669_EXC_EVENTS | PEP669_HANDLER_EVENTS))
        ? WANT_LIGHT : 0;
}

/* The same for the frame that runs traced without the hook: its exit
 * events come from the trampoline too. */
static int
wants_unhooked(uint32_t events)
{
    return (events & PEP669_EXIT_EVENTS) ? WANT_FULL : wants_lines(events);
}

/* A frame that saw an exception looks for its handler and re-raises with
 * opcode events: tracing on for the rest of its run. */
static int
with_record(Pep669Record *rec, int want, uint32_t events)
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

static int
line_of(PyCodeObject *co, int offset)
{
    return offset < 0 ? -1 : PyCode_Addr2Line(co, offset);
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
        if (f != NULL && (rec->legacy_lines != rec->cur_lines ||
                          rec->legacy_opcodes != rec->cur_opcodes)) {
            pep669_backend_pyframe_put_flags(f, rec->legacy_lines,
                                             rec->legacy_opcodes);
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

/* Legacy filters of a frame object from the events its code wants (and,
 * once the frame saw an exception, what finding re-raises and handlers
 * needs).  Jump events alone need opcode events only where a location
 * some tool still wants can run before the next line event: with a record
 * (which knows the code's data) the frame then gets line events, which
 * switch opcode events on and off as it goes. */
static void
set_flags_rec(PyFrameObject *f, Pep669Record *rec, uint32_t events)
{
    if (f != NULL) {
        int lines;
        events = armed(rec, events);
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

/* A line event at `lasti` in region mode: opcode events up to the next
 * one if a wanted jump location can run before it. */
static inline void
region_line(Pep669Record *rec, PyFrameObject *f, uint32_t events, int lasti)
{
    int opcodes = pep669_code_region(rec->code, rec->cd, events, lasti);
    flags_write(rec, f, 1, opcodes);
}

/* Make the thread's trampoline state what the frame needs. */
static void
apply(PyThreadState *ts, int want)
{
    if (want != pep669_backend_trace_mode(ts)) {
        if (want) {
            pep669_backend_trace_start(ts, want);
        }
        else {
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

/* Whether some frame further out than `frame`, up to the nearest one run
 * through the hook (which looks after itself), wants the trampoline.  A
 * scan that found nothing stays true until the event sets change: frames
 * only ever leave the chain above, and frames entering it come through the
 * hook or want nothing. */
static PEP669_THREAD_LOCAL uint64_t outer_clean_version = 0;

static int
outer_wants(Pep669Frame *frame)
{
    if (outer_clean_version == pep669_registry.version &&
        outer_clean_version != 0) {
        return 0;
    }
    for (Pep669Frame *f = pep669_backend_frame_back(frame);
         f != NULL && !(record_top != NULL && record_top->frame == f);
         f = pep669_backend_frame_back(f)) {
        Pep669CodeData *cd;
        PyCodeObject *co = pep669_backend_frame_code(f);
        uint32_t events = code_events(co, &cd);
        if (wants_unhooked(events)) {
            return 1;
        }
    }
    outer_clean_version = pep669_registry.version;
    return 0;
}

/* The thread is about to run `frame`, which did not come through the
 * hook (f: its frame object, or NULL for the current frame's).  The
 * unhooked slot takes it if its code wants the trampoline, or as a
 * transit if a caller further out does (its 'return' then decides for
 * the caller).  Returns whether the trampoline is needed. */
static int
adopt_unhooked(PyThreadState *ts, Pep669Frame *frame, PyFrameObject *f)
{
    Pep669CodeData *cd;
    PyCodeObject *co = pep669_backend_frame_code(frame);
    uint32_t events = code_events(co, &cd);
    int transit = 0;
    int want = wants_unhooked(events);
    if (!want) {
        if (!outer_wants(frame)) {
            if (is_unhooked(frame)) {
                flags_show(&unhooked, f != NULL ? f
                           : pep669_backend_frame_pyframe(frame));
                forget_unhooked();
            }
            return 0;
        }
        transit = 1;
    }
    if (!is_unhooked(frame)) {
        forget_unhooked();
        init_record(&unhooked, frame, co, cd);
        unhooked.last_line = line_of(co, pep669_backend_frame_lasti(frame));
        /* Adopted in the middle of its run: a handler may have run. */
        unhooked.handler_armed = 1;
    }
    if (events & PEP669_HANDLER_EVENTS) {
        want = WANT_FULL;
    }
    unhooked.transit = transit;
    if (f == NULL) {
        f = pep669_backend_current_pyframe(ts);
    }
    set_flags_rec(f, &unhooked, transit ? 0 : events);
    /* A transit needs the 'return' event: tracing on. */
    return transit ? WANT_FULL : want;
}

/* Remember what code_events gave for the record's code. */
static inline void
cache_events(Pep669Record *rec, uint32_t events)
{
    rec->events_cached = events;
    rec->events_version = pep669_registry.version;
    rec->events_epoch = rec->cd != NULL ? rec->cd->done_epoch : 0;
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
    if (unhooked.engaged) {
        Pep669Frame *cur = pep669_backend_current_frame(
            ts != NULL ? ts : PyThreadState_GET());
        if (cur != NULL && is_unhooked(cur)) {
            return &unhooked;
        }
    }
    return NULL;
}

/* A callee starts: the caller's frame object shows the program's filters
 * while it runs (pep669_trace_leave puts pep669's back). */
static void
show_caller(PyThreadState *ts)
{
    if (record_top != NULL && record_top->engaged) {
        flags_show(record_top, pep669_backend_frame_pyframe(record_top->frame));
    }
    Pep669Record *un = engaged_unhooked(ts);
    if (un != NULL) {
        flags_show(un, pep669_backend_frame_pyframe(un->frame));
    }
}

int
pep669_trace_show(PyThreadState *ts)
{
    int shown = 0;
    Pep669Record *top = record_top;
    if (top != NULL && top->engaged) {
        if (top->legacy_lines == top->cur_lines &&
            top->legacy_opcodes == top->cur_opcodes) {
            /* It shows the program's already (LINE alone wants the
             * defaults): only a change the callbacks make counts. */
            shown |= 4;
        }
        else {
            flags_show(top, pep669_backend_frame_pyframe(top->frame));
            shown |= 1;
        }
    }
    Pep669Record *un = engaged_unhooked(ts);
    if (un != NULL) {
        flags_show(un, pep669_backend_frame_pyframe(un->frame));
        shown |= 2;
    }
    return shown;
}

void
pep669_trace_unshow(PyThreadState *ts, int shown)
{
    Pep669Record *top = record_top;
    if ((shown & 4) && top != NULL && top->engaged) {
        PyFrameObject *f = pep669_backend_frame_pyframe(top->frame);
        int lines, opcodes;
        pep669_backend_pyframe_get_flags(f, &lines, &opcodes);
        if (lines != top->cur_lines || opcodes != top->cur_opcodes) {
            /* A callback set them: the program's now. */
            top->engaged = 0;
            flags_unshow(top, f);
        }
    }
    if ((shown & 1) && top != NULL) {
        flags_unshow(top, pep669_backend_frame_pyframe(top->frame));
    }
    if (shown & 2) {
        Pep669Frame *cur = pep669_backend_current_frame(
            ts != NULL ? ts : PyThreadState_GET());
        if (cur != NULL && is_unhooked(cur)) {
            flags_unshow(&unhooked, pep669_backend_frame_pyframe(cur));
        }
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
    Pep669Record *rec = (record_top != NULL && record_top->frame == fr)
        ? record_top : is_unhooked(fr) ? &unhooked : NULL;
    if (rec == NULL || !rec->engaged) {
        return pep669_backend_trace_forward(obj, frame, what, arg);
    }
    flags_show(rec, frame);
    int err = pep669_backend_trace_forward(obj, frame, what, arg);
    flags_unshow(rec, frame);
    return err;
}

void
pep669_trace_enter(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                   PyCodeObject *co, int fresh, Pep669CodeData *cd,
                   uint32_t events, uint64_t version)
{
    show_caller(ts);
    if (version == pep669_registry.version) {
        events = needed(co, cd, events);
    }
    else {
        events = code_events(co, &cd);
    }
    int want = wants_lines(events);
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
            events = needed(co, cd, pep669_code_data_events(cd));
            want = wants_lines(events);
        }
    }
    init_record(rec, frame, co, cd);
    cache_events(rec, events);
    if ((events & PEP669_PROBED_EVENTS) && cd != NULL &&
        !(events & PEP669_CLONE_BLOCKING_EVENTS) &&
        pep669_backend_thread_plain(ts)) {
        /* Probes for the LINE locations and branch edges left, if the
         * code can have them: then only what else it wants needs the
         * trampoline. */
        Pep669Clone *cl = pep669_probe_clone(co, cd);
        if (cl != NULL && pep669_backend_frame_fits(frame, cl->code)) {
            rec->clone = cl;
            events = probed(rec, cd, events);
            want = wants_lines(events);
        }
        else if (cl != NULL) {
            pep669_clone_decref(cl);
        }
    }
    else if ((events & PEP669_BIT(CALL)) && cd != NULL &&
             !(events & PEP669_CALL_CLONE_BLOCKING_EVENTS) &&
             pep669_backend_thread_plain(ts)) {
        /* Call probes make the calls: the frame runs untraced (or only
         * watched for exceptions). */
        Pep669Clone *cl = pep669_probe_call_clone(co, cd);
        if (cl != NULL && pep669_backend_frame_fits(frame, cl->code)) {
            rec->clone = cl;
            events = probed(rec, cd, events);
            want = wants_lines(events);
        }
        else if (cl != NULL) {
            pep669_clone_decref(cl);
        }
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
    rec->prev = record_top;
    record_top = rec;
    if (rec->line_covered && pep669_backend_clone_for_run()) {
        /* (3.11) The frame runs the clone for the whole run. */
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->swapped = 1;
    }
    else if (rec->line_covered) {
        /* The evaluator takes the bytecode from f_code when the run
         * starts: the clone's, until the trampoline's first event in the
         * frame puts the frame's own code back (end_window). */
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->window = 1;
        pep669_backend_trace_window(ts);
        flags_write(rec, pep669_backend_frame_pyframe(frame), 0, 1);
        return;
    }
    if (rec->calls_covered) {
        pep669_backend_frame_set_code(frame, rec->clone->code);
        rec->swapped = 1;
    }
    apply(ts, want);
    if (want == WANT_FULL) {
        /* The frame object exists from the start up to 3.10; on 3.11 the
         * 'call' event sets the filters once it does.  (A frame watched
         * for exceptions only gets them at its first event.) */
        set_flags_rec(pep669_backend_frame_pyframe(frame), rec, events);
    }
}

/* The first event of a run on a clone: the evaluator has the clone's
 * bytecode; the frame shows its own code again, and runs as its events
 * want (untraced, as a rule). */
static void
end_window(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame)
{
    Pep669CodeData *cd;
    pep669_backend_frame_set_code(rec->frame, rec->code);
    rec->window = 0;
    uint32_t events = record_events(rec, &cd);
    int want = with_record(rec, wants_lines(events), events);
    if (!want) {
        flags_show(rec, frame);
    }
    apply(ts, want);
    if (want) {
        set_flags_rec(frame, rec, events);
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
        int want = with_record(rec, wants_lines(events), events);
        apply(ts, want);
        if (want) {
            set_flags_rec(pep669_backend_frame_pyframe(rec->frame), rec,
                          events);
        }
    }
}

void
pep669_trace_leave(PyThreadState *ts, Pep669Record *rec)
{
    record_top = rec->prev;
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
    Pep669Frame *caller = pep669_backend_current_frame(ts);
    Pep669CodeData *cd;
    uint32_t events;
    int want;
    if (caller == NULL) {
        apply(ts, 0);
        return;
    }
    Pep669Record *crec;
    /* Nothing changed for the caller while the callee ran: its frame
     * object still has the filters set for these events. */
    int filters_hold = 0;
    if (record_top != NULL && record_top->frame == caller) {
        crec = record_top;
        events = probed(crec, crec->cd, cached_events(crec));
        want = with_record(crec, wants_lines(events),
                           events);
        filters_hold = !crec->exc_seen && !crec->handler_armed &&
                       crec->deferred_count == 0 && !crec->region &&
                       crec->clone == NULL &&
                       crec->flags_version == pep669_registry.version;
    }
    else if (is_unhooked(caller)) {
        crec = &unhooked;
        events = code_events(crec->code, &cd);
        want = with_record(crec, wants_unhooked(events),
                           events);
    }
    else {
        /* A frame that did not come through the hook (it had no events
         * when it started): it may want some now, set by the callee. */
        int want = adopt_unhooked(ts, caller, NULL);
        /* (set_flags ran before the trampoline was on: redo with the
         * legacy tracer known.) */
        apply(ts, want);
        if (want && !unhooked.transit) {
            PyFrameObject *f = pep669_backend_current_pyframe(ts);
            set_flags_rec(f, &unhooked, code_events(unhooked.code, &cd));
        }
        return;
    }
    if (!want && crec == &unhooked) {
        /* It will run untraced: the trampoline will not see it end. */
        forget_unhooked();
    }
    apply(ts, want);
    if (want && !filters_hold) {
        /* The caller ran traced before (it has its frame object): its
         * filters may need to follow a change made during the callee. */
        set_flags_rec(pep669_backend_frame_pyframe(caller), crec, events);
    }
    else if (want) {
        /* (they showed the program's while the callee ran) */
        flags_unshow(crec, pep669_backend_frame_pyframe(caller));
    }
}

void
pep669_trace_refresh(PyThreadState *ts)
{
    Pep669Frame *frame = pep669_backend_current_frame(ts);
    Pep669CodeData *cd;
    if (frame == NULL) {
        return;
    }
    if (record_top != NULL && record_top->frame == frame) {
        PyCodeObject *co = record_top->code;
        uint32_t events = probed(record_top, record_top->cd,
                                 code_events(co, &cd));
        int want = with_record(record_top, wants_lines(events),
                               events);
        apply(ts, want);
        if (want) {
            set_flags_rec(pep669_backend_current_pyframe(ts), record_top,
                          events);
        }
        else {
            flags_show(record_top, pep669_backend_current_pyframe(ts));
        }
        return;
    }
    apply(ts, adopt_unhooked(ts, frame, NULL));
    if (is_unhooked(frame) && !unhooked.transit) {
        set_flags_rec(pep669_backend_current_pyframe(ts), &unhooked,
                      code_events(unhooked.code, &cd));
    }
}

/* ---- events ---- */

static int
fire_jump(PyThreadState *ts, Pep669CodeData *cd, uint32_t events,
          PyCodeObject *co, Pep669Record *rec, int dest)
{
    int src = rec->prev_offset, next, target, err = 0;
    rec->prev_offset = -1;
    if (src < 0 || src >= 2 * (int)pep669_backend_code_units(co)) {
        return 0;
    }
    int kind = pep669_backend_jump_kind(co, &src, &next, &target);
    if (kind < 0 || !(events & ((1u << kind) | PEP669_BIT(BRANCH_LEFT) |
                                PEP669_BIT(BRANCH_RIGHT)))) {
        return 0;
    }
    if (kind == PEP669_EV_JUMP && !(events & PEP669_BIT(JUMP))) {
        return 0;
    }
    /* owned */
    PyObject *dest_obj = PyLong_FromLong(dest);
    if (dest_obj == NULL) {
        return -1;
    }
    /* 3.13: the callbacks see the frame at the jump instruction (its
     * f_lineno and f_lasti), not yet at the destination (3.12.1 showed
     * the destination). */
    Pep669FramePos pos;
    pep669_backend_frame_move(rec->frame, src, &pos);
    /* (a callback that moves the frame puts it back here first) */
    rec->jump_pos = &pos;
    rec->jump_src = src;
    err = pep669_fire_traced(ts, cd, kind, co, src, dest_obj);
    if (err == 0 && kind == PEP669_EV_BRANCH && !rec->moved) {
        /* 3.14: RIGHT is the branch taken, LEFT the fall-through. */
        int side = dest == next ? PEP669_EV_BRANCH_LEFT
                                : PEP669_EV_BRANCH_RIGHT;
        err = pep669_fire_traced(ts, cd, side, co, src, dest_obj);
    }
    rec->jump_pos = NULL;
    if (!rec->moved) {
        pep669_backend_frame_restore(rec->frame, &pos);
    }
    Py_DECREF(dest_obj);
    return err;
}

/* The call under way ended (raised: by an exception). */
static int
end_call(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
         Pep669CodeData *cd, uint32_t events, int raised)
{
    int event = raised ? PEP669_EV_C_RAISE : PEP669_EV_C_RETURN;
    int err = 0;
    if (events & (1u << event)) {
        /* A tool that DISABLEd the CALL there gets no C event either
         * (3.12 removes the location's instrumentation). */
        uint8_t tools = pep669_fire_tools(cd, event, rec->call_offset) &
            (uint8_t)~pep669_disabled_tools(cd, PEP669_EV_CALL,
                                            rec->call_offset);
        if (tools) {
            /* The trampoline learns of the end at the next instruction
             * (or the exception's): callbacks see the frame at the call,
             * as natively. */
            Pep669FramePos pos;
            pep669_backend_frame_move(rec->frame, rec->call_offset, &pos);
            err = pep669_call_tools2_traced(
                ts, tools, event, co, rec->call_offset, rec->call_callable,
                rec->call_arg0);
            pep669_backend_frame_restore(rec->frame, &pos);
        }
    }
    forget_call(rec);
    return err;
}

/* An event at `lasti` after a CALL event: the call returned. */
static inline int
check_call(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
           Pep669CodeData *cd, uint32_t events, int lasti)
{
    if (rec->call_offset < 0 ||
        (lasti >= rec->call_offset && lasti < rec->call_end)) {
        return 0;
    }
    return end_call(ts, rec, co, cd, events, 0);
}

static int
start_call(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
           PyCodeObject *co, Pep669CodeData *cd, uint32_t events, int lasti)
{
    int offset, inlined = 0, found;
    PyObject *callable, *arg0;
    if (rec->call_offset >= 0) {
        return 0;
    }
    found = pep669_backend_call_at(frame, lasti, &offset, &callable, &arg0,
                                   &inlined);
    if (found <= 0) {
        return found;
    }
    if (arg0 == NULL) {
        arg0 = pep669_registry.missing;
    }
    if (events & PEP669_BIT(CALL)) {
        uint8_t tools = pep669_fire_tools(cd, PEP669_EV_CALL, offset);
        if (tools) {
            /* (3.11: the call is reported at its CALL, seen at PRECALL) */
            Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
            Pep669FramePos pos;
            int err;
            if (offset != lasti) {
                pep669_backend_frame_move(fr, offset, &pos);
            }
            err = pep669_call_tools2_traced(ts, tools, PEP669_EV_CALL, co,
                                            offset, callable, arg0);
            if (offset != lasti) {
                pep669_backend_frame_restore(fr, &pos);
            }
            if (err < 0) {
                /* The call does not happen. */
                return -1;
            }
        }
    }
    if ((events & (PEP669_BIT(C_RETURN) | PEP669_BIT(C_RAISE))) &&
        !inlined) {
        /* 3.12 runs an inlined callee in its own frame: that frame's
         * events are the only ones. */
        rec->call_offset = offset;
        rec->call_end = pep669_backend_next_instruction(co, offset);
        rec->call_callable = Py_NewRef(callable);
        rec->call_arg0 = Py_NewRef(arg0);
    }
    return 0;
}

/* The first event after an exception in the frame is its handler. */
static inline int
check_handled(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
              Pep669CodeData *cd, uint32_t events, int lasti)
{
    if (rec->armed_exc == NULL) {
        return 0;
    }
    /* owned */
    PyObject *exc = rec->armed_exc;
    int err = 0;
    rec->armed_exc = NULL;
    if (exc == rec->outside) {
        /* (the handled exception, while this handler runs, is the one
         * from before: that no longer tells whether the frame left it) */
        rec->outside_ambiguous = 1;
    }
    if (events & PEP669_BIT(EXCEPTION_HANDLED)) {
        /* Natively the frame is still at the instruction that raised
         * while the callbacks run (f_lineno, f_lasti): the interpreter
         * has only chosen the handler. */
        Pep669FramePos pos;
        pep669_backend_frame_move(rec->frame, rec->armed_offset, &pos);
        err = pep669_fire_traced(ts, cd, PEP669_EV_EXCEPTION_HANDLED, co,
                                 lasti, exc);
        pep669_backend_frame_restore(rec->frame, &pos);
    }
    Py_DECREF(exc);
    if (err < 0) {
        /* 3.12 raises it before the handler made the handled exception
         * current: it has no __context__. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value != NULL) {
            PyException_SetContext(value, NULL);
        }
        PyErr_Restore(type, value, tb);
        rec->callback_raised = 1;
        int span = pep669_backend_handler_prologue(co, lasti);
        if (span > 0) {
            /* Raise it once the handler has saved the exception state:
             * then the handler's own cleanup restores it. */
            PyErr_Fetch(&rec->deferred_type, &rec->deferred_value,
                        &rec->deferred_tb);
            rec->deferred_count = span;
            return 0;
        }
    }
    return err;
}

/* The current exception's value (new reference), after a callback
 * replaced it. */
static PyObject *
current_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XINCREF(value);
    PyErr_Restore(type, value, tb);
    return value;
}

static int
on_exception(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
             PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
             PyObject *arg)
{
    int lasti = pep669_backend_pyframe_lasti(frame), drive, err = 0;
    int from_callback = rec->callback_raised;
    rec->callback_raised = 0;
    rec->last_reraise = -1;
    if (lasti < 0) {
        /* throw() into a generator that never ran: its start. */
        lasti = 0;
    }
    PyObject *exc = (PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3)
                    ? PyTuple_GET_ITEM(arg, 1) : Py_None;
    int stop = PyErr_GivenExceptionMatches(exc, PyExc_StopIteration) &&
               pep669_backend_frame_drives_generator(
                   pep669_backend_pyframe_frame(frame), &drive) &&
               drive == lasti;
    if (!stop) {
        /* The instruction raised: it did not jump.  (FOR_ITER ending on a
         * StopIteration does jump, past the loop.) */
        rec->prev_offset = -1;
    }
    Py_CLEAR(rec->armed_exc);
    if (stop && rec->stop_offset == lasti) {
        /* The StopIteration of a generator that returned a value, given
         * as STOP_ITERATION already: not a RAISE. */
        rec->stop_offset = -1;
        return 0;
    }
    if ((events & PEP669_BIT(RAISE)) && !from_callback) {
        err = pep669_fire_traced(ts, cd, PEP669_EV_RAISE, co, lasti, exc);
    }
    if (!stop && (events & (PEP669_BIT(EXCEPTION_HANDLED) |
                            PEP669_BIT(RERAISE)))) {
        /* FOR_ITER / YIELD_FROM / SEND clear a StopIteration themselves:
         * no handler runs. */
        if (!rec->exc_seen) {
            /* (not inside a handler of the frame's: its handled exception
             * is the one from before) */
            Py_XSETREF(rec->outside,
                       Py_XNewRef(pep669_backend_handler_mark(ts)));
        }
        rec->exc_seen = 1;
        rec->exit_check = 0;
        rec->armed_exc = err < 0 ? current_exception() : Py_NewRef(exc);
        rec->armed_offset = lasti;
        apply(ts, WANT_FULL);
        set_flags_rec(frame, rec, events);
    }
    if (!stop && (events & PEP669_HANDLER_EVENTS) && !rec->handler_armed) {
        /* A handler of this frame, behind which events are still wanted,
         * may run next: they are on for the rest of the run, the raising
         * line being the last one. */
        rec->handler_armed = 1;
        rec->last_line = line_of(co, lasti);
        apply(ts, WANT_FULL);
        set_flags_rec(frame, rec, events);
    }
    if (rec->region) {
        /* Its handler, if any, is not among the instructions the last
         * line event looked at. */
        flags_write(rec, frame, 1, 1);
    }
    return err;
}

static int
check_reraise(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
              PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
              int lasti)
{
    PyObject *exc;
    int err = 0;
    if (!pep669_backend_reraise_at(frame, lasti, &exc)) {
        return 0;
    }
    rec->last_reraise = lasti;
    /* (an exception on its way again: its handler's first instruction is
     * no place to ask whether the frame left its handlers) */
    rec->exit_check = 0;
    if (events & PEP669_BIT(RERAISE)) {
        err = pep669_fire_traced(ts, cd, PEP669_EV_RERAISE, co, lasti, exc);
        rec->callback_raised = err < 0;
    }
    /* Its handler, if the frame has one, is next. */
    if (err == 0 && (events & PEP669_BIT(EXCEPTION_HANDLED))) {
        Py_XSETREF(rec->armed_exc, exc);
        exc = NULL;
    }
    Py_XDECREF(exc);
    return err;
}

/* Whether 3.12 would instrument a `for` loop's FOR_ITER in `co` (its
 * data `cd`), which keeps it from specialising: some tool set LINE,
 * INSTRUCTION or a branch event for the code (with a callback or not),
 * and the tools with callbacks did not DISABLE every location of it. */
static int
for_iter_instrumented(PyCodeObject *co, Pep669CodeData *cd)
{
    static const int evs[] = {PEP669_EV_LINE, PEP669_EV_INSTRUCTION,
                              PEP669_EV_BRANCH, PEP669_EV_BRANCH_LEFT,
                              PEP669_EV_BRANCH_RIGHT};
    uint32_t set = 0;
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        if (pep669_registry.global_tools[evs[i]]) {
            set |= 1u << evs[i];
        }
    }
    if (cd != NULL) {
        uint32_t local = 0;
        for (int tool = 0; tool < PEP669_TOOL_COUNT; tool++) {
            local |= cd->local_events[tool];
        }
        set |= local & (PEP669_BIT(LINE) | PEP669_BIT(INSTRUCTION) |
                        PEP669_BIT(BRANCH) | PEP669_BIT(BRANCH_LEFT) |
                        PEP669_BIT(BRANCH_RIGHT));
        if (set & cd->events) {
            set &= ~(cd->events & pep669_code_done(co, cd));
        }
    }
    return set != 0;
}

int
pep669_trace_generator_returned(PyThreadState *ts, Pep669Record *rec,
                                PyObject *retval)
{
    Pep669Frame *consumer = pep669_backend_current_frame(ts);
    Pep669Record *crec = NULL;
    Pep669CodeData *cd;
    int offset, drive;
    if (consumer == NULL ||
        !(rec->code->co_flags & (CO_GENERATOR | CO_COROUTINE |
                                 CO_ITERABLE_COROUTINE)) ||
        !(drive = pep669_backend_frame_drives_generator(consumer,
                                                        &offset))) {
        return 0;
    }
    PyFrameObject *f = pep669_backend_current_pyframe(ts);
    if (f == NULL) {
        return 0;
    }
    PyCodeObject *co = pep669_backend_pyframe_code(f);
    uint32_t events = code_events(co, &cd);
    if (rec->prev != NULL && rec->prev->frame == consumer) {
        crec = rec->prev;
    }
    else if (is_unhooked(consumer)) {
        crec = &unhooked;
    }
    if (drive == 2 && for_iter_instrumented(co, cd)) {
        /* A `for` loop in code with these events: natively its FOR_ITER
         * stays unspecialised, and the generator's end is no
         * STOP_ITERATION.  A StopIteration with a value is raised and
         * cleared by FOR_ITER: RAISE, from the legacy exception event.  A
         * generator that returned None raises nothing natively (3.8/3.9
         * raise StopIteration(): no RAISE for it). */
        if (crec != NULL && retval == Py_None) {
            crec->stop_offset = offset;
        }
        return 0;
    }
    if (crec != NULL) {
        crec->stop_offset = offset;
    }
    if (!(events & PEP669_BIT(STOP_ITERATION))) {
        return 0;
    }
    uint8_t tools = pep669_fire_tools(cd, PEP669_EV_STOP_ITERATION, offset);
    if (tools == 0) {
        return 0;
    }
    /* owned */
    PyObject *stop = retval == Py_None
        ? PyObject_CallNoArgs(PyExc_StopIteration)
        : PyObject_CallFunctionObjArgs(PyExc_StopIteration, retval, NULL);
    if (stop == NULL) {
        return -1;
    }
    int err = pep669_call_tools(ts, tools, PEP669_EV_STOP_ITERATION, co,
                                offset, stop);
    Py_DECREF(stop);
    return err;
}

/* What the frame's arrival at `lasti` settles, before that instruction's
 * own events: the call under way returned (C_RETURN), the exception
 * found its handler (EXCEPTION_HANDLED), the previous instruction jumped
 * here (JUMP / BRANCH). */
static int
arrive(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
       Pep669CodeData *cd, uint32_t events, int lasti)
{
    if (check_call(ts, rec, co, cd, events, lasti) < 0 ||
        check_handled(ts, rec, co, cd, events, lasti) < 0) {
        return -1;
    }
    if (rec->prev_offset >= 0) {
        return fire_jump(ts, cd, events, co, rec, lasti);
    }
    return 0;
}

static int
on_line(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
        PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
{
    int lasti = pep669_backend_pyframe_lasti(frame);
    int line = pep669_backend_pyframe_line(frame);
    if (arrive(ts, rec, co, cd, events, lasti) < 0) {
        return -1;
    }
    if (rec->moved) {
        /* A JUMP or BRANCH callback moved the frame. */
        rec->moved = 0;
        return 0;
    }
    if (rec->region) {
        region_line(rec, frame, events, lasti);
    }
    if (line == rec->last_line || line < 0) {
        return 0;
    }
    rec->last_line = line;
    if (!(events & PEP669_BIT(LINE))) {
        return 0;
    }
    uint8_t tools = pep669_fire_tools(cd, PEP669_EV_LINE, lasti);
    if (tools == 0) {
        return 0;
    }
    /* owned */
    PyObject *line_obj = PyLong_FromLong(line);
    if (line_obj == NULL) {
        return -1;
    }
    int err = pep669_call_line_traced(ts, tools, co, lasti, line_obj);
    Py_DECREF(line_obj);
    return err;
}

static int
on_opcode(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
          PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
{
    int lasti = pep669_backend_pyframe_lasti(frame);
    if (arrive(ts, rec, co, cd, events, lasti) < 0) {
        return -1;
    }
    if (rec->moved) {
        rec->moved = 0;
        return 0;
    }
    const uint8_t *units = (cd != NULL && lasti >= 0 &&
                            (lasti >> 1) < cd->nunits)
                           ? pep669_code_units(co, cd) : NULL;
    /* Only a tool with jump events needs to know where the frame was,
     * and only when it was at a jump. */
    rec->prev_offset = -1;
    if ((events & PEP669_JUMP_EVENTS) &&
        (units == NULL || (units[lasti >> 1] & PEP669_UNIT_JUMP_EVENT))) {
        rec->prev_offset = lasti;
    }
    if (events & PEP669_BIT(INSTRUCTION)) {
        if (pep669_fire_traced(ts, cd, PEP669_EV_INSTRUCTION, co, lasti,
                               NULL) < 0) {
            return -1;
        }
        /* Legacy tracing reports an EXTENDED_ARG prefix but not the
         * instruction it extends; 3.12 reports both. */
        int real = lasti, next, target;
        if (units == NULL) {
            (void)pep669_backend_jump_kind(co, &real, &next, &target);
        }
        else {
            while (units[real >> 1] & PEP669_UNIT_PREFIX) {
                real += 2;
            }
        }
        for (int off = lasti + 2; off <= real; off += 2) {
            if (pep669_fire_traced(ts, cd, PEP669_EV_INSTRUCTION, co, off,
                                   NULL) < 0) {
                return -1;
            }
        }
    }
    if (rec->exc_seen && (events & (PEP669_BIT(RERAISE) |
                                    PEP669_BIT(EXCEPTION_HANDLED))) &&
        (units == NULL || (units[lasti >> 1] & PEP669_UNIT_RERAISE_EVENT)) &&
        check_reraise(ts, rec, frame, co, cd, events, lasti) < 0) {
        return -1;
    }
    if ((events & PEP669_CALL_EVENTS) &&
        (units == NULL || (units[lasti >> 1] & PEP669_UNIT_CALL_EVENT))) {
        return start_call(ts, rec, frame, co, cd, events, lasti);
    }
    return 0;
}

/* 'return' of the frame that runs traced without the hook: its exit
 * events, then the caller's state. */
static int
on_unhooked_return(PyThreadState *ts, PyFrameObject *frame, PyCodeObject *co,
                   Pep669CodeData *cd, uint32_t events, PyObject *retval)
{
    int offset, err = 0;
    Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
    int kind = pep669_backend_frame_exit(ts, fr, retval, &offset);
    if (events & (1u << kind)) {
        PyObject *arg = kind == PEP669_EV_PY_UNWIND ? unhooked_exc : retval;
        if (arg != NULL) {
            Py_INCREF(arg);
            err = pep669_fire_traced(ts, cd, kind, co, offset, arg);
            Py_DECREF(arg);
        }
    }
    forget_unhooked();
    /* The caller: the record of the hook's, or it becomes the unhooked
     * frame, or nothing needs the trampoline any more. */
    PyFrameObject *back = pep669_backend_pyframe_back(frame);
    int want = 0;
    if (back != NULL) {
        Pep669Frame *back_fr = pep669_backend_pyframe_frame(back);
        if (record_top != NULL && record_top->frame == back_fr) {
            Pep669CodeData *back_cd;
            PyCodeObject *back_co = pep669_backend_pyframe_code(back);
            uint32_t back_events = probed(record_top, record_top->cd,
                                          code_events(back_co, &back_cd));
            want = wants_lines(back_events);
            if (want) {
                set_flags_rec(back, record_top, back_events);
            }
        }
        else {
            want = adopt_unhooked(ts, back_fr, back);
        }
        Py_DECREF(back);
    }
    apply(ts, want);
    return err;
}

static void follow(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
                   int hooked);

/* After callbacks ran at a line or opcode event: they may have changed
 * what this frame wants (events set, or the last location of an event
 * DISABLEd: the rest of the run does without it, at full speed if nothing
 * else is left). */
static void
recheck(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
        int hooked, uint64_t version, Pep669CodeData *cd, uint32_t events)
{
    if (version == pep669_registry.version &&
        (cd == NULL || !(events & PEP669_LINE_LEVEL_EVENTS) ||
         cd->done_known)) {
        return;
    }
    follow(ts, rec, frame, hooked);
}

/* The frame runs from here on as its events want. */
static void
follow(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
       int hooked)
{
    Pep669CodeData *cd;
    uint32_t events = record_events(rec, &cd);
    int want = with_record(
        rec, hooked ? wants_lines(events) : wants_unhooked(events), events);
    if (!want) {
        /* The rest of the run is untraced: the frame shows the program's
         * filters (a legacy tracer's) again. */
        flags_show(rec, frame);
    }
    if (!want && !hooked) {
        forget_unhooked();
    }
    apply(ts, want);
    if (want) {
        set_flags_rec(frame, rec, events);
    }
}

/* A frame that looks for re-raises (it saw an exception) stops when it
 * is inside none of its handlers any more, the exception handled: only a
 * new exception, whose event starts the search again, can bring a
 * re-raise then.  It may have left one by the instruction before this
 * one (a POP_EXCEPT, which runs inside the handler still); a re-raise
 * here (which may not raise: 3.8's END_FINALLY) leaves it to the next. */
static void
check_handler_exit(PyThreadState *ts, Pep669Record *rec,
                   PyFrameObject *frame, int hooked)
{
    int lasti = pep669_backend_pyframe_lasti(frame);
    const uint8_t *units = rec->cd != NULL
        ? pep669_code_units(rec->code, rec->cd) : NULL;
    if (units == NULL || lasti < 0 || (lasti >> 1) >= rec->cd->nunits) {
        return;
    }
    int cls = (units[lasti >> 1] & PEP669_UNIT_RERAISE_EVENT)
        ? pep669_backend_instr_class(rec->code, lasti) : 0;
    if (rec->exit_check && !(cls & PEP669_INSTR_RERAISE) &&
        rec->armed_exc == NULL && rec->deferred_count == 0) {
        rec->exit_check = 0;
        if (!rec->outside_ambiguous &&
            !pep669_backend_in_handler(rec->frame, rec->outside)) {
            rec->exc_seen = 0;
            follow(ts, rec, frame, hooked);
            return;
        }
    }
    if (cls & PEP669_INSTR_HANDLER_EXIT) {
        rec->exit_check = 1;
    }
}

/* Every event but the common cases pep669_trace handles itself. */
static int
trace_event(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg,
            Pep669Record *rec, int hooked, uint64_t version,
            Pep669CodeData *cd, uint32_t events)
{
    PyThreadState *ts = PyThreadState_GET();
    int err = 0;
    /* Something may happen: the next line or opcode event comes here
     * first. */
    rec->quiet_units = NULL;
    rec->quiet_lines = 0;
    if (rec->deferred_count == 0 &&
        !(hooked ? wants_lines(events)
                 : wants_unhooked(events))) {
        /* Events were switched off while the frame ran. */
        flags_show(rec, frame);
        if (!hooked) {
            forget_unhooked();
        }
        pep669_backend_trace_stop(ts);
        return pep669_backend_trace_forward(obj, frame, what, arg);
    }
    if (rec->flags_version == 0 && what != PyTrace_CALL) {
        /* A frame watched for exceptions only, whose first event this
         * is: once the interpreter has called the trace function, the
         * rest of the run goes through its tracing path (3.10/3.11). */
        set_flags_rec(frame, rec, events);
    }
    switch (what) {
    case PyTrace_CALL:
        if (pep669_backend_trace_has_legacy()) {
            /* Let the legacy tracer choose its filters from the defaults
             * (sys.settrace tracers set f_trace_opcodes in their 'call'
             * event), remember them, then add ours. */
            flags_show(rec, frame);
            err = pep669_backend_trace_forward(obj, frame, what, arg);
            set_flags_rec(frame, rec, events);
            return err;
        }
        if (rec->flags_version != pep669_registry.version ||
            rec->cd == NULL || !rec->cd->done_known || rec->exc_seen ||
            rec->handler_armed || rec->deferred_count > 0) {
            /* (else the hook set them when the run began, up to 3.10) */
            set_flags_rec(frame, rec, events);
        }
        break;
    case PyTrace_LINE:
        err = on_line(ts, rec, frame, rec->code, cd, events);
        break;
    case PyTrace_OPCODE:
        err = on_opcode(ts, rec, frame, rec->code, cd, events);
        break;
    case PyTrace_EXCEPTION:
        if (rec->call_offset >= 0) {
            int lasti = pep669_backend_pyframe_lasti(frame);
            err = end_call(ts, rec, rec->code, cd, events,
                           lasti >= rec->call_offset &&
                           lasti < rec->call_end);
            if (err < 0) {
                /* The interpreter drops the traceback it reported, with
                 * the frame's entry, when the trace function fails: the
                 * callback's exception is raised here, so it gets the
                 * entry (natively, C_RAISE comes before it is made). */
                pep669_backend_frame_add_traceback(
                    ts, pep669_backend_pyframe_frame(frame));
            }
        }
        if (err == 0) {
            err = on_exception(ts, rec, frame, rec->code, cd, events, arg);
        }
        if (!hooked && PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3) {
            Py_INCREF(PyTuple_GET_ITEM(arg, 1));
            Py_XSETREF(unhooked_exc, PyTuple_GET_ITEM(arg, 1));
        }
        break;
    case PyTrace_RETURN:
        if (!hooked) {
            err = on_unhooked_return(ts, frame, rec->code, cd, events, arg);
        }
        break;
    default:
        break;
    }
    if (err < 0) {
        return -1;
    }
    if (what == PyTrace_LINE || what == PyTrace_OPCODE) {
        recheck(ts, rec, frame, hooked, version, cd, events);
    }
    if (what == PyTrace_OPCODE && rec->exc_seen) {
        check_handler_exit(ts, rec, frame, hooked);
    }
    /* Only what the legacy tracer asked for in this frame. */
    if ((what == PyTrace_OPCODE && !rec->legacy_opcodes) ||
        (what == PyTrace_LINE && !rec->legacy_lines)) {
        return 0;
    }
    return pep669_trace_forward(obj, frame, what, arg);
}

int
pep669_trace_fire_line(PyFrameObject *frame, int lasti, int line,
                       uint8_t tools)
{
    Pep669Record *rec = record_top;
    Pep669CodeData *cd = rec->cd;
    uint64_t version = pep669_registry.version;
    /* owned */
    PyObject *line_obj = PyLong_FromLong(line);
    rec->last_line = line;
    if (line_obj == NULL) {
        return -1;
    }
    int origin = line_origin;
    line_origin = PEP669_ORIGIN_TRACE;
    int err = pep669_call_line_traced(NULL, tools, rec->code, lasti,
                                      line_obj);
    line_origin = origin;
    Py_DECREF(line_obj);
    if (err == 0 &&
        (version != pep669_registry.version || !cd->done_known)) {
        /* (the frame's events had LINE: the quiet state says so) */
        recheck(PyThreadState_GET(), rec, frame, 1, version, cd,
                PEP669_BIT(LINE));
    }
    return err;
}

/* Nothing pending in the frame: no call under way, no exception looking
 * for its handler, no jump whose destination is next. */
static inline int
idle(Pep669Record *rec)
{
    return rec->prev_offset < 0 && rec->call_offset < 0 &&
           rec->armed_exc == NULL && rec->deferred_count == 0 &&
           !rec->exit_check;
}

/* An event in a frame that runs a clone: the end of the window (see
 * pep669_trace_enter), or one of the instructions the clone added (a
 * patched site's jump, a stub), which are no instructions of the frame's
 * code: nothing happens there.  An exception at a stub (between the probe
 * and the jump back) belongs to the location.  Returns 1 when the event
 * needs nothing more. */
static int
clone_event(Pep669Record *rec, PyFrameObject *frame, Pep669Frame *fr,
            int what)
{
    Pep669Clone *cl = rec->clone;
    pep669_trace_unswap(rec);
    if (rec->window) {
        if (what == PyTrace_CALL &&
            !pep669_backend_code_read_before_call()) {
            /* 3.8/3.9: the evaluator reads f_code after this event. */
            return 1;
        }
        end_window(PyThreadState_GET(), rec, frame);
        /* The window's events were ours; an exception (throw()) is the
         * frame's. */
        return what != PyTrace_EXCEPTION;
    }
    int lasti = pep669_backend_pyframe_lasti(frame);
    if (!pep669_clone_detour(cl, lasti)) {
        return 0;
    }
    if (what == PyTrace_EXCEPTION) {
        Pep669Site *site = pep669_clone_stub_site(cl, lasti);
        if (site != NULL) {
            pep669_backend_frame_set_lasti(fr, site->loc);
        }
        return 0;
    }
    if (what == PyTrace_OPCODE || lasti >= cl->base) {
        /* (a line event at a patched site is the location's)  A jump
         * whose destination is next stays pending: the stub goes on to
         * the destination, where the jump's events fire (before its
         * LINE), as without a stub. */
        return 1;
    }
    return 0;
}

static int trace_inner(PyObject *obj, PyFrameObject *frame, int what,
                       PyObject *arg);

int
pep669_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    /* (a callback may move the frame: it is in a trace call) */
    int origin = line_origin;
    line_origin = PEP669_ORIGIN_TRACE;
    int err = trace_inner(obj, frame, what, arg);
    line_origin = origin;
    return err;
}

static int
trace_inner(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
    Pep669Record *rec;
    Pep669CodeData *cd;
    uint32_t events;
    int hooked = record_top != NULL && record_top->frame == fr;
    uint64_t version = pep669_registry.version;

    if (hooked) {
        rec = record_top;
    }
    else {
        rec = &unhooked;
        if (!is_unhooked(fr)) {
            /* Not a frame of ours: its events are the legacy tracer's
             * business only. */
            return pep669_backend_trace_forward(obj, frame, what, arg);
        }
        if (unhooked.transit) {
            if (what == PyTrace_RETURN) {
                events = record_events(rec, &cd);
                if (on_unhooked_return(PyThreadState_GET(), frame,
                                       rec->code, cd, events, arg) < 0) {
                    return -1;
                }
            }
            return pep669_backend_trace_forward(obj, frame, what, arg);
        }
    }
    if (hooked && rec->clone != NULL &&
        clone_event(rec, frame, fr, what)) {
        return 0;
    }
    if (rec->pending &&
        (what == PyTrace_LINE || what == PyTrace_OPCODE)) {
        /* The location's own event, after a probe whose LINE callback
         * moved the frame: the move, and nothing else here. */
        return pending_jump(rec, frame);
    }
    if (rec->deferred_count > 0 && what == PyTrace_OPCODE &&
        --rec->deferred_count == 0) {
        /* The handler's prologue ran: raise the callback's exception. */
        rec->callback_raised = 1;
        PyErr_Restore(rec->deferred_type, rec->deferred_value,
                      rec->deferred_tb);
        rec->deferred_type = rec->deferred_value = rec->deferred_tb = NULL;
        return -1;
    }
    events = record_events(rec, &cd);
    if (what == PyTrace_OPCODE && cd != NULL && cd->units != NULL &&
        ((events & PEP669_INSTR_EVENTS) || rec->exc_seen) &&
        !(events & PEP669_BIT(INSTRUCTION)) && idle(rec)) {
        /* The common case: this instruction cannot start anything the
         * frame's events look for. */
        int lasti = pep669_backend_pyframe_lasti(frame);
        uint8_t look = 0;
        if (events & PEP669_JUMP_EVENTS) {
            look |= PEP669_UNIT_JUMP_EVENT;
        }
        if (events & PEP669_CALL_EVENTS) {
            look |= PEP669_UNIT_CALL_EVENT;
        }
        if (rec->exc_seen) {
            look |= PEP669_UNIT_RERAISE_EVENT;
        }
        /* The backend's trampoline checks the next ones itself
         * (pep669_trace_quiet), until the version changes or something
         * happens in the frame. */
        rec->quiet_units = cd->units;
        rec->quiet_look = look;
        rec->quiet_nunits = cd->nunits;
        rec->quiet_version = version;
        if (lasti >= 0 && (lasti >> 1) < cd->nunits &&
            !(cd->units[lasti >> 1] & look)) {
            return rec->legacy_opcodes
                ? pep669_trace_forward(obj, frame, what, arg) : 0;
        }
    }
    else if (what == PyTrace_LINE && cd != NULL &&
             (events & PEP669_BIT(LINE)) && idle(rec)) {
        /* The common case: the rule of 3.12 (not the line of the previous
         * instruction), then the line's tools. */
        int line = pep669_backend_pyframe_line(frame);
        int lasti = pep669_backend_pyframe_lasti(frame);
        if (rec->region) {
            region_line(rec, frame, events, lasti);
        }
        else {
            /* The backend's trampoline checks the next ones itself
             * (pep669_trace_quiet_line) while nothing changes. */
            rec->quiet_lines = 1;
            rec->quiet_line_version = version;
        }
        if (line != rec->last_line && line >= 0) {
            uint8_t tools = pep669_fire_tools(cd, PEP669_EV_LINE, lasti);
            rec->last_line = line;
            if (tools) {
                PyThreadState *ts = PyThreadState_GET();
                /* owned */
                PyObject *line_obj = PyLong_FromLong(line);
                if (line_obj == NULL) {
                    return -1;
                }
                int err = pep669_call_line_traced(ts, tools, rec->code,
                                                  lasti, line_obj);
                Py_DECREF(line_obj);
                if (err < 0) {
                    return -1;
                }
                recheck(ts, rec, frame, hooked, version, cd, events);
            }
        }
        return rec->legacy_lines
            ? pep669_trace_forward(obj, frame, what, arg) : 0;
    }
    return trace_event(obj, frame, what, arg, rec, hooked, version, cd,
                       events);
}

/* After a probe, whose callbacks (or callee) may have changed the events:
 * the frame runs from here on as `events` (the record's) want. */
static void
frame_follows(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
              uint32_t events)
{
    int want = with_record(rec, wants_lines(events), events);
    PyFrameObject *f = pep669_backend_frame_pyframe(frame);
    if (!want) {
        flags_show(rec, f);
    }
    apply(ts, want);
    if (want) {
        set_flags_rec(f, rec, events);
    }
}

/* The frame must run the location's own instruction, which other frames
 * of the clone, untraced, rely on the probe there to see: they are traced
 * from now on (those of other threads from their next call or return),
 * and new frames run the code itself until the events change. */
static void
give_up_clone(Pep669Clone *cl, Pep669CodeData *cd)
{
    pep669_clone_retire(cl);
    cd->probe_off_version = pep669_registry.version;
}

/* The branch events of a branch probe's edge (the branch at site->bsrc
 * arriving at site->loc), as the trampoline gives them when the frame
 * arrives there traced (fire_jump): BRANCH, then BRANCH_LEFT or
 * BRANCH_RIGHT. */
static int
probe_branch(PyThreadState *ts, Pep669Frame *frame, Pep669CodeData *cd,
             PyCodeObject *co, Pep669Site *site)
{
    int b = site->bsrc, dest = site->loc, next, target;
    if (pep669_backend_jump_kind(co, &b, &next, &target) !=
        PEP669_EV_BRANCH) {
        return 0;
    }
    int side = dest == next ? PEP669_EV_BRANCH_LEFT : PEP669_EV_BRANCH_RIGHT;
    if (!pep669_fire_tools(cd, PEP669_EV_BRANCH, b) &&
        !pep669_fire_tools(cd, side, b)) {
        return 0;
    }
    /* owned */
    PyObject *dest_obj = PyLong_FromLong(dest);
    if (dest_obj == NULL) {
        return -1;
    }
    /* (as there: the callbacks see the frame at the branch) */
    Pep669FramePos pos;
    pep669_backend_frame_move(frame, b, &pos);
    int err = pep669_fire(ts, cd, PEP669_EV_BRANCH, co, b, dest_obj);
    if (err == 0) {
        err = pep669_fire(ts, cd, side, co, b, dest_obj);
    }
    pep669_backend_frame_restore(frame, &pos);
    Py_DECREF(dest_obj);
    return err;
}

int
pep669_trace_probe(PyThreadState *ts, Pep669Frame *frame, Pep669Clone *cl,
                   Pep669Site *site)
{
    Pep669Record *rec = record_top;
    Pep669CodeData *cd;
    int loc = site->loc;
    if (rec == NULL || rec->frame != frame || rec->clone != cl) {
        /* (no frame of ours runs clones without its record) */
        pep669_clone_retire(cl);
        return 0;
    }
    PyCodeObject *co = rec->code;
    uint32_t events = record_events(rec, &cd);
    if (!pep669_site_wanted(co, cd, site)) {
        /* Every tool DISABLEd it (in another frame, or in this one while
         * it ran traced): the original instruction, for good. */
        pep669_clone_unpatch(cl, cd, loc);
        return 0;
    }
    if ((events & PEP669_PROBED_EVENTS) &&
        pep669_backend_trace_mode(ts) == PEP669_TRACE_FULL) {
        /* The frame is traced: its line event at the location is the
         * LINE, and the trampoline gives the branch's events on arrival.
         * It came before a probe at the location, it comes next after one
         * on a jump. */
        if (site->src < 0) {
            give_up_clone(cl, cd);
        }
        pep669_backend_frame_resync(frame, loc);
        return 0;
    }
    /* Callbacks see the frame at the location (and an exception they
     * raise is raised there). */
    pep669_backend_frame_set_lasti(frame, loc);
    if (site->bsrc >= 0 && probe_branch(ts, frame, cd, co, site) < 0) {
        return -1;
    }
    uint8_t tools = site->line ? pep669_fire_tools(cd, PEP669_EV_LINE, loc)
                               : 0;
    if (tools != 0) {
        int line = line_of(co, loc);
        /* owned */
        PyObject *line_obj = PyLong_FromLong(line);
        if (line_obj == NULL) {
            return -1;
        }
        rec->last_line = line;
        int origin = line_origin;
        line_origin = PEP669_ORIGIN_PROBE;
        int err = pep669_call_tools(ts, tools, PEP669_EV_LINE, co, loc,
                                    line_obj);
        line_origin = origin;
        Py_DECREF(line_obj);
        if (err < 0) {
            if (rec->pending) {
                rec->pending = 0;
                pep669_backend_frame_set_lasti(frame, loc);
            }
            return -1;
        }
    }
    (void)pep669_code_events(co, &cd);
    if (rec->pending) {
        /* A callback moved the frame: it runs traced from the location
         * on (every frame of the clone does), where the move is made. */
        pep669_backend_frame_set_lasti(frame, loc);
        give_up_clone(cl, cd);
    }
    else if (!pep669_site_wanted(co, cd, site)) {
        pep669_clone_unpatch(cl, cd, loc);
    }
    else if (site->src < 0) {
        /* Still wanted, and in the frame's way. */
        give_up_clone(cl, cd);
    }
    /* The callbacks may have changed the events: the frame follows. */
    events = record_events(rec, &cd);
    pep669_backend_frame_resync(frame, loc);
    frame_follows(ts, rec, frame, events);
    return 0;
}

/* C_RETURN or C_RAISE after a probe's call (the tools that DISABLEd the
 * CALL there get neither: 3.12 removes the location's instrumentation).
 * A C_RAISE callback's exception replaces the call's. */
static int
probe_call_ended(PyThreadState *ts, Pep669CodeData *cd, PyCodeObject *co,
                 int loc, PyObject *callable, PyObject *arg0, int raised)
{
    int event = raised ? PEP669_EV_C_RAISE : PEP669_EV_C_RETURN;
    if (cd == NULL || !(pep669_code_data_events(cd) & (1u << event))) {
        return 0;
    }
    uint8_t tools = pep669_fire_tools(cd, event, loc) &
        (uint8_t)~pep669_disabled_tools(cd, PEP669_EV_CALL, loc);
    if (tools == 0) {
        return 0;
    }
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (raised) {
        PyErr_Fetch(&type, &value, &tb);
    }
    int err = pep669_call_tools2(ts, tools, event, co, loc, callable, arg0);
    if (raised) {
        if (err < 0) {
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
        }
        else {
            PyErr_Restore(type, value, tb);
        }
    }
    return err;
}

/* After a call probe: the callbacks or the callee may have changed the
 * events (a tool gaining LINE), or set a legacy tracer or profiler, which
 * the clone cannot serve.  The frame then follows, as after a line probe:
 * traced from the instruction after the call (the stub's own are skipped),
 * whose line is the call's.  `covered`: the probes stood in for the
 * frame's calls when this one began. */
static void
call_probe_follow(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                  Pep669Clone *cl, int loc, int covered)
{
    Pep669CodeData *cd;
    if (record_top != rec || rec->frame != frame || rec->clone != cl) {
        return;
    }
    /* (the call's exception, if it raised, goes on once this is done) */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (!pep669_backend_thread_plain(ts)) {
        pep669_clone_retire(cl);
    }
    uint32_t events = record_events(rec, &cd);
    if (covered && !rec->calls_covered) {
        rec->last_line = line_of(rec->code, loc);
        pep669_backend_frame_resync(frame, loc);
    }
    frame_follows(ts, rec, frame, events);
    PyErr_Restore(type, value, tb);
}

static PyObject *
call_probe(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
           Pep669Clone *cl, Pep669Site *site, PyObject **top);

PyObject *
pep669_trace_call_probe(PyThreadState *ts, Pep669Frame *frame,
                        Pep669Clone *cl, Pep669Site *site, PyObject **top)
{
    Pep669Record *rec = record_top;
    uint64_t version = pep669_registry.version;
    int covered = 0;
    if (rec != NULL && rec->frame == frame && rec->clone == cl) {
        covered = rec->calls_covered;
    }
    else {
        rec = NULL;
    }
    PyObject *out = call_probe(ts, rec, frame, cl, site, top);
    if (rec != NULL && (version != pep669_registry.version ||
                        !pep669_backend_thread_plain(ts))) {
        call_probe_follow(ts, rec, frame, cl, site->loc, covered);
    }
    return out;
}

static PyObject *
call_probe(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
           Pep669Clone *cl, Pep669Site *site, PyObject **top)
{
    PyCodeObject *co = cl->orig;
    Pep669CodeData *cd = NULL;
    int loc = site->loc, inlined = 0, events_on;
    PyObject *callable, *arg0, *res;
    /* The frame is at the call: for the callbacks, the callee (f_lineno,
     * tracebacks) and an exception raised here (nothing changes it until
     * the stub goes on). */
    pep669_backend_frame_set_lasti(frame, loc);
    if (rec != NULL) {
        pep669_trace_unswap(rec);
        cd = rec->cd;
    }
    else {
        /* (no frame of ours runs clones without its record) */
        pep669_clone_retire(cl);
    }
    events_on = cd != NULL && rec->calls_covered &&
                (pep669_code_data_events(cd) & PEP669_BIT(CALL));
    if (events_on && !pep669_backend_thread_plain(ts)) {
        /* A legacy tracer or profiler arrived: it sees the frame's calls
         * only without probes, from the next one on. */
        pep669_clone_retire(cl);
    }
    uint8_t tools = events_on ? pep669_fire_tools(cd, PEP669_EV_CALL, loc)
                              : 0;
    if (tools == 0) {
        /* Every tool with CALL DISABLEd it: the call, for good. */
        if (events_on) {
            pep669_clone_unpatch_site(cl, site);
        }
        res = pep669_backend_call_site_run(site, top);
        return pep669_backend_call_site_finish(site, top, res);
    }
    int found = pep669_backend_call_site_read(site, top, &callable, &arg0,
                                              &inlined);
    if (found <= 0) {
        /* Arguments the call cannot unpack (0): no event, the call raises
         * its own error; or unpacking them failed (-1). */
        res = found == 0 ? pep669_backend_call_site_run(site, top) : NULL;
        return pep669_backend_call_site_finish(site, top, res);
    }
    if (arg0 == NULL) {
        arg0 = pep669_registry.missing;
    }
    /* (the stack holds them; the callbacks may not keep it so) */
    Py_INCREF(callable);
    Py_INCREF(arg0);
    if (pep669_call_tools2(ts, tools, PEP669_EV_CALL, co, loc, callable,
                           arg0) < 0) {
        /* The call does not happen. */
        res = NULL;
    }
    else {
        if (pep669_fire_tools(cd, PEP669_EV_CALL, loc) == 0) {
            pep669_clone_unpatch_site(cl, site);
        }
        res = pep669_backend_call_site_run(site, top);
        if (!inlined &&
            probe_call_ended(ts, cd, co, loc, callable, arg0,
                             res == NULL) < 0) {
            Py_CLEAR(res);
        }
    }
    PyObject *out = pep669_backend_call_site_finish(site, top, res);
    Py_DECREF(callable);
    Py_DECREF(arg0);
    return out;
}

int
pep669_trace_enter_quiet(PyThreadState *ts, Pep669Record *rec,
                         Pep669Frame *frame, PyCodeObject *co,
                         Pep669CodeData *cd, uint32_t events)
{
    uint64_t version = pep669_registry.version;
    int want = (events & PEP669_EXC_EVENTS) ? WANT_LIGHT : 0;
    if (cd == NULL || cd->version != version ||
        (record_top != NULL && record_top->engaged) || unhooked.engaged ||
        (events & ~(PEP669_CALL_EVENTS | PEP669_EXC_EVENTS)) ||
        !(events & (PEP669_BIT(CALL) | PEP669_EXC_EVENTS)) ||
        (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                         CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)) ||
        !pep669_backend_trace_clean(ts, want)) {
        return 0;
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
    /* A frame of code that wants nothing of the trampoline but what the
     * thread has already (CALL on call probes; exceptions from a LIGHT
     * trampoline): its record, its clone, and no switching, unless
     * something happens while it runs (pep669_trace_leave_quiet). */
    init_record(rec, frame, co, cd);
    cache_events(rec, events);
    rec->clone = cl;
    rec->calls_covered = cl != NULL;
    rec->was_traced = want != 0;
    rec->last_line = -1;
    rec->quiet_entry = version;
    rec->prev = record_top;
    record_top = rec;
    if (cl != NULL) {
        pep669_backend_frame_set_code(frame, cl->code);
        rec->swapped = 1;
    }
    return 1;
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
    record_top = rec->prev;
    if (rec->clone != NULL) {
        pep669_clone_decref(rec->clone);
        rec->clone = NULL;
    }
    return 1;
}

/* ---- frame.f_lineno set from a callback ---- */

/* The frame type's own setter of f_lineno: the interpreter's, which
 * allows a jump only from a legacy trace function (f_trace set, the frame
 * in a trace call).  Ours stands in for it (the same descriptor object,
 * another PyGetSetDef): inside callbacks it applies 3.12's rules, then
 * moves the frame with the interpreter's own setter. */
static setter lineno_orig = NULL;
static PyGetSetDef lineno_def;

PEP669_THREAD_LOCAL_FAST int pep669_trace_line_origin = PEP669_ORIGIN_NONE;

static Pep669Record *
record_of(PyFrameObject *f)
{
    Pep669Frame *fr = pep669_backend_pyframe_frame(f);
    if (record_top != NULL && record_top->frame == fr) {
        return record_top;
    }
    return is_unhooked(fr) ? &unhooked : NULL;
}

/* The interpreter's setter, as from a trace function of the frame's. */
static int
lineno_move(PyFrameObject *f, PyObject *value, void *closure)
{
    PyObject *trace = pep669_backend_pyframe_trace(f);
    if (trace != NULL) {
        return lineno_orig((PyObject *)f, value, closure);
    }
    pep669_backend_pyframe_set_trace(f, Py_None);
    int err = lineno_orig((PyObject *)f, value, closure);
    if (pep669_backend_pyframe_trace(f) == Py_None) {
        pep669_backend_pyframe_set_trace(f, NULL);
    }
    return err;
}

void
pep669_trace_frame_moved(PyFrameObject *frame, int lasti, int jump)
{
    Pep669Record *rec = record_of(frame);
    if (rec == NULL) {
        return;
    }
    /* The line it lands on was "given" (3.12 reports no LINE for it), and
     * the move is no jump of the code's. */
    rec->last_line = line_of(rec->code, lasti);
    rec->prev_offset = -1;
    rec->moved = (char)jump;
    rec->quiet_lines = 0;
    rec->quiet_units = NULL;
}

static int
lineno_set(PyObject *self, PyObject *value, void *closure)
{
    int event = pep669_trace_what_event;
    if (event < 0 || !PyFrame_Check(self)) {
        /* Not from a callback: the interpreter's rules (a legacy trace
         * function's jump). */
        return lineno_orig(self, value, closure);
    }
    PyFrameObject *f = (PyFrameObject *)self;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute");
        return -1;
    }
    if (!PyLong_CheckExact(value)) {
        PyErr_SetString(PyExc_ValueError, "lineno must be an integer");
        return -1;
    }
    /* 3.12/3.13 (frame_setlineno): by the event whose callback runs. */
    switch (event) {
    case PEP669_EV_LINE:
    case PEP669_EV_JUMP:
    case PEP669_EV_BRANCH:
    case PEP669_EV_BRANCH_LEFT:
    case PEP669_EV_BRANCH_RIGHT:
    case PEP669_EV_PY_RESUME:
    case PEP669_EV_PY_YIELD:
        break;
    case PEP669_EV_PY_START:
        PyErr_SetString(PyExc_ValueError,
                        "can't jump from the 'call' trace event of a new "
                        "frame");
        return -1;
    case PEP669_EV_CALL:
    case PEP669_EV_C_RETURN:
        PyErr_SetString(PyExc_ValueError, "can't jump during a call");
        return -1;
    case PEP669_EV_PY_RETURN:
    case PEP669_EV_PY_UNWIND:
    case PEP669_EV_PY_THROW:
    case PEP669_EV_RAISE:
    case PEP669_EV_C_RAISE:
    case PEP669_EV_INSTRUCTION:
    case PEP669_EV_EXCEPTION_HANDLED:
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        return -1;
    default:
        PyErr_SetString(PyExc_SystemError, "unexpected event type");
        return -1;
    }
    if (event == PEP669_EV_PY_RESUME || event == PEP669_EV_PY_YIELD ||
        line_origin == PEP669_ORIGIN_NONE ||
        line_origin == PEP669_ORIGIN_HOOK) {
        /* The frame is not running there (docs/differences.md), or the
         * event came from the C API: the frame is in a call. */
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        return -1;
    }
    Pep669Record *rec = record_of(f);
    if (rec == NULL) {
        /* Not the frame of the event (the innermost one pep669 runs):
         * what the interpreter allows (a frame with f_trace set). */
        return lineno_orig(self, value, closure);
    }
    if (line_origin == PEP669_ORIGIN_PROBE) {
        /* A line probe: the frame runs the probe's call.  Checked on a
         * copy now, made at the location's line event once the frame
         * runs traced (pep669_trace_probe, pep669_trace). */
        int to = pep669_backend_jump_check(f, value, lineno_orig, closure);
        if (to < 0) {
            return -1;
        }
        /* (where the callbacks see it: pep669_trace_probe puts the
         * location back for the stub) */
        pep669_backend_frame_set_lasti(rec->frame, to);
        pep669_backend_frame_resync(rec->frame, to);
        rec->pending = 1;
        rec->pending_line = PyLong_AsLong(value);
        rec->quiet_lines = 0;
        rec->quiet_units = NULL;
        return 0;
    }
    if (rec->jump_pos != NULL) {
        /* A JUMP or BRANCH callback, which sees the frame at the jump:
         * the interpreter has it at the destination already, and the
         * move starts from there. */
        if (rec->moved) {
            PyErr_SetString(PyExc_ValueError,
                            "can only jump from a 'line' trace event");
            return -1;
        }
        pep669_backend_frame_restore(rec->frame, rec->jump_pos);
        if (lineno_move(f, value, closure) < 0) {
            Pep669FramePos again;
            pep669_backend_frame_move(rec->frame, rec->jump_src, &again);
            return -1;
        }
        pep669_trace_frame_moved(f, pep669_backend_pyframe_lasti(f), 1);
        return 0;
    }
    /* A legacy trace call of the frame: the interpreter takes the new
     * position when it returns. */
    if (lineno_move(f, value, closure) < 0) {
        return -1;
    }
    pep669_trace_frame_moved(f, pep669_backend_pyframe_lasti(f),
                             event != PEP669_EV_LINE);
    return 0;
}

/* The move a line probe's callback asked for, at the frame's first trace
 * event after the probe. */
static int
pending_jump(Pep669Record *rec, PyFrameObject *frame)
{
    rec->pending = 0;
    /* owned */
    PyObject *line = PyLong_FromLong(rec->pending_line);
    if (line == NULL) {
        return -1;
    }
    int err = lineno_move(frame, line, lineno_def.closure);
    Py_DECREF(line);
    if (err == 0) {
        pep669_trace_frame_moved(frame, pep669_backend_pyframe_lasti(frame),
                                 0);
    }
    return err;
}

int
pep669_trace_init(void)
{
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict,
                                           "f_lineno");
    if (descr == NULL || Py_TYPE(descr) != &PyGetSetDescr_Type) {
        PyErr_SetString(PyExc_SystemError, "frame.f_lineno not found");
        return -1;
    }
    PyGetSetDescrObject *gd = (PyGetSetDescrObject *)descr;
    if (gd->d_getset == &lineno_def) {
        return 0;
    }
    lineno_def = *gd->d_getset;
    lineno_orig = lineno_def.set;
    lineno_def.set = lineno_set;
    gd->d_getset = &lineno_def;
    return 0;
}
