"""STOP_ITERATION or RAISE at a `for` loop over a generator that returns a
value, when the tool DISABLEs some of the loop's events.

Natively the generator's end is STOP_ITERATION (at END_FOR) only when the
loop's FOR_ITER has specialised, which it cannot while it is instrumented:
by LINE, INSTRUCTION or a branch event at the FOR_ITER itself (3.14:
BRANCH_LEFT, which FOR_ITER fires; BRANCH_RIGHT comes from the loop's exit,
POP_ITER).  An unspecialised FOR_ITER clears the StopIteration(value) and
reports RAISE.  DISABLE of those events at the FOR_ITER lets it specialise;
DISABLE elsewhere in the code does not count.  The first runs after a
change are cold (the interpreter's warm-up counter; docs/differences.md)
and are not asserted.
"""

import dis
import sys
import unittest

from tests.support import MonitoringTestCase

import pep669

M = pep669.monitoring
E = M.events
DISABLE = M.DISABLE
TOOL = 2
# 3.12/3.13: BRANCH_LEFT/RIGHT come from native BRANCH through pep669's mux.
MUX = (3, 12) <= sys.version_info[:2] < (3, 14)

SOURCE = '''\
def gen(n):
    for k in range(n):
        yield k
    return n

def loop(n):
    total = 0
    for v in gen(n):
        total += v
    return total
'''
FOR_LINE = 8


def fresh():
    """A new `loop` (its own code objects: no DISABLE or specialisation
    left from another test)."""
    ns = {}
    exec(compile(SOURCE, "<stopiter>", "exec"), ns)
    return ns["loop"]


def line_of(code, offset):
    line = None
    for start, start_line in dis.findlinestarts(code):
        if start > offset:
            break
        if start_line is not None:
            line = start_line
    return line


class StopIterationDisableTest(MonitoringTestCase):

    def run_loop(self, events, disable, runs=4, args=None):
        """Run loop(2) `runs` times with `events` set on its code; the
        callbacks of the events in `disable` return DISABLE (LINE: on the
        `for` line only).  Returns [[(event, line)] per run]."""
        loop = fresh()
        code = loop.__code__
        out = []

        def make(name):
            def cb(co, *args):
                if co is not code:
                    return None
                if name == 'LINE':
                    line = args[0]
                else:
                    line = line_of(co, args[0])
                out[-1].append((name, line))
                if name in disable and (name != 'LINE' or line == FOR_LINE):
                    return DISABLE
                return None
            return cb

        self.use_tool(TOOL)
        mask = 0
        for name in events:
            M.register_callback(TOOL, getattr(E, name), make(name))
            if name != 'RAISE':   # (not a local event)
                mask |= getattr(E, name)
        self.set_local_events(TOOL, code, mask)
        M.set_events(TOOL, E.RAISE if 'RAISE' in events else 0)
        for n in args or [2] * runs:
            out.append([])
            self.assertEqual(loop(n), 1 if n == 2 else 0)
        self.set_local_events(TOOL, code, 0)
        M.set_events(TOOL, 0)
        for name in events:
            M.register_callback(TOOL, getattr(E, name), None)
        return [[e for e in run if e[0] != 'LINE' or e[1] == FOR_LINE]
                for run in out]

    def test_left_disabled_right_live(self):
        # LINE and BRANCH_LEFT disabled at the FOR_ITER (LINE still live on
        # the other lines, BRANCH_RIGHT live): it specialises.
        runs = self.run_loop(('LINE', 'BRANCH_LEFT', 'BRANCH_RIGHT',
                              'STOP_ITERATION', 'RAISE'),
                             {'LINE', 'BRANCH_LEFT'})
        for run in runs[2:]:
            self.assertEqual(run, [('STOP_ITERATION', FOR_LINE),
                                   ('BRANCH_RIGHT', FOR_LINE)])

    def test_right_only(self):
        # BRANCH_RIGHT alone does not instrument the FOR_ITER.
        runs = self.run_loop(('BRANCH_RIGHT', 'STOP_ITERATION', 'RAISE'),
                             set())
        for run in runs[2:]:
            self.assertEqual(run, [('STOP_ITERATION', FOR_LINE),
                                   ('BRANCH_RIGHT', FOR_LINE)])

    def test_right_disabled_left_live(self):
        # BRANCH_LEFT still live at the FOR_ITER: RAISE.
        runs = self.run_loop(('LINE', 'BRANCH_LEFT', 'BRANCH_RIGHT',
                              'STOP_ITERATION', 'RAISE'),
                             {'LINE', 'BRANCH_RIGHT'})
        for run in runs[2:]:
            self.assertEqual(run, [('BRANCH_LEFT', FOR_LINE),
                                   ('BRANCH_LEFT', FOR_LINE),
                                   ('RAISE', FOR_LINE)])

    def test_line_live_at_for_iter(self):
        # LINE live on the `for` line (the FOR_ITER is one of its
        # locations), BRANCH_LEFT disabled: RAISE.
        runs = self.run_loop(('LINE', 'BRANCH_LEFT', 'BRANCH_RIGHT',
                              'STOP_ITERATION', 'RAISE'),
                             {'BRANCH_LEFT'})
        for run in runs[2:]:
            self.assertEqual(run, [('LINE', FOR_LINE), ('LINE', FOR_LINE),
                                   ('LINE', FOR_LINE),
                                   ('RAISE', FOR_LINE),
                                   ('BRANCH_RIGHT', FOR_LINE)])

    def test_right_disabled_before_left_taken(self):
        # BRANCH_RIGHT disabled while BRANCH_LEFT was never taken (the
        # first loop is empty), LINE disabled on the `for` line: 3.14
        # keeps the FOR_ITER instrumented for BRANCH_LEFT (RAISE), and so
        # does the backport.  On 3.12/3.13 pep669's BRANCH mux then makes
        # LEFT wait at its destination and turns the native BRANCH
        # location off, so the FOR_ITER specialises: STOP_ITERATION
        # (docs/differences.md, "STOP_ITERATION from a for loop").
        runs = self.run_loop(('LINE', 'BRANCH_LEFT', 'BRANCH_RIGHT',
                              'STOP_ITERATION', 'RAISE'),
                             {'LINE', 'BRANCH_RIGHT'},
                             args=[0, 2, 2, 2, 2])
        end = 'STOP_ITERATION' if MUX else 'RAISE'
        for run in runs[3:]:
            self.assertEqual(run, [('BRANCH_LEFT', FOR_LINE),
                                   ('BRANCH_LEFT', FOR_LINE),
                                   (end, FOR_LINE)])


if __name__ == "__main__":
    unittest.main()
