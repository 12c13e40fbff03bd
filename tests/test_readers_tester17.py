"""One run, the same numbers and the same checkpoint in each format its framework writes (tester 17
faults 4, 5, 10, 11a), on the tester's real runs (tests/data/tester17/README.md says how they
were made and cut):

- transformers 5.x prints the Trainer's dicts with quoted values (`'eval_loss': '1.093'`): read,
  as the run's trainer_state.json holds them;
- a Keras CSVLogger file (0-based epochs) and the `fit` console of the same run (1-based) name the
  same checkpoint file;
- the Lightning tqdm console with `val_check_interval=0.5` keeps both evaluations of each epoch,
  at the steps metrics.csv gives them;
- the Rich progress bar redirected to a file: its one state is read and a problem line says
  where the earlier epochs are;
- a CSV header holding escape sequences is read, its names cleaned as the JSONL reader cleans them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs, read_sources

from lossacc_tui.cli import main
from lossacc_tui.model import Run
from lossacc_tui.source import discover

DATA = Path(__file__).parent / "data" / "tester17"


def _one(path: Path) -> Run:
    (run,) = read_runs(path)
    return run


def test_transformers5_console_quoted_values_are_the_trainer_states_numbers() -> None:
    console = _one(DATA / "hf_noise" / "console.txt")
    state = _one(DATA / "hf_noise" / "trainer_state.json")
    assert console.format == "hf-stdout" and not console.problems
    for name in ("eval_loss", "eval_accuracy", "loss"):
        got, want = console.series[name], state.series[name]
        assert len(got) == len(want) == 40
        assert list(got.epochs) == list(want.epochs)
        # the console prints 4 significant digits of the same value
        np.testing.assert_allclose(got.values, want.values, rtol=5e-4)


#: a sentence naming a checkpoint to act on, and Keras' own number where the log's differs
_ACT = re.compile(
    r"(?:checkpoints? at(?: or before)?|Early-stop at|\) and) epoch (\d+)"
    r"(?: \(epoch (\d+) in Keras' console)?"
)


def _named_epochs(capsys: pytest.CaptureFixture[str], path: Path) -> list[tuple[str, int]]:
    """(alert kind, the epoch Keras numbers it) of every checkpoint an explanation names."""
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    out = []
    for run in doc["runs"]:
        for a in run["alerts"]:
            text = " ".join(a["explanation"].split())
            out += [(a["kind"], int(m.group(2) or m.group(1))) for m in _ACT.finditer(text)]
    return sorted(out)


def test_keras_csv_and_console_of_one_run_name_the_same_checkpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """CSVLogger writes the epoch index (0-4), `fit` prints Epoch 1/5 .. 5/5 and ModelCheckpoint's
    `{epoch}` is 1-based: from the CSV the tool said "the checkpoint at epoch 4" for Keras' 5th."""
    from_csv = _named_epochs(capsys, DATA / "keras_finetune" / "training.log")
    from_console = _named_epochs(capsys, DATA / "keras_finetune" / "console.txt")
    assert from_csv and from_csv == from_console
    # the lowest val_loss of this 5-epoch fine-tune is its last epoch: Keras' epoch 5
    assert from_console == [("high-loss-good-acc", 5)]


def test_lightning_tqdm_console_keeps_every_evaluation_at_the_csvs_steps() -> None:
    bar = _one(DATA / "pl_tqdm_vci" / "console.txt")
    csv = _one(DATA / "pl_tqdm_vci" / "metrics.csv")
    assert bar.format == "lightning-console" and bar.x_axis == csv.x_axis == "step"
    for name in ("val_loss", "val_acc", "train_loss_epoch"):
        got, want = bar.series[name], csv.series[name]
        assert list(got.steps) == list(want.steps)  # two evaluations an epoch, none dropped
        assert list(got.epochs) == list(want.epochs)
        np.testing.assert_allclose(got.values, want.values, rtol=6e-3)  # 3 significant digits shown


def test_lightning_rich_bar_in_a_file_is_read_and_says_what_it_lacks() -> None:
    (src,) = read_sources(DATA / "pl_rich" / "console.txt")
    (run,) = src.runs
    assert run.format == "lightning-console"
    assert run.series["val_loss"].values.tolist() == [0.216]
    assert run.series["val_acc"].epochs.tolist() == [59.0]
    assert "v_num" not in run.series
    (problem,) = src.problems(run)
    assert "epochs 0-58" in problem.message and "TQDMProgressBar" in problem.message


def test_lightning_rich_bar_followed_in_pieces_gives_the_same_state_once() -> None:
    """A follower never sees the file end, and Rich prints its state last: each block says what it
    completes; a column cut between blocks gives each value once."""
    path = DATA / "pl_rich" / "console.txt"
    data = path.read_bytes()
    (whole,) = read_runs(path)
    (src,) = discover(path)
    for pos in range(0, len(data), 97):
        src.feed(0, data[pos : pos + 97])
    (run,) = src.runs
    assert {k: s.values.tolist() for k, s in run.series.items()} == {
        k: s.values.tolist() for k, s in whole.series.items()
    }
    assert len(src.problems(run)) == 1


def test_csv_header_with_escape_sequences_is_read_with_its_names_cleaned() -> None:
    csv = _one(DATA / "esc" / "esc.csv")
    jsonl = _one(DATA / "esc" / "esc.jsonl")
    assert all(name.isprintable() for name in csv.series)
    assert csv.series["val_loss"].role == "val_loss"
    assert csv.series["val_loss"].values.tolist() == jsonl.series["val_loss"].values.tolist()
