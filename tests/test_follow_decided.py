"""`check --follow` names the record that raised each alert (#9/#12, tester 20 T10): the live
analysis runs every few seconds at most, so an alert's line can come some records after the record
at which a `check` of the log up to there already raises it, by a delay that differs run to run.
Each alert event says which record decided it (`decided_at`, an x of the run's axis, and
`records_since`: the run's records printed after that one), and that is the record a one-shot
`check` of the log's prefix raises (or closes) it at.

The log is tester 20's case: a run written, then its log rewritten from the start (O_TRUNC) by a
second run, written one record at a time; the follower reads when woken, the test runs the live
analysis passes itself, every few records, as a paced analysis groups them. Real runs: a numpy
training, then Keras 3's CSVLogger (tests/data/tester19_maj3/keras.log). Waits on state only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression
from test_follow import Collector

from lossacc_tui import follow
from lossacc_tui.events import PointsAdded, RunReset
from lossacc_tui.feed import read_finished
from lossacc_tui.monitor import Monitor
from lossacc_tui.source import discover
from lossacc_tui.stream import Printer

KERAS = Path(__file__).parent / "data" / "tester19_maj3" / "keras.log"


def _check(path: Path) -> dict[tuple[str, float], bool]:
    """A one-shot `check` of a log: {(kind, start): active} of its alerts."""
    feed = read_finished(discover(path))
    return {(a.kind, a.start): a.active for r in feed.runs for a in feed.alerts(r)}


@pytest.mark.parametrize("passes", [{4, 8, 12, 16, 20, 24}, set()])
def test_each_alert_names_the_record_a_check_of_the_log_up_to_there_raises_it_at(
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    passes: set[int],
) -> None:
    """`passes`: after which of the second run's records a live pass runs: every few records, or
    only at the end (its one analysis reads the whole run: an alert opened and closed in it)."""
    monkeypatch.setattr(follow, "MAX_GAP", follow.MIN_GAP)  # (a woken follower reads at once)
    first = keras_csv(tmp_path / "first.csv", softmax_regression(epochs=6, seed=1)).read_text()
    header, *records = KERAS.read_text().splitlines(keepends=True)
    p = tmp_path / "training.log"
    p.write_text(first)
    m = Monitor([p], poll=3600)  # (the follower looks when woken)
    m._start_timer = lambda wait: None  # type: ignore[method-assign]  # (the test runs the passes)
    c = Collector()
    m.subscribe(c)
    out = io.StringIO()
    m.subscribe(Printer(out, as_json=True))
    m.start()
    stop_all(m)

    def read() -> int:
        return sum(e.batch.n for e in c.events if isinstance(e, PointsAdded))

    c.wait(lambda: read() == 6)
    m._pass()
    with open(p, "w") as f:  # O_TRUNC: the second run is written from the start, a record at a time
        f.write(header + records[0])
        f.flush()
        m.follower._wake.set()
        c.wait(lambda: any(isinstance(e, RunReset) for e in c.events) and read() == 7)
        for k, rec in enumerate(records[1:], start=2):
            f.write(rec)
            f.flush()
            m.follower._wake.set()
            c.wait(lambda k=k: read() == 6 + k)
            if k in passes:  # (a pass every few records: the alerts come after later records)
                m._pass()
    m._pass()

    lines = [json.loads(ln) for ln in out.getvalue().splitlines()]
    cut = max(k for k, ln in enumerate(lines) if ln["event"] == "reset")  # (the run read again)
    lines = lines[cut + 1 :]
    epochs = [ln["epoch"] for ln in lines if ln["event"] == "record"]
    told = [(k, ln) for k, ln in enumerate(lines) if ln["event"] == "alert"]
    whole = _check(KERAS)
    assert whole and {(a["kind"], a["start"]) for _, a in told} == set(whole)  # every alert told
    assert any(a["records_since"] for _, a in told)  # (some came after later records, and say so)
    prefix = tmp_path / "prefix" / "training.log"
    prefix.parent.mkdir()
    for k, a in told:
        at = epochs.index(a["decided_at"])  # the record that decided it, among those printed
        above = sum(1 for ln in lines[:k] if ln["event"] == "record")
        assert a["records_since"] == above - (at + 1)
        key, active = (a["kind"], a["start"]), a["change"] != "closed"
        prefix.write_text(header + "".join(records[: at + 1]))
        assert _check(prefix).get(key) == active, (a["kind"], a["change"], a["decided_at"])
        prefix.write_text(header + "".join(records[:at]))
        assert _check(prefix).get(key) != active, (a["kind"], a["change"], a["decided_at"])
