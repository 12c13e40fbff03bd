"""A followed log a run resumed from a checkpoint appends to (Keras' `CSVLogger(append=True)`), or
that a training restarted from scratch writes on in (epochs 0..9, then 0..9 again), shows at each
pause of its writer what `check` of the file reads then (tester h19t, fault 4a: the resumed run's
last record, at the epoch the first run ended at, was held back for a next record that never came,
and so was the restarted run's last one; and the record a run resumed at waited for the next one,
an epoch later).

A record going back into a run is read as `check` reads the file then: a resume; the next records
decide whether it was one or a stray record written late (readers/strays.py). When they say stray,
the follower reads the log again and ends as `check` reads it (lossacc_tui/settle.py); the stray
record case is here too.

Real writers: numpy trainings (tests/numpy_training.py) written a record at a time through an open
file, as Keras' CSVLogger and a JSON-lines logger write them; the follower reads when woken, and
every wait is on its state: the bytes it handed to the reader and placed in runs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from numpy_training import softmax_regression
from test_follow import Collector

from lossacc_tui import follow, handlers
from lossacc_tui.events import PointsAdded, RunReset, Status
from lossacc_tui.monitor import Monitor
from lossacc_tui.source import Source, discover, open_file

FIRST = softmax_regression(epochs=12, seed=4)
AGAIN = softmax_regression(epochs=12, seed=7)  # (a resumed or restarted run: other values)

#: the epochs written, in order, each with the run whose values it takes, and how many runs `check`
#: reads at the end
CASES = {
    "resume": ([(e, FIRST) for e in range(12)] + [(e, AGAIN) for e in range(6, 12)], 1),
    "restart": ([(e, FIRST) for e in range(10)] + [(e, AGAIN) for e in range(10)], 2),
    # epoch 3 written late by another process, while the run carries on at 9 (a stray record)
    "stray": ([(e, FIRST) for e in range(9)] + [(3, AGAIN)] + [(e, FIRST) for e in range(9, 12)], 1),
}

Runs = dict[str, list[tuple[float, float]]]


def _key(name: str) -> str:
    """A run's name past its file's ("", "#2"): `check` and a follower name the file alike or not."""
    return name[name.rfind("#") :] if "#" in name else ""


def _line(fmt: str, e: int, run: list[dict[str, float]]) -> str:
    r = run[e]
    if fmt == "csv":
        return f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
    keys = ("loss", "accuracy", "val_loss", "val_accuracy")
    vals = (r["train_loss"], r["train_acc"], r["val_loss"], r["val_acc"])
    return json.dumps({"epoch": e, **dict(zip(keys, vals, strict=True))}) + "\n"


def _checked(path: Path) -> Runs:
    """What a `check` of the file reads now: each run's (epoch, val_loss) points."""
    out: Runs = {}
    for src in discover(path):
        for run in src.read_all():
            s = run.series["val_loss"]
            out[_key(run.name)] = [
                (float(x), float(v)) for x, v in zip(s.x_or_none("epoch"), s.values, strict=True)
            ]
    return out


def _followed(c: Collector) -> Runs:
    """Each followed run's (epoch, val_loss) points, from the events told: records appended, a
    resumed run's points from `since` on dropped, a run read again emptied."""
    runs: Runs = {}
    for ev in list(c.events):
        if isinstance(ev, RunReset):
            pts = runs.setdefault(_key(ev.run.name), [])
            if ev.since is None:
                pts.clear()
            else:
                at = float(ev.since.split()[-1])
                pts[:] = [p for p in pts if p[0] < at]
        elif isinstance(ev, PointsAdded) and "val_loss" in ev.batch.values:
            b = ev.batch
            p = b.present["val_loss"]
            pts = runs.setdefault(_key(ev.run.name), [])
            pts += [
                (float(b.epoch[i]), float(b.values["val_loss"][i]))  # type: ignore[index]
                for i in range(b.n)
                if p is None or p[i]
            ]
    return runs


