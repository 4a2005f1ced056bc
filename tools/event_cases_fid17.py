"""More cases of tools/event_cases.py (session 17, fid17).

Same form as event_cases_data.py.  exec/eval'd code and class bodies,
set_events/set_local_events and free/clear_tool_id from callbacks of
the exception and generator events (PY_UNWIND, PY_THROW, RERAISE,
STOP_ITERATION, C_RAISE, INSTRUCTION), DISABLE from INSTRUCTION and
from the events that refuse it, callbacks raising inside generators,
`with` bodies and `finally` blocks, a tracer or profiler set and unset
from frame-event callbacks, f_lineno jumps from LINE callbacks (in
loops, generators, refused ones), STOP_ITERATION from the consumers of
generators, RecursionError inside monitored code, threads with local
events, deep try/finally with return/break/continue.
(List, set and dict comprehensions are left out on purpose: they are
frames of their own before 3.12, docs/differences.md.)
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# exec / eval'd code (its own file name, "<ex>"; its <module> recorded)

EXREC = """
def exrec(tool, mask, ret=None):
    for ev, evname in NAMES.items():
        if not (mask & ev):
            continue
        def cb(*args, evname=evname):
            if args[0].co_filename not in ("<ex>", "<prog>") or args[0].co_name == "<module>" and args[0].co_filename == "<prog>":
                return None
            out.append(("t%d" % tool, evname) + _fmt(evname, args))
            if ret is not None:
                return ret(evname, args)
        mon.register_callback(tool, ev, cb)
"""

case("exec_module_code_events", EXREC + """
SRC = '''
a = 1
for i in range(2):
    a += len("x" * i)
def h(v):
    return v * 2
b = h(a)
'''
def f():
    ns = {}
    exec(compile(SRC, "<ex>", "exec"), ns)
    return ns["b"]
mon.use_tool_id(1, "a"); exrec(1, ALL); mon.set_events(1, ALL)
run(f); run(f)
""")

case("exec_raises_caught_outside", EXREC + """
SRC = '''
x = 1
try:
    y = 1 / 0
except ZeroDivisionError:
    y = 2
z = [][1]
'''
def f():
    try:
        exec(compile(SRC, "<ex>", "exec"), {})
    except IndexError as e:
        return "idx"
mon.use_tool_id(1, "a"); exrec(1, ALL); mon.set_events(1, ALL)
run(f); run(f)
""")

case("eval_expression_calls", EXREC + """
def f(n):
    co = compile("len(s) + abs(n) + (lambda q: q)(n)", "<ex>", "eval")
    return eval(co, {"s": "abc", "n": n})
mon.use_tool_id(1, "a"); exrec(1, ALL); mon.set_events(1, ALL)
run(f, -2); run(f, 3)
""")

case("exec_local_events_on_code", EXREC + """
co = compile("a = 1\\nb = a + 1\\nc = len(str(b))\\n", "<ex>", "exec")
def f():
    exec(co, {})
    return 1
mon.use_tool_id(1, "a"); exrec(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, co, E.LINE | E.CALL)
run(f)
mon.set_local_events(1, co, E.PY_START | E.PY_RETURN)
run(f)
mon.set_local_events(1, co, 0)
run(f)
""")

case("exec_line_disable_then_again", EXREC + """
co = compile("a = 1\\nfor i in range(3):\\n    a += i\\nb = a\\n", "<ex>", "exec")
def f():
    exec(co, {})
    return 1
mon.use_tool_id(1, "a")
exrec(1, E.LINE | E.PY_START | E.BRANCH_LEFT | E.BRANCH_RIGHT if hasattr(E, "BRANCH_LEFT") else E.LINE | E.PY_START,
      ret=lambda n, a: mon.DISABLE if n in ("LINE", "BRANCH_LEFT") else None)
mon.set_events(1, E.LINE | E.PY_START)
run(f); run(f)
mon.restart_events()
run(f)
""")

case("exec_inside_callback_not_monitored", EXREC + """
co = compile("a = 1\\nb = len('x')\\n", "<ex>", "exec")
def hook(n, a):
    if n == "PY_START" and a[0].co_name == "f":
        exec(co, {})
