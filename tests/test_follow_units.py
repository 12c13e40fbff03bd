"""An accuracy whose unit changes mid-run (a logger that wrote 55.0 and then 0.6) is read in the
unit of each part and said as a one-line problem; it is never divided by 100 whole, silently. Read
through the real follower from a writer process, and by `check`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from conftest import DEMO, read_runs
from test_follow import watch
from test_follow_writers import write

from lossacc_tui.monitor import Monitor
from lossacc_tui.source import discover

JSONL = DEMO / "imbalanced" / "training_log.jsonl"  # a real run's JSON lines, 30 epochs


def relogged(tmp_path: Path, percent_until: int) -> Path:
    """The real run's lines with val_acc written in percent for its first `percent_until` epochs."""
    rows = [json.loads(ln) for ln in JSONL.read_text().splitlines()]
    out = tmp_path / "source.jsonl"
    with open(out, "w") as f:
        for i, row in enumerate(rows):
            if i < percent_until:
                row["val_acc"] = round(row["val_acc"] * 100, 4)
            f.write(json.dumps(row) + "\n")
    return out


def unit_problems(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [p.message for p in problems if "unit changes" in p.message]


def test_a_unit_change_mid_run_is_one_problem_and_each_part_keeps_its_unit(tmp_path: Path) -> None:
    truth = read_runs(JSONL)[0].series["val_acc"].values
    source = relogged(tmp_path, 12)
    log = tmp_path / "log.jsonl"
    log.write_text("")
    m, c = watch(log)
    try:
        write("append", log, source)
        c.wait(lambda: bool(m.runs) and len(m.runs[0].series.get("val_acc", ())) == len(truth), timeout=60)
    finally:
        m.stop()
    followed(m, truth)


def followed(m: Monitor, truth: np.ndarray) -> None:
    (run,) = m.runs
    assert np.allclose(run.series["val_acc"].values, truth)  # not 0.0089 for 0.89
    (src,) = m.sources
    (note,) = unit_problems(src.problems(run))
    assert note.startswith("val_acc: the unit changes mid-run") and "read in fractions" in note
    # `check` reads the same file the same way, however it is cut into chunks
    log = Path(run.path)
    for size in (7, 100, 1 << 20):
        (finished,) = discover(log)
        finished.read_all(chunk_size=size)
        (r,) = finished.runs
        assert np.allclose(r.series["val_acc"].values, truth)
        assert unit_problems(finished.problems(r)) == [note]


def test_a_percent_accuracy_throughout_is_a_fraction_and_no_problem(tmp_path: Path) -> None:
    truth = read_runs(JSONL)[0].series["val_acc"].values
    log = relogged(tmp_path, 10**6)
    rng = random.Random(0)
    for _ in range(3):
        (src,) = discover(log)
        src.read_all(chunk_size=rng.randint(5, 400))
        (r,) = src.runs
        assert np.allclose(r.series["val_acc"].values, truth) and not unit_problems(src.problems(r))


def test_an_accuracy_outside_its_range_is_a_problem_and_left_out(tmp_path: Path) -> None:
    """A percent accuracy above 100 or a negative one is no accuracy: NaN in the run and a problem
    line naming it, followed from a writer process and read by `check` alike; the other values are kept."""
    rows = [json.loads(ln) for ln in JSONL.read_text().splitlines()]
    truth = np.array([r["val_acc"] for r in rows])
    bad = {5: 150.0, 9: -10.0}  # (percent, like every other value of this log)
    source = tmp_path / "source.jsonl"
    with open(source, "w") as f:
        for i, row in enumerate(rows):
            row["val_acc"] = bad.get(i, round(row["val_acc"] * 100, 6))
            f.write(json.dumps(row) + "\n")
    want = truth.copy()
    want[list(bad)] = np.nan
    log = tmp_path / "log.jsonl"
    log.write_text("")
    m, c = watch(log)
    try:
        write("append", log, source)
        c.wait(lambda: bool(m.runs) and len(m.runs[0].series.get("val_acc", ())) == len(rows), timeout=60)
    finally:
        m.stop()
    (run,) = m.runs
    got = run.series["val_acc"].values
    assert np.allclose(got, want, equal_nan=True)  # never 1.5 nor -0.1
    (src,) = m.sources
    said = [p.message for p in src.problems(run) if "outside the range of an accuracy" in p.message]
    # each value named once with where it is, however batched
    assert said == [
        "val_acc: 150 at epoch 6 is outside the range of an accuracy (read in percent: 0-100): left out"
        " of the analysis",
        "val_acc: -10 at epoch 10 is outside the range of an accuracy (read in percent: 0-100): left out"
        " of the analysis",
    ]
    (once,) = discover(log)
    once.read_all()
    (r,) = once.runs
    assert np.allclose(r.series["val_acc"].values, want, equal_nan=True)
    assert [p.message for p in once.problems(r) if "outside the range" in p.message] == said
