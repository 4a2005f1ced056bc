"""Shared helpers for the pep669 test suite.

* ``monitoring``/``events``: ``pep669.monitoring`` (imported from ``src/``),
  which is the native ``sys.monitoring`` on 3.12+.
* ``MonitoringTestCase``: checks before and after every test that no tool
  0-5 is in use, has events or has callbacks, and leaves everything clean.
* ``Recorder``: one callback per event for one tool, recording
  ``(event_name, co_name, *args)`` for the code objects accepted by an
  explicit filter (usually: code compiled from the test module's file).
* ``Layout``: expected offsets computed from the bytecode that actually runs
  (``dis`` of the code object itself), so one expectation holds on every
  interpreter.

Everything here must stay valid Python 3.8 syntax.
"""

import collections
import dis
import gc
import os
import sys
import threading
import unittest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SRC = os.path.join(_ROOT, "src")
# PEP669_TEST_INSTALLED=1: test the pep669 installed in the interpreter
# (a wheel, an sdist install) instead of the in-place build in src/.
if _SRC not in sys.path and not os.environ.get("PEP669_TEST_INSTALLED"):
    sys.path.insert(0, _SRC)

import pep669  # noqa: E402

monitoring = pep669.monitoring
events = monitoring.events

PY = sys.version_info[:2]
TOOL_IDS = tuple(range(6))

#: {bit: name} for every single event of this interpreter's ``events``.
EVENT_NAMES = {}
for _name in dir(events):
    if _name.isupper() and _name != "NO_EVENTS":
        EVENT_NAMES[getattr(events, _name)] = _name
del _name

#: every single-bit event, ascending.
SINGLE_EVENTS = tuple(sorted(EVENT_NAMES))

FRAME_EVENTS = (events.PY_START | events.PY_RESUME | events.PY_RETURN |
                events.PY_YIELD | events.PY_THROW | events.PY_UNWIND)

#: events that cannot be set per code object.
NON_LOCAL_EVENTS = (events.RAISE | events.EXCEPTION_HANDLED |
                    events.PY_UNWIND | events.PY_THROW | events.RERAISE)

HAS_BRANCH_LEFT = hasattr(events, "BRANCH_LEFT")

#: highest valid event bit + 1: native 3.12/3.13 stop at C_RAISE (1<<16);
#: the backport also accepts BRANCH_LEFT (1<<17) and BRANCH_RIGHT (1<<18).
EVENT_LIMIT = (1 << 19) if HAS_BRANCH_LEFT else (1 << 17)

_CLEANUP_NAME = "pep669-tests-cleanup"


def bits(event_set):
    """The single-bit events of an event set, ascending."""
    return [b for b in SINGLE_EVENTS if event_set & b]


# --------------------------------------------------------------------------
# State checks and cleanup

def reset_tool(tool, codes=()):
    """Leave ``tool`` with no name, no events, no callbacks, and no local
    events on ``codes``.

    Native ``free_tool_id`` (3.12/3.13) keeps events and callbacks, so
    everything is cleared explicitly first.
    """
    if monitoring.get_tool(tool) is None:
        monitoring.use_tool_id(tool, _CLEANUP_NAME)
    monitoring.set_events(tool, 0)
    for code in codes:
        monitoring.set_local_events(tool, code, 0)
    for event in SINGLE_EVENTS:
        monitoring.register_callback(tool, event, None)
    monitoring.free_tool_id(tool)


def leftover_state(codes=()):
    """Describe (and remove) every trace of tools 0-5.

    Returns a list of problems: tools in use, global events, callbacks,
    local events on ``codes`` (pairs ``(tool, code)``).  Afterwards every
    tool is clean whatever was found.  Checking callbacks is destructive by
    nature (``register_callback(..., None)`` is the only way to read one),
    which is fine: a leftover callback is a failure and must go anyway.
    """
    problems = []
    for tool in TOOL_IDS:
        name = monitoring.get_tool(tool)
        if name is not None:
            problems.append("tool %d in use (%r)" % (tool, name))
        ev = monitoring.get_events(tool)
        if ev:
            problems.append("tool %d has events %#x" % (tool, ev))
        for code in [c for (t, c) in codes if t == tool]:
            local = monitoring.get_local_events(tool, code)
            if local:
                problems.append("tool %d has local events %#x on %s"
                                % (tool, local, code.co_name))
        for event in SINGLE_EVENTS:
            if monitoring.register_callback(tool, event, None) is not None:
                problems.append("tool %d has a %s callback"
                                % (tool, EVENT_NAMES[event]))
    for event_name, tools in monitoring._all_events().items():
        # bits 6 and 7 are sys.setprofile/sys.settrace on 3.12+.
        if tools & 0x3F:
            problems.append("_all_events() has %s for tools %#x"
                            % (event_name, tools & 0x3F))
    for tool in TOOL_IDS:
        reset_tool(tool, [c for (t, c) in codes if t == tool])
    monitoring.restart_events()
    return problems


