/* Line probes on CPython 3.11 (included by backend_py311.c only).
 *
 * 3.11's evaluator takes a frame's bytecode, constants, names and
 * exception table from frame->f_code, and computes every offset (f_lasti,
 * tracebacks, the handler of an exception) from it: a frame cannot run
 * another code object's bytes unseen, as it can up to 3.10 for one read.
 * So a frame that runs a clone has the clone as its f_code for the whole
 * evaluator run (pep669_backend_clone_for_run), with prev_instr moved into
 * it; the hook puts its own code back when the run ends (and a line
 * probe shows it to the callbacks while they run).  The clone is
 * a copy of the original (p11_new_code, which audits nothing) with:
 *   - co_code: the original's (unquickened) bytes, each site's location
 *     made a JUMP_FORWARD to its stub (an EXTENDED_ARG prefix when far:
 *     it takes the unit after the location, which nothing else may
 *     enter), and the stubs appended:
 *         LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE 0;
 *         JUMP_BACKWARD_NO_INTERRUPT <location>
 *     The probe's truth test (nb_bool, probe.c) is its call: one stack
 *     slot, which must be free at the location (the frame was allocated
 *     with the original's size, and the clone keeps its
 *     co_stacksize); the probe either unpatches the site or retires the
 *     clone (every site unpatched), so the jump back runs the location's
 *     own instruction; JUMP_BACKWARD_NO_INTERRUPT neither checks the eval
 *     breaker nor counts towards quickening: nothing in a stub but the
 *     probe can raise, and it raises at the location;
 *   - co_consts: the original's plus the probes (the only visible
 *     difference of the copy: docs/differences.md);
 *   - co_exceptiontable: the original's plus, for each stub, the entry of
 *     its location (same handler, depth and lasti);
 *   - co_linetable: the original's plus, for each stub, the location's
 *     position (line, end line, columns).
 * The specializer quickens the clone as it would the original (the
 * patched jumps are not specializable, so no superinstruction or fused
 * compare spans a site); unpatching writes the original instruction in
 * the form quickening gives it, if the clone is quickened already. */

#include <internal/pycore_code.h>
#include "check.h"

/* Opcodes of the clone's stubs and patches (3.11's opcode.h). */
#define P11_UNIT ((int)sizeof(_Py_CODEUNIT))

/* A clone's last constant: a capsule (of this name, compared by pointer)
 * holding its original, borrowed: a clone is only ever a running frame's
 * f_code while that frame, which holds the original, runs it. */
static const char p11_clone_mark[] = "pep669.clone";

/* A clone's original, or the code itself: on the hook's path, a load and
 * a compare until the first clone exists (p11_clones_made, set below when
 * one is made); the capsule's check after that. */
static int p11_clones_made = 0;

static PEP669_NOINLINE PyCodeObject *
p11_original_slow(PyCodeObject *co)
{
    PyObject *consts = co->co_consts;
    Py_ssize_t n = PyTuple_GET_SIZE(consts);
    if (n > 0) {
        PyObject *last = PyTuple_GET_ITEM(consts, n - 1);
        if (Py_IS_TYPE(last, &PyCapsule_Type) &&
            PyCapsule_GetName(last) == p11_clone_mark) {
            /* (the pointer, kept as the context too: no name compared) */
            return (PyCodeObject *)PyCapsule_GetContext(last);
        }
    }
    return co;
}

static inline PyCodeObject *
p11_original(PyCodeObject *co)
{
    if (PEP669_LIKELY(!p11_clones_made)) {
        return co;
    }
    return p11_original_slow(co);
}

PyCodeObject *
pep669_backend_own_code(PyCodeObject *co)
{
    return p11_original(co);
}

/* frame.f_code: the code itself for a frame running its clone (the
 * interpreter's getter, wrapped; installed with the first clone).  A
 * generator's gi_code (cr_code, ag_code) is the generator's own reference
 * to its function's code on 3.11, never the clone. */
static PyGetSetDef p11_code_def;
static getter p11_code_getter = NULL;

static PyObject *
p11_frame_code(PyObject *self, void *closure)
{
    return pep669_backend_own_code_ref(p11_code_getter(self, closure));
}

