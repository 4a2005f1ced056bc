"""Exact streams of the frame events: PY_START, PY_RESUME, PY_THROW,
PY_RETURN, PY_YIELD and PY_UNWIND.

Offsets are offsets into the running code object's own bytecode, computed
with ``support.Layout`` (``dis`` of that code object), so one expectation
holds on every interpreter.  The rules are written down in ``Layout`` and in
the helpers below; where 3.12.1 and 3.13.0 differ, 3.13 is the reference for
the backport and 3.12.1 is pinned separately, except where 3.13.0 has a
confirmed bug (CLOSE_SKIPS_FRAME below).

Only code objects of this file are recorded (``in_files(__file__)``, or
``in_codes`` for a narrower view): asyncio, unittest and the support module
never appear in a stream.  Monitored functions avoid comprehensions (separate
frames before 3.12) except in ComprehensionTest, which pins the difference.
"""

import asyncio
import sys
import types
import unittest

from tests.support import (ASYNC_WRAPPED, FRAME_EVENTS, PY, Layout,
                           MonitoringTestCase, Recorder, X, catch, events,
                           frame_lasti, in_codes, in_files, monitoring)

E = events
DISABLE = monitoring.DISABLE
HERE = in_files(__file__)

# 3.13.0 bug gh-140373: gen.close() on a generator suspended outside any
# try block skips the frame entirely, so PY_THROW and PY_UNWIND are not
# delivered.  3.12 delivers them and so does the fixed 3.13 branch (when a
# tool has PY_UNWIND); the backport follows the intended behaviour.
CLOSE_SKIPS_FRAME = PY == (3, 13)



def gen_unwind(layout, raised_at):
    """PY_UNWIND offset for an exception leaving a generator or coroutine.

    3.12+ route it through the implicit StopIteration handler, whose final
    RERAISE is reported.  Before 3.12 there is no such handler: the offset is
    the instruction that raised.  An exception raised at a suspension point
    (thrown in by throw()/close(), or raised by a PY_YIELD, PY_RESUME or
    PY_THROW callback) counts as raised by its YIELD_VALUE / YIELD_FROM: the
    offset PY_YIELD reported for it.  (``tb_lasti`` agrees for YIELD_VALUE;
    a frame suspended in YIELD_FROM sits one instruction earlier on
    3.8-3.10, which the backport corrects for PY_YIELD and PY_THROW too.)"""
    if PY >= (3, 12):
        return layout.last_reraise
    return raised_at


