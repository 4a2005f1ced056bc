"""Build script.

What is built depends on the interpreter that builds: ``extensions()``
lists the C extensions of one interpreter version (tools/build_ext.py
builds the same list in place for development).  CPython 3.8-3.11: the
engine, pep669._monitoring (which also serves pep669.h's C API).
3.12/3.13: pep669._native, 3.14's sys.monitoring API and pep669.h's C API
over the native sys.monitoring.  3.14+: nothing to build.

The sdist carries the sources of every version (MANIFEST.in), so one sdist
builds on each of 3.8-3.13.  A wheel carries only what runs: the Python
package, its type stubs, pep669.h, the extension of its interpreter, and
pep669-install.pth (the PEP669_INSTALL switch), which goes to the top of
site-packages.

Metadata that depends on the setuptools doing the build (the license:
an SPDX expression from setuptools 77 on, the older field and classifier
before; 3.8 builds with setuptools 75 at most) is given here; the rest is
in pyproject.toml.
"""

import os
import re
import sys

CORE = "src/pep669/_core/"
HEADERS = ("compat.h", "check.h", "events.h", "monitor.h", "registry.h",
           "codedata.h", "lineflow.h", "lineflow_lines.h", "lineflow_exit.h", "lineflow_graph.h",
           "wanted.h", "dispatch.h", "record.h",
           "thread_state.h", "engine_entry.h", "trampoline.h", "lineno.h",
           "legacy_calls.h", "legacy_exceptions.h", "probe_walks.h",
           "probe_refused.h",
           "probe_fire.h", "probe_entries.h", "frames.h", "frames_gen.h", "frames_end.h", "probe.h", "backend.h",
           "stack.h",
           "suspended.h", "native.h", "monitor_engine.h",
           # 3.11's copy of a code object, included by backend/py311.c
           "backend/py311_clone.h", "backend/py311_tables.h",
           "backend/py311_calls.h", "backend/py311_flow.h",
           "backend/py311_handlers.h",
           "backend/py311_exc.h",
           "backend/py311_branch.h",
           # the STORE_SUBSCR a far site's probe makes (3.8-3.11)
           "backend/far_store.h")
# The backend's templates (backend/README.md): code included by the
# per-version backend/py3X.c, which finds the engine's headers through
# INCLUDE_DIRS.
TEMPLATES = tuple("backend/%s.c.h" % name for name in (
    "hook", "trampoline", "decode", "calls", "frame", "bytecode", "callsite",
    "callstub", "jumpfar", "clone"))
INCLUDE_DIRS = [CORE.rstrip("/")]
PUBLIC_HEADER = "src/pep669/include/pep669.h"
# Installed at the top of site-packages, beside the package.
PTH_FILE = "pep669-install.pth"
LICENSE = "MIT"
# Here rather than in pyproject.toml: the license classifier depends on
# the setuptools version (license_options).
CLASSIFIERS = [
    "Development Status :: 3 - Alpha",
    "Intended Audience :: Developers",
    "Operating System :: POSIX :: Linux",
    "Operating System :: MacOS",
    "Operating System :: Microsoft :: Windows",
    "Programming Language :: C",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.8",
    "Programming Language :: Python :: 3.9",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Programming Language :: Python :: Implementation :: CPython",
    "Topic :: Software Development :: Debuggers",
    "Topic :: Software Development :: Testing",
    "Typing :: Typed",
]


def extensions(version_info=sys.version_info):
    """[(module name, sources)] to build for one interpreter version."""
    minor = tuple(version_info[:2])
    if minor >= (3, 14):
        return []
    if minor >= (3, 12):
        return [("pep669._native", [CORE + name for name in
                                    ("native_module.c", "native_api.c",
                                     "native_branch.c", "native_wait.c",
                                     "native_code.c",
                                     "capi.c", "callbacks.c")])]
    backend = "backend/py%d%d.c" % minor
    return [("pep669._monitoring", [CORE + name for name in
             ("module.c", "registry.c", "codedata.c", "lineflow.c",
              "lineflow_facts.c", "lineflow_sides.c", "lineflow_lines.c",
              "lineflow_exit.c", "lineflow_last.c", "lineflow_hand.c",
              "lineflow_back.c",
              "lineflow_arrive.c",
              "wanted.c", "dispatch.c", "frames.c", "frames_gen.c",
              "frames_exc.c",
              "frames_update.c",
              "trampoline.c",
              "trampoline_quiet.c", "trampoline_flags.c", "legacy_events.c", "legacy_calls.c",
              "legacy_exceptions.c",
              "probe_entries.c", "probe_fire.c", "lineno.c",
              "thread_state.c", "probe.c", "probe_walks.c",
              "probe_refused.c", "probe_state.c",
              "probe_handlers.c", "stack.c",
              "suspended.c", "callbacks.c",
              "capi.c", "monitor_engine.c", backend)])]


