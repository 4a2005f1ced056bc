/* pep669._native: the functions of `monitoring` that differ from the
 * native ones.
 *
 * set_events, get_events, set_local_events, get_local_events,
 * register_callback, restart_events and _all_events translate the two bits
 * of BRANCH_LEFT/RIGHT and otherwise call the native function with the
 * caller's own arguments, so that errors and messages are native.
 * clear_tool_id is 3.14's. */
#include "native.h"

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
        return forward(pep669_nat.set_events, args, nargs, kwnames);
    }
    uint32_t ev = (uint32_t)events;
    uint32_t native_ev = (ev & EV_LR) ? ((ev & ~EV_LR) | EV_BRANCH) : ev;
    ToolState *ts = &pep669_nat_tools[tool];
    int instr = (ev & EV_INSTRUCTION) != 0;
    /* INSTRUCTION for the tool everywhere: first without the added local
     * INSTRUCTION, so that the locations disabled for waiting edges come
     * back as the interpreter adds the event. */
    int bounce = instr && !ts->global_instr && ts->instr_codes > 0;
    if (bounce && pep669_nat_wait_reinstrument(tool, NULL, 0) < 0) {
        return NULL;
    }
    PyObject *res = call_native(pep669_nat.set_events, "ii", tool,
                                (int)native_ev);
    if (bounce && pep669_nat_wait_reinstrument(tool, NULL, 1) < 0) {
        Py_XDECREF(res);
        return NULL;
    }
    if (res == NULL) {
        return NULL;
    }
    ts->global_lr = ev & EV_LR;
    ts->global_branch = (ev & EV_BRANCH) != 0;
    ts->global_instr = instr;
    if (pep669_nat_update_mux(tool) < 0 ||
        pep669_nat_wait_recheck(NULL) < 0 ||
        pep669_nat_wait_refresh(NULL) < 0) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

static PyObject *
w_get_events(PyObject *Py_UNUSED(m), PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    PyObject *res = forward(pep669_nat.get_events, args, nargs, kwnames);
    int tool;
    if (res == NULL || nargs < 1 || !read_int(args[0], &tool) ||
        tool < 0 || tool >= TOOLS || pep669_nat_tools[tool].global_lr == 0) {
        return res;
    }
    long ev = PyLong_AsLong(res);
    Py_DECREF(res);
    if (ev == -1 && PyErr_Occurred()) {
        return NULL;
    }
    ev &= ~(long)EV_BRANCH;
    if (pep669_nat_tools[tool].global_branch) {
        ev |= EV_BRANCH;
    }
    return PyLong_FromLong(ev | (long)pep669_nat_tools[tool].global_lr);
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
        return forward(pep669_nat.set_local_events, args, nargs, kwnames);
    }
    uint32_t ev = (uint32_t)events;
    uint32_t native_ev = (ev & EV_LR) ? ((ev & ~EV_LR) | EV_BRANCH) : ev;
    CodeData *cd = pep669_nat_code_data(args[1]);
    if (cd != NULL && cd->instr_on[tool] && (ev & EV_INSTRUCTION) &&
        !(cd->local_native[tool] & EV_INSTRUCTION)) {
        /* The tool asks for INSTRUCTION here itself: first without the
         * added one, so that the locations disabled for waiting edges come
         * back as the interpreter adds the event. */
        PyObject *res = call_native(pep669_nat.set_local_events, "iOi", tool,
                                    args[1], (int)(native_ev &
                                                   ~EV_INSTRUCTION));
        if (res == NULL) {
            return NULL;
        }
        Py_DECREF(res);
    }
    PyObject *res = call_native(
        pep669_nat.set_local_events, "iOi", tool, args[1],
        (int)pep669_nat_wait_local(tool, cd, native_ev));
    if (res == NULL) {
        return NULL;
    }
    if (cd == NULL && ev != 0) {
        cd = pep669_nat_code_data_ensure(args[1]);
        if (cd == NULL) {
            Py_DECREF(res);
            return NULL;
        }
    }
    if (cd == NULL) {
        return res;
    }
    cd->local_native[tool] = native_ev;
    pep669_nat_code_set_local(cd, tool, ev);
    int global = pep669_nat_update_mux(tool);
    if (global == 0) {
        global = pep669_nat_wait_recheck(cd);
    }
    if (global < 0 || pep669_nat_wait_refresh(global ? NULL : cd) < 0) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

