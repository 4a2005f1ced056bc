"""Differences from native found by tools/event_cases.py, one class each.

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on 3.8-3.11 before the fix named in its class's docstring.
"""
import sys
import unittest

from tests.support import MonitoringTestCase, Recorder, events, monitoring

TOOL = 2


def _mine(code):
    return code.co_filename == __file__


# ----------------------------------------------------------------------
# throw() into a generator suspended in `yield from`

def _inner():
    try:
        yield 1
    except KeyError:
        yield 2


def _outer():
    yield from _inner()


def _throw_then_call(make):
    it = make()
    next(it)
    a = it.throw(KeyError)
    b = len("ab")
    return a, b


class ThrowIntoDelegationTest(MonitoringTestCase):
    """gen_throw() makes the delegating generator the thread's current
    frame while it throws into the delegate: when the delegate's run
    ended, the trampoline took that suspended frame for its caller and
    switched tracing off for the frame that called throw() (its later
    CALL events were lost on its first, traced, run).  Fixed in
    trampoline.c (past_throw)."""

    def run_case(self, event_set):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, event_set, _mine).register()
        monitoring.set_events(TOOL, event_set)
        try:
            _throw_then_call(_outer)
        finally:
            monitoring.set_events(TOOL, 0)
        return [(e[0], e[3].__name__) for e in
                rec.events("CALL") if e[1] == "_throw_then_call"]

    def test_calls_after_throw(self):
        self.assertEqual(self.run_case(events.CALL), [
            ("CALL", "_outer"), ("CALL", "next"), ("CALL", "throw"),
            ("CALL", "len")])

    def test_calls_after_throw_with_lines(self):
        self.assertEqual(self.run_case(events.CALL | events.LINE), [
            ("CALL", "_outer"), ("CALL", "next"), ("CALL", "throw"),
            ("CALL", "len")])


# ----------------------------------------------------------------------
# A C_RAISE callback that raises

def _int_fails():
    try:
        int("x")
    except ValueError as e:
        return "handled %s" % type(e).__name__
    except KeyError as e:
        return "handled %s" % type(e).__name__


class CRaiseCallbackRaisesTest(MonitoringTestCase):
    """A C_RAISE callback's exception (or the ValueError of a DISABLE
    returned from C_RAISE) replaces the call's: natively the frame then
    raises it, with its RAISE and EXCEPTION_HANDLED events.  The
    trampoline got it as its trace function's error, where the
    interpreter reports no exception again: no RAISE, no
    EXCEPTION_HANDLED.  Fixed in legacy_events.c (raised_instead)."""

    def run_case(self, respond, more=0):
        self.use_tool(TOOL)
        ev = (events.CALL | events.C_RAISE | events.C_RETURN |
              events.RAISE | events.EXCEPTION_HANDLED | more)

        def reply(rec):
            if rec.event == "C_RAISE":
                return respond()
            return None
        rec = Recorder(TOOL, ev, _mine, reply).register()
        monitoring.set_events(TOOL, ev)
        results = []
        try:
            for _ in range(2):
                results.append(_int_fails())
        finally:
            monitoring.set_events(TOOL, 0)
        got = [(e[0], e[3].__name__ if e[0] == "C_RAISE" else
                e[3][0].__name__) for e in rec.events(
                    "C_RAISE", "RAISE", "EXCEPTION_HANDLED")]
        return results, got

    def test_callback_raises(self):
        def respond():
            raise KeyError("from the callback")
        results, got = self.run_case(respond)
        self.assertEqual(results, ["handled KeyError"] * 2)
        self.assertEqual(got[:3], [
            ("C_RAISE", "int"), ("RAISE", "KeyError"),
            ("EXCEPTION_HANDLED", "KeyError")])
        self.assertEqual(got[3:6], got[:3])

    def test_callback_raises_traced(self):
        # (LINE: the frame runs traced, not on call probes)
        def respond():
            raise KeyError("from the callback")
        results, got = self.run_case(respond, events.LINE)
        self.assertEqual(results, ["handled KeyError"] * 2)
        self.assertEqual(got[:3], [
            ("C_RAISE", "int"), ("RAISE", "KeyError"),
            ("EXCEPTION_HANDLED", "KeyError")])
        self.assertEqual(got[3:6], got[:3])

    def test_disable_from_c_raise_traced(self):
        results, got = self.run_case(lambda: monitoring.DISABLE, events.LINE)
        self.assertEqual(results, ["handled ValueError"] * 2)
        self.assertEqual(got, [
            ("C_RAISE", "int"), ("RAISE", "ValueError"),
            ("EXCEPTION_HANDLED", "ValueError"),
            ("RAISE", "ValueError"), ("EXCEPTION_HANDLED", "ValueError")])

    def test_disable_from_c_raise(self):
        results, got = self.run_case(lambda: monitoring.DISABLE)
        self.assertEqual(results, ["handled ValueError"] * 2)
        # The callback is removed: the second call gives no C_RAISE.
        self.assertEqual(got, [
            ("C_RAISE", "int"), ("RAISE", "ValueError"),
            ("EXCEPTION_HANDLED", "ValueError"),
            ("RAISE", "ValueError"), ("EXCEPTION_HANDLED", "ValueError")])


