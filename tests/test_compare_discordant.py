"""runs-disagree's discordant pair (a clearly lower final loss, a clearly lower final accuracy) is
found among every pair of runs in numpy blocks: the same pair as the definition's double loop, ties
going to the first pair in the runs' order, also across block edges. (A run's final values are
finite: `compare._point` takes the last evaluation where both are.)"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from lossacc_tui.analysis import compare
from lossacc_tui.analysis.compare import _discordant
from lossacc_tui.analysis.params import Params


def _by_definition(points: list, p: Params) -> tuple | None:
    best = None
    for a in points:
        for b in points:
            lower_loss = a.final_loss < b.final_loss * (1 - p.runs_loss_tol)
            lower_acc = a.final_acc <= b.final_acc - p.runs_acc_gap
            if lower_loss and lower_acc and (best is None or b.final_acc - a.final_acc > best[0]):
                best = (b.final_acc - a.final_acc, a, b)
    return None if best is None else (best[1], best[2])


def test_the_pair_is_the_definitions_on_random_sweeps_with_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare, "PAIR_BLOCK", 200)  # (blocks of a few rows: their edges are crossed)
    p = Params()
    rng = np.random.default_rng(3)
    for trial in range(400):
        n = int(rng.integers(0, 40))
        loss = np.round(rng.uniform(0.1, 1.0, n), int(rng.integers(1, 3)))  # rounded: many ties
        acc = np.round(rng.uniform(0.3, 1.0, n), int(rng.integers(1, 3)))
        points = [
            SimpleNamespace(final_loss=float(lo), final_acc=float(ac))
            for lo, ac in zip(loss, acc, strict=True)
        ]
        want, got = _by_definition(points, p), _discordant(points, p)  # type: ignore[arg-type]
        assert (want is None) == (got is None), trial
        if want is not None and got is not None:
            assert want[0] is got[0] and want[1] is got[1], trial
