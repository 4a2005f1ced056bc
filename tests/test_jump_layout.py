"""JUMP events where 3.12+'s block layout differs from 3.8-3.11's.

3.12+ move code that only exception handlers reach (an `except` clause, a
`with` block's or a `finally` body's exceptional exit) to the end of the
function, so the jump that 3.8-3.11 make over it at the end of a `try`
body, a `with` block or a `finally` body is gone: no JUMP there; so is
a jump to a small block that leaves the function (3.12+ copy it into the
jump's place; 3.10 does too, 3.8/3.9/3.11 jump).  And
3.12+ have no backward conditional jump: a `while` loop's copied test
(3.10/3.11) is a forward branch over a JUMP_BACKWARD, so taking it back
into the loop is BRANCH_LEFT then a JUMP on the test's line.  pep669 gave
the JUMP of the first and none for the second (found by
tools/event_diff.py --events LINE,BRANCH_LEFT,BRANCH_RIGHT,JUMP, session
11).  Fixed in lineflow.c (mark_jumps) and legacy_events.c (fire_jump).
Source lines only: destinations follow each version's layout
(docs/differences.md).  Every test passes natively on 3.12/3.13.
"""
import dis
import sys
import unittest

from tests.support import MonitoringTestCase, Recorder, events, monitoring

TOOL = 2
OLD_WHILE = sys.version_info[:2] in ((3, 8), (3, 9))


class _Ctx:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _try_body(x):
    try:
        x += 1
    except ValueError:
        x = 0
    return x


def _try_else(x):
    try:
        x += 1
    except ValueError:
        x = 0
    else:
        x += 2
    return x


def _with_body(x):
    with _Ctx():
        x += 1
    return x


def _finally_body(x):
    try:
        x += 1
    finally:
        x += 2
    return x


def _in_loop(n):
    for i in range(n):
        try:
            n += 1
        except ValueError:
            n = 0
        with _Ctx():
            n += 1
        try:
            n += 1
        finally:
            n += 2
        x = i
    return x


def _handler_jumps(x):
    try:
        raise ValueError(x)
    except ValueError:
        x = 0
    x += 1
    x += 2
    x += 3
    return x


def _if_else_return(c):
    if c:
        x = 1
    else:
        x = 2
    return x


_lam = lambda v, w=2: v * w if v else w  # noqa: E731


def _if_return_sum(c, items):
    if c:
        c += 1
    else:
        items = 2
    return c + items


def _if_return_method(c):
    if c:
        x = 1
    else:
        x = 2
    return x.bit_length()


def _if_return_global_call(c):
    if c:
        x = 1
    else:
        x = 2
    return abs(x)


def _while(n):
    i = 0
    while i < n:
        i += 1
    return i


def _while_if(n):
    i = 0
    while i < n:
        i += 1
        if i == 2:
            i += 1
    return i


def _handler_to_small_exit(x):
    try:
        if x % 3 == 1:
            raise StopIteration
    except (ValueError, KeyError):
        x = 1
    except StopIteration:
        x = 2
    return x


def _rel(code, offset):
    line = None
    for start, ln in dis.findlinestarts(code):
        if start > offset:
            break
        line = ln
    return None if line is None else line - code.co_firstlineno


