/* The flow analysis's results for Python code (module.c): a code object's
 * LINE locations (`_line_locations`) and the flow facts behind them for
 * tools/flow_digest.py (`_flow_facts`).  Above lineflow.c, which computes
 * them. */
#include "lineflow.h"
#include "backend.h"

int
pep669_code_line_starts(PyCodeObject *co, const int **starts, Py_ssize_t *n)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return -1;
    }
    if (cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    *starts = cd->line_starts;
    *n = cd->nline_starts;
    return 0;
}

PyObject *
pep669_code_flow_facts(PyCodeObject *co)
{
    Pep669CodeData *cd = pep669_code_data_ensure(co);
    if (cd == NULL) {
        return NULL;
    }
    if (cd->line_starts == NULL && pep669_find_line_starts(co, cd) < 0) {
        return PyErr_NoMemory();
    }
    if (pep669_code_lines_ensure(co, cd) < 0 ||
        pep669_code_units(co, cd) == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *lines = PyList_New(cd->nunits);
    if (lines == NULL) {
        return NULL;
    }
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        PyObject *line = PyLong_FromLong(cd->lines[u]);
        if (line == NULL) {
            Py_DECREF(lines);
            return NULL;
        }
        PyList_SET_ITEM(lines, u, line);
    }
    /* owned: reach, a byte per unit */
    PyObject *reach = PyBytes_FromStringAndSize(NULL, cd->nunits);
    if (reach == NULL) {
        Py_DECREF(lines);
        return NULL;
    }
    for (Py_ssize_t u = 0; u < cd->nunits; u++) {
        PyBytes_AS_STRING(reach)[u] =
            (pep669_unit_flow(cd->unit_flow, u) & PEP669_FLOW_REACHED) != 0;
    }
    return Py_BuildValue("{s:y#,s:N,s:N,s:i,s:n}",
                         "units", (const char *)cd->units, cd->nunits,
                         "reach", reach, "lines", lines,
                         "line_rule", cd->line_rule,
                         "flow_starts", (Py_ssize_t)cd->nflow_starts);
}
