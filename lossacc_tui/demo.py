"""`lossacc-tui demo`: the terminal view on the bundled demo logs, with one of them being written
live by a background writer, so the first thing a newcomer sees is a run training and an alert
opening when its loss and accuracy part ways. Works offline; its temporary folder is removed on exit."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

LIVE_CASE = Path("loss_up_acc_up") / "training.log"  # its loss-up-acc-up alert opens near epoch 80
HEAD_START = 40  # epochs written at once, so there are curves to look at from the first frame
PACE = 0.3  # seconds per further epoch: the alert opens about 13 s in


def banner(pace: float) -> list[Any]:
    """The demo's one-line banner, as fields that give way whole on a narrow terminal (the pace,
    then the keys the key bar also shows); at 80 columns it still says what to watch for."""
    from lossacc_tui.app.fit import KEEP, Field

    return [
        Field.of(("demo", KEEP)),
        Field.of(
            (f" · live_run is being written now (a real run, {pace:g} s an epoch)", 40),
            (" · live_run is being written now", 80),
        ),
        Field.of((" · an alert opens near epoch 80", 60)),
        Field.of((" · ? help", 30)),
        Field.of((" · q quit", 20)),
    ]


def find_demo_logs() -> Path | None:
    """The demo_logs folder: inside the installed package (a wheel ships them there), or at the top
    of the repository the package runs from (a clone or an editable install)."""
    here = Path(__file__).resolve().parent
    for folder in (here / "demo_logs", here.parent / "demo_logs"):
        if (folder / LIVE_CASE).is_file():
            return folder
    return None


class LiveWriter(threading.Thread):
    """Copies a finished log into `dest` line by line, as the training job that wrote it did."""

    def __init__(self, source: Path, dest: Path, head_start: int = HEAD_START, pace: float = PACE) -> None:
        super().__init__(name="lossacc-demo-writer", daemon=True)
        self.lines = source.read_bytes().splitlines(keepends=True)
        self.dest, self.head_start, self.pace = dest, head_start, pace
        self.stopped = threading.Event()

    def run(self) -> None:
        first = 1 + self.head_start  # the header and the head start
        with open(self.dest, "wb") as f:  # our own temporary copy, never a user's log
            f.writelines(self.lines[:first])
            f.flush()
            for line in self.lines[first:]:
                if self.stopped.wait(self.pace):
                    return
                f.write(line)
                f.flush()

    def stop(self) -> None:
        self.stopped.set()


def run_demo(args: argparse.Namespace) -> int:
    from lossacc_tui.app.launch import launch  # Textual only for the terminal view

    logs = find_demo_logs()
    if logs is None:
        print(
            "lossacc-tui: the demo logs are missing from this installation; reinstall lossacc-tui",
            file=sys.stderr,
        )
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="lossacc-demo-"))
    live = tmp / "live_run"
    live.mkdir()
    writer = LiveWriter(logs / LIVE_CASE, live / LIVE_CASE.name, pace=args.pace)
    watch = argparse.Namespace(
        command="watch",
        paths=[str(live), str(logs)],
        format=None,
        map=[],
        poll=None,
        smoothing=None,
        config=None,
        set=[],
        majority=None,
        classes=None,
    )

    def cleanup() -> None:
        writer.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    def on_signal(signum: int, _frame: object) -> None:  # the terminal closed, or `kill`
        cleanup()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, on_signal)
    writer.start()
    try:
        return launch(watch, focus=live, banner=banner(args.pace))
    finally:
        writer.stop()  # (before the join: joined first, a writer still writing held `q` for 5 s)
        writer.join(timeout=5)
        cleanup()
