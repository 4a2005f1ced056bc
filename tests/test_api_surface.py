"""Details of the API surface and of what callbacks see, as native 3.13.

Found by tools/api_cases.py (which compares about 200 calls and attributes
with native 3.13); each test runs natively on 3.12/3.13 where the
behaviour is native.
"""

import inspect
import sys
import types
import unittest

from tests.support import MonitoringTestCase, events, monitoring, pep669

E = events

SIGNATURES = {
    'use_tool_id': '($module, tool_id, name, /)',
    'free_tool_id': '($module, tool_id, /)',
    'get_tool': '($module, tool_id, /)',
    'get_events': '($module, tool_id, /)',
    'set_events': '($module, tool_id, event_set, /)',
    'get_local_events': '($module, tool_id, code, /)',
    'set_local_events': '($module, tool_id, code, event_set, /)',
    'register_callback': '($module, tool_id, event, func, /)',
    'restart_events': '($module, /)',
    '_all_events': '($module, /)',
}
if sys.version_info < (3, 14):
    SIGNATURES['clear_tool_id'] = '($module, tool_id, /)'

# On 3.12/3.13 these are the native functions themselves.
NATIVE_OBJECTS = ('use_tool_id', 'free_tool_id', 'get_tool')


class FunctionAttributesTest(unittest.TestCase):

    def test_text_signature_and_doc(self):
        for name, sig in SIGNATURES.items():
            with self.subTest(name=name):
                func = getattr(monitoring, name)
                self.assertEqual(func.__text_signature__, sig)
                self.assertIsNone(func.__doc__)
                self.assertEqual(func.__module__, 'sys.monitoring')
                self.assertEqual(func.__name__, name)
                self.assertEqual(func.__qualname__, name)

    def test_inspect_signature(self):
        params = inspect.signature(monitoring.set_local_events).parameters
        self.assertEqual(list(params), ['tool_id', 'code', 'event_set'])
        for p in params.values():
            self.assertIs(p.kind, inspect.Parameter.POSITIONAL_ONLY)

    def test_self_is_the_module(self):
        for name in SIGNATURES:
            if pep669.NATIVE and name in NATIVE_OBJECTS:
                continue
            with self.subTest(name=name):
                self.assertIs(getattr(monitoring, name).__self__, monitoring)


def assigns():
    a = 1
    a = 2
    return a


def branches():
    a = 1
    if a:
        a = 2
    else:
        a = 5
    return a


def loops():
    a = 1
    for _ in range(2):
        a = 2
    return a


def calls_len():
    a = 1
    # (a deeper stack than the call's: a Py_DEBUG 3.11 probes it too)
    pad = [a, a, a, a, a]
    n = len(())
    return a + n, pad


def calls_int():
    a = 1
    try:
        int('z')
    except ValueError:
        pass
    return a


def callee(a):
    return a


def calls_py(a=1):
    pad = [a, a, a, a, a]
    callee(0)
    return a, pad


def fresh(func):
    """``func`` on a new code object (no copy, no DISABLE yet)."""
    return types.FunctionType(func.__code__.replace(), func.__globals__,
                              func.__name__, func.__defaults__)


#: 3.8-3.11 run code wanting CALL and no line-level event on call probes.
ON_CALL_PROBES = not pep669.NATIVE and sys.version_info < (3, 12)


@unittest.skipIf(sys.version_info[:2] == (3, 12),
                 "3.12: f_locals is a snapshot (PEP 667 is 3.13's)")
