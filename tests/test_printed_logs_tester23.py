"""Plain-text training logs of common print formats are read whole, with the split each line names
and the epoch the log prints (tester 23, faults F1-F5: each of these files was read wrongly with no
problem line). The files are real trainings' logs (tests/data/tester23_printed/README.md)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, read_runs, read_sources

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Run
from lossacc_tui.source import discover

DATA = REPO / "tests" / "data" / "tester23_printed"


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items() if s.role != "other"}


def by_role(run: Run, role: str) -> str:
    (name,) = [n for n, s in run.series.items() if s.role == role]
    return name


def warnings(run: Run) -> set[str]:
    a = Analyzer(run)
    a.update()
    return {al.kind for al in a.alerts if al.severity in ("warning", "critical")}


def test_a_tqdm_loop_printing_its_epoch_summary_keeps_its_validation() -> None:
    """F1: `tqdm(desc=f"Epoch {ep}")` bars and the loop's `Epoch i/N - ... val_loss ... val_acc`
    lines in one file were read as Lightning's console: only the bar's `loss` kept, validation
    dropped with no word."""
    path = DATA / "tqdm_summary.log"
    (run,) = read_runs(path)
    assert run.format == "tqdm-console"
    assert {"val_loss", "val_acc", "train_acc", "lr"} <= set(run.series)
    assert roles(run)["val_loss"] == "val_loss" and roles(run)["val_acc"] == "val_acc"
    assert list(run.series["val_loss"].epochs) == [1, 2, 3, 4, 5, 6, 7]
    assert run.series["val_acc"].values[0] == 0.6556


def test_a_followed_tqdm_loop_is_told_from_lightning_by_its_first_bars(tmp_path: Path) -> None:
    """F1 under --follow: the first 3 kB hold only the first epoch's bars (no summary line yet):
    with no sign of Lightning (`v_num`, its sub-bars and messages) they are a loop's own tqdm."""
    data = (DATA / "tqdm_summary.log").read_bytes()
    log = tmp_path / "train.log"
    log.write_bytes(data[:3072])
    (src,) = discover(log)
    for pos in range(0, len(data), 3072):
        src.feed(0, data[pos : pos + 3072])
    assert src.format == "tqdm-console"
    (run,) = src.runs
    assert len(run.series["val_loss"]) == 7


def test_mnist_example_lines_without_the_batch_counter_are_epochs() -> None:
    """F2: `Train Epoch: 3 Loss: 1.94` / `Test set: Average loss: ..., Accuracy: k/N` became 120
    one-point series, the last evaluation read as the training loss. Now: one training loss and
    one test evaluation per epoch, at epochs 1..60, and the run's overfitting is seen."""
    (run,) = read_runs(DATA / "test_set.log")
    assert run.format == "pytorch-mnist" and len(run.series) == 3
    assert roles(run) == {"loss": "train_loss", "test_loss": "val_loss", "test_acc": "val_acc"}
    assert list(run.series["test_loss"].epochs) == list(range(1, 61))
    assert run.series["test_loss"].values[-1] == 0.6857
    assert "overfitting" in warnings(run)


def test_an_evaluation_line_is_validation_on_the_printed_epoch() -> None:
    """F3: `Epoch 54 train_loss 0.78` / `Evaluation: loss=0.66 accuracy=0.82`: the accuracy was
    given the training role (high-loss-good-acc then mixed the two splits) and x was a line count."""
    (run,) = read_runs(DATA / "eval_only.log")
    assert run.x_axis == "epoch"
    assert roles(run) == {
        "train_loss": "train_loss",
        "evaluation_loss": "val_loss",
        "evaluation_accuracy": "val_acc",
    }
    assert list(run.series["evaluation_accuracy"].epochs) == list(range(1, 61))
    assert "overfitting" in warnings(run)


