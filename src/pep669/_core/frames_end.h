/* The end of a run of the hook's (frames.c, pep669_frame_end) and the
 * pieces of it that the hook's other paths share: the record cache's
 * block of a bare run popped (bare_pop), the check that a record is back
 * in the cache with nothing held (record_released, -DPEP669_DEBUG).  For
 * frames.c and frames_exc.c.  Version-independent. */
#ifndef PEP669_FRAMES_END_H
#define PEP669_FRAMES_END_H

#include "trampoline.h"

/* Everything after the evaluator ran the frame (`result`) whose run the
 * hook started with the record or block `rec`: its exit events, the
 * record (or the block) popped and back in the cache, the runs again
 * with throwflag a PY_YIELD callback that raised asks for.  (Out of
 * line: the C frame under the frame's run keeps the least.) */
PyObject *pep669_frame_end(PyThreadState *ts, Pep669Frame *frame,
                           Pep669Record *rec, PyObject *result);

#ifdef PEP669_DEBUG
/* A record back in the cache after its run: popped, and holding no
 * reference any more (pep669_trace_leave, pep669_trace_leave_quiet). */
static inline int
record_released(Pep669Record *rec)
{
    return rec != pep669_thread.record_top &&
           rec != pep669_thread.bare_top && rec->clone == NULL &&
           rec->call_callable == NULL && rec->call_arg0 == NULL &&
           rec->armed_exc == NULL && rec->outside == NULL &&
           rec->deferred_type == NULL && rec->deferred_value == NULL &&
           rec->deferred_tb == NULL && !rec->window && !rec->entry &&
           !rec->swapped;
}
#endif

/* The end of a bare block that got no record (hook_quiet 4 or 6): off the
 * thread's bare runs, back to the record cache. */
static inline void
bare_pop(Pep669Record *rec)
{
    PEP669_ASSERT(pep669_bare_innermost(rec));
    pep669_bare_unlink(rec);
    PEP669_ASSERT(record_released(rec));
    pep669_record_put(rec);
}

#endif
