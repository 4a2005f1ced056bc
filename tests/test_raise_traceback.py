"""The exception's ``__traceback__`` as exception-event callbacks see it.

3.12+ keep the traceback on the exception object: when RAISE fires, the
raising frame's entry is already in ``exc.__traceback__`` (and a caller's
RAISE sees the callee's entries below its own).  3.8-3.11 keep the
traceback beside the exception while it unwinds and attach it only when a
handler catches it, so without care RAISE's callbacks saw a traceback
without the frame that raised (None for a new exception).  Debuggers read
it there: pydevd's sys.monitoring backend decides whether to stop on a
raised exception from it (docs/realtools.md, session 11).

Streams: ``(event, co_name, [(tb frame's co_name, tb line)])``.
They are native 3.12/3.13's, and the tests pass there.
"""

import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

E = events
TOOL = 2
WATCHED = ("fails", "mid", "main", "again", "reraise_same", "plain",
           "plain_caller")


def fails(x):
    if x > 1:
        raise KeyError(x)
    return x


def mid():
    try:
        fails(2)
    finally:
        pass


def main():
    try:
        mid()
    except KeyError:
        pass


def again(exc):
    raise exc


def reraise_same():
    try:
        fails(3)
    except KeyError as e:
        saved = e
    try:
        again(saved)
    except KeyError:
        pass


def plain(i):
    raise ValueError(i)


def plain_caller(n):
    i = 0
    while i < n:
        try:
            plain(i)
        except ValueError:
            pass
        i += 1


def at(func, k):
    """(func's name, the line k lines below its ``def``)."""
    return (func.__name__, func.__code__.co_firstlineno + k)


def tb_entries(tb):
    out = []
    while tb is not None:
        out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    return out


class RaiseTracebackTest(MonitoringTestCase):
    maxDiff = None

    def record(self, event_set, run):
        self.use_tool(TOOL)
        seen = []

        def make(name):
            def callback(code, offset, exc):
                if code.co_name in WATCHED:
                    seen.append((name, code.co_name,
                                 tb_entries(exc.__traceback__)))
            return callback

        for name in ("RAISE", "RERAISE", "EXCEPTION_HANDLED", "PY_UNWIND"):
            if event_set & getattr(E, name):
                monitoring.register_callback(TOOL, getattr(E, name),
                                             make(name))
        monitoring.set_events(TOOL, event_set)
        try:
            run()
        finally:
            monitoring.set_events(TOOL, 0)
        return seen

    def test_raise_sees_the_raising_frame(self):
        seen = self.record(E.RAISE, main)
        self.assertEqual(seen, [
            ("RAISE", "fails", [at(fails, 2)]),
            ("RAISE", "mid", [at(mid, 2), at(fails, 2)]),
            ("RAISE", "main", [at(main, 2), at(mid, 2), at(fails, 2)]),
        ])

    def test_every_exception_event(self):
        seen = self.record(E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED |
                           E.PY_UNWIND, main)
        mid_tb = [at(mid, 2), at(fails, 2)]
        # 3.11+ run a cleanup handler after the finally block (one more
        # EXCEPTION_HANDLED + RERAISE, tests/test_exception_events.py).
        cleanup = sys.version_info >= (3, 11)
        self.assertEqual(seen, [
            ("RAISE", "fails", [at(fails, 2)]),
            ("PY_UNWIND", "fails", [at(fails, 2)]),
            ("RAISE", "mid", mid_tb),
            ("EXCEPTION_HANDLED", "mid", mid_tb),
            ("RERAISE", "mid", mid_tb),
        ] + ([
            ("EXCEPTION_HANDLED", "mid", mid_tb),
            ("RERAISE", "mid", mid_tb),
        ] if cleanup else []) + [
            ("PY_UNWIND", "mid", mid_tb),
            ("RAISE", "main", [at(main, 2)] + mid_tb),
            ("EXCEPTION_HANDLED", "main", [at(main, 2)] + mid_tb),
        ])

    def test_raise_again_of_a_caught_exception(self):
        # `raise exc` of an exception that already has a traceback: the
        # new entries go on top of the old ones.
        seen = self.record(E.RAISE, reraise_same)
        first = [at(fails, 2)]
        self.assertEqual(seen, [
            ("RAISE", "fails", first),
            ("RAISE", "reraise_same", [at(reraise_same, 2)] + first),
            ("RAISE", "again", [at(again, 1), at(reraise_same, 2)]
             + first),
            ("RAISE", "reraise_same",
             [at(reraise_same, 6), at(again, 1), at(reraise_same, 2)]
             + first),
        ])

    def test_plain_code_runs(self):
        # Code with no handler, run again and again under a caller that
        # watches for exceptions (on 3.8-3.11 the later runs go through
        # the hook's fast path: tests/test_exception_plain.py).
        seen = self.record(E.RAISE, lambda: plain_caller(3))
        self.assertEqual(seen, [
            entry for i in range(3) for entry in (
                ("RAISE", "plain", [at(plain, 1)]),
                ("RAISE", "plain_caller",
                 [at(plain_caller, 4), at(plain, 1)]),
            )
        ])


if __name__ == "__main__":
    unittest.main()
