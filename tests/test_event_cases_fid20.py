"""Differences from native found by tools/event_cases_fid20.py (session 20).

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
    return 1


def _fresh_caller():
    """A new code object each time (a DISABLE lasts for the code's life)."""
    ns = {"_callee": _callee}
    exec(compile("def _caller():\n"
                 "    a = 1\n"
                 "    b = _callee()\n"
                 "    return a + b\n", __file__, "exec"), ns)
    return ns["_caller"]


class DisableAfterEventRemovedTest(MonitoringTestCase):
    """A callback that takes its own event away from its tool (set_events,
    set_local_events, clear_tool_id) and then returns DISABLE: natively the
    running code is brought up to date at once, without the event, so the
    DISABLE finds nothing to remove, and the tool gets the location back
    when it gains the event again.  3.8-3.11 recorded the DISABLE and kept
    the location off after the event came back.  Fixed in codedata.c
    (pep669_disable_location: a tool that no longer has the event there
    disables nothing); `call_event_sets_global_off_returns_disable` and
    `branch_callback_clears_tool_then_disable` in
    tools/event_cases_fid20.py."""

    def _run(self, remove, add):
        self.use_tool(TOOL)
        _caller = self._caller
        seen = []

        def call(code, offset, func, arg0):
            if code is _caller.__code__:
                seen.append(func.__name__)
                remove()
                return monitoring.DISABLE

        monitoring.register_callback(TOOL, events.CALL, call)
        add()
        _caller()
        seen.append("--")
        add()
        _caller()
        seen.append("--")
        return seen

    def test_set_events_off_then_disable(self):
        self._caller = _fresh_caller()
        seen = self._run(lambda: monitoring.set_events(TOOL, 0),
                         lambda: monitoring.set_events(TOOL, events.CALL))
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, ["_callee", "--", "_callee", "--"])

    def test_set_local_events_off_then_disable(self):
        _caller = self._caller = _fresh_caller()

        def add():
            self.set_local_events(TOOL, _caller.__code__, events.CALL)
        seen = self._run(
            lambda: monitoring.set_local_events(TOOL, _caller.__code__, 0),
            add)
        self.set_local_events(TOOL, _caller.__code__, 0)
        self.assertEqual(seen, ["_callee", "--", "_callee", "--"])

    def test_same_events_set_again_keeps_disable(self):
        self._caller = _fresh_caller()
        seen = self._run(
            lambda: monitoring.set_events(TOOL, events.CALL),
            lambda: monitoring.set_events(TOOL, events.CALL))
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, ["_callee", "--", "--"])

    def test_line_off_then_disable(self):
        # (at the second line: the first is LineOffAtFirstLineTest's)
        self.use_tool(TOOL)
        _caller = _fresh_caller()
        seen = []
        base = _caller.__code__.co_firstlineno

        def line(code, lineno):
            if code is _caller.__code__:
                seen.append(lineno - base)
                if lineno - base == 2:
                    monitoring.set_local_events(TOOL, code, 0)
                    return monitoring.DISABLE

        monitoring.register_callback(TOOL, events.LINE, line)
        for _ in range(2):
            self.set_local_events(TOOL, _caller.__code__, events.LINE)
            _caller()
        self.set_local_events(TOOL, _caller.__code__, 0)
        self.assertEqual(seen, [1, 2, 1, 2])


