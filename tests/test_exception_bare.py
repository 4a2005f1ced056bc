"""Frames of code with a handler, under exception events, with nothing
raised: no record until one is needed (session 15, "exception bare run").

Code that wants only exception events (RAISE, RERAISE, EXCEPTION_HANDLED)
and has a handler (so it is not "plain": test_exception_untraced), run
where the thread's trampoline is LIGHT already and no clone serves it,
gets a bare block instead of a record (trampoline.h,
``pep669_trace_push_exc_bare``); its record is made, as the quiet path
would have made it at the start, at the frame's first trace event (its
exception's) or a callee's end that is not quiet.  These tests pin the
streams of runs that raise, that do not, that raise after runs that did
not, of callees that raise through such a frame and of a `for` loop over a
generator in one (all native 3.12/3.13's: they pass there), and, on
3.8-3.11, that such a run has no record until its exception
(``_frame_mechanism``: "bare" before, "hook" in its handler).
"""

import os
import subprocess
import sys
import unittest

import pep669
from tests.support import (MonitoringTestCase, X, events, in_files,
                           monitoring, normalize)

E = events
HERE = in_files(__file__)
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
ENGINE = not pep669.NATIVE
#: 3.8-3.10: no cleanup handlers
FLAT = sys.version_info < (3, 11)
HANDLER_CLONES = ENGINE and not FLAT
#: the release hook starts such runs itself once the quiet path has
#: stamped the code (frames_exc.c; the -Og debug build has no fast path)
STAMPED = ("bare, stamped"
           if ENGINE and pep669._monitoring._backend_state()["fast_hook"]
           else "bare")
#: Set in the child process of test_stamped_runs_in_a_fresh_process.  In a
#: process where some audit hook was installed (tests/test_api.py's stays
#: for the rest of the suite), 3.8-3.11's PySys_Audit, which
#: `sys._getframe()` calls, switches the thread's tracing on after the
#: hook (use_tracing from c_tracefunc, the LIGHT trampoline): the frames
#: get trace events, the caller's record is made and engaged, and the next
#: run takes the quiet path ("bare") instead of the stamped one.  The
#: mechanism of such runs is then checked up to that difference, and
#: exactly in a fresh child process.
FRESH = os.environ.get("PEP669_EXC_BARE_FRESH") == "1"


class Boom(Exception):
    pass


def mechanism(frame):
    if not ENGINE:
        return None
    return pep669._monitoring._frame_mechanism(frame)


# -- the code ---------------------------------------------------------------

def check(i, fail):
    if fail:
        raise Boom(i)
    return i


def guarded(i, fail, seen):
    # A handler: not plain.  The frame's mechanism before the call and in
    # the handler (a C call: no frame of the hook's in between).
    try:
        seen.append(mechanism(sys._getframe()))
        return check(i, fail)
    except Boom:
        seen.append(mechanism(sys._getframe()))
        raise


def loop(n, failing, seen):
    caught = 0
    for i in range(n):
        try:
            guarded(i, i in failing, seen)
        except Boom:
            caught += 1
    return caught


def gen(n):
    for i in range(n):
        yield i
    return 'done'


def consumer(n, seen):
    # A `for` loop over a generator in a frame with a handler (a bare run:
    # the generator's end, as STOP_ITERATION's consumer, finds it).
    total = 0
    try:
        seen.append(mechanism(sys._getframe()))
        for v in gen(n):
            total += v
    except Boom:
        return -1
    return total


def stream(rec):
    # (the test methods' own RAISE and EXCEPTION_HANDLED left out)
    return [(r.event, r.code.co_name, normalize(r.args[-1]))
            for r in rec.records if not r.code.co_name.startswith('test_')]


