"""Development build of pep669._monitoring, in place, without pip.

    python tools/build_ext.py [--asan] [--debug]

Compiles with the running interpreter's own compiler settings plus
-Wall -Wextra -Werror and leaves the extension next to src/pep669/__init__.py.
Does nothing on 3.12+, where the package uses the native sys.monitoring.
"""

import argparse
import os
import shlex
import subprocess
import sys
import sysconfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--asan", action="store_true",
                        help="build with AddressSanitizer")
    parser.add_argument("--debug", action="store_true", help="-O0, asserts on")
    parser.add_argument("--release", action="store_true",
                        help="asserts off (-DNDEBUG), as pip builds it")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, ROOT)
    from setup import extension_sources
    sources = [os.path.join(ROOT, s) for s in extension_sources()]
    if not sources:
        if not args.quiet:
            print("build_ext: native sys.monitoring, nothing to build")
        return 0
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = [sysconfig.get_paths()["include"]]
    out = os.path.join(ROOT, "src", "pep669",
                       "_monitoring" + sysconfig.get_config_var("EXT_SUFFIX"))
    flags = ["-shared", "-fPIC", "-g", "-std=gnu11",
             "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers",
             "-DNDEBUG" if args.release else "-UNDEBUG"]
    flags += ["-O0"] if args.debug else ["-O2"]
    if args.asan:
        flags += ["-fsanitize=address", "-fno-omit-frame-pointer"]
    cmd = cc + flags + ["-I" + d for d in include] + sources + ["-o", out]
    if not args.quiet:
        print(" ".join(cmd))
    subprocess.check_call(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
