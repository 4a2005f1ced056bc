"""3.14's BRANCH_LEFT / BRANCH_RIGHT and clear_tool_id, through
pep669.monitoring on 3.8-3.13.

CPython 3.14's Lib/test/test_monitoring.py cannot run here (it needs 3.14's
bytecode and helpers, and is not vendored), so these tests check what its
BRANCH_LEFT/RIGHT and clear_tool_id tests check, on the same kinds of code:
the stream of (side, function, source line, destination line) that 3.14
reports for a for loop with an if/else, a while loop, a match statement and
an except clause; that offsets point at a branch instruction and at where
the code goes; clear_tool_id's effects.  Where the old bytecode cannot give
3.14's stream the difference is pinned (docs/differences.md, "BRANCH_LEFT
/ BRANCH_RIGHT").  On 3.12/3.13 the events ride on the native BRANCH event
(pep669._native); there is no native reference for them before 3.14, so
the native BRANCH stream, recorded beside them, is the cross-check: every
LEFT/RIGHT event comes with a native BRANCH event of the same source.
"""

import dis
import sys
import unittest

from tests.support import PY, MonitoringTestCase, in_codes

import pep669

M = pep669.monitoring
E = M.events
DISABLE = M.DISABLE
TOOL = 2
SIDES = E.BRANCH_LEFT | E.BRANCH_RIGHT
NATIVE_BRANCH = (3, 12) <= PY < (3, 14)

# 3.10/3.11 repeat a while loop's test at the end of the body as a
# backward conditional jump (POP_JUMP_IF_TRUE on 3.10,
# POP_JUMP_BACKWARD_IF_TRUE on 3.11) whose *taken* edge stays in the loop;
# the engine reports it as 3.14 does its one test at the top: LEFT into
# the body, RIGHT out of the loop (two sources, as on 3.12/3.13).
# 3.8/3.9 test a while loop at the top only and jump back to the test, so
# the loop's test is one instruction, as in 3.14.
WHILE_TEST_AT_TOP = PY < (3, 10)
# 3.10-3.13: a case followed by other cases tests a copy of the subject,
# popped (POP_TOP) on the case line after the test, where its LEFT edge
# lands; 3.14's LEFT lands on the case body.
MATCH_SUBJECT_POP = PY < (3, 14)
# 3.8-3.13: `async for` has no branch instruction: the loop ends when
# END_ASYNC_FOR handles StopAsyncIteration.  3.14 reports LEFT for each
# item and RIGHT at the end, from the `async for` line.
ASYNC_FOR_HAS_NO_BRANCH = PY < (3, 14)


def async_for_func():
    async def gen():
        yield 2
        yield 3

    async def foo():
        async for y in gen():
            2
        pass  # line 3

    try:
        foo().send(None)
    except StopIteration:
        pass


def line_of(code, offset):
    """Line of the instruction at `offset`, relative to co_firstlineno."""
    line = None
    for ins in dis.get_instructions(code):
        if ins.starts_line is not None and not isinstance(ins.starts_line,
                                                          bool):
            line = ins.starts_line
        elif getattr(ins, "line_number", None) is not None:
            line = ins.line_number
        if ins.offset == offset:
            return line - code.co_firstlineno
    raise AssertionError("no instruction at %d" % offset)


def lines_of(code):
    """{offset: line relative to co_firstlineno} (co_lines() where it
    exists, else the line starts)."""
    out = {}
    if hasattr(code, "co_lines"):
        for start, end, line in code.co_lines():
            for off in range(start, end, 2):
                out[off] = (None if line is None
                            else line - code.co_firstlineno)
        return out
    starts = dict(dis.findlinestarts(code))
    line = None
    for ins in dis.get_instructions(code):
        line = starts.get(ins.offset, line)
        out[ins.offset] = line - code.co_firstlineno
    return out


# ---- the functions of 3.14's tests (same shapes) ----

def for_if_else():
    x = 1
    for a in range(2):
        if a:
            x = 4
        else:
            x = 6
    7


def while_loop(n=0):
    while n < 3:
        n += 1  # line 2
    3


def while_offsets(n=0):
    while n < 4:
        pass
        n += 1
    return None


