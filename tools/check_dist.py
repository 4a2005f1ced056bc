"""Check what users install: one sdist, installed on every interpreter.

    python3 tools/check_dist.py [--python 3.10,3.12] [--sdist FILE] [-v]

1. Builds an sdist once, from a copy of the working tree, with
   ``setup.py sdist`` and the setuptools of the first interpreter that has
   setuptools >= 61 (no download).
2. For each interpreter (3.8-3.13 found as tools/runtests.py finds them),
   in a fresh venv: ``pip install`` of that sdist (pip builds it with the
   setuptools it fetches from the package index), then checks
   - the installed files: no C source but include/pep669.h, py.typed and
     the stubs, pep669-install.pth at the top of site-packages;
   - ``import pep669`` and a monitored function (a PY_START callback);
   - ``python -m pep669 run`` and the PEP669_INSTALL switch, in a
     subprocess of a subprocess too;
   - tests/test_api.py and tests/test_cli.py against the installed
     package (PEP669_TEST_INSTALLED=1);
   - mypy (from the package index): the stubs and examples/line_counter.py
     pass ``--strict``, and calls the stubs forbid are reported;
   - coverage.py's sysmon core through the switch (the README's recipe:
     PEP669_INSTALL=1 COVERAGE_CORE=sysmon coverage run ...).
   What cannot be fetched (no package index) is skipped, with the reason.

One result per interpreter: "ok", "FAILED" with what failed, or "skipped"
with why.  tools/runtests.py runs this with --dist (on by default when
CI=true), one entry per interpreter.  Standard library only; Python 3.8
syntax.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 900


class Result(object):
    def __init__(self, label):
        self.label = label
        self.failures = []      # (check, detail)
        self.skipped = []       # (check, reason)
        self.passed = []        # check names
        self.seconds = 0.0

    def ok(self, check):
        self.passed.append(check)

    def fail(self, check, detail=""):
        self.failures.append((check, detail))

    def skip(self, check, reason):
        self.skipped.append((check, reason))

    def summary(self):
        if self.failures:
            text = "FAILED: " + ", ".join(c for c, _ in self.failures)
        else:
            text = "ok (%s)" % ", ".join(self.passed)
        if self.skipped:
            text += "; skipped: " + "; ".join(
                "%s (%s)" % s for s in self.skipped)
        return text


def sh(args, cwd=None, env=None, timeout=TIMEOUT):
    """(exit status, combined output) of a command."""
    try:
        proc = subprocess.run(args, cwd=cwd, env=env, timeout=timeout,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL,
                              universal_newlines=True)
    except subprocess.TimeoutExpired as exc:
        return "timeout", str(exc.output or "")
    except OSError as exc:
        return "oserror", str(exc)
    return proc.returncode, proc.stdout


def clean_env(extra=None):
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PEP669_INSTALL",
                 "COVERAGE_CORE", "PEP669_TEST_INSTALLED", "VIRTUAL_ENV",
                 "PIP_REQUIRE_VIRTUALENV"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def tail(text, lines=30):
    return "\n".join(text.rstrip().splitlines()[-lines:])


# -- the sdist ---------------------------------------------------------------

def copy_tree(dest):
    """The working tree as a fresh clone would have it (no builds)."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.so", "*.pyd", "*.o", "build", "dist",
        "*.egg-info", ".build-*"))


def setuptools_version(python):
    status, out = sh([python, "-c", "import setuptools, sys; "
                      "sys.stdout.write(setuptools.__version__)"],
                     env=clean_env())
    if status != 0:
        return None
    match = re.match(r"(\d+)", out.strip())
    return int(match.group(1)) if match else None


