"""Starting beside a training run, honestly: files that exist but hold no record yet are said to be
waited on for their first record (not "waiting for a log to appear"), and a path that is not a log,
given beside one that is, is reported as a problem while the log is followed (as `check` does);
only when no path given holds a log is it one line and exit 2. Real processes, real files."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
from conftest import ctrl_c, popen_ctrl_c

from lossacc_tui.app import make_app
from lossacc_tui.monitor import Monitor

REPO = Path(__file__).resolve().parents[1]
KERAS = Path("/work/shared/realworld_logs/keras_csvlogger")


def real_keras_log() -> bytes:
    """A real Keras CSVLogger log (from ../shared) or, without it, the demo's."""
    for p in sorted(KERAS.glob("*.csv")) if KERAS.is_dir() else []:
        return p.read_bytes()
    return next((REPO / "demo_logs").rglob("*.csv")).read_bytes()


def junk(path: Path) -> None:
    """Bytes no reader takes (past what format detection waits for: it is told at once)."""
    path.write_bytes(bytes(range(256)) * 800)


def test_files_with_no_record_yet_are_waited_on_by_name(tmp_path: Path) -> None:
    header, empty = tmp_path / "header.csv", tmp_path / "empty.csv"
    log = real_keras_log().decode().splitlines(keepends=True)
    header.write_text(log[0])
    empty.touch()

    async def run() -> None:
        feed = Monitor([header, empty])
        app = make_app(feed, f"{header} {empty}", clock=lambda: 1000.0)
        feed.start()
        async with app.run_test(size=(160, 40)) as pilot:
            deadline = time.monotonic() + 30
            status = ""
            # (the watched label names both files from the first frame: wait for the follower's
            # word on them, which names them after "waiting for a first record in")
            waiting = ""
            while "header.csv" not in waiting or "empty.csv" not in waiting:
                assert time.monotonic() < deadline, status
                await pilot.pause(0.05)
                status = app.query_one("#status").plain
                waiting = status.partition("waiting for a first record in")[2]
            assert "log to appear" not in status
            with header.open("a") as f:
                f.write("".join(log[1:4]))
            while "1 run" not in app.query_one("#status").plain:
                assert time.monotonic() < deadline, app.query_one("#status").plain
                await pilot.pause(0.05)
        feed.stop()

    asyncio.run(run())


def follow(*paths: Path) -> subprocess.Popen[str]:
    return popen_ctrl_c(
        [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", *map(str, paths)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def test_a_log_beside_a_non_log_is_followed_and_the_other_reported(tmp_path: Path) -> None:
    good, bad = tmp_path / "a.csv", tmp_path / "junk.bin"
    good.write_bytes(real_keras_log())
    junk(bad)
    proc = follow(good, bad)
    events = []
    try:
        assert proc.stdout is not None
        while not (
            any(e["event"] == "record" for e in events)
            and any(e["event"] == "status" and e["path"].endswith("junk.bin") for e in events)
        ):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            events.append(orjson.loads(line))
    finally:
        _out, err = ctrl_c(proc, timeout=30)
    problem = next(e for e in events if e["event"] == "status" and e["path"].endswith("junk.bin"))
    assert problem["state"] == "error" and "not a training log" in problem["message"]
    assert proc.returncode == 0 and "Traceback" not in err


def test_no_log_among_the_paths_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "junk.bin"
    junk(bad)
    proc = follow(bad)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1 and "junk.bin: not a training log" in err


def test_a_non_log_status_carries_check_s_words_and_a_whole_short_sentence(tmp_path: Path) -> None:
    """The status of a path that holds no log says what `check` says (with the list of formats) and,
    for a one-line status, the same as a whole short sentence (no list cut in the middle)."""
    from test_follow import watch

    from lossacc_tui.events import Status

    good, bad = tmp_path / "a.csv", tmp_path / "junk.bin"
    good.write_bytes(real_keras_log())
    junk(bad)
    m, c = watch(good, bad)
    try:
        c.wait(lambda: any(isinstance(e, Status) and e.state == "error" for e in c.events))
    finally:
        m.stop()
    (err,) = [e for e in c.events if isinstance(e, Status) and e.state == "error"]
    assert err.message.startswith(err.short) and "(expected one of: " in err.message
    assert err.short == f"{bad}: not a training log this tool knows"
