"""Exact streams of the line-level events: LINE, INSTRUCTION, JUMP, BRANCH,
and on 3.8-3.11 the backport's BRANCH_LEFT / BRANCH_RIGHT (3.14 names).

LINE streams are written as line numbers relative to the ``def`` line of
the function under test (``co_firstlineno``); events of other code objects
(lambdas, nested functions, comprehensions before 3.12) appear as
``(co_name, line)`` with the line relative to the same ``def``.  Offsets
(INSTRUCTION, JUMP, BRANCH) are computed with ``dis`` from the code object
that runs, so one expectation holds on every interpreter.

Where the old bytecode makes CPython's stream impossible, the expectation is
pinned per version with the reason next to it (the constants just below),
and docs/differences.md ("Line-level events") describes each case.  Where
3.12.1 and 3.13.0 disagree, the backport follows the intended behaviour and
the native quirk is pinned (FIRST_LINE_HIDDEN).
"""

import ctypes
import dis
import sys
import threading
import types
import unittest

from tests.support import (PY, Layout, MonitoringTestCase, Recorder,
                           events, in_codes, monitoring, run_in_thread)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
HAS_BRANCH_SIDES = hasattr(E, "BRANCH_LEFT")
# 3.8-3.11: frames whose branch edges are not all DISABLEd run untraced,
# on branch probes (tests/test_branch_probes.py).
BRANCH_PROBES = not pep669.NATIVE and PY < (3, 12)

# 3.8/3.9 compile the exit of a ``with`` block without any instruction on
# the ``with`` line, so the line does not come back when the block exits.
WITH_EXIT_LINE = PY >= (3, 10)

# Before 3.12 (PEP 709) list, set and dict comprehensions run in frames of
# their own code objects, which report their own LINE events.
COMPREHENSION_FRAMES = PY < (3, 12)

# 3.13.0 quirk: when the first instruction after RESUME is on the RESUME's
# own line (lambdas, one-line functions, generator expressions, class
# bodies), no LINE is reported for that line unless some tool also has
# PY_START for the code (then RESUME stays instrumented).  The "previous
# instruction was RESUME" exception of the LINE rule does not recognise the
# specialised RESUME_CHECK.  3.12.1 reports the line whatever else is set,
# and so does the backport.  FirstLineTest pins both sides.
FIRST_LINE_HIDDEN = PY == (3, 13)

# 3.8-3.10 give the calls of decorators the line of the ``def``; 3.11+
# give each call its decorator's line.
DECORATOR_CALL_LINES = PY >= (3, 11)

# Before 3.12 the conditional jump of ``x if c else y`` carries the line of
# the whole expression (its first line); 3.12+ give it the line of ``c``.
CONDEXPR_JUMP_ON_FIRST_LINE = PY < (3, 12)

# 3.8/3.9 compile ``return`` inside ``try/finally`` as CALL_FINALLY into the
# finally block and back to a RETURN_VALUE on the ``return`` line; 3.10+
# copy the finally block in front of the return instead.
RETURN_AFTER_FINALLY = PY < (3, 10)

JUMP_OPS = frozenset(["JUMP_FORWARD", "JUMP_ABSOLUTE", "JUMP_BACKWARD"])
BRANCH_OPS = frozenset([
    "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE",
    "POP_JUMP_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_FALSE",
    "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_FALSE",
    "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_NONE",
    "POP_JUMP_BACKWARD_IF_NOT_NONE", "JUMP_IF_FALSE_OR_POP",
    "JUMP_IF_TRUE_OR_POP", "JUMP_IF_NOT_EXC_MATCH", "FOR_ITER"])


ALL_LINE_LEVEL = E.LINE | E.INSTRUCTION | E.JUMP | E.BRANCH
if HAS_BRANCH_SIDES:
    ALL_LINE_LEVEL |= E.BRANCH_LEFT | E.BRANCH_RIGHT


# --------------------------------------------------------------------------
# Helpers

def nested_codes(code):
    """``code`` and every code object nested in it, depth first."""
    found = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found.extend(nested_codes(const))
    return found


def relative_lines(records, base_code, base=None):
    """LINE records as lines relative to ``base_code``'s ``def``: plain ints
    for ``base_code`` itself, ``(co_name, line)`` for other code."""
    if base is None:
        base = base_code.co_firstlineno
    out = []
    for r in records:
        if r.event != 'LINE':
            continue
        line = r.args[0] - base
        out.append(line if r.code is base_code else (r.code.co_name, line))
    return out


def first_of_line(layout, rel_line):
    """Offset of the first instruction (in bytecode order) on a line."""
    for ins in layout.instructions:
        if layout.line_of(ins.offset) == rel_line:
            return ins.offset
    raise AssertionError("no instruction on line +%d" % rel_line)


def ops_on_line(layout, rel_line, opnames):
    return [ins.offset for ins in layout.instructions
            if ins.opname in opnames and
            layout.line_of(ins.offset) == rel_line]


def one_op_on_line(layout, rel_line, opnames):
    found = ops_on_line(layout, rel_line, opnames)
    if len(found) != 1:
        raise AssertionError("%s: %s on line +%d at %r" % (
            layout.code.co_name, sorted(opnames), rel_line, found))
    return found[0]


def line_runs(layout, rel_line):
    """How many separate runs of instructions the bytecode has for a line
    (a loop test copied to the bottom of the loop gives two)."""
    runs, previous = 0, None
    for ins in layout.instructions:
        line = layout.line_of(ins.offset)
        if line == rel_line and previous != rel_line:
            runs += 1
        previous = line
    return runs


def jump_target(ins):
    """Where a jump instruction goes when taken (``argval`` is the target
    offset for every jump of 3.8-3.13)."""
    return ins.argval


def branch_exit(layout, ins):
    """The destination BRANCH reports for a FOR_ITER that is exhausted or a
    conditional jump that is taken.  3.12+ FOR_ITER skips the END_FOR at
    its target (and 3.13 the POP_TOP after it)."""
    target = jump_target(ins)
    if ins.opname == "FOR_ITER" and PY >= (3, 12):
        index = layout._index[target]
        assert layout.instructions[index].opname == "END_FOR"
        index += 1
        if PY >= (3, 13):
            assert layout.instructions[index].opname == "POP_TOP"
            index += 1
        target = layout.instructions[index].offset
    return target


def line_table(code):
    """{offset: line} of every instruction, -1 for no line (as the
    interpreter sees it: ``co_lines()`` from 3.10, ``co_lnotab`` before)."""
    lines = {}
    if PY >= (3, 10):
        for start, end, line in code.co_lines():
            for offset in range(start, end, 2):
                lines[offset] = -1 if line is None else line
    else:
        starts = dict(dis.findlinestarts(code))
        current = -1
        for ins in dis.get_instructions(code):
            current = starts.get(ins.offset, current)
            lines[ins.offset] = current
    return lines



def while_copy_left(layout, src, dest):
    """3.12/3.13 (pep669._native): BRANCH_LEFT of a ``while`` test's copy
    at the end of the body reports where its JUMP_BACKWARD goes (the
    body's start, 3.14's destination), when that jump is on the test's
    line and goes to where an earlier test on that line falls through."""
    if PY < (3, 12):
        return dest
    ins = {i.offset: i for i in layout.instructions}
    jump = ins.get(dest)
    while jump is not None and jump.opname == 'EXTENDED_ARG':
        jump = ins.get(jump.offset + 2)
    if jump is None or jump.opname != 'JUMP_BACKWARD':
        return dest
    code = layout.code
    line = _line_at(code, src)
    if _line_at(code, jump.offset) != line:
        return dest
    target = jump.argval
    for i in layout.instructions:
        if (i.offset < target and i.opname in BRANCH_OPS and
                i.opname != 'FOR_ITER' and
                layout.next_offset(i.offset) == target and
                _line_at(code, i.offset) == line):
            return target
    return dest


_ENDS = frozenset(["JUMP_FORWARD", "JUMP_ABSOLUTE", "JUMP_BACKWARD",
                   "JUMP_BACKWARD_NO_INTERRUPT", "RETURN_VALUE",
                   "RETURN_CONST", "RAISE_VARARGS", "RERAISE"])
_HANDLER_SETUPS = frozenset(["SETUP_FINALLY", "SETUP_WITH",
                             "SETUP_ASYNC_WITH"])


def cold_jump(layout, src):
    """3.8-3.11 (the engine): whether the unconditional forward jump at
    ``src`` goes over code that only exception handlers reach (a ``try``
    body's end over its handlers, a ``with`` block's or a ``finally``
    body's over the exceptional copy): 3.12+ move that code to the end of
    the function and have no jump there, so no JUMP; nor where it goes to
    a small exit block, which 3.12+ copy in its place."""
    if PY >= (3, 12):
        return False
    warm = getattr(layout, '_warm', None)
    if warm is None:
        ins = layout.instructions
        jumps = set(dis.hasjrel) | set(dis.hasjabs)
        warm, todo = set(), [layout.start]
        while todo:
            off = todo.pop()
            if off in warm or off not in layout._index:
                continue
            warm.add(off)
            i = ins[layout._index[off]]
            if i.opcode in jumps and i.opname not in _HANDLER_SETUPS:
                todo.append(i.argval)
            if i.opname not in _ENDS and layout._index[off] + 1 < len(ins):
                todo.append(layout.next_offset(off))
        layout._warm = warm
    jump = layout.instructions[layout._index[src]]
    if jump.opname not in JUMP_OPS or jump.argval <= src:
        return False
    # (a jump only handlers reach: only the small exit's rule, session 13)
    return ((src in warm and not any(src < o < jump.argval for o in warm))
            or _small_exit(layout, jump.argval))


def _small_exit(layout, target):
    # 3.12+ copy a block of at most four instructions that leaves the
    # frame into the place of a jump to it (3.10 too; 3.8/3.9/3.11 not)
    ins = [i for i in layout.instructions[layout._index[target]:]
           if i.opname != 'EXTENDED_ARG'][:4]
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    for i in ins:
        if i.opcode in jumps:
            return False
        if i.opname in _ENDS:
            return True
    return False


def while_copy_swapped(layout, lines, src):
    """3.8-3.11 (the engine): the branches whose sides 3.12+ reverse.
    3.12+ have no backward conditional jump: they reverse one over a
    JUMP_BACKWARD to its target, so its taken edge is LEFT and its
    fall-through RIGHT: a backward branch (the copy of a ``while`` loop's
    test that 3.10/3.11 put at the end of the body among them; on 3.8/3.9
    only one to a ``for`` loop's FOR_ITER, and not a ``while`` loop's test
    at the top, which a later jump on its line comes back to), and a forward one (not FOR_ITER) to an unconditional backward
    jump on its line or on none, in the same exception-table region
    (3.12 threads it to that jump's target first)."""
    if PY >= (3, 12):
        return False
    raw = lines
    lines = {k: -1 if v is None else v for k, v in raw.items()}
    ins = {i.offset: i for i in layout.instructions}
    jump = ins[src]
    target = jump.argval
    if not isinstance(target, int) or jump.opname == 'FOR_ITER':
        return False
    if target < src:
        if PY >= (3, 10):
            return True
        if ins[target].opname != 'FOR_ITER':
            return False    # back to a while loop's test: 3.12+'s copy
        for i in layout.instructions:
            if (i.offset > src and i.opname in JUMP_OPS
                    and isinstance(i.argval, int)
                    and target < i.argval <= src
                    and lines[i.argval] == lines[src]):
                return False
        return True
    back = ins.get(target)
    if (back is None or back.opname not in JUMP_OPS
            or not isinstance(back.argval, int) or back.argval >= target
            or not (lines[target] == lines[src] or lines[target] < 0)):
        return False
    if PY >= (3, 11):
        def region(off):
            for start, end, handler, _, _ in dis._parse_exception_table(
                    layout.code):
                if start <= off < end:
                    return handler
            return None
        return region(src) == region(target)
    return True


