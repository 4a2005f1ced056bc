#!/usr/bin/env python3
"""Differential check: does a monitored program see pep669 underneath?

Runs every probe of tools/hide_cases.py (programs that look at their own
frames, code objects, tracebacks, recursion depth, legacy hooks ...)
three times in a child interpreter, once unmonitored and once under each
kind of monitoring (a tool whose callbacks only count), and prints every
probe whose observations differ from the unmonitored run's.

    python3 tools/hide_diff.py                       # 3.8-3.11 (+3.12/3.13)
    python3 tools/hide_diff.py --python 3.10 --mode cov --probe probe_bdb
    python3 tools/hide_diff.py --show                # print every diff line

A difference is a lead: docs/differences.md lists those that are known
(co_stacksize on call probes, C-stack depth).
"""
import argparse
import difflib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHONS = {
    "3.8": "/root/.pyenv/versions/3.8.18/bin/python",
    "3.9": "/root/.pyenv/versions/3.9.18/bin/python",
    "3.10": "/root/.pyenv/versions/3.10.13/bin/python",
    "3.11": "/root/.pyenv/versions/3.11.7/bin/python",
    "3.12": "/root/.pyenv/versions/3.12.1/bin/python",
    "3.13": "/root/.pyenv/versions/3.13.0/bin/python",
}

#: mode -> (events by name, whether the callbacks return DISABLE)
MODES = {
    "none": ((), False),
    "cov": (("LINE",), True),
    "lines": (("LINE",), False),
    "branch": (("LINE", "BRANCH_LEFT", "BRANCH_RIGHT"), True),
    "branchkeep": (("BRANCH",), False),
    "prof": (("CALL", "C_RETURN", "C_RAISE", "PY_START", "PY_RETURN"),
             False),
    "calldis": (("CALL",), True),
    "exc": (("RAISE", "RERAISE", "EXCEPTION_HANDLED", "PY_UNWIND",
             "PY_THROW", "STOP_ITERATION"), False),
    "frames": (("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD",
                "PY_THROW", "PY_UNWIND"), False),
    "instr": (("INSTRUCTION", "JUMP"), False),
    "debugger": (("LINE", "JUMP"), False),
    "all": (("*",), False),
    "alldis": (("*",), True),
}

CHILD = r'''
import json, sys, os
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import pep669
mon = pep669.monitoring
E = mon.events
import hide_cases
names, disable = MODE
probes = PROBES or hide_cases.ALL
count = [0]
if names:
    if names == ("*",):
        evs = [n for n in dir(E) if n.isupper() and n != "NO_EVENTS"]
        if not hasattr(E, "BRANCH_LEFT"):
            pass
    else:
        evs = list(names)
    mon.use_tool_id(3, "hide")
    mask = 0
    NOT_LOCAL = (E.RAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.PY_THROW |
                 E.RERAISE | getattr(E, "C_RETURN") | E.C_RAISE)
    for n in evs:
        bit = getattr(E, n, 0)
        if not bit:
            continue
        mask |= bit
        can = disable and not (bit & NOT_LOCAL)
        def cb(*args, can=can):
            count[0] += 1
            return mon.DISABLE if can else None
        mon.register_callback(3, bit, cb)
    mon.set_events(3, mask)
res = {}
for name in probes:
    runs = []
    for i in range(3):
        try:
            runs.append(getattr(hide_cases, name)())
        except BaseException as e:
            runs.append(["EXC %s: %s" % (type(e).__name__, e)])
    res[name] = runs
if names:
    mon.set_events(3, 0)
sys.settrace(None)
sys.stdout.write(json.dumps(res))
'''


def run(py, mode, probes):
    src = ("ROOT = %r\nMODE = %r\nPROBES = %r\n" % (ROOT, MODES[mode], probes)
           + CHILD)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([PYTHONS[py], "-c", src], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=600, env=env)
    if p.returncode:
        return {"__crash__": [[p.stderr[-3000:]]]}
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"__crash__": [[p.stdout[-2000:], p.stderr[-2000:]]]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", action="append")
    ap.add_argument("--mode", action="append")
    ap.add_argument("--probe", action="append")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    pys = a.python or ["3.8", "3.9", "3.10", "3.11"]
    modes = a.mode or [m for m in MODES if m != "none"]
    total = 0
    for py in pys:
        base = run(py, "none", a.probe)
        if "__crash__" in base:
            print(py, "baseline crashed", base["__crash__"])
            continue
        for mode in modes:
            got = run(py, mode, a.probe)
            if "__crash__" in got:
                print("%s %s CRASH %s" % (py, mode, got["__crash__"]))
                total += 1
                continue
            for name in sorted(base):
                for i, (b, g) in enumerate(zip(base[name], got[name])):
                    if b != g:
                        total += 1
                        print("%s %-10s %s run %d" % (py, mode, name, i))
                        if a.show:
                            for l in difflib.unified_diff(b, g, "none", mode,
                                                          lineterm="", n=0):
                                print("    " + l[:300])
                        break
    print("differences:", total)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