static int
p11_wrap_getters(void)
{
    if (p11_code_getter != NULL) {
        return 0;
    }
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict, "f_code");
    if (descr == NULL || Py_TYPE(descr) != &PyGetSetDescr_Type ||
        ((PyGetSetDescrObject *)descr)->d_getset->get == NULL) {
        return -1;
    }
    PyGetSetDescrObject *gd = (PyGetSetDescrObject *)descr;
    p11_code_def = *gd->d_getset;
    p11_code_getter = p11_code_def.get;
    p11_code_def.get = p11_frame_code;
    gd->d_getset = &p11_code_def;
    return 0;
}

int
pep669_backend_probes_supported(void)
{
    /* (another evaluator could do anything with the frame's code) */
    return prev_eval == NULL || prev_eval == _PyEval_EvalFrameDefault;
}

int
pep669_backend_clone_for_run(void)
{
    return 1;
}

int
pep669_backend_code_read_before_call(void)
{
    return 1;
}

/* Exception table (see backend_py311.c's read_varint): the handler of
 * unit `u`, or 0. */
static int
p11_handler(PyCodeObject *co, int u, int *target, int *depth_lasti)
{
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size;
        p = read_exc_entry(p, end, &start, &size, target,
                           depth_lasti);
        if (u >= start && u < start + size) {
            return 1;
        }
    }
    return 0;
}

#include "py311_depths.h"

/* Write `op` with `arg` (prefixes as needed) at out[*at] (units), or only
 * count its size if out is NULL. */
static void
p11_emit(_Py_CODEUNIT *out, int *at, int op, unsigned int arg)
{
    int shift = arg >= (1u << 16) ? 16 : arg >= (1u << 8) ? 8 : 0;
    if (arg >= (1u << 24)) {
        shift = 24;
    }
    for (; shift > 0; shift -= 8) {
        if (out != NULL) {
            out[*at] = _Py_MAKECODEUNIT(EXTENDED_ARG, (arg >> shift) & 0xff);
        }
        *at += 1;
    }
    if (out != NULL) {
        out[*at] = _Py_MAKECODEUNIT(op, arg & 0xff);
    }
    *at += 1;
}

/* A stub's size in units: LOAD_CONST k; POP_JUMP_FORWARD_IF_TRUE 0; the
 * jump back (written by p11_stub): `back`, JUMP_BACKWARD_NO_INTERRUPT, or
 * JUMP_BACKWARD where the stub stands for a backward jump (which checks
 * the eval breaker: a loop on probes still takes signals). */
static int
p11_stub(_Py_CODEUNIT *out, int at, int k, int loc_unit, int back)
{
    int start = at;
    p11_emit(out, &at, LOAD_CONST, (unsigned int)k);
    p11_emit(out, &at, POP_JUMP_FORWARD_IF_TRUE, 0);
    /* The jump back counts from the unit after it: its argument depends on
     * its prefixes. */
    for (int prefixes = 0; prefixes < 4; prefixes++) {
        unsigned int arg = (unsigned int)(at + prefixes + 1 - loc_unit);
        int size = 0;
        p11_emit(NULL, &size, back, arg);
        if (size == prefixes + 1) {
            p11_emit(out, &at, back, arg);
            return at - start;
        }
    }
    return -1;
}

#include "py311_branch.h"
#include "py311_far.h"

#include "py311_tables.h"
#include "py311_calls.h"
#include "py311_refuse.h"

/* Does the instruction starting at unit `u` (deoptimized bytes) take the
 * unit after it too (a prefix, or inline caches)? */
static int
p11_owns_next(const _Py_CODEUNIT *code, int units, int u)
{
    return instr_next(instr_at(code, units, u)) > u + 1;
}

Pep669Frame *
pep669_backend_entry_frame(int test, int resume)
{
    /* (no entry stubs here) */
    (void)test;
    (void)resume;
    return NULL;
}

int
pep669_backend_entry_leave(Pep669Frame *frame, int test, int resume,
                           PyCodeObject *own)
{
    /* (no entry stubs here) */
    (void)frame;
    (void)test;
    (void)resume;
    (void)own;
    return 0;
}

void
pep669_backend_entry_start(Pep669Frame *frame, PyCodeObject *code,
                           int start)
{
    /* (no entry stubs here) */
    (void)frame;
    (void)code;
    (void)start;
    PEP669_ASSERT(0);
}

