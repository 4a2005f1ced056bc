"""The ``python -m pep669`` command line.

Every tool here is written against the public monitoring API only
(``pep669.monitoring``, which is ``sys.monitoring`` on 3.12+), so the same
code runs on every supported interpreter and doubles as an example for tool
authors.

Commands:
    run      run a program with sys.monitoring installed
    events   run a program and log its execution events
"""

import argparse
import fnmatch
import os
import reprlib
import sys
import sysconfig
from _thread import get_ident

import pep669
from pep669 import _run

PROG = "python -m pep669"

FRAME_EVENTS = ("PY_START", "PY_RESUME", "PY_THROW",
                "PY_RETURN", "PY_YIELD", "PY_UNWIND")

# Frame events move the call depth used for indentation: these enter a
# frame (start it, or resume it), the others leave it.
_ENTERING = frozenset(["PY_START", "PY_RESUME", "PY_THROW"])
_LEAVING = frozenset(["PY_RETURN", "PY_YIELD", "PY_UNWIND"])

# Local events: returning DISABLE from their callback switches the event off
# for that one code location, which is how code outside the filter stops
# costing anything.  Other events refuse DISABLE (C_RETURN and C_RAISE
# included, although they follow CALL).
_DISABLEABLE = frozenset([
    "PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "CALL", "LINE",
    "INSTRUCTION", "JUMP", "BRANCH", "BRANCH_LEFT", "BRANCH_RIGHT",
    "STOP_ITERATION",
])

# Names for the arguments each event passes after (code, offset).
_EXTRA_NAMES = {
    "PY_RETURN": ("retval",),
    "PY_YIELD": ("value",),
    "CALL": ("callable", "arg0"),
    "C_RETURN": ("callable", "arg0"),
    "C_RAISE": ("callable", "arg0"),
    "JUMP": ("to",),
    "BRANCH": ("to",),
    "BRANCH_LEFT": ("to",),
    "BRANCH_RIGHT": ("to",),
}
_EXCEPTION_EVENTS = ("PY_THROW", "PY_UNWIND", "RAISE", "RERAISE",
                     "EXCEPTION_HANDLED", "STOP_ITERATION")
for _name in _EXCEPTION_EVENTS:
    _EXTRA_NAMES[_name] = ("exc",)
del _name

# Preferred tool ids, best first: the debugger slot, then ids that no
# well-known tool claims, then the rest.
_TOOL_PREFERENCE = (0, 3, 4, 1, 2, 5)
TOOL_NAME = "pep669 events"


class UsageError(Exception):
    """Bad command-line input found after argument parsing."""


def event_names(monitoring):
    """Names of the events of *monitoring*, in bit order."""
    names = []
    for name in dir(monitoring.events):
        value = getattr(monitoring.events, name)
        if name.isupper() and isinstance(value, int) and value > 0 and \
                value & (value - 1) == 0:
            names.append((value, name))
    return [name for _, name in sorted(names)]


def _parse_event_list(monitoring, texts):
    known = event_names(monitoring)
    chosen = []
    for text in texts:
        for item in text.split(","):
            item = item.strip().upper()
            if not item:
                continue
            if item not in known:
                raise UsageError("unknown event %r (choose from %s)"
                                 % (item, ", ".join(known)))
            if item not in chosen:
                chosen.append(item)
    if not chosen:
        raise UsageError("--events needs at least one event name")
    return chosen


_CONTAINERS = (tuple, list, dict, set, frozenset)


def _short_repr(value, limit, missing):
    """repr() cut to *limit* characters, without building huge reprs."""
    if value is missing:
        return "MISSING"
    try:
        if not limit:
            text = repr(value)
        elif type(value) in (str, bytes):
            text = repr(value[:limit])
        elif type(value) in _CONTAINERS:
            shortener = reprlib.Repr()
            shortener.maxstring = shortener.maxother = limit
            text = shortener.repr(value)
        else:
            text = repr(value)
    except Exception:
        text = object.__repr__(value)
    if limit and len(text) > limit:
        text = text[:max(limit - 3, 1)] + "..."
    return text


