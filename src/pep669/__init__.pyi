# Types of the pep669 package.  pep669.monitoring has its own stub
# (monitoring.pyi).  Type checkers know sys.monitoring only for 3.12+
# targets; code that runs on 3.8-3.11 as well types its calls through
# ``from pep669 import monitoring``.

from types import ModuleType
from typing import List

from . import monitoring as monitoring

__all__: List[str]
__version__: str
NATIVE: bool

def install() -> ModuleType: ...
def get_include() -> str: ...
