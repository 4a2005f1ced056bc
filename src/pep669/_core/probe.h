/* Line probes: code whose remaining LINE locations are few runs its frames
 * on a patched copy (a "clone") in which each of those locations jumps to
 * a stub that calls a probe; the rest of the code runs untraced.
 * Version-independent; the backend builds clones and swaps frames' code. */
#ifndef PEP669_PROBE_H
#define PEP669_PROBE_H

#include "backend.h"
#include "lineflow.h"
#include "record.h"

struct Pep669Clone;
/* Unpatch every site: frames running it must then be traced. */
void pep669_clone_retire(struct Pep669Clone *cl);

typedef struct Pep669Clone {
    Py_ssize_t refs;        /* the code data's, and each running frame's */
    PyCodeObject *code;     /* the clone (owned) */
    PyObject *probes;       /* a tuple of its probes (owned; also in code's
                             * consts): a line clone's one, one per call
                             * site of a call clone */
    /* (a call clone of code without calls has neither: code is the
     * original, borrowed, and probes NULL) */
    /* What it was built for: the tools with LINE then, and the registry's
     * restart version (a restart_events() makes every location wanted
     * again). */
    uint8_t line_tools;
    /* (branch probes) the tools with BRANCH, BRANCH_LEFT, BRANCH_RIGHT
     * then */
    uint8_t branch_tools[3];
    /* (JUMP probes) the tools with JUMP then */
    uint8_t jump_tools;
    uint64_t restart_version;
    /* (line clones) the code's DISABLEs of LINE and the jump events when
     * it was built: a clone a guard retired is made again only after
     * more (pep669_clone_guard_retire) */
    uint64_t disables;
    /* A call clone (call probes: a site at every call instruction, for
     * code that wants CALL and no line-level events), built for the tools
     * with CALL then; the original code (borrowed: every frame running
     * the clone holds it).  calls 2: a handler clone (3.11: a site at the
     * entry of each handler that starts with PUSH_EXC_INFO, nothing
     * patched; pep669_probe_handler_clone). */
    int calls;
    uint8_t call_tools;
    PyCodeObject *orig;
    /* Retired: every site unpatched, frames running it are traced like
     * frames of the original (see pep669_clone_valid). */
    int retired;
    int base;               /* the original's size in bytes */
    int nsites;             /* sites, by location (and by stub) */
    Pep669Site *sites;
    uint8_t *patched;       /* per unit of the original: a patched site */
    /* (for tests) runs of a frame started on it by the hook's quiet path
     * (pep669_trace_enter_quiet) */
    Py_ssize_t quiet_runs;
    /* (for tests; 3.11 call clones) those the hook's fast path started
     * (pep669_frame_eval_calls) */
    Py_ssize_t calls_fast_runs;
    /* (for tests; 3.11 call clones) calls of Python functions its probes
     * left to the evaluator (site->inloop) */
    Py_ssize_t calls_in_place;
    /* (3.8-3.10 line clones) its entry stub (entry.test 0: none): a
     * fresh run starts on it without a window (rec->entry); (for tests)
     * the runs whose entry stub put the frame's code back, and those
     * started in a window */
    Pep669Entry entry;
    Py_ssize_t entry_runs;
    Py_ssize_t window_runs;
    /* (for tests) runs started bare (no record: pep669_trace_push_bare),
     * and those of them that got their record during the run
     * (pep669_trace_bare_record) */
    Py_ssize_t bare_runs;
    Py_ssize_t bare_records;
    /* (for tests) handler probes that fired the handler's events, and
     * those that left them to the traced path (probe_fire.c) */
    Py_ssize_t handler_runs;
    Py_ssize_t handler_traced;
    /* (handler clones) the last exception-table lookup of the original's
     * (legacy_exceptions.c, handler_at): the offset + 1 (0: none) and its
     * handler (-1: none) */
    int exc_at, exc_handler;
    /* (handler clones) the last cleanup chain of a re-raise that left the
     * frame (legacy_exceptions.c, frame_end_reraise): its offset + 1 (0:
     * none), length and steps */
    int chain_at, chain_n, chain[3 * 4];
} Pep669Clone;

/* Whether `cl` is a handler clone (calls 2): a constant 0 where the
 * backend makes none (PEP669_HANDLER_CLONES: 3.8-3.10). */
static inline int
pep669_clone_handlers(const Pep669Clone *cl)
{
    return PEP669_HANDLER_CLONES && cl != NULL && cl->calls == 2;
}

