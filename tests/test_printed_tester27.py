"""A loop's printed metrics in the spellings tester 27 met (T2-T4), and scikit-learn's SGD console
(T5): every value read, in the split it was printed for. The logs are real runs' prints
(tests/data/tester27_printed/README.md)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, read_runs, read_sources, source_in_chunks

from lossacc_tui.model import Run
from lossacc_tui.readers.text_kv import parse_line

DATA = REPO / "tests" / "data" / "tester27_printed"
# the torch run's numbers (make_logs.py), to 4 decimals
TRAIN_LOSS = (2.2776, 1.3514)
VAL_LOSS = (2.1589, 0.7164)
VAL_ACC = (0.33, 0.8683)


def read(name: str) -> list[tuple[Run, list[str]]]:
    """The runs of one of the logs, each with the problems said of it."""
    return [
        (run, [p.message for p in src.problems(run)]) for src in read_sources(DATA / name) for run in src.runs
    ]


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items() if s.role != "other"}


def ends(run: Run, name: str, digits: int = 4) -> tuple[float, float]:
    v = run.series[name].values
    return round(float(v[0]), digits), round(float(v[-1]), digits)


def test_arrows_between_a_name_and_its_value_are_separators() -> None:
    """T2: `train loss -> 0.53 | val loss -> 0.60 | val acc -> 0.81`: the file was not a log at all."""
    ((run, said),) = read("arrows_ascii.log")
    assert roles(run) == {"train_loss": "train_loss", "val_loss": "val_loss", "val_acc": "val_acc"}
    assert ends(run, "train_loss") == TRAIN_LOSS and ends(run, "val_loss") == VAL_LOSS
    assert ends(run, "val_acc") == VAL_ACC and len(run.series["val_acc"]) == 12 and not said
    ((run, said),) = read("arrows_unicode.log")
    assert roles(run) == {"train_loss": "train_loss", "val_loss": "val_loss", "val_acc": "val_acc"}
    assert list(run.series["val_acc"].epochs) == list(range(1, 13))
    assert ends(run, "val_loss", 2) == (2.16, 0.72)


def test_a_split_word_between_a_metric_and_its_value_names_its_split() -> None:
    """T2: `loss: train → 2.2776, val → 2.1589 | acc: train → 0.15, val → 0.33` had become two
    metrics named `train` and `val` (the losses), the accuracies lost."""
    ((run, said),) = read("arrows_split.log")
    assert roles(run) == {
        "train_loss": "train_loss",
        "val_loss": "val_loss",
        "train_acc": "train_acc",
        "val_acc": "val_acc",
    }
    assert ends(run, "val_loss") == VAL_LOSS and ends(run, "val_acc", 2) == (0.33, 0.87)
    assert ends(run, "train_acc", 2) == (0.15, 0.67) and not said


def test_a_split_words_arrow_to_its_names_gives_them_its_split() -> None:
    """T2: `Epoch 3 [val] -> loss 0.52 acc 0.79` under `Epoch 3 train -> loss 0.41 acc 0.81` had
    been a second training run (`file#2`) of the validation values."""
    ((run, said),) = read("arrows_words.log")
    assert roles(run) == {
        "loss": "train_loss",
        "acc": "train_acc",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
    }
    assert ends(run, "val_loss") == VAL_LOSS and ends(run, "val_acc") == VAL_ACC
    assert ends(run, "loss") == TRAIN_LOSS and list(run.series["val_acc"].epochs) == list(range(1, 13))
    assert not said


def test_torch_and_numpy_reprs_are_their_numbers() -> None:
    """T3: `loss: tensor(2.2776, grad_fn=<DivBackward0>)`, `val_acc tensor(0.33, device='cpu',
    dtype=torch.float64)`, `np.float64(2.2775509357452393)`, `np.float32(0.32998747)`."""
    ((run, said),) = read("torch_reprs.log")
    assert roles(run) == {"loss": "train_loss", "val_loss": "val_loss", "val_acc": "val_acc"}
    assert ends(run, "loss") == TRAIN_LOSS and ends(run, "val_acc") == VAL_ACC
    assert list(run.series["val_loss"].epochs) == list(range(1, 13)) and not said
    ((run, said),) = read("numpy_reprs.log")
    assert roles(run) == {"train_loss": "train_loss", "val_loss": "val_loss", "val_acc": "val_acc"}
    assert run.series["train_loss"].values[0] == 2.2775509357452393
    assert run.series["val_acc"].values[0] == 0.32998747


def test_a_gpu_tensor_repr_gives_its_number_not_its_device() -> None:
    """A GPU run prints `device='cuda:0'` (this machine has none: torch_reprs.log's first line with
    its device written in): `cuda` had been read as a metric of value 0, the rest lost."""
    line = (DATA / "torch_reprs.log").read_text().splitlines()[0].replace("'cpu'", "'cuda:0'")
    values, epoch, _ = parse_line(line)
    assert values == {"loss": 2.2776, "val_loss": 2.1589, "val_acc": 0.33} and epoch == 1


def test_a_loss_printed_as_several_numbers_is_said_not_read() -> None:
    """`loss: tensor([2.2776, 2.1589], grad_fn=<StackBackward0>)` is no one value: said once, the
    accuracy beside it read."""
    ((run, said),) = read("torch_vector.log")
    assert list(run.series) == ["acc"] and ends(run, "acc") == VAL_ACC
    assert len(said) == 1 and "'loss' is printed as a tensor or array of several numbers" in said[0]


def test_a_split_word_segment_owns_the_segments_after_it() -> None:
    """T4: fairseq's `| epoch 001 | valid on 'valid' subset | loss 2.159 | ...` after its training
    line had been a second training record at each epoch; `train | loss .. | valid | loss ..` had
    read the validation values as repeats of the training ones."""
    ((run, said),) = read("pipes_fairseq.log")
    assert roles(run) == {
        "loss": "train_loss",
        "accuracy": "train_acc",
        "valid_loss": "val_loss",
        "valid_accuracy": "val_acc",
    }
    assert list(run.series["valid_loss"].epochs) == list(range(1, 13))
    assert ends(run, "valid_loss", 3) == (2.159, 0.716) and ends(run, "loss", 3) == (2.278, 1.351)
    assert not said
    ((run, said),) = read("pipes_words.log")
    assert roles(run) == {
        "loss": "train_loss",
        "acc": "train_acc",
        "valid_loss": "val_loss",
        "valid_acc": "val_acc",
    }
    assert ends(run, "valid_acc", 2) == (0.33, 0.87) and ends(run, "loss", 2) == (2.28, 1.35)
    assert not said


def test_sklearn_sgd_console_is_a_loss_per_epoch() -> None:
    """T5: SGDClassifier(verbose=1): `Avg. loss` per `-- Epoch N`, and a problem saying the output
    has no accuracy (it had been 23 rows of norm/nnzs/bias/t series on a row count)."""
    ((run, said),) = read("sgd_binary.log")
    assert run.format == "sklearn-sgd" and run.x_axis == "epoch"
    assert roles(run) == {"loss": "train_loss"}
    assert list(run.series["loss"].epochs) == list(range(1, 24))
    assert ends(run, "loss", 6) == (3.413181, 0.186048)
    assert said == [
        "scikit-learn's SGD output prints a training loss per epoch and no accuracy: no alert that "
        "weighs a loss against an accuracy can open (fit with early_stopping=True to print a "
        "validation score)"
    ]
    ((run, said),) = read("sgd_early.log")
    assert roles(run) == {"loss": "train_loss", "validation score": "val_acc"} and not said
    assert ends(run, "validation score", 6) == (0.578947, 0.631579)


def test_sklearn_sgd_one_vs_rest_models_and_partial_fit_calls() -> None:
    """A multi-class Perceptron prints one count of epochs per class: three runs of 8 epochs, not
    one of 24 rows; partial_fit's `-- Epoch 1` at each call is one epoch per call."""
    runs = read("perceptron_ovr.log")
    assert [len(r.series["loss"]) for r, _ in runs] == [8, 8, 8]
    assert all(list(r.series["loss"].epochs) == list(range(1, 9)) for r, _ in runs)
    assert any("one-vs-rest" in m for _, said in runs for m in said)
    ((run, said),) = read("sgd_partial.log")
    assert list(run.series["loss"].epochs) == list(range(1, 9))
    assert any("partial_fit calls" in m for m in said)


def test_sklearn_sgd_read_in_pieces_as_at_once(tmp_path: Path) -> None:
    """Followed live (the file cut at any byte), the runs are those of one reading."""
    whole = read_runs(DATA / "perceptron_ovr.log")
    src = source_in_chunks(DATA / "perceptron_ovr.log", [7, 61, 3, 200])
    assert [r.name for r in src.runs] == [r.name for r in whole]
    for a, b in zip(src.runs, whole, strict=True):
        np.testing.assert_array_equal(a.series["loss"].values, b.series["loss"].values)


@pytest.mark.parametrize("module", ["printed_values", "metric_splits", "lead_split"])
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"lossacc_tui.readers.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0
