"""Frame attributes as a debugger sees them from its callbacks.

* ``f_trace``, ``f_trace_lines`` and ``f_trace_opcodes`` read, in every
  callback, what the program or its tools set in the frame (natively
  monitoring never touches them): pep669 keeps its own switches out of
  Python's sight.
* ``f_lineno`` assigned from a LINE (or JUMP/BRANCH) callback moves the
  frame as on 3.12, on the first run of a function and on later ones
  (which run on line probes on 3.8-3.10), with 3.12's refusals from the
  other events.
* The event streams debuggers see around generators: no STOP_ITERATION
  from a ``for`` loop in code with LINE events, and 3.13's LINE when an
  exception thrown into a ``yield from`` comes back out of it.

Every test also runs natively on 3.12/3.13: the expectations are
CPython's, except where a constant below names a documented difference
(docs/differences.md).
"""

import sys
import types
import unittest

from tests.support import PY, MonitoringTestCase, events, in_codes, monitoring

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE
NATIVE = pep669.NATIVE

#: The backport runs frames on line probes after their first run (3.8-3.11).
PROBES = not NATIVE and PY < (3, 12)

#: Every event a callback can be registered for on 3.12/3.13.
ALL_NAMES = ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "CALL",
             "LINE", "INSTRUCTION", "JUMP", "BRANCH", "STOP_ITERATION",
             "RAISE", "EXCEPTION_HANDLED", "PY_UNWIND", "PY_THROW",
             "RERAISE", "C_RETURN", "C_RAISE")
#: C_RETURN and C_RAISE come with CALL; they cannot be in an event set.
SETTABLE = tuple(n for n in ALL_NAMES if n not in ("C_RETURN", "C_RAISE"))


def event_set(names):
    total = 0
    for name in names:
        total |= getattr(E, name)
    return total


# Known difference (docs/differences.md), pinned here: 3.8's own f_lineno
# setter (which moves the frame) refuses a jump out of a `finally` block and
# words the refusal to jump into a loop's body as 3.8 does.
OLD_SETTER_38 = not NATIVE and PY == (3, 8)

# Known difference (docs/differences.md): the backport refuses a jump from
# PY_RESUME and PY_YIELD callbacks (3.12/3.13 allow it; 3.12.1 crashes on
# some of them).
NO_JUMP_FROM_RESUME = not NATIVE

# Where 3.12 and 3.13 disagree, the backport follows 3.13: an exception
# thrown into a `yield from` that comes back out of the sub-generator makes
# 3.13 report the delegating frame's line again.
LINE_AFTER_THROW_INTO_YIELD_FROM = not (NATIVE and PY == (3, 12))


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

def sub_gen():
    yield 1
    return 'v'


def delegating():
    x = yield from sub_gen()
    return x


def everything(n):
    total = len([n])
    for i in range(n):
        total += i
    try:
        raise KeyError(n)
    except KeyError:
        total += 1
    try:
        try:
            raise ValueError(n)
        finally:
            total += 1
    except ValueError:
        pass
    try:
        len(n)
    except TypeError:
        total += 1
    total += len(list(delegating()))
    g = sub_gen()
    next(g)
    try:
        g.throw(OSError)
    except OSError:
        pass
    return total


def unwinds():
    raise LookupError


def calls_unwinds():
    try:
        unwinds()
    except LookupError:
        pass


def looping(n):
    out = 0
    for i in range(n):
        if i % 2:
            out += i
    return out


def caller_of(func, *args):
    return func(*args)


def jump_target(out):
    out.append(1)
    out.append(2)
    for i in range(2):
        out.append(4)
    try:
        out.append(6)
    finally:
        out.append(8)
    out.append(9)


def breakpoint_target(x, out):
    out.append(1)
    if x > 100:
        out.append(3)
    out.append(4)
    out.append(5)


def gen_none():
    yield 1


def gen_value():
    yield 1
    return 'v'


def loop_over(genfunc):
    for _ in genfunc():
        pass


def with_line_sub():
    yield


def with_line_delegate():
    yield from with_line_sub()


TRACE_MARK = object()


def trace_mark(*args):
    return trace_mark


# --------------------------------------------------------------------------

