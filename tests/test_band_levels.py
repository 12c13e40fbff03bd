"""The state band never says what an open warning or critical alert refutes (tester 18, faults N1/N2
and tester 17's fault 1 re-checked; issue #9).

- A binary 95/5 model that predicts the majority class for every sample (per-sample truth beside each
  log) holds its validation accuracy at 485/510 while the loss falls: the band read `both-improving`
  ("accuracy rises or holds") beside an `acc-stuck` warning whose readings are the majority rate and
  one class predicted. It now reads `acc-stuck` over the stretch the accuracy held.
- A run broken beyond chance (loss 12-18 nats at accuracy 0.10, one class predicted) read `flat`
  beside a critical `loss-above-chance`. It now reads `worse-than-chance` over the alert's span.

Logs: real Keras/torch/Lightning runs (tests/data/imbalance95/README.md,
tests/data/tester17_broken/README.md) and a numpy MLP diverging at a learning rate far too large
(tests/numpy_diverge.py), on which nothing was tuned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer
from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data"
IMB = DATA / "imbalance95"


def _analysed(path: Path) -> Analyzer:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return a


def _truth(path: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict]]:
    """`check PATH`'s state line and `check --json PATH`'s states (in-process)."""
    main(["check", str(path)])
    text = capsys.readouterr().out
    main(["check", "--json", str(path)])
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    line = next(x.strip() for x in text.splitlines() if x.strip().startswith("state:"))
    return line, run["states"]


@pytest.mark.parametrize(
    ("log", "truth"),
    [
        ("keras_cut8.log", "keras_cut8_truth.jsonl"),
        ("keras_cut8_console.txt", "keras_cut8_truth.jsonl"),
        ("keras_seed2_cut8.log", "keras_seed2_cut8_truth.jsonl"),
        ("torch.jsonl", "torch_truth.jsonl"),
        ("torch_print.log", "torch_truth.jsonl"),
    ],
)
def test_the_band_never_calls_a_majority_class_predictor_improving(
    log: str, truth: str, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = _truth(IMB / truth)
    # the premise: every sample predicted as one class at every evaluation, accuracy that class's share
    assert all(f["top_pred_frac"] == 1.0 and abs(f["acc"] - f["majority_share"]) < 1e-9 for f in facts)
    a = _analysed(IMB / log)
    stuck = [al for al in a.alerts if al.kind == "acc-stuck" and al.severity == "warning"]
    assert stuck, [(al.kind, al.severity) for al in a.alerts]
    # every stretch reads acc-stuck, the warm-up too (the held stretch begins at the first evaluation:
    # the band says what the warning says there, not "too few evaluations"): never improving, flat
    assert {s.state for s in a.states} == {"acc-stuck"}, a.states
    assert "**acc-stuck**" in a.summary()  # (the app's summary pane)
    line, states = _check(IMB / log, capsys)
    assert line.startswith("state: acc-stuck since"), line
    assert [s["state"] for s in states] == ["acc-stuck"]


def _worse_than_chance_everywhere_it_is_open(a: Analyzer) -> None:
    (al,) = [al for al in a.alerts if al.kind == "loss-above-chance"]
    assert al.severity == "critical"
    end = float("inf") if al.end is None else al.end
    inside = [s for s in a.states if s.state != "warming-up" and s.start >= al.start and s.end <= end]
    assert inside and all(s.state == "worse-than-chance" for s in inside), a.states
    assert not any(s.state in ("flat", "both-improving") for s in a.states), a.states


@pytest.mark.parametrize("log", ["lightning_lr50_metrics.csv", "keras_lr1e5_training.log"])
def test_the_band_says_worse_than_chance_beside_loss_above_chance(
    log: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "tester17_broken" / log
    a = _analysed(path)
    _worse_than_chance_everywhere_it_is_open(a)
    assert "**worse-than-chance**" in a.summary()
    line, states = _check(path, capsys)
    assert line.startswith("state: worse-than-chance since"), line
    assert states[-1]["state"] == "worse-than-chance"


def test_a_numpy_run_diverging_beyond_chance_reads_worse_than_chance(tmp_path: Path) -> None:
    rows, _ = diverging_run(epochs=15, growth=1.0, lr=5.0, seed=2, classes=10, hidden=(32,), spread=0.3)
    # the premise: the validation loss far above ln 10 over the last evaluations
    assert min(r["val_loss"] for r in rows[-5:]) > 5.0
    a = _analysed(write_jsonl(tmp_path / "metrics.jsonl", rows))
    _worse_than_chance_everywhere_it_is_open(a)