def f():
    x = 1
    return x
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE, hook=hook)
mon.use_tool_id(2, "b"); exrec(2, E.PY_START | E.LINE | E.CALL)
mon.set_events(1, E.PY_START | E.LINE)
mon.set_events(2, E.PY_START | E.LINE | E.CALL)
run(f)
""")

# ----------------------------------------------------------------------
# Class bodies, lambdas

case("class_body_events_and_disable", """
def make(k):
    class C:
        x = k
        if k:
            y = len("ab")
        else:
            y = 0
        def m(self):
            return self.x
    return C().m()
mon.use_tool_id(1, "a")
rec(1, E.PY_START | E.PY_RETURN | E.LINE | E.CALL,
    ret=lambda n, a: mon.DISABLE if n == "PY_START" and a[0].co_name == "C" else None)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.LINE | E.CALL)
run(make, 1); run(make, 0)
""")

case("class_body_raises", """
def make():
    class C:
        a = 1
        b = 1 / 0
    return C
def f():
    try:
        make()
    except ZeroDivisionError:
        return "z"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("init_subclass_and_class_decorator", """
class Base:
    def __init_subclass__(cls, **kw):
        cls.tag = len(cls.__name__)
def deco(c):
    c.z = 1
    return c
def f():
    @deco
    class D(Base):
        q = 2
    return D.tag + D.z
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.CALL | E.LINE); mon.set_events(1, E.PY_START | E.PY_RETURN | E.CALL | E.LINE)
run(f)
""")

