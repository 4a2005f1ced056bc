"""Call probes on 3.11's instrumented copy (docs/differences.md, "Call
probes"): code whose tools want CALL (and C_RETURN/C_RAISE) and no
line-level events runs its copy, where each call jumps to a stub whose
probe makes the call and fires the events; the frame is not traced.

The streams must be exactly the traced path's: each call form runs once
on the probes (a CALL-only tool) and once traced (the same tool, with a
second tool wanting LINE in the same code, which keeps the frame off the
copy), and both must equal.  Everything a callback can see must be the
original code's: f_code, f_lasti, f_lineno, tracebacks.  The streams and
what callbacks see also run natively on 3.12/3.13 (and on 3.8-3.10's
clones); only the mechanism (``_frame_mechanism``, ``_probe_state``) is
3.11's own.
"""

import dis
import sys
import traceback
import types
import unittest

from tests.support import (PY, Layout, MonitoringTestCase, Recorder, events,
                           in_codes, monitoring)
from tests.test_call_events import (
    CALL_OPS, NO_CALL_FOR_PYTHON_EX, call_site, call_sites, disabling,
    records_without_c_event_of_disabled_calls)

import pep669  # noqa: E402 (tests.support puts src/ on the path)

#: A Py_DEBUG 3.11 asserts, as each frame ends, that its code's stack size
#: is the one the frame was made with: there the backport never grows a
#: code's stack, and a call at the top of the stack (most call statements)
#: runs traced.  Tests of which calls run on probes need release builds.
NEEDS_GROWTH = unittest.skipIf(
    hasattr(sys, 'gettotalrefcount'),
    "a Py_DEBUG 3.11 grows no code's stack: calls at its top run traced")

E = events
DISABLE = monitoring.DISABLE
MISSING = monitoring.MISSING
CALLS = E.CALL | E.C_RETURN | E.C_RAISE

#: Frames run the copy with call probes, and the test helpers say so.
COPY = not pep669.NATIVE and PY[:2] == (3, 11)

RUNS = 4


def mechanism(frame):
    """How ``frame`` (of this thread) runs now (3.11: the engine's
    helper), or None where that is not the backport's."""
    if not COPY:
        return None
    return pep669._monitoring._frame_mechanism(frame)


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


def fresh(func):
    """A new function on a new code object equal to ``func``'s (no other
    test has run it: no copy, no DISABLE)."""
    code = func.__code__
    return types.FunctionType(code.replace(), func.__globals__,
                              func.__name__, func.__defaults__,
                              func.__closure__)


# --------------------------------------------------------------------------
# Callees and monitored code (lines relative to ``def`` in the tests)

def kw_target(a=0, b=0, *rest, **kw):
    return a + b


class Base(object):
    def __init__(self, v):
        self.v = v

    def get(self, k=1):
        return self.v * k


class Derived(Base):
    def get(self, k=1):
        return super().get(k) + 1


def call_forms(x, args, kw):
    r = [kw_target(x, b=2)]
    r.append(kw_target(b=x))
    o = Derived(x)
    r.append(o.get(k=3))
    m = o.get
    r.append(m(2))
    r.append(len(str(x)))
    try:
        int('x%d' % x)
    except ValueError:
        r.append(divmod(x, 3))
    with open(__file__) as fh:
        r.append(fh.readline()[:1])
    return r


def star_forms(x, args, kw):
    # (CALL_FUNCTION_EX is one unit: its jump to the stub reaches 255
    # units, so these stay near the end)
    r = [kw_target(*args, **kw), max(*args), kw_target(*args)]
    r.append(kw_target(*args[:1], b=x, **kw))
    return r


def two_sites(x):
    a = abs(x)
    b = len(str(x))
    return a, b


def frame_seen(x):
    y = (x, x, x, x)
    return abs(x), y


def raises_in_call(x):
    try:
        return int(x)
    except RuntimeError:
        return 'handled'


def uncaught(x):
    y = (x, x, x, x)
    return abs(x), y


class Point(object):
    def __init__(self, x, y):
        self.x = x
        self.y = y


