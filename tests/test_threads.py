"""Frame events on other threads: started before or after set_events, several
at once, threads created from C, and per-thread suppression inside
callbacks."""

import _thread
import ctypes
import sys
import threading
import unittest

from tests.support import (FRAME_EVENTS, Layout, MonitoringTestCase,
                           Recorder, events, in_codes, monitoring,
                           run_in_thread)

E = events
TIMEOUT = 30


def plain(a, b):
    return a + b


def work(i):
    return i * 10


def helper():
    return 'helper'


def c_thread_body(arg):
    plain(1, 2)
    return None


PLAIN = [('PY_START', 'plain', Layout(plain.__code__).start),
         ('PY_RETURN', 'plain', Layout(plain.__code__).ret, 3)]


def by_thread(rec, ident):
    return [(r.event, r.code.co_name) + r.args for r in rec.records
            if r.thread == ident]


class ThreadTest(MonitoringTestCase):

    def test_thread_started_before_set_events(self):
        self.use_tool(0)
        rec = Recorder(0, E.PY_START | E.PY_RETURN,
                       in_codes(plain.__code__)).register()
        started = threading.Event()
        go = threading.Event()
        idents = []

        def target():
            idents.append(threading.get_ident())
            started.set()
            go.wait(TIMEOUT)
            plain(1, 2)
        t = threading.Thread(target=target)
        t.start()
        # the thread is running (waiting) before any event is set
        self.assertTrue(started.wait(TIMEOUT))
        monitoring.set_events(0, E.PY_START | E.PY_RETURN)
        go.set()
        t.join(TIMEOUT)
        self.stop()
        self.assertFalse(t.is_alive())
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(by_thread(rec, idents[0]), PLAIN)
        self.assertEqual(len(rec.records), 2)

    def test_thread_started_after_set_events(self):
        rec = self.recorder(0, FRAME_EVENTS, in_codes(plain.__code__))
        idents = []

        def target():
            idents.append(threading.get_ident())
            return plain(1, 2)
        self.assertEqual(run_in_thread(target), 3)
        self.stop()
        self.assertNotEqual(idents[0], threading.get_ident())
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(by_thread(rec, idents[0]), PLAIN)
        self.assertEqual(len(rec.records), 2)

    def test_several_threads_at_once(self):
        rec = self.recorder(0, FRAME_EVENTS, in_codes(work.__code__))
        n_threads, rounds = 4, 50
        barrier = threading.Barrier(n_threads)
        idents = {}

        def target(i):
            idents[i] = threading.get_ident()
            barrier.wait(TIMEOUT)
            for _ in range(rounds):
                work(i)
        threads = [threading.Thread(target=target, args=(i,))
                   for i in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        L = Layout(work.__code__)
        for i in range(n_threads):
            expected = [('PY_START', 'work', L.start),
                        ('PY_RETURN', 'work', L.ret, i * 10)] * rounds
            self.assertEqual(by_thread(rec, idents[i]), expected)
        self.assertEqual(len(rec.records), 2 * rounds * n_threads)

    def test_suppression_is_per_thread(self):
        # Thread A sits inside a PY_START callback while thread B runs
        # monitored code: B's events are delivered; A's own calls made
        # from inside the callback are not.
        a_in_callback = threading.Event()
        b_done = threading.Event()
        from_callback = []

        def respond(r):
            if r.code is helper.__code__ and not a_in_callback.is_set():
                a_in_callback.set()
                from_callback.append(plain(5, 5))
                b_done.wait(TIMEOUT)
        rec = self.recorder(0, FRAME_EVENTS,
                            in_codes(plain.__code__, helper.__code__),
                            respond=respond)
        idents = {}

        def thread_a():
            idents['a'] = threading.get_ident()
            helper()

        def thread_b():
            idents['b'] = threading.get_ident()
            plain(1, 2)
            b_done.set()
        ta = threading.Thread(target=thread_a)
        ta.start()
        self.assertTrue(a_in_callback.wait(TIMEOUT))
        tb = threading.Thread(target=thread_b)
        tb.start()
        tb.join(TIMEOUT)
        ta.join(TIMEOUT)
        self.stop()
        self.assertTrue(b_done.is_set())
        self.assertEqual(from_callback, [10])
        self.assertEqual(rec.frame_errors, [])
        hl = Layout(helper.__code__)
        self.assertEqual(by_thread(rec, idents['a']), [
            ('PY_START', 'helper', hl.start),
            ('PY_RETURN', 'helper', hl.ret, 'helper'),
        ])
        self.assertEqual(by_thread(rec, idents['b']), PLAIN)

    def test_low_level_thread(self):
        rec = self.recorder(0, FRAME_EVENTS, in_codes(plain.__code__))
        done = threading.Event()
        idents = []

        def target():
            try:
                idents.append(threading.get_ident())
                plain(1, 2)
            finally:
                done.set()
        _thread.start_new_thread(target, ())
        self.assertTrue(done.wait(TIMEOUT))
        self.stop()
        self.assertEqual(rec.frame_errors, [])
        self.assertEqual(by_thread(rec, idents[0]), PLAIN)


def _pthread_api():
    """pthread_create/pthread_join through ctypes, or None."""
    if not sys.platform.startswith('linux'):
        return None
    try:
        libc = ctypes.CDLL(None)
        create = libc.pthread_create
        join = libc.pthread_join
    except (OSError, AttributeError):
        return None
    func_type = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
    create.argtypes = [ctypes.POINTER(ctypes.c_ulong), ctypes.c_void_p,
                       func_type, ctypes.c_void_p]
    create.restype = ctypes.c_int
    join.argtypes = [ctypes.c_ulong, ctypes.c_void_p]
    join.restype = ctypes.c_int
    return create, join, func_type


class CThreadTest(MonitoringTestCase):
    """A thread created by C (pthread_create), entering Python through a
    ctypes callback, i.e. PyGILState_Ensure with a new thread state."""

    def test_thread_created_from_c(self):
        api = _pthread_api()
        if api is None:
            self.skipTest("needs pthread_create through ctypes (Linux)")
        create, join, func_type = api
        idents = []

        def body(arg):
            idents.append(threading.get_ident())
            return c_thread_body(arg)
        callback = func_type(body)
        rec = self.recorder(0, FRAME_EVENTS,
                            in_codes(plain.__code__, c_thread_body.__code__))
        handle = ctypes.c_ulong()
        self.assertEqual(create(ctypes.byref(handle), None, callback, None),
                         0)
        # ctypes releases the GIL around the foreign call
        self.assertEqual(join(handle.value, None), 0)
        self.stop()
        self.assertEqual(len(idents), 1)
        self.assertNotEqual(idents[0], threading.get_ident())
        self.assertEqual(rec.frame_errors, [])
        body_layout = Layout(c_thread_body.__code__)
        self.assertEqual(by_thread(rec, idents[0]), [
            ('PY_START', 'c_thread_body', body_layout.start),
        ] + PLAIN + [
            ('PY_RETURN', 'c_thread_body', body_layout.ret, None),
        ])
        self.assertEqual(len(rec.records), 4)


if __name__ == '__main__':
    unittest.main()
