"""Cost of line-level monitoring (coverage tools), as ratios to baseline.

    python benchmarks/bench_lines.py [--quick] [--reps N] [--python EXE ...]
    python benchmarks/bench_lines.py --callgrind [--python EXE ...]

For every interpreter (all of 3.8-3.13 under $PYENV_ROOT/versions/ (~/.pyenv) unless
--python names some), each workload runs in fresh subprocesses in these
modes:

    baseline        pep669 not even imported
    coverage        LINE set globally; the callback records (code, line) in a
                    set and returns DISABLE (coverage.py's sys.monitoring way)
    branch          the same plus BRANCH_LEFT and BRANCH_RIGHT, each recorded
                    and DISABLEd (3.12/3.13: pep669._native's, over the
                    native BRANCH event)
    branch-native   the same with BRANCH instead (3.12/3.13: the native
                    event, nothing of pep669 in between)
    count           LINE set globally; the callback counts and never disables
    settrace        3.8-3.11 only: a pure-Python sys.settrace line recorder
    ctracer         3.8-3.11 only: coverage.py's C tracer (Coverage(timid=
                    False)), line coverage
    ctracer-branch  the same with branch=True

A worker times the first run of the workload (the events are set before it)
and then, except for the three pre-3.12 modes, a second run ("after
warm-up").  Runs are interleaved (repetition by repetition, the order
of the modes rotating), and each time is the best over all repetitions.  The
result is a set of markdown tables of ratios against the baseline of the
same interpreter and workload in the same run.  Nothing here asserts timings.

On 3.8-3.11 pep669 must be built first (``python3.X tools/build_ext.py``);
the ctracer modes need coverage.py installed outside the repository, by
default in /tmp/bench-deps-3.X (``python3.X -m pip install --target
/tmp/bench-deps-3.X coverage``); without it those modes are skipped.

--callgrind counts instructions with ``valgrind --tool=callgrind`` instead
of timing: the worker runs with the workload run 0, 1 and 2 times; the first
run is the difference 1 - 0 and a warm run 2 - 1.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import time

import _common
from _common import geomean
from bench_frame import fib, generators, loop

DEPS = "/tmp/bench-deps-{version}"
# Modes of every interpreter, then those of 3.8-3.11 only.
MONITORING_MODES = ("baseline", "coverage", "branch", "branch-native",
                    "count")
LEGACY_MODES = ("settrace", "ctracer", "ctracer-branch")
MODES = MONITORING_MODES + LEGACY_MODES
# Modes that run only once per process: nothing changes after the first run.
FIRST_RUN_ONLY = LEGACY_MODES


# -- the workloads (run in the worker) --------------------------------------
#
# Pure Python, deterministic, one statement per line: these are the kind of
# functions a test suite runs under coverage.

# `interp`: a tokenizer, a compiler to stack code and a stack machine for a
# tiny language (assignments, while, if/else), all if/elif dispatch.

_PROGRAM = """\
total = 0
i = 0
while i < limit
  x = (i * 3 + 7) % 11
  if x < 5
    total = total + x * 2
  else
    total = total - (x - 5)
  end
  i = i + 1
