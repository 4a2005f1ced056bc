/* Clones, 3.8-3.10: a frame running a patched copy of its code whose
 * probed locations jump to stubs that call probe objects (line probes,
 * branch-edge probes, call probes); the stack depths that say where a stub
 * fits; the f_lineno setter tried on a copy of a probed frame.  Contract:
 * backend/README.md. */
#ifndef PEP669_CLONE_C_H
#define PEP669_CLONE_C_H

#include <structmember.h>   /* PyMemberDef, PyMember_GetOne (f_code) */

/* bytes per unit of a jump's argument */
#ifndef PEP669_JUMP_UNIT
#  error "clone.c.h needs PEP669_JUMP_UNIT (backend/README.md)"
#endif
/* the line table PyCode_New takes */
#ifndef PEP669_CODE_LINETABLE
#  error "clone.c.h needs PEP669_CODE_LINETABLE(co) (backend/README.md)"
#endif
/* 1: the evaluator reads f_code before the run's 'call' event (3.10) */
#ifndef PEP669_CODE_READ_BEFORE_CALL
#  error "clone.c.h needs PEP669_CODE_READ_BEFORE_CALL (backend/README.md)"
#endif
#if !defined(PEP669_LASTI) || !defined(PEP669_SET_LASTI) || \
    !defined(PEP669_FORWARD_JUMP_LINES)
#  error "clone.c.h needs PEP669_LASTI, _SET_LASTI and _FORWARD_JUMP_LINES"
#endif
#if !defined(PEP669_HOOK_C_H) || !defined(PEP669_BYTECODE_C_H)
#  error "clone.c.h needs hook.c.h and bytecode.c.h first"
#endif

int
pep669_backend_probes_supported(void)
{
    return prev_eval == _PyEval_EvalFrameDefault;
}

int
pep669_backend_clone_for_run(void)
{
    return 0;
}

/* A clone's last constant: a capsule (of this name, compared by pointer)
 * holding its original, borrowed: a clone is only ever a running frame's
 * f_code while that frame, which holds the original, runs it (from its
 * start to its first trace event or probe, a window, or, on a call clone,
 * for the whole run). */
static const char clone_mark[] = "pep669.clone";
static int clones_made = 0;

PyCodeObject *
pep669_backend_own_code(PyCodeObject *co)
{
    if (PEP669_LIKELY(!clones_made)) {
        return co;
    }
    PyObject *consts = co->co_consts;
    Py_ssize_t n = consts != NULL && PyTuple_Check(consts)
                       ? PyTuple_GET_SIZE(consts) : 0;
    if (n > 0) {
        PyObject *last = PyTuple_GET_ITEM(consts, n - 1);
        if (Py_TYPE(last) == &PyCapsule_Type &&
            PyCapsule_GetName(last) == clone_mark) {
            return (PyCodeObject *)PyCapsule_GetPointer(last, clone_mark);
        }
    }
    return co;
}

/* frame.f_code: the code itself for a frame that runs its clone, as on
 * 3.11 (py311_clone.h).  3.8-3.10 make f_code a member: it becomes a
 * getset descriptor that reads the member (with the member descriptor's
 * audit event, object.__getattr__) and shows the original (installed with
 * the first clone). */
static PyMemberDef *code_member = NULL;
static PyObject *code_member_descr = NULL;
static PyGetSetDef code_def;

static PyObject *
frame_code_get(PyObject *self, void *closure)
{
    (void)closure;
    /* (the member descriptor's own audit: f_code is READ_RESTRICTED) */
    if ((code_member->flags & READ_RESTRICTED) &&
        PySys_Audit("object.__getattr__", "Os", self, code_member->name) <
            0) {
        return NULL;
    }
    return pep669_backend_own_code_ref(
        PyMember_GetOne((const char *)self, code_member));
}

