"""The files practitioners have on disk (../shared/cases/formats/): each is detected with no flags
and read to the right roles, x axis, counts and values (see each folder's source.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, read_runs
from numpy_training import softmax_regression

from lossacc_tui.model import Run

FORMATS = REPO.parent / "shared" / "cases" / "formats"


def fmt(rel: str) -> Path:
    p = FORMATS / rel
    if not FORMATS.is_dir():
        pytest.skip(f"format samples not found at {FORMATS}")
    assert p.exists(), f"missing sample {p}"
    return p


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items() if s.role != "other"}


# -- TensorBoard -----------------------------------------------------------------------------------
def write_events(path: Path, rows: list[dict[str, float]], tags: dict[str, str]) -> None:
    """An event file written by tensorboard's own writer: `tags[tag] = key of a training row`."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    path.mkdir(parents=True, exist_ok=True)
    writer = EventFileWriter(str(path))
    for epoch, row in enumerate(rows):
        for tag, key in tags.items():
            summary = Summary(value=[Summary.Value(tag=tag, simple_value=row[key])])
            writer.add_event(Event(wall_time=1.7e9 + epoch, step=epoch, summary=summary))
    writer.close()


@pytest.mark.parametrize(
    "tags",
    [
        {"Loss/train": "train_loss", "Loss/val": "val_loss", "Accuracy/train": "train_acc",
         "Accuracy/test": "val_acc"},
        {"loss/train": "train_loss", "loss/dev": "val_loss", "acc/train": "train_acc", "acc/dev": "val_acc"},
        {"train/loss": "train_loss", "validation/loss": "val_loss", "train/accuracy": "train_acc",
         "validation/accuracy": "val_acc"},
        {"Train Loss": "train_loss", "Valid Loss": "val_loss", "Train Accuracy": "train_acc",
         "Valid Accuracy": "val_acc"},
    ],
    ids=["pytorch-tutorial", "tensorboardX-dev", "split-first", "spaces"],
)  # fmt: skip
def test_tensorboard_split_before_or_after_the_metric_gets_its_role(tmp_path: Path, tags: dict) -> None:
    rows = softmax_regression(epochs=6)
    write_events(tmp_path / "runs" / "exp1", rows, tags)
    (run,) = read_runs(tmp_path / "runs")
    want = {tag: key for tag, key in tags.items()}
    assert roles(run) == want
    for tag, key in tags.items():
        np.testing.assert_allclose(run.series[tag].values, [r[key] for r in rows], rtol=1e-6)
        assert list(run.series[tag].steps) == list(range(6))


def test_keras_train_and_validation_event_folders_are_one_run_on_the_epoch_axis() -> None:
    (run,) = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs"))
    assert run.name.endswith("20261129-123000")
    assert run.x_axis == "epoch"
    assert roles(run) == {
        "train/epoch_loss": "train_loss",
        "train/epoch_accuracy": "train_acc",
        "train/epoch_learning_rate": "lr",
        "validation/epoch_loss": "val_loss",
        "validation/epoch_accuracy": "val_acc",
    }
    val = run.series["validation/epoch_loss"]
    assert list(val.epochs) == list(range(15))
    # the same run's console says: val_loss lowest at epoch 4 of 15 (0.3152), last 0.6330
    assert int(np.argmin(val.values)) == 3 and val.values.min() == pytest.approx(0.3152, abs=1e-4)
    assert val.values[-1] == pytest.approx(0.6330, abs=1e-4)
    assert run.series["train/epoch_loss"].values[-1] == pytest.approx(0.0679, abs=1e-4)
    iters = run.series["validation/evaluation_loss_vs_iterations"]
    np.testing.assert_array_equal(iters.values, val.values)  # the same numbers, placed at their epoch
    np.testing.assert_array_equal(iters.epochs, val.epochs)


def test_keras_tensorboard_folder_given_directly_is_the_same_run() -> None:
    whole = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs"))
    (run,) = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs/fit/20261129-123000"))
    assert sorted(run.series) == sorted(whole[0].series)