@contextmanager
def _looked(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How many bytes of each followed file the follower had handed to its reader and placed in
    runs when it last found nothing more to read (`Lines.end` returned: it looked at the whole file
    as it is, its writer pausing): the state a test waits on."""
    fed: dict[str, int] = {}
    looked: dict[str, int] = {}
    data, end = handlers.Lines.data, handlers.Lines.end

    def counted(self: handlers.Lines, chunk: bytes) -> None:
        data(self, chunk)
        key = str(self.src.files[self.i].path)
        fed[key] = fed.get(key, 0) + len(chunk)

    def ended(self: handlers.Lines) -> None:
        end(self)
        key = str(self.src.files[self.i].path)
        looked[key] = fed.get(key, 0)

    monkeypatch.setattr(handlers.Lines, "data", counted)
    monkeypatch.setattr(handlers.Lines, "end", ended)
    yield looked


def _follow(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stop_all,
    fmt: str,
    records: list[tuple[int, list]],  # type: ignore[no-untyped-def]
) -> tuple[list[tuple[Runs, Runs]], Collector]:
    """Follow a log its writer writes `records` into, pausing after each: at each pause, (what the
    follower shows, what `check` reads); and the follower's events."""
    monkeypatch.setattr(follow, "MAX_GAP", follow.MIN_GAP)  # (a woken follower reads at once)
    p = tmp_path / f"metrics.{fmt}"
    head = "epoch,loss,accuracy,val_loss,val_accuracy\n" if fmt == "csv" else ""
    pauses: list[tuple[Runs, Runs]] = []
    with _looked(monkeypatch) as looked, open(p, "w") as f:
        f.write(head)
        f.flush()
        m = Monitor([p], poll=3600)  # (the follower looks when woken)
        m._start_timer = lambda wait: None  # type: ignore[method-assign]  # (no analysis: not tested here)
        c = Collector()
        m.subscribe(c)
        m.start()
        stop_all(m)
        for e, run in records:
            f.write(_line(fmt, e, run))
            f.flush()  # the writer pauses here (an epoch's training)
            size = os.path.getsize(p)
            m.follower._wake.set()
            c.wait(lambda size=size: looked.get(str(p), 0) == size)
            pauses.append((_followed(c), _checked(p)))
    return pauses, c


def _rereads(c: Collector) -> int:
    """How many times the follower read the log again (a record read at a pause was a stray)."""
    return sum(1 for e in c.events if isinstance(e, Status) and e.state == "rewritten")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_followed_resume_or_restart_shows_what_check_reads_at_each_pause(
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    case: str,
) -> None:
    records, runs = CASES[case]
    pauses, c = _follow(tmp_path, monkeypatch, stop_all, fmt, records)
    for k, (shown, now) in enumerate(pauses):
        assert shown == now, k
    assert len(now) == runs
    assert [x for x, _ in now[max(now)]][-1] == records[-1][0]  # the last record is shown
    # a stray record, read as a resume at the pause after it, makes the follower read the log again
    assert _rereads(c) == (case == "stray")


def test_a_log_that_had_a_stray_record_holds_the_next_one_until_the_record_after_it(
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second process writing late lines now and then: the log is read again once, not at each
    (lossacc_tui/settle.py); the second stray waits for the record after it, and the runs end as
    `check` reads them."""
    records = [(e, FIRST) for e in range(6)] + [(2, AGAIN), (6, FIRST), (7, FIRST), (4, AGAIN), (8, FIRST)]
    second = len(records) - 2
    pauses, c = _follow(tmp_path, monkeypatch, stop_all, "csv", records)
    for k, (shown, now) in enumerate(pauses):
        assert shown == (pauses[k - 1][1] if k == second else now), k
    assert _rereads(c) == 1
    assert len(now[""]) == 9  # (epochs 0-8, the strays kept out)


def _step_log() -> list[str]:
    """A JSON-lines log with a step on its training records and only an epoch on its evaluations
    (an evaluation written with no step): steps 0-90, resumed from step 50 with its next record an
    evaluation (no step: the resume is decided by the step record after it), then steps 60-90."""
    out = []
    for s in range(0, 100, 10):
        out.append(json.dumps({"step": s, "loss": FIRST[s // 10]["train_loss"]}))
        if s % 50 == 40:
            out.append(json.dumps({"epoch": s // 50, "val_loss": FIRST[s // 50]["val_loss"]}))
    out.append(json.dumps({"step": 50, "loss": AGAIN[5]["train_loss"]}))
    out.append(json.dumps({"epoch": 1, "val_loss": AGAIN[1]["val_loss"]}))
    for s in range(60, 100, 10):
        out.append(json.dumps({"step": s, "loss": AGAIN[s // 10]["train_loss"]}))
    return [ln + "\n" for ln in out]


def _runs(src: Source) -> list[dict[str, list[tuple[float, float]]]]:
    """Each run with points: its series as (x, value) points, x the step or else the epoch."""
    out = []
    for run in src.runs:
        d = {}
        for name, s in run.series.items():
            x = s.x_or_none("step")
            x = s.x_or_none("epoch") if x is None else x
            d[name] = [(float(a), float(b)) for a, b in zip(x, s.values, strict=True)]
        if d:  # (a header alone: `check` makes an empty run of it)
            out.append(d)
    return out


@pytest.mark.parametrize("fmt", ["step", "csv"])
def test_read_a_line_at_a_time_and_settled_at_each_pause_the_runs_are_checks(
    tmp_path: Path, fmt: str
) -> None:
    """The source as a follower drives it (`Lines`: a line at a time, `settle` at each pause, read
    again from its start when what was settled reads otherwise), beside a fresh read of the same
    lines at each pause: the same runs. `step`: an evaluation with no step between the resumed
    record and the next with a step waits with it (undecided), then both go on as `check` reads
    them; `csv`: a resume, a stray record, a restart."""
    if fmt == "step":
        lines, name = _step_log(), "log.jsonl"
    else:
        order = [(e, FIRST) for e in range(8)] + [(3, AGAIN), (8, FIRST), (9, FIRST)]
        order += [(5, AGAIN), (6, AGAIN), (0, AGAIN), (1, AGAIN)]
        lines = ["epoch,loss,accuracy,val_loss,val_accuracy\n", *(_line("csv", e, r) for e, r in order)]
        name = "metrics.csv"
    p, q = tmp_path / name, tmp_path / "prefix" / name
    q.parent.mkdir()
    p.write_text("".join(lines))
    src = open_file(p, name)
    assert src is not None
    reads = 0
    for k, ln in enumerate(lines):
        src.feed(0, ln.encode())
        src.settle(0)
        if src.misread(0):  # (what `settle.read_again` does)
            reads += 1
            src.rewind(0)
            src.feed(0, "".join(lines[: k + 1]).encode())
        q.write_text("".join(lines[: k + 1]))
        check = open_file(q, name)
        assert check is not None
        check.read_all()
        assert _runs(src) == _runs(check), k
    assert reads == (fmt == "csv")