# ----------------------------------------------------------------------
# A PY_RETURN callback that raises

def _returns(x):
    return x


def _calls_returns():
    try:
        return _returns(1)
    except ZeroDivisionError:
        return "zde"


class PyReturnCallbackRaisesTest(MonitoringTestCase):
    """A PY_RETURN callback's exception is raised by the return
    instruction: natively its RAISE comes first, then PY_UNWIND.  The
    hook fired PY_UNWIND alone.  Fixed in frames.c (frame_raised_at)."""

    def test_raise_then_unwind(self):
        self.use_tool(TOOL)
        ev = (events.PY_RETURN | events.RAISE | events.PY_UNWIND |
              events.EXCEPTION_HANDLED)

        def reply(rec):
            if rec.event == "PY_RETURN" and rec.code is _returns.__code__:
                1 / 0
        rec = Recorder(TOOL, ev, _mine, reply).register()
        monitoring.set_events(TOOL, ev)
        try:
            result = _calls_returns()
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(result, "zde")
        got = [(e[0], e[1]) for e in rec.events()]
        self.assertEqual(got, [
            ("PY_RETURN", "_returns"), ("RAISE", "_returns"),
            ("PY_UNWIND", "_returns"), ("RAISE", "_calls_returns"),
            ("EXCEPTION_HANDLED", "_calls_returns"),
            ("PY_RETURN", "_calls_returns")])
        ret = rec.events("PY_RETURN")[0][2]
        self.assertEqual(rec.events("RAISE")[0][2], ret)
        self.assertEqual(rec.events("PY_UNWIND")[0][2], ret)


# ----------------------------------------------------------------------
# 3.11 does not copy exit blocks (docs/differences.md, "Line-level")

def _branches(x):
    if x:
        y = 1
    else:
        y = 2
    return y