end
"""

_PRECEDENCE = {"<": 1, "+": 2, "-": 2, "*": 3, "%": 3}
_BINARY = {"<": "lt", "+": "add", "-": "sub", "*": "mul", "%": "mod"}


def tokenize(text):
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == " ":
            i += 1
        elif c.isdigit():
            j = i + 1
            while j < n and text[j].isdigit():
                j += 1
            tokens.append(("num", int(text[i:j])))
            i = j
        elif c.isalpha():
            j = i + 1
            while j < n and text[j].isalnum():
                j += 1
            tokens.append(("name", text[i:j]))
            i = j
        elif c in "()=<+-*%":
            tokens.append(("op", c))
            i += 1
        else:
            raise SyntaxError("unexpected %r" % c)
    return tokens


def compile_expression(tokens, code):
    """Shunting-yard: infix tokens to stack code."""
    pending = []
    for kind, value in tokens:
        if kind == "num":
            code.append(("push", value))
        elif kind == "name":
            code.append(("load", value))
        elif value == "(":
            pending.append(value)
        elif value == ")":
            while pending[-1] != "(":
                code.append((_BINARY[pending.pop()], None))
            pending.pop()
        else:
            while (pending and pending[-1] != "("
                   and _PRECEDENCE[pending[-1]] >= _PRECEDENCE[value]):
                code.append((_BINARY[pending.pop()], None))
            pending.append(value)
    while pending:
        code.append((_BINARY[pending.pop()], None))


def compile_program(source):
    code = []
    blocks = []
    for line in source.splitlines():
        tokens = tokenize(line)
        if not tokens:
            continue
        head = tokens[0][1]
        if head == "while":
            start = len(code)
            compile_expression(tokens[1:], code)
            blocks.append(("while", start, len(code)))
            code.append(("jz", None))
        elif head == "if":
            compile_expression(tokens[1:], code)
            blocks.append(("if", None, len(code)))
            code.append(("jz", None))
        elif head == "else":
            _, _, test = blocks.pop()
            blocks.append(("else", None, len(code)))
            code.append(("jmp", None))
            code[test] = ("jz", len(code))
        elif head == "end":
            kind, start, jump = blocks.pop()
            if kind == "while":
                code.append(("jmp", start))
                code[jump] = ("jz", len(code))
            else:
                code[jump] = (code[jump][0], len(code))
        else:
            compile_expression(tokens[2:], code)
            code.append(("store", head))
    return code


def execute(code, env):
    stack = []
    pc = 0
    end = len(code)
    while pc < end:
        op, arg = code[pc]
        pc += 1
        if op == "push":
            stack.append(arg)
        elif op == "load":
            stack.append(env[arg])
        elif op == "store":
            env[arg] = stack.pop()
        elif op == "jz":
            if not stack.pop():
                pc = arg
        elif op == "jmp":
            pc = arg
        else:
            right = stack.pop()
            left = stack.pop()
            if op == "add":
                stack.append(left + right)
            elif op == "sub":
                stack.append(left - right)
            elif op == "mul":
                stack.append(left * right)
            elif op == "mod":
                stack.append(left % right)
            elif op == "lt":
                stack.append(1 if left < right else 0)
            else:
                raise ValueError(op)
    return env


def interp(rounds):
    total = 0
    for _ in range(rounds):
        code = compile_program(_PROGRAM)
        total += execute(code, {"limit": 40})["total"]
    return total


# `text`: log lines classified by if/elif chains, word by word.

_LEVELS = ("DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR")
_WORDS = ("request", "user=alice", "user=bob", "took", "ms", "retrying",
          "connection", "closed", "404", "cache", "miss", "hit", "GET",
          "POST", "/index.html", "/api/v1/items", "timeout", "ok")


def make_log(n):
    """n synthetic log lines (a fixed linear congruential sequence)."""
    seed = 12345
    lines = []
    for number in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        level = _LEVELS[seed % len(_LEVELS)]
        words = []
        for k in range(3 + seed % 7):
            seed = (seed * 1103515245 + 12345) & 0x7fffffff
            if seed % 5 == 0:
                words.append(str(seed % 1000))
            else:
                words.append(_WORDS[seed % len(_WORDS)])
        lines.append("%06d %s svc%d: %s"
                     % (number, level, seed % 4, " ".join(words)))
    return lines


def summarize_log(lines):
    counts = {}
    users = {}
    paths = {}
    numbers = 0
    long_words = 0
    errors = []
    for line in lines:
        stamp, level, service, rest = line.split(" ", 3)
        if level == "DEBUG":
            continue
        elif level == "INFO":
            weight = 1
        elif level == "WARNING":
            weight = 2
        elif level == "ERROR":
            weight = 3
            errors.append(stamp)
        else:
            raise ValueError(level)
        service = service.rstrip(":")
        counts[service] = counts.get(service, 0) + weight
        for word in rest.split():
            if word.isdigit():
                numbers += int(word)
            elif word.startswith("user="):
                name = word[5:]
                users[name] = users.get(name, 0) + 1
            elif word.startswith("/"):
                parts = word.strip("/").split("/")
                paths[parts[0]] = paths.get(parts[0], 0) + 1
            elif word.isupper():
                counts[word] = counts.get(word, 0) + 1
            elif len(word) > 6:
                long_words += 1
            else:
                counts["short"] = counts.get("short", 0) + 1
    return len(counts), len(users), len(paths), numbers, long_words, len(errors)


# `numeric`: an escape-time fractal with small helper functions.

def _square(x, y):
    return x * x - y * y, 2.0 * x * y


def _norm2(x, y):
    return x * x + y * y


def _escape(cx, cy, limit):
    x = 0.0
    y = 0.0
    for i in range(limit):
        sx, sy = _square(x, y)
        x = sx + cx
        y = sy + cy
        if _norm2(x, y) > 4.0:
            return i
    return limit


def numeric(n):
    total = 0
    for row in range(n):
        cy = -1.2 + 2.4 * row / n
        for col in range(n):
            cx = -2.0 + 2.6 * col / n
            total += _escape(cx, cy, 24)
    return total


# `longif`: a long function (about 1,500 code units on 3.11) whose `if`s
# run their bodies every time: under branch coverage their taken edges
# (skipping the bodies) stay wanted, their stubs beyond an unprefixed
# jump's reach on 3.11 (before 3.10 absolute jumps have prefixes this far
# in: the first `if` stands past 256 bytes/units).

def _longif_source(lines=240, every=12):
    src = ["def longif_body(x):", "    total = 0"]
    for i in range(lines):
        if i % every == 6 and i >= 60:
            src += ["    if x >= 0:", "        total += x"]
        src.append("    total += x * %d" % i)
    src.append("    return total")
    return "\n".join(src) + "\n"


_LONGIF = {}
exec(compile(_longif_source(), "<longif>", "exec"), _LONGIF)


def longif(n):
    body = _LONGIF["longif_body"]
    total = 0
    for i in range(n):
        total += body(i)
    return total


# `halfif`: a loop whose `if`s always go the same way, their edges never
# taken ending where other code joins (after an `if` without `else`, a
# loop's next test): branch coverage's half-disabled branches that no
# edge-waiting covers on 3.12/3.13 (native BRANCH fires on both edges).

def halfif(n):
    total = 0
    small = 0
    for i in range(n):
        x = i % 7
        if x >= 0:
            total += x
        if i < 0:
            total -= 1
        if total > -1:
            small += 1
        while x > 100:
            x -= 1
        if x == 3 or i >= 0:
            total ^= 1
    return total + small


# `difflib`: the standard library's difflib (unified_diff and
# SequenceMatcher.ratio) on generated word lists: loops with `continue`,
# `break` and chained `and` tests, most of whose edges go one way.

def make_words(n):
    import difflib
    seed = 4321
    words = []
    for _ in range(n * 16):
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        words.append("w%d" % (seed % 300))
    old = [" ".join(words[i:i + 8]) for i in range(0, len(words), 8)]
    new = list(old)
    for i in range(0, len(new), 7):
        new[i] = "changed %d" % i
    return difflib, words, old, new


def run_difflib(data):
    difflib, words, old, new = data
    lines = list(difflib.unified_diff(old, new, lineterm=""))
    ratio = difflib.SequenceMatcher(None, words[:len(words) // 3],
                                    words[20:20 + len(words) // 3]).ratio()
    return len(lines), ratio


WORKLOADS = {
    # name: (function, prepare, size, quick size, callgrind size, what)
    "fib": (fib, None, 28, 24, 15, "bench_frame's: recursive calls"),
    "loop": (loop, None, 750000, 150000, 8000,
             "bench_frame's: one long-running frame, 4 lines per iteration"),
    "generators": (generators, None, 100000, 20000, 1200,
                   "bench_frame's: short generators"),
    "interp": (interp, None, 320, 60, 3,
               "tokenizer, compiler and stack machine, if/elif dispatch"),
    "text": (summarize_log, make_log, 35000, 7000, 400,
             "log lines classified by if/elif chains"),
    "numeric": (numeric, None, 135, 60, 11,
                "fractal loop calling small helper functions"),
    "longif": (longif, None, 3000, 600, 40,
               "a 240-line function whose ifs never skip their bodies"),
    "halfif": (halfif, None, 400000, 80000, 4000,
               "a loop whose ifs always go one way, to joins"),
    "difflib": (run_difflib, make_words, 400, 100, 40,
                "the standard library's difflib: diff and ratio"),
}
# Measured only when named with --workloads (not in the default set, so
# that the tables' geometric means keep their workloads).
EXTRA_WORKLOADS = ("halfif", "difflib")


# -- the modes (set up in the worker) ---------------------------------------

def setup(mode, state):
    """Start monitoring for *mode*; return the function that stops it."""
    if mode == "baseline":
        return lambda: None
    if mode == "settrace":
        return setup_settrace(state)
    if mode in ("ctracer", "ctracer-branch"):
        return setup_ctracer(mode == "ctracer-branch", state)

    import pep669
    monitoring = pep669.monitoring
    events = monitoring.events
    tool = monitoring.COVERAGE_ID
    monitoring.use_tool_id(tool, "bench_lines")
    disable = monitoring.DISABLE
    recorded = state["recorded"]
    counts = state["counts"]

    def count_line(code, line):
        counts[0] += 1

    def record_line(code, line):
        counts[0] += 1
        recorded.add((code, line))
        return disable

    def record_branch(code, offset, destination):
        counts[0] += 1
        recorded.add((code, offset, destination))
        return disable

    wanted = events.LINE
    if mode == "count":
        monitoring.register_callback(tool, events.LINE, count_line)
    else:
        monitoring.register_callback(tool, events.LINE, record_line)
    if mode in ("branch", "branch-native"):
        if hasattr(events, "BRANCH_LEFT") and mode == "branch":
            branches = (events.BRANCH_LEFT, events.BRANCH_RIGHT)
        else:
            branches = (events.BRANCH,)
        for event in branches:
            monitoring.register_callback(tool, event, record_branch)
            wanted |= event
    monitoring.set_events(tool, wanted)

    def stop():
        monitoring.set_events(tool, 0)
        monitoring.free_tool_id(tool)
    return stop


def setup_settrace(state):
    """The classic coverage way before 3.12: a global tracer that returns a
    local tracer, which records every 'line' event."""
    recorded = state["recorded"]
    counts = state["counts"]

    def local_trace(frame, event, arg):
        if event == "line":
            counts[0] += 1
            recorded.add((frame.f_code, frame.f_lineno))
        return local_trace

    def global_trace(frame, event, arg):
        return local_trace

    sys.settrace(global_trace)
    return lambda: sys.settrace(None)


def setup_ctracer(branch, state):
    import coverage
    cov = coverage.Coverage(timid=False, branch=branch, data_file=None,
                            config_file=False)
    cov.start()
    state["tracer"] = "%s %s" % (cov._collector.tracer_name(),
                                 coverage.__version__)

    def stop():
        cov.stop()
        data = cov.get_data()
        mine = [f for f in data.measured_files()
                if os.path.basename(f) in ("bench_lines.py", "bench_frame.py")]
        if branch:
            state["recorded"].update(
                (f, arc) for f in mine for arc in (data.arcs(f) or ()))
        else:
            state["recorded"].update(
                (f, line) for f in mine for line in (data.lines(f) or ()))
    return stop


def worker(mode, name, size, runs, deps):
    """Run one workload *runs* times in this process, monitored as *mode*;
    print a JSON line with the time of the first run, the best time of the
    others, and the events (callback calls) of each."""
    function, prepare, *_ = WORKLOADS[name]
    argument = prepare(size) if prepare else size
    if mode in ("ctracer", "ctracer-branch") and deps:
        sys.path.insert(0, deps)
    state = {"recorded": set(), "counts": [0], "tracer": None}
    timer = time.perf_counter
    stop = setup(mode, state)
    # No cyclic collection inside the measured runs: where one falls
    # would otherwise decide which run pays for it (with callgrind's small
    # sizes that was more than a whole first run of `fib`).
    gc.collect()
    gc.disable()
    first = warm = None
    first_events = warm_events = 0
    for run in range(runs):
        before = state["counts"][0]
        start = timer()
        function(argument)
        elapsed = timer() - start
        if run == 0:
            first = elapsed
            first_events = state["counts"][0] - before
        elif warm is None or elapsed < warm:
            warm = elapsed
    if runs > 1:
        warm_events = (state["counts"][0] - first_events) // (runs - 1)
    stop()
    print(json.dumps({"first": first, "warm": warm,
                      "first_events": first_events,
                      "warm_events": warm_events,
                      "recorded": len(state["recorded"]),
                      "tracer": state["tracer"]}))


# -- the driver -------------------------------------------------------------

class Interpreter(_common.Interpreter):
    """With the modes measured on it, and where coverage.py is found."""

    def __init__(self, exe, label):
        super().__init__(exe, label)
        self.deps = None
        self.modes = MONITORING_MODES


def legacy_deps(exe, deps_pattern):
    """(deps dir, None) when coverage's C tracer imports under *exe* from
    the deps dir, else (None, why)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import coverage, coverage.tracer; print(coverage.__version__)")
    version = subprocess.run(
        [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    deps = deps_pattern.format(version=version)
    out = subprocess.run([exe, "-c", code, deps], env=_common.worker_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    if out.returncode != 0:
        why = (out.stderr.strip().splitlines() or ["?"])[-1]
        return None, "%s (install it: %s -m pip install --target %s coverage)" % (
            why, exe, deps)
    return deps, None


def run_worker(interp, mode, name, size, runs, prefix=()):
    deps = interp.deps if mode in ("ctracer", "ctracer-branch") else ""
    return _common.run_worker(__file__, interp.exe,
                              [mode, name, size, runs, deps or ""], prefix)


def check(result, interp, mode, name):
    """Warn about a run that measured nothing."""
    if mode == "baseline":
        return
    if mode in ("ctracer", "ctracer-branch"):
        if not (result["tracer"] or "").startswith("CTracer"):
            print("WARNING: %s %s %s: tracer is %s, not CTracer"
                  % (interp.short(), name, mode, result["tracer"]),
                  file=sys.stderr)
    elif not result["first_events"]:
        print("WARNING: %s %s %s: no event delivered"
              % (interp.short(), name, mode), file=sys.stderr)
    if not result["recorded"] and mode != "count":
        print("WARNING: %s %s %s: nothing recorded"
              % (interp.short(), name, mode), file=sys.stderr)


def measure_callgrind(interpreters, names):
    """{(label, name, mode): result} with instruction counts as times."""
    results = {}
    for interp in interpreters:
        for name in names:
            size = WORKLOADS[name][4]
            for mode in interp.modes:
                print("callgrind %s %s %s" % (interp.short(), name, mode),
                      file=sys.stderr, flush=True)
                deps = interp.deps if mode in ("ctracer",
                                               "ctracer-branch") else ""
                counts, runs_of = _common.callgrind_totals(
                    __file__, interp.exe,
                    lambda runs: [mode, name, size, runs, deps or ""],
                    (0, 1) if mode in FIRST_RUN_ONLY else (0, 1, 2))
                first_result = runs_of[1]
                last = runs_of[max(runs_of)]
                check(first_result if mode in FIRST_RUN_ONLY else last,
                      interp, mode, name)
                result = dict(last)
                result["first"] = float(counts[1] - counts[0])
                result["first_events"] = first_result["first_events"]
                result["warm"] = (float(counts[2] - counts[1])
                                  if 2 in counts else None)
                results[(interp.label, name, mode)] = result
    return results


def measure_time(interpreters, names, quick, reps):
    """{(label, name, mode): result} with the best times over *reps*
    interleaved repetitions, and the baseline's warm samples."""
    runs = 2
    results = {}
    samples = {}

    def measure(rep, interp, name, mode):
        size = WORKLOADS[name][3 if quick else 2]
        result = run_worker(interp, mode, name, size,
                            1 if mode in FIRST_RUN_ONLY else runs)
        if rep == 0:
            check(result, interp, mode, name)
        key = (interp.label, name, mode)
        samples.setdefault(key, []).append(result)
        best = results.get(key)
        if best is None:
            results[key] = dict(result)
            return
        for field in ("first", "warm"):
            if result[field] is not None and (
                    best[field] is None or result[field] < best[field]):
                best[field] = result[field]

    _common.interleave(reps, interpreters, names,
                       lambda interp, name: interp.modes, measure)
    return results, samples


# -- the tables -------------------------------------------------------------

fmt_ratio = _common.fmt_ratio


def ratio_table(interpreters, names, results, mode, field, digits,
                reference=None):
    """Rows: interpreters; columns: workloads, the geometric mean and, with
    a *reference*, the geometric mean's distance to the reference
    interpreter's, in percentage points."""
    head = ["interpreter"] + names + ["geomean"]
    if reference:
        head.append("vs %s" % reference)
    rows = []
    means = {}
    for interp in interpreters:
        if mode not in interp.modes:
            continue
        cells = []
        ratios = []
        for name in names:
            base = results[(interp.label, name, "baseline")][field]
            value = results[(interp.label, name, mode)][field]
            ratio = value / base if base and value is not None else None
            ratios.append(ratio)
            cells.append(fmt_ratio(ratio, digits))
        means[interp.version] = geomean(ratios)
        rows.append((interp, cells + [fmt_ratio(means[interp.version],
                                                digits)]))
    ref = next((v for k, v in means.items()
                if reference and k.startswith(reference + ".")), None)
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    for interp, cells in rows:
        mean = means[interp.version]
        if reference:
            if ref is None or mean is None:
                cells.append("n/a")
            else:
                cells.append("%+.0f" % ((mean - ref) * 100))
        label = interp.short() if reference else interp.version
        lines.append("| " + " | ".join([label] + cells) + " |")
    return "\n".join(lines), means


def per_event_table(interpreters, names, results, field, unit, reference):
    head = (["interpreter"] + ["%s (%s)" % (n, unit) for n in names]
            + ["loop vs %s" % reference])
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    ref = None
    rows = []
    for interp in interpreters:
        cells = []
        loop_cost = None
        for name in names:
            base = results[(interp.label, name, "baseline")][field]
            counted = results[(interp.label, name, "count")]
            events = counted["warm_events" if field == "warm"
                             else "first_events"]
            if events < 1000 or counted[field] is None:
                cells.append("n/a")
                continue
            cost = (counted[field] - base) / events
            if unit == "ns":
                cost *= 1e9
            cells.append("%.0f (%s)" % (cost, _common.count(events)))
            if name == "loop":
                loop_cost = cost
        if interp.version.startswith(reference + "."):
            ref = loop_cost
        rows.append((cells, interp, loop_cost))
    for cells, interp, loop_cost in rows:
        if ref and loop_cost is not None:
            cells = cells + ["%.2fx" % (loop_cost / ref)]
        else:
            cells = cells + ["n/a"]
        lines.append("| " + " | ".join([interp.short()] + cells) + " |")
    return "\n".join(lines)


def baseline_table(interpreters, names, results, samples, unit):
    head = ["interpreter"] + names
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    for interp in interpreters:
        cells = []
        for name in names:
            key = (interp.label, name, "baseline")
            first = results[key]["first"]
            warm = results[key]["warm"]
            if unit == "ms":
                text = "%.0f / %.0f" % (first * 1e3, warm * 1e3)
                warm_samples = sorted(s["warm"] for s in samples.get(key, ()))
                if len(warm_samples) > 1:
                    median = warm_samples[len(warm_samples) // 2]
                    text += " (+%.0f%%)" % ((median - warm) / warm * 100)
            else:
                text = "%.1fM / %.1fM" % (first / 1e6, warm / 1e6)
            cells.append(text)
        lines.append("| " + " | ".join([interp.short()] + cells) + " |")
    return "\n".join(lines)


def summary_table(interpreters, means):
    """The pre-3.12 alternatives next to pep669, geometric means of first-run
    ratios."""
    columns = [("coverage", "pep669 LINE+DISABLE"),
               ("settrace", "sys.settrace recorder"),
               ("ctracer", "coverage.py CTracer"),
               ("branch", "pep669 LINE+BRANCH_*+DISABLE"),
               ("ctracer-branch", "CTracer branch=True")]
    head = ["interpreter"] + [title for _, title in columns]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    for interp in interpreters:
        if interp.native:
            continue
        cells = [fmt_ratio(means.get(mode, {}).get(interp.version), 2)
                 for mode, _ in columns]
        lines.append("| " + " | ".join([interp.version] + cells) + " |")
    return "\n".join(lines)


def report(interpreters, names, results, samples, unit, reference):
    digits = 2 if unit == "ms" else 3
    what = "times" if unit == "ms" else "instruction counts"
    out = []
    means = {}

    def section(title, text):
        out.append("### " + title)
        out.append("")
        out.append(text)
        out.append("")

    def measured(mode):
        return any(mode in i.modes for i in interpreters)

    section("Baseline %s: first run / after warm-up" % what,
            baseline_table(interpreters, names, results, samples, unit))
    for mode, title in (("coverage", "Coverage pattern (LINE, record, "
                                     "DISABLE)"),
                        ("branch", "Branch coverage (LINE + BRANCH_LEFT/"
                                   "RIGHT, DISABLE)"),
                        ("branch-native", "Branch coverage with BRANCH "
                                          "(LINE + BRANCH, DISABLE)")):
        if not measured(mode):
            continue
        text, means[mode] = ratio_table(interpreters, names, results, mode,
                                        "first", digits, reference)
        section(title + ", first run", text)
        text, _ = ratio_table(interpreters, names, results, mode, "warm",
                              digits, reference)
        section(title + ", after warm-up", text)
    if measured("count"):
        text, _ = ratio_table(interpreters, names, results, "count", "warm",
                              digits, reference)
        section("Counting LINE callback, never DISABLE (after warm-up)",
                text)
        section("Cost per delivered LINE event, %s (events per run)"
                % ("ns" if unit == "ms" else "instructions"),
                per_event_table(interpreters, names, results, "warm",
                                "ns" if unit == "ms" else "instr",
                                reference))
    if any(measured(mode) for mode in LEGACY_MODES):
        for mode, title in (("settrace", "Pure-Python sys.settrace line "
                                         "recorder"),
                            ("ctracer", "coverage.py C tracer, lines"),
                            ("ctracer-branch", "coverage.py C tracer, "
                                               "branch=True")):
            if not measured(mode):
                continue
            text, means[mode] = ratio_table(interpreters, names, results,
                                            mode, "first", digits)
            section(title + " (3.8-3.11), first run", text)
        section("Pre-3.12 ways next to pep669 (geometric means, first run)",
                summary_table(interpreters, means))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Line-level monitoring cost, as ratios to baseline.")
    _common.add_arguments(
        parser, WORKLOADS, MODES[1:],
        quick="smaller sizes, 2 repetitions (about 2 minutes)",
        reps="subprocess repetitions per mode (default 3, quick 2)")
    parser.add_argument("--deps", default=DEPS,
                        help="where coverage.py is installed for each "
                             "interpreter ({version} is 3.X; default %s)"
                             % DEPS.replace("{", "{{").replace("}", "}}"))
    parser.add_argument("--reference", default="3.12",
                        help="the interpreter the 'vs' columns compare with "
                             "(default 3.12)")
    parser.set_defaults(workloads=",".join(
        name for name in WORKLOADS if name not in EXTRA_WORKLOADS))
    args = parser.parse_args(argv)

    if args.worker:
        mode, name, size, runs, deps = args.worker
        worker(mode, name, int(size), int(runs), deps)
        return 0

    names, wanted, found = _common.prepare(parser, args, WORKLOADS,
                                           MODES[1:])
    interpreters = []
    for each in found:
        interp = Interpreter(each.exe, each.label)
        modes = [m for m in MONITORING_MODES[1:] if m in wanted]
        legacy = [m for m in LEGACY_MODES if m in wanted]
        if interp.native:
            legacy = []
        if any(m.startswith("ctracer") for m in legacy):
            interp.deps, why = legacy_deps(interp.exe, args.deps)
            if why:
                print("%s: no coverage.py C tracer, ctracer modes skipped: %s"
                      % (interp.short(), why), file=sys.stderr)
                legacy = [m for m in legacy if not m.startswith("ctracer")]
        interp.modes = tuple(["baseline"] + modes + legacy)
        interpreters.append(interp)

    if args.callgrind:
        results = measure_callgrind(interpreters, names)
        print(report(interpreters, names, results, {}, "instr",
                     args.reference))
        return 0

    reps = args.reps or (2 if args.quick else 3)
    results, samples = measure_time(interpreters, names, args.quick, reps)
    print(report(interpreters, names, results, samples, "ms",
                 args.reference))
    print("%d repetitions, best of each: the first run in a fresh process "
          "(events set before it), and the second run (after warm-up).  "
          "Ratios: against the baseline's same run; 'vs %s': geometric "
          "mean minus %s's, in percentage points."
          % (reps, args.reference, args.reference))
    print("pep669 measured from %s." % _common.SRC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
