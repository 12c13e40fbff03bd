"""`acc-at-chance` on a network that learned, then collapsed to one output: a tester's run (weight
decay shrank it to one class; its training loss went 4.2 -> 0.0022 -> 1.0984 = ln 3) was told "the
training loss fell 4.2023 -> 1.0984, so the model fits its training samples", beside a "How sure"
quoting a training loss at ln 3 and a training accuracy at 1/3. The runs here are real numpy
trainings whose hidden units are all switched off by one destructive step (`kill_at`); the truth
says every validation sample is then predicted as one class."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize("seed", [1, 2])
def test_a_collapsed_network_is_not_said_to_fit_its_training_samples(tmp_path: Path, seed: int) -> None:
    rows, truth = adam_mlp_run(seed=seed, classes=3, kill_at=20, epochs=50, label_noise=0.0, wd=0.0, sep=1.5)
    assert truth["one_class"][-1] == 1.0  # (the run is what the test says)
    (run,) = read_runs(write_keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    (chance,) = [al for al in a.alerts if al.kind == "acc-at-chance" and al.active]
    why = chance.explanation.split("**Why.**")[1].split("**What to check next.**")[0]
    assert "fits its training samples no better than chance" in why
    assert "so the model fits its training samples" not in why
    lowest = min(range(len(rows)), key=lambda i: rows[i]["loss"])
    assert lowest < 20 and f"at epoch {lowest}" in why  # where it had fitted them, from the log
