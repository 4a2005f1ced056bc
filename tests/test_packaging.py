"""Packaging: setup.py's choices, the stubs against the running module,
tools/repair_wheel.py, and the links of the docs.

Building and installing the sdist on every interpreter is
tools/check_dist.py (``tools/runtests.py --dist``, on in CI): it needs the
package index and about a minute per interpreter.
"""

import ast
import base64
import hashlib
import os
import re
import sys
import tempfile
import shutil
import unittest
import zipfile

from tests import support  # noqa: F401  (puts src/ on sys.path)

import pep669

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
try:
    import setup
finally:
    sys.path.remove(ROOT)
IN_TREE = os.path.exists(os.path.join(ROOT, "src", "pep669", "_core"))
STUBS = os.path.join(os.path.dirname(os.path.abspath(pep669.__file__)))


class SetupTest(unittest.TestCase):

    def test_every_version_has_its_sources(self):
        for minor in range(8, 15):
            for name, sources in setup.extensions((3, minor)):
                for source in sources:
                    self.assertTrue(os.path.exists(
                        os.path.join(ROOT, source)), (minor, source))
        self.assertEqual(setup.extensions((3, 14)), [])
        self.assertEqual(
            [name for name, _ in setup.extensions((3, 8))],
            ["pep669._monitoring"])

    @unittest.skipUnless(IN_TREE, "needs the source tree")
    def test_templates_are_listed(self):
        # setup.py's depends: every backend template, and nothing else.
        folder = os.path.join(ROOT, "src", "pep669", "_core", "backend")
        found = sorted("backend/" + name for name in os.listdir(folder)
                       if name.endswith(".c.h"))
        self.assertEqual(sorted(setup.TEMPLATES), found)

    def test_sdist_takes_every_source(self):
        # MANIFEST.in: the whole _core and include directories.
        with open(os.path.join(ROOT, "MANIFEST.in")) as f:
            manifest = f.read().split()
        for line in ("src/pep669/_core", "src/pep669/include", "tests",
                     "tools", "docs", "examples"):
            self.assertIn(line, manifest)

    def test_version_is_written_once(self):
        self.assertEqual(setup.read_version(ROOT), pep669.__version__)
        with open(os.path.join(ROOT, "pyproject.toml")) as f:
            pyproject = f.read()
        self.assertNotRegex(pyproject, r"(?m)^version\s*=")
        self.assertRegex(pyproject, r'dynamic = \[[^]]*"version"')

    def test_license_metadata_per_setuptools(self):
        self.assertEqual(setup.license_options("80.9.0"),
                         ({"license_expression": "MIT"}, []))
        self.assertEqual(setup.license_options("77.0.3"),
                         ({"license_expression": "MIT"}, []))
        for old in ("75.3.2", "61.0", "56.0.0"):
            self.assertEqual(setup.license_options(old), (
                {"license": "MIT"},
                ["License :: OSI Approved :: MIT License"]))
        self.assertFalse(any(c.startswith("License ::")
                             for c in setup.CLASSIFIERS))

    def test_windows_build_options(self):
        self.assertEqual(setup.extension_options("linux"),
                         {"extra_compile_args": ["-fvisibility=hidden"]})
        options = setup.extension_options("win32", (3, 11), False)
        self.assertEqual(options["define_macros"],
                         [("Py_BUILD_CORE_MODULE", "1")])
        self.assertEqual(options["libraries"], ["python311"])
        self.assertEqual(setup.extension_options("win32", (3, 8), True)
                         ["libraries"], ["python38_d"])

    @unittest.skipUnless(sys.platform.startswith("linux") and
                         shutil.which("nm"), "needs nm and an ELF build")
    def test_extension_exports_only_its_init(self):
        # -fvisibility=hidden (setup.UNIX_CFLAGS): calls between the
        # engine's files go straight, not through the PLT; the module init
        # function alone is exported (PEP669_EXPORT: 3.8's PyMODINIT_FUNC
        # leaves it to the default visibility).
        import subprocess
        import importlib.machinery
        built = []
        for name, _ in setup.extensions():
            module = importlib.import_module(name)
            path = module.__file__
            if not path.endswith(tuple(
                    importlib.machinery.EXTENSION_SUFFIXES)):
                continue
            out = subprocess.run(["nm", "-D", "--defined-only", path],
                                 stdout=subprocess.PIPE,
                                 universal_newlines=True, check=True).stdout
            symbols = sorted(line.split()[-1] for line in out.splitlines()
                             if line.strip())
            self.assertEqual(symbols, ["PyInit_" + name.rpartition(".")[2]],
                             path)
            built.append(path)
        if not built and setup.extensions():
            self.skipTest("no extension built")