def _line_at(code, offset):
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return None

class TraceOracle(object):
    """The line-level streams CPython's rules give for one run, derived
    from what the interpreter itself reports it executed: the legacy opcode
    trace (``sys.settrace`` with ``f_trace_opcodes``) of ``codes`` while
    ``func(*args)`` runs, then the PEP 669 rules applied to that path:

    * INSTRUCTION for every traced instruction (RESUME is never traced),
      and for the instruction after an EXTENDED_ARG (see ``_complete``);
    * JUMP/BRANCH for a jump instruction of JUMP_OPS/BRANCH_OPS, with the
      next traced instruction of the same frame as destination, before the
      destination's LINE; BRANCH_RIGHT if that is not the next instruction
      in bytecode order, BRANCH_LEFT if it is (the backport only);
    * LINE when the instruction has a line and the frame's previous
      instruction was on another line; the first instruction of a frame
      always (3.13.0: unless on the RESUME's line, FIRST_LINE_HIDDEN); the
      first after a generator resumes only if it is on another line than
      the yield; an exception handler like any other instruction (the
      previous one is the instruction that raised);
    * 3.8/3.9 only, LNOTAB_NO_LINE below.

    On 3.12/3.13 the legacy trace is itself built on sys.monitoring, and
    the oracle is checked against the native streams (OracleTest), which
    shows the rules are CPython's; on 3.8-3.11 it is the reference for the
    engine.  The run must take the same path every time."""

    def __init__(self, func, args, codes, event_set):
        self.codes = list(codes)
        self.event_set = event_set
        self.log = self._trace(func, args)

    def _trace(self, func, args):
        ids = frozenset(id(c) for c in self.codes)
        log, frames = [], {}

        def tracer(frame, event, arg):
            if id(frame.f_code) not in ids:
                return None
            # set on every event: 3.13.0 ignores it when set at 'call'
            frame.f_trace_opcodes = True
            if event == 'call':
                key = id(frame)
                if frames.get(key) is frame:
                    log.append((key, frame.f_code, 'resume', frame.f_lasti))
                else:
                    frames[key] = frame
                    log.append((key, frame.f_code, 'start', None))
            elif event == 'opcode':
                log.append((id(frame), frame.f_code, 'op', frame.f_lasti))
            elif event == 'exception' and not (
                    issubclass(arg[0], StopIteration) and
                    dis.opname[frame.f_code.co_code[frame.f_lasti]]
                    == 'FOR_ITER'):
                # (a loop ending on StopIteration is no exception here)
                log.append((id(frame), frame.f_code, 'exc', frame.f_lasti))
            return tracer
        # 3.12.1 only delivers opcode events if some frame had
        # f_trace_opcodes set before sys.settrace was called.
        here = sys._getframe()
        here.f_trace_opcodes = True
        sys.settrace(tracer)
        try:
            func(*args)
        finally:
            sys.settrace(None)
            here.f_trace_opcodes = False
            frames.clear()
        return self._complete(log)

    @staticmethod
    def _complete(log):
        """3.8-3.11 trace no opcode event for an instruction after
        EXTENDED_ARG (the interpreter dispatches it directly); 3.12+ report
        both, as INSTRUCTION does.  Add the missing ones."""
        out = []
        for i, entry in enumerate(log):
            out.append(entry)
            key, code, kind, offset = entry
            if kind != 'op':
                continue
            op = dis.opname[code.co_code[offset]]
            following = log[i + 1] if i + 1 < len(log) else None
            if op == 'EXTENDED_ARG' and following != (key, code, 'op',
                                                      offset + 2):
                out.append((key, code, 'op', offset + 2))
        return out

    def events(self):
        """Expected records, as ``Recorder.events()`` gives them."""
        want = self.event_set
        tables = {}
        out = []
        # per frame: (kind of the previous step, its offset, its line,
        # 3.8/3.9 only: inside a run entered by a forward jump)
        state = {}
        for key, code, kind, offset in self.log:
            if code not in tables:
                starts = frozenset(o for o, _ in dis.findlinestarts(code))
                tables[code] = (line_table(code), Layout(code), starts)
            lines, layout, starts = tables[code]
            name = code.co_name
            if kind == 'start':
                state[key] = ('start', None, None, False)
                continue
            if kind == 'resume':
                # continues on the yield's line
                pline = state[key][2]
                state[key] = ('resume', offset, pline, state[key][3])
                continue
            if kind == 'exc':
                # the next instruction is a handler (no jump event) or the
                # frame unwinds
                state[key] = ('exc',) + state[key][1:]
                continue
            if layout.opname_at(offset) == 'RESUME':
                continue
            pkind, poffset, pline, lineless = state[key]
            if pkind == 'op':
                op = layout.opname_at(poffset)
                sides = []
                if (op in JUMP_OPS and want & E.JUMP and
                        not cold_jump(layout, poffset)):
                    out.append(('JUMP', name, poffset, offset))
                elif op in BRANCH_OPS:
                    if want & E.BRANCH:
                        out.append(('BRANCH', name, poffset, offset))
                    if HAS_BRANCH_SIDES:
                        left = offset == layout.next_offset(poffset)
                        if while_copy_swapped(layout, lines, poffset):
                            left = not left
                        sides = ['BRANCH_LEFT' if left else 'BRANCH_RIGHT']
                for side in sides:
                    if want & getattr(E, side):
                        dest = offset
                        if side == 'BRANCH_LEFT':
                            dest = while_copy_left(layout, poffset, offset)
                        out.append((side, name, poffset, dest))
                if (op in BRANCH_OPS and want & E.JUMP and offset < poffset and
                        while_copy_swapped(layout, lines, poffset)):
                    # 3.12+'s JUMP_BACKWARD after the reversed branch
                    out.append(('JUMP', name, poffset, offset))
            line = lines[offset]
            if PY < (3, 10):
                # LNOTAB_NO_LINE: 3.8/3.9 line tables cannot say "no
                # line", so the compiler's artificial instructions (the
                # POP_BLOCK after an except clause, the jump back to an
                # outer loop) inherit the line before them.  A run of them
                # entered by a forward jump, in the middle of a line, counts
                # as having no line (as 3.10+ tables say), like the
                # interpreter's own line tracing.
                if (offset in starts or pkind == 'exc' or
                        (pkind == 'op' and offset < poffset)):
                    lineless = False
                elif (pkind == 'op' and offset > poffset
                        and offset != layout.next_offset(poffset)):
                    lineless = True
                if lineless:
                    line = -1
            if line >= 0:
                if pkind == 'start':
                    fire = True
                    if FIRST_LINE_HIDDEN:
                        fire = line != lines[layout.start]
                else:
                    fire = line != pline
                if fire and want & E.LINE:
                    out.append(('LINE', name, line))
            if want & E.INSTRUCTION:
                out.append(('INSTRUCTION', name, offset))
            state[key] = ('op', offset, line, lineless)
        return out


#: ``[PyThreadState_Get, array type, index]`` once calibrated:
#: ``TRACE_SLOT[1].from_address(TRACE_SLOT[0]())[TRACE_SLOT[2]]`` is the
#: current thread's C-level trace function (``c_tracefunc``), or None.
TRACE_SLOT = []


def calibrate_trace_slot():
    """Find ``PyThreadState.c_tracefunc``, which ``sys.gettrace()`` does not
    show (it reports ``c_traceobj``).  A marker installed with
    ``sys.settrace`` is looked for in the first words of the thread state:
    ``c_tracefunc`` is two words before ``c_traceobj`` on 3.8-3.13
    (``c_profilefunc, c_tracefunc, c_profileobj, c_traceobj``).  Both must
    be set by ``sys.settrace(marker)`` and cleared by ``sys.settrace(None)``.
    """
    if TRACE_SLOT:
        return
    words = 64
    # a function object of our own: ctypes.pythonapi's is shared
    get = ctypes.PYFUNCTYPE(ctypes.c_void_p)(
        ("PyThreadState_Get", ctypes.pythonapi))
    array = ctypes.c_void_p * words
    assert sys.gettrace() is None

    def marker(frame, event, arg):
        return None
    sys.settrace(marker)
    try:
        state = array.from_address(get())
        found = [i for i in range(2, words) if state[i] == id(marker)]
        func_while_set = state[found[0] - 2] if len(found) == 1 else None
    finally:
        sys.settrace(None)
    if len(found) != 1 or not func_while_set:
        raise AssertionError("c_traceobj not found: %r" % found)
    state = array.from_address(get())
    if state[found[0]] or state[found[0] - 2]:
        raise AssertionError("trace slot not cleared by settrace(None)")
    TRACE_SLOT[:] = [get, array, found[0] - 2]


# --------------------------------------------------------------------------
# Monitored code.  The line numbers relative to ``def`` are in the tests.

def loop_for():
    total = 0
    for i in range(3):
        total += i
    return total


def loop_one_line():
    total = 0
    for i in range(3): total += i  # noqa: E701
    return total


def loop_while():
    n = 0
    while n < 3:
        n += 1
    return n


def loop_nested():
    out = []
    for i in range(2):
        for j in range(2):
            out.append((i, j))
    return out


def loop_break_continue():
    seen = []
    for i in range(5):
        if i == 1:
            continue
        if i == 3:
            break
        seen.append(i)
    else:
        seen.append('else')
    return seen


def loop_else(n):
    for i in range(n):
        if i == 5:
            break
    else:
        i = -1
    while n:
        n -= 1
    else:
        n = 'done'
    return i, n


def try_except_else_finally(x):
    try:
        r = 10 // x
    except ZeroDivisionError:
        r = -1
    else:
        r += 1
    finally:
        r *= 2
    return r


def fail():
    raise KeyError('fail')


def try_nested():
    try:
        try:
            fail()
        finally:
            x = 1
    except KeyError:
        x = 2
    return x


def try_finally_return(log):
    try:
        return 'r'
    finally:
        log.append('finally')


def unhandled(x):
    y = x + 1
    z = 10 // x
    return y + z


class CM(object):
    def __init__(self, suppress=False):
        self.suppress = suppress

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.suppress


def with_block():
    with CM() as cm:
        x = 1
    return x, cm


def with_suppressed():
    with CM(True):
        x = 1
        raise KeyError
    return x


def if_chain(x):
    if x == 1:
        r = 'a'
    elif x == 2:
        r = 'b'
    else:
        r = 'c'
    return r


def short_circuit(a, b):
    r = (a and
         b)
    s = (a or
         b)
    if a and b:
        t = 1
    else:
        t = 2
    return r, s, t


def conditional(a):
    r = (1
         if a
         else 2)
    s = 'y' if a else 'n'
    return r, s


def comprehensions():
    a = [x * 2 for x in range(2)]
    b = {x: x for x in range(2)}
    c = {x for x in range(2)}
    d = list(x for x in range(2))
    return a, b, c, d


def comprehension_multiline():
    a = [x
         for x in range(3)
         if x]
    return a


def with_lambda():
    f = lambda x: x + 1  # noqa: E731
    return f(1)


def with_nested():
    def inner(y):
        z = y * 2
        return z
    return inner(3)


def gen_mid_line():
    a = (yield 1) + (yield 2)
    b = yield a
    return b


def gen_values():
    yield 1
    yield 2


def consume():
    total = 0
    for v in gen_values():
        total += v
    return total


def multi_line(a,
               b):
    c = (a +
         b)
    d = max(
        a,
        b,
    )
    return c, d


def identity(f):
    return f


def decorated():
    @identity
    @identity
    def f():
        pass
    return f


def class_body():
    class K(object):
        a = 1

        def m(self):
            return 1
    return K


def one_liner(): return 1  # noqa: E704


