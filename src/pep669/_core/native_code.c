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
    unlink_code(cd);
    PyMem_RawFree(cd->fall);
    PyMem_RawFree(cd->disabled);
    PyMem_RawFree(cd->left_dest);
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

/* The branch instructions of the code's bytecode and room for the DISABLE
 * bits, made at its first branch event. */
int
pep669_nat_code_branches(CodeData *cd)
{
    PyObject *bytes = PyCode_GetCode((PyCodeObject *)cd->code);
    if (bytes == NULL) {
        return -1;
    }
    Py_ssize_t units = PyBytes_GET_SIZE(bytes) / 2;
    const uint8_t *b = (const uint8_t *)PyBytes_AS_STRING(bytes);
    cd->fall = PyMem_RawCalloc(units ? units : 1, 1);
    cd->disabled = PyMem_RawCalloc(units ? units : 1, sizeof(uint32_t));
    cd->left_dest = PyMem_RawMalloc((units ? units : 1) * sizeof(int32_t));
    if (cd->fall == NULL || cd->disabled == NULL || cd->left_dest == NULL) {
        PyMem_RawFree(cd->fall);
        PyMem_RawFree(cd->disabled);
        PyMem_RawFree(cd->left_dest);
        cd->fall = NULL;
        cd->disabled = NULL;
        cd->left_dest = NULL;
        Py_DECREF(bytes);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < units; i++) {
        cd->left_dest[i] = -1;
        switch (b[2 * i]) {
        case POP_JUMP_IF_FALSE:
        case POP_JUMP_IF_TRUE:
        case POP_JUMP_IF_NONE:
        case POP_JUMP_IF_NOT_NONE:
            cd->fall[i] = 1 + POP_JUMP_CACHES;
            left_through_jump(cd, b, units, i);
            break;
        case FOR_ITER:
            cd->fall[i] = 1 + FOR_ITER_CACHES;
            break;
        default:
            break;
        }
    }
    cd->units = units;
    Py_DECREF(bytes);
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
    int any = 0;
    for (int t = 0; t < TOOLS; t++) {
        any |= cd->local_any[t];
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
