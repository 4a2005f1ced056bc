"""Build script: the C engine is built only where the interpreter lacks
sys.monitoring (CPython 3.8-3.11)."""

import sys

CORE = "src/pep669/_core/"


def extension_sources(version_info=sys.version_info):
    """Sources of pep669._monitoring for one interpreter version, or []."""
    if version_info[:2] >= (3, 12):
        return []
    backend = "backend_py%d%d.c" % version_info[:2]
    return [CORE + name for name in
            ("module.c", "registry.c", "dispatch.c", "frames.c", "trace.c", backend)]


if __name__ == "__main__":
    from setuptools import Extension, setup

    sources = extension_sources()
    ext_modules = []
    if sources:
        ext_modules.append(Extension(
            "pep669._monitoring",
            sources=sources,
            depends=[CORE + h for h in ("compat.h", "events.h", "registry.h", "dispatch.h", "frames.h", "trace.h", "backend.h", "backend_pyframe.h", "backend_hook.h", "backend_trampoline.h")],
        ))
    setup(
        package_dir={"": "src"},
        packages=["pep669"],
        package_data={"pep669": ["include/*.h"]},
        ext_modules=ext_modules,
    )
