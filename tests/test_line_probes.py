"""LINE with DISABLE (the coverage pattern) in code with lines that never
run in its normal flow.

On 3.8-3.10 the engine runs frames of such code on a patched copy of their
bytecode with a probe at each LINE location still wanted ("line probes",
docs/differences.md, "Cost"), untraced.  The streams must be exactly those
of code traced all along, which are CPython's: every test here but those
marked as the backport's own bookkeeping also runs natively on 3.12/3.13.

The expected streams come from TraceOracle (tests/test_line_events.py) with
the DISABLE rule applied on top: over a sequence of runs, a tool that
DISABLEs every location it is called for sees each (code, offset) where
LINE fires once, the first time.
"""

import sys
import threading
import types
import unittest

from tests.support import (PY, MonitoringTestCase, Recorder, events,
                           in_codes, monitoring, run_in_thread)
from tests.test_line_events import (TRACE_SLOT, TraceOracle,
                                    calibrate_trace_slot, nested_codes)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE

#: The backport runs frames on probes here (3.11: on a copy for the whole
#: run, docs/differences.md).
PROBES = not pep669.NATIVE and PY < (3, 12)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

def guarded(x):
    y = x + 1
    if x < 0:
        raise ValueError(x)
    for i in range(2):
        y += i
    if x > 100:
        y = -y
    return y


def late_in_loop(n):
    total = 0
    for i in range(n):
        if i == 5:
            total += 100
        total += i
    if n > 1000:
        total = 0
    return total


def over_items(items):
    out = 0
    for item in items:
        if item is None:
            continue
        out += item
    return out


def recursive(n):
    if n < 0:
        return -1
    if n == 0:
        return 0
    return recursive(n - 1) + 1


def deep(n, stop):
    if stop is None:
        return -1
    if stop:
        return n
    return deep(n + 1, stop)


def raising_line(x):
    a = x
    if x:
        a = 1 // (x - x)
    return a


def with_handler(x):
    try:
        r = 10 // x
    except ZeroDivisionError:
        r = -1
    if r > 100:
        r = 100
    return r


def gen_late(n):
    for i in range(n):
        if i == 3:
            yield -i
        yield i
    if n > 100:
        yield None


def drive_gen_late(n):
    return list(gen_late(n))


def gen_throw(catch):
    total = 0
    while True:
        try:
            total += yield total
        except KeyError:
            if not catch:
                raise
            total = -total
        if total > 10:
            total = 10


def drive_gen_throw(catch, big=2):
    g = gen_throw(catch)
    next(g)
    out = [g.send(1), g.send(big)]
    try:
        out.append(g.throw(KeyError))
    except KeyError:
        out.append('raised')
    return out


def gen_closed():
    try:
        yield 1
        yield 2
    finally:
        closed = True
    return closed


def drive_gen_closed(n):
    g = gen_closed()
    out = [next(g)]
    if n:
        out.append(next(g))
    g.close()
    return out


async def coro_sleep():
    return 1


async def coro_guarded(x):
    a = await coro_sleep()
    if x < 0:
        a = -a
    b = await coro_sleep()
    return a + b + x


def drive_coro(x):
    c = coro_guarded(x)
    return finish(c)


def finish(coro):
    # (not monitored: 3.8 and 3.11 report the return line of an
    # ``except ... as`` clause twice, probes or not)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value


def with_closure(x):
    def inner(y):
        if y < 0:
            return -y
        return y + x
    if x < 0:
        x = -x
    return inner(x) + inner(1)


# A function long enough for the jumps to its stubs to need a prefix
# (more than 256 bytes, 3.8/3.9; code units, 3.10), with a never-run line
# near the start and one near the end.
LONG_SOURCE = (
    "def long_guarded(x):\n"
    "    total = 0\n"
    "    if x < 0:\n"
    "        total = -1\n"
    + "".join("    total += x * %d\n" % i for i in range(120)) +
    "    if x > 100:\n"
    "        total = 0\n"
    "    return total\n")
_namespace = {}
exec(compile(LONG_SOURCE, __file__ + "-long_guarded", "exec"), _namespace)
long_guarded = _namespace["long_guarded"]


