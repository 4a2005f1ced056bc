"""The ``python -m pep669`` command line.

Every tool here is written against the public monitoring API only
(``pep669.monitoring``, which is ``sys.monitoring`` on 3.12+), so the same
code runs on every supported interpreter and doubles as an example for tool
authors.

Commands:
    events   run a script and log its execution events
"""

import argparse
import builtins
import fnmatch
import io
import os
import reprlib
import sys
import sysconfig
from _thread import get_ident

import pep669

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

    def __init__(self, directory=None, file_globs=(), function_names=()):
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
        elif self.directory is not None:
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
        label = "%-9s " % name
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


def _wait_for_threads():
    """Join the non-daemon threads, as the interpreter does at exit."""
    threading = sys.modules.get("threading")
    if threading is None:
        return
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon and thread.is_alive():
            thread.join()


def _exit_code(exc, stderr):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        stderr.write(str(code) + "\n")
        stderr.flush()
    except Exception:
        pass
    return 1


def run_script(path, args, tool):
    """Run *path* as ``__main__`` with ``sys.argv = [path] + args``.

    *tool* has ``start()`` and ``stop()``, called right around the script's
    own code so that none of this function's work is monitored.  Returns the
    exit code the interpreter would give.
    """
    stderr = sys.stderr
    abspath = os.path.abspath(path)
    try:
        with io.open_code(abspath) as f:
            source = f.read()
    except OSError as exc:
        stderr.write("%s: can't open file %r: [Errno %s] %s\n"
                     % (PROG, path, exc.errno, exc.strerror))
        return 2
    try:
        code = compile(source, abspath, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        sys.excepthook(type(exc), exc, None)
        return 1

    import importlib.machinery
    import types
    module = types.ModuleType("__main__")
    module.__file__ = abspath
    module.__builtins__ = builtins
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__",
                                                             abspath)
    module.__cached__ = None

    saved_argv = sys.argv
    saved_path0 = sys.path[0] if sys.path else None
    saved_main = sys.modules.get("__main__")
    sys.argv = [path] + list(args)
    if sys.path:
        sys.path[0] = os.path.dirname(abspath)
    else:
        sys.path.append(os.path.dirname(abspath))
    sys.modules["__main__"] = module
    error = None
    try:
        tool.start()
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            error = exc
        finally:
            try:
                _wait_for_threads()
            finally:
                tool.stop()
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None:
            sys.path[0] = saved_path0
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    if error is None:
        return 0
    if isinstance(error, SystemExit):
        return _exit_code(error, stderr)
    # Hide this function's frame: the traceback starts in the script.
    tb = error.__traceback__
    if tb is not None and tb.tb_frame.f_code is run_script.__code__:
        tb = tb.tb_next
    sys.excepthook(type(error), error.with_traceback(tb), tb)
    return 1


# -- the command line -----------------------------------------------------

def _build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tools built on PEP 669 monitoring (sys.monitoring), "
                    "the same on CPython 3.8-3.13.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands")
    events = commands.add_parser(
        "events", help="run a script and log its execution events",
        description="Run SCRIPT as __main__ and log one line per event: "
                    "event, function, file:line, @offset and the event's "
                    "extra argument.  By default the frame events of the "
                    "code in SCRIPT's directory are logged, indented by "
                    "call depth.",
        epilog="Events: " + ", ".join(
            event_names(pep669.monitoring)) + ".  The exit code is "
            "the script's.")
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
    events.add_argument("script", metavar="SCRIPT", help="the program to run")
    events.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="its arguments")
    return parser


def _cmd_events(options):
    monitoring = pep669.install()
    if options.events:
        selected = _parse_event_list(monitoring, options.events)
    else:
        selected = list(FRAME_EVENTS)
    if options.tool_id is not None and not 0 <= options.tool_id <= 5:
        raise UsageError("--tool-id must be between 0 and 5")
    if options.repr_limit < 0:
        raise UsageError("--repr-limit must not be negative")
    script_dir = os.path.dirname(os.path.abspath(options.script))
    code_filter = CodeFilter(
        directory=None if options.all else script_dir,
        file_globs=options.file, function_names=options.function)

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
                         base_dir=script_dir, offsets=options.offsets,
                         indent=options.indent,
                         repr_limit=options.repr_limit,
                         tool_id=options.tool_id)
    try:
        return run_script(options.script, options.args, logger)
    finally:
        if output is not None:
            output.close()
        else:
            try:
                sys.stderr.flush()
            except Exception:
                pass


def main(argv=None):
    """Entry point of ``python -m pep669``; returns the exit code."""
    parser = _build_parser()
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if options.command == "events":
            return _cmd_events(options)
    except UsageError as exc:
        parser.exit(2, "%s: error: %s\n" % (PROG, exc))
    raise AssertionError(options.command)
