"""Reference-leak check of the unittest suite on a Py_DEBUG interpreter.

    python3.11-dbg tools/build_ext.py
    python3.11-dbg tools/refleak.py [-k PATTERN] [--runs 8] [--warmup 3]
                                    [--settle 2]

Each test of ``discover -s tests -t .`` runs --runs times in this process,
on a fresh suite and result each time (so class and module fixtures run
too).  After every run the cyclic GC runs and ``sys.gettotalrefcount()``
and ``sys.getallocatedblocks()`` are read.  The first --warmup runs fill
caches and are ignored; over the remaining runs a test leaks if

- the reference count grew after every one of them, or their total growth
  is above --threshold (a leak that shows only every other run), or
- the number of allocated memory blocks grew after every one of them
  (memory held by C structures rather than by objects).

A test whose first --settle runs after the warm-up grew neither count is
clean and stops there (most tests: 5 runs instead of 8); one growth sends
it on to all --runs runs, judged as above.

A growth seen in some runs only, below the threshold, is noise (a cache
filled late, a free list) and is tolerated, as pythoncapi-compat and
greenlet do.  A test that fails, on its first run or on a repeat, fails the
check too: the suite must pass on the debug build and be repeatable.

The last line is ``refleak: N tests checked, N leaking, N failing``; the exit
status is non-zero if any test leaked or failed.

It also compares the C headers of this interpreter with those of any other
install of the same CPython minor version (pyenv's), because the 3.11
backend reads interpreter structures through Py_BUILD_CORE internal headers
and Debian's patch level is not pyenv's: a difference in a structure the
backend uses is printed as a warning.
"""

import argparse
import array
import gc
import glob
import importlib.machinery
import linecache
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
import traceback
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from runtests import discover, iter_tests  # noqa: E402


