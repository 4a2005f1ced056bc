"""Build script.  CPython 3.8-3.11: the engine, pep669._monitoring (which
also serves pep669.h's C API).  3.12/3.13: pep669._native, 3.14's
sys.monitoring API and pep669.h's C API over the native sys.monitoring.
3.14+: nothing to build."""

import sys

CORE = "src/pep669/_core/"
HEADERS = ("compat.h", "events.h", "monitor.h", "registry.h", "dispatch.h",
           "frames.h", "trace.h", "probe.h", "backend.h", "backend_pyframe.h",
           "backend_hook.h", "backend_trampoline.h", "stack.h")


def extensions(version_info=sys.version_info):
    """[(module name, sources)] to build for one interpreter version."""
    minor = tuple(version_info[:2])
    if minor >= (3, 14):
        return []
    if minor >= (3, 12):
        return [("pep669._native", [CORE + name for name in
                                    ("native314.c", "capi.c", "callbacks.c")])]
    backend = "backend_py%d%d.c" % minor
    return [("pep669._monitoring", [CORE + name for name in
             ("module.c", "registry.c", "dispatch.c", "frames.c", "trace.c",
              "probe.c", "stack.c",
              "callbacks.c", "capi.c", "monitor_engine.c", backend)])]


if __name__ == "__main__":
    from setuptools import Extension, setup

    setup(
        package_dir={"": "src"},
        packages=["pep669"],
        package_data={"pep669": ["include/*.h"]},
        ext_modules=[
            Extension(name, sources=sources,
                      depends=[CORE + h for h in HEADERS] +
                      ["src/pep669/include/pep669.h"])
            for name, sources in extensions()
        ],
    )
