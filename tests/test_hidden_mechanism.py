"""What a monitored program sees of itself is what it sees unmonitored.

Found with tools/hide_diff.py (probes in tools/hide_cases.py), session 14:

* 3.8-3.10, call probes: a frame whose code runs on a call clone showed
  the clone as ``f_code`` (to ``sys._getframe()``, tracebacks, finalizers,
  signal handlers, other threads) for its whole run once every call site
  was DISABLEd, and before its first call otherwise.  ``f_code`` now
  shows the code itself, as on 3.11.
* 3.8-3.11: an opcode tracer (``sys.settrace`` setting
  ``f_trace_opcodes``) lost the 'opcode' event of the instruction whose
  LINE a coverage tool DISABLEd last (the frame went untraced in the
  'line' event, and the interpreter's 'opcode' call for the same
  instruction reached the trampoline no longer installed).

* 3.8-3.11: a legacy tracer installed while a frame ran on a line clone
  (``pdb.set_trace()`` in a function a coverage tool covers) saw the
  clone's stubs: each line's 'line' event came twice (the stub's jump
  back is a backward jump), pdb stopped twice on every line.  The
  running frames' clones are retired when the tracer arrives.
* 3.8-3.11 (session 15): the same tracer, under CALL events, got a
  'line' for the caller's line of the call when the callee returned (the
  call stub's jump back); dropped (``TracerArrivesTest.test_calls*``).

Each test compares with the same program unmonitored, so it passes
natively on 3.12/3.13.
"""

import dis
import sys
import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

E = events
TOOL = 3

SOURCE = '''
class Finalizer:
    def __init__(self, seen):
        self.seen = seen

    def __del__(self):
        self.seen.append(
            ("del", sys._getframe(1).f_code is target.__code__))


def target(seen):
    fr = sys._getframe()
    seen.append(("own", fr.f_code is target.__code__))
    seen.append(("co_code", fr.f_code.co_code == target.__code__.co_code))
    try:
        raise KeyError(len(seen))
    except KeyError as exc:
        seen.append(("tb", exc.__traceback__.tb_frame.f_code is
                     target.__code__))
    Finalizer(seen)
    seen.append(("later", fr.f_code is target.__code__))
    return len(seen)
'''


def fresh_target():
    """A new code object each time (probes are per code object)."""
    ns = {"sys": sys}
    exec(compile(SOURCE, "<hidden>", "exec"), ns)
    return ns["target"]


def run_target(target, times):
    seen = []
    for _ in range(times):
        target(seen)
    return seen


class FrameCodeTest(MonitoringTestCase):

    def monitored(self, event_set, disable):
        target = fresh_target()
        self.use_tool(TOOL)
        result = monitoring.DISABLE if disable else None
        for ev in (E.CALL, E.LINE):
            monitoring.register_callback(TOOL, ev, lambda *a: result)
        for ev in (E.C_RETURN, E.C_RAISE):
            monitoring.register_callback(TOOL, ev, lambda *a: None)
        monitoring.set_events(TOOL, event_set)
        try:
            return run_target(target, 4)
        finally:
            monitoring.set_events(TOOL, 0)

    def expected(self):
        return run_target(fresh_target(), 4)

    def test_call_probes_disabled(self):
        # every call site DISABLEd after the first run: the later runs
        # used to keep the clone as f_code to their end
        self.assertEqual(self.monitored(E.CALL, True), self.expected())

    def test_call_probes(self):
        self.assertEqual(self.monitored(E.CALL, False), self.expected())

    def test_profiler(self):
        self.assertEqual(
            self.monitored(E.CALL | E.C_RETURN | E.C_RAISE, False),
            self.expected())

    def test_coverage(self):
        self.assertEqual(self.monitored(E.LINE, True), self.expected())

    def test_dis_of_running_code(self):
        target = fresh_target()
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.CALL,
                                     lambda *a: monitoring.DISABLE)
        monitoring.set_events(TOOL, E.CALL)
        try:
            for _ in range(3):
                target([])
            seen = []
            ns = target.__globals__
            ns["dis"] = dis
            code = compile(
                "def shows(out):\n"
                "    f = sys._getframe()\n"
                "    out.append([i.opname for i in "
                "dis.get_instructions(f.f_code)])\n",
                "<hidden>", "exec")
            exec(code, ns)
            for _ in range(3):
                ns["shows"](seen)
        finally:
            monitoring.set_events(TOOL, 0)
        own = [i.opname for i in dis.get_instructions(ns["shows"].__code__)]
        self.assertEqual(seen, [own] * 3)


