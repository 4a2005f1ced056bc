/* The eval-frame hook (PEP 523), every version: installing and removing
 * it, living with other evaluators, its body.  Contract:
 * backend/README.md. */
#ifndef PEP669_HOOK_C_H
#define PEP669_HOOK_C_H

/* the type of frame the hook receives */
#ifndef PEP669_HOOK_FRAME
#  error "hook.c.h needs PEP669_HOOK_FRAME (backend/README.md)"
#endif
/* 1: the hook takes the thread state first (3.9+, bpo-38500); 0: (3.8) */
#ifndef PEP669_HOOK_TSTATE
#  error "hook.c.h needs PEP669_HOOK_TSTATE (backend/README.md)"
#endif
/* 1 if a run (throwflag off) of the frame resumes a suspended generator
 * or coroutine (its entry event PY_RESUME); and after a run that returned
 * a value, 1 if the frame is suspended (its exit event PY_YIELD): a few
 * loads, no call */
#if !defined(PEP669_HOOK_RESUMED) || !defined(PEP669_HOOK_YIELDED)
#  error "hook.c.h needs PEP669_HOOK_RESUMED(f), PEP669_HOOK_YIELDED(f)"
#endif
/* 1 if a run (throwflag off) of the frame only makes a generator,
 * coroutine or async generator, as 3.11's first run of such code does (up
 * to its RETURN_GENERATOR): no event (0 where no such run exists) */
#ifndef PEP669_HOOK_CREATES
#  error "hook.c.h needs PEP669_HOOK_CREATES(f)"
#endif
/* the interpreter's evaluator slot: read it, write it */
#if !defined(PEP669_GET_EVAL) || !defined(PEP669_SET_EVAL)
#  error "hook.c.h needs PEP669_GET_EVAL() and PEP669_SET_EVAL(func)"
#endif
/* 1 if a frame whose f_code is `co` surely runs its own code, 0 if it
 * may run a clone (3.11, once some clone exists); only asked of code
 * without pep669's data, and with no call (the hook's paths stay tail
 * calls) */
#ifndef PEP669_HOOK_OWN
#  error "hook.c.h needs PEP669_HOOK_OWN(co)"
#endif
/* the room of a call run's frame (3.11's call runs alone: 1 elsewhere) */
#ifndef PEP669_HOOK_SIZED
#  error "hook.c.h needs PEP669_HOOK_SIZED(ts, frame, co)"
#endif

#include "engine_entry.h"
#include "stack.h"

/* The evaluator ours chains to, and a call of it.  Per interpreter, as
 * the evaluator slot is: kept in the thread's registry (registry.h). */
#define prev_eval ((_PyFrameEvalFunction)pep669_registry.hook.prev)
#if PEP669_HOOK_TSTATE
#  define PEP669_EVAL_PREV(ts, frame, throwflag) \
      prev_eval((ts), (frame), (throwflag))
#else
#  define PEP669_EVAL_PREV(ts, frame, throwflag) \
      ((void)(ts), prev_eval((frame), (throwflag)))
#endif

/* Living with other PEP 523 users.  hook_wanted: some tool needs the
 * hook.  in_chain: our hook was put in the interpreter's slot, chained to
 * prev_eval, and may still be among the interpreter's evaluators: on top,
 * or under a foreign evaluator that replaced it and may call it (most
 * call the evaluator they replaced).
 *
 * - A foreign evaluator installed before ours keeps running: ours goes on
 *   top and chains to it.
 * - A foreign evaluator that replaced ours is never overwritten: we cannot
 *   see whether it calls ours, and putting ours above it would break its
 *   own uninstall ("if the slot is mine, put back ...").  Frames it runs
 *   without calling ours get no events from pep669 while it is installed
 *   (docs/differences.md, "Other PEP 523 evaluators").
 * - When it leaves: if it put ours back, events continue at once (ours
 *   never left hook_wanted); if it put the interpreter's default
 *   evaluator, ours is no longer in the chain, and goes back on top at
 *   the next change of the registry (set_events, set_local_events,
 *   register_callback, ... all end in pep669_backend_set_eval_hook).
 * - Ours, back on top with nothing wanted, steps out of the slot the next
 *   time it runs (hook_idle). */
#define hook_wanted (pep669_registry.hook.wanted)
#define in_chain (pep669_registry.hook.in_chain)

static int
hook_is_default(_PyFrameEvalFunction func)
{
    return func == NULL || func == _PyEval_EvalFrameDefault;
}

static _PyFrameEvalFunction
get_eval(void)
{
    return PEP669_GET_EVAL();
}

