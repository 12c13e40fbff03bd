"""A per-step training loss that diverges into NaN early in a run (fewer than 200 batches logged) is
read as the explosion it is, as the epoch means of the same run read it (#9: the same run in two
formats raises the same kinds; tester 15's `diverge_nan`, whose HuggingFace log, one loss per step,
had no `loss-explosion` while its five epoch-mean formats had a critical one).

The held levels a per-step loss is judged on (the median of 40 batches, the mean of 200) had no
read at all before 200 batches were logged, and the median does not move when a dozen batches rise
before the loss turns NaN."""

from __future__ import annotations

import json
import math
from pathlib import Path

from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover
from tests.numpy_diverge import diverging_run, write_jsonl


def _write_trainer_state(path: Path, rows: list[dict[str, float]], batches: list[dict[str, float]]) -> Path:
    """The run as the HuggingFace Trainer logs it with logging_steps=1: every step's minibatch loss
    at 4 decimals (NaN as is), and an evaluation at each epoch's end; no training accuracy."""
    history: list[dict[str, float]] = []
    for b in batches:
        loss = b["loss"]
        history.append(
            {"epoch": b["epoch"], "step": b["step"], "loss": round(loss, 4) if math.isfinite(loss) else loss}
        )
        for r in rows:
            if r["step"] == b["step"]:
                history.append(
                    {
                        "epoch": float(r["epoch"]),
                        "step": r["step"],
                        "eval_loss": r["val_loss"],
                        "eval_accuracy": r["val_accuracy"],
                    }
                )
    path.write_text(json.dumps({"log_history": history}))
    return path


def _explosions(path: Path, subject: str) -> list[str]:
    """Severities of the loss-explosion alerts on the series `subject`."""
    feed = read_finished(list(discover(path)))
    return [
        a.severity
        for run in feed.runs
        for a in feed.alerts(run)
        if a.kind == "loss-explosion" and a.data.get("subject") == subject
    ]


def _run(seed: int) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """A ReLU MLP whose learning rate triples every epoch: 16 minibatches an epoch, NaN by step 80."""
    batches: list[dict[str, float]] = []
    rows, _ = diverging_run(
        epochs=6, growth=3.0, seed=seed, act="relu", hidden=(64, 64), lr=0.02, batches=batches
    )
    return rows, batches


def test_a_per_step_loss_that_blows_up_into_nan_within_a_dozen_batches_is_an_explosion(
    tmp_path: Path,
) -> None:
    rows, batches = _run(seed=3)
    losses = [b["loss"] for b in batches]
    first_nan = next(i for i, v in enumerate(losses) if not math.isfinite(v))
    # the premise: the batches rose from under 0.5 nats to beyond 1e30 within 8 steps, then NaN, all in
    # the first 80 steps (the epoch's mean, NaN, shows only the NaN)
    assert (
        first_nan < 80 and max(losses[first_nan - 30 : first_nan - 8]) < 0.5 and losses[first_nan - 1] > 1e30
    )
    state = _write_trainer_state(tmp_path / "trainer_state.json", rows, batches)
    # before: no loss-explosion on the per-step loss (its held levels had never been read)
    assert _explosions(state, "loss") == ["critical"]


def test_a_per_step_loss_reads_as_critical_where_its_epoch_means_do(tmp_path: Path) -> None:
    rows, batches = _run(seed=4)
    # the epoch mean of the 4th epoch is 5,000 times the 3rd's: the JSONL reads a critical explosion
    assert rows[3]["loss"] > 1000 * rows[2]["loss"]
    (tmp_path / "hf").mkdir()
    state = _write_trainer_state(tmp_path / "hf" / "trainer_state.json", rows, batches)
    epochs = write_jsonl(tmp_path / "metrics.jsonl", rows)
    assert _explosions(epochs, "loss") == ["critical"]
    # before: a warning, judged on the median of 40 batches that first stood 5 times its best, while
    # the mean of the batches so far stood more than 1000 times its own
    assert _explosions(state, "loss") == ["critical"]
