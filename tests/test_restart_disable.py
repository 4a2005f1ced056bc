"""DISABLE and restart_events() returned by the callbacks of one event.

CPython disables a location when a callback returns DISABLE (the tool is
removed there at once), and restart_events() re-arms the executing code at
once: so a restart voids the DISABLEs returned before it, by the earlier
tools of the same event too, and a DISABLE returned after it (by the
restarting callback itself or by a later tool) counts.  The same
expectations hold natively on 3.12/3.13 for LINE and BRANCH; BRANCH_LEFT
and BRANCH_RIGHT follow 3.14's instrumentation, which handles their
DISABLE in the same loop.
"""

import unittest

from tests.support import MonitoringTestCase, monitoring, events, \
    HAS_BRANCH_LEFT

DISABLE = monitoring.DISABLE
HIGH, LOW = 3, 2


def target(x):
    a = 1
    if x:
        a = 2
    return a


def first_line_events(code):
    base = code.co_firstlineno
    return [base + 1, base + 2, base + 3, base + 4]


class RestartRunner(MonitoringTestCase):

    def run_two_tools(self, event_names, restarter, runs=3, tools=(HIGH, LOW)):
        """`tools` take `event_names`; every callback returns DISABLE;
        `restarter`'s first callback calls restart_events() first.
        Returns the records per run: (tool, event, args...)."""
        code = target.__code__
        seen, run = [], []
        restarted = []

        def make(tool, name):
            def callback(c, *args):
                if c is not code:
                    return None
                run.append((tool, name) + args)
                if tool == restarter and not restarted:
                    restarted.append(args)
                    monitoring.restart_events()
                return DISABLE
            return callback

        for tool in tools:
            self.use_tool(tool)
            bits = 0
            for name in event_names:
                event = getattr(events, name)
                monitoring.register_callback(tool, event, make(tool, name))
                bits |= event
            self.set_local_events(tool, code, bits)
        try:
            for _ in range(runs):
                target(1)
                seen.append(run[:])
                del run[:]
        finally:
            self.stop(*tools)
            for tool in tools:
                self.set_local_events(tool, code, 0)
        return seen


class RestartAmongToolsTest(RestartRunner):

    def test_line_restart_by_the_lower_tool_voids_the_higher_tools_disable(self):
        # HIGH's callback runs first and DISABLEs line 1; LOW's restarts
        # there and DISABLEs: HIGH gets line 1 once more in the next run,
        # LOW does not (3.8-3.11 kept HIGH's DISABLE before session 18)
        l1, l2, l3, l4 = first_line_events(target.__code__)
        got = self.run_two_tools(["LINE"], LOW)
        self.assertEqual(got[0], [(HIGH, "LINE", l1), (LOW, "LINE", l1),
                                  (HIGH, "LINE", l2), (LOW, "LINE", l2),
                                  (HIGH, "LINE", l3), (LOW, "LINE", l3),
                                  (HIGH, "LINE", l4), (LOW, "LINE", l4)])
        self.assertEqual(got[1:], [[(HIGH, "LINE", l1)], []])

    def test_line_restart_by_the_higher_tool_keeps_the_lower_tools_disable(self):
        l1, l2, l3, l4 = first_line_events(target.__code__)
        got = self.run_two_tools(["LINE"], HIGH)
        self.assertEqual(len(got[0]), 8)
        self.assertEqual(got[1:], [[], []])

    def check_edge_restart_by_the_lower_tool(self, names, first):
        """One edge event (`first`) a run; HIGH's DISABLE is voided by
        LOW's restart, LOW's own DISABLE after it counts."""
        got = self.run_two_tools(names, LOW)
        self.assertEqual([[r[:2] for r in run] for run in got],
                         [[(HIGH, first), (LOW, first)], [(HIGH, first)],
                          []])

    def test_branch_restart_by_the_lower_tool(self):
        # native BRANCH on 3.12/3.13: the same rule as LINE
        self.check_edge_restart_by_the_lower_tool(["BRANCH"], "BRANCH")

    @unittest.skipUnless(HAS_BRANCH_LEFT, "3.14's BRANCH_LEFT/RIGHT")
    def test_left_restart_by_the_lower_tool(self):
        self.check_edge_restart_by_the_lower_tool(
            ["BRANCH_LEFT", "BRANCH_RIGHT"], "BRANCH_LEFT")

    @unittest.skipUnless(HAS_BRANCH_LEFT, "3.14's BRANCH_LEFT/RIGHT")
    def test_left_restart_by_the_higher_tool(self):
        got = self.run_two_tools(["BRANCH_LEFT", "BRANCH_RIGHT"], HIGH)
        self.assertEqual(len(got[0]), 2)
        self.assertEqual(got[1:], [[], []])


class RestartOneToolTest(RestartRunner):

    def run_one_tool(self, event_names):
        return [[r[1:] for r in run]
                for run in self.run_two_tools(event_names, LOW, tools=(LOW,))]

    def test_line_disable_after_own_restart_counts(self):
        got = self.run_one_tool(["LINE"])
        self.assertEqual(len(got[0]), 4)
        self.assertEqual(got[1:], [[], []])

    def test_branch_disable_after_own_restart_counts(self):
        got = self.run_one_tool(["BRANCH"])
        self.assertEqual([r[0] for r in got[0]], ["BRANCH"])
        self.assertEqual(got[1:], [[], []])

    @unittest.skipUnless(HAS_BRANCH_LEFT, "3.14's BRANCH_LEFT/RIGHT")
    def test_left_disable_after_own_restart_counts(self):
        # (sessions 15-17 voided it: the edge came in every run)
        got = self.run_one_tool(["BRANCH_LEFT", "BRANCH_RIGHT"])
        self.assertEqual([r[0] for r in got[0]], ["BRANCH_LEFT"])
        self.assertEqual(got[1:], [[], []])


if __name__ == "__main__":
    unittest.main()
