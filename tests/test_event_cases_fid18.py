"""Differences from native found by tools/event_cases_fid18.py (session 18).

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on the interpreters its class's docstring names before the
fix it names.
"""
import sys
import threading
import unittest

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 2


def _jumpy():
    a = 1
    a = 2
    a = len("abc")
    return a


class TracerJumpLineTest(MonitoringTestCase):
    """A legacy tracer (sys.settrace) that moves the frame by assigning
    f_lineno in its 'line' event, next to a tool with LINE: the line the
    frame lands on is "given" (no LINE for it, natively), and the next
    line that differs from it has its LINE.  3.8-3.11 kept the line the
    tracer left as the last one, so a jump back to the line just before
    lost the LINE of the line left when the frame came to it again
    (`tracer_jump_back_reruns_line` in tools/event_cases_fid18.py).
    Fixed in trampoline.c (pep669_trace_forward: a move at 'line', or
    3.8-3.10's 'opcode', makes the destination's line the last one) and
    legacy_events.c (pep669_trace_fire_line keeps it; on_opcode fires
    nothing more for the instruction left)."""

    def run_case(self, func, at, to, more=0, *args):
        base = func.__code__.co_firstlineno
        seen = []
        done = []

        def tracer(frame, event, arg):
            if frame.f_code is func.__code__:
                if event == "line":
                    seen.append(("tr", frame.f_lineno - base))
                    if frame.f_lineno - base == at and not done:
                        done.append(1)
                        frame.f_lineno = base + to
            return tracer

        def line(code, lineno):
            if code is func.__code__:
                seen.append(("L", lineno - base))

        def call(code, offset, callable, arg0):
            if code is func.__code__:
                seen.append(("CALL", getattr(callable, "__name__", "?")))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.register_callback(TOOL, events.CALL, call)
        monitoring.set_events(TOOL, events.LINE | more)
        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            result = func(*args)
        finally:
            sys.settrace(old)
            monitoring.set_events(TOOL, 0)
        return result, seen

    def test_jump_back_to_previous_line(self):
        self.assertEqual(self.run_case(_jumpy, 3, 2), (3, [
            ("tr", 1), ("L", 1), ("tr", 2), ("L", 2), ("tr", 3), ("L", 3),
            ("tr", 3), ("L", 3), ("tr", 4), ("L", 4)]))

    def test_jump_back_to_previous_line_with_calls(self):
        self.assertEqual(self.run_case(_jumpy, 3, 2, events.CALL), (3, [
            ("tr", 1), ("L", 1), ("tr", 2), ("L", 2), ("tr", 3), ("L", 3),
            ("tr", 3), ("L", 3), ("CALL", "len"), ("tr", 4), ("L", 4)]))

    def test_jump_back_two_lines(self):
        # (this one always worked: the line after the destination is not
        # the line left)
        self.assertEqual(self.run_case(_jumpy, 3, 1), (3, [
            ("tr", 1), ("L", 1), ("tr", 2), ("L", 2), ("tr", 3), ("L", 3),
            ("tr", 2), ("L", 2), ("tr", 3), ("L", 3), ("tr", 4), ("L", 4)]))

    def test_jump_back_from_opcode_event(self):
        # 3.8-3.10's setter lets a tracer jump from an 'opcode' event;
        # 3.11+ refuse.  Where it moves, the line after the destination
        # has its LINE (it was lost there too).
        base = _jumpy.__code__.co_firstlineno
        seen = []
        done = []

        def tracer(frame, event, arg):
            if frame.f_code is _jumpy.__code__:
                frame.f_trace_opcodes = True
                if event == "line":
                    seen.append(("tr", frame.f_lineno - base))
                if (event == "opcode" and frame.f_lineno - base == 3
                        and not done):
                    done.append(1)
                    try:
                        frame.f_lineno = base + 2
                        seen.append("jumped")
                    except ValueError:
                        seen.append("refused")
            return tracer

        def line(code, lineno):
            if code is _jumpy.__code__:
                seen.append(("L", lineno - base))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.set_events(TOOL, events.LINE)
        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            result = _jumpy()
        finally:
            sys.settrace(old)
            monitoring.set_events(TOOL, 0)
        head = [("tr", 1), ("L", 1), ("tr", 2), ("L", 2), ("tr", 3),
                ("L", 3)]
        if sys.version_info < (3, 11):
            self.assertEqual((result, seen), (3, head + [
                "jumped", ("tr", 3), ("L", 3), ("tr", 4), ("L", 4)]))
        else:
            # (3.12.1 gives this tracer no 'opcode' event at all:
            # docs/differences.md, opcode tracing next to a tool's LINE)
            self.assertEqual(result, 3)
            self.assertNotIn("jumped", seen)

    def test_jump_forward(self):
        self.assertEqual(self.run_case(_jumpy, 1, 3), (3, [
            ("tr", 1), ("L", 1), ("tr", 4), ("L", 4)]))



# ----------------------------------------------------------------------
# Known differences (docs/differences.md), pinned

class _Suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def _with_raises():
    with _Suppress():
        [].pop()
    return 1


def _with_raises_in_handler():
    try:
        raise KeyError
    except KeyError:
        with _Suppress():
            [].pop()
        return 1


def _with_nested():
    with _Suppress():
        with _Suppress():
            {}["x"]
        [].pop()
    return 1


def _with_in_generator():
    with _Suppress():
        yield 1
        [].pop()
    yield 2


def _two_lines():
    a = 1
    return a