class FlagRecorder(object):
    """Callbacks for every event: each records (event, f_trace is what the
    tool set, f_trace_lines, f_trace_opcodes) of the monitored frame
    (``sys._getframe(1)``) for the accepted code objects.  At PY_START the
    tool sets the frame's flags to ``start_flags`` (f_trace, lines,
    opcodes; None: leaves them)."""

    def __init__(self, tool, accept, start_flags=None):
        self.tool = tool
        self.accept = accept
        self.start_flags = start_flags
        self.seen = []
        self.other = []

    def callback(self, name):
        def cb(code, *args):
            if not self.accept(code):
                return None
            f = sys._getframe(1)
            self.seen.append((name, f.f_code.co_name,
                              f.f_trace is trace_mark, f.f_trace_lines,
                              f.f_trace_opcodes))
            if name == "LINE" and f.f_lineno != args[0]:
                # (3.8/3.9 read f_lineno from a field when f_trace is set)
                self.other.append((f.f_code.co_name, args[0], f.f_lineno))
            if name == "PY_START" and self.start_flags is not None:
                trace, lines, opcodes = self.start_flags
                if trace:
                    f.f_trace = trace_mark
                f.f_trace_lines = lines
                f.f_trace_opcodes = opcodes
            return None
        return cb

    def register(self):
        for name in ALL_NAMES:
            monitoring.register_callback(self.tool, getattr(E, name),
                                         self.callback(name))