class JumpLayoutTest(MonitoringTestCase):

    def run_events(self, ev, func, *args):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, ev, lambda c: c is func.__code__).register()
        monitoring.set_events(TOOL, ev)
        try:
            for a in args:
                func(a)
        finally:
            monitoring.set_events(TOOL, 0)
        out = []
        for e in rec.events():
            name = e[0]
            if name in ('JUMP', 'BRANCH_LEFT', 'BRANCH_RIGHT'):
                out.append((name, _rel(func.__code__, e[2])))
        return out

    # -- no JUMP over code only handlers reach

    def test_try_body_end(self):
        self.assertEqual(self.run_events(events.JUMP | events.LINE,
                                         _try_body, 1), [])

    def test_try_else(self):
        self.assertEqual(self.run_events(events.JUMP, _try_else, 1), [])

    def test_with_block_end(self):
        self.assertEqual(self.run_events(events.JUMP, _with_body, 1), [])

    def test_finally_body_end(self):
        self.assertEqual(self.run_events(events.JUMP, _finally_body, 1), [])

    def test_in_loop(self):
        # only the loop's jump back
        self.assertEqual(self.run_events(events.JUMP, _in_loop, 2),
                         [('JUMP', 12)] * 2)

    def test_handler_jump_kept(self):
        # the handler's own jump to the code after it stays (3.12+ jump
        # back from the end of the function)
        self.assertEqual(self.run_events(events.JUMP, _handler_jumps, 1),
                         [('JUMP', 4)])

    # -- no JUMP to a small exit block (3.10, 3.12+ copy it in its place)

    def test_handler_to_small_exit(self):
        # from the end of an `except` clause too (a jump only handlers
        # reach; session 13, before a JUMP on 3.8/3.9/3.11)
        self.assertEqual(self.run_events(events.JUMP | events.LINE,
                                         _handler_to_small_exit, 1, 0, 2),
                         [])

    def test_if_to_shared_return(self):
        self.assertEqual(self.run_events(events.JUMP, _if_else_return,
                                         1, 0), [])

    def test_lambda_conditional(self):
        self.assertEqual(self.run_events(events.JUMP | events.LINE,
                                         _lam, 1, 0), [])

    def test_if_to_shared_return_sum(self):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, events.JUMP,
                       lambda c: c is _if_return_sum.__code__).register()
        monitoring.set_events(TOOL, events.JUMP)
        try:
            _if_return_sum(1, 1)
            _if_return_sum(0, 1)
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(rec.events(), [])

    def test_if_to_shared_method_call_return(self):
        # `return x.bit_length()`: four instructions on 3.12+ (LOAD_FAST,
        # LOAD_ATTR, CALL, RETURN_VALUE), copied into the `if` block; 3.11's
        # PRECALL is not counted (before: a JUMP on 3.11)
        self.assertEqual(self.run_events(events.JUMP | events.LINE,
                                         _if_return_method, 1, 0), [])

    @unittest.skipUnless(sys.version_info[:2] == (3, 11) or
                         sys.version_info >= (3, 13),
                         "3.12 has no PUSH_NULL for a global callee when "
                         "it sizes the block (it copies `return abs(x)`); "
                         "3.8/3.9/3.10 count or copy as 3.12 "
                         "(docs/differences.md)")
    def test_if_to_shared_global_call_return(self):
        # `return abs(x)`: five on 3.13 (LOAD_GLOBAL, PUSH_NULL,
        # LOAD_FAST, CALL, RETURN_VALUE): the jump stays
        self.assertEqual(self.run_events(events.JUMP,
                                         _if_return_global_call, 1, 0),
                         [('JUMP', 2)])

    def disabled_jumps(self, func, arg):
        """The JUMP sources of two calls of func(arg) whose callback
        returns DISABLE each time (relative offsets)."""
        self.use_tool(TOOL)
        got = []

        def cb(code, src, dest):
            if code is func.__code__:
                got.append(_rel(code, src))
                return monitoring.DISABLE
        monitoring.register_callback(TOOL, events.JUMP, cb)
        self.addCleanup(monitoring.register_callback, TOOL, events.JUMP,
                        None)
        monitoring.set_events(TOOL, events.JUMP)
        try:
            func(arg)
            func(arg)
        finally:
            monitoring.set_events(TOOL, 0)
            monitoring.restart_events()
        return got

    def test_disable(self):
        # DISABLE of the loop's jump back leaves nothing
        self.assertEqual(self.disabled_jumps(_in_loop, 3), [12])

    # -- the JUMP_BACKWARD of a reversed backward branch

    @unittest.skipIf(OLD_WHILE, "3.8/3.9 test a while loop at its top "
                     "only (docs/differences.md)")
    def test_while_back_disable(self):
        self.assertEqual(self.disabled_jumps(_while, 3), [2])

    @unittest.skipIf(OLD_WHILE, "3.8/3.9 test a while loop at its top "
                     "only (docs/differences.md)")
    def test_while_back(self):
        ev = events.JUMP | events.BRANCH_LEFT | events.BRANCH_RIGHT
        self.assertEqual(self.run_events(ev, _while, 3), [
            ('BRANCH_LEFT', 2), ('BRANCH_LEFT', 2), ('JUMP', 2),
            ('BRANCH_LEFT', 2), ('JUMP', 2), ('BRANCH_RIGHT', 2)])

    @unittest.skipIf(OLD_WHILE, "3.8/3.9 test a while loop at its top "
                     "only (docs/differences.md)")
    def test_while_back_jump_only(self):
        self.assertEqual(self.run_events(events.JUMP, _while, 3),
                         [('JUMP', 2)] * 2)

    @unittest.skipIf(OLD_WHILE, "3.8/3.9 test a while loop at its top "
                     "only (docs/differences.md)")
    def test_while_if_back(self):
        self.assertEqual(self.run_events(events.JUMP | events.LINE,
                                         _while_if, 4),
                         [('JUMP', 2)] * 2)


if __name__ == "__main__":
    unittest.main()
