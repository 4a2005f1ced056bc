/* Call probes on CPython 3.11's copy (included by py311_clone.h only).
 *
 * A call site is a whole call of the deoptimized bytes:
 *     [KW_NAMES k] PRECALL n (cache) CALL n (4 caches)
 * or  CALL_FUNCTION_EX flags,
 * with its items on the stack: (NULL or method, callable or self, n
 * arguments), or (NULL, callable, args[, kwargs]).  The site's first unit
 * (two with a prefix) jumps to its stub:
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE 0;
 *     POP_TOP (one per item but one); JUMP_BACKWARD_NO_INTERRUPT <after>
 * The probe's truth test (probe_fire.c) is the call: it finds the items
 * below itself (the frame's stack, at the depth the site has), fires
 * CALL, makes the call as the instruction would (KW_NAMES' names are the
 * code's constant, the instruction's register is not used), fires
 * C_RETURN or C_RAISE, and leaves the result in the first item's slot and
 * None in the others, which the POP_TOPs drop; an exception is raised at
 * the CALL (the stub's exception-table entry is the CALL's).  The probe
 * needs one stack slot above the items: where the call is at the top of
 * the code's stack, the copy's co_stacksize is one more, and so is the
 * original's from then on (its frames made before run without the copy,
 * pep669_backend_frame_fits); not for generators' code, whose frames
 * live in generator objects that do not record their size. */
#ifndef PEP669_PY311_CALLS_H
#define PEP669_PY311_CALLS_H

#ifndef P11_UNIT
#  error "py311_calls.h is included by py311_clone.h only"
#endif

/* The call whose CALL_EVENT mark is the instruction whose opcode is at
 * unit `p` (PRECALL or CALL_FUNCTION_EX): its first unit (KW_NAMES' or
 * the first prefix), the CALL (or CALL_FUNCTION_EX) unit, the unit after
 * it; the site's op, oparg, items and kwnames (borrowed from the code's
 * constants).  -1: not a call this knows. */
static int
p11_call_shape(PyCodeObject *co, const _Py_CODEUNIT *code, int units, int p,
               int *first, int *call, int *after, Pep669Site *site)
{
    int s = instr_start(code, p);
    Pep669Instr in = instr_at(code, units, s);
    if (in.unit != p) {
        return -1;
    }
    site->op = in.op;
    site->oparg = in.arg;
    site->kwnames = NULL;
    if (in.op == CALL_FUNCTION_EX) {
        site->items = 3 + (in.arg & 1);
        *first = s;
        *call = p;
        *after = instr_next(in);
        return *after <= units ? 0 : -1;
    }
    if (in.op != PRECALL) {
        return -1;
    }
    site->items = in.arg + 2;
    /* (caches are zero in the deoptimized bytes: a KW_NAMES opcode just
     * before is the instruction) */
    if (s > 0 && _Py_OPCODE(code[s - 1]) == KW_NAMES) {
        int k = instr_start(code, s - 1);
        Pep669Instr kw = instr_at(code, units, k);
        if (kw.op != KW_NAMES || kw.unit != s - 1 ||
            kw.arg >= PyTuple_GET_SIZE(co->co_consts)) {
            return -1;
        }
        PyObject *names = PyTuple_GET_ITEM(co->co_consts, kw.arg);
        if (!PyTuple_CheckExact(names) ||
            PyTuple_GET_SIZE(names) > in.arg) {
            return -1;
        }
        site->kwnames = names;
        s = k;
    }
    int c = instr_next(in);
    if (c >= units) {
        return -1;
    }
    Pep669Instr ci = instr_at(code, units, c);
    if (ci.op != CALL || ci.arg != in.arg) {
        return -1;
    }
    *first = s;
    *call = ci.unit;
    *after = instr_next(ci);
    return *after <= units ? 0 : -1;
}

/* A JUMP_BACKWARD_NO_INTERRUPT at *pos to unit `to`, with the prefixes
 * its argument needs (counted from the unit after it). */
static int
p11_jump_back(_Py_CODEUNIT *out, int *pos, int to)
{
    for (int prefixes = 0; prefixes < 4; prefixes++) {
        unsigned int arg = (unsigned int)(*pos + prefixes + 1 - to);
        int size = 0;
        p11_emit(NULL, &size, JUMP_BACKWARD_NO_INTERRUPT, arg);
        if (size == prefixes + 1) {
            p11_emit(out, pos, JUMP_BACKWARD_NO_INTERRUPT, arg);
            return 0;
        }
    }
    return -1;
}

