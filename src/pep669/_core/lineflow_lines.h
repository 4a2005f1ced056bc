/* The line table a code data keeps (lineflow_lines.c). */
#ifndef PEP669_LINEFLOW_LINES_H
#define PEP669_LINEFLOW_LINES_H

#include "codedata.h"

/* cd->lines and cd->line_rule; -1 without memory (no exception). */
int pep669_code_lines_ensure(PyCodeObject *co, Pep669CodeData *cd);

/* The lines of the LINE locations (cd->line_starts, just made), from the
 * analysis's line table `lines` (per unit), into the same block, after
 * them: as int16_t, each less co_firstlineno (PEP669_NO_LOCATION_LINE:
 * out of that range, PyCode_Addr2Line's then). */
void pep669_location_lines_keep(PyCodeObject *co, Pep669CodeData *cd,
                                const int *lines);

/* The line of the instruction at `offset`: for a LINE location from the
 * analysis's results (a search of cd->line_starts), else (or without a
 * code data, or before the analysis) PyCode_Addr2Line's.  What legacy
 * tracing reports there (the frame's f_lineno). */
int pep669_location_line(PyCodeObject *co, const Pep669CodeData *cd,
                         int offset);

#endif
