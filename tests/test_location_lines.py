"""The line a LINE event reports at a location where a line probe fires.

Since session 20 the backport reads the line of a LINE location from the
flow analysis's results (kept with the locations, less co_firstlineno, in
16 bits) instead of walking the code's line table for each probe's LINE;
a line more than 32,767 lines past co_firstlineno is the line table's.
These tests run code whose lines sit far from co_firstlineno (and code
whose co_firstlineno itself is large) under the coverage pattern (LINE,
DISABLE): its second run reaches new lines, on line probes on 3.8-3.11.
The streams are CPython's: the same expectations hold natively on
3.12/3.13.
"""

import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

import pep669  # noqa: E402 (tests.support puts src/ on the path)

TOOL = 0
PROBES = not pep669.NATIVE and PY < (3, 12)


def make(gap, lead):
    """A function `f(n)` after `lead` blank lines, its tests `gap` lines
    below its first statement; its lines (relative to the source) in the
    order the body has them."""
    src = ("\n" * lead + "def f(n):\n"
           "    total = 0\n" + "\n" * gap +
           "    if n > 5:\n"
           "        total = 1\n"
           "\n"
           "    if n > 10:\n"
           "        total = 2\n"
           "    return total\n")
    ns = {}
    exec(compile(src, "<far>", "exec"), ns)
    d = lead + 1  # the def's line
    lines = {"total0": d + 1, "if5": d + 2 + gap, "total1": d + 3 + gap,
             "if10": d + 5 + gap, "total2": d + 6 + gap,
             "ret": d + 7 + gap}
    return ns["f"], lines


class LocationLineTest(MonitoringTestCase):

    def cover(self, func):
        seen = []
        code = func.__code__

        def line(c, lineno):
            if c is code:
                seen.append(lineno)
            return monitoring.DISABLE
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.set_events(TOOL, events.LINE)
        self.addCleanup(monitoring.set_events, TOOL, 0)
        return seen

    def check(self, gap, lead):
        func, ln = make(gap, lead)
        seen = self.cover(func)
        self.assertEqual(func(0), 0)
        first = list(seen)
        self.assertEqual(func(20), 2)
        state = (pep669._monitoring._probe_state(func.__code__)
                 if PROBES else None)
        monitoring.set_events(TOOL, 0)
        self.assertEqual(first, [ln["total0"], ln["if5"], ln["if10"],
                                 ln["ret"]])
        self.assertEqual(seen[len(first):], [ln["total1"], ln["total2"]])
        if PROBES:
            # (the second run's lines came from its line probes)
            self.assertTrue(state["clone"])

    def test_near(self):
        self.check(0, 0)

    def test_far_from_first_line(self):
        # 40,000 lines below co_firstlineno: not in 16 bits
        self.check(40000, 0)

    def test_just_within_16_bits(self):
        # the tests at co_firstlineno + 32,766 .. 32,770
        self.check(32764, 0)

    def test_large_first_line(self):
        # co_firstlineno 70,001, the lines near it
        self.check(3, 70000)


if __name__ == "__main__":
    unittest.main()
