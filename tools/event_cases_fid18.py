"""More cases of tools/event_cases.py (session 18, fid18): 120 of them.

Same form as event_cases_data.py.  What a debugger sees of the monitored
frame from callbacks of every kind (`sys._getframe` from the callback:
f_code, f_lineno, f_back, sys.exc_info()), in loops, handlers, `with`,
generators, `yield from`, C calls, uncaught and re-raised exceptions;
sys.settrace/sys.setprofile set and cleared from callbacks of the kinds
earlier files leave out (RAISE, EXCEPTION_HANDLED, BRANCH_*, JUMP,
C_RAISE, RERAISE, STOP_ITERATION, CALL); f_lineno jumps by a legacy
tracer next to tools; f_trace_lines/f_trace_opcodes toggled mid-frame;
register_callback/use_tool_id/get_tool from callbacks; local events on
code running in several frames; generators collected, thrown into and
closed in odd states; async generators and coroutines driven by hand;
nested functions, closures, decorators, class bodies; `with` that
suppresses in generators and loops; `match` patterns; C calls of many
shapes (star-args, partial, type(), bound builtins, iter(f, sentinel),
hasattr with a Python __getattr__); BRANCH_LEFT/RIGHT on loop and
expression forms; threads started from callbacks.
(List, set and dict comprehensions are left out: frames before 3.12.)
"""
from event_cases_data import case

# ----------------------------------------------------------------------
# What the callback sees of the monitored frame, per event kind

FV = """
def fv(evname, args):
    fr = sys._getframe(2)
    b = fr.f_back
    ei = sys.exc_info()[0]
    # (appended to the event's own tuple: the runner's handler-count
    # normalisation then still sees the events side by side)
    out[-1] = out[-1] + ("fv", fr.f_code is args[0], fr.f_code.co_name,
                         fr.f_lineno,
                         b.f_code.co_name if b is not None else None,
                         ei.__name__ if ei else None)
"""

case("frame_view_loop_and_calls", FV + """
def f(n):
    s = 0
    for i in range(n):
        if i % 2:
            s += abs(-i)
        else:
            s += len(str(i))
    return s
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(f, 3)
""")

case("frame_view_handled_exception", FV + """
def g():
    raise KeyError("k")
def f():
    try:
        g()
    except KeyError:
        x = 1
    try:
        int("z")
    except ValueError as e:
        x = 2
    return x
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(f)
""")

case("frame_view_uncaught_and_reraise", FV + """
def g():
    try:
        raise KeyError("k")
    finally:
        y = 1
def f():
    try:
        g()
    except KeyError:
        raise
def h():
    try:
        f()
    except KeyError:
        return "ok"
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(h)
""")

case("frame_view_generator", FV + """
def gen():
    yield 1
    try:
        yield 2
    except ValueError:
        yield 3
def f():
    it = gen()
    a = next(it)
    b = next(it)
    c = it.throw(ValueError)
    it.close()
    return a, b, c
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(f)
""")

case("frame_view_yield_from_and_for", FV + """
def inner():
    yield 1
    return 5
def outer():
    r = yield from inner()
    yield r
def f():
    t = 0
    for v in outer():
        t += v
    return t
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(f)
""")

case("frame_view_with_and_c_raise", FV + """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        return True
def f():
    with CM():
        x = [].pop()
    try:
        int("q")
    except ValueError:
        pass
    return 1
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=fv); mon.set_events(1, ALL & ~E.JUMP)
run(f)
""")

case("frame_view_local_events_only", FV + """
def g(v):
    return v + 1
def f():
    a = g(1)
    b = g(2)
    return a + b
mon.use_tool_id(1, "a"); rec(1, ALL, hook=fv)
mon.set_local_events(1, g.__code__, E.PY_START | E.PY_RETURN | E.LINE)
run(f)
mon.set_local_events(1, g.__code__, 0)
""")

case("frame_view_instruction", FV + """
def f(x):
    y = x + 1
    return y * 2
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION, hook=fv)
mon.set_local_events(1, f.__code__, E.INSTRUCTION)
run(f, 2)
mon.set_local_events(1, f.__code__, 0)
""")

case("frame_view_locals_per_kind", """
def lv(evname, args):
    fr = sys._getframe(2)
    out[-1] = out[-1] + ("locals", ",".join(sorted(fr.f_locals)))
def f(n):
    a = n
    for i in range(n):
        b = i
    try:
        raise KeyError
    except KeyError as e:
        c = 1
    return a
mon.use_tool_id(1, "a"); rec(1, ALL & ~E.JUMP, hook=lv); mon.set_events(1, ALL & ~E.JUMP)
run(f, 2)
""")

case("frame_view_two_tools_same_frame", FV + """
def f():
    s = 0
    for i in range(2):
        s += i
    return s
mon.use_tool_id(1, "a"); mon.use_tool_id(2, "b")
rec(1, E.LINE | E.PY_RETURN, hook=fv)
rec(2, E.LINE | E.CALL, hook=fv)
mon.set_events(1, E.LINE | E.PY_RETURN); mon.set_events(2, E.LINE | E.CALL)
run(f)
""")

case("frame_view_under_settrace", FV + """
def tr(frame, event, arg):
    if mine(frame.f_code):
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def f():
    x = 1
    y = len("ab")
    return x + y
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN, hook=fv)
mon.set_events(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
""")

