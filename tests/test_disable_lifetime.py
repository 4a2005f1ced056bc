"""How long a DISABLE lasts when the tool's events change.

3.12/3.13 keep DISABLE in the code's instrumentation: a location a tool
DISABLEd stays off until restart_events(), or until the code is
instrumented again at a time when the tool no longer has the event there
(its monitors changed): then the tool gets every location back once it
gains the event again.  The code is instrumented when it starts or
resumes, when set_local_events() changes it, and (every frame on the
stack) at each set_events().  Measured on native 3.12.1 and 3.13.0; these
tests run natively there.
"""

import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring, pep669

E = events


def f():
    x = 1
    return x


class DisableLifetimeTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.use_tool(0, 'a')
        self.seen = []

    def disable_once(self, event, run=f):
        """The tool DISABLEs `event` everywhere in `run`'s code."""
        monitoring.register_callback(0, event, lambda *a: monitoring.DISABLE)
        monitoring.set_events(0, event)
        run()
        monitoring.set_events(0, 0)

    def record_after(self, event, run=f):
        monitoring.register_callback(
            0, event, lambda code, *a: self.seen.append(code.co_name))
        monitoring.set_events(0, event)
        try:
            run()
        finally:
            monitoring.set_events(0, 0)
            monitoring.register_callback(0, event, None)
        return [n for n in self.seen if n == run.__name__]

    def other_tool_runs(self, run=f):
        """Another tool has an event while `run` runs: the code is
        instrumented (natively at its RESUME; pep669's hook refreshes)."""
        if monitoring.get_tool(1) is None:
            self.use_tool(1, 'b')
        monitoring.register_callback(1, E.PY_RETURN, lambda *a: None)
        monitoring.set_events(1, E.PY_RETURN)
        run()
        monitoring.set_events(1, 0)
        monitoring.register_callback(1, E.PY_RETURN, None)

    def test_kept_when_code_did_not_run_meanwhile(self):
        for event in (E.PY_START, E.LINE):
            with self.subTest(event=event):
                self.disable_once(event)
                self.assertEqual(self.record_after(event), [])
                monitoring.restart_events()
                self.seen.clear()

    def test_forgotten_when_code_ran_without_the_event(self):
        for event in (E.PY_START, E.LINE):
            with self.subTest(event=event):
                self.disable_once(event)
                self.other_tool_runs()
                want = ['f'] if event == E.PY_START else ['f', 'f']
                self.assertEqual(self.record_after(event), want)
                self.seen.clear()

    def test_forgotten_when_set_local_events_changed_the_code(self):
        for event, other in ((E.PY_START, E.LINE), (E.LINE, E.PY_START)):
            with self.subTest(event=event):
                self.disable_once(event)
                self.set_local_events(0, f.__code__, other)
                self.set_local_events(0, f.__code__, 0)
                want = ['f'] if event == E.PY_START else ['f', 'f']
                self.assertEqual(self.record_after(event), want)
                self.seen.clear()

    def test_forgotten_on_probes(self):
        # Runs after the first go on line probes (3.8-3.11): the clone
        # made without the DISABLEd locations goes with them.
        def h():
            y = 1
            return y
        monitoring.register_callback(0, E.LINE, lambda *a: monitoring.DISABLE)
        monitoring.set_events(0, E.LINE)
        for _ in range(4):
            h()
        monitoring.set_events(0, 0)
        self.other_tool_runs(h)
        self.assertEqual(self.record_after(E.LINE, h), ['h', 'h'])
        self.seen.clear()
        self.assertEqual(self.record_after(E.LINE, h), ['h', 'h'])

    def test_kept_when_set_local_events_changes_nothing(self):
        self.disable_once(E.LINE)
        self.set_local_events(0, f.__code__, 0)
        self.assertEqual(self.record_after(E.LINE), [])

    def test_kept_while_the_tool_keeps_the_event(self):
        # The tool keeps LINE locally while its global LINE goes and
        # comes back: its monitors never lost LINE.
        self.disable_once(E.LINE)
        self.set_local_events(0, f.__code__, E.LINE)
        monitoring.register_callback(0, E.LINE, None)
        self.other_tool_runs()
        self.assertEqual(self.record_after(E.LINE), [])
        self.set_local_events(0, f.__code__, 0)

    def test_running_frame_is_instrumented_at_set_events(self):
        counts = []
        first = g.__code__.co_firstlineno + 2

        def line(code, lineno):
            if code is g.__code__ and lineno == first:
                counts.append(lineno)
                return monitoring.DISABLE

        monitoring.register_callback(0, E.LINE, line)
        monitoring.set_events(0, E.LINE)
        try:
            g()
        finally:
            monitoring.set_events(0, 0)
            monitoring.register_callback(0, E.LINE, None)
        # iteration 0 (DISABLE), then, the frame re-instrumented by
        # set_events(0, 0), iteration 1 (DISABLE again); not iteration 2.
        self.assertEqual(len(counts), 2)

    def test_restart_events_still_forgets_everything(self):
        self.disable_once(E.PY_START)
        monitoring.restart_events()
        self.assertEqual(self.record_after(E.PY_START), ['f'])


