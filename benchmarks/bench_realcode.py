"""Standard-library code under the tool patterns, as ratios to baseline.

    python benchmarks/bench_realcode.py [--quick] [--reps N] [--python EXE ...]
    python benchmarks/bench_realcode.py --callgrind [--quick] [--python EXE]
    python benchmarks/bench_realcode.py --src /tmp/snapshot/src ...

The other benchmarks run small synthetic functions; this one runs real
standard-library code (difflib, re's compiler, tokenize, inspect, ast's
NodeVisitor, dataclasses, pickle's and json's pure-Python halves,
fractions, textwrap), with the shapes of bytecode test suites actually
meet: long functions, nested loops, try blocks, generators, closures,
comprehensions.  Every workload's input is deterministic, prepared before
monitoring starts, and the modules it uses are imported then too.

For every interpreter (all of 3.8-3.13 under $PYENV_ROOT/versions/ (~/.pyenv)
unless --python names some), each workload runs in a fresh subprocess per
mode:

    baseline        pep669 not even imported
    coverage        LINE and PY_START set globally; the callbacks record
                    (code, line) or code in a set and return DISABLE:
                    coverage.py's sys.monitoring core
    branch          the same plus BRANCH_LEFT and BRANCH_RIGHT, recorded and
                    DISABLEd (3.12/3.13: pep669._native's, over the native
                    BRANCH event)
    branch-native   3.12/3.13 only: the same with the native BRANCH event,
                    nothing of pep669 in between (the reference)
    profiler        PY_START, PY_RETURN, CALL, C_RETURN and C_RAISE set
                    globally, each recorded (calls counted per code, the
                    others per event), never DISABLEd

The worker runs the workload twice: the first run (events set before it)
and the second run ("after warm-up": the same workload again in the same
process).  Each is reported as a ratio to the same run of the unmonitored
baseline on the same interpreter.  Nothing here asserts timings.

--callgrind counts instructions with ``valgrind --tool=callgrind`` instead
of timing.  Valgrind's own start costs seconds per process, so rather than
bench_lines' 0/1/2-run subtraction (three processes) a single process per
measurement marks the boundaries of its runs with ``os.getppid()`` (which
nothing else here calls) and callgrind dumps its counts there
(``--dump-before=getppid``, ``_common.callgrind_segments``): each run's
count is exactly the instructions between two marks.

On 3.8-3.11 pep669 must be built first (``python3.X tools/build_ext.py``,
``--release`` to measure what users get); an interpreter where ``import
pep669`` fails is skipped, with the reason.
"""

import argparse
import gc
import json
import os
import random
import sys
import time

import _common

MODES = ("baseline", "coverage", "branch", "branch-native", "profiler")
NATIVE_ONLY = ("branch-native",)
RUNS = 2
# The workers skip `site` (-S): they need nothing from site-packages, and
# under callgrind a site with .pth files costs more than everything else.
FLAGS = ("-S",)


# -- the workloads (run in the worker) --------------------------------------
#
# Each is a pair: prepare(size) imports what the workload uses and builds
# its input (deterministic: fixed seeds, the standard library's own
# sources), run(argument) does the work and returns a small JSON-able
# summary of the result, the same whatever the monitoring.

def _words(count, seed=1):
    rnd = random.Random(seed)
    return ["w%d" % rnd.randrange(300) for _ in range(count)]


def _source(module, lines):
    """The first *lines* lines of *module*'s source or a few more: cut
    before a `def`/`class` at the top level or a method's `def`, where no
    bracket or string is open, so that it tokenizes and parses."""
    with open(module.__file__, encoding="utf-8") as f:
        text = f.read().splitlines(True)
    end = min(lines, len(text))
    while end < len(text) and not text[end].startswith(
            ("def ", "class ", "    def ")):
        end += 1
    return "".join(text[:end])