case("lambda_chain_and_defaults", """
def f():
    g = lambda a, b=len("xy"): (lambda c: c + a + b)(a)
    h = lambda: 1 / 0
    try:
        h()
    except ZeroDivisionError:
        pass
    return g(1), list(map(lambda v: v * g(v), (1, 2)))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# Events changed and tools freed from callbacks of exception/generator
# events

_BODY_EXC = """
def inner():
    yield 1
    raise KeyError("k")
def g():
    try:
        yield 0
    finally:
        pass
def work():
    it = g(); next(it)
    try:
        it.throw(ValueError("v"))
    except ValueError:
        pass
    try:
        for v in inner():
            pass
    except KeyError:
        pass
    try:
        try:
            raise IndexError
        finally:
            x = 1
    except IndexError:
        pass
    try:
        ord("ab")
    except TypeError:
        pass
    r = 0
    for v in inner2():
        r += v
    return r
def inner2():
    yield 1
    yield 2
"""
_EXC_EVENTS = "E.PY_START | E.PY_UNWIND | E.PY_THROW | E.RERAISE | E.RAISE | E.STOP_ITERATION | E.C_RAISE | E.C_RETURN | E.EXCEPTION_HANDLED | E.LINE | E.CALL"
for _ev in ("PY_UNWIND", "PY_THROW", "RERAISE", "STOP_ITERATION", "C_RAISE"):
    for _act, _code in (
            ("set_events_off", "mon.set_events(1, E.PY_START | E.RAISE)"),
            ("set_events_more", "mon.set_events(1, %s | E.PY_RETURN | E.PY_YIELD)" % _EXC_EVENTS),
            ("local_off", "mon.set_local_events(1, work.__code__, E.LINE)"),
            ("free", "mon.free_tool_id(1)"),
            ("clear", "mon.clear_tool_id(1)")):
        case("from_%s_%s" % (_ev, _act), _BODY_EXC + """
done_it = [False]
def hook(n, a):
    if n == %r and not done_it[0]:
        done_it[0] = True
        note("act")
        %s
mon.use_tool_id(1, "a"); rec(1, %s | E.PY_RETURN | E.PY_YIELD, hook=hook)
mon.set_events(1, %s)
run(work)
note("second")
run(work)
""" % (_ev, _code, _EXC_EVENTS, _EXC_EVENTS))

# ----------------------------------------------------------------------
# INSTRUCTION: DISABLE, set_events from it, raising from it

_ILAST = """
last = [None]
def on_instr(code, off):
    if not mine(code):
        return
    ln = line_of(code, off)
    if ln is not None and (code.co_name, ln) != last[0]:
        last[0] = (code.co_name, ln)
        out.append(("t1", "INSTRUCTION", code.co_name, ln))
"""

case("instruction_disable_keeps_line", _ILAST + """
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
def on_i(code, off):
    on_instr(code, off)
    return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.register_callback(1, E.INSTRUCTION, on_i)
mon.set_events(1, E.LINE | E.INSTRUCTION)
run(f, 3); last[0] = None; run(f, 2)
mon.restart_events(); last[0] = None; run(f, 1)
""", minv=(3, 8))

case("instruction_disable_two_tools", _ILAST + """
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
cnt = [0]
def on_i2(code, off):
    if mine(code):
        cnt[0] += 1
def on_i(code, off):
    on_instr(code, off)
    return mon.DISABLE
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
mon.register_callback(1, E.INSTRUCTION, on_i)
mon.register_callback(2, E.INSTRUCTION, on_i2)
mon.set_events(1, E.INSTRUCTION); mon.set_events(2, E.INSTRUCTION)
run(f, 2); last[0] = None; run(f, 2)
a = cnt[0]; note("second tool counted", a > 0)
mon.set_events(2, 0); cnt[0] = 0
run(f, 2); note("after off", cnt[0])
""")

case("instruction_off_from_instruction", _ILAST + """
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
def on_i(code, off):
    if mine(code) and line_of(code, off) == 4:
        on_instr(code, off)
        mon.set_events(1, E.LINE)
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.register_callback(1, E.INSTRUCTION, on_i)
mon.set_events(1, E.LINE | E.INSTRUCTION)
run(f, 3)
""")

case("instruction_callback_raises", _ILAST + """
def f(n):
    t = 0
    try:
        for i in range(n):
            t += i
    except KeyError:
        t = -1
    return t
fired = [False]
def on_i(code, off):
    if mine(code) and line_of(code, off) == 6 and not fired[0]:
        fired[0] = True
        on_instr(code, off)
        raise KeyError("i")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
mon.register_callback(1, E.INSTRUCTION, on_i)
mon.set_events(1, E.LINE | E.INSTRUCTION | E.RAISE | E.EXCEPTION_HANDLED)
run(f, 3); run(f, 2)
""")

case("instruction_local_in_generator", _ILAST + """
def gen():
    a = 1
    yield a
    b = a + 1
    yield b
def f():
    return sum(gen())
mon.use_tool_id(1, "a")
mon.register_callback(1, E.INSTRUCTION, on_instr)
rec(1, E.PY_YIELD | E.PY_RESUME)
mon.set_local_events(1, gen.__code__, E.INSTRUCTION | E.PY_YIELD | E.PY_RESUME)
run(f)
""")

# ----------------------------------------------------------------------
# Callbacks that raise inside generators, with-bodies and finally blocks

case("py_yield_callback_raises_stopiteration", """
def gen():
    yield 1
    yield 2
def f():
    try:
        return list(gen())
    except RuntimeError as e:
        return "rt:" + type(e.__cause__).__name__
    except StopIteration:
        return "si"
def hook(n, a):
    if n == "PY_YIELD" and a[0].co_name == "gen":
        raise StopIteration
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f)
""")

case("py_resume_callback_raises_in_generator", """
def gen():
    try:
        yield 1
        yield 2
    except KeyError:
        yield -1
def f():
    it = gen()
    a = next(it)
    b = next(it)
    c = next(it, None)
    return a, b, c
n = [0]
def hook(n_, a):
    if n_ == "PY_RESUME" and a[0].co_name == "gen":
        n[0] += 1
        if n[0] == 1:
            raise KeyError("r")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f)
""")

case("line_callback_raises_in_suppressing_with", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return t is KeyError
def f():
    with S():
        a = 1
        b = 2
    c = 3
    return c
n = [0]
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 4:
        n[0] += 1
        if n[0] == 1:
            raise KeyError("w")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

case("line_callback_raises_in_finally_body", """
def f():
    try:
        try:
            raise ValueError("orig")
        finally:
            z = 1
    except Exception as e:
        return type(e).__name__, type(e.__context__).__name__
n = [0]
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 6:
        n[0] += 1
        if n[0] == 1:
            raise KeyError("fin")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

