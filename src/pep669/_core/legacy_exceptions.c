/* The exception events of frames that run traced (legacy_events.c's
 * 'exception' and 'opcode' events): RAISE, EXCEPTION_HANDLED at the
 * handler's first event, RERAISE, the end of a frame's handlers, and a
 * handler that runs untraced from its entry in flat code. */
#include "legacy_exceptions.h"
#include "dispatch.h"

/* Whether the handler entered at `lasti` can run untraced
 * (untrace_handler): the frame wants only exception events, nothing else
 * is pending in its record, and its code is flat
 * (pep669_backend_code_exc_flat), the handler no cleanup that stays
 * traced. */
static int
untrace_allowed(Pep669Record *rec, Pep669CodeData *cd, uint32_t events,
                int lasti)
{
    if (rec == &pep669_thread.unhooked || cd == NULL ||
        (rec->clone != NULL && rec->clone->calls != 2) ||
        rec->handler_armed || rec->region ||
        rec->deferred_count > 0 || rec->call_offset >= 0 ||
        (events & ((PEP669_TRACED_EVENTS & ~PEP669_EXC_EVENTS) |
                   PEP669_HANDLER_EVENTS)) ||
        pep669_backend_trace_has_legacy()) {
        return 0;
    }
    if (PEP669_UNLIKELY(cd->exc_flat == 0)) {
        int flat = pep669_backend_code_exc_flat(rec->code);
        cd->exc_flat = flat == 1 ? 1 : flat == 2 ? 3 : 2;
    }
    return cd->exc_flat != 2 &&
           !(cd->exc_flat == 3 &&
             pep669_backend_handler_restores_lasti(rec->code, lasti));
}

/* The handler just entered runs untraced, where the frame wants only
 * exception events and its code is flat (untrace_allowed): until the next
 * exception, of which the trace function is told (RAISE, and the frame
 * traced again), a re-raise can only leave the frame, whose end gives its
 * RERAISE (frame_end_reraise), and no other handler can be entered.  (In
 * a handler probe, outside any trace call, this also switches the
 * evaluator's tracing dispatch off: set_trampoline_mode.) */
static void
untrace_handler(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
                int handler, uint64_t checked)
{
    /* (as they are now: the EXCEPTION_HANDLED callbacks may have changed
     * them) */
    Pep669CodeData *cd;
    uint32_t events = record_events(rec, &cd);
    if (!(((PEP669_HANDLER_CLONES && rec->probing &&
            rec->probe_version == pep669_registry.version) ||
           checked == pep669_registry.version) &&
          !pep669_backend_trace_has_legacy()) &&
        !untrace_allowed(rec, cd, events, handler)) {
        /* (a probe, or handled_now, checked it before the callbacks
         * (`checked`: the version then; UINT64_MAX: none), which changed
         * nothing that it depends on: the events, a legacy tracer) */
        return;
    }
    rec->exc_seen = 0;
    rec->exit_check = 0;
    rec->prev_offset = -1;
    rec->handler_untraced = 1;
    cd->untraced_handlers += cd->untraced_handlers != UINT32_MAX;
    if (PEP669_HANDLER_CLONES && rec->probing &&
        handler_clone_lazy(rec, events)) {
        /* (a handler probe: it switches the tracing dispatch off itself,
         * after its callback bracket; untraced, the frame needs no
         * filters of pep669's, and shows the program's from here on) */
        flags_show(rec, frame);
        return;
    }
    follow_events(ts, rec, frame, 1);
}

/* The handler of the instruction at `lasti` (-1: none), the last lookup
 * kept in the frame's handler clone (an exception raised again where the
 * last one was: the common case). */
