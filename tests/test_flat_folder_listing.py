"""Thousands of logs as flat files in one folder (tester h19t fault 6): discovery asks each log for
its rotated copies, and had listed and sorted the whole folder once per log (O(files^2): 57 s of a
120 s `check` of 5,000 CSV files). The walk now lists a folder once; rotated copies are still found
(the timing itself is benchmarks/bench_check.py --flat)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lossacc_tui import rotated
from lossacc_tui.source import discover

ROWS = "epoch,loss,val_loss,val_acc\n" + "".join(f"{e},{1 / (e + 1)},0.6,0.8\n" for e in range(5))


def test_a_folder_of_flat_logs_is_listed_once_for_their_rotated_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(60):
        (tmp_path / f"run_{i:04d}.csv").write_text(ROWS)
    (tmp_path / "run_0007.csv.1").write_text(ROWS)  # (a rotated copy: read before its log)
    calls: list[str] = []

    class Counted:
        """`os` as rotated.py sees it, its listdir counted."""

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def listdir(self, path: str = ".") -> list[str]:
            calls.append(os.fspath(path))
            return os.listdir(path)

    monkeypatch.setattr(rotated, "os", Counted())
    sources = discover(tmp_path)
    assert len(sources) == 60
    (copied,) = [s for s in sources if len(s.files) == 2]
    assert [f.path.name for f in copied.files] == ["run_0007.csv.1", "run_0007.csv"]
    assert calls.count(str(tmp_path)) <= 1, len(calls)
