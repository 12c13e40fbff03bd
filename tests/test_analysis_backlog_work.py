"""A backlog's first analysis (issue #12: a 1,000,000-row log's alerts within 3 s) on a real numpy
SGD training logged at every step. `loss-explosion`'s step rule tested every point standing 10 %
above the loss's best level with one Python call each (`explosion_step.step_up`): on a noisy
per-step loss a quarter of the points, the largest cost of the backlog. Those whose rise over the
value before is under 20 times the noise are now dropped in a few array passes (`may_step`, a
necessary condition: no point `step_up` accepts is dropped), and `step_up` judges the few left.
The other whole-array shortcuts of that backlog give the answers the general paths give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossacc_tui.analysis.detectors.explosion as explosion
import lossacc_tui.analysis.detectors.stuck_windows as stuck_windows
from benchmarks.bench_analysis import feed, rows, train
from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors.explosion_step import STEP_NOISE, STEP_Z, may_step, step_candidates
from lossacc_tui.analysis.detectors.series_at import noise
from lossacc_tui.analysis.detectors.train_rose import _mean_of_eight, min_since_best
from lossacc_tui.model import Batch, Run

N = 6_000


@pytest.fixture(scope="module")
def noisy() -> dict[str, np.ndarray]:
    return rows(N, train(N, val_batch=64))


def _alerts(cols: dict[str, np.ndarray], n: int) -> list[tuple[object, ...]]:
    run = Run("sgd", "-", "csv")
    feed(run, cols, 0, n)
    a = Analyzer(run)
    a.update()
    return [(al.kind, al.start, al.end, al.title, sorted(al.evidence.items())) for al in a.alerts]


def test_the_step_rule_calls_step_up_for_few_points_of_a_noisy_backlog(
    noisy: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = explosion.step_up

    def counted(ctx: object, series: object, i: int, x: float) -> object:
        calls.append(i)
        return real(ctx, series, i, x)  # type: ignore[arg-type]

    monkeypatch.setattr(explosion, "step_up", counted)
    _alerts(noisy, N)
    # the case: hundreds of points stand 10 % above the training loss's best level
    y = noisy["train_loss"]
    best = np.minimum.accumulate(y)
    assert int(step_candidates(y, best).sum()) >= N // 10
    # ... and step_up judges only the few whose rise can be 20 noises
    assert len(calls) <= N // 100


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(3, 3_000),
    st.floats(0.0, 0.05),
    st.sampled_from([None, 1, 2, 4]),
)
def test_may_step_keeps_every_point_step_up_accepts(
    seed: int, n: int, bad: float, digits: int | None
) -> None:
    rng = np.random.default_rng(seed)
    y = np.abs(rng.normal(1.0, rng.uniform(0.001, 0.5), n))
    if digits is not None:  # (a printed log: many equal values, noise 0 over a stretch)
        y = np.round(y, digits)
    hit = rng.random(n) < bad
    y[hit] = rng.choice([np.nan, np.inf], size=int(hit.sum()))
    jumps = rng.integers(0, n, 5)
    y[jumps] += rng.uniform(0.0, 5.0, 5)
    run = Run("t", "-", "csv")
    run.add_batch(Batch(n, {"train_loss": y}, {}, epoch=np.arange(n, dtype=np.float64)))
    s = run.series["train_loss"]
    idx = np.arange(n)
    keep = may_step(s, idx)
    for i in np.flatnonzero(~keep).tolist():
        before = float(s.raw[i - 1]) if i >= 1 else math.nan
        sig = noise(s, i - 1, STEP_NOISE)
        assert not (math.isfinite(before) and math.isfinite(sig) and float(s.raw[i]) - before >= STEP_Z * sig)


def test_acc_stuck_reads_a_long_chunk_as_its_general_windows_do(monkeypatch: pytest.MonkeyPatch) -> None:
    # a clean run (validation on a fixed 400-sample set): long stretches of one accuracy
    cols = rows(N, train(N // 2))
    fast = _alerts(cols, N)
    monkeypatch.setattr(stuck_windows, "ONE_LOOKUP_UNDER", 10**9)  # (every chunk: the whole windows)
    assert fast == _alerts(cols, N)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**32 - 1), st.integers(1, 600), st.integers(0, 600), st.sampled_from([np.nan, 0.5, 0.0])
)
def test_min_since_best_is_the_lowest_value_since_each_best(
    seed: int, n: int, bests: int, carried: float
) -> None:
    rng = np.random.default_rng(seed)
    vals = np.round(rng.normal(1.0, 0.5, n), 1)
    hit = rng.random(n) < 0.05
    vals[hit] = rng.choice([np.nan, np.inf, 0.0, -0.0], size=int(hit.sum()))
    best_idx = 100 + np.cumsum(np.isin(np.arange(n), rng.integers(0, n, bests)))
    got = min_since_best(vals, best_idx, 100, carried)
    want = np.empty(n)
    low = carried if math.isfinite(carried) else math.inf
    for k in range(n):
        if best_idx[k] != (best_idx[k - 1] if k else 100):
            low = math.inf
        if math.isfinite(vals[k]):
            low = min(low, float(vals[k]))
        want[k] = low if math.isfinite(low) else math.nan
    assert np.array_equal(got, want, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(8, 400), st.floats(-30.0, 30.0))
def test_the_mean_of_eight_is_numpys_mean_of_each_eight(seed: int, n: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    v = np.abs(rng.normal(size=n)) * math.exp(scale) * np.exp(rng.normal(size=n) * 3)
    want = np.array([np.mean(v[s : s + 8]) for s in range(n - 7)])
    assert _mean_of_eight(v).tobytes() == want.tobytes()
