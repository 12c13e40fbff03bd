"""A loss rise that one or two samples account for is a sample flip, not a trend: with the
evaluation set's size n read from the accuracy's grid, a rise of at most two confident mistakes'
nats in all (2 x ln 1000) while accuracy moved at most two samples makes `overfitting` information,
with the reading named; overfitting that samples cannot explain stays a warning."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from test_analysis_agreement import run_of  # noqa: E402

CORPUS = REPO / "benchmarks" / "truth" / "corpus"


def test_one_sample_flipping_is_information_with_its_reading_named() -> None:
    # Lightning, wine, 53 validation samples, a healthy run (held-out split of the truth corpus):
    # at epoch 2 one sample became wrong with probability 0.03-0.06 on its true class and carries
    # 93-98 % of the loss (per-sample facts); val_loss 0.0245 -> 0.0697, back below 0.0245 by epoch 9.
    # Before, this was the corpus' one false `overfitting` warning on a healthy run.
    run = run_of(CORPUS / "sweep-lightning" / "heldout" / "version_5" / "metrics.csv")
    over = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    assert over and all(a["severity"] == "info" for a in over), [(a["kind"], a["severity"]) for a in over]
    assert not [a for a in run["alerts"] if a["severity"] != "info"], [a["title"] for a in run["alerts"]]
    (flip,) = [c for c in over[0]["claims"] if c["id"] == "predictions-crossing"]
    assert flip["strength"] == "possible" and flip["evidence"]["n"] == 53, flip
    assert flip["evidence"]["samples_moved"] == 1 and flip["evidence"]["rise_nats_total"] < 13.8, flip
    assert "sample flip" in over[0]["explanation"] and "53 samples" in over[0]["explanation"]
    assert "becomes a warning if the rise grows" in over[0]["explanation"]


def test_overfitting_that_samples_cannot_explain_stays_a_warning() -> None:
    # a plain PyTorch loop, a short run, 539 validation samples: val_loss 0.8886 -> 1.3872
    # is 269 nats in all, far past what two samples cost
    for name in ("train.log", "train.jsonl"):
        run = run_of(CORPUS / "short-overfit-torch" / "s2" / name)
        over = [a for a in run["alerts"] if a["kind"] == "overfitting"]
        assert over and over[0]["severity"] == "warning", (name, [(a["kind"], a["severity"]) for a in over])
        assert "predictions-crossing" not in {c["id"] for c in over[0]["claims"]}


def test_a_sample_flip_does_not_keep_the_overfitting_prose_as_fact() -> None:
    # the same healthy Lightning run: beside "the rise is a sample flip, not a trend" the text said
    # "the model is learning things, noise included, that do not carry over" and "Early-stop at
    # epoch 1 or add regularisation" as fact
    run = run_of(CORPUS / "sweep-lightning" / "heldout" / "version_5" / "metrics.csv")
    (over, *_) = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    text = over["explanation"]
    assert "sample flip" in text
    assert "noise included, that do not carry over" not in text, text
    assert "Keep the checkpoint at" not in text and "Nothing to change yet" in text, text
    # overfitting that samples cannot explain keeps its advice
    run = run_of(CORPUS / "short-overfit-torch" / "s2" / "train.log")
    (over, *_) = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    assert "Keep the checkpoint at" in over["explanation"] and "noise included" in over["explanation"]
