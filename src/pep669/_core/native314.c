/* pep669._native for CPython 3.12 and 3.13: 3.14's sys.monitoring API over
 * the interpreter's own sys.monitoring.
 *
 * `monitoring` is a module named sys.monitoring holding every name of the
 * native module, the native builtins themselves where nothing changes
 * (use_tool_id, free_tool_id, get_tool, DISABLE, MISSING, the tool ids),
 * plus 3.14's clear_tool_id and events.BRANCH_LEFT (1 << 17) /
 * events.BRANCH_RIGHT (1 << 18), the numbers pep669's engine gives them on
 * 3.8-3.11 (3.14's own numbers, 1 << 8 and 1 << 9, are BRANCH and
 * STOP_ITERATION here).
 *
 * BRANCH_LEFT/RIGHT ride on the native BRANCH event.  A tool that uses
 * them (a LEFT/RIGHT callback registered, or LEFT/RIGHT in its global or
 * some local event set) has native BRANCH set wherever it wants LEFT or
 * RIGHT, and this module's "mux" as its native BRANCH callback.  The mux
 * classifies each native BRANCH event by its destination (the
 * fall-through instruction: LEFT; anything else: RIGHT) and calls the
 * tool's BRANCH callback (if the tool asked for BRANCH itself) and then
 * its LEFT or RIGHT callback.  DISABLE is kept per tool, location and
 * edge; the native location is disabled (the mux returns DISABLE) once
 * everything the tool wants there is disabled.  Tools that never use
 * LEFT/RIGHT are untouched: their callbacks are called by the interpreter
 * directly.  set_events, get_events, set_local_events, get_local_events,
 * register_callback, restart_events and _all_events are wrappers that
 * translate the two bits and otherwise call the native function with the
 * caller's own arguments, so that errors and messages are native. */
#define Py_BUILD_CORE 1
#include "monitor.h"
#include <internal/pycore_interp.h>
#include <opcode.h>

#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x030E0000
#  error "native314.c is for CPython 3.12 and 3.13"
#endif

#define EV_BRANCH PEP669_BIT(BRANCH)
#define EV_LEFT PEP669_BIT(BRANCH_LEFT)
#define EV_RIGHT PEP669_BIT(BRANCH_RIGHT)
#define EV_LR (EV_LEFT | EV_RIGHT)
/* Per tool and location: which of its parts are disabled. */
#define D_LEFT 1u
#define D_RIGHT 2u
#define D_BRANCH 4u
#define D_BITS 3
#define TOOLS PEP669_TOOL_COUNT

/* POP_JUMP_IF_* and FOR_ITER: the only instructions that fire BRANCH on
 * 3.12/3.13.  Inline cache entries after them (3.12: none after the
 * conditional jumps, 3.13: one; FOR_ITER: one on both). */
#if PY_VERSION_HEX >= 0x030D0000
#  define POP_JUMP_CACHES 1
#else
#  define POP_JUMP_CACHES 0
#endif
#define FOR_ITER_CACHES 1
#if PY_VERSION_HEX >= 0x030D0000
#  define JUMP_BACKWARD_CACHES 1
#else
#  define JUMP_BACKWARD_CACHES 0
#endif

/* ---- the native module ---- */

static PyObject *native = NULL;        /* sys.monitoring */
static PyObject *native_set_events = NULL;
static PyObject *native_get_events = NULL;
static PyObject *native_set_local_events = NULL;
static PyObject *native_get_local_events = NULL;
static PyObject *native_register_callback = NULL;
static PyObject *native_restart_events = NULL;
static PyObject *native_all_events = NULL;
static PyObject *native_get_tool = NULL;
static PyObject *disable_obj = NULL;
static PyObject *missing_obj = NULL;

/* ---- the tools' 3.14 state ---- */

typedef struct {
    uint32_t global_lr;       /* LEFT/RIGHT bits of its global event set */
    int global_branch;        /* it asked for BRANCH globally itself */
    PyObject *left, *right;   /* callbacks */
    PyObject *branch;         /* its BRANCH callback while the mux is its
                                 native one */
    int mux;                  /* the mux is its native BRANCH callback */
    Py_ssize_t local_lr_codes;  /* code objects with local LEFT/RIGHT */
} ToolState;

static ToolState tools[TOOLS];
static PyObject *muxes[TOOLS];
/* Bumped by restart_events(): per-edge DISABLEs older than it are void. */
static uint64_t restart_epoch = 1;

