"""The hook's fast path, 3.8-3.11: code whose wanted events are all
DISABLEd is known idle with one test per call.

Its answer "a run of this code wants nothing of the hook" is cached in
the code's data (``idle``, valid while the registry's version is the
code data's: engine_entry.h, pep669_frame_idle), so a call to such code
costs the hook a few loads, not the events, done-cache and STOP_ITERATION
checks each time.  The cache must go with every change of the event sets
(set_events, set_local_events, restart_events, register_callback,
free_tool_id): each test here changes them after the code was cached idle
and checks the stream (natively on 3.12/3.13 too); the ``idle`` flag of
``_probe_state`` on 3.8-3.11 only.
"""

import threading
import unittest

from tests.support import PY, MonitoringTestCase, monitoring

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = monitoring.events
DISABLE = monitoring.DISABLE
TOOL = 2

#: the backport's engine (its hook and code data)
ENGINE = not pep669.NATIVE and PY < (3, 12)


def small(x):
    a = x + 1
    return a * 2


def gen(n):
    yield n


def idle(func):
    if not ENGINE:
        return None
    return pep669._monitoring._probe_state(func.__code__)['idle']


def threaded(func, *args):
    """``func(*args)`` in a new thread, whose frames all start through the
    hook (this test's frame started before the events were set)."""
    out = []
    t = threading.Thread(target=lambda: out.append(func(*args)))
    t.start()
    t.join()
    return out[0]


def loop(func, n):
    return [func(i) for i in range(n)]


class IdleCacheTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.events = []
        self.use_tool(TOOL)
        code = small.__code__

        def line(c, lineno):
            if c is code:
                self.events.append(("LINE", lineno - c.co_firstlineno))
            return DISABLE

        def ret(c, offset, value):
            if c is code:
                self.events.append(("PY_RETURN", value))

        monitoring.register_callback(TOOL, E.LINE, line)
        monitoring.register_callback(TOOL, E.PY_RETURN, ret)
        monitoring.set_events(TOOL, E.LINE)
        # every line of `small` DISABLEd, then runs through the fast path
        self.assertEqual(threaded(loop, small, 5), [2, 4, 6, 8, 10])
        self.assertEqual(self.events, [("LINE", 1), ("LINE", 2)])
        del self.events[:]

    def assertIdle(self, func, expected):
        if ENGINE:
            self.assertIs(idle(func), expected)

    def test_cached_after_warm_up(self):
        self.assertIdle(small, True)
        self.assertEqual(threaded(loop, small, 3), [2, 4, 6])
        self.assertEqual(self.events, [])
        self.assertIdle(small, True)

    def test_set_events_voids_it(self):
        self.assertIdle(small, True)
        monitoring.set_events(TOOL, E.LINE | E.PY_RETURN)
        self.assertIdle(small, False)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertEqual(self.events, [("PY_RETURN", 2), ("PY_RETURN", 4)])
        self.assertIdle(small, False)

    def test_local_events_void_it(self):
        self.assertIdle(small, True)
        self.set_local_events(TOOL, small.__code__, E.PY_RETURN)
        self.assertIdle(small, False)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertEqual(self.events, [("PY_RETURN", 2), ("PY_RETURN", 4)])
        self.set_local_events(TOOL, small.__code__, 0)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertEqual(self.events, [("PY_RETURN", 2), ("PY_RETURN", 4)])
        self.assertIdle(small, True)

    def test_restart_events_voids_it(self):
        self.assertIdle(small, True)
        monitoring.restart_events()
        self.assertIdle(small, False)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertEqual(self.events, [("LINE", 1), ("LINE", 2)])
        self.assertIdle(small, True)

    def test_callback_registered_voids_it(self):
        # PY_RETURN set with no callback: nothing wanted, still idle
        monitoring.register_callback(TOOL, E.PY_RETURN, None)
        monitoring.set_events(TOOL, E.LINE | E.PY_RETURN)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertIdle(small, True)
        code = small.__code__
        monitoring.register_callback(
            TOOL, E.PY_RETURN,
            lambda c, o, v: self.events.append(("PY_RETURN", v))
            if c is code else None)
        self.assertIdle(small, False)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertEqual(self.events, [("PY_RETURN", 2), ("PY_RETURN", 4)])

    def test_generator_stop_iteration(self):
        # a generator's code is idle only while no STOP_ITERATION is
        # wanted anywhere (its end may fire it in the consumer)
        self.assertEqual(threaded(lambda: [list(gen(i)) for i in range(3)]),
                         [[0], [1], [2]])
        self.assertIdle(gen, True)
        monitoring.register_callback(TOOL, E.STOP_ITERATION,
                                     lambda c, o, v: None)
        monitoring.set_events(TOOL, E.LINE | E.STOP_ITERATION)
        self.assertIdle(gen, False)
        self.assertEqual(threaded(lambda: [list(gen(i)) for i in range(3)]),
                         [[0], [1], [2]])
        self.assertIdle(gen, False)
        self.assertIdle(small, False)
        self.assertEqual(threaded(loop, small, 2), [2, 4])
        self.assertIdle(small, True)

if __name__ == "__main__":
    unittest.main()
