"""A log written a few lines at a time (10 a second: a Keras run's epochs) is read once a second,
by the view and by `check --follow` alike: the view draws new data once a second at most, and
each pass has a fixed cost (stat, read, parse, the feed's events, a wake-up of the inotify thread
and of the view's; 0.3-0.5 % of a core at 10 lines/s in passes 0.3-0.5 s apart, a fifth of the
view's whole budget and a third of `check --follow`'s: `bench_keys --cpu-only`, `bench_follow
--against`). The first lines after a lull are read as soon as before, a costly pass keeps its own
cadence, and no line is lost or read twice. The pacing is asserted as the follower decides it (its
next wait after a pass), never by timing a real follower on a loaded machine; the rows are a real
Keras run's (demo_logs/loss_up_acc_up, CSVLogger)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import DEMO

from lossacc_tui import follow
from lossacc_tui.app import make_app
from lossacc_tui.events import Event, PointsAdded
from lossacc_tui.follow import MAX_GAP, SLOW_PASS
from lossacc_tui.monitor import Monitor

LOG = DEMO / "loss_up_acc_up" / "training.log"


def _paced(
    monkeypatch: pytest.MonkeyPatch, with_view: bool, passes: list[tuple[float, float, bool]]
) -> list[float]:
    """The waits a Monitor's follower (of the view, or of `check --follow`) chooses after passes
    given as (monotonic time, CPU seconds, lines read)."""
    feed = Monitor([LOG])
    if with_view:
        make_app(feed, str(LOG))  # (as `lossacc-tui watch` builds it; not run)
    now = [0.0]
    monkeypatch.setattr(follow.time, "monotonic", lambda: now[0])
    waits = []
    for at, cpu, read in passes:
        now[0] = at
        feed.follower._pace(cpu, read)
        waits.append(feed.follower._gap)
    return waits


def test_the_view_reads_a_steady_slow_writer_once_a_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = SLOW_PASS / 5
    waits = _paced(monkeypatch, True, [(100.0, cheap, True), (100.5, cheap, True), (101.5, cheap, True)])
    assert waits[0] <= MAX_GAP  # (the first lines after a lull: read as soon as before)
    assert waits[1] >= 1.0 and waits[2] >= 1.0  # (a steady writer: one read a frame)


def test_check_follow_reads_a_steady_slow_writer_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --follow` (no view): a steady writer's few lines gather a second, as the view's do (they
    were read every 0.3-0.5 s: passes of 0.6 ms each, 0.2 % of a core at 10 lines/s)."""
    cheap = SLOW_PASS / 5
    waits = _paced(monkeypatch, False, [(100.0, cheap, True), (100.5, cheap, True), (101.5, cheap, True)])
    assert waits[0] <= MAX_GAP  # (the first lines after a lull: read as soon as before)
    assert waits[1] >= 1.0 and waits[2] >= 1.0  # (STEADY_GAP)


def test_a_costly_pass_and_a_lull_keep_the_cadence(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = SLOW_PASS / 5
    for view in (False, True):
        costly = [(100.0, SLOW_PASS * 2, True), (100.5, SLOW_PASS * 2, True)]
        assert max(_paced(monkeypatch, view, costly)) <= MAX_GAP
        lull = [(100.0, cheap, True), (110.0, cheap, True)]  # (10 s apart: not a steady writer)
        assert _paced(monkeypatch, view, lull)[1] <= MAX_GAP


def test_the_view_s_feed_reads_every_line_once(tmp_path: Path) -> None:
    """Lines appended in small writes while the view's feed follows: each read once, none lost."""
    lines = LOG.read_text().splitlines(keepends=True)
    path = tmp_path / "training.log"
    path.write_text("".join(lines[:11]))
    feed = Monitor([path])
    make_app(feed, str(path))
    told: list[int] = []
    done = threading.Event()

    def count(events: list[Event]) -> None:
        told.extend(e.batch.n for e in events if isinstance(e, PointsAdded))
        if sum(told) >= len(lines) - 1:
            done.set()

    feed.subscribe(count)
    feed.start()
    try:
        with path.open("a") as fh:
            for row in lines[11:]:
                fh.write(row)
                fh.flush()
        assert done.wait(60), "not every line was read"
    finally:
        feed.stop()
    assert sum(told) == len(lines) - 1  # (the header is no point)
