"""The frames path's end (frames.c, pep669_frames_end, 3.8-3.11): a
function's run under frame events only fires its PY_RETURN there, with
the code's DISABLEs as they are at the return, not as they were at the
start of the run.  These streams are native 3.12/3.13's; the first test
fails if that end reads only the code data the run started with (checked
by making it so: code without data at its start then fired a PY_RETURN
its inner run had DISABLEd).
"""

import unittest

from tests.support import MonitoringTestCase, events, monitoring

E = events
TOOL = 3


def countdown(n):
    if n:
        countdown(n - 1)
    return n


class FramesEndTest(MonitoringTestCase):

    def test_disable_in_the_run_holds_at_its_return(self):
        # The innermost run DISABLEs its return's location; the outer runs
        # of the same code, begun before (with no code data then: the
        # events are global), return at that location too: no PY_RETURN.
        out = []
        self.use_tool(TOOL)
        code = countdown.__code__

        def start(c, offset):
            if c is code:
                out.append("PY_START")

        def ret(c, offset, value):
            if c is code:
                out.append(("PY_RETURN", value))
                return monitoring.DISABLE

        monitoring.register_callback(TOOL, E.PY_START, start)
        monitoring.register_callback(TOOL, E.PY_RETURN, ret)
        monitoring.set_events(TOOL, E.PY_START | E.PY_RETURN)
        try:
            countdown(3)
        finally:
            self.stop(TOOL)
        self.assertEqual(out, ["PY_START"] * 4 + [("PY_RETURN", 0)])

    def test_return_callback_raises(self):
        # The return instruction raises the callback's exception: the
        # caller sees it, PY_UNWIND reports it.
        out = []
        self.use_tool(TOOL)
        code = countdown.__code__

        def ret(c, offset, value):
            if c is code:
                out.append(("PY_RETURN", value))
                if value == 1:
                    raise KeyError(value)

        def unwind(c, offset, exc):
            if c is code:
                out.append(("PY_UNWIND", type(exc).__name__))

        monitoring.register_callback(TOOL, E.PY_RETURN, ret)
        monitoring.register_callback(TOOL, E.PY_UNWIND, unwind)
        monitoring.set_events(TOOL, E.PY_RETURN | E.PY_UNWIND)
        try:
            with self.assertRaises(KeyError):
                countdown(3)
        finally:
            self.stop(TOOL)
        self.assertEqual(out, [("PY_RETURN", 0), ("PY_RETURN", 1),
                               ("PY_UNWIND", "KeyError"),
                               ("PY_UNWIND", "KeyError"),
                               ("PY_UNWIND", "KeyError")])


if __name__ == "__main__":
    unittest.main()
