/* A generator, coroutine or async generator whose PY_YIELD callbacks run
 * reads as suspended, as natively (3.12/3.13 fire PY_YIELD after the
 * frame suspended), while the backend keeps it executing so that nothing
 * re-enters it from a callback (natively that crashes). */
#ifndef PEP669_SUSPENDED_H
#define PEP669_SUSPENDED_H

#include "backend.h"

typedef struct Pep669Suspended {
    PyObject *gen;        /* borrowed */
    PyObject *delegate;   /* borrowed, NULL: the backend did not hide it */
    struct Pep669Suspended *next;
} Pep669Suspended;

/* Once, at module import: gi_running, cr_running (3.11: gi_suspended,
 * cr_suspended, ag_suspended), gi_yieldfrom, cr_await, ag_await and
 * frame.clear() consult the list of generators at PY_YIELD. */
int pep669_suspended_init(void);

/* Around the PY_YIELD callbacks of the frame that `link` linked in. */
void pep669_suspended_push(Pep669Suspended *s, const Pep669Link *link);
void pep669_suspended_pop(Pep669Suspended *s);

#endif