static int
wrap_code_getter(void)
{
    if (code_member != NULL) {
        return 0;
    }
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict, "f_code");
    if (descr == NULL || Py_TYPE(descr) != &PyMemberDescr_Type) {
        PyErr_SetString(PyExc_SystemError, "frame.f_code not found");
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    code_def.name = member->name;
    code_def.get = frame_code_get;
    code_def.set = NULL;
    code_def.doc = member->doc;
    code_def.closure = NULL;
    /* owned */
    PyObject *ours = PyDescr_NewGetSet(&PyFrame_Type, &code_def);
    if (ours == NULL) {
        return -1;
    }
    code_member = member;
    code_member_descr = Py_NewRef(descr);
    int err = PyDict_SetItemString(PyFrame_Type.tp_dict, "f_code", ours);
    Py_DECREF(ours);
    PyType_Modified(&PyFrame_Type);
    return err;
}

int
pep669_backend_code_read_before_call(void)
{
    return PEP669_CODE_READ_BEFORE_CALL;
}

void
pep669_backend_frame_set_code(Pep669Frame *frame, PyCodeObject *co)
{
    /* The frame keeps its reference to its own code; a clone is kept
     * alive by the hook's record while it is here. */
    FRAME(frame)->f_code = co;
}

/* The frame's last instruction: the one before `at` (bytes), or none
 * (f_lasti -1, before the first instruction) where `at` is 0. */
static inline void
entry_lasti(PyFrameObject *f, int at)
{
    if (at > 0) {
        PEP669_SET_LASTI(f, at - (int)sizeof(_Py_CODEUNIT));
    }
    else {
        f->f_lasti = -1;
    }
}

Pep669Frame *
pep669_backend_entry_frame(int test, int resume)
{
    PyThreadState *ts = _PyThreadState_UncheckedGet();
    PyFrameObject *f = ts != NULL ? ts->frame : NULL;
    if (f == NULL || PEP669_LASTI(f) != test) {
        return NULL;
    }
    entry_lasti(f, resume);
    return (Pep669Frame *)f;
}

int
pep669_backend_entry_leave(Pep669Frame *frame, int test, int resume,
                           PyCodeObject *own)
{
    PyFrameObject *f = FRAME(frame);
    if (PEP669_LASTI(f) != test) {
        return 0;
    }
    entry_lasti(f, resume);
    f->f_code = own;
    return 1;
}

void
pep669_backend_entry_start(Pep669Frame *frame, PyCodeObject *code,
                           int start)
{
    PyFrameObject *f = FRAME(frame);
    entry_lasti(f, start);
    f->f_code = code;
}

void
pep669_backend_entry_unwound(PyThreadState *ts, Pep669Frame *frame,
                             int start)
{
    PyFrameObject *f = FRAME(frame);
    PyTracebackObject *tb = (PyTracebackObject *)ts->curexc_traceback;
    if (tb == NULL || !PyTraceBack_Check((PyObject *)tb) ||
        tb->tb_frame != f || start <= 0) {
        return;
    }
    /* (tb_lasti as the evaluator takes it from f_lasti: bytes) */
    int made = start - (int)sizeof(_Py_CODEUNIT);
    int native = f->f_lasti;
#if PY_VERSION_HEX >= 0x030A0000
    made = made / (int)sizeof(_Py_CODEUNIT) * (int)sizeof(_Py_CODEUNIT);
    native = f->f_lasti * (int)sizeof(_Py_CODEUNIT);
#endif
    if (tb->tb_lasti == made) {
        tb->tb_lasti = native;
        tb->tb_lineno = PyFrame_GetLineNumber(f);
    }
}

void
pep669_backend_frame_set_lasti(Pep669Frame *frame, int offset)
{
    PEP669_SET_LASTI(FRAME(frame), offset);
}

