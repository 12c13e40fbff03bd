"""A fall of accuracy far beyond its noise at a flat validation loss, and who carries such a loss.

Tester 24's runs (tests/data/tester24_noise/README.md gives the per-sample truth): a torch MLP on
digits with 40 % noisy training labels memorises the noise; accuracy falls from 37 to 65 wrong of 540
while val_loss stays within 0.711-0.740. `loss-down-acc-down` needed the loss 3 % below its value at
the accuracy peak, so this run had no warning at all while another seed of the same recipe, its
loss 0.6 % lower, had one. And `mistakes-carry-loss` was offered on all of these runs, where the
truth has right answers carrying 62-84 % of the loss: a training loss 1.4-1.5 times the validation
loss (a model hedging on its own noisy training labels) favours unsure right answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester24_noise"


def _alerts(name: str) -> list:
    path = DATA / name
    (run,) = read_runs(next(p for p in path.iterdir() if p.suffix in (".jsonl", ".csv")))
    a = Analyzer(run)
    a.update()
    return a.alerts


def test_accuracy_falling_at_a_flat_loss_under_label_noise_warns() -> None:
    alerts = _alerts("noise40")
    (down,) = [al for al in alerts if al.kind == "loss-down-acc-down"]
    assert down.severity == "warning"
    # opened once the fall passed its noise (epoch 33, 61 wrong), not at the first wobble
    assert 30 <= down.start <= 36
    # the loss did not improve (0.7278 at the peak, 0.7319 now): the title says it held
    assert "held" in down.title and "improved" not in down.title


@pytest.mark.parametrize("name", ["noise40", "live_noise40", "keras_l2"])
def test_a_training_loss_above_the_validation_loss_leans_to_unsure_right_answers(name: str) -> None:
    alerts = _alerts(name)
    claims = [c for al in alerts for c in al.claims if c.id.endswith("carry-loss")]
    assert claims
    last = max(c.end for c in claims)
    at_end = [c for c in claims if c.end == last]
    # truth at the last evaluation: mistakes carry 37.7 %, 31.5 %, 15.6 % of the loss
    assert {c.id for c in at_end} == {"right-answers-carry-loss"}
    for c in at_end:
        assert c.strength == "possible"
        assert "training loss" in c.text
        # the other reading is named, with what decides
        assert "mistakes carry" in c.others and "per-sample losses" in c.others.lower()
        assert c.others.rstrip(".").endswith("decide")


def test_a_clean_run_keeps_the_mistakes_reading() -> None:
    """The noise-free run of the same sweep (training loss a fifth of the validation loss): its
    mistakes carry 67 % of the loss, and the tool still names them."""
    claims = [c for al in _alerts("clean") for c in al.claims if c.id.endswith("carry-loss")]
    assert claims and {c.id for c in claims} == {"mistakes-carry-loss"}
