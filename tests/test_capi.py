"""pep669.h: the 3.13 C monitoring API, driven through the test extension
in tests/capi/ (built here with the running interpreter's compiler).

The same expectations hold natively on 3.13 (the header then uses the
interpreter's own API), through pep669._native on 3.12, and through the
engine on 3.8-3.11.  Offsets and line numbers are above 256, so that a
reference leak cannot hide in the small-int cache.
"""

import ctypes
import os
import re
import sys
import tempfile
import unittest

from tests.support import MonitoringTestCase, monitoring, events, PY

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "capi"))
import build  # noqa: E402  (tests/capi/build.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "tests", "capi")
NATIVE_CAPI = PY >= (3, 13)
# BRANCH_LEFT/RIGHT are events of pep669.monitoring on every version; in
# the C API their ids are BRANCH's on 3.12/3.13 (the native scopes know
# BRANCH only), and the fire functions still reach LEFT/RIGHT tools.
SEPARATE_LEFT_RIGHT = hasattr(events, "BRANCH_LEFT")
SEPARATE_IDS = SEPARATE_LEFT_RIGHT and not (3, 12) <= PY[:2] < (3, 14)

T = None        # the test extension
IDS = {}        # event name -> id in this build of pep669.h
TOOL = 3


def setUpModule():
    global T, IDS
    try:
        T = build.import_testcapi()
    except build.BuildError as exc:
        if os.environ.get("CI"):
            raise
        raise unittest.SkipTest("cannot build the C API test extension: %s"
                                % exc)
    IDS = T.event_ids()


class Calls(object):
    """Callbacks that record calls whose first argument is a CodeLike (the
    interpreter's own events for the test's code are ignored)."""

    def __init__(self, respond=None):
        self.calls = []
        self.respond = respond or {}

    def callback(self, name):
        def callback(*args):
            if isinstance(args[0], T.CodeLike):
                self.calls.append((name,) + args[1:])
                action = self.respond.get(name)
                if callable(action):
                    return action(*args)
                return action
        return callback


class CApiTestCase(MonitoringTestCase):

    def setUp(self):
        super(CApiTestCase, self).setUp()
        self.cl = T.CodeLike(8)

    def next_subtest(self):
        """Undo everything (and check it is clean) before the next subtest."""
        self.doCleanups()
        self.setUp()

    def tool(self, names, tool=TOOL, respond=None, event_set=None):
        """Use `tool`, register recording callbacks for `names` and set them
        globally (or `event_set`).  Returns the Calls."""
        self.use_tool(tool)
        calls = Calls(respond)
        bits = 0
        for name in names:
            monitoring.register_callback(tool, getattr(events, name),
                                         calls.callback(name))
            if name not in ("C_RETURN", "C_RAISE"):
                bits |= getattr(events, name)
            else:
                bits |= events.CALL
        monitoring.set_events(tool, bits if event_set is None else event_set)
        return calls

    def enter(self, *names, **kw):
        cl = kw.get("cl", self.cl)
        T.monitoring_enter_scope(cl, *[IDS[n] for n in names])
        return T.states(cl)[1][:len(names)]


