"""One file's data read once, whatever names reach it (tester 15, fault 3): a `latest.csv` symlink a
trainer points at its current run's log, a hard link, a rotated copy (`metrics.csv.1` from logrotate's
`copytruncate`, `train.log.1` from a `RotatingFileHandler`). `check` on the folder and a follower of it
(started before or after the rotation) show the same runs: a link to a file of the folder is that
file, under its own name; a link to a file elsewhere is read once, under the link's name; a dangling
link is passed over; a rotated copy is the earlier part of its log, never a run of its own.

Real writers: numpy training runs (tests/numpy_training.py) written as Keras CSVLogger rows through
an open file, `os.symlink` + `os.replace` as trainers update a `latest` link, logrotate's
copytruncate (copy, then cut in place, the writer's O_APPEND descriptor kept), and Python's own
`logging.handlers.RotatingFileHandler`. Every wait is on the follower's state."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import shutil
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression
from test_follow import Collector, watch

from lossacc_tui import follow
from lossacc_tui.cli import main
from lossacc_tui.events import PointsAdded

HEADER = "epoch,loss,accuracy,val_loss,val_accuracy\n"
ROWS = softmax_regression(epochs=12, seed=4)


@pytest.fixture(autouse=True)
def _brisk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The follower reads at its shortest gap (its pacing, `follow.MAX_GAP`, is not what is tested
    here): each wait on a state below is a few passes, not a few half-second gaps."""
    monkeypatch.setattr(follow, "MAX_GAP", follow.MIN_GAP)


def row(e: int) -> str:
    r = ROWS[e]
    return f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"


