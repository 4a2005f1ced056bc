"""Branch coverage: LINE and the branch events with DISABLE, over several
runs of the same code.

On 3.8-3.10 the engine runs frames of code whose branch edges are not all
DISABLEd on "branch probes" (docs/differences.md, "Cost"): the edges still
wanted jump to stubs that fire BRANCH / BRANCH_LEFT / BRANCH_RIGHT, the
frame itself untraced.  Every stream here must be exactly the one of code
traced all along, run by run: the first run (traced), and the later ones
(on probes).  The expectation comes from TraceOracle (the interpreter's own
legacy opcode trace with PEP 669's rules on top, tests/test_line_events.py)
with the DISABLE rule applied: a location (LINE: the instruction; a branch
event: the branch instruction and the event) reports once, the first time.
On 3.12/3.13 the same tests run natively with BRANCH (which has no sides
there): the expectations are CPython's.

Where the frame's position matters (``f_lineno`` seen from a callback), a second copy of the same code, kept traced all along by
another tool's INSTRUCTION events (which probes do not cover), is the
reference.
"""

import dis
import sys
import unittest

from tests.support import (PY, MonitoringTestCase, events, in_codes,
                           monitoring)
from tests.test_line_events import (TRACE_SLOT, TraceOracle,
                                    calibrate_trace_slot, nested_codes)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
HAS_SIDES = hasattr(E, "BRANCH_LEFT")
#: the branch events of branch coverage: 3.14's pair where there is one
SIDES = (E.BRANCH_LEFT | E.BRANCH_RIGHT) if HAS_SIDES else E.BRANCH
BRANCH_COVERAGE = E.LINE | SIDES
PROBES = not pep669.NATIVE and PY < (3, 12)


SOURCE = '''
def branchy(x, items):
    y = 0
    if x < 0:
        y = 1
    for i in items:
        if i:
            y += i
    z = x and y
    while x > 0:
        x -= 1
    return y + (1 if z else 0)


def shortcuts(a, b, c):
    r = a or b
    s = a and b and c
    if a < b < c:
        r = -r
    t = [v for v in (a, b, c) if v]
    return r, s, len(t)


def handlers(x):
    try:
        r = 10 // x
    except ZeroDivisionError:
        r = -1
    except TypeError:
        r = -2
    if r > 3:
        r = 3
    return r


def after_handler(x, flag):
    try:
        r = 10 // x
    except ZeroDivisionError:
        r = -1
    if flag:
        r += 1
    return r


def gen(n):
    for i in range(n):
        if i % 2:
            yield i
        else:
            yield -i
    if n > 10:
        yield None


def drive(n):
    total = 0
    for v in gen(n):
        if v is None:
            break
        total += v
    return total


def not_bool(x):
    if x:
        return 1
    return 0


def long_branchy(x):
    total = 0
    if x < 0:
        total = -1
''' + "".join("    total += x * %d\n" % i for i in range(100)) + '''
    if x > 100:
        total = 0
    if x == 7:
        total = 7
    return total


def long_guard(x):
    total = 0
    if x < 0:
        return -1
''' + "".join("    total += x * %d\n" % i for i in range(100)) + '''
    if x > 100:
        return 0
    if x == 7:
        raise ValueError(x)
    return total


def loop_head(x):
    while True:
        x -= 1
''' + "".join("        x += %d\n" % (i % 2 * 2 - 1) for i in range(100)) + '''
        if x <= 0:
            break
    return x


def while_loops(x, n):
    total = 0
    while x > n:
        x -= 1
        total += 1
    while n > 0:
        n -= 1
        if n == 3:
            break
        total += n
    return total


def while_continue(x, n):
    total = 0
    while x < n:
        x += 1
        if x % 3 == 0:
            continue
        total += x
    else:
        total = -total
    return total


def while_in_try(x, n):
    total = 0
    try:
        while x > n:
            x -= 1
            total += 10 // x
    except ZeroDivisionError:
        total = -1
    return total


def while_gen(x, n):
    while x > n:
        x -= 1
        yield x
    yield n


def drive_while_gen(x, n):
    return list(while_gen(x, n))


def while_state(x, n, ts):
    while x > n:
        x -= 1
    return x, ts[1].from_address(ts[0]())[ts[2]]


def while_loop(x, n):
    while x > n:
        x -= 1
    return x


def while_rows(rows):
    total = 0
    for r in rows:
        i = 0
        while i < r:
            i += 1
        total += i
    return total
'''


