/* pep669._native: the mux, BRANCH_LEFT/RIGHT over the native BRANCH
 * event.
 *
 * A tool that uses LEFT/RIGHT (a LEFT/RIGHT callback registered, or
 * LEFT/RIGHT in its global or some local event set) has native BRANCH set
 * wherever it wants LEFT or RIGHT, and its mux as its native BRANCH
 * callback.  The mux classifies each native BRANCH event by its
 * destination (the fall-through instruction: LEFT; anything else: RIGHT)
 * and calls the tool's BRANCH callback (if the tool asked for BRANCH
 * itself) and then its LEFT or RIGHT callback.  DISABLE is kept per tool,
 * location and edge (native_code.c); the native location is disabled (the
 * mux returns DISABLE) once everything the tool wants there is disabled.
 * Tools that never use LEFT/RIGHT are untouched: the interpreter calls
 * their callbacks directly. */
#include "native.h"

ToolState pep669_nat_tools[TOOLS];
uint64_t pep669_nat_epoch = 1;
static PyObject *muxes[TOOLS];

PyObject **
pep669_nat_slot(int tool, int event)
{
    return &PyInterpreterState_Get()->monitoring_callables[tool][event];
}

static PyObject **
native_branch_slot(int tool)
{
    return pep669_nat_slot(tool, PEP669_EV_BRANCH);
}

int
pep669_nat_update_mux(int tool)
{
    ToolState *ts = &pep669_nat_tools[tool];
    PEP669_ASSERT(tool >= 0 && tool < TOOLS);
    PEP669_ASSERT(ts->local_lr_codes >= 0);
    /* The tool's own BRANCH callback is held here only while the mux is
     * in its slot. */
    PEP669_ASSERT(ts->mux || ts->branch == NULL);
    int want = ts->left != NULL || ts->right != NULL || ts->global_lr != 0 ||
               ts->local_lr_codes > 0;
    PyObject **slot = native_branch_slot(tool);
    if (want && !ts->mux) {
        ts->branch = *slot;                 /* reference moved */
        *slot = Py_NewRef(muxes[tool]);
        ts->mux = 1;
    }
    else if (!want && ts->mux) {
        if (pep669_nat_unwait(tool) < 0) {
            return -1;
        }
        PyObject *mux = *slot;
        *slot = ts->branch;                 /* reference moved */
        ts->branch = NULL;
        ts->mux = 0;
        Py_XDECREF(mux);
    }
    return 0;
}

static inline PyObject *
call3(PyObject *func, PyObject *const *args)
{
    return PyObject_Vectorcall(func, args, 3, NULL);
}

/* Call `cb` with `args`; a DISABLE result sets `bit` in *d.  A callback
 * that calls restart_events() voids what *d held before it (3.14 re-arms
 * the code there); its own DISABLE counts, as those of later callbacks
 * (3.14 disables the location when the callback returns, in the re-armed
 * code, as 3.12/3.13 do for BRANCH and LINE).  0, or -1 with an
 * exception. */
