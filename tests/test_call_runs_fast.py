"""3.11: runs of code on its call probes started from the hook's fast path
(docs/architecture.md, "call run"): once the quiet path has run a code
object on its call clone in the current event set, its next runs start
there in fewer steps (pep669_frame_eval_calls).  The streams must stay
those of the first run (the general path), what callees and callbacks
see must be the code's own, and the path must step aside whenever the
thread (a legacy profiler or tracer) or the event set changes.  Streams
are checked everywhere (natively on 3.12/3.13 too); the counter of fast
runs (``_probe_state``'s ``calls_fast_runs``) only on 3.11.
"""

import sys
import types
import unittest

from tests.support import PY, MonitoringTestCase, events, in_codes, monitoring

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
CALLS = E.CALL | E.C_RETURN | E.C_RAISE
#: (a Py_DEBUG 3.11 grows no code's stack, and the calls here at the top
#: of theirs run traced: test_call_probes_copy.NEEDS_GROWTH)
COPY = (not pep669.NATIVE and PY[:2] == (3, 11) and
        not hasattr(sys, 'gettotalrefcount'))
#: (the -Og debug engine, build_ext.py --debug, has no fast path: the
#: hook's general way decides every run, frame_begin; the checks build,
#: --checks, has it)
FAST = COPY and pep669._monitoring._backend_state()['fast_hook']
RUNS = 4


def fresh(func):
    """A new function on a new code object equal to ``func``'s."""
    return types.FunctionType(func.__code__.replace(), func.__globals__,
                              func.__name__, func.__defaults__,
                              func.__closure__)


def fast_runs(func):
    if not FAST:
        return None
    return pep669._monitoring._probe_state(func.__code__)['calls_fast_runs']


def drive(func, *args):
    """(a caller on its own call probes: a frame of the test method, which
    started before the events, runs traced, and its callees take the
    general path)"""
    return func(*args)


def walk(n, seen):
    seen.append(sys._getframe().f_code)
    if n <= 0:
        return len(seen)
    x = abs(-n)
    return walk(n - 1, seen) + x


def raiser(n):
    if n <= 0:
        raise KeyError(n)
    try:
        return raiser(n - 1)
    finally:
        abs(n)


def nocalls(a, b):
    x = a == b
    y = x
    return y


class Eq(object):
    on_eq = None

    def __eq__(self, other):
        Eq.on_eq()
        return True


def guarded(x):
    try:
        y = x + 1
    except KeyError:
        y = 0
    return y


def lines_and_calls(n):
    a = guarded(n)
    b = abs(-a)
    c = guarded(b)
    return c + len([a, b])


