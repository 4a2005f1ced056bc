"""Events while greenlets switch C stacks (greenlet, gevent, eventlet).

A greenlet switch swaps the thread's C stack and its chain of frames: the
eval-frame hook's runs of one greenlet are suspended with it, and the
records and bare runs of several greenlets interleave in the engine's
per-thread lists (thread_state.h, "the runs' lists"), so that one may end
while another greenlet's stand above it.  Each run's entry is unlinked
where it stands (session 19; before, the end of a run popped the top: the
debug engine aborted on the lists' invariants, and a release build could
leave an ended run's entry in the list).  The streams below are native
3.12's and 3.13's: the same expectations run natively there, but for two
differences docs/differences.md describes ("Greenlets"), pinned with the
engine's streams on 3.8-3.11.

Skipped where greenlet is not importable (.ci/run installs it for CI, one
copy per interpreter: import_greenlet).
"""

import gc
import os
import sys
import unittest

from tests.support import MonitoringTestCase, events, in_files, monitoring

import pep669



def import_greenlet():
    """greenlet, from the interpreter's path or, for CI, from
    $PEP669_GREENLET_ROOT/X.Y (.ci/run installs it there, outside the
    interpreters' site-packages); None if neither has it.  Not under
    AddressSanitizer, which does not follow greenlet's stack copies."""
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        return None
    try:
        import greenlet
        return greenlet
    except ImportError:
        pass
    # (the copies are built for the release interpreters: not for a
    # Py_DEBUG one, the refleak run's)
    root = (os.environ.get("PEP669_GREENLET_ROOT")
            if not hasattr(sys, "gettotalrefcount") else None)
    path = root and os.path.join(root, "%d.%d" % sys.version_info[:2])
    if path and os.path.isdir(path):
        sys.path.append(path)
        try:
            import greenlet
            return greenlet
        except ImportError:
            pass
    return None


greenlet = import_greenlet()

E = events
#: the native sys.monitoring underneath (3.12+), whose streams differ
#: from the engine's in two pinned cases
NATIVE = pep669.NATIVE
TOOL = 3
HERE = in_files(__file__)
DISABLE = monitoring.DISABLE

#: this file's helpers, whose events the tool does not record
SKIP = frozenset(("callback", "record", "run", "respond", "__init__"))

NAMES = {}
for _name in ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "PY_THROW",
              "PY_UNWIND", "LINE", "CALL", "C_RETURN", "C_RAISE", "RAISE",
              "RERAISE", "EXCEPTION_HANDLED", "STOP_ITERATION"):
    NAMES[getattr(E, _name)] = _name
del _name


def detail(event, code, args):
    """What a record keeps of an event's arguments: the line relative to
    the code's first, the callable's name, the exception's type or the
    value (version-independent)."""
    if event == "LINE":
        return args[0] - code.co_firstlineno
    if event in ("CALL", "C_RETURN", "C_RAISE"):
        return getattr(args[1], "__name__", type(args[1]).__name__)
    if event in ("PY_RETURN", "PY_YIELD"):
        return args[1]
    if len(args) > 1 and isinstance(args[1], BaseException):
        return type(args[1]).__name__
    return None


class Tool(object):
    """Records ``(event, co_name, detail)`` for this file's code; `respond`
    (event, co_name, detail) -> the callback's return value."""

    def __init__(self, case, event_set, respond=None):
        self.out = []
        self.respond = respond
        case.use_tool(TOOL)
        for bit, name in NAMES.items():
            if event_set & bit:
                monitoring.register_callback(TOOL, bit, self.record(name))
        self.event_set = event_set

    def record(self, name):
        out = self.out

        def callback(code, *args):
            if HERE(code) and code.co_name not in SKIP:
                entry = (name, code.co_name, detail(name, code, args))
                out.append(entry)
                if self.respond is not None:
                    return self.respond(*entry)
            return None
        return callback

    def run(self, function, *args):
        monitoring.set_events(TOOL, self.event_set)
        try:
            return function(*args)
        finally:
            monitoring.set_events(TOOL, 0)


# -- the code -----------------------------------------------------------------
# Two greenlets whose runs interleave: each switches away from a nested
# call, so that the other's hook runs stand above its own when it comes
# back and its inner runs end first.

def ping_inner(other, n):
    got = other.switch(n)
    return got + 1


def ping(other, n):
    total = 0
    for i in range(n):
        total += ping_inner(other, i)
    return total


