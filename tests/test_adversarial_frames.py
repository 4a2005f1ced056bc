"""Adversarial: frame attributes read and written from every event.

Every callback looks at ``sys._getframe(1)``, the monitored frame, the way
a debugger does: its code, globals, caller, line, last instruction, locals
and trace flags, and some write to it.  The expectations are native
3.12/3.13 (the same tests run there); ENGINE_ markers name what pep669
does not do yet on 3.8-3.11 and the issue item that fixes it.
"""

import dis
import os
import subprocess
import sys
import textwrap
import unittest

from tests.support import (MonitoringTestCase, PY, EVENT_NAMES, events,
                           monitoring)

OLD = PY < (3, 12)


def _f(x):
    y = x + 1
    try:
        raise KeyError(y)
    except KeyError:
        pass
    return len([y])


def _g(n):
    for i in range(n):
        yield i


def _h():
    raise ValueError


def _prog():
    _f(1)
    it = _g(2)
    for v in it:
        pass
    it2 = _g(3)
    next(it2)
    try:
        it2.throw(TypeError)
    except TypeError:
        pass
    try:
        _h()
    except ValueError:
        pass


CODES = {c.__code__: c.__name__ for c in (_f, _g, _h, _prog)}

#: every event but INSTRUCTION (and BRANCH_LEFT/RIGHT, 3.14 names)
ALL = 0
for _bit, _name in EVENT_NAMES.items():
    if _name != "INSTRUCTION" and not _name.startswith("BRANCH_"):
        ALL |= _bit
del _bit, _name


def line_of(code, offset):
    line = None
    for start, l in dis.findlinestarts(code):
        if start > offset:
            break
        line = l
    return line


