"""PEP 669 execution-event monitoring (sys.monitoring) for CPython 3.8-3.11.

On CPython 3.12 and later ``pep669.monitoring`` is the interpreter's own
``sys.monitoring``; on 3.8-3.11 it is this package's C implementation, with
the same names, constants, rules and messages.
"""

import os
import sys

__all__ = ["monitoring", "install", "get_include", "NATIVE"]

NATIVE = sys.version_info >= (3, 12)

if NATIVE:
    monitoring = sys.monitoring
    if sys.version_info < (3, 13):
        # pep669.h's C API over the native sys.monitoring (PEP669_IMPORT()
        # fetches this capsule); 3.13 has the API itself.  Without it,
        # sys.monitoring still works and PEP669_IMPORT() says why not.
        try:
            from ._capi import _C_API
        except ImportError as exc:
            _capi_error = "pep669's C API is not available: %s" % (exc,)

            def __getattr__(name):
                if name == "_C_API":
                    raise ImportError(_capi_error)
                raise AttributeError("module %r has no attribute %r"
                                     % (__name__, name))
else:
    from ._monitoring import monitoring, _C_API

    # `import pep669.monitoring` and `from pep669.monitoring import events`
    sys.modules[__name__ + ".monitoring"] = monitoring


def install():
    """Make ``sys.monitoring`` available where the interpreter lacks it.

    Idempotent; does nothing on 3.12+, where ``sys.monitoring`` is native.
    Returns the monitoring namespace.
    """
    if getattr(sys, "monitoring", None) is not monitoring:
        if NATIVE:
            return sys.monitoring
        sys.monitoring = monitoring
    return monitoring


def get_include():
    """Directory holding ``pep669.h`` (the 3.13 C monitoring API)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")