def state_probe(x):
    ts = TRACE_SLOT
    if x < 0:
        x = -x
    return ts[1].from_address(ts[0]())[ts[2]]


# state_probe: the thread's c_tracefunc while the frame runs, read with C
# calls only (a Python helper would run in a frame of its own).


def quiet_view(x):
    f = sys._getframe()
    line = f.f_lineno
    seen = (f.f_code, f.f_trace, f.f_trace_lines, f.f_trace_opcodes,
            sys.gettrace(), line)
    if x < 0:
        raise ValueError(x)
    return seen


def quiet_div(x, y):
    r = x // y
    if r < -1000:
        r = 0
    return r


def quiet_caller(x):
    out = quiet_view(x)
    if x < -1000:
        out = None
    return out


# --------------------------------------------------------------------------
# Expectations

def catching(func, *args):
    """``func(*args)``, or the type of the exception it raised."""
    try:
        return func(*args)
    except Exception as e:
        return type(e)


def oracle_lines(func, args, codes):
    """The LINE events of one run, as ``(co_name, line, offset)``: the
    oracle's INSTRUCTION of the same instruction follows each LINE."""
    stream = TraceOracle(catching, (func,) + tuple(args), codes,
                         E.LINE | E.INSTRUCTION).events()
    out = []
    for i, event in enumerate(stream):
        if event[0] == 'LINE':
            nxt = stream[i + 1]
            assert nxt[0] == 'INSTRUCTION' and nxt[1] == event[1], nxt
            out.append((event[1], event[2], nxt[2]))
    return out


def first_arrivals(runs, codes):
    """What a tool that DISABLEs every LINE location sees over ``runs``
    (pairs ``(func, args)``): ``(co_name, line)``, each location once."""
    seen, out = set(), []
    for func, args in runs:
        for name, line, offset in oracle_lines(func, args, codes):
            if (name, offset) not in seen:
                seen.add((name, offset))
                out.append((name, line))
    return out


def all_arrivals(runs, codes):
    out = []
    for func, args in runs:
        out.extend((name, line)
                   for name, line, _ in oracle_lines(func, args, codes))
    return out


class ProbeTestCase(MonitoringTestCase):

    def covering(self, codes, tool=0, disable=True, **kwargs):
        """A LINE recorder (DISABLE everywhere unless ``disable`` is
        false), set globally."""
        respond = (lambda r: DISABLE) if disable else None
        return self.recorder(tool, E.LINE, in_codes(*codes),
                             respond=respond, **kwargs)

    @staticmethod
    def named(rec):
        return [(r.code.co_name, r.args[0]) for r in rec.records]

    def check_runs(self, runs, codes, results=None):
        """Run ``runs`` under the coverage pattern: exactly the expected
        stream, in frames that are the monitored code's own."""
        expected = first_arrivals(runs, codes)
        rec = self.covering(codes)
        got = [catching(func, *args) for func, args in runs]
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), expected)
        if results is not None:
            self.assertEqual(got, results)
        return rec


# --------------------------------------------------------------------------

