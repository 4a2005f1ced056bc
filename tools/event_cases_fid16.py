"""More cases of tools/event_cases.py (session 16, fid16).

Same form as event_cases_data.py.  The profiler beside call events
through nested C calls (a builtin calling Python calling builtins, the
profiler set or cleared inside), a profiler set mid-frame, INSTRUCTION
and JUMP in comprehensions, `match`, `with` and `async for`,
STOP_ITERATION through `yield from`, C_RETURN/C_RAISE of callables of
every kind, local events set on suspended generators' code, MISSING.
"""
from event_cases_data import case

PROF = """
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
"""

# ----------------------------------------------------------------------
# The profiler through nested C calls (one drop slot per thread)

for _extra in ("0", "E.LINE", "E.C_RETURN | E.C_RAISE"):
    _tag = {"0": "plain", "E.LINE": "line"}.get(_extra, "cevents")
    case("nested_c_calls_profiler_" + _tag, PROF + """
def inner(v):
    return len(str(v)) + abs(-v)
def f():
    a = list(map(inner, [1, 22]))
    b = sorted([3, 1, 2], key=inner)
    c = max(map(inner, [5]), default=0)
    return a, b, c
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
sys.setprofile(prof); run(f); sys.setprofile(None)
run(f)
sys.setprofile(prof); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    case("nested_c_calls_profiler_set_in_callee_" + _tag, PROF + """
def inner(v):
    if v == 22:
        sys.setprofile(prof)
    return len(str(v)) + abs(-v)
def inner_off(v):
    if v == 22:
        sys.setprofile(None)
    return len(str(v)) + abs(-v)
def f():
    a = list(map(inner, [1, 22, 3]))
    b = ord("x")
    return a, b
def g():
    a = list(map(inner_off, [1, 22, 3]))
    b = ord("y")
    return a, b
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
run(f); sys.setprofile(None)
run(f); sys.setprofile(None)
sys.setprofile(prof); run(g); sys.setprofile(None)
sys.setprofile(prof); run(g); sys.setprofile(None)
""" % (_extra, _extra))

    case("nested_c_calls_profiler_raises_" + _tag, """
class Boom(Exception):
    pass
n = [0]
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
        if event == "c_return" and getattr(arg, "__name__", "") == "abs":
            n[0] += 1
            if n[0] == 1:
                raise Boom("abs")
def inner(v):
    return abs(-v) + len("ab")
def f():
    try:
        a = list(map(inner, [1, 2]))
    except Boom:
        a = None
    b = ord("x")
    return a, b
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
sys.setprofile(prof); run(f); sys.setprofile(None)
n[0] = 0
sys.setprofile(prof); run(f); sys.setprofile(None)
""" % (_extra, _extra))

    # (d) a profiler set mid-frame, outside any call's callbacks
    case("setprofile_mid_frame_" + _tag, PROF + """
def f(on):
    a = len("ab")
    if on:
        sys.setprofile(prof)
    else:
        sys.setprofile(None)
    b = abs(-2)
    c = ord("c")
    return a + b + c
def g():
    f(1)
    x = len("xyz")
    f(0)
    return x
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
run(f, 1); sys.setprofile(None)
run(f, 1); sys.setprofile(None)
run(g); run(g); sys.setprofile(None)
sys.setprofile(prof); run(f, 0); sys.setprofile(None)
""" % (_extra, _extra))

# A profiler set outside any call of the frame (a property, a finalizer,
# an operator's method): the frame's later C calls, first one included
# (3.8-3.11: the first one's 'c_call'/'c_return' were lost on call
# probes).
for _how, _stmt in (("property", "P().on"), ("del", "p = P.__new__(P); del p"),
                    ("operator", "P() + 1")):
    for _extra, _tag in (("0", "plain"), ("E.C_RETURN | E.C_RAISE", "cevents"),
                         ("DIS", "disable")):
        _ret = "lambda n, a: mon.DISABLE if n == 'CALL' and a[2] is abs else None" \
            if _extra == "DIS" else "None"
        _ev = "0" if _extra == "DIS" else _extra
        case("setprofile_outside_call_%s_%s" % (_how, _tag), """
class Boom(Exception):
    pass
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
        if event == "c_call" and getattr(arg, "__name__", "") == "upper" and boom:
            raise Boom("c_call")
class P:
    @property
    def on(self):
        sys.setprofile(prof)
        return 1
    def __del__(self):
        sys.setprofile(prof)
    def __add__(self, o):
        sys.setprofile(prof)
        return 1
boom = False
def f(on):
    a = len("ab")
    if on:
        %s
    b = abs(-2)
    try:
        int("x")
    except ValueError:
        pass
    c = "cd".upper()
    d = str.lower("EF")
    return (a, b, c, d)
def g(on):
    x = f(on)
    y = len("xyz")
    return x
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s, ret=%s)
mon.set_events(1, E.CALL | %s)
for i in range(3):
    run(g, 0); run(g, 1); sys.setprofile(None)
