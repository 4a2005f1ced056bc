"""The hook's frames path (frames.c, 3.8-3.11): a run of code that wants
only frame events, on a thread without the trampoline, pushes its record
and pops it again without the trampoline's enter/leave.  When the event
sets change under it, the general path must decide after all: these
streams are native 3.12/3.13's, and each test fails if the frames path
kept its short cut there (checked by switching the condition off).
"""

import unittest

from tests.support import MonitoringTestCase, events, in_files, monitoring

E = events
HERE = in_files(__file__)
TOOL = 3


class FramesPathTest(MonitoringTestCase):

    def record(self, lines_of):
        """Callbacks for PY_START, PY_RETURN and LINE of this file's code
        (LINE as lines relative to the code's first line); PY_START calls
        lines_of(code) too."""
        out = []
        self.use_tool(TOOL)

        def start(code, offset):
            if HERE(code):
                out.append(("PY_START", code.co_name))
                lines_of(code)

        def ret(code, offset, value):
            if HERE(code):
                out.append(("PY_RETURN", code.co_name))

        def line(code, lineno):
            if HERE(code):
                out.append(("LINE", code.co_name,
                            lineno - code.co_firstlineno))

        monitoring.register_callback(TOOL, E.PY_START, start)
        monitoring.register_callback(TOOL, E.PY_RETURN, ret)
        monitoring.register_callback(TOOL, E.LINE, line)
        return out

    def run_events(self, function):
        monitoring.set_events(TOOL, E.PY_START | E.PY_RETURN)
        try:
            function()
        finally:
            self.stop(TOOL)

    def test_entry_callback_switches_lines_on(self):
        # The generator's PY_START callback sets LINE on its code: its
        # first run is traced from its first line.
        def gen():
            x = 1
            yield x
            x = 2
            yield x

        def drive():
            return list(gen())

        def lines_of(code):
            if code is gen.__code__:
                self.set_local_events(TOOL, code, E.LINE)

        out = self.record(lines_of)
        self.run_events(drive)
        self.assertEqual(out, [
            ("PY_START", "drive"),
            ("PY_START", "gen"),
            ("LINE", "gen", 1),
            ("LINE", "gen", 2),
            ("LINE", "gen", 3),
            ("LINE", "gen", 4),
            ("PY_RETURN", "gen"),
            ("PY_RETURN", "drive"),
        ])

    def test_resumed_generator_switches_lines_on_in_its_consumer(self):
        # A resumption of the generator sets LINE on the code of the frame
        # that resumed it: that frame is traced from its next line, once
        # the generator's run ends.
        def switch():
            self.set_local_events(TOOL, drive.__code__, E.LINE)

        def gen():
            yield 1
            switch()
            yield 2

        def drive():
            g = gen()
            next(g)
            next(g)
            x = 1
            return x

        out = self.record(lambda code: None)
        self.run_events(drive)
        self.assertEqual(out, [
            ("PY_START", "drive"),
            ("PY_START", "gen"),
            ("PY_START", "switch"),
            ("PY_RETURN", "switch"),
            ("LINE", "drive", 4),
            ("LINE", "drive", 5),
            ("PY_RETURN", "drive"),
        ])


if __name__ == "__main__":
    unittest.main()
