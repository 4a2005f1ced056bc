"""Differences from native found by tools/event_cases.py, one class each.

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on 3.8-3.11 before the fix named in its class's docstring.
"""
import sys
import unittest

from tests.support import MonitoringTestCase, Recorder, events, monitoring

TOOL = 2


def _mine(code):
    return code.co_filename == __file__


# ----------------------------------------------------------------------
# throw() into a generator suspended in `yield from`

def _inner():
    try:
        yield 1
    except KeyError:
        yield 2


def _outer():
    yield from _inner()


def _throw_then_call(make):
    it = make()
    next(it)
    a = it.throw(KeyError)
    b = len("ab")
    return a, b


class ThrowIntoDelegationTest(MonitoringTestCase):
    """gen_throw() makes the delegating generator the thread's current
    frame while it throws into the delegate: when the delegate's run
    ended, the trampoline took that suspended frame for its caller and
    switched tracing off for the frame that called throw() (its later
    CALL events were lost on its first, traced, run).  Fixed in
    trampoline.c (past_throw)."""

    def run_case(self, event_set):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, event_set, _mine).register()
        monitoring.set_events(TOOL, event_set)
        try:
            _throw_then_call(_outer)
        finally:
            monitoring.set_events(TOOL, 0)
        return [(e[0], e[3].__name__) for e in
                rec.events("CALL") if e[1] == "_throw_then_call"]

    def test_calls_after_throw(self):
        self.assertEqual(self.run_case(events.CALL), [
            ("CALL", "_outer"), ("CALL", "next"), ("CALL", "throw"),
            ("CALL", "len")])

    def test_calls_after_throw_with_lines(self):
        self.assertEqual(self.run_case(events.CALL | events.LINE), [
            ("CALL", "_outer"), ("CALL", "next"), ("CALL", "throw"),
            ("CALL", "len")])


if __name__ == "__main__":
    unittest.main()