def build_sdist(pythons, workdir):
    """(path of the sdist, None) or (None, why not)."""
    builder = None
    for python in list(pythons) + [sys.executable]:
        version = setuptools_version(python)
        if version is not None and version >= 61:
            builder = python
            break
    if builder is None:
        if not pythons:
            return None, "no interpreter"
        # None has it: a venv with setuptools from the package index.
        venv = os.path.join(workdir, "venv-sdist")
        bindir = "Scripts" if os.name == "nt" else "bin"
        status, out = sh([pythons[-1], "-m", "venv", venv])
        if status == 0:
            builder = os.path.join(venv, bindir, "python")
            status, out = sh([builder, "-m", "pip", "install", "-q",
                              "setuptools>=61"], env=clean_env())
        if status != 0:
            return None, ("no interpreter has setuptools >= 61 to build "
                          "the sdist with, and it cannot be installed:\n"
                          + tail(out, 5))
    tree = os.path.join(workdir, "tree")
    copy_tree(tree)
    out_dir = os.path.join(workdir, "sdist")
    status, out = sh([builder, "setup.py", "-q", "sdist", "-d", out_dir],
                     cwd=tree, env=clean_env())
    found = [f for f in os.listdir(out_dir)] if os.path.isdir(out_dir) else []
    if status != 0 or len(found) != 1:
        return None, "setup.py sdist failed (%s):\n%s" % (builder, tail(out))
    return os.path.join(out_dir, found[0]), None


def check_sdist_contents(sdist, result):
    """Every version's sources, the tests and their support, the docs."""
    import tarfile
    with tarfile.open(sdist) as tar:
        names = set(n.split("/", 1)[1] for n in tar.getnames() if "/" in n)
    wanted = ["LICENSE", "CHANGELOG.md", "README.md", "setup.py",
              "pyproject.toml", "MANIFEST.in", "src/pep669-install.pth",
              "src/pep669/py.typed", "src/pep669/__init__.pyi",
              "src/pep669/monitoring.pyi", "src/pep669/include/pep669.h",
              "tests/support.py", "tests/capi/testcapi.c",
              "tools/build_ext.py", "tools/runtests.py", "docs/porting.md",
              "examples/line_counter.py"]
    in_tree = subprocess.run(
        ["git", "ls-files", "src/pep669/_core", "tests", "docs", "tools"],
        cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True).stdout
    wanted += [n for n in in_tree.split() if n]
    missing = [n for n in wanted if n not in names]
    stray = [n for n in names if n.endswith((".so", ".pyc", ".o"))]
    if missing or stray:
        result.fail("sdist contents", "missing: %s\nstray: %s" % (
            ", ".join(missing) or "-", ", ".join(stray) or "-"))
    else:
        result.ok("sdist contents")


# -- one interpreter ------------------------------------------------------------

INSTALLED = r"""
import json, os, sys, sysconfig
import pep669
from pep669 import monitoring as mon
package = os.path.dirname(pep669.__file__)
site = os.path.dirname(package)
files = []
for folder, _, names in os.walk(package):
    for name in names:
        if "__pycache__" not in folder:
            files.append(os.path.relpath(os.path.join(folder, name), package))
starts = []
def work():
    return 1
pep669.install()
mon.use_tool_id(mon.PROFILER_ID, "check")
mon.register_callback(mon.PROFILER_ID, mon.events.PY_START,
                      lambda code, offset: starts.append(code.co_name))
mon.set_events(mon.PROFILER_ID, mon.events.PY_START)
work()
mon.set_events(mon.PROFILER_ID, 0)
mon.free_tool_id(mon.PROFILER_ID)
print(json.dumps({"version": pep669.__version__, "files": sorted(files),
                  "site": site, "pth": os.path.exists(
                      os.path.join(site, "pep669-install.pth")),
                  "starts": starts,
                  "monitoring": sys.monitoring is mon}))
"""

SWITCH = r"""
import subprocess, sys
inner = ("import sys; print(hasattr(sys, 'monitoring'), "
         "'pep669' in sys.modules)")
print(hasattr(sys, "monitoring"), "pep669" in sys.modules)
sys.stdout.flush()
subprocess.run([sys.executable, "-c", inner])
"""

# mypy must reject these (the stubs, not Any, are what it reads).
MYPY_REJECTS = """\
from pep669 import monitoring as mon
mon.use_tool_id("one", 1)
name: int = mon.get_tool(0)
mon.events.LINE = 4
"""

COVERED = """\
import sys
def f(x):
    if x:
        return 1
    return 2
f(1)
print(sys.monitoring.get_tool(sys.monitoring.COVERAGE_ID))
"""