void
pep669_backend_entry_unwound(PyThreadState *ts, Pep669Frame *frame,
                             int start)
{
    /* (no entry stubs here) */
    (void)ts;
    (void)frame;
    (void)start;
}

/* The copy's code object, for the line, call and branch copy below and
 * the handler copy (py311_handlers.h): the bytecode `out` (`units` code
 * units), the original's constants with `probes` and the copy's mark
 * after them, the exception and location tables built in `eb` and `lb`,
 * `stacksize`.  New reference; NULL with an exception set, or NULL with
 * none when what the interpreter made lacks what the copy must keep of
 * the original (its stack size, locals, first traceable instruction): the
 * code then runs without the copy. */
static PyCodeObject *
p11_copy_code(PyCodeObject *co, const _Py_CODEUNIT *out, int units,
              PyObject *probes, const P11Buf *eb, const P11Buf *lb,
              int stacksize)
{
    PyCodeObject *res = NULL;
    PyObject *consts = NULL;
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)out,
                                                (Py_ssize_t)units * P11_UNIT);
    p11_clones_made = 1;
    PyObject *mark = PyCapsule_New(co, p11_clone_mark, NULL);
    if (mark != NULL && PyCapsule_SetContext(mark, co) < 0) {
        Py_CLEAR(mark);
    }
    PyObject *tail = mark != NULL ? PyTuple_Pack(1, mark) : NULL;
    Py_XDECREF(mark);
    PyObject *with_probes = PySequence_Concat(co->co_consts, probes);
    if (with_probes != NULL && tail != NULL) {
        consts = PySequence_Concat(with_probes, tail);
    }
    Py_XDECREF(with_probes);
    Py_XDECREF(tail);
    PyObject *exc = PyBytes_FromStringAndSize((const char *)eb->buf, eb->len);
    PyObject *lines = PyBytes_FromStringAndSize((const char *)lb->buf,
                                                lb->len);
    if (bytes != NULL && consts != NULL && exc != NULL && lines != NULL) {
        res = p11_new_code(co, bytes, consts, exc, lines, stacksize);
    }
    if (res != NULL &&
        (!PyCode_Check(res) || res->co_stacksize != stacksize ||
         res->co_nlocalsplus != co->co_nlocalsplus ||
         res->_co_firsttraceable != co->_co_firsttraceable)) {
        Py_CLEAR(res);
    }
    Py_XDECREF(bytes);
    Py_XDECREF(consts);
    Py_XDECREF(exc);
    Py_XDECREF(lines);
    return res;
}