SCALE = 3


def specialized(n):
    total = 0
    pts = [Point(i, i + 1) for i in range(4)]
    for i in range(n):
        p = pts[i % 4]
        total += p.x * SCALE + p.y
        total = total % 1000003
        total += abs(p.x - p.y)
    return total


def gen_full(n):
    for i in range(n):
        yield abs(-i)


def drive_gen(n):
    return list(gen_full(n))


# --------------------------------------------------------------------------

def comparable(stream):
    """The events of two runs with objects of their own (instances, their
    bound methods, the file opened) made comparable."""
    def norm(v):
        if isinstance(v, (Base, Point)):
            return ('instance', type(v).__name__, sorted(vars(v).items()))
        if isinstance(v, types.MethodType):
            return ('method', v.__func__, norm(v.__self__))
        if isinstance(v, types.BuiltinMethodType) and \
                not isinstance(v.__self__, types.ModuleType) and \
                v.__self__ is not None:
            return ('builtin method', v.__name__, type(v.__self__).__name__)
        if type(v).__name__ == 'TextIOWrapper':
            return 'file'
        return v
    return [tuple(norm(v) for v in e) for e in stream]


class CopyTestCase(MonitoringTestCase):

    def run_recorded(self, func, args_list, event_set=CALLS, respond=None,
                     codes=(), line_tool=False, tool=0):
        """Each ``func(*args)`` under ``event_set`` (tool 0, set
        globally); with ``line_tool``, tool 1 wants LINE in func's code
        too (which keeps its frames traced).  The stream of each run
        (events of func's code and ``codes``) and the results."""
        code = func.__code__
        rec = self.recorder(tool, event_set, in_codes(code, *codes),
                            respond=respond)
        if line_tool:
            self.use_tool(1)
            Recorder(1, E.LINE, in_codes(code)).register()
            self.set_local_events(1, code, E.LINE)
        streams, results = [], []
        for args in args_list:
            start = len(rec.records)
            results.append(func(*args))
            streams.append(rec.events()[start:])
        self.stop()
        if line_tool:
            self.set_local_events(1, code, 0)
        self.assertEqual(rec.frame_errors, [])
        return streams, results, rec


