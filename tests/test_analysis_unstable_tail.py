"""val-loss-unstable on a healthy per-step run whose evaluation batch's mean loss has a heavy upper
tail: some validation labels are wrong whatever the sample, so a fresh 32-64-sample batch now and
then draws two or three more of those confidently wrong samples than the last one, and its mean loss
triples. The Gaussian deviation bar (6 standard deviations of the series' second differences) took
such draws for swings; a swing must now also beat the series' own largest earlier rise by the factor
an exponential tail gives (`unstable.RECORD_ODDS`). Tester's case: a healthy 12,000-step torch run on
fresh 64-sample batches warned on one batch at 6.6 deviations."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


def _unstable(path: Path) -> list[str]:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return [al.title for al in a.alerts if al.kind == "val-loss-unstable"]


@pytest.mark.parametrize(("eval_batch", "seed"), [(64, 5), (32, 2), (32, 5)])
def test_a_heavy_tailed_batch_is_no_swing(tmp_path: Path, eval_batch: int, seed: int) -> None:
    # logistic regression by minibatch SGD on nearly separable data with 2 % of labels swapped: the
    # model grows confident, a swapped sample costs several nats, and a fresh batch holds 0-4 of them
    run = batch_eval_run(6000, seed=seed, eval_batch=eval_batch, flip=0.02, every=60, score_noise=0.1)
    # (the run does have a rise past 6 deviations of its own noise: what warned before)
    y = run["val_loss"]
    assert max(y[40:]) > 3 * min(y[40:])
    assert _unstable(write_jsonl(tmp_path / "train.jsonl", run)) == []
