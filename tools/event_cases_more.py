"""More cases of tools/event_cases.py (session 10): areas that neither
tools/event_diff.py's random programs nor event_cases_data.py reached.

Same form as event_cases_data.py: each source runs after the worker's
prelude and configures its own tools.
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# Async generators driven by hand: asend, athrow, aclose

case("async_gen_asend_athrow", """
async def ag():
    v = yield 1
    try:
        v = yield v + 1
    except KeyError:
        yield -1
    yield 9
def drive(aw):
    try:
        aw.send(None)
    except StopIteration as e:
        return e.value
def main():
    g = ag()
    r = [drive(g.asend(None)), drive(g.asend(5))]
    r.append(drive(g.athrow(KeyError)))
    try:
        drive(g.aclose())
    except RuntimeError as e:
        r.append("rt")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("async_gen_athrow_unhandled", """
async def ag():
    yield 1
    yield 2
def drive(aw):
    try:
        aw.send(None)
    except StopIteration as e:
        return e.value
def main():
    g = ag()
    r = [drive(g.asend(None))]
    try:
        drive(g.athrow(ValueError("v")))
    except ValueError:
        r.append("ve")
    try:
        drive(g.asend(None))
    except StopAsyncIteration:
        r.append("stop")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# with: __enter__ raising, __exit__ raising another exception, nested
# with suppressing

case("with_enter_raises", """
class C:
    def __enter__(self):
        raise KeyError("enter")
    def __exit__(self, *a):
        return True
def main():
    try:
        with C():
            x = 1
    except KeyError:
        return "ke"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("with_exit_raises_other", """
class C:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        if t is not None:
            raise OSError("exit")
        return False
def main():
    r = []
    for k in range(2):
        try:
            with C():
                if k:
                    raise KeyError(k)
                r.append(k)
        except OSError:
            r.append("os")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("with_nested_suppress_loop", """
class S:
    def __enter__(self):
        return 1
    def __exit__(self, *a):
        return True
def main():
    r = 0
    for i in range(3):
        with S():
            with S():
                if i == 1:
                    raise ValueError
                if i == 2:
                    break
                r += 1
            r += 10
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# try/finally nesting with return/break/continue

case("nested_finally_return_override", """
def f(k):
    try:
        try:
            if k:
                return 1
            raise KeyError
        finally:
            x = 2
    finally:
        if k > 1:
            return 3
def main():
    r = [f(1), f(2)]
    try:
        f(0)
    except KeyError:
        r.append("ke")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("finally_break_continue_loop", """
def f():
    r = []
    for i in range(4):
        try:
            try:
                if i == 0:
                    continue
                if i == 3:
                    break
                r.append(i)
            finally:
                r.append(-i)
        finally:
            if i == 2:
                continue
    return r
def main():
    return f()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("finally_swallows_with_return", """
def f():
    for i in range(2):
        try:
            raise ValueError(i)
        finally:
            if i:
                return i
def main():
    try:
        return f()
    except ValueError:
        return "ve"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Generator expressions, short-circuited and raising

case("genexpr_any_short_circuit", """
def main():
    r = any(x > 1 for x in range(5))
    g = (1 // (2 - x) for x in range(4))
    try:
        s = sum(g)
    except ZeroDivisionError:
        s = "zde"
    return r, s
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("gen_abandoned_in_loop", """
def g():
    try:
        for i in range(5):
            yield i
    finally:
        x = 0
def main():
    t = 0
    for v in g():
        if v == 2:
            break
        t += v
    return t
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# del of locals, UnboundLocalError, __del__ raising

case("del_local_rebound", """
def f(k):
    x = k
    del x
    if k:
        x = 2
    else:
        x = 3
    del k
    return x
def main():
    return [f(1), f(0)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("del_runs_finalizer_that_raises", """
class D:
    def __del__(self):
        raise ValueError("del")
def main():
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: None
    try:
        d = D()
        del d
        y = 1
    finally:
        sys.unraisablehook = old
    return y
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Calls: argument forms, callables of many kinds

case("call_arg_forms", """
import functools
def f(*a, **k):
    return len(a) + len(k)
class K:
    def __init__(self, v=0):
        self.v = v
    def __call__(self, x):
        return x
    @staticmethod
    def s(x):
        return x
    @classmethod
    def c(cls, x):
        return x
def main():
    args = (1, 2)
    kw = {"z": 3}
    r = [f(), f(1), f(*args), f(*(), **kw), f(1, y=2), f(*args, **kw)]
    k = K(5)
    r += [k(1), K.s(2), K.c(3), k.s(4), functools.partial(f, 1)(2)]
    r += [int("3"), max(1, 2, key=None), sorted([2, 1], key=abs)]
    m = k.__call__
    r.append(m(7))
    return r
mon.use_tool_id(1, "a")
rec(1, evmask("CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN"))
mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN"))
run(main)
""")

case("call_c_raise_kinds", """
def main():
    r = []
    for f, a in ((int, "x"), (len, 5), ({}.__getitem__, 1), (divmod, 0)):
        try:
            r.append(f(a) if f is not divmod else f(1, a))
        except Exception as e:
            r.append(type(e).__name__)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("property_and_dunder_calls", """
class P:
    def __init__(self):
        self._v = 1
    @property
    def v(self):
        return self._v
    def __len__(self):
        return 3
    def __eq__(self, o):
        return True
    def __hash__(self):
        return 1
def main():
    p = P()
    return p.v + len(p) + (p == 1) + len({p})
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Classes: metaclass, __init_subclass__, class body with a loop

case("class_machinery", """
class Meta(type):
    def __new__(m, name, bases, ns):
        return super().__new__(m, name, bases, ns)
class Base(metaclass=Meta):
    def __init_subclass__(cls, **kw):
        cls.tag = 1
def main():
    class Sub(Base):
        x = 1
        for i in range(2):
            x += i
        def m(self):
            return self.x
    return Sub().m() + Sub.tag
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# Loops with else, chained comparisons, assert, raise from

case("loop_else_and_chains", """
def f(n):
    for i in range(n):
        if i == 2:
            break
    else:
        i = -1
    k = 0
    while k < n:
        k += 1
        if k > 5:
            break
    else:
        k = -k
    return i, k, 0 < n < 3, 0 < n > 3
def main():
    return [f(0), f(2), f(4)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("assert_and_raise_from", """
def f(x):
    assert x, "no"
    try:
        1 / x
    except ZeroDivisionError as e:
        raise ValueError from e
    return x
def main():
    r = [f(1)]
    try:
        f(0)
    except AssertionError:
        r.append("ae")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("except_star", """
def f():
    try:
        raise ExceptionGroup("g", [KeyError(1), ValueError(2)])
    except* KeyError:
        x = 1
    except* ValueError:
        y = 2
    return 3
def main():
    return f()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""", minv=(3, 11))

# ----------------------------------------------------------------------
# Branch coverage with DISABLE (the coverage pattern), run repeatedly

case("branch_coverage_disable", """
def f(x):
    if x > 2:
        y = 1
    elif x:
        y = 2
    else:
        y = 3
    for i in range(x % 3):
        y += i
    while y > 4:
        y -= 3
    return y
def main():
    r = []
    for v in (0, 1, 3, 5, 7, 1, 0):
        r.append(f(v))
    return r
mon.use_tool_id(1, "a")
ev = evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT")
rec(1, ev, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, ev)
run(main)
run(main)
""")

case("branch_disable_one_side", """
def f(x):
    t = 0
    for i in range(x):
        if i % 2:
            t += 1
        else:
            t -= 1
    return t
def main():
    return [f(3), f(4), f(1)]
mon.use_tool_id(1, "a")
ev = evmask("BRANCH_LEFT", "BRANCH_RIGHT", "LINE")
rec(1, ev, ret=lambda n, a: mon.DISABLE if n == "BRANCH_LEFT" else None)
mon.set_events(1, ev)
run(main)
""")

case("jump_and_branch_disable", """
def f(x):
    t = 0
    for i in range(x):
        if i % 2:
            continue
        t += i
    return t
def main():
    return [f(3), f(5)]
mon.use_tool_id(1, "a")
ev = evmask("BRANCH_LEFT", "BRANCH_RIGHT", "BRANCH")
rec(1, ev, ret=lambda n, a: mon.DISABLE if n == "BRANCH_RIGHT" else None)
mon.set_events(1, ev)
run(main)
""")

# ----------------------------------------------------------------------
# Events changed from callbacks mid-stream

case("set_local_events_callee_from_line", """
def b(x):
    y = x * 2
    return len([y])
def a(x):
    z = b(x)
    return z
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and args[0] is a.__code__ and args[1] == a.__code__.co_firstlineno + 1:
        mon.set_local_events(1, b.__code__, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_local_events(1, a.__code__, evmask("LINE"))
run(main)
""")

case("set_local_events_self_off_from_line", """
def a(x):
    y = x
    y += len("ab")
    y += 1
    return y
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "LINE" and args[1] == a.__code__.co_firstlineno + 2:
        mon.set_local_events(1, a.__code__, evmask("CALL", "C_RETURN", "C_RAISE"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_local_events(1, a.__code__, evmask("LINE", "CALL", "C_RETURN", "C_RAISE"))
run(main)
""")

case("restart_from_branch_callback", """
def a(x):
    t = 0
    for i in range(x):
        if i:
            t += 1
    return t
def main():
    return [a(3), a(3), a(2)]
seen = [0]
def ret(n, args):
    if n == "BRANCH_RIGHT":
        seen[0] += 1
        if seen[0] == 3:
            mon.restart_events()
    return mon.DISABLE
mon.use_tool_id(1, "a")
ev = evmask("LINE", "BRANCH_LEFT", "BRANCH_RIGHT")
rec(1, ev, ret=ret)
mon.set_events(1, ev)
run(main)
""")

case("set_events_more_from_call", """
def b(x):
    return x + 1
def a(x):
    y = b(x)
    y = b(y)
    return y
def main():
    return a(1) + a(2)
def ret(n, args):
    if n == "CALL" and len([e for e in out if e[1] == "CALL"]) == 1:
        mon.set_events(1, evmask("CALL", "LINE", "PY_START", "PY_RETURN"))
mon.use_tool_id(1, "a")
rec(1, ALL, ret=ret)
mon.set_events(1, evmask("CALL"))
run(main)
""")

case("disable_call_then_line_added", """
def a(x):
    y = len([x])
    return abs(y)
def main():
    r = [a(1), a(2)]
    mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE", "LINE"))
    r.append(a(3))
    return r
mon.use_tool_id(1, "a")
rec(1, ALL, ret=lambda n, a: mon.DISABLE if n == "CALL" else None)
mon.set_events(1, evmask("CALL", "C_RETURN", "C_RAISE"))
run(main)
""")

# ----------------------------------------------------------------------
# Generators: recursive yield from, send into delegation, return values

case("recursive_yield_from", """
def walk(t):
    if isinstance(t, list):
        for c in t:
            yield from walk(c)
    else:
        yield t
def main():
    return list(walk([1, [2, [3]], 4]))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

case("yield_from_send_return", """
def inner():
    x = yield 1
    y = yield x
    return x + y
def outer():
    r = yield from inner()
    yield r
def main():
    g = outer()
    return [next(g), g.send(2), g.send(3)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")

# ----------------------------------------------------------------------
# match (3.10+) with guards, class patterns and a failing case

case("match_guards_classes", """
class Pt:
    __match_args__ = ("x", "y")
    def __init__(self, x, y):
        self.x = x
        self.y = y
def f(v):
    match v:
        case Pt(0, y) if y > 1:
            return "axis"
        case Pt(x, y):
            return x + y
        case [a, *rest] if rest:
            return len(rest)
        case {"k": k}:
            return k
        case _:
            return None
def main():
    return [f(Pt(0, 2)), f(Pt(1, 1)), f([1, 2]), f([1]), f({"k": 5}), f(3)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""", minv=(3, 10))

# ----------------------------------------------------------------------
# Lambdas, closures over loop variables, decorators with arguments

case("decorator_factory_lambda", """
def deco(n):
    def wrap(f):
        return lambda *a: f(*a) + n
    return wrap
@deco(1)
@deco(2)
def g(x):
    return x
def main():
    fs = []
    for i in range(2):
        fs.append(lambda i=i: i * 2)
    return g(1) + sum(f() for f in fs)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(main)
""")