class CallFormsTest(CopyTestCase):
    """Every call form gives on the probes exactly what it gives traced."""

    @NEEDS_GROWTH
    def test_call_forms_probed_and_traced_alike(self):
        runs = [(x, (x, 1), {}) for x in (1, 5, 7, 2)]
        probed = fresh(call_forms)
        traced = fresh(call_forms)
        seen = []

        def respond(r):
            if r.event == 'CALL':
                seen.append(mechanism(r.frame))
        p_streams, p_results, _ = self.run_recorded(probed, runs,
                                                    respond=respond)
        p_seen = seen[:]
        del seen[:]
        t_streams, t_results, _ = self.run_recorded(traced, runs,
                                                    respond=respond,
                                                    line_tool=True, tool=2)
        t_seen = seen[:]
        self.assertEqual(p_results, t_results)
        self.assertEqual(len(p_streams), RUNS)
        for p, t in zip(p_streams, t_streams):
            self.assertEqual(comparable(p), comparable(t))
        # every call site fired, with its own offset
        sites = Layout(probed.__code__).offsets(*CALL_OPS)
        self.assertEqual(sorted(set(e[2] for e in p_streams[1]
                                    if e[0] == 'CALL')), sorted(sites))
        if COPY:
            # (the first run is traced: the code's stack grew for the
            # probes, docs/differences.md)
            per_run = len([e for e in p_streams[-1] if e[0] == 'CALL'])
            self.assertEqual(p_seen[per_run:],
                             ['call probes'] * (RUNS - 1) * per_run)
            self.assertNotIn('call probes', t_seen)
            self.assertIn('hook', t_seen)
            state = probe_state(probed)
            self.assertTrue(state['calls'])
            self.assertFalse(state['retired'])
            self.assertEqual(state['patched'], len(sites))

    def test_star_forms_probed_and_traced_alike(self):
        runs = [(x, (x, 1), {'c': x}) for x in (1, 5, 7, 2)]
        probed = fresh(star_forms)
        traced = fresh(star_forms)
        p_streams, p_results, _ = self.run_recorded(probed, runs)
        t_streams, t_results, _ = self.run_recorded(traced, runs,
                                                    line_tool=True, tool=2)
        self.assertEqual(p_results, t_results)
        self.assertEqual(p_streams, t_streams)
        c1, c2, c3 = call_sites(probed, 3)
        x = 2
        # (3.12.1 gives no CALL for f(*a) of a Python function)
        py = [] if NO_CALL_FOR_PYTHON_EX else [
            ('CALL', 'star_forms', c1, kw_target, x)]
        self.assertEqual([e for e in p_streams[-1] if e[3] is not list.append],
                         py + [('CALL', 'star_forms', c2, max, x),
                               ('C_RETURN', 'star_forms', c2, max, x)] +
                         [e for e in py if e[2] != c1] +
                         [e[:2] + (c3,) + e[3:] for e in py] +
                         [e[:2] + (call_sites(probed, 4)[0],) + e[3:]
                          for e in py])
        if COPY:
            state = probe_state(probed)
            self.assertTrue(state['calls'])
            self.assertEqual(state['patched'], state['sites'])

    def test_keyword_calls_report_callable_and_first_argument(self):
        f = fresh(call_forms)
        streams, _, _ = self.run_recorded(f, [(x, (x, 1), {})
                                              for x in range(4, 4 + RUNS)])
        c1 = call_site(f, 1)
        c2 = call_sites(f, 2)[0]
        for x, s in zip(range(4, 4 + RUNS), streams):
            # kw_target(x, b=2), then kw_target(b=x): the first argument
            # is the first keyword's value
            self.assertEqual(s[:2], [
                ('CALL', 'call_forms', c1, kw_target, x),
                ('CALL', 'call_forms', c2, kw_target, x)])

    def test_super_and_bound_methods(self):
        get = fresh(Derived.get)
        streams, results, _ = self.run_recorded(
            get, [(Derived(v), 2) for v in (1, 2, 3, 4)])
        self.assertEqual(results, [3, 5, 7, 9])
        c_super, c_get = call_sites(get, 1)
        for i, s in enumerate(streams):
            self.assertEqual(s[0], ('CALL', 'get', c_super, super, MISSING))
            self.assertEqual(s[1], ('C_RETURN', 'get', c_super, super,
                                    MISSING))
            self.assertEqual(s[2][:3], ('CALL', 'get', c_get))
            self.assertIs(s[2][3].__func__, Base.get)
            self.assertEqual(s[2][4], 2)
            self.assertEqual(len(s), 3)


