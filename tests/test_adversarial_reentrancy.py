"""Adversarial: re-entrancy from callbacks, and odd callbacks.

Callbacks call monitored code, change the tool's own registration
(set_events, set_local_events, register_callback, free_tool_id,
clear_tool_id, restart_events), touch the generator or frame that is
running, raise, return odd values or are not callable at all.  The
expectations are native 3.12/3.13's; the same tests run there.
"""

import sys
import unittest

from tests.support import MonitoringTestCase, PY, events, monitoring

OLD = PY < (3, 12)
E = events


def target(x):
    y = x + 1
    try:
        raise KeyError(y)
    except KeyError:
        pass
    return y


def helper(x):
    return x * 2


def looper(n):
    total = 0
    for i in range(n):
        total += i
    return total


def gen(n):
    for i in range(n):
        yield i


TC = target.__code__
HC = helper.__code__
LC = looper.__code__
GC = gen.__code__


class Reentrancy(MonitoringTestCase):

    def test_monitored_code_called_from_a_callback_gets_no_events(self):
        self.use_tool(0)
        seen = []

        def on_start(code, offset):
            if code in (TC, HC):
                seen.append(code.co_name)
                if code is TC:
                    # helper runs here, inside the callback: no event
                    seen.append(("helper returned", helper(21)))
        monitoring.register_callback(0, E.PY_START, on_start)
        monitoring.set_events(0, E.PY_START)
        target(1)
        helper(1)
        monitoring.set_events(0, 0)
        self.assertEqual(seen, ["target", ("helper returned", 42),
                                "helper"])

    def test_set_events_off_from_a_callback(self):
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is TC:
                seen.append(line - TC.co_firstlineno)
                if len(seen) == 2:
                    monitoring.set_events(0, 0)
        monitoring.register_callback(0, E.LINE, on_line)
        monitoring.set_events(0, E.LINE)
        self.assertEqual(target(1), 2)
        self.assertEqual(seen, [1, 2])

    def test_set_events_on_from_a_callback_reaches_the_running_frame(self):
        self.use_tool(0)
        seen = []

        def on_start(code, offset):
            if code is TC:
                monitoring.set_events(0, E.PY_START | E.LINE)

        def on_line(code, line):
            if code is TC:
                seen.append(line - TC.co_firstlineno)
        monitoring.register_callback(0, E.PY_START, on_start)
        monitoring.register_callback(0, E.LINE, on_line)
        monitoring.set_events(0, E.PY_START)
        target(1)
        monitoring.set_events(0, 0)
        self.assertEqual(seen, [1, 2, 3, 4, 5, 6])

    def test_set_local_events_on_the_running_code_from_its_line(self):
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is LC:
                seen.append(("line", line - LC.co_firstlineno))
                if len(seen) == 1:
                    self.set_local_events(0, LC, E.LINE | E.PY_RETURN)

        def on_return(code, offset, value):
            if code is LC:
                seen.append(("return", value))
        monitoring.register_callback(0, E.LINE, on_line)
        monitoring.register_callback(0, E.PY_RETURN, on_return)
        self.set_local_events(0, LC, E.LINE)
        looper(2)
        self.set_local_events(0, LC, 0)
        self.assertEqual(seen, [("line", 1), ("line", 2), ("line", 3),
                                ("line", 2), ("line", 3), ("line", 2),
                                ("line", 4), ("return", 1)])

    def test_register_callback_replaced_from_inside_itself(self):
        self.use_tool(0)
        seen = []

        def second(code, line):
            if code is TC:
                seen.append(("second", line - TC.co_firstlineno))

        def first(code, line):
            if code is TC:
                seen.append(("first", line - TC.co_firstlineno))
                old = monitoring.register_callback(0, E.LINE, second)
                seen.append(old is first)
        monitoring.register_callback(0, E.LINE, first)
        monitoring.set_events(0, E.LINE)
        target(1)
        monitoring.set_events(0, 0)
        self.assertEqual(seen[:4], [("first", 1), True, ("second", 2),
                                    ("second", 3)])
        self.assertEqual(len(seen), 7)

    def test_callback_unregisters_itself_and_returns_disable(self):
        self.use_tool(0)
        seen = []

        def once(code, line):
            if code is TC:
                seen.append(line - TC.co_firstlineno)
                monitoring.register_callback(0, E.LINE, None)
                return monitoring.DISABLE
        monitoring.register_callback(0, E.LINE, once)
        monitoring.set_events(0, E.LINE)
        self.assertEqual(target(1), 2)
        self.assertEqual(target(2), 3)
        monitoring.set_events(0, 0)
        self.assertEqual(seen, [1])

    def test_free_tool_id_from_a_callback(self):
        # 3.13 semantics (pep669's): free_tool_id() drops the name; the
        # events and callbacks of the tool stay until cleared
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is TC:
                seen.append(line - TC.co_firstlineno)
                if len(seen) == 1:
                    monitoring.free_tool_id(0)
                    seen.append(monitoring.get_tool(0))
        monitoring.register_callback(0, E.LINE, on_line)
        monitoring.set_events(0, E.LINE)
        target(1)
        self.assertEqual(seen[:2], [1, None])
        monitoring.use_tool_id(0, "again")
        monitoring.set_events(0, 0)

    @unittest.skipUnless(hasattr(monitoring, "clear_tool_id"),
                         "clear_tool_id is 3.14's")
    def test_clear_tool_id_from_a_callback(self):
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is TC:
                seen.append(line - TC.co_firstlineno)
                monitoring.clear_tool_id(0)
        monitoring.register_callback(0, E.LINE, on_line)
        monitoring.set_events(0, E.LINE)
        target(1)
        self.assertEqual(seen, [1])
        self.assertEqual(monitoring.get_events(0), 0)
        self.assertEqual(monitoring.get_tool(0), "pep669-tests")

    def test_restart_events_from_a_callback(self):
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is LC:
                rel = line - LC.co_firstlineno
                seen.append(rel)
                if rel == 2 and seen.count(2) == 2:
                    monitoring.restart_events()
                return monitoring.DISABLE
        monitoring.register_callback(0, E.LINE, on_line)
        self.set_local_events(0, LC, E.LINE)
        looper(4)
        self.set_local_events(0, LC, 0)
        # (the `for` line has two locations: its first arrival and the
        # back edge).  The restart at the back edge's first event
        # re-enables line 3 (seen once more), and the back edge's own
        # DISABLE comes after the restart and holds.
        self.assertEqual(seen, [1, 2, 3, 2, 3, 4])

    def test_restart_events_between_runs(self):
        self.use_tool(0)
        seen = []

        def on_line(code, line):
            if code is LC:
                seen.append(line - LC.co_firstlineno)
                return monitoring.DISABLE
        monitoring.register_callback(0, E.LINE, on_line)
        self.set_local_events(0, LC, E.LINE)
        looper(3)
        looper(3)
        self.assertEqual(seen, [1, 2, 3, 2, 4])
        monitoring.restart_events()
        looper(3)
        self.set_local_events(0, LC, 0)
        self.assertEqual(seen, [1, 2, 3, 2, 4, 1, 2, 3, 2, 4])

    def test_running_generator_from_its_line_callback(self):
        # Inside a LINE callback of a generator's frame, the generator is
        # running: send() and close() refuse.
        self.use_tool(0)
        holder = []
        seen = []

        def on_line(code, line):
            if code is GC and holder:
                g = holder[0]
                seen.append(g.gi_running)
                for action in (lambda: next(g), g.close,
                               lambda: g.throw(KeyError)):
                    try:
                        action()
                        seen.append("no error")
                    except ValueError as e:
                        seen.append(str(e))
                return monitoring.DISABLE
        monitoring.register_callback(0, E.LINE, on_line)
        self.set_local_events(0, GC, E.LINE)
        g = gen(2)
        holder.append(g)
        self.assertEqual(list(g), [0, 1])
        self.set_local_events(0, GC, 0)
        self.assertEqual(seen[:4], [True, "generator already executing",
                                    "generator already executing",
                                    "generator already executing"])

    def test_running_frame_function_called_recursively_from_callback(self):
        self.use_tool(0)
        results = []

        def on_return(code, offset, value):
            if code is TC and not results:
                results.append(target(10))
        monitoring.register_callback(0, E.PY_RETURN, on_return)
        self.set_local_events(0, TC, E.PY_RETURN)
        self.assertEqual(target(1), 2)
        self.set_local_events(0, TC, 0)
        self.assertEqual(results, [11])

    def test_callback_enables_another_tool(self):
        self.use_tool(0)
        self.use_tool(1)
        seen = []

        def tool1(code, line):
            if code is TC:
                seen.append(("t1", line - TC.co_firstlineno))

        def tool0(code, line):
            if code is TC:
                seen.append(("t0", line - TC.co_firstlineno))
                monitoring.register_callback(1, E.LINE, tool1)
                monitoring.set_events(1, E.LINE)
                return monitoring.DISABLE
        monitoring.register_callback(0, E.LINE, tool0)
        monitoring.set_events(0, E.LINE)
        target(1)
        monitoring.set_events(0, 0)
        monitoring.set_events(1, 0)
        self.assertEqual(seen[0], ("t0", 1))
        self.assertIn(("t1", 6), seen)


