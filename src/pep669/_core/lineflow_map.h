/* The unit map's bits of an instruction (lineflow.c's pass 1 and its
 * plain decoding, pep669_code_units_slow; private to lineflow.c). */
#ifndef PEP669_LINEFLOW_MAP_H
#define PEP669_LINEFLOW_MAP_H

#include "codedata.h"
#include "backend.h"
#include "check.h"

/* The unit map's bits of an instruction's PEP669_INSTR_* class (its low
 * five bits), one load: PEP669_UNIT_CALL_EVENT, _RERAISE_EVENT (at its
 * first unit), PEP669_UNIT_QUIET_BACK (at its opcode). */
#define CLS_BITS(c) \
    (((c) & PEP669_INSTR_CALL ? PEP669_UNIT_CALL_EVENT : 0) | \
     ((c) & (PEP669_INSTR_RERAISE | PEP669_INSTR_HANDLER_EXIT) \
          ? PEP669_UNIT_RERAISE_EVENT : 0) | \
     ((c) & PEP669_INSTR_QUIET_BACK ? PEP669_UNIT_QUIET_BACK : 0))
static const uint8_t cls_unit_bits[32] = {
    CLS_BITS(0), CLS_BITS(1), CLS_BITS(2), CLS_BITS(3), CLS_BITS(4),
    CLS_BITS(5), CLS_BITS(6), CLS_BITS(7), CLS_BITS(8), CLS_BITS(9),
    CLS_BITS(10), CLS_BITS(11), CLS_BITS(12), CLS_BITS(13), CLS_BITS(14),
    CLS_BITS(15), CLS_BITS(16), CLS_BITS(17), CLS_BITS(18), CLS_BITS(19),
    CLS_BITS(20), CLS_BITS(21), CLS_BITS(22), CLS_BITS(23), CLS_BITS(24),
    CLS_BITS(25), CLS_BITS(26), CLS_BITS(27), CLS_BITS(28), CLS_BITS(29),
    CLS_BITS(30), CLS_BITS(31)
};
#undef CLS_BITS
#define CLS_OFF_BITS (PEP669_UNIT_CALL_EVENT | PEP669_UNIT_RERAISE_EVENT)

/* The unit map's bits of the instruction at `at` (its opcode; of class
 * `cls`, jump kind `kind`), which starts at `off` (its first prefix), into
 * units[] (new, zeroed). */
static inline void
map_instruction(uint8_t *units, int off, int at, int cls, int kind)
{
    /* (the bits in locals, stored once: the map is new and zeroed, and
     * each unit is one instruction's) */
    uint8_t bits = cls_unit_bits[cls & 31];
    uint8_t at_bits = (uint8_t)(PEP669_UNIT_INSTR | (bits & ~CLS_OFF_BITS));
    uint8_t off_bits = bits & CLS_OFF_BITS;
    PEP669_ASSERT((PEP669_INSTR_CALL | PEP669_INSTR_RERAISE |
                   PEP669_INSTR_HANDLER_EXIT | PEP669_INSTR_QUIET_BACK) < 32);
    if (kind >= 0) {
        at_bits |= kind == PEP669_EV_JUMP ? PEP669_UNIT_JUMP
                                          : PEP669_UNIT_BRANCH;
        off_bits |= PEP669_UNIT_JUMP_EVENT;
    }
    if (off == at) {
        units[at >> 1] = at_bits | off_bits;
        return;
    }
    for (int u = off >> 1; u < at >> 1; u++) {
        units[u] = PEP669_UNIT_INSTR | PEP669_UNIT_PREFIX;
    }
    units[off >> 1] |= off_bits;
    units[at >> 1] = at_bits;
}
#undef CLS_OFF_BITS

#endif
