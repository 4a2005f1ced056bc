/* The C-stack guard (see stack.h). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE 1
#endif
#include "stack.h"
#include "check.h"

#if defined(__linux__)
#  include <pthread.h>
#endif

_Static_assert(PEP669_STACK_MARGIN_CALLBACK < PEP669_STACK_MARGIN,
               "a callback may use part of the margin, not more");

/* The thread's limit and stack bounds (pep669_thread.stack). */
#define pep669_stack_limit (pep669_thread.stack.limit)
#define stack_low (pep669_thread.stack.low)
#define stack_high (pep669_thread.stack.high)

/* Learn the bounds of the running thread's stack, once. */
static void
stack_bounds(void)
{
    uintptr_t low = 0, high = 0;
#if defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            low = (uintptr_t)addr;
            high = low + size;
        }
        pthread_attr_destroy(&attr);
    }
#endif
    /* A stack too small for the margins gets no guard. */
    if (high - low <= 2 * PEP669_STACK_MARGIN) {
        low = high = 0;
    }
    stack_low = low;
    stack_high = high;
    pep669_stack_limit = low == 0 ? 0 : low + PEP669_STACK_MARGIN;
    /* Known bounds: the limit is inside them; unknown: no guard (limit
     * 0), never "not known yet" again. */
    PEP669_ASSERT(low == 0 ? (high == 0 && pep669_stack_limit == 0)
                           : (low < pep669_stack_limit &&
                              pep669_stack_limit < high));
}

int
pep669_stack_low(uintptr_t sp, int in_callback)
{
    if (pep669_stack_limit == UINTPTR_MAX) {
        stack_bounds();
        if (sp > pep669_stack_limit) {
            return 0;
        }
    }
    /* The fast path (pep669_stack_near_end) sent us here. */
    PEP669_ASSERT(sp <= pep669_stack_limit);
    /* Outside the thread's stack (a coroutine library's own stack, or no
     * bounds known): nothing to say. */
    if (sp < stack_low || sp >= stack_high) {
        return 0;
    }
    if (in_callback && sp > stack_low + PEP669_STACK_MARGIN_CALLBACK) {
        return 0;
    }
    /* Inside the margin that is kept free. */
    PEP669_ASSERT(sp <= stack_low + PEP669_STACK_MARGIN);
    PyErr_SetString(PyExc_RecursionError,
                    "maximum recursion depth exceeded");
    return -1;
}

void
pep669_stack_state(uintptr_t *sp, uintptr_t *low, uintptr_t *high,
                   uintptr_t *limit, uintptr_t *limit_callback)
{
    char here;
    if (pep669_stack_limit == UINTPTR_MAX) {
        stack_bounds();
    }
    *sp = (uintptr_t)&here;
    *low = stack_low;
    *high = stack_high;
    *limit = pep669_stack_limit;
    *limit_callback = stack_low == 0
        ? 0 : stack_low + PEP669_STACK_MARGIN_CALLBACK;
}
