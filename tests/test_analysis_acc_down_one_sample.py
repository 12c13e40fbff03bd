"""`loss-down-acc-down` needs the accuracy to fall by whole samples of its evaluation set.

On a fixed 32-sample validation set the accuracy moves in steps of 1/32; its level (a mean of the
last evaluations) falls by a third of a sample when one of three evaluations is one sample lower.
Tester 8 fault 5: "the val_acc level 0.844 -> 0.833" opened a warning at n = 32, before the
set's size was revealed to the trend rule (two distinct values only). Runs: numpy softmax regression
by SGD on fresh training draws (it cannot get worse), scored on the same 32 samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_fixed import fixed_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(("classes", "spread", "seed"), [(4, 2.5, 0), (4, 2.5, 7), (2, 2.0, 9)])
def test_a_fall_of_less_than_a_sample_or_two_is_no_fall(
    tmp_path: Path, classes: int, spread: float, seed: int
) -> None:
    rows, _ = fixed_eval_run(4000, seed=seed, classes=classes, n_val=32, spread=spread)
    (run,) = read_runs(write_jsonl(tmp_path / "train.jsonl", rows))
    a = Analyzer(run)
    a.update()
    assert [al.title for al in a.alerts if al.kind == "loss-down-acc-down"] == []