def drive_gen_mid_line():
    g = gen_mid_line()
    next(g)
    g.send(10)
    g.send(20)
    try:
        g.send(40)
    except StopIteration as e:
        return e.value


def catching(func, *args):
    try:
        return func(*args)
    except Exception as e:
        return type(e)


def run_module_code(code):
    namespace = {}
    exec(code, namespace)
    return namespace['z']


def enables_line_midway(tool):
    a = 1
    monitoring.set_events(tool, E.LINE)
    b = 2
    return a + b


def disables_line_midway(tool):
    a = 1
    monitoring.set_events(tool, 0)
    b = 2
    return a + b


def sets_own_local_line(tool):
    a = 1
    monitoring.set_local_events(tool, sys._getframe().f_code, E.LINE)
    b = 2
    return a + b


def clears_own_local_line(tool):
    a = 1
    monitoring.set_local_events(tool, sys._getframe().f_code, 0)
    b = 2
    return a + b


def set_global_events(tool, event_set):
    monitoring.set_events(tool, event_set)
    return event_set


def caller_of_setter(tool, event_set):
    x = 1
    set_global_events(tool, event_set)
    y = 2
    return x + y


def victim(log):
    log.append(1)
    log.append(2)
    log.append(3)
    return log


def victim_catches(log):
    try:
        log.append(1)
        log.append(2)
    except RuntimeError:
        log.append('caught')
    return log


def unwatched_probe():
    # TRACE_SLOT is read with C calls only: a Python helper would run in a
    # frame of its own, with that frame's trace state.
    ts = TRACE_SLOT
    return sys.gettrace(), ts[1].from_address(ts[0]())[ts[2]]


def watched_calls_probe():
    ts = TRACE_SLOT
    inside = ts[1].from_address(ts[0]())[ts[2]]
    seen_by_callee = unwatched_probe()
    after = ts[1].from_address(ts[0]())[ts[2]]
    return inside, seen_by_callee, after


def trace_state():
    """(c_tracefunc, f_trace_opcodes) of the calling frame, read with C
    calls only."""
    ts = TRACE_SLOT
    return (ts[1].from_address(ts[0]())[ts[2]],
            sys._getframe(1).f_trace_opcodes)


def branch_probe(n):
    ts = TRACE_SLOT
    total = 0
    for i in range(n):
        if i % 2:
            total += 1
    return total, (ts[1].from_address(ts[0]())[ts[2]],
                   sys._getframe().f_trace_opcodes)


def region_probe(n, flag):
    ts = TRACE_SLOT
    seen = []
    for i in range(n):
        seen.append(sys._getframe().f_trace_opcodes)
    x = sys._getframe().f_trace_opcodes if flag else sys._getframe().f_trace_opcodes
    return seen, x, ts[1].from_address(ts[0]())[ts[2]]


def handler_probe(x):
    ts = TRACE_SLOT
    try:
        y = 10 // x
    except ZeroDivisionError:
        y = None
    return y, (ts[1].from_address(ts[0]())[ts[2]],
               sys._getframe().f_trace_lines)


def branch_handler_probe(x):
    ts = TRACE_SLOT
    try:
        y = 10 // x
    except ZeroDivisionError:
        y = -1 if x is None else 0
    return y, ts[1].from_address(ts[0]())[ts[2]]


def jump_probe(n):
    ts = TRACE_SLOT
    for i in range(n):
        pass
    return ts[1].from_address(ts[0]())[ts[2]]


def straight_probe():
    ts = TRACE_SLOT
    return ts[1].from_address(ts[0]())[ts[2]]


def straight(a, b):
    c = a + b
    return c


def make_cell():
    cell = 1

    def reader():
        return cell
    return reader()


def legacy_scenario():
    loop_for()
    if_chain(2)
    return drive_gen_mid_line()


def thread_target():
    return threading.get_ident(), loop_for()


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def set_local_line_on(tool, code):
    monitoring.set_local_events(tool, code, E.LINE)


def caller_of_local_setter(tool):
    x = 1
    set_local_line_on(tool, sys._getframe().f_code)
    y = 2
    return x + y


# A loop whose body is long enough for its jumps to need EXTENDED_ARG.
_LONG_LOOP_SOURCE = ("def long_loop(n):\n    t = 0\n    for i in range(n):\n"
                     + "".join("        t += %d\n" % k for k in range(120))
                     + "    return t\n")
_namespace = {}
exec(compile(_LONG_LOOP_SOURCE, '<long-loop>', 'exec'), _namespace)
long_loop = _namespace['long_loop']
del _namespace


MODULE_SOURCE = """\
x = 1
if x:
    y = 2
else:
    y = 3
for i in range(2):
    y += i
def f():
    return y
z = f()
"""


# --------------------------------------------------------------------------

class LineTestCase(MonitoringTestCase):

    def run_lines(self, func, *args, **kwargs):
        """Run ``func(*args)`` with LINE set globally for tool 0, recording
        ``func``'s code objects (and ``extra`` ones).  Returns the result and
        the relative LINE stream."""
        extra = kwargs.pop('extra', ())
        codes = nested_codes(func.__code__) + list(extra)
        rec = self.recorder(0, E.LINE, in_codes(*codes))
        try:
            result = func(*args)
        finally:
            self.stop()
        self.assertEqual(rec.frame_errors, [])
        return result, relative_lines(rec.records, func.__code__)

    def assertLines(self, func, args, expected, result=None, **kwargs):
        got_result, lines = self.run_lines(func, *args, **kwargs)
        self.assertEqual(lines, expected)
        if result is not None:
            self.assertEqual(got_result, result)


class LoopTest(LineTestCase):

    def test_for(self):
        self.assertLines(loop_for, (), [1, 2, 3, 2, 3, 2, 3, 2, 4], 3)

    def test_one_line_loop_reports_its_line_once(self):
        # the backward jump stays on the line: no LINE per iteration
        self.assertLines(loop_one_line, (), [1, 2, 3], 3)

    def test_while_header_every_iteration(self):
        self.assertLines(loop_while, (), [1, 2, 3, 2, 3, 2, 3, 2, 4], 3)

    def test_nested(self):
        self.assertLines(loop_nested, (),
                         [1, 2, 3, 4, 3, 4, 3, 2, 3, 4, 3, 4, 3, 2, 5],
                         [(0, 0), (0, 1), (1, 0), (1, 1)])

    def test_break_continue(self):
        self.assertLines(loop_break_continue, (),
                         [1, 2, 3, 5, 7, 2, 3, 4, 2, 3, 5, 7, 2, 3, 5, 6, 10],
                         [0, 2])

    def test_else_clauses(self):
        self.assertLines(loop_else, (2,),
                         [1, 2, 1, 2, 1, 5, 6, 7, 6, 7, 6, 9, 10],
                         (-1, 'done'))


class TryTest(LineTestCase):

    def test_try_no_exception(self):
        self.assertLines(try_except_else_finally, (5,), [1, 2, 6, 8, 9], 6)

    def test_try_exception_handled(self):
        self.assertLines(try_except_else_finally, (0,),
                         [1, 2, 3, 4, 8, 9], -2)

    def test_exception_from_callee_through_finally(self):
        in_fail = ('fail', fail.__code__.co_firstlineno + 1
                   - try_nested.__code__.co_firstlineno)
        self.assertLines(try_nested, (),
                         [1, 2, 3, in_fail, 5, 6, 7, 8], 2,
                         extra=[fail.__code__])

    def test_return_through_finally(self):
        log = []
        expected = [1, 2, 4]
        if RETURN_AFTER_FINALLY:
            # the RETURN_VALUE on line 2 runs after the finally block
            expected = [1, 2, 4, 2]
        self.assertLines(try_finally_return, (log,), expected, 'r')
        self.assertEqual(log, ['finally'])

    def test_unhandled_exception(self):
        rec = self.recorder(0, E.LINE, in_codes(unhandled.__code__))
        with self.assertRaises(ZeroDivisionError):
            unhandled(0)
        self.stop()
        self.assertEqual(relative_lines(rec.records, unhandled.__code__),
                         [1, 2])


class WithTest(LineTestCase):

    def test_with_block(self):
        expected = [1, 2, 1, 3] if WITH_EXIT_LINE else [1, 2, 3]
        self.assertLines(with_block, (), expected)

    def test_with_exception_suppressed(self):
        expected = [1, 2, 3, 1, 4] if WITH_EXIT_LINE else [1, 2, 3, 4]
        self.assertLines(with_suppressed, (), expected, 1)

    def test_enter_and_exit_methods(self):
        codes = [CM.__enter__.__code__, CM.__exit__.__code__]
        _, lines = self.run_lines(with_block, extra=codes)
        enter = ('__enter__', CM.__enter__.__code__.co_firstlineno + 1
                 - with_block.__code__.co_firstlineno)
        exit_ = ('__exit__', CM.__exit__.__code__.co_firstlineno + 1
                 - with_block.__code__.co_firstlineno)
        if WITH_EXIT_LINE:
            self.assertEqual(lines, [1, enter, 2, 1, exit_, 3])
        else:
            self.assertEqual(lines, [1, enter, 2, exit_, 3])


class ConditionTest(LineTestCase):

    def test_if(self):
        self.assertLines(if_chain, (1,), [1, 2, 7], 'a')

    def test_elif(self):
        self.assertLines(if_chain, (2,), [1, 3, 4, 7], 'b')

    def test_else(self):
        self.assertLines(if_chain, (3,), [1, 3, 6, 7], 'c')

    def test_short_circuit_true(self):
        self.assertLines(short_circuit, (1, 2),
                         [1, 2, 1, 3, 5, 6, 9], (2, 1, 1))

    def test_short_circuit_false(self):
        self.assertLines(short_circuit, (0, 2),
                         [1, 3, 4, 3, 5, 8, 9], (0, 2, 2))

    def test_conditional_expression_true(self):
        self.assertLines(conditional, (1,), [2, 1, 4, 5], (1, 'y'))

    def test_conditional_expression_false(self):
        if CONDEXPR_JUMP_ON_FIRST_LINE:
            # the jump on line 1 runs between the test (2) and ``else`` (3)
            expected = [2, 1, 3, 1, 4, 5]
        else:
            expected = [2, 3, 1, 4, 5]
        self.assertLines(conditional, (0,), expected, (2, 'n'))


