"""Stand-ins for the test.support helpers that CPython's 3.12/3.13
test_monitoring.py uses and an older test.support lacks.

tools/conformance.py applies them in its worker process, after
``pep669.install()`` and before the suite's first statement runs.  Each one is
installed only where the running interpreter lacks the name, so on 3.12/3.13
the suite runs on its own test.support untouched, with two exceptions that
only widen what is found:

- ``findfile`` also looks next to the suite file, for data files that only the
  suite's own CPython ships (3.13's ``_test_monitoring_shutdown.py``).
- on 3.8-3.11, ``script_helper.run_test_script`` starts its child interpreter
  with pep669 installed, as the worker itself is, so a script that uses
  ``sys.monitoring`` sees the backport there too.

Nothing here is copied from CPython: these are small re-implementations of the
documented behaviour, written for this runner.

This file must stay valid Python 3.8 and must not be named ``test*.py`` (the
project's unittest discovery must not pick it up).
"""

import os
import sys
import types


def apply(suite_dir, src_dir):
    """Install the missing helpers.  Returns the list of what was shimmed."""
    import test.support as support

    applied = []
    native = sys.version_info >= (3, 12)

    # test.support.import_helper appeared in 3.10; before that its
    # import_module lived in test.support itself.
    try:
        from test.support import import_helper  # noqa: F401
    except ImportError:
        module = types.ModuleType("test.support.import_helper")
        module.import_module = support.import_module
        sys.modules[module.__name__] = module
        support.import_helper = module
        applied.append("test.support.import_helper")

    # requires_specialization (3.12+) skips a test on a build whose
    # interpreter does not specialize.  The conformance run wants those tests
    # to *run* on 3.8-3.11: the behaviour they check is the backport's
    # business, and a test that cannot pass there is listed with its reason
    # rather than hidden behind a skip.
    if not hasattr(support, "requires_specialization"):
        support.requires_specialization = _run_anyway
        applied.append("test.support.requires_specialization")

    # Data files that only the suite's CPython ships.
    original_findfile = support.findfile

    def findfile(filename, subdir=None):
        if not os.path.isabs(filename):
            candidate = os.path.join(suite_dir, subdir or "", filename)
            if os.path.exists(candidate):
                return candidate
        return original_findfile(filename, subdir=subdir)

    support.findfile = findfile
    applied.append("test.support.findfile (suite directory first)")

    from test.support import script_helper
    if not native:
        script_helper.run_test_script = _make_run_test_script(
            script_helper, src_dir)
        applied.append("script_helper.run_test_script (child gets pep669)")
    return applied


def _run_anyway(test):
    return test


def _make_run_test_script(script_helper, src_dir):
    # The child is started isolated (-I, like assert_python_ok does), so
    # PYTHONPATH cannot carry pep669 into it: a bootstrap passed with -c puts
    # the source tree on sys.path, installs sys.monitoring, then runs the
    # script as __main__.
    bootstrap = (
        "import sys, runpy\n"
        "sys.path.insert(0, %r)\n"
        "import pep669\n"
        "pep669.install()\n"
        "del sys.argv[0]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n" % (src_dir,)
    )

    def run_test_script(script):
        script_helper.assert_python_ok(
            "-X", "faulthandler", "-u", "-c", bootstrap, script, "-v")

    return run_test_script
