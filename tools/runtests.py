"""Run the pep669 test matrix on every CPython 3.8-3.13 found.

    python3 tools/runtests.py [--python 3.11] [--refleak] [--asan]
                              [--debug-engine] [--checks-engine] [-v]

For each interpreter, one after the other:

1. build the extension in place (``python tools/build_ext.py``, -Werror);
   a failed build is a failure of that interpreter;
2. run the unittest suite (``discover -s tests -t .`` with PYTHONPATH=src)
   in a subprocess that reports every test's outcome to a JSON-lines file,
   so a crash still tells which test was running;
3. run ``tools/conformance.py`` (CPython's own test_monitoring) when that
   file exists: one entry, passing iff it exits 0.

Then, when asked (all on by default when CI=true):

- ``--refleak``: build against a Py_DEBUG interpreter (Debian's
  python3.11-dbg) and run ``tools/refleak.py``: one entry.  It runs in
  a thread beside the other steps from the start (one single-threaded
  process that takes a third of a CI run; ``--serial`` runs it after
  them);
- ``--asan``: build with ``--asan`` in a scratch copy of the tree and run the
  suite under AddressSanitizer on the newest 3.11 and the newest 3.8-3.10
  (the two backend families) and the newest 3.12/3.13 (pep669._native):
  one entry each;
- ``--debug-engine``: build with ``--debug`` (``-DPEP669_DEBUG``: the
  engine's PEP669_ASSERTs live) in a scratch copy and run the suite on the
  newest 3.11 and the newest 3.8-3.10, checking the registry's invariants
  (``pep669._monitoring._check_invariants``) after every test: one entry
  each;
- ``--checks-engine``: the same with ``--checks`` (the same checks in an
  -O2 build that runs the release code paths, the hook's fast paths
  included, which the -Og debug build leaves out).

The last line of output is always ``N passed, N failed``: N counts the
unittest tests of every interpreter plus the conformance, refleak and ASan
entries (and the clang, dist, debug-engine and checks-engine ones).  The
exit status is
non-zero if anything failed.

Internally the same file is the in-interpreter worker
(``python tools/runtests.py --worker OUT``); it therefore keeps to the
standard library and to Python 3.8 syntax.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = [(3, minor) for minor in range(8, 14)]
# Interpreters that have no sys.monitoring, where the C engine is built.
BACKPORT = (3, 12)
DEBUG_NAMES = ["python3.11-dbg", "python3-dbg", "python3.10-dbg",
               "python3.9-dbg", "python3.8-dbg"]
DEFAULT_TIMEOUT = 600
# CPython test_monitoring.py versions that tools/conformance.py runs.
CONFORMANCE_SUITES = ("3.12", "3.13")

# Outcomes of one test, strongest first: a test whose subtests both fail and
# pass is a failure, a test with a skipped subtest and passing rest a pass.
OUTCOMES = ("error", "fail", "xpass", "pass", "xfail", "skip")
FAILING = ("error", "fail", "xpass")


# ---------------------------------------------------------------------------
# The worker: runs inside the interpreter under test.

def discover(root=ROOT):
    """The suite of ``python -m unittest discover -s tests -t .``."""
    loader = unittest.TestLoader()
    return loader.discover(os.path.join(root, "tests"), top_level_dir=root)


def iter_tests(suite):
    """Individual test cases of a (nested) suite, in run order."""
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            for test in iter_tests(item):
                yield test
        else:
            yield item


class JsonLinesResult(unittest.TextTestResult):
    """A TextTestResult that also writes one JSON line per test event.

    Lines: {"start": id}, then {"test": id, "outcome": o, "detail": text}
    when the test ends; {"done": testsRun} at the very end.  Errors raised
    outside a test (setUpClass, setUpModule, import errors of a module) are
    reported as their own "test".
    """

    def __init__(self, stream, descriptions, verbosity, sink, check=None):
        super().__init__(stream, descriptions, verbosity)
        self.sink = sink
        self.current = None
        self.check = check

    def emit(self, record):
        self.sink.write(json.dumps(record) + "\n")
        self.sink.flush()

    def startTest(self, test):
        super().startTest(test)
        self.current = {"test": test.id(), "outcome": "skip", "detail": []}
        self.emit({"start": test.id()})

    def stopTest(self, test):
        super().stopTest(test)
        if self.check is not None and self.current is not None:
            # The debug-engine run: the engine's state after the test.
            try:
                self.check()
            except Exception:
                self.current["outcome"] = "error"
                self.current["detail"].append(
                    "after the test: " + traceback.format_exc())
        record, self.current = self.current, None
        if record is not None:
            record["detail"] = "\n".join(record["detail"])
            self.emit(record)

    def record(self, test, outcome, detail=None):
        if isinstance(test, unittest.case._SubTest):
            label = test.id()
            test = test.test_case
        else:
            label = None
        if self.current is None or self.current["test"] != test.id():
            # Not inside startTest/stopTest: a class or module fixture.
            self.emit({"test": test.id(), "outcome": outcome,
                       "detail": detail or ""})
            return
        if OUTCOMES.index(outcome) < OUTCOMES.index(self.current["outcome"]):
            self.current["outcome"] = outcome
        if detail:
            if label:
                detail = "[%s]\n%s" % (label, detail)
            self.current["detail"].append(detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.record(test, "pass")

    def addError(self, test, err):
        super().addError(test, err)
        self.record(test, "error", self._exc_info_to_string(err, test))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.record(test, "fail", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.record(test, "skip", "skipped: %s" % reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.record(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.record(test, "xpass", "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failure = issubclass(err[0], test.failureException)
            self.record(subtest, "fail" if failure else "error",
                        self._exc_info_to_string(err, test))


def select(tests, patterns):
    """The tests whose id matches one of patterns, as unittest's -k: a
    pattern without a wildcard matches as a substring, case-sensitive."""
    import fnmatch
    globs = [p if any(c in p for c in "*?[") else "*%s*" % p
             for p in patterns]
    return [t for t in tests
            if any(fnmatch.fnmatchcase(t.id(), g) for g in globs)]


def invariant_check():
    """With PEP669_CHECK_INVARIANTS=1 (the debug-engine run): the debug
    build's pep669._monitoring._check_invariants, which the worker calls
    after every test.  An error if the engine is not a debug build."""
    if os.environ.get("PEP669_CHECK_INVARIANTS") != "1":
        return None
    from pep669 import _monitoring
    return _monitoring._check_invariants


def worker(out_path, verbose, after=None, patterns=None):
    """Run the suite, reporting to out_path; exit status 0 if it ran.

    With after (a test id), run only the tests that come after that one;
    with patterns (-k), only the tests they select.
    """
    import faulthandler
    faulthandler.enable()
    os.chdir(ROOT)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    with open(out_path, "w") as sink:
        try:
            suite = discover()
        except Exception:
            # An unimportable start directory, for example.
            sink.write(json.dumps({"test": "discover", "outcome": "error",
                                   "detail": traceback.format_exc()}) + "\n")
            sink.write(json.dumps({"done": 0}) + "\n")
            return 0
        if patterns:
            suite = unittest.TestSuite(select(iter_tests(suite), patterns))
        if after:
            tests = list(iter_tests(suite))
            ids = [test.id() for test in tests]
            rest = tests[ids.index(after) + 1:] if after in ids else []
            suite = unittest.TestSuite(rest)
        try:
            check = invariant_check()
        except Exception:
            sink.write(json.dumps({"test": "invariant check", "outcome":
                                   "error", "detail":
                                   traceback.format_exc()}) + "\n")
            sink.write(json.dumps({"done": 0}) + "\n")
            return 0
        stream = sys.stderr if verbose else open(os.devnull, "w")
        runner = unittest.TextTestRunner(
            stream=stream, verbosity=2,
            resultclass=lambda *a: JsonLinesResult(*a, sink=sink,
                                                   check=check))
        result = runner.run(suite)
        sink.write(json.dumps({"done": result.testsRun}) + "\n")
    return 0


# ---------------------------------------------------------------------------
# The driver: finds interpreters and runs each step in a subprocess.

PROBE = """\
import json, platform, sys, sysconfig
print(json.dumps({
    "version": platform.python_version(),
    "version_info": list(sys.version_info[:2]),
    "executable": sys.executable,
    "implementation": sys.implementation.name,
    "debug": hasattr(sys, "gettotalrefcount"),
    "cc": sysconfig.get_config_var("CC"),
    "include": sysconfig.get_paths()["include"],
}))
"""


class Interpreter(object):
    def __init__(self, command, info):
        self.command = command
        self.version = info["version"]
        self.version_info = tuple(info["version_info"])
        self.executable = os.path.realpath(info["executable"] or command)
        self.debug = info["debug"]
        self.cc = info["cc"] or "cc"
        self.include = info["include"]

    @property
    def label(self):
        return self.version + ("d" if self.debug else "")

    @property
    def backport(self):
        return self.version_info < BACKPORT


def probe(command):
    """An Interpreter for a command or path, or None if it does not run."""
    try:
        proc = subprocess.run([command, "-c", PROBE], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60,
                              env=clean_env(), universal_newlines=True)
        info = json.loads(proc.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0 or info["implementation"] != "cpython":
        return None
    return Interpreter(command, info)


def pyenv_candidates(version):
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = []
    for path in glob.glob(os.path.join(root, "versions", "%d.%d.*" % version)):
        name = os.path.basename(path)
        if re.match(r"^\d+\.\d+\.\d+$", name):
            found.append((tuple(int(x) for x in name.split(".")),
                          os.path.join(path, "bin", "python")))
    return [exe for _, exe in sorted(found, reverse=True)]


def find_interpreters(specs=None):
    """Interpreters to test, one per version unless paths are given.

    A spec is a version ("3.11"), a command on PATH or a path.  Without
    specs: every 3.8-3.13 found under pyenv or as python3.X on PATH.
    """
    chosen, seen, missing = [], set(), []
    wanted = []
    for spec in specs or ["%d.%d" % v for v in VERSIONS]:
        for part in spec.split(","):
            if part.strip():
                wanted.append(part.strip())
    for spec in wanted:
        match = re.match(r"^(\d+)\.(\d+)$", spec)
        if match:
            version = (int(match.group(1)), int(match.group(2)))
            candidates = pyenv_candidates(version) + [
                "python%d.%d" % version]
        else:
            candidates = [spec]
        for command in candidates:
            interp = probe(command)
            if interp is None:
                continue
            if match and interp.version_info != version:
                continue
            if interp.executable not in seen:
                seen.add(interp.executable)
                chosen.append(interp)
            break
        else:
            missing.append(spec)
    return chosen, missing


def find_debug_interpreter(spec=None):
    """A Py_DEBUG interpreter older than 3.12, and why not if None."""
    names = [spec] if spec else DEBUG_NAMES
    for name in names:
        interp = probe(name)
        if interp is None:
            continue
        if not interp.debug:
            return None, "%s is not a Py_DEBUG build" % name
        if not interp.backport:
            return None, "%s has native sys.monitoring" % name
        # Debian splits the headers: Python.h comes with the -dbg package,
        # internal/ (Py_BUILD_CORE, used by the 3.11 backend) with -dev.
        needed = ["Python.h"]
        if interp.version_info >= (3, 11):
            needed.append(os.path.join("internal", "pycore_frame.h"))
        for header in needed:
            if not os.path.exists(os.path.join(interp.include, header)):
                return None, "%s lacks %s (install libpython%d.%d-dev)" % (
                    interp.include, header, *interp.version_info)
        return interp, None
    reason = "no Py_DEBUG interpreter found (looked for %s)" % ", ".join(names)
    note = os.environ.get("PEP669_REFLEAK_NOTE")
    if note:
        reason += "; " + note
    return None, reason


def clean_env(extra=None):
    env = dict(os.environ)
    for name in ("PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT",
                 "PYTHONPATH", "PYTHONUSERBASE", "LD_PRELOAD",
                 "ASAN_OPTIONS", "PEP669_INSTALL", "PEP669_TEST_INSTALLED"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def run(args, log, cwd=ROOT, env=None, timeout=DEFAULT_TIMEOUT, live=False,
        progress=None):
    """Run a command in its own process group; return (status, seconds).

    Output goes to the open file log (or to the terminal when live).
    status is the exit status, -signal if killed by one, or "timeout".
    progress, if given, is called every second while the command runs.
    """
    start = time.time()
    out = None if live else log
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out,
                            stderr=subprocess.STDOUT if out else None,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    status = "timeout"
    try:
        if progress is None:
            status = proc.wait(timeout=timeout)
        else:
            while True:
                left = timeout - (time.time() - start)
                if left <= 0:
                    break
                try:
                    status = proc.wait(timeout=min(1.0, left))
                    break
                except subprocess.TimeoutExpired:
                    progress()
    except subprocess.TimeoutExpired:
        pass
    finally:
        if status == "timeout" or proc.returncode is None:
            # Its children too: tests may start processes of their own.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return status, time.time() - start


def describe_status(status, timeout):
    if status == "timeout":
        return "timed out after %ds" % timeout
    if isinstance(status, int) and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "signal %d" % -status
        return "killed by %s" % name
    return "exit status %s" % status


def tail(path, lines=40):
    with open(path, errors="replace") as f:
        text = f.read().splitlines()
    return "\n".join(text[-lines:])


class Entry(object):
    """One line of the summary: a step on one interpreter."""

    def __init__(self, name):
        self.name = name
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.failures = []      # (test id, outcome, detail)
        self.problems = []      # failures of the step itself
        self.note = ""
        self.seconds = 0.0
        self.skipped = None     # reason, when the whole step did not run
        self.info = []          # lines to repeat under the summary

    @property
    def passed(self):
        return self.counts["pass"] + self.counts["xfail"]

    @property
    def failed(self):
        return sum(self.counts[o] for o in FAILING) + len(self.problems)


class Matrix(object):
    def __init__(self, args):
        self.args = args
        self.logdir = tempfile.mkdtemp(prefix="pep669-runtests-")
        self.rows = []          # (Interpreter, unittest Entry, conformance)
        self.extras = []        # Entry for refleak, asan
        self.logs = 0

    def say(self, text=""):
        print(text, flush=True)

    def log(self, name):
        self.logs += 1
        return os.path.join(self.logdir, "%02d-%s" % (
            self.logs, re.sub(r"[^\w.-]+", "_", name)))

    # -- steps ------------------------------------------------------------

    def build(self, interp, entry, flags=(), cwd=ROOT):
        """Build the extension for interp; record a problem if it fails."""
        log_path = self.log("build-%s%s" % (interp.label, "".join(flags)))
        with open(log_path, "w") as log:
            status, _ = run([interp.command, "tools/build_ext.py"]
                            + list(flags), log, cwd=cwd, env=clean_env(),
                            timeout=self.args.timeout)
        if status != 0:
            entry.problems.append(
                ("build", "build_ext.py %s" % describe_status(
                    status, self.args.timeout), tail(log_path)))
            return False
        return True

    def unittest(self, interp, entry, cwd=ROOT, env=None, live=None):
        """Run the suite through the worker; fill entry from its report.

        A test that crashes or hangs the worker is a failure, and the
        worker is started again after it (up to --max-crashes times), so
        the other tests still count.  Returns the paths of the output logs.
        """
        live = self.args.verbose if live is None else live
        env = clean_env(dict(env or {},
                             PYTHONPATH=os.path.join(cwd, "src")))
        logs, after = [], None
        for _ in range(self.args.max_crashes + 1):
            report = self.log("report-%s-%s" % (entry.name, interp.label))
            log_path = self.log("unittest-%s-%s" % (entry.name,
                                                    interp.label))
            logs.append(log_path)
            worker_args = [interp.command,
                           os.path.join(cwd, "tools", "runtests.py"),
                           "--worker", report]
            if live:
                worker_args.append("--verbose")
            if after:
                worker_args += ["--after", after]
            for pattern in self.args.k or ():
                worker_args += ["-k", pattern]
            with open(log_path, "w") as log:
                status, seconds = run(
                    worker_args, log, cwd=cwd, env=env,
                    timeout=self.args.timeout, live=live,
                    progress=None if live else self.progress(report))
            entry.seconds += seconds
            done, running = self.read_report(report, entry)
            output = "" if live else tail(log_path)
            what = describe_status(status, self.args.timeout)
            if done is not None:
                if status != 0:
                    entry.problems.append(
                        ("unittest", "worker %s after the tests ran (crash "
                         "at shutdown?)" % what, output))
                break
            if running is None:
                entry.problems.append(("unittest", "worker %s" % what,
                                       output))
                break
            entry.problems.append(
                ("unittest", "worker %s while running %s" % (what, running),
                 output))
            after = running
        else:
            step, what, output = entry.problems[-1]
            entry.problems[-1] = (step, what + "; gave up after %d crashes"
                                  % (self.args.max_crashes + 1), output)
        if not any(entry.counts.values()) and not entry.problems:
            entry.problems.append(("unittest", "no tests found", ""))
        return logs

    def progress(self, report):
        """A callback that prints a line when the worker writing report
        enters another test module: what the suite is doing, as it runs."""
        state = {"module": None, "start": time.time()}

        def show():
            done, module = 0, None
            try:
                with open(report) as f:
                    for line in f:
                        if line.startswith('{"start"'):
                            module = line.split('"')[3].rsplit(".", 2)[0]
                        elif line.startswith('{"test"'):
                            done += 1
            except (OSError, IndexError):
                return
            if module is not None and module != state["module"]:
                state["module"] = module
                self.say("   %4.0fs %5d tests done, running %s" % (
                    time.time() - state["start"], done, module))
        return show

    @staticmethod
    def read_report(path, entry):
        """Count outcomes; return (tests run or None, test left running)."""
        done, running = None, None
        if not os.path.exists(path):
            return done, running
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    break       # a line cut short by a crash
                if "start" in record:
                    running = record["start"]
                elif "done" in record:
                    done = record["done"]
                else:
                    running = None
                    entry.counts[record["outcome"]] += 1
                    if record["outcome"] in FAILING:
                        entry.failures.append((record["test"],
                                               record["outcome"],
                                               record["detail"]))
        return done, running

    def conformance(self, interp, entry):
        """tools/conformance.py: one entry per (suite, interpreter) pair.

        A backport interpreter runs every suite; a native one the suites of
        its own version and older (which validates the runner itself), and
        3.12 also the 3.13 suite's C API tests (through pep669.h).
        """
        script = os.path.join(ROOT, "tools", "conformance.py")
        if not os.path.exists(script):
            entry.skipped = "tools/conformance.py does not exist"
            return
        notes = []
        for suite in CONFORMANCE_SUITES:
            if (not interp.backport and
                    tuple(map(int, suite.split("."))) > interp.version_info
                    and not (suite == "3.13" and
                             interp.version_info[:2] == (3, 12))):
                continue
            log_path = self.log("conformance-%s-%s" % (suite, interp.label))
            args = [interp.command, script, "--suite", suite,
                    "--python", interp.executable]
            with open(log_path, "w") as log:
                status, seconds = run(args, log, env=clean_env(),
                                      timeout=self.args.timeout, live=False)
            entry.seconds += seconds
            with open(log_path, errors="replace") as f:
                lines = f.read().splitlines()
            if "conformance: nothing to run" in lines:
                notes.append("%s skipped" % suite)
                continue
            if status == 0:
                entry.counts["pass"] += 1
                notes.append("%s ok" % suite)
                continue
            notes.append("%s FAILED" % suite)
            summary = [l for l in lines if re.match(
                r"conformance: \d+ passed", l)]
            lines.append("(details: %s tools/conformance.py --suite %s "
                         "--python %s -v)" % (interp.command, suite,
                                              interp.executable))
            entry.problems.append(
                ("conformance %s suite" % suite, "%s%s" % (
                    describe_status(status, self.args.timeout),
                    ": " + summary[-1][len("conformance: "):]
                    if summary else ""),
                 "\n".join(lines)))
        entry.note = ", ".join(notes)

    @property
    def refleak_timeout(self):
        """Each test runs 5 to 8 times under Py_DEBUG (tools/refleak.py
        --settle): 547 tests took 442 s at 8 runs on this 2-core machine
        while it was shared (200 s of CPU)."""
        return self.args.timeout * 3

    def refleak(self):
        entry = Entry("refleak")
        self.extras.append(entry)
        interp, why = find_debug_interpreter(self.args.refleak_python)
        if interp is None:
            entry.skipped = why
            return entry
        entry.name = "refleak (%s)" % interp.label
        self.say("== refleak: %s (%s)" % (interp.label, interp.executable))
        if not self.build(interp, entry):
            return entry
        log_path = self.log("refleak")
        env = clean_env({"PYTHONPATH": os.path.join(ROOT, "src")})
        with open(log_path, "w") as log:
            status, entry.seconds = run(
                [interp.command, os.path.join(ROOT, "tools", "refleak.py")],
                log, env=env, timeout=self.refleak_timeout, live=False)
        with open(log_path, errors="replace") as f:
            lines = f.read().splitlines()
        summary = [l for l in lines
                   if l.startswith("refleak: ") and "tests checked" in l]
        entry.note = summary[-1][len("refleak: "):] if summary else ""
        entry.info = [l for l in lines if l.startswith("headers:")]
        if status == 0:
            entry.counts["pass"] += 1
        else:
            if summary:     # it ran to the end: name the tests
                # Failures already shown for a release build of the same
                # version are only counted here.
                known = set()
                for row_interp, tests, _ in self.rows:
                    if row_interp.version_info == interp.version_info:
                        known.update(test for test, _, _ in tests.failures)
                fails = [l for l in lines if l.startswith("FAIL ")]
                new = [l for l in fails
                       if l[5:].split(":", 1)[0] not in known]
                detail = [l for l in lines if l.startswith("LEAK ")] + new
                if len(new) < len(fails):
                    detail.append("(and %d tests that fail on the release "
                                  "build too)" % (len(fails) - len(new)))
                detail.append("(details: %s tools/refleak.py -v -k TEST)"
                              % interp.command)
            else:
                detail = lines[-40:]
            entry.problems.append(
                ("refleak", "refleak.py %s" % describe_status(
                    status, self.refleak_timeout), "\n".join(detail)))
        return entry

    def clang(self, interpreters):
        """The extension of every interpreter built with clang (and -Werror,
        as build_ext.py always does), in a scratch copy: one entry."""
        entry = Entry("clang")
        self.extras.append(entry)
        clang = shutil.which("clang")
        if clang is None:
            entry.skipped = "clang is not installed"
            return entry
        self.say("== clang: %s" % clang)
        scratch = tempfile.mkdtemp(prefix="pep669-clang-")
        start = time.time()
        built = []
        try:
            tree = os.path.join(scratch, "tree")
            shutil.copytree(ROOT, tree, symlinks=True, ignore=(
                shutil.ignore_patterns(".git", "__pycache__", "*.so",
                                       "build", "*.egg-info")))
            for interp in interpreters:
                if interp.debug or not self.extensions_of(interp):
                    continue
                log_path = self.log("clang-%s" % interp.label)
                with open(log_path, "w") as log:
                    status, _ = run([interp.command, "tools/build_ext.py"],
                                    log, cwd=tree,
                                    env=clean_env({"CC": clang}),
                                    timeout=self.args.timeout)
                if status != 0:
                    entry.problems.append(
                        ("clang", "build for %s %s" % (
                            interp.label,
                            describe_status(status, self.args.timeout)),
                         tail(log_path)))
                else:
                    built.append(interp.label)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        entry.seconds = time.time() - start
        entry.note = "built: %s" % (", ".join(built) or "nothing")
        if not entry.problems:
            entry.counts["pass"] = 1
        return entry

    @staticmethod
    def extensions_of(interp):
        """Whether setup.py builds anything for interp."""
        sys.path.insert(0, ROOT)
        try:
            from setup import extensions
        finally:
            sys.path.pop(0)
        return extensions(interp.version_info)

    def dist(self, interpreters):
        """tools/check_dist.py: one sdist, installed and checked on each
        interpreter in a fresh venv; one entry per interpreter (and one
        for the sdist itself)."""
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import check_dist
        workdir = tempfile.mkdtemp(prefix="pep669-dist-")
        try:
            entry = Entry("dist: sdist")
            self.extras.append(entry)
            self.say("== dist: building the sdist")
            start = time.time()
            sdist, why = check_dist.build_sdist(
                [i.command for i in interpreters if not i.debug], workdir)
            entry.seconds = time.time() - start
            if sdist is None:
                entry.problems.append(("dist", "no sdist", why))
                self.report_failures(entry.name, entry)
                return
            contents = check_dist.Result("sdist")
            check_dist.check_sdist_contents(sdist, contents)
            self.dist_entry(entry, contents)
            for interp in interpreters:
                if interp.debug:
                    continue
                entry = Entry("dist: %s" % interp.label)
                self.extras.append(entry)
                self.say("== dist: %s (%s)" % (interp.label,
                                               interp.executable))
                result = check_dist.check_interpreter(
                    interp.command, interp.label, sdist, workdir)
                self.dist_entry(entry, result)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def dist_entry(self, entry, result):
        entry.seconds = entry.seconds or result.seconds
        if result.failures:
            for check, detail in result.failures:
                entry.problems.append(("dist", check, detail))
        elif result.passed:
            entry.counts["pass"] = 1
        else:
            entry.skipped = "; ".join("%s: %s" % s for s in result.skipped)
        if result.passed or result.failures:
            entry.note = ", ".join(result.passed)
            if result.skipped:
                entry.note += "; skipped " + "; ".join(
                    "%s: %s" % s for s in result.skipped)
        self.say("   " + result.summary())
        self.report_failures(entry.name, entry)

    def scratch_suite(self, interp, entry, kind, flags, env=None):
        """Build with flags in a scratch copy of the tree and run the suite
        there, so that the in-place builds other runs (and other people)
        use are never replaced; returns the paths of the output logs."""
        scratch = tempfile.mkdtemp(prefix="pep669-%s-" % kind)
        try:
            tree = os.path.join(scratch, "tree")
            shutil.copytree(ROOT, tree, symlinks=True, ignore=(
                shutil.ignore_patterns(".git", "__pycache__", "*.so",
                                       "build", "*.egg-info")))
            if not self.build(interp, entry, flags=flags, cwd=tree):
                return []
            return self.unittest(interp, entry, cwd=tree, env=env,
                                 live=False)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def fold_suite(self, entry, interp, kind):
        """Make a scratch suite run one entry, passing iff the suite ran
        clean: individual tests count on their interpreter's row, and
        failures the plain run of the same interpreter had are not shown
        again."""
        failed = entry.failed
        entry.note = "%d tests ran" % sum(entry.counts.values())
        entry.counts = dict.fromkeys(OUTCOMES, 0)
        known = set()
        for row_interp, tests, _ in self.rows:
            if row_interp.executable == interp.executable:
                known.update(test for test, _, _ in tests.failures)
        if failed:
            tests_failed = len(entry.failures)
            entry.failures = [f for f in entry.failures if f[0] not in known]
            if tests_failed:
                entry.problems.append(
                    (kind, "%d tests failed under %s, %d of them also "
                     "without it" % (tests_failed, kind,
                                     tests_failed - len(entry.failures)),
                     ""))
        else:
            entry.counts["pass"] = 1

    def asan(self, interp):
        entry = Entry("asan")
        self.extras.append(entry)
        if interp is None:
            entry.skipped = "no CPython 3.8-3.11 selected (nothing to build)"
            return entry
        entry.name = "asan (%s)" % interp.label
        libasan = subprocess.run(
            [interp.cc.split()[0], "-print-file-name=libasan.so"],
            stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        if not os.path.isabs(libasan) or not os.path.exists(libasan):
            entry.skipped = "%s has no libasan.so" % interp.cc
            return entry
        self.say("== asan: %s (%s)" % (interp.label, interp.executable))
        env = {"LD_PRELOAD": libasan,
               "ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1:"
                               "abort_on_error=0:exitcode=99"}
        logs = self.scratch_suite(interp, entry, "asan", ("--asan",), env)
        for log_path in logs:
            with open(log_path, errors="replace") as f:
                log = f.read()
            start = log.find("ERROR: AddressSanitizer")
            if start >= 0:
                line = log[start:].splitlines()[0]
                entry.problems.append(
                    ("asan", line, log[max(0, start - 2000):
                                       start + 8000]))
        self.fold_suite(entry, interp, "ASan")
        return entry

    def debug_engine(self, interp, name="debug engine", flag="--debug"):
        """The suite on a debug build of the engine (build_ext.py --debug:
        PEP669_ASSERT live, -Og; or, flag "--checks", the checks build: the
        same checks, -O2 and the release code paths), with the registry's
        sanity check (pep669._monitoring._check_invariants) after every
        test: one entry."""
        entry = Entry(name)
        self.extras.append(entry)
        if interp is None:
            entry.skipped = "no CPython 3.8-3.11 selected (nothing to build)"
            return entry
        entry.name = "%s (%s)" % (name, interp.label)
        self.say("== %s: %s (%s)" % (name, interp.label, interp.executable))
        logs = self.scratch_suite(interp, entry, flag.lstrip("-"), (flag,),
                                  {"PEP669_CHECK_INVARIANTS": "1"})
        for log_path in logs:
            with open(log_path, errors="replace") as f:
                log = f.read()
            start = log.find("pep669: engine invariant failed")
            if start >= 0:
                line = log[start:].splitlines()[0]
                entry.problems.append(
                    (name, line, log[max(0, start - 4000):start + 2000]))
        self.fold_suite(entry, interp, "the " + name)
        return entry

    def debug_engine_interpreters(self, interpreters, given=None):
        """The interpreters of the debug-engine (and checks-engine) runs:
        those given, else the newest 3.11 and the newest 3.8-3.10 tested
        (the two backend families of the engine)."""
        if given:
            found = [probe(cmd) for cmd in given]
            return [i if i is not None and i.backport else None
                    for i in found]
        chosen = []
        for family in (lambda v: (3, 11) <= v < (3, 12),
                       lambda v: v < (3, 11)):
            members = [i for i in interpreters if not i.debug and
                       family(i.version_info[:2])]
            if members:
                chosen.append(max(members, key=lambda i: i.version_info))
        return chosen or [None]

    def asan_interpreters(self, interpreters):
        """The interpreters of the ASan runs: those given, else the newest
        backport of each backend family tested (3.11's own backend; the
        frame-object backend of 3.8-3.10, with the line and call probes),
        and the newest 3.12/3.13 (pep669._native)."""
        def built(i):
            return i.version_info[:2] < (3, 14)
        if self.args.asan_python:
            found = [probe(cmd) for cmd in self.args.asan_python]
            return [i if i is not None and built(i) else None
                    for i in found]
        backports = [i for i in interpreters if built(i) and not i.debug]
        chosen = []
        for family in (lambda v: (3, 11) <= v < (3, 12),
                       lambda v: v < (3, 11),
                       lambda v: (3, 12) <= v < (3, 14)):
            members = [i for i in backports if family(i.version_info[:2])]
            if members:
                chosen.append(max(members, key=lambda i: i.version_info))
        return chosen or [None]

    # -- the whole matrix ---------------------------------------------------

    def refleak_alongside(self):
        """Start the refleak step in a thread of its own, beside the matrix
        (it is one single-threaded process, most of a CI run's time); the
        returned function waits for it and gives its entry."""
        done = []

        def step():
            try:
                done.append(self.refleak())
            except Exception:       # a bug of this script: show it
                entry = Entry("refleak")
                self.extras.append(entry)
                entry.problems.append(
                    ("refleak", "runtests.py", traceback.format_exc()))
                done.append(entry)
        thread = threading.Thread(target=step, name="refleak", daemon=True)
        thread.start()

        def wait():
            thread.join()
            return done[0]
        return wait

    def run(self):
        interpreters, missing = find_interpreters(self.args.python)
        refleak_entry = None
        if self.args.refleak:
            refleak_entry = (self.refleak_alongside() if self.args.alongside
                             else self.refleak)
        for spec in missing:
            self.say("runtests: no interpreter for %s, skipped" % spec)
        if not interpreters:
            self.say("runtests: no interpreter to test")
        for interp in interpreters:
            self.say("== %s (%s)" % (interp.label, interp.executable))
            tests, conf = Entry("unittest"), Entry("conformance")
            self.rows.append((interp, tests, conf))
            start = time.time()
            if self.build(interp, tests):
                self.say("   build ok, %.0fs" % (time.time() - start))
                self.unittest(interp, tests)
                self.say("   unittest: %d passed, %d failed, %d skipped (%.0fs so far)"
                         % (tests.passed, tests.failed, tests.counts["skip"],
                            time.time() - start))
                if self.args.k:
                    conf.skipped = "-k"
                elif not self.args.no_conformance:
                    self.conformance(interp, conf)
                else:
                    conf.skipped = "--no-conformance"
            else:
                conf.skipped = "build failed"
            tests.seconds = time.time() - start
            self.report_failures(interp.label, tests)
            self.report_failures(interp.label, conf)
        if self.args.clang:
            entry = self.clang(interpreters)
            self.report_failures(entry.name, entry)
        if self.args.dist:
            self.dist(interpreters)
        if refleak_entry is not None:
            entry = refleak_entry()
            self.report_failures(entry.name, entry)
        if self.args.asan:
            for interp in self.asan_interpreters(interpreters):
                entry = self.asan(interp)
                self.report_failures(entry.name, entry)
        if self.args.debug_engine:
            for interp in self.debug_engine_interpreters(
                    interpreters, self.args.debug_engine_python):
                entry = self.debug_engine(interp)
                self.report_failures(entry.name, entry)
        if self.args.checks_engine:
            for interp in self.debug_engine_interpreters(
                    interpreters, self.args.checks_engine_python):
                entry = self.debug_engine(interp, "checks engine",
                                          "--checks")
                self.report_failures(entry.name, entry)
        return self.summary(missing)

    def report_failures(self, label, entry):
        """Print what failed in entry: tests first, then the step itself."""
        lines_of = [("%s %s %s" % (label, outcome.upper(), test), detail)
                    for test, outcome, detail in entry.failures]
        lines_of += [("%s %s: %s" % (label, step, what), detail)
                     for step, what, detail in entry.problems]
        limit = self.args.max_lines
        for title, detail in lines_of:
            self.say("-- " + title.strip())
            lines = detail.rstrip().splitlines() if detail else []
            if len(lines) > limit:
                lines = lines[:limit] + ["... (%d more lines)" % (
                    len(lines) - limit)]
            for line in lines:
                self.say("   " + line)

    def summary(self, missing):
        passed = failed = 0
        header = ("python", "build", "passed", "failed", "errors", "skipped",
                  "conformance", "time")
        table = [header]
        for interp, tests, conf in self.rows:
            build_failed = any(p[0] == "build" for p in tests.problems)
            if conf.skipped:
                conf_text = "skipped" if not build_failed else "-"
            else:
                conf_text = conf.note or "-"
            table.append((
                interp.label,
                "FAILED" if build_failed else "ok",
                str(tests.passed),
                str(tests.counts["fail"] + tests.counts["xpass"]
                    + len(tests.problems) - build_failed),
                str(tests.counts["error"]),
                str(tests.counts["skip"]),
                conf_text,
                "%.0fs" % tests.seconds))
            for entry in (tests, conf):
                passed += entry.passed
                failed += entry.failed
        widths = [max(len(row[i]) for row in table)
                  for i in range(len(header))]
        self.say()
        for row in table:
            self.say("  ".join(cell.ljust(w) for cell, w in zip(row, widths))
                     .rstrip())
        for spec in missing:
            self.say("%s: not found, not tested" % spec)
        for entry in self.extras:
            if entry.skipped:
                text = "skipped: %s" % entry.skipped
            elif entry.failed:
                text = "FAILED"
            else:
                text = "ok"
            if entry.note:
                text += " (%s)" % entry.note
            if not entry.skipped:
                text += " %.0fs" % entry.seconds
            self.say("%s: %s" % (entry.name, text))
            for line in entry.info:
                self.say("  " + line)
            # One entry each, however many ways it failed.
            passed += entry.passed
            failed += 1 if entry.failed else 0
        if not self.rows:
            failed += 1         # testing nothing is not a success
        self.say("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0


def main(argv=None):
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    parser = argparse.ArgumentParser(
        description="Build and test pep669 on every CPython 3.8-3.13 found.")
    parser.add_argument("--python", action="append", metavar="SPEC",
                        help="interpreter to test: a version (3.11), a "
                        "command or a path; repeat or separate with commas "
                        "(default: every 3.8-3.13 found)")
    parser.add_argument("--refleak", dest="refleak", action="store_true",
                        default=ci, help="run tools/refleak.py on a "
                        "Py_DEBUG interpreter (default on when CI=true)")
    parser.add_argument("--no-refleak", dest="refleak", action="store_false")
    parser.add_argument("--serial", dest="alongside", action="store_false",
                        help="run the refleak step after the others instead "
                        "of beside them")
    parser.add_argument("--refleak-python", metavar="CMD",
                        help="the Py_DEBUG interpreter (default: "
                        "python3.11-dbg, python3-dbg, ...)")
    parser.add_argument("--asan", dest="asan", action="store_true",
                        default=ci, help="run the suite under "
                        "AddressSanitizer once (default on when CI=true)")
    parser.add_argument("--no-asan", dest="asan", action="store_false")
    parser.add_argument("--asan-python", metavar="CMD", action="append",
                        help="interpreter for an ASan run, repeatable "
                        "(default: the newest 3.11 and the newest 3.8-3.10 "
                        "tested)")
    parser.add_argument("--debug-engine", dest="debug_engine",
                        action="store_true", default=ci,
                        help="run the suite once on a debug build of the "
                        "engine (build_ext.py --debug: invariant checks "
                        "live) for the newest 3.11 and the newest 3.8-3.10 "
                        "(default on when CI=true)")
    parser.add_argument("--no-debug-engine", dest="debug_engine",
                        action="store_false")
    parser.add_argument("--debug-engine-python", metavar="CMD",
                        action="append", help="interpreter for a debug-"
                        "engine run, repeatable (default: the newest 3.11 "
                        "and the newest 3.8-3.10 tested)")
    parser.add_argument("--checks-engine", dest="checks_engine",
                        action="store_true", default=ci,
                        help="run the suite once on the checks build of the "
                        "engine (build_ext.py --checks: -O2, the release "
                        "code paths, invariant checks live) for the newest "
                        "3.11 and the newest 3.8-3.10 (default on when "
                        "CI=true)")
    parser.add_argument("--no-checks-engine", dest="checks_engine",
                        action="store_false")
    parser.add_argument("--checks-engine-python", metavar="CMD",
                        action="append", help="interpreter for a checks-"
                        "engine run, repeatable (default: the newest 3.11 "
                        "and the newest 3.8-3.10 tested)")
    parser.add_argument("--no-conformance", action="store_true",
                        help="skip tools/conformance.py")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help="seconds allowed for each step (default "
                        "%(default)s)")
    parser.add_argument("--max-lines", type=int, default=60,
                        help="lines of each failure's traceback to print")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show unittest's verbose output as it runs")
    parser.add_argument("--max-crashes", type=int, default=3,
                        help="restart the suite after a crashing test this "
                        "many times (default %(default)s)")
    parser.add_argument("-k", metavar="PATTERN", action="append",
                        help="only the unittest tests matching PATTERN, as "
                        "unittest's -k (a substring or a glob of the test "
                        "id); repeatable.  Skips the conformance suites")
    parser.add_argument("--clang", dest="clang", action="store_true",
                        default=ci, help="also build the extension of every "
                        "interpreter with clang -Werror (default on when "
                        "CI=true; skipped without clang)")
    parser.add_argument("--no-clang", dest="clang", action="store_false")
    parser.add_argument("--dist", dest="dist", action="store_true",
                        default=ci, help="also check the sdist and its "
                        "install on each interpreter (tools/check_dist.py; "
                        "needs the package index; default on when CI=true)")
    parser.add_argument("--no-dist", dest="dist", action="store_false")
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--after", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.verbose, args.after, args.k)
    matrix = Matrix(args)
    try:
        return matrix.run()
    finally:
        shutil.rmtree(matrix.logdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
