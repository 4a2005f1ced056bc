/* Call sites, 3.8-3.10: the call instruction at a site, the jump from it
 * to its stub (and how far that reaches), the order of the sites' stubs,
 * and the stubs themselves (3.8's `with` exit, WITH_CLEANUP_START, has
 * its own: with_cleanup_stub).  Included by clone.c.h, after emit() and
 * probe_site_ok().  Contract: backend/README.md. */
#ifndef PEP669_CALLSTUB_C_H
#define PEP669_CALLSTUB_C_H

#ifdef WITH_CLEANUP_START
/* The index of None in the code's constants, or -1. */
static int
none_const(PyCodeObject *co)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(co->co_consts); i++) {
        if (PyTuple_GET_ITEM(co->co_consts, i) == Py_None) {
            return (int)i;
        }
    }
    return -1;
}

/* 3.8's WITH_CLEANUP_START site: the probe makes the instruction
 * (callsite.c.h with_cleanup_finish), leaving a normal exit's stack as
 * (NULL, res) and returning None, an exception's as its seven items
 * shifted, res in place of the exception type, and returning that type;
 * the stub then pushes what the instruction pushes: (NULL, None, res) or
 * (..., type, type, res).  The test is `is None` (a type's truth is its
 * metaclass's).  The probe, a copy and None: three slots more than the
 * instruction's own items. */
static void
with_cleanup_stub(unsigned char *out, int *at, unsigned int kconst,
                  const Pep669Site *site, PyCodeObject *co)
{
    /* A site whose jump takes the WITH_CLEANUP_FINISH after it too (its
     * stub beyond a one-unit jump's reach: site->after) makes that
     * instruction at the end of each way out, and goes on after it. */
    int finish = site->after > 0;
    unsigned int next = (unsigned int)(
        (site->loc + (1 + finish) * PROBE_UNIT) / PEP669_JUMP_UNIT);
    emit(out, at, LOAD_CONST, kconst);
    emit(out, at, CALL_FUNCTION, 0);
    emit(out, at, DUP_TOP, 0);
    emit(out, at, LOAD_CONST, (unsigned int)none_const(co));
    emit(out, at, COMPARE_OP, PyCmp_IS);
    /* (the normal exit's ROT_TWO: after the test's jump, sized for its
     * own argument, and the exception's four instructions) */
    int tail = 0, width = PROBE_UNIT;
    emit(NULL, &tail, DUP_TOP, 0);
    emit(NULL, &tail, ROT_THREE, 0);
    emit(NULL, &tail, ROT_THREE, 0);
    if (finish) {
        emit(NULL, &tail, WITH_CLEANUP_FINISH, 0);
    }
    emit(NULL, &tail, JUMP_ABSOLUTE, next);
    unsigned int normal;
    for (;;) {
        int w = 0;
        normal = (unsigned int)((*at + width + tail) / PEP669_JUMP_UNIT);
        emit(NULL, &w, POP_JUMP_IF_TRUE, normal);
        if (w == width) {
            break;
        }
        width = w;
    }
    emit(out, at, POP_JUMP_IF_TRUE, normal);
    emit(out, at, DUP_TOP, 0);
    emit(out, at, ROT_THREE, 0);
    emit(out, at, ROT_THREE, 0);
    if (finish) {
        emit(out, at, WITH_CLEANUP_FINISH, 0);
    }
    emit(out, at, JUMP_ABSOLUTE, next);
    PEP669_ASSERT(*at == (int)normal * PEP669_JUMP_UNIT);
    emit(out, at, ROT_TWO, 0);
    if (finish) {
        emit(out, at, WITH_CLEANUP_FINISH, 0);
    }
    emit(out, at, JUMP_ABSOLUTE, next);
}
#endif

/* The call instruction whose opcode unit is at `loc`: its first byte
 * (prefixes included), opcode, argument, and how many stack items it
 * takes.  -1 if there is none. */
