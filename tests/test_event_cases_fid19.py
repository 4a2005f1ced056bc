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
    """A legacy tracer's 'call' that switches a tool's events on while no
    tool had any: 3.12+ instrument the traced frame and its callers at
    once (its LINEs, its PY_RETURN, the caller's next LINE).  3.8-3.11
    adopted the frame that called set_events, the tracer's own (which
    legacy tracing does not trace, and whose end no trace event reports),
    and the thread's trace function stayed the tracer's: the traced frame
    and its callers got nothing until their next call.  Fixed in
    frames_update.c / trampoline.c (pep669_trace_adopt_later: the
    trampoline goes in front of the tracer) and legacy_events.c
    (adopt_at_line: the traced frame is adopted at its next 'line');
    `tracer_sets_monitoring_events` in tools/event_cases_fid19.py."""

    def run_case(self, local):
        base_c = _callee.__code__.co_firstlineno
        base_r = _caller.__code__.co_firstlineno
        seen = []

        def tracer(frame, event, arg):
            if (event == "call" and frame.f_code is _callee.__code__ and
                    not seen):
                seen.append("on")
                if local:
                    for co in (_callee.__code__, _caller.__code__):
                        self.set_local_events(
                            TOOL, co, events.LINE | events.PY_RETURN)
                else:
                    monitoring.set_events(TOOL,
                                          events.LINE | events.PY_RETURN)
            return tracer

        def line(code, lineno):
            if code is _callee.__code__:
                seen.append(("callee", lineno - base_c))
            elif code is _caller.__code__:
                seen.append(("caller", lineno - base_r))

        def ret(code, offset, value):
            if code is _callee.__code__:
                seen.append(("return", value))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.register_callback(TOOL, events.PY_RETURN, ret)
        sys.settrace(tracer)
        try:
            _caller()
        finally:
            sys.settrace(None)
            monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [
            "on", ("callee", 1), ("callee", 2), ("return", 1),
            ("caller", 2), ("callee", 1), ("callee", 2), ("return", 1),
            ("caller", 3)])

    def test_set_events_in_the_tracers_call(self):
        self.run_case(local=False)

    def test_set_local_events_in_the_tracers_call(self):
        self.run_case(local=True)


def _switcher():
    monitoring.set_events(TOOL, events.PY_RETURN)
    return 5


class AdoptedFrameReturnOrderTest(MonitoringTestCase):
    """A frame running when its own call of set_events switched PY_RETURN
    on, under a legacy tracer: the tracer's 'return' comes before the
    tool's PY_RETURN, as natively (3.12's tool 7 first) and as for frames
    run through the hook.  3.8-3.11 fired the adopted frame's PY_RETURN
    first.  Fixed in legacy_events.c (trace_event's PyTrace_RETURN of an
    unhooked frame: the forward first); found with
    `tracer_sets_monitoring_events` in tools/event_cases_fid19.py."""

    def test_tracer_return_before_py_return(self):
        seen = []

        def tracer(frame, event, arg):
            if frame.f_code is _switcher.__code__:
                seen.append(("tr", event))
            return tracer

        def ret(code, offset, value):
            if code is _switcher.__code__:
                seen.append(("PY_RETURN", value))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.PY_RETURN, ret)
        sys.settrace(tracer)
        try:
            _switcher()
        finally:
            sys.settrace(None)
            monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [("tr", "call"), ("tr", "line"),
                                ("tr", "line"), ("tr", "return"),
                                ("PY_RETURN", 5)])


async def _agen():
    try:
        yield 1
    finally:
        pass


class AcloseNotStartedTest(MonitoringTestCase):
    """Documented (docs/differences.md, "aclose() of an async generator
    that never started"): 3.12+ throw GeneratorExit into it, so its frame
    starts with PY_THROW, RAISE and PY_UNWIND; 3.8-3.11 mark it closed
    without running it, so there is no event (as for a generator's
    close() on every version; `async_gen_aclose_not_started` in
    tools/event_cases_fid19.py)."""

    def test_aclose_before_the_first_asend(self):
        seen = []
        code = _agen.__code__

        def rec(name):
            def cb(co, *args):
                if co is code:
                    seen.append(name)
            return cb
        self.use_tool(TOOL)
        mask = 0
        for name in ("PY_START", "PY_THROW", "RAISE", "PY_UNWIND",
                     "PY_RETURN"):
            ev = getattr(events, name)
            monitoring.register_callback(TOOL, ev, rec(name))
            mask |= ev
        monitoring.set_events(TOOL, mask)
        a = _agen()
        with self.assertRaises(StopIteration):
            a.aclose().send(None)
        monitoring.set_events(TOOL, 0)
        if pep669.NATIVE or PY >= (3, 12):
            self.assertEqual(seen, ["PY_THROW", "RAISE", "PY_UNWIND"])
        else:
            self.assertEqual(seen, [])


if __name__ == "__main__":
    unittest.main()
