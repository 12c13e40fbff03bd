"""A too-high learning rate read as what it is (tester 15, faults 4 and 6): the training loss turns up
from its lowest value beside the validation loss, so the run diverges; it does not overfit.

The runs: a numpy tanh MLP trained by SGD with momentum whose learning rate grows x1.5-1.6 per epoch
(tests/numpy_diverge.py): both losses fall for a few epochs, then rise together by factors of 10-100.
On main an `overfitting` warning stayed open through the rise ("val_loss 0.1946 -> 0.7425 since
epoch 2 while loss 0.179 -> 0.4568", the training loss up from 0.1355), advising regularisation."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer

RUNS = [(1.5, 0), (1.5, 1), (1.6, 0), (1.6, 1)]


@pytest.mark.parametrize(("growth", "seed"), RUNS)
def test_overfitting_never_spans_a_rising_training_loss(tmp_path: Path, growth: float, seed: int) -> None:
    rows, _ = diverging_run(epochs=16, growth=growth, seed=seed)
    (run,) = read_runs(write_jsonl(tmp_path / "metrics.jsonl", rows))
    a = Analyzer(run)
    a.update()
    loss = [r["loss"] for r in rows]
    assert max(loss[-3:]) > 20 * min(loss)  # (the premise: the run diverged)
    for al in a.alerts:
        if al.kind != "overfitting":
            continue
        e = al.evidence
        b, n = int(e["best_x"]), int(e["now_x"])
        low = min(loss[b - 1 : n])  # the training loss's lowest from the validation best to the alert's end
        # the alert's own numbers: the training loss it quotes now is no higher than 1.15x that low
        assert e["train_loss_now"] <= 1.15 * low, (al.title, low)
        assert not al.active, al.title  # (the run ends diverged: no overfitting is open)
    # the divergence itself is reported, on the training loss
    assert any(al.kind == "loss-explosion" and al.data.get("subject") == "loss" for al in a.alerts)