def pong_inner(parent_of, v):
    back = parent_of.switch(v * 10)
    return back


def pong(first):
    v = first
    while ALWAYS[0]:
        v = pong_inner(pong_peer[0], v)


pong_peer = [None]
#: (a loop's test, not `while True:`, whose line 3.8/3.9 compile away)
ALWAYS = [True]


def play(n):
    b = greenlet.greenlet(pong)
    a = greenlet.greenlet(ping)
    pong_peer[0] = a
    result = a.switch(b, n)
    return result


def counter(n):
    for i in range(n):
        x = yield i
        greenlet.getcurrent().parent.switch(x)


def drive_generators():
    def body():
        gen = counter(3)
        first = next(gen)
        second = gen.send(first + 5)
        return second
    g = greenlet.greenlet(body)
    out = [g.switch()]
    while not g.dead:
        out.append(g.switch())
    return out


def fail_after_switch(n):
    greenlet.getcurrent().parent.switch(n)
    raise ValueError(n)


def catch_in_greenlet():
    try:
        fail_after_switch(1)
    except ValueError:
        pass
    return 2


def exceptions():
    g = greenlet.greenlet(catch_in_greenlet)
    first = g.switch()
    second = g.switch()
    h = greenlet.greenlet(fail_after_switch)
    h.switch(3)
    try:
        h.switch()
    except ValueError:
        pass
    return first, second


def wait_forever():
    while ALWAYS[0]:
        greenlet.getcurrent().parent.switch(1)


def suspended_in(k):
    return wait_forever()


def thrown_into():
    g = greenlet.greenlet(suspended_in)
    g.switch(1)
    try:
        g.throw(KeyError, "k")
    except KeyError:
        pass
    return g.dead


def abandon():
    g = greenlet.greenlet(suspended_in)
    g.switch(1)
    del g
    gc.collect()
    return 0


def abandon_in_a_cycle():
    g = greenlet.greenlet(suspended_in)
    g.switch(1)
    g.cycle = g
    del g
    gc.collect()
    return 0


def lines_loop(n):
    t = 0
    for i in range(n):
        t += i
        greenlet.getcurrent().parent.switch(t)
    return t


def lines_twice():
    a = greenlet.greenlet(lines_loop)
    b = greenlet.greenlet(lines_loop)
    out = [a.switch(2), b.switch(2)]
    while not (a.dead and b.dead):
        out.append(a.switch())
        out.append(b.switch())
    return out


def restart_mid(tool):
    a = greenlet.greenlet(lines_loop)
    out = [a.switch(3)]
    out.append(a.switch())
    monitoring.restart_events()
    # (a fresh run of the code: natively, restart_events() re-instruments
    # the code of the frames on the thread's current stack only, and a
    # suspended greenlet's are on none)
    b = greenlet.greenlet(lines_loop)
    out.append(b.switch(1))
    out.append(a.switch())
    out.append(a.switch())
    return out


def restart_suspended(tool):
    a = greenlet.greenlet(lines_loop)
    out = [a.switch(3)]
    monitoring.restart_events()
    out.append(a.switch())
    out.append(a.switch())
    return out


def quiet_other():
    a = greenlet.greenlet(lines_loop)
    out = [a.switch(2)]
    out.append(len(out))
    out.append(a.switch())
    out.append(len(out))
    return out


def switch_back_inside():
    greenlet.getcurrent().parent.switch(1)
    return 2


def call_inside():
    switch_back_inside()
    return 3


def other_on_top():
    # (back from the first switch, the other greenlet's hooked frames,
    # switch_back_inside's on top, stay suspended above this frame's
    # run: review19, the call probes read the lists' top)
    g = greenlet.greenlet(call_inside)
    a = g.switch()
    b = len("ab")
    c = abs(-1)
    d = g.switch()
    e = len("xyz")
    return a, b, c, d, e