class ExitBlockCopiesTest(MonitoringTestCase):
    """Bytecode-inherent: the `return y` line is two locations on 3.10
    and 3.12+, one on 3.8/3.9/3.11; a LINE DISABLEd there after the `if`
    branch comes back for the `else` branch only where it is two."""

    def test_return_line_after_disable(self):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, events.LINE,
                       lambda c: c is _branches.__code__,
                       lambda r: monitoring.DISABLE).register()
        monitoring.set_events(TOOL, events.LINE)
        try:
            _branches(1)
            _branches(0)
        finally:
            monitoring.set_events(TOOL, 0)
        first = _branches.__code__.co_firstlineno
        lines = [e[2] - first for e in rec.events("LINE")]
        copied = sys.version_info[:2] not in ((3, 8), (3, 9), (3, 11))
        self.assertEqual(lines, [1, 2, 5, 4] + ([5] if copied else []))


    def test_call_after_conditional_expression(self):
        # tools/event_diff.py --disable --seed 92, program 39: the call
        # after `a if c else b` is two CALL locations where the exit
        # block is copied (3.10, 3.12+), one on 3.8/3.9/3.11
        self.use_tool(TOOL)
        ev = events.CALL | events.C_RETURN | events.C_RAISE
        rec = Recorder(TOOL, ev,
                       lambda c: c is _append_condexpr.__code__,
                       lambda r: monitoring.DISABLE
                       if r.event == "CALL" else None).register()
        monitoring.set_events(TOOL, ev)
        try:
            _append_condexpr(3, [])
            _append_condexpr(1, [])
            _append_condexpr(1, [])
        finally:
            monitoring.set_events(TOOL, 0)
        copied = sys.version_info[:2] not in ((3, 8), (3, 9), (3, 11))
        self.assertEqual([e[0] for e in rec.events()],
                         ["CALL", "C_RETURN"] * (2 if copied else 1))


def _append_condexpr(x, items):
    items.append(x if x > 2 else -x)
    return x


# ----------------------------------------------------------------------
# sys.settrace() called by a traced frame

def _settrace_in_frame(tracer):
    r = 1
    sys.settrace(tracer)
    r += 1
    r += len("x")
    sys.settrace(None)
    r += 2
    return r


class SettraceInTracedFrameTest(MonitoringTestCase):
    """sys.settrace() called by a frame that pep669 traces replaced the
    trampoline: the frame's LINE and CALL events stopped until it called
    a Python function.  Natively the tools go on.  Fixed in module.c
    (sys.settrace is a wrapper that lets the frame follow its events
    again)."""

    def run_case(self, tracer):
        self.use_tool(TOOL)
        ev = events.LINE | events.CALL | events.C_RETURN | events.C_RAISE
        rec = Recorder(TOOL, ev,
                       lambda c: c is _settrace_in_frame.__code__).register()
        old = sys.gettrace()
        self.addCleanup(sys.settrace, old)
        monitoring.set_events(TOOL, ev)
        try:
            _settrace_in_frame(tracer)
        finally:
            monitoring.set_events(TOOL, 0)
        first = _settrace_in_frame.__code__.co_firstlineno
        return [(e[0], e[2] - first) if e[0] == "LINE" else
                (e[0], e[3].__name__) for e in rec.events()]

    expected = [
        ("LINE", 1), ("LINE", 2), ("CALL", "settrace"),
        ("C_RETURN", "settrace"), ("LINE", 3), ("LINE", 4),
        ("CALL", "len"), ("C_RETURN", "len"), ("LINE", 5),
        ("CALL", "settrace"), ("C_RETURN", "settrace"), ("LINE", 6),
        ("LINE", 7)]

    def test_settrace_none(self):
        self.assertEqual(self.run_case(None), self.expected)

    def test_settrace_tracer(self):
        seen = []

        def tracer(frame, event, arg):
            seen.append(event)
            return tracer
        self.assertEqual(self.run_case(tracer), self.expected)
        # (the running frame has no f_trace: the tracer sees nothing)
        self.assertEqual(seen, [])


# ----------------------------------------------------------------------
# The LINE of a throw into `yield from`, after the RAISE

def _sub():
    yield 1


def _delegating():
    try:
        yield from _sub()
    except KeyError:
        return "handled"


