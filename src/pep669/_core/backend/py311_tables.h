/* The tables of 3.11's copy of a code object (included by
 * backend/py311_clone.h only): writers of the exception table's and the
 * location table's varints, and the position entry a stub takes from its
 * location.  The formats are 3.11's Objects/locations.md and
 * Objects/exception_handling_notes.txt; the readers of the original's
 * tables are in backend/py311.c (read_varint) and below. */
#ifndef PEP669_PY311_TABLES_H
#define PEP669_PY311_TABLES_H

#ifndef P11_UNIT
#  error "py311_tables.h is included by py311_clone.h only"
#endif

/* Exception table and location table writers. */
typedef struct {
    unsigned char *buf;
    Py_ssize_t len, cap;
} P11Buf;

static int
p11_put(P11Buf *b, unsigned char c)
{
    if (b->len == b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 64;
        unsigned char *nb = PyMem_RawRealloc(b->buf, (size_t)cap);
        if (nb == NULL) {
            return -1;
        }
        b->buf = nb;
        b->cap = cap;
    }
    b->buf[b->len++] = c;
    return 0;
}

/* Appends a bytes object's contents (one of the original's tables, which
 * the copies extend); MemoryError set on failure. */
static int
p11_put_bytes(P11Buf *b, PyObject *bytes)
{
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(bytes);
    for (Py_ssize_t i = 0; i < PyBytes_GET_SIZE(bytes); i++) {
        if (p11_put(b, p[i]) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* A varint of the exception table: 6-bit chunks, most significant first,
 * 0x40 on every chunk but the last; `mark` (0x80) on the first. */
static int
p11_put_exc_varint(P11Buf *b, unsigned int v, int mark)
{
    unsigned char chunks[6];
    int n = 0;
    do {
        chunks[n++] = v & 63;
        v >>= 6;
    } while (v != 0);
    for (int i = n - 1; i >= 0; i--) {
        unsigned char c = chunks[i] | (i > 0 ? 64 : 0);
        if (i == n - 1 && mark) {
            c |= 128;
        }
        if (p11_put(b, c) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A varint of the location table: 6-bit chunks, least significant
 * first, 0x40 on every chunk but the last. */
static int
p11_put_loc_varint(P11Buf *b, unsigned int v)
{
    while (v >= 64) {
        if (p11_put(b, (unsigned char)(64 | (v & 63))) < 0) {
            return -1;
        }
        v >>= 6;
    }
    return p11_put(b, (unsigned char)v);
}

static int
p11_put_loc_svarint(P11Buf *b, int v)
{
    return p11_put_loc_varint(
        b, v < 0 ? ((unsigned int)(-v) << 1) | 1 : (unsigned int)v << 1);
}

static unsigned int
p11_read_loc_varint(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    unsigned int v = 0;
    int shift = 0;
    while (p < end) {
        unsigned char c = *p++;
        v |= (unsigned int)(c & 63) << shift;
        shift += 6;
        if (!(c & 64)) {
            break;
        }
    }
    *pp = p;
    return v;
}

/* The line a location table leaves its reader at (the base of the next
 * entry's line delta). */
static int
p11_last_line(PyCodeObject *co)
{
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(
        co->co_linetable);
    const unsigned char *end = p + PyBytes_GET_SIZE(co->co_linetable);
    int line = co->co_firstlineno;
    while (p < end) {
        int code = (*p++ >> 3) & 15;
        switch (code) {
        case 15:  /* no location */
            break;
        case 14: {  /* long form */
            unsigned int v = p11_read_loc_varint(&p, end);
            line += (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
            (void)p11_read_loc_varint(&p, end);
            (void)p11_read_loc_varint(&p, end);
            (void)p11_read_loc_varint(&p, end);
            break;
        }
        case 13: {  /* no columns */
            unsigned int v = p11_read_loc_varint(&p, end);
            line += (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
            break;
        }
        case 10:
        case 11:
        case 12:  /* one line: delta code - 10, two column bytes */
            line += code - 10;
            p += 2;
            break;
        default:  /* short form: one column byte */
            p += 1;
            break;
        }
    }
    return line;
}

/* Location-table entries with no location for `units` units (the
 * reader's line unchanged). */
static int
p11_put_no_location(P11Buf *b, int units)
{
    while (units > 0) {
        int k = units > 8 ? 8 : units;
        if (p11_put(b, (unsigned char)(128 | (15 << 3) | (k - 1))) < 0) {
            return -1;
        }
        units -= k;
    }
    return 0;
}

/* The positions (line, end line, column, end column; line -1 for none)
 * of each unit of `co`, from one walk of its location table (the reader
 * PyCode_Addr2Location is, entry by entry: one call per stub walked the
 * table from its start each time).  A PyMem_Raw array of 4 * units ints;
 * NULL with MemoryError set on failure. */
static int *
p11_positions(PyCodeObject *co, int units)
{
    int *pos = PyMem_RawMalloc(sizeof(int) * 4 * (size_t)(units > 0 ? units
                                                                     : 1));
    if (pos == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(
        co->co_linetable);
    const unsigned char *end = p + PyBytes_GET_SIZE(co->co_linetable);
    int line = co->co_firstlineno, u = 0;
    while (u < units) {
        int l = -1, endl = -1, col = -1, endcol = -1, len = 1;
        if (p < end) {
            int first = *p++, code = (first >> 3) & 15;
            len = (first & 7) + 1;
            switch (code) {
            case 15:  /* no location */
                break;
            case 14: {  /* long form */
                unsigned int v = p11_read_loc_varint(&p, end);
                line += (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
                l = line;
                endl = l + (int)p11_read_loc_varint(&p, end);
                col = (int)p11_read_loc_varint(&p, end) - 1;
                endcol = (int)p11_read_loc_varint(&p, end) - 1;
                break;
            }
            case 13: {  /* no columns */
                unsigned int v = p11_read_loc_varint(&p, end);
                line += (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
                l = endl = line;
                break;
            }
            case 10:
            case 11:
            case 12:  /* one line: delta code - 10, two column bytes */
                line += code - 10;
                l = endl = line;
                col = p < end ? *p++ : 0;
                endcol = p < end ? *p++ : 0;
                break;
            default: {  /* short form: one column byte */
                int second = p < end ? *p++ : 0;
                l = endl = line;
                col = (code << 3) | (second >> 4);
                endcol = col + (second & 15);
                break;
            }
            }
        }
        for (; len > 0 && u < units; len--, u++) {
            pos[4 * u] = l;
            pos[4 * u + 1] = endl;
            pos[4 * u + 2] = col;
            pos[4 * u + 3] = endcol;
        }
    }
    return pos;
}

/* One location-table entry for `units` units at the position of the
 * original's instruction at `loc_unit`; *line is the reader's line.
 * *pos: the positions of the original's units, made at the first call
 * (p11_positions; the caller frees it). */
static int
p11_put_position(P11Buf *b, int **pos, PyCodeObject *co, int loc_unit,
                 int units, int *line)
{
    if (*pos == NULL) {
        *pos = p11_positions(co, (int)Py_SIZE(co));
        if (*pos == NULL) {
            return -1;
        }
    }
    const int *at = *pos + 4 * loc_unit;
    int l = at[0], endl = at[1], col = at[2], endcol = at[3];
#ifdef PEP669_DEBUG
    {
        int l2, col2, endl2, endcol2;
        PEP669_ASSERT(PyCode_Addr2Location(co, loc_unit * P11_UNIT, &l2,
                                           &col2, &endl2, &endcol2));
        PEP669_ASSERT(l2 == l && (l < 0 || (endl2 == endl && col2 == col &&
                                            endcol2 == endcol)));
    }
#endif
    if (l < 0) {
        return p11_put_no_location(b, units);
    }
    if (endl < l) {
        endl = l;
    }
    while (units > 0) {
        int k = units > 8 ? 8 : units;
        if (p11_put(b, (unsigned char)(128 | (14 << 3) | (k - 1))) < 0 ||
            p11_put_loc_svarint(b, l - *line) < 0 ||
            p11_put_loc_varint(b, (unsigned int)(endl - l)) < 0 ||
            p11_put_loc_varint(b, (unsigned int)(col + 1)) < 0 ||
            p11_put_loc_varint(b, (unsigned int)(endcol + 1)) < 0) {
            return -1;
        }
        *line = l;
        units -= k;
    }
    return 0;
}

/* The copy itself: `co` with the given code, constants, tables and stack
 * size, every other field as code.replace() keeps it.  Not code.replace():
 * that reports "code.__new__" to the audit hooks (a program's hooks would
 * see the mechanism; native monitoring audits nothing), and a hook's end
 * turns the tracing dispatch on as a trace call's does.  Its constructor,
 * PyCode_NewWithPosOnlyArgs, audits nothing. */
static PyCodeObject *
p11_new_code(PyCodeObject *co, PyObject *bytes, PyObject *consts,
             PyObject *exc, PyObject *lines, int stacksize)
{
    PyCodeObject *res = NULL;
    PyObject *varnames = PyCode_GetVarnames(co);
    PyObject *cellvars = varnames != NULL ? PyCode_GetCellvars(co) : NULL;
    PyObject *freevars = cellvars != NULL ? PyCode_GetFreevars(co) : NULL;
    if (freevars != NULL) {
        res = PyCode_NewWithPosOnlyArgs(
            co->co_argcount, co->co_posonlyargcount, co->co_kwonlyargcount,
            co->co_nlocals, stacksize, co->co_flags, bytes, consts,
            co->co_names, varnames, freevars, cellvars, co->co_filename,
            co->co_name, co->co_qualname, co->co_firstlineno, lines, exc);
    }
    Py_XDECREF(varnames);
    Py_XDECREF(cellvars);
    Py_XDECREF(freevars);
    return res;
}

#endif /* PEP669_PY311_TABLES_H */
