"""Long code objects keep their probes (issue 14, target 5): functions whose
jumps and stubs lie past 256 bytes (units on 3.10/3.11) and past 64 KiB of
bytecode, where jumps need EXTENDED_ARG prefixes, run on line, branch and
call probes like short ones.

Each function runs a few times under a coverage-style tool (its callbacks
return DISABLE): from the second run on its frames must be untraced (the
thread's C trace function, read from inside the frame, is None) on a clone
that is not retired, and a later run that takes the edges and lines left
must report exactly what a copy of the same code kept traced all along
reports.  On 3.12/3.13 the streams are checked natively.
"""

import unittest

from tests.support import PY, MonitoringTestCase, events, in_codes, monitoring
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
PROBES = not pep669.NATIVE and PY < (3, 12)
HAS_SIDES = hasattr(E, "BRANCH_LEFT")
SIDES = (E.BRANCH_LEFT | E.BRANCH_RIGHT) if HAS_SIDES else E.BRANCH

#: filler lines: past 256 bytes / code units, past 64 KiB of bytecode
SHORT, LONG = 60, 6000


def long_source(name, lines, every, calls=False):
    """``name(x, ts)``: ``lines`` lines adding to a total, and every
    ``every`` lines an ``if x < 0:`` whose body (never run for x >= 0) is
    a line of four instructions or more, and a ``while`` loop never
    entered for x < 1000.  Returns the total and the thread's C trace function."""
    src = ["def %s(x, ts):" % name, "    total = 0"]
    for i in range(lines):
        if i % every == 0:
            src.append("    if x < 0:")
            src.append("        total = %s" % ("abs(x - %d)" % i if calls
                                                else "x - %d" % i))
            src.append("    while x > 1000:")
            src.append("        x -= 1")
        src.append("    total += %s" % ("abs(x - %d)" % i if calls
                                        else "x * %d" % i))
    src.append("    return total, ts[1].from_address(ts[0]())[ts[2]]")
    return "\n".join(src) + "\n"


def load(name, lines, every, calls=False):
    namespace = {}
    exec(compile(long_source(name, lines, every, calls),
                 "<%s-%d>" % (name, lines), "exec"), namespace)
    return namespace[name]


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


#: Call probes cannot reach their stubs past 256 bytes (3.8/3.9) or code
#: units (3.10) from a call instruction without a prefix, nor past 65536
#: units on 3.11: such code runs traced (docs/differences.md, "Cost").
CALL_CLIFF = {SHORT: PROBES and PY < (3, 11), LONG: PROBES}


class _NoSlot(object):
    """(3.12/3.13: no trace slot is read)"""

    @staticmethod
    def from_address(address):
        return [None]


def expected_failure_if(condition):
    return unittest.expectedFailure if condition else (lambda f: f)


class LongCodeTest(MonitoringTestCase):

    def setUp(self):
        super(LongCodeTest, self).setUp()
        if PROBES:
            calibrate_trace_slot()

    def covering(self, codes, want):
        return self.recorder(0, want, in_codes(*codes),
                             respond=lambda r: DISABLE)

    def check_probed(self, want, lines, calls=False):
        """Runs of x = 1 (untraced from the second on), then one of x = -1
        (its stream that of a traced copy), then x = 1 again."""
        name = "long_%d" % lines
        func = load(name, lines, lines // 10, calls)
        ref = load(name, lines, lines // 10, calls)
        # the reference: traced all along (another tool's JUMP events,
        # never disabled, keep its frames traced)
        self.use_tool(3)
        monitoring.register_callback(3, E.JUMP, lambda *a: None)
        self.set_local_events(3, ref.__code__, E.JUMP)
        rec = self.covering([func.__code__, ref.__code__], want)
        ts = TRACE_SLOT if PROBES else [lambda: 0, _NoSlot, 0]
        streams = []
        results = []
        for f in (func, ref):
            runs = []
            for x in (1, 1, 1, -1, 1, 1):
                rec.clear()
                runs.append(f(x, ts))
                streams.append(rec.events())
            results.append(runs)
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        n = len(streams) // 2
        self.assertEqual(streams[:n], streams[n:])
        # x = -1 reports what was left: every guard's body line
        self.assertTrue(streams[3])
        self.assertEqual([r[0] for r in results[0]],
                         [r[0] for r in results[1]])
        if PROBES:
            traced = [r[1] is not None for r in results[0]]
            self.assertEqual(traced[1:3] + traced[4:], [False] * 4)
            self.assertTrue(state["clone"])
            self.assertFalse(state["retired"])
            self.assertEqual(state["calls"], calls)
        return state

    def test_line_probes_past_256(self):
        self.check_probed(E.LINE, SHORT)

    def test_line_probes_past_64k(self):
        self.check_probed(E.LINE, LONG)

    def test_branch_probes_past_256(self):
        self.check_probed(E.LINE | SIDES, SHORT)

    def test_branch_probes_past_64k(self):
        self.check_probed(E.LINE | SIDES, LONG)

    @expected_failure_if(CALL_CLIFF[SHORT])
    def test_call_probes_past_256(self):
        self.check_probed(E.CALL, SHORT, calls=True)

    @expected_failure_if(CALL_CLIFF[LONG])
    def test_call_probes_past_64k(self):
        self.check_probed(E.CALL, LONG, calls=True)


if __name__ == "__main__":
    unittest.main()
