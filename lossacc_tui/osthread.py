"""The calling thread's name as the operating system shows it (`top -H`, `ps -L`,
/proc/PID/task/TID/comm), so the follower's, inotify's and the analysis' share of a core can be
told apart from outside (`benchmarks/bench_follow.py` does). Linux only (proc(5): a thread may
write its own `comm`, at most 15 bytes); elsewhere nothing happens. Python 3.11 names no OS thread.
"""

from __future__ import annotations

import threading


def name_os_thread(name: str) -> None:
    """Give the calling thread `name` (cut to 15 bytes) where the OS keeps thread names."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as f:
            f.write(name[:15])
    except OSError:
        pass  # not Linux, or /proc not mounted: only a name for people looking from outside


__all__ = ["name_os_thread"]