case("frame_view_exc_info_in_handler_nested", FV + """
def f():
    try:
        raise KeyError(1)
    except KeyError:
        try:
            raise ValueError(2)
        except ValueError:
            pass
        z = 3
    return z
mon.use_tool_id(1, "a")
rec(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE, hook=fv)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED | E.LINE)
run(f)
""")

# ----------------------------------------------------------------------
# A tracer / profiler set at the first event of a kind, cleared at the
# second (kinds earlier files leave out)

TRP = """
def tr(frame, event, arg):
    if mine(frame.f_code):
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def prof(frame, event, arg):
    if mine(frame.f_code):
        note("prof", event, frame.f_code.co_name,
             getattr(arg, "__name__", None) if event.startswith("c_") else None)
def g():
    raise KeyError("g")
def f(n):
    s = 0
    for i in range(n):
        if i:
            s += abs(-i)
        try:
            g()
        except KeyError:
            s += 1
    try:
        int("q")
    except ValueError:
        pass
    for v in iter([1]):
        s += v
    return s
state = {"n": 0}
def hook(evname, args):
    if evname == KIND:
        state["n"] += 1
        if state["n"] == 1:
            SET(FN)
        elif state["n"] == 2:
            SET(None)
"""

for _kind in ("RAISE", "EXCEPTION_HANDLED", "BRANCH_LEFT", "BRANCH_RIGHT",
              "JUMP", "C_RAISE", "STOP_ITERATION", "CALL"):
    for _set, _fn in (("settrace", "tr"), ("setprofile", "prof")):
        case("%s_on_off_from_%s" % (_set, _kind), TRP + """
KIND = %r
SET = sys.%s
FN = %s
mon.use_tool_id(1, "a"); rec(1, ALL, hook=hook); mon.set_events(1, ALL)
run(f, 3)
sys.%s(None)
run(f, 2)
""" % (_kind, _set, _fn, _set))

# ----------------------------------------------------------------------
# f_lineno jumps by a legacy tracer while tools watch

JT = """
def make_tr(at, to, once=True):
    state = {"done": False}
    def tr(frame, event, arg):
        if not mine(frame.f_code):
            return tr
        if event == "line":
            line = frame.f_lineno - frame.f_code.co_firstlineno
            if line == at and not (once and state["done"]):
                state["done"] = True
                try:
                    frame.f_lineno = frame.f_code.co_firstlineno + to
                    note("jumped", at, to)
                except Exception as e:
                    note("refused", type(e).__name__, str(e))
        return tr
    return tr
"""

case("tracer_jump_forward_over_if_with_branches", JT + """
def f(x):
    a = 1
    if x:
        a = 2
    else:
        a = 3
    b = a + 1
    return b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT | E.PY_RETURN)
mon.set_events(1, E.LINE | E.BRANCH_LEFT | E.BRANCH_RIGHT | E.PY_RETURN)
sys.settrace(make_tr(2, 6)); run(f, 1); sys.settrace(None)
run(f, 0)
""")

case("tracer_jump_back_reruns_line", JT + """
def f():
    n = 0
    n += 1
    m = len("abc")
    return n * 10 + m
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
sys.settrace(make_tr(3, 2)); run(f); sys.settrace(None)
""")

case("tracer_jump_out_of_for_loop", JT + """
def f():
    t = 0
    for i in range(5):
        t += i
    t += 100
    return t
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.STOP_ITERATION | E.PY_RETURN)
mon.set_events(1, E.LINE | E.STOP_ITERATION | E.PY_RETURN)
sys.settrace(make_tr(3, 4)); run(f); sys.settrace(None)
run(f)
""")

case("tracer_jump_out_of_try_body", JT + """
def f():
    r = []
    try:
        r.append(1)
        r.append(2)
    except KeyError:
        r.append(3)
    r.append(4)
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
sys.settrace(make_tr(3, 7)); run(f); sys.settrace(None)
""")

case("tracer_jump_with_instruction_tool", JT + """
def f():
    a = 1
    a = 2
    a = 3
    return a
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.LINE)
mon.set_local_events(1, f.__code__, E.INSTRUCTION | E.LINE)
sys.settrace(make_tr(1, 3)); run(f); sys.settrace(None)
mon.set_local_events(1, f.__code__, 0)
""")

case("tracer_jump_refused_into_loop_body", JT + """
def f():
    a = 0
    for i in range(2):
        a += i
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(make_tr(1, 3)); run(f); sys.settrace(None)
""")

case("tracer_jump_line_disabled_by_tool", JT + """
def f():
    a = 1
    a = 2
    a = 3
    return a
def ret(evname, args):
    if evname == "LINE":
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, ret=ret)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
sys.settrace(make_tr(2, 1)); run(f); sys.settrace(None)
run(f)
""")

case("line_callback_jump_then_tracer_sees", """
def tr(frame, event, arg):
    if mine(frame.f_code):
        note("tr", event, frame.f_lineno - frame.f_code.co_firstlineno)
    return tr
done_ = []
def hook(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 1 and not done_:
        done_.append(1)
        sys._getframe(2).f_lineno = args[0].co_firstlineno + 3
def f():
    a = 1
    a = 2
    a = 3
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
""")

# ----------------------------------------------------------------------
# f_trace_lines / f_trace_opcodes toggled mid-frame by the tracer

