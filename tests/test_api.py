"""The sys.monitoring API surface: names, constants, errors, bookkeeping.

Every expectation here was measured on native 3.12.1 and 3.13.0 (identical
on both); the backport must match them exactly, plus its 3.14 extras
(``clear_tool_id``, ``events.BRANCH_LEFT``/``BRANCH_RIGHT``).
"""

import sys
import types
import unittest

from tests.support import (EVENT_LIMIT, HAS_BRANCH_LEFT, SINGLE_EVENTS,
                           MonitoringTestCase, Recorder, events, in_codes,
                           in_files, leftover_state, monitoring, pep669)

E = events

# dir(sys.monitoring) on native 3.13.0 (the same on 3.12.1).
NATIVE_NAMES = [
    'COVERAGE_ID', 'DEBUGGER_ID', 'DISABLE', 'MISSING', 'OPTIMIZER_ID',
    'PROFILER_ID', '__doc__', '__loader__', '__name__', '__package__',
    '__spec__', '_all_events', 'events', 'free_tool_id', 'get_events',
    'get_local_events', 'get_tool', 'register_callback', 'restart_events',
    'set_events', 'set_local_events', 'use_tool_id',
]

EVENT_VALUES = {
    'PY_START': 1 << 0, 'PY_RESUME': 1 << 1, 'PY_RETURN': 1 << 2,
    'PY_YIELD': 1 << 3, 'CALL': 1 << 4, 'LINE': 1 << 5,
    'INSTRUCTION': 1 << 6, 'JUMP': 1 << 7, 'BRANCH': 1 << 8,
    'STOP_ITERATION': 1 << 9, 'RAISE': 1 << 10,
    'EXCEPTION_HANDLED': 1 << 11, 'PY_UNWIND': 1 << 12,
    'PY_THROW': 1 << 13, 'RERAISE': 1 << 14, 'C_RETURN': 1 << 15,
    'C_RAISE': 1 << 16, 'NO_EVENTS': 0,
}
BACKPORT_EVENT_VALUES = {'BRANCH_LEFT': 1 << 17, 'BRANCH_RIGHT': 1 << 18}

LOCAL_EVENTS = (E.PY_START | E.PY_RESUME | E.PY_RETURN | E.PY_YIELD |
                E.CALL | E.LINE | E.INSTRUCTION | E.JUMP | E.BRANCH |
                E.STOP_ITERATION)


def sample():
    return 1


def other_sample():
    return 2


CODE = sample.__code__



# Audit hooks cannot be removed: one hook for the whole module, recording
# only while a test switches it on (installing one per run would leak).
_AUDIT_LOG = []
_AUDITING = [False]
_AUDIT_HOOK = []


def _install_audit_hook():
    if not _AUDIT_HOOK:
        def hook(event, args):
            if _AUDITING[0] and event.startswith('sys.monitoring'):
                _AUDIT_LOG.append((event, args))
        sys.addaudithook(hook)
        _AUDIT_HOOK.append(hook)

