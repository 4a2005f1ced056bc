/* The engine's per-thread state (see thread_state.h). */
#include "thread_state.h"

PEP669_THREAD_LOCAL_FAST Pep669ThreadState pep669_thread = {
    .what_event = -1,
    .line_origin = PEP669_ORIGIN_NONE,
    .unhooked = {.last_line = -1, .prev_offset = -1, .call_offset = -1,
                 .call_end = -1, .stop_offset = -1, .legacy_lines = 1},
    .stack = {.limit = UINTPTR_MAX},
};
