"""A long backlog analysed at once (the first load: whole arrays, the vectorised paths of
`stats.at_or_before`, `gridfeed.first_seen`, `rise.min_depth`'s table, `consistency.inconsistent`)
gives what the same run gives when its points arrive in appends, alert for alert: kinds, severities,
spans, titles, evidence, claims, explanations, the state band and the summary.

The run is a real numpy training (`benchmarks.bench_analysis.train`: logistic regression by
minibatch SGD, the loss and accuracy of a random 64-sample validation batch logged at every step):
noisy, so alerts open, close and merge along the way.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossacc_tui.analysis.analyzer as analyzer_mod
from benchmarks.bench_analysis import feed, rows, train
from lossacc_tui.analysis import Analyzer, lookups
from lossacc_tui.analysis.consistency import inconsistent
from lossacc_tui.analysis.detectors.base import lookup_level
from lossacc_tui.analysis.detectors.rise import _min_depth, min_depth
from lossacc_tui.analysis.gridfeed import first_seen
from lossacc_tui.analysis.stats import at_or_before
from lossacc_tui.model import Run

N = 5_000


@pytest.fixture(scope="module")
def sgd() -> dict[str, np.ndarray]:
    return rows(N, train(N, val_batch=64, lr=0.2))


def _snap(a: Analyzer) -> tuple[list[dict], list[dict], str]:
    return [x.to_dict() for x in a.alerts], [s.to_dict() for s in a.states], a.summary()


def _appended(cols: dict[str, np.ndarray], cuts: list[int]) -> Analyzer:
    run = Run("sgd", "-", "csv")
    a = Analyzer(run)
    pos = 0
    for hi in [*cuts, N]:
        feed(run, cols, pos, hi)
        a.update()
        pos = hi
    return a


def test_backlog_at_once_equals_appends(sgd: dict[str, np.ndarray]) -> None:
    run = Run("sgd", "-", "csv")
    feed(run, sgd, 0, N)
    whole = Analyzer(run)
    whole.update()
    alerts, states, _ = got = _snap(whole)
    assert len(alerts) >= 3 and len(states) >= 4  # (a run that exercises opening, closing, merging)
    # appends of a live log: a first read, then small and large appends
    assert _snap(_appended(sgd, [100, 2_000, 2_064, 4_200, 4_207, 4_990])) == got


def test_backlog_in_blocks_equals_at_once(
    sgd: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog longer than a block is analysed block by block: where blocks start changes nothing."""
    run = Run("sgd", "-", "csv")
    feed(run, sgd, 0, N)
    whole = Analyzer(run)
    whole.update()
    monkeypatch.setattr(analyzer_mod, "BLOCK", 1_111)
    blocks = Analyzer(run)
    blocks.update()
    assert _snap(blocks) == _snap(whole)


def test_same_row_lookups_equal_binary_search(sgd: dict[str, np.ndarray]) -> None:
    """x of one series looked up in another's x column: the numbers np.searchsorted gives, for the
    same rows, a run's best-so-far x (runs of one value), random x and x outside the column."""
    col = sgd["step"][: N // 2]
    best_idx = np.minimum.accumulate(np.argsort(np.argsort(sgd["val_loss"][: N // 2])))
    rng = np.random.default_rng(0)
    for xs in (
        col[1_000:2_000],
        col[N // 2 - 500 :],
        col[best_idx],
        np.sort(rng.uniform(-5, N, 400)),
        rng.uniform(-5, N, 400),
        np.concatenate([[np.nan], col[:300]]),
    ):
        assert np.array_equal(at_or_before(col, xs), np.searchsorted(col, xs, side="right") - 1)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 9_000),
    grid=st.sampled_from([64, 400, 10_000]),
    given_k=st.integers(0, 30),
    seed=st.integers(0, 2**16),
)
def test_first_occurrences_equal_a_full_sort(n: int, grid: int, given_k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    acc = rng.binomial(grid, 0.7, n) / grid  # accuracies of a `grid`-sample evaluation set
    given_set = set(acc[:given_k].tolist())
    uniq, first = np.unique(acc, return_index=True)
    want = sorted(i for u, i in zip(uniq.tolist(), first.tolist(), strict=True) if u not in given_set)
    assert first_seen(acc, given_set).tolist() == want


def test_noise_depth_table_equals_its_formula() -> None:
    n = np.arange(-3, 300_000)
    assert np.array_equal(min_depth(n), _min_depth(n))
    assert np.array_equal(min_depth(n[::-97]), _min_depth(n[::-97]))


def test_inconsistent_pairs_as_judged_one_by_one() -> None:
    """The whole-array verdict is each evaluation's own: judged alone, every pair gets the same
    (losses and accuracies near the floor and near chance, NaN, inf, out of range)."""
    rng = np.random.default_rng(7)
    n = 600
    acc = np.concatenate(
        [rng.uniform(-0.1, 1.1, n // 2), rng.choice([0.1, 0.25, 1 / 3, 0.38, 0.4, 0.0, 1.0, np.nan], n // 2)]
    )
    loss = rng.choice([0.0, 1e-7, 0.05, 0.3, 0.5, 0.69, 2.0, np.nan, np.inf, -np.inf], n) * rng.uniform(
        0.5, 1.5, n
    )
    for k in (None, 1, 2, 3, 10):
        whole = inconsistent(loss, acc, k)
        alone = [int(inconsistent(loss[i : i + 1], acc[i : i + 1], k)[0]) for i in range(n)]
        assert whole.tolist() == alone
        assert {1, 2} <= set(alone) or k == 1  # (both rules are met somewhere)


def test_level_lookups_kept_between_appends_equal_fresh_ones(sgd: dict[str, np.ndarray]) -> None:
    """`lookup_level` keeps its running sums between updates (an update costs its new points): after
    each append, and after the oldest points are folded (`--keep`), it gives what it gives computed
    from scratch."""
    run = Run("sgd", "-", "csv")
    pos = 0
    for hi in (700, 701, 1_500, 3_000, 3_200, N):
        feed(run, sgd, pos, hi)
        pos = hi
        acc = run.series["val_acc"]
        if hi == 3_000:
            assert acc.fold(500)
        xs = sgd["step"][max(0, hi - 900) : hi]
        kept = lookup_level(acc, "epoch", xs, 5)
        lookups._SUMS.clear()
        assert np.array_equal(kept, lookup_level(acc, "epoch", xs, 5), equal_nan=True)
