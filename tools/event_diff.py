#!/usr/bin/env python3
"""Differential check: pep669's event streams against native CPython's.

Generates small random programs (statements of many kinds, nested
functions, generators, exceptions, loops, comprehensions), runs each under
a recording tool that asks for every event but INSTRUCTION, on each
interpreter, and compares the streams after translating every offset to a
line number (offsets differ between bytecode versions, lines must not).
The reference is the newest interpreter given (3.13 by default: where
3.12 and 3.13 differ, pep669 follows 3.13).

    python3 tools/event_diff.py                     # 3.10, 3.11 vs 3.13
    python3 tools/event_diff.py --python 3.8 --python 3.11 --count 300
    python3 tools/event_diff.py --seed 7 --count 1 --show   # one program

Before 3.10, line numbers follow the older line-number rules (PEP 626
came with 3.10), so 3.8/3.9 differ from the reference in ways that are
the interpreter's, not pep669's; compare them against each other or read
the differences with that in mind.  A difference is a lead, not a verdict:
docs/differences.md lists the ones that are known and why.
"""
import argparse
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

# ----------------------------------------------------------------------
# Program generator


class Gen:
    def __init__(self, rng, more=False, match=False, without=()):
        self.rng = rng
        self.without = set(without)
        self.n = 0
        self.more = more      # --more: the constructs below MORE
        self.match = match    # (3.10+ only) match statements

    def name(self, prefix):
        self.n += 1
        return "%s%d" % (prefix, self.n)

    def expr(self):
        r = self.rng.randrange(12)
        return [
            "x + 1", "len(items)", "min(x, 3)", "x if x > 2 else -x",
            "x and y", "x or y", "1 < x < 5", "list(range(x % 4))",
            "sum(i * 2 for i in range(3))", "str(x)", "obj.method(x)",
            "(lambda v: v + 1)(x)",
        ][r]

    def block(self, depth, indent, in_loop=False, in_func=True):
        lines = []
        for _ in range(self.rng.randint(1, 4 if depth < 2 else 2)):
            lines.extend(self.stmt(depth, indent, in_loop, in_func))
        return lines

    def stmt(self, depth, ind, in_loop, in_func):
        pad = "    " * ind
        choices = ["assign", "call", "aug", "expr"]
        if depth < 3:
            choices += ["if", "for", "while", "try", "with", "try_finally",
                        "genloop", "nested"]
        if in_loop:
            choices += ["break", "continue"]
        if in_func:
            choices += ["return"]
        if self.more:
            choices += ["comp", "lambda", "delete", "recurse", "gthrow",
                        "gclose", "yfrom"]
            if depth < 3:
                choices += ["fin_exit", "deco", "klass", "with2"]
                if self.match:
                    choices += ["match"]
        c = self.rng.choice([c for c in choices if c not in self.without])
        if c in MORE:
            return MORE[c](self, depth, ind, in_loop, in_func)
        if c == "assign":
            return [pad + "y = %s" % self.expr()]
        if c == "aug":
            return [pad + "x += %d" % self.rng.randint(1, 3)]
        if c == "call":
            return [pad + "items.append(%s)" % self.expr()]
        if c == "expr":
            return [pad + "x = (x * 3 +",
                    pad + "     %s)" % "1", pad + "x %= 11"]
        if c == "break":
            return [pad + "if x > %d:" % self.rng.randint(2, 6),
                    pad + "    break"]
        if c == "continue":
            return [pad + "if x %% 2 == %d:" % self.rng.randint(0, 1),
                    pad + "    x += 1", pad + "    continue"]
        if c == "return":
            return [pad + "if x == %d:" % self.rng.randint(0, 9),
                    pad + "    return %s" % self.expr()]
        if c == "if":
            out = [pad + "if %s:" % self.rng.choice(
                ["x > 3", "x % 2", "not items", "x in (1, 4, 7)",
                 "y and x"])]
            out += self.block(depth + 1, ind + 1, in_loop, in_func)
            if self.rng.random() < 0.4:
                out += [pad + "elif x < 2:"]
                out += self.block(depth + 1, ind + 1, in_loop, in_func)
            if self.rng.random() < 0.6:
                out += [pad + "else:"]
                out += self.block(depth + 1, ind + 1, in_loop, in_func)
            return out
        if c == "for":
            out = [pad + "for i in %s:" % self.rng.choice(
                ["range(3)", "items[:3]", "(1, 2)", "gen(2)", "[]"])]
            out += [pad + "    x += 1"]
            out += self.block(depth + 1, ind + 1, True, in_func)
            if self.rng.random() < 0.3:
                out += [pad + "else:", pad + "    y = 0"]
            return out
        if c == "while":
            n = self.name("n")
            out = [pad + "%s = 0" % n, pad + "while %s < %d:" % (
                n, self.rng.randint(0, 3)), pad + "    %s += 1" % n]
            out += self.block(depth + 1, ind + 1, True, in_func)
            return out
        if c == "try":
            out = [pad + "try:"]
            out += self.block(depth + 1, ind + 1, in_loop, in_func)
            out += [pad + "    if x %% 3 == %d:" % self.rng.randint(0, 2),
                    pad + "        raise %s" % self.rng.choice(
                        ["ValueError(x)", "KeyError", "StopIteration"])]
            out += [pad + "except (ValueError, KeyError) as e:",
                    pad + "    y = 1"]
            if self.rng.random() < 0.5:
                out += [pad + "except StopIteration:", pad + "    y = 2"]
            else:
                out += [pad + "except Exception:", pad + "    raise"]
            return out
        if c == "try_finally":
            out = [pad + "try:"]
            out += self.block(depth + 1, ind + 1, in_loop, in_func)
            out += [pad + "finally:", pad + "    y = 3"]
            return out
        if c == "with":
            out = [pad + "with ctx(x) as z:"]
            out += self.block(depth + 1, ind + 1, in_loop, in_func)
            return out
        if c == "genloop":
            return [pad + "for v in gen(x % 3):",
                    pad + "    x += v"]
        if c == "nested":
            f = self.name("inner")
            out = [pad + "def %s(x, y=1):" % f]
            out += self.block(depth + 1, ind + 1, False, True)
            out += [pad + "    return x", pad + "x = %s(x) or 0" % f]
            return out
        raise AssertionError(c)

    def program(self):
        if self.more:
            return self.program_more()
        return self.program_base()

    def program_more(self):
        base = self.program_base().split("\n")
        k = base.index("def main():")
        extra = [
            "def deco(fn):",
            "    def wrapper(*a):",
            "        return fn(*a)",
            "    return wrapper",
            "def rec(n):",
            "    if n <= 0:",
            "        return 0",
            "    return rec(n - 1) + 1",
            "def gen2(n):",
            "    try:",
            "        for k in range(n):",
            "            yield k",
            "    except ValueError:",
            "        yield -1",
            "    finally:",
            "        n = 0",
        ]
        return "\n".join(base[:k] + extra + base[k:])

    def program_base(self):
        lines = [
            "class Obj:",
            "    def method(self, v):",
            "        return v * 2",
            "obj = Obj()",
            "class ctx:",
            "    def __init__(self, v):",
            "        self.v = v",
            "    def __enter__(self):",
            "        return self.v",
            "    def __exit__(self, *a):",
            "        return %s" % self.rng.choice(["False", "True"]),
            "def gen(n):",
            "    for k in range(n):",
            "        yield k",
            "    return n",
        ]
        for k in range(self.rng.randint(1, 3)):
            lines.append("def f%d(x, items):" % k)
            lines.append("    y = 0")
            lines.extend(self.block(0, 1))
            lines.append("    return x")
        lines.append("def main():")
        lines.append("    out = []")
        lines.append("    for a in range(%d):" % self.rng.randint(1, 4))
        for k in range(sum(1 for l in lines if l.startswith("def f"))):
            lines.append("        try:")
            lines.append("            out.append(f%d(a, [a]))" % k)
            lines.append("        except Exception as e:")
            lines.append("            out.append(type(e).__name__)")
        lines.append("    return out")
        return "\n".join(lines) + "\n"


