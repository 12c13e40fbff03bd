"""The training loss's noise at each validation point (`train_noise.level_noise`, which `overfitting`
reads) costs a few numpy calls per chunk, not a dozen per validation point: a log that evaluates at
every step (1,000,000 rows) spent 10 of `check`'s 14 s of CPU there. Its values stay those of the
definition, window by window, bit for bit, on real runs: a per-step softmax regression, and a run
whose learning rate grows until its training loss overflows to inf and NaN."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy_diverge import diverging_run, write_jsonl
from numpy_softmax import step_run

from lossacc_tui.analysis.detectors import train_noise
from lossacc_tui.analysis.stats import SECOND_DIFF_SCALE
from lossacc_tui.feed import read_finished
from lossacc_tui.model import Run
from lossacc_tui.source import discover


def read_run(path: Path) -> Run:
    feed = read_finished(discover(path), analyze=False)
    (run,) = feed.runs
    return run


def by_definition(train: Any, last: np.ndarray, width: int, span: int) -> np.ndarray:
    """The docstring's definition, one window at a time: the mean |second difference| of the logs
    of the last min(span, SPAN_MAX) positive finite values at or before each point, / the scale."""
    out = np.full(len(last), np.nan)
    span = max(4, min(span, train_noise.SPAN_MAX))
    scale = SECOND_DIFF_SCALE * math.sqrt(max(1, width))
    for j, k in enumerate(last.tolist()):
        if k < 3:
            continue
        v = np.asarray(train.raw[max(0, k - span + 1) : k + 1], dtype=float)
        v = np.log(v[np.isfinite(v) & (v > 0)])
        if len(v) >= 4:
            dd = np.abs(np.diff(v, 2))
            out[j] = float(np.add.reduce(dd) / len(dd)) / scale
    return out


def noise_and_definition(run: Run, axis: str, width: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    train, val = run.by_role("train_loss"), run.by_role("val_loss")
    assert train is not None and val is not None
    keep = np.isfinite(val.values)
    xs = val.x(axis)[keep]
    idx = np.flatnonzero(keep)
    col = train.raw_x(axis)
    last = (
        np.minimum(idx - train.base, len(train.raw) - 1)
        if col is None
        else np.searchsorted(col, xs, "right") - 1
    )
    got = train_noise._level_noise(train, axis, xs, idx, width, span)
    return got, by_definition(train, np.asarray(last), width, span)


def test_noise_is_the_definitions_bit_for_bit_on_a_per_step_run(tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    step_run(path, 3, steps=3000, every=3, lr=0.2, seed=4)
    run = read_run(path)
    for width, span in ((1, 40), (5, 256), (20, 600), (3, 4)):
        got, want = noise_and_definition(run, "step", width, span)
        assert np.isfinite(got).sum() > 900
        assert got.tobytes() == want.tobytes(), (width, span)


def test_noise_is_the_definitions_bit_for_bit_where_the_loss_overflows(tmp_path: Path) -> None:
    rows, _ = diverging_run(epochs=16, growth=3.0, seed=0, act="relu", hidden=(64, 64), lr=0.02)
    losses = np.array([r["loss"] for r in rows], dtype=float)
    assert not np.isfinite(losses).all()  # (the run overflowed: windows with inf/NaN are filtered)
    run = read_run(write_jsonl(tmp_path / "diverge.jsonl", rows))
    for width, span in ((1, 4), (1, 6), (2, 20)):
        got, want = noise_and_definition(run, "epoch", width, span)
        assert np.isfinite(got).any()
        assert got.tobytes() == want.tobytes(), (width, span)


def test_noise_of_thousands_of_evaluations_takes_their_logs_in_one_go(
    tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "steps.csv"
    step_run(path, 3, steps=6000, every=2, lr=0.2, seed=5)
    run = read_run(path)
    calls = {"log": 0}

    def log(*a: Any, **k: Any) -> Any:
        calls["log"] += 1
        return np.log(*a, **k)

    counting = SimpleNamespace(**{name: getattr(np, name) for name in dir(np) if not name.startswith("__")})
    counting.log = log
    monkeypatch.setattr(train_noise, "np", counting)
    got, _ = noise_and_definition(run, "step", 5, 256)
    assert np.isfinite(got).sum() >= 2900  # (3,000 evaluations, each with its noise)
    assert calls["log"] <= 2  # (the definition's: one per evaluation)
