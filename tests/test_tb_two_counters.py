"""One TensorBoard event file written by one SummaryWriter is one run, also when its per-step
scalars are at the global step and its per-epoch scalars at the epoch (two step counters): the
epoch scalars are placed at the global step they were written at, with their own counter as the
epoch, as Lightning's CSVLogger rows are. (Tester 15: 10 of 11 TensorBoard runs became two runs,
the epoch scalars a second run shown at "step N".)

Data: tests/data/tb_two_counters (torch trainings logged by torch's SummaryWriter; make_tb.py made
them, FOLDER.json beside each holds what was logged)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import feed_in_chunks, read_runs, snapshot

DATA = Path(__file__).parent / "data" / "tb_two_counters"
FOLDERS = ["per_step_1based", "two_steps_0based"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_per_step_and_per_epoch_counters_in_one_file_are_one_run(folder: str) -> None:
    truth = json.loads((DATA / f"{folder}.json").read_text())
    runs = read_runs(DATA / folder)
    assert len(runs) == 1, [r.name for r in runs]
    (run,) = runs
    for tag, points in truth.items():
        s = run.series[tag]
        got = np.array(points, dtype=np.float64)
        assert np.allclose(s.values, got[:, 1], rtol=1e-6)
        if got.shape[1] == 2:  # a per-step tag: at its own step
            assert np.array_equal(s.steps, got[:, 0])
        else:  # a per-epoch tag: its counter is the epoch, placed at the global step then
            assert np.array_equal(s.epochs, got[:, 0])
            assert np.array_equal(s.steps, got[:, 2])


@pytest.mark.parametrize("folder", FOLDERS)
def test_two_counters_followed_in_chunks_read_as_whole(folder: str) -> None:
    (event_file,) = (DATA / folder).glob("events.out.tfevents.*")
    whole = snapshot(read_runs(event_file))
    assert len(whole) == 1
    assert snapshot(feed_in_chunks(event_file, [301, 77, 4096])) == whole
