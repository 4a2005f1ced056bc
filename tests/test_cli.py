"""``python -m pep669 events``: the event log, its filters, exit codes, help."""

import dis
import io
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from tests import support  # noqa: F401  (puts src/ on sys.path)

import pep669
from pep669 import _cli

# Where the pep669 under test lives: src/, or site-packages when the suite
# tests an installed pep669 (PEP669_TEST_INSTALLED=1); the .pth file of the
# PEP669_INSTALL switch is beside the package in both.
SRC = os.path.dirname(os.path.dirname(os.path.abspath(pep669.__file__)))

PROGRAM = '''\
import sys


def square(x):
    return x * x


def pair():
    yield 1
    yield 2


def fail():
    raise KeyError("k")


def main():
    total = square(3)
    for value in pair():
        total += value
    try:
        fail()
    except KeyError:
        pass
    return total


print("total", main())
'''

# The whole log of PROGRAM, offsets left out (they depend on the bytecode).
PROGRAM_LOG = '''\
PY_START  <module> prog.py:1
  PY_START  main prog.py:17
    PY_START  square prog.py:4
    PY_RETURN square prog.py:5 retval=9
    PY_START  pair prog.py:8
    PY_YIELD  pair prog.py:9 value=1
    PY_RESUME pair prog.py:9
    PY_YIELD  pair prog.py:10 value=2
    PY_RESUME pair prog.py:10
    PY_RETURN pair prog.py:10 retval=None
    PY_START  fail prog.py:13
    PY_UNWIND fail prog.py:14 exc=KeyError('k')
  PY_RETURN main prog.py:25 retval=12
PY_RETURN <module> prog.py:28 retval=None
'''


def delivers_c_return():
    """Whether C_RETURN reaches callbacks here (not yet in every engine)."""
    monitoring = pep669.monitoring
    events = monitoring.events
    free = [t for t in range(6) if monitoring.get_tool(t) is None]
    if not free:
        return False
    tool, seen = free[-1], []
    monitoring.use_tool_id(tool, "test_cli probe")
    try:
        monitoring.register_callback(
            tool, events.C_RETURN, lambda *args: seen.append(args))
        monitoring.set_events(
            tool, events.CALL | events.C_RETURN | events.C_RAISE)
        len("ab")
        monitoring.set_events(tool, 0)
    finally:
        monitoring.set_events(tool, 0)
        monitoring.register_callback(tool, events.C_RETURN, None)
        monitoring.free_tool_id(tool)
    return bool(seen)


