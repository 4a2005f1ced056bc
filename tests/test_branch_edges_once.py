"""BRANCH_LEFT/BRANCH_RIGHT with one edge of a branch disabled: the other
edge is reported exactly once per pass, before the LINE event of where it
goes, whatever else the tool and other tools do.

On 3.12/3.13 (pep669._native) such an edge *waits*: the native BRANCH
location is disabled, so that passes through the disabled edge cost
nothing, and the edge is reported from its destination (native_wait.c).
Every stream here is checked against a reference tool that records the
same events and never disables anything: the tool under test must see the
reference's stream less the repeats of what it disabled.
"""

import sys
import types
import unittest

from tests.support import PY, MonitoringTestCase, in_codes
from tests.test_branch_events_314 import lines_of

import pep669

M = pep669.monitoring
E = M.events
DISABLE = M.DISABLE
SIDES = E.BRANCH_LEFT | E.BRANCH_RIGHT
TOOL, REF = 2, 4
# 3.12/3.13: edges wait (the interpreter's own sys.monitoring shows the
# INSTRUCTION events they wait with).
WAITS = (3, 12) <= PY < (3, 14)


def one_sided(n, hit):
    t = 0
    for i in range(n):
        if i == hit:
            t += 1
    return t


def if_else(n, hit):
    t = 0
    for i in range(n):
        if i == hit:
            t += 1
        else:
            t += 2
    return t


def shapes(n, hit):
    t = 0
    i = 0
    while i < n:
        i += 1
        if i == hit or i > 100:
            t += 1
        x = 1 if i == hit else 2
        t += x
        if i != hit and i < 100:
            continue
        t -= 1
    for j in range(n):
        if j is None:
            break
    else:
        t += 1
    return t


def key(rec):
    """An event's identity for DISABLE: (event, code, offsets) for the
    sides, (event, code, line) for LINE."""
    return (rec.event, id(rec.code)) + tuple(rec.args)


def stream(rec):
    return [(r.event, r.code.co_name) + tuple(r.args) for r in rec.records]


def expected(ref, disabled_keys):
    """The reference's records less the repeats of disabled events."""
    seen, out = set(), []
    for r in ref.records:
        k = key(r)
        if k in seen:
            continue
        if disabled_keys(r):
            seen.add(k)
        out.append((r.event, r.code.co_name) + tuple(r.args))
    return out


def native_local(tool, code):
    """The interpreter's own local events of the tool on the code."""
    return sys.monitoring.get_local_events(tool, code)


class EdgesOnceTestCase(MonitoringTestCase):

    def pair(self, funcs, events, keep, tool=TOOL, ref=True):
        """The tool under test (DISABLE for every event but those `keep`
        accepts) and, if `ref`, the reference tool, both global."""
        codes = [f.__code__ for f in funcs]

        def respond(r):
            return None if keep(r) else DISABLE
        rec = self.recorder(tool, events, in_codes(*codes), respond=respond)
        reference = (self.recorder(REF, events, in_codes(*codes))
                     if ref else None)
        return rec, reference

    def check_runs(self, rec, reference, keep, runs):
        for func, args in runs:
            func(*args)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(stream(rec),
                         expected(reference, lambda r: not keep(r)))

    def waiting(self, code, tool=TOOL):
        """Whether edges of the tool wait on the code (3.12/3.13)."""
        return bool(native_local(tool, code) & E.INSTRUCTION)


def taken_if(r):
    """The `if i == hit` edge that is taken (into `t += 1`)."""
    return r.event in ('BRANCH_LEFT', 'BRANCH_RIGHT') and \
        r.code.co_name in ('one_sided', 'gen_sided') and \
        lines_of(r.code).get(r.args[1]) == 4


