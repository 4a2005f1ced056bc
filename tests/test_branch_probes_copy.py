"""Branch coverage on 3.11's instrumented copy (docs/architecture.md,
"Probes"), and the shapes of branch every version must report exactly.

On 3.11 a frame of code whose branch edges are not all DISABLEd runs the
copy of its code, untraced: a fall-through edge still wanted is a stub at
its destination, a taken edge its jump made to go to a stub (forward: a
backward jump, a `while` loop's test at its bottom, becomes the same jump
forward), and an edge every tool DISABLEd goes straight to its
destination again.  The streams (LINE and BRANCH_LEFT/RIGHT, in the order
CPython gives them) are the oracle's of test_branch_probes, run by run;
they hold natively on 3.12/3.13 too (pep669.monitoring's
BRANCH_LEFT/RIGHT) and on 3.8-3.10 (their branch probes).  The
assertions on the copy itself are 3.11's.
"""

import unittest

from tests.support import PY, events, in_codes, monitoring
from tests.test_branch_probes import (BRANCH_COVERAGE, HAS_SIDES, SIDES,
                                      BranchProbeTestCase, expected_runs,
                                      oracle_run)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
#: frames run 3.11's copy of their code
COPY = not pep669.NATIVE and PY[:2] == (3, 11)

SOURCE = '''
def if_else(x):
    if x > 0:
        r = 1
    elif x < 0:
        r = -1
    else:
        r = 0
    return r


def while_count(n):
    i = 0
    while i < n:
        i += 1
    return i


def while_items(items):
    out = 0
    items = list(items)
    while items:
        v = items.pop()
        if v is None:
            continue
        out += v
    return out


def for_else(items, stop):
    for v in items:
        if v == stop:
            break
    else:
        return -1
    return v


def shortcuts(a, b, c):
    x = a and b
    y = a or c
    if (a and b) or c:
        z = 1
    else:
        z = 0
    return x, y, z


def chained(a, b, c):
    if a < b < c:
        return 1
    return 0 if a == b else 2


def conditional(x):
    return "pos" if x > 0 else ("neg" if x < 0 else "zero")


def is_none(x, y):
    if x is None:
        return 0
    while y is not None:
        y = None if y > 3 else y + 1
    return 1


def long_jumps(x):
    t = 0
    while x > 0:
''' + "".join("        t += x * %d\n" % i for i in range(90)) + '''
        x -= 1
    if t > 10 ** 6:
        t = -1
    return t
'''

MATCH_SOURCE = '''
def matcher(v):
    match v:
        case 0:
            return "zero"
        case [a, b]:
            return "pair"
        case {"k": k} if k > 0:
            return "key"
        case str():
            return "str"
        case _:
            return "other"
'''


def load():
    namespace = {}
    source = SOURCE + (MATCH_SOURCE if PY >= (3, 10) else "")
    exec(compile(source, __file__ + "-copy", "exec"), namespace)
    return namespace


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


class CopyTestCase(BranchProbeTestCase):

    load = staticmethod(load)

    def assert_on_copy(self, ns, name, patched=None):
        """(3.11) The function's frames run its copy, with branch sites."""
        if not COPY:
            return None
        state = probe_state(ns[name])
        self.assertTrue(state["clone"], state)
        self.assertFalse(state["retired"], state)
        self.assertIsNot(state["copy"], ns[name].__code__)
        self.assertGreater(state["branch_sites"], 0, state)
        if patched is not None:
            self.assertEqual(state["branch_patched"] > 0, patched, state)
        return state


