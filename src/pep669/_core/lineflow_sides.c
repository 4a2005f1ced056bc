/* The sides of a branch as 3.12+ lay it out (pep669_branch_side: BRANCH_LEFT
 * or BRANCH_RIGHT for an edge of the old bytecode):
 * where 3.12+ reverse a conditional jump, the old taken edge is their
 * fall-through.  Above lineflow.c (the unit map and the line table it
 * reads). */
#include "lineflow.h"
#include "backend.h"

/* Whether the forward branch at `src` jumps to an unconditional backward
 * jump on its own line (or on none), as the end of an `if` that ends a
 * loop's body: 3.12+ thread the branch to that jump's target, then reverse
 * it (to the old fall-through, over a JUMP_BACKWARD to the old target). */
static int
jumps_back(PyCodeObject *co, Pep669CodeData *cd, int src, int target)
{
    int at = target, next, jump;
    if (cd == NULL || pep669_code_lines_ensure(co, cd) < 0) {
        return 0;
    }
    if (pep669_backend_instr_class(co, src) & PEP669_INSTR_FOR_ITER) {
        return 0;
    }
    if (pep669_backend_jump_kind(co, &at, &next, &jump) != PEP669_EV_JUMP ||
        jump < 0 || jump >= at) {
        return 0;
    }
    /* (3.12 threads only a jump that starts its block: not the end of a
     * `try` body, which starts with the body's POP_BLOCK, an instruction
     * on 3.8-3.10, a change of exception-table entry on 3.11) */
    return (cd->lines[at >> 1] == cd->lines[src >> 1] ||
            cd->lines[at >> 1] < 0) &&
           pep669_backend_same_handler(co, src, at);
}

int
pep669_branch_side(PyCodeObject *co, Pep669CodeData *cd, int src, int next,
                   int target, int dest)
{
    int left = dest == next;
    /* (the target from the instruction's first prefix: a caller that
     * decoded it from its opcode unit has only its low byte) */
    const uint8_t *units = cd != NULL ? pep669_code_units(co, cd) : NULL;
    int first = src, at, n;
    while (units != NULL && first > 0 &&
           (units[(first >> 1) - 1] & PEP669_UNIT_PREFIX)) {
        first -= 2;
    }
    at = first;
    if (first != src &&
        pep669_backend_jump_kind(co, &at, &n, &target) != PEP669_EV_BRANCH) {
        target = -1;
    }
    /* 3.12+ have no backward conditional jump: they reverse it, over a
     * JUMP_BACKWARD to its target (the while loop's copied test too), so
     * its taken edge is their fall-through, LEFT, and its fall-through
     * their taken edge, RIGHT. */
    if (target >= 0 && target < src &&
        pep669_branch_reversed_jump(co, cd, src, target)) {
        left = !left;
    }
    else if (target > src && jumps_back(co, cd, src, target)) {
        left = !left;
    }
    return left ? PEP669_EV_BRANCH_LEFT : PEP669_EV_BRANCH_RIGHT;
}