class EventArguments(CApiTestCase):
    """Every fire function: what the callback receives, and the result."""

    def fire_and_check(self, name, fire, args, expected_args, offset=300):
        calls = self.tool([name])
        # The CodeLike has 8 states; offset % 8 selects one.
        self.assertEqual(self.enter(*[name] * 8)[offset % 8], 1 << TOOL)
        result = fire(self.cl, offset, *args)
        self.assertEqual(result, 1 << TOOL)  # the state's `active`
        self.assertEqual(calls.calls, [(name,) + expected_args(offset)])
        return calls

    def test_py_start(self):
        self.fire_and_check("PY_START", T.fire_event_py_start, (),
                            lambda off: (off,))

    def test_py_resume(self):
        self.fire_and_check("PY_RESUME", T.fire_event_py_resume, (),
                            lambda off: (off,), offset=301)

    def test_py_return(self):
        value = object()
        calls = self.fire_and_check("PY_RETURN", T.fire_event_py_return,
                                    (value,), lambda off: (off, value))
        self.assertIs(calls.calls[0][2], value)

    def test_py_yield(self):
        value = [1000]
        self.fire_and_check("PY_YIELD", T.fire_event_py_yield, (value,),
                            lambda off: (off, value), offset=307)

    def test_call(self):
        self.fire_and_check("CALL", T.fire_event_call, (len, 1001),
                            lambda off: (off, len, 1001))

    def test_call_missing(self):
        self.fire_and_check("CALL", T.fire_event_call,
                            (len, monitoring.MISSING),
                            lambda off: (off, len, monitoring.MISSING))

    def test_line_passes_the_line_not_the_offset(self):
        self.fire_and_check("LINE", T.fire_event_line, (1002,),
                            lambda off: (1002,))

    def test_jump(self):
        self.fire_and_check("JUMP", T.fire_event_jump, (1003,),
                            lambda off: (off, 1003))

    @unittest.skipIf(PY >= (3, 12), "natively the calling frame is moved")
    def test_no_frame_move_from_c_api_events(self):
        # The frame that calls the fire function is in a call: the
        # backport refuses to move it (docs/differences.md).
        errors = []
        cl = self.cl

        def callback(code, *args):
            if code is not cl:
                return None
            frame = sys._getframe(1)
            try:
                frame.f_lineno = frame.f_code.co_firstlineno + 1
            except ValueError as exc:
                errors.append(str(exc))

        self.use_tool(TOOL)
        for name in ("LINE", "JUMP", "BRANCH"):
            monitoring.register_callback(TOOL, getattr(events, name),
                                         callback)
        monitoring.set_events(TOOL, events.LINE | events.JUMP |
                              events.BRANCH)
        self.enter("LINE", "JUMP", "BRANCH")
        T.fire_event_line(self.cl, 0, 5)
        T.fire_event_jump(self.cl, 1, 8)
        T.fire_event_branch(self.cl, 2, 8)
        self.assertEqual(errors, ["can only jump from a 'line' trace "
                                  "event"] * 3)

    def test_branch(self):
        self.fire_and_check("BRANCH", T.fire_event_branch, (1004,),
                            lambda off: (off, 1004))

    def test_exception_events(self):
        for name, fire in (("RAISE", T.fire_event_raise),
                           ("RERAISE", T.fire_event_reraise),
                           ("EXCEPTION_HANDLED",
                            T.fire_event_exception_handled),
                           ("PY_UNWIND", T.fire_event_py_unwind),
                           ("PY_THROW", T.fire_event_py_throw)):
            with self.subTest(name):
                exc = KeyError(1006)
                calls = self.tool([name])
                self.enter(name)
                # The helper checks that the very exception is set again.
                self.assertEqual(fire(self.cl, 304, exc), 1 << TOOL)
                self.assertEqual(len(calls.calls), 1)
                self.assertEqual(calls.calls[0][:2], (name, 304))
                self.assertIs(calls.calls[0][2], exc)
                self.next_subtest()


class StopIterationValue(CApiTestCase):

    def run_with(self, value):
        calls = self.tool(["STOP_ITERATION"])
        self.enter("STOP_ITERATION")
        # The helper checks that no exception is left set.
        self.assertEqual(T.fire_event_stop_iteration(self.cl, 0, value),
                         1 << TOOL)
        self.assertEqual(len(calls.calls), 1)
        name, offset, exc = calls.calls[0]
        self.assertEqual((name, offset), ("STOP_ITERATION", 0))
        self.assertIsInstance(exc, StopIteration)
        return exc

    def test_value(self):
        value = object()
        self.assertIs(self.run_with(value).value, value)

    def test_existing_stop_iteration_is_passed_as_is(self):
        exc = StopIteration(1007)
        self.assertIs(self.run_with(exc), exc)

    def test_none(self):
        self.assertIsNone(self.run_with(None).value)


