/* Handler clones (3.11): a copy of flat code whose frames want exception
 * events only, in which an exception reaches each handler that starts
 * with PUSH_EXC_INFO through a stub whose probe gives the handler's entry
 * in the evaluator (probe_entries.c, pep669_handler_probe_bool; the copy:
 * backend/py311_handlers.h).  Nothing of the original is patched, so a
 * handler clone serves every tool and event set that wants exception
 * events only (trampoline.h, HANDLER_PROBED); it is retired only when
 * another kind of clone takes the code's place. */
#include "probe.h"


/* A handler clone of `co` (NULL, no exception, when it has no handler
 * that can have a probe, or the copy cannot be made). */
static Pep669Clone *
make_handler_clone(PyCodeObject *co)
{
    int max = 64;
    int locs[64];
    int size;
    int n = pep669_backend_handler_sites(co, locs, max, &size);
    if (n <= 0) {
        return NULL;
    }
    Pep669Clone *cl = PyMem_RawCalloc(1, sizeof(Pep669Clone));
    if (cl == NULL) {
        goto fail;
    }
    cl->sites = PyMem_RawCalloc((size_t)n, sizeof(Pep669Site));
    cl->patched = PyMem_RawCalloc((size_t)size / 2 + 1, 1);
    if (cl->sites == NULL || cl->patched == NULL) {
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        cl->sites[i].loc = locs[i];
        cl->sites[i].src = -1;
        cl->sites[i].bsrc = -1;
    }
    PyObject *probes = new_probes(n, 1);
    if (probes == NULL) {
        goto fail;
    }
    cl->code = pep669_backend_clone_handlers(co, probes, cl->sites, n);
    if (cl->code == NULL) {
        Py_DECREF(probes);
        goto fail;
    }
    cl->refs = 1;
    attach_probes(cl, probes);
    cl->calls = 2;
    cl->orig = co;
    cl->restart_version = pep669_registry.restart_version;
    cl->base = size;
    cl->nsites = n;
    pep669_handler_clones++;
    return cl;
fail:
    free_unbuilt(cl);
    return NULL;
}

Pep669Clone *
pep669_probe_handler_clone(PyCodeObject *co, Pep669CodeData *cd)
{
    Pep669Clone *cl = cd->clone;
    if (cl != NULL && cl->calls == 2 && !cl->retired) {
        pep669_clone_incref(cl);
        return cl;
    }
    if (!pep669_backend_handler_probes() ||
        !pep669_backend_probes_supported() ||
        cd->handler_probes != 2 ||
        (co->co_flags & (CO_GENERATOR | CO_COROUTINE |
                         CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR))) {
        return NULL;
    }
    if (PEP669_UNLIKELY(cd->exc_flat == 0)) {
        int flat = pep669_backend_code_exc_flat(co);
        cd->exc_flat = flat == 1 ? 1 : flat == 2 ? 3 : 2;
    }
    if (cd->exc_flat == 2) {
        cd->handler_probes = 1;
        return NULL;
    }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    cl = make_handler_clone(co);
    PyErr_Restore(type, value, tb);
    if (cl == NULL) {
        cd->handler_probes = 1;
        return NULL;
    }
    if (cd->clone != NULL) {
        pep669_clone_retire(cd->clone);
        pep669_clone_decref(cd->clone);
    }
    cd->clone = cl;
    pep669_clone_incref(cl);
    return cl;
}

int
pep669_clone_handler_probed(const Pep669Clone *cl, int offset)
{
    for (int i = 0; offset >= 0 && i < cl->nsites; i++) {
        if (cl->sites[i].loc == offset) {
            return 1;
        }
    }
    return 0;
}

