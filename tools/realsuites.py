#!/usr/bin/env python3
"""Real projects' test suites under coverage.py's sys.monitoring core.

tools/realtools.py compares coverage.py's sysmon core driven by pep669 with
coverage's C tracer (CTracer) on small programs.  This script does the same
on the test suites of real pure-Python projects, run with pytest: each
suite runs in a fresh process per (interpreter, mode, core) with no
coverage, with CTracer and with the sysmon core (pep669 on 3.8-3.11, the
same worker steps as tools/realtools.py; natively on 3.12/3.13 in line
mode, pep669._native's BRANCH_LEFT/RIGHT in branch mode), and the script
checks:

- every test has the same outcome as without coverage (per test id);
- no warning or stderr line that names pep669 or sys.monitoring, no crash;
- the measured data of the project's own files (raw lines; in branch mode
  also arcs and the JSON report's executed branches) are the same as
  CTracer's.  Branch differences are listed: coverage's reader of old
  bytecode has known gaps (docs/realtools.md); ``--reader-fix`` applies
  tools/realtools.py's repairs of that reader.

It also reports the CPU time (``time.process_time()`` of the pytest run)
of each core and the ratio sysmon / CTracer: a side result on a shared
machine, never asserted.

    python3 tools/realsuites.py                          # all, ~15 minutes
    python3 tools/realsuites.py --pythons 3.8,3.11 --projects toolz
    python3 tools/realsuites.py --modes line -v

Downloads (the projects' sdists, which carry their tests, and pytest +
coverage per interpreter) go into ``--deps`` (default
/tmp/pep669-realsuites) on first use, never into the repository.  Not run
by the test suite or CI.  Exit status 0 when every test outcome and every
line is the same; branch differences are printed, not failed on.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(ROOT, "src")
PYENV = os.path.join(
    os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "versions")
VERSIONS = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]

# name: (pip requirement of the sdist, package measured, test paths,
#        extra pytest arguments).  Releases that still support 3.8.
PROJECTS = {
    "more-itertools": ("more-itertools==10.5.0", "more_itertools",
                       ["tests"], []),
    "toolz": ("toolz==0.12.1", "toolz", ["toolz/tests"], []),
    "six": ("six==1.16.0", "six", ["test_six.py"], []),
}
CORES = ("none", "ctrace", "sysmon")
NATIVE = ("3.12", "3.13")
ALARM = ("pep669", "sys.monitoring", "SystemError", "Fatal Python",
         "Segmentation")


# ---------------------------------------------------------------------------
# Worker (one pytest run, in the interpreter under test).

class _Outcomes:
    """pytest plugin: each test's outcome, and the warnings pytest saw."""

    def __init__(self):
        self.outcomes = {}
        self.warnings = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            out = report.outcome
            if hasattr(report, "wasxfail"):
                out = "xfail" if report.skipped else "xpass"
            self.outcomes[report.nodeid] = out
        elif report.outcome != "passed":
            self.outcomes[report.nodeid] = "%s-%s" % (report.when,
                                                      report.outcome)

    def pytest_warning_recorded(self, warning_message, when, nodeid,
                                location):
        self.warnings.append("%s: %s" % (warning_message.category.__name__,
                                         warning_message.message))