def _more_comp(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "y = %s" % g.rng.choice([
        "[i * 2 for i in range(x % 4) if i]",
        "{i: i for i in range(2)}", "{i % 2 for i in items}",
        "len([j for j in items for _ in range(2)])"])]


def _more_lambda(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "fn = lambda v, w=2: v * w if v else w",
            pad + "y = fn(x) + fn(0)"]


def _more_delete(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "tmp = [x, y]", pad + "del tmp[0]", pad + "del tmp"]


def _more_recurse(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "y = rec(x % 3)"]


def _more_gthrow(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "g = gen2(x % 3 + 1)", pad + "y = next(g)",
            pad + "try:", pad + "    y = g.throw(ValueError)",
            pad + "except (ValueError, StopIteration):",
            pad + "    y = 0", pad + "g.close()"]


def _more_gclose(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    return [pad + "g = gen2(2)", pad + "for v in g:",
            pad + "    if v:", pad + "        break", pad + "g.close()"]


def _more_yfrom(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    f = g.name("deleg")
    return [pad + "def %s():" % f, pad + "    r = yield from gen(2)",
            pad + "    return r",
            pad + "y = list(%s())" % f]


def _more_fin_exit(g, depth, ind, in_loop, in_func):
    # try/finally left by return, break or continue
    pad = "    " * ind
    out = [pad + "try:"]
    out += g.block(depth + 1, ind + 1, in_loop, in_func)
    exits = (["break", "continue"] if in_loop else []) + (
        ["return x"] if in_func else [])
    if exits:
        out += [pad + "    if x %% 2 == %d:" % g.rng.randint(0, 1),
                pad + "        " + g.rng.choice(exits)]
    out += [pad + "finally:", pad + "    y = 3"]
    return out


def _more_deco(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    f = g.name("dec")
    out = [pad + "@deco", pad + "def %s(x, y=1):" % f]
    out += g.block(depth + 1, ind + 1, False, True)
    out += [pad + "    return x", pad + "x = %s(x) or 0" % f]
    return out


def _more_klass(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    c = g.name("K")
    return [pad + "class %s:" % c, pad + "    a = x",
            pad + "    if a > 2:", pad + "        b = 1",
            pad + "    def m(self):", pad + "        return self.a",
            pad + "y = %s().m()" % c]


def _more_with2(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    out = [pad + "with ctx(x) as z, ctx(y) as w:"]
    out += g.block(depth + 1, ind + 1, in_loop, in_func)
    return out


def _more_match(g, depth, ind, in_loop, in_func):
    pad = "    " * ind
    out = [pad + "match %s:" % g.rng.choice(["x", "(x, y)", "items"])]
    cases = [["case 0 | 1:"], ["case (a, 0):"], ["case [a, *rest]:"],
             ["case int(a) if a > 3:"], ["case {'k': a}:"],
             ["case _:"]]
    g.rng.shuffle(cases)
    for case in cases[:g.rng.randint(1, 3)] + [["case _:"]]:
        out += [pad + "    " + case[0]]
        out += g.block(depth + 1, ind + 2, in_loop, in_func)
        if case[0] == "case _:":
            break
    return out


MORE = {"comp": _more_comp, "lambda": _more_lambda, "delete": _more_delete,
        "recurse": _more_recurse, "gthrow": _more_gthrow,
        "gclose": _more_gclose, "yfrom": _more_yfrom,
        "fin_exit": _more_fin_exit, "deco": _more_deco,
        "klass": _more_klass, "with2": _more_with2, "match": _more_match}


# ----------------------------------------------------------------------
# The worker: runs on the interpreter under test and prints JSON.

# The worker's offset -> line map (shared with tools/event_cases.py).
LINE_OF = r'''
_lines = {}
def line_of(co, off):
    if off is None or off < 0:
        return None
    t = _lines.get(co)
    if t is None:
        if hasattr(co, "co_lines"):
            t = list(co.co_lines())
        else:
            starts = list(dis.findlinestarts(co))
            t = []
            for k, (s, l) in enumerate(starts):
                e = starts[k + 1][0] if k + 1 < len(starts) else len(co.co_code)
                t.append((s, e, l))
        _lines[co] = t
    for s, e, l in t:
        if s <= off < e:
            return l
    return None
'''

WORKER = r'''
import json, sys, dis
src = sys.stdin.read()
sys.path.insert(0, %(src)r)
try:
    import pep669
    mon = pep669.monitoring
except ImportError:
    mon = sys.monitoring
E = mon.events
code = compile(src, "<prog>", "exec")
''' + LINE_OF + r'''def mine(co):
    return co.co_filename == "<prog>"
def rep(v):
    if isinstance(v, BaseException):
        return type(v).__name__
    if isinstance(v, (int, str, bool, type(None), float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return type(v).__name__ + str(len(v))
    n = getattr(v, "__qualname__", None)
    if n is not None and callable(v):
        return "callable:" + n
    return type(v).__name__
out = []
names = {}
BRANCHES = tuple(getattr(E, n) for n in ("BRANCH_LEFT", "BRANCH_RIGHT")
                 if hasattr(E, n))
def make(ev):
    name = names[ev]
    if ev == E.LINE:
        def cb(co, line):
            if mine(co):
                out.append((name, co.co_name, line))
    elif ev in (E.JUMP, E.BRANCH) or ev in BRANCHES:
        def cb(co, src, dst):
            if mine(co):
                out.append((name, co.co_name, line_of(co, src),
                            line_of(co, dst)))
    elif ev in (E.CALL, E.C_RETURN, E.C_RAISE):
        def cb(co, off, fn, arg0):
            if mine(co):
                out.append((name, co.co_name, line_of(co, off), rep(fn),
                            rep(arg0)))
    elif ev == E.PY_START:
        def cb(co, off):
            if mine(co):
                out.append((name, co.co_name))
    elif ev == E.PY_RESUME:
        def cb(co, off):
            if mine(co):
                out.append((name, co.co_name, line_of(co, off)))
    else:
        def cb(co, off, val):
            if mine(co):
                out.append((name, co.co_name, line_of(co, off), rep(val)))
    return cb
mask = 0
ONLY = %(only)r
for n in ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "PY_UNWIND",
          "PY_THROW", "CALL", "C_RETURN", "C_RAISE", "LINE", "JUMP",
          "RAISE", "RERAISE", "EXCEPTION_HANDLED", "STOP_ITERATION",
          "BRANCH_LEFT", "BRANCH_RIGHT"):
    ev = getattr(E, n, None)
    if ev is not None and (not ONLY or n in ONLY):
        names[ev] = n
DISABLING = %(disable)r
KNOWN = %(known)r
DISABLABLE = {"LINE", "CALL", "PY_START", "PY_RESUME", "PY_RETURN",
              "PY_YIELD", "JUMP", "BRANCH_LEFT", "BRANCH_RIGHT"}
JUMPS = {"JUMP", "BRANCH_LEFT", "BRANCH_RIGHT"}
def disabling(name, cb):
    # --disable: DISABLE every third event by a hash of what was recorded
    if not DISABLING or name not in DISABLABLE:
        return cb
    import zlib
    def wrapper(*args):
        n = len(out)
        cb(*args)
        rec = out[-1] if len(out) > n else None
        if KNOWN and rec is not None and name in JUMPS:
            rec = rec[:3]   # (the destination's line follows the bytecode)
        if rec is not None and zlib.crc32(repr(rec).encode()) %% 3 == 0:
            return mon.DISABLE
    return wrapper
mon.use_tool_id(2, "diff")
for ev in names:
    mon.register_callback(2, ev, disabling(names[ev], make(ev)))
    mask |= ev
ns = {"__name__": "prog"}
exec(code, ns)
mon.set_events(2, mask)
result = []
for run in range(2 if DISABLING else 1):
    out.append(("RUN", run))
    try:
        result.append(rep(ns["main"]()))
    except BaseException as e:
        result.append("raised " + type(e).__name__)
mon.set_events(2, 0)
print(json.dumps({"events": out, "result": result}))
'''


def find_python(v):
    import runtests  # the matrix's interpreter finder
    chosen, missing = runtests.find_interpreters([v])
    if not chosen:
        raise SystemExit("python %s not found" % v)
    return chosen[0].executable


SRC = os.path.join(ROOT, "src")


def run(python, program, disable=False, known=False, only=()):
    worker = WORKER % {"src": SRC,
                       "disable": disable, "known": known,
                       "only": tuple(only)}
    try:
        p = subprocess.run([python, "-c", worker], input=program,
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    if p.returncode != 0:
        return {"error": p.stderr[-2000:]}
    return json.loads(p.stdout)


def known_norm(events):
    """--known: leave out what docs/differences.md lists as following the
    bytecode: handler counts (an EXCEPTION_HANDLED that a RERAISE of the
    same exception follows at once, and that RERAISE; one RERAISE of a
    run), the lines of RERAISE and PY_UNWIND (3.11+ re-raise from cleanup
    handlers without a line), and the destinations' lines of JUMP/BRANCH
    events (3.12+ thread jumps, and give a line to jumps that 3.10/3.11
    give none)."""
    res = []
    for e in events:
        if e[0] in ("RERAISE", "PY_UNWIND"):
            e = e[:2] + (None,) + tuple(e[3:])
        if e[0] == "RERAISE":
            if (res and res[-1][0] == "EXCEPTION_HANDLED"
                    and res[-1][1] == e[1] and res[-1][3] == e[3]):
                res.pop()
                continue
            if (res and res[-1][0] == "RERAISE" and res[-1][1] == e[1]
                    and res[-1][3] == e[3]):
                continue
        if e[0] in ("JUMP", "BRANCH", "BRANCH_LEFT", "BRANCH_RIGHT"):
            e = tuple(e[:3]) + (None,)
        res.append(tuple(e))
    return res


def first_difference(a, b):
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    if len(a) != len(b):
        return min(len(a), len(b))
    return None


def show(prog, refname, a, v, b, i, results):
    print(prog)
    lo = max(0, (i or 0) - 4)
    print("   %-60s %s" % (refname, v))
    for j in range(lo, min(max(len(a), len(b)), (i or 0) + 6)):
        x = a[j] if j < len(a) else ""
        y = b[j] if j < len(b) else ""
        print(" %s %-60s %s" % ("!" if x != y else " ", x, y))
    if results[0] != results[1]:
        print("   result %s vs %s" % results)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", action="append", default=None,
                    help="interpreter under test (3.X); repeatable")
    ap.add_argument("--reference", action="append", default=None,
                    help="reference interpreter(s); a run differs when it "
                    "matches none of them (default: 3.12 and 3.13)")
    ap.add_argument("--ignore", default="",
                    help="comma-separated event names left out of every "
                    "stream (JUMP depends on the compiler's block layout)")
    ap.add_argument("--handler-lines", action="store_true", default=False,
                    help="compare the line of EXCEPTION_HANDLED's offset "
                    "(none on 3.11+, the except line before)")
    ap.add_argument("--disable", action="store_true",
                    help="the tool returns DISABLE for every third event "
                    "(by a hash of what it recorded), and main() runs twice")
    ap.add_argument("--known", action="store_true",
                    help="leave out the differences docs/differences.md "
                    "lists as the bytecode's (handler counts, RERAISE and "
                    "PY_UNWIND lines, jump destinations' lines)")
    ap.add_argument("--events", default="",
                    help="comma-separated event names the tool sets "
                    "(default: every event but INSTRUCTION), e.g. "
                    "RAISE,RERAISE,EXCEPTION_HANDLED,PY_UNWIND for the "
                    "paths of code that wants exception events only")
    ap.add_argument("--src", default=None,
                    help="the src/ directory of the pep669 under test "
                    "(another tree's build: a baseline)")
    ap.add_argument("--more", action="store_true",
                    help="more constructs: comprehensions, lambdas, del, "
                    "recursion, generators' throw()/close(), yield from, "
                    "try/finally left by return/break/continue, "
                    "decorators, class bodies, multi-item with, and match "
                    "statements when every interpreter is 3.10+")
    ap.add_argument("--without", default="",
                    help="comma-separated statement kinds the generator "
                    "leaves out (with --more: comp,deco,klass,match,...)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--start", type=int, default=0,
                    help="first program number (programs START..START+COUNT-1"
                    " of the seed)")
    ap.add_argument("--summary", action="store_true",
                    help="one line per differing run: the first pair")
    ap.add_argument("--show", action="store_true",
                    help="print each program and its streams")
    args = ap.parse_args()
    if args.src:
        global SRC
        SRC = os.path.abspath(args.src)
    refs = args.reference or ["3.12", "3.13"]
    tested = args.python or ["3.10", "3.11"]
    ignore = set(n for n in args.ignore.split(",") if n)
    only = tuple(n for n in args.events.split(",") if n)
    pys = {v: find_python(v) for v in set(refs) | set(tested)}

    def norm(e):
        if e[0] == "EXCEPTION_HANDLED" and args.handler_lines is False:
            # 3.11+ enter a handler at an instruction without a line
            # (PUSH_EXC_INFO); before 3.11 the handler's first
            # instruction has the except line
            return (e[0], e[1], None, e[3])
        return tuple(e)

    def stream(res):
        evs = [norm(e) for e in res["events"] if e[0] not in ignore]
        return known_norm(evs) if args.known else evs

    match = all(tuple(map(int, v.split(".")[:2])) >= (3, 10)
                for v in set(refs) | set(tested))
    bad = 0
    for k in range(args.start, args.start + args.count):
        rng = random.Random(args.seed * 100003 + k)
        prog = Gen(rng, args.more, match,
                   [w for w in args.without.split(",") if w]).program()
        if args.show:
            print(prog)
        ref = {}
        for v in refs:
            r = run(pys[v], prog, args.disable, args.known, only)
            if "error" in r:
                print("program %d: reference %s failed:\n%s" %
                      (k, v, r["error"]))
                continue
            ref[v] = r
        if not ref:
            continue
        for v in tested:
            if v in ref:
                continue
            got = run(pys[v], prog, args.disable, args.known, only)
            if "error" in got:
                bad += 1
                print("== program %d on %s: worker failed\n%s\n%s" %
                      (k, v, prog, got["error"]))
                continue
            b = stream(got)
            best, matched = None, False
            for rv, r in ref.items():
                a = stream(r)
                i = first_difference(a, b)
                if i is None and r["result"] == got["result"]:
                    matched = True
                    break
                if best is None or (i or 0) > (best[2] or 0):
                    best = (rv, a, i, r["result"])
            if matched:
                continue
            bad += 1
            rv, a, i, rres = best
            if args.summary:
                x = a[i] if i is not None and i < len(a) else None
                y = b[i] if i is not None and i < len(b) else None
                print("%s #%d: %s | %s" % (v, k, x, y))
                continue
            print("== program %d (--seed %d) on %s differs from %s at "
                  "event %s of %d/%d" % (k, args.seed, v, rv, i, len(a),
                                         len(b)))
            show(prog, rv, a, v, b, i, (rres, got["result"]))
    print("%d programs, %d differing runs" % (args.count, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
