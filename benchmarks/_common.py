"""The driver shared by the benchmarks (bench_frame.py, bench_lines.py,
bench_calls.py, bench_debugger.py).

A benchmark declares its workloads, its modes, the worker that runs one
(mode, workload) in a subprocess and prints a JSON line, and its tables.
Everything else is here: the common options (``add_arguments``: --python,
--workloads, --modes, --quick, --reps, --callgrind, --src and the hidden
--worker), choosing what to measure (``prepare``: the interpreters where
pep669 imports, as ``Interpreter``), running a worker (``run_worker``,
under callgrind with ``callgrind_totals``), the interleaved repetitions of
timed runs (``interleave``), and formatting numbers and markdown tables.
Standard library only, Python 3.8 syntax.
"""

import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
PYENV_VERSIONS = os.path.join(
    os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "versions")
CALLGRIND = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")


def worker_env(extra_path=()):
    """The environment of every measured subprocess: no PYTHON* variable
    from outside, PYTHONPATH=src (plus *extra_path*), a fixed hash seed."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([SRC] + list(extra_path))
    env["PYTHONHASHSEED"] = "0"
    return env


def find_interpreters():
    """The pyenv interpreters 3.8-3.13, oldest first."""
    found = []
    for exe in glob.glob(os.path.join(PYENV_VERSIONS, "3.*", "bin", "python")):
        match = re.match(r"3\.(\d+)\.", os.path.basename(
            os.path.dirname(os.path.dirname(exe))))
        if match and 8 <= int(match.group(1)) <= 13:
            found.append((int(match.group(1)), exe))
    return [exe for _, exe in sorted(found)]


def probe(exe):
    """(label, None) when pep669 imports under *exe*, else (label, why)."""
    code = ("import sys, pep669; print(sys.version.split()[0], "
            "'native' if pep669.NATIVE else 'pep669')")
    try:
        out = subprocess.run([exe, "-c", code], env=worker_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return exe, str(exc)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines() or ["exit %d" % out.returncode]
        return exe, lines[-1]
    return " ".join(out.stdout.split()), None


_compiled = set()


def precompile(exe, extra_path=()):
    """Byte-compile the benchmarks and the package once per interpreter,
    so that no measured worker compiles them (the first worker under
    callgrind otherwise counted the compilation of every module it
    imported, its partner run did not, and their difference, the figure
    kept, went wrong by millions: `fib`, measured first, came out
    negative)."""
    dirs = [os.path.dirname(os.path.abspath(__file__))]
    dirs += [os.path.join(path, "pep669") for path in [SRC] + list(extra_path)
             if os.path.isdir(os.path.join(path, "pep669"))]
    key = (exe, tuple(dirs))
    if key not in _compiled:
        subprocess.run([exe, "-m", "compileall", "-q"] + dirs,
                       env=worker_env(extra_path), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
        _compiled.add(key)


def run_worker(script, exe, args, prefix=(), extra_path=(), flags=()):
    """Run ``exe FLAGS... script --worker ARGS...`` and return its last
    stdout line, parsed as JSON, with the worker's stderr under
    "stderr"."""
    precompile(exe, extra_path)
    cmd = list(prefix) + [exe] + list(flags)
    cmd += [os.path.abspath(script), "--worker"]
    cmd += [str(a) for a in args]
    out = subprocess.run(cmd, env=worker_env(extra_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s"
                           % (" ".join(cmd), out.returncode, out.stderr))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["stderr"] = out.stderr
    return result


def callgrind_total(stderr):
    """The instruction total that callgrind printed on *stderr*."""
    found = re.findall(r"Collected\s*:\s*(\d+)", stderr)
    if not found:
        raise RuntimeError("no callgrind total in:\n" + stderr)
    return int(found[-1])


def ratio(value, base, digits):
    return "%.*fx" % (digits, value / base) if base else "n/a"


def count(n):
    if n >= 1000000:
        return "%.2fM" % (n / 1e6)
    if n >= 1000:
        return "%.0fk" % (n / 1e3)
    return str(n)


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def choose(parser, text, allowed, what):
    """The comma-separated names of `text`, each one of `allowed`
    (parser.error otherwise)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in allowed:
            parser.error("unknown %s %r" % (what, name))
    return names


def measurable(exes):
    """(exe, label) of each interpreter where pep669 imports; the others
    are named on stderr."""
    import sys
    found = []
    for exe in exes:
        label, why = probe(exe)
        if why:
            print("skipping %s: pep669 does not import (%s)" % (label, why),
                  file=sys.stderr)
        else:
            found.append((exe, label))
    return found


def fmt_ratio(value, digits):
    return "n/a" if value is None else "%.*fx" % (digits, value)


def markdown(head, rows):
    """A markdown table: a header row and rows of cells (strings)."""
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    for cells in rows:
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- the driver ---------------------------------------------------------------

