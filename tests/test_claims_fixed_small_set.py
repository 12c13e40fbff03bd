"""`mistakes-carry-loss` at `likely` must be true on small fixed validation sets.

A rise of the validation loss while the training loss falls says the extra cost sits on the
mistakes; it said nothing of the loss already there. At 63 of 64 right (one mistake), a rise of a
few percent left the mistakes 30-40 % of the loss, yet the reading was `likely` (tester 8: truth
0.30). The reason now has to carry the arithmetic: with the right answers no costlier than at the
best, mistakes must carry more than half of the loss, else the reading stays `possible`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_fixed import fixed_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize("seed", [4, 7])
def test_likely_mistakes_carry_loss_agrees_with_the_samples(tmp_path: Path, seed: int) -> None:
    rows, truth = fixed_eval_run(4000, seed=seed, classes=2, n_val=64, spread=3.0)
    (run,) = read_runs(write_jsonl(tmp_path / "train.jsonl", rows))
    a = Analyzer(run)
    a.update()
    share = {t["step"]: t["wrong_loss_share"] for t in truth}
    judged = 0
    for al in a.alerts:
        for c in al.claims:
            if c.id == "mistakes-carry-loss" and c.strength in ("likely", "follows"):
                assert share[int(c.end)] > 0.5, (al.kind, c.strength, c.end, share[int(c.end)], c.text)
                judged += 1
            if c.id == "mistakes-carry-loss" and c.strength == "possible":
                judged += 1
    assert judged  # (the run does raise a rise whose loss is split between mistakes and right answers)
