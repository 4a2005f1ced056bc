"""Probe programs for tools/hide_diff.py: what Python code can see of itself.

Each ``probe_*`` function runs some program and returns a list of
observations (plain strings); tools/hide_diff.py runs every probe several
times unmonitored and under each kind of monitoring and compares.  What a
probe sees must not depend on whether some tool monitors it.

Everything here must stay valid Python 3.8 syntax.
"""
import copy
import dis
import gc
import inspect
import io
import linecache
import marshal
import sys
import threading
import traceback
import warnings
import weakref

PY = sys.version_info[:2]


def _frame_desc(f):
    return "%s:%s:%s" % (f.f_code.co_name, f.f_lineno, f.f_lasti)


# ---------------------------------------------------------------- frames

def _callee_sees_caller():
    f = sys._getframe(1)
    return [_frame_desc(f), f.f_code.co_name,
            str(f.f_trace), str(f.f_trace_lines), str(f.f_trace_opcodes)]


def probe_own_frame():
    out = []
    f = sys._getframe()
    out.append(_frame_desc(f))
    out.append(str(f.f_code is probe_own_frame.__code__))
    x = 1
    for i in range(3):
        if i % 2:
            x += i
        out.append(_frame_desc(sys._getframe()))
    out.extend(_callee_sees_caller())
    out.append(str(sys._getframe().f_trace))
    out.append(str(sys._getframe().f_trace_lines))
    out.append(str(sys._getframe().f_trace_opcodes))
    out.append(str(x))
    return out


def probe_trace_flags_written():
    if PY == (3, 12):
        return ["3.12.1 crashes later (f_trace_opcodes set, no tracer)"]
    f = sys._getframe()
    out = []
    f.f_trace_lines = False
    out.append(str(f.f_trace_lines))
    out.append(str(f.f_trace_opcodes))
    f.f_trace_opcodes = True
    out.append(str(f.f_trace_opcodes))
    out.append(str(_callee_sees_caller()[2:]))
    f.f_trace_lines = True
    f.f_trace_opcodes = False
    out.append(str((f.f_trace_lines, f.f_trace_opcodes)))
    return out


def _chain():
    out = []
    f = sys._getframe()
    while f is not None:
        out.append(f.f_code.co_name)
        f = f.f_back
    return out


def probe_back_chain():
    def a():
        return b()

    def b():
        return _chain()
    chain = a()
    return [str(len(chain))] + chain[:4]


def probe_getframe_depth():
    out = []
    depth = 0
    while True:
        try:
            sys._getframe(depth)
        except ValueError as exc:
            out.append(str(exc))
            break
        depth += 1
    out.append(str(depth))
    return out


def probe_inspect_stack():
    def inner():
        st = inspect.stack()
        res = []
        for fi in st[:3]:
            res.append("%s:%s:%s:%r" % (fi.function, fi.lineno, fi.index,
                                         fi.code_context))
        info = inspect.getframeinfo(sys._getframe(1))
        res.append("%s:%s" % (info.function, info.lineno))
        return res
    return inner()


def probe_f_locals():
    a = 1
    b = [2]
    loc = sys._getframe().f_locals
    out = [str(sorted(loc))]
    loc["a"] = 10
    out.append(str(a))
    import ctypes
    if PY < (3, 11):
        ctypes.pythonapi.PyFrame_LocalsToFast(
            ctypes.py_object(sys._getframe()), ctypes.c_int(0))
        out.append(str(a))
    c = 3
    out.append(str(sorted(sys._getframe().f_locals.items())
                   if False else sorted(sys._getframe().f_locals)))
    del b
    out.append(str(sorted(sys._getframe().f_locals)))
    out.append(str(c))
    return out


def probe_f_locals_of_caller():
    out = []
    v = 5

    def setter():
        f = sys._getframe(1)
        f.f_locals["v"] = 7
        if PY < (3, 11):
            import ctypes
            ctypes.pythonapi.PyFrame_LocalsToFast(
                ctypes.py_object(f), ctypes.c_int(0))
    setter()
    out.append(str(v))
    return out