class CliTestCase(unittest.TestCase):
    # Every test runs the CLI in a child process: tools/refleak.py skips
    # them (nothing of this process to check).
    subprocess_only = True

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pep669-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            os.makedirs(folder)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def run_cli(self, *args):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [SRC] + [p for p in [env.get("PYTHONPATH")] if p])
        env.pop("PYTHONSTARTUP", None)
        return subprocess.run(
            [sys.executable, "-m", "pep669"] + list(args),
            cwd=self.dir, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


class EventLogTest(CliTestCase):

    def test_frame_events_of_a_program(self):
        script = self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", script)
        self.assertEqual(result.stderr, PROGRAM_LOG)
        self.assertEqual(result.stdout, "total 12\n")
        self.assertEqual(result.returncode, 0)

    def test_relative_script_path_and_output_file(self):
        self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", "-o", "log.txt",
                              "prog.py")
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.stdout, "total 12\n")
        with open(os.path.join(self.dir, "log.txt")) as f:
            self.assertEqual(f.read(), PROGRAM_LOG)

    def test_offsets(self):
        script = self.write("prog.py", PROGRAM)
        with open(script) as f:
            module = compile(f.read(), script, "exec")
        square = [c for c in module.co_consts
                  if getattr(c, "co_name", None) == "square"][0]
        ops = [(i.opname, i.offset) for i in dis.get_instructions(square)]
        # PY_START: at the first RESUME where there is one (3.11+), else 0.
        start = min([o for name, o in ops if name == "RESUME"] or [0])
        [ret] = [o for name, o in ops if name.startswith("RETURN_")]
        result = self.run_cli("events", "--function", "square", script)
        self.assertEqual(result.stderr, (
            "PY_START  square prog.py:4 @%d\n"
            "PY_RETURN square prog.py:5 @%d retval=9\n") % (start, ret))
        self.assertEqual(result.returncode, 0)

    def test_event_selection(self):
        script = self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets",
                              "--events", "py_start,PY_UNWIND", script)
        self.assertEqual(result.stderr, (
            "PY_START  <module> prog.py:1\n"
            "  PY_START  main prog.py:17\n"
            "    PY_START  square prog.py:4\n"
            "    PY_START  pair prog.py:8\n"
            "    PY_START  fail prog.py:13\n"
            "    PY_UNWIND fail prog.py:14 exc=KeyError('k')\n"))
        self.assertEqual(result.returncode, 0)

    def test_repeated_events_option_keeps_depth_from_unshown_events(self):
        script = self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", "--events",
                              "PY_RETURN", "--events", "PY_YIELD", script)
        self.assertEqual(result.stderr, (
            "    PY_RETURN square prog.py:5 retval=9\n"
            "    PY_YIELD  pair prog.py:9 value=1\n"
            "    PY_YIELD  pair prog.py:10 value=2\n"
            "    PY_RETURN pair prog.py:10 retval=None\n"
            "  PY_RETURN main prog.py:25 retval=12\n"
            "PY_RETURN <module> prog.py:28 retval=None\n"))

    def test_function_filter(self):
        script = self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", "--function", "pair",
                              "--function", "fa*", script)
        self.assertEqual(result.stderr, (
            "PY_START  pair prog.py:8\n"
            "PY_YIELD  pair prog.py:9 value=1\n"
            "PY_RESUME pair prog.py:9\n"
            "PY_YIELD  pair prog.py:10 value=2\n"
            "PY_RESUME pair prog.py:10\n"
            "PY_RETURN pair prog.py:10 retval=None\n"
            "PY_START  fail prog.py:13\n"
            "PY_UNWIND fail prog.py:14 exc=KeyError('k')\n"))

    def test_qualified_names(self):
        script = self.write("prog.py", '''\
            class Box:
                def get(self):
                    return 1

            Box().get()
            ''')
        result = self.run_cli("events", "--no-offsets", "--function",
                              "Box.get", script)
        self.assertEqual(result.stderr, "".join(
            "%s Box.get prog.py:%d%s\n" % (event, line, extra)
            for event, line, extra in [("PY_START ", 2, ""),
                                       ("PY_RETURN", 3, " retval=1")]))
        by_name = self.run_cli("events", "--no-offsets", "--function", "get",
                               script)
        self.assertEqual(by_name.stderr, result.stderr)

    def test_default_shows_only_the_scripts_directory(self):
        self.write("lib/helper.py", '''\
            def helper():
                return "h"
            ''')
        script = self.write("app/main.py", '''\
            import os, sys, textwrap
            sys.path.append(os.path.join(os.path.dirname(__file__), "..", "lib"))
            import helper
            def run():
                return helper.helper() + textwrap.dedent(" x")
            run()
            ''')
        default = self.run_cli("events", "--no-offsets", script)
        self.assertEqual(default.stderr, (
            "PY_START  <module> main.py:1\n"
            "  PY_START  run main.py:4\n"
            "  PY_RETURN run main.py:5 retval='hx'\n"
            "PY_RETURN <module> main.py:6 retval=None\n"))

        only_helper = self.run_cli("events", "--no-offsets",
                                   "--file", os.path.join(self.dir, "lib", "*"),
                                   script)
        helper_path = os.path.join(self.dir, "lib", "helper.py")
        self.assertEqual(only_helper.stderr, (
            "PY_START  <module> {0}:1\n"
            "PY_RETURN <module> {0}:1 retval=None\n"
            "PY_START  helper {0}:1\n"
            "PY_RETURN helper {0}:2 retval='h'\n").format(helper_path))

        by_base_name = self.run_cli("events", "--no-offsets",
                                    "--file", "helper.py", script)
        self.assertEqual(by_base_name.stderr, only_helper.stderr)

        everything = self.run_cli("events", "--no-offsets", "--all", script)
        lines = everything.stderr.splitlines()
        self.assertIn("PY_START  helper %s:1" % helper_path,
                      [line.strip() for line in lines])
        self.assertTrue(any("<stdlib>/textwrap.py:" in line
                            for line in lines), lines)
        self.assertTrue(any("<frozen importlib._bootstrap>" in line
                            for line in lines), lines)
        for result in (default, only_helper, by_base_name, everything):
            self.assertEqual(result.returncode, 0)

    def test_other_events_and_indentation(self):
        if not delivers_c_return():
            self.skipTest("C_RETURN is not delivered by this engine yet")
        script = self.write("prog.py", '''\
            def f():
                return len("ab")
            f()
            ''')
        result = self.run_cli("events", "--no-offsets",
                              "--events", "PY_START,C_RETURN", script)
        self.assertEqual(result.stderr, (
            "PY_START  <module> prog.py:1\n"
            "  PY_START  f prog.py:1\n"
            "    C_RETURN  f prog.py:2 callable=<built-in function len> "
            "arg0='ab'\n"))
        only_c = self.run_cli("events", "--no-offsets",
                              "--events", "C_RETURN", script)
        self.assertEqual(only_c.stderr,
                         "  C_RETURN  f prog.py:2 callable=<built-in "
                         "function len> arg0='ab'\n")

    def test_repr_limit(self):
        script = self.write("prog.py", '''\
            def f():
                return "abcdefghijklmnopqrstuvwxyz"
            f()
            ''')
        result = self.run_cli("events", "--no-offsets", "--repr-limit", "10",
                              "--function", "f", "--no-indent", script)
        self.assertEqual(result.stderr, (
            "PY_START  f prog.py:1\n"
            "PY_RETURN f prog.py:2 retval='abcdef...\n"))

    def test_threads_are_named(self):
        script = self.write("prog.py", '''\
            import threading
            def work(n):
                return n + 1
            t = threading.Thread(target=work, args=(1,), name="worker")
            t.start()
            t.join()
            ''')
        result = self.run_cli("events", "--no-offsets", script)
        self.assertEqual(result.stderr, (
            "PY_START  <module> prog.py:1\n"
            "[worker] PY_START  work prog.py:2\n"
            "[worker] PY_RETURN work prog.py:3 retval=2\n"
            "PY_RETURN <module> prog.py:6 retval=None\n"))


