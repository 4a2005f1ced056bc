"""STOP_ITERATION from a `for` loop while a legacy tracer is set
(session 16, fid16).

Natively sys.settrace is tool 7, interpreter-wide, with LINE and
BRANCH: every FOR_ITER is instrumented, none specialises, and a
generator's end in a `for` loop gives no STOP_ITERATION (a profiler,
tool 6, has neither: the loop's end does).  3.8-3.11 gave it under the
tracer too.  Fixed in frames_gen.c (for_iter_instrumented counts a
legacy tracer on any thread: pep669_backend_interp_traced).  The
expectations hold natively on 3.12/3.13.
"""
import sys
import unittest

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 3
E = events


def _gen():
    yield 1


def _loop():
    x = 0
    for v in _gen():
        x += v
    return x


def _hook(frame, event, arg):
    return _hook


class StopIterationUnderTracerTest(MonitoringTestCase):

    def run_loop(self, setter):
        seen = []

        def cb(code, offset, value):
            if code is _loop.__code__:
                seen.append(value)

        if monitoring.get_tool(TOOL) is None:
            self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.STOP_ITERATION, cb)
        monitoring.set_events(TOOL, E.STOP_ITERATION)
        try:
            _loop()  # (warm: natively the FOR_ITER specialises)
            del seen[:]
            if setter is not None:
                setter(_hook)
            try:
                _loop()
            finally:
                if setter is not None:
                    setter(None)
        finally:
            monitoring.set_events(TOOL, 0)
        return len(seen)

    def test_plain(self):
        self.assertEqual(self.run_loop(None), 1)

    def test_under_tracer(self):
        self.assertEqual(self.run_loop(sys.settrace), 0)

    def test_under_profiler(self):
        self.assertEqual(self.run_loop(sys.setprofile), 1)


if __name__ == "__main__":
    unittest.main()