class FrameFlagsTest(MonitoringTestCase):

    def record(self, names, start_flags=None, codes=None, local=False):
        codes = codes or (everything.__code__, delegating.__code__,
                          sub_gen.__code__)
        self.use_tool(0)
        rec = FlagRecorder(0, in_codes(*codes), start_flags)
        rec.register()
        if local:
            local_names = [n for n in names if getattr(E, n) &
                           ~(E.RAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND |
                             E.PY_THROW | E.RERAISE)]
            for code in codes:
                self.set_local_events(0, code, event_set(local_names))
            monitoring.set_events(0, event_set(names) &
                                  ~event_set(local_names))
        else:
            monitoring.set_events(0, event_set(names))
        return rec

    def check(self, rec, expected_flags, must_see):
        flags = set(s[2:] for s in rec.seen)
        self.assertEqual(flags, {expected_flags},
                         [s for s in rec.seen if s[2:] != expected_flags][:5])
        self.assertLessEqual(set(must_see), set(s[0] for s in rec.seen))

    def test_defaults_in_every_event(self):
        for local in (False, True):
            with self.subTest(local=local):
                rec = self.record(SETTABLE, local=local)
                everything(3)
                everything(3)
                self.stop()
                self._release_tool(0)
                self.check(rec, (False, True, False), ALL_NAMES)

    def test_tool_sets_f_trace_at_start(self):
        # A debugger sets f_trace at PY_START (bdb): the frame's first LINE
        # and every later event read it, with the flags untouched.
        for names in (SETTABLE, ("PY_START", "LINE"),
                      ("PY_START", "PY_RESUME", "PY_THROW", "PY_UNWIND",
                       "RAISE", "LINE"),
                      ("PY_START", "LINE", "JUMP", "BRANCH")):
            for local in (False, True):
                with self.subTest(names=names, local=local):
                    rec = self.record(names, (True, True, False),
                                      local=local)
                    everything(3)
                    everything(3)
                    self.stop()
                    self._release_tool(0)
                    rest = [s for s in rec.seen if s[0] != "PY_START"]
                    self.assertTrue(rest)
                    self.assertEqual(rec.other, [])
                    self.assertEqual(set(s[2:] for s in rest),
                                     {(True, True, False)})

    def test_tool_sets_the_flags(self):
        # What a tool writes is what every callback reads back; the
        # events themselves do not change (monitoring ignores the flags).
        for flags in ((True, False, True), (False, False, False),
                      (True, True, True)):
            with self.subTest(flags=flags):
                plain = self.record(("PY_START", "LINE", "JUMP", "BRANCH"),
                                    codes=(looping.__code__,))
                looping(4)
                self.stop()
                self._release_tool(0)
                rec = self.record(("PY_START", "LINE", "JUMP", "BRANCH"),
                                  flags, codes=(looping.__code__,))
                looping(4)
                self.stop()
                self._release_tool(0)
                self.assertEqual([s[:2] for s in rec.seen],
                                 [s[:2] for s in plain.seen])
                self.assertEqual(set(s[2:] for s in rec.seen[1:]), {flags})

    def test_caller_seen_from_a_callee(self):
        # The caller runs with opcode-level events (INSTRUCTION, JUMP):
        # from the callee's callbacks, and from the callee itself, its
        # frame shows its own flags.
        seen = []

        def callee():
            f = sys._getframe(1)
            seen.append(("callee", f.f_trace_lines, f.f_trace_opcodes))

        def cb(code, *args):
            if code is callee.__code__:
                f = sys._getframe(2)
                seen.append(("cb", f.f_trace_lines, f.f_trace_opcodes))

        self.use_tool(0)
        monitoring.register_callback(0, E.PY_START, cb)
        monitoring.register_callback(0, E.INSTRUCTION, lambda *a: None)
        monitoring.register_callback(0, E.JUMP, lambda *a: None)
        monitoring.set_events(0, E.PY_START)
        self.set_local_events(0, caller_of.__code__, E.INSTRUCTION | E.JUMP)
        caller_of(callee)
        caller_of(callee)
        self.stop()
        self.assertEqual(seen, [("cb", True, False), ("callee", True, False)]
                         * 2)

    def test_suspended_generator(self):
        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, lambda *a: None)
        monitoring.register_callback(0, E.JUMP, lambda *a: None)
        monitoring.set_events(0, E.LINE | E.JUMP)
        g = delegating()
        next(g)
        self.stop()
        frame = g.gi_frame
        self.assertEqual((frame.f_trace, frame.f_trace_lines,
                          frame.f_trace_opcodes), (None, True, False))
        g.close()

    def test_legacy_tracer_keeps_its_flags(self):
        # A sys.settrace tracer asks for opcode events: it gets them, reads
        # its own choice back (a new frame shows the defaults at 'call'),
        # and so do the tool's callbacks; the tool's LINE events go on.
        traced = []
        lines = []

        def tracer(frame, event, arg):
            if frame.f_code is not looping.__code__:
                return None
            traced.append((event, frame.f_trace_lines,
                           frame.f_trace_opcodes))
            # (on every event: 3.13.0 ignores it when set at 'call')
            frame.f_trace_opcodes = True
            return tracer

        def line_cb(code, line):
            if code is looping.__code__:
                f = sys._getframe(1)
                lines.append((f.f_trace_lines, f.f_trace_opcodes))

        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, line_cb)
        self.set_local_events(0, looping.__code__, E.LINE)
        # (3.12.1 only delivers opcode events if some frame had
        # f_trace_opcodes set before sys.settrace was called)
        here = sys._getframe()
        here.f_trace_opcodes = True
        sys.settrace(tracer)
        try:
            looping(3)
        finally:
            sys.settrace(None)
            here.f_trace_opcodes = False
        self.stop()
        self.assertEqual(set(t[0] for t in traced),
                         {"call", "line", "opcode", "return"})
        self.assertEqual(traced[0], ("call", True, False))
        self.assertEqual(set(t[1:] for t in traced[1:]), {(True, True)})
        self.assertEqual(set(lines), {(True, True)})
        self.assertEqual(len(lines), len([t for t in traced
                                          if t[0] == "line"]))


# --------------------------------------------------------------------------

