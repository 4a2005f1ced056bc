"""sys.settrace / sys.setprofile users keep working while a tool monitors.

For each legacy hook the scenario is run three times on the same interpreter:
legacy hook alone (the baseline), monitoring alone (the tool's baseline),
then both together with the hook installed before, or after, set_events.
The legacy stream must equal its baseline and the tool must receive exactly
its own baseline, which is itself checked against an explicit expectation.
"""

import sys
import unittest

from tests.support import (FRAME_EVENTS, Layout, MonitoringTestCase,
                           Recorder, X, in_codes, monitoring)


def plain(a, b):
    c = a + b
    return c


def gen():
    yield 1
    yield 2


def fails():
    raise KeyError('legacy')


def catches():
    try:
        fails()
    except KeyError:
        return 'caught'


def scenario():
    total = plain(1, 2)
    for v in gen():
        total += v
    total += len(catches())
    return total


CODES = (plain.__code__, gen.__code__, fails.__code__, catches.__code__,
         scenario.__code__)
WATCHED = in_codes(*CODES)


def expected_tool_stream():
    p, g, f, c, s = [Layout(c) for c in CODES]
    g0, g1 = g.suspension(1), g.suspension(2)
    return [
        ('PY_START', 'scenario', s.start),
        ('PY_START', 'plain', p.start),
        ('PY_RETURN', 'plain', p.ret, 3),
        ('PY_START', 'gen', g.start),
        ('PY_YIELD', 'gen', g0.yield_, 1),
        ('PY_RESUME', 'gen', g0.resume),
        ('PY_YIELD', 'gen', g1.yield_, 2),
        ('PY_RESUME', 'gen', g1.resume),
        ('PY_RETURN', 'gen', g.ret, None),
        ('PY_START', 'catches', c.start),
        ('PY_START', 'fails', f.start),
        ('PY_UNWIND', 'fails', f.offsets('RAISE_VARARGS')[0],
         X(KeyError, 'legacy')),
        ('PY_RETURN', 'catches', c.ret_of_const('caught'), 'caught'),
        ('PY_RETURN', 'scenario', s.ret, 12),
    ]


def _arg(arg):
    if isinstance(arg, BaseException):
        return (type(arg), arg.args)
    if isinstance(arg, tuple) and len(arg) == 3 and isinstance(arg[0], type):
        return (arg[0], arg[1].args)        # settrace 'exception' events
    if callable(arg):
        return getattr(arg, '__name__', repr(arg))
    return arg


class LegacyLog(object):
    """A settrace/setprofile function logging events of the watched code."""

    def __init__(self):
        self.log = []

    def __call__(self, frame, event, arg):
        code = frame.f_code
        if WATCHED(code):
            self.log.append((event, code.co_name, frame.f_lineno
                             - code.co_firstlineno, _arg(arg)))
        return self


class LegacyTracingTest(MonitoringTestCase):

    def setUp(self):
        super().setUp()
        self.assertIsNone(sys.gettrace())
        self.assertIsNone(sys.getprofile())
        self.addCleanup(sys.settrace, None)
        self.addCleanup(sys.setprofile, None)

    def legacy_alone(self, setter):
        legacy = LegacyLog()
        setter(legacy)
        scenario()
        setter(None)
        return legacy.log

    def tool_alone(self):
        self.use_tool(3)
        rec = Recorder(3, FRAME_EVENTS, WATCHED).register()
        monitoring.set_events(3, FRAME_EVENTS)
        scenario()
        monitoring.set_events(3, 0)
        stream = rec.events()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(stream, expected_tool_stream())
        rec.clear()
        return rec, stream

    def both(self, setter, getter, legacy_first):
        baseline = self.legacy_alone(setter)
        self.assertTrue(baseline)
        rec, tool_baseline = self.tool_alone()
        legacy = LegacyLog()
        if legacy_first:
            setter(legacy)
            monitoring.set_events(3, FRAME_EVENTS)
        else:
            monitoring.set_events(3, FRAME_EVENTS)
            setter(legacy)
        self.assertIs(getter(), legacy)
        scenario()
        if legacy_first:
            monitoring.set_events(3, 0)
            setter(None)
        else:
            setter(None)
            monitoring.set_events(3, 0)
        self.assertIsNone(getter())
        self.assertEqual(legacy.log, baseline)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(rec.events(), tool_baseline)
        return baseline

    def test_settrace_installed_before_set_events(self):
        log = self.both(sys.settrace, sys.gettrace, legacy_first=True)
        self.check_trace_baseline(log)

    def test_settrace_installed_after_set_events(self):
        log = self.both(sys.settrace, sys.gettrace, legacy_first=False)
        self.check_trace_baseline(log)

    def test_setprofile_installed_before_set_events(self):
        log = self.both(sys.setprofile, sys.getprofile, legacy_first=True)
        self.check_profile_baseline(log)

    def test_setprofile_installed_after_set_events(self):
        log = self.both(sys.setprofile, sys.getprofile, legacy_first=False)
        self.check_profile_baseline(log)

    def check_trace_baseline(self, log):
        # Sanity checks that hold on every version, so that the baseline
        # comparison above is not comparing two empty streams.
        calls = [(e[1]) for e in log if e[0] == 'call']
        self.assertEqual(calls, ['scenario', 'plain', 'gen', 'gen', 'gen',
                                 'catches', 'fails'])
        self.assertIn(('line', 'plain', 1, None), log)
        self.assertIn(('return', 'plain', 2, 3), log)
        self.assertIn(('exception', 'fails', 1, (KeyError, ('legacy',))),
                      log)
        self.assertEqual(log[-1], ('return', 'scenario', 5, 12))

    def check_profile_baseline(self, log):
        self.assertEqual([e for e in log if e[1] == 'plain'], [
            ('call', 'plain', 0, None), ('return', 'plain', 2, 3)])
        self.assertIn(('c_call', 'scenario', 4, 'len'), log)
        self.assertIn(('c_return', 'scenario', 4, 'len'), log)
        self.assertEqual(log[-1], ('return', 'scenario', 5, 12))

    def test_tracer_installed_by_monitored_code(self):
        # as debuggers do: sys.settrace called from code the tool monitors
        self.use_tool(3)
        watched = in_codes(installs_tracer.__code__, plain.__code__)
        rec = Recorder(3, FRAME_EVENTS, watched).register()
        legacy = LegacyLog()
        monitoring.set_events(3, FRAME_EVENTS)
        self.assertEqual(installs_tracer(legacy), 4)
        monitoring.set_events(3, 0)
        sys.settrace(None)
        self.assertEqual(legacy.log, [
            ('call', 'plain', 0, None),
            ('line', 'plain', 1, None),
            ('line', 'plain', 2, None),
            ('return', 'plain', 2, 4),
        ])
        i = Layout(installs_tracer.__code__)
        p = Layout(plain.__code__)
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(rec.events(), [
            ('PY_START', 'installs_tracer', i.start),
            ('PY_START', 'plain', p.start),
            ('PY_RETURN', 'plain', p.ret, 4),
            ('PY_RETURN', 'installs_tracer', i.ret, 4),
        ])


def installs_tracer(tracer):
    sys.settrace(tracer)
    return plain(2, 2)


if __name__ == '__main__':
    unittest.main()