PyCodeObject *
pep669_backend_clone_code(PyCodeObject *co, PyObject *probes,
                          Pep669Site *sites, int n, Pep669Entry *entry)
{
    /* (the clone is the frame's code for the whole run: no entry stub) */
    entry->test = entry->resume = entry->start = 0;
    PyCodeObject *clone = NULL;
    int *depth = NULL, *work = NULL;
    uint8_t *entered = NULL, *queued = NULL, *taken = NULL;
    _Py_CODEUNIT *out = NULL;
    P11Buf eb = {NULL, 0, 0}, lb = {NULL, 0, 0};
    int *pos = NULL;  /* the original's positions (p11_put_position) */
    /* (the site being placed: the one refused if it cannot be; where the
     * next stub goes) */
    int failed = -1, at = 0, stacksize = co->co_stacksize;

    if (p11_wrap_getters() < 0) {
        return NULL;
    }
    PyObject *orig_bytes = PyCode_GetCode(co);
    if (orig_bytes == NULL) {
        return NULL;
    }
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(
        orig_bytes);
    int units = (int)(PyBytes_GET_SIZE(orig_bytes) / P11_UNIT);
    Py_ssize_t nconsts = PyTuple_GET_SIZE(co->co_consts);
    Py_ssize_t nprobes = PyTuple_GET_SIZE(probes);

    depth = PyMem_RawMalloc(sizeof(int) * ((size_t)units + 1));
    work = PyMem_RawMalloc(sizeof(int) * ((size_t)units + 1));
    entered = PyMem_RawMalloc((size_t)units + 1);
    queued = PyMem_RawMalloc((size_t)units + 1);
    taken = PyMem_RawCalloc((size_t)units + 1, 1);
    /* (a stub takes at most 1 + 4 + 1 + 4 units, a call site's one POP_TOP
     * per item more and its call in place 4 + 4, a wide site's 4 + 1 + 1 +
     * 4 + 1 + 4 and a NOP; the stubs of prefixed jumps 256 NOPs in all) */
    out = PyMem_RawMalloc(sizeof(_Py_CODEUNIT) *
                          ((size_t)units + 256 +
                           (24 + (size_t)co->co_stacksize) * (size_t)n + 1));
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL ||
        taken == NULL || out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (p11_depths(co, code, units, depth, entered, work, queued) < 0) {
        PEP669_WHY_AT("depths", -1);
        goto refuse;
    }
    memcpy(out, code, sizeof(_Py_CODEUNIT) * (size_t)units);
    at = units;
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &sites[i];
        int u = site->loc / P11_UNIT;
        failed = i;
        if (site->call) {
            /* (py311_calls.h) */
            if (p11_place_call(co, code, units, depth, taken, out, &at, site,
                               (int)(nconsts + (i < nprobes ? i : 0)),
                               &stacksize) < 0) {
                goto refuse;
            }
            continue;
        }
        if (u < 0 || u >= units || depth[u] < 0 ||
            p11_location_room(co, site, depth[u], &stacksize) < 0 ||
            (site->src < 0 && u <= co->_co_firsttraceable)) {
            PEP669_WHY_AT(p11_site_why(co, site, depth, units), site->loc);
            goto refuse;
        }
        int k = (int)(nconsts + (i < nprobes ? i : 0));
        if (site->src >= 0) {
            /* (a far form where the jump's own bytes do not serve:
             * py311_far.h) */
            if (site->far == 3
                    ? p11_far_site_stub(co, code, units, out, &at, k, site,
                                        taken, depth, entered) < 0 &&
                          p11_far_test_stub(co, code, units, out, &at, k,
                                            site, taken, depth,
                                            entered) < 0
                    : p11_jump_site_stub(co, code, units, out, &at, k, site,
                                         taken, depth, entered) < 0 &&
                          p11_far_site_stub(co, code, units, out, &at, k,
                                            site, taken, depth,
                                            entered) < 0 &&
                          p11_far_branch_stub(co, code, units, out, &at, k,
                                              site, taken, depth,
                                              entered) < 0 &&
                          p11_far_compare_stub(co, code, units, out, &at, k,
                                               site, taken, depth,
                                               entered) < 0) {
                PEP669_WHY_AT(site->bsrc >= 0 ? "jump branch" : "jump",
                              site->loc);
                goto refuse;
            }
            continue;
        }
        /* The jump to the stub at the location: one unit, or a prefix and
         * the jump (whose argument then counts from the unit after it).
         * A distance of exactly 256 units would need EXTENDED_ARG 0: an
         * unreachable NOP first makes it 257. */
        int start = at, dest = at;
        if (dest - u - 1 == 256) {
            out[at++] = _Py_MAKECODEUNIT(NOP, 0);
            dest = at;
        }
        int size = p11_stub(out, at, k, u, JUMP_BACKWARD_NO_INTERRUPT);
        if (size < 0) {
            goto refuse;
        }
        at += size;
        site->stub = start * P11_UNIT;
        site->stub_end = at * P11_UNIT;
        int width;
        unsigned int arg = (unsigned int)(dest - u - 1);
        if (arg < 256) {
            width = 1;
        }
        else if (arg - 1 < 65536) {
            arg -= 1;
            width = 2;
        }
        else {
            goto refuse;
        }
        PEP669_ASSERT(width == 1 || (arg >> 8) != 0);
        int own = width == 1 || p11_owns_next(code, units, u);
        if (width == 2 &&
            (u + 1 >= units ||
             (!own && (entered[u + 1] || taken[u + 1] ||
                       _PyOpcode_Deopt[_Py_OPCODE(code[u])] ==
                           YIELD_VALUE)))) {
            /* (the unit after it not to be had: the branch before it
             * taken into the patch instead, if only its fall-through
             * leads there, py311_far.h) */
            at = start;
            if (u + 1 >= units || taken[u] ||
                p11_far_branch_stub(co, code, units, out, &at, k, site,
                                    taken, depth, entered) < 0) {
                PEP669_WHY_AT("wide location", site->loc);
                goto refuse;
            }
            continue;
        }
        for (int w = 0; w < width; w++) {
            if (taken[u + w]) {
                PEP669_WHY_AT("taken", site->loc);
                goto refuse;
            }
            taken[u + w] = 1;
        }
        site->at = u * P11_UNIT;
        site->width = width * P11_UNIT;
        memcpy(site->saved, &code[u], sizeof(_Py_CODEUNIT) * (size_t)width);
        if (width == 1) {
            out[u] = _Py_MAKECODEUNIT(JUMP_FORWARD, arg);
        }
        else {
            out[u] = _Py_MAKECODEUNIT(EXTENDED_ARG, arg >> 8);
            out[u + 1] = _Py_MAKECODEUNIT(JUMP_FORWARD, arg & 0xff);
        }
        site->patched = 1;
    }
    failed = -1;
    /* Exception table: the original's, then each stub with its
     * location's handler (entries stay in the order of their starts). */
    if (p11_put_bytes(&eb, co->co_exceptiontable) < 0) {
        goto done;
    }
    int line = p11_last_line(co);
    /* (the original's table covers exactly its units) */
    if (p11_put_bytes(&lb, co->co_linetable) < 0) {
        goto done;
    }
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &sites[i];
        int s = site->stub / P11_UNIT, len = (site->stub_end - site->stub) /
                                             P11_UNIT;
        int target, dl;
        if (p11_handler(co, site->loc / P11_UNIT, &target, &dl) &&
            (p11_put_exc_varint(&eb, (unsigned int)s, 1) < 0 ||
             p11_put_exc_varint(&eb, (unsigned int)len, 0) < 0 ||
             p11_put_exc_varint(&eb, (unsigned int)target, 0) < 0 ||
             p11_put_exc_varint(&eb, (unsigned int)dl, 0) < 0)) {
            PyErr_NoMemory();
            goto done;
        }
        if (p11_put_position(&lb, &pos, co, site->loc / P11_UNIT, len,
                             &line) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    clone = p11_copy_code(co, out, at, probes, &eb, &lb, stacksize);
    if (clone != NULL && stacksize > co->co_stacksize) {
        /* (a call site's probe at the top of the stack) New frames of the
         * code are made with the probe's slot too (the interpreter sizes
         * frames and generators by co_nlocalsplus + co_stacksize); those
         * made before run without the copy (pep669_backend_frame_fits). */
        co->co_stacksize = stacksize;
    }
    goto done;
refuse:
    /* (no exception: the code runs without probes) */
    PyErr_Clear();
    if (failed >= 0) {
        p11_refused(sites, failed, units, at);
    }
done:
    Py_XDECREF(orig_bytes);
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    PyMem_RawFree(taken);
    PyMem_RawFree(out);
    PyMem_RawFree(eb.buf);
    PyMem_RawFree(lb.buf);
    PyMem_RawFree(pos);
    return clone;
}

