"""`check` of a finished log judges its last evaluations, even those logged after the last training
loss (a real Hugging Face Trainer run: the loss every 5 steps, an evaluation at each epoch's end, the
last at step 84 after the last loss at step 80). The alert used to stop one evaluation short: its
title said eval_loss rose to 0.601 beside a summary whose last eval_loss was 0.6017."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import orjson

from lossacc_tui import cli
from lossacc_tui.feed import Feed

STATE = Path(__file__).parent / "data" / "hf_last_eval" / "trainer_state.json"


def _last_eval() -> tuple[float, float]:
    history = orjson.loads(STATE.read_bytes())["log_history"]
    evals = [e for e in history if "eval_loss" in e]
    losses = [e for e in history if "loss" in e]
    assert evals[-1]["step"] > losses[-1]["step"]  # (the premise: no training point after it)
    return float(evals[-1]["epoch"]), float(evals[-1]["eval_loss"])


def _check_json(path: Path) -> dict:  # type: ignore[type-arg]
    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["check", "--json", str(path)])
    return orjson.loads(out.getvalue())


def test_check_judges_the_evaluation_after_the_last_training_loss() -> None:
    epoch, loss = _last_eval()
    run = _check_json(STATE)["runs"][0]
    (alert,) = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    evidence = alert["evidence"]
    assert evidence["now_x"] == epoch
    assert evidence["now_val_loss"] == loss
    assert f"-> {loss:.4f}" in alert["title"]  # (the number beside it in the summary)
    rises = [c for c in alert["claims"] if c["id"] == "loss-rises-beyond-noise"]
    assert rises and rises[0]["end"] == epoch


def test_a_followed_log_still_waits_for_the_training_loss() -> None:
    """While a log grows, the last evaluation waits for the training points that judge it (the
    finished judgement is for a read to the end only)."""
    from lossacc_tui.source import discover

    epoch, _ = _last_eval()
    feed = Feed()
    for src in discover(STATE, None, {}, [], []):
        feed.read_source(src)
    feed.analyse_all()
    (run,) = feed.runs
    (alert,) = [a for a in feed.alerts(run) if a.kind == "overfitting"]
    assert alert.evidence["now_x"] < epoch
