/* frame.f_lineno set from a callback.
 *
 * Inside a callback, a tool may move the frame as 3.12 allows (a LINE,
 * JUMP or BRANCH event; not during a call, not from a frame event).  The
 * move itself is the interpreter's (its setter, as from a legacy trace
 * function); where the frame is not in a trace call of its own (a line
 * probe), the move is checked now and made at the frame's next trace
 * event (pending_jump). */
#include "lineno.h"

/* The frame type's own setter of f_lineno: the interpreter's, which
 * allows a jump only from a legacy trace function (f_trace set, the frame
 * in a trace call).  Ours stands in for it (the same descriptor object,
 * another PyGetSetDef): inside callbacks it applies 3.12's rules, then
 * moves the frame with the interpreter's own setter. */
static setter lineno_orig = NULL;
static PyGetSetDef lineno_def;

static Pep669Record *
record_of(PyFrameObject *f)
{
    Pep669Frame *fr = pep669_backend_pyframe_frame(f);
    Pep669Record *top = pep669_hooked_record(fr);
    if (top != NULL) {
        return top;
    }
    return is_unhooked(fr) ? &pep669_thread.unhooked : NULL;
}

/* 3.12's setter after a jump it allows: the frame's variables with no
 * value are bound to None, with a RuntimeWarning (here after the move,
 * the interpreter's own; a warning made an error leaves the frame
 * moved). */
static int
bind_unbound(PyFrameObject *f)
{
    int unbound = pep669_backend_pyframe_unbound(f, 0);
    if (unbound == 0) {
        return 0;
    }
    if (PyErr_WarnFormat(PyExc_RuntimeWarning, 0,
                         "assigning None to %d unbound local%s", unbound,
                         unbound == 1 ? "" : "s") < 0) {
        return -1;
    }
    (void)pep669_backend_pyframe_unbound(f, 1);
    return 0;
}

/* The interpreter's setter, as from a trace function of the frame's. */
static int
lineno_move(PyFrameObject *f, PyObject *value, void *closure)
{
    PyObject *trace = pep669_backend_pyframe_trace(f);
    if (trace != NULL) {
        return lineno_orig((PyObject *)f, value, closure);
    }
    pep669_backend_pyframe_set_trace(f, Py_None);
    int err = lineno_orig((PyObject *)f, value, closure);
    if (pep669_backend_pyframe_trace(f) == Py_None) {
        pep669_backend_pyframe_set_trace(f, NULL);
    }
    return err;
}

void
pep669_trace_frame_moved(PyFrameObject *frame, int lasti, int jump)
{
    Pep669Record *rec = record_of(frame);
    if (rec == NULL) {
        return;
    }
    /* The line it lands on was "given" (3.12 reports no LINE for it), and
     * the move is no jump of the code's. */
    rec->last_line = line_of(rec->code, lasti);
    rec->prev_offset = -1;
    rec->moved = (char)jump;
    rec->quiet_lines = 0;
    rec->quiet_units = NULL;
}

