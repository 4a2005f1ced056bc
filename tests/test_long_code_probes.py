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

import collections
import sys
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


#: Call probes reach their stubs from far with the instructions after the
#: call (POP_TOP, STORE_FAST, a binary operation: the probe makes them);
#: past 64 KiB on 3.8/3.9 a call followed by one such instruction only
#: (the guards' `total = abs(...)`, before a jump target) cannot reach
#: its stub: such code runs traced (docs/differences.md, "CALL").
CALL_CLIFF = {SHORT: False, LONG: PROBES and PY < (3, 10)}


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
                streams.append([tuple(_named(a) for a in event)
                                for event in rec.events()])
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


#: calls whose probes make the instructions after them (far from the
#: stubs, a jump to one takes them): INPLACE_ADD + STORE_FAST, STORE_FAST,
#: POP_TOP (the object's __del__ sees the frame), BINARY_SUBTRACT +
#: STORE_FAST, BINARY_XOR + STORE_FAST, UNARY_NEGATIVE + INPLACE_SUBTRACT
#: + STORE_FAST, GET_ITER (range's call)
LOOP_FORMS = ("total += check(i)", "last = check(i)", "drop(i)",
              "total = total - check(i)", "total = total ^ check(i)",
              "total -= -check(i)", "for z in range(i & 1): pass")
#: check() calls per iteration
CHECKS = 5


def loop_source(name, filler):
    """``name(n, check, drop, ts)``: a loop of n iterations of LOOP_FORMS
    at its start, then ``filler`` lines without calls."""
    src = ["def %s(n, check, drop, ts):" % name, "    total = 0",
           "    last = None", "    for i in range(n):"]
    src += ["        " + form for form in LOOP_FORMS]
    src += ["    total += %d * n" % i for i in range(filler)]
    src.append("    return total, last, ts[1].from_address(ts[0]())[ts[2]]")
    return "\n".join(src) + "\n"


class _Dropped(object):
    """What drop() returns: its __del__ (at the POP_TOP) notes where the
    frame that drops it is."""

    def __init__(self, seen):
        self.seen = seen

    def __del__(self):
        f = sys._getframe(1)
        self.seen.append((f.f_code.co_name, f.f_lasti, f.f_lineno))


def _named(value):
    """A record's item: check and drop of each run's _Calls by name."""
    if isinstance(getattr(value, "__self__", None), _Calls):
        return "calls." + value.__name__
    if isinstance(getattr(value, "__self__", None), _Suppressing):
        return "m." + value.__name__
    if isinstance(value, _Suppressing):
        return "m"
    return value


class _Calls(object):
    """check() and drop(): count the mechanism the calling frame runs on
    (pep669's own accessor), and misbehave when told to."""

    def __init__(self):
        self.mechanisms = []
        self.seen = []
        self.fail_at = None
        self.on_call = None

    def check(self, i):
        if PROBES:
            self.mechanisms[-1][
                pep669._monitoring._frame_mechanism(sys._getframe(1))] += 1
        if self.on_call is not None:
            self.on_call(i, sys._getframe(1).f_code)
        return "x" if i == self.fail_at else i + 1

    def drop(self, i):
        return _Dropped(self.seen)


