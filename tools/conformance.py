"""Run CPython's own test_monitoring.py against pep669.

    python tools/conformance.py                  # both suites on 3.8-3.11
    python tools/conformance.py --native         # 3.12 and 3.13 on their own suites
    python tools/conformance.py --suite 3.13 --python 3.10 -k TestLineAndInstruction
    python tools/conformance.py --update         # rewrite the expected-failure lists
    python tools/conformance.py --json out.json  # machine-readable results

The suites are read from the installed 3.12 and 3.13 (never copied into this
repository).  For every (suite, interpreter) pair:

1. The newest interpreter at hand parses the suite with ``ast`` and lists its
   top-level statements (with line ranges) and its tests (``Class.test_method``),
   so discovery never depends on the old interpreter's parser.
2. One worker process per test class, on the interpreter under test, installs
   pep669 as ``sys.monitoring``, adds the test.support helpers that interpreter
   lacks (tests/conformance/shims.py), then compiles and runs the suite one
   top-level statement at a time with its original line numbers.  A statement
   that does not compile there makes the tests it defines fail ("does not
   compile on 3.X"); a class that fails only because of some of its methods
   keeps its other methods.  Names that end up undefined fail their users with
   a NameError, as they would.
3. The worker runs the class's tests one at a time, resets every monitoring
   tool between tests, and writes each result as it goes.  A crash or a
   timeout fails the test that was running, and the rest of the class goes on
   in a fresh process.
4. The results are compared with tests/conformance/expected/<suite>-py<ver>.txt.
   An unexpected failure, an expected failure that passes, an entry for a test
   that no longer exists, and an entry whose reason is still "TODO" make the
   run fail.  ``--update`` rewrites the lists (keeping the reasons already
   written) and the pass-count table in docs/conformance.md.

The last line printed is ``conformance: N passed, N failed, ...``.
This file must stay valid Python 3.8: the worker runs it on every interpreter.
"""

import argparse
import ast
import collections
import glob
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC_DIR = os.path.join(ROOT, "src")
CONFORMANCE_DIR = os.path.join(ROOT, "tests", "conformance")
EXPECTED_DIR = os.path.join(CONFORMANCE_DIR, "expected")
DOCS_FILE = os.path.join(ROOT, "docs", "conformance.md")
README_FILE = os.path.join(ROOT, "README.md")

OLD_PYTHONS = ("3.8", "3.9", "3.10", "3.11")
SUITE_VERSIONS = ("3.12", "3.13")
NATIVE_PAIRS = (("3.12", "3.12"), ("3.13", "3.13"), ("3.12", "3.13"))
# CPython 3.13's C API tests, fed through pep669.h and its test extension
# (tests/capi/, which provides the _testcapi helpers they call).  On 3.12
# sys.monitoring is native, so only these classes run there.
CAPI_CLASSES = ("TestCApiEventGeneration",)
CAPI_PYTHON = "3.12"
SUITE_NAME = "test_monitoring.py"
MODULE_NAME = "test.test_monitoring"
TESTCASE_BASES = {"TestCase", "unittest.TestCase",
                  "IsolatedAsyncioTestCase",
                  "unittest.IsolatedAsyncioTestCase"}
TODO = "TODO"
TABLE_START = "<!-- conformance-table:start -->"
TABLE_END = "<!-- conformance-table:end -->"

PASS, FAIL, ERROR, SKIP = "pass", "fail", "error", "skip"

SELFTEST_SUITE = os.path.join(CONFORMANCE_DIR, "selftest_suite.py")
SELFTEST_PYTHONS = OLD_PYTHONS + ("3.12", "3.13")
# test id -> (outcome, text the message must contain); a callable of the
# interpreter's "3.X" gives a version-dependent expectation.
SELFTEST_EXPECTED = {
    "Outcomes.test_pass": (PASS, ""),
    "Outcomes.test_fail": (FAIL, "AssertionError: 1 != 2"),
    "Outcomes.test_error": (ERROR, "RuntimeError: raised on purpose"),
    "Outcomes.test_skip": (SKIP, "skipped on purpose"),
    "Outcomes.test_expected_failure": (PASS, ""),
    "Outcomes.test_unexpected_success": (FAIL, "unexpected success"),
    "Outcomes.test_subtest_fail": (FAIL, "(i=1)"),
    "Crashes.test_1_before": (PASS, ""),
    "Crashes.test_2_segfault": (ERROR, "crashed the interpreter (signal 11)"),
    "Crashes.test_3_after": (PASS, ""),
    "Crashes.test_4_hang": (ERROR, "timed out"),
    "Crashes.test_5_after": (PASS, ""),
    "Syntax.test_compiles": (PASS, ""),
    "Syntax.test_match_statement": lambda py: (
        (ERROR, "does not compile on %s" % py)
        if py in ("3.8", "3.9") else (PASS, "")),
    "Syntax.test_line_numbers": (PASS, ""),
    "Isolation.test_1_leak": (FAIL, "leaving tool 2 in use"),
    "Isolation.test_2_clean": (PASS, ""),
    "ModuleLevel.test_uses_failed_import": (
        ERROR, "name '_conformance_selftest_no_such_module' is not defined"),
    "Missing.test_in_undefined_class": (
        ERROR, "NameError: name 'UndefinedBase' is not defined"),
    "UsesMixin.test_inherited": (PASS, ""),
    "Dynamic.test_added_at_run_time": (PASS, ""),
}


# ---------------------------------------------------------------------------
# Manifest: what the suite contains, from the newest parser available.

