"""A frame past its handler lets go of its filters when it calls.

A frame that wants only exception events is traced from an exception to
its handler (3.8-3.10: the handler's entry in flat code; 3.11: the end of
its handlers); its record then holds the frame object's filters (pep669's,
both off) with nothing more to trace.  When the frame next calls, the
hook lets go of them (``pep669_trace_release_caller``, trampoline.c): the
frame object shows the program's filters again and the tracing dispatch
that the frame's trace calls left on is switched off, so that the callees
take the quiet path.  Counted per code in ``_probe_state``'s
``released_callers``.

These tests pin what must not change (they are native 3.12/3.13's and
pass there): the streams of a later exception in the same frame, the
filters and trace function a callee reads on its caller, a legacy tracer
set by a callee on its caller, LINE switched on by a callee; and, on the
engine, that the frame did let go.
"""

import sys
import threading
import unittest

import pep669
from tests.support import MonitoringTestCase, X, events, in_files, monitoring
from tests.test_exception_untraced import stream

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE


class Boom(Exception):
    pass


def released(func):
    if not ENGINE:
        return None
    return pep669._monitoring._probe_state(func.__code__).get(
        'released_callers', 0)


def in_thread(func, *args):
    # (a thread started after the events were set: every frame of it came
    # through the hook, none is the thread's unhooked frame, whose
    # engagement would keep every callee off the quiet path anyway)
    out = []
    t = threading.Thread(target=lambda: out.append(func(*args)))
    t.start()
    t.join()
    return out[0]


def thrower(i):
    raise Boom(i)


def leaf(i, state):
    try:
        state.append(i)
    finally:
        pass
    return i


def catches_then_calls(n, state):
    try:
        thrower(-1)
    except Boom:
        pass
    for i in range(n):
        leaf(i, state)
    try:
        thrower(n)
    except Boom:
        pass
    return leaf(n + 1, state)


def look_at_caller(state):
    f = sys._getframe(1)
    state.append((f.f_trace_lines, f.f_trace_opcodes, f.f_trace,
                  sys.gettrace()))


def caller_flags(state, lines):
    sys._getframe().f_trace_lines = lines
    try:
        thrower(0)
    except Boom:
        pass
    look_at_caller(state)
    look_at_caller(state)
    return state


def set_tracer(tracer):
    sys.settrace(tracer)
    sys._getframe(1).f_trace = tracer


def traced_after(tracer):
    try:
        thrower(0)
    except Boom:
        pass
    set_tracer(tracer)
    a = 1
    b = a + 1
    sys.settrace(None)
    return b


def switch_lines(tool):
    monitoring.set_events(tool, EXC | E.LINE)


def lines_after(tool):
    try:
        thrower(0)
    except Boom:
        pass
    switch_lines(tool)
    a = 1
    return a


class ReleaseCallerTest(MonitoringTestCase):
    maxDiff = None

    def setUp(self):
        super(ReleaseCallerTest, self).setUp()
        for f in (catches_then_calls, caller_flags, traced_after,
                  lines_after):
            f.__code__ = f.__code__.replace()
        self.addCleanup(sys.settrace, sys.gettrace())

    def test_later_exception_in_frame(self):
        rec = self.recorder(0, EXC, HERE)
        state = []
        self.assertEqual(in_thread(catches_then_calls, 3, state), 4)
        self.stop()
        self.assertEqual(state, [0, 1, 2, 4])
        expected = []
        for i in (-1, 3):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'catches_then_calls', b),
                         ('EXCEPTION_HANDLED', 'catches_then_calls', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            # After each handler, at its first callee (and again after a
            # callee whose run was not quiet: a code's first run).
            self.assertGreaterEqual(released(catches_then_calls), 2)

    def test_callee_reads_caller(self):
        self.recorder(0, EXC, HERE)
        for lines in (True, False):
            state = in_thread(caller_flags, [], lines)
            self.assertEqual(state, [(lines, False, None, None)] * 2)
        self.stop()
        if ENGINE:
            # (the first run lets go at its first callee; the second runs
            # its handler copy, whose frame keeps the program's filters
            # from the start, exc14: nothing to let go of)
            self.assertGreaterEqual(released(caller_flags), 1)

    def test_tracer_set_by_callee(self):
        seen = []

        def tracer(frame, event, arg):
            if frame.f_code is traced_after.__code__:
                seen.append((event, frame.f_lineno -
                             traced_after.__code__.co_firstlineno))
            return tracer
        self.recorder(0, EXC, HERE)
        self.assertEqual(in_thread(traced_after, tracer), 2)
        self.stop()
        self.assertEqual(seen, [('line', 6), ('line', 7), ('line', 8)])
        if ENGINE:
            self.assertEqual(released(traced_after), 1)

    def test_lines_switched_on_by_callee(self):
        rec = self.recorder(0, EXC | E.LINE, HERE)
        monitoring.set_events(0, EXC)
        self.assertEqual(in_thread(lines_after, 0), 1)
        self.stop()
        first = lines_after.__code__.co_firstlineno
        got = [(r.event, r.args[0] - first) for r in rec.records
               if r.code is lines_after.__code__ and r.event == 'LINE']
        self.assertEqual(got, [('LINE', 6), ('LINE', 7)])
        if ENGINE:
            self.assertEqual(released(lines_after), 1)


if __name__ == '__main__':
    unittest.main()
