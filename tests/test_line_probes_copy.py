"""Line probes where the frame runs an instrumented copy of its code for the
whole run (3.11, docs/differences.md, "Line probes on 3.11").

Everything a program or a tool can see must be the original code's: the
frame's f_code, f_lineno and f_lasti, tracebacks, the handler an exception
raised at a probe reaches, generator frames between runs.  The specializer
keeps working on the copy.  Every test but the copy's own bookkeeping also
runs natively on 3.12/3.13 (the same results, with CPython's own
instrumentation) and on 3.8-3.10 (the window clones).
"""

import dis
import sys
import traceback
import unittest

from tests.support import PY, MonitoringTestCase, events, in_codes, monitoring
from tests.test_line_probes import first_arrivals

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE

#: Frames run a copy for the whole run (and _probe_state shows it).
COPY = not pep669.NATIVE and PY[:2] == (3, 11)


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

class Point(object):
    def __init__(self, x, y):
        self.x = x
        self.y = y


SCALE = 3


def specialized(n, flag):
    total = 0
    pts = [Point(i, i + 1) for i in range(4)]
    for i in range(n):
        p = pts[i % 4]
        total += p.x * SCALE + p.y
        total = total % 1000003
    if flag:
        total = -total
    return total


def frame_facts(x, out):
    f = sys._getframe()
    out.append((f.f_code is frame_facts.__code__, f.f_lineno))
    if x > 100:
        g = sys._getframe()
        out.append((g.f_code is frame_facts.__code__, g.f_lineno,
                    g.f_lasti))
    return x


def raises_late(x):
    y = x
    if x > 100:
        y = 1 // (x - x)
    return y


def caught_at_probe(x):
    try:
        y = 0
        if x > 100:
            y = 1
        return y
    except RuntimeError:
        return "caught"


def gen_late(n):
    for i in range(n):
        yield i
    if n > 100:
        yield -1


def gen_sees_itself(n, out):
    for i in range(n):
        yield i
    if n > 100:
        out.append((sys._getframe().f_code is gen_sees_itself.__code__,
                    gen_ref[0].gi_code is gen_sees_itself.__code__))
        yield -1


gen_ref = [None]


def consume(n):
    return list(gen_late(n))


def caller_of(x, out):
    if x > 100:
        return callee(out)
    return 0


def callee(out):
    f = sys._getframe(1)
    out.append((f.f_code is caller_of.__code__, f.f_lineno))
    return 1


# A long function: its first lines are more than 256 code units from the
# end, where the copy's stubs go (a jump there needs a prefix).
_LONG = ["def long_function(x):", "    t = x"]
for _k in range(120):
    _LONG.append("    t = t + %d" % _k)
_LONG.append("    if x > 100:")
_LONG.append("        t = -t")
_LONG.append("    return t")
_ns = {}
exec(compile("\n".join(_LONG), __file__ + ":long", "exec"), _ns)
long_function = _ns["long_function"]
_LONG2 = ["def long_first(x):", "    if x > 100:", "        x = -x"]
for _k in range(120):
    _LONG2.append("    x = x + %d" % _k)
_LONG2.append("    return x")
exec(compile("\n".join(_LONG2), __file__ + ":long2", "exec"), _ns)
long_first = _ns["long_first"]


def rel(func, line):
    return line - func.__code__.co_firstlineno


class CopyTestCase(MonitoringTestCase):

    def covering(self, *funcs, respond=None):
        codes = [f.__code__ for f in funcs]
        return self.recorder(0, E.LINE, in_codes(*codes),
                             respond=respond or (lambda r: DISABLE))

    def lines(self, rec, func):
        return [rel(func, r.args[0]) for r in rec.records
                if r.code is func.__code__]

    def expected(self, func, *argsets):
        """The relative lines a tool that DISABLEs every location sees over
        runs of func with each of argsets (the trace oracle's)."""
        return [rel(func, line) for _, line in
                first_arrivals([(func, a) for a in argsets],
                               [func.__code__])]


class SpecializerTest(CopyTestCase):

    def test_same_results_and_specialized_copy(self):
        expected = [specialized(2000, False) for _ in range(3)]
        expected.append(specialized(10, True))
        lines = self.expected(specialized, (5, False), (5, True))
        rec = self.covering(specialized)
        got = [specialized(2000, False) for _ in range(3)]
        state = probe_state(specialized) if COPY else None
        got.append(specialized(10, True))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected)
        self.assertEqual(self.lines(rec, specialized), lines)
        if COPY:
            self.assertTrue(state['clone'])
            self.assertEqual(state['patched'], 1)
            copy = state['copy']
            self.assertIsNotNone(copy)
            ops = [i.opname for i in dis.get_instructions(copy,
                                                          adaptive=True)]
            plain = set(dis.opmap)
            # the specializer rewrote the copy's hot instructions
            self.assertTrue([op for op in ops if op not in plain], ops)
            self.assertIn("BINARY_OP_MULTIPLY_INT", ops)