def _first_line(node):
    lines = [node.lineno]
    lines.extend(d.lineno for d in getattr(node, "decorator_list", ()))
    return min(lines)


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else inner + "." + node.attr
    return None


def build_manifest(path):
    """Top-level statements and tests of a suite file, as a JSON-able dict."""
    with open(path, "rb") as f:
        data = f.read()
    source = tokenize.detect_encoding(io.BytesIO(data).readline)
    tree = ast.parse(data.decode(source[0]), filename=path)
    chunks = []
    classes = collections.OrderedDict()
    for index, node in enumerate(tree.body):
        chunk = {"start": _first_line(node), "end": node.end_lineno,
                 "kind": type(node).__name__}
        if isinstance(node, ast.ClassDef):
            chunk["name"] = node.name
            chunk["class_line"] = node.lineno
            members = []
            for sub in node.body:
                member = {"start": _first_line(sub), "end": sub.end_lineno,
                          "kind": type(sub).__name__}
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    member["name"] = sub.name
                members.append(member)
            chunk["members"] = members
            classes[node.name] = {
                "chunk": index,
                "line": node.lineno,
                "bases": [_dotted(b) for b in node.bases],
                "own": [m["name"] for m in members
                        if m.get("name", "").startswith("test")],
            }
        chunks.append(chunk)

    def is_testcase(name, seen=()):
        for base in classes[name]["bases"]:
            if base in TESTCASE_BASES:
                return True
            if base in classes and base not in seen:
                if is_testcase(base, seen + (name,)):
                    return True
        return False

    def test_names(name, seen=()):
        names = set(classes[name]["own"])
        for base in classes[name]["bases"]:
            if base in classes and base not in seen:
                names |= test_names(base, seen + (name,))
        return names

    tests = collections.OrderedDict()
    for name in classes:
        if is_testcase(name):
            # unittest's loader runs a class's methods in sorted order.
            tests[name] = sorted(test_names(name))
    return {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),  # reported in --json
        "chunks": chunks,
        "classes": {name: {"chunk": info["chunk"], "line": info["line"]}
                    for name, info in classes.items()},
        "tests": tests,
    }


# ---------------------------------------------------------------------------
# Worker: runs on the interpreter under test.

def _pyver():
    return "%d.%d" % sys.version_info[:2]


def _format_exception_only(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _syntax_message(exc):
    return "does not compile on %s: %s (line %s)" % (
        _pyver(), exc.msg, exc.lineno)


def _padded(lines, start, end, prefix=""):
    """Source of lines start..end (1-based, inclusive) at their own line
    numbers: blank lines in front keep tracebacks, co_firstlineno and
    co_lines() identical to the file's."""
    body = "".join(lines[start - 1:end])
    pad = start - 1 - prefix.count("\n")
    return "\n" * pad + prefix + body


def _compile(text, path):
    return compile(text, path, "exec", dont_inherit=True)


def _compile_class_without(chunk, lines, path):
    """A class that does not compile as a whole: replace the members that do
    not compile on their own by stubs.  Returns (code, {method: message})
    or (None, {})."""
    members = chunk["members"]
    if not members or members[0]["start"] <= chunk["class_line"]:
        return None, {}  # "class X: body" on one line: nothing to split
    bad = []
    for member in members:
        probe = _padded(lines, member["start"], member["end"],
                        prefix="class _probe:\n")
        try:
            _compile(probe, path)
        except SyntaxError as exc:
            bad.append((member, _syntax_message(exc)))
        except (ValueError, MemoryError):
            return None, {}
    if not bad:
        return None, {}
    text = lines[chunk["start"] - 1:chunk["end"]]
    first = chunk["start"]
    stubs = {}
    for member, message in bad:
        first_line = text[member["start"] - first]
        indent = first_line[:len(first_line) - len(first_line.lstrip())]
        for line in range(member["start"], member["end"] + 1):
            text[line - first] = "\n"
        if "name" in member:
            stub = "%sdef %s(self, *args, **kwargs): raise SyntaxError(%r)\n" % (
                indent, member["name"], message)
            stubs[member["name"]] = message
        else:
            stub = indent + "pass\n"
        text[member["start"] - first] = stub
    source = "\n" * (first - 1) + "".join(text)
    try:
        return _compile(source, path), stubs
    except SyntaxError:
        return None, {}


def load_suite(manifest, path):
    """Execute the suite statement by statement in a fresh module.

    Returns (namespace, chunk_errors, not_compiled) where chunk_errors maps a
    chunk index to a message and not_compiled maps (class, method) to one."""
    import types
    with open(path, "rb") as f:
        data = f.read()
    encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    lines = data.decode(encoding).splitlines(True)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = path
    module.__package__ = "test"
    sys.modules[MODULE_NAME] = module
    namespace = module.__dict__
    chunk_errors = {}
    not_compiled = {}
    for index, chunk in enumerate(manifest["chunks"]):
        text = _padded(lines, chunk["start"], chunk["end"])
        stubs = {}
        try:
            code = _compile(text, path)
        except SyntaxError as exc:
            message = _syntax_message(exc)
            code = None
            if chunk["kind"] == "ClassDef":
                code, stubs = _compile_class_without(chunk, lines, path)
            if code is None:
                chunk_errors[index] = message
                continue
        try:
            exec(code, namespace)
        except BaseException as exc:  # SkipTest and SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            chunk_errors[index] = "statement at line %d failed on %s: %s" % (
                chunk["start"], _pyver(), _format_exception_only(exc))
            continue
        if stubs:
            cls = namespace.get(chunk["name"])
            for name, message in stubs.items():
                not_compiled[(chunk["name"], name)] = message
                func = getattr(cls, name, None)
                if func is not None:
                    func.__conformance_not_compiled__ = message
    return namespace, chunk_errors, not_compiled


