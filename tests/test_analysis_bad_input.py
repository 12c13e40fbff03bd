"""Inputs the analysis cannot reason about as cross-entropy with accuracy, on real logs or real
(numpy) computations: one metric only, a constant series, NaN from the first evaluation, accuracy
in percent, MSE, a summed multi-term detection loss, label-smoothed cross-entropy. No traceback,
no cross-entropy reasoning where the loss is not one, no placeholder where a number belongs."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from numpy_training import keras_csv  # noqa: E402

from benchmarks.truth.score import check_json  # noqa: E402

CORPUS = REPO / "benchmarks" / "truth" / "corpus"
SHARED = REPO.parent / "shared"
CE_CLAIMS = {"mistakes-carry-loss", "right-answers-carry-loss", "confident-mistakes", "underconfident"}
#: a number's place taken by a placeholder: "nan", "inf", "?" after a word like "epoch", "nanx"
PLACEHOLDER = re.compile(r"(?<![A-Za-z])(nan|inf)(?![A-Za-z])|epoch \?|step \?|nanx|infx")


def alerts(path: Path, *extra: str) -> list[dict[str, Any]]:
    doc = check_json([path], list(extra))
    assert doc["version"] == 1 and doc["runs"], path
    return [a for run in doc["runs"] for a in run["alerts"]]


def claim_ids(found: list[dict[str, Any]]) -> set[str]:
    return {c["id"] for a in found for c in a.get("claims", [])}


def no_placeholders(found: list[dict[str, Any]]) -> None:
    for a in found:
        for text in (a["title"], a["explanation"]):
            assert not PLACEHOLDER.search(text), (a["kind"], PLACEHOLDER.search(text), text)


def untrained_model_csv(tmp_path: Path, weight: float, epochs: int = 10) -> Path:
    """A softmax regression on 3 Gaussian classes evaluated every epoch without a single update
    (its weights all equal `weight`): a constant loss and accuracy, or NaN from the first
    evaluation when `weight` is NaN; written as a Keras CSVLogger would."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=300)
    x = rng.normal(0, 1.5, size=(3, 4))[y] + rng.normal(0, 1.0, size=(300, 4))
    z = x @ np.full((4, 3), weight)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = float(-np.log(p[np.arange(300), y]).mean())
    acc = float((p.argmax(axis=1) == y).mean())  # argmax over NaN rows is class 0
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    rows += [f"{e},{acc!r},{loss!r},{acc!r},{loss!r}" for e in range(epochs)]
    path = tmp_path / "training.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_constant_series_raise_no_trend_and_no_placeholder(tmp_path: Path) -> None:
    found = alerts(untrained_model_csv(tmp_path, 0.0))
    kinds = {a["kind"] for a in found}
    assert not kinds & {"loss-explosion", "overfitting", "loss-up-acc-up", "val-degrading", "non-finite"}
    # an untrained model: loss exactly ln 3, accuracy 0.3 (just below 1/3), never moving
    (stuck,) = [a for a in found if a["kind"] == "acc-stuck"]
    assert stuck["severity"] == "warning" and "0.3" in stuck["title"]
    no_placeholders(found)


def test_nan_from_the_first_evaluation_is_critical_and_prints_no_placeholder(tmp_path: Path) -> None:
    found = alerts(untrained_model_csv(tmp_path, float("nan")))
    nan = [a for a in found if a["kind"] == "non-finite"]
    assert nan and all(a["severity"] == "critical" for a in nan)
    assert not claim_ids(found) & CE_CLAIMS
    no_placeholders(found)


def test_one_metric_only(tmp_path: Path) -> None:
    # a real LLM fine-tune: only the training loss (no accuracy at all)
    path = SHARED / "realworld_logs" / "jsonl" / "SFT-Training-LLM__trainer_log.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    found = alerts(path)
    assert not claim_ids(found) & CE_CLAIMS
    no_placeholders(found)
    # and a real run's validation loss alone, with no accuracy beside it
    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=8)
    one = tmp_path / "val_only.csv"
    one.write_text("epoch,val_loss\n" + "".join(f"{e},{r['val_loss']!r}\n" for e, r in enumerate(rows)))
    found = alerts(one)
    assert not claim_ids(found) & CE_CLAIMS
    no_placeholders(found)


def test_percent_accuracy_beside_a_summed_detection_loss() -> None:
    # YOLOv3 in Lightning: train_loss is a sum of box, objectness and class terms (12-170 nats) and
    # the validation accuracies are percentages; the loss ends in NaN
    path = SHARED / "cases" / "formats" / "fmt-11-lightning" / "yolo-lr-adam" / "lightning_logs" / "version_2"
    path = path / "metrics.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    found = alerts(path)
    assert not claim_ids(found) & CE_CLAIMS
    assert not {a["kind"] for a in found} & {"high-loss-good-acc", "acc-at-chance", "acc-stuck"}
    no_placeholders(found)


@pytest.mark.parametrize("seed", ["s0", "s2"])
def test_mse_loss_is_named_and_not_read_as_cross_entropy(seed: str) -> None:
    found = alerts(CORPUS / "mse-keras" / seed / "training.csv")
    assert "not-cross-entropy" in {a["kind"] for a in found}
    assert not claim_ids(found) & CE_CLAIMS
    no_placeholders(found)


