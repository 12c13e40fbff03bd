"""An overfitting run whose per-batch training loss spikes for one batch does not end with the alert
closed (tester 19, F1b): Lightning logs `train_loss` on step, one batch of 32 at each epoch's end;
its batch at epoch 9 cost 0.189 (7x the epoch before), two epochs later 0.0225, its lowest, while
the validation loss stood at about twice its best to the end. On main the spike released the alert
("epoch 2-8, closed", its text naming only a new best or a return within 2.5 % as closing rules) and
nothing was open at the end but a plateau."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "lightning_spike_overfit" / "metrics.csv"


def test_overfitting_stays_open_after_a_one_batch_spike_of_the_training_loss() -> None:
    rows = list(csv.DictReader(DATA.open()))
    val = [float(r["val_loss"]) for r in rows if r["val_loss"]]
    train = [float(r["train_loss"]) for r in rows if r["train_loss"]]
    # the premise: the run ends with validation loss near twice its best and no new best after it,
    # the training loss back at its lowest of the run after one high batch
    assert val[-1] > 1.8 * min(val) and min(val) == min(val[:3])
    assert train[-1] == min(train) and max(train[-4:]) > 5 * train[-1]
    (run,) = read_runs(DATA)
    a = Analyzer(run)
    a.update()
    over = [al for al in a.alerts if al.kind == "overfitting"]
    assert over and over[-1].active, [(al.title, al.active) for al in over]
    e = over[-1].evidence
    assert abs(e["now_val_loss"] - val[-1]) < 1e-3 and abs(e["train_loss_now"] - train[-1]) < 1e-3
    # its text states the rule that lets it go while the training loss stands risen
    assert "training loss stands risen" in " ".join(over[-1].explanation.split())
