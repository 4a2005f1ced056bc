"""pep669 and sub-interpreters (issue 12, item 6).

Natively (3.12+) sys.monitoring is per interpreter: a sub-interpreter has
its own tools, callbacks and events, and destroying it leaves the main
interpreter's monitoring as it was.  On 3.8-3.11 pep669 does the same:
each interpreter that imports it gets its own engine state (registry.h,
docs/architecture.md "Interpreters").  What must hold everywhere: the
main interpreter's monitoring keeps working, whatever sub-interpreters do
(import, use, destroy, again and again), and no event or tool state of
one interpreter reaches another.

The scenarios run in a child process (a crash there fails one test);
the child prints one JSON line per interpreter ("MAIN:"/"SUB:").
InProcessTest runs sub-interpreters in the test process itself, so that
the refleak run (tools/refleak.py) sees what they leave behind.
"""

import gc
import json
import os
import subprocess
import sys
import textwrap
import unittest

from tests import support  # noqa: F401  (puts src/ on sys.path)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "capi"))
import build  # noqa: E402

NATIVE = sys.version_info >= (3, 12)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")

try:
    import _testcapi
    HAVE_RUN_IN_SUBINTERP = hasattr(_testcapi, "run_in_subinterp")
except ImportError:  # pragma: no cover
    HAVE_RUN_IN_SUBINTERP = False

try:
    import _xxsubinterpreters as _interpreters
except ImportError:  # pragma: no cover
    try:
        import _interpreters
    except ImportError:
        _interpreters = None

# What a sub-interpreter runs: import pep669 and, where that works, use
# tool 3 (which the main interpreter uses too) with its own callback.
# With leave=True it exits with its tool still in use and events set.
SUB_CODE = """
import json, sys
sys.path.insert(0, %(src)r)
res = {}
try:
    import pep669
except ImportError as exc:
    res["import_error"] = str(exc)
else:
    m = pep669.monitoring
    # The main interpreter's tool 3 is not this interpreter's.
    res["tool_before"] = [m.get_tool(3), m.get_events(3)]
    m.use_tool_id(3, "sub")
    seen = []
    def on_start(code, offset):
        if code.co_name in ("mainfunc", "subfunc"):
            seen.append(code.co_name)
    m.register_callback(3, m.events.PY_START, on_start)
    m.set_events(3, m.events.PY_START | m.events.LINE)
    m.register_callback(3, m.events.LINE, lambda code, line: None)
    def subfunc():
        return 1
    subfunc()
    # DISABLE and local events are this interpreter's too.
    lines = []
    def on_line(code, line):
        if code is sublocal.__code__:
            lines.append(line - sublocal.__code__.co_firstlineno)
            return m.DISABLE
    def sublocal():
        for i in range(3):
            i += 1
        return i
    m.use_tool_id(4, "sub4")
    m.register_callback(4, m.events.LINE, on_line)
    m.set_local_events(4, sublocal.__code__, m.events.LINE)
    sublocal()
    sublocal()
    res["lines"] = lines
    res["local"] = m.get_local_events(4, sublocal.__code__)
    if not %(leave)r:
        m.set_events(3, 0)
        m.register_callback(3, m.events.PY_START, None)
        m.register_callback(3, m.events.LINE, None)
        m.free_tool_id(3)
        m.set_local_events(4, sublocal.__code__, 0)
        m.register_callback(4, m.events.LINE, None)
        m.free_tool_id(4)
    res["seen"] = seen
    # install() sets this interpreter's sys.monitoring only.
    res["installed"] = pep669.install() is m and sys.monitoring is m
# One write: sub-interpreters on several threads share the descriptor.
import os
os.write(1, ("SUB:" + json.dumps(res) + "\\n").encode())
"""

MAIN_PROLOGUE = """
import json, sys
sys.path.insert(0, %(src)r)

def run_sub(code):
    how = %(how)r
    if how == "run_in_subinterp":
        import _testcapi
        return _testcapi.run_in_subinterp(code)
    try:
        import _xxsubinterpreters as interpreters
    except ImportError:
        import _interpreters as interpreters
    interp = interpreters.create()
    try:
        result = interpreters.run_string(interp, code)
    finally:
        interpreters.destroy(interp)
    return 0 if result is None else repr(result)
"""