class StreamTest(ProbeTestCase):
    """Exact LINE streams under the coverage pattern."""

    def test_never_run_lines_run_in_later_calls(self):
        self.check_runs(
            [(guarded, (1,)), (guarded, (2,)), (guarded, (200,)),
             (guarded, (300,)), (guarded, (-1,)), (guarded, (5,))],
            [guarded.__code__],
            [3, 4, -202, -302, ValueError, 7])

    def test_never_run_line_runs_later_in_the_same_call(self):
        self.check_runs(
            [(late_in_loop, (3,)), (late_in_loop, (4,)),
             (late_in_loop, (8,)), (late_in_loop, (9,))],
            [late_in_loop.__code__], [3, 6, 128, 136])

    def test_loop_whose_body_runs_later(self):
        # the loop's FOR_ITER, reached by the back edge, and a `continue`
        self.check_runs(
            [(over_items, ([],)), (over_items, ([],)),
             (over_items, ([1, 2],)), (over_items, ([],)),
             (over_items, ([None, 3],)), (over_items, ([None],))],
            [over_items.__code__], [0, 0, 3, 0, 3, 0])

    def test_recursion(self):
        self.check_runs(
            [(recursive, (3,)), (recursive, (4,)), (recursive, (-1,)),
             (recursive, (2,))],
            [recursive.__code__], [3, 4, -1, 2])

    def test_recursion_limit(self):
        # the innermost frame fails before its first instruction (nothing
        # on the way there checks the depth: no comparison, no C call)
        code = deep.__code__
        rec = self.covering([code])
        deep(0, True)
        deep(0, True)
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(200)
        try:
            with self.assertRaises(RecursionError):
                deep(0, False)
        finally:
            sys.setrecursionlimit(old)
        self.assertEqual(deep(0, None), -1)
        self.assertEqual(deep(0, True), 0)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), first_arrivals(
            [(deep, (0, True)), (deep, (1, False)), (deep, (0, None))],
            [code]))

    def test_exception_at_a_probed_location(self):
        # the never-run line raises the first time it runs
        self.check_runs(
            [(raising_line, (0,)), (raising_line, (0,)),
             (raising_line, (1,)), (raising_line, (1,)),
             (raising_line, (0,))],
            [raising_line.__code__],
            [0, 0, ZeroDivisionError, ZeroDivisionError, 0])

    def test_handler_and_never_run_line(self):
        self.check_runs(
            [(with_handler, (5,)), (with_handler, (2,)),
             (with_handler, (0,)), (with_handler, (5,)),
             (with_handler, (0.05,)), (with_handler, (0,)),
             (with_handler, (-1,))],
            [with_handler.__code__], [2, 5, -1, 2, 100, -1, -10])

    def test_generator_resumed_across_never_run_lines(self):
        codes = [drive_gen_late.__code__, gen_late.__code__]
        self.check_runs(
            [(drive_gen_late, (2,)), (drive_gen_late, (3,)),
             (drive_gen_late, (5,)), (drive_gen_late, (6,))],
            codes,
            [[0, 1], [0, 1, 2], [0, 1, 2, -3, 3, 4],
             [0, 1, 2, -3, 3, 4, 5]])

    def test_generator_thrown_into(self):
        codes = [drive_gen_throw.__code__, gen_throw.__code__]
        self.check_runs(
            [(drive_gen_throw, (True,)), (drive_gen_throw, (True,)),
             (drive_gen_throw, (False,)), (drive_gen_throw, (True, 20)),
             (drive_gen_throw, (True,))],
            codes,
            [[1, 3, -3], [1, 3, -3], [1, 3, 'raised'], [1, 10, -10],
             [1, 3, -3]])

    def test_generator_closed_at_its_second_run(self):
        # the frame's second run (the first with code data, where a clone
        # is made) is a close(): its GeneratorExit is set meanwhile
        codes = [drive_gen_closed.__code__, gen_closed.__code__]
        self.check_runs(
            [(drive_gen_closed, (0,)), (drive_gen_closed, (0,)),
             (drive_gen_closed, (1,)), (drive_gen_closed, (0,))],
            codes, [[1], [1], [1, 2], [1]])

    def test_coroutine(self):
        codes = [drive_coro.__code__, coro_guarded.__code__,
                 coro_sleep.__code__]
        self.check_runs(
            [(drive_coro, (1,)), (drive_coro, (2,)), (drive_coro, (-1,)),
             (drive_coro, (3,))],
            codes, [3, 4, -1, 5])

    def test_nested_function(self):
        codes = nested_codes(with_closure.__code__)
        self.check_runs(
            [(with_closure, (2,)), (with_closure, (3,)),
             (with_closure, (-2,)), (with_closure, (4,))],
            codes, [7, 10, 7, 13])

    def test_long_function(self):
        total = sum(range(120))
        self.check_runs(
            [(long_guarded, (1,)), (long_guarded, (2,)),
             (long_guarded, (200,)), (long_guarded, (-1,)),
             (long_guarded, (3,))],
            [long_guarded.__code__],
            [total, 2 * total, 0, -1 - total, 3 * total])

    def test_restart_events(self):
        code = guarded.__code__
        first = [(guarded, (1,)), (guarded, (2,))]
        second = [(guarded, (3,)), (guarded, (200,))]
        expected = (first_arrivals(first, [code]) +
                    first_arrivals(second, [code]))
        rec = self.covering([code])
        for func, args in first:
            func(*args)
        monitoring.restart_events()
        for func, args in second:
            func(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), expected)

    def test_restart_events_in_a_running_frame(self):
        code = late_in_loop.__code__
        restarts = []

        def respond(r):
            if r.args[0] - code.co_firstlineno == 4 and not restarts:
                restarts.append(1)
                monitoring.restart_events()
            return DISABLE
        # warm up: every line but the one at i == 5 disabled
        runs = [(late_in_loop, (3,)), (late_in_loop, (3,))]
        warm = first_arrivals(runs, [code])
        # then in one run: line 4 runs at i == 5 and restarts the events;
        # every line after it is reported again (each location once more)
        after = oracle_lines(late_in_loop, (8,), [code])
        index = [(n, l) for n, l, _ in after].index(
            ('late_in_loop', code.co_firstlineno + 4))
        seen, again = set(), []
        for name, line, offset in after[index + 1:]:
            if offset not in seen:
                seen.add(offset)
                again.append((name, line))
        rec = self.recorder(0, E.LINE, in_codes(code), respond=respond)
        for func, args in runs:
            func(*args)
        self.assertEqual(late_in_loop(8), 128)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec),
                         warm + [('late_in_loop', code.co_firstlineno + 4)]
                         + again)

    def test_tool_that_does_not_disable(self):
        code = guarded.__code__
        runs = [(guarded, (1,)), (guarded, (2,)), (guarded, (200,)),
                (guarded, (3,)), (guarded, (300,))]
        covering = self.covering([code], tool=0)
        counting = self.covering([code], tool=1, disable=False)
        for func, args in runs:
            func(*args)
        self.stop()
        self.assertEqual(covering.frame_errors + counting.frame_errors, [])
        self.assertEqual(self.named(covering), first_arrivals(runs, [code]))
        self.assertEqual(self.named(counting), all_arrivals(runs, [code]))

    def test_callback_keeps_the_location_that_ran_late(self):
        # DISABLE everywhere but on the line that runs late: it is reported
        # every time it runs
        code = guarded.__code__
        late = code.co_firstlineno + 7
        runs = [(guarded, (1,)), (guarded, (2,)), (guarded, (200,)),
                (guarded, (3,)), (guarded, (300,)), (guarded, (400,))]
        seen, expected = set(), []
        for func, args in runs:
            for name, line, offset in oracle_lines(func, args, [code]):
                if line == late or offset not in seen:
                    seen.add(offset)
                    expected.append((name, line))
        rec = self.recorder(
            0, E.LINE, in_codes(code),
            respond=lambda r: None if r.args[0] == late else DISABLE)
        for func, args in runs:
            func(*args)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), expected)
        self.assertEqual(self.named(rec).count(('guarded', late)), 3)


