"""What the first run of code costs under coverage, per code object.

    python3.X tools/build_ext.py --release        (each interpreter)
    python3 tools/analysis_cost.py [-n 200] [--python EXE ...] [--src DIR]
                                   [--modes line,branch,branch-native]
                                   [--memory]    (memory only: no valgrind)

Compiles N distinct 20-line functions (a loop, an if/elif/else, a
try/except, a while; about 100 instructions each) and runs each once, in
a fresh interpreter under ``valgrind --tool=callgrind``, in these modes:

    none           no events (the run's own cost)
    line           LINE set globally, a callback that records (id(code),
                   line) in a set and returns DISABLE (coverage.py's
                   pattern; id: hashing a code object costs 3.12 several
                   times what it costs 3.10, which would blur the
                   comparison)
    branch         LINE + BRANCH_LEFT/RIGHT likewise (issue 15; on
                   3.12/3.13 through pep669._native's BRANCH_LEFT/RIGHT)
    branch-native  3.12/3.13 only: LINE + native BRANCH likewise

and each mode once more without running the functions (compiling, the
events set).  For each interpreter (default: pyenv's 3.8-3.13) and mode
it prints, per function: the extra instructions of the first run (the
mode's run less its run without the functions, less the same difference
of `none`: the import and the tool's setup cancel out),
the lines reported (first reached), extra instructions per such line and
its ratio to native 3.12's, the first run's ratio to the run's own cost,
and on 3.8-3.11 the inclusive cost of the engine's analysis entry points
(callgrind_annotate --inclusive; they nest: the done cache runs the flow
analysis on first need, the flow analysis the unit map and line table).
Memory per code object: a separate run without valgrind, under
tracemalloc, which sees the engine's allocations (all through
PyMem_RawMalloc/Calloc) and 3.12/3.13's instrumentation data
(PyMem_Malloc): what the first runs left allocated, less the same without
running the functions, less both of `none`, over N.  The callback of that run allocates nothing.

Issue 14 item 4 asks for at most 1.15x native 3.12's instructions per
first-reached line, at most 5,000 instructions of analysis per such
function and at most 1.5x native's memory per code object.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SRC = '''
def f{i}(n):
    total = {i}
    for k in range(n):
        if k % 3 == 0:
            total += k
        elif k % 3 == 1:
            total -= 1
        else:
            total *= 2
    s = str(total)
    items = list(s)
    d = {{}}
    for c in items:
        d[c] = d.get(c, 0) + 1
    try:
        x = int(s) // (n - n)
    except ZeroDivisionError:
        x = -1
    while x < 0:
        x += 5
    return total, d, x
'''

# Functions whose inclusive cost is printed (those that exist in the build).
ENTRY_POINTS = ("pep669_code_done_slow", "pep669_find_line_starts",
                "pep669_code_units_slow", "pep669_code_lines_ensure",
                "pep669_backend_code_lines")
MODES = ("line", "branch", "branch-native")


def worker(n, mode, runs, memory):
    import gc
    funcs = []
    for i in range(n):
        ns = {}
        exec(compile(SRC.format(i=i), "<f%d>" % i, "exec"), ns)
        funcs.append(ns["f%d" % i])
    seen = set()
    if mode == "branch-native":
        mon = sys.monitoring
    else:
        from pep669 import monitoring as mon
    disable = mon.DISABLE

    if memory:
        def line(code, lineno):
            return disable

        def branch(code, offset, destination):
            return disable
    else:
        def line(code, lineno):
            seen.add((id(code), lineno))
            return disable

        def branch(code, offset, destination):
            seen.add((id(code), offset, destination))
            return disable

    if memory:
        import tracemalloc
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    if mode != "none":
        mon.use_tool_id(1, "cov")
        mon.register_callback(1, mon.events.LINE, line)
        events = mon.events.LINE
        if mode == "branch":
            branches = (mon.events.BRANCH_LEFT, mon.events.BRANCH_RIGHT)
        elif mode == "branch-native":
            branches = (mon.events.BRANCH,)
        else:
            branches = ()
        for ev in branches:
            mon.register_callback(1, ev, branch)
            events |= ev
        mon.set_events(1, events)
    for _ in range(runs):
        for f in funcs:
            f(3)
    result = {"reported": len(seen)}
    if memory:
        gc.collect()
        result["memory"] = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    if mode != "none":
        mon.set_events(1, 0)
    print(json.dumps(result))


def run(exe, src, args, out=None):
    env = dict(os.environ, PYTHONPATH=src, PYTHONHASHSEED="0")
    cmd = [exe, os.path.abspath(__file__), "--worker"] + args
    if out is not None:
        cmd = ["valgrind", "--tool=callgrind",
               "--callgrind-out-file=" + out] + cmd
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    if res.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), res.stderr[-3000:]))
    result = json.loads(res.stdout.strip().splitlines()[-1])
    if out is not None:
        match = re.search(r"Collected : (\d+)", res.stderr)
        result["instructions"] = int(match.group(1))
    return result


def inclusive(out):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes",
                           "--auto=no", "--threshold=100", out],
                          stdout=subprocess.PIPE, universal_newlines=True,
                          check=True).stdout
    costs = {}
    for line in text.splitlines():
        # "  12,345 (1.2%)  file.c:function [object]": a function inlined
        # into others has entries per file its code came from, and one
        # more without [object], their sum: the largest is the whole.
        match = re.match(r"\s*([\d,]+) \(.*\)\s+\S*:(\w+)(?: \[.*\])?$",
                         line)
        if match and match.group(2) in ENTRY_POINTS:
            cost = int(match.group(1).replace(",", ""))
            costs[match.group(2)] = max(cost, costs.get(match.group(2), 0))
    return costs


def version_of(exe):
    return subprocess.run(
        [exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
        stdout=subprocess.PIPE, universal_newlines=True,
        check=True).stdout.strip()


def memory_only(exe, src, n, modes):
    version = version_of(exe)
    minor = tuple(int(x) for x in version.split(".")[:2])
    modes = [m for m in modes if m != "branch-native" or minor >= (3, 12)]

    def mem(mode, runs):
        return run(exe, src, [str(n), mode, runs, "--memory"])["memory"]
    none = mem("none", "1") - mem("none", "0")
    for mode in modes:
        print("| %s | %s | %d |" % (version, mode,
              (mem(mode, "1") - mem(mode, "0") - none) / n))


def measure(exe, src, n, modes):
    version = version_of(exe)
    minor = tuple(int(x) for x in version.split(".")[:2])
    modes = [m for m in modes if m != "branch-native" or minor >= (3, 12)]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        compiled = run(exe, src, [str(n), "none", "0"],
                       os.path.join(tmp, "c"))["instructions"]
        none = run(exe, src, [str(n), "none", "1"],
                   os.path.join(tmp, "n"))["instructions"]
        mem_none = (run(exe, src, [str(n), "none", "1", "--memory"])["memory"]
                    - run(exe, src, [str(n), "none", "0", "--memory"])[
                        "memory"])
        for mode in modes:
            out = os.path.join(tmp, mode)
            res = run(exe, src, [str(n), mode, "1"], out)
            setup = run(exe, src, [str(n), mode, "0"],
                        os.path.join(tmp, mode + "0"))["instructions"]
            mem = (run(exe, src, [str(n), mode, "1", "--memory"])["memory"]
                   - run(exe, src, [str(n), mode, "0", "--memory"])["memory"])
            row = {"extra": (res["instructions"] - setup
                             - (none - compiled)) / n,
                   "own": (none - compiled) / n,
                   "reported": res["reported"] / n,
                   "memory": (mem - mem_none) / n,
                   "analysis": {}}
            if minor < (3, 12):
                row["analysis"] = {k: v / n
                                   for k, v in inclusive(out).items()}
            rows[mode] = row
    return version, rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200,
                        help="functions (code objects), default 200")
    parser.add_argument("--python", nargs="+", metavar="EXE",
                        help="interpreters (default: pyenv's 3.8-3.13)")
    parser.add_argument("--src", default=os.path.join(ROOT, "src"),
                        help="the src/ directory of the build to measure")
    parser.add_argument("--modes", default="line,branch,branch-native",
                        help="comma-separated subset of: "
                        + ", ".join(MODES))
    parser.add_argument("--worker", nargs=3, metavar=("N", "MODE", "RUNS"))
    parser.add_argument("--memory", action="store_true",
                        help="(worker) measure memory; with no --worker: "
                        "only the memory per code object, no callgrind")
    args = parser.parse_args(argv)
    if args.worker is not None:
        n, mode, runs = args.worker
        worker(int(n), mode, int(runs), args.memory)
        return 0
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            parser.error("unknown mode %r" % m)
    exes = args.python
    if not exes:
        root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
        exes = []
        for minor in range(8, 14):
            found = sorted(glob.glob(os.path.join(
                root, "versions", "3.%d.*" % minor, "bin", "python")))
            exes += found[-1:]
    if args.memory:
        print("| version | mode | memory per code object, bytes |")
        print("|---|---|---|")
        for exe in exes:
            memory_only(exe, args.src, args.n, modes)
        return 0
    results = [measure(exe, args.src, args.n, modes) for exe in exes]
    reference = {}
    for version, rows in results:
        if version.startswith("3.12."):
            reference = rows
    print("%d code objects, each run once; per function (code object):"
          % args.n)
    print()
    print("| version | mode | first run, extra instr. | lines/edges "
          "reported | extra per reported | vs 3.12 native | first run vs "
          "own cost | memory, bytes | analysis (done cache / flow / unit "
          "map / lines) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for version, rows in results:
        for mode, row in rows.items():
            per = row["extra"] / row["reported"] if row["reported"] else 0
            ref = reference.get(mode if mode in reference else "line")
            if mode == "branch" and "branch" in reference:
                ref = reference["branch"]
            vs = ""
            if ref and ref["reported"]:
                vs = "%.2fx" % (per / (ref["extra"] / ref["reported"]))
            an = row["analysis"]
            analysis = " / ".join(
                "%d" % an[k] if k in an else "-"
                for k in ENTRY_POINTS[:4]) if an else ""
            print("| %s | %s | %d | %.1f | %d | %s | %.2fx | %d | %s |"
                  % (version, mode, row["extra"], row["reported"], per, vs,
                     (row["own"] + row["extra"]) / row["own"],
                     row["memory"], analysis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
