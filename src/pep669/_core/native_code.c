/* pep669._native: per-code data (co_extra).
 *
 * A code object gets its data when a tool sets local events on it or a
 * branch of it first reaches the mux: which of its instructions are
 * branches (native BRANCH fires only at POP_JUMP_IF_* and FOR_ITER on
 * 3.12/3.13), where their LEFT edge goes in 3.14's terms, and the per-tool
 * DISABLE bits of their edges.  Codes with local events are linked, so
 * that clear_tool_id can find them. */
#include "native.h"
#include <opcode.h>

/* Inline cache entries after the branch instructions (3.12: none after the
 * conditional jumps, 3.13: one; FOR_ITER: one on both) and after
 * JUMP_BACKWARD. */
#if PY_VERSION_HEX >= 0x030D0000
#  define POP_JUMP_CACHES 1
#  define JUMP_BACKWARD_CACHES 1
#else
#  define POP_JUMP_CACHES 0
#  define JUMP_BACKWARD_CACHES 0
#endif
#define FOR_ITER_CACHES 1
/* FOR_ITER's exit skips END_FOR (3.13: END_FOR and POP_TOP). */
#if PY_VERSION_HEX >= 0x030D0000
#  define FOR_ITER_SKIP 2
#else
#  define FOR_ITER_SKIP 1
#endif

CodeData *pep669_nat_local_codes = NULL;
static Py_ssize_t extra_index = -1;

static void
unlink_code(CodeData *cd)
{
    if (!cd->linked) {
        return;
    }
    if (cd->prev) {
        cd->prev->next = cd->next;
    }
    else {
        pep669_nat_local_codes = cd->next;
    }
    if (cd->next) {
        cd->next->prev = cd->prev;
    }
    cd->prev = cd->next = NULL;
    cd->linked = 0;
}

static void
free_branches(CodeData *cd)
{
    PyMem_RawFree(cd->fall);
    PyMem_RawFree(cd->state);
    PyMem_RawFree(cd->left_dest);
    PyMem_RawFree(cd->right_dest);
    PyMem_RawFree(cd->pend);
    cd->fall = NULL;
    cd->state = NULL;
    cd->left_dest = cd->right_dest = cd->pend = NULL;
}

static void
free_code_data(void *p)
{
    CodeData *cd = (CodeData *)p;
    if (cd == NULL) {
        return;
    }
    for (int t = 0; t < TOOLS; t++) {
        if (cd->local_lr[t]) {
            pep669_nat_tools[t].local_lr_codes--;
        }
    }
    for (int t = 0; t < TOOLS; t++) {
        if (cd->instr_on[t]) {
            pep669_nat_tools[t].instr_codes--;
        }
        if (cd->line_on[t]) {
            pep669_nat_tools[t].line_codes--;
        }
    }
    unlink_code(cd);
    free_branches(cd);
    PyMem_RawFree(cd);
}

