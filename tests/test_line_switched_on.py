"""LINE switched on by the callback of an event that the frame's arrival
at an instruction settles (EXCEPTION_HANDLED: tests/test_exception_untraced.py;
BRANCH, JUMP here): as 3.12+, the instruction reached gets its LINE where
its line is not that of the instruction the event came from.

On 3.8-3.11 the interpreter reported no line there (LINE was off): the
trampoline (legacy_events.c, fire_arrival_events) and the branch and jump
probes (probe_fire.c, probe_callbacks) give it.  The streams are native
3.12/3.13's, and these tests pass there.
"""

import unittest

from tests.support import MonitoringTestCase, events, in_files, monitoring

E = events
HERE = in_files(__file__)


def branches(a):
    if a:
        a = 1
    a = 2
    return a


def sameline(a):
    x = 1 if a else 2
    return x


def forloop(a):
    k = 0
    for x in a:
        k += x
    return k


def stream(rec, func):
    first = func.__code__.co_firstlineno
    return [(r.event, r.args[0] - first if r.event == 'LINE' else None)
            for r in rec.records
            if r.code is func.__code__ and r.event != 'INSTRUCTION']


class LineSwitchedOnTest(MonitoringTestCase):
    """The callback calls set_events."""
    maxDiff = None
    local = False

    def check(self, func, arg, trigger, base, expected):
        func.__code__ = func.__code__.replace()
        code = func.__code__

        def respond(r):
            if r.event == trigger and r.code is code:
                if self.local:
                    self.set_local_events(0, code, base | E.LINE)
                else:
                    monitoring.set_events(0, base | E.LINE)
        rec = self.recorder(0, base | E.LINE, HERE, respond=respond)
        monitoring.set_events(0, base)
        func(arg)
        self.stop()
        self.assertEqual(stream(rec, func), expected)

    def test_branch_falls_through_to_a_new_line(self):
        self.check(branches, 1, 'BRANCH', E.BRANCH,
                   [('BRANCH', None), ('LINE', 2), ('LINE', 3), ('LINE', 4)])

    def test_branch_taken_to_a_new_line(self):
        self.check(branches, 0, 'BRANCH', E.BRANCH,
                   [('BRANCH', None), ('LINE', 3), ('LINE', 4)])

    def test_branch_within_its_line(self):
        # (no LINE where the branch arrives on its own line)
        self.check(sameline, 0, 'BRANCH', E.BRANCH,
                   [('BRANCH', None), ('LINE', 2)])

    def test_branch_within_its_line_falls_through(self):
        self.check(sameline, 1, 'BRANCH', E.BRANCH,
                   [('BRANCH', None), ('LINE', 2)])

    def test_traced_branch(self):
        # The frame traced (INSTRUCTION): the trampoline's BRANCH.
        self.check(branches, 0, 'BRANCH', E.BRANCH | E.INSTRUCTION,
                   [('BRANCH', None), ('LINE', 3), ('LINE', 4)])

    def test_jump_back_to_a_new_line(self):
        self.check(forloop, [1, 2], 'JUMP', E.JUMP,
                   [('JUMP', None), ('LINE', 2), ('LINE', 3),
                    ('JUMP', None), ('LINE', 2), ('LINE', 4)])

    def test_traced_jump(self):
        self.check(forloop, [1, 2], 'JUMP', E.JUMP | E.INSTRUCTION,
                   [('JUMP', None), ('LINE', 2), ('LINE', 3),
                    ('JUMP', None), ('LINE', 2), ('LINE', 4)])


class LocalLineSwitchedOnTest(LineSwitchedOnTest):
    """The callback calls set_local_events."""
    local = True


if __name__ == '__main__':
    unittest.main()
