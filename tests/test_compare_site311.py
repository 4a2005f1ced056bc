"""3.11's compare sites (backend/py311_far.h, session 19): under branch
coverage, the taken edge of a `while` loop's test made by a COMPARE_OP,
whose branch cannot reach its stub with its own bytes (3.11's stubs
follow the code; an unprefixed jump reaches 255 units) and whose next
unit a jump enters (the top test's: the bottom test jumps back into the
body; the bottom test's: the top test's taken edge arrives after it), so
that no wide site can take that unit: the patch takes the COMPARE_OP, and
the probe makes the comparison and the test.  Such a site was refused,
and with it the whole clone, as long as that edge was wanted: the frames
ran traced (`bench_lines.py`'s `interp`, compile_expression).

Streams are checked against CPython's (the oracle, natively on 3.12/3.13)
and against a copy kept traced, on every version; the state checks read
3.11's clone.
"""

import collections
import sys
import unittest

from tests.support import PY, events
from tests.test_branch_probes import BRANCH_COVERAGE, PROBES
from tests.test_line_probes_far import (DISABLE, FarTestCase, frame_of,
                                      loader, pad, raised_at)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

# (after the loop: 300 units on 3.11, so that the loop's branches cannot
# reach the stubs; at the end, a line no run reaches: the clone stays
# needed once the rest is DISABLEd)
PAD = pad("n", 150, "    ")

SOURCE = '''
def pops(items, out):
    stack = list(items)
    n = 0
    while stack[-1] != "(":
        out.append(stack.pop())
        n += 1
    stack.pop()
''' + PAD + '''    if n < 0:
        n = 0
    return n
'''


load = loader(SOURCE, __file__ + "-compare311")


# (where `pops` puts what it pops: it keeps nothing, so that RUNS, made
# once and run again and again, holds no more objects after a run than
# before it; plain lists here collected every item popped, which
# tools/refleak.py rightly counted as references leaked by every test)
SINK = collections.deque(maxlen=0)

# (the first run leaves the loop by the bottom test's fall-through: both
# tests' taken edges stay wanted; the second takes the bottom's, the
# third the top's)
RUNS = [("pops", (("(", 1), SINK)),
        ("pops", (("(", 1, 2, 3), SINK)),
        ("pops", (("(",), SINK)),
        ("pops", (("(", 4), SINK))]


class Raises(object):
    """A comparison that raises."""

    def __ne__(self, other):
        raise ValueError("no comparison")


class Compare311TestCase(FarTestCase):

    load = staticmethod(load)
    # (a tracer set on the copy on probes stays set for the traced copy)
    KEEP_TRACER = True


class StreamTest(Compare311TestCase):

    def test_coverage(self):
        self.check(["pops"], RUNS, want=events.LINE)

    def test_branch_coverage(self):
        self.check(["pops"], RUNS, want=BRANCH_COVERAGE)

    def test_tests_kept(self):
        # (the loop's branch events kept, the rest DISABLEd: the compare
        # sites stay patched and fire, and make their comparison, at
        # every pass)
        def respond(r):
            return None if r.event.startswith("BRANCH") else DISABLE
        got, ref = self.both("pops", RUNS, BRANCH_COVERAGE, respond)
        self.assertEqual(got, ref)
        self.assertEqual(got[1], [1, 3, 0, 1])

    def test_settrace_mid_run(self):
        # (a tracer set by a callback while the frame runs on its compare
        # sites: the frame goes on traced, as a copy kept traced does)
        counts = {}

        def tracer(frame, event, arg):
            return None

        def respond(r):
            n = counts[id(r.code)] = counts.get(id(r.code), 0) + 1
            if n == 7:
                sys.settrace(tracer)
            # (the loop's lines and branches kept: none of them DISABLEd
            # before the tracer comes, that it could bring back)
            return None if r.event.startswith("BRANCH") or \
                r.args[0] - r.code.co_firstlineno < 7 else DISABLE
        self.addCleanup(sys.settrace, None)
        got, ref = self.both("pops", [("pops", (("(", 1, 2, 3, 4, 5), []))],
                             BRANCH_COVERAGE, respond)
        sys.settrace(None)
        self.assertEqual(got, ref)
        self.assertEqual(got[1], [5])

    def check_raised_at(self, args):
        """The run with ``args`` (after the first of RUNS, on probes)
        raises ValueError at a comparison: the line and instruction its
        traceback shows in that frame are those of a run without
        monitoring."""
        def tb_of(func):
            return raised_at(func, args, "pops", ValueError)
        native = tb_of(load()["pops"])
        self.assertIsNotNone(native)
        func = load()["pops"]
        rec = self.covering([func.__code__], want=BRANCH_COVERAGE)
        func(*RUNS[0][1])
        got = tb_of(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, native)
        return native

    def test_exception_at_top_test(self):
        line, _ = self.check_raised_at(((Raises(),), []))
        self.assertEqual(line, 5)

    def test_exception_at_bottom_test(self):
        line, _ = self.check_raised_at(((Raises(), 1), []))
        self.assertEqual(line, 5)


@unittest.skipUnless(PROBES and PY == (3, 11),
                     "3.11's line clones and their compare sites")
class StateTest(Compare311TestCase):
    """After the first run, both tests' taken edges are wanted: the clone
    is made (before session 19 it was refused, the frames traced) and
    every callback of the next runs sees the frame run by it."""

    def test_branch_coverage_on_probes(self):
        func = load()["pops"]
        code = func.__code__
        state = pep669._monitoring._probe_state
        seen = []

        def respond(r):
            frame = frame_of(code)
            seen.append((len(clones), r.event,
                         pep669._monitoring._frame_mechanism(frame)))
            return DISABLE
        clones = []
        rec = self.covering([code], want=BRANCH_COVERAGE, respond=respond)
        for _, args in RUNS:
            func(*args)
            clones.append((state(code)["clone"], state(code)["retired"],
                           state(code)["refused"]))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(clones[1:], [(True, False, False)] * 3)
        # (the bottom test's taken edge in the second run, the top test's
        # in the third: each fired from its compare site's probe)
        later = [(run, event, how) for run, event, how in seen if run >= 1]
        self.assertEqual(later, [(1, "BRANCH_LEFT", "line probes"),
                                 (2, "BRANCH_RIGHT", "line probes")])


if __name__ == "__main__":
    unittest.main()