void
pep669_backend_frame_resync(Pep669Frame *frame, int offset)
{
#if !PEP669_FORWARD_JUMP_LINES
    /* maybe_call_line_trace() takes the line from f_lineno while f_lasti
     * stays in the line-table window of its last reset, which may have
     * been made where the frame was untraced. */
    PyFrameObject *f = FRAME(frame);
    f->f_lineno = PyCode_Addr2Line(f->f_code, offset);
#else
    /* 3.10 computes both lines from f_lasti at every instruction. */
    (void)frame;
    (void)offset;
#endif
}

#define PROBE_UNIT ((int)sizeof(_Py_CODEUNIT))

/* Write `op` with `arg` (EXTENDED_ARG prefixes as needed) at out[*at],
 * or only count its size if out is NULL. */
static void
emit(unsigned char *out, int *at, int op, unsigned int arg)
{
    int shift = arg >= (1u << 16) ? 16 : arg >= (1u << 8) ? 8 : 0;
    if (arg >= (1u << 24)) {
        shift = 24;
    }
    for (; shift > 0; shift -= 8) {
        if (out != NULL) {
            out[*at] = EXTENDED_ARG;
            out[*at + 1] = (unsigned char)((arg >> shift) & 0xff);
        }
        *at += 2;
    }
    if (out != NULL) {
        out[*at] = (unsigned char)op;
        out[*at + 1] = (unsigned char)(arg & 0xff);
    }
    *at += 2;
}

/* The stack depth before each instruction (prefix included), as the
 * compiler computes co_stacksize (its largest over the paths), or -1 where
 * unknown; depths over the code's stack size are capped just above it.
 * Also marks in `entered` the units that control reaches by a jump or an
 * exception handler.  -1 if the analysis does not know an instruction. */
static int
probe_depths(PyCodeObject *co, int *depth, uint8_t *entered, int *work,
             uint8_t *queued)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, n = 0;
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int cap = co->co_stacksize + 1;
    for (int u = 0; u < units; u++) {
        depth[u] = -1;
        entered[u] = 0;
        queued[u] = 0;
    }
    if (units == 0) {
        return 0;
    }
    depth[0] = 0;
#ifdef GEN_START
    if (_Py_OPCODE(code[0]) == GEN_START) {
        /* It pops the value of the first send(). */
        depth[0] = 1;
    }
#endif
    work[n++] = 0;
    queued[0] = 1;
    while (n > 0) {
        int u = work[--n], next, target;
        queued[u] = 0;
        if (pep669_backend_flow(co, u * PROBE_UNIT, &next, &target) < 0) {
            return -1;
        }
        Pep669Instr in = instr_at(code, units, u);
        int op = in.op, oparg = in.arg;
        int succ[2] = {next, target};
        for (int jump = 0; jump < 2; jump++) {
            if (succ[jump] < 0) {
                continue;
            }
            int effect = PyCompile_OpcodeStackEffectWithJump(op, oparg, jump);
            if (effect == PY_INVALID_STACK_EFFECT) {
                return -1;
            }
            int d = depth[u] + effect, to = succ[jump] / PROBE_UNIT;
            if (jump) {
                entered[to] = 1;
            }
            if (d > cap) {
                d = cap;
            }
            if (d < 0) {
                return -1;
            }
            if (d > depth[to]) {
                depth[to] = d;
                if (!queued[to]) {
                    queued[to] = 1;
                    work[n++] = to;
                }
            }
        }
    }
    return 0;
}

/* Can a jump to a stub be written at `loc` in `width` bytes?  A prefixed
 * jump (the stub past 255 units of argument) takes the units after the
 * location too. */