class OnePassTest(EdgesOnceTestCase):

    def test_kept_edge_fires_once_per_pass(self):
        # Every edge DISABLEd but the one into `t += 1`: it must come
        # once for each hit, the others once.
        keep = taken_if
        rec, ref = self.pair([one_sided], SIDES, keep)
        runs = [(one_sided, (50, -1))] * 3 + [(one_sided, (50, 7)),
                                              (one_sided, (50, 9)),
                                              (one_sided, (20, 3))]
        self.check_runs(rec, ref, keep, runs)
        lines = lines_of(one_sided.__code__)
        hits = [s for s in stream(rec) if lines.get(s[3]) == 4]
        self.assertEqual(len(hits), 3)
        if WAITS:
            self.assertTrue(self.waiting(one_sided.__code__))
            # pep669's view hides the INSTRUCTION events it added
            self.assertEqual(M.get_local_events(TOOL, one_sided.__code__),
                             0)

    def test_with_lines_edge_comes_before_its_line(self):
        # LINE kept live everywhere: each pass's edge comes before the
        # LINE of its destination, as the reference has it.
        def keep(r):
            return r.event == 'LINE' or taken_if(r)
        rec, ref = self.pair([one_sided], SIDES | E.LINE, keep)
        runs = [(one_sided, (30, -1))] * 2 + [(one_sided, (30, 4)),
                                              (one_sided, (30, 11))]
        self.check_runs(rec, ref, keep, runs)

    def test_every_edge_disabled(self):
        # Coverage's way: every edge DISABLEd, each exactly once (LINE
        # kept live: a LINE's DISABLE is per location, and one line can
        # have several).
        def keep(r):
            return r.event == 'LINE'
        for func in (one_sided, if_else, shapes):
            with self.subTest(func=func.__name__):
                rec, ref = self.pair([func], SIDES | E.LINE, keep)
                self.check_runs(rec, ref, keep,
                                [(func, (12, -1)), (func, (12, -1)),
                                 (func, (12, 5)), (func, (12, 6)),
                                 (func, (0, -1))])
                keys = [s for s in stream(rec) if s[0] != 'LINE']
                self.assertEqual(len(keys), len(set(keys)))
                self._release_tool(TOOL)
                self._release_tool(REF)

    def test_other_shapes_keep_one_edge_each(self):
        # For each edge of `shapes`: keep only that one live.
        ref_rec, _ = self.pair([shapes], SIDES, lambda r: True, tool=REF,
                               ref=False)
        shapes(12, 5)
        edges = sorted(set((r.event,) + tuple(r.args)
                           for r in ref_rec.records))
        self._release_tool(REF)
        self.assertGreater(len(edges), 6)
        for edge in edges:
            def keep(r, edge=edge):
                return (r.event,) + tuple(r.args) == edge
            with self.subTest(edge=edge):
                rec, ref = self.pair([shapes], SIDES, keep)
                self.check_runs(rec, ref, keep,
                                [(shapes, (12, -1)), (shapes, (12, 5)),
                                 (shapes, (12, 6)), (shapes, (3, -1)),
                                 (shapes, (12, 5))])
                self._release_tool(TOOL)
                self._release_tool(REF)