/* Per code object (co_extra), made when a tool sets local events on it
 * or a branch of it reaches the mux. */
typedef struct CodeData {
    PyObject *code;           /* borrowed: the data dies with the code */
    struct CodeData *prev, *next;   /* codes with local events */
    int linked;
    uint8_t local_lr[TOOLS];       /* LEFT/RIGHT bits of the local set,
                                      shifted down to D_LEFT/D_RIGHT */
    uint8_t local_branch[TOOLS];   /* it asked for BRANCH locally itself */
    uint8_t local_any[TOOLS];      /* some local event set here */
    uint64_t epoch;
    Py_ssize_t units;         /* code units */
    uint8_t *fall;            /* per unit: fall-through distance in units of
                                 a branch instruction, 0 for others */
    uint32_t *disabled;       /* per unit: D_* bits, D_BITS per tool */
    int32_t *left_dest;       /* per unit: LEFT's destination where it is
                                 not the fall-through (-1: it is) */
} CodeData;

static Py_ssize_t extra_index = -1;
static CodeData *local_codes = NULL;

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
        local_codes = cd->next;
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
            tools[t].local_lr_codes--;
        }
    }
    unlink_code(cd);
    PyMem_RawFree(cd->fall);
    PyMem_RawFree(cd->disabled);
    PyMem_RawFree(cd->left_dest);
    PyMem_RawFree(cd);
}