class FrameObservations(MonitoringTestCase):
    """One run of _prog with every event set; `look(frame, event, code,
    args)` is called in each callback of the four functions."""

    def observe(self, look, event_set=ALL):
        self.use_tool(0)
        seen = []

        def make(bit):
            name = EVENT_NAMES[bit]

            def cb(code, *args):
                if code in CODES:
                    seen.append(look(sys._getframe(1), name, code, args))
            return cb
        for bit in EVENT_NAMES:
            if event_set & bit:
                monitoring.register_callback(0, bit, make(bit))
        monitoring.set_events(0, event_set)
        try:
            _prog()
        finally:
            monitoring.set_events(0, 0)
        self.assertTrue(seen)
        return seen

    def test_code_globals_and_caller_in_every_event(self):
        callers = {"_prog": FrameObservations.observe.__code__,
                   "_f": _prog.__code__,
                   "_g": _prog.__code__, "_h": _prog.__code__}

        def look(frame, event, code, args):
            problems = []
            if frame.f_code is not code:
                problems.append("f_code")
            if frame.f_globals is not globals():
                problems.append("f_globals")
            if frame.f_builtins is not __builtins__ and \
                    frame.f_builtins is not getattr(__builtins__,
                                                    "__dict__", None):
                problems.append("f_builtins")
            back = frame.f_back
            if back is None or back.f_code is not callers[code.co_name]:
                problems.append("f_back")
            return (event, code.co_name, problems)
        seen = self.observe(look)
        self.assertEqual([s for s in seen if s[2]], [])
        self.assertGreater(len(set(s[0] for s in seen)), 12)

    def test_lineno_in_every_event(self):
        # f_lineno is the line of the event's instruction, as natively:
        # PY_START the `def` line; EXCEPTION_HANDLED the line that raised
        # (the frame has not reached its handler yet); JUMP and BRANCH the
        # jump's own line (3.13; 3.12.1 showed the destination's).
        last_raise = {}

        def look(frame, event, code, args):
            lineno = frame.f_lineno
            if event == "RAISE":
                last_raise[code] = lineno
            if event == "PY_START":
                want = code.co_firstlineno
            elif event == "EXCEPTION_HANDLED":
                want = last_raise.get(code)
            elif event in ("JUMP", "BRANCH") and PY == (3, 12):
                want = line_of(code, args[1])
            elif event == "LINE":
                want = args[0]
            elif code is _g.__code__ and event in ("RERAISE", "PY_UNWIND"):
                # 3.12+: the generator's implicit StopIteration handler,
                # an instruction without a line of its own
                return (event, code.co_name, None, None)
            else:
                want = line_of(code, args[0])
            return (event, code.co_name, lineno, want)
        seen = self.observe(look)
        self.assertEqual([s for s in seen if s[2] != s[3]], [])
        names = set(s[0] for s in seen)
        for name in ("JUMP", "BRANCH", "EXCEPTION_HANDLED", "RAISE",
                     "PY_START", "PY_RESUME", "PY_THROW", "PY_YIELD",
                     "PY_RETURN", "PY_UNWIND", "CALL", "C_RETURN",
                     "C_RAISE", "LINE"):
            self.assertIn(name, names)

    def test_exception_handled_lineno_exact(self):
        def look(frame, event, code, args):
            return (code.co_name, frame.f_lineno - code.co_firstlineno)
        seen = self.observe(look, events.EXCEPTION_HANDLED)
        # _f's raise, the throw() into _g caught in _prog, _h's exception
        # caught in _prog (3.12+ generators also catch in _g itself)
        expected = [("_f", 3), ("_prog", 8), ("_prog", 12)]
        if not OLD:
            expected.insert(1, ("_g", 2))
        self.assertEqual(seen, expected)

    def test_lasti_in_every_event(self):
        # f_lasti is the event's instruction for the events where 3.12 and
        # 3.13 agree on it (calls, C returns, returns, plain starts).
        def look(frame, event, code, args):
            if event == "PY_START" and code is _g.__code__:
                return None
            if event == "PY_START" and PY < (3, 11):
                # 3.8-3.10: the frame has not run an instruction yet, and
                # f_lineno (the def line) is computed from f_lasti there
                # (docs/differences.md, "Frame events").
                return (event, code.co_name, frame.f_lasti, -1)
            return (event, code.co_name, frame.f_lasti, args[0])
        seen = [s for s in self.observe(
            look, events.PY_START | events.CALL | events.C_RETURN |
            events.C_RAISE |
            events.PY_RETURN) if s is not None]
        self.assertEqual([s for s in seen if s[2] != s[3]], [])
        self.assertEqual(set(s[0] for s in seen),
                         {"PY_START", "CALL", "C_RETURN", "C_RAISE",
                          "PY_RETURN"})

    def test_generator_start_lasti(self):
        # (3.11 shows the RESUME it fires at, not its RETURN_GENERATOR)
        def look(frame, event, code, args):
            if code is _g.__code__:
                return (frame.f_lasti, args[0])
        seen = [s for s in self.observe(look, events.PY_START) if s]
        self.assertEqual(len(seen), 2)
        for lasti, offset in seen:
            self.assertEqual(lasti, -1 if PY < (3, 11) else offset)

    def test_generator_lasti_at_resume_throw_and_yield(self):
        # PY_RESUME and PY_THROW: the event's instruction (the old
        # interpreters leave the frame on its yield).  PY_YIELD: 3.12
        # shows the yield, 3.13 (followed) where the frame resumes, the
        # offset of its next PY_RESUME or PY_THROW.
        def look(frame, event, code, args):
            if code is _g.__code__:
                return (event, frame.f_lasti, args[0],
                        frame.f_lineno - code.co_firstlineno)
        seen = [s for s in self.observe(
            look, events.PY_RESUME | events.PY_THROW | events.PY_YIELD) if s]
        self.assertEqual([s[0] for s in seen],
                         ["PY_YIELD", "PY_RESUME"] * 2 +
                         ["PY_YIELD", "PY_THROW"])
        for i, (event, lasti, offset, line) in enumerate(seen):
            # (all on the yield's line)
            self.assertEqual(line, 2)
            if event != "PY_YIELD" or PY[:2] == (3, 12):
                self.assertEqual(lasti, offset)
            else:
                self.assertEqual(lasti, seen[i + 1][2])
                self.assertGreater(lasti, offset)

    def test_locals_in_every_event(self):
        def look(frame, event, code, args):
            if code is not _f.__code__:
                return None
            return (event, frame.f_lineno - code.co_firstlineno,
                    dict(frame.f_locals))
        seen = [s for s in self.observe(look,
                                        events.PY_START | events.LINE |
                                        events.PY_RETURN | events.RAISE)
                if s is not None]
        self.assertEqual(seen[0], ("PY_START", 0, {"x": 1}))
        self.assertEqual(seen[1], ("LINE", 1, {"x": 1}))
        self.assertEqual(seen[2], ("LINE", 2, {"x": 1, "y": 2}))
        self.assertIn(("RAISE", 3, {"x": 1, "y": 2}), seen)
        self.assertEqual(seen[-1], ("PY_RETURN", 6, {"x": 1, "y": 2}))

    def _flags(self):
        def look(frame, event, code, args):
            return (event, code.co_name, frame.f_trace,
                    frame.f_trace_lines, frame.f_trace_opcodes)
        return [s for s in self.observe(look)
                if s[2:] != (None, True, False)]

    def test_trace_flags_read_in_every_event(self):
        self.assertEqual(self._flags(), [])

    def _flags_written(self):
        # A tool writes the flags of the frame in one callback and reads
        # them back in the next ones: plain attributes, as natively.
        out = []

        def look(frame, event, code, args):
            if code is not _f.__code__:
                return None
            out.append((event, frame.f_trace_lines, frame.f_trace_opcodes))
            if event == "PY_START":
                frame.f_trace_lines = False
                frame.f_trace_opcodes = True
            return None
        self.observe(look, events.PY_START | events.LINE | events.PY_RETURN)
        return out

    def test_trace_flags_written_read_back(self):
        out = self._flags_written()
        self.assertEqual(out[0], ("PY_START", True, False))
        self.assertEqual(set(o[1:] for o in out[1:]), {(False, True)})

    def test_f_trace_written_without_settrace_is_not_called(self):
        # Natively f_trace is only called by sys.settrace's machinery:
        # a frame's f_trace set from a callback, with no sys.settrace,
        # is never called, and the program runs on unchanged.
        called = []

        def tracer(frame, event, arg):
            called.append(event)
            return tracer

        def look(frame, event, code, args):
            if event == "PY_START" and code is _f.__code__:
                frame.f_trace = tracer
            return frame.f_trace is tracer
        seen = self.observe(look, events.PY_START | events.LINE)
        self.assertEqual(called, [])
        self.assertIn(True, seen)
        self.assertIsNone(sys.gettrace())


