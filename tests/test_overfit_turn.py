"""Overfitting found where the validation loss turns up, not epochs later (tester 17, fault 3). The
rise rules measure a rise in the larger of the loss's second-difference noise and its "wander", the
spread around one straight line through the last evaluations; across the turn at the best (falling
to it, rising after) that line misses both arms, and the turn itself read as noise: 0.04 nats beside a
second-difference noise of 0.011, so a rise of 0.12 (+50 %) waited 8 epochs and the band called it
flat. The wander is now read around two lines joined at the best. Runs: tester 17's HF Trainer run
(tests/data/tester17_hf_noise/README.md) cut after each epoch as a live log is read, and numpy MLPs
trained by Adam on few noisy labels (tests/numpy_adam.py), whose validation loss turns up the same
way."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

STATE = Path(__file__).parent / "data" / "tester17_hf_noise" / "trainer_state.json"


def _cut(tmp: Path, epoch: float) -> Path:
    """The trainer state as it stood after `epoch` (the tester's scripts/trunc_hf.py)."""
    d = json.loads(STATE.read_text())
    d["log_history"] = [
        h for h in d["log_history"] if h.get("epoch", 0) <= epoch and "train_runtime" not in h
    ]
    out = tmp / f"e{epoch:g}" / "trainer_state.json"
    out.parent.mkdir()
    out.write_text(json.dumps(d))
    return out


def _analyzed(path: Path) -> Analyzer:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return a


# (on main: nothing at epochs 20-26, "state: flat since epoch 23" at 24-26 with eval_loss 35-50 % above
# its best; overfitting opened at epoch 27)
def test_hf_overfitting_open_within_two_epochs_of_the_clear_rise(tmp_path: Path) -> None:
    # the premise, from the log: best 0.2497 at epoch 16, then +33 % by epoch 19 while training fell
    evals = [h for h in json.loads(STATE.read_text())["log_history"] if "eval_loss" in h]
    assert min(evals, key=lambda h: h["eval_loss"])["epoch"] == 16.0 and evals[18]["eval_loss"] > 1.3 * 0.2497
    for epoch in (21.0, 22.0, 24.0, 26.0):
        a = _analyzed(_cut(tmp_path, epoch))
        over = [al for al in a.alerts if al.kind == "overfitting"]
        assert over and over[0].active and over[0].severity == "warning", (
            epoch,
            [al.title for al in a.alerts],
        )
        assert over[0].evidence["best_x"] == 16.0
        assert a.states[-1].state != "flat", (epoch, a.states[-1])
