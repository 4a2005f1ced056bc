"""The mechanism does not show to audit hooks.

Native monitoring (3.12/3.13) raises no audit event while it monitors:
a program's ``sys.addaudithook`` hook sees only what the program itself
does.  On 3.11 pep669 builds instrumented copies of code objects (line,
branch, call and handler probes); it must not build them with
``code.replace()``, which reports ``code.__new__``; on 3.8-3.10 the
``frame.f_code`` pep669 puts in the frame type with its first copy must
raise the member's ``object.__getattr__``, as the original does (session
14: it raised nothing before the fix).  Each test runs a
workload in a child interpreter (an audit hook cannot be removed) twice,
from fresh code objects each time: unmonitored, then monitored; the
events the hook records must be the same.
"""

import json
import os
import subprocess
import sys
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r'''
import json, sys
seen = None
def hook(event, args):
    if seen is not None:
        seen.append(event)
sys.addaudithook(hook)
import pep669
mon = pep669.monitoring
E = mon.events
mon.use_tool_id(3, "audit")
results = []
def cb(*args):
    results.append(len(args))
def disable(*args):
    results.append(len(args))
    return mon.DISABLE
def event(name):
    # (3.12: BRANCH, no BRANCH_LEFT/RIGHT)
    return getattr(E, name, None) or E.BRANCH
for ev, func in CALLBACKS:
    mon.register_callback(3, event(ev), disable if func else cb)

SOURCE = """
import sys

def work(x, y=2):
    def inner(z):
        return x + z
    # (frame.f_code is audited on 3.8-3.10: object.__getattr__)
    total = len(sys._getframe().f_code.co_name) - 4
    for i in range(4):
        if i % 2:
            total += inner(i)
        else:
            total -= len([i, y])
    try:
        raise ValueError(x)
    except ValueError as e:
        total += len(e.args)
    try:
        {}[x]
    except KeyError:
        total += 1
    while total > 100:
        total //= 2
    return total

def gen(n):
    for i in range(n):
        if i:
            yield i

def run():
    return [work(1), work(0, 5), list(gen(4)), work(2)]
"""

def workload(events):
    global seen
    code = compile(SOURCE, "<audit-workload>", "exec")
    ns = {}
    seen = []
    exec(code, ns)
    if events:
        mon.set_events(3, events)
    out = ns["run"]()
    out.append(ns["run"]())
    mon.set_events(3, 0)
    got, seen = seen, None
    return got, out

events = 0
for ev, func in CALLBACKS:
    events |= event(ev)
plain, plain_out = workload(0)
monitored, monitored_out = workload(events)
print(json.dumps({"plain": plain, "monitored": monitored,
                  "same_results": plain_out == monitored_out,
                  "callbacks": bool(results)}))
'''


def run_child(callbacks):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src")
    for k in ("PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(k, None)
    source = "CALLBACKS = %r\n" % (callbacks,) + textwrap.dedent(CHILD)
    proc = subprocess.run(
        [sys.executable, "-c", source],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=120, env=env)
    if proc.returncode != 0:
        raise AssertionError("child failed:\n" + proc.stderr)
    return json.loads(proc.stdout)


@unittest.skipIf(hasattr(sys, "gettotalrefcount"),
                 "child interpreters: nothing to check for leaks here")
class AuditHookTest(unittest.TestCase):
    maxDiff = None

    def check(self, callbacks):
        got = run_child(callbacks)
        self.assertTrue(got["same_results"])
        self.assertTrue(got["callbacks"])
        self.assertEqual(got["monitored"], got["plain"])

    def test_lines(self):
        # (3.11: line probes in a copy)
        self.check([("LINE", False)])

    def test_lines_disabled(self):
        self.check([("LINE", True)])

    def test_branches(self):
        self.check([("BRANCH_LEFT", False), ("BRANCH_RIGHT", False)])

    def test_calls(self):
        self.check([("CALL", False)])

    def test_handlers(self):
        # (3.11: handler probes in a copy)
        self.check([("EXCEPTION_HANDLED", False)])

    def test_everything(self):
        self.check([("LINE", False), ("BRANCH_LEFT", False),
                    ("BRANCH_RIGHT", False), ("CALL", False),
                    ("EXCEPTION_HANDLED", False), ("RAISE", False),
                    ("PY_START", False), ("PY_RETURN", False),
                    ("PY_YIELD", False), ("PY_RESUME", False),
                    ("JUMP", False)])


if __name__ == "__main__":
    unittest.main()