def caught():
    try:
        raise KeyError
    except KeyError:
        pass


MATCH_SOURCE = """\
def match_func(v=1):
    x = 0
    for v in range(4):
        match v:
            case 1:
                x += 1
            case 2:
                x += 2
            case _:
                x += 3
    return x
"""


class BranchTestCase(MonitoringTestCase):

    def run_sides(self, func, *args, **kw):
        """Run func with LEFT/RIGHT (and BRANCH beside them) set locally on
        its code; return [(side, line, dest line)] and the raw records."""
        code = kw.get("code", func.__code__)
        rec = self.recorder(TOOL, SIDES | E.BRANCH, in_codes(code),
                            local_codes=[code])
        func(*args)
        self.set_local_events(TOOL, code, 0)
        lines = lines_of(code)
        sides = [(r.event, lines[r.args[0]], lines[r.args[1]])
                 for r in rec.records if r.event != 'BRANCH']
        return sides, rec

    def check_pairs(self, rec):
        """Each LEFT/RIGHT follows a BRANCH of the same source (BRANCH
        first), and nothing else."""
        records = rec.records
        self.assertEqual(len(records) % 2, 0, rec.events())
        for i in range(0, len(records), 2):
            branch, side = records[i], records[i + 1]
            self.assertEqual(branch.event, 'BRANCH', rec.events())
            self.assertIn(side.event, ('BRANCH_LEFT', 'BRANCH_RIGHT'))
            self.assertEqual(branch.args[0], side.args[0])


class StreamTest(BranchTestCase):
    """TestBranchAndJumpEvents of 3.14: the LEFT/RIGHT streams by line."""

    def test_for_if_else(self):
        sides, rec = self.run_sides(for_if_else)
        self.assertEqual(sides, [
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 3, 6),
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_LEFT', 3, 4),
            ('BRANCH_RIGHT', 2, 7)])
        self.check_pairs(rec)

    def test_while(self):
        sides, rec = self.run_sides(while_loop)
        # 3.14's stream (3.12/3.13: LEFT of the copy goes through its
        # JUMP_BACKWARD to the body, where 3.14 goes; 3.10/3.11: the
        # copy's taken edge, into the body, is LEFT)
        self.assertEqual(sides, [
            ('BRANCH_LEFT', 1, 2),
            ('BRANCH_LEFT', 1, 2),
            ('BRANCH_LEFT', 1, 2),
            ('BRANCH_RIGHT', 1, 3)])
        self.check_pairs(rec)

    @unittest.skipIf(PY < (3, 10), "match: 3.10+")
    def test_match(self):
        ns = {}
        exec(compile(MATCH_SOURCE, __file__, "exec"), ns)
        func = ns["match_func"]
        sides, rec = self.run_sides(func)
        self.assertEqual(sides, [
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 4, 6),
            ('BRANCH_RIGHT', 6, 8),
            ('BRANCH_LEFT', 2, 2),
            # 3.14: (4, 5).  3.10-3.13 pop the copy of the subject on the
            # case line first (MATCH_SUBJECT_POP)
            ('BRANCH_LEFT', 4, 4 if MATCH_SUBJECT_POP else 5),
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 4, 6),
            ('BRANCH_LEFT', 6, 7),
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 4, 6),
            ('BRANCH_RIGHT', 6, 8),
            ('BRANCH_RIGHT', 2, 10)])
        self.check_pairs(rec)

    def test_except_clause(self):
        # 3.14 (test_async_for's `except StopIteration:`): the except
        # clause's match is a branch; matched: LEFT, from the except line
        # to the except line (the handler pops the exception there).
        sides, rec = self.run_sides(caught)
        self.assertEqual(sides, [('BRANCH_LEFT', 3, 3)])
        self.check_pairs(rec)


    def test_async_for(self):
        code = async_for_func.__code__
        foo = [c for c in code.co_consts if getattr(c, 'co_name', '') ==
               'foo'][0]
        rec = self.recorder(TOOL, SIDES, in_codes(code, foo))
        async_for_func()
        self.stop()
        got = []
        for r in rec.records:
            lines = lines_of(r.code)
            got.append((r.event, r.code.co_name, lines[r.args[0]],
                        lines[r.args[1]]))
        foo_events = [] if ASYNC_FOR_HAS_NO_BRANCH else [
            ('BRANCH_LEFT', 'foo', 1, 1), ('BRANCH_LEFT', 'foo', 1, 1),
            ('BRANCH_RIGHT', 'foo', 1, 3)]
        self.assertEqual(got, foo_events + [('BRANCH_LEFT', 'async_for_func',
                                             12, 12)])


