/* Frame events from the eval-frame hook.
 *
 * The hook sees every run of a Python frame: a function call, and every
 * resumption of a generator or coroutine by next/send (PY_RESUME) or
 * throw/close (PY_THROW).  Entry events fire before the evaluator runs the
 * frame, exit events after it returned; in both cases the backend links
 * the frame in as the thread's current frame while callbacks run, as
 * CPython 3.12 fires them with the frame on the stack.
 *
 * A callback that raises must make the *monitored code* raise at that
 * point.  At entry that is done by running the frame with throwflag set,
 * the mechanism of generator.throw(): the exception is raised inside the
 * frame, its handlers see it, and the frame unwinds (PY_UNWIND) if none
 * takes it.  At PY_YIELD the generator is re-entered the same way.  At
 * PY_RETURN the frame has already finished: it "unwinds" with the new
 * exception instead of returning. */
#include "frames.h"
#include "legacy_exceptions.h"
#include "dispatch.h"
#include "trampoline.h"
#include "suspended.h"
#include "wanted.h"
#include "frames_gen.h"
#include "frames_end.h"

#include "frames_fire.h"

/* (inline in pep669_frame_end, its only caller, whose C frame is under no
 * frame's run but a rerun's) */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline PyObject *
frame_exit(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
           PyObject *result, int *rethrow, Pep669Record *rec)
{
    Pep669CodeData *cd = rec->cd;
    uint32_t events = cd != NULL ? pep669_code_data_events(cd)
                                 : pep669_code_events(co, &cd);
    int offset;
    int generator = (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                                     CO_ITERABLE_COROUTINE)) != 0;
    *rethrow = 0;
    if (result == NULL &&
        (events & (PEP669_BIT(RERAISE) | PEP669_BIT(EXCEPTION_HANDLED)))) {
        frame_end_reraise(ts, frame, co, cd, rec);
    }
    if (!generator && !(events & PEP669_EXIT_EVENTS)) {
        return result;
    }
    /* (the PY_RETURN and PY_YIELD callbacks leave the frame's state as it
     * is: one look serves frame_return and the generator's end) */
    int event = pep669_frame_exit(ts, frame, result, &offset);
    if (events & PEP669_EXIT_EVENTS) {
        result = frame_return(ts, frame, co, result, rethrow, events, cd,
                              rec, event, offset);
    }
    if (result != NULL && generator && event == PEP669_EV_PY_YIELD &&
        (pep669_registry.active_union &
         (PEP669_BIT(RAISE) | PEP669_BIT(STOP_ITERATION)))) {
        pep669_generator_yielded(ts);
    }
    if (result != NULL && !*rethrow && generator &&
        event == PEP669_EV_PY_RETURN &&
        pep669_generator_returned(ts, rec, result) < 0) {
        /* A STOP_ITERATION callback raised: the consumer sees it. */
        Py_CLEAR(result);
    }
    return result;
}

/* frame_begin's "run the frame untouched", with throwflag 0 or 1 (never
 * dereferenced: so that nothing but the record is kept in
 * pep669_frame_eval's C frame across the calls). */
static char frame_pass[2];
#define FRAME_PASS(throwflag) \
    ((Pep669Record *)(void *)&frame_pass[(throwflag) != 0])

/* The frames path: a run (throwflag off) of code that wants of the hook
 * only frame events (`events`, done-masked, and none of
 * PEP669_TRACED_EVENTS), on a thread clean for it
 * (pep669_trace_frames_clean), its entry `event` at `offset` (`fresh`:
 * pep669_backend_frame_entry's).  The entry event, then the record pushed
 * as pep669_trace_enter would leave it, in fewer steps (a generator's
 * start, its resumptions that want more than the hook's quiet one), or a
 * bare block (pep669_frames_push_bare); if the entry callbacks changed
 * the event sets or the thread's tracing, pep669_trace_enter decides
 * after all.  (Inline in frames_start, the frames path's one start
 * function; out of line for frame_begin: frames_fire_out.) */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline Pep669Record *
