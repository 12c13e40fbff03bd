"""A bare name printed after each split's own name takes that split (tester 27: `Train Loss: x, Acc:
y, Val Loss: z, Acc: w` read one `acc` series of the training values, each line's validation
accuracy dropped as "given twice"). Real numpy training, printed as tutorials print it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lossacc_tui.source import discover

DATA = Path(__file__).parent / "data" / "comma_splits"
NUM = re.compile(r"(\w[\w ]*?): ([0-9.]+)")


def _read(name: str) -> tuple[dict[str, list[float]], dict[str, str], list[str]]:
    (src,) = discover(DATA / name)
    src.read_all()
    (run,) = src.runs
    series = {n: list(s.values) for n, s in run.series.items()}
    return series, {n: s.role for n, s in run.series.items()}, [p.message for p in run.problems]


@pytest.mark.parametrize(
    ("name", "train_acc"), [("train_acc_after_split.log", "train_acc"), ("bare_then_val.log", "acc")]
)
def test_each_accuracy_is_read_as_its_split_s(name: str, train_acc: str) -> None:
    series, roles, problems = _read(name)
    printed = [NUM.findall(line.split(" - ", 1)[1]) for line in (DATA / name).read_text().splitlines()]
    assert series[train_acc] == [float(p[1][1]) for p in printed]  # (the first Acc of each line)
    assert series["val_acc"] == [float(p[3][1]) for p in printed]  # (the second, after Val Loss)
    assert roles[train_acc] == "train_acc" and roles["val_acc"] == "val_acc"
    assert not [p for p in problems if "given twice" in p]
