"""A notes file in a run folder is no run (session 15's noticed fault): a `judged.txt` of sentences
that quote the run's numbers (`Epoch 6: val loss 0.45, val acc 0.93, the accuracy stops moving from
here.`) was read by the free-text reader as a second run with made-up metrics (one point each, at no
step). Prose is told from a loop's print by its words (`readers/prose.py`): the folder listing says
the file was skipped and why, the file named on its own is refused with the reason, and a loop that
prints sentences from one template still reads as a log.

The log is a real training: a numpy softmax regression printed by a hand-written loop; the notes
are written from its numbers, as a person judging the run writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.cli import main


def _run_folder(root: Path) -> tuple[Path, list[dict[str, float]]]:
    rows = softmax_regression(epochs=12)
    with open(root / "train.log", "w") as f:
        for e, r in enumerate(rows, 1):
            print(
                f"epoch {e} loss {r['train_loss']:.4f} acc {r['train_acc']:.3f} "
                f"val_loss {r['val_loss']:.4f} val_acc {r['val_acc']:.3f}",
                file=f,
            )
    best = min(range(len(rows)), key=lambda i: rows[i]["val_loss"])
    (root / "judged.txt").write_text(
        f"Epoch 3: loss {rows[2]['train_loss']:.2f} and accuracy {rows[2]['train_acc']:.2f} already; "
        "the model learns fast at lr 0.1.\n"
        f"Epoch 6: val loss {rows[5]['val_loss']:.2f}, val acc {rows[5]['val_acc']:.2f}, the accuracy "
        "stops moving from here.\n"
        f"Epoch 9: training loss {rows[8]['train_loss']:.2f} still falls slowly, accuracy "
        f"{rows[8]['train_acc']:.2f} on the training set.\n"
        f"Epoch {best + 1}: val loss {rows[best]['val_loss']:.2f} is the lowest; I judge the run healthy, "
        "not overfitting.\n"
        f"Verdict: acc {rows[-1]['val_acc']:.3f} is the ceiling of this feature set.\n"
    )
    return root, rows


def test_a_notes_file_beside_a_printed_log_is_skipped_and_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run, _ = _run_folder(tmp_path)
    assert main(["check", "--json", str(run)]) == 0
    out, err = capsys.readouterr()
    runs = json.loads(out)["runs"]
    assert [Path(r["path"]).name for r in runs] == ["train.log"]
    said = [ln for ln in err.splitlines() if "judged.txt" in ln]
    assert len(said) == 1 and "skipped: not a training log" in said[0] and "sentences" in said[0], err
    # named on its own it is refused with the reason, not read as a run; --format text-kv reads it
    assert main(["check", str(run / "judged.txt")]) == 2
    err = capsys.readouterr().err
    assert "not a training log" in err and "sentences" in err and "--format text-kv" in err, err
    assert main(["check", "--json", "--format", "text-kv", str(run / "judged.txt")]) == 0
    capsys.readouterr()


def test_a_loop_that_prints_sentences_from_one_template_is_still_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = softmax_regression(epochs=10)
    with open(tmp_path / "train.log", "w") as f:
        for e, r in enumerate(rows, 1):
            print(
                f"Epoch {e}: loss {r['train_loss']:.4f} and acc {r['train_acc']:.3f} on the training set, "
                f"val_loss {r['val_loss']:.4f} and val_acc {r['val_acc']:.3f} on the held-out set",
                file=f,
            )
    assert main(["check", "--json", str(tmp_path)]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [Path(r["path"]).name for r in runs] == ["train.log"]
    counts = {name: m["count"] for name, m in runs[0]["metrics"].items()}
    assert counts == {"loss": 10, "acc": 10, "val_loss": 10, "val_acc": 10}, counts
