"""Accuracy units (lossacc_tui/percent.py) on a real numpy run: one stray value above 1 in a series of
fractions is a problem of its own row, never a reason to divide the whole series by 100; a percent
log is still percent; a live series whose reading changes says so."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import REALWORLD, REPO, ctrl_c, popen_ctrl_c, read_runs
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.cli import main
from lossacc_tui.model import Batch, Run


def check(path: Path, capsys: object) -> dict:  # type: ignore[type-arg]
    """The single run of `lossacc-tui check --json PATH`."""
    assert main(["check", "--json", str(path)]) in (0, 1)
    (run,) = json.loads(capsys.readouterr().out)["runs"]  # type: ignore[attr-defined]
    return run


def kinds(run: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((a["kind"], a["severity"]) for a in run["alerts"])


def test_one_stray_accuracy_above_1_is_a_problem_of_its_row_and_nothing_else_changes(
    tmp_path: Path, capsys: object
) -> None:
    """A real 3-class softmax regression (val_acc 0.73-0.77) with one evaluation glitched to 1.02.
    Before, the whole series was divided by 100 (val_accuracy last 0.0074) and the run raised
    `not-cross-entropy` and a `val-unlike-train` warning. Now the user sees the logged values, the
    glitched one left out and named in a problem line, and the clean run's alerts."""
    rows = softmax_regression(epochs=12, classes=3, seed=1)
    clean = keras_csv(tmp_path / "clean.csv", rows)
    glitched = [dict(r) for r in rows]
    glitched[6]["val_acc"] = 1.02
    bad = keras_csv(tmp_path / "glitch.csv", glitched)

    want = np.array([r["val_acc"] for r in rows])
    want[6] = np.nan
    (run,) = read_runs(bad)
    np.testing.assert_array_equal(run.series["val_accuracy"].values, want)  # never 0.0074 for 0.74

    c, g = check(clean, capsys), check(bad, capsys)
    assert g["problems"] == [
        {
            "line": None,
            "message": "val_accuracy: 1.02 at epoch 6 is outside the range of an accuracy (read in"
            " fractions: 0-1): left out of the analysis",
        }
    ]
    assert g["metrics"]["val_accuracy"]["last"] == rows[-1]["val_acc"]
    assert kinds(g) == kinds(c)
    assert not [k for k, _ in kinds(g) if "cross-entropy" in k or "unlike" in k]


def test_a_row_logged_in_percent_among_fractions_is_read_in_its_unit(tmp_path: Path) -> None:
    """One evaluation written in percent (74.17 among 0.75s): that row and the rest each keep their
    unit, and both changes are said."""
    rows = softmax_regression(epochs=12, classes=3, seed=1)
    glitched = [dict(r) for r in rows]
    glitched[6]["val_acc"] = round(rows[6]["val_acc"] * 100, 2)
    (run,) = read_runs(keras_csv(tmp_path / "row.csv", glitched))
    want = [r["val_acc"] for r in rows]  # 74.17 % is 0.7417: the row's own value
    want[6] = glitched[6]["val_acc"] / 100
    np.testing.assert_allclose(run.series["val_accuracy"].values, want)
    said = [p.message for p in run.problems]
    assert len(said) == 2 and all("the unit changes mid-run" in m for m in said)
    assert "at epoch 6): read in percent" in said[0] and "at epoch 7): read in fractions" in said[1]


def test_the_same_run_logged_in_percent_is_percent_without_a_problem(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=12, classes=3, seed=1)
    pct = [dict(r, val_acc=r["val_acc"] * 100, train_acc=r["train_acc"] * 100) for r in rows]
    (run,) = read_runs(keras_csv(tmp_path / "pct.csv", pct))
    np.testing.assert_allclose(run.series["val_accuracy"].values, [r["val_acc"] for r in rows])
    np.testing.assert_allclose(run.series["accuracy"].values, [r["train_acc"] for r in rows])
    assert run.problems == []


def test_real_percent_logs_still_read_as_percent() -> None:
    """DeiT-style JSON lines (CF-ViT) write every accuracy in percent, some below 1 % early on."""
    path = REALWORLD / "jsonl" / "CF-ViT__output_log.txt"
    if not path.is_file():
        pytest.skip("real-world logs not found beside the repo")
    (run,) = read_runs(path)
    raw = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    names = [n for n in run.series if "acc" in n]
    assert names
    for name in names:
        logged = np.array([r[name] for r in raw if name in r], dtype=float)
        assert (logged > 1).mean() > 0.5  # (the log is in percent)
        np.testing.assert_allclose(run.series[name].values, logged / 100)
    units = [p for p in run.problems if "differ only in a number" not in p.message]  # (roles_numbered's note)
    assert not [p for p in units if "accuracy" in p.message or "unit" in p.message]


