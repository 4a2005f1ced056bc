/* Probe firing: what a probe does when its stub calls it.
 *
 * A line probe (probe.c builds the clone, its stubs and probe objects)
 * fires LINE at its location, and the branch events of the edge it stands
 * for, unless the frame is traced by now (then the trampoline gives them);
 * once no tool wants the location, the site is unpatched.  A call probe
 * fires CALL, makes the call itself (the backend's call-site functions),
 * and fires C_RETURN or C_RAISE.  Afterwards the frame follows what its
 * events want (trampoline.c).  The probe objects reach this file through
 * the vectorcall given to pep669_probe_init (pep669_probe_fire_init):
 * probe.c calls nothing here. */
#include "probe_fire.h"
#include "dispatch.h"
#include "probe_entries.h"
#include "lineflow_lines.h"

/* After a probe, whose callbacks (or callee) may have changed the events:
 * the frame runs from here on as `events` (the record's) want. */
static void
follow_after_probe(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                   uint32_t events)
{
    int want = mode_with_record(rec, mode_for(events), events);
    PyFrameObject *f = pep669_frame_pyframe(frame);
    if (!want) {
        flags_show(rec, f);
    }
    set_trampoline_mode(ts, want);
    if (want) {
        flags_set(f, rec, events);
    }
}

/* The frame must run the location's own instruction, which other frames
 * of the clone, untraced, rely on the probe there to see: they are traced
 * from now on (those of other threads from their next call or return),
 * and new frames run the code itself until the events change. */
static void
give_up_clone(Pep669Clone *cl, Pep669CodeData *cd)
{
    pep669_clone_retire(cl);
    cd->probe_off_version = pep669_registry.version;
}

/* The branch events of a branch probe's edge (the branch at `b`, a
 * site's bsrc, arriving at `dest`, its loc; or its obranch - 1 arriving
 * at its src), as the trampoline gives them when the frame arrives there
 * traced (fire_jump): BRANCH, then BRANCH_LEFT or BRANCH_RIGHT. */
static int
probe_branch(PyThreadState *ts, Pep669Frame *frame, Pep669CodeData *cd,
             PyCodeObject *co, int b, int dest)
{
    int next, target;
    if (pep669_backend_jump_kind(co, &b, &next, &target) !=
        PEP669_EV_BRANCH) {
        return 0;
    }
    int side = pep669_branch_side(co, cd, b, next, target, dest);
    if (!pep669_fire_tools(cd, PEP669_EV_BRANCH, b) &&
        !pep669_fire_tools(cd, side, b)) {
        return 0;
    }
    /* owned */
    PyObject *dest_obj = PyLong_FromLong(dest);
    if (dest_obj == NULL) {
        return -1;
    }
    /* (as there: the callbacks see the frame at the branch) */
    Pep669FramePos pos;
    pep669_backend_frame_move(frame, b, &pos);
    int err = pep669_fire(ts, cd, PEP669_EV_BRANCH, co, b, dest_obj);
    if (err == 0) {
        err = pep669_fire(ts, cd, side, co, b, dest_obj);
    }
    pep669_backend_frame_restore(frame, &pos);
    Py_DECREF(dest_obj);
    return err;
}

/* The JUMP of a JUMP probe's jump (its first byte site->src, arriving at
 * site->loc), as the trampoline gives it when the frame arrives there
 * traced (fire_jump): the callbacks see the frame at the jump. */
static int
probe_jump(PyThreadState *ts, Pep669Frame *frame, Pep669CodeData *cd,
           PyCodeObject *co, Pep669Site *site)
{
    int j = site->src, next, target;
    if (pep669_backend_jump_kind(co, &j, &next, &target) != PEP669_EV_JUMP ||
        !pep669_fire_tools(cd, PEP669_EV_JUMP, j)) {
        return 0;
    }
    /* owned */
    PyObject *dest_obj = PyLong_FromLong(site->loc);
    if (dest_obj == NULL) {
        return -1;
    }
    Pep669FramePos pos;
    pep669_backend_frame_move(frame, j, &pos);
    int err = pep669_fire(ts, cd, PEP669_EV_JUMP, co, j, dest_obj);
    pep669_backend_frame_restore(frame, &pos);
    Py_DECREF(dest_obj);
    return err;
}

