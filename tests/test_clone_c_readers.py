"""What C-level readers of a frame on call probes see (session 16,
fid16; docs/differences.md, "A frame on a call clone has the clone as its
C field `f_code`").

Python-level readers (`frame.f_code`, `sys._current_frames()`,
tracebacks' `tb_frame.f_code`) and faulthandler's dump (file, line, name)
see the code itself.  `PyFrame_GetCode()` of such a frame on 3.11
returns the copy the frame runs: pinned here as a code object with the
code's name, qualified name, file and first line (natively, and on
3.8-3.10 after the entry stub, the code itself).
"""
import ctypes
import faulthandler
import sys
import tempfile
import threading
import unittest

from tests.support import MonitoringTestCase, events, monitoring

TOOL = 3

try:
    _get_code = ctypes.pythonapi.PyFrame_GetCode
    _get_code.restype = ctypes.py_object
    _get_code.argtypes = [ctypes.py_object]
except AttributeError:  # (3.8: no PyFrame_GetCode)
    _get_code = None


def _look(seen):
    frame = sys._getframe(1)
    current = sys._current_frames()[threading.get_ident()].f_back
    try:
        raise KeyError
    except KeyError as exc:
        tb_code = exc.__traceback__.tb_frame.f_back.f_code \
            if exc.__traceback__.tb_frame.f_back is not None else None
    with tempfile.TemporaryFile("w+") as out:
        faulthandler.dump_traceback(out, all_threads=False)
        out.seek(0)
        dump = [line.strip() for line in out.read().splitlines()[1:3]]
    seen.append((_get_code(frame) if _get_code else frame.f_code,
                 frame.f_code, current.f_code, tb_code,
                 dump))


def _runs(seen):
    x = len("a")
    _look(seen)
    return x


class CReadersTest(MonitoringTestCase):

    def test_readers(self):
        seen = []
        self.use_tool(TOOL)
        monitoring.register_callback(TOOL, events.CALL, lambda *a: None)
        monitoring.set_events(TOOL, events.CALL)
        try:
            for _ in range(3):
                _runs(seen)
        finally:
            monitoring.set_events(TOOL, 0)
        code = _runs.__code__
        dumps = set()
        for c_code, f_code, current, tb_code, dump in seen:
            self.assertIs(f_code, code)
            self.assertIs(current, code)
            self.assertIs(tb_code, code)
            dumps.add(tuple(dump))
            if c_code is not code:
                # (pinned: 3.11's copy)
                self.assertEqual(sys.version_info[:2], (3, 11))
                self.assertEqual(
                    (c_code.co_name, c_code.co_qualname, c_code.co_filename,
                     c_code.co_firstlineno),
                    (code.co_name, code.co_qualname, code.co_filename,
                     code.co_firstlineno))
        self.assertEqual(len(dumps), 1)
        self.assertIn("in _runs", list(dumps)[0][1])


if __name__ == "__main__":
    unittest.main()