/* The form quickening gives an unquickened opcode (the clone is quickened
 * already): adaptive, or quick. */
static int
p11_quickened(int op)
{
    switch (op) {
    case EXTENDED_ARG: return EXTENDED_ARG_QUICK;
    case JUMP_BACKWARD: return JUMP_BACKWARD_QUICK;
    case RESUME: return RESUME_QUICK;
    case BINARY_OP: return BINARY_OP_ADAPTIVE;
    case BINARY_SUBSCR: return BINARY_SUBSCR_ADAPTIVE;
    case CALL: return CALL_ADAPTIVE;
    case COMPARE_OP: return COMPARE_OP_ADAPTIVE;
    case LOAD_ATTR: return LOAD_ATTR_ADAPTIVE;
    case LOAD_GLOBAL: return LOAD_GLOBAL_ADAPTIVE;
    case LOAD_METHOD: return LOAD_METHOD_ADAPTIVE;
    case PRECALL: return PRECALL_ADAPTIVE;
    case STORE_ATTR: return STORE_ATTR_ADAPTIVE;
    case STORE_SUBSCR: return STORE_SUBSCR_ADAPTIVE;
    case UNPACK_SEQUENCE: return UNPACK_SEQUENCE_ADAPTIVE;
    default: return op;
    }
}