class NamesTest(MonitoringTestCase):

    def test_dir(self):
        expected = list(NATIVE_NAMES)
        if sys.version_info < (3, 14):
            expected.append('clear_tool_id')
        self.assertEqual(sorted(dir(monitoring)), sorted(expected))

    def test_native_underneath(self):
        self.assertEqual(pep669.NATIVE, sys.version_info >= (3, 12))
        if sys.version_info >= (3, 14):
            self.assertIs(monitoring, sys.monitoring)
        elif pep669.NATIVE:
            # 3.12/3.13: the superset; what it adds nothing to is the
            # native object itself.
            native = pep669._native_monitoring
            self.assertIsNot(monitoring, native)
            for name in ('use_tool_id', 'free_tool_id', 'get_tool',
                         'DISABLE', 'MISSING', 'DEBUGGER_ID'):
                self.assertIs(getattr(monitoring, name),
                              getattr(native, name), name)
            self.assertIsNot(monitoring.events, native.events)
            self.assertEqual(monitoring.__name__, native.__name__)

    def test_clear_tool_id_and_branch_sides_before_3_14(self):
        self.assertTrue(hasattr(monitoring, 'clear_tool_id'))
        self.assertTrue(HAS_BRANCH_LEFT)
        self.assertTrue(hasattr(events, 'BRANCH_RIGHT'))

    def test_tool_constants(self):
        self.assertEqual(monitoring.DEBUGGER_ID, 0)
        self.assertEqual(monitoring.COVERAGE_ID, 1)
        self.assertEqual(monitoring.PROFILER_ID, 2)
        self.assertEqual(monitoring.OPTIMIZER_ID, 5)

    def test_events_namespace(self):
        self.assertIs(type(events), types.SimpleNamespace)
        expected = dict(EVENT_VALUES)
        if sys.version_info < (3, 14):
            expected.update(BACKPORT_EVENT_VALUES)
        self.assertEqual(vars(events), expected)
        for name, value in expected.items():
            self.assertIs(type(getattr(events, name)), int, name)

    def test_disable_and_missing(self):
        self.assertIs(type(monitoring.DISABLE), object)
        self.assertIs(type(monitoring.MISSING), object)
        self.assertIsNot(monitoring.DISABLE, monitoring.MISSING)
        self.assertIsNotNone(monitoring.DISABLE)
        # singletons: the same object every time
        self.assertIs(monitoring.DISABLE, pep669.monitoring.DISABLE)

    def test_functions_are_builtins(self):
        for name in ('use_tool_id', 'free_tool_id', 'get_tool',
                     'register_callback', 'get_events', 'set_events',
                     'get_local_events', 'set_local_events',
                     'restart_events', '_all_events'):
            self.assertIsInstance(getattr(monitoring, name),
                                  types.BuiltinFunctionType, name)


class InstallTest(MonitoringTestCase):

    def test_install(self):
        had = hasattr(sys, 'monitoring')
        before = getattr(sys, 'monitoring', None)
        try:
            self.assertIs(pep669.install(), monitoring)
            self.assertIs(sys.monitoring, monitoring)
            self.assertIs(pep669.install(), monitoring)
            self.assertIs(sys.monitoring, monitoring)
            if sys.version_info >= (3, 14):
                # native: left alone
                self.assertIs(sys.monitoring, before)
        finally:
            if not had:
                del sys.monitoring
            elif sys.version_info >= (3, 12):
                sys.monitoring = before
        self.assertEqual(hasattr(sys, 'monitoring'), had)


