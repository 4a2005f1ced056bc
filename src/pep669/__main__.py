"""``python -m pep669 COMMAND ...``: tools built on the monitoring API."""

import sys

from pep669 import _run
from pep669._cli import main

if __name__ == "__main__":
    status = main()
    if _run.interrupted:
        # The program ended by an unhandled KeyboardInterrupt: end as
        # python does then, by SIGINT.
        _run.exit_by_sigint()
    sys.exit(status)
