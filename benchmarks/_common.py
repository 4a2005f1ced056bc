"""Driver helpers shared by the benchmarks (bench_frame.py, bench_lines.py).

Only the driver side lives here: finding the interpreters, probing that
pep669 imports under each, running a worker subprocess and reading its JSON
line, reading callgrind's instruction total, and formatting numbers.  The
workers themselves stay in each benchmark script.  Standard library only,
Python 3.8 syntax.
"""

import glob
import json
import math
import os
import re
import subprocess

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


def run_worker(script, exe, args, prefix=(), extra_path=()):
    """Run ``exe script --worker ARGS...`` and return its last stdout line,
    parsed as JSON, with the worker's stderr under "stderr"."""
    precompile(exe, extra_path)
    cmd = list(prefix) + [exe, os.path.abspath(script), "--worker"]
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
