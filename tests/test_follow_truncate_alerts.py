"""A followed log rewritten from its start (O_TRUNC: a restarted job) before the live analysis has
seen its last records (the analysis runs every few seconds): the alerts those records open are told
opened, then withdrawn, before the `reset` event, and not lost (tester 10's fault: a run rewritten
within the live analysis' cadence streamed none of its alerts).

The live analysis' timer is turned off and the follower reads only when woken, so the test decides
exactly what was read and what was analysed before the rewrite. Real runs from numpy training."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression
from test_follow import Collector

from lossacc_tui.events import AlertChanged, PointsAdded, RunReset
from lossacc_tui.feed import Feed, read_finished
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


def test_a_rewrite_while_a_live_pass_runs_waits_for_it_then_analyses_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first half of the run is being analysed by a live pass (on its own thread, without the
    feed's lock) when the second half is read and the log is rewritten: the analysis before the
    reset waits for that pass (two updates of one analyzer never overlap), then analyses the second
    half; together they tell the finished log's alerts. The pass is held at a gate the test opens
    once the rewrite is waiting (or, were it not waiting, inside an update of its own)."""
    old = _overfitting_log(tmp_path / "log.csv")
    (whole,) = discover(old)
    finished = read_finished([whole])
    expected = {(a.kind, a.start) for r in finished.runs for a in finished.alerts(r)}
    data = old.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1

    from lossacc_tui.analysis import analyzer

    entered, gate, stuck = threading.Event(), threading.Event(), threading.Event()
    count = threading.Lock()
    inside = [0, 0]  # updates running now, most at once
    real_update = analyzer.Analyzer.update

    def held(self: analyzer.Analyzer) -> object:
        with count:
            inside[0] += 1
            inside[1] = max(inside)
            first = not entered.is_set()
        entered.set()
        if first:
            gate.wait(60)
        else:
            stuck.set()
        try:
            return real_update(self)
        finally:
            with count:
                inside[0] -= 1

    monkeypatch.setattr(analyzer.Analyzer, "update", held)
    fd = Feed()
    fd._start_timer = lambda wait: None  # type: ignore[method-assign]  # (the test runs the pass)
    real_wait = fd._idle.wait

    def waiting(timeout: float | None = None) -> bool:
        stuck.set()  # the rewrite waits for the pass
        return real_wait(timeout)

    fd._idle.wait = waiting  # type: ignore[method-assign]
    told: list[AlertChanged] = []
    fd.subscribe(lambda events: told.extend(e for e in events if isinstance(e, AlertChanged)))
    (src,) = discover(old)
    with fd.lock:
        fd.add_source(src)
        fd.appended(src.feed(0, data[:cut]))
    live = threading.Thread(target=fd._pass)
    live.start()
    assert entered.wait(60) and fd._busy  # the pass analyses the first half, without the lock
    before: list[list[AlertChanged]] = []

    def rewrite() -> None:
        with fd.lock:
            fd.appended(src.feed(0, data[cut:]))  # read while the pass runs
            before.append([e for e in fd.analyse_now(src.runs) if isinstance(e, AlertChanged)])

    rewriting = threading.Thread(target=rewrite)
    rewriting.start()
    assert stuck.wait(60)
    gate.set()
    live.join(60)
    rewriting.join(60)
    assert not live.is_alive() and not rewriting.is_alive()
    assert inside[1] == 1  # the analyzer was never updated by two threads at once
    opened = {(e.alert.kind, e.alert.start) for e in [*told, *before[0]] if e.change != "closed"}
    assert opened == expected
