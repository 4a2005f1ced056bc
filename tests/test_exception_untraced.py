"""Handlers that run untraced from their entry ("flat" code).

A frame that wants only exception events is traced from an exception to
its handler's entry (EXCEPTION_HANDLED).  Where every re-raising
instruction of its code is outside every block of the frame (3.8-3.10: no
nested ``try``, no ``with``, no 3.10 ``RERAISE 1``; 3.11: every re-raise
leaves the frame through cleanup handlers only, which stay traced:
``pep669_backend_code_exc_flat``, docs/architecture.md), a re-raise can
only leave the frame, so the handler runs untraced from its entry and the
frame's end gives the RERAISE (``frame_end_reraise``), on 3.11 with
the EXCEPTION_HANDLED and RERAISE of each cleanup handler it went through
(``pep669_backend_reraise_chain``).  These tests pin the streams of such
runs (they are native 3.12/3.13's, and pass there: 3.11+ enter a cleanup
handler between a ``finally`` body's re-raise and the frame's end, with
its own EXCEPTION_HANDLED and RERAISE), the frame and the handled
exception the callbacks see, and, on 3.8-3.11, that the handlers did run
untraced (``_probe_state``'s ``untraced_handlers``), and that code that is
not flat keeps the traced handler.
"""

import sys
import unittest

import pep669
from tests.support import (MonitoringTestCase, X, events, in_files,
                           monitoring, normalize)

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE
#: 3.8-3.10: no cleanup handlers (3.11+ have them: a re-raise goes
#: through them, with their events, before it leaves the frame)
FLAT = sys.version_info < (3, 11)
RUNS = 3


class Boom(Exception):
    pass


def untraced(func):
    if not ENGINE:
        return None
    return pep669._monitoring._probe_state(func.__code__)[
        'untraced_handlers']


# -- the code ---------------------------------------------------------------

def thrower(i):
    raise Boom(i)


def finally_reraise(i, state):
    try:
        return thrower(i)
    finally:
        state.append(sys.exc_info()[1] is not None)


def except_no_match(i):
    try:
        thrower(i)
    except KeyError:
        return 'no'


def except_then_lines(i):
    try:
        thrower(i)
    except Boom:
        i += 1
    return i


def except_bare_raise(i, state):
    try:
        thrower(i)
    except Boom:
        state.append(i)
        raise


def handler_calls(i, state):
    # The handler calls code that raises and catches its own exception:
    # those events are the callee's; then the handler re-raises.
    try:
        thrower(i)
    except Boom:
        state.append(caught_inside(i))
        raise


def caught_inside(i):
    try:
        thrower(-i)
    except Boom:
        return i


def except_as(i, state):
    # `except ... as name`: the body runs inside the name's cleanup
    # handler (3.10: whose RERAISE 1 puts the raising instruction back).
    try:
        thrower(i)
    except KeyError as e:
        state.append(e)
    except Boom as e:
        state.append(e.args[0])
        raise


def except_as_raises(i):
    # An exception in the body of `except ... as name` goes through the
    # name's cleanup handler (traced) and leaves the frame.
    try:
        thrower(i)
    except Boom as e:
        thrower(-1 - e.args[0])


def handler_raises_new(i):
    # A new exception in the handler: RAISE, traced again (no handler of
    # the frame takes it).
    try:
        thrower(i)
    except Boom:
        raise KeyError(i)


def loop_catches(n, state):
    caught = 0
    for i in range(n):
        try:
            finally_reraise(i, state)
        except Boom:
            caught += 1
    return caught


def nested_try(i, state):
    # Not flat: the inner finally's re-raise goes to the outer handler.
    try:
        try:
            thrower(i)
        finally:
            state.append(i)
    except Boom:
        return i


def with_cleanup(i, state):
    # Not flat: a `with` (its exit re-raises).
    with Ctx(state):
        thrower(i)


class Ctx(object):
    def __init__(self, state):
        self.state = state

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.state.append(exc[0] is not None)
        return False


def caught_then_raises(n, state):
    # The handler goes on (no re-raise); later a new exception in the same
    # frame, caught by the same handler, and finally one that is not.
    for i in range(n):
        try:
            thrower(i)
        except Boom:
            state.append(i)
    try:
        thrower(n)
    except KeyError:
        pass


