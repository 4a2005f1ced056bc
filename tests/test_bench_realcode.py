"""benchmarks/bench_realcode.py stays runnable: each of its standard-library
workloads, run once under each of its modes (no callgrind, no timing),
computes what it computes unmonitored, and the mode's callbacks were
called.  Small sizes: a few seconds per interpreter."""

import json
import os
import subprocess
import sys
import unittest

from tests.support import MonitoringTestCase, monitoring

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BENCH = os.path.join(_ROOT, "benchmarks")
if _BENCH not in sys.path:
    sys.path.insert(0, _BENCH)

import bench_realcode  # noqa: E402

NATIVE = sys.version_info >= (3, 12)
MODES = [m for m in bench_realcode.MODES[1:]
         if NATIVE or m not in bench_realcode.NATIVE_ONLY]


def run_once(mode, prepare, run):
    """The workload's result and the events delivered, run once under
    *mode* (prepared before monitoring starts, as the worker does)."""
    argument = prepare()
    state = {"recorded": set(), "counts": {}}
    stop = bench_realcode.setup(mode, state)
    try:
        result = run(argument)
    finally:
        stop()
    return result, {k: c[0] for k, c in state["counts"].items()}


class WorkloadModesTest(MonitoringTestCase):

    def check_workload(self, name):
        prepare, run = bench_realcode.WORKLOADS[name][:2]
        # (the smallest sizes it has: its callgrind --quick ones)
        size = bench_realcode.size_of(name, True, True)
        # (JSON, as the worker prints it: what the driver compares)
        expected = json.dumps(run(prepare(size)))
        for mode in MODES:
            with self.subTest(mode=mode):
                result, counts = run_once(mode, lambda: prepare(size), run)
                self.assertEqual(json.dumps(result), expected)
                if mode == "profiler":
                    self.assertGreater(counts["PY_START"], 0, counts)
                    self.assertGreater(counts["PY_RETURN"], 0, counts)
                    self.assertGreater(counts["CALL"], 0, counts)
                else:
                    self.assertGreater(counts["LINE"], 0, counts)
                    self.assertGreater(counts["PY_START"], 0, counts)
                    if mode.startswith("branch"):
                        self.assertGreater(counts["BRANCH"], 0, counts)
                    else:
                        self.assertEqual(counts["BRANCH"], 0, counts)
        # everything freed, DISABLEs gone (MonitoringTestCase checks the
        # tools)
        self.assertIsNone(monitoring.get_tool(monitoring.COVERAGE_ID))
        self.assertIsNone(monitoring.get_tool(monitoring.PROFILER_ID))

    def test_sizes_and_modes(self):
        self.assertEqual(bench_realcode.MODES[0], "baseline")
        for name, entry in bench_realcode.WORKLOADS.items():
            self.assertEqual(len(entry), 7, name)
            sizes = entry[2:6]
            self.assertTrue(all(isinstance(s, int) and s > 0
                                for s in sizes), name)


def _add(name):
    def test(self):
        self.check_workload(name)
    test.__name__ = "test_" + name
    setattr(WorkloadModesTest, test.__name__, test)


for _name in bench_realcode.WORKLOADS:
    _add(_name)
del _name


class WorkerTest(unittest.TestCase):
    """The worker as the driver runs it: a fresh process, one JSON line."""

    def worker(self, mode):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PYTHON")}
        import pep669
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(
            os.path.abspath(pep669.__file__)))
        out = subprocess.run(
            [sys.executable, "-S", bench_realcode.__file__, "--worker", mode,
             "fractions", "20", "2", "0"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def test_worker_baseline_and_coverage(self):
        base = self.worker("baseline")
        covered = self.worker("coverage")
        self.assertEqual(covered["result"], base["result"])
        self.assertEqual(base["first_events"], 0)
        self.assertGreater(covered["first_events"], 0)
        # the second run: everything that ran is DISABLEd
        self.assertLess(covered["warm_events"], covered["first_events"])
        self.assertGreater(covered["recorded"], 0)
        for field in ("first", "warm"):
            self.assertGreater(base[field], 0)


if __name__ == "__main__":
    unittest.main()