class FastCallRunTest(MonitoringTestCase):

    def record(self, func, args_list, event_set=CALLS):
        rec = self.recorder(0, event_set, in_codes(func.__code__))
        streams = []
        for args in args_list:
            start = len(rec.records)
            try:
                drive(func, *args)
            except KeyError:
                pass
            streams.append(rec.events()[start:])
        return rec, streams

    def test_runs_after_the_first_are_fast_and_fire_alike(self):
        f = fresh(walk)  # (its recursion calls the module's walk)
        code = f.__code__
        frames = []
        rec, streams = self.record(f, [(3, frames) for _ in range(RUNS)])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        for stream in streams[1:]:
            self.assertEqual(stream, streams[0])
        self.assertEqual([e[0] for e in streams[0]],
                         ['CALL', 'C_RETURN'] * 3 + ['CALL'])
        # every frame showed its own code
        self.assertTrue(all(c is code or c is walk.__code__ for c in frames))
        if FAST:
            self.assertGreater(fast_runs(f), 0)

    def test_recursion_of_one_code_object(self):
        seen = [[] for _ in range(RUNS)]
        rec = self.recorder(0, CALLS, in_codes(walk.__code__))
        results = [drive(walk, 5, seen[i]) for i in range(RUNS)]
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(len(set(results)), 1)
        self.assertTrue(all(c is walk.__code__ for s in seen for c in s))
        evs = rec.events()
        per_run = len(evs) // RUNS
        for i in range(1, RUNS):
            self.assertEqual(evs[i * per_run:(i + 1) * per_run],
                             evs[:per_run])
        # per level: _getframe, append and abs (CALL, C_RETURN), CALL walk;
        # the last level: _getframe, append and len
        self.assertEqual(per_run, 7 * 5 + 6)
        if FAST:
            self.assertGreaterEqual(fast_runs(walk), (RUNS - 1) * 5)

    def test_exceptions_through_fast_runs(self):
        f = raiser
        before = fast_runs(f)
        rec, streams = self.record(f, [(3,) for _ in range(RUNS)])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        for stream in streams[1:]:
            self.assertEqual(stream, streams[0])
        names = [e[0] for e in streams[0]]
        # (raiser 3 times, abs 3 times, KeyError once)
        self.assertEqual(names.count('CALL'), 3 + 3 + 1)
        if FAST:
            self.assertGreater(fast_runs(f), before)

    def test_legacy_profiler_keeps_its_events_and_stops_fast_runs(self):
        f = fresh(walk)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        for _ in range(RUNS):
            drive(f, 2, [])
        before = fast_runs(f)
        legacy = []

        def prof(frame, event, arg):
            legacy.append((event, frame.f_code.co_name))
        sys.setprofile(prof)
        try:
            start = len(rec.records)
            drive(f, 2, [])
        finally:
            sys.setprofile(None)
        after = fast_runs(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual([e[0] for e in rec.events()[start:]],
                         ['CALL', 'C_RETURN'] * 3 + ['CALL'])
        # the profiler's own stream, as without events
        plain = []
        sys.setprofile(lambda frame, event, arg: plain.append(
            (event, frame.f_code.co_name)))
        try:
            f(2, [])
        finally:
            sys.setprofile(None)
        self.assertEqual([e for e in legacy if e[1] == 'walk'],
                         [e for e in plain if e[1] == 'walk'])
        self.assertEqual(len([e for e in legacy if e == ('call', 'walk')]),
                         3)
        if FAST:
            self.assertGreater(before, 0)
            self.assertEqual(after, before)

    def test_code_with_disabled_lines_keeps_its_call_clone(self):
        # (review14) LINE and the call events in one code, its LINE all
        # DISABLEd: its runs fire the call events alike, and its call
        # clone serves them all (a fast run that took the code's events as
        # they are, LINE with them, retired the clone every other run)
        f = fresh(lines_and_calls)
        code, callee = f.__code__, guarded.__code__
        rec = self.recorder(0, CALLS, in_codes(code))
        lines = []

        def line(c, ln):
            lines.append((c.co_name, ln))
            return monitoring.DISABLE if c is code else None
        monitoring.register_callback(0, E.LINE, line)
        monitoring.set_local_events(0, code, CALLS | E.LINE)
        monitoring.set_local_events(0, callee, E.LINE)
        streams, retired = [], []
        for _ in range(RUNS + 2):
            start = len(rec.records)
            drive(f, 1)
            streams.append(rec.events()[start:])
            if COPY:
                retired.append(
                    pep669._monitoring._probe_state(code)['retired'])
        monitoring.set_local_events(0, code, 0)
        monitoring.set_local_events(0, callee, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual([e[0] for e in streams[0]],
                         ['CALL', 'CALL', 'C_RETURN', 'CALL', 'CALL',
                          'C_RETURN'])
        for stream in streams[1:]:
            self.assertEqual(stream, streams[0])
        self.assertEqual(len([x for x in lines if x[0] == f.__name__]), 4)
        if COPY:
            self.assertEqual(retired, [False] * (RUNS + 2))

    def test_a_new_event_set_steps_aside(self):
        f = fresh(walk)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        for _ in range(RUNS):
            drive(f, 1, [])
        before = fast_runs(f)
        # LINE in the same code: its frames run traced now
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda code, line: lines.append(line)
            if code is f.__code__ else None)
        monitoring.set_local_events(1, f.__code__, E.LINE)
        start = len(rec.records)
        drive(f, 1, [])
        after = fast_runs(f)
        monitoring.set_local_events(1, f.__code__, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual([e[0] for e in rec.events()[start:]],
                         ['CALL', 'C_RETURN'] * 3 + ['CALL'])
        first = f.__code__.co_firstlineno
        self.assertEqual([n - first for n in lines], [1, 2, 4, 5])
        if FAST:
            self.assertGreater(before, 0)
            self.assertEqual(after, before)


class NoCallTest(MonitoringTestCase):
    """Code without a call instruction gives no call event: under CALL
    events alone its runs need nothing of the hook (3.11: its `idle`
    answer), and events switched on while such a run is under way still
    reach it."""

    def test_runs_without_calls_are_idle(self):
        f = fresh(nocalls)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        results = [drive(f, i, 1) for i in range(RUNS)]
        idle = (pep669._monitoring._probe_state(f.__code__)['idle']
                if COPY else None)
        self.stop()
        self.assertEqual(results, [False, True, False, False])
        self.assertEqual(rec.events(), [])
        self.assertEqual(rec.frame_errors, [])
        if COPY:
            self.assertTrue(idle)

    def test_events_set_during_such_a_run_reach_it(self):
        f = fresh(nocalls)
        code = f.__code__
        rec = self.recorder(0, CALLS, in_codes(code, Eq.__eq__.__code__))
        for i in range(RUNS):
            drive(f, i, 1)
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda c, line: lines.append(line)
            if c is code else None)

        def on_eq():
            monitoring.set_local_events(1, code, E.LINE)
        Eq.on_eq = on_eq
        try:
            start = len(rec.records)
            self.assertTrue(drive(f, Eq(), Eq()))
            drive(f, 1, 1)
        finally:
            Eq.on_eq = None
            monitoring.set_local_events(1, code, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        first = code.co_firstlineno
        # the rest of the run (its next lines), then the whole next run
        self.assertEqual([n - first for n in lines], [2, 3, 1, 2, 3])
        # (Eq.on_eq, a Python function: no C_RETURN)
        self.assertEqual([e[0] for e in rec.events()[start:]], ['CALL'])


if __name__ == '__main__':
    unittest.main()