static void
set_eval(_PyFrameEvalFunction func)
{
    PEP669_SET_EVAL(func);
}

#if PEP669_HOOK_TSTATE
static PyObject *eval_hook(PyThreadState *ts, PEP669_HOOK_FRAME *frame,
                           int throwflag);
#else
static PyObject *eval_hook(PEP669_HOOK_FRAME *frame, int throwflag);
#endif

/* Our hook ran with nothing wanted: a foreign evaluator that was above it
 * when the events were switched off has put it back since.  Leave the
 * slot to the evaluator ours chains to (this frame runs on with it). */
static void
hook_idle(void)
{
    if (in_chain && get_eval() == (_PyFrameEvalFunction)eval_hook) {
        set_eval(prev_eval);
        in_chain = 0;
    }
}

/* The hook near the end of the C stack: RecursionError rather than a
 * frame run into the end of it (out of line: the hook's common path
 * keeps no C frame of its own). */
static PEP669_NOINLINE PyObject *
eval_hook_low(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    int off = !hook_wanted || ts->tracing;
    if (pep669_stack_low(pep669_stack_pointer(), off) < 0) {
        return NULL;
    }
    if (off) {
        if (!hook_wanted) {
            hook_idle();
        }
        return PEP669_EVAL_PREV(ts, frame, throwflag);
    }
    return pep669_frame_eval(ts, (Pep669Frame *)frame, throwflag, NULL,
                             NULL);
}

/* The hook with nothing wanted (out of line, so that no path of the
 * hook keeps anything across a call: each ends in a tail call). */
static PEP669_NOINLINE PyObject *
eval_hook_idle(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    hook_idle();
    return PEP669_EVAL_PREV(ts, frame, throwflag);
}

/* The layout of a code object's co_extra (CPython's private
 * _PyCodeObjectExtra, the same 3.6-3.13), read here directly: on the
 * hook's fast path _PyCode_GetExtra's call and checks would cost more
 * than the read. */
typedef struct {
    Py_ssize_t size;
    void *extras[1];
} HookCodeExtra;

/* (trampoline.c.h) */
static inline int trampoline_absent(PyThreadState *ts);
static inline int trampoline_light(PyThreadState *ts);

/* The fast path: a run of this frame wants nothing of the hook
 * (pep669_frame_idle), and the thread has no trampoline to switch off
 * or repair (pep669_backend_trace_active, pep669_backend_trace_check),
 * or for code that can give only RAISE (PEP669_IDLE_EXC) the LIGHT one it
 * needs and nothing else to do: exactly when pep669_frame_eval would run the frame untouched, decided
 * in a few loads and compares, the frame run with a tail call (1);
 * PEP669_IDLE_FRAMES for code that wants only frame events.  If not,
 * *cop and *cdp: the frame's own code and its data for
 * pep669_frame_eval (*cop NULL: not known here). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
hook_pass(PyThreadState *ts, PEP669_HOOK_FRAME *frame, PyCodeObject **cop,
          Pep669CodeData **cdp)
{
    PyCodeObject *co = frame->f_code;
    HookCodeExtra *extra = (HookCodeExtra *)co->co_extra;
    Py_ssize_t index = pep669_registry.extra_index;
    Pep669CodeData *cd = NULL;
    /* (one unsigned compare: a negative index, none taken yet, is out of
     * range too) */
    if (extra != NULL && (size_t)index < (size_t)extra->size) {
        cd = (Pep669CodeData *)extra->extras[index];
    }
    /* Code data is only ever made for a frame's own code, never for a
     * clone (every way from a frame to its code goes through
     * pep669_backend_frame_code): a code with data is its own.  One
     * without may be a clone (3.11): then frame_begin looks.  (Checked
     * by frame_begin's assertion: not here, where a call would give the
     * hook a C frame in a debug build.) */
    if (cd == NULL && !PEP669_HOOK_OWN(co)) {
        *cop = NULL;
        *cdp = NULL;
        return 0;
    }
    *cop = co;
    *cdp = cd;
    int idle = pep669_frame_idle(co, cd);
    if (idle == PEP669_IDLE_FRAMES) {
        return PEP669_IDLE_FRAMES;
    }
    if (idle == PEP669_IDLE_EXC_BARE) {
        return trampoline_light(ts) && pep669_frame_exc_quiet()
            ? PEP669_IDLE_EXC_BARE : 0;
    }
    return idle == PEP669_IDLE_EXC
        ? trampoline_light(ts) && pep669_frame_exc_quiet()
        : idle && trampoline_absent(ts);
}