def probe_frame_clear():
    out = []

    def g():
        yield 1
        yield 2
    gen = g()
    next(gen)
    fr = gen.gi_frame
    try:
        sys._getframe().clear()
    except RuntimeError as exc:
        out.append("own: " + str(exc))
    fr.clear()
    out.append(str(gen.gi_frame))
    out.append(str(list(gen)))

    def done():
        return sys._getframe()
    f2 = done()
    f2.clear()
    out.append(str(f2.f_locals))
    out.append(str(f2.f_lineno))
    return out


def probe_generators():
    out = []

    def sub():
        x = yield 1
        out.append("sub got %r" % (x,))
        yield 2
        return 3

    def g():
        out.append("state %s" % inspect.getgeneratorstate(gen))
        out.append("running %s" % gen.gi_running)
        out.append("frame lasti %s" % gen.gi_frame.f_lasti)
        r = yield from sub()
        out.append("r %r" % (r,))
        try:
            yield 4
        except KeyError as e:
            out.append("caught %r" % (e,))
        yield 5
    gen = g()
    out.append(inspect.getgeneratorstate(gen))
    out.append(str(gen.gi_frame.f_lasti))
    out.append(str(gen.gi_frame.f_lineno))
    out.append(str(next(gen)))
    out.append(inspect.getgeneratorstate(gen))
    out.append(str(gen.gi_yieldfrom is not None))
    out.append(str(gen.gi_frame.f_lasti))
    out.append(str(gen.gi_frame.f_lineno))
    out.append(str(gen.gi_frame.f_code is g.__code__))
    out.append(str(gen.gi_code is g.__code__))
    out.append(str(gen.send("hi")))
    out.append(str(next(gen)))
    out.append(str(gen.throw(KeyError("k"))))
    out.append(str(gen.gi_frame.f_lineno))
    gen.close()
    out.append(inspect.getgeneratorstate(gen))
    out.append(str(gen.gi_frame))
    return out


def probe_coroutines():
    out = []

    class Aw:
        def __await__(self):
            v = yield "aw"
            return v

    async def c():
        out.append(str(inspect.getcoroutinestate(co)))
        v = await Aw()
        out.append("v %r" % (v,))
        return 9
    co = c()
    out.append(inspect.getcoroutinestate(co))
    out.append(str(co.send(None)))
    out.append(inspect.getcoroutinestate(co))
    out.append(str(co.cr_await is not None))
    out.append(str(co.cr_frame.f_lineno))
    out.append(str(co.cr_frame.f_code is c.__code__))
    try:
        co.send(5)
    except StopIteration as e:
        out.append("stop %r" % (e.value,))
    out.append(inspect.getcoroutinestate(co))
    return out


# ---------------------------------------------------------- exceptions

def _raiser(n):
    if n == 0:
        raise ValueError("bottom")
    return _raiser(n - 1)


def probe_traceback_chained():
    out = []
    try:
        try:
            _raiser(2)
        except ValueError as e:
            raise KeyError("outer") from e
    except KeyError:
        text = traceback.format_exc()
        out.extend(l for l in text.splitlines() if "hide_cases" not in l
                   or True)
        et, ev, tb = sys.exc_info()
        while tb is not None:
            out.append("%s %s %s %s" % (tb.tb_frame.f_code.co_name,
                                        tb.tb_lineno, tb.tb_lasti,
                                        tb.tb_frame.f_code is
                                        probe_traceback_chained.__code__))
            tb = tb.tb_next
        cause = ev.__cause__
        tb = cause.__traceback__
        while tb is not None:
            out.append("cause %s %s %s" % (tb.tb_frame.f_code.co_name,
                                           tb.tb_lineno, tb.tb_lasti))
            tb = tb.tb_next
    try:
        try:
            1 / 0
        finally:
            x = [][1]
    except IndexError:
        out.extend(traceback.format_exc().splitlines())
    out.append(str(sys.exc_info()))
    return out


