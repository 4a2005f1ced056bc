/* check.h: the engine's invariant checks.
 *
 * PEP669_ASSERT(cond) checks an invariant of the engine (epochs and stamps,
 * record pairing, the frame/clone state, reference counts at boundaries).
 * It is live only in a build with the checks (-DPEP669_DEBUG, which
 * `tools/build_ext.py --debug` and `--checks` pass) and compiles to nothing
 * otherwise, so a release or default build pays nothing for it.  A failed check prints
 * the condition and its place, then aborts: an engine invariant that does
 * not hold is a bug, never an exception for the monitored program. */
#ifndef PEP669_CHECK_H
#define PEP669_CHECK_H

#ifdef PEP669_DEBUG
#  include <stdio.h>
#  include <stdlib.h>

static inline void
pep669_check_failed(const char *cond, const char *file, int line)
{
    fprintf(stderr, "pep669: engine invariant failed: %s (%s:%d)\n",
            cond, file, line);
    fflush(stderr);
    abort();
}

#  define PEP669_ASSERT(cond) \
    ((cond) ? (void)0 : pep669_check_failed(#cond, __FILE__, __LINE__))
#  define PEP669_DEBUG_ONLY(stmt) stmt
#else
#  define PEP669_ASSERT(cond) ((void)0)
#  define PEP669_DEBUG_ONLY(stmt)
#endif

/* PEP669_ASSUME(cond): an invariant the compiler may build on (a release
 * build folds what it decides); checked as PEP669_ASSERT with the checks. */
#if defined(PEP669_DEBUG) || !defined(__GNUC__)
#  define PEP669_ASSUME(cond) PEP669_ASSERT(cond)
#else
#  define PEP669_ASSUME(cond) \
    ((cond) ? (void)0 : __builtin_unreachable())
#endif

/* PEP669_FAST_HOOK: 1 where the hook's fast paths are compiled
 * (backend/hook.c.h: hook_pass and what it leads to, eval_hook_busy's bare
 * and call-clone runs, eval_hook_resume), as in every build but the -Og
 * debug one (`build_ext.py --debug` passes -DPEP669_PLAIN_HOOK): -Og makes
 * no tail calls, and the fast path's locals would grow the hook's C frame
 * under every frame, so there frame_begin decides alone.  The checks build
 * (`--checks`: -O2 -DPEP669_DEBUG) runs those paths with the checks live. */
#if defined(PEP669_PLAIN_HOOK)
#  define PEP669_FAST_HOOK 0
#else
#  define PEP669_FAST_HOOK 1
#endif

#endif /* PEP669_CHECK_H */