class NestedCodeTest(LineTestCase):

    def test_comprehensions(self):
        if COMPREHENSION_FRAMES:
            expected = [1, ('<listcomp>', 1), 2, ('<dictcomp>', 2),
                        3, ('<setcomp>', 3), 4, ('<genexpr>', 4), 5]
        elif FIRST_LINE_HIDDEN:
            expected = [1, 2, 3, 4, 5]
        else:
            expected = [1, 2, 3, 4, ('<genexpr>', 4), 5]
        self.assertLines(comprehensions, (), expected,
                         ([0, 2], {0: 0, 1: 1}, {0, 1}, [0, 1]))

    def test_multi_line_comprehension(self):
        if COMPREHENSION_FRAMES:
            # the <listcomp> frame's loop jumps are on its first line
            expected = [1, 2, 1, ('<listcomp>', 1), ('<listcomp>', 2),
                        ('<listcomp>', 3), ('<listcomp>', 1),
                        ('<listcomp>', 2), ('<listcomp>', 3),
                        ('<listcomp>', 1), ('<listcomp>', 2),
                        ('<listcomp>', 3), ('<listcomp>', 1), 4]
        elif PY == (3, 12):
            # the loop's jumps are on the first line
            expected = [2, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 4]
        else:
            # 3.13 gives ``if x`` a jump of its own on the first line
            expected = [2, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 1, 4]
        self.assertLines(comprehension_multiline, (), expected, [1, 2])

    def test_lambda(self):
        expected = [1, 2] if FIRST_LINE_HIDDEN else [1, 2, ('<lambda>', 1)]
        self.assertLines(with_lambda, (), expected, 2)

    def test_nested_function(self):
        self.assertLines(with_nested, (),
                         [1, 4, ('inner', 2), ('inner', 3)], 6)

    def test_decorators(self):
        if DECORATOR_CALL_LINES:
            # decorators evaluated top-down, applied bottom-up
            # decorators evaluated top-down, applied bottom-up, and the
            # name bound on the def line
            expected = [1, 2, 3, 2, 1, 3, 5]
        else:
            expected = [1, 2, 3, 5]
        f, lines = self.run_lines(decorated)
        self.assertEqual(lines, expected)
        self.assertEqual(f.__name__, 'f')

    def test_class_body(self):
        if FIRST_LINE_HIDDEN:
            expected = [1, ('K', 2), ('K', 4), 6]
        else:
            expected = [1, ('K', 1), ('K', 2), ('K', 4), 6]
        self.assertLines(class_body, (), expected)

    def test_module_code(self):
        code = compile(MODULE_SOURCE, '<line-events-module>', 'exec')
        rec = self.recorder(0, E.LINE, in_codes(*nested_codes(code)))
        namespace = {}
        exec(code, namespace)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(namespace['z'], 3)
        self.assertEqual(relative_lines(rec.records, code, base=0),
                         [1, 2, 3, 6, 7, 6, 7, 6, 8, 10, ('f', 9)])

    def test_multi_line_statements(self):
        self.assertLines(multi_line, (1, 2), [2, 3, 2, 4, 5, 6, 4, 8],
                         (3, 2))


class GeneratorLineTest(LineTestCase):

    def test_resumed_in_the_middle_of_a_line(self):
        rec = self.recorder(0, E.LINE, in_codes(gen_mid_line.__code__))
        g = gen_mid_line()
        self.assertEqual(next(g), 1)
        self.assertEqual(g.send(10), 2)
        self.assertEqual(g.send(20), 30)
        with self.assertRaises(StopIteration) as cm:
            g.send(40)
        self.stop()
        self.assertEqual(cm.exception.value, 40)
        self.assertEqual(relative_lines(rec.records, gen_mid_line.__code__),
                         [1, 2, 3])

    def test_suspended_before_events_were_set(self):
        g = gen_mid_line()
        self.assertEqual(next(g), 1)
        rec = self.recorder(0, E.LINE, in_codes(gen_mid_line.__code__))
        self.assertEqual(g.send(10), 2)
        self.assertEqual(g.send(20), 30)
        with self.assertRaises(StopIteration):
            g.send(40)
        self.stop()
        self.assertEqual(relative_lines(rec.records, gen_mid_line.__code__),
                         [2, 3])

    def test_consumer_and_generator(self):
        self.assertLines(consume, (),
                         [1, 2, ('gen_values', -4), 3, 2, ('gen_values', -3),
                          3, 2, 4], 3, extra=[gen_values.__code__])


class FirstLineTest(LineTestCase):
    """FIRST_LINE_HIDDEN: a 3.13.0 quirk, pinned on both sides."""

    def test_one_line_function_line_only(self):
        expected = [] if FIRST_LINE_HIDDEN else [0]
        self.assertLines(one_liner, (), expected, 1)

    def test_one_line_function_with_py_start(self):
        # with PY_START also set, 3.13.0 reports the line like 3.12.1
        self.use_tool(0)
        rec = Recorder(0, E.LINE | E.PY_START,
                       in_codes(one_liner.__code__)).register()
        monitoring.set_events(0, E.LINE | E.PY_START)
        one_liner()
        self.stop()
        self.assertEqual([(r.event,) + r.args for r in rec.records], [
            ('PY_START', Layout(one_liner.__code__).start),
            ('LINE', one_liner.__code__.co_firstlineno)])


class TakesEffectTest(LineTestCase):
    """set_events / set_local_events act at once, in the running frame and
    in callers."""

    def watch(self, *funcs):
        self.use_tool(0)
        codes = [f.__code__ for f in funcs]
        rec = Recorder(0, E.LINE, in_codes(*codes)).register()
        return rec

    def test_enabled_in_the_running_frame(self):
        rec = self.watch(enables_line_midway)
        self.assertEqual(enables_line_midway(0), 3)
        self.stop()
        self.assertEqual(
            relative_lines(rec.records, enables_line_midway.__code__),
            [3, 4])

    def test_disabled_in_the_running_frame(self):
        rec = self.watch(disables_line_midway)
        monitoring.set_events(0, E.LINE)
        self.assertEqual(disables_line_midway(0), 3)
        self.assertEqual(monitoring.get_events(0), 0)
        self.assertEqual(
            relative_lines(rec.records, disables_line_midway.__code__),
            [1, 2])

    def test_local_events_set_by_the_running_frame(self):
        rec = self.watch(sets_own_local_line)
        self._local_codes.add((0, sets_own_local_line.__code__))
        self.assertEqual(sets_own_local_line(0), 3)
        self.assertEqual(
            relative_lines(rec.records, sets_own_local_line.__code__),
            [3, 4])
        # and they stay for the next call
        rec.clear()
        sets_own_local_line(0)
        self.assertEqual(
            relative_lines(rec.records, sets_own_local_line.__code__),
            [1, 2, 3, 4])

    def test_local_events_cleared_by_the_running_frame(self):
        rec = self.watch(clears_own_local_line)
        self.set_local_events(0, clears_own_local_line.__code__, E.LINE)
        self.assertEqual(clears_own_local_line(0), 3)
        self.assertEqual(
            relative_lines(rec.records, clears_own_local_line.__code__),
            [1, 2])

    def test_enabled_by_a_callee(self):
        rec = self.watch(caller_of_setter, set_global_events)
        self.assertEqual(caller_of_setter(0, E.LINE), 3)
        self.stop()
        self.assertEqual(
            relative_lines(rec.records, caller_of_setter.__code__),
            [('set_global_events', -3), 3, 4])

    def test_disabled_by_a_callee(self):
        rec = self.watch(caller_of_setter, set_global_events)
        monitoring.set_events(0, E.LINE)
        self.assertEqual(caller_of_setter(0, 0), 3)
        self.assertEqual(
            relative_lines(rec.records, caller_of_setter.__code__),
            [1, 2, ('set_global_events', -4)])

    def test_local_events_set_for_the_caller_by_a_callee(self):
        rec = self.watch(caller_of_local_setter, set_local_line_on)
        self._local_codes.add((0, caller_of_local_setter.__code__))
        self.assertEqual(caller_of_local_setter(0), 3)
        # only the caller's code has LINE: the callee reports nothing
        self.assertEqual(
            relative_lines(rec.records, caller_of_local_setter.__code__),
            [3, 4])

    def test_events_switched_off_by_a_line_callback(self):
        base = loop_for.__code__.co_firstlineno

        def respond(record):
            if record.args[0] == base + 3:
                monitoring.set_events(0, 0)
        rec = self.recorder(0, E.LINE, in_codes(loop_for.__code__),
                            respond=respond)
        self.assertEqual(loop_for(), 3)
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3])

    def test_local_events_added_by_a_line_callback(self):
        # a LINE callback (of another tool) turns on BRANCH for the code
        code = loop_for.__code__
        base = code.co_firstlineno
        self.use_tool(1)
        branches = Recorder(1, E.BRANCH, in_codes(code)).register()

        def respond(record):
            if record.args[0] == base + 3:
                self.set_local_events(1, code, E.BRANCH)
        rec = self.recorder(0, E.LINE, in_codes(code), respond=respond)
        loop_for()
        self.stop()
        L = Layout(code)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        self.assertEqual(relative_lines(rec.records, code),
                         [1, 2, 3, 2, 3, 2, 3, 2, 4])
        self.assertEqual(branches.events(), [
            ('BRANCH', 'loop_for', fi, L.next_offset(fi))] * 2 + [
            ('BRANCH', 'loop_for', fi, first_of_line(L, 4))])

    def test_branch_enabled_in_the_running_frame(self):
        # the frame was running untraced; its next branch is reported
        self.use_tool(0)
        rec = Recorder(0, E.BRANCH | E.JUMP | E.LINE,
                       in_codes(caller_of_setter.__code__,
                                loop_for.__code__)).register()
        caller_of_setter(0, E.BRANCH | E.JUMP | E.LINE)
        loop_for()
        self.stop()
        L = Layout(loop_for.__code__)
        fi = L.offsets('FOR_ITER')[0]
        self.assertEqual(rec.events('BRANCH')[0],
                         ('BRANCH', 'loop_for', fi, L.next_offset(fi)))
        self.assertEqual(len(rec.events('BRANCH')), 4)
        self.assertEqual(len(rec.events('JUMP')), 3)


class OracleTest(MonitoringTestCase):
    """Every monitored function of this file, all line-level events at once,
    against TraceOracle (see its docstring)."""

    def scenarios(self):
        module = compile(MODULE_SOURCE, '<line-events-module>', 'exec')
        both = (lambda *fs: [c for f in fs for c in nested_codes(f.__code__)])
        return [
            ('loop_for', loop_for, (), both(loop_for)),
            ('loop_one_line', loop_one_line, (), both(loop_one_line)),
            ('loop_while', loop_while, (), both(loop_while)),
            ('loop_nested', loop_nested, (), both(loop_nested)),
            ('loop_break_continue', loop_break_continue, (),
             both(loop_break_continue)),
            ('loop_else', loop_else, (2,), both(loop_else)),
            ('try_ok', try_except_else_finally, (5,),
             both(try_except_else_finally)),
            ('try_caught', try_except_else_finally, (0,),
             both(try_except_else_finally)),
            ('try_nested', try_nested, (), both(try_nested, fail)),
            ('try_finally_return', try_finally_return, ([],),
             both(try_finally_return)),
            ('unhandled', catching, (unhandled, 0), both(unhandled)),
            ('with_block', with_block, (), both(with_block)),
            ('with_suppressed', with_suppressed, (),
             both(with_suppressed)),
            ('with_methods', with_block, (),
             both(with_block) + [CM.__enter__.__code__,
                                 CM.__exit__.__code__]),
            ('if_1', if_chain, (1,), both(if_chain)),
            ('if_2', if_chain, (2,), both(if_chain)),
            ('if_3', if_chain, (3,), both(if_chain)),
            ('short_circuit_true', short_circuit, (1, 2),
             both(short_circuit)),
            ('short_circuit_false', short_circuit, (0, 2),
             both(short_circuit)),
            ('conditional_true', conditional, (1,), both(conditional)),
            ('conditional_false', conditional, (0,), both(conditional)),
            ('comprehensions', comprehensions, (), both(comprehensions)),
            ('comprehension_multiline', comprehension_multiline, (),
             both(comprehension_multiline)),
            ('lambda', with_lambda, (), both(with_lambda)),
            ('nested_function', with_nested, (), both(with_nested)),
            ('generator_mid_line', drive_gen_mid_line, (),
             both(gen_mid_line)),
            ('consumer', consume, (), both(consume, gen_values)),
            ('multi_line', multi_line, (1, 2), both(multi_line)),
            ('decorators', decorated, (), both(decorated, identity)),
            ('class_body', class_body, (), both(class_body)),
            ('one_liner', one_liner, (), both(one_liner)),
            ('module', run_module_code, (module,), nested_codes(module)),
            ('extended_arg', long_loop, (2,), both(long_loop)),
        ]

    def check(self, event_set, only=None, exclude=()):
        total = 0
        for name, func, args, codes in self.scenarios():
            if (only is not None and name not in only) or name in exclude:
                continue
            with self.subTest(scenario=name):
                expected = TraceOracle(func, args, codes, event_set).events()
                total += len(expected)
                self.use_tool(0)
                rec = Recorder(0, event_set, in_codes(*codes)).register()
                monitoring.set_events(0, event_set)
                try:
                    func(*args)
                finally:
                    monitoring.set_events(0, 0)
                    self._release_tool(0)
                self.assertEqual(rec.frame_errors, [])
                self.assertEqual(rec.events(), expected)
        self.assertGreater(total, 50 if only is None else 0)

    def test_line(self):
        self.check(E.LINE)

    def test_all_line_level_events(self):
        self.check(ALL_LINE_LEVEL)

    def test_extended_arg(self):
        self.check(ALL_LINE_LEVEL, only=['extended_arg'])

    def test_jumps_without_line(self):
        self.check(E.JUMP | E.BRANCH, exclude=['consumer'])

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_branch_sides_alone(self):
        self.check(E.BRANCH_LEFT | E.BRANCH_RIGHT, exclude=['consumer'])

    def test_loop_over_generator(self):
        self.check(ALL_LINE_LEVEL, only=['consumer'])



