/* CALL, C_RETURN and C_RAISE of frames that run traced (the trampoline
 * sees the call instruction; frames on call probes get theirs from
 * probe_fire.c): the call under way is remembered in the frame's record
 * until the trampoline's next event in the frame ends it. */
#include "legacy_calls.h"
#include "dispatch.h"

/* The call under way ended (raised: by an exception). */
PEP669_INTERNAL int
end_call(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
         Pep669CodeData *cd, uint32_t events, int raised)
{
    int event = raised ? PEP669_EV_C_RAISE : PEP669_EV_C_RETURN;
    int err = 0;
    uint8_t tools = 0;
    if (events & (1u << event)) {
        /* A tool that DISABLEd the CALL there gets no C event either
         * (3.12 removes the location's instrumentation), but for this
         * very call where the code has one tool per event. */
        tools = pep669_fire_tools(cd, event, rec->call_offset) &
            (uint8_t)~pep669_c_event_disabled(cd, rec->call_offset,
                                              rec->call_tools);
    }
    PyFrameObject *pyframe = pep669_backend_frame_pyframe(rec->frame);
    /* (a failure noted for the frame's address is this call's only if
     * its 'c_call' was dropped, which only a profiler at its start can
     * make: an earlier frame there may have left one behind, its events
     * switched off before its call's end) */
    int failed = pep669_backend_legacy_c_failed(ts, pyframe) &&
                 !(rec->call_unprofiled & 1);
    if (failed && raised) {
        /* The profiler's 'c_return' raised: the call's events ended
         * there. */
        pep669_record_forget_call(rec);
        return 0;
    }
    int unmade = pep669_backend_legacy_c_unmade(ts, pyframe);
    /* A profiler set during the call (by the callee) */
    int arrived = (rec->call_unprofiled & 1) &&
                  pep669_backend_thread_profiled(ts);
    if (rec->call_unprofiled & 2) {
        /* (a call kept only for a profiler set during it: a tool that
         * registered a C_RETURN/C_RAISE callback meanwhile gets nothing,
         * its first argument was not kept; docs/differences.md) */
        tools = 0;
    }
    if (tools || unmade || arrived) {
        /* The trampoline learns of the end at the next instruction
         * (or the exception's): callbacks see the frame at the call,
         * as natively.  The profiler's 'c_exception' first (3.12's tool
         * 6), where pep669 made the 'c_call' and the interpreter none;
         * its exception ends the event's callbacks. */
        Pep669FramePos pos;
        pep669_backend_frame_move(rec->frame, rec->call_offset, &pos);
        if (arrived) {
            err = pep669_backend_legacy_c_after(
                ts, rec->call_callable,
                rec->call_arg0 == pep669_registry.missing ? NULL
                                                          : rec->call_arg0,
                raised);
        }
        else if (unmade) {
            err = pep669_backend_legacy_c_end(
                ts, pyframe, rec->call_callable,
                rec->call_arg0 == pep669_registry.missing ? NULL
                                                          : rec->call_arg0,
                raised);
        }
        if (err == 0 && tools) {
            err = pep669_call_tools2_traced(
                ts, tools, event, co, rec->call_offset, rec->call_callable,
                rec->call_arg0);
        }
        pep669_backend_frame_restore(rec->frame, &pos);
    }
    pep669_record_forget_call(rec);
    return err;
}

/* A CALL instruction at `lasti` of a traced frame: its CALL event, and
 * the call remembered for its C_RETURN / C_RAISE. */
PEP669_INTERNAL int
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
    uint8_t called = 0;
    /* (the profiler's 'c_call' of a method descriptor made: its end is
     * followed for the 'c_exception' the interpreter may not make,
     * end_call) */
    int c_made = 0;
    if (events & PEP669_BIT(CALL)) {
        uint8_t tools = pep669_fire_tools(cd, PEP669_EV_CALL, offset);
        called = tools;
        if (tools) {
            /* (3.11: the call is reported at its CALL, seen at PRECALL) */
            Pep669Frame *fr = pep669_backend_pyframe_frame(frame);
            Pep669FramePos pos;
            int err;
            if (offset != lasti) {
                pep669_backend_frame_move(fr, offset, &pos);
            }
            /* The profiler's 'c_call' first, as 3.12's tool 6 (the
             * interpreter's own is dropped); its exception ends the
             * call's events. */
            int profiled = pep669_backend_thread_profiled(ts);
            int c_call = !profiled ? 0
                : pep669_backend_legacy_c_call(
                    ts, frame, callable,
                    arg0 == pep669_registry.missing ? NULL : arg0, 1);
            err = c_call < 0 ? -1
                : pep669_call_tools2_traced(ts, tools, PEP669_EV_CALL, co,
                                            offset, callable, arg0);
            if (err == 0 && !profiled &&
                pep669_backend_thread_profiled(ts)) {
                /* A profiler the callbacks set: 3.12 gives it the call's
                 * end (its tool 6 has C_RETURN), not its 'c_call'. */
                c_call = pep669_backend_legacy_c_call(
                    ts, frame, callable,
                    arg0 == pep669_registry.missing ? NULL : arg0, 0);
                err = c_call < 0 ? -1 : 0;
            }
            if (offset != lasti) {
                pep669_backend_frame_restore(fr, &pos);
            }
            if (err < 0) {
                /* The call does not happen. */
                return -1;
            }
            if (c_call > 0) {
                /* An enclosing frame's 'call' drop still waiting (3.11:
                 * this frame is a signal handler's run at its RESUME) is
                 * armed again at the end of this run, as an entry's
                 * drop is (pep669_frame_end); the unhooked slot has no end. */
                void *waiting = pep669_backend_legacy_drop(
                    ts, frame, PyTrace_C_CALL);
                if (waiting != NULL && rec->hook_drop == NULL &&
                    rec != &pep669_thread.unhooked) {
                    rec->hook_drop = waiting;
                }
                c_made = 1;
            }
        }
    }
    int wanted = (events & (PEP669_BIT(C_RETURN) | PEP669_BIT(C_RAISE))) ||
                 (c_made && Py_TYPE(callable) == &PyMethodDescr_Type);
    /* (a builtin function called with no profiler on the thread, where
     * no tool wants its end: a profiler the callee sets gets it, end_call;
     * its argument is not held, the program may count its references) */
    int watched = !wanted && called && PyCFunction_Check(callable) &&
                  !pep669_backend_thread_profiled(ts);
    if ((wanted || watched) && !inlined) {
        /* 3.12 runs an inlined callee in its own frame: that frame's
         * events are the only ones. */
        rec->call_offset = offset;
        rec->call_end = pep669_backend_next_instruction(co, offset);
        rec->call_callable = Py_NewRef(callable);
        rec->call_arg0 = Py_NewRef(wanted ? arg0 : pep669_registry.missing);
        rec->call_tools = called;
        rec->call_unprofiled = (uint8_t)(
            (pep669_backend_thread_profiled(ts) ? 0 : 1) | (wanted ? 0 : 2));
    }
    return 0;
}
