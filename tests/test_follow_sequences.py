"""Any sequence of the writer events the follower knows ends with the follower's run equal to what
`check` reads from the final files (the log and the rotated copies beside it): nothing lost, nothing
doubled. Every pair and every triple of the events (append, logrotate `copytruncate`, a rewrite in
place from the start, an atomic save, delete and recreate, `create` rotation with and without the
CSV header written again, an in-place overwrite of the last line), each followed by the writer's
next rows, with the follower looking after every step, only at the end, or between an event and
the rows after it (tester h19t's fault 4: a `copytruncate`, rows, then an atomic save of the whole
log: the new file was read as the cut file's continuation, header and all, and epochs were lost).

Real files written with real writes; a `Tail` is read when the test says "look", so what happens
between two looks is exactly what the test did (no thread, no timing). The writer is one job that
keeps its whole history: a rewrite, an atomic save and a recreated file hold the header and every
row written so far (Lightning's and Keras' loggers write so), a rotation moves rows out of the log."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import read_runs
from test_follow import watch
from test_follow_cut import Recorder, look
from test_follow_writers import table

from lossacc_tui.events import Problem, RunReset
from lossacc_tui.tail import Tail

HEADER = "epoch,loss,val_loss,val_acc\n"
EVENTS = ["append", "copytruncate", "rewrite", "atomic", "recreate", "create", "create-header", "overwrite"]
TIMINGS = ["each", "end", "mid"]


def row(epoch: int, fix: int = 0) -> str:
    """One epoch's row; `fix` gives the same width with other values (a corrected last line)."""
    loss = 1.0 / (epoch + 1) + fix * 1e-4
    return f"{epoch},{loss:.6f},{1.1 * loss:.6f},{0.5 + epoch / 1000 + fix * 1e-4:.4f}\n"


class Writer:
    """One training job writing `metrics.csv`, and what rotations and saves do to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[str] = []
        self.copies = 0
        self.fixes = 0

    def append(self, n: int = 2) -> None:
        new = [row(len(self.rows) + k) for k in range(n)]
        self.rows += new
        with open(self.path, "a", encoding="utf-8") as f:
            f.writelines(new)

    def whole(self) -> str:
        return HEADER + "".join(self.rows)

    def _shift(self) -> Path:
        """logrotate's `rotate N`: log.k -> log.(k+1); returns the name of the newest copy."""
        for k in range(self.copies, 0, -1):
            os.rename(f"{self.path}.{k}", f"{self.path}.{k + 1}")
        self.copies += 1
        return Path(f"{self.path}.1")

    def event(self, kind: str) -> None:
        p = self.path
        if kind == "append":
            self.append()
        elif kind == "copytruncate":
            self._shift().write_bytes(p.read_bytes())
            os.truncate(p, 0)
        elif kind in ("create", "create-header"):
            os.rename(p, self._shift())
            p.write_text(HEADER if kind == "create-header" else "")
        elif kind == "rewrite":  # the job writes its whole log again in place (O_TRUNC)
            with open(p, "w", encoding="utf-8") as f:
                f.write(self.whole())
        elif kind == "atomic":
            tmp = p.with_name("metrics.tmp")
            tmp.write_text(self.whole())
            os.replace(tmp, p)
        elif kind == "recreate":
            p.unlink()
            p.write_text(self.whole())
        elif kind == "overwrite":  # the last row corrected in place, at the same width
            text = p.read_text()
            last = text[text.rstrip("\n").rfind("\n") + 1 :]
            if not self.rows or last != self.rows[-1]:
                return  # (the log holds no row of its own since its last cut)
            self.fixes += 1
            fixed = row(len(self.rows) - 1, self.fixes)
            with open(p, "r+b") as f:
                f.seek(len(text) - len(last))
                f.write(fixed.encode())
            self.rows[-1] = fixed
        else:
            raise ValueError(kind)


def data_rows(text: str) -> Counter[str]:
    return Counter(ln for ln in text.splitlines(keepends=True) if ln[:1].isdigit())


def final_files(w: Writer) -> str:
    """What `check` reads of the log's folder: its rotated copies, oldest first, then the log (read
    here as one file: `check` of the folder itself passes over a copy with no header of its own in
    the middle, `metrics.csv.1` between two copytruncates: a fault of its own, not the follower's)."""
    names = [Path(f"{w.path}.{k}") for k in range(w.copies, 0, -1)] + [w.path]
    return "".join(n.read_text() for n in names)


def play(tmp_path: Path, events: tuple[str, ...], timing: str) -> tuple[Writer, Recorder, Tail]:
    """The writer's header and 3 rows, then each event followed by 2 rows; the follower (a Tail
    and a recorder) looks as `timing` says."""
    (tmp_path / "log").mkdir()
    p = tmp_path / "log" / "metrics.csv"
    w = Writer(p)
    p.write_text(HEADER)
    w.append(3)
    h = Recorder()
    t = Tail(p, h)
    look(t)
    for kind in events:
        w.event(kind)
        if timing in ("each", "mid"):
            look(t)
        w.append()
        if timing == "each":
            look(t)
    look(t)
    return w, h, t


