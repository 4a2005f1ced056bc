/* The bytecode flow analysis behind the line-level events (lineflow.c;
 * its results for Python code, lineflow_facts.c): what each code
 * unit is (PEP669_UNIT_*), the line of each unit, the LINE locations and
 * which of them only an exception handler reaches, where line probes may
 * stand in for them.  Facts of the bytecode alone, computed on first need
 * and kept in the code data.  Reads bytecode through the backend's
 * accessors (backend.h). */
#ifndef PEP669_LINEFLOW_H
#define PEP669_LINEFLOW_H

#include "codedata.h"
#include "backend.h"
#include "lineflow_lines.h"
#include "lineflow_exit.h"

/* (The unit map's bits, PEP669_UNIT_*, are in codedata.h: the done
 * cache's scan there reads them.) */

/* The code's unit map (NULL without memory: no exception). */
const uint8_t *pep669_code_units_slow(PyCodeObject *co, Pep669CodeData *cd);

static inline const uint8_t *
pep669_code_units(PyCodeObject *co, Pep669CodeData *cd)
{
    return cd->units != NULL ? cd->units : pep669_code_units_slow(co, cd);
}


/* Does arriving at `to` from `from` make legacy tracing report a line?
 * `lines` and `rule` are the code's cd->lines and cd->line_rule. */
static inline int
pep669_line_reported(const int *lines, int rule, const uint8_t *units,
                     int from, int to)
{
    int line = lines[to >> 1];
    if (rule == PEP669_LINES_WINDOW) {
        return to < from || (to >> 1) == 0 || line != lines[(to >> 1) - 1];
    }
    return line >= 0 &&
           (line != lines[from >> 1] ||
            (to < from && !(units[to >> 1] & PEP669_UNIT_QUIET_BACK)));
}

/* The same from the code data (cd->lines must be known:
 * pep669_code_lines_ensure). */
static inline int
pep669_reports_line(Pep669CodeData *cd, const uint8_t *units, int from,
                    int to)
{
    return pep669_line_reported(cd->lines, cd->line_rule, units, from, to);
}

/* Which of 3.14's BRANCH_LEFT/BRANCH_RIGHT the edge of the conditional
 * branch at `src` (its opcode unit; fall-through `next`, jump target
 * `target`, from pep669_backend_jump_kind) to `dest` is: RIGHT is the
 * branch taken, LEFT the fall-through, except for the branches that
 * 3.12+ reverse (having no backward conditional jump), as 3.12/3.13's
 * pep669._native reports them: a backward branch (the copy of a `while`
 * loop's test that 3.10/3.11 put at the end of the body among them; not
 * 3.8/3.9's test at the top) and a forward one to a backward jump on its
 * line, which 3.12 threads first (docs/differences.md). */
int pep669_branch_side(PyCodeObject *co, Pep669CodeData *cd, int src,
                       int next, int target, int dest);

/* Whether 3.12+ reverse the backward branch at `src` (its opcode unit) to
 * `target`, its taken edge their fall-through to a JUMP_BACKWARD there
 * (then also a JUMP location, PEP669_UNIT_JUMP, with the JUMP's source
 * the branch's offset).  The unit map (after the flow analysis) has no
 * JUMP location at a forward jump of the frame's flow over code that only
 * handlers reach (a `try` body's end over its handlers, a `with` or
 * `finally` body's end over the exceptional copy): 3.12+ move such code to
 * the end of the function and have no jump there. */
int pep669_branch_reversed_jump(PyCodeObject *co, Pep669CodeData *cd,
                                int src, int target);

/* cd->line_starts (NULL before) and what comes with them: cd->nflow_starts,
 * cd->unit_flow; -1 without memory (no exception). */
int pep669_find_line_starts(PyCodeObject *co, Pep669CodeData *cd);

/* The code's LINE locations (offsets, cd->line_starts, computed on first
 * need); -1 with an exception. */
int pep669_code_line_starts(PyCodeObject *co, const int **starts,
                            Py_ssize_t *n);

/* The flow facts of `co` for tools/flow_digest.py (the module's
 * _flow_facts): {"units", "reach": bytes per unit, "lines": list,
 * "line_rule", "flow_starts"}; NULL with an exception. */
PyObject *pep669_code_flow_facts(PyCodeObject *co);

#endif
