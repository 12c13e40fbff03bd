"""logrotate's `copytruncate` racing the follower: two rotations between two looks, a rotation
before the log's first line (after a cut) has ended, and a copy that ends in the middle of a line.
Every line whole in a copy or in the log arrives once; a line a rotation cut in two is a recorded
problem that shows both halves, never two halves glued into one wrong record, never a silent drop.

The first tests are exact (real files, real writes; a `Tail` looks when the test says so); the last
runs the seeded fuzz of benchmarks/bench_copytruncate.py: a writer process, a rotator process
(copy, then truncate in place) and the real `Follower`, each trial waiting on state."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from test_follow import watch
from test_follow_cut import LINES, append, look

from lossacc_tui.events import Problem
from lossacc_tui.tail import Tail

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_copytruncate import Recorder, sources, trial


class Told(Recorder):
    """A Recorder whose records are its complete lines, as the test_follow_cut one's."""

    def records(self) -> list[str]:
        return bytes(self.text).decode().splitlines(keepends=True)


def rotate(path: Path) -> None:
    """logrotate `copytruncate` with `rotate N`: log.k -> log.k+1, copy the log to log.1 (as `cp`
    does: read it, write the copy), then cut the log to 0 in place."""
    n = 0
    while path.with_name(f"{path.name}.{n + 1}").exists():
        n += 1
    for k in range(n, 0, -1):
        os.rename(path.with_name(f"{path.name}.{k}"), path.with_name(f"{path.name}.{k + 1}"))
    path.with_name(path.name + ".1").write_bytes(path.read_bytes())
    os.truncate(path, 0)


