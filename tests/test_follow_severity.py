"""An open alert whose severity changes (an info that the run's later evaluations make a warning)
is told to a follower: `check --follow` streamed only openings and closings, so a script reading
the stream kept the severity an alert opened with, while batch `check` of the same records said
warning and `--fail-on warning` failed (tester 21: "info" forever on a run that overfit). A real
run from numpy training (a ReLU network trained with Adam), read one record at a time as a live
log is."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from numpy_adam import adam_mlp_run

from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.events import AlertChanged
from lossacc_tui.feed import read_finished
from lossacc_tui.model import Run
from lossacc_tui.report import SEVERITY_RANK
from lossacc_tui.source import Source, discover
from lossacc_tui.stream import Printer


def _live(log: Path, first: bytes) -> tuple[Source, Run, Analyzer]:
    """A log holding `first`, read as a live log's first pass reads it, and the analysis of its run
    (nothing analysed yet): feed the source more and update the analyzer, as a follower does."""
    log.write_bytes(first)
    [src] = discover(log)
    read_finished([src], analyze=False)
    [run] = src.runs
    return src, run, Analyzer(run)


def test_a_follower_is_told_each_severity_an_open_alert_takes(tmp_path: Path) -> None:
    rows, _truth = adam_mlp_run(seed=1, wd=0.0, n_train=200, epochs=40)
    lines = [(json.dumps({"epoch": e, **r}) + "\n").encode() for e, r in enumerate(rows)]
    src, run, analyzer = _live(tmp_path / "log.jsonl", lines[0])
    out = io.StringIO()
    printer = Printer(out, as_json=True)
    seen = []  # the severity events, as the analysis gave them
    for i in range(len(lines)):  # a live pass after each record the writer appends
        if i:
            src.feed(0, lines[i])
        events = analyzer.update()
        printer([AlertChanged(run, what, a) for what, a in events])
        seen += [a for what, a in events if what == "severity"]
        # what the stream has told so far, alert by alert, is what the analysis holds now
        told: dict[tuple[str, float], str] = {}
        for line in out.getvalue().splitlines():
            ev = json.loads(line)
            told[(ev["kind"], ev["start"])] = ev["severity"]
        for a in analyzer.alerts:
            if a.active:
                start = int(a.start) if a.start is not None and float(a.start).is_integer() else a.start
                assert told.get((a.kind, start)) == a.severity, (i, a.kind, told)
    assert seen  # (this run's high-loss-good-acc opens as info and becomes a warning)
    assert printer.worst == max(SEVERITY_RANK[a.severity] for a in analyzer.alerts)

    # in text, the change says what the alert is now and what it was
    text = io.StringIO()
    Printer(text, as_json=False)([AlertChanged(run, "severity", seen[0])])
    now, was = seen[0].severity, seen[0].data["severity_was"]
    assert was != now
    mark = "!!" if SEVERITY_RANK[now] > SEVERITY_RANK[was] else "--"
    said = text.getvalue()
    assert said.startswith(f"{mark} alert now {now}, was {was} ({run.name})")
    assert f": [{now}] {seen[0].kind}: " in said


def _severity_as_of(lines: list[bytes], upto: int, kind: str, start: float, tmp: Path) -> str | None:
    """The severity batch `check` of the log's first `upto` + 1 records gives the alert (None: none)."""
    _src, _run, analyzer = _live(tmp / f"prefix{upto}.jsonl", b"".join(lines[: upto + 1]))
    analyzer.update()
    got = [a.severity for a in analyzer.alerts if a.kind == kind and a.start == start]
    return got[0] if got else None


def test_a_severity_change_found_by_a_pass_names_the_records_it_lies_between(tmp_path: Path) -> None:
    """A live pass reads several records; the severity it finds changed somewhere after the record
    the pass before had read (tester 22 F4: 'decided_at 20, 0 records since', where a `check` of the
    log up to epoch 18 already gave the warning). The event names both ends: `changed_after` (the
    old severity holds there) and `decided_at` (the new one holds there)."""
    rows, _truth = adam_mlp_run(seed=0, wd=0.0, n_train=100, epochs=40)
    lines = [(json.dumps({"epoch": e, **r}) + "\n").encode() for e, r in enumerate(rows)]
    src, run, analyzer = _live(tmp_path / "log.jsonl", lines[0])
    out = io.StringIO()
    printer = Printer(out, as_json=True)
    analyzer.update()
    for i in range(1, len(lines), 3):  # a pass every three records
        src.feed(0, b"".join(lines[i : i + 3]))
        printer([AlertChanged(run, what, a) for what, a in analyzer.update()])
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    changes = [ev for ev in events if ev["change"] == "severity"]
    assert changes
    for ev in changes:
        after, at = ev["changed_after"], ev["decided_at"]
        assert after < at and at - after <= 3
        assert _severity_as_of(lines, after, ev["kind"], ev["start"], tmp_path) in (ev["severity_was"], None)
        assert _severity_as_of(lines, at, ev["kind"], ev["start"], tmp_path) == ev["severity"]
    text = io.StringIO()
    Printer(text, as_json=False)([AlertChanged(run, "severity", _last_severity(analyzer, changes[-1]))])
    assert f"after the record at epoch {changes[-1]['changed_after']}, by the one at" in text.getvalue()


def _last_severity(analyzer: Analyzer, ev: dict):  # type: ignore[no-untyped-def]
    """The alert of a severity event, as the event carried it (its bounds in its data)."""
    [a] = [a for a in analyzer.alerts if a.kind == ev["kind"] and a.start == ev["start"]]
    snap = a.snapshot()
    snap.data.update(
        severity_was=ev["severity_was"], decided_x=ev["decided_at"], changed_after_x=ev["changed_after"]
    )
    return snap


def test_follow_with_fail_on_ends_1_once_an_alert_reached_that_level(tmp_path: Path) -> None:
    """`check --follow --fail-on warning` ended 0 whatever it had streamed (Ctrl-C always exit 0),
    so the option did nothing with --follow; now it ends as batch `check` of what it read would."""
    rows, _truth = adam_mlp_run(seed=1, wd=0.0, n_train=200, epochs=40)
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"epoch": e, **r}) + "\n" for e, r in enumerate(rows)))
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", "--fail-on", "warning"]
    cmd.append(str(log))
    with out.open("wb") as fo:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and '"severity":"warning"' not in out.read_text():
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGINT)  # (the user's Ctrl-C)
            code = proc.wait(timeout=60)
    assert '"severity":"warning"' in out.read_text()
    assert code == 1
