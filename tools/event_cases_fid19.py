"""More cases of tools/event_cases.py (session 19, fid19).

Same form as event_cases_data.py.  Adversarial corners earlier files
leave out or touch once: set_local_events on *another* code object from
callbacks of each kind (a caller suspended at its call, a callee not yet
run, a generator's consumer, a genexpr or lambda from co_consts);
free_tool_id/clear_tool_id of the other tool in the middle of an event
both tools listen to; callbacks that raise: which exception, its
`__context__`, its traceback's frames, the generator's state after;
DISABLE from events that cannot be disabled, next to a second tool and in
generators; sys.settrace/setprofile set and removed by tracers and
profilers that themselves change monitoring; f_lineno jumps with
BRANCH/LINE tools; generators and coroutines closed and thrown into in odd
states; async generators; exceptions in finally/with and except*;
RecursionError inside callbacks and deep recursion; lambdas and genexprs
with local events; `__code__` assignment and `code.replace` while
monitored; threads started while events change.
(List, set and dict comprehensions are left out: frames before 3.12.)
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# set_local_events on another code object, from callbacks

case("sle_other_caller_from_callee_start", """
def g():
    return 1
def f():
    a = 1
    b = g()
    c = a + b
    return c
def hook(n, args):
    if n == "PY_START" and args[0] is g.__code__:
        mon.set_local_events(1, f.__code__, E.LINE | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START)
run(f)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_other_caller_off_from_callee_return", """
def g():
    return 1
def f():
    a = 1
    b = g()
    c = a + b
    return c
def hook(n, args):
    if n == "PY_RETURN" and args[0] is g.__code__:
        mon.set_local_events(1, f.__code__, 0)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE | E.PY_RETURN)
mon.set_local_events(1, g.__code__, E.PY_RETURN)
run(f)
run(f)
mon.set_local_events(1, g.__code__, 0)
""")

case("sle_callee_from_caller_line", """
def g(v):
    w = v + 1
    return w
def f():
    a = 1
    b = g(a)
    return g(b)
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == 7:
        mon.set_local_events(1, g.__code__, E.LINE | E.PY_START)
    if n == "LINE" and args[0] is f.__code__ and args[1] == 8:
        mon.set_local_events(1, g.__code__, 0)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE)
run(f)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_consumer_from_generator_yield", """
def gen():
    for i in range(3):
        yield i
def f():
    s = 0
    for v in gen():
        s += v
    return s
def hook(n, args):
    if n == "PY_YIELD" and args[0] is gen.__code__:
        on = mon.get_local_events(1, f.__code__)
        mon.set_local_events(1, f.__code__, 0 if on else E.LINE)
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.LINE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_YIELD)
run(f)
mon.set_local_events(1, gen.__code__, 0)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_generator_from_consumer_line", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
def f():
    it = gen()
    a = next(it)
    b = next(it)
    return a + b
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == 9:
        mon.set_local_events(1, gen.__code__, E.LINE | E.PY_RESUME | E.PY_YIELD)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE)
run(f)
mon.set_local_events(1, gen.__code__, 0)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_genexpr_code_from_const", """
def f(n):
    return sum(i * i for i in range(n))
gco = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
mon.set_local_events(1, gco, E.PY_START | E.PY_YIELD | E.PY_RETURN)
run(f, 3)
mon.set_local_events(1, gco, E.LINE)
run(f, 2)
mon.set_local_events(1, gco, 0)
run(f, 2)
""")

case("sle_lambda_code_from_c_return", """
def f():
    k = lambda v: -v
    xs = sorted([3, 1, 2], key=k)
    ys = sorted([3, 1, 2], key=k)
    return xs, ys
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == 3:
        lam = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
        mon.set_local_events(1, lam, E.PY_START | E.PY_RETURN)
    if n == "LINE" and args[0] is f.__code__ and args[1] == 5:
        lam = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
        mon.set_local_events(1, lam, 0)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_other_tool_from_callback", """
def g():
    x = 1
    return x
def f():
    a = g()
    b = g()
    return a + b
def hook(n, args):
    if n == "PY_RETURN" and args[0] is g.__code__:
        cur = mon.get_local_events(2, g.__code__)
        mon.set_local_events(2, g.__code__, 0 if cur else E.LINE)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.PY_RETURN, hook=hook); rec(2, E.LINE)
mon.set_local_events(1, g.__code__, E.PY_RETURN)
run(f)
mon.set_local_events(1, g.__code__, 0); mon.set_local_events(2, g.__code__, 0)
""")

case("sle_handler_from_raise_in_callee", """
def g():
    raise KeyError("k")
def f():
    try:
        g()
    except KeyError:
        x = 1
    return x
def hook(n, args):
    if n == "RAISE" and args[0] is g.__code__:
        mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.EXCEPTION_HANDLED)
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.LINE | E.EXCEPTION_HANDLED, hook=hook)
mon.set_events(1, E.RAISE)
run(f)
mon.set_events(1, 0)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("sle_caller_from_unwind", """
def g():
    raise KeyError("k")
def f():
    try:
        g()
    except KeyError:
        x = 1
    y = 2
    return x + y
def hook(n, args):
    if n == "PY_UNWIND" and args[0] is g.__code__:
        mon.set_local_events(1, f.__code__, E.LINE | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.PY_UNWIND | E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_UNWIND)
run(f)
mon.set_events(1, 0); mon.set_local_events(1, f.__code__, 0)
""")

case("sle_generator_from_stop_iteration", """
def gen(n):
    for i in range(n):
        yield i
def f():
    r = []
    for v in gen(2):
        r.append(v)
    for v in gen(2):
        r.append(v)
    return r
def hook(n, args):
    if n == "STOP_ITERATION":
        mon.set_local_events(1, gen.__code__, E.PY_START | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.STOP_ITERATION)
run(f)
mon.set_events(1, 0); mon.set_local_events(1, gen.__code__, 0)
""")

case("sle_callee_from_branch_with_restart", """
def g(v):
    return v
def f(n):
    r = 0
    for i in range(n):
        if i % 2:
            r += g(i)
        else:
            r -= g(i)
    return r
def hook(n, args):
    if n.startswith("BRANCH") and args[0] is f.__code__:
        cur = mon.get_local_events(1, g.__code__)
        mon.set_local_events(1, g.__code__, 0 if cur else E.PY_START)
        mon.restart_events()
mon.use_tool_id(1, "a")
rec(1, E.PY_START | E.BRANCH_LEFT | E.BRANCH_RIGHT, hook=hook,
    ret=lambda n, a: mon.DISABLE if n.startswith("BRANCH") else None)
mon.set_local_events(1, f.__code__, E.BRANCH_LEFT | E.BRANCH_RIGHT)
run(f, 5)
mon.set_local_events(1, f.__code__, 0); mon.set_local_events(1, g.__code__, 0)
""")

