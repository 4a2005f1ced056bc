"""3.11's far sites (backend/py311_far.h): a line clone's site on a
one-unit jump back to a loop head whose own bytes cannot reach its stub
(3.11's stubs follow the code; an unprefixed jump reaches 255 units) takes
the instruction before the jump (STORE_FAST, POP_TOP, STORE_SUBSCR and its
cache unit) into its patch, the probe making that instruction (far 2); and
under branch coverage a `for` loop's fall-through edge at its STORE_FAST
stands with the site of the body's first line (far 3).  Such a site was
refused, and with it the whole clone: the first call ran traced
(`bench_lines.py`'s `text` and `interp`).

Streams are checked against CPython's (the oracle, natively on 3.12/3.13)
and against a copy kept traced, on every version; the state checks read
3.11's clone.
"""

import sys
import unittest

from tests.support import PY, events
from tests.test_branch_probes import BRANCH_COVERAGE, PROBES, catching
from tests.test_line_probes_far import (DISABLE, FarTestCase, frame_of,
                                      loader, pad, raised_at)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

# (after the loops: 300 units on 3.11, so that the loops' jumps back
# cannot reach the stubs; max(n, 0) makes room on the stack for the
# probe's slot above the STORE_SUBSCR's items)
PAD = pad("n", 150, "    ")

SOURCE = '''
def stores(xs, d, f):
    n = 0
    for x in xs:
        n = x + 0
    for x in xs:
        d[x] = max(n, 0)
    for x in xs:
        f(x)
''' + PAD + '''    return n, d


def skips(xs):
    n = 0
    for x in xs:
        if x > 0:
            continue
        n = n + 1
''' + PAD + '''    return n


def skips_not(xs):
    n = 0
    for x in xs:
        if not x:
            continue
        n = n + 1
''' + PAD + '''    return n
'''


load = loader(SOURCE, __file__ + "-far311")


class Refuses(dict):
    def __setitem__(self, key, value):
        if key == 3:
            raise KeyError(key)
        dict.__setitem__(self, key, value)


RUNS = [("stores", ([1, 2, 3], {}, abs)),
        ("stores", ([], {}, abs)),
        ("stores", ([4, 5], {}, abs))]
SKIP_RUNS = [("skips", ([0, 1, 0, 2],)),
             ("skips", ([],)),
             ("skips", ([3, 0, 0],))]
# (`interp`'s compile_program: the `if`'s LINE site right before its
# branch cannot take its prefix where the `continue`'s site takes the
# branch: the first call runs traced; the next clone, the `if` and the
# loop head DISABLEd, has the `continue`'s LINE only, at a location site
# whose unit after it is the `if`'s target: the branch is taken into its
# patch; session 18)
LATE_SKIP_RUNS = [("skips_not", ([1, 2],)),
                  ("skips_not", ([],)),
                  ("skips_not", ([3, 0, 4, 0],)),
                  ("skips_not", ([0],))]


class Far311TestCase(FarTestCase):

    load = staticmethod(load)
    # (a tracer set on the copy on probes stays set for the traced copy)
    KEEP_TRACER = True