def _run(event, callback, local=True):
    """Run target(1) with ``callback`` for ``event`` (tool 0), set locally
    on target's code (RAISE/EXCEPTION_HANDLED globally); returns
    ("ok", result) or (exception name, message)."""
    monitoring.use_tool_id(0, "odd")
    monitoring.register_callback(0, event, callback)
    try:
        if local and event not in (E.RAISE, E.EXCEPTION_HANDLED):
            monitoring.set_local_events(0, TC, event)
        else:
            monitoring.set_events(0, event)
        try:
            return ("ok", target(1))
        except BaseException as e:
            return (type(e).__name__, str(e))
    finally:
        monitoring.set_events(0, 0)
        monitoring.set_local_events(0, TC, 0)
        monitoring.register_callback(0, event, None)
        monitoring.free_tool_id(0)


def only_target(result):
    def cb(code, *args):
        if code is TC:
            return result
    return cb


def raising(exc):
    def cb(code, *args):
        if code is TC:
            raise exc
    return cb


class OddCallbacks(MonitoringTestCase):

    def test_non_callable_callback(self):
        self.assertEqual(_run(E.LINE, 5),
                         ("TypeError", "'int' object is not callable"))
        self.assertEqual(_run(E.PY_START, "x"),
                         ("TypeError", "'str' object is not callable"))

    def test_callback_with_wrong_signature(self):
        result = _run(E.LINE, lambda: None)
        self.assertEqual(result[0], "TypeError")
        self.assertIn("positional argument", result[1])

    def test_odd_return_values_are_ignored(self):
        for value in (42, "x", monitoring.MISSING, [], object()):
            for event in (E.PY_START, E.LINE, E.PY_RETURN, E.CALL):
                self.assertEqual(_run(event, only_target(value)), ("ok", 2),
                                 (event, value))

    def test_disable_where_it_cannot_disable(self):
        self.assertEqual(_run(E.RAISE, only_target(monitoring.DISABLE)),
                         ("ValueError",
                          "Cannot disable RAISE events. Callback removed."))
        self.assertEqual(
            _run(E.EXCEPTION_HANDLED, only_target(monitoring.DISABLE)),
            ("ValueError",
             "Cannot disable EXCEPTION_HANDLED events. Callback removed."))

    def test_disable_where_it_cannot_removes_the_callback(self):
        self.use_tool(0)
        cb = only_target(monitoring.DISABLE)
        monitoring.register_callback(0, E.RAISE, cb)
        monitoring.set_events(0, E.RAISE)
        with self.assertRaises(ValueError):
            target(1)
        monitoring.set_events(0, 0)
        self.assertIsNone(monitoring.register_callback(0, E.RAISE, None))

    def test_callback_raising_base_exceptions(self):
        for event in (E.PY_START, E.LINE, E.PY_RETURN, E.RAISE):
            self.assertEqual(_run(event, raising(KeyboardInterrupt("k"))),
                             ("KeyboardInterrupt", "k"))
            self.assertEqual(_run(event, raising(SystemExit(3))),
                             ("SystemExit", "3"))
            self.assertEqual(_run(event, raising(ValueError("v"))),
                             ("ValueError", "v"))

    def test_monitoring_works_after_a_callback_raised(self):
        self.assertEqual(_run(E.LINE, raising(ValueError("v"))),
                         ("ValueError", "v"))
        seen = []
        self.assertEqual(_run(E.LINE, lambda code, line: seen.append(line)
                              if code is TC else None), ("ok", 2))
        self.assertEqual(len(seen), 6)


if __name__ == "__main__":
    unittest.main()
