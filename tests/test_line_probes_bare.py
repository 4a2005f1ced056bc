"""Bare runs on line probes, 3.8-3.10: no record until one is needed.

A run of code whose line events left all stand on its line clone's probes
(the clone with an entry stub), on a thread with no trace function, starts
with no record of the engine's at all ("bare run", docs/architecture.md):
the hook swaps in the clone, the entry stub puts the frame's own code back,
and the run ends with nothing to undo.  Its record is made when something
needs it: a probe firing (its first event), a callee's end that is not
quiet (restart_events, set_events), a change of the event sets seen at the
run's end (another thread), an exception leaving it.

Every stream is checked everywhere (natively on 3.12/3.13); the counters
(``bare_runs``, ``bare_records`` of ``_probe_state``: runs started bare,
and those of them that got a record) on 3.8-3.10 only.
"""

import _thread
import sys
import threading
import unittest

from tests.support import PY, MonitoringTestCase, monitoring
from tests.test_line_probes import PROBES

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = monitoring.events
DISABLE = monitoring.DISABLE
TOOL = 2

#: bare runs: line clones with entry stubs
BARE = PROBES and PY < (3, 11)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

def target(x, keep, peek=None):
    a = x + 1
    if keep:
        a = a + 1
    if peek is not None:
        peek()
    return a


def target_raises(x, keep):
    a = x + 1
    if keep:
        a = a + 1
        raise ValueError(a)
    return a


def target_calls(x, hook):
    a = x + 1
    hook()
    a = a + 2
    if a < -10 ** 9:
        raise ValueError(a)
    return a


def failing(fail):
    if fail:
        raise KeyError(fail)
    return 1


def target_through(x, fail):
    a = x + 1
    b = failing(fail)
    if a < -10 ** 9:
        raise ValueError(a)
    return a + b


def target_waits(started, go):
    started.release()
    go.acquire()
    if started is None:
        raise ValueError(go)
    return 7


def plain():
    return None


def restarting():
    monitoring.restart_events()


def drive(func, *args):
    """Calls from a frame run through the hook (its lines DISABLEd after
    its first run), with no handler (a frame watched for exceptions has
    the trampoline on the thread): the callee can take the quiet path."""
    return func(*args)


def rel(func, line):
    return line - func.__code__.co_firstlineno


def counters(func):
    if not BARE:
        return (0, 0)
    state = pep669._monitoring._probe_state(func.__code__)
    return (state['bare_runs'], state['bare_records'])


def tdrive(func, *args):
    return threaded(drive, func, *args)


def threaded(func, *args):
    """``func(*args)`` in a new thread, whose frames all start through
    the hook (this test's own frame started before the events were set:
    traced without the hook, it keeps its callees off the quiet path).
    Its result, or its exception raised here."""
    out = []

    def run():
        try:
            out.append((True, func(*args)))
        except BaseException as exc:  # (re-raised below)
            out.append((False, exc))
    t = threading.Thread(target=run)
    t.start()
    t.join()
    ok, value = out[0]
    if not ok:
        raise value
    return value


class BareRunTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.events = []

    def counted(self, got, expected):
        if BARE:
            self.assertEqual(got, expected)

    def cover(self, funcs, keep=(), on_line=None, extra=()):
        """LINE set globally, every location DISABLEd where it runs but
        the lines of ``keep`` ((func, relative line)); the LINE events of
        ``funcs`` recorded as (name, relative line)."""
        codes = {f.__code__: f for f in funcs}
        kept = {(f.__code__, f.__code__.co_firstlineno + n) for f, n in keep}
        self.use_tool(TOOL)

        def line(code, lineno):
            if code in codes:
                self.events.append(
                    ("LINE", code.co_name, rel(codes[code], lineno)))
                if on_line is not None and (code, lineno) in kept:
                    on_line(code, lineno)
            return None if (code, lineno) in kept else DISABLE

        def ret(code, offset, value):
            if code in codes:
                self.events.append(("PY_RETURN", code.co_name, value))

        def unwind(code, offset, exc):
            if code in codes:
                self.events.append(("PY_UNWIND", code.co_name,
                                    type(exc).__name__))

        monitoring.register_callback(TOOL, E.LINE, line)
        monitoring.register_callback(TOOL, E.PY_RETURN, ret)
        monitoring.register_callback(TOOL, E.PY_UNWIND, unwind)
        monitoring.set_events(TOOL, E.LINE)

    def test_runs_start_bare(self):
        self.cover([target])
        for i in range(3):
            tdrive(target, i, False)
        self.assertEqual(self.events, [("LINE", "target", 1),
                                       ("LINE", "target", 2),
                                       ("LINE", "target", 4),
                                       ("LINE", "target", 6)])
        before = counters(target)
        got = [tdrive(target, i, False) for i in range(20)]
        after = counters(target)
        self.stop()
        self.assertEqual(got, [i + 1 for i in range(20)])
        self.assertEqual(len(self.events), 4)
        self.counted((after[0] - before[0], after[1] - before[1]), (20, 0))

    def test_probe_makes_the_record(self):
        # the kept line's probe fires in a run that started bare: its
        # record is made there; the callback sees the frame as natively
        seen = []

        def on_line(code, lineno):
            f = sys._getframe(2)
            seen.append((f.f_code is target.__code__, f.f_lineno - lineno,
                         f.f_trace, sys.gettrace()))
        self.cover([target], keep=[(target, 3)], on_line=on_line)
        for i in range(3):
            tdrive(target, i, False)
        del self.events[:]
        del seen[:]
        before = counters(target)
        got = [tdrive(target, 5, True), tdrive(target, 1, False),
               tdrive(target, 6, True)]
        after = counters(target)
        self.stop()
        self.assertEqual(got, [7, 2, 8])
        self.assertEqual(self.events, [("LINE", "target", 3)] * 2)
        self.assertEqual(seen, [(True, 0, None, None)] * 2)
        # (a location still wanted after its probe fired gives the clone
        # up: the later runs start on the general path, until the events
        # change)
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 1))

    def test_callee_sees_the_frame_as_its_own(self):
        seen = []

        def peek():
            f = sys._getframe(1)
            seen.append((f.f_code is target.__code__,
                         f.f_lineno - f.f_code.co_firstlineno, f.f_trace,
                         sys.gettrace(), f.f_trace_lines,
                         f.f_trace_opcodes))
            if BARE:
                seen.append(pep669._monitoring._frame_mechanism(f))
        self.cover([target])
        for i in range(3):
            tdrive(target, i, False, peek)
        del seen[:]
        before = counters(target)
        self.assertEqual(tdrive(target, 1, False, peek), 2)
        after = counters(target)
        self.stop()
        self.assertEqual(seen[0], (True, 5, None, None, True, False))
        if BARE:
            self.assertEqual(seen[1], "line probes")
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 0))

    def test_return_switched_on_by_the_probe(self):
        switched = []

        def on_line(code, lineno):
            if not switched:
                switched.append(1)
                monitoring.set_events(TOOL, E.LINE | E.PY_RETURN)
        self.cover([target], keep=[(target, 3)], on_line=on_line)
        for i in range(3):
            tdrive(target, i, False)
        del self.events[:]
        before = counters(target)
        got = tdrive(target, 5, True)
        after = counters(target)
        self.stop()
        self.assertEqual(got, 7)
        self.assertEqual(self.events, [("LINE", "target", 3),
                                       ("PY_RETURN", "target", 7)])
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 1))

    def test_unwind_switched_on_by_the_probe(self):
        switched = []

        def on_line(code, lineno):
            if not switched:
                switched.append(1)
                monitoring.set_events(TOOL, E.LINE | E.PY_UNWIND)
        self.cover([target_raises], keep=[(target_raises, 3),
                                          (target_raises, 4)],
                   on_line=on_line)
        for i in range(3):
            tdrive(target_raises, i, False)
        del self.events[:]
        before = counters(target_raises)
        with self.assertRaises(ValueError):
            tdrive(target_raises, 5, True)
        after = counters(target_raises)
        self.stop()
        self.assertEqual(self.events, [("LINE", "target_raises", 3),
                                       ("LINE", "target_raises", 4),
                                       ("PY_UNWIND", "target_raises",
                                        "ValueError")])
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 1))

    def check_restart(self, hook):
        # restart_events in a callee of a run that started bare: the
        # locations DISABLEd before fire again, in that very run
        self.cover([target_calls])
        for i in range(3):
            tdrive(target_calls, i, plain)
        self.assertEqual([e[2] for e in self.events], [1, 2, 3, 4, 6])
        del self.events[:]
        before = counters(target_calls)
        got = [tdrive(target_calls, 10, hook)]
        # (the run started bare and got its record; counted before the
        # next runs make a new clone)
        after = counters(target_calls)
        got += [tdrive(target_calls, 20, plain),
                tdrive(target_calls, 30, plain)]
        self.stop()
        self.assertEqual(got, [13, 23, 33])
        self.assertEqual([e[2] for e in self.events], [3, 4, 6, 1, 2])
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 1))

    def test_restart_in_a_python_callee(self):
        self.check_restart(restarting)

    def test_restart_called_directly(self):
        self.check_restart(monitoring.restart_events)

    def test_exception_through_a_bare_run(self):
        self.cover([target_through])
        for i in range(3):
            tdrive(target_through, i, 0)
        self.assertEqual([e[2] for e in self.events], [1, 2, 3, 5])

        def tb_of():
            try:
                drive(target_through, 1, "k")
            except KeyError as exc:
                tb = exc.__traceback__.tb_next.tb_next
                return (tb.tb_frame.f_code is target_through.__code__,
                        tb.tb_lineno - target_through.__code__.co_firstlineno,
                        tb.tb_next.tb_frame.f_code is failing.__code__)
        before = counters(target_through)
        got = [threaded(tb_of), tdrive(target_through, 2, 0), threaded(tb_of),
               tdrive(target_through, 3, 0)]
        after = counters(target_through)
        self.stop()
        self.assertEqual(got, [(True, 2, True), 4, (True, 2, True), 5])
        self.assertEqual([e[2] for e in self.events], [1, 2, 3, 5])
        # (an exception leaving a bare run makes its record at the end)
        self.counted((after[0] - before[0], after[1] - before[1]), (4, 2))

    def test_events_changed_by_another_thread(self):
        # the change comes while the bare run waits in C: nothing of the
        # engine runs in it before its end, which sees the new version
        self.cover([target_waits])
        for i in range(3):
            started = _thread.allocate_lock()
            started.acquire()
            go = _thread.allocate_lock()
            tdrive(target_waits, started, go)
        self.assertEqual([e[2] for e in self.events], [1, 2, 3, 5])
        del self.events[:]
        started = _thread.allocate_lock()
        started.acquire()
        go = _thread.allocate_lock()
        go.acquire()

        def other():
            started.acquire()
            monitoring.set_events(TOOL, E.LINE | E.PY_RETURN)
            go.release()
        got = []
        t = threading.Thread(
            target=lambda: got.append(drive(target_waits, started, go)))
        before = counters(target_waits)
        t.start()
        other()
        t.join()
        got, = got
        after = counters(target_waits)
        self.stop()
        self.assertEqual(got, 7)
        self.assertEqual(self.events, [("PY_RETURN", "target_waits", 7)])
        self.counted((after[0] - before[0], after[1] - before[1]), (1, 1))


if __name__ == "__main__":
    unittest.main()
