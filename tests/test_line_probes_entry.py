"""The start of a run on line probes, 3.8-3.10: the clone's entry stub.

The evaluator reads a frame's bytecode from f_code once, when the run
starts, so a run on a line clone starts with the clone as f_code.  Where
the code is no generator's, the run starts at the clone's entry stub
after the code (the hook sets the frame's last instruction before it),
which truth-tests the clone's probe, which puts the frame's own code back
and the frame before its first instruction, then jumps to the code's
start, whose bytes are the original's: no trace call, no tracing switched
on ("entry stub", docs/architecture.md).  Since session 13 that holds for
code whose start can raise (LOAD_GLOBAL) and code that jumps back to its
start too (before, their clones had no entry stub: the stub took the
code's first instructions).  A generator's runs start in the window,
closed by the trampoline's first event.

The counters (``entry_runs``, ``window_runs`` of ``_probe_state``) are the
backport's own bookkeeping; every stream is checked as in
tests/test_line_probes.py, against CPython's.
"""

import dis
import functools
import operator
import sys
import threading
import unittest

from tests.support import PY, MonitoringTestCase, in_codes, monitoring
from tests.test_line_probes import (PROBES, ProbeTestCase, catching,
                                    first_arrivals, guarded, oracle_lines)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

DISABLE = monitoring.DISABLE

#: entry stubs: line clones that are f_code only until the run starts
ENTRY = PROBES and PY < (3, 11)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

def entry_attr(x):
    y = x.real
    if y is None:
        raise ValueError(x)
    return y


def entry_global(x):
    y = len(x)
    if y < 0:
        raise ValueError(x)
    return y


def entry_loop(n):
    while True:
        n -= 1
        if n <= 0:
            break
    if n < -100:
        raise ValueError(n)
    return n


def entry_recursive(n):
    if n < 0:
        raise ValueError(n)
    return entry_recursive(n + 1)


def entry_gen(n):
    yield n
    if n < 0:
        raise ValueError(n)
    yield n + 1


def drive_entry_gen(n):
    return list(entry_gen(n))


def state(func):
    """The clone's counters (natively, and on 3.11: nothing to count)."""
    if not ENTRY:
        return {'clone': True, 'entry': None, 'entry_runs': 0,
                'window_runs': 0}
    return pep669._monitoring._probe_state(func.__code__)


class EntryStubTest(ProbeTestCase):
    """The streams and what the frames show everywhere (natively on
    3.12/3.13); the counters on 3.8-3.10 (``counted``)."""

    def counted(self, got, expected):
        if ENTRY:
            self.assertEqual(got, expected)

    def session(self, runs, watch, respond=None):
        """``runs`` under the coverage pattern (LINE set globally: the
        runs start on the hook's quiet path once their callers' lines are
        DISABLEd), the stream checked; the results, and how many runs of
        ``watch``'s clone left it in the entry stub and started in a
        window, after the first run."""
        codes = [watch.__code__]
        expected = first_arrivals(runs, codes)
        if respond is None:
            rec = self.covering(codes)
        else:
            rec = self.recorder(0, monitoring.events.LINE, in_codes(*codes),
                                respond=respond)
        got = [catching(runs[0][0], *runs[0][1])]
        before = state(watch)
        got += [catching(func, *args) for func, args in runs[1:]]
        after = state(watch)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        if respond is None:
            self.assertEqual(self.named(rec), expected)
        self.assertTrue(after['clone'])
        return got, after, (after['entry_runs'] - before['entry_runs'],
                            after['window_runs'] - before['window_runs'])

    def test_runs_leave_the_clone_in_the_entry_stub(self):
        got, after, (entries, windows) = self.session(
            [(guarded, (i,)) for i in range(6)], guarded)
        self.assertEqual(got, [2, 3, 4, 5, 6, 7])
        self.counted((after['entry'], entries, windows), (True, 5, 0))

    def test_traced_caller(self):
        # the caller runs traced (its lines wanted): the callee starts on
        # the general path, in the entry stub too
        def caller():
            return [guarded(i) for i in range(4)]
        codes = [guarded.__code__]
        rec = self.covering(codes)
        guarded(1)
        before = state(guarded)
        got = caller()
        after = state(guarded)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, [2, 3, 4, 5])
        self.counted((after['entry_runs'] - before['entry_runs'],
                      after['window_runs'] - before['window_runs']), (4, 0))

    def test_first_line_still_wanted(self):
        # the site of the first line stands in front of the entry stub;
        # its LINE fires at every run, before the moved instruction
        first = guarded.__code__.co_firstlineno + 1
        lines = []

        def respond(r):
            lines.append(r.args[0])
            return None if r.args[0] == first else DISABLE
        runs = [(guarded, (i,)) for i in range(4)]
        seen, expected = set(), []
        for func, args in runs:
            for name, line, offset in oracle_lines(func, args,
                                                   [guarded.__code__]):
                if line == first or offset not in seen:
                    seen.add(offset)
                    expected.append(line)
        got, after, (entries, windows) = self.session(runs, guarded,
                                                      respond=respond)
        self.assertEqual(got, [2, 3, 4, 5])
        self.assertEqual(lines, expected)
        self.assertEqual(lines.count(first), 4)
        self.counted(windows, 0)

    def test_exception_after_the_moved_instruction(self):
        def tb_of(x):
            try:
                entry_attr(x)
            except AttributeError as exc:
                tb = exc.__traceback__.tb_next
                return (tb.tb_frame.f_code, tb.tb_lineno, tb.tb_lasti,
                        tb.tb_frame.f_lasti)
        native = tb_of(object())
        got, after, (entries, windows) = self.session(
            [(entry_attr, (1,)), (entry_attr, (2,)), (tb_of, (object(),)),
             (entry_attr, (3,))], entry_attr)
        self.counted((after['entry'], windows), (True, 0))
        self.assertEqual(got[2], native)
        self.assertIs(got[2][0], entry_attr.__code__)
        self.assertEqual(got[2][1], entry_attr.__code__.co_firstlineno + 1)

    def test_threads(self):
        codes = [guarded.__code__]
        rec = self.covering(codes)
        guarded(1)
        guarded(2)
        before = state(guarded)
        results = []

        def work():
            results.append([guarded(i) for i in range(50)])
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = state(guarded)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(results, [list(range(2, 52))] * 3)
        # (a thread's first run may find its work's frame traced, not yet
        # DISABLEd: every run starts in the entry stub all the same)
        self.counted((after['entry_runs'] - before['entry_runs'],
                      after['window_runs'] - before['window_runs']), (150, 0))

    def test_recursion_limit(self):
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(120)
        try:
            got, after, _ = self.session(
                [(entry_recursive, (0,)), (entry_recursive, (0,))],
                entry_recursive)
        finally:
            sys.setrecursionlimit(limit)
        self.assertEqual(got, [RecursionError, RecursionError])

    def test_code_whose_start_can_raise(self):
        got, after, (entries, windows) = self.session(
            [(entry_global, ('ab',)), (entry_global, ('abc',)),
             (entry_global, (None,)), (entry_global, ('',))], entry_global)
        self.assertEqual(got, [2, 3, TypeError, 0])
        self.counted((after['entry'], entries, windows), (True, 3, 0))

    def test_jump_back_to_the_start(self):
        # (3.10 puts a NOP of the `while` line first, which the loop does
        # not jump back to)
        back = 0 in dis.findlabels(entry_loop.__code__.co_code)
        self.counted(back, PY < (3, 10))
        got, after, (entries, windows) = self.session(
            [(entry_loop, (i,)) for i in range(4)], entry_loop)
        self.assertEqual(got, [-1, 0, 0, 0])
        self.counted((after['entry'], entries, windows), (True, 3, 0))

    def test_generator(self):
        got, after, (entries, windows) = self.session(
            [(drive_entry_gen, (i,)) for i in range(4)], entry_gen)
        self.assertEqual(got, [[i, i + 1] for i in range(4)])
        self.counted((after['entry'], entries, windows > 0),
                     (False, 0, True))


