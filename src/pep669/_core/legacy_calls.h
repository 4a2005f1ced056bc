/* CALL, C_RETURN and C_RAISE of traced frames (legacy_calls.c), for
 * the trampoline's body (legacy_events.c). */
#ifndef PEP669_LEGACY_CALLS_H
#define PEP669_LEGACY_CALLS_H

#include "trampoline.h"

PEP669_INTERNAL int end_call(PyThreadState *ts, Pep669Record *rec,
                             PyCodeObject *co, Pep669CodeData *cd,
                             uint32_t events, int raised);
PEP669_INTERNAL int start_call(PyThreadState *ts, Pep669Record *rec,
                               PyFrameObject *frame, PyCodeObject *co,
                               Pep669CodeData *cd, uint32_t events,
                               int lasti);

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

#endif