def _event_bits(monitoring):
    bits = []
    for name in dir(monitoring.events):
        value = getattr(monitoring.events, name)
        if (isinstance(value, int) and value > 0
                and value & (value - 1) == 0 and value not in bits):
            bits.append(value)
    return sorted(bits)


def _live_code_objects(namespace=None):
    """Code objects of the functions and methods in namespace (of every live
    function when None), nested ones included."""
    import gc
    import types
    if namespace is None:
        roots = [obj for obj in gc.get_objects()
                 if isinstance(obj, types.FunctionType)]
    else:
        roots = []
        for value in list(namespace.values()):
            if isinstance(value, type):
                for attr in list(vars(value).values()):
                    roots.append(getattr(attr, "__func__", attr))
            else:
                roots.append(value)
        roots = [obj for obj in roots if isinstance(obj, types.FunctionType)]
    found = {}
    stack = [obj.__code__ for obj in roots]
    while stack:
        code = stack.pop()
        if id(code) in found:
            continue
        found[id(code)] = code
        stack.extend(c for c in code.co_consts
                     if isinstance(c, types.CodeType))
    return list(found.values())


def reset_monitoring(namespace, deep):
    """Leave every tool unused, with no events and no callbacks, and turn
    legacy tracing off.  Returns a list of problems met (normally empty).

    Natively, local events can only be cleared code object by code object:
    those of the suite's functions always, those of every live function
    when deep."""
    monitoring = sys.monitoring
    problems = []
    bits = _event_bits(monitoring)
    codes = None
    for tool in range(6):
        try:
            if hasattr(monitoring, "clear_tool_id"):
                # The backport: events, local events and callbacks in one go.
                if monitoring.get_tool(tool) is None:
                    monitoring.use_tool_id(tool, "conformance reset")
                monitoring.clear_tool_id(tool)
            else:
                if monitoring.get_tool(tool) is None:
                    monitoring.use_tool_id(tool, "conformance reset")
                monitoring.set_events(tool, 0)
                if codes is None:
                    codes = _live_code_objects(None if deep else namespace)
                for code in codes:
                    if monitoring.get_local_events(tool, code):
                        monitoring.set_local_events(tool, code, 0)
                for bit in bits:
                    monitoring.register_callback(tool, bit, None)
            monitoring.free_tool_id(tool)
        except Exception as exc:
            problems.append("tool %d: %s" % (tool, _format_exception_only(exc)))
    try:
        monitoring.restart_events()
    except Exception as exc:
        problems.append("restart_events: " + _format_exception_only(exc))
    sys.settrace(None)
    sys.setprofile(None)
    import threading as _threading
    _threading.settrace(None)
    _threading.setprofile(None)
    return problems


def _outcome(result):
    """Map a unittest.TestResult holding one test to (outcome, message)."""
    def describe(pairs):
        texts = []
        for test, text in pairs:
            # A subtest's traceback does not name it; its description does.
            if type(test).__name__ == "_SubTest":
                text = "[subtest %s]\n%s" % (test._subDescription(), text)
            texts.append(text)
        return texts

    errors = describe(result.errors)
    failures = describe(result.failures)
    if result.unexpectedSuccesses:
        failures.append("unexpected success (the test is marked "
                        "expectedFailure)")
    if errors:
        return ERROR, "\n".join(errors + failures)
    if failures:
        return FAIL, "\n".join(failures)
    if result.skipped:
        return SKIP, "; ".join(reason for _, reason in result.skipped)
    return PASS, ""


def _runtime_only_tests(namespace, manifest, unittest):
    """Tests the loader finds at run time that the manifest does not list
    (made by code rather than by a def); the driver runs them too."""
    extra = []
    loader = unittest.TestLoader()
    for name, obj in list(namespace.items()):
        if (isinstance(obj, type) and issubclass(obj, unittest.TestCase)
                and obj.__module__ == MODULE_NAME and name == obj.__name__):
            known = set(manifest["tests"].get(name, ()))
            extra.extend("%s.%s" % (name, method)
                         for method in loader.getTestCaseNames(obj)
                         if method not in known)
    return extra


