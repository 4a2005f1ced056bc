/* Refusals of 3.11's copies (backend/py311_clone.h's, which includes this
 * file): the sites a refusal depends on (p11_refused, session 18, moved
 * here in session 19), why it was refused (pep669_clone_why, backend.h),
 * and where a location site's probe finds room on a full stack.
 *
 * (session 19) Room on the value stack for a location site's probe:
 * a location where the code's stack is full (an argument's line in a
 * call spread over lines, whose items are all pushed; an f-string's
 * parts) gets a copy whose stack is one slot larger, as a call site's
 * (py311_calls.h): the code's own co_stacksize grows with it, so that its
 * new frames can run the copy; a frame made before runs without it
 * (pep669_backend_frame_fits).  Not for generators' code, whose frames
 * are in the generators, made as large as the code's stack was then; not
 * under a debug build of 3.11, which checks each frame's size at its end.
 * Before, such a clone was refused, and the code's frames ran traced for
 * good while the location was wanted. */
#ifndef PEP669_PY311_REFUSE_H
#define PEP669_PY311_REFUSE_H

/* The copy is refused at sites[failed] (stubs placed up to unit `at`):
 * that site marked 1, and 2 the sites before it whose patch may have
 * taken a unit its forms need (within a few units of its own), or all of
 * them where its stub's place may decide (a unit a one-unit jump to the
 * stubs may reach; a stub beyond a prefixed jump's reach). */
static void
p11_refused(Pep669Site *sites, int failed, int units, int at)
{
    Pep669Site *site = &sites[failed];
    int lo = site->loc / P11_UNIT, hi = lo;
    if (site->src >= 0) {
        lo = Py_MIN(lo, site->src / P11_UNIT);
        hi = Py_MAX(hi, site->src / P11_UNIT);
    }
    int placed = units - lo <= 256 + 4 || at - lo >= 65536 - 512;
    site->refused = 1;
    for (int i = 0; i < failed; i++) {
        int a = sites[i].at / P11_UNIT, b = a + sites[i].width / P11_UNIT;
        if (placed || (sites[i].patched && b > lo - 8 && a <= hi + 2)) {
            sites[i].refused = 2;
        }
    }
}

/* 0 if the probe of `site`, on a stack `d` deep, has room (*stacksize
 * grown to make it where need be), -1 if not. */
static int
p11_location_room(PyCodeObject *co, const Pep669Site *site, int d,
                  int *stacksize)
{
    if (d + 1 <= co->co_stacksize) {
        return 0;
    }
#ifdef Py_DEBUG
    (void)site;
    (void)stacksize;
    return -1;
#else
    if (site->src >= 0 || site->far || (co->co_flags & GENERATOR_FLAGS)) {
        return -1;
    }
    if (d + 1 > *stacksize) {
        *stacksize = d + 1;
    }
    return 0;
#endif
}

/* Why the site at unit `u` of `units` was refused before its stub was
 * placed (pep669_clone_why, backend.h). */
static const char *
p11_site_why(PyCodeObject *co, const Pep669Site *site, const int *depth,
             int units)
{
    int u = site->loc / P11_UNIT;
    return u < 0 || u >= units ? "site"
           : depth[u] < 0      ? "depth unknown"
           : site->src < 0 && u <= co->_co_firsttraceable ? "first"
                                                          : "depth";
}

#endif
