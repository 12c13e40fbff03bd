"""A severity is not taken back on a move within noise (issue #9).

`check --follow` tells each change of an open alert's severity as a `severity` event. Read only at
the latest point, a rule near its margin flipped with each evaluation's noise:

- tester 19's `skimb4` (tests/data/tester19_skimb4): high-loss-good-acc info -> warning -> info ->
  warning over epochs 20-26 while val_loss moved 1.29 -> 1.37 -> 1.28 -> 1.44 about its rise margin.
  Tester 19's per-sample truth: the wrong samples carried 94-98 % of the loss at every epoch from 20
  to 40, so the warning (confident mistakes) was right and each drop to info was noise.
- tester 21's Lightning run (tests/data/tester21_lt_bce_vci): overfitting and loss-up-acc-up
  warning <-> info 8 times each as the loss alternately grew steadily and paused (the sample-flip
  reading refuted, then not) while two samples grew surer of their wrong answers.
- tester 21's `collapse_lr` (tests/data/tester21_collapse_lr): overfitting warning -> info -> warning
  at epochs 8-9, the "fits nothing" reading found over one window where accuracy held 3 epochs and
  gone at the next; the truth has the model predicting two classes at every one of those epochs.

- the demo's fastai run (demo_logs/val_loss_unstable): val-loss-unstable critical -> warning ->
  critical at epochs 12-13: the largest swing it described became one with a lower high, while an
  earlier high of the same span had needed over 100 nats a mistake.

Fed a few lines at a time as a live log is read, no severity comes back once left, and the end equals a
one-shot read of the same file."""

from __future__ import annotations

from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.source import discover

DATA = Path(__file__).parent / "data"


def _told(path: Path, lines: int = 1) -> tuple[dict[tuple[str, float], list[str]], Analyzer]:
    """Per alert (kind, start): the severities a reader analysing after every `lines` lines is told,
    changes only."""
    (src,) = discover(path)
    live: Analyzer | None = None
    told: dict[tuple[str, float], list[str]] = {}
    rows = path.read_bytes().splitlines(keepends=True)
    for at in range(0, len(rows), lines):
        src.feed(0, b"".join(rows[at : at + lines]))
        if not src.runs:
            continue
        live = live or Analyzer(src.runs[0])
        for _what, a in live.update():
            seq = told.setdefault((a.kind, a.start), [])
            if not seq or seq[-1] != a.severity:
                seq.append(a.severity)
    assert live is not None
    return told, live


def _reversals(seq: list[str]) -> int:
    return sum(1 for i in range(2, len(seq)) if seq[i] in seq[: i - 1])


def _one_shot(path: Path) -> list[tuple[str, str, float]]:
    [run] = read_runs(path)
    an = Analyzer(run)
    an.update()
    return sorted((a.kind, a.severity, a.start) for a in an.alerts)


def test_high_loss_good_acc_holds_its_warning_through_noise() -> None:
    path = DATA / "tester19_skimb4" / "train.log"
    told, live = _told(path)
    seqs = [s for (kind, _), s in told.items() if kind == "high-loss-good-acc"]
    assert seqs and all(s[-1] == "warning" for s in seqs)
    assert all(_reversals(s) == 0 for s in seqs), seqs
    assert sorted((a.kind, a.severity, a.start) for a in live.alerts) == _one_shot(path)


def test_a_rise_that_kept_growing_stays_a_warning() -> None:
    path = DATA / "tester21_lt_bce_vci" / "metrics.csv"
    told, live = _told(path, lines=4)  # (a validation row comes every 2-3 rows; 4 keeps it short)
    rises = {k: s for k, s in told.items() if k[0] in ("overfitting", "loss-up-acc-up")}
    assert rises
    assert all(_reversals(s) == 0 for s in rises.values()), rises
    assert sorted((a.kind, a.severity, a.start) for a in live.alerts) == _one_shot(path)


def test_one_window_of_held_accuracy_does_not_demote_overfitting() -> None:
    path = DATA / "tester21_collapse_lr" / "train.jsonl"
    told, live = _told(path)
    over = [s for (kind, _), s in told.items() if kind == "overfitting"]
    assert over and all(_reversals(s) == 0 for s in over), over
    assert sorted((a.kind, a.severity, a.start) for a in live.alerts) == _one_shot(path)


def test_a_span_that_needed_absurd_costs_a_mistake_stays_critical() -> None:
    path = Path(__file__).parent.parent / "demo_logs" / "val_loss_unstable" / "train_stdout.txt"
    told, live = _told(path)
    (seq,) = [s for (kind, _), s in told.items() if kind == "val-loss-unstable"]
    crit = seq.index("critical")
    assert "warning" not in seq[crit:], seq  # (info: one rise that fell back, a spike so far)
    (alert,) = [a for a in live.alerts if a.kind == "val-loss-unstable"]
    assert alert.severity == "critical"
    assert sorted((a.kind, a.severity, a.start) for a in live.alerts) == _one_shot(path)