static CodeData *
code_data(PyObject *code)
{
    void *extra = NULL;
    if (PyUnstable_Code_GetExtra(code, extra_index, &extra) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return (CodeData *)extra;
}

static CodeData *
code_data_ensure(PyObject *code)
{
    CodeData *cd = code_data(code);
    if (cd != NULL) {
        return cd;
    }
    cd = PyMem_RawCalloc(1, sizeof(CodeData));
    if (cd == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    cd->code = code;
    cd->epoch = restart_epoch;
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
static int
code_data_branches(CodeData *cd)
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

static void
set_code_local(CodeData *cd, int tool, uint32_t events)
{
    uint8_t lr = (uint8_t)((events & EV_LR) >> PEP669_EV_BRANCH_LEFT);
    if ((cd->local_lr[tool] != 0) != (lr != 0)) {
        tools[tool].local_lr_codes += lr ? 1 : -1;
    }
    cd->local_lr[tool] = lr;
    cd->local_branch[tool] = (events & EV_BRANCH) != 0;
    cd->local_any[tool] = events != 0;
    int any = 0;
    for (int t = 0; t < TOOLS; t++) {
        any |= cd->local_any[t];
    }
    if (any && !cd->linked) {
        cd->next = local_codes;
        cd->prev = NULL;
        if (local_codes) {
            local_codes->prev = cd;
        }
        local_codes = cd;
        cd->linked = 1;
    }
    else if (!any) {
        unlink_code(cd);
    }
}

/* ---- the mux ---- */

static PyObject **
native_branch_slot(int tool)
{
    return &PyInterpreterState_Get()->monitoring_callables[tool]
                                                          [PEP669_EV_BRANCH];
}

/* Make the mux the tool's native BRANCH callback while it uses LEFT/RIGHT,
 * and give its own BRANCH callback back when it no longer does. */
static void
update_mux(int tool)
{
    ToolState *ts = &tools[tool];
    int want = ts->left != NULL || ts->right != NULL || ts->global_lr != 0 ||
               ts->local_lr_codes > 0;
    PyObject **slot = native_branch_slot(tool);
    if (want && !ts->mux) {
        ts->branch = *slot;                 /* reference moved */
        *slot = Py_NewRef(muxes[tool]);
        ts->mux = 1;
    }
    else if (!want && ts->mux) {
        PyObject *mux = *slot;
        *slot = ts->branch;                 /* reference moved */
        ts->branch = NULL;
        ts->mux = 0;
        Py_XDECREF(mux);
    }
}

static inline PyObject *
call3(PyObject *func, PyObject *const *args)
{
    return PyObject_Vectorcall(func, args, 3, NULL);
}

/* Call `cb` with `args`; a DISABLE result sets `bit` in *d.  0, or -1
 * with an exception. */
static int
call_noting_disable(PyObject *cb, PyObject *const *args, uint32_t bit,
                    uint32_t *d)
{
    PyObject *func = Py_NewRef(cb);
    PyObject *res = call3(func, args);
    Py_DECREF(func);
    if (res == NULL) {
        return -1;
    }
    if (res == disable_obj) {
        *d |= bit;
    }
    Py_DECREF(res);
    return 0;
}

/* Call the tool's BRANCH callback with `args` (if `want_branch` and not
 * disabled in *d) and then its LEFT or RIGHT callback with `lr_args` (if
 * `side` is wanted and not disabled), recording DISABLEs in *d.  0, or -1
 * with an exception. */
static int
deliver(ToolState *ts, PyObject *const *args, PyObject *const *lr_args,
        int want_branch, uint8_t wanted_lr, uint8_t side, uint32_t *d)
{
    if (want_branch && !(*d & D_BRANCH) && ts->branch != NULL &&
        call_noting_disable(ts->branch, args, D_BRANCH, d) < 0) {
        return -1;
    }
    PyObject *cb = side == D_LEFT ? ts->left : ts->right;
    if ((wanted_lr & side) && !(*d & side) && cb != NULL &&
        call_noting_disable(cb, lr_args, side, d) < 0) {
        return -1;
    }
    return 0;
}

static inline int
all_disabled(uint32_t d, int want_branch, uint8_t wanted_lr)
{
    return (!want_branch || (d & D_BRANCH)) &&
           (!(wanted_lr & D_LEFT) || (d & D_LEFT)) &&
           (!(wanted_lr & D_RIGHT) || (d & D_RIGHT));
}

/* The native BRANCH callback of a tool that uses LEFT/RIGHT:
 * (code, offset, destination). */
static PyObject *
mux(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyCode_Check(args[0]) || !PyLong_Check(args[1]) ||
        !PyLong_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "pep669: unexpected BRANCH event arguments");
        return NULL;
    }
    int tool = (int)PyLong_AsLong(self);
    long src = PyLong_AsLong(args[1]);
    long dest = PyLong_AsLong(args[2]);
    ToolState *ts = &tools[tool];
    CodeData *cd = code_data_ensure(args[0]);
    if (cd == NULL) {
        return NULL;
    }
    if (cd->disabled == NULL && code_data_branches(cd) < 0) {
        return NULL;
    }
    if (cd->epoch != restart_epoch) {
        memset(cd->disabled, 0, (size_t)cd->units * sizeof(uint32_t));
        cd->epoch = restart_epoch;
    }
    long unit = src / 2;
    if (src < 0 || unit >= cd->units) {
        PyErr_SetString(PyExc_SystemError,
                        "pep669: BRANCH event outside the code");
        return NULL;
    }
    long fall = cd->fall[unit] ? cd->fall[unit] : 1;
    uint8_t side = (dest == src + 2 * fall) ? D_LEFT : D_RIGHT;
    /* owned */
    PyObject *moved = NULL;
    PyObject *args3[3] = {args[0], args[1], args[2]};
    if (side == D_LEFT && cd->left_dest[unit] >= 0) {
        moved = PyLong_FromLong(cd->left_dest[unit]);
        if (moved == NULL) {
            return NULL;
        }
        args3[2] = moved;
    }
    int want_branch = ts->global_branch || cd->local_branch[tool];
    uint8_t wanted_lr = (uint8_t)((ts->global_lr >> PEP669_EV_BRANCH_LEFT) |
                                  cd->local_lr[tool]);
    int shift = tool * D_BITS;
    uint32_t d = (cd->disabled[unit] >> shift) & 7u;
    int err = deliver(ts, args, args3, want_branch, wanted_lr, side, &d);
    Py_XDECREF(moved);
    if (err < 0) {
        return NULL;
    }
    if (cd->epoch == restart_epoch) {
        cd->disabled[unit] = (cd->disabled[unit] & ~(7u << shift)) |
                             (d << shift);
    }
    if (all_disabled(d, want_branch, wanted_lr)) {
        return Py_NewRef(disable_obj);
    }
    Py_RETURN_NONE;
}

static PyMethodDef mux_def = {
    "_branch_mux", (PyCFunction)(void (*)(void))mux, METH_FASTCALL,
    "pep669: a tool's native BRANCH callback while it uses "
    "BRANCH_LEFT/BRANCH_RIGHT."
};

/* ---- the C API: BRANCH_LEFT/RIGHT fired from C ---- */

static int in_main_interpreter(void);

int
pep669_native_fire_side(uint8_t *active, PyObject *codelike, int32_t offset,
                        PyObject *target, int right)
{
    PyObject *off = PyLong_FromLong(offset);
    if (off == NULL) {
        return -1;
    }
    PyObject *args[3] = {codelike, off, target};
    PyThreadState *tstate = PyThreadState_Get();
    uint8_t side = right ? D_RIGHT : D_LEFT;
    uint8_t todo = *active;
    int err = 0;
    int main = in_main_interpreter();
    pep669_monitor_enter_callback(tstate);
    while (todo) {
        int tool = 7;
        while (!(todo & (1u << tool))) {
            tool--;
        }
        todo &= (uint8_t)~(1u << tool);
        if (tool >= TOOLS) {
            continue;
        }
        ToolState *ts = &tools[tool];
        uint32_t d = 0;
        if (ts->mux && main) {
            /* The state was entered for this side only. */
            uint8_t wanted =
                (uint8_t)(ts->global_lr >> PEP669_EV_BRANCH_LEFT) & side;
            if (deliver(ts, args, args, ts->global_branch, wanted, side,
                        &d) < 0) {
                err = -1;
                break;
            }
            if (all_disabled(d, ts->global_branch, wanted)) {
                *active &= (uint8_t)~(1u << tool);
            }
            continue;
        }
        /* A tool that only knows BRANCH gets BRANCH, as 3.12/3.13 would
         * deliver PyMonitoring_FireBranchEvent. */
        PyObject *cb = *native_branch_slot(tool);
        if (cb == NULL) {
            continue;
        }
        Py_INCREF(cb);
        PyObject *res = call3(cb, args);
        Py_DECREF(cb);
        if (res == NULL) {
            err = -1;
            break;
        }
        if (res == disable_obj) {
            *active &= (uint8_t)~(1u << tool);
        }
        Py_DECREF(res);
    }
    pep669_monitor_leave_callback(tstate);
    Py_DECREF(off);
    return err;
}

/* ---- argument reading: anything unusual goes to the native function
 * unchanged, which then raises its own error ---- */

static int
read_int(PyObject *obj, int *out)
{
    if (!PyLong_CheckExact(obj)) {
        return 0;
    }
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(obj, &overflow);
    if (overflow || v < INT_MIN || v > INT_MAX) {
        PyErr_Clear();
        return 0;
    }
    *out = (int)v;
    return 1;
}

static inline PyObject *
forward(PyObject *func, PyObject *const *args, Py_ssize_t nargs,
        PyObject *kwnames)
{
    return PyObject_Vectorcall(func, args, (size_t)nargs, kwnames);
}

static PyObject *
call_native(PyObject *func, const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    PyObject *args = Py_VaBuildValue(fmt, va);
    va_end(va);
    if (args == NULL) {
        return NULL;
    }
    PyObject *res = PyObject_CallObject(func, args);
    Py_DECREF(args);
    return res;
}

static int
valid_tool(int tool)
{
    if (tool < 0 || tool >= TOOLS) {
        PyErr_Format(PyExc_ValueError,
                     "invalid tool %d (must be between 0 and 5)", tool);
        return 0;
    }
    return 1;
}

/* ---- the wrappers ---- */

static PyObject *
w_set_events(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    int tool, events;
    if (kwnames != NULL || nargs != 2 || !read_int(args[0], &tool) ||
        !read_int(args[1], &events) || events < 0 ||
        (uint32_t)events > PEP669_ALL_EVENTS || tool < 0 || tool >= TOOLS) {
        return forward(native_set_events, args, nargs, kwnames);
    }
    uint32_t ev = (uint32_t)events;
    uint32_t native_ev = (ev & EV_LR) ? ((ev & ~EV_LR) | EV_BRANCH) : ev;
    PyObject *res = call_native(native_set_events, "ii", tool,
                                (int)native_ev);
    if (res == NULL) {
        return NULL;
    }
    tools[tool].global_lr = ev & EV_LR;
    tools[tool].global_branch = (ev & EV_BRANCH) != 0;
    update_mux(tool);
    return res;
}

static PyObject *
w_get_events(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    PyObject *res = forward(native_get_events, args, nargs, kwnames);
    int tool;
    if (res == NULL || nargs < 1 || !read_int(args[0], &tool) ||
        tool < 0 || tool >= TOOLS || tools[tool].global_lr == 0) {
        return res;
    }
    long ev = PyLong_AsLong(res);
    Py_DECREF(res);
    if (ev == -1 && PyErr_Occurred()) {
        return NULL;
    }
    ev &= ~(long)EV_BRANCH;
    if (tools[tool].global_branch) {
        ev |= EV_BRANCH;
    }
    return PyLong_FromLong(ev | (long)tools[tool].global_lr);
}

static PyObject *
w_set_local_events(PyObject *Py_UNUSED(m), PyObject *const *args,
                   Py_ssize_t nargs, PyObject *kwnames)
{
    int tool, events;
    if (kwnames != NULL || nargs != 3 || !read_int(args[0], &tool) ||
        !PyCode_Check(args[1]) || !read_int(args[2], &events) ||
        events < 0 || (uint32_t)events > PEP669_ALL_EVENTS ||
        tool < 0 || tool >= TOOLS) {
        return forward(native_set_local_events, args, nargs, kwnames);
    }
    uint32_t ev = (uint32_t)events;
    uint32_t native_ev = (ev & EV_LR) ? ((ev & ~EV_LR) | EV_BRANCH) : ev;
    PyObject *res = call_native(native_set_local_events, "iOi", tool,
                                args[1], (int)native_ev);
    if (res == NULL) {
        return NULL;
    }
    CodeData *cd = ev ? code_data_ensure(args[1]) : code_data(args[1]);
    if (cd == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(res);
            return NULL;
        }
        return res;
    }
    set_code_local(cd, tool, ev);
    update_mux(tool);
    return res;
}

