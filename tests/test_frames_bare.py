"""The frames path's bare runs (frames.c, 3.8-3.11): a run of code that
wants of the hook only frame events (PY_START/PY_RETURN, a profiler's or
a tracer's frame events), on a thread with no trace function and no
profiler, has no record of the engine's at all, only a small block
("bare run", docs/architecture.md), until something needs its record:
a change of the event sets seen by the frame itself (set_events outside a
callback, sys.settrace), an exception leaving the run, the trampoline's
walks.  Every resumption of a generator under PY_START/PY_RETURN is such
a run, with no event at all.

The streams are checked everywhere (natively on 3.12/3.13 too); the
mechanism (``_frame_mechanism``: "bare" for such a run, "hook" once its
record was made) on the engine only: those tests fail with the bare
block switched off (frames_push_bare not used: every such run pushes a
record, "hook").  A resumption with nothing to fire before its end is
the release hook's own ("resumed", eval_hook_resume in backend/hook.c.h:
the same block, pushed and popped by the hook); the tests that expect it
fail with that path switched off.
"""

import asyncio  # noqa: F401 (imported before the events are set)
import sys
import threading
import unittest

from tests.support import (MonitoringTestCase, events, in_files,
                           in_untraced_thread, monitoring)

import pep669

E = events
HERE = in_files(__file__)
TOOL = 4
ENGINE = None if pep669.NATIVE else pep669._monitoring
#: the mechanism of a generator's resumption with nothing to fire before
#: its end: the release hook's own ("resumed", backend/hook.c.h); the
#: -Og debug engine (no fast path in its hook) takes the frames path
#: ("bare")
RESUMED = ("bare" if ENGINE is not None and
           not ENGINE._backend_state()["fast_hook"] else "resumed")

NAMES = {E.PY_START: "PY_START", E.PY_RESUME: "PY_RESUME",
         E.PY_THROW: "PY_THROW", E.PY_RETURN: "PY_RETURN",
         E.PY_YIELD: "PY_YIELD", E.PY_UNWIND: "PY_UNWIND",
         E.STOP_ITERATION: "STOP_ITERATION", E.RAISE: "RAISE"}


#: this file's helpers, whose events the tool does not record
SKIP = ("mechanism", "short", "run", "make", "callback", "in_thread")


def mechanism():
    """The engine's view of the caller's run (None natively)."""
    if ENGINE is None:
        return None
    return ENGINE._frame_mechanism(sys._getframe(1))


def short(value):
    if isinstance(value, BaseException):
        return type(value).__name__
    return value


class Tool(object):
    """A tool recording ``(event, co_name[, value])`` for this file's
    code, the frame events and the few others of NAMES."""

    def __init__(self, case, event_set):
        self.out = []
        self.case = case
        case.use_tool(TOOL)
        for ev, name in NAMES.items():
            if ev & event_set:
                monitoring.register_callback(TOOL, ev, self.make(name))
        self.event_set = event_set

    def make(self, name):
        out = self.out

        def callback(code, offset, *args):
            if HERE(code) and code.co_name not in SKIP:
                if name in ("PY_RETURN", "PY_YIELD", "PY_THROW",
                            "PY_UNWIND", "STOP_ITERATION", "RAISE"):
                    out.append((name, code.co_name, short(args[0])))
                else:
                    out.append((name, code.co_name))
        return callback

    def run(self, function, *args):
        monitoring.set_events(TOOL, self.event_set)
        try:
            return function(*args)
        finally:
            monitoring.set_events(TOOL, 0)


def give_data(case, function):
    """The engine's data for the function's code (its PY_START local too,
    which the global events already ask: the stream is the same).  On
    3.11, once some test made an instrumented copy of a code object, a
    frame of code without data may run a copy: the hook's fast path
    leaves such a run to the general way ("bare" where the release
    hook's own would say "resumed")."""
    if ENGINE is not None:
        case.set_local_events(TOOL, function.__code__, E.PY_START)


in_thread = in_untraced_thread


# -- the code ---------------------------------------------------------------

def counting(n, marks):
    for i in range(n):
        marks.append(mechanism())
        yield i
    return "done"


def consume(n, marks):
    total = 0
    for x in counting(n, marks):
        total += x
    return total


def inner(n):
    for i in range(n):
        yield i
    return "inner"


def outer(n):
    got = yield from inner(n)
    yield got


def delegate(n):
    return list(outer(n))


def failing(n):
    for i in range(n):
        yield i
    raise KeyError(n)


def consume_failing(n):
    try:
        for _ in failing(n):
            pass
    except KeyError:
        return "caught"


