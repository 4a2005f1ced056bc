# Types of pep669.monitoring: sys.monitoring at CPython 3.14's API level.
#
# On 3.8-3.11 this is pep669's C engine, on 3.12/3.13 pep669._native over
# the native module: both have the 3.14 names (clear_tool_id,
# events.BRANCH_LEFT/BRANCH_RIGHT) besides everything of 3.12/3.13, as
# 3.14's own sys.monitoring has.  Written to agree with typeshed's
# sys/_monitoring.pyi (the stdlib module's types).

import sys
from types import CodeType
from typing import Any, Callable, Dict, Final, Optional

DEBUGGER_ID: Final = 0
COVERAGE_ID: Final = 1
PROFILER_ID: Final = 2
OPTIMIZER_ID: Final = 5

def use_tool_id(tool_id: int, name: str, /) -> None: ...

def clear_tool_id(tool_id: int, /) -> None: ...

def free_tool_id(tool_id: int, /) -> None: ...
def get_tool(tool_id: int, /) -> Optional[str]: ...

class _events:
    BRANCH: Final[int]
    CALL: Final[int]
    C_RAISE: Final[int]
    C_RETURN: Final[int]
    EXCEPTION_HANDLED: Final[int]
    INSTRUCTION: Final[int]
    JUMP: Final[int]
    LINE: Final[int]
    NO_EVENTS: Final[int]
    PY_RESUME: Final[int]
    PY_RETURN: Final[int]
    PY_START: Final[int]
    PY_THROW: Final[int]
    PY_UNWIND: Final[int]
    PY_YIELD: Final[int]
    RAISE: Final[int]
    RERAISE: Final[int]
    STOP_ITERATION: Final[int]
    BRANCH_LEFT: Final[int]
    BRANCH_RIGHT: Final[int]

events: Final[_events]

def get_events(tool_id: int, /) -> int: ...
def set_events(tool_id: int, event_set: int, /) -> None: ...
def get_local_events(tool_id: int, code: CodeType, /) -> int: ...
def set_local_events(tool_id: int, code: CodeType, event_set: int, /) -> None: ...
def restart_events() -> None: ...
def _all_events() -> Dict[str, int]: ...

DISABLE: Final[object]
MISSING: Final[object]

def register_callback(
    tool_id: int, event: int, func: Optional[Callable[..., object]], /
) -> Optional[Callable[..., Any]]: ...
