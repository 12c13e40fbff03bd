"""Metric names with combining marks and numbers in terminal colours (tester h19t fault 8; data:
tests/data/marks_colours, uni.* are the tester's files). `va\\u0301l_acc` took the role
train_acc (the only accuracy: the run was not analysed); `tr\\u0332ain_loss 0.5` was cut into a
series `ain_loss` beside a problem saying the name could not be taken apart; a cell
`\\x1b[1m3\\x1b[0m` was "not a number"; Keras' console dropped `va\\u0301l_loss` without a word."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot
from rich.cells import cell_len

from lossacc_tui.cli import main

DATA = REPO / "tests" / "data" / "marks_colours"
FILES = ["uni.csv", "uni.log", "a.jsonl", "keras.txt", "kv.log", "m.csv"]


def _roles(name: str) -> dict[str, str]:
    (run,) = read_runs(DATA / name)
    return {n: s.role for n, s in run.series.items() if s.role != "other"}


def _said(name: str) -> list[str]:
    return [p.message for s in read_sources(DATA / name) for r in s.runs for p in s.problems(r)]


def test_a_name_with_combining_marks_is_one_name_its_role_read_from_its_letters() -> None:
    assert _roles("uni.csv") == {
        "loss": "train_loss",
        "val_loss": "val_loss",
        "v\u00e1l_acc": "val_acc",  # (composed with its letter, as it shows)
    }
    assert _roles("uni.log") == {
        "tr\u0332ain_loss": "train_loss",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
        "acc": "train_acc",
    }
    assert _roles("kv.log") == {
        "tr\u00e4in_loss": "train_loss",
        "v\u00e3l_loss": "val_loss",
        "val_acc": "val_acc",
    }
    assert _roles("keras.txt") == {
        "loss": "train_loss",
        "accuracy": "train_acc",
        "v\u00e1l_loss": "val_loss",
        "val_accuracy": "val_acc",
    }
    # typed decomposed in some records and precomposed in others: one series
    (run,) = read_runs(DATA / "a.jsonl")
    assert len(run.series["v\u00e1l_acc"]) == 10 and run.series["tr\u0332ain_acc"].role == "train_acc"
    assert not [m for m in _said("uni.log") if "apart" in m]


def test_a_number_in_colour_is_that_number() -> None:
    (run,) = read_runs(DATA / "uni.csv")
    assert list(run.series["clip"].values) == [float(i) for i in range(12)]
    assert not [m for m in _said("uni.csv") if "not a number" in m]
    (run,) = read_runs(DATA / "m.csv")
    assert len(run.series["v\u00e1l_loss"]) == len(run.series["val_acc"]) == 60
    assert run.series["val_acc"].values[3] == 0.515
    (run,) = read_runs(DATA / "a.jsonl")
    assert run.series["val_loss"].values[1] == 0.75
    (run,) = read_runs(DATA / "keras.txt")
    assert run.series["val_accuracy"].values[0] == 0.52
    (run,) = read_runs(DATA / "kv.log")
    assert run.series["tr\u00e4in_loss"].values[1] == 0.5


@pytest.mark.parametrize("name", FILES)
def test_followed_in_chunks_as_read_whole(name: str) -> None:
    path = DATA / name
    assert snapshot(feed_in_chunks(path, [1, 7, 300])) == snapshot(read_runs(path))


def test_the_check_table_lines_up_names_with_marks(capsys: pytest.CaptureFixture[str]) -> None:
    """A combining mark takes no cell: the role column starts at one place on every row."""
    for name in ("uni.csv", "uni.log"):
        main(["check", str(DATA / name)])
        rows = capsys.readouterr().out.splitlines()[1:6]
        starts = {cell_len(m[0]) for r in rows if (m := re.match(r"  \S+ +", r))}
        assert len(starts) == 1, rows