def probe_exc_in_generator():
    out = []

    def g():
        try:
            yield 1
        except ValueError:
            out.append(repr(sys.exc_info()[1]))
            yield 2
        out.append(repr(sys.exc_info()))
    try:
        raise KeyError("x")
    except KeyError:
        gen = g()
        next(gen)
        out.append(repr(sys.exc_info()[1]))
        gen.throw(ValueError("v"))
        out.append(repr(sys.exc_info()[1]))
    list(gen)
    return out


def _rec(n):
    return _rec(n + 1) if n < 100000 else n


def probe_recursion():
    out = [str(sys.getrecursionlimit())]
    depth = [0]

    def r(n):
        depth[0] = n
        return r(n + 1)
    try:
        r(0)
    except RecursionError as e:
        out.append(str(e))
    out.append(str(depth[0]))
    depth2 = [0]

    def r2(n):
        depth2[0] = n
        try:
            return r2(n + 1)
        except RecursionError:
            raise
    try:
        r2(0)
    except RecursionError as e:
        out.append(str(e))
    out.append(str(depth2[0]))

    def g(n):
        depth[0] = n
        yield from g(n + 1)
    try:
        list(g(0))
    except RecursionError as e:
        out.append(str(e))
    out.append(str(depth[0]))
    class R:
        def __repr__(self):
            return repr(self)
    try:
        repr(R())
    except RecursionError as e:
        out.append(str(e))
    return out


def probe_recursion_limit_low():
    out = []
    old = sys.getrecursionlimit()
    here = len(inspect.stack(0))
    sys.setrecursionlimit(here + 30)
    try:
        d = [0]

        def r(n):
            d[0] = n
            r(n + 1)
        try:
            r(0)
        except RecursionError as e:
            out.append(str(e))
        out.append(str(d[0]))
    finally:
        sys.setrecursionlimit(old)
    return out


# ---------------------------------------------------------------- code

def _target(a, b=2):
    c = a + b
    for i in range(2):
        if i:
            c += len([i])
    return c


def probe_code_object():
    out = []
    _target(1)
    co = _target.__code__
    out.append(str(hash(co) == hash(co.replace())))
    out.append(str(co == co.replace()))
    for name in sorted(dir(co)):
        if name.startswith("co_") and name not in ("co_lines",
                                                   "co_positions"):
            v = getattr(co, name)
            out.append("%s=%r" % (name, v))
    if hasattr(co, "co_lines"):
        out.append(str(list(co.co_lines())))
    if hasattr(co, "co_positions"):
        out.append(str(list(co.co_positions())))
    out.append(str(marshal.dumps(co) == marshal.dumps(co.replace())))
    out.append(str(len(marshal.dumps(co))))
    out.append(str(copy.copy(co) is co))
    out.append(str(copy.deepcopy(co) is co))
    r = weakref.ref(co) if _weakrefable(co) else None
    out.append(str(r is not None and r() is co))
    f2 = type(_target)(marshal.loads(marshal.dumps(co)), globals())
    out.append(str(f2(1, 2)))
    s = io.StringIO()
    dis.dis(co, file=s)
    out.append(s.getvalue())
    return out


def _weakrefable(o):
    try:
        weakref.ref(o)
        return True
    except TypeError:
        return False


def probe_dis_running():
    s = io.StringIO()
    f = sys._getframe()
    dis.dis(f.f_code, file=s)
    bc = dis.Bytecode(f.f_code, current_offset=f.f_lasti)
    return [s.getvalue(), bc.dis(), str(f.f_code.co_code == probe_dis_running.__code__.co_code)]


