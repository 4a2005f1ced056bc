"""Line and branch probes of long loops with if/elif chains (the shape of
`bench_lines.py`'s `text` workload, `summarize_log`), whose first call ran
traced because their clone was refused:

- 3.8/3.9: a `continue` in the first arm of an if/elif chain leaves a
  dead `JUMP_FORWARD` after its jump; the flow analysis counted that
  instruction's arrival after the chain as one from handler-only code,
  so the location there had no probe (lineflow.c: what neither the flow
  nor a handler reaches now counts for nothing).
- 3.10, branch coverage: the stubs lie past a one-unit jump's reach, so
  location sites take a prefix in the unit after theirs; where that unit
  is another site's (the fall-through edge of a `for` loop's FOR_ITER,
  then its body's first line), the layout failed (probe_walks.c,
  sites_order: those sites' stubs come first, after the jumps'); and the
  inner loop's exhausted edge arrives at the jump back to the outer loop
  head, which carries that head's LINE (a site on the jump: the edge's
  events now fire on it too, Pep669Site.obranch).

The streams are checked against CPython's (natively on 3.12/3.13) and the
oracle's; the state checks are the backport's own bookkeeping.
"""

import unittest

from tests.support import PY
from tests.test_branch_probes import (BRANCH_COVERAGE, PROBES,
                                      BranchProbeTestCase, probe_state)
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)

events = pep669.monitoring.events

SOURCE = '''
def chain(xs, ts=NO_SLOT):
    seen = []
    for x in xs:
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
        if x == 0:
            continue
        elif x == 1:
            y = 1
        else:
            y = 2
        seen.append(y)
    return seen


def summarize(lines, ts=NO_SLOT):
    counts = {}
    users = {}
    paths = {}
    numbers = 0
    long_words = 0
    errors = []
    seen = []
    for line in lines:
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
        stamp, level, service, rest = line.split(" ", 3)
        if level == "DEBUG":
            continue
        elif level == "INFO":
            weight = 1
        elif level == "WARNING":
            weight = 2
        elif level == "ERROR":
            weight = 3
            errors.append(stamp)
        else:
            raise ValueError(level)
        service = service.rstrip(":")
        counts[service] = counts.get(service, 0) + weight
        for word in rest.split():
            if word.isdigit():
                numbers += int(word)
            elif word.startswith("user="):
                name = word[5:]
                users[name] = users.get(name, 0) + 1
            elif word.startswith("/"):
                parts = word.strip("/").split("/")
                paths[parts[0]] = paths.get(parts[0], 0) + 1
            elif word.isupper():
                counts[word] = counts.get(word, 0) + 1
            elif len(word) > 6:
                long_words += 1
            else:
                counts["short"] = counts.get("short", 0) + 1
    nerrors = len(errors)
    return len(counts), len(users), len(paths), numbers, long_words, nerrors, seen
'''

LOG = [
    "1 INFO db: user=ann GET /a/b 12 OK",
    "2 DEBUG db: nothing",
    "3 WARNING web: user=bob slowly 7",
    "4 ERROR web: /x FAILED",
]
LOG2 = [
    "5 INFO db: user=cy ok",
    "6 ERROR db: 3 /y/z",
]

#: summarize(LOG) (its last item: a None per line)
SUMMARY = (6, 2, 2, 19, 0, 1, [None] * 4)


class _NoSlot(object):
    """(streams) what the trace slot reads as where it is not read: None"""

    @staticmethod
    def from_address(address):
        return [None]


#: a stand-in for TRACE_SLOT
NO_SLOT = (lambda: 0, _NoSlot, 0)


def load():
    namespace = {"NO_SLOT": NO_SLOT}
    exec(compile(SOURCE, __file__ + "-layout", "exec"), namespace)
    return namespace


class LayoutTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(LayoutTestCase):
    """Exact streams, run by run, under coverage (LINE) and branch
    coverage (LINE and the branch events)."""


CASES = {
    "chain": ("chain", [("chain", ([0, 1, 2, 0],)),
                        ("chain", ([],)),
                        ("chain", ([1, 0],)),
                        ("chain", ([2, 2],))]),
    "summarize": ("summarize", [("summarize", (LOG,)),
                                ("summarize", (LOG2,)),
                                ("summarize", (["7 DEBUG a: b"],)),
                                ("summarize", (["8 OOPS a: b"],)),
                                ("summarize", (LOG,))]),
}


def _add_case(case, name, runs):
    def coverage(self):
        self.check([name], runs, want=events.LINE)

    def branch_coverage(self):
        self.check([name], runs, want=BRANCH_COVERAGE)
    setattr(StreamTest, "test_%s_coverage" % case, coverage)
    setattr(StreamTest, "test_%s_branch_coverage" % case, branch_coverage)


for _case, (_name, _runs) in CASES.items():
    _add_case(_case, _name, _runs)


@unittest.skipUnless(PROBES, "the backport's line probes")
class StateTest(LayoutTestCase):
    """The first call runs on probes, untraced (no trace function while
    the frame runs, at each pass of the loop)."""

    def setUp(self):
        super(StateTest, self).setUp()
        calibrate_trace_slot()

    def first_call(self, name, args, want):
        func = load()[name]
        rec = self.covering([func.__code__], want=want)
        got = func(*args, ts=TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return got, state

    def check_chain(self, want):
        got, state = self.first_call("chain", ([0, 1, 2, 0],), want)
        self.assertEqual(got, [None, None, 1, None, 2, None])
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    def test_chain_coverage(self):
        self.check_chain(events.LINE)

    def test_chain_branch_coverage(self):
        self.check_chain(BRANCH_COVERAGE)

    def check_summarize(self, want):
        got, state = self.first_call("summarize", (LOG,), want)
        self.assertEqual(got, SUMMARY[:-1] + ([None] * 4,))
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])

    @unittest.skipIf(PY >= (3, 11),
                     "3.11: a jump back to a loop head cannot reach its "
                     "stub past 255 units (docs/differences.md, line "
                     "probes' limits; 3.8/3.9: far sites, "
                     "tests/test_line_probes_far.py)")
    def test_summarize_coverage(self):
        self.check_summarize(events.LINE)

    @unittest.skipIf(PY >= (3, 11),
                     "3.11: a jump back to a loop head cannot reach its "
                     "stub past 255 units (docs/differences.md, line "
                     "probes' limits; 3.8/3.9: far sites, "
                     "tests/test_line_probes_far.py)")
    def test_summarize_branch_coverage(self):
        self.check_summarize(BRANCH_COVERAGE)


if __name__ == "__main__":
    unittest.main()