class ScriptEnvironmentTest(CliTestCase):

    def test_runs_as_main(self):
        script = self.write("sub/env.py", '''\
            import os, sys
            print(__name__)
            print(__file__ == (os.path.abspath("sub/env.py")
                               if sys.version_info >= (3, 9) else "sub/env.py"))
            print(sys.argv)
            print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
            print(sys.modules["__main__"].__dict__ is globals())
            print([sys.monitoring.get_tool(i) for i in range(6)].count(
                "pep669 events"))
            ''')
        result = self.run_cli("events", "--events", "RAISE", "sub/env.py",
                              "-o", "x", "--all")
        self.assertEqual(result.stdout.splitlines(), [
            "__main__", "True", "['sub/env.py', '-o', 'x', '--all']", "True",
            "True", "1"])
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.returncode, 0)
        self.assertTrue(os.path.exists(script))

    def test_exit_code_is_the_scripts(self):
        script = self.write("prog.py", '''\
            import sys
            sys.exit(int(sys.argv[1]))
            ''')
        result = self.run_cli("events", "--no-offsets", script, "3")
        self.assertEqual(result.returncode, 3)
        self.assertEqual(result.stderr, (
            "PY_START  <module> prog.py:1\n"
            "PY_UNWIND <module> prog.py:2 exc=SystemExit(3)\n"))
        self.assertEqual(self.run_cli("events", script, "0").returncode, 0)

    def test_exit_with_message(self):
        script = self.write("prog.py", '''\
            raise SystemExit("bye now")
            ''')
        result = self.run_cli("events", "--events", "PY_RETURN", script)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "bye now\n")

    def test_uncaught_exception(self):
        script = self.write("prog.py", '''\
            def f():
                raise ValueError("broken")
            f()
            ''')
        result = self.run_cli("events", "--no-offsets", script)
        self.assertEqual(result.returncode, 1)
        log, _, traceback = result.stderr.partition("Traceback")
        self.assertEqual(log, (
            "PY_START  <module> prog.py:1\n"
            "  PY_START  f prog.py:1\n"
            "  PY_UNWIND f prog.py:2 exc=ValueError('broken')\n"
            "PY_UNWIND <module> prog.py:3 exc=ValueError('broken')\n"))
        self.assertTrue(traceback.endswith("ValueError: broken\n"), traceback)
        self.assertIn('prog.py", line 3, in <module>', traceback)
        self.assertIn('prog.py", line 2, in f', traceback)
        self.assertNotIn("_cli.py", traceback)
        self.assertNotIn("runpy", traceback)

    def test_missing_script(self):
        result = self.run_cli("events", "no_such_script.py")
        self.assertEqual(result.returncode, 2)
        path = os.path.join(self.dir, "no_such_script.py") \
            if sys.version_info >= (3, 9) else "no_such_script.py"
        self.assertIn("can't open file %r" % path, result.stderr)

    def test_syntax_error(self):
        script = self.write("prog.py", "def f(:\n")
        result = self.run_cli("events", script)
        self.assertEqual(result.returncode, 1)
        self.assertIn("SyntaxError", result.stderr)
        self.assertNotIn("PY_START", result.stderr)
        # As python shows it: no traceback header, no frame of pep669.
        self.assertTrue(result.stderr.startswith('  File "%s", line 1\n'
                                                 % script), result.stderr)


