"""A TensorBoard step that counts epochs: the file has only a step, but a hand-written loop's
`writer.add_scalar(tag, value, epoch)` puts each epoch's training and validation values at one
step, 0, 1, 2, ...; the same run's JSONL or printed copy says "epoch". Its x is the epoch then, so
the run reads in the same unit in every format.

The rule (README "Step or epoch"): the step counts epochs while
- every tag is logged exactly once at every step (the tags of the first step; the step being
  written may be incomplete),
- the step goes up by exactly 1 from one step to the next (or back, to a step already logged: a
  resume), and
- an evaluation is among the tags (a validation or test loss or accuracy: one evaluation per
  step; training values alone at 0, 1, 2, ... are as likely per-batch as per-epoch).
An `epoch` scalar logged beside the others (Lightning's TensorBoardLogger writes one with every
log call, at the global step) says each step's epoch: from the first step on, every record gets the
epoch logged at its step (none logged there: no epoch, and the run is shown by step), and the
`epoch` tag itself is the x, not a metric, as in Lightning's CSV copy. The records of the step
being written are held while no `epoch` record of their step has come (it may come after them).

Once a record breaks it (a gap in the steps, a tag logged twice at a step or missing from one, a
per-step tag), the records from it on carry no epoch, and the run is shown by step: a step is
never called an epoch when the file does not show it is one. The records given an epoch before
keep it (the step is still theirs). Keras' callback layout (an epoch axis of its own) and a file
with two step counters (readers/tb_counters.py) are left as they are.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.batch import Batch
from lossacc_tui.readers.strays import concat
from lossacc_tui.roles import classify


class StepEpochs:
    """Applied to each Batch a TensorBoard reader builds (rows in file order, x = `step`), after
    `StepCounters`: gives the rows an epoch equal to their step while the rule above holds. The
    records of the first step are held back until the next step begins (or `flush`, at the end of
    the file): only then is it known whether the rule holds, or whether an `epoch` record comes among
    them, so a file read as it grows gets the same x as read whole."""

    def __init__(self) -> None:
        self.broken = False
        self._tags: frozenset[str] | None = None  # the tags of the first step (None: not complete yet)
        self._cur = math.nan  # the step being written
        self._seen: set[str] = set()  # the tags logged at it so far
        self._held: Batch | None = None  # the first step's records, until it is complete
        self._tag: str | None = None  # the `epoch` tag when one is logged (its values are the epochs)
        self._last_mark = (math.nan, math.nan)  # (step, epoch) of the latest `epoch` record read

    def apply(self, batch: Batch) -> Batch | None:
        """The batch with its epochs (None: every row held back)."""
        start = 0  # (the held rows were looked at already: from the first new one on)
        if self._held is not None:
            start = self._held.n if self._tag is None else 0
            batch, self._held = concat(self._held, batch), None
        if self.broken or not batch.n:
            return batch
        if batch.epoch is not None or batch.step is None:  # an epoch of its own (two counters, Keras)
            self.broken = True
            return batch
        if self._tag is not None:
            return self._tagged(batch, final=False)
        names = list(batch.values)
        masks = [batch.mask(k) for k in names]
        step = batch.step
        upto = batch.n
        for r in range(start, batch.n):
            tags = {names[j] for j, m in enumerate(masks) if m[r]}
            if self._tag is None and self._tags is None and float(step[r]) != self._cur:
                self._tag = next((k for k in self._seen if _epoch_tag(k)), None)
                if self._tag is not None:  # an `epoch` scalar beside: its values are the epochs
                    return self._tagged(batch, final=False)
            if not self._fits(float(step[r]), tags):
                self.broken = True
                upto = r if self._tags is not None else 0  # (the first step failed: none is an epoch)
                break
        if self._tags is None and not self.broken:  # the first step is not complete: hold it
            self._held = batch
            return None
        return _with_epochs(batch, upto)

    def flush(self) -> Batch | None:
        """At the end of the file: the held first step, given its epoch when an evaluation is
        among its tags (a run of one evaluation)."""
        held, self._held = self._held, None
        if held is None:
            return None
        if self._tag is None and self._tags is None:
            self._tag = next((k for k in self._seen if _epoch_tag(k)), None)
        if self._tag is not None:
            return self._tagged(held, final=True)
        if not any(_evaluation(k) for k in self._seen):
            self.broken = True
            return held
        return _with_epochs(held, held.n)

    def _tagged(self, batch: Batch, final: bool) -> Batch | None:
        """Epoch-tag mode: each row gets the value the `epoch` tag logged at its step (NaN: none);
        the `epoch` tag's own rows go. The rows of the last step are held (unless `final`) only
        while no `epoch` record of that step has come (it may be in the next chunk); the latest
        step's epoch is remembered for its records in later chunks."""
        assert batch.step is not None and self._tag is not None
        tag = self._tag
        at = batch.mask(tag) if tag in batch.values else np.zeros(batch.n, dtype=bool)
        marked = batch.step[at]
        values = batch.values[tag][at] if at.any() else np.empty(0)
        if math.isfinite(self._last_mark[0]):  # (the latest step's epoch, from an earlier chunk)
            marked, values = np.r_[self._last_mark[0], marked], np.r_[self._last_mark[1], values]
        if not final and float(batch.step[-1]) not in set(marked.tolist()):
            last = np.flatnonzero(batch.step != batch.step[-1])
            cut = int(last[-1]) + 1 if len(last) else 0
            if cut < batch.n:
                self._held = batch.take(np.arange(cut, batch.n))
            if not cut:
                return None
            batch = batch.take(np.arange(cut))
        step = batch.step
        assert step is not None
        epoch = np.full(batch.n, np.nan)
        if len(marked):  # (each row: the `epoch` value logged at its step, the last one there)
            self._last_mark = (float(marked[-1]), float(values[-1]))
            order = np.argsort(marked, kind="stable")
            marked, values = marked[order], values[order]
            last = np.r_[marked[1:] != marked[:-1], True]  # (the last record of each step)
            marked, values = marked[last], values[last]
            k = np.minimum(np.searchsorted(marked, step), len(marked) - 1)
            epoch = np.where(marked[k] == step, values[k], np.nan)
        keep = np.zeros(batch.n, dtype=bool)
        for name in batch.values:
            if name != tag:
                keep |= batch.mask(name)
        rows = np.flatnonzero(keep)
        return Batch(
            n=len(rows),
            values={k: v[rows] for k, v in batch.values.items() if k != tag},
            present={k: None if p is None else p[rows] for k, p in batch.present.items() if k != tag},
            step=step[rows],
            epoch=epoch[rows],
            time=None if batch.time is None else batch.time[rows],
            line=None if batch.line is None else batch.line[rows],
        )

    def _fits(self, s: float, tags: set[str]) -> bool:
        """Whether a record of `tags` at step `s` keeps the rule (and note it)."""
        if not (math.isfinite(s) and s == int(s) and s >= 0) or not tags:
            return False
        if math.isnan(self._cur):
            self._cur, self._seen = s, set(tags)
            return True
        if s == self._cur:
            if self._seen & tags or (self._tags is not None and not tags <= self._tags):
                return False
            self._seen |= tags
            return True
        if s != self._cur + 1 and not s < self._cur:  # a gap in the steps
            return False
        if self._tags is None:  # the first step is complete: its tags are the run's
            if not any(_evaluation(k) for k in self._seen):
                return False
            self._tags = frozenset(self._seen)
        elif self._seen != self._tags:
            return False
        if not tags <= self._tags:
            return False
        self._cur, self._seen = s, set(tags)
        return True


def _with_epochs(batch: Batch, upto: int) -> Batch:
    """`batch` with epoch = step on its rows before `upto` (NaN from it on: no epoch)."""
    assert batch.step is not None
    epoch = np.full(batch.n, np.nan)
    epoch[:upto] = batch.step[:upto]
    return Batch(
        n=batch.n,
        values=batch.values,
        present=batch.present,
        step=batch.step,
        epoch=epoch,
        time=batch.time,
        line=batch.line,
        starts=batch.starts,
    )


def _epoch_tag(name: str) -> bool:
    """Whether a tag is an `epoch` scalar (Lightning's, also under a folder prefix)."""
    return name.rsplit("/", 1)[-1].lower() == "epoch"


def _evaluation(name: str) -> bool:
    """Whether a tag names a validation or test loss or accuracy (`Loss/val`, `val/acc`)."""
    c = classify(name)
    return c is not None and c[0] in ("val", "test") and c[1] in ("loss", "acc")


__all__ = ["StepEpochs"]