static PyObject *
w_get_local_events(PyObject *Py_UNUSED(m), PyObject *const *args,
                   Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *res = forward(native_get_local_events, args, nargs, kwnames);
    int tool;
    if (res == NULL || nargs != 2 || !read_int(args[0], &tool) ||
        tool < 0 || tool >= TOOLS || !PyCode_Check(args[1])) {
        return res;
    }
    CodeData *cd = code_data(args[1]);
    if (cd == NULL || cd->local_lr[tool] == 0) {
        return res;
    }
    long ev = PyLong_AsLong(res);
    Py_DECREF(res);
    if (ev == -1 && PyErr_Occurred()) {
        return NULL;
    }
    ev &= ~(long)EV_BRANCH;
    if (cd->local_branch[tool]) {
        ev |= EV_BRANCH;
    }
    return PyLong_FromLong(
        ev | ((long)cd->local_lr[tool] << PEP669_EV_BRANCH_LEFT));
}

static PyObject *
w_register_callback(PyObject *Py_UNUSED(m), PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames)
{
    int tool, event;
    if (kwnames != NULL || nargs != 3 || !read_int(args[0], &tool) ||
        !read_int(args[1], &event) ||
        (event != (int)EV_LEFT && event != (int)EV_RIGHT &&
         !(event == (int)EV_BRANCH && tool >= 0 && tool < TOOLS &&
           tools[tool].mux))) {
        return forward(native_register_callback, args, nargs, kwnames);
    }
    if (!valid_tool(tool)) {
        return NULL;
    }
    PyObject *func = args[2];
    if (PySys_Audit("sys.monitoring.register_callback", "O", func) < 0) {
        return NULL;
    }
    ToolState *ts = &tools[tool];
    PyObject **slot = event == (int)EV_LEFT ? &ts->left :
                      event == (int)EV_RIGHT ? &ts->right : &ts->branch;
    PyObject *old = *slot;
    *slot = func == Py_None ? NULL : Py_NewRef(func);
    update_mux(tool);
    if (old == NULL) {
        Py_RETURN_NONE;
    }
    return old;
}