class JumpsWithoutOpcodeEventsTest(MonitoringTestCase):
    """Jump events alone need opcode events only where a jump location some
    tool still wants can run before the next line event.  The same streams,
    with DISABLE of some locations, as with a second tool's INSTRUCTION
    events keeping opcode events on everywhere."""

    scenarios = OracleTest.scenarios

    def stream(self, event_set, policy, opcodes_everywhere):
        out = []
        for name, func, args, codes in self.scenarios():
            self.use_tool(0)
            rec = Recorder(0, event_set, in_codes(*codes),
                           respond=policy).register()
            if opcodes_everywhere:
                self.use_tool(1)
                monitoring.register_callback(
                    1, E.INSTRUCTION, lambda code, offset: None)
                monitoring.set_events(1, E.INSTRUCTION)
            monitoring.set_events(0, event_set)
            try:
                for _ in range(3):
                    func(*args)
            finally:
                self.stop()
                self._release_tool(0)
                if opcodes_everywhere:
                    self._release_tool(1)
                monitoring.restart_events()
            self.assertEqual(rec.frame_errors, [])
            out.append((name, rec.events()))
        return out

    def compare(self, event_set, policy):
        lone = self.stream(event_set, policy, False)
        self.assertEqual(lone, self.stream(event_set, policy, True))
        self.assertGreater(sum(len(events) for _, events in lone), 30)

    @staticmethod
    def some(record):
        event, src, dest = (record.event,) + tuple(record.args)
        return DISABLE if (src // 2 + dest // 2 + len(event)) % 3 else None

    def test_jump_and_branch(self):
        self.compare(E.JUMP | E.BRANCH, self.some)

    def test_jump_and_branch_all_disabled(self):
        self.compare(E.JUMP | E.BRANCH, lambda r: DISABLE)

    def test_with_line(self):
        self.compare(E.JUMP | E.BRANCH | E.LINE,
                     lambda r: None if r.event == 'LINE' else self.some(r))

    @unittest.skipUnless(HAS_BRANCH_SIDES and not pep669.NATIVE,
                         "the engine's traced/untraced frames: 3.8-3.11")
    def test_branch_sides(self):
        self.compare(E.BRANCH_LEFT | E.BRANCH_RIGHT, self.some)

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_branch_sides_all_disabled(self):
        self.compare(E.BRANCH_LEFT | E.BRANCH_RIGHT | E.JUMP,
                     lambda r: DISABLE)


def stdlib_workout():
    import difflib
    import json
    import textwrap
    data = {"a": [1, 2.5, None, True], "b": {"c": "d" * 30}}
    text = json.dumps(data, indent=2, sort_keys=True)
    json.loads(text)
    textwrap.fill(text * 3, width=37)
    list(difflib.unified_diff(text.splitlines(), text.upper().splitlines()))
    try:
        json.loads("{")
    except ValueError:
        pass


class CoveragePatternTest(MonitoringTestCase):
    """LINE with DISABLE at every location (what coverage tools do) reports
    every line that runs, however much of the code already runs untraced
    or watched for exceptions only."""

    scenarios = OracleTest.scenarios

    def lines(self, runs, disable, jumps=0):
        seen = set()

        def line(code, number):
            seen.add((code, number))
            return DISABLE if disable else None

        def make_jump(name):
            def jump(code, src, dest):
                # a location is (event, source): DISABLE of a BRANCH
                # there silences both ways
                seen.add((name, code, src))
                return DISABLE if disable else None
            return jump
        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, line)
        for name in ('JUMP', 'BRANCH', 'BRANCH_LEFT', 'BRANCH_RIGHT'):
            if jumps & getattr(E, name, 0):
                monitoring.register_callback(0, getattr(E, name),
                                             make_jump(name))
        monitoring.set_events(0, E.LINE | jumps)
        try:
            for func, args in runs:
                try:
                    func(*args)
                except Exception:
                    pass
        finally:
            self.stop()
            self._release_tool(0)
        return seen

    def check(self, runs, jumps=0):
        for func, args in runs:
            # imports and caches first
            try:
                func(*args)
            except Exception:
                pass
        everything = self.lines(runs, False, jumps)
        self.assertEqual(self.lines(runs + runs, True, jumps), everything)
        self.assertGreater(len(everything), 40)

    def test_scenarios(self):
        self.check([(func, args) for _, func, args, _ in self.scenarios()])

    def handlers_after_the_rest(self):
        return [(handler_probe, (1,)), (handler_probe, (2,)),
                (handler_probe, (Zero(),)), (handler_probe, (0,)),
                (branch_handler_probe, (1,)), (branch_handler_probe, (0,)),
                (stdlib_workout, ()),
                (try_except_else_finally, (5,)),
                (try_except_else_finally, (0,)),
                (try_nested, ()), (with_block, ()), (with_suppressed, ()),
                (catching, (unhandled, 0))]

    def test_handlers_after_the_rest(self):
        self.check(self.handlers_after_the_rest())

    def test_branch_coverage(self):
        jumps = E.JUMP | E.BRANCH
        self.check([(func, args) for _, func, args, _ in self.scenarios()] +
                   self.handlers_after_the_rest(), jumps)

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_branch_sides_coverage(self):
        jumps = E.BRANCH_LEFT | E.BRANCH_RIGHT
        self.check([(func, args) for _, func, args, _ in self.scenarios()] +
                   self.handlers_after_the_rest(), jumps)


@unittest.skipIf(pep669.NATIVE, "the backport's own bookkeeping")
class LineLocationsTest(MonitoringTestCase):
    """Every place where LINE fires is among the LINE locations the engine
    counts for the code object (all of them DISABLEd means the code runs
    untraced)."""

    scenarios = OracleTest.scenarios

    def check(self, runs):
        locations = {}
        fired = set()

        def line(code, number):
            fired.add((code, sys._getframe(1).f_lasti))
        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, line)
        monitoring.set_events(0, E.LINE)
        try:
            for func, args in runs:
                try:
                    func(*args)
                except Exception:
                    pass
        finally:
            self.stop()
        self.assertGreater(len(fired), 50)
        missing = []
        for code, offset in fired:
            if code not in locations:
                locations[code] = set(pep669._monitoring._line_locations(code))
            if offset not in locations[code]:
                missing.append((code.co_name, code.co_firstlineno, offset))
        self.assertEqual(missing, [])

    def test_scenarios(self):
        self.check([(func, args) for _, func, args, _ in self.scenarios()])

    def test_stdlib(self):
        self.check([(stdlib_workout, ())])


def mixed_stream(rec, base_code):
    """Records as ``('LINE', rel_line)`` and ``(event, *args)``."""
    out = []
    base = base_code.co_firstlineno
    for r in rec.records:
        if r.event == 'LINE':
            out.append(('LINE', r.args[0] - base))
        else:
            out.append((r.event,) + r.args)
    return out


