/* The engine's per-thread state, in one struct (pep669_thread): the
 * records of the frame runs under way, the unhooked slot, the event whose
 * callbacks run, the record cache, the C-stack guard's bounds and the
 * backend trampoline's own words.  One initial-exec thread-local: every
 * field is read without a __tls_get_addr call (the hot paths read
 * record_top, the trampoline's words and the stack limit on every event
 * or frame).  Version-independent. */
#ifndef PEP669_THREAD_STATE_H
#define PEP669_THREAD_STATE_H

#include "record.h"
#include <stdint.h>

/* Where the line-level event whose callbacks run came from, for
 * f_lineno's setter (line_origin): a legacy trace call of the frame (the
 * interpreter's setter can move it), a line probe, the eval-frame hook,
 * or none of them (the C API, frame events). */
#define PEP669_ORIGIN_NONE 0
#define PEP669_ORIGIN_PROBE 1
#define PEP669_ORIGIN_HOOK 2
#define PEP669_ORIGIN_TRACE 3

typedef struct Pep669ThreadState {
    /* The innermost record of a frame run through the hook (linked by
     * prev), or NULL. */
    Pep669Record *record_top;
    /* The innermost bare run (a run on a line clone's entry stub with no
     * record yet: trampoline.h, pep669_trace_push_bare; or the frames
     * path's, frames.c), linked by prev, or NULL. */
    Pep669Record *bare_top;
    /* The event whose callbacks run on the thread, or -1 (what f_lineno's
     * setter asks, as 3.12's asks the thread state's what_event). */
    int what_event;
    /* PEP669_ORIGIN_*: see above. */
    int line_origin;
    /* The frame that runs traced without a record of the hook's (see
     * pep669_trace_refresh), and the last exception seen in it (owned). */
    Pep669Record unhooked;
    PyObject *unhooked_exc;
    /* The registry's version when a scan of the frames above the
     * unhooked one found none that wants the trampoline (0: none made;
     * trampoline.c, outer_frame_wants). */
    uint64_t outer_clean_version;
    /* Events set inside a legacy tracer's own call (trampoline.c,
     * pep669_trace_adopt_later): the frame it was called for is adopted
     * at its next 'line' (legacy_events.c), the first trace event of a
     * frame not the engine's after the tracer's call.  Cleared by that
     * event whatever it is, by a refresh, when the trampoline stops and
     * when no events are left (review19: before, only by a 'line', which
     * could come much later, in an unrelated frame or another
     * greenlet's). */
    int adopt_pending;
    /* frames.c: freed records kept for the next runs (linked by prev),
     * their count, and whether the thread frees them at its exit (0: not
     * asked yet, 1: yes, -1: no). */
    Pep669Record *record_cache;
    int record_cached;
    int record_keyed;
    /* stack.c: above `limit` the stack has more than PEP669_STACK_MARGIN
     * left (UINTPTR_MAX: not known yet; 0: no guard); the thread's stack
     * is [low, high) (0, 0: unknown). */
    struct {
        uintptr_t limit, low, high;
    } stack;
    /* The backend's trampoline (backend_trampoline.h): the thread's own
     * trace function while the trampoline stands in for it, the count of
     * our own installs and removals of the trampoline, and LIGHT mode. */
    struct {
        Py_tracefunc legacy_func;
        unsigned int moves;
        int light_mode;
        /* An event the interpreter is about to report to the legacy
         * tracer or profiler that pep669 has reported to them already
         * (3.12's order, trampoline.c.h's pep669_backend_legacy_drop):
         * `what` in `frame`, and the functions stood in for (`trace`,
         * `profile`), or the trampoline's forward to drop (`tramp`); a
         * 'c_call' only for the function pep669 reported (`c_def`, the
         * method table entry, and `c_self`; NULL: any).  After a
         * 'c_call' dropped, the profiler stays stood in for until the
         * frame's next event (`watch`), to learn whether its 'c_return'
         * raised (`failed`: the frame).  A drop armed while a frame's
         * watch is under way (its C function ran Python code that made
         * call events under the profiler) keeps that frame in `outer`,
         * innermost last, whose watch comes back once no drop waits. */
        struct {
            Py_tracefunc trace, profile;
            void *frame, *tramp, *failed;
            const void *c_def, *c_self;
            int what, watch, nouter;
            void *outer[8];
        } drop;
    } trampoline;
    /* (tests) frame objects' filters written
     * (pep669_backend_pyframe_put_flags; counted on 3.11 only, where
     * handler clones are: PEP669_HANDLER_CLONES); exc_flags_eager: 3.11 handler
     * clones' frames take pep669's filters at each exception, as before
     * exc14 (trampoline.h, handler_clone_lazy). */
    unsigned long flags_puts;
    /* (tests) handlers' entries given from the exception's trace call
     * (3.8-3.10: legacy_exceptions.c, handled_now) */
    unsigned long handled_now;
    int exc_flags_eager;
    /* (3.9/3.10) The handled exceptions hidden from the LINE callbacks
     * of `with` exits under way (trampoline.h, the callbacks' begin and
     * end hooks), innermost last: pep669_backend_with_exit_hide. */
    int exit_hidden_depth;
    PyObject *exit_hidden[4][3];
#ifdef PEP669_DEBUG
    /* (checks) pep669_trace_callbacks_begin/end brackets under way, the
     * innermost record at the start of each of the first few. */
    int shown_depth;
    Pep669Record *shown_top[8];
#endif
} Pep669ThreadState;

