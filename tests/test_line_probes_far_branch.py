"""A `continue` right after its `if` in a function past 256 code units
(3.8-3.10): the coverage pattern (LINE, every callback returning DISABLE)
keeps the `continue`'s location wanted after the rest of the function is
disabled.  Its site needs a prefixed patch (the stubs lie past what one
unit's argument reaches), two units, but the unit after the `continue`'s
jump is the `if`'s branch target: "location wide" refused the clone and
the function ran traced for good (difflib.SequenceMatcher's
find_longest_match: 2.4x on `ratio()`, session 19).

Now (backend/jumpfar.c.h, site->far 4) the branch and the location are
patched together; the probe makes the branch's test, and fires the
location's LINE on the fall-through only (the stub going to the branch's
target where it is taken).  The streams are CPython's (natively on
3.12/3.13); the state checks read the backport's clone.
"""

import sys
import unittest

from tests.support import MonitoringTestCase
from tests.test_branch_probes import PROBES, probe_state

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
E = monitoring.events
DISABLE = monitoring.DISABLE
TOOL = 3

# (150 statements: the code is past 256 units on every version)
PAD = "".join("        a%d = x\n" % i for i in range(150))

SOURCE = '''def skip(xs, lo):
    n = 0
    for x in xs:
        if x < lo:
            continue
''' + PAD + '''        n += x
    return n


def skip_not(xs, lo):
    n = 0
    for x in xs:
        if not x >= lo:
            continue
''' + PAD + '''        n += x
    return n
'''

#: relative lines: the first runs (no `continue`), then the `continue`
FIRST = [1, 2, 3] + list(range(5, 156)) + [2, 156]


class Raising(object):
    """x < lo gives an object whose truth raises"""

    def __lt__(self, other):
        return self

    def __ge__(self, other):
        return self

    def __bool__(self):
        raise ValueError("truth")


def load(name):
    namespace = {}
    exec(compile(SOURCE, __file__ + "-skip", "exec"), namespace)
    return namespace[name]


class FarLinesTestCase(MonitoringTestCase):
    """(also test_line_probes_far_while's base)"""

    def start(self, func, keep=None):
        """Tool 3's LINE events in ``func``'s code, from now on: their
        relative lines in the list returned, each DISABLEd unless
        ``keep(seen)`` (the list so far) says to keep it."""
        seen = []
        code = func.__code__

        def line(c, lineno):
            if c is code:
                seen.append(lineno - code.co_firstlineno)
                if keep is not None and keep(seen):
                    return None
            return DISABLE

        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, E.LINE, line)
        self.addCleanup(monitoring.register_callback, TOOL, E.LINE, None)
        monitoring.set_events(TOOL, E.LINE)
        self.addCleanup(monitoring.restart_events)
        self.addCleanup(monitoring.set_events, TOOL, 0)
        return seen

    def raised_line(self, func, *args):
        """The line (relative) that ``func(*args)``'s ValueError shows in
        its frame."""
        try:
            func(*args)
        except ValueError as exc:
            tb = exc.__traceback__
        else:
            self.fail("no ValueError")
        while tb is not None and tb.tb_frame.f_code is not func.__code__:
            tb = tb.tb_next
        self.assertIsNotNone(tb)
        self.assertIs(tb.tb_frame.f_code, func.__code__)
        return tb.tb_lineno - func.__code__.co_firstlineno


class FarBranchTest(FarLinesTestCase):

    def check_made(self, func):
        if PROBES:
            state = probe_state(func)
            self.assertEqual((state["refusal"], state["clone"]), ("", True))

    def run_coverage(self, name, keep=()):
        func = load(name)
        seen = self.start(func, lambda seen: seen[-1] in keep)
        results = [func([5, 6], 1), func([5, 6], 1)]
        # (the `continue`'s location alone wanted: the clone is made)
        self.check_made(func)
        # (the branch taken in the stub: no LINE)
        results.append(func([5, 6, 7], 1))
        self.assertEqual(seen, FIRST)
        self.check_made(func)
        results += [func([0, 5], 1), func([0, 5, 0], 1)]
        self.assertEqual(results, [11, 11, 18, 5, 5])
        return seen

    def test_coverage(self):
        self.assertEqual(self.run_coverage("skip"), FIRST + [4])

    def test_coverage_jump_if_true(self):
        self.assertEqual(self.run_coverage("skip_not"), FIRST + [4])

    def test_line_kept(self):
        # (the `continue`'s callback does not DISABLE: it fires each time)
        self.assertEqual(self.run_coverage("skip", keep=(4,)),
                         FIRST + [4, 4, 4])

    def test_truth_raises(self):
        func = load("skip")
        seen = self.start(func)
        func([5, 6], 1)
        func([5, 6], 1)
        self.check_made(func)
        self.assertEqual(self.raised_line(func, [Raising()], 1), 3)
        self.assertEqual(seen, FIRST)
        # (the clone goes on: the `continue` still probed)
        self.assertEqual(func([0, 5], 1), 5)
        self.assertEqual(seen, FIRST + [4])


if __name__ == "__main__":
    unittest.main()