def _stub_names(path, node_list=None, names=None):
    """Names a stub defines for this interpreter (its sys.version_info
    conditions evaluated)."""
    if node_list is None:
        with open(path) as f:
            node_list = ast.parse(f.read()).body
    names = {} if names is None else names
    for node in node_list:
        if isinstance(node, ast.If):
            test = compile(ast.Expression(node.test), path, "eval")
            branch = node.body if eval(test, {"sys": sys}) else node.orelse
            _stub_names(path, branch, names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            names[node.target.id] = node
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = node
    return names


class StubTest(unittest.TestCase):
    """The stubs name what the running pep669.monitoring has."""

    def test_monitoring_stub(self):
        path = os.path.join(STUBS, "monitoring.pyi")
        names = _stub_names(path)
        runtime = set(n for n in dir(pep669.monitoring)
                      if not n.startswith("__"))
        stubbed = set(n for n in names
                      if n not in ("sys", "CodeType", "Any", "Callable",
                                   "Dict", "Final", "Optional", "_events"))
        self.assertEqual(stubbed, runtime)
        events = _stub_names(path, names["_events"].body)
        self.assertEqual(set(events), set(
            n for n in dir(pep669.monitoring.events)
            if not n.startswith("_")))

    def test_package_stub(self):
        names = _stub_names(os.path.join(STUBS, "__init__.pyi"))
        for name in pep669.__all__:
            self.assertIn(name, names)
        self.assertTrue(os.path.exists(os.path.join(STUBS, "py.typed")))


class RepairWheelTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pep669-wheel-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_wheel_without_binary_gets_the_image_tag(self):
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        try:
            import repair_wheel
        finally:
            sys.path.pop(0)
        wheel = os.path.join(self.dir, "pkg-1.0-cp313-cp313-linux_x86_64.whl")
        info = ("Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
                "Tag: cp313-cp313-linux_x86_64\n")
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr("pkg/__init__.py", "")
            z.writestr("pkg-1.0.dist-info/WHEEL", info)
            z.writestr("pkg-1.0.dist-info/RECORD",
                       "pkg/__init__.py,,0\npkg-1.0.dist-info/WHEEL,x,1\n"
                       "pkg-1.0.dist-info/RECORD,,\n")
        self.assertFalse(repair_wheel.has_binary(wheel))
        out = repair_wheel.retag(wheel, self.dir, "manylinux2014_x86_64."
                                 "manylinux_2_17_x86_64")
        self.assertEqual(os.path.basename(out),
                         "pkg-1.0-cp313-cp313-manylinux2014_x86_64."
                         "manylinux_2_17_x86_64.whl")
        with zipfile.ZipFile(out) as z:
            new_info = z.read("pkg-1.0.dist-info/WHEEL")
            record = z.read("pkg-1.0.dist-info/RECORD").decode()
        self.assertEqual(new_info.decode().splitlines()[2:], [
            "Tag: cp313-cp313-manylinux2014_x86_64",
            "Tag: cp313-cp313-manylinux_2_17_x86_64"])
        digest = base64.urlsafe_b64encode(hashlib.sha256(
            new_info).digest()).rstrip(b"=").decode()
        self.assertIn("pkg-1.0.dist-info/WHEEL,sha256=%s,%d"
                      % (digest, len(new_info)), record.splitlines())


# [text](target) in Markdown; the target's path part and anchor.
_LINK = re.compile(r"\]\(([^)\s]+)\)")
# `path/in/the/repo` in backquotes, of the repository's own folders.
_PATH = re.compile(r"`((?:src|tests|tools|docs|benchmarks|examples|\.ci|"
                   r"\.github)/[^`\s:(]*)")


def _anchors(path):
    with open(path) as f:
        text = f.read()
    anchors = set()
    for heading in re.findall(r"(?m)^#+\s+(.+)$", text):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
        anchors.add(slug.replace(" ", "-"))
    return anchors


@unittest.skipUnless(IN_TREE, "the docs are checked in the source tree")
class DocLinksTest(unittest.TestCase):
    """Every relative link and every path named in the docs exists."""

    def docs(self):
        found = [os.path.join(ROOT, n) for n in ("README.md", "CHANGELOG.md")]
        for folder in ("docs", "benchmarks"):
            for name in sorted(os.listdir(os.path.join(ROOT, folder))):
                if name.endswith(".md"):
                    found.append(os.path.join(ROOT, folder, name))
        return found

    def test_links(self):
        broken = []
        for doc in self.docs():
            with open(doc) as f:
                text = f.read()
            for target in _LINK.findall(text):
                if re.match(r"^[a-z]+:", target):
                    continue        # a URL
                path, _, anchor = target.partition("#")
                full = os.path.normpath(os.path.join(
                    os.path.dirname(doc), path)) if path else doc
                if not os.path.exists(full):
                    broken.append("%s: %s" % (os.path.relpath(doc, ROOT),
                                              target))
                elif anchor and anchor not in _anchors(full):
                    broken.append("%s: %s (no such heading)" % (
                        os.path.relpath(doc, ROOT), target))
        self.assertEqual(broken, [])

    def test_named_paths(self):
        missing = []
        for doc in self.docs():
            with open(doc) as f:
                text = f.read()
            for path in _PATH.findall(text):
                if re.search(r"[*<>]|X\b|3X", path):
                    continue        # a pattern, not a file
                path = path.rstrip(".,")
                if not (os.path.exists(os.path.join(ROOT, path)) or
                        os.path.exists(os.path.join(os.path.dirname(doc),
                                                    path))):
                    missing.append("%s: %s" % (os.path.relpath(doc, ROOT),
                                               path))
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