/* A probe's LINE at `loc` for `tools`: the line's object, the record's
 * last line, the callbacks run with the probe as the line's origin (what
 * f_lineno's setter reads: a move is pending, rec->pending).  0, or -1
 * with an exception (the line object's MemoryError, with no callback
 * run and nothing pending: only these callbacks set rec->pending; or a
 * callback's). */
static int
fire_probe_line(PyThreadState *ts, Pep669Record *rec, PyCodeObject *co,
                Pep669CodeData *cd, int loc, uint8_t tools)
{
    int line = pep669_location_line(co, cd, loc);
    /* owned */
    PyObject *line_obj = PyLong_FromLong(line);
    if (line_obj == NULL) {
        return -1;
    }
    rec->last_line = line;
    int origin = pep669_thread.line_origin;
    pep669_thread.line_origin = PEP669_ORIGIN_PROBE;
    int err = pep669_trace_call_line(ts, tools, co, loc, line_obj, 1);
    pep669_thread.line_origin = origin;
    Py_DECREF(line_obj);
    return err;
}

/* Whether the site's patch takes its location's own unit (a location
 * site; a far one at a location, far 3 and 4): the frame cannot go on
 * there while it is patched. */
static inline int
site_takes_loc(const Pep669Site *site)
{
    return site->src < 0 || site->far == 3 || site->far == 4;
}

/* The callbacks of a line probe's site: the edge's branch events, the
 * jump's JUMP, the location's LINE.  1 if the location's LINE fired, 0 if
 * not, -1 with an exception. */
static int
probe_callbacks(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                Pep669CodeData *cd, PyCodeObject *co, Pep669Site *site,
                int via)
{
    int loc = site->loc, line_here = site->line;
    uint64_t version = pep669_registry.version;
    /* (the code's events: the clone's own stand-ins included) */
    int had_line = (cd->events & PEP669_BIT(LINE)) != 0;
    if (site->bsrc >= 0 && !via &&
        probe_branch(ts, frame, cd, co, site->bsrc, site->loc) < 0) {
        return -1;
    }
    if (site->jump && probe_jump(ts, frame, cd, co, site) < 0) {
        return -1;
    }
    if (version != pep669_registry.version) {
        /* (their callbacks changed the events) */
        if (cd->version != pep669_registry.version) {
            pep669_code_data_refresh(cd);
        }
        if (!line_here && !had_line) {
            /* LINE switched on: as 3.12, the location's LINE is due
             * where its line is not that of the jump. */
            int from = site->bsrc >= 0 ? site->bsrc : site->src;
            line_here = from >= 0 && line_of(co, loc) != line_of(co, from);
        }
    }
    uint8_t tools = line_here ? pep669_fire_tools(cd, PEP669_EV_LINE, loc)
                              : 0;
    if (tools != 0 && fire_probe_line(ts, rec, co, cd, loc, tools) < 0) {
        if (rec->pending) {
            rec->pending = 0;
            pep669_frame_set_lasti(frame, loc);
        }
        return -1;
    }
    return tools != 0;
}

/* A site's own LINE (site->own: the jump at site->src is a LINE location
 * too), and before it the edge of the branch arriving there (obranch, on
 * any site on an unconditional jump), before the rest: the callbacks see the frame at the jump.  1: go
 * on to the rest; 0: a callback moved the frame (traced from here on,
 * the move made at its next trace event); -1 with an exception (raised
 * at the jump). */
static int
fire_own_line(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
              Pep669Clone *cl, Pep669CodeData *cd, PyCodeObject *co,
              Pep669Site *site)
{
    int src = site->src;
    pep669_frame_set_lasti(frame, src);
    if (site->obranch &&
        probe_branch(ts, frame, cd, co, site->obranch - 1, src) < 0) {
        return -1;
    }
    if (cd->version != pep669_registry.version) {
        /* (the branch's callbacks changed the events) */
        pep669_code_data_refresh(cd);
    }
    uint8_t tools = site->own ? pep669_fire_tools(cd, PEP669_EV_LINE, src)
                              : 0;
    if (tools == 0) {
        return 1;
    }
    Pep669LocalsMark mark;
    pep669_locals_mark(frame, &mark);
    int err = fire_probe_line(ts, rec, co, cd, src, tools);
    pep669_locals_sync(frame, &mark);
    if (err < 0) {
        rec->pending = 0;
        return -1;
    }
    (void)pep669_code_events(co, &cd);
    if (rec->pending) {
        give_up_clone(cl, cd);
        uint32_t events = record_events(rec, &cd);
        pep669_backend_frame_resync(frame, src);
        follow_after_probe(ts, rec, frame, events);
        return 0;
    }
    return 1;
}

