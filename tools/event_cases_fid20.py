"""More cases of tools/event_cases.py (session 20, fid20).

Same form as event_cases_data.py.  What earlier files leave out: long
functions (EXTENDED_ARG jumps and arguments, many locals, line numbers far
apart, lines going backwards), code made by exec of generated text;
callbacks that change the *current* code's events, free their own tool,
replace their own callback or restart events and then return DISABLE;
DISABLE patterns of three to six tools at once; monitoring switched off
(every tool's events 0) and on again mid-frame, mid-loop and while a
generator is suspended; a profiler and a tracer switched on and off by
callbacks mid-frame; generators inspected through gi_frame in callbacks;
calls through functools.partial, bound methods of builtin subclasses,
super(), classmethod/staticmethod, properties and descriptors, __getattr__
falling back after AttributeError, __set_name__ and __init_subclass__;
builtins calling Python back (map, filter, sorted, min/max key=,
functools.reduce) and C_RAISE from them; STOP_ITERATION of yield from a
generator that returns and one that raises StopIteration by hand;
exception groups, raise from, __del__ raising during unwinding, and
try/finally with break/continue/return in nested loops.
(List, set and dict comprehensions are left out of `mine` code paths where
they would be frames before 3.12.)
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# Long code: EXTENDED_ARG, far lines, many locals

case("long_function_extended_arg_jump", """
lines = ["def f(x):", "    s = 0", "    if x:"]
for i in range(300):
    lines.append("        s += %d" % i)
lines += ["    else:", "        s = -1", "    return s"]
ns = {}
exec(compile("\\n".join(lines) + "\\n", "<prog>", "exec"), ns)
f = ns["f"]
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.BRANCH_LEFT | E.BRANCH_RIGHT if hasattr(E, "BRANCH_LEFT") else E.PY_START | E.PY_RETURN | E.BRANCH)
mon.set_events(1, E.PY_START | E.PY_RETURN)
run(f, 1)
run(f, 0)
""")

case("long_function_line_disable_far", """
lines = ["def f(x):", "    s = 0"]
for i in range(280):
    lines.append("    s += x")
lines += ["    while s > 0:", "        s -= 100", "    return s"]
ns = {}
exec(compile("\\n".join(lines) + "\\n", "<prog>", "exec"), ns)
f = ns["f"]
def ret(n, args):
    if n == "LINE" and args[1] < 280:
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, ret=ret)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f, 2)
run(f, 3)
mon.restart_events()
run(f, 1)
""")

case("long_loop_body_extended_back_jump", """
lines = ["def f(n):", "    t = 0", "    for i in range(n):"]
for i in range(200):
    lines.append("        t += i * %d" % (i % 3))
lines += ["        if t > 10 ** 9:", "            break", "    return t"]
ns = {}
exec(compile("\\n".join(lines) + "\\n", "<prog>", "exec"), ns)
f = ns["f"]
cnt = {}
def hook(n, args):
    cnt[n] = cnt.get(n, 0) + 1
mon.use_tool_id(1, "a")
for ev in (E.LINE, E.PY_START, E.PY_RETURN):
    mon.register_callback(1, ev, lambda *a, ev=ev: cnt.__setitem__(ev, cnt.get(ev, 0) + 1) if mine(a[0]) else None)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
r = f(3)
mon.set_events(1, 0)
note(r, sorted(cnt.items()))
""")

case("many_locals_extended_arg_load", """
names = ["v%d" % i for i in range(300)]
body = ["def f():"] + ["    %s = %d" % (n, i) for i, n in enumerate(names)]
body += ["    if v299 > v0:", "        r = v299 - v1", "    else:", "        r = 0", "    return r"]
ns = {}
exec(compile("\\n".join(body) + "\\n", "<prog>", "exec"), ns)
f = ns["f"]
seen = []
def ret(n, args):
    if n == "LINE" and args[1] < 300:
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, ret=ret)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
run(f)
""")

case("far_line_numbers_gap", """
src = "def f(x):\\n    a = x\\n" + "\\n" * 400 + "    b = a + 1\\n" + "\\n" * 70000 + "    return b\\n"
ns = {}
exec(compile(src, "<prog>", "exec"), ns)
f = ns["f"]
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
run(f, 1)
""")

case("lines_going_backwards_multiline_call", """
def g(*a):
    return len(a)
def f(x):
    r = g(
        x,
        x + 1,
        g(x,
          x),
    )
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.PY_RETURN)
run(f, 2)
""")

case("exec_generated_nested_closures_local_events", """
src = '''
def outer(n):
    def mid(m):
        def inner(k):
            return k + n + m
        return inner(m)
    return mid(n)
'''
ns = {}
exec(compile(src, "<prog>", "exec"), ns)
outer = ns["outer"]
mid = [c for c in outer.__code__.co_consts if hasattr(c, "co_code")][0]
inner = [c for c in mid.co_consts if hasattr(c, "co_code")][0]
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, inner, E.LINE | E.PY_RETURN)
run(outer, 1)
mon.set_local_events(1, inner, 0)
mon.set_local_events(1, mid, E.PY_START)
run(outer, 2)
mon.set_local_events(1, mid, 0)
""")

case("code_replace_new_name_and_lines", """
def f(x):
    y = x + 1
    return y
g = type(f)(f.__code__.replace(co_name="g", co_firstlineno=50), {})
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
run(f, 1)
run(g, 1)
""")

# ----------------------------------------------------------------------
# Callbacks changing the current code's events, then returning DISABLE

case("line_sets_own_code_local_then_disable", """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def ret(n, args):
    if n == "LINE" and args[1] == 3:
        mon.set_local_events(1, f.__code__, E.LINE | E.PY_RETURN)
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, ret=ret)
mon.set_local_events(1, f.__code__, E.LINE)
run(f)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("line_restart_then_disable_same_line", """
def f():
    for i in range(3):
        x = i
    return x
def ret(n, args):
    if n == "LINE" and args[1] == 4:
        mon.restart_events()
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=ret)
mon.set_events(1, E.LINE)
run(f)
run(f)
""")

case("line_frees_own_tool_returns_disable", """
def f():
    a = 1
    b = 2
    return a + b
def ret(n, args):
    if n == "LINE" and args[1] == 3:
        mon.free_tool_id(1)
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=ret)
mon.use_tool_id(2, "b"); rec(2, E.LINE)
mon.set_events(1, E.LINE); mon.set_events(2, E.LINE)
run(f)
note(mon.get_tool(1), mon.get_events(1))
run(f)
""")

case("line_replaces_own_callback_midframe", """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def second(co, ln):
    if mine(co):
        out.append(("second", co.co_name, ln))
def first(co, ln):
    if mine(co):
        out.append(("first", co.co_name, ln))
        if ln == 3:
            old = mon.register_callback(1, E.LINE, second)
            note(old is first)
mon.use_tool_id(1, "a")
mon.register_callback(1, E.LINE, first)
mon.set_events(1, E.LINE)
run(f)
""")

