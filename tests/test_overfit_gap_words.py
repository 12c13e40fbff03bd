"""The overfitting text says how the gap between the losses moved without reversing its sign.

Tester 23 (session 15): a run trained on noisy labels keeps its training loss above its
validation loss; the gap (validation minus training) went -0.5129 -> -0.0233 and the text said
"the gap widened", while the two losses in fact came closer.
"""

from __future__ import annotations

from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester23_noise" / "train.log"


def test_a_training_loss_above_the_validation_loss_is_said_to_come_closer_not_to_widen() -> None:
    (run,) = read_runs(DATA)
    a = Analyzer(run)
    a.update()
    over = [al for al in a.alerts if al.kind == "overfitting"]
    assert over, [al.kind for al in a.alerts]
    al = over[0]
    e = al.evidence
    assert e["gap_at_best"] < e["gap_now"] < 0  # training loss above validation all along
    assert "widened" not in al.explanation
    assert "the training loss stays above the validation loss, by less" in al.explanation
