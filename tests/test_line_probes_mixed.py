"""Line probes where a LINE location is reached from an instruction the
frame may reach without a line event: 3.10/3.11's `for` loop whose body
ends in an `if` (the loop's back edge is a jump without a line, reached
from the `if`'s line and from the end of its body).

The analysis (lineflow_last.c) finds that the line reported last there is
never the `for` line, so the loop's FOR_ITER location is probed on the
back edge and the code runs on probes from its first call, untraced (it
ran traced before, a legacy trace call per line, for the whole first call:
`bench_lines.py`'s `loop`).  Every stream is checked as in
tests/test_line_probes.py and tests/test_branch_probes.py, against
CPython's (natively on 3.12/3.13); the state checks are the backport's own
bookkeeping.
"""

import unittest

from tests.support import PY, events
from tests.test_branch_probes import (BRANCH_COVERAGE, PROBES,
                                      BranchProbeTestCase, probe_state)
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

SOURCE = '''
def loop_if(n):
    total = 0
    for i in range(n):
        total += i * i % 7
        if total > 20:
            total -= 20
    return total


def loop_if_else(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            total += 1
        else:
            total -= 1
    return total


def nested_loops(n):
    total = 0
    for i in range(n):
        for j in range(i):
            if j > 4:
                total += j
        if i > 6:
            total = 0
    return total


def loop_if_state(n, ts):
    seen = []
    for i in range(n):
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
        if n < 0:
            n = -n
    return seen


def loop_if_gen(n):
    for i in range(n):
        yield i
        if i > 3:
            yield -i


def drive_gen(n):
    return list(loop_if_gen(n))
'''


def load():
    namespace = {}
    exec(compile(SOURCE, __file__ + "-mixed", "exec"), namespace)
    return namespace


class MixedTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(MixedTestCase):
    """Exact streams, run by run, under coverage (LINE) and branch
    coverage (LINE and the branch events)."""

    def run_both(self, name, runs, want):
        self.check([name], [(f, args) for f, args in runs], want=want)


CASES = {
    "loop_body_ending_in_if": ("loop_if", [("loop_if", (3,)),
                                           ("loop_if", (0,)),
                                           ("loop_if", (2,)),
                                           ("loop_if", (12,)),
                                           ("loop_if", (4,))]),
    "loop_body_ending_in_if_else": ("loop_if_else",
                                    [("loop_if_else", (1,)),
                                     ("loop_if_else", (4,)),
                                     ("loop_if_else", (0,)),
                                     ("loop_if_else", (5,))]),
    "nested_loops": ("nested_loops", [("nested_loops", (3,)),
                                      ("nested_loops", (0,)),
                                      ("nested_loops", (4,)),
                                      ("nested_loops", (8,)),
                                      ("nested_loops", (3,))]),
    "generator": ("loop_if_gen", [("drive_gen", (3,)),
                                  ("drive_gen", (0,)),
                                  ("drive_gen", (6,)),
                                  ("drive_gen", (2,))]),
}


def _add_case(case, name, runs):
    def coverage(self):
        self.run_both(name, runs, events.LINE)

    def branch_coverage(self):
        self.run_both(name, runs, BRANCH_COVERAGE)
    setattr(StreamTest, "test_%s_coverage" % case, coverage)
    setattr(StreamTest, "test_%s_branch_coverage" % case, branch_coverage)


for _case, (_name, _runs) in CASES.items():
    _add_case(_case, _name, _runs)


@unittest.skipUnless(PROBES and PY >= (3, 10),
                     "the backport's line probes, 3.10/3.11 layout")
class StateTest(MixedTestCase):
    """The first call runs on probes, untraced, and the FOR_ITER location
    is probed on the back edge."""

    def setUp(self):
        super(StateTest, self).setUp()
        calibrate_trace_slot()

    def check_first_call(self, want):
        ns = load()
        func = ns["loop_if_state"]
        rec = self.covering([func.__code__], want=want)
        first = func(4, TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # (each pass of the loop, the first call's included: no trace
        # function while the frame runs)
        self.assertEqual(first, [None] * 4)
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])
        self.assertIn("edges", " ".join(state["kinds"].values()))
        self.assertIn("source", " ".join(state["kinds"].values()))

    def test_coverage_first_call_untraced(self):
        self.check_first_call(events.LINE)

    def test_branch_coverage_first_call_untraced(self):
        self.check_first_call(BRANCH_COVERAGE)


if __name__ == "__main__":
    unittest.main()
