"""A printed metric's split is read from the abbreviations people print (`tr_loss`, `va_acc`) and from
a section word after the line's epoch counter (`[Epoch 3] Validation: loss=..`); an accuracy or a
loss whose split is not said, beside metrics that say theirs, takes no role and a problem line names
`--map` (tester 24 N3: a validation accuracy read as the training one was paired with the training
loss, and every bound was worked out on a loss and an accuracy of different data). The logs are a
real run's numbers in two print wordings (tests/data/tester24_printed/README.md)."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, read_runs, source_in_chunks

from lossacc_tui.analysis import Analyzer
from lossacc_tui.model import Run
from lossacc_tui.roles import assign_roles

DATA = REPO / "tests" / "data" / "tester24_printed"


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items()}


def pair_subjects(run: Run) -> set[str]:
    """The loss and accuracy names the run's alert titles reason about."""
    a = Analyzer(run)
    a.update()
    return {w for al in a.alerts for w in al.title.replace(":", " ").split() if w in run.series}


def test_abbreviated_split_prefixes_take_their_split() -> None:
    (run,) = read_runs(DATA / "own_abbrev.log")
    assert roles(run) == {"tr_loss": "train_loss", "va_loss": "val_loss", "va_acc": "val_acc"}
    assert run.series["va_acc"].values[-1] == 0.88  # (printed 88.0: a percent)
    assert "tr_loss" not in pair_subjects(run)  # (the validation pair is analysed, not tr_loss at va_acc)


def test_a_section_word_after_a_bracketed_epoch_names_the_split() -> None:
    (run,) = read_runs(DATA / "own_eval.log")
    assert roles(run) == {
        "train_loss": "train_loss",
        "validation_loss": "val_loss",
        "validation_accuracy": "val_acc",
    }
    assert list(run.series["validation_loss"].epochs[:3]) == [1, 2, 3]
    assert run.series["validation_accuracy"].values[-1] == 0.8796
    assert not run.problems


def test_a_section_word_within_a_line_names_the_split_of_what_follows(tmp_path: Path) -> None:
    """The same run printed one line per epoch:
    `Epoch 3 | train: loss=.. | Validation: loss=.., accuracy=..`."""
    lines = (DATA / "own_eval.log").read_text().splitlines()
    log = tmp_path / "train.log"
    with log.open("w") as f:
        for tr, va in zip(lines[::2], lines[1::2], strict=True):
            epoch = tr.split("]")[0].strip("[")
            f.write(f"{epoch} | train: loss={tr.split('=')[1]} | {va.split('] ')[1]}\n")
    (run,) = read_runs(log)
    assert roles(run) == {
        "loss": "train_loss",
        "validation_loss": "val_loss",
        "validation_accuracy": "val_acc",
    }
    assert list(run.series["loss"].epochs[:3]) == [1, 2, 3] and len(run.series["validation_loss"]) == 40
    assert run.series["validation_accuracy"].values[-1] == 0.8796 and not run.problems


def test_split_words_before_or_after_in_any_spelling() -> None:
    got = assign_roles(["trn.loss", "loss-vl", "Acc VA", "trn acc"])
    assert got == {
        "trn.loss": "train_loss",
        "loss-vl": "val_loss",
        "Acc VA": "val_acc",
        "trn acc": "train_acc",
    }


def test_an_accuracy_of_unsaid_split_beside_a_named_training_loss_is_not_read_as_training(
    tmp_path: Path,
) -> None:
    """The same run with the section word left out (`[Epoch 3] loss=.., accuracy=..`): the accuracy
    may be either split's; it is not paired with the training loss, and the problem says `--map`."""
    log = tmp_path / "train.log"
    log.write_text((DATA / "own_eval.log").read_text().replace("Validation: ", ""))
    (run,) = read_runs(log)
    got = roles(run)
    assert got["train_loss"] == "train_loss"
    assert got["accuracy"] == "other" and got["loss"] == "other"
    said = " ".join(p.message for p in run.problems)
    assert "accuracy: an accuracy whose name does not say its split" in said
    assert "--map val_acc=accuracy or --map train_acc=accuracy" in said
    assert "--map val_loss=loss" in said
    assert not {"accuracy"} & pair_subjects(run)
    mapped = assign_roles(list(run.series), {"val_acc": "accuracy", "val_loss": "loss"})  # (--map)
    assert mapped["accuracy"] == "val_acc" and mapped["loss"] == "val_loss"

    # (followed line by line: `train loss .. acc ..` before its `valid loss .. acc ..` line; the bare
    # acc is training's once the valid one is read, and nothing stays said of it)
    (p9,) = source_in_chunks(REPO / "tests" / "data" / "tester13_noisy" / "p9.txt", [40]).runs
    assert roles(p9)["acc"] == "train_acc" and not p9.problems
    keras = assign_roles(["loss", "accuracy", "val_loss", "val_accuracy"])  # (training named bare)
    assert keras == {
        "loss": "train_loss",
        "accuracy": "train_acc",
        "val_loss": "val_loss",
        "val_accuracy": "val_acc",
    }