boom = True
run(g, 0); run(g, 1); sys.setprofile(None)
""" % (_stmt, _ev, _ret, _ev))

# The profiler's 'c_return' of an outer C call raises after nested calls
# (a builtin calling Python calling builtins): its events end there.
for _extra, _tag in (("0", "plain"), ("E.C_RETURN | E.C_RAISE", "cevents")):
    case("profiler_raises_at_outer_c_return_" + _tag, """
class Boom(Exception):
    pass
n = [0]
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event.startswith("c_"):
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
        if event == "c_return" and getattr(arg, "__name__", "") in ("sorted", "list"):
            n[0] += 1
            if n[0] in (1, 3):
                raise Boom(arg.__name__)
def inner(v):
    return abs(-v) + len("ab")
def f():
    try:
        a = sorted([2, 1], key=inner)
    except Boom:
        a = None
    try:
        b = list(map(inner, [3]))
    except Boom:
        b = None
    return a, b, ord("x")
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
for i in range(3):
    sys.setprofile(prof); run(f); sys.setprofile(None)
""" % (_extra, _extra))

# ----------------------------------------------------------------------
# INSTRUCTION (and JUMP) in comprehensions, match, with, async for

_INSTR_BODY = """
import asyncio
class CM:
    def __enter__(self):
        return 1
    def __exit__(self, *a):
        return False
class AIt:
    def __init__(self):
        self.n = 0
    def __aiter__(self):
        return self
    async def __anext__(self):
        self.n += 1
        if self.n > 2:
            raise StopAsyncIteration
        return self.n
def comp(xs):
    # (list/dict comprehensions are inlined from 3.12 on, PEP 709)
    a = list(x * 2 for x in xs if x)
    return sum(x for x in xs), a
def matcher(v):
    match v:
        case [1, y]:
            return y
        case {"k": z}:
            return z
        case _:
            return None
def with_it():
    with CM() as c:
        d = c + 1
    return d
async def afor():
    t = 0
    async for v in AIt():
        t += v
    return t
def drive():
    return comp([0, 1, 2]), matcher([1, 5]), matcher({"k": 3}), matcher(7), with_it(), asyncio.run(afor())
"""
# (INSTRUCTION: the lines it visits, each run of one line once; the
# instructions per line are the compiler's)
_ILINES = """
last = [None]
def on_instr(code, off):
    if not mine(code):
        return
    ln = line_of(code, off)
    if ln is not None and (code.co_name, ln) != last[0]:
        last[0] = (code.co_name, ln)
        out.append(("t1", "INSTRUCTION", code.co_name, ln))
"""
for _ev in ("E.INSTRUCTION", "E.INSTRUCTION | E.LINE", "E.JUMP | E.LINE"):
    case("instruction_kinds_" + _ev.replace("E.", "").replace(" | ", "_").lower(),
         _INSTR_BODY + _ILINES + """
mon.use_tool_id(1, "a"); rec(1, %s & ~E.INSTRUCTION)
mon.register_callback(1, E.INSTRUCTION, on_instr)
mon.set_events(1, %s)
run(drive); run(drive)
""" % (_ev, _ev), minv=(3, 10))

# STOP_ITERATION from generators and `yield from`, with and without
# DISABLE
for _ret, _tag in (("None", "plain"), ("lambda n, a: mon.DISABLE if n == 'STOP_ITERATION' else None", "disable")):
    case("stop_iteration_yield_from_" + _tag, """
def inner():
    yield 1
    return 5
def outer():
    r = yield from inner()
    yield r
def drive():
    out = list(outer())
    g = outer()
    next(g); nxt = next(g)
    it = iter([1])
    a = next(it, None); b = next(it, None)
    z = list(zip(outer(), [1]))
    return out, nxt, a, b, z
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.RAISE, ret=%s)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.RAISE)
run(drive); run(drive)
""" % _ret)

# C_RETURN / C_RAISE for callables of every kind
case("c_return_callable_kinds", """
import functools
class K:
    def m(self, v):
        return v
    @staticmethod
    def s(v):
        return v
    @classmethod
    def c(cls, v):
        return v
    def __call__(self, v):
        return v
