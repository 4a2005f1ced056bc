"""Run a program the way ``python`` runs it.

``python -m pep669 run`` and ``python -m pep669 events`` take what
``python`` takes: ``-m module``, ``-c code``, a script, or a directory or
zip file with a ``__main__.py``, then the program's arguments.  The program
gets what ``python`` would give it (``sys.argv``, ``sys.path[0]``, a fresh
``__main__`` module with the same attributes), and its end looks the same:
the traceback without any frame of pep669 (``-m`` and directories keep
runpy's frames, as under ``python``), exit status 1, the SystemExit code,
and an unhandled KeyboardInterrupt ends the process by SIGINT (status 130
in a shell).  Only the standard library; Python 3.8 syntax.
"""

import builtins
import io
import os
import sys

# sys.path[0] and __file__ of a script or directory are absolute from 3.9
# on (3.8: as given on the command line).
_ABSOLUTE_MAIN = sys.version_info >= (3, 9)

# Set when the last run ended by an unhandled KeyboardInterrupt: the
# process should then end by SIGINT (exit_by_sigint), as python's does.
interrupted = False


class Target(object):
    """What to run: kind is "module", "code" or "path" (a script, or a
    directory or zip file with __main__.py)."""

    def __init__(self, kind, value, args=()):
        self.kind = kind
        self.value = value
        self.args = list(args)

    def directory(self):
        """The directory whose code a tool shows by default."""
        if self.kind == "path":
            path = os.path.abspath(self.value)
            return path if _importer(self.value) is not None \
                else os.path.dirname(path)
        return os.getcwd()


def split_command_line(args, valued=()):
    """Split ``[options] (-m MOD | -c CODE | PATH) [args...]`` as python does.

    *valued* are the option names (of the calling command) that take a
    value as the next argument.  Returns (options, Target or None).  The
    first of -m, -c or a non-option argument ends the options; everything
    after it belongs to the program.
    """
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            if i + 1 < len(args):
                return args[:i], Target("path", args[i + 1], args[i + 2:])
            return args[:i], None
        if arg in ("-m", "-c"):
            if i + 1 >= len(args):
                return args[:i + 1], None     # argparse reports it
            kind = "module" if arg == "-m" else "code"
            return args[:i], Target(kind, args[i + 1], args[i + 2:])
        if arg[:2] in ("-m", "-c") and len(arg) > 2:
            kind = "module" if arg[1] == "m" else "code"
            return args[:i], Target(kind, arg[2:], args[i + 1:])
        if arg.startswith("-") and arg != "-":
            if arg in valued:
                i += 2
            else:
                i += 1
            continue
        return args[:i], Target("path", arg, args[i + 1:])
    return args, None


def _importer(path):
    """The importer python would run a directory or zip file with, or None
    for a plain script (python's own test, as runpy.run_path makes it)."""
    from pkgutil import get_importer
    try:
        return get_importer(path)
    except Exception:
        return None


def _fresh_main():
    """A ``__main__`` module as the interpreter makes it at startup."""
    import importlib.machinery
    import types
    module = types.ModuleType("__main__")
    module.__loader__ = importlib.machinery.BuiltinImporter
    module.__annotations__ = {}
    module.__builtins__ = builtins
    return module


def _program_name():
    orig = getattr(sys, "orig_argv", None)
    return orig[0] if orig else sys.executable


class _ToolFailed(Exception):
    """The tool's start() raised: that is the caller's error, not the
    program's."""


def _start(tool):
    try:
        tool.start()
    except BaseException as exc:
        raise _ToolFailed(exc)


class _NoTool(object):
    def start(self):
        pass

    def stop(self):
        pass


def run(target, tool=None, wait_for_threads=False):
    """Run *target* as ``__main__``; return the exit status python would.

    *tool* (``start()``/``stop()``) is started right before the program's
    first code and stopped after it, and after its non-daemon threads when
    *wait_for_threads*.  sys.argv, sys.path[0] and ``sys.modules["__main__"]``
    are put back afterwards.
    """
    global interrupted
    interrupted = False
    tool = tool or _NoTool()
    saved_argv = sys.argv
    saved_path = sys.path[:]
    saved_main = sys.modules.get("__main__")
    try:
        error = None
        try:
            _run(target, tool, wait_for_threads)
        except _ToolFailed as failed:
            raise failed.args[0]
        except BaseException as exc:
            error = exc
        if error is None:
            return 0
        return _report(error)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def _set_path0(path0, always=False):
    """Put the program's sys.path[0] where python put ours.

    Under ``python -m pep669``, sys.path[0] is the current directory,
    unless safe_path (-P, PYTHONSAFEPATH: 3.11+) or isolated mode (-I)
    kept it out; then a script, -m and -c get none, and a directory or zip
    (*always*) is inserted.
    """
    if getattr(sys.flags, "safe_path", False) or sys.flags.isolated:
        if always:
            sys.path.insert(0, path0)
    elif sys.path:
        sys.path[0] = path0
    else:
        sys.path.append(path0)