class EventsOffInCallbackTest(MonitoringTestCase):
    """A LINE or CALL callback that switches its tool's event off (no
    DISABLE), for code running on probes, and the tool switching it on
    again later: natively the code gets its events again from its next run.
    3.8-3.11 unpatched the probe site as wanted by no tool, and the clone,
    built for the same tools as those that had the event again, went on
    serving without it: the code's LINE (or CALL) events were lost for
    good, until restart_events().  Fixed in probe.h/probe.c/probe_fire.c
    (pep669_clone_narrow: tools that lost the event leave the clone's tool
    sets, so that their gaining it again retires the clone); found by the
    tests of DisableAfterEventRemovedTest."""

    def _line_case(self, remove, add, at):
        self.use_tool(TOOL)
        _caller = _fresh_caller()
        base = _caller.__code__.co_firstlineno
        seen = []

        def line(code, lineno):
            if code is _caller.__code__:
                seen.append(lineno - base)
                if lineno - base == at:
                    remove(code)

        monitoring.register_callback(TOOL, events.LINE, line)
        for _ in range(3):
            add(_caller.__code__)
            _caller()
            seen.append("|")
        return seen

    def test_set_events_off_at_first_line(self):
        seen = self._line_case(
            lambda code: monitoring.set_events(TOOL, 0),
            lambda code: monitoring.set_events(TOOL, events.LINE), 1)
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [1, "|", 1, "|", 1, "|"])

    def test_set_local_events_off_at_first_line(self):
        def add(code):
            self.set_local_events(TOOL, code, events.LINE)
        seen = self._line_case(
            lambda code: monitoring.set_local_events(TOOL, code, 0), add, 1)
        self.assertEqual(seen, [1, "|", 1, "|", 1, "|"])

    def test_callback_unregistered_at_first_line(self):
        self.use_tool(TOOL)
        _caller = _fresh_caller()
        base = _caller.__code__.co_firstlineno
        seen = []

        def line(code, lineno):
            if code is _caller.__code__:
                seen.append(lineno - base)
                if lineno - base == 1:
                    monitoring.register_callback(TOOL, events.LINE, None)

        monitoring.set_events(TOOL, events.LINE)
        for _ in range(3):
            monitoring.register_callback(TOOL, events.LINE, line)
            _caller()
            seen.append("|")
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [1, "|", 1, "|", 1, "|"])

    def test_call_events_off_in_call_callback(self):
        self.use_tool(TOOL)
        _caller = _fresh_caller()
        seen = []

        def call(code, offset, func, arg0):
            if code is _caller.__code__:
                seen.append(func.__name__)
                monitoring.set_events(TOOL, 0)

        monitoring.register_callback(TOOL, events.CALL, call)
        for _ in range(3):
            monitoring.set_events(TOOL, events.CALL)
            _caller()
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, ["_callee"] * 3)


def _plain():
    return 1


def _loop():
    i = 0
    try:
        while i < 3:
            i += 1
    except IndexError:
        return -1
    return i


class ProfilerSwitchesToolsOffTest(MonitoringTestCase):
    """Documented (docs/differences.md, "Order of a legacy tracer's events
    and the tools' events"): a profiler whose 'return' switches a tool's
    events off.  3.12+ read the tools of the event before tool 6 (the
    profiler) runs, so the tool still gets that PY_RETURN; the backport
    reads them after, and it does not.  `profiler_set_events_zero_at_return`
    in tools/event_cases_fid20.py."""

    def test_py_return_after_profiler_return_switched_tools_off(self):
        self.use_tool(TOOL)
        seen = []

        def ret(code, offset, value):
            if code is _plain.__code__:
                seen.append("PY_RETURN")

        def prof(frame, event, arg):
            if frame.f_code is _plain.__code__ and event == "return":
                seen.append("return")
                monitoring.set_events(TOOL, 0)

        monitoring.register_callback(TOOL, events.PY_RETURN, ret)
        monitoring.set_events(TOOL, events.PY_RETURN)
        sys.setprofile(prof)
        try:
            _plain()
        finally:
            sys.setprofile(None)
            monitoring.set_events(TOOL, 0)
        if pep669.NATIVE or PY >= (3, 12):
            self.assertEqual(seen, ["return", "PY_RETURN"])
        else:
            self.assertEqual(seen, ["return"])


class JumpCallbackRaisesTest(MonitoringTestCase):
    """Documented (docs/differences.md, "An EXCEPTION_HANDLED or JUMP
    callback that raises"): 3.12/3.13 raise a JUMP callback's exception
    from the jump's destination without looking for a handler there: it
    leaves the frame past its `except`.  The backport raises it at the
    jump, where the frame's handler catches it.
    `jump_callback_raises_in_while` in tools/event_cases_fid20.py."""

    def test_jump_callback_exception_and_the_frames_handler(self):
        self.use_tool(TOOL)

        def jump(code, src, dest):
            if code is _loop.__code__:
                raise IndexError("cb")

        monitoring.register_callback(TOOL, events.JUMP, jump)
        self.set_local_events(TOOL, _loop.__code__, events.JUMP)
        try:
            r = _loop()
        except IndexError:
            r = "escaped"
        finally:
            self.set_local_events(TOOL, _loop.__code__, 0)
        if pep669.NATIVE or PY >= (3, 12):
            self.assertEqual(r, "escaped")
        else:
            self.assertEqual(r, -1)


if __name__ == "__main__":
    unittest.main()
