"""loss-explosion on a training-only log of single batches: a loop that writes `{"step": N, "loss": X}`
at every batch and no evaluation (nor an epoch column) gives nothing to count its points against, so
it was judged value by value (so was a fine-tune of under two epochs writing the epoch as a fraction:
two epochs are counted before a density is known), and one hard sample in a 4-sample batch stood
"x2372 its best level" (a torch run of batch 4 at SGD 0.1 on load_digits, the truth corpus's
step-b4-highlr-torch written without its validation lines). Such a series is read as batches
(`density.batch_window`) by its roughness: judged on the median of 40 batches, as a per-step loss
beside evaluations is. Runs here are numpy softmax regressions (tests/numpy_fixed.py), every value
computed by the training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_fixed import fixed_eval_run

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alerts import Alert


def _train_only(path: Path, rows: list[dict[str, float]], x: str) -> Path:
    """The run's training losses alone, one JSON line per batch, as such a loop logs: by `x` "step"
    (the global step) or "epoch" (the epoch as a fraction, 1,500 batches an epoch: a fine-tune of
    under two epochs, as the HF Trainer writes it)."""

    def at(step: float) -> dict[str, float]:
        return {"step": int(step)} if x == "step" else {"epoch": round(step / 1500, 4)}

    lines = (json.dumps(at(r["step"]) | {"loss": r["train_loss"]}) + "\n" for r in rows)
    path.write_text("".join(lines))
    return path


def _explosions(path: Path) -> list[Alert]:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return [x for x in a.alerts if x.kind == "loss-explosion"]


@pytest.mark.parametrize("x", ["step", "epoch"])
def test_single_batches_of_a_healthy_run_logged_alone_are_no_explosion(tmp_path: Path, x: str) -> None:
    rows, truth = fixed_eval_run(2000, seed=0, classes=3, n_val=64, every=10, batch=4, lr=1.0, spread=4.0)
    losses = np.array([r["train_loss"] for r in rows])
    low, high = np.percentile(losses[500:], [50, 99])
    assert high > 1e5 * low  # (the premise: one batch in a hundred costs x1e5 the typical one)
    wrong = np.array([t["n_wrong"] for t in truth])
    assert wrong[100:].mean() <= wrong[20:100].mean() + 0.5  # (the truth: healthy, no more mistakes)
    found = _explosions(_train_only(tmp_path / "train.jsonl", rows, x))
    assert not [a.title for a in found]


@pytest.mark.parametrize("x", ["step", "epoch"])
def test_a_divergence_logged_alone_is_still_found_on_its_median(tmp_path: Path, x: str) -> None:
    rows, _ = fixed_eval_run(
        2000, seed=0, classes=3, n_val=64, every=10, batch=4, lr=0.1, spread=1.5, lr_from=(1000, 20.0)
    )
    losses = np.array([r["train_loss"] for r in rows])
    assert np.median(losses[1000:]) > 10 * np.median(losses[500:1000])  # (10x its level, and it stays)
    found = _explosions(_train_only(tmp_path / "train.jsonl", rows, x))
    start = found[0].start * (1500 if x == "epoch" else 1) if found else None
    assert start is not None and 1000 <= start <= 1041
    assert "median of 40 batches" in found[0].title
