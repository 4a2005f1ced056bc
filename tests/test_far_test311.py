"""3.11's far sites at a branch's location (backend/py311_fartest.h,
session 20): a multi-line `while` test whose part after a call's line is
back on the `while` line (`while i > 0 and \\ not junk(x) and \\ a == b:`:
the branch after the call is a LINE location of its own, and so is the
instruction after it, the last part's line), in a code object long enough
that the stubs are beyond a one-unit jump's reach.  The branch's site
needed a prefix in the next location's unit, and the clone was refused
('taken') as long as both lines were wanted: the frames ran traced
(difflib's SequenceMatcher.find_longest_match under coverage).  The two
sites stand as one now, whose probe fires the branch's LINE, makes its
test, and fires the next line's only where the branch falls through.

Streams are checked against CPython's (the oracle, natively on 3.12/3.13)
and against a copy kept traced, on every version; the state checks read
3.11's clone.
"""

import sys
import unittest

from tests.support import PY, events
from tests.test_branch_probes import BRANCH_COVERAGE, PROBES
from tests.test_line_probes_far import (DISABLE, FarTestCase, frame_of,
                                      loader, pad, raised_at)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

# (after the loop: 300 units on 3.11, so that the stubs are beyond a
# one-unit jump's reach from the loop; at the end, a line no run
# reaches: the clone stays needed once the rest is DISABLEd)
PAD = pad("i", 150, "    ")

SOURCE = '''
def back(a, b, junk):
    i = j = len(a)
    while i > 0 and \\
          not junk(b[j - 1]) and \\
          a[i - 1] == b[j - 1]:
        i, j = i - 1, j - 1
''' + PAD + '''    if i < 0:
        i = 0
    return i
'''


load = loader(SOURCE, __file__ + "-fartest311")


class Raises(object):
    """A condition whose truth test raises."""

    def __bool__(self):
        raise ValueError("no truth")


def raising(item):
    return Raises()


JUNK = str.isspace

# (the first two runs leave the loop by the call's test, which jumps: the
# last line of the test stays wanted, so that the second runs on the
# clone's merged site and takes its jump; the third falls through it and
# loops; the fourth leaves by the comparison)
RUNS = [("back", (("x", "y"), ("x", " "), JUNK)),
        ("back", (("x", "y"), ("x", " "), JUNK)),
        ("back", (("x", "y", "z"), ("x", "y", "z"), JUNK)),
        ("back", (("x", "y"), ("x", "z"), JUNK)),
        ("back", ((), (), JUNK))]


class FarTest311TestCase(FarTestCase):

    load = staticmethod(load)


class StreamTest(FarTest311TestCase):

    def test_coverage(self):
        self.check(["back"], RUNS, want=events.LINE)

    def test_branch_coverage(self):
        self.check(["back"], RUNS, want=BRANCH_COVERAGE)

    def test_lines_kept(self):
        # (no LINE DISABLEd: the merged site stays patched, fires both
        # lines and makes the test at every pass)
        got, ref = self.both("back", RUNS, events.LINE, lambda r: None)
        self.assertEqual(got, ref)
        self.assertEqual(got[1], [2, 2, 0, 2, 0])

    def test_branch_line_kept(self):
        # (the branch's line kept, the rest DISABLEd: the site stays
        # patched for it, and takes the jump or the fall-through)
        def respond(r):
            return None if r.args[0] - r.code.co_firstlineno == 2 \
                else DISABLE
        got, ref = self.both("back", RUNS + RUNS, events.LINE, respond)
        self.assertEqual(got, ref)

    def test_settrace_mid_run(self):
        # (a tracer set by a callback while the frame runs on the clone:
        # the frame goes on traced, as a copy kept traced does)
        counts = {}

        def tracer(frame, event, arg):
            return None

        def respond(r):
            n = counts[id(r.code)] = counts.get(id(r.code), 0) + 1
            if n == 9:
                sys.settrace(tracer)
            return None if r.args[0] - r.code.co_firstlineno < 7 \
                else DISABLE
        self.addCleanup(sys.settrace, None)
        got, ref = self.both("back", RUNS, events.LINE, respond)
        sys.settrace(None)
        self.assertEqual(got, ref)

    def test_exception_at_branch(self):
        # (the condition's truth test raises at the branch: the line and
        # instruction its traceback shows in that frame are those of a
        # run without monitoring)
        args = (("x", "y"), ("x", "y"), raising)

        def tb_of(func):
            return raised_at(func, args, "back", ValueError)
        native = tb_of(load()["back"])
        self.assertIsNotNone(native)
        # (the `while` line on 3.11, the call's on 3.12+)
        self.assertIn(native[0], (4, 5))
        for want in (events.LINE, BRANCH_COVERAGE):
            func = load()["back"]
            rec = self.covering([func.__code__], want=want)
            func(*RUNS[0][1])
            got = tb_of(func)
            self.stop()
            self._release_tool(0)
            self.assertEqual(rec.frame_errors, [])
            self.assertEqual(got, native)


@unittest.skipUnless(PROBES and PY == (3, 11),
                     "3.11's line clones and their far sites")
class StateTest(FarTest311TestCase):
    """Under coverage, after the first run, both lines of the merged site
    are wanted: the clone is made (before session 20 it was refused,
    'taken', and the frames ran traced), and every callback of the next
    runs sees the frame run by it."""

    def test_coverage_on_probes(self):
        func = load()["back"]
        code = func.__code__
        state = pep669._monitoring._probe_state
        seen = []

        def respond(r):
            frame = frame_of(code)
            seen.append((len(clones), r.args[0] - code.co_firstlineno,
                         pep669._monitoring._frame_mechanism(frame)))
            return DISABLE
        clones = []
        rec = self.covering([code], want=events.LINE, respond=respond)
        for _, args in RUNS:
            func(*args)
            st = state(code)
            clones.append((st["clone"], st["retired"], st["refused"],
                           st["refusal"]))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(clones[1:],
                         [(True, False, False, "")] * (len(RUNS) - 1))
        # (the last line of the test and the loop's body, in the third
        # run: fired from the merged site's probe and the body's)
        later = [(run, line, how) for run, line, how in seen if run >= 1]
        # (the loop's bottom test repeats the top test's lines at
        # locations of its own)
        self.assertEqual(later, [(2, 4, "line probes"),
                                 (2, 5, "line probes"),
                                 (2, 2, "line probes"),
                                 (2, 3, "line probes"),
                                 (2, 2, "line probes"),
                                 (2, 4, "line probes")])


if __name__ == "__main__":
    unittest.main()