def load():
    """A fresh copy of the monitored functions (code objects of their own)."""
    namespace = {}
    exec(compile(SOURCE, __file__ + "-branchy", "exec"), namespace)
    return namespace


class Truth(object):
    """A condition whose truth runs Python code (and may raise)."""

    def __init__(self, value):
        self.value = value

    def __bool__(self):
        if self.value is None:
            raise ValueError("no truth")
        self.line = sys._getframe(1).f_lineno
        return bool(self.value)


def catching(func, *args):
    try:
        return func(*args)
    except Exception as e:
        return type(e)


def oracle_run(func, args, codes, want):
    """One run's records ``(key, event)``: the oracle's events for ``want``
    (LINE, branch events), each with the key DISABLE acts on."""
    stream = TraceOracle(catching, (func,) + tuple(args), codes,
                         want | E.INSTRUCTION).events()
    out = []
    for i, event in enumerate(stream):
        if event[0] == 'INSTRUCTION':
            continue
        if event[0] == 'LINE':
            nxt = stream[i + 1]
            assert nxt[0] == 'INSTRUCTION' and nxt[1] == event[1], nxt
            key = ('LINE', event[1], nxt[2])
        else:
            key = event[:3]
        if want & getattr(E, event[0]):
            out.append((key, event))
    return out


def expected_runs(runs, codes, want, keep=(), restart_at=None,
                  restart_lines=False, in_flight=None):
    """Per run, what a tool that DISABLEs every event it gets (but those
    whose key is in ``keep``) records.  ``restart_at``: (run, n): the
    callback of the n-th branch event (or event, ``restart_lines``) that
    run reports calls restart_events(): every location is wanted again
    but that edge (or line), whose DISABLE, returned after the restart,
    counts (3.14 disables a location when its callback returns, in the
    code the restart re-armed; 3.12/3.13 do so for BRANCH and LINE).
    ``in_flight(restart_event, event, seen)``: whether ``event``, after the
    restart (``seen``: the keys DISABLEd before it), is the edge of a branch a caller was suspended in at the
    restart (a ``for`` loop's FOR_ITER running the generator whose
    callback restarted): if DISABLEd before the restart, that pass gives
    no event (natively the instruction was already running uninstrumented;
    the restart re-arms it for its next pass)."""
    seen, out = set(), []
    flight = None
    for i, (func, args) in enumerate(runs):
        one, n = [], 0
        for key, event in oracle_run(func, args, codes, want):
            if flight is not None and event[0] != 'LINE' and \
                    in_flight(flight[0], event, flight[1]):
                if key in flight[1]:
                    flight = None
                    continue
                flight = None
            if key in seen and key not in keep:
                continue
            seen.add(key)
            one.append(event)
            if restart_lines or event[0] != 'LINE':
                n += 1
                if (i, n) == restart_at:
                    if in_flight is not None:
                        flight = (event, set(seen))
                    seen.clear()
                    seen.add(key)
        out.append(one)
    return out


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