def drive():
    k = K()
    p = functools.partial(max, 1)
    pp = functools.partial(K.s, 2)
    out = [p(3), pp(), k.m(1), K.s(2), K.c(3), k(4), int("5"), str.upper("a"),
           "b".upper(), [].append(1), dict(a=1), type(k), object(), max(1, 2),
           (lambda: 1)(), getattr(k, "m")(6)]
    for f, a in ((int, "x"), (p, "y"), (str.upper, 1), (K, 1), (k.m, ())):
        try:
            f(a) if a != () else f()
        except (TypeError, ValueError) as e:
            out.append(e.__class__.__name__)
    return out
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(drive); run(drive)
""")

# sys.monitoring.MISSING as CALL's arg0, and set_local_events on the code
# of suspended generators and coroutines
case("call_arg0_missing_and_local_on_suspended", """
def gen():
    x = yield 1
    y = len("ab")
    yield x
    return y
def drive():
    g = gen()
    next(g)
    mon.set_local_events(1, gen.__code__, E.LINE | E.CALL | E.PY_RESUME | E.PY_YIELD)
    a = g.send(5)
    mon.set_local_events(1, gen.__code__, 0)
    b = next(g, "end")
    g2 = gen(); next(g2)
    mon.set_local_events(1, gen.__code__, E.PY_THROW | E.PY_UNWIND | E.RAISE)
    try:
        g2.throw(KeyError)
    except KeyError:
        pass
    mon.set_local_events(1, gen.__code__, 0)
    return a, b, print is not None, dict()
def on_call(n, a):
    if n == "CALL":
        note("arg0", a[3] is mon.MISSING)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_RESUME | E.PY_YIELD | E.PY_THROW | E.PY_UNWIND | E.RAISE, hook=on_call)
run(drive); run(drive)
""")

# The same with entry events (the callee's 'call' drops) and a tracer
for _extra, _tag in (("E.PY_START | E.C_RETURN | E.C_RAISE", "entry"),
                     ("E.PY_START | E.LINE | E.C_RETURN | E.C_RAISE", "entry_line")):
    for _tr in ("0", "1"):
        case("profiler_raises_at_outer_c_return_%s_tr%s" % (_tag, _tr), """
class Boom(Exception):
    pass
n = [0]
def prof(frame, event, arg):
    if frame.f_code.co_filename == "<prog>":
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
        if event == "c_return" and getattr(arg, "__name__", "") in ("sorted", "list"):
            n[0] += 1
            if n[0] in (1, 3, 4):
                raise Boom(arg.__name__)
def tr(frame, event, arg):
    if frame.f_code.co_filename == "<prog>" and event != "line":
        note("tr", event, frame.f_code.co_name)
    return tr
def inner2(v):
    return len(str(v))
def inner(v):
    return abs(-v) + sum(map(inner2, [v, v]))
def f():
    try:
        a = sorted([2, 1], key=inner)
    except Boom:
        a = None
    try:
        b = list(map(inner, [3]))
    except Boom:
        b = None
    return a, b, ord("x")
mon.use_tool_id(1, "a"); rec(1, E.CALL | %s)
mon.set_events(1, E.CALL | %s)
for i in range(3):
    if %s:
        sys.settrace(tr)
    sys.setprofile(prof); run(f); sys.setprofile(None); sys.settrace(None)
""" % (_extra, _extra, _tr))

# ----------------------------------------------------------------------
# Threads: threading.settrace / setprofile beside the tools' events

for _hook, _tag in (("threading.settrace(tr)", "settrace"),
                    ("threading.setprofile(pr)", "setprofile")):
    case("thread_with_threading_" + _tag, """
import threading
def tr(frame, event, arg):
    if frame.f_code.co_name == "work":
        note("tr", event, frame.f_lineno)
    return tr
def pr(frame, event, arg):
    if frame.f_code.co_name == "work" and event.startswith("c_"):
        note("pr", event, getattr(arg, "__name__", "?"))
def work(box):
    a = len("ab")
    for i in range(2):
        a += abs(-i)
    box.append(a)
