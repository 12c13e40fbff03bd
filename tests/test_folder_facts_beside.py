"""A file of facts about a run, written beside its log, is no second run (tester 22: the per-epoch
truth `binary_thresh/per_epoch_truth.jsonl` beside `metrics.jsonl` was read as a run with 13 series;
tester 17: each Keras run folder's `truth.jsonl` became a run that joined runs-disagree). Nothing in
such a file's format tells it from a log: what the folder holds does (its names are facts about
predictions, no loss/accuracy pair of a run, and its x values are the log's evaluations). It is
skipped with a one-line note that says how to read it alone; real side files of the frameworks (a
Keras `history.csv` beside the CSVLogger file, Lightning's `hparams.yaml`) stay as they were.

Logs: tester 22's torch run and the truth its loop wrote (tests/data/tester22_binary), tester 17's
Keras runs with their truth (tests/data/tester17_*), and a numpy label-smoothing run
(tests/numpy_smoothing.py) whose per-epoch validation truth comes with each epoch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from numpy_smoothing import smoothed_run
from test_follow import Collector

from lossacc_tui.cli import main
from lossacc_tui.events import RunAdded, Status
from lossacc_tui.monitor import Monitor

DATA = Path(__file__).parent / "data"
BINARY = DATA / "tester22_binary"


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, str]:
    assert main(["check", "--json", *args]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_a_runs_per_epoch_truth_beside_its_log_is_skipped_and_said_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc, err = _check(capsys, str(BINARY))
    assert [Path(r["path"]).name for r in doc["runs"]] == ["binary_thresh.jsonl"]
    (said,) = [ln for ln in err.splitlines() if "binary_thresh_truth.jsonl" in ln]
    assert "skipped: facts about the run logged in binary_thresh.jsonl beside it" in said
    assert "n_wrong" in said and "name the file itself" in said
    # named on its own, the file is read as the user asked
    doc, _ = _check(capsys, str(BINARY / "binary_thresh_truth.jsonl"))
    assert [Path(r["path"]).name for r in doc["runs"]] == ["binary_thresh_truth.jsonl"]


def test_truth_files_of_run_folders_never_join_a_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tester 17's layout: each Keras run folder holds the CSVLogger log and the tester's truth
    (`x` counting the evaluations from 0, as the CSV's epochs do)."""
    for name in ("tester17_finetune", "tester17_imbalance"):
        shutil.copytree(DATA / name, tmp_path / name)
    doc, err = _check(capsys, str(tmp_path))
    assert sorted(r["name"].split("/", 1)[1] for r in doc["runs"]) == [
        "tester17_finetune/training.log",
        "tester17_imbalance/training.log",
    ]
    assert "truth.jsonl" not in json.dumps(doc["comparisons"])
    assert err.count("truth.jsonl: skipped: facts about the run logged in training.log") == 2


def test_the_frameworks_side_files_stay_what_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Keras run as users keep it: CSVLogger's `training.log`, `history.csv` from
    `pd.DataFrame(history.history).to_csv(...)` (the same run again: a copy, read as one), Lightning-
    style `hparams.yaml` (parameters), and the loop's per-epoch truth of the validation predictions
    (skipped)."""
    rows = smoothed_run(classes=4, eps=0.0, epochs=12, n_train=200, n_val=300, sep=0.8, seed=2)
    log = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    log += [
        f"{e},{r['train_acc']},{r['train_loss']},{r['val_acc']},{r['val_loss']}" for e, r in enumerate(rows)
    ]
    (tmp_path / "training.log").write_text("\n".join(log) + "\n")
    hist = [",loss,accuracy,val_loss,val_accuracy"]
    hist += [
        f"{e},{r['train_loss']},{r['train_acc']},{r['val_loss']},{r['val_acc']}" for e, r in enumerate(rows)
    ]
    (tmp_path / "history.csv").write_text("\n".join(hist) + "\n")
    (tmp_path / "hparams.yaml").write_text("lr: 0.01\nbatch_size: 32\nnum_classes: 4\n")
    with open(tmp_path / "truth.jsonl", "w") as f:
        for e, r in enumerate(rows):
            facts = {k: r[k] for k in ("n_wrong", "mean_conf", "pred_share", "mistake_share")}
            f.write(json.dumps({"epoch": e, "acc": r["val_acc"], "loss": r["val_ce"], **facts}) + "\n")
    doc, err = _check(capsys, str(tmp_path))
    assert sorted(Path(r["path"]).name for r in doc["runs"]) == ["history.csv", "training.log"]
    assert "truth.jsonl: skipped: facts about the run" in err
    assert "history.csv" not in err and "training.log" not in err.replace("in training.log beside", "")


def test_the_follower_says_the_truth_file_is_skipped_and_follows_the_log(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "binary_thresh"
    shutil.copytree(BINARY, run)
    m = Monitor([tmp_path])
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)
    c.wait(lambda: any(isinstance(e, Status) and e.state == "skipped" for e in c.events))
    c.wait(lambda: any(isinstance(e, RunAdded) for e in c.events))
    skipped = [e for e in c.events if isinstance(e, Status) and e.state == "skipped"]
    assert [Path(e.path).name for e in skipped] == ["binary_thresh_truth.jsonl"]
    assert "facts about the run logged in binary_thresh.jsonl" in skipped[0].message
    with m.lock:
        assert [Path(r.path).name for r in m.runs] == ["binary_thresh.jsonl"]
