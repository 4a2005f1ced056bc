"""The cases of tools/event_cases.py: (name, minimum version, source).

Each source runs after the worker's prelude (tools/event_cases.py) and
configures its own tools.  Keep them small; one idea per case.
"""
from textwrap import dedent

CASES = []


def case(name, src, minv=(3, 8)):
    CASES.append((name, minv, dedent(src)))


# ----------------------------------------------------------------------
# Exceptions in generators and coroutines

case("gen_throw_handled", """
def g():
    try:
        yield 1
    except ValueError as e:
        yield 2
    yield 3
def main():
    it = g()
    next(it)
    r = it.throw(ValueError("x"))
    return r, list(it)
rec(1, ALL)
mon.use_tool_id(1, "a"); mon.set_events(1, ALL)
run(main)
""")

case("gen_throw_unhandled", """
def g():
    yield 1
    yield 2
def main():
    it = g()
    next(it)
    try:
        it.throw(KeyError("k"))
    except KeyError:
        return "caught"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_throw_unstarted", """
def g():
    yield 1
def main():
    it = g()
    try:
        it.throw(KeyError("k"))
    except KeyError:
        return "caught"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_throw_exhausted", """
def g():
    yield 1
def main():
    it = g()
    list(it)
    try:
        it.throw(KeyError("k"))
    except KeyError:
        return "caught"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_close_finally", """
def g():
    try:
        yield 1
        yield 2
    finally:
        x = 5
def main():
    it = g()
    next(it)
    it.close()
    return "ok"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_close_yield_in_finally", """
def g():
    try:
        yield 1
    finally:
        yield 2
def main():
    it = g()
    next(it)
    try:
        it.close()
    except RuntimeError as e:
        return str(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_close_catches_exit", """
def g():
    try:
        yield 1
    except GeneratorExit:
        x = 1
        return 7
def main():
    it = g()
    next(it)
    return it.close()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_with_throw", """
class C:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        return a[0] is ValueError
def g():
    with C():
        yield 1
    yield 2
def main():
    it = g()
    next(it)
    return it.throw(ValueError)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_stopiteration_for", """
def g(n):
    for i in range(n):
        yield i
    return "done"
def main():
    t = 0
    for v in g(3):
        t += v
    return t
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_stopiteration_next", """
def g():
    yield 1
    return 5
def main():
    it = g()
    next(it)
    try:
        next(it)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_raise_inside", """
def g():
    yield 1
    raise ValueError("in gen")
def main():
    try:
        for v in g():
            pass
    except ValueError:
        return "caught"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_yield_from_throw", """
def inner():
    try:
        yield 1
    except KeyError:
        yield 2
    return 3
def outer():
    r = yield from inner()
    yield r
def main():
    it = outer()
    next(it)
    a = it.throw(KeyError)
    return a, list(it)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_yield_from_close", """
def inner():
    try:
        yield 1
    finally:
        z = 1
def outer():
    yield from inner()
def main():
    it = outer()
    next(it)
    it.close()
    return 1
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_send", """
def g():
    x = yield 1
    while x:
        x = yield x * 2
def main():
    it = g()
    next(it)
    a = it.send(3)
    try:
        it.send(0)
    except StopIteration:
        pass
    return a
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("genexpr_raise", """
def main():
    try:
        return list(1 // (x - 2) for x in range(4))
    except ZeroDivisionError:
        return "zde"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("coro_await_raise", """
import types
async def bad():
    raise ValueError("b")
async def mid():
    try:
        await bad()
    except ValueError:
        return "handled"
def main():
    c = mid()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("coro_suspend_throw", """
import types
@types.coroutine
def sleep():
    yield "tick"
async def work():
    try:
        await sleep()
    except KeyError:
        return "k"
def main():
    c = work()
    c.send(None)
    try:
        c.throw(KeyError)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("async_for_with", """
import types
@types.coroutine
def tick():
    yield
class AIter:
    def __init__(self):
        self.i = 0
    def __aiter__(self):
        return self
    async def __anext__(self):
        await tick()
        self.i += 1
        if self.i > 2:
            raise StopAsyncIteration
        return self.i
class ACtx:
    async def __aenter__(self):
        return 1
    async def __aexit__(self, *a):
        await tick()
        return True
async def work():
    t = 0
    async for v in AIter():
        t += v
    async with ACtx():
        raise ValueError
    return t
def main():
    c = work()
    try:
        while True:
            c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("async_gen", """
async def ag():
    yield 1
    try:
        yield 2
    finally:
        x = 3
async def work():
    r = []
    async for v in ag():
        r.append(v)
        break
    return r
def main():
    c = work()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("asyncio_run", """
import asyncio
async def inner(n):
    await asyncio.sleep(0)
    if n == 2:
        raise KeyError(n)
    return n
async def work():
    r = []
    for n in range(3):
        try:
            r.append(await inner(n))
        except KeyError:
            r.append(-1)
    return r
def main():
    return asyncio.run(work())
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Tool configurations

case("local_and_global", """
def a(x):
    return x + 1
def b(x):
    return a(x) * 2
def main():
    return b(1) + a(2)
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, evmask("PY_START", "PY_RETURN"))
mon.set_local_events(1, a.__code__, evmask("LINE", "CALL"))
run(main)
""")

case("two_tools_different", """
def a(x):
    for i in range(2):
        x += i
    return x
def main():
    return a(1) + len("ab")
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, ALL); rec(2, ALL)
mon.set_events(1, evmask("LINE", "PY_START"))
mon.set_events(2, evmask("CALL", "C_RETURN", "C_RAISE", "PY_RETURN"))
run(main)
""")

case("disable_one_tool", """
def a(x):
    for i in range(3):
        x += i
    return x
def main():
    return list(map(a, range(3)))
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, evmask("LINE"), ret=lambda n, a: mon.DISABLE)
rec(2, evmask("LINE"))
mon.set_events(1, evmask("LINE")); mon.set_events(2, evmask("LINE"))
run(main)
""")

case("disable_then_restart", """
def a(x):
    if x:
        x += 1
    return x
def main():
    r = a(1)
    mon.restart_events()
    note("restart")
    return r + a(0) + a(2)
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_START", "PY_RETURN", "CALL"),
    ret=lambda n, a: mon.DISABLE)
mon.set_events(1, evmask("LINE", "PY_START", "PY_RETURN", "CALL"))
run(main)
""")

case("restart_in_callback", """
def a(x):
    y = x
    y += 1
    return y
def main():
    return a(1) + a(2)
count = [0]
def ret(n, args):
    count[0] += 1
    if count[0] == 4:
        mon.restart_events()
    return mon.DISABLE
mon.use_tool_id(1, "a")
rec(1, evmask("LINE"), ret=ret)
mon.set_events(1, evmask("LINE"))
run(main)
""")

case("set_events_in_callback", """
def a(x):
    y = x
    y += 1
    z = len("x")
    return y
def main():
    return a(1) + a(2)
def hook(n, args):
    if n == "LINE" and args[1] == 17 - 14 + 0:
        pass
def ret(n, args):
    if n == "PY_START":
        mon.set_events(1, evmask("PY_START", "LINE", "CALL", "PY_RETURN"))
    if n == "LINE" and out.count(out[-1]) == 1 and len(out) > 6:
        mon.set_events(1, evmask("PY_START"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, evmask("PY_START"))
run(main)
""")

case("set_events_off_in_line", """
def a(x):
    y = x
    y += 1
    return y
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and args[1] == a.__code__.co_firstlineno + 2:
        mon.set_events(1, 0)
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, evmask("LINE", "PY_RETURN"))
run(main)
""")

case("local_events_in_callback", """
def a(x):
    y = x
    y += 1
    return y
def b():
    return 1
def main():
    return a(1) + b() + a(2) + b()
def ret(n, args):
    if n == "PY_START" and args[0] is a.__code__:
        mon.set_local_events(1, b.__code__, evmask("LINE"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, evmask("PY_START"))
run(main)
""")

case("local_line_set_mid_frame", """
def a(x):
    y = x
    mon.set_local_events(1, a.__code__, evmask("LINE"))
    y += 1
    return y
def main():
    return a(1) + a(2)
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, evmask("PY_START"))
run(main)
""")

case("global_line_set_mid_frame", """
def a(x):
    y = x
    mon.set_events(1, evmask("LINE", "PY_RETURN"))
    y += 1
    return y
def main():
    r = a(1)
    return r
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, evmask("PY_START"))
run(main)
""")

case("register_callback_replace", """
def a(x):
    y = x
    return y
def main():
    return a(1) + a(2) + a(3)
def second(co, line):
    if mine(co):
        out.append(("second", co.co_name, line))
def ret(n, args):
    if len(out) == 2:
        old = mon.register_callback(1, E.LINE, second)
        note("old", old is not None)
mon.use_tool_id(1, "a")
rec(1, evmask("LINE"), ret=ret)
mon.set_events(1, evmask("LINE"))
run(main)
""")

case("register_callback_none_mid", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    mon.register_callback(1, E.LINE, None)
    r += a(2)
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_RETURN"))
mon.set_events(1, evmask("LINE", "PY_RETURN"))
run(main)
""")

case("free_tool_mid", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    mon.free_tool_id(1)
    note("freed", mon.get_tool(1), mon.get_events(1))
    r += a(2)
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_RETURN"))
mon.set_events(1, evmask("LINE", "PY_RETURN"))
run(main)
""")

case("free_tool_in_callback", """
def a(x):
    y = x
    z = y
    return y
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and len(out) == 3:
        mon.free_tool_id(1)
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_RETURN"), ret=ret)
mon.set_events(1, evmask("LINE", "PY_RETURN"))
run(main)
note("after", mon.get_tool(1))
""")

case("clear_tool_mid", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    mon.clear_tool_id(1)
    note("cleared", mon.get_tool(1), mon.get_events(1))
    r += a(2)
    mon.register_callback(1, E.LINE, lambda co, l: out.append(("new", co.co_name, l)) if mine(co) else None)
    mon.set_events(1, E.LINE)
    r += a(3)
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_RETURN"), ret=lambda n, a: mon.DISABLE)
mon.set_events(1, evmask("LINE", "PY_RETURN"))
mon.set_local_events(1, a.__code__, evmask("PY_START"))
run(main)
""", minv=(3, 8))

case("free_then_reuse_disable", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    mon.free_tool_id(1)
    mon.use_tool_id(1, "again")
    rec(1, evmask("LINE"))
    mon.set_events(1, evmask("LINE"))
    r += a(2)
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("LINE"), ret=lambda n, a: mon.DISABLE)
mon.set_events(1, evmask("LINE"))
run(main)
""")

# ----------------------------------------------------------------------
# Callbacks that raise or return odd values

for _ev, _body in [("LINE", "y = x\n    return y"),
                   ("PY_START", "return x"),
                   ("PY_RETURN", "return x"),
                   ("CALL", "return len([x])"),
                   ("C_RETURN", "return len([x])"),
                   ("RAISE", "raise KeyError(x)"),
                   ("PY_YIELD", "yield x"),
                   ("BRANCH", "if x:\n        return 1\n    return 2"),
                   ("JUMP", "for i in range(2):\n        pass\n    return x")]:
    case("callback_raises_" + _ev, """
def a(x):
    %s
def main():
    try:
        r = a(1)
        if hasattr(r, "__next__"):
            r = list(r)
        return r
    except ZeroDivisionError as e:
        return "zde"
def hook(n, args):
    if n == %r and mine(args[0]) and args[0].co_name == "a":
        1 / 0
mon.use_tool_id(1, "a")
rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
note("events", mon.get_events(1))
run(main)
""" % (_body, _ev), minv=(3, 8))

case("callback_raises_twice_tools", """
def a(x):
    y = x
    return y
def main():
    try:
        return a(1)
    except ZeroDivisionError:
        return "zde"
def hook(n, args):
    if args[0].co_name == "a" and n == "LINE":
        1 / 0
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, evmask("LINE"), hook=hook)
rec(2, evmask("LINE", "RAISE", "EXCEPTION_HANDLED"))
mon.set_events(1, evmask("LINE")); mon.set_events(2, evmask("LINE", "RAISE", "EXCEPTION_HANDLED"))
run(main)
""")

for _val in ("1", "'x'", "True", "mon.MISSING", "object()"):
    case("callback_returns_%s" % _val.replace("'", "").replace("()", ""), """
def a(x):
    y = x
    return y
def main():
    return a(1) + a(2)
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "PY_START", "PY_RETURN"), ret=lambda n, a: %s)
mon.set_events(1, evmask("LINE", "PY_START", "PY_RETURN"))
run(main)
""" % _val)

for _ev in ("RAISE", "PY_UNWIND", "C_RAISE", "EXCEPTION_HANDLED",
            "RERAISE", "PY_THROW", "STOP_ITERATION"):
    case("disable_nondisablable_" + _ev, """
def g():
    try:
        yield 1
    except KeyError:
        pass
def a(x):
    try:
        try:
            raise KeyError(x)
        finally:
            y = 1
    except KeyError:
        pass
    try:
        int("x")
    except ValueError:
        pass
    it = g(); next(it)
    try:
        it.throw(KeyError)
    except StopIteration:
        pass
    for v in g():
        pass
    raise ValueError
def main():
    try:
        a(1)
    except Exception as e:
        return rep(e)
def ret(n, args):
    if n == %r:
        return mon.DISABLE
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, ALL)
run(main)
run(main)
""" % _ev)

# ----------------------------------------------------------------------
# Legacy hooks beside monitoring

case("settrace_with_monitoring", """
def a(x):
    y = x
    return len([y])
def main():
    return a(1)
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("trace", event, frame.f_code.co_name, frame.f_lineno))
    return tr
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, ALL)
sys.settrace(tr)
run(main)
sys.settrace(None)
""")

case("setprofile_with_monitoring", """
def a(x):
    y = x
    return len([y])
def main():
    return a(1)
def pr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and frame.f_code.co_name != "<module>":
        out.append(("prof", event, frame.f_code.co_name, rep(arg)))
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, ALL)
sys.setprofile(pr)
run(main)
sys.setprofile(None)
""")

case("settrace_in_callback", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    sys.settrace(None)
    return r + a(2)
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("trace", event, frame.f_code.co_name, frame.f_lineno))
    return tr
def ret(n, args):
    if n == "PY_START" and args[0] is a.__code__ and len(out) < 3:
        sys.settrace(tr)
mon.use_tool_id(1, "a")
rec(1, evmask("PY_START", "LINE"), ret=ret)
mon.set_events(1, evmask("PY_START", "LINE"))
run(main)
""")

# ----------------------------------------------------------------------
# Language constructs

case("class_body_decorators", """
def deco(f):
    def w(*a):
        return f(*a)
    return w
def main():
    class K:
        x = 1
        @deco
        def m(self, v):
            return v + self.x
        y = x
    return K().m(2)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("closures_lambdas", """
def make(n):
    def add(v):
        return v + n
    return add
def main():
    fs = list(map(make, range(2)))
    g = lambda v: fs[0](v) * 2
    return sorted([3, 1, 2], key=lambda v: -g(v))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("match_stmt", """
def m(v):
    match v:
        case [a, b]:
            return a + b
        case {"k": x}:
            return x
        case int() if v > 2:
            return -v
        case _:
            return 0
def main():
    return list(map(m, ([1, 2], {"k": 3}, 5, 1, "s")))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""", minv=(3, 10))

case("with_exception_suppressed", """
class C:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return t is KeyError
def main():
    r = []
    for k in (KeyError, ValueError):
        try:
            with C():
                r.append(1)
                raise k
        except ValueError:
            r.append(2)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("return_in_finally", """
def f(x):
    try:
        if x:
            raise ValueError
        return 1
    finally:
        return 2
def main():
    return f(0) + f(1)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("break_continue_finally", """
def f():
    r = 0
    for i in range(4):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            r += i
        finally:
            r += 10
    return r
def main():
    return f()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("exception_chain_reraise", """
def f(x):
    try:
        try:
            raise ValueError(x)
        except ValueError as e:
            raise KeyError(x) from e
    except KeyError:
        raise
def main():
    try:
        f(1)
    except KeyError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("recursion_error", """
def r(n):
    return r(n + 1)
def main():
    try:
        r(0)
    except RecursionError:
        return "rec"
sys.setrecursionlimit(60)
mon.use_tool_id(1, "a")
rec(1, evmask("PY_START", "PY_UNWIND", "RAISE", "EXCEPTION_HANDLED"))
mon.set_events(1, evmask("PY_START", "PY_UNWIND", "RAISE", "EXCEPTION_HANDLED"))
run(main)
note("counts", len(out))
""")

case("c_calls_python_key", """
def key(v):
    if v == 2:
        raise KeyError(v)
    return -v
def main():
    a = list(map(key, [1, 3]))
    try:
        sorted([1, 2, 3], key=key)
    except KeyError:
        a.append(0)
    return a
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("c_call_kinds", """
import functools
class K:
    def __call__(self, v):
        return v
def main():
    p = functools.partial(max, 1)
    r = [p(2), K()(3), int("4"), "a".upper(), str.lower("B"), K, getattr(K, "__call__")]
    try:
        int("z")
    except ValueError:
        pass
    return len(r)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("instruction_lines", """
def a(x):
    y = x + 1
    return y
def main():
    return a(1)
mon.use_tool_id(1, "a")
def cnt(n, args):
    pass
rec(1, evmask("INSTRUCTION", "LINE"))
mon.set_events(1, evmask("LINE"))
mon.set_local_events(1, a.__code__, evmask("INSTRUCTION"))
run(main)
""")

case("trace_disabled_exc_events_only", """
def a(x):
    try:
        raise KeyError(x)
    except KeyError:
        return 1
def main():
    return a(1) + a(2)
mon.use_tool_id(1, "a")
rec(1, evmask("RAISE", "EXCEPTION_HANDLED", "LINE"), ret=lambda n, a: mon.DISABLE if n == "LINE" else None)
mon.set_events(1, evmask("RAISE", "EXCEPTION_HANDLED", "LINE"))
run(main)
""")

case("handled_in_generator_resumed", """
def g():
    try:
        raise KeyError
    except KeyError:
        yield 1
        raise
def main():
    it = g()
    next(it)
    try:
        next(it)
    except KeyError:
        return "ok"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("stop_iteration_custom_iter", """
class It:
    def __init__(self):
        self.n = 0
    def __iter__(self):
        return self
    def __next__(self):
        self.n += 1
        if self.n > 2:
            raise StopIteration
        return self.n
def main():
    r = []
    for v in It():
        r.append(v)
    return r + list(It())
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_in_zip_stop", """
def g(n):
    yield from range(n)
def main():
    return list(zip(g(2), g(3)))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("yield_from_gen_stop", """
def inner():
    yield 1
    return 2
def outer():
    v = yield from inner()
    return v
def main():
    return list(outer())
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("exception_in_del_gen", """
def g():
    try:
        yield 1
    finally:
        y = 2
def main():
    it = g()
    next(it)
    del it
    return 0
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("global_and_local_same_tool", """
def a(x):
    y = x
    return y
def main():
    return a(1)
mon.use_tool_id(1, "a")
rec(1, ALL)
mon.set_events(1, evmask("LINE"))
mon.set_local_events(1, a.__code__, evmask("LINE", "PY_RETURN"))
run(main)
note("local", mon.get_local_events(1, a.__code__))
mon.set_events(1, 0)
run(main)
""")

case("local_disable_global_keep", """
def a(x):
    y = x
    return y
def main():
    return a(1) + a(2)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, ALL, ret=lambda n, a: mon.DISABLE)
rec(2, ALL)
mon.set_local_events(1, a.__code__, evmask("LINE"))
mon.set_events(2, evmask("LINE"))
run(main)
mon.set_events(2, 0)
run(main)
""")

# ----------------------------------------------------------------------
# More: callbacks raising in the exception events, settrace(None) in a
# traced frame, events changed from callbacks, generators' local events

for _ev in ("RAISE", "EXCEPTION_HANDLED", "PY_UNWIND", "PY_THROW",
            "STOP_ITERATION", "C_RAISE", "RERAISE"):
    case("exc_callback_raises_" + _ev, """
def g():
    try:
        yield 1
    except KeyError:
        yield 2
def inner():
    raise KeyError("in")
def a():
    try:
        inner()
    except KeyError:
        pass
    it = g(); next(it)
    it.throw(KeyError)
    for v in g():
        pass
    try:
        int("z")
    except ValueError:
        pass
    try:
        try:
            raise OSError
        finally:
            pass
    except OSError:
        pass
    return 1
def main():
    try:
        return a()
    except ZeroDivisionError:
        return "zde"
count = [0]
def hook(n, args):
    if n == %r and count[0] == 0:
        count[0] += 1
        1 / 0
mon.use_tool_id(1, "a")
rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
run(main)
""" % _ev)

case("disable_c_return", """
def a():
    return len("ab") + abs(-1)
def main():
    return a() + a()
mon.use_tool_id(1, "a")
rec(1, evmask("CALL", "C_RETURN", "C_RAISE"),
    ret=lambda n, a: mon.DISABLE if n == "C_RETURN" else None)
mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE"))
run(main)
""")

case("settrace_none_in_traced_frame", """
def a(x):
    y = x
    return y
def main():
    r = a(1)
    sys.settrace(None)
    r += 1
    r += 2
    return r + a(2)
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
mon.set_events(1, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
run(main)
""")

case("setprofile_none_in_traced_frame", """
def main():
    r = 1
    sys.setprofile(None)
    r += 1
    r += len("x")
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
mon.set_events(1, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
run(main)
""")

case("add_call_from_line", """
def a(x):
    y = len([x])
    z = abs(y)
    return z
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and args[1] == a.__code__.co_firstlineno + 1:
        mon.set_events(1, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, evmask("LINE"))
run(main)
""")

case("local_events_generator_mid", """
def g():
    for i in range(3):
        yield i
def main():
    it = g()
    r = [next(it)]
    mon.set_local_events(1, g.__code__, evmask("LINE", "PY_RESUME", "PY_YIELD"))
    r.append(next(it))
    mon.set_local_events(1, g.__code__, 0)
    r.append(next(it))
    return r
mon.use_tool_id(1, "a")
rec(1, ALL)
run(main)
""")

case("free_other_tool_in_callback", """
def a(x):
    y = x
    return y
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and out.count(out[-1]) == 1 and len(out) == 3:
        mon.free_tool_id(2)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, evmask("LINE"), ret=ret); rec(2, evmask("LINE", "PY_RETURN"))
mon.set_events(1, evmask("LINE")); mon.set_events(2, evmask("LINE", "PY_RETURN"))
run(main)
""")

case("two_tools_disable_restart", """
def a(x):
    if x:
        y = 1
    else:
        y = 2
    return y
def main():
    r = [a(1), a(0)]
    mon.restart_events()
    r += [a(1), a(0)]
    return r
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
ev = evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT")
rec(1, ev, ret=lambda n, a: mon.DISABLE)
rec(2, ev, ret=lambda n, a: mon.DISABLE if n == "LINE" else None)
mon.set_events(1, ev); mon.set_events(2, ev)
run(main)
""")

case("coroutine_close_in_await", """
import types
@types.coroutine
def tick():
    try:
        yield
    finally:
        x = 1
async def work():
    try:
        await tick()
    finally:
        y = 2
def main():
    c = work()
    c.send(None)
    c.close()
    return 1
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("callback_returns_disable_py_throw_gen", """
def g():
    while True:
        try:
            yield 1
        except KeyError:
            pass
def main():
    it = g()
    next(it)
    for _ in range(3):
        it.throw(KeyError)
    return 1
mon.use_tool_id(1, "a")
rec(1, ALL, ret=lambda n, a: mon.DISABLE if n in ("PY_RESUME", "PY_YIELD", "LINE") else None)
mon.set_events(1, ALL)
run(main)
""")