static int
probe_site_ok(PyCodeObject *co, const uint8_t *entered, int loc, int width)
{
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int units = (int)(PyBytes_GET_SIZE(co->co_code) / PROBE_UNIT);
    int u = loc / PROBE_UNIT, n = width / PROBE_UNIT;
    if (u + n > units) {
        return 0;
    }
    for (int k = 1; k < n; k++) {
        /* Nothing may enter a unit taken, by a jump or a handler, nor
         * resume there: a suspended frame, or a finally block's return. */
        int op = _Py_OPCODE(code[u + k - 1]);
        if (entered[u + k] || op == YIELD_VALUE ||
            instr_at(code, units, u + k).op == YIELD_FROM) {
            return 0;
        }
#ifdef CALL_FINALLY
        if (op == CALL_FINALLY) {
            return 0;
        }
#endif
    }
    return 1;
}

/* The jump at site->src (or site->via's, which goes to site->src) made
 * to go to the site's stub: checks that the argument fits in the
 * instruction's prefixes (width set), and writes it into out if given. */
static int
probe_retarget(PyCodeObject *co, Pep669Site *site, unsigned char *out)
{
    int src = site->via ? site->via - 1 : site->src;
    int next, target, at = pep669_backend_flow(co, src, &next, &target);
    if (at < 0 || target != (site->via ? site->src : site->loc)) {
        return -1;
    }
    int flow = op_flow[code_opcode(co, at)];
    int after = at + PROBE_UNIT, stub = site->stub;
    if (!(flow & (FLOW_JUMP | FLOW_BRANCH))) {
        return -1;
    }
    unsigned int arg = (unsigned int)(
        ((flow & FLOW_REL) ? stub - after : stub) / PEP669_JUMP_UNIT);
    int units = (after - src) / PROBE_UNIT;
    if (units > 4 || (units < 4 && arg >= (1u << (8 * units)))) {
        return -1;
    }
    site->at = src;
    site->width = after - src;
    if (out != NULL) {
        for (int k = 0; k < units; k++) {
            out[src + k * PROBE_UNIT + 1] =
                (unsigned char)((arg >> (8 * (units - 1 - k))) & 0xff);
        }
    }
    return 0;
}

int
pep669_backend_jump_reach(PyCodeObject *co, int src)
{
    int next, target, at = pep669_backend_flow(co, src, &next, &target);
    if (at < 0 || target < 0) {
        return -1;
    }
    int flow = op_flow[code_opcode(co, at)];
    if (!(flow & (FLOW_JUMP | FLOW_BRANCH))) {
        return -1;
    }
    int units = (at + PROBE_UNIT - src) / PROBE_UNIT;
    long long most = units >= 4 ? 0x7fffffffLL
                                : (1LL << (8 * units)) - 1;
    most *= PEP669_JUMP_UNIT;
    if (flow & FLOW_REL) {
        most += at + PROBE_UNIT;
    }
    return most > 0x7fffffffLL ? 0x7fffffff : (int)most;
}

#include "callstub.c.h"
#include "jumpfar.c.h"

/* Whether a line clone of `co` can have an entry stub: not a generator's
 * or coroutine's (a resumption starts elsewhere, a throw() at the start
 * runs no instruction: their runs keep the window). */
static int
entry_possible(PyCodeObject *co)
{
    return !(co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                             CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)) &&
           PyBytes_GET_SIZE(co->co_code) > 0;
}

/* The entry stub's instructions (NULL out: only counted): the offset of
 * its truth test. */
static int
emit_entry_test(unsigned char *out, int *at, unsigned int kconst)
{
    emit(out, at, LOAD_CONST, kconst);
    int test = *at;
    emit(out, at, POP_JUMP_IF_FALSE, 0);
    return test;
}

