"""A refused line clone is remembered across DISABLEs (session 18,
probe_refused.c): where a site of its layout cannot be patched (here,
3.11 under branch coverage: the taken edge of a `while` loop's second
test, beyond an unprefixed jump's reach, whose next unit the loop's
bottom test enters), the frames run traced; before, the clone was built
again, to be refused again, after every DISABLE of the code (about
150,000 instructions each on 3.11).  Now it is attempted again only once
a site the refusal depended on lost what was wanted of it.

Streams are checked against CPython's (the oracle, natively on 3.12/3.13)
on every version; the state checks read 3.11's refusals.
"""

import unittest

from tests.support import PY
from tests.test_branch_probes import (BRANCH_COVERAGE, PROBES,
                                      BranchProbeTestCase)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
DISABLE = monitoring.DISABLE

# (after the loop: 300 units on 3.11, so that the loop's branches cannot
# reach the stubs with their own bytes; at the end, a line no run reaches:
# the clone stays needed once the rest is DISABLEd)
PAD = "".join("    a%d = n\n" % i for i in range(150))

SOURCE = '''
def digits(text, i):
    n = len(text)
    j = i
    while j < n and text[j].isdigit():
        j += 1
''' + PAD + '''    if j < 0:
        j = 0
    return j
'''


def load():
    namespace = {}
    exec(compile(SOURCE, __file__ + "-refused", "exec"), namespace)
    return namespace


# (each run DISABLEs more of the code; the second test's exit at the top,
# the refused site, is taken by the last run only)
RUNS = [("digits", ("123", 5)),     # the loop not entered
        ("digits", ("123", 0)),     # left by the bottom's first test
        ("digits", ("12", 0)),
        ("digits", ("1x", 0)),      # left by the bottom's second test
        ("digits", ("x", 0)),       # left by the top's second test
        ("digits", ("12x", 0)),
        ("digits", ("9", 0))]


class RefusedTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(RefusedTestCase):

    def test_branch_coverage(self):
        self.check(["digits"], RUNS, want=BRANCH_COVERAGE)

    def test_coverage(self):
        self.check(["digits"], RUNS, want=monitoring.events.LINE)


@unittest.skipUnless(PROBES and PY == (3, 11),
                     "3.11's line probes and their refusals")
class StateTest(RefusedTestCase):

    def test_refused_once_until_its_site_goes(self):
        func = load()["digits"]
        code = func.__code__
        state = pep669._monitoring._probe_state
        self.covering([code], want=BRANCH_COVERAGE)
        refusals = [state(code)["line_refusals"]]
        clones = []
        for name, args in RUNS:
            func(*args)
            refusals.append(state(code)["line_refusals"])
            clones.append(state(code)["clone"] and
                          not state(code)["retired"])
        self.stop()
        made = [b - a for a, b in zip(refusals, refusals[1:])]
        # (refused at the first call only, though each of the next three
        # DISABLEd more; made once the top's second test went the other
        # way, and kept)
        self.assertEqual(made, [1, 0, 0, 0, 0, 0, 0])
        self.assertEqual(clones, [False] * 5 + [True] * 2)


if __name__ == "__main__":
    unittest.main()
