"""Placing records in the open runs of a file (rules 1-3 of readers/split.py): the part of the
Splitter that decides, record by record, which run a record continues, whether it is a duplicate,
and when a run was resumed from a checkpoint or a new run begins."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.epoch_steps import EpochAxis
from lossacc_tui.readers.split_rows import Lane, Rows, Seen, closest_lane, same_values
from lossacc_tui.readers.strays import note_unplaced

WINDOW = 64
LANE_TIMEOUT = 64
#: runs closed by LANE_TIMEOUT that a record may still take up where they stopped (`_taken_up`)
PARKED = 8
#: a closed run is taken up by a record at most this many of its last x rises past its last x
TAKE_UP = 1.5
#: said once a file, when a closed run is taken up where it stopped (two writers, one file)
TWO_WRITERS = (
    "two writers append to this file at once: this record takes up the run that stopped at {axis} "
    "{x} when another run's records came in between; each writer's records are read as a run of "
    "their own (not as a run resumed from a checkpoint at every switch)"
)


class Placer:
    """The open runs (`Lane`s) and the recent records of one file, and the rules that place a
    record among them. `Splitter` (readers/split.py) drives it batch by batch."""

    strays: list[tuple[int | None, str]]  # (line, problem) said to the Source (the Splitter's)

    def __init__(self) -> None:
        self.axis: str | None = None  # 'step' | 'epoch' | 'ordinal', fixed by the first batch
        self.duplicates = 0
        self._segments = 0
        self._lanes: list[Lane] = []
        self._parked: list[Lane] = []  # runs closed by LANE_TIMEOUT, the latest last (at most PARKED)
        self.writers_said = False  # TWO_WRITERS was said for this file
        self._recent: Lane | None = None
        self._row = 0  # records seen so far
        self._window: deque[Seen] = deque(maxlen=WINDOW)
        self._floor = 0
        self._current: Batch | None = None  # the batch being split (for its rows' values)
        self._resumes: dict[int, float] = {}  # rows of the batch being split where a run resumed
        self._forgot: list[tuple[int, float, int]] = []  # (run, x, row): its rows above x, before row
        self.resumed = 0  # how many times a run was resumed
        #: runs begun because a record went back below every open run (not a reader's new start)
        self.went_back: set[int] = set()
        #: set once a run's step went back at a new epoch (readers/epoch_steps.py): x is the epoch
        self.epochs: EpochAxis | None = None

    def _fast(self, x: np.ndarray, seg: np.ndarray, a: int, b: int) -> None:
        """Rows a..b-1 have x above every x before: they continue the run with the largest x."""
        if b <= a:
            return
        lane = (
            self._choose(float(x[a]), frozenset(), lambda _lane: False, self._batch_vals(a), a)
            or self._new_lane()
        )
        seg[a:b] = lane.seg
        lane.first_x = min(lane.first_x, float(x[a]))
        if self.axis == "step" and self.epochs is None and self._current is not None:
            ep = self._current.epoch
            lane.span.track(x[a:b], None if ep is None else ep[a:b])
        if self._current is not None:
            cur = self._current
            logged = (n for n, p in cur.present.items() if n not in lane.keys and (p is None or p[a:b].any()))
            lane.keys = lane.keys | frozenset(logged)
        rise = float(x[b - 1]) - (float(x[b - 2]) if b - a >= 2 else lane.last_x)
        if rise > 0:
            lane.gap = rise
        lane.last_x = float(x[b - 1])
        ep = None if self._current is None else self._current.epoch
        lane.last_epoch = math.nan if ep is None else float(ep[b - 1])
        lane.last_vals = self._batch_vals(b - 1)
        self._row += b - a
        lane.last_used = self._row
        self._recent = lane

    def _slow(self, rows: Rows, i: int) -> bool:
        batch, x = rows.batch, rows.x
        xi = float(x[i])
        self._row += 1
        if i in batch.starts:
            self._lanes.clear()  # the reader says a new run begins: the ones before are finished
            self._parked.clear()
            lane = self._new_lane()
            self._window.clear()  # a run the reader says is new has no duplicates in the old one
            self._floor = i
        elif math.isnan(xi):
            lane = self._recent or self._new_lane()
            note_unplaced(rows, i, lane)
        else:
            keys = rows.keys(i)
            vals = rows.values(i, keys)
            seen = self._seen_at(rows, i, xi)
            taken = {s.seg for s in seen if s.keys == keys}
            if any(s.keys == keys and same_values(s.values, vals) for s in seen):
                # a copy of a record: dropped, unless it is the first record of a resumed run that
                # logs again what it logged before (its values the same: from the same checkpoint)
                if self._choose(xi, keys, lambda ln: ln.seg in taken, vals, i) is not None or (
                    (lane := self._resumed(i, xi, keys)) is None
                ):
                    self.duplicates += 1
                    return False
            else:
                lane = self._choose(xi, keys, lambda ln: ln.seg in taken, vals, i) or self._resumed(
                    i, xi, keys
                )
            if lane is None:
                had = bool(self._lanes)
                lane = self._new_lane()
                if had:  # (its x went back, below every open run: a new run, said by the Source)
                    self.went_back.add(lane.seg)
            lane.last_vals = vals
            lane.keys = lane.keys | keys
        rows.seg[i] = lane.seg
        if not math.isnan(xi):
            if self.axis == "step" and self.epochs is None:
                lane.span.track(x[i : i + 1], None if batch.epoch is None else batch.epoch[i : i + 1])
            if xi > lane.last_x:
                lane.gap = xi - lane.last_x
            lane.last_x = xi
            lane.last_epoch = math.nan if batch.epoch is None else float(batch.epoch[i])
            lane.first_x = min(lane.first_x, xi)
        lane.last_used = self._row
        self._recent = lane
        return True

    def _choose(
        self,
        xi: float,
        keys: frozenset[str],
        has_same_keys_at_x: Callable[[Lane], bool],
        vals: dict[str, float] | None = None,
        at: int = 0,
    ) -> Lane | None:
        """The open run this x continues (`split_rows.closest_lane`), or a closed one it takes up
        where it stopped (`_taken_up`); runs unused for LANE_TIMEOUT records are closed first. `at`:
        the record's row in the batch being split."""
        self._close_idle()
        lane = closest_lane(self._lanes, xi, has_same_keys_at_x, vals)
        if self._parked:
            return self._taken_up(xi, keys, lane, at) or lane
        return lane

    def _close_idle(self) -> None:
        """Runs unused for LANE_TIMEOUT records are closed (the latest PARKED are kept aside, for
        `_taken_up`)."""
        if any(self._row - ln.last_used >= LANE_TIMEOUT for ln in self._lanes):
            self._parked += [ln for ln in self._lanes if self._row - ln.last_used >= LANE_TIMEOUT]
            self._parked = self._parked[-PARKED:]
            self._lanes = [ln for ln in self._lanes if self._row - ln.last_used < LANE_TIMEOUT]

    def _taken_up(self, xi: float, keys: frozenset[str], lane: Lane | None, at: int) -> Lane | None:
        """A run closed by LANE_TIMEOUT that this record takes up where it stopped: its x one
        step on from the closed run's last x (within TAKE_UP of its last rise), closer than the open
        run it would otherwise continue, with metrics that run logged. Two writers appending to one
        file in turns (each a block of records at a time) are two runs so, where each switch had
        read as a resume from a checkpoint, the other writer's records replaced. A restart goes back
        to its run's first x or below, never one step past a closed run's last: it is never glued
        onto one. None when no closed run qualifies."""
        fits = [
            p
            for p in self._parked
            if p.last_x < xi <= p.last_x + TAKE_UP * p.gap
            and keys <= p.keys
            and (lane is None or p.last_x > lane.last_x)
        ]
        if not fits:
            return None
        back = max(fits, key=lambda p: p.last_x)
        self._parked.remove(back)
        self._lanes.append(back)
        if not self.writers_said:
            self.writers_said = True
            line = self._current.line if self._current is not None else None
            where = int(line[at]) if line is not None and at < len(line) else None
            self.strays.append((where, TWO_WRITERS.format(axis=self.axis, x=f"{back.last_x:g}")))
        return back

    def _resumed(self, i: int, xi: float, keys: frozenset[str]) -> Lane | None:
        """The open run a record going back into it resumes (rule 3 of the module docstring), its
        earlier records from x on forgotten as duplicates; None when no run qualifies."""
        fits = [ln for ln in self._lanes if ln.first_x < xi < ln.last_x and keys <= ln.keys]
        if not fits:
            return None
        lane = max(fits, key=lambda ln: ln.last_used)
        self._resumes[i] = xi
        self._forgot.append((lane.seg, xi, i))
        # the Source cuts the run's points from x on, on this axis; what has no x here stays
        cut = f"{self.axis}:"
        lane.unplaced = {k: v for k, v in lane.unplaced.items() if k.startswith(cut) and v < xi}
        self.resumed += 1
        # what the run logged from x on is replaced: never a duplicate of what comes now
        self._window = deque((s for s in self._window if s.seg != lane.seg or s.x < xi), maxlen=WINDOW)
        return lane

    def _batch_vals(self, i: int) -> dict[str, float] | None:
        b = self._current
        if b is None:
            return None
        return {n: float(v[i]) for n, v in b.values.items() if b.present[n] is None or b.present[n][i]}  # type: ignore[index]

    def _new_lane(self) -> Lane:
        lane = Lane(self._segments, -math.inf, self._row)
        self._segments += 1
        self._lanes.append(lane)
        return lane

    def _seen_at(self, rows: Rows, i: int, xi: float) -> list[Seen]:
        """The kept records among the last WINDOW that have this x."""
        lo = max(self._floor, i - WINDOW)
        out = []
        for j in np.flatnonzero((rows.x[lo:i] == xi) & rows.keep[lo:i]) + lo:
            if self._forgotten(int(j), int(rows.seg[j]), xi):
                continue
            keys = rows.keys(int(j))
            out.append(Seen(xi, keys, rows.values(int(j), keys), int(rows.seg[j])))
        older = WINDOW - (i - max(0, i - WINDOW))
        if older > 0 and self._floor == 0:
            out += [s for s in list(self._window)[-older:] if s.x == xi]
        return out

    def _forgotten(self, j: int, seg: int, x: float) -> bool:
        """Whether row j of this batch was replaced by a resume of its run after it."""
        return any(seg == rs and x >= rx and j < ri for rs, rx, ri in self._forgot)


__all__ = ["LANE_TIMEOUT", "PARKED", "TWO_WRITERS", "WINDOW", "Placer"]
