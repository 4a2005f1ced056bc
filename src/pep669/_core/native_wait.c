/* pep669._native: waiting edges.
 *
 * The native BRANCH event fires on both edges of a branch, and DISABLE
 * turns off the whole location.  While a tool has disabled one edge (and
 * BRANCH, if it asked for it) but has never taken the other, every pass
 * through the disabled edge would still be a native BRANCH event, only to
 * be dropped by the mux.  Instead the other edge waits: the mux disables
 * the native location, and the edge is reported from its destination.
 *
 * That works where the destination is reached only through that edge
 * (CodeData.pend, from the bytecode: no other jump, fall-through or
 * exception handler leads there), so that the instruction there runs
 * exactly when the edge is taken.  Where the destination starts another
 * line and the tool has LINE there (its callback registered, the location
 * live), the tool's own LINE event reports the edge through the LINE mux
 * below, and nothing is added to the code (CodeData.line_on); the wait
 * ends (the branch reports again) if that LINE is disabled while the edge
 * still waits, or leaves the tool.  Elsewhere the tool's local event set
 * on the code gets the native INSTRUCTION event, with this file's INSTRUCTION mux as
 * the tool's INSTRUCTION callback: it returns DISABLE everywhere except at
 * destinations of waiting edges (so after one run of the code only those
 * stay instrumented), and it calls the tool's own INSTRUCTION callback
 * where the tool asked for INSTRUCTION itself.  The interpreter fires LINE
 * before INSTRUCTION at one instruction, while the branch's events come
 * before the destination's LINE: so the tool's LINE callback is called
 * through a LINE mux that reports a waiting edge first, and the
 * INSTRUCTION event after it does not report it again.
 *
 * An edge stays waiting until the tool disables it (then the branch is
 * done) or restart_events() runs (the interpreter re-enables the native
 * location; every state bit goes).  A tool that asks for INSTRUCTION on
 * the code (or globally) does not start waiting there; if it asks later,
 * the added INSTRUCTION is taken out and put back around its change, so
 * that every location is live again as it would be natively.
 *
 * CPython 3.12/3.13 forget a tool's INSTRUCTION events on a code when the
 * code comes to have two tools for one event (its per-instruction tool
 * table starts empty then).  So after every change of event sets through
 * this module the added INSTRUCTION is taken out and put back on the codes
 * that have it, which lets the interpreter make the table first and then
 * add the tool to it.  Changes that do not come through this module (the
 * interpreter's own sys.monitoring, sys.settrace, sys.setprofile) are not
 * seen: docs/differences.md. */
#include "native.h"
#include <internal/pycore_frame.h>
#include <opcode.h>

/* Where the frame is while the interpreter's branch events run: 3.12 at
 * the destination ("the event occurs after the jump", where the events
 * that report a waiting edge run too), 3.13 at the branch (3.14 too).  So
 * on 3.13 a waiting edge's callbacks see the frame at the branch
 * (f_lineno, f_lasti), its instruction pointer there meanwhile, unless a
 * callback moved it (f_lineno set). */
#if PY_VERSION_HEX >= 0x030D0000
static _PyInterpreterFrame *
frame_to_branch(CodeData *cd, long src, _Py_CODEUNIT **saved)
{
    PyFrameObject *frame = PyEval_GetFrame();           /* borrowed */
    _PyInterpreterFrame *iframe = NULL;
    if (frame != NULL) {
        PyCodeObject *fcode = PyFrame_GetCode(frame);
        if ((PyObject *)fcode == cd->code) {
            iframe = frame->f_frame;
            *saved = iframe->instr_ptr;
            iframe->instr_ptr = _PyCode_CODE(fcode) + src;
        }
        Py_DECREF(fcode);
    }
    return iframe;
}