class BranchProbeTestCase(MonitoringTestCase):

    @staticmethod
    def load():
        """A fresh copy of the monitored functions."""
        return load()

    def covering(self, codes, tool=0, want=BRANCH_COVERAGE, disable=True,
                 **kwargs):
        respond = kwargs.pop("respond", (lambda r: DISABLE) if disable
                             else None)
        return self.recorder(tool, want, in_codes(*codes), respond=respond,
                             **kwargs)

    @staticmethod
    def positions(rec):
        return [(r.event, r.code.co_name) + tuple(r.args) +
                (r.lineno,) for r in rec.records]

    def per_run(self, rec, runs):
        """Run ``runs``; each run's records, and results."""
        streams, results = [], []
        for i, (func, args) in enumerate(runs):
            self.where = [i, 0]
            rec.clear()
            results.append(catching(func, *args))
            self.assertEqual(rec.frame_errors, [])
            streams.append((rec.events(), self.positions(rec)))
        return streams, results

    def check(self, names, runs, want=BRANCH_COVERAGE, results=None,
              nested=False, raise_at=None, act_at=None, restart_at=None,
              restart_lines=False, in_flight=None, ref_in_flight=None):
        """``runs``: pairs (function name, args).  The streams per run are
        the oracle's, and the frame positions seen from the callbacks those
        of a copy of the code kept traced all along.  ``raise_at``: (run,
        n): the n-th branch event of that run raises KeyError in its
        callback (the streams are then only compared with the copy's).
        ``restart_at``: (run, n): that callback calls restart_events()
        (in the copy's runs too); ``restart_lines``, ``in_flight``: see
        expected_runs (``ref_in_flight``: the copy's, if not the same)."""
        ns, ref = self.load(), self.load()

        def respond(r):
            if restart_lines and r.event == 'LINE':
                self.where[1] += 1
                if tuple(self.where) == restart_at:
                    monitoring.restart_events()
            elif r.event != 'LINE':
                self.where[1] += 1
                if tuple(self.where) == raise_at:
                    raise KeyError(r.event)
                if tuple(self.where) == restart_at:
                    monitoring.restart_events()
                if act_at is not None and tuple(self.where) == act_at[:2]:
                    act_at[2](r.code)
            return DISABLE

        def bind(namespace):
            codes = []
            for name in names:
                code = namespace[name].__code__
                codes.extend(nested_codes(code) if nested else [code])
            return codes, [(namespace[f], a) for f, a in runs]
        codes, bound = bind(ns)
        ref_codes, ref_bound = bind(ref)
        expected = expected_runs(bound, codes, want, restart_at=restart_at,
                                 restart_lines=restart_lines,
                                 in_flight=in_flight)
        ref_expected = expected if ref_in_flight is None else expected_runs(
            bound, codes, want, restart_at=restart_at,
            restart_lines=restart_lines, in_flight=ref_in_flight)
        # the reference: traced all along (another tool's INSTRUCTION
        # events, never disabled, keep its frames traced)
        self.use_tool(3)
        monitoring.register_callback(3, E.INSTRUCTION, lambda *a: None)
        for code in ref_codes:
            self.set_local_events(3, code, E.INSTRUCTION)
        rec = self.covering(codes + ref_codes, want=want, respond=respond)
        got, got_results = self.per_run(rec, bound)
        ref_got, ref_results = self.per_run(rec, ref_bound)
        self.stop()
        if raise_at is None:
            self.assertEqual([g[0] for g in got], expected)
            self.assertEqual([g[0] for g in ref_got], ref_expected)
        else:
            self.assertEqual(got_results.count(KeyError), 1)
        if ref_expected == expected:
            self.assertEqual([g[1] for g in got], [g[1] for g in ref_got])
        self.assertEqual(got_results, ref_results)
        if results is not None:
            self.assertEqual(got_results, results)
        return ns, got