void
pep669_backend_clone_unpatch(PyCodeObject *clone, Pep669Site *site)
{
    _Py_CODEUNIT *code = _PyCode_CODE(clone);
    _Py_CODEUNIT saved[4];
    int u = site->at / P11_UNIT, width = site->width / P11_UNIT;
    int quick = clone->co_warmup == 0;
    PEP669_ASSERT(width >= 1 && width <= 4);
    memcpy(saved, site->saved, sizeof(_Py_CODEUNIT) * (size_t)width);
    /* Which units are instructions' first units (the others are caches,
     * zero, as quickening leaves them: PRECALL's, before a call site's
     * CALL). */
    int op0 = _Py_OPCODE(saved[0]), next = 0;
    for (int w = 0; w < width; w++) {
        _Py_CODEUNIT word = saved[w];
        if (w == next) {
            next = w + 1 + _PyOpcode_Caches[_Py_OPCODE(word)];
            if (quick) {
                word = _Py_MAKECODEUNIT(p11_quickened(_Py_OPCODE(word)),
                                        _Py_OPARG(word));
            }
        }
        /* (the jump's first unit last: a frame of another thread stopped
         * at the location reads whole units) */
        if (w > 0) {
            code[u + w] = word;
        }
    }
    _Py_CODEUNIT first = saved[0];
    if (quick) {
        first = _Py_MAKECODEUNIT(p11_quickened(op0), _Py_OPARG(first));
    }
    code[u] = first;
    p11_unfuse(code, site, quick);
    site->patched = 0;
}

/* The frame's f_code is the clone or its original: prev_instr follows, at
 * the same offset (the clone's first units are the original's). */
void
pep669_backend_frame_set_code(Pep669Frame *frame, PyCodeObject *co)
{
    _PyInterpreterFrame *f = FRAME(frame);
    if (f->f_code == co) {
        return;
    }
    Py_ssize_t off = f->prev_instr - _PyCode_CODE(f->f_code);
    if (off >= Py_SIZE(co)) {
        /* (a stub's unit, only while a probe shows the original: the
         * probe sets the location next) */
        off = Py_SIZE(co) - 1;
    }
    /* The frame keeps its reference to its own code; the clone is kept
     * alive by the hook's record while it is here. */
    f->f_code = co;
    f->prev_instr = _PyCode_CODE(co) + off;
}

void
pep669_backend_frame_set_lasti(Pep669Frame *frame, int offset)
{
    _PyInterpreterFrame *f = FRAME(frame);
    f->prev_instr = _PyCode_CODE(f->f_code) + offset / P11_UNIT;
}

void
pep669_backend_frame_resync(Pep669Frame *Py_UNUSED(frame),
                            int Py_UNUSED(offset))
{
    /* (3.11 computes the line of both instructions at each one) */
}

int
pep669_backend_frame_fits(Pep669Frame *frame, PyCodeObject *clone)
{
    /* The frame's own room: a generator's frame is in the generator,
     * made with its code's size, which never grows (py311_calls.h); any
     * other frame the hook gets is the newest of the thread's stack, made
     * with its code's size then, which grows when a call probe needs a
     * slot more (a frame made before is smaller: it runs without the
     * copy). */
    _PyInterpreterFrame *f = FRAME(frame);
    /* (the hook asks before the frame runs the clone: f_code is its own
     * code) */
    PyCodeObject *co = f->f_code;
    Py_ssize_t need = clone->co_nlocalsplus + clone->co_stacksize;
    Py_ssize_t size = co->co_nlocalsplus + co->co_stacksize;
    if (f->owner == FRAME_OWNED_BY_GENERATOR) {
        return need <= size;
    }
    PyThreadState *ts = PyThreadState_GET();
    PyObject **base = (PyObject **)f;
    return f->owner == FRAME_OWNED_BY_THREAD &&
           ts->datastack_chunk != NULL &&
           base >= ts->datastack_chunk->data && base < ts->datastack_top &&
           ts->datastack_top - base == size + (Py_ssize_t)FRAME_SPECIALS_SIZE &&
           need <= size;
}

/* A trace call of a frame that runs a clone (outside its stubs, where the
 * clone's offsets are the original's): the trampoline and its callbacks
 * see the frame's own code, at the same offset; the clone is put back
 * (at the offset where the frame is then: a jump) before the evaluator,
 * which reloads prev_instr after a trace call, goes on.  Returns the
 * clone, or NULL. */
