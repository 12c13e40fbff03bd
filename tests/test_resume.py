"""A run resumed from a checkpoint is ONE run: where the resumed part logs again epochs it logged
before, its values replace the earlier ones (a problem says what was replaced), and the run's best
stays the real best. Read once (`check`) and read as it grows (the feed's analysis run between
chunks) give the same run and the same alerts. A restart from scratch stays a run of its own.

Data: tests/data/resume/resume_back.csv (tester 9's numpy training logged by a Keras-format
CSVLogger with append=True: epochs 0-30, then 26-79 appended after a resume from epoch 25's
checkpoint), restart_lr0.03.csv (another of its trainings, lr 0.03) and tests/data/resume/tb (the
same training written by torch's SummaryWriter, a new writer opened on the folder at the resume:
two event files; make_tb.py made it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.cli import main
from lossacc_tui.events import Event, RunReset
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.source import discover

DATA = Path(__file__).parent / "data" / "resume"
CSV = DATA / "resume_back.csv"


def _rows() -> tuple[list[list[float]], int]:
    """The CSV's rows and the index of the first resumed row (its epoch goes back)."""
    rows = [[float(v) for v in r.split(",")] for r in CSV.read_text().splitlines()[1:]]
    back = next(i for i in range(1, len(rows)) if rows[i][0] <= rows[i - 1][0])
    return rows, back


def _check_json(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    code = main(["check", "--json", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(
    "path, val_loss, axis", [(CSV, "val_loss", "epoch"), (DATA / "tb", "Loss/val", "epoch")]
)
def test_a_resumed_run_is_one_run_that_keeps_its_real_best(
    capsys: pytest.CaptureFixture[str], path: Path, val_loss: str, axis: str
) -> None:
    rows, back = _rows()
    resumed_from = int(rows[back][0])
    doc = _check_json(capsys, path)
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    (problem,) = [p["message"] for p in run["problems"] if "read as a resume" in p["message"]]
    assert f"{axis} went back to {resumed_from}" in problem and f"{axis}s {resumed_from}-30" in problem
    # a reading, not a fact: the file cannot tell a resume from another training appended from there
    assert "the log does not say so" in problem and "another training appended" in problem, problem
    # every epoch once, the resumed values in place of the earlier ones
    sources = discover(path)
    (r,) = read_finished(sources).runs
    s = r.series[val_loss]
    x = s.epochs if axis == "epoch" else s.steps
    assert list(x) == list(range(80))
    replaced = {int(row[0]): row[5] for row in rows[back:]}
    assert np.allclose(
        [s.values[e] for e in sorted(replaced)], [replaced[e] for e in sorted(replaced)], atol=1e-6
    )
    # the best is the real one (0.8235 at 3), never the resumed part's first value
    best = min(rows[:back], key=lambda row: row[5])
    text = json.dumps(run["alerts"])
    assert f"{best[5]:.4f}" in text and f"since {axis} {resumed_from}" not in text


def test_read_as_it_grows_gives_the_same_run_and_alerts(tmp_path: Path) -> None:
    """The feed analyses between chunks (as a follower does): at the resume it starts the run's
    analysis over on what is kept (one RunReset naming where), and ends where `check` ends."""
    once = read_finished(discover(CSV))
    (want,) = once.runs
    (src,) = discover(CSV)
    feed = Feed()
    events: list[Event] = []
    feed.subscribe(events.extend)
    feed.add_source(src)
    data = CSV.read_bytes()
    for a in range(0, len(data), 97):  # chunks that cut lines anywhere
        with feed.lock:
            feed.appended(src.feed(0, data[a : a + 97]), analyse=False)
        feed.analyse_all()
    with feed.lock:
        feed.appended(src.finish(0), analyse=False)
    feed.analyse_all()
    (got,) = feed.runs
    resets = [e for e in events if isinstance(e, RunReset)]
    assert [e.since for e in resets] == ["epoch 26"]
    for name, s in want.series.items():
        assert list(got.series[name].epochs) == list(s.epochs)
        assert np.array_equal(got.series[name].values, s.values)

    def alerts(f: Feed, run: object) -> list[tuple[str, str, str, bool]]:
        return sorted((a.kind, a.severity, a.title, a.active) for a in f.alerts(run))  # type: ignore[arg-type]

    assert alerts(feed, got) == alerts(once, want)


def test_a_restart_from_scratch_stays_a_run_of_its_own(tmp_path: Path) -> None:
    """Epochs 0-30, then the training started again at epoch 0 with another learning rate (no
    checkpoint; restart_lr0.03.csv is that second training's CSVLogger): two runs, neither glued
    onto the other."""
    lines = CSV.read_text().splitlines()
    again = (DATA / "restart_lr0.03.csv").read_text().splitlines()
    _, back = _rows()
    restarted = tmp_path / "training.log"
    restarted.write_text("\n".join([lines[0], *lines[1:back], *again[1:]]) + "\n")
    runs = read_finished(discover(restarted)).runs
    assert [len(r.series["val_loss"]) for r in runs] == [back - 1, len(again) - 1]
    assert all(not any("read as a resume" in p.message for p in r.problems) for r in runs)


def test_tensorboard_folder_restarted_from_scratch_is_two_runs(tmp_path: Path) -> None:
    """The SummaryWriter's second file, when it starts again at step 0, is a run of its own."""
    tb = tmp_path / "tb"
    shutil.copytree(DATA / "tb", tb)
    first = sorted(tb.iterdir())[0]
    shutil.copy(first, tb / first.name.replace(".0", ".7").replace(first.name.split(".")[3], "1896025127"))
    runs = read_finished(discover(tb)).runs
    assert len(runs) == 2 and sorted(len(r.series["Loss/val"]) for r in runs) == [31, 80]


def test_event_files_of_several_jobs_in_one_folder_are_never_glued(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A folder collecting event files of three projects written on three hosts (renamed copies,
    `realworld_logs/tensorboard`) is no single SummaryWriter's folder: each file is its own run, and
    nothing is replaced as a resume (a tester saw the three glued into one run, 54 values dropped)."""
    folder = Path(__file__).resolve().parents[2] / "shared" / "realworld_logs" / "tensorboard"
    if not folder.is_dir():
        pytest.skip("the shared real-world logs are not beside this checkout")
    main(["check", str(folder)])
    out = capsys.readouterr().out
    runs = [line for line in out.splitlines() if "[tensorboard]" in line]
    assert len(runs) == len(list(folder.glob("*tfevents*")))
    assert "read as a resume" not in out
    assert "replaced" not in out
