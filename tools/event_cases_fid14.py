"""More cases of tools/event_cases.py (session 14, fid14).

Same form as event_cases_data.py.
"""
from event_cases_data import case

case("finally_in_except", """
def f(x):
    try:
        raise KeyError(1)
    except KeyError:
        try:
            if x:
                raise ValueError(2)
        finally:
            y = 1
    return 0
def main():
    r = [f(0)]
    try:
        f(1)
    except ValueError:
        r.append("ve")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("finally_in_except_caught", """
def f(x):
    try:
        try:
            raise KeyError(1)
        except KeyError:
            try:
                if x:
                    raise ValueError(2)
                y = 0
            finally:
                y = 1
    except ValueError:
        y = 2
    return y
def g():
    try:
        raise KeyError(1)
    except KeyError:
        try:
            return 1
        finally:
            y = 1
def h():
    for i in range(2):
        try:
            raise KeyError(1)
        except KeyError:
            try:
                if i:
                    break
                continue
            finally:
                y = 1
    return i
def main():
    return [f(0), f(1), g(), h()]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("return_copied_disable_elsewhere", """
def f(x):
    if x:
        y = 1
    else:
        y = 2
    return y
RET = f.__code__.co_firstlineno + 5
def ret(evname, args):
    if evname == "LINE" and args[1] != RET:
        return mon.DISABLE
def main():
    return [f(1), f(0), f(1), f(0)]
mon.use_tool_id(1, "a"); rec(1, evmask("LINE"), ret=ret)
mon.set_events(1, evmask("LINE"))
run(main)
""")

case("return_copied_disable_elsewhere_branches", """
def f(x):
    if x:
        y = 1
    else:
        y = 2
    return y
def g(x):
    if x:
        y = 1
    return x
RET = f.__code__.co_firstlineno + 5
def ret(evname, args):
    if evname == "LINE" and args[1] == RET:
        return None
    return mon.DISABLE
def main():
    return [f(1), f(0), f(1), f(0), g(1), g(0), g(1), g(0)]
mon.use_tool_id(1, "a"); rec(1, evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT"), ret=ret)
mon.set_events(1, evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT"))
run(main)
""")

for _ev in ("JUMP", "BRANCH_LEFT", "BRANCH_RIGHT"):
    case("jump_callback_raises_in_try_" + _ev, """
class Boom(Exception):
    pass
state = {"n": 0}
def hook(evname, args):
    if evname == "%s" and state["n"] == 0:
        state["n"] = 1
        raise Boom(evname)
def f(n):
    r = []
    for i in range(n):
        try:
            if i:
                break
            r.append(i)
            continue
        except Boom:
            r.append("caught")
    while n > 0:
        try:
            n -= 1
            if n:
                continue
        except Boom:
            r.append("caught2")
    return r
def main():
    out = []
    for k in range(3):
        state["n"] = 0
        try:
            out.append(f(3))
        except Boom:
            out.append("boom")
    return out
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
""" % _ev)

case("set_local_events_on_running_caller", """
def inner(code):
    mon.set_local_events(1, code, evmask("LINE", "CALL", "C_RETURN", "PY_RETURN", "BRANCH_LEFT", "BRANCH_RIGHT", "JUMP"))
    return 1
def outer():
    x = 0
    for i in range(2):
        x += inner(outer.__code__)
        x += len("ab")
    mon.set_local_events(1, outer.__code__, 0)
    y = abs(x)
    return y
def main():
    return outer()
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, evmask("PY_START"))
run(main)
""")

case("restart_events_mid_run", """
def f(n):
    s = 0
    for i in range(n):
        s += i
        if i == 1:
            mon.restart_events()
    return s
def ret(evname, args):
    if evname in ("LINE", "BRANCH_LEFT", "BRANCH_RIGHT", "JUMP", "CALL", "C_RETURN"):
        return mon.DISABLE
def main():
    return [f(4), f(4)]
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret)
mon.set_events(1, ALL)
run(main)
""")

case("clear_tool_id_mid_callback_then_reuse", """
def f(n):
    s = 0
    for i in range(n):
        s += i
    return s
state = {"k": 0}
def hook(evname, args):
    if evname == "LINE" and state["k"] == 0:
        state["k"] = 1
        mon.clear_tool_id(1)
def main():
    r = [f(2)]
    mon.use_tool_id(1, "b")
    rec(1, ALL)
    mon.set_events(1, ALL)
    r.append(f(2))
    return r
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
""")

case("free_tool_id_mid_callback_events_stay", """
def f(n):
    s = 0
    for i in range(n):
        s += i
    return s
state = {"k": 0}
def hook(evname, args):
    if evname == "LINE" and state["k"] == 0:
        state["k"] = 1
        mon.free_tool_id(1)
def main():
    return [f(2), mon.get_tool(1), f(1)]
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
""")

case("gen_close_and_throw_kinds", """
def g():
    try:
        yield 1
        yield 2
    finally:
        x = 1
def h():
    try:
        yield 1
    except KeyError:
        yield 2
    return 3
def main():
    r = []
    it = g(); next(it); it.close(); r.append("closed")
    it = g(); r.append(next(it)); r.append(next(it))
    try:
        it.throw(ValueError)
    except ValueError:
        r.append("ve")
    it = h(); next(it); r.append(it.throw(KeyError))
    try:
        next(it)
    except StopIteration as e:
        r.append(e.value)
    it = h(); it.close(); r.append("closed-unstarted")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("comprehensions_disable", """
def f(xs):
    a = [x + 1 for x in xs if x]
    b = {x: x for x in xs}
    c = sum(x for x in xs)
    return a, b, c
def ret(evname, args):
    if evname in ("LINE", "BRANCH_LEFT", "BRANCH_RIGHT"):
        return mon.DISABLE
def main():
    return [f([0, 1, 2]), f([3])]
mon.use_tool_id(1, "a"); rec(1, evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT", "PY_RETURN"), ret=ret)
mon.set_events(1, evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT", "PY_RETURN"))
run(main)
""")

case("with_exits_kinds", """
class CM:
    def __init__(self, swallow):
        self.swallow = swallow
    def __enter__(self):
        return self
    def __exit__(self, *a):
        return self.swallow
def f(k):
    with CM(False):
        x = 1
    with CM(True):
        raise KeyError(k)
    try:
        with CM(False):
            raise ValueError(k)
    except ValueError:
        pass
    for i in range(2):
        with CM(False):
            if i:
                break
            continue
    return x
def main():
    return f(1)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("async_await_kinds", """
import types
@types.coroutine
def sw():
    v = yield "tick"
    return v
async def leaf(x):
    v = await sw()
    if v is None:
        raise KeyError(x)
    return v
async def top():
    r = []
    for i in range(2):
        try:
            r.append(await leaf(i))
        except KeyError:
            r.append("k")
    async def agen():
        yield 1
        yield 2
    async for v in agen():
        r.append(v)
    return r
def main():
    c = top()
    out = [c.send(None)]
    out.append(c.send(5))
    try:
        while True:
            out.append(c.send(None))
    except StopIteration as e:
        out.append(e.value)
    return out
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")