class JumpTest(MonitoringTestCase):
    """frame.f_lineno assigned from callbacks (3.12's frame_setlineno)."""

    def run_plan(self, plan, names=("LINE",), func=jump_target, arg=None,
                 runs=1, watch=None):
        """Run ``func`` with a tool whose callbacks for ``names`` record
        (event, line relative to def) in the frames of ``watch`` (``func``'s
        code by default) and, where ``plan`` says so (a key (event,
        relative line) or (event, nth event)), assign f_lineno once.
        Returns (log, outputs)."""
        watch = watch or func.__code__
        base = watch.co_firstlineno
        log = []
        counts = {}
        plan = dict(plan)

        def make(name):
            def cb(code, *args):
                if code is not watch:
                    return None
                f = sys._getframe(1)
                rel = f.f_lineno - base
                counts[name] = counts.get(name, 0) + 1
                if name == "LINE":
                    log.append(rel)
                else:
                    log.append((name,))
                key = (name, rel) if (name, rel) in plan else \
                    (name, "#%d" % counts[name])
                if key in plan:
                    target = plan.pop(key)
                    try:
                        f.f_lineno = base + target
                    except (ValueError, SystemError) as e:
                        log.append(("refused", type(e).__name__, str(e)))
                    else:
                        log.append(("jumped", f.f_lineno - base))
                return None
            return cb

        self.use_tool(0)
        for name in names:
            monitoring.register_callback(0, getattr(E, name), make(name))
        monitoring.set_events(0, event_set(names))
        outs = []
        for _ in range(runs):
            out = []
            if arg is None:
                func(out)
            else:
                func(arg, out)
            outs.append(out)
        self.stop()
        return log, outs

    LOOP = [3, 4, 3, 4, 3]

    def test_forward(self):
        log, outs = self.run_plan({("LINE", 1): 3})
        self.assertEqual(log, [1, ("jumped", 3), 4, 3, 4, 3, 5, 6, 8, 9])
        self.assertEqual(outs, [[4, 4, 6, 8, 9]])

    def test_backward(self):
        log, outs = self.run_plan({("LINE", 4): 1})
        self.assertEqual(log, [1, 2, 3, 4, ("jumped", 1), 2, 3, 4, 3, 4, 3,
                               5, 6, 8, 9])
        self.assertEqual(outs, [[1, 2, 1, 2, 4, 4, 6, 8, 9]])

    def test_forward_from_the_loop_header(self):
        log, outs = self.run_plan({("LINE", "#3"): 5})
        self.assertEqual(log, [1, 2, 3, ("jumped", 5), 6, 8, 9])
        self.assertEqual(outs, [[1, 2, 6, 8, 9]])

    def test_into_a_loop_body(self):
        log, outs = self.run_plan({("LINE", 2): 4})
        message = ("can't jump into the middle of a block" if OLD_SETTER_38
                   else "can't jump into the body of a for loop")
        self.assertEqual(log, [1, 2, ("refused", "ValueError", message)] +
                         self.LOOP + [5, 6, 8, 9])
        self.assertEqual(outs, [[1, 2, 4, 4, 6, 8, 9]])

    def test_out_of_finally(self):
        log, outs = self.run_plan({("LINE", 8): 1})
        head = [1, 2] + self.LOOP + [5, 6, 8]
        if OLD_SETTER_38:
            self.assertEqual(log, head + [
                ("refused", "ValueError",
                 "can't jump out of a 'finally' block"), 9])
            self.assertEqual(outs, [[1, 2, 4, 4, 6, 8, 9]])
        else:
            self.assertEqual(log, head + [("jumped", 1)] + head[1:] + [9])
            self.assertEqual(outs, [[1, 2, 4, 4, 6, 1, 2, 4, 4, 6, 8, 9]])

    def test_outside_the_code(self):
        base = jump_target.__code__.co_firstlineno
        for target, where in ((-20, "before"), (40, "after")):
            with self.subTest(where=where):
                log, outs = self.run_plan({("LINE", 1): target})
                self.assertEqual(log[:2], [1, (
                    "refused", "ValueError",
                    "line %d comes %s the current code block"
                    % (base + target, where))])
                self.assertEqual(outs, [[1, 2, 4, 4, 6, 8, 9]])
                self._release_tool(0)

    def test_bad_values(self):
        errors = []

        def cb(code, line):
            if code is not jump_target.__code__:
                return None
            f = sys._getframe(1)
            for value in ("3", 3.0, None):
                try:
                    f.f_lineno = value
                except ValueError as e:
                    errors.append(str(e))
            try:
                del f.f_lineno
            except AttributeError as e:
                errors.append(str(e))
            return DISABLE

        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, cb)
        self.set_local_events(0, jump_target.__code__, E.LINE)
        out = []
        jump_target(out)
        self.stop()
        self.assertEqual(out, [1, 2, 4, 4, 6, 8, 9])
        self.assertEqual(errors[:4], ["lineno must be an integer"] * 3 +
                         ["cannot delete attribute"])

    def test_from_jump_event(self):
        # The first JUMP (the loop's back edge) moves the frame to line 1.
        log, outs = self.run_plan({("JUMP", "#1"): 1},
                                  names=("LINE", "JUMP"))
        self.assertEqual([x for x in log if x != ("JUMP",)],
                         [1, 2, 3, 4, ("jumped", 1), 2, 3, 4, 3, 4, 3, 5, 6,
                          8, 9])
        self.assertEqual(outs, [[1, 2, 4, 1, 2, 4, 4, 6, 8, 9]])

    def test_refused_from_other_events(self):
        # Every event whose callbacks may not move the frame, with 3.12's
        # messages (the frame's own line as the target: legal from LINE).
        refused = {}
        codes = (everything.__code__, delegating.__code__, sub_gen.__code__)

        def make(name):
            def cb(code, *args):
                if code not in codes or name in refused:
                    return None
                f = sys._getframe(1)
                try:
                    f.f_lineno = code.co_firstlineno + 1
                except (ValueError, SystemError) as e:
                    refused[name] = (type(e).__name__, str(e))
                else:
                    refused[name] = "moved"
                return None
            return cb

        names = [n for n in ALL_NAMES if n not in
                 ("LINE", "JUMP", "BRANCH", "PY_RESUME", "PY_YIELD")]
        self.use_tool(0)
        for name in names:
            monitoring.register_callback(0, getattr(E, name), make(name))
        monitoring.set_events(0, event_set(n for n in names
                                           if n in SETTABLE))
        everything(3)
        self.stop()
        line_only = ("ValueError", "can only jump from a 'line' trace event")
        during_call = ("ValueError", "can't jump during a call")
        self.assertEqual(refused, {
            "PY_START": ("ValueError", "can't jump from the 'call' trace "
                         "event of a new frame"),
            "CALL": during_call,
            "C_RETURN": during_call,
            "C_RAISE": line_only,
            "PY_RETURN": line_only,
            "PY_UNWIND": line_only,
            "PY_THROW": line_only,
            "RAISE": line_only,
            "EXCEPTION_HANDLED": line_only,
            "INSTRUCTION": line_only,
            "STOP_ITERATION": ("SystemError", "unexpected event type"),
            "RERAISE": ("SystemError", "unexpected event type"),
        })

    @unittest.skipUnless(NO_JUMP_FROM_RESUME, "3.12/3.13 allow it")
    def test_refused_from_resume_and_yield(self):
        log, outs = self.run_plan(
            {("PY_RESUME", "#1"): 1, ("PY_YIELD", "#1"): 1},
            names=("PY_RESUME", "PY_YIELD"), func=gen_driver,
            watch=sub_gen.__code__)
        self.assertEqual(log, [
            ("PY_YIELD",), ("refused", "ValueError",
                            "can only jump from a 'line' trace event"),
            ("PY_RESUME",), ("refused", "ValueError",
                             "can only jump from a 'line' trace event")])

    def test_breakpoint_on_later_runs(self):
        # A debugger that DISABLEs every line but its breakpoint (line 3,
        # which the first runs do not reach): the later runs of the code
        # run on line probes on 3.8-3.10, where the breakpoint's LINE
        # comes from a probe.
        base = breakpoint_target.__code__.co_firstlineno
        for target, expected_log, expected_out in (
                (5, [3, ("jumped", 5)], [1, 5]),
                (1, [3, ("jumped", 1), 3], [1, 1, 3, 4, 5]),
                (4, [3, ("jumped", 4)], [1, 4, 5]),
                (30, [3, ("refused", "ValueError",
                          "line %d comes after the current code block"
                          % (base + 30))], [1, 3, 4, 5])):
            with self.subTest(target=target):
                code = breakpoint_target.__code__
                log = []
                plan = {3: target}

                def cb(code_, line):
                    if code_ is not code:
                        return DISABLE
                    rel = line - base
                    if rel != 3:
                        return DISABLE
                    log.append(rel)
                    if rel in plan:
                        f = sys._getframe(1)
                        try:
                            f.f_lineno = base + plan.pop(rel)
                        except ValueError as e:
                            log.append(("refused", "ValueError", str(e)))
                        else:
                            log.append(("jumped", f.f_lineno - base))
                    return None

                self.use_tool(0)
                monitoring.register_callback(0, E.LINE, cb)
                self.set_local_events(0, code, E.LINE)
                breakpoint_target(0, [])
                breakpoint_target(0, [])
                if PROBES:
                    state = pep669._monitoring._probe_state(code)
                    self.assertTrue(state['clone'])
                    self.assertEqual(state['patched'], 1)
                out = []
                breakpoint_target(1000, out)
                again = []
                breakpoint_target(1000, again)
                self.stop()
                self._release_tool(0)
                self.assertEqual(log, expected_log + [3])
                self.assertEqual(out, expected_out)
                self.assertEqual(again, [1, 3, 4, 5])


