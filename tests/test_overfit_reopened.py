"""An overfitting condition that lets go and holds again measured from the same best (no new best in
between) is one alert that came and went, told the same by `check` and `check --follow`; the alert
events never lose one of two alerts with one start (tester 27 T1: a real torch run,
tests/data/overfit_reopened/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alert_events import diff
from lossacc_tui.source import discover

LOG = Path(__file__).parent / "data" / "overfit_reopened" / "log.jsonl"


def _alerts(path: Path) -> list:
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    a = Analyzer(run)
    a.update()
    return a.alerts


def test_overfitting_that_holds_again_from_the_same_best_is_one_alert_that_came_and_went() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", "--json", str(LOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    data = json.loads(out.stdout)
    run = data["runs"][0] if "runs" in data else data
    over = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    assert len(over) == 1 and over[0]["active"] and over[0]["start"] == 36
    assert "came and went 2 times" in over[0]["title"]
    text = " ".join(over[0]["explanation"].split())
    # its opening is told as of then, not as the 54 evaluations since the best at its latest point
    assert "Little evidence: it opened 5 evaluations after the best at epoch 35" in text
    assert "Little evidence: 5 evaluations since the best" not in text


def test_two_alerts_with_one_start_are_both_told_when_an_analysis_starts_over() -> None:
    alerts = _alerts(LOG)
    (over,) = [a for a in alerts if a.kind == "overfitting"]
    first, second = over.snapshot(), over.snapshot()
    first.active, first.end = False, 40.0
    first.data["end_idx"] = 40
    events = diff([], [first, second])
    told = [(what, a.end) for what, a in events if a.kind == "overfitting"]
    assert told.count(("opened", None)) == 2 and ("closed", 40.0) in told
