"""RAISE from code that can give no other exception event ("plain" code:
no exception handler, no bare ``raise``, no ``for`` loop, no generator).

On 3.8-3.11 a run of such code, where a tool wants only exception events
for it and the thread's trampoline is already LIGHT (a caller watches for
exceptions), goes through the eval-frame hook's fast path with no record:
the interpreter still reports its exceptions to the trampoline, which
gives the RAISE (``PEP669_IDLE_EXC``, docs/architecture.md).  These tests
pin the streams of such runs (they must be native 3.12/3.13's, and pass
there) and, on the engine, that the mechanism is the one described: the
second and later runs of plain code have no record (``_frame_mechanism``
is None), code with a handler keeps one.
"""

import dis
import sys
import unittest

import pep669
from tests.support import (MonitoringTestCase, X, events, in_files,
                           monitoring, normalize, run_in_thread)

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE
RUNS = 4


def mechanism(frame):
    return pep669._monitoring._frame_mechanism(frame) if ENGINE else None


# -- the code ---------------------------------------------------------------

def plain_raise(i, marks):
    marks.append(mechanism(sys._getframe()))
    raise KeyError(i)


def plain_outer(i, marks):
    # (no handler: the exception passes through)
    return plain_raise(i, marks) + 1


def catcher(n, marks, outer_marks):
    caught = 0
    i = 0
    while i < n:
        outer_marks.append(mechanism(sys._getframe()))
        try:
            plain_outer(i, marks)
        except KeyError:
            caught += 1
        i += 1
    return caught


class Prop(object):
    @property
    def missing(self):
        raise AttributeError('missing')


def probe_attr(obj):
    # plain: hasattr() swallows the property's exception in C
    return hasattr(obj, 'missing')


def swallowed(n):
    found = []
    i = 0
    while i < n:
        found.append(probe_attr(Prop()))
        try:
            plain_raise(i, [])
        except KeyError:
            pass
        i += 1
    return found


def plain_raise_type(i):
    raise ValueError(i)


def catch_callback_error(n):
    caught = []
    i = 0
    while i < n:
        try:
            plain_raise_type(i)
        except Exception as e:
            caught.append(type(e).__name__)
        i += 1
    return caught


def raise_offset(func):
    for ins in dis.get_instructions(func):
        if ins.opname == 'RAISE_VARARGS':
            return ins.offset
    raise AssertionError('no raise in %s' % func.__name__)


def stream(rec):
    return [(r.event, r.code.co_name, normalize(r.args[-1]))
            for r in rec.records]


class PlainRaiseTest(MonitoringTestCase):
    maxDiff = None

    def record(self, event_set=EXC, respond=None):
        return self.recorder(0, event_set, HERE, respond=respond)

    def expected_catcher(self):
        out = []
        for i in range(RUNS):
            k = X(KeyError, i)
            out += [('RAISE', 'plain_raise', k), ('RAISE', 'plain_outer', k),
                    ('RAISE', 'catcher', k),
                    ('EXCEPTION_HANDLED', 'catcher', k)]
        return out

    def check_catcher(self, rec, marks, outer_marks):
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(stream(rec), self.expected_catcher())
        offset = raise_offset(plain_raise)
        line = plain_raise.__code__.co_firstlineno + 2
        raises = [r for r in rec.records if r.code is plain_raise.__code__]
        self.assertEqual([r.args[0] for r in raises], [offset] * RUNS)
        self.assertEqual([r.lineno for r in raises], [line] * RUNS)
        self.check_marks(marks, outer_marks)

    def check_marks(self, marks, outer_marks=None):
        if ENGINE:
            # The first run of plain code finds it plain (with a record);
            # the later ones run with none.  The catcher has a handler: a
            # record from its first exception on (before it, where the
            # thread's trampoline was LIGHT at its start, an exception
            # bare run: test_exception_bare).
            self.assertEqual(marks[0], 'hook')
            self.assertEqual(marks[2:], [None] * (RUNS - 2))
            if outer_marks is not None:
                self.assertIn(outer_marks[0], ('bare', 'hook'))
                self.assertEqual(outer_marks[1:], ['hook'] * (RUNS - 1))

    def test_global_events(self):
        for code in (plain_raise, plain_outer):
            code.__code__ = code.__code__.replace()
        marks, outer_marks = [], []
        rec = self.record()
        # (on a thread of its own: its first frame comes through the hook)
        self.assertEqual(run_in_thread(catcher, RUNS, marks, outer_marks),
                         RUNS)
        self.stop()
        self.check_catcher(rec, marks, outer_marks)

    def test_raise_only(self):
        plain_raise.__code__ = plain_raise.__code__.replace()
        marks = []
        rec = self.record(E.RAISE)
        self.assertEqual(run_in_thread(catcher, RUNS, marks, []), RUNS)
        self.stop()
        self.assertEqual(stream(rec), [
            ev for ev in self.expected_catcher()
            if ev[0] == 'RAISE'])
        self.check_marks(marks)

    def test_exception_swallowed_in_c(self):
        rec = self.record()
        self.assertEqual(swallowed(RUNS), [False] * RUNS)
        self.stop()
        expected = []
        for i in range(RUNS):
            k = X(KeyError, i)
            expected += [
                ('RAISE', 'missing', X(AttributeError, 'missing')),
                ('RAISE', 'plain_raise', k), ('RAISE', 'swallowed', k),
                ('EXCEPTION_HANDLED', 'swallowed', k)]
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(stream(rec), expected)

    def test_callback_raises(self):
        # The RAISE callback's exception replaces the one raised, in
        # every run (with a record or without).
        def respond(r):
            if r.event == 'RAISE' and r.code is plain_raise_type.__code__:
                raise TypeError('from callback')
        rec = self.record(respond=respond)
        self.assertEqual(catch_callback_error(RUNS), ['TypeError'] * RUNS)
        self.stop()
        expected = []
        for i in range(RUNS):
            t = X(TypeError, 'from callback')
            expected += [('RAISE', 'plain_raise_type', X(ValueError, i)),
                         ('RAISE', 'catch_callback_error', t),
                         ('EXCEPTION_HANDLED', 'catch_callback_error', t)]
        self.assertEqual(stream(rec), expected)

    def test_events_off_between_runs(self):
        plain_raise.__code__ = plain_raise.__code__.replace()
        rec = self.record()
        self.assertEqual(catcher(2, [], []), 2)
        monitoring.set_events(0, 0)
        self.assertEqual(catcher(2, [], []), 2)
        monitoring.set_events(0, E.RAISE)
        self.assertEqual(catcher(2, [], []), 2)
        self.stop()
        self.assertEqual(stream(rec), self.expected_catcher()[:8] + [
            ('RAISE', 'plain_raise', X(KeyError, 0)),
            ('RAISE', 'plain_outer', X(KeyError, 0)),
            ('RAISE', 'catcher', X(KeyError, 0)),
            ('RAISE', 'plain_raise', X(KeyError, 1)),
            ('RAISE', 'plain_outer', X(KeyError, 1)),
            ('RAISE', 'catcher', X(KeyError, 1))])


if __name__ == '__main__':
    unittest.main()