def _under(path, directory):
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


class CodeFilter:
    """Decides which code objects are shown, by file and function name."""

    def __init__(self, directory=None, file_globs=(), function_names=(),
                 also_files=()):
        # also_files: file names shown besides the directory ("<string>"
        # for -c).
        self.also_files = frozenset(also_files)
        self.directory = os.path.normcase(os.path.abspath(directory)) \
            if directory else None
        self.file_globs = list(file_globs)
        self.function_names = list(function_names)

    def matches(self, code, shown_path, qualname=None):
        filename = code.co_filename
        if self.file_globs:
            candidates = (filename, shown_path, os.path.basename(filename))
            if not any(fnmatch.fnmatch(c, g)
                       for g in self.file_globs for c in candidates):
                return False
        elif self.directory is not None and filename not in self.also_files:
            if filename.startswith("<"):
                return False
            path = os.path.normcase(os.path.abspath(filename))
            if not _under(path, self.directory):
                return False
        if self.function_names:
            names = (code.co_name, qualname or code.co_name)
            if not any(fnmatch.fnmatchcase(n, p)
                       for p in self.function_names for n in names):
                return False
        return True


class _CodeInfo:
    __slots__ = ("code", "shown", "qualname", "path", "lines")

    def __init__(self, code, shown, qualname, path):
        self.code = code          # keeps id(code) from being reused
        self.shown = shown
        self.qualname = qualname
        self.path = path
        self.lines = None


def _line_table(code):
    """Sorted (start, end, line) ranges of *code*'s bytecode."""
    if hasattr(code, "co_lines"):
        table = []
        last = None
        for start, end, line in code.co_lines():
            if line is None:
                line = last
            else:
                last = line
            table.append((start, end, line))
        return table
    import dis
    starts = list(dis.findlinestarts(code))
    table = []
    for i, (start, line) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(code.co_code)
        table.append((start, end, line))
    return table


_CO_OPTIMIZED = 0x1


def _index_qualnames(code, qualname, table):
    """Record the qualified names of the code objects nested in *code*.

    Before 3.11 code objects have no ``co_qualname``; the compiler's rule is
    rebuilt here from the nesting: ``outer.<locals>.inner`` inside a
    function, ``Class.method`` inside a class body, ``name`` at module level.
    """
    if code.co_name == "<module>":
        prefix = ""
    elif code.co_flags & _CO_OPTIMIZED:
        prefix = qualname + ".<locals>."
    else:
        prefix = qualname + "."
    for const in code.co_consts:
        if isinstance(const, type(code)):
            child = prefix + const.co_name
            table[id(const)] = (const, child)
            _index_qualnames(const, child, table)