static PEP669_NOINLINE PyObject *eval_hook_switch(
    PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag);

#if PEP669_FAST_HOOK
/* The hook past its fast path (out of line, so that the fast path keeps
 * the fewest registers): a bare run's start (pep669_frame_eval's first
 * test, here), a quiet run on a call clone, else pep669_frame_eval. */
static PEP669_NOINLINE PyObject *
eval_hook_busy(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag,
               PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd != NULL && !throwflag) {
        if (pep669_frame_bare_ready(cd)) {
            return pep669_frame_eval_bare(ts, (Pep669Frame *)frame, co, cd);
        }
        if (pep669_frame_calls_ready(cd) && trampoline_absent(ts) &&
            ts->c_tracefunc == NULL && ts->c_profilefunc == NULL &&
            PEP669_HOOK_SIZED(ts, frame, co)) {
            /* (a quiet run on the code's call clone: 3.11; the frame has
             * the clone's room) */
            return pep669_frame_eval_calls(ts, (Pep669Frame *)frame, co,
                                           cd);
        }
    }
    return pep669_frame_eval(ts, (Pep669Frame *)frame, throwflag, co, cd);
}
#endif

#if PEP669_FAST_HOOK
/* A generator's resumption (PEP669_HOOK_RESUMED) of code that wants of
 * the hook only frame events: where nothing can fire before the run's
 * end (pep669_frames_resume_quiet) and the thread has no trampoline, the
 * frames path's block pushed here, the frame run, and after a yield with
 * nothing changed the block popped (pep669_frames_pop_resumed): no entry
 * or exit lookup, no call into frames.c.  Otherwise (a return, an
 * exception, a change of the events or the thread's tracing) the frames
 * path's end decides (pep669_frames_end), as if frames_start had pushed
 * the block; a resumption that wants more goes the frames path's way.
 * (Out of line, as eval_hook_busy.) */
/* The resumed frame is suspended in a `yield from` / `await` (its own
 * C frame: no address of eval_hook_resume's locals is taken, whose
 * calls stay tail calls). */
static PEP669_NOINLINE int
resume_delegating(PEP669_HOOK_FRAME *frame)
{
    int off;
    return pep669_backend_frame_delegating((Pep669Frame *)frame, &off);
}

static PEP669_NOINLINE PyObject *
eval_hook_resume(PyThreadState *ts, PEP669_HOOK_FRAME *frame,
                 PyCodeObject *co, Pep669CodeData *cd)
{
    uint32_t events;
    if (!pep669_frames_resume_quiet(ts, cd, &events) ||
        !trampoline_absent(ts) ||
        (cd != NULL && !cd->delegation_resumed &&
         resume_delegating(frame))) {
        /* (a delegation's first resumption seen with data: the frames
         * path notes it, pep669_delegation_resumed) */
        return pep669_frame_eval_frames(ts, (Pep669Frame *)frame, co, cd);
    }
    Pep669Record *rec = pep669_record_get();
    if (rec == NULL) {
        return NULL;
    }
    pep669_frames_push_bare(rec, (Pep669Frame *)frame, co, cd, events, 1);
    PyObject *result = PEP669_EVAL_PREV(ts, frame, 0);
    if (PEP669_LIKELY(result != NULL && PEP669_HOOK_YIELDED(frame)) &&
        pep669_frames_pop_resumed(ts, rec)) {
        return result;
    }
    return pep669_frames_end(ts, (Pep669Frame *)frame, rec, result);
}
#endif

#if PEP669_FAST_HOOK
/* A run that only makes a generator (PEP669_HOOK_CREATES: 3.11) of code
 * that wants of the hook only frame events: run untouched where the
 * frames path's start would find the thread clean, and then no entry
 * event (FRAME_PASS); else the frames path.  (Out of line, as
 * eval_hook_busy: the hook's other paths keep no register of their own;
 * session 19.) */
static PEP669_NOINLINE PyObject *
eval_hook_creates(PyThreadState *ts, PEP669_HOOK_FRAME *frame,
                  PyCodeObject *co, Pep669CodeData *cd)
{
    if (trampoline_absent(ts) && ts->c_tracefunc == NULL &&
        pep669_frame_exc_quiet()) {
        return PEP669_EVAL_PREV(ts, frame, 0);
    }
    return pep669_frame_eval_frames(ts, (Pep669Frame *)frame, co, cd);
}
#endif

