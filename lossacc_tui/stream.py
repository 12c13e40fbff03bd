"""`check --follow`: print what the Monitor reads as it arrives, one line per record, until Ctrl-C.
JSON lines with `--json` (for scripts, CI logs, `nohup`), plain text otherwise."""

from __future__ import annotations

import math
import sys
import threading
from collections import deque
from typing import TextIO

import orjson

from lossacc_tui.clean import json_text
from lossacc_tui.events import AlertChanged, Event, PointsAdded, Problem, RunAdded, RunReset, Status
from lossacc_tui.model import Batch, Run
from lossacc_tui.report import SEVERITY_RANK, _ints_on_x, alert_text


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _x(a: object, i: int) -> float | None:
    if a is None:
        return None
    v = float(a[i])  # type: ignore[index]
    return None if math.isnan(v) else (int(v) if v.is_integer() else v)  # type: ignore[return-value]


def records(batch: Batch) -> list[tuple[float | None, float | None, dict[str, float]]]:
    """(step, epoch, {metric: value}) for each row of a batch, as parsed."""
    out = []
    names = list(batch.values)
    for i in range(batch.n):
        vals = {}
        for n in names:
            p = batch.present[n]
            if p is None or p[i]:
                vals[n] = float(batch.values[n][i])
        out.append((_x(batch.step, i), _x(batch.epoch, i), vals))
    return out


