"""A stray evaluation record with no step (`{"epoch": 8, "val_loss", "val_acc"}` written again
after epoch 32) in a log whose step restarts each epoch is kept out of the run with a problem line,
in `check`, `check --json` and read as it grows (the follower's way). Before, such a record had no x
on the split axis, so the backward check never saw it: val_loss counted one more evaluation than
the run made, its epoch held twice. Data: a numpy MLP's per-batch training (numpy_epoch_steps)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy_epoch_steps import per_batch_records, write_jsonl

from lossacc_tui.cli import main
from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover, open_file

RECS = per_batch_records(epochs=20, step_key="step")
EVALS = [r for r in RECS if "val_loss" in r]


def _with_stray(tmp_path: Path, at_epoch: int = 14, copy_of: int = 5, name: str = "log.jsonl") -> Path:
    """The training's records, with epoch `copy_of`'s evaluation written again inside `at_epoch`."""
    i = next(k for k, r in enumerate(RECS) if r["epoch"] == at_epoch and r.get("step") == 3)
    return write_jsonl(tmp_path / name, [*RECS[:i], EVALS[copy_of], *RECS[i:]])


def test_check_keeps_a_stray_evaluation_out_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with_stray(tmp_path)
    assert main(["check", "--json", str(path)]) in (0, 1)
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    counts = {name: m["count"] for name, m in run["metrics"].items()}
    assert counts["val_loss"] == counts["val_acc"] == 20  # one per epoch, as the training made
    (note,) = [p for p in run["problems"] if "stray" in p["message"]]
    assert note["message"].startswith("epoch 5 (val_loss, val_acc) goes back")
    stray_line = 1 + next(
        k
        for k, ln in enumerate(path.read_text().splitlines())
        if k > 100 and "val_loss" in ln and json.loads(ln)["epoch"] == 5
    )
    assert note["line"] == stray_line
    (val,) = [r.series["val_loss"] for r in read_finished(discover(path)).runs]
    assert list(val.epochs) == list(range(20))
    assert np.allclose(val.values, [r["val_loss"] for r in EVALS])


@pytest.mark.parametrize("chunk", [57, 700, 1 << 16])
def test_read_as_it_grows_the_stray_evaluation_is_kept_out_the_same(tmp_path: Path, chunk: int) -> None:
    path = _with_stray(tmp_path)
    grown = open_file(path, "log")
    assert grown is not None
    data = path.read_bytes()
    for a in range(0, len(data), chunk):  # a follower's passes, never a finish()
        grown.feed(0, data[a : a + chunk])
    (run,) = grown.runs
    assert list(run.series["val_loss"].epochs) == list(range(20))
    assert any("a stray record, kept out" in p.message for p in grown.files[0].reader.problems)


def test_a_stray_evaluation_as_the_last_line_is_kept_out_too(tmp_path: Path) -> None:
    """Nothing follows it, but an evaluation with no step cannot resume a run: kept out, said."""
    path = write_jsonl(tmp_path / "end.jsonl", [*RECS, EVALS[3]])
    feed = read_finished(discover(path))
    (run,) = feed.runs
    assert len(run.series["val_loss"]) == 20
    (src,) = feed.sources
    assert any("nothing follows it" in p.message for p in src.problems(run))


def test_the_evaluations_of_a_run_restarted_from_scratch_stay_its_own(tmp_path: Path) -> None:
    """A second training written after the first (steps and epochs from 0 again): its evaluations go
    back below the first run's, but its records around them go back too: a new run, nothing
    kept out."""
    other = per_batch_records(epochs=6, step_key="step", seed=4)
    path = write_jsonl(tmp_path / "two.jsonl", [*RECS, *other])
    feed = read_finished(discover(path))
    a, b = feed.runs
    assert len(a.series["val_loss"]) == 20 and len(b.series["val_loss"]) == 6
    assert not any("stray" in p.message for src in feed.sources for r in feed.runs for p in src.problems(r))
