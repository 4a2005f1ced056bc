/* Legacy trace events become PEP 669 events: the trampoline's body
 * (pep669_trace, the Py_tracefunc the backend's trampoline calls).
 *
 *   'line'    LINE, with 3.12's rule: not when the previous instruction of
 *             the frame was on the same line (legacy tracing also reports
 *             backward jumps to the same line);
 *   'opcode'  INSTRUCTION; and the instruction before, if it was a jump,
 *             gives JUMP or BRANCH (+ BRANCH_LEFT / BRANCH_RIGHT) now that
 *             its destination is known, before the LINE of that
 *             destination; CALL at a call instruction, and C_RETURN /
 *             C_RAISE when the call ends; RERAISE, and the end of a
 *             handler;
 *   'exception'  RAISE, and EXCEPTION_HANDLED at the handler's first
 *             event;
 *   'return'  (frames not run through the hook only) the exit events.
 * Every event is then forwarded to the thread's legacy tracer, if any.
 * What the frame needs from the trampoline afterwards is trampoline.c's
 * decision (follow_events). */
#include "trampoline.h"
#include "lineno.h"
#include "dispatch.h"
#include "legacy_calls.h"
#include "legacy_exceptions.h"

static int
fire_jump(PyThreadState *ts, Pep669CodeData *cd, uint32_t events,
          PyCodeObject *co, Pep669Record *rec, int dest)
{
    int src = rec->prev_offset, next, target, err = 0;
    int restarted = rec->restart_jump;
    rec->prev_offset = -1;
    rec->restart_jump = 0;
    if (src < 0 || src >= 2 * (int)pep669_backend_code_units(co)) {
        return 0;
    }
    int kind = pep669_backend_jump_kind(co, &src, &next, &target);
    if (restarted && (kind != PEP669_EV_BRANCH ||
                      (dest != next && dest != target) ||
                      dest == rec->restart_drop)) {
        /* (the branch a restart found the frame in: only its own edges,
         * and not one DISABLEd before the restart) */
        return 0;
    }
    /* (a backward branch that 3.12+ reverse, taken: their JUMP_BACKWARD
     * after the branch, PEP669_UNIT_JUMP) */
    int back = kind == PEP669_EV_BRANCH && dest == target && target < src &&
               (events & PEP669_BIT(JUMP)) && cd != NULL &&
               pep669_code_units(co, cd) != NULL &&
               (cd->units[src >> 1] & PEP669_UNIT_JUMP);
    if (kind < 0 || !(events & ((1u << kind) | PEP669_BIT(BRANCH_LEFT) |
                                PEP669_BIT(BRANCH_RIGHT)) || back)) {
        return 0;
    }
    if (kind == PEP669_EV_JUMP && !(events & PEP669_BIT(JUMP))) {
        return 0;
    }
    /* Nothing to fire where every tool DISABLEd the jump and its side (a
     * first run on a retired clone meets its edges many times): no move
     * of the frame, whose line lookup is a scan of the line table on 3.11
     * while the frame runs a copy (its line array is the copy's). */
    int side = kind == PEP669_EV_BRANCH
        ? pep669_branch_side(co, cd, src, next, target, dest) : -1;
    if (!pep669_fire_tools(cd, kind, src) &&
        (side < 0 || !pep669_fire_tools(cd, side, src)) &&
        (!back || !pep669_fire_tools(cd, PEP669_EV_JUMP, src))) {
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
        err = pep669_fire_traced(ts, cd, side, co, src, dest_obj);
    }
    if (err == 0 && back && !rec->moved) {
        err = pep669_fire_traced(ts, cd, PEP669_EV_JUMP, co, src, dest_obj);
    }
    rec->jump_pos = NULL;
    if (!rec->moved) {
        pep669_backend_frame_restore(rec->frame, &pos);
    }
    Py_DECREF(dest_obj);
    return err;
}