def probe_code_counts():
    _target(3)
    out = []
    co = _target.__code__
    gc.collect()
    refs = [type(r).__name__ for r in gc.get_referrers(co)]
    out.append(str(sorted(refs)))
    n = sum(1 for o in gc.get_objects() if type(o).__name__ == "code")
    out.append("code objects tracked %d" % n)
    out.append(str(sys.getrefcount(co)))
    return out


def probe_refcounts():
    out = []
    obj = object()

    def callee(x):
        return sys.getrefcount(x)
    out.append(str(callee(obj)))
    out.append(str(sys.getrefcount(obj)))
    l = [obj]
    out.append(str(len(l) + sys.getrefcount(obj)))
    out.append(str(sys.getrefcount(sys._getframe())))
    out.append(str(sys.getrefcount(probe_refcounts.__code__)))
    out.append(str(sys.getrefcount(probe_refcounts)))
    return out


def _g10(n):
    return n * 10


def _h(*a):
    _h.__code__ = _g10.__code__
    return sys._getframe().f_code.co_name


def probe_code_replace_running():
    out = []

    def f(n):
        return n + 1
    out.append(str(f(1)))
    saved = _h.__code__
    f.__code__ = _g10.__code__
    out.append(str(f(1)))
    out.append(str(f.__code__ is _g10.__code__))
    out.append(_h())
    out.append(str(_h(2)))
    _h.__code__ = saved
    return out


def probe_sizeof():
    return [str(sys.getsizeof(_target.__code__) -
                sys.getsizeof(_target.__code__.replace()))]


# -------------------------------------------------------- legacy hooks

def probe_settrace_readback():
    out = []

    def tracer(frame, event, arg):
        return tracer

    def prof(frame, event, arg):
        pass
    out.append(str(sys.gettrace()))
    out.append(str(sys.getprofile()))
    sys.settrace(tracer)
    out.append(str(sys.gettrace() is tracer))
    sys.setprofile(prof)
    out.append(str(sys.getprofile() is prof))
    sys.settrace(None)
    sys.setprofile(None)
    out.append(str(sys.gettrace()))
    out.append(str(sys.getprofile()))
    out.append(str(sys._getframe().f_trace))
    return out


def probe_settrace_events():
    out = []

    def tracer(frame, event, arg):
        if frame.f_code.co_name == "work":
            out.append("%s %s %s" % (event, frame.f_lineno,
                                     arg if event != "exception" else
                                     arg[0].__name__))
        return tracer

    def prof(frame, event, arg):
        if frame.f_code.co_name in ("work", "len"):
            out.append("P %s %s" % (event, getattr(arg, "__name__", arg)))

    def work(n):
        s = 0
        for i in range(n):
            s += len([i])
        try:
            raise ValueError
        except ValueError:
            pass
        return s
    sys.settrace(tracer)
    work(2)
    sys.settrace(None)
    sys.setprofile(prof)
    work(2)
    sys.setprofile(None)
    return out


def probe_settrace_opcodes():
    out = []

    def tracer(frame, event, arg):
        if frame.f_code.co_name == "work":
            frame.f_trace_opcodes = True
            if event == "opcode":
                out.append("op %s" % frame.f_lasti)
            else:
                out.append("%s %s" % (event, frame.f_lineno))
        return tracer

    def work(n):
        return n + 1
    sys.settrace(tracer)
    work(2)
    sys.settrace(None)
    return out


def probe_threading_settrace():
    out = []
    lock = threading.Lock()

    def tracer(frame, event, arg):
        if frame.f_code.co_name == "body":
            with lock:
                out.append("%s %s" % (event, frame.f_lineno))
        return tracer

    def body():
        x = 1
        return x + 1
    threading.settrace(tracer)
    try:
        t = threading.Thread(target=body)
        t.start()
        t.join()
    finally:
        threading.settrace(None)
    return out


