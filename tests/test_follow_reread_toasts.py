"""A log its writer truncates and rewrites whole at each save (`open(path, "w")`, header, every row
so far): a follower that looks while the file is cut reads the run again from its start, its alerts
are withdrawn and raised again. The view toasts each alert once (tester 15, fault 10a: each was
toasted twice); an alert the new reading raises that was not told before is still toasted.

The view's side is `app.tracker.Tracker` (Textual-free): `Tracker.opened` is what the app toasts.
The live analysis' timer is off and the follower reads only when woken, so the test decides what
was read and analysed when. Real runs from numpy training (tests/numpy_training.py)."""

from __future__ import annotations

from pathlib import Path

from numpy_training import softmax_regression
from test_follow import Collector

from lossacc_tui.app.tracker import Tracker
from lossacc_tui.events import PointsAdded, RunReset
from lossacc_tui.monitor import Monitor

HEADER = "epoch,loss,accuracy,val_loss,val_accuracy\n"
#: a run that overfits (few samples, many noise features): several alerts open on it
ROWS = softmax_regression(epochs=60, features=80, n_train=40, n_val=200, seed=2, lr=0.5, spread=0.5)


def rows(lo: int, hi: int) -> str:
    return "".join(
        f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
        for e, r in enumerate(ROWS[lo:hi], start=lo)
    )


def test_a_run_read_again_from_its_start_does_not_toast_its_alerts_again(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "metrics.csv"
    log.write_text(HEADER + rows(0, 8))
    m = Monitor([log], poll=3600)  # (the follower looks only when woken)
    m._start_timer = lambda wait: None  # type: ignore[method-assign]  # no live analysis pass comes
    tracker = Tracker(m)
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)
    points = lambda: sum(e.batch.n for e in list(c.events) if isinstance(e, PointsAdded))  # noqa: E731
    c.wait(lambda: points() == 8)
    with m.lock:
        m.emit(m.analyse_now(m.runs))  # (its first analysis: what the log held is not news)
    with log.open("a", encoding="utf-8") as f:  # the run goes on while the view watches
        f.write(rows(8, 50))
    m.follower._wake.set()
    c.wait(lambda: points() == 50)
    with m.lock:
        m.emit(m.analyse_now(m.runs))
    told = [(a.kind, a.start) for _, a in tracker.opened]
    assert told  # (the run has warnings: each toasted once)

    with open(log, "w", encoding="utf-8") as f:  # the writer's next save: cut, header, every row
        f.write(HEADER)
        f.flush()
        m.follower._wake.set()
        c.wait(lambda: any(isinstance(e, RunReset) for e in c.events))  # read while cut
        f.write(rows(0, 60))
    m.follower._wake.set()
    c.wait(lambda: points() == 110)  # (8 + 42 + the 60 read again)
    with m.lock:
        m.emit(m.analyse_now(m.runs))
    again = [(a.kind, a.start) for _, a in tracker.opened]
    assert len(again) == len(set(again))  # none toasted twice
    assert set(told) <= set(again)
