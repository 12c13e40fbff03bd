"""A per-batch log with no step key at all (`{"epoch": e, "loss", "acc"}` once per batch, then
`{"epoch": e, "val_loss", "val_acc"}` at the epoch's end) is ONE run whose x is the fractional
epoch by record order. Before, each batch index of an epoch read as another writer sharing the file:
eight runs, no overfitting alert, a false `runs-disagree`. Writers sharing a file (each with its own
evaluation) still stay apart. Read as it grows, the run ends as `check` reads it. Data: a numpy
MLP's own training (numpy_epoch_steps)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy_epoch_steps import per_batch_records, write_jsonl

from lossacc_tui.cli import main
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.source import Source, discover
from tests.conftest import source_in_chunks

BATCHES = 8  # per epoch: 128 training samples in batches of 16


def _check(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    code = main(["check", "--json", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0
    return json.loads(out)


def test_an_overfitting_run_logged_per_batch_without_a_step_is_one_run_with_its_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recs = per_batch_records(epochs=40, step_key=None)
    path = write_jsonl(tmp_path / "train.jsonl", recs)
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1 and not doc["comparisons"]  # no runs-disagree between batch indexes
    assert "overfitting" in {a["kind"] for a in doc["runs"][0]["alerts"]}
    (r,) = read_finished(discover(path)).runs
    loss, val = r.series["loss"], r.series["val_loss"]
    assert len(loss) == 40 * BATCHES and len(val) == 40  # every record once
    # batch b of epoch e sits at e + b / 8 (its order in the epoch), the evaluation at its epoch
    assert np.allclose(loss.epochs, np.repeat(np.arange(40), BATCHES) + np.tile(np.arange(BATCHES), 40) / 8)
    assert list(val.epochs) == list(range(40))
    assert np.allclose(loss.values, [x["loss"] for x in recs if "loss" in x])


def test_the_same_as_a_csv_is_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As a pandas CSV (`epoch` first: sniffed as a Keras CSVLogger, whose repeated epoch would be
    read as one `fit` per epoch; its evaluation row leaves the batch columns empty)."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "train.csv"
    pd.DataFrame(per_batch_records(epochs=40, step_key=None)).to_csv(path, index=False)
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1 and not doc["comparisons"]
    assert not doc["runs"][0]["problems"]
    assert "overfitting" in {a["kind"] for a in doc["runs"][0]["alerts"]}


def _writers() -> list[dict[str, float]]:
    """Two trainings (one batch per epoch) appending to one file, each its record and its
    evaluation at every epoch, interleaved epoch by epoch."""
    a = per_batch_records(epochs=12, batch=128, step_key=None, seed=1)
    b = per_batch_records(epochs=12, batch=128, step_key=None, seed=2)
    return [r for e in range(12) for w in (a, b) for r in w if r["epoch"] == e]


def test_writers_sharing_a_file_each_with_its_evaluation_stay_apart(tmp_path: Path) -> None:
    recs = _writers()
    path = write_jsonl(tmp_path / "shared.jsonl", recs)
    runs = read_finished(discover(path)).runs
    assert len(runs) == 2
    for r in runs:
        assert list(r.series["loss"].epochs) == list(range(12))
        assert list(r.series["val_loss"].epochs) == list(range(12))


def test_a_few_batches_an_epoch_with_no_evaluation_are_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4 batches an epoch, training records only: too few for the count alone (`MANY`), so the
    values tell. Before, the four batch indexes read as four writers: four runs and a false
    `runs-disagree`."""
    recs = [r for r in per_batch_records(epochs=20, batch=32, step_key=None, seed=6) if "loss" in r]
    path = write_jsonl(tmp_path / "train.jsonl", recs)
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1 and not doc["comparisons"]
    (r,) = read_finished(discover(path)).runs
    loss = r.series["loss"]
    assert len(loss) == 80 and np.allclose(loss.values, [x["loss"] for x in recs])
    assert np.allclose(loss.epochs, np.repeat(np.arange(20), 4) + np.tile(np.arange(4), 20) / 4)