class ExceptionBareTest(MonitoringTestCase):
    maxDiff = None

    def raised(self, i):
        b = X(Boom, i)
        # (3.11+: the bare `raise` goes through the handler's cleanup
        # handler, with its own EXCEPTION_HANDLED and RERAISE)
        cleanup = [] if FLAT else [('EXCEPTION_HANDLED', 'guarded', b),
                                   ('RERAISE', 'guarded', b)]
        return ([('RAISE', 'check', b),
                 ('RAISE', 'guarded', b),
                 ('EXCEPTION_HANDLED', 'guarded', b),
                 ('RERAISE', 'guarded', b)] + cleanup +
                [('RAISE', 'loop', b),
                 ('EXCEPTION_HANDLED', 'loop', b)])

    def setUp(self):
        super().setUp()
        # (fresh code objects: no code data, no exception seen yet)
        for f in (guarded, loop, consumer):
            f.__code__ = f.__code__.replace()

    def assertSeen(self, seen, expected):
        if not FRESH:
            seen = ['bare' if m == STAMPED else m for m in seen]
            expected = ['bare' if m == STAMPED else m for m in expected]
        self.assertEqual(seen, expected)

    def after_first(self, seen):
        # 3.11: once an exception looked for a handler, the code's runs
        # take its handler clone, with a record from the start
        # (test_exception_handler_probes).
        if HANDLER_CLONES and 'hook' in seen:
            i = seen.index('hook')
            return seen[:i] + ['hook'] * (len(seen) - i)
        return seen

    def run_loop(self, n, failing):
        rec = self.recorder(0, EXC, HERE)
        seen = []
        for _ in range(3):
            # (the code's data and its first runs' facts)
            self.assertEqual(loop(2, (), []), 0)
        caught = loop(n, failing, seen)
        self.stop()
        return stream(rec), caught, seen

    def test_nothing_raised(self):
        got, caught, seen = self.run_loop(6, ())
        self.assertEqual(got, [])
        self.assertEqual(caught, 0)
        if ENGINE:
            # (fails with the bare run off: "hook", a record per run)
            self.assertSeen(seen, [STAMPED] * 6)

    def test_raised_between_quiet_runs(self):
        got, caught, seen = self.run_loop(6, (1, 4))
        self.assertEqual(got, self.raised(1) + self.raised(4))
        self.assertEqual(caught, 2)
        if ENGINE:
            # Each run starts bare; a run that raised has its record,
            # made at its exception, in the handler.  The run after it
            # starts on the quiet path ("bare": the caller, which caught
            # the exception, is let go of first: frame_begin,
            # pep669_trace_release_caller), the next ones from the
            # hook's own fast path, by the code's stamp.
            self.assertSeen(seen, self.after_first(
                [STAMPED, STAMPED, 'hook', 'bare', STAMPED, STAMPED,
                 'hook', 'bare']))

    def test_every_run_raises(self):
        got, caught, seen = self.run_loop(4, (0, 1, 2, 3))
        expected = []
        for i in range(4):
            expected += self.raised(i)
        self.assertEqual(got, expected)
        self.assertEqual(caught, 4)
        if ENGINE:
            self.assertSeen(seen, self.after_first(
                [STAMPED, 'hook'] + ['bare', 'hook'] * 3))

    def test_callback_changes_events(self):
        # A RAISE callback that switches the events off: the bare run it
        # raised through sees the version change at its end; nothing more
        # is delivered.
        self.recorder(0, EXC, HERE)
        for _ in range(3):
            loop(2, (), [])
        calls = []

        def off(code, offset, exc):
            calls.append(code.co_name)
            monitoring.set_events(0, 0)

        monitoring.register_callback(0, E.RAISE, off)
        seen = []
        self.assertEqual(loop(4, (1,), seen), 1)
        self.stop()
        self.assertEqual(calls, ['check'])
        if ENGINE:
            self.assertSeen(seen[:2], [STAMPED, STAMPED])

    def test_generator_in_bare_frame(self):
        rec = self.recorder(0, EXC | E.STOP_ITERATION, HERE)
        seen = []
        for _ in range(3):
            consumer(3, [])
        self.assertEqual(consumer(4, seen), 6)
        self.stop()
        got = [g for g in stream(rec) if g[1] != 'gen']
        # (the generator's end: STOP_ITERATION natively where the loop is
        # specialised, RAISE nowhere: the same on every version here)
        self.assertNotIn('RAISE', [g[0] for g in got])
        self.assertEqual(len(seen), 1)

    # -- the stamp (session 16: the hook starts such runs itself) -----------

    def test_stamp_follows_event_changes(self):
        # A change of the event sets voids the stamp: the next run is the
        # quiet path's, the ones after it the hook's again; the streams
        # are the events set at each point.
        rec = self.recorder(0, EXC, HERE)
        for _ in range(3):
            loop(2, (), [])
        seen = []
        self.assertEqual(loop(2, (1,), seen), 1)
        monitoring.set_events(0, E.RAISE)
        self.assertEqual(loop(3, (0,), seen), 1)
        monitoring.set_events(0, EXC)
        self.assertEqual(loop(3, (2,), seen), 1)
        self.stop()
        b0, b1, b2 = X(Boom, 0), X(Boom, 1), X(Boom, 2)
        self.assertEqual(stream(rec), self.raised(1) + [
            ('RAISE', 'check', b0), ('RAISE', 'guarded', b0),
            ('RAISE', 'loop', b0)] + self.raised(2))
        if ENGINE:
            # (3.11: a handler clone, with a record, once an exception
            # looked for a handler and EXCEPTION_HANDLED or RERAISE is
            # wanted: not under RAISE alone)
            last = (['bare', STAMPED, STAMPED, 'hook'] if FLAT
                    else ['hook'] * 4)
            self.assertSeen(seen, [STAMPED, STAMPED, 'hook',
                                    'bare', 'hook', 'bare', STAMPED] + last)

    def test_no_stamped_run_under_settrace(self):
        # A trace function set between runs (the trampoline is no longer
        # LIGHT): the runs are the hook's general ones, the legacy tracer
        # gets its events and the monitoring stream is exact; once it is
        # gone the stamp serves again.
        rec = self.recorder(0, EXC, HERE)
        for _ in range(3):
            loop(2, (), [])
        seen, names = [], []

        def tracer(frame, event, arg):
            if frame.f_code is guarded.__code__:
                names.append(event)
            return tracer

        sys.settrace(tracer)
        try:
            self.assertEqual(loop(2, (1,), seen), 1)
        finally:
            sys.settrace(None)
        self.assertEqual(loop(3, (), seen), 0)
        self.stop()
        self.assertEqual(stream(rec), self.raised(1))
        self.assertEqual(names.count('call'), 2)
        self.assertEqual(names.count('exception'), 1)
        if ENGINE:
            self.assertEqual(seen[:2], ['hook', 'hook'])
            self.assertNotIn(STAMPED if STAMPED != 'bare' else 'none',
                             seen[:2])
            self.assertSeen(seen[-1:], self.after_first(
                ['hook', STAMPED])[-1:])

    def test_settrace_set_in_a_stamped_run(self):
        # A callee of a stamped run sets a trace function and the run then
        # raises: its end is no longer the block's quiet pop (the
        # trampoline is not LIGHT any more: pep669_frame_end decides); the
        # monitoring stream stays exact and the legacy tracer sees the
        # later runs.
        rec = self.recorder(0, EXC, HERE)
        for _ in range(3):
            loop(2, (), [])
        seen, names = [], []

        def tracer(frame, event, arg):
            if frame.f_code is guarded.__code__:
                names.append(event)
            return tracer

        real = globals()['check']

        def hooked(i, fail):
            if i == 1:
                sys.settrace(tracer)
            return real(i, fail)

        def run():
            caught = 0
            for i in range(4):
                try:
                    guarded(i, i in (1, 2), seen)
                except Boom:
                    caught += 1
            return caught

        globals()['check'] = hooked
        try:
            self.assertEqual(run(), 2)
        finally:
            globals()['check'] = real
            sys.settrace(None)
        self.stop()
        got = [g for g in stream(rec) if g[1] not in ('hooked', 'run')]
        b1, b2 = X(Boom, 1), X(Boom, 2)
        per = [('RAISE', 'check', b) for b in (b1, b2)]
        self.assertEqual([g for g in got if g[1] == 'check'], per)
        self.assertEqual([g[0] for g in got if g[1] == 'guarded'],
                         [g[0] for g in self.raised(1) + self.raised(2)
                          if g[1] == 'guarded'])
        self.assertEqual(names.count('call'), 2)
        if ENGINE:
            self.assertSeen(seen[:1], [STAMPED])

    def test_no_stamped_run_under_setprofile(self):
        rec = self.recorder(0, EXC, HERE)
        for _ in range(3):
            loop(2, (), [])
        seen, calls = [], []

        def profiler(frame, event, arg):
            if frame.f_code is guarded.__code__ and event == 'call':
                calls.append(seen[-1] if seen else None)

        sys.setprofile(profiler)
        try:
            self.assertEqual(loop(3, (1,), seen), 1)
        finally:
            sys.setprofile(None)
        self.stop()
        self.assertEqual(stream(rec), self.raised(1))
        self.assertEqual(len(calls), 3)
        if ENGINE:
            self.assertNotIn("bare, stamped", seen)


    @unittest.skipUnless(ENGINE and not FRESH, "the engine's mechanism")
    def test_stamped_runs_in_a_fresh_process(self):
        # (the tests above, with their mechanisms exact: see FRESH)
        env = dict(os.environ, PEP669_EXC_BARE_FRESH="1")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        proc = subprocess.run(
            [sys.executable, "-m", "unittest", "tests.test_exception_bare"],
            cwd=root, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, universal_newlines=True)
        self.assertEqual(proc.returncode, 0, proc.stdout)


if __name__ == '__main__':
    unittest.main()
