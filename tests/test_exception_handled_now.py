"""A handler's entry given from the exception's own trace call (3.8-3.10).

Where a frame that wants only exception events runs flat code (its
handler can run untraced from its entry: test_exception_untraced) and the
handler its exception enters is the frame's innermost block (no
handler's block to unwind first), session 17 (exc17) gives the handler's
EXCEPTION_HANDLED from the trace call that reports the exception
(``legacy_exceptions.c``, ``handled_now``), before the interpreter
unwinds: no tracing switched on for the handler's first instruction, no
trace call there.  Natively nothing happens in the frame between the two
events.  These tests pin, on every version (they are native 3.12/3.13's
and pass there), the streams, what the callbacks see (the frame at the
raising instruction, the handled exception from before the handler, the
exception's traceback), a callback's exception (raised from the
handler's start: it leaves the handler, without ``__context__``) and
events switched on by a callback; and on 3.8-3.10 that the entries were
given so (``_backend_state``'s ``handled_now``).
"""

import sys
import unittest

import pep669
from tests.support import MonitoringTestCase, Recorder, X, events, in_files

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE
#: 3.8-3.10: entries given from the exception's trace call
NOW = ENGINE and sys.version_info < (3, 11)
#: 3.11+: a bare ``raise`` / a ``finally``'s re-raise goes through the
#: handler's cleanup handler, with its own EXCEPTION_HANDLED and RERAISE
CLEANUPS = sys.version_info >= (3, 11)
RUNS = 4


class Boom(Exception):
    pass


def handled_now():
    if not NOW:
        return 0
    return pep669._monitoring._backend_state()['handled_now']


# -- the code ---------------------------------------------------------------

def thrower(i):
    raise Boom(i)


def catch(i):
    try:
        thrower(i)
    except Boom:
        i += 1
    return i


def finally_reraise(i, state):
    try:
        return thrower(i)
    finally:
        state.append(i)


def catch_other(i):
    try:
        thrower(i)
    except Boom:
        return 'caught'


