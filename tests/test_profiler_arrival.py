"""A legacy profiler beside call events (session 16, fid16).

A profiler that arrives in a frame outside any of its calls:

``sys.setprofile`` run by a property getter, a finalizer or an
operator's method (none of them a CALL event of the frame) while the
frame runs on its call probes: the profiler must see the frame's next C
call as the interpreter shows it natively, 'c_call' before the tools'
CALL and 'c_return' (or 'c_exception') before their C_RETURN/C_RAISE
(3.12's tool 6 comes first).  Before the fix (probe_fire.c,
make_probed_call) the first C call after the arrival reached the
profiler not at all on 3.8-3.11 (its probe made the call, the clone was
retired only for the next one).  Every expectation holds natively on
3.12/3.13.
"""
import ast
import os
import subprocess
import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 3
E = events


_PROF = [None]


class _Arrives(object):

    @property
    def on(self):
        sys.setprofile(_PROF[0])
        return 1

    def __del__(self):
        sys.setprofile(_PROF[0])

    def __add__(self, other):
        sys.setprofile(_PROF[0])
        return 1


def _f(how):
    a = len("ab")
    if how == "property":
        _Arrives().on
    elif how == "del":
        p = _Arrives.__new__(_Arrives)
        del p
    elif how == "operator":
        _Arrives.__new__(_Arrives) + 1
    b = abs(-2)
    try:
        ord("xy")
    except TypeError:
        pass
    c = "cd".upper()
    return a, b, c


def _g(how):
    x = _f(how)
    y = len("xyz")
    return x, y


def _names(v):
    return getattr(v, "__name__", type(v).__name__)


class ProfilerArrivesOutsideCallsTest(MonitoringTestCase):

    def run_case(self, how, event_set, respond=None):
        seen = []

        def prof(frame, event, arg):
            if frame.f_code in (_f.__code__, _g.__code__) and \
                    event.startswith("c_"):
                seen.append(("prof", event, _names(arg)))

        def call(code, offset, func, arg0):
            if code in (_f.__code__, _g.__code__):
                seen.append(("CALL", _names(func)))
                if respond is not None:
                    return respond(func)

        def c_end(name):
            def cb(code, offset, func, arg0):
                if code in (_f.__code__, _g.__code__):
                    seen.append((name, _names(func)))
            return cb

        _PROF[0] = prof
        if monitoring.get_tool(TOOL) is None:
            self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.CALL, call)
        # (C_RETURN/C_RAISE callbacks go with CALL natively, set or not)
        c_ends = event_set & E.C_RETURN
        monitoring.register_callback(
            TOOL, E.C_RETURN, c_end("C_RETURN") if c_ends else None)
        monitoring.register_callback(
            TOOL, E.C_RAISE, c_end("C_RAISE") if c_ends else None)
        monitoring.set_events(TOOL, event_set)
        streams = []
        try:
            for _ in range(3):
                # (the later runs take the call probes' quick paths)
                _g(None)
                del seen[:]
                _g(how)
                sys.setprofile(None)
                streams.append(list(seen))
                del seen[:]
        finally:
            sys.setprofile(None)
            monitoring.set_events(TOOL, 0)
            monitoring.restart_events()
        for stream in streams[1:]:
            self.assertEqual(stream, streams[0])
        after = streams[0]
        # (from the first C call after the arrival on)
        return after[next(i for i, e in enumerate(after)
                          if e == ("prof", "c_call", "abs")):]

    def expected_calls(self):
        return [("prof", "c_call", "abs"), ("CALL", "abs"),
                ("prof", "c_return", "abs"),
                ("prof", "c_call", "ord"), ("CALL", "ord"),
                ("prof", "c_exception", "ord"),
                ("prof", "c_call", "upper"), ("CALL", "upper"),
                ("prof", "c_return", "upper"),
                ("prof", "c_call", "len"), ("CALL", "len"),
                ("prof", "c_return", "len")]

    def test_call_events(self):
        for how in ("property", "del", "operator"):
            with self.subTest(how=how):
                self.assertEqual(self.run_case(how, E.CALL),
                                 self.expected_calls())

    def test_c_events(self):
        for how in ("property", "del", "operator"):
            with self.subTest(how=how):
                self.assertEqual(
                    self.run_case(how, E.CALL | E.C_RETURN | E.C_RAISE),
                    [("prof", "c_call", "abs"), ("CALL", "abs"),
                     ("prof", "c_return", "abs"), ("C_RETURN", "abs"),
                     ("prof", "c_call", "ord"), ("CALL", "ord"),
                     ("prof", "c_exception", "ord"), ("C_RAISE", "ord"),
                     ("prof", "c_call", "upper"), ("CALL", "upper"),
                     ("prof", "c_return", "upper"), ("C_RETURN", "upper"),
                     ("prof", "c_call", "len"), ("CALL", "len"),
                     ("prof", "c_return", "len"), ("C_RETURN", "len")])

    def test_call_disabled_there(self):
        # The tool's DISABLE at the call leaves the profiler's events.
        def respond(func):
            return monitoring.DISABLE if func is abs else None
        for how in ("property", "del"):
            with self.subTest(how=how):
                self.assertEqual(self.run_case(how, E.CALL, respond),
                                 [e for e in self.expected_calls()
                                  if e != ("CALL", "abs")])


