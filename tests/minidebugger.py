"""A small scripted debugger with two backends over one front end.

The front end (``Debugger``) decides where to stop: line breakpoints (with
an optional condition), ``step``, ``next``, ``return``, ``until``,
``continue``, ``jump`` (``frame.f_lineno`` assignment) and exception stops.
It takes its commands from a list and writes a transcript (a list of
strings), so that two runs can be compared line by line.

Two backends deliver the events it needs:

* ``MonitoringBackend`` uses only the ``sys.monitoring`` API (through
  ``pep669.monitoring``): PY_START globally to find code objects that hold
  breakpoints, LINE / PY_RETURN / PY_YIELD set per code object with
  ``set_local_events`` where a stop can happen, DISABLE for every line
  and every PY_START it does not need, ``restart_events()`` after every stop
  (breakpoints or the stepping mode may have changed), PY_UNWIND and RAISE
  globally only while a command needs them.
* ``SettraceBackend`` uses ``sys.settrace``: every debugged frame that could
  stop gets the local trace function.

Both must give the same transcript for the same program and commands; the
tests check that on every interpreter, and ``benchmarks/bench_debugger.py``
compares their speed.

Written for this project from the ``sys.monitoring`` documentation; Python
3.8 syntax, standard library only (plus pep669).
"""

