"""When several evaluation-set sizes fit the logged accuracies, the text does not state the smallest
as fact: accuracies k/500 printed with 3-4 decimals fit 1/495 (and 1/499) by luck, and 1/500 is as
fine as the printing, so the explanation says "about 495-500 samples"."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.resolution import TREND_DIGITS, GridEstimate, describe


def test_accuracies_on_500_samples_never_read_as_another_size_stated_as_fact() -> None:
    wrong_as_fact = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        grid = GridEstimate(TREND_DIGITS)
        for _ in range(60):
            grid.feed(float(f"{rng.binomial(500, 0.8) / 500:.4f}"))
        if grid.n is None:
            continue
        near = grid.n_near
        text = describe(0.8, grid.n, near)
        # the true size lies in what the text says; a size other than 500 is never stated alone
        lo, hi = grid.n, near if near is not None else grid.n
        if not lo <= 500 <= hi or (grid.n != 500 and "about" not in text):
            wrong_as_fact.append((seed, grid.n, near, text[:120]))
    assert not wrong_as_fact, wrong_as_fact


def test_a_grid_that_alone_fits_is_stated_plainly() -> None:
    # 40 values on 1/53 printed with 7 decimals: only 1/53 fits
    rng = np.random.default_rng(0)
    grid = GridEstimate()
    for _ in range(40):
        grid.feed(float(f"{rng.integers(1, 53) / 53:.7f}"))
    assert grid.n == 53 and grid.n_near is None
    assert "an evaluation set of 53 samples" in describe(0.9, grid.n, grid.n_near)
