"""A log written a few lines at a time (10 a second: a Keras run's epochs) costs the view one read a
frame: the view draws new data once a second at most, and it had read the file twice a second
(each pass a fixed cost: stat, read, parse, the feed's events and a wake-up of the view's thread;
0.3-0.5 % of a core at 10 lines/s, a fifth of the view's whole budget). Each line is still read
within a second of being written, and none is lost or read twice. `check --follow` (no view) keeps
its own cadence. The rows are a real Keras run's (demo_logs/loss_up_acc_up, CSVLogger)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import DEMO

from lossacc_tui.app import make_app
from lossacc_tui.events import PointsAdded
from lossacc_tui.monitor import Monitor

LOG = DEMO / "loss_up_acc_up" / "training.log"
RATE = 10.0  # lines a second
SECONDS = 6.0


def _follow_while_writing(tmp_path: Path, with_view: bool) -> tuple[float, list[float], int]:
    """(reads a second while lines were written, each line's delay from written to told, points
    told)."""
    lines = LOG.read_text().splitlines(keepends=True)
    path = tmp_path / "training.log"
    path.write_text("".join(lines[:11]))  # the header and 10 epochs: the run is there
    feed = Monitor([path])
    if with_view:
        make_app(feed, str(path))  # (as `lossacc-tui watch` builds it; not run: its reads are the point)
    told: list[tuple[float, int]] = []
    feed.subscribe(
        lambda events: told.extend(
            (time.monotonic(), e.batch.n) for e in events if isinstance(e, PointsAdded)
        )
    )
    written: list[float] = []
    feed.start()
    try:
        deadline = time.monotonic() + 30
        while sum(n for _, n in told) < 10:
            assert time.monotonic() < deadline, "the first lines were never read"
            time.sleep(0.02)
        time.sleep(1.5)
        told.clear()
        rows = iter(lines[11:])
        start = time.monotonic()
        stop = threading.Event()
        with path.open("a") as fh:
            while time.monotonic() - start < SECONDS:
                fh.write(next(rows))
                fh.flush()
                written.append(time.monotonic())
                stop.wait(1.0 / RATE)
        deadline = time.monotonic() + 10
        while sum(n for _, n in told) < len(written):
            assert time.monotonic() < deadline, "lines written were never read"
            time.sleep(0.02)
    finally:
        feed.stop()
    # each line's delay: the first tell at or after it was written that brings the count past it
    delays, seen, k = [], 0, 0
    for at, n in told:
        seen += n
        while k < len(written) and k < seen:
            delays.append(at - written[k])
            k += 1
    during = [at for at, _ in told if written[0] <= at <= written[-1]]
    return len(during) / (written[-1] - written[0]), delays, sum(n for _, n in told)


def test_the_view_reads_a_slow_writer_once_a_frame(tmp_path: Path) -> None:
    per_second, delays, points = _follow_while_writing(tmp_path, with_view=True)
    assert points == len(delays)  # every line read once: none lost, none twice
    assert per_second <= 1.35, per_second  # (it had read twice a second)
    assert max(delays) < 1.5, max(delays)  # each line within about a second (the pass' own time)


def test_check_follow_keeps_its_cadence(tmp_path: Path) -> None:
    per_second, delays, points = _follow_while_writing(tmp_path, with_view=False)
    assert points == len(delays)
    assert per_second >= 1.5, per_second
    assert max(delays) < 1.0, max(delays)