class ShapesTest(CopyTestCase):

    def test_if_elif_else(self):
        ns, got = self.check(
            ["if_else"],
            [("if_else", (1,)), ("if_else", (1,)), ("if_else", (-1,)),
             ("if_else", (0,)), ("if_else", (5,))],
            results=[1, 1, -1, 0, 1])
        self.assertEqual(got[-1][0], [])
        self.assert_on_copy(ns, "if_else", patched=False)

    def test_while_loop(self):
        ns, got = self.check(
            ["while_count"],
            [("while_count", (0,)), ("while_count", (0,)),
             ("while_count", (1,)), ("while_count", (5,)),
             ("while_count", (3,))],
            results=[0, 0, 1, 5, 3])
        self.assertEqual(got[-1][0], [])

    def test_while_with_continue(self):
        self.check(
            ["while_items"],
            [("while_items", ([],)), ("while_items", ([],)),
             ("while_items", ([1, None],)), ("while_items", ([2, 3],))],
            results=[0, 0, 1, 5])

    def test_for_break_else(self):
        ns, got = self.check(
            ["for_else"],
            [("for_else", ([1, 2], 2)), ("for_else", ([1, 2], 2)),
             ("for_else", ([], 0)), ("for_else", ([3, 4], 0))],
            results=[2, 2, -1, -1])
        self.assert_on_copy(ns, "for_else")

    def test_and_or(self):
        self.check(
            ["shortcuts"],
            [("shortcuts", (1, 2, 0)), ("shortcuts", (1, 2, 0)),
             ("shortcuts", (0, 2, 3)), ("shortcuts", (1, 0, 0)),
             ("shortcuts", (0, 0, 0))],
            results=[(2, 1, 1), (2, 1, 1), (0, 3, 1), (0, 1, 0),
                     (0, 0, 0)])

    def test_chained_comparison_and_conditional_expression(self):
        self.check(
            ["chained", "conditional"],
            [("chained", (1, 2, 3)), ("chained", (1, 2, 3)),
             ("chained", (2, 1, 3)), ("chained", (1, 1, 0)),
             ("chained", (1, 3, 2)), ("conditional", (1,)),
             ("conditional", (1,)), ("conditional", (-1,)),
             ("conditional", (0,))],
            results=[1, 1, 2, 0, 2, "pos", "pos", "neg", "zero"])

    def test_none_tests(self):
        self.check(
            ["is_none"],
            [("is_none", (None, None)), ("is_none", (None, None)),
             ("is_none", (1, None)), ("is_none", (1, 2)),
             ("is_none", (1, 9))],
            results=[0, 0, 1, 1, 1])

    @unittest.skipUnless(PY >= (3, 10), "match needs 3.10")
    def test_match(self):
        ns, got = self.check(
            ["matcher"],
            [("matcher", (0,)), ("matcher", (0,)), ("matcher", ([1, 2],)),
             ("matcher", ({"k": 1},)), ("matcher", ({"k": -1},)),
             ("matcher", ("s",)), ("matcher", (1.5,)),
             ("matcher", ([1, 2, 3],)), ("matcher", ("t",))],
            results=["zero", "zero", "pair", "key", "other", "str",
                     "other", "other", "str"])
        self.assertEqual(got[-1][0], [])

    def test_jumps_beyond_256_units(self):
        ns, got = self.check(
            ["long_jumps"],
            [("long_jumps", (0,)), ("long_jumps", (0,)),
             ("long_jumps", (1,)), ("long_jumps", (3,)),
             ("long_jumps", (2,))],
            results=[0, 0, 4005, 24030, 12015])
        if COPY:
            self.assertGreater(len(ns["long_jumps"].__code__.co_code), 512)

    def test_long_function_on_the_copy(self):
        ns = self.load()
        func = ns["long_jumps"]
        code = func.__code__
        bound = [(func, (x,)) for x in (1, 1, 2, 0, 2, 0)]
        rec = self.covering([code])
        got = []
        for i, (f, args) in enumerate(bound):
            if i == 2:
                # (3.11, the loop's tests: at its top, taken, over the
                # body; at its bottom, taken, back to the body's start:
                # jumps of more than 256 units, with a prefix, made to go
                # to their stubs)
                self.assert_on_copy(ns, "long_jumps", patched=True)
            rec.clear()
            self.assertEqual(f(*args), 4005 * args[0] * (args[0] + 1) // 2)
            got.append(rec.events())
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected_runs(bound, [code], BRANCH_COVERAGE))
        if COPY:
            # (both tests' taken edges came from their stubs)
            self.assertTrue(got[2] and got[3])
        if COPY:
            # (the `if` after the loop, never true: its fall-through)
            self.assertEqual(probe_state(func)["branch_patched"], 1)


