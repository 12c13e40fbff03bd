"""The live stream (`check --follow --json`) when a followed log is rewritten from its start (a
job restarted that opens its log with O_TRUNC and writes a new run): every alert it told opened for
the old run is told closed (withdrawn) before the `reset` event, and the new run's alerts open as
they are found. Alert spans are printed as the log's x is: an integer epoch as an integer.

Real runs from numpy training (tests/numpy_training.py); the follower polls only when woken here,
so what the writer did between two looks is exactly what the test did."""

from __future__ import annotations

import io
import json
from pathlib import Path

from numpy_training import keras_csv, softmax_regression
from test_follow import watch

from lossacc_tui.events import AlertChanged, RunReset
from lossacc_tui.stream import Printer


def test_an_o_trunc_restart_closes_the_old_run_s_alerts_before_its_reset(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    # a run that overfits (few samples, many noise features), then a healthy one at the same path
    old = keras_csv(
        tmp_path / "old",
        softmax_regression(epochs=60, features=80, n_train=40, n_val=200, seed=2, lr=0.5, spread=0.5),
    )
    new = keras_csv(tmp_path / "new", softmax_regression(epochs=30, seed=2))
    p = tmp_path / "log.csv"
    p.write_bytes(old.read_bytes())
    m, c = watch(p, poll=3600)
    stop_all(m)
    out = io.StringIO()
    m.subscribe(Printer(out, as_json=True))
    c.wait(lambda: any(isinstance(e, AlertChanged) and e.change == "opened" for e in c.events), timeout=60)
    with m.lock:
        run = m.runs[0]
        was_open = {(a.kind, a.start) for a in m.alerts(run) if a.active}
    assert was_open
    with open(p, "wb") as f:  # O_TRUNC: the restarted job writes its new run from the start
        f.write(new.read_bytes())
    m.follower._wake.set()
    c.wait(lambda: any(isinstance(e, RunReset) for e in c.events), timeout=60)
    at = next(i for i, e in enumerate(c.events) if isinstance(e, RunReset))
    closed = [
        e for e in c.events[:at] if isinstance(e, AlertChanged) and e.change == "closed" and e.run is run
    ]
    assert was_open <= {(e.alert.kind, e.alert.start) for e in closed}
    withdrawn = [e.alert for e in closed if (e.alert.kind, e.alert.start) in was_open]
    assert all("withdrawn" in a.title and not a.active and a.claims == [] for a in withdrawn)

    lines = [json.loads(ln) for ln in out.getvalue().splitlines()]
    reset = next(i for i, ln in enumerate(lines) if ln["event"] == "reset")
    told_open = {
        (ln["kind"], ln["start"]) for ln in lines[:reset] if ln.get("change") in ("opened", "reopened")
    }
    told_closed = {(ln["kind"], ln["start"]) for ln in lines[:reset] if ln.get("change") == "closed"}
    assert told_open and told_open <= told_closed  # nothing the reader was told open stays open


def test_alert_spans_stream_as_the_log_s_integer_epochs(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    p = keras_csv(
        tmp_path / "log.csv",
        softmax_regression(epochs=60, features=80, n_train=40, n_val=200, seed=2, lr=0.5, spread=0.5),
    )
    m, c = watch(p)
    stop_all(m)
    out = io.StringIO()
    m.subscribe(Printer(out, as_json=True))
    c.wait(lambda: any(isinstance(e, AlertChanged) for e in c.events), timeout=60)
    with m.lock:
        alerts = [json.loads(ln) for ln in out.getvalue().splitlines() if '"event":"alert"' in ln]
    assert alerts
    for a in alerts:
        assert isinstance(a["start"], int), a["start"]  # epoch 8, not 8.0
        assert a["end"] is None or isinstance(a["end"], int)
        assert all(isinstance(cl["start"], int) for cl in a["claims"] if cl.get("start") is not None)