def worker(spec):
    sys.path.insert(0, HERE)
    import realtools                      # its coverage import steps
    os.chdir(spec["root"])
    sys.path.insert(0, spec["root"])
    core, branch = spec["core"], spec["branch"]
    result = {"python": "%d.%d" % sys.version_info[:2]}
    import warnings
    caught = []
    cov = None
    if core != "none":
        coverage, shims = realtools._import_coverage(spec["deps"], core,
                                                     branch)
        result["coverage"] = coverage.__version__
        result["shims"] = shims
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cov = coverage.Coverage(data_file=None, branch=branch,
                                    source_pkgs=[spec["package"]])
            cov.start()
        result["core"] = cov._collector.tracer_name()
    else:
        sys.path.insert(0, spec["deps"])
    import pytest
    plugin = _Outcomes()
    args = list(spec["tests"]) + spec["args"] + [
        "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    t0 = time.process_time()
    w0 = time.perf_counter()
    try:
        rc = pytest.main(args, plugins=[plugin])
    finally:
        cpu = time.process_time() - t0
        wall = time.perf_counter() - w0
        if cov is not None:
            with warnings.catch_warnings(record=True) as more:
                warnings.simplefilter("always")
                cov.stop()
            caught = list(caught) + list(more)
    result.update(rc=int(rc), cpu=cpu, wall=wall,
                  outcomes=plugin.outcomes,
                  warnings=plugin.warnings + [
                      "%s: %s" % (w.category.__name__, w.message)
                      for w in caught])
    if cov is None:
        return result
    data = cov.get_data()
    files = {}
    for path in sorted(data.measured_files()):
        rel = os.path.relpath(path, spec["root"])
        files[rel] = {"lines": sorted(data.lines(path) or []),
                      "arcs": sorted(data.arcs(path) or []) if branch
                      else []}
    fd, tmp = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        cov.json_report(outfile=tmp)
        with open(tmp) as f:
            report = json.load(f)["files"]
    finally:
        os.unlink(tmp)
    for path, entry in report.items():
        rel = os.path.relpath(os.path.abspath(path), spec["root"])
        files.setdefault(rel, {"lines": [], "arcs": []})
        files[rel]["executed_branches"] = entry.get("executed_branches", [])
    result["files"] = files
    return result


# ---------------------------------------------------------------------------
# Driver.

def minor(version):
    return ".".join(version.split(".")[:2])


def python_of(version):
    return os.path.join(PYENV, version, "bin", "python")


def pip(version, *args):
    cmd = [python_of(version), "-m", "pip", "-q",
           "--disable-pip-version-check"] + list(args)
    print("  " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def ensure_deps(version, deps, coverage_req):
    target = os.path.join(deps, "deps-%s" % minor(version))
    if not os.path.isdir(os.path.join(target, "coverage")):
        pip(version, "install", "--target", target, "pytest", coverage_req)
    return target


def ensure_project(name, deps, version):
    req = PROJECTS[name][0]
    where = os.path.join(deps, "src")
    stem = req.replace("==", "-")
    roots = [p for p in glob.glob(os.path.join(where, "*"))
             if os.path.isdir(p) and os.path.basename(p).lower().replace(
                 "_", "-") == stem.lower()]
    if roots:
        return roots[0]
    os.makedirs(where, exist_ok=True)
    pip(version, "download", "--no-deps", "--no-binary", ":all:", "-d",
        where, req)
    for archive in glob.glob(os.path.join(where, "*.tar.gz")):
        base = os.path.basename(archive)[:-len(".tar.gz")]
        if base.lower().replace("_", "-") == stem.lower():
            with tarfile.open(archive) as tar:
                tar.extractall(where)
            return os.path.join(where, base)
    raise SystemExit("no sdist for %s in %s" % (req, where))


def run_worker(version, spec):
    env = dict(os.environ)
    for var in ("COVERAGE_CORE", "PYTHONPATH", "PEP669_INSTALL"):
        env.pop(var, None)
    cmd = [python_of(version), os.path.abspath(__file__), "--worker",
           json.dumps(spec)]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    lines = proc.stdout.strip().splitlines()
    try:
        res = json.loads(lines[-1])
    except (IndexError, ValueError):
        return {"error": "exit status %d: %s" % (
            proc.returncode, proc.stderr.strip().splitlines()[-3:])}
    res["alarms"] = [ln for ln in (proc.stderr + "\n".join(lines[:-1]))
                     .replace(os.path.dirname(spec["deps"]), "DEPS").splitlines()
                     if any(a in ln for a in ALARM)]
    return res


def counts(outcomes):
    out = {}
    for o in outcomes.values():
        out[o] = out.get(o, 0) + 1
    return out


def compare_files(a, b, key):
    """{file: (only in a, only in b)} for list-valued `key`."""
    diffs = {}
    for f in sorted(set(a) | set(b)):
        x = {tuple(i) if isinstance(i, list) else i
             for i in a.get(f, {}).get(key, [])}
        y = {tuple(i) if isinstance(i, list) else i
             for i in b.get(f, {}).get(key, [])}
        if x != y:
            diffs[f] = (sorted(x - y), sorted(y - x))
    return diffs


def check(version, name, mode, runs, verbose):
    """Print one (python, project, mode) result; return its row and ok."""
    bad = []
    for core in CORES:
        if "error" in runs.get(core, {}):
            bad.append("%s: %s" % (core, runs[core]["error"]))
    if bad:
        return {"python": minor(version), "project": name, "mode": mode,
                "problems": bad, "error": True}, False
    base = runs["none"]["outcomes"]
    for core in ("ctrace", "sysmon"):
        o = runs[core]["outcomes"]
        changed = sorted(t for t in set(base) | set(o)
                         if base.get(t) != o.get(t))
        if changed:
            bad.append("%s: %d test outcomes differ from no coverage, "
                       "e.g. %s" % (core, len(changed), [
                           (t, base.get(t), o.get(t)) for t in changed[:3]]))
    sm, ct = runs["sysmon"], runs["ctrace"]
    if sm.get("core") != "SysMonitor":
        bad.append("sysmon run used %s" % sm.get("core"))
    alarms = sm.get("alarms", []) + [
        w for w in sm["warnings"] if any(a in w for a in ALARM)]
    alarms = [a for a in alarms if a not in ct.get("alarms", [])]
    new_warnings = sorted(set(sm["warnings"]) - set(ct["warnings"]))
    if alarms:
        bad.append("pep669/sys.monitoring in output: %s" % alarms[:3])
    if new_warnings:
        bad.append("warnings only under sysmon: %s" % new_warnings[:3])
    line_diffs = compare_files(ct["files"], sm["files"], "lines")
    branch_note = ""
    if mode == "branch":
        arcs = compare_files(ct["files"], sm["files"], "arcs")
        exe = compare_files(ct["files"], sm["files"], "executed_branches")
        n_arcs = sum(len(a) + len(b) for a, b in arcs.values())
        n_exe = sum(len(a) + len(b) for a, b in exe.values())
        selfarcs = all(x == y for a, b in exe.values() for x, y in a + b)
        total = sum(len(f.get("executed_branches", []))
                    for f in ct["files"].values())
        branch_note = "branches: %d of CTracer's %d differ%s" % (
            n_exe, total, " (all (N, N) self-arcs)" if exe and selfarcs
            else "")
        if exe and verbose:
            branch_note += "\n      " + _short(exe, 20)
    cost = sm["cpu"] / ct["cpu"] if ct["cpu"] else float("nan")
    over = ((sm["cpu"] - runs["none"]["cpu"]) /
            (ct["cpu"] - runs["none"]["cpu"])
            if ct["cpu"] > runs["none"]["cpu"] else float("nan"))
    nlines = sum(len(f["lines"]) for f in ct["files"].values())
    row = {"python": minor(version), "project": name, "mode": mode,
           "coverage": sm.get("coverage"), "tests": counts(base),
           "files": len(ct["files"]), "lines": nlines,
           "cpu": {c: round(runs[c]["cpu"], 2) for c in CORES},
           "sysmon/ctrace": round(cost, 2),
           "overhead sysmon/ctrace": round(over, 2),
           "branch": branch_note, "problems": bad,
           "shims": sm.get("shims"),
           "line_diffs": {f: [a, b] for f, (a, b) in line_diffs.items()},
           "branch_diffs": ({f: [a, b] for f, (a, b) in exe.items()}
                            if mode == "branch" else {})}
    return row, not bad


def classify_lines(rows):
    """Line differences: those native 3.12/3.13 show too (same project,
    mode, file and line, sysmon against CTracer) are coverage's own; the
    others are problems.  Returns False if any is left."""
    native = {}
    for r in rows:
        if r["python"] in NATIVE and not r.get("error"):
            for f, (a, b) in r["line_diffs"].items():
                native.setdefault((r["project"], r["mode"], f), set()).update(
                    [("ctrace", x) for x in a] + [("sysmon", x) for x in b])
    ok = True
    for r in rows:
        for f, (a, b) in sorted(r.get("line_diffs", {}).items()):
            seen = native.get((r["project"], r["mode"], f), set())
            items = [("ctrace", x) for x in a] + [("sysmon", x) for x in b]
            left = [i for i in items if i not in seen]
            tag = "native too" if r["python"] in NATIVE else (
                "as native 3.12/3.13" if not left else "PROBLEM")
            print("%s %s %s: raw lines differ in %s (%s): ctrace only %s, "
                  "sysmon only %s" % (r["python"], r["project"], r["mode"],
                                      f, tag, a, b))
            ok = ok and (r["python"] in NATIVE or not left)
    return ok


def _short(diffs, n=6):
    parts = []
    for f, (a, b) in list(diffs.items())[:n]:
        parts.append("%s: ctrace only %s, sysmon only %s" % (
            f, a[:8], b[:8]))
    return "; ".join(parts)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        res = worker(json.loads(sys.argv[2]))
        sys.stdout.write("\n" + json.dumps(res) + "\n")
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pythons", default="3.8,3.10,3.11,3.12,3.13")
    ap.add_argument("--projects", default=",".join(PROJECTS))
    ap.add_argument("--modes", default="line,branch")
    ap.add_argument("--deps", default="/tmp/pep669-realsuites")
    ap.add_argument("--coverage", default="coverage",
                    help="pip requirement for coverage.py (default: the "
                         "newest each interpreter gets)")
    ap.add_argument("--reader-fix", action="store_true",
                    help="tools/realtools.py's repairs of coverage's "
                         "bytecode reader, in branch runs")
    ap.add_argument("--json", help="write every row here")
    ap.add_argument("--load", help="print and check rows written by --json "
                    "instead of running the suites")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.reader_fix:
        os.environ["PEP669_REALTOOLS_READER_FIX"] = "1"
    wanted = args.pythons.split(",")
    versions = [v for v in VERSIONS if minor(v) in wanted
                and os.path.exists(python_of(v))]
    rows, ok = [], True
    if args.load:
        with open(args.load) as f:
            rows = json.load(f)
        for row in rows:
            print(_format(row))
            ok = ok and not row["problems"]
        versions = []
    for v in versions:
        deps = ensure_deps(v, args.deps, args.coverage)
        for name in args.projects.split(","):
            root = ensure_project(name, args.deps, v)
            _, pkg, tests, extra = PROJECTS[name]
            for mode in args.modes.split(","):
                runs = {}
                for core in CORES:
                    if mode == "branch" and core == "none" and \
                            "line" in args.modes:
                        runs[core] = last_none
                        continue
                    runs[core] = run_worker(v, {
                        "root": root, "deps": deps, "core": core,
                        "branch": mode == "branch", "package": pkg,
                        "tests": tests, "args": extra})
                last_none = runs["none"]
                row, good = check(v, name, mode, runs, args.verbose)
                ok = ok and good
                rows.append(row)
                print(_format(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    ok = classify_lines(rows) and ok
    print("result: %s" % ("every test outcome and line the same" if ok
                          else "problems (see above)"))
    return 0 if ok else 1


def _format(row):
    if row.get("error"):
        return "%(python)s %(project)s %(mode)s ERROR %(problems)s" % row
    t = row["tests"]
    s = ("%(python)s %(project)s %(mode)s (coverage %(coverage)s): " % row +
         ", ".join("%d %s" % (t[k], k) for k in sorted(t)) +
         "; %(files)d files, %(lines)d lines; cpu s %(cpu)s; "
         "sysmon/ctrace %(sysmon/ctrace)s (overhead ratio "
         "%(overhead sysmon/ctrace)s)" % row)
    if row["branch"]:
        s += "\n    " + row["branch"]
    for p in row["problems"]:
        s += "\n    PROBLEM " + p
    return s


if __name__ == "__main__":
    sys.exit(main())
