#!/usr/bin/env python3
"""Differential check of the ``sys.monitoring`` API surface.

Each case is one expression or statement run in a fresh namespace in which
``m`` is the monitoring module under test (``pep669.monitoring``; native
``sys.monitoring`` with ``--native``), ``E`` its events, ``CODE`` a code
object and ``f`` a function.  Its outcome (value, or exception type and
message) is printed per interpreter and compared with native 3.13's
``sys.monitoring`` (3.14 semantics where pep669 follows 3.14: the cases
named in ``SUPERSET`` are compared with pep669's own superset on 3.13).

    python3 tools/api_cases.py                 # 3.8-3.11 + 3.12/3.13 vs 3.13
    python3 tools/api_cases.py --python 3.10 --show -k register
    python3 tools/api_cases.py --list
"""
import argparse
import fnmatch
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYENV = "/root/.pyenv/versions"
VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")

# (name, source).  A source ending in an expression reports its value.
# Tools 0-5 are free at the start of every case; each case cleans up.
CASES = [
    # --- module and objects ---
    ("module.name", "m.__name__"),
    ("module.type", "type(m).__name__"),
    ("module.doc", "m.__doc__"),
    ("module.repr_prefix", "repr(m).split(' from')[0].split(' (')[0]"),
    ("events.type", "type(E).__name__"),
    ("events.repr_has_names", "sorted(k for k in vars(E))"),
    ("events.NO_EVENTS", "E.NO_EVENTS"),
    ("events.doc", "type(E).__doc__ is not None"),
    ("DISABLE.repr", "repr(m.DISABLE)[:16]"),
    ("MISSING.repr", "repr(m.MISSING)[:16]"),
    ("DISABLE.type", "type(m.DISABLE).__name__"),
    ("DISABLE.bool", "bool(m.DISABLE)"),
    ("DISABLE.eq_MISSING", "m.DISABLE == m.MISSING"),
    ("ids", "(m.DEBUGGER_ID, m.COVERAGE_ID, m.PROFILER_ID, m.OPTIMIZER_ID)"),
    ("ids.missing", "[n for n in ('BRANCH_ID', 'PROFILER2_ID') if hasattr(m, n)]"),
] + [
    ("%s.%s" % (fn, attr), "getattr(m.%s, %r, '<none>')" % (fn, attr))
    for fn in ("use_tool_id", "free_tool_id", "get_tool", "get_events",
               "set_events", "get_local_events", "set_local_events",
               "register_callback", "restart_events", "_all_events")
    for attr in ("__name__", "__qualname__", "__module__", "__doc__",
                 "__text_signature__")
] + [
    ("%s.self" % fn, "getattr(m.%s, '__self__', '<none>') is m" % fn)
    for fn in ("use_tool_id", "get_tool", "set_events")
] + [
    ("%s.type" % fn, "type(m.%s).__name__" % fn)
    for fn in ("use_tool_id", "register_callback")
] + [
    # --- use_tool_id / get_tool / free_tool_id ---
    ("use.ok", "m.use_tool_id(0, 'a'); r = m.get_tool(0); m.free_tool_id(0); r"),
    ("use.twice", "m.use_tool_id(0, 'a'); m.use_tool_id(0, 'a')"),
    ("use.twice_other", "m.use_tool_id(0, 'a'); m.use_tool_id(0, 'b')"),
    ("use.name_bytes", "m.use_tool_id(0, b'a')"),
    ("use.name_None", "m.use_tool_id(0, None)"),
    ("use.name_strsub", "class S(str): pass\nm.use_tool_id(0, S('a')); r = type(m.get_tool(0)).__name__; m.free_tool_id(0); r"),
    ("use.name_empty", "m.use_tool_id(0, ''); r = m.get_tool(0); m.free_tool_id(0); r"),
    ("use.bool_id", "m.use_tool_id(True, 'a'); r = m.get_tool(1); m.free_tool_id(1); r"),
    ("use.index_obj", "class I:\n  def __index__(self): return 2\nm.use_tool_id(I(), 'a'); r = m.get_tool(2); m.free_tool_id(2); r"),
    ("use.tool_6", "m.use_tool_id(6, 'a')"),
    ("use.tool_7", "m.use_tool_id(7, 'a')"),
    ("use.tool_neg", "m.use_tool_id(-1, 'a')"),
    ("use.tool_huge", "m.use_tool_id(1 << 64, 'a')"),
    ("use.tool_neg_huge", "m.use_tool_id(-(1 << 64), 'a')"),
    ("use.tool_float", "m.use_tool_id(1.5, 'a')"),
    ("use.kw", "m.use_tool_id(tool_id=0, name='a')"),
    ("use.noargs", "m.use_tool_id()"),
    ("get_tool.free", "m.get_tool(3)"),
    ("get_tool.after_free", "m.use_tool_id(3, 'a'); m.free_tool_id(3); m.get_tool(3)"),
    ("get_tool.bad", "m.get_tool(9)"),
    ("get_tool.str", "m.get_tool('0')"),
    ("free.unused", "m.free_tool_id(4)"),
    ("free.twice", "m.use_tool_id(4, 'a'); m.free_tool_id(4); m.free_tool_id(4)"),
    ("free.bad", "m.free_tool_id(6)"),
    ("free.kw", "m.free_tool_id(tool_id=0)"),
    ("free.keeps_events",
     "m.use_tool_id(0, 'a'); m.set_events(0, E.PY_START); m.free_tool_id(0); "
     "r = m.get_events(0); m.set_events(0, 0) if r else None; r"),
    ("free.keeps_callbacks",
     "m.use_tool_id(0, 'a'); m.register_callback(0, E.PY_START, len); m.free_tool_id(0); "
     "r = m.register_callback(0, E.PY_START, None); r"),
    ("free.then_set_events",
     "m.use_tool_id(0, 'a'); m.free_tool_id(0); m.set_events(0, E.PY_START)"),
    # --- get_events / set_events ---
    ("get_events.unused", "m.get_events(2)"),
    ("get_events.bad", "m.get_events(-1)"),
    ("get_events.kw", "m.get_events(tool_id=0)"),
    ("set_events.unused", "m.set_events(2, E.PY_START)"),
    ("set_events.unused_zero", "m.set_events(2, 0)"),
    ("set_events.bad_tool", "m.set_events(6, 0)"),
    ("set_events.neg", "m.use_tool_id(0, 'a'); m.set_events(0, -1)"),
    ("set_events.neg2", "m.use_tool_id(0, 'a'); m.set_events(0, -2)"),
    ("set_events.huge", "m.use_tool_id(0, 'a'); m.set_events(0, 1 << 40)"),
    ("set_events.int_max", "m.use_tool_id(0, 'a'); m.set_events(0, (1 << 31) - 1)"),
    ("set_events.bit17", "m.use_tool_id(0, 'a'); m.set_events(0, 1 << 19)"),
    ("set_events.float", "m.use_tool_id(0, 'a'); m.set_events(0, 1.0)"),
    ("set_events.None", "m.use_tool_id(0, 'a'); m.set_events(0, None)"),
    ("set_events.bool", "m.use_tool_id(0, 'a'); m.set_events(0, True); r = m.get_events(0); m.set_events(0, 0); r"),
    ("set_events.c_return", "m.use_tool_id(0, 'a'); m.set_events(0, E.C_RETURN)"),
    ("set_events.call_c", "m.use_tool_id(0, 'a'); m.set_events(0, E.CALL | E.C_RETURN | E.C_RAISE); r = m.get_events(0); m.set_events(0, 0); r"),
    ("set_events.returns", "m.use_tool_id(0, 'a'); r = m.set_events(0, 0); r"),
    ("set_events.kw", "m.use_tool_id(0, 'a'); m.set_events(0, event_set=0)"),
    ("set_events.3args", "m.set_events(0, 0, 0)"),
    # --- local events ---
    ("get_local.unused", "m.get_local_events(2, CODE)"),
    ("get_local.func", "m.get_local_events(0, f)"),
    ("get_local.None", "m.get_local_events(0, None)"),
    ("get_local.bad_tool", "m.get_local_events(9, CODE)"),
    ("get_local.bad_tool_and_code", "m.get_local_events(9, None)"),
    ("set_local.unused", "m.set_local_events(2, CODE, E.LINE)"),
    ("set_local.unused_zero", "m.set_local_events(2, CODE, 0)"),
    ("set_local.func", "m.use_tool_id(0, 'a'); m.set_local_events(0, f, E.LINE)"),
    ("set_local.raise", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.RAISE)"),
    ("set_local.handled", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.EXCEPTION_HANDLED)"),
    ("set_local.unwind", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.PY_UNWIND)"),
    ("set_local.throw", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.PY_THROW)"),
    ("set_local.reraise", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.RERAISE)"),
    ("set_local.c_raise", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.C_RAISE)"),
    ("set_local.call_c", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.CALL | E.C_RETURN | E.C_RAISE); r = m.get_local_events(0, CODE); m.set_local_events(0, CODE, 0); r"),
    ("set_local.neg", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, -1)"),
    ("set_local.huge", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, 1 << 40)"),
    ("set_local.returns", "m.use_tool_id(0, 'a'); r = m.set_local_events(0, CODE, 0); r"),
    ("set_local.kw", "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, event_set=0)"),
    ("set_local.all_local",
     "m.use_tool_id(0, 'a'); L = E.PY_START|E.PY_RESUME|E.PY_RETURN|E.PY_YIELD|E.CALL|E.LINE|E.INSTRUCTION|E.JUMP|E.BRANCH|E.STOP_ITERATION\n"
     "m.set_local_events(0, CODE, L); r = m.get_local_events(0, CODE) == L; m.set_local_events(0, CODE, 0); r"),
    ("set_local.after_free",
     "m.use_tool_id(0, 'a'); m.set_local_events(0, CODE, E.LINE); m.free_tool_id(0); "
     "r = m.get_local_events(0, CODE); m.set_local_events(0, CODE, 0) if r else None; r"),
    # --- register_callback ---
    ("reg.unused", "m.register_callback(2, E.PY_START, len); m.register_callback(2, E.PY_START, None)"),
    ("reg.returns_old", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, len); r = m.register_callback(0, E.LINE, abs); m.register_callback(0, E.LINE, None); r"),
    ("reg.returns_None", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, None)"),
    ("reg.noncallable", "m.use_tool_id(0, 'a'); r = m.register_callback(0, E.LINE, 42); m.register_callback(0, E.LINE, None); r"),
    ("reg.noncallable_back", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, 42); m.register_callback(0, E.LINE, None)"),
    ("reg.zero", "m.register_callback(0, 0, None)"),
    ("reg.two_bits", "m.register_callback(0, 3, None)"),
    ("reg.neg", "m.register_callback(0, -1, None)"),
    ("reg.bit17", "m.register_callback(0, 1 << 17, None)"),
    ("reg.bit19", "m.register_callback(0, 1 << 19, None)"),
    ("reg.bit31", "m.register_callback(0, 1 << 31, None)"),
    ("reg.bit30", "m.register_callback(0, 1 << 30, None)"),
    ("reg.bad_tool", "m.register_callback(6, E.LINE, None)"),
    ("reg.kw", "m.register_callback(0, E.LINE, func=None)"),
    ("reg.c_return", "m.use_tool_id(0, 'a'); m.register_callback(0, E.C_RETURN, len); m.register_callback(0, E.C_RETURN, None)"),
    ("reg.after_free", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, len); m.free_tool_id(0); m.register_callback(0, E.LINE, None)"),
    ("reg.no_events_const", "m.register_callback(0, E.NO_EVENTS, None)"),
    # --- restart_events / _all_events ---
    ("restart.returns", "m.restart_events()"),
    ("restart.arg", "m.restart_events(0)"),
    ("all_events.empty", "m._all_events()"),
    ("all_events.one", "m.use_tool_id(0, 'a'); m.use_tool_id(3, 'b'); m.set_events(0, E.PY_START); m.set_events(3, E.PY_START|E.LINE); r = m._all_events(); m.set_events(0, 0); m.set_events(3, 0); r"),
    # --- DISABLE where events cannot be disabled ---
] + [
    ("disable.%s" % ev,
     "m.use_tool_id(0, 'a'); m.register_callback(0, E.%s, lambda *a: m.DISABLE)\n"
     "m.set_events(0, E.%s | (E.CALL | E.C_RETURN | E.C_RAISE if E.%s & (E.C_RETURN | E.C_RAISE) else 0))\n"
     "try:\n%s\n"
     "finally:\n  m.set_events(0, 0)\n"
     "r = m.register_callback(0, E.%s, None)\n"
     "'callback kept' if r is not None else 'callback removed'" % (ev, ev, ev, body, ev))
    for ev, body in (
        ("RAISE", "  try:\n    raise KeyError(1)\n  except KeyError: pass"),
        ("EXCEPTION_HANDLED", "  try:\n    raise KeyError(1)\n  except KeyError: pass"),
        ("PY_UNWIND", "  def g(): raise KeyError(1)\n  try: g()\n  except KeyError: pass"),
        ("RERAISE", "  try:\n    try:\n      raise KeyError(1)\n    finally: pass\n  except KeyError: pass"),
        ("PY_THROW", "  def g():\n    yield 1\n  it = g(); next(it)\n  try: it.throw(KeyError(1))\n  except KeyError: pass"),
        ("C_RAISE", "  try: len(1)\n  except TypeError: pass"),
        ("C_RETURN", "  len('')"),
        ("PY_START", "  d()"),
    )
] + [
    # --- odd callback returns ---
    ("ret.MISSING", "m.use_tool_id(0, 'a'); m.register_callback(0, E.PY_START, lambda *a: m.MISSING); m.set_events(0, E.PY_START)\ntry: r = f()\nfinally: m.set_events(0, 0); m.register_callback(0, E.PY_START, None)\nr"),
    ("ret.int", "m.use_tool_id(0, 'a'); m.register_callback(0, E.PY_START, lambda *a: 5); m.set_events(0, E.PY_START)\ntry: r = f()\nfinally: m.set_events(0, 0); m.register_callback(0, E.PY_START, None)\nr"),
    ("cb.noncallable_fires", "m.use_tool_id(0, 'a'); m.register_callback(0, E.PY_START, 42); m.set_events(0, E.PY_START)\ntry: r = f()\nfinally: m.set_events(0, 0); m.register_callback(0, E.PY_START, None)\nr"),
    ("cb.wrong_arity", "m.use_tool_id(0, 'a'); m.register_callback(0, E.PY_START, lambda: None); m.set_events(0, E.PY_START)\ntry: r = f()\nfinally: m.set_events(0, 0); m.register_callback(0, E.PY_START, None)\nr"),
    # --- frames and hooks seen from callbacks ---
    ("frame.gettrace_in_cb", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.LINE, lambda c, l: seen.append((sys.gettrace(), sys.getprofile())))\nm.set_local_events(0, f.__code__, E.LINE)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen[:1]"),
    ("frame.gettrace_in_code", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, lambda c, l: None)\nm.set_local_events(0, h.__code__, E.LINE)\ntry: r = h()\nfinally: m.set_local_events(0, h.__code__, 0); m.register_callback(0, E.LINE, None)\nr"),
    ("frame.flags_in_code", "m.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, lambda c, l: None)\nm.set_local_events(0, k.__code__, E.LINE)\ntry: r = k()\nfinally: m.set_local_events(0, k.__code__, 0); m.register_callback(0, E.LINE, None)\nr"),
    ("frame.flags_in_cb", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.LINE, lambda c, l: seen.append((sys._getframe(1).f_trace, sys._getframe(1).f_trace_lines, sys._getframe(1).f_trace_opcodes)))\nm.set_local_events(0, f.__code__, E.LINE)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen[:1]"),
    ("frame.cb_caller_name", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.PY_START, lambda c, o: seen.append(sys._getframe(1).f_code.co_name))\nm.set_local_events(0, f.__code__, E.PY_START)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nseen"),
    ("frame.cb_depth", "m.use_tool_id(0, 'a'); seen = []\ndef depth():\n  n, fr = 0, sys._getframe()\n  while fr: n, fr = n + 1, fr.f_back\n  return n\nbase = depth()\nm.register_callback(0, E.LINE, lambda c, l: seen.append(depth() - base))\nm.set_local_events(0, f.__code__, E.LINE)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen[:1]"),
    ("frame.set_lineno_line", "m.use_tool_id(0, 'a'); seen = []\ndef cb(c, l):\n  fr = sys._getframe(1)\n  if l == j.__code__.co_firstlineno + 1:\n    try: fr.f_lineno = l + 2; seen.append('ok')\n    except Exception as e: seen.append((type(e).__name__, str(e)))\nm.register_callback(0, E.LINE, cb)\nm.set_local_events(0, j.__code__, E.LINE)\ntry: r = j()\nfinally: m.set_local_events(0, j.__code__, 0); m.register_callback(0, E.LINE, None)\n(seen, r)"),
    ("frame.set_lineno_start", "m.use_tool_id(0, 'a'); seen = []\ndef cb(c, o):\n  fr = sys._getframe(1)\n  try: fr.f_lineno = c.co_firstlineno + 3; seen.append('ok')\n  except Exception as e: seen.append((type(e).__name__, str(e)))\nm.register_callback(0, E.PY_START, cb)\nm.set_local_events(0, j.__code__, E.PY_START)\ntry: r = j()\nfinally: m.set_local_events(0, j.__code__, 0); m.register_callback(0, E.PY_START, None)\n(seen, r)"),
    ("frame.set_lineno_outside", "fr = sys._getframe()\ntry:\n  fr.f_lineno = 1\nexcept Exception as e: r = (type(e).__name__, str(e))\nr"),
    ("tb.cb_raises", "import traceback\nm.use_tool_id(0, 'a')\ndef cb(c, o): raise KeyError('x')\nm.register_callback(0, E.PY_START, cb)\nm.set_local_events(0, f.__code__, E.PY_START)\ntry:\n  try: f()\n  except KeyError as e: r = [(fs.name, fs.lineno - f.__code__.co_firstlineno if fs.name == 'f' else None) for fs in traceback.extract_tb(e.__traceback__)]\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nr"),
    ("tb.cb_raises_line", "import traceback\nm.use_tool_id(0, 'a')\ndef cb(c, l): raise KeyError('x')\nm.register_callback(0, E.LINE, cb)\nm.set_local_events(0, f.__code__, E.LINE)\ntry:\n  try: f()\n  except KeyError as e: r = [(fs.name, fs.lineno - f.__code__.co_firstlineno if fs.name == 'f' else None) for fs in traceback.extract_tb(e.__traceback__)]\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nr"),
    ("tb.context_of_cb_exc", "m.use_tool_id(0, 'a')\ndef cb(c, o): raise KeyError('x')\nm.register_callback(0, E.PY_START, cb)\nm.set_local_events(0, f.__code__, E.PY_START)\ntry:\n  try: f()\n  except KeyError as e: r = (e.__context__, e.__cause__, e.__suppress_context__)\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nr"),
    ("recursion.limit_in_cb", "m.use_tool_id(0, 'a'); seen = []\ndef rec(n): return rec(n + 1)\ndef cb(c, o):\n  if not seen:\n    seen.append(1)\n    try: rec(0)\n    except RecursionError as e: seen.append(str(e))\nm.register_callback(0, E.PY_START, cb)\nm.set_local_events(0, f.__code__, E.PY_START)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nseen"),
    ("frame.gettrace_with_tracer", "def tr(fr, ev, arg): return tr\nm.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, lambda c, l: None)\nm.set_local_events(0, h.__code__, E.LINE)\nsys.settrace(tr)\ntry: r = h()\nfinally: sys.settrace(None); m.set_local_events(0, h.__code__, 0); m.register_callback(0, E.LINE, None)\n(r[0] is tr, r[1])"),
    ("frame.getprofile_with_profiler", "def pr(fr, ev, arg): pass\nm.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, lambda c, l: None)\nm.set_local_events(0, h.__code__, E.LINE)\nsys.setprofile(pr)\ntry: r = h()\nfinally: sys.setprofile(None); m.set_local_events(0, h.__code__, 0); m.register_callback(0, E.LINE, None)\n(r[0], r[1] is pr)"),
    ("frame.f_trace_with_tracer", "def tr(fr, ev, arg): return tr2\ndef tr2(fr, ev, arg): return tr2\nm.use_tool_id(0, 'a'); m.register_callback(0, E.LINE, lambda c, l: None)\nm.set_local_events(0, k.__code__, E.LINE)\nsys.settrace(tr)\ntry: r = k()\nfinally: sys.settrace(None); m.set_local_events(0, k.__code__, 0); m.register_callback(0, E.LINE, None)\n(r[0] is tr2, r[1], r[2])"),
    ("frame.gettrace_in_cb_with_tracer", "def tr(fr, ev, arg): return tr\nm.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.LINE, lambda c, l: seen.append(sys.gettrace() is tr))\nm.set_local_events(0, f.__code__, E.LINE)\nsys.settrace(tr)\ntry: f()\nfinally: sys.settrace(None); m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen[:1]"),
    ("frame.inspect_stack_in_cb", "import inspect\nm.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.LINE, lambda c, l: seen.append([fi.function for fi in inspect.stack()[:3]]))\nm.set_local_events(0, f.__code__, E.LINE)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen[:1]"),
    ("frame.f_back_in_start", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.PY_START, lambda c, o: seen.append((sys._getframe(1).f_back.f_code.co_name, sys._getframe(1).f_lineno - c.co_firstlineno)))\nm.set_local_events(0, f.__code__, E.PY_START)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nseen"),
    ("frame.code_identity", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.LINE, lambda c, l: seen.append((c is f.__code__, sys._getframe(1).f_code is f.__code__, type(l).__name__)))\nm.set_local_events(0, f.__code__, E.LINE)\ntry:\n  for _ in range(3): f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nseen"),
    ("frame.locals_write_in_line", "m.use_tool_id(0, 'a')\ndef cb(c, l):\n  if l == j.__code__.co_firstlineno + 4:\n    fr = sys._getframe(1); fr.f_locals['a'] = 42\nm.register_callback(0, E.LINE, cb)\nm.set_local_events(0, j.__code__, E.LINE)\ntry: r = j()\nfinally: m.set_local_events(0, j.__code__, 0); m.register_callback(0, E.LINE, None)\nr"),
    ("frame.exc_info_in_handled", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.EXCEPTION_HANDLED, lambda c, o, e: seen.append((sys.exc_info()[0], type(e).__name__)))\nm.set_events(0, E.EXCEPTION_HANDLED)\ntry:\n  try: g_raise()\n  except KeyError: pass\nfinally: m.set_events(0, 0); m.register_callback(0, E.EXCEPTION_HANDLED, None)\nseen"),
    ("frame.gi_running_in_yield", "m.use_tool_id(0, 'a'); seen = []\ndef gg():\n  yield 1\nit = gg()\nm.register_callback(0, E.PY_YIELD, lambda c, o, v: seen.append((it.gi_running, it.gi_frame is not None)))\nm.set_local_events(0, gg.__code__, E.PY_YIELD)\ntry: next(it)\nfinally: m.set_local_events(0, gg.__code__, 0); m.register_callback(0, E.PY_YIELD, None)\nseen"),
    ("frame.tb_of_line_cb_in_handler", "m.use_tool_id(0, 'a')\ndef cb(c, l): raise KeyError('cb')\nm.register_callback(0, E.LINE, cb)\nm.set_local_events(0, f.__code__, E.LINE)\ntry:\n  try: f()\n  except KeyError as e: r = (e.__traceback__.tb_next.tb_frame.f_code.co_name, e.__traceback__.tb_next.tb_lineno - f.__code__.co_firstlineno, e.__traceback__.tb_next.tb_lasti >= 0)\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.LINE, None)\nr"),
    ("clear.unused", "m.clear_tool_id(3)"),
    ("clear.bad", "m.clear_tool_id(6)"),
    ("clear.str", "m.clear_tool_id('1')"),
    ("clear.kw", "m.clear_tool_id(tool_id=1)"),
    ("clear.keeps_name", "m.use_tool_id(3, 'x'); m.set_events(3, E.PY_START); m.register_callback(3, E.PY_START, abs); m.clear_tool_id(3); r = (m.get_tool(3), m.get_events(3), m.register_callback(3, E.PY_START, None)); r"),
    ("exc_info_in_cb", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.PY_START, lambda c, o: seen.append(sys.exc_info()))\nm.set_local_events(0, f.__code__, E.PY_START)\ntry: f()\nfinally: m.set_local_events(0, f.__code__, 0); m.register_callback(0, E.PY_START, None)\nseen"),
    ("exc_info_raise_cb", "m.use_tool_id(0, 'a'); seen = []\nm.register_callback(0, E.RAISE, lambda c, o, e: seen.append((sys.exc_info()[0], type(e).__name__)))\nm.set_events(0, E.RAISE)\ntry:\n  try: g_raise()\n  except KeyError: pass\nfinally: m.set_events(0, 0); m.register_callback(0, E.RAISE, None)\nseen"),
]