/* A clone for a new run of `co` (whose events, refreshed, want LINE), new
 * reference; NULL (no exception) when the code cannot use one now. */
Pep669Clone *pep669_probe_clone(PyCodeObject *co, Pep669CodeData *cd);
/* The same for code that wants CALL (and no line-level events): a call
 * clone. */
Pep669Clone *pep669_probe_call_clone(PyCodeObject *co, Pep669CodeData *cd);
/* (3.11) The same for code that wants exception events only and is flat
 * (pep669_backend_code_exc_flat), not a generator: a handler clone (calls
 * 2), whose probes stand at the entry of its handlers that start with
 * PUSH_EXC_INFO (backend.h, pep669_backend_clone_handlers). */
Pep669Clone *pep669_probe_handler_clone(PyCodeObject *co, Pep669CodeData *cd);
/* (probe.c, for probe_handlers.c) A tuple of n probes, not attached yet
 * (NULL with an exception; calls: site i for the i-th, else -1); attach
 * them to `cl`; free a clone that could not be built.  Handler clones
 * made (for tests). */
PEP669_INTERNAL PyObject *new_probes(Py_ssize_t n, int calls);
PEP669_INTERNAL void attach_probes(Pep669Clone *cl, PyObject *probes);
PEP669_INTERNAL void free_unbuilt(Pep669Clone *cl);
extern Py_ssize_t pep669_handler_clones;
/* Whether the handler at `offset` of a handler clone's code has a probe. */
int pep669_clone_handler_probed(const Pep669Clone *cl, int offset);

static inline void
pep669_clone_incref(Pep669Clone *cl)
{
    cl->refs++;
}

void pep669_clone_decref(Pep669Clone *cl);
/* The code data lets its clone go (the code goes, or clear_tool_id voided
 * it): retired (frames still running it are traced from their next call
 * or return on), then released. */
void pep669_clone_drop(Pep669Clone *cl);

/* Whether `cl` (the code's clone, or NULL) can serve a new run as a clone
 * of that kind (calls: a call clone) for the code's tools with LINE or
 * CALL now (`cd` refreshed): not retired, no tool gained the event since
 * it was built, no restart_events() since. */
/* The events a line clone's probes stand in for: LINE, the branch
 * events (branch probes) and JUMP (JUMP probes, on the unconditional
 * jumps). */
#define PEP669_BRANCH_PROBE_EVENTS \
    (PEP669_BIT(BRANCH) | PEP669_BIT(BRANCH_LEFT) | PEP669_BIT(BRANCH_RIGHT))
#define PEP669_PROBED_EVENTS \
    (PEP669_BIT(LINE) | PEP669_BRANCH_PROBE_EVENTS | PEP669_BIT(JUMP))

static inline int
pep669_clone_serves(const Pep669Clone *cl, const Pep669CodeData *cd,
                    int calls)
{
    uint8_t tools = cd->tools[calls ? PEP669_EV_CALL : PEP669_EV_LINE];
    return cl != NULL && !cl->retired && cl->calls == calls &&
           (tools & (uint8_t)~(calls ? cl->call_tools : cl->line_tools)) ==
               0 &&
           (calls ||
            ((cd->tools[PEP669_EV_BRANCH] & (uint8_t)~cl->branch_tools[0]) |
             (cd->tools[PEP669_EV_BRANCH_LEFT] &
              (uint8_t)~cl->branch_tools[1]) |
             (cd->tools[PEP669_EV_BRANCH_RIGHT] &
              (uint8_t)~cl->branch_tools[2]) |
             (cd->tools[PEP669_EV_JUMP] & (uint8_t)~cl->jump_tools)) == 0) &&
           cl->restart_version == pep669_registry.restart_version;
}

/* Before a site is unpatched as wanted by no tool: the tools that no
 * longer have the event for the code at all (a callback took it away:
 * set_events, set_local_events, clear_tool_id; not a DISABLE) leave what
 * the clone was built for, so that their gaining it again retires the
 * clone (pep669_clone_serves) and the next frame gets every location
 * they did not DISABLE, as natively. */
static inline void
pep669_clone_narrow(Pep669Clone *cl, Pep669CodeData *cd)
{
    (void)pep669_code_data_events(cd);
    cl->line_tools &= cd->tools[PEP669_EV_LINE];
    cl->branch_tools[0] &= cd->tools[PEP669_EV_BRANCH];
    cl->branch_tools[1] &= cd->tools[PEP669_EV_BRANCH_LEFT];
    cl->branch_tools[2] &= cd->tools[PEP669_EV_BRANCH_RIGHT];
    cl->jump_tools &= cd->tools[PEP669_EV_JUMP];
    cl->call_tools &= cd->tools[PEP669_EV_CALL];
}