static PyObject *
w_restart_events(PyObject *Py_UNUSED(m), PyObject *const *args,
                 Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *res = forward(native_restart_events, args, nargs, kwnames);
    if (res != NULL) {
        restart_epoch++;
    }
    return res;
}

static int
all_events_put(PyObject *dict, const char *name, long tools_mask)
{
    if (tools_mask == 0) {
        return PyDict_DelItemString(dict, name) < 0 &&
               PyErr_ExceptionMatches(PyExc_KeyError)
                   ? (PyErr_Clear(), 0) : 0;
    }
    PyObject *v = PyLong_FromLong(tools_mask);
    if (v == NULL) {
        return -1;
    }
    int err = PyDict_SetItemString(dict, name, v);
    Py_DECREF(v);
    return err;
}

static PyObject *
w_all_events(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    PyObject *res = forward(native_all_events, args, nargs, kwnames);
    if (res == NULL || !PyDict_Check(res)) {
        return res;
    }
    long left = 0, right = 0, added = 0;
    for (int t = 0; t < TOOLS; t++) {
        if (tools[t].global_lr & EV_LEFT) {
            left |= 1L << t;
        }
        if (tools[t].global_lr & EV_RIGHT) {
            right |= 1L << t;
        }
        if (tools[t].global_lr && !tools[t].global_branch) {
            added |= 1L << t;
        }
    }
    if (left == 0 && right == 0) {
        return res;
    }
    long branch = 0;
    PyObject *b = PyDict_GetItemString(res, "BRANCH");
    if (b != NULL) {
        branch = PyLong_AsLong(b);
        if (branch == -1 && PyErr_Occurred()) {
            Py_DECREF(res);
            return NULL;
        }
    }
    if (all_events_put(res, "BRANCH", branch & ~added) < 0 ||
        all_events_put(res, "BRANCH_LEFT", left) < 0 ||
        all_events_put(res, "BRANCH_RIGHT", right) < 0) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

/* 3.14: the tool's callbacks, global events and local events on every
 * code object go; the name stays.  Nothing happens for a tool not in
 * use. */
static PyObject *
clear_tool_id(PyObject *Py_UNUSED(m), PyObject *arg)
{
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(arg, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow || v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError,
                        overflow > 0 || v > INT_MAX
                            ? "Python int too large to convert to C int"
                            : "Python int too small to convert to C int");
        return NULL;
    }
    int tool = (int)v;
    if (!valid_tool(tool)) {
        return NULL;
    }
    PyObject *name = call_native(native_get_tool, "(i)", tool);
    if (name == NULL) {
        return NULL;
    }
    int in_use = name != Py_None;
    Py_DECREF(name);
    if (!in_use) {
        Py_RETURN_NONE;
    }
    /* Callbacks first, so that nothing fires while the events go. */
    ToolState *ts = &tools[tool];
    PyInterpreterState *interp = PyInterpreterState_Get();
    for (int ev = 0; ev < _PY_MONITORING_EVENTS; ev++) {
        Py_CLEAR(interp->monitoring_callables[tool][ev]);
    }
    ts->mux = 0;
    Py_CLEAR(ts->branch);
    Py_CLEAR(ts->left);
    Py_CLEAR(ts->right);
    PyObject *res = call_native(native_set_events, "ii", tool, 0);
    if (res == NULL) {
        return NULL;
    }
    Py_DECREF(res);
    ts->global_lr = 0;
    ts->global_branch = 0;
    /* The codes first (new references), so that nothing the native calls
     * do can free one under the walk. */
    PyObject *codes = PyList_New(0);
    if (codes == NULL) {
        return NULL;
    }
    for (CodeData *cd = local_codes; cd != NULL; cd = cd->next) {
        if (cd->local_any[tool] && PyList_Append(codes, cd->code) < 0) {
            Py_DECREF(codes);
            return NULL;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes); i++) {
        PyObject *code = PyList_GET_ITEM(codes, i);
        res = call_native(native_set_local_events, "iOi", tool, code, 0);
        if (res == NULL) {
            Py_DECREF(codes);
            return NULL;
        }
        Py_DECREF(res);
        CodeData *cd = code_data(code);
        if (cd != NULL) {
            set_code_local(cd, tool, 0);
        }
    }
    Py_DECREF(codes);
    update_mux(tool);
    Py_RETURN_NONE;
}