case("line_replaced_callback_returns_disable_for_old_line", """
def f():
    for i in range(3):
        a = i
    return a
def second(co, ln):
    if mine(co):
        out.append(("second", ln))
        return mon.DISABLE
def first(co, ln):
    if mine(co):
        out.append(("first", ln))
        mon.register_callback(1, E.LINE, second)
mon.use_tool_id(1, "a")
mon.register_callback(1, E.LINE, first)
mon.set_events(1, E.LINE)
run(f)
run(f)
""")

case("py_start_sets_events_zero_then_back", """
def g():
    return 1
def f():
    a = g()
    b = g()
    return a + b
def hook(n, args):
    if n == "PY_START" and args[0] is g.__code__:
        mon.set_events(1, 0)
        mon.set_events(1, E.PY_START | E.LINE | E.PY_RETURN)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.LINE | E.PY_RETURN)
run(f)
""")

case("py_return_sets_local_on_returning_code", """
def g(x):
    y = x
    return y
def f():
    return g(1) + g(2)
def hook(n, args):
    if n == "PY_RETURN" and args[0] is g.__code__:
        cur = mon.get_local_events(1, g.__code__)
        mon.set_local_events(1, g.__code__, cur ^ E.LINE)
mon.use_tool_id(1, "a"); rec(1, E.PY_RETURN | E.LINE, hook=hook)
mon.set_local_events(1, g.__code__, E.PY_RETURN)
run(f)
mon.set_local_events(1, g.__code__, 0)
""")

case("call_event_sets_global_off_returns_disable", """
def g():
    return 1
def f():
    a = g()
    b = len("xy")
    return a + b + g()
def ret(n, args):
    if n == "CALL":
        mon.set_events(1, E.PY_RETURN)
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.PY_RETURN, ret=ret)
mon.set_events(1, E.CALL | E.PY_RETURN)
run(f)
mon.set_events(1, E.CALL)
run(f)
""")

case("branch_callback_clears_tool_then_disable", """
def f(n):
    s = 0
    for i in range(n):
        if i % 2:
            s += i
    return s
BR = (E.BRANCH_LEFT | E.BRANCH_RIGHT) if hasattr(E, "BRANCH_LEFT") else E.BRANCH
cnt = [0]
def ret(n, args):
    if n.startswith("BRANCH"):
        cnt[0] += 1
        if cnt[0] == 2:
            mon.clear_tool_id(1)
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, BR | E.LINE, ret=ret)
mon.set_events(1, BR | E.LINE)
run(f, 4)
note(mon.get_events(1), mon.get_tool(1))
run(f, 4)
""")

case("instruction_restart_each_time_bounded", """
def f():
    a = 1
    b = a + 1
    return b
cnt = [0]
def ret(n, args):
    if n == "INSTRUCTION":
        cnt[0] += 1
        if cnt[0] < 4:
            mon.restart_events()
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.LINE, ret=ret)
mon.set_local_events(1, f.__code__, E.INSTRUCTION | E.LINE)
run(f)
mon.set_local_events(1, f.__code__, 0)
note(cnt[0] > 0)
""")

# ----------------------------------------------------------------------
# Several tools, different DISABLE patterns

case("three_tools_disable_alternate_lines", """
def f(n):
    s = 0
    for i in range(n):
        s += i
        s -= 1
    return s
def mk(t):
    def ret(n, args):
        if n == "LINE" and (args[1] + t) % 2:
            return mon.DISABLE
    return ret
for t in (1, 2, 3):
    mon.use_tool_id(t, "t%d" % t); rec(t, E.LINE | E.PY_RETURN, ret=mk(t))
    mon.set_events(t, E.LINE | E.PY_RETURN)
run(f, 3)
run(f, 2)
mon.restart_events()
run(f, 1)
""")

case("six_tools_each_disables_one_event_kind", """
def g(x):
    return x * 2
def f():
    a = g(1)
    b = len([a])
    try:
        raise KeyError(a)
    except KeyError:
        pass
    return a + b
kinds = ["LINE", "CALL", "C_RETURN", "PY_START", "PY_RETURN", "RAISE"]
for t in range(6):
    k = kinds[t]
    mon.use_tool_id(t, "t%d" % t)
    rec(t, evmask("LINE", "CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN", "RAISE", "EXCEPTION_HANDLED"),
        ret=(lambda n, a, k=k: mon.DISABLE if n == k else None))
    mon.set_events(t, evmask("LINE", "CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN", "RAISE", "EXCEPTION_HANDLED"))
run(f)
run(f)
""")

case("four_tools_local_and_global_mixed_disable", """
def g():
    x = 1
    return x
def f():
    return g() + g()
mon.use_tool_id(0, "a"); rec(0, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.use_tool_id(1, "b"); rec(1, E.LINE)
mon.use_tool_id(2, "c"); rec(2, E.LINE | E.PY_START, ret=lambda n, a: mon.DISABLE if n == "PY_START" else None)
mon.use_tool_id(3, "d"); rec(3, E.PY_START | E.PY_RETURN)
mon.set_events(0, E.LINE)
mon.set_local_events(1, g.__code__, E.LINE)
mon.set_local_events(2, g.__code__, E.LINE | E.PY_START)
mon.set_events(3, E.PY_START | E.PY_RETURN)
run(f)
mon.restart_events()
run(f)
mon.set_local_events(1, g.__code__, 0); mon.set_local_events(2, g.__code__, 0)
""")

case("two_tools_one_frees_other_mid_line", """
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
def hook(n, args):
    if n == "LINE" and args[1] == 3:
        mon.free_tool_id(2)
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.use_tool_id(2, "b"); rec(2, E.LINE)
mon.set_events(1, E.LINE); mon.set_events(2, E.LINE)
run(f)
mon.use_tool_id(2, "b2"); rec(2, E.LINE)
mon.set_events(2, E.LINE)
run(f)
""")

case("tool_disables_then_other_tool_restarts", """
def f():
    for i in range(3):
        x = i
    return x
def hook(n, args):
    if n == "PY_RETURN":
        mon.restart_events()
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.use_tool_id(2, "b"); rec(2, E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE); mon.set_events(2, E.PY_RETURN)
run(f)
run(f)
""")

# ----------------------------------------------------------------------
# Monitoring inactive and back

case("all_tools_off_mid_frame_then_on", """
def f():
    a = 1
    mon.set_events(1, 0)
    b = 2
    c = 3
    mon.set_events(1, E.LINE)
    d = 4
    return a + b + c + d
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_events(1, E.LINE)
run(f)
mon.set_events(1, E.LINE)
run(f)
""")

