"""Line probes on jumps whose own bytes cannot reach their stubs (3.8/3.9:
an unprefixed jump's absolute argument stops at byte 255, and the stubs
lie after the code): the jumps back to a loop head from the end of a long
loop body (`bench_lines.py`'s `text`, `summarize_log`).  Such a site was
refused, and with it the whole clone: the first call ran traced.  Now
(backend/jumpfar.c.h, Pep669Site.far and .via) its patch takes a unit
beside the jump for an EXTENDED_ARG prefix:

- far 1: the unit after the jump, which nothing runs (the dead
  JUMP_FORWARD 3.8/3.9 leave after a `continue` in an if/elif chain);
- far 2: the one-unit instruction before the jump (STORE_FAST, POP_TOP,
  STORE_SUBSCR, a binary or unary operation), which the probe makes with
  the frame there, the stub going on to the jump's destination;
- via: the one jump that leads to it is patched instead (an inner `for`
  loop's exit onto the jump back to the outer loop's head);
- far 3 (branch coverage): a location site that must take a prefix in
  the next location's unit (a `for` loop's fall-through edge at its
  STORE_FAST, then the body's first line) stands with that location's
  site: the probe fires the edge, makes the STORE_FAST, fires the line.

The streams are checked against CPython's (the oracle, natively on
3.12/3.13) and against a copy of the code kept traced (frame positions
included); the state checks read the backport's clone.
"""

import dis
import sys
import unittest
import warnings

from tests.support import PY, events
from tests.test_branch_probes import (BRANCH_COVERAGE, PROBES,
                                      BranchProbeTestCase, catching,
                                      probe_state)
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
DISABLE = monitoring.DISABLE


def pad(value, count, indent="        "):
    """``count`` statements ``a<i> = value`` (a long loop body or tail,
    so that jumps cannot reach the stubs)."""
    return "".join("%sa%d = %s\n" % (indent, i, value)
                   for i in range(count))


def loader(source, filename, base=None):
    """A load(extra=None) for a far test: ``source`` compiled as
    ``filename`` and run in a fresh namespace (``base``, then ``extra``,
    in it first)."""
    def load(extra=None):
        namespace = dict(base or {})
        namespace.update(extra or {})
        exec(compile(source, filename, "exec"), namespace)
        return namespace
    return load


# (70 statements: the loop bodies reach past byte 255)
PAD = pad("x", 70)

SOURCE = '''
def chain(xs, ts=NO_SLOT):
    seen = []
    d = {}
    n = 0
    for x in xs:
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
        if x == 0:
            continue
        elif x == 1:
            n += 1
''' + PAD + '''        if x == 2:
            d[x] = n
        elif x == 3:
            n -= 1
        else:
            seen.append(x)
    return seen, n, d


def nested(xs, ts=NO_SLOT):
    seen = []
    for x in xs:
        seen.append(ts[1].from_address(ts[0]())[ts[2]])
''' + PAD.replace("= x", "= 1") + '''        for z in x:
            seen.append(z)
    return seen
'''


class _NoSlot(object):
    """(streams) what the trace slot reads as where it is not read: None"""

    @staticmethod
    def from_address(address):
        return [None]


#: a stand-in for TRACE_SLOT
NO_SLOT = (lambda: 0, _NoSlot, 0)


load = loader(SOURCE, __file__ + "-far", {"NO_SLOT": NO_SLOT})


def frame_of(code):
    """(in a tool's callback, called by it) the newest frame that runs
    ``code``, past the callback's and its caller's; None where none
    does."""
    frame = sys._getframe(3)
    while frame is not None and frame.f_code is not code:
        frame = frame.f_back
    return frame


def raised_at(func, args, name, exc_type):
    """Where ``func(*args)`` raises ``exc_type``: the line and instruction
    its traceback shows in the frame of the function ``name``, or None
    where it does not raise."""
    try:
        func(*args)
    except exc_type as exc:
        tb = exc.__traceback__
        while tb.tb_frame.f_code.co_name != name:
            tb = tb.tb_next
        return tb.tb_lineno, tb.tb_lasti
    return None


def back_edge(head):
    """keep(r, line): the LINE of the loop head at relative line ``head``
    where a jump back arrives (not at the line's first instruction)."""
    def keep(r, line):
        if line != head:
            return False
        code = r.frame.f_code
        start = [o for o, n in dis.findlinestarts(code)
                 if n == code.co_firstlineno + head][0]
        return r.frame.f_lasti != start
    return keep


#: chain's runs: each arm, the `continue` first and last
CHAIN_RUNS = [("chain", ([0, 1, 2, 3, 4, 0],)),
              ("chain", ([],)),
              ("chain", ([4, 3, 2, 1, 0],)),
              ("chain", ([2, 2, 0, 4],))]