case("f_trace_lines_toggled_mid_frame", """
def tr(frame, event, arg):
    if not mine(frame.f_code):
        return tr
    note("tr", event, frame.f_lineno - frame.f_code.co_firstlineno)
    line = frame.f_lineno - frame.f_code.co_firstlineno
    if event == "line" and line == 2:
        frame.f_trace_lines = False
    if event == "call":
        frame.f_trace_lines = True
    return tr
def g():
    return 1
def f():
    a = 1
    a = 2
    a = g()
    a = 4
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
""")

case("f_trace_opcodes_toggled_mid_frame", """
def tr(frame, event, arg):
    if not mine(frame.f_code):
        return tr
    if event == "opcode":
        note("op", frame.f_lineno - frame.f_code.co_firstlineno)
    else:
        note("tr", event, frame.f_lineno - frame.f_code.co_firstlineno)
    line = frame.f_lineno - frame.f_code.co_firstlineno
    if event == "line" and line == 2:
        frame.f_trace_opcodes = True
    if event == "line" and line == 3:
        frame.f_trace_opcodes = False
    return tr
def f():
    a = 1
    a = 2
    a = 3
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
""")

case("f_trace_lines_off_read_back_in_callbacks", """
def tr(frame, event, arg):
    if mine(frame.f_code) and event == "call":
        frame.f_trace_lines = False
    return tr
def hook(evname, args):
    fr = sys._getframe(2)
    note("flags", evname, fr.f_trace_lines, fr.f_trace_opcodes,
         fr.f_trace is not None)
def f():
    a = 1
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
run(f)
""")

# ----------------------------------------------------------------------
# register_callback / use_tool_id / get_tool from callbacks

case("register_callback_swaps_other_event_midframe", """
def alt(code, off):
    if mine(code):
        note("alt-line", code.co_name, off)
def hook(evname, args):
    if evname == "CALL":
        old = mon.register_callback(1, E.LINE, alt)
        note("old", old is not None)
def g():
    return 1
def f():
    a = 1
    b = g()
    c = 3
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL, hook=hook)
mon.set_events(1, E.LINE | E.CALL)
run(f)
""")

case("register_callback_none_for_other_event_from_line", """
def hook(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 2:
        mon.register_callback(1, E.PY_RETURN, None)
        mon.register_callback(1, E.C_RETURN, None)
def f():
    a = abs(-1)
    b = abs(-2)
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE)
run(f); run(f)
rec(1, E.PY_RETURN | E.CALL | E.C_RETURN | E.C_RAISE)
run(f)
""")

case("use_tool_id_and_get_tool_in_callbacks", """
def hook(evname, args):
    if evname == "PY_START":
        try:
            mon.use_tool_id(1, "again")
        except Exception as e:
            note("use", type(e).__name__, str(e))
        note("get", mon.get_tool(1), mon.get_tool(2))
        mon.use_tool_id(2, "second")
    if evname == "PY_RETURN":
        note("get", mon.get_tool(2))
        mon.free_tool_id(2)
        note("get", mon.get_tool(2))
def f():
    return 1
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.PY_RETURN)
run(f)
""")

case("free_then_use_new_name_in_callback_keeps_events", """
def hook(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 1:
        mon.free_tool_id(1)
        mon.use_tool_id(1, "renamed")
        note("name", mon.get_tool(1), mon.get_events(1))
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f); run(f)
""")

case("set_events_bad_value_in_callback", """
def hook(evname, args):
    if evname == "LINE":
        for bad in (-1, 1 << 30, "x"):
            try:
                mon.set_events(1, bad)
            except Exception as e:
                note("bad", type(e).__name__)
        try:
            mon.set_local_events(1, args[0], E.C_RAISE)
        except Exception as e:
            note("badlocal", type(e).__name__, str(e))
def f():
    a = 1
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

case("tool_ids_all_six_same_event_order", """
def f():
    return abs(-1)
for t in range(6):
    mon.use_tool_id(t, "t%d" % t)
    rec(t, E.PY_START | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
for t in (5, 0, 3, 1, 4, 2):
    mon.set_events(t, E.PY_START | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
run(f)
mon.set_events(3, 0); mon.set_events(0, 0)
run(f)
""")

case("disable_from_one_of_six_tools", """
def f(n):
    s = 0
    for i in range(n):
        s += i
    return s
def dis(evname, args):
    return mon.DISABLE
for t in range(6):
    mon.use_tool_id(t, "t%d" % t)
    rec(t, E.LINE, ret=dis if t in (2, 5) else None)
    mon.set_events(t, E.LINE)
run(f, 2)
run(f, 1)
mon.restart_events()
run(f, 1)
""")

# ----------------------------------------------------------------------
# Local events on code running in several frames

case("local_events_set_from_deep_recursion", """
def r(n):
    if n == 2:
        mon.set_local_events(1, r.__code__, E.LINE | E.PY_RETURN)
    if n:
        r(n - 1)
    return n
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN)
run(r, 4)
mon.set_local_events(1, r.__code__, 0)
run(r, 1)
""")

case("local_events_off_from_inner_recursion", """
def r(n):
    if n == 1:
        mon.set_local_events(1, r.__code__, 0)
    if n:
        r(n - 1)
    return n
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_START)
mon.set_local_events(1, r.__code__, E.LINE | E.PY_RETURN | E.PY_START)
run(r, 3)
""")

case("local_events_two_live_generators_same_code", """
def gen(k):
    yield k
    yield k + 1
    yield k + 2
def f():
    a = gen(1); b = gen(10)
    r = [next(a), next(b)]
    mon.set_local_events(1, gen.__code__, E.LINE | E.PY_RESUME | E.PY_YIELD)
    r += [next(a), next(b)]
    mon.set_local_events(1, gen.__code__, 0)
    r += [next(a), next(b)]
    return r
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RESUME | E.PY_YIELD)
run(f)
""")

case("local_events_replaced_code_object", """
def g():
    a = 1
    return a