/* Events that need every instruction of a frame seen (opcode events):
 * a frame that must be traced so gains nothing from a clone. */
#define PEP669_CLONE_BLOCKING_EVENTS \
    (PEP669_BIT(INSTRUCTION) | PEP669_BIT(CALL) | \
     PEP669_BIT(C_RETURN) | PEP669_BIT(C_RAISE))

/* Whether the clone still stands in for every LINE location some tool
 * wants: not retired, no tool gained LINE, no restart since it was built,
 * and the frame's other events (`needed`: the code's, refreshed, less the
 * line-level events done) need no opcode events.  If not, it is retired
 * now (see pep669_clone_retire). */
/* Events a call clone cannot run with: they need the frame traced. */
#define PEP669_CALL_CLONE_BLOCKING_EVENTS \
    (PEP669_LINE_LEVEL_EVENTS | PEP669_HANDLER_EVENTS)

static inline int
pep669_clone_valid(Pep669Clone *cl, Pep669CodeData *cd, uint32_t needed)
{
    if (cl->retired) {
        return 0;
    }
    if (pep669_clone_serves(cl, cd, cl->calls) &&
        !(needed & (cl->calls ? PEP669_CALL_CLONE_BLOCKING_EVENTS
                              : PEP669_CLONE_BLOCKING_EVENTS))) {
        return 1;
    }
    pep669_clone_retire(cl);
    return 0;
}


/* The site whose stub contains `offset`, or NULL. */
Pep669Site *pep669_clone_stub_site(Pep669Clone *cl, int offset);

/* Whether `offset` is a stub's, a site still patched, or the jump to the
 * entry stub. */
static inline int
pep669_clone_detour(Pep669Clone *cl, int offset)
{
    return offset >= cl->base ||
           (offset >= 0 && (cl->patched[offset >> 1] ||
                            offset < cl->entry.resume));
}

/* Whether `site` is a guard whose branch has an edge some tool wants. */
int pep669_site_guards(PyCodeObject *co, Pep669CodeData *cd,
                       const Pep669Site *site);
/* A guard of `cl` (a site at a branch with an edge still wanted that no
 * probe can take) was reached: the clone is retired (the frame goes on
 * traced from the branch), and made again for a later run only once some
 * tool DISABLEd more of the code since it was built. */
void pep669_clone_guard_retire(Pep669Clone *cl, Pep669CodeData *cd);

/* Unpatch the sites of the location `loc` that no tool needs any more
 * (LINE there, and the branch edge or jump each stands for). */
void pep669_clone_unpatch(Pep669Clone *cl, Pep669CodeData *cd, int loc);
/* Whether some tool still wants what the site stands for. */
int pep669_site_wanted(PyCodeObject *co, Pep669CodeData *cd,
                       const Pep669Site *site);
/* Unpatch one site. */
void pep669_clone_unpatch_site(Pep669Clone *cl, Pep669Site *site);

/* For tests: what the code's data says of its clone, which mechanism runs
 * a frame now (probe_state.c). */
PyObject *pep669_probe_state(PyCodeObject *co);
PyObject *pep669_probe_frame_mechanism(PyObject *frame);
/* How many times a call clone, a line clone, could not be made
 * (probe_refused.c). */
extern Py_ssize_t pep669_call_refusals;
extern Py_ssize_t pep669_line_refusals;

/* Whether the LINE location at `loc` is one some of `tools` still want. */
static inline int
pep669_still_wanted(const Pep669CodeData *cd, const uint8_t *map, uint8_t tools,
             int loc)
{
    return map == NULL || (pep669_map_tools(cd, map, loc >> 1) & tools) !=
                              tools;
}

/* A probe object: what a stub calls (its vectorcall is the one given to
 * pep669_probe_init). */
typedef struct {
    PyObject_HEAD
    Pep669Clone *clone;  /* borrowed: the clone clears it when it goes */
    vectorcallfunc vectorcall;
    int site;            /* a call or handler probe's site, or -1 (line
                          * probes) */
} Pep669Probe;

/* Module initialisation: the probe type, and what a probe does when
 * called (`fire`) or, on 3.11, truth-tested by its stub (`fire_bool`):
 * probe_fire.c's, given by pep669_probe_fire_init). */
int pep669_probe_init(vectorcallfunc fire, inquiry fire_bool);

#endif
