/* The hook's own start of an exception bare run (hook_quiet 6,
 * trampoline.h: pep669_trace_push_exc_bare) for code whose stamp says the
 * quiet path would start one (codedata.h, calls_ready 2), and its common end.
 * Version-independent. */
#include "frames_end.h"

/* A fresh run of code `co` (its data `cd`, current, calls_ready 2) that the
 * hook's fast path found on a thread whose trampoline is LIGHT as the
 * quiet path wants it, no record holding pep669's filters
 * (pep669_frame_idle's PEP669_IDLE_EXC_BARE): frame_begin and
 * pep669_trace_enter_quiet would push the same block, after checks whose
 * answers the stamp holds for the version (the code's events exception
 * events only, not plain, no generator's, no handler clone to take).  A
 * run that returned with the block still bare, the version unchanged and
 * the trampoline still LIGHT pops it (pep669_frame_end's hook_quiet 6
 * case); any other end is pep669_frame_end's. */
PyObject *
pep669_frame_eval_exc(PyThreadState *ts, Pep669Frame *frame,
                      PyCodeObject *co, Pep669CodeData *cd)
{
    PEP669_ASSERT(!pep669_backend_suppressed(ts) &&
                  co == pep669_backend_frame_code(frame) &&
                  cd == pep669_code_data(co) && cd->calls_ready == 2 &&
                  cd->version == pep669_registry.version &&
                  cd->exc_plain == 2 &&
                  !(cd->handler_probes == 2 &&
                    HANDLER_PROBED(cd->events)) &&
                  !(cd->events & ~PEP669_EXC_EVENTS) &&
                  (cd->events & PEP669_EXC_EVENTS) &&
                  !(co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                                    CO_ITERABLE_COROUTINE |
                                    CO_ASYNC_GENERATOR)) &&
                  pep669_backend_trace_clean(ts, PEP669_TRACE_LIGHT) &&
                  pep669_frame_exc_quiet());
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    pep669_trace_push_exc_bare(rec, frame, co, cd, cd->events);
    rec->hook_resumed = 1;
    PyObject *result = pep669_backend_eval_prev(ts, frame, 0);
    if (PEP669_LIKELY(result != NULL && pep669_registry_tstate == ts &&
                      rec->hook_quiet == 6 &&
                      rec->quiet_entry == pep669_registry.version &&
                      pep669_backend_trace_clean(ts, PEP669_TRACE_LIGHT))) {
        bare_pop(rec);
        return result;
    }
    return pep669_frame_end(ts, frame, rec, result);
}
