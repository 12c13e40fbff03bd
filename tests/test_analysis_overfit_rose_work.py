"""Overfitting's divergence test (the training loss rose from its lowest since the validation best
beyond its own noise) measures that noise at every row the cheap tests pass, which on a noisy
per-step log is most rows: it did so with one Python call per row, each taking the whole chunk's
validation rise again (a 1M-row backlog: minutes, growing with the square of the rows). It now
measures them all in whole-array passes, with the same values bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossacc_tui.analysis.detectors.overfitting_train as overfitting_train
from benchmarks.bench_analysis import feed, rows, train
from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors.train_rose import noise_before, noise_before_rows
from lossacc_tui.model import Run

N = 6_000


@pytest.fixture(scope="module")
def sgd() -> dict[str, np.ndarray]:
    return rows(N, train(N, val_batch=64))


def test_the_noise_of_a_backlog_is_measured_in_a_few_calls_not_one_per_row(
    sgd: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    real = overfitting_train.rose_from_low

    def counted(now: np.ndarray, *args: object) -> np.ndarray:
        sizes.append(len(now))
        return real(now, *args)

    monkeypatch.setattr(overfitting_train, "rose_from_low", counted)
    run = Run("sgd", "-", "csv")
    feed(run, sgd, 0, N)
    a = Analyzer(run)
    a.update()
    _ = a.alerts
    # the case: thousands of rows judged against their noise (the cheap tests pass on most rows)
    assert sum(sizes[1:]) >= N // 4
    # ... by the detector's two calls, not one more call per row
    assert len(sizes) <= 2


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 300),
    st.integers(1, 400),
    st.floats(0.0, 0.3),
)
def test_the_noise_of_many_rows_is_each_rows_noise_bit_for_bit(
    seed: int, window: int, n: int, bad: float
) -> None:
    rng = np.random.default_rng(seed)
    hist = np.exp(rng.normal(size=n) * rng.uniform(0.01, 2.0))
    hit = rng.random(n) < bad
    hist[hit] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -1.0], size=int(hit.sum()))
    rows_ = rng.integers(0, n + 1, size=50)
    best = rows_ - rng.integers(0, 3 * window + 2, size=50)
    got = noise_before_rows(hist, rows_, best, window)
    want = np.array([noise_before(hist, int(r), int(b), window) for r, b in zip(rows_, best, strict=True)])
    assert got.tobytes() == want.tobytes()