class EventLogger:
    """A monitoring tool that writes one line per event.

    *selected* are the event names to print.  The frame events are always
    monitored, printed or not, because they keep the call depth used for
    indentation.  Code outside *code_filter* is switched off with DISABLE
    where the event allows it and skipped otherwise.
    """

    def __init__(self, monitoring, write, selected, code_filter,
                 base_dir=None, offsets=True, indent=True, repr_limit=60,
                 tool_id=None):
        self.monitoring = monitoring
        self.write = write
        self.selected = list(selected)
        self.code_filter = code_filter
        self.base_dir = os.path.normcase(os.path.abspath(base_dir)) \
            if base_dir else None
        self.offsets = offsets
        self.indent = indent
        self.repr_limit = repr_limit
        self.requested_tool = tool_id
        # The event column is as wide as the longest name shown.
        self.label_width = max([len(n) for n in self.selected] + [9])
        self.tool = None
        self.failed = None
        self._codes = {}
        self._qualnames = {}
        self._depth = {}
        self._main_thread = get_ident()
        paths = sysconfig.get_paths()
        self._prefixes = []
        for key, label in (("purelib", "<site>"), ("platlib", "<site>"),
                           ("stdlib", "<stdlib>"), ("platstdlib", "<stdlib>")):
            if paths.get(key):
                self._prefixes.append(
                    (os.path.normcase(os.path.abspath(paths[key])), label))

    # -- tool id ---------------------------------------------------------

    def _acquire(self):
        mon = self.monitoring
        if self.requested_tool is not None:
            candidates = [self.requested_tool]
        else:
            candidates = [mon.DEBUGGER_ID]
            candidates += [t for t in _TOOL_PREFERENCE if t not in candidates]
        for tool in candidates:
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, TOOL_NAME)
                return tool
        if self.requested_tool is not None:
            raise UsageError("tool id %d is already in use by %r"
                             % (self.requested_tool,
                                mon.get_tool(self.requested_tool)))
        raise UsageError("every monitoring tool id is already in use")

    def start(self):
        mon = self.monitoring
        wanted = list(FRAME_EVENTS)
        wanted += [name for name in self.selected if name not in wanted]
        self._registered = wanted
        self.tool = self._acquire()
        try:
            mask = 0
            for name in wanted:
                bit = getattr(mon.events, name)
                mon.register_callback(self.tool, bit,
                                      self._make_callback(name))
                mask |= bit
            c_events = mon.events.C_RETURN | mon.events.C_RAISE
            if mask & c_events:
                # C_RETURN and C_RAISE are only accepted together with CALL
                # (without callbacks, the extra ones cost little).
                mask |= c_events | mon.events.CALL
            mon.set_events(self.tool, mask)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        mon = self.monitoring
        if self.tool is None:
            return
        tool, self.tool = self.tool, None
        mon.set_events(tool, 0)
        for name in self._registered:
            mon.register_callback(tool, getattr(mon.events, name), None)
        if hasattr(mon, "clear_tool_id"):
            mon.clear_tool_id(tool)
        mon.free_tool_id(tool)

    # -- formatting ------------------------------------------------------

    def _shown_path(self, filename):
        if filename.startswith("<"):
            return filename
        path = os.path.normcase(os.path.normpath(os.path.abspath(filename)))
        if self.base_dir is not None and _under(path, self.base_dir):
            return os.path.relpath(path, self.base_dir)
        for prefix, label in self._prefixes:
            if _under(path, prefix):
                return label + "/" + os.path.relpath(path, prefix)
        return path

    def _qualname(self, code):
        qualname = getattr(code, "co_qualname", None)
        if qualname is not None:
            return qualname
        known = self._qualnames.get(id(code))
        if known is not None and known[0] is code:
            return known[1]
        if code.co_name == "<module>":
            _index_qualnames(code, "", self._qualnames)
        return code.co_name

    def _info(self, code):
        info = self._codes.get(id(code))
        if info is None or info.code is not code:
            path = self._shown_path(code.co_filename)
            qualname = self._qualname(code)
            info = _CodeInfo(code, self.code_filter.matches(code, path,
                                                            qualname),
                             qualname, path)
            self._codes[id(code)] = info
        return info

    def _line(self, info, offset):
        table = info.lines
        if table is None:
            table = info.lines = _line_table(info.code)
        lo, hi = 0, len(table)
        while lo < hi:
            mid = (lo + hi) // 2
            if table[mid][1] <= offset:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(table) and table[lo][0] <= offset and table[lo][2]:
            return table[lo][2]
        return info.code.co_firstlineno

    def _thread_prefix(self, ident):
        if ident == self._main_thread:
            return ""
        name = "thread %d" % ident
        threading = sys.modules.get("threading")
        # threading._active maps the ids of live threads to their Thread
        # (current_thread() would create a dummy one for foreign threads).
        # Not cached: the ids of finished threads are reused.
        thread = getattr(threading, "_active", {}).get(ident)
        if thread is not None:
            name = thread.name
        return "[%s] " % name

    def _make_callback(self, name):
        show = name in self.selected
        disable = self.monitoring.DISABLE if name in _DISABLEABLE else None
        step = 1 if name in _ENTERING else -1 if name in _LEAVING else 0
        extra_names = _EXTRA_NAMES.get(name, ())
        missing = self.monitoring.MISSING
        label = "%-*s " % (self.label_width, name)
        depths = self._depth
        # Events inside a frame are indented one level under its PY_START;
        # when no frame entry is printed, that level would only be noise.
        shift = 0 if step or _ENTERING.intersection(self.selected) else 1

        def event(code, offset, line, extra):
            info = self._info(code)
            if not info.shown:
                return disable
            ident = get_ident()
            depth = depths.get(ident, 0)
            if step < 0 and depth > 0:
                depth -= 1
                depths[ident] = depth
            if show:
                if line is None:
                    if name == "PY_START":
                        line = code.co_firstlineno
                    else:
                        line = self._line(info, offset)
                parts = [self._thread_prefix(ident),
                         "  " * (depth - shift) if self.indent else "",
                         label, info.qualname, " ", info.path, ":", str(line)]
                if self.offsets and offset is not None:
                    parts.append(" @%d" % offset)
                for key, value in zip(extra_names, extra):
                    parts.append(" %s=%s" % (
                        key, _short_repr(value, self.repr_limit, missing)))
                self._emit("".join(parts))
            if step > 0:
                depths[ident] = depth + 1
            return None

        if name == "LINE":
            def callback(code, line_number):
                return event(code, None, line_number, ())
        else:
            def callback(code, offset, *extra):
                return event(code, offset, None, extra)
        callback.__name__ = "on_" + name.lower()
        return callback

    def _emit(self, text):
        if self.failed is not None:
            return
        try:
            self.write(text + "\n")
        except (OSError, ValueError) as exc:
            # A closed pipe or file: stop logging, let the program finish.
            self.failed = exc
            if self.tool is not None:
                self.monitoring.set_events(self.tool, 0)