frames_fire(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
            Pep669CodeData *cd, uint32_t events, uint32_t code_events,
            uint64_t version, int event, int offset, int fresh)
{
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    rec->hook_code = co;
    rec->hook_throwflag = 0;
    int fired = 0, legacy = 0;
    if (events & (1u << event)) {
        uint8_t tools = pep669_fire_tools(cd, event, offset);
        if (tools) {
            fired = 1;
            if (fire_entry_run(ts, frame, tools, event, co, offset,
                               &legacy) < 0) {
                /* Raise it inside the frame, before its first
                 * instruction. */
                (void)pep669_backend_frame_prepare_throw(ts, frame, 1);
                rec->hook_throwflag = 1;
            }
        }
    }
    if (event == PEP669_EV_PY_RESUME && cd != NULL &&
        !cd->delegation_resumed) {
        pep669_delegation_resumed(frame, cd);
    }
    if (!fired ||
        (!rec->hook_throwflag && version == pep669_registry.version &&
         pep669_trace_frames_clean(ts))) {
        if (PEP669_LIKELY(ts->c_profilefunc == NULL && legacy == 0)) {
            /* (no record until one is needed: pep669_frames_push_bare; no
             * legacy 'call' to drop, whose drop pep669_frame_end re-arms) */
            pep669_frames_push_bare(rec, frame, co, cd, events, 0);
            return rec;
        }
        pep669_trace_push_frames(rec, frame, co, cd, events);
        rec->hook_quiet = 2;
        entry_dropped(ts, frame, rec, legacy);
        return rec;
    }
    rec->hook_quiet = 0;
    pep669_trace_enter(ts, rec, frame, co, fresh, cd, code_events,
                       version);
    entry_dropped(ts, frame, rec, legacy);
    return rec;
}

static PEP669_NOINLINE Pep669Record *
frames_fire_out(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
                Pep669CodeData *cd, uint32_t events, uint32_t code_events,
                uint64_t version, int event, int offset, int fresh)
{
    return frames_fire(ts, frame, co, cd, events, code_events, version,
                       event, offset, fresh);
}

/* Everything before the evaluator runs the frame: FRAME_PASS (run it
 * as it is), NULL with an exception set, or the record of this run with
 * the hook's own fields set.  Out of line, as pep669_frame_end: the C frame that
 * stays under every frame the hook runs is pep669_frame_eval's, which
 * then keeps three registers and no locals (32 bytes on x86-64). */