class EdgesTest(CopyTestCase):

    def test_one_edge_disabled_leaves_the_other(self):
        # A tool that DISABLEs BRANCH_LEFT but keeps every BRANCH_RIGHT:
        # the taken edges come on every run, the fall-through ones once.
        ns = self.load()
        runs = [("if_else", (1,)), ("if_else", (1,)), ("if_else", (-1,)),
                ("if_else", (1,)), ("while_count", (3,)),
                ("while_count", (2,)), ("for_else", ([1, 2], 2)),
                ("for_else", ([1, 2], 2))]
        bound = [(ns[f], a) for f, a in runs]
        codes = [ns[n].__code__ for n in ("if_else", "while_count",
                                          "for_else")]
        keep = set(key for f, a in bound
                   for key, event in oracle_run(f, a, codes, SIDES)
                   if event[0] == 'BRANCH_RIGHT')
        self.assertTrue(keep)
        rec = self.covering(codes, want=SIDES, respond=lambda r: (
            None if r.event == 'BRANCH_RIGHT' else DISABLE))
        got = []
        for func, args in bound:
            rec.clear()
            func(*args)
            got.append(rec.events())
            if COPY and func is bound[3][0]:
                # the if's taken edges still wanted, its fall-through
                # edges gone
                state = self.assert_on_copy(ns, "if_else", patched=True)
                self.assertLess(state["branch_patched"],
                                state["branch_sites"])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected_runs(bound, codes, SIDES, keep=keep))
        self.assertTrue(any(e[0] == 'BRANCH_RIGHT' for e in got[-1]))

    def test_loop_test_disabled_after_many_passes(self):
        # An edge back (a loop's) stays wanted for 60 passes, then is
        # DISABLEd (the others at once): the loop goes on, right, whatever
        # the specializer made meanwhile of the test whose jump went to a
        # stub (3.11: the test at the loop's bottom, a COMPARE_OP that it
        # fuses with the jump).  The number of passes of each edge comes
        # from a copy of the code that a tool never DISABLEs (run first: a
        # second tool on the same code would keep its edges wanted).
        ns, ref = self.load(), self.load()
        runs = (1, 1, 500, 300)

        def count(func, respond):
            counts = {}

            def counting(r):
                if r.event == 'LINE':
                    return DISABLE
                key = (r.event,) + tuple(r.args)
                counts[key] = counts.get(key, 0) + 1
                return respond(counts[key], r.args[1] < r.args[0])
            rec = self.covering([func.__code__], respond=counting)
            for i, n in enumerate(runs):
                self.assertEqual(func(n), n)
                if COPY and i == 1 and func is ns["while_count"]:
                    self.assert_on_copy(ns, "while_count", patched=True)
            self.stop()
            self._release_tool(0)
            self.assertEqual(rec.frame_errors, [])
            return counts
        passes = count(ref["while_count"], lambda n, back: None)
        counts = count(ns["while_count"], lambda n, back: (
            None if back and n < 60 else DISABLE))
        self.assertEqual(counts, dict(
            (k, min(n, 60 if k[2] < k[1] else 1))
            for k, n in passes.items()))
        self.assertGreater(max(passes.values()), 60)

    @unittest.skipUnless(HAS_SIDES, "3.14's events")
    def test_one_side_wanted(self):
        for side in (E.BRANCH_LEFT, E.BRANCH_RIGHT):
            self.check(
                ["while_items", "for_else"],
                [("while_items", ([],)), ("while_items", ([],)),
                 ("for_else", ([], 1)), ("for_else", ([], 1)),
                 ("while_items", ([1, None],)), ("for_else", ([1], 1))],
                want=E.LINE | side)
            self._release_tool(0)
            self._release_tool(3)

    def test_tool_that_never_disables(self):
        # (3.11: the first run starts on the copy, whose first probe finds
        # its LINE still wanted: the frame goes on traced, before it has a
        # frame object, and its branch events come from then on)
        ns = self.load()
        names = ("if_else", "while_count", "for_else", "conditional")
        codes = [ns[n].__code__ for n in names]
        bound = [(ns["for_else"], ([1, 2], 2)), (ns["if_else"], (1,)),
                 (ns["while_count"], (2,)), (ns["for_else"], ([1, 2], 2)),
                 (ns["conditional"], (0,)), (ns["if_else"], (-1,))]
        # (callbacks that do not look at the frame: it gets no frame
        # object from them)
        records = []

        def callback(name):
            def record(code, *args):
                if code in codes:
                    records.append((name, code.co_name) + args)
            return record
        self.use_tool(0)
        for name in ("LINE", "BRANCH_LEFT", "BRANCH_RIGHT", "BRANCH"):
            if BRANCH_COVERAGE & getattr(E, name, 0):
                monitoring.register_callback(0, getattr(E, name),
                                             callback(name))
        monitoring.set_events(0, BRANCH_COVERAGE)
        got = []
        for func, args in bound:
            del records[:]
            func(*args)
            got.append(list(records))
        self.stop()
        self.assertEqual(got, [
            [e for _, e in oracle_run(f, a, codes, BRANCH_COVERAGE)]
            for f, a in bound])
        self.assertTrue(all(any(e[0] != 'LINE' for e in run)
                            for run in got))

    def test_restart_events(self):
        ns = self.load()
        names = ("if_else", "while_count", "shortcuts")
        codes = [ns[n].__code__ for n in names]
        bound = [(ns["if_else"], (1,)), (ns["while_count"], (2,)),
                 (ns["shortcuts"], (1, 2, 0)), (ns["if_else"], (1,)),
                 (ns["while_count"], (0,)), (ns["shortcuts"], (0, 0, 1))]
        rec = self.covering(codes)
        got = []
        for i, (func, args) in enumerate(bound):
            if i == 3:
                if COPY:
                    self.assert_on_copy(ns, "if_else")
                monitoring.restart_events()
            rec.clear()
            func(*args)
            got.append(rec.events())
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected_runs(bound[:3], codes,
                                            BRANCH_COVERAGE) +
                         expected_runs(bound[3:], codes, BRANCH_COVERAGE))