class OtherToolsTest(ProbeTestCase):
    """Probes next to other tools and events: each tool gets the stream it
    gets without the coverage tool, and the coverage tool its own."""

    RUNS = [(guarded, (1,)), (guarded, (2,)), (with_handler, (5,)),
            (with_handler, (2,)), (guarded, (200,)), (with_handler, (0,)),
            (guarded, (-1,)), (with_handler, (0.05,)), (guarded, (3,)),
            (drive_gen_late, (2,)), (drive_gen_late, (2,)),
            (drive_gen_late, (5,))]
    CODES = [guarded.__code__, with_handler.__code__,
             drive_gen_late.__code__, gen_late.__code__]

    def other_tool(self, event_set, coverage, local=False):
        self.use_tool(1)
        rec = Recorder(1, event_set, in_codes(*self.CODES)).register()
        if local:
            for code in self.CODES:
                self.set_local_events(1, code, event_set)
        else:
            monitoring.set_events(1, event_set)
        cov = self.covering(self.CODES) if coverage else None
        try:
            results = [catching(func, *args) for func, args in self.RUNS]
        finally:
            self.stop()
            for code in self.CODES:
                monitoring.set_local_events(1, code, 0)
        self.assertEqual(rec.frame_errors, [])
        # (callables and other objects of one run by name)
        events = [tuple(a if isinstance(a, (int, float, str, type(None),
                                            tuple, list))
                        else getattr(a, '__qualname__', type(a).__name__)
                        for a in e)
                  for e in rec.events()]
        if cov is not None:
            self.assertEqual(cov.frame_errors, [])
            self.assertEqual(self.named(cov),
                             first_arrivals(self.RUNS, self.CODES))
            self._release_tool(0)
        self._release_tool(1)
        return events, results

    def check(self, event_set, local=False):
        alone = self.other_tool(event_set, False, local)
        self.assertEqual(self.other_tool(event_set, True, local), alone)
        self.assertTrue(alone[0])

    def test_frame_events(self):
        self.check(E.PY_START | E.PY_RESUME | E.PY_RETURN | E.PY_YIELD |
                   E.PY_UNWIND | E.PY_THROW)

    def test_exception_events(self):
        self.check(E.RAISE | E.EXCEPTION_HANDLED | E.RERAISE)

    def test_call_events(self):
        self.check(E.CALL | E.C_RETURN | E.C_RAISE)

    def test_branch_events(self):
        self.check(E.BRANCH | E.JUMP)

    def test_local_line_events_without_disable(self):
        self.check(E.LINE, local=True)

    def test_second_coverage_tool_starts_later(self):
        # a tool that starts covering after the first one's probes are in
        # place gets every location from then on
        codes = [guarded.__code__]
        before = [(guarded, (1,)), (guarded, (2,))]
        after = [(guarded, (3,)), (guarded, (200,)), (guarded, (-1,))]
        first = self.covering(codes)
        for func, args in before:
            func(*args)
        second = self.covering(codes, tool=1)
        for func, args in after:
            catching(func, *args)
        self.stop()
        self.assertEqual(first.frame_errors + second.frame_errors, [])
        self.assertEqual(self.named(first),
                         first_arrivals(before + after, codes))
        self.assertEqual(self.named(second), first_arrivals(after, codes))

    def test_local_coverage(self):
        code = guarded.__code__
        runs = [(guarded, (1,)), (guarded, (2,)), (guarded, (200,)),
                (guarded, (-1,))]
        rec = self.recorder(0, E.LINE, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        for func, args in runs:
            catching(func, *args)
        self.set_local_events(0, code, 0)
        self.assertEqual(guarded(300), -302)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), first_arrivals(runs, [code]))


