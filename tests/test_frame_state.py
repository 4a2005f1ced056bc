"""The monitored frame is executing while frame-event callbacks run.

Natively (3.12/3.13) PY_START, PY_RESUME, PY_THROW, PY_RETURN and
PY_UNWIND fire from inside the frame's run: ``frame.clear()`` on the frame
refuses, and its generator, coroutine or async generator is running, so a
callback cannot resume, close or throw into it.  The backport fires these
events from its eval-frame hook, before and after the evaluator runs the
frame, and marks the frame (and its generator) executing around the
callbacks.

PY_YIELD fires after the frame suspended: the generator reads as
suspended there (gi_running False, gi_suspended True, GEN_SUSPENDED), its
``gi_yieldfrom`` / ``cr_await`` shows the delegate of a ``yield from`` /
``await``, and 3.13 refuses ``frame.clear()`` ("cannot clear a suspended
frame").  Resuming, closing or throwing into it from the callback crashes
3.12.1 and 3.13.0 (and clearing its frame crashes 3.12.1): the backport
refuses those calls ("already executing", ``YIELD_REENTRY_CRASHES``,
docs/differences.md).
"""

import inspect
import sys
import unittest

from tests.support import PY, MonitoringTestCase, events, monitoring

TOOL = 3

#: resuming, closing or throwing into the generator from a PY_YIELD
#: callback crashes native 3.12.1 and 3.13.0; the backport refuses.
YIELD_REENTRY_CRASHES = PY >= (3, 12)

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
            if op == "suspended":
                prefix = {"gen": "gi", "coro": "cr", "agen": "ag"}[kind]
                return getattr(obj, prefix + "_suspended", None)
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
        for kind, suspended in (
                ("gen", ("GEN_SUSPENDED", False)),
                ("coro", ("CORO_SUSPENDED", False)),
                # (natively the asend() under way keeps it running)
                ("agen", ("AGEN", True))):
            with self.subTest(kind=kind):
                results, seen = self.probe(kind, "PY_YIELD",
                                           ("state", "back", "suspended"))
                self.assertEqual(results,
                                 self.expected_results(kind, "PY_YIELD"))
                # gi_suspended, cr_suspended: 3.11+; ag_suspended: 3.12+
                flag = True if PY >= (3, 12) or (
                    PY >= (3, 11) and kind != "agen") else None
                count = 1 if kind == "coro" else 2
                self.assertEqual(seen, [(suspended, True, flag)] * count)

    def test_suspended_flag_elsewhere(self):
        # ... and False at the events where the generator runs
        results, seen = self.probe("gen", "PY_RESUME", ("suspended",))
        self.assertEqual(results, self.expected_results("gen", "PY_RESUME"))
        self.assertEqual(seen, [(False if PY >= (3, 11) else None,)] * 2)

    def test_yield_state_from_another_thread(self):
        # suspended for every thread, not only the callback's
        import threading
        seen = []
        objs = []

        def look():
            it = objs[0]
            seen.append((inspect.getgeneratorstate(it), it.gi_running,
                         it.gi_yieldfrom is not None))

        def callback(code, *args):
            if code is delegating_gen.__code__:
                thread = threading.Thread(target=look)
                thread.start()
                thread.join()
            return None

        monitoring.register_callback(TOOL, events.PY_YIELD, callback)
        objs.append(delegating_gen([]))
        monitoring.set_events(TOOL, events.PY_YIELD)
        try:
            self.assertEqual(list(objs[0]), [1, 2, 3])
        finally:
            monitoring.set_events(TOOL, 0)
        self.assertEqual(seen, [("GEN_SUSPENDED", False, True)] * 2 +
                         [("GEN_SUSPENDED", False, False)])

    def test_attributes_outside_callbacks_unchanged(self):
        # the swapped getters read the interpreter's own values elsewhere
        delegates = []
        it = delegating_gen(delegates)
        self.assertEqual(inspect.getgeneratorstate(it), "GEN_CREATED")
        self.assertIsNone(it.gi_yieldfrom)
        next(it)
        self.assertIs(it.gi_yieldfrom, delegates[0])
        self.assertFalse(it.gi_running)

        def running():
            yield me.gi_running
            yield inspect.getgeneratorstate(me)
        me = running()
        self.assertEqual(list(me), [True, "GEN_RUNNING"])
        coro = delegating_coro(delegates)
        self.assertEqual(coro.send(None), 1)
        self.assertIs(coro.cr_await, delegates[-1])
        self.assertFalse(coro.cr_running)
        coro.close()
        self.assertIsNone(coro.cr_await)
        if PY >= (3, 11):
            self.assertTrue(it.gi_suspended)
        it.close()
        self.assertEqual(inspect.getgeneratorstate(it), "GEN_CLOSED")

    @unittest.skipIf(PY[:2] == (3, 12),
                     "3.12.1 crashes clearing a frame at PY_YIELD")
    def test_yield_clear(self):
        for kind in ("gen", "coro", "agen"):
            with self.subTest(kind=kind):
                results, seen = self.probe(kind, "PY_YIELD", ("clear",))
                self.assertEqual(results,
                                 self.expected_results(kind, "PY_YIELD"))
                expected = ("RuntimeError", "cannot clear a suspended frame")
                self.assertEqual(seen,
                                 [(expected,)] * (1 if kind == "coro" else 2))

    def test_clear_outside_callbacks_unchanged(self):
        # frame.clear() of a generator's frame outside callbacks: what
        # this interpreter does (3.13 refuses a suspended frame; before,
        # it closes the generator)
        it = gen()
        next(it)
        frame = it.gi_frame
        refused = attempt(frame.clear)
        if PY >= (3, 13):
            self.assertEqual(refused, ("RuntimeError",
                                       "cannot clear a suspended frame"))
            it.close()
        else:
            self.assertEqual(refused, "ok")
        self.assertEqual(inspect.getgeneratorstate(it), "GEN_CLOSED")

    @unittest.skipIf(YIELD_REENTRY_CRASHES,
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

    @unittest.skipIf(YIELD_REENTRY_CRASHES,
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


    # ---- gi_yieldfrom / cr_await / ag_await in frame-event callbacks

    DELEGATING = ("PY_START", "PY_RESUME", "PY_YIELD", "PY_THROW",
                  "PY_RETURN")

    def delegate_reads(self, kind, event):
        """What the delegate attribute of a generator (coroutine, async
        generator) that suspends twice in a `yield from` / `await` and then
        at a plain yield (a coroutine: in a third await) reads in each
        callback of `event`: "d" (one of its delegates), None or something
        else; with the values the driver saw."""
        seen = []
        objs = []
        delegates = []
        attr = {"gen": "gi_yieldfrom", "coro": "cr_await",
                "agen": "ag_await"}[kind]

        def callback(code, *args):
            if code.co_name != "delegating_" + kind:
                return None
            value = getattr(objs[0], attr)
            seen.append("d" if any(value is d for d in delegates) else
                        None if value is None else repr(value))
            return None

        monitoring.register_callback(TOOL, getattr(events, event), callback)
        obj = {"gen": delegating_gen, "coro": delegating_coro,
               "agen": delegating_agen}[kind](delegates)
        objs.append(obj)
        results = []
        monitoring.set_events(TOOL, getattr(events, event))
        try:
            if kind == "agen":
                send = obj.asend(None)
                results.append(send.send(None))
                results.append(send.send(None))
                try:
                    send.send(None)
                except StopIteration as exc:
                    results.append(("StopIteration", exc.value))
                try:
                    obj.athrow(ValueError).send(None)
                except StopIteration as exc:
                    results.append(("StopIteration", exc.value))
            else:
                for i in range(3):
                    results.append(obj.send(None))
                try:
                    obj.throw(ValueError)
                except StopIteration as exc:
                    results.append(("StopIteration", exc.value))
        finally:
            monitoring.set_events(TOOL, 0)
            del objs[:]
        return results, seen, delegates

    def test_delegate_in_frame_events(self):
        # natively the delegate shows at PY_YIELD inside `yield from` /
        # `await` (the frame is suspended there), and None where the
        # frame runs
        results = {"gen": [1, 2, 3, ("StopIteration", 9)],
                   "coro": [1, 2, 3, ("StopIteration", 9)],
                   "agen": [1, 2, ("StopIteration", 3),
                            ("StopIteration", 9)]}
        at_yield = {"gen": ["d", "d", None], "coro": ["d", "d", "d"],
                    "agen": ["d", "d", None, None]}
        for kind in ("gen", "coro", "agen"):
            for event in self.DELEGATING:
                with self.subTest(kind=kind, event=event):
                    got, seen, delegates = self.delegate_reads(kind, event)
                    self.assertEqual(got, results[kind])
                    expected = {"PY_START": [None],
                                "PY_RESUME": [None, None],
                                "PY_YIELD": at_yield[kind],
                                "PY_THROW": [None],
                                "PY_RETURN": [] if kind == "agen" else [None]}
                    self.assertEqual(seen, expected[event])
                    # the delegates ran to their end, untouched
                    self.assertEqual(
                        [inspect.getgeneratorstate(d) for d in delegates],
                        ["GEN_CLOSED"] * len(delegates))


def delegate_gen(value, delegates):
    yield value


class Delegated(object):
    """An awaitable whose iterator (what cr_await shows) is recorded."""

    def __init__(self, value, delegates):
        self.value = value
        self.delegates = delegates

    def __await__(self):
        it = delegate_gen(self.value, self.delegates)
        self.delegates.append(it)
        return it


def delegating_gen(delegates):
    for value in (1, 2):
        it = delegate_gen(value, delegates)
        delegates.append(it)
        yield from it
    try:
        yield 3
    except ValueError:
        return 9


async def delegating_coro(delegates):
    await Delegated(1, delegates)
    await Delegated(2, delegates)
    try:
        await Delegated(3, delegates)
    except ValueError:
        return 9


async def delegating_agen(delegates):
    await Delegated(1, delegates)
    await Delegated(2, delegates)
    try:
        yield 3
    except ValueError:
        yield 9


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
