"""PEP 669 execution-event monitoring (sys.monitoring) at 3.14's API level
for CPython 3.8 and later.

On 3.8-3.11 ``pep669.monitoring`` is this package's C implementation, with
the names, constants, rules and messages of the native one.  On 3.12 and
3.13 it is the native ``sys.monitoring`` plus 3.14's ``clear_tool_id`` and
``events.BRANCH_LEFT``/``BRANCH_RIGHT`` (pep669._native, in C over the
native instrumentation; every native name behaves natively).  On 3.14+ it
is ``sys.monitoring``.
"""

import os
import sys

__all__ = ["monitoring", "install", "get_include", "NATIVE", "__version__"]

# The one place the version is written (setup.py reads it from here).
__version__ = "0.1.0"

NATIVE = sys.version_info >= (3, 12)

if sys.version_info >= (3, 14):
    monitoring = sys.monitoring
elif NATIVE:
    # 3.12/3.13: the 3.14 superset over the native module, and pep669.h's
    # C API (PEP669_IMPORT() fetches _C_API).  Without the extension,
    # pep669.monitoring is the native module as it is and PEP669_IMPORT()
    # says why.
    _native_monitoring = sys.monitoring
    try:
        from ._native import monitoring, _C_API
    except ImportError as exc:
        monitoring = sys.monitoring
        _native_error = "pep669's C API is not available: %s" % (exc,)

        def __getattr__(name):
            if name == "_C_API":
                raise ImportError(_native_error)
            raise AttributeError("module %r has no attribute %r"
                                 % (__name__, name))
    sys.modules[__name__ + ".monitoring"] = monitoring
else:
    from ._monitoring import monitoring, _C_API

    # `import pep669.monitoring` and `from pep669.monitoring import events`
    sys.modules[__name__ + ".monitoring"] = monitoring


def install():
    """Make ``sys.monitoring`` pep669.monitoring where that adds something.

    3.8-3.11: sets ``sys.monitoring``.  3.12/3.13: replaces the native
    module with the 3.14 superset (every native name stays, and the native
    functions are reachable as before).  3.14+: does nothing.  Idempotent;
    returns the monitoring namespace.
    """
    if getattr(sys, "monitoring", None) is not monitoring:
        sys.monitoring = monitoring
    return monitoring


def get_include():
    """Directory holding ``pep669.h`` (the 3.13 C monitoring API)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")
