"""Exact streams of the exception events: RAISE, RERAISE, EXCEPTION_HANDLED,
PY_UNWIND, PY_THROW and STOP_ITERATION.

Streams are written as ``(event, co_name, exception)`` where the exception
is ``X(type, *args)`` (``support.normalize``); the tests that care also
check that the very object raised is the one passed.  Offsets depend on
the bytecode, so they are asserted only where a rule computes them from
``dis`` of the running code (``OffsetTest``, the helpers below):

* RAISE at a ``raise`` statement: its ``RAISE_VARARGS``; RERAISE at a bare
  ``raise``: its ``RAISE_VARARGS 0``.
* RAISE in a frame whose call raised: the same offset as that frame's
  PY_UNWIND (``after_call``).
* EXCEPTION_HANDLED: the first instruction of the innermost handler that
  covers the raising instruction: the exception table (3.11+), the target
  of the innermost ``SETUP_FINALLY``/``SETUP_WITH`` (3.8-3.10).
* RERAISE at the end of a handler: the first ``RERAISE`` (3.8:
  ``END_FINALLY``) from the handler's start.
* STOP_ITERATION: the ``END_FOR``/``END_SEND`` (3.12+, the target of the
  ``FOR_ITER``/``SEND``); before 3.12, which has neither, the
  ``FOR_ITER``/``SEND``/``YIELD_FROM`` itself.

Where no such rule exists (handlers of ``with``, ``except*``, coroutines
resumed through ``CLEANUP_THROW``) only the stream is asserted.

Where the old bytecode forces a different stream the expectation is pinned
per version with the reason (the constants just below).  Where the backport
disagrees with native and the bytecode does not force it, the test is an
expected failure on 3.8-3.11 with a comment starting ``ENGINE:``.

Only module-level code of this file is recorded (``MONITORED``): the test
methods themselves, unittest and the support module never appear.
"""

import dis
import sys
import threading
import types
import unittest

from tests.support import (PY, Layout, MonitoringTestCase, Recorder, X,
                           events, frame_lasti, in_files, monitoring,
                           normalize, run_in_thread)

E = events
DISABLE = monitoring.DISABLE
HERE = in_files(__file__)
NATIVE = PY >= (3, 12)

EXC = (E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED | E.PY_UNWIND |
       E.PY_THROW | E.STOP_ITERATION)

# 3.11+ compile every except, finally and with handler together with a
# cleanup handler (COPY 3; POP_EXCEPT; RERAISE 1) that covers it: an
# exception leaving a handler passes through it, which is one more
# EXCEPTION_HANDLED and one more RERAISE.  3.8-3.10 pop the handler's block
# from the block stack without running any bytecode.
CLEANUP_HANDLERS = PY >= (3, 11)

# 3.12+ wrap the body of every generator and coroutine in an implicit
# handler (CALL_INTRINSIC_1 STOPITERATION_ERROR; RERAISE 1): an exception
# leaving a generator passes through it (EXCEPTION_HANDLED + RERAISE)
# before PY_UNWIND.  Before 3.12 the interpreter does that check in C.
GENERATOR_HANDLER = PY >= (3, 12)

# 3.12+ catch an exception thrown into a ``yield from``/``await`` that the
# sub-iterator did not handle with a CLEANUP_THROW handler, which re-raises
# it (EXCEPTION_HANDLED + RERAISE at the same offset).  Before 3.12 the
# interpreter resumes the delegating frame with the exception directly.
CLEANUP_THROW = PY >= (3, 12)

# Before 3.12 (PEP 709) a list comprehension is a function of its own: an
# exception in it unwinds the <listcomp> frame and is raised again in the
# caller.  3.12+ inline it, with a handler that restores the iteration
# variable and re-raises (EXCEPTION_HANDLED + RERAISE in the caller).
COMPREHENSION_FRAMES = PY < (3, 12)

# 3.13.0 bug gh-140373: close() of a generator suspended outside any try
# block skips the frame: no PY_THROW, RAISE nor PY_UNWIND.  3.12 and the
# backport run the frame.
CLOSE_SKIPS_FRAME = PY == (3, 13)

# 3.14 (and 3.13 after gh-140373) clear a generator waiting at a plain
# ``yield`` outside every handler without running it when close() finds
# no tool with PY_UNWIND for its code: no event at all.  3.13.0 does so
# even with PY_UNWIND (the bug above), 3.12 never does.  The backport
# follows 3.14.
CLOSE_QUIET_WITHOUT_UNWIND = PY != (3, 12)

# 3.12+ fire STOP_ITERATION from the specialised FOR_ITER_GEN path only.
# The first execution of a FOR_ITER in a code object is not specialised
# yet: a generator finishing there makes FOR_ITER see a real StopIteration,
# reported as RAISE when it carries a value and not at all when the value
# is None.  The backport has no specialisation, but counts the FOR_ITERs
# that drove a generator (frames.c, loop_ran): the first such execution
# gives what the unspecialised one gives (executions before the events
# were set are not seen: docs/differences.md).
COLD_FOR_ITER_RAISES = True

# 3.12/3.13 quirk: an exception raised by an EXCEPTION_HANDLED callback is
# caught again by the handler that was being entered (the interpreter
# unwinds from the instruction that raised the original exception), which
# fires EXCEPTION_HANDLED again.  A callback that always raises loops for
# ever.
HANDLED_CALLBACK_ERROR_RECAUGHT = NATIVE



# Known difference (docs/differences.md), pinned here: a bare ``raise``
# in a frame that saw no exception itself, *caught in that same frame*,
# gives neither RERAISE nor EXCEPTION_HANDLED there (3.8-3.11): the
# interpreter re-raises it without telling the trace function, and the
# frame was not looking for re-raises.  (A bare ``raise`` that leaves the
# frame is found when the frame unwinds: test_bare_raise_in_called_function.)
ENGINE_BARE_RAISE_CAUGHT_IN_CALLEE = not NATIVE


def expected_failure_if(condition):
    return unittest.expectedFailure if condition else (lambda f: f)


def MONITORED(code):
    """Code filter: the module-level monitored code of this file, not the
    test cases' methods (``TEST_CODES``, filled in at the end)."""
    return HERE(code) and code not in TEST_CODES


TEST_CODES = frozenset()


# --------------------------------------------------------------------------
# Stream helpers

def stream(rec):
    """``(event, co_name, exception)`` for the exception events,
    ``(event, co_name, callable)`` for CALL/C_RETURN/C_RAISE."""
    out = []
    for r in rec.records:
        if r.event in ('CALL', 'C_RETURN', 'C_RAISE'):
            out.append((r.event, r.code.co_name, r.args[1]))
        else:
            out.append((r.event, r.code.co_name, normalize(r.args[-1])))
    return out


def offsets(rec, *names):
    """``(event, co_name, offset)`` of the records (of ``names`` only)."""
    return [(r.event, r.code.co_name, r.args[0]) for r in rec.records
            if not names or r.event in names]


def exceptions(rec):
    """The exception objects passed, in order."""
    return [r.args[-1] for r in rec.records]


def cleanup(name, exc):
    """The events of a 3.11+ handler's cleanup handler
    (CLEANUP_HANDLERS)."""
    if CLEANUP_HANDLERS:
        return [('EXCEPTION_HANDLED', name, exc), ('RERAISE', name, exc)]
    return []


def generator_exit(name, exc):
    """The events of 3.12+'s implicit generator handler
    (GENERATOR_HANDLER)."""
    if GENERATOR_HANDLER:
        return [('EXCEPTION_HANDLED', name, exc), ('RERAISE', name, exc)]
    return []


def cleanup_throw(name, exc):
    """The events of 3.12+'s CLEANUP_THROW handler (CLEANUP_THROW)."""
    if CLEANUP_THROW:
        return [('EXCEPTION_HANDLED', name, exc), ('RERAISE', name, exc)]
    return []


# --------------------------------------------------------------------------
# Offset rules (see the module docstring)

RERAISE_OPS = ('RERAISE', 'END_FINALLY')


def handler_for(code, offset):
    """First instruction of the innermost handler covering ``offset``."""
    if PY >= (3, 11):
        for entry in dis.Bytecode(code).exception_entries:
            if entry.start <= offset < entry.end:
                return entry.target
        raise AssertionError('%s: no handler covers %d'
                             % (code.co_name, offset))
    found = None
    for ins in dis.get_instructions(code):
        if (ins.opname in ('SETUP_FINALLY', 'SETUP_WITH',
                           'SETUP_ASYNC_WITH')
                and ins.offset < offset < ins.argval):
            found = ins.argval          # the latest one is the innermost
    if found is None:
        raise AssertionError('%s: no block covers %d'
                             % (code.co_name, offset))
    return found


def reraise_from(code, offset):
    """The first re-raising instruction at or after ``offset``."""
    for ins in dis.get_instructions(code):
        if ins.offset >= offset and ins.opname in RERAISE_OPS:
            return ins.offset
    raise AssertionError('%s: no re-raise after %d' % (code.co_name, offset))


def raise_at(func, rel_line):
    """The ``RAISE_VARARGS`` of the ``raise`` statement on a line."""
    return Layout(func.__code__).at_line(rel_line, 'RAISE_VARARGS')


def after_call(exc, code, python_callee):
    """RAISE (and PY_UNWIND) offset in a frame whose call raised ``exc``.

    3.8-3.12: the traceback's ``tb_lasti`` for the frame.  3.13.0 reports
    ``next_instr - 1``: the code unit before the CALL when the callee was a
    Python function, the CALL's last inline-cache entry when it was C."""
    lasti = frame_lasti(exc, code)
    if PY == (3, 13):
        if python_callee:
            return lasti - 2
        return Layout(code).next_offset(lasti) - 2
    return lasti


def instruction_at(code, offset):
    for ins in dis.get_instructions(code):
        if ins.offset == offset:
            return ins
    raise AssertionError('%s: no instruction at %d' % (code.co_name, offset))


def stop_iteration_at(func, rel_line):
    """STOP_ITERATION offset of the loop or delegation on a line."""
    off = Layout(func.__code__).at_line(rel_line, 'FOR_ITER', 'SEND',
                                        'YIELD_FROM')
    if PY >= (3, 12):
        return instruction_at(func.__code__, off).argval
    return off