def f():
    return g()
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START)
mon.set_local_events(1, g.__code__, E.LINE | E.PY_START)
run(f)
orig = g.__code__
g.__code__ = orig.replace(co_name="g2")
run(f)
g.__code__ = orig
run(f)
mon.set_local_events(1, orig, 0)
""")

case("local_events_not_on_nested_code", """
def f():
    def inner():
        return 2
    x = inner()
    return x + (lambda: 1)()
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_local_events(1, f.__code__, E.LINE | E.PY_START | E.PY_RETURN)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

# ----------------------------------------------------------------------
# Callbacks calling monitored code; recursion in callbacks

case("callback_calls_monitored_function", """
def g(v):
    return v * 2
def hook(evname, args):
    if evname == "LINE":
        note("g", g(3))
def f():
    a = g(1)
    return a
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN | E.CALL, hook=hook)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN | E.CALL)
run(f)
""")

case("callback_recursion_error_inside_callback", """
def deep(n):
    return deep(n + 1)
def hook(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 1:
        try:
            deep(0)
        except RecursionError:
            note("rec-in-cb")
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
""")

case("callback_raises_recursion_error_at_call", """
def deep(n):
    return deep(n + 1)
def hook(evname, args):
    if evname == "CALL" and rep(args[2]) == "callable:g":
        deep(0)
def g():
    return 1
def f():
    try:
        g()
    except RecursionError:
        return "rec"
mon.use_tool_id(1, "a")
rec(1, E.CALL | E.RAISE | E.EXCEPTION_HANDLED | E.PY_START, hook=hook)
mon.set_events(1, E.CALL | E.RAISE | E.EXCEPTION_HANDLED | E.PY_START)
run(f)
""")

# ----------------------------------------------------------------------
# Generators: collected, closed and thrown into in odd states

