"""`lossacc-tui` in a tmux server of the benchmark's own: start a session, send keys, read the screen
(`tmux capture-pane` in a loop), wait for text, and the CPU seconds of a process or a thread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

CLI = Path(sys.executable).with_name("lossacc-tui")
SOCKET = f"lossacc-bench-{uuid.uuid4().hex[:6]}"  # a tmux server of our own
CLK_TCK = os.sysconf("SC_CLK_TCK")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait(session: str, ok: Callable[[str], bool], what: str, timeout: float = 15.0) -> float:
    start = time.perf_counter()
    while not ok(screen(session)):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{what}:\n{screen(session)}")
    return time.perf_counter() - start


def key_to_screen(session: str, key: str, text: str) -> float:
    """Seconds from the key sent to `text` on screen (a `re:` text is a regular expression)."""
    start = time.perf_counter()
    tmux("send-keys", "-t", session, key)
    if text.startswith("re:"):
        pattern = re.compile(text[3:])
        wait(session, lambda s: pattern.search(s) is not None, f"{text!r} never shown after {key}")
    else:
        wait(session, lambda s: text in s, f"{text!r} never shown after {key}")
    return time.perf_counter() - start


ANALYSING = "Analysing…"  # the summary pane before the first analysis of the run ends


def analysed(text: str) -> bool:
    """The screen shows the run's first analysis: its summary, which begins with the run's name and
    its x axis (before the first frame neither this nor the placeholder is on the screen)."""
    return ANALYSING not in text and ("x = epoch)" in text or "x = step)" in text)


def start(session: str, command: str) -> int:
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {command}")
    return int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())


def ended(pid: int) -> bool:
    """The process has ended: gone, or a zombie its parent (tmux's server, which reaps a pane's
    process a second or two later here) has not collected yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def reaped_after() -> float:
    """Seconds from a pane's process ending (`sleep 0.5`) to its pid being gone: what a
    measurement by the pid's disappearance would add."""
    pid = start("reap", "sleep 0.5")
    try:
        while not ended(pid):
            time.sleep(0.002)
        at = time.perf_counter()
        while Path(f"/proc/{pid}").exists() and time.perf_counter() - at < 10:
            time.sleep(0.002)
        return time.perf_counter() - at
    finally:
        tmux("kill-session", "-t", "reap")


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """CPU seconds of a process (or of one of its threads: `tid`)."""
    stat = Path(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK
