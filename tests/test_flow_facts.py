"""The flow analysis's line table and LINE locations against what the
interpreter itself says of its code (3.8-3.11: the engine's analysis;
pep669._monitoring._flow_facts).  The line table is read a range at a
time; every unit must still get the line the interpreter gives it."""

import dis
import os
import sys
import types
import unittest

import tests.support  # noqa: F401 (puts src/ on the path)
import pep669

ENGINE = None if pep669.NATIVE else pep669._monitoring


def expected_lines(code):
    """The line of every code unit as the interpreter reports it (-1:
    none)."""
    units = len(code.co_code) // 2
    lines = [-1] * units
    if hasattr(code, "co_lines"):
        for start, end, line in code.co_lines():
            for off in range(start, min(end, units * 2), 2):
                lines[off // 2] = -1 if line is None else line
        return lines
    # 3.8/3.9: the line of the last line start at or before the unit
    starts = dict(dis.findlinestarts(code))
    line = code.co_firstlineno
    for unit in range(units):
        line = starts.get(unit * 2, line)
        lines[unit] = line
    return lines


def code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


@unittest.skipIf(ENGINE is None, "3.8-3.11: the engine's own analysis")
class FlowFactsTest(unittest.TestCase):

    def check_module(self, path):
        with open(path, "rb") as f:
            top = compile(f.read(), path, "exec")
        count = 0
        for code in code_objects(top):
            # (3.11: the adaptive copy's units are co_code's)
            facts = ENGINE._flow_facts(code)
            want = expected_lines(code)
            self.assertEqual(len(facts["units"]), len(want), code)
            self.assertEqual(facts["lines"], want, code)
            starts = ENGINE._line_locations(code)
            self.assertEqual(len(starts), len(set(starts)), code)
            for off in starts:
                self.assertGreaterEqual(facts["lines"][off // 2], 0,
                                        (code, off))
            self.assertLessEqual(facts["flow_starts"], len(starts))
            count += 1
        return count

    def test_lines_of_library_modules(self):
        lib = os.path.dirname(os.__file__)
        total = 0
        for name in ("dis.py", "argparse.py", "tarfile.py", "asyncio/tasks.py",
                     "json/decoder.py", "unittest/case.py"):
            total += self.check_module(os.path.join(lib, name))
        self.assertGreater(total, 300)

    def test_lines_of_this_file(self):
        self.assertGreater(self.check_module(__file__), 3)

    def check_lines(self, code):
        self.assertEqual(ENGINE._flow_facts(code)["lines"],
                         expected_lines(code), code)

    def test_lines_of_cut_tables(self):
        # The line table is filled eight units a store (session 18):
        # every unit must still get its line where entries are long (a
        # line of many units), where the code's last units are fewer than
        # eight, and where the table ends before the code (every cut at an
        # entry's start; the units past it have the line the interpreter
        # gives them).
        body = ["    x = a"]
        for i in range(1, 12):
            body.append("    x = " + " + ".join(["a"] * (i * 3)))
        body.append("    return x" + " + a" * 25)
        ns = {}
        exec(compile("def g(a):\n" + "\n".join(body) + "\n", "<g>",
                     "exec"), ns)
        code = ns["g"].__code__
        if sys.version_info >= (3, 10):
            table = code.co_linetable
            field = "co_linetable"
        else:
            table = code.co_lnotab
            field = "co_lnotab"
        if sys.version_info >= (3, 11):
            cuts = [i for i in range(len(table) + 1)
                    if i == len(table) or table[i] & 128]
        else:
            cuts = range(0, len(table) + 1, 2)
        self.assertGreater(len(cuts), 12)
        for cut in cuts:
            self.check_lines(code.replace(**{field: table[:cut]}))
        # (each code object has its own code data: the cut tables above
        # are other code objects)
        self.check_lines(code)

    def test_line_starts_sized_to_their_count(self):
        def f(x):
            if x:
                return 1
            try:
                y = 1 / x
            except ZeroDivisionError:
                y = 0
            return y
        facts = ENGINE._flow_facts(f.__code__)
        starts = ENGINE._line_locations(f.__code__)
        self.assertEqual(starts[:facts["flow_starts"]],
                         sorted(starts[:facts["flow_starts"]]))
        lines = facts["lines"]
        first = f.__code__.co_firstlineno
        # every line of the body is a location; the handler's only
        # through the exception
        self.assertEqual(
            sorted({lines[off // 2] - first for off in starts}),
            [1, 2, 3, 4, 5, 6, 7])


if __name__ == "__main__":
    unittest.main()
