"""`Latch.feed(gate=...)`: an alert whose condition has held long enough opens only at a point where
the gate holds (loss-up-acc-up: only where the logged accuracy holds, not only its level). The
vectorized path (chunks over 256 points, a one-shot analysis) and the point-by-point one must give
the same transitions as the obvious reference, however the points are chunked."""

from __future__ import annotations

import numpy as np
import pytest

from lossacc_tui.analysis.alerts import Latch


def _reference(op: np.ndarray, cl: np.ndarray, gate: np.ndarray, n_open: int, n_close: int) -> list:
    out, active, ro, rc = [], False, 0, 0
    for i, (o, c, g) in enumerate(zip(op.tolist(), cl.tolist(), gate.tolist(), strict=True)):
        ro = ro + 1 if o else 0
        rc = rc + 1 if c else 0
        if not active and ro >= n_open and g:
            out.append(("open", i, i - ro + 1))
            active = True
        elif active and rc >= n_close:
            out.append(("close", i, i - rc))
            active = False
    return out


def _runs(rng: np.random.Generator, m: int, mean: float) -> np.ndarray:
    """A boolean array of m points in runs (lengths geometric with the given mean)."""
    out, v = [], bool(rng.integers(2))
    while len(out) < m:
        out += [v] * int(rng.geometric(1.0 / mean))
        v = not v
    return np.array(out[:m])


@pytest.mark.parametrize("seed", range(12))
def test_a_gated_latch_equals_the_point_by_point_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(300, 900))
    n_open, n_close = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    op = _runs(rng, m, 6.0)
    cl = _runs(rng, m, 4.0) & ~op
    gate = _runs(rng, m, 2.5)
    want = _reference(op, cl, gate, n_open, n_close)
    assert any(w[0] == "open" for w in want)
    for cuts in ([m], [257, m], sorted({int(c) for c in rng.integers(1, m, 5)} | {m})):
        latch, got, lo = Latch(n_open, n_close), [], 0
        for hi in cuts:
            got += latch.feed(op[lo:hi], cl[lo:hi], lo, None, gate[lo:hi])
            lo = hi
        assert got == want, cuts