/* What the frame's arrival at `lasti` settles, before that instruction's
 * own events: the call under way returned (C_RETURN), the exception
 * found its handler (EXCEPTION_HANDLED), the previous instruction jumped
 * here (JUMP / BRANCH).  Their callbacks may change the frame's events
 * (`*events` then as they left them).  1 if they switched LINE on: the
 * interpreter reported no line here then, and, as 3.12 decides, the last
 * line is that of the instruction the event came from. */
static int
fire_arrival_events(PyThreadState *ts, Pep669Record *rec,
                    PyFrameObject *frame, PyCodeObject *co,
                    Pep669CodeData *cd, uint32_t *events, int lasti)
{
    uint64_t version = pep669_registry.version;
    int from = rec->prev_offset >= 0 ? rec->prev_offset
               : rec->armed_exc != NULL ? rec->armed_offset
               : rec->call_offset;
    if (check_call(ts, rec, co, cd, *events, lasti) < 0 ||
        check_handled(ts, rec, frame, co, cd, *events, lasti) < 0) {
        return -1;
    }
    if (rec->prev_offset >= 0 &&
        fire_jump(ts, cd, *events, co, rec, lasti) < 0) {
        return -1;
    }
    if (PEP669_LIKELY(version == pep669_registry.version)) {
        return 0;
    }
    uint32_t before = *events;
    /* (a traced frame on a clone whose probes stop standing in for LINE:
     * less_probed_slow takes the current instruction's line for the last
     * one, as for a frame stopped in a call or a probe; here the frame is
     * arriving at `lasti`, whose line the trampoline has not reported yet,
     * and its own last line stands) */
    int last_line = rec->last_line;
    *events = record_events(rec, &cd);
    rec->last_line = last_line;
    if ((before & PEP669_BIT(LINE)) || !(*events & PEP669_BIT(LINE)) ||
        from < 0) {
        return 0;
    }
    rec->last_line = line_of(co, from);
    return 1;
}

/* LINE of `line` at `lasti` to `tools`, if any. */
static int
call_line(PyThreadState *ts, uint8_t tools, PyCodeObject *co, int lasti,
          int line)
{
    if (tools == 0) {
        return 0;
    }
    /* owned */
    PyObject *line_obj = PyLong_FromLong(line);
    if (line_obj == NULL) {
        return -1;
    }
    int err = pep669_trace_call_line(ts, tools, co, lasti, line_obj, 0);
    Py_DECREF(line_obj);
    return err;
}

/* The LINE of the instruction reached, once an arrival event's callback
 * switched LINE on (fire_arrival_events), where its line is new. */
static int
arrival_line(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
             Pep669CodeData *cd, int lasti)
{
    int line = line_of(co, lasti);
    if (line < 0 || line == rec->last_line) {
        return 0;
    }
    rec->last_line = line;
    return call_line(ts, pep669_fire_tools(cd, PEP669_EV_LINE, lasti), co,
                     lasti, line);
}

/* The legacy tracer's 'line' or 'opcode' event, if it asked for it in
 * this frame: 3.12+ run sys.settrace as tool 7, whose LINE and
 * INSTRUCTION callbacks come before those of tools 0-5 at the same
 * instruction (after the events of the instruction before: C_RETURN,
 * JUMP, BRANCH).  An exception from it ends the instruction's events. */
static int
legacy_first(Pep669Record *rec, PyObject *obj, PyFrameObject *frame,
             int what, PyObject *arg)
{
    if ((what == PyTrace_OPCODE && !rec->legacy_opcodes) ||
        (what == PyTrace_LINE && !rec->legacy_lines)) {
        return 0;
    }
    return pep669_trace_forward(obj, frame, what, arg);
}

