"""More cases of tools/event_cases.py (session 15, fid15).

Same form as event_cases_data.py.  Legacy hooks beside the tools (a
profiler or tracer set from callbacks and callees, f_trace on a caller,
f_lineno jumps), generators and coroutines driven by throw()/close()
through delegation chains, async generators and `async with`, `match`,
comprehensions and lambdas raising, except*, RecursionError and
KeyboardInterrupt, threads, events changed and tools freed from inside
callbacks of each kind, DISABLE from each kind.
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# Legacy hooks set from callbacks and callees

PROF = """
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, getattr(arg, "__name__", "?"))
"""

TRACE = """
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and frame.f_code.co_name != "<module>":
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
"""

for _extra in ("0", "E.LINE"):
    _tag = "line" if _extra != "0" else "plain"
    case("setprofile_in_call_cb_" + _tag, PROF + """
def f():
    a = len("ab")
    b = abs(-1)
    try:
        ord("xy")
    except TypeError:
        b = 0
    return a + b
def on_call(code, off, func, arg0):
    if mine(code) and func is len:
        sys.setprofile(prof)
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s, hook=lambda n, a: on_call(*a) if n == "CALL" else None)
mon.set_events(1, E.CALL | %s)
run(f); sys.setprofile(None); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    case("setprofile_by_callee_" + _tag, PROF + """
def g():
    sys.setprofile(prof)
    return 1
def f():
    g()
    a = len("ab")
    sys.setprofile(prof)
    b = abs(-2)
    sorted([2, 1], key=lambda v: -v)
    sys.setprofile(None)
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
run(f); sys.setprofile(None); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    case("settrace_in_call_cb_" + _tag, TRACE + """
def g():
    x = 1
    return x
def f():
    g()
    y = 2
    g()
    return y
def on_call(code, off, func, arg0):
    if mine(code) and func is g:
        sys.settrace(tr)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.PY_START | %s, hook=lambda n, a: on_call(*a) if n == "CALL" else None)
mon.set_events(1, E.CALL | E.PY_START | %s)
run(f); sys.settrace(None); run(f); sys.settrace(None)
""" % (_extra, _extra))

    case("f_trace_on_caller_" + _tag, TRACE + """
def set_it():
    sys._getframe(1).f_trace = tr
    sys.settrace(tr)
def f():
    a = 1
    set_it()
    b = a + 1
    for i in range(2):
        b += i
    return b
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
run(f); sys.settrace(None); run(f); sys.settrace(None)
""" % (_extra, _extra))

case("profiler_raises_at_c_return_traced", """
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, getattr(arg, "__name__", "?"))
        if event == "c_return" and arg is len:
            raise KeyError("p")
def f():
    sys.setprofile(prof)
    try:
        a = len("ab")
    except KeyError as e:
        a = -1
    return a
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.CALL | E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
run(f); sys.setprofile(None); run(f); sys.setprofile(None)
""")

case("f_lineno_jump_from_tracer_under_monitoring", """
def tr(frame, event, arg):
    if frame.f_code.co_name == "f":
        note("tr", event, frame.f_lineno)
        if event == "line" and frame.f_lineno == 4:
            frame.f_lineno = 6
    return tr
def f():
    a = 1
    a = 2
    a = 3
    a = 4
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("settrace_and_tools_both_disable", """
def tr(frame, event, arg):
    if frame.f_code.co_name in ("f", "g"):
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def g(x):
    return x * 2
def f():
    t = 0
    for i in range(3):
        t += g(i)
    return t
# (no branch events: pep669._native reports a waiting edge from its
# destination's LINE, after the tracer's 'line', 3.14's order)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_START, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, E.LINE | E.CALL | E.PY_START)
sys.settrace(tr)
run(f); run(f)
sys.settrace(None)
""")

# ----------------------------------------------------------------------
# Generators and coroutines: throw()/close() through delegation chains

