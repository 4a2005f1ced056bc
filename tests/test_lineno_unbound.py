"""frame.f_lineno set from a LINE callback over assignments (session 16,
fid16).

3.12's setter binds every variable of the frame that has no value to
None once the jump is allowed, with a RuntimeWarning "assigning None to
N unbound local(s)" (frame_setlineno).  3.8-3.11 moved the frame and
left them unbound: the program went on with an UnboundLocalError where
natively it gets None.  Fixed in lineno.c (bind_unbound, over the
backends' pep669_backend_pyframe_unbound).  The expectations hold
natively on 3.12/3.13; the legacy tracer's own jumps (sys.settrace) keep
the interpreter's rules.
"""
import sys
import unittest
import warnings

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 3
E = events


def _skips():
    a = 1
    b = 2
    c = 3
    return (a, b, c)


def _skips_one(a):
    b = a + 1
    c = 3
    return (a, b, c)


class JumpBindsNoneTest(MonitoringTestCase):

    def jump(self, func, args, from_rel, to_rel):
        code = func.__code__
        notes = []

        def on_line(co, line):
            if co is code and line == co.co_firstlineno + from_rel:
                frame = sys._getframe(1)
                frame.f_lineno = co.co_firstlineno + to_rel
                notes.append(frame.f_lineno - co.co_firstlineno)
            return None

        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.LINE, on_line)
        monitoring.set_events(TOOL, E.LINE)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = func(*args)
                except Exception as exc:
                    result = type(exc).__name__
        finally:
            monitoring.set_events(TOOL, 0)
        return (result, notes,
                [(w.category.__name__, str(w.message)) for w in caught])

    def test_three_unbound(self):
        self.assertEqual(self.jump(_skips, (), 1, 3), (
            (None, None, 3), [3],
            [("RuntimeWarning", "assigning None to 3 unbound locals")]))

    def test_one_unbound(self):
        self.assertEqual(self.jump(_skips_one, (5,), 1, 2), (
            (5, None, 3), [2],
            [("RuntimeWarning", "assigning None to 2 unbound locals")]))

    def test_nothing_unbound(self):
        # (a jump back: every variable has its value)
        self.assertEqual(self.jump(_skips_one, (5,), 3, 3)[0], (5, 6, 3))


if __name__ == "__main__":
    unittest.main()