class UsageTest(CliTestCase):

    def test_help(self):
        result = self.run_cli("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("usage: python -m pep669", result.stdout)
        self.assertIn("events", result.stdout)
        self.assertNotIn("coverage", result.stdout)

    def test_no_arguments(self):
        result = self.run_cli()
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage: python -m pep669", result.stderr)
        self.assertIn("events", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_events_help(self):
        result = self.run_cli("events", "--help")
        self.assertEqual(result.returncode, 0)
        for option in ("--events", "--file", "--function", "--all",
                       "--no-offsets", "-o", "SCRIPT", "PY_UNWIND"):
            self.assertIn(option, result.stdout)

    def test_bad_input(self):
        script = self.write("prog.py", "print('ran')\n")
        for args in (["--events", "PY_BEGIN"], ["--events", ","],
                     ["--tool-id", "6"], ["--repr-limit", "-1"]):
            result = self.run_cli("events", *(args + [script]))
            self.assertEqual(result.returncode, 2, args)
            self.assertIn("error:", result.stderr)
            self.assertEqual(result.stdout, "", args)
        self.assertEqual(self.run_cli("events").returncode, 2)
        self.assertEqual(self.run_cli("nonsense").returncode, 2)


class InProcessTest(CliTestCase):
    """main() run in this process: the tool id is given back afterwards."""

    subprocess_only = False

    def run_main(self, *args):
        saved_stderr = sys.stderr
        had_monitoring = hasattr(sys, "monitoring")
        sys.stderr = io.StringIO()
        try:
            code = _cli.main(list(args))
            return code, sys.stderr.getvalue()
        finally:
            sys.stderr = saved_stderr
            if not had_monitoring and hasattr(sys, "monitoring"):
                del sys.monitoring     # left by pep669.install()

    def test_tool_is_freed_and_state_restored(self):
        monitoring = pep669.monitoring
        report = os.path.join(self.dir, "report.txt")
        script = self.write("prog.py", '''\
            import sys
            tools = list(map(sys.monitoring.get_tool, range(6)))
            f = open(sys.argv[1], "w")
            f.write(str(tools.index("pep669 events")))
            f.close()
            ''')
        log = os.path.join(self.dir, "log.txt")
        argv, path0 = sys.argv[:], sys.path[0]
        main = sys.modules["__main__"]

        occupied = monitoring.DEBUGGER_ID
        if monitoring.get_tool(occupied) is not None:
            self.skipTest("DEBUGGER_ID is in use")
        monitoring.use_tool_id(occupied, "test occupant")
        try:
            code, err = self.run_main("events", "-o", log, "--no-offsets",
                                      script, report)
        finally:
            monitoring.free_tool_id(occupied)
        self.assertEqual((code, err), (0, ""))
        with open(report) as f:
            used = int(f.read())
        self.assertNotEqual(used, occupied)
        self.assertIsNone(monitoring.get_tool(used))
        self.assertEqual(monitoring.get_events(used), 0)
        with open(log) as f:
            self.assertEqual(f.read(), "PY_START  <module> prog.py:1\n"
                                       "PY_RETURN <module> prog.py:5 "
                                       "retval=None\n")
        self.assertEqual(sys.argv, argv)
        self.assertEqual(sys.path[0], path0)
        self.assertIs(sys.modules["__main__"], main)

        # The debugger slot when it is free, and freed again.
        code, err = self.run_main("events", "-o", log, script, report)
        self.assertEqual(code, 0)
        with open(report) as f:
            self.assertEqual(int(f.read()), monitoring.DEBUGGER_ID)
        self.assertIsNone(monitoring.get_tool(monitoring.DEBUGGER_ID))

    def test_requested_tool_id_in_use(self):
        monitoring = pep669.monitoring
        script = self.write("prog.py", "print('never')\n")
        tool = 4
        if monitoring.get_tool(tool) is not None:
            self.skipTest("tool 4 is in use")
        monitoring.use_tool_id(tool, "test occupant")
        try:
            with self.assertRaises(SystemExit) as cm:
                self.run_main("events", "--tool-id", str(tool), script)
        finally:
            monitoring.free_tool_id(tool)
        self.assertEqual(cm.exception.code, 2)



# Prints what python gives a program; nothing that differs between two runs
# (object addresses) and nothing pep669 adds (sys.monitoring on 3.8-3.11).
ENVIRONMENT = """\
import sys
main = sys.modules["__main__"]
print("argv", sys.argv)
print("path0", repr(sys.path[0]))
print("name", __name__, main.__dict__ is globals())
print("globals", sorted(globals()))
print("file", globals().get("__file__"), globals().get("__cached__"))
print("loader", type(__loader__).__name__, __loader__.__class__.__module__)
print("spec", __spec__ and (__spec__.name, __spec__.origin))
print("package", repr(__package__))
"""

RAISES = """\
def inner():
    raise ValueError("bad value")

def outer():
    inner()

outer()
"""


class LikePythonTest(CliTestCase):
    """``python -m pep669 run X`` and ``events X`` against ``python X``:
    the same output, traceback and exit status, whatever X is."""

    def start(self, argv, env=None):
        env = dict(os.environ if env is None else env)
        env["PYTHONPATH"] = os.pathsep.join(
            [SRC] + [p for p in [env.get("PYTHONPATH")] if p])
        env.pop("PYTHONSTARTUP", None)
        env.pop("PEP669_INSTALL", None)
        return subprocess.Popen(
            [sys.executable] + list(argv), cwd=self.dir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True)

    def assertLikePython(self, *args):
        """Runs python, ``run`` and ``events`` (logging nothing) at once."""
        commands = [[], ["-m", "pep669", "run"],
                    ["-m", "pep669", "events", "--function", "no_such_name"]]
        procs = [self.start(command + list(args)) for command in commands]
        results = []
        for proc in procs:
            try:
                out, err = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            results.append((out, err, proc.returncode))
        expected = results[0]
        for command, result in zip(commands[1:], results[1:]):
            self.assertEqual(result, expected, "%s %s" % (
                " ".join(command), " ".join(args)))
        return subprocess.CompletedProcess(args, expected[2], expected[0],
                                           expected[1])

    def test_script(self):
        self.write("env.py", ENVIRONMENT)
        result = self.assertLikePython("env.py", "a", "-b", "--c", "-m")
        self.assertIn("argv ['env.py', 'a', '-b', '--c', '-m']",
                      result.stdout)

    def test_script_in_another_directory_and_through_a_symlink(self):
        self.write("sub/env.py", ENVIRONMENT)
        self.assertLikePython("sub/env.py")
        self.assertLikePython(os.path.join(self.dir, "sub", "env.py"), "x")
        if hasattr(os, "symlink"):
            os.makedirs(os.path.join(self.dir, "links"))
            os.symlink(os.path.join(self.dir, "sub", "env.py"),
                       os.path.join(self.dir, "links", "env.py"))
            result = self.assertLikePython("links/env.py")
            self.assertIn("path0 %r" % os.path.join(self.dir, "sub"),
                          result.stdout)

    def test_module(self):
        self.write("env.py", ENVIRONMENT)
        result = self.assertLikePython("-m", "env", "x", "-c", "y")
        self.assertIn("argv [%r, 'x', '-c', 'y']"
                      % os.path.join(self.dir, "env.py"), result.stdout)
        self.write("pkg/__init__.py", "")
        self.write("pkg/__main__.py", ENVIRONMENT)
        self.write("pkg/tool.py", ENVIRONMENT)
        self.assertLikePython("-m", "pkg")
        self.assertLikePython("-mpkg.tool", "z")

    def test_code(self):
        result = self.assertLikePython("-c", ENVIRONMENT, "x", "-m", "y")
        self.assertIn("argv ['-c', 'x', '-m', 'y']", result.stdout)
        self.assertIn("path0 ''", result.stdout)

    def test_directory_and_zip(self):
        self.write("app/__main__.py", ENVIRONMENT)
        self.assertLikePython("app", "1")
        import zipfile
        with zipfile.ZipFile(os.path.join(self.dir, "app.zip"), "w") as z:
            z.writestr("__main__.py", ENVIRONMENT)
        result = self.assertLikePython("app.zip", "2")
        self.assertIn("argv ['app.zip', '2']", result.stdout)
        os.makedirs(os.path.join(self.dir, "empty"))
        self.assertEqual(self.assertLikePython("empty").returncode, 1)

    def test_tracebacks(self):
        self.write("raises.py", RAISES)
        self.write("app/__main__.py", RAISES)
        for args in (["raises.py"], ["-m", "raises"], ["app"],
                     ["-c", RAISES]):
            result = self.assertLikePython(*args)
            self.assertEqual(result.returncode, 1)
            self.assertTrue(result.stderr.endswith(
                "ValueError: bad value\n"), result.stderr)

    def test_syntax_errors(self):
        self.write("bad.py", "x = 1\ndef f(:\n    pass\n")
        for args in (["bad.py"], ["-m", "bad"], ["-c", "def f(:"]):
            result = self.assertLikePython(*args)
            self.assertIn("SyntaxError", result.stderr)
            self.assertEqual(result.returncode, 1)

    def test_exit_status(self):
        self.write("exits.py", "import sys\nsys.exit(sys.argv[1])\n")
        self.write("code.py", "import sys\nsys.exit(int(sys.argv[1]))\n")
        self.assertEqual(self.assertLikePython("exits.py", "farewell")
                         .stderr, "farewell\n")
        self.assertEqual(self.assertLikePython("code.py", "7").returncode, 7)
        self.assertEqual(self.assertLikePython("code.py", "0").returncode, 0)
        self.assertEqual(self.assertLikePython("-c", "raise SystemExit")
                         .returncode, 0)

    def test_keyboard_interrupt(self):
        self.write("interrupted.py", "import atexit\n"
                   "atexit.register(print, 'atexit ran')\n"
                   "print('started', flush=True)\n"
                   "raise KeyboardInterrupt\n")
        for args in (["interrupted.py"], ["-m", "interrupted"]):
            result = self.assertLikePython(*args)
            if os.name == "posix":
                self.assertEqual(result.returncode, -2)   # killed by SIGINT
            self.assertIn("atexit ran", result.stdout)
            self.assertTrue(result.stderr.endswith("KeyboardInterrupt\n"))

    def test_missing_programs(self):
        for args in (["no_such_script.py"], ["-m", "no_such_module"]):
            result = self.assertLikePython(*args)
            self.assertNotEqual(result.returncode, 0)

    def test_programs_excepthook(self):
        self.write("hook.py", "import sys\n"
                   "sys.excepthook = lambda t, v, tb: print('hook', t, v)\n"
                   "raise OSError('x')\n")
        self.assertEqual(self.assertLikePython("hook.py").stdout,
                         "hook <class 'OSError'> x\n")


class RunCommandTest(CliTestCase):

    def test_sys_monitoring_is_installed_first(self):
        self.write("tool.py", """\
            import sys
            mon = sys.monitoring
            starts = []
            mon.use_tool_id(mon.PROFILER_ID, "test")
            mon.register_callback(mon.PROFILER_ID, mon.events.PY_START,
                                  lambda code, offset: starts.append(
                                      code.co_name))
            def work():
                return 1
            mon.set_events(mon.PROFILER_ID, mon.events.PY_START)
            work()
            mon.set_events(mon.PROFILER_ID, 0)
            print(starts, sys.argv)
            """)
        for args in (["tool.py"], ["-m", "tool"], ["-c", "import tool"]):
            result = self.run_cli("run", *(args + ["arg"]))
            self.assertEqual(result.stderr, "")
            self.assertEqual(result.stdout.split(" [")[0], "['work']")
            self.assertEqual(result.returncode, 0)

    def test_usage(self):
        result = self.run_cli("run")
        self.assertEqual(result.returncode, 2)
        self.assertIn("the program to run is missing", result.stderr)
        result = self.run_cli("run", "--help")
        self.assertEqual(result.returncode, 0)
        for text in ("-m MODULE", "-c CODE", "SCRIPT", "installed"):
            self.assertIn(text, result.stdout)


class EventsTargetTest(CliTestCase):
    """``events`` runs -m, -c, directories and zip files too."""

    def test_module_and_code(self):
        self.write("prog.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", "-m", "prog")
        self.assertEqual(result.stderr, PROGRAM_LOG)
        self.assertEqual(result.stdout, "total 12\n")
        result = self.run_cli("events", "--no-offsets", "-c",
                              "def f():\n    return 1\nf()\n")
        self.assertEqual(result.stderr, (
            "PY_START  <module> <string>:1\n"
            "  PY_START  f <string>:1\n"
            "  PY_RETURN f <string>:2 retval=1\n"
            "PY_RETURN <module> <string>:3 retval=None\n"))

    def test_directory(self):
        self.write("app/__main__.py", PROGRAM)
        result = self.run_cli("events", "--no-offsets", "app")
        self.assertEqual(result.stderr,
                         PROGRAM_LOG.replace("prog.py", "__main__.py"))

    def test_options_end_at_the_program(self):
        self.write("prog.py", "import sys\nprint(sys.argv)\n")
        result = self.run_cli("events", "--events", "PY_RETURN", "-o",
                              os.devnull, "prog.py", "--events", "-o", "x")
        self.assertEqual(result.stdout,
                         "['prog.py', '--events', '-o', 'x']\n")
        self.assertEqual(result.returncode, 0)

    def test_columns_are_aligned_for_every_event_name(self):
        self.write("prog.py", """\
            def f(x):
                try:
                    raise KeyError(x)
                except KeyError:
                    pass
                if x:
                    return 1
                return 2
            f(0)
            f(1)
            """)
        names = ["PY_START", "RAISE", "EXCEPTION_HANDLED", "PY_RETURN"]
        if hasattr(pep669.monitoring.events, "BRANCH_LEFT"):
            names += ["BRANCH_LEFT", "BRANCH_RIGHT"]
        result = self.run_cli("events", "--no-offsets", "--no-indent",
                              "--events", ",".join(names), "prog.py")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stderr.splitlines()
        seen = set()
        for line in lines:
            name = line.split()[0]
            seen.add(name)
            # The name, padded to the longest, then one space.
            self.assertEqual(line[len("EXCEPTION_HANDLED") + 1:].split()[0],
                             line.split()[1], line)
            self.assertEqual(line[len("EXCEPTION_HANDLED")], " ", line)
        self.assertEqual(seen, set(names))


class InstallSwitchTest(CliTestCase):
    """PEP669_INSTALL=1 and the .pth file installed with the package."""

    PTH = os.path.join(SRC, "pep669-install.pth")

    def start(self, value):
        site_dir = os.path.join(self.dir, "site")
        other_dir = os.path.join(self.dir, "other")
        if not os.path.isdir(site_dir):
            os.makedirs(site_dir)
            shutil.copy(self.PTH, site_dir)
            # What processing any .pth file imports (3.8: the locale
            # modules, to open it) is not the switch's.
            os.makedirs(other_dir)
            with open(os.path.join(other_dir, "other.pth"), "w") as f:
                f.write("import os\n")
        env = dict(os.environ)
        env["PYTHONPATH"] = SRC
        env.pop("PEP669_INSTALL", None)
        if value is not None:
            env["PEP669_INSTALL"] = value
        # site processes the .pth files of a site directory as it does
        # those of site-packages.
        code = ("import sys, site; site.addsitedir(%r); "
                "before = set(sys.modules); site.addsitedir(%r); "
                "print(hasattr(sys, 'monitoring'), 'pep669' in sys.modules, "
                "sorted(set(sys.modules) - before))" % (other_dir, site_dir))
        result = subprocess.run(
            [sys.executable, "-S", "-c", code], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            universal_newlines=True, timeout=60)
        self.assertEqual(result.stderr, "")
        return result.stdout.split(" ", 2)

    def test_switch_on(self):
        for value in ("1", "yes"):
            monitoring, imported, _ = self.start(value)
            self.assertEqual((monitoring, imported), ("True", "True"))

    def test_switch_off_imports_nothing(self):
        native = str(sys.version_info >= (3, 12))
        for value in (None, "", "0"):
            self.assertEqual(self.start(value), [native, "False", "[]\n"])


if __name__ == "__main__":
    unittest.main()