case("gen_collected_suspended_in_with", """
class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        note("exit", a[0].__name__ if a[0] else None)
        return False
def gen():
    with CM():
        yield 1
        yield 2
def f():
    it = gen()
    next(it)
    del it
    return 0
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_collected_suspended_in_try_finally", """
def gen():
    try:
        yield 1
    finally:
        note("fin")
def f():
    it = gen()
    next(it)
    it = None
    return 0
mon.use_tool_id(1, "a")
rec(1, E.PY_START | E.PY_RESUME | E.PY_THROW | E.PY_UNWIND | E.LINE | E.RAISE | E.PY_RETURN)
mon.set_events(1, E.PY_START | E.PY_RESUME | E.PY_THROW | E.PY_UNWIND | E.LINE | E.RAISE | E.PY_RETURN)
run(f)
""")

case("gen_ignores_generator_exit", """
def gen():
    while True:
        try:
            yield 1
        except GeneratorExit:
            note("ignored")
def f():
    it = gen()
    next(it)
    try:
        it.close()
    except RuntimeError as e:
        return str(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_throw_in_finally_while_suspended", """
def gen():
    try:
        yield 1
    finally:
        yield 2
        note("after")
def f():
    it = gen()
    next(it)
    a = it.throw(KeyError("x"))
    try:
        next(it)
    except KeyError as e:
        return a, "k"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_yield_from_c_iterator_close_throw", """
def gen():
    yield from iter([1, 2, 3])
def f():
    a = gen(); next(a); a.close()
    b = gen(); next(b)
    try:
        b.throw(ValueError("v"))
    except ValueError:
        pass
    return 1
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_return_value_in_send_loop", """
def gen():
    total = 0
    while True:
        v = yield total
        if v is None:
            return total
        total += v
def f():
    it = gen()
    next(it)
    it.send(2); it.send(3)
    try:
        it.send(None)
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_throw_with_traceback_object", """
def gen():
    yield 1
def f():
    try:
        raise KeyError("t")
    except KeyError as e:
        exc = e
    it = gen(); next(it)
    try:
        it.throw(exc)
    except KeyError:
        return "k"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("gen_running_next_from_itself", """
def gen():
    yield me.send(None)
def f():
    global me
    me = gen()
    try:
        next(me)
    except ValueError as e:
        return str(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# Async generators and coroutines driven by hand

AS = """
def drive(aw):
    try:
        while True:
            aw.send(None)
    except StopIteration as e:
        return e.value
import types
@types.coroutine
def sleep0():
    yield
"""

case("async_gen_athrow_while_awaiting", AS + """
async def ag():
    try:
        await sleep0()
        yield 1
    except KeyError:
        yield 2
async def main():
    it = ag()
    a = it.asend(None)
    a.send(None)
    try:
        a.throw(KeyError("k"))
    except StopIteration as e:
        return e.value
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(drive, main())
""")

case("async_gen_aclose_yields_in_finally", AS + """
async def ag():
    try:
        yield 1
    finally:
        yield 2
async def main():
    it = ag()
    await it.__anext__()
    try:
        await it.aclose()
    except RuntimeError as e:
        return str(e)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(drive, main())
""")

case("async_gen_exhausted_anext", AS + """
async def ag():
    yield 1
async def main():
    it = ag()
    r = [await it.__anext__()]
    for _ in range(2):
        try:
            await it.__anext__()
        except StopAsyncIteration:
            r.append("stop")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(drive, main())
""")

case("async_gen_with_async_with_inside", AS + """
class ACM:
    async def __aenter__(self):
        await sleep0()
        return 1
    async def __aexit__(self, *a):
        await sleep0()
        return True
async def ag():
    async with ACM() as v:
        yield v
        raise KeyError
    yield 9
async def main():
    r = []
    async for x in ag():
        r.append(x)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(drive, main())
""")

case("coroutine_send_values_through_types_coroutine", """
import types
@types.coroutine
def ask():
    v = yield "q"
    return v * 2
async def c():
    a = await ask()
    b = await ask()
    return a + b
def f():
    co = c()
    r = [co.send(None), co.send(1)]
    try:
        co.send(5)
    except StopIteration as e:
        r.append(e.value)
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("coroutine_throw_then_close_by_hand", AS + """
async def c():
    try:
        await sleep0()
    except KeyError:
        await sleep0()
    return 1
def f():
    co = c()
    co.send(None)
    co.throw(KeyError("k"))
    co.close()
    return "closed"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("coroutine_never_awaited_closed", """
async def c():
    return 1
def f():
    co = c()
    co.close()
    return "ok"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("async_gen_asend_callback_raises", AS + """
async def ag():
    v = yield 1
    yield v
class Boom(Exception):
    pass
def ret(evname, args):
    if evname == "PY_RESUME" and args[0].co_name == "ag":
        raise Boom("r")
async def main():
    it = ag()
    await it.__anext__()
    try:
        await it.asend(5)
    except Boom:
        return "boom"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(drive, main())
""")

# ----------------------------------------------------------------------
# Nested functions, closures, decorators, class bodies

case("closure_nonlocal_counter", """
def make():
    n = 0
    def inc(k=1):
        nonlocal n
        n += k
        return n
    return inc
def f():
    c = make()
    c(); c(2)
    return c()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("stacked_decorators_with_wraps", """
import functools
def deco(tag):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*a, **k):
            return (tag, fn(*a, **k))
        return inner
    return wrap
@deco("a")
@deco("b")
def target(x):
    return x + 1
def f():
    return target(1)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("class_body_methods_kinds", """
class K:
    x = len("abc")
    @staticmethod
    def s():
        return 1
    @classmethod
    def c(cls):
        return cls.x
    @property
    def p(self):
        return 3
    def __repr__(self):
        return "K"
def f():
    k = K()
    return K.s(), K.c(), k.p, repr(k)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("class_defined_inside_function_events", """
def f(n):
    class Local:
        y = n * 2
        if n:
            z = 1
        else:
            z = 0
        def m(self):
            return self.y
    return Local().m()
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f, 1)
""")

case("lambda_default_and_closure_in_genexp", """
def f():
    fs = [(lambda i=i: i * 2) for i in (1, 2)]
    return sum(g() for g in fs)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 12))

case("genexp_nested_with_filters_branches", """
def f():
    data = [[1, 2], [3], []]
    return list(x for row in data if row for x in row if x % 2)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# `with` that suppresses, in generators and loops

case("with_suppress_around_yield", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return t is KeyError
def gen():
    with S():
        yield 1
        raise KeyError
    yield 2
def f():
    it = gen()
    a = next(it)
    b = next(it)
    return a, b
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("with_suppress_throw_into_generator", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return True
def gen():
    with S():
        yield 1
    yield 2
def f():
    it = gen()
    next(it)
    return it.throw(ValueError("v"))
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("with_two_items_inner_suppresses", """
class S:
    def __init__(self, n, sup):
        self.n = n; self.sup = sup
    def __enter__(self):
        return self.n
    def __exit__(self, t, v, tb):
        return self.sup
def f():
    with S(1, False) as a, S(2, True) as b:
        raise KeyError(a + b)
    return "after"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("with_suppress_break_in_while", """
class S:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        return True
def f():
    n = 0
    while n < 5:
        n += 1
        with S():
            if n == 2:
                break
            raise KeyError
    return n
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("with_exit_is_c_method_lock", """
import threading
def f():
    lk = threading.Lock()
    with lk:
        x = 1
    try:
        with lk:
            raise KeyError
    except KeyError:
        x = 2
    return x
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 9))

# ----------------------------------------------------------------------
# try/finally with return/break/continue

case("finally_continue_in_for_else", """
def f():
    r = []
    for i in range(3):
        try:
            if i == 1:
                continue
            r.append(i)
        finally:
            r.append(-i)
    else:
        r.append("else")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 9))

case("finally_return_swallows_raise_in_generator", """
def gen():
    try:
        yield 1
        raise KeyError
    finally:
        return
def f():
    return list(gen())
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 9))

case("finally_reraise_after_handled_inner", """
def f():
    try:
        try:
            raise KeyError(1)
        except KeyError:
            raise ValueError(2)
        finally:
            x = 1
    except ValueError as e:
        return type(e.__context__).__name__
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# match statements (3.10+)

case("match_sequence_star_and_mapping", """
def m(v):
    match v:
        case [1, *rest]:
            return ("seq", len(rest))
        case {"k": x, **others}:
            return ("map", x, len(others))
        case (a, b) if a > b:
            return "pair"
        case _:
            return "other"
def f():
    return [m([1, 2, 3]), m({"k": 1, "j": 2}), m((3, 1)), m((1, 3)), m(5)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 10))

case("match_or_patterns_and_value", """
class C:
    RED = 1
    BLUE = 2
def m(v):
    match v:
        case C.RED | C.BLUE:
            return "colour"
        case 3 | 4 as n:
            return n
        case str() | bytes():
            return "text"
    return None
def f():
    return [m(1), m(2), m(4), m("s"), m(9)]
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 10))

case("match_class_pattern_match_args", """
class P:
    __match_args__ = ("x", "y")
    def __init__(self, x, y):
        self.x = x; self.y = y
class Bad:
    __match_args__ = ("q",)
def m(v):
    match v:
        case P(0, y):
            return ("axis", y)
        case P(x, y=2):
            return ("y2", x)
        case Bad(q):
            return q
    return None
def f():
    r = [m(P(0, 5)), m(P(1, 2)), m(P(1, 1))]
    try:
        m(Bad())
    except AttributeError:
        r.append("attr")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 10))

