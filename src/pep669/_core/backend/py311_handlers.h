/* Handler probes on CPython 3.11 (included by backend/py311.c only, after
 * py311_clone.h): a copy of code whose frames want exception events only
 * in which an exception is handed to each handler that starts with
 * PUSH_EXC_INFO (an `except` or `finally` body) through a stub of its own:
 *     LOAD_CONST probe; POP_JUMP_FORWARD_IF_TRUE 0;
 *     JUMP_BACKWARD_NO_INTERRUPT <handler>
 * appended to the bytes, the exception table's entries for that handler
 * pointing at the stub.  Nothing in the original's units changes (no site
 * is patched: the handler's own instruction runs after the stub, reached
 * from nowhere else), so every offset the frame shows is the original's.
 * The stub's one stack slot is the one PUSH_EXC_INFO takes next; its
 * probe fires EXCEPTION_HANDLED in the evaluator, outside any trace call
 * (probe_entries.c), and never raises. */

int
pep669_backend_handler_probes(void)
{
    return 1;
}

int
pep669_backend_exc_handler_at(PyCodeObject *co, int offset)
{
    int target = covering_handler(co, offset / UNIT);
    return target < 0 ? -1 : target * UNIT;
}

/* Whether unit `t` of `co` starts with PUSH_EXC_INFO. */
static int
p11_probed_handler(PyCodeObject *co, const _Py_CODEUNIT *code, int units,
                   int t)
{
    (void)co;
    return t >= 0 && t < units &&
           _PyOpcode_Deopt[_Py_OPCODE(code[t])] == PUSH_EXC_INFO;
}

int
pep669_backend_handler_sites(PyCodeObject *co, int *locs, int max,
                             int *size)
{
    PyObject *bytes = PyCode_GetCode(co);
    if (bytes == NULL) {
        PyErr_Clear();
        return -1;
    }
    const _Py_CODEUNIT *code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(bytes);
    int units = (int)(PyBytes_GET_SIZE(bytes) / P11_UNIT), n = 0;
    *size = units * P11_UNIT;
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size, target, dl, seen = 0;
        p = read_exc_entry(p, end, &start, &size, &target, &dl);
        if (!p11_probed_handler(co, code, units, target)) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            seen |= locs[i] == target * P11_UNIT;
        }
        if (seen) {
            continue;
        }
        if (n >= max) {
            n = -1;
            break;
        }
        /* (in order of their offsets) */
        int i = n++;
        while (i > 0 && locs[i - 1] > target * P11_UNIT) {
            locs[i] = locs[i - 1];
            i--;
        }
        locs[i] = target * P11_UNIT;
    }
    Py_DECREF(bytes);
    return n;
}

/* The stub of the handler at unit `t`, or -1. */
static int
p11_handler_stub(const Pep669Site *sites, int n, int t)
{
    for (int i = 0; i < n; i++) {
        if (sites[i].loc == t * P11_UNIT) {
            return sites[i].stub / P11_UNIT;
        }
    }
    return -1;
}

PyCodeObject *
pep669_backend_clone_handlers(PyCodeObject *co, PyObject *probes,
                              Pep669Site *sites, int n)
{
    PyCodeObject *clone = NULL;
    _Py_CODEUNIT *out = NULL;
    P11Buf eb = {NULL, 0, 0}, lb = {NULL, 0, 0};
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
    /* (a stub: at most 4 + 1 + 4 units) */
    out = PyMem_RawMalloc(sizeof(_Py_CODEUNIT) *
                          ((size_t)units + 9 * (size_t)n + 1));
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(out, code, sizeof(_Py_CODEUNIT) * (size_t)units);
    int at = units;
    for (int i = 0; i < n; i++) {
        Pep669Site *site = &sites[i];
        int t = site->loc / P11_UNIT;
        if (!p11_probed_handler(co, code, units, t)) {
            goto refuse;
        }
        int size = p11_stub(out, at, (int)nconsts + i, t,
                            JUMP_BACKWARD_NO_INTERRUPT);
        if (size < 0) {
            goto refuse;
        }
        site->stub = at * P11_UNIT;
        site->stub_end = (at + size) * P11_UNIT;
        site->at = site->loc;
        site->width = 0;
        site->patched = 0;
        at += size;
    }
    /* Exception table: the original's entries, those of a probed handler
     * pointing at its stub (the stubs themselves are covered by none: a
     * handler probe never raises). */
    const unsigned char *p, *end;
    p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    while (p < end) {
        int start, size, target, dl;
        p = read_exc_entry(p, end, &start, &size, &target, &dl);
        int stub = p11_handler_stub(sites, n, target);
        if (p11_put_exc_varint(&eb, (unsigned int)start, 1) < 0 ||
            p11_put_exc_varint(&eb, (unsigned int)size, 0) < 0 ||
            p11_put_exc_varint(&eb, (unsigned int)(stub >= 0 ? stub : target),
                               0) < 0 ||
            p11_put_exc_varint(&eb, (unsigned int)dl, 0) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    /* Location table: the original's, then the stubs with no location:
     * the evaluator's tracing dispatch, on between the exception's trace
     * call and the probe, then reports no 'line' at a stub, so the frame
     * needs no filters of pep669's for it (legacy_exceptions.c,
     * on_exception); the probe shows the frame at the handler and no
     * stub instruction raises. */
    if (p11_put_bytes(&lb, co->co_linetable) < 0) {
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (p11_put_no_location(
                &lb, (sites[i].stub_end - sites[i].stub) / P11_UNIT) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    clone = p11_copy_code(co, out, at, probes, &eb, &lb, co->co_stacksize);
    goto done;
refuse:
    /* (no exception: the code runs without handler probes) */
    PyErr_Clear();
done:
    Py_XDECREF(orig_bytes);
    PyMem_RawFree(out);
    PyMem_RawFree(eb.buf);
    PyMem_RawFree(lb.buf);
    return clone;
}