static PEP669_NOINLINE Pep669Record *
frame_begin(PyThreadState *ts, Pep669Frame *frame, int throwflag,
            PyCodeObject *co, Pep669CodeData *cd)
{
    uint32_t events;
    int event, offset, fresh;
    Pep669Record *rec;

    /* (the hook runs nothing here while callbacks run) */
    PEP669_ASSERT(!pep669_backend_suppressed(ts));
    pep669_backend_trace_check(ts);
    if (co == NULL) {
        co = pep669_backend_frame_code(frame);
        events = pep669_code_events(co, &cd);
    }
    else {
        /* (the hook's fast path found them) */
        PEP669_ASSERT(co == pep669_backend_frame_code(frame) &&
                      cd == pep669_code_data(co));
        events = cd != NULL ? pep669_code_data_events(cd)
                            : pep669_registry.active_union;
    }
    uint32_t code_events = events;
#ifdef PEP669_DEBUG
    /* (the idle cache checked; without the hook's fast path, -Og, kept as
     * the hook keeps it) */
    PEP669_ASSERT(!(cd != NULL && cd->version == pep669_registry.version &&
                    cd->idle) || pep669_frame_idle_slow(co, cd) == 1);
#  if !PEP669_FAST_HOOK
    (void)pep669_frame_idle(co, cd);
#  endif
#endif
    if (pep669_thread.record_top != NULL &&
        pep669_thread.record_top->engaged && !throwflag) {
        /* (the caller may hold pep669's filters for nothing now) */
        pep669_trace_release_caller(ts);
    }
    uint64_t version = pep669_registry.version;
    if (cd != NULL && (events & PEP669_LINE_LEVEL_EVENTS)) {
        /* Line-level events whose every location is DISABLEd need
         * nothing here. */
        events &= ~pep669_code_done(co, cd);
    }
    if (cd != NULL && cd->calls_none) {
        /* (nor call events in code without a call) */
        events &= ~PEP669_CALL_EVENTS;
    }
    if (!throwflag && !(events & PEP669_TRACED_EVENTS) &&
        pep669_trace_frames_clean(ts)) {
        int offset, fresh;
        if (!(events & PEP669_FRAME_EVENTS) &&
            !(pep669_registry.stop_iteration_anywhere &&
              (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                               CO_ITERABLE_COROUTINE)))) {
            /* Full speed: nothing wanted here, nothing to switch off. */
            return FRAME_PASS(0);
        }
        event = pep669_frame_entry(ts, frame, 0, &offset, &fresh);
        if (event < 0) {
            return FRAME_PASS(0);
        }
        return frames_fire_out(ts, frame, co, cd, events, code_events,
                               version, event, offset, fresh);
    }
    if (!(events & (PEP669_FRAME_EVENTS | PEP669_TRACED_EVENTS)) &&
        !pep669_backend_trace_active(ts) &&
        !(pep669_registry.stop_iteration_anywhere &&
          (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                           CO_ITERABLE_COROUTINE)))) {
        /* Full speed: nothing wanted here, nothing to switch off. */
        return FRAME_PASS(throwflag);
    }
    if (!throwflag && cd != NULL && cd->exc_plain == 1 &&
        !(events & (PEP669_FRAME_EVENTS | PEP669_TRACED_EVENTS) &
          ~PEP669_EXC_EVENTS) &&
        pep669_frame_exc_quiet() &&
        pep669_backend_trace_clean(ts, PEP669_TRACE_LIGHT)) {
        /* Only RAISE can come, which the LIGHT trampoline reports with
         * no record (PEP669_IDLE_EXC). */
        return FRAME_PASS(throwflag);
    }
    rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    rec->hook_code = co;
    rec->hook_throwflag = throwflag;
    rec->hook_quiet = 0;
    rec->hook_drop = NULL;
    int quiet;
    if (!throwflag && !(events & PEP669_FRAME_EVENTS) &&
        (quiet = pep669_trace_enter_quiet(ts, rec, frame, co, cd,
                                          events)) != 0) {
        rec->hook_quiet = quiet;
        return rec;
    }
    event = pep669_frame_entry(ts, frame, throwflag, &offset, &fresh);
    if (event < 0 ||
        (event == PEP669_EV_PY_THROW && fresh &&
         PyErr_ExceptionMatches(PyExc_GeneratorExit)) ||
        (event == PEP669_EV_PY_THROW && pep669_closing_quietly(ts, frame,
                                                        code_events))) {
        /* Closing a generator that never started (close(), or its
         * finalizer) runs its frame here; 3.12 only marks it closed
         * (gen_close: FRAME_CREATED), so there is no event.  Nor for
         * closing one that waits outside every handler, as below. */
        pep669_record_put(rec);
        return FRAME_PASS(throwflag);
    }
    int legacy = 0;
    if (events & (1u << event)) {
        uint8_t tools = pep669_fire_tools(cd, event, offset);
        if (tools && fire_entry(ts, frame, tools, event, co, offset,
                                &legacy) < 0) {
            /* Raise it inside the frame, before its first instruction. */
            (void)pep669_backend_frame_prepare_throw(ts, frame, 1);
            rec->hook_throwflag = 1;
        }
    }

    int delegate_line = -1;
    if (event == PEP669_EV_PY_THROW && !fresh) {
        delegate_line = pep669_delegate_thrown(ts, frame, co);
    }
    else if (event == PEP669_EV_PY_RESUME && cd != NULL &&
             !cd->delegation_resumed) {
        pep669_delegation_resumed(frame, cd);
    }
    /* After the entry callbacks, which may have changed the events. */
    pep669_trace_enter(ts, rec, frame, co, fresh, cd, code_events,
                       version);
    rec->delegate_line = delegate_line;
    entry_dropped(ts, frame, rec, legacy);
    return rec;
}

/* pep669_frame_end's last steps, its exit events fired: the block popped or
 * the record. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline PyObject *
frame_end_leave(PyThreadState *ts, Pep669Record *rec, PyObject *result)
{
    if (rec->hook_quiet == 4) {
        /* (the frames path's bare run, still without a record: its exit
         * events were fired with the block as its record) */
        if (PEP669_LIKELY(result != NULL &&
                          rec->quiet_entry == pep669_registry.version &&
                          ts->c_tracefunc == NULL)) {
            bare_pop(rec);
            return result;
        }
        (void)pep669_trace_frames_record(rec);
    }
    if (rec->hook_quiet == 2 && result != NULL &&
        pep669_trace_leave_frames(ts, rec)) {
        /* (the frames path: nothing to follow after the run either) */
        PEP669_ASSERT(record_released(rec));
        pep669_record_put(rec);
        return result;
    }
    if (rec->cd != NULL && rec->code != NULL) {
        pep669_code_untraced(rec->code, rec->cd);
    }
    pep669_trace_leave(ts, rec);
    PEP669_ASSERT(record_released(rec));
    pep669_record_put(rec);
    return result;
}