class WithExitExcInfoTest(MonitoringTestCase):
    """The LINE of a `with` statement's exit by an exception (the line
    reported while __exit__ is called): its callbacks see the handled
    exception from before the handler (None at top level, an outer
    handler's exception inside it), as natively, where it comes before
    the handler makes the block's exception the handled one.  3.10 had
    pushed it (its handler's first instruction, WITH_EXCEPT_START, carries
    the line), so the callbacks saw the block's exception
    (`frame_view_with_and_c_raise` in tools/event_cases_fid18.py).  Fixed
    in trampoline.h (the callbacks' begin/end hooks, every LINE's path)
    and backend/frame.c.h (pep669_backend_with_exit_hide).  3.8/3.9 have
    no such LINE (WITH_EXIT_LINE in docs/differences.md)."""

    def run_lines(self, func, runs=1):
        codes = (func.__code__,)
        seen = []

        def line(c, lineno):
            if c in codes:
                e = sys.exc_info()[0]
                seen.append((lineno - c.co_firstlineno,
                             e.__name__ if e else None))
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        for code in codes:
            self.set_local_events(TOOL, code, events.LINE)
        try:
            for _ in range(runs):
                result = func()
                if not isinstance(result, int):
                    result = list(result)
        finally:
            for code in codes:
                self.set_local_events(TOOL, code, 0)
        return result, seen

    def test_top_level(self):
        # (three runs: the first traced, the next ones as the engine runs
        # a frame whose code has seen the exception)
        result, seen = self.run_lines(_with_raises, 3)
        self.assertEqual(result, 1)
        if sys.version_info < (3, 10):
            self.assertEqual(seen, [(1, None), (2, None), (3, None)] * 3)
        else:
            self.assertEqual(seen, [(1, None), (2, None), (1, None),
                                    (3, None)] * 3)
        self.assertEqual(sys.exc_info(), (None, None, None))

    def test_inside_handler(self):
        # An outer handled exception stays the one the callbacks see.
        result, seen = self.run_lines(_with_raises_in_handler)
        self.assertEqual(result, 1)
        head = [(1, None), (2, None), (3, "KeyError"), (4, "KeyError"),
                (5, "KeyError")]
        if sys.version_info < (3, 10):
            self.assertEqual(seen, head + [(6, "KeyError")])
        else:
            self.assertEqual(seen, head + [(4, "KeyError"), (6, "KeyError")])

    def test_nested(self):
        result, seen = self.run_lines(_with_nested)
        self.assertEqual(result, 1)
        if sys.version_info < (3, 10):
            self.assertEqual(seen, [(1, None), (2, None), (3, None),
                                    (4, None), (5, None)])
        else:
            self.assertEqual(seen, [(1, None), (2, None), (3, None),
                                    (2, None), (4, None), (1, None),
                                    (5, None)])

    def test_generator(self):
        result, seen = self.run_lines(_with_in_generator)
        self.assertEqual(result, [1, 2])
        if sys.version_info < (3, 10):
            self.assertEqual(seen, [(1, None), (2, None), (3, None),
                                    (4, None)])
        else:
            self.assertEqual(seen, [(1, None), (2, None), (3, None),
                                    (1, None), (4, None)])

    def test_callback_raises(self):
        # The callback's exception has no context (none was handled); on
        # 3.10 the thread's handled exception is put back after it.  (In a
        # thread of its own: 3.11's bytecode, like native 3.12.1 and
        # 3.13.0, leaves the block's exception the thread's handled one
        # after such a callback.)
        code = _with_raises.__code__
        seen = []
        out = []

        def line(c, lineno):
            if c is code:
                seen.append(lineno - c.co_firstlineno)
                if seen[-2:] == [2, 1]:
                    raise ValueError("from the callback")

        def run():
            try:
                _with_raises()
            except ValueError as e:
                out.append(e.__context__)
            out.append(sys.exc_info()[0])
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.LINE, line)
        self.set_local_events(TOOL, code, events.LINE)
        try:
            thread = threading.Thread(target=run)
            thread.start()
            thread.join()
        finally:
            self.set_local_events(TOOL, code, 0)
        if sys.version_info < (3, 10):
            self.assertEqual(out, [None])   # (no LINE there: no raise)
            return
        self.assertEqual(len(out), 2)
        self.assertIsNone(out[0])
        if sys.version_info < (3, 11):
            self.assertIsNone(out[1])


class KnownDifferencesTest(MonitoringTestCase):
    """What docs/differences.md lists from session 18, as it is on each
    version."""

    def test_instruction_with_second_line_tool(self):
        # A tool's INSTRUCTION next to a second LINE tool: lost for good
        # natively (3.12.1, 3.13.0), kept by the backport.
        code = _two_lines.__code__
        seen = []

        def instruction(c, offset):
            if c is code:
                seen.append("I")

        def line(c, lineno):
            if c is code:
                seen.append("L")
        other = TOOL + 1
        self.use_tool(TOOL)
        self.use_tool(other)
        monitoring.register_callback(TOOL, events.INSTRUCTION, instruction)
        monitoring.register_callback(TOOL, events.LINE, line)
        monitoring.register_callback(other, events.LINE,
                                     lambda c, lineno: None)
        self.set_local_events(TOOL, code, events.LINE | events.INSTRUCTION)
        runs = []
        try:
            for second in (0, events.LINE, 0):
                self.set_local_events(other, code, second)
                del seen[:]
                _two_lines()
                runs.append(seen.count("I") > 0)
        finally:
            self.set_local_events(TOOL, code, 0)
            self.set_local_events(other, code, 0)
        if sys.version_info >= (3, 12):
            self.assertEqual(runs, [True, False, False])
        else:
            self.assertEqual(runs, [True, True, True])


if __name__ == "__main__":
    unittest.main()
