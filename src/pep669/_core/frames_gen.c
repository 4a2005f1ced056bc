/* Frame events of generators and coroutines (frames.c calls these):
 * STOP_ITERATION at a generator's end in the `for` loop or delegation
 * that drives it, the LINE 3.13 reports when a throw() reaches a `yield
 * from` / `await`, and close()'s runs that 3.14 skips.  Version-
 * independent. */
#include "frames_gen.h"
#include "dispatch.h"

/* Whether CPython would instrument a `for` loop's FOR_ITER at `offset` in
 * `co` (its data `cd`), which keeps it from specialising: some tool set
 * LINE, INSTRUCTION, BRANCH or BRANCH_LEFT for the code (with a callback
 * or not) and has not DISABLEd it at the FOR_ITER itself.  BRANCH_RIGHT
 * does not count: 3.14 fires it from the loop's exit (POP_ITER), not from
 * FOR_ITER (on 3.12/3.13 pep669's mux turns the native BRANCH location
 * off where LEFT is not wanted, with the same result).  A legacy tracer
 * on any thread counts (3.12's tool 7, interpreter-wide, has LINE and
 * BRANCH; a profiler, tool 6, neither). */
static int
for_iter_instrumented(Pep669CodeData *cd, int offset)
{
    static const int evs[] = {PEP669_EV_LINE, PEP669_EV_INSTRUCTION,
                              PEP669_EV_BRANCH, PEP669_EV_BRANCH_LEFT};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        int ev = evs[i];
        uint8_t tools = pep669_registry.global_tools[ev];
        if (cd != NULL) {
            for (int tool = 0; cd->local != NULL && tool < PEP669_TOOL_COUNT;
                 tool++) {
                if (pep669_code_local_events(cd, tool) & (1u << ev)) {
                    tools |= (uint8_t)(1u << tool);
                }
            }
            if (tools) {
                tools &= (uint8_t)~pep669_disabled_tools(cd, ev, offset);
            }
        }
        if (tools) {
            return 1;
        }
    }
    return pep669_backend_interp_traced(PyThreadState_GET());
}

/* Whether the `for` loop's FOR_ITER at `offset` of `co` has driven a
 * generator before (marking it): natively a FOR_ITER specialises at its
 * second execution (3.12/3.13's warm-up of one), so only its first gives
 * RAISE (or nothing) for a generator's end, every later one
 * STOP_ITERATION.  Executions before the events were set are not seen;
 * without memory: as run. */
static int
loop_ran(PyCodeObject *co, int offset, Pep669CodeData *cd)
{
    /* (`cd`: the code's data if the caller has it at hand) */
    PEP669_ASSERT(cd == NULL || cd == pep669_code_data(co));
    if (cd == NULL) {
        cd = pep669_code_data_ensure(co);
    }
    if (cd == NULL) {
        PyErr_Clear();
        return 1;
    }
    if (cd->loops_run == NULL) {
        cd->loops_run = PyMem_RawCalloc((size_t)cd->nunits + 1, 1);
    }
    if (cd->loops_run == NULL || offset < 0 ||
        (offset >> 1) >= cd->nunits) {
        return 1;
    }
    int ran = cd->loops_run[offset >> 1];
    cd->loops_run[offset >> 1] = 1;
    return ran;
}

/* A generator yielded: the `for` loop that drives it, if any, ran. */
PEP669_INTERNAL void
pep669_generator_yielded(PyThreadState *ts)
{
    Pep669Frame *consumer = pep669_backend_current_frame(ts);
    PyFrameObject *f;
    int offset;
    if (consumer != NULL &&
        pep669_backend_frame_drives_generator(consumer, &offset) == 2 &&
        (f = pep669_backend_current_pyframe(ts)) != NULL) {
        (void)loop_ran(pep669_backend_pyframe_code(f), offset, NULL);
    }
}

/* The record of `consumer`, the frame right outside the run of `rec` (a
 * record, or a bare block of the frames path, frames.c), if it has one:
 * its record, the frames path's bare block (whose record keeps
 * stop_offset when it is made: pep669_trace_frames_record), or the
 * unhooked slot. */
static Pep669Record *
consumer_record(Pep669Record *rec, Pep669Frame *consumer)
{
    int bare = rec->hook_quiet == 4;
    /* (the innermost record, and bare run, outside the run of `rec`) */
    Pep669Record *below = bare ? rec->below : rec->prev;
    Pep669Record *b = bare ? rec->prev : pep669_thread.bare_top;
    if (b != NULL && b->frame == consumer &&
        (b->hook_quiet == 4 || b->hook_quiet == 6) && b->below == below) {
        return b;
    }
    if (below != NULL && below->frame == consumer) {
        return below;
    }
    return is_unhooked(consumer) ? &pep669_thread.unhooked : NULL;
}