class QuietResult(unittest.TestResult):
    """Keeps only the first problem of a run, as text: no traceback, frame
    or exception object outlives the run and disturbs the counts."""

    def __init__(self):
        super().__init__()
        self.problem = None
        self.skipped_reason = None

    def _note(self, kind, test, err):
        """Record "KIND: first line of the exception" and the traceback."""
        if self.problem is None:
            text = "".join(traceback.format_exception(*err)) if err else ""
            last = "".join(traceback.format_exception_only(*err[:2])).strip(
                ).splitlines()[0] if err else ""
            where = ""
            if isinstance(test, unittest.case._SubTest):
                where = " " + test._subDescription()
            self.problem = ("%s%s: %s" % (kind, where, last[:200]), text)

    def addError(self, test, err):
        self._note("ERROR", test, err)

    def addFailure(self, test, err):
        self._note("FAIL", test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            kind = ("FAIL" if issubclass(err[0], test.failureException)
                    else "ERROR")
            self._note(kind, subtest, err)

    def addUnexpectedSuccess(self, test):
        self._note("UNEXPECTED SUCCESS", test, None)

    def addExpectedFailure(self, test, err):
        pass

    def addSkip(self, test, reason):
        self.skipped_reason = reason


def counts():
    """(total references, allocated blocks) once garbage is collected."""
    sys._clear_type_cache()
    for _ in range(3):
        gc.collect()
    return sys.gettotalrefcount(), sys.getallocatedblocks()


def settled(refs, blocks, done, warmup):
    """True if none of the runs after the warm-up, up to run done (not
    included), grew the references or the memory blocks."""
    return all(refs[i] <= refs[i - 1] and blocks[i] <= blocks[i - 1]
               for i in range(warmup, done))


def check_test(test, runs, warmup, threshold, settle=0):
    """Run one test up to runs times: return (verdict, detail, runs made).

    verdict is "ok", "leak", "fail" (detail: headline and traceback) or
    "skip".  With settle > 0, a test whose first settle runs after the
    warm-up grew neither count stops there, as clean: a leak grows the
    counts on every run (or on enough of them to pass the threshold), and
    a growth seen once sends the test on to all runs.
    """
    # C arrays filled in place: a list of the counts would itself add
    # objects and references on every run.
    refs, blocks = array.array("q", [0] * runs), array.array("q", [0] * runs)
    for run in range(runs):
        if settle and run == warmup + settle and settled(
                refs, blocks, run, warmup):
            return "ok", "settled after %d runs" % run, run
        result = QuietResult()
        unittest.TestSuite([test]).run(result)
        problem, skipped = result.problem, result.skipped_reason
        del result
        if problem is not None:
            headline, text = problem
            if run:
                headline = "on repeat run %d of %d: %s" % (run + 1, runs,
                                                          headline)
            return "fail", (headline, text), run + 1
        if skipped is not None:
            return "skip", skipped, run + 1
        re.purge()
        linecache.clearcache()
        refs[run], blocks[run] = counts()
    ref_deltas = [b - a for a, b in zip(refs, refs[1:])][warmup - 1:]
    block_deltas = [b - a for a, b in zip(blocks, blocks[1:])][warmup - 1:]
    reasons = []
    if all(d > 0 for d in ref_deltas) or sum(ref_deltas) > threshold:
        reasons.append("references %s" % ref_deltas)
    if all(d > 0 for d in block_deltas):
        reasons.append("memory blocks %s" % block_deltas)
    if reasons:
        return "leak", "grew by " + "; ".join(reasons) + (
            " over runs %d-%d" % (warmup + 1, runs)), runs
    return "ok", "references %s, blocks %s" % (ref_deltas, block_deltas), runs


def check_extension():
    """None, or why the pep669 in use is not a build for this interpreter."""
    try:
        import pep669
    except ImportError as exc:
        return "cannot import pep669 (%s); run %s tools/build_ext.py " \
            "first" % (exc, sys.executable)
    if pep669.NATIVE:
        return None
    module = sys.modules.get("pep669._monitoring")
    path = getattr(module, "__file__", "") or ""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    if not path.endswith(suffix):
        return ("%s is not a build for this interpreter (%s); run %s "
                "tools/build_ext.py first" % (path, suffix, sys.executable))
    return None


# ---------------------------------------------------------------------------
# Header comparison with other installs of the same minor version.

def backend_includes():
    """Internal headers the engine's sources include (Py_BUILD_CORE)."""
    found = []
    pattern = re.compile(r'^\s*#\s*include\s*[<"]((?:internal|cpython)/'
                         r'[\w./]+)[>"]', re.M)
    core = os.path.join(ROOT, "src", "pep669", "_core")
    for path in sorted(glob.glob(os.path.join(core, "*.[ch]")) +
                       glob.glob(os.path.join(core, "backend", "*.[ch]"))):
        with open(path) as f:
            for name in pattern.findall(f.read()):
                if name not in found:
                    found.append(name)
    return found or ["internal/pycore_frame.h"]


def struct_bodies(include_dir, headers):
    """{struct name: normalised body} of the preprocessed headers."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as src:
        src.write("#define Py_BUILD_CORE 1\n#include <Python.h>\n")
        for header in headers:
            src.write("#include <%s>\n" % header)
    try:
        proc = subprocess.run(cc + ["-E", "-P", "-I" + include_dir,
                                    src.name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
    finally:
        os.unlink(src.name)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1]
                           if proc.stderr.strip() else "cc -E failed")
    # Literals out of the way ("{{" is a global string), then each
    # top-level struct or union with its full body, nested ones included.
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', proc.stdout)
    text = re.sub(r"'(?:\\.|[^'\\])*'", "''", text)
    bodies, anonymous = {}, 0
    opening = re.compile(r"\b(struct|union)\s+(\w*)\s*\{|\{")
    pos = 0
    while True:
        match = opening.search(text, pos)
        if match is None:
            break
        depth, i = 0, match.end() - 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        pos = i + 1
        if not match.group(1):
            continue        # a function body, an enum, an initialiser
        name = match.group(2)
        if not name:        # typedef struct { ... } Name;
            after = re.match(r"\}\s*(\w+)", text[i:])
            if after:
                name = after.group(1)
            else:
                anonymous += 1
                name = "<anonymous #%d>" % anonymous
        body = " ".join(text[match.end():i].split())
        bodies.setdefault("%s %s" % (match.group(1), name), body)
    return bodies


def compare_headers():
    """Print how this interpreter's structures differ from other installs."""
    mine = sysconfig.get_paths()["include"]
    minor = "%d.%d" % sys.version_info[:2]
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    others = sorted(glob.glob(os.path.join(
        pyenv, "versions", minor + ".*", "include", "python" + minor)))
    others = [d for d in others if os.path.realpath(d) != os.path.realpath(
        mine)]
    if not others:
        print("headers: no other %s install to compare with" % minor)
        return
    headers = backend_includes()
    if not all(os.path.exists(os.path.join(mine, h)) for h in headers):
        missing = [h for h in headers
                   if not os.path.exists(os.path.join(mine, h))]
        print("headers: WARNING: %s lacks %s (install the matching "
              "libpython%s-dev)" % (mine, ", ".join(missing), minor))
        return
    try:
        base = struct_bodies(mine, headers)
    except RuntimeError as exc:
        print("headers: cannot preprocess %s: %s" % (mine, exc))
        return
    for other in others:
        try:
            theirs = struct_bodies(other, headers)
        except RuntimeError as exc:
            print("headers: cannot preprocess %s: %s" % (other, exc))
            continue
        differ = sorted(name for name in set(base) | set(theirs)
                        if base.get(name) != theirs.get(name))
        label = "%s (Py_DEBUG=%s) vs %s" % (
            mine, sysconfig.get_config_var("Py_DEBUG"), other)
        if differ:
            print("headers: WARNING: %d structure(s) differ, %s: %s"
                  % (len(differ), label, ", ".join(differ)))
        else:
            print("headers: %d structures identical (Python.h + %s), %s"
                  % (len(base), ", ".join(headers), label))


# ---------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check the unittest suite for reference leaks "
        "(needs a Py_DEBUG interpreter).")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose id contains this substring")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--settle", type=int, default=2,
                        help="stop a test as clean after this many runs past "
                        "the warm-up that grew neither count (0: always "
                        "make --runs runs)")
    parser.add_argument("--threshold", type=int, default=10,
                        help="total reference growth over the checked runs "
                        "that counts as a leak even if some runs showed none")
    parser.add_argument("--no-headers", action="store_true",
                        help="skip the header comparison")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every test's deltas")
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.runs < args.warmup + 2:
        parser.error("need --warmup >= 1 and --runs >= --warmup + 2")
    if args.settle < 0 or (args.settle and args.settle < 2):
        parser.error("--settle must be 0 or at least 2")

    if not hasattr(sys, "gettotalrefcount"):
        print("refleak: %s is not a Py_DEBUG build "
              "(no sys.gettotalrefcount)" % sys.executable)
        return 2
    print("refleak: %s %s, %d runs, %d warm-up" % (
        sys.executable, sys.version.split()[0], args.runs, args.warmup))
    os.chdir(ROOT)
    sys.path[:0] = [os.path.join(ROOT, "src"), ROOT]
    if not args.no_headers:
        compare_headers()
    problem = check_extension()
    if problem:
        print(problem)
        print("refleak: 0 tests checked, 0 leaking, 1 failing")
        return 1

    tests = [t for t in iter_tests(discover())
             if not args.patterns or any(p in t.id() for p in args.patterns)]
    # Tests that only run other processes (a class attribute
    # subprocess_only = True) cannot leak in this one; under Py_DEBUG their
    # child interpreters, started --runs times, would take most of the time.
    out_of_process = [t for t in tests
                      if getattr(t, "subprocess_only", False)]
    tests = [t for t in tests if not getattr(t, "subprocess_only", False)]
    if out_of_process:
        print("refleak: %d tests that only run subprocesses not checked"
              % len(out_of_process))
    checked, leaking, failing, skipped, made = 0, [], [], 0, 0
    start = time.time()
    for test in tests:
        verdict, detail, count = check_test(test, args.runs, args.warmup,
                                            args.threshold, args.settle)
        made += count
        if verdict == "skip":
            skipped += 1
            continue
        checked += 1
        if verdict == "leak":
            leaking.append(test.id())
            print("LEAK %s: %s" % (test.id(), detail), flush=True)
        elif verdict == "fail":
            failing.append(test.id())
            headline, text = detail
            print("FAIL %s: %s" % (test.id(), headline), flush=True)
            if args.verbose and text:
                print(text.rstrip(), flush=True)
        elif args.verbose:
            print("ok   %s: %s" % (test.id(), detail), flush=True)
    print("refleak: %d skipped, %d test runs, %.0fs" % (
        skipped, made, time.time() - start))
    if not checked:
        failing.append("(no tests)")
    print("refleak: %d tests checked, %d leaking, %d failing"
          % (checked, len(leaking), len(failing)))
    return 1 if leaking or failing else 0


if __name__ == "__main__":
    sys.exit(main())