class ChangesTest(EdgesOnceTestCase):

    def test_restart_events(self):
        keep = taken_if
        rec, ref = self.pair([one_sided], SIDES, keep)
        one_sided(20, -1)
        one_sided(20, -1)
        if WAITS:
            self.assertTrue(self.waiting(one_sided.__code__))
        before = expected(ref, lambda r: not keep(r))
        self.assertEqual(stream(rec), before)
        rec.clear()
        ref.clear()
        M.restart_events()
        # every disabled edge once more, the hit edge at each hit
        one_sided(20, -1)
        one_sided(20, 5)
        one_sided(20, 6)
        self.assertEqual(stream(rec), expected(ref, lambda r: not keep(r)))
        self.assertEqual(len(stream(rec)), len(before) + 2)

    def test_two_tools_different_edges(self):
        # TOOL keeps the hit edge, REF+1 keeps every other edge live and
        # disables the hit edge: each sees its own stream.
        def keep_a(r):
            return taken_if(r)

        def keep_b(r):
            return not taken_if(r)
        code = one_sided.__code__
        a = self.recorder(TOOL, SIDES, in_codes(code),
                          respond=lambda r: None if keep_a(r) else DISABLE)
        b = self.recorder(TOOL + 1, SIDES, in_codes(code),
                          respond=lambda r: None if keep_b(r) else DISABLE)
        ref = self.recorder(REF, SIDES, in_codes(code))
        for args in [(25, -1), (25, -1), (25, 3), (25, 8), (10, 2)]:
            one_sided(*args)
        self.assertEqual(stream(a), expected(ref, lambda r: not keep_a(r)))
        self.assertEqual(stream(b), expected(ref, lambda r: not keep_b(r)))

    def test_set_local_events_while_waiting(self):
        # LEFT/RIGHT global, LINE added locally while an edge waits: the
        # edge still comes once per pass, get_local_events shows LINE only.
        code = one_sided.__code__
        keep = taken_if
        rec, ref = self.pair([one_sided], SIDES, keep)
        lines = []
        M.register_callback(TOOL, E.LINE, lambda c, n: lines.append(n))
        one_sided(20, -1)
        one_sided(20, -1)
        self.set_local_events(TOOL, code, E.LINE)
        self.assertEqual(M.get_local_events(TOOL, code), E.LINE)
        one_sided(20, 4)
        one_sided(20, 5)
        self.set_local_events(TOOL, code, 0)
        self.assertEqual(M.get_local_events(TOOL, code), 0)
        one_sided(20, 6)
        self.assertEqual(stream(rec), expected(ref, lambda r: not keep(r)))
        # two runs with LINE: the function's lines, the loop's each pass
        self.assertEqual(len(lines), 2 * (2 + 20 * 2 + 2))

    def test_tool_asks_for_instruction_itself(self):
        # While an edge waits, the tool adds INSTRUCTION locally: it gets
        # every instruction (as the reference does), and the edge still
        # comes once per pass.
        code = one_sided.__code__
        keep = taken_if
        rec, ref = self.pair([one_sided], SIDES, keep)
        instr, ref_instr = [], []
        M.register_callback(TOOL, E.INSTRUCTION,
                            lambda c, o: instr.append(o))
        M.register_callback(REF, E.INSTRUCTION,
                            lambda c, o: ref_instr.append(o))
        one_sided(20, -1)
        one_sided(20, -1)
        self.set_local_events(TOOL, code, E.INSTRUCTION)
        self.set_local_events(REF, code, E.INSTRUCTION)
        self.assertEqual(M.get_local_events(TOOL, code), E.INSTRUCTION)
        one_sided(20, 4)
        self.assertEqual(instr, ref_instr)
        self.assertGreater(len(instr), 100)
        self.set_local_events(TOOL, code, 0)
        self.set_local_events(REF, code, 0)
        one_sided(20, 5)
        self.assertEqual(stream(rec), expected(ref, lambda r: not keep(r)))

    def test_other_tool_takes_instruction_events(self):
        # CPython 3.12/3.13 forget a tool's INSTRUCTION events on a code
        # that gets a second tool for one event (here: INSTRUCTION): the
        # waiting edge must still come.  The tool is alone on the code
        # until then (no reference tool).
        # a code object of its own: one that had two tools once keeps its
        # per-instruction table
        func = types.FunctionType(one_sided.__code__.replace(),
                                  one_sided.__globals__)
        self.assertIsNot(func.__code__, one_sided.__code__)
        code = func.__code__
        rec, _ = self.pair([func], SIDES, taken_if, ref=False)
        func(20, -1)
        func(20, -1)
        if WAITS:
            self.assertTrue(self.waiting(code))
        before = len(rec.records)
        self.use_tool(TOOL + 1)
        M.register_callback(TOOL + 1, E.INSTRUCTION, lambda *a: None)
        self.set_local_events(TOOL + 1, code, E.INSTRUCTION)
        func(20, 4)
        func(20, 6)
        self.set_local_events(TOOL + 1, code, 0)
        func(20, 5)
        lines = lines_of(code)
        self.assertEqual([lines[s[3]] for s in stream(rec)[before:]],
                         [4, 4, 4])

    def test_clear_tool_id_while_waiting(self):
        code = one_sided.__code__
        keep = taken_if
        rec, ref = self.pair([one_sided], SIDES, keep)
        one_sided(20, -1)
        one_sided(20, -1)
        M.clear_tool_id(TOOL)
        if WAITS:
            self.assertFalse(self.waiting(code))
        rec.clear()
        one_sided(20, 3)
        self.assertEqual(rec.records, [])
        # used again: a fresh start, every edge once more (3.14: the
        # cleared tool's events and their DISABLEs go)
        rec.register()
        M.set_events(TOOL, SIDES)
        ref.clear()
        one_sided(20, -1)
        one_sided(20, 3)
        self.assertEqual(stream(rec), expected(ref, lambda r: not keep(r)))

    def test_sides_dropped_while_waiting(self):
        # The tool stops using LEFT/RIGHT: the added INSTRUCTION goes.
        code = one_sided.__code__
        rec, ref = self.pair([one_sided], SIDES, taken_if)
        one_sided(20, -1)
        one_sided(20, -1)
        M.set_events(TOOL, 0)
        M.register_callback(TOOL, E.BRANCH_LEFT, None)
        M.register_callback(TOOL, E.BRANCH_RIGHT, None)
        if WAITS:
            self.assertEqual(native_local(TOOL, code), 0)
        rec.clear()
        one_sided(20, 3)
        self.assertEqual(rec.records, [])