def check_same(tmp_path: Path, w: Writer, h: Recorder) -> None:
    """The follower's run since its last reset is what `check` reads of the final files (the last
    runs of it when those split): the same series; and no row was handed that is not in them as
    often (a row read twice where `check` reads it once is a doubled record)."""
    for name, text in (("seen", h.text.decode()), ("all", final_files(w))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.csv").write_text(text)
    ours, theirs = table(read_runs(tmp_path / "seen" / "metrics.csv")), table(read_runs(tmp_path / "all"))
    assert ours == theirs[len(theirs) - len(ours) :], (ours, theirs)
    doubled = data_rows(h.text.decode()) - data_rows(final_files(w))
    assert not doubled, f"handed over more often than check reads them: {doubled}"


def left_out(events: tuple[str, ...], timing: str) -> bool:
    """Not handled yet: the last line read rewritten in place, then the log rotated, before the
    follower's next look (no copy begins with what was read, and the log no longer does)."""
    return timing == "end" and events[0] == "overwrite" and bool(ROTATIONS & set(events[1:]))


ROTATIONS = {"copytruncate", "create", "create-header"}


PAIRS = [
    pytest.param(
        pair,
        timing,
        id=f"{'+'.join(pair)}-{timing}",
        marks=[pytest.mark.xfail(strict=True, reason="not handled yet")] if left_out(pair, timing) else [],
    )
    for pair in itertools.product(EVENTS, repeat=2)
    for timing in TIMINGS
]


@pytest.mark.parametrize(("events", "timing"), PAIRS)
def test_every_pair_of_writer_events_ends_as_check_reads_the_files(
    tmp_path: Path, events: tuple[str, ...], timing: str
) -> None:
    w, h, t = play(tmp_path, events, timing)
    check_same(tmp_path, w, h)
    t.close()


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("first", EVENTS)
def test_every_triple_of_writer_events_ends_as_check_reads_the_files(
    tmp_path: Path, first: str, timing: str
) -> None:
    """(the 64 triples that begin with `first`, in one test: each in a folder of its own)"""
    for k, rest in enumerate(itertools.product(EVENTS, repeat=2)):
        if left_out((first, *rest), timing):
            continue
        case = tmp_path / f"{k}"
        case.mkdir()
        w, h, t = play(case, (first, *rest), timing)
        try:
            check_same(case, w, h)
        except AssertionError as e:
            raise AssertionError(f"{(first, *rest)}: {e}") from None
        finally:
            t.close()


def test_copytruncate_then_an_atomic_save_of_the_whole_log_reads_on(tmp_path: Path) -> None:
    """h19t's reproduction, the follower looking after each step: header and epochs 0-2, a
    `copytruncate`, epochs 3-5, then an atomic save of the whole log with epochs 0-7: the run goes
    on with epochs 6 and 7 (the new file begins with everything handed over), no reset."""
    w, h, t = play(tmp_path, ("copytruncate", "atomic"), "each")
    assert h.resets == []
    assert h.text.decode() == w.whole()
    t.close()


@pytest.mark.parametrize("copy", [False, True], ids=["cut-alone", "logrotate-copy"])
def test_the_follower_reads_a_copytruncate_then_an_atomic_save_as_check_reads_the_log(
    tmp_path: Path, stop_all, copy: bool
) -> None:  # type: ignore[no-untyped-def]
    """h19t's reproduction through the real follower (its thread, file-system events): header and
    epochs 0-2, the log cut (`: > log`, or logrotate's copy and cut), epochs 3-5, then an atomic save
    of the whole log with epochs 0-7. The run ends as `check` reads the final log, epochs 0-7, with
    no reset and no problem (it had said "its lines continue the run", reset since epoch 1, sent
    epochs 1-4 and a problem "epoch went back to 1", and never epochs 0, 5, 6, 7 of the new file)."""
    p = tmp_path / "f.csv"
    p.write_text("")
    m, c = watch(p)
    stop_all(m)
    w = Writer(p)
    p.write_text(HEADER)
    for _ in range(3):
        w.append(1)
    c.wait(lambda: table(m.runs)[-1:] == [{n: v[:3] for n, v in table(read_runs(p))[0].items()}])
    w.event("copytruncate") if copy else os.truncate(p, 0)
    w.append(3)
    c.wait(lambda: sum(r.points for r in m.runs) == 18)
    w.rows += [row(6), row(7)]
    w.event("atomic")  # the whole log, epochs 0-7 (6 and 7 only in it)
    expected = table(read_runs(p))
    assert len(expected[0]["loss"]) == 8
    c.wait(lambda: table(m.runs) == expected)
    assert not [e for e in c.events if isinstance(e, (RunReset, Problem))]
    assert [r.name for r in m.runs] == [str(p)]
