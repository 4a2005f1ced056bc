"""Events switched on by a RAISE callback (session 16, fid16).

A tool's RAISE callback that sets another tool's events (a debugger
that starts stepping at an exception): natively the frame that raised
gives the new events from there, its handler's EXCEPTION_HANDLED, its
lines, calls and its return.  3.8-3.11 gave only the return: the
exception's trace event went on with the events from before the
callbacks (legacy_exceptions.c, on_exception) and the frame kept the
trampoline as they had it (legacy_events.c, trace_event: now
follow_events after RAISE callbacks that changed the events).  Every
expectation holds natively on 3.12/3.13.
"""
import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

E = events
FIRST, SECOND = 3, 4


def _catches():
    x = 1
    try:
        raise KeyError(x)
    except KeyError:
        x = abs(-2)
    return x


def _loops():
    x = 0
    for v in (1, 2):
        x += v
    try:
        raise KeyError(x)
    except KeyError:
        x = abs(-x)
    return x


def _rel(code, line):
    return line - code.co_firstlineno


class RaiseSwitchesEventsOnTest(MonitoringTestCase):

    def run_case(self, func, second_events):
        seen = []
        code = func.__code__
        switched = []

        def on_raise(co, offset, exc):
            if co is code and not switched:
                switched.append(1)
                monitoring.set_events(SECOND, second_events)

        def rec(name):
            def cb(co, *args):
                if co is not code:
                    return
                if name == "LINE":
                    seen.append((name, _rel(co, args[0])))
                elif name in ("CALL", "C_RETURN"):
                    seen.append((name, args[1].__name__))
                elif name == "EXCEPTION_HANDLED":
                    seen.append((name, type(args[1]).__name__))
                else:
                    seen.append((name,))
            return cb

        for tool in (FIRST, SECOND):
            if monitoring.get_tool(tool) is None:
                self.use_tool(tool)
        monitoring.register_callback(FIRST, E.RAISE, on_raise)
        for ev, name in ((E.LINE, "LINE"), (E.CALL, "CALL"),
                         (E.C_RETURN, "C_RETURN"), (E.PY_RETURN, "PY_RETURN"),
                         (E.EXCEPTION_HANDLED, "EXCEPTION_HANDLED")):
            monitoring.register_callback(SECOND, ev, rec(name))
        streams = []
        try:
            for _ in range(3):
                del switched[:]
                monitoring.set_events(FIRST, E.RAISE)
                func()
                monitoring.set_events(SECOND, 0)
                streams.append(list(seen))
                del seen[:]
        finally:
            monitoring.set_events(FIRST, 0)
            monitoring.set_events(SECOND, 0)
        self.assertEqual(streams[1:], streams[:1] * 2)
        return streams[0]

    WANT = (E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN |
            E.EXCEPTION_HANDLED)

    def test_all_of_them(self):
        self.assertEqual(self.run_case(_catches, self.WANT), [
            ("EXCEPTION_HANDLED", "KeyError"), ("LINE", 4),
            ("LINE", 5), ("CALL", "abs"), ("C_RETURN", "abs"),
            ("LINE", 6), ("PY_RETURN",)])

    def test_all_of_them_loop(self):
        self.assertEqual(self.run_case(_loops, self.WANT), [
            ("EXCEPTION_HANDLED", "KeyError"), ("LINE", 6),
            ("LINE", 7), ("CALL", "abs"), ("C_RETURN", "abs"),
            ("LINE", 8), ("PY_RETURN",)])

    def test_lines_only(self):
        self.assertEqual(self.run_case(_catches, E.LINE), [
            ("LINE", 4), ("LINE", 5), ("LINE", 6)])

    def test_handled_only(self):
        self.assertEqual(self.run_case(_loops, E.EXCEPTION_HANDLED), [
            ("EXCEPTION_HANDLED", "KeyError")])


if __name__ == "__main__":
    unittest.main()
