/* The line table a code data keeps (lineflow_lines.c). */
#ifndef PEP669_LINEFLOW_LINES_H
#define PEP669_LINEFLOW_LINES_H

#include "codedata.h"

/* cd->lines and cd->line_rule; -1 without memory (no exception). */
int pep669_code_lines_ensure(PyCodeObject *co, Pep669CodeData *cd);

#endif
