"""A log cannot drive the terminal: escape sequences in metric names, file and folder names and cell
text never reach any output (check text, check --json, check --follow plain and JSON, the app)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO, REPO

from lossacc_tui.clean import clean

OSC52 = "\x1b]52;c;UFdORUQ=\x07"  # would write the user's clipboard
TITLE = "\x1b]0;TITLE\x07"  # would set the window title
CLEAR = "\x1b[2J\x1b[?1049l"  # clear the screen, leave the alternate screen
C1 = "\x9b31m\x9d0;C1TITLE\x9c"  # the same in 8-bit C1 form
BIDI = "\u202e\u2066"  # right-to-left override, left-to-right isolate
PAYLOADS = ("UFdORUQ", "TITLE", "C1TITLE")
BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LIGHTNING = DEMO / "healthy_lightning" / "lightning_logs" / "version_0" / "metrics.csv"


def hostile_lines() -> list[str]:
    """A real Lightning metrics.csv whose header and cells carry escape sequences."""
    lines = LIGHTNING.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    header = [
        f'"{n}{OSC52}"' if n == "train_loss_step" else f"{BIDI}{n}" if n == "val_acc" else n for n in header
    ]
    header.append(f'"{CLEAR}{C1}"')
    body = [ln.rstrip("\n") + ",1\n" for ln in lines[1:]]
    body.insert(3, f"0,63,{TITLE},,,,,,1\n")  # a bad cell: becomes a problem quoting it
    return [",".join(header) + "\n", *body]


def hostile_folder(tmp: Path) -> Path:
    run = tmp / f"run{TITLE}{BIDI}" / "version_0"
    run.mkdir(parents=True)
    (run / "metrics.csv").write_text("".join(hostile_lines()))
    return run.parent


def assert_safe(text: str) -> None:
    assert not BAD.search(text), repr(BAD.search(text))
    for p in PAYLOADS:
        assert p not in text, f"payload {p!r} reached the output"


def all_strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (k, *all_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in all_strings(v)]
    return []


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lossacc_tui", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_clean_removes_every_kind_of_sequence_and_keeps_text() -> None:
    s = f"val{OSC52}_{TITLE}lo{CLEAR}ss{C1}{BIDI}\x07\x00\x1bc"
    assert clean(s) == "val_loss"
    assert clean("plain é 0.5 [red]") == "plain é 0.5 [red]"
    assert clean("a\r\nb\tc") == "a b c" and clean("a\r\nb", keep_newlines=True) == "a\nb"
    assert clean(clean(s)) == clean(s)


def test_check_text_and_json_carry_no_escape_sequences(tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path)
    text = cli("check", str(folder))
    assert text.returncode == 0, text.stderr
    assert_safe(text.stdout + text.stderr)
    assert "train_loss_step" in text.stdout and "val_acc" in text.stdout  # the names, cleaned, are there
    assert "problem" in text.stdout  # the bad cell was reported, its text cleaned

    js = cli("check", "--json", str(folder))
    assert js.returncode == 0, js.stderr
    doc = json.loads(js.stdout)
    # the run's path is the real one, which a script can open: JSON carries its controls as
    # \\u escapes, so the output itself holds none; every other string is cleaned
    paths = [r.pop("path") for r in doc["runs"]]
    assert all(Path(p).exists() for p in paths) and any(TITLE in p for p in paths)
    for s in all_strings(doc):
        assert_safe(s)
    assert not BAD.search(js.stdout), repr(BAD.search(js.stdout))
    metrics = doc["runs"][0]["metrics"]
    assert "train_loss_step" in metrics and metrics["val_acc"]["role"] == "val_acc"


def test_a_bad_path_given_on_the_command_line_is_cleaned_in_the_error(tmp_path: Path) -> None:
    bad = tmp_path / f"missing{TITLE}.csv"
    r = cli("check", str(bad))
    assert r.returncode == 2 and "no such file" in r.stderr
    assert_safe(r.stderr)


@pytest.mark.parametrize("as_json", [False, True], ids=["plain", "json"])
def test_check_follow_output_carries_no_escape_sequences(tmp_path: Path, as_json: bool) -> None:
    folder = tmp_path / f"runs{TITLE}"
    folder.mkdir()
    out_path = tmp_path / "out.txt"
    args = [sys.executable, "-m", "lossacc_tui", "check", "--follow", str(folder)]
    args += ["--json"] if as_json else []
    with open(out_path, "w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        log = folder / "metrics.csv"
        with open(log, "w") as f:  # a writer: header, then the rows one by one
            for line in hostile_lines():
                f.write(line)
                f.flush()
        wanted = len(hostile_lines()) - 2  # every row but the header and the bad one
        deadline = time.monotonic() + 60
        while True:
            got = out_path.read_text(errors="replace")
            n = got.count('"event":"record"') if as_json else got.count("  epoch ")
            if n >= wanted:
                break
            assert proc.poll() is None, got[-2000:]
            assert time.monotonic() < deadline, f"{n} of {wanted} records: {got[-2000:]}"
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(30)
    got = out_path.read_text()
    if as_json:  # (a run event's path is the real one, its controls written as JSON escapes)
        assert not BAD.search(got), repr(BAD.search(got))
        for line in got.splitlines():
            event = json.loads(line)
            if event["event"] == "run":
                assert Path(event.pop("path")).exists()
            for s in all_strings(event):
                assert_safe(s)
    else:
        assert_safe(got)
    assert "train_loss_step" in got


def test_the_app_shows_names_without_escape_sequences(tmp_path: Path) -> None:
    pytest.importorskip("textual")
    sys.path.insert(0, os.fspath(Path(__file__).parent / "app"))
    from app_helpers import settled, sync, watch_app

    folder = hostile_folder(tmp_path)

    @sync
    async def run() -> None:
        app = watch_app(folder)
        async with app.run_test(size=(140, 45)) as pilot:
            await settled(pilot, app, 100)
            shot = app.export_screenshot()
            app.feed.stop()
        assert "val_acc" in shot or "train_loss" in shot
        assert_safe(shot)

    run()


def test_the_cleaning_examples_in_its_docstring_hold() -> None:
    import doctest

    import lossacc_tui.clean

    result = doctest.testmod(lossacc_tui.clean)
    assert result.attempted >= 4 and result.failed == 0


def test_two_folders_that_differ_only_in_controls_stay_two_runs(tmp_path: Path) -> None:
    # tester 12: `run<ESC>[31mred` and `runred` were both named `runred/...`: the follow stream's
    # events, which carry only the run's name, merged their records for any consumer
    for folder in (f"run{TITLE}red", "runred"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "metrics.csv").write_text(LIGHTNING.read_text())
    js = cli("check", "--json", str(tmp_path))
    assert js.returncode == 0, js.stderr
    runs = json.loads(js.stdout)["runs"]
    assert len(runs) == 2 and len({r["name"] for r in runs}) == 2
    assert {Path(r["path"]).parent.name for r in runs} == {f"run{TITLE}red", "runred"}
    for r in runs:
        assert_safe(r["name"])