case("py_throw_callback_raises", """
def gen():
    try:
        yield 1
    except ValueError:
        yield 2
    yield 3
def f():
    it = gen(); next(it)
    try:
        return it.throw(ValueError)
    except KeyError:
        return "k", next(it, "end")
n = [0]
def hook(n_, a):
    if n_ == "PY_THROW":
        n[0] += 1
        if n[0] == 1:
            raise KeyError("t")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

case("stop_iteration_callback_raises", """
def gen():
    yield 1
def f():
    t = 0
    try:
        for v in gen():
            t += v
    except KeyError:
        t = -1
    return t
n = [0]
def hook(n_, a):
    if n_ == "STOP_ITERATION":
        n[0] += 1
        if n[0] == 1:
            raise KeyError("s")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

case("py_unwind_callback_raises", """
def g():
    raise ValueError("v")
def f():
    try:
        g()
    except Exception as e:
        return type(e).__name__, type(e.__context__).__name__
n = [0]
def hook(n_, a):
    if n_ == "PY_UNWIND" and a[0].co_name == "g":
        n[0] += 1
        if n[0] == 1:
            raise KeyError("u")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

case("reraise_callback_raises", """
def f():
    try:
        try:
            raise ValueError("v")
        except ValueError:
            raise
    except Exception as e:
        return type(e).__name__
n = [0]
def hook(n_, a):
    if n_ == "RERAISE" and a[0].co_name == "f":
        n[0] += 1
        if n[0] == 1:
            raise KeyError("rr")
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f); run(f)
""")

# ----------------------------------------------------------------------
# A tracer or profiler set/unset from frame-event callbacks

TRACE = """
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and frame.f_code.co_name != "<module>":
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and frame.f_code.co_name != "<module>":
        note("prof", event, frame.f_code.co_name)
"""

for _ev in ("PY_START", "PY_RETURN", "PY_YIELD", "PY_RESUME"):
    for _what in ("settrace", "setprofile"):
        case("%s_from_%s" % (_what, _ev), TRACE + """
def gen():
    a = 1
    yield a
    b = 2
    yield b
def callee():
    x = 1
    return x
def f():
    t = 0
    for v in gen():
        t += v
    callee()
    return t
state = [0]
def hook(n, a):
    if n == %r and a[0].co_name in ("gen", "callee"):
        state[0] += 1
        if state[0] == 1:
            sys.%s(%s)
        elif state[0] == 3:
            sys.%s(None)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.LINE, hook=hook)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.LINE)
run(f); sys.settrace(None); sys.setprofile(None)
run(f); sys.settrace(None); sys.setprofile(None)
""" % (_ev, _what, "tr" if _what == "settrace" else "prof", _what))

case("tracer_returns_none_local", """
def tr(frame, event, arg):
    if frame.f_code.co_name == "f":
        note("tr", event, frame.f_lineno)
        return None
    return tr
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
sys.settrace(tr); run(f); run(f); sys.settrace(None)
""")

case("f_trace_lines_off_and_opcodes", """
def tr(frame, event, arg):
    if frame.f_code.co_name == "f":
        if event == "call":
            frame.f_trace_lines = False
        note("tr", event)
    return tr
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None); run(f)
""")

# ----------------------------------------------------------------------
# f_lineno jumps from LINE callbacks

case("f_lineno_backward_in_loop", """
def f():
    t = 0
    for i in range(2):
        t += 1
        t += 10
    return t
n = [0]
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 6:
        n[0] += 1
        if n[0] == 1:
            sys._getframe(2).f_lineno = 5
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.BRANCH_LEFT | E.BRANCH_RIGHT if hasattr(E, "BRANCH_LEFT") else E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f); run(f)
""")

case("f_lineno_skip_call", """
def g():
    return 5
def f():
    a = 1
    a = g()
    a += 2
    return a
n = [0]
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 6:
        n[0] += 1
        if n[0] == 1:
            sys._getframe(2).f_lineno = 7
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
run(f); run(f)
""")

case("f_lineno_in_generator", """
def gen():
    a = 1
    yield a
    a = 2
    a = 3
    yield a
def f():
    return list(gen())
n = [0]
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "gen" and a[1] == 5:
        n[0] += 1
        if n[0] == 1:
            sys._getframe(2).f_lineno = 6
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
run(f); run(f)
""")

case("f_lineno_refused_into_block", """
def f():
    a = 1
    for i in range(1):
        a = 2
    return a
res = []
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 3:
        try:
            sys._getframe(2).f_lineno = 5
        except ValueError as e:
            note("refused", str(e)[:25])
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