def gen_driver(out):
    g = sub_gen()
    out.append(next(g))
    out.append(next(g, None))


class GeneratorStreamTest(MonitoringTestCase):
    """Debugger-visible streams around generators."""

    def test_for_loop_over_generator_with_line_events(self):
        # A debugger (LINE, with exception stops) looping over generators:
        # natively no STOP_ITERATION there; a generator returning a value
        # gives RAISE(StopIteration(value)), one returning None nothing.
        codes = (loop_over.__code__,)
        self.use_tool(0)
        got = []
        monitoring.register_callback(
            0, E.STOP_ITERATION,
            lambda code, off, exc: got.append(("STOP_ITERATION",
                                               code.co_name, exc.args)))
        monitoring.register_callback(
            0, E.RAISE,
            lambda code, off, exc: got.append(("RAISE", code.co_name,
                                               type(exc).__name__,
                                               exc.args))
            if code in codes else None)
        monitoring.register_callback(0, E.LINE, lambda *a: None)
        monitoring.set_events(0, E.STOP_ITERATION | E.RAISE)
        self.set_local_events(0, loop_over.__code__, E.LINE)
        for _ in range(3):
            loop_over(gen_none)
            loop_over(gen_value)
        self.stop()
        self.assertEqual(got, [("RAISE", "loop_over", "StopIteration",
                                ("v",))] * 3)

    def lines_of(self, run, *funcs):
        codes = [f.__code__ for f in funcs]
        lines = []
        self.use_tool(0)
        monitoring.register_callback(
            0, E.LINE,
            lambda code, line: lines.append(
                (code.co_name, line - code.co_firstlineno))
            if code in codes else None)
        monitoring.set_events(0, E.LINE)
        run()
        self.stop()
        self._release_tool(0)
        return lines

    def test_generator_with_line(self):
        # CPython 3.13's LineMonitoringTest.test_generator_with_line: the
        # delegating generator is closed when it is freed; the GeneratorExit
        # comes back out of its `yield from`, where 3.13 reports its line
        # again (3.12 does not).  Fresh code objects: 3.13 does so only
        # until a frame of the code was resumed there (below).
        delegate = fresh(with_line_delegate)
        lines = self.lines_of(lambda: next(delegate()), delegate,
                              with_line_sub)
        expected = [("with_line_delegate", 1), ("with_line_sub", 1)]
        if LINE_AFTER_THROW_INTO_YIELD_FROM:
            expected.append(("with_line_delegate", 1))
        self.assertEqual(lines, expected)

    def test_generator_with_line_after_a_resumption(self):
        delegate = fresh(with_line_delegate)

        def run():
            list(delegate())
            next(delegate())

        lines = self.lines_of(run, delegate, with_line_sub)
        self.assertEqual(lines, [("with_line_delegate", 1),
                                 ("with_line_sub", 1)] * 2)

    def test_throw_into_yield_from(self):
        deleg = fresh(delegating)
        codes = (deleg.__code__, sub_gen.__code__)
        got = []
        self.use_tool(0)
        for name in ("LINE", "PY_THROW", "PY_UNWIND"):
            monitoring.register_callback(
                0, getattr(E, name),
                (lambda name: lambda code, *a: got.append(
                    (name, code.co_name)) if code in codes else None)(name))
        monitoring.set_events(0, E.LINE | E.PY_THROW | E.PY_UNWIND)
        g = deleg()
        next(g)
        try:
            g.throw(KeyError)
        except KeyError:
            pass
        self.stop()
        expected = [("LINE", "delegating"), ("LINE", "sub_gen"),
                    ("PY_THROW", "sub_gen"), ("PY_UNWIND", "sub_gen"),
                    ("PY_THROW", "delegating")]
        if LINE_AFTER_THROW_INTO_YIELD_FROM:
            expected.append(("LINE", "delegating"))
        expected.append(("PY_UNWIND", "delegating"))
        self.assertEqual(got, expected)


def fresh(func):
    """The function with a code object of its own (never run, never
    specialised)."""
    return types.FunctionType(func.__code__.replace(), func.__globals__,
                              func.__name__)


if __name__ == "__main__":
    unittest.main()
