/* The C-stack guard: every run of a frame through the eval-frame hook
 * first checks that the thread's C stack has room left, and raises
 * RecursionError (the interpreter's message) when it has not, instead of
 * running the frame into the end of the stack.  Version-independent.
 *
 * The thread's stack bounds are read once per thread (Linux:
 * pthread_getattr_np).  The common case costs one comparison of the
 * stack pointer with a thread-local limit. */
#ifndef PEP669_STACK_H
#define PEP669_STACK_H

#include "thread_state.h"
#include <stdint.h>

/* Room kept free below a monitored frame: what its own run needs besides
 * the frames the hook sees (the evaluator's C frame, C functions it
 * calls) plus the callbacks of its events. */
#define PEP669_STACK_MARGIN (64 * 1024)
/* Room kept free below a frame run inside a callback (events are off
 * there): a callback may use the margin above, down to this. */
#define PEP669_STACK_MARGIN_CALLBACK (32 * 1024)

/* (the thread's limit and bounds: pep669_thread.stack) */

/* The slow path: learn the thread's bounds if needed; -1 with
 * RecursionError set if the stack has less than the margin left (the
 * callback margin if in_callback). */
int pep669_stack_low(uintptr_t sp, int in_callback);

/* The stack pointer (about). */
static inline uintptr_t
pep669_stack_pointer(void)
{
    /* (the stack pointer itself where it can be read: no local whose
     * address is taken, no frame set up, the caller's tail calls stay) */
#if defined(__GNUC__) && defined(__x86_64__)
    uintptr_t sp;
    __asm__("movq %%rsp, %0" : "=r"(sp));
    return sp;
#elif defined(__GNUC__) && defined(__aarch64__)
    uintptr_t sp;
    __asm__("mov %0, sp" : "=r"(sp));
    return sp;
#elif defined(__GNUC__)
    return (uintptr_t)__builtin_frame_address(0);
#else
    char here;
    return (uintptr_t)&here;
#endif
}

/* Whether the hook must call pep669_stack_low() before it runs a frame
 * (one comparison: the common case is no). */
static inline int
pep669_stack_near_end(void)
{
    return PEP669_UNLIKELY(pep669_stack_pointer() <=
                           pep669_thread.stack.limit);
}

/* For tests and docs: the stack pointer of the caller (about), the
 * thread's stack bounds (0, 0 when unknown) and the guard's limits. */
void pep669_stack_state(uintptr_t *sp, uintptr_t *low, uintptr_t *high,
                        uintptr_t *limit, uintptr_t *limit_callback);

#endif