static int
handler_at(Pep669Record *rec, PyCodeObject *co, int lasti)
{
    Pep669Clone *cl = rec->clone;
    if (pep669_clone_handlers(cl) && co == cl->orig) {
        if (cl->exc_at != lasti + 1) {
            cl->exc_handler = pep669_backend_exc_handler_at(co, lasti);
            cl->exc_at = lasti + 1;
        }
        PEP669_ASSERT(cl->exc_handler ==
                      pep669_backend_exc_handler_at(co, lasti));
        return cl->exc_handler;
    }
    return pep669_backend_exc_handler_at(co, lasti);
}

/* Whether the exception raised at `lasti` enters a handler that has a
 * handler probe in the copy the frame runs (probe_entries.c,
 * pep669_handler_probe_bool): that probe, not a traced first
 * instruction, gives
 * the handler's entry. */
static int
handler_probed(Pep669Record *rec, int handler)
{
    Pep669Clone *cl = rec->clone;
    return pep669_clone_handlers(cl) && !cl->retired && handler >= 0 &&
           pep669_clone_handler_probed(cl, handler);
}

PEP669_INTERNAL int
handler_probe(PyThreadState *ts, Pep669Record *rec, int target)
{
    PyFrameObject *frame = pep669_backend_frame_pyframe(rec->frame);
    Pep669CodeData *cd;
    uint32_t events = record_events(rec, &cd);
    if (frame == NULL || rec->armed_exc == NULL) {
        /* (no exception of the frame's armed: nothing to give) */
        return 0;
    }
    if ((events & (PEP669_BIT(EXCEPTION_HANDLED) | PEP669_BIT(RERAISE))) &&
        untrace_allowed(rec, cd, events, target) &&
        pep669_backend_handler_prologue(rec->code, target) > 0) {
        rec->probing = 1;
        rec->probe_version = pep669_registry.version;
        int err = handled_event(ts, rec, frame, rec->code, cd, events,
                                target);
        rec->probing = 0;
        /* (a callback's exception is deferred: the prologue has a span) */
        PEP669_ASSERT(err == 0);
        (void)err;
        if (rec->handler_untraced) {
            return 1;
        }
        if (rec->deferred_count > 0) {
            /* (counted from the handler's first instruction, whose own
             * event comes after this probe's) */
            rec->deferred_count++;
        }
        events = record_events(rec, &cd);
    }
    /* The handler runs traced, as it would have without the probe: the
     * trampoline gives its entry (check_handled) if not given here, and
     * what follows.  (The rest of the stub gives no event:
     * legacy_events.c, clone_event.) */
    set_trampoline_mode(ts, WANT_FULL);
    flags_set(frame, rec, events);
    return 0;
}

/* The frame's armed exception (owned), taken for its handler's entry. */
static PyObject *
take_armed(Pep669Record *rec)
{
    PyObject *exc = rec->armed_exc;
    rec->armed_exc = NULL;
    if (exc == rec->outside) {
        /* (the handled exception, while this handler runs, is the one
         * from before: that no longer tells whether the frame left it) */
        rec->outside_ambiguous = 1;
    }
    return exc;
}

/* The exception an EXCEPTION_HANDLED callback raised, fetched normalized:
 * 3.12 raises it before the handler made the handled exception current,
 * so it has no __context__. */
static void
fetch_no_context(PyObject **type, PyObject **value, PyObject **tb)
{
    PyErr_Fetch(type, value, tb);
    PyErr_NormalizeException(type, value, tb);
    if (*value != NULL) {
        PyException_SetContext(*value, NULL);
    }
}

