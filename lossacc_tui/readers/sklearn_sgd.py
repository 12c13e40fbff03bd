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
...), said once. `partial_fit` prints `-- Epoch 1` at every call: blocks of one epoch in a row are
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

_EPOCH = re.compile(r"^-- Epoch (\d{1,9})\s*$")
_STATS = re.compile(r"^Norm: [^,]+, NNZs: \d+, Bias: [^,]+, T: \d+, Avg\. loss: ")
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
CLASSES = (
    " (a multi-class model prints one block per class at each call: then each epoch here is one class's)"
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
        self._fits = FitCount(self, "`-- Epoch 1`", RESTART, CLASSES)
        self._scored = False  # a Validation score seen
        self._records = 0
        self._unread = Unread()

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            text = clean_text(raw).strip()
            line = first_line + k
            if m := _EPOCH.match(text):
                self._epoch = int(m[1])
            elif _STATS.match(text):
                self._record(out, text, line)
            elif not _DONE.match(text):
                self._unread.see(self, text, line)
        return self.built(out)

    def _record(self, out: BatchBuilder, text: str, line: int) -> None:
        """One epoch's line: its fields, at the epoch the `-- Epoch N` before it gave."""
        if self._epoch is None:
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
        self._fits.add(out, self._epoch, values, line)
        self._records += bool(values)
        self._epoch = None

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._fits.flush(out)
        if self._records and not self._scored:
            self.once(NO_ACCURACY)
        return self.built(out)