def switching(marks):
    marks.append(mechanism())
    yield 1
    marks.append(mechanism())
    monitoring.set_events(TOOL, E.PY_START | E.PY_RETURN | E.PY_YIELD)
    marks.append(mechanism())
    yield 2
    marks.append(mechanism())
    yield 3


def drive_switching(marks):
    return list(switching(marks))


def thrown(marks):
    try:
        yield 1
    except ValueError:
        marks.append("caught")
        yield 2
    yield 3


def drive_thrown(marks):
    g = thrown(marks)
    out = [next(g), g.throw(ValueError), next(g)]
    out.extend(g)
    return out


def closed():
    try:
        yield 1
        yield 2
    finally:
        pass


def drive_closed():
    g = closed()
    next(g)
    g.close()
    return "closed"


async def leaf(n):
    return n + 1


async def branch(n):
    a = await leaf(n)
    b = await leaf(a)
    return a + b


def drive_coroutine(n):
    coro = branch(n)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value


def walk(depth):
    if depth:
        for x in walk(depth - 1):
            yield x
        yield depth


def drive_walk(depth):
    return list(walk(depth))


def traced_inside(calls):
    def tracer(frame, event, arg):
        if event == "call":
            calls.append(frame.f_code.co_name)
        return None
    yield 1
    sys.settrace(tracer)
    try:
        helper()
    finally:
        sys.settrace(None)
    yield 2


def helper():
    return 7


def drive_traced_inside(calls):
    return list(traced_inside(calls))


