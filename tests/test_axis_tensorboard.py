"""The same run reads in the same unit in every format. A hand-written loop that logs each epoch's
training and validation values to TensorBoard at the epoch (`writer.add_scalar(tag, v, epoch)`)
writes only a step: 0, 1, 2, ..., one evaluation each. Its JSONL copy (`epoch` and the optimiser
`step`) is shown by epoch; the TensorBoard copy is shown by epoch too now, and its alerts say
"epoch N" where they said "step N" (tester 19 F9, tester 20 T10). A TensorBoard file whose step
does not count evaluations one by one (a per-minibatch loss at the global step) stays on the
step: a step is never called an epoch. A real run from numpy training (tests/numpy_training.py),
its event files written by tensorboard's own writer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import feed_in_chunks, read_runs, snapshot
from numpy_training import softmax_regression
from test_readers_formats import write_events

from lossacc_tui.cli import main
from lossacc_tui.source import discover

#: tag -> the JSONL copy's key
TAGS = {
    "Loss/train": "train_loss",
    "Accuracy/train": "train_acc",
    "Loss/val": "val_loss",
    "Accuracy/val": "val_acc",
}
#: per epoch, as float32 (a torch loop's `.item()` of its float32 metrics: what both copies hold)
ROWS = [
    {k: float(np.float32(v)) for k, v in row.items()}
    for row in softmax_regression(epochs=60, features=80, n_train=40, n_val=200, seed=2, lr=0.5, spread=0.5)
]


def _texts(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[str, list[tuple[str, float, str]]]:
    """(the run's x axis, [(kind, start, explanation with the tags named as the JSONL's)])."""
    assert main(["check", "--json", str(path)]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    out = []
    for a in run["alerts"]:
        text = a["explanation"]
        for tag, key in TAGS.items():
            text = text.replace(tag, key)
        out.append((a["kind"], a["start"], text))
    return run["x_axis"], out


def test_a_tensorboard_copy_of_an_epoch_run_says_epoch_as_its_jsonl_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"
    records = [{"epoch": e, "step": (e + 1) * 2, **r} for e, r in enumerate(ROWS)]  # (2 minibatches an epoch)
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    write_events(tmp_path / "tb", ROWS, TAGS)
    axis_j, alerts_j = _texts(capsys, log)
    axis_t, alerts_t = _texts(capsys, tmp_path / "tb")
    assert axis_j == axis_t == "epoch"
    assert alerts_j and [a[:2] for a in alerts_t] == [a[:2] for a in alerts_j]
    for (_, _, tj), (_, _, tt) in zip(alerts_j, alerts_t, strict=True):
        assert "step" not in tt
        assert tt.lower() == tj.lower()  # (a name that begins a sentence is capitalised)


def test_read_as_it_grows_the_epoch_axis_is_the_same(tmp_path: Path) -> None:
    write_events(tmp_path / "tb", ROWS[:12], TAGS)
    (event_file,) = (tmp_path / "tb").glob("events.out.tfevents.*")
    (whole,) = read_runs(event_file)
    assert whole.x_axis == "epoch"
    assert snapshot(feed_in_chunks(event_file, [61, 300, 17])) == snapshot([whole])


def test_a_step_that_does_not_count_evaluations_stays_a_step(tmp_path: Path) -> None:
    """Training values alone at 0, 1, 2, ... (as likely per minibatch as per epoch), and a
    per-minibatch loss beside the evaluations at the global step: both shown by step."""
    train_only = {"Loss/train": "train_loss", "Accuracy/train": "train_acc"}
    write_events(tmp_path / "train_only", ROWS[:10], train_only)
    (run,) = read_runs(tmp_path / "train_only")
    assert run.x_axis == "step"
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    (tmp_path / "global").mkdir()
    writer = EventFileWriter(str(tmp_path / "global"))
    for e, row in enumerate(ROWS[:10]):  # (3 minibatches an epoch: the loss at each, then the evaluation)
        for k in range(3):
            value = Summary.Value(tag="Loss/train", simple_value=row["train_loss"] * (1.1 - 0.05 * k))
            writer.add_event(Event(wall_time=1.7e9 + e, step=3 * e + k, summary=Summary(value=[value])))
        for tag in ("Loss/val", "Accuracy/val"):
            value = Summary.Value(tag=tag, simple_value=row[TAGS[tag]])
            writer.add_event(Event(wall_time=1.7e9 + e, step=3 * e + 2, summary=Summary(value=[value])))
    writer.close()
    (run,) = read_runs(tmp_path / "global")
    assert run.x_axis == "step"
    assert list(run.series["Loss/val"].steps) == [3 * e + 2 for e in range(10)]


LIGHTNING = Path(__file__).parent / "data" / "lightning_tb"


def test_lightning_tensorboard_and_csv_copies_read_by_epoch_alike(capsys: pytest.CaptureFixture[str]) -> None:
    """Lightning's TensorBoardLogger writes an `epoch` scalar beside the metrics at the global step;
    its CSVLogger copy of the same run is shown by epoch. The event file is too now (the `epoch`
    scalar is each record's epoch, not a metric), with the same alerts at the same epochs.
    Data: tests/data/lightning_tb (make.py: a real Lightning training with both loggers)."""
    (event_file,) = LIGHTNING.glob("events.out.tfevents.*")
    axis_t, alerts_t = _texts(capsys, event_file)
    axis_c, alerts_c = _texts(capsys, LIGHTNING / "metrics.csv")
    assert axis_t == axis_c == "epoch"
    assert alerts_t == alerts_c
    (run,) = read_runs(event_file)
    assert "epoch" not in run.series
    assert list(run.series["val_loss"].epochs) == list(range(6))
    assert snapshot(feed_in_chunks(event_file, [97, 13, 400])) == snapshot([run])
    (src,) = discover(event_file)  # followed: what has been written shows, up to its last evaluation
    src.feed(0, event_file.read_bytes())
    (followed,) = src.runs
    assert list(followed.series["val_loss"].epochs) == list(range(6))