#define W(name, func, doc) \
    {name, (PyCFunction)(void (*)(void))func, \
     METH_FASTCALL | METH_KEYWORDS, doc}

static PyMethodDef monitoring_methods[] = {
    W("set_events", w_set_events,
      "Set the global events of a tool (BRANCH_LEFT/BRANCH_RIGHT "
      "included)."),
    W("get_events", w_get_events, "The global events of a tool."),
    W("set_local_events", w_set_local_events,
      "Set the events of a tool for one code object."),
    W("get_local_events", w_get_local_events,
      "The events of a tool for one code object."),
    W("register_callback", w_register_callback,
      "Register the callback of a tool for one event; returns the previous "
      "one."),
    W("restart_events", w_restart_events,
      "Enable every event disabled by returning DISABLE."),
    W("_all_events", w_all_events,
      "The tools of every global event."),
    {"clear_tool_id", (PyCFunction)clear_tool_id, METH_O,
     "Remove the events and callbacks of a tool (3.14)."},
    {NULL, NULL, 0, NULL}
};

/* ---- the module ---- */

static PyObject *
make_monitoring(void)
{
    /* owned */
    PyObject *mod = NULL, *events = NULL, *nevents = NULL, *items = NULL;
    PyObject *modname = NULL;
    mod = PyModule_New("sys.monitoring");
    if (mod == NULL) {
        goto error;
    }
    PyObject *ndict = PyModule_GetDict(native);
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(ndict, &pos, &key, &value)) {
        if (PyUnicode_Check(key) &&
            PyUnicode_CompareWithASCIIString(key, "__name__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__spec__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__loader__") != 0 &&
            PyUnicode_CompareWithASCIIString(key, "__package__") != 0 &&
            PyObject_SetAttr(mod, key, value) < 0) {
            goto error;
        }
    }
    /* events: the native namespace's names plus BRANCH_LEFT/RIGHT. */
    nevents = PyObject_GetAttrString(native, "events");
    if (nevents == NULL) {
        goto error;
    }
    events = PyObject_CallNoArgs((PyObject *)Py_TYPE(nevents));
    items = PyObject_GetAttrString(nevents, "__dict__");
    if (events == NULL || items == NULL) {
        goto error;
    }
    pos = 0;
    while (PyDict_Next(items, &pos, &key, &value)) {
        if (PyObject_SetAttr(events, key, value) < 0) {
            goto error;
        }
    }
    for (int side = 0; side < 2; side++) {
        PyObject *bit = PyLong_FromUnsignedLong(side ? EV_RIGHT : EV_LEFT);
        int err = bit == NULL ? -1 : PyObject_SetAttrString(
            events, side ? "BRANCH_RIGHT" : "BRANCH_LEFT", bit);
        Py_XDECREF(bit);
        if (err < 0) {
            goto error;
        }
    }
    Py_CLEAR(items);
    if (PyObject_SetAttrString(mod, "events", events) < 0) {
        goto error;
    }
    modname = PyUnicode_FromString("sys.monitoring");
    if (modname == NULL) {
        goto error;
    }
    for (PyMethodDef *def = monitoring_methods; def->ml_name; def++) {
        PyObject *f = PyCFunction_NewEx(def, NULL, modname);
        int err = f == NULL ? -1 : PyModule_AddObjectRef(mod, def->ml_name, f);
        Py_XDECREF(f);
        if (err < 0) {
            goto error;
        }
    }
    Py_DECREF(modname);
    Py_DECREF(nevents);
    Py_DECREF(events);
    return mod;
