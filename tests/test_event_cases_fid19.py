"""Differences from native found by tools/event_cases_fid19.py (session 19).

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on the interpreters its class's docstring names before the
fix it names (or pins a documented difference: docs/differences.md).
"""
import sys
import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

import pep669  # noqa: E402 (tests.support puts src/ on the path)

TOOL = 2


def _callee():
    x = 1
    return x


def _caller():
    a = _callee()
    b = _callee()
    return a + b


class TracerSwitchesEventsOffTest(MonitoringTestCase):
    """A legacy tracer (sys.settrace) whose 'call' switches every tool's
    events off, in a frame the tools had LINE for: the tracer still gets
    the frame's first 'line', as natively (3.12+ run the tracer as tool 7,
    which the other tools' events do not touch).  3.8-3.11 lost it: the
    trampoline, still the thread's trace function for that first 'line',
    gave the thread back to the tracer in that event's own handling
    (pep669_backend_trace_stop), then forwarded the event to no one.
    Fixed in backend/trampoline.c.h (pep669_backend_trace_forward: the
    event goes to the tracer the thread was given back to);
    `tracer_sets_monitoring_events` in tools/event_cases_fid19.py."""

    def test_first_line_after_events_off_in_call(self):
        base_c = _callee.__code__.co_firstlineno
        base_r = _caller.__code__.co_firstlineno
        seen = []
        codes = (_callee.__code__, _caller.__code__)

        def name(code):
            return "callee" if code is _callee.__code__ else "caller"

        def tracer(frame, event, arg):
            co = frame.f_code
            if co in codes:
                base = base_c if co is _callee.__code__ else base_r
                seen.append(("tr", event, name(co), frame.f_lineno - base))
                if event == "call" and co is _callee.__code__:
                    monitoring.set_events(TOOL, 0)
            return tracer

        def line(code, lineno):
            if code in codes:
                base = base_c if code is _callee.__code__ else base_r
                seen.append(("L", name(code), lineno - base))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.set_events(TOOL, events.LINE)
        sys.settrace(tracer)
        try:
            _caller()
        finally:
            sys.settrace(None)
        self.assertEqual(seen, [
            ("tr", "call", "caller", 0), ("tr", "line", "caller", 1),
            ("L", "caller", 1),
            ("tr", "call", "callee", 0), ("tr", "line", "callee", 1),
            ("tr", "line", "callee", 2), ("tr", "return", "callee", 2),
            ("tr", "line", "caller", 2),
            ("tr", "call", "callee", 0), ("tr", "line", "callee", 1),
            ("tr", "line", "callee", 2), ("tr", "return", "callee", 2),
            ("tr", "line", "caller", 3), ("tr", "return", "caller", 3)])


class TracerSwitchesEventsOnTest(MonitoringTestCase):
    """Documented (docs/differences.md, "Frames running when events are
    switched on"): a legacy tracer's callback that switches a tool's
    events on while no tool had any: 3.12+ instrument the traced frame
    and its callers at once; the backport adopts the frame that called
    set_events (here the tracer's own, which legacy tracing does not
    trace) and its callers, not the frame the tracer was called for, so
    that frame and its callers get their events from their next call on
    (`tracer_sets_monitoring_events` in tools/event_cases_fid19.py)."""

    def test_traced_frame_gets_events_from_its_next_call(self):
        base_c = _callee.__code__.co_firstlineno
        seen = []

        def tracer(frame, event, arg):
            if (event == "call" and frame.f_code is _callee.__code__ and
                    not monitoring.get_events(TOOL)):
                monitoring.set_events(TOOL, events.LINE)
            return tracer

        def line(code, lineno):
            if code is _callee.__code__:
                seen.append(lineno - base_c)
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        sys.settrace(tracer)
        try:
            _caller()
        finally:
            sys.settrace(None)
        if pep669.NATIVE or PY >= (3, 12):
            self.assertEqual(seen, [1, 2, 1, 2])
        else:
            self.assertEqual(seen, [1, 2])


if __name__ == "__main__":
    unittest.main()
