"""A run holds the same series, in the same order, with the same values, however its history was
cut into batches: a backlog read at once, 1 MB at a time, or a few bytes at a time."""

from __future__ import annotations

import numpy as np
import pytest

from lossacc_tui import percent
from lossacc_tui.model import Batch, Run
from lossacc_tui.readers import bulk
from tests.conftest import REALWORLD
from tests.test_bulk_readers import full_snapshot, read


def test_a_late_column_comes_after_the_others_however_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lightning's metrics.csv names test_loss first but logs it last: its series comes last."""
    path = REALWORLD / "lightning_csv" / "cv-image-classification__version_0__metrics.csv"
    if not path.is_file():
        pytest.skip("real-world logs not found beside the repo")
    monkeypatch.setattr(bulk, "ENABLED", False)
    whole = full_snapshot(read(path, [1 << 30]))
    names = [s[0] for s in whole[0][4]]
    assert names[-1] == "test_loss" and "train_loss" in names
    for sizes in ([4096], [97, 1000, 13]):
        assert full_snapshot(read(path, sizes)) == whole, sizes


def test_accuracy_in_percent_is_found_the_same_way_however_batched() -> None:
    """An accuracy logged in percent becomes a fraction whether its first value above 1 comes in
    the first batch or later, and a value above 100 later on does not undo it (it is left out)."""
    acc = np.array([0.0, 0.5, 12.5, 40.0, 75.0, 150.0, 99.0])

    def run_of(cuts: list[int]) -> np.ndarray:
        run = Run("r", "-", "csv")
        for a, b in zip([0, *cuts], [*cuts, len(acc)], strict=True):
            run.add_batch(Batch(b - a, {"val_acc": acc[a:b]}, {"val_acc": None}, epoch=np.arange(a, b, 1.0)))
        return run.series["val_acc"].values.copy()

    whole = run_of([])
    want = acc / 100
    want[5] = np.nan  # 150 % is no accuracy: left out (a problem line), never 1.5
    np.testing.assert_array_equal(whole, want)
    for cuts in ([1], [2], [3], [2, 5], [1, 2, 3, 4, 5, 6]):
        np.testing.assert_array_equal(run_of(cuts), whole)


def test_a_name_without_a_value_makes_no_series() -> None:
    run = Run("r", "-", "jsonl")
    run.add_batch(
        Batch(2, {"loss": np.array([1.0, 0.9]), "lr": np.array([np.nan, np.nan])},
              {"loss": None, "lr": np.array([False, False])}, step=np.array([1.0, 2.0]))
    )  # fmt: skip
    assert list(run.series) == ["loss"]
    run.add_batch(Batch(1, {"lr": np.array([0.1])}, {"lr": None}, step=np.array([3.0])))
    assert list(run.series) == ["loss", "lr"] and run.points == 3


def test_accuracy_units_and_range_are_the_same_in_small_live_batches_and_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live log's batches of one to three lines take percent.py's plain-Python path, a backlog the
    numpy one: for accuracies in fractions, in percent, changing unit mid-run, out of range, NaN and
    infinite, the values kept are the same however batched (to rounding when rescaled), the notes
    of the same batches are the same on either path, and live batches give the backlog's notes
    unless the unit decision changed on the way, which a note then says."""
    rng = np.random.default_rng(7)
    pieces = [
        lambda k: rng.uniform(0.05, 0.99, k),  # fractions
        lambda k: rng.uniform(5.0, 99.0, k),  # percent
        lambda k: rng.choice([np.nan, np.inf, -0.0, 1.0, 100.0, 130.0, -0.2, 1.5], k),
    ]
    changed = 0
    for trial in range(60):
        kinds = rng.integers(3, size=int(rng.integers(1, 8)))
        acc = np.concatenate([pieces[int(k)](int(rng.integers(1, 6))) for k in kinds])

        def run_of(sizes: list[int], acc: np.ndarray = acc) -> tuple[np.ndarray, list[str]]:
            run = Run("r", "-", "csv")
            a = 0
            for k in sizes:
                b = min(len(acc), a + k)
                epoch = np.arange(a, b, 1.0)
                run.add_batch(Batch(b - a, {"val_acc": acc[a:b]}, {"val_acc": None}, epoch=epoch))
                a = b
            return run.series["val_acc"].values.copy(), [p.message for p in run.problems]

        whole = run_of([len(acc)])
        assert not any("now read in" in n for n in whole[1])  # one batch: decided once, nothing shown before
        for sizes in ([1] * len(acc), [int(k) for k in rng.integers(1, 4, len(acc))]):
            got = run_of(sizes)
            if any("now read in" in n for n in got[1]):
                changed += 1  # values rescaled twice: equal to the last bit or two
                np.testing.assert_allclose(got[0], whole[0], rtol=1e-12, err_msg=f"trial {trial}: {acc}")
                assert {n for n in whole[1] if "unit changes" in n} <= set(got[1]), (trial, acc)
            else:
                np.testing.assert_array_equal(got[0], whole[0], err_msg=f"trial {trial}: {acc}")
                assert got[1] == whole[1], (trial, acc)
            with monkeypatch.context() as m:
                m.setattr(percent, "SMALL", 0)  # every batch on the numpy path
                slow = run_of(sizes)
            np.testing.assert_array_equal(slow[0], got[0])
            assert slow[1] == got[1], (trial, acc, sizes)
    assert changed  # the trials include decisions that changed live
