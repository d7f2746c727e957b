"""``python -m rosenblatt``: the same as the ``rosenblatt`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