class DisableTest(CopyTestCase):

    @NEEDS_GROWTH
    def test_disable_one_site_leaves_the_others_firing(self):
        f = fresh(two_sites)
        c_abs = call_site(f, 1)
        respond = disabling(lambda r: r.args[0] == c_abs)
        streams, results, rec = self.run_recorded(
            f, [(x,) for x in (-1, 22, -333, 4444)], respond=respond)
        self.assertEqual(results, [(1, 2), (22, 2), (333, 4), (4444, 4)])
        # (whether the DISABLEd call still gets its C_RETURN is CPython's
        # artefact: test_call_events.records_without_c_event_of_disabled_calls)
        kept = records_without_c_event_of_disabled_calls(rec.records,
                                                         respond.disabled)
        self.assertEqual(len(respond.disabled), 1)
        streams = [[e for e in s if e != ('C_RETURN', 'two_sites', c_abs,
                                          abs, -1)] for s in streams]
        self.assertEqual(len(kept), 17)
        c_str, c_len = call_sites(f, 2)
        for i, (s, x) in enumerate(zip(streams, (-1, 22, -333, 4444))):
            rest = [('CALL', 'two_sites', c_str, str, x),
                    ('C_RETURN', 'two_sites', c_str, str, x),
                    ('CALL', 'two_sites', c_len, len, str(x)),
                    ('C_RETURN', 'two_sites', c_len, len, str(x))]
            if i == 0:
                rest.insert(0, ('CALL', 'two_sites', c_abs, abs, x))
            self.assertEqual(s, rest, 'run %d' % i)
        if COPY:
            state = probe_state(f)
            self.assertTrue(state['calls'])
            self.assertFalse(state['retired'])
            self.assertEqual(state['sites'], 3)
            self.assertEqual(state['patched'], 2)

    @NEEDS_GROWTH
    def test_restart_events_enables_the_site_again(self):
        f = fresh(two_sites)
        c_abs = call_site(f, 1)
        armed = [1]
        respond = disabling(lambda r: armed and r.args[0] == c_abs)
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        f(1)
        f(2)
        before = probe_state(f) if COPY else None
        del armed[:]
        monitoring.restart_events()
        start = len(rec.records)
        f(3)
        f(4)
        after = probe_state(f) if COPY else None
        self.stop()
        later = rec.events()[start:]
        self.assertEqual([e for e in later if e[2] == c_abs], [
            ('CALL', 'two_sites', c_abs, abs, 3),
            ('C_RETURN', 'two_sites', c_abs, abs, 3),
            ('CALL', 'two_sites', c_abs, abs, 4),
            ('C_RETURN', 'two_sites', c_abs, abs, 4)])
        if COPY:
            self.assertEqual(before['patched'], 2)
            self.assertTrue(after['calls'])
            self.assertFalse(after['retired'])
            self.assertEqual(after['patched'], 3)


class WhatCallbacksSeeTest(CopyTestCase):

    def test_frame_in_a_call_callback_is_the_originals(self):
        f = fresh(frame_seen)
        code = f.__code__
        c = call_site(f, 2)
        seen = []

        def respond(r):
            if r.event == 'CALL':
                fr = r.frame
                seen.append((fr.f_code is code, fr.f_lasti, fr.f_lineno -
                             code.co_firstlineno,
                             traceback.extract_stack(fr, 1)[0].lineno -
                             code.co_firstlineno, mechanism(fr)))
        self.run_recorded(f, [(x,) for x in range(RUNS)], respond=respond)
        self.assertEqual([s[:4] for s in seen], [(True, c, 2, 2)] * RUNS)
        if COPY:
            self.assertEqual([s[4] for s in seen], ['call probes'] * RUNS)

    def test_exception_from_a_call_callback_raised_at_the_call(self):
        f = fresh(uncaught)
        code = f.__code__
        c = call_site(f, 2)

        def respond(r):
            if r.event == 'CALL' and r.args[1] is abs:
                raise KeyError('from CALL')
        self.recorder(0, CALLS, in_codes(code), respond=respond)
        tbs = []
        for x in range(RUNS):
            try:
                f(x)
            except KeyError as e:
                tb = e.__traceback__
                while tb.tb_next is not None and tb.tb_frame.f_code is not code:
                    tb = tb.tb_next
                tbs.append((tb.tb_frame.f_code is code, tb.tb_lasti,
                            tb.tb_lineno - code.co_firstlineno))
        self.stop()
        self.assertEqual(tbs, [(True, c, 2)] * RUNS)

    def test_exception_from_a_c_return_callback_caught_by_the_frame(self):
        f = fresh(raises_in_call)

        def respond(r):
            if r.event == 'C_RETURN':
                raise RuntimeError('from C_RETURN')
        streams, results, _ = self.run_recorded(
            f, [(str(x),) for x in range(RUNS)], respond=respond)
        self.assertEqual(results, ['handled'] * RUNS)
        c = call_site(f, 2)
        self.assertEqual(streams, [[('CALL', 'raises_in_call', c, int, str(x)),
                                    ('C_RETURN', 'raises_in_call', c, int,
                                     str(x))] for x in range(RUNS)])
        if COPY:
            self.assertTrue(probe_state(f)['calls'])

    def test_c_raise_of_a_builtin(self):
        f = fresh(raises_in_call)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        raised = []
        for x in range(RUNS):
            try:
                f('y%d' % x)
            except ValueError as e:
                tb = e.__traceback__
                while tb.tb_next is not None:
                    tb = tb.tb_next
                raised.append((tb.tb_frame.f_code is f.__code__,
                               tb.tb_lasti))
        self.stop()
        c = call_site(f, 2)
        self.assertEqual(raised, [(True, c)] * RUNS)
        self.assertEqual(rec.events(), [
            e for x in range(RUNS) for e in (
                ('CALL', 'raises_in_call', c, int, 'y%d' % x),
                ('C_RAISE', 'raises_in_call', c, int, 'y%d' % x))])