class CodeSet(object):
    """(tool, code) pairs by the code object's identity: two copies of the
    same function (compiled twice from one source) are equal code objects,
    and a set of pairs would keep only one of them, leaving the other's
    local events behind at cleanup."""

    def __init__(self):
        self._pairs = {}

    def add(self, pair):
        tool, code = pair
        self._pairs[(tool, id(code))] = pair

    def __iter__(self):
        return iter(list(self._pairs.values()))

    def __len__(self):
        return len(self._pairs)


class MonitoringTestCase(unittest.TestCase):
    """Base class: every test starts and ends with tools 0-5 clean.

    Use ``self.use_tool`` and ``self.set_local_events`` so that cleanup
    knows what to undo; the final check runs after all other cleanups.
    """

    def setUp(self):
        self._local_codes = CodeSet()
        # Suspended generators left in reference cycles by earlier tests
        # would be closed by a collection in the middle of this test (and
        # closing runs their frames): collect now, then not during the test.
        gc.collect()
        if gc.isenabled():
            gc.disable()
            self.addCleanup(gc.enable)
        problems = leftover_state()
        self.addCleanup(self._check_clean_after)
        if problems:
            self.fail("monitoring state not clean before the test: "
                      + "; ".join(problems))

    def _check_clean_after(self):
        problems = leftover_state(self._local_codes)
        if problems:
            self.fail("test left monitoring state behind: "
                      + "; ".join(problems))

    def use_tool(self, tool, name="pep669-tests"):
        monitoring.use_tool_id(tool, name)
        self.addCleanup(self._release_tool, tool)
        return tool

    def _release_tool(self, tool):
        reset_tool(tool, [c for (t, c) in self._local_codes if t == tool])
        monitoring.restart_events()

    def set_local_events(self, tool, code, event_set):
        self._local_codes.add((tool, code))
        monitoring.set_local_events(tool, code, event_set)

    def recorder(self, tool, event_set, code_filter, local_codes=(),
                 name="pep669-tests", **kwargs):
        """Use ``tool``, register a ``Recorder`` for ``event_set`` and set
        the events: globally, or, if ``local_codes`` is given, locally on
        those code objects only.  Everything is undone at cleanup."""
        self.use_tool(tool, name)
        rec = Recorder(tool, event_set, code_filter, **kwargs)
        rec.register()
        if local_codes:
            for code in local_codes:
                self.set_local_events(tool, code, event_set)
        else:
            monitoring.set_events(tool, event_set)
        return rec

    def stop(self, *tools):
        """Switch off global events of ``tools`` (all of 0-5 by default)."""
        for tool in tools or TOOL_IDS:
            if monitoring.get_tool(tool) is not None:
                monitoring.set_events(tool, 0)

    def assertEvents(self, recorder, expected):
        self.assertEqual(recorder.frame_errors, [])
        self.assertEqual(recorder.events(), expected)


# --------------------------------------------------------------------------
# Recording

ExcToken = collections.namedtuple("ExcToken", "type args")


def X(exc_type, *args):
    """Expected form of an exception argument: ``X(ValueError, 'v')``."""
    return ExcToken(exc_type, args)


class _AsyncWrapped(object):
    def __repr__(self):
        return "ASYNC_WRAPPED"


#: what a value yielded by an async generator looks like in a record
#: (PY_YIELD gets CPython's internal ``async_generator_wrapped_value``).
ASYNC_WRAPPED = _AsyncWrapped()


def normalize(value):
    if isinstance(value, BaseException):
        return ExcToken(type(value), value.args)
    if type(value).__name__ == "async_generator_wrapped_value":
        return ASYNC_WRAPPED
    return value


def in_files(*filenames):
    """Code filter: code objects compiled from one of ``filenames``
    (normally the test module's ``__file__``).  Everything else, the
    stdlib, asyncio, unittest, this support module, is ignored."""
    wanted = frozenset(os.path.normcase(os.path.abspath(f))
                       for f in filenames)

    def accept(code, _cache={}):
        fn = code.co_filename
        try:
            return _cache[fn]
        except KeyError:
            ok = _cache[fn] = os.path.normcase(os.path.abspath(fn)) in wanted
            return ok
    return accept


def in_codes(*codes):
    """Code filter: exactly these code objects."""
    ids = frozenset(id(c) for c in codes)
    keep = list(codes)

    def accept(code):
        return id(code) in ids and any(code is c for c in keep)
    return accept


