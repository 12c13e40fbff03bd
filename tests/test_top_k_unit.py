"""A top-1 accuracy in percent that starts under 1 % is read in the unit of its top-5 beside it
(tester h19t, 5e: timm-style `val_acc1,val_acc5` of an ImageNet-sized run's first epochs). Read on its
own, 0.12, 0.34, 0.61, 0.93 votes fractions: top-1 93 % beside top-5 4 %, which cannot be, then
"1.31 ... outside the range of an accuracy" and `nan` as the table's last value."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402

ROWS = [
    (6.91, 6.88, 0.12, 0.61),
    (6.71, 6.62, 0.34, 1.52),
    (6.45, 6.31, 0.61, 2.73),
    (6.18, 6.02, 0.93, 3.95),
]


def _csv(path: Path, rows: list[tuple[float, ...]], header: str = "val_acc1,val_acc5") -> Path:
    path.write_text(
        f"epoch,train_loss,val_loss,{header}\n"
        + "".join(f"{e},{','.join(map(str, r))}\n" for e, r in enumerate(rows))
    )
    return path


def _metrics(path: Path) -> dict[str, Any]:
    (run,) = check_json([path])["runs"]
    return {**run["metrics"], "problems": [str(p) for p in run["problems"]]}


@pytest.mark.parametrize("extra", [[], [(5.92, 5.77, 1.31, 5.42)]])
def test_top_1_under_one_percent_is_read_in_its_top_5_unit(
    tmp_path: Path, extra: list[tuple[float, ...]]
) -> None:
    m = _metrics(_csv(tmp_path / "m.csv", ROWS + extra))
    top1, top5 = m["val_acc1"], m["val_acc5"]
    assert top1["role"] == "val_acc"
    assert top1["max"] == pytest.approx(0.0131 if extra else 0.0093), top1
    assert top1["last"] == top1["max"] and top1["max"] <= top5["max"], (top1, top5)
    assert any("val_acc1: read in percent (the unit of val_acc5" in p for p in m["problems"]), m["problems"]


def test_a_top_1_in_fractions_beside_a_top_5_in_percent_keeps_its_unit(tmp_path: Path) -> None:
    # (two units, each possible: 0.62 <= 0.91; read as one unit, top-1 would be 0.62 %: kept apart)
    rows = [(1.2, 1.3, 0.55, 85.0), (1.0, 1.1, 0.6, 89.0), (0.9, 1.0, 0.62, 91.0)]
    m = _metrics(_csv(tmp_path / "m.csv", rows))
    assert m["val_acc1"]["last"] == pytest.approx(0.62) and m["val_acc5"]["last"] == pytest.approx(0.91)
    assert not any("read in percent (the unit of" in p for p in m["problems"]), m["problems"]
