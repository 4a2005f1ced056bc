"""Adversarial: bad input to every sys.monitoring function.

Wrong types, huge and negative ids and event sets, wrong argument counts,
keyword arguments, non-callables: each call gives exactly CPython
3.12/3.13's result (exception type and message, or value); the table was
taken from native 3.13.0 and the same test runs natively on 3.12/3.13.
Calls that succeed are undone; tool 0 is used with and without a name.
"""

import unittest

from tests.support import MonitoringTestCase, monitoring

mon = monitoring
E = monitoring.events


def code():
    pass


C = code.__code__


class Idx(object):
    def __index__(self):
        return 3


CASES = [
 ("use_tool_id", ("0", "n")), ("use_tool_id", (-1, "n")), ("use_tool_id", (6, "n")), ("use_tool_id", (2**70, "n")),
 ("use_tool_id", (0, 5)), ("use_tool_id", (0,)), ("use_tool_id", (0, "a", "b")), ("use_tool_id", (1.0, "n")),
 ("use_tool_id", (True, "n")), ("use_tool_id", (Idx(), "n")),
 ("free_tool_id", (7,)), ("free_tool_id", ("x",)), ("free_tool_id", (-2**70,)),
 ("get_tool", (6,)), ("get_tool", (None,)), ("get_tool", (-1,)),
 ("get_events", (6,)), ("get_events", ("a",)),
 ("set_events", (6, 0)), ("set_events", (0, -1)), ("set_events", (0, 1 << 40)), ("set_events", (0, "x")), ("set_events", (0, 2**70)),
 ("set_events", (0, E.LINE)), ("set_events", (0, 1 << 20)),
 ("set_local_events", (0, "notcode", 0)), ("set_local_events", (0, C, -1)), ("set_local_events", (0, C, E.RAISE)),
 ("set_local_events", (0, C, E.PY_UNWIND)), ("set_local_events", (7, C, 0)), ("set_local_events", (0, C, 1 << 30)),
 ("get_local_events", (0, "notcode")), ("get_local_events", (7, C)), ("get_local_events", (0, C)),
 ("register_callback", (0, E.LINE | E.CALL, None)), ("register_callback", (0, 0, None)), ("register_callback", (0, -1, None)),
 ("register_callback", (9, E.LINE, None)), ("register_callback", (0, E.LINE, 5)), ("register_callback", (0, E.LINE, None)),
 ("register_callback", (0, 1 << 25, None)), ("register_callback", (0, "x", None)),
 ("restart_events", (1,)), ("_all_events", (1,)),
 ("use_tool_id", (0, "a" * 10000)), ("use_tool_id", (0, "")), ("get_events", (2**31,)), ("get_events", (-2**31 - 1,)),
 ("set_events", (0, 2**31)), ("set_events", (0, -2**31)), ("set_local_events", (0, C)), ("set_local_events", (0, C, 0, 1)),
 ("register_callback", (0, E.LINE)), ("register_callback", (0, 2**40, None)), ("get_local_events", (0, C, 1)),
 ("set_events", (0, Idx())), ("register_callback", (0, E.PY_START, print)), ("register_callback", (0, E.PY_START, None)),
]

