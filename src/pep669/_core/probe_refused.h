/* Why a code's clone was refused (probe_refused.c, for probe.c): the
 * sites its layout could not have, kept so that the clone is not built
 * again, only to be refused again, after each DISABLE. */
#ifndef PEP669_PROBE_REFUSED_H
#define PEP669_PROBE_REFUSED_H

#include "codedata.h"
#include "backend.h"

/* The reasons gathered while clones are attempted (one or two layouts):
 * a block (PyMem_Raw) that becomes the code data's probe_refusal when
 * they are all refused. */
typedef struct Pep669Refusal Pep669Refusal;

/* A site a layout's refusal depends on, with what is wanted of it now
 * (`roles`: probe.c, site_roles): the clone is refused again while
 * every such site stays as wanted.  `*why` grows (NULL: made now).  A
 * layout refused with no site noted and not unknown (below) is refused
 * for the whole version (a fact of the bytecode).  (Without memory, notes
 * are lost: a refusal with no block kept holds for the version; the
 * frames run traced.) */
PEP669_INTERNAL void refusal_note(Pep669Refusal **why, const Pep669Site *site,
                                  uint8_t roles);
/* A layout refused for a reason no site stands for: after any later
 * DISABLE of the code, the clone is attempted again (as every refused
 * clone was before session 18). */
PEP669_INTERNAL void refusal_unknown(Pep669Refusal **why);
/* The code's attempts refused in this version (`why` taken over, NULL
 * if nothing was noted), at `disables` (the code's DISABLEs of LINE and
 * the jump events then).  A call clone's refusal (NULL) replaces a line
 * clone's block, which would then hold for the version: harmless, as a
 * code's frames ask for one kind in a version (CALL, whose tools only a
 * new version changes, blocks line clones; LINE-level events, call
 * clones): tests/test_refused_clone.py, VersionTest (session 18,
 * refu18).  Should both kinds ever meet in a version, keep them apart. */
PEP669_INTERNAL void refusal_keep(Pep669CodeData *cd, Pep669Refusal *why,
                                  uint64_t disables);
/* A clone was made: the reasons go (and those gathered, `why`). */
PEP669_INTERNAL void refusal_drop(Pep669CodeData *cd, Pep669Refusal *why);
/* The code's last refusal (made in this version), as it stands: 0, it
 * holds (no DISABLE since it was checked last, or no block kept); 1, it
 * is void (some layout was refused for an unknown reason, and the code
 * DISABLEd something since); 2, it holds if each of its `*n` sites
 * (refusal_site: its roles then in `*roles`) stays as wanted, then to be
 * stamped (refusal_stamp) so that the next check looks only after a new
 * DISABLE. */
PEP669_INTERNAL int refusal_state(const Pep669CodeData *cd, int *n);
PEP669_INTERNAL const Pep669Site *refusal_site(const Pep669CodeData *cd,
                                               int i, uint8_t *roles);
PEP669_INTERNAL void refusal_stamp(Pep669CodeData *cd);
/* Why the code's last layout was refused ("" if not known; backend.h,
 * pep669_clone_why): `_probe_state`'s 'refusal'. */
PEP669_INTERNAL const char *refusal_reason(const Pep669CodeData *cd);
/* (and the offset it names, -1 if none) */
PEP669_INTERNAL int refusal_reason_at(const Pep669CodeData *cd);

#endif