def warm_up(func, *args):
    """Natively STOP_ITERATION comes from the specialised FOR_ITER
    (COLD_FOR_ITER_RAISES): run a loop a few times before monitoring it."""
    for _ in range(3):
        func(*args)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` matter (raise_at,
# Layout.suspension, stop_iteration_at).

def noop():
    return None


def raise_catch():
    try:
        raise KeyError('rc')
    except KeyError:
        return 'caught'


def catch_any():
    try:
        raise KeyError('any')
    except Exception as e:
        return e


def deep():
    raise KeyError('deep')


def middle():
    deep()


def top():
    try:
        middle()
    except KeyError as e:
        return e


def c_call_caught():
    try:
        int('x')
    except ValueError as e:
        return e


def raising_key(x):
    raise KeyError('key')


def through_c_function():
    try:
        return sorted([2, 1], key=raising_key)
    except KeyError:
        return 'caught'


def in_comprehension():
    try:
        return [1 // x for x in (1, 0)]
    except ZeroDivisionError:
        return 'caught'


def in_generator_expression():
    try:
        return list(1 // x for x in (1, 0))
    except ZeroDivisionError:
        return 'caught'


def bare_reraise():
    try:
        raise KeyError('b')
    except KeyError:
        raise


def reraise_current():
    raise


def helper_reraises():
    try:
        raise KeyError('h')
    except KeyError:
        reraise_current()


def reraise_and_catch():
    try:
        raise
    except KeyError:
        return 'caught'


def helper_reraises_caught():
    try:
        raise KeyError('c')
    except KeyError:
        return reraise_and_catch()


def raise_from():
    try:
        try:
            raise KeyError('inner')
        except KeyError as e:
            raise ValueError('outer') from e
    except ValueError as e:
        return e


def raise_in_handler_escapes():
    try:
        raise KeyError('first')
    except KeyError:
        raise ValueError('second')


def raise_in_named_handler_escapes():
    try:
        raise KeyError('first')
    except KeyError as e:
        raise ValueError('second') from e


def raise_in_handler_caught():
    try:
        raise KeyError('a')
    except KeyError:
        try:
            raise ValueError('b')
        except ValueError:
            return 'inner'


def finally_reraises():
    try:
        raise KeyError('f')
    finally:
        noop()


def nested_finally():
    try:
        try:
            raise KeyError('n')
        finally:
            noop()
    finally:
        noop()


def finally_returns():
    try:
        raise KeyError('r')
    finally:
        return 'swallowed'


def except_and_finally():
    try:
        raise KeyError('e')
    except KeyError:
        noop()
    finally:
        noop()
    return 'ok'


def finally_without_exception():
    try:
        noop()
    finally:
        noop()
    return 'ok'


class Swallow(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


class Propagate(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def with_swallows():
    with Swallow():
        raise KeyError('w')
    return 'after'


def with_propagates():
    with Propagate():
        raise KeyError('p')


def except_no_match():
    try:
        raise KeyError('n')
    except ValueError:
        return 'no'


def second_clause_matches():
    try:
        raise KeyError('s')
    except ValueError:
        return 'v'
    except KeyError:
        return 'k'


def gen_then_raise():
    yield 1
    raise KeyError('g')


def consume_gen_error():
    try:
        for _ in gen_then_raise():
            pass
    except KeyError:
        return 'caught'


def gen_catches():
    try:
        yield 1
    except KeyError:
        yield 2


def gen_simple():
    yield 1


def gen_returns_on_throw():
    try:
        yield 1
    except KeyError:
        return 'r'


def gen_in_loop(n):
    for k in range(n):
        yield k


def gen_delegating():
    yield from gen_in_loop(3)


def gen_finally():
    try:
        yield 1
    finally:
        noop()


def throw_into(g, exc):
    try:
        g.throw(exc)
    except KeyError as e:
        return e
    except StopIteration as e:
        return e


@types.coroutine
def suspend():
    yield 'tick'


async def coro_catches():
    try:
        await suspend()
    except KeyError:
        return 'caught'


async def coro_finally():
    try:
        await suspend()
    finally:
        noop()


async def async_gen():
    yield 1


async def async_for():
    async for _ in async_gen():
        pass
    return 'done'


def gen_returns_value():
    yield 1
    return 'v'


def gen_returns_none():
    yield 1


def gen_returns_at_once():
    return 'now'
    yield


def loop_over(genfunc):
    for _ in genfunc():
        pass
    return 'done'


def loop_catching(genfunc):
    try:
        for _ in genfunc():
            pass
    except RuntimeError as e:
        return e


def two_loops():
    for _ in gen_returns_none():
        pass
    for _ in gen_returns_value():
        pass


def listify():
    return list(gen_returns_value())


def delegate_to_value():
    result = yield from gen_returns_at_once()
    return result


def sub_returns_none():
    return None
    yield


def delegate_to_none():
    result = yield from sub_returns_none()
    return result


async def finished_coro():
    return 'done'


async def awaits_finished():
    return await finished_coro()


def next_until_stop(g):
    try:
        next(g)
    except StopIteration as e:
        return e


def send_until_stop(c):
    try:
        c.send(None)
    except StopIteration as e:
        return e


class Countdown(object):
    def __init__(self):
        self.n = 1

    def __iter__(self):
        return self

    def __next__(self):
        if self.n:
            self.n -= 1
            return self.n
        raise StopIteration('end')


def loop_over_iterator():
    for _ in Countdown():
        pass


def quiet_loop(n):
    total = 0
    for _ in range(n):
        try:
            total += 1
        except KeyError:
            total = -1
        finally:
            total += 1
        with Swallow():
            total += 1
    for _ in gen_returns_none():
        total += 1
    return total


# A frame that saw an exception looks for re-raises while it is inside one
# of its handlers, and no longer once it has left them (HandlerExitTest).

def gen_suspends_in_finally():
    try:
        raise KeyError('s')
    finally:
        yield 1


def consume_suspended():
    try:
        for _ in gen_suspends_in_finally():
            pass
    except KeyError:
        return 'caught'


def handled_then_finally():
    try:
        raise KeyError('a')
    except KeyError:
        noop()
    noop()
    try:
        raise ValueError('b')
    finally:
        noop()


def inner_handled_in_finally():
    try:
        raise KeyError('o')
    finally:
        try:
            raise ValueError('i')
        except ValueError:
            noop()
        noop()


def swallowed_then_finally():
    with Swallow():
        raise KeyError('w')
    try:
        raise ValueError('v')
    finally:
        noop()


def continue_from_handler():
    for i in range(2):
        try:
            raise KeyError(i)
        except KeyError:
            continue
    try:
        raise ValueError('c')
    finally:
        noop()


def break_from_finally():
    for i in range(2):
        try:
            raise KeyError(i)
        finally:
            break
    try:
        raise ValueError('f')
    finally:
        noop()


def handled_many(n):
    caught = 0
    for i in range(n):
        try:
            raise KeyError(i)
        except KeyError:
            caught += 1
    return caught


def opcodes_after_handler():
    try:
        raise KeyError('t')
    except KeyError:
        noop()
    return sys._getframe().f_trace_opcodes


def same_object_finally(e):
    try:
        raise e
    finally:
        try:
            raise ValueError('x')
        except ValueError:
            noop()
        noop()


def handling_passes_it_on():
    try:
        raise KeyError('same')
    except KeyError as e:
        try:
            same_object_finally(e)
        except KeyError:
            return 'caught'


class AsyncRange(object):
    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration
        self.n -= 1
        return self.n


async def async_for_then_finally():
    async for _ in AsyncRange(1):
        pass
    try:
        raise ValueError('af')
    finally:
        noop()



if PY >= (3, 11):
    # except* is 3.11+ syntax: compiled here so that the file parses on 3.8.
    exec(compile('''
def star_all_matched():
    try:
        raise ExceptionGroup('eg', [KeyError('k'), ValueError('v')])
    except* KeyError:
        pass
    except* ValueError:
        pass


def star_partial(group):
    try:
        raise group
    except* KeyError:
        pass
''', __file__, 'exec'))


# --------------------------------------------------------------------------

class ExcTestCase(MonitoringTestCase):
    maxDiff = None

    def record(self, event_set=EXC, respond=None, tool=0):
        return self.recorder(tool, event_set, MONITORED, respond=respond)

    def assertStream(self, rec, expected):
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(stream(rec), expected)


class OneFrameTest(ExcTestCase):

    def test_raise_and_catch(self):
        rec = self.record()
        self.assertEqual(raise_catch(), 'caught')
        self.stop()
        self.assertStream(rec, [
            ('RAISE', 'raise_catch', X(KeyError, 'rc')),
            ('EXCEPTION_HANDLED', 'raise_catch', X(KeyError, 'rc')),
        ])

    def test_same_object_in_every_event(self):
        rec = self.record()
        e = catch_any()
        self.stop()
        self.assertStream(rec, [
            ('RAISE', 'catch_any', X(KeyError, 'any')),
            ('EXCEPTION_HANDLED', 'catch_any', X(KeyError, 'any')),
        ])
        for passed in exceptions(rec):
            self.assertIs(passed, e)

    def test_bare_raise_is_a_reraise(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            bare_reraise()
        self.stop()
        k = X(KeyError, 'b')
        self.assertStream(rec, [
            ('RAISE', 'bare_reraise', k),
            ('EXCEPTION_HANDLED', 'bare_reraise', k),
            ('RERAISE', 'bare_reraise', k),
        ] + cleanup('bare_reraise', k) + [
            ('PY_UNWIND', 'bare_reraise', k),
        ])

    def test_bare_raise_in_called_function(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            helper_reraises()
        self.stop()
        k = X(KeyError, 'h')
        self.assertStream(rec, [
            ('RAISE', 'helper_reraises', k),
            ('EXCEPTION_HANDLED', 'helper_reraises', k),
            # a re-raise of the exception being handled: no RAISE there
            ('RERAISE', 'reraise_current', k),
            ('PY_UNWIND', 'reraise_current', k),
            ('RAISE', 'helper_reraises', k),
        ] + cleanup('helper_reraises', k) + [
            ('PY_UNWIND', 'helper_reraises', k),
        ])

    def test_bare_raise_in_called_function_callback_raises(self):
        # The RERAISE callback's exception replaces the re-raised one.
        def respond(r):
            if r.event == 'RERAISE':
                raise ValueError('from callback')
        rec = self.record(respond=respond)
        with self.assertRaises(ValueError) as cm:
            helper_reraises()
        self.stop()
        self.assertEqual(str(cm.exception), 'from callback')
        v = X(ValueError, 'from callback')
        self.assertEqual(stream(rec)[:5], [
            ('RAISE', 'helper_reraises', X(KeyError, 'h')),
            ('EXCEPTION_HANDLED', 'helper_reraises', X(KeyError, 'h')),
            ('RERAISE', 'reraise_current', X(KeyError, 'h')),
            ('PY_UNWIND', 'reraise_current', v),
            ('RAISE', 'helper_reraises', v),
        ])

    @expected_failure_if(ENGINE_BARE_RAISE_CAUGHT_IN_CALLEE)  # ENGINE: above
    def test_bare_raise_caught_in_called_function(self):
        rec = self.record()
        self.assertEqual(helper_reraises_caught(), 'caught')
        self.stop()
        k = X(KeyError, 'c')
        self.assertStream(rec, [
            ('RAISE', 'helper_reraises_caught', k),
            ('EXCEPTION_HANDLED', 'helper_reraises_caught', k),
            ('RERAISE', 'reraise_and_catch', k),
            ('EXCEPTION_HANDLED', 'reraise_and_catch', k),
        ])

    def test_raise_from(self):
        rec = self.record()
        e = raise_from()
        self.stop()
        self.assertIsInstance(e.__cause__, KeyError)
        self.assertIs(e.__context__, e.__cause__)
        k, v = X(KeyError, 'inner'), X(ValueError, 'outer')
        self.assertStream(rec, [
            ('RAISE', 'raise_from', k),
            ('EXCEPTION_HANDLED', 'raise_from', k),
            ('RAISE', 'raise_from', v),
            # ``except ... as e`` deletes ``e`` in a handler of its own
            ('EXCEPTION_HANDLED', 'raise_from', v),
            ('RERAISE', 'raise_from', v),
        ] + cleanup('raise_from', v) + [
            # the outer ``except ValueError``
            ('EXCEPTION_HANDLED', 'raise_from', v),
        ])
        self.assertIs(exceptions(rec)[2], e)
        self.assertIs(exceptions(rec)[0], e.__cause__)

    def test_new_exception_in_handler_escapes(self):
        rec = self.record()
        with self.assertRaises(ValueError) as cm:
            raise_in_handler_escapes()
        self.stop()
        self.assertIsInstance(cm.exception.__context__, KeyError)
        k, v = X(KeyError, 'first'), X(ValueError, 'second')
        name = 'raise_in_handler_escapes'
        self.assertStream(rec, [
            ('RAISE', name, k),
            ('EXCEPTION_HANDLED', name, k),
            ('RAISE', name, v),
        ] + cleanup(name, v) + [
            ('PY_UNWIND', name, v),
        ])

    def test_new_exception_in_handler_caught(self):
        rec = self.record()
        self.assertEqual(raise_in_handler_caught(), 'inner')
        self.stop()
        k, v = X(KeyError, 'a'), X(ValueError, 'b')
        name = 'raise_in_handler_caught'
        self.assertStream(rec, [
            ('RAISE', name, k),
            ('EXCEPTION_HANDLED', name, k),
            ('RAISE', name, v),
            ('EXCEPTION_HANDLED', name, v),
        ])

    def test_try_finally_reraises(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            finally_reraises()
        self.stop()
        k = X(KeyError, 'f')
        self.assertStream(rec, [
            ('RAISE', 'finally_reraises', k),
            ('EXCEPTION_HANDLED', 'finally_reraises', k),
            # the end of the finally block
            ('RERAISE', 'finally_reraises', k),
        ] + cleanup('finally_reraises', k) + [
            ('PY_UNWIND', 'finally_reraises', k),
        ])

    def test_nested_try_finally(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            nested_finally()
        self.stop()
        k = X(KeyError, 'n')
        name = 'nested_finally'
        self.assertStream(rec, [
            ('RAISE', name, k),
            ('EXCEPTION_HANDLED', name, k),
            ('RERAISE', name, k),
        ] + cleanup(name, k) + [
            # the outer finally block
            ('EXCEPTION_HANDLED', name, k),
            ('RERAISE', name, k),
        ] + cleanup(name, k) + [
            ('PY_UNWIND', name, k),
        ])

    def test_return_in_finally_discards_exception(self):
        rec = self.record()
        self.assertEqual(finally_returns(), 'swallowed')
        self.stop()
        k = X(KeyError, 'r')
        self.assertStream(rec, [
            ('RAISE', 'finally_returns', k),
            ('EXCEPTION_HANDLED', 'finally_returns', k),
        ])

    def test_except_then_finally(self):
        # the finally block runs after the handled exception: no re-raise
        rec = self.record()
        self.assertEqual(except_and_finally(), 'ok')
        self.stop()
        k = X(KeyError, 'e')
        self.assertStream(rec, [
            ('RAISE', 'except_and_finally', k),
            ('EXCEPTION_HANDLED', 'except_and_finally', k),
        ])

    def test_except_clause_does_not_match(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            except_no_match()
        self.stop()
        k = X(KeyError, 'n')
        self.assertStream(rec, [
            ('RAISE', 'except_no_match', k),
            ('EXCEPTION_HANDLED', 'except_no_match', k),
            ('RERAISE', 'except_no_match', k),
        ] + cleanup('except_no_match', k) + [
            ('PY_UNWIND', 'except_no_match', k),
        ])

    def test_second_clause_matches(self):
        # the clauses are tried one after the other in one handler
        rec = self.record()
        self.assertEqual(second_clause_matches(), 'k')
        self.stop()
        k = X(KeyError, 's')
        self.assertStream(rec, [
            ('RAISE', 'second_clause_matches', k),
            ('EXCEPTION_HANDLED', 'second_clause_matches', k),
        ])

    def test_exception_from_c_function(self):
        rec = self.record()
        e = c_call_caught()
        self.stop()
        self.assertStream(rec, [
            ('RAISE', 'c_call_caught', X(ValueError, e.args[0])),
            ('EXCEPTION_HANDLED', 'c_call_caught', X(ValueError, e.args[0])),
        ])
        self.assertIs(exceptions(rec)[0], e)


class WithTest(ExcTestCase):

    def test_exit_swallows(self):
        rec = self.record()
        self.assertEqual(with_swallows(), 'after')
        self.stop()
        k = X(KeyError, 'w')
        self.assertStream(rec, [
            ('RAISE', 'with_swallows', k),
            ('EXCEPTION_HANDLED', 'with_swallows', k),
        ])

    def test_exit_does_not_swallow(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            with_propagates()
        self.stop()
        k = X(KeyError, 'p')
        self.assertStream(rec, [
            ('RAISE', 'with_propagates', k),
            ('EXCEPTION_HANDLED', 'with_propagates', k),
            # 3.8: END_FINALLY after WITH_CLEANUP_FINISH; 3.9+: RERAISE
            ('RERAISE', 'with_propagates', k),
        ] + cleanup('with_propagates', k) + [
            ('PY_UNWIND', 'with_propagates', k),
        ])


class PropagationTest(ExcTestCase):

    def test_through_several_frames(self):
        rec = self.record()
        e = top()
        self.stop()
        k = X(KeyError, 'deep')
        self.assertStream(rec, [
            ('RAISE', 'deep', k),
            ('PY_UNWIND', 'deep', k),
            ('RAISE', 'middle', k),
            ('PY_UNWIND', 'middle', k),
            ('RAISE', 'top', k),
            ('EXCEPTION_HANDLED', 'top', k),
        ])
        for passed in exceptions(rec):
            self.assertIs(passed, e)

    def test_uncaught(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            middle()
        self.stop()
        k = X(KeyError, 'deep')
        self.assertStream(rec, [
            ('RAISE', 'deep', k),
            ('PY_UNWIND', 'deep', k),
            ('RAISE', 'middle', k),
            ('PY_UNWIND', 'middle', k),
        ])

    def test_through_c_function(self):
        # raised in a Python function called by C code (sorted's key):
        # RAISE again in the Python caller of that C function
        rec = self.record()
        self.assertEqual(through_c_function(), 'caught')
        self.stop()
        k = X(KeyError, 'key')
        self.assertStream(rec, [
            ('RAISE', 'raising_key', k),
            ('PY_UNWIND', 'raising_key', k),
            ('RAISE', 'through_c_function', k),
            ('EXCEPTION_HANDLED', 'through_c_function', k),
        ])

    def test_list_comprehension(self):
        rec = self.record()
        self.assertEqual(in_comprehension(), 'caught')
        self.stop()
        z = normalize(exceptions(rec)[0])
        self.assertIs(z.type, ZeroDivisionError)
        name = 'in_comprehension'
        if COMPREHENSION_FRAMES:
            expected = [('RAISE', '<listcomp>', z),
                        ('PY_UNWIND', '<listcomp>', z),
                        ('RAISE', name, z)]
        else:
            expected = [('RAISE', name, z),
                        ('EXCEPTION_HANDLED', name, z),
                        ('RERAISE', name, z)]
        expected += [('EXCEPTION_HANDLED', name, z)]
        self.assertStream(rec, expected)

    def test_generator_expression(self):
        rec = self.record()
        self.assertEqual(in_generator_expression(), 'caught')
        self.stop()
        z = normalize(exceptions(rec)[0])
        self.assertIs(z.type, ZeroDivisionError)
        name = 'in_generator_expression'
        self.assertStream(rec, [
            ('RAISE', '<genexpr>', z),
        ] + generator_exit('<genexpr>', z) + [
            ('PY_UNWIND', '<genexpr>', z),
            # out of list(), a C function
            ('RAISE', name, z),
            ('EXCEPTION_HANDLED', name, z),
        ])

    def test_other_thread(self):
        rec = self.record()
        e = run_in_thread(top)
        self.stop()
        k = X(KeyError, 'deep')
        self.assertStream(rec, [
            ('RAISE', 'deep', k),
            ('PY_UNWIND', 'deep', k),
            ('RAISE', 'middle', k),
            ('PY_UNWIND', 'middle', k),
            ('RAISE', 'top', k),
            ('EXCEPTION_HANDLED', 'top', k),
        ])
        self.assertEqual(len(set(r.thread for r in rec.records)), 1)
        self.assertNotEqual(rec.records[0].thread, threading.get_ident())
        self.assertIs(exceptions(rec)[0], e)

    def test_only_some_events(self):
        rec = self.record(E.PY_UNWIND | E.EXCEPTION_HANDLED)
        top()
        self.stop()
        k = X(KeyError, 'deep')
        self.assertStream(rec, [
            ('PY_UNWIND', 'deep', k),
            ('PY_UNWIND', 'middle', k),
            ('EXCEPTION_HANDLED', 'top', k),
        ])

    def test_no_events_without_exceptions(self):
        # a tool with only RAISE (and one with every exception event) sees
        # nothing while no exception happens ...
        rec = self.record(E.RAISE)
        rec_all = self.record(EXC & ~E.STOP_ITERATION, tool=1)
        self.assertEqual(quiet_loop(200), 601)
        self.assertEqual(finally_without_exception(), 'ok')
        self.assertStream(rec, [])
        self.assertStream(rec_all, [])
        # ... and does see the first one
        raise_catch()
        self.stop()
        self.assertStream(rec, [
            ('RAISE', 'raise_catch', X(KeyError, 'rc')),
        ])


class HandlerExitTest(ExcTestCase):
    """A frame stops looking for re-raises (opcode events: its cost) when
    it has left its handlers; the re-raises of a later exception, and of a
    generator resumed inside a handler, are found all the same."""

    RUNS = 3

    def repeated(self, func, *args, exc=None):
        rec = self.record()
        for _ in range(self.RUNS):
            if exc is None:
                func(*args)
            else:
                with self.assertRaises(exc):
                    func(*args)
        self.stop()
        return rec

    def assertRuns(self, rec, one_run):
        self.assertStream(rec, one_run * self.RUNS)

    def test_generator_resumed_inside_finally(self):
        rec = self.repeated(consume_suspended)
        k = X(KeyError, 's')
        g = 'gen_suspends_in_finally'
        self.assertRuns(rec, [
            ('RAISE', g, k),
            ('EXCEPTION_HANDLED', g, k),
            # the finally block's end, in the run after the yield
            ('RERAISE', g, k),
        ] + cleanup(g, k) + generator_exit(g, k) + [
            ('PY_UNWIND', g, k),
            ('RAISE', 'consume_suspended', k),
            ('EXCEPTION_HANDLED', 'consume_suspended', k),
        ])

    def test_handled_then_finally_reraises(self):
        rec = self.repeated(handled_then_finally, exc=ValueError)
        a, b = X(KeyError, 'a'), X(ValueError, 'b')
        name = 'handled_then_finally'
        self.assertRuns(rec, [
            ('RAISE', name, a),
            ('EXCEPTION_HANDLED', name, a),
            ('RAISE', name, b),
            ('EXCEPTION_HANDLED', name, b),
            ('RERAISE', name, b),
        ] + cleanup(name, b) + [
            ('PY_UNWIND', name, b),
        ])

    def test_inner_handler_left_inside_outer(self):
        rec = self.repeated(inner_handled_in_finally, exc=KeyError)
        o, i = X(KeyError, 'o'), X(ValueError, 'i')
        name = 'inner_handled_in_finally'
        self.assertRuns(rec, [
            ('RAISE', name, o),
            ('EXCEPTION_HANDLED', name, o),
            ('RAISE', name, i),
            ('EXCEPTION_HANDLED', name, i),
            # the outer finally block is still running: its end re-raises
            ('RERAISE', name, o),
        ] + cleanup(name, o) + [
            ('PY_UNWIND', name, o),
        ])

    def test_handler_of_the_exception_handled_outside(self):
        # the callee's handler takes the very exception its caller is
        # handling: 3.11 cannot tell by the handled exception that the
        # inner handler's end left the finally block running
        rec = self.repeated(handling_passes_it_on)
        k, x = X(KeyError, 'same'), X(ValueError, 'x')
        callee, caller = 'same_object_finally', 'handling_passes_it_on'
        self.assertRuns(rec, [
            ('RAISE', caller, k),
            ('EXCEPTION_HANDLED', caller, k),
            ('RAISE', callee, k),
            ('EXCEPTION_HANDLED', callee, k),
            ('RAISE', callee, x),
            ('EXCEPTION_HANDLED', callee, x),
            ('RERAISE', callee, k),
        ] + cleanup(callee, k) + [
            ('PY_UNWIND', callee, k),
            ('RAISE', caller, k),
            ('EXCEPTION_HANDLED', caller, k),
        ])

    def test_with_swallowed_then_finally(self):
        rec = self.repeated(swallowed_then_finally, exc=ValueError)
        w, v = X(KeyError, 'w'), X(ValueError, 'v')
        name = 'swallowed_then_finally'
        self.assertRuns(rec, [
            ('RAISE', name, w),
            ('EXCEPTION_HANDLED', name, w),
            ('RAISE', name, v),
            ('EXCEPTION_HANDLED', name, v),
            ('RERAISE', name, v),
        ] + cleanup(name, v) + [
            ('PY_UNWIND', name, v),
        ])

    def test_continue_from_handler(self):
        rec = self.repeated(continue_from_handler, exc=ValueError)
        c = X(ValueError, 'c')
        name = 'continue_from_handler'
        self.assertRuns(rec, [
            ('RAISE', name, X(KeyError, 0)),
            ('EXCEPTION_HANDLED', name, X(KeyError, 0)),
            ('RAISE', name, X(KeyError, 1)),
            ('EXCEPTION_HANDLED', name, X(KeyError, 1)),
            ('RAISE', name, c),
            ('EXCEPTION_HANDLED', name, c),
            ('RERAISE', name, c),
        ] + cleanup(name, c) + [
            ('PY_UNWIND', name, c),
        ])

    def test_break_from_finally(self):
        rec = self.repeated(break_from_finally, exc=ValueError)
        f = X(ValueError, 'f')
        name = 'break_from_finally'
        self.assertRuns(rec, [
            # the break discards the exception: no re-raise
            ('RAISE', name, X(KeyError, 0)),
            ('EXCEPTION_HANDLED', name, X(KeyError, 0)),
            ('RAISE', name, f),
            ('EXCEPTION_HANDLED', name, f),
            ('RERAISE', name, f),
        ] + cleanup(name, f) + [
            ('PY_UNWIND', name, f),
        ])

    def test_many_handled_in_one_run(self):
        rec = self.repeated(handled_many, 5)
        name = 'handled_many'
        one = []
        for i in range(5):
            one += [('RAISE', name, X(KeyError, i)),
                    ('EXCEPTION_HANDLED', name, X(KeyError, i))]
        self.assertRuns(rec, one)

    def test_async_for_end_then_finally(self):
        def run():
            c = async_for_then_finally()
            try:
                c.send(None)
            finally:
                c.close()
        rec = self.repeated(run, exc=ValueError)
        v = X(ValueError, 'af')
        name = 'async_for_then_finally'
        events = [r for r in stream(rec) if r[1] == name]
        # (StopAsyncIteration's own events are not the point here)
        events = [r for r in events if r[2].type is not StopAsyncIteration]
        self.assertEqual(events, ([
            # the await of __anext__, which returned 0
            ('STOP_ITERATION', name, X(StopIteration, 0)),
            ('RAISE', name, v),
            ('EXCEPTION_HANDLED', name, v),
            ('RERAISE', name, v),
        ] + cleanup(name, v) + generator_exit(name, v) + [
            ('PY_UNWIND', name, v),
        ]) * self.RUNS)

    def test_no_opcode_events_after_the_handler(self):
        # natively there never are; the backport stops them once the frame
        # has left its handlers (a frame that handled an exception runs at
        # the speed of one that did not)
        self.record()
        for _ in range(self.RUNS):
            self.assertFalse(opcodes_after_handler())
        self.stop()



class GeneratorTest(ExcTestCase):

    def test_exception_leaves_generator(self):
        rec = self.record()
        self.assertEqual(consume_gen_error(), 'caught')
        self.stop()
        k = X(KeyError, 'g')
        self.assertStream(rec, [
            ('RAISE', 'gen_then_raise', k),
        ] + generator_exit('gen_then_raise', k) + [
            ('PY_UNWIND', 'gen_then_raise', k),
            # into the consumer at its FOR_ITER: a RAISE, no STOP_ITERATION
            ('RAISE', 'consume_gen_error', k),
            ('EXCEPTION_HANDLED', 'consume_gen_error', k),
        ])

    def test_throw_handled(self):
        g = gen_catches()
        next(g)
        rec = self.record()
        self.assertEqual(g.throw(KeyError('t')), 2)
        self.stop()
        g.close()
        k = X(KeyError, 't')
        self.assertStream(rec, [
            ('PY_THROW', 'gen_catches', k),
            ('RAISE', 'gen_catches', k),
            ('EXCEPTION_HANDLED', 'gen_catches', k),
        ])

    def test_throw_unhandled(self):
        g = gen_simple()
        next(g)
        exc = KeyError('u')
        rec = self.record()
        self.assertIs(throw_into(g, exc), exc)
        self.stop()
        k = X(KeyError, 'u')
        self.assertStream(rec, [
            ('PY_THROW', 'gen_simple', k),
            ('RAISE', 'gen_simple', k),
        ] + generator_exit('gen_simple', k) + [
            ('PY_UNWIND', 'gen_simple', k),
            # out of the C call g.throw() into the caller
            ('RAISE', 'throw_into', k),
            ('EXCEPTION_HANDLED', 'throw_into', k),
        ])
        for passed in exceptions(rec):
            self.assertIs(passed, exc)

    def test_throw_into_unstarted_generator(self):
        g = gen_simple()
        rec = self.record()
        throw_into(g, KeyError('new'))
        self.stop()
        k = X(KeyError, 'new')
        # the implicit generator handler does not cover the RETURN_GENERATOR
        # at which an unstarted generator stands: no handler events
        self.assertStream(rec, [
            ('PY_THROW', 'gen_simple', k),
            ('RAISE', 'gen_simple', k),
            ('PY_UNWIND', 'gen_simple', k),
            ('RAISE', 'throw_into', k),
            ('EXCEPTION_HANDLED', 'throw_into', k),
        ])

    def test_throw_makes_generator_return(self):
        g = gen_returns_on_throw()
        next(g)
        rec = self.record()
        e = throw_into(g, KeyError('x'))
        self.stop()
        self.assertEqual(e.value, 'r')
        k = X(KeyError, 'x')
        self.assertStream(rec, [
            ('PY_THROW', 'gen_returns_on_throw', k),
            ('RAISE', 'gen_returns_on_throw', k),
            ('EXCEPTION_HANDLED', 'gen_returns_on_throw', k),
            # g.throw() raises StopIteration('r') in its caller: no
            # STOP_ITERATION, the consumer is C code
            ('RAISE', 'throw_into', X(StopIteration, 'r')),
            ('EXCEPTION_HANDLED', 'throw_into', X(StopIteration, 'r')),
        ])

    def test_close_in_try_finally(self):
        g = gen_finally()
        next(g)
        rec = self.record()
        g.close()
        self.stop()
        ge = X(GeneratorExit)
        self.assertStream(rec, [
            ('PY_THROW', 'gen_finally', ge),
            ('RAISE', 'gen_finally', ge),
            ('EXCEPTION_HANDLED', 'gen_finally', ge),
            ('RERAISE', 'gen_finally', ge),
        ] + cleanup('gen_finally', ge)
          + generator_exit('gen_finally', ge) + [
            ('PY_UNWIND', 'gen_finally', ge),
        ])

    def test_close_outside_try(self):
        g = gen_simple()
        next(g)
        rec = self.record()
        g.close()
        self.stop()
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_SKIPS_FRAME:
            expected = [
                ('PY_THROW', 'gen_simple', ge),
                ('RAISE', 'gen_simple', ge),
            ] + generator_exit('gen_simple', ge) + [
                ('PY_UNWIND', 'gen_simple', ge),
            ]
        self.assertStream(rec, expected)


class CloseWithoutUnwindTest(ExcTestCase):
    """close() when no tool has PY_UNWIND (CLOSE_QUIET_WITHOUT_UNWIND)."""

    THROWN = E.PY_THROW | E.RAISE | E.EXCEPTION_HANDLED | E.RERAISE

    def closed(self, g, close=None):
        next(g)
        rec = self.record(self.THROWN)
        (close or g.close)()
        self.stop()
        return rec

    def test_close_at_plain_yield(self):
        rec = self.closed(gen_in_loop(3))
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_QUIET_WITHOUT_UNWIND:
            expected = [
                ('PY_THROW', 'gen_in_loop', ge),
                ('RAISE', 'gen_in_loop', ge),
            ] + generator_exit('gen_in_loop', ge)
        self.assertStream(rec, expected)

    def test_finalizer_at_plain_yield(self):
        g = gen_in_loop(3)
        next(g)
        rec = self.record(self.THROWN)
        del g
        self.stop()
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_QUIET_WITHOUT_UNWIND:
            expected = [
                ('PY_THROW', 'gen_in_loop', ge),
                ('RAISE', 'gen_in_loop', ge),
            ] + generator_exit('gen_in_loop', ge)
        self.assertStream(rec, expected)

    def test_close_inside_except_block(self):
        # close()'s GeneratorExit is chained to the exception being
        # handled; still close(), not throw()
        g = gen_in_loop(3)
        next(g)
        rec = self.record(self.THROWN)
        try:
            raise KeyError('handled')
        except KeyError:
            g.close()
        self.stop()
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_QUIET_WITHOUT_UNWIND:
            expected = [
                ('PY_THROW', 'gen_in_loop', ge),
                ('RAISE', 'gen_in_loop', ge),
            ] + generator_exit('gen_in_loop', ge)
        # (the test method itself is not monitored: MONITORED)
        self.assertStream(rec, expected)

    def test_throw_generator_exit_runs_the_frame(self):
        # throw(GeneratorExit) is not close(): the frame runs, everywhere
        g = gen_in_loop(3)
        rec = self.closed(g, lambda: self.assertRaises(
            GeneratorExit, g.throw, GeneratorExit))
        ge = X(GeneratorExit)
        self.assertStream(rec, [
            ('PY_THROW', 'gen_in_loop', ge),
            ('RAISE', 'gen_in_loop', ge),
        ] + generator_exit('gen_in_loop', ge))

    def test_close_in_try_finally_runs_the_frame(self):
        rec = self.closed(gen_finally())
        ge = X(GeneratorExit)
        self.assertStream(rec, [
            ('PY_THROW', 'gen_finally', ge),
            ('RAISE', 'gen_finally', ge),
            ('EXCEPTION_HANDLED', 'gen_finally', ge),
            ('RERAISE', 'gen_finally', ge),
        ] + cleanup('gen_finally', ge) + generator_exit('gen_finally', ge))

    def test_close_with_unwind_in_another_tool(self):
        # PY_UNWIND for any tool: the frame runs, with every tool's events
        # (not on 3.13.0, CLOSE_SKIPS_FRAME)
        g = gen_in_loop(3)
        next(g)
        rec = self.record(self.THROWN)
        other = self.recorder(1, E.PY_UNWIND, MONITORED)
        g.close()
        self.stop()
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_SKIPS_FRAME:
            expected = [
                ('PY_THROW', 'gen_in_loop', ge),
                ('RAISE', 'gen_in_loop', ge),
            ] + generator_exit('gen_in_loop', ge)
        self.assertStream(rec, expected)
        self.assertStream(other, [('PY_UNWIND', 'gen_in_loop', ge)]
                          if not CLOSE_SKIPS_FRAME else [])

    def test_close_delegating(self):
        # the delegate (plain yield) is cleared quietly; the delegating
        # generator, waiting in `yield from`, runs
        rec = self.closed(gen_delegating())
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_QUIET_WITHOUT_UNWIND:
            expected = [
                ('PY_THROW', 'gen_in_loop', ge),
                ('RAISE', 'gen_in_loop', ge),
            ] + generator_exit('gen_in_loop', ge)
        expected += [
            ('PY_THROW', 'gen_delegating', ge),
            ('RAISE', 'gen_delegating', ge),
        ] + cleanup_throw('gen_delegating', ge) + generator_exit(
            'gen_delegating', ge)
        self.assertStream(rec, expected)


class CoroutineTest(ExcTestCase):

    def test_throw_through_await(self):
        c = coro_catches()
        self.assertEqual(c.send(None), 'tick')
        exc = KeyError('ct')
        rec = self.record()
        e = throw_into(c, exc)
        self.stop()
        self.assertEqual(e.value, 'caught')
        k = X(KeyError, 'ct')
        s = X(StopIteration, 'caught')
        self.assertStream(rec, [
            # throw() goes to the awaited generator first
            ('PY_THROW', 'suspend', k),
            ('RAISE', 'suspend', k),
        ] + generator_exit('suspend', k) + [
            ('PY_UNWIND', 'suspend', k),
            # then the coroutine is resumed with its exception
            ('PY_THROW', 'coro_catches', k),
            ('RAISE', 'coro_catches', k),
        ] + cleanup_throw('coro_catches', k) + [
            ('EXCEPTION_HANDLED', 'coro_catches', k),
            ('RAISE', 'throw_into', s),
            ('EXCEPTION_HANDLED', 'throw_into', s),
        ])
        for passed in exceptions(rec)[:-2]:
            self.assertIs(passed, exc)

    def test_close_through_await(self):
        c = coro_finally()
        c.send(None)
        rec = self.record()
        c.close()
        self.stop()
        ge = X(GeneratorExit)
        expected = []
        if not CLOSE_SKIPS_FRAME:
            # the awaited generator is closed first
            expected += [
                ('PY_THROW', 'suspend', ge),
                ('RAISE', 'suspend', ge),
            ] + generator_exit('suspend', ge) + [
                ('PY_UNWIND', 'suspend', ge),
            ]
        expected += [
            ('PY_THROW', 'coro_finally', ge),
            ('RAISE', 'coro_finally', ge),
        ] + cleanup_throw('coro_finally', ge) + [
            ('EXCEPTION_HANDLED', 'coro_finally', ge),
            ('RERAISE', 'coro_finally', ge),
        ] + cleanup('coro_finally', ge) + generator_exit(
            'coro_finally', ge) + [
            ('PY_UNWIND', 'coro_finally', ge),
        ]
        self.assertStream(rec, expected)


    def test_async_for(self):
        # The values of an async generator come out of C awaitables as real
        # StopIteration exceptions (RAISE, not STOP_ITERATION); the end of
        # the loop is a StopAsyncIteration caught by END_ASYNC_FOR's handler.
        rec = self.record()
        self.assertEqual(send_until_stop(async_for()).value, 'done')
        self.stop()
        sai = X(StopAsyncIteration)
        self.assertStream(rec, [
            ('RAISE', 'async_for', X(StopIteration, 1)),
            ('RAISE', 'async_for', sai),
            ('EXCEPTION_HANDLED', 'async_for', sai),
            ('RAISE', 'send_until_stop', X(StopIteration, 'done')),
            ('EXCEPTION_HANDLED', 'send_until_stop',
             X(StopIteration, 'done')),
        ])


class StopIterationTest(ExcTestCase):

    def test_for_loop_generator_returns_value(self):
        warm_up(loop_over, gen_returns_value)
        rec = self.record()
        self.assertEqual(loop_over(gen_returns_value), 'done')
        self.stop()
        # in the consumer frame, not RAISE; a StopIteration with the value
        self.assertStream(rec, [
            ('STOP_ITERATION', 'loop_over', X(StopIteration, 'v')),
        ])
        self.assertEqual(exceptions(rec)[0].value, 'v')

    def test_for_loop_generator_returns_none(self):
        warm_up(loop_over, gen_returns_none)
        rec = self.record()
        loop_over(gen_returns_none)
        self.stop()
        self.assertStream(rec, [
            ('STOP_ITERATION', 'loop_over', X(StopIteration)),
        ])
        self.assertIsNone(exceptions(rec)[0].value)

    def test_for_loop_cold(self):
        # A fresh code object: natively its FOR_ITER is not specialised at
        # its first execution (COLD_FOR_ITER_RAISES).
        fresh = types.FunctionType(loop_over.__code__.replace(), globals())
        rec = self.record()
        fresh(gen_returns_at_once)
        fresh(gen_returns_at_once)
        fresh2 = types.FunctionType(loop_over.__code__.replace(), globals())
        fresh2(sub_returns_none)
        fresh2(sub_returns_none)
        self.stop()
        now = X(StopIteration, 'now')
        if COLD_FOR_ITER_RAISES:
            expected = [('RAISE', 'loop_over', now),
                        ('STOP_ITERATION', 'loop_over', now),
                        ('STOP_ITERATION', 'loop_over', X(StopIteration))]
        else:
            expected = [('STOP_ITERATION', 'loop_over', now)] * 2 + [
                ('STOP_ITERATION', 'loop_over', X(StopIteration))] * 2
        self.assertStream(rec, expected)

    def test_for_loop_warm_under_frame_events(self):
        # A loop's execution while only frame events are wanted (no RAISE
        # or STOP_ITERATION anywhere: the generator's end fires nothing,
        # and the backport skips the rest of its work there) still counts:
        # natively the FOR_ITER specialises whatever is monitored.
        fresh = types.FunctionType(loop_over.__code__.replace(), globals())
        self.use_tool(3)
        monitoring.register_callback(3, E.PY_START, lambda *args: None)
        monitoring.set_events(3, E.PY_START | E.PY_RETURN)
        fresh(gen_returns_at_once)
        monitoring.set_events(3, 0)
        monitoring.register_callback(3, E.PY_START, None)
        rec = self.record()
        fresh(gen_returns_at_once)
        self.stop()
        self.assertStream(rec, [
            ('STOP_ITERATION', 'loop_over', X(StopIteration, 'now'))])

    def test_raise_switched_on_as_the_generator_frame_goes(self):
        # RAISE set by a finalizer that runs when the finished generator's
        # frame is released, before the consumer's FOR_ITER takes the
        # StopIteration: the loop ran before, so natively no RAISE (the
        # backport's skip of the generator's end must leave the consumer
        # what it needs; review15's finding).
        armed = []

        class Tok:
            def __del__(self):
                if armed:
                    monitoring.set_events(3, E.PY_RETURN | E.RAISE)

        def gen():
            t = Tok()
            yield 1
            yield 2
            return 'done'

        def consumer():
            n = 0
            for x in gen():
                n += x
            return n

        got = []
        self.use_tool(3)
        monitoring.register_callback(3, E.PY_RETURN, lambda *args: None)
        monitoring.register_callback(
            3, E.RAISE, lambda code, off, exc: got.append(
                (code.co_name, type(exc).__name__)))
        self.addCleanup(monitoring.register_callback, 3, E.PY_RETURN, None)
        self.addCleanup(monitoring.register_callback, 3, E.RAISE, None)
        try:
            for i in range(3):
                monitoring.set_events(3, E.PY_RETURN)
                armed[:] = [1] if i else []
                consumer()
        finally:
            monitoring.set_events(3, 0)
        self.assertEqual(got, [])

    def test_for_loop_cold_after_yields(self):
        # A loop whose generator yielded ran its FOR_ITER more than once:
        # specialised natively by the generator's end, and for every later
        # loop there, even over a generator that returns at once.
        fresh = types.FunctionType(loop_over.__code__.replace(), globals())
        rec = self.record()
        fresh(gen_returns_value)
        fresh(gen_returns_at_once)
        self.stop()
        self.assertStream(rec, [
            ('STOP_ITERATION', 'loop_over', X(StopIteration, 'v')),
            ('STOP_ITERATION', 'loop_over', X(StopIteration, 'now'))])

    def test_for_loop_under_line_level_events(self):
        # Natively, LINE, INSTRUCTION or BRANCH instrumentation of the
        # consumer's code (by any tool) keeps its FOR_ITER from being
        # specialised: a generator finishing there is reported as RAISE
        # when it returns a value and not at all when it returns None.
        # SEND (yield from, await) is not affected.
        warm_up(loop_over, gen_returns_value)
        warm_up(loop_over, gen_returns_none)
        for event in ('LINE', 'INSTRUCTION', 'BRANCH'):
            with self.subTest(event=event):
                rec = self.record()
                self.use_tool(1)
                self.set_local_events(1, loop_over.__code__,
                                      getattr(E, event))
                self.set_local_events(1, delegate_to_none.__code__,
                                      getattr(E, event))
                loop_over(gen_returns_value)
                loop_over(gen_returns_none)
                next_until_stop(delegate_to_none())
                self.stop()
                self._release_tool(1)
                self._release_tool(0)
                s = X(StopIteration)
                self.assertStream(rec, [
                    ('RAISE', 'loop_over', X(StopIteration, 'v')),
                    ('STOP_ITERATION', 'delegate_to_none', s),
                    ('RAISE', 'next_until_stop', s),
                    ('EXCEPTION_HANDLED', 'next_until_stop', s),
                ])

    def test_yield_from_finished_generator(self):
        rec = self.record()
        e = next_until_stop(delegate_to_value())
        self.stop()
        self.assertEqual(e.value, 'now')
        s = X(StopIteration, 'now')
        self.assertStream(rec, [
            # the sub-generator returns into the delegating frame's SEND
            ('STOP_ITERATION', 'delegate_to_value', s),
            # then the delegating generator returns into next(): a C caller
            ('RAISE', 'next_until_stop', s),
            ('EXCEPTION_HANDLED', 'next_until_stop', s),
        ])
        self.assertIs(exceptions(rec)[1], e)

    def test_yield_from_generator_returning_none(self):
        rec = self.record()
        next_until_stop(delegate_to_none())
        self.stop()
        s = X(StopIteration)
        self.assertStream(rec, [
            ('STOP_ITERATION', 'delegate_to_none', s),
            ('RAISE', 'next_until_stop', s),
            ('EXCEPTION_HANDLED', 'next_until_stop', s),
        ])

    def test_await_finished_coroutine(self):
        rec = self.record()
        e = send_until_stop(awaits_finished())
        self.stop()
        self.assertEqual(e.value, 'done')
        s = X(StopIteration, 'done')
        self.assertStream(rec, [
            ('STOP_ITERATION', 'awaits_finished', s),
            ('RAISE', 'send_until_stop', s),
            ('EXCEPTION_HANDLED', 'send_until_stop', s),
        ])

    def test_list_of_generator(self):
        # C consumer: no STOP_ITERATION, no RAISE
        rec = self.record()
        self.assertEqual(listify(), [1])
        self.stop()
        self.assertStream(rec, [])

    def test_next_on_exhausted_generator(self):
        g = gen_returns_none()
        list(g)
        rec = self.record()
        e = next_until_stop(g)
        self.stop()
        self.assertStream(rec, [
            ('RAISE', 'next_until_stop', X(StopIteration)),
            ('EXCEPTION_HANDLED', 'next_until_stop', X(StopIteration)),
        ])
        self.assertIs(exceptions(rec)[0], e)

    def test_next_with_call_events(self):
        # next() is a C function: C_RAISE, then RAISE in the caller; first
        # for the generator finishing, then for the exhausted generator
        g = gen_returns_value()
        next(g)
        rec = self.record(EXC | E.CALL | E.C_RETURN | E.C_RAISE)
        next_until_stop(g)
        next_until_stop(g)
        self.stop()
        v, none = X(StopIteration, 'v'), X(StopIteration)
        self.assertStream(rec, [
            ('CALL', 'next_until_stop', next),
            ('C_RAISE', 'next_until_stop', next),
            ('RAISE', 'next_until_stop', v),
            ('EXCEPTION_HANDLED', 'next_until_stop', v),
            ('CALL', 'next_until_stop', next),
            ('C_RAISE', 'next_until_stop', next),
            ('RAISE', 'next_until_stop', none),
            ('EXCEPTION_HANDLED', 'next_until_stop', none),
        ])

    def test_python_iterator_raising_stop_iteration(self):
        # a real StopIteration: RAISE where it is raised and again in the
        # consumer's FOR_ITER, which swallows it without a handler
        rec = self.record()
        loop_over_iterator()
        self.stop()
        s = X(StopIteration, 'end')
        self.assertStream(rec, [
            ('RAISE', '__next__', s),
            ('PY_UNWIND', '__next__', s),
            ('RAISE', 'loop_over_iterator', s),
        ])

    def test_disable_per_location(self):
        warm_up(two_loops)
        first = stop_iteration_at(two_loops, 1)

        def respond(r):
            if r.args[0] == first:
                return DISABLE
        rec = self.record(E.STOP_ITERATION, respond)
        two_loops()
        two_loops()
        self.assertEqual(offsets(rec), [
            ('STOP_ITERATION', 'two_loops', first),
            ('STOP_ITERATION', 'two_loops', stop_iteration_at(two_loops, 3)),
            ('STOP_ITERATION', 'two_loops', stop_iteration_at(two_loops, 3)),
        ])
        rec.clear()
        monitoring.restart_events()
        two_loops()
        self.stop()
        self.assertStream(rec, [
            ('STOP_ITERATION', 'two_loops', X(StopIteration)),
            ('STOP_ITERATION', 'two_loops', X(StopIteration, 'v')),
        ])

    def test_local_event(self):
        warm_up(two_loops)
        warm_up(loop_over, gen_returns_value)
        self.use_tool(0)
        rec = Recorder(0, E.STOP_ITERATION, MONITORED).register()
        self.set_local_events(0, two_loops.__code__, E.STOP_ITERATION)
        loop_over(gen_returns_value)
        two_loops()
        self.set_local_events(0, two_loops.__code__, 0)
        two_loops()
        self.assertStream(rec, [
            ('STOP_ITERATION', 'two_loops', X(StopIteration)),
            ('STOP_ITERATION', 'two_loops', X(StopIteration, 'v')),
        ])


@unittest.skipUnless(PY >= (3, 11), 'except* is 3.11+')
class ExceptStarTest(ExcTestCase):

    def test_all_matched(self):
        rec = self.record()
        star_all_matched()   # noqa: F821 (defined by exec above)
        self.stop()
        self.assertEqual([(e, n, x.type) for (e, n, x) in stream(rec)], [
            ('RAISE', 'star_all_matched', ExceptionGroup),  # noqa: F821
            ('EXCEPTION_HANDLED', 'star_all_matched',
             ExceptionGroup),  # noqa: F821
        ])

    def test_partly_matched(self):
        k, v = KeyError('k'), ValueError('v')
        group = ExceptionGroup('eg', [k, v])  # noqa: F821
        rec = self.record()
        with self.assertRaises(ExceptionGroup) as cm:  # noqa: F821
            star_partial(group)  # noqa: F821
        self.stop()
        rest = cm.exception
        self.assertEqual(rest.exceptions, (v,))
        self.assertEqual([(r.event, r.code.co_name) for r in rec.records], [
            ('RAISE', 'star_partial'),
            ('EXCEPTION_HANDLED', 'star_partial'),
            # what no clause matched, as a new group; the RERAISE is after
            # the handler's cleanup range: no cleanup events
            ('RERAISE', 'star_partial'),
            ('PY_UNWIND', 'star_partial'),
        ])
        self.assertEqual(exceptions(rec), [group, group, rest, rest])
        self.assertIs(exceptions(rec)[0], group)
        self.assertIs(exceptions(rec)[2], rest)


class OffsetTest(ExcTestCase):

    def test_raise_and_handler(self):
        rec = self.record()
        raise_catch()
        self.stop()
        r = raise_at(raise_catch, 2)
        self.assertEqual(offsets(rec), [
            ('RAISE', 'raise_catch', r),
            ('EXCEPTION_HANDLED', 'raise_catch',
             handler_for(raise_catch.__code__, r)),
        ])

    def test_handler_rule(self):
        # the rule handler_for relies on, per version
        L = Layout(raise_catch.__code__)
        h = handler_for(raise_catch.__code__, raise_at(raise_catch, 2))
        if PY >= (3, 11):
            self.assertEqual(L.opname_at(h), 'PUSH_EXC_INFO')
        else:
            self.assertEqual(L.opname_at(h), 'DUP_TOP')
            self.assertEqual(L.opname_at(0), 'SETUP_FINALLY')

    def test_propagation(self):
        rec = self.record()
        e = top()
        self.stop()
        r = raise_at(deep, 1)
        m = after_call(e, middle.__code__, True)
        t = after_call(e, top.__code__, True)
        h = handler_for(top.__code__, frame_lasti(e, top.__code__))
        self.assertEqual(offsets(rec), [
            ('RAISE', 'deep', r),
            ('PY_UNWIND', 'deep', r),
            ('RAISE', 'middle', m),
            ('PY_UNWIND', 'middle', m),
            ('RAISE', 'top', t),
            ('EXCEPTION_HANDLED', 'top', h),
        ])

    def test_from_c_function(self):
        rec = self.record()
        e = c_call_caught()
        self.stop()
        code = c_call_caught.__code__
        self.assertEqual(offsets(rec), [
            ('RAISE', 'c_call_caught', after_call(e, code, False)),
            ('EXCEPTION_HANDLED', 'c_call_caught',
             handler_for(code, frame_lasti(e, code))),
        ])

    def reraise_chain(self, func, first_reraise=None):
        """Offsets of RAISE, EXCEPTION_HANDLED, RERAISE (the handler's end
        or ``first_reraise``), the cleanup handler's pair (3.11+) and
        PY_UNWIND for ``func``, which raises on line +2."""
        code = func.__code__
        name = code.co_name
        r = raise_at(func, 2)
        h = handler_for(code, r)
        rr = first_reraise if first_reraise is not None else reraise_from(
            code, h)
        expected = [('RAISE', name, r), ('EXCEPTION_HANDLED', name, h),
                    ('RERAISE', name, rr)]
        if CLEANUP_HANDLERS:
            c = handler_for(code, rr)
            self.assertEqual(Layout(code).opname_at(c), 'COPY')
            rr = reraise_from(code, c)
            expected += [('EXCEPTION_HANDLED', name, c),
                         ('RERAISE', name, rr)]
        expected.append(('PY_UNWIND', name, rr))
        return expected

    def test_try_finally(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            finally_reraises()
        self.stop()
        self.assertEqual(offsets(rec), self.reraise_chain(finally_reraises))

    def test_except_no_match(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            except_no_match()
        self.stop()
        self.assertEqual(offsets(rec), self.reraise_chain(except_no_match))

    def test_bare_raise(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            bare_reraise()
        self.stop()
        bare = raise_at(bare_reraise, 4)
        self.assertEqual(instruction_at(bare_reraise.__code__, bare).arg, 0)
        self.assertEqual(offsets(rec),
                         self.reraise_chain(bare_reraise, bare))

    def test_with_does_not_swallow(self):
        rec = self.record()
        with self.assertRaises(KeyError):
            with_propagates()
        self.stop()
        self.assertEqual(offsets(rec), self.reraise_chain(with_propagates))

    def test_raise_in_named_handler(self):
        # ``except ... as e`` deletes ``e`` in a handler of its own, whose
        # re-raise is the last instruction run: PY_UNWIND reports it
        func = raise_in_named_handler_escapes
        code = func.__code__
        name = code.co_name
        rec = self.record()
        with self.assertRaises(ValueError):
            func()
        self.stop()
        r1, r2 = raise_at(func, 2), raise_at(func, 4)
        h2 = handler_for(code, r2)
        rr = reraise_from(code, h2)
        expected = [('RAISE', name, r1),
                    ('EXCEPTION_HANDLED', name, handler_for(code, r1)),
                    ('RAISE', name, r2),
                    ('EXCEPTION_HANDLED', name, h2),
                    ('RERAISE', name, rr)]
        if CLEANUP_HANDLERS:
            c = handler_for(code, rr)
            rr = reraise_from(code, c)
            expected += [('EXCEPTION_HANDLED', name, c),
                         ('RERAISE', name, rr)]
        expected.append(('PY_UNWIND', name, rr))
        self.assertEqual(offsets(rec), expected)

    def test_throw(self):
        g = gen_catches()
        next(g)
        rec = self.record()
        g.throw(KeyError('t'))
        self.stop()
        g.close()
        L = Layout(gen_catches.__code__)
        s0 = L.suspension(2)
        self.assertEqual(offsets(rec), [
            ('PY_THROW', 'gen_catches', s0.throw),
            # RAISE at the yield itself (3.13 too, where PY_THROW reports
            # the RESUME after it)
            ('RAISE', 'gen_catches', s0.yield_),
            ('EXCEPTION_HANDLED', 'gen_catches',
             handler_for(gen_catches.__code__, s0.yield_)),
        ])

    def test_throw_into_unstarted_generator(self):
        g = gen_simple()
        rec = self.record()
        throw_into(g, KeyError('new'))
        self.stop()
        L = Layout(gen_simple.__code__)
        self.assertEqual(offsets(rec, 'PY_THROW', 'RAISE', 'PY_UNWIND')[:3], [
            ('PY_THROW', 'gen_simple', L.unstarted_throw),
            ('RAISE', 'gen_simple', 0),
            ('PY_UNWIND', 'gen_simple', 0),
        ])

    def test_generator_exit_handler(self):
        g = gen_simple()
        next(g)
        rec = self.record()
        throw_into(g, KeyError('u'))
        self.stop()
        code = gen_simple.__code__
        L = Layout(code)
        s0 = L.suspensions[0]
        expected = [('PY_THROW', 'gen_simple', s0.throw),
                    ('RAISE', 'gen_simple', s0.yield_)]
        if GENERATOR_HANDLER:
            h = handler_for(code, s0.yield_)
            self.assertEqual(L.opname_at(h), 'CALL_INTRINSIC_1')
            expected += [('EXCEPTION_HANDLED', 'gen_simple', h),
                         ('RERAISE', 'gen_simple', reraise_from(code, h)),
                         ('PY_UNWIND', 'gen_simple', reraise_from(code, h))]
        else:
            expected += [('PY_UNWIND', 'gen_simple', s0.yield_)]
        self.assertEqual(offsets(rec)[:len(expected)], expected)

    def test_stop_iteration(self):
        warm_up(loop_over, gen_returns_value)
        rec = self.record()
        loop_over(gen_returns_value)
        next_until_stop(delegate_to_value())
        send_until_stop(awaits_finished())
        self.stop()
        self.assertEqual(offsets(rec, 'STOP_ITERATION'), [
            ('STOP_ITERATION', 'loop_over', stop_iteration_at(loop_over, 1)),
            ('STOP_ITERATION', 'delegate_to_value',
             stop_iteration_at(delegate_to_value, 1)),
            ('STOP_ITERATION', 'awaits_finished',
             stop_iteration_at(awaits_finished, 1)),
        ])

    def test_stop_iteration_rule(self):
        L = Layout(loop_over.__code__)
        off = stop_iteration_at(loop_over, 1)
        if PY >= (3, 12):
            self.assertEqual(L.opname_at(off), 'END_FOR')
        else:
            self.assertEqual(L.opname_at(off), 'FOR_ITER')
        op = Layout(delegate_to_value.__code__).opname_at(
            stop_iteration_at(delegate_to_value, 1))
        self.assertEqual(op, {(3, 12): 'END_SEND', (3, 13): 'END_SEND',
                              (3, 11): 'SEND'}.get(PY, 'YIELD_FROM'))


class CallbackTest(ExcTestCase):

    def test_raise_callback_replaces_exception(self):
        def respond(r):
            if r.event == 'RAISE' and isinstance(r.args[1], KeyError):
                raise RuntimeError('from RAISE')
        rec = self.record(respond=respond)
        e = catch_any()
        self.stop()
        self.assertIsInstance(e, RuntimeError)
        self.assertIsNone(e.__context__)
        self.assertStream(rec, [
            ('RAISE', 'catch_any', X(KeyError, 'any')),
            # no RAISE for the callback's exception
            ('EXCEPTION_HANDLED', 'catch_any', X(RuntimeError, 'from RAISE')),
        ])

    def test_unwind_callback_replaces_exception(self):
        def respond(r):
            if r.event == 'PY_UNWIND' and isinstance(r.args[1], KeyError):
                raise RuntimeError('from PY_UNWIND')
        rec = self.record(respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            middle()
        self.stop()
        self.assertIsNone(cm.exception.__context__)
        rt = X(RuntimeError, 'from PY_UNWIND')
        self.assertStream(rec, [
            ('RAISE', 'deep', X(KeyError, 'deep')),
            ('PY_UNWIND', 'deep', X(KeyError, 'deep')),
            ('RAISE', 'middle', rt),
            ('PY_UNWIND', 'middle', rt),
        ])

    def test_reraise_callback_replaces_exception(self):
        def respond(r):
            if r.event == 'RERAISE' and isinstance(r.args[1], KeyError):
                raise RuntimeError('from RERAISE')
        rec = self.record(respond=respond)
        with self.assertRaises(RuntimeError) as cm:
            finally_reraises()
        self.stop()
        # raised while the finally block handles the KeyError
        self.assertIsInstance(cm.exception.__context__, KeyError)
        k, rt = X(KeyError, 'f'), X(RuntimeError, 'from RERAISE')
        self.assertStream(rec, [
            ('RAISE', 'finally_reraises', k),
            ('EXCEPTION_HANDLED', 'finally_reraises', k),
            ('RERAISE', 'finally_reraises', k),
        ] + cleanup('finally_reraises', rt) + [
            ('PY_UNWIND', 'finally_reraises', rt),
        ])

    def test_handled_callback_raises_once(self):
        def respond(r):
            if r.event == 'EXCEPTION_HANDLED' and isinstance(r.args[1],
                                                             KeyError):
                raise RuntimeError('from EXCEPTION_HANDLED')
        rec = self.record(respond=respond)
        try:
            result = catch_any()
        except RuntimeError as e:
            result = e
        self.stop()
        self.assertIsInstance(result, RuntimeError)
        k, rt = X(KeyError, 'any'), X(RuntimeError, 'from EXCEPTION_HANDLED')
        expected = [
            ('RAISE', 'catch_any', k),
            ('EXCEPTION_HANDLED', 'catch_any', k),
        ]
        if HANDLED_CALLBACK_ERROR_RECAUGHT:
            # caught again by ``except Exception``, which returns it
            expected += [('EXCEPTION_HANDLED', 'catch_any', rt)]
        else:
            # raised at the handler's first instruction, it leaves the
            # handler (through its cleanup handler on 3.11)
            expected += cleanup('catch_any', rt) + [
                ('PY_UNWIND', 'catch_any', rt)]
        self.assertStream(rec, expected)

    def test_handled_callback_raises_three_times(self):
        count = []

        def respond(r):
            if r.event == 'EXCEPTION_HANDLED':
                count.append(r.args[1])
                if len(count) <= 3:
                    raise RuntimeError('handled %d' % len(count))
        self.record(respond=respond)
        try:
            result = catch_any()
        except RuntimeError as e:
            result = e
        self.stop()
        if HANDLED_CALLBACK_ERROR_RECAUGHT:
            # the handler is entered 4 times: KeyError, then each error;
            # the fourth time it runs and returns the last error
            self.assertEqual(len(count), 4)
            self.assertEqual([str(e) for e in count[1:]],
                             ['handled 1', 'handled 2', 'handled 3'])
            self.assertEqual(str(result), 'handled 3')
        elif CLEANUP_HANDLERS:
            # 3.11: the error leaves through the cleanup handler, whose
            # EXCEPTION_HANDLED raises again; that one escapes
            self.assertEqual(len(count), 2)
            self.assertEqual(str(result), 'handled 2')
        else:
            self.assertEqual(len(count), 1)
            self.assertEqual(str(result), 'handled 1')

    def test_handled_callback_always_raising_terminates(self):
        # Natively this loops for ever (HANDLED_CALLBACK_ERROR_RECAUGHT):
        # the guard stops it after GUARD raises.  The backport ends on its
        # own: the error leaves the handler.
        GUARD = 50
        count = []

        def respond(r):
            if r.event == 'EXCEPTION_HANDLED':
                count.append(1)
                if len(count) <= GUARD:
                    raise RuntimeError('again')
        self.record(respond=respond)
        try:
            result = catch_any()
        except RuntimeError as e:
            result = e
        self.stop()
        self.assertIsInstance(result, RuntimeError)
        if HANDLED_CALLBACK_ERROR_RECAUGHT:
            self.assertEqual(len(count), GUARD + 1)
        else:
            self.assertEqual(len(count), 2 if CLEANUP_HANDLERS else 1)

    def test_handled_callback_error_has_no_context(self):
        # natively the callback runs before the handler's PUSH_EXC_INFO:
        # nothing is being handled yet, so the error has no __context__
        def respond(r):
            if r.event == 'EXCEPTION_HANDLED' and isinstance(r.args[1],
                                                             KeyError):
                raise RuntimeError('from EXCEPTION_HANDLED')
        self.record(E.EXCEPTION_HANDLED, respond=respond)
        try:
            result = catch_any()
        except RuntimeError as e:
            result = e
        self.stop()
        self.assertIsInstance(result, RuntimeError)
        self.assertIsNone(result.__context__)

    def test_no_exception_left_behind(self):
        # after a callback raised, the caller is not left "handling"
        # anything (sys.exc_info() is clear again)
        def respond(r):
            if isinstance(r.args[-1], KeyError):
                raise RuntimeError('from ' + r.event)
        for event in (E.RAISE, E.EXCEPTION_HANDLED, E.RERAISE,
                      E.PY_UNWIND):
            self.record(event, respond=respond)
            try:
                catch_any()
                finally_reraises()
            except (RuntimeError, KeyError):
                pass
            self.assertEqual(sys.exc_info(), (None, None, None))
            self._release_tool(0)
        self.assertEqual(sys.exc_info(), (None, None, None))

    def test_stop_iteration_callback_raises(self):
        # unlike the exception events, an error from a STOP_ITERATION
        # callback is raised by the consumer's instruction: RAISE follows
        warm_up(loop_catching, gen_returns_value)

        def respond(r):
            if r.event == 'STOP_ITERATION':
                raise RuntimeError('from STOP_ITERATION')
        rec = self.record(respond=respond)
        e = loop_catching(gen_returns_value)
        self.stop()
        self.assertIsInstance(e, RuntimeError)
        rt = X(RuntimeError, 'from STOP_ITERATION')
        self.assertStream(rec, [
            ('STOP_ITERATION', 'loop_catching', X(StopIteration, 'v')),
            ('RAISE', 'loop_catching', rt),
            ('EXCEPTION_HANDLED', 'loop_catching', rt),
        ])

    def test_tools_called_highest_id_first(self):
        order = []

        def responder(tool):
            def respond(r):
                order.append((tool, r.event))
            return respond
        for tool in (0, 3, 1):
            self.record(respond=responder(tool), tool=tool)
        raise_catch()
        self.stop()
        self.assertEqual(order, [(3, 'RAISE'), (1, 'RAISE'), (0, 'RAISE'),
                                 (3, 'EXCEPTION_HANDLED'),
                                 (1, 'EXCEPTION_HANDLED'),
                                 (0, 'EXCEPTION_HANDLED')])

    def check_disable(self, event_name, func, exc_type, expected):
        def respond(r):
            if r.event == event_name:
                return DISABLE
        rec = self.record(respond=respond)
        result = None
        try:
            result = func()
        except ValueError as e:
            result = e
        msg = 'Cannot disable %s events. Callback removed.' % event_name
        self.assertIsInstance(result, ValueError)
        self.assertEqual(str(result), msg)
        # the callback is gone, the other ones and the event set stay
        self.assertIsNone(monitoring.register_callback(
            0, getattr(E, event_name), None))
        self.assertEqual(monitoring.get_events(0), EXC)
        self.stop()
        v = X(ValueError, msg)
        self.assertStream(rec, [e if e[2] is not None else e[:2] + (v,)
                                for e in expected])
        return result

    def test_disable_raise(self):
        k = X(KeyError, 'any')
        e = self.check_disable('RAISE', catch_any, KeyError, [
            ('RAISE', 'catch_any', k),
            ('EXCEPTION_HANDLED', 'catch_any', None),
        ])
        self.assertIsNone(e.__context__)

    def test_disable_reraise(self):
        k = X(KeyError, 'f')
        expected = [
            ('RAISE', 'finally_reraises', k),
            ('EXCEPTION_HANDLED', 'finally_reraises', k),
            ('RERAISE', 'finally_reraises', k),
        ]
        if CLEANUP_HANDLERS:
            # the cleanup handler's RERAISE is no longer delivered
            expected += [('EXCEPTION_HANDLED', 'finally_reraises', None)]
        expected += [('PY_UNWIND', 'finally_reraises', None)]
        self.check_disable('RERAISE', finally_reraises, KeyError, expected)

    def test_disable_unwind(self):
        k = X(KeyError, 'deep')
        self.check_disable('PY_UNWIND', middle, KeyError, [
            ('RAISE', 'deep', k),
            ('PY_UNWIND', 'deep', k),
            ('RAISE', 'middle', None),
        ])

    def test_disable_handled(self):
        k = X(KeyError, 'any')
        expected = [
            ('RAISE', 'catch_any', k),
            ('EXCEPTION_HANDLED', 'catch_any', k),
        ]
        if not HANDLED_CALLBACK_ERROR_RECAUGHT:
            # the ValueError leaves the handler (3.11: through its cleanup
            # handler, whose EXCEPTION_HANDLED is no longer delivered)
            if CLEANUP_HANDLERS:
                expected += [('RERAISE', 'catch_any', None)]
            expected += [('PY_UNWIND', 'catch_any', None)]
        # natively ``except Exception`` catches the ValueError and returns
        # it (the callback is gone: no event)
        self.check_disable('EXCEPTION_HANDLED', catch_any, KeyError,
                           expected)


TEST_CODES = frozenset(
    member.__code__
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase)
    for member in vars(cls).values() if hasattr(member, '__code__'))



def branchy(x):
    if x:
        x = x + 1
    return x


class LineLevelCallbackRaises(MonitoringTestCase):
    """A line-level callback that raises, in a frame that also has opcode
    events: the exception comes out of the monitored frame (3.8/3.9 call
    the 'opcode' trace event after a failed 'line' event; it must not lose
    the exception)."""

    def check(self, raising, others):
        tool = self.use_tool(3)

        def boom(*args):
            raise KeyError("from " + raising)
        monitoring.register_callback(tool, getattr(E, raising), boom)
        wanted = getattr(E, raising)
        for name in others:
            monitoring.register_callback(tool, getattr(E, name),
                                         lambda *args: None)
            wanted |= getattr(E, name)
        self.set_local_events(tool, branchy.__code__, wanted)
        with self.assertRaises(KeyError) as cm:
            branchy(1)
        self.assertEqual(cm.exception.args, ("from " + raising,))
        monitoring.set_local_events(tool, branchy.__code__, 0)
        # The program goes on normally afterwards.
        self.assertEqual(branchy(1), 2)

    def test_line_with_instruction(self):
        self.check("LINE", ["INSTRUCTION"])

    def test_line_with_jump_events(self):
        self.check("LINE", ["BRANCH", "JUMP"])

    def test_line_with_call(self):
        self.check("LINE", ["CALL"])

    def test_branch_with_line(self):
        self.check("BRANCH", ["LINE"])

    @unittest.skipUnless(hasattr(E, "BRANCH_LEFT"), "3.14's events")
    def test_branch_left_with_line(self):
        self.check("BRANCH_LEFT", ["LINE", "BRANCH_RIGHT"])


if __name__ == '__main__':
    unittest.main()
