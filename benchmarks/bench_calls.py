"""Cost of call and exception monitoring, as ratios against an unmonitored run.

    python benchmarks/bench_calls.py [--quick] [--reps N] [--python EXE ...]
    python benchmarks/bench_calls.py --callgrind [--quick] [--python EXE ...]
    python benchmarks/bench_calls.py --src /tmp/snapshot/src ...

For every interpreter (all of 3.8-3.13 under $PYENV_ROOT/versions/ (~/.pyenv) unless
--python names some), each workload runs in fresh subprocesses in these
modes:

    baseline    pep669 not even imported
    profiler    CALL, C_RETURN and C_RAISE set globally, each with a Python
                callback that counts it (what a profiler does)
    exceptions  RAISE, EXCEPTION_HANDLED and RERAISE set globally, counted
                the same way

The profiler mode runs on the call workloads (fib, builtins, methods,
longloop, withs), the
exceptions mode on every workload: on `raising` to price the events, on
the others (where no exception happens) to show what merely having them
enabled costs.  `callback` runs in baseline mode only: the profiler's
counting callback called from C (through `map`), which is what delivering
an event costs at the least on that interpreter, whatever delivers it.

Runs are interleaved (repetition by repetition, the order of the modes
rotating), and each mode's time is the best over all repetitions.  The
result is a set of markdown tables of ratios against the baseline of the
same interpreter and workload in the same run, with geometric means, and
the cost of one delivered event in ns: (monitored time - baseline time) /
events delivered.  Nothing here asserts timings.

On 3.8-3.11 pep669 must be built first, with that interpreter:
``python3.X tools/build_ext.py --release``; an interpreter where ``import
pep669`` fails is skipped, with the reason.  --src measures a copy of the
package elsewhere (a snapshot of src/, built there), which a rebuild of the
tree in the middle of a long run cannot change.

--callgrind counts instructions with ``valgrind --tool=callgrind`` instead
of timing: the same worker runs with the workload repeated 1 and 3 times,
and the difference (startup cancels out) is divided by 2.
"""

import argparse
import collections
import gc
import itertools
import json
import sys
import time

import _common
from _common import geomean
from bench_frame import fib

MODES = ("baseline", "profiler", "exceptions")
# The events each monitored mode sets, by name (the callbacks' signatures
# differ: CALL-like events get (code, offset, callable, arg0), exception
# events (code, offset, exc)).
MODE_EVENTS = {
    "profiler": ("CALL", "C_RETURN", "C_RAISE"),
    "exceptions": ("RAISE", "EXCEPTION_HANDLED", "RERAISE"),
}
CALL_LIKE = ("CALL", "C_RETURN", "C_RAISE")


# -- the workloads (run in the worker) --------------------------------------
#
# Pure Python and deterministic.  `fib` is bench_frame's.

# `builtins`: a loop that is mostly calls of C functions and types.

def builtins(n):
    """About 8 C calls per iteration (str, isinstance, append, len, abs,
    min, len, max), each giving CALL + C_RETURN."""
    kept = []
    total = 0
    for i in range(n):
        text = str(i)
        if isinstance(text, str):
            kept.append(text)
        total += len(kept) + abs(-i) + min(i, 7)
        if len(kept) > 50:
            total += max(len(kept), 3)
            del kept[:]
    return total


# `methods`: small classes whose methods call each other.