# Compiler flags of every build of the extensions but MSVC's (here and in
# tools/build_ext.py): the engine's functions are hidden, so that calls
# between its files are direct (no PLT, no interposition); only the module
# init function is exported (PEP669_EXPORT, compat.h: 3.8's PyMODINIT_FUNC
# does not mark it).  The C API (pep669.h) is a capsule, no symbol.
UNIX_CFLAGS = ["-fvisibility=hidden"]


def extension_options(platform=sys.platform, version_info=sys.version_info,
                      debug=hasattr(sys, "gettotalrefcount")):
    """Keyword arguments for every Extension on this platform.

    Windows (built, not tested): files that include CPython's internal/
    headers define Py_BUILD_CORE, which with MSVC would make CPython's
    functions dllexport instead of dllimport; Py_BUILD_CORE_MODULE keeps
    the import linkage.  Py_BUILD_CORE also stops pyconfig.h from naming
    the import library, so it is named here.
    """
    if platform != "win32":
        return {"extra_compile_args": list(UNIX_CFLAGS)}
    lib = "python%d%d" % tuple(version_info[:2]) + ("_d" if debug else "")
    # /std:c11: _Static_assert and the C11 the sources are written in.
    return {"define_macros": [("Py_BUILD_CORE_MODULE", "1")],
            "libraries": [lib], "extra_compile_args": ["/std:c11"]}


def read_version(root=os.path.dirname(os.path.abspath(__file__))):
    """The version, written once: ``__version__`` in pep669/__init__.py."""
    with open(os.path.join(root, "src", "pep669", "__init__.py")) as f:
        match = re.search(r'^__version__ = "([^"]+)"$', f.read(), re.M)
    if match is None:
        raise RuntimeError("no __version__ in src/pep669/__init__.py")
    return match.group(1)


def license_options(setuptools_version):
    """The license metadata this setuptools understands without warning.

    setuptools 77 takes an SPDX expression (Core Metadata 2.4,
    License-Expression) and deprecates license classifiers; older ones
    (all that run on 3.8) know only the free-text field and classifiers.
    """
    parts = []
    for part in setuptools_version.split(".")[:2]:
        match = re.match(r"\d+", part)
        parts.append(int(match.group()) if match else 0)
    if tuple(parts) >= (77, 0):
        return {"license_expression": LICENSE}, []
    return ({"license": LICENSE},
            ["License :: OSI Approved :: MIT License"])


if __name__ == "__main__":
    import setuptools
    from setuptools import Extension, setup
    from setuptools.command.build_py import build_py

    class build_py_with_pth(build_py):
        """build_py that also puts pep669-install.pth at the top of the
        build tree, hence of site-packages (wheels and ``pip install .``;
        an editable install does not get it)."""

        def run(self):
            super().run()
            self.copy_file(os.path.join("src", PTH_FILE),
                           os.path.join(self.build_lib, PTH_FILE),
                           preserve_mode=0)

        def get_outputs(self, *args, **kwargs):
            return list(super().get_outputs(*args, **kwargs)) + [
                os.path.join(self.build_lib, PTH_FILE)]

    class PlatformDistribution(setuptools.Distribution):
        """Every wheel is tagged with its interpreter and platform, even
        where nothing is compiled (3.14+): a py3-none-any wheel made there
        would otherwise be picked on 3.8, which needs the engine."""

        def has_ext_modules(self):
            return True

    license_kw, license_classifiers = license_options(setuptools.__version__)
    options = extension_options()
    setup(
        version=read_version(),
        classifiers=CLASSIFIERS + license_classifiers,
        package_dir={"": "src"},
        packages=["pep669"],
        # Only what runs goes into wheels: no C sources (the sdist has
        # them, MANIFEST.in), whatever earlier builds left in the tree.
        include_package_data=False,
        package_data={"pep669": ["include/pep669.h", "py.typed", "*.pyi"]},
        cmdclass={"build_py": build_py_with_pth},
        distclass=PlatformDistribution,
        ext_modules=[
            Extension(name, sources=sources,
                      depends=[CORE + h for h in HEADERS + TEMPLATES] +
                      [PUBLIC_HEADER],
                      include_dirs=INCLUDE_DIRS,
                      **options)
            for name, sources in extensions()
        ],
        **license_kw
    )
