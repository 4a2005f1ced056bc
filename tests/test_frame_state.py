"""The monitored frame is executing while frame-event callbacks run.

Natively (3.12/3.13) PY_START, PY_RESUME, PY_THROW, PY_RETURN and
PY_UNWIND fire from inside the frame's run: ``frame.clear()`` on the frame
refuses, and its generator, coroutine or async generator is running, so a
callback cannot resume, close or throw into it.  The backport fires these
events from its eval-frame hook, before and after the evaluator runs the
frame, and marks the frame (and its generator) executing around the
callbacks.

PY_YIELD differs (``YIELD_RUNNING``, docs/differences.md): natively the
generator already reads as suspended there, but resuming, closing or
throwing into it from the callback crashes 3.12.1 and 3.13.0 (and clearing
its frame crashes 3.12.1).  The backport keeps it running until the
callbacks return: those calls raise "already executing".
"""

import inspect
import sys
import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

TOOL = 3

#: at PY_YIELD the generator still reads as running (backport), where
#: native 3.12/3.13 show it suspended.
YIELD_RUNNING = PY < (3, 12)

#: frame.f_locals written in a callback writes the frame's variable:
#: 3.13 (PEP 667) and the backport; 3.12's f_locals is a snapshot.
LOCALS_WRITE_THROUGH = PY[:2] != (3, 12)

#: runs after which 3.11+ have quickened a code object (its RESUME is
#: RESUME_QUICK)
QUICKENED = 12

CLEAR_EXECUTING = ("RuntimeError", "cannot clear an executing frame")
GEN_EXECUTING = ("ValueError", "generator already executing")
CORO_EXECUTING = ("ValueError", "coroutine already executing")


def agen_running(method):
    return ("RuntimeError",
            "%s(): asynchronous generator is already running" % method)


NAMES = ("func", "gen", "coro", "agen", "outer")


def func(x=1):
    if x == 7:
        raise KeyError(7)
    return x


def gen(x=1):
    try:
        yield 1
    except ValueError:
        pass
    yield x
    if x == 7:
        raise KeyError(7)


class Awaitable(object):
    def __await__(self):
        value = yield 1
        return value


async def coro(x=1):
    try:
        await Awaitable()
    except ValueError:
        pass
    if x == 7:
        raise KeyError(7)
    return x


async def agen(x=1):
    try:
        yield 1
    except ValueError:
        pass
    yield x
    if x == 7:
        raise KeyError(7)


def inner():
    yield 1
    yield 2


def outer(it):
    yield from it
    yield 3


def state_of(obj):
    if inspect.isgenerator(obj):
        return (inspect.getgeneratorstate(obj), obj.gi_running)
    if inspect.iscoroutine(obj):
        return (inspect.getcoroutinestate(obj), obj.cr_running)
    if inspect.isasyncgen(obj):
        return ("AGEN", obj.ag_running)
    return None


def attempt(fn):
    try:
        fn()
        return "ok"
    except Exception as exc:
        return (type(exc).__name__, str(exc))


class FrameStateTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.use_tool(TOOL)

    def probe(self, kind, event, ops):
        """Run ``kind`` ('func', 'gen', 'coro', 'agen') with a callback for
        ``event`` doing ``ops`` on the monitored frame and its generator;
        returns (what the driver saw, what each callback saw)."""
        seen = []
        target = []
        event_bit = getattr(events, event)

        def do(op, frame, obj):
            if op == "state":
                return state_of(obj)
            if op == "back":
                # the caller: this method, or its helpers for async
                # generators
                return frame.f_back.f_code.co_name in ("probe", "step",
                                                       "throw")
            if op == "clear":
                return attempt(frame.clear)
            if kind == "agen":
                calls = {"send": lambda: obj.asend(None).send(None),
                         "next": lambda: obj.__anext__().send(None),
                         "close": lambda: obj.aclose().send(None),
                         "throw": lambda: obj.athrow(KeyError).send(None)}
            else:
                calls = {"send": lambda: obj.send(None),
                         "next": lambda: next(obj),
                         "close": obj.close,
                         "throw": lambda: obj.throw(KeyError)}
            return attempt(calls[op])

        def callback(code, *args):
            if code.co_name not in NAMES:
                return None
            frame = sys._getframe(1)
            obj = target[0] if target else None
            seen.append(tuple(do(op, frame, obj) for op in ops))
            return None

        monitoring.register_callback(TOOL, event_bit, callback)
        x = 7 if event == "PY_UNWIND" else 1
        results = []
        monitoring.set_events(TOOL, event_bit)
        try:
            if kind == "func":
                results.append(func(x))
            else:
                obj = {"gen": gen, "coro": coro, "agen": agen}[kind](x)
                target.append(obj)
                if kind == "agen":
                    def step(value):
                        return obj.asend(value).send(None)

                    def throw(exc):
                        return obj.athrow(exc).send(None)
                else:
                    step, throw = obj.send, obj.throw
                for i in range(4):
                    try:
                        if i == 1 and event == "PY_THROW":
                            results.append(throw(ValueError))
                        else:
                            results.append(step(None))
                    except StopIteration as exc:
                        # (an async generator's value comes this way)
                        results.append(("StopIteration", exc.value))
                        if kind != "agen":
                            break
                    except StopAsyncIteration:
                        results.append("StopAsyncIteration")
                        break
                    except KeyError as exc:
                        results.append(("KeyError", exc.args))
                        break
        except KeyError as exc:
            results.append(("KeyError", exc.args))
        finally:
            monitoring.set_events(TOOL, 0)
            del target[:]
        return results, seen

    # ---- plain functions

    def test_function(self):
        for event, expected in (
                ("PY_START", [1]), ("PY_RETURN", [1]),
                ("PY_UNWIND", [("KeyError", (7,))])):
            with self.subTest(event=event):
                results, seen = self.probe("func", event,
                                           ("back", "clear", "clear"))
                self.assertEqual(results, expected)
                self.assertEqual(
                    seen, [(True, CLEAR_EXECUTING, CLEAR_EXECUTING)])

    # ---- generators, coroutines, async generators

    ENTRY_EXIT = ("PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN",
                  "PY_UNWIND")

    def expected_results(self, kind, event):
        if kind == "gen":
            if event == "PY_UNWIND":
                return [1, 7, ("KeyError", (7,))]
            if event == "PY_THROW":
                return [1, 1, ("StopIteration", None)]
            return [1, 1, ("StopIteration", None)]
        if kind == "coro":
            if event == "PY_UNWIND":
                return [1, ("KeyError", (7,))]
            return [1, ("StopIteration", 1)]
        # agen
        if event == "PY_UNWIND":
            return [("StopIteration", 1), ("StopIteration", 7),
                    ("KeyError", (7,))]
        return [("StopIteration", 1), ("StopIteration", 1),
                "StopAsyncIteration"]

    def calls_in(self, kind, event):
        """How many callbacks see the object, per event."""
        counts = {
            "gen": {"PY_START": 1, "PY_RESUME": 2, "PY_THROW": 1,
                    "PY_RETURN": 1, "PY_UNWIND": 1},
            "coro": {"PY_START": 1, "PY_RESUME": 1, "PY_THROW": 1,
                     "PY_RETURN": 1, "PY_UNWIND": 1},
            "agen": {"PY_START": 1, "PY_RESUME": 2, "PY_THROW": 1,
                     "PY_RETURN": 1, "PY_UNWIND": 1},
        }
        return counts[kind][event]

    def check_kind(self, kind, running, refusals, ops):
        for event in self.ENTRY_EXIT:
            with self.subTest(event=event):
                if (kind == "gen" and event == "PY_RESUME" and
                        PY[:2] == (3, 13)):
                    # 3.13.0 crashes closing a generator from PY_RESUME
                    # (3.12.1 refuses, as the backport does)
                    keep = [i for i, op in enumerate(ops) if op != "close"]
                    ops = tuple(ops[i] for i in keep)
                    refusals = tuple(refusals[i] for i in keep)
                results, seen = self.probe(
                    kind, event, ("state", "back", "clear") + ops)
                self.assertEqual(results, self.expected_results(kind, event))
                one = (running, True, CLEAR_EXECUTING) + refusals
                self.assertEqual(seen, [one] * self.calls_in(kind, event))

    def test_generator(self):
        self.check_kind("gen", ("GEN_RUNNING", True), (GEN_EXECUTING,) * 4,
                        ("send", "next", "close", "throw"))

    def test_coroutine(self):
        self.check_kind("coro", ("CORO_RUNNING", True), (CORO_EXECUTING,) * 3,
                        ("send", "close", "throw"))

    def test_async_generator(self):
        self.check_kind("agen", ("AGEN", True),
                        (agen_running("anext"), agen_running("anext"),
                         agen_running("aclose"), agen_running("athrow")),
                        ("send", "next", "close", "throw"))

    # ---- PY_YIELD

    def test_yield_state(self):
        for kind, running, suspended in (
                ("gen", ("GEN_RUNNING", True), ("GEN_SUSPENDED", False)),
                ("coro", ("CORO_RUNNING", True), ("CORO_SUSPENDED", False))):
            with self.subTest(kind=kind):
                results, seen = self.probe(kind, "PY_YIELD",
                                           ("state", "back"))
                self.assertEqual(results,
                                 self.expected_results(kind, "PY_YIELD"))
                state = running if YIELD_RUNNING else suspended
                count = 2 if kind == "gen" else 1
                self.assertEqual(seen, [(state, True)] * count)

    @unittest.skipIf(PY[:2] == (3, 12),
                     "3.12.1 crashes clearing a frame at PY_YIELD")
    def test_yield_clear(self):
        results, seen = self.probe("gen", "PY_YIELD", ("clear",))
        self.assertEqual(results, self.expected_results("gen", "PY_YIELD"))
        if YIELD_RUNNING:
            expected = CLEAR_EXECUTING
        else:
            expected = ("RuntimeError", "cannot clear a suspended frame")
        self.assertEqual(seen, [(expected,)] * 2)

    @unittest.skipUnless(YIELD_RUNNING,
                         "resuming the generator from PY_YIELD crashes "
                         "3.12.1 and 3.13.0")
    def test_yield_reentry_refused(self):
        for kind, refusals, ops in (
                ("gen", (GEN_EXECUTING,) * 4,
                 ("send", "next", "close", "throw")),
                ("coro", (CORO_EXECUTING,) * 3, ("send", "close", "throw")),
                ("agen", (agen_running("anext"), agen_running("aclose")),
                 ("send", "close"))):
            with self.subTest(kind=kind):
                results, seen = self.probe(kind, "PY_YIELD", ops)
                self.assertEqual(results,
                                 self.expected_results(kind, "PY_YIELD"))
                self.assertEqual(seen,
                                 [refusals] * (1 if kind == "coro" else 2))

    # ---- a frame suspended in `yield from`

    def delegate_probe(self, event, ops):
        seen = []
        objs = []

        def callback(code, *args):
            if code.co_name != "outer":
                return None
            out, it = objs
            row = []
            for op in ops:
                if op == "close":
                    row.append(attempt(out.close))
                elif op == "throw":
                    row.append(attempt(lambda: out.throw(KeyError)))
                row.append(inspect.getgeneratorstate(it))
            seen.append(tuple(row))
            return None

        monitoring.register_callback(TOOL, getattr(events, event), callback)
        it = inner()
        objs.extend([outer(it), it])
        monitoring.set_events(TOOL, getattr(events, event))
        try:
            results = list(objs[0])
        finally:
            monitoring.set_events(TOOL, 0)
            del objs[:]
        return results, seen

    def test_yield_from_delegate_untouched(self):
        # close() and throw() of the generator must neither run it nor
        # reach the generator it delegates to.
        ops = ("close", "throw")
        if PY[:2] == (3, 13):
            # 3.13.0 crashes closing a generator from PY_RESUME
            ops = ("throw",)
        row = (GEN_EXECUTING, "GEN_SUSPENDED") * len(ops)
        last = (GEN_EXECUTING, "GEN_CLOSED") * len(ops)
        for run in range(QUICKENED):
            results, seen = self.delegate_probe("PY_RESUME", ops)
            self.assertEqual(results, [1, 2, 3])
            self.assertEqual(seen, [row, row, last])

    @unittest.skipUnless(YIELD_RUNNING,
                         "closing the generator from PY_YIELD crashes "
                         "3.12.1 and 3.13.0")
    def test_yield_from_delegate_untouched_at_yield(self):
        row = (GEN_EXECUTING, "GEN_SUSPENDED", GEN_EXECUTING, "GEN_SUSPENDED")
        for run in range(QUICKENED):
            results, seen = self.delegate_probe("PY_YIELD",
                                                ("throw", "close"))
            self.assertEqual(results, [1, 2, 3])
            self.assertEqual(seen, [row, row,
                                    (GEN_EXECUTING, "GEN_CLOSED",
                                     GEN_EXECUTING, "GEN_CLOSED")])