case("match_value_pattern_eq_raises", """
class W:
    def __eq__(self, other):
        raise KeyError("eq")
class N:
    V = W()
def m(v):
    match v:
        case N.V:
            return "v"
    return None
def f():
    try:
        return m(1)
    except KeyError:
        return "raised"
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""", minv=(3, 10))

# ----------------------------------------------------------------------
# C calls of many shapes

case("c_calls_star_args_and_kwargs_raise", """
def f():
    r = []
    args = [3, 1, 2]
    r.append(max(*args))
    r.append(sorted(args, **{"reverse": True}))
    try:
        int(*["x"])
    except (ValueError, TypeError):
        r.append("empty")
    try:
        dict(**{"a": 1}, b=2).pop("z")
    except KeyError:
        r.append("nokey")
    try:
        len(*args)
    except TypeError:
        r.append("type")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("c_calls_partial_type_and_unbound", """
import functools
def py(a, b):
    return a - b
def f():
    r = []
    p = functools.partial(py, 10)
    r.append(p(3))
    q = functools.partial(pow, 2)
    r.append(q(5))
    r.append(type(3).__name__)
    r.append(type("N", (), {"a": 1}).__name__)
    l = []
    list.append(l, 1)
    ap = l.append
    ap(2)
    r.append(str.join(",", ["a", "b"]))
    return r, l
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("c_calls_iter_sentinel_and_hasattr", """
class G:
    def __getattr__(self, name):
        if name == "ok":
            return 1
        raise AttributeError(name)
def f():
    it = iter([1, 2, 0, 3])
    vals = list(iter(lambda: next(it), 0))
    g = G()
    return vals, hasattr(g, "ok"), hasattr(g, "no"), getattr(g, "no", 7)
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("c_calls_with_profiler_partial_and_type", """
import functools
def prof(frame, event, arg):
    if mine(frame.f_code) and event.startswith("c_"):
        note("prof", event, frame.f_code.co_name, getattr(arg, "__name__", "?"))
def f():
    p = functools.partial(max, 1)
    a = p(5)
    b = type(a)
    try:
        int("x")
    except ValueError:
        pass
    return a, b.__name__
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
sys.setprofile(prof); run(f); sys.setprofile(None)
run(f)
""")

case("c_calls_class_instantiation_kinds", """
class Py:
    def __init__(self, v):
        self.v = v
class Sub(int):
    pass
class Meta(type):
    def __call__(cls, *a):
        return super().__call__(*a)
class WithMeta(metaclass=Meta):
    def __init__(self, v):
        self.v = v
def f():
    r = [Py(1).v, Sub(2) + 0, WithMeta(3).v, int("4"), dict(a=1)]
    try:
        Py()
    except TypeError:
        r.append("type")
    return r
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("c_calls_sorted_with_python_lt", """
class K:
    def __init__(self, v):
        self.v = v
    def __lt__(self, other):
        return self.v < other.v
def f():
    ks = sorted([K(2), K(1)])
    return ks[0].v, min(K(5), K(4)).v, max([K(1), K(3)], key=lambda k: k.v).v
mon.use_tool_id(1, "a"); rec(1, ALL); mon.set_events(1, ALL)
run(f)
""")

case("c_call_disable_then_star_call", """
def ret(evname, args):
    if evname in ("C_RETURN", "CALL") and rep(args[2]) == "callable:max":
        return mon.DISABLE
def f():
    a = max(1, 2)
    b = max(*[3, 4])
    c = min(*[5, 6])
    return a + b + c
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RETURN | E.C_RAISE, ret=ret)
mon.set_events(1, E.CALL | E.C_RETURN | E.C_RAISE)
run(f); run(f)
""")

# ----------------------------------------------------------------------
# BRANCH_LEFT / BRANCH_RIGHT on loops and expressions

BR = """
mon.use_tool_id(1, "a")
rec(1, E.BRANCH_LEFT | E.BRANCH_RIGHT | E.LINE)
mon.set_events(1, E.BRANCH_LEFT | E.BRANCH_RIGHT | E.LINE)
"""

case("branch_while_and_condition", BR + """
def f(xs):
    i = 0
    while i < len(xs) and xs[i] > 0:
        i += 1
    return i
run(f, [1, 2, -1, 3]); run(f, [1]); run(f, [])
""")

case("branch_if_not_and_is_none", BR + """
def f(a, b):
    r = 0
    if not a:
        r += 1
    if b is None:
        r += 2
    if a is not None and not b:
        r += 4
    return r
run(f, 0, None); run(f, 1, 2); run(f, None, 0)
""")

case("branch_chained_comparison", BR + """
def f(x):
    if 0 < x < 10:
        return "in"
    if 10 <= x <= 20 != x:
        return "mid"
    return "out"
run(f, 5); run(f, 15); run(f, 20); run(f, 50); run(f, -1)
""")

case("branch_assert_with_message", BR + """
def f(x):
    assert x > 0, "neg %d" % x
    assert x, x
    return x
run(f, 1); run(f, -1)
""")

case("branch_for_else_and_break", BR + """
def f(xs, t):
    for x in xs:
        if x == t:
            break
    else:
        return None
    return x
run(f, [1, 2], 2); run(f, [1, 2], 3); run(f, [], 1)
""")

case("branch_genexp_filter_short_circuit", BR + """
def f(xs):
    return any(x > 2 for x in xs if x % 2), all(x for x in xs)
run(f, [1, 3, 4]); run(f, [2, 4, 0])
""")

case("branch_disable_left_keep_right_in_loop", """
def f(n):
    c = 0
    for i in range(n):
        if i % 3 == 0:
            c += 1
    return c
def ret(evname, args):
    if evname == "BRANCH_LEFT":
        return mon.DISABLE
mon.use_tool_id(1, "a"); rec(1, E.BRANCH_LEFT | E.BRANCH_RIGHT, ret=ret)
mon.set_events(1, E.BRANCH_LEFT | E.BRANCH_RIGHT)
run(f, 5)
mon.restart_events()
run(f, 2)
""")

case("branch_while_true_break_and_try", BR + """
def f(xs):
    it = iter(xs)
    while True:
        try:
            v = next(it)
        except StopIteration:
            break
        if v:
            continue
    return 1
run(f, [0, 1])
""")

# ----------------------------------------------------------------------
# INSTRUCTION (as lines) and JUMP in more forms

case("instruction_in_try_except_raise", """
def f():
    try:
        x = {}["k"]
    except KeyError:
        x = 1
    return x
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.RAISE | E.EXCEPTION_HANDLED)
mon.set_events(1, E.RAISE | E.EXCEPTION_HANDLED)
mon.set_local_events(1, f.__code__, E.INSTRUCTION)
run(f)
mon.set_local_events(1, f.__code__, 0)
""")

case("instruction_disable_per_offset_then_restart", """
seen = {}
def ret(evname, args):
    if evname == "INSTRUCTION":
        return mon.DISABLE
def f(n):
    s = 0
    for i in range(n):
        s += i
    return s
mon.use_tool_id(1, "a"); rec(1, E.INSTRUCTION | E.LINE, ret=ret)
mon.set_local_events(1, f.__code__, E.INSTRUCTION | E.LINE)
run(f, 2)
run(f, 2)
mon.restart_events()
run(f, 1)
mon.set_local_events(1, f.__code__, 0)
""")

case("jump_events_loops_and_continue", """
def f(n):
    t = 0
    for i in range(n):
        if i == 1:
            continue
        t += i
    while t > 3:
        t -= 2
    return t
mon.use_tool_id(1, "a"); rec(1, E.JUMP | E.LINE)
mon.set_events(1, E.JUMP | E.LINE)
run(f, 4)
""")

case("jump_disable_then_restart", """
def ret(evname, args):
    if evname == "JUMP":
        return mon.DISABLE
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
mon.use_tool_id(1, "a"); rec(1, E.JUMP, ret=ret)
mon.set_events(1, E.JUMP)
run(f, 3); run(f, 3)
mon.restart_events()
run(f, 2)
""")

# ----------------------------------------------------------------------
# Callbacks raising in odd places

case("callback_raises_in_class_body_line", """
class Boom(Exception):
    pass
def ret(evname, args):
    if evname == "LINE" and args[0].co_name == "K" and not st:
        st.append(1)
        raise Boom("cls")
st = []
def f():
    try:
        class K:
            a = 1
            b = 2
    except Boom:
        return "boom"
    return "no"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(f)
""")

case("callback_raises_in_genexp_consumed_by_sum", """
class Boom(Exception):
    pass
def ret(evname, args):
    if evname == "PY_YIELD" and args[0].co_name == "<genexpr>" and not st:
        st.append(1)
        raise Boom("y")
st = []
def f():
    try:
        return sum(x for x in range(4))
    except Boom:
        return "boom"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(f)
""")

case("callback_raises_at_c_return_of_key", """
class Boom(Exception):
    pass
def ret(evname, args):
    if evname == "C_RETURN" and rep(args[2]) == "callable:abs" and not st:
        st.append(1)
        raise Boom("abs")
st = []
def f():
    try:
        return sorted([-3, 1, -2], key=lambda v: abs(v))
    except Boom:
        return "boom"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(f)
""")

case("callback_raises_stop_iteration_at_line_in_for", """
def ret(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 3 and not st:
        st.append(1)
        raise StopIteration("cb")
st = []
def f():
    t = 0
    for i in range(3):
        t += i
    return t
def g():
    try:
        return f()
    except StopIteration as e:
        return "stop"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(g)
""")

case("callback_raises_generator_exit_at_line", """
def ret(evname, args):
    if evname == "LINE" and args[0].co_name == "f" and not st:
        st.append(1)
        raise GeneratorExit
st = []
def f():
    a = 1
    return a
def g():
    try:
        return f()
    except GeneratorExit:
        return "gexit"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(g)
""")

case("callback_raises_in_exception_handled_of_generator", """
class Boom(Exception):
    pass
def ret(evname, args):
    if evname == "EXCEPTION_HANDLED" and args[0].co_name == "gen" and not st:
        st.append(1)
        raise Boom("h")
st = []
def gen():
    try:
        yield 1
    except KeyError:
        yield 2
def f():
    it = gen(); next(it)
    try:
        it.throw(KeyError)
    except Boom:
        return "boom"
mon.use_tool_id(1, "a"); rec(1, ALL, ret=ret); mon.set_events(1, ALL)
run(f)
""")

# ----------------------------------------------------------------------
# Threads started while events are set / from callbacks

case("thread_started_from_callback", """
import threading
def work():
    x = 1
    return x
th = []
def hook(evname, args):
    if evname == "PY_START" and args[0].co_name == "f" and not th:
        t = threading.Thread(target=work)
        th.append(t)
        t.start()
        t.join()
def f():
    return 1
mon.use_tool_id(1, "a"); rec(1, E.PY_START | E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.PY_START | E.LINE | E.PY_RETURN)
run(f)
""")

case("thread_frees_tool_while_main_waits", """
import threading
def work():
    mon.set_events(1, 0)
    mon.free_tool_id(1)
def f():
    a = 1
    t = threading.Thread(target=work)
    t.start(); t.join()
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN | E.PY_START)
mon.set_events(1, E.LINE | E.PY_RETURN | E.PY_START)
run(f)
""")

case("thread_settrace_and_tool_in_thread", """
import threading
def tr(frame, event, arg):
    if mine(frame.f_code):
        note("tr", event, frame.f_code.co_name)
    return tr
def work():
    sys.settrace(tr)
    x = len("a")
    sys.settrace(None)
    return x
def f():
    t = threading.Thread(target=work)
    t.start(); t.join()
    return 1
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
mon.set_events(1, E.LINE | E.CALL | E.C_RETURN | E.C_RAISE | E.PY_RETURN)
run(f)
""")

# ----------------------------------------------------------------------
# Legacy profiler/tracer set and cleared together with tools' changes

case("settrace_and_set_events_off_same_callback", """
def tr(frame, event, arg):
    if mine(frame.f_code):
        note("tr", event, frame.f_code.co_name, frame.f_lineno)
    return tr
def hook(evname, args):
    if evname == "LINE" and args[1] - args[0].co_firstlineno == 1:
        sys.settrace(tr)
        mon.set_events(1, 0)
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_RETURN, hook=hook)
mon.set_events(1, E.LINE | E.PY_RETURN)
run(f)
sys.settrace(None)
""")

case("setprofile_cleared_by_tool_at_c_raise", """
def prof(frame, event, arg):
    if mine(frame.f_code):
        note("prof", event, frame.f_code.co_name)
def hook(evname, args):
    if evname == "C_RAISE":
        sys.setprofile(None)
def f():
    try:
        int("x")
    except ValueError:
        pass
    return abs(-1)
mon.use_tool_id(1, "a"); rec(1, E.CALL | E.C_RAISE | E.C_RETURN, hook=hook)
mon.set_events(1, E.CALL | E.C_RAISE | E.C_RETURN)
sys.setprofile(prof); run(f); sys.setprofile(None)
""")

case("settrace_local_tracer_returns_other_fn", """
def t2(frame, event, arg):
    note("t2", event, frame.f_lineno - frame.f_code.co_firstlineno)
    return t2
def tr(frame, event, arg):
    if mine(frame.f_code) and event == "call":
        return t2
    return None
def f():
    a = 1
    b = 2
    return a + b
mon.use_tool_id(1, "a"); rec(1, E.LINE | E.PY_START | E.PY_RETURN)
mon.set_events(1, E.LINE | E.PY_START | E.PY_RETURN)
sys.settrace(tr); run(f); sys.settrace(None)
""")

case("tracer_raises_in_line_with_tool", """
def tr(frame, event, arg):
    if mine(frame.f_code) and event == "line" and frame.f_lineno - frame.f_code.co_firstlineno == 2:
        raise KeyError("tr")
    return tr
def f():
    a = 1
    b = 2
    return a + b
def g():
    try:
        return f()
    except KeyError:
        return "k"
mon.use_tool_id(1, "a"); rec(1, ALL)
mon.set_events(1, ALL)
sys.settrace(tr); run(g); r = sys.gettrace(); sys.settrace(None)
note("gettrace after", r is None)
""")
