"""One stray record going back into a run (a line another process wrote late) while the records
after it carry on where the run was is no resume: it is kept out of the run, a problem line says
so, and nothing the run logged is replaced. Before, it read as a resume from a checkpoint and the
run's values after that x were dropped. A real resume (the records after it go on from its x)
still replaces them. The splitter decides once the next record has come, so read as it grows
(any chunking, the follower's way) gives the same run as `check`. Data: a numpy MLP's training
(numpy_epoch_steps) and, for the stray line, a record of another of its trainings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy_epoch_steps import per_epoch_records, write_jsonl

from lossacc_tui.feed import read_finished
from lossacc_tui.source import Source, discover, open_file

RUN, _ = per_epoch_records(range(30))
OTHER, _ = per_epoch_records(range(30), seed=5)


def _lines(path: Path) -> list[dict[str, float]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _stray_log(tmp_path: Path) -> Path:
    """Epochs 0-29, with the other training's epoch-10 record written after epoch 25."""
    return write_jsonl(tmp_path / "log.jsonl", [*RUN[:26], OTHER[10], *RUN[26:]])


def _values(src: Source) -> list[tuple[list[float], list[float]]]:
    return [(list(r.series["val_loss"].epochs), list(r.series["val_loss"].values)) for r in src.runs]


def test_a_stray_record_is_kept_out_and_said_and_nothing_is_replaced(tmp_path: Path) -> None:
    path = _stray_log(tmp_path)
    feed = read_finished(discover(path))
    (run,) = feed.runs
    val = run.series["val_loss"]
    assert list(val.epochs) == list(range(30))
    assert np.allclose(val.values, [r["val_loss"] for r in RUN])  # every value of the run, none replaced
    (src,) = feed.sources
    notes = [p for p in src.problems(run) if "stray" in p.message]
    assert [p.line for p in notes] == [27]
    assert "epoch 10 goes back into the run at epoch 25" in notes[0].message
    assert not any("read as a resume" in p.message for p in src.problems(run))


@pytest.mark.parametrize("chunk", [23, 180, 4096])
def test_read_as_it_grows_a_stray_record_is_decided_the_same(tmp_path: Path, chunk: int) -> None:
    path = _stray_log(tmp_path)
    whole = open_file(path, "log")
    assert whole is not None
    whole.read_all()
    grown = open_file(path, "log")
    assert grown is not None
    data = path.read_bytes()
    for a in range(0, len(data), chunk):  # never a finish(): a follower's passes
        grown.feed(0, data[a : a + chunk])
    assert _values(grown) == _values(whole)
    assert [p.message for p in grown.files[0].reader.problems] == [
        p.message for p in whole.files[0].reader.problems
    ]


def test_a_resume_still_replaces_and_a_record_at_the_very_end_reads_as_one(tmp_path: Path) -> None:
    """The records after the backward one go on from its x: a resume (what went is said)."""
    again, _ = per_epoch_records(range(30), seed=7)
    path = write_jsonl(tmp_path / "resumed.jsonl", [*RUN, *again[20:]])
    (run,) = read_finished(discover(path)).runs
    assert np.allclose(run.series["val_loss"].values, [r["val_loss"] for r in RUN[:20] + again[20:]])
    assert any("epoch went back to 20" in p.message for p in run.problems)
    # one backward record with nothing after it: nothing tells it from a resume, read as one
    path = write_jsonl(tmp_path / "end.jsonl", [*RUN, OTHER[10]])
    (run,) = read_finished(discover(path)).runs
    assert len(run.series["val_loss"]) == 11
    assert any("epoch went back to 10" in p.message for p in run.problems)
