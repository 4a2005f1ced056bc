/* After every change of the registry (set_events, set_local_events,
 * register_callback, ...): the eval-frame hook installed or removed as the
 * events need it, the code of running frames brought up to date, the
 * calling frame's trampoline re-checked (pep669_frames_update, frames.h).
 * Beside frames.c, which fires the frame events. */
#include "frames.h"
#include "trampoline.h"
#include "dispatch.h"
#include "lineflow.h"

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

/* restart_events(): 3.12+ re-arm every executing code at once, so a
 * frame suspended in a call at a branch (a `for` loop's FOR_ITER running a
 * generator, a condition's __bool__) gets the branch's event when the call
 * returns, unless the instruction had been DISABLEd (it runs
 * uninstrumented then: no event that pass).  A frame of this thread that
 * ran the branch on probes, or traced without opcode events there, has no
 * prev_offset: it gets it now, to report the edge on its arrival, traced
 * (fire_jump), as the probe at the destination, which the restart may take
 * away, would have; a traced frame's pending jump drops the edges that
 * were DISABLEd.  `before`: the restart_version before this restart, under which
 * the DISABLEs of the code data read as they stood (pep669_fire_tools_at:
 * the registry's own stays as the restart set it). */
static void
restart_in_flight(uint64_t before)
{
    Pep669Record *top = pep669_thread.record_top;
    for (Pep669Record *rec = top; rec != NULL; rec = rec->prev) {
        PyCodeObject *co = rec->code;
        Pep669CodeData *cd = rec->cd;
        /* (the innermost frame is not in a call of its own: the callback
         * that restarted is its event's) */
        if (rec == top || co == NULL || cd == NULL || rec->frame == NULL ||
            rec->call_offset >= 0 || rec->armed_exc != NULL) {
            continue;
        }
        int src = pep669_backend_frame_lasti(rec->frame), next, target;
        if (rec->prev_offset >= 0 && rec->prev_offset != src) {
            continue;
        }
        if (src < 0 || src >= 2 * (int)pep669_backend_code_units(co) ||
            pep669_backend_jump_kind(co, &src, &next, &target) !=
                PEP669_EV_BRANCH) {
            continue;
        }
        int wanted = 0, drop = -1;
        for (int i = 0; i < 2; i++) {
            int dest = i ? target : next;
            int side = pep669_branch_side(co, cd, src, next, target, dest);
            if (pep669_fire_tools_at(cd, PEP669_EV_BRANCH, src, before) ||
                (side >= 0 && pep669_fire_tools_at(cd, side, src, before))) {
                wanted++;
            }
            else {
                drop = dest;
            }
        }
        /* (a traced frame's pending jump too: what the restart re-armed
         * fires, not what was DISABLEd) */
        rec->prev_offset = wanted > 0 ? src : -1;
        rec->restart_jump = wanted > 0;
        rec->restart_drop = drop;
    }
}

int
pep669_frames_update(void)
{
    uint64_t before = pep669_registry.restart_seen;
    if (pep669_registry.restart_version != before) {
        pep669_registry.restart_seen = pep669_registry.restart_version;
        if (pep669_registry.restart_seen > before) {
            restart_in_flight(before);
        }
    }
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
    else {
        pep669_trace_adopt_later(ts);
    }
    return 0;
}
