"""Replay: a finished log played back through the readers as if live, with controls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, read_runs, snapshot

from lossacc_tui.analysis import Analyzer
from lossacc_tui.events import Event, PointsAdded, RunAdded, RunReset, Status
from lossacc_tui.replay import UNTIMED_GAP, Replay, schedule
from lossacc_tui.source import PathError

LOG = Path(__file__).resolve().parent / "app" / "data" / "training.log"


class Seen:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.cond = threading.Condition()

    def __call__(self, events: list[Event]) -> None:
        with self.cond:
            self.events += events
            self.cond.notify_all()


def wait(pred: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def started(path: Path, speed: float = 1e-6) -> tuple[Replay, Seen]:
    """A replay that (at this speed) only moves when told to."""
    r = Replay([path], speed=speed)
    seen = Seen()
    r.subscribe(seen)
    r.start()
    assert r.loaded.wait(60), "the replay never loaded"
    return r, seen


def test_schedule_untimed_streams_play_side_by_side() -> None:
    order, t = schedule(np.array([0, 0, 0, 1, 1]), np.full(5, np.nan))
    assert order.tolist() == [0, 3, 1, 4, 2]
    assert t.tolist() == [UNTIMED_GAP, UNTIMED_GAP, 2 * UNTIMED_GAP, 2 * UNTIMED_GAP, 3 * UNTIMED_GAP]


def test_schedule_uses_timestamps_shortens_long_pauses_and_reads_milliseconds() -> None:
    times = np.array([10.0, 11.0, 12.0, 5000.0, 5001.0]) * 1000 + 1.6e12  # ms since the epoch
    order, t = schedule(np.zeros(5, dtype=int), times)
    assert order.tolist() == [0, 1, 2, 3, 4]
    gaps = np.diff(t)
    assert gaps[0] == pytest.approx(1.0) and gaps[2] == pytest.approx(10.0)  # 4988 s -> 10 typical gaps


def test_schedule_interleaves_files_by_time() -> None:
    order, _ = schedule(np.array([0, 0, 1, 1]), np.array([1.0, 3.0, 2.0, 4.0]))
    assert order.tolist() == [0, 2, 1, 3]


def test_bad_path_is_a_path_error(tmp_path: Path) -> None:
    with pytest.raises(PathError):
        Replay([tmp_path / "missing.log"]).start()


def test_played_to_the_end_equals_reading_the_log() -> None:
    r, seen = started(LOG)
    try:
        assert r.total == 150 and r.position == 0
        r.to_end()
        # the position moves before the events reach subscribers: wait for what they were told
        wait(lambda: sum(e.batch.n for e in list(seen.events) if isinstance(e, PointsAdded)) >= 150)
        assert r.position == r.total
        assert snapshot(r.runs) == snapshot(read_runs(LOG))
        assert isinstance(next(e for e in seen.events if not isinstance(e, Status)), RunAdded)
        assert sum(e.batch.n for e in seen.events if isinstance(e, PointsAdded)) == 150
    finally:
        r.stop()


def test_step_seek_back_and_forward_give_the_same_runs() -> None:
    r, seen = started(LOG)
    try:
        r.step()
        wait(lambda: r.position == 1)
        assert r.paused and r.runs[0].points == 4  # one record: 4 metrics
        r.seek(100)
        wait(lambda: r.position == 100)
        at_100 = snapshot(r.runs)
        r.seek(30)
        wait(lambda: r.position == 30)
        assert any(isinstance(e, RunReset) for e in seen.events)
        assert r.runs[0].points == 120
        r.seek(100)
        wait(lambda: r.position == 100)
        assert snapshot(r.runs) == at_100
    finally:
        r.stop()


def test_plays_at_its_pace_and_pauses() -> None:
    r, _ = started(LOG, speed=100.0)  # 150 records 1 s apart: 1.5 s
    try:
        wait(lambda: r.position >= 20)
        r.toggle_pause()
        wait(lambda: r.paused)
        pos = r.position
        for _ in range(2):  # two more turns of the replay's loop, paused: state, not the clock
            turned = threading.Event()
            r._do(turned.set)
            wait(turned.is_set)
        assert r.paused and r.position == pos
        r.faster()
        r.toggle_pause()
        wait(lambda: r.position == r.total)
    finally:
        r.stop()


def test_alert_marks_are_where_a_live_analyzer_opens_them() -> None:
    r, _ = started(LOG)
    try:
        wait(lambda: r.marks is not None)
        assert r.marks
        # fed one record at a time, an analyzer opens its alerts exactly at the marks
        (run,) = read_runs(LOG)
        opened_at = set()
        live = Replay([LOG], speed=1e-6)
        live.start()
        assert live.loaded.wait(60), "never loaded"
        analyzer = None
        for k in range(1, live.total + 1):
            live.seek(k)
            wait(lambda k=k: live.position == k)
            with live.lock:
                analyzer = analyzer or Analyzer(live.runs[0])
                if any(what == "opened" for what, _ in analyzer.update()):
                    opened_at.add(k)
        live.stop()
        assert sorted(opened_at) == r.marks
        assert run.points == 600
        r.next_alert()
        wait(lambda: r.position == r.marks[0])
        assert r.paused
        r.to_end()
        wait(lambda: r.position == r.total)
        r.prev_alert()
        wait(lambda: r.position == r.marks[-1])
    finally:
        r.stop()


def test_folder_of_runs_replays_every_run() -> None:
    r, _ = started(DEMO / "eight_runs")
    try:
        r.to_end()
        wait(lambda: r.position == r.total)
        assert len(r.runs) == 8
        assert snapshot(r.runs) == snapshot(read_runs(DEMO / "eight_runs"))
    finally:
        r.stop()