/* Place call site `site` (loc: its PRECALL or CALL_FUNCTION_EX, past
 * prefixes) in the copy being built in out[0 .. *at): its stub at *at
 * (probe constant k), the jump to it, the site's fields (loc becomes the
 * CALL's offset, where the events are).  *stacksize grows by one where
 * the probe needs it.  -1: the site cannot be probed. */
static int
p11_place_call(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
               const int *depth, uint8_t *taken, _Py_CODEUNIT *out, int *at,
               Pep669Site *site, int k, int *stacksize)
{
    int first, call, after;
    if (site->loc % P11_UNIT ||
        p11_call_shape(co, code, units, site->loc / P11_UNIT, &first, &call,
                       &after, site) < 0 ||
        first <= co->_co_firsttraceable) {
        return -1;
    }
    int d = depth[first];
    if (d < 0) {
        /* (a call that never runs: no site) */
        return -1;
    }
    if (d < site->items || d > co->co_stacksize) {
        return -1;
    }
    if (d + 1 > co->co_stacksize && (co->co_flags & GENERATOR_FLAGS)) {
        /* (a generator's frame is in the generator, made as large as the
         * code's stack was then, which it does not record: generators'
         * code never grows) */
        return -1;
    }
#ifdef Py_DEBUG
    if (d + 1 > co->co_stacksize) {
        /* (a debug build of 3.11 asserts, as each frame ends, that its
         * code's size is the size the frame was made with: a frame of the
         * code made before the growth would trip it; such sites run
         * traced there) */
        return -1;
    }
#endif
    if (d + 1 > *stacksize) {
        *stacksize = d + 1;
    }
    site->loc = call * P11_UNIT;
    site->depth = d;
    /* The stub (a distance whose jump would start with EXTENDED_ARG 0,
     * exactly 256 or 65,537 units from the jump's last unit, gets an
     * unreachable NOP first). */
    int start = *at, dest = *at, pos = *at;
    if (dest - first - 1 == 256 || dest - first - 2 == 65536) {
        out[pos++] = _Py_MAKECODEUNIT(NOP, 0);
        dest = pos;
    }
    p11_emit(out, &pos, LOAD_CONST, (unsigned int)k);
    int test = pos;
    p11_emit(out, &pos, POP_JUMP_FORWARD_IF_TRUE, 0);
    for (int i = 1; i < site->items; i++) {
        out[pos++] = _Py_MAKECODEUNIT(POP_TOP, 0);
    }
    if (p11_jump_back(out, &pos, after) < 0) {
        return -1;
    }
    /* The call left to the evaluator (pep669_backend_call_site_inloop):
     * on true, [KW_NAMES' units;] a jump back to the CALL itself, whose
     * own operand has no prefix. */
    site->inloop = 0;
    int branch = pos;
    if (site->op == PRECALL && site->oparg < 256 && branch - test - 1 < 256) {
        if (site->kwnames != NULL) {
            int kw = first;
            while (_Py_OPCODE(code[kw]) != KW_NAMES) {
                out[pos++] = code[kw++];
            }
            out[pos++] = code[kw];
        }
        if (p11_jump_back(out, &pos, call) < 0) {
            return -1;
        }
        out[test] = _Py_MAKECODEUNIT(POP_JUMP_FORWARD_IF_TRUE, branch - test - 1);
        site->inloop = branch * P11_UNIT;
    }
    site->stub = start * P11_UNIT;
    site->stub_end = pos * P11_UNIT;
    /* The jump to it, in the call's first units: a prefix takes the
     * second (PRECALL's cache, or KW_NAMES' PRECALL), a second prefix
     * (a stub past 65,536 units) the third; a CALL_FUNCTION_EX (one unit)
     * farther than 255 units from its stub cannot be probed. */
    int width = 1;
    unsigned int arg = (unsigned int)(dest - first - 1);
    while (arg >= (1u << (8 * width))) {
        width++;
        arg = (unsigned int)(dest - first - width);
        if (width > 3 || first + width > after) {
            return -1;
        }
    }
    /* (no EXTENDED_ARG 0 first: a Py_DEBUG 3.11 asserts on it) */
    PEP669_ASSERT(width == 1 || (arg >> (8 * (width - 1))) != 0);
    for (int w = 0; w < width; w++) {
        if (taken[first + w]) {
            return -1;
        }
        taken[first + w] = 1;
    }
    if (first + width > call) {
        /* (the jump takes the CALL's own unit: no call in place) */
        site->inloop = 0;
    }
    site->at = first * P11_UNIT;
    site->width = width * P11_UNIT;
    memcpy(site->saved, &code[first], sizeof(_Py_CODEUNIT) * (size_t)width);
    for (int w = 0; w < width; w++) {
        out[first + w] = _Py_MAKECODEUNIT(
            w == width - 1 ? JUMP_FORWARD : EXTENDED_ARG,
            (arg >> (8 * (width - 1 - w))) & 0xff);
    }
    site->patched = 1;
    *at = pos;
    return 0;
}