#include "probe_far.c.h"

/* A probe of `cl` was called by its stub for `site`, in `frame` (the
 * thread's innermost): LINE there if a tool wants it, and the site
 * unpatched once none does.  0, or -1 with an exception (a callback's: the
 * frame raises at the location).  (Out of line: the vectorcall's own C
 * frame stays small.) */
static PEP669_NOINLINE int
fire_line_probe(PyThreadState *ts, Pep669Frame *frame, Pep669Clone *cl,
                Pep669Site *site, PyObject **top)
{
    /* (a bare run's record is made here: its first event) */
    Pep669Record *rec = pep669_hooked_record(frame);
    Pep669CodeData *cd;
    int loc = site->loc;
    if (rec == NULL || rec->clone != cl) {
        /* (no frame of ours runs clones without its record, or a bare
         * run's block, whose record is made above) */
        pep669_clone_retire(cl);
        /* (a far site at a location: its instruction runs in place) */
        return site->far == 3;
    }
    if (rec->entry) {
        /* (3.8-3.10) A run on the clone that did not start at its entry
         * stub (every run the hook starts there does: none since session
         * 13's layout, which leaves the code's first bytes alone): the
         * frame's own code back, here. */
        PEP669_ASSERT(site->loc == 0 &&
                      pep669_backend_frame_code(frame) == cl->code);
        pep669_backend_frame_set_code(frame, rec->code);
        rec->entry = 0;
        cl->entry_runs++;
    }
    PyCodeObject *co = rec->code;
    uint32_t events = record_events(rec, &cd);
    /* (a jump's site that marks the way to its destination, and the
     * fall-through's site there, which fires its edge only unmarked:
     * whether the frame is traced or not) */
    int via = 0;
    if (site->vmark) {
        rec->via_mark = site->src + 1;
    }
    else if (site->fvia) {
        via = rec->via_mark == site->fvia;
        rec->via_mark = 0;
    }
    if (!pep669_site_wanted(co, cd, site)) {
        /* Every tool DISABLEd it (in another frame, or in this one while
         * it ran traced): the original instruction, for good. */
        pep669_clone_unpatch(cl, cd, loc);
        return site->far == 3;
    }
    if ((events & PEP669_PROBED_EVENTS) &&
        pep669_backend_trace_mode(ts) == PEP669_TRACE_FULL) {
        /* The frame is traced: its line event at the location is the
         * LINE, and the trampoline gives the branch's events on arrival.
         * It came before a probe at the location, it comes next after one
         * on a jump. */
        if (via || pep669_site_guards(co, cd, site)) {
            pep669_clone_guard_retire(cl, cd);
        }
        else if (site_takes_loc(site)) {
            give_up_clone(cl, cd);
        }
        int made = site->far == 3
                       ? pep669_backend_jump_site_before(frame, site, top, 1)
                       : 1;
        if (made < 0) {
            return -1;
        }
        pep669_backend_frame_resync(frame,
                                    made == 2 ? far_target(co, site) : loc);
        return 0;
    }
    if ((site->own || site->obranch) && site->far != 4) {
        /* (far 4's: fire_far_own, before the branch's test) */
        int r = fire_own_line(ts, rec, frame, cl, cd, co, site);
        if (r <= 0) {
            /* (a far site at a location, its frame moved: traced from its
             * instruction, in place) */
            return r == 0 && site->far == 3 ? 1 : r;
        }
    }
    /* (a far site at a location: its instruction, after the events that
     * arrive there) */
    if (site->far == 3) {
        int made = pep669_backend_jump_site_before(frame, site, top, 1);
        if (made < 0) {
            return -1;
        }
        if (made == 2) {
            far_jumped(ts, rec, frame, cl, co, site);
            return 0;
        }
    }
    /* Callbacks see the frame at the location (and an exception they
     * raise is raised there). */
    pep669_frame_set_lasti(frame, loc);
    /* What they write to frame.f_locals goes to the variables (3.13,
     * PEP 667; as pep669_trace does for traced frames). */
    Pep669LocalsMark mark;
    pep669_locals_mark(frame, &mark);
    int lined = probe_callbacks(ts, rec, frame, cd, co, site, via);
    pep669_locals_sync(frame, &mark);
    if (lined < 0) {
        return -1;
    }
    (void)pep669_code_events(co, &cd);
    if (rec->pending) {
        /* A callback moved the frame: it runs traced from the location
         * on (every frame of the clone does), where the move is made. */
        pep669_frame_set_lasti(frame, loc);
        give_up_clone(cl, cd);
    }
    else if (!pep669_site_wanted(co, cd, site)) {
        pep669_clone_unpatch(cl, cd, loc);
    }
    else if (via || pep669_site_guards(co, cd, site)) {
        /* The branch has an edge no probe takes (or the way in that the
         * jump marked came first, its fall-through's edge still wanted):
         * traced from here on (its line was the last one, or its LINE is
         * fired above). */
        rec->last_line = line_of(co, loc);
        pep669_clone_guard_retire(cl, cd);
    }
    else if (site_takes_loc(site)) {
        /* Still wanted, and in the frame's way (a far site at a location:
         * its patch takes the location's own unit). */
        give_up_clone(cl, cd);
    }
    /* The callbacks may have changed the events: the frame follows. */
    int covered = rec->line_covered;
    events = record_events(rec, &cd);
    if (covered && !rec->line_covered && !lined && !site_takes_loc(site)) {
        /* The probes stopped standing in for LINE here (a callback's
         * restart_events() made what was DISABLEd wanted again, ...),
         * on a jump whose site did not fire its destination's LINE: the
         * frame arrives there traced, from the jump, whose line was the
         * last one (record_events took the destination's), as the
         * trampoline decides after a jump (a location whose site was
         * unpatched for its LINE's DISABLE gets it again). */
        int from = site->bsrc >= 0 ? site->bsrc : site->src;
        rec->last_line = line_of(co, from);
        /* (3.8/3.9, mid-line: the 'line' of the stub's jump back is none) */
        rec->stub_back = (char)forward_mid_line(co, from, loc);
    }
    pep669_backend_frame_resync(frame, loc);
    follow_after_probe(ts, rec, frame, events);
    return 0;
}

