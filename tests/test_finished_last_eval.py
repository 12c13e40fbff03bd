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


def _followed_alert(path: Path) -> dict[str, float]:
    """The overfitting alert's evidence as the view's feed has it (a followed log: not `finished`)."""
    from lossacc_tui.source import discover

    feed = Feed()
    for src in discover(path, None, {}, [], []):
        feed.read_source(src)
    feed.analyse_all()
    (run,) = feed.runs
    (alert,) = [a for a in feed.alerts(run) if a.kind == "overfitting"]
    return alert.evidence


def test_the_view_judges_it_once_the_trainer_said_training_ended() -> None:
    """The Trainer's final summary entry (`train_runtime`) says no point will follow: the view, which
    follows the file, judges the last evaluation too (its alert and its summary agree)."""
    epoch, loss = _last_eval()
    evidence = _followed_alert(STATE)
    assert (evidence["now_x"], evidence["now_val_loss"]) == (epoch, loss)


def test_a_log_of_a_run_still_training_waits_for_the_training_loss(tmp_path: Path) -> None:
    """A checkpoint's trainer_state.json, saved while training goes on, has no summary entry: its
    last evaluation waits for the training points that judge it (results must not depend on when
    the file was read)."""
    epoch, _ = _last_eval()
    doc = orjson.loads(STATE.read_bytes())
    doc["log_history"] = [e for e in doc["log_history"] if "train_runtime" not in e]
    saved = tmp_path / "trainer_state.json"
    saved.write_bytes(orjson.dumps(doc))
    assert _followed_alert(saved)["now_x"] < epoch
