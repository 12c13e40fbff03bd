"""What a steadily written log costs the follower: its lines are read in blocks (a pass has a fixed
cost, so the next pass waits for the last one's CPU time / `READ_SHARE`), still every record once
and in order; a live analysis pass lets go of the feed's lock within `PASS_WALL` of wall time, so a
view's frame (and a key such as `q`) never waits behind hundreds of runs being analysed (rel-05).
Real writer processes and real files; every test waits on state, never on time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from test_follow import watch
from test_follow_writers import CSV, settle, table, write

from lossacc_tui import feed_passes, follow
from lossacc_tui.events import Analysed, PointsAdded
from lossacc_tui.feed import Feed


def test_a_steady_writer_is_read_in_blocks_each_record_once(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    """150 lines written one at a time 200 times a second (a real Keras CSV log): the follower reads
    them in far fewer passes than lines (one pass a line had cost 1% of a core at 10 lines/s), and
    the run holds exactly the log's records in order."""
    expected = read_runs(CSV)
    p = tmp_path / "metrics.csv"
    p.write_text("")
    m, c = watch(p)
    stop_all(m)
    write("append", p, CSV, pause=0.005)
    settle(m, c, expected)
    assert table(m.runs) == table(expected)
    blocks = [e for e in c.events if isinstance(e, PointsAdded)]
    lines = sum(e.batch.n for e in blocks)
    assert lines == expected[0].points // len(expected[0].series)
    assert len(blocks) <= lines / 12, f"{len(blocks)} blocks for {lines} lines"  # (30 ms apart: 15-27)


def test_the_gap_between_passes_follows_their_cost_within_bounds() -> None:
    """A pass that cost nothing leaves the next one free to come after MIN_GAP (a line after a quiet
    spell is read at once); a costly pass (a block parsed, printed and analysed) spaces the next
    by its CPU / READ_SHARE, never more than MAX_GAP (the latency bound of a steady stream)."""
    f = follow.Follower()
    f._pace(0.0)
    assert f._gap == follow.MIN_GAP
    f._pace(follow.READ_SHARE * 0.2)
    assert f._gap == pytest.approx(0.2)
    f._pace(1.0)
    assert f._gap == follow.MAX_GAP


def test_a_live_analysis_pass_lets_go_of_the_lock_at_its_wall_time_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three run folders waiting for their analysis: with a wall-time bound of zero each pass
    analyses one run (at a run's end) and leaves the others waiting for the next pass, whatever
    CPU budget is left; no run is analysed twice or skipped."""
    runs = []
    for k in range(3):
        d = tmp_path / f"version_{k}"
        d.mkdir()
        (d / "metrics.csv").write_text(CSV.read_text())
        runs += read_runs(d / "metrics.csv")
    monkeypatch.setattr(feed_passes, "PASS_WALL", 0.0)
    monkeypatch.setattr(feed_passes, "PASS_CPU", 3600.0)
    fd = Feed()
    fd._start_timer = lambda wait: None  # type: ignore[method-assign]  # (this test drives the passes)
    passes: list[list[int]] = []
    fd._waiting = {id(r): r for r in runs}
    while fd._waiting and len(passes) < 5:
        passes.append([id(e.run) for e in fd._pass() if isinstance(e, Analysed)])
    fd.close()
    assert [len(p) for p in passes] == [1, 1, 1]
    assert sorted(i for p in passes for i in p) == sorted(id(r) for r in runs)


@pytest.mark.parametrize(("cpu", "wait"), [(0.0017, 2.0), (0.0037, 3.7), (0.02, 5.0)])
def test_a_live_analysis_pass_spaces_the_next_by_its_cost_from_two_to_five_seconds(
    monkeypatch: pytest.MonkeyPatch, cpu: float, wait: float
) -> None:
    """A steady writer's points are analysed every ANALYSE_EVERY (2 s) at least, and as much later
    as keeps the analysis within ANALYSIS_SHARE of a core, ANALYSE_MAX (5 s) at most: a pass of a
    few lines, 1.7-3.7 ms of CPU here, came every 0.9-1.9 s (0.2 % of a core at 10 lines/s, the
    largest part of `check --follow`'s). The pass' CPU and the clock are the test's."""
    run = read_runs(CSV)[0]
    fd = Feed()
    fd._start_timer = lambda wait: None  # type: ignore[method-assign]  # (this test drives the pass)
    ticks = iter([0.0, cpu])
    monkeypatch.setattr(feed_passes.time, "thread_time", lambda: next(ticks))
    monkeypatch.setattr(feed_passes.time, "monotonic", lambda: 100.0)
    fd._waiting = {id(run): run}
    fd._pass()
    fd.close()
    assert fd._next_analysis - 100.0 == pytest.approx(wait)