/* The first event after an exception in the frame is its handler. */
PEP669_INTERNAL int
handled_event(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
              PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
              int lasti)
{
    if (rec->armed_exc == NULL) {
        return 0;
    }
    /* owned */
    PyObject *exc = take_armed(rec);
    int err = 0;
    if (events & PEP669_BIT(EXCEPTION_HANDLED)) {
        /* Natively the frame is still at the instruction that raised
         * while the callbacks run (f_lineno, f_lasti): the interpreter
         * has only chosen the handler. */
        Pep669FramePos pos;
        PyObject *saved[3];
        int hidden = pep669_backend_handled_hide(ts, rec->frame, exc, saved);
        pep669_backend_frame_move(rec->frame, rec->armed_offset, &pos);
        err = pep669_fire_traced(ts, cd, PEP669_EV_EXCEPTION_HANDLED, co,
                                 lasti, exc);
        pep669_backend_frame_restore(rec->frame, &pos);
        if (hidden) {
            pep669_backend_handled_unhide(ts, saved);
        }
    }
    Py_DECREF(exc);
    if (err == 0 && rec->armed_exc == NULL) {
        untrace_handler(ts, rec, frame, pep669_backend_pyframe_lasti(frame),
                        UINT64_MAX);
    }
    if (err < 0) {
        PyObject *type, *value, *tb;
        fetch_no_context(&type, &value, &tb);
        rec->callback_raised = 1;
        int span = pep669_backend_handler_prologue(co, lasti);
        if (span > 0) {
            /* Raise it once the handler has saved the exception state:
             * then the handler's own cleanup restores it. */
            Py_XSETREF(rec->deferred_type, type);
            Py_XSETREF(rec->deferred_value, value);
            Py_XSETREF(rec->deferred_tb, tb);
            rec->deferred_count = span;
            return 0;
        }
        PyErr_Restore(type, value, tb);
    }
    return err;
}

/* (3.8-3.10) The handler's entry given from the trace call that reports
 * the exception (on_exception), where the handler the unwinding enters
 * next is known with nothing before it (pep669_backend_handler_next) and
 * runs untraced from its entry (untrace_allowed): natively nothing
 * happens in the frame between the two events, the callbacks see the
 * frame at the raising instruction and the handled exception from before
 * the handler, as here before the unwinding.  No tracing switched on for
 * the handler's first instruction, no trace call there.  A callback's
 * exception is raised at that instruction, as its event there would have
 * raised it (deferred by one 'opcode' event, the tracing on for it).
 * 1: given (or deferred), 0: left to the handler's first event. */