class StreamTest(BranchProbeTestCase):

    def test_streams_whichever_way_comes_first(self):
        # A while loop's exit is reached by the bottom test's fall-through
        # and by the top test's jump (3.10/3.11).  Since session 16 the
        # fall-through's edge is probed there, the jump's site marking its
        # own way in; if that way comes first while the edge is wanted,
        # the clone is retired there (the next one has a guard).
        for runs in ([(4, 2), (1, 5), (3, 2), (1, 5)],
                     [(1, 5), (4, 2), (1, 5), (3, 2)],
                     [(2, 2), (3, 2), (3, 2)]):
            self.check(["while_loop"],
                       [("while_loop", args) for args in runs])
            self._release_tool(0)
            self._release_tool(3)
        # (both ways in one run, in either order)
        for runs in ([([2, 0, 1],), ([0],), ([3, 0],)],
                     [([0, 2],), ([1, 0],), ([2],)],
                     [([0, 0],), ([1, 1],)]):
            self.check(["while_rows"],
                       [("while_rows", args) for args in runs])
            self._release_tool(0)
            self._release_tool(3)

    def test_if_for_and_while(self):
        ns, got = self.check(
            ["branchy"],
            [("branchy", (1, [1])), ("branchy", (2, [0, 1])),
             ("branchy", (-1, [])), ("branchy", (3, [1])),
             ("branchy", (-2, [0])), ("branchy", (0, [])),
             ("branchy", (0, [])), ("branchy", (5, [2, 0]))],
            results=[2, 2, 2, 2, 2, 0, 0, 3])
        # later runs report nothing new: they ran on probes
        self.assertEqual(got[-1][0], [])
        if PROBES:
            self.assertTrue(probe_state(ns["branchy"])["clone"])

    def test_edges_left_wanted_after_warm_up(self):
        ns, got = self.check(
            ["branchy"],
            [("branchy", (1, [1])), ("branchy", (1, [1])),
             ("branchy", (1, [1])), ("branchy", (-1, [0])),
             ("branchy", (1, [1])), ("branchy", (0, []))])
        self.assertTrue(got[3][0])
        if PROBES:
            state = probe_state(ns["branchy"])
            self.assertTrue(state["clone"])
            self.assertFalse(state["retired"])
            self.assertGreater(state["branch_sites"], 0)

    def test_short_circuits_and_comprehension(self):
        self.check(
            ["shortcuts"],
            [("shortcuts", (0, 1, 2)), ("shortcuts", (0, 1, 2)),
             ("shortcuts", (1, 2, 3)), ("shortcuts", (1, 0, 3)),
             ("shortcuts", (3, 2, 1)), ("shortcuts", (1, 2, 0)),
             ("shortcuts", (0, 0, 0))],
            nested=True)

    def test_exception_handlers(self):
        self.check(
            ["handlers"],
            [("handlers", (5,)), ("handlers", (5,)), ("handlers", (0,)),
             ("handlers", (1,)), ("handlers", ("x",)), ("handlers", (0,)),
             ("handlers", (2,))],
            results=[2, 2, -1, 3, -2, -1, 3])

    def test_branch_after_a_handler(self):
        # the frame on probes handles an exception (its handler's lines
        # are wanted): it goes on traced, through a branch whose taken
        # edge is still probed
        self.check(
            ["after_handler"],
            [("after_handler", (1, True)), ("after_handler", (2, True)),
             ("after_handler", (0, False)), ("after_handler", (0, True)),
             ("after_handler", (5, False))],
            results=[11, 6, -1, 0, 2])

    def test_generator_and_its_consumer(self):
        self.check(
            ["drive", "gen"],
            [("drive", (2,)), ("drive", (2,)), ("drive", (5,)),
             ("drive", (12,)), ("drive", (1,)), ("drive", (12,))])

    def test_condition_runs_python_code(self):
        # __bool__ sees the frame at the branch, on probes as traced
        truths = [Truth(1), Truth(1), Truth(0), Truth(1), Truth(0)]
        self.check(["not_bool"], [("not_bool", (t,)) for t in truths],
                   results=[1, 1, 0, 1, 0])
        lines = set(t.line for t in truths)
        self.assertEqual(len(lines), 1)

    def test_condition_raises(self):
        self.check(
            ["not_bool"],
            [("not_bool", (1,)), ("not_bool", (Truth(None),)),
             ("not_bool", (1,)), ("not_bool", (Truth(None),)),
             ("not_bool", (0,)), ("not_bool", (Truth(None),))],
            results=[1, ValueError, 1, ValueError, 0, ValueError])

    def test_long_function(self):
        total = sum(range(100))
        self.check(
            ["long_branchy"],
            [("long_branchy", (1,)), ("long_branchy", (2,)),
             ("long_branchy", (200,)), ("long_branchy", (-1,)),
             ("long_branchy", (7,)), ("long_branchy", (3,))],
            results=[total, 2 * total, 0, -1 - total, 7, 3 * total])

    def test_long_function_taken_edge_left(self):
        # The jump of `if x < 0` (near the start of a long function) cannot
        # reach a stub after the code without a prefix (3.8/3.9: 256
        # bytes, 3.10: 512): its taken edge, wanted after warm-up, is
        # probed at its destination, which nothing else leads to.
        total = sum(range(100))
        ns, got = self.check(
            ["long_guard"],
            [("long_guard", (-1,)), ("long_guard", (-2,)),
             ("long_guard", (-3,)), ("long_guard", (1,)),
             ("long_guard", (200,)), ("long_guard", (7,)),
             ("long_guard", (3,)), ("long_guard", (-4,))],
            results=[-1, -1, -1, total, 0, ValueError, 3 * total, -1])
        if PROBES:
            code = ns["long_guard"].__code__
            self.assertGreater(len(code.co_code), 512)
        self.assertEqual(got[2][0], [])

    def test_long_loop_back_to_the_start(self):
        # `continue` back to the function's first instruction, in a long
        # function: the frame's start also arrives there
        self.check(
            ["loop_head"],
            [("loop_head", (1,)), ("loop_head", (1,)), ("loop_head", (0,)),
             ("loop_head", (1,)), ("loop_head", (3,)), ("loop_head", (1,))],
            results=[0, 0, -1, 0, 0, 0])

    def test_long_function_on_probes(self):
        ns = load()
        func = ns["long_guard"]
        rec = self.covering([func.__code__])
        func(-1)
        func(-2)
        state = probe_state(func) if PROBES else None
        rec.clear()
        self.assertEqual(func(5), 5 * sum(range(100)))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertTrue(rec.events())
        if PROBES:
            self.assertTrue(state["clone"])
            self.assertFalse(state["retired"])
            self.assertGreater(state["branch_sites"], 0)

    def test_while_loops(self):
        # 3.10/3.11 copy a while loop's test to its bottom: the loop's
        # entry and its exit after an iteration are fall-throughs to
        # destinations that other jumps reach too
        self.check(
            ["while_loops"],
            [("while_loops", (1, 5)), ("while_loops", (1, 0)),
             ("while_loops", (2, 0)), ("while_loops", (4, 1)),
             ("while_loops", (1, 0)), ("while_loops", (1, 3)),
             ("while_loops", (1, 9)), ("while_loops", (5, 2)),
             ("while_loops", (0, 2))],
            results=[4, 1, 2, 3, 1, 3, 30, 4, 1])

    def test_while_entered_late(self):
        # the loops run for the first time after warm-up
        self.check(
            ["while_loops"],
            [("while_loops", (1, 0)), ("while_loops", (1, 0)),
             ("while_loops", (1, 0)), ("while_loops", (3, 0)),
             ("while_loops", (1, 0)), ("while_loops", (1, 2)),
             ("while_loops", (1, 2)), ("while_loops", (1, 5)),
             ("while_loops", (1, 2)), ("while_loops", (5, 1))],
            results=[1, 1, 1, 3, 1, 1, 1, 4, 1, 4])

    def test_while_continue_and_else(self):
        self.check(
            ["while_continue"],
            [("while_continue", (5, 1)), ("while_continue", (5, 1)),
             ("while_continue", (0, 2)), ("while_continue", (5, 1)),
             ("while_continue", (0, 7)), ("while_continue", (2, 4))],
            results=[0, 0, -3, 0, -19, -4])

    def test_while_in_try(self):
        self.check(
            ["while_in_try"],
            [("while_in_try", (0, 1)), ("while_in_try", (0, 1)),
             ("while_in_try", (0, 1)), ("while_in_try", (3, 0)),
             ("while_in_try", (0, 1)), ("while_in_try", (4, 2)),
             ("while_in_try", (3, 0))],
            results=[0, 0, 0, -1, 0, 8, -1])

    def test_while_in_a_generator(self):
        self.check(
            ["drive_while_gen", "while_gen"],
            [("drive_while_gen", (0, 1)), ("drive_while_gen", (0, 1)),
             ("drive_while_gen", (0, 1)), ("drive_while_gen", (2, 0)),
             ("drive_while_gen", (0, 1)), ("drive_while_gen", (3, 2))],
            results=[[1], [1], [1], [1, 0, 0], [1], [2, 2]])

    def test_branches_only(self):
        self.check(
            ["branchy"],
            [("branchy", (1, [1])), ("branchy", (1, [1])),
             ("branchy", (-1, [0])), ("branchy", (0, [])),
             ("branchy", (2, [3]))],
            want=SIDES)

    @unittest.skipUnless(HAS_SIDES, "3.14's events")
    def test_legacy_branch_with_sides(self):
        self.check(
            ["branchy"],
            [("branchy", (1, [1])), ("branchy", (1, [1])),
             ("branchy", (-1, [0])), ("branchy", (0, [])),
             ("branchy", (2, [3]))],
            want=E.LINE | E.BRANCH | E.BRANCH_LEFT | E.BRANCH_RIGHT)

    @unittest.skipUnless(HAS_SIDES, "3.14's events")
    def test_one_side_only(self):
        for side in (E.BRANCH_LEFT, E.BRANCH_RIGHT):
            self.check(
                ["branchy"],
                [("branchy", (1, [1])), ("branchy", (1, [1])),
                 ("branchy", (-1, [0])), ("branchy", (0, [])),
                 ("branchy", (-1, [0]))],
                want=E.LINE | side)
            self._release_tool(0)
            self._release_tool(3)


