"""Check the engine's layers: every dependency between its files points down.

    python3 tools/check_layers.py [--python 3.10 ...] [-v]

The engine (pep669._monitoring, CPython 3.8-3.11) is built from the sources
``setup.extensions()`` lists.  For each interpreter given (default: every
3.8-3.11 found), every source is compiled to an object with the debug
flags of ``tools/build_ext.py --debug``, and two kinds of edges are read:

- **includes**: ``#include "..."`` of every engine file reached;
- **references**: each relocation of an object against a symbol that
  another engine file defines, placed by the object's line table
  (``objdump -drl``) in the file whose code holds it (a header's inline
  function or a code-carrying header counts as that header), and pointed
  at the file that defines the symbol (``nm -l``).  A symbol declared in a
  *face* header (an interface implemented above it, or the declared entry
  points of a layer, ``FACES``) points at that header instead: calling
  through a declared interface is a dependency on the interface.

Files are grouped into units (``frames.c`` and ``frames.h`` are "frames";
every backend file is "backend"; a face is its own unit) and units into
``LAYERS``, bottom up.  Printed, and a failure unless ``ALLOWED`` lists
the edge (each with why it is still there):

- every **upward** edge (a unit depending on a unit of a higher layer);
- every edge into a **gated** layer from above that does not land on the
  gate's headers (``GATES``: the backends reach the event sources only
  through engine_entry.h);
- every **cycle** among units (allowed edges taken out first);
- every engine file that no layer claims.

Also every engine file (``src/pep669/_core``, the native_*.c files included) over
``MAX_LINES`` lines that ``SIZE_ALLOWED`` does not list.  Stale allowlist
entries (edges or sizes that no longer occur) are named, not failed: empty
the lists as the edges go.  The last line is ``layers: N problems``; the
exit status is 1 if N > 0, 2 if nothing could be checked (no compiler,
objdump or nm, or no 3.8-3.11 interpreter).  tests/test_layers.py runs it
for the interpreter running the tests.  Standard library only.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, "src", "pep669", "_core")
MAX_LINES = 900

# Layers, bottom up: (name, file patterns relative to src/pep669/_core).
LAYERS = [
    ("shims", ["compat.h", "events.h", "check.h"]),
    # Interfaces declared low and implemented above: backend.h (the
    # backends: interpreter internals), monitor.h (the monitoring state the
    # callback loop and the C API act on: monitor_engine.c, native_module.c).
    ("interfaces", ["backend.h", "monitor.h", "frame_access.h"]),
    ("registry", ["registry.[ch]"]),
    ("codedata", ["codedata.[ch]"]),
    ("lineflow", ["lineflow.[ch]", "lineflow_*.[ch]"]),
    ("wanted", ["wanted.[ch]"]),
    ("dispatch", ["dispatch.[ch]", "callbacks.c", "monitor_engine.[ch]"]),
    ("event sources", ["frames.[ch]", "frames_*.[ch]", "trace.[ch]", "probe.[ch]",
                       "probe_*.[ch]", "stack.[ch]", "suspended.[ch]",
                       "record.h",
                       "thread_state.[ch]", "trampoline.[ch]",
                       "trampoline_*.[ch]", "legacy_*.[ch]", "lineno.[ch]",
                       "engine_entry.h"]),
    ("backends", ["backend_py3*.c", "backend_*.h", "backend/*"]),
    ("top", ["module.c", "capi.c"]),
]
# Headers whose declared symbols count as the header's (see above).
FACES = ["backend.h", "monitor.h", "engine_entry.h"]
# layer: (layers above it that are gated, the only units they may reach
# in it).  stack.h: the hook's own stack check, inline in the hook.
GATES = {
    # thread_state: the per-thread struct, whose `trampoline` words are
    # the backend trampoline's own state.
    "event sources": (["backends"], ["engine_entry.h", "stack",
                                     "thread_state"]),
}
# Units that no file of a unit-by-stem name: everything of a backend.
GROUPS = [("backend", ["backend_py3*.c", "backend_*.h", "backend/*"])]

# Known edges that break the rules today, (from unit, to unit): why.
# The lead empties this as the merges of issue 13 remove them.
ALLOWED = {
}

# Engine files over MAX_LINES lines: why they still are.
SIZE_ALLOWED = {
}


# ---------------------------------------------------------------------------
# Files, units and layers

def rel(path):
    return os.path.relpath(os.path.abspath(path), CORE).replace(os.sep, "/")


def matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def layer_of(name):
    """(index, layer name) of an engine file, or None."""
    for index, (layer, patterns) in enumerate(LAYERS):
        if matches(name, patterns):
            return index, layer
    return None


def unit_of(name):
    if name in FACES:
        return name
    for unit, patterns in GROUPS:
        if matches(name, patterns):
            return unit
    base = name.rsplit("/", 1)[-1]
    for suffix in (".c.h", ".c", ".h"):
        if base.endswith(suffix):
            return base[:-len(suffix)]
    return base


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"),
                  text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def resolve_include(name, including, include_dirs):
    for base in [os.path.dirname(including)] + include_dirs:
        path = os.path.normpath(os.path.join(base, name))
        if os.path.exists(path):
            return path
    return None


def engine_file(path):
    """Whether path is a file of the engine (under src/pep669/_core)."""
    return not os.path.relpath(os.path.abspath(path), CORE).startswith("..")


# ---------------------------------------------------------------------------
# The graph

class Graph(object):
    def __init__(self):
        self.files = set()          # engine files reached (rel names)
        self.edges = {}             # (from unit, to unit): set of reasons

    def add(self, src, dst, reason):
        a, b = unit_of(src), unit_of(dst)
        if a != b:
            self.edges.setdefault((a, b), set()).add(reason)

    def units(self):
        return sorted(set(unit_of(f) for f in self.files))


def add_includes(graph, sources, include_dirs):
    todo = [os.path.abspath(s) for s in sources]
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        graph.files.add(rel(path))
        for name in INCLUDE.findall(strip_comments(read(path))):
            target = resolve_include(name, path, include_dirs)
            if target is None or not engine_file(target):
                continue
            graph.add(rel(path), rel(target),
                      "%s includes %s" % (rel(path), rel(target)))
            todo.append(target)


def face_declarations():
    """{symbol: face} for the functions and variables a face declares (at
    the top level of the header: a line that starts with the type)."""
    found = {}
    for face in FACES:
        path = os.path.join(CORE, face)
        if not os.path.exists(path):
            continue
        text = strip_comments(read(path))
        for match in re.finditer(
                r"^(?!static\b|#)[A-Za-z_][^;{}()\n]*?\**\b(pep669_\w+)\s*"
                r"(\(|\[|;)", text, re.M):
            found.setdefault(match.group(1), face)
    return found


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def compile_objects(interp, sources, include_dirs, outdir, cc):
    """Objects of the sources, compiled as build_ext.py --debug does, but
    with the hook's fast paths (-DPEP669_PLAIN_HOOK left out: their edges
    count too)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        from build_ext import debug_flags
    finally:
        sys.path.pop(0)
    flags = ["-c", "-fPIC", "-g", "-std=gnu11", "-UNDEBUG"] + [
        f for f in debug_flags() if f != "-DPEP669_PLAIN_HOOK"]
    incs = ["-I" + d for d in include_dirs] + ["-I" + interp["include"]]
    objects = []
    for source in sources:
        obj = os.path.join(outdir, "%s-%s.o" % (
            interp["tag"], rel(source).replace("/", "_")))
        proc = run(cc + flags + incs + [source, "-o", obj])
        if proc.returncode != 0:
            raise RuntimeError("%s: cannot compile %s:\n%s" % (
                interp["version"], rel(source), proc.stderr[-3000:]))
        objects.append((source, obj))
    return objects


