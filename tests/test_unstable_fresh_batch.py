"""val-loss-unstable on a healthy per-step run evaluated on a fresh small batch, in its first
evaluations, before 20 of them measure the loss's own noise.

Issue 9 (tester's sweep): 4 of 46 numpy per-step runs warned from two or more rises in their first
~25 evaluations. The batch's mean loss rose x3 from a lucky low batch while accuracy moved by 1-4
samples of 32-64: 10-20 nats in all, what the 2-5 % swapped labels a fresh batch draws (or not)
cost, a few samples each at a confident mistake's price. A rise that the samples the accuracy shows
moving (within what two draws of n samples move a count by) and two more carry, at ln 1000 nats
each, is no swing; a learning rate far too high still is (tests/test_analysis_unstable_spike.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(("seed", "eval_batch", "flip"), [(3, 32, 0.05), (10, 32, 0.02), (14, 64, 0.02)])
def test_early_rises_of_a_fresh_batch_are_no_warning(
    tmp_path: Path, seed: int, eval_batch: int, flip: float
) -> None:
    run = batch_eval_run(1800, seed=seed, eval_batch=eval_batch, flip=flip, every=60, score_noise=0.1)
    y = run["val_loss"][:25]
    # the premise: inside 6 evaluations the loss rose x3 from a trough, before 20 were logged
    rises = [y[j] / y[max(0, j - 5) : j].min() for j in range(1, len(y))]
    assert max(rises) >= 3.0
    # the truth: a healthy run, its loss not rising over the run (fresh data: it cannot overfit)
    assert np.mean(run["val_loss"][15:]) <= np.mean(run["val_loss"][:15])
    (r,) = read_runs(write_jsonl(tmp_path / "train.jsonl", run))
    a = Analyzer(r)
    a.update()
    warned = [al.title for al in a.alerts if al.kind == "val-loss-unstable" and al.severity != "info"]
    assert warned == []