@unittest.skipIf(greenlet is None, "greenlet is not importable")
class GreenletEvents(MonitoringTestCase):

    def check(self, event_set, function, expected, *args, respond=None):
        tool = Tool(self, event_set, respond)
        result = tool.run(function, *args)
        self.assertEqual(tool.out, expected)
        return result

    FRAMES = E.PY_START | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME

    def test_frame_events(self):
        self.assertEqual(self.check(self.FRAMES, play, PLAY_FRAMES, 3), 33)

    def test_start_return_only(self):
        self.check(E.PY_START | E.PY_RETURN, play, PLAY_START_RETURN, 3)

    def test_lines(self):
        self.check(E.LINE, play, PLAY_LINES, 2)

    def test_calls(self):
        self.check(E.CALL, play, PLAY_CALLS, 2)

    def test_calls_and_returns(self):
        self.check(E.CALL | E.C_RETURN | E.C_RAISE | E.PY_START | E.PY_RETURN,
                   play, PLAY_CALLS_RETURNS, 2)

    def test_calls_under_another_greenlets_frame(self):
        # Back from the first switch, the other greenlet's frames stand
        # suspended above this frame's run in the runs' lists: the
        # frame's call probes find its own record under them (before,
        # review19, its clone was retired and its calls' events lost
        # until its next run).  (Twice: on the first run the other
        # greenlet's frames run through the hook, whose trampoline raises
        # the frame's record at its first trace event; from the second
        # on they run on call probes too.)
        def twice():
            return [other_on_top(), other_on_top()]
        once = [("CALL", "twice", "other_on_top")] + OTHER_ON_TOP
        self.assertEqual(self.check(E.CALL, twice, once * 2),
                         [(1, 2, 1, 3, 3)] * 2)

    def test_generators(self):
        out = self.check(self.FRAMES, drive_generators, GENERATORS)
        self.assertEqual(out, [5, 1])

    def test_generators_start_return(self):
        # (the resumptions run as bare blocks of the frames path, one
        # suspended with its greenlet)
        self.check(E.PY_START | E.PY_RETURN, drive_generators,
                   GENERATORS_START_RETURN)

    def test_generators_lines(self):
        self.check(E.LINE | E.PY_YIELD, drive_generators, GENERATORS_LINES)

    def test_exceptions(self):
        self.check(E.RAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND | E.RERAISE,
                   exceptions, EXCEPTIONS)

    def test_exceptions_only_raise(self):
        self.check(E.RAISE, exceptions, EXCEPTIONS_RAISE)

    def test_exceptions_with_frames(self):
        self.check(E.RAISE | E.PY_START | E.PY_RETURN | E.PY_UNWIND,
                   exceptions, EXCEPTIONS_FRAMES)

    def test_throw(self):
        self.assertTrue(self.check(
            E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE | E.LINE,
            thrown_into, THROWN))

    def test_abandoned(self):
        self.check(E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE |
                   E.LINE | E.CALL, abandon, ABANDONED)

    def test_abandoned_in_a_cycle(self):
        self.check(E.PY_START | E.PY_RETURN | E.PY_UNWIND | E.RAISE |
                   E.LINE | E.CALL, abandon_in_a_cycle, ABANDONED_CYCLE)

    def test_disable(self):
        def respond(event, name, detail):
            if name == "lines_loop" and detail in (2, 3):
                return DISABLE
            return None
        self.check(E.LINE, lines_twice, LINES_DISABLED, respond=respond)

    def test_restart_events(self):
        def respond(event, name, detail):
            return DISABLE if name == "lines_loop" and detail == 3 else None
        self.check(E.LINE, restart_mid, RESTARTED, TOOL, respond=respond)

    def test_restart_events_suspended(self):
        # Natively restart_events() re-instruments the code of the frames
        # on the thread's current stack, not of one suspended in another
        # greenlet: its DISABLEd line stays so until its code runs afresh;
        # the engine gives it back at once (docs/differences.md,
        # "Greenlets").
        def respond(event, name, detail):
            return DISABLE if name == "lines_loop" and detail == 3 else None
        self.check(E.LINE, restart_suspended,
                   RESTART_SUSPENDED if NATIVE
                   else RESTART_SUSPENDED_ENGINE, TOOL, respond=respond)

    def test_lines_after_a_quiet_greenlet(self):
        # The other greenlet's frame DISABLEs its every line and runs on
        # untraced (no trampoline) when it switches back: natively the
        # frame switched to reports its lines; the engine, whose
        # trampoline is the thread's, not the greenlet's, reports them
        # again from the frame's next call's end (docs/differences.md,
        # "Greenlets").
        def respond(event, name, detail):
            return DISABLE if name == "lines_loop" else None
        self.check(E.LINE, quiet_other,
                   QUIET_OTHER if NATIVE
                   else QUIET_OTHER_ENGINE, respond=respond)