class OffsetTest(BranchTestCase):
    """TestBranchConsistency of 3.14: sources are branch instructions,
    LEFT goes where the code falls through to, RIGHT where it jumps."""

    def check_offsets(self, func):
        code = func.__code__
        rec = self.recorder(TOOL, SIDES, in_codes(code), local_codes=[code])
        func()
        self.set_local_events(TOOL, code, 0)
        ins = {i.offset: i for i in dis.get_instructions(code)}
        self.assertTrue(rec.records)
        for r in rec.records:
            src, dest = r.args
            self.assertIn(src, ins)
            self.assertIn(dest, ins)
            op = ins[src].opname
            self.assertTrue(op == 'FOR_ITER' or op.startswith('POP_JUMP') or
                            op == 'JUMP_IF_NOT_EXC_MATCH', op)
        return [(r.event, r.args[0], r.args[1]) for r in rec.records]

    def test_for_if_else(self):
        self.check_offsets(for_if_else)

    def test_while_offsets(self):
        events = self.check_offsets(while_offsets)
        lines = lines_of(while_offsets.__code__)
        got = [(e, lines[s], lines[d]) for e, s, d in events]
        sources = sorted(set(s for e, s, d in events))
        # 3.14: ('branch left', 10, 16) four times, then ('branch right',
        # 10, 40): one source.
        if WHILE_TEST_AT_TOP:
            # 3.8/3.9: one test, at the top, as 3.14; `pass` compiles to
            # nothing, so the body starts on line 3
            self.assertEqual(got, [('BRANCH_LEFT', 1, 3)] * 4 +
                             [('BRANCH_RIGHT', 1, 4)])
            self.assertEqual(len(sources), 1)
        else:
            # 3.10-3.13: 3.14's stream by line, from two sources (the test
            # and its copy at the end of the body)
            self.assertEqual(got, [('BRANCH_LEFT', 1, 2)] * 4 +
                             [('BRANCH_RIGHT', 1, 4)])
            self.assertEqual(len(sources), 2)


