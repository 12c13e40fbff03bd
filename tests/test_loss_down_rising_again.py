"""loss-down-acc-down on a slow overfit: the loss is below where it was at the accuracy's peak, but
has been rising again since its lowest. Its explanation offered a shift of the prior as what "does
exactly this"; per sample (tests/data/tester16_slowoverfit/README.md) the mistakes grew surer and
no class took over. It now names the other reading, the loss's lowest and what decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossacc_tui.cli import main

LOG = Path(__file__).parent / "data" / "tester16_slowoverfit" / "training.log"


def test_a_loss_rising_again_names_overfitting_beside_the_prior_shift(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--json", str(LOG)]) in (0, 1)
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    down = [a for a in run["alerts"] if a["kind"] == "loss-down-acc-down"]
    assert down, [a["kind"] for a in run["alerts"]]
    text = down[0]["explanation"]
    assert "One reading" in text or "one reading" in text, text
    assert "0.2422 at epoch 39" in text and "overfitting" in text, text


def test_the_peak_it_quotes_is_named_a_level_beside_the_series_best_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the accuracy's highest single value is 0.9467 at epoch 17 (the view's legend shows it as the
    # series' best); the level (mean of 3) peaks at 0.9456 at epoch 23, where the value is 0.945
    rows = LOG.read_text().splitlines()
    col = rows[0].split(",").index("val_accuracy")
    acc = {int(r.split(",")[0]): float(r.split(",")[col]) for r in rows[1:]}
    assert max(acc, key=lambda e: acc[e]) == 17 and round(acc[23], 3) == 0.945
    assert main(["check", "--json", str(LOG)]) in (0, 1)
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    text = next(a for a in run["alerts"] if a["kind"] == "loss-down-acc-down")["explanation"]
    # before: "val_accuracy peaked at 0.945 (epoch 23; level 0.9456)", a second best beside the legend's
    assert "peaked at 0.945 " not in text, text
    assert "level of val_accuracy" in text and "peaked at 0.9456 at epoch 23" in text, text
    assert "highest single value, 0.9467 at epoch 17" in text, text
