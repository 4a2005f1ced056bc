/* probe_far.c.h: the far sites' parts of a line probe whose patch took a
 * branch with the location (3.8-3.10 far 4 with src, 3.11's far 3 at a
 * branch's location; session 20).  Included by probe_fire.c once, after
 * fire_own_line: its statics (follow_after_probe, record_events,
 * fire_own_line) are this file's helpers too. */

/* A far site at a location whose instruction at src is a branch (3.11's
 * far 3, backend/py311_fartest.h; 3.8-3.10's far 4 with src): where the
 * branch jumps, the frame goes on at its target, the location's events
 * not due, the site unpatched once nothing it stands for is wanted. */
static int
far_target(PyCodeObject *co, const Pep669Site *site)
{
    int next, target;
    (void)pep669_backend_flow(co, site->src, &next, &target);
    return target;
}

static void
far_jumped(PyThreadState *ts, Pep669Record *rec, Pep669Frame *frame,
           Pep669Clone *cl, PyCodeObject *co, Pep669Site *site)
{
    Pep669CodeData *cd;
    (void)pep669_code_events(co, &cd);
    if (!pep669_site_wanted(co, cd, site)) {
        /* (its src's LINE DISABLEd, the location's too before: the
         * branch's own bytes from now on) */
        pep669_clone_unpatch(cl, cd, site->loc);
    }
    uint32_t events = record_events(rec, &cd);
    pep669_backend_frame_resync(frame, far_target(co, site));
    follow_after_probe(ts, rec, frame, events);
}

/* A far 4 site whose branch (src) is a LINE location (sites_merge_next):
 * what arrives at the branch (fire_own_line), then its test.  -1 with an
 * exception (raised at the branch); 0: taken (the stub goes to the
 * branch's target, no events of loc's); 1: falls through (loc's events
 * next, fire_line_probe); 2: the branch runs in place (the site
 * unpatched, or the frame moved). */
static PEP669_NOINLINE int
fire_far_own(PyThreadState *ts, Pep669Frame *frame, Pep669Clone *cl,
             Pep669Site *site, PyObject **top)
{
    Pep669Record *rec = pep669_hooked_record(frame);
    Pep669CodeData *cd;
    if (rec == NULL || rec->clone != cl) {
        pep669_clone_retire(cl);
        return 2;
    }
    PyCodeObject *co = rec->code;
    uint32_t events = record_events(rec, &cd);
    if (!pep669_site_wanted(co, cd, site)) {
        pep669_clone_unpatch(cl, cd, site->loc);
        return 2;
    }
    /* (a traced frame's LINE at the branch came from its 'line' event at
     * the patch: the test only) */
    int traced = (events & PEP669_PROBED_EVENTS) &&
                 pep669_backend_trace_mode(ts) == PEP669_TRACE_FULL;
    int r = traced ? 1 : fire_own_line(ts, rec, frame, cl, cd, co, site);
    if (r <= 0) {
        return r < 0 ? -1 : 2;
    }
    r = pep669_backend_jump_site_before(frame, site, top, 1);
    if (r != 0 || traced) {
        return r;
    }
    /* Taken: the site stays patched while loc is wanted (the events
     * fired may have changed what is). */
    far_jumped(ts, rec, frame, cl, co, site);
    return 0;
}