# Cases whose 3.13 reference is pep669's superset, not the bare native
# module (3.14 behaviour that pep669 provides on every version).
SUPERSET = {"events.repr_has_names", "reg.bit17", "clear.unused",
            "clear.bad", "clear.str", "clear.kw", "clear.keeps_name"}

# Known differences, documented in docs/differences.md: {case: (versions,
# why)}.  Printed, not counted.
KNOWN = {
    "use_tool_id.self": (("3.12", "3.13"), "the native object itself"),
    "get_tool.self": (("3.12", "3.13"), "the native object itself"),
    "frame.locals_write_in_line": (
        ("3.12",), "native 3.12: f_locals is a snapshot (PEP 667 is 3.13's)"),
    "frame.set_lineno_outside": (
        ("3.8", "3.9", "3.10", "3.11"),
        "outside callbacks the interpreter's own f_lineno setter speaks"),
}

WORKER = r'''
import json, sys
sys.path.insert(0, %(src)r)
if %(native)r:
    m = sys.monitoring
else:
    import pep669
    m = pep669.monitoring
E = m.events
def f():
    x = 1
    return x
def h():
    return (sys.gettrace(), sys.getprofile())
def k():
    fr = sys._getframe()
    return (fr.f_trace, fr.f_trace_lines, fr.f_trace_opcodes)
def j():
    a = 1
    a = 2
    a = 3
    return a
def d():
    return 1
def g_raise():
    raise KeyError(1)
CODE = f.__code__

def rep(v):
    if isinstance(v, (str, int, bool, type(None), float)):
        return repr(v)
    if isinstance(v, type):
        return "<class %%s>" %% v.__name__
    if isinstance(v, (list, tuple)):
        inner = ", ".join(rep(x) for x in v)
        return ("[%%s]" if isinstance(v, list) else "(%%s)") %% inner
    if isinstance(v, dict):
        return "{%%s}" %% ", ".join("%%s: %%s" %% (rep(k), rep(x)) for k, x in sorted(v.items()))
    if v is m.DISABLE:
        return "<DISABLE>"
    if v is m.MISSING:
        return "<MISSING>"
    if callable(v):
        return "<callable %%s>" %% getattr(v, "__name__", type(v).__name__)
    return "<%%s>" %% type(v).__name__

out = {}
for name, src in json.loads(sys.stdin.read()):
    ns = dict(m=m, E=E, CODE=CODE, f=f, d=d, h=h, k=k, j=j, g_raise=g_raise, sys=sys)
    lines = src.split("\n")
    last = lines[-1]
    head, _, tail = last.rpartition(";")
    tail = tail.strip()
    try:
        compile(last, "<case>", "eval")
        body, expr = "\n".join(lines[:-1]), last
    except SyntaxError:
        try:
            # "stmt; stmt; expr": the value of the last expression
            compile(tail, "<case>", "eval")
            body, expr = "\n".join(lines[:-1] + [head]), tail
        except SyntaxError:
            body, expr = src, "None"
    try:
        exec(compile(body, "<case>", "exec"), ns)
        res = "= " + rep(eval(compile(expr, "<case>", "eval"), ns))
    except BaseException as e:
        res = "! %%s: %%s" %% (type(e).__name__, e)
    # (inline, not a function: a callback left by a failed case must not
    # see a PY_START of it)
    for t in range(6):
        try:
            m.set_events(t, 0)
            for b in range(17 + 2 * hasattr(E, "BRANCH_LEFT")):
                m.register_callback(t, 1 << b, None)
            m.free_tool_id(t)
        except Exception:
            pass
    out[name] = res
print(json.dumps(out))
'''


