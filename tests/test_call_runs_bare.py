"""3.11: call runs are bare (docs/architecture.md, "call run", session 15):
a run the hook's fast path starts on the code's call clone has no record,
only a block on the thread's bare list; its call probes fire from the
block, and the record is made when something needs it (a callback that
changes the events, a legacy profiler, a callee's end that is not quiet,
an exception leaving the run).  The streams must be those of the first
run (the general path) and of native 3.12/3.13, where they are checked
too; the counters (``_probe_state``'s ``bare_runs``, ``bare_records`` of
the call clone) only on 3.11's release-style build.
"""

import sys
import unittest

from tests.support import MonitoringTestCase, events, in_codes, monitoring
from tests.test_call_runs_fast import CALLS, FAST, RUNS, drive, fresh

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events


def nop(x):
    return x


def chain(n, hook):
    a = abs(-n)
    hook(a)
    b = abs(a)
    return b


def raising(n):
    a = abs(-n)
    b = int('x')
    return a + b


def bare_state(func):
    if not FAST:
        return None
    state = pep669._monitoring._probe_state(func.__code__)
    return state['bare_runs'], state['bare_records']


def lines_of(func, lines):
    first = func.__code__.co_firstlineno
    return [n - first for n in lines]


class BareCallRunTest(MonitoringTestCase):

    def names(self, rec, start=0):
        return [(e[0], getattr(e[3], '__name__', None))
                for e in rec.events()[start:]]

    def test_runs_are_bare_and_fire_alike(self):
        f = fresh(chain)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        streams = []
        for _ in range(RUNS):
            start = len(rec.records)
            drive(f, 3, str)
            streams.append((self.names(rec, start),
                            lines_of(f, [r.lineno
                                         for r in rec.records[start:]])))
        state = bare_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(streams[0],
                         ([('CALL', 'abs'), ('C_RETURN', 'abs'),
                           ('CALL', 'str'), ('C_RETURN', 'str'),
                           ('CALL', 'abs'), ('C_RETURN', 'abs')],
                          [1, 1, 2, 2, 3, 3]))
        for stream in streams[1:]:
            self.assertEqual(stream, streams[0])
        if FAST:
            runs, records = state
            # (the first two runs take the general path: the second marks the
            # code ready)
            self.assertEqual(runs, RUNS - 2)
            self.assertEqual(records, 0)

    def test_python_callee_and_frames_seen(self):
        f = fresh(chain)
        seen = []

        def respond(record):
            seen.append(pep669._monitoring._frame_mechanism(record.frame)
                        if FAST else None)
        rec = self.recorder(0, CALLS, in_codes(f.__code__),
                            respond=respond)
        for _ in range(RUNS):
            start = len(rec.records)
            self.assertEqual(drive(f, 2, nop), 2)
        state = bare_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec, start),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'nop'),
                          ('CALL', 'abs'), ('C_RETURN', 'abs')])
        self.assertEqual(len(rec.records), 5 * RUNS)
        self.assertEqual(lines_of(f, [r.lineno for r in rec.records[-5:]]),
                         [1, 1, 2, 3, 3])
        if FAST:
            self.assertEqual(state, (RUNS - 2, 0))
            self.assertEqual(seen[-5:], ['call probes'] * 5)

    def test_events_changed_by_a_callback_mid_run(self):
        # A CALL callback of a bare run gives the code LINE: the frame
        # follows at once (its record made by the probe), from the line
        # after the call on; its next runs are traced whole.
        f = fresh(chain)
        code = f.__code__
        armed = []

        def respond(record):
            if armed and record.event == 'CALL':
                del armed[:]
                self.set_local_events(1, code, E.LINE)
        rec = self.recorder(0, CALLS, in_codes(code), respond=respond)
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda c, line: lines.append(line)
            if c is code else None)
        for _ in range(RUNS):
            drive(f, 1, nop)
        before = bare_state(f)
        start = len(rec.records)
        armed.append(1)
        drive(f, 1, nop)
        self.assertEqual(lines_of(f, lines), [2, 3, 4])
        drive(f, 1, nop)
        self.assertEqual(lines_of(f, lines), [2, 3, 4, 1, 2, 3, 4])
        after = bare_state(f)
        monitoring.set_local_events(1, code, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        one = [('CALL', 'abs'), ('C_RETURN', 'abs'), ('CALL', 'nop'),
               ('CALL', 'abs'), ('C_RETURN', 'abs')]
        self.assertEqual(self.names(rec, start), one * 2)
        if FAST:
            self.assertEqual(before, (RUNS - 2, 0))
            # the armed run started bare and made its record
            self.assertEqual(after, (RUNS - 1, 1))

    def test_exceptions_leave_bare_runs(self):
        f = fresh(raising)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        for _ in range(RUNS):
            with self.assertRaises(ValueError):
                drive(f, 1)
        state = bare_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'int'), ('C_RAISE', 'int')] * RUNS)
        if FAST:
            # (each run's record made at its end, by the exception)
            self.assertEqual(state, (RUNS - 2, RUNS - 2))

    def test_profiler_set_by_a_callback_mid_run(self):
        f = fresh(chain)
        code = f.__code__
        armed = []
        legacy = []

        def prof(frame, event, arg):
            if frame.f_code is code:
                legacy.append((event, getattr(arg, '__name__', None)))

        def respond(record):
            if armed and record.event == 'C_RETURN':
                del armed[:]
                sys.setprofile(prof)
        rec = self.recorder(0, CALLS, in_codes(code), respond=respond)
        for _ in range(RUNS):
            drive(f, 1, nop)
        before = bare_state(f)
        start = len(rec.records)
        armed.append(1)
        try:
            drive(f, 1, len)
        except TypeError:
            pass
        finally:
            sys.setprofile(None)
        after = bare_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec, start),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'len'), ('C_RAISE', 'len')])
        self.assertEqual(legacy, [('c_call', 'len'), ('c_exception', 'len'),
                                  ('return', None)])
        if FAST:
            self.assertEqual(before, (RUNS - 2, 0))
            self.assertEqual(after, (RUNS - 1, 1))

    def test_traced_callee_asks_for_the_callers_record(self):
        f = fresh(chain)
        g = fresh(nop)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        self.use_tool(1)
        lines = []
        monitoring.register_callback(
            1, E.LINE, lambda c, line: lines.append(line)
            if c is g.__code__ else None)
        self.set_local_events(1, g.__code__, E.LINE)
        for _ in range(RUNS):
            drive(f, 1, g)
        state = bare_state(f)
        monitoring.set_local_events(1, g.__code__, 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.names(rec),
                         [('CALL', 'abs'), ('C_RETURN', 'abs'),
                          ('CALL', 'nop'), ('CALL', 'abs'),
                          ('C_RETURN', 'abs')] * RUNS)
        self.assertEqual(lines_of(g, lines), [1] * RUNS)
        if FAST:
            runs, records = state
            self.assertEqual(runs, RUNS - 2)
            self.assertLessEqual(records, runs)


if __name__ == '__main__':
    unittest.main()
