"""Memory the engine keeps per code object under coverage (3.8-3.11;
issue 14 target 4): what pep669._monitoring._code_data_size reports, against
a bound derived from the code's size.

Under coverage (LINE, every callback returning DISABLE) a code object keeps
the code data's struct (at most STRUCT_BYTES), the unit map (a byte a unit),
`unit_flow` (4 bits a unit), the LINE DISABLE map (a byte a unit) and its
LINE locations (4 bytes each): not the flow analysis's line table (4 bytes a
unit: only jump events keep one), nor blocks for local events or jump
regions, which code without those never needs."""

import sys
import unittest

import tests.support  # noqa: F401 (puts src/ on the path)
from tests.support import MonitoringTestCase
import pep669
from pep669 import monitoring

ENGINE = None if pep669.NATIVE else pep669._monitoring
TOOL = 2
E = monitoring.events

# (320 bytes on x86-64 at the time of writing; 416 before)
STRUCT_BYTES = 336

SRC = '''
def f(n):
    total = 0
    for k in range(n):
        if k % 3 == 0:
            total += k
        elif k % 3 == 1:
            total -= 1
        else:
            total *= 2
    s = str(total)
    d = {}
    for c in s:
        d[c] = d.get(c, 0) + 1
    try:
        x = int(s) // (n - n)
    except ZeroDivisionError:
        x = -1
    while x < 0:
        x += 5
    return total, d, x
'''


def fresh_function():
    ns = {}
    exec(compile(SRC, "<code-data-size>", "exec"), ns)
    return ns["f"]


@unittest.skipIf(ENGINE is None, "the engine's own code data (3.8-3.11)")
class CodeDataSize(MonitoringTestCase):

    def run_covered(self, events, func):
        self.use_tool(TOOL)
        for ev in (E.LINE, E.BRANCH_LEFT, E.BRANCH_RIGHT):
            if events & ev:
                monitoring.register_callback(
                    TOOL, ev, lambda *args: monitoring.DISABLE)
        monitoring.set_events(TOOL, events)
        try:
            func(3)
        finally:
            monitoring.set_events(TOOL, 0)

    def bound(self, code):
        units = len(code.co_code) // 2
        locations = len(ENGINE._line_locations(code))
        self.assertGreater(locations, 10)
        # struct + unit map + unit_flow + LINE DISABLE map + locations
        return (STRUCT_BYTES + (units + 1) + (units // 2 + 1) + units +
                4 * (locations + 1))

    def test_coverage_keeps_no_line_table(self):
        f = fresh_function()
        code = f.__code__
        self.assertIsNone(ENGINE._code_data_size(code))
        self.run_covered(E.LINE, f)
        size = ENGINE._code_data_size(code)
        units = len(code.co_code) // 2
        self.assertLessEqual(size, self.bound(code))
        # (the bound leaves no room for a line table, 4 bytes a unit)
        self.assertLess(self.bound(code) - size, 4 * units)
        self.assertEqual(ENGINE._probe_state(code)["wanted"], [])

    def test_branch_coverage_keeps_the_line_table(self):
        # (the jump regions and branch sides read it: kept, and measured)
        f = fresh_function()
        code = f.__code__
        self.run_covered(E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT, f)
        units = len(code.co_code) // 2
        self.assertGreaterEqual(ENGINE._code_data_size(code),
                                self.bound(code) - 64 + 4 * units)

    def test_local_events_block_goes_with_the_events(self):
        f = fresh_function()
        code = f.__code__
        self.run_covered(E.LINE, f)
        size = ENGINE._code_data_size(code)
        self.set_local_events(TOOL, code, E.PY_START)
        with_local = ENGINE._code_data_size(code)
        self.assertGreater(with_local, size)
        self.assertLessEqual(with_local, size + 64)
        monitoring.set_local_events(TOOL, code, 0)
        self.assertEqual(ENGINE._code_data_size(code), size)


if __name__ == "__main__":
    unittest.main()