# -- the command line -----------------------------------------------------

_TARGET_USAGE = "(-m MODULE | -c CODE | SCRIPT | DIR | ZIP) [ARGS ...]"
_TARGET_HELP = (
    "The program is given as to python: -m MODULE, -c CODE, a script, or "
    "a directory or zip file with __main__.py, then its arguments; "
    "everything after it is the program's.  It runs as under python "
    "(sys.argv, sys.path[0], __main__), and its exit status and "
    "traceback are python's.")

# Options of "events" that take a value: they do not end the options.
_EVENTS_VALUED = ("-o", "--output", "--events", "--file", "--function",
                  "--repr-limit", "--tool-id")


def _add_target_arguments(parser):
    """-m, -c and SCRIPT, for --help: the command line is split before
    argparse sees it (split_command_line), as python splits its own."""
    group = parser.add_argument_group("the program")
    group.add_argument("-m", metavar="MODULE", dest="target_module",
                       help="run library module MODULE as a script")
    group.add_argument("-c", metavar="CODE", dest="target_code",
                       help="run the program passed in as a string")
    group.add_argument("script", metavar="SCRIPT", nargs="?",
                       help="the program: a script, or a directory or zip "
                            "file with __main__.py")
    group.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                       help="its arguments")


def _build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tools built on PEP 669 monitoring (sys.monitoring), "
                    "the same on CPython 3.8-3.13.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands")
    run = commands.add_parser(
        "run", help="run a program with sys.monitoring installed",
        usage="%s run %s" % (PROG, _TARGET_USAGE), allow_abbrev=False,
        description="Run a program with sys.monitoring installed first "
                    "(pep669.install(); on 3.12+ the native one), so that "
                    "tools written for sys.monitoring work unmodified.  "
                    + _TARGET_HELP)
    _add_target_arguments(run)
    events = commands.add_parser(
        "events", help="run a program and log its execution events",
        usage="%s events [options] %s" % (PROG, _TARGET_USAGE),
        allow_abbrev=False,
        description="Run a program and log one line per event: "
                    "event, function, file:line, @offset and the event's "
                    "extra argument.  By default the frame events of the "
                    "code in SCRIPT's directory (for -m and -c: the current "
                    "directory) are logged, indented by call depth.  "
                    + _TARGET_HELP,
        epilog="Events: " + ", ".join(
            event_names(pep669.monitoring)) + ".  The exit code is "
            "the program's.")
    events.add_argument("-o", "--output", metavar="FILE",
                        help="write the log to FILE (default: stderr)")
    events.add_argument("--events", action="append", metavar="LIST",
                        help="comma-separated event names to log (default: "
                             + ",".join(FRAME_EVENTS) + ")")
    events.add_argument("--file", action="append", default=[],
                        metavar="GLOB",
                        help="only code whose file name (full, as shown, or "
                             "base name) matches GLOB, wherever it is; "
                             "repeatable")
    events.add_argument("--function", action="append", default=[],
                        metavar="NAME",
                        help="only code whose name or qualified name matches "
                             "NAME (a glob); repeatable")
    events.add_argument("--all", action="store_true",
                        help="log code from everywhere, the standard library "
                             "included (default: SCRIPT's directory only)")
    events.add_argument("--no-offsets", dest="offsets",
                        action="store_false",
                        help="leave the bytecode offsets out")
    events.add_argument("--no-indent", dest="indent", action="store_false",
                        help="do not indent by call depth")
    events.add_argument("--repr-limit", type=int, default=60, metavar="N",
                        help="truncate argument reprs to N characters "
                             "(0: no limit; default 60)")
    events.add_argument("--tool-id", type=int, metavar="ID",
                        help="monitoring tool id to use (default: "
                             "DEBUGGER_ID, or the first free one)")
    _add_target_arguments(events)
    parser.command_parsers = {"run": run, "events": events}
    return parser


