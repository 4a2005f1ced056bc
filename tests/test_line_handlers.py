"""LINE with DISABLE (the coverage pattern) in generators and coroutines
whose later lines the bytecode reaches only through an exception handler
or a `yield from`/`await`: every line is still reported once.

pep669 runs a frame watched for exceptions only once the lines left to
report are reachable only through a handler; a generator that handled its
exception in an earlier run (before a yield) reaches them without one.
"""

import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 3


def handled_then_yield():
    try:
        raise KeyError
    except KeyError:
        pass
    yield 1
    x = 2
    return x


def inner():
    yield 1


def loop_then_yield_from():
    for v in [1]:
        pass
    yield from inner()
    x = 2
    return x


def handled_in_second_run():
    yield 1
    try:
        raise KeyError
    except KeyError:
        y = 1
    yield y
    return y + 1


async def handled_then_await():
    try:
        raise KeyError
    except KeyError:
        pass
    await Awaitable()
    x = 2
    return x


class Awaitable(object):
    def __await__(self):
        yield 1


def drive(function):
    result = function()
    if hasattr(result, "send"):
        try:
            while True:
                result.send(None)
        except StopIteration:
            pass


def handled_then_branch(flag=True):
    try:
        raise KeyError
    except KeyError:
        pass
    yield 1
    if flag:
        flag = 2
    return flag


class DisableEveryBranch(MonitoringTestCase):
    """The same for BRANCH: the branch after the yield is reported."""

    def branches(self, disable):
        code = handled_then_branch.__code__
        seen = []

        def branch(c, offset, destination):
            if c is code:
                seen.append((offset, destination))
            return monitoring.DISABLE if disable else None
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.BRANCH, branch)
        self.set_local_events(TOOL, code, events.BRANCH)
        try:
            drive(handled_then_branch)
            drive(handled_then_branch)
        finally:
            monitoring.set_local_events(TOOL, code, 0)
            monitoring.register_callback(TOOL, events.BRANCH, None)
            monitoring.free_tool_id(TOOL)
            monitoring.restart_events()
        return seen

    def test_branch_after_resume(self):
        every = self.branches(disable=False)
        self.doCleanups()
        self.setUp()
        once = self.branches(disable=True)
        self.assertTrue(every)
        self.assertEqual(set(once), set(every))
        self.assertEqual(len(once), len(set(once)))


class DisableEveryLine(MonitoringTestCase):

    def lines(self, function, disable):
        code = function.__code__
        seen = []

        def line(c, number):
            if c is code:
                seen.append(number - code.co_firstlineno)
            return monitoring.DISABLE if disable else None
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        self.set_local_events(TOOL, code, events.LINE)
        try:
            drive(function)
            drive(function)  # a second run: everything is DISABLEd
        finally:
            monitoring.set_local_events(TOOL, code, 0)
            monitoring.register_callback(TOOL, events.LINE, None)
            monitoring.free_tool_id(TOOL)
            monitoring.restart_events()
        return seen

    def check(self, function, expected):
        every = self.lines(function, disable=False)
        self.doCleanups()
        self.setUp()
        once = self.lines(function, disable=True)
        # Every line that runs is reported (DISABLE is per location: a
        # line with two locations, such as a `for` header, may come twice).
        self.assertEqual(sorted(set(once)), expected)
        self.assertEqual(set(once), set(every))

    def test_handled_then_yield(self):
        self.check(handled_then_yield, [1, 2, 3, 4, 5, 6, 7])

    def test_loop_then_yield_from(self):
        self.check(loop_then_yield_from, [1, 2, 3, 4, 5])

    def test_handled_in_second_run(self):
        self.check(handled_in_second_run, [1, 2, 3, 4, 5, 6, 7])

    def test_handled_then_await(self):
        self.check(handled_then_await, [1, 2, 3, 4, 5, 6, 7])


class _CM(object):
    def __init__(self, suppress):
        self.suppress = suppress

    def __enter__(self):
        return self

    def __exit__(self, typ, val, tb):
        if typ is not None and self.suppress:
            return True
        return False


def with_suppressed():
    with _CM(True):
        raise ValueError("swallowed")
    return "after"


def with_escaping():
    try:
        with _CM(False):
            raise KeyError("out")
    except KeyError:
        return "caught"


class CoverageToolPattern(MonitoringTestCase):
    """coverage.py's sys.monitoring core: PY_START switches LINE on for the
    code (set_local_events inside the callback) and DISABLEs itself; LINE
    records and DISABLEs.  The lines after a `with` block left by an
    exception are reached through a handler, after a Python `__exit__`
    ran (whose own PY_START changed the registry) and after the frame's
    other lines were DISABLEd (found with coverage.py, tools/realtools.py:
    they were lost on 3.8)."""

    def lines(self, functions):
        codes = [f.__code__ for f in functions] + [_CM.__exit__.__code__]
        seen = set()

        def py_start(code, offset):
            if code in codes:
                monitoring.set_local_events(TOOL, code, events.LINE)
            return monitoring.DISABLE

        def line(code, number):
            if code in codes:
                seen.add((code.co_name, number - code.co_firstlineno))
            return monitoring.DISABLE
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.PY_START, py_start)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.set_events(TOOL, events.PY_START)
        try:
            for function in functions:
                function()
        finally:
            monitoring.set_events(TOOL, 0)
            for code in codes:
                monitoring.set_local_events(TOOL, code, 0)
            monitoring.register_callback(TOOL, events.PY_START, None)
            monitoring.register_callback(TOOL, events.LINE, None)
            monitoring.free_tool_id(TOOL)
            monitoring.restart_events()
        return seen

    def test_with_left_by_an_exception(self):
        seen = self.lines([with_suppressed, with_escaping])
        self.assertEqual(
            sorted(n for f, n in seen if f == "with_suppressed"), [1, 2, 3])
        self.assertEqual(
            sorted(n for f, n in seen if f == "with_escaping"),
            [1, 2, 3, 4, 5])
        self.assertEqual(
            sorted(n for f, n in seen if f == "__exit__"), [1, 2, 3])


if __name__ == "__main__":
    unittest.main()
