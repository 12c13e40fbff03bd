"""Whatever a writer does, the follower reads every record once: real writer processes append, save
atomically, rotate (copytruncate, create), rewrite their last line, pause mid-line; and the file
system throws FIFOs, devices and symlink loops at it. Each test waits on state, never on time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, read_runs
from test_follow import Collector, watch

from lossacc_tui.events import RunAdded, RunReset, Status
from lossacc_tui.model import Run

HERE = Path(__file__).parent
CSV = HERE / "app" / "data" / "training.log"  # a real Keras CSVLogger run, header + 150 epochs
JSONL = DEMO / "imbalanced" / "training_log.jsonl"  # a real run's JSON lines, 30 epochs
SOURCES = {"csv": CSV, "jsonl": JSONL}
NAMES = {"csv": "metrics.csv", "jsonl": "log.jsonl"}


def write(mode: str, path: Path, source: Path, pause: float = 0.005) -> None:
    """Run a writer process to its end."""
    cmd = [sys.executable, str(HERE / "writers.py"), mode, str(path), str(source), str(pause)]
    subprocess.run(cmd, check=True, timeout=300)


def table(runs: list[Run]) -> list[dict[str, list[float]]]:
    """Every run's series as plain lists (NaN kept as the string 'nan', to compare)."""
    return [
        {n: ["nan" if np.isnan(v) else float(v) for v in s.values] for n, s in r.series.items()} for r in runs
    ]