/* A call probe's CALL, C_RETURN or C_RAISE callbacks (`tools`, at least
 * one).  What they write to frame.f_locals goes to the frame's variables
 * once they return (3.13, PEP 667), as at a line probe; at CALL, before
 * the call runs (the callee may change a cell).  -1 with an exception. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
probe_call_tools(PyThreadState *ts, Pep669Frame *frame, uint8_t tools,
                 int event, PyCodeObject *co, int loc, PyObject *callable,
                 PyObject *arg0)
{
    Pep669LocalsMark mark;
    pep669_locals_mark(frame, &mark);
    /* (inline in its callers, session 17: out of line, its calls' entry
     * and exit cost 3.11's profiler about 25 instructions an event,
     * callgrind, bench_calls profiler) */
    /* (one tool's callback inline, the hooks' bodies too: trampoline.h;
     * two tools or more through pep669_call_tools2, not pep669_call_some's
     * pep669_call_many: with that 8-argument call in it, GCC laid out
     * 3.11's one-tool path with 6-8 more instructions an event, callgrind,
     * bench_calls profiler) */
    int err = (tools & (tools - 1)) == 0
        ? pep669_call_one(ts, pep669_only_tool(tools), event, co, loc,
                          callable, arg0, 1,
                          pep669_trace_callbacks_begin_inline,
                          pep669_trace_callbacks_end_inline)
        : pep669_call_tools2(ts, tools, event, co, loc, callable, arg0);
    pep669_locals_sync(frame, &mark);
    return err;
}

/* C_RETURN or C_RAISE after a probe's call, whose CALL event went to
 * `called` (the tools that DISABLEd the CALL there get neither, as 3.12
 * removes the location's instrumentation, but for this very call where
 * the code has one tool per event: pep669_c_event_disabled).  A C_RAISE
 * callback's exception replaces the call's. */