class Vector(object):
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def plus(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def scaled(self, k):
        return Vector(self.x * k, self.y * k)

    def dot(self, other):
        return self.x * other.x + self.y * other.y


class Body(object):
    def __init__(self, x, y):
        self.position = Vector(x, y)
        self.velocity = Vector(1, -1)

    def step(self, dt):
        self.position = self.position.plus(self.velocity.scaled(dt))
        if self.energy() > 1000000:
            self.velocity = self.velocity.scaled(-1)

    def energy(self):
        return self.velocity.dot(self.velocity) + self.position.dot(
            self.position)


def methods(n):
    """Per step, 6 Python method calls and 2 instantiations (a class call:
    CALL + C_RETURN, then the `__init__` frame, whose call is not an
    event)."""
    bodies = [Body(i, -i) for i in range(4)]
    total = 0
    for i in range(n):
        body = bodies[i & 3]
        body.step(2)
        total += body.position.x
    return total


# `raising` / `nonraising`: an exception raised two frames down, through a
# try/finally, and caught in the loop; `nonraising` runs the same code
# without raising.

class BenchError(Exception):
    pass


def _check(i, fail):
    if fail:
        raise BenchError(i)
    return i


def _guarded(i, fail, state):
    try:
        return _check(i, fail)
    finally:
        state[0] += 1


def _exceptions(n, fail):
    state = [0]
    caught = 0
    for i in range(n):
        try:
            _guarded(i, fail, state)
        except BenchError:
            caught += 1
    return caught + state[0]


def raising(n):
    """Per iteration: RAISE in _check, RAISE + EXCEPTION_HANDLED + RERAISE
    in _guarded (3.11+: one more EXCEPTION_HANDLED + RERAISE, the finally's
    cleanup handler), RAISE + EXCEPTION_HANDLED in the loop: 6 events
    (3.8-3.10) or 8 (3.11+)."""
    return _exceptions(n, True)


def nonraising(n):
    return _exceptions(n, False)


def caughtonce(n):
    """nonraising's loop in a frame that caught one exception first (3
    events per run): what the calls of a frame past its handler cost."""
    state = [0]
    caught = 0
    try:
        _check(-1, True)
    except BenchError:
        caught += 1
    for i in range(n):
        try:
            _guarded(i, False, state)
        except BenchError:
            caught += 1
    return caught + state[0]


# `callback`: the profiler mode's callback, called from C through map()
# with the arguments of a CALL event (map's own per-item cost included).

def _counting_callback(code, offset, callable, arg0, counter=[0]):
    counter[0] += 1


def callback(n):
    repeat = itertools.repeat
    collections.deque(map(_counting_callback,
                          repeat(_counting_callback.__code__, n),
                          repeat(10, n), repeat(len, n), repeat(3, n)),
                      maxlen=0)


# `longloop`: a loop of arithmetic with one C call per iteration at the
# start of a long function (past 256 bytes/units: the calls' stubs are out
# of the reach of their own bytes on 3.8-3.10, which before session 10 ran
# such a function traced under CALL events).

def _longloop_source():
    src = ["def longloop(n):", "    total = 0", "    for i in range(n):",
           "        a = i * 3 + 1", "        b = a % 7",
           "        c = b * b - a", "        total += (c ^ i) & 255",
           "        total += abs(b - 3)"]
    src += ["    total += %d * n" % i for i in range(100)]
    src.append("    return total")
    return "\n".join(src) + "\n"


_longloop_ns = {}
exec(compile(_longloop_source(), "<longloop>", "exec"), _longloop_ns)
longloop = _longloop_ns["longloop"]
longloop.__doc__ = """Per iteration: one C call (abs: CALL + C_RETURN)
    among a dozen arithmetic instructions, in a function of 600+ units."""


# `withs`: a loop calling a function whose `with` block (a cheap context
# manager, Python __enter__/__exit__) holds one builtin call.  3.8 has no
# call instruction for __exit__ (WITH_CLEANUP_START makes the call), which
# the backport reports as 3.12's CALL + C_RETURN since session 11.

class _Cheap:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _with_once(items, ctx):
    with ctx:
        k = len(items)
    return k


def withs(n):
    """Per iteration: CALL of _with_once, CALL + C_RETURN of len and of
    the bound __exit__ (5 events)."""
    ctx = _Cheap()
    items = [1, 2, 3]
    total = 0
    for _ in range(n):
        total += _with_once(items, ctx)
    return total


WORKLOADS = {
    # name: (function, size, quick size, callgrind size, modes, what)
    "fib": (fib, 25, 23, 15, ("profiler", "exceptions"),
            "recursive Python calls: one CALL per call"),
    "builtins": (builtins, 100000, 45000, 1500, ("profiler", "exceptions"),
                 "C calls (len, append, isinstance...): CALL + C_RETURN"),
    "methods": (methods, 40000, 18000, 800, ("profiler", "exceptions"),
                "method calls and instantiations"),
    "longloop": (longloop, 150000, 70000, 3000, ("profiler", "exceptions"),
                 "a long function's loop with few calls (abs)"),
    "withs": (withs, 100000, 45000, 1500, ("profiler", "exceptions"),
              "a function with a `with` block and a builtin call"),
    "raising": (raising, 55000, 24000, 1000, ("exceptions",),
                "raise 2 frames down, through try/finally, caught"),
    "nonraising": (nonraising, 170000, 75000, 2500, ("exceptions",),
                   "the same code, nothing raised"),
    "caughtonce": (caughtonce, 170000, 75000, 2500, ("exceptions",),
                   "nonraising's loop after one caught exception"),
    "callback": (callback, 2000000, 1000000, 20000, (),
                 "the counting callback alone, called from C"),
}
CALL_WORKLOADS = [n for n, w in WORKLOADS.items() if "profiler" in w[4]]


def setup(mode, counts):
    """Start monitoring for *mode*, counting events in *counts* (a dict of
    one-item lists by event name)."""
    if mode == "baseline":
        return
    import pep669
    monitoring = pep669.monitoring
    events = monitoring.events
    tool = monitoring.PROFILER_ID
    monitoring.use_tool_id(tool, "bench_calls")
    wanted = 0
    for name in MODE_EVENTS[mode]:
        counter = counts[name] = [0]
        if name in CALL_LIKE:
            def callback(code, offset, callable, arg0, counter=counter):
                counter[0] += 1
        else:
            def callback(code, offset, exc, counter=counter):
                counter[0] += 1
        event = getattr(events, name)
        monitoring.register_callback(tool, event, callback)
        wanted |= event
    monitoring.set_events(tool, wanted)


def worker(mode, name, size, repeat, warmup):
    """Time one workload in this process and print a JSON line: the best
    time, and the events of each kind per run."""
    function = WORKLOADS[name][0]
    counts = {}
    setup(mode, counts)
    timer = time.perf_counter
    for _ in range(warmup):
        function(size)
    for counter in counts.values():
        counter[0] = 0
    # No cyclic collection inside the measured runs (with callgrind's
    # small sizes one collection more or less outweighed a whole run).
    gc.collect()
    gc.disable()
    best = None
    for _ in range(repeat):
        start = timer()
        function(size)
        elapsed = timer() - start
        if best is None or elapsed < best:
            best = elapsed
    per_run = dict((event, counter[0] // repeat if repeat else 0)
                   for event, counter in counts.items())
    print(json.dumps({"best": best, "events": per_run}))


# -- the driver -------------------------------------------------------------

def run_worker(exe, mode, name, size, repeat, warmup, prefix=()):
    return _common.run_worker(__file__, exe,
                              [mode, name, size, repeat, warmup], prefix)


def modes_of(name, wanted):
    return ["baseline"] + [m for m in WORKLOADS[name][4] if m in wanted]


def check(result, interp, mode, name):
    """Warn about a monitored run that saw no event where some must be."""
    if mode == "baseline":
        return
    if mode == "exceptions" and name != "raising":
        if sum(result["events"].values()):
            print("WARNING: %s %s %s: %r events where no exception happens"
                  % (interp.short(), name, mode, result["events"]),
                  file=sys.stderr)
    elif not sum(result["events"].values()):
        print("WARNING: %s %s %s: no event delivered"
              % (interp.short(), name, mode), file=sys.stderr)


def measure_callgrind(interpreters, names, wanted):
    """{(label, name, mode): {"best": instructions, "events": {...}}}."""
    results = {}
    for interp in interpreters:
        for name in names:
            size = WORKLOADS[name][3]
            for mode in modes_of(name, wanted):
                print("callgrind %s %s %s" % (interp.short(), name, mode),
                      file=sys.stderr, flush=True)
                totals, runs = _common.callgrind_totals(
                    __file__, interp.exe,
                    lambda repeat: [mode, name, size, repeat, 1], (1, 3))
                check(runs[3], interp, mode, name)
                results[(interp.label, name, mode)] = {
                    "best": (totals[3] - totals[1]) / 2.0,
                    "events": runs[3]["events"], "size": size}
    return results


def measure_time(interpreters, names, wanted, quick, reps):
    """{(label, name, mode): result} with the best time over *reps*
    interleaved repetitions, and every repetition's time."""
    repeat, warmup = (2, 1) if quick else (3, 1)
    results = {}
    samples = {}

    def measure(rep, interp, name, mode):
        size = WORKLOADS[name][2 if quick else 1]
        result = run_worker(interp.exe, mode, name, size, repeat, warmup)
        if rep == 0:
            check(result, interp, mode, name)
        key = (interp.label, name, mode)
        result["size"] = size
        samples.setdefault(key, []).append(result["best"])
        if key not in results or result["best"] < results[key]["best"]:
            results[key] = result

    _common.interleave(reps, interpreters, names,
                       lambda interp, name: modes_of(name, wanted), measure)
    return results, samples


# -- the tables -------------------------------------------------------------

fmt_ratio = _common.fmt_ratio
markdown = _common.markdown


def is_reference(interp, reference):
    return interp.version.startswith(reference + ".")


def baseline_table(interpreters, names, results, samples, unit):
    rows = []
    for interp in interpreters:
        cells = [interp.short()]
        for name in names:
            key = (interp.label, name, "baseline")
            base = results[key]["best"]
            if unit == "ms":
                text = "%.1f" % (base * 1e3)
                times = sorted(samples.get(key, ()))
                if len(times) > 1:
                    median = times[len(times) // 2]
                    text += " (+%.0f%%)" % ((median - base) / base * 100)
            else:
                text = "%.1fM" % (base / 1e6)
            cells.append(text)
        rows.append(cells)
    return markdown(["interpreter"] + names, rows)


def ratio_table(interpreters, names, results, mode, digits, reference):
    """Rows: interpreters; columns: workloads, their geometric mean, and the
    geometric mean as a ratio to the reference interpreter's."""
    means = {}
    rows = []
    for interp in interpreters:
        ratios = []
        for name in names:
            base = results[(interp.label, name, "baseline")]["best"]
            value = results[(interp.label, name, mode)]["best"]
            ratios.append(value / base if base else None)
        means[interp.label] = geomean(ratios)
        rows.append((interp, ratios))
    ref = next((means[i.label] for i in interpreters
                if is_reference(i, reference)), None)
    out = []
    for interp, ratios in rows:
        mean = means[interp.label]
        out.append([interp.short()] + [fmt_ratio(r, digits) for r in ratios]
                   + [fmt_ratio(mean, digits),
                      fmt_ratio(mean / ref if ref and mean else None, 2)])
    head = (["interpreter"] + names
            + ["geomean", "geomean / %s's" % reference])
    return markdown(head, out), means


def per_event(results, label, name, mode, unit):
    """(cost per delivered event, events per run), or (None, events) when
    there are too few events to divide by."""
    base = results[(label, name, "baseline")]["best"]
    monitored = results[(label, name, mode)]
    events = sum(monitored["events"].values())
    if events < 1000:
        return None, events
    cost = (monitored["best"] - base) / events
    return (cost * 1e9 if unit == "ms" else cost), events


def per_event_table(interpreters, columns, results, unit, reference):
    """Cost of one delivered event per (workload, mode) column, each as a
    ratio to the reference interpreter's (the budget: 1.5x), and the
    geometric mean of those ratios for the profiler columns."""
    costs = {}
    for interp in interpreters:
        for name, mode in columns:
            costs[(interp.label, name, mode)] = per_event(
                results, interp.label, name, mode, unit)
    ref = next((i for i in interpreters if is_reference(i, reference)), None)
    rows = []
    for interp in interpreters:
        cells = [interp.short()]
        vs = []
        for name, mode in columns:
            cost, events = costs[(interp.label, name, mode)]
            ref_cost = (costs[(ref.label, name, mode)][0]
                        if ref is not None else None)
            if cost is None:
                cells.append("n/a (%s)" % _common.count(events))
                vs.append(None)
            else:
                cells.append("%.0f (%s)" % (cost, _common.count(events)))
                vs.append(cost / ref_cost if ref_cost and cost > 0
                          else None)
        cells += [fmt_ratio(v, 2) for v in vs]
        calls = [v for (_, mode), v in zip(columns, vs) if mode == "profiler"]
        if calls:
            cells.append(fmt_ratio(geomean(calls), 2))
        rows.append(cells)
    unit_name = "ns" if unit == "ms" else "instr"
    titles = ["%s %s" % (name, mode) for name, mode in columns]
    head = (["interpreter"] + ["%s (%s)" % (t, unit_name) for t in titles]
            + ["%s / %s" % (t, reference) for t in titles])
    if any(mode == "profiler" for _, mode in columns):
        head.append("profiler geomean / %s" % reference)
    return markdown(head, rows)


def callback_table(interpreters, results, unit, reference):
    """Cost of one call of the counting callback from C, and its ratio to
    the reference interpreter's."""
    costs = {}
    for i in interpreters:
        result = results[(i.label, "callback", "baseline")]
        costs[i.label] = (result["best"] / result["size"]
                          * (1e9 if unit == "ms" else 1))
    ref = next((costs[i.label] for i in interpreters
                if is_reference(i, reference)), None)
    rows = [[i.short(), "%.0f" % costs[i.label],
             fmt_ratio(costs[i.label] / ref if ref else None, 2)]
            for i in interpreters]
    return markdown(["interpreter", "per call", "/ %s" % reference], rows)


def events_table(interpreters, columns, results):
    """Events per run, by kind."""
    rows = []
    for interp in interpreters:
        cells = [interp.short()]
        for name, mode in columns:
            counted = results[(interp.label, name, mode)]["events"]
            cells.append(" + ".join(
                "%s %s" % (_common.count(counted[event]), event)
                for event in MODE_EVENTS[mode] if counted.get(event)) or "0")
        rows.append(cells)
    head = ["interpreter"] + ["%s, %s" % (name, mode)
                              for name, mode in columns]
    return markdown(head, rows)


def report(interpreters, names, wanted, results, samples, unit, reference):
    digits = 2 if unit == "ms" else 3
    out = []

    def section(title, text):
        out.extend(["### " + title, "", text, ""])

    section("Baseline %s" % ("times (ms): best (+ median's distance)"
                              if unit == "ms"
                              else "instructions of one warm run"),
            baseline_table(interpreters, names, results, samples, unit))
    columns = []
    calls = [n for n in names if n in CALL_WORKLOADS]
    if "profiler" in wanted and calls:
        text, _ = ratio_table(interpreters, calls, results, "profiler",
                              digits, reference)
        section("Profiler pattern: CALL + C_RETURN + C_RAISE, counting "
                "callback", text)
        columns += [(n, "profiler") for n in calls]
    if "exceptions" in wanted:
        if "raising" in names:
            text, _ = ratio_table(interpreters, ["raising"], results,
                                  "exceptions", digits, reference)
            section("RAISE + EXCEPTION_HANDLED + RERAISE, counting callback: "
                    "exceptions raised and caught", text)
            columns.append(("raising", "exceptions"))
        quiet = [n for n in names if n != "raising" and
                 "exceptions" in WORKLOADS[n][4]]
        if quiet:
            text, _ = ratio_table(interpreters, quiet, results, "exceptions",
                                  digits, reference)
            section("The same events where no exception happens", text)
    if "callback" in names:
        section("The callback alone, per call (%s): the floor of an event's "
                "cost" % ("ns" if unit == "ms" else "instructions"),
                callback_table(interpreters, results, unit, reference))
    if columns:
        section("Cost per delivered event, %s (events per run)"
                % ("ns" if unit == "ms" else "instructions"),
                per_event_table(interpreters, columns, results, unit,
                                reference))
        section("Events per run",
                events_table(interpreters, columns, results))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Call and exception monitoring cost, as ratios to "
                    "baseline.")
    _common.add_arguments(
        parser, WORKLOADS, MODES[1:],
        quick="smaller sizes, 3 repetitions (under 2 minutes)",
        reps="subprocess repetitions per mode (default 5, quick 3)")
    parser.add_argument("--reference", default="3.12",
                        help="the interpreter the ratio columns compare "
                             "with (default 3.12)")
    args = parser.parse_args(argv)

    if args.worker:
        mode, name, size, repeat, warmup = args.worker
        worker(mode, name, int(size), int(repeat), int(warmup))
        return 0

    names, wanted, interpreters = _common.prepare(parser, args, WORKLOADS,
                                                  MODES[1:])

    if args.callgrind:
        results = measure_callgrind(interpreters, names, wanted)
        print(report(interpreters, names, wanted, results, {}, "instr",
                     args.reference))
        print("Instruction counts of one warm run (runs of 3 minus runs "
              "of 1, halved).")
        return 0

    reps = args.reps or (3 if args.quick else 5)
    results, samples = measure_time(interpreters, names, wanted, args.quick,
                                    reps)
    print(report(interpreters, names, wanted, results, samples, "ms",
                 args.reference))
    print("%d repetitions, best of %d runs each (after 1 warm-up).  Ratios: "
          "against the baseline of the same interpreter and workload; "
          "'/ %s': the same number divided by %s's."
          % (reps, 2 if args.quick else 3, args.reference, args.reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