def run_checks(python, label, sdist, workdir, result, verbose=False):
    venv = os.path.join(workdir, "venv-" + label)
    status, out = sh([python, "-m", "venv", venv])
    if status != 0:
        result.skip("everything", "cannot make a venv: " + tail(out, 3))
        return
    bindir = "Scripts" if os.name == "nt" else "bin"
    vpy = os.path.join(venv, bindir, "python")
    env = clean_env()
    pip = [vpy, "-m", "pip", "--disable-pip-version-check"]

    # Can pip reach a package index?  (The build needs setuptools.)
    probe = os.path.join(workdir, "probe-" + label)
    status, out = sh(pip + ["download", "-q", "--no-deps", "-d", probe,
                            "setuptools>=61"], env=env, timeout=300)
    if status != 0:
        result.skip("everything", "pip cannot fetch setuptools from the "
                    "package index: " + tail(out, 2))
        return

    # pip builds the wheel from the sdist (with setuptools it fetches),
    # then installs that wheel.
    wheels = os.path.join(workdir, "wheels-" + label)
    status, out = sh(pip + ["wheel", "--no-deps", "-w", wheels, sdist],
                     env=env)
    built = [os.path.join(wheels, f) for f in os.listdir(wheels)
             if f.endswith(".whl")] if os.path.isdir(wheels) else []
    if status != 0 or len(built) != 1:
        result.fail("pip wheel sdist", tail(out))
        return
    wheel = built[0]
    if verbose:
        print(tail(out, 5))
    status, out = sh(pip + ["install", wheel], env=env)
    if status != 0:
        result.fail("pip install wheel", tail(out))
        return
    result.ok("build and install")
    check_wheel(wheel, sdist, pip, vpy, env, result)

    status, out = sh([vpy, "-c", INSTALLED], cwd=workdir, env=env)
    try:
        info = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result.fail("import", tail(out))
        return
    problems = []
    sources = [f for f in info["files"] if f.endswith((".c", ".h"))
               and f != os.path.join("include", "pep669.h")]
    if sources:
        problems.append("C sources installed: %s" % ", ".join(sources))
    for needed in ("py.typed", "__init__.pyi", "monitoring.pyi",
                   os.path.join("include", "pep669.h")):
        if needed not in info["files"]:
            problems.append("%s not installed" % needed)
    if not info["pth"]:
        problems.append("pep669-install.pth not at the top of site-packages")
    if info["starts"] != ["work"] or not info["monitoring"]:
        problems.append("monitored function: PY_START saw %r, "
                        "sys.monitoring installed: %s"
                        % (info["starts"], info["monitoring"]))
    if problems:
        result.fail("installed package", "\n".join(problems))
    else:
        result.ok("installed package")

    # The launcher and the switch.
    status, out = sh([vpy, "-m", "pep669", "run", "-c",
                      "import sys; print(hasattr(sys, 'monitoring'), "
                      "sys.argv)", "x"], cwd=workdir, env=env)
    expect_run = "True ['-c', 'x']\n"
    status2, on = sh([vpy, "-c", SWITCH], cwd=workdir,
                     env=clean_env({"PEP669_INSTALL": "1"}))
    status3, off = sh([vpy, "-c", SWITCH], cwd=workdir, env=env)
    status4, native = sh([vpy, "-c", "import sys; "
                          "print(sys.version_info >= (3, 12))"], env=env)
    native = native.strip()
    want_on = "True True\nTrue True\n"
    want_off = "{0} False\n{0} False\n".format(native)
    if (out, on, off) != (expect_run, want_on, want_off):
        result.fail("launcher and switch", "run: %r (want %r)\n"
                    "PEP669_INSTALL=1: %r (want %r)\nunset: %r (want %r)"
                    % (out, expect_run, on, want_on, off, want_off))
    else:
        result.ok("launcher and switch")

    # The suite's packaging-related tests against the installed package.
    tree = os.path.join(workdir, "unpacked-" + label)
    import tarfile
    with tarfile.open(sdist) as tar:
        tar.extractall(tree)
    [top] = os.listdir(tree)
    tree = os.path.join(tree, top)
    status, out = sh([vpy, "-m", "unittest", "tests.test_api",
                      "tests.test_cli"], cwd=tree,
                     env=clean_env({"PEP669_TEST_INSTALLED": "1"}))
    if status != 0:
        result.fail("unittest (installed)", tail(out, 40))
    else:
        result.ok("unittest (installed)")

    check_mypy(vpy, pip, tree, workdir, env, result, info["site"])
    check_coverage(vpy, pip, workdir, env, label, result)


