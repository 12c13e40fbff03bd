"""Every "N x" figure of an explanation agrees with the numbers beside it, and the two noises of an
accuracy (a level's, measured over the latest evaluations, and a single evaluation's at a span's
ends) are named apart (tester 25, F5: "more than 1.0 points and 1.6 x its evaluation-to-evaluation
noise (0.26 points)" beside a 7.6-point fall, then "within twice val_accuracy's own
evaluation-to-evaluation noise (4.2 points)" two sentences later)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).parent / "data" / "tester25_wd_heavy" / "metrics.csv"
NUM = r"(\d+(?:\.\d+)?)"


def _text() -> str:
    got = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", str(RUN)], capture_output=True, text=True
    )
    assert got.returncode in (0, 1), got.stderr
    return " ".join(got.stdout.split())


def _close(a: float, b: float) -> bool:  # (a figure printed to 2 significant digits or 1 decimal)
    return abs(a - b) <= 0.051 * max(1.0, abs(b) / 10)


def test_a_threshold_of_the_level_is_its_factor_times_the_noise_it_names() -> None:
    text = _text()
    assert "loss-down-acc-down" in text
    assert "x its evaluation-to-evaluation noise" not in text
    found = re.findall(
        NUM + r" points \(" + NUM + r" x the " + NUM + r"-point noise of a difference of two levels", text
    )
    assert found, "the level's threshold is said with its factor and noise"
    for total, z, noise in found:
        assert _close(float(total), float(z) * float(noise)), (total, z, noise)


def test_twice_the_single_evaluation_noise_is_twice_the_figure_given() -> None:
    text = _text()
    found = re.findall(
        NUM + r" points, twice [^(]*single-evaluation noise at the span's ends \(" + NUM + " points", text
    )
    assert found, "the net count's noise is named as a single evaluation's at the span's ends"
    for total, noise in found:
        assert _close(float(total), 2 * float(noise)), (total, noise)
    # one name, one figure: the level's noise is never called by the single evaluation's name
    assert not re.search(r"own evaluation-to-evaluation noise \(", text)
