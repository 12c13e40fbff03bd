"""Per-file watches (Linux, inotify): a followed log's own writes wake the follower, another job's
busy log in the same folder does not (it used to: each batch of its events was read and looked at);
a file that takes the log's name (an atomic save, a rotation) is watched in its place, so its later
appends are read. Through the real follower, a writer process and real renames; waits on state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_follow import HEADER, Collector, rows, watch

from lossacc_tui import follow, inotify
from lossacc_tui.follow import Follower
from lossacc_tui.inotify import _inotify_simple

pytestmark = pytest.mark.skipif(_inotify_simple() is None, reason="needs inotify (Linux) and inotify_simple")


@pytest.fixture
def followed(tmp_path: Path):  # type: ignore[no-untyped-def]
    """watch(path) -> (Monitor, Collector), every Monitor stopped at the end."""
    made = []

    def start(p: Path) -> tuple[object, Collector]:
        m, c = watch(p)
        made.append(m)
        return m, c

    yield start
    for m in made:
        m.stop()


NEIGHBOUR = """
import sys, time
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "a") as f:
    for i in range(n):
        f.write('{"step": %d, "loss": %.4f}\\n' % (i, 1 / (i + 1)))
        f.flush()
        time.sleep(0.002)
"""


def test_a_busy_neighbour_does_not_wake_the_follower(tmp_path: Path, followed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    quiet = tmp_path / "quiet.csv"
    quiet.write_text(HEADER + rows(0, 2))
    batches: list[int] = []
    real = inotify.Inotify._handle

    def counted(self: inotify.Inotify, events: list[object]) -> None:
        batches.append(len(events))
        real(self, events)  # type: ignore[arg-type]

    monkeypatch.setattr(inotify.Inotify, "_handle", counted)
    m, c = followed(quiet)
    c.wait(lambda: len(c.values(str(quiet), "loss")) == 2)
    assert isinstance(m.follower, Follower) and m.follower.mode == "events"
    before = len(batches)
    other = tmp_path / "other_job.jsonl"
    subprocess.run([sys.executable, "-c", NEIGHBOUR, str(other), "500"], check=True)
    with open(quiet, "a") as f:  # (the quiet log's own write: its event comes, and is read)
        f.write(rows(2, 1))
    c.wait(lambda: len(c.values(str(quiet), "loss")) == 3)
    # 500 writes beside it: only the neighbour's creation and the quiet log's own write were events
    # (a folder watch handed every one of the neighbour's writes over, in dozens of batches)
    assert len(batches) - before <= 4, batches[before:]


def test_a_file_taking_the_name_is_watched_in_its_place(tmp_path: Path, followed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(follow, "SAFETY_CHECK", 3600.0)  # only events wake the follower here
    log = tmp_path / "train.csv"
    log.write_text(HEADER + rows(0, 2))
    _m, c = followed(log)
    c.wait(lambda: len(c.values(str(log), "loss")) == 2)
    for n in (4, 6):  # atomic saves: a longer file replaces the log
        tmp = tmp_path / ".train.csv.tmp"
        tmp.write_text(HEADER + rows(0, n))
        os.replace(tmp, log)
        c.wait(lambda n=n: len(c.values(str(log), "loss")) == n)
    deadline = time.monotonic() + 30
    with open(log, "a") as f:  # appends to the new file: its own watch wakes the follower
        for e in range(6, 9):
            f.write(rows(e, 1))
            f.flush()
            c.wait(lambda e=e: len(c.values(str(log), "loss")) == e + 1)
    assert time.monotonic() < deadline
    assert c.values(str(log), "loss") == pytest.approx([1 / (e + 1) for e in range(9)], abs=1e-6)
