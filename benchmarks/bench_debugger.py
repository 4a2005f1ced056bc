"""A debugger's cost: a breakpoint after a 300,000-iteration loop.

    python benchmarks/bench_debugger.py [--quick] [--reps N] [--python EXE ...]
    python benchmarks/bench_debugger.py --callgrind [--python EXE ...]
    python benchmarks/bench_debugger.py --src /tmp/snapshot/src ...

The debugger is the test suite's ``tests/minidebugger.py``: one front end,
two backends.  The debugged program is one function that loops 300,000
times and has a breakpoint on its ``return`` line; the debugger starts in
``continue`` mode, stops once at the breakpoint and continues to the end.

    baseline    the program without a debugger (pep669 imported, no tool)
    monitoring  the sys.monitoring backend: LINE set on the function's code
                when it starts (PY_START), every line of the loop DISABLEd
                at its first event
    settrace    the sys.settrace backend: the function traced, the front end
                called for every line

Each mode runs in fresh subprocesses (best of 3 runs after a warm-up; the
driver repeats that 5 times, rotating the order of the modes), and the table
gives each mode as a ratio to the baseline and settrace / monitoring, all
within the same interpreter and the same benchmark run.  Nothing here
asserts timings.  ``--callgrind`` counts instructions of one run instead
(the worker runs the program 1 and 2 times under callgrind; the difference
is one run with startup cancelled), at the same size.

On 3.8-3.11 the engine must be built first (``python3.X tools/build_ext.py``).
"""

import argparse
import gc
import json
import os
import sys
import time

import _common

MODES = ("baseline", "monitoring", "settrace")

PROGRAM = '''\
def work(n):
    total = 0
    for i in range(n):
        total += i
    return total

result = work(N)
'''
#: the breakpoint: ``return total``
BREAK_LINE = 5


def worker(mode, size, repeat, warmup):
    sys.path.insert(0, os.path.join(_common.ROOT, "tests"))
    import minidebugger
    code = compile(PROGRAM.replace("N", str(size)), "<debugged>", "exec")
    stops = []

    def run_once():
        if mode == "baseline":
            ns = {"__name__": "__debugged__"}
            exec(code, ns)
            return
        backend = minidebugger.BACKENDS[mode]()
        dbg = minidebugger.Debugger(backend, "<debugged>",
                                    ["p total", "continue"],
                                    breaks=[BREAK_LINE])
        transcript = dbg.run(code, start="continue")
        stops.append(transcript)

    for _ in range(warmup):
        run_once()
    gc.collect()
    gc.disable()
    timer = time.perf_counter
    best = None
    for _ in range(repeat):
        start = timer()
        run_once()
        elapsed = timer() - start
        if best is None or elapsed < best:
            best = elapsed
    print(json.dumps({"best": best,
                      "transcript": stops[-1] if stops else None}))


def run_worker(exe, mode, size, repeat, warmup, prefix=()):
    return _common.run_worker(__file__, exe, [mode, size, repeat, warmup],
                              prefix)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Debugger backends: a breakpoint after a long loop.")
    _common.add_arguments(parser, quick="3 repetitions instead of 5",
                          reps="subprocess repetitions per mode (default "
                               "5, quick 3)", worker_args=4)
    parser.add_argument("--size", type=int, default=300000,
                        help="loop iterations (default 300000)")
    args = parser.parse_args(argv)

    if args.worker:
        mode, size, repeat, warmup = args.worker
        worker(mode, int(size), int(repeat), int(warmup))
        return 0
    _, _, found = _common.prepare(parser, args)
    interpreters = [(i.exe, i.label) for i in found]

    best = {}
    transcripts = {}
    if args.callgrind:
        for exe, label in interpreters:
            for mode in MODES:
                print("callgrind %s %s" % (label, mode), file=sys.stderr,
                      flush=True)
                counts, results = _common.callgrind_totals(
                    __file__, exe,
                    lambda repeat: [mode, args.size, repeat, 0], (1, 2))
                best[(label, mode)] = counts[2] - counts[1]
                transcripts[(label, mode)] = results[2]["transcript"]
    else:
        reps = args.reps or (3 if args.quick else 5)
        started = time.time()
        for rep in range(reps):
            for exe, label in interpreters:
                shift = rep % len(MODES)
                for mode in MODES[shift:] + MODES[:shift]:
                    result = run_worker(exe, mode, args.size, 3, 1)
                    key = (label, mode)
                    if key not in best or result["best"] < best[key]:
                        best[key] = result["best"]
                    transcripts[key] = result["transcript"]
            print("repetition %d/%d done (%.0f s)"
                  % (rep + 1, reps, time.time() - started),
                  file=sys.stderr, flush=True)

    unit = "instr" if args.callgrind else "ms"
    head = ["interpreter", "baseline (%s)" % unit, "monitoring backend",
            "settrace backend", "settrace / monitoring", "same transcript"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for _, label in interpreters:
        base = best[(label, "baseline")]
        mon = best[(label, "monitoring")]
        st = best[(label, "settrace")]
        same = transcripts[(label, "monitoring")] == \
            transcripts[(label, "settrace")]
        print("| " + " | ".join([
            label,
            ("%.1fM" % (base / 1e6)) if args.callgrind
            else "%.1f" % (base * 1e3),
            _common.ratio(mon, base, 2), _common.ratio(st, base, 2),
            _common.ratio(st, mon, 1), "yes" if same else "NO"]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