class Printer:
    """Subscriber that writes events to a stream; safe to call from the follower thread."""

    def __init__(self, out: TextIO, as_json: bool, err: TextIO | None = None) -> None:
        self.out, self.json, self.err = out, as_json, err or sys.stderr
        self.broken = threading.Event()
        self._scales: dict[tuple[int, str], float] = {}  # (run, metric) -> the scale printed with
        #: the highest severity (`SEVERITY_RANK`) any alert reached in what was printed; -1 for none:
        #: `check --follow --fail-on` ends with 1 when it is at or above the level asked for
        self.worst = -1
        #: id(run) -> the x (on its axis) of its latest records printed, oldest first (at most RECENT)
        self._printed: dict[int, deque[float]] = {}

    def __call__(self, events: list[Event]) -> None:
        lines = []
        for ev in events:
            if isinstance(ev, PointsAdded):
                lines += self._unit_changes(ev)
            elif isinstance(ev, AlertChanged):  # (an alert may open at info and close at warning)
                self.worst = max(self.worst, SEVERITY_RANK.get(ev.alert.severity, -1))
            lines += self._json(ev) if self.json else self._text(ev)
            if isinstance(ev, PointsAdded):
                self._note_records(ev)
            elif isinstance(ev, RunReset):
                self._printed.pop(id(ev.run), None)  # (its records follow again, or are cut)
        if not lines:
            return
        try:
            self.out.write("".join(lines))
            self.out.flush()
        except BrokenPipeError:  # `| head`: the reader went away
            self.broken.set()

    def _note_records(self, ev: PointsAdded) -> None:
        """Remember the x of each record just printed (the run's axis), for `_decided`."""
        axis = ev.run.x_axis
        col = ev.batch.epoch if axis == "epoch" else ev.batch.step
        if col is None:
            return
        got = self._printed.setdefault(id(ev.run), deque(maxlen=RECENT))
        got.extend(float(v) for v in col[-RECENT:])

    def _decided(self, ev: AlertChanged) -> tuple[float | None, int | None]:
        """(the x of the record whose reading opened, reopened or closed the alert, the number of
        the run's records printed after that one): the analysis runs every few seconds at most
        (`feed_passes.ANALYSE_MAX`), so the line of an alert can come a few records after the
        record that raised it, the record a `check` of the log up to there raises it at; the stream
        names it. (None, None) where no record decided it (withdrawn on a rewrite, across runs)."""
        x = ev.alert.data.get("decided_x")
        if ev.run is None or x is None or not math.isfinite(x):
            return None, None
        got = self._printed.get(id(ev.run))
        if not got:
            return float(x), None
        later = 0
        for v in reversed(got):
            if not v > x:  # (NaN: a record with no x on the axis ends the count too)
                break
            later += 1
        return float(x), later

    def _unit_changes(self, ev: PointsAdded) -> list[str]:
        """An accuracy found to be in percent after values were printed as they were logged (0.5,
        0.8, then 20, 30), or in fractions after a first value above 1: said when it changes, so the
        earlier lines are read right (`Series.scale`, lossacc_tui/percent.py)."""
        out = []
        for name in ev.batch.values:
            key, scale = (id(ev.run), name), _scale(ev.run, name)
            before = self._scales.setdefault(key, scale)
            if before != scale:
                self._scales[key] = scale
                msg = (
                    f"{name} is in percent: its values printed before this were percentages too"
                    if scale < before
                    else f"{name} is in fractions: its values printed before this (divided by 100) were"
                    " fractions too"
                )
                if self.json:
                    obj = {
                        "event": "unit",
                        "run": ev.run.name,
                        "metric": name,
                        "scale": scale,
                        "message": msg,
                    }
                    out.append(orjson.dumps(obj).decode() + "\n")
                else:
                    print(f"lossacc-tui: {ev.run.name}: {msg}", file=self.err, flush=True)
        return out

    def _json(self, ev: Event) -> list[str]:
        def line(obj: dict[str, object]) -> str:
            return json_text(orjson.dumps(obj).decode()) + "\n"

        if isinstance(ev, RunAdded):
            run = {"event": "run", "run": ev.run.name, "path": ev.run.json_path, "format": ev.run.format}
            return [line(run)]
        if isinstance(ev, PointsAdded):
            return [
                line(
                    {
                        "event": "record",
                        "run": ev.run.name,
                        "step": step,
                        "epoch": epoch,
                        "values": {k: _num(v * _scale(ev.run, k)) for k, v in vals.items()},
                    }
                )
                for step, epoch, vals in records(ev.batch)
            ]
        if isinstance(ev, RunReset):
            if ev.since is not None:  # a resumed run: its points from `since` on are replaced
                return [line({"event": "reset", "run": ev.run.name, "since": ev.since})]
            if ev.axis is not None:  # its points follow again, on this x
                return [line({"event": "reset", "run": ev.run.name, "axis": ev.axis})]
            return [line({"event": "reset", "run": ev.run.name})]
        if isinstance(ev, Status):
            return [line({"event": "status", "path": ev.path, "state": ev.state, "message": ev.message})]
        if isinstance(ev, Problem):
            return [line({"event": "problem", "path": ev.path, "line": ev.line, "message": ev.message})]
        if isinstance(ev, AlertChanged):
            run = None if ev.run is None else ev.run.name
            # (an x, its start, end, claims' spans, is an integer where it is one, as `check --json` has it)
            alert = _ints_on_x(ev.alert.to_dict())
            if ev.change == "severity":  # (what it was: `severity` is what it is now)
                alert["severity_was"] = ev.alert.data.get("severity_was")
                alert["changed_after"] = _whole(_finite(ev.alert.data.get("changed_after_x")))
            at, later = self._decided(ev)
            decided = {"decided_at": _whole(at), "records_since": later}
            return [line({"event": "alert", "change": ev.change, "run": run, **alert, **decided})]
        return []

    def _text(self, ev: Event) -> list[str]:
        if isinstance(ev, RunAdded):
            return [f"== {ev.run.name} [{ev.run.format}]\n"]
        if isinstance(ev, PointsAdded):
            return [
                _record_text(ev.run, step, epoch, {k: v * _scale(ev.run, k) for k, v in vals.items()})
                for step, epoch, vals in records(ev.batch)
            ]
        if isinstance(ev, RunReset):
            if ev.since is not None:  # ("epoch 26": already words, its number written as the x is)
                at = ev.since
                return [
                    f"== {ev.run.name}: back to {at}, read as a resume from a checkpoint: "
                    "the values from there on are replaced\n"
                ]
            if ev.axis is not None:
                return [
                    f"== {ev.run.name}: its step restarts each epoch: x is now the {ev.axis}, "
                    "its records so far follow again\n"
                ]
            return [f"== {ev.run.name}: rewritten, reading it again\n"]
        if isinstance(ev, Status) and ev.state != "live":
            print(f"lossacc-tui: {ev.message}", file=self.err, flush=True)
        if isinstance(ev, Problem):
            print(f"lossacc-tui: {ev.text()}", file=self.err, flush=True)
        if isinstance(ev, AlertChanged):
            who = "across runs" if ev.run is None else ev.run.name
            where = self._where(ev)
            if ev.change == "closed":
                what = f"[{ev.alert.severity}] {ev.alert.kind}: {ev.alert.title}"
                return [f"-- alert closed ({who}){where}: {what}\n"]
            if ev.change == "severity":  # (an open alert's rule gave it another severity)
                was = str(ev.alert.data.get("severity_was", ""))
                up = SEVERITY_RANK.get(ev.alert.severity, 0) > SEVERITY_RANK.get(str(was), 0)
                return [
                    f"{'!!' if up else '--'} alert now {ev.alert.severity}, was {was} ({who}){where}: "
                    f"[{ev.alert.severity}] {ev.alert.kind}: {ev.alert.title}\n"
                ]
            if ev.change == "reopened":
                return [
                    f"!! alert reopened ({who}){where}: [{ev.alert.severity}] {ev.alert.kind}: "
                    f"{ev.alert.title}\n"
                ]
            axis = ev.alert.data.get("axis", "x") if ev.run is None else ev.run.x_axis
            return [
                f"!! alert opened ({who}){where}:\n",
                *(ln + "\n" for ln in alert_text(ev.alert, axis, "   ")),
            ]
        return []

    def _where(self, ev: AlertChanged) -> str:
        """' on the record at epoch 8' (and ', 3 records back' when records printed since): where
        the alert was decided, for the text stream; '' where no record decided it."""
        at, later = self._decided(ev)
        if at is None or ev.run is None:
            return ""
        back = f", {later} record{'s' if later != 1 else ''} back" if later else ""
        after = _finite(ev.alert.data.get("changed_after_x")) if ev.change == "severity" else None
        if after is not None and after < at:  # (found by a pass: it changed somewhere in between)
            return f" after the record at {ev.run.x_axis} {_x_text(after)}, by the one at {_x_text(at)}{back}"
        return f" on the record at {ev.run.x_axis} {_x_text(at)}{back}"


