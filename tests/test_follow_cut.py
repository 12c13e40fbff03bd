"""A log cut and written again between two looks of the follower: the file is shorter than what was
read, or, as here, already longer again than the old read offset (a writer that went on appending
within one pacing gap). logrotate's `copytruncate`, `: > log`, a writer that reopens with O_TRUNC,
one that truncates back to a checkpoint, one whose offset is not O_APPEND (a file that begins with a
hole): every record arrives once, in order, and a new run starts over exactly once.

Real files written with real writes; a `Tail` is read when the test says "look", so what happens
between two looks is exactly what the test did (no thread, no timing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import read_runs
from test_follow import watch
from test_follow_writers import CSV, JSONL, settle, table

from lossacc_tui.tail import Tail

LINES = {
    "csv": CSV.read_text().splitlines(keepends=True),
    "jsonl": JSONL.read_text().splitlines(keepends=True),
}


class Recorder:
    """A TailHandler that keeps what a reader would: the bytes since the last reset."""

    lines = True

    def __init__(self) -> None:
        self.text = b""
        self.resets: list[str] = []
        self.states: list[str] = []

    def data(self, chunk: bytes) -> None:
        self.text += chunk

    def reset(self, kind: str) -> None:
        self.resets.append(kind)
        self.text = b""

    def status(self, state: str, message: str) -> None:
        self.states.append(state)

    def end(self) -> None:
        pass

    def records(self) -> list[str]:
        return self.text.decode().splitlines(keepends=True)


def look(t: Tail) -> None:
    while t.read():
        pass


def later_than(path: Path) -> None:
    """Wait until the file system's clock has moved past `path`'s mtime (it ticks every few ms):
    what is written next is seen to be written after the last look."""
    probe = path.with_name("clock")
    for _ in range(100_000):
        probe.write_bytes(b"")
        if probe.stat().st_mtime_ns > path.stat().st_mtime_ns:
            probe.unlink()
            return
    raise AssertionError("the file system's clock did not move")


def append(path: Path, lines: list[str]) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.writelines(lines)


def copytruncate(path: Path) -> None:
    """What logrotate's `copytruncate` does: copy the log to `log.1`, then cut it to 0 in place."""
    path.with_name(path.name + ".1").write_bytes(path.read_bytes())
    os.truncate(path, 0)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("read_before", [1, 10])
def test_a_copytruncate_regrown_past_the_offset_within_one_gap_loses_and_doubles_nothing(
    tmp_path: Path, fmt: str, read_before: int
) -> None:
    """Lines read, more written, copied and cut, then more written than had been read (the file is
    longer than the old offset at the next look): the lines written before the cut come from the
    copy, the rest from the log, each once, and the run goes on (no reset)."""
    lines = LINES[fmt]
    p = tmp_path / "log"
    append(p, lines[:read_before])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    cut_at = read_before + 5
    append(p, lines[read_before:cut_at])
    copytruncate(p)
    append(p, lines[cut_at:])
    assert p.stat().st_size > t.offset  # regrown past what was read before the next look
    look(t)
    assert h.records() == lines
    assert h.resets == [] and "rotated" in h.states


def test_a_log_copied_and_cut_while_still_empty_to_the_follower_loses_nothing(tmp_path: Path) -> None:
    """The follower saw the log empty; before its next look the writer wrote, logrotate copied and
    cut it, and the writer went on: the copy was written after that look, so all of it is read,
    then the log."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    p.write_bytes(b"")
    h = Recorder()
    t = Tail(p, h)
    look(t)
    later_than(p)
    append(p, lines[:12])
    copytruncate(p)
    append(p, lines[12:])
    look(t)
    assert h.records() == lines
    assert h.resets == [] and "rotated" in h.states


def test_an_older_rotated_copy_beside_an_empty_log_is_not_read(tmp_path: Path) -> None:
    """Yesterday's copytruncate left `log.1` (older than the log's cut); the log, empty at the first
    look, is then written: only its own lines are read."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:10])
    copytruncate(p)  # yesterday's rotation
    h = Recorder()
    t = Tail(p, h)
    look(t)
    later_than(p)
    append(p, lines[10:])
    look(t)
    assert h.records() == lines[10:]
    assert "rotated" not in h.states


def test_a_copy_that_holds_what_the_log_still_holds_is_not_read(tmp_path: Path) -> None:
    """`cp log log.bak` with no cut (a backup, not a rotation) of a log the follower saw empty."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    p.write_bytes(b"")
    h = Recorder()
    t = Tail(p, h)
    look(t)
    later_than(p)
    append(p, lines[:20])
    p.with_name("metrics.csv.bak").write_bytes(p.read_bytes())
    append(p, lines[20:])
    look(t)
    assert h.records() == lines


def test_emptied_with_no_copy_and_regrown_past_the_offset_carries_on(tmp_path: Path) -> None:
    """`: > log` (no copy kept) and the writer goes on past the old offset: the new lines follow
    those read, once each; the lines cut before they were read are nowhere to be read."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:5])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    append(p, lines[5:8])  # written and cut before the next look: gone
    os.truncate(p, 0)
    append(p, lines[8:])
    assert p.stat().st_size > t.offset
    look(t)
    assert h.records() == lines[:5] + lines[8:]
    assert h.resets == [] and "rotated" in h.states


def test_a_writer_that_reopens_with_o_trunc_and_starts_over_is_read_again_once(tmp_path: Path) -> None:
    """A restarted job opens the log with O_TRUNC and writes a new run (same header, its own rows),
    longer than what was read of the old one before the next look: one reset, then the new run."""
    old = LINES["csv"][:20]
    new = [LINES["csv"][0]] + [ln.replace(",", ",1", 1) for ln in LINES["csv"][1:60]]
    p = tmp_path / "metrics.csv"
    append(p, old)
    h = Recorder()
    t = Tail(p, h)
    look(t)
    with open(p, "w", encoding="utf-8") as f:  # O_TRUNC
        f.writelines(new)
    look(t)
    assert h.resets == ["truncated"]
    assert h.records() == new
    look(t)
    assert h.resets == ["truncated"]  # exactly once


