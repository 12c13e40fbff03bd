"""The runs of one file whose records may come from several writers (DDP ranks, data-loader workers):
one Splitter (readers/split.py) per writer, run indices handed out across them."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.split import Splitter

#: Column names that say which process wrote a record (DDP ranks, data-loader workers).
WRITER_COLUMNS = frozenset(
    {"rank", "global_rank", "local_rank", "process_rank", "process_index", "worker", "worker_id"}
)


class FileSplitter:
    """The runs of one file. When its records carry a writer column (`rank`, `worker`, ... see
    `WRITER_COLUMNS`), each writer's records go through a Splitter of their own, so writers sharing
    a file never share a run; the column itself is not a metric. Otherwise one Splitter does it all.
    `split` returns (run index in the file, sub-batch) pairs, like `Splitter.split`."""

    def __init__(self) -> None:
        self._plain = Splitter()
        self._writers: dict[float, Splitter] = {}
        self._runs: dict[tuple[float, int], int] = {}
        self._used = 0  # run indices handed out so far

    def take_strays(self) -> list[tuple[int | None, str]]:
        """(line, problem) of the stray records found since the last call (readers/strays.py)."""
        out: list[tuple[int | None, str]] = []
        for sp in (self._plain, *self._writers.values()):
            out += sp.strays
            sp.strays.clear()
        return out

    @property
    def went_back(self) -> set[int]:
        """Run indices in the file begun because a record went back below every open run of its
        writer (`Splitter.went_back`): a restart, said in a problem by the Source."""
        out = set(self._plain.went_back)
        for (w, seg), idx in self._runs.items():
            if seg in self._writers[w].went_back:
                out.add(idx)
        return out

    def flush(self) -> list[tuple[int, Batch]]:
        """The end of the file for now: what a Splitter held back (`Splitter.flush`)."""
        out = self._plain.flush()
        self._used = max([self._used, *(seg + 1 for seg, _ in out)])
        for w, sp in self._writers.items():
            out += [(self._index(w, seg), sub) for seg, sub in sp.flush()]
        return out

    @property
    def holding(self) -> bool:
        """Whether a Splitter holds back a record going back into a run (readers/strays.py)."""
        return any(sp.holding for sp in (self._plain, *self._writers.values()))

    @property
    def misread(self) -> bool:
        """Whether what a `settle` placed reads otherwise now: the file must be read again."""
        return any(sp.misread for sp in (self._plain, *self._writers.values()))

    def settle(self) -> list[tuple[int, Batch]]:
        """A follower's writer paused: what a Splitter held back is placed as the end of the file
        places it, provisionally (`Splitter.settle`)."""
        out = self._plain.settle()
        self._used = max([self._used, *(seg + 1 for seg, _ in out)])
        for w, sp in self._writers.items():
            out += [(self._index(w, seg), sub) for seg, sub in sp.settle()]
        return out

    def _index(self, w: float, seg: int) -> int:
        idx = self._runs.get((w, seg))
        if idx is None:
            idx = self._runs[(w, seg)] = self._used
            self._used += 1
        return idx

    def split(self, batch: Batch) -> list[tuple[int, Batch]]:
        key = next((n for n in batch.values if n.lower() in WRITER_COLUMNS), None)
        if key is None and not self._writers:
            out = self._plain.split(batch)
            self._used = max([self._used, *(seg + 1 for seg, _ in out)])
            return out
        who = np.full(batch.n, np.nan)
        if key is not None:
            p = batch.present[key]
            who = np.where(np.ones(batch.n, dtype=bool) if p is None else p, batch.values[key], np.nan)
            batch = _without(batch, key)
        out: list[tuple[int, Batch]] = []
        order = list(dict.fromkeys(-1.0 if math.isnan(w) else float(w) for w in who))
        starts = set(batch.starts)
        for w in order:
            rows = np.flatnonzero(np.isnan(who) if w == -1.0 else who == w)
            part = batch.take(rows)
            part.starts = tuple(i for i, r in enumerate(rows) if int(r) in starts)
            sp = self._writers.setdefault(w, Splitter())
            out += [(self._index(w, seg), sub) for seg, sub in sp.split(part)]
        return out


def _without(batch: Batch, name: str) -> Batch:
    values = {k: v for k, v in batch.values.items() if k != name}
    present = {k: p for k, p in batch.present.items() if k != name}
    return Batch(batch.n, values, present, batch.step, batch.epoch, batch.time, batch.line, batch.starts)


__all__ = ["WRITER_COLUMNS", "FileSplitter"]