Record = collections.namedtuple(
    "Record", "event code args frame lineno thread")


class Recorder(object):
    """Records the events one tool receives.

    ``code_filter(code) -> bool`` decides which events are kept; callbacks
    for other code return None and record nothing.  For every kept event the
    callback also checks that ``sys._getframe(1)`` (the caller of the
    callback) is a frame running the event's code object; mismatches go to
    ``frame_errors``.

    ``respond(record)``, if given, is called for every kept event and its
    result is the callback's return value (it may raise, or return DISABLE).
    """

    def __init__(self, tool, event_set, code_filter, respond=None):
        self.tool = tool
        self.event_set = event_set
        self.code_filter = code_filter
        self.respond = respond
        self.records = []
        self.frame_errors = []
        self.callbacks = {}
        self._lock = threading.Lock()

    def _make_callback(self, event):
        name = EVENT_NAMES[event]
        code_filter = self.code_filter
        records = self.records
        frame_errors = self.frame_errors

        def callback(code, *args):
            if not code_filter(code):
                return None
            frame = sys._getframe(1)
            if frame.f_code is not code:
                frame_errors.append((name, code.co_name,
                                     frame.f_code.co_name))
            rec = Record(name, code, args, frame, frame.f_lineno,
                         threading.get_ident())
            records.append(rec)
            if self.respond is not None:
                return self.respond(rec)
            return None
        callback.__name__ = "record_" + name
        return callback

    def register(self):
        for event in bits(self.event_set):
            cb = self._make_callback(event)
            self.callbacks[event] = cb
            monitoring.register_callback(self.tool, event, cb)
        return self

    def events(self, *names):
        """Normalized records: ``(event, co_name, arg, ...)``; exceptions
        become ``ExcToken(type, args)``.  With ``names``, only those events."""
        out = []
        for rec in self.records:
            if names and rec.event not in names:
                continue
            out.append((rec.event, rec.code.co_name)
                       + tuple(normalize(a) for a in rec.args))
        return out

    def clear(self):
        del self.records[:]
        del self.frame_errors[:]


# --------------------------------------------------------------------------
# Offsets from the running bytecode

Suspension = collections.namedtuple("Suspension", "yield_ resume throw")


