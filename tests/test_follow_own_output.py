"""`check --follow --json . > out.jsonl` writes its report into the folder it follows: read back,
the report became a run of its own whose records were the report's, nested deeper each round
(510 KB in 30 s). The file a process writes its stdout or stderr to is never read."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from numpy_training import keras_csv, softmax_regression


@contextmanager
def _following(folder: Path, out: Path, err: Path) -> Iterator[None]:
    """`check --follow --json FOLDER > out 2> err`, ended when the block ends."""
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", str(folder)],
            stdout=fo,
            stderr=fe,
        )
        try:
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_check_follow_never_reads_the_file_its_output_goes_to(tmp_path: Path) -> None:
    keras_csv(tmp_path / "training.csv", softmax_regression(epochs=5))
    out, err = tmp_path / "out.jsonl", tmp_path / "err.txt"
    with _following(tmp_path, out, err):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = out.read_text()
            if "own output" in text and text.count('"event":"record"') >= 5:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # (a loop would meanwhile have read the report back as a run)
    events = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    runs = {e["run"] for e in events if e["event"] == "run"}
    assert len(runs) == 1 and next(iter(runs)).endswith("training.csv")
    assert sum(e["event"] == "record" for e in events) == 5
    skipped = [
        e["message"] for e in events if e["event"] == "status" and "own output" in e.get("message", "")
    ]
    assert any("out.jsonl" in m for m in skipped) and any("err.txt" in m for m in skipped)
    assert not any("values/" in line for line in out.read_text().splitlines())  # no report of a report


def test_own_output_in_a_folder_still_empty_is_said_once_each_and_is_no_error(tmp_path: Path) -> None:
    """`check -f --json empty > empty/out.jsonl 2> empty/err.txt` (tester 12): each file said once,
    as `skipped` (it had been said twice under two spellings, once later as an error), and the
    folder's waiting line does not list every format as if the folder held files of another kind."""
    folder = tmp_path / "empty"
    folder.mkdir()
    out, err = folder / "out.jsonl", folder / "err.txt"
    with _following(folder, out, err):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and '"waiting"' not in out.read_text():
            time.sleep(0.05)
        # a log that appears after: once its records are out, the follower has taken every
        # event of the report's own writes before it (they come in order)
        keras_csv(tmp_path / "log.csv", softmax_regression(epochs=5))
        (tmp_path / "log.csv").rename(folder / "training.csv")
        while time.monotonic() < deadline and out.read_text().count('"event":"record"') < 5:
            time.sleep(0.05)
    events = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert sum(e["event"] == "record" for e in events) == 5
    said = [e for e in events if e["event"] == "status" and "own output" in e.get("message", "")]
    assert sorted(Path(e["path"]).name for e in said) == ["err.txt", "out.jsonl"]
    assert {e["state"] for e in said} == {"skipped"}
    (waiting,) = [e["message"] for e in events if e["event"] == "status" and e["state"] == "waiting"]
    assert "expected one of" not in waiting


def test_check_of_a_folder_written_into_by_its_own_redirect_exits_0(tmp_path: Path) -> None:
    """`check DIR > DIR/report.txt` (tester 26, N8: a CI step saving the report beside the logs): the
    shell creates report.txt empty before check starts; it was said as this command's own output and
    counted as an error, exit 2 (the README's "no training log"), though the log was read and reported."""
    folder = tmp_path / "run"
    folder.mkdir()
    keras_csv(folder / "training.csv", softmax_regression(epochs=6))
    report, err = folder / "report.txt", tmp_path / "err.txt"
    with report.open("wb") as fo, err.open("wb") as fe:
        rc = subprocess.run(
            [sys.executable, "-m", "lossacc_tui", "check", str(folder)], stdout=fo, stderr=fe, timeout=120
        ).returncode
    assert "training.csv" in report.read_text() and "last epoch" in report.read_text()
    assert "own output" in err.read_text()
    assert rc == 0, err.read_text()
