/* Why a code's clone was refused (session 18): the sites its layout
 * could not have, so that the clone is attempted again only once one of
 * them lost something that was wanted of it.
 *
 * A refused clone (probe.c, make_clone; the backend's
 * pep669_backend_clone_code) leaves the code's frames traced, which gives
 * every event: remembering a refusal too long costs time, never an
 * event.  Before, the clone was built again after every DISABLE of the
 * code, to be refused again (about 150,000 instructions a time on 3.11
 * for a 40-line function) while the site it could not have stayed
 * wanted.  Now the refusal keeps the sites it depends on (the one the
 * backend could not patch, and those before it whose patches or stubs
 * it may depend on: Pep669Site.refused; or a location no probe can stand
 * in for), each with what tools wanted of it (probe.c's
 * site_roles, which compares them: refusal_holds), and a new
 * attempt is made after a DISABLE only where one of them changed.
 * A new version (events, tools, restart_events(), DISABLEs forgotten)
 * voids it. */
#include "probe_refused.h"

#include <string.h>

/* How many times a call clone could not be made (a call the probes
 * cannot take, no room for a probe in a generator's stack, a jump too
 * far): the code ran traced instead (for tests and benchmarks; moved out
 * of probe.c in session 19). */
Py_ssize_t pep669_call_refusals = 0;
/* How many times a line clone was attempted and refused (for tests and
 * benchmarks: this file keeps it from being attempted again while
 * nothing changed that could let it be made). */
Py_ssize_t pep669_line_refusals = 0;

typedef struct {
    Pep669Site site;
    uint8_t roles;
} Pep669Reason;

struct Pep669Refusal {
    /* the code's DISABLEs of LINE and the jump events at the last check */
    uint64_t disables;
    /* some layout was refused for a reason no site stands for */
    int unknown;
    int n, cap;
    /* why the last layout was refused (backend.h, pep669_clone_why) */
    const char *reason;
    int reason_at;
    Pep669Reason reasons[];
};

/* `*why`, made if need be with room for one more reason; NULL without
 * memory. */
static Pep669Refusal *
refusal_room(Pep669Refusal **why)
{
    Pep669Refusal *r = *why;
    if (r != NULL && r->n < r->cap) {
        return r;
    }
    int cap = r == NULL ? 4 : 2 * r->cap;
    Pep669Refusal *grown = PyMem_RawRealloc(
        r, sizeof(Pep669Refusal) + sizeof(Pep669Reason) * (size_t)cap);
    if (grown == NULL) {
        return NULL;
    }
    if (r == NULL) {
        grown->disables = 0;
        grown->unknown = 0;
        grown->n = 0;
        grown->reason = NULL;
    }
    grown->cap = cap;
    *why = grown;
    return grown;
}

PEP669_INTERNAL void
refusal_note(Pep669Refusal **why, const Pep669Site *site, uint8_t roles)
{
    Pep669Refusal *r = refusal_room(why);
    if (r == NULL) {
        if (*why != NULL) {
            (*why)->unknown = 1;
        }
        return;
    }
    Pep669Reason *reason = &r->reasons[r->n++];
    reason->site = *site;
    reason->roles = roles;
}

PEP669_INTERNAL void
refusal_unknown(Pep669Refusal **why)
{
    if (*why == NULL && refusal_room(why) == NULL) {
        return;
    }
    (*why)->unknown = 1;
}

PEP669_INTERNAL void
refusal_keep(Pep669CodeData *cd, Pep669Refusal *why, uint64_t disables)
{
    if (cd->probe_refusal != why) {
        PyMem_RawFree(cd->probe_refusal);
    }
    if (why == NULL) {
        /* (no reason noted: a block with none, which holds as NULL does,
         * to keep why) */
        (void)refusal_room(&why);
    }
    cd->probe_refusal = why;
    cd->probe_refused_version = pep669_registry.version;
    if (why != NULL) {
        why->disables = disables;
        why->reason = pep669_clone_why;
        why->reason_at = pep669_clone_why_at;
    }
}

PEP669_INTERNAL void
refusal_drop(Pep669CodeData *cd, Pep669Refusal *why)
{
    if (why != cd->probe_refusal) {
        PyMem_RawFree(why);
    }
    PyMem_RawFree(cd->probe_refusal);
    cd->probe_refusal = NULL;
    cd->probe_refused_version = 0;
}

PEP669_INTERNAL int
refusal_state(const Pep669CodeData *cd, int *n)
{
    const Pep669Refusal *r = cd->probe_refusal;
    *n = 0;
    if (r == NULL || r->disables == cd->line_disables + cd->jump_disables) {
        return 0;
    }
    if (r->unknown) {
        return 1;
    }
    *n = r->n;
    return 2;
}

PEP669_INTERNAL const Pep669Site *
refusal_site(const Pep669CodeData *cd, int i, uint8_t *roles)
{
    *roles = cd->probe_refusal->reasons[i].roles;
    return &cd->probe_refusal->reasons[i].site;
}

PEP669_INTERNAL void
refusal_stamp(Pep669CodeData *cd)
{
    if (cd->probe_refusal != NULL) {
        cd->probe_refusal->disables = cd->line_disables + cd->jump_disables;
    }
}

PEP669_INTERNAL const char *
refusal_reason(const Pep669CodeData *cd)
{
    const Pep669Refusal *r = cd->probe_refusal;
    return r != NULL && r->reason != NULL ? r->reason : "";
}

PEP669_INTERNAL int
refusal_reason_at(const Pep669CodeData *cd)
{
    const Pep669Refusal *r = cd->probe_refusal;
    return r != NULL ? r->reason_at : -1;
}