@unittest.skipUnless(COPY, "3.11's copy")
class CopyMechanismTest(CopyTestCase):
    """The backport's own bookkeeping on 3.11."""

    def test_specializer_keeps_working_on_the_copy(self):
        f = fresh(specialized)
        c_abs = call_site(f, 7)
        # every call but abs is DISABLEd: its site goes back to the call
        # itself, which the specializer then takes too
        respond = disabling(lambda r: r.args[0] != c_abs)
        self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        for _ in range(RUNS):
            f(200)
        state = probe_state(f)
        self.stop()
        self.assertTrue(state['calls'])
        ops = [i.opname for i in dis.get_instructions(state['copy'],
                                                      adaptive=True)]
        for op in ('LOAD_ATTR_INSTANCE_VALUE', 'BINARY_OP_ADD_INT',
                   'LOAD_GLOBAL_MODULE', 'BINARY_SUBSCR_LIST_INT'):
            self.assertIn(op, ops)
        # the DISABLEd calls (range, Point) are specialized PRECALLs now
        self.assertTrue([o for o in ops if o.startswith('PRECALL_') and
                         o != 'PRECALL_ADAPTIVE'], ops)
        self.assertEqual(state['patched'], 1)

    @NEEDS_GROWTH
    def test_stack_grows_by_one_for_a_call_at_its_top(self):
        f = fresh(two_sites)
        size = f.__code__.co_stacksize
        seen = []

        def respond(r):
            if r.event == 'CALL':
                seen.append(mechanism(r.frame))
        self.run_recorded(f, [(x,) for x in range(RUNS)], respond=respond)
        # (len(str(x)): NULL, len, NULL, str, x at the top)
        self.assertEqual(f.__code__.co_stacksize, size + 1)
        # the first run was traced (its frame was made before), then
        # every run on the copy
        self.assertEqual(seen, ['hook'] * 3 + ['call probes'] * 9)

    def test_generator_with_a_call_at_its_stack_top_runs_traced(self):
        before = probe_state(gen_full)['call_refusals']
        g = fresh(gen_full)

        def drive(n):
            return list(g(n))
        seen = []

        def respond(r):
            if r.event == 'CALL' and r.code is g.__code__:
                seen.append(mechanism(r.frame))
        streams, results, _ = self.run_recorded(drive, [(2,)] * RUNS,
                                                respond=respond,
                                                codes=(g.__code__,))
        state = probe_state(g)
        c_range = call_site(g, 1)
        c = call_site(g, 2)
        self.assertEqual(results, [[0, 1]] * RUNS)
        for stream in streams:
            self.assertEqual([e for e in stream if e[1] == 'gen_full'], [
                ('CALL', 'gen_full', c_range, range, 2),
                ('C_RETURN', 'gen_full', c_range, range, 2),
                ('CALL', 'gen_full', c, abs, 0),
                ('C_RETURN', 'gen_full', c, abs, 0),
                ('CALL', 'gen_full', c, abs, -1),
                ('C_RETURN', 'gen_full', c, abs, -1)])
        self.assertFalse(state['calls'])
        self.assertGreater(state['call_refusals'], before)
        self.assertEqual(g.__code__.co_stacksize,
                         gen_full.__code__.co_stacksize)
        self.assertNotIn('call probes', seen)


if __name__ == '__main__':
    unittest.main()
