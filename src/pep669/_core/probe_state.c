/* For tests and benchmarks: what a code's data says of its clone
 * (pep669._monitoring._probe_state; moved out of probe.c, session 16), and
 * which mechanism runs a frame (_frame_mechanism; moved out of
 * probe_fire.c, session 16). */
#include "probe.h"
#include "thread_state.h"

PyObject *
pep669_probe_state(PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data(co);
    Pep669Clone *cl = cd != NULL ? cd->clone : NULL;
    int patched = 0, branches = 0, branches_patched = 0, guards = 0,
        jumps = 0, jumps_patched = 0;
    if (cl != NULL) {
        for (int i = 0; i < cl->nsites; i++) {
            guards += cl->sites[i].guard != 0;
            patched += cl->sites[i].patched != 0;
            jumps += cl->sites[i].jump != 0;
            jumps_patched += cl->sites[i].jump && cl->sites[i].patched;
            branches += cl->sites[i].bsrc >= 0;
            branches_patched += cl->sites[i].bsrc >= 0 &&
                                cl->sites[i].patched;
        }
    }
    /* owned: {offset: "at" | "edges" | "source" | ...} */
    PyObject *kinds = PyDict_New();
    if (kinds == NULL) {
        return NULL;
    }
    for (Py_ssize_t u = 0; cd != NULL && cd->unit_flow != NULL &&
                           u < cd->nunits; u++) {
        uint8_t kind = pep669_unit_flow(cd->unit_flow, u) &
                       (PEP669_PROBE_AT | PEP669_PROBE_EDGES |
                        PEP669_PROBE_SOURCE);
        if (kind == 0) {
            continue;
        }
        PyObject *off = PyLong_FromSsize_t(u * 2);
        PyObject *name = PyUnicode_FromFormat(
            "%s%s%s", (kind & PEP669_PROBE_AT) ? "at " : "",
            (kind & PEP669_PROBE_EDGES) ? "edges " : "",
            (kind & PEP669_PROBE_SOURCE) ? "source " : "");
        if (off == NULL || name == NULL ||
            PyDict_SetItem(kinds, off, name) < 0) {
            Py_XDECREF(off);
            Py_XDECREF(name);
            Py_DECREF(kinds);
            return NULL;
        }
        Py_DECREF(off);
        Py_DECREF(name);
    }
    /* owned: the LINE locations of the flow still wanted */
    PyObject *wanted = PyList_New(0);
    if (wanted == NULL) {
        Py_DECREF(kinds);
        return NULL;
    }
    if (cd != NULL && cd->line_starts != NULL) {
        uint8_t tools = cd->tools[PEP669_EV_LINE];
        const uint8_t *map = pep669_disabled_map(cd, PEP669_EV_LINE);
        if (cd->disabled_version < pep669_registry.restart_version) {
            map = NULL;
        }
        for (Py_ssize_t i = 0; tools != 0 && i < cd->nflow_starts; i++) {
            int loc = cd->line_starts[i];
            if (pep669_still_wanted(cd, map, tools, loc)) {
                PyObject *off = PyLong_FromLong(loc);
                if (off == NULL || PyList_Append(wanted, off) < 0) {
                    Py_XDECREF(off);
                    Py_DECREF(kinds);
                    Py_DECREF(wanted);
                    return NULL;
                }
                Py_DECREF(off);
            }
        }
    }
    /* (the copy itself, where it is one: for dis and the specializer) */
    PyObject *copy = cl != NULL && cl->code != co ? (PyObject *)cl->code
                                                  : Py_None;
    return Py_BuildValue(
        "{s:O,s:O,s:O,s:O,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:N,s:N,s:n,s:n,"
        "s:O,s:n,s:n,s:n,s:n,s:n,s:n,s:O,s:n,s:n,s:n,s:O,s:O,s:n,s:n,s:O,s:n}",
        "clone", cl != NULL ? Py_True : Py_False,
        "copy", copy,
        "calls", cl != NULL && cl->calls == 1 ? Py_True : Py_False,
        "retired", cl != NULL && cl->retired ? Py_True : Py_False,
        "sites", cl != NULL ? cl->nsites : 0,
        "patched", patched,
        "branch_sites", branches,
        "branch_patched", branches_patched,
        "guards", guards,
        "jump_sites", jumps,
        "jump_patched", jumps_patched,
        "kinds", kinds,
        "wanted", wanted,
        "call_refusals", pep669_call_refusals,
        "quiet_runs", cl != NULL ? cl->quiet_runs : 0,
        /* (3.8-3.10) a fresh run leaves the clone's code in its entry
         * stub, not at a trace call */
        "entry", cl != NULL && cl->entry.test > 0 ? Py_True : Py_False,
        "entry_runs", cl != NULL ? cl->entry_runs : 0,
        "window_runs", cl != NULL ? cl->window_runs : 0,
        /* runs started with no record, and those that got one */
        "bare_runs", cl != NULL ? cl->bare_runs : 0,
        "bare_records", cl != NULL ? cl->bare_records : 0,
        /* (not a probe's: handlers run untraced, legacy_events.c) */
        "untraced_handlers",
        (Py_ssize_t)(cd != NULL ? cd->untraced_handlers : 0),
        "released_callers",
        (Py_ssize_t)(cd != NULL ? cd->released_callers : 0),
        /* (3.11) a handler clone; handler clones made (all code); its
         * handler probes that fired the handler's events in the evaluator,
         * and those that left them to the traced path */
        "handlers", cl != NULL && cl->calls == 2 ? Py_True : Py_False,
        "handler_clones", pep669_handler_clones,
        "handler_runs", cl != NULL ? cl->handler_runs : 0,
        "handler_traced", cl != NULL ? cl->handler_traced : 0,
        /* (3.11) the interpreter's line array (frames.c,
         * drop_trace_cache) */
        "trace_cache",
        pep669_backend_code_trace_cache(co, 0) ? Py_True : Py_False,
        /* (engine_entry.h) the hook's one-test fast path holds for it */
        "idle", cd != NULL && cd->version == pep669_registry.version &&
                cd->idle ? Py_True : Py_False,
        "calls_fast_runs", cl != NULL ? cl->calls_fast_runs : 0,
        /* (session 18) line clones refused (all code), and whether this
         * code's last attempt in this version was */
        "line_refusals", pep669_line_refusals,
        "refused", cd != NULL &&
                   cd->probe_refused_version == pep669_registry.version
                   ? Py_True : Py_False,
        /* (3.11) calls its probes left to the evaluator, in place */
        "calls_in_place", cl != NULL ? cl->calls_in_place : 0);
}

