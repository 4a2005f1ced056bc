"""Call probes: CALL, C_RETURN and C_RAISE in code that runs many times.

On 3.8-3.10 code whose events want CALL and no line-level events runs, from
the run after its first on, on a copy of its bytecode where every call
instruction jumps to a stub whose probe makes the call itself and fires the
events ("call probes", docs/differences.md, "Cost"); the frame runs
untraced.  The first run of code whose stack had to grow for the stubs is
traced (its frame is too small), and so is code the probes cannot take.

Every monitored function here therefore runs several times (``RUNS``) and
the stream of *every* run is asserted, exactly: the later runs must give
what the first gave, which is CPython's.  These expectations run natively
on 3.12/3.13 too, which validates them; only ``ProbeStateTest`` (the
backport's own bookkeeping) is skipped there.

Each test works on fresh copies of the functions it monitors
(``fresh``): a new code object, with the compiler's ``co_stacksize``, that
no other test has run (natively, a code object once instrumented for
several tools keeps DISABLE from taking effect; here, a code object keeps
its clone).  The callees are shared.

Where the backport disagrees with native and the bytecode does not force
it, the test is an expected failure under a flag starting ``ENGINE_``
that says what is wrong.
"""

import functools
import sys
import threading
import traceback
import types
import unittest

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - 3.8+ has collections.abc
    from collections import Mapping

from tests.support import (PY, Layout, MonitoringTestCase, Recorder, X,
                           events, in_codes, monitoring)
from tests.test_call_events import (
    EMPTY_EX_ARG0, METHOD_CALL_WITH_KEYWORDS, NO_CALL_FOR_PYTHON_EX,
    WITH_EXIT_CALL, WITH_EXIT_C_RETURN, CALL_OPS, Like, call_site,
    call_sites, disabling, records_without_c_event_of_disabled_calls)
from tests import test_call_events
from tests.test_exception_events import after_call
from tests.test_line_events import TRACE_SLOT, calibrate_trace_slot

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
MISSING = monitoring.MISSING
NATIVE = pep669.NATIVE

CALLS = E.CALL | E.C_RETURN | E.C_RAISE

#: How many times each monitored function runs: the first run may be
#: traced, the second makes the clone if the first could not, the others
#: run on it.
RUNS = 4

#: The backport runs frames on call probes here (3.8-3.10 on clones,
#: 3.11 on its instrumented copy: tests/test_call_probes_copy.py).
PROBES = not NATIVE and PY < (3, 12)
# (a Py_DEBUG 3.11 never grows a code's stack for a call probe, so most of
# its call sites run traced: test_call_probes_copy.NEEDS_GROWTH; the
# streams are checked all the same, the mechanism is not)
if PY[:2] == (3, 11) and hasattr(sys, 'gettotalrefcount'):
    PROBES = False

#: (3.11) Generators and coroutines with a call at the top of their stack:
#: the probe would need one more stack slot, and a generator's frame lives
#: in the generator object, made as large as its code's stack was then;
#: their code runs traced, the refusal counted (_probe_state's
#: 'call_refusals').
FULL_STACK_GENERATORS = {'gen_calls', 'catching_gen', 'coro_calls'}

# While a Python callee runs, its caller's f_lasti is the call instruction
# (3.8-3.10, 3.13) or the call's last inline cache entry (3.12).  3.11
# gives the last cache entry too when the call is inlined, but the
# backport's eval-frame hook keeps 3.11 from inlining calls (see
# docs/differences.md): the callee runs in an evaluator of its own and
# the caller is still at the CALL.
LASTI_AT_LAST_CACHE = PY == (3, 12)


# --------------------------------------------------------------------------
# Callees (shared by the tests; their events are recorded only where a test
# names their code).

def target(x=0, *rest, **kw):
    return x


def raises_key_error(key):
    raise KeyError(key)


def values(*items):
    for item in items:
        yield item


def peek():
    caller = sys._getframe(1)
    return caller.f_code, caller.f_lineno, caller.f_lasti


class Thing(test_call_events.Thing):
    """test_call_events' callables of every kind, and one with *items."""

    def many(self, *items):
        return len(items)


WithInit, Base, Derived = (test_call_events.WithInit, test_call_events.Base,
                           test_call_events.Derived)


class Pairs(Mapping):
    """A mapping that is not a dict (for ``**``); ``log`` records when its
    keys are read."""

    def __init__(self, log=None, **items):
        self._items = items
        self._log = log

    def keys(self):
        if self._log is not None:
            self._log.append('keys')
        return list(self._items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)