class JumpBranchTest(MonitoringTestCase):

    def record(self, event_set, func, *args):
        rec = self.recorder(0, event_set, in_codes(func.__code__))
        func(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return rec

    def loop_for_offsets(self):
        L = Layout(loop_for.__code__)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        back = one_op_on_line(L, 3, JUMP_OPS)
        self.assertEqual(jump_target(L.instructions[L._index[back]]), fi)
        exit_ = first_of_line(L, 4)
        # 3.12+ skip the END_FOR (3.13: and the POP_TOP) at the target
        self.assertEqual(branch_exit(L, L.instructions[L._index[fi]]),
                         exit_)
        return fi, L.next_offset(fi), back, exit_

    def test_for_loop(self):
        fi, body, back, exit_ = self.loop_for_offsets()
        rec = self.record(E.JUMP | E.BRANCH, loop_for)
        self.assertEqual(rec.events(), [
            ('BRANCH', 'loop_for', fi, body),
            ('JUMP', 'loop_for', back, fi)] * 3 + [
            ('BRANCH', 'loop_for', fi, exit_)])

    def test_jumps_come_before_the_line_of_their_destination(self):
        fi, body, back, exit_ = self.loop_for_offsets()
        rec = self.record(E.LINE | E.JUMP | E.BRANCH, loop_for)
        iteration = [('BRANCH', fi, body), ('LINE', 3), ('JUMP', back, fi),
                     ('LINE', 2)]
        self.assertEqual(mixed_stream(rec, loop_for.__code__),
                         [('LINE', 1), ('LINE', 2)] + iteration * 3 +
                         [('BRANCH', fi, exit_), ('LINE', 4)])

    def test_only_jump(self):
        fi, body, back, exit_ = self.loop_for_offsets()
        rec = self.record(E.JUMP, loop_for)
        self.assertEqual(rec.events(), [('JUMP', 'loop_for', back, fi)] * 3)

    def test_if_taken_and_not_taken(self):
        L = Layout(if_chain.__code__)
        first = one_op_on_line(L, 1, BRANCH_OPS)
        second = one_op_on_line(L, 3, BRANCH_OPS)
        expected = [
            # ``x == 1`` false: the jump to ``elif`` is taken
            ('BRANCH', 'if_chain', first, first_of_line(L, 3)),
            # ``x == 2`` true: falls through into its block
            ('BRANCH', 'if_chain', second, L.next_offset(second))]
        # 3.8, 3.9 and 3.11 jump from the block to the shared ``return``;
        # 3.10, 3.12 and 3.13 copy the ``return`` into the block, so there
        # is no JUMP (the backport gives none for that jump either).
        rec = self.record(E.JUMP | E.BRANCH, if_chain, 2)
        self.assertEqual(rec.events(), expected)

    def test_while_loop_destinations(self):
        # The layout of a while loop differs in every version; every event
        # must leave from a jump instruction of this code to its target or
        # to the next instruction.
        L = Layout(loop_while.__code__)
        rec = self.record(E.JUMP | E.BRANCH, loop_while)
        kinds = []
        for event, name, src, dest in rec.events():
            ins = L.instructions[L._index[src]]
            if event == 'JUMP':
                # (or, before 3.12, a backward branch that 3.12+ reverse
                # over their JUMP_BACKWARD: the copied test's)
                self.assertIn(ins.opname, JUMP_OPS | (
                    BRANCH_OPS if PY < (3, 12) and dest < src
                    else frozenset()))
                self.assertEqual(dest, jump_target(ins))
            else:
                self.assertIn(ins.opname, BRANCH_OPS)
                self.assertIn(dest, (L.next_offset(src),
                                     branch_exit(L, ins)))
            kinds.append((event, L.line_of(src)))
        # three iterations and the exit: four loop tests are evaluated
        self.assertEqual([k for k in kinds if k[0] == 'BRANCH'],
                         [('BRANCH', 2)] * 4)

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_sides_of_a_for_loop(self):
        fi, body, back, exit_ = self.loop_for_offsets()
        rec = self.record(E.BRANCH_LEFT | E.BRANCH_RIGHT, loop_for)
        # continuing the loop falls through: LEFT; leaving it jumps: RIGHT
        self.assertEqual(rec.events(), [
            ('BRANCH_LEFT', 'loop_for', fi, body)] * 3 + [
            ('BRANCH_RIGHT', 'loop_for', fi, exit_)])

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_sides_of_if(self):
        L = Layout(if_chain.__code__)
        first = one_op_on_line(L, 1, BRANCH_OPS)
        second = one_op_on_line(L, 3, BRANCH_OPS)
        rec = self.record(E.BRANCH_LEFT | E.BRANCH_RIGHT, if_chain, 2)
        self.assertEqual(rec.events(), [
            ('BRANCH_RIGHT', 'if_chain', first, first_of_line(L, 3)),
            ('BRANCH_LEFT', 'if_chain', second, L.next_offset(second))])

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_branch_and_sides_together(self):
        fi, body, back, exit_ = self.loop_for_offsets()
        rec = self.record(E.BRANCH | E.BRANCH_LEFT | E.BRANCH_RIGHT,
                          loop_for)
        self.assertEqual(rec.events('BRANCH'), [
            ('BRANCH', 'loop_for', fi, body)] * 3 + [
            ('BRANCH', 'loop_for', fi, exit_)])
        self.assertEqual(rec.events('BRANCH_LEFT', 'BRANCH_RIGHT'), [
            ('BRANCH_LEFT', 'loop_for', fi, body)] * 3 + [
            ('BRANCH_RIGHT', 'loop_for', fi, exit_)])

    def test_exit_of_a_loop_over_a_generator(self):
        L = Layout(consume.__code__)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        rec = self.record(E.BRANCH, consume)
        self.assertEqual(rec.events(), [
            ('BRANCH', 'consume', fi, L.next_offset(fi))] * 2 + [
            ('BRANCH', 'consume', fi, first_of_line(L, 4))])


class InstructionTest(MonitoringTestCase):

    def record(self, func, *args):
        rec = self.recorder(0, E.INSTRUCTION, in_codes(func.__code__))
        func(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return [r.args[0] for r in rec.records]

    def test_straight_line_code(self):
        L = Layout(straight.__code__)
        # every instruction, in order; never RESUME (3.11+)
        expected = [ins.offset for ins in L.instructions
                    if ins.opname != 'RESUME']
        self.assertEqual(self.record(straight, 1, 2), expected)
        self.assertEqual(L.opname_at(expected[-1]), 'RETURN_VALUE')

    def test_prologue_before_resume_is_not_reported(self):
        # 3.11+: MAKE_CELL runs before RESUME and is not an event
        L = Layout(make_cell.__code__)
        expected = [ins.offset for ins in L.instructions
                    if ins.offset > L.start or
                    (ins.offset == L.start and ins.opname != 'RESUME')]
        got = self.record(make_cell)
        self.assertEqual(got, expected[:len(got)])
        self.assertEqual(got[-1], L.ret)
        if PY >= (3, 11):
            self.assertEqual(L.opname_at(0), 'MAKE_CELL')
            self.assertNotIn(0, got)

    def test_generator(self):
        L = Layout(gen_values.__code__)
        rec = self.recorder(0, E.INSTRUCTION, in_codes(gen_values.__code__))
        g = gen_values()
        self.assertEqual(rec.records, [])   # creating it runs nothing
        self.assertEqual(list(g), [1, 2])
        self.stop()
        got = [r.args[0] for r in rec.records]
        if PY >= (3, 11):
            # RETURN_GENERATOR, POP_TOP and the RESUMEs are not reported
            # (nor, 3.12+, the implicit StopIteration handler after the
            # return, which does not run)
            expected = [ins.offset for ins in L.instructions
                        if L.start < ins.offset <= L.ret and
                        ins.opname != 'RESUME']
        else:
            # GEN_NO_RESUME: 3.10's GEN_START is the first instruction
            expected = [ins.offset for ins in L.instructions]
        self.assertEqual(got, expected)
        if PY == (3, 10):
            self.assertEqual(L.opname_at(got[0]), 'GEN_START')


    def test_instruction_after_extended_arg(self):
        L = Layout(long_loop.__code__)
        fi = L.offsets('FOR_ITER')[0]
        prefix = L.instructions[L._index[fi] - 1]
        self.assertEqual(prefix.opname, 'EXTENDED_ARG')
        got = self.record(long_loop, 0)
        # both the prefix and the instruction, then the loop exit
        self.assertEqual(got[got.index(prefix.offset):][:3],
                         [prefix.offset, fi, first_of_line(L, 123)])

    def test_jump_after_extended_arg(self):
        # the source of the event is the jump instruction, not its prefix
        L = Layout(long_loop.__code__)
        fi = L.offsets('FOR_ITER')[0]
        self.assertEqual(L.instructions[L._index[fi] - 1].opname,
                         'EXTENDED_ARG')
        back = [o for o in L.offsets(*JUMP_OPS)
                if jump_target(L.instructions[L._index[o]]) < o][0]
        rec = self.recorder(0, E.JUMP | E.BRANCH,
                            in_codes(long_loop.__code__))
        long_loop(1)
        self.stop()
        head = jump_target(L.instructions[L._index[back]])
        self.assertEqual(rec.events(), [
            ('BRANCH', 'long_loop', fi, L.next_offset(fi)),
            ('JUMP', 'long_loop', back, head),
            ('BRANCH', 'long_loop', fi, first_of_line(L, 123))])


class DisableTest(MonitoringTestCase):

    def test_line_disabled_where_it_starts(self):
        base = loop_for.__code__.co_firstlineno
        rec = self.recorder(
            0, E.LINE, in_codes(loop_for.__code__),
            respond=lambda r: DISABLE if r.args[0] == base + 3 else None)
        loop_for()
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3, 2, 2, 2, 4])
        rec.clear()
        loop_for()
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 2, 2, 2, 4])
        monitoring.restart_events()
        rec.clear()
        loop_for()
        self.stop()
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3, 2, 2, 2, 4])

    def test_line_disabled_per_location(self):
        # A loop test copied to the bottom of the loop (3.10+) is a second
        # location of its line; each copy is disabled on its own.
        L = Layout(loop_while.__code__)
        copies = line_runs(L, 2)
        self.assertEqual(copies, 1 if PY < (3, 10) else 2)
        base = loop_while.__code__.co_firstlineno
        rec = self.recorder(
            0, E.LINE, in_codes(loop_while.__code__),
            respond=lambda r: DISABLE if r.args[0] == base + 2 else None)
        loop_while()
        self.stop()
        self.assertEqual(relative_lines(rec.records, loop_while.__code__),
                         [1, 2, 3] + [2] * (copies - 1) + [3, 3, 4])

    def test_branch_disabled(self):
        L = Layout(loop_for.__code__)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        back = one_op_on_line(L, 3, JUMP_OPS)
        rec = self.recorder(
            0, E.BRANCH | E.JUMP, in_codes(loop_for.__code__),
            respond=lambda r: DISABLE if r.event == 'BRANCH' else None)
        loop_for()
        jumps = [('JUMP', 'loop_for', back, fi)] * 3
        self.assertEqual(rec.events(), [
            ('BRANCH', 'loop_for', fi, L.next_offset(fi))] + jumps)
        rec.clear()
        loop_for()
        self.assertEqual(rec.events(), jumps)
        monitoring.restart_events()
        rec.clear()
        loop_for()
        self.stop()
        # back at the location, and disabled again by the callback
        self.assertEqual(rec.events(), [
            ('BRANCH', 'loop_for', fi, L.next_offset(fi))] + jumps)

    def test_jump_disabled(self):
        rec = self.recorder(0, E.JUMP | E.LINE, in_codes(loop_for.__code__),
                            respond=lambda r: DISABLE
                            if r.event == 'JUMP' else None)
        loop_for()
        self.stop()
        self.assertEqual(len(rec.events('JUMP')), 1)
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3, 2, 3, 2, 3, 2, 4])

    def test_branch_disabled_per_location(self):
        L = Layout(if_chain.__code__)
        first = one_op_on_line(L, 1, BRANCH_OPS)
        second = one_op_on_line(L, 3, BRANCH_OPS)
        rec = self.recorder(
            0, E.BRANCH, in_codes(if_chain.__code__),
            respond=lambda r: DISABLE if r.args[0] == first else None)
        if_chain(2)
        if_chain(2)
        self.stop()
        self.assertEqual(rec.events(), [
            ('BRANCH', 'if_chain', first, first_of_line(L, 3)),
            ('BRANCH', 'if_chain', second, L.next_offset(second)),
            ('BRANCH', 'if_chain', second, L.next_offset(second))])

    @unittest.skipUnless(HAS_BRANCH_SIDES, "BRANCH_LEFT/RIGHT: pep669.monitoring")
    def test_sides_disabled_separately(self):
        # 3.14: the two sides of a branch are two locations
        L = Layout(loop_for.__code__)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        rec = self.recorder(
            0, E.BRANCH_LEFT | E.BRANCH_RIGHT, in_codes(loop_for.__code__),
            respond=lambda r: DISABLE if r.event == 'BRANCH_LEFT' else None)
        loop_for()
        loop_for()
        self.stop()
        right = ('BRANCH_RIGHT', 'loop_for', fi, first_of_line(L, 4))
        self.assertEqual(rec.events(), [
            ('BRANCH_LEFT', 'loop_for', fi, L.next_offset(fi)), right,
            right])

    def test_instruction_disabled(self):
        L = Layout(straight.__code__)
        offsets = [ins.offset for ins in L.instructions
                   if ins.opname != 'RESUME']
        rec = self.recorder(0, E.INSTRUCTION, in_codes(straight.__code__),
                            respond=lambda r: DISABLE
                            if r.args[0] == offsets[0] else None)
        straight(1, 2)
        straight(1, 2)
        self.stop()
        got = [r.args[0] for r in rec.records]
        self.assertEqual(got, offsets + offsets[1:])

    def test_disable_is_per_tool(self):
        base = loop_for.__code__.co_firstlineno
        self.use_tool(1)
        self.use_tool(0)
        quiet = Recorder(1, E.LINE, in_codes(loop_for.__code__),
                         respond=lambda r: DISABLE).register()
        full = Recorder(0, E.LINE, in_codes(loop_for.__code__)).register()
        monitoring.set_events(1, E.LINE)
        monitoring.set_events(0, E.LINE)
        loop_for()
        loop_for()
        self.stop()
        # tool 1: each location once (line 2 at its first instruction and
        # at the FOR_ITER the loop jumps back to), then nothing
        self.assertEqual(
            [r.args[0] - base for r in quiet.records], [1, 2, 3, 2, 4])
        self.assertEqual(relative_lines(full.records, loop_for.__code__),
                         [1, 2, 3, 2, 3, 2, 3, 2, 4] * 2)


class RecursionTest(LineTestCase):

    def test_each_frame_has_its_own_previous_line(self):
        # back in the caller after the call on line 3, the caller's
        # previous instruction is on line 3: no LINE
        self.assertLines(fact, (3,), [1, 3, 1, 3, 1, 2], 6)

    def test_local_disable_in_recursion(self):
        base = fact.__code__.co_firstlineno
        self.use_tool(0)
        rec = Recorder(0, E.LINE, in_codes(fact.__code__),
                       respond=lambda r: DISABLE
                       if r.args[0] == base + 1 else None).register()
        self.set_local_events(0, fact.__code__, E.LINE)
        fact(3)
        self.assertEqual(relative_lines(rec.records, fact.__code__),
                         [1, 3, 3, 2])