class ErrorsTest(MonitoringTestCase):
    """Section 1.2 of the internals note, checked one call at a time."""

    def setUp(self):
        super().setUp()
        self.use_tool(0, 'a')

    def check(self, exc_type, message, func, *args, **kwargs):
        with self.subTest(func=func.__name__, args=args, kwargs=kwargs):
            with self.assertRaises(exc_type) as cm:
                func(*args, **kwargs)
            self.assertIs(type(cm.exception), exc_type)
            self.assertEqual(str(cm.exception), message)

    def test_argument_counts(self):
        m = monitoring
        T = TypeError
        self.check(T, "use_tool_id expected 2 arguments, got 0", m.use_tool_id)
        self.check(T, "use_tool_id expected 2 arguments, got 1",
                   m.use_tool_id, 1)
        self.check(T, "use_tool_id expected 2 arguments, got 3",
                   m.use_tool_id, 1, 'x', 3)
        self.check(T, "sys.monitoring.use_tool_id() takes no keyword "
                   "arguments", m.use_tool_id, 1, name='x')
        self.check(T, "sys.monitoring.use_tool_id() takes no keyword "
                   "arguments", m.use_tool_id, tool_id=1, name='x')
        self.check(T, "sys.monitoring.restart_events() takes no arguments "
                   "(1 given)", m.restart_events, 1)
        self.check(T, "sys.monitoring.restart_events() takes no keyword "
                   "arguments", m.restart_events, x=1)
        self.check(T, "sys.monitoring._all_events() takes no arguments "
                   "(1 given)", m._all_events, 1)
        self.check(T, "sys.monitoring.get_tool() takes exactly one argument "
                   "(0 given)", m.get_tool)
        self.check(T, "sys.monitoring.get_tool() takes exactly one argument "
                   "(2 given)", m.get_tool, 1, 2)
        self.check(T, "sys.monitoring.get_tool() takes no keyword arguments",
                   m.get_tool, tool_id=1)
        self.check(T, "sys.monitoring.free_tool_id() takes exactly one "
                   "argument (0 given)", m.free_tool_id)
        self.check(T, "sys.monitoring.get_events() takes exactly one "
                   "argument (0 given)", m.get_events)
        self.check(T, "set_events expected 2 arguments, got 1",
                   m.set_events, 0)
        self.check(T, "set_events expected 2 arguments, got 3",
                   m.set_events, 0, 1, 2)
        self.check(T, "get_local_events expected 2 arguments, got 1",
                   m.get_local_events, 0)
        self.check(T, "set_local_events expected 3 arguments, got 2",
                   m.set_local_events, 0, CODE)
        self.check(T, "register_callback expected 3 arguments, got 2",
                   m.register_callback, 0, 1)

    def test_argument_types(self):
        m = monitoring
        T = TypeError
        self.check(T, "'str' object cannot be interpreted as an integer",
                   m.use_tool_id, '0', 'x')
        self.check(T, "'str' object cannot be interpreted as an integer",
                   m.get_tool, 'x')
        self.check(T, "'float' object cannot be interpreted as an integer",
                   m.get_tool, 1.0)
        self.check(T, "'NoneType' object cannot be interpreted as an "
                   "integer", m.get_tool, None)
        self.check(T, "'str' object cannot be interpreted as an integer",
                   m.set_events, 0, '1')
        self.check(T, "'float' object cannot be interpreted as an integer",
                   m.set_events, 0, 1.0)
        self.check(T, "code must be a code object",
                   m.set_local_events, 0, 'x', 0)
        self.check(T, "code must be a code object",
                   m.get_local_events, 0, 'x')
        self.check(T, "code must be a code object",
                   m.get_local_events, 0, sample)
        self.check(ValueError, "tool name must be a str",
                   m.use_tool_id, 1, 1)
        O = OverflowError
        msg = "Python int too large to convert to C int"
        self.check(O, msg, m.use_tool_id, 1 << 40, 'x')
        self.check(O, msg, m.set_events, 0, 1 << 31)
        self.check(O, msg, m.set_local_events, 0, CODE, 1 << 31)
        self.check(O, msg, m.register_callback, 0, 1 << 31, None)
        self.check(O, msg, m.register_callback, 0, 1 << 40, None)

    def test_invalid_tool(self):
        m = monitoring
        V = ValueError
        for tool in (6, 7, -1, 100):
            msg = "invalid tool %d (must be between 0 and 5)" % tool
            self.check(V, msg, m.use_tool_id, tool, 'x')
            self.check(V, msg, m.get_tool, tool)
            self.check(V, msg, m.free_tool_id, tool)
            self.check(V, msg, m.get_events, tool)
            self.check(V, msg, m.set_events, tool, 0)
            self.check(V, msg, m.get_local_events, tool, CODE)
            self.check(V, msg, m.set_local_events, tool, CODE, 0)
            self.check(V, msg, m.register_callback, tool, E.PY_START, None)
            if not pep669.NATIVE:
                self.check(V, msg, m.clear_tool_id, tool)

    def test_tool_in_use(self):
        m = monitoring
        self.check(ValueError, "tool 0 is already in use",
                   m.use_tool_id, 0, 'b')
        self.assertEqual(m.get_tool(0), 'a')
        self.check(ValueError, "tool 1 is not in use",
                   m.set_events, 1, E.PY_START)
        self.check(ValueError, "tool 1 is not in use",
                   m.set_events, 1, 0)
        self.check(ValueError, "tool 1 is not in use",
                   m.set_local_events, 1, CODE, E.PY_START)
        # fine on an unused tool
        self.assertIsNone(m.free_tool_id(1))
        self.assertIsNone(m.get_tool(1))
        self.assertEqual(m.get_events(1), 0)
        self.assertEqual(m.get_local_events(1, CODE), 0)

    def test_invalid_event_sets(self):
        m = monitoring
        V = ValueError
        self.check(V, "invalid event set %#x" % EVENT_LIMIT,
                   m.set_events, 0, EVENT_LIMIT)
        self.check(V, "invalid event set 0x40000000",
                   m.set_events, 0, 1 << 30)
        self.check(V, "invalid event set 0xffffffff", m.set_events, 0, -1)
        self.check(V, "invalid event set 0x80000000",
                   m.set_events, 0, -(1 << 31))
        self.check(V, "invalid local event set %#x" % EVENT_LIMIT,
                   m.set_local_events, 0, CODE, EVENT_LIMIT)
        self.check(V, "invalid local event set 0xfffe7fff",
                   m.set_local_events, 0, CODE, -1)
        self.check(V, "invalid local event set 0x80000000",
                   m.set_local_events, 0, CODE, -(1 << 31))
        for ev in (E.RAISE, E.EXCEPTION_HANDLED, E.PY_UNWIND, E.PY_THROW,
                   E.RERAISE):
            self.check(V, "invalid local event set %#x" % ev,
                       m.set_local_events, 0, CODE, ev)
            self.check(V, "invalid local event set %#x" % (ev | E.PY_START),
                       m.set_local_events, 0, CODE, ev | E.PY_START)
        self.assertEqual(m.get_events(0), 0)
        self.assertEqual(m.get_local_events(0, CODE), 0)

    def test_c_events_coupling(self):
        m = monitoring
        V = ValueError
        msg = "cannot set C_RETURN or C_RAISE events independently"
        for ev in (E.C_RETURN, E.C_RAISE, E.C_RETURN | E.C_RAISE,
                   E.C_RAISE | E.CALL, E.CALL | E.C_RETURN,
                   E.C_RETURN | E.PY_START):
            self.check(V, msg, m.set_events, 0, ev)
            self.check(V, msg, m.set_local_events, 0, CODE, ev)
        m.set_events(0, E.CALL | E.C_RETURN | E.C_RAISE)
        self.assertEqual(m.get_events(0), E.CALL)
        m.set_events(0, 0)
        self.set_local_events(0, CODE, E.CALL | E.C_RETURN | E.C_RAISE)
        self.assertEqual(m.get_local_events(0, CODE), E.CALL)
        self.set_local_events(0, CODE, 0)

    def test_register_callback_errors(self):
        m = monitoring
        V = ValueError
        msg = "The callback can only be set for one event at a time"
        for ev in (0, 3, -1, E.PY_START | E.PY_RETURN,
                   EVENT_LIMIT | E.PY_START, 3 << 17):
            self.check(V, msg, m.register_callback, 0, ev, None)
        self.check(V, "invalid event %d" % EVENT_LIMIT,
                   m.register_callback, 0, EVENT_LIMIT, None)
        self.check(V, "invalid event %d" % (EVENT_LIMIT << 1),
                   m.register_callback, 0, EVENT_LIMIT << 1, None)
        self.check(V, "invalid event %d" % (1 << 30),
                   m.register_callback, 0, 1 << 30, None)

    def test_check_order(self):
        """Which error wins when several arguments are wrong."""
        m = monitoring
        V = ValueError
        T = TypeError
        coupling = "cannot set C_RETURN or C_RAISE events independently"
        # set_local_events: code type, tool range, C_* coupling, local set
        # validity, tool in use.
        self.check(T, "'str' object cannot be interpreted as an integer",
                   m.set_local_events, 'x', 7, E.RAISE)
        self.check(T, "code must be a code object",
                   m.set_local_events, 7, 'x', E.RAISE)
        self.check(V, "invalid tool 7 (must be between 0 and 5)",
                   m.set_local_events, 7, CODE, E.C_RAISE)
        self.check(V, coupling, m.set_local_events, 0, CODE,
                   E.C_RAISE | E.RAISE)
        self.check(V, coupling, m.set_local_events, 3, CODE, E.C_RAISE)
        self.check(V, "invalid local event set 0x400",
                   m.set_local_events, 3, CODE, E.RAISE)
        # set_events: tool range, event range, C_* coupling, tool in use.
        self.check(V, "invalid tool 7 (must be between 0 and 5)",
                   m.set_events, 7, 1 << 20)
        self.check(V, "invalid event set 0x100000", m.set_events, 3, 1 << 20)
        self.check(V, "invalid event set 0x110000",
                   m.set_events, 0, E.C_RAISE | (1 << 20))
        self.check(V, coupling, m.set_events, 3, E.C_RAISE)
        # register_callback: tool range, one bit, event range.
        self.check(V, "invalid tool 7 (must be between 0 and 5)",
                   m.register_callback, 7, 3, None)
        self.check(V, "The callback can only be set for one event at a time",
                   m.register_callback, 0, 3 << 20, None)
        # use_tool_id: tool range, name type, in use.
        self.check(V, "invalid tool 7 (must be between 0 and 5)",
                   m.use_tool_id, 7, 1)
        self.check(V, "tool name must be a str", m.use_tool_id, 0, 1)

    def test_failed_calls_change_nothing(self):
        m = monitoring
        for args in ((0, EVENT_LIMIT), (0, E.C_RETURN), (0, -1)):
            with self.assertRaises(ValueError):
                m.set_events(*args)
        self.assertEqual(m.get_events(0), 0)
        self.assertEqual(m._all_events(), {})


