"""Compile C code against pep669.h with the running interpreter's settings.

Used by tests/test_capi.py and by the conformance worker (which feeds
CPython 3.13's C API tests through the test extension).  Stdlib only: the
compiler is called directly (no setuptools, which 3.12+ may lack).  This
file must stay valid Python 3.8.
"""

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESTCAPI_SOURCES = ("testcapi.c", "testcapi_init.c")
WARNINGS = ["-Wall", "-Wextra", "-Werror"]


class BuildError(Exception):
    pass


def pep669_include():
    import pep669
    return pep669.get_include()


def python_include():
    return sysconfig.get_paths()["include"]


def compiler(cxx=False):
    """The interpreter's C (or C++) compiler command, as a list."""
    name = "CXX" if cxx else "CC"
    cmd = sysconfig.get_config_var(name) or ("c++" if cxx else "cc")
    words = shlex.split(cmd)
    if cxx and "gcc" in os.path.basename(words[0]):
        words[0] = words[0].replace("gcc", "g++")
    return words


def run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    if proc.returncode != 0:
        raise BuildError("%s\n%s" % (" ".join(cmd), proc.stdout))
    return proc.stdout


def flags(std, cxx=False, pep669_headers=True):
    # -I, not -isystem, for Python's headers: GCC resolves symbolic links
    # of system headers, and Debian's python3.11-dbg include directory is
    # made of links into the release build's, whose pyconfig.h (no
    # Py_DEBUG) would then be used.
    return (["-std=" + std, "-fPIC"] + WARNINGS + ["-I", python_include()] +
            (["-I", pep669_include()] if pep669_headers else []))


def check_compiles(source, std, cxx=False):
    """Compile `source` (a path) to an object file; BuildError if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        run(compiler(cxx) + flags(std, cxx) +
            ["-c", source, "-o", os.path.join(tmp, "check.o")])


def build_extension(name, sources, outdir, std="c11", pep669_headers=True):
    """Build extension module `name` from C `sources` into `outdir`."""
    os.makedirs(outdir, exist_ok=True)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    out = os.path.join(outdir, name + suffix)
    tmp = out + ".%d.tmp" % os.getpid()
    run(compiler() + flags(std, pep669_headers=pep669_headers) +
        ["-shared"] + list(sources) + ["-o", tmp])
    os.replace(tmp, out)  # atomic: concurrent builders never see half a file
    return out


def _fingerprint(paths):
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def testcapi(cache_dir=None):
    """Directory holding an up-to-date _pep669_testcapi for this interpreter
    (built on first use; reused while its sources and pep669.h are
    unchanged)."""
    sources = [os.path.join(HERE, name) for name in TESTCAPI_SOURCES]
    header = os.path.join(pep669_include(), "pep669.h")
    tag = _fingerprint(sources + [header, os.path.abspath(__file__)])
    base = cache_dir or os.path.join(ROOT, "build", "testcapi")
    outdir = os.path.join(base, "%s-%s" % (sys.implementation.cache_tag, tag))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not os.path.exists(os.path.join(outdir, "_pep669_testcapi" + suffix)):
        build_extension("_pep669_testcapi", sources, outdir)
    return outdir


def import_testcapi(cache_dir=None):
    """Build if needed and import _pep669_testcapi."""
    path = testcapi(cache_dir)
    if path not in sys.path:
        sys.path.insert(0, path)
    import _pep669_testcapi
    return _pep669_testcapi


def import_evaltest(cache_dir=None):
    """Build if needed and import _pep669_evaltest (three PEP 523
    evaluators; needs no pep669)."""
    source = os.path.join(HERE, "evaltest.c")
    tag = _fingerprint([source, os.path.abspath(__file__)])
    base = cache_dir or os.path.join(ROOT, "build", "testcapi")
    outdir = os.path.join(base, "%s-eval-%s"
                          % (sys.implementation.cache_tag, tag))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not os.path.exists(os.path.join(outdir, "_pep669_evaltest" + suffix)):
        build_extension("_pep669_evaltest", [source], outdir, std="gnu11",
                        pep669_headers=False)
    if outdir not in sys.path:
        sys.path.insert(0, outdir)
    import _pep669_evaltest
    return _pep669_evaltest
