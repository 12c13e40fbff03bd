"""scikit-learn consoles whose count starts again (tester h19k item 1; logs written by sklearn 1.9:
tests/data/sklearn_restarts/make.py). A `fit` after a `partial_fit` loop was read as the loop's
next call and then as "a run resumed from a checkpoint" at epoch 2; an MLP's `partial_fit` calls
(each prints `Iteration 1`) fell apart into one run per call; an MLP fit twice with the same seed
read its second fit as a resume at iteration 2 (its identical first record dropped as a duplicate)."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot

DATA = REPO / "tests" / "data" / "sklearn_restarts"


def _xs(path: Path, name: str = "loss") -> list[list[float]]:
    return [[float(x) for x in r.series[name].x("epoch")] for r in read_runs(path)]


def _said(path: Path) -> list[str]:
    return [p.message for s in read_sources(path) for r in s.runs for p in s.problems(r)]


def test_a_fit_after_partial_fit_calls_is_a_run_of_its_own() -> None:
    for case, calls, epochs in (("sgd_pf_then_fit", 5, 8), ("mlp_pf_then_fit", 5, 7)):
        path = DATA / f"{case}.log"
        assert _xs(path) == [
            [float(x) for x in range(1, calls + 1)],
            [float(x) for x in range(1, epochs + 1)],
        ]
        said = _said(path)
        assert not [m for m in said if "read as a resume" in m or "went back" in m], said
        assert any("count from 1 again" in m for m in said), said
        # followed as it is written: the same two runs (the fit's first epoch waits one record)
        assert snapshot(feed_in_chunks(path, [1, 5, 64])) == snapshot(read_runs(path))


def test_mlp_partial_fit_calls_are_one_count_not_a_run_per_call() -> None:
    path = DATA / "mlp_pf_two.log"
    assert _xs(path) == [[float(x) for x in range(1, 13)]]
    (said,) = [m for m in _said(path) if "partial_fit calls" in m]
    assert "does not say where one model's calls end" in said  # (two models here: not told apart)


def test_the_same_fit_twice_is_two_whole_runs() -> None:
    path = DATA / "mlp_fit_twice.log"
    runs = read_runs(path)
    assert [len(r.series["loss"]) for r in runs] == [8, 8]
    assert list(runs[0].series["loss"].values) == list(runs[1].series["loss"].values)
    assert not [m for m in _said(path) if "read as a resume" in m]


def test_mlp_partial_fit_beside_the_loops_own_prints_is_read_by_epoch() -> None:
    """Each call's `Iteration 1` loss at the epoch the loop prints after it (from 0), not at
    fractional epochs as per-batch records."""
    (run,) = read_runs(DATA / "mlp_pf_print.log")
    xs = [float(x) for x in range(6)]
    assert {n: [float(x) for x in s.x("epoch")] for n, s in run.series.items()} == {
        "loss": xs,
        "train_acc": xs,
        "val_loss": xs,
        "val_acc": xs,
    }