static int
call_instr(PyCodeObject *co, int loc, int *start, int *op, int *oparg,
           int *items)
{
    int size = (int)PyBytes_GET_SIZE(co->co_code);
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int u = loc / PROBE_UNIT;
    if (loc < 0 || loc >= size || loc % PROBE_UNIT) {
        return -1;
    }
    int s = instr_start(code, u);
    Pep669Instr in = instr_at(code, size / PROBE_UNIT, s);
    if (in.unit != u) {
        return -1;
    }
    unsigned int arg = (unsigned int)in.arg;
    *start = s * PROBE_UNIT;
    *op = in.op;
    *oparg = in.arg;
    switch (*op) {
    case CALL_FUNCTION:
        *items = (int)arg + 1;
        return 0;
    case CALL_FUNCTION_KW:
    case CALL_METHOD:
        *items = (int)arg + 2;
        return 0;
    case CALL_FUNCTION_EX:
        *items = 2 + (int)(arg & 1);
        return 0;
#ifdef WITH_CLEANUP_START
    case WITH_CLEANUP_START:
        /* (3.8: __exit__ and BEGIN_FINALLY's NULL, or __exit__ and an
         * exception's six items: with_cleanup_stub) */
        *items = 2;
        return none_const(co) >= 0 ? 0 : -1;
#endif
    default:
        return -1;
    }
}

/* Write `op` with `arg` filling exactly `width` bytes (leading
 * EXTENDED_ARG prefixes, zero ones if the argument is small): 0, or -1 if
 * the argument does not fit. */
static int
emit_fixed(unsigned char *out, int at, int width, int op, unsigned int arg)
{
    int units = width / PROBE_UNIT;
    if (units < 1 || units > 4 ||
        (units < 4 && arg >= (1u << (8 * units)))) {
        return -1;
    }
    if (out != NULL) {
        for (int k = 0; k < units; k++) {
            out[at + k * PROBE_UNIT] =
                (unsigned char)(k == units - 1 ? op : EXTENDED_ARG);
            out[at + k * PROBE_UNIT + 1] =
                (unsigned char)((arg >> (8 * (units - 1 - k))) & 0xff);
        }
    }
    return 0;
}

/* The jump from a call site to its stub, in the instruction's own
 * bytes: absolute if the stub's offset fits, else relative. */
static int
call_jump(const Pep669Site *site, int *op, unsigned int *arg)
{
    int after = site->at + site->width;
    *op = JUMP_ABSOLUTE;
    *arg = (unsigned int)(site->stub / PEP669_JUMP_UNIT);
    if (emit_fixed(NULL, 0, site->width, *op, *arg) == 0) {
        return 0;
    }
    *op = JUMP_FORWARD;
    *arg = (unsigned int)((site->stub - after) / PEP669_JUMP_UNIT);
    return emit_fixed(NULL, 0, site->width, *op, *arg);
}

/* Can the jump of a call site (the call's bytes, and the instructions
 * after it taken so far: [at, at + width)) take the unit after them too?
 * Only a one-unit instruction on the call's line that the probe can make
 * (call_after_pops), which nothing enters, and four units in all. */
static int
call_can_take(PyCodeObject *co, const uint8_t *entered,
              const Pep669Site *site, int width)
{
    const _Py_CODEUNIT *code = PEP669_CODE(co);
    int units = (int)(PyBytes_GET_SIZE(co->co_code) / PROBE_UNIT);
    int u = (site->at + width) / PROBE_UNIT;
#ifdef WITH_CLEANUP_START
    if (site->op == WITH_CLEANUP_START) {
        /* (3.8: the WITH_CLEANUP_FINISH after it, which its stub makes:
         * with_cleanup_stub) */
        return width == PROBE_UNIT && u < units &&
               _Py_OPCODE(code[u]) == WITH_CLEANUP_FINISH &&
               probe_site_ok(co, entered, site->at, width + PROBE_UNIT);
    }
#endif
    return width < 4 * PROBE_UNIT && u < units &&
           call_after_pops(PEP669_DEOPT(_Py_OPCODE(code[u]))) >= 0 &&
           PyCode_Addr2Line(co, u * PROBE_UNIT) ==
               PyCode_Addr2Line(co, site->loc) &&
           probe_site_ok(co, entered, site->at, width + PROBE_UNIT);
}

/* Where the call's own bytes cannot reach the stub, the jump takes the
 * instructions after the call too (call_can_take), as few as reach it;
 * the probe then makes them.  0, or -1 if no width reaches. */
static int
call_widen(PyCodeObject *co, const uint8_t *entered, Pep669Site *site)
{
    int jop;
    unsigned int jarg;
    while (call_can_take(co, entered, site, site->width)) {
        site->width += PROBE_UNIT;
        site->after++;
        if (call_jump(site, &jop, &jarg) == 0) {
            return 0;
        }
    }
    return -1;
}