static int
call_noting_disable(PyObject *cb, PyObject *const *args, uint32_t bit,
                    uint32_t *d)
{
    uint64_t epoch = pep669_nat_epoch;
    PyObject *func = Py_NewRef(cb);
    PyObject *res = call3(func, args);
    Py_DECREF(func);
    if (epoch != pep669_nat_epoch) {
        *d = 0;
    }
    if (res == NULL) {
        return -1;
    }
    if (res == pep669_nat.disable) {
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

int
pep669_nat_done(int tool, const CodeData *cd, uint8_t st)
{
    const ToolState *ts = &pep669_nat_tools[tool];
    int want_branch = ts->global_branch || cd->local_branch[tool];
    uint8_t wanted_lr = (uint8_t)((ts->global_lr >> PEP669_EV_BRANCH_LEFT) |
                                  cd->local_lr[tool]);
    return all_disabled(st, want_branch, wanted_lr);
}

int
pep669_nat_report(int tool, CodeData *cd, long unit, uint8_t side,
                  PyObject *const *args)
{
    PEP669_ASSERT(cd->epoch == pep669_nat_epoch);
    PEP669_ASSERT(unit >= 0 && unit < cd->units);
    ToolState *ts = &pep669_nat_tools[tool];
    /* owned */
    PyObject *moved = NULL;
    PyObject *lr_args[3] = {args[0], args[1], args[2]};
    if (side == D_LEFT && cd->left_dest[unit] >= 0) {
        moved = PyLong_FromLong(cd->left_dest[unit]);
        if (moved == NULL) {
            return -1;
        }
        lr_args[2] = moved;
    }
    int want_branch = ts->global_branch || cd->local_branch[tool];
    uint8_t wanted_lr = (uint8_t)((ts->global_lr >> PEP669_EV_BRANCH_LEFT) |
                                  cd->local_lr[tool]);
    uint8_t *st = &cd->state[unit * TOOLS + tool];
    uint32_t d = *st & D_EDGES;
    *st |= SEEN(side);
    int err = deliver(ts, args, lr_args, want_branch, wanted_lr, side, &d);
    Py_XDECREF(moved);
    if (cd->epoch != pep669_nat_epoch) {
        /* A callback called restart_events(): the state starts again,
         * with the edge seen (the interpreter may disable a location at
         * its destination on return: it must not wait there) and what
         * the callbacks after the restart disabled. */
        if (pep669_nat_code_fresh(cd, tool) < 0) {
            return -1;
        }
        st = &cd->state[unit * TOOLS + tool];
        *st = (uint8_t)((*st & W_ANY) | SEEN(side));
    }
    *st = (uint8_t)((*st & ~D_EDGES) | d);
    return err;
}

/* Whether the event of edge `side` of the branch at `unit`, whose state
 * byte is `st`, is one the mux would drop and then return None for: the
 * edge seen and disabled, no BRANCH callback due, the branch not done
 * (everything disabled: DISABLE is due) and the other edge unable to
 * start waiting for want of a destination of its own.  These are the
 * half-disabled branches whose other edge ends where other code joins
 * (after an `if` without `else`, a loop's next test): the interpreter
 * keeps firing them on every pass, so they get the cheapest answer
 * (nothing allocated, no Python object touched).  Anything else, rare
 * or not, takes the mux's full path. */
static inline int
dropped(int tool, const CodeData *cd, long unit, uint8_t side, uint8_t st)
{
    if ((st & (W_ANY | side | SEEN(side))) != (side | SEEN(side))) {
        return 0;
    }
    const ToolState *ts = &pep669_nat_tools[tool];
    int want_branch = ts->global_branch || cd->local_branch[tool];
    if (want_branch && !(st & D_BRANCH) && ts->branch != NULL) {
        return 0;
    }
    if (pep669_nat_done(tool, cd, st)) {
        return 0;
    }
    uint8_t other = side ^ 3;
    if (cd->fall[unit] == 0 || (st & (SEEN(other) | other))) {
        return 1;
    }
    long dest = other == D_LEFT ? unit + cd->fall[unit] : cd->right_dest[unit];
    return dest < 0 || dest >= cd->units ||
           cd->pend[dest] != 2 * unit + (other == D_RIGHT);
}

/* The value of a compact int (the BRANCH event's offsets, the muxes'
 * tool numbers), or -1 for any other object. */
static inline long
small_value(PyObject *v)
{
    if (!PyLong_CheckExact(v) ||
        !PyUnstable_Long_IsCompact((PyLongObject *)v)) {
        return -1;
    }
    return (long)PyUnstable_Long_CompactValue((PyLongObject *)v);
}

/* The native BRANCH callback of a tool that uses LEFT/RIGHT:
 * (code, offset, destination). */
static PyObject *
mux(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs == 3 && PyCode_Check(args[0])) {
        /* The fast way out for an edge the tool has done with. */
        long src = small_value(args[1]), dest = small_value(args[2]);
        int tool = (int)small_value(self);
        CodeData *cd = src >= 0 && dest >= 0
                           ? pep669_nat_code_data(args[0]) : NULL;
        PEP669_ASSERT(tool >= 0 && tool < TOOLS);
        long unit = src / 2;
        if (cd != NULL && cd->state != NULL &&
            cd->epoch == pep669_nat_epoch &&
            cd->tool_epoch[tool] == pep669_nat_tools[tool].clears &&
            unit < cd->units) {
            long fall = cd->fall[unit] ? cd->fall[unit] : 1;
            uint8_t side = (dest == src + 2 * fall) ? D_LEFT : D_RIGHT;
            if (dropped(tool, cd, unit, side,
                        cd->state[unit * TOOLS + tool])) {
                Py_RETURN_NONE;
            }
        }
    }
    if (nargs != 3 || !PyCode_Check(args[0]) || !PyLong_Check(args[1]) ||
        !PyLong_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "pep669: unexpected BRANCH event arguments");
        return NULL;
    }
    int tool = (int)PyLong_AsLong(self);
    PEP669_ASSERT(tool >= 0 && tool < TOOLS);
    long src = PyLong_AsLong(args[1]);
    long dest = PyLong_AsLong(args[2]);
    CodeData *cd = pep669_nat_code_data_ensure(args[0]);
    if (cd == NULL || pep669_nat_code_fresh(cd, tool) < 0) {
        return NULL;
    }
    PEP669_ASSERT(cd->units > 0 && cd->fall != NULL &&
                  cd->left_dest != NULL);
    long unit = src / 2;
    if (src < 0 || unit >= cd->units) {
        PyErr_SetString(PyExc_SystemError,
                        "pep669: BRANCH event outside the code");
        return NULL;
    }
    long fall = cd->fall[unit] ? cd->fall[unit] : 1;
    uint8_t side = (dest == src + 2 * fall) ? D_LEFT : D_RIGHT;
    /* The interpreter's RIGHT edge goes where the bytecode says (events
     * fired from C through PyMonitoring_FireBranchEvent may not). */
    PEP669_ASSERT(cd->fall[unit] == 0 || side == D_LEFT ||
                  dest == 2L * cd->right_dest[unit]);
    uint8_t *wst = &cd->state[unit * TOOLS + tool];
    if (*wst & W_ANY) {
        /* Disabled here when its edge started waiting, and live again
         * (restart_events(), the tool's BRANCH taken out and put back):
         * the branch reports its edges again, the wait ends. */
        *wst &= (uint8_t)~W_ANY;
        cd->waiting[tool]--;
        PEP669_ASSERT(cd->waiting[tool] >= 0);
    }
    if (pep669_nat_report(tool, cd, unit, side, args) < 0) {
        return NULL;
    }
    uint8_t st = cd->state[unit * TOOLS + tool];
    if (pep669_nat_done(tool, cd, st)) {
        return Py_NewRef(pep669_nat.disable);
    }
    if (cd->fall[unit] != 0 && cd->epoch == pep669_nat_epoch) {
        int waits = pep669_nat_wait(tool, cd, unit, side ^ 3, st);
        if (waits < 0) {
            return NULL;
        }
        if (waits) {
            return Py_NewRef(pep669_nat.disable);
        }
    }
    Py_RETURN_NONE;
}

static PyMethodDef mux_def = {
    "_branch_mux", (PyCFunction)(void (*)(void))mux, METH_FASTCALL,
    "pep669: a tool's native BRANCH callback while it uses "
    "BRANCH_LEFT/BRANCH_RIGHT."
};

/* ---- the C API: BRANCH_LEFT/RIGHT fired from C ---- */

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
    int main = pep669_nat_in_main_interpreter();
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
        ToolState *ts = &pep669_nat_tools[tool];
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
        if (res == pep669_nat.disable) {
            *active &= (uint8_t)~(1u << tool);
        }
        Py_DECREF(res);
    }
    pep669_monitor_leave_callback(tstate);
    Py_DECREF(off);
    return err;
}

int
pep669_nat_branch_init(void)
{
    for (int t = 0; t < TOOLS; t++) {
        PyObject *self = PyLong_FromLong(t);
        muxes[t] = self == NULL ? NULL
                                : PyCFunction_NewEx(&mux_def, self, NULL);
        Py_XDECREF(self);
        if (muxes[t] == NULL) {
            return -1;
        }
    }
    return 0;
}
