"""Messages about a run use the axis the run is shown on. A JSON lines log whose records carry both
`epoch` and `step` (a torch loop logging per epoch, the optimiser step beside it) is shown on the
epoch axis; when it resumes from a checkpoint, the problem that says which values were replaced
and `check --follow`'s "back to ..., read as a resume" line name epochs, as its plain-text copy does,
never the step
counter. (Tester 19 F9: "step went back to
480 ... steps 480-520" on a run shown by epoch, where the print copy said "epoch went back to 11 ...
epochs 11-12".) A real run from numpy training."""

from __future__ import annotations

import io
import json
from pathlib import Path

from numpy_training import softmax_regression

from lossacc_tui.feed import Feed
from lossacc_tui.source import discover
from lossacc_tui.stream import Printer

STEPS_PER_EPOCH = 40


def test_a_resume_on_an_epoch_axis_run_is_said_in_epochs(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=16, seed=0)
    back = 11  # the job stopped after epoch 12 and resumed from the checkpoint of epoch 10's end
    order = [*range(13), *range(back, 16)]
    log = tmp_path / "log.jsonl"
    log.write_text(
        "".join(json.dumps({"epoch": e, "step": (e + 1) * STEPS_PER_EPOCH, **rows[e]}) + "\n" for e in order)
    )
    [src] = discover(log)
    feed = Feed(analyze=False)
    out = io.StringIO()
    feed.subscribe(Printer(out, as_json=False))  # (what `check --follow` prints as it reads)
    feed.read_source(src, chunk_size=256)
    [run] = feed.runs
    assert f"back to epoch {back}, read as a resume from a checkpoint:" in out.getvalue()
    assert run.x_axis == "epoch"
    [said] = [p.message for p in src.problems(run) if "read as a resume" in p.message]
    assert said.startswith(f"epoch went back to {back},") and f"epochs {back}-12 " in said, said
    assert "step" not in said
    assert list(run.series["val_loss"].epochs) == list(range(16))


def test_a_stray_record_on_an_epoch_axis_run_is_said_in_epochs(tmp_path: Path) -> None:
    """A record another process wrote late (its epoch 10 after this run's epoch 25) in a log whose
    records carry `epoch` and `step`: the run is shown by epoch, and the stray-record problem names
    epochs (the step beside), where it said "step 440 goes back into the run at step 1040"."""
    rows = softmax_regression(epochs=30, seed=0)
    late = softmax_regression(epochs=30, seed=5)[10]  # (another training's epoch 10)
    records = [{"epoch": e, "step": (e + 1) * STEPS_PER_EPOCH, **r} for e, r in enumerate(rows)]
    stray = {"epoch": 10, "step": 11 * STEPS_PER_EPOCH, **late}
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in [*records[:26], stray, *records[26:]]))
    [src] = discover(log)
    feed = Feed(analyze=False)
    feed.read_source(src, chunk_size=256)
    [run] = feed.runs
    assert run.x_axis == "epoch"
    assert list(run.series["val_loss"].epochs) == list(range(30))  # (the stray kept out)
    [said] = [p.message for p in src.problems(run) if "stray" in p.message]
    assert said.startswith("epoch 10 (step 440) goes back into the run at epoch 25 (step 1040), "), said
    assert "carries on at epoch 26 (step 1080)" in said
