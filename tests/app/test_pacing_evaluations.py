"""Points of training alone are drawn less often than evaluations (app/pacing.py): a step-level log
growing by training lines waits for TRAIN_WAIT (3 s) between frames, but a validation value that
comes meanwhile is on screen at the next frame, within a second, with the training points before it.
The log is written by a numpy training loop (logistic regression, SGD): a training loss every step,
an evaluation every 20 steps, as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from app_helpers import sync, wait_for

from lossacc_tui.app import make_app, pacing
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.monitor import Monitor


def train(steps: int, every: int = 20, seed: int = 0) -> list[str]:
    """JSON lines of a logistic regression trained by SGD on two noisy Gaussian blobs: each step's
    batch loss, and every `every` steps the loss and accuracy on a held-out set (its own line)."""
    rng = np.random.default_rng(seed)
    d = 8
    centre = rng.normal(0, 0.6, d)

    def batch(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 2, n)
        return rng.normal(0, 1, (n, d)) + np.where(y[:, None] == 1, centre, -centre), y

    def loss_acc(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        p = 1 / (1 + np.exp(-(x @ w)))
        loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        return float(loss), float(np.mean((p > 0.5) == y))

    held_x, held_y = batch(512)
    w = np.zeros(d)
    lines = []
    for step in range(steps):
        x, y = batch(32)
        loss, _ = loss_acc(w, x, y)
        w -= 0.05 * x.T @ (1 / (1 + np.exp(-(x @ w))) - y) / len(y)
        lines.append(json.dumps({"step": step, "train_loss": loss}) + "\n")
        if step % every == every - 1:
            val_loss, val_acc = loss_acc(w, held_x, held_y)
            lines.append(json.dumps({"step": step, "val_loss": val_loss, "val_acc": val_acc}) + "\n")
    return lines


def last(plot: MetricPlot, role: str) -> float | None:
    curves = [c for c in (plot.data.curves if plot.data else ()) if c.role == role]
    return curves[0].last if curves else None


@sync
async def test_training_points_wait_but_an_evaluation_is_drawn_at_the_next_frame_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "TRAIN_WAIT", 3600.0)  # (training points alone: not drawn by themselves)
    monkeypatch.setattr(pacing, "TRAIN_BUDGET", 1e-9)
    lines = train(260)  # 260 training lines, 13 evaluations
    log = tmp_path / "train.jsonl"

    def after_evaluation(step: int) -> int:
        return lines.index(next(ln for ln in lines if f'"step": {step},' in ln and "val_loss" in ln)) + 1

    start, first = after_evaluation(179), after_evaluation(199)
    log.write_text("".join(lines[:start]))  # steps 0-179, the evaluation at 179 last
    # without the analysis: an alert it opened or closed would be drawn within a second too
    feed = Monitor([log], analyze=False)
    app = make_app(feed, str(log))
    feed.start()
    async with app.run_test(size=(120, 40)) as pilot:
        loss = app.query_one("#loss-plot", MetricPlot)
        val_179 = json.loads(lines[start - 1])["val_loss"]
        await wait_for(pilot, lambda: last(loss, "val_loss") == val_179, what="steps 0-179 drawn")
        await wait_for(pilot, app.first_frame.is_set, what="the first frame painted")
        with log.open("a") as f:  # steps 180-199, an evaluation last: a data frame within a second
            f.write("".join(lines[start:first]))
        train_199 = json.loads(lines[first - 2])["train_loss"]
        val_199 = json.loads(lines[first - 1])["val_loss"]
        await wait_for(
            pilot,
            lambda: last(loss, "train_loss") == train_199 and last(loss, "val_loss") == val_199,
            what="steps 180-199 drawn",
        )
        more = lines[first : first + 19]  # steps 200-218: training alone
        assert not any("val_loss" in ln for ln in more)
        with log.open("a") as f:
            f.write("".join(more))

        def read(n: int) -> bool:
            with app.tracker.lock:
                return len(app.tracker.runs[0].run.series["train_loss"]) == n

        await wait_for(pilot, lambda: read(219), what="the training lines read")
        await pilot.pause()
        assert last(loss, "train_loss") == train_199  # (held back: training points alone)
        evaluation = lines[first + 19 : first + 21]  # step 219: its training line and its evaluation
        assert "val_loss" in evaluation[1]
        with log.open("a") as f:
            f.write("".join(evaluation))
        val = json.loads(evaluation[1])["val_loss"]
        train_219 = json.loads(evaluation[0])["train_loss"]
        await wait_for(
            pilot,
            lambda: last(loss, "val_loss") == val and last(loss, "train_loss") == train_219,
            what="the evaluation drawn, with the training points before it",
        )
