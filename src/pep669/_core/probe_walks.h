/* The flow walks that place a branch's fall-through edge in a clone, and
 * the order of its sites (probe_walks.c, for make_clone in probe.c). */
#ifndef PEP669_PROBE_WALKS_H
#define PEP669_PROBE_WALKS_H

#include "codedata.h"
#include "backend.h"

/* 1 when the flow arrives at `dest` only by the fall-through edge of the
 * branch at `b` the first time (its probe can stand there); `seen`,
 * `work`: scratch of cd->nunits + 1; `budget`: units left to walk. */
PEP669_INTERNAL int only_through(PyCodeObject *co, Pep669CodeData *cd,
                                 int b, int dest, uint8_t *seen, int *work,
                                 Py_ssize_t *budget);
/* The one jump, besides the fall-through edge of the branch at `b`, that
 * enters `dest` (no other way in, no handler there): its first byte, if
 * it can have a site on it (a branch or a jump reached in the flow), else
 * -1.  Its site marks the frame's way to `dest` for the fall-through's
 * site there (Pep669Site.fvia). */
PEP669_INTERNAL int fall_via(PyCodeObject *co, Pep669CodeData *cd, int b,
                             int dest);
/* Per instruction, the first byte of the straight run of its line that
 * leads to it (PyMem_Raw; NULL without memory or lines). */
PEP669_INTERNAL int *straight_runs(PyCodeObject *co, Pep669CodeData *cd,
                                   uint8_t *entered);
/* The sites in the order their stubs are laid out after the code, each
 * group in its own order: those on jumps (src >= 0) first, nearest the
 * code (a jump reaches its stub with its own bytes), then the location
 * sites whose jump must fit in their own unit (the unit after theirs is
 * another site's, or a jump enters it: `preds`, per unit, the ways to it,
 * 2 for more, or NULL), then the rest (a location site can take a prefix
 * in the unit after it).  A linear pass per group through a temporary
 * array; `busy`: scratch of nunits + 1.  -1 without memory (no
 * exception). */
PEP669_INTERNAL int sites_order(Pep669Site *sites, int n, uint8_t *busy,
                                const uint8_t *preds, Py_ssize_t nunits);
/* Location sites that must take a prefix in the unit after theirs, where
 * that unit is another location site's that only their instruction's
 * fall-through leads to (pep669_backend_location_far): the two made one
 * (Pep669Site.far 3), whose patch starts at the first and whose probe
 * makes its instruction between their events; (3.8-3.10) where the first
 * is a one-unit conditional branch whose fall-through alone leads to
 * the second (far 4 with src), the probe makes the branch's test between
 * them, the second's events on the fall-through only.  The number of
 * sites left (without memory: n, none merged). */
PEP669_INTERNAL int sites_merge_next(PyCodeObject *co, Pep669Site *sites,
                                     int n, Py_ssize_t nunits);
/* Whether the site on an unconditional jump (src) can fire the events of
 * a branch edge arriving at that jump before its own (obranch): its own
 * LINE location's site, or one carrying its destination's LINE (with the
 * same handler there). */
PEP669_INTERNAL int site_takes_arrival(PyCodeObject *co,
                                       const Pep669Site *site);

#endif