static void
frame_back(_PyInterpreterFrame *iframe, CodeData *cd, long src,
           _Py_CODEUNIT *saved)
{
    if (iframe != NULL &&
        iframe->instr_ptr == _PyCode_CODE((PyCodeObject *)cd->code) + src) {
        iframe->instr_ptr = saved;
    }
}
#else
static _PyInterpreterFrame *
frame_to_branch(CodeData *Py_UNUSED(cd), long Py_UNUSED(src),
                _Py_CODEUNIT **Py_UNUSED(saved))
{
    return NULL;
}

static void
frame_back(_PyInterpreterFrame *Py_UNUSED(iframe), CodeData *Py_UNUSED(cd),
           long Py_UNUSED(src), _Py_CODEUNIT *Py_UNUSED(saved))
{
}
#endif

static PyObject *instr_muxes[TOOLS];
static PyObject *line_muxes[TOOLS];

/* Per thread and tool: the code and unit whose waiting edge the LINE mux
 * just reported (the INSTRUCTION event at that instruction comes next). */
static PEP669_THREAD_LOCAL PyObject *line_code[TOOLS];
static PEP669_THREAD_LOCAL long line_unit[TOOLS];

static int
set_native_local(int tool, PyObject *code, uint32_t events)
{
    PyObject *res = PyObject_CallFunction(pep669_nat.set_local_events, "iOI",
                                          tool, code, (unsigned int)events);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

uint32_t
pep669_nat_wait_local(int tool, CodeData *cd, uint32_t native_ev)
{
    return cd != NULL && cd->instr_on[tool] ? native_ev | EV_INSTRUCTION
                                            : native_ev;
}

/* The INSTRUCTION and LINE muxes into the tool's slots. */
static void
install(int tool)
{
    ToolState *ts = &pep669_nat_tools[tool];
    if (ts->waits) {
        return;
    }
    PyObject **islot = pep669_nat_slot(tool, PEP669_EV_INSTRUCTION);
    PyObject **lslot = pep669_nat_slot(tool, PEP669_EV_LINE);
    ts->instr = *islot;                         /* reference moved */
    *islot = Py_NewRef(instr_muxes[tool]);
    ts->line = *lslot;                          /* reference moved */
    if (ts->line != NULL) {
        *lslot = Py_NewRef(line_muxes[tool]);
    }
    ts->waits = 1;
}

PyObject *
pep669_nat_wait_register(int tool, int event, PyObject *func)
{
    ToolState *ts = &pep669_nat_tools[tool];
    PEP669_ASSERT(ts->waits);
    PyObject *f = func == Py_None ? NULL : Py_NewRef(func);
    PyObject *old;
    if (event == PEP669_EV_INSTRUCTION) {
        old = ts->instr;
        ts->instr = f;
    }
    else {
        PEP669_ASSERT(event == PEP669_EV_LINE);
        old = ts->line;
        ts->line = f;
        PyObject **lslot = pep669_nat_slot(tool, PEP669_EV_LINE);
        PyObject *prev = *lslot;
        *lslot = f != NULL ? Py_NewRef(line_muxes[tool]) : NULL;
        Py_XDECREF(prev);
    }
    return old != NULL ? old : Py_NewRef(Py_None);
}

/* The tools that may have `event` at the code (global or local sets, the
 * legacy tracer's and profiler's tools included), but the INSTRUCTION
 * added here for waiting edges. */
static uint8_t
tools_with(CodeData *cd, int event)
{
    uint8_t tools = PyInterpreterState_Get()->monitors.tools[event];
    const _PyCoMonitoringData *mon = ((PyCodeObject *)cd->code)->_co_monitoring;
    if (mon == NULL) {
        return tools;
    }
    uint8_t local = mon->local_monitors.tools[event];
    if (event == PEP669_EV_INSTRUCTION) {
        for (int t = 0; t < TOOLS; t++) {
            if (cd->instr_on[t] && !(cd->local_native[t] & EV_INSTRUCTION)) {
                local &= (uint8_t)~(1u << t);
            }
        }
    }
    return (uint8_t)(tools | local);
}

/* Whether another tool's event may come before the tool's own report of
 * the edge from `src` at `dest`: 3.14 fires the edge at the branch, for
 * each tool (the highest first), before anything at its destination,
 * while the interpreter fires the lower tools' BRANCH at the branch, then
 * every tool's LINE at the destination (the highest tool first) and then
 * the INSTRUCTION events, from which a waiting edge is reported (or from
 * the tool's own LINE, which a DISABLE may have turned off there).  So no
 * tool below may have BRANCH (its edge would come first), no other tool
 * LINE where the destination starts another line, no tool above
 * INSTRUCTION. */
static int
others_first(int tool, CodeData *cd, long src, long dest)
{
    uint8_t above = (uint8_t)(0xFFu << (tool + 1));
    uint8_t below = (uint8_t)((1u << tool) - 1);
    if ((tools_with(cd, PEP669_EV_INSTRUCTION) & above) ||
        (tools_with(cd, PEP669_EV_BRANCH) & below)) {
        return 1;
    }
    if (!(tools_with(cd, PEP669_EV_LINE) & (uint8_t)~(1u << tool))) {
        return 0;
    }
    PyCodeObject *co = (PyCodeObject *)cd->code;
    int line = PyCode_Addr2Line(co, (int)(2 * dest));
    return line >= 0 && line != PyCode_Addr2Line(co, (int)(2 * src));
}

/* Whether the tool's LINE event reaches the LINE mux at `dest` whenever
 * the program gets there from `src` (the destination starts another line
 * and the tool has LINE there: its callback registered, LINE in its
 * global or local set).  Reads the code's instrumentation, up to date
 * while the code runs (the interpreter instruments every running code at
 * a change of event sets). */
static int
line_kept(int tool, CodeData *cd, long src, long dest)
{
    const ToolState *ts = &pep669_nat_tools[tool];
    if ((ts->waits ? ts->line : *pep669_nat_slot(tool, PEP669_EV_LINE)) ==
        NULL) {
        return 0;
    }
    PyCodeObject *co = (PyCodeObject *)cd->code;
    uint8_t bit = (uint8_t)(1u << tool);
    const _PyCoMonitoringData *mon = co->_co_monitoring;
    if (!(PyInterpreterState_Get()->monitors.tools[PEP669_EV_LINE] & bit) &&
        (mon == NULL || !(mon->local_monitors.tools[PEP669_EV_LINE] & bit))) {
        return 0;
    }
    int line = PyCode_Addr2Line(co, (int)(2 * dest));
    return line >= 0 && line != PyCode_Addr2Line(co, (int)(2 * src));
}

/* The same, and the location at `dest` live for the tool now: the edge
 * can wait there on the tool's LINE event alone (no location of the
 * destination can have been disabled since it last ran, which only the
 * edge leads to, but the tool may have disabled it before its state was
 * void: clear_tool_id, LEFT/RIGHT dropped and used again). */
static int
line_live(int tool, CodeData *cd, long src, long dest)
{
    PyCodeObject *co = (PyCodeObject *)cd->code;
    const _PyCoMonitoringData *mon = co->_co_monitoring;
    if (mon == NULL || mon->lines == NULL ||
        !line_kept(tool, cd, src, dest)) {
        return 0;
    }
    int op = _PyCode_CODE(co)[dest].op.code;
    if (op == INSTRUMENTED_INSTRUCTION) {
        if (mon->per_instruction_opcodes == NULL) {
            return 0;
        }
        op = mon->per_instruction_opcodes[dest];
    }
    if (op != INSTRUMENTED_LINE) {
        return 0;
    }
    uint8_t tools = mon->line_tools != NULL
                        ? mon->line_tools[dest]
                        : (uint8_t)(PyInterpreterState_Get()->monitors.tools[
                                        PEP669_EV_LINE] |
                                    mon->local_monitors.tools[PEP669_EV_LINE]);
    return (tools & (1u << tool)) != 0;
}

int
pep669_nat_wait(int tool, CodeData *cd, long unit, uint8_t side, uint8_t st)
{
    ToolState *ts = &pep669_nat_tools[tool];
    uint8_t taken = side ^ 3;
    uint8_t wanted_lr = (uint8_t)((ts->global_lr >> PEP669_EV_BRANCH_LEFT) |
                                  cd->local_lr[tool]);
    int want_branch = ts->global_branch || cd->local_branch[tool];
    if ((st & (WAIT(side) | SEEN(side) | side)) || !(wanted_lr & side) ||
        ((wanted_lr & taken) && !(st & taken)) ||
        (want_branch && !(st & D_BRANCH)) ||
        ts->global_instr || (cd->local_native[tool] & EV_INSTRUCTION)) {
        return 0;
    }
    long dest = side == D_LEFT ? unit + cd->fall[unit] : cd->right_dest[unit];
    if (dest < 0 || dest >= cd->units ||
        cd->pend[dest] != 2 * unit + (side == D_RIGHT) ||
        others_first(tool, cd, unit, dest)) {
        return 0;
    }
    if (line_live(tool, cd, unit, dest)) {
        /* Reported by the LINE mux, which comes first anyway: nothing
         * added to the code (the native INSTRUCTION would fire once at
         * every instruction of it and deoptimize them). */
        if (!cd->line_on[tool]) {
            cd->line_on[tool] = 1;
            ts->line_codes++;
            pep669_nat_code_relink(cd);
        }
    }
    else if (!cd->instr_on[tool]) {
        if (set_native_local(tool, cd->code,
                             cd->local_native[tool] | EV_INSTRUCTION) < 0) {
            return -1;
        }
        cd->instr_on[tool] = 1;
        ts->instr_codes++;
        pep669_nat_code_relink(cd);
    }
    install(tool);
    cd->state[unit * TOOLS + tool] |= WAIT(side);
    cd->waiting[tool]++;
    return 1;
}

/* Report the waiting edge of the branch at `src` whose destination `dest`
 * the program has reached.  0, or -1 with an exception. */
static int
report_waiting(int tool, CodeData *cd, long src, uint8_t side, long dest)
{
    PyObject *off = PyLong_FromLong(2 * src);
    PyObject *to = off == NULL ? NULL : PyLong_FromLong(2 * dest);
    if (to == NULL) {
        Py_XDECREF(off);
        return -1;
    }
    PyObject *args[3] = {cd->code, off, to};
    _Py_CODEUNIT *saved = NULL;
    _PyInterpreterFrame *iframe = frame_to_branch(cd, src, &saved);
    int err = pep669_nat_report(tool, cd, src, side, args);
    if (err == 0) {
        /* (an exception leaves the frame at the branch, the traceback's
         * place as the interpreter's BRANCH event leaves it: the handler
         * is looked up from the destination all the same) */
        frame_back(iframe, cd, src, saved);
    }
    Py_DECREF(off);
    Py_DECREF(to);
    if (err < 0 || cd->epoch != pep669_nat_epoch) {
        return err;
    }
    uint8_t *st = &cd->state[src * TOOLS + tool];
    const ToolState *ts = &pep669_nat_tools[tool];
    uint8_t wanted_lr = (uint8_t)((ts->global_lr >> PEP669_EV_BRANCH_LEFT) |
                                  cd->local_lr[tool]);
    if ((*st & WAIT(side)) && ((*st & side) || !(wanted_lr & side))) {
        *st &= (uint8_t)~WAIT(side);
        cd->waiting[tool]--;
        PEP669_ASSERT(cd->waiting[tool] >= 0);
    }
    return 0;
}

/* If `unit` of the code is the destination of a waiting edge of the tool:
 * report it (unless `skip`) and return 1 while it still waits; else mark
 * the edge that leads there (if one alone does) as seen, and return 0.
 * -1 with an exception. */
static int
arrive(int tool, CodeData *cd, long unit, int skip)
{
    if (unit < 0 || unit >= cd->units || cd->pend[unit] < 0) {
        return 0;
    }
    long src = cd->pend[unit] >> 1;
    uint8_t side = (cd->pend[unit] & 1) ? D_RIGHT : D_LEFT;
    uint8_t *st = &cd->state[src * TOOLS + tool];
    if (!(*st & WAIT(side))) {
        /* The edge was taken (nothing else leads here): never wait for it
         * from now on, since this location may be disabled below. */
        *st |= SEEN(side);
        return 0;
    }
    if (!skip && report_waiting(tool, cd, src, side, unit) < 0) {
        return -1;
    }
    return cd->epoch == pep669_nat_epoch &&
           (cd->state[src * TOOLS + tool] & WAIT(side)) != 0;
}

/* The tool's native INSTRUCTION callback while it waits: (code, offset). */
static PyObject *
instr_mux(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyCode_Check(args[0]) || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "pep669: unexpected INSTRUCTION event arguments");
        return NULL;
    }
    int tool = (int)PyLong_AsLong(self);
    PEP669_ASSERT(tool >= 0 && tool < TOOLS);
    ToolState *ts = &pep669_nat_tools[tool];
    PyObject *code = args[0];
    long unit = PyLong_AsLong(args[1]) / 2;
    CodeData *cd = pep669_nat_code_data(code);
    int skip = line_code[tool] == code && line_unit[tool] == unit;
    line_code[tool] = NULL;
    int need = 0;
    uint8_t *ust = NULL;
    if (cd != NULL && cd->state != NULL) {
        if (pep669_nat_code_fresh(cd, tool) < 0) {
            return NULL;
        }
        need = arrive(tool, cd, unit, skip);
        if (need < 0) {
            return NULL;
        }
        if (unit >= 0 && unit < cd->units) {
            ust = &cd->state[unit * TOOLS + tool];
        }
    }
    int own = ts->global_instr ||
              (cd != NULL && (cd->local_native[tool] & EV_INSTRUCTION));
    if (own && !(ust != NULL && (*ust & D_INSTR))) {
        if (ts->instr == NULL) {
            /* As natively: no callback, nothing called, nothing
             * disabled. */
            Py_RETURN_NONE;
        }
        PyObject *cb = Py_NewRef(ts->instr);
        PyObject *res = PyObject_Vectorcall(cb, args, 2, NULL);
        Py_DECREF(cb);
        if (res == NULL) {
            return NULL;
        }
        if (res != pep669_nat.disable) {
            Py_DECREF(res);
            Py_RETURN_NONE;
        }
        Py_DECREF(res);
        if (!need) {
            return Py_NewRef(pep669_nat.disable);
        }
        *ust |= D_INSTR;
    }
    if (need) {
        Py_RETURN_NONE;
    }
    return Py_NewRef(pep669_nat.disable);
}