/* Everything after the evaluator ran the frame (`result`): its exit
 * events, and the runs again with throwflag a PY_YIELD callback that
 * raised asks for. */
PEP669_NOINLINE PyObject *
pep669_frame_end(PyThreadState *ts, Pep669Frame *frame, Pep669Record *rec,
                 PyObject *result)
{
    PyCodeObject *co = rec->hook_code;
    int rethrow;
    /* The frame's code may have run another thread state's engine on this
     * OS thread (a sub-interpreter). */
    pep669_enter(ts);
    pep669_trace_ran(ts, rec);
    if (rec->hook_quiet == 5) {
        /* (a call run's block, 3.11: its end decides with the record) */
        (void)pep669_trace_calls_record(rec);
    }
    if (PEP669_UNLIKELY(rec->hook_drop != NULL)) {
        (void)pep669_backend_legacy_drop(ts, rec->hook_drop, PyTrace_CALL);
        rec->hook_drop = NULL;
    }
    if (rec->hook_quiet == 3 && pep669_trace_leave_bare(ts, rec, result)) {
        /* (a bare run that needed no record) */
        PEP669_ASSERT(record_released(rec));
        pep669_record_put(rec);
        return result;
    }
    if (rec->hook_quiet == 6) {
        /* An exception bare run that got no record: nothing happened in
         * it (any trace event of its frame, a callee's end that was not
         * quiet made the record).  Popped where the end of a quiet run
         * would have popped its record (pep669_trace_leave_quiet: the
         * same version, the thread's trampoline still LIGHT as it needs);
         * else its record, and that end decides. */
        if (PEP669_LIKELY(result != NULL &&
                          rec->quiet_entry == pep669_registry.version &&
                          pep669_backend_trace_clean(ts,
                                                     PEP669_TRACE_LIGHT))) {
            bare_pop(rec);
            return result;
        }
        (void)pep669_trace_bare_record(rec);
    }
    if (rec->hook_quiet == 1 && result != NULL &&
        pep669_trace_leave_quiet(ts, rec)) {
        PEP669_ASSERT(record_released(rec));
        pep669_record_put(rec);
        return result;
    }
    /* (the quiet path wants no frame event: no rethrow, it is not a
     * generator's run) */
    for (;;) {
        if (result == NULL && rec->hook_quiet == 4) {
            /* The frames path's bare run ends by an exception: its exit
             * reads the record (last_reraise, the handlers' events). */
            (void)pep669_trace_frames_record(rec);
        }
        result = frame_exit(ts, frame, co, result, &rethrow, rec);
        if (!rethrow) {
            break;
        }
        pep669_trace_rerun(ts, rec);
        result = pep669_backend_eval_prev(ts, frame, 1);
        pep669_trace_ran(ts, rec);
    }
    return frame_end_leave(ts, rec, result);
}

/* The end of a run the frames path started with no record (hook_quiet 4,
 * pep669_frames_push_bare), the frames path's one end function: where
 * the registry's version is the one at the start and no trace function
 * came, a function that returned fires its PY_RETURN here (pep669_frame_end's
 * steps for it: frame_exit's, frame_return's), and the block is popped
 * if the callbacks changed neither; a generator that yielded with no
 * PY_YIELD, RAISE or STOP_ITERATION wanted (which watch the `for` loops
 * that drive generators: pep669_generator_yielded), or a function whose
 * code wants no exit event, pops it.  Else pep669_frame_end.  (Out of line, as
 * pep669_frame_end; also the end of the hook's quiet resumptions that did not
 * just yield: backend/hook.c.h.) */
