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


class Placer:
    """The open runs (`Lane`s) and the recent records of one file, and the rules that place a
    record among them. `Splitter` (readers/split.py) drives it batch by batch."""

    def __init__(self) -> None:
        self.axis: str | None = None  # 'step' | 'epoch' | 'ordinal', fixed by the first batch
        self.duplicates = 0
        self._segments = 0
        self._lanes: list[Lane] = []
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
            self._choose(float(x[a]), frozenset(), lambda _lane: False, self._batch_vals(a))
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
                if self._choose(xi, keys, lambda ln: ln.seg in taken, vals) is not None or (
                    (lane := self._resumed(i, xi, keys)) is None
                ):
                    self.duplicates += 1
                    return False
            else:
                lane = self._choose(xi, keys, lambda ln: ln.seg in taken, vals) or self._resumed(i, xi, keys)
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
    ) -> Lane | None:
        """The open run this x continues (`split_rows.closest_lane`); runs unused for
        LANE_TIMEOUT records are closed first."""
        self._lanes = [ln for ln in self._lanes if self._row - ln.last_used < LANE_TIMEOUT]
        return closest_lane(self._lanes, xi, has_same_keys_at_x, vals)

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


__all__ = ["LANE_TIMEOUT", "WINDOW", "Placer"]
