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
/* Per tool and branch location: which of its parts are disabled. */
#define D_LEFT 1u
#define D_RIGHT 2u
#define D_BRANCH 4u
#define D_BITS 3
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
    uint64_t epoch;           /* pep669_nat_epoch when `disabled` was valid */
    Py_ssize_t units;         /* code units (0 until the first branch) */
    uint8_t *fall;            /* per unit: fall-through distance in units of
                                 a branch instruction, 0 for others */
    uint32_t *disabled;       /* per unit: D_* bits, D_BITS per tool */
    int32_t *left_dest;       /* per unit: LEFT's destination where it is
                                 not the fall-through (-1: it is) */
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
/* The tool's local event set on the code changed to `events` (3.14 bits). */
void pep669_nat_code_set_local(CodeData *cd, int tool, uint32_t events);

/* ---- the functions of `monitoring` (native_api.c) ---- */

/* set_events ... clear_tool_id: `monitoring`'s own functions. */
extern PyMethodDef pep669_nat_methods[];

/* ---- the mux (native_branch.c) ---- */

/* Make the mux the tool's native BRANCH callback while it uses LEFT/RIGHT,
 * and give its own BRANCH callback back when it no longer does. */
void pep669_nat_update_mux(int tool);
/* Create the muxes (one per tool).  0, or -1 with an exception. */
int pep669_nat_branch_init(void);

#endif /* PEP669_NATIVE_H */