def probe_bdb():
    import bdb
    out = []

    class Dbg(bdb.Bdb):
        def user_line(self, frame):
            if frame.f_code.co_name == "debugged":
                out.append("line %s %s" % (frame.f_lineno,
                                           sorted(frame.f_locals)))
                if frame.f_lineno == debugged.__code__.co_firstlineno + 2:
                    frame.f_locals["a"] = 100
            self.set_step()

        def user_return(self, frame, value):
            if frame.f_code.co_name == "debugged":
                out.append("return %r" % (value,))

        def user_exception(self, frame, exc_info):
            if frame.f_code.co_name == "debugged":
                out.append("exc %s" % exc_info[0].__name__)

    def debugged():
        a = 1
        b = a + 1
        try:
            1 / 0
        except ZeroDivisionError:
            pass
        return a + b
    d = Dbg()
    d.runcall(debugged)
    sys.settrace(None)
    return out


def probe_pdb_step():
    import pdb
    out = []
    inp = io.StringIO("step\nstep\np a\nnext\nnext\np b\ncontinue\n")
    outp = io.StringIO()

    def debugged():
        a = 1
        b = a + 1
        return a + b
    p = pdb.Pdb(stdin=inp, stdout=outp, nosigint=True, readrc=False)
    p.use_rawinput = False
    p.set_trace(sys._getframe())
    debugged()
    sys.settrace(None)
    text = outp.getvalue()
    for l in text.splitlines():
        out.append(l.replace(__file__, "FILE"))
    return out


# ----------------------------------------------------------- warnings

def _warn_here(level):
    warnings.warn("w", UserWarning, stacklevel=level)


def probe_warnings():
    out = []
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        _warn_here(1)
        _warn_here(2)
        _warn_here(3)
        warnings.warn_explicit("x", UserWarning, "f", 3)
    for w in ws:
        out.append("%s %s %s" % (w.filename.endswith("hide_cases.py"),
                                 w.lineno, w.message))
    return out


# ------------------------------------------------------- finalizers

def probe_del_and_weakref():
    out = []

    class D:
        def __del__(self):
            f = sys._getframe(1)
            out.append("del in %s %s" % (f.f_code.co_name,
                                         f.f_code is probe_del_and_weakref.__code__))

    class W:
        pass
    d = D()
    d = None
    w = W()
    r = weakref.ref(w, lambda ref: out.append(
        "wr in %s" % sys._getframe(1).f_code.co_name))
    del w
    x = [D()]
    x.pop()
    out.append(str(r()))
    return out


def probe_signal():
    import os
    import signal
    out = []

    def handler(sig, frame):
        out.append("sig frame %s %s" % (frame.f_code.co_name,
                                        frame.f_code is
                                        probe_signal.__code__))
    old = signal.signal(signal.SIGUSR1, handler)
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        for i in range(3):
            pass
    finally:
        signal.signal(signal.SIGUSR1, old)
    return out


def probe_sys_exc_info_callee():
    out = []

    def helper():
        return repr(sys.exc_info()[1])
    try:
        raise ValueError(1)
    except ValueError:
        out.append(helper())
    out.append(helper())
    return out


def probe_current_frames():
    out = []
    ev = threading.Event()
    ev2 = threading.Event()

    def body():
        ev.set()
        ev2.wait()
    t = threading.Thread(target=body)
    t.start()
    ev.wait()
    f = sys._current_frames()[t.ident]
    while f is not None and f.f_code.co_name != "body":
        f = f.f_back
    out.append("%s %s" % (f.f_code is body.__code__, f.f_lineno))
    ev2.set()
    t.join()
    me = sys._current_frames()[threading.get_ident()]
    out.append("%s %s" % (me.f_code is probe_current_frames.__code__,
                          me is sys._getframe()))
    return out


def probe_frame_repr():
    f = sys._getframe()
    r = repr(f)
    return [r[:r.index(" at ")] + r[r.index(","):]]