def unwind_from_call(exc, code, python_callee):
    """PY_UNWIND offset in a plain function whose call raised.

    3.8-3.12 (3.12.1 measured, the backport's rule): the traceback's
    ``tb_lasti`` for that frame.  3.13.0 reports ``next_instr - 1``: for an
    exception out of a Python callee the code unit *before* the CALL, for one
    raised by a C callee the CALL's last inline-cache entry; its ``tb_lasti``
    is the CALL itself."""
    lasti = frame_lasti(exc, code)
    if PY == (3, 13):
        if python_callee:
            return lasti - 2
        return Layout(code).next_offset(lasti) - 2
    return lasti


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` matter (FrameTest,
# Layout.suspension, Layout.ret_at).

def plain(a, b):
    return a + b


def other():
    return 'other'


def helper_called_from_callback():
    return 'helper'


class Widget(object):
    def method(self, x):
        return x * 2

    @classmethod
    def build(cls):
        return cls.__name__

    @staticmethod
    def static(x):
        return -x


def make_counter():
    count = 0

    def incr():
        nonlocal count
        count += 1
        return count
    return incr


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def two_step():
    x = yield 1
    y = yield x
    return (x, y)


def catcher():
    try:
        yield 1
    except KeyError:
        yield 2
    yield 3


def guarded():
    try:
        yield 1
    finally:
        other()


def simple_gen():
    yield 1
    yield 2


def sub():
    try:
        x = yield 'a'
    except KeyError:
        return (yield 'b')
    return x


def delegator():
    r = yield from sub()
    return r


def raises_directly():
    raise KeyError('deep')


def level2():
    raises_directly()


def level1():
    level2()


def c_call_fails():
    return int('x')


def reraises():
    try:
        raises_directly()
    finally:
        other()


def gen_raises():
    yield 1
    raise KeyError('in gen')


@types.coroutine
def pause():
    yield


async def agen():
    yield 1
    await pause()
    yield 2


async def consume():
    await pause()
    seen = []
    async for x in agen():
        seen.append(x)
    return seen


async def main_coro():
    return await consume()


async def coro_raises():
    await pause()
    raise KeyError('coro')


async def main_catches():
    try:
        await coro_raises()
    except KeyError:
        return 'caught'


def enables_then_calls(tool):
    monitoring.set_events(tool, FRAME_EVENTS)
    plain(1, 2)
    return 'x'


def sets_own_local_events(tool):
    monitoring.set_local_events(tool, sys._getframe().f_code, E.PY_RETURN)
    return 'own'


# --------------------------------------------------------------------------

class FunctionTest(MonitoringTestCase):

    def test_plain_function(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        self.assertEqual(plain(1, 2), 3)
        self.stop()
        L = Layout(plain.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'plain', L.start),
            ('PY_RETURN', 'plain', L.ret, 3),
        ])

    def test_start_offset_of_plain_function(self):
        # 0 everywhere: RESUME is the first instruction on 3.11+.
        self.assertEqual(Layout(plain.__code__).start, 0)

    def test_methods(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        w = Widget()
        w.method(3)
        Widget.build()
        w.static(4)
        self.stop()
        m = Layout(Widget.method.__code__)
        b = Layout(Widget.build.__code__)
        s = Layout(Widget.static.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'method', m.start),
            ('PY_RETURN', 'method', m.ret, 6),
            ('PY_START', 'build', b.start),
            ('PY_RETURN', 'build', b.ret, 'Widget'),
            ('PY_START', 'static', s.start),
            ('PY_RETURN', 'static', s.ret, -4),
        ])

    def test_closure(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        incr = make_counter()
        incr()
        incr()
        self.stop()
        outer = Layout(make_counter.__code__)
        inner = Layout(incr.__code__)
        if PY >= (3, 11):
            # MAKE_CELL / COPY_FREE_VARS come before RESUME
            self.assertNotEqual(outer.start, 0)
            self.assertNotEqual(inner.start, 0)
        else:
            self.assertEqual((outer.start, inner.start), (0, 0))
        self.assertEvents(rec, [
            ('PY_START', 'make_counter', outer.start),
            ('PY_RETURN', 'make_counter', outer.ret, incr),
            ('PY_START', 'incr', inner.start),
            ('PY_RETURN', 'incr', inner.ret, 1),
            ('PY_START', 'incr', inner.start),
            ('PY_RETURN', 'incr', inner.ret, 2),
        ])

    def test_recursion(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        self.assertEqual(fact(3), 6)
        self.stop()
        L = Layout(fact.__code__)
        base, recursive = L.ret_at(2), L.ret_at(3)
        self.assertEvents(rec, [
            ('PY_START', 'fact', L.start),
            ('PY_START', 'fact', L.start),
            ('PY_START', 'fact', L.start),
            ('PY_RETURN', 'fact', base, 1),
            ('PY_RETURN', 'fact', recursive, 2),
            ('PY_RETURN', 'fact', recursive, 6),
        ])

    def test_only_selected_events(self):
        rec = self.recorder(0, E.PY_RETURN, HERE)
        plain(2, 2)
        two_step_gen = two_step()
        next(two_step_gen)
        two_step_gen.close()
        self.stop()
        self.assertEvents(rec, [
            ('PY_RETURN', 'plain', Layout(plain.__code__).ret, 4),
        ])


def with_listcomp():
    return [x * 2 for x in (1, 2)]


class ComprehensionTest(MonitoringTestCase):

    def test_list_comprehension_frames_before_312(self):
        # PEP 709: list comprehensions are inlined from 3.12 on.  Before,
        # they are real frames of their own code object, and the backport
        # reports them like any other frame (docs/differences.md).
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        self.assertEqual(with_listcomp(), [2, 4])
        self.stop()
        L = Layout(with_listcomp.__code__)
        expected = [('PY_START', 'with_listcomp', L.start)]
        if PY < (3, 12):
            comp = [c for c in with_listcomp.__code__.co_consts
                    if isinstance(c, types.CodeType)][0]
            C = Layout(comp)
            expected += [('PY_START', '<listcomp>', C.start),
                         ('PY_RETURN', '<listcomp>', C.ret, [2, 4])]
        expected += [('PY_RETURN', 'with_listcomp', L.ret, [2, 4])]
        self.assertEvents(rec, expected)


class GeneratorTest(MonitoringTestCase):

    def test_next_and_send(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = two_step()
        self.assertEqual(next(g), 1)
        self.assertEqual(g.send(5), 5)
        with self.assertRaises(StopIteration) as cm:
            g.send(6)
        self.assertEqual(cm.exception.value, (5, 6))
        self.stop()
        L = Layout(two_step.__code__)
        s0, s1 = L.suspension(1), L.suspension(2)
        self.assertEvents(rec, [
            ('PY_START', 'two_step', L.start),
            ('PY_YIELD', 'two_step', s0.yield_, 1),
            ('PY_RESUME', 'two_step', s0.resume),
            ('PY_YIELD', 'two_step', s1.yield_, 5),
            ('PY_RESUME', 'two_step', s1.resume),
            ('PY_RETURN', 'two_step', L.ret, (5, 6)),
        ])

    def test_creation_fires_nothing(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = two_step()
        self.stop()
        self.assertEvents(rec, [])
        del g

    def test_offsets_differ_from_plain_rule(self):
        L = Layout(two_step.__code__)
        if PY >= (3, 11):
            # RETURN_GENERATOR, POP_TOP, RESUME
            self.assertEqual(L.start, 4)
        else:
            self.assertEqual(L.start, 0)
        for s in L.suspensions:
            self.assertEqual(L.opname_at(s.yield_), 'YIELD_VALUE')
            if PY >= (3, 11):
                self.assertEqual(L.opname_at(s.resume), 'RESUME')
            else:
                self.assertEqual(s.resume, s.yield_ + 2)
            if PY == (3, 12):
                # 3.12.1 reports PY_THROW at the YIELD_VALUE
                self.assertEqual(s.throw, s.yield_)
            else:
                # 3.13.0 (and the backport): the following RESUME
                self.assertEqual(s.throw, s.resume)

    def test_throw_handled(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = catcher()
        next(g)
        self.assertEqual(g.throw(KeyError('k')), 2)
        self.assertEqual(next(g), 3)
        self.stop()
        L = Layout(catcher.__code__)
        s0, s1, s2 = L.suspension(2), L.suspension(4), L.suspension(5)
        self.assertEvents(rec, [
            ('PY_START', 'catcher', L.start),
            ('PY_YIELD', 'catcher', s0.yield_, 1),
            ('PY_THROW', 'catcher', s0.throw, X(KeyError, 'k')),
            ('PY_YIELD', 'catcher', s1.yield_, 2),
            ('PY_RESUME', 'catcher', s1.resume),
            ('PY_YIELD', 'catcher', s2.yield_, 3),
        ])
        g.close()

    def test_throw_unhandled(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = simple_gen()
        next(g)
        with self.assertRaises(KeyError):
            g.throw(KeyError('k'))
        self.stop()
        L = Layout(simple_gen.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
            ('PY_THROW', 'simple_gen', s0.throw, X(KeyError, 'k')),
            ('PY_UNWIND', 'simple_gen', gen_unwind(L, s0.yield_),
             X(KeyError, 'k')),
        ])

    def test_throw_into_unstarted_generator(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = simple_gen()
        with self.assertRaises(KeyError):
            g.throw(KeyError('u'))
        with self.assertRaises(StopIteration):
            next(g)
        self.stop()
        L = Layout(simple_gen.__code__)
        # 3.12.1: 0 (RETURN_GENERATOR); 3.13.0: the instruction after it;
        # 3.8-3.10: 0.  PY_UNWIND: 0 everywhere.
        self.assertEqual(L.unstarted_throw,
                         2 if PY in ((3, 11), (3, 13)) else 0)
        self.assertEvents(rec, [
            ('PY_THROW', 'simple_gen', L.unstarted_throw, X(KeyError, 'u')),
            ('PY_UNWIND', 'simple_gen', 0, X(KeyError, 'u')),
        ])

    def test_close_unstarted_generator(self):
        # No frame runs: no events at all (3.8-3.11 evaluate the frame with
        # GeneratorExit; the backport must not report that).
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = simple_gen()
        g.close()
        with self.assertRaises(StopIteration):
            next(g)
        self.stop()
        self.assertEvents(rec, [])

    def test_close_suspended_outside_try(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = simple_gen()
        next(g)
        self.assertIsNone(g.close())
        with self.assertRaises(StopIteration):
            next(g)
        self.stop()
        L = Layout(simple_gen.__code__)
        s0 = L.suspensions[0]
        expected = [
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
        ]
        if not CLOSE_SKIPS_FRAME:
            expected += [
                ('PY_THROW', 'simple_gen', s0.throw, X(GeneratorExit)),
                ('PY_UNWIND', 'simple_gen', gen_unwind(L, s0.yield_),
                 X(GeneratorExit)),
            ]
        self.assertEvents(rec, expected)

    def test_close_suspended_in_try_finally(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = guarded()
        next(g)
        g.close()
        self.stop()
        L = Layout(guarded.__code__)
        o = Layout(other.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'guarded', L.start),
            ('PY_YIELD', 'guarded', s0.yield_, 1),
            ('PY_THROW', 'guarded', s0.throw, X(GeneratorExit)),
            ('PY_START', 'other', o.start),
            ('PY_RETURN', 'other', o.ret, 'other'),
            # the finally block's re-raise (3.12+: then the implicit handler)
            ('PY_UNWIND', 'guarded', L.last_reraise, X(GeneratorExit)),
        ])

    def test_exception_raised_in_generator(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = gen_raises()
        next(g)
        with self.assertRaises(KeyError):
            next(g)
        self.stop()
        L = Layout(gen_raises.__code__)
        s0 = L.suspensions[0]
        raise_at = L.offsets('RAISE_VARARGS')[0]
        self.assertEvents(rec, [
            ('PY_START', 'gen_raises', L.start),
            ('PY_YIELD', 'gen_raises', s0.yield_, 1),
            ('PY_RESUME', 'gen_raises', s0.resume),
            ('PY_UNWIND', 'gen_raises', gen_unwind(L, raise_at),
             X(KeyError, 'in gen')),
        ])

    def test_for_loop_over_generator(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        total = 0
        for v in simple_gen():
            total += v
        self.stop()
        self.assertEqual(total, 3)
        L = Layout(simple_gen.__code__)
        s0, s1 = L.suspensions
        self.assertEvents(rec, [
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
            ('PY_RESUME', 'simple_gen', s0.resume),
            ('PY_YIELD', 'simple_gen', s1.yield_, 2),
            ('PY_RESUME', 'simple_gen', s1.resume),
            ('PY_RETURN', 'simple_gen', L.ret, None),
        ])


class YieldFromTest(MonitoringTestCase):

    def test_send_through_delegation(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = delegator()
        self.assertEqual(next(g), 'a')
        with self.assertRaises(StopIteration) as cm:
            g.send(7)
        self.assertEqual(cm.exception.value, 7)
        self.stop()
        d = Layout(delegator.__code__)
        s = Layout(sub.__code__)
        ds = d.suspension(1)
        s0 = s.suspension(2)
        if PY < (3, 11):
            self.assertEqual(d.opname_at(ds.yield_), 'YIELD_FROM')
        self.assertEvents(rec, [
            ('PY_START', 'delegator', d.start),
            ('PY_START', 'sub', s.start),
            ('PY_YIELD', 'sub', s0.yield_, 'a'),
            ('PY_YIELD', 'delegator', ds.yield_, 'a'),
            ('PY_RESUME', 'delegator', ds.resume),
            ('PY_RESUME', 'sub', s0.resume),
            ('PY_RETURN', 'sub', s.ret_at(5), 7),
            ('PY_RETURN', 'delegator', d.ret, 7),
        ])

    def test_throw_is_delegated_without_resuming_delegator(self):
        # throw() goes straight to the sub-generator (C-level delegation):
        # the delegating frame does not run, so it gets no events.
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = delegator()
        next(g)
        self.assertEqual(g.throw(KeyError('k')), 'b')
        with self.assertRaises(StopIteration):
            g.send(9)
        self.stop()
        d = Layout(delegator.__code__)
        s = Layout(sub.__code__)
        ds = d.suspension(1)
        s0, s1 = s.suspension(2), s.suspension(4)
        self.assertEvents(rec, [
            ('PY_START', 'delegator', d.start),
            ('PY_START', 'sub', s.start),
            ('PY_YIELD', 'sub', s0.yield_, 'a'),
            ('PY_YIELD', 'delegator', ds.yield_, 'a'),
            ('PY_THROW', 'sub', s0.throw, X(KeyError, 'k')),
            ('PY_YIELD', 'sub', s1.yield_, 'b'),
            ('PY_RESUME', 'delegator', ds.resume),
            ('PY_RESUME', 'sub', s1.resume),
            ('PY_RETURN', 'sub', s.ret_at(4), 9),
            ('PY_RETURN', 'delegator', d.ret, 9),
        ])

    def test_close_through_delegation(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        g = delegator()
        next(g)
        g.close()
        self.stop()
        d = Layout(delegator.__code__)
        s = Layout(sub.__code__)
        ds = d.suspension(1)
        s0 = s.suspension(2)
        self.assertEvents(rec, [
            ('PY_START', 'delegator', d.start),
            ('PY_START', 'sub', s.start),
            ('PY_YIELD', 'sub', s0.yield_, 'a'),
            ('PY_YIELD', 'delegator', ds.yield_, 'a'),
            # sub is suspended inside try: closed by a real throw, which
            # passes through the non-matching ``except KeyError``
            ('PY_THROW', 'sub', s0.throw, X(GeneratorExit)),
            ('PY_UNWIND', 'sub', s.last_reraise, X(GeneratorExit)),
            # then the delegator itself
            ('PY_THROW', 'delegator', ds.throw, X(GeneratorExit)),
            ('PY_UNWIND', 'delegator', gen_unwind(d, ds.yield_),
             X(GeneratorExit)),
        ])


class AsyncTest(MonitoringTestCase):

    def test_coroutines_and_async_generator_under_asyncio(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        result = asyncio.run(main_coro())
        self.stop()
        self.assertEqual(result, [1, 2])
        m = Layout(main_coro.__code__)
        c = Layout(consume.__code__)
        a = Layout(agen.__code__)
        p = Layout(pause.__code__)
        m0 = m.suspension(1)
        c0, c1 = c.suspension(1), c.suspension(3)  # await, async for
        a0, a1, a2 = a.suspension(1), a.suspension(2), a.suspension(3)
        (p0,) = p.suspensions
        self.assertEvents(rec, [
            ('PY_START', 'main_coro', m.start),
            ('PY_START', 'consume', c.start),
            ('PY_START', 'pause', p.start),
            ('PY_YIELD', 'pause', p0.yield_, None),
            ('PY_YIELD', 'consume', c0.yield_, None),
            ('PY_YIELD', 'main_coro', m0.yield_, None),
            ('PY_RESUME', 'main_coro', m0.resume),
            ('PY_RESUME', 'consume', c0.resume),
            ('PY_RESUME', 'pause', p0.resume),
            ('PY_RETURN', 'pause', p.ret, None),
            ('PY_START', 'agen', a.start),
            # an async generator yields CPython's wrapper object
            ('PY_YIELD', 'agen', a0.yield_, ASYNC_WRAPPED),
            ('PY_RESUME', 'agen', a0.resume),
            ('PY_START', 'pause', p.start),
            ('PY_YIELD', 'pause', p0.yield_, None),
            ('PY_YIELD', 'agen', a1.yield_, None),
            ('PY_YIELD', 'consume', c1.yield_, None),
            ('PY_YIELD', 'main_coro', m0.yield_, None),
            ('PY_RESUME', 'main_coro', m0.resume),
            ('PY_RESUME', 'consume', c1.resume),
            ('PY_RESUME', 'agen', a1.resume),
            ('PY_RESUME', 'pause', p0.resume),
            ('PY_RETURN', 'pause', p.ret, None),
            ('PY_YIELD', 'agen', a2.yield_, ASYNC_WRAPPED),
            ('PY_RESUME', 'agen', a2.resume),
            ('PY_RETURN', 'agen', a.ret, None),
            ('PY_RETURN', 'consume', c.ret_at(5), [1, 2]),
            ('PY_RETURN', 'main_coro', m.ret, [1, 2]),
        ])

    def test_coroutine_raises(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        self.assertEqual(asyncio.run(main_catches()), 'caught')
        self.stop()
        m = Layout(main_catches.__code__)
        c = Layout(coro_raises.__code__)
        p = Layout(pause.__code__)
        m0 = m.suspension(2)
        c0 = c.suspension(1)
        (p0,) = p.suspensions
        raise_at = c.offsets('RAISE_VARARGS')[0]
        self.assertEvents(rec, [
            ('PY_START', 'main_catches', m.start),
            ('PY_START', 'coro_raises', c.start),
            ('PY_START', 'pause', p.start),
            ('PY_YIELD', 'pause', p0.yield_, None),
            ('PY_YIELD', 'coro_raises', c0.yield_, None),
            ('PY_YIELD', 'main_catches', m0.yield_, None),
            ('PY_RESUME', 'main_catches', m0.resume),
            ('PY_RESUME', 'coro_raises', c0.resume),
            ('PY_RESUME', 'pause', p0.resume),
            ('PY_RETURN', 'pause', p.ret, None),
            ('PY_UNWIND', 'coro_raises', gen_unwind(c, raise_at),
             X(KeyError, 'coro')),
            ('PY_RETURN', 'main_catches', m.ret_of_const('caught'), 'caught'),
        ])


class UnwindTest(MonitoringTestCase):

    def test_direct_raise(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        exc = catch(KeyError, raises_directly)
        self.stop()
        L = Layout(raises_directly.__code__)
        (raise_at,) = L.offsets('RAISE_VARARGS')
        # the oracle: the traceback points at the same instruction
        self.assertEqual(frame_lasti(exc, raises_directly.__code__),
                         raise_at)
        self.assertEvents(rec, [
            ('PY_START', 'raises_directly', L.start),
            ('PY_UNWIND', 'raises_directly', raise_at, X(KeyError, 'deep')),
        ])

    def test_through_several_frames(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        exc = catch(KeyError, level1)
        self.stop()
        d = Layout(raises_directly.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'level1', Layout(level1.__code__).start),
            ('PY_START', 'level2', Layout(level2.__code__).start),
            ('PY_START', 'raises_directly', d.start),
            ('PY_UNWIND', 'raises_directly', d.offsets('RAISE_VARARGS')[0],
             X(KeyError, 'deep')),
            ('PY_UNWIND', 'level2',
             unwind_from_call(exc, level2.__code__, True),
             X(KeyError, 'deep')),
            ('PY_UNWIND', 'level1',
             unwind_from_call(exc, level1.__code__, True),
             X(KeyError, 'deep')),
        ])
        # the exception object itself is passed, not a copy
        unwinds = [r for r in rec.records if r.event == 'PY_UNWIND']
        for r in unwinds:
            self.assertIs(r.args[1], exc)

    def test_c_call_raises(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        exc = catch(ValueError, c_call_fails)
        self.stop()
        L = Layout(c_call_fails.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'c_call_fails', L.start),
            ('PY_UNWIND', 'c_call_fails',
             unwind_from_call(exc, c_call_fails.__code__, False),
             X(ValueError, exc.args[0])),
        ])

    def test_reraise_from_finally(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        with self.assertRaises(KeyError):
            reraises()
        self.stop()
        L = Layout(reraises.__code__)
        d = Layout(raises_directly.__code__)
        o = Layout(other.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'reraises', L.start),
            ('PY_START', 'raises_directly', d.start),
            ('PY_UNWIND', 'raises_directly', d.offsets('RAISE_VARARGS')[0],
             X(KeyError, 'deep')),
            ('PY_START', 'other', o.start),
            ('PY_RETURN', 'other', o.ret, 'other'),
            # the re-raising instruction: 3.8 END_FINALLY, 3.9+ RERAISE
            # (3.11+: the cleanup handler's RERAISE after the finally body)
            ('PY_UNWIND', 'reraises', L.last_reraise, X(KeyError, 'deep')),
        ])


def except_no_match():
    try:
        raises_directly()
    except ValueError:
        return 'no'


class ExceptNoMatchTest(MonitoringTestCase):

    def test_exception_passing_a_non_matching_except(self):
        rec = self.recorder(0, FRAME_EVENTS, in_codes(
            except_no_match.__code__))
        with self.assertRaises(KeyError):
            except_no_match()
        self.stop()
        L = Layout(except_no_match.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'except_no_match', L.start),
            # the handler's re-raise: 3.8 END_FINALLY, 3.9/3.10 RERAISE,
            # 3.11+ the handler cleanup's RERAISE
            ('PY_UNWIND', 'except_no_match', L.last_reraise,
             X(KeyError, 'deep')),
        ])


class LocalEventsTest(MonitoringTestCase):

    def test_local_events_on_one_code_object(self):
        code = two_step.__code__
        rec = self.recorder(0, FRAME_EVENTS & ~(E.PY_THROW | E.PY_UNWIND),
                            HERE, local_codes=[code])
        self.assertEqual(monitoring.get_events(0), 0)
        plain(1, 1)
        g = two_step()
        next(g)
        g.send(1)
        for _ in simple_gen():
            pass
        self.set_local_events(0, code, 0)
        with self.assertRaises(StopIteration):
            g.send(2)
        L = Layout(code)
        s0, s1 = L.suspensions
        self.assertEvents(rec, [
            ('PY_START', 'two_step', L.start),
            ('PY_YIELD', 'two_step', s0.yield_, 1),
            ('PY_RESUME', 'two_step', s0.resume),
            ('PY_YIELD', 'two_step', s1.yield_, 1),
        ])

    def test_local_and_global_add_up(self):
        # tool 0: PY_START globally plus PY_RETURN on plain only
        self.use_tool(0)
        rec = Recorder(0, E.PY_START | E.PY_RETURN, HERE).register()
        self.set_local_events(0, plain.__code__, E.PY_RETURN)
        monitoring.set_events(0, E.PY_START)
        plain(1, 2)
        other()
        self.stop()
        self.set_local_events(0, plain.__code__, 0)
        self.assertEvents(rec, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', Layout(plain.__code__).ret, 3),
            ('PY_START', 'other', 0),
        ])

    def test_local_events_per_tool(self):
        rec1 = self.recorder(1, E.PY_START, HERE,
                             local_codes=[plain.__code__])
        rec2 = self.recorder(2, E.PY_START, HERE,
                             local_codes=[other.__code__])
        plain(1, 2)
        other()
        self.set_local_events(1, plain.__code__, 0)
        self.set_local_events(2, other.__code__, 0)
        plain(1, 2)
        other()
        self.assertEvents(rec1, [('PY_START', 'plain', 0)])
        self.assertEvents(rec2, [('PY_START', 'other', 0)])


class DisableTest(MonitoringTestCase):

    def test_disable_py_start_global(self):
        def respond(r):
            if r.event == 'PY_START' and r.code is plain.__code__:
                return DISABLE
        rec0 = self.recorder(0, E.PY_START | E.PY_RETURN, HERE,
                             respond=respond)
        rec1 = self.recorder(1, E.PY_START | E.PY_RETURN, HERE)
        plain(1, 2)
        plain(1, 2)
        other()
        self.stop()
        ret = Layout(plain.__code__).ret
        oret = Layout(other.__code__).ret
        self.assertEvents(rec0, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_START', 'other', 0),
            ('PY_RETURN', 'other', oret, 'other'),
        ])
        # another tool is not affected
        self.assertEvents(rec1, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_START', 'other', 0),
            ('PY_RETURN', 'other', oret, 'other'),
        ])
        # the event set itself is unchanged
        self.assertEqual(monitoring.get_events(0), 0)
        rec0.clear()
        monitoring.set_events(0, E.PY_START | E.PY_RETURN)
        plain(1, 2)
        monitoring.restart_events()
        plain(1, 2)
        plain(1, 2)
        self.stop()
        self.assertEvents(rec0, [
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_START', 'plain', 0),       # back after restart_events()
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_RETURN', 'plain', ret, 3),  # disabled again
        ])

    def test_disable_survives_set_events(self):
        # Only restart_events() re-enables a disabled location: changing the
        # event sets (global, local, other tools) or the tool's name does not.
        def respond(r):
            return DISABLE
        rec = self.recorder(0, E.PY_START, in_codes(other.__code__),
                            respond=respond)
        other()
        other()
        monitoring.set_events(0, 0)
        monitoring.set_events(0, E.PY_START)
        other()
        monitoring.set_events(0, E.PY_START | E.PY_YIELD)
        other()
        self.use_tool(1)
        monitoring.set_events(1, E.PY_START)
        other()
        self.set_local_events(0, other.__code__, E.PY_START)
        other()
        monitoring.free_tool_id(0)
        monitoring.use_tool_id(0, 'again')
        other()
        self.assertEvents(rec, [('PY_START', 'other', 0)])
        monitoring.restart_events()
        other()
        self.stop()
        self.set_local_events(0, other.__code__, 0)
        self.assertEvents(rec, [('PY_START', 'other', 0)] * 2)

    def test_disable_py_return_per_location(self):
        L = Layout(fact.__code__)
        base, recursive = L.ret_at(2), L.ret_at(3)

        def respond(r):
            if r.event == 'PY_RETURN' and r.args[0] == base:
                return DISABLE
        rec = self.recorder(0, E.PY_RETURN, HERE, respond=respond)
        fact(2)
        fact(2)
        self.stop()
        self.assertEvents(rec, [
            ('PY_RETURN', 'fact', base, 1),
            ('PY_RETURN', 'fact', recursive, 2),
            ('PY_RETURN', 'fact', recursive, 2),
        ])

    def test_disable_py_yield_and_resume_per_location(self):
        L = Layout(two_step.__code__)
        s0, s1 = L.suspension(1), L.suspension(2)

        def respond(r):
            if r.args[0] in (s0.yield_, s0.resume) and r.event in (
                    'PY_YIELD', 'PY_RESUME'):
                return DISABLE
        rec = self.recorder(0, E.PY_YIELD | E.PY_RESUME, HERE,
                            respond=respond)
        for _ in range(2):
            g = two_step()
            next(g)
            g.send(3)
            g.close()
        self.stop()
        self.assertEvents(rec, [
            ('PY_YIELD', 'two_step', s0.yield_, 1),
            ('PY_RESUME', 'two_step', s0.resume),
            ('PY_YIELD', 'two_step', s1.yield_, 3),
            ('PY_YIELD', 'two_step', s1.yield_, 3),
        ])

    def test_disable_local_event(self):
        def respond(r):
            return DISABLE
        rec = self.recorder(0, E.PY_START | E.PY_RETURN, HERE,
                            local_codes=[plain.__code__], respond=respond)
        plain(1, 2)
        plain(1, 2)
        self.assertEqual(monitoring.get_local_events(0, plain.__code__),
                         E.PY_START | E.PY_RETURN)
        monitoring.restart_events()
        plain(1, 2)
        self.set_local_events(0, plain.__code__, 0)
        ret = Layout(plain.__code__).ret
        self.assertEvents(rec, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
        ])

    def test_disable_py_throw_raises_into_generator(self):
        def respond(r):
            if r.event == 'PY_THROW':
                return DISABLE
        rec = self.recorder(0, FRAME_EVENTS, HERE, respond=respond)
        g = simple_gen()
        next(g)
        with self.assertRaises(ValueError) as cm:
            g.throw(KeyError('x'))
        msg = "Cannot disable PY_THROW events. Callback removed."
        self.assertEqual(str(cm.exception), msg)
        # the callback was unregistered
        self.assertIsNone(monitoring.register_callback(0, E.PY_THROW, None))
        g2 = simple_gen()
        next(g2)
        with self.assertRaises(KeyError):
            g2.throw(KeyError('y'))
        self.stop()
        L = Layout(simple_gen.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
            ('PY_THROW', 'simple_gen', s0.throw, X(KeyError, 'x')),
            ('PY_UNWIND', 'simple_gen', gen_unwind(L, s0.yield_),
             X(ValueError, msg)),
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
            ('PY_UNWIND', 'simple_gen', gen_unwind(L, s0.yield_),
             X(KeyError, 'y')),
        ])

    def test_disable_py_unwind_raises_into_code(self):
        def respond(r):
            if r.event == 'PY_UNWIND':
                return DISABLE
        rec = self.recorder(0, E.PY_UNWIND | E.PY_START, HERE,
                            respond=respond)
        with self.assertRaises(ValueError) as cm:
            level2()
        msg = "Cannot disable PY_UNWIND events. Callback removed."
        self.assertEqual(str(cm.exception), msg)
        self.assertIsNone(monitoring.register_callback(0, E.PY_UNWIND, None))
        with self.assertRaises(KeyError):
            raises_directly()
        self.stop()
        d = Layout(raises_directly.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'level2', 0),
            ('PY_START', 'raises_directly', d.start),
            ('PY_UNWIND', 'raises_directly', d.offsets('RAISE_VARARGS')[0],
             X(KeyError, 'deep')),
            ('PY_START', 'raises_directly', d.start),
        ])

    def test_disable_only_for_that_tool(self):
        def respond(r):
            return DISABLE
        rec0 = self.recorder(0, E.PY_START, HERE, respond=respond)
        rec1 = self.recorder(1, E.PY_START, HERE)
        other()
        other()
        self.stop()
        self.assertEvents(rec0, [('PY_START', 'other', 0)])
        self.assertEvents(rec1, [('PY_START', 'other', 0),
                                 ('PY_START', 'other', 0)])


class CallbackRulesTest(MonitoringTestCase):

    def test_tools_called_highest_id_first(self):
        order = []

        def responder(tool):
            def respond(r):
                order.append((tool, r.event, r.code.co_name))
            return respond
        watched = in_codes(plain.__code__, simple_gen.__code__)
        for tool in (1, 5, 0, 3):
            self.recorder(tool, FRAME_EVENTS, watched,
                          respond=responder(tool))
        plain(1, 2)
        g = simple_gen()
        next(g)
        self.stop()
        g.close()
        expected = []
        for event, name in (('PY_START', 'plain'), ('PY_RETURN', 'plain'),
                            ('PY_START', 'simple_gen'),
                            ('PY_YIELD', 'simple_gen')):
            for tool in (5, 3, 1, 0):
                expected.append((tool, event, name))
        self.assertEqual(order, expected)

    def test_raise_in_py_start(self):
        side = []

        def respond(r):
            if r.event == 'PY_START':
                raise RuntimeError('from PY_START')
        rec = self.recorder(0, FRAME_EVENTS, in_codes(Widget.method.__code__),
                            respond=respond)
        w = Widget()
        with self.assertRaises(RuntimeError) as cm:
            w.method(side.append('body') or 1)
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        L = Layout(Widget.method.__code__)
        self.assertEvents(rec, [
            ('PY_START', 'method', L.start),
            ('PY_UNWIND', 'method', L.start, X(RuntimeError, 'from PY_START')),
        ])
        # the argument was evaluated by the caller, the body never ran
        self.assertEqual(side, ['body'])

    def test_raise_in_py_start_body_does_not_run(self):
        ran = []

        def respond(r):
            if r.event == 'PY_START':
                raise RuntimeError('stop')
        self.recorder(0, E.PY_START, in_codes(plain.__code__),
                      respond=respond)
        with self.assertRaises(RuntimeError):
            ran.append(plain(1, 2))
        self.stop()
        self.assertEqual(ran, [])

    def test_raise_in_py_return(self):
        def respond(r):
            if r.event == 'PY_RETURN':
                raise RuntimeError('from PY_RETURN')
        rec = self.recorder(0, FRAME_EVENTS, in_codes(plain.__code__),
                            respond=respond)
        result = []
        with self.assertRaises(RuntimeError):
            result.append(plain(1, 2))
        self.stop()
        self.assertEqual(result, [])
        ret = Layout(plain.__code__).ret
        self.assertEvents(rec, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', ret, 3),
            ('PY_UNWIND', 'plain', ret, X(RuntimeError, 'from PY_RETURN')),
        ])

    def test_raise_in_py_yield(self):
        def respond(r):
            if r.event == 'PY_YIELD':
                raise RuntimeError('from PY_YIELD')
        rec = self.recorder(0, FRAME_EVENTS, in_codes(simple_gen.__code__),
                            respond=respond)
        g = simple_gen()
        with self.assertRaises(RuntimeError):
            next(g)
        # the generator is finished
        with self.assertRaises(StopIteration):
            next(g)
        self.stop()
        L = Layout(simple_gen.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'simple_gen', L.start),
            ('PY_YIELD', 'simple_gen', s0.yield_, 1),
            ('PY_UNWIND', 'simple_gen', gen_unwind(L, s0.yield_),
             X(RuntimeError, 'from PY_YIELD')),
        ])

    def test_raise_in_py_resume(self):
        def respond(r):
            if r.event == 'PY_RESUME':
                raise RuntimeError('from PY_RESUME')
        rec = self.recorder(0, FRAME_EVENTS, in_codes(two_step.__code__),
                            respond=respond)
        g = two_step()
        next(g)
        with self.assertRaises(RuntimeError):
            g.send('never stored')
        with self.assertRaises(StopIteration):
            next(g)
        self.stop()
        L = Layout(two_step.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'two_step', L.start),
            ('PY_YIELD', 'two_step', s0.yield_, 1),
            ('PY_RESUME', 'two_step', s0.resume),
            ('PY_UNWIND', 'two_step', gen_unwind(L, s0.yield_),
             X(RuntimeError, 'from PY_RESUME')),
        ])

    def test_raise_in_py_unwind_replaces_exception(self):
        def respond(r):
            if r.event == 'PY_UNWIND':
                raise RuntimeError('from PY_UNWIND')
        rec = self.recorder(0, E.PY_UNWIND, in_codes(
            raises_directly.__code__), respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            level1()
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        self.assertEqual(rec.events(), [
            ('PY_UNWIND', 'raises_directly',
             Layout(raises_directly.__code__).offsets('RAISE_VARARGS')[0],
             X(KeyError, 'deep'))])

    def test_raise_in_py_throw_replaces_exception(self):
        def respond(r):
            if r.event == 'PY_THROW':
                raise RuntimeError('from PY_THROW')
        rec = self.recorder(0, FRAME_EVENTS, in_codes(catcher.__code__),
                            respond=respond)
        g = catcher()
        next(g)
        # the handler for KeyError does not see the RuntimeError
        with self.assertRaises(RuntimeError) as cm:
            g.throw(KeyError('k'))
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        L = Layout(catcher.__code__)
        s0 = L.suspensions[0]
        self.assertEvents(rec, [
            ('PY_START', 'catcher', L.start),
            ('PY_YIELD', 'catcher', s0.yield_, 1),
            ('PY_THROW', 'catcher', s0.throw, X(KeyError, 'k')),
            # through the non-matching ``except KeyError``: its re-raise
            # (3.11+: the handler cleanup's; 3.12+: the implicit handler's)
            ('PY_UNWIND', 'catcher', L.last_reraise,
             X(RuntimeError, 'from PY_THROW')),
        ])

    def test_no_events_inside_callbacks(self):
        calls = []

        def respond(r):
            if r.event == 'PY_START' and r.code is plain.__code__:
                calls.append(helper_called_from_callback())
                g = simple_gen()
                calls.append(next(g))
                g.close()
        rec0 = self.recorder(0, FRAME_EVENTS, HERE, respond=respond)
        rec1 = self.recorder(1, FRAME_EVENTS, HERE)
        plain(1, 2)
        self.stop()
        self.assertEqual(calls, ['helper', 1])
        ret = Layout(plain.__code__).ret
        expected = [('PY_START', 'plain', 0), ('PY_RETURN', 'plain', ret, 3)]
        self.assertEvents(rec0, expected)
        self.assertEvents(rec1, expected)

    def test_exception_state_is_preserved(self):
        # a callback running while an exception is being handled sees it,
        # and leaves it as found
        seen = []

        def respond(r):
            seen.append(sys.exc_info()[0])
        self.recorder(0, E.PY_START | E.PY_RETURN, in_codes(other.__code__),
                      respond=respond)
        try:
            raise KeyError('handled')
        except KeyError:
            other()
            self.assertIs(sys.exc_info()[0], KeyError)
        self.stop()
        self.assertEqual(seen, [KeyError, KeyError])

    def test_callback_return_values_other_than_disable_are_ignored(self):
        def respond(r):
            return 'ignored'
        rec = self.recorder(0, E.PY_START | E.PY_RETURN,
                            in_codes(other.__code__), respond=respond)
        other()
        other()
        self.stop()
        ret = Layout(other.__code__).ret
        self.assertEvents(rec, [('PY_START', 'other', 0),
                                ('PY_RETURN', 'other', ret, 'other')] * 2)


class FrameTest(MonitoringTestCase):
    """Inside every callback, sys._getframe(1) is the monitored frame.

    The Recorder checks ``f_code`` for every event of every test; here the
    line numbers are checked as well."""

    def lines(self, rec):
        return [(r.event, r.code.co_name, r.lineno - r.code.co_firstlineno)
                for r in rec.records]

    def test_frame_and_lineno_plain(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        with self.assertRaises(KeyError):
            level2()
        fact(2)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.lines(rec), [
            ('PY_START', 'level2', 0),
            ('PY_START', 'raises_directly', 0),
            ('PY_UNWIND', 'raises_directly', 1),
            ('PY_UNWIND', 'level2', 1),
            ('PY_START', 'fact', 0),
            ('PY_START', 'fact', 0),
            ('PY_RETURN', 'fact', 2),
            ('PY_RETURN', 'fact', 3),
        ])

    def test_frame_and_lineno_generator(self):
        rec = self.recorder(0, FRAME_EVENTS, in_codes(catcher.__code__))
        g = catcher()
        next(g)
        g.throw(KeyError('k'))
        next(g)
        self.stop()
        g.close()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(self.lines(rec), [
            ('PY_START', 'catcher', 0),
            ('PY_YIELD', 'catcher', 2),
            ('PY_THROW', 'catcher', 2),
            ('PY_YIELD', 'catcher', 4),
            ('PY_RESUME', 'catcher', 4),
            ('PY_YIELD', 'catcher', 5),
        ])

    def test_frame_is_the_generator_frame(self):
        frames = []

        def respond(r):
            frames.append(r.frame)
        self.recorder(0, FRAME_EVENTS, in_codes(two_step.__code__),
                      respond=respond)
        g = two_step()
        next(g)
        g.send(1)
        self.stop()
        self.assertEqual(len(frames), 4)
        for f in frames:
            self.assertIs(f, g.gi_frame)
        g.close()

    def test_frame_locals_visible(self):
        seen = []

        def respond(r):
            seen.append((r.event, dict(r.frame.f_locals)))
        self.recorder(0, E.PY_START | E.PY_RETURN, in_codes(plain.__code__),
                      respond=respond)
        plain(4, 5)
        self.stop()
        self.assertEqual(seen, [('PY_START', {'a': 4, 'b': 5}),
                                ('PY_RETURN', {'a': 4, 'b': 5})])


class TimingTest(MonitoringTestCase):

    def test_events_set_inside_running_function_reach_later_frames(self):
        self.use_tool(0)
        rec = Recorder(0, FRAME_EVENTS, in_codes(plain.__code__)).register()
        enables_then_calls(0)
        self.stop()
        self.assertEvents(rec, [
            ('PY_START', 'plain', 0),
            ('PY_RETURN', 'plain', Layout(plain.__code__).ret, 3),
        ])

    def test_events_set_inside_running_function_reach_that_frame(self):
        # contract 7: set_events takes effect at once, including in the
        # frame that called it: its own PY_RETURN is reported.
        self.use_tool(0)
        rec = Recorder(0, FRAME_EVENTS,
                       in_codes(enables_then_calls.__code__)).register()
        enables_then_calls(0)
        self.stop()
        self.assertEvents(rec, [
            ('PY_RETURN', 'enables_then_calls',
             Layout(enables_then_calls.__code__).ret, 'x'),
        ])

    def test_local_events_set_by_the_running_frame(self):
        self.use_tool(0)
        self._local_codes.add((0, sets_own_local_events.__code__))
        rec = Recorder(0, FRAME_EVENTS, HERE).register()
        sets_own_local_events(0)
        sets_own_local_events(0)
        ret = Layout(sets_own_local_events.__code__).ret
        self.assertEvents(rec, [
            ('PY_RETURN', 'sets_own_local_events', ret, 'own'),
            ('PY_RETURN', 'sets_own_local_events', ret, 'own'),
        ])

    def test_events_cleared_inside_running_function(self):
        rec = self.recorder(0, FRAME_EVENTS, HERE)
        disables_then_calls(0)
        self.assertEvents(rec, [
            ('PY_START', 'disables_then_calls', 0),
        ])


def disables_then_calls(tool):
    monitoring.set_events(tool, 0)
    plain(1, 2)
    return 'y'


if __name__ == '__main__':
    unittest.main()
