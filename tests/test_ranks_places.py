"""`ranks.places` counts by bisection what it had counted over every pair (O(n^2): 4.8 s for each
of the compare view's two orders at 5,000 runs, with the feed's lock held: h19t). The ranks are
the pairwise rule's, on values logged at mixed precisions with ties."""

from __future__ import annotations

import numpy as np
import pytest

from lossacc_tui.app.ranks import FULL_DECIMALS, places


def pairwise(ranked: list[tuple[int, str, float, bool]], high: bool, dec: dict[int, int]) -> dict[int, int]:
    """The rule as it was written: 1 + the runs better and not tied (to the coarser precision)."""

    def tied(t: tuple[int, str, float, bool], u: tuple[int, str, float, bool]) -> bool:
        d = min(dec.get(t[0], 17), dec.get(u[0], 17))
        if d >= FULL_DECIMALS:
            return t[2] == u[2]
        return abs(t[2] - u[2]) <= 0.5 * 10.0**-d * (1 + 1e-9)

    return {
        t[0]: 1 + sum(1 for u in ranked if (u[2] > t[2] if high else u[2] < t[2]) and not tied(t, u))
        for t in ranked
    }


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("high", [False, True])
def test_places_are_the_pairwise_ranks(seed: int, high: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    full = rng.uniform(0.3, 0.4, n)
    dec = {k: int(rng.choice([2, 3, 4, 16])) for k in range(n)}
    values = [round(float(v), dec[k]) if dec[k] < 16 else float(v) for k, v in enumerate(full)]
    values[:20] = values[20:40]  # (exact ties too)
    ranked = [(k, f"r{k}", v, False) for k, v in enumerate(values)]
    assert places(ranked, high, dec) == pairwise(ranked, high, dec)
    assert places(ranked, high) == pairwise(ranked, high, {})