case("f_lineno_out_of_range", """
def f():
    a = 1
    return a
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 3:
        fr = sys._getframe(2)
        for target in (1, 99):
            try:
                fr.f_lineno = target
            except ValueError as e:
                note("refused", target)
        try:
            fr.f_lineno = "x"
        except (ValueError, TypeError) as e:
            note("refused-type", type(e).__name__)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

# ----------------------------------------------------------------------
# STOP_ITERATION from the consumers of generators

case("stop_iteration_consumers", """
def gen(n):
    for i in range(n):
        yield i
def f():
    a = sum(gen(2))
    b = tuple(gen(1))
    c = dict.fromkeys(gen(1))
    d = "".join(map(str, gen(2)))
    e = sorted(gen(2))
    g = 1 in gen(3)
    h = 5 in gen(1)
    i = max(gen(2))
    j = any(v > 5 for v in gen(2))
    k = list(enumerate(gen(1)))
    return a, b, c, d, e, g, h, i, j, k
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE)
run(f)
""")

case("stop_iteration_next_default_and_send", """
def gen():
    x = yield 1
    return x
def f():
    it = gen()
    next(it)
    try:
        it.send(7)
    except StopIteration as e:
        a = e.value
    b = next(gen(), "d")
    it = gen(); next(it)
    c = next(it, "d2")
    return a, b, c
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("stop_iteration_class_iterator", """
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
def f():
    t = 0
    for v in It():
        t += v
    return t + sum(It())
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.RAISE | E.PY_UNWIND | E.EXCEPTION_HANDLED)
mon.set_events(1, E.STOP_ITERATION | E.RAISE | E.PY_UNWIND | E.EXCEPTION_HANDLED)
run(f)
""")

case("stop_iteration_await_chain", """
import types
@types.coroutine
def sus():
    yield "s"
async def leaf():
    await sus()
    return 3
async def mid():
    return await leaf() + 1
def f():
    c = mid()
    a = c.send(None)
    try:
        c.send(None)
    except StopIteration as e:
        return a, e.value
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE)
run(f)
""")

# ----------------------------------------------------------------------
# Generators: throw/close variants

case("throw_stopiteration_instance", """
def gen():
    yield 1
    yield 2
def f():
    it = gen(); next(it)
    try:
        it.throw(StopIteration("x"))
    except RuntimeError as e:
        return "rt", type(e.__cause__).__name__
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("close_inner_returns_on_exit", """
def inner():
    try:
        yield 1
    except GeneratorExit:
        return 5
def outer():
    r = yield from inner()
    yield r
def f():
    it = outer(); next(it)
    try:
        it.close()
    except RuntimeError as e:
        return "rt"
    return "closed"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("genexpr_nested_raises", """
def f():
    try:
        return sum(sum(1 // (x - y) for y in range(2)) for x in range(3))
    except ZeroDivisionError:
        return "z"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("throw_into_with_in_generator_suppressed", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return True
def gen():
    with S():
        yield 1
    with S():
        yield 2
    yield 3
def f():
    it = gen(); next(it)
    a = it.throw(KeyError)
    b = it.throw(ValueError)
    it.close()
    return a, b
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("async_with_aexit_suppresses", """
import asyncio
class A:
    async def __aenter__(self):
        return self
    async def __aexit__(self, t, v, tb):
        return t is KeyError
async def co():
    async with A():
        raise KeyError("k")
    async with A():
        x = 1
    return 2
def f():
    return asyncio.run(co())
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.RAISE | E.EXCEPTION_HANDLED | E.LINE | E.PY_UNWIND | E.RERAISE)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.RAISE | E.EXCEPTION_HANDLED | E.LINE | E.PY_UNWIND | E.RERAISE)
run(f)
""")

case("custom_awaitable_throw", """
class Aw:
    def __await__(self):
        try:
            yield "w"
        except KeyError:
            return "caught"
        return "plain"
async def co():
    v = await Aw()
    return v
def f():
    c = co()
    c.send(None)
    try:
        c.throw(KeyError)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# RecursionError inside monitored code