case("all_tools_off_in_loop_alternating", """
def f(n):
    s = 0
    for i in range(n):
        mon.set_events(1, E.LINE if i % 2 else 0)
        s += i
    return s
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_events(1, E.LINE)
run(f, 5)
""")

case("inactive_while_generator_suspended", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
    x = 3
    yield x
def f():
    it = gen()
    r = [next(it)]
    mon.set_events(1, 0)
    r.append(next(it))
    mon.set_events(1, E.LINE | E.PY_RESUME | E.PY_YIELD)
    r.append(next(it))
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD)
mon.set_events(1, E.LINE | E.PY_RESUME | E.PY_YIELD)
run(f)
""")

case("inactive_free_all_then_reuse_in_frame", """
def f():
    a = 1
    mon.free_tool_id(1)
    b = 2
    mon.use_tool_id(1, "again"); rec(1, E.LINE | E.PY_RETURN)
    mon.set_events(1, E.LINE | E.PY_RETURN)
    c = 3
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_events(1, E.LINE)
run(f)
""")

case("inactive_local_only_removed_then_global", """
def g():
    x = 1
    return x
def f():
    a = g()
    mon.set_local_events(1, g.__code__, 0)
    b = g()
    mon.set_events(1, E.LINE)
    c = g()
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_local_events(1, g.__code__, E.LINE)
run(f)
""")

case("inactive_then_exception_events_only", """
def f():
    try:
        raise ValueError(1)
    except ValueError:
        mon.set_events(1, 0)
    try:
        raise KeyError(2)
    except KeyError:
        mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED)
    try:
        raise TypeError(3)
    except TypeError:
        pass
    return 0
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

# ----------------------------------------------------------------------
# Tracers and profilers switched by callbacks mid-frame

case("line_callback_toggles_settrace_each_line", """
def tr(frame, event, arg):
    if mine(frame.f_code):
        out.append(("TR", event, frame.f_lineno))
    return tr
def f():
    a = 1
    b = 2
    c = 3
    d = 4
    return a + b + c + d
state = [False]
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__:
        state[0] = not state[0]
        sys.settrace(tr if state[0] else None)
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE)
run(f)
sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("line_callback_toggles_setprofile_around_calls", """
def pr(frame, event, arg):
    if mine(frame.f_code) or event.startswith("c_"):
        out.append(("PR", event, frame.f_code.co_name))
def g():
    return 1
def f():
    a = g()
    b = len("ab")
    c = g()
    d = abs(-1)
    return a + b + c + d
state = [False]
def hook(n, args):
    if n == "LINE" and args[0] is f.__code__:
        state[0] = not state[0]
        sys.setprofile(pr if state[0] else None)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE | E.CALL)