error:
    Py_XDECREF(modname);
    Py_XDECREF(items);
    Py_XDECREF(events);
    Py_XDECREF(nevents);
    Py_XDECREF(mod);
    return NULL;
}

static int
get_native(PyObject **slot, const char *name)
{
    *slot = PyObject_GetAttrString(native, name);
    return *slot == NULL ? -1 : 0;
}

/* Tools of the main interpreter only: the 3.14 state above (tools, the
 * mux, per-code data) exists once per process.  Another interpreter gets
 * its own native sys.monitoring as `monitoring`, and the C API over its own
 * native state (BRANCH_LEFT/RIGHT fired from C reach its BRANCH tools). */
static int
in_main_interpreter(void)
{
    return PyInterpreterState_Get() == PyInterpreterState_Main();
}

static int
init_once(void)
{
    if (native != NULL) {
        return 0;
    }
    PyObject *n = PySys_GetObject("monitoring");
    if (n == NULL) {
        PyErr_SetString(PyExc_ImportError, "sys.monitoring is missing");
        return -1;
    }
    native = Py_NewRef(n);
    if (get_native(&native_set_events, "set_events") < 0 ||
        get_native(&native_get_events, "get_events") < 0 ||
        get_native(&native_set_local_events, "set_local_events") < 0 ||
        get_native(&native_get_local_events, "get_local_events") < 0 ||
        get_native(&native_register_callback, "register_callback") < 0 ||
        get_native(&native_restart_events, "restart_events") < 0 ||
        get_native(&native_all_events, "_all_events") < 0 ||
        get_native(&native_get_tool, "get_tool") < 0 ||
        get_native(&disable_obj, "DISABLE") < 0 ||
        get_native(&missing_obj, "MISSING") < 0) {
        Py_CLEAR(native);
        return -1;
    }
    extra_index = PyUnstable_Eval_RequestCodeExtraIndex(free_code_data);
    if (extra_index < 0) {
        PyErr_SetString(PyExc_ImportError, "pep669: no co_extra slot left");
        Py_CLEAR(native);
        return -1;
    }
    for (int t = 0; t < TOOLS; t++) {
        PyObject *self = PyLong_FromLong(t);
        muxes[t] = self == NULL ? NULL
                                : PyCFunction_NewEx(&mux_def, self, NULL);
        Py_XDECREF(self);
        if (muxes[t] == NULL) {
            Py_CLEAR(native);
            return -1;
        }
    }
    return 0;
}