NESTED_RUNS = [("nested", ([[1, 2], [], [3]],)),
               ("nested", ([],)),
               ("nested", ([[], [4]],))]


class FarTestCase(BranchProbeTestCase):
    """(the far tests' base: a module's own sets ``load``, made by
    ``loader``, and where it wants, KEEP_TRACER)"""

    load = staticmethod(load)
    #: whether a tracer a callback set on the copy on probes stays set
    #: for the runs of the copy kept traced
    KEEP_TRACER = False

    def both(self, name, runs, want, respond, extra=None):
        """Run ``runs`` on a copy of the code (probes where it can have
        them) and on another kept traced (tool 3's INSTRUCTION events):
        per copy, the records (event, args, line) and the results."""
        ns, ref = self.load(extra), self.load(extra)
        if monitoring.get_tool(3) is None:
            self.use_tool(3)
        monitoring.register_callback(3, events.INSTRUCTION,
                                     lambda *a: None)
        self.set_local_events(3, ref[name].__code__, events.INSTRUCTION)
        codes = [ns[name].__code__, ref[name].__code__]
        rec = self.covering(codes, want=want, respond=respond)
        out = []
        for namespace in (ns, ref):
            if not self.KEEP_TRACER:
                # (a tracer a callback set stays out of the next copy's
                # runs)
                sys.settrace(None)
            rec.clear()
            results = [catching(namespace[f], *a) for f, a in runs]
            out.append(([(r.event, r.args, r.lineno) for r in rec.records],
                        results))
            self.assertEqual(rec.frame_errors, [])
        self.stop()
        return out


class StreamTest(FarTestCase):
    """Exact streams, run by run, under coverage (LINE) and branch
    coverage (LINE and the branch events), against the oracle and a
    traced copy."""

    def test_chain_coverage(self):
        self.check(["chain"], CHAIN_RUNS, want=events.LINE)

    def test_chain_branch_coverage(self):
        self.check(["chain"], CHAIN_RUNS, want=BRANCH_COVERAGE)

    def test_nested_coverage(self):
        self.check(["nested"], NESTED_RUNS, want=events.LINE)

    def test_nested_branch_coverage(self):
        self.check(["nested"], NESTED_RUNS, want=BRANCH_COVERAGE)

    def check_kept(self, name, want, keep):
        """Streams where the tool keeps the events ``keep(r, line)`` says
        (line: relative) and DISABLEs the rest."""
        def respond(r):
            code = r.frame.f_code
            line = r.args[0] - code.co_firstlineno if r.event == "LINE" \
                else None
            return None if keep(r, line) else DISABLE
        runs = CHAIN_RUNS if name == "chain" else NESTED_RUNS
        got, ref = self.both(name, runs, want, respond)
        self.assertEqual(got, ref)

    # (the loop head's LINE kept where a jump back arrives, the rest
    # DISABLEd: the far sites stay patched and fire at every pass)
    def test_chain_back_edges(self):
        self.check_kept("chain", events.LINE, back_edge(4))

    def test_chain_back_edges_jumps(self):
        self.check_kept("chain", events.LINE | events.JUMP,
                        lambda r, line: r.event == "JUMP" or
                        back_edge(4)(r, line))

    def test_chain_back_edges_branches(self):
        self.check_kept("chain", BRANCH_COVERAGE, back_edge(4))

    def test_nested_back_edges(self):
        self.check_kept("nested", events.LINE, back_edge(2))

    def test_nested_back_edges_jumps(self):
        self.check_kept("nested", events.LINE | events.JUMP,
                        lambda r, line: r.event == "JUMP" or
                        back_edge(2)(r, line))

    def test_chain_back_edges_then_disabled(self):
        # (kept for three passes, then DISABLEd: the sites unpatched
        # while the frame runs them)
        counts = {}

        def keep(r, line):
            if not back_edge(4)(r, line):
                return False
            n = counts[id(r.frame.f_code)] = \
                counts.get(id(r.frame.f_code), 0) + 1
            return n <= 3
        self.check_kept("chain", events.LINE, keep)

    def test_nested_body_line_kept(self):
        # (branch coverage, the first line of each loop's body kept: the
        # site that takes the STORE_FAST before it fires at every pass)
        self.check_kept("nested", BRANCH_COVERAGE,
                        lambda r, line: line in (3, 75))

    def lines_of(self, respond, runs):
        """The LINEs (relative) and results of ``runs`` of chain."""
        func = load()["chain"]
        first = func.__code__.co_firstlineno
        rec = self.covering([func.__code__], want=events.LINE,
                            respond=respond)
        results = [catching(func, *args) for name, args in runs]
        sys.settrace(None)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return [r.args[0] - first for r in rec.records], results

    def test_locals_at_edges(self):
        # (the loop variables as the callbacks see them: a FOR_ITER's edge
        # before its STORE_FAST, the body's first line after it; that line
        # kept, the rest DISABLEd)
        seen = {}

        def respond(r):
            code = r.frame.f_code
            line = r.lineno - code.co_firstlineno
            seen.setdefault(id(code), []).append(
                (r.event, line, r.frame.f_locals.get("x", "-"),
                 r.frame.f_locals.get("z", "-")))
            if r.event == "LINE" and line in (3, 75):
                return None
            return DISABLE
        got, ref = self.both("nested", NESTED_RUNS, BRANCH_COVERAGE,
                             respond)
        self.assertEqual(got, ref)
        streams = list(seen.values())
        self.assertEqual(len(streams), 2)
        self.assertEqual(streams[0], streams[1])
        self.assertEqual([z for e, line, x, z in streams[0]
                          if e == "LINE" and line == 75], [1, 2, 3, 4])
        self.assertIn(("BRANCH_LEFT", 2, "-", "-"), streams[0])

    def test_settrace_mid_run(self):
        # (a tracer set by a callback in the middle of the first run: as
        # 3.12, LINE DISABLEd comes back for every location, and the frame
        # goes on traced, its clone retired)
        calls = []

        def tracer(frame, event, arg):
            return None

        def respond(r):
            calls.append(r)
            if len(calls) == 12:
                sys.settrace(tracer)
            return DISABLE
        self.addCleanup(sys.settrace, None)
        lines, results = self.lines_of(respond, CHAIN_RUNS[:1] +
                                       CHAIN_RUNS[2:])
        self.assertEqual(lines, list(range(1, 8)) + [4] +
                         list(range(8, 81)) + [82, 85, 4, 5, 6, 8, 10, 81,
                                               83, 7, 86, 1, 2, 3, 4, 9])
        self.assertEqual(results[0], ([None, None, 1, None, None, None, 4,
                                       None], 0, {2: 1}))

    def test_move_at_loop_head(self):
        # (f_lineno set by the loop head's LINE at its first arrival by a
        # jump back, fired by a far site's probe: to the `return`)
        heads = []

        def respond(r):
            code = r.frame.f_code
            if r.args[0] - code.co_firstlineno == 4:
                heads.append(r)
                if len(heads) == 2:
                    r.frame.f_lineno = code.co_firstlineno + 86
            return None
        with warnings.catch_warnings():
            # (3.12+: the pad's variables never assigned)
            warnings.simplefilter("ignore", RuntimeWarning)
            lines, results = self.lines_of(respond, CHAIN_RUNS[:1])
        # (no LINE at the line jumped to, as natively)
        self.assertEqual(lines, [1, 2, 3, 4, 5, 6, 7, 4])
        self.assertEqual(results, [([None], 0, {})])