def _run(target, tool, wait_for_threads):
    if target.kind == "code":
        _run_code(target, tool, wait_for_threads)
    elif target.kind == "module":
        _run_module(target, tool, wait_for_threads)
    elif _importer(target.value) is not None:
        _run_importer(target, tool, wait_for_threads)
    else:
        _run_script(target, tool, wait_for_threads)


def _exec(code, module, tool, wait_for_threads):
    sys.modules["__main__"] = module
    _start(tool)
    try:
        exec(code, module.__dict__)
    finally:
        _finish(tool, wait_for_threads)


def _finish(tool, wait_for_threads):
    """After the program: its threads (when asked), then the tool's stop()."""
    try:
        if wait_for_threads:
            _join_threads()
    finally:
        tool.stop()


def _run_code(target, tool, wait_for_threads):
    sys.argv = ["-c"] + target.args
    _set_path0("")
    code = compile(target.value, "<string>", "exec", dont_inherit=True)
    if sys.version_info >= (3, 13):
        # 3.13 keeps -c's source for its tracebacks, as linecache's entry
        # for "<string>".
        import linecache
        linecache.cache["<string>"] = (
            len(target.value), None,
            [line + "\n" for line in target.value.splitlines()], "<string>")
    _exec(code, _fresh_main(), tool, wait_for_threads)


def _run_script(target, tool, wait_for_threads):
    path = target.value
    filename = os.path.abspath(path) if _ABSOLUTE_MAIN else path
    try:
        with io.open_code(filename) as f:
            source = f.read()
    except OSError as exc:
        sys.stderr.write("%s: can't open file %r: [Errno %s] %s\n" % (
            _program_name(), filename, exc.errno, exc.strerror))
        raise SystemExit(2)
    sys.argv = [path] + target.args
    _set_path0(os.path.dirname(os.path.realpath(path)))
    module = _fresh_main()
    module.__file__ = filename
    module.__cached__ = None
    import importlib.machinery
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__",
                                                             filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    _exec(code, module, tool, wait_for_threads)


def _run_module(target, tool, wait_for_threads):
    import runpy
    sys.argv = ["-m"] + target.args
    _set_path0(os.getcwd())
    sys.modules["__main__"] = _fresh_main()
    _start(tool)
    try:
        runpy._run_module_as_main(target.value)
    finally:
        _finish(tool, wait_for_threads)


def _run_importer(target, tool, wait_for_threads):
    import runpy
    path = target.value
    sys.argv = [path] + target.args
    _set_path0(os.path.abspath(path) if _ABSOLUTE_MAIN else path,
               always=True)
    sys.modules["__main__"] = _fresh_main()
    _start(tool)
    try:
        runpy._run_module_as_main("__main__", alter_argv=False)
    finally:
        _finish(tool, wait_for_threads)


_OWN_CODE = None


def _own_code():
    global _OWN_CODE
    if _OWN_CODE is None:
        _OWN_CODE = frozenset(
            f.__code__ for f in (run, _run, _exec, _run_code, _run_script,
                                 _run_module, _run_importer))
    return _OWN_CODE


def strip_traceback(tb):
    """*tb* without its leading entries in this module's functions."""
    own = _own_code()
    while tb is not None and tb.tb_frame.f_code in own:
        tb = tb.tb_next
    return tb


def _report(error):
    """Show how *error* ended the program as python would; the status."""
    global interrupted
    if isinstance(error, SystemExit):
        return _exit_status(error)
    tb = strip_traceback(error.__traceback__)
    error.__traceback__ = tb
    sys.last_type, sys.last_value, sys.last_traceback = \
        type(error), error, tb
    if sys.version_info >= (3, 12):
        sys.last_exc = error
    try:
        sys.excepthook(type(error), error, tb)
    except BaseException:
        pass
    if isinstance(error, KeyboardInterrupt):
        interrupted = True
        return 130
    return 1


def _exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(str(code) + "\n")
        sys.stderr.flush()
    except Exception:
        pass
    return 1


def _join_threads():
    """Join the non-daemon threads, as the interpreter does at exit."""
    threading = sys.modules.get("threading")
    if threading is None:
        return
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon and thread.is_alive():
            thread.join()


def exit_by_sigint():
    """End the process as python does after an unhandled KeyboardInterrupt:
    the interpreter's shutdown work (threads, atexit), then SIGINT with its
    default action, so that the parent sees the program killed by SIGINT
    (130 in a shell).  Windows: exit status STATUS_CONTROL_C_EXIT."""
    import atexit
    import signal
    try:
        threading = sys.modules.get("threading")
        if threading is not None and hasattr(threading, "_shutdown"):
            threading._shutdown()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        if os.name == "nt":
            os._exit(-1073741510)       # STATUS_CONTROL_C_EXIT, 0xC000013A
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        finally:
            os._exit(130)