class ToolsTest(MonitoringTestCase):

    def test_highest_tool_first(self):
        log = []
        base = loop_one_line.__code__.co_firstlineno
        for tool in (0, 5, 2):
            self.use_tool(tool)

            def callback(code, line, tool=tool):
                if code is loop_one_line.__code__:
                    log.append((line - base, tool))
            monitoring.register_callback(tool, E.LINE, callback)
            monitoring.set_events(tool, E.LINE)
        loop_one_line()
        self.stop()
        self.assertEqual(log, [(1, 5), (1, 2), (1, 0), (2, 5), (2, 2),
                               (2, 0), (3, 5), (3, 2), (3, 0)])

    def test_global_and_local_of_different_tools(self):
        self.use_tool(1)
        self.use_tool(4)
        both = in_codes(loop_for.__code__, if_chain.__code__)
        lines = Recorder(1, E.LINE, both).register()
        branches = Recorder(4, E.BRANCH, both).register()
        monitoring.set_events(1, E.LINE)
        self.set_local_events(4, loop_for.__code__, E.BRANCH)
        loop_for()
        if_chain(1)
        self.stop()
        self.assertEqual([(r.code.co_name, r.args[0] - r.code.co_firstlineno)
                          for r in lines.records],
                         [('loop_for', n) for n in (1, 2, 3, 2, 3, 2, 3, 2, 4)]
                         + [('if_chain', 1), ('if_chain', 2),
                            ('if_chain', 7)])
        self.assertEqual([r.code.co_name for r in branches.records],
                         ['loop_for'] * 4)


class LocalEventsTest(MonitoringTestCase):

    def test_local_line_only_in_its_code(self):
        self.use_tool(0)
        rec = Recorder(0, E.LINE, in_codes(consume.__code__,
                                           gen_values.__code__)).register()
        self.set_local_events(0, consume.__code__, E.LINE)
        self.assertEqual(consume(), 3)
        self.assertEqual(relative_lines(rec.records, consume.__code__),
                         [1, 2, 3, 2, 3, 2, 4])
        self.set_local_events(0, consume.__code__, 0)
        rec.clear()
        consume()
        self.assertEqual(rec.records, [])

    def test_local_on_a_nested_code_object(self):
        inner = [c for c in with_nested.__code__.co_consts
                 if isinstance(c, types.CodeType)][0]
        self.use_tool(0)
        rec = Recorder(0, E.LINE, in_codes(inner,
                                           with_nested.__code__)).register()
        self.set_local_events(0, inner, E.LINE)
        with_nested()
        self.assertEqual(relative_lines(rec.records, with_nested.__code__),
                         [('inner', 2), ('inner', 3)])

    def test_local_and_global_add_up(self):
        self.use_tool(0)
        rec = Recorder(0, E.LINE | E.JUMP,
                       in_codes(loop_for.__code__,
                                loop_one_line.__code__)).register()
        monitoring.set_events(0, E.JUMP)
        self.set_local_events(0, loop_one_line.__code__, E.LINE)
        loop_for()
        loop_one_line()
        self.stop()
        self.assertEqual([(r.event, r.code.co_name) for r in rec.records],
                         [('JUMP', 'loop_for')] * 3 +
                         [('LINE', 'loop_one_line')] +
                         [('LINE', 'loop_one_line'),
                          ('JUMP', 'loop_one_line')] +
                         [('JUMP', 'loop_one_line')] * 2 +
                         [('LINE', 'loop_one_line')])


class RaisingCallbackTest(MonitoringTestCase):

    def raise_at(self, func, rel_line):
        line = func.__code__.co_firstlineno + rel_line
        raised = []

        def respond(record):
            if record.args[0] == line and not raised:
                raised.append(record)
                raise RuntimeError('from LINE')
        return self.recorder(0, E.LINE, in_codes(func.__code__),
                             respond=respond)

    def test_raised_at_the_line_before_it_runs(self):
        rec = self.raise_at(victim, 2)
        log = []
        try:
            victim(log)
        except RuntimeError as e:
            exc = e
        else:
            self.fail("no exception")
        self.stop()
        self.assertEqual(log, [1])
        tb = exc.__traceback__
        while tb.tb_frame.f_code is not victim.__code__:
            tb = tb.tb_next
        # the frame raised at line 2 (what follows is the callback)
        self.assertEqual(tb.tb_lineno, victim.__code__.co_firstlineno + 2)
        self.assertEqual(relative_lines(rec.records, victim.__code__),
                         [1, 2])

    def test_handled_by_the_monitored_function(self):
        rec = self.raise_at(victim_catches, 3)
        self.assertEqual(victim_catches([]), [1, 'caught'])
        self.stop()
        self.assertEqual(
            relative_lines(rec.records, victim_catches.__code__),
            [1, 2, 3, 4, 5, 6])


class ThreadLineTest(MonitoringTestCase):

    def test_thread_started_after_set_events(self):
        rec = self.recorder(0, E.LINE, in_codes(loop_for.__code__))
        ident, result = run_in_thread(thread_target)
        self.stop()
        self.assertEqual(result, 3)
        self.assertNotEqual(ident, threading.get_ident())
        self.assertEqual(set(r.thread for r in rec.records), {ident})
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3, 2, 3, 2, 3, 2, 4])

    def test_thread_waiting_when_events_are_set(self):
        ready, go = threading.Event(), threading.Event()
        out = []

        def target():
            ready.set()
            go.wait(30)
            out.append(thread_target())
        t = threading.Thread(target=target)
        t.start()
        self.assertTrue(ready.wait(30))
        rec = self.recorder(0, E.LINE | E.BRANCH,
                            in_codes(loop_for.__code__))
        go.set()
        t.join(30)
        self.stop()
        self.assertFalse(t.is_alive())
        ident = out[0][0]
        self.assertEqual(set(r.thread for r in rec.records), {ident})
        self.assertEqual(relative_lines(rec.records, loop_for.__code__),
                         [1, 2, 3, 2, 3, 2, 3, 2, 4])
        self.assertEqual(len(rec.events('BRANCH')), 4)


class PayOnlyWhereUsedTest(MonitoringTestCase):
    """Code nobody asked about runs without any trace function."""

    def test_other_code_runs_without_trace_function(self):
        # calibrate the probe before any event is set
        calibrate_trace_slot()
        self.assertEqual(unwatched_probe(), (None, None))
        code = watched_calls_probe.__code__
        self.use_tool(0)
        rec = Recorder(0, E.LINE, in_codes(code)).register()
        self.set_local_events(0, code, E.LINE)
        self.assertEqual(unwatched_probe(), (None, None))
        inside, in_callee, after = watched_calls_probe()
        self.assertEqual(in_callee, (None, None))
        if pep669.NATIVE:
            # sys.monitoring uses no trace function at all
            self.assertEqual((inside, after), (None, None))
        else:
            # the probe does see the trampoline where LINE is wanted
            self.assertIsNotNone(inside)
            self.assertIsNotNone(after)
        self.assertEqual(relative_lines(rec.records, code), [1, 2, 3, 4, 5])
        self.set_local_events(0, code, 0)
        self.assertEqual(watched_calls_probe(),
                         (None, (None, None), None))


class Zero(object):
    """10 // Zero() raises ZeroDivisionError from a Python frame."""

    def __rfloordiv__(self, other):
        return other // 0


