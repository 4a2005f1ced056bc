"""Cost of frame-event monitoring, as ratios against an unmonitored run.

    python benchmarks/bench_frame.py [--quick] [--reps N] [--python EXE ...]
    python benchmarks/bench_frame.py --callgrind [--quick] [--python EXE ...]
    python benchmarks/bench_frame.py --src /tmp/snapshot/src ...

For every interpreter (all of 3.8-3.13 under $PYENV_ROOT/versions/ (~/.pyenv) unless
--python names some), each workload runs in fresh subprocesses in three
modes:

    baseline    pep669 not even imported
    registered  a tool id in use and PY_START/PY_RETURN callbacks registered,
                but no events set
    events      PY_START and PY_RETURN set globally, with a Python callback
                that counts them

Runs are interleaved (repetition by repetition, the order of the modes
rotating), and each mode's time is the best over all repetitions.  The
result is a markdown table of ratios against the baseline of the same
interpreter and workload in the same run.  Nothing here asserts timings.

On 3.8-3.11 pep669 must be built first, with that interpreter:
``python3.X tools/build_ext.py``; an interpreter where ``import pep669``
fails is skipped, with the reason.  --src measures a copy of the package
elsewhere (a snapshot of src/, built there).

--callgrind counts instructions with ``valgrind --tool=callgrind`` instead
of timing: the same worker runs with the workload repeated 1 and 3 times,
and the difference (startup cancels out) is divided by 2.
"""

import argparse
import gc
import json
import sys
import time

import _common

MODES = ("baseline", "registered", "events")


# -- the workloads (run in the worker) --------------------------------------

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def loop(n):
    total = 0
    for i in range(n):
        total += i * i % 7
        if total > 1000000:
            total -= 1000000
    return total


def _items(n):
    for i in range(n):
        yield i


def generators(n):
    total = 0
    for _ in range(n):
        for x in _items(8):
            total += x
    return total


WORKLOADS = {
    # name: (function, size, quick size, callgrind size, what it stresses)
    "fib": (fib, 27, 24, 18, "recursive calls: 2 events per call"),
    "loop": (loop, 500000, 250000, 30000, "one long-running frame"),
    "generators": (generators, 100000, 50000, 3000,
                   "short generators: start, resumes, return"),
}


def worker(mode, name, size, repeat, warmup):
    """Time one workload in this process and print a JSON line."""
    function = WORKLOADS[name][0]
    counts = [0]
    if mode != "baseline":
        import pep669
        monitoring = pep669.monitoring
        events = monitoring.events
        tool = monitoring.PROFILER_ID
        monitoring.use_tool_id(tool, "bench_frame")

        def on_start(code, offset):
            counts[0] += 1

        def on_return(code, offset, retval):
            counts[0] += 1

        monitoring.register_callback(tool, events.PY_START, on_start)
        monitoring.register_callback(tool, events.PY_RETURN, on_return)
        if mode == "events":
            monitoring.set_events(tool, events.PY_START | events.PY_RETURN)
    timer = time.perf_counter
    for _ in range(warmup):
        function(size)
    # No cyclic collection inside the measured runs (with callgrind's
    # small sizes one collection more or less outweighed a whole run).
    gc.collect()
    gc.disable()
    best = None
    counts[0] = 0
    for _ in range(repeat):
        start = timer()
        function(size)
        elapsed = timer() - start
        if best is None or elapsed < best:
            best = elapsed
    per_run = counts[0] // repeat if repeat else 0
    print(json.dumps({"best": best, "events": per_run}))


# -- the driver -------------------------------------------------------------

def run_worker(exe, mode, name, size, repeat, warmup, prefix=()):
    return _common.run_worker(__file__, exe,
                              [mode, name, size, repeat, warmup], prefix)


def callgrind_count(exe, mode, name, size):
    """Instructions of one warm run of the workload (startup cancelled)."""
    totals, results = _common.callgrind_totals(
        __file__, exe, lambda repeat: [mode, name, size, repeat, 1], (1, 3))
    return (totals[3] - totals[1]) / 2.0, results[3]["events"]


def table(rows, unit):
    head = ["interpreter", "workload", "baseline (%s)" % unit,
            "registered, no events", "PY_START+PY_RETURN", "events/run",
            "per event (%s)" % ("ns" if unit == "ms" else "instr")]
    # Instruction counts repeat to a few parts per million: show more.
    digits = 2 if unit == "ms" else 3
    cells = []
    for label, name, base, registered, events, count, noise in rows:
        # Per-event cost only means something with many events.
        many = count >= 1000
        if unit == "ms":
            per_event = (events - base) / count * 1e9 if many else None
            base_text = "%.1f" % (base * 1e3)
            if noise is not None:
                base_text += " (+%.0f%%)" % (noise * 100)
        else:
            per_event = (events - base) / count if many else None
            base_text = "%.1fM" % (base / 1e6)
        cells.append([
            label, name, base_text,
            _common.ratio(registered, base, digits),
            _common.ratio(events, base, digits),
            _common.count(count) if count else "NONE",
            "%.0f" % per_event if per_event is not None else "n/a",
        ])
    return _common.markdown(head, cells)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Frame-event monitoring cost, as ratios to baseline.")
    _common.add_arguments(
        parser, WORKLOADS,
        quick="smaller sizes and 3 repetitions (under a minute)",
        reps="subprocess repetitions per mode (default 5, quick 3)")
    args = parser.parse_args(argv)

    if args.worker:
        mode, name, size, repeat, warmup = args.worker
        worker(mode, name, int(size), int(repeat), int(warmup))
        return 0

    names, _, interpreters = _common.prepare(parser, args, WORKLOADS)

    if args.callgrind:
        rows = []
        for interp in interpreters:
            for name in names:
                size = WORKLOADS[name][3]
                measured = {}
                for mode in MODES:
                    print("callgrind %s %s %s" % (interp.label, name, mode),
                          file=sys.stderr, flush=True)
                    measured[mode] = callgrind_count(interp.exe, mode, name,
                                                     size)
                rows.append((interp.label, name, measured["baseline"][0],
                             measured["registered"][0],
                             measured["events"][0],
                             measured["events"][1], None))
        print(table(rows, "instr"))
        return 0

    reps = args.reps or (3 if args.quick else 5)
    repeat, warmup = (2, 1) if args.quick else (3, 1)
    best = {}
    events = {}
    samples = {}

    def measure(rep, interp, name, mode):
        size = WORKLOADS[name][2 if args.quick else 1]
        result = run_worker(interp.exe, mode, name, size, repeat, warmup)
        key = (interp.label, name, mode)
        samples.setdefault(key, []).append(result["best"])
        if key not in best or result["best"] < best[key]:
            best[key] = result["best"]
        events[key] = result["events"]

    _common.interleave(reps, interpreters, names, lambda i, n: MODES,
                       measure)

    rows = []
    for interp in interpreters:
        label = interp.label
        for name in names:
            base_samples = sorted(samples[(label, name, "baseline")])
            median = base_samples[len(base_samples) // 2]
            base = best[(label, name, "baseline")]
            count = events[(label, name, "events")]
            if not count:
                print("WARNING: %s %s: no event was delivered in events mode"
                      % (label, name), file=sys.stderr)
            rows.append((label, name, base,
                         best[(label, name, "registered")],
                         best[(label, name, "events")], count,
                         (median - base) / base if reps > 1 else None))
    print(table(rows, "ms"))
    print()
    print("%d repetitions, best of %d runs each (after %d warm-up); "
          "baseline: best time (+ how far the median is above it)."
          % (reps, repeat, warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
