/* The line table a code data keeps (pep669_code_lines_ensure): the line of
 * each unit and legacy tracing's rule for reporting one, made on first
 * need by the backend and kept for the jump regions and the branch sides
 * (the analysis in lineflow.c has its own for its pass); the lines of the
 * LINE locations, kept with them (pep669_location_line). */
#include "lineflow_lines.h"
#include "backend.h"
#include "check.h"

#define PEP669_NO_LOCATION_LINE INT16_MIN

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

static inline int16_t *
location_lines(const Pep669CodeData *cd)
{
    return (int16_t *)(cd->line_starts + cd->nline_starts + 1);
}

void
pep669_location_lines_keep(PyCodeObject *co, Pep669CodeData *cd,
                           const int *lines)
{
    int16_t *kept = location_lines(cd);
    int base = co->co_firstlineno;
    for (int i = 0; i < cd->nline_starts; i++) {
        int delta = lines[cd->line_starts[i] >> 1] - base;
        kept[i] = delta > INT16_MIN && delta <= INT16_MAX
                      ? (int16_t)delta : PEP669_NO_LOCATION_LINE;
        PEP669_ASSERT(lines[cd->line_starts[i] >> 1] ==
                      PyCode_Addr2Line(co, cd->line_starts[i]));
    }
}

/* The index of `offset` in the sorted starts[lo:hi], or -1. */
static inline int
find_start(const int *starts, int lo, int hi, int offset)
{
    int end = hi;
    while (lo < hi) {
        int mid = (int)((unsigned int)(lo + hi) >> 1);
        if (starts[mid] < offset) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo < end && starts[lo] == offset ? lo : -1;
}

int
pep669_location_line(PyCodeObject *co, const Pep669CodeData *cd,
                     int offset)
{
    if (cd != NULL && cd->line_starts != NULL && offset >= 0) {
        const int *starts = cd->line_starts;
        int n = cd->nline_starts, nflow = cd->nflow_starts;
        int i = find_start(starts, 0, nflow, offset);
        if (i < 0) {
            i = find_start(starts, nflow, n, offset);
        }
        if (i >= 0 && location_lines(cd)[i] != PEP669_NO_LOCATION_LINE) {
            int line = co->co_firstlineno + location_lines(cd)[i];
            PEP669_ASSERT(line == PyCode_Addr2Line(co, offset));
            return line;
        }
    }
    return offset < 0 ? -1 : PyCode_Addr2Line(co, offset);
}
