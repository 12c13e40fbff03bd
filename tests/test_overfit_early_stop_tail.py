"""A run stopped by early stopping ends a patience after its best: too few evaluations for the rules
that measure a rise against the noise since the best (tester 23 F6: Keras'
EarlyStopping(restore_best_weights=True) on 30 % label noise, 8 evaluations after the best, each with
more mistakes than it, and only an info alert of another kind, whose advice named the best checkpoint
without saying the model got worse after it).

The log is Keras' own CSVLogger file; the per-sample truth (misclassified samples of the 540 at each
epoch) is the tester's, in `data/tester23_keras_es/truth.json`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data"
KERAS = DATA / "tester23_keras_es"


def _alerts(path: Path) -> list:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return a.alerts


def test_the_tail_an_early_stop_leaves_warns_overfitting_with_how_little_evidence() -> None:
    truth = json.loads((KERAS / "truth.json").read_text())
    wrong = {e["epoch"]: e["n_wrong"] for e in truth["epochs"]}
    loss = {e["epoch"]: e["val_loss"] for e in truth["epochs"]}
    best = min(loss, key=loss.__getitem__)
    # the truth: every evaluation after the best made more mistakes than the best
    assert all(wrong[e] > wrong[best] for e in wrong if e > best)
    over = [al for al in _alerts(KERAS / "log.csv") if al.kind == "overfitting"]
    assert [al.severity for al in over] == ["warning"]
    (al,) = over
    assert al.evidence["best_x"] == best
    assert al.evidence["now_x"] == max(wrong)  # (open to the run's last evaluation)
    how_sure = " ".join(al.explanation.split("How sure.")[1].lstrip("* ").split())
    assert how_sure.startswith("Little evidence:")
    # ... and it quotes the mistakes as the truth counts them
    assert f"{wrong[best]} of {truth['n_val']} samples wrong at the best" in how_sure
    assert "every one of them had more mistakes than the best" in how_sure
    more = [c for c in al.claims if c.id == "more-mistakes"]
    assert more and more[0].strength == "follows"
    assert round(more[0].value * truth["n_val"]) == wrong[max(wrong)] - wrong[best]


def test_checkpoint_advice_says_the_model_got_worse_after_the_checkpoint_it_names() -> None:
    truth = json.loads((KERAS / "truth.json").read_text())
    wrong = {e["epoch"]: e["n_wrong"] for e in truth["epochs"]}
    (hl,) = [al for al in _alerts(KERAS / "log.csv") if al.kind == "high-loss-good-acc"]
    advice = " ".join(hl.explanation.split("What to check next.")[1].split("How sure.")[0].split())
    assert "the checkpoint at epoch 10" in advice
    last = max(wrong)
    assert f"({wrong[10]} -> {wrong[last]} wrong of {truth['n_val']})" in advice
    assert "the model got worse after it" in advice
    assert f"at each of the {last - 10} evaluations since" in advice


def test_a_healthy_run_whose_accuracy_holds_after_its_best_gets_no_tail_warning() -> None:
    # tester 18's warm-up/cosine run: val_loss holds within 0.1 % over its last epochs while val_acc
    # holds at 0.970 (`data/tester18_warmup/README.md`): no evaluation had more mistakes
    for name in ("seed0.jsonl", "seed1.jsonl"):
        assert [al.title for al in _alerts(DATA / "tester18_warmup" / name) if al.kind == "overfitting"] == []
