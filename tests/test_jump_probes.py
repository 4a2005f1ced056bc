"""JUMP with LINE (a debugger's pattern, sys.monitoring's own bdb backend)
and DISABLE, over several runs of the same code.

On 3.8-3.11 the engine carries JUMP on "JUMP probes" (docs/differences.md,
"Cost"): an unconditional jump still wanted goes to a stub that fires JUMP
and goes on to the destination, the frame itself untraced, as branch edges
do on branch probes.  Every stream here must be exactly the one of code
traced all along (tests/test_branch_probes.py's oracle and its reference
copy, kept traced by another tool's INSTRUCTION events); on 3.12/3.13 the
same tests run natively.  The ``_probe_state`` checks pin the mechanism:
sites on jumps, patched while wanted, unpatched once DISABLEd, and the
frames really untraced.
"""

import unittest

from tests.support import events, in_codes, monitoring
from tests.test_branch_probes import (BRANCH_COVERAGE, BranchProbeTestCase,
                                      catching, oracle_run)
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)
from tests.support import PY  # noqa: E402

E = events
DISABLE = monitoring.DISABLE
PROBES = not pep669.NATIVE and PY < (3, 12)
DEBUGGER = E.LINE | E.JUMP


SOURCE = '''
def loops(n, items):
    total = 0
    for i in range(n):
        if i == 3:
            continue
        if i > 6:
            break
        total += i
    else:
        total = -total
    for x in items:
        total += x
    while True:
        n -= 1
        if n < 0:
            break
    return total


def ifelse(x):
    if x > 0:
        y = 1
    elif x < 0:
        y = -1
    else:
        y = 0
    return y if y else 10


def handled(x):
    try:
        r = 10 // x
    except ZeroDivisionError:
        r = -1
    else:
        r += 1
    finally:
        r *= 2
    for i in range(2):
        try:
            r += 10 // (x - i)
        except ZeroDivisionError:
            continue
    return r


def gen(n):
    for i in range(n):
        if i % 2:
            yield i
        else:
            yield -i


def drive(n):
    total = 0
    for v in gen(n):
        total += v
    return total


def while_loops(x, n):
    total = 0
    while x > n:
        x -= 1
        total += 1
    while n > 0:
        n -= 1
        if n == 3:
            break
        if n == 1:
            continue
        total += n
    return total


def slot_loop(n):
    ts = TRACE_SLOT
    total = 0
    for i in range(n):
        total += i
    return total, ts[1].from_address(ts[0]())[ts[2]]
'''


def load():
    namespace = {"TRACE_SLOT": TRACE_SLOT}
    exec(compile(SOURCE, __file__ + "-jumps", "exec"), namespace)
    return namespace


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


class JumpProbeTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(JumpProbeTestCase):
    """Every event DISABLEd at its first: exactly the oracle's streams, the
    positions seen from the callbacks those of a traced copy."""

    def test_loops(self):
        self.check(["loops"],
                   [("loops", (10, [1, 2])), ("loops", (2, [])),
                    ("loops", (10, [3])), ("loops", (5, [4, 5]))],
                   want=DEBUGGER, results=[21, -1, 21, 2])

    def test_jump_alone(self):
        self.check(["loops", "ifelse"],
                   [("loops", (10, [1])), ("ifelse", (1,)),
                    ("ifelse", (-1,)), ("loops", (4, [])),
                    ("ifelse", (0,)), ("loops", (10, [1]))],
                   want=E.JUMP)

    def test_if_else(self):
        self.check(["ifelse"],
                   [("ifelse", (1,)), ("ifelse", (1,)), ("ifelse", (-1,)),
                    ("ifelse", (0,)), ("ifelse", (0,))],
                   want=DEBUGGER, results=[1, 1, -1, 10, 10])

    def test_handlers(self):
        # jumps reached only through exception handlers
        self.check(["handled"],
                   [("handled", (5,)), ("handled", (5,)), ("handled", (0,)),
                    ("handled", (1,)), ("handled", (3,))],
                   want=DEBUGGER)

    def test_generator(self):
        self.check(["drive", "gen"],
                   [("drive", (4,)), ("drive", (5,)), ("drive", (0,))],
                   want=DEBUGGER, results=[2, -2, 0])

    def test_while_loops_with_branch_coverage(self):
        # 3.10/3.11 copy a while loop's test to its bottom, where a guard
        # may stand (tests/test_branch_probes.py): its jumps' probes beside
        # it give the traced streams all the same
        self.check(["while_loops"],
                   [("while_loops", (1, 5)), ("while_loops", (1, 0)),
                    ("while_loops", (2, 0)), ("while_loops", (4, 1)),
                    ("while_loops", (1, 6)), ("while_loops", (5, 2)),
                    ("while_loops", (0, 2))],
                   want=DEBUGGER | BRANCH_COVERAGE,
                   results=[4, 1, 2, 3, 9, 3, 0])

    def test_with_branch_coverage(self):
        self.check(["loops", "ifelse"],
                   [("loops", (10, [1, 2])), ("ifelse", (1,)),
                    ("loops", (2, [])), ("ifelse", (-1,)),
                    ("loops", (10, [3]))],
                   want=DEBUGGER | E.BRANCH)


