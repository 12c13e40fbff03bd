"""scikit-learn `MLPClassifier(verbose=True)` / `MLPRegressor` console:

    Iteration 12, loss = 0.10526937
    Validation score: 0.958333

One record per iteration (an epoch over the training data for the sgd and adam solvers): `loss`
is the training loss (cross-entropy plus the L2 penalty `alpha`), `Validation score` (printed
with `early_stopping=True`) the score on the held-out validation fraction: accuracy for a
classifier. x = the iteration, as epoch. Source: sklearn/neural_network/_multilayer_perceptron.py.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

_ITER = re.compile(r"^Iteration (\d+), loss = (\S+)\s*$")
_VAL = re.compile(r"^Validation score: (\S+)\s*$")
VAL_NAME = "validation score"


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
        return self.built(out)

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._emit(out)
        return self.built(out)

    def _emit(self, out: BatchBuilder) -> None:
        if self._pending is not None and self._iteration is not None:
            values, line = self._pending
            out.add(values, epoch=self._iteration, line=line)
        self._pending = None
