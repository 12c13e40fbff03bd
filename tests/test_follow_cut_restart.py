"""A followed log emptied and written again from its start by another run (truncated in place, or a
new file put at its path), whose first line differs from the old first line: the follower reads it
on as the run's continuation until its first record shows the run began again. The user gets one
message, that a new run begins, read from the file's line 1; never "its lines continue the run"
followed by "a new run begins here" at a line number the file no longer has. (Tester 19 F6: a JSONL
log of 10 records truncated and rewritten with another run's 15 said both, the second at "line 11".)
Real runs from numpy training; the follower reads only when woken (no sleeps)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from numpy_training import softmax_regression
from test_follow import Collector

from lossacc_tui.events import PointsAdded, Problem, RunAdded, Status
from lossacc_tui.monitor import Monitor


def _jsonl(rows: list[dict[str, float]]) -> bytes:
    """Per-epoch records as a plain loop writes them (`json.dumps` per line, epoch from 0)."""
    return "".join(json.dumps({"epoch": e, **r}) + "\n" for e, r in enumerate(rows)).encode()


@pytest.mark.parametrize("how", ["truncated", "replaced"])
def test_a_log_written_again_from_its_start_is_said_once_to_be_a_new_run(
    tmp_path: Path,
    how: str,
    stop_all,  # type: ignore[no-untyped-def]
) -> None:
    first = _jsonl(softmax_regression(epochs=10, seed=0))
    second = _jsonl(softmax_regression(epochs=15, seed=3, lr=2.0))
    p = tmp_path / "log.jsonl"
    p.write_bytes(first)
    m = Monitor([p], poll=3600)  # (the follower looks only when woken)
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)

    def points(name: str) -> int:
        return sum(e.batch.n for e in c.events if isinstance(e, PointsAdded) and e.run.name == name)

    c.wait(lambda: points(str(p)) == 10)
    before = len(c.events)
    if how == "truncated":
        with open(p, "wb") as f:  # O_TRUNC: the same file, written from its start by another run
            f.write(second)
    else:
        tmp = tmp_path / "log.jsonl.new"
        tmp.write_bytes(second)
        os.replace(tmp, p)
    m.follower._wake.set()
    c.wait(lambda: points(f"{p}#2") == 15)

    since = c.events[before:]
    said = [e.message for e in since if isinstance(e, Status) and e.state not in ("live", "waiting")]
    assert len(said) == 1, said
    assert "a new run" in said[0] and "line 1" in said[0] and "continue" not in said[0], said
    assert [e.message for e in since if isinstance(e, Problem)] == []  # (no "line 11: a new run")
    [new] = [e.run for e in since if isinstance(e, RunAdded)]
    assert new.first_line == 1
    assert points(str(p)) == 10  # the first run is kept whole
