"""A JSON-lines log whose first record is half written when the follower's first scan reads the
folder (session 15's noticed fault): the scan said `skipped: named as JSON lines, but its records
are not a training log` (and, once the fix stopped that, listed the file as one that is no log in
its waiting message), though the line was only not ended yet. The file is left without a verdict;
once the line ends it is followed like any log, every record once. `check` (no follow) says the
file is not read yet and why.

The records are a real training's: a numpy softmax regression, one `json.dumps` per epoch, its
first line written in two parts as a buffered writer flushes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import softmax_regression
from test_follow import Collector

from lossacc_tui.cli import main
from lossacc_tui.events import RunAdded, Status
from lossacc_tui.monitor import Monitor


def test_the_first_scan_waits_for_a_half_written_first_line(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    rows = softmax_regression(epochs=6)
    lines = [json.dumps({"epoch": e, **r}) + "\n" for e, r in enumerate(rows)]
    log = tmp_path / "metrics.jsonl"
    with open(log, "w") as f:
        f.write(lines[0][:25])
        f.flush()
        m = Monitor([tmp_path])
        c = Collector()
        m.subscribe(c)
        m.start()
        stop_all(m)
        # the first scan has ended: the folder waits (the file mid-line is no verdict yet)
        c.wait(lambda: any(isinstance(e, Status) and e.state == "waiting" for e in c.events))
        waiting = next(e for e in c.events if isinstance(e, Status) and e.state == "waiting")
        assert "expected one of" not in waiting.message, waiting.message
        f.write(lines[0][25:])
        f.writelines(lines[1:])
        f.flush()
    c.wait(lambda: any(isinstance(e, RunAdded) for e in c.events))
    c.wait(lambda: len(c.values(m.runs[0].name, "val_loss")) == len(rows))
    assert not [e for e in c.events if isinstance(e, Status) and e.state in ("skipped", "error")]
    assert c.values(m.runs[0].name, "val_loss") == [r["val_loss"] for r in rows]


def test_check_says_a_half_written_first_line_is_not_read_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (r,) = softmax_regression(epochs=1)
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"epoch": 0, **r})[:30])
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "first line is not ended yet" in err and "named as JSON lines" not in err, err
