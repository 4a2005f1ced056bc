"""A frame's own change to its f_trace_lines / f_trace_opcodes sticks.

On 3.8-3.11 a frame that runs traced holds pep669's filters in its frame
object; when Python code may look (a callee, a callback) the program's
are shown again.  A flag the frame's own code set meanwhile is the
program's (as natively, where monitoring never touches them): a callee
reading ``f_back`` sees it.  (Not covered: a value equal to pep669's
filter at that moment, and the frame reading its own flags while it runs
traced; docs/differences.md.)
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


class OwnFlagsTest(unittest.TestCase):

    def setUp(self):
        monitoring.use_tool_id(TOOL, "own-flags")
        self.addCleanup(monitoring.free_tool_id, TOOL)
        self.addCleanup(monitoring.set_events, TOOL, 0)
        for ev in (E.RAISE, E.EXCEPTION_HANDLED, E.LINE, E.JUMP):
            monitoring.register_callback(TOOL, ev, lambda *a: None)
            self.addCleanup(monitoring.register_callback, TOOL, ev, None)

    def check(self, events, lines, opcodes):
        seen = []
        monitoring.set_events(TOOL, events)
        sets_own_flags(seen, lines, opcodes)
        sets_own_flags(seen, lines, opcodes)
        monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [(lines, opcodes)] * 4)

    def test_exception_events_opcodes_on(self):
        self.check(E.RAISE | E.EXCEPTION_HANDLED, True, True)

    def test_lines_off(self):
        self.check(E.LINE, False, True)

    def test_jump_lines_off(self):
        self.check(E.JUMP, False, False)


if __name__ == "__main__":
    unittest.main()