class LongLoopCallProbesTest(MonitoringTestCase):
    """A loop far from the end of a long function (its calls' stubs out
    of the reach of their own bytes) runs on call probes, each call's
    probe making the instructions after the call: the frame is untraced
    for every call of every run from the second on (counted), and its
    events, results, exceptions and finalizers' views of the frame are a
    traced copy's."""

    #: (RAISE too would install the trampoline for exceptions)
    WANT = E.CALL | E.C_RETURN | E.C_RAISE

    def setUp(self):
        super(LongLoopCallProbesTest, self).setUp()
        if PROBES:
            calibrate_trace_slot()

    def run_both(self, filler, respond=None, plan=None, want=WANT):
        """Runs of func and of a traced copy: (streams, outcomes, calls)
        of each; plan(run, calls) sets calls up before each run."""
        name = "loop_%d" % filler
        funcs = []
        for _ in range(2):
            namespace = {}
            exec(compile(loop_source(name, filler),
                         "<%s>" % name, "exec"), namespace)
            funcs.append(namespace[name])
        func, ref = funcs
        self.use_tool(3)
        monitoring.register_callback(3, E.JUMP, lambda *a: None)
        self.set_local_events(3, ref.__code__, E.JUMP)
        rec = self.recorder(0, want,
                            in_codes(func.__code__, ref.__code__),
                            respond=respond)
        ts = TRACE_SLOT if PROBES else [lambda: 0, _NoSlot, 0]
        results = []
        for f in funcs:
            calls = _Calls()
            streams, outcomes = [], []
            for run in range(5):
                if plan is not None:
                    plan(run, calls)
                rec.clear()
                calls.mechanisms.append(collections.Counter())
                try:
                    out = f(4, calls.check, calls.drop, ts)
                except TypeError as exc:
                    tb = exc.__traceback__.tb_next
                    out = ("raised", str(exc), tb.tb_lasti, tb.tb_lineno)
                streams.append([tuple(_named(a) for a in event)
                                for event in rec.events()])
                outcomes.append(out)
            results.append((streams, outcomes, calls))
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        (s1, o1, c1), (s2, o2, c2) = results
        self.assertEqual(s1, s2)
        self.assertEqual([o[:2] for o in o1], [o[:2] for o in o2])
        self.assertEqual(c1.seen, c2.seen)
        self.assertTrue(c1.seen)
        return func, o1, c1, state

    def check_untraced(self, o1, c1, state):
        if not PROBES:
            return
        self.assertTrue(state["calls"])
        self.assertFalse(state["retired"])
        # every call of check (four iterations) of every run from the
        # second on saw its caller on probes, untraced
        self.assertEqual([dict(c) for c in c1.mechanisms[1:]],
                         [{"call probes": 4 * CHECKS}] * 4)
        self.assertEqual([out[2] for out in o1[1:]], [None] * 4)

    def test_profiler_past_256(self):
        func, o1, c1, state = self.run_both(SHORT)
        self.check_untraced(o1, c1, state)

    @expected_failure_if(CALL_CLIFF[LONG])
    def test_profiler_past_64k(self):
        func, o1, c1, state = self.run_both(LONG)
        self.check_untraced(o1, c1, state)

    def test_exception_in_the_operation_after_the_call(self):
        def plan(run, calls):
            # (run 2: `total += "x"` raises at the INPLACE_ADD)
            calls.fail_at = 2 if run == 2 else None
        func, o1, c1, state = self.run_both(SHORT, plan=plan,
                                            want=self.WANT | E.RAISE)
        self.assertEqual(o1[2][0], "raised")
        if PROBES:
            self.assertTrue(state["calls"])
            self.assertFalse(state["retired"])

    def test_coverage_disables(self):
        # (DISABLE: each site goes back to its call; a site unpatched
        # under its own probe sends the frame back to the instructions)
        func, o1, c1, state = self.run_both(
            SHORT, respond=lambda r: DISABLE if r.event == "CALL" else None)
        if PROBES:
            self.assertEqual([dict(c) for c in c1.mechanisms[2:]],
                             [{"call probes": 4 * CHECKS}] * 3)
            self.assertEqual(state["patched"], 0)

    def test_line_events_arrive_in_a_call(self):
        # (run 3: a call turns LINE on for its caller, which goes on
        # traced from the instruction after the call; run 4: off again)
        self.use_tool(1)
        lines, codes = {}, []   # (by id: the two codes are equal)
        monitoring.register_callback(
            1, E.LINE, lambda c, n: lines[id(c)].append(n)
            if id(c) in lines else None)

        def on_call(i, code):
            if i == 1 and id(code) not in lines:
                lines[id(code)] = []
                codes.append(code)
                self.set_local_events(1, code, E.LINE)

        def plan(run, calls):
            calls.on_call = on_call if run == 3 else None
            for code in codes:
                self.set_local_events(1, code, 0)

        func, o1, c1, state = self.run_both(SHORT, plan=plan)
        self.assertEqual(len(lines), 2)
        first, second = lines.values()
        self.assertEqual(first, second)
        # (from the line after the call that turned it on: the rest of
        # that iteration, two more, the loop's end, the filler, return)
        body = 4 + len(LOOP_FORMS)
        self.assertEqual(first[:2], [6, 7])
        self.assertEqual(first[-SHORT - 1:],
                         list(range(body + 1, body + SHORT + 2)))
        if PROBES:
            self.assertEqual(dict(c1.mechanisms[4]),
                             {"call probes": 4 * CHECKS})

#: (3.8-3.10: a branch to the first 256 bytes, units on 3.10, has an
#: absolute jump without prefix there, whose stub is out of its reach: such
#: code runs traced, docs/differences.md; 3.11's wide sites take any)
FAR_FROM = 0 if PY >= (3, 11) else 60