def test_a_live_series_whose_reading_changes_says_so_and_rescales_what_was_shown() -> None:
    """Followed line by line, a run whose first val_acc is a stray 1.02 reads it as 1.02 % until the
    fractions outvote it; then what was shown is rescaled, 1.02 is left out, and both are said."""
    rows = softmax_regression(epochs=6, classes=3, seed=1)
    acc = np.array([1.02] + [r["val_acc"] for r in rows[1:]])
    run = Run("r", "-", "csv")
    shown = []
    for i in range(len(acc)):
        run.add_batch(Batch(1, {"val_acc": acc[i : i + 1]}, {"val_acc": None}, epoch=np.array([float(i)])))
        shown.append(run.series["val_acc"].values.copy())
    np.testing.assert_allclose(shown[0], [0.0102])  # one value above 1: percent, for now
    np.testing.assert_array_equal(shown[-1][1:], acc[1:])
    assert np.isnan(shown[-1][0])
    assert [p.message for p in run.problems] == [
        "val_acc: now read in fractions (at epoch 1: 1 value in (1, 100], 1 in [0, 1]): 1 value before,"
        " first shown in percent, rescaled",
        "val_acc: 1.02 at epoch 0 is outside the range of an accuracy (read in fractions: 0-1): left out of"
        " the analysis",
    ]


def test_check_follow_tells_the_stray_value_as_a_problem(tmp_path: Path) -> None:
    """`check --follow --json` on the glitched run: the records come as logged, and the stray value
    is told as a problem event (it had been a silent /100 of the whole series)."""
    rows = softmax_regression(epochs=8, classes=3, seed=1)
    glitched = [dict(r) for r in rows]
    glitched[4]["val_acc"] = 1.02
    log = keras_csv(tmp_path / "training.log", glitched)
    proc = popen_ctrl_c(
        [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", str(log)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[dict] = []  # type: ignore[type-arg]
    try:
        while not any(e["event"] == "problem" for e in seen):
            seen.append(json.loads(lines.get(timeout=60)))
    finally:
        _out, err = ctrl_c(proc, timeout=30)
    (problem,) = [e for e in seen if e["event"] == "problem"]
    assert problem["message"] == (
        "val_accuracy: 1.02 at epoch 4 is outside the range of an accuracy (read in fractions: 0-1): left out"
        " of the analysis"
    )
    accs = [e["values"]["val_accuracy"] for e in seen if e["event"] == "record"]
    assert len(accs) == len(rows) and accs[:4] == [r["val_acc"] for r in rows[:4]]
    assert "Traceback" not in err


def test_alerts_of_a_reading_that_changed_close_withdrawn_without_nan() -> None:
    """A tester followed a log whose first two val_acc were 1.01 and 1.02: read in percent at first,
    the run raised warnings on accuracies of 0.0101; once the fractions outvoted them the analysis
    started over, and those warnings closed with titles "... at val_accuracy nan ..." computed from
    the rescaled history. They now close withdrawn: fixed words, no number of a history gone."""
    from lossacc_tui.analysis import Analyzer

    rows = softmax_regression(epochs=12, classes=3, seed=1)
    acc = np.array([1.01, 1.02] + [r["val_acc"] for r in rows[2:]])
    run = Run("r", "-", "csv")
    an = Analyzer(run)
    events = []
    for i, r in enumerate(rows):
        cols = {
            "loss": np.array([r["train_loss"]]),
            "accuracy": np.array([r["train_acc"]]),
            "val_loss": np.array([r["val_loss"]]),
            "val_acc": acc[i : i + 1],
        }
        run.add_batch(Batch(1, cols, dict.fromkeys(cols), epoch=np.array([float(i)])))
        events += an.update()
    opened = {a.kind for what, a in events if what == "opened" and a.start == 0.0}
    closed = [a for what, a in events if what == "closed" and a.kind in opened]
    assert opened and {a.kind for a in closed} == opened  # (the premise: warnings on the first reading)
    for a in closed:
        text = f"{a.title} {a.explanation}".lower()
        assert "nan" not in text and "withdrawn" in text, text
        assert a.evidence == {} and a.claims == []