def bare_raise_after(i, state):
    # A bare `raise` in the handler's body after a call that catches its
    # own exception (the callee's handler is entered and left meanwhile).
    try:
        thrower(i)
    except Boom:
        state.append(caught_inside(i + 1))
        if i >= 0:
            raise


def stream(rec):
    # (the test methods' own RAISE and EXCEPTION_HANDLED left out)
    return [(r.event, r.code.co_name, normalize(r.args[-1]))
            for r in rec.records if not r.code.co_name.startswith('test_')]


def line_stream(rec, func):
    # (the line of LINE events, relative to the def)
    first = func.__code__.co_firstlineno
    return [(r.event, r.args[0] - first if r.event == 'LINE' else None)
            for r in rec.records if r.code is func.__code__]


def lines(rec, func):
    first = func.__code__.co_firstlineno
    return [(r.event, None if r.lineno is None else r.lineno - first)
            for r in rec.records if r.code is func.__code__]


class UntracedHandlerTest(MonitoringTestCase):
    maxDiff = None

    def record(self, event_set=EXC, respond=None):
        return self.recorder(0, event_set, HERE, respond=respond)

    def fresh(self, *funcs):
        for f in funcs:
            f.__code__ = f.__code__.replace()

    def test_finally_reraise(self):
        self.fresh(finally_reraise)
        seen = []

        def respond(r):
            if r.event == 'RERAISE':
                # Inside the handler, the handled exception is the one
                # re-raised (3.8-3.10); 3.11+ re-raise from the cleanup
                # handler, after its POP_EXCEPT.
                seen.append(sys.exc_info()[1] is r.args[-1])
        rec = self.record(respond=respond)
        state = []
        for i in range(RUNS):
            with self.assertRaises(Boom):
                finally_reraise(i, state)
        self.stop()
        self.assertEqual(state, [True] * RUNS)
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b),
                         ('RERAISE', 'finally_reraise', b)]
            if not FLAT:
                expected[-1:-1] = [
                    ('RERAISE', 'finally_reraise', b),
                    ('EXCEPTION_HANDLED', 'finally_reraise', b)]
        self.assertEqual(stream(rec), expected)
        # The RERAISE at the finally body's last line, f_lineno too.
        reraise_lines = [ln for ev, ln in lines(rec, finally_reraise)
                         if ev == 'RERAISE']
        self.assertEqual(reraise_lines[0], 4)
        # (3.11+: the cleanup's re-raise comes after its POP_EXCEPT)
        self.assertEqual(seen, [True] * RUNS if FLAT
                         else [True, False] * RUNS)
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), RUNS)

    def test_except_no_match(self):
        self.fresh(except_no_match)
        rec = self.record()
        for i in range(RUNS):
            with self.assertRaises(Boom):
                except_no_match(i)
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'except_no_match', b),
                         ('EXCEPTION_HANDLED', 'except_no_match', b),
                         ('RERAISE', 'except_no_match', b)]
            if not FLAT:
                expected += [('EXCEPTION_HANDLED', 'except_no_match', b),
                             ('RERAISE', 'except_no_match', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(except_no_match), RUNS)

    def test_bare_raise_in_handler(self):
        self.fresh(except_bare_raise)
        rec = self.record()
        state = []
        for i in range(RUNS):
            with self.assertRaises(Boom):
                except_bare_raise(i, state)
        self.stop()
        self.assertEqual(state, list(range(RUNS)))
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'except_bare_raise', b),
                         ('EXCEPTION_HANDLED', 'except_bare_raise', b),
                         ('RERAISE', 'except_bare_raise', b)]
            if not FLAT:
                # (3.11+: through the except body's cleanup handler)
                expected[-1:] = [
                    ('RERAISE', 'except_bare_raise', b),
                    ('EXCEPTION_HANDLED', 'except_bare_raise', b),
                    ('RERAISE', 'except_bare_raise', b)]
        self.assertEqual(stream(rec), expected)
        self.assertEqual(
            [ln for ev, ln in lines(rec, except_bare_raise)
             if ev == 'RERAISE'][0], 5)
        if ENGINE:
            self.assertEqual(untraced(except_bare_raise), RUNS)

    def test_handler_calls_and_reraises(self):
        self.fresh(handler_calls, caught_inside)
        rec = self.record()
        state = []
        for i in range(1, RUNS + 1):
            with self.assertRaises(Boom):
                handler_calls(i, state)
        self.stop()
        self.assertEqual(state, list(range(1, RUNS + 1)))
        expected = []
        for i in range(1, RUNS + 1):
            b, inner = X(Boom, i), X(Boom, -i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'handler_calls', b),
                         ('EXCEPTION_HANDLED', 'handler_calls', b),
                         ('RAISE', 'thrower', inner),
                         ('RAISE', 'caught_inside', inner),
                         ('EXCEPTION_HANDLED', 'caught_inside', inner),
                         ('RERAISE', 'handler_calls', b)]
            if not FLAT:
                expected[-1:] = [
                    ('RERAISE', 'handler_calls', b),
                    ('EXCEPTION_HANDLED', 'handler_calls', b),
                    ('RERAISE', 'handler_calls', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(handler_calls), RUNS)
            self.assertEqual(untraced(caught_inside), RUNS)

    def test_except_as(self):
        self.fresh(except_as)
        rec = self.record()
        state = []
        for i in range(RUNS):
            with self.assertRaises(Boom):
                except_as(i, state)
        self.stop()
        self.assertEqual(state, list(range(RUNS)))
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'except_as', b),
                         ('EXCEPTION_HANDLED', 'except_as', b),
                         ('RERAISE', 'except_as', b)]
            # (the bare raise goes through the name's cleanup handler)
            expected += [('EXCEPTION_HANDLED', 'except_as', b),
                         ('RERAISE', 'except_as', b)]
            if not FLAT:
                # (3.11+: and the except's own cleanup handler)
                expected += [('EXCEPTION_HANDLED', 'except_as', b),
                             ('RERAISE', 'except_as', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            # (3.8-3.10: the bare raise is inside the name's cleanup block:
            # not flat; 3.11: it leaves through the name's cleanup handler
            # and the except's)
            self.assertEqual(untraced(except_as), 0 if FLAT else RUNS)

    def test_except_as_raises(self):
        self.fresh(except_as_raises)
        rec = self.record()
        for i in range(RUNS):
            with self.assertRaises(Boom):
                except_as_raises(i)
        self.stop()
        expected = []
        for i in range(RUNS):
            b, c = X(Boom, i), X(Boom, -1 - i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'except_as_raises', b),
                         ('EXCEPTION_HANDLED', 'except_as_raises', b),
                         ('RAISE', 'thrower', c),
                         ('RAISE', 'except_as_raises', c),
                         ('EXCEPTION_HANDLED', 'except_as_raises', c),
                         ('RERAISE', 'except_as_raises', c)]
            if not FLAT:
                expected += [('EXCEPTION_HANDLED', 'except_as_raises', c),
                             ('RERAISE', 'except_as_raises', c)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            # The except's handler ran untraced; the name's cleanup
            # handler, after the new exception, runs traced (3.10: its
            # RERAISE 1; 3.11: a cleanup handler; 3.8/3.9 untraced too).
            self.assertEqual(untraced(except_as_raises),
                             RUNS if sys.version_info >= (3, 10)
                             else 2 * RUNS)

    def test_new_exception_in_handler(self):
        self.fresh(handler_raises_new)
        rec = self.record()
        for i in range(RUNS):
            with self.assertRaises(KeyError):
                handler_raises_new(i)
        self.stop()
        expected = []
        for i in range(RUNS):
            b, k = X(Boom, i), X(KeyError, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'handler_raises_new', b),
                         ('EXCEPTION_HANDLED', 'handler_raises_new', b),
                         ('RAISE', 'handler_raises_new', k)]
            if not FLAT:
                expected += [
                    ('EXCEPTION_HANDLED', 'handler_raises_new', k),
                    ('RERAISE', 'handler_raises_new', k)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(handler_raises_new), RUNS)

    def test_loop(self):
        # The benchmark's shape: a loop catches what a finally re-raises.
        self.fresh(loop_catches, finally_reraise)
        rec = self.record()
        state = []
        self.assertEqual(loop_catches(RUNS, state), RUNS)
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b),
                         ('RERAISE', 'finally_reraise', b),
                         ('RAISE', 'loop_catches', b),
                         ('EXCEPTION_HANDLED', 'loop_catches', b)]
            if not FLAT:
                expected[-3:-3] = [
                    ('RERAISE', 'finally_reraise', b),
                    ('EXCEPTION_HANDLED', 'finally_reraise', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(loop_catches), RUNS)
            self.assertEqual(untraced(finally_reraise), RUNS)

    def test_callback_raises_at_reraise(self):
        # The RERAISE callback's exception replaces the one re-raised.
        self.fresh(finally_reraise)

        def respond(r):
            if r.event == 'RERAISE':
                raise TypeError('from callback')
        rec = self.record(respond=respond)
        for i in range(RUNS):
            with self.assertRaises(TypeError):
                finally_reraise(i, [])
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b),
                         ('RERAISE', 'finally_reraise', b)]
            if not FLAT:
                t = X(TypeError, 'from callback')
                expected += [('EXCEPTION_HANDLED', 'finally_reraise', t),
                             ('RERAISE', 'finally_reraise', t)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), RUNS)

    def test_not_flat_stays_traced(self):
        self.fresh(nested_try, with_cleanup)
        rec = self.record()
        state = []
        for i in range(RUNS):
            self.assertEqual(nested_try(i, state), i)
            with self.assertRaises(Boom):
                with_cleanup(i, state)
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'nested_try', b),
                         ('EXCEPTION_HANDLED', 'nested_try', b),
                         ('RERAISE', 'nested_try', b),
                         ('EXCEPTION_HANDLED', 'nested_try', b)]
            if not FLAT:
                # (3.11+: the inner finally's cleanup handler)
                expected += [('RERAISE', 'nested_try', b),
                             ('EXCEPTION_HANDLED', 'nested_try', b)]
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'with_cleanup', b),
                         ('EXCEPTION_HANDLED', 'with_cleanup', b),
                         ('RERAISE', 'with_cleanup', b)]
            if not FLAT:
                expected[-1:] = [
                    ('RERAISE', 'with_cleanup', b),
                    ('EXCEPTION_HANDLED', 'with_cleanup', b),
                    ('RERAISE', 'with_cleanup', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(nested_try), 0)
            self.assertEqual(untraced(with_cleanup), 0)

    def test_handled_callback_sets_line(self):
        # An EXCEPTION_HANDLED callback switches LINE on: the handler runs
        # traced (the events as the callback left them), with the LINE of
        # its first line (the interpreter reported none there: LINE was
        # off), and its re-raise comes.
        self.fresh(finally_reraise)

        def respond(r):
            if (r.event == 'EXCEPTION_HANDLED' and
                    r.code is finally_reraise.__code__):
                monitoring.set_events(0, EXC | E.LINE)
        rec = self.record(EXC | E.LINE, respond=respond)
        monitoring.set_events(0, EXC)
        with self.assertRaises(Boom):
            finally_reraise(0, [])
        self.stop()
        expected = [('RAISE', None), ('EXCEPTION_HANDLED', None),
                    ('LINE', 4), ('RERAISE', None)]
        if not FLAT:
            expected += [('EXCEPTION_HANDLED', None), ('RERAISE', None)]
        self.assertEqual(line_stream(rec, finally_reraise), expected)
        if ENGINE:
            # (LINE is wanted once the callbacks have run)
            self.assertEqual(untraced(finally_reraise), 0)

    def test_handled_callback_sets_local_line(self):
        # The same with set_local_events, for a handler that goes on: the
        # LINE of `except`, then those of the lines after.
        self.fresh(except_then_lines)
        code = except_then_lines.__code__

        def respond(r):
            if r.event == 'EXCEPTION_HANDLED' and r.code is code:
                self.set_local_events(0, code, E.LINE)
        rec = self.record(EXC | E.LINE, respond=respond)
        monitoring.set_events(0, EXC)
        self.assertEqual(except_then_lines(1), 2)
        self.stop()
        self.assertEqual(line_stream(rec, except_then_lines),
                         [('RAISE', None), ('EXCEPTION_HANDLED', None),
                          ('LINE', 3), ('LINE', 4), ('LINE', 5)])

    def test_line_events_keep_tracing(self):
        # With LINE wanted too, the handler runs traced as before.
        self.fresh(finally_reraise)
        rec = self.record(EXC | E.LINE)
        with self.assertRaises(Boom):
            finally_reraise(0, [])
        self.stop()
        self.assertIn(('RERAISE', 'finally_reraise', X(Boom, 0)),
                      stream(rec))
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), 0)


    def test_frame_and_handled_seen(self):
        # What the callbacks see of the frame (f_lasti, f_lineno) and the
        # handled exception: the handler's EXCEPTION_HANDLED at the
        # raising instruction; the re-raise at the re-raising one, and so
        # each cleanup handler's events (their RERAISE 1 puts it back); the
        # exception handled inside the handler until the cleanup's
        # POP_EXCEPT.
        for func in (finally_reraise, except_bare_raise, except_as):
            self.fresh(func)
        seen = []

        def respond(r):
            if r.code.co_name.startswith('test_'):
                return
            seen.append((r.event, r.code.co_name, r.args[0],
                         r.frame.f_lasti, r.lineno,
                         sys.exc_info()[1] is r.args[-1]))
        self.record(respond=respond)
        for func in (finally_reraise, except_bare_raise, except_as):
            for i in range(RUNS):
                with self.assertRaises(Boom):
                    func(i, [])
        self.stop()
        # RAISE, EXCEPTION_HANDLED, re-raise, then each cleanup's two
        # events (3.11+; except_as: the name's cleanup too, also 3.8-3.10).
        chains = {'finally_reraise': 0 if FLAT else 1,
                  'except_bare_raise': 0 if FLAT else 1,
                  'except_as': 1 if FLAT else 2}
        pos = 0
        for func in (finally_reraise, except_bare_raise, except_as):
            name = func.__name__
            for i in range(RUNS):
                n = 2 + 1 + 2 * chains[name]
                run = [s for s in seen[pos:] if s[1] == name][:n]
                pos = seen.index(run[-1]) + 1
                # (the frame at the RAISE: 3.13 may show the instruction
                # after a call)
                raise_at, raise_line = run[0][3], run[0][4]
                reraise_at, reraise_line = run[2][2], run[2][4]
                expected = [('RAISE', name, run[0][2], raise_at, raise_line,
                             False),
                            ('EXCEPTION_HANDLED', name, run[1][2], raise_at,
                             raise_line, False),
                            ('RERAISE', name, reraise_at, reraise_at,
                             reraise_line, True)]
                for k in range(chains[name]):
                    last = k == chains[name] - 1 and not (
                        FLAT and name == 'except_as')
                    expected += [
                        ('EXCEPTION_HANDLED', name, run[3 + 2 * k][2],
                         reraise_at, reraise_line, True),
                        ('RERAISE', name, run[4 + 2 * k][2],
                         # (3.8/3.9's END_FINALLY puts nothing back)
                         reraise_at if sys.version_info >= (3, 10)
                         else run[4 + 2 * k][2], reraise_line, not last)]
                self.assertEqual(run, expected)
                self.assertEqual(
                    [ev for ev, *rest in run],
                    [ev for ev, *rest in expected])
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), RUNS)
            self.assertEqual(untraced(except_bare_raise), RUNS)

    def test_quickened_code(self):
        # 3.11's specializer has rewritten the code (superinstructions
        # such as STORE_FAST__LOAD_FAST) before the first exception event:
        # the same events, the handlers untraced.
        self.fresh(except_as, except_no_match)
        for i in range(200):
            try:
                except_as(i, [])
            except Boom:
                pass
            try:
                except_no_match(i)
            except Boom:
                pass
        rec = self.record()
        for i in range(RUNS):
            with self.assertRaises(Boom):
                except_as(i, [])
            with self.assertRaises(Boom):
                except_no_match(i)
        self.stop()
        names = [(ev, name) for ev, name, exc in stream(rec)]
        per_run = (
            [('RAISE', 'thrower'), ('RAISE', 'except_as'),
             ('EXCEPTION_HANDLED', 'except_as'), ('RERAISE', 'except_as'),
             ('EXCEPTION_HANDLED', 'except_as'), ('RERAISE', 'except_as')] +
            ([] if FLAT else [('EXCEPTION_HANDLED', 'except_as'),
                              ('RERAISE', 'except_as')]) +
            [('RAISE', 'thrower'), ('RAISE', 'except_no_match'),
             ('EXCEPTION_HANDLED', 'except_no_match'),
             ('RERAISE', 'except_no_match')] +
            ([] if FLAT else [('EXCEPTION_HANDLED', 'except_no_match'),
                              ('RERAISE', 'except_no_match')]))
        self.assertEqual(names, per_run * RUNS)
        if ENGINE:
            self.assertEqual(untraced(except_as), 0 if FLAT else RUNS)
            self.assertEqual(untraced(except_no_match), RUNS)

    def test_handled_only(self):
        # EXCEPTION_HANDLED without RERAISE: the cleanup handlers' own
        # (3.11+) still come.
        self.fresh(finally_reraise)
        rec = self.record(E.RAISE | E.EXCEPTION_HANDLED)
        for i in range(RUNS):
            with self.assertRaises(Boom):
                finally_reraise(i, [])
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b)]
            if not FLAT:
                expected += [('EXCEPTION_HANDLED', 'finally_reraise', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), RUNS)

    def test_callback_raises_in_cleanup(self):
        # A callback of the cleanup handler's EXCEPTION_HANDLED (3.11+)
        # raises: its exception replaces the one re-raised, the cleanup's
        # re-raise reports it.
        self.fresh(finally_reraise)
        last = [None]

        def respond(r):
            if r.code is not finally_reraise.__code__:
                return
            before, last[0] = last[0], r.event
            if r.event == 'EXCEPTION_HANDLED' and before == 'RERAISE':
                raise TypeError('from callback')
        rec = self.record(respond=respond)
        for i in range(RUNS):
            with self.assertRaises(Boom if FLAT else TypeError):
                finally_reraise(i, [])
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b),
                         ('RERAISE', 'finally_reraise', b)]
            if not FLAT:
                # (3.12+ unwind the callback's exception from the
                # instruction before the cleanup handler: into it again)
                t = X(TypeError, 'from callback')
                expected += [('EXCEPTION_HANDLED', 'finally_reraise', b),
                             ('EXCEPTION_HANDLED', 'finally_reraise', t),
                             ('RERAISE', 'finally_reraise', t)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(finally_reraise), RUNS)

    def test_handler_goes_on_then_raises(self):
        self.fresh(caught_then_raises)
        rec = self.record()
        state = []
        with self.assertRaises(Boom):
            caught_then_raises(RUNS, state)
        self.stop()
        self.assertEqual(state, list(range(RUNS)))
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'caught_then_raises', b),
                         ('EXCEPTION_HANDLED', 'caught_then_raises', b)]
        b = X(Boom, RUNS)
        expected += [('RAISE', 'thrower', b),
                     ('RAISE', 'caught_then_raises', b),
                     ('EXCEPTION_HANDLED', 'caught_then_raises', b),
                     ('RERAISE', 'caught_then_raises', b)]
        if not FLAT:
            expected += [('EXCEPTION_HANDLED', 'caught_then_raises', b),
                         ('RERAISE', 'caught_then_raises', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(caught_then_raises), RUNS + 1)

    def test_bare_raise_after_inner_handler(self):
        self.fresh(bare_raise_after, caught_inside)
        rec = self.record()
        state = []
        for i in range(RUNS):
            with self.assertRaises(Boom):
                bare_raise_after(i, state)
        self.assertEqual(bare_raise_after(-5, state), None)
        self.stop()
        expected = []
        for i in list(range(RUNS)) + [-5]:
            b, inner = X(Boom, i), X(Boom, -i - 1)
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'bare_raise_after', b),
                         ('EXCEPTION_HANDLED', 'bare_raise_after', b),
                         ('RAISE', 'thrower', inner),
                         ('RAISE', 'caught_inside', inner),
                         ('EXCEPTION_HANDLED', 'caught_inside', inner)]
            if i >= 0:
                expected += [('RERAISE', 'bare_raise_after', b)]
                if not FLAT:
                    expected += [
                        ('EXCEPTION_HANDLED', 'bare_raise_after', b),
                        ('RERAISE', 'bare_raise_after', b)]
        self.assertEqual(stream(rec), expected)
        if ENGINE:
            self.assertEqual(untraced(bare_raise_after), RUNS + 1)

if __name__ == '__main__':
    unittest.main()
