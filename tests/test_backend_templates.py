"""The backend templates' macro contract (src/pep669/_core/backend/README.md).

Each per-version backend (backend/py3X.c) states its version's facts as
PEP669_* macros and includes the templates; a template must refuse to
compile (#error) when one of the macros it expects is missing, rather
than compile into something else (an undefined macro in `#if` is 0).
Checked with the preprocessor of the running interpreter's compiler, on
the backend of the running interpreter (3.8-3.11).
"""

import os
import re
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, "src", "pep669", "_core")
BACKEND = os.path.join(CORE, "backend")
UNIT = os.path.join(BACKEND, "py%d%d.c" % sys.version_info[:2])
# A macro definition at the start of a line, with its continuation lines.
DEFINE = re.compile(r"^#define (PEP669_\w+)(?:.*\\\n)*.*\n", re.M)


def preprocess(text):
    """(exit status, output) of `cc -E` over `text` as a backend file."""
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "unit.c")
        with open(path, "w") as f:
            f.write(text)
        proc = subprocess.run(
            cc + ["-E", "-I", BACKEND, "-I", CORE,
                  "-I", sysconfig.get_paths()["include"], path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            universal_newlines=True)
    return proc.returncode, proc.stderr


@unittest.skipUnless(os.path.exists(UNIT), "no engine backend for %d.%d"
                     % sys.version_info[:2])
class TemplateContractTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(UNIT) as f:
            cls.text = f.read()
        status, err = preprocess(cls.text)
        if status != 0:
            raise unittest.SkipTest("the backend does not preprocess "
                                    "here: %s" % err.strip()[-300:])

    def test_every_macro_is_required(self):
        defines = list(DEFINE.finditer(self.text))
        self.assertGreater(len(defines), 10)
        for match in defines:
            name = match.group(1)
            with self.subTest(macro=name):
                text = self.text[:match.start()] + self.text[match.end():]
                status, err = preprocess(text)
                self.assertNotEqual(status, 0, "%s not checked" % name)
                self.assertIn("#error", err)


if __name__ == "__main__":
    unittest.main()