def defined_symbols(obj):
    """{symbol: engine file defining it} of an object (nm -l)."""
    out = run(["nm", "-l", "--defined-only", "--extern-only", obj]).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 3:
            continue
        name = parts[2]
        where = parts[3].rsplit(":", 1)[0] if len(parts) > 3 else None
        found[name] = where
    return found


LINE_MARK = re.compile(r"^(/[^:\s]+):\d+")
RELOC = re.compile(r"^\s+[0-9a-f]+:\s+R_\w+\s+([A-Za-z_][\w.]*)")


def references(obj, source):
    """[(engine file holding the reference, symbol)] of an object: the code
    sections placed by their line table, the others (tables, data) as the
    source's own."""
    found = []
    current = source
    out = run(["objdump", "-drl", "--no-show-raw-insn", obj]).stdout
    for line in out.splitlines():
        mark = LINE_MARK.match(line)
        if mark:
            if engine_file(mark.group(1)):
                current = mark.group(1)
            continue
        reloc = RELOC.match(line)
        if reloc:
            found.append((current, reloc.group(1)))
    out = run(["objdump", "-r", obj]).stdout
    section = None
    for line in out.splitlines():
        head = re.match(r"^RELOCATION RECORDS FOR \[([^\]]+)\]", line)
        if head:
            section = head.group(1)
            continue
        if section is None or section.startswith((".rela.text", ".text",
                                                  ".debug", ".rela.debug",
                                                  ".eh_frame",
                                                  ".rela.eh_frame")):
            continue
        parts = line.split()
        if len(parts) == 3 and re.match(r"^[0-9a-f]+$", parts[0]):
            name = re.split(r"[-+]0x", parts[2])[0]
            found.append((source, name))
    return found


