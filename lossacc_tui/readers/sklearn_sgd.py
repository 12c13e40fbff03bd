"""scikit-learn's SGD console: `SGDClassifier`, `SGDRegressor`, `Perceptron`,
`PassiveAggressiveClassifier` and `SGDOneClassSVM` with `verbose=1` (tester 27 T5):

    -- Epoch 1
    Norm: 138.42, NNZs: 30, Bias: 17.761599, T: 569, Avg. loss: 3.413181, Objective: 4.166461
    Total training time: 0.00 seconds.
    ...
    Convergence after 23 epochs took 0.01 seconds

One record per epoch (one pass over the training data): `loss` is sklearn's `Avg. loss`, the mean
of the model's loss (hinge, log_loss, squared error, ... as it was configured: the output does not
say which) over the epoch's samples; `objective` (sklearn >= 1.8) adds the penalty; `norm` is the
weights' L2 norm. With `early_stopping=True` each line ends in `Validation score`: the model's
`score` on the held-out validation fraction, accuracy for a classifier (R^2 for a regressor, which
the output does not tell apart). Without it the output holds no accuracy: a loss alone, which the
view's run list says ("no accuracy") and a problem line says once, naming `early_stopping=True`.
Source: sklearn/linear_model/_sgd_fast.pyx.

Epochs count from 1 in each `fit`; a multi-class model fits one binary model per class
(one-vs-rest), each printing its epochs from 1: each count from 1 is a run of its own (`file#2`,
...), said once. A multi-class model's `partial_fit` calls, and anything it prints with `n_jobs` > 1,
are read by readers/sklearn_ovr.py (one record per call: the classes' mean and each class's loss).
`partial_fit` prints `-- Epoch 1` at every call: blocks of one epoch in a row are
read as calls, one epoch each (said once), and a `fit` after them (its epoch 2 after an epoch 1) a
run of its own (readers/sklearn_fits.py). Other lines that print a loss or an accuracy (a loop's
own prints) are said, once per set of names (`printed.Unread`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register
from lossacc_tui.readers.sklearn_fits import FitCount
from lossacc_tui.readers.sklearn_ovr import CUT, DONE, USING, Block, OneVsRest

_EPOCH = re.compile(r"^-- Epoch (\d{1,9})\s*$")
_STATS = re.compile(r"^Norm: [^,]+, NNZs: \d+, Bias: [^,]+, T: \d+, Avg\. loss: ")
_T = re.compile(r", T: (\d+),")
_DONE = re.compile(r"^(?:Total training time: |Convergence after \d+ epochs took )")
#: sklearn's field -> the series it is read as (the other fields, NNZs, Bias, T, are not read)
FIELDS = {
    "Avg. loss": "loss",
    "Validation score": "validation score",
    "Objective": "objective",
    "Norm": "norm",
}
RESTART = (
    "epochs count from 1 again: another fit, or the next class's binary model (sklearn fits one per "
    "class, one-vs-rest, in class order): each count is a run of its own"
)
NO_ACCURACY = (
    "scikit-learn's SGD output prints a training loss per epoch and no accuracy: no alert that weighs "
    "a loss against an accuracy can open (fit with early_stopping=True to print a validation score)"
)


@register
class SklearnSgdReader(Reader):
    format_id: ClassVar[str] = "sklearn-sgd"
    role_hints: ClassVar[dict[str, str]] = {"loss": "train_loss", "validation score": "val_acc"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = [ln.strip() for ln in head.splitlines()[:200]]
        epochs = sum(bool(_EPOCH.match(ln)) for ln in lines)
        stats = sum(bool(_STATS.match(ln)) for ln in lines)
        return Level.CERTAIN.score if stats >= 1 and epochs >= 1 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._epoch: int | None = None  # the last `-- Epoch N`
        # the x and the run of each record (readers/sklearn_fits.py)
        self._fits = FitCount(self, "`-- Epoch 1`", RESTART)
        self._scored = False  # a Validation score seen
        self._records = 0
        self._unread = Unread()
        self._ovr = OneVsRest()  # a multi-class model's blocks (readers/sklearn_ovr.py)
        self._given: str | None = None  # what gave the last record: "count", "call" or "fit"

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            text = clean_text(raw).strip()
            line = first_line + k
            if m := _EPOCH.match(text):
                self._epoch = int(m[1])
            elif _STATS.match(text):
                self._record(out, text, line)
            elif m := USING.match(text):
                self._release(out)
                self._ovr.workers = int(m[1])
            elif m := DONE.match(text):
                self._done(out, int(m[2]) if m[1] == m[2] else 0)
            elif not _DONE.match(text):
                if text and self._ovr.workers == 1:
                    self._release(out)  # (a call's classes print nothing between their blocks)
                self._unread.see(self, text, line)
        return self.built(out)

    def _record(self, out: BatchBuilder, text: str, line: int) -> None:
        """One epoch's line: its fields, at the epoch the `-- Epoch N` before it gave."""
        epoch, self._epoch = self._epoch, None
        if epoch is None and self._ovr.workers == 1:
            self.problem(line, "an SGD epoch line without a `-- Epoch N` line before it: not read")
            return
        values: dict[str, float] = {}
        for part in text.split(", "):
            key, sep, raw = part.partition(": ")
            name = FIELDS.get(key)
            if not sep or name is None:
                continue
            v = to_float(raw)
            if v is None:
                self.problem(line, f"could not read sklearn's {key!r}: {raw[:40]!r}")
                continue
            values[name] = v
        values = {n: values[n] for n in FIELDS.values() if n in values}  # (the loss first)
        self._scored = self._scored or "validation score" in values
        self._records += bool(values)
        t = _T.search(text)
        block = Block(epoch, int(t[1]) if t else 0, values, line)
        if self._ovr.workers == 1 and self._ovr.held and block.t != self._ovr.held[-1].t:
            self._release(out)  # (a call's classes each see the call's samples: one T)
        if not self._ovr.take(block):
            self._release(out)
            self._count(out, block)

    def _count(self, out: BatchBuilder, block: Block) -> None:
        """A block into the count of fits and calls (readers/sklearn_fits.py)."""
        if block.epoch is None:
            return
        if self._given not in (None, "count"):
            self._fits.interrupted(out)
        self._fits.add(out, block.epoch, block.values, block.line)
        self._given = "count"

    def _release(self, out: BatchBuilder) -> None:
        """Held blocks that were not one call's classes: into the count, in order."""
        for block in self._ovr.release():
            self._count(out, block)

    def _done(self, out: BatchBuilder, k: int) -> None:
        """A `Parallel` ends: its blocks as one call (or a threaded fit), else into the count."""
        if not self._ovr.accepts(k):
            self._ovr.workers = 1
            self._release(out)
            return
        threaded = self._ovr.workers > 1
        kind = "fit" if threaded and len({b.t for b in self._ovr.held}) > 1 else "call"
        if self._given == "count":
            self._fits.interrupted(out)
        new_run = self._given is not None and (kind == "fit" or self._given != "call")
        note: list[str] = []
        self._ovr.done(out, k, self._fits.shift, new_run, note)
        self._given = kind
        for message in note:
            self.once(message)

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        if self._ovr.workers > 1 and self._ovr.held:
            self._ovr.release()
            self.once(CUT)
        self._release(out)
        self._fits.flush(out)
        if self._records and not self._scored:
            self.once(NO_ACCURACY)
        return self.built(out)