def _run_child(source, timeout=60):
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.path.join(root, "src")
    env.pop("PYTHONHOME", None)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(source)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, env=env)
    return proc.returncode, proc.stdout, proc.stderr


CLEAR_TEMPLATE = """
import sys, pep669
mon = pep669.monitoring
E = mon.events
def gen():
    yield 1
    yield 2
def func(n):
    m = abs(n) + 1
    return m
results = []
def cb(code, *args):
    if code.co_name not in ("func", "gen"):
        return
    frame = sys._getframe(1)
    for target in (frame, frame.f_back):
        try:
            target.clear()
            results.append("cleared")
        except RuntimeError as e:
            results.append("RuntimeError: %s" % e)
mon.use_tool_id(0, "t")
mon.register_callback(0, E.{event}, cb)
mon.set_events(0, E.{event})
r = func(1)
g = gen()
vals = list(g)
mon.set_events(0, 0)
print(r, vals)
print(sorted(set(results)))
"""


@unittest.skipIf(hasattr(sys, "gettotalrefcount"),
                 "child interpreters: nothing to check for leaks here")
class ClearFromCallbacks(unittest.TestCase):
    """frame.clear() of the running frame (and its caller) from a callback:
    natively "cannot clear an executing frame", the program unchanged.
    In a subprocess: an engine that lets it happen can crash."""

    def check(self, event):
        rc, out, err = _run_child(CLEAR_TEMPLATE.format(event=event))
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0], "2 [1, 2]")
        self.assertEqual(
            lines[1],
            "['RuntimeError: cannot clear an executing frame']")

    def test_clear_from_line(self):
        self.check("LINE")

    def test_clear_from_call(self):
        self.check("CALL")

    def test_clear_from_py_return(self):
        self.check("PY_RETURN")

    def test_clear_from_py_start(self):
        self.check("PY_START")


if __name__ == "__main__":
    unittest.main()
