"""A log followed from before its second line is told by the lines it will have, not by its first
alone. A loop's first printed line (`Epoch 1/20 - Train Loss: 0.6267, Acc: 0.8350, Val Loss: 0.6388,
Acc: 0.7500`) or a first line of prose (`GPU available: False, used: False`) had been taken for a CSV
header: every later line was a row of no numbers, and the view said "waiting for a first record"
for the whole run (session 18, a real torch training watched live)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from lossacc_tui.detection import decoded_head, detect
from lossacc_tui.events import Event, PointsAdded
from lossacc_tui.monitor import Monitor

TESTS = Path(__file__).parent
REPO = TESTS.parent
#: printed logs whose first line had been read as a CSV header (real runs: tests/data, demo_logs)
FIRST_LINES = [
    TESTS / "data" / "comma_splits" / "train_acc_after_split.log",
    TESTS / "data" / "tester27_printed" / "arrows_ascii.log",
    TESTS / "data" / "tester27_printed" / "torch_reprs.log",
    TESTS / "data" / "tester23_printed" / "bentrevett.log",
    TESTS / "data" / "tester27_reading" / "loguru.log",
    REPO / "demo_logs" / "healthy_keras" / "stdout.txt",
    REPO / "demo_logs" / "loss_down_acc_down" / "train_output.txt",
    REPO / "demo_logs" / "val_loss_unstable" / "train_stdout.txt",
]


@pytest.mark.parametrize("path", FIRST_LINES, ids=lambda p: p.name)
def test_a_first_line_alone_is_told_as_the_whole_log_or_waited_on(path: Path) -> None:
    whole = detect(path)
    assert whole is not None
    first = decoded_head(path).splitlines(keepends=True)[0]
    early = detect(path, head=first)
    assert early is None or early[0] is whole[0], (early, whole)


def test_a_csv_header_alone_is_still_a_csv(tmp_path: Path) -> None:
    """A loop's CSV writer that writes its header before its first row is followed from it."""
    for header in ("epoch,loss,accuracy,val_loss,val_accuracy\n", "step;train/loss;val/acc@1\n"):
        path = tmp_path / "log.csv"
        path.write_text(header)
        found = detect(path)
        assert found is not None and found[0].format_id in ("csv", "keras-csv"), header


def test_a_printed_log_followed_from_its_first_line_shows_every_epoch(tmp_path: Path) -> None:
    lines = FIRST_LINES[0].read_text().splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_text("")
    got: list[Event] = []
    points = threading.Event()

    def keep(events: list[Event]) -> None:
        got.extend(events)
        if sum(e.batch.n for e in got if isinstance(e, PointsAdded)) >= len(lines):
            points.set()

    monitor = Monitor([log])
    monitor.subscribe(keep)
    monitor.start()
    try:
        with open(log, "a") as f:
            f.write(lines[0])
        key = os.fspath(log.absolute())
        deadline = time.monotonic() + 60
        while monitor.follower._tails[key].offset < len(lines[0]):  # (the first line read alone)
            assert time.monotonic() < deadline, "the first line was never read"
            time.sleep(0.01)
        with open(log, "a") as f:
            f.writelines(lines[1:])
        assert points.wait(60), "not every epoch was read"
    finally:
        monitor.stop()
    runs = {id(e.run): e.run for e in got if isinstance(e, PointsAdded)}
    (run,) = runs.values()
    assert {"train_loss", "train_acc", "val_loss", "val_acc"} <= set(run.series)
    assert len(run.series["val_acc"]) == len(lines)
