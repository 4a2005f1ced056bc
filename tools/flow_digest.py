"""A digest of the engine's flow analysis over every code object of the
standard library, to show that a change to lineflow.c changed no result.

    python3.X tools/build_ext.py
    python3.X tools/flow_digest.py [--src DIR]

Compiles every module of the interpreter's own library (tests left out),
and for each code object in them (nested ones included) reads the LINE
locations (``_line_locations``: flow-reached first, then handler-only),
the line-probe placement (``_probe_state(code)["kinds"]``) and the rest
of the analysis (``_flow_facts``: the unit map, what the flow reaches,
the line of every unit).  Prints
the number of code objects and a SHA-256 of all of it: run it on two
builds of the same interpreter (``--src`` names the other tree's src/)
and compare the lines.  3.8-3.11 only.
"""

import argparse
import hashlib
import os
import sys
import types
import warnings


def code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
    args = parser.parse_args(argv)
    sys.path.insert(0, args.src)
    from pep669 import _monitoring as engine

    warnings.simplefilter("ignore")  # (what compile() says of the library)
    lib = os.path.dirname(os.__file__)
    digest = hashlib.sha256()
    count = 0
    for root, dirs, files in os.walk(lib):
        dirs.sort()
        if "site-packages" in root or os.path.basename(root) == "test":
            continue
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    top = compile(f.read(), path, "exec")
            except (SyntaxError, ValueError):
                continue
            for code in code_objects(top):
                facts = (path, code.co_name, code.co_firstlineno,
                         engine._line_locations(code),
                         engine._probe_state(code)["kinds"],
                         sorted(engine._flow_facts(code).items()))
                digest.update(repr(facts).encode())
                count += 1
    print("%s: %d code objects, %s" % (sys.version.split()[0], count,
                                       digest.hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