static void *
p11_show_own(PyFrameObject *f)
{
    _PyInterpreterFrame *fr = f->f_frame;
    PyCodeObject *co = fr->f_code;
    PyCodeObject *orig = p11_original(co);
    if (orig == co ||
        fr->prev_instr - _PyCode_CODE(co) >= Py_SIZE(orig)) {
        return NULL;
    }
    pep669_backend_frame_set_code((Pep669Frame *)fr, orig);
    return co;
}

static void
p11_unshow(PyFrameObject *f, void *clone)
{
    if (clone != NULL) {
        pep669_backend_frame_set_code((Pep669Frame *)f->f_frame,
                                      (PyCodeObject *)clone);
    }
}

/* A line probe's callback sets f_lineno: the interpreter's setter decides
 * on the frame itself, shown at the location with the location's stack
 * (the probe has popped itself: the slots up to the location's depth hold
 * the frame's values) as in a 'line' trace call, and everything it
 * changes is put back: the move is made once the frame runs traced, at
 * the location's line event (trace.c). */
int
pep669_backend_jump_check(PyFrameObject *f, PyObject *value, setter set,
                          void *closure)
{
    _PyInterpreterFrame *fr = f->f_frame;
    PyCodeObject *co = fr->f_code;
    PyThreadState *ts = PyThreadState_GET();
    int lasti = _PyInterpreterFrame_LASTI(fr), d = -1, err = -1;
    PyObject *bytes = PyCode_GetCode(co);
    if (bytes == NULL) {
        return -1;
    }
    int units = (int)(PyBytes_GET_SIZE(bytes) / P11_UNIT);
    int *depth = PyMem_RawMalloc(sizeof(int) * ((size_t)units + 1));
    int *work = PyMem_RawMalloc(sizeof(int) * ((size_t)units + 1));
    uint8_t *entered = PyMem_RawMalloc((size_t)units + 1);
    uint8_t *queued = PyMem_RawMalloc((size_t)units + 1);
    PyObject **saved = NULL;
    if (depth == NULL || work == NULL || entered == NULL || queued == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (p11_original(co) == co && lasti >= 0 && lasti < units &&
        p11_depths(co, (const _Py_CODEUNIT *)PyBytes_AS_STRING(bytes), units,
                   depth, entered, work, queued) == 0) {
        d = depth[lasti];
    }
    if (d < 0 || d > co->co_stacksize) {
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        goto done;
    }
    saved = PyMem_RawMalloc(sizeof(PyObject *) * ((size_t)d + 1));
    if (saved == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject **base = fr->localsplus + co->co_nlocalsplus;
    for (int i = 0; i < d; i++) {
        saved[i] = base[i];
        Py_XINCREF(saved[i]);
    }
    _Py_CODEUNIT *instr = fr->prev_instr;
    int stacktop = fr->stacktop, lineno = f->f_lineno;
    int what = ts->tracing_what;
    PyObject *trace = f->f_trace;
    PyObject *handled = ts->exc_info->exc_value;
    Py_XINCREF(handled);
    fr->stacktop = co->co_nlocalsplus + d;
    ts->tracing_what = PyTrace_LINE;
    if (trace == NULL) {
        f->f_trace = Py_None;
    }
    err = set((PyObject *)f, value, closure);
    if (err == 0) {
        err = _PyInterpreterFrame_LASTI(fr) * P11_UNIT;
    }
    /* Everything back: the values it popped (their references were ours
     * then), the handled exception, the position. */
    int left = fr->stacktop - co->co_nlocalsplus;
    for (int i = 0; i < d; i++) {
        if (i < left) {
            Py_XDECREF(saved[i]);
        }
        else {
            base[i] = saved[i];
        }
    }
    PyObject *now = ts->exc_info->exc_value;
    ts->exc_info->exc_value = handled;
    Py_XDECREF(now);
    fr->stacktop = stacktop;
    fr->prev_instr = instr;
    f->f_lineno = lineno;
    f->f_trace = trace;
    ts->tracing_what = what;
done:
    Py_DECREF(bytes);
    PyMem_RawFree(depth);
    PyMem_RawFree(work);
    PyMem_RawFree(entered);
    PyMem_RawFree(queued);
    PyMem_RawFree(saved);
    return err;
}