PyObject *
pep669_frames_end(PyThreadState *ts, Pep669Frame *frame, Pep669Record *rec,
                  PyObject *result)
{
    if (PEP669_LIKELY(result != NULL && pep669_registry_tstate == ts &&
                      rec->quiet_entry == pep669_registry.version &&
                      ts->c_tracefunc == NULL && rec->hook_quiet == 4)) {
        /* (the events cached at the start hold: same version, and frame
         * events are no line-level events, which DISABLEs could mask) */
        uint32_t events = rec->events_cached;
        PyCodeObject *co = rec->code;
        int offset;
        /* (a block: no clone, entry, window or legacy drop to undo,
         * pep669_trace_ran and pep669_frame_end's first steps) */
        PEP669_ASSERT(rec->clone == NULL && !rec->entry && !rec->window &&
                      !rec->swapped && rec->hook_drop == NULL);
        if (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                            CO_ITERABLE_COROUTINE)) {
            if (!(events & PEP669_BIT(PY_YIELD)) &&
                !(pep669_registry.active_union &
                  (PEP669_BIT(RAISE) | PEP669_BIT(STOP_ITERATION))) &&
                pep669_frame_exit(ts, frame, result, &offset) ==
                    PEP669_EV_PY_YIELD) {
                /* (the block is the innermost bare run: runs pair) */
                bare_pop(rec);
                return result;
            }
            return pep669_frame_end(ts, frame, rec, result);
        }
        if (!(events & PEP669_EXIT_EVENTS)) {
            bare_pop(rec);
            return result;
        }
        if (events & PEP669_BIT(PY_RETURN)) {
            int rethrow = 0;
            int event = pep669_frame_exit(ts, frame, result,
                                                  &offset);
            if (event != PEP669_EV_PY_RETURN) {
                /* (an async generator's yield) */
                return pep669_frame_end(ts, frame, rec, result);
            }
            /* (code without data at the start may have some now: a
             * DISABLE in the run, as frame_exit looks) */
            Pep669CodeData *cd = rec->cd;
            if (cd == NULL) {
                cd = pep669_code_data(co);
            }
            uint8_t tools = pep669_fire_tools(cd, PEP669_EV_PY_RETURN,
                                              offset);
            if (tools) {
                /* (fire_linked's steps, the event known here) */
                Pep669Link link;
                pep669_frame_link(ts, frame, &link);
                int err = call_frame_tools(ts, tools, PEP669_EV_PY_RETURN,
                                           co, offset, result);
                pep669_frame_unlink(ts, frame, &link);
                if (err < 0) {
                    Py_DECREF(result);
                    result = exit_raised(ts, frame, co, &rethrow,
                                         PEP669_EV_PY_RETURN, offset);
                }
            }
            return frame_end_leave(ts, rec, result);
        }
    }
    return pep669_frame_end(ts, frame, rec, result);
}

/* The hook's body but for bare runs: frame_begin, the run, pep669_frame_end
 * (inline in pep669_frame_eval, whose C frame is the one under the
 * frame's run). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline PyObject *
frame_eval_run(PyThreadState *ts, Pep669Frame *frame, int throwflag,
               PyCodeObject *co, Pep669CodeData *cd)
{
    Pep669Record *rec = frame_begin(ts, frame, throwflag, co, cd);
    if (rec == FRAME_PASS(0) || rec == FRAME_PASS(1)) {
        return pep669_backend_eval_prev(ts, frame, rec == FRAME_PASS(1));
    }
    if (rec == NULL) {
        return NULL;
    }
    PyObject *result = pep669_backend_eval_prev(ts, frame,
                                                rec->hook_throwflag);
    if (rec->hook_quiet == 4) {
        return pep669_frames_end(ts, frame, rec, result);
    }
    return pep669_frame_end(ts, frame, rec, result);
}

/* The end of a bare run: pep669_frame_end's first steps for the common end (the
 * stub ran, no record was made), else pep669_frame_end.  (Out of line: the C
 * frame under the run keeps the least.) */
static PEP669_NOINLINE PyObject *
frame_end_bare(PyThreadState *ts, Pep669Frame *frame, Pep669Record *rec,
               PyObject *result)
{
    if (PEP669_LIKELY(pep669_registry_tstate == ts && !rec->entry &&
                      rec->hook_quiet == 3) &&
        pep669_trace_leave_bare(ts, rec, result)) {
        PEP669_ASSERT(record_released(rec));
        pep669_record_put(rec);
        return result;
    }
    /* (its record made, or to be made: the end of a quiet run's
     * decides) */
    return pep669_frame_end(ts, frame, rec, result);
}

/* A bare run's start: its block set up and pushed, the clone's code in
 * the frame (pep669_trace_push_bare); FRAME_PASS(0) where the thread or
 * the clone does not allow it; NULL with an exception set.  (Out of line,
 * as frame_begin.) */