static int
handled_now(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
            PyCodeObject *co, Pep669CodeData *cd, uint32_t events)
{
    int handler = pep669_backend_handler_next(rec->frame);
    uint64_t version = pep669_registry.version;
    if (handler < 0 || !untrace_allowed(rec, cd, events, handler)) {
        return 0;
    }
    /* owned */
    PyObject *exc = take_armed(rec);
    int err = 0;
    if (events & PEP669_BIT(EXCEPTION_HANDLED)) {
        err = pep669_fire_traced(ts, cd, PEP669_EV_EXCEPTION_HANDLED, co,
                                 handler, exc);
    }
    Py_DECREF(exc);
    if (err < 0) {
        PyObject *type, *value, *tb;
        fetch_no_context(&type, &value, &tb);
        Py_XSETREF(rec->deferred_type, type);
        Py_XSETREF(rec->deferred_value, value);
        Py_XSETREF(rec->deferred_tb, tb);
        rec->deferred_count = 1;
        rec->callback_raised = 1;
        set_trampoline_mode(ts, WANT_FULL);
        flags_set(frame, rec, record_events(rec, &cd));
        return 1;
    }
    if (rec->armed_exc == NULL) {
        untrace_handler(ts, rec, frame, handler, version);
    }
    pep669_thread.handled_now++;     /* (tests) */
    return 1;
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

/* The LINE of a throw into `yield from` / `await` (frames.c,
 * delegate_thrown), after its RAISE as in 3.13. */
static int
delegate_line(PyThreadState *ts, Pep669CodeData *cd, PyCodeObject *co,
              int offset)
{
    PyObject *line = PyLong_FromLong(PyCode_Addr2Line(co, offset));
    int origin = pep669_thread.line_origin, err = -1;
    pep669_thread.line_origin = PEP669_ORIGIN_HOOK;
    if (line != NULL) {
        err = pep669_fire_traced(ts, cd, PEP669_EV_LINE, co, offset, line);
    }
    pep669_thread.line_origin = origin;
    Py_XDECREF(line);
    return err;
}

PEP669_INTERNAL int
on_exception(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
             PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
             PyObject *arg)
{
    int lasti = pep669_backend_pyframe_lasti(frame), drive, err = 0;
    int from_callback = rec->callback_raised;
    uint64_t version_at = pep669_registry.version;
    /* (3.11) The first trace event of a frame running its handler clone
     * (legacy_events.c leaves its filters to this function): the frame
     * needs no filters of pep669's where the exception's handler has a
     * probe, whose stub gives no 'line' (it has no location) and which
     * decides how the handler runs, or where the frame has no handler
     * (it unwinds: no instruction of its runs before its 'return').  It
     * keeps the program's then (no filter written: flags_puts). */
    int first = rec->flags_version == 0 &&
                pep669_clone_handlers(rec->clone);
    int lazy = 0;
    rec->callback_raised = 0;
    rec->last_reraise = -1;
    rec->handler_untraced = 0;
    if (lasti < 0) {
        /* throw() into a generator that never ran: its start. */
        lasti = 0;
    }
    PyObject *exc = (PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3)
                    ? PyTuple_GET_ITEM(arg, 1) : Py_None;
    /* (the instruction first: a type test per exception is about 70
     * instructions, the opcode read a few; both without side effects) */
    int stop = pep669_backend_frame_drives_generator(
                   pep669_backend_pyframe_frame(frame), &drive) &&
               drive == lasti &&
               PyErr_GivenExceptionMatches(exc, PyExc_StopIteration);
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
        if (first) {
            flags_set(frame, rec, events);
        }
        return 0;
    }
    if ((events & PEP669_BIT(RAISE)) && !from_callback) {
        uint64_t version = pep669_registry.version;
        err = pep669_fire_traced(ts, cd, PEP669_EV_RAISE, co, lasti,
                                 raised_exception(arg));
        if (version != pep669_registry.version) {
            /* (the callbacks changed the events: the handler's are the
             * new ones; trace_event follows the rest of the run) */
            events = record_events(rec, &cd);
        }
    }
    int at = rec->delegate_line;
    rec->delegate_line = -1;
    err = (err < 0 || at < 0) ? err : delegate_line(ts, cd, co, at);
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
        if (PY_VERSION_HEX < 0x030B0000 && err == 0 && !from_callback &&
            version_at == pep669_registry.version &&
            handled_now(ts, rec, frame, co, cd, events)) {
            return 0;
        }
        int handler = handler_at(rec, co, lasti);
        if (cd != NULL && cd->handler_probes == 0 && handler >= 0) {
            /* (the code's next runs take its handler clone, if it can
             * have one) */
            cd->handler_probes = 2;
            if (cd->calls_ready == 2) {
                /* (no stamped exception bare run: frames_exc.c) */
                cd->calls_ready = 0;
            }
        }
        int probed = handler_probed(rec, handler);
        lazy = err == 0 && (probed || handler < 0) &&
               handler_clone_lazy(rec, events);
        if (!probed) {
            set_trampoline_mode(ts, WANT_FULL);
            if (!lazy) {
                flags_set(frame, rec, events);
            }
        }
    }
    if (!stop && (events & PEP669_HANDLER_EVENTS) && !rec->handler_armed) {
        /* A handler of this frame, behind which events are still wanted,
         * may run next: they are on for the rest of the run, the raising
         * line being the last one. */
        rec->handler_armed = 1;
        rec->last_line = line_of(co, lasti);
        set_trampoline_mode(ts, WANT_FULL);
        flags_set(frame, rec, events);
    }
    if (rec->region) {
        /* Its handler, if any, is not among the instructions the last
         * line event looked at. */
        flags_write(rec, frame, 1, 1);
    }
    if (first && rec->flags_version == 0 && !lazy) {
        flags_set(frame, rec, events);
    }
    return err;
}

