/* The flow analysis's decoding of one instruction (lineflow.c, pass 1):
 * what pep669_backend_step says of it, from the backend's table by opcode
 * byte as stored (pep669_backend_decode_table, one load a unit), written
 * out so that the step stays in registers (private to lineflow.c; debug
 * builds compare pep669_backend_step). */
#ifndef PEP669_LINEFLOW_DECODE_H
#define PEP669_LINEFLOW_DECODE_H

#include "backend.h"
#include "check.h"

/* The code as the table reads it (pep669_flow_decoder). */
typedef struct {
    const uint32_t *table;
    const _Py_CODEUNIT *code;
    int units, size, scale;   /* size: bytes */
} Pep669FlowDecoder;

static inline void
pep669_flow_decoder(PyCodeObject *co, Pep669FlowDecoder *d)
{
    d->table = pep669_backend_decode_table(co, &d->code, &d->units,
                                           &d->scale);
    d->size = d->units * (int)sizeof(_Py_CODEUNIT);
}

/* pep669_backend_step of the instruction that starts at `off` (< size). */
static inline void
pep669_flow_decode(PyCodeObject *co, const Pep669FlowDecoder *d, int off,
                   Pep669Step *st)
{
    int unit = (int)((unsigned int)off / sizeof(_Py_CODEUNIT));
    uint32_t info = d->table[_Py_OPCODE(d->code[unit])];
    unsigned int arg = _Py_OPARG(d->code[unit]);
    while ((info & PEP669_DEC_EXT) && unit + 1 < d->units) {
        unit++;
        info = d->table[_Py_OPCODE(d->code[unit])];
        arg = (arg << 8) | (unsigned int)_Py_OPARG(d->code[unit]);
    }
    int after = (unit + 1 + PEP669_DEC_CACHES(info)) *
                (int)sizeof(_Py_CODEUNIT);
    st->at = unit * (int)sizeof(_Py_CODEUNIT);
    st->after = after;
    st->cls = PEP669_DEC_CLS(info);
    st->kind = PEP669_DEC_KIND(info);
    st->known = !(info & PEP669_DEC_UNKNOWN);
    st->next = after < d->size && !(info & PEP669_DEC_STOPS) ? after : -1;
    st->target = -1;
    if (info & PEP669_DEC_TARGET) {
        int delta = (int)arg * d->scale;
        st->target = (info & PEP669_DEC_REL)    ? after + delta
                     : (info & PEP669_DEC_BACK) ? after - delta
                                                : delta;
        st->known = st->known && st->target < d->size;
    }
#ifdef PEP669_DEBUG
    Pep669Step ref;
    pep669_backend_step(co, off, &ref);
    PEP669_ASSERT(ref.at == st->at && ref.after == st->after &&
                  ref.kind == st->kind && ref.cls == st->cls &&
                  ref.known == st->known && ref.next == st->next &&
                  ref.target == st->target);
#else
    (void)co;
#endif
}

#endif