PyCodeObject *
pep669_backend_clone_code(PyCodeObject *co, PyObject *probes,
                          Pep669Site *sites, int n, Pep669Entry *entry)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, total = size, ok = 1;
    int stacksize = co->co_stacksize;
    unsigned int kconst = (unsigned int)PyTuple_GET_SIZE(co->co_consts);
    int *depth = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    int *work = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    uint8_t *entered = PyMem_RawMalloc((size_t)units + 1);
    uint8_t *queued = PyMem_RawMalloc((size_t)units + 1);
    PyObject *bytes = NULL, *consts = NULL;
    PyCodeObject *clone = NULL;
    entry->test = entry->resume = entry->start = 0;
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (probe_depths(co, depth, entered, work, queued) < 0) {
        PEP669_WHY_AT("depths", -1);
        ok = 0;
        goto done;
    }
    if (n > 0 && sites[0].call &&
        call_sites_order(co, entered, sites, n) < 0) {
        ok = 0;
        goto done;
    }
    if (n > 0 && !sites[0].call &&
        far_sites_order(co, entered, depth, sites, n) < 0) {
        PEP669_WHY_AT("far order", -1);
        ok = 0;
        goto done;
    }
    /* A line clone's entry stub first, right after the code (where its
     * jump reaches it soonest); if the sites do not fit with it, they are
     * laid out again without it. */
    int entry_w = (n == 0 || !sites[0].call) && entry_possible(co);
    int entry_test = 0;
