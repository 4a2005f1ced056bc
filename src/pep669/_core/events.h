/* The one event table.
 *
 * X(NAME, NUMBER, KIND): NUMBER is the 3.12/3.13 event id (bit 1 << NUMBER
 * of an event set); BRANCH_LEFT and BRANCH_RIGHT are 3.14's events, given
 * the next free numbers so that 3.12-era code keeps its bit values.  KIND:
 *   LOCAL      settable per code object, DISABLE-able per location
 *   ANCILLARY  C_RETURN / C_RAISE: only together with CALL
 *   OTHER      global only, not DISABLE-able
 * No event number appears as a literal anywhere else.
 */
#ifndef PEP669_EVENTS_H
#define PEP669_EVENTS_H

#define PEP669_EVENT_TABLE(X) \
    X(PY_START, 0, LOCAL) \
    X(PY_RESUME, 1, LOCAL) \
    X(PY_RETURN, 2, LOCAL) \
    X(PY_YIELD, 3, LOCAL) \
    X(CALL, 4, LOCAL) \
    X(LINE, 5, LOCAL) \
    X(INSTRUCTION, 6, LOCAL) \
    X(JUMP, 7, LOCAL) \
    X(BRANCH, 8, LOCAL) \
    X(STOP_ITERATION, 9, LOCAL) \
    X(RAISE, 10, OTHER) \
    X(EXCEPTION_HANDLED, 11, OTHER) \
    X(PY_UNWIND, 12, OTHER) \
    X(PY_THROW, 13, OTHER) \
    X(RERAISE, 14, OTHER) \
    X(C_RETURN, 15, ANCILLARY) \
    X(C_RAISE, 16, ANCILLARY) \
    X(BRANCH_LEFT, 17, LOCAL) \
    X(BRANCH_RIGHT, 18, LOCAL)

enum {
#define PEP669_X_ENUM(name, num, kind) PEP669_EV_##name = num,
    PEP669_EVENT_TABLE(PEP669_X_ENUM)
#undef PEP669_X_ENUM
    PEP669_EVENT_COUNT
};

#define PEP669_KIND_LOCAL 1
#define PEP669_KIND_ANCILLARY 2
#define PEP669_KIND_OTHER 4

/* Event sets (bit masks) by kind, computed from the table. */
#define PEP669_X_MASK_LOCAL(name, num, kind) \
    | ((PEP669_KIND_##kind == PEP669_KIND_LOCAL) ? (1u << (num)) : 0u)
#define PEP669_X_MASK_ANCILLARY(name, num, kind) \
    | ((PEP669_KIND_##kind == PEP669_KIND_ANCILLARY) ? (1u << (num)) : 0u)
#define PEP669_LOCAL_EVENTS (0u PEP669_EVENT_TABLE(PEP669_X_MASK_LOCAL))
#define PEP669_C_EVENTS (0u PEP669_EVENT_TABLE(PEP669_X_MASK_ANCILLARY))
#define PEP669_ALL_EVENTS ((1u << PEP669_EVENT_COUNT) - 1u)

#define PEP669_BIT(ev) (1u << PEP669_EV_##ev)

/* Events the eval-frame hook produces. */
#define PEP669_FRAME_EVENTS \
    (PEP669_BIT(PY_START) | PEP669_BIT(PY_RESUME) | PEP669_BIT(PY_THROW) | \
     PEP669_BIT(PY_RETURN) | PEP669_BIT(PY_YIELD) | PEP669_BIT(PY_UNWIND))

/* Events detected per line or per instruction (the trace trampoline with
 * tracing on), and those of them that need opcode events. */
#define PEP669_OPCODE_EVENTS \
    (PEP669_BIT(INSTRUCTION) | PEP669_BIT(JUMP) | PEP669_BIT(BRANCH) | \
     PEP669_BIT(BRANCH_LEFT) | PEP669_BIT(BRANCH_RIGHT))
#define PEP669_LINE_LEVEL_EVENTS (PEP669_BIT(LINE) | PEP669_OPCODE_EVENTS)
#define PEP669_JUMP_EVENTS \
    (PEP669_BIT(JUMP) | PEP669_BIT(BRANCH) | PEP669_BIT(BRANCH_LEFT) | \
     PEP669_BIT(BRANCH_RIGHT))

/* Public tool ids are 0..5 (6 and 7 are sys.setprofile/sys.settrace in
 * 3.12 and are refused by every API). */
#define PEP669_TOOL_COUNT 6

#endif
