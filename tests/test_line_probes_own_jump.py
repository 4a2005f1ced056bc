"""Line probes where an unconditional jump is a LINE location itself and
the jump's destination is probed on it: a `continue` that is the whole of
its line, whose jump goes back to the loop head (3.8-3.10's
JUMP_ABSOLUTE, 3.11's JUMP_BACKWARD).

The jump carries two probes: its own line's LINE (a site at the jump) and
the loop head's LINE on the back edge (the jump made to go to a stub).
Both patched the same bytes, so the clone was refused and the first call
ran traced, a legacy trace call per line (`bench_lines.py`'s `text`); one
site now stands for both: its stub fires the jump's LINE, then the loop
head's, and goes on there (probe.c, make_clone; Pep669Site.own).  The
streams are checked against CPython's (natively on 3.12/3.13) and a
literal one; the state checks are the backport's own bookkeeping.
"""

import sys
import unittest

from tests.support import PY, events
from tests.test_branch_probes import (BRANCH_COVERAGE, PROBES,
                                      BranchProbeTestCase, probe_state)
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
DISABLE = monitoring.DISABLE

SOURCE = '''
def text(xs):
    t = 0
    for x in xs:
        if x == 0:
            continue
        elif x == 1:
            t += 1
        else:
            raise ValueError(x)
    return t


def text_while(n):
    t = 0
    while n > 0:
        n -= 1
        if n % 2:
            continue
        t += n
    return t


def text_state(xs, ts):
    seen = []
    for x in xs:
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
        if x == 0:
            continue
        elif x == 1:
            seen.append(1)
        else:
            raise ValueError(x)
    return seen
'''

# (a loop long enough that its stubs go past a one-unit jump's reach:
# the `continue`'s own site needs its stub laid out first)
SOURCE += '''

def long_state(xs, ts):
    seen = []
    for x in xs:
        seen.append(ts[1].from_address(ts[0]())[ts[2]] if ts else x)
        if x == 0:
            continue
''' + "".join("        a%d = x\n" % i for i in range(70)) + '''
    return seen
'''


def load():
    namespace = {}
    exec(compile(SOURCE, __file__ + "-own", "exec"), namespace)
    return namespace


class OwnJumpTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(OwnJumpTestCase):
    """Exact streams, run by run, under coverage (LINE) and branch
    coverage (LINE and the branch events)."""

    def run_both(self, name, runs, want):
        self.check([name], runs, want=want)


CASES = {
    "continue": ("text", [("text", ([0, 1, 1, 0],)),
                          ("text", ([],)),
                          ("text", ([1, 0, 0],)),
                          ("text", ([0, 2],)),
                          ("text", ([1, 1],))]),
    "long_loop": ("long_state", [("long_state", ([0, 1, 0], None)),
                                 ("long_state", ([1, 0], None))]),
    "continue_in_while": ("text_while", [("text_while", (4,)),
                                         ("text_while", (0,)),
                                         ("text_while", (5,))]),
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


class LiteralStreamTest(OwnJumpTestCase):
    """The first call's LINEs (relative to the `def` line), as native
    3.12/3.13 give them: the `continue` line, then the `for` line when
    the jump lands on the loop head."""

    def lines(self, disable):
        func = load()["text"]
        first = func.__code__.co_firstlineno
        rec = self.covering([func.__code__], want=events.LINE,
                            disable=disable)
        func([0, 1, 0])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return [r.args[0] - first for r in rec.records]

    def test_disabled(self):
        # (each location once: the loop head's back-edge arrival is its
        # FOR_ITER's, a location of its own)
        self.assertEqual(self.lines(True), [1, 2, 3, 4, 2, 5, 6, 9])

    def test_not_disabled(self):
        self.assertEqual(self.lines(False),
                         [1, 2, 3, 4, 2, 3, 5, 6, 2, 3, 4, 2, 9])

    def test_with_jumps(self):
        # LINE at the `continue`, its JUMP, LINE at the loop head
        func = load()["text"]
        first = func.__code__.co_firstlineno
        out = []

        def respond(r):
            if r.event == "LINE":
                out.append(r.args[0] - first)
                return DISABLE
            out.append(r.event)
            return None
        self.covering([func.__code__], want=events.LINE | events.JUMP,
                      respond=respond)
        func([0, 1, 0])
        func([0])
        self.stop()
        self.assertEqual(out, [1, 2, 3, 4, "JUMP", 2, 5, 6, "JUMP", "JUMP",
                               9, "JUMP"])

    def test_raise_at_continue_line(self):
        # (raised at the jump: its line in the traceback)
        func = load()["text"]
        first = func.__code__.co_firstlineno
        out = []

        def respond(r):
            out.append(r.args[0] - first)
            if r.args[0] - first == 4:
                raise KeyError(4)
            return DISABLE
        self.covering([func.__code__], want=events.LINE, respond=respond)
        tb = None
        try:
            func([1, 0, 1])
        except KeyError as exc:
            tb = exc.__traceback__
        self.stop()
        self.assertIsNotNone(tb)
        while tb.tb_frame.f_code.co_name != "text":
            tb = tb.tb_next
        self.assertEqual(tb.tb_lineno - first, 4)
        self.assertEqual(out, [1, 2, 3, 5, 6, 2, 4])

    def test_move_at_continue_line(self):
        # (a callback at the `continue` line moves the frame to `return`)
        func = load()["text"]
        first = func.__code__.co_firstlineno
        out = []

        def respond(r):
            out.append(r.args[0] - first)
            if r.args[0] - first == 4:
                sys._getframe(2).f_lineno = first + 9
            return DISABLE
        self.covering([func.__code__], want=events.LINE, respond=respond)
        got = func([1, 0, 1])
        self.stop()
        self.assertEqual(got, 1)
        self.assertEqual(out, [1, 2, 3, 5, 6, 2, 4])


@unittest.skipUnless(PROBES and PY >= (3, 10),
                     "the backport's line probes, 3.10/3.11 layout (3.8's "
                     "loop head is not probed on its back edges: traced)")
class StateTest(OwnJumpTestCase):
    """The first call runs on probes, untraced; the jump's site stands
    for both LINEs."""

    def setUp(self):
        super(StateTest, self).setUp()
        calibrate_trace_slot()

    def check_first_call(self, want):
        ns = load()
        func = ns["text_state"]
        rec = self.covering([func.__code__], want=want)
        first = func([0, 1, 1, 0], TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # (each pass of the loop, the first call's included: no trace
        # function while the frame runs)
        self.assertEqual(first, [None, None, 1, None, 1, None])
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])
        self.assertIn("at source", " ".join(state["kinds"].values()))

    def test_coverage_first_call_untraced(self):
        self.check_first_call(events.LINE)

    def test_long_loop_first_call_untraced(self):
        func = load()["long_state"]
        rec = self.covering([func.__code__], want=events.LINE)
        first = func([0, 1, 0], TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(first, [None] * 3)
        self.assertTrue(state["clone"])

    def test_branch_coverage_first_call_untraced(self):
        self.check_first_call(BRANCH_COVERAGE)


if __name__ == "__main__":
    unittest.main()
