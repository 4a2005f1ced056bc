/* The engine's per-thread state (see thread_state.h). */
#include "thread_state.h"

PEP669_THREAD_LOCAL_FAST Pep669ThreadState pep669_thread = {
    .what_event = -1,
    .line_origin = PEP669_ORIGIN_NONE,
    .unhooked = {.last_line = -1, .prev_offset = -1, .call_offset = -1,
                 .call_end = -1, .stop_offset = -1, .legacy_lines = 1},
    .stack = {.limit = UINTPTR_MAX},
};

/* ---- one OS thread, several thread states ----
 *
 * pep669_thread is per OS thread, but the state it keeps (the records'
 * top, the unhooked slot, the trampoline's words, the event whose
 * callbacks run) belongs to one Python thread state.  Before 3.12 a
 * sub-interpreter can run on the OS thread of the thread state that made
 * it (_testcapi.run_in_subinterp, _xxsubinterpreters.run_string) with a
 * thread state of its own.  The registry tells (pep669_registry_switch,
 * at the next entry into the engine) when the thread state changes: the
 * state of the one that leaves is parked here (if it holds anything) and
 * the parked state of the one that comes is put back (else a fresh one).
 * The record cache and the C stack's bounds stay: they are the OS
 * thread's.  Under the GIL, which all interpreters share before 3.12. */

typedef struct Parked {
    struct Parked *next;
    PyThreadState *ts;
    PyInterpreterState *interp;
    Pep669ThreadState state;
} Parked;

static Parked *parked = NULL;

static const Pep669ThreadState fresh = {
    .what_event = -1,
    .line_origin = PEP669_ORIGIN_NONE,
    .unhooked = {.last_line = -1, .prev_offset = -1, .call_offset = -1,
                 .call_end = -1, .stop_offset = -1, .legacy_lines = 1},
    .stack = {.limit = UINTPTR_MAX},
};

/* The thread state's part of pep669_thread holds nothing. */
static int
is_fresh(const Pep669ThreadState *st)
{
    return st->record_top == NULL && st->bare_top == NULL &&
           st->unhooked.frame == NULL &&
           st->unhooked_exc == NULL && st->what_event == -1 &&
           st->trampoline.legacy_func == NULL &&
           st->trampoline.light_mode == 0;
}

/* pep669_thread's thread-state part from `from` (the OS thread's part
 * kept). */
static void
load(const Pep669ThreadState *from)
{
    Pep669ThreadState os_part = pep669_thread;
    pep669_thread = *from;
    pep669_thread.record_cache = os_part.record_cache;
    pep669_thread.record_cached = os_part.record_cached;
    pep669_thread.record_keyed = os_part.record_keyed;
    pep669_thread.stack = os_part.stack;
}

void
pep669_thread_switch(PyThreadState *from, PyThreadState *to)
{
    if (from == to) {
        return;
    }
    /* (the interpreter `from` belonged to is the current registry's:
     * `from` itself may be gone, if its interpreter was destroyed from
     * another OS thread, and is only compared, never read) */
    PyInterpreterState *from_interp = pep669_registry_current->interp;
    if (from != NULL && from_interp == NULL) {
        /* Its interpreter's engine was torn down: nothing to keep. */
        Py_CLEAR(pep669_thread.unhooked_exc);
    }
    else if (from != NULL && !is_fresh(&pep669_thread)) {
        Parked *p = PyMem_RawMalloc(sizeof(*p));
        if (p == NULL) {
            /* Nothing to report to: the state is lost (its records stay
             * linked from their frames' hooks, which unlink them). */
            Py_FatalError("pep669: out of memory parking a thread's state");
        }
        p->ts = from;
        p->interp = from_interp;
        p->state = pep669_thread;
        p->next = parked;
        parked = p;
    }
    for (Parked **link = &parked; *link != NULL; link = &(*link)->next) {
        Parked *p = *link;
        if (p->ts == to && to != NULL && p->interp == to->interp) {
            *link = p->next;
            load(&p->state);
            PyMem_RawFree(p);
            return;
        }
    }
    load(&fresh);
}

void
pep669_thread_forget(PyInterpreterState *interp)
{
    /* The current one first, then those parked. */
    Py_CLEAR(pep669_thread.unhooked_exc);
    load(&fresh);
    for (Parked **link = &parked; *link != NULL;) {
        Parked *p = *link;
        if (p->interp == interp) {
            *link = p->next;
            Py_XDECREF(p->state.unhooked_exc);
            PyMem_RawFree(p);
        }
        else {
            link = &p->next;
        }
    }
}

/* ---- the runs' lists (thread_state.h) ---- */

#ifdef PEP669_DEBUG
/* (checks) `frame` is on the thread's current chain of frames. */
static int
on_current_chain(Pep669Frame *frame)
{
    Pep669Frame *f = pep669_backend_current_frame(PyThreadState_GET());
    for (; f != NULL; f = pep669_backend_frame_back(f)) {
        if (f == frame) {
            return 1;
        }
    }
    return 0;
}