class FrameFactsTest(CopyTestCase):

    def test_frame_shows_its_own_code(self):
        lines = self.expected(frame_facts, (1, []), (200, []))
        rec = self.covering(frame_facts)
        first, second, third = [], [], []
        frame_facts(1, first)
        frame_facts(2, second)
        frame_facts(200, third)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        base = frame_facts.__code__.co_firstlineno
        self.assertEqual(first, [(True, base + 2)])
        self.assertEqual(second, [(True, base + 2)])
        lasti = [off for off, line in dis.findlinestarts(frame_facts.__code__)
                 if line == base + 5][0]
        self.assertEqual(third[0], (True, base + 2))
        self.assertEqual(third[1][:2], (True, base + 5))
        # f_lasti is an offset of the code itself, inside its line 5-6
        self.assertLess(third[1][2], len(frame_facts.__code__.co_code))
        self.assertGreater(third[1][2], lasti)
        self.assertEqual(self.lines(rec, frame_facts), lines)

    def test_caller_seen_from_a_callee(self):
        lines = self.expected(caller_of, (1, []), (200, []))
        rec = self.covering(caller_of)
        out = []
        caller_of(1, out)
        caller_of(2, out)
        caller_of(200, out)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(out, [(True, caller_of.__code__.co_firstlineno + 2)])
        self.assertEqual(self.lines(rec, caller_of), lines)

    def test_generator_between_runs(self):
        lines = [rel(gen_late, line) for _, line in
                 first_arrivals([(consume, (2,)), (consume, (200,))],
                                [gen_late.__code__])]
        rec = self.covering(gen_late)
        self.assertEqual(list(gen_late(2)), [0, 1])
        g = gen_late(200)
        seen = []
        for v in g:
            if v in (0, 199, -1):
                seen.append((v, g.gi_frame.f_code is gen_late.__code__,
                             g.gi_code is gen_late.__code__,
                             rel(gen_late, g.gi_frame.f_lineno)))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(seen, [(0, True, True, 2), (199, True, True, 2),
                                (-1, True, True, 4)])
        self.assertEqual(self.lines(rec, gen_late), lines)


    def test_running_generator_sees_its_code(self):
        rec = self.covering(gen_sees_itself)
        out = []
        for n in (2, 3, 200):
            gen_ref[0] = g = gen_sees_itself(n, out)
            list(g)
        gen_ref[0] = None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(out, [(True, True)])


class ExceptionTest(CopyTestCase):

    def test_traceback_from_probed_code(self):
        rec = self.covering(raises_late)
        raises_late(1)
        raises_late(2)
        try:
            raises_late(200)
        except ZeroDivisionError as e:
            tb = e.__traceback__.tb_next
            frame_summary = traceback.extract_tb(e.__traceback__)[-1]
            line, lasti, code = tb.tb_lineno, tb.tb_lasti, tb.tb_frame.f_code
        else:
            self.fail("no exception")
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        base = raises_late.__code__.co_firstlineno
        self.assertEqual(line, base + 3)
        self.assertIs(code, raises_late.__code__)
        self.assertLess(lasti, len(raises_late.__code__.co_code))
        self.assertEqual(frame_summary.lineno, base + 3)
        self.assertEqual(frame_summary.line, "y = 1 // (x - x)")

    def test_callback_exception_reaches_the_handler(self):
        late = caught_at_probe.__code__.co_firstlineno + 4

        def respond(r):
            if r.args[0] == late:
                raise RuntimeError("from the callback")
            return DISABLE
        lines = self.expected(caught_at_probe, (1,), (200,))
        rec = self.covering(caught_at_probe, respond=respond)
        got = [caught_at_probe(1), caught_at_probe(2)]
        state = probe_state(caught_at_probe) if COPY else None
        got.append(caught_at_probe(200))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, [0, 0, "caught"])
        # then the handler's lines
        self.assertEqual(self.lines(rec, caught_at_probe), lines + [6, 7])
        if COPY:
            self.assertTrue(state['clone'])
            self.assertEqual(state['patched'], 1)

    def test_callback_exception_traceback(self):
        late = raises_late.__code__.co_firstlineno + 3

        def respond(r):
            if r.args[0] == late:
                raise KeyError("cb")
            return DISABLE
        rec = self.covering(raises_late, respond=respond)
        raises_late(1)
        raises_late(2)
        try:
            raises_late(200)
        except KeyError as e:
            exc = e
        else:
            exc = None
        self.stop()
        self.assertIsInstance(exc, KeyError)
        self.assertEqual(rec.frame_errors, [])
        tb, names = exc.__traceback__, []
        while tb is not None and tb.tb_frame.f_code is not raises_late.__code__:
            names.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        self.assertIsNotNone(tb, names)
        self.assertEqual(tb.tb_lineno, late)
        starts = [off for off, line in
                  dis.findlinestarts(raises_late.__code__) if line == late]
        self.assertEqual(tb.tb_lasti, starts[0])