case("sle_recursive_self_off_from_start", """
def r(n):
    x = n
    if n:
        r(n - 1)
    return x
def hook(n, args):
    if n == "PY_START" and sys._getframe(2).f_locals.get("n") == 2:
        mon.set_local_events(1, r.__code__, E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_local_events(1, r.__code__, E.PY_START | E.LINE | E.PY_RETURN)
run(r, 4)
mon.set_local_events(1, r.__code__, 0)
""")

case("sle_callee_toggled_from_jump", """
def g():
    return 1
def f(n):
    s = 0
    i = 0
    while i < n:
        s += g()
        i += 1
    return s
def hook(n, args):
    if n == "JUMP" and args[0] is f.__code__:
        cur = mon.get_local_events(1, g.__code__)
        mon.set_local_events(1, g.__code__, 0 if cur else E.PY_START)
mon.use_tool_id(1, "a"); rec(1, E.JUMP | E.PY_START, hook=hook)
mon.set_local_events(1, f.__code__, E.JUMP)
run(f, 4)
mon.set_local_events(1, f.__code__, 0); mon.set_local_events(1, g.__code__, 0)
""")

case("sle_thrower_from_py_throw", """
def gen():
    try:
        yield 1
    except KeyError:
        yield 2
def f():
    it = gen()
    next(it)
    v = it.throw(KeyError)
    w = 5
    return v + w
def hook(n, args):
    if n == "PY_THROW":
        mon.set_local_events(1, f.__code__, E.LINE)
mon.use_tool_id(1, "a"); rec(1, E.PY_THROW | E.LINE, hook=hook)
mon.set_events(1, E.PY_THROW)
run(f)
mon.set_events(1, 0); mon.set_local_events(1, f.__code__, 0)
""")

case("sle_global_off_local_on_same_callback", """
def g():
    x = 1
    return x
def f():
    a = g()
    return a
def hook(n, args):
    if n == "PY_START" and args[0] is g.__code__:
        mon.set_events(1, 0)
        mon.set_local_events(1, g.__code__, E.LINE | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.LINE)
run(f)
run(f)
mon.set_local_events(1, g.__code__, 0)
""")

# ----------------------------------------------------------------------
# free_tool_id / clear_tool_id of the other tool mid-event

for _fn in ("free_tool_id", "clear_tool_id"):
    case("other_tool_%s_same_line_event" % _fn, """
def f():
    a = 1
    b = 2
    return a + b
def hook(n, args):
    if n == "LINE" and args[1] == 3:
        mon.%s(2)
        note("tool2", mon.get_tool(2), mon.get_events(2))
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.LINE, hook=hook); rec(2, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE); mon.set_events(2, E.LINE | E.PY_RETURN)
run(f)
""" % _fn)

    case("later_tool_%s_earlier_tool_same_event" % _fn, """
def f():
    a = 1
    b = 2
    return a + b
def hook(n, args):
    if n == "LINE" and args[1] == 3:
        mon.%s(1)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.LINE | E.PY_RETURN); rec(2, E.LINE, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN); mon.set_events(2, E.LINE)
run(f)
run(f)
""" % _fn)

    case("%s_other_tool_local_events_in_gen" % _fn, """
def gen():
    x = 1
    yield x
    x = 2
    yield x
def f():
    it = gen()
    r = [next(it)]
    r.append(next(it))
    return r
def hook(n, args):
    if n == "PY_YIELD":
        mon.%s(2)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.PY_YIELD, hook=hook); rec(2, E.LINE | E.PY_RESUME)
mon.set_local_events(1, gen.__code__, E.PY_YIELD)
mon.set_local_events(2, gen.__code__, E.LINE | E.PY_RESUME)
run(f)
note("local2", mon.get_local_events(2, gen.__code__))
mon.set_local_events(1, gen.__code__, 0)
""" % _fn)

    case("%s_then_reuse_in_callback" % _fn, """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def hook(n, args):
    if n == "LINE" and args[1] == 3:
        mon.%s(1)
        mon.use_tool_id(1, "new")
        rec(1, E.LINE | E.PY_RETURN, name="new")
        mon.set_events(1, E.LINE | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.set_events(1, E.LINE)
run(f)
note("tool", mon.get_tool(1))
""" % _fn)

    case("%s_from_c_return_in_loop" % _fn, """
def f():
    r = []
    for i in range(3):
        r.append(abs(-i))
    return r
def hook(n, args):
    if n == "C_RETURN":
        mon.%s(1)
mon.use_tool_id(1, "a"); rec(1, E.C_RETURN | E.C_RAISE | E.CALL | E.LINE, hook=hook)
mon.set_events(1, E.C_RETURN | E.C_RAISE | E.CALL | E.LINE)
run(f)
""" % _fn)

    case("%s_from_raise_then_handler" % _fn, """
def f():
    try:
        raise KeyError("x")
    except KeyError:
        y = 1
    return y
def hook(n, args):
    if n == "RAISE":
        mon.%s(1)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE, hook=hook)
rec(2, E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
mon.set_events(2, E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""" % _fn)

# ----------------------------------------------------------------------
# Callbacks that raise: which exception, its context, the traceback

TB = """
def tbnames(e):
    r = []
    tb = e.__traceback__
    while tb is not None:
        co = tb.tb_frame.f_code
        if co.co_filename == "<prog>":
            r.append((co.co_name, tb.tb_lineno))
        else:
            r.append((co.co_name,))
        tb = tb.tb_next
    return r
def runtb(f, *a):
    try:
        out.append(("RESULT", rep(f(*a))))
    except BaseException as e:
        out.append(("RAISED", rep(e), rep(e.__context__),
                    str(tbnames(e))))
"""

for _ev, _body in (
        ("LINE", "x = 1"),
        ("PY_START", "x = 1"),
        ("PY_RETURN", "x = 1"),
        ("CALL", "x = len('ab')"),
        ("C_RETURN", "x = len('ab')"),
        ("C_RAISE", "x = int('z')"),
        ("RAISE", "raise KeyError('k')"),
        ("BRANCH_LEFT", "x = 1 if len('a') else 2"),
        ("BRANCH_RIGHT", "x = 1 if len('') else 2"),
        ("JUMP", "for i in range(2): x = i")):
    case("callback_raises_traceback_%s" % _ev, TB + """
def f():
    %s
    return 0
def hook(n, args):
    if n == %r and args[0] is f.__code__:
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook)
mon.set_events(1, E.%s)
runtb(f)
mon.set_events(1, 0)
""" % (_body, _ev, "CALL | E.C_RETURN | E.C_RAISE" if _ev.startswith("C_") else _ev))