static int
probe_call_ended(PyThreadState *ts, Pep669Frame *frame, Pep669CodeData *cd,
                 PyCodeObject *co, int loc, PyObject *callable, PyObject *arg0, int raised,
                 uint8_t called)
{
    int event = raised ? PEP669_EV_C_RAISE : PEP669_EV_C_RETURN;
    if (cd == NULL || !(pep669_code_data_events(cd) & (1u << event))) {
        return 0;
    }
    uint8_t tools = pep669_fire_tools(cd, event, loc) &
        (uint8_t)~pep669_c_event_disabled(cd, loc, called);
    if (tools == 0) {
        return 0;
    }
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (raised) {
        PyErr_Fetch(&type, &value, &tb);
    }
    int err = probe_call_tools(ts, frame, tools, event, co, loc, callable,
                               arg0);
    if (raised) {
        if (err < 0) {
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
        }
        else {
            PyErr_Restore(type, value, tb);
        }
    }
    return err;
}

/* After a call probe: the callbacks or the callee may have changed the
 * events (a tool gaining LINE), or set a legacy tracer or profiler, which
 * the clone cannot serve.  The frame then follows, as after a line probe:
 * traced from the instruction after the call (the stub's own are skipped),
 * whose line is the call's.  `covered`: the probes stood in for the
 * frame's calls when this one began. */
static void
call_probe_follow(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
                  Pep669Clone *cl, int loc, int covered)
{
    Pep669CodeData *cd;
    if (pep669_thread.record_top != rec || rec->frame != frame ||
        rec->clone != cl) {
        return;
    }
    /* (the call's exception, if it raised, goes on once this is done) */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (!pep669_backend_thread_plain(ts)) {
        pep669_clone_retire(cl);
    }
    uint32_t events = record_events(rec, &cd);
    if (covered && !rec->calls_covered) {
        rec->last_line = line_of(rec->code, loc);
        pep669_backend_frame_resync(frame, loc);
    }
    follow_after_probe(ts, rec, frame, events);
    /* (the interpreter reports the stub's jump back, a backward jump, as
     * a 'line' event: trace_inner drops it for the legacy tracer, which
     * natively gets the next line first) */
    rec->stub_back = pep669_backend_trace_has_legacy();
    PyErr_Restore(type, value, tb);
}

static PyObject *
make_probed_call(PyThreadState *ts, Pep669CodeData *cd, int covered,
                 Pep669Frame *frame, Pep669Clone *cl, Pep669Site *site,
                 PyObject **top);

/* A call probe of `cl` was called by its stub for `site`, the stack's top
 * (below the probe) at `top`: CALL, the call, C_RETURN or C_RAISE; what
 * the probe returns (see pep669_backend_call_site_finish).  The frame's
 * record, or its bare run's block (3.11, hook_quiet 5: the code data and
 * the probes' cover are all the call needs; the record is made after it
 * only where the frame must follow a change).  Out of line: it stays on
 * the C stack under the callee, and the vectorcall's frame stays as small
 * as before. */
static PEP669_NOINLINE PyObject *
fire_call_probe(PyThreadState *ts, Pep669Frame *frame,
                Pep669Clone *cl, Pep669Site *site, PyObject **top)
{
    Pep669Record *rec = pep669_thread.record_top;
    Pep669Record *b = NULL;
    uint64_t version = pep669_registry.version;
    Pep669CodeData *cd = NULL;
    int covered = 0, raised = 0;
again:
    if (rec != NULL && rec->frame == frame && rec->clone == cl) {
        covered = rec->calls_covered;
        cd = rec->cd;
        pep669_trace_unswap(rec);
    }
    else if ((b = pep669_thread.bare_top) != NULL && b->frame == frame &&
             b->below == rec &&
             b->clone == cl && b->hook_quiet == 5) {
        /* (a call run's block: its probes cover the calls) */
        rec = NULL;
        covered = 1;
        cd = b->cd;
    }
    else if (!raised++ && pep669_trace_raise(frame) != NULL) {
        /* (after a stack switch another stack's entry stood on top: the
         * frame's raised, review19) */
        rec = pep669_thread.record_top;
        goto again;
    }
    else {
        /* (no frame of ours runs clones without its record or block) */
        rec = b = NULL;
        pep669_clone_retire(cl);
    }
    PyObject *out = make_probed_call(ts, cd, covered, frame, cl, site, top);
    if ((rec != NULL || b != NULL) &&
        (version != pep669_registry.version ||
         !pep669_backend_thread_plain(ts))) {
        /* (the block's record made now: its first need) */
        rec = pep669_hooked_record(frame);
        if (rec != NULL) {
            call_probe_follow(ts, rec, frame, cl, site->loc, covered);
        }
    }
    if (out != NULL && site->after > 0) {
        out = pep669_backend_call_site_after(frame, site, top, out);
    }
    return out;
}