class FrameTest(ProbeTestCase):
    """The monitored frame is the code's own, in callbacks and after."""

    def test_callback_sees_the_location(self):
        code = guarded.__code__
        seen = []

        def line(c, number):
            if c is code:
                frame = sys._getframe(1)
                seen.append((frame.f_code is code, number, frame.f_lineno,
                             frame.f_lasti >= 0 and
                             frame.f_lasti < len(code.co_code)))
            return DISABLE
        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, line)
        monitoring.set_events(0, E.LINE)
        guarded(1)
        guarded(2)
        del seen[:]
        guarded(200)
        self.stop()
        base = code.co_firstlineno
        self.assertEqual(seen, [(True, base + 7, base + 7, True)])

    def test_traceback_after_probes(self):
        code = guarded.__code__
        rec = self.covering([code])
        guarded(1)
        guarded(2)
        try:
            guarded(-1)
        except ValueError as e:
            tb = e.__traceback__
        self.stop()
        while tb.tb_next is not None:
            tb = tb.tb_next
        self.assertIs(tb.tb_frame.f_code, code)
        self.assertEqual(tb.tb_lineno, code.co_firstlineno + 3)
        self.assertLess(tb.tb_lasti, len(code.co_code))
        self.assertEqual(rec.frame_errors, [])

    def test_callback_raising_at_a_probe(self):
        code = guarded.__code__
        late = code.co_firstlineno + 7

        def respond(r):
            if r.args[0] == late:
                raise KeyError('from the callback')
            return DISABLE
        rec = self.recorder(0, E.LINE, in_codes(code), respond=respond)
        guarded(1)
        guarded(2)
        raised = []
        for x in (200, 300):
            try:
                guarded(x)
            except KeyError as e:
                raised.append(e.__traceback__)
        self.stop()
        # the location stays wanted (the callback did not return DISABLE)
        self.assertEqual(len(raised), 2)
        for tb in raised:
            while tb is not None and tb.tb_frame.f_code is not code:
                tb = tb.tb_next
            self.assertIsNotNone(tb)
            self.assertEqual(tb.tb_lineno, late)
            # (then the callback's own frames)
            self.assertIsNot(tb.tb_next.tb_frame.f_code, code)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual([l for n, l in self.named(rec)].count(late), 2)

    def test_callback_raising_outside_the_try_block(self):
        code = with_handler.__code__
        late = code.co_firstlineno + 6

        def respond(r):
            if r.args[0] == late:
                raise ZeroDivisionError
            return DISABLE
        self.recorder(0, E.LINE, in_codes(code), respond=respond)
        with_handler(5)
        with_handler(2)
        # the callback's exception is raised at the location, after the
        # try block
        with self.assertRaises(ZeroDivisionError):
            with_handler(0.05)
        self.assertEqual(with_handler(0), -1)
        self.stop()