class LocalsWriteThroughTest(MonitoringTestCase):
    """3.13's frame.f_locals writes through to the frame's variables
    (PEP 667): a callback that assigns to it changes the variable."""

    def write_at(self, func, event, rel_line):
        self.use_tool(0, 'locals')

        def cb(code, *args):
            fr = sys._getframe(1)
            if code is func.__code__ and \
                    fr.f_lineno == code.co_firstlineno + rel_line:
                fr.f_locals['a'] = 42
        monitoring.register_callback(0, event, cb)
        self.set_local_events(0, func.__code__, event)
        try:
            return [func() for _ in range(3)]
        finally:
            self.set_local_events(0, func.__code__, 0)
            monitoring.register_callback(0, event, None)

    def test_line(self):
        self.assertEqual(self.write_at(assigns, E.LINE, 3), [42] * 3)

    def test_instruction(self):
        self.assertEqual(self.write_at(assigns, E.INSTRUCTION, 3), [42] * 3)

    def test_line_on_probes(self):
        # Every other line DISABLEd: 3.8-3.11 run the code on line probes.
        self.use_tool(0, 'locals')
        target = branches.__code__.co_firstlineno + 6

        def cb(code, line):
            if line != target:
                return monitoring.DISABLE
            sys._getframe(1).f_locals['a'] = 42
        monitoring.register_callback(0, E.LINE, cb)
        self.set_local_events(0, branches.__code__, E.LINE)
        try:
            self.assertEqual([branches() for _ in range(4)], [42] * 4)
        finally:
            self.set_local_events(0, branches.__code__, 0)
            monitoring.register_callback(0, E.LINE, None)

    def test_branch(self):
        self.assertEqual(self.write_at(loops, E.BRANCH, 2), [42] * 3)

    def write_at_call(self, func, event, callee):
        """``func`` run 4 times with CALL, C_RETURN and C_RAISE (3.8-3.11:
        from the second run on, on call probes); the callback of ``event``
        writes ``a`` at the call of ``callee``."""
        func = fresh(func)
        self.use_tool(0, 'locals')

        def cb(code, offset, callable, arg0, *rest):
            if code is func.__code__ and callable is callee:
                sys._getframe(1).f_locals['a'] = 42
        for ev in (E.CALL, E.C_RETURN, E.C_RAISE):
            monitoring.register_callback(0, ev, cb if ev == event else
                                         lambda *args: None)
        self.set_local_events(0, func.__code__,
                              E.CALL | E.C_RETURN | E.C_RAISE)
        try:
            got = [func() for _ in range(4)]
            if ON_CALL_PROBES:
                state = pep669._monitoring._probe_state(func.__code__)
                self.assertTrue(state['calls'])
                self.assertFalse(state['retired'])
            return got
        finally:
            self.set_local_events(0, func.__code__, 0)
            for ev in (E.CALL, E.C_RETURN, E.C_RAISE):
                monitoring.register_callback(0, ev, None)

    def test_call_on_call_probes(self):
        self.assertEqual(self.write_at_call(calls_len, E.CALL, len),
                         [(42, [1] * 5)] * 4)

    def test_c_return_on_call_probes(self):
        self.assertEqual(self.write_at_call(calls_len, E.C_RETURN, len),
                         [(42, [1] * 5)] * 4)

    def test_c_raise_on_call_probes(self):
        self.assertEqual(self.write_at_call(calls_int, E.C_RAISE, int),
                         [42] * 4)

    def test_call_of_python_function_on_call_probes(self):
        self.assertEqual(self.write_at_call(calls_py, E.CALL, callee),
                         [(42, [1] * 5)] * 4)

    def test_py_start_on_call_probes(self):
        # (frame events: the frame's own link/unlink writes back)
        self.use_tool(0, 'locals')
        func = fresh(calls_py)

        def start(code, offset):
            if code is func.__code__:
                sys._getframe(1).f_locals['a'] = 42
        monitoring.register_callback(0, E.PY_START, start)
        monitoring.register_callback(0, E.CALL, lambda *args: None)
        self.set_local_events(0, func.__code__, E.PY_START | E.CALL)
        try:
            self.assertEqual([func() for _ in range(4)],
                             [(42, [42] * 5)] * 4)
            if ON_CALL_PROBES:
                state = pep669._monitoring._probe_state(func.__code__)
                self.assertTrue(state['calls'])
        finally:
            self.set_local_events(0, func.__code__, 0)
            monitoring.register_callback(0, E.PY_START, None)
            monitoring.register_callback(0, E.CALL, None)


def handles_inner():
    try:
        raise KeyError(1)
    except KeyError:
        pass
    try:
        try:
            raise ValueError(2)
        finally:
            pass
    except ValueError:
        pass


def handles_outer():
    try:
        raise TypeError(0)
    except TypeError:
        handles_inner()
    try:
        raise OSError(3)
    except OSError:
        pass


class ExcInfoInHandledTest(MonitoringTestCase):
    """EXCEPTION_HANDLED fires before the handler makes the exception the
    handled one: sys.exc_info() in the callback is the one from before."""

    def test_exc_info_is_the_previous_one(self):
        self.use_tool(0, 'exc_info')
        first = {}

        def cb(code, offset, exc):
            first.setdefault(repr(exc), repr(sys.exc_info()[1]))
        monitoring.register_callback(0, E.EXCEPTION_HANDLED, cb)
        monitoring.set_events(0, E.EXCEPTION_HANDLED)
        try:
            handles_outer()
        finally:
            monitoring.set_events(0, 0)
            monitoring.register_callback(0, E.EXCEPTION_HANDLED, None)
        self.assertEqual(first, {
            'TypeError(0)': 'None', 'KeyError(1)': 'TypeError(0)',
            'ValueError(2)': 'TypeError(0)', 'OSError(3)': 'None'})
        self.assertEqual(sys.exc_info(), (None, None, None))


if __name__ == "__main__":
    unittest.main()