static int
on_line(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
        PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
        PyObject *obj, PyObject *arg)
{
    int lasti = pep669_backend_pyframe_lasti(frame);
    int line = pep669_backend_pyframe_line(frame);
    if (fire_arrival_events(ts, rec, frame, co, cd, &events, lasti) < 0) {
        return -1;
    }
    uint8_t tools = 0;
    if (rec->moved) {
        /* A JUMP or BRANCH callback moved the frame. */
        rec->moved = 0;
    }
    else {
        if (rec->region) {
            region_line(rec, frame, events, lasti);
        }
        if (line != rec->last_line && line >= 0) {
            rec->last_line = line;
            if (events & PEP669_BIT(LINE)) {
                tools = pep669_fire_tools(cd, PEP669_EV_LINE, lasti);
            }
        }
    }
    if (legacy_first(rec, obj, frame, PyTrace_LINE, arg) < 0) {
        return -1;
    }
    return call_line(ts, tools, co, lasti, line);
}

static int
on_opcode(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
          PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
          PyObject *obj, PyObject *arg)
{
    int lasti = pep669_backend_pyframe_lasti(frame);
    int arrived = fire_arrival_events(ts, rec, frame, co, cd, &events,
                                      lasti);
    if (arrived < 0) {
        return -1;
    }
    if (rec->moved) {
        rec->moved = 0;
        return legacy_first(rec, obj, frame, PyTrace_OPCODE, arg);
    }
    if (arrived && arrival_line(ts, rec, co, cd, lasti) < 0) {
        return -1;
    }
    if (legacy_first(rec, obj, frame, PyTrace_OPCODE, arg) < 0) {
        return -1;
    }
    if (pep669_backend_pyframe_lasti(frame) != lasti) {
        /* (3.8-3.10) The tracer moved the frame at its 'opcode': this
         * instruction does not run now (pep669_trace_forward made the
         * destination's line the last one). */
        return 0;
    }
    const uint8_t *units = (cd != NULL && lasti >= 0 &&
                            (lasti >> 1) < cd->nunits)
                           ? pep669_code_units(co, cd) : NULL;
    /* Only a tool with jump events needs to know where the frame was,
     * and only when it was at a jump. */
    rec->prev_offset = -1;
    rec->restart_jump = 0;
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
        PyObject *arg = kind == PEP669_EV_PY_UNWIND
            ? pep669_thread.unhooked_exc : retval;
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
        Pep669Record *back_rec = pep669_hooked_record(back_fr);
        if (back_rec != NULL) {
            Pep669CodeData *back_cd;
            PyCodeObject *back_co = pep669_backend_pyframe_code(back);
            uint32_t back_events = less_probed(back_rec, back_rec->cd,
                                               code_events(back_co, &back_cd));
            want = mode_for(back_events);
            if (want) {
                flags_set(back, back_rec, back_events);
            }
        }
        else {
            want = adopt_unhooked(ts, back_fr, back);
        }
        Py_DECREF(back);
    }
    set_trampoline_mode(ts, want);
    return err;
}

/* After callbacks ran at a line or opcode event: they may have changed
 * what this frame wants (events set, or the last location of an event
 * DISABLEd: the rest of the run does without it, at full speed if nothing
 * else is left). */
static void
follow_if_changed(PyThreadState *ts, Pep669Record *rec, PyFrameObject *frame,
                  int hooked, uint64_t version, Pep669CodeData *cd,
                  uint32_t events)
{
    if (version == pep669_registry.version &&
        (cd == NULL || !(events & PEP669_LINE_LEVEL_EVENTS) ||
         cd->done_known)) {
        return;
    }
    follow_events(ts, rec, frame, hooked);
}

