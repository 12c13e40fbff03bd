"""A held accuracy beside a training loss near 0 is not told as a model predicting one class
(tester 27 T9): a real scikit-learn MLPClassifier memorising a small noisy training set, its
validation score held at one value for 145 epochs while its training loss fell to 0.0005. A model
predicting one class would pay at least (1 - acc) ln 2 nats a training sample on average."""

from __future__ import annotations

import io
import math
import re
from contextlib import redirect_stdout
from pathlib import Path

import orjson

from lossacc_tui import cli

DATA = Path(__file__).parent / "data"


def _alerts(path: Path, kind: str) -> list[dict]:  # type: ignore[type-arg]
    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["check", "--json", str(path)])
    return [a for r in orjson.loads(out.getvalue())["runs"] for a in r["alerts"] if a["kind"] == kind]


def _claims(path: Path, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [c for a in _alerts(path, kind) for c in a["claims"]]


def _last(path: Path, prefix: str) -> float:
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith(prefix)]
    return float(re.split(r"[=:]", lines[-1])[-1])


def test_memorised_training_set_disfavours_one_class() -> None:
    log = DATA / "sklearn_memorised" / "mlp.log"
    (claim,) = [c for c in _claims(log, "acc-stuck") if c["id"] == "one-class-predictor"]
    assert "the training loss disfavours it" in claim["text"]
    acc, train = _last(log, "Validation score"), _last(log, "Iteration")
    bound = (1 - acc) * math.log(2)
    assert f"= {bound:.4f} nats" in claim["text"]  # (the run's own numbers)
    assert f"{train:.2e}" in claim["text"]
    (alert,) = _alerts(log, "acc-stuck")
    text = " ".join(alert["explanation"].split())
    assert "(possible). The reading the numbers favour: the model predicts several classes" in text
    assert "Another reading: the model predicts several classes" not in text  # (said once)


def test_a_model_predicting_one_class_keeps_the_reading() -> None:
    """The Keras run of tests/data/imbalance95 predicts the majority class for every sample (its
    truth file says so): its training loss is above (1 - acc) ln 2, nothing disfavours it."""
    texts = [c["text"] for c in _claims(DATA / "imbalance95" / "keras_cut8.log", "acc-stuck")]
    assert texts
    assert not any("disfavours" in t for t in texts)


def test_a_non_finite_validation_loss_keeps_the_one_class_reading() -> None:
    """text_gcn#130 (`../shared/cases/analysis/rw-10`): val_loss NaN at every epoch, val_acc held at
    0.32117 while training fits (train_loss 0.0585). NaN logits on the validation samples alone
    give one fixed argmax class: the training loss says nothing of those predictions."""
    case = Path(__file__).parents[2] / "shared" / "cases" / "analysis" / "rw-10-textgcn130-valloss-nan"
    if not case.exists():
        import pytest

        pytest.skip("../shared/cases is not beside the repository")
    (alert,) = _alerts(case / "train_output.txt", "acc-stuck")
    assert "one class" in alert["explanation"]
    assert "disfavours" not in alert["explanation"]
    assert "argmax over NaN logits" in alert["explanation"]
