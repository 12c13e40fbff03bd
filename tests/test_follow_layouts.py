"""Folder layouts through the one discovery hook (readers/layouts.py), the same for the first scan
and the follower: a HuggingFace Trainer's `checkpoint-N/trainer_state.json` copies are one run read
from the newest copy; an MLflow file store's runs are runs, a metric file that appears joins its
run, a deleted run is read by nobody. Real files (real trainer_state.json, real mlruns trees),
real folders made while the Monitor follows; each test waits on state."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from conftest import read_runs, realworld
from test_follow import watch

from lossacc_tui.events import RunAdded, Status


def checkpoint(out: Path, step: int, history: list[dict], upto: int) -> Path:
    """`out/checkpoint-STEP/trainer_state.json` holding the first `upto` entries, saved as the
    Trainer saves it (a temporary file renamed into place)."""
    d = out / f"checkpoint-{step}"
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / ".trainer_state.json.tmp"
    tmp.write_text(json.dumps({"global_step": step, "log_history": history[:upto]}, indent=2))
    os.replace(tmp, d / "trainer_state.json")
    return d / "trainer_state.json"


def real_history() -> list[dict]:
    path = realworld("hf_trainer_state/Sentiment-Analysis-for-Customer-Feedback__trainer_state.json")
    return json.loads(path.read_text())["log_history"]


def test_checkpoints_are_one_run_read_from_the_newest(tmp_path: Path) -> None:
    history = real_history()
    out = tmp_path / "out"
    checkpoint(out, 100, history, len(history) // 3)
    newest = checkpoint(out, 200, history, len(history))
    [run] = read_runs(out)  # not one run per checkpoint, not the history twice
    [whole] = read_runs(newest)
    assert {n: list(s.values) for n, s in run.series.items()} == {
        n: list(s.values) for n, s in whole.series.items()
    }


def test_a_newer_checkpoint_continues_the_followed_run(tmp_path: Path) -> None:
    history = real_history()
    out = tmp_path / "out"
    third = len(history) // 3
    checkpoint(out, 100, history, third)
    m, c = watch(out)
    try:
        # (the monitor's runs hold the points before its events reach the collector: wait on both)
        c.wait(lambda: sum(r.points for r in m.runs) > 0 and any(isinstance(e, RunAdded) for e in c.events))
        first = sum(r.points for r in m.runs)
        checkpoint(out, 200, history, 2 * third)  # the Trainer saves again: a new folder
        checkpoint(out, 300, history, len(history))
        newest = out / "checkpoint-300" / "trainer_state.json"
        [whole] = read_runs(newest)
        c.wait(lambda: sum(r.points for r in m.runs) >= whole.points, timeout=60)
        [run] = m.runs
        assert run.points == whole.points > first  # the longer history, nothing twice
        assert {n: list(s.values) for n, s in run.series.items()} == {
            n: list(s.values) for n, s in whole.series.items()
        }
        assert sum(isinstance(e, RunAdded) for e in c.events) == 1
    finally:
        m.stop()


def test_a_new_mlflow_metric_joins_its_run_and_a_new_run_is_a_run(tmp_path: Path) -> None:
    tree = tmp_path / "mlruns"
    shutil.copytree(realworld("mlflow/keras-mlflow-sentences-classification__mlruns"), tree)
    for p in tree.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)  # (the shared copy is read-only)
    runs = sorted(p.parent.parent for p in tree.glob("0/*/metrics/*"))
    run_dir = runs[0]
    metrics = sorted((run_dir / "metrics").iterdir())
    moved = metrics[-1].read_text()
    metrics[-1].unlink()  # this metric is written later, while the run is followed
    m, c = watch(tree)
    try:
        c.wait(lambda: len({r.name for r in m.runs}) == len(set(runs)), timeout=60)
        [followed] = [r for r in m.runs if r.path == str(run_dir)]
        assert metrics[-1].name not in followed.series
        metrics[-1].write_text(moved)  # a new metric file of a run already followed
        c.wait(lambda: metrics[-1].name in followed.series, timeout=60)
        new_run = tree / "0" / "f00d"
        shutil.copytree(runs[1], new_run)  # a new run folder, made whole (as a copy, or a sync)
        c.wait(lambda: any(r.path == str(new_run) for r in m.runs), timeout=60)
        expected = {r.name: r.points for r in read_runs(tree)}
        c.wait(lambda: {r.name: r.points for r in m.runs} == expected, timeout=60)
        assert not [e for e in c.events if isinstance(e, Status) and e.state == "error"]
    finally:
        m.stop()


def test_a_deleted_mlflow_run_is_read_by_nobody(tmp_path: Path) -> None:
    tree = tmp_path / "mlruns"
    shutil.copytree(realworld("mlflow/keras-mlflow-sentences-classification__mlruns"), tree)
    for p in tree.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    runs = sorted({p.parent.parent for p in tree.glob("0/*/metrics/*")})
    gone = runs[0]
    meta = gone / "meta.yaml"
    meta.write_text(meta.read_text().replace("lifecycle_stage: active", "lifecycle_stage: deleted"))
    assert "deleted" in meta.read_text()
    names = {r.path for r in read_runs(tree)}
    assert str(gone) not in names and len(names) == len(runs) - 1
    m, c = watch(tree)
    try:
        c.wait(lambda: len(m.runs) == len(runs) - 1, timeout=60)
        metric = next((gone / "metrics").iterdir())
        with open(metric, "a") as f:  # the deleted run's file changes: still nobody reads it
            f.write("1628697792090 0.5 99\n")
        live = tree / "0" / runs[1].name / "metrics"
        with open(next(live.iterdir()), "a") as f:  # (a change after it, to wait on)
            f.write("1628697792090 0.5 99\n")
        c.wait(lambda: sum(r.points for r in m.runs) == sum(r.points for r in read_runs(tree)), timeout=60)
        assert all(r.path != str(gone) for r in m.runs)
    finally:
        m.stop()