/* A C_RAISE/C_RETURN callback raised at the report of the call's exception
 * (not reported again): the frame's RAISE and handler are its.  -1, set. */
PEP669_INTERNAL int
raised_instead(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
               Pep669CodeData *cd, uint32_t events, int hooked)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *arg = PyTuple_Pack(3, type, value != NULL ? value : Py_None,
                                 tb != NULL ? tb : Py_None);
    if (arg == NULL || on_exception(ts, rec, frame, rec->code, cd, events,
                                    arg) < 0) {
        /* (a RAISE callback's exception replaces it, as natively) */
        Py_XDECREF(arg);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return -1;
    }
    Py_DECREF(arg);
    if (!hooked && value != NULL) {
        Py_XSETREF(pep669_thread.unhooked_exc, Py_NewRef(value));
    }
    PyErr_Restore(type, value, tb);
    return -1;
}

PEP669_INTERNAL int
check_reraise(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
              PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
              int lasti)
{
    PyObject *exc;
    int err = 0, at;
    if (!pep669_backend_reraise_at(frame, lasti, &exc, &at)) {
        return 0;
    }
    rec->last_reraise = lasti;
    /* (an exception on its way again: its handler's first instruction is
     * no place to ask whether the frame left its handlers) */
    rec->exit_check = 0;
    if (events & PEP669_BIT(RERAISE)) {
        /* Natively the callbacks see the frame where the re-raise left it
         * (f_lineno, f_lasti): a RERAISE that restores the raising
         * instruction's position has done so. */
        Pep669FramePos pos;
        if (at != lasti) {
            pep669_backend_frame_move(rec->frame, at, &pos);
        }
        err = pep669_fire_traced(ts, cd, PEP669_EV_RERAISE, co, lasti, exc);
        if (at != lasti) {
            pep669_backend_frame_restore(rec->frame, &pos);
        }
        rec->callback_raised = err < 0;
    }
    /* Its handler, if the frame has one, is next: it sees the frame there
     * too. */
    if (err == 0 && (events & PEP669_BIT(EXCEPTION_HANDLED))) {
        Py_XSETREF(rec->armed_exc, exc);
        rec->armed_offset = at;
        exc = NULL;
    }
    Py_XDECREF(exc);
    return err;
}

/* A frame that looks for re-raises (it saw an exception) stops when it
 * is inside none of its handlers any more, the exception handled: only a
 * new exception, whose event starts the search again, can bring a
 * re-raise then.  It may have left one by the instruction before this
 * one (a POP_EXCEPT, which runs inside the handler still); a re-raise
 * here (which may not raise: 3.8's END_FINALLY) leaves it to the next. */
PEP669_INTERNAL void
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
            follow_events(ts, rec, frame, hooked);
            return;
        }
    }
    if (cls & PEP669_INSTR_HANDLER_EXIT) {
        rec->exit_check = 1;
    }
}

/* The callbacks of an exception event at the end of a frame (its run is
 * over: linked again for them, so that they see it as the caller of the
 * callback), with the exception being raised. */
static int
fire_exc_linked(PyThreadState *ts, Pep669Frame *frame, uint8_t tools,
                int event, PyCodeObject *co, int offset)
{
    Pep669Link link;
    pep669_backend_frame_link(ts, frame, &link);
    int err = pep669_call_tools_exc(ts, tools, event, co, offset);
    pep669_backend_frame_unlink(ts, frame, &link);
    return err;
}

/* pep669_backend_reraise_chain of `offset` (at most 4 steps), the last one
 * kept in the frame's handler clone. */
