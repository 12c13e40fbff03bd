"""A writer rotates or replaces its log while the follower is still telling its format: the first
Tail (the one that reads a new log's first bytes to tell its format) has read across the change,
or the change lands between its last look and the first look of the Tail with the real handler.
Every writer kind (logrotate `create`, `create` with the header written again, `copytruncate`, an
atomic save, a writer that reopens it with O_TRUNC and writes it again) loses and doubles nothing.

Real files written with real writes; each Tail (or the follower's pass) looks when the test says
so, so what happens between two looks is exactly what the test did (no thread, no timing). This is
what failed on a quiet machine once the passes were paced up to 0.5 s apart: the writer's whole
rotation fell between two passes, the first Tail read across it, and the Tail that took over read
only the new file (tests/test_follow_writers.py create-jsonl lost the 15 lines before the rotation)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import read_runs
from test_follow import watch
from test_follow_cut import LINES, Recorder, append, copytruncate, look
from test_follow_writers import CSV, JSONL, settle, table

from lossacc_tui.events import RunReset
from lossacc_tui.tail import Tail

NAMES = {"csv": "metrics.csv", "jsonl": "log.jsonl"}


def create(path: Path, lines: list[str], header: bool = False) -> None:
    """logrotate's `create`: the log renamed to `log.1`, a new one made, the writer going on in it
    (writing its CSV header again first, when `header`)."""
    os.rename(path, path.with_name(path.name + ".1"))
    append(path, lines[:1] if header else [])
    path.touch()


def atomic(path: Path, lines: list[str]) -> None:
    tmp = path.with_name("tmp")
    tmp.write_text("".join(lines))
    os.replace(tmp, path)


def change(kind: str, p: Path, lines: list[str], at: int) -> list[str]:
    """Make the writer's change at line `at`; return what the writer then goes on writing."""
    if kind == "create":
        create(p, lines)
    elif kind == "create-header":
        create(p, lines, header=True)
    elif kind == "copytruncate":
        copytruncate(p)
    elif kind == "atomic":
        atomic(p, lines[: at + 5])
        return lines[at + 5 :]
    elif kind == "o_trunc":  # the writer reopens its log with O_TRUNC and writes it again from the start
        with open(p, "w", encoding="utf-8") as f:
            f.writelines(lines[:at])
    return lines[at:]


KINDS = ["create", "create-header", "copytruncate", "atomic", "o_trunc"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("when", ["before-first-look", "between-the-looks"])
def test_a_new_handler_taking_over_across_a_rotation_gets_every_line_once(
    tmp_path: Path, fmt: str, kind: str, when: str
) -> None:
    """The first Tail reads a few lines; the writer adds more and makes its change, then goes on;
    the first Tail looks again (`before-first-look`: it reads across the change) or not
    (`between-the-looks`); then a Tail with a new handler takes over (the follower hands it the
    first one's open file): it gets the log's lines once each, in order, with no reset."""
    if kind == "create-header" and fmt == "jsonl":
        pytest.skip("a JSON-lines log has no header")
    lines = LINES[fmt]
    p = tmp_path / NAMES[fmt]
    append(p, lines[:3])
    first = Tail(p, Recorder())
    look(first)
    append(p, lines[3:10])
    rest = change(kind, p, lines, 10)
    append(p, rest)
    if when == "before-first-look":
        look(first)
    h = Recorder()
    t = Tail(p, h, prior=first)
    look(t)
    assert h.records() == lines
    assert h.resets == []
    t.close()


@pytest.mark.parametrize("kind", ["create", "copytruncate"])
def test_a_closed_first_tail_whose_log_was_renamed_away_hands_over_the_renamed_file(
    tmp_path: Path, kind: str
) -> None:
    """The first Tail was closed (its file not handed over) and the log rotated since: the file it
    read is found beside the log by its identity, and read first."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:3])
    first = Tail(p, Recorder())
    look(first)
    first.close()
    append(p, lines[3:10])
    append(p, change(kind, p, lines, 10))
    h = Recorder()
    t = Tail(p, h, prior=first)
    look(t)
    assert h.records() == lines
    t.close()


def test_a_create_rotation_with_the_header_written_again_is_one_run_continued(tmp_path: Path) -> None:
    """logrotate's `create` and a CSV writer that writes its header at the top of the new file: the
    log goes on (no reset), and the header line is not handed over a second time."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:40])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    append(p, lines[40:50])
    create(p, lines, header=True)
    append(p, lines[50:])
    look(t)
    assert h.records() == lines
    assert h.resets == [] and "rotated" in h.states


def test_a_restart_that_replaces_the_log_with_the_same_header_still_starts_over(tmp_path: Path) -> None:
    """A new job writes a new file at the path (the old one deleted, not kept beside it): its header
    line is the old one, and it is a new run, as before."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:40])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    p.unlink()
    append(p, lines[:10])
    look(t)
    assert h.resets == ["replaced"]
    assert h.records() == lines[:10]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_rotation_within_the_pass_that_tells_the_format_loses_nothing(
    tmp_path: Path, stop_all, fmt: str, kind: str
) -> None:  # type: ignore[no-untyped-def]
    """The follower (polling: it looks only when woken here) saw the log empty; before its next pass
    the writer wrote, made its change and went on. That one pass tells the format and hands the log
    to its reader: every record arrives once, in one run, with no reset."""
    if kind == "create-header" and fmt == "jsonl":
        pytest.skip("a JSON-lines log has no header")
    lines = LINES[fmt]
    source = CSV if fmt == "csv" else JSONL
    expected = read_runs(source)
    p = tmp_path / NAMES[fmt]
    p.write_bytes(b"")
    m, c = watch(p, poll=3600)
    stop_all(m)
    c.wait(lambda: "waiting" in c.states(p))
    append(p, lines[:10])
    append(p, change(kind, p, lines, 10))
    m.follower._wake.set()
    settle(m, c, expected)
    assert table(m.runs) == table(expected)
    assert [r.name for r in m.runs] == [str(p)]
    assert not any(isinstance(e, RunReset) for e in c.events)


def test_a_renamed_log_with_more_unread_than_one_pass_reads_is_read_to_its_end(tmp_path: Path) -> None:
    """A pass reads a bounded amount (`MAX_READ_PER_WAKE`, here 200 bytes); a `create` rotation left
    more than that unread in the renamed file: all of it is read before the new file, not the first
    200 bytes and then the new file."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:3])
    h = Recorder()
    t = Tail(p, h)
    look(t)
    append(p, lines[3:20])  # several passes' worth
    create(p, lines)
    append(p, lines[20:])
    while t.read(200):
        pass
    assert h.records() == lines
    assert h.resets == []