static PyObject *
w_get_local_events(PyObject *Py_UNUSED(m), PyObject *const *args,
                   Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *res = forward(pep669_nat.get_local_events, args, nargs, kwnames);
    int tool;
    if (res == NULL || nargs != 2 || !read_int(args[0], &tool) ||
        tool < 0 || tool >= TOOLS || !PyCode_Check(args[1])) {
        return res;
    }
    CodeData *cd = pep669_nat_code_data(args[1]);
    int added = cd != NULL && cd->instr_on[tool] &&
                !(cd->local_native[tool] & EV_INSTRUCTION);
    if (cd == NULL || (cd->local_lr[tool] == 0 && !added)) {
        return res;
    }
    long ev = PyLong_AsLong(res);
    Py_DECREF(res);
    if (ev == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (added) {
        ev &= ~(long)EV_INSTRUCTION;
    }
    if (cd->local_lr[tool]) {
        ev &= ~(long)EV_BRANCH;
        if (cd->local_branch[tool]) {
            ev |= EV_BRANCH;
        }
        ev |= (long)cd->local_lr[tool] << PEP669_EV_BRANCH_LEFT;
    }
    return PyLong_FromLong(ev);
}

static PyObject *
w_register_callback(PyObject *Py_UNUSED(m), PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames)
{
    int tool, event;
    if (kwnames != NULL || nargs != 3 || !read_int(args[0], &tool) ||
        !read_int(args[1], &event)) {
        return forward(pep669_nat.register_callback, args, nargs, kwnames);
    }
    int known = tool >= 0 && tool < TOOLS;
    int held = known &&
               ((event == (int)EV_BRANCH && pep669_nat_tools[tool].mux) ||
                ((event == (int)EV_INSTRUCTION ||
                  event == (int)PEP669_BIT(LINE)) &&
                 pep669_nat_tools[tool].waits));
    if (event != (int)EV_LEFT && event != (int)EV_RIGHT && !held) {
        return forward(pep669_nat.register_callback, args, nargs, kwnames);
    }
    if (!valid_tool(tool)) {
        return NULL;
    }
    PyObject *func = args[2];
    if (PySys_Audit("sys.monitoring.register_callback", "O", func) < 0) {
        return NULL;
    }
    if (event == (int)EV_INSTRUCTION) {
        return pep669_nat_wait_register(tool, PEP669_EV_INSTRUCTION, func);
    }
    if (event == (int)PEP669_BIT(LINE)) {
        PyObject *old = pep669_nat_wait_register(tool, PEP669_EV_LINE, func);
        /* Edges waiting on its LINE event alone wait no longer without
         * a LINE callback. */
        int global = func == Py_None ? pep669_nat_wait_recheck(NULL) : 0;
        if (global < 0 || (global && pep669_nat_wait_refresh(NULL) < 0)) {
            Py_DECREF(old);
            return NULL;
        }
        return old;
    }
    ToolState *ts = &pep669_nat_tools[tool];
    PyObject **slot = event == (int)EV_LEFT ? &ts->left :
                      event == (int)EV_RIGHT ? &ts->right : &ts->branch;
    PyObject *old = *slot;
    *slot = func == Py_None ? NULL : Py_NewRef(func);
    if (pep669_nat_update_mux(tool) < 0) {
        Py_XDECREF(old);
        return NULL;
    }
    if (old == NULL) {
        Py_RETURN_NONE;
    }
    return old;
}

static PyObject *
w_restart_events(PyObject *Py_UNUSED(m), PyObject *const *args,
                 Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *res = forward(pep669_nat.restart_events, args, nargs, kwnames);
    if (res != NULL) {
        pep669_nat_epoch++;
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
    PyObject *res = forward(pep669_nat.all_events, args, nargs, kwnames);
    if (res == NULL || !PyDict_Check(res)) {
        return res;
    }
    long left = 0, right = 0, added = 0;
    for (int t = 0; t < TOOLS; t++) {
        const ToolState *ts = &pep669_nat_tools[t];
        if (ts->global_lr & EV_LEFT) {
            left |= 1L << t;
        }
        if (ts->global_lr & EV_RIGHT) {
            right |= 1L << t;
        }
        if (ts->global_lr && !ts->global_branch) {
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
    PyObject *name = call_native(pep669_nat.get_tool, "(i)", tool);
    if (name == NULL) {
        return NULL;
    }
    int in_use = name != Py_None;
    Py_DECREF(name);
    if (!in_use) {
        Py_RETURN_NONE;
    }
    /* Callbacks first, so that nothing fires while the events go. */
    ToolState *ts = &pep669_nat_tools[tool];
    PyInterpreterState *interp = PyInterpreterState_Get();
    for (int ev = 0; ev < _PY_MONITORING_EVENTS; ev++) {
        Py_CLEAR(interp->monitoring_callables[tool][ev]);
    }
    ts->mux = 0;
    ts->waits = 0;
    Py_CLEAR(ts->branch);
    Py_CLEAR(ts->left);
    Py_CLEAR(ts->right);
    Py_CLEAR(ts->instr);
    Py_CLEAR(ts->line);
    /* Its per-code state (DISABLEs, waiting edges) goes with its events. */
    ts->clears++;
    PyObject *res = call_native(pep669_nat.set_events, "ii", tool, 0);
    if (res == NULL) {
        return NULL;
    }
    Py_DECREF(res);
    ts->global_lr = 0;
    ts->global_branch = 0;
    ts->global_instr = 0;
    /* The codes first (new references), so that nothing the native calls
     * do can free one under the walk. */
    PyObject *codes = PyList_New(0);
    if (codes == NULL) {
        return NULL;
    }
    for (CodeData *cd = pep669_nat_local_codes; cd != NULL; cd = cd->next) {
        if ((cd->local_any[tool] || cd->instr_on[tool] ||
             cd->line_on[tool]) &&
            PyList_Append(codes, cd->code) < 0) {
            Py_DECREF(codes);
            return NULL;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes); i++) {
        PyObject *code = PyList_GET_ITEM(codes, i);
        res = call_native(pep669_nat.set_local_events, "iOi", tool, code, 0);
        if (res == NULL) {
            Py_DECREF(codes);
            return NULL;
        }
        Py_DECREF(res);
        CodeData *cd = pep669_nat_code_data(code);
        if (cd != NULL) {
            cd->local_native[tool] = 0;
            if (cd->instr_on[tool]) {
                cd->instr_on[tool] = 0;
                ts->instr_codes--;
            }
            if (cd->line_on[tool]) {
                cd->line_on[tool] = 0;
                ts->line_codes--;
            }
            pep669_nat_code_set_local(cd, tool, 0);
        }
    }
    Py_DECREF(codes);
    PEP669_ASSERT(ts->instr_codes == 0 && ts->line_codes == 0);
    if (pep669_nat_update_mux(tool) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* __text_signature__ as 3.13's (and 3.14's clear_tool_id): __doc__ None. */
#define SIG(name, params) name "($module" params ", /)\n--\n\n"
#define W(name, func, params) \
    {name, (PyCFunction)(void (*)(void))func, \
     METH_FASTCALL | METH_KEYWORDS, SIG(name, params)}

PyMethodDef pep669_nat_methods[] = {
    W("set_events", w_set_events, ", tool_id, event_set"),
    W("get_events", w_get_events, ", tool_id"),
    W("set_local_events", w_set_local_events, ", tool_id, code, event_set"),
    W("get_local_events", w_get_local_events, ", tool_id, code"),
    W("register_callback", w_register_callback, ", tool_id, event, func"),
    W("restart_events", w_restart_events, ""),
    W("_all_events", w_all_events, ""),
    {"clear_tool_id", (PyCFunction)clear_tool_id, METH_O,
     SIG("clear_tool_id", ", tool_id")},
    {NULL, NULL, 0, NULL}
};
