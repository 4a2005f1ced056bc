/* Generators suspended at PY_YIELD.
 *
 * Natively (3.12/3.13) PY_YIELD fires after the frame suspended: in its
 * callbacks the generator (coroutine, async generator) reads as
 * suspended (gi_running False, gi_suspended True, getgeneratorstate()
 * GEN_SUSPENDED), gi_yieldfrom / cr_await / ag_await show the delegate
 * of a `yield from` / `await`, and 3.13's frame.clear() refuses with
 * "cannot clear a suspended frame".  Resuming, closing or throwing into
 * it from there crashes 3.12.1 and 3.13.0.
 *
 * Before 3.12 the flag those attributes read and the guard of send(),
 * close() and throw() are one field (3.8/3.9 gi_running, 3.10 the frame's
 * state, 3.11 the generator's), and close()/throw() take the delegate
 * from the value stack without looking at that guard.  So the backend
 * keeps the generator executing and its delegate hidden while callbacks
 * run (nothing can re-enter it: those calls raise "already executing"),
 * and the attributes Python reads consult the list kept here instead.
 * The getters are swapped in the types' descriptors (a getset keeps its
 * descriptor object; 3.8/3.9's gi_running / cr_running members become
 * getset descriptors, as they are from 3.10 on). */
#include "suspended.h"
#include "check.h"
#include <structmember.h>

/* Generators whose PY_YIELD callbacks run, on every thread.  The GIL
 * guards it; entries live in the C frames that push them. */
static Pep669Suspended *suspended_list = NULL;

void
pep669_suspended_push(Pep669Suspended *s, const Pep669Link *link)
{
    s->gen = (PyObject *)link->gen;
    s->delegate = (PyObject *)link->delegate;
    s->next = suspended_list;
    suspended_list = s;
}

void
pep669_suspended_pop(Pep669Suspended *s)
{
    /* (not necessarily the head: another thread's callbacks may have
     * pushed and not yet popped) */
    Pep669Suspended **p = &suspended_list;
    while (*p != NULL && *p != s) {
        p = &(*p)->next;
    }
    PEP669_ASSERT(*p == s);
    if (*p == s) {
        *p = s->next;
    }
}

static Pep669Suspended *
suspended_find(PyObject *gen)
{
    Pep669Suspended *s = suspended_list;
    while (s != NULL && s->gen != gen) {
        s = s->next;
    }
    return s;
}

enum { RUNNING, SUSPENDED, DELEGATE };

typedef struct {
    const char *name;
    int kind;
    PyGetSetDef def;          /* ours */
    getter orig_get;          /* the original getset's getter, or */
    void *orig_closure;
    PyMemberDef *orig_member; /* the original member */
    PyObject *orig_descr;     /* (a member's descriptor, kept) */
} Override;

#define GEN_OVERRIDES 3
#define CORO_OVERRIDES 3
static Override overrides[] = {
    {"gi_running", RUNNING}, {"gi_suspended", SUSPENDED},
    {"gi_yieldfrom", DELEGATE},
    {"cr_running", RUNNING}, {"cr_suspended", SUSPENDED},
    {"cr_await", DELEGATE},
    {"ag_suspended", SUSPENDED}, {"ag_await", DELEGATE},
};

static PyObject *
override_get(PyObject *obj, void *closure)
{
    Override *ov = (Override *)closure;
    Pep669Suspended *s = suspended_find(obj);
    if (s != NULL) {
        if (ov->kind == RUNNING) {
            Py_RETURN_FALSE;
        }
        if (ov->kind == SUSPENDED) {
            Py_RETURN_TRUE;
        }
        if (s->delegate != NULL) {
            return Py_NewRef(s->delegate);
        }
    }
    if (ov->orig_get != NULL) {
        return ov->orig_get(obj, ov->orig_closure);
    }
    return PyMember_GetOne((const char *)obj, ov->orig_member);
}

static int
override_install(PyTypeObject *type, Override *ov)
{
    PyObject *descr = PyDict_GetItemString(type->tp_dict, ov->name);
    if (descr == NULL) {
        return 0;   /* (gi_suspended and the like: 3.11+) */
    }
    if (Py_TYPE(descr) == &PyGetSetDescr_Type) {
        PyGetSetDescrObject *gd = (PyGetSetDescrObject *)descr;
        if (gd->d_getset == &ov->def) {
            return 0;
        }
        ov->def = *gd->d_getset;
        ov->orig_get = ov->def.get;
        ov->orig_closure = ov->def.closure;
        ov->def.get = override_get;
        ov->def.closure = ov;
        gd->d_getset = &ov->def;
        return 0;
    }
    if (Py_TYPE(descr) != &PyMemberDescr_Type) {
        PyErr_Format(PyExc_SystemError, "%s.%s not found", type->tp_name,
                     ov->name);
        return -1;
    }
    PyMemberDescrObject *md = (PyMemberDescrObject *)descr;
    ov->orig_member = md->d_member;
    ov->def.name = md->d_member->name;
    ov->def.get = override_get;
    ov->def.set = NULL;
    ov->def.doc = md->d_member->doc;
    ov->def.closure = ov;
    /* owned */
    PyObject *ours = PyDescr_NewGetSet(type, &ov->def);
    if (ours == NULL) {
        return -1;
    }
    ov->orig_descr = Py_NewRef(descr);
    int err = PyDict_SetItemString(type->tp_dict, ov->name, ours);
    Py_DECREF(ours);
    PyType_Modified(type);
    return err;
}

static PyMethodDef clear_def;
static PyCFunction clear_orig = NULL;

static PyObject *
frame_clear(PyObject *self, PyObject *unused)
{
    PyObject *gen = pep669_backend_frame_object_generator(self);
    if (gen != NULL && suspended_find(gen) != NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot clear a suspended frame");
        return NULL;
    }
    return clear_orig(self, unused);
}

int
pep669_suspended_init(void)
{
    static int done = 0;
    if (done) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
        PyTypeObject *type =
            i < GEN_OVERRIDES ? &PyGen_Type :
            i < GEN_OVERRIDES + CORO_OVERRIDES ? &PyCoro_Type :
            &PyAsyncGen_Type;
        if (override_install(type, &overrides[i]) < 0) {
            return -1;
        }
    }
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict, "clear");
    if (descr == NULL || Py_TYPE(descr) != &PyMethodDescr_Type ||
        ((PyMethodDescrObject *)descr)->d_method->ml_flags != METH_NOARGS) {
        PyErr_SetString(PyExc_SystemError, "frame.clear not found");
        return -1;
    }
    PyMethodDescrObject *md = (PyMethodDescrObject *)descr;
    clear_def = *md->d_method;
    clear_orig = clear_def.ml_meth;
    clear_def.ml_meth = frame_clear;
    md->d_method = &clear_def;
    done = 1;
    return 0;
}
