"""A line clone whose every location is DISABLEd is dropped (session 20).

Under the coverage pattern the code's line clone serves until every LINE
location is DISABLEd; then nothing of it is patched and nothing is wanted,
and new frames run the code itself, untraced.  The engine lets go of the
clone then (its memory: the copy, its tables, its sites); frames still
running it hold it until they end.  The streams are those of code traced
all along, which are CPython's: every test but the bookkeeping ones also
runs natively on 3.12/3.13.
"""

import unittest

from tests.support import PY, events, monitoring
from tests.test_line_probes import ProbeTestCase, first_arrivals

import pep669  # noqa: E402 (tests.support puts src/ on the path)

E = events
DISABLE = monitoring.DISABLE

#: The backport's line clones (3.8-3.11).
PROBES = not pep669.NATIVE and PY < (3, 12)


def probe_state(func):
    return pep669._monitoring._probe_state(func.__code__)


# --------------------------------------------------------------------------
# Monitored code.  Line numbers relative to ``def`` are in the tests.

def shaped(n):
    total = 0
    for k in range(n):
        total += k
    try:
        x = 6 // (n - 3)
    except ZeroDivisionError:
        x = -1
    return total, x


def looped(n):
    total = 0
    for k in range(n):
        total += k
    if n > 2:
        total = -total
    return total


def nested(n):
    total = 0
    for k in range(2):
        if n:
            total += nested(0)
        total += k
    return total


def gen(n):
    yield 1
    if n:
        yield 2
    yield 3


def lines(func, *rel):
    first = func.__code__.co_firstlineno
    return [(func.__name__, first + r) for r in rel]


# --------------------------------------------------------------------------

class StreamTest(ProbeTestCase):
    """Exact streams around the clone's drop."""

    def test_one_call_covers_everything(self):
        # (3: the handler; 2: the try's own return)
        self.check_runs([(shaped, (3,)), (shaped, (2,)), (shaped, (0,))],
                        [shaped.__code__],
                        [(3, -1), (1, -6), (0, -2)])

    def test_covered_again_after_restart(self):
        code = shaped.__code__
        rec = self.covering([code])
        got = [shaped(3), shaped(2)]
        monitoring.restart_events()
        got.append(shaped(1))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, [(3, -1), (1, -6), (0, -3)])
        self.assertEqual(self.named(rec),
                         first_arrivals([(shaped, (3,)), (shaped, (2,))],
                                        [code]) +
                         first_arrivals([(shaped, (1,))], [code]))

    def test_inner_frame_disables_the_last_location(self):
        # the outer frame reaches line 4 first; the inner one every other
        # line: then nothing is wanted while the outer frame still runs
        self.check_runs([(nested, (1,)), (nested, (1,))],
                        [nested.__code__], [3, 3])

    def test_generator_suspended_when_the_last_location_goes(self):
        code = gen.__code__
        rec = self.covering([code])
        first = gen(0)
        got = [next(first)]
        got.append(list(gen(1)))
        got.append(list(first))
        got.append(list(gen(0)))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(got, [1, [1, 2, 3], [3], [1, 3]])
        self.assertEqual(self.named(rec), lines(gen, 1, 2, 3, 4))


@unittest.skipUnless(PROBES, "the backport's line clones (3.8-3.11)")
class DropStateTest(ProbeTestCase):
    """The backport's own bookkeeping: the clone goes."""

    def test_dropped_once_nothing_is_wanted(self):
        rec = self.covering([looped.__code__])
        looped(0)
        before = probe_state(looped)
        looped(3)
        after = probe_state(looped)
        looped(4)
        again = probe_state(looped)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        # (the first call, n 0, leaves the loop's body wanted)
        self.assertTrue(before['clone'])
        self.assertGreater(before['patched'], 0)
        self.assertFalse(after['clone'])
        self.assertEqual((after['patched'], after['wanted']), (0, []))
        self.assertFalse(again['clone'])

    @unittest.skipUnless(PY >= (3, 10), "3.8/3.9 refuse the shape")
    def test_dropped_with_a_handler(self):
        # (issue 14's shape: a try/except; the loop's body, the handler
        # and the try's own return run in the later calls)
        self.covering([shaped.__code__])
        shaped(0)
        before = probe_state(shaped)
        shaped(3)
        shaped(2)
        after = probe_state(shaped)
        self.stop()
        self.assertTrue(before['clone'])
        self.assertGreater(before['patched'], 0)
        self.assertFalse(after['clone'])

    def test_made_again_after_restart(self):
        self.covering([looped.__code__])
        looped(3)
        gone = probe_state(looped)
        monitoring.restart_events()
        self.assertEqual(looped(0), 0)
        back = probe_state(looped)
        self.stop()
        self.assertFalse(gone['clone'])
        self.assertTrue(back['clone'])
        self.assertGreater(back['patched'], 0)

    def test_dropped_under_a_running_frame(self):
        self.covering([nested.__code__])
        self.assertEqual(nested(1), 3)
        state = probe_state(nested)
        self.stop()
        self.assertFalse(state['clone'])

    def test_dropped_under_a_suspended_generator(self):
        self.covering([gen.__code__])
        first = gen(0)
        next(first)
        self.assertEqual(list(gen(1)), [1, 2, 3])
        state = probe_state(gen)
        self.assertEqual(list(first), [3])
        self.stop()
        self.assertFalse(state['clone'])


if __name__ == '__main__':
    unittest.main()