case("yield_from_chain_throw_caught_deep", """
def inner():
    try:
        yield 1
    except KeyError:
        yield "caught"
    yield 3
def mid():
    r = yield from inner()
    return r
def outer():
    yield from mid()
def main():
    it = outer()
    next(it)
    r = [it.throw(KeyError("k"))]
    r.extend(it)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("yield_from_chain_throw_uncaught_deep", """
def inner():
    yield 1
    yield 2
def mid():
    yield from inner()
def outer():
    try:
        yield from mid()
    finally:
        x = 0
def main():
    it = outer()
    next(it)
    try:
        it.throw(ValueError("v"))
    except ValueError:
        return "out"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("yield_from_chain_close_deep", """
def inner():
    try:
        yield 1
    finally:
        x = "inner"
def mid():
    try:
        yield from inner()
    finally:
        y = "mid"
def main():
    it = mid()
    next(it)
    it.close()
    it.close()
    return "closed"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("yield_from_throw_into_c_iterator", """
def g():
    yield from iter([1, 2, 3])
def main():
    it = g()
    next(it)
    try:
        it.throw(KeyError("k"))
    except KeyError:
        pass
    return list(it)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_throw_returns_via_stopiteration", """
def g():
    try:
        yield 1
    except KeyError:
        return "done"
def main():
    it = g()
    next(it)
    try:
        it.throw(KeyError)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_close_raises_in_finally", """
def g():
    try:
        yield 1
    finally:
        raise ValueError("in finally")
def main():
    it = g()
    next(it)
    try:
        it.close()
    except ValueError as e:
        return str(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("coro_await_chain_throw", """
class Fut:
    def __await__(self):
        yield "fut"
        return 5
async def leaf():
    return await Fut()
async def mid():
    try:
        return await leaf()
    except KeyError:
        return "mid caught"
def main():
    c = mid()
    c.send(None)
    try:
        c.throw(KeyError("k"))
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("coro_close_chain", """
class Fut:
    def __await__(self):
        yield "fut"
async def leaf():
    try:
        await Fut()
    finally:
        x = 1
async def top():
    await leaf()
def main():
    c = top()
    c.send(None)
    c.close()
    return "closed"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Async generators, async with, async for

case("async_for_break_aclose", """
import asyncio
async def agen():
    try:
        for i in range(5):
            yield i
    finally:
        x = "closed"
async def main():
    r = []
    g = agen()
    async for v in g:
        if v == 2:
            break
        r.append(v)
    await g.aclose()
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(asyncio.run, main())
""")

case("async_with_exit_swallows", """
import asyncio
class ACM:
    async def __aenter__(self):
        return 1
    async def __aexit__(self, t, v, tb):
        return t is KeyError
async def main():
    r = []
    async with ACM():
        r.append(1)
        raise KeyError("k")
    async with ACM() as v:
        r.append(v)
    try:
        async with ACM():
            raise ValueError("v")
    except ValueError:
        r.append("ve")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(asyncio.run, main())
""")

case("async_gen_athrow_caught_then_return", """
async def ag():
    try:
        yield 1
    except KeyError:
        yield "caught"
def drive(aw):
    try:
        aw.send(None)
    except StopIteration as e:
        return e.value
    except StopAsyncIteration:
        return "stop"
def main():
    g = ag()
    r = [drive(g.asend(None)), drive(g.athrow(KeyError("k"))),
         drive(g.asend(None))]
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# with exits, match, comprehensions, lambdas

case("with_exit_raises_replaces", """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        if t is not None:
            raise RuntimeError("from exit")
        return False
def f(x):
    with CM():
        if x:
            raise KeyError(x)
        y = 1
    return y
def main():
    r = [f(0)]
    try:
        f(1)
    except RuntimeError as e:
        r.append(str(e))
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("match_guard_raises", """
def f(v):
    match v:
        case [x, y] if 1 / x:
            return "pair"
        case {"k": z}:
            return z
        case _:
            return "other"
def main():
    r = [f([1, 2]), f({"k": 3}), f(7)]
    try:
        f([0, 1])
    except ZeroDivisionError:
        r.append("zde")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""", minv=(3, 10))

case("comprehension_raises_midway", """
def f():
    try:
        return [10 // x for x in (2, 1, 0)]
    except ZeroDivisionError:
        return {k: v for k, v in zip("ab", (1, 2))}
def main():
    return f()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("lambda_raises_in_sorted", """
def main():
    key = lambda v: 1 / v
    try:
        sorted([2, 1, 0], key=key)
    except ZeroDivisionError:
        pass
    return sorted([2, 1], key=lambda v: -v)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# except*, RecursionError, KeyboardInterrupt, threads

case("except_star_nested_reraise", """
def f():
    try:
        raise ExceptionGroup("eg", [KeyError(1), ValueError(2), TypeError(3)])
    except* KeyError:
        a = 1
    except* ValueError:
        b = 2
def main():
    n = 0
    try:
        f()
    except* TypeError as eg:
        n = len(eg.exceptions)
    return n
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""", minv=(3, 11))

case("recursion_error_caught_at_depth", """
def down(n):
    if n == 0:
        return 0
    return down(n - 1) + 1
def boom(n):
    return boom(n + 1)
def main():
    sys.setrecursionlimit(200)
    try:
        boom(0)
    except RecursionError:
        r = "rec"
    sys.setrecursionlimit(1000)
    return r, down(3)
mon.use_tool_id(1, "a")
mon.register_callback(1, E.PY_START, lambda code, off: None)
rec(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED, only_mine=True)
mon.set_events(1, E.PY_START | E.EXCEPTION_HANDLED | E.RAISE)
run(main)
""")

case("keyboard_interrupt_from_signal", """
import signal
def handler(signum, frame):
    raise KeyboardInterrupt
def f():
    try:
        signal.raise_signal(signal.SIGINT)
        x = 1
    except KeyboardInterrupt:
        x = 2
    return x
old = signal.signal(signal.SIGINT, handler)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
signal.signal(signal.SIGINT, old)
""")

case("thread_started_under_monitoring", """
import threading
def work(box):
    box.append(sum(i for i in range(3)))
def main():
    box = []
    t = threading.Thread(target=work, args=(box,))
    t.start()
    t.join()
    return box
mon.use_tool_id(1, "a")
rec(1, E.PY_START | E.PY_RETURN | E.LINE)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.LINE)
run(main)
""")

# ----------------------------------------------------------------------
# Events changed, tools freed, from inside callbacks of each kind

for _ev in ("PY_START", "PY_RETURN", "LINE", "CALL", "RAISE",
            "EXCEPTION_HANDLED", "PY_YIELD", "PY_RESUME", "C_RETURN",
            "BRANCH_LEFT", "JUMP"):
    case("set_local_events_restart_from_" + _ev, """
def g():
    yield 1
    yield 2
def h(x):
    return x + 1
def f():
    r = 0
    for i in range(3):
        try:
            if i == 1:
                raise KeyError(i)
            r += h(i)
        except KeyError:
            r -= 1
    r += sum(g())
    return r
state = [0]
def hook(n, a):
    if n == "%s" and state[0] == 0:
        state[0] = 1
        mon.set_local_events(2, h.__code__, E.LINE | E.PY_START)
        mon.restart_events()
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, ALL, ret=lambda n, a: mon.DISABLE if n in ("LINE", "BRANCH_LEFT", "JUMP") else None, hook=hook)
rec(2, E.LINE | E.PY_START)
mon.set_events(1, ALL)
run(f); run(f)
mon.set_local_events(2, h.__code__, 0)
mon.free_tool_id(2)
""" % _ev)

    case("free_tool_id_from_" + _ev, """
def g():
    yield 1
def h(x):
    return x + 1
def f():
    r = 0
    for i in range(2):
        try:
            if i:
                raise KeyError(i)
            r += h(i)
        except KeyError:
            r -= 1
    r += sum(g())
    return r
state = [0]
def hook(n, a):
    if n == "%s" and state[0] == 0:
        state[0] = 1
        note("freeing")
        mon.free_tool_id(1)
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.use_tool_id(2, "b"); rec(2, E.PY_START | E.PY_RETURN)
mon.set_events(1, ALL); mon.set_events(2, E.PY_START | E.PY_RETURN)
run(f); run(f)
""" % _ev)

# DISABLE from every event kind (the undisableable ones raise ValueError)
case("disable_from_every_kind_two_runs", """
def g():
    yield 1
def h(x):
    return x + 1
def f():
    r = 0
    for i in range(3):
        try:
            if i == 1:
                raise KeyError(i)
            r += h(i)
        except KeyError:
            r -= 1
    r += sum(g())
    return r
mon.use_tool_id(1, "a")
rec(1, ALL, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, ALL)
run(f); run(f); mon.restart_events(); run(f)
""")

case("callback_raises_each_kind_in_generator", """
class Boom(Exception):
    pass
def g():
    x = yield 1
    yield x
def main():
    r = []
    for ev in ("PY_RESUME", "PY_YIELD", "LINE", "STOP_ITERATION"):
        state[0] = ev
        it = g()
        try:
            r.append(next(it))
            r.append(it.send(2))
            r.append(next(it, "end"))
        except Boom:
            r.append("boom " + ev)
    return r
state = [None]
def hook(n, a):
    if n == state[0] and a[0] is g.__code__:
        state[0] = None
        raise Boom(n)
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
""")

for _ev in ("PY_START", "LINE", "CALL", "RAISE", "PY_YIELD", "C_RETURN",
            "BRANCH_RIGHT"):
    case("clear_tool_id_from_" + _ev, """
def g():
    yield 1
def h(x):
    return x + 1
def f():
    r = 0
    for i in range(2):
        try:
            if i:
                raise KeyError(i)
            r += h(i)
        except KeyError:
            r -= 1
    r += sum(g())
    return r
state = [0]
def hook(n, a):
    if n == "%s" and state[0] == 0:
        state[0] = 1
        note("clearing")
        mon.clear_tool_id(1)
        note("tool", mon.get_tool(1))
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_local_events(1, h.__code__, E.LINE)
mon.set_events(1, ALL)
run(f)
rec(1, ALL)
mon.set_events(1, E.PY_START)
run(f)
""" % _ev)

for _extra in ("0", "E.LINE"):
    _tag = "line" if _extra != "0" else "plain"
    case("setprofile_none_in_call_cb_" + _tag, PROF + """
def f():
    a = len("ab")
    b = abs(-1)
    return a + b
def on_call(code, off, func, arg0):
    if mine(code) and func is len:
        sys.setprofile(None)
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s, hook=lambda n, a: on_call(*a) if n == "CALL" else None)
mon.set_events(1, E.CALL | %s)
sys.setprofile(prof); run(f); sys.setprofile(prof); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    case("setprofile_in_c_return_cb_" + _tag, PROF + """
def f():
    a = len("ab")
    b = abs(-1)
    try:
        ord("xy")
    except TypeError:
        b = 0
    return a + b
def on_ret(code, off, func, arg0):
    if mine(code) and func is len:
        sys.setprofile(prof)
mon.use_tool_id(1, "a")
rec(1, E.CALL | E.C_RETURN | E.C_RAISE | %s, hook=lambda n, a: on_ret(*a) if n == "C_RETURN" else None)
mon.set_events(1, E.CALL | %s)
run(f); sys.setprofile(None); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    case("settrace_in_c_return_cb_" + _tag, TRACE + """
def g():
    return 1
def f():
    a = len("ab")
    g()
    b = a
    return b
def on_ret(code, off, func, arg0):
    if mine(code) and func is len:
        sys.settrace(tr)
mon.use_tool_id(1, "a")
rec(1, E.CALL | E.C_RETURN | %s, hook=lambda n, a: on_ret(*a) if n == "C_RETURN" else None)
mon.set_events(1, E.CALL | %s)
run(f); sys.settrace(None); run(f); sys.settrace(None)
""" % (_extra, _extra))

# A callback raising a BaseException (KeyboardInterrupt) at each kind
for _ev in ("PY_START", "LINE", "CALL", "C_RETURN", "PY_RETURN", "RAISE",
            "EXCEPTION_HANDLED", "PY_YIELD", "BRANCH_LEFT", "JUMP"):
    case("callback_raises_keyboard_interrupt_" + _ev, """
def g():
    yield 1
def f():
    r = 0
    for i in range(2):
        try:
            if i:
                raise KeyError(i)
            r += len("ab")
        except KeyError:
            r -= 1
    r += sum(g())
    return r
state = [0]
def hook(n, a):
    if n == "%s" and state[0] == 0:
        state[0] = 1
        raise KeyboardInterrupt("cb")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(f); run(f)
""" % _ev)