def _cmd_run(options, target):
    pep669.install()
    return _run.run(target)


def _cmd_events(options, target):
    monitoring = pep669.install()
    if options.events:
        selected = _parse_event_list(monitoring, options.events)
    else:
        selected = list(FRAME_EVENTS)
    if options.tool_id is not None and not 0 <= options.tool_id <= 5:
        raise UsageError("--tool-id must be between 0 and 5")
    if options.repr_limit < 0:
        raise UsageError("--repr-limit must not be negative")
    directory = target.directory()
    code_filter = CodeFilter(
        directory=None if options.all else directory,
        file_globs=options.file, function_names=options.function,
        also_files=("<string>",) if target.kind == "code" else ())

    output = None
    if options.output:
        try:
            output = open(options.output, "w", encoding="utf-8",
                          errors="backslashreplace")
        except OSError as exc:
            raise UsageError("cannot write %s: %s"
                             % (options.output, exc.strerror))
        write = output.write
    else:
        write = sys.stderr.write
    logger = EventLogger(monitoring, write, selected, code_filter,
                         base_dir=directory, offsets=options.offsets,
                         indent=options.indent,
                         repr_limit=options.repr_limit,
                         tool_id=options.tool_id)
    try:
        return _run.run(target, logger, wait_for_threads=True)
    finally:
        if output is not None:
            output.close()
        else:
            try:
                sys.stderr.flush()
            except Exception:
                pass


_COMMANDS = {"run": (_cmd_run, ()), "events": (_cmd_events, _EVENTS_VALUED)}


def main(argv=None):
    """Entry point of ``python -m pep669``; returns the exit code.

    After an unhandled KeyboardInterrupt in the program it returns 130 and
    ``pep669._run.interrupted`` is true: ``python -m pep669`` then ends by
    SIGINT, as python does.
    """
    parser = _build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    target = None
    # The command's own options end where the program starts.
    for i, arg in enumerate(argv):
        if arg in _COMMANDS:
            options, target = _run.split_command_line(
                argv[i + 1:], _COMMANDS[arg][1])
            argv = argv[:i + 1] + options
            break
        if not arg.startswith("-"):
            break
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help(sys.stderr)
        return 2
    command = _COMMANDS[options.command][0]
    if target is None:
        parser.command_parsers[options.command].error(
            "the program to run is missing: -m MODULE, -c CODE or SCRIPT")
    try:
        return command(options, target)
    except UsageError as exc:
        parser.exit(2, "%s: error: %s\n" % (PROG, exc))