/* Every event but the common cases pep669_trace handles itself. */
static int
trace_event(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg,
            Pep669Record *rec, int hooked, uint64_t version,
            Pep669CodeData *cd, uint32_t events)
{
    PyThreadState *ts = PyThreadState_GET();
    int err = 0, forwarded = 0;
    /* Something may happen: the next line or opcode event comes here
     * first. */
    rec->quiet_units = NULL;
    rec->quiet_lines = 0;
    if (rec->deferred_count == 0 &&
        !(hooked ? mode_for(events)
                 : mode_for_unhooked(events))) {
        /* Events were switched off while the frame ran. */
        flags_show(rec, frame);
        if (!hooked) {
            forget_unhooked();
        }
        pep669_thread.adopt_pending = 0;
        pep669_backend_trace_stop(ts);
        return pep669_backend_trace_forward(obj, frame, what, arg);
    }
    if (rec->flags_version == 0 && what != PyTrace_CALL &&
        !(what == PyTrace_EXCEPTION && pep669_clone_handlers(rec->clone))) {
        /* A frame watched for exceptions only, whose first event this
         * is: once the interpreter has called the trace function, the
         * rest of the run goes through its tracing path (3.10/3.11).
         * (3.11: on_exception sets those of a frame running its handler
         * clone.) */
        flags_set(frame, rec, events);
    }
    switch (what) {
    case PyTrace_CALL:
        if (pep669_backend_trace_has_legacy()) {
            /* Let the legacy tracer choose its filters from the defaults
             * (sys.settrace tracers set f_trace_opcodes in their 'call'
             * event), remember them, then add ours. */
            flags_show(rec, frame);
            err = pep669_backend_trace_forward(obj, frame, what, arg);
            flags_set(frame, rec, events);
            return err;
        }
        if (rec->flags_version != pep669_registry.version ||
            rec->cd == NULL || !rec->cd->done_known || rec->exc_seen ||
            rec->handler_armed || rec->deferred_count > 0) {
            /* (else the hook set them when the run began, up to 3.10) */
            flags_set(frame, rec, events);
        }
        break;
    case PyTrace_LINE:
        err = on_line(ts, rec, frame, rec->code, cd, events, obj, arg);
        break;
    case PyTrace_OPCODE:
        err = on_opcode(ts, rec, frame, rec->code, cd, events, obj, arg);
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
                err = raised_instead(ts, rec, frame, cd, events, hooked);
                break;
            }
        }
        /* The legacy tracer's 'exception' first (3.12's tool 7, before
         * the tools' RAISE).  An exception from it replaces the one
         * raised, with no RAISE of its own: the frame's handler then
         * looks for it. */
        if (pep669_trace_forward(obj, frame, what, arg) < 0) {
            rec->callback_raised = 1;
            err = raised_instead(ts, rec, frame, cd, events, hooked);
            break;
        }
        forwarded = 1;
        err = on_exception(ts, rec, frame, rec->code, cd, events, arg);
        if (err == 0 && version != pep669_registry.version) {
            /* (RAISE callbacks that changed the events) */
            follow_events(ts, rec, frame, hooked);
        }
        if (!hooked && PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3) {
            Py_INCREF(PyTuple_GET_ITEM(arg, 1));
            Py_XSETREF(pep669_thread.unhooked_exc, PyTuple_GET_ITEM(arg, 1));
        }
        break;
    case PyTrace_RETURN:
        if (!hooked) {
            /* The legacy tracer's 'return' first (3.12's tool 7, before
             * the tools' PY_RETURN); its exception ends the exit's
             * events, not the caller's bookkeeping. */
            forwarded = 1;
            if (pep669_trace_forward(obj, frame, what, arg) < 0) {
                PyObject *type, *value, *tb;
                PyErr_Fetch(&type, &value, &tb);
                (void)on_unhooked_return(ts, frame, rec->code, cd, 0, arg);
                PyErr_Restore(type, value, tb);
                err = -1;
                break;
            }
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
        follow_if_changed(ts, rec, frame, hooked, version, cd, events);
    }
    if (what == PyTrace_OPCODE && rec->exc_seen) {
        check_handler_exit(ts, rec, frame, hooked);
    }
    if (what == PyTrace_OPCODE || what == PyTrace_LINE || forwarded) {
        return 0;  /* (forwarded first: legacy_first) */
    }
    return pep669_trace_forward(obj, frame, what, arg);
}