/* The stack's top below the probe of call site `site` whose stub the
 * frame runs (its f_code the copy `clone`), or NULL if it does not. */
PyObject **
pep669_backend_call_site_top(Pep669Frame *frame, const Pep669Site *site,
                             PyCodeObject *clone, int *at)
{
    _PyInterpreterFrame *f = FRAME(frame);
    int lasti = _PyInterpreterFrame_LASTI(f) * P11_UNIT;
    if (f->f_code != clone || lasti < site->stub ||
        lasti >= site->stub_end) {
        return NULL;
    }
    *at = lasti;
    return f->localsplus + clone->co_nlocalsplus + site->depth;
}

int
pep669_backend_call_site_read(const Pep669Site *site, PyObject **top,
                              PyObject **callable, PyObject **arg0,
                              int *inlined)
{
    if (site->op == CALL_FUNCTION_EX) {
        return read_ex_call(top, site->oparg, callable, arg0, inlined);
    }
    /* (before PRECALL would unpack a bound method, as when traced) */
    return read_method_call(top, site->oparg, callable, arg0, inlined);
}

PyObject *
pep669_backend_call_site_run(const Pep669Site *site, PyObject **top)
{
    PyObject **base = top - site->items;
    if (site->op == CALL_FUNCTION_EX) {
        /* (NULL, callable, args[, kwargs]) */
        return ex_call(base[1], &base[2],
                       (site->oparg & 1) ? &base[3] : NULL);
    }
    /* (method, self, args...) or (NULL, callable, args...); a bound
     * method in the callable's place is called as it is (its vectorcall
     * puts self in the slot before the arguments, as PRECALL would) */
    int is_meth = base[0] != NULL;
    PyObject *func = is_meth ? base[0] : base[1];
    PyObject **args = is_meth ? base + 1 : base + 2;
    Py_ssize_t total = site->oparg + is_meth;
    Py_ssize_t nkw = site->kwnames != NULL ? PyTuple_GET_SIZE(site->kwnames)
                                           : 0;
    return PyObject_Vectorcall(
        func, args, (size_t)(total - nkw) | PY_VECTORCALL_ARGUMENTS_OFFSET,
        site->kwnames);
}

PyObject *
pep669_backend_call_site_finish(const Pep669Site *site, PyObject **top,
                                PyObject *res)
{
    PyObject **base = top - site->items;
    /* From the top down, as the instruction drops them: the stub's
     * POP_TOPs find None, and the result is left in the first slot. */
    for (int i = site->items - 1; i >= 0; i--) {
        PyObject *value = (res != NULL && i == 0) ? res : Py_NewRef(Py_None);
        put_item(&base[i], value);
    }
    if (res == NULL) {
        return NULL;
    }
    return Py_NewRef(Py_None);
}

PyObject *
pep669_backend_call_site_inloop(const Pep669Site *site, PyObject **top)
{
    PyObject **base = top - site->items;
    PEP669_ASSERT(site->inloop > 0 && site->op == PRECALL);
    PyObject *callable = base[1];
    if (base[0] == NULL && PyMethod_Check(callable)) {
        /* (PRECALL's step, which the stub does not run) */
        base[0] = Py_NewRef(PyMethod_GET_FUNCTION(callable));
        base[1] = Py_NewRef(PyMethod_GET_SELF(callable));
        Py_DECREF(callable);
    }
    return Py_NewRef(Py_True);
}

PyObject *
pep669_backend_call_site_after(Pep669Frame *Py_UNUSED(frame),
                               const Pep669Site *site,
                               PyObject **Py_UNUSED(top), PyObject *out)
{
    /* (a call site's jump takes the call's own units only) */
    PEP669_ASSERT(site->after == 0);
    (void)site;
    return out;
}

#endif /* PEP669_PY311_CALLS_H */
