"""pep669 and sub-interpreters (issue 12, item 6).

Natively (3.12+) sys.monitoring is per interpreter: a sub-interpreter has
its own tools, callbacks and events, and destroying it leaves the main
interpreter's monitoring as it was.  On 3.8-3.11 pep669's engine (its
registry, its eval-frame hook, its trace trampoline) exists once per
process and belongs to the main interpreter, so a sub-interpreter cannot
import pep669: it gets an ImportError that says why (docs/differences.md,
"Sub-interpreters").  What must hold everywhere: the main interpreter's
monitoring keeps working, whatever sub-interpreters do (import, use,
destroy, again and again), and no event or tool state of one interpreter
reaches another.

Every scenario runs in a child process (a crash there fails one test);
the child prints one JSON line per interpreter ("MAIN:"/"SUB:").
"""

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
    if not %(leave)r:
        m.set_events(3, 0)
        m.register_callback(3, m.events.PY_START, None)
        m.register_callback(3, m.events.LINE, None)
        m.free_tool_id(3)
    res["seen"] = seen
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
m.use_tool_id(3, "main")
seen = []
def on_start(code, offset):
    if code.co_name in ("mainfunc", "subfunc"):
        seen.append(code.co_name)
m.register_callback(3, m.events.PY_START, on_start)
m.set_events(3, m.events.PY_START | m.events.LINE)
m.register_callback(3, m.events.LINE, lambda code, line: None)
"""

MAIN_CHECKS = """
def mainfunc():
    return 2
mainfunc()
out = {
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

    def check_sub(self, sub):
        if NATIVE:
            # Its own tool 3 (the main interpreter's is another one), and
            # only its own frames.
            self.assertEqual(sub, {"seen": ["subfunc"]})
        else:
            self.assertEqual(list(sub), ["import_error"])
            self.assertIn("sub-interpreter", sub["import_error"])

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
            "rcs": [0] * times,
            "tool": "main",
            "events": 0x21,          # PY_START | LINE
            "seen": ["mainfunc"],
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

    @unittest.skipIf(NATIVE, "natively sys.monitoring is per-interpreter: "
                             "a sub-interpreter imports pep669")
    @unittest.skipUnless(HAVE_RUN_IN_SUBINTERP, "no _testcapi.run_in_subinterp")
    def test_import_error_names_the_reason(self):
        code = textwrap.dedent("""
            import sys
            sys.path.insert(0, %r)
            for name in ("pep669", "pep669._monitoring"):
                try:
                    __import__(name)
                except ImportError as exc:
                    print("SUB:" + __import__("json").dumps([name, str(exc)]))
        """ % SRC)
        script = MAIN_PROLOGUE % {"src": SRC, "how": "run_in_subinterp"}
        script += "import pep669\nrun_sub(%r)\n" % code
        proc, mains, subs = run_child(script)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        message = (
            "pep669 cannot be imported in a sub-interpreter on CPython "
            "3.8-3.11: its monitoring engine (tools, callbacks, events and "
            "the eval-frame hook) exists once per process and serves the "
            "main interpreter only; on CPython 3.12+ sys.monitoring is "
            "per-interpreter")
        self.assertEqual(subs, [["pep669", message],
                                ["pep669._monitoring", message]])

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
            m.use_tool_id(2, "p")
            counts = {"hot": 0, "subs": 0}
            rcs = []
            def callback(code, *args):
                if code.co_name == "hot":
                    counts["hot"] += 1
                    if counts["hot"] %% 97 == 1:
                        counts["subs"] += 1
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
            print("MAIN:" + json.dumps([counts["hot"], counts["subs"],
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
            if NATIVE:
                self.assertEqual(sub, {"seen": ["subfunc"]})
            else:
                self.check_sub(sub)


if __name__ == "__main__":
    unittest.main()
