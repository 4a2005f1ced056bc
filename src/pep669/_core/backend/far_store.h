/* The STORE_SUBSCR a far site's probe makes (site->far 2, the instruction
 * before the jump): container[key] = value off the frame's three stack
 * slots, which become None for the stub to pop.  One static inline,
 * included by jumpfar.c.h (3.8-3.10) and py311_far.h (3.11). */
#ifndef PEP669_FAR_STORE_H
#define PEP669_FAR_STORE_H

/* `base`: the three items STORE_SUBSCR takes (value, container, key),
 * bottom first.  1, or -1 with the exception PyObject_SetItem set. */
static inline int
far_store_subscr(PyObject **base)
{
    PyObject *value = base[0], *container = base[1], *key = base[2];
    base[0] = Py_NewRef(Py_None);
    base[1] = Py_NewRef(Py_None);
    base[2] = Py_NewRef(Py_None);
    int err = PyObject_SetItem(container, key, value);
    Py_DECREF(value);
    Py_DECREF(container);
    Py_DECREF(key);
    return err < 0 ? -1 : 1;
}

#endif
