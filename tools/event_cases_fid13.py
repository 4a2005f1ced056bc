"""More cases of tools/event_cases.py (session 13, fid13): the API called
from callbacks of every kind, callbacks raising, DISABLE where it cannot
be, C events of call shapes, branch sides of more constructs.

Same form as event_cases_data.py.
"""
from event_cases_data import case

case("set_events_off_in_each_kind", """
def f(n):
    s = 0
    for i in range(n):
        s += abs(i)
    try:
        raise KeyError(s)
    except KeyError:
        pass
    return s
state = {}
def hook(evname, args):
    if evname == state.get("kind"):
        mon.set_events(1, 0)
def main():
    r = []
    for kind in ("PY_START", "LINE", "CALL", "C_RETURN", "RAISE",
                 "EXCEPTION_HANDLED", "BRANCH_LEFT", "JUMP", "PY_RETURN"):
        state["kind"] = kind
        note(kind)
        mon.set_events(1, ALL)
        r.append(f(2))
        mon.set_events(1, 0)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
run(main)
""")

case("callback_raises_each_kind", """
class Boom(Exception):
    pass
state = {}
def ret(evname, args):
    if evname == state.get("kind") and not state.get("done"):
        state["done"] = True
        raise Boom(evname)
def f(n):
    s = 0
    for i in range(n):
        s += abs(i)
    try:
        raise KeyError(s)
    except KeyError:
        pass
    return s
def main():
    r = []
    for kind in ("LINE", "CALL", "C_RETURN", "RAISE", "BRANCH_LEFT",
                 "BRANCH_RIGHT", "JUMP", "PY_RETURN", "PY_START"):
        state["kind"] = kind
        state["done"] = False
        note(kind)
        try:
            r.append(f(2))
        except Boom as e:
            r.append("boom")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret)
mon.set_events(1, ALL)
run(main)
""")

case("disable_from_undisableable", """
def f():
    try:
        raise KeyError(1)
    except KeyError:
        pass
    return 1
state = {}
def ret(evname, args):
    if evname == state.get("kind"):
        return mon.DISABLE
def main():
    r = []
    for kind in ("RAISE", "PY_UNWIND", "C_RAISE",
                 "C_RETURN", "PY_THROW", "RERAISE"):
        state["kind"] = kind
        note(kind)
        try:
            r.append(f())
        except ValueError as e:
            r.append(str(e))
    return r
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret)
mon.set_events(1, ALL)
run(main)
""")

case("free_and_clear_in_callbacks", """
def f(n):
    s = 0
    for i in range(n):
        s += i
    return s
state = {}
def hook(evname, args):
    if evname == state.get("kind"):
        state["kind"] = None
        getattr(mon, state["how"])(1)
def main():
    r = []
    for how in ("free_tool_id", "clear_tool_id"):
        if not hasattr(mon, how):
            continue
        for kind in ("PY_START", "LINE", "BRANCH_LEFT", "PY_RETURN"):
            note(how, kind)
            state["kind"] = kind
            state["how"] = how
            if mon.get_tool(1) is None:
                mon.use_tool_id(1, "a")
            rec(1, ALL, hook=hook)
            mon.set_events(1, ALL)
            r.append(f(2))
            r.append(mon.get_tool(1))
            r.append(mon.get_events(1))
    return r
run(main)
""")

case("register_callback_returns_old", """
def a(*args):
    return None
def b(*args):
    return None
def main():
    mon.use_tool_id(1, "a")
    r = [mon.register_callback(1, E.LINE, a) is None,
         mon.register_callback(1, E.LINE, b) is a,
         mon.register_callback(1, E.LINE, None) is b,
         mon.register_callback(1, E.LINE, None) is None]
    mon.free_tool_id(1)
    return r
run(main)
""")

case("settrace_from_line_callback", """
seen = []
def tracer(frame, event, arg):
    if mine(frame.f_code):
        seen.append(event + ":" + frame.f_code.co_name)
    return tracer
def g():
    return 2
def f():
    x = 1
    y = g()
    return x + y
def hook(evname, args):
    if evname == "LINE" and args[0].co_name == "f" and args[1] == LINE_X:
        sys.settrace(tracer)
    if evname == "PY_RETURN" and args[0].co_name == "g":
        sys.settrace(None)
LINE_X = f.__code__.co_firstlineno + 1
def main():
    r = f()
    sys.settrace(None)
    note(*seen)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, ALL)
run(main)
""")

