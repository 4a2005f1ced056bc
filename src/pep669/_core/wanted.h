/* What is still wanted of the line-level events in one code object, given
 * the DISABLEs so far: the done cache and the jump regions (wanted.c).
 * Above the flow analysis (lineflow.h) and the code data. */
#ifndef PEP669_WANTED_H
#define PEP669_WANTED_H

#include "lineflow.h"

/* Whether the frame, about to run the instruction at `offset` (or having
 * run it: its successors count), can reach a jump or branch location
 * where some tool still wants one of the jump events of `events` (JUMP,
 * BRANCH, BRANCH_LEFT/RIGHT; the code's, less those done) before legacy
 * tracing reports the next line.  If not, the frame needs no opcode
 * events until that line event.  1 when unsure (no memory). */
int pep669_code_region_slow(PyCodeObject *co, Pep669CodeData *cd,
                            uint32_t events, int offset);

static inline int
pep669_code_region(PyCodeObject *co, Pep669CodeData *cd, uint32_t events,
                   int offset)
{
    if (offset < 0) {
        offset = 0;
    }
    const Pep669Region *r = cd->region;
    if (r != NULL && (offset >> 1) < cd->nunits &&
        r->entry[offset >> 1] != 0 &&
        r->version == pep669_registry.version &&
        r->disables == cd->jump_disables &&
        r->events == (events & PEP669_JUMP_EVENTS)) {
        return r->entry[offset >> 1] >= 2;
    }
    return pep669_code_region_slow(co, cd, events, offset);
}

/* The line-level events of the code's that are wanted but need no
 * tracing, every location being DISABLEd (Pep669CodeData.done). */
uint32_t pep669_code_done_slow(PyCodeObject *co, Pep669CodeData *cd);
/* The end of a traced run of co: when its line-level events are all done
 * and it wants only frame events besides, its DISABLE maps become bits and
 * the interpreter's tracing cache goes (frames.c). */
void pep669_code_untraced(PyCodeObject *co, Pep669CodeData *cd);

#ifdef PEP669_DEBUG
/* The done cache a DISABLE kept (cd->done_kept) is what a computation
 * from scratch gives: its result and its cursors (wanted.c). */
void pep669_code_done_check(PyCodeObject *co, Pep669CodeData *cd);
#endif

static inline uint32_t
pep669_code_done(PyCodeObject *co, Pep669CodeData *cd)
{
#ifdef PEP669_DEBUG
    if (cd->version == pep669_registry.version && cd->done_known &&
        cd->done_kept) {
        pep669_code_done_check(co, cd);
    }
#endif
    if (cd->version == pep669_registry.version && cd->done_known) {
        return cd->done;
    }
    return pep669_code_done_slow(co, cd);
}

#endif
