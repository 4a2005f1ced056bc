/* The line table a code data keeps (pep669_code_lines_ensure): the line of
 * each unit and legacy tracing's rule for reporting one, made on first
 * need by the backend and kept for the jump regions and the branch sides
 * (the analysis in lineflow.c has its own for its pass). */
#include "lineflow_lines.h"
#include "backend.h"

int
pep669_code_lines_ensure(PyCodeObject *co, Pep669CodeData *cd)
{
    if (cd->lines == NULL) {
        int *lines = PyMem_RawMalloc(sizeof(int) * (size_t)(cd->nunits + 1));
        if (lines == NULL) {
            return -1;
        }
        cd->line_rule = pep669_backend_code_lines(co, lines);
        cd->lines = lines;
    }
    return 0;
}
