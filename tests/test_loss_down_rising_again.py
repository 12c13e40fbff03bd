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
