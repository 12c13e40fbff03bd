"""The view draws on stderr (Textual's driver): with stderr redirected to a file (`2> err.log`) and
a terminal on stdin and stdout, the screen stayed blank while the view ran (tester h19t). It now
says so on the terminal and in the file, and exits 2."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "demo_logs" / "healthy_keras" / "training.log"


def test_watch_with_stderr_in_a_file_says_why_instead_of_a_blank_screen(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    err = tmp_path / "err.log"
    try:
        with err.open("w") as ef:
            done = subprocess.run(
                [sys.executable, "-m", "lossacc_tui", "watch", str(LOG)],
                stdin=secondary,
                stdout=secondary,
                stderr=ef,
                cwd=REPO,
                env={**os.environ, "TERM": "xterm-256color"},
                timeout=120,
            )
        os.close(secondary)
        secondary = -1
        screen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # (the pty's other end is closed: all of it is read)
                break
            if not chunk:
                break
            screen += chunk
    finally:
        if secondary >= 0:
            os.close(secondary)
        os.close(primary)
    assert done.returncode == 2
    assert b"draws on stderr, which is redirected" in screen, screen[-400:]
    assert "draws on stderr, which is redirected" in err.read_text()
    assert b"\x1b[?1049h" not in screen  # (no screen taken over and left blank)
