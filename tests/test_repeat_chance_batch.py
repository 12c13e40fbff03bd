"""`ChanceRuns.judge` judges every run of equal accuracies of a chunk in a few array passes (issue
#12: one call per run cost 70 % of a 1,000,000-row analysis). Its decisions must be the ones of
judging each run alone with the scalar pieces (`noise`, `grid_bins`, `runs_by_chance`), whatever
the chunking: a run that crosses a chunk, an evaluation-set size that changes inside a run, and
values at the end of the grid (a perfect score). The accuracies come from real numpy training,
evaluated on a fresh small batch at every step (they repeat by chance now and then) or on one fixed
set (they hold for long stretches, often longer than chance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy_batches import batch_eval_run

from lossacc_tui.analysis.detectors.base import noise
from lossacc_tui.analysis.detectors.repeat_chance import ChanceRuns, bins_many, grid_bins, runs_by_chance
from lossacc_tui.analysis.features import AccFeatures
from lossacc_tui.model import Batch, Run, Series

TOL, WINDOW, STUCK = 1e-9, 10, 4


def _fixed_eval_run(steps: int, seed: int, n_val: int, d: int = 8, lr: float = 0.05) -> np.ndarray:
    """Per step of logistic regression trained by minibatch SGD (batch 32) on a linear model with
    label noise: the accuracy (fraction) on one fixed set of `n_val` validation samples."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(0, 1, d)

    def sample(m: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(0, 1, (m, d))
        return x, x @ w_true + rng.normal(0, 1.5, m) > 0

    xt, yt = sample(4_000)
    xv, yv = sample(n_val)
    w = np.zeros(d)
    acc = np.empty(steps)
    for t in range(steps):
        pick = rng.integers(0, len(xt), 32)
        z = xt[pick] @ w
        w -= (lr / 32) * ((1 / (1 + np.exp(-z)) - yt[pick]) @ xt[pick])
        acc[t] = ((xv @ w > 0) == yv).mean()
    return acc


def _one_by_one(series: Series, y: np.ndarray, n_eval: np.ndarray, frozen: np.ndarray) -> np.ndarray:
    """The reference: each run of equal values (and one n) judged alone, every point of it in order,
    cut at the first point chance does not explain; a run once beyond chance stays beyond."""
    out = np.zeros(len(y), dtype=bool)
    start = 0
    beyond: set[tuple[int, int]] = set()
    for i in range(len(y)):
        if i and not abs(y[i] - y[i - 1]) <= TOL:
            start = i
        if not (frozen[i] and math.isfinite(n_eval[i])):
            continue
        key = (start, int(n_eval[i]))
        if key in beyond:
            continue
        q = grid_bins(noise(series, start - 1, WINDOW), int(n_eval[i]), float(y[start]))
        if runs_by_chance(q, np.array([i - start + 1]), np.array([i + 1]))[0]:
            out[i] = True
        else:
            beyond.add(key)
    return out


def _features(y: np.ndarray, n_eval: np.ndarray, lo: int, hi: int) -> AccFeatures:
    idx = np.arange(lo, hi, dtype=np.int64)
    v = y[lo:hi]
    return AccFeatures(idx, idx.astype(np.float64), v, v, v, v, v, idx, n_eval=n_eval[lo:hi])


def _frozen(y: np.ndarray) -> np.ndarray:
    """The last STUCK values within TOL of each other (as acc-stuck's range over its window)."""
    out = np.zeros(len(y), dtype=bool)
    for i in range(STUCK - 1, len(y)):
        w = y[i - STUCK + 1 : i + 1]
        out[i] = w.max() - w.min() <= TOL
    return out


@pytest.mark.parametrize(
    ("fixed", "seed", "n_val", "chunk"), [(True, 0, 100, 1_500), (True, 1, 40, 97), (False, 2, 16, 61)]
)
def test_batched_judgement_equals_judging_each_run_alone(
    fixed: bool, seed: int, n_val: int, chunk: int
) -> None:
    if fixed:
        y = _fixed_eval_run(1_500, seed, n_val)
    else:
        y = batch_eval_run(1_500, seed=seed, eval_batch=n_val)["val_acc"]
    n_eval = np.full(len(y), float(n_val))
    n_eval[1_000:1_003] = 2 * n_val  # (n changes inside whatever run is there)
    n_eval[1_200:1_220] = np.nan  # (n not known)
    run = Run("t", "-", "csv")
    run.add_batch(Batch(len(y), {"val_acc": y}, {}, epoch=np.arange(len(y), dtype=np.float64)))
    series = run.series["val_acc"]
    frozen = _frozen(y)
    want = _one_by_one(series, y, n_eval, frozen)
    runs = ChanceRuns(TOL, WINDOW)
    got = np.concatenate(
        [
            runs.judge(series, _features(y, n_eval, lo, min(lo + chunk, len(y))), frozen[lo : lo + chunk])
            for lo in range(0, len(y), chunk)
        ]
    )
    assert want.sum() > 10  # (runs chance explains)
    assert (frozen & ~want).sum() > 0 or not fixed  # (and runs it does not)
    assert np.array_equal(got, want), np.flatnonzero(got != want)[:10]


def test_bins_of_many_runs_are_each_runs_own_bins() -> None:
    y = batch_eval_run(600, seed=5, eval_batch=32)["val_acc"]
    spread = np.abs(np.diff(y, 2))[:200] + np.r_[0.0, np.zeros(199)]
    spread[[3, 7]] = [0.0, np.nan]  # (a series that never moved; a noise not known)
    value = y[:200].copy()
    value[11] = 1.0  # (a perfect score: the mass past the grid piles on its end)
    n = np.full(200, 32, dtype=np.int64)
    n[20] = 0
    bins = bins_many(spread, n, value)
    for k in range(200):
        assert np.array_equal(bins.one(k), grid_bins(float(spread[k]), int(n[k]), float(value[k]))), k
