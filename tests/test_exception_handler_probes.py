"""Handler probes (3.11): a handler's entry given in the evaluator.

Flat code whose frames want exception events only (test_exception_untraced
describes "flat"), once one of its exceptions has looked for a handler,
runs a copy in which an exception reaches each handler that starts with
PUSH_EXC_INFO (an ``except`` or ``finally`` body) through a stub whose
probe fires EXCEPTION_HANDLED, outside any trace call: no trace call at
the handler's entry, and the evaluator's tracing dispatch, which the
RAISE's trace call turned on, is off again for the handler's body
(``_backend_state()['tracing_dispatch']``, read by a C call in that body).
The streams are native 3.12/3.13's and pass there; the mechanism checks
(``_probe_state``'s ``handlers``, ``handler_runs``) run on the engine.
What the frame shows (f_code, f_lasti, f_lineno, tracebacks, f_trace,
sys.gettrace()) inside and after the handler is the code's own.
"""

import sys
import unittest

import pep669
from tests.support import (MonitoringTestCase, X, events, in_files,
                           normalize)

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE
PROBES = ENGINE and sys.version_info[:2] == (3, 11)
RUNS = 4


class Boom(Exception):
    pass


def state(func):
    return pep669._monitoring._probe_state(func.__code__)


def _no_state():
    return {'tracing_dispatch': None}


#: (a C call, made by the frame itself: whether its evaluator takes the
#: tracing dispatch; a Python helper would be a call through the hook, which
#: switches it off for the caller)
STATE = pep669._monitoring._backend_state if ENGINE else _no_state


# -- the code ---------------------------------------------------------------

def thrower(i):
    raise Boom(i)


def except_body(i, seen):
    try:
        thrower(i)
    except Boom:
        seen.append(STATE()['tracing_dispatch'])
        i += 1
    seen.append(STATE()['tracing_dispatch'])
    return i


def finally_body(i, seen):
    try:
        return thrower(i)
    finally:
        seen.append(STATE()['tracing_dispatch'])


def except_frame(i, seen):
    try:
        thrower(i)
    except Boom as e:
        f, tb = sys._getframe(), e.__traceback__
        first = except_frame.__code__.co_firstlineno
        seen.append((f.f_code is except_frame.__code__,
                     f.f_lasti < len(f.f_code.co_code),
                     f.f_lineno - first, f.f_trace, sys.gettrace(),
                     tb.tb_frame is f, tb.tb_lineno - first,
                     tb.tb_lasti < len(f.f_code.co_code)))
    f = sys._getframe()
    seen.append((f.f_lineno - except_frame.__code__.co_firstlineno,
                 f.f_lasti < len(f.f_code.co_code)))
    return i


def not_flat(i, seen):
    try:
        thrower(i)
    except Boom:
        try:
            seen.append(STATE()['tracing_dispatch'])
        finally:
            i += 1
    return i


def stream(rec):
    return [(r.event, r.code.co_name, normalize(r.args[-1]))
            for r in rec.records if not r.code.co_name.startswith('test_')]