MAIN_USES_PEP669 = """
import pep669
m = pep669.monitoring
installed_before = getattr(sys, "monitoring", None)
m.use_tool_id(3, "main")
seen = []
def on_start(code, offset):
    if code.co_name in ("mainfunc", "subfunc"):
        seen.append(code.co_name)
m.register_callback(3, m.events.PY_START, on_start)
m.set_events(3, m.events.PY_START | m.events.LINE)
m.register_callback(3, m.events.LINE, lambda code, line: None)
def mainfunc():
    return 2
mainfunc()  # (events before the sub-interpreters run)
"""

MAIN_CHECKS = """
def mainfunc():
    return 2
mainfunc()
out = {
    "sys_monitoring_kept": getattr(sys, "monitoring", None)
                           is installed_before,
    "rcs": rcs,
    "tool": m.get_tool(3),
    "events": m.get_events(3),
    "seen": seen,
    "functions": sorted(name for name in dir(m)
                        if not name.startswith("__")
                        and not callable(getattr(m, name))
                        and name not in ("events", "DISABLE", "MISSING")
                        and not name.endswith("_ID")),
}
m.set_events(3, 0)
m.register_callback(3, m.events.PY_START, None)
m.register_callback(3, m.events.LINE, None)
m.free_tool_id(3)
# Still usable from scratch.
m.use_tool_id(3, "again")
out["again"] = m.get_tool(3)
m.free_tool_id(3)
print("MAIN:" + json.dumps(out), flush=True)
"""


def run_child(script):
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC
    proc = subprocess.run([sys.executable, "-c", script], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300)
    mains, subs = [], []
    for line in proc.stdout.splitlines():
        if line.startswith("MAIN:"):
            mains.append(json.loads(line[5:]))
        elif line.startswith("SUB:"):
            subs.append(json.loads(line[4:]))
    return proc, mains, subs