class _Boom(Exception):
    pass


_STALE = r"""
import sys
try:
    import pep669
    mon = pep669.monitoring
except ImportError:
    mon = sys.monitoring
E = mon.events
out = []
class Boom(Exception):
    pass
def prof(frame, event, arg):
    if frame.f_code.co_name == "f" and event == "c_return" and arg is abs:
        mon.set_events(1, 0)
        sys.setprofile(None)
        raise Boom
def f():
    return abs(-1)
def g():
    return ord("xy")
def tr(frame, event, arg):
    return tr
mon.use_tool_id(1, "x")
ALL = E.CALL | E.C_RETURN | E.C_RAISE
for ev, name in ((E.CALL, "CALL"), (E.C_RETURN, "C_RETURN"),
                 (E.C_RAISE, "C_RAISE")):
    mon.register_callback(
        1, ev, lambda *a, name=name: out.append(
            (name, a[0].co_name, a[2].__name__))
        if a[0].co_name in ("f", "g") else None)
for i in range(3):
    mon.set_events(1, ALL)
    sys.settrace(tr)
    sys.setprofile(prof)
    try:
        f()
    except Boom:
        out.append("boom")
    mon.set_events(1, ALL)
    try:
        g()
    except TypeError:
        out.append("TypeError")
    sys.settrace(None)
    mon.set_events(1, 0)
print(out)
"""


class StaleFailureTest(unittest.TestCase):
    """A profiler whose 'c_return' raised in a traced frame, after
    switching the tools' events off, left the frame's address noted as
    "its C call's 'c_return' raised" (trampoline.c.h, legacy_drop.failed);
    the next traced frame object at that address lost the C_RAISE of its
    first C call that raised (3.11, where the frame object is made for
    the tracer and freed with the exception).  Fixed in legacy_calls.c,
    end_call: the note is the call's only if its 'c_call' was dropped (a
    profiler at its start).  (A fresh process, the script at module
    level: the frame objects' addresses are the allocator's.)"""

    def test_next_frame_keeps_c_raise(self):
        src = os.path.dirname(os.path.abspath(pep669_dir()))
        env = dict(os.environ, PYTHONPATH=src)
        res = subprocess.run([sys.executable, "-c", _STALE], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        expected = [("CALL", "f", "abs"), "boom", ("CALL", "g", "ord"),
                    ("C_RAISE", "g", "ord"), "TypeError"]
        self.assertEqual(ast.literal_eval(res.stdout.strip()),
                         expected * 3)

def _inner_key(v):
    return abs(-v)


def _outer_sorted():
    try:
        sorted([2, 1], key=_inner_key)
    except _Boom:
        pass
    return ord("x")


class NestedWatchTest(MonitoringTestCase):
    """A profiler raising in the 'c_return' of a C call that ran Python
    code making call events: natively its exception ends the call's
    events, no C_RAISE.  3.8-3.11 gave the tools a C_RAISE: the callee's
    drops took the thread's one drop slot and the watch of the outer
    call's 'c_return' was gone.  Fixed in trampoline.c.h (the watches put
    aside, `legacy_drop.outer`, come back once no drop waits:
    drop_rewatch)."""

    def test_outer_c_return_raises(self):
        seen = []
        codes = (_outer_sorted.__code__, _inner_key.__code__)

        def prof(frame, event, arg):
            if frame.f_code is codes[0] and event == "c_return" and \
                    arg is sorted:
                raise _Boom

        def cb(name):
            def record(code, offset, func, arg0):
                if code in codes:
                    seen.append((name, func.__name__))
            return record

        self.use_tool(TOOL)
        for event, name in ((E.CALL, "CALL"), (E.C_RETURN, "C_RETURN"),
                            (E.C_RAISE, "C_RAISE")):
            monitoring.register_callback(TOOL, event, cb(name))
        monitoring.set_events(TOOL, E.CALL | E.C_RETURN | E.C_RAISE)
        try:
            sys.setprofile(prof)
            _outer_sorted()
        finally:
            sys.setprofile(None)
            monitoring.set_events(TOOL, 0)
        expected = [("CALL", "sorted"), ("CALL", "abs"),
                    ("C_RETURN", "abs"), ("CALL", "abs"),
                    ("C_RETURN", "abs")]
        expected += [("CALL", "ord"), ("C_RETURN", "ord")]
        self.assertEqual(seen, expected)


def pep669_dir():
    import pep669
    return os.path.dirname(pep669.__file__)


if __name__ == "__main__":
    unittest.main()