class RestartInBranchTest(BranchProbeTestCase):
    """restart_events() called by a branch callback: everything DISABLEd is
    wanted again from there on, the arrival under way included: on probes
    (3.8-3.11) a site on the jump fires the edge, and the destination's
    LINE, whose own site had been unpatched at its DISABLE, comes all the
    same (the frame goes on traced from the jump)."""

    def test_restart_at_the_jump_into_a_while_body(self):
        # 3.10/3.11: the third branch event is the bottom test's jump back
        # into the loop's body, whose line was DISABLEd in the first
        # iteration (its site unpatched): LINE of the body at once
        self.check(["while_rows"], [("while_rows", ([2, 0, 1],))],
                   restart_at=(0, 3))

    def test_restart_at_the_jump_to_a_while_exit(self):
        # run 1 skips the loop: the top test's jump to the loop's exit
        # (a via site since session 16), whose line run 0 DISABLEd
        self.check(["while_loop"],
                   [("while_loop", args)
                    for args in [(4, 2), (1, 5), (3, 2), (1, 5)]],
                   restart_at=(1, 1))

    def test_restart_at_every_branch_event(self):
        for name, runs in (
                ("while_loop", [(4, 2), (1, 5), (3, 2), (1, 5)]),
                ("while_rows", [([2, 0, 1],), ([0],), ([3, 0],)]),
                ("while_loops", [(1, 5), (1, 0), (4, 1), (1, 3), (5, 2)]),
                ("while_continue", [(5, 1), (0, 2), (0, 7), (2, 4)])):
            self.check_restart_everywhere(name, runs)

    def check_restart_everywhere(self, name, runs, names=None, skip=(),
                                 **kwargs):
        """``check`` with a restart at each branch event (or event:
        ``restart_lines``) of each run of ``name`` (arguments ``runs``;
        the code of ``names`` monitored, default ``name``'s), one at a
        time."""
        ns = self.load()
        names = names or [name]
        lines = kwargs.get("restart_lines", False)
        counts = [len([e for e in run if lines or e[0] != 'LINE'])
                  for run in expected_runs(
                      [(ns[name], a) for a in runs],
                      [ns[n].__code__ for n in names], BRANCH_COVERAGE)]
        for i, count in enumerate(counts):
            for n in range(1, count + 1):
                if (i, n) in skip:
                    continue
                with self.subTest(name=name, restart_at=(i, n)):
                    self.check(names, [(name, a) for a in runs],
                               restart_at=(i, n), **kwargs)
                self._release_tool(0)
                self._release_tool(3)

    def test_restart_in_a_generator_under_its_consumer(self):
        # drive's `for` runs gen: a restart in gen's callbacks finds drive
        # suspended in its FOR_ITER.  3.10/3.11 (session 18): drive ran
        # the FOR_ITER on probes (or traced without opcode events there),
        # and the restart took the probe of the edge's destination away:
        # the edge was lost, reported a pass later.  Natively the
        # instruction, re-armed by the restart, reports it when the call
        # returns; but one DISABLEd before the restart was already running
        # uninstrumented: that pass reports nothing (in_flight), on
        # 3.12/3.13 as here.
        for_iter = [i.offset for i in dis.get_instructions(
            self.load()["drive"]) if i.opname == "FOR_ITER"]

        def in_flight(at, event, seen):
            return (at[1] == "gen" and event[1] == "drive" and
                    event[2] in for_iter)

        def native_ref(at, event, seen):
            # pep669._native (docs/differences.md): in code another tool
            # traces with INSTRUCTION, the edge whose other side still
            # waits is reported all the same
            other = {"BRANCH_LEFT": "BRANCH_RIGHT",
                     "BRANCH_RIGHT": "BRANCH_LEFT"}.get(event[0])
            return (in_flight(at, event, seen) and
                    (other, event[1], event[2]) in seen)
        self.check_restart_everywhere(
            "drive", [(2,), (5,), (12,), (1,)], names=["drive", "gen"],
            restart_lines=True, in_flight=in_flight,
            ref_in_flight=native_ref if pep669.NATIVE else None)
        # (3.8/3.9, session 19: a restart at gen's last branch event, the
        # jump to its implicit return in the middle of its last line (53),
        # gave gen a LINE 53: the frame went on traced from the jump's
        # site, and the interpreter reported the stub's jump back as a
        # backward jump's line; legacy tracing has none there, the frame
        # traced all along none either)

    def test_restart_at_every_branch_event_of_ifs_and_fors(self):
        # 3.12/3.13 (session 17): an edge reported from its destination
        # (pep669._native's waiting edges) whose callback restarted lost
        # its seen bit with the restart while its destination's
        # INSTRUCTION was disabled: the next time it waited there it was
        # never reported (shortcuts: the comprehension's `if v` and the
        # loop's exit).  3.8-3.11 (session 18): handlers' run 1 goes on
        # traced from its handler, still on its clone; a restart at the
        # jump to `return r` (its line DISABLEd in run 0) took the
        # destination's line for the last one there, its LINE came a run
        # later
        for name, runs in (
                ("shortcuts", [(1, 2, 3), (0, 2, 3), (3, 2, 1), (1, 0, 0)]),
                ("branchy", [(1, [1]), (1, [1]), (-1, [0]), (1, [1]),
                             (0, []), (2, [3])]),
                ("drive", [(3,), (12,), (0,)]),
                ("handlers", [(1,), (0,), ("x",), (5,)])):
            self.check_restart_everywhere(name, runs)


