#!/usr/bin/env python3
"""Differential check of hand-written cases against native CPython.

tools/event_diff.py generates programs and records every event with one
tool.  This runs targeted cases instead (tools/event_cases_data.py): each
is a script that configures tools itself (local and global events, two
tools, DISABLE from one of them, restart_events, set_events or
register_callback from inside a callback, callbacks that raise or return
odd values, sys.settrace/setprofile beside monitoring, generators thrown
into and closed, coroutines, ...) and records what its callbacks see.
Offsets are turned into lines as event_diff does; the streams of the
interpreters under test are compared with native 3.13's (3.12's is shown
too when it differs from 3.13).

    python3 tools/event_cases.py                      # 3.8-3.11 vs 3.13
    python3 tools/event_cases.py --python 3.11 -k throw --show
    python3 tools/event_cases.py --list
"""
import argparse
import fnmatch
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from event_cases_data import CASES  # noqa: E402
import event_cases_more  # noqa: E402,F401  (appends to CASES)
import event_cases_fid13  # noqa: E402,F401  (appends to CASES)
import event_cases_fid14  # noqa: E402,F401  (appends to CASES)
import event_cases_fid15  # noqa: E402,F401  (appends to CASES)
import event_cases_fid16  # noqa: E402,F401  (appends to CASES)
import event_cases_fid17  # noqa: E402,F401  (appends to CASES)
import event_cases_fid18  # noqa: E402,F401  (appends to CASES)
import event_cases_fid19  # noqa: E402,F401  (appends to CASES)
import event_cases_fid20  # noqa: E402,F401  (appends to CASES)
from event_diff import LINE_OF  # noqa: E402

# The worker's prelude: names every case can use.
#   mon, E            the monitoring module and its events
#   out               the stream (a list of tuples)
#   note(*x)          append a marker
#   rec(tool, mask, ret=None, hook=None, name=None)
#                     register a recording callback for each event of
#                     mask; ret(evname, args) gives the return value,
#                     hook(evname, args) runs after recording (may raise)
#   line_of(co, off)  the line of an offset
#   rep(v)            a comparable rendering of a value
PRELUDE = r'''
import json, sys, dis
sys.path.insert(0, %(src)r)
try:
    import pep669
    mon = pep669.monitoring
except ImportError:
    mon = sys.monitoring
E = mon.events
''' + LINE_OF + r'''def mine(co):
    return co.co_filename == "<prog>" and co.co_name != "<module>"
def rep(v):
    if isinstance(v, BaseException):
        return type(v).__name__ + repr(v.args)[:60]
    if isinstance(v, (int, str, bool, type(None), float)):
        return repr(v)[:60]
    if isinstance(v, (list, tuple)):
        return type(v).__name__ + str(len(v))
    if type(v).__name__ == "code":
        return "code:" + v.co_name
    n = getattr(v, "__qualname__", None)
    if n is not None and callable(v):
        return "callable:" + n
    return type(v).__name__
out = []
def note(*x):
    out.append(("NOTE",) + tuple(rep(v) if not isinstance(v, str) else v
                                  for v in x))
NAMES = {}
for _n in ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "PY_UNWIND",
           "PY_THROW", "CALL", "C_RETURN", "C_RAISE", "LINE", "JUMP",
           "RAISE", "RERAISE", "EXCEPTION_HANDLED", "STOP_ITERATION",
           "BRANCH", "BRANCH_LEFT", "BRANCH_RIGHT", "INSTRUCTION"):
    _ev = getattr(E, _n, None)
    if _ev is not None:
        NAMES[_ev] = _n
ALL = 0
for _ev, _n in NAMES.items():
    if _n not in ("INSTRUCTION", "BRANCH"):
        ALL |= _ev
def evmask(*names):
    m = 0
    for n in names:
        m |= getattr(E, n)
    return m
def _fmt(name, args):
    co = args[0]
    if name == "LINE":
        return (co.co_name, args[1])
    if name in ("JUMP", "BRANCH", "BRANCH_LEFT", "BRANCH_RIGHT"):
        return (co.co_name, line_of(co, args[1]), line_of(co, args[2]))
    if name in ("PY_START",):
        return (co.co_name,)
    if name == "EXCEPTION_HANDLED":
        return (co.co_name, rep(args[2]))
    if name == "PY_UNWIND" and co.co_flags & 0x2a0:
        # 3.12+ unwind generators from their implicit handler (no line)
        return (co.co_name, None, rep(args[2]))
    if name == "INSTRUCTION":
        return (co.co_name, line_of(co, args[1]))
    return (co.co_name, line_of(co, args[1])) + tuple(rep(a) for a in args[2:])
def rec(tool, mask, ret=None, hook=None, name=None, only_mine=True):
    tag = name or "t%%d" %% tool
    for ev, evname in NAMES.items():
        if not (mask & ev):
            continue
        def cb(*args, evname=evname):
            if only_mine and not mine(args[0]):
                return None
            out.append((tag, evname) + _fmt(evname, args))
            if hook is not None:
                hook(evname, args)
            if ret is not None:
                return ret(evname, args)
            return None
        mon.register_callback(tool, ev, cb)
def run(f, *a):
    try:
        r = f(*a)
        out.append(("RESULT", rep(r)))
    except BaseException as e:
        out.append(("RAISED", rep(e)))
def done():
    for t in range(6):
        try:
            mon.set_events(t, 0)
        except Exception:
            pass
'''

EPILOGUE = r'''
done()
print("@@JSON@@" + json.dumps(out))
'''