class ThreadTest(ProbeTestCase):

    def test_later_thread(self):
        code = guarded.__code__
        runs = [(guarded, (1,)), (guarded, (2,))]
        later = [(guarded, (200,)), (guarded, (300,)), (guarded, (-1,))]
        expected = first_arrivals(runs + later, [code])
        rec = self.covering([code])
        for func, args in runs:
            func(*args)

        def rest():
            return [catching(func, *args) for func, args in later]
        self.assertEqual(run_in_thread(rest), [-202, -302, ValueError])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), expected)

    def test_threads_at_once(self):
        code = late_in_loop.__code__
        every = set(first_arrivals([(late_in_loop, (8,))], [code]))
        rec = self.covering([code])
        late_in_loop(3)
        late_in_loop(3)
        barrier = threading.Barrier(4)
        errors, results = [], []

        def work():
            try:
                barrier.wait()
                for n in (3, 4, 8, 9, 2) * 20:
                    results.append(late_in_loop(n))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(old)
        self.stop()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(set(results)), [1, 3, 6, 128, 136])
        self.assertEqual(rec.frame_errors, [])
        got = self.named(rec)
        self.assertEqual(set(got), every)
        # the late line once per thread at most
        line = ('late_in_loop', code.co_firstlineno + 4)
        self.assertIn(got.count(line), range(1, 5))


class LegacyTracerTest(ProbeTestCase):

    def legacy_trace(self, func, *args):
        code = func.__code__
        traced = []

        def tracer(frame, event, arg):
            if frame.f_code is code:
                traced.append((event, frame.f_lineno - code.co_firstlineno))
                return tracer
            return None
        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            func(*args)
        finally:
            sys.settrace(old)
        return traced

    @staticmethod
    def fresh(func):
        # (a code object of its own: a tracer's run brings a code's LINE
        # DISABLEs back once per code object, LineToolsTableTest)
        return types.FunctionType(func.__code__.replace(), func.__globals__,
                                  func.__name__, func.__defaults__,
                                  func.__closure__)

    def test_settrace_next_to_probes(self):
        guarded = self.fresh(globals()['guarded'])
        code = guarded.__code__
        reference = self.legacy_trace(guarded, 200)
        rec = self.covering([code])
        guarded(1)
        guarded(2)
        self.assertEqual(self.legacy_trace(guarded, 200), reference)
        guarded(300)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # (the tracer's run brings the DISABLEd locations back once, as
        # 3.12/3.13 do: test_disable_lifetime.LineToolsTableTest)
        self.assertEqual(self.named(rec), first_arrivals(
            [(guarded, (1,)), (guarded, (2,))], [code]) + first_arrivals(
            [(guarded, (200,)), (guarded, (300,))], [code]))

    def test_settrace_after_probes(self):
        late_in_loop = self.fresh(globals()['late_in_loop'])
        code = late_in_loop.__code__
        reference = self.legacy_trace(late_in_loop, 8)
        rec = self.covering([code])
        late_in_loop(3)
        late_in_loop(3)
        self.assertEqual(self.legacy_trace(late_in_loop, 8), reference)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec),
                         first_arrivals([(late_in_loop, (3,))], [code]) +
                         first_arrivals([(late_in_loop, (8,))], [code]))


