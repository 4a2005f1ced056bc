/* 3.12+'s small exit blocks (lineflow_exit.c). */
#ifndef PEP669_LINEFLOW_EXIT_H
#define PEP669_LINEFLOW_EXIT_H

#include <Python.h>

/* Whether an unconditional jump to `target` is one 3.12+ replace with a
 * copy of the small exit block there. */
int pep669_jump_to_small_exit(PyCodeObject *co, int target);

#endif