def g():
    for i in range(3):
        x = i
        if i == 0:
            monitoring.set_events(0, 0)
            monitoring.set_events(0, E.LINE)
    return x


def _fresh():
    # a code object of its own per test: what these tests pin happens
    # once per code object
    ns = {}
    exec(compile("def g(x):\n"
                 "    y = x\n"
                 "    for i in range(2):\n"
                 "        y += i\n"
                 "    return y\n", "<g>", "exec"), ns)
    return ns['g']


def _tracer(frame, event, arg):
    return _tracer


class LineToolsTableTest(MonitoringTestCase):
    # 3.12/3.13 keep the DISABLEs of a code's one LINE tool in its
    # bytecode; the first time the code is instrumented with two tools on
    # LINE (sys.settrace's tool 7 counts) they make a per-location table
    # of tools that starts with every tool everywhere: the code's LINE
    # DISABLEs are forgotten then, once.  Other events keep theirs.

    def setUp(self):
        super().setUp()
        self.use_tool(0, 'a')
        self.g = _fresh()
        self.seen = []
        self.addCleanup(sys.settrace, None)

    def watch(self, event):
        def cb(code, *args):
            if code is self.g.__code__:
                self.seen.append(args[0])
                return monitoring.DISABLE
        monitoring.register_callback(0, event, cb)
        self.addCleanup(monitoring.register_callback, 0, event, None)
        monitoring.set_events(0, event)
        self.addCleanup(monitoring.set_events, 0, 0)
        self.g(1)
        self.g(1)
        self.assertTrue(self.seen)
        del self.seen[:]

    def traced_run(self):
        sys.settrace(_tracer)
        try:
            self.g(1)
        finally:
            sys.settrace(None)
        n = len(self.seen)
        del self.seen[:]
        return n

    def test_tracer_brings_line_back_once(self):
        self.watch(E.LINE)
        self.assertEqual(self.traced_run(), 5)
        self.g(1)
        self.assertEqual(self.seen, [])
        self.assertEqual(self.traced_run(), 0)

    def test_tracer_on_another_thread_counts(self):
        # (review14) tool 7 is the interpreter's: a tracer set on the main
        # thread brings LINE back in a thread that has none
        import threading
        self.watch(E.LINE)
        sys.settrace(_tracer)
        try:
            t = threading.Thread(target=self.g, args=(1,))
            t.start()
            t.join()
        finally:
            sys.settrace(None)
        self.assertEqual(len(self.seen), 5)
        del self.seen[:]
        self.g(1)
        self.assertEqual(self.seen, [])

    def test_tracer_set_and_unset_without_running_the_code(self):
        self.watch(E.LINE)
        sys.settrace(_tracer)
        sys.settrace(None)
        self.g(1)
        self.assertEqual(self.seen, [])
        self.assertEqual(self.traced_run(), 5)

    def test_second_tool_on_line(self):
        self.watch(E.LINE)
        self.use_tool(1, 'b')
        monitoring.register_callback(1, E.LINE, lambda *a: None)
        self.addCleanup(monitoring.register_callback, 1, E.LINE, None)
        monitoring.set_local_events(1, self.g.__code__, E.LINE)
        self.addCleanup(monitoring.set_local_events, 1, self.g.__code__, 0)
        self.g(1)
        self.assertEqual(len(self.seen), 5)

    def test_two_line_tools_from_the_start(self):
        self.use_tool(1, 'b')
        monitoring.register_callback(1, E.LINE, lambda *a: None)
        self.addCleanup(monitoring.register_callback, 1, E.LINE, None)
        monitoring.set_events(1, E.LINE)
        self.addCleanup(monitoring.set_events, 1, 0)
        self.watch(E.LINE)
        self.assertEqual(self.traced_run(), 0)

    def test_under_bdb(self):
        # a coverage-like tool and a bdb debugger that steps, then
        # continues (sys.settrace(None) with no breakpoint)
        import bdb
        self.watch(E.LINE)

        class Stepper(bdb.Bdb):
            def __init__(self):
                super().__init__()
                self.stops = 0

            def user_line(self, frame):
                self.stops += 1
                if self.stops < 3:
                    self.set_step()
                else:
                    self.set_continue()
        d = Stepper()
        d.runcall(self.g, 1)
        sys.settrace(None)
        self.assertEqual(d.stops, 3)
        self.assertEqual(len(self.seen), 5)
        del self.seen[:]
        self.g(1)
        self.assertEqual(self.seen, [])

    def test_jump_and_branch_kept(self):
        for event in (E.JUMP, E.BRANCH):
            with self.subTest(event=event):
                self.g = _fresh()
                self.watch(event)
                self.assertEqual(self.traced_run(), 0)


if __name__ == "__main__":
    unittest.main()