static PEP669_NOINLINE Pep669Record *
bare_begin(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
           Pep669CodeData *cd)
{
    Pep669Clone *cl = cd->clone;
    /* (a LIGHT trampoline the thread's trace function replaced is for
     * the general path to repair: pep669_backend_trace_check, from
     * frame_begin) */
    if (ts->c_tracefunc != NULL || ts->c_profilefunc != NULL ||
        pep669_thread.trampoline.light_mode ||
        !pep669_frame_exc_quiet() || cl == NULL || cl->retired ||
        !pep669_backend_frame_fits(frame, cl->code)) {
        return FRAME_PASS(0);
    }
    /* (the bare stamp is current: so is the code data's version) */
    PEP669_ASSERT(cd->done_known && cd->version == pep669_registry.version &&
                  co == pep669_backend_frame_code(frame));
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    rec->hook_code = co;
    rec->hook_throwflag = 0;
    rec->hook_drop = NULL;
    pep669_trace_push_bare(rec, frame, co, cd, cl, cd->events & ~cd->done);
    return rec;
}

/* A fresh run of code `co` (its data `cd`, as the hook's fast path found
 * them) whose bare stamp is current (codedata.h, bare_version: its events
 * are still all on its line clone's probes, the done cache the same): a
 * bare run (trampoline.h) if bare_begin allows (the quiet path's
 * conditions that can have changed since the stamp: no trace function,
 * no profiler, no record holding pep669's filters, the clone not
 * retired, the frame big enough), else the
 * hook's general way (with no code given: frame_begin looks it up, and
 * tries no bare run again). */
PyObject *
pep669_frame_eval_bare(PyThreadState *ts, Pep669Frame *frame,
                       PyCodeObject *co, Pep669CodeData *cd)
{
    Pep669Record *rec = bare_begin(ts, frame, co, cd);
    if (rec == FRAME_PASS(0)) {
        return pep669_frame_eval(ts, frame, 0, NULL, NULL);
    }
    if (rec == NULL) {
        return NULL;
    }
    PyObject *result = pep669_backend_eval_prev(ts, frame, 0);
    return frame_end_bare(ts, frame, rec, result);
}

/* frame_begin for a run (throwflag off) of code `co` that wants of the
 * hook only frame events (its data `cd` current, or none: the global
 * events), as the hook's fast path found them: the frames path's steps
 * alone where the thread is clean for it, else frame_begin.  (Out of
 * line, as frame_begin.) */
static PEP669_NOINLINE Pep669Record *
frames_start(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
             Pep669CodeData *cd)
{
    if (PEP669_UNLIKELY(pep669_thread.trampoline.light_mode)) {
        /* (a LIGHT trampoline PyEval_SetTrace may have replaced) */
        pep669_backend_trace_check(ts);
    }
    if (PEP669_UNLIKELY(!pep669_trace_frames_clean(ts))) {
        return frame_begin(ts, frame, 0, co, cd);
    }
    PEP669_ASSERT(!pep669_backend_suppressed(ts) &&
                  co == pep669_backend_frame_code(frame) &&
                  cd == pep669_code_data(co));
    uint32_t code_events = cd != NULL ? cd->events
                                      : pep669_registry.active_union;
    /* (done-masked, as frame_begin's: line-level events here are all
     * done, the fast path found, and the block's cached events are what
     * code_events gives, cached_events in trampoline.c; and as there, no
     * call events in code without a call, which pep669_frame_idle let
     * through: frames_fire takes none of PEP669_TRACED_EVENTS) */
    uint32_t events = cd != NULL && (code_events & PEP669_LINE_LEVEL_EVENTS)
                          ? code_events & ~cd->done
                          : code_events;
    if (cd != NULL && cd->calls_none) {
        events &= ~PEP669_CALL_EVENTS;
    }
    PEP669_ASSERT(!(events & PEP669_TRACED_EVENTS));
    int offset, fresh;
    int event = pep669_frame_entry(ts, frame, 0, &offset, &fresh);
    if (event < 0) {
        return FRAME_PASS(0);
    }
    if (!(events & (1u << event)) && ts->c_profilefunc == NULL &&
        (event != PEP669_EV_PY_RESUME || cd == NULL ||
         cd->delegation_resumed)) {
        /* No entry event (a resumption under PY_START/PY_RETURN): the
         * block alone, as frames_fire would push it. */
        Pep669Record *rec = pep669_record_get();
        if (rec == NULL) {
            return NULL;
        }
        rec->hook_code = co;
        rec->hook_throwflag = 0;
        pep669_frames_push_bare(rec, frame, co, cd, events, 0);
        return rec;
    }
    return frames_fire(ts, frame, co, cd, events, code_events,
                       pep669_registry.version, event, offset, fresh);
}