def loop_sum(items):
    y = 0
    for i in items:
        y += i
    return y


def loop_find(items):
    for i in items:
        if i:
            return i
    return 0


class OtherToolsTest(MonitoringTestCase):
    """An edge comes before anything at its destination, other tools'
    events there included (3.14 fires it at the branch).  On 3.12/3.13 a
    waiting edge is reported from its destination's INSTRUCTION event (or
    the tool's LINE), which the interpreter fires after every tool's LINE
    and the higher tools' INSTRUCTION there: it must not wait where other
    tools have those (session 17: a tool with BRANCH_RIGHT only got a
    for loop's exit after the other tool's LINE of the line after the
    loop)."""

    def shared(self, tools, keep=()):
        """``tools``: {tool: events}; each tool's callbacks append
        (tool, event, relative line or offsets) to one log; BRANCH_LEFT /
        BRANCH_RIGHT callbacks return DISABLE but those of the tools in
        ``keep``."""
        log = []

        def make(tool, name):
            def cb(code, *args):
                if code.co_name not in ('loop_sum', 'loop_find'):
                    return None
                if name == 'LINE':
                    log.append((tool, name, args[0] - code.co_firstlineno))
                    return None
                if name == 'INSTRUCTION':
                    log.append((tool, name, args[0]))
                    return None
                log.append((tool, name) + tuple(args))
                return None if tool in keep else DISABLE
            return cb
        for tool, events in tools.items():
            self.use_tool(tool)
            for name in ('LINE', 'INSTRUCTION', 'BRANCH_LEFT',
                         'BRANCH_RIGHT'):
                if events & getattr(E, name):
                    M.register_callback(tool, getattr(E, name),
                                        make(tool, name))
        return log

    def exit_order(self, log, tool, code):
        """The log with the tool's branch events as (tool, event, source
        line, destination line)."""
        lines = lines_of(code)
        return [e if e[0] != tool or e[1] == 'INSTRUCTION'
                else e[:2] + (lines[e[2]], lines[e[3]]) for e in log]

    def test_right_only_before_another_tools_line(self):
        code = loop_sum.__code__
        for line_tool in (1, 3):
            with self.subTest(line_tool=line_tool):
                log = self.shared({line_tool: E.LINE, 2: E.BRANCH_RIGHT})
                self.set_local_events(line_tool, code, E.LINE)
                self.set_local_events(2, code, E.BRANCH_RIGHT)
                loop_sum([1, 2])
                loop_sum([3])
                got = self.exit_order(log, 2, code)
                exit = got[6]
                self.assertEqual(exit[:3], (2, 'BRANCH_RIGHT', 2))
                L = line_tool
                self.assertEqual(got, [
                    (L, 'LINE', 1), (L, 'LINE', 2), (L, 'LINE', 3),
                    (L, 'LINE', 2), (L, 'LINE', 3), (L, 'LINE', 2),
                    exit, (L, 'LINE', 4),
                    (L, 'LINE', 1), (L, 'LINE', 2), (L, 'LINE', 3),
                    (L, 'LINE', 2), (L, 'LINE', 4)])
                self._release_tool(line_tool)
                self._release_tool(2)

    def test_right_only_before_a_higher_tools_instruction(self):
        code = loop_sum.__code__
        log = self.shared({4: E.INSTRUCTION, 2: E.BRANCH_RIGHT})
        self.set_local_events(4, code, E.INSTRUCTION)
        self.set_local_events(2, code, E.BRANCH_RIGHT)
        loop_sum([1, 2])
        exits = [i for i, e in enumerate(log) if e[0] == 2]
        self.assertEqual(len(exits), 1)
        i = exits[0]
        # the next instruction is the exit's destination
        self.assertEqual(log[i + 1:i + 2], [(4, 'INSTRUCTION', log[i][3])])

    def test_right_only_before_a_lower_tools_edge(self):
        # Both tools' events at the loop's exit come from the branch, the
        # higher tool's first: the waiting edge of tool 5 came after tool
        # 2's (which never waits: nothing disabled) on 3.12/3.13 before
        # session 17
        code = loop_sum.__code__
        log = self.shared({2: SIDES, 5: E.BRANCH_RIGHT}, keep=(2,))
        self.set_local_events(2, code, SIDES)
        self.set_local_events(5, code, E.BRANCH_RIGHT)
        loop_sum([1, 2])
        self.assertEqual([e[:2] for e in log], [
            (2, 'BRANCH_LEFT'), (2, 'BRANCH_LEFT'),
            (5, 'BRANCH_RIGHT'), (2, 'BRANCH_RIGHT')])
        self.assertEqual(log[-2][2:], log[-1][2:])

    def test_restart_by_a_higher_tool_while_an_edge_waits(self):
        # Tool 4's callback at the loop's exit calls restart_events():
        # tool 2's exit edge, waiting (its native location disabled, the
        # branch's tools chosen before the restart), still comes, from
        # the destination (3.12/3.13 lost it before session 17: the
        # restart voided the wait)
        code = loop_sum.__code__
        log = self.shared({4: SIDES, 2: E.BRANCH_RIGHT}, keep=(4,))

        restarts = []

        def right4(c, src, dest):
            if c is code:
                log.append((4, 'BRANCH_RIGHT', src, dest))
                if not restarts:
                    restarts.append(src)
                    M.restart_events()
        M.register_callback(4, E.BRANCH_RIGHT, right4)
        self.set_local_events(4, code, SIDES)
        self.set_local_events(2, code, E.BRANCH_RIGHT)
        loop_sum([1, 2])
        if WAITS:
            self.assertTrue(native_local(2, code) & E.INSTRUCTION)
        self.assertEqual([e[:2] for e in log], [
            (4, 'BRANCH_LEFT'), (4, 'BRANCH_LEFT'),
            (4, 'BRANCH_RIGHT'), (2, 'BRANCH_RIGHT')])
        self.assertEqual(log[-2][2:], log[-1][2:])

    def test_frame_seen_from_a_waiting_edge(self):
        # The frame as the callbacks of a waiting edge see it (f_lineno,
        # f_lasti) is where it is at the branch's own event (3.12: the
        # destination, 3.13: the branch), which a tool that never waits
        # (REF: both edges wanted, nothing disabled) shows.
        code = loop_sum.__code__
        seen = {}

        def make(tool):
            def cb(c, src, dest):
                if c is code:
                    f = sys._getframe(1)
                    seen.setdefault(tool, []).append(
                        (src, dest, f.f_lineno, f.f_lasti))
                return DISABLE if tool == TOOL else None
            return cb
        for tool in (TOOL, REF):
            self.use_tool(tool)
            M.register_callback(tool, E.BRANCH_RIGHT, make(tool))
        M.register_callback(REF, E.BRANCH_LEFT, lambda *a: None)
        self.set_local_events(TOOL, code, E.BRANCH_RIGHT)
        self.set_local_events(REF, code, SIDES)
        loop_sum([1, 2])
        loop_sum([3])
        if WAITS:
            self.assertTrue(native_local(TOOL, code) & E.INSTRUCTION)
        self.assertEqual(len(seen[TOOL]), 1)
        self.assertEqual(seen[TOOL], seen[REF][:1])

    def test_exception_from_a_waiting_edge(self):
        # A waiting edge's callback raises: the traceback's place in the
        # frame (tb_lineno, tb_lasti) and the handler are those of the
        # branch's own event raising (3.13: the traceback at the branch,
        # which the frame showed at the destination before session 17)
        def where(wait):
            func = types.FunctionType(loop_sum.__code__.replace(),
                                      loop_sum.__globals__)
            code = func.__code__

            def right(c, src, dest):
                if c is code:
                    raise KeyError(dest)

            def left(c, src, dest):
                return DISABLE if wait else None
            self.use_tool(TOOL)
            M.register_callback(TOOL, E.BRANCH_RIGHT, right)
            M.register_callback(TOOL, E.BRANCH_LEFT, left)
            self.set_local_events(TOOL, code, SIDES)
            try:
                func([1, 2])
            except KeyError as e:
                tb = e.__traceback__
                while tb.tb_frame.f_code is not code:
                    tb = tb.tb_next
                place = (tb.tb_lineno - code.co_firstlineno, tb.tb_lasti)
            waited = WAITS and bool(native_local(TOOL, code) &
                                    E.INSTRUCTION)
            self.set_local_events(TOOL, code, 0)
            self._release_tool(TOOL)
            return place, waited
        waiting, waited = where(True)
        self.assertEqual(waited, WAITS)
        self.assertEqual(waiting, where(False)[0])

    def test_line_of_another_tool_while_the_edge_waits(self):
        # The loop's exit waits (its other edge is not wanted) when the
        # other tool gets LINE: from then on it comes before that LINE.
        code = loop_find.__code__
        for where in ('local', 'global'):
            with self.subTest(where=where):
                log = self.shared({1: E.LINE, 2: E.BRANCH_RIGHT})
                if where == 'local':
                    self.set_local_events(2, code, E.BRANCH_RIGHT)
                else:
                    M.set_events(2, E.BRANCH_RIGHT)
                loop_find([1])
                if WAITS:
                    self.assertTrue(native_local(2, code) & E.INSTRUCTION)
                del log[:]
                if where == 'local':
                    self.set_local_events(1, code, E.LINE)
                else:
                    M.set_events(1, E.LINE)
                loop_find([0])
                got = self.exit_order(log, 2, code)
                exit = got[3]
                self.assertEqual(exit[:3], (2, 'BRANCH_RIGHT', 1))
                self.assertEqual(got, [
                    (1, 'LINE', 1), (1, 'LINE', 2), (1, 'LINE', 1), exit,
                    (1, 'LINE', 4)])
                M.set_events(1, 0)
                M.set_events(2, 0)
                self._release_tool(1)
                self._release_tool(2)


