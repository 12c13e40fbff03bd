"""One file can hold several runs. The Splitter finds them and drops duplicate records.

Each record is placed, in order, by its x (the step when the source has one, else the epoch):
1. A record equal to one of the last `WINDOW` records (same x, same metrics, same values) is a
   duplicate and is dropped (Lightning writes its LearningRateMonitor rows twice).
2. Otherwise it continues the open run whose last x is the closest below it (or equal to it, when
   that run has no record with the same metrics at that x: sparse rows, as Lightning writes them);
   ties (writers sharing a file, each at the same x) go to the run whose last values are closest
   to the record's, else to the run used most recently.
3. When no run can take it (its x went back) and it goes back INTO an open run, past that run's
   first x, with metrics that run has logged, the run was resumed from a checkpoint (Keras'
   `CSVLogger(append=True)`, a SummaryWriter reopened): the record continues that run, and the
   sub-batch it begins carries `resume = (axis, x)`: the run's points from that x on are replaced
   by the resumed ones (the Source cuts them and says so in a problem; TensorBoard purges them
   alike on a restart). Unless the next record with an x carries on above the run's last x: then
   it was a stray record, kept out, said in a problem (`strays`; readers/strays.py). Going back to
   the run's first x or below it (a restart from scratch, or a second process writing the same
   steps) begins a new run: `file#2`, ... A record the reader marks as a start (a new table header
   of other columns, a new `model.fit`) always begins a new run, and closes the runs before it.
4. A step that goes back while the epoch goes on to a new value counts within each epoch: from
   then on x is the fractional epoch (readers/epoch_steps.py; the run's first part on it carries
   `reaxis`). With no step at all, records repeating at one epoch what a record there logged are
   per-batch records or writers; that epoch's records tell (readers/epoch_count.py).
5. A record with no x on the split axis (an evaluation with an epoch, no step) goes to the most
   recent run, unless its epoch goes back there: a stray, as in rule 3 (readers/strays.py).
Files with no step or epoch at all are numbered row by row (readers/split_ordinal.py).
A run that has received nothing for `LANE_TIMEOUT` records is closed, so a later restart is never
glued onto it. Records whose x is above every x before are placed in one vectorized step.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.epoch_count import EpochCount, PerBatchWatch
from lossacc_tui.readers.epoch_steps import EpochAxis
from lossacc_tui.readers.split_ordinal import Ordinal
from lossacc_tui.readers.split_place import LANE_TIMEOUT, WINDOW, Placer
from lossacc_tui.readers.split_rows import (
    Rows,
    Seen,
    axis_of,
    cut_batch,
    plain_ties,
)
from lossacc_tui.readers.strays import concat, unplaced, verdict

#: Place "plain ties" (below) in the vectorized step; tests turn it off to compare with the row path.
TIES_FAST = True


class Splitter(Placer):
    def __init__(self) -> None:
        super().__init__()
        self._max_x = -math.inf
        self._ordinal = Ordinal()  # a file with no step or epoch at all
        self._reaxis: tuple[float, float] = (0.0, 1.0)  # (lo, steps per epoch) at that moment
        self._switched = -1  # the run whose step went back at a new epoch
        self._held: Batch | None = None  # a record going back into a run, and what follows it
        self.strays: list[tuple[int | None, str]] = []  # (line, problem) of stray records (caller takes)
        #: set once an epoch-only file shows per-batch records (readers/epoch_count.py)
        self.counted: EpochCount | None = None
        self._per_batch = PerBatchWatch()

    @property
    def restarts(self) -> int:
        return max(0, (self._ordinal.segments if self.axis == "ordinal" else self._segments) - 1)

    def flush(self) -> list[tuple[int, Batch]]:
        """The end of the file for now: a record held back (readers/strays.py) with nothing after it
        is a resume; `split`'s pairs for what was held."""
        if self._held is None:
            return []
        return self.split(Batch(0, {}, {}), final=True)

    def split(self, batch: Batch, final: bool = False) -> list[tuple[int, Batch]]:
        """(run index, sub-batch) pairs in order; duplicates removed. A record that goes back into
        a run is held back until the next record shows whether it is a stray (readers/strays.py);
        `final`: nothing comes after this batch."""
        if self._held is not None:
            batch = concat(self._held, batch) if batch.n else self._held
            self._held = None
        if batch.n == 0:
            return []
        if self.axis is None:
            self.axis = axis_of(batch)
        if self.axis == "ordinal":
            return self._ordinal.split(batch)
        given = batch
        converted: EpochAxis | EpochCount | None = self.epochs or self.counted
        if converted is not None:
            batch, x = converted.convert(batch)
        else:
            raw = batch.step if self.axis == "step" else batch.epoch
            x = np.full(batch.n, np.nan) if raw is None else raw
        out, end, why = self._split(batch, x, final)
        if converted is not None:
            converted.commit(end)
        if why is None:
            return out
        rest = given.take(np.arange(end, given.n))
        rest.starts = tuple(s - end for s in given.starts if s >= end)
        if why == "hold":
            self._held = rest
            return out
        if why == "batches":  # per-batch records with no step: x is now the fractional epoch
            return out + self.split(rest, final)
        # a run's step went back at a new epoch: from here on its x is the fractional epoch, and
        # what it holds so far moves there too (`Batch.reaxis`, on its first part after this)
        more = self.split(rest, final)
        for seg, sub in more:
            if seg == self._switched:
                sub.reaxis = self._reaxis
                break
        return out + more

    def _split(
        self, batch: Batch, x: np.ndarray, final: bool
    ) -> tuple[list[tuple[int, Batch]], int, str | None]:
        """`split` of one batch on x, up to a row where a run's step goes back at a new epoch
        ("epochs"), a record that shows per-batch records with no step ("batches") or a record
        that nothing after it in the batch decides ("hold"): (the parts before that row, its
        index, why; None: the whole batch was split)."""
        self._current = batch
        valid = ~np.isnan(x)
        prev_max = np.maximum.accumulate(np.concatenate(([self._max_x], np.where(valid, x, -np.inf))))
        slow = ~valid | (x <= prev_max[:-1])
        if batch.starts:
            slow[list(batch.starts)] = True
        if TIES_FAST and slow.any():
            slow &= ~plain_ties(batch, x, slow)
        rows = Rows(
            batch, list(batch.values), x, np.zeros(batch.n, dtype=np.int64), np.ones(batch.n, dtype=bool)
        )
        seg, keep = rows.seg, rows.keep
        start = 0
        self._floor = 0  # rows before it (in this batch) are not compared for duplicates
        self._resumes = {}
        self._forgot = []
        end, why = batch.n, None
        for i in np.flatnonzero(slow):
            self._fast(x, seg, start, int(i))
            said = self._per_batch_at(rows, int(i), float(prev_max[i]), final)
            if said is not None:
                end, why = int(i), said
                break
            if self._per_epoch_at(batch, x, int(i)):
                end, why = int(i), "epochs"
                break
            said = self._stray(rows, int(i), final)
            if said == "hold":
                end, why = int(i), "hold"
                break
            if said == "stray":
                keep[i] = False
                self._row += 1
            else:
                keep[i] = self._slow(rows, int(i))
            start = int(i) + 1
        else:
            self._fast(x, seg, start, batch.n)
        self._max_x = max(self._max_x, float(prev_max[end]))
        if self.axis == "epoch" and self.counted is None and not self._per_batch.writers:
            self._per_batch.count_top(rows, end, self._max_x)
        for j in range(max(self._floor, end - WINDOW), end):  # (none before a reader's new run)
            if keep[j] and not self._forgotten(j, int(seg[j]), float(x[j])):
                keys = rows.keys(j)
                self._window.append(Seen(float(x[j]), keys, rows.values(j, keys), int(seg[j])))
        if end < batch.n:
            if why == "epochs":
                self._to_epochs()
            batch = batch.take(np.arange(end))
            seg, keep = seg[:end], keep[:end]
        out = cut_batch(batch, seg, keep, self._resumes) if end and keep.any() else []
        for _, sub in out:
            if sub.resume is not None:
                sub.resume = (self.axis, sub.resume[1])
        self._current = None  # (a backlog's one table, its line numbers and masks: not kept past it)
        return out, end, why

    def _stray(self, rows: Rows, i: int, final: bool) -> str | None:
        """Whether row i, which would resume a run (rule 3), is a stray record ("stray": its
        problem recorded), cannot be told yet ("hold": no record with an x after it in this batch,
        more to come), or neither (None: placed as before). A row with no x on the split axis: the
        same for its other x (an evaluation's epoch going back). readers/strays.py."""
        xi = float(rows.x[i])
        if i in rows.batch.starts:
            return None
        if math.isnan(xi):
            said = unplaced(rows, i, self._recent, final, self.axis or "x")
        else:
            keys = rows.keys(i)
            seen = self._seen_at(rows, i, xi)
            taken = {s.seg for s in seen if s.keys == keys}
            if self._choose(xi, keys, lambda ln: ln.seg in taken, rows.values(i, keys), i) is not None:
                return None
            fits = [ln for ln in self._lanes if ln.first_x < xi < ln.last_x and keys <= ln.keys]
            if not fits:
                return None
            lane = max(fits, key=lambda ln: ln.last_used)
            said = verdict(rows.batch, rows.x, i, (lane.last_x, lane.last_epoch), final, self.axis or "x")
        if isinstance(said, tuple):
            self.strays.append(said)
            return "stray"
        return said

    def _per_batch_at(self, rows: Rows, i: int, top: float, final: bool) -> str | None:
        """Whether row i, in a file split on the epoch, shows per-batch records with no step
        ("batches": x is the fractional epoch from row i on) or cannot tell yet ("hold").
        readers/epoch_count.py."""
        if self.axis != "epoch" or self.counted is not None:
            return None
        said = self._per_batch.at(rows, i, top, self._floor, final)
        if isinstance(said, EpochCount):
            self.counted = said
            if self._per_batch.note:
                self.strays.append((None, self._per_batch.note))
            return "batches"
        return said

    def _per_epoch_at(self, batch: Batch, x: np.ndarray, i: int) -> bool:
        """Whether row i (its x not above every x before) is the first record of a new epoch of
        a run whose step counts within each epoch (readers/epoch_steps.py); if so, that run is
        the most recent one after this call."""
        if self.axis != "step" or self.epochs is not None or batch.epoch is None or i in batch.starts:
            return False
        xi, ei = float(x[i]), float(batch.epoch[i])
        if math.isnan(xi) or math.isnan(ei):
            return False
        self._close_idle()
        fits = [ln for ln in self._lanes if ln.span.restarts_at(xi, ei)]
        if not fits:
            return False
        self._recent = max(fits, key=lambda ln: ln.last_used)
        return True

    def _to_epochs(self) -> None:
        """The most recent run's step restarts each epoch: from now on every x is the fractional
        epoch. That run's last and first x move there; the other runs are closed (their x were
        steps), and the duplicate window starts over."""
        lane = self._recent
        assert lane is not None
        sp = lane.span
        self.epochs = EpochAxis(sp)
        self._reaxis = (self.epochs.lo, self.epochs.per_epoch)
        self._switched = lane.seg
        lane.last_x = sp.epoch + (sp.last_step - self.epochs.lo) / self.epochs.per_epoch
        lane.first_x = sp.epoch
        self._lanes, self._parked = [lane], []
        self._window.clear()
        self._max_x = lane.last_x
        self.axis = "epoch"


__all__ = ["LANE_TIMEOUT", "TIES_FAST", "WINDOW", "Splitter"]