class KeptTest(JumpProbeTestCase):
    """JUMP never DISABLEd (LINE is): every run reports every jump."""

    def run_kept(self, name, runs):
        ns = self.load()
        func = ns[name]
        codes = [func.__code__]
        seen, expected = set(), []
        for args in runs:
            one = []
            for key, event in oracle_run(func, args, codes, DEBUGGER):
                if key[0] == 'LINE' and key in seen:
                    continue
                seen.add(key)
                one.append(event)
            expected.append(one)
        rec = self.covering(codes, want=DEBUGGER,
                            respond=lambda r: DISABLE
                            if r.event == 'LINE' else None)
        got = []
        for args in runs:
            rec.clear()
            catching(func, *args)
            self.assertEqual(rec.frame_errors, [])
            got.append(rec.events())
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(got, expected)
        return func, state

    def test_loops_kept(self):
        _, state = self.run_kept("loops", [(10, [1, 2]), (10, [1, 2]),
                                           (3, [4])])
        if PROBES:
            self.assertTrue(state["clone"])
            self.assertFalse(state["retired"])
            self.assertGreater(state["jump_sites"], 0)
            self.assertEqual(state["jump_patched"], state["jump_sites"])

    def test_handlers_kept(self):
        self.run_kept("handled", [(5,), (0,), (1,), (0,)])


@unittest.skipUnless(PROBES, "the backport's JUMP probes (3.8-3.11)")
class ProbeStateTest(JumpProbeTestCase):
    """The frames of code with JUMP set run on probes, untraced."""

    def setUp(self):
        super(ProbeStateTest, self).setUp()
        calibrate_trace_slot()

    def test_debugger_pattern_runs_untraced(self):
        # LINE | JUMP, everything DISABLEd: the second run is untraced
        func = self.load()["slot_loop"]
        code = func.__code__
        rec = self.recorder(0, DEBUGGER, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE)
        first = func(5)
        state = probe_state(func)
        second = func(5)
        after = probe_state(func)
        self.stop()
        self.assertEqual((first[0], second), (10, (10, None)))
        self.assertEqual([e[0] for e in rec.events()].count('JUMP'), 1)
        self.assertTrue(state["clone"])
        self.assertEqual(state["jump_sites"], 1)
        # the one jump DISABLEd: its site unpatched, nothing left
        self.assertEqual(after["jump_patched"], 0)

    def test_jump_wanted_runs_untraced(self):
        # JUMP kept: every jump reported by its probe, the frame untraced
        func = self.load()["slot_loop"]
        code = func.__code__
        rec = self.recorder(0, DEBUGGER, in_codes(code), local_codes=[code],
                            respond=lambda r: DISABLE
                            if r.event == 'LINE' else None)
        func(3)
        rec.clear()
        result = func(4)
        state = probe_state(func)
        self.stop()
        self.assertEqual(result, (6, None))
        self.assertEqual([e[0] for e in rec.events()], ['JUMP'] * 4)
        self.assertEqual(state["jump_sites"], 1)
        self.assertEqual(state["jump_patched"], 1)
        self.assertFalse(state["retired"])

    def test_tool_gaining_jump_retires_the_clone(self):
        func = self.load()["slot_loop"]
        code = func.__code__
        self.recorder(0, E.LINE, in_codes(code), local_codes=[code],
                      respond=lambda r: DISABLE)
        func(2)
        self.assertIsNone(func(2)[1])
        self.assertEqual(probe_state(func)["jump_sites"], 0)
        rec = self.recorder(1, E.JUMP, in_codes(code), local_codes=[code])
        result = func(3)
        state = probe_state(func)
        self.stop()
        self.assertEqual(result, (3, None))
        self.assertEqual(len(rec.events()), 3)
        self.assertEqual(state["jump_sites"], 1)


if __name__ == "__main__":
    unittest.main()