def test_a_log_cut_back_to_a_checkpoint_and_written_past_the_offset_is_read_again_once(
    tmp_path: Path,
) -> None:
    """A resumed job truncates its log back to the checkpoint's last row (a size, not 0) and writes
    new rows past the old offset: the first bytes are unchanged, the line at the old boundary is not
    (the bytes there are checked): one reset, and the run is the file as it now is."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:40])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    keep = sum(len(ln) for ln in lines[:25])
    os.truncate(p, keep)
    resumed = [ln.replace(",", ",2", 1) for ln in lines[25:70]]  # other values from the checkpoint on
    append(p, resumed)
    assert p.stat().st_size > t.offset
    look(t)
    assert h.resets == ["truncated"]
    assert h.records() == lines[:25] + resumed
    look(t)
    assert h.resets == ["truncated"]


def test_a_writer_not_appending_leaves_a_hole_that_is_skipped(tmp_path: Path) -> None:
    """A writer that opened its log without O_APPEND writes on at its own offset after the
    copytruncate: the log then begins with NUL bytes up to there. The lines before the cut come from
    the copy, the new ones after the hole, and no NUL reaches the reader."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    w = open(p, "w", encoding="utf-8")  # noqa: SIM115 (not O_APPEND)
    try:
        w.writelines(lines[:4])
        w.flush()
        h = Recorder()
        t = Tail(p, h)
        look(t)
        w.writelines(lines[4:9])
        w.flush()
        copytruncate(p)
        w.writelines(lines[9:])
        w.flush()
    finally:
        w.close()
    assert p.read_bytes()[:1] == b"\0"
    look(t)
    assert h.records() == lines
    assert h.resets == []


def test_a_cut_between_the_checks_and_the_read_is_caught_before_any_byte_is_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's copytruncate and new lines land after this look's checks passed and before its
    read: the bytes read at the old offset are the new content's middle. They are not handed over;
    the copy is read, then the log from its start."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:30])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    append(p, lines[30:40])
    drain = Tail._drain
    raced: list[bool] = []

    def cut_then_drain(self: Tail, budget: int) -> bool:
        if not raced:
            raced.append(True)
            copytruncate(p)
            append(p, lines[40:])  # longer than the old offset
        return drain(self, budget)

    monkeypatch.setattr(Tail, "_drain", cut_then_drain)
    look(t)
    assert raced and h.records() == lines
    assert h.resets == []


def test_a_new_handler_taking_over_after_a_cut_gets_every_line_once(tmp_path: Path) -> None:
    """The format of a new log is told from its first lines (one Tail), then a second Tail with the
    real handler reads it from its start. A copytruncate with more lines between the two: the new
    handler gets the copy, then the log, with nothing lost or doubled."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:3])
    first = Tail(p, Recorder())
    look(first)
    first.close()
    append(p, lines[3:10])
    copytruncate(p)
    append(p, lines[10:])
    h = Recorder()
    t = Tail(p, h, prior=first)
    look(t)
    assert h.records() == lines
    assert h.resets == []


def test_a_new_handler_is_given_the_copy_its_prior_read(tmp_path: Path) -> None:
    """The first Tail saw the log empty, then read a copytruncate's copy and the regrown log; the
    Tail that takes over replays that copy, then reads the log: the same lines as the first one."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    p.write_bytes(b"")
    pending = Recorder()
    first = Tail(p, pending)
    look(first)
    later_than(p)
    append(p, lines[:8])
    copytruncate(p)
    append(p, lines[8:])
    look(first)
    assert pending.records() == lines
    first.close()
    h = Recorder()
    t = Tail(p, h, prior=first)
    look(t)
    assert h.records() == lines


def test_a_log_read_as_bytes_cut_to_a_size_and_regrown_past_the_offset_is_read_again_once(
    tmp_path: Path,
) -> None:
    """For a handler given bytes, not lines (a binary log, or a file whose format is not told yet),
    the last bytes before the offset are checked: a cut past the first bytes, then new writes past
    the old offset, is one reset and the file as it now is."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:40])
    h = Recorder()
    h.lines = False
    t = Tail(p, h)
    look(t)
    os.truncate(p, sum(len(ln) for ln in lines[:25]))
    resumed = [ln.replace(",", ",3", 1) for ln in lines[25:70]]
    append(p, resumed)
    look(t)
    assert h.resets == ["truncated"]
    assert h.records() == lines[:25] + resumed


def test_a_new_log_filled_copied_and_cut_before_the_second_look_is_read(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    """The follower (polling: it looks only when woken here) saw the CSV log empty; then the writer
    wrote its header and rows, logrotate copied and cut it, and the writer went on (no header in the
    log now). Its format is told from what was read, the copy first, so every row arrives once, in
    one run."""
    lines = LINES["csv"]
    expected = read_runs(CSV)
    p = tmp_path / "metrics.csv"
    p.write_bytes(b"")
    m, c = watch(p, poll=3600)
    stop_all(m)
    c.wait(lambda: "waiting" in c.states(p))
    later_than(p)
    append(p, lines[:50])
    copytruncate(p)
    append(p, lines[50:])
    m.follower._wake.set()  # the second look
    settle(m, c, expected)
    assert table(m.runs) == table(expected)
    assert [r.name for r in m.runs] == [str(p)]
    assert "rotated" in c.states(p) and "error" not in c.states(p)
