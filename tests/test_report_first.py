"""`check`'s series table and JSON print a number as `first`, never nan/null, when the first
logged value was left out of the analysis (an accuracy of 1.01 among fractions: a glitched row),
and integral x positions in the evidence (`now_x`, `peak_x`...) as integers.

The log is a real numpy training run (softmax regression) with one glitched first value spliced in,
as a logger's rounding or a bad row would leave it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.cli import main


def _glitched(tmp_path: Path) -> Path:
    rows = softmax_regression(
        epochs=40, classes=2, seed=0, lr=0.5, features=100, n_train=50, n_val=300, spread=0.3
    )
    rows[0]["val_acc"] = 1.01
    return keras_csv(tmp_path / "log.csv", rows)


def test_first_is_the_first_number_the_analysis_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _glitched(tmp_path)
    main(["check", str(path)])
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.strip().startswith("val_accuracy"))
    cells = row.split()
    first = float(cells[3])  # (metric, role, count, first, ...)
    assert 0.0 <= first <= 1.0
    assert "nan" not in row
    assert "1.01 at epoch 0 is outside the range of an accuracy" in text  # (the problem line names it)
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    (run,) = doc["runs"]
    m = run["metrics"]["val_accuracy"]
    assert m["first"] == pytest.approx(first, abs=1e-4)
    assert m["min"] <= m["first"] <= m["max"]


def test_evidence_positions_are_integers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _glitched(tmp_path)
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    seen = 0
    for alert in doc["runs"][0]["alerts"]:
        for key, v in alert["evidence"].items():
            if key.endswith("_x") and v is not None:
                assert isinstance(v, int), (alert["kind"], key, v)
                seen += 1
    assert seen  # (the run's alerts name positions: best_x, now_x...)
