/* Installing and removing the eval-frame hook, shared by every backend.
 * The backend defines `eval_hook`, `prev_eval`, get_eval() and set_eval()
 * before expanding PEP669_DEFINE_HOOK_SWITCH(). */
#ifndef PEP669_BACKEND_HOOK_H
#define PEP669_BACKEND_HOOK_H

/* hook_wanted: some tool needs frame events; in_chain: our hook is among
 * the interpreter's evaluators (possibly under another tool's hook, in
 * which case it stays there, passing through, until it is on top). */
static int hook_wanted = 0;
static int in_chain = 0;

#define PEP669_DEFINE_HOOK_SWITCH() \
    int \
    pep669_backend_set_eval_hook(int on) \
    { \
        hook_wanted = on; \
        if (on && !in_chain) { \
            prev_eval = get_eval(); \
            set_eval(eval_hook); \
            in_chain = 1; \
        } \
        else if (!on && in_chain && get_eval() == eval_hook) { \
            set_eval(prev_eval); \
            in_chain = 0; \
        } \
        return 0; \
    } \
    \
    int \
    pep669_backend_eval_hook_installed(void) \
    { \
        return in_chain && hook_wanted; \
    } \
    \
    int \
    pep669_backend_init(void) \
    { \
        return 0; \
    }

#endif
