/* The truth tests of the probes that stand for no event site (out of
 * probe_fire.c, review19): where a run enters code, not an event's
 * location.  A 3.8-3.10 line clone's entry stub (Pep669Entry) gives the
 * frame its own code back; a 3.11 handler clone's stub (probe_handlers.c)
 * gives a handler's entry through the trampoline.  Both find the frame's
 * entry in the runs' lists, raised after a stack switch
 * (pep669_trace_raise, trampoline.h). */
#include "probe_entries.h"
#include "dispatch.h"
#include "legacy_exceptions.h"

/* (3.11) A handler probe's truth test, in the stub an exception reaches
 * the handler at site->loc through (the frame runs its handler clone):
 * the handler's entry, given by the trampoline (legacy_exceptions.c,
 * handler_probe) with the frame's own code shown at the handler's first
 * instruction; then the stub goes back to it.  Never raises: a
 * callback's exception is raised by the handler's traced prologue, as
 * without the probe.  Out of line. */
PEP669_NOINLINE int
pep669_handler_probe_bool(Pep669Probe *probe)
{
    Pep669Clone *cl = probe->clone;
    PyThreadState *ts = PyThreadState_GET();
    Pep669Frame *frame = pep669_current_frame(ts);
    Pep669Record *rec = pep669_thread.record_top;
    if (frame != NULL && (rec == NULL || rec->frame != frame)) {
        /* (after a stack switch: the frame's record raised, review19) */
        rec = pep669_trace_raise(frame);
        rec = rec == pep669_thread.record_top ? rec : NULL;
    }
    if (cl == NULL || frame == NULL || rec == NULL || rec->frame != frame ||
        rec->clone != cl || probe->site >= cl->nsites ||
        pep669_backend_frame_code(frame) != cl->orig) {
        return 0;
    }
    Pep669Site *site = &cl->sites[probe->site];
    int lasti = pep669_backend_frame_lasti(frame);
    if (lasti < site->stub || lasti >= site->stub_end) {
        return 0;
    }
    pep669_backend_frame_set_code(frame, cl->orig);
    pep669_frame_set_lasti(frame, site->loc);
    /* (no events in the callbacks' frames, as in a trace call) */
    pep669_monitor_enter_callback(ts);
    int untraced = handler_probe(ts, rec, site->loc);
    pep669_monitor_leave_callback(ts);
    if (untraced) {
        /* Leaving the callbacks turned the tracing dispatch back on, as
         * a trace call's end does: off again, outside any trace call. */
        set_trampoline_mode(ts, WANT_LIGHT);
        cl->handler_runs++;
    }
    else {
        cl->handler_traced++;
    }
    pep669_backend_frame_set_code(frame, cl->code);
    pep669_frame_set_lasti(frame, lasti);
    return 0;
}

/* (3.8-3.10) The truth test of a line clone's probe in its entry stub
 * (Pep669Entry), the first thing a fresh run on the clone does: a run the
 * hook started there (rec->entry) gets its own code back in f_code (the
 * evaluator has read the clone's bytecode).  The frame shows the last
 * instruction the stub moved, as if it had run it in place: an exception
 * of the eval breaker's, after the stub's jump back, is raised there
 * (pep669_backend_entry_frame).  No Python code ran since the hook (no
 * other engine: no pep669_enter), so no stack switch either: the run's
 * entry is its list's top, read directly (review19).  False: the stub
 * jumps back. */
int
pep669_entry_probe(Pep669Clone *cl)
{
    Pep669Record *rec = pep669_thread.bare_top;
    if (rec != NULL && rec->entry && rec->clone == cl &&
        pep669_backend_entry_leave(rec->frame, cl->entry.test,
                                   cl->entry.resume, rec->code)) {
        /* The innermost bare run (trampoline.h), at its stub's test: the
         * same, with no record.  (A frame above it that runs no clone of
         * its own cannot be at the test; one that does is a record's or a
         * bare run's.) */
        PEP669_ASSERT(rec->hook_quiet == 3 &&
                      rec->frame == pep669_current_frame(
                                        PyThreadState_GET()));
        rec->entry = 0;
        cl->entry_runs++;
        return 0;
    }
    Pep669Frame *frame = pep669_backend_entry_frame(cl->entry.test,
                                                    cl->entry.resume);
    rec = pep669_thread.record_top;
    if (frame != NULL && rec != NULL && rec->entry && rec->frame == frame) {
        /* (its clone, and the frame's code still the clone's) */
        PEP669_ASSERT(rec->clone == cl && !rec->window && !rec->swapped &&
                      pep669_backend_frame_code(frame) == cl->code);
        pep669_backend_frame_set_code(frame, rec->code);
        rec->entry = 0;
        cl->entry_runs++;
    }
    /* (any other run on it started in its window: its code is back since
     * the window's first event) */
    PEP669_ASSERT(frame == NULL || pep669_backend_frame_code(frame) ==
                                       cl->orig);
    return 0;
}
