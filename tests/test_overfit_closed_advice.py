"""A closed `overfitting` alert whose validation loss came back below its best gives no advice to
early-stop at that best: the model went on to better than it (issue 9: an early warning on a noisy
per-step run closed, and still said "Early-stop at epoch 0.05"). It names the new best instead.

A numpy per-step run on fresh 16-sample validation batches: the loss rose at three evaluations in
a row after its 4th (0.238 -> 0.308) and fell to 0.182 at the 8th."""

from __future__ import annotations

from pathlib import Path

from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


def test_a_rise_that_passed_has_nothing_to_early_stop_at(tmp_path: Path) -> None:
    run = batch_eval_run(1800, seed=7, eval_batch=16, flip=0.02, every=60, score_noise=0.1)
    (r,) = read_runs(write_jsonl(tmp_path / "train.jsonl", run))
    a = Analyzer(r)
    a.update()
    y = run["val_loss"]
    passed = []
    for al in a.alerts:
        if al.kind != "overfitting" or al.active:
            continue
        best = y[int(al.data["best_idx"])]
        after = y[int(al.data["end_idx"]) + 1 : int(al.data["end_idx"]) + 3]
        if len(after) and after.min() < best:  # (it closed on a new best)
            passed.append(al)
            text = " ".join(al.explanation.split())
            assert "Keep the checkpoint at" not in text
            assert f"came back to {after[after < best][0]:.4g}" in text
    assert passed  # (the premise: an early rise that passed)