class InstructionTest(FarTestCase):
    """A far site's probe makes the instruction before the jump: what
    Python code sees during it, and its exception, are the original's."""

    def test_exception_at_store_subscr(self):
        # (d[x] = n raises: the traceback's line and instruction are the
        # STORE_SUBSCR's, as in a run without monitoring)
        class Refuses(dict):
            def __setitem__(self, key, value):
                raise KeyError(key)

        def tb_of(func):
            return raised_at(func, ([1, 2, 3],), "chain", KeyError)
        source = SOURCE.replace("    d = {}", "    d = Refuses()")

        def fresh():
            namespace = {"NO_SLOT": NO_SLOT, "Refuses": Refuses}
            exec(compile(source, __file__ + "-far", "exec"), namespace)
            return namespace["chain"]
        native = tb_of(fresh())
        self.assertIsNotNone(native)
        func = fresh()
        rec = self.covering([func.__code__], want=events.LINE)
        got = tb_of(func)
        state = probe_state(func) if PROBES else None
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, native)
        if PROBES and PY < (3, 10):
            # (made by the far site's probe)
            self.assertTrue(state["clone"])

    def test_frame_seen_by_finalizer(self):
        # (n -= 1 drops the old value of n: its __del__ sees the frame at
        # the STORE_FAST)
        seen = []

        class Num(object):
            def __init__(self, v):
                self.v = v

            def __sub__(self, other):
                return Num(self.v - other)

            def __del__(self):
                frame = sys._getframe(1)
                if frame.f_code.co_name == "chain":
                    seen.append((frame.f_lineno, frame.f_lasti))

        def run(func):
            del seen[:]
            func([3, 3])
            return list(seen)
        source = SOURCE.replace("    n = 0", "    n = Num(0)")

        def fresh():
            namespace = {"NO_SLOT": NO_SLOT, "Num": Num}
            exec(compile(source, __file__ + "-far", "exec"), namespace)
            return namespace["chain"]
        native = run(fresh())
        self.assertEqual(len(native), 2)
        func = fresh()
        self.covering([func.__code__], want=events.LINE)
        got = run(func)
        self.stop()
        self.assertEqual(got, native)


