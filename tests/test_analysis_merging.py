"""Alerts that come and go at one place merge into one, the same way for every kind (issue #9).

The run: a validation loss that falls to its best, then flaps (four evaluations risen ~22 % above
it, four back near it, no new best) while the training loss keeps falling, drawn with numpy noise.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, Params
from lossacc_tui.analysis.merging import MIN_GAP
from lossacc_tui.source import discover

FLAPPING = ("overfitting", "loss-up-acc-up")


def flapping_csv(path: Path, seed: int) -> Path:
    """A Keras-style CSV (epoch, loss, val_loss, val_acc): best 0.50-0.52 by epoch 9, then six
    cycles of a rise to ~0.61 and a return just above the best (never a new best after epoch 15)."""
    rng = np.random.default_rng(seed)
    val = list(0.5 + 0.4 * np.exp(-np.arange(10) / 3.0))
    for c in range(6):
        val += list(0.60 + 0.005 * np.arange(4) + rng.normal(0, 0.002, 4))
        val += list((0.503 if c == 0 else 0.509) + np.abs(rng.normal(0, 0.002, 4)))
    v = np.array(val)
    n = len(v)
    train = (1 + rng.normal(0, 0.01, n)) / (np.arange(n) + 1)
    acc = np.round(np.where(v > 0.55, 0.798, 0.8) + np.r_[np.linspace(-0.1, 0, 10), np.zeros(n - 10)], 3)
    path.write_text(
        "epoch,loss,val_loss,val_acc\n"
        + "".join(f"{e},{float(train[e])!r},{float(v[e])!r},{float(acc[e])!r}\n" for e in range(n))
    )
    return path


def analyse(path: Path, chunk: int | None = None) -> tuple[list, list]:
    """(alerts, events) of the run, read whole or `chunk` bytes at a time (as `--follow` does)."""
    (src,) = discover(path)
    events: list = []
    if chunk is None:
        src.read_all()
        (run,) = src.runs
        a = Analyzer(run, Params())
        events += a.update()
        return a.alerts, events
    data, analyzers = path.read_bytes(), {}
    for pos in range(0, len(data), chunk):
        src.feed(0, data[pos : pos + chunk])
        for run in src.runs:
            events += analyzers.setdefault(id(run), Analyzer(run, Params())).update()
    src.finish(0)
    for run in src.runs:
        events += analyzers.setdefault(id(run), Analyzer(run, Params())).update()
    (a,) = analyzers.values()
    return a.alerts, events


@pytest.mark.parametrize("seed", [0, 1])
def test_every_kind_merges_a_pause_shorter_than_the_merge_gap(tmp_path: Path, seed: int) -> None:
    alerts, _ = analyse(flapping_csv(tmp_path / "flap.csv", seed))
    for kind in FLAPPING:
        late = [a for a in alerts if a.kind == kind and a.start >= 16]  # (no new best after epoch 15)
        assert late, f"{kind} must fire on the flapping stretch for this test to mean anything"
        for a, b in itertools.pairwise(late):
            gap = b.data["start_idx"] - a.data["end_idx"]
            assert gap > max(MIN_GAP, a.data["end_idx"] - a.data["start_idx"] + 1), (
                f"{kind} {a.start}-{a.end} and {b.start}-{b.end}: a pause of {gap} with no new best "
                "is one alert"
            )
    spans = {k: [(a.start, a.end) for a in alerts if a.kind == k and a.start >= 16] for k in FLAPPING}
    assert spans["overfitting"] == spans["loss-up-acc-up"]  # the same episodes, merged the same way


@pytest.mark.parametrize("seed", [0, 1])
def test_a_merged_alert_is_titled_by_its_span_never_by_a_calm_latest_point(tmp_path: Path, seed: int) -> None:
    path = flapping_csv(tmp_path / "flap.csv", seed)
    lines = path.read_text().splitlines(keepends=True)
    seen = 0
    for n in range(30, len(lines) + 1):  # every prefix: a live run stops anywhere, often in a calm
        (tmp_path / "p.csv").write_text("".join(lines[:n]))
        alerts, _ = analyse(tmp_path / "p.csv")
        for a in alerts:
            if a.kind != "loss-up-acc-up" or int(a.data.get("episodes", 1)) < 2:
                continue
            seen += 1
            assert "came and went" in a.title
            m = re.search(r"up (-?\d+)%", a.title)
            assert m and int(m.group(1)) >= 15, f"prefix {n}: {a.severity} {a.title!r}"
    assert seen, "the run must produce a merged alert"


def test_a_reopen_is_one_reopened_event_not_a_second_opening(tmp_path: Path) -> None:
    path = flapping_csv(tmp_path / "flap.csv", 1)
    alerts, events = analyse(path, chunk=37)
    merged = [a for a in alerts if int(a.data.get("episodes", 1)) >= 2]
    assert merged, "the run must produce a merged alert"
    opened = [(a.kind, a.start) for what, a in events if what == "opened"]
    assert len(opened) == len(set(opened)), "an alert opened twice with the same start"
    reopened = [(a.kind, a.start) for what, a in events if what == "reopened"]
    for a in merged:
        assert reopened.count((a.kind, a.start)) == int(a.data["episodes"]) - 1
        assert opened.count((a.kind, a.start)) == 1
