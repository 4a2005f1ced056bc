"""Differences from native found by tools/event_cases_fid17.py (session 17).

Every test passes natively on 3.12/3.13 (through ``pep669.monitoring``)
and failed on the interpreters its class's docstring names before the
fix it names.
"""
import sys
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


# ----------------------------------------------------------------------
# PEP 479: a StopIteration leaving a generator's frame

def _gen_raises_stop():
    yield 1
    raise StopIteration("inner")


async def _coro_raises_stop():
    raise StopIteration("c")


async def _agen_raises_stop_async():
    yield 1
    raise StopAsyncIteration("a")


def _drive_gen():
    try:
        list(_gen_raises_stop())
    except RuntimeError as e:
        return e


def _drive_coro():
    c = _coro_raises_stop()
    try:
        c.send(None)
    except RuntimeError as e:
        return e


def _drive_agen():
    it = _agen_raises_stop_async().__aiter__()
    for _ in range(2):
        try:
            it.__anext__().send(None)
        except StopIteration:
            pass
        except RuntimeError as e:
            return e


def _tb_names(tb):
    names = []
    while tb is not None:
        names.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    return names


class GeneratorStopIterationErrorTest(MonitoringTestCase):
    """A StopIteration (an async generator's StopAsyncIteration) leaving
    a generator's, coroutine's or async generator's frame: 3.12+ make it
    the RuntimeError of PEP 479 inside the frame (its implicit handler:
    EXCEPTION_HANDLED of the StopIteration, RERAISE and PY_UNWIND of the
    RuntimeError); 3.8-3.11 make it after the frame is gone, so the
    backport's PY_UNWIND carried the StopIteration and there was no
    EXCEPTION_HANDLED or RERAISE.  Fixed in frames_gen.c
    (pep669_generator_stop_error, from frames_fire.h's frame_unwound):
    the RuntimeError made at the frame's end as the interpreter makes it,
    with those events."""

    EVENTS = (events.RAISE | events.EXCEPTION_HANDLED | events.RERAISE |
              events.PY_UNWIND)

    def run_case(self, func, name, respond=None):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, self.EVENTS, lambda c: c.co_name == name,
                       respond).register()
        monitoring.set_events(TOOL, self.EVENTS)
        try:
            exc = func()
        finally:
            monitoring.set_events(TOOL, 0)
        return exc, rec

    def check(self, func, name, stop_type, msg):
        exc, rec = self.run_case(func, name)
        self.assertIsInstance(exc, RuntimeError)
        self.assertEqual(str(exc), msg)
        self.assertIs(type(exc.__cause__), stop_type)
        self.assertIs(exc.__context__, exc.__cause__)
        self.assertTrue(exc.__suppress_context__)
        seen = [(r.event, type(r.args[-1])) for r in rec.records]
        self.assertEqual(seen, [
            ("RAISE", stop_type), ("EXCEPTION_HANDLED", stop_type),
            ("RERAISE", RuntimeError), ("PY_UNWIND", RuntimeError)])
        # (the RuntimeError the callbacks saw is the one raised)
        self.assertIs(rec.records[-1].args[-1], exc)
        self.assertIs(rec.records[1].args[-1], exc.__cause__)

    def test_generator(self):
        self.check(_drive_gen, "_gen_raises_stop", StopIteration,
                   "generator raised StopIteration")

    def test_coroutine(self):
        self.check(_drive_coro, "_coro_raises_stop", StopIteration,
                   "coroutine raised StopIteration")

    def test_async_generator(self):
        self.check(_drive_agen, "_agen_raises_stop_async",
                   StopAsyncIteration,
                   "async generator raised StopAsyncIteration")

    def test_traceback_as_unmonitored(self):
        # (the mechanism never shows: the same traceback as without
        # monitoring, on every version)
        plain = _drive_gen()
        exc, rec = self.run_case(_drive_gen, "_gen_raises_stop")
        self.assertEqual(_tb_names(exc.__traceback__),
                         _tb_names(plain.__traceback__))
        self.assertEqual(_tb_names(exc.__cause__.__traceback__),
                         _tb_names(plain.__cause__.__traceback__))

    def test_handled_callback_raises(self):
        def respond(r):
            # (once: natively the implicit handler catches the
            # callback's exception too, and would again)
            if r.event == "EXCEPTION_HANDLED" and not fired:
                fired.append(1)
                raise KeyError("cb")
        fired = []

        def drive():
            try:
                list(_gen_raises_stop())
            except KeyError as e:
                return e
        exc, rec = self.run_case(drive, "_gen_raises_stop", respond)
        self.assertIsInstance(exc, KeyError)
        seen = [(r.event, type(r.args[-1])) for r in rec.records]
        self.assertEqual(seen, [
            ("RAISE", StopIteration), ("EXCEPTION_HANDLED", StopIteration),
            ("EXCEPTION_HANDLED", KeyError), ("RERAISE", KeyError),
            ("PY_UNWIND", KeyError)])


# ----------------------------------------------------------------------
# Known differences (docs/differences.md), pinned

def _gen_stop_only():
    yield 1
    raise StopIteration


class KnownDifferencesTest(MonitoringTestCase):
    """What docs/differences.md lists from session 17, as it is on each
    version."""

    def record(self, event_set, func):
        self.use_tool(TOOL)
        rec = Recorder(TOOL, event_set, _mine).register()
        monitoring.set_events(TOOL, event_set)
        try:
            result = func()
        finally:
            monitoring.set_events(TOOL, 0)
        return result, rec

    def test_throw_delegate_returns_resumes(self):
        # "A throw() whose delegate returns": 3.12+ throw the delegate's
        # StopIteration into the delegating frame, 3.8-3.11 resume it.
        evs = events.PY_RESUME | events.PY_THROW
        result, rec = self.record(evs, _throw_inner_returns)
        self.assertEqual(result, "caught")
        got = [(r.event, r.code.co_name) for r in rec.records]
        if sys.version_info >= (3, 12):
            self.assertEqual(got, [("PY_THROW", "_inner_returns"),
                                   ("PY_THROW", "_outer_delegates")])
            self.assertIs(type(rec.records[1].args[-1]), StopIteration)
        else:
            self.assertEqual(got, [("PY_THROW", "_inner_returns"),
                                   ("PY_RESUME", "_outer_delegates")])

    def test_stop_error_without_unwind(self):
        # "PEP 479's RuntimeError": with RERAISE or EXCEPTION_HANDLED
        # wanted but not PY_UNWIND, 3.8-3.11 give neither.
        for ev in (events.RERAISE, events.EXCEPTION_HANDLED):
            def drive():
                try:
                    list(_gen_stop_only())
                except RuntimeError:
                    return "rt"
            with self.subTest(ev=ev):
                result, rec = self.record(ev, drive)
                monitoring.free_tool_id(TOOL)
                self.assertEqual(result, "rt")
                got = [r.event for r in rec.records
                       if r.code is _gen_stop_only.__code__]
                if sys.version_info >= (3, 12):
                    self.assertEqual(len(got), 1)
                else:
                    self.assertEqual(got, [])