class StreamTest(Far311TestCase):

    def test_coverage(self):
        self.check(["stores"], RUNS, want=events.LINE)

    def test_branch_coverage(self):
        self.check(["stores"], RUNS, want=BRANCH_COVERAGE)

    # (the `continue` right after its `if`: the site on its jump takes
    # the branch, whose test the probe makes)
    def test_continue_coverage(self):
        self.check(["skips"], SKIP_RUNS, want=events.LINE)

    def test_continue_branch_coverage(self):
        self.check(["skips"], SKIP_RUNS, want=BRANCH_COVERAGE)

    def test_late_continue_coverage(self):
        self.check(["skips"], LATE_SKIP_RUNS, want=events.LINE)

    def test_late_continue_branch_coverage(self):
        self.check(["skips"], LATE_SKIP_RUNS, want=BRANCH_COVERAGE)

    def check_late_continue_traced(self, want):
        # (against a copy kept traced, the `continue`'s LINE kept: its
        # site fires at every pass, the frame seen at the `continue`)
        def respond(r):
            if r.event == "LINE" and r.args[0] - r.code.co_firstlineno == 4:
                return None  # (the `continue`)
            return DISABLE
        got, ref = self.both("skips_not", LATE_SKIP_RUNS, want, respond)
        self.assertEqual(got, ref)
        self.assertEqual(got[1], [2, 0, 2, 0])

    def test_late_continue_traced(self):
        self.check_late_continue_traced(events.LINE)

    def test_late_continue_traced_branches(self):
        self.check_late_continue_traced(BRANCH_COVERAGE)

    def check_continue_kept(self, want):
        # (the loop head's LINE kept: the `continue`'s site fires at every
        # pass through it)
        def respond(r):
            if r.event == "LINE" and r.args[0] - r.code.co_firstlineno == 2:
                return None
            return DISABLE
        ns = load()
        rec = self.covering([ns["skips"].__code__], want=want,
                            respond=respond)
        results = [catching(ns[f], *a) for f, a in SKIP_RUNS]
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(results, [2, 0, 2])
        # (the head: at the loops' starts, and after each pass)
        self.assertEqual([r.args[0] - r.code.co_firstlineno
                          for r in rec.records if r.event == "LINE" and
                          r.args[0] - r.code.co_firstlineno == 2],
                         [2] * (5 + 1 + 4))

    def test_continue_kept(self):
        self.check_continue_kept(events.LINE)

    def test_continue_kept_branches(self):
        self.check_continue_kept(BRANCH_COVERAGE)

    def test_exception_at_continue_test(self):
        # (the `if`'s truth test raises: raised at the branch, as natively)
        class Raises(object):
            def __gt__(self, other):
                return self

            def __bool__(self):
                raise ValueError("no truth")

        self.check_raised_at("skips", ([0, 0, Raises()],), ValueError,
                             BRANCH_COVERAGE)

    def check_raised_at(self, name, args, exc_type, want):
        """``name``'s run with ``args`` raises ``exc_type``: the line and
        instruction its traceback shows in that frame are those of a run
        without monitoring (every event wanted, none DISABLEd)."""
        def tb_of(func):
            return raised_at(func, args, name, exc_type)
        native = tb_of(load()[name])
        self.assertIsNotNone(native)
        func = load()[name]
        rec = self.covering([func.__code__], want=want,
                            respond=lambda r: None)
        got = tb_of(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, native)

    def test_exception_at_late_continue_test(self):
        # (the location site's probe makes the `if not x` test: raised at
        # the branch, as natively)
        class Raises(object):
            def __bool__(self):
                raise ValueError("no truth")

        def tb_of(func):
            return raised_at(func, ([Raises()],), "skips_not", ValueError)
        native = tb_of(load()["skips_not"])
        self.assertIsNotNone(native)
        func = load()["skips_not"]
        rec = self.covering([func.__code__], want=events.LINE)
        func([1, 2])
        got = tb_of(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, native)

    def check_heads_kept(self, want):
        # (the loop heads' LINEs kept, the rest DISABLEd: the far sites
        # stay patched and fire, and make their instruction, at every
        # pass)
        def respond(r):
            if r.event == "LINE" and \
                    r.args[0] - r.code.co_firstlineno in (2, 4, 6):
                return None
            return DISABLE
        got, ref = self.both("stores", RUNS, want, respond)
        self.assertEqual(got, ref)
        self.assertEqual(got[1][0], (3, {1: 3, 2: 3, 3: 3}))

    def test_heads_kept(self):
        self.check_heads_kept(events.LINE)

    def test_heads_kept_branches(self):
        self.check_heads_kept(BRANCH_COVERAGE)

    def check_settrace_mid_run(self, want):
        # (a tracer set by a callback on the frame's way through its far
        # sites: the frame goes on traced; LINE DISABLEd comes back, as
        # 3.12's tool 7 makes it)
        counts = {}

        def tracer(frame, event, arg):
            return None

        def respond(r):
            n = counts[id(r.code)] = counts.get(id(r.code), 0) + 1
            if n == 9:
                sys.settrace(tracer)
            return DISABLE
        self.addCleanup(sys.settrace, None)
        got, ref = self.both("stores", RUNS[:1], want, respond)
        sys.settrace(None)
        self.assertEqual(got, ref)

    def test_settrace_mid_run(self):
        self.check_settrace_mid_run(events.LINE)

    def test_exception_at_store_subscr(self):
        # (d[x] = n raises: the traceback's line and instruction are the
        # STORE_SUBSCR's, as in a run without monitoring)
        self.check_raised_at("stores", ([1, 2, 3, 4], Refuses(), abs),
                             KeyError, events.LINE)

    def test_frame_seen_from_call(self):
        # (f(x)'s callee, and a __setitem__, see the frame as natively)
        seen = []

        def f(x):
            frame = sys._getframe(1)
            # (3.11's f_lasti of a caller differs under any hook:
            # docs/differences.md)
            seen.append((frame.f_lineno, frame.f_code.co_name))

        class Seen(dict):
            def __setitem__(self, key, value):
                f(key)
                dict.__setitem__(self, key, value)

        def run(func):
            del seen[:]
            func([1, 2], Seen(), f)
            return list(seen)
        native = run(load()["stores"])
        func = load()["stores"]
        self.covering([func.__code__], want=events.LINE,
                      respond=lambda r: None)
        got = run(func)
        self.stop()
        self.assertEqual(got, native)


