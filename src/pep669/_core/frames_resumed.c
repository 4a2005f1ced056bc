/* The blocks of the hook's quiet resumptions, made when something needs
 * them (session 16; engine_entry.h, pep669_frames_resumed_sync).  A
 * generator's resumption that the hook runs with nothing to fire before
 * its end (backend/hook.c.h, eval_hook_resume) keeps what the frames
 * path's block would hold in its own C frame (record.h, Pep669Resumed)
 * and pushes nothing; such runs are always the thread's innermost runs
 * the engine knows (whatever pushes a record or block, or looks for one,
 * makes theirs first), so the blocks made here, oldest first, on top of
 * the thread's records and blocks, are exactly those each run would have
 * pushed at its start.  Version-independent. */
#include "engine_entry.h"

/* The block of `run`, pushed as at its start. */
static void
resumed_block(Pep669Resumed *run)
{
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        /* (no caller here can fail: every one runs between a frame's
         * instructions or in a function that returns no error) */
        Py_FatalError("pep669: out of memory for a generator's run");
    }
    pep669_frames_push_bare(rec, run->frame, run->code, run->cd,
                            run->events, 1);
    /* (as at the start: a change of the events since is the run's end's
     * to see) */
    rec->quiet_entry = run->version;
    rec->events_version = run->version;
    run->block = rec;
    pep669_thread.resumed_blocks++;
}

void
pep669_frames_resumed_blocks(void)
{
    Pep669Resumed *run = pep669_thread.resumed_top;
    pep669_thread.resumed_top = NULL;
    /* (oldest first: the list reversed, the links no longer needed) */
    Pep669Resumed *oldest = NULL;
    while (run != NULL) {
        Pep669Resumed *prev = run->prev;
        run->prev = oldest;
        oldest = run;
        run = prev;
    }
    for (run = oldest; run != NULL; run = run->prev) {
        resumed_block(run);
    }
}

Pep669Record *
pep669_frames_resumed_block(PyThreadState *ts, Pep669Resumed *run)
{
    pep669_enter(ts);
    if (run->block == NULL) {
        if (pep669_thread.resumed_top != run) {
            /* (runs pair: an inner one ended before; only a dropped
             * per-thread state loses the run) */
            return NULL;
        }
        pep669_frames_resumed_blocks();
    }
    return run->block;
}
