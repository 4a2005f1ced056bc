/* _pep669_testcapi's module init: the one file that defines the shared
 * table pointer and calls PEP669_IMPORT(). */
#define PY_SSIZE_T_CLEAN
#define PEP669_API_SHARED
#define PEP669_API_DEFINE
#include "pep669.h"

extern PyMethodDef pep669_test_methods[];
extern PyTypeObject *pep669_test_CodeLike_Type;
int pep669_test_init_types(void);

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_pep669_testcapi",
    "Drives pep669.h from Python (tests only).",
    -1,
    pep669_test_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__pep669_testcapi(void)
{
    if (PEP669_IMPORT() < 0) {
        return NULL;
    }
    if (pep669_test_CodeLike_Type == NULL && pep669_test_init_types() < 0) {
        return NULL;
    }
    PyObject *mod = PyModule_Create(&module_def);
    if (mod == NULL) {
        return NULL;
    }
    Py_INCREF(pep669_test_CodeLike_Type);
    if (PyModule_AddObject(mod, "CodeLike",
                           (PyObject *)pep669_test_CodeLike_Type) < 0) {
        Py_DECREF(pep669_test_CodeLike_Type);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
