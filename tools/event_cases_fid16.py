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
