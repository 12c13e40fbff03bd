"""A fine-tune-like run of 6 epochs, checked against its per-sample truth: the trend kinds that
open from its few evaluations say how little evidence they have, and what they claim is true.

Data: a one-hidden-layer ReLU network trained by numpy with Adam on 40 training samples with 20 %
of labels moved (tests/numpy_adam.py), logged as Keras' CSVLogger logs it, each validation
sample's cross-entropy and rightness kept beside the log."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui.cli import main

TREND = ("overfitting", "loss-up-acc-up")


def _alerts(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict]:
    main(["check", "--json", str(path)])
    return [a for r in json.loads(capsys.readouterr().out)["runs"] for a in r["alerts"]]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_trend_alerts_of_a_six_epoch_run_say_little_evidence_and_are_true(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    rows, truth = adam_mlp_run(
        seed=seed, classes=3, n_train=40, n_val=300, epochs=6, hidden=128, lr=0.02, wd=0.0, label_noise=0.2
    )
    alerts = _alerts(capsys, write_keras_csv(tmp_path / "training.csv", rows))
    losses, right = truth["losses"], truth["right"]  # (epochs, n_val): nats, bool
    mean = losses.mean(axis=1)
    # (what the run shows: the validation cross-entropy ends >= 10 % above its best, the training
    # loss far below where it was then)
    best = int(np.argmin(mean))
    assert mean[-1] >= 1.1 * mean[best] and rows[-1]["loss"] < 0.5 * rows[best]["loss"]
    trend = [a for a in alerts if a["kind"] in TREND and a["severity"] in ("warning", "critical")]
    assert any(a["kind"] == "overfitting" for a in trend)
    for a in trend:
        text = " ".join(a["explanation"].split())
        sure = text.split("How sure.", 1)[1]
        assert sure.lstrip(" *").startswith("Little evidence"), (a["kind"], sure[:200])
        for c in a["claims"]:
            e = int(c["end"])  # (Keras' epochs: 0-based, the truth's rows)
            s = int(c["start"])
            if c["id"] == "mistakes-carry-loss":
                assert losses[e][~right[e]].sum() > 0.5 * losses[e].sum()
            elif c["id"] == "right-answers-carry-loss":
                assert losses[e][right[e]].sum() > 0.5 * losses[e].sum()
            elif c["id"] == "more-mistakes":
                assert (~right[e]).sum() > (~right[s]).sum()
            elif c["id"] == "fewer-mistakes":
                assert (~right[e]).sum() < (~right[s]).sum()
            elif c["id"] == "loss-rises-beyond-noise":
                assert mean[e] > mean[s]