static int
lineno_set(PyObject *self, PyObject *value, void *closure)
{
    pep669_enter(PyThreadState_Get());
    int event = pep669_thread.what_event;
    if (event < 0 || !PyFrame_Check(self)) {
        /* Not from a callback: the interpreter's rules (a legacy trace
         * function's jump). */
        return lineno_orig(self, value, closure);
    }
    PyFrameObject *f = (PyFrameObject *)self;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute");
        return -1;
    }
    if (!PyLong_CheckExact(value)) {
        PyErr_SetString(PyExc_ValueError, "lineno must be an integer");
        return -1;
    }
    /* 3.12/3.13 (frame_setlineno): by the event whose callback runs. */
    switch (event) {
    case PEP669_EV_LINE:
    case PEP669_EV_JUMP:
    case PEP669_EV_BRANCH:
    case PEP669_EV_BRANCH_LEFT:
    case PEP669_EV_BRANCH_RIGHT:
    case PEP669_EV_PY_RESUME:
    case PEP669_EV_PY_YIELD:
        break;
    case PEP669_EV_PY_START:
        PyErr_SetString(PyExc_ValueError,
                        "can't jump from the 'call' trace event of a new "
                        "frame");
        return -1;
    case PEP669_EV_CALL:
    case PEP669_EV_C_RETURN:
        PyErr_SetString(PyExc_ValueError, "can't jump during a call");
        return -1;
    case PEP669_EV_PY_RETURN:
    case PEP669_EV_PY_UNWIND:
    case PEP669_EV_PY_THROW:
    case PEP669_EV_RAISE:
    case PEP669_EV_C_RAISE:
    case PEP669_EV_INSTRUCTION:
    case PEP669_EV_EXCEPTION_HANDLED:
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        return -1;
    default:
        PyErr_SetString(PyExc_SystemError, "unexpected event type");
        return -1;
    }
    if (event == PEP669_EV_PY_RESUME || event == PEP669_EV_PY_YIELD ||
        pep669_thread.line_origin == PEP669_ORIGIN_NONE ||
        pep669_thread.line_origin == PEP669_ORIGIN_HOOK) {
        /* The frame is not running there (docs/differences.md), or the
         * event came from the C API: the frame is in a call. */
        PyErr_SetString(PyExc_ValueError,
                        "can only jump from a 'line' trace event");
        return -1;
    }
    Pep669Record *rec = record_of(f);
    if (rec == NULL) {
        /* Not the frame of the event (the innermost one pep669 runs):
         * what the interpreter allows (a frame with f_trace set). */
        return lineno_orig(self, value, closure);
    }
    if (pep669_thread.line_origin == PEP669_ORIGIN_PROBE) {
        /* A line probe: the frame runs the probe's call.  Checked on a
         * copy now, made at the location's line event once the frame
         * runs traced (fire_line_probe, pep669_trace). */
        int to = pep669_backend_jump_check(f, value, lineno_orig, closure);
        if (to < 0 || bind_unbound(f) < 0) {
            return -1;
        }
        /* (where the callbacks see it: fire_line_probe puts the
         * location back for the stub) */
        pep669_backend_frame_set_lasti(rec->frame, to);
        pep669_backend_frame_resync(rec->frame, to);
        rec->pending = 1;
        rec->pending_line = PyLong_AsLong(value);
        rec->quiet_lines = 0;
        rec->quiet_units = NULL;
        return 0;
    }
    if (rec->jump_pos != NULL) {
        /* A JUMP or BRANCH callback, which sees the frame at the jump:
         * the interpreter has it at the destination already, and the
         * move starts from there. */
        if (rec->moved) {
            PyErr_SetString(PyExc_ValueError,
                            "can only jump from a 'line' trace event");
            return -1;
        }
        pep669_backend_frame_restore(rec->frame, rec->jump_pos);
        if (lineno_move(f, value, closure) < 0) {
            Pep669FramePos again;
            pep669_backend_frame_move(rec->frame, rec->jump_src, &again);
            return -1;
        }
        pep669_trace_frame_moved(f, pep669_backend_pyframe_lasti(f), 1);
        return bind_unbound(f);
    }
    /* A legacy trace call of the frame: the interpreter takes the new
     * position when it returns. */
    if (lineno_move(f, value, closure) < 0) {
        return -1;
    }
    pep669_trace_frame_moved(f, pep669_backend_pyframe_lasti(f),
                             event != PEP669_EV_LINE);
    return bind_unbound(f);
}

/* The move a line probe's callback asked for, at the frame's first trace
 * event after the probe. */
PEP669_INTERNAL int
pending_jump(Pep669Record *rec, PyFrameObject *frame)
{
    rec->pending = 0;
    /* owned */
    PyObject *line = PyLong_FromLong(rec->pending_line);
    if (line == NULL) {
        return -1;
    }
    int err = lineno_move(frame, line, lineno_def.closure);
    Py_DECREF(line);
    if (err == 0) {
        pep669_trace_frame_moved(frame, pep669_backend_pyframe_lasti(frame),
                                 0);
    }
    return err;
}

int
pep669_lineno_init(void)
{
    PyObject *descr = PyDict_GetItemString(PyFrame_Type.tp_dict,
                                           "f_lineno");
    if (descr == NULL || Py_TYPE(descr) != &PyGetSetDescr_Type) {
        PyErr_SetString(PyExc_SystemError, "frame.f_lineno not found");
        return -1;
    }
    PyGetSetDescrObject *gd = (PyGetSetDescrObject *)descr;
    if (gd->d_getset == &lineno_def) {
        return 0;
    }
    lineno_def = *gd->d_getset;
    lineno_orig = lineno_def.set;
    lineno_def.set = lineno_set;
    gd->d_getset = &lineno_def;
    return 0;
}
