"""Where the instructions of one workload iteration go, under callgrind.

    python3 benchmarks/callgrind_split.py --python EXE \\
        [--bench bench_calls.py] [--workload raising] [--mode exceptions] \\
        [--size 1000] [--src DIR] [--top 30]

Runs the benchmark's worker (bench_calls.py or bench_frame.py: both take
``--worker MODE NAME SIZE REPEAT WARMUP``) under callgrind four times:
the mode and ``baseline``, each with 3 repetitions and with 1 (so startup
cancels out), and prints per iteration of the workload (``SIZE``
iterations per repetition for bench_calls.py's workloads and
bench_frame.py's loop and generators, not fib, whose size is its
argument; the difference of 2 repetitions is divided by 2 * SIZE):

- the instructions the mode adds over the unmonitored run, split into
  pep669's (functions of the ``_monitoring`` extension, their inlined
  headers included) and the interpreter's (everything else: on 3.12/3.13
  native monitoring, the callbacks' own execution, the legacy tracing
  path: ``call_trace``, ``call_exc_trace``, the evaluator's tracing
  dispatch, line-number lookups);
- the functions whose exclusive cost grew most, each marked ``[ours]``
  or not;
- how often per iteration the trace entry points and pep669's main
  functions are called (from the call counts of callgrind's output).

Callgrind's output files stay in a temporary directory (``--keep DIR``
keeps them).  Standard library only; needs ``valgrind`` and
``callgrind_annotate``.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

# Call counts shown per iteration: the legacy tracing path's entry points
# and the engine's main doors.
CALLS = ("call_trace", "call_exc_trace", "call_trace_protected",
         "_PyEval_Vector", "eval_hook", "trampoline", "pep669_trace",
         "pep669_call_event", "probe", "pep669_trace_enter",
         "pep669_trace_leave", "on_exception", "handled_event",
         "check_reraise", "check_handler_exit",
         "call_instrumentation_vector", "_Py_call_instrumentation")

OURS = re.compile(r"_monitoring\.|/pep669/_core/")


def run(exe, script, mode, name, size, repeat, out):
    _common.precompile(exe)
    # (a --bench script outside benchmarks/ too: no measured run compiles)
    subprocess.run([exe, "-m", "compileall", "-q", os.path.dirname(script)],
                   env=_common.worker_env(), stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=600)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
           exe, script, "--worker", mode, name, str(size), str(repeat), "1"]
    done = subprocess.run(cmd, env=_common.worker_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), done.stderr))


def exclusive(path):
    """{(function, pep669's): exclusive instructions} (the inlined pieces
    of a function of pep669's, which callgrind names by file, summed), and
    the program's total under ("PROGRAM TOTALS", False)."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100",
                           "--auto=no", path], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout
    costs = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(\S+)(.*)$", line)
        if not m:
            continue
        if m.group(2) == "PROGRAM":
            costs["PROGRAM TOTALS", False] = int(m.group(1).replace(",", ""))
            continue
        where, rest = m.group(2), m.group(3)
        func = where.rsplit(":", 1)[-1]
        short = re.sub(r"^.*/(Python-3\.[\d.]+|_core|src)/", "", where)
        ours = bool(OURS.search(where + rest))
        key = (short if not ours else short.split(":", 1)[0] + ":" + func,
               ours)
        costs[key] += int(m.group(1).replace(",", ""))
    return costs


def calls(path):
    """{function name: calls made to it}."""
    names, counts, callee = {}, collections.Counter(), None
    with open(path) as f:
        for line in f:
            m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1) == "cfn":
                    callee = m.group(2)
                continue
            m = re.match(r"calls=(\d+)", line)
            if m and callee is not None:
                counts[names.get(callee, callee)] += int(m.group(1))
    return counts


def per_iteration(big, small, n):
    return {k: (big.get(k, 0) - small.get(k, 0)) / n
            for k in set(big) | set(small)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--bench", default="bench_calls.py")
    parser.add_argument("--workload", default="raising")
    parser.add_argument("--mode", default="exceptions")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--src", metavar="DIR")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--keep", metavar="DIR")
    args = parser.parse_args()
    if args.src:
        _common.SRC = os.path.abspath(args.src)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          args.bench)
    tmp = args.keep or tempfile.mkdtemp(prefix="cgsplit")
    os.makedirs(tmp, exist_ok=True)
    files = {}
    try:
        for mode in (args.mode, "baseline"):
            for repeat in (1, 3):
                out = os.path.join(tmp, "%s_%d.out" % (mode, repeat))
                print("callgrind %s x%d" % (mode, repeat), file=sys.stderr,
                      flush=True)
                run(args.python, script, mode, args.workload, args.size,
                    repeat, out)
                files[mode, repeat] = out
        n = 2.0 * args.size
        grown = per_iteration(exclusive(files[args.mode, 3]),
                              exclusive(files[args.mode, 1]), n)
        base = per_iteration(exclusive(files["baseline", 3]),
                             exclusive(files["baseline", 1]), n)
        added = {k: grown.get(k, 0) - base.get(k, 0)
                 for k in set(grown) | set(base)}
        total = added.pop(("PROGRAM TOTALS", False))
        ours = sum(v for (name, mine), v in added.items() if mine)
        print("%s, %s %s, per iteration (instructions):"
              % (args.python, args.workload, args.mode))
        print("  unmonitored run        %8.0f"
              % base[("PROGRAM TOTALS", False)])
        print("  added by the mode      %8.0f" % total)
        print("    pep669's             %8.0f" % ours)
        print("    the interpreter's    %8.0f" % (total - ours))
        print("\nexclusive cost added, largest first:")
        for (name, mine), v in sorted(added.items(),
                                      key=lambda kv: -kv[1])[:args.top]:
            print("  %8.0f  %s%s" % (v, name[:90], "  [ours]" if mine else ""))
        counted = per_iteration(calls(files[args.mode, 3]),
                                calls(files[args.mode, 1]), n)
        counted_base = per_iteration(calls(files["baseline", 3]),
                                     calls(files["baseline", 1]), n)
        print("\ncalls per iteration (mode / unmonitored):")
        for name in sorted(counted, key=lambda k: -counted[k]):
            if counted[name] >= 0.5 and any(c in name for c in CALLS):
                print("  %7.2f / %5.2f  %s" % (counted[name],
                                               counted_base.get(name, 0),
                                               name[:80]))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