def add_references(graph, objects):
    defined = {}
    for source, obj in objects:
        for name, where in defined_symbols(obj).items():
            if where is None or not engine_file(where):
                where = source
            defined[name] = where
    faces = face_declarations()
    for source, obj in objects:
        for where, name in references(obj, source):
            target = defined.get(name)
            if target is None:
                continue
            face = faces.get(name)
            if face is not None and os.path.exists(os.path.join(CORE, face)):
                graph.add(rel(where), face,
                          "%s uses %s (%s)" % (rel(where), name, face))
                continue
            graph.add(rel(where), rel(target),
                      "%s uses %s (%s)" % (rel(where), name, rel(target)))


# ---------------------------------------------------------------------------
# The checks

def unit_layers(graph):
    """{unit: (index, layer)}; units of files no layer claims are absent."""
    layers = {}
    for name in graph.files:
        found = layer_of(name)
        if found is not None:
            layers.setdefault(unit_of(name), found)
    return layers


def cycles(units, edges):
    """Strongly connected components of more than one unit (Tarjan)."""
    succ = {u: sorted(b for (a, b) in edges if a == u) for u in units}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for u in sorted(units):
        if u not in index:
            visit(u)
    return out


def check(graph):
    """(problems, allowed edges seen, notes): lines to print."""
    problems, used, notes = [], set(), []
    layers = unit_layers(graph)
    for name in sorted(graph.files):
        if layer_of(name) is None:
            problems.append("UNLAYERED %s: no layer of LAYERS claims it"
                            % name)

    def why(edge):
        reasons = sorted(graph.edges[edge])
        text = "; ".join(reasons[:3])
        if len(reasons) > 3:
            text += "; ... (%d more)" % (len(reasons) - 3)
        return text

    for edge in sorted(graph.edges):
        a, b = edge
        if a not in layers or b not in layers:
            continue
        (ia, la), (ib, lb) = layers[a], layers[b]
        kind = None
        if ib > ia:
            kind = "UPWARD %s -> %s (%s below %s)" % (a, b, la, lb)
        elif lb in GATES and ia > ib:
            gated, through = GATES[lb]
            if la in gated and b not in through:
                kind = "SIDE DOOR %s -> %s (%s reaches %s only through %s)" \
                    % (a, b, la, lb, ", ".join(through))
        if kind is None:
            continue
        if edge in ALLOWED:
            used.add(edge)
            notes.append("allowed: %s: %s" % (kind, ALLOWED[edge]))
            continue
        problems.append("%s: %s" % (kind, why(edge)))
    rest = dict((e, r) for e, r in graph.edges.items() if e not in ALLOWED)
    for e in graph.edges:
        if e in ALLOWED:
            used.add(e)
    for comp in cycles(graph.units(), rest):
        inside = sorted(e for e in rest if e[0] in comp and e[1] in comp)
        problems.append("CYCLE %s: %s" % (
            " <-> ".join(comp),
            "; ".join("%s -> %s (%s)" % (a, b, sorted(rest[(a, b)])[0])
                      for a, b in inside)))
    for edge in sorted(set(ALLOWED) - used):
        notes.append("stale: allowed edge %s -> %s no longer occurs: take "
                     "it out of ALLOWED" % edge)
    return problems, notes