/* The main interpreter's `monitoring`, made once and handed out again if
 * the module is imported again. */
static PyObject *main_monitoring = NULL;

static int
exec_native(PyObject *mod)
{
    /* PyInterpreterState's layout is only fixed within one patch release:
     * a build reused on another one (a cached wheel) must not read it. */
    if ((Py_Version & 0xFFFFFF00UL) != (PY_VERSION_HEX & 0xFFFFFF00UL)) {
        PyErr_Format(PyExc_ImportError,
                     "pep669._native was compiled for CPython %d.%d.%d and "
                     "reads that version's interpreter state, but this is "
                     "%d.%d.%d: reinstall pep669 without a cached build "
                     "(pip install --no-cache-dir --force-reinstall pep669)",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION,
                     (int)((Py_Version >> 24) & 0xFF),
                     (int)((Py_Version >> 16) & 0xFF),
                     (int)((Py_Version >> 8) & 0xFF));
        return -1;
    }
    /* owned */
    PyObject *monitoring = NULL, *capi = NULL;
    if (in_main_interpreter()) {
        if (init_once() < 0) {
            return -1;
        }
        if (main_monitoring == NULL) {
            main_monitoring = make_monitoring();
            if (main_monitoring == NULL) {
                return -1;
            }
        }
        monitoring = Py_NewRef(main_monitoring);
    }
    else {
        monitoring = Py_XNewRef(PySys_GetObject("monitoring"));
        if (monitoring == NULL) {
            PyErr_SetString(PyExc_ImportError, "sys.monitoring is missing");
            return -1;
        }
    }
    capi = pep669_capi_capsule();
    int err = (capi == NULL ||
               PyModule_AddObjectRef(mod, "monitoring", monitoring) < 0 ||
               PyModule_AddObjectRef(mod, "_C_API", capi) < 0) ? -1 : 0;
    Py_DECREF(monitoring);
    Py_XDECREF(capi);
    return err;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)exec_native},
    {0, NULL}
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pep669._native",
    .m_doc = "3.14's sys.monitoring over the native one (CPython 3.12/3.13), "
             "and pep669.h's C API.",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModuleDef_Init(&module_def);
}

int
pep669_monitor_serves_interpreter(void)
{
    /* sys.monitoring is per-interpreter: the caller's is read. */
    return 1;
}

/* monitor.h for capi.c: the interpreter's own state. */

PyObject *
pep669_monitor_callback(int tool, int event)
{
    return PyInterpreterState_Get()->monitoring_callables[tool][event];
}

void
pep669_monitor_remove_callback(int tool, int event)
{
    Py_CLEAR(PyInterpreterState_Get()->monitoring_callables[tool][event]);
}

int
pep669_monitor_is_disable(PyObject *result)
{
    return result == disable_obj;
}

PyObject *
pep669_monitor_missing(void)
{
    return missing_obj;
}

uint8_t
pep669_monitor_global_tools(int event)
{
    /* C_RETURN and C_RAISE are "grouped" with CALL: never in the table. */
    if (event < 0 || event >= _PY_MONITORING_UNGROUPED_EVENTS) {
        return 0;
    }
    return PyInterpreterState_Get()->monitors.tools[event];
}

/* As the interpreter brackets its own callbacks: no events (and no legacy
 * trace or profile calls) on the thread while one runs. */
void
pep669_monitor_enter_callback(PyThreadState *ts)
{
    PyThreadState_EnterTracing(ts);
}

void
pep669_monitor_leave_callback(PyThreadState *ts)
{
    PyThreadState_LeaveTracing(ts);
}

uint64_t
pep669_monitor_version(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    /* 3.13 keeps the version in the eval breaker's upper bits; the C API
     * only compares it (the header uses 3.13's own EnterScope anyway). */
    return (uint64_t)PyInterpreterState_Get()->ceval.instrumentation_version;
#else
    return PyInterpreterState_Get()->monitoring_version;
#endif
}

/* The interpreter brackets its own callbacks' frames itself. */
void
pep669_monitor_callbacks_begin(PyThreadState *Py_UNUSED(ts),
                               int Py_UNUSED(event), int *Py_UNUSED(saved))
{
}

void
pep669_monitor_callbacks_end(PyThreadState *Py_UNUSED(ts),
                             const int *Py_UNUSED(saved))
{
}
