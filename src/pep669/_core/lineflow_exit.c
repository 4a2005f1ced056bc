/* 3.12+'s small exit blocks (pep669_jump_to_small_exit): the jumps whose
 * target 3.12+ copy into their place, which are then no JUMP locations
 * (lineflow.c, mark_jumps).  Bytecode is read through the backend. */
#include "lineflow_exit.h"
#include "backend.h"

/* 3.12+ copy a small block that leaves the frame (at most four of their
 * instructions, the last a return or raise) into the place of an
 * unconditional jump to it (3.10 does too, 3.8/3.9/3.11 do not): such a
 * jump is no JUMP location.  The block's size is counted as 3.13 counts
 * it (pep669_backend_copy_weight: 3.11's PRECALL is none). */
int
pep669_jump_to_small_exit(PyCodeObject *co, int target)
{
    int end = 2 * (int)pep669_backend_code_units(co);
    for (int n = 0, k = 0, off = target; k < 8 && off >= 0 && off < end;
         k++) {
        Pep669Step st;
        pep669_backend_step(co, off, &st);
        if (!st.known || st.kind >= 0 || st.target >= 0) {
            return 0;
        }
        n += pep669_backend_copy_weight(co, st.at);
        if (n > 4) {
            return 0;
        }
        if (st.next < 0) {
            return 1;
        }
        off = st.after;
    }
    return 0;
}
