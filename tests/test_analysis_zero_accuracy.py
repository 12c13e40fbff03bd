"""An accuracy of 0 at every evaluation (a Keras regression compiled with metrics=["accuracy"]:
Keras' Accuracy counts exact equality) leaves no confidence below it: no sentence may quote a
negative confidence or an infinite loss (tester h19t: "a mean confidence below -0.02 needs a loss
above inf nats")."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402

RUN = REPO / "tests" / "data" / "tester_h19t" / "keras_regression"

#: a number's place taken by inf or nan, or a confidence below 0
BAD = re.compile(r"(?<![\w-])(-?inf|nan)(?![\w-])|confidence below -\d")


@pytest.mark.parametrize("name", ["training.log", "stdout.txt"])
def test_no_infinite_loss_nor_negative_confidence_is_quoted(name: str) -> None:
    doc = check_json([RUN / name], [])
    alerts = [a for run in doc["runs"] for a in run["alerts"]]
    assert alerts  # (the run is analysed: acc-flat-loss-down and plateau open)
    for a in alerts:
        text = a["title"] + " " + a["explanation"] + " ".join(c["text"] for c in a["claims"])
        m = BAD.search(text)
        assert m is None, f"{a['kind']}: {text[max(0, m.start() - 120) : m.end() + 40]!r}"