run(f)
sys.setprofile(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("settrace_on_from_py_start_off_from_py_return", """
def tr(frame, event, arg):
    if mine(frame.f_code):
        out.append(("TR", event, frame.f_code.co_name, frame.f_lineno))
    return tr
def g(x):
    y = x + 1
    return y
def f():
    a = g(1)
    b = 2
    return a + b
def hook(n, args):
    if args[0] is g.__code__:
        if n == "PY_START":
            sys.settrace(tr)
        elif n == "PY_RETURN":
            sys.settrace(None)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.LINE, hook=hook)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.LINE)
run(f)
run(f)
""")

case("setprofile_from_c_return_sees_rest", """
def pr(frame, event, arg):
    if mine(frame.f_code):
        out.append(("PR", event, frame.f_code.co_name))
def g():
    return 2
def f():
    a = len("x")
    b = g()
    return a + b
def hook(n, args):
    if n == "C_RETURN":
        sys.setprofile(pr)
mon.use_tool_id(1, "a"); rec(1, E.C_RETURN | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
sys.setprofile(None)
""")

case("tracer_local_fn_off_then_tool_lines", """
def tr(frame, event, arg):
    if mine(frame.f_code):
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 3:
            frame.f_trace = None
            return None
    return tr
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_events(1, E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
run(f)
""")

case("f_lineno_jump_tracer_two_tools_one_disabled", """
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event, frame.f_lineno))
        if event == "line" and frame.f_lineno == 3:
            frame.f_lineno = 5
    return tr
def f():
    a = 1
    a = 2
    a = 3
    a = 4
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.use_tool_id(2, "b"); rec(2, E.LINE)
mon.set_events(1, E.LINE); mon.set_events(2, E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
run(f)
""")

case("f_lineno_jump_forward_in_loop_with_jump_tool", """
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        if event == "line" and frame.f_lineno == 5:
            frame.f_lineno = 7
    return tr
def f():
    s = 0
    for i in range(3):
        s += 1
        s += 10
        s += 100
        s += 1000
    return s
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("f_trace_opcodes_on_with_instruction_tool_disable", """
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        frame.f_trace_opcodes = True
        if event == "opcode":
            cnt[0] += 1
    return tr
cnt = [0]
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.LINE, ret=lambda n, a: mon.DISABLE if n == "INSTRUCTION" else None)
mon.set_local_events(1, f.__code__, E.INSTRUCTION | E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
note(cnt[0] > 0)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("f_trace_lines_false_tracer_and_line_tool", """
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        out.append(("TR", event))
        frame.f_trace_lines = False
    return tr
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

# ----------------------------------------------------------------------
# Generators inspected from callbacks

case("gi_frame_lineno_in_yield_and_resume", """
def gen():
    x = 1
    yield x
    x = 2
    yield x
it = gen()
def hook(n, args):
    if args[0] is gen.__code__:
        fr = it.gi_frame
        note(n, fr.f_lineno if fr is not None else None, it.gi_running)
def f():
    return list(it)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN, hook=hook)
mon.set_local_events(1, gen.__code__, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
run(f)
mon.set_local_events(1, gen.__code__, 0)
""")

case("gi_frame_f_locals_in_line", """
def gen(n):
    t = 0
    for i in range(n):
        t += i
        yield t
it = gen(3)
def hook(n, args):
    if n == "LINE" and args[0] is gen.__code__:
        loc = it.gi_frame.f_locals
        note(args[1], loc.get("t"), loc.get("i"))
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.set_local_events(1, gen.__code__, E.LINE)
run(list, it)
mon.set_local_events(1, gen.__code__, 0)
""")

case("gi_yieldfrom_seen_in_callbacks", """
def inner():
    yield 1
    yield 2
def outer():
    r = yield from inner()
    return r
it = outer()
def hook(n, args):
    if args[0] is inner.__code__:
        note(n, type(it.gi_yieldfrom).__name__)
mon.use_tool_id(1, "a"); rec(1, E.PY_YIELD | E.PY_RESUME | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
run(list, it)
""")

case("cr_frame_and_suspended_state_in_callbacks", """
import types
@types.coroutine
def sus():
    yield "s"
async def c():
    await sus()
    return 3
co = c()
def hook(n, args):
    if args[0] is c.__code__:
        note(n, co.cr_running, co.cr_frame is not None)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RESUME | E.PY_RETURN | E.PY_YIELD, hook=hook)
mon.set_events(1, E.PY_START | E.PY_RESUME | E.PY_RETURN | E.PY_YIELD)
def f():
    v = co.send(None)
    try:
        co.send(None)
    except StopIteration as e:
        return v, e.value
run(f)
""")

# ----------------------------------------------------------------------
# Generators: throw/close in every state, yield from and StopIteration

case("gen_throw_just_started_then_closed", """
def gen():
    try:
        yield 1
    finally:
        out.append(("FIN",))
def f():
    it = gen()
    try:
        it.throw(ValueError("early"))
    except ValueError as e:
        note("caught", e)
    it.close()
    return it.gi_frame is None
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("gen_close_running_from_inside", """
def gen():
    yield 1
    me.close()
    yield 2
me = None
def f():
    global me
    me = gen()
    next(me)
    try:
        next(me)
    except ValueError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("gen_throw_after_return_value", """
def gen():
    yield 1
    return 5
def f():
    it = gen()
    next(it)
    try:
        next(it)
    except StopIteration as e:
        v = e.value
    try:
        it.throw(KeyError("late"))
    except KeyError as e:
        return v, rep(e)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("yield_from_inner_raises_stopiteration_by_hand", """
def inner():
    yield 1
    raise StopIteration(9)
def outer():
    r = yield from inner()
    yield r
def f():
    try:
        return list(outer())
    except RuntimeError as e:
        return rep(e), rep(e.__cause__)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("yield_from_returns_value_stop_iteration_event", """
def inner():
    yield 1
    return 7
def outer():
    r = yield from inner()
    return r
def f():
    it = outer()
    next(it)
    try:
        next(it)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.RAISE)
run(f)
""")

case("yield_from_list_iterator_stop", """
def outer():
    yield from [1, 2]
    yield from iter(())
    return 0
def f():
    return list(outer())
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_YIELD | E.PY_RESUME | E.LINE)
mon.set_events(1, E.STOP_ITERATION | E.PY_YIELD | E.PY_RESUME | E.LINE)
run(f)
""")

case("gen_send_into_yield_from_then_throw", """
def inner():
    x = yield 1
    y = yield x
    return y
def outer():
    r = yield from inner()
    return r
def f():
    it = outer()
    next(it)
    a = it.send("s")
    try:
        it.throw(IndexError("i"))
    except IndexError as e:
        return a, rep(e)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("gen_close_suspended_in_except", """
def gen():
    try:
        raise ValueError("v")
    except ValueError:
        yield 1
        yield 2
def f():
    it = gen()
    next(it)
    it.close()
    return it.gi_frame is None
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("gen_throw_suspended_in_except_chains", """
def gen():
    try:
        raise ValueError("v")
    except ValueError:
        yield 1
def f():
    it = gen()
    next(it)
    try:
        it.throw(KeyError("k"))
    except KeyError as e:
        return rep(e), rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("gen_expression_in_class_body", """
def f():
    class C:
        xs = (1, 2, 3)
        total = sum(x for x in xs)
        biggest = max(x for x in (4, 5))
    return C.total, C.biggest
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.LINE)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.LINE)
run(f)
""")

case("genexpr_closed_by_zip_short", """
def f():
    a = (i for i in range(5))
    b = (j for j in range(2))
    r = list(zip(a, b))
    return r, next(a)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.STOP_ITERATION)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME | E.STOP_ITERATION)
run(f)
""")

# ----------------------------------------------------------------------
# Coroutines, async generators

case("async_gen_athrow_unstarted_and_exhausted", """
async def ag():
    yield 1
def drive(aw):
    try:
        aw.send(None)
    except StopIteration as e:
        return ("stop", rep(e.value))
    except BaseException as e:
        return ("raised", rep(e))
    return ("yielded",)
def f():
    a = ag()
    r = [drive(a.athrow(ValueError("u")))]
    b = ag()
    r.append(drive(b.__anext__()))
    r.append(drive(b.__anext__()))
    r.append(drive(b.athrow(ValueError("x"))))
    return r
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("async_gen_aclose_suspended_in_try_finally", """
async def ag():
    try:
        yield 1
        yield 2
    finally:
        out.append(("FIN",))
def drive(aw):
    try:
        aw.send(None)
    except StopIteration as e:
        return ("stop", rep(e.value))
    except BaseException as e:
        return ("raised", rep(e))
    return ("yielded",)
def f():
    a = ag()
    x = drive(a.__anext__())
    y = drive(a.aclose())
    return x, y
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("async_for_over_class_aiter", """
class AI:
    def __init__(self):
        self.n = 0
    def __aiter__(self):
        return self
    async def __anext__(self):
        self.n += 1
        if self.n > 2:
            raise StopAsyncIteration
        return self.n
async def c():
    s = 0
    async for v in AI():
        s += v
    return s
def f():
    co = c()
    try:
        co.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("async_with_aenter_raises", """
class CM:
    async def __aenter__(self):
        raise OSError("enter")
    async def __aexit__(self, *a):
        return False
async def c():
    try:
        async with CM():
            return 1
    except OSError:
        return 2
def f():
    co = c()
    try:
        co.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("await_in_finally_of_coroutine_throw", """
import types
@types.coroutine
def sus():
    yield "s"
async def c():
    try:
        await sus()
    finally:
        await sus()
def f():
    co = c()
    co.send(None)
    v = co.throw(ValueError("t"))
    try:
        co.send(None)
    except ValueError as e:
        return v, rep(e)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("coroutine_callback_raises_at_py_resume", """
import types
@types.coroutine
def sus():
    yield "s"
async def c():
    await sus()
    return 1
def ret(n, args):
    if n == "PY_RESUME" and args[0] is c.__code__:
        raise LookupError("cb")
mon.use_tool_id(1, "a"); rec(1, E.PY_RESUME | E.PY_UNWIND | E.PY_RETURN, hook=ret)
mon.set_events(1, E.PY_RESUME | E.PY_UNWIND | E.PY_RETURN)
def f():
    co = c()
    co.send(None)
    try:
        co.send(None)
    except LookupError as e:
        return rep(e), co.cr_frame is None
run(f)
mon.set_local_events(1, c.__code__, 0)
""")

case("async_gen_local_events_on_asend_frames", """
async def ag():
    x = yield 1
    yield x
def f():
    a = ag()
    r = []
    for v in (None, "v"):
        aw = a.asend(v)
        try:
            aw.send(None)
        except StopIteration as e:
            r.append(e.value)
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_START)
mon.set_local_events(1, ag.__code__, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_START)
run(f)
mon.set_local_events(1, ag.__code__, 0)
""")

# ----------------------------------------------------------------------
# Calls through odd callables

case("partial_of_python_function_events", """
import functools
def g(a, b):
    return a - b
def f():
    p = functools.partial(g, 10)
    return p(3), p(b=1)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("partial_raises_in_callee", """
import functools
def g(a):
    raise ValueError(a)
def f():
    p = functools.partial(g, 1)
    try:
        p()
    except ValueError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("builtin_subclass_methods", """
class L(list):
    def append(self, v):
        super().append(v * 2)
class D(dict):
    def __missing__(self, k):
        return k + "!"
def f():
    l = L()
    l.append(1)
    l.extend([5])
    d = D(a=1)
    return l, d["a"], d["zz"], len(l)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("getattr_fallback_after_attribute_error", """
class C:
    @property
    def p(self):
        raise AttributeError("p")
    def __getattr__(self, name):
        if name == "q":
            raise AttributeError(name)
        return name * 2
def f():
    c = C()
    a = c.p
    b = c.x
    try:
        c.q
    except AttributeError as e:
        return a, b, rep(e)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""")

case("hasattr_on_raising_property", """
class C:
    @property
    def p(self):
        raise AttributeError("p")
def f():
    return hasattr(C(), "p"), getattr(C(), "p", 5)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_UNWIND | E.RAISE)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_UNWIND | E.RAISE)
run(f)
""")

case("descriptor_get_set_delete", """
class Desc:
    def __set_name__(self, owner, name):
        self.name = "_" + name
    def __get__(self, obj, typ=None):
        if obj is None:
            return self
        return getattr(obj, self.name, 0)
    def __set__(self, obj, v):
        setattr(obj, self.name, v)
    def __delete__(self, obj):
        delattr(obj, self.name)
def f():
    class C:
        d = Desc()
    c = C()
    c.d = 4
    a = c.d
    del c.d
    return a, c.d
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.CALL | E.C_RETURN)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

case("classmethod_staticmethod_super_chain", """
class A:
    @classmethod
    def make(cls, v):
        return cls.norm(v)
    @staticmethod
    def norm(v):
        return v + 1
class B(A):
    @classmethod
    def make(cls, v):
        return super().make(v) * 2
def f():
    return B.make(1), B().make(2), A.norm(0)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.PY_START | E.PY_RETURN)
run(f)
""")

case("dunder_operators_and_comparisons", """
class V:
    def __init__(self, x):
        self.x = x
    def __add__(self, o):
        return V(self.x + o.x)
    def __lt__(self, o):
        return self.x < o.x
    def __bool__(self):
        return self.x != 0
    def __len__(self):
        return self.x
def f():
    a = V(1) + V(2)
    b = V(1) < a
    c = "y" if a else "n"
    return a.x, b, c, len(a)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.CALL | E.C_RETURN)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

case("init_subclass_and_set_name_raise", """
class Base:
    def __init_subclass__(cls, **kw):
        if kw.get("bad"):
            raise TypeError("bad subclass")
        super().__init_subclass__()
def f():
    class Ok(Base):
        pass
    try:
        class Bad(Base, bad=True):
            pass
    except TypeError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.C_RAISE | E.C_RETURN)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.CALL | E.C_RAISE | E.C_RETURN)
run(f)
""")

case("call_of_instance_with_dunder_call", """
class K:
    def __call__(self, v):
        return v * 3
def f():
    k = K()
    return k(2), list(map(k, (1, 2)))
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("bound_method_of_builtin_via_getattr", """
def f():
    s = "a,b"
    sp = getattr(s, "split")
    r = sp(",")
    app = [].append
    app(1)
    return r
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

# ----------------------------------------------------------------------
# Builtins calling Python back, and C_RAISE from them

case("filter_with_python_predicate", """
def keep(v):
    return v % 2
def f():
    return list(filter(keep, range(4)))
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("min_max_key_raises", """
def key(v):
    if v == 3:
        raise ValueError(v)
    return -v
def f():
    a = max([1, 2], key=key)
    try:
        min([1, 3], key=key)
    except ValueError as e:
        return a, rep(e)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("reduce_with_lambda_and_disable_py_start", """
import functools
def f():
    a = functools.reduce(lambda x, y: x + y, range(4))
    b = functools.reduce(lambda x, y: x * y, range(1, 4))
    return a, b
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START | E.PY_RETURN, ret=lambda n, a: mon.DISABLE if n == "PY_START" else None)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN)
run(f)
run(f)
""")

case("sorted_key_callback_disables_c_return", """
def f():
    a = sorted([3, 1, 2], key=abs)
    b = sorted([3, 1], key=lambda v: v)
    return a, b
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.PY_START, ret=lambda n, a: mon.DISABLE if n == "C_RETURN" else None)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START)
run(f)
run(f)
""")

case("c_raise_from_int_and_dict_builtins", """
def f():
    r = []
    for fn, a in ((int, "x"), ({}.pop, "k"), (divmod, 0), (len, 5)):
        try:
            fn(a) if fn is not divmod else fn(1, a)
        except Exception as e:
            r.append(type(e).__name__)
    return r
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("c_raise_callback_raises_replaces", """
def f():
    try:
        int("x")
    except Exception as e:
        return rep(e), rep(e.__context__)
def hook(n, args):
    if n == "C_RAISE":
        raise KeyError("cb")
mon.use_tool_id(1, "a"); rec(1, E.C_RAISE | E.RAISE | E.EXCEPTION_HANDLED, hook=hook)
mon.set_events(1, E.CALL | E.C_RAISE | E.C_RETURN | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("map_with_builtin_no_call_events_inside", """
def f():
    a = list(map(len, ["a", "bb"]))
    b = list(map(str.upper, ["x"]))
    c = sum(map(abs, (-1, -2)))
    return a, b, c
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

case("c_return_arg0_for_method_descriptor_and_type", """
def f():
    a = str.join(",", ["a"])
    b = dict.fromkeys("ab")
    c = object()
    d = int.from_bytes(b"\\x01", "big")
    return a, len(b), d
seen = []
def cb(co, off, callable, arg0):
    if mine(co):
        out.append(("C_RETURN", rep(callable), rep(arg0)))
mon.use_tool_id(1, "a")
mon.register_callback(1, E.C_RETURN, cb)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

# ----------------------------------------------------------------------
# Exceptions

case("raise_from_cause_and_context_events", """
def g():
    try:
        {}["k"]
    except KeyError as e:
        raise ValueError("v") from e
def f():
    try:
        g()
    except ValueError as e:
        return rep(e.__cause__), e.__suppress_context__
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.LINE)
mon.set_events(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.LINE)
run(f)
""")

case("exception_group_caught_plain_except", """
def f():
    try:
        raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
    except ExceptionGroup as eg:
        return len(eg.exceptions)
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""", minv=(3, 11))

case("except_star_two_handlers_both_match", """
def f():
    r = []
    try:
        raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
    except* ValueError:
        r.append("v")
    except* KeyError:
        r.append("k")
    return r
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.LINE)
mon.set_events(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""", minv=(3, 11))

case("except_star_handler_raises_new", """
def f():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1)])
        except* ValueError:
            raise TypeError("t")
    except ExceptionGroup as eg:
        return rep(eg.exceptions[0])
    except TypeError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.LINE)
mon.set_events(1, E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""", minv=(3, 11))

case("del_raises_during_unwind_unraisable", """
import gc
class D:
    def __del__(self):
        raise OSError("del")
def g():
    d = D()
    raise ValueError("g")
def f():
    old = sys.unraisablehook
    seen = []
    sys.unraisablehook = lambda u: seen.append(type(u.exc_value).__name__)
    try:
        g()
    except ValueError:
        pass
    gc.collect()
    sys.unraisablehook = old
    return seen
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.PY_RETURN)
mon.set_events(1, E.PY_START | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED | E.PY_RETURN)
run(f)
""")

case("finally_return_in_nested_loops_break_continue", """
def f():
    r = []
    for i in range(3):
        for j in range(3):
            try:
                if j == 1:
                    continue
                if j == 2:
                    break
                r.append((i, j))
            finally:
                r.append("f")
        if i == 1:
            try:
                break
            finally:
                r.append("b")
    return len(r)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

case("finally_raises_over_return", """
def g():
    try:
        return 1
    finally:
        raise KeyError("fin")
def f():
    try:
        g()
    except KeyError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.LINE | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("exception_in_except_in_finally_loop", """
def f():
    n = 0
    while n < 3:
        n += 1
        try:
            try:
                raise ValueError(n)
            except ValueError:
                if n == 2:
                    raise KeyError(n)
        except KeyError:
            continue
        finally:
            n += 0
    return n
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED | E.RERAISE)
mon.set_events(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED | E.RERAISE)
run(f)
""")

case("bare_raise_outside_handler", """
def f():
    try:
        raise
    except RuntimeError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.LINE | E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("raise_class_not_instance_and_non_exception", """
def f():
    r = []
    try:
        raise ValueError
    except ValueError as e:
        r.append(rep(e))
    try:
        raise 5
    except TypeError as e:
        r.append(type(e).__name__)
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("exception_handled_callback_raises_in_loop", """
def f():
    r = 0
    for i in range(3):
        try:
            try:
                raise ValueError(i)
            except ValueError:
                r += 1
        except KeyError as e:
            r += 10
    return r
cnt = [0]
def hook(n, args):
    if n == "EXCEPTION_HANDLED" and rep(args[2]).startswith("ValueError"):
        cnt[0] += 1
        if cnt[0] == 2:
            raise KeyError("cb")
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE, hook=hook)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""")

case("raise_callback_returns_disable_then_restart_in_loop", """
def f():
    r = 0
    for i in range(4):
        try:
            raise ValueError(i)
        except ValueError:
            r += 1
        if i == 1:
            mon.restart_events()
    return r
mon.use_tool_id(1, "a")
def ret(n, args):
    return mon.DISABLE
try:
    rec(1, E.RAISE | E.EXCEPTION_HANDLED, ret=ret)
    mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED)
    run(f)
finally:
    pass
""")

case("with_exit_raises_in_generator_close", """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        raise OSError("exit")
def gen():
    with CM():
        yield 1
def f():
    it = gen()
    next(it)
    try:
        it.close()
    except OSError as e:
        return rep(e), rep(e.__context__)
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
run(f)
""")

case("traceback_of_callback_exception_from_line", """
def f():
    a = 1
    b = 2
    return a + b
def hook(n, args):
    if n == "LINE" and args[1] == 3:
        raise ValueError("cb")
mon.use_tool_id(1, "a"); rec(1, E.LINE, hook=hook)
mon.set_local_events(1, f.__code__, E.LINE)
try:
    f()
except ValueError as e:
    tb = e.__traceback__
    names = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<prog>":
            names.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    note(*[n for n, l in names])
mon.set_local_events(1, f.__code__, 0)
""")

# ----------------------------------------------------------------------
# Callbacks that raise or return odd values

case("callback_returns_non_none_values", """
def f():
    a = 1
    b = 2
    return a + b
vals = iter([0, 1, "x", True, (), object()])
def ret(n, args):
    return next(vals, None)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN, ret=ret)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("py_start_callback_raises_caught_by_caller", """
def g():
    x = 1
    return x
def f():
    try:
        g()
    except ZeroDivisionError as e:
        return rep(e)
def hook(n, args):
    if n == "PY_START" and args[0] is g.__code__:
        1 / 0
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED, hook=hook)
mon.set_events(1, E.PY_START | E.LINE | E.PY_UNWIND | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("jump_callback_raises_in_while", """
def f():
    i = 0
    try:
        while i < 3:
            i += 1
    except IndexError as e:
        return i, rep(e)
    return i
def hook(n, args):
    if n == "JUMP":
        raise IndexError("j")
mon.use_tool_id(1, "a"); rec(1, E.JUMP | E.LINE, hook=hook)
mon.set_local_events(1, f.__code__, E.JUMP | E.LINE)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("call_callback_raises_before_c_call", """
def f():
    try:
        len("ab")
    except KeyError as e:
        return rep(e)
def hook(n, args):
    if n == "CALL" and args[2] is len:
        raise KeyError("c")
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE | E.EXCEPTION_HANDLED, hook=hook)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE | E.RAISE | E.EXCEPTION_HANDLED)
run(f)
""")

case("second_tool_callback_raises_first_still_sees", """
def f():
    try:
        a = 1
        b = 2
    except ValueError:
        return "caught"
    return a + b
def hook(n, args):
    if n == "LINE" and args[1] == 4:
        raise ValueError("t2")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED)
mon.use_tool_id(2, "b"); rec(2, E.LINE, hook=hook)
mon.set_events(1, E.LINE | E.RAISE | E.EXCEPTION_HANDLED); mon.set_events(2, E.LINE)
run(f)
""")

case("callback_raises_base_exception_subclass", """
class Stop(BaseException):
    pass
def f():
    a = 1
    return a
def hook(n, args):
    if n == "LINE":
        raise Stop("x")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_UNWIND, hook=hook)
mon.set_events(1, E.LINE | E.PY_UNWIND)
run(f)
mon.set_events(1, 0)
run(f)
""")

# ----------------------------------------------------------------------
# DISABLE from events that cannot be disabled

case("disable_from_raise_in_loop_api_error", """
def f():
    r = []
    for i in range(2):
        try:
            raise ValueError(i)
        except ValueError as e:
            r.append(rep(e))
    return r
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.LINE, ret=lambda n, a: mon.DISABLE if n == "RAISE" else None)
mon.set_events(1, E.RAISE | E.LINE)
run(f)
""")

case("disable_from_py_unwind_and_exception_handled", """
def g():
    raise KeyError(1)
def f():
    r = []
    for i in range(2):
        try:
            g()
        except KeyError as e:
            r.append(1)
    return r
mon.use_tool_id(1, "a"); rec(1, E.PY_UNWIND | E.EXCEPTION_HANDLED, ret=lambda n, a: mon.DISABLE)
mon.set_events(1, E.PY_UNWIND | E.EXCEPTION_HANDLED)
run(f)
""")

case("disable_from_c_raise_in_generator", """
def gen():
    for v in ("1", "x"):
        try:
            yield int(v)
        except ValueError:
            yield -1
def f():
    return list(gen())
mon.use_tool_id(1, "a"); rec(1, E.C_RAISE | E.C_RETURN | E.PY_YIELD, ret=lambda n, a: mon.DISABLE if n == "C_RAISE" else None)
mon.set_events(1, E.CALL | E.C_RAISE | E.C_RETURN | E.PY_YIELD)
run(f)
""")

case("disable_from_py_throw_and_reraise_two_tools", """
def gen():
    try:
        yield 1
    finally:
        pass
def f():
    it = gen()
    next(it)
    try:
        it.throw(ValueError("t"))
    except ValueError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.PY_THROW | E.RERAISE | E.PY_UNWIND, ret=lambda n, a: mon.DISABLE)
mon.use_tool_id(2, "b"); rec(2, E.PY_THROW | E.RERAISE | E.PY_UNWIND)
mon.set_events(1, E.PY_THROW | E.RERAISE | E.PY_UNWIND)
mon.set_events(2, E.PY_THROW | E.RERAISE | E.PY_UNWIND)
run(f)
""")

case("disable_from_stop_iteration_in_for", """
def gen():
    yield 1
def f():
    r = []
    for k in range(2):
        for v in gen():
            r.append(v)
    return r
mon.use_tool_id(1, "a"); rec(1, E.STOP_ITERATION | E.PY_RETURN, ret=lambda n, a: mon.DISABLE if n == "STOP_ITERATION" else None)
mon.set_events(1, E.STOP_ITERATION | E.PY_RETURN)
run(f)
""")

# ----------------------------------------------------------------------
# INSTRUCTION and JUMP

case("instruction_and_jump_in_while_else", """
def f(n):
    i = 0
    while i < n:
        i += 1
    else:
        i = -i
    return i
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.JUMP)
mon.set_local_events(1, f.__code__, E.JUMP)
run(f, 2)
mon.set_local_events(1, f.__code__, 0)
""")

case("jump_events_break_continue_nested", """
def f():
    s = 0
    for i in range(3):
        for j in range(3):
            if j == 1:
                continue
            if j == 2:
                break
            s += 1
    return s
n = [0]
def hook(name, args):
    n[0] += 1
mon.use_tool_id(1, "a"); rec(1, E.JUMP, hook=hook)
mon.set_local_events(1, f.__code__, E.JUMP)
r = f()
mon.set_local_events(1, f.__code__, 0)
out.clear()
note(r, n[0] > 0)
""")

case("instruction_tool_and_line_tool_two_tools_disable", """
def f():
    a = 1
    b = [a]
    return b
cnt = [0]
def cb(co, off):
    if co is f.__code__:
        cnt[0] += 1
        return mon.DISABLE
mon.use_tool_id(1, "a"); mon.register_callback(1, E.INSTRUCTION, cb)
mon.use_tool_id(2, "b"); rec(2, E.LINE)
mon.set_local_events(1, f.__code__, E.INSTRUCTION)
mon.set_local_events(2, f.__code__, E.LINE)
run(f)
c1 = cnt[0]
run(f)
note(c1 > 0, cnt[0] == c1)
mon.set_local_events(1, f.__code__, 0); mon.set_local_events(2, f.__code__, 0)
""")

case("instruction_in_generator_resume_only_lines", """
def gen():
    x = 1
    yield x
    y = 2
    yield y
def f():
    return list(gen())
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.PY_YIELD | E.PY_RESUME)
mon.set_local_events(1, gen.__code__, E.INSTRUCTION | E.PY_YIELD | E.PY_RESUME)
run(f)
mon.set_local_events(1, gen.__code__, 0)
lines = sorted(set(e[3] for e in out if e[1:2] == ("INSTRUCTION",) and e[3] is not None))
out.clear()
note(*lines)
""")

# ----------------------------------------------------------------------
# register_callback

case("register_callback_chain_returns_previous_each_time", """
def a(*x): pass
def b(*x): pass
mon.use_tool_id(1, "a")
r = [mon.register_callback(1, E.LINE, a), mon.register_callback(1, E.LINE, b), mon.register_callback(1, E.LINE, None), mon.register_callback(1, E.LINE, a)]
note(*[(x.__name__ if x else None) for x in r])
mon.register_callback(1, E.LINE, None)
mon.free_tool_id(1)
mon.use_tool_id(1, "again")
note(mon.register_callback(1, E.LINE, None))
""")

case("register_callback_from_other_event_mid_generator", """
def gen():
    a = 1
    yield a
    b = 2
    yield b
def line2(co, ln):
    if mine(co):
        out.append(("L2", ln))
def hook(n, args):
    if n == "PY_YIELD":
        mon.register_callback(1, E.LINE, line2)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD, hook=hook)
mon.set_local_events(1, gen.__code__, E.LINE | E.PY_YIELD)
run(list, gen())
mon.set_local_events(1, gen.__code__, 0)
""")

case("register_callback_none_then_back_same_frame", """
def f():
    a = 1
    mon.register_callback(1, E.LINE, None)
    b = 2
    mon.register_callback(1, E.LINE, cb)
    c = 3
    return a + b + c
def cb(co, ln):
    if mine(co):
        out.append(("L", ln))
mon.use_tool_id(1, "a"); mon.register_callback(1, E.LINE, cb)
mon.set_events(1, E.LINE)
run(f)
run(f)
""")

case("register_callback_bound_method_and_builtin", """
class R:
    def __init__(self):
        self.n = 0
    def cb(self, co, ln):
        if mine(co):
            self.n += 1
def f():
    a = 1
    return a
r = R()
mon.use_tool_id(1, "a")
mon.register_callback(1, E.LINE, r.cb)
mon.set_local_events(1, f.__code__, E.LINE)
f()
mon.register_callback(1, E.LINE, divmod)
try:
    f()
except TypeError as e:
    note("divmod", type(e).__name__)
mon.set_local_events(1, f.__code__, 0)
note(r.n)
""")

# ----------------------------------------------------------------------
# Threads

case("thread_runs_while_main_sets_local_events", """
import threading
ev1 = threading.Event(); ev2 = threading.Event()
def work():
    x = 1
    ev1.set()
    ev2.wait()
    y = 2
    return x + y
res = []
def body():
    res.append(work())
def f():
    t = threading.Thread(target=body)
    t.start()
    ev1.wait()
    mon.set_local_events(1, work.__code__, E.LINE | E.PY_RETURN)
    ev2.set()
    t.join()
    return res
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")

case("thread_callback_disable_seen_in_other_thread", """
import threading
def work():
    x = 1
    return x
def body():
    work()
def f():
    t = threading.Thread(target=body)
    t.start(); t.join()
    work()
    return 0
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.set_local_events(1, work.__code__, E.LINE)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")

case("thread_restart_events_from_other_thread", """
import threading
def work():
    x = 1
    return x
def f():
    work()
    t = threading.Thread(target=mon.restart_events)
    t.start(); t.join()
    work()
    return 0
mon.use_tool_id(1, "a"); rec(1, E.LINE, ret=lambda n, a: mon.DISABLE)
mon.set_local_events(1, work.__code__, E.LINE)
run(f)
mon.set_local_events(1, work.__code__, 0)
""")

case("thread_generator_resumed_in_other_thread", """
import threading
def gen():
    x = 1
    yield x
    x = 2
    yield x
it = gen()
res = []
def f():
    res.append(next(it))
    t = threading.Thread(target=lambda: res.append(next(it)))
    t.start(); t.join()
    return res
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_START)
mon.set_events(1, E.LINE | E.PY_YIELD | E.PY_RESUME | E.PY_START)
run(f)
""")

# ----------------------------------------------------------------------
# Mixed: recursion, frames, PEP 523-free checks inside callbacks

case("recursion_depth_same_in_callbacks", """
import sys as _s
def depth():
    n = 0
    fr = _s._getframe(1)
    while fr is not None:
        n += 1
        fr = fr.f_back
    return n
def g():
    return depth()
base = []
def hook(n, args):
    if n == "PY_START" and args[0] is g.__code__:
        base.append(depth())
def f():
    return g()
mon.use_tool_id(1, "a"); rec(1, E.PY_START, hook=hook)
mon.set_events(1, E.PY_START)
r = f()
mon.set_events(1, 0)
r2 = f()
note(r == r2, base[0] - r)
""")

case("f_back_chain_in_nested_call_callback", """
def h():
    return 1
def g():
    return h()
def f():
    return g()
def hook(n, args):
    if n == "PY_START" and args[0] is h.__code__:
        fr = sys._getframe(1)
        names = []
        while fr is not None and len(names) < 4:
            names.append(fr.f_code.co_name)
            fr = fr.f_back
        note(*names)
mon.use_tool_id(1, "a"); rec(1, E.PY_START, hook=hook)
mon.set_events(1, E.PY_START)
run(f)
""")

case("recursive_function_local_events_toggle_each_level", """
def r(n):
    if n == 0:
        return 0
    mon.set_local_events(1, r.__code__, E.LINE if n % 2 else 0)
    return r(n - 1) + 1
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_START)
mon.set_events(1, E.PY_RETURN | E.PY_START)
run(r, 4)
mon.set_local_events(1, r.__code__, 0)
""")

case("exec_in_monitored_function_of_new_code", """
def f():
    ns = {}
    exec(compile("def h(v):\\n    w = v\\n    return w\\n", "<prog>", "exec"), ns)
    return ns["h"](3)
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
run(f)
""")

case("lambda_in_default_and_nested_closure_disable", """
def f():
    k = 2
    g = lambda x, m=(lambda y: y * k): m(x) + 1
    return g(1), g(2)
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN | E.LINE, ret=lambda n, a: mon.DISABLE if a[0].co_name == "<lambda>" and n == "PY_START" else None)
mon.set_events(1, E.PY_START | E.PY_RETURN | E.LINE)
run(f)
""")

case("while_true_with_try_return_finally_events", """
def f():
    i = 0
    while True:
        try:
            i += 1
            if i == 3:
                return i
        finally:
            i += 0
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

case("conditional_expression_chain_lines", """
def f(x):
    return ("a" if x == 1 else
            "b" if x == 2 else
            "c")
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f, 1)
run(f, 3)
""")

case("boolean_short_circuit_calls_multiline", """
def t(v):
    return v
def f(a, b):
    return (t(a)
            and t(b)
            or t(-1))
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.PY_RETURN)
run(f, 1, 0)
run(f, 0, 1)
""")

case("global_events_off_local_on_inside_callback_of_other_code", """
def g():
    return 1
def f():
    a = g()
    b = g()
    return a + b
def hook(n, args):
    if n == "PY_RETURN" and args[0] is g.__code__:
        mon.set_events(1, 0)
        mon.set_local_events(1, f.__code__, E.LINE)
mon.use_tool_id(1, "a"); rec(1, E.PY_RETURN | E.LINE, hook=hook)
mon.set_events(1, E.PY_RETURN)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("settrace_tracer_and_tool_on_exception_in_generator", """
def tr(frame, event, arg):
    if frame.f_code is gen.__code__:
        out.append(("TR", event, frame.f_lineno, rep(arg) if event == "exception" else None))
    return tr
def gen():
    yield 1
    raise ValueError("g")
def f():
    try:
        return list(gen())
    except ValueError as e:
        return rep(e)
mon.use_tool_id(1, "a"); rec(1, E.RAISE | E.PY_UNWIND | E.PY_YIELD)
mon.set_events(1, E.RAISE | E.PY_UNWIND | E.PY_YIELD)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("setprofile_sees_generator_calls_with_tool", """
def pr(frame, event, arg):
    if frame.f_code is gen.__code__:
        out.append(("PR", event))
def gen():
    yield 1
    yield 2
def f():
    return list(gen())
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
mon.set_events(1, E.PY_START | E.PY_YIELD | E.PY_RESUME | E.PY_RETURN)
sys.setprofile(pr)
run(f)
sys.setprofile(None)
""")

case("tracer_returns_different_local_each_line", """
def t1(frame, event, arg):
    out.append(("T1", event, frame.f_lineno))
    return t2
def t2(frame, event, arg):
    out.append(("T2", event, frame.f_lineno))
    return t1
def tr(frame, event, arg):
    if frame.f_code is f.__code__:
        return t1
    return None
def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.LINE)
mon.set_events(1, E.LINE)
sys.settrace(tr)
run(f)
sys.settrace(None)
""")

case("set_events_inside_tracer_call_event", """
def tr(frame, event, arg):
    if frame.f_code is f.__code__ and event == "call":
        mon.set_events(1, E.LINE | E.PY_RETURN)
    return None
def f():
    a = 1
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_START)
mon.set_events(1, E.PY_START)
sys.settrace(tr)
run(f)
sys.settrace(None)
run(f)
""")

case("profiler_set_events_zero_at_return", """
def pr(frame, event, arg):
    if frame.f_code is g.__code__ and event == "return":
        mon.set_events(1, 0)
def g():
    return 1
def f():
    a = g()
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.setprofile(pr)
run(f)
sys.setprofile(None)
""")
