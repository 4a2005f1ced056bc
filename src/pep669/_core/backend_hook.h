/* Installing and removing the eval-frame hook, shared by every backend.
 * The backend declares `prev_eval` first.  From 3.9 on (public accessors,
 * bpo-38500; hook type taking the thread state) it defines
 * PEP669_HOOK_FRAME, the type of frame the hook receives, and this file
 * defines the hook too; 3.8 defines PEP669_HOOK_CUSTOM and declares its
 * own eval_hook(), get_eval() and set_eval() before including this. */
#ifndef PEP669_BACKEND_HOOK_H
#define PEP669_BACKEND_HOOK_H

/* hook_wanted: some tool needs the hook; in_chain: our hook is among the
 * interpreter's evaluators (possibly under another tool's hook, in which
 * case it stays there, passing through, until it is on top). */
static int hook_wanted = 0;
static int in_chain = 0;

#ifndef PEP669_HOOK_CUSTOM
static PyObject *
eval_hook(PyThreadState *ts, PEP669_HOOK_FRAME *frame, int throwflag)
{
    if (!hook_wanted || ts->tracing) {
        /* Nothing wanted, or inside a callback: events are off. */
        return prev_eval(ts, frame, throwflag);
    }
    return pep669_frame_eval(ts, (Pep669Frame *)frame, throwflag);
}

static _PyFrameEvalFunction
get_eval(void)
{
    return _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get());
}

static void
set_eval(_PyFrameEvalFunction func)
{
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), func);
}
#endif

int
pep669_backend_set_eval_hook(int on)
{
    hook_wanted = on;
    if (on && !in_chain) {
        prev_eval = get_eval();
        set_eval(eval_hook);
        in_chain = 1;
    }
    else if (!on && in_chain && get_eval() == eval_hook) {
        set_eval(prev_eval);
        in_chain = 0;
    }
    return 0;
}

int
pep669_backend_eval_hook_installed(void)
{
    return in_chain && hook_wanted;
}

int
pep669_backend_init(void)
{
    return 0;
}

#endif