class LongCodeTest(CopyTestCase):

    def check_long(self, func, nlines):
        expected = [func(1), func(2), func(200)]
        lines = self.expected(func, (1,), (200,))
        rec = self.covering(func)
        got = [func(1), func(2)]
        state = probe_state(func) if COPY else None
        got.append(func(200))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected)
        self.assertEqual(self.lines(rec, func), lines)
        self.assertEqual(len(lines), nlines)
        if COPY:
            self.assertTrue(state['clone'])
            self.assertEqual(state['patched'], 1)

    def test_far_location_at_the_end(self):
        self.check_long(long_function, 124)

    def test_far_location_at_the_start(self):
        # (its jump to the stub needs a prefix)
        self.check_long(long_first, 123)


def make_sized(filler, pad):
    """A function whose never-run lines are about 5 * filler + 2 * pad code
    units from the end of its code (where a copy's stubs go)."""
    src = ["def sized(x):", "    if x > 100:", "        x = -x"]
    src += ["    t = x"] * pad
    src += ["    x = x + %d" % k for k in range(filler)]
    src += ["    if x > 10000:", "        x = -x", "    return x"]
    ns = {}
    exec(compile("\n".join(src), "<sized %d %d>" % (filler, pad), "exec"),
         ns)
    return ns["sized"]


class DistanceTest(CopyTestCase):

    def test_every_distance_around_one_prefix(self):
        # the jumps to the stubs cross 256 code units (one prefix, and the
        # distance that would need a zero prefix) at some of these sizes
        for filler in range(44, 56):
            for pad in range(3):
                func = make_sized(filler, pad)
                expected = [func(1), func(2), func(200), func(20000)]
                lines = self.expected(func, (1,), (200,), (20000,))
                rec = self.covering(func)
                try:
                    got = [func(1), func(2), func(200), func(20000)]
                finally:
                    self.stop()
                    self._release_tool(0)
                self.assertEqual(rec.frame_errors, [])
                self.assertEqual(got, expected, (filler, pad))
                self.assertEqual(self.lines(rec, func), lines,
                                 (filler, pad))


@unittest.skipUnless(COPY, "the copy's own bookkeeping (3.11)")
class CopyStateTest(CopyTestCase):

    def test_copy_keeps_the_original_facts(self):
        self.covering(specialized)
        specialized(3, False)
        specialized(3, False)
        state = probe_state(specialized)
        self.stop()
        copy, co = state['copy'], specialized.__code__
        for name in ("co_name", "co_qualname", "co_filename",
                     "co_firstlineno", "co_flags", "co_varnames",
                     "co_names", "co_freevars", "co_cellvars",
                     "co_argcount", "co_stacksize", "co_nlocals"):
            self.assertEqual(getattr(copy, name), getattr(co, name), name)
        self.assertEqual(copy.co_consts[:len(co.co_consts)], co.co_consts)
        # the original's lines and positions, then the stubs'
        n = len(co.co_code) // 2
        self.assertEqual(list(copy.co_positions())[:n],
                         list(co.co_positions()))
        self.assertEqual(list(copy.co_lines())[:len(list(co.co_lines()))]
                         [:-1], list(co.co_lines())[:-1])
        # every stub unit has the position of a line start of the code
        starts = {line for _, line in dis.findlinestarts(co)}
        tail = list(copy.co_positions())[n:]
        self.assertTrue(tail)
        self.assertTrue(all(p[0] in starts for p in tail), tail)
        self.assertTrue(set(tail) <= set(co.co_positions()), tail)
        # handlers: the original's entries come first, unchanged
        self.assertEqual(copy.co_exceptiontable[:len(co.co_exceptiontable)],
                         co.co_exceptiontable)


if __name__ == "__main__":
    unittest.main()
