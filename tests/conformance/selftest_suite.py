"""A synthetic suite for ``python tools/conformance.py --selftest``.

The runner treats it exactly as it treats CPython's test_monitoring.py, and
SELFTEST_EXPECTED in tools/conformance.py states the outcome each test must
get: a crash, a hang, a statement that does not compile, a failed import, a
test that leaves monitoring switched on, and the ordinary unittest outcomes.
It is not named test*.py on purpose: unittest discovery must not run it.
"""

import sys
import unittest

import _conformance_selftest_no_such_module  # fails: its users get NameError

E = sys.monitoring.events
LEAKED = []


def target():
    return 1


class Outcomes(unittest.TestCase):

    def test_pass(self):
        self.assertEqual(target(), 1)

    def test_fail(self):
        self.assertEqual(target(), 2)

    def test_error(self):
        raise RuntimeError("raised on purpose")

    @unittest.skip("skipped on purpose")
    def test_skip(self):
        pass

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(target(), 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass

    def test_subtest_fail(self):
        for i in range(2):
            with self.subTest(i=i):
                self.assertEqual(i, 0)


class Crashes(unittest.TestCase):

    def test_1_before(self):
        pass

    def test_2_segfault(self):
        import ctypes
        ctypes.string_at(0)

    def test_3_after(self):
        pass

    def test_4_hang(self):
        while True:
            pass

    def test_5_after(self):
        pass


class Syntax(unittest.TestCase):

    def test_compiles(self):
        pass

    def test_match_statement(self):
        match target():
            case 1:
                pass

    def test_line_numbers(self):
        line = sys._getframe().f_lineno  # selftest: line
        with open(__file__) as f:
            lines = list(enumerate(f, 1))
        marks = [n for n, text in lines if "selftest: " + "line" in text]
        defs = [n for n, text in lines if text.startswith("def target")]
        self.assertEqual([line], marks)
        self.assertEqual([target.__code__.co_firstlineno], defs)


class Isolation(unittest.TestCase):

    def test_1_leak(self):
        m = sys.monitoring
        m.use_tool_id(2, "selftest leak")
        m.register_callback(2, E.PY_START, lambda *args: LEAKED.append(args))
        m.set_events(2, E.PY_START)
        m.set_local_events(2, target.__code__, E.PY_RETURN)
        target()
        self.assertTrue(LEAKED)
        del LEAKED[:]
        self.fail("leaving tool 2 in use, with events and a callback")

    def test_2_clean(self):
        # test_1_leak's callback kept recording until the runner's reset.
        del LEAKED[:]
        m = sys.monitoring
        for tool in range(6):
            self.assertIsNone(m.get_tool(tool))
            self.assertEqual(m.get_events(tool), 0)
            self.assertEqual(m.get_local_events(tool, target.__code__), 0)
        m.use_tool_id(2, "selftest clean")
        try:
            m.set_events(2, E.PY_START)
            target()
        finally:
            m.set_events(2, 0)
            m.free_tool_id(2)
        self.assertEqual(LEAKED, [])


class ModuleLevel(unittest.TestCase):

    def test_uses_failed_import(self):
        _conformance_selftest_no_such_module.anything


class Missing(UndefinedBase, unittest.TestCase):

    def test_in_undefined_class(self):
        pass


class Mixin:

    def test_inherited(self):
        pass


class UsesMixin(Mixin, unittest.TestCase):
    pass


class Dynamic(unittest.TestCase):
    pass


# Only the loader at run time sees this one; the runner must still run it.
Dynamic.test_added_at_run_time = lambda self: None