class Activity(CApiTestCase):

    def test_inactive_state_calls_nothing(self):
        calls = Calls()
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.PY_START,
                                     calls.callback("PY_START"))
        # Callback registered, event not set: EnterScope leaves 0.
        self.assertEqual(self.enter("PY_START"), (0,))
        self.assertEqual(T.fire_event_py_start(self.cl, 0), 0)
        self.assertEqual(calls.calls, [])

    def test_active_is_the_global_tools(self):
        self.tool(["PY_START"], tool=2)
        self.tool(["PY_START", "LINE"], tool=4)
        self.assertEqual(self.enter("PY_START", "LINE", "RAISE"),
                         ((1 << 2) | (1 << 4), 1 << 4, 0))

    def test_local_events_do_not_count(self):
        self.use_tool(TOOL)
        self.set_local_events(TOOL, Activity.test_local_events_do_not_count
                              .__code__, events.PY_START)
        self.assertEqual(self.enter("PY_START"), (0,))

    def test_c_return_and_c_raise_are_never_active(self):
        # As in 3.13.0: an event set cannot hold them, and EnterScope reads
        # the event sets.  An extension can still set `active` by hand.
        calls = self.tool(["C_RETURN", "C_RAISE"])
        self.assertEqual(monitoring.get_events(TOOL), events.CALL)
        active = self.enter("C_RETURN", "C_RAISE")
        if NATIVE_CAPI:
            # 3.13.0 reads them past the end of its table of global tools
            # (which has the other events only): the bytes there are the
            # interpreter's "sys.setprofile / sys.settrace were used" flags,
            # which stay set once any test used them.  Never our tool.
            self.assertEqual([a & (1 << TOOL) for a in active], [0, 0])
        else:
            self.assertEqual(active, (0, 0))
        T.set_active(self.cl, 0, 1 << TOOL)
        T.set_active(self.cl, 1, 1 << TOOL)
        value = object()
        self.assertEqual(T.fire_event_c_return(self.cl, 0, value), 1 << TOOL)
        exc = OSError(1008)
        self.assertEqual(T.fire_event_c_raise(self.cl, 1, exc), 1 << TOOL)
        self.assertEqual(calls.calls, [("C_RETURN", 0, value),
                                       ("C_RAISE", 1, exc)])

    def test_tools_called_highest_first(self):
        order = []
        for tool in (1, 5, 3):
            self.use_tool(tool)
            monitoring.register_callback(
                tool, events.PY_START,
                lambda code, *args, tool=tool: (
                    isinstance(code, T.CodeLike) and order.append(tool)))
            monitoring.set_events(tool, events.PY_START)
        self.enter("PY_START")
        T.fire_event_py_start(self.cl, 0)
        self.assertEqual(order, [5, 3, 1])

    def test_tool_without_callback_is_skipped(self):
        calls = self.tool(["PY_START"], tool=4)
        self.use_tool(1)
        monitoring.set_events(1, events.PY_START)
        self.assertEqual(self.enter("PY_START"), ((1 << 4) | (1 << 1),))
        self.assertEqual(T.fire_event_py_start(self.cl, 0),
                         (1 << 4) | (1 << 1))
        self.assertEqual(calls.calls, [("PY_START", 0)])

    def test_any_object_is_a_codelike(self):
        got = []
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.PY_START,
                                     lambda *args: got.append(args))
        monitoring.set_events(TOOL, events.PY_START)
        self.enter("PY_START")
        T.fire_event_py_start(self.cl, 0)
        monitoring.set_events(TOOL, 0)
        got = [args for args in got if isinstance(args[0], T.CodeLike)]
        self.assertEqual(len(got), 1)
        self.assertIs(got[0][0], self.cl)
        self.assertEqual(got[0][1], 0)

    def test_exit_scope(self):
        self.assertIsNone(T.monitoring_exit_scope())