@pytest.mark.parametrize("seed", ["s0", "s1", "s2", "s3"])
def test_label_smoothed_cross_entropy_is_not_high_loss_or_a_warning(seed: str) -> None:
    # label smoothing 0.1 keeps the loss well above the floor at near-perfect accuracy
    found = alerts(CORPUS / "label-smoothing-lightning" / seed / "version_0" / "metrics.csv")
    assert not [a for a in found if a["severity"] in ("warning", "critical")], [a["title"] for a in found]
    assert "high-loss-good-acc" not in {a["kind"] for a in found}
    no_placeholders(found)


def test_an_intermittently_infinite_validation_loss_is_told_as_it_happened(tmp_path: Path) -> None:
    """A half-precision evaluation of a real numpy training (tests/numpy_training.py) whose confident
    mistakes underflow to probability 0 on every other epoch: val_loss alternates between a finite
    value and inf. One eval-non-finite alert that says the fault comes and goes, with the latest
    finite value as logged; no loss-explosion (an infinite value has no ratio to a best), and the
    reading of inf as log(0), not as an empty batch."""
    import math

    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=10, classes=2, seed=4, lr=6.0, eval_fp16=True)
    bad = [e for e, r in enumerate(rows) if math.isinf(r["val_loss"])]
    good_after = [e for e, r in enumerate(rows) if math.isfinite(r["val_loss"]) and bad[0] < e < bad[-1]]
    assert bad and good_after and all(math.isfinite(r["train_loss"]) for r in rows)
    path = keras_csv(tmp_path / "training.log", rows)
    found = alerts(path)
    assert "loss-explosion" not in {a["kind"] for a in found}
    (alert,) = [a for a in found if a["kind"] == "eval-non-finite"]
    assert f"at {len(bad)} of {bad[-1] - bad[0] + 1} evaluations" in alert["title"]
    latest = max(e for e, r in enumerate(rows) if math.isfinite(r["val_loss"]))
    assert f"latest finite value is {rows[latest]['val_loss']:.4f} at epoch {latest}" in alert["explanation"]
    assert "log(0)" in alert["explanation"] and "give NaN instead" in alert["explanation"]
    no_placeholders(found)


def test_a_summed_detection_loss_gets_no_cross_entropy_reading() -> None:
    """detectron2's metrics.json (fmt-04): `total_loss` is the sum of `loss_cls`, `loss_box_reg`,
    `loss_mask`, `loss_rpn_*`, and `fast_rcnn/cls_accuracy` one head's accuracy. The total is marked
    a sum of terms and no alert reads it as one cross-entropy (it got high-loss-good-acc, "nats per
    mistake", and a "best total_loss" that later steps had beaten)."""
    from conftest import read_runs

    path = SHARED / "cases" / "formats" / "fmt-04-detectron2" / "output"
    if not path.exists():
        pytest.skip("../shared/cases is not present")
    runs = read_runs(path)
    assert runs and all(r.series["total_loss"].loss_kind == "sum-of-terms" for r in runs)
    found = alerts(path)
    assert not {"high-loss-good-acc", "loss-up-acc-up", "acc-flat-loss-down"} & {a["kind"] for a in found}
    assert not CE_CLAIMS & claim_ids(found)


def test_high_loss_good_acc_quotes_the_best_loss_logged_up_to_its_point(tmp_path: Path) -> None:
    """The numbers of a real detectron2 run (fmt-04, its complete 300-iteration run) with only the
    total loss and one head's accuracy kept: the loss falls at every logged step while the alert is
    open, and the best it quotes is the lowest logged up to the point it describes (it quoted the
    best of the moment it opened, 1.4363 at step 79, beside 0.7756 at step 179)."""
    import json

    src = SHARED / "cases" / "formats" / "fmt-04-detectron2" / "output" / "metrics.json"
    if not src.exists():
        pytest.skip("../shared/cases is not present")
    rows = [json.loads(line) for line in src.read_text().splitlines()][1:]  # (line 1: an earlier run)
    log = tmp_path / "metrics.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "iteration": r["iteration"],
                    "loss": r["total_loss"],
                    "accuracy": r["fast_rcnn/cls_accuracy"],
                }
            )
            + "\n"
            for r in rows
        )
    )
    found = [a for a in alerts(log) if a["kind"] == "high-loss-good-acc"]
    assert found
    for a in found:
        upto = [r["total_loss"] for r in rows if r["iteration"] <= a["evidence"]["now_x"]]
        assert a["evidence"]["best_loss"] == pytest.approx(min(upto)), a["title"]


def test_an_evaluation_fault_followed_by_a_training_one_no_longer_says_training_is_finite(
    tmp_path: Path,
) -> None:
    """The half-precision evaluation above (val_loss inf from epoch 1), and from epoch 6 on the
    training loss NaN as a NaN input batch leaves it (every later step NaN; logged as such). The
    eval-non-finite alert opened while training was finite; once training is NaN too its title,
    text and claims must not say "training is finite" any more (they did, beside the critical
    non-finite alert on the training loss)."""
    import math

    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=10, classes=2, seed=4, lr=6.0, eval_fp16=True)
    for r in rows[6:]:
        r["train_loss"] = math.nan
    path = keras_csv(tmp_path / "training.log", rows)
    found = alerts(path)
    assert "non-finite" in {a["kind"] for a in found}
    (alert,) = [a for a in found if a["kind"] == "eval-non-finite"]
    text = alert["title"] + alert["explanation"]
    assert "training is finite" not in text and "Training stays finite" not in text
    assert "evaluation-broken" not in {c["id"] for c in alert["claims"]}
    assert "then the training loss too" in alert["title"]
    no_placeholders([alert])  # (the non-finite alert's own text names 'NaN or inf' as words)