CodeData *
pep669_nat_code_data(PyObject *code)
{
    void *extra = NULL;
    if (PyUnstable_Code_GetExtra(code, extra_index, &extra) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return (CodeData *)extra;
}

CodeData *
pep669_nat_code_data_ensure(PyObject *code)
{
    CodeData *cd = pep669_nat_code_data(code);
    if (cd != NULL) {
        return cd;
    }
    cd = PyMem_RawCalloc(1, sizeof(CodeData));
    if (cd == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    cd->code = code;
    cd->epoch = pep669_nat_epoch;
    if (PyUnstable_Code_SetExtra(code, extra_index, cd) < 0) {
        PyMem_RawFree(cd);
        return NULL;
    }
    return cd;
}

/* 3.12/3.13 repeat a `while` loop's test at the end of its body, where
 * staying in the loop falls through to a JUMP_BACKWARD on the test's own
 * line back to the body's start; 3.14 tests once, at the top, and its
 * BRANCH_LEFT goes to the body.  So LEFT of such a copy reports the
 * jump's target, the destination 3.14 reports (docs/differences.md). */
static void
left_through_jump(CodeData *cd, const uint8_t *b, Py_ssize_t units,
                  Py_ssize_t i)
{
    Py_ssize_t j = i + cd->fall[i];
    unsigned int arg = 0;
    while (j < units && b[2 * j] == EXTENDED_ARG) {
        arg = (arg | b[2 * j + 1]) << 8;
        j++;
    }
    if (j >= units || b[2 * j] != JUMP_BACKWARD) {
        return;
    }
    arg |= b[2 * j + 1];
    Py_ssize_t target = j + 1 + JUMP_BACKWARD_CACHES - (Py_ssize_t)arg;
    PyCodeObject *co = (PyCodeObject *)cd->code;
    int line = PyCode_Addr2Line(co, (int)(2 * i));
    if (target < 0 || target >= units ||
        PyCode_Addr2Line(co, (int)(2 * j)) != line) {
        return;
    }
    /* The jump goes back to where the loop's first test, on the same
     * line, falls through to (a comprehension's `if` also falls through
     * to a jump back, to its FOR_ITER: 3.14 keeps that jump). */
    for (Py_ssize_t k = 0; k < target; k++) {
        switch (b[2 * k]) {
        case POP_JUMP_IF_FALSE:
        case POP_JUMP_IF_TRUE:
        case POP_JUMP_IF_NONE:
        case POP_JUMP_IF_NOT_NONE:
            if (k + 1 + POP_JUMP_CACHES == target &&
                PyCode_Addr2Line(co, (int)(2 * k)) == line) {
                cd->left_dest[i] = (int32_t)(2 * target);
                return;
            }
            break;
        default:
            break;
        }
    }
}

/* Instructions after which the next one does not run. */
static int
never_falls_through(int op)
{
    switch (op) {
    case JUMP_FORWARD:
    case JUMP_BACKWARD:
    case JUMP_BACKWARD_NO_INTERRUPT:
    case RETURN_VALUE:
    case RETURN_CONST:
    case RAISE_VARARGS:
    case RERAISE:
        return 1;
    default:
        return 0;
    }
}

static inline void
add_pred(uint8_t *npred, Py_ssize_t units, Py_ssize_t unit, int n)
{
    if (unit >= 0 && unit < units) {
        int v = npred[unit] + n;
        npred[unit] = (uint8_t)(v > 3 ? 3 : v);
    }
}

/* One varint of the exception table (6 bits a byte, 0x40: more). */
static Py_ssize_t
read_varint(const uint8_t *t, Py_ssize_t n, Py_ssize_t *pos)
{
    Py_ssize_t v = 0;
    while (*pos < n) {
        uint8_t byte = t[(*pos)++];
        v = (v << 6) | (byte & 63);
        if (!(byte & 64)) {
            break;
        }
    }
    return v;
}

/* The destinations of branch edges that nothing else reaches: the
 * instruction there runs exactly when that edge is taken, so an edge
 * waiting there (native_branch.c) is reported by the native INSTRUCTION
 * event at its destination.  Every way in counts: the fall-through of the
 * instruction before (unless it never falls through), every jump, every
 * exception handler, the code's start.  FOR_ITER's exit skips END_FOR
 * (3.13: END_FOR, POP_TOP), which runs only when a generator specialised
 * loop ends: the same edge. */
static int
find_pending_destinations(CodeData *cd, const uint8_t *b, Py_ssize_t units)
{
    uint8_t *npred = PyMem_RawCalloc(units, 1);
    if (npred == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    add_pred(npred, units, 0, 2);
    unsigned int arg = 0;
    for (Py_ssize_t j = 0; j < units; j++) {
        int op = b[2 * j];
        if (op == CACHE) {
            continue;
        }
        arg |= b[2 * j + 1];
        if (op == EXTENDED_ARG) {
            arg <<= 8;
            continue;
        }
        Py_ssize_t next = j + 1;
        while (next < units && b[2 * next] == CACHE) {
            next++;
        }
        if (!never_falls_through(op)) {
            add_pred(npred, units, next, 1);
        }
        switch (op) {
        case JUMP_FORWARD:
        case POP_JUMP_IF_FALSE:
        case POP_JUMP_IF_TRUE:
        case POP_JUMP_IF_NONE:
        case POP_JUMP_IF_NOT_NONE:
        case SEND:
            add_pred(npred, units, next + (Py_ssize_t)arg, 1);
            break;
        case FOR_ITER:
            add_pred(npred, units, cd->right_dest[j], 1);
            break;
        case JUMP_BACKWARD:
        case JUMP_BACKWARD_NO_INTERRUPT:
            add_pred(npred, units, next - (Py_ssize_t)arg, 1);
            break;
        default:
            break;
        }
        arg = 0;
    }
    PyObject *table = ((PyCodeObject *)cd->code)->co_exceptiontable;
    const uint8_t *t = (const uint8_t *)PyBytes_AS_STRING(table);
    Py_ssize_t n = PyBytes_GET_SIZE(table), pos = 0;
    while (pos < n) {
        read_varint(t, n, &pos);                    /* start */
        read_varint(t, n, &pos);                    /* length */
        add_pred(npred, units, read_varint(t, n, &pos), 2);   /* target */
        read_varint(t, n, &pos);                    /* depth and lasti */
    }
    for (Py_ssize_t i = 0; i < units; i++) {
        if (cd->fall[i] == 0) {
            continue;
        }
        Py_ssize_t left = i + cd->fall[i], right = cd->right_dest[i];
        if (left < units && npred[left] == 1) {
            cd->pend[left] = (int32_t)(2 * i);
        }
        if (right < 0 || right >= units) {
            continue;
        }
        int ways = 1;
        if (b[2 * i] == FOR_ITER) {
            /* END_FOR (and 3.13's POP_TOP) before the exit: reached only
             * by falling from one to the other. */
            Py_ssize_t k = right - FOR_ITER_SKIP;
            if (k < 0 || b[2 * k] != END_FOR || npred[k] != 0) {
                continue;
            }
            for (k++; k < right; k++) {
                if (npred[k] != 1) {
                    break;
                }
            }
            if (k < right) {
                continue;
            }
            ways = 2;
        }
        if (npred[right] == ways) {
            cd->pend[right] = (int32_t)(2 * i + 1);
        }
    }
    PyMem_RawFree(npred);
    return 0;
}

/* The branch instructions of the code's bytecode, where their edges go,
 * and room for the per-tool state, made at its first branch event. */
int
pep669_nat_code_branches(CodeData *cd)
{
    PyObject *bytes = PyCode_GetCode((PyCodeObject *)cd->code);
    if (bytes == NULL) {
        return -1;
    }
    Py_ssize_t units = PyBytes_GET_SIZE(bytes) / 2;
    const uint8_t *b = (const uint8_t *)PyBytes_AS_STRING(bytes);
    Py_ssize_t n = units ? units : 1;
    cd->fall = PyMem_RawCalloc(n, 1);
    cd->state = PyMem_RawCalloc(n, TOOLS);
    cd->left_dest = PyMem_RawMalloc(n * sizeof(int32_t));
    cd->right_dest = PyMem_RawMalloc(n * sizeof(int32_t));
    cd->pend = PyMem_RawMalloc(n * sizeof(int32_t));
    if (cd->fall == NULL || cd->state == NULL || cd->left_dest == NULL ||
        cd->right_dest == NULL || cd->pend == NULL) {
        free_branches(cd);
        Py_DECREF(bytes);
        PyErr_NoMemory();
        return -1;
    }
    unsigned int arg = 0;
    for (Py_ssize_t i = 0; i < units; i++) {
        cd->left_dest[i] = -1;
        cd->right_dest[i] = -1;
        cd->pend[i] = -1;
        int op = b[2 * i];
        arg |= b[2 * i + 1];
        switch (op) {
        case POP_JUMP_IF_FALSE:
        case POP_JUMP_IF_TRUE:
        case POP_JUMP_IF_NONE:
        case POP_JUMP_IF_NOT_NONE:
            cd->fall[i] = 1 + POP_JUMP_CACHES;
            cd->right_dest[i] = (int32_t)(i + cd->fall[i] + arg);
            left_through_jump(cd, b, units, i);
            break;
        case FOR_ITER:
            cd->fall[i] = 1 + FOR_ITER_CACHES;
            cd->right_dest[i] =
                (int32_t)(i + cd->fall[i] + arg + FOR_ITER_SKIP);
            break;
        default:
            break;
        }
        arg = op == EXTENDED_ARG ? arg << 8 : 0;
    }
    cd->units = units;
    int err = find_pending_destinations(cd, b, units);
    Py_DECREF(bytes);
    if (err < 0) {
        free_branches(cd);
        cd->units = 0;
        return -1;
    }
    return 0;
}

int
pep669_nat_code_fresh(CodeData *cd, int tool)
{
    if (cd->state == NULL && pep669_nat_code_branches(cd) < 0) {
        return -1;
    }
    size_t units = (size_t)(cd->units ? cd->units : 1);
    if (cd->epoch != pep669_nat_epoch) {
        /* Every DISABLE and seen bit goes; a waiting edge still waits (an
         * arrival at its destination may be under way: the branch's
         * event was over before a callback there restarted), until its
         * branch, live again, reports an edge (the mux). */
        for (size_t i = 0; i < units * TOOLS; i++) {
            cd->state[i] &= W_ANY;
        }
        cd->epoch = pep669_nat_epoch;
    }
    uint64_t clears = pep669_nat_tools[tool].clears;
    if (cd->tool_epoch[tool] != clears) {
        for (size_t u = 0; u < units; u++) {
            cd->state[u * TOOLS + (size_t)tool] = 0;
        }
        cd->waiting[tool] = 0;
        cd->tool_epoch[tool] = clears;
    }
    return 0;
}

void
pep669_nat_code_set_local(CodeData *cd, int tool, uint32_t events)
{
    uint8_t lr = (uint8_t)((events & EV_LR) >> PEP669_EV_BRANCH_LEFT);
    if ((cd->local_lr[tool] != 0) != (lr != 0)) {
        pep669_nat_tools[tool].local_lr_codes += lr ? 1 : -1;
    }
    PEP669_ASSERT(pep669_nat_tools[tool].local_lr_codes >= 0);
    cd->local_lr[tool] = lr;
    cd->local_branch[tool] = (events & EV_BRANCH) != 0;
    cd->local_any[tool] = events != 0;
    pep669_nat_code_relink(cd);
}

void
pep669_nat_code_relink(CodeData *cd)
{
    int any = 0;
    for (int t = 0; t < TOOLS; t++) {
        any |= cd->local_any[t] | cd->instr_on[t] | cd->line_on[t];
    }
    if (any && !cd->linked) {
        cd->next = pep669_nat_local_codes;
        cd->prev = NULL;
        if (pep669_nat_local_codes) {
            pep669_nat_local_codes->prev = cd;
        }
        pep669_nat_local_codes = cd;
        cd->linked = 1;
    }
    else if (!any) {
        unlink_code(cd);
    }
}

int
pep669_nat_code_init(void)
{
    extra_index = PyUnstable_Eval_RequestCodeExtraIndex(free_code_data);
    if (extra_index < 0) {
        PyErr_SetString(PyExc_ImportError, "pep669: no co_extra slot left");
        return -1;
    }
    return 0;
}