def check_runs(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """`check --json PATH`: each run's name -> how many training-loss values it has."""
    assert main(["check", "--json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    return {r["name"]: r["metrics"]["loss"]["count"] for r in out["runs"]}


def followed(c: Collector) -> dict[str, list[float]]:
    """Each followed run's name -> the epochs of the records it was told, in order."""
    runs: dict[str, list[float]] = {}
    for e in list(c.events):
        if isinstance(e, PointsAdded) and "loss" in e.batch.values:
            runs.setdefault(e.run.name, []).extend(float(x) for x in e.batch.epoch)
    return runs


def point_latest(folder: Path, target: str) -> None:
    """How a trainer points `latest.csv` at its current log: a new link renamed over the old one."""
    tmp = folder / "latest.csv.new"
    tmp.symlink_to(target)
    os.replace(tmp, folder / "latest.csv")


def barrier(folder: Path, c: Collector) -> None:
    """A last run written after everything else, waited for: the follower has looked at what came
    before it (its events came first)."""
    (folder / "zz").mkdir()
    keras_csv(folder / "zz" / "last.csv", ROWS[:2])
    c.wait(lambda: any(name.endswith("zz/last.csv") for name in followed(c)))


def test_check_reads_a_linked_file_once_under_its_own_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    (runs / "run1").mkdir(parents=True)
    keras_csv(runs / "run1" / "history.csv", ROWS)
    (runs / "latest.csv").symlink_to("run1/history.csv")
    (runs / "gone.csv").symlink_to("run9/history.csv")  # dangling: nothing to read, no error
    elsewhere = keras_csv(tmp_path / "other.csv", ROWS[:5])
    (runs / "other_link.csv").symlink_to(elsewhere)  # a file outside: read once, under the link's name
    (runs / "other_again.csv").symlink_to(elsewhere)
    assert check_runs(runs, capsys) == {"runs/run1/history.csv": 12, "runs/other_again.csv": 5}


def test_follow_reads_a_trainer_s_latest_link_as_the_file_it_points_to(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "runs"
    folder.mkdir()
    m, c = watch(folder)
    stop_all(m)
    for k, (lo, hi) in enumerate([(0, 6), (6, 12)], start=1):  # a job resumed in a new run folder
        (folder / f"run{k}").mkdir()
        with open(folder / f"run{k}" / "metrics.csv", "w", encoding="utf-8") as f:
            f.write(HEADER + row(lo))
            f.flush()
            point_latest(folder, f"run{k}/metrics.csv")  # after its first epoch is written
            for e in range(lo + 1, hi):
                f.write(row(e))
                f.flush()
        c.wait(lambda hi=hi: sum(len(v) for v in followed(c).values()) >= hi)
    barrier(folder, c)
    runs = followed(c)
    assert runs.pop("runs/zz/last.csv") == [0.0, 1.0]
    assert runs == {
        "runs/run1/metrics.csv": [float(e) for e in range(6)],
        "runs/run2/metrics.csv": [float(e) for e in range(6, 12)],
    }


def test_follow_a_folder_through_copytruncate_gives_one_run(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "runs"
    folder.mkdir()
    log = folder / "metrics.csv"
    m, c = watch(folder)
    stop_all(m)
    with open(log, "a", encoding="utf-8") as f:  # the trainer's descriptor: O_APPEND, kept open
        f.write(HEADER + "".join(row(e) for e in range(7)))
        f.flush()
        c.wait(lambda: len(followed(c).get("runs/metrics.csv", [])) == 7)
        shutil.copyfile(log, folder / "metrics.csv.1")  # logrotate copytruncate: copy, then cut
        os.truncate(log, 0)
        for e in range(7, 12):
            f.write(row(e))
            f.flush()
    c.wait(lambda: len(followed(c).get("runs/metrics.csv", [])) == 12)
    barrier(folder, c)
    runs = followed(c)
    assert set(runs) == {"runs/metrics.csv", "runs/zz/last.csv"}  # the copy is no run of its own
    assert runs["runs/metrics.csv"] == [float(e) for e in range(12)]  # each epoch once, in order


def _rotating_log(folder: Path) -> None:
    """A training loop logging through `logging.handlers.RotatingFileHandler` (rotated by size:
    train.log -> train.log.1 -> train.log.2, a new train.log each time)."""
    handler = logging.handlers.RotatingFileHandler(folder / "train.log", maxBytes=400, backupCount=5)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger(f"train.{id(folder)}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        for e, r in enumerate(ROWS, start=1):
            log.info(
                "epoch %d loss=%.6f accuracy=%.4f val_loss=%.6f val_accuracy=%.4f",
                e, r["train_loss"], r["train_acc"], r["val_loss"], r["val_acc"],
            )  # fmt: skip
    finally:
        log.removeHandler(handler)
        handler.close()


def test_check_and_a_later_follower_read_rotated_copies_as_the_log_s_earlier_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop_all
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "job"
    folder.mkdir()
    _rotating_log(folder)
    assert (folder / "train.log.2").exists()  # (rotated twice)
    assert check_runs(folder, capsys) == {"job/train.log": 12}
    m, c = watch(folder)
    stop_all(m)
    c.wait(lambda: len(followed(c).get("job/train.log", [])) == 12)
    barrier(folder, c)
    assert followed(c) == {"job/train.log": [float(e) for e in range(1, 13)], "job/zz/last.csv": [0.0, 1.0]}


def test_check_and_follow_read_a_folder_link_s_files_under_their_own_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop_all
) -> None:  # type: ignore[no-untyped-def]
    """`latest/ -> run1/` (a folder link, sorted before the real folder, made while following)."""
    folder = tmp_path / "runs"
    (folder / "run1").mkdir(parents=True)
    m, c = watch(folder)
    stop_all(m)
    with open(folder / "run1" / "metrics.csv", "w", encoding="utf-8") as f:
        f.write(HEADER + row(0))
        f.flush()
        c.wait(lambda: len(followed(c).get("runs/run1/metrics.csv", [])) == 1)
        (folder / "latest").symlink_to("run1")
        for e in range(1, 12):
            f.write(row(e))
            f.flush()
    c.wait(lambda: len(followed(c).get("runs/run1/metrics.csv", [])) == 12)
    barrier(folder, c)
    assert followed(c) == {
        "runs/run1/metrics.csv": [float(e) for e in range(12)],
        "runs/zz/last.csv": [0.0, 1.0],
    }
    assert check_runs(folder, capsys) == {"runs/run1/metrics.csv": 12, "runs/zz/last.csv": 2}


def test_one_file_given_under_two_names_is_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stop_all
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "run1").mkdir()
    real = keras_csv(tmp_path / "run1" / "history.csv", ROWS)
    (tmp_path / "latest.csv").symlink_to("run1/history.csv")
    args = [str(real), str(tmp_path / "latest.csv"), str(tmp_path)]
    assert main(["check", "--json", *args]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)["runs"]] == [str(real)]
    m, c = watch(real, tmp_path / "latest.csv")
    stop_all(m)
    c.wait(lambda: sum(len(v) for v in followed(c).values()) >= 12)
    m.stop()
    assert followed(c) == {str(real): [float(e) for e in range(12)]}
