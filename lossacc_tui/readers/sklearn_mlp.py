"""scikit-learn `MLPClassifier(verbose=True)` / `MLPRegressor` console:

    Iteration 12, loss = 0.10526937
    Validation score: 0.958333

One record per iteration (an epoch over the training data for the sgd and adam solvers): `loss`
is the training loss (cross-entropy plus the L2 penalty `alpha`), `Validation score` (printed
with `early_stopping=True`) the score on the held-out validation fraction: accuracy for a
classifier. x = the iteration, as epoch: sklearn's `Iteration N` is its count of epochs done
(`n_iter_`, 1-based: one pass over the training data each). Source:
sklearn/neural_network/_multilayer_perceptron.py.

The user's own metric prints in the same file (`partial_fit` in a loop with an evaluation printed
after each call: `epoch 3 train_acc 0.80 val_loss 0.82 val_acc 0.69`) are read too, as the
free-text reader reads them (`text_kv.parse_line`), at the epoch (or step) the line prints; the
number of such lines is said once, with the x they are read at, never dropped silently.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register
from lossacc_tui.readers.sklearn_fits import FitCount

_ITER = re.compile(r"^Iteration (\d+), loss = (\S+)\s*$")
_VAL = re.compile(r"^Validation score: (\S+)\s*$")
VAL_NAME = "validation score"
RESTART = (
    "iterations count from 1 again: another fit (a refit with warm_start=False, or another model): "
    "each count is a run of its own"
)


@register
class SklearnMlpReader(Reader):
    format_id: ClassVar[str] = "sklearn-mlp"
    role_hints: ClassVar[dict[str, str]] = {"loss": "train_loss", VAL_NAME: "val_acc"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hits = sum(bool(_ITER.match(ln.strip())) for ln in head.splitlines()[:200])
        return Level.CERTAIN.score if hits >= 2 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._iteration: float | None = None
        self._pending: tuple[dict[str, float], int] | None = None
        self._told = False  # the user's own printed metrics said (once)
        self._emitted = 0  # Iteration records given already
        #: where each Iteration record goes: a refit's count from 1 is a run of its own, partial_fit's
        #: `Iteration 1` at every call is counted in calls (readers/sklearn_fits.py)
        self._fits = FitCount(self, "`Iteration 1`", RESTART)
        self._shift = 0.0  # added to sklearn's Iteration: -1 where the user's prints count from 0

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            text = clean_text(raw).strip()
            if m := _ITER.match(text):
                self._emit(out)
                v = to_float(m.group(2))
                self._iteration = float(m.group(1))
                if v is None:
                    self.problem(first_line + k, f"could not read the loss {m.group(2)[:40]!r}")
                    continue
                self._pending = ({"loss": v}, first_line + k)
            elif (m := _VAL.match(text)) and self._pending is not None:
                v = to_float(m.group(1))
                if v is not None:
                    self._pending[0][VAL_NAME] = v
                self._emit(out)
            elif text[:1].isalpha() and len(text) <= 1 << 14 and any(c.isdigit() for c in text):
                self._own(out, text, first_line + k)
        return self.built(out)

    def _own(self, out: BatchBuilder, text: str, line: int) -> None:
        """A line of the user's own prints: its metrics at the epoch (or step) it prints."""
        # (imported here: importing text_kv first would register it before this module, and the
        # order of registration breaks ties between sniffers)
        from lossacc_tui.readers.text_kv import parse_line

        values, epoch, step = parse_line(text)
        if not values or (epoch is None and step is None):
            return
        first = not self._told
        if first and not self._emitted and epoch is not None and self._iteration == epoch + 1:
            self._shift = self._fits.shift = -1.0  # `epoch 0` after `Iteration 1`: the user counts from 0
        self._emit(out)
        self._fits.flush(out)  # (a call's record, then the user's print of it)
        out.add(values, epoch=epoch, step=step, line=line)
        if first:
            self._told = True
            at = "epoch it prints" if epoch is not None else "step it prints"
            if self._shift:
                at += " (counted from 0: sklearn's Iteration N is read as epoch N-1 beside them)"
            self.problem(
                line,
                f"printed metrics beside sklearn's Iteration lines ({', '.join(values)}) are read at the "
                f"{at}; sklearn's Iteration N is its count of epochs done (from 1)",
            )

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._emit(out)
        self._fits.flush(out)
        return self.built(out)

    def _emit(self, out: BatchBuilder) -> None:
        if self._pending is not None and self._iteration is not None:
            values, line = self._pending
            self._fits.add(out, int(self._iteration), values, line)
            self._emitted += 1
        self._pending = None