static int
reraise_chain(Pep669Record *rec, PyCodeObject *co, int offset, int *steps)
{
    Pep669Clone *cl = rec->clone;
    if (!pep669_clone_handlers(cl) || co != cl->orig) {
        return pep669_backend_reraise_chain(co, offset, steps, 4);
    }
    if (cl->chain_at != offset + 1) {
        cl->chain_n = pep669_backend_reraise_chain(co, offset, cl->chain, 4);
        cl->chain_at = offset + 1;
    }
    memcpy(steps, cl->chain, sizeof(cl->chain));
    return cl->chain_n;
}

/* The frame ends with an exception that a bare `raise` re-raised where
 * the trampoline was not looking for re-raises (the frame saw no
 * exception itself: a helper called from an `except` block).  The
 * interpreter does not tell the trace function about that instruction;
 * 3.12 reports RERAISE there. */
PEP669_INTERNAL void
frame_end_reraise(PyThreadState *ts, Pep669Frame *frame, PyCodeObject *co,
                  Pep669CodeData *cd, Pep669Record *rec)
{
    int offset;
    if (rec->last_reraise >= 0 || rec->exc_seen ||
        pep669_backend_frame_exit(ts, frame, NULL, &offset) !=
            PEP669_EV_PY_UNWIND) {
        return;
    }
    /* A handler that ran untraced (legacy_events.c, untrace_handler) and
     * was left by no exception the trace function saw: by a re-raise,
     * which leaves the frame in such code. */
    int untraced = rec->handler_untraced;
    rec->handler_untraced = 0;
    if (untraced) {
        /* (the instruction that re-raised: 3.11's cleanup handlers put it
         * back as the frame's last one, the unwind's offset is theirs) */
        offset = pep669_backend_frame_lasti(frame);
    }
    if (!(untraced ? pep669_backend_reraised_at(frame, offset)
                   : pep669_backend_bare_raise_at(frame, offset))) {
        PEP669_ASSERT(!untraced);
        return;
    }
    /* 3.11: then the cleanup handlers it went through, each entered and
     * left by its own re-raise, the frame still on `offset`. */
    int steps[3 * 4];
    int n = untraced ? reraise_chain(rec, co, offset, steps) : 0;
    if (n > 0) {
        /* (PY_UNWIND's offset: the last cleanup's re-raise) */
        rec->last_reraise = steps[3 * (n - 1) + 1];
    }
    uint8_t tools = pep669_fire_tools(cd, PEP669_EV_RERAISE, offset);
    if (tools == 0 && n == 0) {
        return;
    }
    /* A callback's exception replaces the one re-raised, as it would
     * there.  (Inside the handler, the exception re-raised was the
     * handled one, until a cleanup's POP_EXCEPT.) */
    PyObject *saved[3];
    int shown = untraced;
    if (shown) {
        pep669_backend_handled_show(ts, saved);
    }
    if (tools) {
        (void)fire_exc_linked(ts, frame, tools, PEP669_EV_RERAISE, co,
                              offset);
    }
    for (int i = 0, again = 0; i < n; i++) {
        tools = pep669_fire_tools(cd, PEP669_EV_EXCEPTION_HANDLED,
                                  steps[3 * i]);
        if (tools &&
            fire_exc_linked(ts, frame, tools, PEP669_EV_EXCEPTION_HANDLED,
                            co, steps[3 * i]) < 0 &&
            again++ < 100) {
            /* The callback's exception is raised there instead, as 3.12
             * raises it: from the instruction before the handler. */
            n = pep669_backend_reraise_chain(co, steps[3 * i] - 1, steps,
                                             4);
            i = -1;
            continue;
        }
        if (shown && steps[3 * i + 2]) {
            shown = 0;
            pep669_backend_handled_restore(ts, saved);
        }
        tools = pep669_fire_tools(cd, PEP669_EV_RERAISE, steps[3 * i + 1]);
        if (tools) {
            (void)fire_exc_linked(ts, frame, tools, PEP669_EV_RERAISE, co,
                                  steps[3 * i + 1]);
        }
    }
    if (shown) {
        pep669_backend_handled_restore(ts, saved);
    }
}
