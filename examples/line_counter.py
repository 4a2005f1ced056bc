"""A small typed monitoring tool: counts the lines a program runs.

    python examples/line_counter.py PROGRAM.py [ARGS...]

Written once against sys.monitoring's API through ``pep669.monitoring``
(the native sys.monitoring on 3.12+, pep669's engine on 3.8-3.11), and
type-checked with mypy on every version (tools/check_dist.py) through the
stubs pep669 ships.  Each line is counted once, then DISABLEd, as a
coverage tool does.
"""

import sys
from types import CodeType
from typing import Dict, Set, Tuple

from pep669 import monitoring as mon

TOOL = mon.COVERAGE_ID

seen: Dict[str, Set[int]] = {}


def on_line(code: CodeType, line: int) -> object:
    seen.setdefault(code.co_filename, set()).add(line)
    return mon.DISABLE


def on_branch(code: CodeType, offset: int, destination: int) -> object:
    branches.add((code.co_filename, offset, destination))
    return mon.DISABLE


branches: Set[Tuple[str, int, int]] = set()


def main(argv: Tuple[str, ...]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    path = argv[0]
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    sys.argv[:] = list(argv)
    mon.use_tool_id(TOOL, "line counter")
    try:
        mon.register_callback(TOOL, mon.events.LINE, on_line)
        events = mon.events.LINE
        # 3.14's branch events: pep669.monitoring has them on 3.8-3.13.
        events |= mon.events.BRANCH_LEFT | mon.events.BRANCH_RIGHT
        mon.register_callback(TOOL, mon.events.BRANCH_LEFT, on_branch)
        mon.register_callback(TOOL, mon.events.BRANCH_RIGHT, on_branch)
        mon.set_events(TOOL, events)
        try:
            exec(code, {"__name__": "__main__", "__file__": path})
        finally:
            mon.set_events(TOOL, mon.events.NO_EVENTS)
    finally:
        mon.free_tool_id(TOOL)
    for filename, lines in sorted(seen.items()):
        if filename == path:
            print("%s: %d lines ran: %s" % (
                filename, len(lines), " ".join(map(str, sorted(lines)))))
    if branches:
        print("%d branch directions taken" % len(branches))
    return 0


if __name__ == "__main__":
    sys.exit(main(tuple(sys.argv[1:])))
