/* Why a code's clone was refused (probe_refused.c, for probe.c): the
 * sites its layout could not have, kept so that the clone is not built
 * again, only to be refused again, after each DISABLE. */
#ifndef PEP669_PROBE_REFUSED_H
#define PEP669_PROBE_REFUSED_H

#include "codedata.h"
#include "backend.h"

/* What tools still want of a site, one bit per part of what it stands
 * for (probe.c; nonzero exactly where pep669_site_wanted is). */
uint8_t pep669_site_roles(PyCodeObject *co, Pep669CodeData *cd,
                          const Pep669Site *site);

/* The reasons gathered while clones are attempted (one or two layouts):
 * a block (PyMem_Raw) that becomes the code data's probe_refusal when
 * they are all refused. */
typedef struct Pep669Refusal Pep669Refusal;

/* A site a layout's refusal depends on, with what is wanted of it now:
 * the clone is refused again while every such site stays as wanted.
 * `*why` grows (NULL: made now).  A layout refused with no site noted
 * and not unknown (below) is refused for the whole version (a fact of
 * the bytecode).  (Without memory, notes are lost: a refusal with no
 * block kept holds for the version; the frames run traced.) */
PEP669_INTERNAL void refusal_note(Pep669Refusal **why, PyCodeObject *co,
                                  Pep669CodeData *cd, const Pep669Site *site);
/* A layout refused for a reason no site stands for: after any later
 * DISABLE of the code, the clone is attempted again (as every refused
 * clone was before session 18). */
PEP669_INTERNAL void refusal_unknown(Pep669Refusal **why);
/* The code's attempts refused in this version (`why` taken over, NULL
 * if nothing was noted), at `disables` (the code's DISABLEs of LINE and
 * the jump events then). */
PEP669_INTERNAL void refusal_keep(Pep669CodeData *cd, Pep669Refusal *why,
                                  uint64_t disables);
/* A clone was made: the reasons go (and those gathered, `why`). */
PEP669_INTERNAL void refusal_drop(Pep669CodeData *cd, Pep669Refusal *why);
/* Whether the code's last refusal (made in this version) holds still:
 * no DISABLE since, or none of the sites it noted lost anything (the
 * check stamped, so that the next one looks only after a new DISABLE).
 * With no reason kept (no memory): it holds for the version. */
PEP669_INTERNAL int refusal_holds(PyCodeObject *co, Pep669CodeData *cd);

#endif
