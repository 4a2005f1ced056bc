"""A multi-line `while` test in a function past 256 code units (3.8-3.10):
the branch after the test's call (`not isbjunk(...)` in
difflib.SequenceMatcher.find_longest_match) is a LINE location of its
own (3.8-3.11 give it the `while`'s line again), and so is the next
instruction, the next part of the test (or the body's first line), which
only the branch's fall-through reaches.  Under the coverage pattern
(LINE, every callback returning DISABLE) both stay wanted until reached;
each needs a prefixed patch (the stubs lie past what one unit's argument
reaches), two units, and the branch's second unit is the next location:
"overlap" refused the clone and the function ran traced for good
(find_longest_match: 2.4x on `ratio()`, 3.10, session 19).

Now (session 20, lw20x) the two sites are one (sites_merge_next,
site->far 4 with src: backend/jumpfar.c.h): its probe fires the branch's
LINE (own), makes the branch's test, and fires the next location's LINE
on the fall-through only (the stub going to the branch's target where it
is taken).  The streams are CPython's line tables' (natively on
3.12/3.13, whose compiler gives the branch the call's line); the state
checks read the backport's clone.
"""

import sys
import unittest

from tests.test_branch_probes import PROBES, probe_state
from tests.test_line_probes_far_branch import FarLinesTestCase

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
E = monitoring.events
DISABLE = monitoring.DISABLE
TOOL = 3
PY = sys.version_info[:2]

# (150 statements: the code is past 256 units on every version)
PAD = "".join("    a%d = i\n" % i for i in range(150))

SOURCE = '''def scan(xs, lo, bad):
    i = len(xs)
    while i > lo and \\
            not bad(xs[i - 1]) and \\
            xs[i - 1] > 0:
        i -= 1
''' + PAD + '''    return i
'''

#: relative lines of a run whose `bad` is true at once: the `while`, its
#: call, (3.8-3.11) the branch after the call on the `while`'s line
#: again, then the rest
AGAIN = [2] if PY < (3, 12) else []
FIRST = [1, 2, 3] + AGAIN + list(range(6, 157))
#: then a run through the body once: from the branch's fall-through
#: (3.10/3.11 repeat the test at the loop's end; 3.8/3.9 jump back to it)
BODY = ([4, 2, 5] if PY < (3, 10) else
        [4, 5, 2, 3, 2, 4] if PY < (3, 12) else
        [4, 5, 2, 3, 4])
#: (3.8/3.9) the test's last branch, on the `while`'s line again
LAST = [2] if PY < (3, 10) else []


class Raising(object):
    """bad(x) gives an object whose truth raises"""

    def __bool__(self):
        raise ValueError("truth")


def load():
    namespace = {}
    exec(compile(SOURCE, __file__ + "-scan", "exec"), namespace)
    return namespace["scan"]


def yes(x):
    return True


def no(x):
    return False


class FarWhileTest(FarLinesTestCase):

    def check_made(self, func, retired=False):
        if PROBES and PY < (3, 11):
            # (3.11's clone: refused, "taken")
            state = probe_state(func)
            self.assertEqual((state["refusal"], state["clone"],
                              state["retired"]), ("", True, retired))

    def test_coverage(self):
        func = self.start_func()
        seen = self.seen
        # (the branch taken in the stub: no LINE at the next location)
        results = [func([5, 6], 0, yes), func([5, 6], 0, yes)]
        self.assertEqual(seen, FIRST)
        # (the body's locations alone wanted: the clone is made)
        self.check_made(func)
        results += [func([5, 6], 0, no), func([5, 6], 0, no)]
        self.assertEqual(seen, FIRST + BODY)
        self.assertEqual(results, [2, 2, 0, 0])

    def start_func(self, keep=None):
        func = load()
        self.seen = self.start(func, keep)
        return func

    def test_branch_line_kept(self):
        # The branch's LINE is not DISABLEd (its line's first location
        # is): it fires at every pass, the branch taken in the stub, the
        # clone going on.
        def keep(seen):
            return seen[-1] == 2 and seen.count(2) > 1
        func = self.start_func(keep)
        results = [func([5, 6], 0, yes) for _ in range(3)]
        self.assertEqual(self.seen, FIRST + [2, 2] * (PY < (3, 12)))
        self.check_made(func)
        # (the fall-through: the next location's LINE, after which the
        # site, its branch still wanted, cannot stay: traced from there)
        results.append(func([5, -1], 0, no))
        self.assertEqual(results, [2, 2, 2, 2])
        self.assertEqual(self.seen, FIRST + [2, 2] * (PY < (3, 12)) +
                         ([4] if PY >= (3, 12) else [2, 4] + LAST))

    def test_next_line_kept(self):
        # The next location's LINE is not DISABLEd: it fires each time.
        def keep(seen):
            return seen[-1] == 4
        func = self.start_func(keep)
        results = [func([5, 6], 0, yes), func([5, 6], 0, yes)]
        self.check_made(func)
        results += [func([5, -1], 0, no), func([5, -1], 0, no)]
        self.assertEqual(results, [2, 2, 2, 2])
        self.assertEqual(self.seen, FIRST + [4] + LAST + [4])

    def test_truth_raises(self):
        func = self.start_func()
        func([5, 6], 0, yes)
        func([5, 6], 0, yes)
        self.check_made(func)
        # (the branch's line: the `while`'s, 3.8-3.11)
        self.assertEqual(self.raised_line(func, [5, 6], 0,
                                          lambda x: Raising()),
                         2 if PY < (3, 12) else 3)
        self.assertEqual(self.seen, FIRST)
        # (the clone goes on: the body's locations still probed)
        self.check_made(func)
        self.assertEqual(func([5, 6], 0, no), 0)
        self.assertEqual(self.seen, FIRST + BODY)


if __name__ == "__main__":
    unittest.main()
