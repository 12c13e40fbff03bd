"""The one-class / chance readings on real numpy training (issue #9, tester 8's faults 1, 6 and 7),
each checked against the per-sample facts of the same run:

- a healthy softmax model scored every 20 steps on one fixed 32-sample batch (K = 4) holds its
  accuracy frozen for hundreds of evaluations; acc-stuck called it "the model predicts the most
  frequent class" (`likely`, a warning) while it predicted that class for a third of the samples.
  Its per-step training batches refute one fixed output (their losses do not follow their
  accuracies), and its loss sits below what a constant guess costs;
- a network collapsed to the majority class of 95/5 labels scored 0.9525 and was passed over (a
  bound at 0.95); any majority share of a set with a minority of a few samples now opens;
- a K = 5 run whose inputs carry no signal, logged with its training columns, got no
  acc-at-chance: its training accuracy rose above 1/5 (memorised training samples) while the
  training loss stayed at ln 5, and that is enough to name K."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_softmax import epoch_run, step_run

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.batch_fit import batch_r2
from lossacc_tui.analysis.params import Params


def _alerts(path: Path) -> list[Alert]:
    (log,) = read_runs(path)
    a = Analyzer(log)
    a.update()
    return a.alerts


@pytest.mark.parametrize("seed", [4, 5])
def test_a_healthy_run_on_a_fixed_small_batch_is_not_called_one_class(tmp_path: Path, seed: int) -> None:
    facts = step_run(tmp_path / "metrics.csv", k=4, steps=1000, seed=seed, sep=2.5)
    # the premise, from the per-sample facts: the accuracy is frozen for many evaluations, and no
    # more than 40 % of the samples are ever predicted as one class
    assert max(facts.pred_major) <= 0.4 and max(facts.acc) >= 0.8
    assert len(set(facts.acc[-30:])) == 1
    alerts = _alerts(tmp_path / "metrics.csv")
    for al in alerts:
        if al.kind == "acc-stuck":
            assert al.severity == "info", al.title
        for c in al.claims:
            assert not (c.id in ("at-majority-rate", "one-class-predictor") and c.strength == "likely"), (
                c.text
            )


def test_a_per_step_collapse_is_still_likely_one_class(tmp_path: Path) -> None:
    # 85/15 labels whose inputs carry nothing: the model predicts the majority for every sample, and
    # its per-step training losses follow the batch accuracies (one fixed output)
    facts = step_run(tmp_path / "metrics.csv", k=2, steps=1000, seed=1, imb=0.85, signal=0.0)
    assert min(facts.pred_major) == 1.0
    (log,) = read_runs(tmp_path / "metrics.csv")
    a = Analyzer(log)
    a.update()
    stuck = [al for al in a.alerts if al.kind == "acc-stuck"]
    assert stuck and stuck[-1].severity == "warning", [al.title for al in a.alerts]
    assert {c.id: c.strength for c in stuck[-1].claims}.get("one-class-predictor") == "likely"


def test_per_step_batches_tell_one_fixed_output_from_a_model_using_its_inputs(tmp_path: Path) -> None:
    step_run(tmp_path / "h" / "metrics.csv", k=4, steps=1000, seed=5, sep=2.5)
    step_run(tmp_path / "c" / "metrics.csv", k=2, steps=1000, seed=1, imb=0.85, signal=0.0)
    r2 = {}
    for name in ("h", "c"):
        (log,) = read_runs(tmp_path / name / "metrics.csv")
        a = Analyzer(log)
        a.update()
        ctx = next(d.ctx for d in a._detectors if d.kind == "acc-stuck")
        r2[name] = batch_r2(ctx, np.array([500.0, 1000.0]), 6)
    assert (r2["c"] > 0.9).all() and (r2["h"] < 0.85).all(), r2


@pytest.mark.parametrize("seed", [4, 3])
def test_a_95_5_collapse_opens_acc_stuck_with_the_majority_reading(tmp_path: Path, seed: int) -> None:
    facts = epoch_run(tmp_path / "log.csv", k=2, imb=0.95, signal=0.0, seed=seed, n_val=400)
    # the premise: every validation sample is predicted as the majority class, which is over 95 %
    assert min(facts.pred_major) == 1.0 and facts.acc[-1] > 0.95
    stuck = [al for al in _alerts(tmp_path / "log.csv") if al.kind == "acc-stuck"]
    assert stuck, "a 95/5 collapse raised no acc-stuck"
    ids = {c.id for c in stuck[-1].claims}
    assert {"at-majority-rate", "one-class-predictor"} <= ids


def test_a_no_signal_run_with_training_columns_is_at_chance(tmp_path: Path) -> None:
    facts = epoch_run(tmp_path / "log.csv", k=5, signal=0.0, seed=0)
    # the premise: held-out accuracy about 1/5 while the training accuracy rose above it
    assert all(0.15 <= a <= 0.25 for a in facts.acc)
    text = (tmp_path / "log.csv").read_text().splitlines()
    assert float(text[-1].split(",")[1]) > 0.25  # (training accuracy: memorised samples)
    chance = [al for al in _alerts(tmp_path / "log.csv") if al.kind == "acc-at-chance"]
    assert chance and chance[0].severity == "warning"
    (claim,) = [c for c in chance[0].claims if c.id == "at-chance"]
    assert claim.strength == "likely" and "1/5" in claim.text
    # the claim says where K came from without calling the training accuracy chance
    assert "above 1/5" in claim.text


def test_validation_predictions_that_never_change_while_training_fits_are_named(tmp_path: Path) -> None:
    # tester 7's fault 5: a ReLU network fits its training data (accuracy 0.95-0.99) while every
    # validation input, moved by one covariate shift, lands on one side of its boundary: validation
    # accuracy 0.52 at all 50 evaluations, its loss climbing 1.7 -> 6.8 nats
    facts = epoch_run(tmp_path / "log.csv", k=2, seed=12, n_val=200, shift=2.0, hidden=32, epochs=50)
    assert min(facts.pred_major) == 1.0 and len(set(facts.acc)) == 1  # (the premise, per sample)
    frozen = [al for al in _alerts(tmp_path / "log.csv") if al.kind == "val-frozen"]
    assert frozen and frozen[0].severity == "warning"
    claims = {c.id: c for c in frozen[0].claims}
    # what the numbers allow is said as such, with what decides
    assert claims["one-class-predictor"].strength == "possible"
    assert {claims["evaluation-broken"].strength, claims["split-unlike-training"].strength} == {"possible"}
    assert "predicted-class counts" in claims["one-class-predictor"].others
    assert frozen[0].evidence["acc_now"] == pytest.approx(0.52)


@pytest.mark.parametrize("seed", [4, 5])
def test_a_healthy_accuracy_stable_on_a_fixed_batch_is_not_called_frozen(tmp_path: Path, seed: int) -> None:
    facts = step_run(tmp_path / "metrics.csv", k=4, steps=1000, seed=seed, sep=2.5)
    assert len(set(facts.acc[-30:])) == 1  # (stable at a high value: 0.81-0.88)
    assert not [al for al in _alerts(tmp_path / "metrics.csv") if al.kind == "val-frozen"]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_learning_rate_far_too_high_is_read_as_confident_mistakes_with_k_known(
    tmp_path: Path, seed: int
) -> None:
    # tester 8's fault 8: SGD at lr 30 on 4 Gaussian classes: accuracy 0.45-0.76 (well above 1/4)
    # while the validation loss sits far above ln 4, the mistakes carrying nearly all of it; only
    # `plateau` was raised, even with the class count given
    facts = epoch_run(tmp_path / "log.csv", k=4, seed=seed, lr=30.0, epochs=30)
    assert min(facts.acc) > 0.375 and min(facts.wrong_loss) > 0.9  # (the premise, per sample)
    (log,) = read_runs(tmp_path / "log.csv")
    a = Analyzer(log, Params(n_classes=4))
    a.update()
    high = [al for al in a.alerts if al.kind == "high-loss-good-acc"]
    assert high and high[-1].severity == "warning"
    (claim,) = [c for c in high[-1].claims if c.id == "mistakes-carry-loss"]
    assert claim.strength == "follows"
    # the text never puts the accuracy above a bar it is below
    e = high[-1].evidence
    assert e["now_acc"] >= e["good_acc_threshold"]