class Layout(object):
    """Expected event offsets for one code object, derived with ``dis``
    from the bytecode the interpreter runs.

    Rules (3.12/3.13 natively; the backport's rules on 3.8-3.11):

    * PY_START: the first RESUME on 3.11+ (not 0 when MAKE_CELL,
      COPY_FREE_VARS or RETURN_GENERATOR come first); 0 on 3.8-3.10.
    * PY_YIELD: the YIELD_VALUE; on 3.8-3.10, ``yield from``/``await``
      suspend at YIELD_FROM, whose offset is used.
    * PY_RESUME: the RESUME after the YIELD_VALUE (3.11+); on 3.8-3.10 the
      instruction after YIELD_VALUE, or the YIELD_FROM itself.
    * PY_THROW: as PY_RESUME (3.13 rule), except 3.12.1, which reports the
      YIELD_VALUE itself.
    * PY_RETURN: the RETURN_VALUE/RETURN_CONST.

    Source lines are given relative to the ``def`` line (``co_firstlineno``)
    because the compiler does not keep source order (3.11+ move exception
    handlers to the end of the code).
    """

    def __init__(self, code):
        self.code = code
        self.instructions = list(dis.get_instructions(code))
        self._index = dict((ins.offset, i)
                           for i, ins in enumerate(self.instructions))
        self._lines = self._compute_lines()

    def _compute_lines(self):
        lines = {}
        if PY >= (3, 11):
            positions = list(self.code.co_positions())
            for ins in self.instructions:
                lines[ins.offset] = positions[ins.offset // 2][0]
        else:
            starts = dict(dis.findlinestarts(self.code))
            current = None
            for ins in self.instructions:
                current = starts.get(ins.offset, current)
                lines[ins.offset] = current
        return lines

    def offsets(self, *opnames):
        return [ins.offset for ins in self.instructions
                if ins.opname in opnames]

    def opname_at(self, offset):
        return self.instructions[self._index[offset]].opname

    def next_offset(self, offset):
        """Offset of the instruction after the one at ``offset``."""
        return self.instructions[self._index[offset] + 1].offset

    def line_of(self, offset):
        """Line of the instruction at ``offset``, relative to ``def``."""
        line = self._lines[offset]
        return None if line is None else line - self.code.co_firstlineno

    def at_line(self, rel_line, *opnames):
        """The single instruction among ``opnames`` on line ``rel_line``."""
        found = [o for o in self.offsets(*opnames)
                 if self.line_of(o) == rel_line]
        if len(found) != 1:
            raise AssertionError("%s: %s on line +%d at %r"
                                 % (self.code.co_name, opnames, rel_line,
                                    found))
        return found[0]

    @property
    def start(self):
        if PY >= (3, 11):
            return self.offsets("RESUME")[0]
        return 0

    @property
    def returns(self):
        return self.offsets("RETURN_VALUE", "RETURN_CONST")

    @property
    def ret(self):
        """The only return instruction of the code."""
        r = self.returns
        if len(r) != 1:
            raise AssertionError("%s has returns at %r"
                                 % (self.code.co_name, r))
        return r[0]

    def ret_of_const(self, value):
        """The return instruction returning the constant ``value``
        (``LOAD_CONST value; RETURN_VALUE`` or ``RETURN_CONST value``).
        Before 3.11 the line table gives an implicit ``return None`` after a
        try statement the line of the last handler, so a line is not enough
        to tell returns apart."""
        found = []
        for i, ins in enumerate(self.instructions):
            if ins.opname == "RETURN_CONST" and ins.argval == value:
                found.append(ins.offset)
            elif (ins.opname == "RETURN_VALUE" and i
                    and self.instructions[i - 1].opname == "LOAD_CONST"
                    and self.instructions[i - 1].argval == value):
                found.append(ins.offset)
        if len(found) != 1:
            raise AssertionError("%s: return %r at %r"
                                 % (self.code.co_name, value, found))
        return found[0]

    def ret_at(self, rel_line):
        """The return instruction on line ``rel_line``."""
        return self.at_line(rel_line, "RETURN_VALUE", "RETURN_CONST")

    def _suspension(self, ins):
        if ins.opname == "YIELD_VALUE":
            y = ins.offset
            resume = self.next_offset(y)
            if PY >= (3, 11):
                assert self.opname_at(resume) == "RESUME", (
                    self.code.co_name, resume)
        else:  # YIELD_FROM, 3.8-3.10
            y = resume = ins.offset
        throw = y if PY == (3, 12) else resume
        return Suspension(y, resume, throw)

    @property
    def suspensions(self):
        """Every suspension point, in bytecode order."""
        return [self._suspension(ins) for ins in self.instructions
                if ins.opname in ("YIELD_VALUE", "YIELD_FROM")]

    def suspension(self, rel_line):
        """The suspension point (yield, yield from, await) on a line."""
        off = self.at_line(rel_line, "YIELD_VALUE", "YIELD_FROM")
        return self._suspension(self.instructions[self._index[off]])

    @property
    def unstarted_throw(self):
        """PY_THROW offset for throw() into a generator never started."""
        if PY >= (3, 11) and PY != (3, 12):
            # 3.13: the instruction after RETURN_GENERATOR
            return self.next_offset(self.offsets("RETURN_GENERATOR")[0])
        return 0

    @property
    def last_reraise(self):
        """The last re-raise instruction of the code: on 3.12+ for a
        generator or coroutine, its implicit StopIteration handler."""
        return self.offsets("RERAISE", "END_FINALLY")[-1]


def frame_lasti(exc, code, nth=0):
    """``tb_lasti`` of the ``nth`` traceback entry of ``exc`` for ``code``
    (outermost first)."""
    tb = exc.__traceback__
    found = []
    while tb is not None:
        if tb.tb_frame.f_code is code:
            found.append(tb.tb_lasti)
        tb = tb.tb_next
    return found[nth]


def catch(exc_type, func, *args, **kwargs):
    """Call ``func`` and return the ``exc_type`` it raises, traceback kept
    (``assertRaises`` drops the traceback, which ``frame_lasti`` needs)."""
    try:
        func(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("%s did not raise %s" % (func.__name__,
                                                  exc_type.__name__))


def run_in_thread(func, *args):
    """Run ``func`` on a new ``threading.Thread``; re-raise its error."""
    result = {}

    def target():
        try:
            result["value"] = func(*args)
        except BaseException as e:  # pragma: no cover - reported below
            result["error"] = e
    t = threading.Thread(target=target)
    t.start()
    t.join(30)
    if t.is_alive():
        raise AssertionError("thread did not finish")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def in_untraced_thread(function, *args):
    """``function(*args)`` in a new thread started with no trace function
    (so its frames all start through pep669's hook on 3.8-3.11); its
    result, or its exception raised here."""
    out = []

    def run():
        try:
            out.append((True, function(*args)))
        except BaseException as exc:  # (re-raised below)
            out.append((False, exc))
    saved = sys.gettrace()
    sys.settrace(None)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        sys.settrace(saved)
    ok, value = out[0]
    if not ok:
        raise value
    return value