@unittest.skipUnless(PROBES, "the backport's line probes (3.8-3.11)")
class ProbeStateTest(ProbeTestCase):
    """The backport's own bookkeeping: the frames really run untraced."""

    def setUp(self):
        super(ProbeStateTest, self).setUp()
        calibrate_trace_slot()

    def test_runs_untraced(self):
        code = state_probe.__code__
        self.covering([code])
        state_probe(1)
        second = state_probe(2)
        state = pep669._monitoring._probe_state(code)
        third = state_probe(-3)
        fourth = state_probe(4)
        self.stop()
        # on probes: untraced, also when the probe fires
        self.assertEqual((second, third, fourth), (None, None, None))
        self.assertTrue(state['clone'])
        self.assertFalse(state['retired'])
        self.assertEqual(state['patched'], 1)
        self.assertEqual(len(state['wanted']), 1)
        self.assertEqual(pep669._monitoring._probe_state(code)['patched'],
                         0)

    def test_traced_when_every_location_is_wanted_by_another_tool(self):
        code = state_probe.__code__
        self.covering([code])
        self.covering([code], tool=1, disable=False)
        state_probe(1)
        self.assertIsNotNone(state_probe(2))
        self.stop()

    def test_retired_by_a_callback_that_keeps_its_location(self):
        code = state_probe.__code__
        late = code.co_firstlineno + 3
        self.recorder(0, E.LINE, in_codes(code),
                      respond=lambda r: None if r.args[0] == late
                      else DISABLE)
        state_probe(1)
        self.assertIsNone(state_probe(2))
        # the probe fires, the location stays wanted: the clone is retired
        # and the frame goes on traced
        self.assertIsNotNone(state_probe(-3))
        state = pep669._monitoring._probe_state(code)
        self.assertTrue(state['retired'])
        self.assertEqual(state['patched'], 0)
        # new frames run the code itself, traced
        self.assertIsNotNone(state_probe(4))
        self.stop()

    def test_new_clone_after_restart(self):
        code = state_probe.__code__
        self.covering([code])
        state_probe(1)
        self.assertIsNone(state_probe(2))
        before = pep669._monitoring._probe_state(code)
        monitoring.restart_events()
        # every location wanted again: a new clone
        self.assertIsNone(state_probe(3))
        after = pep669._monitoring._probe_state(code)
        self.stop()
        self.assertEqual(before['patched'], 1)
        self.assertEqual(after['sites'], 4)
        self.assertEqual(after['patched'], 1)

    def test_no_clone_under_a_legacy_tracer(self):
        code = guarded.__code__
        self.covering([code])
        guarded(1)
        seen = []

        def tracer(frame, event, arg):
            if event == 'call' and frame.f_code.co_name == 'guarded':
                seen.append(frame.f_code is code)
            return None
        sys.settrace(tracer)
        try:
            guarded(2)
        finally:
            sys.settrace(None)
        self.stop()
        self.assertEqual(seen, [True])