/* Which mechanism runs `frame` now: its record's or bare block's clone,
 * else the hook (None: neither). */
PyObject *
pep669_probe_frame_mechanism(PyObject *frame)
{
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "a frame is required");
        return NULL;
    }
    Pep669Frame *fr = pep669_backend_pyframe_frame((PyFrameObject *)frame);
    for (Pep669Record *rec = pep669_thread.record_top; rec != NULL;
         rec = rec->prev) {
        if (rec->frame != fr) {
            continue;
        }
        int probed = rec->clone != NULL && !rec->clone->retired;
        return PyUnicode_FromString(
            probed && rec->calls_covered  ? "call probes"
            : probed && rec->line_covered ? "line probes"
                                          : "hook");
    }
    for (Pep669Record *b = pep669_thread.bare_top; b != NULL; b = b->prev) {
        if (b->frame == fr) {
            /* (a bare run: its line clone's probes, no record; the frames
             * path's: no clone, "resumed" where the hook's quiet
             * resumption pushed it) */
            return PyUnicode_FromString(
                b->clone != NULL ? (b->clone->retired ? "hook"
                                    : b->hook_quiet == 5 ? "call probes"
                                                         : "line probes")
                : b->hook_quiet == 4 && b->hook_resumed ? "resumed"
                : b->hook_quiet == 6 && b->hook_resumed ? "bare, stamped"
                                                        : "bare");
        }
    }
    Py_RETURN_NONE;
}
