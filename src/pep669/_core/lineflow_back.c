/* 3.8/3.9's backward branches that 3.12+ do not reverse (a loop's test at
 * its top: pep669_branch_reversed_jump, lineflow.c).  Below lineflow.c. */
#include "lineflow_back.h"

/* 3.8/3.9 (no copy of a `while` loop's test at the bottom): whether the
 * backward branch at `src` (to `target`) is one that 3.12+ do not reverse:
 * a jump back to a `while` loop's test (3.12+ jump forward to the copy),
 * or such a test, which a later jump on its line comes back to (3.12+
 * report its first run as a reversed branch, its later ones as the copy:
 * the second are the many, and have the sides of a forward branch). */
int
pep669_loop_test_at_top(PyCodeObject *co, Pep669CodeData *cd,
                        const uint8_t *units, int src, int target)
{
    int line = cd->lines[src >> 1], at = target, n, t;
    if (units == NULL || cd->line_rule != PEP669_LINES_WINDOW || line < 0) {
        return 0;
    }
    if (pep669_backend_jump_kind(co, &at, &n, &t) != PEP669_EV_BRANCH ||
        !(pep669_backend_instr_class(co, at) & PEP669_INSTR_FOR_ITER)) {
        return 1;
    }
    for (int u = (src >> 1) + 1; u < cd->nunits; u++) {
        int at = 2 * u, next, jump;
        if ((units[u] & PEP669_UNIT_JUMP_EVENT) &&
            pep669_backend_jump_kind(co, &at, &next, &jump) ==
                PEP669_EV_JUMP &&
            jump > target && jump <= src && cd->lines[jump >> 1] == line) {
            return 1;
        }
    }
    return 0;
}