int
pep669_trace_fire_line(PyThreadState *ts, PyFrameObject *frame, int lasti,
                       int line, uint8_t tools)
{
    Pep669Record *rec = pep669_thread.record_top;
    Pep669CodeData *cd = rec->cd;
    uint64_t version = pep669_registry.version;
    /* owned */
    PyObject *line_obj = PyLong_FromLong(line);
    if (pep669_backend_pyframe_lasti(frame) == lasti) {
        /* (else the legacy tracer moved the frame: pep669_trace_forward
         * made the line it landed on the last one) */
        rec->last_line = line;
    }
    if (line_obj == NULL) {
        return -1;
    }
    int origin = pep669_thread.line_origin;
    void *locals;
    uint64_t tag;
    pep669_thread.line_origin = PEP669_ORIGIN_TRACE;
    pep669_pyframe_locals_mark(frame, &locals, &tag);
    int err = pep669_trace_call_line(ts, tools, rec->code, lasti, line_obj,
                                     0);
    pep669_pyframe_locals_sync(frame, locals, tag);
    pep669_thread.line_origin = origin;
    Py_DECREF(line_obj);
    if (err == 0 &&
        (version != pep669_registry.version || !cd->done_known)) {
        /* (the frame's events had LINE: the quiet state says so) */
        follow_if_changed(ts, rec, frame, 1, version, cd, PEP669_BIT(LINE));
    }
    return err;
}

/* Nothing pending in the frame: no call under way, no exception looking
 * for its handler, no jump whose destination is next. */
static inline int
nothing_pending(Pep669Record *rec)
{
    /* (flags_version 0: the frame's filters are not set yet, as for a
     * frame whose first trace event this is, or one gone traced in a
     * probe before it had a frame object: the slow path sets them) */
    return rec->flags_version != 0 && rec->prev_offset < 0 &&
           rec->call_offset < 0 &&
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
    if (rec->entry) {
        /* (3.8-3.10) An exception before the entry stub ran (the eval
         * breaker's, at the run's start, with the frame watched for
         * exceptions): the frame's own code, and its own events, before
         * its first instruction. */
        pep669_backend_entry_start(fr, rec->code, 0);
        pep669_backend_entry_unwound(PyThreadState_GET(), fr, cl->entry.start);
        rec->entry = 0;
        return 0;
    }
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

/* An exception in a frame that has no record: one of code that wants
 * exception events and can give no other than RAISE (the hook ran it
 * untouched under the LIGHT trampoline, PEP669_IDLE_EXC; or it ran
 * before), whose code wants no other event: its RAISE, which needs
 * nothing of the frame but the instruction that raised (on_exception's
 * other cases cannot come in such code). */
static int
plain_raise(PyFrameObject *frame, PyObject *arg)
{
    Pep669CodeData *cd;
    PyCodeObject *co = pep669_backend_pyframe_code(frame);
    uint32_t events = code_events(co, &cd);
    if (cd == NULL || cd->exc_plain != 1 || !(events & PEP669_BIT(RAISE)) ||
        (events & (PEP669_FRAME_EVENTS | PEP669_TRACED_EVENTS) &
         ~PEP669_EXC_EVENTS)) {
        return 0;
    }
    int lasti = pep669_backend_pyframe_lasti(frame);
    return pep669_fire_traced(PyThreadState_GET(), cd, PEP669_EV_RAISE, co,
                              lasti < 0 ? 0 : lasti, raised_exception(arg));
}

static int trace_inner(PyObject *obj, PyFrameObject *frame, int what,
                       PyObject *arg);

/* A frame of none of ours at a trace event after events were set inside
 * a legacy tracer's own call (pep669_trace_adopt_later): the first such
 * event after the tracer's call is the frame's it was called for (the
 * tracer's own frames get none); at its 'line' that frame (unless the
 * unhooked slot holds a caller of it, still running) takes the slot if
 * its events (or a caller's) want it, as 3.12 instruments running frames
 * at once.  Only a 'line' ends the wait: the frame's own 'return' or
 * 'exception' may come first, and then the line is its caller's, which
 * 3.12 instruments as well (review20: ending the wait at any event lost
 * those lines).  1: adopted, its line new. */
static int
adopt_at_line(Pep669Frame *fr, PyFrameObject *frame, int what)
{
    Pep669Frame *slot = pep669_thread.unhooked.frame;
    if (PEP669_LIKELY(!pep669_thread.adopt_pending) ||
        what != PyTrace_LINE) {
        return 0;
    }
    pep669_thread.adopt_pending = 0;
    for (Pep669Frame *f = fr; f != NULL && slot != NULL;
         f = pep669_backend_frame_back(f)) {
        if (f == slot) {
            return 0;
        }
    }
    if (!adopt_unhooked(PyThreadState_GET(), fr, frame)) {
        /* (the slot left alone: adopt_unhooked let go of it if it held
         * this frame; another frame's, another greenlet's maybe, is not
         * this one's to drop, review19) */
        return 0;
    }
    pep669_thread.unhooked.last_line = -1;
    return 1;
}

int
pep669_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    /* (a callback may move the frame: it is in a trace call) */
    int origin = pep669_thread.line_origin;
    void *locals;
    uint64_t tag;
    pep669_thread.line_origin = PEP669_ORIGIN_TRACE;
    pep669_pyframe_locals_mark(frame, &locals, &tag);
    int err = trace_inner(obj, frame, what, arg);
    pep669_pyframe_locals_sync(frame, locals, tag);
    pep669_thread.line_origin = origin;
    return err;
}