/* The hook's body for such a run (every resumption of a generator under
 * PY_START/PY_RETURN; the hook's fast path found it, PEP669_IDLE_FRAMES):
 * frames_start, the run, its end. */
PyObject *
pep669_frame_eval_frames(PyThreadState *ts, Pep669Frame *frame,
                         PyCodeObject *co, Pep669CodeData *cd)
{
    Pep669Record *rec = frames_start(ts, frame, co, cd);
    if (rec == FRAME_PASS(0) || rec == FRAME_PASS(1)) {
        return pep669_backend_eval_prev(ts, frame, rec == FRAME_PASS(1));
    }
    if (rec == NULL) {
        return NULL;
    }
    PyObject *result = pep669_backend_eval_prev(ts, frame,
                                                rec->hook_throwflag);
    if (PEP669_LIKELY(rec->hook_quiet == 4)) {
        return pep669_frames_end(ts, frame, rec, result);
    }
    return pep669_frame_end(ts, frame, rec, result);
}

/* A fresh run of code `co` (its data `cd`) that the hook's fast path
 * found ready for a quiet run on its call clone (codedata.h, calls_ready;
 * 3.11): frame_begin's and pep669_trace_enter_quiet's steps for it alone,
 * a bare run (pep669_trace_push_calls: no record unless something needs
 * it), else the general way.  A run that returned with nothing changed
 * (the block still bare: no record made; the same version, the clone
 * not retired, no trace function come) pops the block; any other end is
 * pep669_frame_end's, with the record made first. */
PyObject *
pep669_frame_eval_calls(PyThreadState *ts, Pep669Frame *frame,
                        PyCodeObject *co, Pep669CodeData *cd)
{
    if (!pep669_trace_calls_ready(frame, cd)) {
        return pep669_frame_eval(ts, frame, 0, co, cd);
    }
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    pep669_trace_push_calls(rec, frame, co, cd);
    PyObject *result = pep669_backend_eval_prev(ts, frame, 0);
    if (PEP669_LIKELY(result != NULL && pep669_registry_tstate == ts &&
                      rec->hook_quiet == 5 &&
                      rec->quiet_entry == pep669_registry.version &&
                      ts->c_tracefunc == NULL && !rec->clone->retired)) {
        /* (bare runs pair: the one ending is the innermost, records above
         * it popped) */
        PEP669_ASSERT(pep669_thread.bare_top == rec &&
                      rec->below == pep669_thread.record_top &&
                      rec->swapped && rec->hook_drop == NULL);
        pep669_backend_frame_set_code(frame, co);
        rec->swapped = 0;
        pep669_thread.bare_top = rec->prev;
        Pep669Clone *cl = rec->clone;
        rec->clone = NULL;
        if (PEP669_LIKELY(cl->refs > 1)) {
            cl->refs--;
        }
        else {
            pep669_clone_decref(cl);
        }
        PEP669_ASSERT(record_released(rec));
        pep669_record_put(rec);
        return result;
    }
    if (PEP669_LIKELY(result != NULL && pep669_registry_tstate == ts &&
                      rec->hook_quiet == 1 && rec->hook_drop == NULL &&
                      !rec->window)) {
        /* pep669_frame_end's steps for a quiet run that returned, its record
         * made during the run (no entry stub or window on 3.11's call
         * clones) */
        PEP669_ASSERT(!rec->entry);
        pep669_trace_unswap_now(rec);
        if (pep669_trace_leave_quiet(ts, rec)) {
            PEP669_ASSERT(record_released(rec));
            pep669_record_put(rec);
            return result;
        }
    }
    return pep669_frame_end(ts, frame, rec, result);
}

PyObject *
pep669_frame_eval(PyThreadState *ts, Pep669Frame *frame, int throwflag,
                  PyCodeObject *co, Pep669CodeData *cd)
{
    /* (a bare run's start is the fast hook's, eval_hook_busy, before it
     * comes here; the -Og debug build's hook gives no code data) */
    return frame_eval_run(ts, frame, throwflag, co, cd);
}