class Interpreter(object):
    """An interpreter to measure: its executable and its label
    ("3.10.13 pep669" or "3.12.1 native")."""

    def __init__(self, exe, label):
        self.exe = exe
        self.label = label
        self.version = label.split()[0]
        self.native = label.endswith("native")

    def short(self):
        return "%s %s" % (self.version, "native" if self.native else "pep669")


def add_arguments(parser, workloads=None, modes=None, quick=None, reps=None,
                  worker_args=5):
    """The options every benchmark has: --python, --workloads (with
    *workloads*), --modes (with *modes*, the selectable ones), --quick and
    --reps (their help texts), --callgrind, --src, and the hidden --worker
    (taking *worker_args* values)."""
    parser.add_argument("--python", nargs="+", metavar="EXE",
                        help="interpreters to measure (default: pyenv "
                             "3.8-3.13)")
    if workloads is not None:
        parser.add_argument("--workloads", default=",".join(workloads),
                            help="comma-separated subset of: "
                                 + ", ".join(workloads))
    if modes is not None:
        parser.add_argument("--modes", default=",".join(modes),
                            help="comma-separated subset of: "
                                 + ", ".join(modes))
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--reps", type=int, help=reps)
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions with valgrind instead of "
                             "timing")
    parser.add_argument("--src", metavar="DIR",
                        help="measure the pep669 package under DIR instead "
                             "of the repository's src/ (a snapshot built "
                             "with --release, safe from rebuilds of the "
                             "tree during a long run)")
    parser.add_argument("--worker", nargs=worker_args,
                        help=argparse.SUPPRESS)


def prepare(parser, args, workloads=None, modes=None):
    """After parsing (not in a worker): (workload names, mode names,
    [Interpreter]) to measure; --src applied; None for either list when
    the benchmark has no such option.  Exits when nothing can be
    measured."""
    global SRC
    if args.src:
        # Workers and probes get it as PYTHONPATH, ahead of everything.
        SRC = os.path.abspath(args.src)
    names = (choose(parser, args.workloads, workloads, "workload")
             if workloads is not None else None)
    wanted = (choose(parser, args.modes, modes, "mode")
              if modes is not None else None)
    if args.callgrind and shutil.which("valgrind") is None:
        parser.error("--callgrind needs valgrind on PATH")
    interpreters = [Interpreter(exe, label) for exe, label in
                    measurable(args.python or find_interpreters())]
    if not interpreters:
        print("no interpreter to measure", file=sys.stderr)
        sys.exit(1)
    return names, wanted, interpreters


def callgrind_totals(script, exe, args_of, keys):
    """Run the worker of *script* under callgrind once per key, with the
    worker arguments ``args_of(key)``: ({key: instructions}, {key: the
    worker's result})."""
    totals, results = {}, {}
    for key in keys:
        result = run_worker(script, exe, args_of(key), CALLGRIND)
        totals[key] = callgrind_total(result["stderr"])
        results[key] = result
    return totals, results


def callgrind_segments(script, exe, args, mark, marks, flags=()):
    """Run the worker of *script* once under callgrind, which dumps its
    counts each time the C function *mark* is called (``--dump-before``):
    ([instructions before the first mark, between the first and the
    second, ...], the worker's result).  The worker must call *mark*
    exactly *marks* times (it is an error otherwise: something else called
    it).  One process measures several regions, where callgrind_totals
    needs one per count (valgrind's start costs seconds)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="pep669-cg-") as tmp:
        out = os.path.join(tmp, "cg.out")
        prefix = ("valgrind", "--tool=callgrind", "--dump-before=" + mark,
                  "--callgrind-out-file=" + out)
        result = run_worker(script, exe, args, prefix, flags=flags)
        segments = []
        for number in range(1, marks + 1):
            name = "%s.%d" % (out, number)
            if not os.path.exists(name):
                raise RuntimeError("callgrind wrote no %s: %s was called "
                                   "fewer than %d times" % (name, mark, marks))
            with open(name) as f:
                found = re.findall(r"^totals:\s*(\d+)", f.read(), re.M)
            if not found:
                raise RuntimeError("no totals in " + name)
            segments.append(int(found[-1]))
        if os.path.exists("%s.%d" % (out, marks + 1)):
            raise RuntimeError("%s was called more than %d times"
                               % (mark, marks))
    return segments, result


def interleave(reps, interpreters, names, modes_of, measure):
    """Timed runs: *reps* repetitions, each running every (interpreter,
    workload, mode) once, the order of the modes rotating from repetition
    to repetition (and workload to workload); ``measure(rep, interp, name,
    mode)`` runs one.  ``modes_of(interp, name)``: the modes to run."""
    started = time.time()
    for rep in range(reps):
        for interp in interpreters:
            for name in names:
                modes = list(modes_of(interp, name))
                shift = (rep + names.index(name)) % len(modes)
                for mode in modes[shift:] + modes[:shift]:
                    measure(rep, interp, name, mode)
        print("repetition %d/%d done (%.0f s)"
              % (rep + 1, reps, time.time() - started),
              file=sys.stderr, flush=True)
