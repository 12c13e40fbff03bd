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


def _lightning_csv(path: Path, rows: list[dict[str, float]], steps_per_epoch: int = 7) -> Path:
    """The run as Lightning's CSVLogger writes it with `self.log("train_loss", on_epoch=True)` and
    no training accuracy: a validation row, then the epoch's training mean, keys sorted."""
    lines = ["epoch,step,train_loss_epoch,val_acc,val_loss"]
    for e, r in enumerate(rows):
        step = (e + 1) * steps_per_epoch - 1
        lines.append(f"{e},{step},,{r['val_accuracy']!r},{r['val_loss']!r}")
        lines.append(f"{e},{step},{r['loss']!r},,")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_without_a_training_accuracy_the_training_loss_alone_backs_k(tmp_path: Path) -> None:
    """The same collapse logged without a training accuracy (Lightning's default, the HF Trainer's
    log) got no accuracy alert at all: K was backed only by a training loss and accuracy together."""
    rows, truth = adam_mlp_run(seed=2, classes=3, kill_at=20, epochs=50, label_noise=0.0, wd=0.0, sep=1.5)
    assert truth["one_class"][-1] == 1.0
    (run,) = read_runs(_lightning_csv(tmp_path / "metrics.csv", rows))
    assert "train_acc" not in {s.role for s in run.series.values()}
    a = Analyzer(run)
    a.update()
    (chance,) = [al for al in a.alerts if al.kind == "acc-at-chance" and al.active]
    assert "no training accuracy is logged" in chance.explanation
    assert "nan" not in chance.explanation.lower()
