"""Two processes appending to one JSON-lines log at once, each flushing a block of records at a
time (tester 20 T10: a second copy of a job started on the same log; 694 step decreases). Each
block was longer than the splitter keeps a quiet run open (`LANE_TIMEOUT` records), so every switch
of writer read as a run resumed from a checkpoint: 680 problems, each replacing the other writer's
records, and each a reset of the run's analysis (the view said "Analysing..." for seconds after
the writers stopped). A record that takes up a closed run one step on from where it stopped is
that run's: the file holds two runs, each with exactly its writer's records, said once.

The records are two real numpy trainings (per-step logistic regression, tests/numpy_batches.py),
the second started later from step 0, as a second process writes them. `check` reads the finished
file; the follower reads it block by block as written (waits on state only)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from numpy_batches import batch_eval_run, write_jsonl
from test_follow import Collector

from lossacc_tui import follow
from lossacc_tui.events import PointsAdded, Problem, RunReset
from lossacc_tui.feed import read_finished
from lossacc_tui.model import Run
from lossacc_tui.monitor import Monitor
from lossacc_tui.source import discover

BLOCK = 100  # records a writer flushes at a time (more than LANE_TIMEOUT)


@functools.cache
def _runs() -> list[dict[str, np.ndarray]]:
    return [batch_eval_run(600, seed=s) for s in (0, 1)]


def _blocks(tmp_path: Path) -> tuple[list[str], list[list[float]]]:
    """The file's blocks in the order written: writer A's first 3 blocks alone, then B (from step
    0) and A in turns; and each writer's val_loss in order."""
    runs = _runs()
    lines = [
        write_jsonl(tmp_path / f"w{k}.jsonl", r).read_text().splitlines(keepends=True)
        for k, r in enumerate(runs)
    ]
    a = [lines[0][i : i + BLOCK] for i in range(0, 600, BLOCK)]
    b = [lines[1][i : i + BLOCK] for i in range(0, 600, BLOCK)]
    order = a[:3] + [blk for pair in zip(b[:3], a[3:], strict=True) for blk in pair] + b[3:]
    return ["".join(blk) for blk in order], [r["val_loss"].tolist() for r in runs]


def _values(run: Run) -> list[float]:
    return np.asarray(run.series["val_loss"].values, dtype=float).tolist()


def test_check_reads_two_writers_in_turns_as_two_runs_said_once(tmp_path: Path) -> None:
    blocks, expected = _blocks(tmp_path)
    p = tmp_path / "log.jsonl"
    p.write_text("".join(blocks))
    (src,) = discover(p)
    feed = read_finished([src], analyze=False)  # (what the runs hold: no analysis needed)
    assert [_values(r) for r in feed.runs] == expected
    said = [pr.message for r in feed.runs for pr in src.problems(r)]
    assert not [m for m in said if "read as a resume" in m], said
    assert len([m for m in said if m.startswith("two writers")]) == 1, said


def test_the_follower_keeps_two_writers_apart_with_no_reset(
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follow, "MAX_GAP", follow.MIN_GAP)  # (a woken follower reads at once)
    blocks, expected = _blocks(tmp_path)
    p = tmp_path / "log.jsonl"
    p.write_text(blocks[0])
    m = Monitor([p], poll=3600)  # (the follower looks when woken)
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)

    def read() -> int:
        return sum(e.batch.n for e in c.events if isinstance(e, PointsAdded))

    c.wait(lambda: read() == BLOCK)
    with open(p, "a") as f:
        for k, blk in enumerate(blocks[1:], start=2):
            f.write(blk)
            f.flush()
            m.follower._wake.set()
            c.wait(lambda k=k: read() == k * BLOCK)
    with m.lock:
        assert [_values(r) for r in m.runs] == expected
    assert not [e for e in c.events if isinstance(e, RunReset)]  # (no run read as resumed, reset)
    said = [e.message for e in c.events if isinstance(e, Problem)]
    assert len([s for s in said if s.startswith("two writers")]) == 1 and len(said) == 2, said