class BookkeepingTest(MonitoringTestCase):

    def test_use_and_free(self):
        m = monitoring
        self.assertIsNone(m.get_tool(2))
        self.assertIsNone(m.use_tool_id(2, 'prof'))
        self.addCleanup(m.free_tool_id, 2)
        self.assertEqual(m.get_tool(2), 'prof')
        self.assertIsNone(m.free_tool_id(2))
        self.assertIsNone(m.get_tool(2))
        self.assertIsNone(m.free_tool_id(2))
        # str subclasses are accepted and kept as given
        class Name(str):
            pass
        name = Name('n')
        m.use_tool_id(2, name)
        self.assertIs(m.get_tool(2), name)

    def test_get_set_events(self):
        m = monitoring
        self.use_tool(4)
        for ev in SINGLE_EVENTS:
            if ev in (E.C_RETURN, E.C_RAISE):
                continue
            m.set_events(4, ev)
            self.assertEqual(m.get_events(4), ev)
        m.set_events(4, E.PY_START | E.LINE | E.RAISE)
        self.assertEqual(m.get_events(4), E.PY_START | E.LINE | E.RAISE)
        m.set_events(4, E.NO_EVENTS)
        self.assertEqual(m.get_events(4), 0)

    def test_local_events(self):
        m = monitoring
        self.use_tool(3)
        self.set_local_events(3, CODE, LOCAL_EVENTS)
        self.assertEqual(m.get_local_events(3, CODE), LOCAL_EVENTS)
        self.assertEqual(m.get_local_events(3, other_sample.__code__), 0)
        self.assertEqual(m.get_local_events(2, CODE), 0)
        self.assertEqual(m.get_events(3), 0)
        self.assertEqual(m._all_events(), {})
        self.set_local_events(3, CODE, 0)
        self.assertEqual(m.get_local_events(3, CODE), 0)

    @unittest.skipUnless(HAS_BRANCH_LEFT, "backport only (3.14 events)")
    def test_branch_left_right(self):
        m = monitoring
        self.use_tool(0)
        both = E.BRANCH_LEFT | E.BRANCH_RIGHT
        m.set_events(0, both)
        self.assertEqual(m.get_events(0), both)
        self.assertEqual(m._all_events(),
                         {'BRANCH_LEFT': 1, 'BRANCH_RIGHT': 1})
        m.set_events(0, 0)
        self.set_local_events(0, CODE, both)
        self.assertEqual(m.get_local_events(0, CODE), both)
        self.set_local_events(0, CODE, 0)
        f = lambda *a: None
        self.assertIsNone(m.register_callback(0, E.BRANCH_LEFT, f))
        self.assertIs(m.register_callback(0, E.BRANCH_LEFT, None), f)

    def test_all_events(self):
        m = monitoring
        self.assertEqual(m._all_events(), {})
        self.use_tool(0)
        self.use_tool(3)
        m.set_events(0, E.PY_START | E.CALL | E.C_RETURN | E.C_RAISE |
                     E.RAISE)
        m.set_events(3, E.PY_START | E.LINE)
        self.set_local_events(3, CODE, E.PY_RETURN)
        self.assertEqual(m._all_events(),
                         {'PY_START': 9, 'CALL': 1, 'LINE': 8, 'RAISE': 1})
        m.set_events(0, 0)
        self.assertEqual(m._all_events(), {'PY_START': 8, 'LINE': 8})
        m.set_events(3, 0)
        self.assertEqual(m._all_events(), {})

    def test_register_callback_returns_previous(self):
        m = monitoring
        f = lambda *a: None
        g = lambda *a: None
        self.assertIsNone(m.register_callback(1, E.LINE, f))
        self.assertIs(m.register_callback(1, E.LINE, g), f)
        self.assertIs(m.register_callback(1, E.LINE, None), g)
        self.assertIsNone(m.register_callback(1, E.LINE, None))
        # no callability check; the tool need not be in use
        self.assertIsNone(m.register_callback(1, E.LINE, 42))
        self.assertEqual(m.register_callback(1, E.LINE, None), 42)
        # per tool and per event
        m.register_callback(1, E.LINE, f)
        self.assertIsNone(m.register_callback(2, E.LINE, None))
        self.assertIsNone(m.register_callback(1, E.PY_START, None))
        self.assertIs(m.register_callback(1, E.LINE, None), f)

    def test_register_callback_audit(self):
        log = _AUDIT_LOG
        del log[:]
        _install_audit_hook()
        f = lambda *a: None
        _AUDITING[0] = True
        try:
            monitoring.register_callback(2, E.PY_START, f)
            monitoring.register_callback(2, E.PY_START, None)
        finally:
            _AUDITING[0] = False
        self.assertEqual(log, [('sys.monitoring.register_callback', (f,)),
                               ('sys.monitoring.register_callback', (None,))])
        del log[:]

    def test_restart_events_returns_none(self):
        self.assertIsNone(monitoring.restart_events())

    def test_free_tool_id_keeps_events_and_callbacks(self):
        # 3.12/3.13 semantics: free_tool_id only drops the name.
        m = monitoring
        calls = []
        m.use_tool_id(0, 't')
        self.addCleanup(self._release_tool, 0)
        m.register_callback(0, E.PY_START,
                            lambda code, off: calls.append(code.co_name)
                            if code is CODE else None)
        m.set_events(0, E.PY_START)
        m.free_tool_id(0)
        self.assertIsNone(m.get_tool(0))
        self.assertEqual(m.get_events(0), E.PY_START)
        self.assertEqual(m._all_events(), {'PY_START': 1})
        sample()
        self.assertEqual(calls, ['sample'])
        # the old state is still there for the next user
        m.use_tool_id(0, 'again')
        self.assertEqual(m.get_events(0), E.PY_START)
        sample()
        self.assertEqual(calls, ['sample', 'sample'])
        m.set_events(0, 0)

    def test_clear_tool_id(self):
        m = monitoring
        calls = []
        self.use_tool(0, 't')

        def cb(code, *args):
            if code is CODE:
                calls.append(code.co_name)
        for ev in (E.PY_START, E.PY_RETURN):
            m.register_callback(0, ev, cb)
        m.set_events(0, E.PY_START)
        self.set_local_events(0, CODE, E.PY_RETURN)
        sample()
        self.assertEqual(calls, ['sample', 'sample'])
        self.assertIsNone(m.clear_tool_id(0))
        self.assertEqual(m.get_tool(0), 't')
        self.assertEqual(m.get_events(0), 0)
        self.assertEqual(m.get_local_events(0, CODE), 0)
        self.assertEqual(m._all_events(), {})
        self.assertIsNone(m.register_callback(0, E.PY_START, None))
        self.assertIsNone(m.register_callback(0, E.PY_RETURN, None))
        sample()
        self.assertEqual(calls, ['sample', 'sample'])
        # unused tool: nothing to do, no error
        self.assertIsNone(m.clear_tool_id(4))

    def test_clear_tool_id_argument_errors(self):
        m = monitoring
        with self.assertRaises(TypeError) as cm:
            m.clear_tool_id()
        self.assertEqual(str(cm.exception),
                         "sys.monitoring.clear_tool_id() takes exactly one "
                         "argument (0 given)")
        with self.assertRaises(TypeError) as cm:
            m.clear_tool_id('x')
        self.assertEqual(str(cm.exception),
                         "'str' object cannot be interpreted as an integer")


