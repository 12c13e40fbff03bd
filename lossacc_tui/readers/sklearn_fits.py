"""Where scikit-learn's printed epoch count puts a record, shared by its SGD and MLP consoles.

sklearn counts the epochs of each `fit` from 1 (`-- Epoch 3`, `Iteration 3, loss = ...`), and
`partial_fit` prints epoch 1 at every call. So:

- a count going on (2 after 1, 3 after 2) is one fit: x = the printed epoch;
- epoch 1 after a longer count is another fit (a refit with `warm_start=False`, a second model, the
  next class's one-vs-rest model): a run of its own, said once;
- epoch 1 after a one-epoch block is the next `partial_fit` call, read at x = the calls counted so
  far, said once; unless the record after it prints epoch 2: then it was the first epoch of a `fit`
  that followed the calls (a model trained by `partial_fit`, then another by `fit`), a run of its
  own. Such a record waits for the next one (or the end of the file), so a followed log shows the
  last call one record late. The console does not say where one model's calls end and the next
  model's begin: calls in a row are one count, and the message says so.
"""

from __future__ import annotations

from lossacc_tui.model import BatchBuilder
from lossacc_tui.readers.base import Reader


def calls_note(label: str, aside: str = "") -> str:
    """The note said once when a file is read as partial_fit calls (`label`: what sklearn prints
    at each call, "`-- Epoch 1`"; `aside`: what else the format's reading may be, in brackets)."""
    return (
        f"{label} again after a one-epoch block: read as partial_fit calls, one epoch each{aside}; the "
        "output does not say where one model's calls end, so a second model's calls would continue this count"
    )


class FitCount:
    """The x and the run of each record a sklearn console prints (see the module's docstring).
    `restart`: the note said once when a new fit begins a run of its own; `label`, `aside`: what a
    call prints and what else the calls may be (for `calls_note`)."""

    def __init__(self, reader: Reader, label: str, restart: str, aside: str = "") -> None:
        self._reader = reader
        self._label = label
        self._aside = aside
        self._restart = restart
        self._last: int | None = None  # the epoch the last record printed
        self._calls = 0  # partial_fit calls counted in the current block of one-epoch fits
        self._held: tuple[dict[str, float], int] | None = None  # an epoch 1 the next record decides
        self._told_calls = False
        self._told_restart = False
        #: added to every x (-1 where the user's own prints beside them count epochs from 0)
        self.shift = 0.0

    def add(self, out: BatchBuilder, epoch: int, values: dict[str, float], line: int) -> None:
        """One record printed at sklearn's `epoch` (from 1), read at `line`: into `out`, with a
        record held before it when this one decides it."""
        held, self._held = self._held, None
        if held is not None:
            if epoch == 2:  # the held epoch 1 began a fit whose count goes on here
                self._new_fit(out, *held)
                self._calls = 0
            else:
                self._call(out, *held)
        last, self._last = self._last, epoch
        if epoch != 1:
            self._calls = 0
            self._give(out, values, float(epoch), line, False)
        elif last is None:
            self._calls = 1
            self._give(out, values, 1.0, line, False)
        elif last == 1 and self._calls:
            self._held = (values, line)  # the next call, or a fit's first epoch: the next record tells
        else:
            self._new_fit(out, values, line)
            self._calls = 1

    def flush(self, out: BatchBuilder) -> None:
        """The end of the input (or a record of another kind coming): a held epoch 1 is a call."""
        if self._held is not None:
            held, self._held = self._held, None
            self._call(out, *held)

    def interrupted(self, out: BatchBuilder) -> None:
        """Records of another count went in (a multi-class model's calls, readers/sklearn_ovr.py):
        a held epoch 1 is a call, and the next epoch 1 begins a run of its own."""
        self.flush(out)
        self._last, self._calls = 0, 0

    def _call(self, out: BatchBuilder, values: dict[str, float], line: int) -> None:
        self._calls += 1
        if not self._told_calls:
            self._told_calls = True
            self._reader.problem(line, calls_note(self._label, self._aside))
        self._give(out, values, float(self._calls), line, False)

    def _new_fit(self, out: BatchBuilder, values: dict[str, float], line: int) -> None:
        if not self._told_restart:
            self._told_restart = True
            self._reader.problem(line, self._restart)
        self._give(out, values, 1.0, line, True)

    def _give(self, out: BatchBuilder, values: dict[str, float], x: float, line: int, new_run: bool) -> None:
        if values:
            out.add(values, epoch=x + self.shift, line=line, new_run=new_run)


__all__ = ["FitCount", "calls_note"]