/* The farthest offset (bytes) a stub of the call site (at, width: the
 * call's own bytes) can be at, its jump taking every unit it can. */
static long long
call_reach(PyCodeObject *co, const uint8_t *entered, const Pep669Site *site)
{
    int width = site->width;
    while (call_can_take(co, entered, site, width)) {
        width += PROBE_UNIT;
    }
    int n = width / PROBE_UNIT;
    long long most = n >= 4 ? 0x7fffffffLL : (1LL << (8 * n)) - 1;
    /* (a relative jump from the end of the jump reaches the farthest) */
    return site->at + width + most * PEP669_JUMP_UNIT;
}

typedef struct {
    long long reach;
    int index;
} CallReach;

static int
call_reach_cmp(const void *a, const void *b)
{
    const CallReach *x = a, *y = b;
    if (x->reach != y->reach) {
        return x->reach < y->reach ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Order the call sites by how far their stubs may be (the nearest first,
 * so that each gets a stub within its reach whenever some order gives
 * one); 0, or -1 (an exception set if memory failed) if a site is not a
 * call. */
static int
call_sites_order(PyCodeObject *co, const uint8_t *entered,
                 Pep669Site *sites, int n)
{
    CallReach *reach = PyMem_RawMalloc(sizeof(CallReach) * (size_t)n);
    Pep669Site *copy = PyMem_RawMalloc(sizeof(Pep669Site) * (size_t)n);
    int err = 0;
    if (reach == NULL || copy == NULL) {
        PyErr_NoMemory();
        err = -1;
        goto done;
    }
    for (int i = 0; i < n && !err; i++) {
        Pep669Site site = sites[i];
        int start;
        err = call_instr(co, site.loc, &start, &site.op, &site.oparg,
                         &site.items);
        site.at = start;
        site.width = site.loc + PROBE_UNIT - start;
        reach[i].reach = err ? 0 : call_reach(co, entered, &site);
        reach[i].index = i;
        copy[i] = sites[i];
    }
    if (err) {
        goto done;
    }
    qsort(reach, (size_t)n, sizeof(CallReach), call_reach_cmp);
    for (int i = 0; i < n; i++) {
        sites[i] = copy[reach[i].index];
    }
done:
    PyMem_RawFree(reach);
    PyMem_RawFree(copy);
    return err ? -1 : 0;
}

/* A call site's stub: LOAD_CONST probe; CALL_FUNCTION 0; a POP_TOP for
 * each item the call takes but one; POP_JUMP_IF_FALSE to the instruction
 * after the call (the probe leaves False as the last item popped).  A
 * site whose jump takes instructions after the call (site->after) has
 * POP_JUMP_IF_TRUE to the first of them instead (the probe leaves True
 * where the frame makes them), then, where the probe made them, pops to
 * their stack (the items they popped, None), the last one
 * POP_JUMP_IF_FALSE past them, or JUMP_ABSOLUTE there if they pop
 * nothing. */
static void
emit_call_stub(unsigned char *out, int *at, unsigned int kconst,
               const Pep669Site *site, PyCodeObject *co)
{
    int next = site->loc + PROBE_UNIT, pops = 0;
#ifdef WITH_CLEANUP_START
    if (site->op == WITH_CLEANUP_START) {
        with_cleanup_stub(out, at, kconst, site, co);
        return;
    }
#endif
    emit(out, at, LOAD_CONST, kconst);
    emit(out, at, CALL_FUNCTION, 0);
    for (int i = 1; i < site->items; i++) {
        emit(out, at, POP_TOP, 0);
    }
    if (site->after == 0) {
        emit(out, at, POP_JUMP_IF_FALSE,
             (unsigned int)(next / PEP669_JUMP_UNIT));
        return;
    }
    emit(out, at, POP_JUMP_IF_TRUE,
         (unsigned int)(next / PEP669_JUMP_UNIT));
    for (int k = 0; k < site->after; k++) {
        int op = code_opcode(co, next + k * PROBE_UNIT);
        pops += call_after_pops(op);
    }
    next += site->after * PROBE_UNIT;
    for (int i = 1; i < pops; i++) {
        emit(out, at, POP_TOP, 0);
    }
    emit(out, at, pops > 0 ? POP_JUMP_IF_FALSE : JUMP_ABSOLUTE,
         (unsigned int)(next / PEP669_JUMP_UNIT));
}

#endif