def check_sizes():
    problems, notes = [], []
    seen = set()
    for dirpath, _, names in os.walk(CORE):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, errors="replace") as f:
                lines = sum(1 for _ in f)
            short = rel(path)
            if lines <= MAX_LINES:
                continue
            seen.add(short)
            if short in SIZE_ALLOWED:
                notes.append("allowed: SIZE %s: %d lines: %s"
                             % (short, lines, SIZE_ALLOWED[short]))
            else:
                problems.append("SIZE %s: %d lines (over %d)"
                                % (short, lines, MAX_LINES))
    for short in sorted(set(SIZE_ALLOWED) - seen):
        notes.append("stale: %s is no longer over %d lines (or gone): take "
                     "it out of SIZE_ALLOWED" % (short, MAX_LINES))
    return problems, notes


# ---------------------------------------------------------------------------
# Interpreters and the driver

PROBE = ("import json, sys, sysconfig; print(json.dumps({'version': "
         "'%d.%d.%d' % sys.version_info[:3], 'minor': list(sys.version_info"
         "[:2]), 'include': sysconfig.get_paths()['include'], 'cc': "
         "sysconfig.get_config_var('CC')}))")


def interpreter(command):
    try:
        proc = run([command, "-c", PROBE], timeout=60)
        info = json.loads(proc.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    info["command"] = command
    info["tag"] = "py%d%d" % tuple(info["minor"])
    return info


def find_interpreters(specs):
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import runtests
    finally:
        sys.path.pop(0)
    found = []
    for spec in specs or ["3.%d" % m for m in range(8, 12)]:
        match = re.match(r"^3\.(\d+)$", spec)
        candidates = ([spec] if not match else
                      runtests.pyenv_candidates((3, int(match.group(1))))
                      + ["python" + spec])
        for command in candidates:
            info = interpreter(command)
            if info is not None and (not match or info["minor"] == [
                    3, int(match.group(1))]):
                found.append(info)
                break
    return found


def build_graph(interps, verbose=False):
    sys.path.insert(0, ROOT)
    try:
        import setup
    finally:
        sys.path.pop(0)
    include_dirs = [os.path.join(ROOT, d)
                    for d in getattr(setup, "INCLUDE_DIRS", [])]
    graph = Graph()
    scratch = tempfile.mkdtemp(prefix="pep669-layers-")
    try:
        for interp in interps:
            todo = setup.extensions(tuple(interp["minor"]))
            sources = [os.path.join(ROOT, s) for name, srcs in todo
                       if name == "pep669._monitoring" for s in srcs]
            if not sources:
                continue
            cc = (os.environ.get("CC") or interp["cc"] or "cc").split()
            if verbose:
                print("layers: %s, %d sources" % (interp["version"],
                                                   len(sources)))
            add_includes(graph, sources, include_dirs)
            add_references(graph, compile_objects(
                interp, sources, include_dirs, scratch, cc))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return graph


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check that the engine's file dependencies point down.")
    parser.add_argument("--python", action="append", metavar="SPEC",
                        help="a 3.8-3.11 interpreter (version or command); "
                        "repeatable (default: every one found)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print every edge and the allowed ones")
    args = parser.parse_args(argv)
    missing = [t for t in ("objdump", "nm") if shutil.which(t) is None]
    if missing:
        print("layers: cannot check: %s not found" % ", ".join(missing))
        return 2
    interps = [i for i in find_interpreters(args.python)
               if (3, 8) <= tuple(i["minor"]) < (3, 12)]
    if not interps:
        print("layers: cannot check: no CPython 3.8-3.11 interpreter")
        return 2
    try:
        graph = build_graph(interps, args.verbose)
    except (OSError, RuntimeError) as exc:
        print("layers: cannot check: %s" % exc)
        return 2
    problems, notes = check(graph)
    size_problems, size_notes = check_sizes()
    problems += size_problems
    notes += size_notes
    print("layers: %s; %d files, %d units, %d edges" % (
        ", ".join(i["version"] for i in interps), len(graph.files),
        len(graph.units()), len(graph.edges)))
    if args.verbose:
        layers = unit_layers(graph)
        for (a, b) in sorted(graph.edges):
            print("  edge %s [%s] -> %s [%s]" % (
                a, layers.get(a, (0, "?"))[1], b,
                layers.get(b, (0, "?"))[1]))
    for line in notes:
        if args.verbose or line.startswith("stale"):
            print(line)
    for line in problems:
        print(line)
    print("layers: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
