"""Atomic saves (a temp file renamed over the log, as a Trainer's state is saved) into a folder made
after the follower started: every record once, the temp file never a run nor a status of its own,
and no false switch to polling (the folder that appeared is followed as a folder, and its own
changes are no file's). Real writer process, real renames; waits on state, never on time."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO, read_runs
from test_follow import Collector, watch
from test_follow_writers import table

from lossacc_tui import follow
from lossacc_tui.events import Problem, RunAdded, Status
from lossacc_tui.source import discover

HERE = Path(__file__).parent


def added(c: Collector) -> bool:
    """Whether a RunAdded event has reached the collector."""
    return any(isinstance(e, RunAdded) for e in c.events)


STATE = DEMO / "high_loss_good_acc" / "trainer_state.json"  # a real Trainer run, 50 log_history entries


@pytest.mark.parametrize("mode", ["hf-atomic", "hf-atomic-compact"])
def test_atomic_saves_into_a_folder_made_later_are_read_once_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """(-compact: the document on one line, no newline to wait for: tester 14's follower had
    stopped at the first atomic save, 36 of 600 records read, and said nothing.)"""
    monkeypatch.setattr(follow, "SAFETY_CHECK", 0.2)  # the check that had raced: ten times as often
    folder = tmp_path / "out"
    expected = read_runs(STATE)
    m, c = watch(folder)  # not there yet: the trainer makes it
    try:
        target = folder / "trainer_state.json"
        cmd = [sys.executable, str(HERE / "writers.py"), mode, str(target), str(STATE), "0.05"]
        subprocess.run(cmd, check=True, timeout=120)
        want = sum(r.points for r in expected)
        # (the monitor's runs hold the points before its events reach the collector: wait on both)
        c.wait(lambda: sum(r.points for r in m.runs) >= want and added(c), timeout=60)
        assert table(m.runs) == table(expected)
        assert m.follower.mode == "events", [e for e in c.events if isinstance(e, Status)]
        assert not [e for e in c.events if isinstance(e, Status) and e.state == "polling"]
        noisy = [e for e in c.events if isinstance(e, Status) and e.path.endswith(".tmp")]
        assert not noisy
        # one run, the Trainer's folder (as `check` names a Trainer output folder)
        assert [e.run.path for e in c.events if isinstance(e, RunAdded)] == [str(folder)]
    finally:
        m.stop()


@pytest.mark.parametrize("exists", [False, True])
def test_a_trainer_saving_in_place_with_checkpoints_is_one_run_and_no_problem(
    tmp_path: Path, exists: bool
) -> None:
    """A Trainer that saves trainer_state.json in place (caught half-written at its first save) and
    copies it into checkpoint-N folders, into a folder made before or after the follower started:
    one run named by the folder as `check` names it, every entry once, no problem, no error."""
    folder = tmp_path / "out"
    if exists:
        folder.mkdir()
    expected = read_runs(STATE)
    m, c = watch(folder)
    target = folder / "trainer_state.json"
    cmd = [sys.executable, str(HERE / "writers.py"), "hf-inplace", str(target), str(STATE), "0.01"]
    writer = subprocess.Popen(cmd)
    try:
        half_seen = False
        for _ in range(6000):  # the follower has read the half-written first save (bounded: a minute)
            readers = [f.reader for s in m.sources for f in s.files]
            if any(getattr(r, "incomplete", "") or r.problems for r in readers):  # held back, or told
                half_seen = True
                break
            if writer.poll() is not None:
                break
            time.sleep(0.01)
        (tmp_path / "go").touch()
        assert writer.wait(timeout=120) == 0
        assert half_seen  # (the case under test did happen)
        want = sum(r.points for r in expected)
        # (the monitor's runs hold the points before its events reach the collector: wait on both)
        c.wait(lambda: sum(r.points for r in m.runs) >= want and added(c), timeout=60)
        assert table(m.runs) == table(expected)  # every entry once, in one run
        (once,) = discover(folder)  # `check`'s name of the folder
        assert [e.run.name for e in c.events if isinstance(e, RunAdded)] == [once.name]
        assert not [e for e in c.events if isinstance(e, Problem)]
        assert not [e for e in c.events if isinstance(e, Status) and e.state == "error"]
        assert not [p for s in m.sources for r in s.runs for p in s.problems(r)]
    finally:
        if writer.poll() is None:
            writer.kill()
        m.stop()