static int end_line_wait(int tool, CodeData *cd, long dest);

/* The tool's native LINE callback while it waits and has one: a waiting
 * edge whose destination starts the line is reported first.  Where the
 * edge still waits after that and the tool's callback disables the line,
 * the edge waits no longer unless the native INSTRUCTION added to the
 * code reports it. */
static PyObject *
line_mux(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int tool = (int)PyLong_AsLong(self);
    PEP669_ASSERT(tool >= 0 && tool < TOOLS);
    ToolState *ts = &pep669_nat_tools[tool];
    PyObject *code = nargs >= 1 ? args[0] : NULL;
    CodeData *cd = code != NULL && PyCode_Check(code)
                       ? pep669_nat_code_data(code) : NULL;
    line_code[tool] = NULL;
    if (cd != NULL && cd->state != NULL && cd->waiting[tool] > 0) {
        if (pep669_nat_code_fresh(cd, tool) < 0) {
            return NULL;
        }
        PyFrameObject *frame = PyEval_GetFrame();     /* borrowed */
        PyCodeObject *fcode = frame ? PyFrame_GetCode(frame) : NULL;
        int here = (PyObject *)fcode == code;
        Py_XDECREF(fcode);
        if (here && cd->waiting[tool] > 0) {
            long unit = PyFrame_GetLasti(frame) / 2;
            int still = arrive(tool, cd, unit, 0);
            if (still < 0) {
                return NULL;
            }
            if (still) {
                line_code[tool] = code;
                line_unit[tool] = unit;
            }
        }
    }
    if (ts->line == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *cb = Py_NewRef(ts->line);
    PyObject *res = PyObject_Vectorcall(cb, args, (size_t)nargs, NULL);
    Py_DECREF(cb);
    if (res == NULL) {
        line_code[tool] = NULL;
    }
    else if (res == pep669_nat.disable && line_code[tool] == code &&
             !cd->instr_on[tool] && end_line_wait(tool, cd, line_unit[tool])
                                        < 0) {
        Py_CLEAR(res);
    }
    return res;
}

static PyMethodDef instr_mux_def = {
    "_instruction_mux", (PyCFunction)(void (*)(void))instr_mux,
    METH_FASTCALL,
    "pep669: a tool's native INSTRUCTION callback while BRANCH_LEFT/RIGHT "
    "edges of it wait at their destinations."
};

static PyMethodDef line_mux_def = {
    "_line_mux", (PyCFunction)(void (*)(void))line_mux, METH_FASTCALL,
    "pep669: a tool's native LINE callback while BRANCH_LEFT/RIGHT edges "
    "of it wait at their destinations."
};

/* The codes where the tool has the added INSTRUCTION (new references);
 * with `lines`, those where edges of it wait on its LINE event too. */
static PyObject *
wait_codes(int tool, int lines)
{
    PyObject *codes = PyList_New(0);
    if (codes == NULL) {
        return NULL;
    }
    for (CodeData *cd = pep669_nat_local_codes; cd != NULL; cd = cd->next) {
        if ((cd->instr_on[tool] || (lines && cd->line_on[tool])) &&
            PyList_Append(codes, cd->code) < 0) {
            Py_DECREF(codes);
            return NULL;
        }
    }
    return codes;
}

int
pep669_nat_wait_reinstrument(int tool, CodeData *only, int put_back)
{
    PyObject *codes = NULL;
    if (only == NULL) {
        codes = wait_codes(tool, 0);
        if (codes == NULL) {
            return -1;
        }
    }
    Py_ssize_t n = codes ? PyList_GET_SIZE(codes) : 1;
    int err = 0;
    for (Py_ssize_t i = 0; i < n && err == 0; i++) {
        CodeData *cd = codes ? pep669_nat_code_data(
                                   PyList_GET_ITEM(codes, i)) : only;
        if (cd == NULL || !cd->instr_on[tool]) {
            continue;
        }
        uint32_t ev = cd->local_native[tool];
        err = set_native_local(tool, cd->code,
                               put_back ? ev | EV_INSTRUCTION : ev);
    }
    Py_XDECREF(codes);
    return err;
}

int
pep669_nat_wait_refresh(CodeData *only)
{
    for (int t = 0; t < TOOLS; t++) {
        if (pep669_nat_tools[t].instr_codes == 0 ||
            (only != NULL && !only->instr_on[t])) {
            continue;
        }
        if (pep669_nat_wait_reinstrument(t, only, 0) < 0 ||
            pep669_nat_wait_reinstrument(t, only, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The tool's native BRANCH locations on the code live again (the mux
 * disables those it is done with at their next event): the event taken
 * out of the tool's set on the code and put back, the interpreter adding
 * it at every location then.  Taking out a global BRANCH is seen by the
 * code only when it is instrumented again, which a change of the tool's
 * local set there does at once (a passing one: PY_START toggled).  0, 1
 * (the tool's global set was changed and put back: the codes that run
 * were instrumented too), or -1 with an exception. */
static int
rearm_branches(int tool, CodeData *cd)
{
    uint32_t cur = pep669_nat_wait_local(tool, cd, cd->local_native[tool]);
    uint32_t global = PyInterpreterState_Get()->monitors.tools[
        PEP669_EV_BRANCH] & (1u << tool) ? EV_BRANCH : 0;
    if (!global) {
        return set_native_local(tool, cd->code, cur & ~EV_BRANCH) < 0 ||
               set_native_local(tool, cd->code, cur) < 0 ? -1 : 0;
    }
    PyObject *res = PyObject_CallFunction(pep669_nat.get_events, "i", tool);
    long g = res == NULL ? -1 : PyLong_AsLong(res);
    Py_XDECREF(res);
    if (g == -1) {
        return -1;
    }
    uint32_t toggled = cur ^ PEP669_BIT(PY_START);
    res = PyObject_CallFunction(pep669_nat.set_events, "il", tool,
                                g & ~(long)EV_BRANCH);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    /* The tool's global set is put back whatever happened (with the
     * local change's error aside meanwhile: the put-back's own error, if
     * any, has it as its context). */
    PyObject *first = set_native_local(tool, cd->code, toggled) < 0
                          ? PyErr_GetRaisedException() : NULL;
    res = PyObject_CallFunction(pep669_nat.set_events, "il", tool, g);
    if (first != NULL) {
        if (res == NULL) {
            PyObject *second = PyErr_GetRaisedException();
            PyException_SetContext(second, first);
            PyErr_SetRaisedException(second);
        }
        else {
            Py_DECREF(res);
            PyErr_SetRaisedException(first);
        }
        return -1;
    }
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return set_native_local(tool, cd->code, cur) < 0 ? -1 : 1;
}

/* The tool's waiting edges on the code whose report other tools' events
 * would now precede (others_first: their event sets changed) wait no
 * longer: the branch reports them again.  As rearm_branches returns. */
static int
recheck_code(int tool, CodeData *cd)
{
    if (cd->waiting[tool] <= 0 || cd->state == NULL ||
        cd->epoch != pep669_nat_epoch ||
        cd->tool_epoch[tool] != pep669_nat_tools[tool].clears) {
        return 0;
    }
    int ended = 0;
    for (long u = 0; u < cd->units; u++) {
        uint8_t *st = &cd->state[u * TOOLS + tool];
        for (uint8_t side = D_LEFT; side <= D_RIGHT; side++) {
            if (!(*st & WAIT(side))) {
                continue;
            }
            long dest = side == D_LEFT ? u + cd->fall[u] : cd->right_dest[u];
            if (others_first(tool, cd, u, dest) ||
                (!cd->instr_on[tool] && !line_kept(tool, cd, u, dest))) {
                /* Never to wait again: as if seen (the mux checks). */
                *st = (uint8_t)((*st & ~WAIT(side)) | SEEN(side));
                cd->waiting[tool]--;
                ended = 1;
            }
        }
    }
    PEP669_ASSERT(cd->waiting[tool] >= 0);
    return ended ? rearm_branches(tool, cd) : 0;
}

/* The edge leading to `dest` of the code waits on the tool's LINE event
 * there alone, which its callback is disabling: the edge waits no longer
 * (its branch reports it again).  0, or -1 with an exception. */
static int
end_line_wait(int tool, CodeData *cd, long dest)
{
    if (cd->epoch != pep669_nat_epoch ||
        cd->tool_epoch[tool] != pep669_nat_tools[tool].clears ||
        dest < 0 || dest >= cd->units || cd->pend[dest] < 0) {
        return 0;
    }
    long src = cd->pend[dest] >> 1;
    uint8_t side = (cd->pend[dest] & 1) ? D_RIGHT : D_LEFT;
    uint8_t *st = &cd->state[src * TOOLS + tool];
    if (!(*st & WAIT(side))) {
        return 0;
    }
    *st = (uint8_t)((*st & ~WAIT(side)) | SEEN(side));
    cd->waiting[tool]--;
    PEP669_ASSERT(cd->waiting[tool] >= 0);
    int r = rearm_branches(tool, cd);
    return r < 0 ? -1 : r > 0 ? pep669_nat_wait_refresh(NULL) : 0;
}

int
pep669_nat_wait_recheck(CodeData *only)
{
    int global = 0;
    for (int t = 0; t < TOOLS; t++) {
        if ((pep669_nat_tools[t].instr_codes == 0 &&
             pep669_nat_tools[t].line_codes == 0) ||
            (only != NULL && !only->instr_on[t] && !only->line_on[t])) {
            continue;
        }
        if (only != NULL) {
            int r = recheck_code(t, only);
            if (r < 0) {
                return -1;
            }
            global |= r;
            continue;
        }
        PyObject *codes = wait_codes(t, 1);
        if (codes == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes); i++) {
            CodeData *cd = pep669_nat_code_data(PyList_GET_ITEM(codes, i));
            int r = cd == NULL ? 0 : recheck_code(t, cd);
            if (r < 0) {
                Py_DECREF(codes);
                return -1;
            }
            global |= r;
        }
        Py_DECREF(codes);
    }
    return global;
}

int
pep669_nat_unwait(int tool)
{
    ToolState *ts = &pep669_nat_tools[tool];
    if (ts->instr_codes > 0 || ts->line_codes > 0) {
        PyObject *codes = wait_codes(tool, 1);
        if (codes == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes); i++) {
            CodeData *cd = pep669_nat_code_data(PyList_GET_ITEM(codes, i));
            if (cd != NULL && cd->line_on[tool]) {
                cd->line_on[tool] = 0;
                ts->line_codes--;
                pep669_nat_code_relink(cd);
            }
            if (cd == NULL || !cd->instr_on[tool]) {
                continue;
            }
            if (set_native_local(tool, cd->code,
                                 cd->local_native[tool]) < 0) {
                Py_DECREF(codes);
                return -1;
            }
            cd->instr_on[tool] = 0;
            ts->instr_codes--;
            pep669_nat_code_relink(cd);
        }
        Py_DECREF(codes);
    }
    PEP669_ASSERT(ts->instr_codes == 0 && ts->line_codes == 0);
    if (ts->waits) {
        PyObject **islot = pep669_nat_slot(tool, PEP669_EV_INSTRUCTION);
        PyObject **lslot = pep669_nat_slot(tool, PEP669_EV_LINE);
        PyObject *old_i = *islot, *old_l = *lslot;
        *islot = ts->instr;                     /* references moved */
        *lslot = ts->line;
        ts->instr = ts->line = NULL;
        ts->waits = 0;
        Py_XDECREF(old_i);
        Py_XDECREF(old_l);
    }
    /* The waiting states are void: the native BRANCH locations they
     * disabled stay so, as the tool had disabled the rest there. */
    ts->clears++;
    return 0;
}

int
pep669_nat_wait_init(void)
{
    for (int t = 0; t < TOOLS; t++) {
        PyObject *self = PyLong_FromLong(t);
        if (self == NULL) {
            return -1;
        }
        instr_muxes[t] = PyCFunction_NewEx(&instr_mux_def, self, NULL);
        line_muxes[t] = PyCFunction_NewEx(&line_mux_def, self, NULL);
        Py_DECREF(self);
        if (instr_muxes[t] == NULL || line_muxes[t] == NULL) {
            return -1;
        }
    }
    return 0;
}