case("callback_raises_in_exception_handled_context", TB + """
def f():
    try:
        raise KeyError("k")
    except KeyError:
        return "handled"
# (once: 3.12/3.13 look for the handler of the callback's exception from
# the same place, where the same EXCEPTION_HANDLED comes again)
raised = []
def hook(n, args):
    if n == "EXCEPTION_HANDLED" and args[0] is f.__code__ and not raised:
        raised.append(1)
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.EXCEPTION_HANDLED | E.RAISE | E.RERAISE | E.PY_UNWIND, hook=hook)
mon.set_events(1, E.EXCEPTION_HANDLED | E.RAISE | E.RERAISE | E.PY_UNWIND)
runtb(f)
""")

case("callback_raises_in_raise_replaces_exception", TB + """
def f():
    try:
        raise KeyError("k")
    except KeyError:
        return "handled"
    except OSError:
        return "oserror"
def hook(n, args):
    if n == "RAISE" and args[0] is f.__code__ and rep(args[2]).startswith("KeyError"):
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.EXCEPTION_HANDLED | E.RAISE, hook=hook)
mon.set_events(1, E.EXCEPTION_HANDLED | E.RAISE)
runtb(f)
""")

case("callback_raises_in_py_yield_gen_state", TB + """
import inspect
def gen():
    try:
        yield 1
    except OSError:
        yield "caught"
    yield 3
def f():
    it = gen()
    r = []
    try:
        r.append(next(it))
    except OSError as e:
        r.append("E")
    r.append(inspect.getgeneratorstate(it))
    r.append(next(it, "done"))
    return r
def hook(n, args):
    if n == "PY_YIELD" and sys._getframe(2).f_locals.get("_once") is None:
        sys._getframe(2).f_globals["_flag"] = globals().get("_flag", 0) + 1
        if _flag == 1:
            raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.PY_RESUME | E.PY_UNWIND | E.RAISE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_YIELD | E.PY_RESUME); mon.set_events(1, E.PY_UNWIND | E.RAISE)
runtb(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("callback_raises_in_py_resume_gen_state", TB + """
import inspect
def gen():
    x = yield 1
    yield x
def f():
    it = gen()
    r = [next(it)]
    try:
        r.append(it.send(5))
    except OSError:
        r.append("E")
    r.append(inspect.getgeneratorstate(it))
    return r
def hook(n, args):
    if n == "PY_RESUME":
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_RESUME | E.PY_UNWIND | E.RAISE | E.LINE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_RESUME | E.LINE); mon.set_events(1, E.PY_UNWIND | E.RAISE)
runtb(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("callback_raises_in_py_start_gen_state", TB + """
import inspect
def gen():
    yield 1
def f():
    it = gen()
    r = []
    try:
        next(it)
    except OSError:
        r.append("E")
    r.append(inspect.getgeneratorstate(it))
    r.append(next(it, "done"))
    return r
def hook(n, args):
    if n == "PY_START" and args[0] is gen.__code__:
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_UNWIND | E.RAISE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_START); mon.set_events(1, E.PY_UNWIND | E.RAISE)
runtb(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("callback_raises_stop_iteration_in_py_start_gen", TB + """
def gen():
    yield 1
def f():
    try:
        return list(gen())
    except RuntimeError as e:
        return "RT:" + str(e)
def hook(n, args):
    if n == "PY_START" and args[0] is gen.__code__:
        raise StopIteration
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_UNWIND | E.RAISE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_START); mon.set_events(1, E.PY_UNWIND | E.RAISE)
runtb(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("callback_raises_in_line_inside_with", TB + """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        out.append(("EXIT", t.__name__ if t else None))
        return False
def f():
    with CM():
        x = 1
        y = 2
    return x
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == f.__code__.co_firstlineno + 3:
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.RERAISE | E.PY_UNWIND, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.RAISE | E.RERAISE | E.PY_UNWIND)
runtb(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("callback_raises_in_stop_iteration_of_for", TB + """
def gen():
    yield 1
def f():
    r = []
    try:
        for v in gen():
            r.append(v)
    except OSError:
        r.append("E")
    return r
def hook(n, args):
    if n == "STOP_ITERATION":
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.RAISE | E.LINE, hook=hook)
mon.set_local_events(1, f.__code__, E.STOP_ITERATION | E.LINE); mon.set_events(1, E.RAISE)
mon.set_local_events(1, gen.__code__, E.STOP_ITERATION)
runtb(f)
mon.set_local_events(1, f.__code__, 0); mon.set_local_events(1, gen.__code__, 0)
""")

case("callback_raises_system_exit_at_line", TB + """
def f():
    x = 1
    try:
        y = 2
    except Exception:
        return "caught"
    return x
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == f.__code__.co_firstlineno + 3:
        raise SystemExit(3)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.PY_UNWIND, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.RAISE | E.PY_UNWIND)
runtb(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("callback_raises_in_sorted_key_lambda", TB + """
def f():
    try:
        return sorted([2, 1], key=lambda v: -v)
    except OSError as e:
        return "E"
def hook(n, args):
    if n == "PY_START" and args[0].co_name == "<lambda>":
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.C_RAISE | E.RAISE | E.PY_UNWIND | E.EXCEPTION_HANDLED | E.CALL | E.C_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.C_RAISE | E.RAISE | E.PY_UNWIND | E.EXCEPTION_HANDLED | E.CALL | E.C_RETURN)
runtb(f)
""")

case("callback_raises_while_exception_pending_in_handler", TB + """
def f():
    try:
        raise KeyError("k")
    except KeyError:
        x = 1
        return x
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == f.__code__.co_firstlineno + 4:
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.RERAISE | E.PY_UNWIND, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.RAISE | E.RERAISE | E.PY_UNWIND)
runtb(f)
note("exc_info", sys.exc_info()[0])
mon.set_local_events(1, f.__code__, 0)
""")

case("callback_raises_in_async_gen_asend", TB + """
async def agen():
    x = yield 1
    yield x
def f():
    a = agen()
    r = []
    try:
        a.asend(None).send(None)
    except StopIteration as e:
        r.append(e.value)
    try:
        a.asend(7).send(None)
    except StopIteration as e:
        r.append(e.value)
    except OSError:
        r.append("E")
    return r
def hook(n, args):
    if n == "PY_RESUME":
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_RESUME | E.PY_YIELD | E.PY_UNWIND | E.RAISE, hook=hook)
mon.set_local_events(1, agen.__code__, E.PY_RESUME | E.PY_YIELD); mon.set_events(1, E.PY_UNWIND | E.RAISE)
runtb(f)
mon.set_local_events(1, agen.__code__, 0)
""")

case("callback_raises_in_finally_line_during_unwind", TB + """
def f():
    try:
        raise KeyError("k")
    finally:
        y = 1
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__ and args[1] == f.__code__.co_firstlineno + 4:
        raise OSError("cb")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.RERAISE | E.PY_UNWIND, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.RAISE | E.RERAISE | E.PY_UNWIND)
runtb(f)
mon.set_local_events(1, f.__code__, 0)
""")

# ----------------------------------------------------------------------
# DISABLE from events that cannot be disabled: next to a second tool,
# in generators, from a callback that also changes events

for _ev in ("RAISE", "EXCEPTION_HANDLED", "PY_UNWIND", "PY_THROW",
            "RERAISE", "C_RAISE"):
    case("disable_nondisablable_two_tools_%s" % _ev, """
def gen():
    try:
        yield 1
    finally:
        z = 0
def f():
    it = gen(); next(it)
    try:
        it.throw(KeyError("t"))
    except KeyError:
        pass
    try:
        try:
            int("z")
        finally:
            y = 1
    except ValueError:
        pass
    return 1
def main():
    try:
        return f()
    except ValueError as e:
        return "VE:" + str(e)
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, ALL & ~E.LINE, ret=lambda n, a: mon.DISABLE if n == %r else None)
rec(2, ALL & ~E.LINE)
mon.set_events(1, ALL & ~E.LINE); mon.set_events(2, ALL & ~E.LINE)
run(main)
run(main)
""" % _ev)

case("disable_c_return_then_more_calls", """
def f():
    r = []
    for i in range(3):
        r.append(len("ab" * i))
    return r
mon.use_tool_id(1, "a")
rec(1, E.CALL | E.C_RETURN | E.C_RAISE, ret=lambda n, a: mon.DISABLE if n == "C_RETURN" else None)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
run(f)
""")

case("disable_stop_iteration_then_restart", """
def gen():
    yield 1
def f():
    r = []
    for k in range(3):
        for v in gen():
            r.append(v)
        if k == 1:
            mon.restart_events()
    return r
mon.use_tool_id(1, "a")
rec(1, E.STOP_ITERATION, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, E.STOP_ITERATION)
run(f)
""")

case("disable_raise_inside_generator_throw", """
def gen():
    try:
        yield 1
    except KeyError:
        raise ValueError("v")
def f():
    it = gen(); next(it)
    try:
        it.throw(KeyError)
    except ValueError as e:
        return "VE:" + str(e)
mon.use_tool_id(1, "a")
rec(1, E.RAISE | E.PY_THROW | E.PY_UNWIND, ret=lambda n, a: mon.DISABLE if n == "RAISE" else None)
mon.set_events(1, E.RAISE | E.PY_THROW | E.PY_UNWIND)
run(f)
""")

# ----------------------------------------------------------------------
# sys.settrace / sys.setprofile set and removed by hooks that change
# monitoring themselves

case("tracer_sets_monitoring_events", """
def g():
    x = 1
    return x
def f():
    a = g()
    b = g()
    return a + b
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
        if event == "call" and frame.f_code is g.__code__:
            cur = mon.get_events(1)
            mon.set_events(1, 0 if cur else E.LINE | E.PY_RETURN)
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("profiler_sets_local_events", """
def g():
    x = 1
    return x
def f():
    a = g()
    b = len("x")
    c = g()
    return a + b + c
def pr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("PR", event, frame.f_code.co_name))
        if event == "c_call":
            mon.set_local_events(1, g.__code__, E.LINE | E.PY_START)
        if event == "c_return":
            sys.setprofile(None)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START)
sys.setprofile(pr)
run(f)
sys.setprofile(None)
mon.set_local_events(1, g.__code__, 0)
""")

case("settrace_from_py_yield_callback", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
def f():
    it = gen()
    a = next(it)
    b = next(it)
    return a + b
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
    return tr
def hook(n, args):
    if n == "PY_YIELD":
        sys.settrace(None if sys.gettrace() else tr)
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.LINE, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_YIELD | E.LINE)
run(f)
sys.settrace(None)
mon.set_local_events(1, gen.__code__, 0)
""")