class HandlerProbeTest(MonitoringTestCase):
    maxDiff = None

    def record(self, event_set=EXC, respond=None):
        return self.recorder(0, event_set, HERE, respond=respond)

    def fresh(self, *funcs):
        for f in funcs:
            f.__code__ = f.__code__.replace()

    def test_except_body_untraced(self):
        self.fresh(except_body)
        rec = self.record()
        seen = []
        for i in range(RUNS):
            self.assertEqual(except_body(i, seen), i + 1)
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'except_body', b),
                         ('EXCEPTION_HANDLED', 'except_body', b)]
        self.assertEqual(stream(rec), expected)
        if PROBES:
            # The first run looks for the handler traced; the next ones
            # run the copy: the handler's body and what follows it run
            # without the tracing dispatch.
            self.assertEqual(seen, [True, True] + [False, False] *
                             (RUNS - 1))
            st = state(except_body)
            self.assertTrue(st['handlers'])
            self.assertEqual(st['handler_runs'], RUNS - 1)
            self.assertEqual(st['handler_traced'], 0)
            self.assertEqual(st['untraced_handlers'], RUNS)

    def test_finally_body_untraced(self):
        self.fresh(finally_body)
        rec = self.record()
        seen = []
        for i in range(RUNS):
            with self.assertRaises(Boom):
                finally_body(i, seen)
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_body', b),
                         ('EXCEPTION_HANDLED', 'finally_body', b),
                         # (3.11+: the cleanup handler's two)
                         ('RERAISE', 'finally_body', b),
                         ('EXCEPTION_HANDLED', 'finally_body', b),
                         ('RERAISE', 'finally_body', b)]
        if sys.version_info < (3, 11):
            expected = [e for k, e in enumerate(expected) if k % 6 < 4]
        self.assertEqual(stream(rec), expected)
        if PROBES:
            self.assertEqual(seen, [True] + [False] * (RUNS - 1))
            self.assertEqual(state(finally_body)['handler_runs'], RUNS - 1)

    def test_frame_inside_and_after(self):
        self.fresh(except_frame)
        shown = []

        def respond(r):
            if r.code is except_frame.__code__:
                f = r.frame
                shown.append((r.event, f.f_code is except_frame.__code__,
                              f.f_lineno - except_frame.__code__.co_firstlineno,
                              f.f_lasti < len(f.f_code.co_code)))
        rec = self.record(respond=respond)
        seen = []
        for i in range(RUNS):
            except_frame(i, seen)
        self.stop()
        self.assertEqual(seen, [(True, True, 8, None, None, True, 2, True),
                                (12, True)] * RUNS)
        # RAISE and EXCEPTION_HANDLED: the frame at the raising line.
        self.assertEqual(shown, [('RAISE', True, 2, True),
                                 ('EXCEPTION_HANDLED', True, 2, True)]
                         * RUNS)
        self.assertEqual(len(stream(rec)), 3 * RUNS)
        if PROBES:
            self.assertEqual(state(except_frame)['handler_runs'], RUNS - 1)

    def test_settrace_beside(self):
        # A sys.settrace tracer beside the tool: the handler stays traced
        # (its events are the tracer's too), the tool's stream the same.
        self.fresh(except_body)
        rec = self.record()
        seen, traced = [], []

        def tracer(frame, event, arg):
            if frame.f_code is except_body.__code__:
                traced.append((event, frame.f_lineno -
                               except_body.__code__.co_firstlineno))
            return tracer
        for i in range(2):
            except_body(i, seen)
        sys.settrace(tracer)
        try:
            except_body(2, seen)
        finally:
            sys.settrace(None)
        for i in range(3, RUNS):
            except_body(i, seen)
        self.stop()
        self.assertEqual(len(stream(rec)), 3 * RUNS)
        self.assertIn(('line', 4), traced)
        self.assertIn(('line', 5), traced)
        self.assertIn(('line', 6), traced)
        self.assertEqual(traced[-1][0], 'return')
        if PROBES:
            # (the traced run took no probe)
            self.assertEqual(state(except_body)['handler_runs'], RUNS - 2)

    def test_handled_callback_enables_line(self):
        # An EXCEPTION_HANDLED callback switches LINE on: the handler's
        # body gives its lines (the probe leaves the frame traced).
        self.fresh(except_body)
        rec = self.record(EXC | E.LINE)
        pep669.monitoring.set_events(0, EXC)
        lines = []

        def handled(code, offset, exc):
            if code is except_body.__code__ and len(lines) == 0:
                lines.append('on')
                pep669.monitoring.set_events(0, EXC | E.LINE)
        seen = []
        for i in range(2):
            except_body(i, seen)
        pep669.monitoring.register_callback(0, E.EXCEPTION_HANDLED, handled)
        except_body(2, seen)
        self.stop()
        body = [r.args[0] - except_body.__code__.co_firstlineno
                for r in rec.records
                if r.event == 'LINE' and r.code is except_body.__code__]
        # (3.12+: the handler's first LINE is the ``except`` line)
        self.assertEqual(body, [3, 4, 5, 6, 7])

    def test_not_flat_no_probe(self):
        self.fresh(not_flat)
        rec = self.record()
        seen = []
        for i in range(RUNS):
            self.assertEqual(not_flat(i, seen), i + 1)
        self.stop()
        self.assertEqual(len(stream(rec)), 3 * RUNS)
        if PROBES:
            self.assertFalse(state(not_flat)['handlers'])
            self.assertEqual(state(not_flat)['handler_runs'], 0)


def catch_loop(n, seen):
    """The benchmark's pattern: a loop that catches, a callee through a
    ``finally``, a thrower with no handler."""
    caught = 0
    for i in range(n):
        try:
            finally_body(i, seen)
        except Boom:
            caught += 1
    return caught


def backend(eager=-1):
    return pep669._monitoring._backend_state(eager)


