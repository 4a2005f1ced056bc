"""A generator's end under PY_START/PY_RETURN: its PY_RETURN, and the
loop or delegation that drove it, where the frames path fires the return
itself (session 19: frames.c, pep669_frames_end, no pep669_frame_end in
between; before, a generator's end always went the general way).
Generators started fresh each time (their code compiled per test, so that
no code data exists at the start: the loop that drives a generator makes
its code's data during the run), nested, driven by `for`, `yield from`,
next() and list(), returning values, a PY_RETURN callback that raises,
close() and throw().  Checked everywhere, natively on 3.12/3.13 too.

`test_nested_fresh` failed with the first version of that path, which
read the code data made during the run without bringing it up to date
(no PY_RETURN for the middle generator).
"""

import sys
import traceback
import unittest

from tests.support import (MonitoringTestCase, events, in_untraced_thread,
                           monitoring)

E = events
TOOL = 4
FILE = "<gen19 generator end>"

NAMES = {E.PY_START: "PY_START", E.PY_RESUME: "PY_RESUME",
         E.PY_RETURN: "PY_RETURN", E.PY_YIELD: "PY_YIELD",
         E.PY_UNWIND: "PY_UNWIND", E.STOP_ITERATION: "STOP_ITERATION",
         E.RAISE: "RAISE"}

SOURCE = '''
def leaf(n):
    for i in range(n):
        yield i
    return n * 100

def mid(n):
    for x in leaf(n):
        yield x * 10

def drive_nested(n):
    return list(mid(n))

def drive_for(n):
    total = 0
    for x in leaf(n):
        total += x
    return total

def outer(n):
    got = yield from leaf(n)
    return got + 1

def drive_delegation(n):
    out = []
    for x in outer(n):
        out.append(x)
    return out

def drive_next(n):
    g = leaf(n)
    out = []
    while True:
        try:
            out.append(next(g))
        except StopIteration as stop:
            out.append(stop.value)
            return out

def drive_close(n):
    g = leaf(n)
    first = next(g)
    g.close()
    return first

def catcher():
    try:
        yield 1
    except KeyError:
        return "caught"

def drive_throw():
    g = catcher()
    next(g)
    try:
        g.throw(KeyError)
    except StopIteration as stop:
        return stop.value
'''


def short(value):
    if isinstance(value, BaseException):
        return type(value).__name__
    return value


class Tool(object):
    """Records ``(event, co_name[, value])`` for the code of SOURCE."""

    def __init__(self, case, event_set, raise_at=None):
        self.out = []
        case.use_tool(TOOL)
        for ev, name in NAMES.items():
            monitoring.register_callback(TOOL, ev, self.make(name, raise_at))
        self.event_set = event_set

    def make(self, name, raise_at):
        out = self.out

        def callback(code, offset, *args):
            if code.co_filename != FILE:
                return
            if args:
                out.append((name, code.co_name, short(args[0])))
            else:
                out.append((name, code.co_name))
            if (name, code.co_name) == raise_at:
                raise ValueError("from the callback")
        return callback

    def run(self, function, *args):
        monitoring.set_events(TOOL, self.event_set)
        try:
            return function(*args)
        finally:
            monitoring.set_events(TOOL, 0)


def fresh():
    """SOURCE's functions, their code new (no code data)."""
    namespace = {}
    exec(compile(SOURCE, FILE, "exec"), namespace)
    return namespace