class ClearToolTest(CopyTestCase):

    def test_clear_tool_id_forgets_disables(self):
        # 3.14: a tool id cleared and used again starts afresh, its
        # DISABLEs gone (also on a code that runs its copy meanwhile).
        ns = self.load()
        codes = [ns["if_else"].__code__, ns["while_count"].__code__]
        bound = [(ns["if_else"], (1,)), (ns["if_else"], (1,)),
                 (ns["while_count"], (2,)), (ns["while_count"], (2,))]
        rec = self.covering(codes)
        first = []
        for func, args in bound:
            rec.clear()
            func(*args)
            first.append(rec.events())
        if COPY:
            self.assert_on_copy(ns, "if_else")
        monitoring.clear_tool_id(0)
        rec.clear()
        # (3.12/3.13 forget a code's DISABLEs when it runs, once the
        # tool's events went: each runs before the tool is used again)
        for func, args in bound:
            func(*args)
        self.assertEqual(rec.records, [])
        rec.register()
        monitoring.set_events(0, BRANCH_COVERAGE)
        again = []
        for func, args in bound:
            rec.clear()
            func(*args)
            again.append(rec.events())
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(first, expected_runs(bound, codes,
                                              BRANCH_COVERAGE))
        self.assertEqual(again, first)
        self.assertTrue(again[0])


if __name__ == "__main__":
    unittest.main()