PLAY_FRAMES = [
    ('PY_START', 'play', None),
    ('PY_START', 'ping', None),
    ('PY_START', 'ping_inner', None),
    ('PY_START', 'pong', None),
    ('PY_START', 'pong_inner', None),
    ('PY_RETURN', 'ping_inner', 1),
    ('PY_START', 'ping_inner', None),
    ('PY_RETURN', 'pong_inner', 1),
    ('PY_START', 'pong_inner', None),
    ('PY_RETURN', 'ping_inner', 11),
    ('PY_START', 'ping_inner', None),
    ('PY_RETURN', 'pong_inner', 2),
    ('PY_START', 'pong_inner', None),
    ('PY_RETURN', 'ping_inner', 21),
    ('PY_RETURN', 'ping', 33),
    ('PY_RETURN', 'play', 33),
]
# (with PY_START and PY_RETURN alone: the same stream)
PLAY_START_RETURN = list(PLAY_FRAMES)
PLAY_LINES = [
    ('LINE', 'play', 1),
    ('LINE', 'play', 2),
    ('LINE', 'play', 3),
    ('LINE', 'play', 4),
    ('LINE', 'ping', 1),
    ('LINE', 'ping', 2),
    ('LINE', 'ping', 3),
    ('LINE', 'ping_inner', 1),
    ('LINE', 'pong', 1),
    ('LINE', 'pong', 2),
    ('LINE', 'pong', 3),
    ('LINE', 'pong_inner', 1),
    ('LINE', 'ping_inner', 2),
    ('LINE', 'ping', 2),
    ('LINE', 'ping', 3),
    ('LINE', 'ping_inner', 1),
    ('LINE', 'pong_inner', 2),
    ('LINE', 'pong', 2),
    ('LINE', 'pong', 3),
    ('LINE', 'pong_inner', 1),
    ('LINE', 'ping_inner', 2),
    ('LINE', 'ping', 2),
    ('LINE', 'ping', 4),
    ('LINE', 'play', 5),
]
PLAY_CALLS = [
    ('CALL', 'play', 'greenlet'),
    ('CALL', 'play', 'greenlet'),
    ('CALL', 'play', 'switch'),
    ('CALL', 'ping', 'range'),
    ('CALL', 'ping', 'ping_inner'),
    ('CALL', 'ping_inner', 'switch'),
    ('CALL', 'pong', 'pong_inner'),
    ('CALL', 'pong_inner', 'switch'),
    ('CALL', 'ping', 'ping_inner'),
    ('CALL', 'ping_inner', 'switch'),
    ('CALL', 'pong', 'pong_inner'),
    ('CALL', 'pong_inner', 'switch'),
]
PLAY_CALLS_RETURNS = [
    ('PY_START', 'play', None),
    ('CALL', 'play', 'greenlet'),
    ('C_RETURN', 'play', 'greenlet'),
    ('CALL', 'play', 'greenlet'),
    ('C_RETURN', 'play', 'greenlet'),
    ('CALL', 'play', 'switch'),
    ('PY_START', 'ping', None),
    ('CALL', 'ping', 'range'),
    ('C_RETURN', 'ping', 'range'),
    ('CALL', 'ping', 'ping_inner'),
    ('PY_START', 'ping_inner', None),
    ('CALL', 'ping_inner', 'switch'),
    ('PY_START', 'pong', None),
    ('CALL', 'pong', 'pong_inner'),
    ('PY_START', 'pong_inner', None),
    ('CALL', 'pong_inner', 'switch'),
    ('C_RETURN', 'ping_inner', 'switch'),
    ('PY_RETURN', 'ping_inner', 1),
    ('CALL', 'ping', 'ping_inner'),
    ('PY_START', 'ping_inner', None),
    ('CALL', 'ping_inner', 'switch'),
    ('C_RETURN', 'pong_inner', 'switch'),
    ('PY_RETURN', 'pong_inner', 1),
    ('CALL', 'pong', 'pong_inner'),
    ('PY_START', 'pong_inner', None),
    ('CALL', 'pong_inner', 'switch'),
    ('C_RETURN', 'ping_inner', 'switch'),
    ('PY_RETURN', 'ping_inner', 11),
    ('PY_RETURN', 'ping', 12),
    ('C_RETURN', 'play', 'switch'),
    ('PY_RETURN', 'play', 12),
    ('C_RAISE', 'pong_inner', 'switch'),
]
OTHER_ON_TOP = [
    ('CALL', 'other_on_top', 'greenlet'),
    ('CALL', 'other_on_top', 'switch'),
    ('CALL', 'call_inside', 'switch_back_inside'),
    ('CALL', 'switch_back_inside', 'getcurrent'),
    ('CALL', 'switch_back_inside', 'switch'),
    ('CALL', 'other_on_top', 'len'),
    ('CALL', 'other_on_top', 'abs'),
    ('CALL', 'other_on_top', 'switch'),
    ('CALL', 'other_on_top', 'len'),
]
GENERATORS = [
    ('PY_START', 'drive_generators', None),
    ('PY_START', 'body', None),
    ('PY_START', 'counter', None),
    ('PY_YIELD', 'counter', 0),
    ('PY_RESUME', 'counter', None),
    ('PY_YIELD', 'counter', 1),
    ('PY_RETURN', 'body', 1),
    ('PY_RETURN', 'drive_generators', [5, 1]),
]
GENERATORS_START_RETURN = [
    ('PY_START', 'drive_generators', None),
    ('PY_START', 'body', None),
    ('PY_START', 'counter', None),
    ('PY_RETURN', 'body', 1),
    ('PY_RETURN', 'drive_generators', [5, 1]),
]
GENERATORS_LINES = [
    ('LINE', 'drive_generators', 1),
    ('LINE', 'drive_generators', 6),
    ('LINE', 'drive_generators', 7),
    ('LINE', 'body', 1),
    ('LINE', 'body', 2),
    ('LINE', 'counter', 1),
    ('LINE', 'counter', 2),
    ('PY_YIELD', 'counter', 0),
    ('LINE', 'body', 3),
    ('LINE', 'counter', 3),
    ('LINE', 'drive_generators', 8),
    ('LINE', 'drive_generators', 9),
    ('LINE', 'counter', 1),
    ('LINE', 'counter', 2),
    ('PY_YIELD', 'counter', 1),
    ('LINE', 'body', 4),
    ('LINE', 'drive_generators', 8),
    ('LINE', 'drive_generators', 10),
]
EXCEPTIONS = [
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('PY_UNWIND', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'catch_in_greenlet', 'ValueError'),
    ('EXCEPTION_HANDLED', 'catch_in_greenlet', 'ValueError'),
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('PY_UNWIND', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'exceptions', 'ValueError'),
    ('EXCEPTION_HANDLED', 'exceptions', 'ValueError'),
]
EXCEPTIONS_RAISE = [
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'catch_in_greenlet', 'ValueError'),
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'exceptions', 'ValueError'),
]
EXCEPTIONS_FRAMES = [
    ('PY_START', 'exceptions', None),
    ('PY_START', 'catch_in_greenlet', None),
    ('PY_START', 'fail_after_switch', None),
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('PY_UNWIND', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'catch_in_greenlet', 'ValueError'),
    ('PY_RETURN', 'catch_in_greenlet', 2),
    ('PY_START', 'fail_after_switch', None),
    ('RAISE', 'fail_after_switch', 'ValueError'),
    ('PY_UNWIND', 'fail_after_switch', 'ValueError'),
    ('RAISE', 'exceptions', 'ValueError'),
    ('PY_RETURN', 'exceptions', (1, 2)),
]
THROWN = [
    ('PY_START', 'thrown_into', None),
    ('LINE', 'thrown_into', 1),
    ('LINE', 'thrown_into', 2),
    ('PY_START', 'suspended_in', None),
    ('LINE', 'suspended_in', 1),
    ('PY_START', 'wait_forever', None),
    ('LINE', 'wait_forever', 1),
    ('LINE', 'wait_forever', 2),
    ('LINE', 'thrown_into', 3),
    ('LINE', 'thrown_into', 4),
    ('RAISE', 'wait_forever', 'KeyError'),
    ('PY_UNWIND', 'wait_forever', 'KeyError'),
    ('RAISE', 'suspended_in', 'KeyError'),
    ('PY_UNWIND', 'suspended_in', 'KeyError'),
    ('RAISE', 'thrown_into', 'KeyError'),
    ('LINE', 'thrown_into', 5),
    ('LINE', 'thrown_into', 6),
    ('LINE', 'thrown_into', 7),
    ('PY_RETURN', 'thrown_into', True),
]
ABANDONED = [
    ('PY_START', 'abandon', None),
    ('LINE', 'abandon', 1),
    ('CALL', 'abandon', 'greenlet'),
    ('LINE', 'abandon', 2),
    ('CALL', 'abandon', 'switch'),
    ('PY_START', 'suspended_in', None),
    ('LINE', 'suspended_in', 1),
    ('CALL', 'suspended_in', 'wait_forever'),
    ('PY_START', 'wait_forever', None),
    ('LINE', 'wait_forever', 1),
    ('LINE', 'wait_forever', 2),
    ('CALL', 'wait_forever', 'getcurrent'),
    ('CALL', 'wait_forever', 'switch'),
    ('LINE', 'abandon', 3),
    ('RAISE', 'wait_forever', 'GreenletExit'),
    ('PY_UNWIND', 'wait_forever', 'GreenletExit'),
    ('RAISE', 'suspended_in', 'GreenletExit'),
    ('PY_UNWIND', 'suspended_in', 'GreenletExit'),
    ('LINE', 'abandon', 4),
    ('CALL', 'abandon', 'collect'),
    ('LINE', 'abandon', 5),
    ('PY_RETURN', 'abandon', 0),
]
ABANDONED_CYCLE = [
    ('PY_START', 'abandon_in_a_cycle', None),
    ('LINE', 'abandon_in_a_cycle', 1),
    ('CALL', 'abandon_in_a_cycle', 'greenlet'),
    ('LINE', 'abandon_in_a_cycle', 2),
    ('CALL', 'abandon_in_a_cycle', 'switch'),
    ('PY_START', 'suspended_in', None),
    ('LINE', 'suspended_in', 1),
    ('CALL', 'suspended_in', 'wait_forever'),
    ('PY_START', 'wait_forever', None),
    ('LINE', 'wait_forever', 1),
    ('LINE', 'wait_forever', 2),
    ('CALL', 'wait_forever', 'getcurrent'),
    ('CALL', 'wait_forever', 'switch'),
    ('LINE', 'abandon_in_a_cycle', 3),
    ('LINE', 'abandon_in_a_cycle', 4),
    ('LINE', 'abandon_in_a_cycle', 5),
    ('CALL', 'abandon_in_a_cycle', 'collect'),
    ('LINE', 'abandon_in_a_cycle', 6),
    ('PY_RETURN', 'abandon_in_a_cycle', 0),
]
LINES_DISABLED = [
    ('LINE', 'lines_twice', 1),
    ('LINE', 'lines_twice', 2),
    ('LINE', 'lines_twice', 3),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'lines_twice', 4),
    ('LINE', 'lines_twice', 5),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'lines_twice', 6),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'lines_twice', 4),
    ('LINE', 'lines_twice', 5),
    ('LINE', 'lines_loop', 5),
    ('LINE', 'lines_twice', 6),
    ('LINE', 'lines_loop', 5),
    ('LINE', 'lines_twice', 4),
    ('LINE', 'lines_twice', 7),
]
RESTARTED = [
    ('LINE', 'restart_mid', 1),
    ('LINE', 'restart_mid', 2),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_mid', 3),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_mid', 4),
    ('LINE', 'restart_mid', 8),
    ('LINE', 'restart_mid', 9),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_mid', 10),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_mid', 11),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 5),
    ('LINE', 'restart_mid', 12),
]
RESTART_SUSPENDED = [
    ('LINE', 'restart_suspended', 1),
    ('LINE', 'restart_suspended', 2),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 3),
    ('LINE', 'restart_suspended', 4),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 5),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 6),
]
RESTART_SUSPENDED_ENGINE = [
    ('LINE', 'restart_suspended', 1),
    ('LINE', 'restart_suspended', 2),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 3),
    ('LINE', 'restart_suspended', 4),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 5),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'restart_suspended', 6),
]
QUIET_OTHER = [
    ('LINE', 'quiet_other', 1),
    ('LINE', 'quiet_other', 2),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'quiet_other', 3),
    ('LINE', 'quiet_other', 4),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'quiet_other', 5),
    ('LINE', 'quiet_other', 6),
]
QUIET_OTHER_ENGINE = [
    ('LINE', 'quiet_other', 1),
    ('LINE', 'quiet_other', 2),
    ('LINE', 'lines_loop', 1),
    ('LINE', 'lines_loop', 2),
    ('LINE', 'lines_loop', 3),
    ('LINE', 'lines_loop', 4),
    ('LINE', 'lines_loop', 2),
]


if __name__ == "__main__":
    unittest.main()
