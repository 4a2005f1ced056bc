"""A callback at the deepest frame: its C recursion (repr, str ...).

Pinning test for docs/differences.md, "Recursion depth" (session 15,
fid15, found with tools/event_cases_fid15.py's
recursion_error_caught_at_depth): 3.12+ count C recursion apart from
Python frames, so a RAISE callback run where a RecursionError was just
raised can still take a repr; 3.8-3.11 have one counter for both, the
callback's repr fails with "maximum recursion depth exceeded while
getting the repr of an object", and that exception replaces the
program's (3.9-3.11; 3.8's check leaves the room).  Both outcomes are
asserted (the backport's on 3.9-3.11, native on 3.12/3.13): a change of
either shows here.
"""

import sys
import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

E = events
TOOL = 2


def boom(n):
    return boom(n + 1)


class CallbackReprAtDepthTest(MonitoringTestCase):

    def test_raise_callback_repr_at_the_limit(self):
        seen = []

        def on_raise(code, offset, exc):
            if code is boom.__code__:
                seen.append(repr((exc,)))

        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.RAISE, on_raise)
        self.addCleanup(monitoring.register_callback, TOOL, E.RAISE, None)
        old = sys.getrecursionlimit()
        monitoring.set_events(TOOL, E.RAISE)
        sys.setrecursionlimit(200)
        try:
            boom(0)
        except RecursionError as e:
            message = str(e)
        finally:
            sys.setrecursionlimit(old)
            monitoring.set_events(TOOL, 0)
        if not (3, 9) <= PY < (3, 12):
            # (3.8's limit check leaves the callback the room it needs)
            self.assertEqual(message, "maximum recursion depth exceeded")
        else:
            self.assertEqual(message, "maximum recursion depth exceeded "
                             "while getting the repr of an object")
        self.assertTrue(seen)


if __name__ == "__main__":
    unittest.main()
