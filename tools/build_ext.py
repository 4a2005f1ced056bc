"""Development build of pep669's extension, in place, without pip.

    python tools/build_ext.py [--asan] [--debug | --checks | --release]
    CC=clang python tools/build_ext.py

Compiles with the running interpreter's own compiler (or $CC) plus
-Wall -Wextra -Werror and leaves the extension next to src/pep669/__init__.py:
pep669._monitoring on 3.8-3.11, pep669._native on 3.12/3.13, nothing on 3.14+.

Builds: the default (-O2, C asserts on), --release (-O2 -DNDEBUG, as pip
builds it), --debug: the engine's own invariant checks live
(-DPEP669_DEBUG: PEP669_ASSERT of src/pep669/_core/check.h, and
pep669._monitoring._check_invariants()), C asserts on (-UNDEBUG), -Og,
without the hook's fast paths (-DPEP669_PLAIN_HOOK: -Og makes no tail
calls), and --checks: the same checks in an optimized build (-O2) that
runs the release code paths (the hook's fast paths included).
"""

import argparse
import os
import shlex
import subprocess
import sys
import sysconfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def debug_flags():
    """The flags of a debug build of the engine (also what
    tools/check_layers.py compiles with)."""
    return ["-Og", "-DPEP669_DEBUG", "-DPEP669_PLAIN_HOOK"]


def checks_flags():
    """The flags of the checks build: the debug build's checks, the
    release build's code paths and optimization."""
    return ["-O2", "-DPEP669_DEBUG"]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--asan", action="store_true",
                        help="build with AddressSanitizer")
    parser.add_argument("--debug", action="store_true",
                        help="-Og, the engine's invariant checks live "
                        "(-DPEP669_DEBUG) and C asserts on")
    parser.add_argument("--checks", action="store_true",
                        help="-O2 and the release code paths, with the "
                        "engine's invariant checks live (-DPEP669_DEBUG) "
                        "and C asserts on")
    parser.add_argument("--release", action="store_true",
                        help="asserts off (-DNDEBUG), as pip builds it")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.debug + args.checks + args.release > 1:
        parser.error("--debug, --checks and --release exclude each other")

    sys.path.insert(0, ROOT)
    from setup import INCLUDE_DIRS, UNIX_CFLAGS, extensions
    todo = extensions()
    if not todo:
        if not args.quiet:
            print("build_ext: native C API and sys.monitoring, nothing to build")
        return 0
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC")
                     or "cc")
    include = [os.path.join(ROOT, d) for d in INCLUDE_DIRS] + \
        [sysconfig.get_paths()["include"]]
    flags = ["-shared", "-fPIC", "-g", "-std=gnu11",
             "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers",
             "-DNDEBUG" if args.release else "-UNDEBUG"] + UNIX_CFLAGS
    flags += (debug_flags() if args.debug else
              checks_flags() if args.checks else ["-O2"])
    if args.asan:
        flags += ["-fsanitize=address", "-fno-omit-frame-pointer"]
    for name, sources in todo:
        out = os.path.join(ROOT, "src", *name.split(".")) + \
            sysconfig.get_config_var("EXT_SUFFIX")
        cmd = cc + flags + ["-I" + d for d in include] + \
            [os.path.join(ROOT, s) for s in sources] + ["-o", out]
        if not args.quiet:
            print(" ".join(cmd))
        subprocess.check_call(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
