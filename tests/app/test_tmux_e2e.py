"""End to end: the installed `lossacc-tui` command in a real terminal (tmux), driven with keys."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from app_helpers import DATA

TMUX = shutil.which("tmux")
CLI = Path(sys.executable).with_name("lossacc-tui")
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the end-to-end terminal test needs it"),
    pytest.mark.skipif(
        not CLI.exists(), reason=f"the lossacc-tui command is not installed beside {sys.executable}"
    ),
]


def tmux(*args: str) -> str:
    return subprocess.run([TMUX, *args], capture_output=True, text=True, check=False).stdout  # type: ignore[list-item]


def wait_screen(session: str, *texts: str, timeout: float = 60.0) -> str:
    """Wait until one capture shows every text (a capture can catch a half-drawn frame: the test
    waits for the whole state, it never asserts on one capture)."""
    deadline = time.monotonic() + timeout
    screen = seen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if all(t in screen for t in texts):
            return screen
        seen = screen or seen  # (an empty capture: the pane is gone, its process ended)
        time.sleep(0.1)
    raise AssertionError(f"{texts!r} never appeared together on screen:\n{screen or seen}")


def test_watch_in_tmux_shows_the_run_follows_appends_and_quits(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    lines = (DATA / "training.log").read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:41]))  # epochs 0-39
    session = f"lossacc-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    command = f"{CLI} watch {log}; echo $? > {done}"  # (Textual draws on stderr: not redirected)
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        wait_screen(session, "epoch 39", "loss", "accuracy", "watching")
        with log.open("a") as f:
            f.write("".join(lines[41:]))
        wait_screen(session, "epoch 149")
        wait_screen(session, "loss-up-acc-up")  # the alert the rest of the log opens
        tmux("send-keys", "-t", session, "c")
        wait_screen(session, "ranked by best value")
        tmux("send-keys", "-t", session, "Escape")
        wait_screen(session, "watching")  # back on the main screen (a quick q would read as alt+q)
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 60  # a bound for a stuck quit, not a timing goal
        while not (done.exists() and done.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    except AssertionError as e:  # (a pane that is gone: its process ended, and how)
        code = done.read_text().strip() if done.exists() else "still running"
        raise AssertionError(f"{e}\nexit code: {code}") from e
    finally:
        tmux("kill-session", "-t", session)