class SupportSelfTest(unittest.TestCase):
    """The safety net itself must be able to fail."""

    def run_case(self, method):
        class Leaky(MonitoringTestCase):
            def runTest(self):
                method()
        result = unittest.TestResult()
        Leaky().run(result)
        return result

    def test_leaked_tool_is_reported_and_cleaned(self):
        def leak():
            monitoring.use_tool_id(4, 'leak')
            monitoring.set_events(4, E.PY_START)
            monitoring.register_callback(4, E.PY_RETURN, lambda *a: None)
        result = self.run_case(leak)
        self.assertEqual(len(result.errors) + len(result.failures), 1)
        text = (result.errors + result.failures)[0][1]
        self.assertIn("tool 4 in use ('leak')", text)
        self.assertIn("tool 4 has events 0x1", text)
        self.assertIn("tool 4 has a PY_RETURN callback", text)
        self.assertEqual(leftover_state(), [])

    def test_freed_tool_with_events_is_reported(self):
        def leak():
            monitoring.use_tool_id(2, 'leak')
            monitoring.set_events(2, E.PY_RETURN)
            monitoring.free_tool_id(2)
        result = self.run_case(leak)
        text = (result.errors + result.failures)[0][1]
        self.assertIn("tool 2 has events 0x4", text)
        self.assertEqual(leftover_state(), [])

    def test_clean_test_passes(self):
        def clean():
            pass
        result = self.run_case(clean)
        self.assertTrue(result.wasSuccessful())

    def test_filters(self):
        here = in_files(__file__)
        self.assertTrue(here(sample.__code__))
        self.assertFalse(here(unittest.TestCase.run.__code__))
        only = in_codes(sample.__code__)
        self.assertTrue(only(sample.__code__))
        self.assertFalse(only(other_sample.__code__))

    def test_recorder_filters_and_checks_frames(self):
        monitoring.use_tool_id(4, 'rec')
        try:
            rec = Recorder(4, E.PY_START, in_codes(sample.__code__))
            rec.register()
            monitoring.set_events(4, E.PY_START)
            sample()
            other_sample()
            monitoring.set_events(4, 0)
            self.assertEqual(rec.events(), [('PY_START', 'sample', 0)])
            self.assertEqual(rec.frame_errors, [])
            # a callback called by hand (not by the interpreter) is caught
            rec.callbacks[E.PY_START](sample.__code__, 0)
            self.assertEqual(rec.frame_errors,
                             [('PY_START', 'sample',
                               'test_recorder_filters_and_checks_frames')])
        finally:
            self.assertEqual(leftover_state(), ["tool 4 in use ('rec')",
                                                "tool 4 has a PY_START "
                                                "callback"])


if __name__ == '__main__':
    unittest.main()