class FramesBareStreamTest(MonitoringTestCase):
    """Streams with PY_START/PY_RETURN (the resumptions: bare runs with
    no event) and the events around them; native 3.12/3.13's."""

    def test_for_loop_over_generator(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        marks = []
        self.assertEqual(in_thread(tool.run, consume, 3, marks), 3)
        self.assertEqual(tool.out, [
            ("PY_START", "consume"),
            ("PY_START", "counting"),
            ("PY_RETURN", "counting", "done"),
            ("PY_RETURN", "consume", 3),
        ])

    def test_yield_from(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        self.assertEqual(in_thread(tool.run, delegate, 2), [0, 1, "inner"])
        self.assertEqual(tool.out, [
            ("PY_START", "delegate"),
            ("PY_START", "outer"),
            ("PY_START", "inner"),
            ("PY_RETURN", "inner", "inner"),
            ("PY_RETURN", "outer", None),
            ("PY_RETURN", "delegate", [0, 1, "inner"]),
        ])

    def test_yield_from_with_yields_and_resumes(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_YIELD |
                    E.PY_RESUME)
        self.assertEqual(in_thread(tool.run, delegate, 1), [0, "inner"])
        self.assertEqual(tool.out, [
            ("PY_START", "delegate"),
            ("PY_START", "outer"),
            ("PY_START", "inner"),
            ("PY_YIELD", "inner", 0),
            ("PY_YIELD", "outer", 0),
            ("PY_RESUME", "outer"),
            ("PY_RESUME", "inner"),
            ("PY_RETURN", "inner", "inner"),
            ("PY_YIELD", "outer", "inner"),
            ("PY_RESUME", "outer"),
            ("PY_RETURN", "outer", None),
            ("PY_RETURN", "delegate", [0, "inner"]),
        ])

    def test_exception_leaves_a_resumed_generator(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_UNWIND)
        self.assertEqual(in_thread(tool.run, consume_failing, 2), "caught")
        self.assertEqual(tool.out, [
            ("PY_START", "consume_failing"),
            ("PY_START", "failing"),
            ("PY_UNWIND", "failing", "KeyError"),
            ("PY_RETURN", "consume_failing", "caught"),
        ])

    def test_set_events_inside_a_resumed_generator(self):
        # The generator's run switches PY_YIELD on: its record is made
        # there, and its yields from then on are reported.
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_YIELD)
        tool.event_set = E.PY_START | E.PY_RETURN
        give_data(self, switching)
        marks = []
        self.assertEqual(in_thread(tool.run, drive_switching, marks),
                         [1, 2, 3])
        self.assertEqual(tool.out, [
            ("PY_START", "drive_switching"),
            ("PY_START", "switching"),
            ("PY_YIELD", "switching", 2),
            ("PY_YIELD", "switching", 3),
            ("PY_RETURN", "switching", None),
            ("PY_RETURN", "drive_switching", [1, 2, 3]),
        ])
        if ENGINE is not None:
            # (the start bare, the first resumption the hook's quiet one
            # until set_events, whose refresh makes the record; the next
            # resumption, PY_YIELD wanted now, bare again)
            self.assertEqual(marks, ["bare", RESUMED, "hook", "bare"])

    def test_throw_and_close(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_THROW |
                    E.PY_UNWIND)
        marks = []
        self.assertEqual(in_thread(tool.run, drive_thrown, marks),
                         [1, 2, 3])
        self.assertEqual(marks, ["caught"])
        self.assertEqual(tool.out, [
            ("PY_START", "drive_thrown"),
            ("PY_START", "thrown"),
            ("PY_THROW", "thrown", "ValueError"),
            ("PY_RETURN", "thrown", None),
            ("PY_RETURN", "drive_thrown", [1, 2, 3]),
        ])

    def test_close_in_a_finally(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_UNWIND)
        self.assertEqual(in_thread(tool.run, drive_closed), "closed")
        self.assertEqual(tool.out, [
            ("PY_START", "drive_closed"),
            ("PY_START", "closed"),
            ("PY_UNWIND", "closed", "GeneratorExit"),
            ("PY_RETURN", "drive_closed", "closed"),
        ])

    def test_coroutines(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        self.assertEqual(in_thread(tool.run, drive_coroutine, 1), 5)
        self.assertEqual(tool.out, [
            ("PY_START", "drive_coroutine"),
            ("PY_START", "branch"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 2),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 3),
            ("PY_RETURN", "branch", 5),
            ("PY_RETURN", "drive_coroutine", 5),
        ])

    def test_recursive_generators(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        self.assertEqual(in_thread(tool.run, drive_walk, 2), [1, 2])
        self.assertEqual(tool.out, [
            ("PY_START", "drive_walk"),
            ("PY_START", "walk"),
            ("PY_START", "walk"),
            ("PY_START", "walk"),
            ("PY_RETURN", "walk", None),
            ("PY_RETURN", "walk", None),
            ("PY_RETURN", "walk", None),
            ("PY_RETURN", "drive_walk", [1, 2]),
        ])

    def test_settrace_inside_a_resumed_generator(self):
        # sys.settrace in the generator's run (beside the tool): the
        # legacy tracer gets its 'call' events, the tool its own.
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        calls = []
        self.assertEqual(in_thread(tool.run, drive_traced_inside, calls),
                         [1, 2])
        self.assertEqual(calls, ["helper"])
        self.assertEqual(tool.out, [
            ("PY_START", "drive_traced_inside"),
            ("PY_START", "traced_inside"),
            ("PY_START", "helper"),
            ("PY_RETURN", "helper", 7),
            ("PY_RETURN", "traced_inside", None),
            ("PY_RETURN", "drive_traced_inside", [1, 2]),
        ])


@unittest.skipIf(ENGINE is None, "the engine's mechanism (3.8-3.11)")
class FramesBareMechanismTest(MonitoringTestCase):
    """A resumption with no event runs bare; its record is made when the
    frame needs one."""

    def test_resumptions_run_bare(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        give_data(self, counting)
        marks = []
        in_thread(tool.run, consume, 3, marks)
        # (the first run fired PY_START, whose callback changed nothing:
        # bare too; the resumptions, with nothing to fire before their
        # end, the release hook's own: "resumed")
        self.assertEqual(marks, ["bare", RESUMED, RESUMED])

    def test_runs_with_entry_events_run_bare(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_RESUME |
                    E.PY_YIELD)
        marks = []
        in_thread(tool.run, consume, 3, marks)
        self.assertEqual(marks, ["bare", "bare", "bare"])
        self.assertEqual(tool.out.count(("PY_RESUME", "counting")), 3)

    def test_resumptions_watched_for_exceptions_take_the_frames_path(self):
        # STOP_ITERATION anywhere watches the loops that drive
        # generators: their resumptions are the frames path's
        # (frames_start), not the hook's quiet ones.
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.STOP_ITERATION)
        marks = []
        in_thread(tool.run, consume, 3, marks)
        self.assertEqual(marks, ["bare", "bare", "bare"])

    def test_a_profiler_keeps_the_record(self):
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        marks = []

        def run():
            sys.setprofile(lambda frame, event, arg: None)
            try:
                return tool.run(consume, 3, marks)
            finally:
                sys.setprofile(None)
        in_thread(run)
        self.assertEqual(marks, ["hook", "hook", "hook"])

    def test_traced_thread_keeps_the_record(self):
        # With sys.settrace on the thread the hook takes the general path.
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        marks = []

        def run():
            sys.settrace(lambda frame, event, arg: None)
            try:
                return tool.run(consume, 3, marks)
            finally:
                sys.settrace(None)
        in_thread(run)
        self.assertNotIn("bare", marks)


if __name__ == "__main__":
    unittest.main()
