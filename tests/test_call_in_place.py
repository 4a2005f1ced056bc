"""3.11: a call probe whose callable is a Python function fires CALL and
leaves the call to the evaluator, at the CALL instruction in place (the
stub's second branch, session 18: docs/architecture.md, "call in place"),
instead of making it itself.  What the callee sees of its caller (f_back,
f_lasti, f_lineno, tracebacks), the events after a callee that changed
the events, set a profiler or a tracer, raised, or returned DISABLE, must
be those of the probe-made call and of native 3.12/3.13, where the same
streams are checked.  The counter (``_probe_state``'s ``calls_in_place``)
only on 3.11's release-style build (the fast path's).
"""

import sys
import unittest

from tests.support import MonitoringTestCase, events, in_codes, monitoring
from tests.test_call_runs_bare import chain, lines_of, nop
from tests.test_call_runs_fast import CALLS, FAST, RUNS, drive, fresh

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events


class Obj(object):
    def meth(self, x, y=0):
        return x + y


def kwonly(*, x):
    return x


def shapes(n, obj):
    bound = obj.meth
    a = obj.meth(n, 1)
    b = bound(n)
    c = kwonly(x=a + b)
    return c


def boom(x):
    raise KeyError(x)


def catcher(n, hook):
    try:
        hook(n)
    except KeyError as exc:
        tb = exc.__traceback__
        return tb.tb_lasti, tb.tb_lineno
    return None


def in_place(func):
    if not FAST:
        return None
    return pep669._monitoring._probe_state(func.__code__)['calls_in_place']


