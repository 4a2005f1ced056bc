"""Memory the engine keeps per code object under coverage (3.8-3.11;
issue 14 target 4): what pep669._monitoring._code_data_size reports, against
a bound derived from the code's size.

Under coverage (LINE, every callback returning DISABLE) a code object keeps
the code data's struct (at most STRUCT_BYTES), `unit_flow` (4 bits a unit),
the LINE DISABLE map (a bit a unit while one tool has DISABLEd anything
there) and its LINE locations (4 bytes each, and their lines, 2 bytes
each since session 20): not the unit map (a byte a
unit: the analysis drops it for code that wants only LINE and frame
events), nor the flow analysis's line table (4 bytes a unit: only jump
events keep one), nor blocks for local events or jump regions, which code
without those never needs.  On 3.11 the interpreter's own line array (2
bytes a unit, made by its first trace call) goes too once the code's
line-level events are all done."""

import sys
import unittest

import tests.support  # noqa: F401 (puts src/ on the path)
from tests.support import MonitoringTestCase
import pep669
from pep669 import monitoring

ENGINE = None if pep669.NATIVE else pep669._monitoring
DEBUG = ENGINE is not None and hasattr(ENGINE, "_check_invariants")
TOOL = 2
E = monitoring.events

# (328 bytes on x86-64 at the time of writing; 416 before session 12)
STRUCT_BYTES = 328

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
        if monitoring.get_tool(TOOL) is None:
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
        # struct + unit_flow + LINE DISABLE map (bits) + locations and
        # their lines (debug
        # builds: the DISABLE map as bytes besides, and its pointer)
        return (STRUCT_BYTES + (units // 2 + 1) + (units + 7) // 8 +
                4 * (locations + 1) + 2 * locations +
                (units + 8 if DEBUG else 0))

    def test_coverage_keeps_no_line_table(self):
        f = fresh_function()
        code = f.__code__
        self.assertIsNone(ENGINE._code_data_size(code))
        self.run_covered(E.LINE, f)
        size = ENGINE._code_data_size(code)
        units = len(code.co_code) // 2
        self.assertLessEqual(size, self.bound(code))
        # (the bound leaves no room for a line table, 4 bytes a unit, nor
        # for a unit map or a DISABLE map of a byte a unit)
        self.assertLess(self.bound(code) - size, units // 2)
        self.assertEqual(ENGINE._probe_state(code)["wanted"], [])

    def test_second_tool_makes_byte_maps(self):
        # One tool's DISABLEs are bits; a second tool's first DISABLE makes
        # each map a byte a unit, and each tool keeps its own DISABLEs.
        f = fresh_function()
        code = f.__code__
        self.run_covered(E.LINE, f)
        size = ENGINE._code_data_size(code)
        units = len(code.co_code) // 2
        lines = []
        self.use_tool(TOOL + 1)
        monitoring.register_callback(
            TOOL + 1, E.LINE,
            lambda code_, line: (code_ is code and lines.append(line)) or
            monitoring.DISABLE)
        monitoring.set_events(TOOL + 1, E.LINE)
        monitoring.set_events(TOOL, E.LINE)
        try:
            f(3)
            self.assertEqual(ENGINE._code_data_size(code),
                             size - (units + 7) // 8 + units)
            self.assertEqual(ENGINE._probe_state(code)["wanted"], [])
            first = sorted(set(lines))
            self.assertTrue(first)
            del lines[:]
            f(3)
            self.assertEqual(lines, [])
        finally:
            monitoring.set_events(TOOL, 0)
            monitoring.set_events(TOOL + 1, 0)
        # clear_tool_id: tool 3's DISABLEs go, tool 2's stay
        monitoring.clear_tool_id(TOOL + 1)
        seen = []
        monitoring.register_callback(
            TOOL + 1, E.LINE,
            lambda code_, line: code_ is code and seen.append(line))
        monitoring.set_events(TOOL + 1, E.LINE)
        monitoring.set_events(TOOL, E.LINE)
        try:
            f(3)
        finally:
            monitoring.set_events(TOOL, 0)
            monitoring.set_events(TOOL + 1, 0)
        self.assertEqual(sorted(set(seen)), first)

    def test_unit_map_made_again_for_branches(self):
        # Line coverage first (no unit map kept), then jump events on the
        # same code: the same events, and the same unit map, as code that
        # had them from the start (the map is the analysis's: no JUMP at
        # the `try` body's jump over its handler).
        jumps = (E.BRANCH_LEFT, E.BRANCH_RIGHT, E.JUMP)

        def jump_events(func):
            got = []
            for ev in jumps:
                monitoring.register_callback(
                    TOOL, ev,
                    lambda code_, src, dest, ev=ev: code_ is func.__code__
                    and got.append((ev, src, dest)))
            monitoring.set_events(TOOL, sum(jumps))
            try:
                func(3)
                func(4)
                facts = ENGINE._flow_facts(func.__code__)
            finally:
                monitoring.set_events(TOOL, 0)
                for ev in jumps:
                    monitoring.register_callback(TOOL, ev, None)
            return got, facts

        self.use_tool(TOOL)
        expected = jump_events(fresh_function())
        self.assertTrue(expected[0])
        f = fresh_function()
        self.run_covered(E.LINE, f)
        size_before = ENGINE._code_data_size(f.__code__)
        monitoring.register_callback(TOOL, E.LINE, None)
        self.assertEqual(jump_events(f), expected)
        # (the unit map is back, a byte a unit)
        self.assertGreaterEqual(ENGINE._code_data_size(f.__code__),
                                size_before + len(f.__code__.co_code) // 2)

    def test_coverage_drops_the_interpreters_line_array(self):
        # 3.11's line array (2 bytes a unit, made by the interpreter's
        # first trace call of a frame) goes at the end of the traced run
        # that left the code's line-level events all done.
        f = fresh_function()
        code = f.__code__
        self.run_covered(E.LINE, f)
        self.assertEqual(ENGINE._probe_state(code)["wanted"], [])
        self.assertFalse(ENGINE._probe_state(code)["trace_cache"])

    def test_line_array_kept_while_lines_are_wanted(self):
        # (a line still wanted: the code is traced again, its array kept;
        # INSTRUCTION keeps it traced: since session 19 its join after the
        # handler has a probe, and LINE alone runs on its clone)
        f = fresh_function()
        code = f.__code__
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.LINE, lambda *args: None)
        monitoring.register_callback(TOOL, E.INSTRUCTION,
                                     lambda *args: None)
        monitoring.set_events(TOOL, E.LINE | E.INSTRUCTION)
        try:
            f(3)
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(ENGINE._probe_state(code)["trace_cache"],
                         sys.version_info[:2] == (3, 11))

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
