"""Differences from native found by tools/event_cases_fid17.py (session 17).

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on the interpreters its class's docstring names before the
fix it names.
"""
import unittest

from tests.support import MonitoringTestCase, Recorder, events, monitoring

TOOL = 2


def _mine(code):
    return code.co_filename == __file__


# ----------------------------------------------------------------------
# throw() into `yield from` whose delegate catches and returns

def _inner_returns():
    try:
        yield 1
    except KeyError:
        return "caught"


def _outer_delegates():
    r = yield from _inner_returns()
    return r


def _throw_inner_returns():
    it = _outer_delegates()
    next(it)
    try:
        it.throw(KeyError)
    except StopIteration as e:
        return e.value


def _inner_plain():
    yield 1
    return "done"


def _outer_plain():
    r = yield from _inner_plain()
    yield r


def _send_inner_returns():
    it = _outer_plain()
    next(it)
    return next(it)


class ThrowDelegateReturnsStopIterationTest(MonitoringTestCase):
    """throw() into a generator suspended in `yield from` whose delegate
    catches the exception and returns: 3.9/3.10 gave a STOP_ITERATION in
    the delegating frame, which natively has none (its SEND is not what
    ends the delegate: gen_throw does).  The backend took the delegating
    frame, suspended one instruction before its YIELD_FROM while
    gen_throw runs the delegate (as the thread's current frame, 3.9+),
    for a frame executing that YIELD_FROM.
    Fixed in backend/frame.c.h (pep669_backend_frame_drives_generator:
    only a frame at its YIELD_FROM drives it)."""

    EVENTS = events.STOP_ITERATION | events.PY_RETURN

    def run_case(self, func, more=0):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, self.EVENTS | more, _mine).register()
        monitoring.set_events(TOOL, self.EVENTS | more)
        try:
            result = func()
        finally:
            monitoring.set_events(TOOL, 0)
        return result, [e[:2] for e in rec.events("STOP_ITERATION",
                                                  "PY_RETURN")]

    def test_throw_delegate_returns(self):
        self.assertEqual(self.run_case(_throw_inner_returns), ("caught", [
            ("PY_RETURN", "_inner_returns"),
            ("PY_RETURN", "_outer_delegates"),
            ("PY_RETURN", "_throw_inner_returns")]))

    def test_throw_delegate_returns_traced(self):
        self.assertEqual(
            self.run_case(_throw_inner_returns, events.LINE | events.RAISE),
            ("caught", [
                ("PY_RETURN", "_inner_returns"),
                ("PY_RETURN", "_outer_delegates"),
                ("PY_RETURN", "_throw_inner_returns")]))

    def test_send_delegate_returns(self):
        # (the plain end of a delegate in `yield from` keeps its event)
        self.assertEqual(self.run_case(_send_inner_returns), ("done", [
            ("PY_RETURN", "_inner_plain"),
            ("STOP_ITERATION", "_outer_plain"),
            ("PY_RETURN", "_send_inner_returns")]))


if __name__ == "__main__":
    unittest.main()