#: records of a run whose x the stream remembers (an alert decided further back says so as this many)
RECENT = 4096


def _finite(v: object) -> float | None:
    """v as a float when it is a finite number, else None."""
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _whole(v: float | None) -> float | int | None:
    return int(v) if v is not None and v.is_integer() else v


def _scale(run: Run, name: str) -> float:
    """An accuracy in percent is printed as a fraction, as `check --json` and the view give it
    (`Series.scale`, once a value above 1 has shown the unit)."""
    s = run.series.get(name)
    return 1.0 if s is None else s.scale


def _x_text(v: float) -> str:
    """An epoch or step as text: whole numbers whole, a fractional epoch (a batch inside it) to 4
    decimals, never its full float repr.

    >>> _x_text(3.0), _x_text(0.21333333333333335), _x_text(12000), _x_text(2.5)
    ('3', '0.2133', '12000', '2.5')
    """
    f = float(v)
    if not math.isfinite(f):
        return str(f)
    if f.is_integer():
        return str(int(f))
    return f"{f:.4f}".rstrip("0").rstrip(".")


def _record_text(run: Run, step: float | None, epoch: float | None, vals: dict[str, float]) -> str:
    where = " ".join(f"{k} {_x_text(v)}" for k, v in (("epoch", epoch), ("step", step)) if v is not None)
    body = "  ".join(f"{k}={v:.6g}" for k, v in vals.items())
    return f"{run.name}  {where}  {body}\n"
