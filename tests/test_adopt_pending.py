"""Events set inside a legacy tracer's own call (the pending adoption):
the first trace event after the tracer's call may be the frame's own
'return' or 'exception', and a set, clear and set again in one call keeps
the adoption (review20; rv19a lost the lines after each).  Native 3.12
gives the same streams."""
import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

import pep669  # noqa: F401

TOOL = 2


def _callee():
    x = 1
    return x


def _caller():
    a = _callee()
    b = a + 1
    return b


def _raiser():
    try:
        1 / 0
    except ZeroDivisionError:
        a = 1
    return a


def _gen():
    yield 1; yield 2  # noqa: E702


def _gen_caller():
    g = _gen()
    next(g)
    next(g)
    b = 1
    return b


def at_line(code, line):
    """A trigger: the tracer's 'line' event at relative line ``line`` of
    ``code``."""
    def trigger(frame, event):
        return (event == "line" and frame.f_code is code and
                frame.f_lineno == code.co_firstlineno + line)
    return trigger


def lines_on():
    monitoring.set_events(TOOL, events.LINE)


class AdoptPendingTest(MonitoringTestCase):

    def run_traced(self, func, trigger, action, codes):
        seen = []

        def tracer(frame, event, arg):
            if trigger(frame, event) and "on" not in seen:
                seen.append("on")
                action()
            return tracer

        def line(code, lineno):
            if code in codes:
                seen.append((code.co_name, lineno - code.co_firstlineno))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        sys.settrace(tracer)
        try:
            func()
        finally:
            sys.settrace(None)
            monitoring.set_events(TOOL, 0)
        return seen

    def test_line_of_callees_return(self):
        # the next trace event is the callee's 'return'
        seen = self.run_traced(_caller, at_line(_callee.__code__, 2),
                               lines_on, (_caller.__code__,))
        self.assertEqual(seen, ["on", ("_caller", 2), ("_caller", 3)])

    def test_line_that_raises(self):
        # the next trace event is the frame's own 'exception'
        seen = self.run_traced(_raiser, at_line(_raiser.__code__, 2),
                               lines_on, (_raiser.__code__,))
        self.assertEqual(seen, ["on", ("_raiser", 3), ("_raiser", 4),
                                ("_raiser", 5)])

    def test_call_of_a_resumed_generator(self):
        # events set in the tracer's 'call': the generator's next event is
        # its 'return' (yield in the same line)
        calls = []

        def trigger(frame, event):
            if event == "call" and frame.f_code is _gen.__code__:
                calls.append(1)
                return len(calls) == 2
            return False
        seen = self.run_traced(_gen_caller, trigger, lines_on,
                               (_gen.__code__, _gen_caller.__code__))
        self.assertEqual(seen, ["on", ("_gen_caller", 4),
                                ("_gen_caller", 5)])

    def test_set_clear_set_in_the_tracers_call(self):
        def trigger(frame, event):
            return event == "call" and frame.f_code is _callee.__code__

        def action():
            monitoring.set_events(TOOL, events.LINE)
            monitoring.set_events(TOOL, 0)
            monitoring.set_events(TOOL, events.LINE)
        seen = self.run_traced(_callee, trigger, action,
                               (_callee.__code__,))
        self.assertEqual(seen, ["on", ("_callee", 1), ("_callee", 2)])


if __name__ == "__main__":
    unittest.main()