class Versions(CApiTestCase):
    """EnterScope's short-cut: states are refreshed only when the global
    event sets changed or restart_events() ran."""

    def disabled_state(self):
        self.tool(["PY_START"], respond={"PY_START": monitoring.DISABLE})
        self.assertEqual(self.enter("PY_START"), (1 << TOOL,))
        self.assertEqual(T.fire_event_py_start(self.cl, 0), 0)
        self.assertEqual(T.states(self.cl)[1][0], 0)

    def after(self, change):
        self.disabled_state()
        change()
        return self.enter("PY_START")[0]

    def test_nothing_changed_keeps_disable(self):
        self.assertEqual(self.after(lambda: None), 0)

    def test_same_event_set_keeps_disable(self):
        self.assertEqual(
            self.after(lambda: monitoring.set_events(TOOL, events.PY_START)),
            0)

    def test_register_callback_keeps_disable(self):
        self.assertEqual(self.after(lambda: monitoring.register_callback(
            TOOL, events.LINE, lambda *a: None)), 0)

    def test_local_events_keep_disable(self):
        code = Versions.test_local_events_keep_disable.__code__
        self.assertEqual(self.after(lambda: self.set_local_events(
            TOOL, code, events.LINE)), 0)

    def test_other_tool_events_refresh(self):
        def change():
            self.use_tool(1)
            monitoring.set_events(1, events.LINE)
        self.assertEqual(self.after(change), 1 << TOOL)

    def test_restart_events_refreshes(self):
        self.assertEqual(self.after(monitoring.restart_events), 1 << TOOL)

    def test_version_changes(self):
        self.tool(["PY_START"])
        self.enter("PY_START")
        before = T.states(self.cl)[0]
        monitoring.restart_events()
        self.enter("PY_START")
        self.assertNotEqual(T.states(self.cl)[0], before)


class Disable(CApiTestCase):

    LOCAL = ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "CALL",
             "LINE", "JUMP", "BRANCH", "STOP_ITERATION")

    def fire(self, name, offset):
        args = {"PY_RETURN": (1009,), "PY_YIELD": (1009,), "LINE": (1010,),
                "CALL": (len, 1011), "JUMP": (1012,), "BRANCH": (1013,),
                "STOP_ITERATION": (1014,), "C_RETURN": (1015,)}.get(name, ())
        if name in ("RAISE", "RERAISE", "EXCEPTION_HANDLED", "PY_UNWIND",
                    "PY_THROW", "C_RAISE"):
            args = (ValueError(1016),)
        return getattr(T, "fire_event_" + name.lower())(self.cl, offset,
                                                        *args)

    def test_disable_clears_the_tool_in_that_state_only(self):
        for name in self.LOCAL:
            with self.subTest(name):
                other = self.tool([name], tool=1)
                calls = self.tool([name], respond={name: monitoring.DISABLE})
                self.enter(name, name)
                both = (1 << TOOL) | (1 << 1)
                self.assertEqual(self.fire(name, 0), 1 << 1)
                self.assertEqual(self.fire(name, 0), 1 << 1)
                self.assertEqual(self.fire(name, 1), 1 << 1)
                self.assertEqual(T.states(self.cl)[1][:2], (1 << 1, 1 << 1))
                # The first tool was called once per state, the other each
                # time.
                self.assertEqual(len(calls.calls), 2)
                self.assertEqual(len(other.calls), 3)
                # restart_events + EnterScope bring it back.
                monitoring.restart_events()
                self.enter(name, name)
                self.assertEqual(T.states(self.cl)[1][:2], (both, both))
                self.next_subtest()

    def test_disable_of_other_events_removes_the_callback(self):
        for name in ("RAISE", "RERAISE", "EXCEPTION_HANDLED", "PY_UNWIND",
                     "PY_THROW", "C_RETURN", "C_RAISE"):
            with self.subTest(name):
                calls = self.tool([name], respond={name: monitoring.DISABLE})
                self.enter(name)
                T.set_active(self.cl, 0, 1 << TOOL)
                with self.assertRaises(ValueError) as cm:
                    self.fire(name, 0)
                self.assertEqual(str(cm.exception),
                                 "Cannot disable %s events. Callback removed."
                                 % name)
                self.assertIsNone(monitoring.register_callback(
                    TOOL, getattr(events, name), None))
                self.assertEqual(len(calls.calls), 1)
                self.next_subtest()


