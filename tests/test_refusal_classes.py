"""Classes of refused line clones made clones (session 19, clf19).

Under coverage (LINE, DISABLE returned) a code object whose clone is
refused runs traced for good while some location stays wanted: a scan
of 14 stdlib test modules found hundreds of such functions on 3.8-3.11
(`_probe_state`'s 'refusal' names why, backend.h's pep669_clone_why).
Two common classes get clones now:

- a location reached by the flow and by an exception handler's code
  (the join after ``try: ... except: pass`` / ``else:``): lineflow.c gave
  it no probe at all, and make_clone refused the clone while it was
  wanted;
  now it is probed at itself where every arrival there is a new line;
- (3.11) a location where the code's value stack is full (a call's
  keyword names, back on the call's line after an argument's line): its
  stub had no room for the probe; the copy's stack grows by one slot,
  as a call site's does (backend/py311_room.h).

The streams are checked against CPython's (the oracle, natively on
3.12/3.13) on every version; the state checks read 3.8-3.11's clones.
"""

import sys
import unittest

from tests.test_branch_probes import PROBES, BranchProbeTestCase

import pep669  # noqa: E402 (tests.support puts src/ on the path)

monitoring = pep669.monitoring
E = monitoring.events
DISABLE = monitoring.DISABLE

SOURCE = '''
def try_else(n, seq):
    if n == 1:
        return 1
    try:
        size = len(seq)
    except TypeError:
        pass
    else:
        if n >= size:
            return size
    total = -1
    for item in seq or ():
        total += item
    return total


def try_pass(d, k):
    # (3.8-3.11 had clones for this one before: a check of the streams)
    for i in range(k):
        try:
            d[i]
        except KeyError:
            pass
        if k < 0:
            return None
    return d


def helper(a, b=0):
    return a + b


def spread(a, b, flag):
    if flag:
        return helper(a,
                      b=b)
    return a + b
'''


def load():
    namespace = {}
    exec(compile(SOURCE, __file__ + "-refusal", "exec"), namespace)
    return namespace


# (the hot runs leave a location wanted: the join after the handler, the
# call's keyword names; the last ones reach it)
RUNS = {
    "try_else": [(5, [1, 2, 3]), (5, [1, 2, 3]), (5, [1, 2, 3]),
                 (1, []), (2, None), (5, [1])],
    "try_pass": [({0: 1, 1: 2}, 2), ({0: 1, 1: 2}, 2), ({}, 1)],
    "spread": [(1, 2, False), (1, 2, False), (1, 2, True)],
}
HOT = 3


class RefusalTestCase(BranchProbeTestCase):

    @staticmethod
    def load():
        return load()


class StreamTest(RefusalTestCase):

    def test_coverage(self):
        for name, args in RUNS.items():
            with self.subTest(name=name):
                self.check([name], [(name, a) for a in args],
                           want=E.LINE)
                self._release_tool(0)
                self._release_tool(3)


@unittest.skipUnless(PROBES, "3.8-3.11's line probes")
class StateTest(RefusalTestCase):

    def hot_state(self, name):
        func = load()[name]
        self.use_tool(0)
        monitoring.register_callback(0, E.LINE, lambda code, line: DISABLE)
        self.set_local_events(0, func.__code__, E.LINE)
        # (the first run's; one run more than it takes: the clone is made
        # at a run's start)
        for _ in range(HOT + 1):
            func(*RUNS[name][0])
        state = pep669._monitoring._probe_state(func.__code__)
        self.stop()
        return state

    def assert_cloned(self, name):
        state = self.hot_state(name)
        self.assertTrue(state["wanted"], "a location stays wanted")
        self.assertFalse(state["refused"], state.get("refusal"))
        self.assertTrue(state["clone"])

    def test_join_after_handler(self):
        self.assert_cloned("try_else")

    def test_join_in_loop(self):
        self.assert_cloned("try_pass")

    @unittest.skipIf(sys.version_info[:2] == (3, 11) and
                     hasattr(sys, "gettotalrefcount"),
                     "a Py_DEBUG 3.11 keeps the full stack's refusal "
                     "(clf19: the larger stack only for release builds)")
    def test_full_stack(self):
        self.assert_cloned("spread")


if __name__ == "__main__":
    unittest.main()