class Manager(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` matter (call_site).

def kinds(obj, seq, p, d):
    target(1)
    obj.method(2)
    bound = obj.method
    bound(3)
    len('ab')
    seq.append(4)
    WithInit(5)
    p(6)
    obj(7)
    Thing.cmethod(8)
    obj.smethod(9)
    return d.greet(10)


def with_frames(obj):
    a = target(1)
    b = WithInit(a)
    return obj.method(b.a) + len('x')


def keywords(obj):
    target(x=14, y=15)
    dict(a=16)
    target(17, y=18)
    obj.method(x=26)
    return sorted([2, 1], key=None, reverse=True)


def star_calls(args, kw, it):
    target(*args)
    max(*args)
    dict(**kw)
    target(**kw)
    target(*args, **kw)
    max(*it)
    return int(*())


def no_arguments():
    target()
    return dict()


def nested(x):
    return len(str(abs(target(x))))


def handled(text):
    try:
        return int(text)
    except ValueError:
        return len(text)


def python_callee_raises(key):
    try:
        raises_key_error(key)
    except KeyError:
        return abs(-1)


def unhandled(key):
    a = len(key)
    raises_key_error(key)
    return a


def unhandled_c(text):
    a = len(text)
    return int(text)


def peeking():
    a = peek()
    b = (len('x'), peek())
    return a, b[1]


def frame_of_builtin_call():
    return sys._getframe().f_lineno


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def gen_calls(n):
    for i in range(n):
        yield abs(-i)
    yield len('end')


def drive_gen(n):
    out = []
    for v in gen_calls(n):
        out.append(v)
    return out


def catching_gen():
    while True:
        try:
            yield len('y')
        except KeyError:
            abs(-1)


def drive_throw():
    g = catching_gen()
    first = next(g)
    second = g.throw(KeyError('k'))
    g.close()
    return first, second


class Suspend(object):
    """An awaitable that suspends its awaiter once, then gives 1."""

    def __await__(self):
        yield 'suspended'
        return 1


async def coro_calls(n):
    total = abs(n)
    total += await Suspend()
    return len(str(total))


def drive_coro(n):
    c = coro_calls(n)
    first = c.send(None)
    try:
        c.send(None)
    except StopIteration as stop:
        return first, stop.value


def _coroutine_send():
    c = coro_calls(0)
    try:
        return type(c).send
    finally:
        c.close()


#: The method descriptor ``c.send`` calls (LOAD_METHOD: itself and ``c``).
CORO_SEND = _coroutine_send()


def in_listcomp(seq):
    return [abs(v) for v in seq]


def with_closure(x):
    def inner(y):
        return abs(y) + x
    return inner(-x) + len(str(x))


def with_statement():
    with Manager():
        len('in')


class ExitManager(object):
    def __init__(self, suppress, fail):
        self.suppress = suppress
        self.fail = fail

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.fail:
            raise KeyError('exit')
        return self.suppress


def with_exits(mode):
    with ExitManager(mode == 1, mode == 3):
        len('in')
        if mode in (1, 2):
            raise ValueError(mode)
        if mode == 4:
            return sys.exc_info()[0]
    return abs(-mode)


class _FalsyMeta(type):
    def __bool__(cls):
        return False


class FalsyError(Exception, metaclass=_FalsyMeta):
    """An exception type that is false (3.8's with-exit stub must not
    test the type's truth)."""


def with_falsy(k):
    with ExitManager(k == 1, False):
        if k:
            raise FalsyError(k)
        len('in')
    return sys.exc_info()[0]


def spanning(x):
    return [abs(-x),
            max(x, 1)]


def full_stack(a, b):
    return (a, b, max(a, b))


def three_builtins(x):
    a = len('ab')
    b = abs(-x)
    c = max(x, 1)
    return a, b, c


def roomy(x):
    y = (x, x, x, x)
    return abs(x), y


def switch_line_events(on, tool):
    if on:
        monitoring.set_events(tool, E.LINE)


def calls_switcher(x, tool):
    a = len('ab')
    switch_line_events(x, tool)
    b = abs(-x)
    return a, b


def calls_in_loop(n):
    for i in range(n):
        abs(i)
    return len(())


def appends(seq, x):
    seq.append(x)
    return len(seq)


def int_or_handled(text):
    try:
        r = int(text)
    except RuntimeError:
        r = 'handled'
    return r


def star_args_of(f, args):
    return f(*args)


def kwargs_of(f, kw):
    return f(**kw)


def refcount_loop(n, a, b, kw, seq):
    for _ in range(n):
        target(a, b)
        max(a, b, key=id)
        seq.count(a)
        target(*(a, b))
        target(a, **kw)
        target()
        try:
            int(a)
        except TypeError:
            pass
        try:
            abs(a)
        except RuntimeError:
            pass


def threaded(n):
    total = 0
    for i in range(n):
        total += abs(-i)
    return len(str(total))


def call_state(x):
    ts = TRACE_SLOT
    a = abs(x)
    return a, ts[1].from_address(ts[0]())[ts[2]]


def full_stack_state(a, b):
    ts = TRACE_SLOT
    return (a, b, max(a, b)), ts[1].from_address(ts[0]())[ts[2]]


# Calls with more than 255 arguments: on 3.8/3.9 their call instruction has
# an EXTENDED_ARG prefix; 3.10+ build a tuple (or a dict) and use
# CALL_FUNCTION_EX.  Compiled with this file's name.
_ns = {}
exec(compile(
    'def many_positional():\n    return max(%s)\n'
    % ', '.join(str(i) for i in range(300)) +
    'def many_method(o):\n    return o.many(%s)\n'
    % ', '.join(str(i) for i in range(300)) +
    'def many_keywords():\n    return dict(%s)\n'
    % ', '.join('k%d=%d' % (i, i) for i in range(300)), __file__, 'exec'),
    _ns)
many_positional = _ns['many_positional']
many_method = _ns['many_method']
many_keywords = _ns['many_keywords']

# A function whose call sites cannot all jump to their stubs without
# EXTENDED_ARG room (the first call is over 255 bytes, 3.8/3.9, or code
# units, 3.10, before the stubs): no clone, traced every time.
exec(compile(
    'def long_calls(x):\n    total = abs(x)\n'
    + ''.join('    total += x * %d\n' % i for i in range(150)) +
    '    return len(str(total))\n', __file__, 'exec'), _ns)
long_calls = _ns['long_calls']
del _ns


# --------------------------------------------------------------------------
# Fresh copies

#: id(code) -> (code, the compiler's co_stacksize), for every code object
#: of this module (filled in at the end, before any test runs).
_PRISTINE = {}


def _remember(code):
    _PRISTINE[id(code)] = (code, code.co_stacksize)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _remember(const)


def fresh(func):
    """A new function running a new code object equal to ``func``'s, with
    the stack size the compiler gave it (the backport may have grown the
    original's)."""
    code = func.__code__
    size = _PRISTINE[id(code)][1]
    return types.FunctionType(code.replace(co_stacksize=size),
                              func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)


def catching(func, *args):
    """``func(*args)``, or the type of the exception it raised."""
    try:
        return func(*args)
    except Exception as e:
        return type(e)


def bound_method_of(func, obj):
    return Like('%s bound to %r' % (func.__name__, obj), lambda v: (
        getattr(v, '__func__', None) is func and
        getattr(v, '__self__', None) is obj))


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


# --------------------------------------------------------------------------

def raising_at(event):
    """A ``respond`` raising RuntimeError('from EVENT') at every ``event``."""
    def respond(r):
        if r.event == event:
            raise RuntimeError('from ' + event)
    return respond


class ProbeCallTestCase(MonitoringTestCase):

    def raising_runs(self, f, runs, exc_type, respond=None):
        """Run ``f(*args)`` for each ``args`` in ``runs`` under CALLS (with
        ``respond`` for the recorder), each run raising ``exc_type``; the
        recorder and the exceptions, with the monitoring stopped."""
        rec = self.recorder(0, CALLS, in_codes(f.__code__),
                            respond=respond)
        raised = []
        for args in runs:
            try:
                f(*args)
            except exc_type as e:
                raised.append(e)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(len(raised), len(runs))
        return rec, raised

    def record_runs(self, func, runs, codes=(), event_set=CALLS, tool=0,
                    respond=None):
        """Run ``func(*args)`` for each ``args`` in ``runs`` under
        ``event_set`` (set globally) and return each run's stream (only
        events of ``func`` and ``codes``) and results (or exception
        types)."""
        rec = self.recorder(tool, event_set,
                            in_codes(func.__code__, *codes), respond=respond)
        streams, results = [], []
        for args in runs:
            start = len(rec.records)
            results.append(catching(func, *args))
            streams.append(rec.events()[start:])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return streams, results

    def assertEachRun(self, streams, expected):
        """Every run gave the stream ``expected`` (a list of events, or a
        function of the run's index giving it)."""
        for i, got in enumerate(streams):
            want = expected(i) if callable(expected) else expected
            self.assertEqual(got, want, 'run %d' % i)

    def assertOnProbes(self, *funcs):
        """On 3.8-3.11: each function has a call clone in use (its later
        runs took the probe path); on 3.11, generators with a call at the
        top of their stack run traced (``FULL_STACK_GENERATORS``)."""
        if PROBES:
            for func in funcs:
                code = getattr(func, '__code__', func)
                state = pep669._monitoring._probe_state(code)
                if PY[:2] == (3, 11) and code.co_name in FULL_STACK_GENERATORS:
                    self.assertFalse(state['calls'], code.co_name)
                    self.assertGreater(state['call_refusals'], 0)
                    continue
                self.assertTrue(state['calls'], code.co_name)
                self.assertFalse(state['retired'], code.co_name)


def gen_object():
    return Like('a generator', lambda v: type(v).__name__ == 'generator')


def lasti_during_call(func, offset):
    """What a callee sees as its caller's f_lasti while the call at
    ``offset`` runs (LASTI_AT_LAST_CACHE)."""
    if LASTI_AT_LAST_CACHE:
        return Layout(func.__code__).next_offset(offset) - 2
    return offset


def frame_entry(exc, code):
    """The traceback entry of ``code``'s frame (the only one)."""
    tb = exc.__traceback__
    found = []
    while tb is not None:
        if tb.tb_frame.f_code is code:
            found.append(tb)
        tb = tb.tb_next
    if len(found) != 1:
        raise AssertionError('%d traceback entries for %s'
                             % (len(found), code.co_name))
    return found[0]


class CallableKindsTest(ProbeCallTestCase):

    def test_every_kind_of_callable(self):
        f = fresh(kinds)
        obj, seq, d = Thing(), [], Derived()
        p = functools.partial(target, 'bound')
        streams, results = self.record_runs(
            f, [(obj, seq, p, d)] * RUNS, [Derived.greet.__code__])
        c = dict((line, call_site(f, line)) for line in
                 (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12))
        c_super, c_greet = call_sites(Derived.greet, 1)
        self.assertEqual(results, [10] * RUNS)
        self.assertEqual(seq, [4] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'kinds', c[1], target, 1),
            # LOAD_METHOD (3.12: LOAD_ATTR): the function and the instance
            ('CALL', 'kinds', c[2], Thing.method, obj),
            # a bound method: itself and the first argument, no C_RETURN
            ('CALL', 'kinds', c[4], bound_method_of(Thing.method, obj), 3),
            ('CALL', 'kinds', c[5], len, 'ab'),
            ('C_RETURN', 'kinds', c[5], len, 'ab'),
            # a method descriptor and the list
            ('CALL', 'kinds', c[6], list.append, seq),
            ('C_RETURN', 'kinds', c[6], list.append, seq),
            # a class (its __init__ is Python code): C_RETURN after it
            ('CALL', 'kinds', c[7], WithInit, 5),
            ('C_RETURN', 'kinds', c[7], WithInit, 5),
            ('CALL', 'kinds', c[8], p, 6),
            ('C_RETURN', 'kinds', c[8], p, 6),
            ('CALL', 'kinds', c[9], obj, 7),
            ('C_RETURN', 'kinds', c[9], obj, 7),
            # the method bound to the class
            ('CALL', 'kinds', c[10],
             bound_method_of(Thing.cmethod.__func__, Thing), 8),
            ('CALL', 'kinds', c[11], Thing.smethod, 9),
            ('CALL', 'kinds', c[12], Derived.greet, d),
            ('CALL', 'greet', c_super, super, MISSING),
            ('C_RETURN', 'greet', c_super, super, MISSING),
            ('CALL', 'greet', c_greet, bound_method_of(Base.greet, d), 10),
        ])
        self.assertOnProbes(f, Derived.greet)

    def test_with_frame_events(self):
        f = fresh(with_frames)
        obj = Thing()
        init = WithInit.__init__
        streams, results = self.record_runs(
            f, [(obj,)] * RUNS,
            [target.__code__, init.__code__, Thing.method.__code__],
            CALLS | E.PY_START | E.PY_RETURN)
        F, T, I, M = (Layout(x.__code__) for x in
                      (f, target, init, Thing.method))
        c1 = call_site(f, 1)
        c2 = call_site(f, 2)
        c_method, c_len = call_sites(f, 3)
        self.assertEqual(results, [2] * RUNS)
        self.assertEachRun(streams, [
            ('PY_START', 'with_frames', F.start),
            ('CALL', 'with_frames', c1, target, 1),
            ('PY_START', 'target', T.start),
            ('PY_RETURN', 'target', T.ret, 1),
            ('CALL', 'with_frames', c2, WithInit, 1),
            ('PY_START', '__init__', I.start),
            ('PY_RETURN', '__init__', I.ret, None),
            ('C_RETURN', 'with_frames', c2, WithInit, 1),
            ('CALL', 'with_frames', c_method, Thing.method, obj),
            ('PY_START', 'method', M.start),
            ('PY_RETURN', 'method', M.ret, 1),
            ('CALL', 'with_frames', c_len, len, 'x'),
            ('C_RETURN', 'with_frames', c_len, len, 'x'),
            ('PY_RETURN', 'with_frames', F.ret, 2),
        ])
        self.assertOnProbes(f)

    def test_nested_calls(self):
        f = fresh(nested)
        streams, results = self.record_runs(
            f, [(-3,), (-45,), (7,), (-3,)])
        c_target, c_abs, c_str, c_len = call_sites(f, 1)
        self.assertEqual(results, [1, 2, 1, 1])
        # the innermost call first

        def expected(i):
            x = (-3, -45, 7, -3)[i]
            return [
                ('CALL', 'nested', c_target, target, x),
                ('CALL', 'nested', c_abs, abs, x),
                ('C_RETURN', 'nested', c_abs, abs, x),
                ('CALL', 'nested', c_str, str, abs(x)),
                ('C_RETURN', 'nested', c_str, str, abs(x)),
                ('CALL', 'nested', c_len, len, str(abs(x))),
                ('C_RETURN', 'nested', c_len, len, str(abs(x))),
            ]
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f)

    def test_recursion(self):
        # (fib calls itself by its global name: the module's function)
        c1, c2 = call_sites(fib, 3)

        def expected(n):
            if n < 2:
                return []
            return ([('CALL', 'fib', c1, fib, n - 1)] + expected(n - 1) +
                    [('CALL', 'fib', c2, fib, n - 2)] + expected(n - 2))
        streams, results = self.record_runs(fib, [(6,), (5,), (6,), (7,)])
        self.assertEqual(results, [8, 5, 8, 13])
        self.assertEachRun(streams, lambda i: expected((6, 5, 6, 7)[i]))
        self.assertOnProbes(fib)

    def test_list_comprehension(self):
        f = fresh(in_listcomp)
        comps = [c for c in f.__code__.co_consts
                 if isinstance(c, types.CodeType)]
        streams, results = self.record_runs(
            f, [([-1, 2],), ([],), ([-3],), ([-1, 2],)], comps)
        self.assertEqual(results, [[1, 2], [], [3], [1, 2]])
        it = Like('an iterator', lambda v: type(v).__name__.endswith(
            'iterator'))

        def expected(i):
            seq = ([-1, 2], [], [-3], [-1, 2])[i]
            if comps:
                # before 3.12: the <listcomp> function, called with the
                # iterator
                comp = comps[0]
                c_abs = call_site(comp, 0)
                return ([('CALL', 'in_listcomp', call_site(f, 1),
                          Like('function of <listcomp>', lambda v:
                               getattr(v, '__code__', None) is comp), it)] +
                        [e for v in seq for e in (
                            ('CALL', '<listcomp>', c_abs, abs, v),
                            ('C_RETURN', '<listcomp>', c_abs, abs, v))])
            c_abs = call_site(f, 1)
            return [e for v in seq for e in (
                ('CALL', 'in_listcomp', c_abs, abs, v),
                ('C_RETURN', 'in_listcomp', c_abs, abs, v))]
        self.assertEqual(bool(comps), PY < (3, 12))
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f, *comps)

    def test_closure(self):
        f = fresh(with_closure)
        inner = [c for c in f.__code__.co_consts
                 if isinstance(c, types.CodeType)][0]
        streams, results = self.record_runs(
            f, [(2,), (30,), (2,), (4,)], [inner])
        c_inner, c_str, c_len = call_sites(f, 3)
        c_abs = call_site(inner, 1)
        self.assertEqual(results, [5, 62, 5, 9])

        def expected(i):
            x = (2, 30, 2, 4)[i]
            return [
                ('CALL', 'with_closure', c_inner,
                 Like('inner', lambda v: v.__code__ is inner), -x),
                ('CALL', 'inner', c_abs, abs, -x),
                ('C_RETURN', 'inner', c_abs, abs, -x),
                ('CALL', 'with_closure', c_str, str, x),
                ('C_RETURN', 'with_closure', c_str, str, x),
                ('CALL', 'with_closure', c_len, len, str(x)),
                ('C_RETURN', 'with_closure', c_len, len, str(x)),
            ]
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f, inner)

    def test_with_statement(self):
        f = fresh(with_statement)
        streams, results = self.record_runs(f, [()] * RUNS)
        sites = Layout(f.__code__).offsets(*CALL_OPS)
        # (3.9 gives the __exit__ call the line of the block's last
        # statement)
        c_len = sites[1]
        exit_method = Like('bound Manager.__exit__', lambda v: (
            getattr(v, '__func__', None) is Manager.__exit__))
        expected = [
            ('CALL', 'with_statement', sites[0], Manager, MISSING),
            ('C_RETURN', 'with_statement', sites[0], Manager, MISSING),
            ('CALL', 'with_statement', c_len, len, 'in'),
            ('C_RETURN', 'with_statement', c_len, len, 'in'),
        ]
        if WITH_EXIT_CALL:
            # ``__exit__(None, None, None)``: the bound method and None
            expected.append(('CALL', 'with_statement', sites[-1],
                             exit_method, None))
            if WITH_EXIT_C_RETURN:
                expected.append(('C_RETURN', 'with_statement', sites[-1],
                                 exit_method, None))
        self.assertEachRun(streams, expected)
        # (3.8: WITH_CLEANUP_START's own call probe, session 11)
        self.assertOnProbes(f)


    def test_with_exits(self):
        # Every way out of a `with` block, on probes after the first runs
        # (3.8: WITH_CLEANUP_START's probe makes the exception's exit too,
        # with no event, as 3.12's WITH_EXCEPT_START)
        f = fresh(with_exits)
        modes = list(range(5)) * RUNS
        streams, results = self.record_runs(f, [(m,) for m in modes])
        exit_method = Like('bound ExitManager.__exit__', lambda v: (
            getattr(v, '__func__', None) is ExitManager.__exit__))
        exits = {0: 'C_RETURN', 3: 'C_RAISE', 4: 'C_RETURN'}
        calls = {1: (ValueError, 1), 2: (ValueError, 2),
                 4: (sys.exc_info, MISSING)}

        def expected(i):
            mode = modes[i]
            want = [('CALL', ExitManager, mode == 1),
                    ('C_RETURN', ExitManager, mode == 1),
                    ('CALL', len, 'in'), ('C_RETURN', len, 'in')]
            if mode in calls:
                want += [('CALL',) + calls[mode],
                         ('C_RETURN',) + calls[mode]]
            if mode in exits:
                want += [('CALL', exit_method, None),
                         (exits[mode], exit_method, None)]
            if mode in (0, 1):
                want += [('CALL', abs, -mode), ('C_RETURN', abs, -mode)]
            return want
        for i, got in enumerate(streams):
            self.assertEqual([(e, c, a) for e, _, _, c, a in got],
                             expected(i), 'run %d' % i)
            # (the same offsets as the mode's first run)
            self.assertEqual([r[:3] for r in got],
                             [r[:3] for r in streams[i % 5]], 'run %d' % i)
        self.assertEqual(results, [0, 1, ValueError, KeyError, None] * RUNS)
        self.assertOnProbes(f)


    def test_with_exit_falsy_exception_type(self):
        f = fresh(with_falsy)
        modes = [0, 1, 2] * RUNS
        streams, results = self.record_runs(f, [(k,) for k in modes])
        for i, got in enumerate(streams):
            names = [(e, getattr(c, '__name__', None))
                     for e, _, _, c, _ in got]
            want = [('CALL', 'ExitManager'), ('C_RETURN', 'ExitManager')]
            if modes[i]:
                want += [('CALL', 'FalsyError'), ('C_RETURN', 'FalsyError')]
            else:
                want += [('CALL', 'len'), ('C_RETURN', 'len'),
                         ('CALL', '__exit__'), ('C_RETURN', '__exit__')]
            if modes[i] < 2:
                want += [('CALL', 'exc_info'), ('C_RETURN', 'exc_info')]
            self.assertEqual(names, want, 'run %d' % i)
        self.assertEqual(results, [None, None, FalsyError] * RUNS)
        self.assertOnProbes(f)


class ArgumentFormsTest(ProbeCallTestCase):

    def test_keywords(self):
        f = fresh(keywords)
        obj = Thing()
        streams, results = self.record_runs(f, [(obj,)] * RUNS)
        c = dict((line, call_site(f, line)) for line in (1, 2, 3, 4, 5))
        if METHOD_CALL_WITH_KEYWORDS:
            # the function and the instance
            method_call = ('CALL', 'keywords', c[4], Thing.method, obj)
        else:
            # LOAD_ATTR + CALL_FUNCTION_KW: the bound method and the first
            # keyword value
            method_call = ('CALL', 'keywords', c[4],
                           bound_method_of(Thing.method, obj), 26)
        self.assertEqual(results, [[2, 1]] * RUNS)
        self.assertEachRun(streams, [
            # no positional argument: the first keyword value
            ('CALL', 'keywords', c[1], target, 14),
            ('CALL', 'keywords', c[2], dict, 16),
            ('C_RETURN', 'keywords', c[2], dict, 16),
            ('CALL', 'keywords', c[3], target, 17),
            method_call,
            ('CALL', 'keywords', c[5], sorted, [2, 1]),
            ('C_RETURN', 'keywords', c[5], sorted, [2, 1]),
        ])
        self.assertOnProbes(f)

    def test_star_arguments(self):
        f = fresh(star_calls)
        # a tuple or a list for ``*``, a dict or another mapping for
        # ``**``, an iterator (a generator) for ``*`` made a tuple first
        runs = [((5, 6), {'a': 1}, values(1, 2)),
                ([5, 6], Pairs(a=1), values(1, 2)),
                ((5, 6), Pairs(a=1), iter([1, 2])),
                ([5, 6], {'a': 1}, values(1, 2))]
        streams, results = self.record_runs(f, runs)
        c = dict((line, call_site(f, line)) for line in range(1, 8))
        python_ex = [] if NO_CALL_FOR_PYTHON_EX else [None]
        self.assertEqual(results, [0] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'star_calls', c[1], target, 5)] * len(python_ex) + [
            ('CALL', 'star_calls', c[2], max, 5),
            ('C_RETURN', 'star_calls', c[2], max, 5),
            ('CALL', 'star_calls', c[3], dict, EMPTY_EX_ARG0),
            ('C_RETURN', 'star_calls', c[3], dict, EMPTY_EX_ARG0)] + [
            ('CALL', 'star_calls', c[4], target, MISSING),
            ('CALL', 'star_calls', c[5], target, 5)] * len(python_ex) + [
            ('CALL', 'star_calls', c[6], max, 1),
            ('C_RETURN', 'star_calls', c[6], max, 1),
            ('CALL', 'star_calls', c[7], int, EMPTY_EX_ARG0),
            ('C_RETURN', 'star_calls', c[7], int, EMPTY_EX_ARG0),
        ])
        self.assertOnProbes(f)

    def test_no_arguments(self):
        f = fresh(no_arguments)
        streams, results = self.record_runs(f, [()] * RUNS)
        c1 = call_site(f, 1)
        c2 = call_site(f, 2)
        self.assertEqual(results, [{}] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'no_arguments', c1, target, MISSING),
            ('CALL', 'no_arguments', c2, dict, MISSING),
            ('C_RETURN', 'no_arguments', c2, dict, MISSING),
        ])
        for stream in streams:
            for event in stream:
                self.assertIs(event[4], MISSING)
        self.assertOnProbes(f)

    def test_many_positional_arguments(self):
        f = fresh(many_positional)
        c = call_site(f, 1)
        if PY < (3, 10):
            self.assertEqual(Layout(f.__code__).opname_at(c),
                             'CALL_FUNCTION')
            self.assertIn('EXTENDED_ARG', [
                i.opname for i in Layout(f.__code__).instructions])
        streams, results = self.record_runs(f, [()] * RUNS)
        self.assertEqual(results, [299] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'many_positional', c, max, 0),
            ('C_RETURN', 'many_positional', c, max, 0),
        ])
        self.assertOnProbes(f)

    def test_many_arguments_to_a_method(self):
        f = fresh(many_method)
        obj = Thing()
        c = call_site(f, 1)
        op = Layout(f.__code__).opname_at(c)
        streams, results = self.record_runs(f, [(obj,)] * RUNS)
        if op == 'CALL_FUNCTION_EX':
            # 3.10+: the bound method, called with a tuple
            expected = [] if NO_CALL_FOR_PYTHON_EX else [
                ('CALL', 'many_method', c,
                 bound_method_of(Thing.many, obj), 0)]
        else:
            # 3.8/3.9: LOAD_METHOD, CALL_METHOD with EXTENDED_ARG
            self.assertEqual(op, 'CALL_METHOD')
            expected = [('CALL', 'many_method', c, Thing.many, obj)]
        self.assertEqual(results, [300] * RUNS)
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f)

    def test_many_keyword_arguments(self):
        f = fresh(many_keywords)
        c = call_site(f, 1)
        op = Layout(f.__code__).opname_at(c)
        streams, results = self.record_runs(f, [()] * RUNS)
        # 3.8/3.9: CALL_FUNCTION_KW with EXTENDED_ARG (the first keyword
        # value); 3.10+: a dict and CALL_FUNCTION_EX (no positional one)
        arg0 = EMPTY_EX_ARG0 if op == 'CALL_FUNCTION_EX' else 0
        self.assertEqual(len(results[0]), 300)
        self.assertEachRun(streams, [
            ('CALL', 'many_keywords', c, dict, arg0),
            ('C_RETURN', 'many_keywords', c, dict, arg0),
        ])
        if PY < (3, 10):
            # (3.10: the code is too long for the jumps to its stubs)
            self.assertOnProbes(f)


    def test_function_too_long_for_probes(self):
        # (on probes from far: ProbeStateTest)
        f = fresh(long_calls)
        runs = (1, -2, 3, 1)
        streams, results = self.record_runs(f, [(x,) for x in runs])
        c_abs = call_site(f, 1)
        c_str, c_len = call_sites(f, 152)

        def expected(i):
            x = runs[i]
            total = abs(x) + x * sum(range(150))
            return [('CALL', 'long_calls', c_abs, abs, x),
                    ('C_RETURN', 'long_calls', c_abs, abs, x),
                    ('CALL', 'long_calls', c_str, str, total),
                    ('C_RETURN', 'long_calls', c_str, str, total),
                    ('CALL', 'long_calls', c_len, len, str(total)),
                    ('C_RETURN', 'long_calls', c_len, len, str(total))]
        self.assertEqual(results, [len(str(expected(i)[2][4]))
                                   for i in range(len(runs))])
        self.assertEachRun(streams, expected)


class BadArgumentsTest(ProbeCallTestCase):
    """``f(*1)``, ``f(**1)``: the TypeError the interpreter raises without
    monitoring, word for word."""

    def unmonitored(self, func, *args):
        try:
            func(*args)
        except TypeError as e:
            return str(e)
        raise AssertionError('no TypeError')

    def messages(self, func, callee, bad):
        expected = self.unmonitored(func, callee, bad)
        f = fresh(func)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        got = []
        for _ in range(RUNS):
            try:
                f(callee, bad)
            except TypeError as e:
                got.append(str(e))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, [expected] * RUNS)
        return expected, rec

    def test_star_argument_not_iterable(self):
        for callee in (target, max):
            expected, rec = self.messages(star_args_of, callee, 1)
            self.assertIn('argument after * must be an iterable, not int',
                          expected)
            self._release_tool(0)

    def test_star_argument_none(self):
        expected, rec = self.messages(star_args_of, target, None)
        self.assertIn('must be an iterable, not NoneType', expected)

    def test_kwargs_not_a_mapping(self):
        for callee in (target, dict):
            expected, rec = self.messages(kwargs_of, callee, 1)
            self.assertIn('argument after ** must be a mapping, not int',
                          expected)
            self._release_tool(0)

    def test_no_call_event_for_a_star_argument_not_iterable(self):
        for callee in (target, max):
            expected, rec = self.messages(star_args_of, callee, 1)
            self.assertEqual(rec.events(), [])
            self._release_tool(0)

    def test_no_call_event_for_kwargs_not_a_mapping(self):
        for callee in (target, dict):
            expected, rec = self.messages(kwargs_of, callee, 1)
            self.assertEqual(rec.events(), [])
            self._release_tool(0)

    def test_mapping_read_before_the_call_event(self):
        f = fresh(kwargs_of)
        log = []
        rec = self.recorder(0, CALLS, in_codes(f.__code__),
                            respond=lambda r: log.append(r.event))
        for _ in range(RUNS):
            self.assertEqual(f(dict, Pairs(log, a=1)), {'a': 1})
        self.stop()
        self.assertEqual(log, ['keys', 'CALL', 'C_RETURN'] * RUNS)

    def test_star_argument_whose_iteration_raises(self):
        # the generator fails while the arguments are made a tuple,
        # before the call: no CALL
        def failing():
            yield 1
            raise KeyError('in *')
        f = fresh(star_args_of)
        streams, results = self.record_runs(
            f, [(max, failing()) for _ in range(RUNS)])
        self.assertEqual(results, [KeyError] * RUNS)
        self.assertEachRun(streams, [])
        self.assertOnProbes(f)


class RaisingCallsTest(ProbeCallTestCase):

    def test_builtin_raises_in_a_try_block(self):
        f = fresh(handled)
        texts = ['x', '5', 'yy', 'x', '-7']
        streams, results = self.record_runs(f, [(t,) for t in texts])
        c_int = call_site(f, 2)
        c_len = call_site(f, 4)
        self.assertEqual(results, [1, 5, 2, 1, -7])

        def expected(i):
            text = texts[i]
            if text.lstrip('-').isdigit():
                return [('CALL', 'handled', c_int, int, text),
                        ('C_RETURN', 'handled', c_int, int, text)]
            return [('CALL', 'handled', c_int, int, text),
                    ('C_RAISE', 'handled', c_int, int, text),
                    ('CALL', 'handled', c_len, len, text),
                    ('C_RETURN', 'handled', c_len, len, text)]
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f)

    def test_python_callee_raises_in_a_try_block(self):
        f = fresh(python_callee_raises)
        streams, results = self.record_runs(
            f, [('k',)] * RUNS, [raises_key_error.__code__])
        c = call_site(f, 2)
        c_abs = call_site(f, 4)
        k = call_site(raises_key_error, 1)
        self.assertEqual(results, [1] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'python_callee_raises', c, raises_key_error, 'k'),
            ('CALL', 'raises_key_error', k, KeyError, 'k'),
            ('C_RETURN', 'raises_key_error', k, KeyError, 'k'),
            # no C_RAISE: the callee is a Python function
            ('CALL', 'python_callee_raises', c_abs, abs, -1),
            ('C_RETURN', 'python_callee_raises', c_abs, abs, -1),
        ])
        self.assertOnProbes(f)

    def check_traceback(self, exc, f, rel_line, callee_name):
        code = f.__code__
        entry = frame_entry(exc, code)
        self.assertEqual(entry.tb_lineno - code.co_firstlineno, rel_line)
        if PY < (3, 11):
            # the call instruction, not a stub's
            self.assertEqual(entry.tb_lasti, call_site(f, rel_line))
        self.assertLess(entry.tb_lasti, len(code.co_code))
        summary = traceback.extract_tb(exc.__traceback__)
        names = [(s.name, s.lineno) for s in summary]
        index = names.index((code.co_name,
                             code.co_firstlineno + rel_line))
        self.assertEqual([n for n, _ in names[index + 1:]],
                         [callee_name] if callee_name else [])

    def test_traceback_through_a_python_callee(self):
        f = fresh(unhandled)
        rec, raised = self.raising_runs(
            f, [(key,) for key in ('a', 'bc', 'a', 'd')], KeyError)
        c_len = call_site(f, 1)
        c = call_site(f, 2)
        self.assertEqual([e.args for e in raised],
                         [('a',), ('bc',), ('a',), ('d',)])
        for e in raised:
            self.check_traceback(e, f, 2, 'raises_key_error')
        self.assertEqual(rec.events(), [e for key in ('a', 'bc', 'a', 'd')
                                        for e in (
            ('CALL', 'unhandled', c_len, len, key),
            ('C_RETURN', 'unhandled', c_len, len, key),
            ('CALL', 'unhandled', c, raises_key_error, key))])
        self.assertOnProbes(f)

    def test_traceback_through_a_builtin(self):
        f = fresh(unhandled_c)
        rec, raised = self.raising_runs(
            f, [(text,) for text in ('x', 'yz', 'x', 'w')], ValueError)
        c_len = call_site(f, 1)
        c = call_site(f, 2)
        for e in raised:
            self.check_traceback(e, f, 2, None)
        self.assertEqual(rec.events(), [e for text in ('x', 'yz', 'x', 'w')
                                        for e in (
            ('CALL', 'unhandled_c', c_len, len, text),
            ('C_RETURN', 'unhandled_c', c_len, len, text),
            ('CALL', 'unhandled_c', c, int, text),
            ('C_RAISE', 'unhandled_c', c, int, text))])
        self.assertOnProbes(f)

    def test_exception_events_next_to_probes(self):
        # RAISE and PY_UNWIND too: the frame is watched for exceptions
        f = fresh(unhandled)
        r = raises_key_error
        rec = self.recorder(0, CALLS | E.RAISE | E.PY_UNWIND,
                            in_codes(f.__code__, r.__code__))
        raised = []
        for key in ('a', 'b', 'c', 'd'):
            start = len(rec.records)
            try:
                f(key)
            except KeyError as e:
                raised.append((e, rec.events()[start:]))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        c_len = call_site(f, 1)
        c = call_site(f, 2)
        k = call_site(r, 1)
        rk = Layout(r.__code__).at_line(1, 'RAISE_VARARGS')
        self.assertEqual(len(raised), 4)
        for exc, stream in raised:
            key = exc.args[0]
            at = after_call(exc, f.__code__, True)
            if PY < (3, 11):
                self.assertEqual(at, c)
            self.assertEqual(stream, [
                ('CALL', 'unhandled', c_len, len, key),
                ('C_RETURN', 'unhandled', c_len, len, key),
                ('CALL', 'unhandled', c, r, key),
                ('CALL', 'raises_key_error', k, KeyError, key),
                ('C_RETURN', 'raises_key_error', k, KeyError, key),
                ('RAISE', 'raises_key_error', rk, X(KeyError, key)),
                ('PY_UNWIND', 'raises_key_error', rk, X(KeyError, key)),
                ('RAISE', 'unhandled', at, X(KeyError, key)),
                ('PY_UNWIND', 'unhandled', at, X(KeyError, key)),
            ])
        self.assertOnProbes(f)


class FrameTest(ProbeCallTestCase):
    """What a callee sees of the probed frame."""

    def test_python_callee_sees_the_caller_at_the_call(self):
        f = fresh(peeking)
        streams, results = self.record_runs(f, [()] * RUNS)
        code = f.__code__
        c1 = call_site(f, 1)
        c_len, c2 = call_sites(f, 2)
        for (code1, line1, lasti1), (code2, line2, lasti2) in results:
            # the frame's own code, never the clone
            self.assertIs(code1, code)
            self.assertIs(code2, code)
            self.assertEqual(line1 - code.co_firstlineno, 1)
            self.assertEqual(line2 - code.co_firstlineno, 2)
            self.assertEqual(lasti1, lasti_during_call(f, c1))
            self.assertEqual(lasti2, lasti_during_call(f, c2))
        self.assertEachRun(streams, [
            ('CALL', 'peeking', c1, peek, MISSING),
            ('CALL', 'peeking', c_len, len, 'x'),
            ('C_RETURN', 'peeking', c_len, len, 'x'),
            ('CALL', 'peeking', c2, peek, MISSING),
        ])
        self.assertOnProbes(f)

    def test_builtin_returns_the_frame_at_the_call(self):
        f = fresh(frame_of_builtin_call)
        streams, results = self.record_runs(f, [()] * RUNS)
        c = call_site(f, 1)
        self.assertEqual(results, [f.__code__.co_firstlineno + 1] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'frame_of_builtin_call', c, sys._getframe, MISSING),
            ('C_RETURN', 'frame_of_builtin_call', c, sys._getframe,
             MISSING),
        ])
        self.assertOnProbes(f)

    def callbacks_see(self, runs):
        """What CALL and C_RETURN callbacks see of the frame, run by run:
        (event, the frame's code is the code, f_lineno relative to the def,
        f_lasti is the event's offset)."""
        f = fresh(spanning)
        code = f.__code__
        seen = []

        def respond(r):
            # (respond <- the recorder's callback <- the monitored frame)
            frame = sys._getframe(2)
            seen[-1].append((r.event, frame.f_code is code,
                             frame.f_lineno - code.co_firstlineno,
                             frame.f_lasti == r.args[0]))
        rec = self.recorder(0, CALLS, in_codes(code), respond=respond)
        for x in range(runs):
            seen.append([])
            self.assertEqual(f(x), [x, max(x, 1)])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertOnProbes(f)
        return seen

    SPANNING = [('CALL', True, 1, True), ('C_RETURN', True, 1, True),
                ('CALL', True, 2, True), ('C_RETURN', True, 2, True)]

    def test_callbacks_see_the_frame_at_the_call(self):
        self.assertEqual(self.callbacks_see(RUNS), [self.SPANNING] * RUNS)

    def test_callbacks_see_the_frame_at_the_call_on_later_runs(self):
        # (the first run may be traced: the test above)
        self.assertEqual(self.callbacks_see(RUNS)[1:],
                         [self.SPANNING] * (RUNS - 1))

    def test_first_run_on_a_small_frame(self):
        # the stub's slot makes the stack grow: the first run's frame is
        # too small for the clone (traced), the later ones are not
        f = fresh(full_stack)
        streams, results = self.record_runs(
            f, [(1, 2), (4, 3), (1, 2), (5, 6)])
        c = call_site(f, 1)
        self.assertEqual(results, [(1, 2, 2), (4, 3, 4), (1, 2, 2),
                                   (5, 6, 6)])
        self.assertEachRun(streams, lambda i: [
            ('CALL', 'full_stack', c, max, (1, 4, 1, 5)[i]),
            ('C_RETURN', 'full_stack', c, max, (1, 4, 1, 5)[i]),
        ])
        self.assertOnProbes(f)


class GeneratorTest(ProbeCallTestCase):

    def test_calls_in_a_generator_resumed_several_times(self):
        d = fresh(drive_gen)
        # (drive_gen calls the module's gen_calls, shared)
        G = Layout(gen_calls.__code__)
        s2, s3 = G.suspension(2), G.suspension(3)
        streams, results = self.record_runs(
            d, [(2,), (3,), (0,), (2,)], [gen_calls.__code__],
            CALLS | E.PY_YIELD | E.PY_RESUME)
        c_gen = call_site(d, 2)
        c_app = call_site(d, 3)
        c_range = call_site(gen_calls, 1)
        c_abs = call_site(gen_calls, 2)
        c_len = call_site(gen_calls, 3)
        self.assertEqual(results, [[0, 1, 3], [0, 1, 2, 3], [3],
                                   [0, 1, 3]])

        def expected(i):
            n = (2, 3, 0, 2)[i]
            out = results[i]
            stream = [('CALL', 'drive_gen', c_gen, gen_calls, n),
                      ('CALL', 'gen_calls', c_range, range, n),
                      ('C_RETURN', 'gen_calls', c_range, range, n)]
            for k in range(n):
                if k:
                    stream.append(('PY_RESUME', 'gen_calls', s2.resume))
                stream += [
                    ('CALL', 'gen_calls', c_abs, abs, -k),
                    ('C_RETURN', 'gen_calls', c_abs, abs, -k),
                    ('PY_YIELD', 'gen_calls', s2.yield_, k),
                    ('CALL', 'drive_gen', c_app, list.append, out),
                    ('C_RETURN', 'drive_gen', c_app, list.append, out)]
            if n:
                stream.append(('PY_RESUME', 'gen_calls', s2.resume))
            stream += [
                ('CALL', 'gen_calls', c_len, len, 'end'),
                ('C_RETURN', 'gen_calls', c_len, len, 'end'),
                ('PY_YIELD', 'gen_calls', s3.yield_, 3),
                ('CALL', 'drive_gen', c_app, list.append, out),
                ('C_RETURN', 'drive_gen', c_app, list.append, out),
                ('PY_RESUME', 'gen_calls', s3.resume)]
            return stream
        self.assertEachRun(streams, expected)
        self.assertOnProbes(d, gen_calls)

    def test_generator_thrown_into_and_closed(self):
        f = fresh(drive_throw)
        G = Layout(catching_gen.__code__)
        s = G.suspension(3)
        streams, results = self.record_runs(
            f, [()] * RUNS, [catching_gen.__code__], CALLS | E.PY_THROW)
        c_create = call_site(f, 1)
        c_next = call_site(f, 2)
        c_exc, c_throw = call_sites(f, 3)
        c_close = call_site(f, 4)
        c_len = call_site(catching_gen, 3)
        c_abs = call_site(catching_gen, 5)
        gen = gen_object()
        gen_type = type(catching_gen())
        self.assertEqual(results, [(1, 1)] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'drive_throw', c_create, catching_gen, MISSING),
            ('CALL', 'drive_throw', c_next, next, gen),
            ('CALL', 'catching_gen', c_len, len, 'y'),
            ('C_RETURN', 'catching_gen', c_len, len, 'y'),
            ('C_RETURN', 'drive_throw', c_next, next, gen),
            ('CALL', 'drive_throw', c_exc, KeyError, 'k'),
            ('C_RETURN', 'drive_throw', c_exc, KeyError, 'k'),
            ('CALL', 'drive_throw', c_throw, gen_type.throw, gen),
            ('PY_THROW', 'catching_gen', s.throw, X(KeyError, 'k')),
            ('CALL', 'catching_gen', c_abs, abs, -1),
            ('C_RETURN', 'catching_gen', c_abs, abs, -1),
            ('CALL', 'catching_gen', c_len, len, 'y'),
            ('C_RETURN', 'catching_gen', c_len, len, 'y'),
            ('C_RETURN', 'drive_throw', c_throw, gen_type.throw, gen),
            ('CALL', 'drive_throw', c_close, gen_type.close, gen),
            ('PY_THROW', 'catching_gen', s.throw, X(GeneratorExit)),
            ('C_RETURN', 'drive_throw', c_close, gen_type.close, gen),
        ])
        self.assertOnProbes(f, catching_gen)


    def test_events_change_while_a_generator_is_suspended(self):
        # the generator was suspended on probes; it resumes under the new
        # events
        g_code = gen_calls.__code__
        c_abs = call_site(gen_calls, 2)
        for change in ('call', 'line'):
            rec0 = self.recorder(0, CALLS, in_codes(g_code))
            self.use_tool(1)
            rec1 = Recorder(1, CALLS | E.LINE, in_codes(g_code)).register()
            list(gen_calls(2))
            list(gen_calls(2))
            g = gen_calls(4)
            self.assertEqual([next(g), next(g)], [0, 1])
            start0 = len(rec0.records)
            monitoring.set_events(1, CALLS if change == 'call' else E.LINE)
            self.assertEqual([next(g), next(g)], [2, 3])
            self.stop()
            g.close()
            self.assertEqual(rec0.frame_errors + rec1.frame_errors, [])
            calls = [e for i in (2, 3) for e in (
                ('CALL', 'gen_calls', c_abs, abs, -i),
                ('C_RETURN', 'gen_calls', c_abs, abs, -i))]
            self.assertEqual(rec0.events()[start0:], calls, change)
            if change == 'call':
                self.assertEqual(rec1.events(), calls)
            else:
                self.assertEqual([r.args[0] - g_code.co_firstlineno
                                  for r in rec1.records], [1, 2, 1, 2])
            self._release_tool(0)
            self._release_tool(1)

    def test_calls_in_a_coroutine(self):
        f = fresh(drive_coro)
        runs = (3, -20, 3, 7)
        streams, results = self.record_runs(
            f, [(n,) for n in runs], [coro_calls.__code__])
        c_create = call_site(f, 1)
        c_send1 = call_site(f, 2)
        c_send2 = call_site(f, 4)
        c_abs = call_site(coro_calls, 1)
        c_suspend = call_site(coro_calls, 2)
        c_str, c_len = call_sites(coro_calls, 3)
        coro = Like('a coroutine', lambda v: type(v).__name__ == 'coroutine')
        self.assertEqual(results, [('suspended', len(str(abs(n) + 1)))
                                   for n in runs])

        def expected(i):
            total = abs(runs[i]) + 1
            return [
                ('CALL', 'drive_coro', c_create, coro_calls, runs[i]),
                ('CALL', 'drive_coro', c_send1, CORO_SEND, coro),
                ('CALL', 'coro_calls', c_abs, abs, runs[i]),
                ('C_RETURN', 'coro_calls', c_abs, abs, runs[i]),
                ('CALL', 'coro_calls', c_suspend, Suspend, MISSING),
                ('C_RETURN', 'coro_calls', c_suspend, Suspend, MISSING),
                ('C_RETURN', 'drive_coro', c_send1, CORO_SEND, coro),
                ('CALL', 'drive_coro', c_send2, CORO_SEND, coro),
                ('CALL', 'coro_calls', c_str, str, total),
                ('C_RETURN', 'coro_calls', c_str, str, total),
                ('CALL', 'coro_calls', c_len, len, str(total)),
                ('C_RETURN', 'coro_calls', c_len, len, str(total)),
                # StopIteration out of send()
                ('C_RAISE', 'drive_coro', c_send2, CORO_SEND, coro),
            ]
        self.assertEachRun(streams, expected)
        self.assertOnProbes(f, coro_calls)


def without_c_event_of_disabled_calls(records, disabled):
    """The events of ``records`` (unnormalized) without the C event of a
    call whose CALL callback returned DISABLE: natively, whether that one
    call still gets it depends on the code object's past
    (tests.test_call_events.records_without_c_event_of_disabled_calls)."""
    return [(r.event, r.code.co_name) + r.args
            for r in records_without_c_event_of_disabled_calls(records,
                                                               disabled)]


class CallbackTest(ProbeCallTestCase):
    """Callbacks that raise, DISABLE, or change the events, at probes."""

    def callback_raising_runs(self, event, f, *args):
        """Run f(*args) RUNS times under CALLS with a callback that raises
        RuntimeError at ``event``, each run raising it."""
        return self.raising_runs(f, [args] * RUNS, RuntimeError,
                                 raising_at(event))

    def test_call_callback_raising_prevents_the_call(self):
        f = fresh(appends)
        seq = []
        rec, raised = self.callback_raising_runs('CALL', f, seq, 7)
        self.assertEqual(seq, [])
        c = call_site(f, 1)
        for e in raised:
            self.assertIsNone(e.__context__)
            entry = frame_entry(e, f.__code__)
            self.assertEqual(entry.tb_lineno - f.__code__.co_firstlineno, 1)
            if PY < (3, 11):
                self.assertEqual(entry.tb_lasti, c)
            # then the callback's own frames
            self.assertIsNotNone(entry.tb_next)
        self.assertEqual(rec.events(),
                         [('CALL', 'appends', c, list.append, seq)] * RUNS)
        self.assertOnProbes(f)

    def test_call_callback_raising_caught_by_the_frame(self):
        f = fresh(int_or_handled)

        respond = raising_at('CALL')
        streams, results = self.record_runs(f, [('7',)] * RUNS,
                                            respond=respond)
        c = call_site(f, 2)
        self.assertEqual(results, ['handled'] * RUNS)
        self.assertEachRun(streams, [('CALL', 'int_or_handled', c, int,
                                      '7')])
        self.assertOnProbes(f)

    def test_c_return_callback_raising_discards_the_result(self):
        f = fresh(int_or_handled)

        respond = raising_at('C_RETURN')
        streams, results = self.record_runs(f, [('25',)] * RUNS,
                                            respond=respond)
        c = call_site(f, 2)
        self.assertEqual(results, ['handled'] * RUNS)
        self.assertEachRun(streams, [
            ('CALL', 'int_or_handled', c, int, '25'),
            ('C_RETURN', 'int_or_handled', c, int, '25')])
        self.assertOnProbes(f)

    def test_c_return_callback_raising_after_the_call(self):
        f = fresh(appends)
        seq = []
        rec, raised = self.callback_raising_runs('C_RETURN', f, seq, 7)
        # the call happened, len() did not
        self.assertEqual(seq, [7] * RUNS)
        for e in raised:
            self.assertIsNone(e.__context__)
            entry = frame_entry(e, f.__code__)
            self.assertEqual(entry.tb_lineno - f.__code__.co_firstlineno, 1)
        c = call_site(f, 1)
        self.assertEqual(rec.events(), [
            ('CALL', 'appends', c, list.append, seq),
            ('C_RETURN', 'appends', c, list.append, seq)] * RUNS)
        self.assertOnProbes(f)

    def test_c_raise_callback_raising_replaces_the_exception(self):
        f = fresh(unhandled_c)
        rec, raised = self.callback_raising_runs('C_RAISE', f, 'y')
        for e in raised:
            self.assertIsNone(e.__context__)
            entry = frame_entry(e, f.__code__)
            self.assertEqual(entry.tb_lineno - f.__code__.co_firstlineno, 2)
        c_len = call_site(f, 1)
        c = call_site(f, 2)
        self.assertEqual(rec.events(), [
            ('CALL', 'unhandled_c', c_len, len, 'y'),
            ('C_RETURN', 'unhandled_c', c_len, len, 'y'),
            ('CALL', 'unhandled_c', c, int, 'y'),
            ('C_RAISE', 'unhandled_c', c, int, 'y')] * RUNS)
        self.assertOnProbes(f)

    def test_disable_from_call_disables_that_location_only(self):
        f = fresh(calls_in_loop)
        armed = []
        respond = disabling(lambda r: armed and r.args[1] is abs)
        rec0 = self.recorder(0, CALLS, in_codes(f.__code__),
                             respond=respond)
        rec1 = self.recorder(1, CALLS, in_codes(f.__code__))
        runs = []
        for i in range(RUNS + 2):
            if i == 2:
                armed.append(1)
            start0, start1 = len(rec0.records), len(rec1.records)
            self.assertEqual(f(3), 0)
            runs.append((without_c_event_of_disabled_calls(
                rec0.records[start0:], respond.disabled),
                rec1.events()[start1:]))
        self.stop()
        self.assertEqual(rec0.frame_errors + rec1.frame_errors, [])
        c_range = call_site(f, 1)
        c_abs = call_site(f, 2)
        c_len = call_site(f, 3)
        every = ([('CALL', 'calls_in_loop', c_range, range, 3),
                  ('C_RETURN', 'calls_in_loop', c_range, range, 3)] +
                 [e for i in range(3) for e in (
                     ('CALL', 'calls_in_loop', c_abs, abs, i),
                     ('C_RETURN', 'calls_in_loop', c_abs, abs, i))] +
                 [('CALL', 'calls_in_loop', c_len, len, ()),
                  ('C_RETURN', 'calls_in_loop', c_len, len, ())])
        # tool 0: DISABLE at abs in the third run, once
        without_abs = [e for e in every if e[2] != c_abs]
        self.assertEqual(len(respond.disabled), 1)
        self.assertEqual([r[0] for r in runs], [every, every] + [
            without_abs[:2] + [('CALL', 'calls_in_loop', c_abs, abs, 0)] +
            without_abs[2:]] + [without_abs] * (RUNS - 1))
        # tool 1 sees every call all along
        self.assertEqual([r[1] for r in runs], [every] * (RUNS + 2))
        self.assertOnProbes(f)

    def test_disable_from_c_return_raises_and_removes_the_callback(self):
        f = fresh(appends)
        seq = []
        armed = []

        def respond(r):
            if r.event == 'C_RETURN' and armed:
                return DISABLE
        rec = self.recorder(0, CALLS, in_codes(f.__code__),
                            respond=respond)
        f(seq, 0)
        f(seq, 1)
        armed.append(1)
        try:
            f(seq, 2)
        except ValueError as e:
            exc = e
        self.assertEqual(str(exc),
                         'Cannot disable C_RETURN events. Callback removed.')
        self.assertIsNone(exc.__context__)
        entry = frame_entry(exc, f.__code__)
        self.assertEqual(entry.tb_lineno - f.__code__.co_firstlineno, 1)
        self.assertIsNone(monitoring.register_callback(0, E.C_RETURN, None))
        self.assertEqual(f(seq, 3), 4)
        self.assertEqual(f(seq, 4), 5)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(seq, [0, 1, 2, 3, 4])
        c = call_site(f, 1)
        c_len = call_site(f, 2)
        call = ('CALL', 'appends', c, list.append, seq)
        ret = ('C_RETURN', 'appends', c, list.append, seq)
        self.assertEqual(rec.events(), [
            call, ret, ('CALL', 'appends', c_len, len, seq),
            ('C_RETURN', 'appends', c_len, len, seq)] * 2 + [
            call, ret] + [call, ('CALL', 'appends', c_len, len, seq)] * 2)
        self.assertOnProbes(f)

    def test_restart_events_brings_disabled_locations_back(self):
        f = fresh(three_builtins)
        respond = disabling(lambda r: True)
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        runs = []

        def run(x):
            start = len(rec.records)
            self.assertEqual(f(x), (2, x, max(x, 1)))
            runs.append(without_c_event_of_disabled_calls(
                rec.records[start:], respond.disabled))
        for x in (1, 2, 3):
            run(x)
        monitoring.restart_events()
        for x in (4, 5):
            run(x)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))

        def calls(x):
            return [('CALL', 'three_builtins', c1, len, 'ab'),
                    ('CALL', 'three_builtins', c2, abs, -x),
                    ('CALL', 'three_builtins', c3, max, x)]
        self.assertEqual(runs, [calls(1), [], [], calls(4), []])
        self.assertOnProbes(f)

    def test_second_tool_gains_call_between_runs(self):
        f = fresh(three_builtins)
        rec0 = self.recorder(0, CALLS, in_codes(f.__code__))
        self.use_tool(1)
        rec1 = Recorder(1, CALLS, in_codes(f.__code__)).register()
        f(1)
        f(2)
        monitoring.set_events(1, CALLS)
        f(3)
        f(4)
        self.stop()
        self.assertEqual(rec0.frame_errors + rec1.frame_errors, [])

        def stream(x):
            c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))
            return [('CALL', 'three_builtins', c1, len, 'ab'),
                    ('C_RETURN', 'three_builtins', c1, len, 'ab'),
                    ('CALL', 'three_builtins', c2, abs, -x),
                    ('C_RETURN', 'three_builtins', c2, abs, -x),
                    ('CALL', 'three_builtins', c3, max, x),
                    ('C_RETURN', 'three_builtins', c3, max, x)]
        self.assertEqual(rec0.events(),
                         stream(1) + stream(2) + stream(3) + stream(4))
        self.assertEqual(rec1.events(), stream(3) + stream(4))
        self.assertOnProbes(f)

    def test_second_tool_gains_call_in_a_callback(self):
        f = fresh(three_builtins)
        order = []
        armed = []

        def respond0(r):
            order.append((0, r.event, r.args[1]))
            if armed and r.event == 'CALL' and r.args[1] is len:
                monitoring.set_events(1, CALLS)

        def respond1(r):
            order.append((1, r.event, r.args[1]))
        self.recorder(0, CALLS, in_codes(f.__code__), respond=respond0)
        self.use_tool(1)
        Recorder(1, CALLS, in_codes(f.__code__), respond=respond1).register()
        f(1)
        f(2)
        armed.append(1)
        del order[:]
        f(3)
        during = order[:]
        del armed[:]
        del order[:]
        f(4)
        self.stop()
        both = [
            (1, 'CALL', abs), (0, 'CALL', abs),
            (1, 'C_RETURN', abs), (0, 'C_RETURN', abs),
            (1, 'CALL', max), (0, 'CALL', max),
            (1, 'C_RETURN', max), (0, 'C_RETURN', max)]
        # tool 1 from the event after the callback on (tools are called
        # from the highest id down)
        self.assertEqual(during, [
            (0, 'CALL', len), (1, 'C_RETURN', len), (0, 'C_RETURN', len)] +
            both)
        self.assertEqual(order, [
            (1, 'CALL', len), (0, 'CALL', len),
            (1, 'C_RETURN', len), (0, 'C_RETURN', len)] + both)
        self.assertOnProbes(f)

    def test_events_switched_off_in_a_callback(self):
        f = fresh(three_builtins)
        armed = []

        def respond(r):
            if armed and r.event == 'CALL' and r.args[1] is abs:
                monitoring.set_events(0, 0)
        streams, results = [], []
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        for x in (1, 2, 3, 4):
            if x == 3:
                armed.append(1)
            start = len(rec.records)
            results.append(f(x))
            streams.append(rec.events()[start:])
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))

        def every(x):
            return [('CALL', 'three_builtins', c1, len, 'ab'),
                    ('C_RETURN', 'three_builtins', c1, len, 'ab'),
                    ('CALL', 'three_builtins', c2, abs, -x),
                    ('C_RETURN', 'three_builtins', c2, abs, -x),
                    ('CALL', 'three_builtins', c3, max, x),
                    ('C_RETURN', 'three_builtins', c3, max, x)]
        # at once: no C_RETURN for abs, nothing for max
        self.assertEqual(streams, [every(1), every(2), every(3)[:3], []])
        self.assertEqual(results, [(2, x, max(x, 1)) for x in (1, 2, 3, 4)])

    def test_line_events_switched_on_in_a_callback(self):
        f = fresh(three_builtins)
        code = f.__code__
        armed = []

        def respond(r):
            if armed and r.event == 'C_RETURN' and r.args[1] is len:
                monitoring.set_events(1, E.LINE)
        rec0 = self.recorder(0, CALLS, in_codes(code), respond=respond)
        self.use_tool(1)
        rec1 = Recorder(1, E.LINE, in_codes(code)).register()
        lines = []
        for x in (1, 2, 3, 4):
            if x == 3:
                armed.append(1)
            start = len(rec1.records)
            f(x)
            lines.append([r.args[0] - code.co_firstlineno
                          for r in rec1.records[start:]])
        self.stop()
        self.assertEqual(rec0.frame_errors + rec1.frame_errors, [])
        c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))
        self.assertEqual(rec0.events(), [e for x in (1, 2, 3, 4) for e in (
            ('CALL', 'three_builtins', c1, len, 'ab'),
            ('C_RETURN', 'three_builtins', c1, len, 'ab'),
            ('CALL', 'three_builtins', c2, abs, -x),
            ('C_RETURN', 'three_builtins', c2, abs, -x),
            ('CALL', 'three_builtins', c3, max, x),
            ('C_RETURN', 'three_builtins', c3, max, x))])
        # at once: the lines after the call in the run where LINE came on
        self.assertEqual(lines, [[], [], [2, 3, 4], [1, 2, 3, 4]])

    def test_line_events_switched_on_by_a_callee(self):
        # (set_events in a Python function called from the probed frame)
        f = fresh(calls_switcher)
        code = f.__code__
        rec0 = self.recorder(0, CALLS, in_codes(code))
        self.use_tool(1)
        rec1 = Recorder(1, E.LINE, in_codes(code)).register()
        lines = []
        for x in (0, 0, 1, 0):
            start = len(rec1.records)
            f(x, 1)
            lines.append([r.args[0] - code.co_firstlineno
                          for r in rec1.records[start:]])
        self.stop()
        self.assertEqual(rec0.frame_errors + rec1.frame_errors, [])
        c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))
        self.assertEqual(rec0.events(), [e for x in (0, 0, 1, 0) for e in (
            ('CALL', 'calls_switcher', c1, len, 'ab'),
            ('C_RETURN', 'calls_switcher', c1, len, 'ab'),
            ('CALL', 'calls_switcher', c2, switch_line_events, x),
            ('CALL', 'calls_switcher', c3, abs, -x),
            ('C_RETURN', 'calls_switcher', c3, abs, -x))])
        # at once: the lines after the call in the run where LINE came on
        self.assertEqual(lines, [[], [], [3, 4], [1, 2, 3, 4]])

    def hook_set_in_a_callback(self, set_hook):
        """Run three_builtins 3 times under CALLS; in the third run the
        C_RETURN callback of len() installs a recording hook with
        ``set_hook`` (sys.setprofile / sys.settrace).  The tool's events
        must be the same in every run; returns what the hook saw of the
        code."""
        f = fresh(three_builtins)
        code = f.__code__
        armed = []
        seen = []

        def recorder_hook(frame, event, arg):
            if frame.f_code is code:
                seen.append((event, arg if event.startswith('c_')
                             else None))
            return recorder_hook

        def respond(r):
            if armed and r.event == 'C_RETURN' and r.args[1] is len:
                set_hook(recorder_hook)
        rec = self.recorder(0, CALLS, in_codes(code), respond=respond)
        self.addCleanup(set_hook, None)
        f(1)
        f(2)
        armed.append(1)
        f(3)
        set_hook(None)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        c1, c2, c3 = (call_site(f, line) for line in (1, 2, 3))
        self.assertEqual(rec.events(), [e for x in (1, 2, 3) for e in (
            ('CALL', 'three_builtins', c1, len, 'ab'),
            ('C_RETURN', 'three_builtins', c1, len, 'ab'),
            ('CALL', 'three_builtins', c2, abs, -x),
            ('C_RETURN', 'three_builtins', c2, abs, -x),
            ('CALL', 'three_builtins', c3, max, x),
            ('C_RETURN', 'three_builtins', c3, max, x))])
        return seen

    def test_profiler_set_in_a_callback(self):
        profiled = self.hook_set_in_a_callback(sys.setprofile)
        self.assertEqual(profiled, [
            ('c_call', abs), ('c_return', abs),
            ('c_call', max), ('c_return', max), ('return', None)])

    def test_tracer_set_in_a_callback(self):
        traced = self.hook_set_in_a_callback(sys.settrace)
        # (the frame started before the tracer: it is not traced)
        self.assertEqual(traced, [])


class RefcountTest(ProbeCallTestCase):

    def test_a_thousand_probed_calls_leave_no_references(self):
        f = fresh(refcount_loop)
        code = f.__code__

        def call(c, offset, callable_, arg0):
            if c is code and callable_ is abs:
                raise RuntimeError('from CALL')

        def ended(c, offset, callable_, arg0):
            return None
        self.use_tool(0)
        monitoring.register_callback(0, E.CALL, call)
        monitoring.register_callback(0, E.C_RETURN, ended)
        monitoring.register_callback(0, E.C_RAISE, ended)
        monitoring.set_events(0, CALLS)
        a, b = object(), object()
        kw = {'y': b}
        seq = [1]
        objects = [None, False, True, target, max, id, abs, int, a, b, kw,
                   seq, list.count, TypeError, RuntimeError]
        for _ in range(3):
            f(5, a, b, kw, seq)
        before = [sys.getrefcount(o) for o in objects]
        f(1000, a, b, kw, seq)
        after = [sys.getrefcount(o) for o in objects]
        self.stop()
        # None, False and True are referenced from everywhere in the
        # process (another test's thread still ending, a cache filled once):
        # a stray reference or two is not ours; a leak per probed call
        # would be a thousand.
        singletons = 3
        self.assertEqual(after[singletons:], before[singletons:])
        for name, b, a in zip(("None", "False", "True"), before, after):
            self.assertLess(abs(a - b), 100, name)
        self.assertOnProbes(f)


class ThreadTest(ProbeCallTestCase):

    def test_two_threads_at_once(self):
        f = fresh(threaded)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        f(1)
        f(1)
        start = len(rec.records)
        barrier = threading.Barrier(2)
        idents = {}
        errors = []
        rounds = 40

        def work(n):
            try:
                idents[n] = threading.get_ident()
                barrier.wait(30)
                for _ in range(rounds):
                    f(n)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=work, args=(n,))
                       for n in (3, 5)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        finally:
            sys.setswitchinterval(old)
        self.stop()
        self.assertEqual(errors, [])
        self.assertEqual(rec.frame_errors, [])
        c_range = call_site(f, 2)
        c_abs = call_site(f, 3)
        c_str, c_len = call_sites(f, 4)

        def stream(n):
            total = sum(range(n))
            return ([('CALL', 'threaded', c_range, range, n),
                     ('C_RETURN', 'threaded', c_range, range, n)] +
                    [e for i in range(n) for e in (
                        ('CALL', 'threaded', c_abs, abs, -i),
                        ('C_RETURN', 'threaded', c_abs, abs, -i))] +
                    [('CALL', 'threaded', c_str, str, total),
                     ('C_RETURN', 'threaded', c_str, str, total),
                     ('CALL', 'threaded', c_len, len, str(total)),
                     ('C_RETURN', 'threaded', c_len, len, str(total))])
        for n in (3, 5):
            got = [(r.event, r.code.co_name) + r.args
                   for r in rec.records[start:] if r.thread == idents[n]]
            self.assertEqual(got, stream(n) * rounds)
        self.assertEqual(len(rec.records) - start,
                         (len(stream(3)) + len(stream(5))) * rounds)
        self.assertOnProbes(f)


@unittest.skipUnless(PROBES, "the backport's call probes (3.8-3.11)")
class ProbeStateTest(ProbeCallTestCase):
    """The backport's own bookkeeping: the frames really run on probes."""

    def setUp(self):
        super(ProbeStateTest, self).setUp()
        calibrate_trace_slot()

    def call_sites_of(self, func):
        return Layout(func.__code__).offsets(*CALL_OPS)

    def abs_events(self, rec):
        return [e for e in rec.events() if e[3] is abs]

    def test_runs_untraced(self):
        f = fresh(call_state)
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        results = [f(x) for x in (-1, 2, -3, 4, -5)]
        state = probe_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # from the second run on, untraced, also while the probes fire
        self.assertEqual([r[1] for r in results[1:]], [None] * 4)
        self.assertEqual([r[0] for r in results], [1, 2, 3, 4, 5])
        self.assertTrue(state['calls'])
        self.assertFalse(state['retired'])
        self.assertEqual(state['sites'], len(self.call_sites_of(f)))
        self.assertEqual(state['patched'], state['sites'])
        c = call_site(f, 2)
        self.assertEqual(self.abs_events(rec), [
            e for x in (-1, 2, -3, 4, -5) for e in (
                ('CALL', 'call_state', c, abs, x),
                ('C_RETURN', 'call_state', c, abs, x))])

    def test_first_run_traced_when_the_stack_grows(self):
        f = fresh(full_stack_state)
        size = f.__code__.co_stacksize
        rec = self.recorder(0, CALLS, in_codes(f.__code__))
        results = [f(a, b) for a, b in ((1, 2), (4, 3), (5, 6), (8, 7))]
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # one slot more for the stub (the call is at the stack's top)
        self.assertEqual(f.__code__.co_stacksize, size + 1)
        self.assertIsNotNone(results[0][1])
        self.assertEqual([r[1] for r in results[1:]], [None] * 3)
        self.assertEqual([r[0] for r in results],
                         [(1, 2, 2), (4, 3, 4), (5, 6, 6), (8, 7, 8)])
        c = call_sites(f, 2)[0]
        self.assertEqual([e for e in rec.events() if e[3] is max], [
            e for a in (1, 4, 5, 8) for e in (
                ('CALL', 'full_stack_state', c, max, a),
                ('C_RETURN', 'full_stack_state', c, max, a))])

    def test_stack_does_not_grow_with_room_for_the_stub(self):
        f = fresh(roomy)
        size = f.__code__.co_stacksize
        self.recorder(0, CALLS, in_codes(f.__code__))
        for x in range(RUNS):
            f(x)
        self.stop()
        self.assertEqual(f.__code__.co_stacksize, size)
        self.assertTrue(probe_state(f)['calls'])

    def test_every_site_disabled(self):
        f = fresh(call_state)
        respond = disabling(lambda r: True)
        rec = self.recorder(0, CALLS, in_codes(f.__code__), respond=respond)
        results = [f(x) for x in (-1, 2, -3, 4)]
        state = probe_state(f)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertTrue(state['calls'])
        self.assertFalse(state['retired'])
        self.assertEqual(state['patched'], 0)
        self.assertEqual(len(respond.disabled), state['sites'])
        # every CALL once, in the first run
        self.assertEqual(len(without_c_event_of_disabled_calls(
            rec.records, respond.disabled)), state['sites'])
        self.assertEqual([r[1] for r in results[1:]], [None] * 3)

    def test_restart_events_patches_the_sites_again(self):
        f = fresh(call_state)
        armed = [1]
        self.recorder(0, CALLS, in_codes(f.__code__),
                      respond=disabling(lambda r: armed))
        f(1)
        f(2)
        disabled = probe_state(f)
        del armed[:]
        monitoring.restart_events()
        self.assertIsNone(f(3)[1])
        restarted = probe_state(f)
        self.stop()
        self.assertEqual(disabled['patched'], 0)
        self.assertTrue(restarted['calls'])
        self.assertFalse(restarted['retired'])
        self.assertEqual(restarted['patched'], restarted['sites'])

    def test_no_clone_under_a_legacy_profiler(self):
        f = fresh(call_state)
        code = f.__code__
        rec = self.recorder(0, CALLS, in_codes(code))
        f(1)
        self.assertIsNone(f(2)[1])
        profiled = []

        def profiler(frame, event, arg):
            if frame.f_code.co_name == 'call_state':
                profiled.append((event, frame.f_code is code,
                                 arg if event == 'c_call' else None))
        self.addCleanup(sys.setprofile, None)
        sys.setprofile(profiler)
        try:
            result = f(-3)
        finally:
            sys.setprofile(None)
        later = f(4)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # traced under the profiler (it sees the code itself, and the
        # interpreter's c_call for the builtin), on probes again after
        self.assertIsNotNone(result[1])
        self.assertIsNone(later[1])
        self.assertEqual(profiled[0], ('call', True, None))
        self.assertIn(('c_call', True, abs), profiled)
        self.assertEqual(profiled[-1], ('return', True, None))
        c = call_site(f, 2)
        self.assertEqual(self.abs_events(rec), [
            e for x in (1, 2, -3, 4) for e in (
                ('CALL', 'call_state', c, abs, x),
                ('C_RETURN', 'call_state', c, abs, x))])

    def test_no_clone_with_line_events(self):
        f = fresh(call_state)
        code = f.__code__
        self.recorder(0, CALLS, in_codes(code))
        f(1)
        self.assertIsNone(f(2)[1])
        self.use_tool(1)
        lines = Recorder(1, E.LINE, in_codes(code)).register()
        monitoring.set_events(1, E.LINE)
        self.assertIsNotNone(f(3)[1])
        monitoring.set_events(1, 0)
        self.assertIsNone(f(4)[1])
        self.assertIsNone(f(5)[1])
        after = probe_state(f)
        self.stop()
        self.assertEqual([r.args[0] - code.co_firstlineno
                          for r in lines.records], [1, 2, 3])
        self.assertTrue(after['calls'])
        self.assertFalse(after['retired'])

    def test_too_long_for_the_jumps(self):
        # (the streams: ArgumentFormsTest.test_function_too_long_for_probes)
        f = fresh(long_calls)
        self.recorder(0, CALLS, in_codes(f.__code__))
        for x in (1, 2, 3):
            f(x)
        self.stop()
        state = probe_state(f)
        if PROBES:
            # (3.11's copy: a jump to a far stub takes the unit after it,
            # which a call's own units leave room for; 3.8-3.10: the
            # STORE_FAST after `abs(x)`, which its probe then makes)
            self.assertTrue(state['calls'])
            self.assertEqual(state['patched'], 3)


def _remember_module():
    for value in list(globals().values()):
        members = [value]
        if isinstance(value, type):
            members = list(vars(value).values())
        for member in members:
            func = getattr(member, '__func__', member)
            func = getattr(func, 'fget', func)
            code = getattr(func, '__code__', None)
            if isinstance(code, types.CodeType):
                _remember(code)


_remember_module()


if __name__ == '__main__':
    unittest.main()