class LazyFiltersTest(MonitoringTestCase):
    """(3.11, exc14) A frame running its handler copy keeps the program's
    f_trace_lines/f_trace_opcodes where an exception's handler has a probe
    or the frame unwinds: the stubs have no location, so the tracing
    dispatch between the exception's trace call and the probe reports no
    'line'; no callback then has the filters shown and put back.  Counted
    by ``_backend_state()['flags_puts']`` (frame objects' filters
    written); ``_backend_state(1)`` restores the old eager filters."""
    maxDiff = None

    def setUp(self):
        super().setUp()
        if PROBES:
            self.addCleanup(backend, 0)

    def run_loop(self, eager, event_set=EXC, respond=None):
        """The stream, and the filters written per iteration of the loop
        (a run of 2 * RUNS iterations against one of RUNS: what a run's
        start and end and its caller write cancels out)."""
        self.fresh(catch_loop, finally_body, thrower)
        if PROBES:
            backend(eager)
        rec = self.recorder(0, event_set, HERE, respond=respond)
        seen = []
        for _ in range(3):
            catch_loop(2, seen)     # (the copies made, the code's data)
        puts = []
        for n in (RUNS, 2 * RUNS):
            before = backend()['flags_puts'] if PROBES else 0
            self.assertEqual(catch_loop(n, seen), n)
            puts.append((backend()['flags_puts'] - before) if PROBES else 0)
        self.stop()
        return stream(rec), (puts[1] - puts[0]) / RUNS, seen

    def fresh(self, *funcs):
        for f in funcs:
            f.__code__ = f.__code__.replace()

    def expected(self, runs):
        out = []
        for i in runs:
            b = X(Boom, i)
            out += [('RAISE', 'thrower', b),
                    ('RAISE', 'finally_body', b),
                    ('EXCEPTION_HANDLED', 'finally_body', b),
                    ('RERAISE', 'finally_body', b),
                    ('EXCEPTION_HANDLED', 'finally_body', b),
                    ('RERAISE', 'finally_body', b),
                    ('RAISE', 'catch_loop', b),
                    ('EXCEPTION_HANDLED', 'catch_loop', b)]
            if sys.version_info < (3, 11):
                out[-4:-2] = []
        return out

    def test_no_filters_written(self):
        events, puts, seen = self.run_loop(0)
        self.assertEqual(events, self.expected(
            [0, 1] * 3 + list(range(RUNS)) + list(range(2 * RUNS))))
        if PROBES:
            self.assertEqual(seen, [True] + [False] * (5 + 3 * RUNS))
            self.assertEqual(puts, 0)

    def test_eager_filters_same_stream(self):
        # (the switch: the filters set at each exception, as before)
        events, puts, _ = self.run_loop(1)
        self.assertEqual(events, self.expected(
            [0, 1] * 3 + list(range(RUNS)) + list(range(2 * RUNS))))
        if PROBES:
            self.assertGreater(puts, 0)

    def test_frame_shows_program_filters(self):
        # Callbacks and the code itself read the program's filters, which
        # the program may have changed in its own frame.
        shown = []

        def respond(r):
            if r.code in (catch_loop.__code__, finally_body.__code__):
                shown.append((r.event, r.frame.f_trace_lines,
                              r.frame.f_trace_opcodes))
        events, _, _ = self.run_loop(0, respond=respond)
        self.assertEqual(len(events), len(self.expected(range(3 * RUNS + 6))))
        self.assertEqual(set(x[1:] for x in shown), {(True, False)})

    # (3.8-3.10 missed the handler's own lines, [6, 7], until session 16:
    # the exception's trace event went on with the events from before the
    # RAISE callbacks; legacy_exceptions.c, on_exception, and
    # legacy_events.c, trace_event, follow them now)
    def test_raise_callback_enables_line(self):
        # A RAISE callback switches LINE on in a frame whose filters were
        # left the program's: the handler's body gives its lines.
        self.fresh(except_body, thrower)
        rec = self.recorder(0, EXC | E.LINE, HERE)
        pep669.monitoring.set_events(0, EXC)
        seen = []
        for i in range(2):
            except_body(i, seen)

        def raised(code, offset, exc):
            if code is except_body.__code__:
                pep669.monitoring.set_events(0, EXC | E.LINE)
        pep669.monitoring.register_callback(0, E.RAISE, raised)
        except_body(2, seen)
        self.stop()
        body = [r.args[0] - except_body.__code__.co_firstlineno
                for r in rec.records
                if r.event == 'LINE' and r.code is except_body.__code__]
        self.assertEqual(body, [3, 4, 5, 6, 7])

    def test_settrace_in_handler(self):
        # sys.settrace from inside a handler entered through a probe: the
        # tracer sees the rest of the frame's lines as natively.
        self.fresh(settrace_body, thrower)
        rec = self.recorder(0, EXC, HERE)
        traced = []

        def tracer(frame, event, arg):
            if frame.f_code is settrace_body.__code__:
                traced.append((event, frame.f_lineno -
                               settrace_body.__code__.co_firstlineno))
            return tracer
        for i in range(2):
            settrace_body(i, None)
        try:
            settrace_body(2, tracer)
        finally:
            sys.settrace(None)
        self.stop()
        self.assertEqual(len(stream(rec)), 3 * 3)
        self.assertEqual(traced, [('line', 7), ('line', 8), ('line', 9),
                                  ('return', 9)])


def settrace_body(i, tracer):
    try:
        thrower(i)
    except Boom:
        if tracer is not None:
            sys.settrace(tracer)
            sys._getframe().f_trace = tracer
        i += 1
    i += 2
    return i


if __name__ == '__main__':
    unittest.main()