OPCODE_SOURCE = '''
def work(n):
    m = n + 1
    return m * 2
'''


@unittest.skipIf(PY == (3, 12), "3.12.1 drops a tracer's opcode events next "
                 "to a tool's line events (docs/differences.md)")
class OpcodeTracerTest(MonitoringTestCase):
    """A legacy opcode tracer beside a coverage tool (LINE, DISABLE)."""

    def traced_run(self):
        ns = {}
        exec(compile(OPCODE_SOURCE, "<opcodes>", "exec"), ns)
        work = ns["work"]
        out = []

        def tracer(frame, event, arg):
            if frame.f_code is work.__code__:
                frame.f_trace_opcodes = True
                out.append((event, frame.f_lasti, frame.f_lineno))
            return tracer
        for _ in range(2):
            sys.settrace(tracer)
            try:
                work(2)
            finally:
                sys.settrace(None)
        return out

    def test_opcode_events_under_coverage(self):
        expected = self.traced_run()
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.LINE,
                                     lambda *a: monitoring.DISABLE)
        monitoring.set_events(TOOL, E.LINE)
        try:
            got = self.traced_run()
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(got, expected)

    def test_opcode_events_under_lines(self):
        expected = self.traced_run()
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.LINE, lambda *a: None)
        monitoring.set_events(TOOL, E.LINE)
        try:
            got = self.traced_run()
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(got, expected)


TRACED_SOURCE = '''
def start(tracer):
    sys._getframe(1).f_trace = tracer
    sys.settrace(tracer)


def caller(tracer):
    start(tracer)
    a = 1
    if a:
        b = 2
    sys.settrace(None)
    return a + b
'''


class TracerArrivesTest(MonitoringTestCase):
    """A debugger's tracer set from a callee (pdb.set_trace()) while the
    caller runs monitored."""

    def traced_run(self, times=2):
        ns = {"sys": sys}
        exec(compile(TRACED_SOURCE, "<arrives>", "exec"), ns)
        out = []

        def tracer(frame, event, arg):
            if frame.f_code is ns["caller"].__code__:
                out.append((event, frame.f_lineno))
            return tracer
        for _ in range(times):
            try:
                ns["caller"](tracer)
            finally:
                sys.settrace(None)
        return out

    def check(self, event_set, disable):
        expected = self.traced_run()
        self.use_tool(TOOL)
        result = monitoring.DISABLE if disable else None
        for ev in (E.LINE, E.CALL, E.BRANCH, E.JUMP, E.PY_START,
                   E.PY_RETURN):
            monitoring.register_callback(TOOL, ev, lambda *a: result)
        monitoring.set_events(TOOL, event_set)
        try:
            got = self.traced_run()
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(got, expected)

    def test_coverage(self):
        self.check(E.LINE, True)

    def test_branch_coverage(self):
        self.check(E.LINE | E.BRANCH, True)

    def test_lines(self):
        self.check(E.LINE, False)

    def test_debugger_events(self):
        self.check(E.LINE | E.JUMP, False)

    # Under CALL events (call probes, or traced for CALL) the caller's
    # 'line' for the line of the call came when the callee returned: the
    # call stub's jump back is a backward jump (session 15, fid15).

    def test_calls(self):
        self.check(E.CALL, False)

    def test_calls_disabled(self):
        self.check(E.CALL, True)

    def test_profiler(self):
        self.check(E.CALL | E.PY_START | E.PY_RETURN, False)


if __name__ == "__main__":
    unittest.main()