class SubInterpreterTest(unittest.TestCase):

    def check_sub(self, sub, main_first=True):
        # Its own tool 3 (the main interpreter's is another one, in use
        # with events when main_first), and only its own frames; its
        # DISABLE at each line (the loop's lines once each) and its local
        # events (line 1 twice: the loop's first arrival and FOR_ITER).
        self.assertEqual(sub, {"tool_before": [None, 0],
                               "seen": ["subfunc"],
                               "lines": [1, 2, 1, 3],
                               "local": 0x20,
                               "installed": True})

    def scenario(self, how, main_first=True, leave=False, times=3):
        sub_code = SUB_CODE % {"src": SRC, "leave": leave}
        script = MAIN_PROLOGUE % {"src": SRC, "how": how}
        if main_first:
            script += MAIN_USES_PEP669
        script += "rcs = [run_sub(%r) for _ in range(%d)]\n" % (sub_code,
                                                                times)
        if not main_first:
            script += MAIN_USES_PEP669
        script += MAIN_CHECKS
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(len(mains), 1, proc.stdout)
        self.assertEqual(len(subs), times, proc.stdout)
        for sub in subs:
            self.check_sub(sub)
        main = mains[0]
        self.assertEqual(main, {
            "sys_monitoring_kept": True,
            "rcs": [0] * times,
            "tool": "main",
            "events": 0x21,          # PY_START | LINE
            # right after its tool was set up, and at the end
            "seen": ["mainfunc", "mainfunc"],
            "functions": [],         # nothing became None
            "again": "again",
        }, proc.stdout)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_run_in_subinterp_after_main(self):
        self.scenario("run_in_subinterp")

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_run_in_subinterp_before_main(self):
        self.scenario("run_in_subinterp", main_first=False)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_run_in_subinterp_left_in_use(self):
        self.scenario("run_in_subinterp", leave=True)

    @unittest.skipUnless(_interpreters is not None,
                         "no _xxsubinterpreters / _interpreters")
    def test_interpreters_module(self):
        self.scenario("interpreters")

    @unittest.skipUnless(_interpreters is not None,
                         "no _xxsubinterpreters / _interpreters")
    def test_interpreters_module_before_main_left_in_use(self):
        self.scenario("interpreters", main_first=False, leave=True)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_threads_of_both_interpreters(self):
        # The main interpreter's threads run monitored code while a
        # sub-interpreter's threads do too: each interpreter's callbacks
        # see its own frames, every one of them.
        sub_code = textwrap.dedent("""
            import json, os, sys, threading
            sys.path.insert(0, %(src)r)
            import pep669
            m = pep669.monitoring
            m.use_tool_id(3, "sub")
            counts = {}
            def on_start(code, offset):
                counts[code.co_name] = counts.get(code.co_name, 0) + 1
            m.register_callback(3, m.events.PY_START, on_start)
            m.register_callback(3, m.events.LINE, lambda code, line: None)
            m.set_events(3, m.events.PY_START | m.events.LINE)
            def subfunc(i):
                return i + 1
            def work():
                for i in range(300):
                    subfunc(i)
            threads = [threading.Thread(target=work) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            m.set_events(3, 0)
            os.write(1, ("SUB:" + json.dumps(counts.get("subfunc", 0)) +
                         "\\n").encode())
        """) % {"src": SRC}
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += textwrap.dedent("""
            import threading, time
            import pep669
            m = pep669.monitoring
            m.use_tool_id(3, "main")
            counts = {}
            def on_start(code, offset):
                counts[code.co_name] = counts.get(code.co_name, 0) + 1
            m.register_callback(3, m.events.PY_START, on_start)
            m.set_events(3, m.events.PY_START)
            def mainfunc(i):
                return i + 1
            def work():
                for i in range(3000):
                    mainfunc(i)
                    if i %% 100 == 0:
                        time.sleep(0.001)
            threads = [threading.Thread(target=work) for _ in range(2)]
            for t in threads:
                t.start()
            rcs = [run_sub(%(sub)r) for _ in range(2)]
            for t in threads:
                t.join()
            print("MAIN:" + json.dumps([rcs, counts.get("mainfunc", 0),
                                        counts.get("subfunc", 0),
                                        m.get_tool(3)]), flush=True)
        """) % {"sub": sub_code}
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(subs, [900, 900], proc.stdout)
        self.assertEqual(mains, [[[0, 0], 6000, 0, "main"]], proc.stdout)


    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_sub_inside_a_callback_keeps_the_frames_events(self):
        # A LINE callback in the middle of a monitored frame runs a
        # sub-interpreter that uses pep669 on the same OS thread: the
        # frame, its caller, and the legacy tracer's view go on exactly
        # as before.
        sub_code = SUB_CODE % {"src": SRC, "leave": False}
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += textwrap.dedent("""
            import pep669
            m = pep669.monitoring
            E = m.events
            m.use_tool_id(3, "main")
            events = []
            rcs = []
            def inner():
                a = 1
                b = 2
                return a + b
            def outer():
                x = inner()
                y = x + 1
                return y
            def record(name):
                def callback(code, arg):
                    if code.co_name not in ("inner", "outer"):
                        return
                    if name == "LINE":
                        arg -= code.co_firstlineno
                        if code.co_name == "inner" and arg == 1:
                            rcs.append(run_sub(%(sub)r))
                    events.append([name, code.co_name, arg])
                return callback
            for name in ("PY_START", "LINE"):
                m.register_callback(3, getattr(E, name), record(name))
            m.register_callback(
                3, E.PY_RETURN,
                lambda code, offset, value: record("PY_RETURN")(code, value))
            m.set_events(3, E.PY_START | E.LINE | E.PY_RETURN)
            outer()
            outer()
            m.set_events(3, 0)
            print("MAIN:" + json.dumps([rcs, events]), flush=True)
        """) % {"sub": sub_code}
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(len(subs), 2, proc.stdout)
        for sub in subs:
            self.check_sub(sub)
        once = [["PY_START", "outer", 0], ["LINE", "outer", 1],
                ["PY_START", "inner", 0], ["LINE", "inner", 1],
                ["LINE", "inner", 2], ["LINE", "inner", 3],
                ["PY_RETURN", "inner", 3], ["LINE", "outer", 2],
                ["LINE", "outer", 3], ["PY_RETURN", "outer", 4]]
        self.assertEqual(mains, [[[0, 0], once + once]], proc.stdout)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_c_api_in_subinterpreter_reaches_no_main_tool(self):
        # An extension imported in the main interpreter and then in a
        # sub-interpreter (single-phase init: its module init, and so
        # PEP669_IMPORT(), ran once) fires events there: no tool of the
        # main interpreter may see them.
        try:
            capi_dir = build.testcapi()
        except build.BuildError as exc:  # pragma: no cover
            self.skipTest("cannot build the C API test extension: %s" % exc)
        sub_code = textwrap.dedent("""
            import json, sys
            sys.path.insert(0, %(src)r)
            sys.path.insert(0, %(capi)r)
            import _pep669_testcapi as T
            ids = T.event_ids()
            cl = T.CodeLike(2)
            T.monitoring_enter_scope(cl, ids["PY_START"], ids["PY_START"])
            entered = list(T.states(cl)[1])
            T.set_active(cl, 0, 1 << 3)
            T.fire_event_py_start(cl, 0)
            print("SUB:" + json.dumps(entered), flush=True)
        """) % {"src": SRC, "capi": capi_dir}
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += textwrap.dedent("""
            import pep669
            sys.path.insert(0, %(capi)r)
            import _pep669_testcapi as T
            m = pep669.monitoring
            m.use_tool_id(3, "main")
            calls = []
            def on_start(code, offset):
                if isinstance(code, T.CodeLike):
                    calls.append(offset)
            m.register_callback(3, m.events.PY_START, on_start)
            m.set_events(3, m.events.PY_START)
            rcs = [run_sub(%(sub)r) for _ in range(2)]
            # The main interpreter's own scopes still work.
            ids = T.event_ids()
            cl = T.CodeLike(1)
            T.monitoring_enter_scope(cl, ids["PY_START"])
            T.fire_event_py_start(cl, 5)
            print("MAIN:" + json.dumps([rcs, calls, list(T.states(cl)[1])]),
                  flush=True)
        """) % {"capi": capi_dir, "sub": sub_code}
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(subs, [[0, 0], [0, 0]], proc.stdout)
        self.assertEqual(mains, [[[0, 0], [5], [1 << 3]]], proc.stdout)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_c_api_in_subinterpreter_reaches_its_own_tools(self):
        # The same extension (table fetched in the main interpreter) used
        # in a sub-interpreter that has a tool of its own: that tool's
        # callback is called, the main interpreter's is not.
        try:
            capi_dir = build.testcapi()
        except build.BuildError as exc:  # pragma: no cover
            self.skipTest("cannot build the C API test extension: %s" % exc)
        sub_code = textwrap.dedent("""
            import json, sys
            sys.path.insert(0, %(src)r)
            sys.path.insert(0, %(capi)r)
            import pep669
            import _pep669_testcapi as T
            m = pep669.monitoring
            m.use_tool_id(4, "sub")
            calls = []
            def on_start(code, offset):
                if isinstance(code, T.CodeLike):
                    calls.append(offset)
            m.register_callback(4, m.events.PY_START, on_start)
            m.set_events(4, m.events.PY_START)
            ids = T.event_ids()
            cl = T.CodeLike(1)
            T.monitoring_enter_scope(cl, ids["PY_START"])
            T.fire_event_py_start(cl, 7)
            print("SUB:" + json.dumps([list(T.states(cl)[1]), calls]),
                  flush=True)
        """) % {"src": SRC, "capi": capi_dir}
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += textwrap.dedent("""
            import pep669
            sys.path.insert(0, %(capi)r)
            import _pep669_testcapi as T
            m = pep669.monitoring
            m.use_tool_id(3, "main")
            calls = []
            def on_start(code, offset):
                if isinstance(code, T.CodeLike):
                    calls.append(offset)
            m.register_callback(3, m.events.PY_START, on_start)
            m.set_events(3, m.events.PY_START)
            rcs = [run_sub(%(sub)r) for _ in range(2)]
            ids = T.event_ids()
            cl = T.CodeLike(1)
            T.monitoring_enter_scope(cl, ids["PY_START"])
            T.fire_event_py_start(cl, 5)
            print("MAIN:" + json.dumps([rcs, calls, list(T.states(cl)[1])]),
                  flush=True)
        """) % {"capi": capi_dir, "sub": sub_code}
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(subs, [[[1 << 4], [7]]] * 2, proc.stdout)
        self.assertEqual(mains, [[[0, 0], [5], [1 << 3]]], proc.stdout)

    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_created_inside_callbacks_while_threads_run(self):
        # Sub-interpreters created and destroyed from the main
        # interpreter's callbacks, on the main thread and on three others,
        # all of them monitored (frame, line and call events).
        sub_code = SUB_CODE % {"src": SRC, "leave": True}
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += textwrap.dedent("""
            import threading
            import pep669
            m = pep669.monitoring
            E = m.events
            import itertools
            m.use_tool_id(2, "p")
            # (next() of a count is atomic under the GIL; `+= 1` on a
            # shared dict item is not: a thread switch between its load
            # and its store lost counts under load)
            hot_count, sub_count = itertools.count(1), itertools.count(1)
            rcs = []
            def callback(code, *args):
                if code.co_name == "hot":
                    if next(hot_count) %% 97 == 1:
                        next(sub_count)
                        rcs.append(run_sub(%(sub)r))
            for name in ("LINE", "PY_START", "PY_RETURN", "CALL"):
                m.register_callback(2, getattr(E, name), callback)
            m.set_events(2, E.LINE | E.PY_START | E.PY_RETURN | E.CALL)
            def hot(i):
                return i * 2
            def work():
                for i in range(200):
                    hot(i)
            threads = [threading.Thread(target=work) for _ in range(3)]
            for t in threads:
                t.start()
            work()
            for t in threads:
                t.join()
            m.set_events(2, 0)
            # PY_START, LINE, PY_RETURN per call; CALL only where it is
            # the caller's code (work), not hot's.
            print("MAIN:" + json.dumps([next(hot_count) - 1,
                                        next(sub_count) - 1,
                                        sorted(set(rcs)), m.get_tool(2)]),
                  flush=True)
        """) % {"sub": sub_code}
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        calls = 4 * 200
        self.assertEqual(mains, [[3 * calls, len(subs), [0], "p"]],
                         proc.stdout)
        self.assertEqual(len(subs), (3 * calls + 96) // 97)
        for sub in subs:
            self.check_sub(sub)


@unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
class InProcessTest(unittest.TestCase):
    """Sub-interpreters made and destroyed in the test process itself."""

    def run_sub(self, leave):
        # The sub-interpreter checks its own results: an assertion there
        # makes run_in_subinterp return -1 (and print the traceback).
        code = SUB_CODE.split("# One write")[0] % {"src": SRC,
                                                    "leave": leave}
        code += textwrap.dedent("""
            expected = {"tool_before": [None, 0], "seen": ["subfunc"],
                        "lines": [1, 2, 1, 3], "local": 0x20,
                        "installed": True}
            assert res == expected, res
        """)
        rc = _testcapi.run_in_subinterp(code)
        # (3.8: cycles a destroyed sub-interpreter left are collected by
        # the main interpreter's collector, one GC for the process)
        gc.collect()
        return rc

    def test_create_destroy_repeatedly(self):
        import pep669
        m = pep669.monitoring
        E = m.events
        m.use_tool_id(3, "main")
        seen = []

        def on_start(code, offset):
            if code.co_name in ("mainfunc", "subfunc"):
                seen.append(code.co_name)

        def mainfunc():
            return 2

        try:
            m.register_callback(3, E.PY_START, on_start)
            m.set_events(3, E.PY_START)
            rcs = []
            for i in range(6):
                mainfunc()
                rcs.append(self.run_sub(leave=bool(i % 2)))
                mainfunc()
            self.assertEqual(rcs, [0] * 6)
            self.assertEqual(seen, ["mainfunc"] * 12)
            self.assertEqual(m.get_tool(3), "main")
            self.assertEqual(m.get_events(3), E.PY_START)
            if not NATIVE:
                # Each sub-interpreter's engine state went with it, and
                # the next one reused it.
                state = pep669._monitoring._backend_state()
                self.assertEqual(state["registries"], 1, state)
                self.assertLessEqual(state["registries_made"], 2, state)
        finally:
            m.set_events(3, 0)
            m.register_callback(3, E.PY_START, None)
            m.free_tool_id(3)


if __name__ == "__main__":
    unittest.main()
