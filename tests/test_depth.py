"""Deep recursion under monitoring: RecursionError, never a crash.

Before 3.12 a PEP 523 eval-frame hook keeps a C frame of its own under
every Python frame it runs (and on 3.11 it stops the interpreter from
inlining Python-to-Python calls): with a raised recursion limit, deep
recursion under monitoring can reach the end of the C stack where the
unmonitored program would not.  The backport's hook checks the C stack
left before it runs a frame and raises RecursionError, with the
interpreter's message, in the main thread and in threads with small
stacks (``threading.stack_size``), whatever events are set.

Every scenario runs in a subprocess: a crash fails the test, not the run.
The reach (how deep a plain recursive function gets) is asserted on
3.8-3.11 only (``REACH``, docs/differences.md, "Depth"); natively the
same scenarios must end without a crash.
"""

import os
import subprocess
import sys
import textwrap
import unittest

from tests.support import PY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")


def _debug_engine():
    """Whether pep669's engine is the -Og debug build (build_ext.py
    --debug; the checks build, --checks, takes a release build's stack)."""
    try:
        from pep669 import _monitoring
    except ImportError:
        return False
    return not _monitoring._backend_state()["fast_hook"]


#: depth a plain recursive function reaches in the main thread (8 MiB
#: stack) with PY_START or LINE set and sys.setrecursionlimit(100000)
REACH = {(3, 8): 14000, (3, 9): 16000, (3, 10): 14000, (3, 11): 18000}

SCRIPT = textwrap.dedent("""
    import sys, threading
    import pep669
    mon = pep669.monitoring
    E = mon.events
    TOOL = 3

    def native_message():
        def loop():
            loop()
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(200)
        try:
            loop()
        except RecursionError as exc:
            return str(exc)
        finally:
            sys.setrecursionlimit(old)

    MESSAGE = native_message()

    ALL = 0
    for name in dir(E):
        if name.isupper() and name != "NO_EVENTS":
            ALL |= getattr(E, name)
    MODES = {"PY_START": E.PY_START, "LINE": E.LINE, "CALL": E.CALL,
             "ALL": ALL}

    def callback(*args):
        return None

    def down(n):
        return 0 if n == 0 else down(n - 1) + 1

    def deep_callback(code, *args):
        # a callback that recurses on its own (events are off in it)
        if code is f.__code__:
            down(100000)

    def f(n):
        if n == 0:
            return 0
        return f(n - 1) + 1

    def run(mode, depth, cb, out):
        bits = MODES[mode]
        for b in range(32):
            if bits & (1 << b):
                mon.register_callback(TOOL, 1 << b, cb)
        mon.set_events(TOOL, bits)
        try:
            out.append(str(f(depth)))
        except RecursionError as exc:
            out.append("RecursionError" if str(exc) == MESSAGE
                       else "RecursionError: %s" % exc)
        finally:
            mon.set_events(TOOL, 0)
            for b in range(32):
                if bits & (1 << b):
                    mon.register_callback(TOOL, 1 << b, None)

    mon.use_tool_id(TOOL, "depth")
    sys.setrecursionlimit(100000)
    for line in sys.argv[1:]:
        mode, depth, stack, cbname = line.split(":")
        cb = deep_callback if cbname == "deep" else callback
        out = []
        if int(stack):
            threading.stack_size(int(stack))
            t = threading.Thread(target=run,
                                 args=(mode, int(depth), cb, out))
            t.start()
            t.join()
            threading.stack_size(0)
        else:
            run(mode, int(depth), cb, out)
        print(line, out[0] if out else "no result", flush=True)
""")


class DepthTest(unittest.TestCase):

    def run_scenarios(self, *scenarios):
        """Run "mode:depth:stack:callback" scenarios in one subprocess;
        returns {scenario: result}."""
        env = dict(os.environ)
        env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT] + list(scenarios),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            timeout=300)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(
            proc.returncode, 0,
            "exit status %d after:\n%s\nstderr:\n%s"
            % (proc.returncode, out,
               proc.stderr.decode("utf-8", "replace")[-2000:]))
        results = dict(line.split(" ", 1) for line in out.splitlines())
        self.assertEqual(sorted(results), sorted(scenarios))
        return results

    @unittest.skipUnless(PY in REACH, "the reach is the backport's target")
    @unittest.skipIf(hasattr(sys, "gettotalrefcount") or
                     "ASAN_OPTIONS" in os.environ or _debug_engine(),
                     "the reach is measured on release builds (debug and "
                     "sanitizer builds, and the engine's -Og debug build, "
                     "take more C stack per frame)")
    def test_reach_main_thread(self):
        depth = REACH[PY]
        scenarios = ["%s:%d:0:plain" % (mode, depth)
                     for mode in ("PY_START", "LINE")]
        self.assertEqual(self.run_scenarios(*scenarios),
                         dict((s, str(depth)) for s in scenarios))

    def test_beyond_main_thread(self):
        # Deeper than the recursion limit allows: RecursionError, with the
        # interpreter's own message, whichever limit comes first.
        scenarios = ["%s:200000:0:plain" % mode
                     for mode in ("PY_START", "LINE", "CALL", "ALL")]
        self.assertEqual(self.run_scenarios(*scenarios),
                         dict((s, "RecursionError") for s in scenarios))

    def test_small_thread_stacks(self):
        sizes = (256 * 1024, 512 * 1024, 1024 * 1024)
        if PY[:2] == (3, 13):
            # 3.13.0 crashes in a 256 KiB thread without any monitoring
            # (its C recursion limit assumes a larger stack)
            sizes = sizes[1:]
        scenarios = ["%s:200000:%d:plain" % (mode, size)
                     for size in sizes
                     for mode in ("PY_START", "LINE", "CALL", "ALL")]
        self.assertEqual(self.run_scenarios(*scenarios),
                         dict((s, "RecursionError") for s in scenarios))

    def test_recursing_callback(self):
        # A callback that recurses deeply on its own, in every frame of a
        # deep recursion: its RecursionError is the monitored code's.
        scenarios = ["PY_START:200000:0:deep", "PY_START:200000:%d:deep"
                     % (512 * 1024), "LINE:200000:%d:deep" % (1024 * 1024)]
        self.assertEqual(self.run_scenarios(*scenarios),
                         dict((s, "RecursionError") for s in scenarios))

    @unittest.skipUnless(PY in REACH, "the backport's stack guard")
    def test_stack_state(self):
        from pep669 import _monitoring
        import threading
        states = []
        threading.stack_size(256 * 1024)
        try:
            t = threading.Thread(
                target=lambda: states.append(_monitoring._stack_state()))
            t.start()
            t.join()
        finally:
            threading.stack_size(0)
        states.append(_monitoring._stack_state())
        for sp, low, high, limit, limit_callback in states:
            if sys.platform.startswith("linux"):
                self.assertTrue(low < limit_callback < limit < sp < high)
        self.assertLessEqual(states[0][2] - states[0][1], 256 * 1024)


if __name__ == "__main__":
    unittest.main()