import os
import sys
import threading

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SRC = os.path.join(_ROOT, "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

import pep669  # noqa: E402

monitoring = pep669.monitoring
E = monitoring.events

#: commands that let the program run on; the others are answered at once.
RESUMING = ("step", "next", "return", "until", "continue", "quit")


class TooManyStops(Exception):
    pass


class DebuggerQuit(Exception):
    """Raised into the program by ``quit``."""


class Debugger(object):
    """The front end.

    ``filename``: the file name of the debugged code (code compiled from
    other files is never stopped in).  ``commands``: the scripted answers,
    consumed one per prompt.  ``breaks``: initial breakpoints, a list of
    line numbers or ``(line, condition)`` pairs.  ``stop_exceptions``: stop
    where an exception is raised (or propagates) in debugged code.
    """

    def __init__(self, backend, filename, commands, breaks=(),
                 stop_exceptions=False, max_stops=500):
        self.backend = backend
        self.filename = filename
        self.commands = list(commands)
        self.breaks = {}
        for b in breaks:
            if isinstance(b, tuple):
                self.breaks[b[0]] = b[1]
            else:
                self.breaks[b] = None
        self.stop_exceptions = stop_exceptions
        self.max_stops = max_stops
        self.transcript = []
        self.stops = 0
        self.thread = None
        # stepping state
        self.mode = "continue"
        self.stopframe = None
        self.until_line = 0
        self.detached = False
        self._frame_code = {}

    # -- what the backends ask -----------------------------------------

    def debugged(self, code):
        return code.co_filename == self.filename

    def has_breakpoints(self, code):
        """Whether a breakpoint line is one of ``code``'s own lines."""
        if not self.breaks:
            return False
        lines = self._code_lines(code)
        for line in self.breaks:
            if line in lines:
                return True
        return False

    def _code_lines(self, code):
        try:
            return self._frame_code[code]
        except KeyError:
            pass
        import dis
        lines = set(l for _, l in dis.findlinestarts(code) if l is not None)
        self._frame_code[code] = lines
        return lines

    def below_stopframe(self, frame):
        f = frame.f_back
        stop = self.stopframe
        while f is not None:
            if f is stop:
                return True
            f = f.f_back
        return False

    def line_needed(self, frame, line):
        """Whether a LINE event at ``line`` of ``frame.f_code`` can ever
        stop under the current command (the monitoring backend DISABLEs the
        location otherwise)."""
        if self.detached:
            return False
        if self.mode == "step":
            return True
        if line in self.breaks and line in self._code_lines(frame.f_code):
            return True
        if self.mode in ("next", "until"):
            return frame.f_code is self.stopframe.f_code
        return False

    def codes_of_interest(self):
        """Code objects whose LINE and return events matter (besides
        breakpoints) under the current command."""
        if self.mode in ("next", "until", "return") and not self.detached:
            return [self.stopframe.f_code]
        return []

    # -- events from the backends --------------------------------------

    def on_line(self, frame):
        """A LINE event in debugged code; True if it stopped."""
        if self.detached:
            return False
        line = frame.f_lineno
        reason = None
        if line in self.breaks and self._break_hit(frame, line):
            reason = "break"
        elif self.mode == "step":
            reason = "line"
        elif self.mode == "next":
            if frame is self.stopframe or not self.below_stopframe(frame):
                reason = "line"
        elif self.mode == "until":
            if frame is self.stopframe and line >= self.until_line:
                reason = "line"
        if reason is None:
            return False
        self._stop(reason, frame, "line", None)
        return True

    def on_return(self, frame, value):
        if self.detached:
            return False
        if self.mode == "step":
            pass
        elif self.mode in ("next", "until", "return"):
            if frame is not self.stopframe:
                return False
        else:
            return False
        self._stop("return", frame, "return", value)
        return True

    def on_exception(self, frame, exc):
        if self.detached or not self.stop_exceptions:
            return False
        self._stop("exception", frame, "exception", exc)
        return True

    def _break_hit(self, frame, line):
        if line not in self._code_lines(frame.f_code):
            return False
        cond = self.breaks[line]
        if cond is None:
            return True
        try:
            return bool(eval(cond, frame.f_globals, frame.f_locals))
        except Exception as exc:
            self.transcript.append("condition %r raised %s"
                                   % (cond, type(exc).__name__))
            return True

    # -- stops and commands --------------------------------------------

    def where(self, frame):
        return "%s:%d" % (frame.f_code.co_name, frame.f_lineno)

    def _stop(self, reason, frame, event, arg):
        self.stops += 1
        if self.stops > self.max_stops:
            self.detached = True
            self.backend.detach()
            raise TooManyStops(self.stops)
        text = "%s %s" % (reason, self.where(frame))
        if event == "return":
            text += " -> %r" % (arg,)
        elif event == "exception":
            text += " %s%r" % (type(arg).__name__, arg.args)
        self.transcript.append(text)
        self._prompt(frame, event)

    def _prompt(self, frame, event):
        while True:
            if not self.commands:
                self.transcript.append("(no more commands: detach)")
                self.detached = True
                self.backend.detach()
                return
            cmd = self.commands.pop(0)
            name, _, rest = cmd.partition(" ")
            rest = rest.strip()
            if name == "p":
                try:
                    value = eval(rest, frame.f_globals, frame.f_locals)
                    self.transcript.append("  %s = %r" % (rest, value))
                except Exception as exc:
                    self.transcript.append("  %s: %s: %s" % (
                        rest, type(exc).__name__, exc))
            elif name == "where":
                stack = []
                f = frame
                while f is not None:
                    if self.debugged(f.f_code):
                        stack.append(self.where(f))
                    f = f.f_back
                self.transcript.append("  stack " + " < ".join(stack))
            elif name == "break":
                line, _, cond = rest.partition(" ")
                self.breaks[int(line)] = cond.strip() or None
            elif name == "clear":
                self.breaks.pop(int(rest), None)
            elif name == "exceptions":
                self.stop_exceptions = rest == "on"
            elif name == "set":
                # set NAME EXPR: assign a local of the frame (f_locals
                # writes are not kept before 3.13 outside tracing: only
                # reported here, never relied upon).
                var, _, expr = rest.partition(" ")
                frame.f_locals[var] = eval(expr, frame.f_globals,
                                           frame.f_locals)
            elif name == "jump":
                try:
                    frame.f_lineno = int(rest)
                    self.transcript.append("  jumped to %d" % frame.f_lineno)
                except ValueError as exc:
                    self.transcript.append("  jump refused: %s" % exc)
            elif name in RESUMING:
                self._resume(name, rest, frame, event)
                return
            else:
                raise ValueError("unknown command %r" % cmd)

    def _resume(self, name, rest, frame, event):
        if event == "return" and name in ("next", "until", "return"):
            # the frame is leaving: whatever comes next is in a caller.
            name = "step"
        if name == "quit":
            self.detached = True
            self.backend.detach()
            raise DebuggerQuit()
        self.mode = name
        self.stopframe = frame
        if name == "until":
            self.until_line = int(rest) if rest else frame.f_lineno + 1
        self.backend.resumed(frame)

    # -- running -------------------------------------------------------

    def run(self, code, namespace=None, start="step"):
        """Run the code object ``code`` (compiled from ``self.filename``)
        under the debugger, starting in ``start`` mode ("step" stops at its
        first line, "continue" at the first breakpoint).  Returns the
        transcript."""
        if namespace is None:
            namespace = {"__name__": "__debugged__"}
        self.mode = start
        self.stopframe = None
        self.thread = threading.get_ident()
        self.backend.attach(self)
        try:
            exec(code, namespace)
        except DebuggerQuit:
            self.transcript.append("quit")
        except TooManyStops:
            self.transcript.append("too many stops")
        except BaseException as exc:
            self.transcript.append("program raised %s%r"
                                   % (type(exc).__name__, exc.args))
        finally:
            self.backend.detach()
            self.backend.close()
        self.transcript.append("finished")
        return self.transcript


# ----------------------------------------------------------------------
# sys.monitoring backend

_line_tables = {}


def line_of(code, offset):
    """The line of the instruction at ``offset`` (line starts of ``dis``)."""
    try:
        starts = _line_tables[code]
    except KeyError:
        import dis
        starts = _line_tables[code] = list(dis.findlinestarts(code))
    line = None
    for start, l in starts:
        if start > offset:
            break
        line = l
    return line

class MonitoringBackend(object):
    """Events from ``sys.monitoring`` only."""

    TOOL = monitoring.DEBUGGER_ID
    NAME = "minidebugger"
    RETURNS = E.PY_RETURN | E.PY_YIELD
    #: what a code object where lines may stop gets: LINE, and JUMP for
    #: the backward jumps within one line (a loop on one line, a
    #: comprehension), which legacy tracing reports as a new line.
    LINES = E.LINE | E.JUMP

    def __init__(self):
        self.dbg = None
        self.local_codes = set()
        self.attached = False
        #: lines of debugged code delivered to the LINE callback
        self.lines_seen = []

    def attach(self, dbg):
        self.dbg = dbg
        monitoring.use_tool_id(self.TOOL, self.NAME)
        reg = monitoring.register_callback
        reg(self.TOOL, E.PY_START, self._py_start)
        reg(self.TOOL, E.LINE, self._line)
        reg(self.TOOL, E.JUMP, self._jump)
        reg(self.TOOL, E.PY_RETURN, self._py_return)
        reg(self.TOOL, E.PY_YIELD, self._py_return)
        reg(self.TOOL, E.PY_UNWIND, self._py_unwind)
        reg(self.TOOL, E.RAISE, self._raise)
        self.attached = True
        self._apply(sys._getframe(1))

    def _apply(self, frame):
        """Set the events the current command needs, from ``frame`` (the
        frame where the debugger stopped) outwards."""
        dbg = self.dbg
        glob = E.PY_START
        if dbg.stop_exceptions:
            glob |= E.RAISE
        if dbg.mode == "step":
            glob |= self.LINES | self.RETURNS | E.PY_UNWIND
        elif dbg.mode in ("next", "until", "return"):
            glob |= E.PY_UNWIND
        monitoring.set_events(self.TOOL, glob)
        wanted = {}
        for code in dbg.codes_of_interest():
            wanted[code] = self.LINES | self.RETURNS
        f = frame
        while f is not None:
            if dbg.debugged(f.f_code) and dbg.has_breakpoints(f.f_code):
                wanted[f.f_code] = wanted.get(f.f_code, 0) | self.LINES
            f = f.f_back
        for code in self.local_codes:
            if code not in wanted and dbg.has_breakpoints(code):
                wanted[code] = self.LINES
        for code in self.local_codes:
            if code not in wanted:
                monitoring.set_local_events(self.TOOL, code, 0)
        for code, ev in wanted.items():
            monitoring.set_local_events(self.TOOL, code, ev)
        self.local_codes = set(wanted)
        monitoring.restart_events()

    def resumed(self, frame):
        self._apply(frame)

    def detach(self):
        if not self.attached:
            return
        self.attached = False
        monitoring.set_events(self.TOOL, 0)
        for code in self.local_codes:
            monitoring.set_local_events(self.TOOL, code, 0)
        self.local_codes = set()

    def close(self):
        self.detach()
        for ev in (E.PY_START, E.LINE, E.JUMP, E.PY_RETURN, E.PY_YIELD,
                   E.PY_UNWIND, E.RAISE):
            monitoring.register_callback(self.TOOL, ev, None)
        monitoring.free_tool_id(self.TOOL)

    # callbacks

    def _py_start(self, code, offset):
        dbg = self.dbg
        if (not self.attached or not dbg.debugged(code)
                or not dbg.has_breakpoints(code)):
            return monitoring.DISABLE
        if threading.get_ident() != dbg.thread:
            return None
        ev = monitoring.get_local_events(self.TOOL, code)
        if ev & self.LINES != self.LINES:
            monitoring.set_local_events(self.TOOL, code, ev | self.LINES)
            self.local_codes.add(code)
        return None

    def _line(self, code, line):
        dbg = self.dbg
        if not self.attached or not dbg.debugged(code):
            return monitoring.DISABLE
        if threading.get_ident() != dbg.thread:
            return None
        self.lines_seen.append(line)
        frame = sys._getframe(1)
        if dbg.on_line(frame):
            return None
        if not dbg.line_needed(frame, line):
            return monitoring.DISABLE
        return None

    def _jump(self, code, src, dest):
        dbg = self.dbg
        if not self.attached or not dbg.debugged(code):
            return monitoring.DISABLE
        if dest > src:
            return monitoring.DISABLE
        line = line_of(code, dest)
        if line != line_of(code, src):
            return monitoring.DISABLE
        if threading.get_ident() != dbg.thread:
            return None
        frame = sys._getframe(1)
        if dbg.on_line(frame):
            return None
        if not dbg.line_needed(frame, line):
            return monitoring.DISABLE
        return None

    def _py_return(self, code, offset, value):
        dbg = self.dbg
        if not self.attached or not dbg.debugged(code):
            return monitoring.DISABLE
        if threading.get_ident() != dbg.thread:
            return None
        dbg.on_return(sys._getframe(1), value)
        return None

    def _py_unwind(self, code, offset, exc):
        dbg = self.dbg
        if (not self.attached or not dbg.debugged(code)
                or threading.get_ident() != dbg.thread):
            return None
        dbg.on_return(sys._getframe(1), None)
        return None

    def _raise(self, code, offset, exc):
        dbg = self.dbg
        if (not self.attached or not dbg.debugged(code)
                or threading.get_ident() != dbg.thread):
            return None
        dbg.on_exception(sys._getframe(1), exc)
        return None


# ----------------------------------------------------------------------
# sys.settrace backend

class SettraceBackend(object):
    """Events from ``sys.settrace``: the classic way."""

    def __init__(self):
        self.dbg = None
        self.attached = False

    def attach(self, dbg):
        self.dbg = dbg
        self.attached = True
        sys.settrace(self._global)

    def _wants(self, code):
        dbg = self.dbg
        if not dbg.debugged(code) or dbg.detached:
            return False
        if dbg.mode == "step" or dbg.stop_exceptions:
            return True
        if dbg.has_breakpoints(code):
            return True
        return (dbg.mode in ("next", "until", "return")
                and code is dbg.stopframe.f_code)

    def _global(self, frame, event, arg):
        if not self.attached or not self._wants(frame.f_code):
            return None
        if threading.get_ident() != self.dbg.thread:
            return None
        return self._local

    def _local(self, frame, event, arg):
        if not self.attached:
            return None
        dbg = self.dbg
        if event == "line":
            dbg.on_line(frame)
        elif event == "return":
            dbg.on_return(frame, arg)
        elif event == "exception":
            dbg.on_exception(frame, arg[1])
        return self._local

    def resumed(self, frame):
        # frames already running get the local tracer if they may stop
        f = frame
        while f is not None:
            if self._wants(f.f_code) and f.f_trace is None:
                f.f_trace = self._local
            f = f.f_back

    def detach(self):
        if not self.attached:
            return
        self.attached = False
        sys.settrace(None)

    def close(self):
        self.detach()


BACKENDS = {"monitoring": MonitoringBackend, "settrace": SettraceBackend}


def debug(source, commands, backend="monitoring", breaks=(),
          stop_exceptions=False, start="step", filename="<debugged>"):
    """Compile ``source`` as ``filename``, run it under a fresh debugger
    with ``backend`` and return the transcript."""
    code = compile(source, filename, "exec")
    dbg = Debugger(BACKENDS[backend](), filename, commands, breaks,
                   stop_exceptions)
    return dbg.run(code, start=start)