static PyObject *
make_probed_call(PyThreadState *ts, Pep669CodeData *cd, int covered,
                 Pep669Frame *frame, Pep669Clone *cl, Pep669Site *site,
                 PyObject **top)
{
    PyCodeObject *co = cl->orig;
    uint64_t version = pep669_registry.version;
    int loc = site->loc, inlined = 0, events_on;
    PyObject *callable, *arg0, *res;
    /* The frame is at the call: for the callbacks, the callee (f_lineno,
     * tracebacks) and an exception raised here (nothing changes it until
     * the stub goes on). */
    pep669_frame_set_lasti(frame, loc);
    events_on = cd != NULL && covered &&
                (pep669_code_data_events(cd) & PEP669_BIT(CALL));
    if (events_on && !pep669_backend_thread_plain(ts)) {
        /* A legacy tracer or profiler arrived: it sees the frame's calls
         * only without probes, from the next one on. */
        pep669_clone_retire(cl);
    }
    uint8_t tools = events_on ? pep669_fire_tools(cd, PEP669_EV_CALL, loc)
                              : 0;
    /* A profiler on the thread already arrived outside any call of the
     * frame (a property, a finalizer, an operator's method): it sees this
     * call as the interpreter would show it, its 'c_call' first and its
     * end first (3.12's tool 6), the CALL tools' or not. */
    int profiled = pep669_backend_thread_profiled(ts);
    int seen = events_on && profiled;
    if (tools == 0 && !seen) {
        /* Every tool with CALL DISABLEd it: the call, for good. */
        if (events_on) {
            pep669_clone_narrow(cl, cd);
            pep669_clone_unpatch_site(cl, site);
        }
        res = pep669_backend_call_site_run(site, top);
        return pep669_backend_call_site_finish(site, top, res);
    }
    int found = pep669_backend_call_site_read(site, top, &callable, &arg0,
                                              &inlined);
    if (found <= 0) {
        /* Arguments the call cannot unpack (0): no event, the call raises
         * its own error; or unpacking them failed (-1). */
        res = found == 0 ? pep669_backend_call_site_run(site, top) : NULL;
        return pep669_backend_call_site_finish(site, top, res);
    }
    if (arg0 == NULL) {
        arg0 = pep669_registry.missing;
    }
    /* (the stack holds them; the callbacks may not keep it so) */
    Py_INCREF(callable);
    Py_INCREF(arg0);
    if (seen && !inlined &&
        pep669_backend_legacy_c_after(
            ts, callable, arg0 == pep669_registry.missing ? NULL : arg0,
            -1) < 0) {
        /* (its exception ends the call's events: no call) */
        res = NULL;
    }
    else if (tools != 0 &&
             probe_call_tools(ts, frame, tools, PEP669_EV_CALL, co, loc,
                              callable, arg0) < 0) {
        /* The call does not happen. */
        res = NULL;
    }
    else {
        if (events_on && pep669_fire_tools(cd, PEP669_EV_CALL, loc) == 0) {
            pep669_clone_narrow(cl, cd);
            pep669_clone_unpatch_site(cl, site);
        }
        if (inlined && site->inloop > 0 &&
            version == pep669_registry.version &&
            pep669_backend_thread_plain(ts)) {
            /* (3.11, session 18) A Python function's call is the
             * evaluator's, at the CALL in place: no C_RETURN; what the
             * callee changes, its end shows the frame
             * (pep669_backend_call_site_inloop, backend/py311_calls.h) */
            Py_DECREF(callable);
            Py_DECREF(arg0);
            cl->calls_in_place++;
            return pep669_backend_call_site_inloop(site, top);
        }
        res = pep669_backend_call_site_run(site, top);
        pep669_enter(ts);  /* (the callee may have run a sub-interpreter) */
        /* A profiler the callbacks or the callee set gets the call's end
         * first, as 3.12's tool 6 (the call runs outside the
         * interpreter's C tracing; no 'c_call': its tool came after the
         * event began); so does one there before. */
        profiled = (seen || !profiled) && pep669_backend_thread_profiled(ts);
        if (!inlined && profiled &&
            pep669_backend_legacy_c_after(
                ts, callable,
                arg0 == pep669_registry.missing ? NULL : arg0,
                res == NULL) < 0) {
            /* (its exception ends the event's callbacks) */
            Py_CLEAR(res);
        }
        else if (tools != 0 && !inlined &&
                 probe_call_ended(ts, frame, cd, co, loc, callable, arg0,
                                  res == NULL, tools) < 0) {
            Py_CLEAR(res);
        }
    }
    PyObject *out = pep669_backend_call_site_finish(site, top, res);
    Py_DECREF(callable);
    Py_DECREF(arg0);
    return out;
}