@unittest.skipUnless(PROBES and PY < (3, 10),
                     "the backport's line probes; 3.8/3.9's stubs lie past "
                     "an unprefixed jump's reach (3.10: 512 bytes)")
class StateTest(FarTestCase):
    """The first call runs on probes, untraced (no trace function while
    the frame runs, at each pass of the loop), its far sites patched as
    described above."""

    def setUp(self):
        super(StateTest, self).setUp()
        calibrate_trace_slot()

    def first_call(self, name, args, want):
        """The first call's result, the probe state after it, and the
        copy's bytes at its first event (every site patched)."""
        func = load()[name]
        copies = []

        def respond(r):
            if not copies:
                copies.append(list(probe_state(func)["copy"].co_code))
            return DISABLE
        rec = self.covering([func.__code__], want=want, respond=respond)
        got = func(*args, ts=TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertTrue(state["clone"])
        self.assertFalse(state["retired"])
        return got, copies[0]

    def test_chain_first_call(self):
        func = load()["chain"]
        code = func.__code__
        ops = dict((i.offset, i) for i in dis.get_instructions(code))
        got, copy = self.first_call("chain", ([0, 1, 2, 3, 4, 0],),
                                    events.LINE)
        self.assertEqual(got, ([None, None, 1, None, None, None, 4, None],
                               0, {2: 1}))
        # the jumps back to the loop head, unprefixed, in the copy
        backs = [o for o, i in sorted(ops.items())
                 if i.opname == "JUMP_ABSOLUTE" and i.arg < 256 and
                 ops.get(o - 2) is not None and
                 ops[o - 2].opname != "EXTENDED_ARG"]
        self.assertEqual(len(backs), 4)
        forms = []
        for o in backs:
            if ops[o - 2].opname.startswith("POP_JUMP"):
                # (the `continue`: its dead JUMP_FORWARD taken, far 1)
                self.assertEqual(ops[o + 2].opname, "JUMP_FORWARD")
                forms.append((copy[o], copy[o + 2]))
            else:
                # (the instruction before taken, far 2)
                forms.append((copy[o - 2], copy[o]))
        self.assertEqual(forms, [(dis.opmap["EXTENDED_ARG"],
                                  dis.opmap["JUMP_ABSOLUTE"])] * 4)
        self.assertEqual([ops[o - 2].opname for o in backs[1:]],
                         ["STORE_SUBSCR", "STORE_FAST", "POP_TOP"])

    def test_nested_first_call(self):
        got, copy = self.first_call("nested", ([[1, 2], [], [3]],),
                                    events.LINE)
        self.assertEqual(got, [None, 1, 2, None, None, 3])
        # (the inner FOR_ITER's exit goes to the stub of the jump back to
        # the outer loop's head)
        func = load()["nested"]
        inner = [i for i in dis.get_instructions(func.__code__)
                 if i.opname == "FOR_ITER"][-1]
        self.assertGreater(inner.offset + 2 + copy[inner.offset + 1],
                           len(func.__code__.co_code))
        self.assertEqual(copy[inner.argval], dis.opmap["JUMP_ABSOLUTE"])

    def test_branch_coverage_first_call(self):
        # (branch coverage: each FOR_ITER's fall-through edge arrives at a
        # one-unit STORE_FAST before the body's first line, whose site
        # cannot take a prefix there: one site from the STORE_FAST, far 3)
        got, copy = self.first_call("nested", ([[1, 2], [], [3]],),
                                    BRANCH_COVERAGE)
        self.assertEqual(got, [None, 1, 2, None, None, 3])
        func = load()["nested"]
        ops = list(dis.get_instructions(func.__code__))
        stores = [ops[i + 1].offset for i, op in enumerate(ops)
                  if op.opname == "FOR_ITER"]
        self.assertEqual(len(stores), 2)
        for at in stores:
            self.assertEqual((copy[at], copy[at + 2]),
                             (dis.opmap["EXTENDED_ARG"],
                              dis.opmap["JUMP_ABSOLUTE"]))

    def test_chain_branch_coverage_traced(self):
        # (a branch whose absolute destination lies in the first 256 bytes
        # and that other ways reach too: no site can take its taken edge,
        # the code runs traced, docs/differences.md)
        func = load()["chain"]
        rec = self.covering([func.__code__], want=BRANCH_COVERAGE)
        func([0, 1], ts=TRACE_SLOT)
        state = probe_state(func)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertFalse(state["clone"])

if __name__ == "__main__":
    unittest.main()