class DisableTest(BranchTestCase):
    """DISABLE per edge: the other edge keeps firing; restart_events()
    brings both back."""

    def test_one_edge_disabled(self):
        code = for_if_else.__code__
        rec = self.recorder(
            TOOL, SIDES, in_codes(code), local_codes=[code],
            respond=lambda r: DISABLE if r.event == 'BRANCH_LEFT' else None)
        for_if_else()
        for_if_else()
        lines = lines_of(code)
        got = [(r.event, lines[r.args[0]], lines[r.args[1]])
               for r in rec.records]
        self.assertEqual(got, [
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 3, 6),
            ('BRANCH_LEFT', 3, 4),
            ('BRANCH_RIGHT', 2, 7),
            # second run: the LEFT edges are off, the RIGHT ones fire
            ('BRANCH_RIGHT', 3, 6),
            ('BRANCH_RIGHT', 2, 7)])
        rec.clear()
        M.restart_events()
        for_if_else()
        # the first run's stream again (its second FOR_ITER LEFT is the
        # location disabled by its first)
        self.assertEqual(len(rec.records), 4)
        self.set_local_events(TOOL, code, 0)

    def test_disable_after_restart_in_the_callback(self):
        # A callback that calls restart_events() and then returns DISABLE:
        # the DISABLE counts, as 3.14 has it (restart_events() re-arms the
        # executing code at once; the DISABLE, handled when the callback
        # returns, removes the tool there) and as 3.12/3.13 do for their
        # BRANCH and LINE events: the loop's LEFT edge comes once.
        # (Sessions 15-17 voided it, on a misreading of 3.14: the edge
        # came once more.)
        code = for_if_else.__code__
        restarted = []

        def respond(r):
            if not restarted:
                restarted.append(r.event)
                M.restart_events()
            return DISABLE
        rec = self.recorder(TOOL, SIDES, in_codes(code), local_codes=[code],
                            respond=respond)
        for_if_else()
        lines = lines_of(code)
        got = [(r.event, lines[r.args[0]], lines[r.args[1]])
               for r in rec.records]
        self.assertEqual(got[:2], [('BRANCH_LEFT', 2, 2),
                                   ('BRANCH_RIGHT', 3, 6)])
        self.assertEqual(got.count(('BRANCH_LEFT', 2, 2)), 1, got)
        self.set_local_events(TOOL, code, 0)

    def test_disable_after_another_callbacks_restart(self):
        # BRANCH and the sides on one tool: the BRANCH callback of the
        # first event calls restart_events(); the side's callback after
        # it returns DISABLE, which counts (it came after the restart):
        # that edge comes once (3.12/3.13 dropped every DISABLE of the
        # event before session 17: the loop's LEFT came again)
        code = for_if_else.__code__
        restarted = []

        def respond(r):
            if r.event == 'BRANCH':
                if not restarted:
                    restarted.append(r.args)
                    M.restart_events()
                return None
            return DISABLE
        rec = self.recorder(TOOL, SIDES | E.BRANCH, in_codes(code),
                            local_codes=[code], respond=respond)
        for_if_else()
        lines = lines_of(code)
        got = [(r.event, lines[r.args[0]], lines[r.args[1]])
               for r in rec.records if r.event != 'BRANCH']
        self.assertEqual(got, [
            ('BRANCH_LEFT', 2, 2),
            ('BRANCH_RIGHT', 3, 6),
            ('BRANCH_LEFT', 3, 4),
            ('BRANCH_RIGHT', 2, 7)])
        self.set_local_events(TOOL, code, 0)

    def test_both_edges_disabled(self):
        code = for_if_else.__code__
        rec = self.recorder(TOOL, SIDES, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        for_if_else()
        # each (location, edge) once: the FOR_ITER's LEFT of the second
        # iteration is disabled already
        self.assertEqual([r.event for r in rec.records], [
            'BRANCH_LEFT', 'BRANCH_RIGHT', 'BRANCH_LEFT', 'BRANCH_RIGHT'])
        rec.clear()
        for_if_else()
        self.assertEqual(rec.records, [])
        M.restart_events()
        for_if_else()
        self.assertEqual(len(rec.records), 4)
        self.set_local_events(TOOL, code, 0)

    def test_branch_disabled_sides_still_fire(self):
        # One tool, BRANCH and the sides: BRANCH's DISABLE is its own.
        code = for_if_else.__code__
        rec = self.recorder(
            TOOL, SIDES | E.BRANCH, in_codes(code), local_codes=[code],
            respond=lambda r: DISABLE if r.event == 'BRANCH' else None)
        for_if_else()
        # BRANCH once per location (the FOR_ITER, the if)
        self.assertEqual([r.event for r in rec.records].count('BRANCH'), 2)
        rec.clear()
        for_if_else()
        self.assertEqual(sorted(set(r.event for r in rec.records)),
                         ['BRANCH_LEFT', 'BRANCH_RIGHT'])
        self.assertEqual(len(rec.records), 5)
        self.set_local_events(TOOL, code, 0)

    def test_other_tool_unaffected(self):
        code = for_if_else.__code__
        sides = self.recorder(TOOL, SIDES, in_codes(code), local_codes=[code],
                              respond=lambda r: DISABLE)
        branch = self.recorder(TOOL + 1, E.BRANCH, in_codes(code),
                               local_codes=[code])
        for_if_else()
        for_if_else()
        self.assertEqual(len(sides.records), 4)
        self.assertEqual(len(branch.records), 10)
        self.set_local_events(TOOL, code, 0)
        self.set_local_events(TOOL + 1, code, 0)


class ApiTest(BranchTestCase):
    """The 3.14 bits in get/set_events, get/set_local_events, _all_events
    and register_callback."""

    def test_bits(self):
        self.assertEqual((E.BRANCH_LEFT, E.BRANCH_RIGHT), (1 << 17, 1 << 18))

    def test_global_events_reported(self):
        self.use_tool(TOOL)
        M.set_events(TOOL, E.BRANCH_LEFT | E.LINE)
        self.assertEqual(M.get_events(TOOL), E.BRANCH_LEFT | E.LINE)
        self.assertEqual(M._all_events(), {'LINE': 1 << TOOL,
                                           'BRANCH_LEFT': 1 << TOOL})
        M.set_events(TOOL, SIDES | E.BRANCH)
        self.assertEqual(M.get_events(TOOL), SIDES | E.BRANCH)
        self.assertEqual(M._all_events(), {'BRANCH': 1 << TOOL,
                                           'BRANCH_LEFT': 1 << TOOL,
                                           'BRANCH_RIGHT': 1 << TOOL})
        M.set_events(TOOL, 0)
        self.assertEqual(M.get_events(TOOL), 0)
        self.assertEqual(M._all_events(), {})

    def test_local_events_reported(self):
        self.use_tool(TOOL)
        code = for_if_else.__code__
        self.set_local_events(TOOL, code, E.BRANCH_RIGHT)
        self.assertEqual(M.get_local_events(TOOL, code), E.BRANCH_RIGHT)
        self.assertEqual(M.get_events(TOOL), 0)
        self.set_local_events(TOOL, code, E.BRANCH_RIGHT | E.BRANCH)
        self.assertEqual(M.get_local_events(TOOL, code),
                         E.BRANCH_RIGHT | E.BRANCH)
        self.set_local_events(TOOL, code, 0)
        self.assertEqual(M.get_local_events(TOOL, code), 0)

    def test_bad_event_sets(self):
        self.use_tool(TOOL)
        with self.assertRaises(ValueError) as cm:
            M.set_events(TOOL, 1 << 19)
        self.assertEqual(str(cm.exception), "invalid event set 0x80000")
        with self.assertRaises(ValueError) as cm:
            M.register_callback(TOOL, 1 << 19, None)
        self.assertEqual(str(cm.exception), "invalid event 524288")
        with self.assertRaises(ValueError) as cm:
            M.register_callback(TOOL, SIDES, None)
        self.assertEqual(str(cm.exception),
                         "The callback can only be set for one event at a "
                         "time")
        with self.assertRaises(ValueError) as cm:
            M.register_callback(7, E.BRANCH_LEFT, None)
        self.assertEqual(str(cm.exception),
                         "invalid tool 7 (must be between 0 and 5)")
        with self.assertRaises(ValueError) as cm:
            M.set_events(3, E.BRANCH_LEFT)
        self.assertEqual(str(cm.exception), "tool 3 is not in use")

    def test_register_callback_returns_previous(self):
        self.use_tool(TOOL)

        def a(*args):
            pass

        def b(*args):
            pass
        for event in (E.BRANCH_LEFT, E.BRANCH_RIGHT, E.BRANCH):
            self.assertIsNone(M.register_callback(TOOL, event, a))
            self.assertIs(M.register_callback(TOOL, event, b), a)
            self.assertIs(M.register_callback(TOOL, event, None), b)
            self.assertIsNone(M.register_callback(TOOL, event, None))

    def test_branch_callback_kept_across_sides(self):
        # A BRANCH callback registered before the tool uses the sides,
        # while it does, and after: always the tool's own.
        self.use_tool(TOOL)
        seen = []
        code = for_if_else.__code__

        def branch(code_, src, dest):
            if code_ is code:
                seen.append('B')

        def left(code_, src, dest):
            if code_ is code:
                seen.append('L')
        M.register_callback(TOOL, E.BRANCH, branch)
        M.register_callback(TOOL, E.BRANCH_LEFT, left)
        self.set_local_events(TOOL, code, E.BRANCH | E.BRANCH_LEFT)
        for_if_else()
        self.assertEqual(seen, ['B', 'L', 'B', 'B', 'L', 'B', 'L', 'B'])
        self.assertIs(M.register_callback(TOOL, E.BRANCH_LEFT, None), left)
        self.set_local_events(TOOL, code, E.BRANCH)
        del seen[:]
        for_if_else()
        self.assertEqual(seen, ['B'] * 5)
        self.assertIs(M.register_callback(TOOL, E.BRANCH, None), branch)
        self.set_local_events(TOOL, code, 0)

    @unittest.skipUnless(NATIVE_BRANCH, "3.12/3.13: the native module")
    def test_native_tool_pays_nothing(self):
        # A tool that uses BRANCH only has its callback in the native
        # module itself (nothing of pep669 between it and the interpreter).
        native = pep669._native_monitoring
        self.use_tool(TOOL)

        def cb(*args):
            pass
        M.register_callback(TOOL, E.BRANCH, cb)
        self.assertIs(native.register_callback(TOOL, E.BRANCH, None), cb)
        self.assertIsNone(M.register_callback(TOOL, E.BRANCH, None))
        for name in ('use_tool_id', 'free_tool_id', 'get_tool'):
            self.assertIs(getattr(M, name), getattr(native, name))


class ClearToolIdTest(BranchTestCase):
    """MonitoringBasicTest.test_clear of 3.14."""

    def test_clear(self):
        events = []
        self.use_tool(TOOL, "MonitoringTest.Tool")
        M.register_callback(TOOL, E.PY_START, lambda *a: events.append(a))
        M.register_callback(TOOL, E.LINE, lambda *a: events.append(a))

        def f():
            a = 1  # noqa: F841
        self.set_local_events(TOOL, f.__code__, E.LINE)
        M.set_events(TOOL, E.PY_START)
        f()
        M.clear_tool_id(TOOL)
        f()
        # PY_START and LINE from the first call only
        self.assertEqual(len(events), 2)
        self.assertIsNone(M.register_callback(TOOL, E.LINE, None))
        self.assertEqual(M.get_events(TOOL), 0)
        self.assertEqual(M.get_local_events(TOOL, f.__code__), 0)
        self.assertEqual(M.get_tool(TOOL), "MonitoringTest.Tool")

    def test_clear_sides(self):
        self.use_tool(TOOL)
        code = for_if_else.__code__
        seen = []
        M.register_callback(TOOL, E.BRANCH_LEFT, lambda *a: seen.append(a))
        M.set_events(TOOL, SIDES)
        self.set_local_events(TOOL, code, E.BRANCH_RIGHT)
        M.clear_tool_id(TOOL)
        for_if_else()
        self.assertEqual(seen, [])
        self.assertEqual(M.get_events(TOOL), 0)
        self.assertEqual(M.get_local_events(TOOL, code), 0)
        self.assertEqual(M._all_events(), {})
        self.assertIsNone(M.register_callback(TOOL, E.BRANCH_LEFT, None))

    def test_unused_tool(self):
        self.assertIsNone(M.clear_tool_id(4))
        with self.assertRaises(ValueError) as cm:
            M.clear_tool_id(6)
        self.assertEqual(str(cm.exception),
                         "invalid tool 6 (must be between 0 and 5)")

    def test_free_tool_id_keeps_313_semantics(self):
        # 3.14's test_clear goes on: free_tool_id, use_tool_id at once, and
        # no event.  pep669 keeps 3.12/3.13's free_tool_id on 3.8-3.13 (it
        # drops the name only): events stay (docs/differences.md, "API").
        events = []
        self.use_tool(TOOL)

        def f():
            a = 1  # noqa: F841
        M.register_callback(TOOL, E.LINE, lambda *a: events.append(a))
        self.set_local_events(TOOL, f.__code__, E.LINE)
        f()
        M.free_tool_id(TOOL)
        M.use_tool_id(TOOL, "again")
        f()
        self.assertEqual(len(events), 2)
        M.clear_tool_id(TOOL)


class InstallTest(unittest.TestCase):

    def test_install_puts_superset_at_sys_monitoring(self):
        had = hasattr(sys, 'monitoring')
        before = getattr(sys, 'monitoring', None)
        try:
            self.assertIs(pep669.install(), M)
            self.assertIs(sys.monitoring, M)
            self.assertTrue(hasattr(sys.monitoring, 'clear_tool_id'))
            self.assertEqual(sys.monitoring.events.BRANCH_LEFT, 1 << 17)
        finally:
            if had:
                sys.monitoring = before
            else:
                del sys.monitoring


if __name__ == "__main__":
    unittest.main()