/* Called by a stub's CALL_FUNCTION 0, which passes the frame's value
 * stack itself: args[-1] is the probe's own slot, and below it the items
 * of a call site's call. */
static PyObject *
probe_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                 PyObject *kwnames)
{
    Pep669Probe *probe = (Pep669Probe *)self;
    Pep669Clone *cl = probe->clone;
    PyThreadState *ts = PyThreadState_GET();
    pep669_enter(ts);
    Pep669Frame *frame = pep669_current_frame(ts);
    Pep669Site *site = NULL;
    if (probe->site >= 0 && cl != NULL && frame != NULL) {
        if (PyVectorcall_NARGS(nargsf) != 0 || kwnames != NULL ||
            !(nargsf & PY_VECTORCALL_ARGUMENTS_OFFSET) ||
            args[-1] != self) {
            PyErr_SetString(PyExc_SystemError,
                            "pep669: call probe called out of its stub");
            return NULL;
        }
        return fire_call_probe(ts, frame, cl,
                               &cl->sites[probe->site],
                               (PyObject **)args - 1);
    }
    if (cl != NULL && frame != NULL) {
        site = pep669_clone_stub_site(cl,
                                      pep669_backend_frame_lasti(frame));
    }
    if (site == NULL || site->call) {
        /* Called from elsewhere than its stubs: nothing to do. */
        Py_RETURN_FALSE;
    }
    PyObject **top = (PyObject **)args - 1;
    if (site->far >= 2 && !site->patched) {
        /* (3.8-3.10) A far site unpatched since the frame jumped here:
         * the stub goes back to the instruction the probe would make. */
        Py_RETURN_TRUE;
    }
    /* (far 2: the instruction before the jump first; far 4: its test,
     * after the branch's own events if it is a location) */
    int r = site->far == 4 && site->src >= 0
                ? fire_far_own(ts, frame, cl, site, top)
            : site->far == 2 || site->far == 4
                ? pep669_backend_jump_site_before(frame, site, top, 1) : 1;
    if (r != 1) {
        return r < 0 ? NULL : Py_NewRef(r == 2 ? Py_True : Py_False);
    }
    r = fire_line_probe(ts, frame, cl, site, top);
    if (r < 0) {
        return NULL;
    }
    /* (the stub goes back to the location; a far one's, on True, to the
     * instruction it did not make) */
    return Py_NewRef(r > 0 ? Py_True : Py_False);
}

/* (3.11) A call probe's truth test: the call (fire_call_probe), the
 * items found below the probe in the frame's stack; the frame goes on in
 * the stub (or raises at the call).  Out of line: on the C stack under
 * the callee. */
static PEP669_NOINLINE int
call_probe_bool(Pep669Probe *probe)
{
    Pep669Clone *cl = probe->clone;
    PyThreadState *ts = PyThreadState_GET();
    pep669_enter(ts);
    Pep669Frame *frame = pep669_current_frame(ts);
    PyObject **top = NULL;
    Pep669Site *site = NULL;
    int lasti = 0;
    if (cl != NULL && frame != NULL && probe->site < cl->nsites) {
        site = &cl->sites[probe->site];
        top = pep669_backend_call_site_top(frame, site, cl->code, &lasti);
    }
    if (top == NULL) {
        /* Tested from elsewhere than its stub (a frame runs its clone
         * from the start of its run to its end): nothing to do. */
        return 0;
    }
    PyObject *out = fire_call_probe(ts, frame, cl, site, top);
    pep669_frame_set_lasti(frame, out == NULL ? site->loc : lasti);
    if (out == NULL) {
        return -1;
    }
    /* (true: the call in place, pep669_backend_call_site_inloop) */
    int inloop = out == Py_True;
    Py_DECREF(out);
    return inloop;
}