def drive():
    box = []
    t = threading.Thread(target=work, args=(box,))
    t.start(); t.join()
    return box
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.PY_START | E.PY_RETURN)
%s
run(drive)
threading.settrace(None); threading.setprofile(None)
run(drive)
""" % _hook)

# f_lineno set from a LINE callback (3.12's rules: allowed in LINE and
# INSTRUCTION callbacks? no: a ValueError from a monitoring callback)
case("f_lineno_set_in_line_callback", """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def on_line(n, args):
    if n == "LINE" and args[1] == args[0].co_firstlineno + 1:
        fr = sys._getframe(2)
        try:
            fr.f_lineno = args[0].co_firstlineno + 3
            note("jumped", fr.f_lineno)
        except ValueError as e:
            note("ValueError", str(e)[:40])
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=on_line)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f); run(f)
""")

# Events switched on from inside a callback of each kind, for a frame
# already running (its later events), and off again from the next one
for _kind in ("PY_START", "LINE", "CALL", "C_RETURN", "PY_RETURN",
              "RAISE", "EXCEPTION_HANDLED", "PY_YIELD", "PY_RESUME",
              "JUMP", "BRANCH_LEFT"):
    case("events_on_from_%s" % _kind, """
def gen():
    yield len("a")
    yield 2
def f():
    x = 0
    for v in gen():
        x += v
    try:
        raise KeyError(x)
    except KeyError:
        x = abs(-x)
    if x:
        x += 1
    return x
KIND = %r
BIG = E.LINE | E.CALL | E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE | E.EXCEPTION_HANDLED | E.JUMP | E.BRANCH_LEFT | E.BRANCH_RIGHT | E.C_RETURN | E.C_RAISE
done_on = [False]
def hook(n, a):
    if n == KIND and not done_on[0]:
        done_on[0] = True
        mon.set_events(2, BIG)
        note("on", n)
mon.use_tool_id(1, "a")
ONE = getattr(E, KIND) | (E.CALL | E.C_RAISE if KIND == "C_RETURN" else 0)
rec(1, ONE, hook=hook)
mon.set_events(1, ONE)
mon.use_tool_id(2, "b"); rec(2, BIG)
run(f); mon.set_events(2, 0); done_on[0] = False
run(f); mon.set_events(2, 0)
""" % _kind)

# Events switched off from a callback of each kind (another tool's, the
# frame running), and on with a legacy tracer on the thread
for _kind in ("LINE", "CALL", "C_RETURN", "RAISE", "EXCEPTION_HANDLED",
              "PY_YIELD", "PY_RESUME", "BRANCH_RIGHT", "STOP_ITERATION"):
    for _mode in ("off", "on_traced"):
        case("events_%s_from_%s" % (_mode, _kind), """
def gen():
    yield len("a")
    yield 2
def f():
    x = 0
    for v in gen():
        x += v
    try:
        raise KeyError(x)
    except KeyError:
        x = abs(-x)
    if not x:
        x += 1
    return x
KIND = %r
MODE = %r
BIG = E.LINE | E.CALL | E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE | E.EXCEPTION_HANDLED | E.BRANCH_LEFT | E.BRANCH_RIGHT | E.C_RETURN | E.C_RAISE | E.STOP_ITERATION
def tr(frame, event, arg):
    if frame.f_code.co_name in ("f", "gen") and event != "line":
        note("tr", event, frame.f_code.co_name)
    return tr
flag = [False]
def hook(n, a):
    if n == KIND and not flag[0]:
        flag[0] = True
        mon.set_events(2, 0 if MODE == "off" else BIG)
        note(MODE, n)
mon.use_tool_id(1, "a")
ONE = getattr(E, KIND) | (E.CALL | E.C_RAISE if KIND == "C_RETURN" else 0)
rec(1, ONE, hook=hook)
mon.set_events(1, ONE)
mon.use_tool_id(2, "b"); rec(2, BIG)
for i in range(2):
    flag[0] = False
    mon.set_events(2, BIG if MODE == "off" else 0)
    if MODE == "on_traced":
        sys.settrace(tr)
    run(f)
    sys.settrace(None)
mon.set_events(2, 0)
""" % (_kind, _mode))

# set_local_events on a coroutine's code while it is suspended
case("local_events_on_suspended_coroutine", """
import types
@types.coroutine
def pause():
    v = yield "p"
    return v
async def coro():
    a = await pause()
    b = len("xy")
    c = await pause()
    return a, b, c
def drive():
    c = coro()
    first = c.send(None)
    mon.set_local_events(1, coro.__code__, E.LINE | E.CALL | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
    second = c.send(1)
    mon.set_local_events(1, coro.__code__, 0)
    try:
        c.send(2)
    except StopIteration as e:
        out_v = e.value
    return first, second, out_v
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN)
run(drive); run(drive)
""")
