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
/* Per instruction, the first byte of the straight run of its line that
 * leads to it (PyMem_Raw; NULL without memory or lines). */
PEP669_INTERNAL int *straight_runs(PyCodeObject *co, Pep669CodeData *cd,
                                   uint8_t *entered);
/* Sites on jumps (src >= 0) moved first, the others after them, each in
 * their order: their stubs come first, nearest the code (a jump reaches
 * its stub with its own bytes; a location site can take a prefix). */
PEP669_INTERNAL void sites_jumps_first(Pep669Site *sites, int n);

#endif
