"""Tester 13's print formats of one real torch run (60 epochs, noisy labels, really overfits: val_loss
0.83 -> 2.94, 161 -> 260 of 600 wrong; tests/data/tester13_noisy/truth.json, training.log the same
run's Keras CSV): train and validation printed on separate lines, each led by its split word, and
JSONL numbers written as strings. Before, validation was read as training (p7), zig-zagged with it in
one series (p5), or merged into the training accuracy (p9), and string numbers were dropped, all
silently; the overfitting went unseen."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data" / "tester13_noisy"


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    """The single run of `lossacc-tui check --json PATH`."""
    assert main(["check", "--json", str(path)]) in (0, 1)
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    return run


def truth() -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """(per-epoch truth with val_loss, val_acc, n_wrong; the Keras CSV rows of the same run)."""
    lines = (DATA / "training.log").read_text().splitlines()
    head = lines[0].split(",")
    rows = [dict(zip(head, map(float, ln.split(",")), strict=True)) for ln in lines[1:]]
    return json.loads((DATA / "truth.json").read_text()), rows


@pytest.mark.parametrize(
    ("name", "first_x"),
    [("p5.txt", 0), ("p7.txt", 1), ("p8.txt", 1), ("p9.txt", 0), ("p2.txt", 1)],
)
def test_each_split_reads_as_its_own_series_on_the_epoch_axis(
    name: str, first_x: int, capsys: pytest.CaptureFixture[str]
) -> None:
    per_epoch, rows = truth()
    run = check(DATA / name, capsys)
    by_role = {m["role"]: m for m in run["metrics"].values()}
    assert sorted(by_role) == ["train_acc", "train_loss", "val_acc", "val_loss"]
    assert all(m["count"] == 60 for m in by_role.values())  # one value per epoch, none lost or merged
    assert run["x_axis"] == "epoch" and by_role["val_loss"]["last_x"] == first_x + 59
    # the values are the split's own, as the run computed them (printed at 4 decimals)
    assert by_role["val_loss"]["first"] == pytest.approx(per_epoch[0]["val_loss"], abs=1e-4)
    assert by_role["val_loss"]["last"] == pytest.approx(per_epoch[-1]["val_loss"], abs=1e-4)
    assert by_role["val_acc"]["first"] == pytest.approx(per_epoch[0]["val_acc"], abs=6e-4)
    assert by_role["train_loss"]["first"] == pytest.approx(rows[0]["loss"], abs=1e-4)
    assert by_role["train_acc"]["last"] == pytest.approx(rows[-1]["accuracy"], abs=6e-4)
    assert run["problems"] == []
    # the run overfits (truth: 161 -> 260 of 600 wrong while the training loss falls to ~0)
    assert per_epoch[-1]["n_wrong"] - min(r["n_wrong"] for r in per_epoch) > 90
    assert "overfitting" in {a["kind"] for a in run["alerts"]}


def test_keras_bare_lines_with_their_own_split_words_keep_their_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pasted Keras line whose every name carries its split word is not split-led: read as before."""
    rows = softmax_regression(epochs=6)
    log = tmp_path / "fit.txt"
    log.write_text(
        "".join(
            f"Epoch {e + 1}/6\nTraining Loss: {r['train_loss']:.4f} - Training Acc.: {r['train_acc']:.4f}"
            f" - Validation Loss: {r['val_loss']:.4f} - Validation Acc.: {r['val_acc']:.4f}\n"
            for e, r in enumerate(rows)
        )
    )
    run = check(log, capsys)
    assert run["format"] == "keras-stdout"
    got = {n: (m["role"], m["count"]) for n, m in run["metrics"].items()}
    assert got == {
        "Training Loss": ("train_loss", 6),
        "Training Acc.": ("train_acc", 6),
        "Validation Loss": ("val_loss", 6),
        "Validation Acc.": ("val_acc", 6),
    }


@pytest.mark.parametrize(
    ("name", "written"), [("strvals.jsonl", "'0.8983'"), ("tensorvals.jsonl", "'tensor(0.8983)'")]
)
def test_jsonl_numbers_written_as_strings_are_read_and_said(
    name: str, written: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`json.dumps(default=str)` of a numpy float32 / a 0-d torch tensor: read, with one problem line."""
    per_epoch, _ = truth()
    run = check(DATA / name, capsys)
    val = run["metrics"]["val_loss"]
    assert val["role"] == "val_loss" and val["count"] == 60
    assert val["first"] == pytest.approx(per_epoch[0]["val_loss"], abs=1e-4)
    assert val["last"] == pytest.approx(per_epoch[-1]["val_loss"], abs=1e-4)
    (problem,) = run["problems"]
    assert "'val_loss'" in problem["message"] and written in problem["message"] and problem["line"] == 1
    assert "overfitting" in {a["kind"] for a in run["alerts"]}


def test_jsonl_strings_that_are_no_number_are_named_tags_stay_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A metric's string that is no number is told (once, by key, first line); a tag's string is not a
    metric and says nothing; every number is still read."""
    rows = softmax_regression(epochs=8)
    log = tmp_path / "metrics.jsonl"
    with log.open("w") as f:
        for e, r in enumerate(rows):
            acc: object = "n/a" if e % 3 == 1 else r["val_acc"]
            f.write(json.dumps({"epoch": e, "phase": "fit", "loss": r["train_loss"], "val_acc": acc}) + "\n")
    run = check(log, capsys)
    assert run["metrics"]["loss"]["count"] == 8
    assert run["metrics"]["val_acc"]["count"] == 8 - 3  # epochs 1, 4, 7 hold "n/a"
    (problem,) = run["problems"]
    assert problem["line"] == 2 and "'val_acc'" in problem["message"] and "'n/a'" in problem["message"]
    assert "phase" not in run["metrics"] and not math.isnan(run["metrics"]["val_acc"]["last"])
