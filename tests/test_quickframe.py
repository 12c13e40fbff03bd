"""The first frame `watch FILE` paints before Textual is imported (lossacc_tui/quickframe.py): the
same numbers the view shows, its layout at 80x24 and 120x40, log strings cleaned, and the terminal
given back on every way out (tested through a real pseudo-terminal, waiting on what is drawn)."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from lossacc_tui import quickframe
from lossacc_tui.app.view import fmt_num
from tests.conftest import popen_ctrl_c, read_runs, realworld
from tests.numpy_training import softmax_regression

SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def keras_csv(path: Path, epochs: int = 30, names: tuple[str, ...] = ()) -> Path:
    """A Keras CSVLogger file of a real (numpy) training run; `names` replaces the column names."""
    rows = softmax_regression(epochs=epochs)
    cols = ["train_acc", "train_loss", "val_acc", "val_loss"]
    head = names or ("accuracy", "loss", "val_accuracy", "val_loss")
    lines = ["epoch," + ",".join(head)]
    lines += [f"{i}," + ",".join(f"{r[c]:.6f}" for c in cols) for i, r in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def frame(path: Path, cols: int, rows: int, color: bool = True, budget: float = 60.0) -> list[str]:
    got = quickframe.read_head(path, None, None, budget=budget)
    assert got is not None
    run, fraction = got
    return quickframe.frame_lines(run, str(path), fraction, cols, rows, color)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_frame_fills_the_terminal_and_shows_what_the_reader_read(size: tuple[int, int]) -> None:
    log = realworld("keras_csvlogger/Plant-disease-detection__training_log.csv")
    cols, rows = size
    lines = frame(log, cols, rows)
    plain = [SGR.sub("", line) for line in lines]
    assert len(plain) == rows and all(len(line) <= cols for line in plain)
    (run,) = read_runs(log)  # what `check` and the view read from the same file
    last_epoch = int(run.by_role("val_loss").x("epoch")[-1])  # type: ignore[union-attr]
    assert f"last epoch {last_epoch:,}" in plain[-2]  # the status line
    assert "loading… all read" in plain[-2]
    value = fmt_num(float(run.by_role("val_loss").values[-1]))  # type: ignore[union-attr]
    assert value in plain[0]  # the loss legend's latest validation value
    loss_h, _, _ = quickframe.plot_heights(rows)
    assert plain[loss_h].startswith("accuracy")  # the view's layout: the accuracy plot below
    assert any("┤" in line for line in plain[1:loss_h]) and any("⠀" < ch <= "⣿" for ch in "".join(plain))


def test_a_large_log_is_drawn_from_what_was_read_and_says_how_much(tmp_path: Path) -> None:
    log = keras_csv(tmp_path / "training.log", epochs=100)
    got = quickframe.read_head(log, None, None, budget=0.0, chunk=1024)  # one chunk, then the frame
    assert got is not None
    run, fraction = got
    lines = [SGR.sub("", x) for x in quickframe.frame_lines(run, str(log), fraction, 120, 40, True)]
    assert fraction < 1.0 and f"loading… {fraction:.0%} read" in lines[-2]
    last = int(run.by_role("val_loss").x("epoch")[-1])  # type: ignore[union-attr]
    assert f"last epoch {last:,}" in lines[-2] and 0 < last < 99


def test_names_from_the_log_never_reach_the_terminal_as_escape_sequences(tmp_path: Path) -> None:
    evil = ("acc\x1b]52;c;UFdORUQ=\x07", "loss\x1b[2J", "val_accuracy", "val_loss\x9b31m\u202e")
    log = keras_csv(tmp_path / "run\x1b[31m.csv", names=evil)
    for color in (True, False):
        text = "\n".join(frame(log, 120, 40, color))
        assert "\x1b]" not in text and "\x1b[2J" not in text and "\u202e" not in text
        assert not CONTROL.search(SGR.sub("", text).replace("\n", ""))


def test_no_color_draws_without_colours(tmp_path: Path) -> None:
    text = "".join(frame(keras_csv(tmp_path / "training.log"), 120, 40, color=False))
    assert "\x1b[" not in text
    assert "━" in text and "─ loss" in text  # train and validation told apart by line weight


def test_only_a_log_file_in_a_real_terminal_gets_a_quick_frame(tmp_path: Path) -> None:
    log = keras_csv(tmp_path / "training.log")
    args = argparse.Namespace(command="watch", paths=[str(log)])
    # (pytest's stdout is not a terminal: never drawn, whatever TERM says)
    assert not quickframe.eligible(args, {"TERM": "xterm-256color"})
    assert not quickframe.eligible(args, {"TERM": "dumb"})
    assert not quickframe.eligible(argparse.Namespace(command="watch", paths=[str(tmp_path)]), {})
    assert not quickframe.eligible(argparse.Namespace(command="replay", paths=[str(log)]), {})


class Pty:
    """`lossacc-tui watch LOG` in a 120x40 pseudo-terminal; the test keeps the terminal's own end
    open to read its settings after the process is gone."""

    def __init__(self, log: Path, *args: str) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.proc = popen_ctrl_c(
            [sys.executable, "-m", "lossacc_tui", "watch", str(log), *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=env,
            start_new_session=True,
        )
        self.out = bytearray()

    def read_until(self, done: bytes | None, timeout: float = 60.0) -> None:
        """Read what is drawn until `done` is in it (None: until the process ends)."""
        import select

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done is not None and done in self.out:
                return
            if done is None and self.proc.poll() is not None:
                ready, _, _ = select.select([self.master], [], [], 0)
                if not ready:
                    return
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    self.out += os.read(self.master, 65536)
        raise AssertionError(f"waited {timeout} s for {done!r}; drawn: {bytes(self.out[-400:])!r}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def test_q_typed_while_the_view_starts_quits_and_the_terminal_is_restored(tmp_path: Path) -> None:
    term = Pty(keras_csv(tmp_path / "training.log"))
    try:
        term.read_until(b" \xc2\xb7 last epoch 29")  # the quick frame is up; Textual is not yet
        os.write(term.master, b"q")
        term.read_until(None)  # the process ends by itself: the q was kept for the view
        assert term.proc.returncode == 0, bytes(term.out[-400:])
        assert termios.tcgetattr(term.slave) == term.before  # echo and line editing back
        assert term.out.rfind(b"\x1b[?1049l") > term.out.rfind(b"\x1b[?1049h")  # main screen back
        assert b"Traceback" not in term.out
    finally:
        term.close()


def test_ctrl_c_while_the_view_starts_gives_the_terminal_back(tmp_path: Path) -> None:
    term = Pty(keras_csv(tmp_path / "training.log"))
    try:
        term.read_until(b" \xc2\xb7 last epoch 29")
        os.kill(term.proc.pid, signal.SIGINT)  # Ctrl-C's signal (the view may or may not be up yet)
        term.read_until(None)
        assert term.proc.returncode == 130
        assert termios.tcgetattr(term.slave) == term.before
        assert term.out.rfind(b"\x1b[?1049l") > term.out.rfind(b"\x1b[?1049h")
        assert b"Traceback" not in term.out
    finally:
        term.close()


def test_an_error_after_the_quick_frame_is_printed_on_the_main_screen(tmp_path: Path) -> None:
    term = Pty(keras_csv(tmp_path / "training.log"), "--smoothing", "5")
    try:
        term.read_until(None)
        assert term.proc.returncode == 2
        assert b" \xc2\xb7 last epoch 29" in term.out  # (the quick frame was up)
        assert termios.tcgetattr(term.slave) == term.before
        left = term.out.rfind(b"\x1b[?1049l")
        assert left > term.out.rfind(b"\x1b[?1049h")
        assert b"--smoothing takes a weight in [0, 1)" in term.out[left:]  # after the screen is left
    finally:
        term.close()
