/* 3.8/3.9's loop tests at the top (lineflow_back.c; private to
 * lineflow*.c). */
#ifndef PEP669_LINEFLOW_BACK_H
#define PEP669_LINEFLOW_BACK_H

#include "codedata.h"
#include "backend.h"

/* Whether the backward branch at `src` (to `target`) is one that 3.12+ do
 * not reverse (3.8/3.9: a `while` loop's test at the top); `units`: the
 * code's unit map (NULL: it is not), the code data's line table made. */
int pep669_loop_test_at_top(PyCodeObject *co, Pep669CodeData *cd,
                            const uint8_t *units, int src, int target);

#endif
