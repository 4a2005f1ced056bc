/* pep669._native (CPython 3.12 and 3.13): what its files share.
 *
 * The extension gives 3.14's sys.monitoring API over the interpreter's own
 * one.  Its files, bottom up:
 *
 *   native_code.c    per-code data (co_extra): the branch instructions of
 *                    the bytecode, the per-tool DISABLE bits of their
 *                    edges, the code objects with local events
 *   native_branch.c  the mux: BRANCH_LEFT/RIGHT classified from the native
 *                    BRANCH event, DISABLE per edge; LEFT/RIGHT fired from
 *                    C (pep669.h)
 *   native_wait.c    waiting edges: an edge whose branch is otherwise
 *                    disabled, reported from its destination
 *   native_api.c     the Python functions that differ from the native ones
 *                    (set_events ... restart_events, clear_tool_id)
 *   native_module.c  the module, the native objects it wraps, monitor.h
 *                    for capi.c
 *
 * Nothing here exists on other versions. */
#ifndef PEP669_NATIVE_H
#define PEP669_NATIVE_H

#define Py_BUILD_CORE 1
#include "monitor.h"
#include "check.h"
#include <internal/pycore_interp.h>

#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x030E0000
#  error "pep669._native is for CPython 3.12 and 3.13"
#endif

#define EV_BRANCH PEP669_BIT(BRANCH)
#define EV_LEFT PEP669_BIT(BRANCH_LEFT)
#define EV_RIGHT PEP669_BIT(BRANCH_RIGHT)
#define EV_LR (EV_LEFT | EV_RIGHT)
#define EV_INSTRUCTION PEP669_BIT(INSTRUCTION)
/* Per tool and unit of a code (CodeData.state).  At a branch instruction:
 * the parts of it the tool disabled, the edges seen since the last
 * restart_events(), and the edge it waits for. */
#define D_LEFT 1u
#define D_RIGHT 2u
#define D_BRANCH 4u
#define D_EDGES 7u
#define S_LEFT 8u     /* seen: the mux classified it at least once */
#define S_RIGHT 16u
#define W_LEFT 32u    /* waiting: the native BRANCH location is disabled
                         and this edge is reported from its destination */
#define W_RIGHT 64u
#define W_ANY (W_LEFT | W_RIGHT)
/* At any unit: the tool's own INSTRUCTION callback returned DISABLE here
 * while the location stays live for a waiting edge. */
#define D_INSTR 128u
#define SEEN(side) ((uint8_t)((side) << 3))
#define WAIT(side) ((uint8_t)((side) << 5))
#define TOOLS PEP669_TOOL_COUNT

/* ---- the native module's objects (native_module.c) ---- */

typedef struct {
    PyObject *module;         /* sys.monitoring */
    PyObject *set_events;
    PyObject *get_events;
    PyObject *set_local_events;
    PyObject *get_local_events;
    PyObject *register_callback;
    PyObject *restart_events;
    PyObject *all_events;
    PyObject *get_tool;
    PyObject *disable;        /* sys.monitoring.DISABLE */
    PyObject *missing;        /* sys.monitoring.MISSING */
} NativeObjects;

extern NativeObjects pep669_nat;

/* Whether the caller runs in the main interpreter, the only one whose tools
 * have the 3.14 state below. */
int pep669_nat_in_main_interpreter(void);

/* ---- the tools' 3.14 state (native_branch.c) ---- */

typedef struct {
    uint32_t global_lr;       /* LEFT/RIGHT bits of its global event set */
    int global_branch;        /* it asked for BRANCH globally itself */
    PyObject *left, *right;   /* callbacks */
    PyObject *branch;         /* its BRANCH callback while the mux is its
                                 native one */
    int mux;                  /* the mux is its native BRANCH callback */
    Py_ssize_t local_lr_codes;  /* code objects with local LEFT/RIGHT */
    /* Waiting edges (native_wait.c). */
    int global_instr;         /* INSTRUCTION in its global event set */
    int waits;                /* the INSTRUCTION and LINE muxes are its
                                 native callbacks for those events */
    PyObject *instr, *line;   /* its own INSTRUCTION and LINE callbacks
                                 while they are */
    Py_ssize_t instr_codes;   /* codes with CodeData.instr_on */
    Py_ssize_t line_codes;    /* codes with CodeData.line_on */
    uint64_t clears;          /* bumped when its per-code state is void
                                 (clear_tool_id, no more LEFT/RIGHT) */
} ToolState;