class CallInPlaceTest(MonitoringTestCase):

    def names(self, rec, start=0):
        return [(e[0], getattr(e[3], '__name__', None))
                for e in rec.events()[start:]]

    def test_callee_sees_its_caller_at_the_call(self):
        f = fresh(chain)
        seen = []

        def hook(a):
            back = sys._getframe(1)
            seen.append((back.f_code is f.__code__, back.f_lasti,
                         back.f_lineno - f.__code__.co_firstlineno,
                         sys._getframe(2).f_code is drive.__code__))
            return a
        offsets = []

        def respond(record):
            if record.event == 'CALL' and record.args[1] is hook:
                offsets.append(record.args[0])
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        for _ in range(RUNS):
            self.assertEqual(drive(f, 2, hook), 2)
        state = in_place(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'hook'),
                          ('CALL', 'abs'), ('C_RETURN', 'abs')] * RUNS)
        self.assertEqual(len(seen), RUNS)
        for (same, lasti, line, outer), offset in zip(seen, offsets):
            self.assertTrue(same)
            self.assertTrue(outer)
            self.assertEqual(line, 2)
            # (the caller's last instruction is the call's, whose offset
            # the CALL event gives: natively too, where nothing inlines)
            if not pep669.NATIVE:
                self.assertEqual(lasti, offset)
        if FAST:
            # (the first run takes the general path, traced)
            self.assertEqual(state, RUNS - 1)

    def test_keywords_and_bound_methods(self):
        f = fresh(shapes)
        obj = Obj()
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        results = [drive(f, 3, obj) for _ in range(RUNS)]
        state = in_place(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(results, [7] * RUNS)
        evs = rec.events()
        # (a method loaded for its call: the function and self; a bound
        # method: itself and the first argument; a keyword argument)
        self.assertEqual([(e[0], e[3].__name__, e[4]) for e in evs],
                         [('CALL', 'meth', obj), ('CALL', 'meth', 3),
                          ('CALL', 'kwonly', 7)] * RUNS)
        # (the method's self: the bound method is the callable of the
        # second call, the function of the first)
        self.assertIs(type(evs[1][3]), type(obj.meth))
        if FAST:
            self.assertEqual(state, 3 * (RUNS - 1))

    def test_callee_raises_at_the_call(self):
        f = fresh(catcher)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        results = [drive(f, 1, boom) for _ in range(RUNS)]
        plain = fresh(catcher)(1, boom)
        state = in_place(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec), [('CALL', 'boom')] * RUNS)
        offset = rec.events()[0][2]
        line = f.__code__.co_firstlineno + 2
        self.assertEqual([r[1] for r in results], [line] * RUNS)
        self.assertEqual(plain[1], line)
        if not pep669.NATIVE:
            # (3.11 under any eval-frame hook: the call's own offset, as
            # the probe-made call had it)
            self.assertEqual([r[0] for r in results], [offset] * RUNS)
        if FAST:
            self.assertGreaterEqual(state, RUNS - 1)

    def test_disable_at_a_call_in_place(self):
        f = fresh(chain)
        armed = []

        def respond(record):
            if armed and record.event == 'CALL' and record.args[1] is nop:
                return monitoring.DISABLE
            return None
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        results = [drive(f, 2, nop) for _ in range(RUNS)]
        armed.append(1)
        results += [drive(f, 2, nop) for _ in range(RUNS)]
        state = in_place(f)
        monitoring.restart_events()
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(results, [2] * 2 * RUNS)
        one = [('CALL', 'abs'), ('C_RETURN', 'abs')]
        full = one + [('CALL', 'nop')] + one
        self.assertEqual(self.names(rec),
                         full * (RUNS + 1) + one * 2 * (RUNS - 1))
        if FAST:
            # (the DISABLEd call too: in place, its site unpatched)
            self.assertEqual(state, RUNS)

    def test_callee_gives_the_caller_lines(self):
        # The callee (called in place) gives its caller's code LINE: the
        # caller follows from the line after the call on, as 3.12 (no LINE
        # for the rest of the call's line); its next runs are traced.
        f = fresh(chain)
        code = f.__code__
        armed = []

        def hook(a):
            if armed:
                del armed[:]
                self.set_local_events(1, code, E.LINE)
            return a
        rec = self.recorder(0, CALLS, in_codes(code))
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda c, line: lines.append(line)
            if c is code else None)
        for _ in range(RUNS):
            drive(f, 1, hook)
        before = in_place(f)
        start = len(rec.records)
        armed.append(1)
        drive(f, 1, hook)
        self.assertEqual(lines_of(f, lines), [3, 4])
        drive(f, 1, hook)
        self.assertEqual(lines_of(f, lines), [3, 4, 1, 2, 3, 4])
        monitoring.set_local_events(1, code, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        one = [('CALL', 'abs'), ('C_RETURN', 'abs'), ('CALL', 'hook'),
               ('CALL', 'abs'), ('C_RETURN', 'abs')]
        self.assertEqual(self.names(rec, start), one * 2)
        if FAST:
            self.assertEqual(before, RUNS - 1)

    def test_callee_without_calls_gives_the_caller_lines(self):
        # The same from a callee with no call instruction (its runs idle
        # under call events alone) whose property does it.
        f = fresh(chain)
        code = f.__code__
        armed = []
        test = self

        class Trigger(object):
            @property
            def go(self):
                if armed:
                    del armed[:]
                    test.set_local_events(1, code, E.LINE)
                return 0

        trigger = Trigger()

        def quiet(a, t=trigger):
            return t.go + a
        rec = self.recorder(0, CALLS, in_codes(code))
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda c, line: lines.append(line)
            if c is code else None)
        for _ in range(RUNS):
            drive(f, 1, quiet)
        before = in_place(f)
        armed.append(1)
        drive(f, 1, quiet)
        self.assertEqual(lines_of(f, lines), [3, 4])
        monitoring.set_local_events(1, code, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        if FAST:
            self.assertEqual(before, RUNS - 1)

    def test_callee_sets_a_profiler(self):
        f = fresh(chain)
        code = f.__code__
        armed = []
        legacy = []

        def prof(frame, event, arg):
            if frame.f_code is code:
                legacy.append((event, getattr(arg, '__name__', None)))

        def hook(a):
            if armed:
                del armed[:]
                sys.setprofile(prof)
            return a
        self.check_armed_run(f, hook, armed, lambda: sys.setprofile(None))
        self.assertEqual(legacy, [('c_call', 'abs'), ('c_return', 'abs'),
                                  ('return', None)])

    def check_armed_run(self, f, hook, armed, unset):
        """RUNS runs of `f` through `hook` (calls in place from the
        second), then one with `hook` armed: the stream of that run is
        the same, whatever the hook set (`unset` takes it back)."""
        code = f.__code__
        rec = self.recorder(0, CALLS, in_codes(code))
        for _ in range(RUNS):
            drive(f, 1, hook)
        before = in_place(f)
        start = len(rec.records)
        armed.append(1)
        try:
            drive(f, 1, hook)
        finally:
            unset()
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec, start),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'hook'),
                          ('CALL', 'abs'), ('C_RETURN', 'abs')])
        if FAST:
            self.assertEqual(before, RUNS - 1)

    def test_callee_traces_its_caller(self):
        # (as pdb.set_trace does: the caller's f_trace and a tracer)
        f = fresh(chain)
        code = f.__code__
        armed = []
        legacy = []

        def tracer(frame, event, arg):
            if frame.f_code is code:
                legacy.append((event, frame.f_lineno - code.co_firstlineno))
            return tracer

        def hook(a):
            if armed:
                del armed[:]
                sys._getframe(1).f_trace = tracer
                sys.settrace(tracer)
            return a
        self.check_armed_run(f, hook, armed, lambda: sys.settrace(None))
        self.assertEqual(legacy, [('line', 3), ('line', 4), ('return', 4)])


if __name__ == '__main__':
    unittest.main()
