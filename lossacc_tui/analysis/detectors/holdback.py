"""Chunks a kind keeps back unjudged while nothing can open in them (`Detector.holds`).

A small run's analysis is mostly fixed cost: each kind's rules run on every chunk, a few evaluations
long, and most kinds cannot open on most chunks. A kind whose necessary condition for opening fails
at every point of a chunk (read from the chunk's features alone, while none of its alerts is open)
keeps the chunk back and judges it with the next one that can open, or once `HOLD_MAX` points are
kept: its rules continue from the state they carried, as if the log had been read in larger pieces
(a kind's results do not depend on where chunks start: `tests/test_analysis_incremental.py`), and
what they would have said on the chunk alone is that nothing opens and, with no alert open, nothing
closes. A finished ten-epoch run's chunk is then never judged by the kinds that cannot open on it.
"""

from __future__ import annotations

from lossacc_tui.analysis.features import concat_all
from lossacc_tui.analysis.passmemo import once_in_pass
from lossacc_tui.analysis.track import Feats

#: most points a kind keeps back: a finished run of up to this many evaluations read at once is
#: never judged by a kind that cannot open on it, and a live log's quiet stretch is judged in pieces
#: of at most this many points (the features of 1,024 points are about 200 KB; judging them at once
#: costs a few milliseconds, in the update whose chunk can open)
HOLD_MAX = 1024
#: most chunks a kind keeps back (a live log's updates bring a point or a few each: their features'
#: small arrays cost some kilobytes a chunk, so a kind judges them every 16 updates at the latest)
HOLD_CHUNKS = 16


class Holdback:
    """The chunks one detector kept back, oldest first: its main stream's features and the paired
    stream's (or None), and how many points they hold."""

    __slots__ = ("mains", "n", "others")

    def __init__(self) -> None:
        self.mains: list[Feats] = []
        self.others: list[Feats | None] = []
        self.n = 0

    def room(self, m: int) -> bool:
        """Whether a chunk of m more points may be kept back."""
        return self.n + m <= HOLD_MAX and len(self.mains) < HOLD_CHUNKS

    def keep(self, main: Feats, other: Feats | None) -> None:
        self.mains.append(main)
        self.others.append(other)
        self.n += len(main.idx)

    def release(self, main: Feats, other: Feats | None) -> tuple[Feats, Feats | None]:
        """The chunks kept back followed by this one (`main`, `other`), as one chunk; none kept after."""
        if not self.mains:
            return main, other
        mains, others = [*self.mains, main], [*self.others, other]
        self.mains, self.others, self.n = [], [], 0
        if other is None or any(o is None for o in others):
            return joined(mains), None
        return joined(mains), joined(others)  # type: ignore[arg-type]


def joined(recs: list[Feats]) -> Feats:
    """`concat_all(recs)`, once a pass for the same chunks (`passmemo.once_in_pass`): the kinds that
    kept the same chunks back release them in the same update. (The chunks are kept with the answer,
    so no id in the key is reused while it lives.)"""
    if len(recs) == 1:
        return recs[0]
    key = ("holdback", *(id(r) for r in recs))
    return once_in_pass(key, lambda: (concat_all(recs), recs))[0]