def _trainings_apart(n: int = 2, epochs: int = 15) -> list[dict[str, float]]:
    """`n` trainings with other learning rates and label noise (one batch an epoch, no
    evaluation) appending to one file, epoch by epoch."""
    ws = [
        [
            r
            for r in per_batch_records(
                epochs=epochs,
                batch=128,
                lr=(0.02, 0.5, 1.0)[w],
                flip=(0.3, 0.0, 0.6)[w],
                seed=w,
                step_key=None,
            )
            if "loss" in r
        ]
        for w in range(n)
    ]
    return [w[e] for e in range(epochs) for w in ws]


def test_trainings_with_other_settings_sharing_a_file_without_evaluations_stay_apart(tmp_path: Path) -> None:
    for n in (2, 3):
        runs = read_finished(discover(write_jsonl(tmp_path / f"shared{n}.jsonl", _trainings_apart(n)))).runs
        assert len(runs) == n
        for r in runs:
            assert list(r.series["loss"].epochs) == list(range(15))


def _variants() -> dict[str, list[dict[str, float]]]:
    a = per_batch_records(epochs=5, step_key=None, seed=3)
    b = per_batch_records(epochs=4, step_key=None, seed=4)
    many = per_batch_records(epochs=3, batch=4, step_key=None, seed=5)  # 32 batches per epoch
    return {
        "one": a,
        "restarted": a + b,
        "no-eval-many-batches": [r for r in many if "loss" in r],
        "longer-later": [r for r in a if r["epoch"] or r is a[0] or "val_loss" in r] + b,
        "writers": _writers()[:30],
        "no-eval-few-batches": [
            r for r in per_batch_records(epochs=6, batch=32, step_key=None, seed=7) if "loss" in r
        ],
        "no-eval-writers": _trainings_apart(2, 8),
    }


VARIANTS = _variants()


@settings(max_examples=20, deadline=None)
@given(which=st.sampled_from(sorted(VARIANTS)), sizes=st.lists(st.integers(7, 500), min_size=1, max_size=8))
def test_any_chunking_gives_the_runs_check_gives(
    tmp_path_factory: pytest.TempPathFactory, which: str, sizes: list[int]
) -> None:
    path = write_jsonl(tmp_path_factory.mktemp("chunks") / "log.jsonl", VARIANTS[which])
    (whole,) = discover(path)
    whole.read_all()
    chunked = source_in_chunks(path, sizes)

    def runs(src: Source) -> list[tuple[str, list[tuple[str, list[float], list[float]]]]]:
        return [
            (r.name, [(n, list(s.epochs), list(s.values)) for n, s in r.series.items()]) for r in src.runs
        ]

    assert repr(runs(chunked)) == repr(runs(whole))


def test_each_variant_reads_as_its_trainings(tmp_path: Path) -> None:
    """What each variant above is: one run per training, every record once, x rising in each."""
    want = {"one": [5], "restarted": [5, 4], "no-eval-many-batches": [0], "longer-later": [5, 4]}
    for which, evals in want.items():
        path = write_jsonl(tmp_path / f"{which}.jsonl", VARIANTS[which])
        runs = read_finished(discover(path)).runs
        assert [len(r.series["val_loss"]) if "val_loss" in r.series else 0 for r in runs] == evals, which
        for r in runs:
            assert np.all(np.diff(r.series["loss"].epochs) > 0)
        assert sum(len(r.series["loss"]) for r in runs) == sum("loss" in x for x in VARIANTS[which])


def test_followed_by_passes_the_run_is_one_from_the_start(tmp_path: Path) -> None:
    """The follower's passes, driven by hand: the first epoch is held until it shows per-batch
    records (at most one epoch), never shown as several runs; the run ends as `check` reads it."""
    path = write_jsonl(tmp_path / "train.jsonl", per_batch_records(epochs=30, step_key=None))
    (want,) = read_finished(discover(path)).runs
    (src,) = discover(path)
    feed = Feed()
    feed.add_source(src)
    data, a, seen = path.read_bytes(), 0, []
    while a < len(data):
        with feed.lock:
            feed.appended(src.feed(0, data[a : a + 301]), analyse=False)
        seen.append(len(feed.runs))
        a += 301
    with feed.lock:
        feed.appended(src.finish(0), analyse=False)
    feed.analyse_all()
    assert max(seen) == 1
    (got,) = feed.runs
    for name, s in want.series.items():
        assert np.array_equal(got.series[name].epochs, s.epochs)
        assert np.array_equal(got.series[name].values, s.values)
    assert "overfitting" in {x.kind for x in feed.alerts(got)}
