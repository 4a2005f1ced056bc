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

/* (the cache keeps a block for every run of the array) */
typedef char pep669_resumed_fits[
    PEP669_RESUMED_MAX < PEP669_RECORD_CACHE ? 1 : -1];

/* The block of `run` (its frame's code `co`), pushed as at its start. */
static Pep669Record *
resumed_block(const Pep669Resumed *run, PyCodeObject *co)
{
    /* (from the cache, which holds a block for every such run:
     * pep669_frames_resumed_reserve; no caller here could report a
     * failure) */
    PEP669_ASSERT(pep669_thread.record_cache != NULL);
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        Py_FatalError("pep669: no block for a generator's run");
    }
    pep669_frames_push_bare(rec, run->frame, co, run->cd,
                            (uint32_t)run->events, 1);
    /* (as at the start: a change of the events since is the run's end's
     * to see) */
    rec->quiet_entry = run->version;
    rec->events_version = run->version;
    pep669_thread.resumed_blocks++;
    return rec;
}

void
pep669_frames_resumed_blocks(void)
{
    int depth = pep669_thread.resumed_depth;
    pep669_thread.resumed_depth = 0;
    for (int i = 0; i < depth; i++) {
        const Pep669Resumed *run = &pep669_thread.resumed[i];
        (void)resumed_block(run, pep669_backend_frame_code(run->frame));
    }
}

Pep669Record *
pep669_frames_resumed_block(PyThreadState *ts, Pep669Frame *frame,
                            PyCodeObject *co, int index)
{
    pep669_enter(ts);
    if (pep669_thread.resumed_depth > index &&
        pep669_thread.resumed[index].frame == frame) {
        /* (runs pair: the runs inside this one are over; entries of
         * theirs left by a library that switched C stacks are dropped) */
        pep669_thread.resumed_depth = index;
        /* the runs outside it first (oldest first), then its own */
        pep669_frames_resumed_sync();
        return resumed_block(&pep669_thread.resumed[index], co);
    }
    /* Its block, made earlier, is the innermost (or the record made of
     * it, in place: pep669_trace_frames_record). */
    Pep669Record *b = pep669_thread.bare_top;
    if (b != NULL && b->frame == frame && b->hook_quiet == 4) {
        return b;
    }
    b = pep669_thread.record_top;
    return b != NULL && b->frame == frame ? b : NULL;
}

int
pep669_frames_resumed_reserve(int n)
{
#if defined(PEP669_HAVE_PTHREAD_KEY)
    /* (n <= PEP669_RESUMED_MAX, under what the cache keeps) */
    while (pep669_thread.record_cached < n) {
        Pep669Record *rec = pep669_record_alloc();
        if (rec == NULL) {
            return -1;
        }
        pep669_record_put(rec);
    }
    return 0;
#else
    (void)n;
    return 1;
#endif
}