def write(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def test_two_rotations_between_two_looks_lose_nothing(tmp_path: Path) -> None:
    """Read, then the writer goes on through two rotations before the next look: the first copy
    (now `log.2`) from where reading was, then all of the second (`log.1`), then the log."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:5])
    h = Told()
    t = Tail(p, h)
    look(t)
    append(p, lines[5:10])
    rotate(p)
    append(p, lines[10:18])
    rotate(p)
    append(p, lines[18:])
    look(t)
    assert h.records() == lines
    assert h.resets == [] and h.problems == []


def test_a_rotation_before_the_first_line_after_a_cut_ended_loses_nothing(tmp_path: Path) -> None:
    """After a cut the log holds half a line at the next look (the follower waits for it to end);
    the writer ends it, writes on, and logrotate rotates again before the next look: what was
    written since the first cut is in the new `log.1`, read before the log."""
    lines = LINES["jsonl"]
    p = tmp_path / "log.jsonl"
    append(p, lines[:5])
    h = Told()
    t = Tail(p, h)
    look(t)
    rotate(p)
    write(p, lines[5][:10])  # half of the first line since the cut
    look(t)
    write(p, lines[5][10:])
    append(p, lines[6:15])
    rotate(p)
    append(p, lines[15:])
    look(t)
    assert h.records() == lines
    assert h.resets == [] and h.problems == []


def test_a_copy_that_ends_mid_line_is_a_problem_not_a_joined_record(tmp_path: Path) -> None:
    """The writer had written half a line when logrotate copied; between the copy and the cut it
    wrote more of it (lost: in neither file), then the rest. The two halves glued together would be
    a record with a wrong number (`74,0.90799` + `18079,...`): neither is read, a problem shows
    both, and every other line arrives once."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:30])
    h = Told()
    t = Tail(p, h)
    look(t)
    append(p, lines[30:40])
    torn = lines[40]
    write(p, torn[:12])
    p.with_name(p.name + ".1").write_bytes(p.read_bytes())  # the copy ends mid-line
    write(p, torn[12:20])  # written between the copy and the cut: in neither
    os.truncate(p, 0)
    write(p, torn[20:])
    append(p, lines[41:])
    look(t)
    assert h.records() == lines[:40] + lines[41:]
    assert len(h.problems) == 1
    assert torn[:12] in h.problems[0] and torn.rstrip()[-20:] in h.problems[0]
    assert h.resets == []


def test_a_line_begun_between_the_copy_and_the_cut_is_a_problem(tmp_path: Path) -> None:
    """The copy ends with a whole line; the writer began the next one before the cut (lost) and
    ended it after: the log begins with that line's end, `,0.44...`: not read as a record of its
    own; told."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:30])
    h = Told()
    t = Tail(p, h)
    look(t)
    p.with_name(p.name + ".1").write_bytes(p.read_bytes())
    write(p, lines[30][:9])  # between the copy and the cut
    os.truncate(p, 0)
    write(p, lines[30][9:])
    append(p, lines[31:])
    look(t)
    assert h.records() == lines[:30] + lines[31:]
    assert len(h.problems) == 1 and lines[30][9:29] in h.problems[0]


def test_two_cuts_whose_line_ends_look_alike_are_no_restart(tmp_path: Path) -> None:
    """Two rotations each cut a line three bytes before its end (`5}` + newline left for the log):
    the log begins with the same bytes both times. That is the end of a line, not the run
    written again from its start (the first line read after the first cut is what the second is
    compared with): no reset, every whole line once, both cut lines told."""
    lines = LINES["jsonl"]
    i, j = next(
        (i, j) for i in range(5, 15) for j in range(i + 5, len(lines) - 3) if lines[i][-3:] == lines[j][-3:]
    )
    p = tmp_path / "log.jsonl"
    append(p, lines[:i])
    h = Told()
    t = Tail(p, h)
    look(t)
    for k, (lo, hi) in enumerate(((i, j), (j, len(lines)))):
        write(p, lines[lo][:-3])
        rotate(p)
        write(p, lines[lo][-3:])
        append(p, lines[lo + 1 : hi])
        look(t)
        assert h.resets == [] and len(h.problems) == k + 1
    assert h.records() == [ln for n, ln in enumerate(lines) if n not in (i, j)]


def test_a_line_cut_in_two_is_a_problem_of_the_followed_run(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    """Through the Monitor: the run holds every epoch but the one cut in two, none with a wrong
    value, and a `Problem` event names the rotation (as `check` lists a bad line)."""
    lines = LINES["csv"]
    p = tmp_path / "metrics.csv"
    append(p, lines[:40])
    m, c = watch(p, poll=3600)
    stop_all(m)
    c.wait(lambda: sum(r.points for r in m.runs) >= 39 * 4)
    append(p, lines[40:60])
    write(p, lines[60][:15])
    rotate(p)
    write(p, lines[60][15:])
    append(p, lines[61:])
    m.follower._wake.set()
    c.wait(lambda: sum(r.points for r in m.runs) >= 149 * 4)
    c.wait(lambda: any(isinstance(e, Problem) for e in c.events))
    (run,) = m.runs
    epochs = [int(ln.split(",")[0]) for ln in lines[1:]]
    assert len(run.series["val_loss"]) == 149
    assert list(run.series["val_loss"].values) == [
        float(ln.split(",")[4]) for ln, e in zip(lines[1:], epochs, strict=True) if e != 59
    ]
    (problem,) = [e for e in c.events if isinstance(e, Problem)]
    assert "cut in two by a rotation" in problem.message and lines[60][:15] in problem.message


def test_seeded_fuzz_writer_and_rotator_processes(tmp_path: Path) -> None:
    """24 seeded trials: a writer process appends a real numpy SGD run's JSON lines (a line often
    in two writes), a rotator process copies and cuts the log (logrotate `copytruncate`, `rotate
    N`) at seeded sizes, the real Follower reads. Each trial: nothing lost, doubled, glued or
    reset, and every line a rotation cut is told as a problem."""
    src = sources(tmp_path, steps=300)["jsonl"]
    rng = random.Random(18)
    bad = []
    for i in range(24):
        tmp = tmp_path / f"t{i}"
        tmp.mkdir()
        o = trial(tmp, src, rng.randrange(1 << 30))
        if not (o.clean and o.joined == 0 and o.rotations > 0):
            bad.append((i, o))
    assert bad == []
