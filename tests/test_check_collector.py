"""`check` over a folder of many runs: the cyclic garbage collector does not scan the growing heap
while the runs are analysed (`gcpause`: each run's analysis lives until the report, and almost none
of it dies in cycles), and it is left as it was found."""

from __future__ import annotations

import gc
import io
from contextlib import redirect_stdout
from pathlib import Path

import orjson
import pytest

from lossacc_tui import cli
from lossacc_tui.feed import Feed
from tests.numpy_training import keras_csv, softmax_regression


def _folder(root: Path, runs: int) -> Path:
    """`runs` Keras CSV logs of real softmax regressions (10 epochs, one seed and rate each)."""
    for i in range(runs):
        rows = softmax_regression(epochs=10, seed=i, lr=0.05 + 0.1 * (i % 5))
        (root / f"run_{i}").mkdir()
        keras_csv(root / f"run_{i}" / "history.csv", rows)
    return root


def test_no_collection_runs_while_a_folder_of_runs_is_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _folder(tmp_path, 12)
    seen: list[int] = []
    inside = [False]

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and inside[0]:
            seen.append(info["generation"])

    analyse = Feed._analyse

    def watched(self: Feed, runs):  # type: ignore[no-untyped-def]
        inside[0] = True
        try:
            return analyse(self, runs)
        finally:
            inside[0] = False

    monkeypatch.setattr(Feed, "_analyse", watched)
    gc.callbacks.append(counted)
    try:
        out = io.StringIO()
        with redirect_stdout(out):
            status = cli.main(["check", "--json", str(root)])
    finally:
        gc.callbacks.remove(counted)
    assert status in (0, 1)
    assert len(orjson.loads(out.getvalue())["runs"]) == 12
    assert seen == []  # (on the trunk: a collection every few hundred new objects)
    assert gc.isenabled()


def test_check_leaves_a_collector_turned_off_off(tmp_path: Path) -> None:
    root = _folder(tmp_path, 2)
    gc.disable()
    try:
        with redirect_stdout(io.StringIO()):
            cli.main(["check", "--json", str(root)])
        assert not gc.isenabled()
    finally:
        gc.enable()