extern ToolState pep669_nat_tools[TOOLS];
/* Bumped by restart_events(): per-edge DISABLEs older than it are void. */
extern uint64_t pep669_nat_epoch;

/* ---- per code object (native_code.c) ---- */

/* Made when a tool sets local events on the code or a branch of it
 * reaches the mux; freed with the code. */
typedef struct CodeData {
    PyObject *code;           /* borrowed: the data dies with the code */
    struct CodeData *prev, *next;   /* codes with local events */
    int linked;
    uint8_t local_lr[TOOLS];       /* LEFT/RIGHT bits of the local set,
                                      shifted down to D_LEFT/D_RIGHT */
    uint8_t local_branch[TOOLS];   /* it asked for BRANCH locally itself */
    uint8_t local_any[TOOLS];      /* some local event set here */
    uint32_t local_native[TOOLS];  /* the native events of the tool's own
                                      local set (LEFT/RIGHT as BRANCH) */
    uint8_t instr_on[TOOLS];       /* native INSTRUCTION added to its local
                                      set here for waiting edges */
    uint8_t line_on[TOOLS];        /* edges of it wait here on its own LINE
                                      event alone (nothing added) */
    uint64_t epoch;           /* pep669_nat_epoch when `state` was valid */
    Py_ssize_t units;         /* code units (0 until the first branch) */
    uint8_t *fall;            /* per unit: fall-through distance in units of
                                 a branch instruction, 0 for others */
    uint8_t *state;           /* per unit and tool (unit * TOOLS + tool):
                                 D_*, S_*, W_* bits */
    int32_t *left_dest;       /* per unit: LEFT's destination (offset) where
                                 3.14's is not the fall-through (-1: it is) */
    int32_t *right_dest;      /* per branch unit: the unit the native RIGHT
                                 edge goes to (-1 for others) */
    int32_t *pend;            /* per unit reached only through one branch
                                 edge: 2 * its source unit + (1 for RIGHT);
                                 -1 for others */
    Py_ssize_t waiting[TOOLS];  /* branch units with a W_* bit */
    uint64_t tool_epoch[TOOLS];    /* ToolState.clears when its state bytes
                                      were valid */
} CodeData;

/* The code objects with local events of some tool (a list through
 * prev/next). */
extern CodeData *pep669_nat_local_codes;

/* The co_extra index; -1 on failure (ImportError set). */
int pep669_nat_code_init(void);
/* The code's data, or NULL (no error). */
CodeData *pep669_nat_code_data(PyObject *code);
/* The same, made if missing; NULL with an exception. */
CodeData *pep669_nat_code_data_ensure(PyObject *code);
/* Read the branch instructions of the code's bytecode (cd->units > 0
 * after).  0, or -1 with an exception. */
int pep669_nat_code_branches(CodeData *cd);
/* The code's per-unit state (made if missing), valid for the current
 * epoch: after restart_events() every bit goes (the interpreter re-enabled
 * every location) but the waiting ones (W_*: the mux ends a wait when its
 * branch reports again), and the tool's after its `clears` changed.  0, or -1
 * with an exception. */
int pep669_nat_code_fresh(CodeData *cd, int tool);
/* Link the code into the list of codes with local events, or unlink it,
 * as its local sets and instr_on say. */
void pep669_nat_code_relink(CodeData *cd);
/* The tool's local event set on the code changed to `events` (3.14 bits). */
void pep669_nat_code_set_local(CodeData *cd, int tool, uint32_t events);

/* ---- the functions of `monitoring` (native_api.c) ---- */