def prepare_difflib(size):
    import difflib
    words = _words(8 * size + 400)
    a = [" ".join(words[i:i + 8]) for i in range(0, 8 * size, 8)]
    b = list(a)
    rnd = random.Random(2)
    for i in range(max(1, size // 8)):
        b[rnd.randrange(len(b))] = "changed %d" % i
    return difflib, a, b, words[:size * 3], words[50:size * 3 + 50]


def run_difflib(arg):
    difflib, a, b, left, right = arg
    diff = list(difflib.unified_diff(a, b, lineterm=""))
    ratio = difflib.SequenceMatcher(None, left, right).ratio()
    return [len(diff), round(ratio, 9)]


def prepare_re(size):
    import re
    patterns = []
    for i in range(size):
        patterns.append(
            r"(?P<a%d>[a-z]+)\s*(\d{%d,%d})|(?:foo|bar%d)+?[^xyz]*$"
            % (i, i % 3, i % 3 + 2, i))
        patterns.append(r"^(?:\w+\.){%d}(?P<n%d>[A-Z]\w*)(?=\()|\b(%s)\b"
                        % (i % 4 + 1, i, "|".join("k%d" % k
                                                  for k in range(i % 5 + 2))))
    return re, patterns


def run_re(arg):
    re, patterns = arg
    re.purge()
    groups = 0
    for pattern in patterns:
        groups += re.compile(pattern).groups
    return groups


def prepare_tokenize(size):
    import io
    import re
    import textwrap
    import tokenize
    if hasattr(tokenize, "PseudoToken"):
        # (3.8-3.11) Its big pattern, compiled at the first use and cached
        # by re: compiled now, so that the first run is tokenize's.
        re.compile(tokenize.PseudoToken, re.UNICODE)
    return io, tokenize, _source(textwrap, size)


def run_tokenize(arg):
    io, tokenize, source = arg
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    return [len(tokens), sum(t.type for t in tokens)]


def prepare_inspect(size):
    import difflib
    import fractions
    import inspect
    import json.decoder
    import json.encoder
    import pickle
    import textwrap
    import tokenize
    functions = []
    for module in (difflib, textwrap, fractions, tokenize, json.decoder,
                   json.encoder, pickle):
        for name in sorted(vars(module)):
            value = vars(module)[name]
            if inspect.isfunction(value) or inspect.isclass(value) and \
                    value.__module__ == module.__name__:
                functions.append(value)
    return inspect, [functions[i % len(functions)] for i in range(size)]


def run_inspect(arg):
    inspect, functions = arg
    params = 0
    for function in functions:
        try:
            params += len(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            params += 1000
    return params


def prepare_ast(size):
    import ast
    import difflib

    class Visitor(ast.NodeVisitor):
        def __init__(self):
            self.nodes = 0
            self.names = {}
            self.calls = 0

        def generic_visit(self, node):
            self.nodes += 1
            ast.NodeVisitor.generic_visit(self, node)

        def visit_Name(self, node):
            self.names[node.id] = self.names.get(node.id, 0) + 1
            self.generic_visit(node)

        def visit_Call(self, node):
            self.calls += 1
            self.generic_visit(node)

    return Visitor, ast.parse(_source(difflib, size))


def run_ast(arg):
    visitor_class, tree = arg
    visitor = visitor_class()
    visitor.visit(tree)
    return [visitor.nodes, len(visitor.names), visitor.calls]


def prepare_dataclass(size):
    import dataclasses
    return dataclasses, size


def run_dataclass(arg):
    dataclasses, size = arg
    out = []
    for i in range(size):
        cls = dataclasses.make_dataclass(
            "C%d" % i,
            [("a", int), ("b", str, dataclasses.field(default="x")),
             ("c", float, 0.0)],
            order=True, frozen=i % 2 == 0)
        one, two = cls(i), cls(i, "y", 1.5)
        out.append([repr(two), one < two, one == cls(i)])
    return out


def _data(size, tuples):
    """Nested containers of ints, floats, strings, bools and None."""
    seq = tuple if tuples else list
    return {"k%d" % i: [i, str(i) * (i % 5), {"x": float(i) / 8,
                                              "y": seq((i, i + 1, None)),
                                              "ok": i % 3 == 0}]
            for i in range(size)}


def prepare_pickle(size):
    import pickle
    return pickle, _data(size, True)


def run_pickle(arg):
    pickle, data = arg
    blob = pickle._dumps(data, protocol=4)
    return [len(blob), pickle._loads(blob) == data]


def prepare_fractions(size):
    import fractions
    return fractions.Fraction, size


def run_fractions(arg):
    fraction, size = arg
    total = fraction(0)
    big = fraction(1000, 7)
    for i in range(size):
        a = fraction(i % 13 + 1, i % 11 + 2)
        total += a * a - a / 3
        if total > big:
            total -= big
    return [str(total), str(total.limit_denominator(100)),
            round(float(total), 9)]


def prepare_textwrap(size):
    import textwrap
    words = _words(size)
    lines = [" ".join(words[i:i + 9]) for i in range(0, size, 9)]
    indented = "\n".join("    " + line for line in lines)
    return textwrap, " ".join(words), indented


def run_textwrap(arg):
    textwrap, text, indented = arg
    filled = textwrap.fill(text, width=37)
    dedented = textwrap.dedent(indented)
    wrapped = textwrap.wrap(text, width=61, break_long_words=False)
    return [len(filled), len(dedented), len(wrapped)]


def prepare_json(size):
    import json
    import json.decoder
    import json.scanner
    decoder = json.JSONDecoder()
    # The pure-Python scanner, with the pure-Python string scanner for
    # values (object keys go through the module's scanstring: C where the
    # accelerator exists).
    decoder.parse_string = json.decoder.py_scanstring
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    # indent forces the pure-Python encoder (_make_iterencode).
    encoder = json.JSONEncoder(indent=1, check_circular=False)
    return encoder, decoder, _data(size, False)


def run_json(arg):
    encoder, decoder, data = arg
    text = encoder.encode(data)
    return [len(text), decoder.decode(text) == data]


WORKLOADS = {
    # name: (prepare, run, size, quick size, callgrind size, callgrind
    #        quick size, what)
    "difflib": (prepare_difflib, run_difflib, 900, 300, 200, 100,
                "unified_diff of N 8-word lines with N/8 changed, "
                "SequenceMatcher.ratio of 3N words"),
    "re": (prepare_re, run_re, 60, 20, 6, 3,
           "re.purge, then re.compile of 2N fresh patterns"),
    "tokenize": (prepare_tokenize, run_tokenize, 500, 250, 250, 120,
                 "tokenize.generate_tokens over textwrap.py's first N lines"),
    "inspect": (prepare_inspect, run_inspect, 600, 200, 40, 20,
                "inspect.signature of N functions and classes of 7 modules"),
    "ast": (prepare_ast, run_ast, 2000, 1000, 700, 350,
            "an ast.NodeVisitor over difflib.py's first N lines"),
    "dataclass": (prepare_dataclass, run_dataclass, 60, 20, 4, 2,
                  "dataclasses.make_dataclass of N classes, instantiated "
                  "and compared"),
    "pickle": (prepare_pickle, run_pickle, 1500, 500, 60, 30,
               "pickle._dumps/_loads (pure Python) of N nested entries"),
    "fractions": (prepare_fractions, run_fractions, 4000, 1500, 200, 100,
                  "N Fraction products, quotients and comparisons"),
    "textwrap": (prepare_textwrap, run_textwrap, 8000, 3000, 300, 150,
                 "textwrap.fill, wrap and dedent of N words"),
    "json": (prepare_json, run_json, 1500, 500, 40, 20,
             "json: the pure-Python encoder and scanner over N entries"),
}
SIZE_COLUMN = {(False, False): 2, (False, True): 3, (True, False): 4,
               (True, True): 5}


def size_of(name, callgrind, quick):
    return WORKLOADS[name][SIZE_COLUMN[(bool(callgrind), bool(quick))]]


# -- the modes (set up in the worker) ---------------------------------------

def setup(mode, state):
    """Start monitoring for *mode*, recording in *state* ("recorded": a
    set, "counts": {event name: [n]}); return the function that stops it
    and leaves the tool free, its callbacks and DISABLEs gone."""
    if mode == "baseline":
        return lambda: None
    import pep669
    monitoring = pep669.monitoring
    events = monitoring.events
    disable = monitoring.DISABLE
    recorded = state["recorded"]
    counts = state["counts"]
    callbacks = {}

    if mode == "profiler":
        tool = monitoring.PROFILER_ID
        calls = {}
        state["calls"] = calls
        for name in ("PY_RETURN", "CALL", "C_RETURN", "C_RAISE"):
            counts[name] = [0]
        n_return, n_call = counts["PY_RETURN"], counts["CALL"]
        n_c_return, n_c_raise = counts["C_RETURN"], counts["C_RAISE"]
        counts["PY_START"] = [0]
        n_start = counts["PY_START"]

        def py_start(code, offset):
            n_start[0] += 1
            calls[code] = calls.get(code, 0) + 1

        def py_return(code, offset, value):
            n_return[0] += 1

        def call(code, offset, callable, arg0):
            n_call[0] += 1

        def c_return(code, offset, callable, arg0):
            n_c_return[0] += 1

        def c_raise(code, offset, callable, arg0):
            n_c_raise[0] += 1

        callbacks = {events.PY_START: py_start, events.PY_RETURN: py_return,
                     events.CALL: call, events.C_RETURN: c_return,
                     events.C_RAISE: c_raise}
    else:
        tool = monitoring.COVERAGE_ID
        for name in ("LINE", "PY_START", "BRANCH"):
            counts[name] = [0]
        n_line, n_start, n_branch = (counts["LINE"], counts["PY_START"],
                                     counts["BRANCH"])

        def record_line(code, line):
            n_line[0] += 1
            recorded.add((code, line))
            return disable

        def record_start(code, offset):
            n_start[0] += 1
            recorded.add(code)
            return disable

        def record_branch(code, offset, destination):
            n_branch[0] += 1
            recorded.add((code, offset, destination))
            return disable

        callbacks = {events.LINE: record_line, events.PY_START: record_start}
        if mode == "branch":
            if hasattr(events, "BRANCH_LEFT"):
                branches = (events.BRANCH_LEFT, events.BRANCH_RIGHT)
            else:   # (pep669 without _native on 3.12/3.13)
                branches = (events.BRANCH,)
            for event in branches:
                callbacks[event] = record_branch
        elif mode == "branch-native":
            callbacks[sys.monitoring.events.BRANCH] = record_branch
            monitoring = sys.monitoring
    monitoring.use_tool_id(tool, "bench_realcode")
    wanted = 0
    for event, callback in callbacks.items():
        monitoring.register_callback(tool, event, callback)
        wanted |= event
    monitoring.set_events(tool, wanted)

    def stop():
        monitoring.set_events(tool, 0)
        for event in callbacks:
            monitoring.register_callback(tool, event, None)
        monitoring.restart_events()
        monitoring.free_tool_id(tool)
    return stop


def events_so_far(state):
    return sum(c[0] for c in state["counts"].values())


def worker(mode, name, size, runs, marks):
    """Run one workload *runs* times in this process, monitored as *mode*;
    print a JSON line with the time of the first run and the best of the
    others, the events (callback calls) of each, and the workload's
    result.  With *marks*, each run stands between two ``os.getppid()``
    calls, where callgrind dumps its counts (--dump-before=getppid)."""
    prepare, run = WORKLOADS[name][:2]
    argument = prepare(size)
    state = {"recorded": set(), "counts": {}}
    stop = setup(mode, state)
    mark = os.getppid if marks else (lambda: None)
    timer = time.perf_counter
    # No cyclic collection inside the measured runs (bench_lines).
    gc.collect()
    gc.disable()
    first = warm = result = None
    delivered = []
    mark()
    for number in range(runs):
        before = events_so_far(state)
        start = timer()
        value = run(argument)
        elapsed = timer() - start
        mark()
        delivered.append(events_so_far(state) - before)
        if number == 0:
            first, result = elapsed, value
        elif warm is None or elapsed < warm:
            warm = elapsed
    first_events = delivered[0]
    warm_events = min(delivered[1:]) if runs > 1 else 0
    by_event = {k: c[0] for k, c in state["counts"].items()}
    stop()
    gc.enable()
    print(json.dumps({"first": first, "warm": warm,
                      "first_events": first_events,
                      "warm_events": warm_events, "by_event": by_event,
                      "recorded": len(state["recorded"]),
                      "result": result}))


# -- the driver -------------------------------------------------------------

class Interpreter(_common.Interpreter):
    """With the modes measured on it."""

    def __init__(self, exe, label, wanted):
        super().__init__(exe, label)
        self.modes = tuple(["baseline"] + [
            m for m in MODES[1:] if m in wanted
            and (self.native or m not in NATIVE_ONLY)])


def check(results, interp, name, mode):
    """Warn about a run that measured nothing or computed something else
    than the baseline."""
    result = results[(interp.label, name, mode)]
    if mode == "baseline":
        return
    base = results.get((interp.label, name, "baseline"))
    if base is not None and result["result"] != base["result"]:
        print("WARNING: %s %s %s: result %r, baseline's %r"
              % (interp.short(), name, mode, result["result"],
                 base["result"]), file=sys.stderr)
    if not result["first_events"]:
        print("WARNING: %s %s %s: no event delivered"
              % (interp.short(), name, mode), file=sys.stderr)


def measure_callgrind(interpreters, names, quick):
    """{(label, name, mode): result} with instruction counts as times."""
    results = {}
    started = time.time()
    for interp in interpreters:
        for name in names:
            size = size_of(name, True, quick)
            for mode in interp.modes:
                print("callgrind %s %s %s (%.0f s)"
                      % (interp.short(), name, mode, time.time() - started),
                      file=sys.stderr, flush=True)
                segments, result = _common.callgrind_segments(
                    __file__, interp.exe, [mode, name, size, RUNS, 1],
                    "getppid", RUNS + 1, FLAGS)
                # segments[0]: startup and setup; then one per run.
                result["first"] = float(segments[1])
                result["warm"] = float(min(segments[2:]))
                results[(interp.label, name, mode)] = result
                check(results, interp, name, mode)
    return results


def measure_time(interpreters, names, quick, reps):
    """{(label, name, mode): best result} over *reps* interleaved
    repetitions, and every sample."""
    results = {}
    samples = {}

    def measure(rep, interp, name, mode):
        size = size_of(name, False, quick)
        result = _common.run_worker(__file__, interp.exe,
                                    [mode, name, size, RUNS, 0],
                                    flags=FLAGS)
        key = (interp.label, name, mode)
        samples.setdefault(key, []).append(result)
        best = results.get(key)
        if best is None:
            results[key] = dict(result)
        else:
            for field in ("first", "warm"):
                if result[field] < best[field]:
                    best[field] = result[field]
        if rep == 0 and (interp.label, name, "baseline") in results:
            check(results, interp, name, mode)

    _common.interleave(reps, interpreters, names,
                       lambda interp, name: interp.modes, measure)
    return results, samples


# -- the tables -------------------------------------------------------------

TITLES = (("coverage", "Coverage pattern (LINE + PY_START, record, DISABLE)"),
          ("branch", "Branch coverage (coverage + BRANCH_LEFT/RIGHT, "
                     "DISABLE)"),
          ("branch-native", "Branch coverage with the native BRANCH event "
                            "(3.12/3.13)"),
          ("profiler", "Profiler pattern (PY_START, PY_RETURN, CALL, "
                       "C_RETURN, C_RAISE; never DISABLE)"))


def events_table(interpreters, names, results, mode):
    head = ["interpreter"] + names
    rows = []
    for interp in interpreters:
        if mode not in interp.modes:
            continue
        cells = []
        for name in names:
            result = results[(interp.label, name, mode)]
            cells.append("%s / %s" % (_common.count(result["first_events"]),
                                      _common.count(result["warm_events"])))
        rows.append([interp.short()] + cells)
    return _common.markdown(head, rows)


def report(interpreters, names, results, samples, unit, reference):
    from bench_lines import baseline_table, ratio_table
    digits = 2 if unit == "ms" else 3
    out = []

    def section(title, text):
        out.extend(["### " + title, "", text, ""])

    section("Baseline %s: first run / second run"
            % ("times" if unit == "ms" else "instruction counts"),
            baseline_table(interpreters, names, results, samples, unit))
    for mode, title in TITLES:
        if not any(mode in i.modes for i in interpreters):
            continue
        for field, when in (("first", "first run"),
                            ("warm", "second run (after warm-up)")):
            text, _ = ratio_table(interpreters, names, results, mode, field,
                                  digits, reference)
            section("%s, %s" % (title, when), text)
    for mode, title in TITLES:
        if any(mode in i.modes for i in interpreters):
            section("Events delivered per run (first / second), %s" % mode,
                    events_table(interpreters, names, results, mode))
    return "\n".join(out)


def save(path, interpreters, names, results, unit):
    with open(path, "w") as f:
        json.dump({"unit": unit, "names": names, "src": _common.SRC,
                   "interpreters": [[i.exe, i.label, list(i.modes)]
                                    for i in interpreters],
                   "results": [[list(k), v] for k, v in results.items()]},
                  f)


def merge(paths, reference):
    """Print the tables of the runs saved in *paths* (one workload list,
    one unit), interpreters in version order."""
    interpreters, results, names, units, srcs = [], {}, None, set(), set()
    for path in paths:
        with open(path) as f:
            saved = json.load(f)
        units.add(saved["unit"])
        srcs.add(saved["src"])
        if names is not None and saved["names"] != names:
            raise SystemExit("%s: other workloads (%s)" % (path,
                                                           saved["names"]))
        names = saved["names"]
        for exe, label, modes in saved["interpreters"]:
            interp = Interpreter(exe, label, modes)
            interp.modes = tuple(modes)
            interpreters.append(interp)
        for key, value in saved["results"]:
            results[tuple(key)] = value
    if len(units) != 1:
        raise SystemExit("cannot merge timings with instruction counts")
    interpreters.sort(key=lambda i: tuple(int(x) for x in
                                          i.version.split(".")))
    print(report(interpreters, names, results, {}, units.pop(), reference))
    print("Merged from %s; pep669 measured from %s."
          % (", ".join(paths), ", ".join(sorted(srcs))))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Standard-library code under coverage, branch coverage "
                    "and profiler patterns, as ratios to baseline.")
    _common.add_arguments(
        parser, WORKLOADS, MODES[1:],
        quick="smaller sizes (with --callgrind: a few minutes per "
              "interpreter), 2 repetitions",
        reps="subprocess repetitions per mode (default 3, quick 2)")
    parser.add_argument("--reference", default="3.12",
                        help="the interpreter the 'vs' columns compare with "
                             "(default 3.12)")
    parser.add_argument("--save", metavar="FILE",
                        help="also write the results to FILE (JSON), for "
                             "--merge")
    parser.add_argument("--merge", nargs="+", metavar="FILE",
                        help="measure nothing: print the tables of results "
                             "saved by --save (runs split over several "
                             "processes)")
    args = parser.parse_args(argv)

    if args.merge:
        return merge(args.merge, args.reference)

    if args.worker:
        mode, name, size, runs, marks = args.worker
        worker(mode, name, int(size), int(runs), int(marks))
        return 0

    names, wanted, found = _common.prepare(parser, args, WORKLOADS,
                                           MODES[1:])
    interpreters = [Interpreter(i.exe, i.label, wanted) for i in found]
    if args.callgrind:
        results = measure_callgrind(interpreters, names, args.quick)
        if args.save:
            save(args.save, interpreters, names, results, "instr")
        print(report(interpreters, names, results, {}, "instr",
                     args.reference))
        print("Instruction counts of each run alone (callgrind dumps at "
              "marks between the runs), %s sizes.  Ratios: against the "
              "baseline's same run; 'vs %s': geometric mean minus %s's, in "
              "percentage points."
              % ("--quick" if args.quick else "callgrind", args.reference,
                 args.reference))
    else:
        reps = args.reps or (2 if args.quick else 3)
        results, samples = measure_time(interpreters, names, args.quick,
                                        reps)
        if args.save:
            save(args.save, interpreters, names, results, "ms")
        print(report(interpreters, names, results, samples, "ms",
                     args.reference))
        print("%d repetitions, best of each.  Ratios: against the "
              "baseline's same run; 'vs %s': geometric mean minus %s's, in "
              "percentage points." % (reps, args.reference, args.reference))
    print("pep669 measured from %s." % _common.SRC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