def probe_exec_eval():
    out = []
    ns = {}
    exec("def k(x):\n    return sys._getframe().f_back.f_code.co_name\n",
         {"sys": sys}, ns)
    out.append(ns["k"](1))
    out.append(str(eval("sys._getframe().f_lineno", {"sys": sys})))
    out.append(str(eval("[sys._getframe().f_code.co_name for _ in (1,)]",
                        {"sys": sys})))
    return out


def probe_locals_builtin():
    a = 1
    out = [str(sorted(locals()))]
    b = 2
    out.append(str(sorted(locals())))
    out.append(str(sorted(vars())))
    return out + [str(a + b)]


def probe_long_function():
    out = []
    ns = {}
    src = ["def long_f(x):"]
    for i in range(120):
        src.append("    if x > %d:\n        x = x + 1" % (i * 1000))
    src.append("    return sys._getframe().f_lineno, x")
    exec(compile("\n".join(src), "<long>", "exec"), {"sys": sys}, ns)
    for _ in range(3):
        out.append(str(ns["long_f"](5)))
    return out


def probe_stacksize():
    def f(a, b):
        return g(a, b, len(a), len(b))

    def g(*args):
        return len(args)
    out = [str(f.__code__.co_stacksize)]
    f([1], [2])
    f([1], [2])
    out.append(str(f.__code__.co_stacksize))
    return out


def probe_exception_group_like():
    out = []

    def f():
        try:
            raise ValueError("a")
        except ValueError as e:
            try:
                raise TypeError("b")
            except TypeError as e2:
                out.append(repr(e2.__context__))
                out.append(str(e2.__traceback__.tb_lineno))
                out.append(str(e2.__traceback__.tb_frame.f_lineno))
    f()
    return out


def probe_raise_in_finally_return():
    out = []

    def f(n):
        for i in range(n):
            try:
                if i == 1:
                    continue
                if i == 2:
                    break
            finally:
                out.append("fin %d %d" % (i, sys._getframe().f_lineno))
        return i
    out.append(str(f(4)))
    return out


def probe_called_from_c():
    out = []

    def key(v):
        f = sys._getframe(1)
        out.append("%s %s %s" % (f.f_code.co_name, f.f_lineno, f.f_lasti))
        return -v
    out.append(str(sorted([3, 1, 2], key=key)))
    out.append(str(list(map(key, [1]))))
    out.append(str(max([1, 2], key=key)))
    return out


def probe_extract_stack():
    def inner():
        return [(fs.name, fs.lineno, fs.line) for fs in
                traceback.extract_stack(limit=3)]
    out = [str(inner())]
    out.append(str([(f.function, f.lineno) for f in
                    inspect.getouterframes(sys._getframe(), 0)[:3]]))
    return out


def probe_running_generator_frame():
    out = []

    def g():
        f = sys._getframe()
        out.append("%s %s %s" % (f is gen.gi_frame, gen.gi_running,
                                 f.f_back.f_code.co_name))
        out.append(str(f.f_globals is globals()))
        out.append(str(f.f_builtins is sys._getframe(1).f_builtins))
        yield 1
        out.append(str(gen.gi_frame.f_lasti == f.f_lasti))
        yield 2
    gen = g()
    out.append(str(list(gen)))
    return out


def probe_async_generator():
    out = []

    async def ag():
        out.append("run %s" % agen.ag_running)
        yield 1
        yield 2

    agen = ag()
    try:
        agen.asend(None).send(None)
    except StopIteration as e:
        out.append("v %r" % (e.value,))
    out.append("%s %s" % (agen.ag_running, agen.ag_frame.f_lineno))
    co = agen.aclose()
    try:
        co.send(None)
    except StopIteration:
        out.append("closed")
    out.append(str(agen.ag_frame))
    return out


def probe_exception_in_finally_exc_info():
    out = []

    def f():
        try:
            raise KeyError("k")
        finally:
            out.append(repr(sys.exc_info()[1]))
    try:
        f()
    except KeyError as e:
        out.append(str(e.__traceback__.tb_next.tb_lineno))
        out.append(str(e.__traceback__.tb_next.tb_lasti))
    return out


