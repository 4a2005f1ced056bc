"""The per-call cost of code whose every wanted location is DISABLEd.

    python benchmarks/bench_percall.py [--python EXE ...] [--workloads ...]
                                       [--modes ...] [--quick] [--src DIR]

Callgrind only (instruction counts; the machine's timings are too noisy
for differences of a few dozen instructions per call).  For every
interpreter (pyenv 3.8-3.13 unless --python names some), each workload
runs under ``valgrind --tool=callgrind`` in fresh subprocesses, once with
the workload's size N and once with 2N, run once after its set-up: the
difference is N calls (start-up, set-up and the run's own entry and exit
cancel).  Modes:

    baseline    pep669 not even imported
    passhook    a PEP 523 evaluator that does nothing but call the one it
                replaced (tests/capi/evaltest.c, "pass"): what any
                eval-frame hook costs on the interpreter, the floor of
                pep669's hook on 3.8-3.11
    early       the coverage pattern: LINE set globally with a callback
                that returns DISABLE, set before the workload's function
                is first called; one run disables every line, then the
                measured runs
    late        the same, set after a warm-up run without monitoring (3.11:
                the code is quickened and specialised first)

Workloads:

    calls       a loop in a function calling a 4-line function N times:
                the figure is "extra instructions per call" (the mode's
                instructions per call minus the baseline's)
    fib         recursive fib: the call-heavy workload's ratio
    probed      as `calls`, the function with one line that never runs
                (an error branch): a function on line probes, not the
                target's fully DISABLEd code; 3.8-3.10 start each run of
                it in its window (docs/architecture.md)

The issue's targets (issue 14, target 3): at most 60 extra instructions
per call on 3.8-3.10, 150 on 3.11; the call-heavy workload at most 1.03x
on 3.8-3.10, 1.10x on 3.11.  3.12/3.13 rows are native sys.monitoring,
for reference.  Nothing here asserts anything.
"""

import argparse
import gc
import json
import os
import sys

import _common

MODES = ("baseline", "passhook", "early", "late")


# -- the workloads (run in the worker) --------------------------------------

def small(x):
    a = x + 1
    b = a * 2
    c = b - x
    return c


def calls(n):
    f = small
    for i in range(n):
        f(i)
    return n


def probed(x):
    a = x + 1
    if a < 0:
        raise ValueError(a)  # never runs: its line stays wanted
    return a * 2


def calls_probed(n):
    f = probed
    for i in range(n):
        f(i)
    return n


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def fib_calls(n):
    # Python calls made by fib(n)
    a, b = 1, 1
    for _ in range(n):
        a, b = b, a + b
    return 2 * a - 1


WORKLOADS = {
    # name: (function, sizes (N, 2N), quick sizes, calls per run)
    "calls": (calls, (20000, 40000), (5000, 10000), lambda n: n),
    "fib": (fib, (18, 19), (15, 16), fib_calls),
    "probed": (calls_probed, (20000, 40000), (5000, 10000), lambda n: n),
}


CAPI = os.path.join(_common.ROOT, "tests", "capi")


def install_passhook():
    sys.path.insert(0, CAPI)
    import build
    ev = build.import_evaltest()
    ev.install("pass", "")


def build_passhook(exe):
    """Build the test extension for *exe* outside the measured runs (a
    worker that built it would count the build); None, or why not."""
    import subprocess
    out = subprocess.run(
        [exe, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                    "import build; build.import_evaltest()", CAPI],
        env=_common.worker_env(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, universal_newlines=True)
    if out.returncode != 0:
        return (out.stdout.strip().splitlines() or ["?"])[-1]
    return None


def worker(mode, name, size):
    function = WORKLOADS[name][0]
    small_size = 3
    if mode == "passhook":
        install_passhook()
    if mode == "late":
        function(small_size)
    if mode in ("early", "late"):
        import pep669
        mon = pep669.monitoring
        tool = mon.COVERAGE_ID
        mon.use_tool_id(tool, "bench_percall")
        disable = mon.DISABLE

        def on_line(code, line):
            return disable

        mon.register_callback(tool, mon.events.LINE, on_line)
        mon.set_events(tool, mon.events.LINE)
    # The run that disables every line (and warms up the others).
    function(small_size)
    gc.collect()
    gc.disable()
    function(size)
    print(json.dumps({"ok": True}))


# -- the driver -------------------------------------------------------------

def measure(interp, mode, name, sizes):
    """Instructions of a run of size sizes[1] less those of sizes[0]."""
    totals, _ = _common.callgrind_totals(
        __file__, interp.exe, lambda size: [mode, name, size], sizes)
    return totals[sizes[1]] - totals[sizes[0]]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Per-call cost of fully DISABLEd code (callgrind).")
    _common.add_arguments(
        parser, WORKLOADS, MODES,
        quick="smaller sizes",
        reps="(unused: callgrind is deterministic)", worker_args=3)
    args = parser.parse_args(argv)
    if args.worker:
        mode, name, size = args.worker
        worker(mode, name, int(size))
        return 0
    args.callgrind = True
    names, modes, interpreters = _common.prepare(parser, args, WORKLOADS,
                                                 MODES)
    head = ["interpreter", "workload", "calls/run", "baseline (instr/call)"]
    for mode in modes:
        if mode != "baseline":
            head += [mode + " (extra/call)", mode + " (ratio)"]
    rows = []
    for interp in interpreters:
        why = build_passhook(interp.exe) if "passhook" in modes else None
        if why:
            print("%s: passhook not measured: %s" % (interp.label, why),
                  file=sys.stderr)
        for name in names:
            sizes = WORKLOADS[name][2 if args.quick else 1]
            count_of = WORKLOADS[name][3]
            ncalls = count_of(sizes[1]) - count_of(sizes[0])
            per = {}
            for mode in ["baseline"] + [m for m in modes if m != "baseline"]:
                if mode == "passhook" and why:
                    per[mode] = None
                    continue
                print("callgrind %s %s %s" % (interp.label, name, mode),
                      file=sys.stderr, flush=True)
                per[mode] = (measure(interp, mode, name, sizes) /
                             float(ncalls))
            base = per["baseline"]
            cells = [interp.short(), name, str(ncalls), "%.1f" % base]
            for mode in modes:
                if mode == "baseline":
                    continue
                if per[mode] is None:
                    cells += ["n/a", "n/a"]
                    continue
                cells += ["%+.1f" % (per[mode] - base),
                          _common.ratio(per[mode], base, 3)]
            rows.append(cells)
    print(_common.markdown(head, rows))
    print("Instructions per call (callgrind: runs of sizes 2N and N, "
          "subtracted; calls/run: their difference).  pep669 measured from %s." % _common.SRC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