/* A generator or coroutine frame returned `retval`: STOP_ITERATION in
 * the frame that drives it from bytecode, if any.  -1 with an exception
 * if a callback raised. */
PEP669_INTERNAL int
pep669_generator_returned(PyThreadState *ts, Pep669Record *rec,
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
    crec = consumer_record(rec, consumer);
    if (!(pep669_registry.active_union & PEP669_BIT(RAISE)) &&
        !pep669_registry.stop_iteration_anywhere) {
        /* Nothing can read what the end leaves but the loop's memory: no
         * STOP_ITERATION can fire, and no RAISE, which the offset left in
         * the consumer's record keeps from a StopIteration reported
         * already (legacy_exceptions.c, on_exception: the callbacks of
         * the generator's PY_RETURN, which could change that, have run;
         * none runs before the consumer's exception event).  (The
         * consumer's data at hand where its record has it.) */
        int ran = drive != 2 ||
                  loop_ran(co, offset,
                           crec != NULL && crec->code == co ? crec->cd : NULL);
        /* (the offset left as the path below leaves it: RAISE may be
         * switched on before the consumer's exception event, from a
         * `__del__` run when the generator's frame is released) */
        if (crec != NULL &&
            (retval == Py_None ||
             (ran && (drive != 2 ||
                      !for_iter_instrumented(pep669_code_data(co), offset))))) {
            crec->stop_offset = offset;
        }
        return 0;
    }
    uint32_t events = code_events(co, &cd);
    if (drive == 2 && (!loop_ran(co, offset, NULL) ||
                       for_iter_instrumented(cd, offset))) {
        /* A `for` loop's first execution, or in code with these events:
         * natively its FOR_ITER is unspecialised, the generator's end no
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

/* throw() or close() into a generator or coroutine suspended in `yield
 * from` / `await`: the exception reaches the frame there once its
 * subiterator is done with it.  3.13 handles it in the frame's cleanup
 * handler (CLEANUP_THROW), whose entry reports the line of the `yield
 * from` again, as long as the RESUME after its yield never ran (its first
 * run specialises it, which hides it from the LINE rule: the 3.13.0 quirk
 * of docs/differences.md, "3.13.0's first line").  3.12 does not report
 * it; where they disagree, 3.13 is followed.  Here: as long as no frame of
 * the code was resumed in a delegation while monitored.  A callback's
 * exception replaces the one thrown. */
PEP669_INTERNAL int
pep669_delegate_thrown(PyThreadState *ts, Pep669Frame *frame,
                       PyCodeObject *co)
{
    Pep669CodeData *cd;
    int offset;
    uint32_t events = pep669_code_events(co, &cd);
    if (!(events & PEP669_BIT(LINE)) ||
        (cd != NULL && cd->delegation_resumed) ||
        !pep669_backend_frame_delegating(frame, &offset) ||
        !PyErr_Occurred()) {
        return -1;
    }
    uint8_t tools = pep669_fire_tools(cd, PEP669_EV_LINE, offset);
    if (tools == 0) {
        return -1;
    }
    if ((events & PEP669_BIT(RAISE)) &&
        pep669_fire_tools(cd, PEP669_EV_RAISE, offset)) {
        /* 3.13 reports it after the frame's RAISE of the exception
         * thrown in: the trampoline fires it then (the record's
         * delegate_line). */
        return offset;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    /* owned */
    PyObject *line = PyLong_FromLong(PyCode_Addr2Line(co, offset));
    int err = -1;
    if (line != NULL) {
        Pep669Link link;
        int origin = pep669_thread.line_origin;
        pep669_thread.line_origin = PEP669_ORIGIN_HOOK;
        pep669_backend_frame_link(ts, frame, &link);
        err = pep669_call_tools(ts, tools, PEP669_EV_LINE, co, offset, line);
        pep669_backend_frame_unlink(ts, frame, &link);
        pep669_thread.line_origin = origin;
        Py_DECREF(line);
    }
    if (err < 0) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return -1;
    }
    PyErr_Restore(type, value, tb);
    return -1;
}

/* A frame of a generator, coroutine or async generator (`co`) ends by a
 * StopIteration (an async generator's also by StopAsyncIteration), the
 * current exception.  The interpreter makes it a RuntimeError once the
 * frame is gone (PEP 479: gen_send_ex), so the frame's PY_UNWIND would
 * carry the StopIteration; 3.12+ make it inside the frame, in its
 * implicit handler: EXCEPTION_HANDLED of the StopIteration, the
 * RuntimeError's RERAISE, then PY_UNWIND of the RuntimeError.  Here the
 * same, at the frame's end (`offset`, its PY_UNWIND's): the RuntimeError
 * made as gen_send_ex makes it (its message by the generator's kind,
 * which the code's flags decide; cause and context the StopIteration; no
 * traceback entry, the frame's run being over), which gen_send_ex then
 * passes on unchanged.  A callback's exception replaces the current one,
 * as natively (then nothing is converted).  Only where one of these
 * events is wanted for the code: otherwise nothing can tell. */
PEP669_INTERNAL void
pep669_generator_stop_error(PyThreadState *ts, Pep669Frame *frame,
                            PyCodeObject *co, int offset)
{
    Pep669CodeData *cd;
    uint32_t events = pep669_code_events(co, &cd);
    if (!(events & (PEP669_BIT(EXCEPTION_HANDLED) | PEP669_BIT(RERAISE) |
                    PEP669_BIT(PY_UNWIND)))) {
        return;
    }
    int async_gen = (co->co_flags & CO_ASYNC_GENERATOR) != 0;
    if (!PyErr_ExceptionMatches(PyExc_StopIteration) &&
        !(async_gen && PyErr_ExceptionMatches(PyExc_StopAsyncIteration))) {
        return;
    }
    Pep669Link link;
    pep669_backend_frame_link(ts, frame, &link);
    uint8_t tools;
    if ((events & PEP669_BIT(EXCEPTION_HANDLED)) &&
        (tools = pep669_fire_tools(cd, PEP669_EV_EXCEPTION_HANDLED,
                                   offset)) != 0) {
        /* A callback's exception replaces it, and the implicit handler
         * catches that one too: its EXCEPTION_HANDLED again, as
         * natively (which loops as long as the callbacks raise). */
        while (pep669_call_tools_exc(ts, tools, PEP669_EV_EXCEPTION_HANDLED,
                                     co, offset) < 0 &&
               (events = pep669_code_events(co, &cd)) &
                   PEP669_BIT(EXCEPTION_HANDLED) &&
               (tools = pep669_fire_tools(cd, PEP669_EV_EXCEPTION_HANDLED,
                                          offset)) != 0) {
        }
    }
    /* (converted only if it is still a StopIteration, as natively) */
    const char *msg = NULL;
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        msg = (co->co_flags & CO_COROUTINE) ? "coroutine raised StopIteration"
              : async_gen ? "async generator raised StopIteration"
                          : "generator raised StopIteration";
    }
    else if (async_gen && PyErr_ExceptionMatches(PyExc_StopAsyncIteration)) {
        msg = "async generator raised StopAsyncIteration";
    }
    if (msg != NULL) {
        (void)_PyErr_FormatFromCause(PyExc_RuntimeError, "%s", msg);
    }
    if ((events & PEP669_BIT(RERAISE)) &&
        (tools = pep669_fire_tools(cd, PEP669_EV_RERAISE, offset)) != 0) {
        (void)pep669_call_tools_exc(ts, tools, PEP669_EV_RERAISE, co, offset);
    }
    pep669_backend_frame_unlink(ts, frame, &link);
}

/* A resumption inside `yield from` / `await`: the code's later throws
 * there give no LINE (see delegate_thrown).  Out of line: nothing of it
 * may stay in the hook's C frame. */
PEP669_INTERNAL void
pep669_delegation_resumed(Pep669Frame *frame, Pep669CodeData *cd)
{
    int off;
    cd->delegation_resumed =
        (uint8_t)pep669_backend_frame_delegating(frame, &off);
}

/* Whether the exception pending is close()'s GeneratorExit (or the
 * finalizer's): close() sets it without a value, where
 * throw(GeneratorExit) passes an instance.  From inside an except block
 * close() gets an instance made on the spot to chain it: no arguments,
 * no traceback, its context the exception being handled (an instance
 * thrown in is not chained: PyErr_Restore does not chain). */
static int
close_exception(PyThreadState *ts)
{
    PyObject *v = ts->curexc_value;
    if (ts->curexc_type != PyExc_GeneratorExit) {
        return 0;
    }
    if (v == NULL) {
        return 1;
    }
    PyBaseExceptionObject *e = (PyBaseExceptionObject *)v;
    PyObject *handled = _PyErr_GetTopmostException(ts)->exc_value;
    return Py_TYPE(v) == (PyTypeObject *)PyExc_GeneratorExit &&
           ts->curexc_traceback == NULL && e->traceback == NULL &&
           e->args != NULL && PyTuple_GET_SIZE(e->args) == 0 &&
           handled != NULL && handled != Py_None && e->context == handled;
}

/* Whether this run throws close()'s GeneratorExit into a generator that
 * 3.14 clears without running it (gen_close): it waits at a plain
 * `yield` outside every handler and no tool has PY_UNWIND for its code
 * (the fix of gh-140373; 3.13.0 skips it even then, 3.12 never does). */
PEP669_INTERNAL int
pep669_closing_quietly(PyThreadState *ts, Pep669Frame *frame,
                       uint32_t code_events)
{
    return !(code_events & PEP669_BIT(PY_UNWIND)) && close_exception(ts) &&
           pep669_backend_close_skips_frame(frame);
}
