"""The engine's layers (tools/check_layers.py): no file depends on a file
of a higher layer, the backends reach the event sources only through
their entry header, no cycle among the engine's units, no engine file
over the size limit, except for the edges and files the tool's
allowlists name.

The tool compiles the engine for the interpreter running the tests and
reads its objects with objdump and nm; where the engine is not built
(3.12+) or those tools are missing, the test is skipped.  The matrix
runs it once per interpreter 3.8-3.11, which together cover every
backend.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import unittest


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "check_layers.py")
PY = sys.version_info[:2]


def missing_tools():
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC")
          or "cc").split()[0]
    return [t for t in (cc, "objdump", "nm") if shutil.which(t) is None]


@unittest.skipUnless((3, 8) <= PY[:2] < (3, 12),
                     "the engine is built on 3.8-3.11 only")
@unittest.skipIf(missing_tools(), "needs a C compiler, objdump and nm")
@unittest.skipIf(hasattr(sys, "gettotalrefcount") or
                 "ASAN_OPTIONS" in os.environ or
                 os.environ.get("PEP669_CHECK_INVARIANTS") == "1",
                 "the sources are the same for every build: the matrix's "
                 "plain runs check them")
class LayersTest(unittest.TestCase):

    def test_layers(self):
        proc = subprocess.run(
            [sys.executable, TOOL, "--python", sys.executable],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=600)
        lines = proc.stdout.splitlines()
        self.assertTrue(lines and lines[-1].startswith("layers: "),
                        proc.stdout)
        # 2: nothing could be checked (should have been skipped above).
        self.assertNotEqual(proc.returncode, 2, proc.stdout)
        self.assertEqual(lines[-1], "layers: 0 problems", proc.stdout)
        self.assertEqual(proc.returncode, 0, proc.stdout)


if __name__ == "__main__":
    unittest.main()
