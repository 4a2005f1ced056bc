/* monitor_engine.h: what the engine's monitor.h implementation
 * (monitor_engine.c, the callback loop's brackets over the registry) lets
 * the layers above it register.  monitor_engine.c calls nothing above it:
 * module init gives it the event sources' work around a loop of
 * callbacks (trampoline.c: pep669_trace_callbacks_begin/_end). */
#ifndef PEP669_MONITOR_ENGINE_H
#define PEP669_MONITOR_ENGINE_H

#include "monitor.h"

/* Before a loop of callbacks for `event`: `saved` (two ints) receives
 * what the matching end hook needs to put back. */
typedef void (*Pep669CallbacksHook)(PyThreadState *ts, int event,
                                    int *saved);
/* After it: `saved` as the begin hook filled it. */
typedef void (*Pep669CallbacksEndHook)(PyThreadState *ts, const int *saved);

void pep669_monitor_engine_hooks(Pep669CallbacksHook begin,
                                 Pep669CallbacksEndHook end);

/* The two registered (dispatch.c's one-tool path calls them as
 * pep669_monitor_callbacks_begin/_end do). */
extern Pep669CallbacksHook pep669_callbacks_begin_hook;
extern Pep669CallbacksEndHook pep669_callbacks_end_hook;

#endif /* PEP669_MONITOR_ENGINE_H */