def find_python(v):
    import runtests  # the matrix's interpreter finder
    chosen, missing = runtests.find_interpreters([v])
    if not chosen:
        raise SystemExit("python %s not found" % v)
    return chosen[0].executable


def run_case(python, src):
    prelude = PRELUDE % {"src": os.path.join(ROOT, "src")}
    driver = (prelude + "\n_src = sys.stdin.read()\n"
              "exec(compile(_src, '<prog>', 'exec'), globals())\n"
              + EPILOGUE)
    try:
        p = subprocess.run([python, "-c", driver], input=src,
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    for line in p.stdout.splitlines():
        if line.startswith("@@JSON@@"):
            return {"events": [tuple(e) for e in json.loads(line[8:])],
                    "stderr": p.stderr}
    return {"error": "exit %d\n%s%s" % (p.returncode, p.stdout[-1500:],
                                         p.stderr[-3000:])}


def first_difference(a, b):
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    if len(a) != len(b):
        return min(len(a), len(b))
    return None


def norm(events, ignore, strict_handlers=False):
    evs = [tuple(e) for e in events if len(e) < 2 or e[1] not in ignore]
    if strict_handlers:
        return evs
    # Handler counts follow the bytecode (docs/differences.md, "Handler
    # and re-raise counts"): 3.11+ pass an exception through cleanup
    # handlers, 3.12+ generators through an implicit one, each an
    # EXCEPTION_HANDLED + RERAISE more.  Drop every EXCEPTION_HANDLED that
    # a RERAISE of the same exception follows at once (and that RERAISE),
    # and keep one RERAISE of a run, without its line.
    # With several tools their events of one instruction interleave: the
    # entry before is the last of the same tool among those of the same
    # instruction (other tools' events only in between).
    res = []
    for e in evs:
        if e[1:2] == ("RERAISE",):
            e = e[:3] + (None,) + e[4:]
            j = len(res) - 1
            while (j >= 0 and res[j][0] != e[0] and len(res[j]) > 3 and
                   res[j][0] not in ("NOTE", "RESULT", "RAISED") and
                   res[j][1:3] == (res[-1][1:3])):
                j -= 1
            # (a marker of a case's own, as short as ("NOTE",), may come
            # before)
            if (j >= 0 and res[j][1:2] == ("EXCEPTION_HANDLED",)
                    and res[j][0] == e[0] and res[j][3] == e[4]):
                del res[j]
                continue
            if (j >= 0 and res[j][1:2] == ("RERAISE",) and res[j][0] == e[0]
                    and res[j][4] == e[4]):
                continue
        res.append(e)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", action="append", default=None,
                    help="interpreter under test (3.X); repeatable "
                    "(default 3.8-3.11)")
    ap.add_argument("--reference", default="3.13")
    ap.add_argument("--also", default="3.12",
                    help="second native interpreter, shown where it "
                    "differs from the reference")
    ap.add_argument("-k", action="append", default=None,
                    help="only cases whose name matches (glob)")
    ap.add_argument("--ignore", default="JUMP",
                    help="events left out (default JUMP: the compiler's "
                    "layout)")
    ap.add_argument("--strict-handlers", action="store_true",
                    help="compare EXCEPTION_HANDLED/RERAISE as they come "
                    "(by default a handler that only re-raises is left "
                    "out: their number follows the bytecode)")
    ap.add_argument("--show", action="store_true",
                    help="print the source and both streams")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    cases = CASES
    if args.k:
        cases = [c for c in cases if any(
            fnmatch.fnmatch(c[0], "*%s*" % k) for k in args.k)]
    if args.list:
        for c in cases:
            print(c[0])
        return 0
    ignore = set(n for n in args.ignore.split(",") if n)
    tested = args.python or ["3.8", "3.9", "3.10", "3.11"]
    pys = {v: find_python(v) for v in
           set(tested) | {args.reference} | ({args.also} - {""})}
    bad = 0
    for name, minv, src in cases:
        ref = run_case(pys[args.reference], src)
        if "error" in ref:
            print("== %s: reference failed\n%s" % (name, ref["error"]))
            continue
        a = norm(ref["events"], ignore, args.strict_handlers)
        also = None
        if args.also:
            r2 = run_case(pys[args.also], src)
            if "error" not in r2 and norm(r2["events"], ignore, args.strict_handlers) != a:
                also = norm(r2["events"], ignore, args.strict_handlers)
        for v in tested:
            if tuple(int(x) for x in v.split(".")) < minv:
                continue
            got = run_case(pys[v], src)
            if "error" in got:
                bad += 1
                print("== %s on %s: worker failed\n%s" %
                      (name, v, got["error"]))
                continue
            b = norm(got["events"], ignore, args.strict_handlers)
            i = first_difference(a, b)
            if i is None:
                continue
            if also is not None and first_difference(also, b) is None:
                print("-- %s on %s matches %s, not %s" %
                      (name, v, args.also, args.reference))
                continue
            bad += 1
            print("== %s on %s differs from %s at event %d of %d/%d" %
                  (name, v, args.reference, i, len(a), len(b)))
            if args.show:
                print(src)
            print("   %-62s %s" % ("native " + args.reference, v))
            lo = max(0, i - 3)
            hi = len(a) if args.show else i + 4
            hi = max(hi, len(b) if args.show else i + 4)
            for j in range(lo, min(max(len(a), len(b)), hi)):
                x = a[j] if j < len(a) else ""
                y = b[j] if j < len(b) else ""
                print(" %s %-62s %s" % ("!" if x != y else " ", x, y))
            if also is not None:
                print("   (%s differs from %s too)" % (args.also,
                                                        args.reference))
    print("%d cases, %d differing runs" % (len(cases), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
