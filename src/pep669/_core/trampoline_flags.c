/* frame.f_trace_lines and frame.f_trace_opcodes as the program set them,
 * while the frame object holds pep669's filters.
 *
 * A frame whose record is engaged (trampoline.h, flags_write) holds
 * pep669's filters in its frame object: the interpreter reads them there
 * before each instruction.  The program's own values live in the record
 * then (`legacy_lines`, `legacy_opcodes`).  The two attributes, members of
 * the frame type, become getset descriptors that read and write the
 * record's values for such a frame and the member itself for any other
 * (the member descriptor's own conversion, checks and messages: the
 * value must be a bool).  So no callback needs the program's filters put
 * back into the frame object before it runs and pep669's afterwards
 * (what pep669_trace_show and pep669_trace_unshow did around every loop
 * of callbacks), and a frame reads its own flags while it runs traced.
 * Process-wide, as CPython's static types are (installed once at the
 * first module init), consulting only the running thread's records. */
#include "trampoline.h"
#include <structmember.h>   /* PyMemberDef, PyMember_GetOne/SetOne */

/* 0: f_trace_lines, 1: f_trace_opcodes */
static PyMemberDef *flag_member[2];
static PyGetSetDef flag_def[2];

/* The thread's record whose frame object is `f` and holds pep669's
 * filters, or NULL.  Only the innermost record run through the hook and
 * the unhooked slot's can be engaged while Python code runs: a callee's
 * start shows its caller's (trampoline.c, show_caller). */
static Pep669Record *
engaged_record(PyObject *self)
{
    if (!PyFrame_Check(self)) {
        return NULL;
    }
    pep669_enter(PyThreadState_Get());
    Pep669Frame *fr = pep669_backend_pyframe_frame((PyFrameObject *)self);
    Pep669Record *top = pep669_thread.record_top;
    if (top != NULL && top->engaged && top->frame == fr) {
        return top;
    }
    if (pep669_thread.unhooked.engaged && is_unhooked(fr)) {
        return &pep669_thread.unhooked;
    }
    return NULL;
}

static PyObject *
flag_get(PyObject *self, void *closure)
{
    int which = closure != NULL;
    Pep669Record *rec = engaged_record(self);
    if (rec == NULL) {
        return PyMember_GetOne((const char *)self, flag_member[which]);
    }
    return PyBool_FromLong(which ? rec->legacy_opcodes : rec->legacy_lines);
}

static int
flag_set(PyObject *self, PyObject *value, void *closure)
{
    int which = closure != NULL;
    /* (the member's own checks and conversion; for a frame that holds
     * pep669's filters, the value is the program's, and the frame object
     * gets pep669's back) */
    if (PyMember_SetOne((char *)self, flag_member[which], value) < 0) {
        return -1;
    }
    Pep669Record *rec = engaged_record(self);
    if (rec != NULL) {
        PyFrameObject *f = (PyFrameObject *)self;
        int lines, opcodes;
        pep669_backend_pyframe_get_flags(f, &lines, &opcodes);
        if (which) {
            rec->legacy_opcodes = opcodes;
        }
        else {
            rec->legacy_lines = lines;
        }
        rec->cur_lines = (char)lines;
        rec->cur_opcodes = (char)opcodes;
        flags_write(rec, f, rec->eng_lines, rec->eng_opcodes);
    }
    return 0;
}

static int
wrap_flag(int which, const char *name)
{
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict, name);
    if (descr != NULL && Py_TYPE(descr) == &PyGetSetDescr_Type &&
        ((PyGetSetDescrObject *)descr)->d_getset == &flag_def[which]) {
        /* (another interpreter's module init made it) */
        return 0;
    }
    if (descr == NULL || Py_TYPE(descr) != &PyMemberDescr_Type) {
        PyErr_Format(PyExc_SystemError, "frame.%s not found", name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    flag_def[which].name = member->name;
    flag_def[which].get = flag_get;
    flag_def[which].set = flag_set;
    flag_def[which].doc = member->doc;
    /* (the closure tells the two apart) */
    flag_def[which].closure = which ? (void *)&flag_def[1] : NULL;
    /* owned */
    PyObject *ours = PyDescr_NewGetSet(&PyFrame_Type, &flag_def[which]);
    if (ours == NULL) {
        return -1;
    }
    flag_member[which] = member;
    int err = PyDict_SetItemString(PyFrame_Type.tp_dict, name, ours);
    Py_DECREF(ours);
    PyType_Modified(&PyFrame_Type);
    return err;
}

int
pep669_trace_flags_init(void)
{
    if (wrap_flag(0, "f_trace_lines") < 0 ||
        wrap_flag(1, "f_trace_opcodes") < 0) {
        return -1;
    }
    return 0;
}