/* The hook's body, inlined into each version's hook (whose calls stay
 * tail calls: no C frame of its own). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline PyObject *
eval_hook_run(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    if (PEP669_UNLIKELY(pep669_registry_tstate != ts)) {
        /* Another thread state on this OS thread since the engine last
         * ran here (a sub-interpreter's, or the first run). */
        return eval_hook_switch(ts, frame, throwflag);
    }
    if (pep669_stack_near_end()) {
        return eval_hook_low(ts, frame, throwflag);
    }
    if (!hook_wanted) {
        /* Nothing wanted (out of line: the common path keeps no frame). */
        return eval_hook_idle(ts, frame, throwflag);
    }
#if PEP669_FAST_HOOK
    PyCodeObject *co;
    Pep669CodeData *cd;
    /* (hook_pass only reads, or stamps the idle cache, which holds
     * whatever the thread does: asked first, a frame that wants nothing
     * runs without the test below) */
    int pass = hook_pass(ts, frame, &co, &cd);
    if (pass == 1) {
        return PEP669_EVAL_PREV(ts, frame, throwflag);
    }
    if (ts->tracing) {
        /* Inside a callback: events are off. */
        return PEP669_EVAL_PREV(ts, frame, throwflag);
    }
    if (pass == PEP669_IDLE_FRAMES && !throwflag) {
        /* (only frame events wanted here) */
        if (PEP669_HOOK_RESUMED(frame)) {
            return eval_hook_resume(ts, frame, co, cd);
        }
        if (PEP669_HOOK_CREATES(frame)) {
            return eval_hook_creates(ts, frame, co, cd);
        }
        return pep669_frame_eval_frames(ts, (Pep669Frame *)frame, co, cd);
    }
    if (pass == PEP669_IDLE_EXC_BARE && !throwflag) {
        /* (an exception bare run: frames_exc.c) */
        return pep669_frame_eval_exc(ts, (Pep669Frame *)frame, co, cd);
    }
    return eval_hook_busy(ts, frame, throwflag, co, cd);
#else
    if (ts->tracing) {
        /* Inside a callback: events are off. */
        return PEP669_EVAL_PREV(ts, frame, throwflag);
    }
    /* (The -Og debug build makes no tail calls: the fast path's locals
     * would grow the hook's C frame under every frame.  frame_begin
     * decides alone, its assertions live; check.h, PEP669_FAST_HOOK.) */
    return pep669_frame_eval(ts, (Pep669Frame *)frame, throwflag, NULL,
                             NULL);
#endif
}

/* The registry and per-thread state of ts made current first (out of
 * line). */
static PEP669_NOINLINE PyObject *
eval_hook_switch(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    pep669_registry_switch(ts);
    if (!pep669_registry_live()) {
        /* The interpreter's engine was torn down while a foreign
         * evaluator kept ours in its chain: run the frame as natively. */
#if PEP669_HOOK_TSTATE
        return _PyEval_EvalFrameDefault(ts, frame, throwflag);
#else
        return _PyEval_EvalFrameDefault(frame, throwflag);
#endif
    }
    PEP669_ASSERT(pep669_registry_tstate == ts);
    return eval_hook_run(ts, frame, throwflag);
}

#if PEP669_HOOK_TSTATE
static PyObject *
eval_hook(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    return eval_hook_run(ts, frame, throwflag);
}
#else
static PyObject *
eval_hook(PEP669_HOOK_FRAME *frame, int throwflag)
{
    return eval_hook_run(PyThreadState_GET(), frame, throwflag);
}
#endif

int
pep669_backend_set_eval_hook(int on)
{
    _PyFrameEvalFunction hook = (_PyFrameEvalFunction)eval_hook;
    _PyFrameEvalFunction current = get_eval();
    hook_wanted = on;
    if (current == hook) {
        /* Ours is on top (put there by us, or back by a foreign
         * evaluator that had replaced it). */
        in_chain = 1;
        if (!on) {
            set_eval(prev_eval);
            in_chain = 0;
        }
        return 0;
    }
    if (in_chain && hook_is_default(current)) {
        /* Whoever replaced ours left, putting back the default evaluator,
         * which calls nothing: ours is out of the chain. */
        in_chain = 0;
    }
    if (on && !in_chain) {
        /* On top of what is there, chained to it. */
        pep669_registry.hook.prev = (void (*)(void))current;
        set_eval(hook);
        in_chain = 1;
    }
    return 0;
}

int
pep669_backend_recheck_eval_hook(void)
{
    return pep669_backend_set_eval_hook(hook_wanted);
}

int
pep669_backend_eval_hook_installed(void)
{
    return hook_wanted && get_eval() == (_PyFrameEvalFunction)eval_hook;
}

int
pep669_backend_init(void)
{
    return 0;
}

#endif