class GeneratorEndTest(MonitoringTestCase):

    def stream(self, name, *args, event_set=E.PY_START | E.PY_RETURN,
               raise_at=None):
        code = fresh()
        tool = Tool(self, event_set, raise_at)
        result = in_untraced_thread(tool.run, code[name], *args)
        return result, tool.out

    def test_for_loop(self):
        result, out = self.stream("drive_for", 4)
        self.assertEqual(result, 6)
        self.assertEqual(out, [
            ("PY_START", "drive_for"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 400),
            ("PY_RETURN", "drive_for", 6),
        ])

    def test_for_loop_twice(self):
        # (the loop's second generator: the loop ran before)
        code = fresh()
        tool = Tool(self, E.PY_START | E.PY_RETURN)
        self.assertEqual(in_untraced_thread(tool.run, code["drive_for"], 3),
                         3)
        self.assertEqual(in_untraced_thread(tool.run, code["drive_for"], 2),
                         1)
        self.assertEqual(tool.out, [
            ("PY_START", "drive_for"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 300),
            ("PY_RETURN", "drive_for", 3),
            ("PY_START", "drive_for"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 200),
            ("PY_RETURN", "drive_for", 1),
        ])

    def test_nested_fresh(self):
        result, out = self.stream("drive_nested", 3)
        self.assertEqual(result, [0, 10, 20])
        self.assertEqual(out, [
            ("PY_START", "drive_nested"),
            ("PY_START", "mid"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 300),
            ("PY_RETURN", "mid", None),
            ("PY_RETURN", "drive_nested", [0, 10, 20]),
        ])

    def test_nested_with_stop_iteration(self):
        # (STOP_ITERATION wanted: the general way, for comparison)
        result, out = self.stream(
            "drive_nested", 2,
            event_set=E.PY_START | E.PY_RETURN | E.STOP_ITERATION)
        self.assertEqual(result, [0, 10])
        self.assertEqual(out, [
            ("PY_START", "drive_nested"),
            ("PY_START", "mid"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 200),
            ("STOP_ITERATION", "mid", "StopIteration"),
            ("PY_RETURN", "mid", None),
            ("PY_RETURN", "drive_nested", [0, 10]),
        ])

    def test_delegation(self):
        result, out = self.stream("drive_delegation", 3)
        self.assertEqual(result, [0, 1, 2])
        self.assertEqual(out, [
            ("PY_START", "drive_delegation"),
            ("PY_START", "outer"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 300),
            ("PY_RETURN", "outer", 301),
            ("PY_RETURN", "drive_delegation", [0, 1, 2]),
        ])

    def test_next_and_stop_value(self):
        result, out = self.stream("drive_next", 2)
        self.assertEqual(result, [0, 1, 200])
        self.assertEqual(out, [
            ("PY_START", "drive_next"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 200),
            ("PY_RETURN", "drive_next", [0, 1, 200]),
        ])

    def test_close(self):
        # (close() unwinds the generator: no PY_RETURN for it)
        result, out = self.stream("drive_close", 3)
        self.assertEqual(result, 0)
        self.assertEqual(out, [
            ("PY_START", "drive_close"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "drive_close", 0),
        ])

    def test_throw_caught_then_return(self):
        result, out = self.stream("drive_throw")
        self.assertEqual(result, "caught")
        self.assertEqual(out, [
            ("PY_START", "drive_throw"),
            ("PY_START", "catcher"),
            ("PY_RETURN", "catcher", "caught"),
            ("PY_RETURN", "drive_throw", "caught"),
        ])

    def test_return_callback_raises(self):
        # The generator raises at its return instead: the loop that drives
        # it sees the callback's exception, raised in the generator's
        # frame (its traceback goes through it).
        code = fresh()
        tool = Tool(self, E.PY_START | E.PY_RETURN | E.PY_UNWIND,
                    raise_at=("PY_RETURN", "leaf"))
        try:
            in_untraced_thread(tool.run, code["drive_for"], 2)
        except ValueError as exc:
            tb = exc.__traceback__
        else:
            self.fail("no ValueError")
        self.assertEqual(tool.out, [
            ("PY_START", "drive_for"),
            ("PY_START", "leaf"),
            ("PY_RETURN", "leaf", 200),
            ("PY_UNWIND", "leaf", "ValueError"),
            ("PY_UNWIND", "drive_for", "ValueError"),
        ])
        names = [f.name for f in traceback.extract_tb(tb)
                 if f.filename == FILE]
        self.assertEqual(names, ["drive_for", "leaf"])

    def test_generator_attributes_at_return(self):
        # The PY_RETURN callback runs in the generator's frame: running,
        # its frame still there, the frame on top of the stack.
        seen = []
        code = fresh()
        self.use_tool(TOOL)

        def on_return(c, offset, value):
            if c.co_filename == FILE and c.co_name == "leaf":
                f = sys._getframe(1)
                seen.append((f.f_code.co_name, f.f_back.f_code.co_name,
                             f.f_trace))

        monitoring.register_callback(TOOL, E.PY_RETURN, on_return)

        def run():
            monitoring.set_events(TOOL, E.PY_START | E.PY_RETURN)
            try:
                return code["drive_for"](3)
            finally:
                monitoring.set_events(TOOL, 0)

        self.assertEqual(in_untraced_thread(run), 3)
        self.assertEqual(seen, [("leaf", "drive_for", None)])


if __name__ == "__main__":
    unittest.main()