def worker_main(config_path):
    with open(config_path) as f:
        config = json.load(f)
    out = open(config["results"], "a")

    def emit(record):
        out.write(json.dumps(record) + "\n")
        out.flush()

    import faulthandler
    faulthandler.enable()
    sys.path.insert(0, config["src"])
    try:
        import pep669
        pep669.install()
        if sys.monitoring is not pep669.monitoring:
            raise RuntimeError("pep669.install() did not set sys.monitoring")
    except BaseException:
        emit({"event": "fatal",
              "message": "pep669 does not load:\n" + traceback.format_exc()})
        return 3
    sys.path.insert(0, CONFORMANCE_DIR)
    sys.dont_write_bytecode = True  # no __pycache__ in tests/conformance
    import shims
    import unittest
    suite_path = config["suite"]
    shims.apply(os.path.dirname(suite_path), config["src"])
    if config.get("testcapi"):
        # The suite's _testcapi helpers, from pep669.h's test extension
        # (built for this interpreter on first use, then cached).
        try:
            sys.path.insert(0, os.path.join(ROOT, "tests", "capi"))
            import build
            sys.modules["_testcapi"] = build.import_testcapi()
        except BaseException:
            emit({"event": "fatal",
                  "message": "the C API test extension does not build:\n" +
                  traceback.format_exc()})
            return 3
    manifest = config["manifest"]
    started = time.time()
    namespace, chunk_errors, not_compiled = load_suite(manifest, suite_path)
    class_name = config["class"]
    cls = namespace.get(class_name)
    emit({"event": "loaded", "load_time": time.time() - started,
          "chunk_errors": {str(k): v for k, v in chunk_errors.items()},
          "extra": _runtime_only_tests(namespace, manifest, unittest)})
    # Nothing from the load may leak into the first test.
    reset_monitoring(namespace, deep=False)

    class_error = None
    if cls is None:
        index = manifest["classes"][class_name]["chunk"]
        class_error = chunk_errors.get(
            index, "class %s is not defined at run time" % class_name)
    timeout = config["timeout"]
    names = [t.split(".", 1)[1] for t in config["tests"]]
    for name in names:
        test_id = class_name + "." + name
        emit({"event": "start", "test": test_id})
        begin = time.time()
        message = not_compiled.get((class_name, name))
        if class_error is not None:
            outcome, message = ERROR, class_error
        elif message is not None:
            outcome = ERROR
        elif not hasattr(cls, name):
            outcome, message = ERROR, "no test %s at run time" % test_id
        elif getattr(getattr(cls, name), "__conformance_not_compiled__", None):
            outcome = ERROR
            message = getattr(cls, name).__conformance_not_compiled__
        else:
            result = unittest.TestResult()
            faulthandler.dump_traceback_later(timeout, exit=True)
            try:
                # A suite of one, so setUpClass/setUpModule run as usual.
                unittest.TestSuite([cls(name)]).run(result)
            finally:
                faulthandler.cancel_dump_traceback_later()
            outcome, message = _outcome(result)
        problems = reset_monitoring(namespace,
                                    deep=outcome not in (PASS, SKIP))
        record = {"event": "end", "test": test_id, "outcome": outcome,
                  "message": message, "time": round(time.time() - begin, 3)}
        if problems:
            record["reset_problems"] = problems
        emit(record)
    emit({"event": "done"})
    out.close()
    return 0


# ---------------------------------------------------------------------------
# Driver.

class Interpreter(object):
    def __init__(self, executable, version, stdlib):
        self.executable = executable
        self.version = version                  # "3.8.18"
        self.short = ".".join(version.split(".")[:2])
        self.stdlib = stdlib


_INTERPRETERS = {}


def _pyenv_roots():
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    roots.append(os.path.expanduser("~/.pyenv"))
    return roots


def _version_key(path):
    match = re.search(r"/(\d+)\.(\d+)\.(\d+)[^/]*/bin/", path)
    return tuple(int(x) for x in match.groups()) if match else (0, 0, 0)