class HandledNowTest(MonitoringTestCase):
    maxDiff = None

    def setUp(self):
        super().setUp()
        for f in (catch, finally_reraise, catch_other):
            f.__code__ = f.__code__.replace()

    def stream(self, rec):
        return [(r.event, r.code.co_name) + tuple(
                    X(type(a), *a.args) if isinstance(a, BaseException)
                    else a for a in r.args[1:])
                for r in rec.records
                if not r.code.co_name.startswith('test_')]

    def test_entries_from_the_exception(self):
        rec = self.recorder(0, EXC, HERE)
        given = 0
        for i in range(RUNS):
            before = handled_now()
            self.assertEqual(catch(i), i + 1)
            given += handled_now() - before
            with self.assertRaises(Boom):
                finally_reraise(i, [])
        self.stop()
        expected = []
        for i in range(RUNS):
            b = X(Boom, i)
            cleanup = ([('EXCEPTION_HANDLED', 'finally_reraise', b),
                        ('RERAISE', 'finally_reraise', b)]
                       if CLEANUPS else [])
            expected += [('RAISE', 'thrower', b),
                         ('RAISE', 'catch', b),
                         ('EXCEPTION_HANDLED', 'catch', b),
                         ('RAISE', 'thrower', b),
                         ('RAISE', 'finally_reraise', b),
                         ('EXCEPTION_HANDLED', 'finally_reraise', b),
                         ('RERAISE', 'finally_reraise', b)] + cleanup
        self.assertEqual(self.stream(rec), expected)
        if NOW:
            # (fails without handled_now: 0, every entry given by a trace
            # call at the handler's first instruction)
            self.assertEqual(given, RUNS)

    def test_what_the_callbacks_see(self):
        # The frame at the raising instruction (the call in the try body),
        # the handled exception the one from before the handler (here the
        # caller's), the exception's traceback through the raising frame.
        seen = []

        def respond(r):
            if r.event != 'EXCEPTION_HANDLED' or r.code is not catch.__code__:
                return
            exc = r.args[-1]
            tb = exc.__traceback__
            frames = []
            while tb is not None:
                frames.append(tb.tb_frame.f_code.co_name)
                tb = tb.tb_next
            seen.append((r.lineno, r.frame.f_lasti, sys.exc_info()[1],
                         frames))
        self.recorder(0, EXC, HERE, respond=respond)
        outer = KeyError('outer')
        for i in range(RUNS):
            try:
                raise outer
            except KeyError:
                self.assertEqual(catch(i), i + 1)
        self.stop()
        line = catch.__code__.co_firstlineno + 2
        self.assertEqual(len(seen), RUNS)
        for lineno, lasti, handled, frames in seen:
            self.assertEqual(lineno, line)
            self.assertIs(handled, outer)
            self.assertEqual(frames[-2:], ['catch', 'thrower'])
        self.assertEqual(len({s[1] for s in seen}), 1)

    def test_callback_raises(self):
        # A callback's exception leaves the frame, without __context__
        # (3.8-3.10: raised at the handler's first instruction, deferred
        # from the exception's trace call); the next runs are as before.
        calls = []

        def respond(r):
            if r.event == 'EXCEPTION_HANDLED':
                calls.append(r.code.co_name)
                if len(calls) == 2:
                    raise RuntimeError('from EXCEPTION_HANDLED')
        rec = self.recorder(0, EXC, HERE, respond=respond)
        before = handled_now()
        self.assertEqual(catch_other(0), 'caught')
        with self.assertRaises(RuntimeError) as cm:
            catch_other(1)
        self.assertIsNone(cm.exception.__context__)
        self.assertEqual(sys.exc_info(), (None, None, None))
        for i in range(2, RUNS):
            self.assertEqual(catch_other(i), 'caught')
        given = handled_now() - before
        self.stop()
        got = [s for s in self.stream(rec) if s[1] == 'catch_other']
        # (3.12/3.13 too: the callback's exception gives no event of the
        # frame's; it unwinds from before the handler)
        expected = [
            e for i in range(RUNS)
            for e in (('RAISE', 'catch_other', X(Boom, i)),
                      ('EXCEPTION_HANDLED', 'catch_other', X(Boom, i)))]
        if ENGINE and CLEANUPS:
            # (3.11: raised at the handler's start, it leaves through the
            # handler's cleanup handler: test_exception_events,
            # test_handled_callback_raises_once)
            rt = X(RuntimeError, 'from EXCEPTION_HANDLED')
            expected[4:4] = [('EXCEPTION_HANDLED', 'catch_other', rt),
                             ('RERAISE', 'catch_other', rt)]
        self.assertEqual(got, expected)
        if NOW:
            self.assertEqual(given, RUNS)

    def test_callback_switches_lines_on(self):
        # EXCEPTION_HANDLED's callback sets LINE on the code: the handler's
        # lines come (the frame is traced again from there).
        def respond(r):
            if r.event == 'EXCEPTION_HANDLED' and r.code is catch.__code__:
                self.set_local_events(1, catch.__code__, E.LINE)
        rec = self.recorder(0, EXC, HERE, respond=respond)
        self.use_tool(1, "lines")
        lrec = Recorder(1, E.LINE, HERE).register()
        self.assertEqual(catch(5), 6)
        self.stop()
        self.set_local_events(1, catch.__code__, 0)
        first = catch.__code__.co_firstlineno
        self.assertEqual([(r.event, r.args[0] - first) for r in lrec.records
                          if r.code is catch.__code__],
                         [('LINE', 3), ('LINE', 4), ('LINE', 5)])
        self.assertEqual(self.stream(rec), [
            ('RAISE', 'thrower', X(Boom, 5)),
            ('RAISE', 'catch', X(Boom, 5)),
            ('EXCEPTION_HANDLED', 'catch', X(Boom, 5))])


if __name__ == '__main__':
    unittest.main()