def far_blocks(lines, every):
    return len([i for i in range(lines)
                if i % every == every // 2 and i >= FAR_FROM])


def with_source(name, lines):
    """``name(x, ts, m)``: two ``with m:`` blocks at the start (the second
    raises for x < 0, which m's __exit__ suppresses), then ``lines``
    lines without calls: 3.8's WITH_CLEANUP_START, far from its stub, has
    a call probe whose jump takes the WITH_CLEANUP_FINISH after it."""
    src = ["def %s(x, ts, m):" % name, "    total = 0",
           "    with m:", "        total += x",
           "    with m:", "        if x < 0:", "            raise ValueError",
           "        total -= x"]
    src += ["    total += x * %d" % i for i in range(lines)]
    src.append("    return total, ts[1].from_address(ts[0]())[ts[2]]")
    return "\n".join(src) + "\n"


class _Suppressing(object):
    """A context manager whose __exit__ suppresses ValueError and notes
    where its caller's frame is."""

    def __init__(self):
        self.seen = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        f = sys._getframe(1)
        self.seen.append((exc[0], f.f_lasti, f.f_lineno))
        return exc[0] is ValueError


class FarWithExitTest(MonitoringTestCase):
    """A `with` block at the start of a long function under a profiler
    (CALL, C_RETURN): 3.8's WITH_CLEANUP_START, whose stub is beyond a
    one-unit jump, is on its call probe all the same (session 12, before
    traced), its events, results and __exit__'s view of the frame those
    of a copy kept traced (natively on 3.12/3.13)."""

    def setUp(self):
        super(FarWithExitTest, self).setUp()
        if PROBES:
            calibrate_trace_slot()

    def check(self, lines):
        name = "with_%d" % lines
        funcs = []
        for _ in range(2):
            namespace = {}
            exec(compile(with_source(name, lines), "<%s>" % name, "exec"),
                 namespace)
            funcs.append(namespace[name])
        func, ref = funcs
        self.use_tool(3)
        monitoring.register_callback(3, E.JUMP, lambda *a: None)
        self.set_local_events(3, ref.__code__, E.JUMP)
        rec = self.recorder(0, E.CALL | E.C_RETURN | E.C_RAISE,
                            in_codes(func.__code__, ref.__code__))
        ts = TRACE_SLOT if PROBES else [lambda: 0, _NoSlot, 0]
        results = []
        for f in funcs:
            m = _Suppressing()
            streams, outcomes = [], []
            for x in (1, 1, 1, -1, 1, -1):
                rec.clear()
                outcomes.append(f(x, ts, m))
                streams.append([tuple(_named(a) for a in event)
                                for event in rec.events()])
            results.append((streams, outcomes, m.seen))
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        (s1, o1, m1), (s2, o2, m2) = results
        self.assertEqual(s1, s2)
        self.assertEqual([o[0] for o in o1], [o[0] for o in o2])
        self.assertEqual(m1, m2)
        self.assertEqual(len(m1), 12)
        if PROBES:
            self.assertEqual([o[1] is not None for o in o1[1:]],
                             [False] * 5, state)

    def test_with_exit_past_256(self):
        self.check(SHORT)

    def test_with_exit_past_4k(self):
        self.check(600)


def taken_source(name, lines, every):
    """``name(x, ts, c)``: ``lines`` lines adding to a total, and every
    ``every`` lines four ``if``s whose bodies run for x = 1 and c true
    (``c is not None``, ``c``),
    so that their taken edges (to the line after each body, which the
    body's end falls into too) are still wanted after the first runs: the
    bodies start with a LOAD_FAST, a LOAD_CONST, a NOP (3.8/3.9: none, so
    no edge) and (``u``, unbound for x = 7) a LOAD_FAST again.  On 3.11
    those jumps have no prefix and their stubs lie past their reach
    (issue 15)."""
    src = ["def %s(x, ts, c):" % name, "    total = 0", "    u = 1",
           "    if x == 7:", "        del u; total = 1"]
    for i in range(lines):
        if i % every == every // 2 and i >= FAR_FROM:
            src += ["    if x >= 0:", "        total += x",
                    "    if x != 5:", "        y = 1",
                    "    if c is not None:", "        pass",
                    "    if c:", "        u"]
        src.append("    total += x * %d" % i)
    src.append("    return total, ts[1].from_address(ts[0]())[ts[2]]")
    return "\n".join(src) + "\n"


class _Truth(object):
    """A condition whose __bool__ notes where its caller's frame is, and
    raises when told to."""

    def __init__(self, seen, fail=False):
        self.seen = seen
        self.fail = fail

    def __bool__(self):
        f = sys._getframe(1)
        self.seen.append((f.f_code.co_name, f.f_lasti, f.f_lineno))
        if self.fail:
            raise ValueError("no truth")
        return True


class FarTakenEdgeTest(MonitoringTestCase):
    """Branch coverage (DISABLE) of a long function whose branches' taken
    edges stay wanted (never taken) and whose jumps cannot reach their
    stubs unprefixed (3.11's relative jumps, issue 14 target 5 / issue
    15): from the second run on the frame runs on probes, untraced (3.11:
    wide sites, whose probe makes the branch's test), and every run's
    events, results, exceptions (tb_lasti, tb_lineno) and the frame seen
    from a condition's __bool__ are those of a copy kept traced (natively
    on 3.12/3.13)."""

    def setUp(self):
        super(FarTakenEdgeTest, self).setUp()
        if PROBES:
            calibrate_trace_slot()

    def run_both(self, lines, plan):
        name = "far_%d" % lines
        funcs = []
        for _ in range(2):
            namespace = {}
            exec(compile(taken_source(name, lines, 40), "<%s>" % name,
                         "exec"), namespace)
            funcs.append(namespace[name])
        func, ref = funcs
        self.use_tool(3)
        monitoring.register_callback(3, E.JUMP, lambda *a: None)
        self.set_local_events(3, ref.__code__, E.JUMP)
        rec = self.recorder(0, E.LINE | SIDES,
                            in_codes(func.__code__, ref.__code__),
                            respond=lambda r: DISABLE)
        ts = TRACE_SLOT if PROBES else [lambda: 0, _NoSlot, 0]
        results = []
        for f in funcs:
            streams, outcomes, seen = [], [], []
            for run, (x, c) in enumerate(plan(seen)):
                if PROBES and run == 3 and f is func:
                    # (the taken edges, all still wanted, on probes)
                    early = probe_state(func)
                rec.clear()
                try:
                    out = f(x, ts, c)
                except (ValueError, UnboundLocalError) as exc:
                    tb = exc.__traceback__.tb_next
                    out = ("raised", str(exc), tb.tb_lasti, tb.tb_lineno,
                           tb.tb_frame.f_code is f.__code__, None)
                streams.append([tuple(_named(a) for a in event)
                                for event in rec.events()])
                outcomes.append(out)
            results.append((streams, outcomes, seen))
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        (s1, o1, c1), (s2, o2, c2) = results
        self.assertEqual(s1, s2)
        self.assertEqual([o[:-1] for o in o1], [o[:-1] for o in o2])
        self.assertEqual(c1, c2)
        if PROBES:
            self.assertTrue(early["clone"])
            self.assertFalse(early["retired"])
            self.assertEqual(early["branch_patched"],
                             (4 if PY >= (3, 10) else 3) *
                             far_blocks(lines, 40) + 1)
        return s1, o1, c1, state

    def check(self, lines):
        def plan(seen):
            return [(1, True), (1, True), (1, _Truth(seen)), (-1, True),
                    (1, True), (5, True), (1, True), (1, None),
                    (1, _Truth(seen, fail=True)), (7, True), (1, True)]
        streams, outcomes, seen, state = self.run_both(lines, plan)
        # the taken edges left fire as they are taken, once each
        self.assertEqual(streams[1:3], [[], []])
        taken = [len(s) for s in streams[3:8]]
        self.assertEqual(taken, [0 if n == 0 else n for n in taken])
        self.assertTrue(all(taken[i] > 0 for i in (0, 2, 4)), taken)
        self.assertEqual([o[0] for o in outcomes[8:10]],
                         ["raised", "raised"])
        self.assertIn("u", outcomes[9][1])
        self.assertTrue(outcomes[8][4] and outcomes[9][4])
        self.assertEqual(len(seen), far_blocks(lines, 40) + 1)
        if PROBES:
            traced = [o[-1] is not None for o in outcomes
                      if o[0] != "raised"]
            self.assertEqual(traced, [True] + [False] * (len(traced) - 1))

    def test_far_taken_edges_past_256(self):
        self.check(400)

    #: (3.8/3.9: `y = 1` before a jump target past 64 KiB, see CALL_CLIFF)
    @expected_failure_if(CALL_CLIFF[LONG])
    def test_far_taken_edges_past_64k(self):
        self.check(LONG)


if __name__ == "__main__":
    unittest.main()