case("setprofile_from_stop_iteration_callback", """
def gen():
    yield 1
def f():
    r = list(gen())
    s = len(r)
    for v in gen():
        r.append(v)
    return r, s
def pr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" or event.startswith("c_"):
        out.append(("PR", event, frame.f_code.co_name if frame.f_code.co_filename == "<prog>" else "-"))
def hook(n, args):
    if n == "STOP_ITERATION":
        sys.setprofile(None if sys.getprofile() else pr)
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION, hook=hook)
mon.set_events(1, E.STOP_ITERATION)
run(f)
sys.setprofile(None)
""")

case("settrace_none_from_tracer_return_with_tool", """
def g():
    x = 1
    return x
def f():
    a = g()
    b = 2
    return a + b
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
        if event == "return" and frame.f_code is g.__code__:
            sys.settrace(None)
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_START)
mon.set_events(1, E.LINE | E.PY_RETURN | E.PY_START)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("setprofile_from_tracer_line", """
def g():
    return len("ab")
def f():
    a = 1
    b = g()
    return a + b
def pr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("PR", event, frame.f_code.co_name))
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
        if event == "line" and frame.f_lineno == 6:
            sys.setprofile(pr)
    return tr
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START)
sys.settrace(tr)
run(f)
sys.settrace(None); sys.setprofile(None)
""")

case("tracer_frees_tool_mid_frame", """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 4:
            mon.free_tool_id(1)
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("settrace_in_generator_resumed_later", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
    x = 3
def f():
    it = gen()
    a = next(it)
    sys.settrace(tr)
    b = next(it)
    c = next(it, 0)
    sys.settrace(None)
    return a, b, c
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
mon.set_local_events(1, gen.__code__, E.LINE | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
run(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("setprofile_set_in_c_raise_callback", """
def f():
    try:
        int("z")
    except ValueError:
        x = len("a")
    return x
def pr(frame, event, arg):
    out.append(("PR", event, frame.f_code.co_name if frame.f_code.co_filename == "<prog>" else "-"))
def hook(n, args):
    if n == "C_RAISE":
        sys.setprofile(pr)
mon.use_tool_id(1, "a"); rec(1, E.C_RAISE | E.C_RETURN | E.CALL, hook=hook)
mon.set_events(1, E.C_RAISE | E.C_RETURN | E.CALL)
run(f)
sys.setprofile(None)
""")

# ----------------------------------------------------------------------
# f_lineno jumps by a legacy tracer, with BRANCH/LINE tools

case("tracer_jump_back_in_while_with_branch_tool", """
def f():
    i = 0
    n = 0
    while i < 2:
        i += 1
    n += 1
    return i, n
state = {"done": False}
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 7 and not state["done"]:
            state["done"] = True
            frame.f_lineno = 4
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT)
mon.set_local_events(1, f.__code__, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT)
sys.settrace(tr)
run(f)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("tracer_jump_over_whole_for_with_branch", """
def f():
    r = []
    for i in range(3):
        r.append(i)
    r.append(9)
    return r
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 4:
            frame.f_lineno = 6
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT | E.C_RETURN | E.C_RAISE | E.CALL)
mon.set_local_events(1, f.__code__, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT)
mon.set_events(1, E.C_RETURN | E.C_RAISE | E.CALL)
sys.settrace(tr)
run(f)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("tracer_jump_in_generator_frame", """
def gen():
    x = 1
    yield x
    x = 2
    x = 3
    yield x
def tr(frame, event, arg):
    if frame.f_code is gen.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 5:
            frame.f_lineno = 6
    return tr
def f():
    return list(gen())
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.PY_RESUME)
mon.set_local_events(1, gen.__code__, E.LINE | E.PY_YIELD | E.PY_RESUME)
sys.settrace(tr)
run(f)
sys.settrace(None)
mon.set_local_events(1, gen.__code__, 0)
""")

case("tracer_jump_into_else_with_line_disable", """
def f(v):
    if v:
        a = 1
    else:
        a = 2
    return a
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 4:
            frame.f_lineno = 6
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT, ret=lambda n, a: mon.DISABLE)
mon.set_local_events(1, f.__code__, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT)
sys.settrace(tr)
run(f, 1)
run(f, 1)
run(f, 0)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("tracer_jump_back_over_call_with_call_tool", """
def g():
    return 1
def f():
    s = 0
    s += g()
    s += 10
    return s
state = {"n": 0}
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 7 and state["n"] < 1:
            state["n"] += 1
            frame.f_lineno = 6
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, f.__code__, E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("tracer_jump_refused_out_of_finally", """
def f():
    try:
        x = 1
    finally:
        y = 2
    z = 3
    return x
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 6:
            try:
                frame.f_lineno = 7
            except ValueError as e:
                out.append(("REFUSED",))
    return tr
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_local_events(1, f.__code__, E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

# ----------------------------------------------------------------------
# Generators and coroutines closed and thrown into in odd states

GENEV = "E.PY_START | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN | E.PY_UNWIND | E.PY_THROW | E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.STOP_ITERATION | E.LINE"

case("gen_throw_caught_returns_value", """
def gen():
    try:
        yield 1
    except KeyError:
        return "rv"
def f():
    it = gen(); next(it)
    try:
        it.throw(KeyError)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_raises_stop_iteration_pep479", """
def gen():
    yield 1
    raise StopIteration("x")
def f():
    try:
        return list(gen())
    except RuntimeError as e:
        return "RT:" + str(e) + ":" + rep(e.__cause__)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_throw_generator_exit_by_hand", """
def gen():
    try:
        yield 1
    finally:
        x = 0
def f():
    it = gen(); next(it)
    try:
        it.throw(GeneratorExit)
    except GeneratorExit:
        return "ge"
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_close_raises_other_exception", """
def gen():
    try:
        yield 1
    except GeneratorExit:
        raise KeyError("other")
def f():
    it = gen(); next(it)
    try:
        it.close()
    except KeyError as e:
        return "KE:" + rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_close_inner_for_generator", """
def inner():
    try:
        yield 1
        yield 2
    finally:
        y = 0
def outer():
    for v in inner():
        yield v
def f():
    it = outer(); next(it)
    it.close()
    return "ok"
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_close_from_own_yield_callback", """
def gen():
    yield 1
    yield 2
it = None
def hook(n, args):
    if n == "PY_YIELD":
        try:
            it.close()
        except ValueError as e:
            note("close", str(e))
def f():
    global it
    it = gen()
    return next(it)
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.PY_RESUME, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_YIELD | E.PY_RESUME)
run(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("gen_next_from_own_line_callback", """
def gen():
    x = 1
    yield x
it = None
def hook(n, args):
    if n == "LINE":
        try:
            next(it)
        except ValueError as e:
            note("next", str(e))
def f():
    global it
    it = gen()
    return next(it)
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.set_local_events(1, gen.__code__, E.LINE)
run(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("genexpr_closed_mid_iteration", """
def f():
    g = (i * 2 for i in range(5))
    a = next(g)
    b = next(g)
    g.close()
    return a, b, next(g, "done")
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_throw_into_yield_inside_except", """
def gen():
    try:
        raise KeyError("a")
    except KeyError:
        try:
            yield 1
        except ValueError:
            yield rep(sys.exc_info()[1])
def f():
    it = gen(); next(it)
    return it.throw(ValueError("v"))
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_throw_type_and_value_args", """
import warnings
warnings.simplefilter("ignore")
def gen():
    try:
        yield 1
    except KeyError as e:
        yield rep(e)
def f():
    it = gen(); next(it)
    return it.throw(KeyError, KeyError("v"))
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_yield_from_throw_caught_in_middle", """
def inner():
    yield 1
    yield 2
def middle():
    try:
        yield from inner()
    except KeyError:
        yield "mid"
def f():
    it = middle(); next(it)
    a = it.throw(KeyError)
    return a, list(it)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("coroutine_throw_while_awaiting_nested", """
import types
@types.coroutine
def suspend():
    yield "s"
async def inner():
    await suspend()
    return 1
async def outer():
    try:
        return await inner()
    except KeyError:
        return "caught"
def f():
    c = outer()
    c.send(None)
    try:
        c.throw(KeyError)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("coroutine_close_while_awaiting_nested", """
import types
@types.coroutine
def suspend():
    try:
        yield "s"
    finally:
        out.append(("SUSPEND_FINALLY",))
async def inner():
    try:
        await suspend()
    finally:
        x = 0
async def outer():
    await inner()
def f():
    c = outer()
    c.send(None)
    c.close()
    return "closed"
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("coroutine_await_custom_awaitable", """
class Aw:
    def __await__(self):
        x = yield "a"
        return x
async def co():
    v = await Aw()
    return v * 2
def f():
    c = co()
    c.send(None)
    try:
        c.send(21)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("gen_send_non_none_unstarted", """
def gen():
    yield 1
def f():
    it = gen()
    try:
        it.send(5)
    except TypeError as e:
        return "TE"
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

# ----------------------------------------------------------------------
# Async generators

case("async_gen_aclose_not_started", """
async def agen():
    try:
        yield 1
    finally:
        x = 0
def f():
    a = agen()
    try:
        a.aclose().send(None)
    except StopIteration:
        return "closed"
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("async_gen_athrow_caught_yields", """
async def agen():
    try:
        yield 1
    except KeyError:
        yield "after"
def f():
    a = agen()
    try:
        a.asend(None).send(None)
    except StopIteration as e:
        first = e.value
    try:
        a.athrow(KeyError).send(None)
    except StopIteration as e:
        return first, e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("async_gen_raises_stop_async_iteration", """
async def agen():
    yield 1
    raise StopAsyncIteration
async def main():
    r = []
    try:
        async for v in agen():
            r.append(v)
    except RuntimeError as e:
        r.append("RT")
    return r
def f():
    c = main()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("async_gen_async_for_break_then_aclose", """
async def agen():
    try:
        for i in range(5):
            yield i
    finally:
        z = 0
async def main():
    a = agen()
    async for v in a:
        if v == 1:
            break
    await a.aclose()
    return v
def f():
    c = main()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

case("async_comprehension_over_agen", """
async def agen(n):
    for i in range(n):
        yield i
async def main():
    return [v async for v in agen(3) if v]
def f():
    c = main()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN | E.STOP_ITERATION)
mon.set_events(1, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN | E.STOP_ITERATION)
run(f)
""")

case("async_gen_local_events_off_while_suspended", """
async def agen():
    x = 1
    yield x
    x = 2
    yield x
def step(a):
    try:
        a.asend(None).send(None)
    except StopIteration as e:
        return e.value
    except StopAsyncIteration:
        return "end"
def f():
    a = agen()
    r = [step(a)]
    mon.set_local_events(1, agen.__code__, 0)
    r.append(step(a))
    mon.set_local_events(1, agen.__code__, E.LINE | E.PY_RESUME | E.PY_RETURN)
    r.append(step(a))
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
mon.set_local_events(1, agen.__code__, E.LINE | E.PY_RESUME | E.PY_YIELD)
run(f)
mon.set_local_events(1, agen.__code__, 0)
""")

case("async_gen_athrow_in_finally_await", """
import types
@types.coroutine
def suspend():
    yield "s"
async def agen():
    try:
        yield 1
    finally:
        await suspend()
        y = 2
def f():
    a = agen()
    try:
        a.asend(None).send(None)
    except StopIteration:
        pass
    cl = a.aclose()
    r = [cl.send(None)]
    try:
        cl.send(None)
    except StopIteration:
        r.append("closed")
    return r
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (GENEV, GENEV))

# ----------------------------------------------------------------------
# Exceptions in finally / with / except*

EXC = "E.LINE | E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.PY_RETURN"

case("finally_raises_during_propagation", """
def f():
    try:
        raise KeyError("a")
    finally:
        raise ValueError("b")
def main():
    try:
        f()
    except ValueError as e:
        return rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(main)
""" % (EXC, EXC))

case("finally_return_swallows_in_loop", """
def f():
    r = []
    for i in range(3):
        try:
            try:
                raise KeyError(i)
            finally:
                r.append(i)
                continue
        except KeyError:
            r.append("never")
    return r
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC))

case("with_exit_raises_while_unwinding", """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        raise OSError("exit")
def f():
    with CM():
        raise KeyError("body")
def main():
    try:
        f()
    except OSError as e:
        return rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(main)
""" % (EXC, EXC))

case("with_exit_suppresses_then_return", """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return t is KeyError
def f():
    for i in range(2):
        with CM():
            if i:
                raise KeyError(i)
            x = i
    return x
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC))

case("nested_finally_break_out_of_raise", """
def f():
    n = 0
    while True:
        try:
            try:
                raise KeyError
            finally:
                n += 1
        finally:
            break
    return n
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC))

case("except_star_raise_in_handler", """
def f():
    try:
        raise ExceptionGroup("eg", [KeyError(1), ValueError(2)])
    except* KeyError:
        raise OSError("h")
    except* ValueError:
        x = 1
def main():
    try:
        f()
    except BaseException as e:
        return type(e).__name__ + ":" + str(len(getattr(e, "exceptions", ())))
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(main)
""" % (EXC, EXC), minv=(3, 11))

case("except_star_unmatched_reraise", """
def f():
    try:
        raise ExceptionGroup("eg", [KeyError(1), TypeError(2)])
    except* KeyError:
        x = 1
def main():
    try:
        f()
    except ExceptionGroup as e:
        return [type(x).__name__ for x in e.exceptions]
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(main)
""" % (EXC, EXC), minv=(3, 11))

case("except_star_naked_exception", """
def f():
    try:
        raise KeyError(1)
    except* KeyError as eg:
        r = type(eg).__name__
    return r
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC), minv=(3, 11))

case("except_star_in_generator_throw", """
def gen():
    try:
        yield 1
    except* KeyError:
        yield "handled"
def f():
    it = gen(); next(it)
    return it.throw(ExceptionGroup("g", [KeyError()]))
mon.use_tool_id(1, "a"); rec(1, %s | E.PY_THROW | E.PY_YIELD)
mon.set_events(1, %s | E.PY_THROW | E.PY_YIELD)
run(f)
""" % (EXC, EXC), minv=(3, 11))

case("except_star_nested_in_finally", """
def f():
    r = []
    try:
        try:
            raise ExceptionGroup("eg", [ValueError(1)])
        except* ValueError:
            r.append("v")
        finally:
            r.append("fin")
    except Exception:
        r.append("outer")
    return r
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC), minv=(3, 11))

case("exception_in_except_context_chain", """
def f():
    try:
        try:
            raise KeyError("a")
        except KeyError:
            raise ValueError("b")
    except ValueError as e:
        return rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, %s)
mon.set_events(1, %s)
run(f)
""" % (EXC, EXC))

case("raise_from_none_in_handler", """
def f():
    try:
        {}["x"]
    except KeyError:
        raise ValueError("v") from None
def main():
    try:
        f()
    except ValueError as e:
        return e.__suppress_context__
mon.use_tool_id(1, "a"); rec(1, %s | E.CALL | E.C_RETURN | E.C_RAISE)
mon.set_events(1, %s | E.CALL | E.C_RETURN | E.C_RAISE)
run(main)
""" % (EXC, EXC))

# ----------------------------------------------------------------------
# RecursionError in callbacks; deep recursion

case("recursion_error_in_callback_near_limit", """
def deep(n):
    if n == 0:
        return 0
    return deep(n - 1) + 1
def cbrec(k):
    return cbrec(k + 1)
def hook(n, args):
    if n == "PY_START" and args[0] is leaf.__code__:
        try:
            cbrec(0)
        except RecursionError:
            note("recursion in callback caught")
def leaf():
    return 1
def f():
    return leaf() + deep(20)
mon.use_tool_id(1, "a"); rec(1, E.PY_START, hook=hook)
mon.set_local_events(1, leaf.__code__, E.PY_START)
run(f)
mon.set_local_events(1, leaf.__code__, 0)
""")

case("recursion_error_escapes_callback", """
def cbrec(k):
    return cbrec(k + 1)
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__:
        cbrec(0)
def f():
    x = 1
    return x
def main():
    try:
        return f()
    except RecursionError:
        return "RE"
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.PY_UNWIND | E.EXCEPTION_HANDLED, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE); mon.set_events(1, E.PY_UNWIND | E.EXCEPTION_HANDLED)
run(main)
mon.set_local_events(1, f.__code__, 0); mon.set_local_events(1, main.__code__, 0)
""")

case("recursion_error_in_monitored_code_then_events_resume", """
def r(n):
    return r(n + 1)
def g():
    x = 1
    return x
def f():
    try:
        r(0)
    except RecursionError:
        pass
    return g()
kinds = {}
def hook(n, args):
    if args[0] is r.__code__:
        out.pop()
        kinds[n] = 1
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_UNWIND | E.LINE | E.PY_RETURN | E.EXCEPTION_HANDLED, hook=hook)
mon.set_events(1, E.PY_START | E.PY_UNWIND | E.LINE | E.PY_RETURN | E.EXCEPTION_HANDLED)
run(f)
note("r kinds", str(sorted(kinds)))
""")

case("deep_recursion_event_counts", """
import sys as _s
_s.setrecursionlimit(3000)
def r(n):
    if n == 0:
        return 0
    return r(n - 1) + 1
counts = {}
def hook(n, args):
    out.pop()
    counts[n] = counts.get(n, 0) + 1
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.LINE | E.CALL, hook=hook)
mon.set_local_events(1, r.__code__, E.PY_START | E.PY_RETURN | E.LINE | E.CALL)
run(r, 800)
note("counts", str(sorted(counts.items())))
mon.set_local_events(1, r.__code__, 0)
""")

case("deep_recursion_disable_line_at_depth", """
import sys as _s
_s.setrecursionlimit(3000)
def r(n):
    if n == 0:
        return 0
    return r(n - 1) + 1
counts = {}
def hook(n, args):
    out.pop()
    counts[n] = counts.get(n, 0) + 1
def ret(n, args):
    if n == "LINE" and sys._getframe(2).f_locals.get("n") == 300:
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE, hook=hook, ret=ret)
mon.set_local_events(1, r.__code__, E.PY_START | E.LINE)
run(r, 500)
note("counts", str(sorted(counts.items())))
mon.set_local_events(1, r.__code__, 0)
""")

case("deep_recursion_unwind_counts", """
import sys as _s
_s.setrecursionlimit(3000)
def r(n):
    if n == 0:
        raise KeyError("bottom")
    return r(n - 1)
counts = {}
def hook(n, args):
    out.pop()
    counts[n] = counts.get(n, 0) + 1
def main():
    try:
        r(400)
    except KeyError:
        return "caught"
mon.use_tool_id(1, "a"); rec(1, E.PY_UNWIND | E.RAISE | E.RERAISE, hook=hook)
mon.set_events(1, E.PY_UNWIND | E.RAISE | E.RERAISE)
run(main)
note("counts", str(sorted(counts.items())))
mon.set_local_events(1, r.__code__, 0)
""")

# ----------------------------------------------------------------------
# Lambdas, nested functions and genexprs with local events

case("local_events_lambda_called_from_map", """
def f():
    lam = lambda v: v + 1
    return list(map(lam, [1, 2])), lam(5)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.LINE)
lam_code = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
mon.set_local_events(1, lam_code, E.PY_START | E.PY_RETURN | E.LINE)
run(f)
mon.set_local_events(1, lam_code, 0)
""")

case("local_events_nested_def_in_loop_same_code", """
def f():
    fs = []
    for i in range(3):
        def inner(k=i):
            return k * 2
        fs.append(inner)
    return [g() for g in fs][0] + fs[1]() + fs[2]()
inner_code = [c for c in f.__code__.co_consts if hasattr(c, "co_code") and c.co_name == "inner"][0]
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN)
mon.set_local_events(1, inner_code, E.PY_START | E.PY_RETURN)
run(f)
mon.set_local_events(1, inner_code, 0)
""")

case("local_events_genexpr_disable_per_line", """
def f():
    a = sum(x for x in range(4) if x % 2)
    b = sum(x for x in range(4) if x % 2)
    return a + b
gcodes = [c for c in f.__code__.co_consts if hasattr(c, "co_code")]
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.BRANCH_LEFT | E.BRANCH_RIGHT,
    ret=lambda n, a: mon.DISABLE if n == "LINE" else None)
for c in gcodes:
    mon.set_local_events(1, c, E.LINE | E.PY_YIELD | E.BRANCH_LEFT | E.BRANCH_RIGHT)
run(f)
run(f)
for c in gcodes:
    mon.set_local_events(1, c, 0)
""")

case("local_events_closure_cell_code", """
def make():
    count = 0
    def inc():
        nonlocal count
        count += 1
        return count
    return inc
inc = make()
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, inc.__code__, E.LINE | E.PY_RETURN)
def f():
    return inc() + inc()
run(f)
inc2 = make()
run(inc2)
mon.set_local_events(1, inc.__code__, 0)
""")

case("local_events_lambda_raising_in_key", """
def f():
    try:
        return sorted([1, "a"], key=lambda v: v + 1)
    except TypeError:
        return "TE"
lam = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.RAISE | E.PY_UNWIND | E.PY_RETURN)
mon.set_local_events(1, lam, E.PY_START | E.PY_RETURN); mon.set_events(1, E.PY_UNWIND | E.RAISE)
run(f)
mon.set_local_events(1, lam, 0)
""")

case("local_events_nested_genexpr_inner_only", """
def f():
    return list(list(y for y in range(x)) for x in range(3))
outer = [c for c in f.__code__.co_consts if hasattr(c, "co_code")][0]
inner = [c for c in outer.co_consts if hasattr(c, "co_code")][0]
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_YIELD | E.PY_RETURN)
mon.set_local_events(1, inner, E.PY_START | E.PY_YIELD | E.PY_RETURN)
run(f)
mon.set_local_events(1, inner, 0)
""")

# ----------------------------------------------------------------------
# __code__ assignment and code.replace while monitored

case("code_assigned_from_own_callback", """
def g():
    a = 1
    b = 2
    return a + b
def other():
    return 100
orig = g.__code__
def hook(n, args):
    if n == "LINE" and args[0] is orig and args[1] == 3:
        g.__code__ = other.__code__
def f():
    return g(), g()
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
run(f)
g.__code__ = orig
""")

case("code_replace_local_events_not_carried", """
def g():
    x = 1
    return x
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START)
mon.set_local_events(1, g.__code__, E.LINE | E.PY_START)
new = g.__code__.replace(co_consts=g.__code__.co_consts)
note("same", new is g.__code__, mon.get_local_events(1, new))
h = type(g)(new, globals(), "h")
run(h)
run(g)
mon.set_local_events(1, g.__code__, 0)
""")

case("code_replace_after_disable", """
def g():
    x = 1
    return x
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, E.LINE)
run(g)
run(g)
g2 = type(g)(g.__code__.replace(co_name="g2"), globals(), "g2")
run(g2)
run(g)
mon.restart_events()
run(g)
""")

case("function_type_shares_code_disable", """
def g():
    x = 1
    return x
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START, ret=lambda n, a: mon.DISABLE if n == "LINE" else None)
mon.set_local_events(1, g.__code__, E.LINE | E.PY_START)
h = type(g)(g.__code__, globals(), "h")
run(g)
run(h)
mon.set_local_events(1, g.__code__, 0)
""")

case("exec_function_code_directly", """
def g():
    x = 1
    y = x
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, g.__code__, E.LINE | E.PY_START | E.PY_RETURN)
exec(g.__code__, {})
note("exec done")
run(g)
mon.set_local_events(1, g.__code__, 0)
""")

case("code_swapped_while_generator_suspended", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
def gen2():
    yield "new"
def f():
    it = gen()
    a = next(it)
    gen.__code__ = gen2.__code__
    b = next(it)
    c = list(gen())
    return a, b, c
orig = gen.__code__
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD | E.PY_START)
mon.set_local_events(1, orig, E.LINE | E.PY_RESUME | E.PY_YIELD)
mon.set_local_events(1, gen2.__code__, E.PY_START | E.PY_YIELD)
run(f)
gen.__code__ = orig
mon.set_local_events(1, orig, 0); mon.set_local_events(1, gen2.__code__, 0)
""")

case("code_replace_then_set_local_events_on_both", """
def g(v):
    if v:
        return 1
    return 0
g2 = type(g)(g.__code__.replace(co_name="g2"), globals(), "g2")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT)
mon.set_local_events(1, g.__code__, E.LINE)
mon.set_local_events(1, g2.__code__, E.BRANCH_LEFT | E.BRANCH_RIGHT)
run(g, 1); run(g2, 1); run(g, 0); run(g2, 0)
note("ev", mon.get_local_events(1, g.__code__), mon.get_local_events(1, g2.__code__))
mon.set_local_events(1, g.__code__, 0); mon.set_local_events(1, g2.__code__, 0)
""")

case("code_assigned_between_calls_global_events", """
def a():
    return "a"
def b():
    x = "b"
    return x
def f():
    r = [a()]
    a.__code__ = b.__code__
    r.append(a())
    return r
orig = a.__code__
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN)
mon.set_events(1, E.PY_START | E.PY_RETURN)
mon.set_local_events(1, b.__code__, E.LINE)
run(f)
a.__code__ = orig
mon.set_local_events(1, b.__code__, 0)
""")

# ----------------------------------------------------------------------
# Threads started while events change

case("thread_starts_while_main_toggles_events", """
import threading
def work(n):
    s = 0
    for i in range(n):
        s += i
    return s
res = []
def body():
    res.append(work(3))
def f():
    mon.set_events(1, E.PY_START | E.PY_RETURN)
    t = threading.Thread(target=body)
    t.start()
    t.join()
    mon.set_events(1, 0)
    t = threading.Thread(target=body)
    t.start()
    t.join()
    mon.set_events(1, E.LINE)
    t = threading.Thread(target=body)
    t.start()
    t.join()
    mon.set_events(1, 0)
    return res
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.LINE)
run(f)
""")

case("thread_sets_local_events_on_main_code", """
import threading
def work():
    x = 1
    return x
def other():
    mon.set_local_events(1, work.__code__, E.LINE | E.PY_RETURN)
def f():
    r = [work()]
    t = threading.Thread(target=other)
    t.start(); t.join()
    r.append(work())
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")

case("thread_started_inside_generator_callback", """
import threading
def work():
    return 5
def gen():
    yield 1
    yield 2
res = []
def hook(n, args):
    if n == "PY_YIELD":
        t = threading.Thread(target=lambda: res.append(work()))
        t.start(); t.join()
def f():
    return list(gen()), res
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.PY_START, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_YIELD)
mon.set_local_events(1, work.__code__, E.PY_START)
run(f)
mon.set_local_events(1, gen.__code__, 0); mon.set_local_events(1, work.__code__, 0)
""")

case("thread_frees_tool_while_main_generator_suspended", """
import threading
def gen():
    x = 1
    yield x
    x = 2
    yield x
def f():
    it = gen()
    a = next(it)
    t = threading.Thread(target=lambda: mon.free_tool_id(1))
    t.start(); t.join()
    b = next(it)
    return a, b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.PY_RESUME)
mon.set_local_events(1, gen.__code__, E.LINE | E.PY_YIELD | E.PY_RESUME)
run(f)
""")

case("thread_with_settrace_and_local_events", """
import threading
def work():
    x = 1
    return x
def body():
    sys.settrace(tr)
    work()
    sys.settrace(None)
def tr(frame, event, arg):
    if frame.f_code is work.__code__:
        out.append(("TR", event, frame.f_lineno))
    return tr
def f():
    t = threading.Thread(target=body)
    t.start(); t.join()
    return work()
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START)
mon.set_local_events(1, work.__code__, E.LINE | E.PY_START)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")
