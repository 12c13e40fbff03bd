"""The `lossacc-tui` console script and `python -m lossacc_tui`: imports the command line inside a
Ctrl-C guard, so that an interrupt while numpy and the readers are still being imported (the first
0.1-0.3 s) ends the process with 130 and no traceback, as `cli.main` does for the rest."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command line on sys.argv; returns its exit code (130 after Ctrl-C)."""
    try:
        from lossacc_tui.cli import main as run
    except KeyboardInterrupt:
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())