def settle(m, c: Collector, expected: list[Run]) -> None:  # type: ignore[no-untyped-def]
    """Wait until the monitor holds as many points as expected (or more: a test then fails)."""
    want = sum(r.points for r in expected)
    c.wait(lambda: sum(r.points for r in m.runs) >= want, timeout=60)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "mode",
    [
        "append",
        "atomic",
        "copytruncate",
        "copytruncate-early",
        "create",
        "create-header",
        "rewrite-last",
        "half-line",
    ],
)
def test_every_record_arrives_once_in_one_run(tmp_path: Path, stop_all, fmt: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    if mode == "create-header" and fmt == "jsonl":
        pytest.skip("a JSON-lines log has no header")
    source = SOURCES[fmt]
    expected = read_runs(source)
    p = tmp_path / NAMES[fmt]
    if mode == "rewrite-last":  # the header (or first record) is there; the rest is rewritten as it goes
        lines = source.read_text().splitlines(keepends=True)
        p.write_text(lines[0])
        rest = tmp_path / "rest"
        rest.write_text("".join(lines[1:]))
        src_for_writer = rest
    else:
        p.write_text("") if mode != "atomic" else None
        src_for_writer = source
    m, c = watch(p)
    stop_all(m)
    write(mode, p, src_for_writer, pause=0.2 if mode == "half-line" else 0.005)
    settle(m, c, expected)
    assert table(m.runs) == table(expected), [r.name for r in m.runs]
    assert [r.name for r in m.runs] == [str(p)]
    assert not any(isinstance(e, RunReset) for e in c.events)
    assert not any(isinstance(e, Status) and e.state == "error" for e in c.events)
    if mode in ("copytruncate", "copytruncate-early", "create", "create-header"):
        assert "rotated" in c.states(p)


def test_a_real_restart_at_the_same_path_is_a_new_run(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "metrics.csv"
    p.write_text("")
    m, c = watch(p)
    stop_all(m)
    write("append", p, CSV, 0.0)
    c.wait(lambda: sum(r.points for r in m.runs) == 600)
    tmp = tmp_path / "new.csv"
    tmp.write_text(CSV.read_text()[:2000])  # the job started over: same header, epochs from 0
    os.replace(tmp, p)
    c.wait(lambda: sum(isinstance(e, RunAdded) for e in c.events) == 2)
    assert [e.run.name for e in c.events if isinstance(e, RunAdded)] == [str(p), f"{p}#2"]
    assert m.runs[0].points == 600  # the first run is kept as it was


def test_a_fifo_in_a_followed_folder_is_skipped_and_others_go_on(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    runs = tmp_path / "runs"
    (runs / "run1").mkdir(parents=True)
    log = runs / "run1" / "metrics.csv"
    log.write_text("")
    m, c = watch(runs)
    stop_all(m)
    write("append", log, CSV, 0.0)
    c.wait(lambda: sum(r.points for r in m.runs) == 600)
    (runs / "run2").mkdir()
    fifo = runs / "run2" / "metrics.csv"
    os.mkfifo(fifo)  # someone else's named pipe: opening it for reading would block forever
    c.wait(lambda: "skipped" in c.states(fifo))
    with open(log, "a") as f:
        f.write("150,0.9,0.1,0.9,0.1\n")
    c.wait(lambda: sum(r.points for r in m.runs) == 604)
    assert c.states(fifo) == ["skipped"]  # said once


def test_a_path_that_becomes_a_link_to_an_endless_device_is_an_error_not_a_read(
    tmp_path: Path, stop_all
) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "training.log"
    other = tmp_path / "other.log"
    other.write_text("")
    m, c = watch(p, other)
    stop_all(m)
    c.wait(lambda: "waiting" in c.states(p))
    p.symlink_to("/dev/zero")
    c.wait(lambda: "error" in c.states(p))
    assert (
        "not a regular file"
        in [e.message for e in c.events if isinstance(e, Status) and e.path == str(p)][-1]
    )
    write("append", other, CSV, 0.0)  # the follower is not stuck reading zeros
    c.wait(lambda: sum(r.points for r in m.runs) == 600)


def test_symlink_loops_in_a_folder_read_each_log_once_and_end(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "two" / "run1"
    run.mkdir(parents=True)
    (run / "metrics.csv").write_text(CSV.read_text())
    (run / "loop").symlink_to("..")
    (tmp_path / "two" / "self").symlink_to(".")
    assert len(read_runs(tmp_path / "two")) == 1
    m, c = watch(tmp_path / "two", poll=0.05)  # polling rescans the folder (through the loops)
    stop_all(m)
    c.wait(lambda: m.follower._polls > 12)  # two rescans of the folder went by
    assert len(m.runs) == 1 and m.runs[0].points == 600


def test_a_missing_path_that_appears_as_a_folder_is_followed_as_one(
    tmp_path: Path, stop_all, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from lossacc_tui import monitor

    # (a folder with no log for WAIT_REPORT seconds is reported: not what this test is about, and a
    # writer process slow to start under load, `nice -n 19`, took longer than the 3 s)
    monkeypatch.setattr(monitor, "WAIT_REPORT", 3600.0)
    d = tmp_path / "lightning_logs"
    m, c = watch(d)
    stop_all(m)
    c.wait(lambda: "waiting" in c.states(d))
    (d / "version_0").mkdir(parents=True)  # the trainer starts
    log = d / "version_0" / "metrics.csv"
    write("append", log, CSV, 0.0)
    c.wait(lambda: sum(r.points for r in m.runs) == 600)
    assert not any(e.state == "error" for e in c.events if isinstance(e, Status))


def test_an_existing_folder_with_no_log_yet_is_said_waited_on_once(
    tmp_path: Path, stop_all, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Tester 11: "no training log in it yet, waiting for one", then "no training logs found in this
    folder (expected one of: ...)" as an error while it waited on. Now one waiting message, which
    names the formats read when the folder holds files that are none; never an error."""
    from lossacc_tui import monitor

    monkeypatch.setattr(monitor, "WAIT_REPORT", 0.2)
    for name, notes in (("empty", False), ("runs", True)):
        d = tmp_path / name
        d.mkdir()
        if notes:
            (d / "notes.txt").write_text("nothing to see")
        m, c = watch(d)
        stop_all(m)
        c.wait(lambda: "waiting" in c.states(d))  # noqa: B023
        m._report_empty(d)  # (what a wait for a report would end in: nothing more is said)
        said = [e for e in c.events if isinstance(e, Status) and e.path == str(d)]
        assert [e.state for e in said] == ["waiting"]
        assert said[0].message.endswith("no training log in it yet; waiting for one") is not notes
        assert ("(expected one of: csv" in said[0].message) is notes
        write("append", d / "metrics.csv", CSV, 0.0)  # a log comes after all: followed
        c.wait(lambda: sum(r.points for r in m.runs) == 600)  # noqa: B023
        assert c.states(d)[-1] == "live"
        assert not any(e.state == "error" for e in c.events if isinstance(e, Status))


def test_stop_while_busy_ends_the_thread_without_a_traceback(tmp_path: Path, monkeypatch) -> None:
    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(a.exc_value))
    p = tmp_path / "big.jsonl"
    line = JSONL.read_text().splitlines()[0]
    with open(p, "w") as f:
        for e in range(300_000):  # tens of MB: the thread is busy for a while
            f.write(line.replace('"epoch": 1,', f'"epoch": {e},') + "\n")
    m, c = watch(p)
    c.wait(lambda: any(isinstance(e, RunAdded) for e in c.events))  # it is reading
    m.stop()
    thread = m.follower._thread
    assert thread is not None
    thread.join(30)  # a generous bound; the README gives the measured time
    assert not thread.is_alive() and m.follower.stopped
    assert errors == []


def test_a_small_file_that_is_no_log_is_reported_like_check_does(
    tmp_path: Path, stop_all, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from lossacc_tui import monitor

    monkeypatch.setattr(monitor, "WAIT_REPORT", 0.2)
    p = tmp_path / "README.txt"
    p.write_text("Notes on the experiment.\nNothing to plot here.\n")
    m, c = watch(p)
    stop_all(m)
    c.wait(lambda: "error" in c.states(p))
    said = [e.message for e in c.events if isinstance(e, Status) and e.state == "error"]
    assert "not a training log this tool knows" in said[-1]
    assert m.runs == []


def test_a_cut_off_trainer_state_says_why_nothing_is_shown(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "trainer_state.json"
    text = '{"global_step": 20, "log_history": [{"loss": 0.9, "step": 10, "epoch": 0.1}, {"loss": 0.'
    p.write_text(text)  # the Trainer was stopped in the middle of a save
    m, c = watch(p)
    stop_all(m)
    c.wait(lambda: "error" in c.states(p))
    said = [e.message for e in c.events if isinstance(e, Status) and e.state == "error"]
    assert said == [f"{p}: incomplete JSON document"]
    p.write_text(text + '8, "step": 20, "epoch": 0.2}]}')  # the next save
    c.wait(lambda: sum(r.points for r in m.runs) == 2)


def test_copytruncate_between_two_reads_loses_nothing(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    """logrotate copies the log and cuts it while lines the follower has not read yet are in it (a
    busy machine, a slow poll): those lines are read from the copy (`log.1`) it left beside it."""
    lines = CSV.read_text().splitlines(keepends=True)
    p = tmp_path / "metrics.csv"
    p.write_text("".join(lines[:40]))
    expected = read_runs(CSV)
    m, c = watch(p, poll=1.5)  # polling: nothing is read between two checks
    stop_all(m)
    c.wait(lambda: sum(r.points for r in m.runs) == 39 * 4, timeout=60)
    with open(p, "a", encoding="utf-8") as f:  # the writer, all within one poll interval:
        f.writelines(lines[40:60])  # lines not read yet,
        f.flush()
        with open(p.with_name("metrics.csv.1"), "w", encoding="utf-8") as copy:  # logrotate's copy
            copy.write(p.read_text())
        os.truncate(p, 0)  # ... and cut,
        f.writelines(lines[60:])  # then the writer goes on
    settle(m, c, expected)
    assert table(m.runs) == table(expected)
    assert "rotated" in c.states(p)
