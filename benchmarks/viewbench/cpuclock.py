"""`lossacc-tui` with a nanosecond CPU clock the bench can read (benchmarks only; the product has
no hook): on SIGUSR1 the process appends one line to OUT, `monotonic_ns process_time_ns
thread_time_ns` (the process' CPU time, every thread's, those ended too; then the main thread's).

    python benchmarks/viewbench/cpuclock.py OUT watch LOG     # the view; `kill -USR1 PID` reads it

/proc's utime and stime count whole clock ticks (10 ms here): over an 8 s window a share is known to
0.125 % of a core, as much as the difference being measured. The handler runs on the main thread
(Python runs signal handlers there) between two bytecodes, so the line's clocks are read together.
Import this file's directory nothing of lossacc_tui: the tree measured is the one on PYTHONPATH.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any


def install(path: str) -> None:
    """Append the clocks to `path` on each SIGUSR1."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def on_signal(_sig: int, _frame: Any) -> None:
        line = f"{time.monotonic_ns()} {time.process_time_ns()} {time.thread_time_ns()}\n"
        os.write(fd, line.encode())

    signal.signal(signal.SIGUSR1, on_signal)


if __name__ == "__main__":
    install(sys.argv[1])
    from lossacc_tui.cli import main

    sys.exit(main(sys.argv[2:]))