if __name__ == "__main__":
    unittest.main()


def gen_sided(n, hit):
    t = 0
    for i in range(n):
        if i == hit:
            yield t
        yield 0
    return t


class LineWaitTest(EdgesOnceTestCase):
    """A tool with LINE whose waiting edge ends on another line: on
    3.12/3.13 the edge is reported from the tool's own LINE event there,
    with no INSTRUCTION added to the code (session 20); when that LINE can
    no longer report it (the line disabled while the edge is still
    wanted, the LINE callback or event gone), the edge is reported by its
    branch again.  No other tool is on the code: another tool's LINE at
    the destination would keep the edge from waiting at all."""

    def coverage(self, func, keep_edge=False, keep_line=False):
        """The tool under test alone: LINE and the sides, DISABLE for
        every event but the taken `if` edge (keep_edge) and LINE
        (keep_line)."""
        def keep(r):
            if r.event == 'LINE':
                return keep_line
            return keep_edge and taken_if(r)
        rec, _ = self.pair([func], SIDES | E.LINE, keep, ref=False)
        return rec

    def hits(self, rec, since=0):
        """The tool's records of the taken `if` edge and of line 4 (the
        `t += 1` it goes to), in order, from record `since` on."""
        out = []
        for s, r in zip(stream(rec)[since:], rec.records[since:]):
            if r.event == 'LINE':
                if s[2] - r.code.co_firstlineno == 4:
                    out.append('LINE 4')
            elif lines_of(r.code).get(r.args[1]) == 4:
                out.append('EDGE')
        return out

    def test_waits_on_its_line_with_nothing_added(self):
        code = one_sided.__code__
        rec = self.coverage(one_sided)
        one_sided(20, -1)
        one_sided(20, -1)
        if WAITS:
            self.assertEqual(native_local(TOOL, code), 0)
        self.assertEqual(self.hits(rec), [])
        one_sided(20, 4)
        one_sided(20, 6)
        self.assertEqual(self.hits(rec), ['EDGE', 'LINE 4'])
        self.assertEqual(rec.frame_errors, [])
        keys = [s for s in stream(rec) if s[0] != 'LINE']
        self.assertEqual(len(keys), len(set(keys)))

    def test_line_disabled_while_the_edge_is_still_wanted(self):
        # The edge stays live (None), its line is disabled: every later
        # pass still reports the edge.
        rec = self.coverage(one_sided, keep_edge=True)
        one_sided(20, -1)
        one_sided(20, -1)
        for hit in (4, 6, 8):
            one_sided(20, hit)
        self.assertEqual(self.hits(rec), ['EDGE', 'LINE 4',
                                          'EDGE', 'EDGE'])

    def test_line_callback_removed_while_waiting(self):
        rec = self.coverage(one_sided)
        one_sided(20, -1)
        one_sided(20, -1)
        M.register_callback(TOOL, E.LINE, None)
        before = len(rec.records)
        one_sided(20, 4)
        one_sided(20, 5)
        self.assertEqual(self.hits(rec, before), ['EDGE'])

    def test_line_event_removed_while_waiting(self):
        for local in (False, True):
            with self.subTest(local=local):
                code = one_sided.__code__
                rec = self.coverage(one_sided)
                if local:
                    M.set_events(TOOL, SIDES)
                    self.set_local_events(TOOL, code, E.LINE)
                one_sided(20, -1)
                one_sided(20, -1)
                if local:
                    self.set_local_events(TOOL, code, 0)
                else:
                    M.set_events(TOOL, SIDES)
                before = len(rec.records)
                one_sided(20, 4)
                one_sided(20, 5)
                self.assertEqual(self.hits(rec, before), ['EDGE'])
                self._release_tool(TOOL)

    def test_restart_events_while_waiting(self):
        rec = self.coverage(one_sided)
        one_sided(20, -1)
        one_sided(20, -1)
        M.restart_events()
        one_sided(20, -1)
        one_sided(20, 4)
        one_sided(20, 5)
        # the restart re-enabled the disabled edge (once more) and line 4
        # had never run: one LEFT, then its line
        self.assertEqual(self.hits(rec), ['EDGE', 'LINE 4'])
        lines = lines_of(one_sided.__code__)
        skips = [s for s in stream(rec) if s[0] != 'LINE' and
                 lines.get(s[2]) == 3 and lines.get(s[3]) != 4]
        self.assertEqual(len(skips), 2)

    def test_generator(self):
        rec = self.coverage(gen_sided)
        code = gen_sided.__code__
        list(gen_sided(10, -1))
        list(gen_sided(10, -1))
        if WAITS:
            self.assertEqual(native_local(TOOL, code), 0)
        list(gen_sided(10, 3))
        list(gen_sided(10, 5))
        self.assertEqual(self.hits(rec), ['EDGE', 'LINE 4'])

    def test_two_tools_different_edges(self):
        # TOOL (coverage, LINE) keeps nothing; TOOL + 1 (sides only)
        # keeps the taken edge live.  Each gets the edge on the passes
        # it wants it.
        code = one_sided.__code__
        a = self.coverage(one_sided)
        b = self.recorder(TOOL + 1, SIDES, in_codes(code),
                          respond=lambda r: None if taken_if(r)
                          else DISABLE)
        one_sided(20, -1)
        one_sided(20, -1)
        for hit in (4, 6, 8):
            one_sided(20, hit)
        self.assertEqual(self.hits(a), ['EDGE', 'LINE 4'])
        self.assertEqual(self.hits(b), ['EDGE'] * 3)