class Errors(CApiTestCase):

    def test_negative_offset(self):
        calls = self.tool(["PY_START", "LINE"])
        self.enter("PY_START", "LINE")
        for fire, args in ((T.fire_event_py_start, ()),
                           (T.fire_event_line, (1017,))):
            with self.assertRaises(ValueError) as cm:
                fire(self.cl, -1, *args)
            self.assertEqual(str(cm.exception), "offset must be non-negative")
        self.assertEqual(calls.calls, [])

    def test_negative_offset_inactive_is_not_checked(self):
        self.assertEqual(T.fire_event_py_start(self.cl, -1), 0)

    def test_missing_exception(self):
        for name in ("RAISE", "RERAISE", "EXCEPTION_HANDLED", "PY_UNWIND",
                     "PY_THROW", "C_RAISE"):
            with self.subTest(name):
                calls = self.tool([name])
                self.enter(name)
                T.set_active(self.cl, 0, 1 << TOOL)
                fire = getattr(T, "fire_event_" + name.lower())
                with self.assertRaises(ValueError) as cm:
                    fire(self.cl, 0, None)
                self.assertEqual(str(cm.exception),
                                 "Firing event %d with no exception set"
                                 % IDS[name])
                self.assertEqual(calls.calls, [])
                self.next_subtest()

    def test_raising_callback(self):
        def boom(*args):
            raise OSError(1018)
        called = []
        low = self.tool(["PY_START"], tool=1,
                        respond={"PY_START": lambda *a: called.append(1)})
        self.tool(["PY_START"], respond={"PY_START": boom})
        self.enter("PY_START")
        with self.assertRaises(OSError) as cm:
            T.fire_event_py_start(self.cl, 0)
        self.assertEqual(cm.exception.args, (1018,))
        # Later (lower) tools are not called.
        self.assertEqual(low.calls, [])

    def test_raising_callback_replaces_the_exception(self):
        def boom(*args):
            raise OSError(1019)
        self.tool(["RAISE"], respond={"RAISE": boom})
        self.enter("RAISE")
        with self.assertRaises(OSError) as cm:
            T.fire_event_raise(self.cl, 0, KeyError(1020))
        self.assertEqual(cm.exception.args, (1019,))

    def test_raising_stop_iteration_callback(self):
        def boom(*args):
            raise OSError(1021)
        self.tool(["STOP_ITERATION"], respond={"STOP_ITERATION": boom})
        self.enter("STOP_ITERATION")
        with self.assertRaises(OSError):
            T.fire_event_stop_iteration(self.cl, 0, 1022)


class Reentrancy(CApiTestCase):

    def test_fires_from_a_callback_are_not_suppressed(self):
        # As in 3.13: the C API has no re-entrancy guard.
        depth = []

        def again(*args):
            depth.append(len(depth))
            if len(depth) < 3:
                T.fire_event_py_start(self.cl, 0)
        self.tool(["PY_START"], respond={"PY_START": again})
        self.enter("PY_START")
        T.fire_event_py_start(self.cl, 0)
        self.assertEqual(depth, [0, 1, 2])

    def test_interpreter_events_are_suppressed_in_callbacks(self):
        def helper():
            return 1023
        seen = []
        self.use_tool(TOOL)
        monitoring.register_callback(
            TOOL, events.PY_START,
            lambda code, *a: seen.append(getattr(code, "co_name", "C")))
        monitoring.register_callback(
            TOOL, events.LINE, lambda *a: helper())
        monitoring.set_events(TOOL, events.PY_START | events.LINE)
        self.enter("LINE")
        T.fire_event_line(self.cl, 0, 1024)
        monitoring.set_events(TOOL, 0)
        self.assertNotIn("helper", seen)


class SameTools(CApiTestCase):

    def test_c_and_interpreter_events_reach_the_same_callback(self):
        seen = []

        def record(code, *args):
            if code is self.cl or code is target.__code__:
                seen.append((getattr(code, "co_name", "C"),) + args)

        def target():
            return 1025
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.PY_START, record)
        monitoring.set_events(TOOL, events.PY_START)
        self.enter("PY_START")
        target()
        T.fire_event_py_start(self.cl, 304)
        target()
        monitoring.set_events(TOOL, 0)
        self.assertEqual([s[0] for s in seen], ["target", "C", "target"])
        self.assertEqual(seen[1], ("C", 304))


