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


# The same loop in a generator that yields a call's result: on 3.11 its
# call clone is refused too (the call at the top of its stack:
# tests/test_call_probes.py, FULL_STACK_GENERATORS).
GEN_SOURCE = SOURCE.replace("def digits", "def gen_digits").replace(
    "    return j\n", "    yield abs(j)\n")


def drive(gen_func):
    def run(*args):
        return list(gen_func(*args))
    return run


@unittest.skipUnless(PROBES and PY == (3, 11),
                     "3.11's line probes and their refusals")
class VersionTest(RefusedTestCase):
    """(session 18, refu18) A refusal holds within one registry version
    only: a new one (set_events, set_local_events, restart_events) voids
    it, whatever it depended on; and a call clone's refusal, kept without
    reasons, never meets a line clone's in one version (CALL, fixed for a
    version, decides which kind a code's frames ask for)."""

    TOOL, OTHER = 2, 4

    def cover(self, code, extra=0):
        """BRANCH_COVERAGE (and `extra`) on `code` alone, each event
        DISABLEd where it comes."""
        self.use_tool(self.TOOL)
        for ev in (monitoring.events.LINE, monitoring.events.BRANCH_LEFT,
                   monitoring.events.BRANCH_RIGHT, monitoring.events.CALL):
            monitoring.register_callback(self.TOOL, ev,
                                         lambda *a: DISABLE)
        for ev in (monitoring.events.C_RETURN, monitoring.events.C_RAISE):
            monitoring.register_callback(self.TOOL, ev, lambda *a: None)
        self.set_local_events(self.TOOL, code, BRANCH_COVERAGE | extra)

    def attempts(self, code, run, args):
        """How many line clones of `code` were attempted (and refused)
        while `run(*args)` ran."""
        state = pep669._monitoring._probe_state
        before = state(code)["line_refusals"]
        run(*args)
        return state(code)["line_refusals"] - before

    def check_voided(self, change):
        func = load()["digits"]
        code = func.__code__
        state = pep669._monitoring._probe_state
        self.cover(code)
        self.use_tool(self.OTHER)
        monitoring.register_callback(self.OTHER,
                                     monitoring.events.PY_RETURN,
                                     lambda *a: None)
        # (refused at the first run; the second DISABLEs nothing the
        # refusal depends on: held)
        self.assertEqual(self.attempts(code, func, RUNS[0][1]), 1)
        self.assertEqual(self.attempts(code, func, RUNS[1][1]), 0)
        self.assertTrue(state(code)["refused"])
        change(code)
        self.assertFalse(state(code)["refused"])
        # (attempted again in the new version, and refused again: the
        # site it could not have is still wanted)
        self.assertEqual(self.attempts(code, func, RUNS[1][1]), 1)
        self.assertTrue(state(code)["refused"])
        self.assertEqual(self.attempts(code, func, RUNS[1][1]), 0)

    def test_set_events_voids_it(self):
        self.check_voided(lambda code: monitoring.set_events(
            self.OTHER, monitoring.events.PY_RETURN))

    def test_set_local_events_voids_it(self):
        self.check_voided(lambda code: self.set_local_events(
            self.OTHER, code, monitoring.events.PY_RETURN))

    def test_restart_events_voids_it(self):
        self.check_voided(lambda code: monitoring.restart_events())

    def test_call_events_ask_no_line_clone(self):
        # CALL blocks line clones (probe.h): with CALL wanted too, no line
        # clone is attempted in the version, refused or not
        func = load()["digits"]
        code = func.__code__
        self.cover(code, monitoring.events.CALL)
        for name, args in RUNS:
            self.assertEqual(self.attempts(code, func, args), 0)

    def test_call_refusal_then_line_refusal(self):
        # A code whose call clone and line clone are both refused: the
        # call clone's refusal (version 1) leaves the line clone's
        # (version 2) as it leaves a fresh copy's: attempted again only
        # where a DISABLE changed a site it depends on
        state = pep669._monitoring._probe_state
        counts = []
        for call_first in (True, False):
            namespace = {}
            exec(compile(GEN_SOURCE, __file__ + "-refused-gen", "exec"),
                 namespace)
            run = drive(namespace["gen_digits"])
            code = namespace["gen_digits"].__code__
            if call_first:
                self.cover(code)
                self.set_local_events(self.TOOL, code,
                                      monitoring.events.CALL)
                calls = state(code)["call_refusals"]
                run(*RUNS[0][1])
                self.assertEqual(state(code)["call_refusals"], calls + 1)
                self.assertTrue(state(code)["refused"])
                self.set_local_events(self.TOOL, code, BRANCH_COVERAGE)
            else:
                self.cover(code)
            counts.append([self.attempts(code, run, args)
                           for name, args in RUNS])
            self.assertTrue(state(code)["clone"])
            self.assertFalse(state(code)["retired"])
            self.doCleanups()
        self.assertEqual(counts[0], counts[1])
        # (each run's attempts: refused while the sites stayed wanted,
        # made once the second test's exit went)
        self.assertEqual(sum(counts[0][-2:]), 0)
        self.assertLess(sum(counts[0]), len(RUNS))


if __name__ == "__main__":
    unittest.main()