def find_interpreter(spec):
    """An Interpreter for "3.10" or for a path, or None."""
    if spec in _INTERPRETERS:
        return _INTERPRETERS[spec]
    candidates = []
    if os.sep in spec:
        candidates.append(spec)
    else:
        for root in _pyenv_roots():
            found = glob.glob(os.path.join(
                root, "versions", spec + ".*", "bin", "python" + spec))
            candidates.extend(sorted(found, key=_version_key, reverse=True))
        which = shutil.which("python" + spec)
        if which:
            candidates.append(which)
    for executable in candidates:
        try:
            output = subprocess.check_output(
                [executable, "-c",
                 "import platform, sysconfig; print(platform.python_version());"
                 "print(sysconfig.get_paths()['stdlib'])"],
                stderr=subprocess.DEVNULL, universal_newlines=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        version, stdlib = output.split("\n")[:2]
        interp = Interpreter(executable, version, stdlib)
        if os.sep in spec or interp.short == spec:
            _INTERPRETERS[spec] = interp
            return interp
    _INTERPRETERS[spec] = None
    return None


class Suite(object):
    def __init__(self, label, path):
        self.label = label
        self.path = path
        self.manifest = None


def find_suite(spec):
    """A Suite for "3.12" (from that interpreter's stdlib) or for a path."""
    if os.path.isfile(spec):
        path = os.path.abspath(spec)
        match = re.search(r"python(\d+\.\d+)", path)
        label = match.group(1) if match else os.path.splitext(
            os.path.basename(path))[0]
        return Suite(label, path)
    interp = find_interpreter(spec)
    if interp is None:
        return None
    path = os.path.join(interp.stdlib, "test", SUITE_NAME)
    if not os.path.exists(path):
        return None
    return Suite(spec, path)


def manifest_for(suite):
    """The suite's manifest, from the newest parser at hand (this
    interpreter's own only when no 3.13 or 3.12 is found)."""
    if suite.manifest is not None:
        return suite.manifest
    for spec in ("3.13", "3.12"):
        interp = find_interpreter(spec)
        if interp is None:
            continue
        try:
            output = subprocess.check_output(
                [interp.executable, os.path.abspath(__file__), "--manifest",
                 suite.path], universal_newlines=True)
        except subprocess.CalledProcessError:
            continue
        suite.manifest = json.loads(output)
        return suite.manifest
    try:
        suite.manifest = build_manifest(suite.path)
        return suite.manifest
    except SyntaxError:
        pass
    raise SystemExit("conformance: no interpreter here can parse " + suite.path)


def expected_path(suite, interp):
    return os.path.join(EXPECTED_DIR, "%s-py%s.txt" % (suite.label, interp.short))


def read_expected(path):
    """test id -> reason, in file order."""
    entries = collections.OrderedDict()
    if not os.path.exists(path):
        return entries
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test_id, _, reason = line.partition("#")
            entries[test_id.strip()] = reason.strip() or TODO
    return entries


def write_expected(path, suite, interp, entries):
    """Entries grouped by reason: permanent and missing-feature reasons in
    alphabetical order, then BUG entries, then TODO ones."""
    groups = collections.OrderedDict()
    for test_id in sorted(entries):
        groups.setdefault(entries[test_id], []).append(test_id)
    order = sorted(groups, key=lambda r: (r == TODO, r.startswith("BUG"), r))
    width = max([len(t) for t in entries] + [0]) + 2
    out = [
        "# Expected failures of CPython %s's %s on Python %s." % (
            suite.label, SUITE_NAME, interp.short),
        "# One test per line: `Class.test_method  # reason`.  Maintained by",
        "# `python tools/conformance.py --update`; reasons are written by hand",
        "# (see docs/conformance.md).  The list may only shrink.",
    ]
    for reason in order:
        out.append("")
        for test_id in groups[reason]:
            out.append("%s# %s" % (test_id.ljust(width), reason))
    if not os.path.isdir(EXPECTED_DIR):
        os.makedirs(EXPECTED_DIR)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def _tail(text, lines=12):
    text = text.rstrip()
    parts = text.splitlines()
    if len(parts) > lines:
        parts = ["..."] + parts[-lines:]
    return "\n".join(parts)


def _preflight(interp, src):
    """None if pep669 loads on interp, else why not."""
    code = ("import sys; sys.path.insert(0, %r); import pep669; "
            "pep669.install(); sys.monitoring.events.PY_START" % src)
    proc = subprocess.run([interp.executable, "-c", code],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if proc.returncode:
        return "pep669 does not load on %s:\n%s" % (
            interp.version, _tail(proc.stdout))
    return None


def run_class(interp, suite, class_name, tests, options):
    """Run tests of one class; crashes restart a worker on the remainder.

    Returns (results, info) where results maps test id to a dict with
    outcome, message and time."""
    results = collections.OrderedDict()
    info = {"chunk_errors": {}, "processes": 0, "extra": []}
    remaining = list(tests)
    tmpdir = tempfile.mkdtemp(prefix="conformance-")
    try:
        while remaining:
            info["processes"] += 1
            config_path = os.path.join(tmpdir, "config.json")
            results_path = os.path.join(tmpdir, "results.jsonl")
            stderr_path = os.path.join(tmpdir, "stderr.txt")
            for p in (results_path,):
                if os.path.exists(p):
                    os.remove(p)
            with open(config_path, "w") as f:
                json.dump({"suite": suite.path, "manifest": suite.manifest,
                           "class": class_name, "tests": remaining,
                           "results": results_path, "src": options.src,
                           "timeout": options.timeout,
                           "testcapi": uses_testcapi(suite, interp)}, f)
            budget = options.timeout * (len(remaining) + 1) + 60
            with open(stderr_path, "w") as err:
                proc = subprocess.Popen(
                    [interp.executable, "-X", "faulthandler",
                     os.path.abspath(__file__), "--worker", config_path],
                    stdout=err, stderr=subprocess.STDOUT, cwd=tmpdir)
                killed = False
                try:
                    proc.wait(timeout=budget)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    killed = True
            with open(stderr_path, errors="replace") as f:
                stderr = f.read()
            records = []
            if os.path.exists(results_path):
                with open(results_path) as f:
                    for line in f:
                        try:
                            records.append(json.loads(line))
                        except ValueError:
                            break  # a line cut short by a crash
            current = None
            progress = 0
            fatal = None
            done = False
            for record in records:
                event = record["event"]
                if event == "fatal":
                    fatal = record["message"]
                elif event == "loaded":
                    info["chunk_errors"] = record["chunk_errors"]
                    info["extra"] = record["extra"]
                elif event == "done":
                    done = True
                elif event == "start":
                    current = record["test"]
                elif event == "end":
                    results[record["test"]] = record
                    current = None
                    progress += 1
                    if record.get("reset_problems"):
                        info.setdefault("reset_problems", {})[
                            record["test"]] = record["reset_problems"]
            if current is not None:
                if killed or "Timeout (" in stderr:
                    why = "timed out after %s s" % options.timeout
                elif proc.returncode < 0:
                    why = "crashed the interpreter (signal %d)" % (
                        -proc.returncode)
                else:
                    why = "ended the worker (exit status %d)" % proc.returncode
                results[current] = {"test": current, "outcome": ERROR,
                                    "message": "the test %s\n%s" % (
                                        why, _tail(stderr)),
                                    "time": None}
                progress += 1
            if done and proc.returncode != 0:
                info.setdefault("exit_problems", []).append(
                    "worker for %s exited with status %s after its last test:\n%s"
                    % (class_name, proc.returncode, _tail(stderr)))
            remaining = [t for t in remaining if t not in results]
            if remaining and (progress == 0 or proc.returncode == 0):
                why = fatal or "the worker (exit status %s) ran none of them:\n%s" % (
                    proc.returncode, _tail(stderr))
                for test_id in remaining:
                    results[test_id] = {"test": test_id, "outcome": ERROR,
                                        "message": why, "time": None}
                remaining = []
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return results, info


class PairResult(object):
    def __init__(self, suite, interp):
        self.suite = suite
        self.interp = interp
        self.results = collections.OrderedDict()
        self.harness_error = None
        self.chunk_errors = {}
        self.reset_problems = {}
        self.exit_problems = []
        self.extra = []
        self.seconds = 0.0
        self.processes = 0
        self.expected = collections.OrderedDict()
        self.unexpected_failures = []
        self.unexpected_passes = []
        self.unexpected_skips = []
        self.stale = []
        self.todo = []

    @property
    def name(self):
        return "%s-py%s" % (self.suite.label, self.interp.short)

    def count(self, *outcomes):
        return sum(1 for r in self.results.values()
                   if r["outcome"] in outcomes)

    def compare(self, selected):
        """Check against the expected list; selected(test_id) says whether a
        test was asked for (-k)."""
        self.expected = read_expected(expected_path(self.suite, self.interp))
        for test_id, result in self.results.items():
            outcome = result["outcome"]
            listed = test_id in self.expected
            if outcome in (FAIL, ERROR) and not listed:
                self.unexpected_failures.append(test_id)
            elif outcome == PASS and listed:
                self.unexpected_passes.append(test_id)
            elif outcome == SKIP and listed:
                self.unexpected_skips.append(test_id)
        known = set(self.extra)
        only = classes_for(self.suite, self.interp)
        for class_name, methods in self.suite.manifest["tests"].items():
            if only is not None and class_name not in only:
                continue
            known.update("%s.%s" % (class_name, m) for m in methods)
        for test_id, reason in self.expected.items():
            if not selected(test_id):
                continue
            if test_id not in known:
                self.stale.append(test_id)
            elif reason == TODO:
                self.todo.append(test_id)

    @property
    def ok(self):
        return not (self.harness_error or self.unexpected_failures or
                    self.unexpected_passes or self.unexpected_skips or
                    self.stale or self.todo)

    def to_json(self):
        return {
            "suite": self.suite.label, "suite_path": self.suite.path,
            "suite_sha256": self.suite.manifest["sha256"],
            "python": self.interp.version, "executable": self.interp.executable,
            "expected_file": os.path.relpath(
                expected_path(self.suite, self.interp), ROOT),
            "seconds": round(self.seconds, 1), "processes": self.processes,
            "harness_error": self.harness_error,
            "counts": {"passed": self.count(PASS), "failed": self.count(FAIL),
                       "errors": self.count(ERROR), "skipped": self.count(SKIP),
                       "expected_failures": sum(
                           1 for t in self.expected if t in self.results)},
            "unexpected_failures": self.unexpected_failures,
            "unexpected_passes": self.unexpected_passes,
            "unexpected_skips": self.unexpected_skips,
            "stale_entries": self.stale, "todo_entries": self.todo,
            "chunk_errors": self.chunk_errors,
            "reset_problems": self.reset_problems,
            "exit_problems": self.exit_problems,
            "tests": [dict(r, expected=self.expected.get(t))
                      for t, r in self.results.items()],
        }


def uses_testcapi(suite, interp):
    """Whether the suite's C API tests run through tests/capi's extension:
    the 3.13 suite on an interpreter without the native C API."""
    return suite.label == "3.13" and interp.short != "3.13"


def classes_for(suite, interp):
    """The classes of the suite to run on `interp` (None: all)."""
    if suite.label == "3.13" and interp.short == CAPI_PYTHON:
        return CAPI_CLASSES
    return None


def run_pair(suite, interp, options, selected, pool):
    pair = PairResult(suite, interp)
    started = time.time()
    pair.harness_error = _preflight(interp, options.src)
    tests_by_class = collections.OrderedDict()
    only = classes_for(suite, interp)
    for class_name, methods in suite.manifest["tests"].items():
        if only is not None and class_name not in only:
            continue
        ids = ["%s.%s" % (class_name, m) for m in methods]
        ids = [t for t in ids if selected(t)]
        if ids:
            tests_by_class[class_name] = ids
    if pair.harness_error:
        for ids in tests_by_class.values():
            for test_id in ids:
                pair.results[test_id] = {"test": test_id, "outcome": ERROR,
                                         "message": pair.harness_error,
                                         "time": None}
        pair.seconds = time.time() - started
        return pair
    def run(groups):
        jobs = [(name, pool.submit(run_class, interp, suite, name, ids,
                                   options))
                for name, ids in groups.items()]
        extra = []
        for class_name, job in jobs:
            results, info = job.result()
            for test_id in groups[class_name]:
                pair.results[test_id] = results[test_id]
            extra.extend(t for t in info["extra"] if t not in extra)
            pair.chunk_errors.update(info["chunk_errors"])
            pair.reset_problems.update(info.get("reset_problems", {}))
            pair.exit_problems.extend(info.get("exit_problems", []))
            pair.processes += info["processes"]
        return extra

    extra = run(tests_by_class)
    # Tests that only exist at run time: a second round, once.
    extra_by_class = collections.OrderedDict()
    for test_id in extra:
        if selected(test_id) and test_id not in pair.results:
            extra_by_class.setdefault(test_id.split(".")[0], []).append(
                test_id)
            pair.extra.append(test_id)
    if extra_by_class:
        run(extra_by_class)
    pair.seconds = time.time() - started
    return pair


def _indent(text, prefix="        "):
    return "\n".join(prefix + line for line in text.splitlines())


def report(pair, verbose):
    p = pair
    print("== %s suite on Python %s: %d passed, %d failed, %d errors, "
          "%d skipped  [%d tests, %.1f s, %d processes]" % (
              p.suite.label, p.interp.version, p.count(PASS), p.count(FAIL),
              p.count(ERROR), p.count(SKIP), len(p.results), p.seconds,
              p.processes))
    if p.harness_error:
        print("   HARNESS ERROR\n" + _indent(p.harness_error))
        return
    listed = sum(1 for t in p.expected if t in p.results)
    print("   expected failures: %d listed in %s" % (
        listed, os.path.relpath(expected_path(p.suite, p.interp), ROOT)))
    if verbose:
        for index, message in sorted(p.chunk_errors.items(),
                                     key=lambda kv: int(kv[0])):
            print("   statement #%s: %s" % (index, message))
    if p.extra:
        print("   tests found only at run time: " + ", ".join(p.extra))
    for test_id in p.unexpected_failures:
        result = p.results[test_id]
        print("   UNEXPECTED %s  %s" % (result["outcome"].upper(), test_id))
        print(_indent(_tail(result["message"], 8 if not verbose else 60)))
    for test_id in p.unexpected_passes:
        print("   UNEXPECTED PASS   %s  (listed: %s)" % (
            test_id, p.expected[test_id]))
    for test_id in p.unexpected_skips:
        print("   UNEXPECTED SKIP   %s  (%s; listed: %s)" % (
            test_id, p.results[test_id]["message"], p.expected[test_id]))
    for test_id in p.stale:
        print("   STALE ENTRY       %s  (no such test in the suite)" % test_id)
    if p.todo:
        print("   %d entries still have the placeholder reason %s: %s" % (
            len(p.todo), TODO, ", ".join(p.todo)))
    for test_id, problems in p.reset_problems.items():
        print("   warning: reset after %s: %s" % (test_id, "; ".join(problems)))
    for problem in p.exit_problems:
        print("   warning: " + _indent(problem, "   ").lstrip())
    if verbose:
        for test_id, result in p.results.items():
            note = ""
            if test_id in p.expected:
                note = "  # " + p.expected[test_id]
            print("   %-5s %s%s" % (result["outcome"], test_id, note))


def update_lists(pairs, selected, full_run):
    for p in pairs:
        if p.harness_error:
            print("conformance: not updating %s (harness error)" % p.name)
            continue
        path = expected_path(p.suite, p.interp)
        old = read_expected(path)
        new = collections.OrderedDict()
        for test_id, reason in old.items():
            # Entries for tests that were not run this time stay as they are.
            if not selected(test_id) and test_id not in p.results:
                new[test_id] = reason
        for test_id, result in p.results.items():
            if result["outcome"] in (FAIL, ERROR):
                new[test_id] = old.get(test_id, TODO)
        if new or os.path.exists(path):
            write_expected(path, p.suite, p.interp, new)
        added = [t for t in new if t not in old]
        removed = [t for t in old if t not in new]
        print("conformance: %s: %d entries (%d added with reason %s, "
              "%d removed)" % (os.path.relpath(path, ROOT), len(new),
                               len(added), TODO, len(removed)))
    if full_run:
        update_tables(pairs)


def _table_rows(text):
    rows = collections.OrderedDict()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.match(r"^\d+\.\d+$", cells[0]) and \
                re.match(r"^\d+\.\d+", cells[1]):
            short = ".".join(cells[1].split(".")[:2])
            rows[(cells[0], short)] = line
    return rows


def update_tables(pairs):
    """Rewrite the pass-count table between the markers in docs/conformance.md
    (and in README.md, where the markers have been put)."""
    for path in (DOCS_FILE, README_FILE):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        if TABLE_START not in text or TABLE_END not in text:
            continue
        head, rest = text.split(TABLE_START, 1)
        table, tail = rest.split(TABLE_END, 1)
        rows = _table_rows(table)
        for p in pairs:
            if p.harness_error:
                continue
            total = len(p.results)
            rows[(p.suite.label, p.interp.short)] = (
                "| %s | %s | %d | %d | %d | %d |" % (
                    p.suite.label, p.interp.version, total, p.count(PASS),
                    p.count(FAIL, ERROR), p.count(SKIP)))

        def key(item):
            suite, py = item[0]
            return (tuple(int(x) for x in suite.split(".")),
                    tuple(int(x) for x in py.split(".")[:2]))

        lines = ["", "", "| suite | Python | tests | passed | failed | skipped |",
                 "|---|---|---|---|---|---|"]
        lines.extend(line for _, line in sorted(rows.items(), key=key))
        lines.extend(["", ""])
        with open(path, "w") as f:
            f.write(head + TABLE_START + "\n".join(lines) + TABLE_END + tail)
        print("conformance: pass counts updated in %s" % os.path.relpath(
            path, ROOT))


def selftest(options):
    """Run the synthetic suite on every interpreter at hand and check that
    each test gets the outcome the runner promises."""
    suite = Suite("selftest", SELFTEST_SUITE)
    manifest_for(suite)
    options.timeout = min(options.timeout, 3.0)
    wrong = 0
    checked = 0
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        for spec in options.python or SELFTEST_PYTHONS:
            interp = find_interpreter(spec)
            if interp is None:
                print("selftest: Python %s not found, skipped" % spec)
                continue
            pair = run_pair(suite, interp, options, lambda t: True, pool)
            problems = []
            if pair.harness_error:
                problems.append("harness error: " + pair.harness_error)
            if pair.extra != ["Dynamic.test_added_at_run_time"]:
                problems.append("tests found only at run time: %r" % pair.extra)
            for test_id, expected in sorted(SELFTEST_EXPECTED.items()):
                if callable(expected):
                    expected = expected(interp.short)
                result = pair.results.get(test_id)
                checked += 1
                if result is None:
                    problems.append("%s: no result" % test_id)
                elif result["outcome"] != expected[0] or \
                        expected[1] not in result["message"]:
                    problems.append("%s: got %s, want %s containing %r:\n%s" % (
                        test_id, result["outcome"], expected[0], expected[1],
                        _indent(_tail(result["message"], 6))))
            for test_id in pair.results:
                if test_id not in SELFTEST_EXPECTED:
                    problems.append("%s: not expected" % test_id)
            wrong += len(problems)
            print("selftest on Python %s: %s  [%.1f s]" % (
                interp.version, "ok" if not problems else
                "%d problems" % len(problems), pair.seconds))
            for problem in problems:
                print("   " + problem)
    print("conformance selftest: %d checked, %d wrong" % (checked, wrong))
    return 1 if wrong or not checked else 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run CPython's test_monitoring.py against pep669.")
    parser.add_argument("--suite", action="append", metavar="VER|PATH",
                        help="suite to run: 3.12, 3.13 or a path to a "
                             "test_monitoring.py (default: 3.12 and 3.13)")
    parser.add_argument("--python", action="append", metavar="VER|PATH",
                        help="interpreter under test (default: 3.8 to 3.11)")
    parser.add_argument("--native", action="store_true",
                        help="run 3.12 and 3.13 on their own suites, and the "
                             "3.12 suite on 3.13 (validates the runner)")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose id contains this substring")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected-failure lists (and the "
                             "pass-count table) from this run")
    parser.add_argument("--json", metavar="FILE",
                        help="write the results as JSON ('-' for stdout)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds per test (default 60)")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="worker processes at a time (default 1)")
    parser.add_argument("--src", default=SRC_DIR,
                        help="directory holding the pep669 package "
                             "(default: this checkout's src/)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--selftest", action="store_true",
                        help="check the runner itself on a synthetic suite "
                             "(crash, hang, syntax, isolation) on 3.8-3.13")
    parser.add_argument("--manifest", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--worker", metavar="CONFIG", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    if options.worker:
        return worker_main(options.worker)
    if options.manifest:
        json.dump(build_manifest(os.path.abspath(options.manifest)),
                  sys.stdout)
        return 0
    options.src = os.path.abspath(options.src)
    if options.selftest:
        return selftest(options)
    json_out = sys.stdout
    if options.json == "-":
        # JSON alone on stdout; the report goes to stderr.
        sys.stdout = sys.stderr
    try:
        return _run(options, parser, json_out)
    finally:
        sys.stdout = json_out


def _run(options, parser, json_out):

    if options.native:
        if options.suite or options.python:
            parser.error("--native chooses its own --suite and --python")
        wanted = list(NATIVE_PAIRS)
    else:
        suites = options.suite or list(SUITE_VERSIONS)
        pythons = options.python or list(OLD_PYTHONS)
        wanted = [(s, p) for s in suites for p in pythons]
        if not options.suite and not options.python:
            wanted.append(("3.13", CAPI_PYTHON))

    def selected(test_id):
        return not options.patterns or any(k in test_id
                                           for k in options.patterns)

    pairs_to_run = []
    suites = {}
    missing = []
    for suite_spec, py_spec in wanted:
        if suite_spec not in suites:
            suites[suite_spec] = find_suite(suite_spec)
        suite = suites[suite_spec]
        interp = find_interpreter(py_spec)
        if suite is None:
            missing.append("suite " + suite_spec)
        elif interp is None:
            missing.append("Python " + py_spec)
        else:
            pairs_to_run.append((suite, interp))
    for what in sorted(set(missing)):
        print("conformance: %s not found, skipped" % what)
    if not pairs_to_run:
        print("conformance: nothing to run")
        print("conformance: 0 passed, 0 failed")
        return 2

    from concurrent.futures import ThreadPoolExecutor
    pairs = []
    started = time.time()
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        for suite, interp in pairs_to_run:
            manifest_for(suite)
            pair = run_pair(suite, interp, options, selected, pool)
            pair.compare(selected)
            pairs.append(pair)
            report(pair, options.verbose)
            sys.stdout.flush()

    full_run = not options.patterns
    if options.update:
        update_lists(pairs, selected, full_run)
        for pair in pairs:
            pair.unexpected_failures = []
            pair.unexpected_passes = []
            pair.unexpected_skips = []
            pair.stale = []
            pair.todo = []
            pair.compare(selected)

    if options.json:
        data = {"seconds": round(time.time() - started, 1),
                "ok": all(p.ok for p in pairs),
                "pairs": [p.to_json() for p in pairs]}
        if options.json == "-":
            json.dump(data, json_out, indent=1)
            json_out.write("\n")
        else:
            with open(options.json, "w") as f:
                json.dump(data, f, indent=1)

    passed = sum(p.count(PASS) for p in pairs)
    failed = sum(p.count(FAIL, ERROR) for p in pairs)
    skipped = sum(p.count(SKIP) for p in pairs)
    unexpected = sum(len(p.unexpected_failures) for p in pairs)
    upasses = sum(len(p.unexpected_passes) + len(p.unexpected_skips)
                  for p in pairs)
    other = sum(len(p.stale) + len(p.todo) + bool(p.harness_error)
                for p in pairs)
    print("conformance: %d passed, %d failed, %d skipped, "
          "%d unexpected failures, %d unexpected passes, %d list problems "
          "[%.0f s]" % (passed, failed, skipped, unexpected, upasses, other,
                        time.time() - started))
    return 0 if all(p.ok for p in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
