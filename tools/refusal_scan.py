"""Which functions' probe clones pep669 refuses, and why, in real code.

    python3.X tools/refusal_scan.py [--src DIR] [--branch] [--runs N]
                                    [--workloads a,b | --tests MODULE ...]
                                    [--examples N] [--sizes quick]

3.8-3.11 only (3.12+ have nothing to refuse).  Sets up the coverage
pattern (LINE and PY_START globally, the callbacks record and return
DISABLE: benchmarks/bench_realcode.py's `coverage` mode; with --branch
also BRANCH_LEFT/BRANCH_RIGHT), runs either bench_realcode.py's workloads
(each --runs times, default 2: on 3.8-3.10 a clone is first tried at a
code's second run) or the given unittest modules (``test.test_difflib``
...), and then asks ``pep669._monitoring._probe_state`` about every code
object that started under it (the PY_START callback recorded them).

A *refused* code is one whose last clone attempt in this monitoring
version was refused: its frames run traced (3.11: whenever some LINE
location of it is still wanted; 3.8-3.10: the same, on the trace
trampoline).  It is *live* when some LINE location of it is still wanted
(``_probe_state(code)['wanted']`` not empty): then it keeps paying for
tracing at every call, however long the program runs; a refused code
whose lines are all DISABLEd no longer costs anything.

Prints, per reason (``_probe_state(code)['refusal']``, the backend's
``pep669_clone_why``; "(none given)" for a refusal with no reason noted),
the number of refused codes and of live ones, then for the live ones
first and the biggest first, up to --examples codes with where the
refusal stands (``refusal_at``: a byte offset of the code's bytecode,
shown with its instruction and line; -1: no site named).  Nothing here
asserts anything: it is a measuring tool.
"""

import argparse
import collections
import dis
import io
import os
import sys
import unittest

__file__ = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Count pep669's refused clones in real code, by reason.")
    parser.add_argument("--src", default=os.path.join(ROOT, "src"),
                        help="the directory holding the pep669 package "
                             "(default: the repository's src/)")
    parser.add_argument("--branch", action="store_true",
                        help="branch coverage: BRANCH_LEFT/BRANCH_RIGHT too")
    parser.add_argument("--runs", type=int, default=2,
                        help="runs of each workload (default 2)")
    parser.add_argument("--workloads", default=None,
                        help="comma-separated bench_realcode.py workloads "
                             "(default: all of them)")
    parser.add_argument("--sizes", choices=("default", "quick", "callgrind",
                                            "callgrind-quick"),
                        default="quick",
                        help="which of bench_realcode.py's sizes (default "
                             "quick)")
    parser.add_argument("--tests", nargs="+", metavar="MODULE",
                        help="run these unittest modules instead of the "
                             "workloads (e.g. test.test_difflib)")
    parser.add_argument("--examples", type=int, default=6,
                        help="examples per reason (default 6)")
    return parser.parse_args(argv)


def where(code, offset):
    """'OPNAME@offset (line N)' for a byte offset of *code*'s bytecode."""
    if offset < 0:
        return "no site named"
    line = None
    for start, number in dis.findlinestarts(code):
        if start <= offset and number is not None:
            line = number
        elif start > offset:
            break
    name = "?"
    for instruction in dis.get_instructions(code):
        if instruction.offset > offset:
            break
        name = instruction.opname
    return "%s@%d (line %s)" % (name, offset, line)


def describe(code):
    name = getattr(code, "co_qualname", code.co_name)
    path = code.co_filename
    for prefix in sorted(set(sys.path), key=len, reverse=True):
        if prefix and path.startswith(prefix + os.sep):
            path = path[len(prefix) + 1:]
            break
    return "%s:%d %s (%d bytes)" % (path, code.co_firstlineno, name,
                                   len(code.co_code))


def main(argv=None):
    args = parse_args(argv)
    if sys.version_info >= (3, 12):
        print("%s: native sys.monitoring, nothing is refused"
              % sys.version.split()[0])
        return 0
    sys.path.insert(0, os.path.abspath(args.src))
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import pep669
    import bench_realcode as bench
    from pep669 import _monitoring

    if args.tests:
        suite = unittest.defaultTestLoader.loadTestsFromNames(args.tests)
        work = [("tests", lambda: unittest.TextTestRunner(
            stream=io.StringIO()).run(suite))]
    else:
        names = (args.workloads.split(",") if args.workloads
                 else list(bench.WORKLOADS))
        column = {"default": 2, "quick": 3, "callgrind": 4,
                  "callgrind-quick": 5}[args.sizes]
        work = []
        for name in names:
            prepare, run = bench.WORKLOADS[name][:2]
            argument = prepare(bench.WORKLOADS[name][column])
            work.append((name, lambda run=run, argument=argument: [
                run(argument) for _ in range(args.runs)]))

    state = {"recorded": set(), "counts": {}}
    stop = bench.setup("branch" if args.branch else "coverage", state)
    try:
        outcome = []
        for name, job in work:
            result = job()
            if args.tests:
                outcome.append("%d tests, %d failures, %d errors"
                               % (result.testsRun, len(result.failures),
                                  len(result.errors)))
        # (while the events are still set: a refusal holds for the
        # version it was made in)
        # (a copy first: this code's own lines add to the set)
        recorded = list(state["recorded"])
        codes = [c for c in recorded if hasattr(c, "co_code")
                 and c.co_filename != __file__]
        facts = [(code, _monitoring._probe_state(code)) for code in codes]
    finally:
        stop()

    refused = collections.defaultdict(list)
    clones = 0
    for code, st in facts:
        clones += bool(st["clone"])
        if st["refused"]:
            refused[st["refusal"] or "(none given)"].append((code, st))
    total = sum(len(v) for v in refused.values())
    live_total = sum(1 for v in refused.values() for _, st in v
                     if st["wanted"])
    print("%s pep669 from %s, %s pattern, %s%s"
          % (sys.version.split()[0], os.path.dirname(pep669.__file__),
             "branch" if args.branch else "coverage",
             "tests " + " ".join(args.tests) if args.tests
             else "workloads %s (%s sizes, %d runs)"
             % (",".join(n for n, _ in work), args.sizes, args.runs),
             (": " + "; ".join(outcome)) if outcome else ""))
    print("codes started: %d; with a clone: %d; refused: %d (live %d); "
          "line refusals counted: %d"
          % (len(codes), clones, total, live_total,
             facts[0][1]["line_refusals"] if facts else 0))
    print()
    print("| reason | refused | live |")
    print("|---|---|---|")
    order = sorted(refused, key=lambda r: (-len(refused[r]), r))
    for reason in order:
        print("| %s | %d | %d |" % (reason, len(refused[reason]),
                                    sum(1 for _, st in refused[reason]
                                        if st["wanted"])))
    for reason in order:
        print()
        print("%s:" % reason)
        examples = sorted(refused[reason],
                          key=lambda cs: (not cs[1]["wanted"],
                                          -len(cs[0].co_code),
                                          describe(cs[0])))
        for code, st in examples[:args.examples]:
            print("    %s%s: at %s, %d location(s) wanted"
                  % ("LIVE " if st["wanted"] else "",
                     describe(code), where(code, st["refusal_at"]),
                     len(st["wanted"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