def test_sentiment_tutorial_val_dot_lines_are_validation_under_their_epoch() -> None:
    """F4: `Epoch: 01 | Epoch Time: 0m 1s` / `Train Loss: 2.272 | Train Acc: 22.67%` /
    `Val. Loss: 2.147 |  Val. Acc: 55.74%`: the validation (with the dot) was ignored, x = line."""
    (run,) = read_runs(DATA / "bentrevett.log")
    assert run.x_axis == "epoch"
    assert roles(run) == {
        "train_loss": "train_loss",
        "train_acc": "train_acc",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
    }
    assert list(run.series["val_loss"].epochs) == list(range(1, 61))
    np.testing.assert_allclose(run.series["val_acc"].values[:2], [0.5574, 0.7519])
    assert "overfitting" in warnings(run)


def test_a_restored_best_weights_line_is_no_new_evaluation() -> None:
    """F5: `Early stopping at epoch 31; restored best weights from epoch 26: val_loss: 0.0682` was a
    second point at epoch 31 (the curve ended at the restored model's value). Now epoch 31 keeps
    what it scored (0.0780) and the line is a problem line naming what was not read."""
    (src,) = read_sources(DATA / "earlystop.log")
    (run,) = src.runs
    val = run.series[by_role(run, "val_loss")]
    assert len(val) == 31 and val.epochs[-1] == 31 and val.values[-1] == 0.0780
    said = [p.message for p in src.problems(run)]
    assert any("restored" in m.lower() or "early stopping" in m.lower() for m in said), said
    assert any("val_loss" in m for m in said)


def _epochs() -> list[tuple[float, float, float]]:
    """(train_loss, val_loss, val_acc) of each of the 60 epochs of tester 23's real run
    `noise_print_s0`, as its `eval_only.log` prints them."""
    out, train = [], 0.0
    for line in (DATA / "eval_only.log").read_text().splitlines():
        if line.startswith("Epoch"):
            train = float(line.split()[-1])
        else:
            loss, acc = (float(p.split("=")[1]) for p in line.split()[1:])
            out.append((train, loss, acc))
    return out


# the same numbers in other print formats of the same families (section words with and without
# a dot or colon, an evaluation on its own line under the epoch's, percent, summaries after training)
PRINTS = {
    "epoch_hash": lambda i, t, v, a: f"Epoch #{i}: loss {t:.4f}, val loss {v:.4f}, val acc {a * 100:.2f}%\n",
    "ep_no_space": lambda i, t, v, a: f"ep{i} loss {t:.4f} val_loss {v:.4f} val_acc {a:.4f}\n",
    "epoch_paren": lambda i, t, v, a: f"Epoch({i}/60) train_loss={t:.4f} val_loss={v:.4f} val_acc={a:.4f}\n",
    "eval_colon": lambda i, t, v, a: f"Epoch {i}: loss {t:.4f}\nEval: loss {v:.4f} acc {a:.4f}\n",
    "validation_after": lambda i, t, v, a: (
        f"Epoch {i}/60 done. Train loss: {t:.4f}\nEvaluating...\n"
        f"Validation loss: {v:.4f}, Validation accuracy: {a:.4f}\n"
    ),
    "test_average": lambda i, t, v, a: (
        f"Epoch {i}: train loss {t:.4f}\nTest: Average loss: {v:.4f}, Accuracy: {a * 100:.2f}%\n"
    ),
    "testing_dash": lambda i, t, v, a: (
        f"Epoch {i}\nTraining - loss: {t:.4f}\nTesting - loss: {v:.4f} - accuracy: {a:.4f}\n"
    ),
    "valid_dot": lambda i, t, v, a: (
        f"Epoch {i:03d}\n Train Loss: {t:.4f}\n Valid. Loss: {v:.4f} | Valid. Acc: {a * 100:.2f}%\n"
    ),
}
SUMMARIES = {
    "best_at_epoch": "Best val_loss: 0.6045 at epoch 27\n",
    "best_epoch_line": "Training finished. Best epoch: 27, val_loss: 0.6045, val_acc: 0.8981\n",
    "final_no_epoch": "Final test accuracy: 0.8019, test loss: 0.6857\n",
}


