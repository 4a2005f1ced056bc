"""DISABLEs that leave some locations wanted, in orders that test the done
cache's bookkeeping (pep669 keeps it across a DISABLE and moves its cursor
on in place: codedata.c, pep669_done_scan) and the jump regions' (kept
across DISABLEs, wanted.c): two tools, one of which keeps a location the
other DISABLEd, and locations DISABLEd out of their order in the code.
The event streams are native 3.12/3.13's; these tests run natively there.
"""

import types
import unittest

from tests.support import MonitoringTestCase, events, monitoring

E = events


def g(x):
    a = 1
    if x:
        a = 2
    if x > 1:
        a = 3
    return a


FIRST = g.__code__.co_firstlineno


def rel(lines):
    return [line - FIRST for line in lines]


class DoneCacheTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.use_tool(0, 'a')
        self.use_tool(1, 'b')

    def test_two_tools_one_keeps_a_line(self):
        # Tool 0 DISABLEs every line; tool 1 all but `a = 2`.  Once tool 0
        # has DISABLEd `a = 2` too, tool 1 still gets it on every run.
        seen = {0: [], 1: []}

        def line0(code, line):
            if code is g.__code__:
                seen[0].append(line)
            return monitoring.DISABLE

        def line1(code, line):
            if code is not g.__code__:
                return monitoring.DISABLE
            seen[1].append(line)
            return None if line - FIRST == 3 else monitoring.DISABLE

        monitoring.register_callback(0, E.LINE, line0)
        monitoring.register_callback(1, E.LINE, line1)
        monitoring.set_events(0, E.LINE)
        monitoring.set_events(1, E.LINE)
        runs = []
        for x in (0, 1, 1, 2, 1):
            seen[0].clear()
            seen[1].clear()
            g(x)
            runs.append((rel(seen[0]), rel(seen[1])))
        self.assertEqual(runs, [
            ([1, 2, 4, 6], [1, 2, 4, 6]),
            ([3], [3]),
            ([], [3]),
            ([5], [3, 5]),
            ([], [3]),
        ])

    def test_lines_disabled_out_of_order(self):
        # The later lines are DISABLEd first (x = 2 runs the `if` bodies
        # only on the second run); the first ones last.
        seen = []

        def line(code, ln):
            if code is not g.__code__:
                return monitoring.DISABLE
            seen.append(ln - FIRST)
            return monitoring.DISABLE

        monitoring.register_callback(0, E.LINE, line)
        monitoring.set_events(0, E.LINE)
        g(0)
        g(2)
        g(2)
        self.assertEqual(seen, [1, 2, 4, 6, 3, 5])

    def edges_of(self, x):
        """The (offset, destination) edges a run of g(x) gives, on a copy
        of g's code (same offsets, its own DISABLE state), by tool 2."""
        g2 = types.FunctionType(g.__code__.replace(), g.__globals__)
        got = []

        def cb(code, src, dest):
            if code is g2.__code__:
                got.append((src, dest))

        self.use_tool(2, 'c')
        for ev in (E.BRANCH_LEFT, E.BRANCH_RIGHT):
            monitoring.register_callback(2, ev, cb)
        monitoring.set_events(2, E.BRANCH_LEFT | E.BRANCH_RIGHT)
        g2(x)
        monitoring.set_events(2, 0)
        monitoring.free_tool_id(2)
        return got

    def test_branch_edges_two_tools(self):
        # Tool 0 DISABLEs every edge; tool 1 keeps the edge into `a = 3`.
        edges = self.edges_of(2)
        self.assertEqual(len(edges), 2)
        keep = edges[1]
        got = {0: [], 1: []}

        def edge(tool):
            def cb(code, src, dest):
                if code is not g.__code__:
                    return monitoring.DISABLE
                got[tool].append((src, dest))
                if tool == 1 and (src, dest) == keep:
                    return None
                return monitoring.DISABLE
            return cb

        for tool in (0, 1):
            for ev in (E.BRANCH_LEFT, E.BRANCH_RIGHT):
                monitoring.register_callback(tool, ev, edge(tool))
            monitoring.set_events(tool, E.BRANCH_LEFT | E.BRANCH_RIGHT)
        runs = []
        for x in (0, 2, 2, 2):
            got[0].clear()
            got[1].clear()
            g(x)
            runs.append((list(got[0]), list(got[1])))
        self.assertEqual(runs[1], (edges, edges))
        self.assertEqual(runs[2:], [([], [keep])] * 2)
        self.assertEqual(len(runs[0][0]), 2)
        self.assertEqual(runs[0][0], runs[0][1])


if __name__ == '__main__':
    unittest.main()
