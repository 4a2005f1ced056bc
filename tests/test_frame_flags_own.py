"""A frame's own change to its f_trace_lines / f_trace_opcodes sticks.

On 3.8-3.11 a frame that runs traced holds pep669's filters in its frame
object; the program's live in its record then, and the two attributes
read and write those (session 18: trampoline_flags.c; before, the
program's were put back into the frame object when a callee or a
callback could look, and a flag the frame set was told from pep669's by
its value).  A flag the frame's own code set is the program's (as
natively, where monitoring never touches them): a callee reading
``f_back`` sees it, a callback too, and so does the frame itself, also
a value equal to pep669's filter at that moment.  (Not covered: another
thread reading such a frame while it runs; docs/differences.md.)
"""

import sys
import unittest

from tests.support import events, monitoring

E = events
TOOL = 3


def callee(seen):
    back = sys._getframe(1)
    seen.append((back.f_trace_lines, back.f_trace_opcodes))


def sets_own_flags(seen, lines, opcodes):
    frame = sys._getframe()
    try:
        raise KeyError
    except KeyError:
        pass
    frame.f_trace_lines = lines
    frame.f_trace_opcodes = opcodes
    callee(seen)
    try:
        raise ValueError
    except ValueError:
        pass
    callee(seen)


def reads_own_flags(seen, lines, opcodes):
    frame = sys._getframe()
    try:
        raise KeyError
    except KeyError:
        seen.append((frame.f_trace_lines, frame.f_trace_opcodes))
    frame.f_trace_lines = lines
    frame.f_trace_opcodes = opcodes
    seen.append((frame.f_trace_lines, frame.f_trace_opcodes))
    callee(seen)
    try:
        raise ValueError
    except ValueError:
        seen.append((frame.f_trace_lines, frame.f_trace_opcodes))
    frame.f_trace_lines = True
    frame.f_trace_opcodes = False
    seen.append((frame.f_trace_lines, frame.f_trace_opcodes))
    callee(seen)


class OwnFlagsTest(unittest.TestCase):

    def setUp(self):
        monitoring.use_tool_id(TOOL, "own-flags")
        self.addCleanup(monitoring.free_tool_id, TOOL)
        self.addCleanup(monitoring.set_events, TOOL, 0)
        self.in_callbacks = []
        for ev in (E.RAISE, E.EXCEPTION_HANDLED, E.LINE, E.JUMP,
                   E.INSTRUCTION):
            monitoring.register_callback(TOOL, ev, self.callback)
            self.addCleanup(monitoring.register_callback, TOOL, ev, None)

    def callback(self, code, *args):
        if code is reads_own_flags.__code__:
            frame = sys._getframe(1)
            self.in_callbacks.append((frame.f_trace_lines,
                                      frame.f_trace_opcodes))

    def run_twice(self, func, events, lines, opcodes):
        seen = []
        monitoring.set_events(TOOL, events)
        func(seen, lines, opcodes)
        func(seen, lines, opcodes)
        monitoring.set_events(TOOL, 0)
        return seen

    def check_own(self, events, lines, opcodes):
        # The frame reads its own flags while it runs traced (also right
        # after an exception, in its handler), and sets values that may
        # equal pep669's filters then (INSTRUCTION: opcodes on; exception
        # events: lines off after an exception).
        seen = self.run_twice(reads_own_flags, events, lines, opcodes)
        self.assertEqual(seen, [(True, False), (lines, opcodes),
                                (lines, opcodes), (lines, opcodes),
                                (True, False), (True, False)] * 2)
        self.assertTrue(self.in_callbacks)
        # (an INSTRUCTION between the two writes sees the first alone)
        allowed = {(True, False), (lines, opcodes), (lines, False),
                   (True, opcodes)}
        self.assertLessEqual(set(self.in_callbacks), allowed)

    def test_bad_values(self):
        # The member's own checks and messages, in a frame that holds
        # pep669's filters (INSTRUCTION) and in one that does not.  (Not
        # deletion: 3.12.1 and 3.13.0 crash on this function with a
        # delattr of either flag after those.)
        def bad(seen):
            frame = sys._getframe()
            for name in ("f_trace_lines", "f_trace_opcodes"):
                for value in (1, None):
                    try:
                        setattr(frame, name, value)
                    except TypeError as exc:
                        seen.append(str(exc))
            seen.append((frame.f_trace_lines, frame.f_trace_opcodes))
        plain = []
        bad(plain)
        monitoring.set_events(TOOL, E.INSTRUCTION)
        traced = []
        bad(traced)
        monitoring.set_events(TOOL, 0)
        self.assertEqual(traced, plain)
        self.assertEqual(plain[-1], (True, False))
        self.assertEqual(len(plain), 5)

    def test_own_read_exception_events(self):
        self.check_own(E.RAISE | E.EXCEPTION_HANDLED, False, True)

    def test_own_read_exception_events_defaults(self):
        self.check_own(E.RAISE | E.EXCEPTION_HANDLED | E.RERAISE, True,
                       False)

    def test_own_read_instruction(self):
        self.check_own(E.INSTRUCTION, True, True)

    def test_own_read_instruction_lines_off(self):
        self.check_own(E.INSTRUCTION, False, True)

    def test_own_read_lines(self):
        self.check_own(E.LINE, True, False)

    def test_own_read_lines_off(self):
        self.check_own(E.LINE | E.JUMP, False, False)

    def check(self, events, lines, opcodes):
        seen = self.run_twice(sets_own_flags, events, lines, opcodes)
        self.assertEqual(seen, [(lines, opcodes)] * 4)

    def test_exception_events_opcodes_on(self):
        self.check(E.RAISE | E.EXCEPTION_HANDLED, True, True)

    def test_lines_off(self):
        self.check(E.LINE, False, True)

    def test_jump_lines_off(self):
        self.check(E.JUMP, False, False)


if __name__ == "__main__":
    unittest.main()