def check_wheel(wheel, sdist, pip, vpy, env, result):
    """Only what runs in the wheel; twine check, auditwheel show."""
    import zipfile
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    allowed = re.compile(
        r"^(pep669-install\.pth|pep669/[^/]+\.(py|pyi|so|pyd)|pep669/py\.typed"
        r"|pep669/include/pep669\.h|pep669-[^/]+\.dist-info/.+)$")
    stray = [n for n in names if not allowed.match(n)]
    needed = ["pep669-install.pth", "pep669/py.typed", "pep669/__init__.pyi",
              "pep669/monitoring.pyi", "pep669/include/pep669.h"]
    missing = [n for n in needed if n not in names]
    if stray or missing:
        result.fail("wheel contents", "stray: %s\nmissing: %s" % (
            ", ".join(stray) or "-", ", ".join(missing) or "-"))
    else:
        result.ok("wheel contents")
    tools = ["twine"] + (["auditwheel"] if sys.platform == "linux" else [])
    status, out = sh(pip + ["install", "-q"] + tools, env=env, timeout=600)
    if status != 0:
        result.skip("twine/auditwheel", "cannot be installed here: "
                    + tail(out, 2))
        return
    bindir = os.path.dirname(vpy)
    problems = []
    status, out = sh([os.path.join(bindir, "twine"), "check", "--strict",
                      wheel, sdist], env=env)
    if status != 0:
        problems.append("twine check:\n" + tail(out))
    name = os.path.basename(wheel)
    if not re.search(r"-cp3\d+-cp3\d+-", name):
        problems.append("%s is not tagged with its interpreter" % name)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import repair_wheel
    binary = repair_wheel.has_binary(wheel)
    audited = "auditwheel" in tools and "-linux_" in name and binary
    if "-linux_" in name and not binary:
        # 3.13: no binary; the workflow's repair step tags it instead.
        retagged = repair_wheel.retag(wheel, os.path.dirname(wheel),
                                      "manylinux2014_x86_64")
        status, out = sh([os.path.join(bindir, "twine"), "check",
                          "--strict", retagged], env=env)
        if status != 0 or not re.search(r"-cp3\d+-cp3\d+-manylinux2014",
                                        retagged):
            problems.append("repair_wheel.py retag:\n" + tail(out))
    if audited:
        status, out = sh([os.path.join(bindir, "auditwheel"), "show", wheel],
                         env=env)
        if status != 0 or 'consistent with the\nfollowing platform tag: ' \
                '"manylinux' not in out:
            problems.append("auditwheel show:\n" + tail(out))
    if problems:
        result.fail("twine/auditwheel", "\n".join(problems))
    else:
        result.ok("tags, twine check" + (
            ", auditwheel show" if audited else
            ", retagged by repair_wheel.py" if "-linux_" in name else ""))


def check_mypy(vpy, pip, tree, workdir, env, result, site):
    status, out = sh(pip + ["install", "-q", "mypy"], env=env, timeout=600)
    if status != 0:
        result.skip("mypy", "mypy cannot be installed here: " + tail(out, 2))
        return
    example = os.path.join(tree, "examples", "line_counter.py")
    problems = []
    # The example against the installed package (found through py.typed),
    # from a directory of its own: mypy takes the current directory's
    # files as the user's.
    here = os.path.join(workdir, "mypy-" + os.path.basename(
        os.path.dirname(os.path.dirname(vpy))))
    os.makedirs(here)
    status, out = sh([vpy, "-m", "mypy", "--strict", "--no-incremental",
                      example], cwd=here, env=env)
    if status != 0:
        problems.append("mypy --strict %s:\n%s" % (example, tail(out)))
    # The stubs themselves (mypy does not report errors in installed
    # packages): a copy of them, checked as the user's files.
    stubs = os.path.join(here, "stubs", "pep669")
    os.makedirs(stubs)
    for name in ("__init__.pyi", "monitoring.pyi"):
        shutil.copy(os.path.join(site, "pep669", name), stubs)
    status, out = sh([vpy, "-m", "mypy", "--strict", "--no-incremental",
                      os.path.join("stubs", "pep669", "__init__.pyi"),
                      os.path.join("stubs", "pep669", "monitoring.pyi")],
                     cwd=here, env=env)
    if status != 0:
        problems.append("mypy --strict on the stubs:\n%s" % tail(out))
    bad = os.path.join(here, "rejected.py")
    with open(bad, "w") as f:
        f.write(MYPY_REJECTS)
    status, out = sh([vpy, "-m", "mypy", "--no-incremental", bad],
                     cwd=here, env=env)
    errors = re.findall(r"rejected\.py:(\d+): error", out)
    if errors != ["2", "2", "3", "4"]:
        problems.append("mypy should reject lines 2 (twice), 3 and 4 of "
                        "%s; it said:\n%s" % (bad, tail(out)))
    if problems:
        result.fail("mypy", "\n".join(problems))
    else:
        result.ok("mypy")


