/* After every change of the registry (set_events, set_local_events,
 * register_callback, ...): the eval-frame hook installed or removed as the
 * events need it, the code of running frames brought up to date, the
 * calling frame's trampoline re-checked (pep669_frames_update, frames.h).
 * Beside frames.c, which fires the frame events. */
#include "frames.h"
#include "trampoline.h"

/* 3.12 brings the code of every frame on every thread's stack up to date
 * with each change of the event sets (instrument_all_executing_code_objects):
 * refresh their code data, which forgets the DISABLEs of tools that lost an
 * event (codedata.h, inst_tools). */
static void
refresh_running_codes(void)
{
    PyInterpreterState *interp = pep669_registry.interp;
    if (interp == NULL) {
        return;
    }
    for (PyThreadState *t = PyInterpreterState_ThreadHead(interp); t != NULL;
         t = PyThreadState_Next(t)) {
        for (Pep669Frame *f = pep669_backend_current_frame(t); f != NULL;
             f = pep669_backend_frame_back(f)) {
            PyCodeObject *co =
                pep669_backend_own_code(pep669_backend_frame_code(f));
            Pep669CodeData *cd = pep669_code_data(co);
            if (cd != NULL && cd->version != pep669_registry.version) {
                pep669_code_data_refresh(cd);
            }
        }
    }
}

int
pep669_frames_update(void)
{
    refresh_running_codes();
    int need = pep669_registry.active_union != 0 ||
               pep669_registry.local_code_count > 0;
    if (pep669_backend_set_eval_hook(need) < 0) {
        return -1;
    }
    /* set_events() and set_local_events() take effect at once in the
     * frame that called them.  (Inside a callback, the hook and the
     * trampoline re-check after the callback returns.) */
    PyThreadState *ts = PyThreadState_GET();
    if (!pep669_backend_suppressed(ts)) {
        pep669_trace_refresh(ts);
    }
    return 0;
}