int
pep669_bare_innermost(Pep669Record *rec)
{
    Pep669Record *e = pep669_thread.bare_top;
    for (; e != NULL && e != rec; e = e->prev) {
        if (on_current_chain(e->frame)) {
            return 0;
        }
    }
    if (e == NULL) {
        return 0;
    }
    for (e = pep669_thread.record_top; e != rec->below; e = e->prev) {
        if (e == NULL || on_current_chain(e->frame)) {
            return 0;
        }
    }
    return 1;
}
#endif

void
pep669_record_unlink_deep(Pep669Record *rec)
{
    Pep669Record **link = &pep669_thread.record_top;
    while (*link != NULL && *link != rec) {
        /* (a record of another stack's) */
        PEP669_ASSERT(!on_current_chain((*link)->frame));
        link = &(*link)->prev;
    }
    PEP669_ASSERT(*link == rec);
    if (*link == NULL) {
        return;
    }
    *link = rec->prev;
    for (Pep669Record *b = pep669_thread.bare_top; b != NULL; b = b->prev) {
        if (b->below == rec) {
            b->below = rec->prev;
        }
    }
}

Pep669Record *
pep669_runs_raise(Pep669Frame *frame)
{
    if (frame == NULL ||
        frame != pep669_backend_current_frame(PyThreadState_GET())) {
        return NULL;
    }
    /* On one C stack the lists stand in the order the frames started:
     * when the innermost entry (the top bare run when its `below` is the
     * top record; the top record when no bare run stands) is a caller's
     * of `frame`, an entry of `frame` would be above it, and the miss
     * holds.  A top bare run over another record is another stack's: no
     * shortcut then.  The walk stops at that caller (usually near), and
     * goes on to the search only after a stack switch (review19: the
     * search alone walked both lists at every miss). */
    Pep669Record *in = pep669_thread.bare_top;
    if (in == NULL || in->below != pep669_thread.record_top) {
        in = in == NULL ? pep669_thread.record_top : NULL;
    }
    for (Pep669Frame *f = pep669_backend_frame_back(frame);
         in != NULL && f != NULL; f = pep669_backend_frame_back(f)) {
        if (f == in->frame) {
            return NULL;
        }
    }
    Pep669Record *e = pep669_thread.record_top;
    for (; e != NULL; e = e->prev) {
        if (e->frame == frame) {
            pep669_record_unlink_deep(e);
            e->prev = pep669_thread.record_top;
            pep669_thread.record_top = e;
            return e;
        }
    }
    for (e = pep669_thread.bare_top; e != NULL; e = e->prev) {
        if (e->frame == frame) {
            pep669_bare_unlink_deep(e);
            e->prev = pep669_thread.bare_top;
            pep669_thread.bare_top = e;
            e->below = pep669_thread.record_top;
            return e;
        }
    }
    return NULL;
}

void
pep669_bare_unlink_deep(Pep669Record *rec)
{
    Pep669Record **link = &pep669_thread.bare_top;
    while (*link != NULL && *link != rec) {
        PEP669_ASSERT(!on_current_chain((*link)->frame));
        link = &(*link)->prev;
    }
    PEP669_ASSERT(*link == rec);
    if (*link != NULL) {
        *link = rec->prev;
    }
}

/* ---- the record cache (thread_state.h) ---- */

#if defined(PEP669_HAVE_PTHREAD_KEY)
#  include <pthread.h>
static pthread_key_t record_key;
static pthread_once_t record_key_once = PTHREAD_ONCE_INIT;
static int record_key_ok = 0;

/* At the exit of a thread that used records: free its cache. */
static void
record_cache_free(void *Py_UNUSED(unused))
{
    while (pep669_thread.record_cache != NULL) {
        Pep669Record *rec = pep669_thread.record_cache;
        pep669_thread.record_cache = rec->prev;
        PyMem_RawFree(rec);
    }
    pep669_thread.record_cached = 0;
}

static void
record_key_make(void)
{
    record_key_ok = pthread_key_create(&record_key, record_cache_free) == 0;
}
#endif

PEP669_NOINLINE Pep669Record *
pep669_record_alloc(void)
{
    /* (zeroed: a bare run sets only some fields, and a block back in the
     * cache has the others as released, frames.c's record_released) */
    Pep669Record *rec = PyMem_RawCalloc(1, sizeof(Pep669Record));
    if (rec == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
#if defined(PEP669_HAVE_PTHREAD_KEY)
    /* (the cache is kept only on threads that will free it) */
    if (!pep669_thread.record_keyed) {
        pthread_once(&record_key_once, record_key_make);
        pep669_thread.record_keyed = record_key_ok &&
            pthread_setspecific(record_key, (void *)1) == 0 ? 1 : -1;
    }
#endif
    return rec;
}