def _check_read(run: Run, epochs: list[tuple[float, float, float]]) -> None:
    assert run.x_axis == "epoch"
    train, val, acc = (run.series[by_role(run, r)] for r in ("train_loss", "val_loss", "val_acc"))
    assert list(val.epochs) == list(range(1, 61)) and list(acc.epochs) == list(range(1, 61))
    np.testing.assert_allclose(val.values, [e[1] for e in epochs])
    np.testing.assert_allclose(acc.values, [e[2] for e in epochs], atol=5e-5)
    np.testing.assert_allclose(train.values, [e[0] for e in epochs])
    assert "overfitting" in warnings(run)  # (as in the log's other copies: val_loss 0.6045 -> 0.6857)


@pytest.mark.parametrize("fmt", sorted(PRINTS))
def test_print_formats_of_one_run_read_alike(fmt: str, tmp_path: Path) -> None:
    """Each wording gives the same three series on the printed epochs (on main: x a line count,
    the evaluation dropped or given the training role, or 120 one-point series)."""
    epochs = _epochs()
    log = tmp_path / f"{fmt}.log"
    log.write_text("".join(PRINTS[fmt](i + 1, *e) for i, e in enumerate(epochs)))
    (run,) = read_runs(log)
    _check_read(run, epochs)


@pytest.mark.parametrize("summary", sorted(SUMMARIES))
def test_a_summary_after_training_is_no_new_evaluation(summary: str, tmp_path: Path) -> None:
    """A last line reporting an earlier epoch's (or no epoch's) values is a problem line, not a
    point (on main: a second run, or a step axis with one-point series)."""
    epochs = _epochs()
    log = tmp_path / "train.log"
    lines = [
        f"epoch={i + 1} loss={t:.4f} val_loss={v:.4f} val_accuracy={a:.4f}\n"
        for i, (t, v, a) in enumerate(epochs)
    ]
    log.write_text("".join(lines) + SUMMARIES[summary])
    (src,) = read_sources(log)
    (run,) = src.runs
    _check_read(run, epochs)
    assert any("summary line" in p.message and p.line == 61 for p in src.problems(run))


def test_a_loops_own_history_csv_is_no_keras_csvlogger() -> None:
    """F7: `epoch,train_loss,train_acc,val_loss,val_acc,lr` was read as Keras' CSVLogger (whose
    training metrics are named bare, `loss`), and texts then spoke of Keras' console epochs."""
    (run,) = read_runs(DATA / "history.csv")
    assert run.format == "csv"
    assert roles(run)["train_loss"] == "train_loss" and roles(run)["val_acc"] == "val_acc"


def test_tqdm_bars_without_a_postfix_beside_printed_epochs_are_no_lightning(tmp_path: Path) -> None:
    """The same loop without `set_postfix` (its bars carry no metric; the tester's log with the
    postfix cut off each redraw): on main Lightning's reader took it and read nothing."""
    text = (DATA / "tqdm_summary.log").read_text()
    log = tmp_path / "train.log"
    log.write_text(re.sub(r", loss=[0-9.]+\]", "]", text))
    (run,) = read_runs(log)
    assert run.format == "tqdm-console"
    assert list(run.series["val_loss"].epochs) == [1, 2, 3, 4, 5, 6, 7]


def test_the_mnist_reader_names_printed_lines_it_does_not_read(tmp_path: Path) -> None:
    """Forced to the MNIST example's reader (`--format pytorch-mnist`), a log whose training lines
    are of another wording keeps its evaluations and says which metrics it did not read (on main
    they were dropped with no word)."""
    log = tmp_path / "train.log"
    log.write_text("".join(PRINTS["test_average"](i + 1, *e) for i, e in enumerate(_epochs())))
    (src,) = read_sources(log, fmt="pytorch-mnist")
    (run,) = src.runs
    assert len(run.series["test_loss"]) == 60
    said = [p.message for p in src.problems(run)]
    assert any("not read" in m and "train_loss" in m for m in said), said