# ------------------------------------------------ session 15 (fid15)

def _fid15_tracer(out, names):
    def tracer(frame, event, arg):
        if frame.f_code.co_name in names:
            out.append("%s %s %s" % (event, frame.f_code.co_name,
                                     frame.f_lineno))
        return tracer
    return tracer


def _fid15_set_on_caller(tracer):
    sys._getframe(1).f_trace = tracer
    sys.settrace(tracer)


def probe_f_trace_on_caller_from_callee():
    # pdb.set_trace()'s way: the callee sets f_trace on its caller and
    # the thread's tracer; the caller's next line is its first event.
    out = []
    tracer = _fid15_tracer(out, ("_fid15_caller",))

    def _fid15_caller():
        a = 1
        _fid15_set_on_caller(tracer)
        b = a + 1
        for i in range(2):
            b += i
        sys.settrace(None)
        return b
    for _ in range(2):
        try:
            out.append(str(_fid15_caller()))
        finally:
            sys.settrace(None)
    return out


def probe_f_lineno_jump_by_tracer():
    out = []

    def _fid15_jumped():
        a = 1
        a = 2
        a = 3
        return a

    def tracer(frame, event, arg):
        if frame.f_code is _fid15_jumped.__code__:
            out.append("%s %s" % (event, frame.f_lineno - first))
            if event == "line" and frame.f_lineno == first + 1:
                frame.f_lineno = first + 3
        return tracer
    first = _fid15_jumped.__code__.co_firstlineno
    for _ in range(2):
        sys.settrace(tracer)
        try:
            out.append(str(_fid15_jumped()))
        finally:
            sys.settrace(None)
    return out


def probe_throw_through_yield_from_frames():
    out = []

    def inner():
        try:
            yield 1
        except KeyError:
            f = sys._getframe()
            out.append("inner %s %s" % (f.f_lineno - f.f_code.co_firstlineno,
                                        f.f_back.f_code.co_name))
            yield 2

    def outer():
        yield from inner()

    g = outer()
    next(g)
    out.append(str(g.gi_yieldfrom.gi_frame.f_lineno -
                   g.gi_yieldfrom.gi_code.co_firstlineno))
    out.append(str(g.throw(KeyError("k"))))
    out.append("%s %s" % (g.gi_running, g.gi_frame.f_lineno -
                          outer.__code__.co_firstlineno))
    g.close()
    out.append(str(g.gi_frame))
    return out


def probe_thread_frames():
    out = []

    def work():
        f = sys._getframe()
        out.append(f.f_code.co_name)
        out.append(str(f.f_back.f_code.co_name))
        out.append(str(threading.current_thread().name != "MainThread"))
        out.append(str(sys.gettrace()))
    t = threading.Thread(target=work)
    t.start()
    t.join()
    return out


def probe_keyboard_interrupt_traceback():
    import signal
    out = []

    def handler(signum, frame):
        out.append("handler in %s" % frame.f_code.co_name)
        raise KeyboardInterrupt

    def victim():
        signal.raise_signal(signal.SIGINT)
        return "not reached"
    old = signal.signal(signal.SIGINT, handler)
    try:
        victim()
    except KeyboardInterrupt as e:
        tb = e.__traceback__
        while tb is not None:
            out.append(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
    finally:
        signal.signal(signal.SIGINT, old)
    return out


def probe_recursion_error_traceback():
    out = []

    def down(n):
        return down(n + 1)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        down(0)
    except RecursionError as e:
        out.append(str(e))
        tb = e.__traceback__
        names = set()
        while tb is not None:
            names.add(tb.tb_frame.f_code.co_name)
            tb = tb.tb_next
        out.append(" ".join(sorted(names)))
    finally:
        sys.setrecursionlimit(old)
    return out


ALL = sorted(n for n in dir() if n.startswith("probe_"))