class BranchLeftRight(CApiTestCase):

    def test_ids(self):
        if SEPARATE_IDS:
            self.assertEqual((IDS["BRANCH_LEFT"], IDS["BRANCH_RIGHT"]),
                             (17, 18))
            self.assertEqual(events.BRANCH_LEFT, 1 << IDS["BRANCH_LEFT"])
        else:
            # 3.12 and 3.13 have BRANCH only.
            self.assertEqual(IDS["BRANCH_LEFT"], IDS["BRANCH"])
            self.assertEqual(IDS["BRANCH_RIGHT"], IDS["BRANCH"])

    def test_fire(self):
        names = ["BRANCH"] + (["BRANCH_LEFT", "BRANCH_RIGHT"]
                              if SEPARATE_LEFT_RIGHT else [])
        calls = self.tool(names)
        self.enter("BRANCH_LEFT", "BRANCH_RIGHT")
        T.fire_event_branch_left(self.cl, 0, 1026)
        T.fire_event_branch_right(self.cl, 1, 1027)
        if SEPARATE_IDS:
            expected = [("BRANCH_LEFT", 0, 1026), ("BRANCH_RIGHT", 1, 1027)]
        elif SEPARATE_LEFT_RIGHT:
            # 3.12/3.13: one state (BRANCH's id) for all three; a tool
            # with BRANCH and LEFT/RIGHT gets BRANCH first, as from the
            # interpreter's own branches.
            expected = [("BRANCH", 0, 1026), ("BRANCH_LEFT", 0, 1026),
                        ("BRANCH", 1, 1027), ("BRANCH_RIGHT", 1, 1027)]
        else:
            expected = [("BRANCH", 0, 1026), ("BRANCH", 1, 1027)]
        self.assertEqual(calls.calls, expected)

    @unittest.skipIf(SEPARATE_IDS, "ids of their own: a scope of LEFT/RIGHT "
                     "holds LEFT/RIGHT tools only")
    def test_branch_only_tool_gets_branch(self):
        # 3.12/3.13: a tool that knows BRANCH only (a native BRANCH tool)
        # gets BRANCH for both sides, as before pep669 had LEFT/RIGHT there.
        calls = self.tool(["BRANCH"])
        self.enter("BRANCH_LEFT", "BRANCH_RIGHT")
        T.fire_event_branch_left(self.cl, 0, 1030)
        T.fire_event_branch_right(self.cl, 1, 1031)
        self.assertEqual(calls.calls, [("BRANCH", 0, 1030),
                                       ("BRANCH", 1, 1031)])

    def test_disable_each_side(self):
        calls = self.tool(["BRANCH_LEFT", "BRANCH_RIGHT"],
                          respond={"BRANCH_LEFT": monitoring.DISABLE})
        self.enter("BRANCH_LEFT", "BRANCH_RIGHT")
        for _ in range(2):
            T.fire_event_branch_left(self.cl, 0, 1028)
            T.fire_event_branch_right(self.cl, 1, 1029)
        self.assertEqual(calls.calls, [("BRANCH_LEFT", 0, 1028),
                                       ("BRANCH_RIGHT", 1, 1029),
                                       ("BRANCH_RIGHT", 1, 1029)])


@unittest.skipIf(NATIVE_CAPI, "3.13's own functions pass NULL on")
class NullArguments(CApiTestCase):
    """pep669 only: a NULL object argument would crash a Python callback;
    CALL's arg0 becomes MISSING, anything else None."""

    def test_call_arg0(self):
        calls = self.tool(["CALL"])
        self.enter("CALL")
        T.fire_with_null(self.cl, 0, "call")
        self.assertEqual(calls.calls, [("CALL", 0, None, monitoring.MISSING)])

    def test_return_value(self):
        calls = self.tool(["PY_RETURN"])
        self.enter("PY_RETURN")
        T.fire_with_null(self.cl, 0, "return")
        self.assertEqual(calls.calls, [("PY_RETURN", 0, None)])


