"""``python -m pep669 COMMAND ...``: tools built on the monitoring API."""

import sys

from pep669._cli import main

if __name__ == "__main__":
    sys.exit(main())
