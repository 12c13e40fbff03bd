"""A file of facts written beside a training log is no run (tester 20 T10): `check` of a folder read
tester 19's `truth.jsonl` (one line per evaluation, `{"nan": true, "epoch": 0, "logged_val_loss":
NaN}`) as a second run, gave `logged_val_loss` the role train_loss and raised a `non-finite`
critical for it. What is a training log is told from the records' content: a true/false fact, or a
sample's true and predicted class, is no metric. The file is skipped and said so, in `check` (a
note on stderr, exit status unchanged) and in the follower (a `skipped` status); named on its own
it is read as asked.

The logs are real trainings: tester 19's torch run NaN from its first step (tests/data) with its
truth file written as tester 19's `bad.py` writes it, and a numpy softmax run (Keras-style CSV)
with each evaluation's per-sample predictions written beside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import numpy_softmax
import pytest
from numpy_training import softmax_regression
from test_follow import Collector

from lossacc_tui.cli import main
from lossacc_tui.events import RunAdded, Status
from lossacc_tui.monitor import Monitor

NAN_FIRST = Path(__file__).parent / "data" / "tester19_nan_first" / "log.jsonl"


def _nan_first_folder(root: Path) -> Path:
    """The run's log and its truth file as tester 19's `bad.py` wrote them: per evaluation `{"nan":
    true}` (every probability NaN) with the epoch and the logged validation loss."""
    run = root / "nan_first"
    run.mkdir()
    shutil.copy(NAN_FIRST, run / "log.jsonl")
    with open(run / "truth.jsonl", "w") as f:
        for line in NAN_FIRST.read_text().splitlines():
            rec = json.loads(line)
            f.write(
                json.dumps({"nan": True, "epoch": rec["epoch"], "logged_val_loss": rec["val_loss"]}) + "\n"
            )
    return run


def test_check_of_a_folder_skips_the_truth_file_beside_the_log_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _nan_first_folder(tmp_path)
    assert main(["check", "--json", str(run)]) == 0
    out, err = capsys.readouterr()
    runs = json.loads(out)["runs"]
    assert [Path(r["path"]).name for r in runs] == ["log.jsonl"]
    assert not any("logged_val_loss" in a["title"] for r in runs for a in r["alerts"])
    said = [ln for ln in err.splitlines() if "truth.jsonl" in ln]
    assert len(said) == 1 and "skipped" in said[0] and "nan: true" in said[0], err
    # named on its own, the file is read as the user asked
    assert main(["check", "--json", str(run / "truth.jsonl")]) == 0
    assert [Path(r["path"]).name for r in json.loads(capsys.readouterr().out)["runs"]] == ["truth.jsonl"]


def test_per_sample_predictions_beside_a_log_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    samples: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (labels, predictions, losses)

    class Recorded(numpy_softmax.Facts):
        def add(self, probs: np.ndarray, y: np.ndarray, k: int) -> tuple[float, float]:
            ce = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))
            samples.append((y, probs.argmax(1), ce))
            return super().add(probs, y, k)

    monkeypatch.setattr(numpy_softmax, "Facts", Recorded)
    numpy_softmax.epoch_run(tmp_path / "training.log", k=3, epochs=4, n_train=120, n_val=30)
    with open(tmp_path / "predictions.jsonl", "w") as f:
        for e, (y, pred, ce) in enumerate(samples[1::2]):  # (the validation evaluations)
            for i in range(len(y)):
                f.write(
                    json.dumps(
                        {
                            "epoch": e,
                            "sample": i,
                            "label": int(y[i]),
                            "pred": int(pred[i]),
                            "loss": float(ce[i]),
                        }
                    )
                )
                f.write("\n")
    assert main(["check", "--json", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert [Path(r["path"]).name for r in json.loads(out)["runs"]] == ["training.log"]
    assert "predictions.jsonl: skipped" in err and "`label` and `pred`" in err, err


def test_the_follower_says_the_truth_file_is_skipped_and_follows_the_log(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    run = _nan_first_folder(tmp_path)
    m = Monitor([run])
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)
    c.wait(lambda: any(isinstance(e, Status) and e.state == "skipped" for e in c.events))
    c.wait(lambda: any(isinstance(e, RunAdded) for e in c.events))
    skipped = [e for e in c.events if isinstance(e, Status) and e.state == "skipped"]
    assert [Path(e.path).name for e in skipped] == ["truth.jsonl"]
    assert [Path(r.path).name for r in m.runs] == ["log.jsonl"]


def test_a_log_whose_records_carry_a_flag_beside_their_metrics_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A training loop that logs `"is_best": true` beside `val_loss` writes a log, not facts: in a
    folder it is read as a run (the true/false rule alone had skipped it)."""
    rows = softmax_regression(epochs=8)
    best = np.inf
    with open(tmp_path / "log.jsonl", "w") as f:
        for e, r in enumerate(rows):
            is_best = r["val_loss"] < best
            best = min(best, r["val_loss"])
            f.write(json.dumps({"epoch": e, **r, "is_best": bool(is_best)}) + "\n")
    assert main(["check", "--json", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    [run] = json.loads(out)["runs"]
    assert run["path"].endswith("log.jsonl") and "skipped" not in err