def python_of(v):
    for d in sorted(os.listdir(PYENV)):
        if d == v or d.startswith(v + "."):
            return os.path.join(PYENV, d, "bin", "python")
    raise SystemExit("no python %s" % v)


def run(v, cases, native):
    src = WORKER % {"src": os.path.join(ROOT, "src"), "native": native}
    p = subprocess.run([python_of(v), "-c", src], input=json.dumps(cases),
                       capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit("%s failed:\n%s" % (v, p.stderr))
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", action="append",
                    help="versions to compare (default 3.8-3.13)")
    ap.add_argument("-k", help="only cases matching this glob (substring)")
    ap.add_argument("--show", action="store_true",
                    help="print every outcome, not only differences")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    cases = [c for c in CASES
             if not args.k or fnmatch.fnmatch(c[0], "*%s*" % args.k)]
    if args.list:
        for name, _ in cases:
            print(name)
        return 0
    ref = run("3.13", cases, True)
    ref_sup = run("3.13", cases, False)
    versions = args.python or VERSIONS
    got = {v: run(v, cases, False) for v in versions}
    bad = 0
    for name, _ in cases:
        want = ref_sup[name] if name in SUPERSET else ref[name]
        diffs = [(v, got[v][name]) for v in versions if got[v][name] != want]
        known = KNOWN.get(name, ((), ""))
        if diffs or args.show:
            print("%s\n    3.13 native: %s" % (name, want))
            for v, r in diffs:
                print("    %-11s  %s%s" % (v, r, "   (known: %s)" % known[1]
                                         if v in known[0] else ""))
        bad += any(v not in known[0] for v, _ in diffs)
    print("%d cases, %d differ (known differences not counted)"
          % (len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