@unittest.skipIf(PY >= (3, 14), "3.14+: PEP669_IMPORT() does nothing")
class Import(unittest.TestCase):

    def capsule(self, abi, size):
        """A capsule named like pep669's, holding a table header."""
        table = (ctypes.c_uint32 * 2)(abi, size)
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
        self.keep = (table, b"pep669._C_API")
        return new(ctypes.addressof(table), self.keep[1], None)

    def reimport_with(self, capsule):
        import pep669
        saved = pep669._C_API
        pep669._C_API = capsule
        try:
            T.reimport()
        finally:
            pep669._C_API = saved
            T.reimport()  # the real table again

    def test_capsule_present(self):
        import pep669
        self.assertEqual(type(pep669._C_API).__name__, "PyCapsule")

    def test_abi_version_mismatch(self):
        with self.assertRaises(ImportError) as cm:
            self.reimport_with(self.capsule(99, 4096))
        self.assertIn("pep669 C API mismatch", str(cm.exception))
        self.assertIn("ABI version 99", str(cm.exception))

    def test_table_too_small(self):
        with self.assertRaises(ImportError) as cm:
            self.reimport_with(self.capsule(1, 16))
        self.assertIn("(16 bytes)", str(cm.exception))

    def test_wrong_object(self):
        with self.assertRaises((AttributeError, ValueError, TypeError)):
            self.reimport_with(object())


@unittest.skipUnless((3, 12) <= PY[:2] < (3, 14),
                     "pep669._native exists on 3.12/3.13 only")
class CapiModuleMissing(unittest.TestCase):
    """3.12/3.13 without a usable pep669._native (e.g. built for another
    patch release): pep669.monitoring is the native sys.monitoring,
    PEP669_IMPORT() explains."""

    def test_import_error_is_explained(self):
        import subprocess
        script = (
            "import sys\n"
            "sys.modules['pep669._native'] = None  # importing it fails\n"
            "import pep669\n"
            "assert pep669.monitoring is sys.monitoring\n"
            "try:\n"
            "    pep669._C_API\n"
            "except ImportError as exc:\n"
            "    print(exc)\n")
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
        out = subprocess.run([sys.executable, "-c", script], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertTrue(out.stdout.startswith(
            "pep669's C API is not available: "), out.stdout)


class HeaderCompiles(unittest.TestCase):
    """pep669.h under the standards an extension may use, -Werror."""

    def check(self, std, cxx=False):
        source = os.path.join(HERE, "header_check.cpp" if cxx
                              else "header_check.c")
        try:
            build.check_compiles(source, std, cxx)
        except build.BuildError as exc:
            self.fail(str(exc))

    def test_c99(self):
        self.check("c99")

    def test_c11(self):
        self.check("c11")

    def test_cxx11(self):
        self.check("c++11", cxx=True)

    def test_cxx17(self):
        self.check("c++17", cxx=True)


_EXAMPLE = {}


def docs_example():
    """(module name, usage script) of docs/capi.md, the module built and
    imported once per process (an extension module cannot be unloaded)."""
    if not _EXAMPLE:
        with open(os.path.join(ROOT, "docs", "capi.md")) as f:
            text = f.read()
        sources = [b for b in re.findall(r"```c\n(.*?)```", text, re.S)
                   if "PyInit_" in b]
        scripts = re.findall(r"```python\n(.*?)```", text, re.S)
        _EXAMPLE["sources"] = sources
        if len(sources) == 1:
            name = re.search(r"PyInit_(\w+)", sources[0]).group(1)
            _EXAMPLE["scripts"] = [s for s in scripts
                                   if "import " + name in s]
            tmp = tempfile.mkdtemp(prefix="pep669-capi-example-")
            path = os.path.join(tmp, name + ".c")
            with open(path, "w") as f:
                f.write(sources[0])
            build.build_extension(name, [path], tmp)
            sys.path.insert(0, tmp)
            try:
                __import__(name)
            finally:
                sys.path.remove(tmp)
    return _EXAMPLE


class DocsExample(MonitoringTestCase):
    """docs/capi.md's example, built from the document itself."""

    def test_example(self):
        example = docs_example()
        self.assertEqual(len(example["sources"]), 1,
                         "one complete module in capi.md")
        self.assertEqual(len(example["scripts"]), 1,
                         "one usage script in capi.md")
        namespace = {}
        exec(compile(example["scripts"][0], "capi.md", "exec"), namespace)
        self.assertEqual(namespace["log"], namespace["EXPECTED"])


if __name__ == "__main__":
    unittest.main()