case("recursion_limit_in_monitored_code", """
def down(n):
    return down(n + 1)
def f():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(80)
    try:
        down(0)
    except RecursionError:
        r = "rec"
    finally:
        sys.setrecursionlimit(old)
    return r
cnt = {}
def cb(name):
    def _cb(code, *a):
        if code.co_name == "down":
            cnt[name] = cnt.get(name, 0) + 1
    return _cb
mon.use_tool_id(1, "a")
for nm in ("PY_START", "PY_UNWIND", "RAISE"):
    mon.register_callback(1, getattr(E, nm), cb(nm))
mon.set_events(1, E.PY_START | E.PY_UNWIND | E.RAISE)
run(f)
note("same counts", cnt.get("PY_START") == cnt.get("PY_UNWIND"), cnt.get("RAISE", 0) >= 1)
run(f)
""")

# ----------------------------------------------------------------------
# Threads with local events

case("thread_local_events_own_code", """
import threading
def work(n):
    t = 0
    for i in range(n):
        t += i
    return t
def tmain():
    work(2)
def f():
    th = threading.Thread(target=tmain)
    th.start(); th.join()
    return work(1)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, work.__code__, E.LINE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("thread_events_set_from_thread", """
import threading
def work(n):
    t = 0
    for i in range(n):
        t += i
    return t
def tmain():
    mon.set_events(1, E.PY_START | E.PY_RETURN)
    work(1)
def f():
    work(1)
    th = threading.Thread(target=tmain)
    th.start(); th.join()
    work(2)
    mon.set_events(1, 0)
    return work(3)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN)
run(f)
""")

case("thread_callback_raises", """
import threading
def work():
    return 1
def tmain(res):
    try:
        work()
    except KeyError as e:
        res.append("k")
def f():
    res = []
    th = threading.Thread(target=tmain, args=(res,))
    th.start(); th.join()
    return res, work()
def hook(n, a):
    import threading as t
    if t.current_thread() is not t.main_thread():
        raise KeyError("thr")
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.PY_RETURN)
run(f)
""")

# ----------------------------------------------------------------------
# Deep try/finally with return/break/continue

case("finally_three_levels_return_override", """
def f():
    try:
        try:
            try:
                raise ValueError("a")
            finally:
                return 1
        finally:
            x = 2
    finally:
        y = 3
def g():
    for i in range(3):
        try:
            try:
                if i == 1:
                    continue
                raise KeyError
            finally:
                if i == 2:
                    break
        except KeyError:
            z = i
    return i
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f); run(g)
""")

case("finally_raise_replaces", """
def f():
    try:
        try:
            raise ValueError("a")
        finally:
            raise KeyError("b")
    except KeyError as e:
        return type(e.__context__).__name__
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("finally_with_while_else", """
def f(n):
    i = 0
    while i < n:
        try:
            i += 1
            if i == 2:
                break
        finally:
            j = i
    else:
        j = -1
    return j
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f, 1); run(f, 3)
""")

case("finally_yield_in_generator_close", """
def gen():
    try:
        try:
            yield 1
        finally:
            x = 1
    finally:
        y = 2
def f():
    it = gen(); next(it)
    it.close()
    it2 = gen(); next(it2)
    try:
        it2.throw(KeyError)
    except KeyError:
        pass
    return 1
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("with_exit_suppress_in_loop_continue", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return True
def f():
    t = 0
    for i in range(3):
        with S():
            if i == 1:
                continue
            if i == 2:
                raise KeyError
            t += 1
    return t
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# More: INSTRUCTION beside a tracer's opcodes, tools changed from
# INSTRUCTION, DISABLEd lines jumped to, callbacks unregistered from
# their own event

case("instruction_with_trace_opcodes", _ILAST + """
def tr(frame, event, arg):
    if frame.f_code.co_name == "f":
        frame.f_trace_opcodes = True
        if event == "line":
            note("tr", event, frame.f_lineno)
    return tr
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.register_callback(1, E.INSTRUCTION, on_instr)
mon.set_events(1, E.LINE | E.INSTRUCTION)
sys.settrace(tr); run(f, 2); sys.settrace(None)
last[0] = None; run(f, 1)
""")

case("free_tool_from_instruction_in_generator", _ILAST + """
def gen():
    a = 1
    yield a
    b = 2
    yield b
def f():
    return list(gen())
def on_i(code, off):
    on_instr(code, off)
    if mine(code) and line_of(code, off) == code.co_firstlineno + 3:
        mon.free_tool_id(1)
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.PY_RESUME | E.LINE)
mon.register_callback(1, E.INSTRUCTION, on_i)
mon.set_events(1, E.INSTRUCTION | E.PY_YIELD | E.PY_RESUME | E.LINE)
run(f)
mon.use_tool_id(1, "b"); rec(1, E.PY_YIELD)
mon.set_events(1, E.PY_YIELD)
run(f)
""")

case("f_lineno_jump_to_disabled_line", """
def f():
    t = 0
    t += 1
    t += 10
    return t