static int
trace_inner(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
    Pep669Record *rec;
    Pep669CodeData *cd;
    uint32_t events;
    Pep669Record *top = pep669_hooked_record(fr);
    int hooked = top != NULL;
    uint64_t version = pep669_registry.version;

    if (hooked) {
        rec = top;
    }
    else {
        rec = &pep669_thread.unhooked;
        if (!is_unhooked(fr) && !adopt_at_line(fr, frame, what)) {
            /* Not a frame of ours: its events are the legacy tracer's
             * business only, but for the RAISE of a frame that runs
             * without a record for it (PEP669_IDLE_EXC). */
            int err = pep669_backend_trace_forward(obj, frame, what, arg);
            /* (the legacy tracer's 'exception' first, as in trace_event) */
            return (err == 0 && what == PyTrace_EXCEPTION)
                ? plain_raise(frame, arg) : err;
        }
        if (pep669_thread.unhooked.transit) {
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
    if (PEP669_UNLIKELY(rec->stub_back)) {
        /* The first event after a call probe's stub (call_probe_follow):
         * a 'line' that its jump back made, in the call's line, is
         * none. */
        rec->stub_back = 0;
        if (what == PyTrace_LINE) {
            int lasti = pep669_backend_pyframe_lasti(frame);
            if (lasti >= 2 &&
                line_of(rec->code, lasti) == line_of(rec->code, lasti - 2)) {
                return 0;
            }
        }
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
        !(events & PEP669_BIT(INSTRUCTION)) && nothing_pending(rec)) {
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
             (events & PEP669_BIT(LINE)) && nothing_pending(rec)) {
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
        uint8_t tools = 0;
        if (line != rec->last_line && line >= 0) {
            tools = pep669_fire_tools(cd, PEP669_EV_LINE, lasti);
            rec->last_line = line;
        }
        if (legacy_first(rec, obj, frame, PyTrace_LINE, arg) < 0) {
            return -1;
        }
        {
            if (tools) {
                PyThreadState *ts = PyThreadState_GET();
                if (call_line(ts, tools, rec->code, lasti, line) < 0) {
                    return -1;
                }
                follow_if_changed(ts, rec, frame, hooked, version, cd, events);
            }
        }
        return 0;
    }
    return trace_event(obj, frame, what, arg, rec, hooked, version, cd,
                       events);
}