/* set_events ... clear_tool_id: `monitoring`'s own functions. */
extern PyMethodDef pep669_nat_methods[];

/* ---- the mux (native_branch.c) ---- */

/* Make the mux the tool's native BRANCH callback while it uses LEFT/RIGHT,
 * and give its own BRANCH callback back when it no longer does (and end
 * its waiting).  0, or -1 with an exception. */
int pep669_nat_update_mux(int tool);
/* Create the muxes (one per tool).  0, or -1 with an exception. */
int pep669_nat_branch_init(void);
/* The tool's native callback slot for `event` (3.12/3.13 numbers). */
PyObject **pep669_nat_slot(int tool, int event);
/* Report edge `side` (D_LEFT/D_RIGHT) of the branch at `unit` to the tool
 * as the mux does (its BRANCH callback if it asked for BRANCH, then LEFT or
 * RIGHT), with the native arguments `args` (code, source offset,
 * destination offset).  The tool's state byte there is updated.  0, or
 * -1 with an exception. */
int pep669_nat_report(int tool, CodeData *cd, long unit, uint8_t side,
                      PyObject *const *args);
/* Everything the tool wants at the branch (BRANCH, LEFT, RIGHT) is
 * disabled in `st`. */
int pep669_nat_done(int tool, const CodeData *cd, uint8_t st);

/* ---- waiting edges (native_wait.c) ----
 *
 * An edge waits when the tool has disabled (or does not want) everything
 * else at its branch and has never taken it: the native BRANCH location
 * is disabled and the edge is reported from its destination, which only
 * that edge reaches (CodeData.pend): by the tool's own LINE event there
 * where the destination starts another line and the tool has LINE on the
 * code (nothing added), else by the native INSTRUCTION event added to the
 * tool's local set on the code.  So a branch whose one edge is disabled
 * costs nothing while the program keeps taking that edge.  A half-disabled
 * branch whose other edge cannot wait (its destination is a join) keeps
 * firing into the mux, which drops it on its fast path. */

/* Make edge `side` of the branch at `unit` wait, if it can: 1 (the mux
 * returns DISABLE), 0 (it cannot), -1 with an exception. */
int pep669_nat_wait(int tool, CodeData *cd, long unit, uint8_t side,
                    uint8_t st);
/* The tool no longer uses LEFT/RIGHT (or is cleared): nothing of its
 * waiting stays (its INSTRUCTION/LINE callbacks back in their slots, the
 * added INSTRUCTION events gone).  0, or -1 with an exception. */
int pep669_nat_unwait(int tool);
/* register_callback for INSTRUCTION or LINE while the tool's are held
 * here: the previous callback (a new reference, or None). */
PyObject *pep669_nat_wait_register(int tool, int event, PyObject *func);
/* The native local event set to give the interpreter for the tool's own
 * `native_ev` on the code (INSTRUCTION added while edges wait there). */
uint32_t pep669_nat_wait_local(int tool, CodeData *cd, uint32_t native_ev);
/* Take the added INSTRUCTION out of the tool's local sets (put_back 0) or
 * put it back (1), on one code or (only == NULL) on every code that has it:
 * around a change that gives the tool INSTRUCTION there itself, so that
 * the locations disabled for waiting are live again.  0, or -1. */
int pep669_nat_wait_reinstrument(int tool, CodeData *only, int put_back);
/* After a change of event sets: the added INSTRUCTION taken out and put
 * back on `only` (or every code that has it), for every tool, so that a
 * code that became multi-tool keeps it.  0, or -1 with an exception. */
int pep669_nat_wait_refresh(CodeData *only);
/* After a change of event sets: the waiting edges on `only` (or every
 * code) that another tool's LINE or INSTRUCTION would now precede at
 * their destination wait no longer (their branches' native locations live
 * again).  0; 1 if a tool's global set was changed and put back for it
 * (then pep669_nat_wait_refresh(NULL) is due); -1 with an exception. */
int pep669_nat_wait_recheck(CodeData *only);
int pep669_nat_wait_init(void);

#endif /* PEP669_NATIVE_H */