def check_coverage(vpy, pip, workdir, env, label, result):
    """The README's recipe: PEP669_INSTALL=1 COVERAGE_CORE=sysmon."""
    status, out = sh(pip + ["install", "-q", "coverage"], env=env,
                     timeout=600)
    if status != 0:
        result.skip("coverage", "coverage.py cannot be installed here: "
                    + tail(out, 2))
        return
    status, version = sh([vpy, "-c", "import sys; print('%d.%d' % "
                          "sys.version_info[:2])"], env=env)
    if version.strip() in ("3.8", "3.9"):
        result.skip("coverage", "coverage's sysmon core calls "
                    "code.co_lines(), which 3.8/3.9 lack (docs/realtools.md)")
        return
    prog_dir = os.path.join(workdir, "cov-" + label)
    os.makedirs(prog_dir)
    with open(os.path.join(prog_dir, "prog.py"), "w") as f:
        f.write(COVERED)
    cov_env = clean_env({"PEP669_INSTALL": "1", "COVERAGE_CORE": "sysmon"})
    bindir = os.path.dirname(vpy)
    status, out = sh([os.path.join(bindir, "coverage"), "run", "prog.py"],
                     cwd=prog_dir, env=cov_env)
    status2, report = sh([os.path.join(bindir, "coverage"), "json", "-o",
                          "-"], cwd=prog_dir, env=cov_env)
    try:
        data = json.loads(report[report.index("{"):])
        missing = data["files"]["prog.py"]["missing_lines"]
    except (ValueError, KeyError):
        missing = None
    if status != 0 or out.strip() != "coverage.py" or missing != [5]:
        result.fail("coverage", "coverage run: status %s, output %r "
                    "(want 'coverage.py': the sysmon core's tool name); "
                    "missing lines %r (want [5])\n%s"
                    % (status, out, missing, tail(report, 10)))
    else:
        result.ok("coverage.py sysmon core")


def check_interpreter(python, label, sdist, workdir, verbose=False):
    result = Result(label)
    start = time.time()
    try:
        run_checks(python, label, sdist, workdir, result, verbose)
    except Exception:
        import traceback
        result.fail("check_dist itself", traceback.format_exc())
    result.seconds = time.time() - start
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append",
                        help="interpreters (as tools/runtests.py takes them)")
    parser.add_argument("--sdist", help="check this sdist instead of "
                        "building one")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch directory")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import runtests
    interpreters, missing = runtests.find_interpreters(args.python)
    workdir = tempfile.mkdtemp(prefix="pep669-dist-")
    failed = 0
    try:
        sdist = args.sdist
        if sdist is None:
            sdist, why = build_sdist([i.command for i in interpreters],
                                     workdir)
            if sdist is None:
                print("check_dist: %s" % why)
                return 1
        print("check_dist: sdist %s" % os.path.basename(sdist))
        contents = Result("sdist")
        check_sdist_contents(sdist, contents)
        print("check_dist: sdist: %s" % contents.summary())
        for check, detail in contents.failures:
            print("  " + detail.replace("\n", "\n  "))
        failed += bool(contents.failures)
        for interp in interpreters:
            result = check_interpreter(interp.command, interp.label, sdist,
                                       workdir, args.verbose)
            print("check_dist: %s: %s %.0fs" % (interp.label,
                                                result.summary(),
                                                result.seconds), flush=True)
            for check, detail in result.failures:
                print("  -- %s\n  %s" % (check, detail.replace("\n", "\n  ")))
            failed += bool(result.failures)
        for spec in missing:
            print("check_dist: %s not found, not checked" % spec)
    finally:
        if args.keep:
            print("check_dist: kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