@unittest.skipUnless(PROBES, "the backport's line probes (3.8-3.11)")
class QuietRunTest(ProbeTestCase):
    """The backport's own bookkeeping: a run of code on line probes whose
    clone serves already starts on the hook's quiet path (its record and
    window set up directly, the window closed at its first trace event),
    with the streams of code traced all along, and nothing of it shows."""

    @staticmethod
    def quiet_runs(func):
        state = pep669._monitoring._probe_state(func.__code__)
        return state['quiet_runs']

    def session(self, runs, codes, watch):
        """The runs under the coverage pattern, checked as check_runs does;
        their results, and how many quiet runs ``watch``'s clone had
        after each run but the first, less before it (the first run may
        find an earlier test's clone, and not be on probes: 3.11).  LINE is
        set locally: a caller that wants LINE runs traced, and the
        trampoline on the thread keeps its callees off the quiet path."""
        rec = self.covering(codes, local_codes=codes)
        got, quiet = [], []
        for func, args in runs:
            got.append(catching(func, *args))
            quiet.append(self.quiet_runs(watch))
        # (read before the oracle's sys.settrace: its run, under the
        # tool's local LINE, brings the DISABLEs back and retires the
        # clones, as natively: LineToolsTableTest)
        self.quiet_by_code = {
            code: pep669._monitoring._probe_state(code)['quiet_runs']
            for code in codes}
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.named(rec), first_arrivals(runs, codes))
        return got, [b - a for a, b in zip(quiet, quiet[1:])]

    def test_runs_start_quietly(self):
        got, quiet = self.session([(guarded, (i,)) for i in range(6)],
                                  [guarded.__code__], guarded)
        self.assertEqual(got, [2, 3, 4, 5, 6, 7])
        # once the clone is made (at the first or second run), every later
        # run starts on it quietly
        self.assertEqual(quiet[1:], [1, 1, 1, 1])

    def test_the_frame_shows_nothing(self):
        code = quiet_view.__code__
        got, quiet = self.session([(quiet_view, (i,)) for i in (1, 2, 3)],
                                  [code], quiet_view)
        self.assertEqual(quiet[1:], [1])
        for seen in got:
            self.assertIs(seen[0], code)
            self.assertEqual(seen[1:], (None, True, False, None,
                                        code.co_firstlineno + 2))

    def test_probe_fires_in_a_quiet_run(self):
        got, quiet = self.session(
            [(quiet_view, (1,)), (quiet_view, (2,)), (quiet_view, (3,)),
             (quiet_view, (-4,)), (quiet_view, (5,))],
            [quiet_view.__code__], quiet_view)
        self.assertIs(got[3], ValueError)
        # the fourth run starts quietly too and reports its line on its
        # probe
        self.assertEqual(quiet[1:3], [1, 1])

    def test_traceback_through_a_quiet_run(self):
        code = quiet_div.__code__
        tbs = []

        def failing():
            try:
                quiet_div(1, 0)
            except ZeroDivisionError as exc:
                tb = exc.__traceback__
                while tb.tb_next is not None:
                    tb = tb.tb_next
                tbs.append((tb.tb_frame.f_code, tb.tb_lineno))
            return 0
        got, quiet = self.session(
            [(quiet_div, (4, 2)), (quiet_div, (6, 2)), (failing, ()),
             (quiet_div, (9, 3))], [code], quiet_div)
        self.assertEqual(got, [2, 3, 0, 3])
        self.assertEqual(quiet[1:], [1, 1])
        # (the expected stream's oracle runs `failing` again afterwards)
        self.assertEqual(tbs[0], (code, code.co_firstlineno + 1))

    def test_nested_quiet_runs(self):
        codes = [quiet_caller.__code__, quiet_view.__code__]
        got, quiet = self.session([(quiet_caller, (i,)) for i in (1, 2, 3)],
                                  codes, quiet_caller)
        self.assertEqual(quiet[1:], [1])
        self.assertGreaterEqual(self.quiet_by_code[quiet_view.__code__], 1)
        self.assertIs(got[2][0], quiet_view.__code__)
        self.assertEqual(got[2][1:5], (None, True, False, None))

    def test_not_quiet_under_a_legacy_tracer(self):
        code = guarded.__code__
        calls = []

        def tracer(frame, event, arg):
            if event == 'call' and frame.f_code is code:
                calls.append(frame.f_lineno)
            return None

        def traced():
            sys.settrace(tracer)
            try:
                return guarded(3)
            finally:
                sys.settrace(None)
        got, quiet = self.session(
            [(guarded, (1,)), (guarded, (2,)), (traced, ()), (guarded, (4,))],
            [code], guarded)
        self.assertEqual(got, [3, 4, 5, 6])
        # (the expected stream's oracle runs `traced` again afterwards)
        self.assertEqual(calls[0], code.co_firstlineno)
        self.assertEqual(quiet[1:], [0, 1])

    def test_quiet_in_a_thread(self):
        code = guarded.__code__

        def in_thread():
            return run_in_thread(lambda: [guarded(i) for i in range(3)])
        got, quiet = self.session(
            [(guarded, (1,)), (guarded, (2,)), (in_thread, ())],
            [code], guarded)
        self.assertEqual(got[2], [2, 3, 4])
        self.assertEqual(quiet[1:], [3])

if __name__ == "__main__":
    unittest.main()
