"""`loss-down-acc-down` is no warning for a fall within the binomial noise of the evaluation set
(tester 17, fault 11): the fall from the accuracy's best level to its level now is a difference of
two evaluations of one set, whose count of mistakes moves by about sqrt(b + c) samples when b samples
turn wrong and c turn right with nothing changed; b + c is bounded by the mistakes at both ends and
by the flips the accuracy's own evaluation-to-evaluation noise implies. Runs: tester 17's Lightning
label-noise run (tests/data/tester17_live_pl_noise/README.md; 20 of 540 samples change side every
epoch) and a numpy softmax model trained by SGD on fresh data every step (it cannot overfit; its
accuracy on 200 fixed samples wanders, its peak a lucky draw). A real fall still warns (tester 16's
slow overfit, 32 -> 55 mistakes of 600, in tests/test_loss_down_rising_again.py; `underreported-8`
in tests/test_analysis_small_eval.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs
from numpy_sgd import sgd_run

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Batch, Run

LIVE = Path(__file__).parent / "data" / "tester17_live_pl_noise" / "metrics.csv"


# (on main: "[warning] loss-down-acc-down: val_acc 0.939 -> 0.928 while val_loss improved 0.6672 ->
# 0.6077", opened at epoch 56 on a level fall of 2.4 points, 2.0 binomial standard errors of one
# evaluation, against a best level that is the highest of 18)
def test_lightning_label_noise_run_churning_within_noise() -> None:
    (run,) = read_runs(LIVE)
    a = Analyzer(run)
    a.update()
    assert [al.title for al in a.alerts if al.kind == "loss-down-acc-down"] == []


# (on main: "val_acc 0.705 -> 0.68 while val_loss improved 0.922 -> 0.7264", steps 838-882, a level 6.8
# points below a best level that was the highest of 800, on 200 samples)
def test_sgd_on_fresh_data_has_no_fall() -> None:
    cols = dict(sgd_run(1000, seed=1))
    run = Run("sgd", "-", "csv")
    run.add_batch(Batch(1000, cols, {}, epoch=np.arange(1000, dtype=np.float64)))
    a = Analyzer(run)
    a.update()
    assert [al.title for al in a.alerts if al.kind == "loss-down-acc-down"] == []