class ThrowIntoDelegationLineOrderTest(MonitoringTestCase):
    """3.13 reports the `yield from` line again when a throw() comes back
    out of the delegate (docs/differences.md), after the frame's RAISE of
    the exception (the LINE comes from its CLEANUP_THROW handler).  The
    hook fired that LINE with PY_THROW, before the RAISE.  Fixed in
    frames.c/legacy_events.c (the record's delegate_line).  3.12 reports
    no such LINE."""

    def test_line_after_raise(self):
        self.use_tool(TOOL)
        ev = events.PY_THROW | events.RAISE | events.LINE
        code = _delegating.__code__
        rec = Recorder(TOOL, ev, lambda c: c is code).register()
        it = _delegating()
        next(it)
        monitoring.set_events(TOOL, ev)
        try:
            with self.assertRaises(StopIteration):
                it.throw(KeyError)
        finally:
            monitoring.set_events(TOOL, 0)
        first = code.co_firstlineno
        got = [(e[0], e[2] - first) if e[0] == "LINE" else (e[0],)
               for e in rec.events()]
        expected = [("PY_THROW",), ("RAISE",), ("LINE", 2), ("LINE", 3),
                    ("LINE", 4)]
        if sys.version_info[:2] == (3, 12):
            expected.remove(("LINE", 2))
        self.assertEqual(got, expected)


if __name__ == "__main__":
    unittest.main()


# ----------------------------------------------------------------------
# BRANCH_LEFT/RIGHT of branches that 3.12+ reverse (tools/event_diff.py)

def _if_continue_last(x):
    for i in (1, 2):
        x += 1
        if x % 2 == 1:
            x += 1
            continue
    return x


def _if_last(x):
    for i in (1, 2, 3):
        if x > i:
            x -= 1
    return x


def _if_last_in_while(x):
    while x < 6:
        x += 1
        if x > 2:
            x += 1
    return x


def _while_last(x):
    for i in (1, 2):
        n = 0
        while n < x:
            n += 1
    return n


def _line_of(code, offset):
    import dis
    line = None
    for start, ln in dis.findlinestarts(code):
        if start > offset:
            break
        if ln is not None:
            line = ln
    return line - code.co_firstlineno


class ReversedBranchSidesTest(MonitoringTestCase):
    """3.12+ have no backward conditional jump: a branch that jumps back
    (an `if` ending a loop's body, 3.8-3.10's jump to the loop head) is
    reversed over a JUMP_BACKWARD, and so is a branch to an unconditional
    backward jump on its line (3.10/3.11's end of such an `if`: 3.12
    threads it first).  The taken edge is then LEFT, the fall-through
    RIGHT.  pep669 reported them the other way round (only the copy of a
    `while` loop's test was swapped).  Fixed in lineflow.c
    (pep669_branch_side).  Sides and source lines only: the destinations'
    lines follow each version's jump layout (docs/differences.md)."""

    def run_sides(self, func, *args):
        self.use_tool(TOOL)
        ev = events.BRANCH_LEFT | events.BRANCH_RIGHT
        rec = Recorder(TOOL, ev, lambda c: c is func.__code__).register()
        monitoring.set_events(TOOL, ev)
        try:
            for a in args:
                func(a)
        finally:
            monitoring.set_events(TOOL, 0)
        return [(e[0][7], _line_of(func.__code__, e[2]))
                for e in rec.events()]

    def test_if_continue_last_in_loop(self):
        self.assertEqual(self.run_sides(_if_continue_last, 0, 1), [
            ("L", 1), ("R", 3), ("L", 1), ("R", 3), ("R", 1),
            ("L", 1), ("L", 3), ("L", 1), ("R", 3), ("R", 1)])

    def test_if_last_in_loop(self):
        self.assertEqual(self.run_sides(_if_last, 2), [
            ("L", 1), ("R", 2), ("L", 1), ("L", 2), ("L", 1), ("L", 2),
            ("R", 1)])

    def test_if_last_in_while(self):
        # 3.10+ jump forward to the copy of the loop's test, 3.8/3.9 back
        # to its one test: not reversed
        self.assertEqual(self.run_sides(_if_last_in_while, 0), [
            ("L", 1), ("R", 3), ("L", 1), ("R", 3), ("L", 1), ("L", 3),
            ("L", 1), ("L", 3), ("R", 1)])

    @unittest.skipIf(sys.version_info[:2] in ((3, 8), (3, 9)),
                     "3.8/3.9 test a while loop at its top only: its first "
                     "entry is reported as its later tests "
                     "(docs/differences.md)")
    def test_while_last_in_loop(self):
        self.assertEqual(self.run_sides(_while_last, 1, 0), [
            ("L", 1), ("R", 3), ("R", 3), ("L", 1), ("R", 3), ("R", 3),
            ("R", 1), ("L", 1), ("L", 3), ("L", 1), ("L", 3), ("R", 1)])


