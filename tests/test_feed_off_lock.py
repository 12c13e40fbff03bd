"""The live analysis runs without the feed's lock, on a snapshot of each run: points appended while
it runs are neither seen half-way nor lost (the next pass analyses them), a rescale of the values
does not change the snapshot under it, and the alerts end as `check` finds them on the whole log.
The analysis pass is held at will here, so no test depends on the scheduler."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
from conftest import DEMO

from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.model import Batch, Run
from lossacc_tui.source import discover

LOG = DEMO / "loss_up_acc_up" / "training.log"  # a real Keras run whose loss rises (alerts open)


def _wait(pred: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_snapshot_keeps_its_points_through_appends_and_a_rescale() -> None:
    run = Run("r", "-", "jsonl")
    acc = np.array([0.5, 0.6, 0.7])
    run.add_batch(Batch(3, {"val_acc": acc.copy()}, {}, epoch=np.arange(3.0)))
    snap = run.freeze_into()
    more = np.array([1.2, 1.5, 2.0, 2.5, 3.0])  # so all of it reads as percent: the first three rescaled
    run.add_batch(Batch(5, {"val_acc": more}, {}, epoch=np.arange(3.0, 8.0)))
    live = run.series["val_acc"]
    assert len(live) == 8 and live.values[0] == 0.005  # (the unit decided again: in place, as before)
    s = snap.series["val_acc"]
    assert len(s) == 3 and s.values.tolist() == [0.5, 0.6, 0.7]  # the snapshot's, unchanged
    assert s.epochs.tolist() == [0.0, 1.0, 2.0]
    run.freeze_into(snap)  # the same objects brought up to date
    assert snap.series["val_acc"] is s and len(s) == 8 and s.values.tolist() == live.values.tolist()


def _pieces(run: Run, cuts: int) -> list[Batch]:
    """The run's records again, in `cuts` batches of consecutive rows (its series logged together)."""
    cols = {name: s.values for name, s in run.series.items()}
    (n,) = {len(v) for v in cols.values()}
    epoch = run.series[next(iter(cols))].epochs
    edges = np.linspace(0, n, cuts + 1).astype(int)
    return [
        Batch(int(b - a), {k: v[a:b].copy() for k, v in cols.items()}, {}, epoch=epoch[a:b].copy())
        for a, b in itertools.pairwise(edges.tolist())
    ]


def test_points_appended_during_an_analysis_pass_are_analysed_by_the_next() -> None:
    ref = read_finished(discover(LOG))
    (whole,) = ref.runs
    pieces = _pieces(whole, 6)
    feed = Feed()
    feed.publishing = True
    run = Run(whole.name, whole.path, whole.format)

    def append(batch: Batch) -> None:  # as the follower does, the feed's lock held
        run.add_batch(batch)
        feed.appended([(run, batch)])

    with feed.lock:
        append(pieces[0])
    _wait(lambda: not feed.analysis_pending, "the first analysis")
    (an,) = feed.analyzers.values()
    entered, release = threading.Event(), threading.Event()
    real = an.update

    def held() -> object:
        entered.set()
        release.wait(120)  # (past any wait of the test: held until it lets go)
        return real()

    an.update = held  # type: ignore[method-assign]
    with feed.lock:
        append(pieces[1])
    _wait(entered.is_set, "the next pass")
    seen = an.run.points  # what the pass analyses: the snapshot taken when it began
    try:
        for batch in pieces[2:]:  # the follower appends the rest while the pass is held
            assert feed.lock.acquire(timeout=10), "the analysis holds the feed's lock"
            try:
                append(batch)
            finally:
                feed.lock.release()
        assert an.run.points == seen < run.points  # the snapshot did not move under the analysis
        assert feed.published[id(run)].points < seen  # the view still reads the last pass' results
    finally:
        release.set()
    _wait(lambda: not feed.analysis_pending, "the passes after")
    assert feed.published[id(run)].points == run.points == whole.points
    got = [(a.kind, a.start, a.end, a.title) for a in feed.alerts(run)]
    want = [(a.kind, a.start, a.end, a.title) for a in ref.alerts(whole)]
    assert got == want and want  # as `check` reads the whole log
    feed.close()