@unittest.skipUnless(PROBES and PY == (3, 11),
                     "3.11's line probes (3.8-3.10: test_line_probes_far)")
class StateTest(Far311TestCase):
    """The first call runs on probes: every callback sees the frame run
    by its line clone, which stays in use."""

    def first_call(self, want, name="stores", args=([1, 2, 3], {}, abs)):
        func = load()[name]
        mechanisms = []

        def respond(r):
            frame = frame_of(func.__code__)
            mechanisms.append(pep669._monitoring._frame_mechanism(frame))
            return DISABLE
        rec = self.covering([func.__code__], want=want, respond=respond)
        func(*args)
        state = pep669._monitoring._probe_state(func.__code__)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return mechanisms, state

    def test_coverage_on_probes(self):
        mechanisms, state = self.first_call(events.LINE)
        self.assertEqual(set(mechanisms), {"line probes"})
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    def test_branch_coverage_on_probes(self):
        mechanisms, state = self.first_call(BRANCH_COVERAGE)
        self.assertEqual(set(mechanisms), {"line probes"})
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    def check_continue_on_probes(self, want):
        mechanisms, state = self.first_call(want, "skips", ([0, 1, 0, 2],))
        self.assertEqual(set(mechanisms), {"line probes"})
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    def test_continue_on_probes(self):
        self.check_continue_on_probes(events.LINE)

    def test_continue_on_probes_branches(self):
        self.check_continue_on_probes(BRANCH_COVERAGE)

    def check_late_continue_on_probes(self, want):
        # (the second call on the clone, whose `continue` has a location
        # site taking the `if`'s branch; the last runs fire it)
        func = load()["skips_not"]
        mechanisms = []

        def respond(r):
            frame = frame_of(func.__code__)
            mechanisms.append((r.event, r.args[0] - func.__code__.co_firstlineno
                               if r.event == "LINE" else None,
                               pep669._monitoring._frame_mechanism(frame)))
            return DISABLE
        rec = self.covering([func.__code__], want=want, respond=respond)
        results = [catching(func, *a) for _, a in LATE_SKIP_RUNS]
        state = pep669._monitoring._probe_state(func.__code__)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(results, [2, 0, 2, 0])
        self.assertIn(("LINE", 4, "line probes"), mechanisms)
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    def test_late_continue_on_probes(self):
        self.check_late_continue_on_probes(events.LINE)

    def test_late_continue_on_probes_branches(self):
        self.check_late_continue_on_probes(BRANCH_COVERAGE)

if __name__ == "__main__":
    unittest.main()