def add_one(x=1):
    return x + 1


def counter(x=1):
    yield x
    yield x


def snapshot():
    x = 1
    locals()    # a dict of the frame's variables, stale from here on
    x = 2
    yield x
    yield x


class FrameLocalsTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.use_tool(TOOL)

    def run_with(self, event, callback, fn):
        monitoring.register_callback(TOOL, getattr(events, event), callback)
        monitoring.set_events(TOOL, getattr(events, event))
        try:
            result = fn()
        finally:
            monitoring.set_events(TOOL, 0)
        return result

    def writer(self, name):
        def callback(code, *args):
            if code.co_name == name:
                sys._getframe(1).f_locals["x"] = 99
            return None
        return callback

    def test_written_at_start(self):
        result = self.run_with("PY_START", self.writer("add_one"), add_one)
        self.assertEqual(result, 100 if LOCALS_WRITE_THROUGH else 2)

    def test_written_at_resume_and_yield(self):
        for event in ("PY_RESUME", "PY_YIELD"):
            with self.subTest(event=event):
                result = self.run_with(event, self.writer("counter"),
                                       lambda: list(counter()))
                self.assertEqual(result,
                                 [1, 99] if LOCALS_WRITE_THROUGH else [1, 1])

    def test_read_and_stale_dict_change_nothing(self):
        # The frame's own f_locals dict is stale (locals() was called
        # before x changed): a callback that does not touch it, or only
        # reads it, must not bring the old value back.
        seen = []

        def reader(code, *args):
            if code.co_name == "snapshot":
                seen.append(sys._getframe(1).f_locals["x"])
            return None

        def quiet(code, *args):
            return None

        for callback in (quiet, reader):
            for event in ("PY_YIELD", "PY_RESUME", "PY_RETURN"):
                with self.subTest(callback=callback.__name__, event=event):
                    result = self.run_with(event, callback,
                                           lambda: list(snapshot()))
                    self.assertEqual(result, [2, 2])
        self.assertEqual(seen, [2] * 5)


if __name__ == "__main__":
    unittest.main()
