"""A JSONL log whose step counts within each epoch (`{"epoch": e, "step": 0..B-1}`, or `iter`,
`batch`, `batch_idx`; a custom PyTorch loop's usual log) is ONE run whose x is the fractional
epoch: before, it was cut into one run per epoch, the overfitting alert was lost and a false
`runs-disagree` compared the last epoch with the first. A real restart (the epoch going back too)
is still a resume or a new run. Read as it grows, the first epoch cannot show the restart yet: the
second epoch's first record moves the run to the epoch axis, with no point lost or doubled, and
the run ends the same as `check` reads it. Data: a numpy MLP's own training (numpy_epoch_steps)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy_epoch_steps import per_batch_records, write_jsonl

from lossacc_tui.cli import main
from lossacc_tui.events import Event, PointsAdded, RunReset
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.source import Source, discover
from lossacc_tui.stream import Printer
from tests.conftest import source_in_chunks

BATCHES = 8  # per epoch: 128 training samples in batches of 16


def _check(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    code = main(["check", "--json", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize("key", ["step", "iter", "batch", "batch_idx"])
def test_an_overfitting_run_logged_per_batch_is_one_run_with_its_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    recs = per_batch_records(epochs=40, step_key=key)
    path = write_jsonl(tmp_path / "train.jsonl", recs)
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1
    assert not doc["comparisons"]  # no runs-disagree between its epochs
    (run,) = doc["runs"]
    assert "overfitting" in {a["kind"] for a in run["alerts"]}
    (r,) = read_finished(discover(path)).runs
    assert r.x_axis == "epoch"
    loss, val = r.series["loss"], r.series["val_loss"]
    assert len(loss) == 40 * BATCHES and len(val) == 40  # every record once
    assert np.all(np.diff(loss.epochs) > 0) and np.all(np.diff(val.epochs) > 0)
    # batch b of epoch e sits at e + b / 8, the evaluation at its epoch
    assert np.allclose(loss.epochs, np.repeat(np.arange(40), BATCHES) + np.tile(np.arange(BATCHES), 40) / 8)
    assert list(val.epochs) == list(range(40))
    assert np.allclose(loss.values, [x["loss"] for x in recs if "loss" in x])


def test_a_run_that_keeps_learning_is_one_run_without_overfitting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", per_batch_records(lr=0.1, flip=0.0))
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1 and not doc["comparisons"]
    assert "overfitting" not in {a["kind"] for a in doc["runs"][0]["alerts"]}


def test_a_restart_from_scratch_is_still_a_new_run_and_a_resume_one_run(tmp_path: Path) -> None:
    """Epoch going back to 0 with the step: a second training (two runs). Epoch going back to 12
    (a checkpoint): one run, the re-logged epochs replaced, a problem line says so."""
    a = per_batch_records(epochs=20, seed=1)
    b = per_batch_records(epochs=20, seed=2)
    restarted = write_jsonl(tmp_path / "restarted.jsonl", a + b)
    runs = read_finished(discover(restarted)).runs
    assert [len(r.series["val_loss"]) for r in runs] == [20, 20]
    assert all(r.x_axis == "epoch" for r in runs)

    resumed_part = [r for r in b if r["epoch"] >= 12]
    resumed = write_jsonl(tmp_path / "resumed.jsonl", a + resumed_part)
    (run,) = read_finished(discover(resumed)).runs
    val = run.series["val_loss"]
    assert list(val.epochs) == list(range(20))
    want = [r["val_loss"] for r in a if "val_loss" in r and r["epoch"] < 12]
    want += [r["val_loss"] for r in resumed_part if "val_loss" in r]
    assert np.allclose(val.values, want)
    assert len(run.series["loss"]) == 20 * BATCHES
    assert any("epoch went back to 12" in p.message for p in run.problems)


@pytest.mark.parametrize("chunk", [97, 1000])
def test_read_as_it_grows_the_second_epoch_moves_the_run_to_the_epoch(tmp_path: Path, chunk: int) -> None:
    """The follower's way, its passes driven by hand: while the first epoch comes the x is the step;
    the second epoch's first record moves the run to the fractional epoch (one RunReset naming the
    axis, then every point so far told again once), and the run ends identical to `check`'s, with
    the same alerts. A stream reader that clears a run at a reset sees every value exactly once."""
    path = write_jsonl(tmp_path / "train.jsonl", per_batch_records(epochs=40))
    once = read_finished(discover(path))
    (want,) = once.runs
    (src,) = discover(path)
    feed = Feed()
    events: list[Event] = []
    feed.subscribe(events.extend)
    out = io.StringIO()
    feed.subscribe(Printer(out, as_json=True))
    feed.add_source(src)
    data = path.read_bytes()
    runs_seen, a = [], 0
    while a < len(data):  # `chunk` bytes at a time over the first epochs, then larger pieces
        n = chunk if a < 3000 else 4096
        with feed.lock:
            feed.appended(src.feed(0, data[a : a + n]), analyse=False)
        feed.analyse_all()
        runs_seen.append(len(feed.runs))
        a += n
    with feed.lock:
        feed.appended(src.finish(0), analyse=False)
    feed.analyse_all()
    assert max(runs_seen) == 1
    (got,) = feed.runs
    resets = [e for e in events if isinstance(e, RunReset)]
    assert [(e.since, e.axis) for e in resets] == [(None, "epoch")]
    for name, s in want.series.items():
        assert np.array_equal(got.series[name].epochs, s.epochs)
        assert np.array_equal(got.series[name].values, s.values)
    # after the reset: each point once (the re-told first epoch, then the rest)
    after = events[events.index(resets[0]) + 1 :]
    told = sum(
        int(e.batch.mask("loss").sum())
        for e in after
        if isinstance(e, PointsAdded) and "loss" in e.batch.values
    )
    assert told == len(want.series["loss"])
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    k = next(i for i, x in enumerate(lines) if x["event"] == "reset")
    assert lines[k]["axis"] == "epoch"
    vals = [x["values"]["loss"] for x in lines[k + 1 :] if x["event"] == "record" and "loss" in x["values"]]
    assert np.allclose(vals, want.series["loss"].values)

    def alerts(f: Feed, run: object) -> list[tuple[str, str, str, bool]]:
        return sorted((a.kind, a.severity, a.title, a.active) for a in f.alerts(run))  # type: ignore[arg-type]

    assert alerts(feed, got) == alerts(once, want)
    assert "overfitting" in {a[0] for a in alerts(feed, got)}


def _variants() -> dict[str, list[dict[str, float]]]:
    a = per_batch_records(epochs=6, seed=3)
    b = per_batch_records(epochs=6, seed=4)
    return {
        "one": a,
        "restarted": a + b,
        "resumed": a + [r for r in b if r["epoch"] >= 3],
        "no-eval": [r for r in a if "loss" in r],
        # a first epoch of 4 batches, later ones of 8 (steps per epoch grows), then a resume
        "short-first": [r for r in a if r["epoch"] or r.get("step", 0) < 4]
        + [r for r in b if r["epoch"] >= 3],
    }


VARIANTS = _variants()


@settings(max_examples=16, deadline=None)
@given(which=st.sampled_from(sorted(VARIANTS)), sizes=st.lists(st.integers(7, 400), min_size=1, max_size=8))
def test_any_chunking_gives_the_runs_check_gives(
    tmp_path_factory: pytest.TempPathFactory, which: str, sizes: list[int]
) -> None:
    path = write_jsonl(tmp_path_factory.mktemp("chunks") / "log.jsonl", VARIANTS[which])
    (whole,) = discover(path)
    whole.read_all()
    chunked = source_in_chunks(path, sizes)

    def runs(src: Source) -> list[tuple[str, list[tuple[str, list[float], list[float], list[float]]]]]:
        return [
            (r.name, [(n, list(s.steps), list(s.epochs), list(s.values)) for n, s in r.series.items()])
            for r in src.runs
        ]

    assert repr(runs(chunked)) == repr(runs(whole))  # (repr: NaN steps compare equal)


def test_a_per_batch_csv_is_one_run_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same records as a CSV with `epoch` first (sniffed as a Keras CSVLogger, whose repeated
    epochs would otherwise be renumbered as one `fit` per epoch): one run, the overfitting alert."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "train.csv"
    pd.DataFrame(per_batch_records(epochs=40, step_key="batch_idx")).to_csv(path, index=False)
    doc = _check(capsys, path)
    assert len(doc["runs"]) == 1 and not doc["comparisons"]
    assert "overfitting" in {a["kind"] for a in doc["runs"][0]["alerts"]}
    (r,) = read_finished(discover(path)).runs
    assert list(r.series["val_loss"].epochs) == list(range(40))
    assert np.all(np.diff(r.series["loss"].epochs) > 0)