extern PEP669_THREAD_LOCAL_FAST Pep669ThreadState pep669_thread;

/* The thread state served changes on this OS thread (registered with
 * pep669_registry_on_switch): park the state of `from`, put back that of
 * `to` (or a fresh one). */
void pep669_thread_switch(PyThreadState *from, PyThreadState *to);

/* `interp` is being torn down: the current per-thread state made fresh
 * (it is the interpreter's), and the parked ones of its thread states
 * dropped. */
void pep669_thread_forget(PyInterpreterState *interp);

/* ---- the runs' lists (record_top, bare_top) ----
 * On one C stack the runs pair: the entry that ends is the innermost of
 * its list.  Stack switching (greenlet, gevent, eventlet) runs several C
 * stacks on one thread in turn, each with its own frames and hook runs,
 * whose entries interleave in the thread's lists: one may end while
 * another stack's entries stand above it (and a bare run's `below` may be
 * a record that ended).  An entry is unlinked where it stands: the top,
 * one compare; else found and unlinked (out of line), the bare runs whose
 * `below` a record so unlinked was given the record under it.  Debug
 * builds check that the entries stepped over are another stack's: their
 * frames off the thread's current chain of frames. */
PEP669_INTERNAL void pep669_record_unlink_deep(Pep669Record *rec);
PEP669_INTERNAL void pep669_bare_unlink_deep(Pep669Record *rec);
/* A stack switch brought back `frame`, the thread's current frame, whose
 * run's entry stands deeper in its list (the entries above it are another
 * stack's: the frame's own callees have ended): the entry made the top of
 * its list again (a bare run's `below` the top record) and returned.
 * NULL: `frame` is not the current frame, or has no entry. */
PEP669_INTERNAL Pep669Record *pep669_runs_raise(Pep669Frame *frame);
#ifdef PEP669_DEBUG
/* (checks) The bare run `rec`, about to end or to become a record: the
 * innermost of its stack (the bare runs above it and, where its `below`
 * is not the top record, the top record are another stack's). */
PEP669_INTERNAL int pep669_bare_innermost(Pep669Record *rec);
#endif

static inline void
pep669_record_unlink(Pep669Record *rec)
{
    /* (a bare run pushed after `rec` and alive still, another stack's:
     * then the top bare run is one, whose `below` is `rec`) */
    Pep669Record *b = pep669_thread.bare_top;
    if (PEP669_LIKELY(pep669_thread.record_top == rec &&
                      (b == NULL || b->below != rec))) {
        pep669_thread.record_top = rec->prev;
    }
    else {
        pep669_record_unlink_deep(rec);
    }
}

static inline void
pep669_bare_unlink(Pep669Record *rec)
{
    if (PEP669_LIKELY(pep669_thread.bare_top == rec)) {
        pep669_thread.bare_top = rec->prev;
    }
    else {
        pep669_bare_unlink_deep(rec);
    }
}

/* ---- the record cache ----
 * The records of the frame runs under way (see Pep669Record) live in heap
 * blocks, a few of them cached per thread, not in the hook's C frame:
 * the hook stays on the C stack for as long as the frame runs, under
 * every frame it calls, and what it keeps there is what monitoring costs
 * in reach (see "Depth" in docs/differences.md).  (frames.c takes and
 * gives them back around each run.) */
#define PEP669_RECORD_CACHE 32
#if defined(__unix__) || defined(__APPLE__)
#  define PEP669_HAVE_PTHREAD_KEY 1
#endif

/* A new block (the cache is empty), or NULL with an exception set. */
Pep669Record *pep669_record_alloc(void);

static inline Pep669Record *
pep669_record_get(void)
{
    Pep669Record *rec = pep669_thread.record_cache;
    if (PEP669_LIKELY(rec != NULL)) {
        pep669_thread.record_cache = rec->prev;
        pep669_thread.record_cached--;
        return rec;
    }
    return pep669_record_alloc();
}

static inline void
pep669_record_put(Pep669Record *rec)
{
#if defined(PEP669_HAVE_PTHREAD_KEY)
    if (pep669_thread.record_cached < PEP669_RECORD_CACHE) {
        rec->prev = pep669_thread.record_cache;
        pep669_thread.record_cache = rec;
        pep669_thread.record_cached++;
        return;
    }
#endif
    PyMem_RawFree(rec);
}

#endif