@unittest.skipUnless(PROBES, "the backport's branch probes (3.8-3.11)")
class WhileStateTest(BranchProbeTestCase):
    """The frames really run on probes: a while loop never entered after
    warm-up leaves its frames untraced (3.10/3.11 copy the loop's test to
    its bottom: its entry is a fall-through to a destination the bottom
    test's jump reaches too, probed there as the way that always arrives
    first; its exit after an iteration is guarded: a frame that enters the
    loop goes on traced from the bottom test)."""

    def setUp(self):
        super(WhileStateTest, self).setUp()
        calibrate_trace_slot()

    def test_untraced_until_the_loop_runs(self):
        ns = load()
        func = ns["while_state"]
        rec = self.covering([func.__code__])
        ts = TRACE_SLOT
        first = [func(1, 5, ts) for _ in range(4)]
        state = probe_state(func)
        entered = func(4, 2, ts)
        after = [func(1, 5, ts) for _ in range(3)]
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # (the first run may be traced)
        self.assertEqual([r[1] for r in first[1:]], [None] * 3)
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])
        # (3.10/3.11: the bottom test's exit is guarded)
        self.assertEqual(state["guards"], int(PY >= (3, 10)))
        # the run that enters the loop goes on traced from the bottom
        # test (3.10/3.11) or runs on probes (3.8/3.9: no copied test)
        self.assertEqual(entered[0], 2)
        # and the next runs are untraced again (every edge has run)
        self.assertEqual([r[1] for r in after], [None] * 3)

    def test_first_run_through_the_loop(self):
        # The first run enters the loop and leaves it by the bottom test
        # (3.10/3.11), whose fall-through arrives where the top test's
        # jump goes too: probed there, the jump's site marking its own
        # way in (session 16; a guard before, which retired the clone at
        # the bottom test: the rest of the run traced).
        ns = load()
        func = ns["while_state"]
        rec = self.covering([func.__code__])
        ts = TRACE_SLOT
        first = func(4, 2, ts)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(first, (2, None))
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])
        self.assertEqual(state["guards"], 0)