n = [0]
def ret(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 4:
        return mon.DISABLE
def hook(n_, a):
    if n_ == "LINE" and a[0].co_name == "f" and a[1] == 5:
        n[0] += 1
        if n[0] == 1:
            sys._getframe(2).f_lineno = 4
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook, ret=ret)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f); run(f)
""")

case("register_callback_none_from_own_event", """
def f():
    a = len("x")
    b = len("yy")
    return a + b
def hook(n_, a):
    if n_ == "CALL":
        mon.register_callback(1, E.CALL, None)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.LINE | E.C_RETURN | E.C_RAISE, hook=hook)
mon.set_events(1, E.CALL | E.LINE | E.C_RETURN | E.C_RAISE)
run(f); run(f)
""")

case("set_local_events_from_c_return_of_other_code", """
def g():
    return len("ab")
def f():
    a = len("x")
    b = g()
    return a + b
def hook(n_, a):
    if n_ == "C_RETURN" and a[0].co_name == "f":
        mon.set_local_events(1, g.__code__, E.LINE | E.PY_START | E.CALL | E.C_RETURN | E.C_RAISE)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.LINE | E.PY_START | E.C_RETURN | E.C_RAISE, hook=hook)
mon.set_local_events(1, f.__code__, E.CALL | E.C_RETURN | E.C_RAISE)
run(f); run(f)
mon.set_local_events(1, g.__code__, 0); mon.set_local_events(1, f.__code__, 0)
""")

case("disable_c_raise_and_c_return_raise_value_error", """
def f():
    for i in range(2):
        try:
            ord("ab")
        except TypeError:
            pass
        len("x")
    return 1
def ret(n_, a):
    if n_ in ("C_RAISE", "C_RETURN") and a[0].co_name == "f":
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE, ret=ret)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE)
run(f); run(f)
""")

case("settrace_from_py_throw_and_unwind", """
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and frame.f_code.co_name != "<module>":
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def gen():
    try:
        yield 1
    except KeyError:
        yield 2
    raise ValueError
def f():
    it = gen(); next(it)
    a = it.throw(KeyError)
    try:
        next(it)
    except ValueError:
        pass
    return a
def hook(n_, a):
    if n_ == "PY_THROW":
        sys.settrace(tr)
    if n_ == "PY_UNWIND":
        sys.settrace(None)
mon.use_tool_id(1, "a"); rec(1, E.PY_THROW | E.PY_UNWIND | E.LINE | E.PY_RESUME | E.PY_YIELD, hook=hook)
mon.set_events(1, E.PY_THROW | E.PY_UNWIND | E.LINE | E.PY_RESUME | E.PY_YIELD)
run(f); sys.settrace(None); run(f); sys.settrace(None)
""")

case("thread_set_local_events_while_other_runs", """
import threading
ev1 = threading.Event(); ev2 = threading.Event()
def work():
    t = 0
    ev1.set()
    ev2.wait(5)
    t += 1
    t += 2
    return t
def other():
    ev1.wait(5)
    mon.set_local_events(1, work.__code__, E.LINE | E.PY_RETURN)
    ev2.set()
def f():
    th = threading.Thread(target=other)
    th.start()
    r = work()
    th.join()
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_local_events(1, f.__code__, E.PY_RETURN)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")

case("exec_code_generator_and_class", EXREC + """
SRC = '''
def g():
    yield 1
    yield 2
class K:
    v = sum(g())
'''
def f():
    ns = {}
    exec(compile(SRC, "<ex>", "exec"), ns)
    return ns["K"].v
mon.use_tool_id(1, "a"); exrec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("eval_lambda_raises_in_map", EXREC + """
def f():
    fn = eval(compile("lambda v: 10 // v", "<ex>", "eval"))
    try:
        return list(map(fn, [5, 0]))
    except ZeroDivisionError:
        return "z"
mon.use_tool_id(1, "a"); exrec(1, ALL); mon.set_events(1, ALL)
run(f)
""")
