"""A followed log rewritten from its start (O_TRUNC: a restarted job) before the live analysis has
seen its last records (the analysis runs every few seconds): the alerts those records open are told
opened, then withdrawn, before the `reset` event, and not lost (tester 10's fault: a run rewritten
within the live analysis' cadence streamed none of its alerts).

The live analysis' timer is turned off and the follower reads only when woken, so the test decides
exactly what was read and what was analysed before the rewrite. Real runs from numpy training."""

from __future__ import annotations

import io
import json
from pathlib import Path

from numpy_training import keras_csv, softmax_regression
from test_follow import Collector

from lossacc_tui.events import AlertChanged, PointsAdded, RunReset
from lossacc_tui.feed import read_finished
from lossacc_tui.monitor import Monitor
from lossacc_tui.source import discover
from lossacc_tui.stream import Printer


def _overfitting_log(path: Path) -> Path:
    """A run that overfits (few samples, many noise features): several alerts open on it."""
    rows = softmax_regression(epochs=60, features=80, n_train=40, n_val=200, seed=2, lr=0.5, spread=0.5)
    return keras_csv(path, rows)


def test_records_not_yet_analysed_when_the_log_is_rewritten_tell_their_alerts(
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
) -> None:
    old = _overfitting_log(tmp_path / "old.csv")
    new = keras_csv(tmp_path / "new.csv", softmax_regression(epochs=30, seed=2))
    (src,) = discover(old)
    finished = read_finished([src])
    expected = {(a.kind, a.start) for r in finished.runs for a in finished.alerts(r)}
    assert expected  # (the old run has alerts a one-shot `check` reports)

    p = tmp_path / "log.csv"
    p.write_bytes(old.read_bytes())
    m = Monitor([p], poll=3600)  # (the follower looks only when woken)
    m._start_timer = lambda wait: None  # type: ignore[method-assign]  # no live analysis pass comes
    c = Collector()
    m.subscribe(c)
    out = io.StringIO()
    m.subscribe(Printer(out, as_json=True))
    m.start()
    stop_all(m)
    rows = len(old.read_text().splitlines()) - 1
    c.wait(lambda: sum(e.batch.n for e in c.events if isinstance(e, PointsAdded)) == rows, timeout=60)
    assert not any(isinstance(e, AlertChanged) for e in c.events)  # read, not analysed yet

    with open(p, "wb") as f:  # O_TRUNC: the restarted job writes its new run from the start
        f.write(new.read_bytes())
    m.follower._wake.set()
    c.wait(lambda: any(isinstance(e, RunReset) for e in c.events), timeout=60)

    at = next(i for i, e in enumerate(c.events) if isinstance(e, RunReset))
    before = [e for e in c.events[:at] if isinstance(e, AlertChanged)]
    opened = {(e.alert.kind, e.alert.start) for e in before if e.change in ("opened", "reopened")}
    assert opened == expected  # the same alerts as the finished log's, told before the reset
    lines = [json.loads(ln) for ln in out.getvalue().splitlines()]
    reset = next(i for i, ln in enumerate(lines) if ln["event"] == "reset")
    told = [ln for ln in lines[:reset] if ln["event"] == "alert"]
    told_open = {(ln["kind"], ln["start"]) for ln in told if ln["change"] in ("opened", "reopened")}
    told_closed = {(ln["kind"], ln["start"]) for ln in told if ln["change"] == "closed"}
    assert told_open and told_open <= told_closed  # each told opened, then closed (withdrawn)