/* (3.11) A stub's truth test of its probe (LOAD_CONST probe;
 * POP_JUMP_FORWARD_IF_TRUE): the frame's f_code is the clone, and its
 * last instruction the stub's jump.  The callbacks see the frame's own
 * code, at the location; then the frame goes on in the clone, at the stub
 * (or at the location, where a callback's exception is raised). */
static PEP669_NOINLINE int probe_bool_slow(Pep669Probe *probe);

static int
probe_bool(PyObject *self)
{
    Pep669Probe *probe = (Pep669Probe *)self;
    Pep669Clone *cl = probe->clone;
    if (probe->site >= 0 && cl != NULL && cl->calls == 1) {
        /* (a call probe's, probe_bool_slow's case: here, one call less
         * on every probed call) */
        return call_probe_bool(probe);
    }
    Pep669Record *b = pep669_thread.bare_top;
    if (b != NULL && b->entry && b->clone == cl && cl != NULL &&
        probe->site < 0 &&
        pep669_backend_entry_leave(b->frame, cl->entry.test,
                                   cl->entry.resume, b->code)) {
        /* (pep669_entry_probe's first case, the common one: here, so
         * that the test costs the fewest instructions) */
        PEP669_ASSERT(b->hook_quiet == 3 && cl->entry.test > 0);
        b->entry = 0;
        cl->entry_runs++;
        return 0;
    }
    return probe_bool_slow(probe);
}

static PEP669_NOINLINE int
probe_bool_slow(Pep669Probe *probe)
{
    Pep669Clone *cl = probe->clone;
    if (cl != NULL && cl->entry.test > 0 && probe->site < 0) {
        /* (3.8-3.10: only an entry stub truth-tests a probe there) */
        return pep669_entry_probe(cl);
    }
    PyThreadState *ts = PyThreadState_GET();
    pep669_enter(ts);
    Pep669Frame *frame = pep669_current_frame(ts);
    if (probe->site >= 0) {
        return pep669_clone_handlers(cl)
                   ? pep669_handler_probe_bool(probe) : call_probe_bool(probe);
    }
    if (cl == NULL || frame == NULL ||
        pep669_backend_frame_code(frame) != cl->orig) {
        return 0;
    }
    int lasti = pep669_backend_frame_lasti(frame);
    Pep669Site *site = pep669_clone_stub_site(cl, lasti);
    if (site == NULL || site->call) {
        return 0;
    }
    if (site->after) {
        /* A wide site: its probe makes the branch's test (and, where the
         * edge is not taken, the instruction after the branch). */
        int taken = pep669_backend_branch_site_test(frame, site);
        Pep669CodeData *cd;
        if (taken == 0 && site->after >= 2 && !site->patched &&
            (cd = pep669_code_data(cl->orig)) != NULL &&
            pep669_site_wanted(cl->orig, cd, site)) {
            /* (a traced frame's: the site unpatched for its branch, its
             * events left to the trampoline; no other frame of the clone
             * may pass it unseen) */
            pep669_clone_guard_retire(cl, cd);
        }
        if (taken <= 0) {
            return taken;
        }
    }
    if (site->far >= 2 && !site->patched) {
        /* (a far site's stub goes back to the instruction on true) */
        return 1;
    }
    pep669_backend_frame_set_code(frame, cl->orig);
    /* (a far site on a jump: the instruction before it first) */
    int err = site->far != 2
                  ? 1 : pep669_backend_jump_site_before(frame, site, NULL, 1);
    if (err > 0) {
        pep669_frame_set_lasti(frame, site->loc);
        err = fire_line_probe(ts, frame, cl, site, NULL);
    }
    /* (an own site's error at its jump's LINE: raised at the jump; a far
     * site's at its instruction) */
    int cur = pep669_backend_frame_lasti(frame);
    int at = err < 0 && (((site->own || site->obranch) && cur == site->src) ||
                         (site->far && cur == site->at)) ? cur : site->loc;
    pep669_backend_frame_set_code(frame, cl->code);
    pep669_frame_set_lasti(frame, err < 0 ? at : lasti);
    /* (a wide site's stub takes its taken path on true, a far site's the
     * way back to its instruction) */
    return err < 0 ? -1 : site->after != 0 || err > 0;
}

int
pep669_probe_fire_init(void)
{
    return pep669_probe_init(probe_vectorcall, probe_bool);
}