class DisabledRunsUntracedTest(MonitoringTestCase):
    """Once every location of the jump, branch and instruction events a tool
    wants in a code object is DISABLEd, its frames run without the trace
    trampoline (or, with LINE still wanted, without opcode events): at once
    in the running frame, and at every later entry.  The probes read the
    thread's C-level trace function from inside the frame: natively there is
    never one."""

    def setUp(self):
        super(DisabledRunsUntracedTest, self).setUp()
        calibrate_trace_slot()

    def branch_layout(self):
        L = Layout(branch_probe.__code__)
        fi = one_op_on_line(L, 3, ['FOR_ITER'])
        test = one_op_on_line(L, 4, BRANCH_OPS)
        return L, fi, test

    def if_destinations(self, L, test):
        """Where the ``if`` goes when ``i % 2`` is 0, and when it is 1
        (3.12+ compile it as POP_JUMP_IF_TRUE)."""
        ins = L.instructions[L._index[test]]
        taken, not_taken = jump_target(ins), L.next_offset(test)
        if 'TRUE' in ins.opname:
            return not_taken, taken
        return taken, not_taken

    def side(self, L, src, dest):
        left = dest == L.next_offset(src)
        lines = L._lines
        if hasattr(L.code, 'co_lines'):
            lines = {i.offset: _line_at(L.code, i.offset)
                     for i in L.instructions}
        if while_copy_swapped(L, lines, src):
            left = not left
        return 'BRANCH_LEFT' if left else 'BRANCH_RIGHT'

    def test_branch(self):
        code = branch_probe.__code__
        L, fi, test = self.branch_layout()
        rec = self.recorder(0, E.BRANCH, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        # both branches run in the first iteration: from there on the
        # frame runs untraced
        self.assertEqual(branch_probe(2), (1, (None, False)))
        expected = [
            ('BRANCH', 'branch_probe', fi, L.next_offset(fi)),
            ('BRANCH', 'branch_probe', test, self.if_destinations(L, test)[0])]
        self.assertEqual(rec.events(), expected)
        rec.clear()
        self.assertEqual(branch_probe(3), (1, (None, False)))
        self.assertEqual(rec.events(), [])
        # back at every location, and disabled again
        monitoring.restart_events()
        self.assertEqual(branch_probe(2), (1, (None, False)))
        self.assertEqual(branch_probe(2), (1, (None, False)))
        self.stop()
        self.assertEqual(rec.events(), expected)

    def test_branch_of_another_tool_still_enabled(self):
        code = branch_probe.__code__
        L, fi, test = self.branch_layout()
        self.use_tool(1)
        quiet = self.recorder(0, E.BRANCH, in_codes(code),
                              local_codes=[code], respond=lambda r: DISABLE)
        full = Recorder(1, E.BRANCH, in_codes(code)).register()
        self.set_local_events(1, code, E.BRANCH)
        total, state = branch_probe(2)
        self.assertEqual(len(quiet.records), 2)
        self.assertEqual(len(full.records), 5)
        # the trampoline stays for tool 1 (no jump runs on the last line:
        # no opcode events there)
        self.assertFalse(state[1])
        if pep669.NATIVE:
            self.assertIsNone(state[0])
        else:
            self.assertIsNotNone(state[0])
        self.set_local_events(1, code, 0)
        self.assertEqual(branch_probe(2), (1, (None, False)))
        self.stop()
        self.assertEqual(len(quiet.records), 2)

    @unittest.skipUnless(HAS_BRANCH_SIDES and not pep669.NATIVE,
                         "the engine's traced/untraced frames: 3.8-3.11")
    def test_branch_sides(self):
        code = branch_probe.__code__
        L, fi, test = self.branch_layout()
        rec = self.recorder(0, E.BRANCH_LEFT | E.BRANCH_RIGHT, in_codes(code),
                            local_codes=[code], respond=lambda r: DISABLE)
        exit_ = ('BRANCH_RIGHT', 'branch_probe', fi,
                 branch_exit(L, L.instructions[L._index[fi]]))
        falsy, truthy = self.if_destinations(L, test)
        # the `if` is never true: one side is still enabled
        total, state = branch_probe(1)
        self.assertEqual(rec.events(), [
            ('BRANCH_LEFT', 'branch_probe', fi, L.next_offset(fi)),
            (self.side(L, test, falsy), 'branch_probe', test, falsy),
            exit_])
        if BRANCH_PROBES:
            self.assertIsNone(state[0])
        else:
            self.assertIsNotNone(state[0])
        self.assertFalse(state[1])
        rec.clear()
        # now it is: the loop's exit (disabled already) is left untraced
        self.assertEqual(branch_probe(2), (1, (None, False)))
        self.assertEqual(rec.events(), [
            (self.side(L, test, truthy), 'branch_probe', test, truthy)])
        rec.clear()
        self.assertEqual(branch_probe(4), (2, (None, False)))
        self.stop()
        self.assertEqual(rec.events(), [])

    @unittest.skipUnless(HAS_BRANCH_SIDES and not pep669.NATIVE,
                         "the engine's traced/untraced frames: 3.8-3.11")
    def test_opcode_events_only_where_a_branch_is_wanted(self):
        # One side of the conditional expression never runs, so the frame
        # stays traced (3.11; 3.8-3.10 run it on branch probes, untraced);
        # opcode events are on only on the line where that branch can run
        # next (in the first call, the callback that disabled the other
        # side switched them off for the rest of the line).
        code = region_probe.__code__
        L = Layout(code)
        fi = one_op_on_line(L, 3, ['FOR_ITER'])
        cond = one_op_on_line(L, 5, BRANCH_OPS)
        rec = self.recorder(0, E.BRANCH_LEFT | E.BRANCH_RIGHT, in_codes(code),
                            local_codes=[code], respond=lambda r: DISABLE)
        seen, x, slot = region_probe(2, False)
        self.assertEqual(seen, [False, False])
        if BRANCH_PROBES:
            self.assertIsNone(slot)
        else:
            self.assertIsNotNone(slot)
        self.assertEqual([(r.event, r.args[0]) for r in rec.records], [
            ('BRANCH_LEFT', fi), ('BRANCH_RIGHT', fi),
            ('BRANCH_RIGHT', cond)])
        rec.clear()
        self.assertEqual(region_probe(3, False)[:2],
                         ([False] * 3, not BRANCH_PROBES))
        self.assertEqual(rec.records, [])
        # the other side: every location is disabled now
        self.assertEqual(region_probe(1, True), ([False], False, None))
        self.stop()
        self.assertEqual([(r.event, r.args[0]) for r in rec.records], [
            ('BRANCH_LEFT', cond)])

    def test_lines_left_only_in_a_handler(self):
        # Once every line the frame runs without an exception is
        # disabled, it runs without line events (watched for exceptions
        # only); a handler still reports its lines.
        code = handler_probe.__code__
        rec = self.recorder(0, E.LINE, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        y, state = handler_probe(1)
        self.assertEqual(y, 10)
        self.assertEqual(relative_lines(rec.records, code),
                         [1, 2, 3, 6, 7, 6])
        rec.clear()
        for _ in range(2):
            y, state = handler_probe(2)
            self.assertEqual(y, 5)
            if pep669.NATIVE:
                self.assertEqual(state, (None, True))
            else:
                # the trampoline stays, for exceptions only (tracing off;
                # the frame's filters are set at its first event, if it
                # has one, so they are not checked here)
                self.assertIsNotNone(state[0])
        self.assertEqual(rec.records, [])
        y, state = handler_probe(0)
        self.assertIsNone(y)
        self.assertEqual(relative_lines(rec.records, code), [4, 5])
        rec.clear()
        # nothing left: untraced
        self.assertEqual(handler_probe(0), (None, (None, True)))
        self.assertEqual(handler_probe(5), (2, (None, True)))
        self.stop()
        self.assertEqual(rec.records, [])

    def test_branches_left_only_in_a_handler(self):
        code = branch_handler_probe.__code__
        L = Layout(code)
        match = one_op_on_line(L, 4, BRANCH_OPS)
        cond = one_op_on_line(L, 5, BRANCH_OPS)
        rec = self.recorder(0, E.BRANCH, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        for _ in range(2):
            y, slot = branch_handler_probe(2)
            self.assertEqual(y, 5)
            if pep669.NATIVE:
                self.assertIsNone(slot)
            else:
                # watched for exceptions only
                self.assertIsNotNone(slot)
        self.assertEqual(rec.records, [])
        self.assertEqual(branch_handler_probe(0)[0], 0)
        self.assertEqual(rec.events(), [
            ('BRANCH', 'branch_handler_probe', match,
             L.next_offset(match)),
            ('BRANCH', 'branch_handler_probe', cond,
             jump_target(L.instructions[L._index[cond]]))])
        rec.clear()
        # nothing left: untraced
        self.assertEqual(branch_handler_probe(0), (0, None))
        self.assertEqual(branch_handler_probe(1), (10, None))
        self.stop()
        self.assertEqual(rec.records, [])

    def test_handler_of_a_frame_entered_after_the_exception(self):
        # the exception comes from a callee; the frame's handler reports
        # its lines
        code = handler_probe.__code__
        rec = self.recorder(0, E.LINE, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        handler_probe(1)
        rec.clear()
        self.assertEqual(handler_probe(Zero())[0], None)
        self.stop()
        self.assertEqual(relative_lines(rec.records, code), [4, 5])

    def test_jump(self):
        code = jump_probe.__code__
        L = Layout(code)
        fi = one_op_on_line(L, 2, ['FOR_ITER'])
        back = one_op_on_line(L, 3, JUMP_OPS)
        rec = self.recorder(0, E.JUMP, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        self.assertIsNone(jump_probe(3))
        self.assertIsNone(jump_probe(3))
        self.stop()
        self.assertEqual(rec.events(), [('JUMP', 'jump_probe', back, fi)])

    def test_code_without_jumps(self):
        # no location at all: nothing to trace from the start
        code = straight_probe.__code__
        rec = self.recorder(0, E.JUMP | E.BRANCH, in_codes(code),
                            local_codes=[code])
        self.assertIsNone(straight_probe())
        self.stop()
        self.assertEqual(rec.events(), [])

    def test_instruction(self):
        code = straight_probe.__code__
        L = Layout(code)
        offsets = [ins.offset for ins in L.instructions
                   if ins.opname != 'RESUME']
        rec = self.recorder(0, E.INSTRUCTION, in_codes(code),
                            local_codes=[code], respond=lambda r: DISABLE)
        # the return is still to come when the probe reads
        first = straight_probe()
        if pep669.NATIVE:
            self.assertIsNone(first)
        else:
            self.assertIsNotNone(first)
        self.assertIsNone(straight_probe())
        self.stop()
        self.assertEqual([r.args[0] for r in rec.records], offsets)

    def test_lines_go_on_without_opcode_events(self):
        code = branch_probe.__code__
        L, fi, test = self.branch_layout()
        rec = self.recorder(0, E.LINE | E.BRANCH, in_codes(code),
                            local_codes=[code],
                            respond=lambda r: DISABLE
                            if r.event == 'BRANCH' else None)
        total, state = branch_probe(2)
        self.assertEqual(relative_lines(rec.records, code),
                         [1, 2, 3, 4, 3, 4, 5, 3, 6, 7, 6])
        self.assertEqual(len(rec.events('BRANCH')), 2)
        self.assertFalse(state[1])
        if pep669.NATIVE:
            self.assertIsNone(state[0])
        else:
            # LINE still needs the trampoline
            self.assertIsNotNone(state[0])
        rec.clear()
        self.assertEqual(branch_probe(2)[1][1], False)
        self.stop()
        self.assertEqual(relative_lines(rec.records, code),
                         [1, 2, 3, 4, 3, 4, 5, 3, 6, 7, 6])
        self.assertEqual(rec.events('BRANCH'), [])


class LegacyLog(object):
    """A sys.settrace tracer logging the events of ``codes``."""

    def __init__(self, codes, opcodes=False):
        self.codes = codes
        self.opcodes = opcodes
        self.log = []

    def __call__(self, frame, event, arg):
        if frame.f_code not in self.codes:
            return None
        if self.opcodes:
            frame.f_trace_opcodes = True
        if event == 'opcode':
            self.log.append((event, frame.f_code.co_name, frame.f_lasti))
            return self
        line = frame.f_lineno - frame.f_code.co_firstlineno
        if event == 'exception':
            self.log.append((event, frame.f_code.co_name, line, arg[0]))
        else:
            self.log.append((event, frame.f_code.co_name, line))
        return self


LEGACY_CODES = (loop_for.__code__, if_chain.__code__, gen_mid_line.__code__)


class LegacyTracerTest(MonitoringTestCase):
    """sys.settrace users keep their own events while a tool gets LINE
    (or INSTRUCTION), whichever was installed first."""

    def setUp(self):
        super(LegacyTracerTest, self).setUp()
        self.assertIsNone(sys.gettrace())
        self.addCleanup(sys.settrace, None)

    def settrace(self, tracer):
        # 3.12.1 delivers opcode events only if some frame had
        # f_trace_opcodes set before sys.settrace.
        if tracer is not None and tracer.opcodes:
            sys._getframe(1).f_trace_opcodes = True
        sys.settrace(tracer)

    def legacy_alone(self, opcodes):
        legacy = LegacyLog(LEGACY_CODES, opcodes)
        self.settrace(legacy)
        legacy_scenario()
        sys.settrace(None)
        self.assertTrue(legacy.log)
        return legacy.log

    def tool_stream(self, rec):
        return [(r.event, r.code.co_name,
                 r.args[0] - r.code.co_firstlineno if r.event == 'LINE'
                 else r.args[0]) for r in rec.records]

    def both(self, event_set, opcodes, legacy_first):
        baseline = self.legacy_alone(opcodes)
        self.use_tool(2)
        rec = Recorder(2, event_set, in_codes(*LEGACY_CODES)).register()
        monitoring.set_events(2, event_set)
        legacy_scenario()
        monitoring.set_events(2, 0)
        tool_baseline = self.tool_stream(rec)
        rec.clear()
        legacy = LegacyLog(LEGACY_CODES, opcodes)
        if legacy_first:
            self.settrace(legacy)
            monitoring.set_events(2, event_set)
        else:
            monitoring.set_events(2, event_set)
            self.settrace(legacy)
        self.assertIs(sys.gettrace(), legacy)
        legacy_scenario()
        sys.settrace(None)
        monitoring.set_events(2, 0)
        self.assertEqual(legacy.log, baseline)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.tool_stream(rec), tool_baseline)
        return baseline, tool_baseline

    def check_line_baselines(self, legacy, tool):
        self.assertIn(('line', 'loop_for', 3), legacy)
        self.assertEqual(legacy.count(('line', 'loop_for', 3)), 3)
        self.assertEqual(
            [e for e in tool if e[1] == 'loop_for'],
            [('LINE', 'loop_for', n) for n in (1, 2, 3, 2, 3, 2, 3, 2, 4)])
        self.assertEqual([e for e in tool if e[1] == 'gen_mid_line'],
                         [('LINE', 'gen_mid_line', n) for n in (1, 2, 3)])

    def test_line_tracer_installed_first(self):
        self.check_line_baselines(*self.both(E.LINE, False, True))

    def test_line_tracer_installed_second(self):
        self.check_line_baselines(*self.both(E.LINE, False, False))

    def test_opcode_tracer_with_line(self):
        legacy, tool = self.both(E.LINE, True, True)
        self.assertEqual(
            [e[2] for e in legacy if e[0] == 'opcode' and e[1] == 'loop_for'],
            [e[2] for e in TraceOracle(loop_for, (), [loop_for.__code__],
                                       E.INSTRUCTION).events()])
        self.check_line_baselines(legacy, tool)

    def test_opcode_tracer_with_jumps_installed_first(self):
        legacy, tool = self.both(E.JUMP | E.BRANCH, True, True)
        self.assertEqual(len([e for e in tool if e[1] == 'loop_for']), 7)

    def test_opcode_tracer_with_jumps_installed_second(self):
        legacy, tool = self.both(E.JUMP | E.BRANCH, True, False)
        self.assertEqual(len([e for e in tool if e[1] == 'loop_for']), 7)

    # No test combines an opcode tracer with INSTRUCTION: 3.12.1 and 3.13.0
    # each lose one of the two streams, depending on what ran before
    # (docs/differences.md, "Line-level events").


if __name__ == '__main__':
    unittest.main()