# ----------------------------------------------------------------------
# The re-raise at the end of a `finally` block (tools/event_cases.py
# finally_swallows_with_return): bytecode-inherent

def _finally_if_return():
    for i in range(2):
        try:
            raise ValueError(i)
        finally:
            if i:
                return i


class FinallyReraiseLineTest(MonitoringTestCase):
    """Bytecode-inherent: 3.10/3.11's line table gives the RERAISE that
    ends a `finally` block whose last statement is `if ...: return` the
    line of the `return`, so that line is reported when the exception
    goes on (3.8/3.9 give it no new line, 3.12+ the `if` line)."""

    def test_lines_before_reraise(self):
        self.use_tool(TOOL)
        code = _finally_if_return.__code__
        rec = Recorder(TOOL, events.LINE | events.RERAISE,
                       lambda c: c is code).register()
        monitoring.set_events(TOOL, events.LINE | events.RERAISE)
        try:
            with self.assertRaises(ValueError):
                _finally_if_return()
        finally:
            monitoring.set_events(TOOL, 0)
        got = [e[2] - code.co_firstlineno if e[0] == "LINE" else e[0]
               for e in rec.events()]
        while got[-1] == got[-2] == "RERAISE":
            got.pop()   # 3.11+ re-raise again from a cleanup handler
        return_line = sys.version_info[:2] in ((3, 10), (3, 11))
        self.assertEqual(got, [1, 2, 3, 5] + ([6] if return_line else [])
                         + ["RERAISE"])


# ----------------------------------------------------------------------
# An exception raised by a BRANCH (JUMP) callback

class _Boom(Exception):
    pass


def _branch_in_try(n):
    r = []
    for i in range(n):
        try:
            if i:
                r.append(i)
            else:
                r.append(-i)
        except _Boom:
            r.append('caught')
    return r


_IF_LINE = 4    # (relative to the def line, as _line_of gives them)
_ELSE_LINE = 7


@unittest.skipIf(sys.version_info >= (3, 12),
                 "3.12.1/3.13.0 raise it at another offset of the frame "
                 "(a JUMP's outside the code), where the try's handler "
                 "does not catch it: docs/differences.md")
class BranchCallbackRaisesTest(MonitoringTestCase):
    """The backport raises a BRANCH or JUMP callback's exception at the
    jump's destination, where the frame arrived (docs/differences.md,
    "Callbacks that raise at JUMP or BRANCH"): inside the `try` here, so
    the frame's handler catches it.  Pinned, not native."""

    def test_caught_at_the_destination(self):
        self.use_tool(TOOL, 'boom')
        raised = []
        armed = [True]

        def branch(code, src, dst):
            if (code is _branch_in_try.__code__ and armed[0] and
                    _line_of(code, src) == _IF_LINE):
                armed[0] = False
                raise _Boom()

        def on_raise(code, offset, exc):
            if code is _branch_in_try.__code__:
                raised.append(_line_of(code, offset))

        monitoring.register_callback(TOOL, events.BRANCH, branch)
        monitoring.register_callback(TOOL, events.RAISE, on_raise)
        monitoring.set_local_events(TOOL, _branch_in_try.__code__,
                                    events.BRANCH)
        monitoring.set_events(TOOL, events.RAISE)
        try:
            r = _branch_in_try(2)
        finally:
            monitoring.set_events(TOOL, 0)
            monitoring.set_local_events(TOOL, _branch_in_try.__code__, 0)
        self.assertEqual(r, ['caught', 1])
        self.assertEqual(raised, [_ELSE_LINE])