class ToolsTest(BranchProbeTestCase):

    RUNS = [("branchy", (1, [1])), ("branchy", (1, [1])),
            ("branchy", (-1, [0])), ("branchy", (1, [1])),
            ("branchy", (0, [])), ("branchy", (2, [3]))]

    def test_tool_that_does_not_disable(self):
        ns = load()
        code = ns["branchy"].__code__
        bound = [(ns[f], a) for f, a in self.RUNS]
        covering = self.covering([code], tool=0)
        counting = self.covering([code], tool=1, disable=False)
        streams0, streams1 = [], []
        for func, args in bound:
            covering.clear()
            counting.clear()
            func(*args)
            streams0.append(covering.events())
            streams1.append(counting.events())
        self.stop()
        self.assertEqual(covering.frame_errors + counting.frame_errors, [])
        self.assertEqual(streams0,
                         expected_runs(bound, [code], BRANCH_COVERAGE))
        self.assertEqual(streams1, [
            [e for _, e in oracle_run(f, a, [code], BRANCH_COVERAGE)]
            for f, a in bound])

    def test_callback_raises_at_a_branch(self):
        # in the first run (traced), and in later ones (on probes)
        runs = [("branchy", (1, [1])), ("branchy", (-1, [0])),
                ("branchy", (2, [])), ("branchy", (-1, [0, 1])),
                ("branchy", (3, [1, 0]))]
        ns = load()
        counts = [len([e for e in run if e[0] != 'LINE'])
                  for run in expected_runs([(ns[f], a) for f, a in runs],
                                           [ns["branchy"].__code__],
                                           BRANCH_COVERAGE)]
        places = sorted(set((i, n) for i, count in enumerate(counts)
                            for n in (1, count) if count > 0))
        if HAS_SIDES:
            # (a later run, on probes, has some; natively BRANCH has none
            # left: DISABLE takes both edges)
            self.assertGreater(max(places)[0], 0)
        for raise_at in places:
            self.check(["branchy"], runs, raise_at=raise_at)
            self._release_tool(0)
            self._release_tool(3)

    def test_events_change_in_a_branch_callback(self):
        # In a run on probes, a branch callback gives the code INSTRUCTION
        # events of another tool: the frame goes on traced; every later
        # stream is as before.
        runs = [("branchy", (1, [1])), ("branchy", (1, [1])),
                ("branchy", (-1, [0, 1])), ("branchy", (0, [])),
                ("branchy", (2, [3])), ("branchy", (-3, []))]
        self.use_tool(2)
        monitoring.register_callback(2, E.INSTRUCTION, lambda *a: None)

        def switch(code):
            monitoring.set_local_events(2, code, E.INSTRUCTION)
            self._local_codes.add((2, code))
        self.check(["branchy"], runs, act_at=(2, 1, switch))

    def test_restart_events(self):
        ns = load()
        code = ns["branchy"].__code__
        bound = [(ns[f], a) for f, a in self.RUNS]
        rec = self.covering([code])
        got = []
        for i, (func, args) in enumerate(bound):
            if i == 3:
                monitoring.restart_events()
            rec.clear()
            func(*args)
            got.append(rec.events())
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected_runs(bound[:3], [code],
                                            BRANCH_COVERAGE) +
                         expected_runs(bound[3:], [code], BRANCH_COVERAGE))

    def test_events_set_after_warm_up(self):
        # branch events switched on for code already on line probes
        ns = load()
        code = ns["branchy"].__code__
        bound = [(ns[f], a) for f, a in self.RUNS]
        rec = self.covering([code], want=E.LINE)
        for func, args in bound[:2]:
            func(*args)
        self.stop()
        self._release_tool(0)
        rec = self.covering([code], want=SIDES)
        got = []
        for func, args in bound[2:]:
            rec.clear()
            func(*args)
            got.append(rec.events())
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, expected_runs(bound[2:], [code], SIDES))


if __name__ == "__main__":
    unittest.main()