layout:
    entry_test = 0;
    if (entry_w > 0) {
        /* (it pushes the probe on the empty stack of the code's start) */
        int at = size;
        entry_test = emit_entry_test(NULL, &at, kconst);
        total = at;
        if (stacksize < 1) {
            stacksize = 1;
        }
    }
    /* Stubs after the code: LOAD_CONST probe; CALL_FUNCTION 0;
     * POP_JUMP_IF_FALSE loc (the probe returns False). */
    for (int i = 0; i < n && ok; i++) {
        Pep669Site *site = &sites[i];
        int at = total, lu = site->loc / PROBE_UNIT;
        if (site->call) {
            int start;
            ok = call_instr(co, site->loc, &start, &site->op, &site->oparg,
                            &site->items) == 0;
            if (!ok) {
                break;
            }
            site->with_exit = with_exit_call(co, lu);
            site->stub = total;
            site->at = start;
            site->width = site->loc + PROBE_UNIT - start;
            site->after = 0;
            int d = depth[start / PROBE_UNIT], jop;
            unsigned int jarg;
            /* (a call that never runs keeps its stub, unused) */
            int more = 1;
#ifdef WITH_CLEANUP_START
            more = site->op == WITH_CLEANUP_START ? 3 : 1;
#endif
            if (d >= 0 && d + more > stacksize) {
                stacksize = d + more;
            }
            ok = d <= co->co_stacksize &&
                 (call_jump(site, &jop, &jarg) == 0 ||
                  call_widen(co, entered, site) == 0);
            emit_call_stub(NULL, &at, kconst + (unsigned int)i, site, co);
            site->stub_end = at;
            total = at;
            continue;
        }
        site->stub = total;
        if (!far_merged(site)) {
            site->far = site->via = 0;
        }
        if (!far_merged(site) && site->src >= 0 &&
            probe_retarget(co, site, NULL) < 0) {
            /* (its own bytes do not reach the stub) */
            int op;
            unsigned int arg;
            site->far = far_form(co, entered, depth, site);
            if (site->far == 0 ||
                far_patch(co, site, &op, &arg) < 0) {
                site->far = 0;
                site->via = far_via(co, site->src) + 1;
            }
        }
        if (site->far >= 2) {
            int op;
            unsigned int arg;
            (void)far_patch(co, site, &op, &arg);
            far_stub(NULL, &at, kconst, site, co);
            lu = site->at / PROBE_UNIT;
        }
        else if (site->src < 0 && (unsigned int)total / PEP669_JUMP_UNIT >=
                                      (1u << 8) &&
                 !probe_site_ok(co, entered, site->loc, 2 * PROBE_UNIT) &&
                 far_branch_form(co, entered, depth, site)) {
            /* (a `continue` right after its `if`: far 4) */
            site->far = 4;
            far_stub(NULL, &at, kconst, site, co);
            lu = site->at / PROBE_UNIT;
        }
        else {
            emit(NULL, &at, LOAD_CONST, kconst);
            emit(NULL, &at, CALL_FUNCTION, 0);
            emit(NULL, &at, POP_JUMP_IF_FALSE,
                 (unsigned int)(site->loc / PEP669_JUMP_UNIT));
        }
        site->stub_end = at;
        total = at;
        /* The stub pushes the probe, then its (ignored) result, where the
         * stack is the location's (one slot more than the code's, if need
         * be, as for call sites; a far site's: the instruction's before
         * the jump). */
        ok = lu < units && depth[lu] >= 0 && depth[lu] <= co->co_stacksize;
        if (!ok) {
            PEP669_WHY_AT(lu < units && depth[lu] < 0 ? "depth unknown"
                                                      : "depth", site->loc);
        }
        if (ok && depth[lu] + 1 > stacksize) {
            stacksize = depth[lu] + 1;
        }
        if (ok && site->far) {
            int op;
            unsigned int arg;
            ok = far_patch(co, site, &op, &arg) == 0 &&
                 probe_site_ok(co, entered, site->at, site->width);
            if (!ok) {
                PEP669_WHY_AT("far site", site->loc);
            }
        }
        else if (ok && site->src < 0) {
            unsigned int arg = (unsigned int)(site->stub / PEP669_JUMP_UNIT);
            site->at = site->loc;
            site->width = arg < (1u << 8) ? 2 : arg < (1u << 16) ? 4
                          : arg < (1u << 24) ? 6 : 8;
            ok = probe_site_ok(co, entered, site->loc, site->width);
            if (!ok) {
                PEP669_WHY_AT(site->width > 2 ? "location wide" : "location",
                              site->loc);
            }
        }
        else if (ok) {
            ok = probe_retarget(co, site, NULL) == 0;
            if (!ok) {
                PEP669_WHY_AT("retarget", site->loc);
            }
        }
    }
    /* No two sites may patch the same bytes (a location that is also a
     * jump to another one).  (The entry stub patches none: a run starts
     * at it.) */
    for (int u = 0; u < units && ok; u++) {
        queued[u] = 0;
    }
    for (int i = 0; i < n && ok; i++) {
        for (int b = sites[i].at; b < sites[i].at + sites[i].width && ok;
             b += PROBE_UNIT) {
            ok = !queued[b / PROBE_UNIT];
            queued[b / PROBE_UNIT] = 1;
            if (!ok) {
                PEP669_WHY_AT("overlap", sites[i].loc);
            }
        }
        if (ok && sites[i].via) {
            /* (the jump it stands for: no other site may patch it) */
            ok = !queued[sites[i].src / PROBE_UNIT];
            queued[sites[i].src / PROBE_UNIT] = 1;
            if (!ok) {
                PEP669_WHY_AT("overlap via", sites[i].loc);
            }
        }
    }
    if (!ok && entry_w > 0) {
        entry_w = 0;
        ok = 1;
        total = size;
        stacksize = co->co_stacksize;
        goto layout;
    }
    if (!ok) {
        goto done;
    }
    if (wrap_code_getter() < 0) {
        goto done;
    }
    clones_made = 1;
    bytes = PyBytes_FromStringAndSize(NULL, total);
    consts = PyTuple_New((Py_ssize_t)kconst + PyTuple_GET_SIZE(probes) + 1);
    if (bytes == NULL || consts == NULL) {
        goto done;
    }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(bytes);
    memcpy(out, PyBytes_AS_STRING(co->co_code), (size_t)size);
    if (entry_w > 0) {
        int at = size;
        int test = emit_entry_test(out, &at, kconst);
        PEP669_ASSERT(test == entry_test);
        (void)test;
    }
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &sites[i];
        int at = site->stub;
        if (site->call) {
            int jop;
            unsigned int jarg;
            emit_call_stub(out, &at, kconst + (unsigned int)i, site, co);
            memcpy(site->saved, out + site->at, (size_t)site->width);
            (void)call_jump(site, &jop, &jarg);
            (void)emit_fixed(out, site->at, site->width, jop, jarg);
            site->patched = 1;
            continue;
        }
        if (site->far >= 2) {
            far_stub(out, &at, kconst, site, co);
        }
        else {
            emit(out, &at, LOAD_CONST, kconst);
            emit(out, &at, CALL_FUNCTION, 0);
            emit(out, &at, POP_JUMP_IF_FALSE,
                 (unsigned int)(site->loc / PEP669_JUMP_UNIT));
        }
        memcpy(site->saved, out + site->at, (size_t)site->width);
        if (site->src < 0 && !site->far) {
            at = site->loc;
            emit(out, &at, JUMP_ABSOLUTE,
                 (unsigned int)(site->stub / PEP669_JUMP_UNIT));
        }
        else if (site->far) {
            int op;
            unsigned int arg;
            (void)far_patch(co, site, &op, &arg);
            (void)emit_fixed(out, site->at, site->width, op, arg);
        }
        else {
            (void)probe_retarget(co, site, out);
        }
        site->patched = 1;
    }
    for (Py_ssize_t i = 0; i < (Py_ssize_t)kconst; i++) {
        PyObject *item = PyTuple_GET_ITEM(co->co_consts, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(consts, i, item);
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(probes); i++) {
        PyObject *item = PyTuple_GET_ITEM(probes, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(consts, (Py_ssize_t)kconst + i, item);
    }
    PyObject *mark = PyCapsule_New(co, clone_mark, NULL);
    if (mark == NULL) {
        goto done;
    }
    PyTuple_SET_ITEM(consts, PyTuple_GET_SIZE(consts) - 1, mark);
    clone = PyCode_NewWithPosOnlyArgs(
        co->co_argcount, co->co_posonlyargcount, co->co_kwonlyargcount,
        co->co_nlocals, stacksize, co->co_flags, bytes, consts,
        co->co_names, co->co_varnames, co->co_freevars, co->co_cellvars,
        co->co_filename, co->co_name, co->co_firstlineno,
        PEP669_CODE_LINETABLE(co));
    if (clone != NULL && stacksize > co->co_stacksize) {
        /* New frames of the code get the stub's slot too; its cached
         * frame (sized for the old stack) goes. */
        co->co_stacksize = stacksize;
        if (co->co_zombieframe != NULL) {
            void *zombie = co->co_zombieframe;
            co->co_zombieframe = NULL;
            PyObject_GC_Del(zombie);
        }
    }
    if (clone != NULL) {
        entry->test = entry_test;
        entry->resume = 0;
        entry->start = entry_w > 0 ? size : 0;
    }
done:
    Py_XDECREF(bytes);
    Py_XDECREF(consts);
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    return clone;
}

int
pep669_backend_jump_check(PyFrameObject *f, PyObject *value, setter set,
                          void *closure)
{
    /* A copy of the frame at its location, with the location's stack
     * (of None) and block stack: the interpreter's setter decides on the
     * copy, touching neither the frame, whose stack holds the probe's
     * call now, nor the thread's handled exception. */
    PyCodeObject *co = f->f_code;
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    int units = size / PROBE_UNIT, lasti = PEP669_LASTI(f);
    int *depth = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    int *work = PyMem_RawMalloc(sizeof(int) * (size_t)(units + 1));
    uint8_t *entered = PyMem_RawMalloc((size_t)units + 1);
    uint8_t *queued = PyMem_RawMalloc((size_t)units + 1);
    int d = -1, err = -1;
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (lasti >= 0 && lasti < size &&
        probe_depths(co, depth, entered, work, queued) == 0) {
        d = depth[lasti / PROBE_UNIT];
    }
    if (d < 0 || d > co->co_stacksize) {
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        goto done;
    }
    PyThreadState *ts = PyThreadState_GET();
    PyFrameObject *c = PyFrame_New(ts, co, f->f_globals, f->f_locals);
    if (c == NULL) {
        goto done;
    }
    c->f_lasti = f->f_lasti;
    c->f_lineno = f->f_lineno;
    c->f_iblock = f->f_iblock;
    memcpy(c->f_blockstack, f->f_blockstack,
           sizeof(PyTryBlock) * (size_t)f->f_iblock);
    for (int i = 0; i < d; i++) {
        Py_INCREF(Py_None);
        c->f_valuestack[i] = Py_None;
    }
#if PY_VERSION_HEX >= 0x030A0000
    c->f_stackdepth = d;
    c->f_state = FRAME_EXECUTING;
#else
    c->f_stacktop = c->f_valuestack + d;
    c->f_executing = 1;
#endif
    Py_INCREF(Py_None);
    c->f_trace = Py_None;
    _PyErr_StackItem *ei = ts->exc_info;
    PyObject *type = ei->exc_type, *val = ei->exc_value,
             *tb = ei->exc_traceback;
    Py_XINCREF(type);
    Py_XINCREF(val);
    Py_XINCREF(tb);
    err = set((PyObject *)c, value, closure);
    if (err == 0) {
        err = PEP669_LASTI(c);
    }
    Py_XSETREF(ei->exc_type, type);
    Py_XSETREF(ei->exc_value, val);
    Py_XSETREF(ei->exc_traceback, tb);
#if PY_VERSION_HEX < 0x030A0000
    c->f_executing = 0;
#endif
    Py_DECREF(c);
done:
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    return err;
}

int
pep669_backend_frame_fits(Pep669Frame *frame, PyCodeObject *clone)
{
    PyFrameObject *f = FRAME(frame);
    if (Py_SIZE(f) - (f->f_valuestack - f->f_localsplus) >=
        clone->co_stacksize) {
        return 1;
    }
    PyCodeObject *co = f->f_code;
    if (co->co_zombieframe == NULL &&
        co->co_stacksize >= clone->co_stacksize) {
        /* A frame made before the code's stack grew: it would become the
         * code's cached frame when it goes, and every next frame would be
         * it.  A frame of the new size takes that place now. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyFrameObject *spare = PyFrame_New(PyThreadState_GET(), co,
                                           f->f_globals, NULL);
        Py_XDECREF(spare);
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
    return 0;
}

int
pep669_backend_branch_site_test(Pep669Frame *frame, Pep669Site *site)
{
    /* (no wide sites here: a far branch's jump has its prefixes) */
    (void)frame;
    (void)site;
    PEP669_ASSERT(0);
    return 1;
}

void
pep669_backend_clone_unpatch(PyCodeObject *clone, Pep669Site *site)
{
    if (site->patched) {
        PyBytesObject *bytes = (PyBytesObject *)clone->co_code;
        memcpy(bytes->ob_sval + site->at, site->saved, (size_t)site->width);
        /* (its cached hash, if any, is no longer its hash) */
        bytes->ob_shash = -1;
        site->patched = 0;
    }
}

/* (no handler probes before 3.11: backend.h) */
int
pep669_backend_handler_probes(void)
{
    return 0;
}

int
pep669_backend_handler_sites(PyCodeObject *co, int *locs, int max,
                             int *size)
{
    *size = 0;
    (void)co;
    (void)locs;
    (void)max;
    return -1;
}

PyCodeObject *
pep669_backend_clone_handlers(PyCodeObject *co, PyObject *probes,
                              Pep669Site *sites, int n)
{
    (void)co;
    (void)probes;
    (void)sites;
    (void)n;
    return NULL;
}

int
pep669_backend_exc_handler_at(PyCodeObject *co, int offset)
{
    (void)co;
    (void)offset;
    return -1;
}

#undef PROBE_UNIT

#endif
