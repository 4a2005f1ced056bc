"""Where the frame stands while the exception events' callbacks run.

Natively (3.12/3.13) the frame is still at the instruction that raised
while RAISE, RERAISE and EXCEPTION_HANDLED callbacks run (``f_lineno``,
``f_lasti``): the interpreter has only chosen the handler.  After a
re-raise that is the re-raising instruction, or, for a ``RERAISE`` that
puts the saved position back (the cleanup of ``except ... as e``, of a
``with`` whose ``__exit__`` returns False, and 3.11+'s cleanup handlers),
the instruction that first raised into that handler.  So the
EXCEPTION_HANDLED of an outer handler of the same frame, reached by a
bare ``raise`` or a ``finally``, sees the frame at the re-raise, not at
the original ``raise``.

Lines are given relative to the ``def`` line; each stream is
``(event, f_lineno, line of f_lasti)`` of the function's own frame.
"""

import dis
import sys
import unittest

from tests.support import MonitoringTestCase, events, in_codes

E = events
EXC = E.RAISE | E.RERAISE | E.EXCEPTION_HANDLED
PY = sys.version_info[:2]

# 3.11+ run an exception leaving an except/finally/with handler through a
# cleanup handler of the frame's: one more RERAISE + EXCEPTION_HANDLED,
# at the position that cleanup's RERAISE puts back.
CLEANUP = PY >= (3, 11)

# 3.8/3.9 re-raise from ``except KeyError`` with no match by an
# END_FINALLY / RERAISE placed after the clause's body, on the body's last
# line; 3.10+ put it on the ``except`` line.
NO_MATCH_ON_BODY = PY < (3, 10)


class Boom(Exception):
    pass


class Ctx(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def bare_raise_into_outer():
    try:
        try:
            raise Boom(1)
        except Boom:
            x = 1
            raise
    except Boom:
        return x


def finally_into_outer():
    try:
        try:
            raise Boom(2)
        finally:
            y = 2
            z = 3
    except Boom:
        return y + z


def except_as_into_outer():
    try:
        try:
            raise Boom(3)
        except Boom as e:
            w = 1
            raise e
    except Boom:
        return w


def no_match_into_outer():
    try:
        try:
            raise Boom(4)
        except KeyError:
            pass
    except Boom:
        return 4


def with_into_outer():
    try:
        with Ctx():
            raise Boom(5)
    except Boom:
        return 5


def lasti_line(code, lasti):
    line = None
    for offset, start in dis.findlinestarts(code):
        if offset > lasti:
            break
        if start is not None:
            line = start
    return line


class ReraisePositionTest(MonitoringTestCase):
    maxDiff = None

    def positions(self, func):
        code = func.__code__
        seen = []

        def respond(r):
            frame = r.frame
            first = code.co_firstlineno
            line = frame.f_lineno
            seen.append((r.event,
                         None if line is None else line - first,
                         lasti_line(code, frame.f_lasti) - first))
        rec = self.recorder(0, EXC, in_codes(code), respond=respond)
        func()
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        return seen

    def expect(self, func, first, then, cleanups=0):
        """RAISE and the first handler at line ``first``; then each of
        ``then`` ((event, line)) followed by its handler at that line;
        ``cleanups`` more RERAISE + handler pairs on 3.11+ at the last
        line."""
        stream = [('RAISE', first, first),
                  ('EXCEPTION_HANDLED', first, first)]
        for event, line in then:
            stream += [(event, line, line),
                       ('EXCEPTION_HANDLED', line, line)]
        if CLEANUP:
            line = stream[-1][1]
            stream += [('RERAISE', line, line),
                       ('EXCEPTION_HANDLED', line, line)] * cleanups
        self.assertEqual(self.positions(func), stream)

    def test_bare_raise_into_outer_except(self):
        self.expect(bare_raise_into_outer, 3, [('RERAISE', 6)], cleanups=1)

    def test_finally_into_outer_except(self):
        self.expect(finally_into_outer, 3, [('RERAISE', 6)], cleanups=1)

    def test_except_as_into_outer_except(self):
        # ``raise e`` raises anew; the ``as e`` cleanup re-raises from
        # there (3.10/3.11's RERAISE 1 puts that position back).
        self.expect(except_as_into_outer, 3,
                    [('RAISE', 6), ('RERAISE', 6)], cleanups=1)

    def test_no_match_into_outer_except(self):
        self.expect(no_match_into_outer, 3,
                    [('RERAISE', 5 if NO_MATCH_ON_BODY else 4)], cleanups=1)

    def test_with_into_outer_except(self):
        # (3.10+: the ``with``'s RERAISE puts the ``raise`` back)
        self.expect(with_into_outer, 3, [('RERAISE', 3)], cleanups=1)


if __name__ == '__main__':
    unittest.main()