#: (result kind, text) of each case on native 3.13.0
EXPECTED = [
    ('TypeError', "'str' object cannot be interpreted as an integer"),
    ('ValueError', 'invalid tool -1 (must be between 0 and 5)'),
    ('ValueError', 'invalid tool 6 (must be between 0 and 5)'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('ValueError', 'tool name must be a str'),
    ('TypeError', 'use_tool_id expected 2 arguments, got 1'),
    ('TypeError', 'use_tool_id expected 2 arguments, got 3'),
    ('TypeError', "'float' object cannot be interpreted as an integer"),
    ('ok', 'None'),
    ('ok', 'None'),
    ('ValueError', 'invalid tool 7 (must be between 0 and 5)'),
    ('TypeError', "'str' object cannot be interpreted as an integer"),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('ValueError', 'invalid tool 6 (must be between 0 and 5)'),
    ('TypeError', "'NoneType' object cannot be interpreted as an integer"),
    ('ValueError', 'invalid tool -1 (must be between 0 and 5)'),
    ('ValueError', 'invalid tool 6 (must be between 0 and 5)'),
    ('TypeError', "'str' object cannot be interpreted as an integer"),
    ('ValueError', 'invalid tool 6 (must be between 0 and 5)'),
    ('ValueError', 'invalid event set 0xffffffff'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('TypeError', "'str' object cannot be interpreted as an integer"),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('ValueError', 'tool 0 is not in use'),
    ('ValueError', 'invalid event set 0x100000'),
    ('TypeError', 'code must be a code object'),
    ('ValueError', 'invalid local event set 0xfffe7fff'),
    ('ValueError', 'invalid local event set 0x400'),
    ('ValueError', 'invalid local event set 0x1000'),
    ('ValueError', 'invalid tool 7 (must be between 0 and 5)'),
    ('ValueError', 'invalid local event set 0x40000000'),
    ('TypeError', 'code must be a code object'),
    ('ValueError', 'invalid tool 7 (must be between 0 and 5)'),
    ('ok', '0'),
    ('ValueError', 'The callback can only be set for one event at a time'),
    ('ValueError', 'The callback can only be set for one event at a time'),
    ('ValueError', 'The callback can only be set for one event at a time'),
    ('ValueError', 'invalid tool 9 (must be between 0 and 5)'),
    ('ok', 'None'),
    ('ok', '5'),
    ('ValueError', 'invalid event 33554432'),
    ('TypeError', "'str' object cannot be interpreted as an integer"),
    ('TypeError', 'sys.monitoring.restart_events() takes no arguments (1 given)'),
    ('TypeError', 'sys.monitoring._all_events() takes no arguments (1 given)'),
    ('ok', 'None'),
    ('ok', 'None'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('ValueError', 'invalid event set 0x80000000'),
    ('TypeError', 'set_local_events expected 3 arguments, got 2'),
    ('TypeError', 'set_local_events expected 3 arguments, got 4'),
    ('TypeError', 'register_callback expected 3 arguments, got 2'),
    ('OverflowError', 'Python int too large to convert to C int'),
    ('TypeError', 'get_local_events expected 2 arguments, got 3'),
    ('ok', 'None'),
    ('ok', 'None'),
    ('ok', 'callable'),
]


class BadInput(MonitoringTestCase):
    maxDiff = None

    def _cleanup(self):
        if mon.get_tool(0) is not None:
            mon.set_events(0, 0)
            mon.set_local_events(0, C, 0)
            mon.register_callback(0, E.LINE, None)
            mon.free_tool_id(0)

    def test_battery(self):
        self.assertEqual(len(CASES), len(EXPECTED))
        got = []
        for i, (name, args) in enumerate(CASES):
            f = getattr(mon, name)
            if (i > 44 and args and args[0] == 0 and mon.get_tool(0) is None
                    and name in ("set_events", "set_local_events",
                                 "get_local_events", "register_callback",
                                 "get_events")):
                mon.use_tool_id(0, "t")
            try:
                r = f(*args)
                res = ("ok", "callable" if callable(r) else repr(r))
            except BaseException as e:
                res = (type(e).__name__, str(e))
            got.append(res)
            if mon.get_tool(0) is not None:
                self._cleanup()
        mon.register_callback(0, E.PY_START, None)
        self._cleanup()
        for tool in (1, 3):  # use_tool_id(True, ...), use_tool_id(Idx())
            mon.free_tool_id(tool)
        self.assertEqual([(CASES[i][0], g) for i, g in enumerate(got)],
                         [(CASES[i][0], e) for i, e in enumerate(EXPECTED)])

    def test_keyword_arguments(self):
        with self.assertRaises(TypeError) as cm:
            mon.use_tool_id(tool_id=0, name="x")
        self.assertEqual(str(cm.exception),
                         "sys.monitoring.use_tool_id() takes no keyword "
                         "arguments")
        self.assertIsNone(mon.get_tool(0))


if __name__ == "__main__":
    unittest.main()