def entry_async(x):
    y = x + 1
    if y < 0:
        raise ValueError(y)
    return y


def async_attempt(arm, call):
    # (C calls only between arming and the run's start: no eval breaker of
    # a Python frame's takes the exception first)
    try:
        list(map(call, [arm, functools.partial(entry_async, 5)]))
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not entry_async.__code__:
            tb = tb.tb_next
        return (tb is not None and tb.tb_lineno,
                tb is not None and tb.tb_frame.f_lineno)
    return None


def async_run(arms, out):
    call = operator.methodcaller('__call__')
    bare = []
    for arm in arms:
        bare.append(state(entry_async)['bare_runs'] if ENTRY else 0)
        got = async_attempt(arm, call)
    bare.append(state(entry_async)['bare_runs'] if ENTRY else 1)
    out.append(got)
    # (a bare run on 3.10; 3.8/3.9 keep the callees of a frame that
    # handled an exception off the quiet path: a run with a record, on
    # the entry stub all the same)
    out.append(bare[-1] - bare[-2] if PY >= (3, 10) or not ENTRY else 1)


class EntryAsyncExcTest(MonitoringTestCase):
    """An exception of the eval breaker's before a run's first instruction
    (an asynchronous exception, set as the run starts): natively the
    frame's traceback entry is at the code's start, before its first
    instruction (3.8-3.10 f_lasti -1; 3.12+ RESUME), its line the `def`'s.
    A run that starts at its clone's entry stub raises it there, before the
    stub ran: the entry gets the frame's own place back
    (pep669_backend_entry_unwound)."""

    def test_async_exception_at_the_start(self):
        import ctypes
        tool = self.use_tool(2)
        monitoring.register_callback(tool, monitoring.events.LINE,
                                     lambda code, line: DISABLE)
        monitoring.set_events(tool, monitoring.events.LINE)
        set_async = ctypes.pythonapi.PyThreadState_SetAsyncExc
        set_async.argtypes = (ctypes.c_ulong, ctypes.py_object)
        out = []
        # (a traced caller, or one watched for exceptions, keeps its
        # callees off the bare path: every line of the callers runs, and is
        # DISABLEd, before the last attempt)
        arms = [int, functools.partial(operator.truediv, 1, 0)] * 3
        t = threading.Thread(target=lambda: async_run(arms + [
            functools.partial(set_async, threading.get_ident(),
                              KeyboardInterrupt)], out))
        t.start()
        t.join()
        self.stop()
        first = entry_async.__code__.co_firstlineno
        self.assertEqual(out, [(first, first), 1])

if __name__ == "__main__":
    unittest.main()