case("c_events_call_shapes", """
class Base:
    def __init__(self, v):
        self.v = v
class Sub(Base):
    def __init__(self, v):
        super().__init__(v)
def main():
    args = (3,)
    kw = {"base": 10}
    r = [int(*args), int("11", **kw), str.upper("a"), "b".upper(),
         list(), isinstance(1, int), Sub(2).v, sorted([3, 1], key=abs),
         dict(a=1), max(1, 2, key=None), len(*["abc"])]
    try:
        sorted([1, 2], key=1)
    except TypeError:
        r.append("te")
    try:
        int("x", **kw)
    except ValueError:
        r.append("ve")
    try:
        str.upper()
    except TypeError:
        r.append("te2")
    return r
mon.use_tool_id(1, "a"); rec(1, evmask("CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN"))
mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN"))
run(main)
""")

case("c_events_with_profiler_shapes", """
seen = []
def prof(frame, event, arg):
    if mine(frame.f_code) and event.startswith("c_") and \
            getattr(arg, "__name__", "") != "setprofile":
        seen.append(event + ":" + getattr(arg, "__name__", "?"))
def main():
    kw = {"key": abs}
    r = [sorted([2, -3], **kw), str.upper("a"), "b".upper(),
         list.__len__([1]), dict.fromkeys("ab")]
    try:
        list.append()
    except TypeError:
        r.append("te")
    try:
        str.join(",", 5)
    except TypeError:
        r.append("te2")
    return r
def top():
    sys.setprofile(prof)
    try:
        return main()
    finally:
        sys.setprofile(None)
        note(*seen)
mon.use_tool_id(1, "a"); rec(1, evmask("CALL", "C_RETURN", "C_RAISE"))
mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE"))
run(top)
""")

case("branch_sides_chains_assert_comp", """
def f(a, b, c):
    r = []
    if a and b or c:
        r.append(1)
    if not (a or b) and c:
        r.append(2)
    x = y = 0
    for i in range(3):
        if i % 2 and (a or not b):
            x += i
    try:
        assert a or b, "msg"
    except AssertionError:
        r.append(3)
    z = a if b else c
    return r, x, y, z
def main():
    return [f(0, 0, 1), f(1, 0, 0), f(1, 1, 1), f(0, 1, 0)]
M = evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT") if hasattr(E, "BRANCH_LEFT") else evmask("LINE", "BRANCH")
mon.use_tool_id(1, "a"); rec(1, M)
mon.set_events(1, M)
run(main)
""")

case("branch_sides_match", """
def f(v):
    match v:
        case 0 | 1:
            return "small"
        case [x, y] if x > y:
            return "pair-desc"
        case [x, *_]:
            return "seq"
        case {"k": k}:
            return "map"
        case str() as s if s:
            return "str"
        case _:
            return "other"
def main():
    return [f(0), f(1), f([2, 1]), f([1, 2]), f({"k": 1}), f("s"), f(""), f(2.5)]
M = evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT") if hasattr(E, "BRANCH_LEFT") else evmask("LINE", "BRANCH")
mon.use_tool_id(1, "a"); rec(1, M)
mon.set_events(1, M)
run(main)
""", minv=(3, 10))

case("gen_throw_close_with_finally_raise", """
def g():
    try:
        yield 1
    finally:
        raise ValueError("fin")
def main():
    r = []
    it = g()
    next(it)
    try:
        it.throw(KeyError("k"))
    except ValueError as e:
        r.append(repr(e.__context__))
    it = g()
    next(it)
    try:
        it.close()
    except ValueError:
        r.append("close")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("del_raises_during_unwind", """
class D:
    def __del__(self):
        try:
            raise KeyError("del")
        except KeyError:
            pass
def f():
    d = D()
    raise ValueError("v")
def main():
    try:
        f()
    except ValueError:
        return "v"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("recursion_limit_in_callback", """
def deep(n):
    return deep(n + 1)
state = {"n": 0}
def hook(evname, args):
    if evname == "PY_START" and args[0].co_name == "f" and not state["n"]:
        state["n"] = 1
        try:
            deep(0)
        except RecursionError:
            note("rec")
def f():
    return 1
def main():
    return f()
mon.use_tool_id(1, "a"); rec(1, evmask("PY_START", "PY_RETURN"), hook=hook)
mon.set_events(1, evmask("PY_START", "PY_RETURN"))
run(main)
""")

case("coro_throw_close_nested", """
class Aw:
    def __await__(self):
        yield "x"
        return 5
async def inner():
    try:
        return await Aw()
    finally:
        pass
async def outer():
    try:
        return await inner()
    except KeyError:
        return "k"
def main():
    c = outer()
    c.send(None)
    try:
        c.throw(KeyError("k"))
    except StopIteration as e:
        r = e.value
    c = outer()
    c.send(None)
    c.close()
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")
