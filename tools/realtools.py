#!/usr/bin/env python3
"""Check pep669 against a real tool: coverage.py's sys.monitoring core.

coverage.py (7.x) has a core built on ``sys.monitoring`` ("sysmon",
coverage/sysmon.py) that it uses on CPython 3.12+.  This script runs that
core, unchanged, on CPython 3.8-3.11 with pep669 providing
``sys.monitoring``, and compares what it measures with coverage.py's own C
tracer (CTracer, built on ``sys.settrace``) on the same interpreter, for the
small programs in ``tests/realtools/``, in line and in branch mode.  The
native 3.12/3.13 runs of the same programs show what the sysmon core gives
where ``sys.monitoring`` is CPython's own.

    python3 tools/realtools.py                 # everything (about 12 minutes)
    python3 tools/realtools.py --pythons 3.10,3.12 --suites latest
    python3 tools/realtools.py --no-timing -v  # -v: print every difference
    python3 tools/realtools.py --timing-only --reps 7
    python3 tools/realtools.py --timing-only --callgrind   # repeatable costs

What is needed to make coverage.py use its sysmon core on 3.8-3.11 (done in
the worker, nothing in coverage.py's files is edited):

1. ``pep669.install()`` before coverage is imported: coverage decides
   whether ``sys.monitoring`` exists when ``coverage.env`` is imported
   (``PYBEHAVIOR.pep669 = bool(getattr(sys, "monitoring", None))``) and
   ``coverage.sysmon`` binds ``sys.monitoring`` and ``DISABLE`` at import.
2. ``COVERAGE_CORE=sysmon`` (coverage never picks sysmon by default before
   3.14).
3. 3.8/3.9 only: ``code.co_lines()`` does not exist there (3.10+), and the
   sysmon core calls it in its PY_START callback for every measured code
   object (``bytes_to_lines``).  The worker replaces
   ``coverage.sysmon.bytes_to_lines`` with the same mapping built from
   ``dis.findlinestarts()`` (``co_lnotab``).  Without it every measured
   function raises AttributeError at its first call.
4. Branch mode with coverage 7.10+ only: coverage measures branches with
   sys.monitoring only where ``BRANCH_LEFT``/``BRANCH_RIGHT`` exist
   (``PYBEHAVIOR.branch_right_left``, true on 3.14 only).  pep669 has both
   events, so the worker sets that flag after import.  Native 3.12/3.13 do
   not have the events: there coverage falls back to CTracer and the table
   says n/a.  coverage 7.6.1 (the last release for 3.8) measures branches
   with LINE/PY_* events and needs no flag.  On native 3.12/3.13 the
   worker installs pep669 for the branch runs (3.14's BRANCH_LEFT/RIGHT
   over the native BRANCH event, pep669._native); line runs stay native.

``--reader-fix`` also repairs coverage's own bytecode reader
(coverage/bytecode.py, written for 3.13+ bytecode) where the interpreter is
older, to tell pep669's events from the client's reading of them
(docs/realtools.md, "Porting note"): ``dis.Instruction.jump_target`` and
``line_number`` (3.13's, used by coverage 7.10) from ``argval`` and the line
table on 3.8-3.11, and JUMP_ABSOLUTE counted as an unconditional jump
(``coverage.bytecode.ALWAYS_JUMPS``) on 3.8-3.10.

Coverage versions: suite ``latest`` is the newest coverage.py pip installs
for each interpreter (7.6.1 on 3.8, 7.10.x on 3.9, 7.16.x on 3.10, newer on
3.11+); suite ``7.6.1`` is the same release everywhere, so its 3.8-3.11
results compare one to one with native 3.12/3.13.  They are installed with
pip into ``--deps`` (default /tmp/pep669-realtools), outside the repo.

For every difference the script says which side agrees with the
interpreter's own trace (a ``sys.settrace`` line recorder, and coverage's
pure-Python tracer PyTracer for arcs) and whether native 3.12/3.13 show the
same difference between the same two cores.  Exit status 0 when every
difference is explained by an entry of EXPLAINED below; differences matched
by ENGINE_BUGS (pep669 bugs, see docs/realtools.md) are printed as such and
keep it at 1.  Costs (ratios to no coverage: wall clock, or instruction
counts with --callgrind) are printed as a side result and never asserted.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
PROGRAMS_DIR = os.path.join(ROOT, "tests", "realtools")
WORKLOAD = "workload"
PYENV = os.path.join(
    os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv"), "versions")
VERSIONS = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
NATIVE = ("3.12", "3.13")

SUITES = {
    # name: pip requirement
    "7.6.1": "coverage==7.6.1",
    "latest": "coverage",
}

CORES = ("ctrace", "sysmon", "pytrace")


# ---------------------------------------------------------------------------
# Explained differences.
#
# Each entry explains differences between the sysmon core and CTracer.
# Keys (all optional except "reason"): suite, mode ("line"/"branch"),
# programs, pythons (minor versions like "3.10"), kind ("line", "branch",
# "missing_branch", "status"), items (the exact items), "native": True to
# match only differences that native 3.12 or 3.13 also show for the same
# program, suite and mode (same items).  A difference is explained when
# some entry matches it.

EXPLAINED = [
    {
        "native": True,
        "reason": "native 3.12/3.13 running the same coverage release show the "
                  "same difference between the two cores for this program: it "
                  "is how coverage's sysmon core works, not something pep669 "
                  "adds",
    },
    {
        # coverage 7.6.1 records arcs from consecutive LINE events of a
        # frame.  sys.monitoring (3.12 rules, which pep669 follows) gives no
        # second LINE when a jump stays on the same line, where legacy
        # tracing reports every backward jump: a loop whose body is on its
        # own line's code object misses its (N, N) arc.  Natively that is
        # the generator expression on line 9 of comprehensions.py (explained
        # by the "native" entry).  Before 3.12 list/set/dict comprehensions
        # are such loops too (in their own code objects; PEP 709 inlined
        # them in 3.12), so they miss it as well on 3.8-3.11.
        "mode": "branch", "pythons": ("3.8", "3.9", "3.10", "3.11"),
        "side": "ctrace only", "kind": "branch",
        "programs": ("comprehensions", "conditionals", "threads"),
        "items": [(6, 6), (7, 7), (8, 8), (10, 10), (11, 11), (21, 21),
                  (49, 49), (19, 19)],
        "reason": "coverage 7.6.1's LINE-based arcs: no LINE for a jump back "
                  "to the same line (3.12 rule, native too: the genexpr on "
                  "comprehensions.py:9 misses (9, 9) on native 3.12/3.13); "
                  "before 3.12 list/set/dict comprehensions are such "
                  "one-line loops in their own code objects",
    },
    {
        # Same as above for coverage 7.6.1 on 3.8 in the "latest" suite:
        # the generator expression's own (9, 9) is the native case.
        "mode": "branch", "pythons": ("3.8",), "programs": ("comprehensions",),
        "side": "ctrace only", "items": [(9, 9)],
        "reason": "coverage 7.6.1: the generator expression's one-line loop "
                  "gives no second LINE (3.12 rule); native 3.12/3.13 miss "
                  "(9, 9) the same way with 7.6.1",
    },
    {
        "suite": "latest", "mode": "branch", "pythons": ("3.9",),
        "kind": "status", "match": "jump_target",
        "reason": "coverage 7.10.x (the newest for 3.9) measures branches "
                  "with BRANCH_LEFT/RIGHT only through dis.Instruction."
                  "jump_target, which exists from 3.13 on: its callback "
                  "raises AttributeError (contract 5: the program raises it); "
                  "coverage's own limit, not pep669's",
    },
    {
        # An `if` at the end of a loop body jumps (BRANCH_RIGHT, correct
        # offsets: 26 -> 36 in threads.py's worker) to the JUMP_ABSOLUTE
        # that closes the loop (3.10: no line, or the `if`'s own line).
        # coverage's BranchArcResolver knows only 3.11+'s relative
        # unconditional jumps: it does not follow JUMP_ABSOLUTE and gives
        # no arc.  With --reader-fix (the jump followed to its absolute
        # target) the arcs are CTracer's.
        "suite": "latest", "mode": "branch", "pythons": ("3.10",),
        "side": "ctrace only",
        "programs": ("loops", "threads", "generators"),
        "items": [(32, 31), (10, 9), (39, 38)],
        "reason": "coverage's branch resolver (3.11+ bytecode) does not "
                  "follow 3.10's JUMP_ABSOLUTE back to the loop header; the "
                  "BRANCH event's offsets are the real ones, and with "
                  "--reader-fix (the jump followed) the arcs are CTracer's",
    },
    {
        # --reader-fix on 3.9 (coverage 7.10.7): flatten()'s loop exit
        # jumps to a JUMP_FORWARD to the implicit `return None` that the
        # else arm (line 31) falls into; co_lnotab gives that return line
        # 31.  Reached by the jump it has no line, by falling through it
        # has line 31: a per-instruction line (what coverage's reader
        # takes) cannot be right for both paths.
        "suite": "latest", "mode": "branch", "pythons": ("3.9",),
        "side": "ctrace only", "programs": ("recursion",),
        "items": [(28, -26)],
        "reason": "3.9's co_lnotab gives the return shared by a loop exit "
                  "(jump) and an else arm (fall-through) the else arm's "
                  "line; coverage's reader, even with --reader-fix's "
                  "per-instruction lines, cannot tell the two paths apart "
                  "(the interpreter's line tracing does: by the jump)",
    },
    {
        # coverage 7.17 added sequential arcs from consecutive LINE events
        # (coverage issue 2167); 7.16.2 (the newest for 3.10) lacks them.
        # Checked: coverage 7.16.2 on 3.11 shows exactly these differences,
        # 7.17.3 on 3.11 none.
        # The same for coverage 7.10.7 on 3.9 once --reader-fix lets it run.
        "suite": "latest", "mode": "branch", "pythons": ("3.9", "3.10"),
        "side": "ctrace only", "programs": ("asyncs", "classes"),
        "items": [(29, 30), (29, 31), (50, 53)],
        "reason": "coverage before 7.17 (7.16.2 on 3.10, 7.10.7 on 3.9) "
                  "lacks the fall-through arcs 7.17 added (coverage issue "
                  "2167): `async for` exits and one-line class bodies; "
                  "7.16.2 on 3.11 shows the same, 7.17.3 on 3.11 none",
    },
    {
        # 3.12/3.13 (through pep669._native): a loop's exit (BRANCH_RIGHT
        # to the RETURN_CONST after END_FOR, right offsets) resolves in
        # coverage's reader, written for 3.14 (no RETURN_CONST there), by
        # walking on past the return into the next statement, a line that
        # never ran.  With --reader-fix (RETURN_CONST is a return) the
        # data are CTracer's.
        "suite": "latest", "mode": "branch", "pythons": ("3.12", "3.13"),
        "side": "sysmon only", "programs": ("returns",),
        "items": [8, (5, 8)],
        "reason": "coverage's bytecode reader (3.14) does not know 3.12/"
                  "3.13's RETURN_CONST as a return and walks on into the "
                  "next statement: a line and an arc that never ran; the "
                  "BRANCH_RIGHT event's offsets are the real ones, and with "
                  "--reader-fix the data are CTracer's",
    },
]


# Differences that are pep669 bugs: printed as such, and they keep the exit
# status at 1 until the engine is fixed (then this list must shrink).
ENGINE_BUGS = [
    # Fixed: an exception from a callback fired in a 'line' event was lost
    # on 3.8/3.9 when the frame also had opcode events (SystemError in the
    # 3.9 `latest` branch runs); fixed in fe3d254, docs/realtools.md.
    {
        "pythons": ("3.8", "3.9", "3.10", "3.11"),
        "programs": ("asyncs", "generators"),
        "kind": "line", "side": "ctrace only",
        "reason": "pep669 regression since ab763a3 ('LINE left only at "
                  "exception handlers'): with LINE returning DISABLE, the "
                  "lines a generator or coroutine runs after it resumes are "
                  "not reported when the frame handled an exception before "
                  "suspending (3.8-3.11), or after any `yield from`/`await` "
                  "on 3.11. Reproducers: docs/realtools.md",
    },
]


NATIVE_REFERENCE = {
    "reason": "native 3.12/3.13: CPython's own sys.monitoring, the reference "
              "for what the sysmon core gives",
}


def explain(diff, rules=None):
    for rule in EXPLAINED if rules is None else rules:
        if rule.get("native") and not diff.get("native_same"):
            continue
        if "suite" in rule and rule["suite"] != diff["suite"]:
            continue
        if "mode" in rule and rule["mode"] != diff["mode"]:
            continue
        if "programs" in rule and diff["program"] not in rule["programs"]:
            continue
        if "pythons" in rule and diff["python"] not in rule["pythons"]:
            continue
        if "kind" in rule and rule["kind"] != diff["kind"]:
            continue
        if "match" in rule and rule["match"] not in str(diff["item"]):
            continue
        if "side" in rule and rule["side"] != diff["side"]:
            continue
        if "items" in rule and diff["item"] not in [
                tuple(i) if isinstance(i, list) else i for i in rule["items"]]:
            continue
        return rule
    return None


# ---------------------------------------------------------------------------
# Worker: runs in the interpreter being measured.

NO_FALL_THROUGH = frozenset([
    "JUMP_ABSOLUTE", "JUMP_FORWARD", "RETURN_VALUE", "RAISE_VARARGS",
    "RERAISE"])


def _lnotab_line_map(code, lineless_runs):
    """{offset: line} of every instruction from co_lnotab (3.8/3.9).

    co_lnotab cannot say "no line": the compiler's artificial instructions
    (a loop's exit jump, the implicit ``return None`` after an if/else)
    inherit the line before them.  With `lineless_runs`, a run of
    instructions that only a jump can enter (it follows an instruction that
    does not fall through) and that starts no line maps to None, as 3.10+
    tables say (pep669's LNOTAB_NO_LINE rule for its own LINE events)."""
    import dis
    starts = dict(dis.findlinestarts(code))
    out = {}
    line = None
    lineless = False
    previous = None
    get_instructions = getattr(dis, "_realtools_get_instructions",
                               dis.get_instructions)
    for ins in get_instructions(code):
        if ins.offset in starts:
            lineless = False
            line = starts[ins.offset]
        elif (lineless_runs and previous is not None
                and previous.opname in NO_FALL_THROUGH):
            lineless = True
        out[ins.offset] = None if lineless else line
        previous = ins
    return out


def _lnotab_bytes_to_lines(code):
    """coverage.sysmon.bytes_to_lines without code.co_lines() (3.8/3.9);
    with --reader-fix, artificial instructions have no line."""
    fix = bool(os.environ.get("PEP669_REALTOOLS_READER_FIX"))
    return _lnotab_line_map(code, fix)


def _import_coverage(covdir, core, branch):
    """Import coverage.py for `core`; return (module, list of shims used)."""
    shims = []
    if core in ("ctrace", "sysmon", "pytrace"):
        os.environ["COVERAGE_CORE"] = core
    # 3.12/3.13: pep669's superset (3.14's BRANCH_LEFT/RIGHT) for branch
    # mode only; line mode stays the native reference.
    if core == "sysmon" and (sys.version_info < (3, 12) or
                             (branch and sys.version_info < (3, 14))):
        sys.path.insert(0, SRC)
        import pep669
        pep669.install()
        shims.append("pep669.install()")
    sys.path.insert(0, covdir)
    import coverage
    import coverage.env
    if (shims and (3, 12) <= sys.version_info < (3, 14) and
            not hasattr(coverage.env.PYBEHAVIOR, "branch_right_left")):
        # A coverage release without a BRANCH_LEFT/RIGHT path (7.6.1)
        # stays on the native module (before coverage.sysmon binds it):
        # the run is a native reference.
        import pep669
        sys.monitoring = pep669._native_monitoring
        shims.remove("pep669.install()")
    if core == "sysmon":
        import coverage.sysmon
        if (not hasattr(compile("", "", "exec"), "co_lines")
                and hasattr(coverage.sysmon, "bytes_to_lines")):
            coverage.sysmon.bytes_to_lines = _lnotab_bytes_to_lines
            shims.append("sysmon.bytes_to_lines from co_lnotab")
        beh = coverage.env.PYBEHAVIOR
        if (branch and hasattr(beh, "branch_right_left")
                and not beh.branch_right_left
                and hasattr(sys.monitoring.events, "BRANCH_LEFT")):
            beh.branch_right_left = True
            shims.append("PYBEHAVIOR.branch_right_left = True")
    if (core == "sysmon" and branch and
            os.environ.get("PEP669_REALTOOLS_READER_FIX")):
        shims.extend(_reader_fix())
    return coverage, shims


def _reader_fix():
    """Repair coverage's bytecode reader for pre-3.12 bytecode (what a tool
    must do there; see --reader-fix).  Returns the shims applied."""
    import dis
    import coverage.bytecode as cb
    done = []
    if (sys.version_info < (3, 12) and hasattr(cb, "InstructionWalker") and
            not hasattr(dis.Instruction, "jump_target")):
        jumps = set(dis.hasjrel) | set(dis.hasjabs)
        lines = {}
        keep = []
        original = dis.get_instructions
        dis._realtools_get_instructions = original

        def get_instructions(x, *args, **kwargs):
            # 3.13's Instruction.line_number: the line of every instruction
            # (None: no line); 3.8/3.9: see _lnotab_line_map.
            code = getattr(x, "__code__", x)
            out = list(original(x, *args, **kwargs))
            keep.append(out)
            if sys.version_info < (3, 10):
                by_offset = _lnotab_line_map(code, True)
            else:
                by_offset = {}
                for start, end, line in code.co_lines():
                    for offset in range(start, end, 2):
                        by_offset[offset] = line
            for ins in out:
                lines[id(ins)] = by_offset.get(ins.offset)
            return iter(out)
        dis.Instruction.jump_target = property(
            lambda self: self.argval if self.opcode in jumps else None)
        dis.Instruction.line_number = property(
            lambda self: lines.get(id(self)))
        dis.get_instructions = get_instructions
        done.append("dis.Instruction.jump_target/line_number")
    if ("RETURN_CONST" in dis.opmap and hasattr(cb, "RETURNS")
            and dis.opmap["RETURN_CONST"] not in cb.RETURNS):
        # 3.12/3.13: RETURN_CONST returns (3.14 removed it; coverage's
        # reader, written for 3.14, walks on past it into the next
        # statement's line).
        cb.RETURNS.add(dis.opmap["RETURN_CONST"])
        done.append("RETURN_CONST in coverage.bytecode.RETURNS")
    if "JUMP_ABSOLUTE" not in dis.opmap:
        return done
    absolute = dis.opmap["JUMP_ABSOLUTE"]
    if hasattr(cb, "BranchArcResolver"):
        # coverage 7.16+: resolves (source, destination) pairs on the raw
        # bytes, knowing only 3.11+'s relative unconditional jumps.  A
        # JUMP_ABSOLUTE that starts no new line (3.10's loop-closing jump
        # has no line, or the branch's own) is followed to its (absolute)
        # target first, and the resolver goes on from there.
        resolve = cb.BranchArcResolver.resolve
        unit = 2 if sys.version_info >= (3, 10) else 1

        extended = dis.opmap["EXTENDED_ARG"]
        # Line-less no-ops for the flow that end a try body or handler.
        pass_through = {dis.opmap[n] for n in ("POP_BLOCK", "POP_EXCEPT")
                        if n in dis.opmap}

        def resolve_through_absolute(self, source, dest):
            # A jump's target may be the EXTENDED_ARG before the
            # JUMP_ABSOLUTE (large code objects), and the exit of a try
            # body or handler is a line-less POP_BLOCK or POP_EXCEPT
            # before it (3.8-3.10).
            co_code = self.co_code
            seen = set()
            from_line = self.line_at(source)
            while (0 <= dest < len(co_code) and dest not in seen and
                   self.line_at(dest) in (None, from_line)):
                seen.add(dest)
                at, arg = dest, 0
                while co_code[at] == extended and at + 2 < len(co_code):
                    arg = (arg | co_code[at + 1]) << 8
                    at += 2
                arg |= co_code[at + 1]
                if co_code[at] == absolute:
                    dest = arg * unit
                elif co_code[at] in pass_through and at == dest:
                    dest = at + 2
                else:
                    break
            return resolve(self, source, dest)
        cb.BranchArcResolver.resolve = resolve_through_absolute
        done.append("BranchArcResolver follows line-less JUMP_ABSOLUTE "
                    "(and EXTENDED_ARG, POP_BLOCK/POP_EXCEPT before it)")
    elif hasattr(cb, "ALWAYS_JUMPS") and hasattr(cb, "InstructionWalker"):
        # coverage 7.10: walks dis instructions through jump_target, which
        # the shim above gives as the absolute target.
        cb.ALWAYS_JUMPS.add(absolute)
        done.append("JUMP_ABSOLUTE in coverage.bytecode.ALWAYS_JUMPS")
    return done


def _run_program(code, path):
    import io
    import contextlib
    out = io.StringIO()
    exc = None
    glb = {"__name__": "__main__", "__file__": path}
    with contextlib.redirect_stdout(out):
        try:
            exec(code, glb)
        except BaseException as e:  # the program's own uncaught exception
            exc = "%s: %s" % (type(e).__name__, e)
    return out.getvalue(), exc


def worker(spec):
    path = spec["program"]
    core = spec["core"]
    branch = spec["branch"]
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    result = {"python": "%d.%d" % sys.version_info[:2]}

    if not spec.get("runs", 1):
        # Everything but the program (callgrind's baseline of the process).
        code = compile("", path, "exec")
    if core == "none":
        t0 = time.perf_counter()
        result["stdout"], result["exception"] = _run_program(code, path)
        result["seconds"] = time.perf_counter() - t0
        return result

    if core == "settrace":
        # The interpreter's own line events, as a reference for lines.
        import threading
        lines = set()

        def tracer(frame, event, arg):
            if frame.f_code.co_filename != path:
                return None
            if event == "line":
                lines.add(frame.f_lineno)
            return tracer

        threading.settrace(tracer)
        sys.settrace(tracer)
        try:
            result["stdout"], result["exception"] = _run_program(code, path)
        finally:
            sys.settrace(None)
            threading.settrace(None)
        coverage, _ = _import_coverage(spec["covdir"], "none", False)
        cov = coverage.Coverage(data_file=None, include=[path])
        cov.get_data().add_lines({path: sorted(lines)})
        result["lines"] = sorted(lines)
        result["report"] = _json_report(cov, path)
        return result

    import warnings
    coverage, shims = _import_coverage(spec["covdir"], core, branch)
    result["coverage"] = coverage.__version__
    result["shims"] = shims
    warned = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cov = coverage.Coverage(data_file=None, branch=branch, include=[path])
        t0 = time.perf_counter()
        cov.start()
        try:
            result["stdout"], result["exception"] = _run_program(code, path)
        finally:
            cov.stop()
        result["seconds"] = time.perf_counter() - t0
        warned = [str(w.message) for w in caught]
    result["warnings"] = warned
    result["core"] = cov._collector.tracer_name()
    if spec.get("timing"):
        return result
    data = cov.get_data()
    result["lines"] = sorted(data.lines(path) or [])
    result["arcs"] = sorted(data.arcs(path) or []) if branch else []
    result["report"] = _json_report(cov, path)
    return result


def _json_report(cov, path):
    fd, tmp = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        cov.json_report(morfs=[path], outfile=tmp)
        with open(tmp) as f:
            files = json.load(f)["files"]
    finally:
        os.unlink(tmp)
    (entry,) = files.values()
    keep = ("executed_lines", "missing_lines", "executed_branches",
            "missing_branches")
    return {k: entry[k] for k in keep if k in entry}


# ---------------------------------------------------------------------------
# Driver.

def minor(version):
    return ".".join(version.split(".")[:2])


def python_of(version):
    return os.path.join(PYENV, version, "bin", "python")


def ensure_coverage(version, suite, deps):
    target = os.path.join(deps, "%s-%s" % (suite, minor(version)))
    if not os.path.isdir(os.path.join(target, "coverage")):
        cmd = [python_of(version), "-m", "pip", "install", "-q",
               "--disable-pip-version-check", "--target", target,
               SUITES[suite]]
        print("installing:", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True)
    return target


def run_worker(version, spec, retries=3, prefix=(), extra_env=None):
    env = dict(os.environ)
    env.pop("COVERAGE_CORE", None)
    env.pop("PYTHONPATH", None)
    env.update(extra_env or {})
    cmd = list(prefix) + [python_of(version), os.path.abspath(__file__),
                          "--worker", json.dumps(spec)]
    for attempt in range(retries):
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        if proc.returncode == 0:
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            found = re.findall(r"Collected\s*:\s*(\d+)", proc.stderr)
            if found:
                res["instructions"] = int(found[-1])
            return res
        # The engine may be being rebuilt under us: a failed import of
        # pep669 is retried after a pause.
        if "pep669" in proc.stderr and "Error" in proc.stderr \
                and attempt + 1 < retries:
            time.sleep(20)
            continue
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["?"],
                "stderr": proc.stderr}
    return {"error": ["retries exhausted"]}


def program_paths(selected):
    names = sorted(n[:-3] for n in os.listdir(PROGRAMS_DIR)
                   if n.endswith(".py") and n[:-3] != WORKLOAD)
    if selected:
        names = [n for n in names if n in selected]
    return [(n, os.path.join(PROGRAMS_DIR, n + ".py")) for n in names]


def available_versions(wanted):
    out = []
    for v in VERSIONS:
        if wanted and minor(v) not in wanted:
            continue
        if not os.path.exists(python_of(v)):
            print("skip %s: not installed" % v, file=sys.stderr)
            continue
        if minor(v) not in NATIVE:
            env = dict(os.environ, PYTHONPATH=SRC)
            r = subprocess.run([python_of(v), "-c", "import pep669"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if r.returncode:
                print("skip %s: import pep669 failed: %s" % (
                    v, r.stderr.strip().splitlines()[-1:]), file=sys.stderr)
                continue
        out.append(v)
    return out


def measure(versions, suites, programs, deps, jobs):
    """Run every (python, suite, mode, core, program); return results."""
    tasks = []
    for v in versions:
        for suite in suites:
            covdir = ensure_coverage(v, suite, deps)
            for name, path in programs:
                if suite == suites[0]:
                    tasks.append(((v, None, "line", "settrace", name), {
                        "program": path, "core": "settrace", "branch": False,
                        "covdir": covdir}))
                for mode in ("line", "branch"):
                    for core in CORES:
                        tasks.append(((v, suite, mode, core, name), {
                            "program": path, "core": core,
                            "branch": mode == "branch", "covdir": covdir}))
    results = {}
    done = [0]

    def one(task):
        key, spec = task
        res = run_worker(key[0], spec)
        done[0] += 1
        if done[0] % 50 == 0:
            print("  %d/%d runs" % (done[0], len(tasks)), file=sys.stderr)
        return key, res

    with ThreadPoolExecutor(jobs) as pool:
        for key, res in pool.map(one, tasks):
            results[key] = res
    return results


def _items(report, mode):
    """The comparable items of a JSON report: (kind, item) pairs."""
    out = set()
    for line in report.get("executed_lines", []):
        out.add(("line", line))
    if mode == "branch":
        for arc in report.get("executed_branches", []):
            out.add(("branch", tuple(arc)))
    return out


def raw_diff(results, v, suite, mode, name):
    """Differences sysmon vs ctrace for one run, or a status string."""
    ct = results.get((v, suite, mode, "ctrace", name), {})
    sm = results.get((v, suite, mode, "sysmon", name), {})
    if "error" in ct:
        return "ctrace error: %s" % ct["error"], None
    if "error" in sm:
        return "sysmon error: %s" % sm["error"], None
    if sm.get("core") != "SysMonitor":
        return "n/a", sm
    diffs = []
    a, b = _items(ct["report"], mode), _items(sm["report"], mode)
    if (ct["stdout"], ct["exception"]) != (sm["stdout"], sm["exception"]):
        # The program did not run the same way: its items differ as a
        # consequence, only their number is given.
        what = ("exception %r / %r" % (ct["exception"], sm["exception"])
                if ct["exception"] != sm["exception"] else "output")
        return "different", [("status", "program %s differs under sysmon "
                              "(%d items differ)" % (what, len(a ^ b)),
                              "both")]
    for kind, item in sorted(a - b, key=repr):
        diffs.append((kind, item, "ctrace only"))
    for kind, item in sorted(b - a, key=repr):
        diffs.append((kind, item, "sysmon only"))
    if mode == "line" and ct["lines"] != sm["lines"]:
        for line in sorted(set(ct["lines"]) ^ set(sm["lines"])):
            if ("line", line) not in {(d[0], d[1]) for d in diffs}:
                side = "ctrace only" if line in ct["lines"] else "sysmon only"
                diffs.append(("raw line", line, side))
    return "same" if not diffs else "different", diffs


def truth_side(results, v, suite, mode, name, kind, item):
    """Which core the interpreter's own trace agrees with for one item."""
    if kind in ("line", "raw line"):
        st = results.get((v, None, "line", "settrace", name), {})
        truth = set(st.get("lines", []))
        return item in truth
    if kind == "branch":
        pt = results.get((v, suite, mode, "pytrace", name), {})
        if "report" not in pt:
            return None
        return list(item) in pt["report"].get("executed_branches", [])
    return None


def compare(results, versions, suites, programs):
    rows = []      # (python, suite, mode, counts...)
    diffs = []     # dicts
    natives = [v for v in versions if minor(v) in NATIVE]
    for suite in suites:
        for mode in ("line", "branch"):
            for v in versions:
                counts = {"same": 0, "different": 0, "n/a": 0, "error": 0}
                versions_seen = set()
                through_pep669 = set()
                for name, _ in programs:
                    status, dl = raw_diff(results, v, suite, mode, name)
                    sm = results.get((v, suite, mode, "sysmon", name), {})
                    if "coverage" in sm:
                        versions_seen.add(sm["coverage"])
                    if "pep669.install()" in sm.get("shims", ()):
                        through_pep669.add(name)
                    if status == "n/a":
                        counts["n/a"] += 1
                        continue
                    if status not in ("same", "different"):
                        counts["error"] += 1
                        d = {"python": minor(v), "suite": suite, "mode": mode,
                             "program": name, "kind": "status",
                             "item": status, "side": "", "truth": None,
                             "native_same": False}
                        d["bug"] = explain(d, ENGINE_BUGS)
                        d["explained"] = None if d["bug"] else explain(d)
                        diffs.append(d)
                        continue
                    counts[status] += 1
                    # Native runs of the same coverage release, whichever
                    # suite installed it.
                    native_sets = []
                    # Since pep669._native, the 3.12/3.13 branch runs go
                    # through pep669: only line runs are a native reference.
                    for nv in natives:
                        for nsuite in suites:
                            nsm = results.get((nv, nsuite, mode, "sysmon",
                                               name), {})
                            if (nsm.get("coverage") != sm.get("coverage") or
                                    "pep669.install()" in
                                    nsm.get("shims", ())):
                                continue
                            ns, nd = raw_diff(results, nv, nsuite, mode, name)
                            if ns in ("same", "different"):
                                native_sets.append(
                                    {(x[0], x[1], x[2]) for x in nd})
                    for kind, item, side in dl:
                        d = {"python": minor(v), "suite": suite, "mode": mode,
                             "program": name, "kind": kind, "item": item,
                             "side": side,
                             "truth": truth_side(results, v, suite, mode,
                                                 name, kind, item),
                             "native_same": minor(v) not in NATIVE and any(
                                 (kind, item, side) in s for s in native_sets)}
                        if (minor(v) in NATIVE and "pep669.install()"
                                not in sm.get("shims", ())):
                            d["explained"] = NATIVE_REFERENCE
                        else:
                            d["bug"] = explain(d, ENGINE_BUGS)
                            d["explained"] = (None if d["bug"]
                                              else explain(d))
                        diffs.append(d)
                rows.append((minor(v), suite, mode, counts,
                             ",".join(sorted(versions_seen)) or "-",
                             bool(through_pep669)))
    return rows, diffs


def print_table(rows, programs):
    print("## sysmon core vs CTracer, per interpreter "
          "(%d programs in tests/realtools/)\n" % len(programs))
    print("| python | suite | coverage | mode | same | different | n/a | error |")
    print("|---|---|---|---|---|---|---|---|")
    for py, suite, mode, c, covv, through in rows:
        tag = ""
        if py in NATIVE:
            tag = " (pep669._native)" if through else " (native)"
        print("| %s%s | %s | %s | %s | %d | %d | %d | %d |" % (
            py, tag, suite, covv, mode, c["same"], c["different"], c["n/a"],
            c["error"]))
    print()


def describe_side(d):
    if d["truth"] is None:
        return ""
    holder = d["side"].split()[0]          # which core has the item
    other = "sysmon" if holder == "ctrace" else "ctrace"
    right = holder if d["truth"] else other
    return "; right: %s (interpreter trace %s it)" % (
        right, "has" if d["truth"] else "lacks")


def print_diffs(diffs, verbose):
    unexplained = [d for d in diffs if not d["explained"]]
    explained = [d for d in diffs if d["explained"]]
    bugs = [d for d in unexplained if d.get("bug")]
    print("## Differences: %d, explained %d, known pep669 bugs %d, "
          "unexplained %d\n" % (len(diffs), len(explained), len(bugs),
                                 len(unexplained) - len(bugs)))
    groups = {}
    for d in diffs:
        key = (d["suite"], d["mode"], d["program"], d["kind"], d["item"],
               d["side"])
        groups.setdefault(key, []).append(d)
    reasons_shown = set()
    for key, ds in sorted(groups.items(), key=lambda kv: repr(kv[0])):
        suite, mode, program, kind, item, side = key
        pys = ",".join(sorted({d["python"] for d in ds}))
        d0 = ds[0]
        if d0["explained"] and not verbose:
            continue
        if all(d["explained"] for d in ds):
            mark = "explained"
        elif any(d.get("bug") for d in ds):
            mark = "ENGINE BUG"
        else:
            mark = "UNEXPLAINED"
        print("- [%s] %s/%s %s.py %s %r %s on %s%s%s" % (
            mark, suite, mode, program, kind, item, side, pys,
            describe_side(d0),
            "; same natively" if all(d["native_same"] for d in ds) else ""))
        if d0["explained"]:
            print("    reason: %s" % d0["explained"]["reason"])
        elif d0.get("bug") and id(d0["bug"]) not in reasons_shown:
            reasons_shown.add(id(d0["bug"]))
            print("    %s" % d0["bug"]["reason"])
    if explained and not verbose:
        print("\n(%d explained differences hidden; -v shows them)" % len(explained))
    print()
    return unexplained


def timing(versions, suites, deps, reps, modes):
    """Wall clock of the workload per core, ratios to no coverage."""
    path = os.path.join(PROGRAMS_DIR, WORKLOAD + ".py")
    print("## Cost: tests/realtools/workload.py, best of %d fresh processes "
          "(time from coverage start to stop), ratio to no coverage\n" % reps)
    print("| python | suite | mode | no coverage (ms) | CTracer | sysmon | sysmon / CTracer |")
    print("|---|---|---|---|---|---|---|")
    for suite, v in [(s, v) for s in suites for v in versions]:
        covdir = ensure_coverage(v, suite, deps)
        for mode in modes:
            times = {"none": [], "ctrace": [], "sysmon": []}
            for r in range(reps):
                order = ["none", "ctrace", "sysmon"]
                order = order[r % 3:] + order[:r % 3]
                for core in order:
                    res = run_worker(v, {"program": path, "core": core,
                                         "branch": mode == "branch",
                                         "covdir": covdir, "timing": True})
                    if "error" in res or (
                            core != "none" and res.get("exception")):
                        # Failed, or the program did not run through.
                        times[core] = None
                    elif times[core] is not None:
                        if core == "sysmon" and res.get("core") != "SysMonitor":
                            times[core] = None
                        else:
                            times[core].append(res["seconds"])
            base = min(times["none"]) if times["none"] else None
            cells = []
            for core in ("ctrace", "sysmon"):
                t = times[core]
                cells.append("%.2fx" % (min(t) / base) if t and base else "n/a")
            if times["ctrace"] and times["sysmon"]:
                rel = "%.2f" % (min(times["sysmon"]) / min(times["ctrace"]))
            else:
                rel = "n/a"
            print("| %s%s | %s | %s | %.1f | %s | %s | %s |" % (
                minor(v), " (native)" if minor(v) in NATIVE else "", suite,
                mode,
                base * 1000 if base else float("nan"), cells[0], cells[1], rel))
            sys.stdout.flush()
    print()


def timing_callgrind(versions, suites, deps, modes, scale, jobs):
    """Instruction counts of the workload per core, ratios to no coverage.

    Each cell is the difference between a worker that runs the workload
    and one that does everything else (imports, coverage start and stop)
    without it, so startup cancels out."""
    path = os.path.join(PROGRAMS_DIR, WORKLOAD + ".py")
    prefix = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")
    env = {"REALTOOLS_SCALE": str(scale)}
    tasks = []
    for suite in suites:
        for v in versions:
            covdir = ensure_coverage(v, suite, deps)
            for mode in modes:
                for core in ("none", "ctrace", "sysmon"):
                    for runs in (0, 1):
                        tasks.append(((suite, v, mode, core, runs), {
                            "program": path, "core": core,
                            "branch": mode == "branch", "covdir": covdir,
                            "timing": True, "runs": runs}))

    def one(task):
        key, spec = task
        return key, run_worker(key[1], spec, prefix=prefix, extra_env=env)

    with ThreadPoolExecutor(jobs) as pool:
        res = dict(pool.map(one, tasks))
    print("## Cost in instructions (callgrind): tests/realtools/workload.py "
          "with REALTOOLS_SCALE=%s, ratio to no coverage\n" % scale)
    print("| python | suite | mode | no coverage (M instr.) | CTracer | sysmon | sysmon / CTracer |")
    print("|---|---|---|---|---|---|---|")
    for suite in suites:
        for v in versions:
            for mode in modes:
                cost = {}
                for core in ("none", "ctrace", "sysmon"):
                    r0 = res[(suite, v, mode, core, 0)]
                    r1 = res[(suite, v, mode, core, 1)]
                    ok = ("instructions" in r0 and "instructions" in r1 and
                          not r1.get("exception") and
                          (core != "sysmon" or r1.get("core") == "SysMonitor"))
                    cost[core] = (r1["instructions"] - r0["instructions"]
                                  if ok else None)
                base = cost["none"]
                cells = ["%.2fx" % (cost[c] / base) if cost[c] and base
                         else "n/a" for c in ("ctrace", "sysmon")]
                rel = ("%.2f" % (cost["sysmon"] / cost["ctrace"])
                       if cost["sysmon"] and cost["ctrace"] else "n/a")
                tag = ""
                if minor(v) in NATIVE:
                    through = "pep669.install()" in res[
                        (suite, v, mode, "sysmon", 1)].get("shims", ())
                    tag = " (pep669._native)" if through else " (native)"
                print("| %s%s | %s | %s | %s | %s | %s | %s |" % (
                    minor(v), tag,
                    suite, mode, "%.1f" % (base / 1e6) if base else "n/a",
                    cells[0], cells[1], rel))
    print()


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        print(json.dumps(worker(json.loads(sys.argv[2]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pythons", help="comma-separated minor versions "
                    "(default: 3.8-3.13, those present)")
    ap.add_argument("--suites", default="7.6.1,latest",
                    help="coverage suites: %s" % ",".join(SUITES))
    ap.add_argument("--programs", help="comma-separated program names")
    ap.add_argument("--deps", default="/tmp/pep669-realtools",
                    help="where coverage.py is installed per interpreter")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5, help="timing repetitions")
    ap.add_argument("--timing-suites", default="latest,7.6.1",
                    help="suites to time (default: latest,7.6.1)")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--callgrind", action="store_true",
                    help="cost in instructions (valgrind) instead of wall "
                         "clock: repeatable on a busy machine")
    ap.add_argument("--scale", type=float, default=0.1,
                    help="workload size for --callgrind (default 0.1)")
    ap.add_argument("--timing-only", action="store_true")
    ap.add_argument("--json", help="write all raw results here")
    ap.add_argument("--load", help="compare results written by --json "
                    "instead of running the programs")
    ap.add_argument("--reader-fix", action="store_true",
                    help="repair coverage's bytecode reader for pre-3.12 "
                         "bytecode in branch runs (see the docstring)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print explained differences too")
    args = ap.parse_args()
    if args.reader_fix:
        os.environ["PEP669_REALTOOLS_READER_FIX"] = "1"

    wanted = set(args.pythons.split(",")) if args.pythons else None
    versions = available_versions(wanted)
    suites = args.suites.split(",")
    programs = program_paths(set(args.programs.split(","))
                             if args.programs else None)
    status = 0
    if not args.timing_only:
        if args.load:
            with open(args.load) as f:
                results = {tuple(k): v for k, v in json.load(f)}
        else:
            results = measure(versions, suites, programs, args.deps,
                              args.jobs)
        if args.json:
            with open(args.json, "w") as f:
                json.dump([[list(k), v] for k, v in results.items()], f,
                          indent=1)
        rows, diffs = compare(results, versions, suites, programs)
        print_table(rows, programs)
        shims = {}
        for (v, suite, mode, core, name), res in results.items():
            if core == "sysmon" and res.get("shims"):
                shims.setdefault((minor(v), suite, mode),
                                 set()).update(res["shims"])
        print("## What the sysmon runs needed\n")
        for key in sorted(shims, key=lambda k: (
                tuple(int(x) for x in k[0].split(".")), k[1], k[2])):
            print("- %s %s %s: %s" % (key + (", ".join(sorted(shims[key])),)))
        print()
        unexplained = print_diffs(diffs, args.verbose)
        status = 1 if unexplained else 0
    if not args.no_timing:
        if args.callgrind:
            timing_callgrind(versions, args.timing_suites.split(","),
                             args.deps, ("line", "branch"), args.scale,
                             args.jobs)
        else:
            timing(versions, args.timing_suites.split(","), args.deps,
                   args.reps, ("line", "branch"))
    print("result: %s" % ("all differences explained" if status == 0
                          else "differences that are pep669 bugs or "
                          "unexplained"))
    return status


if __name__ == "__main__":
    sys.exit(main())
