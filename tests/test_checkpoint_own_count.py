"""A sentence naming a checkpoint names the file the framework wrote for it (tester 17 fault 5 and
the same off-by-one elsewhere): Lightning's metrics.csv puts an evaluation at the global step
minus one while its checkpoint file names carry the global step (tests/data/lightning_ckpt: a
real run and the names of the files it saved); Ultralytics' results.csv counts epochs from 1 (8.1
on) while its periodic checkpoints `epoch{N}.pt` count from 0, and 8.0.x counted both from 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REALWORLD, read_runs

from lossacc_tui.analysis.own_count import own_count

DATA = Path(__file__).parent / "data" / "lightning_ckpt"
ULTRALYTICS = REALWORLD.parent / "cases" / "formats" / "fmt-01-ultralytics"


def test_lightning_csv_steps_are_named_as_its_checkpoint_files_name_them() -> None:
    (run,) = read_runs(DATA / "metrics.csv")
    files = (DATA / "checkpoints.txt").read_text().split()
    count = own_count(run)
    assert run.format == "lightning-csv" and count is not None and count.axis == "step"
    steps = run.series["val_loss"].steps.tolist()
    assert steps == [3.0, 7.0, 11.0]
    for epoch, step in zip(run.series["val_loss"].epochs.tolist(), steps, strict=True):
        said = re.search(r"step=(\d+)", count.name(step))
        assert said is not None and f"epoch={epoch:g}-step={said.group(1)}.ckpt" in files


@pytest.mark.parametrize(
    ("case", "first", "file_of_first"), [("cls-v8-padded", 1, "epoch0.pt"), ("det-v8-padded", 0, None)]
)
def test_ultralytics_periodic_checkpoint_is_named_from_its_own_count(
    case: str, first: int, file_of_first: str | None
) -> None:
    path = ULTRALYTICS / case / "train" / "results.csv"
    if not path.is_file():
        pytest.skip(f"format samples not found at {path}")
    (run,) = read_runs(path)
    assert run.series["train/loss"].epochs[0] == first
    count = own_count(run)
    if file_of_first is None:  # 8.0.x: results.csv and epochN.pt both from 0
        assert count is None
    else:
        assert count is not None and f"weights/{file_of_first}" in count.name(first)
