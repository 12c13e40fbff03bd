"""CatBoost's console (`verbose=True` or `verbose=N`, `metric_period`): one line per reported
iteration,

    0:\tlearn: 0.6698941\ttest: 0.6719802\tbest: 0.6719802 (0)\ttotal: 57.6ms\tremaining: 5.7s

x is the iteration `N:` (a step); a second `fit` printed after the first starts again at 0 (a new
run). `learn` is the training set, `test` validation (`test1`, ... for more eval sets: kept, with
no role). The printed value is the objective's (`loss_function`, `Logloss` by default:
a cross-entropy) unless `eval_metric` names another metric, which the console does not say: the
series are `learn` and `test`, read as losses (`--map val_acc=test` when the eval metric is an
accuracy). `best: v (i)` and the timings are not series.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

_LINE = re.compile(r"^(\d+):\t(learn: .*)$")
_PAIR = re.compile(r"(?:^|\s)(learn|test\d*): (\S+)")
_TIMING = re.compile(r"\btotal: \d")


def parse(text: str) -> tuple[float, dict[str, float]] | None:
    """(iteration, {learn: v, test: v, ...}) of a console line, or None."""
    m = _LINE.match(text.rstrip())
    if m is None or not _TIMING.search(m.group(2)):
        return None
    values: dict[str, float] = {}
    for name, raw in _PAIR.findall(m.group(2)):
        v = to_float(raw)
        if v is not None:
            values.setdefault(name, v)
    return (float(m.group(1)), values) if values else None


@register
class CatBoostConsoleReader(Reader):
    format_id: ClassVar[str] = "catboost-console"
    role_hints: ClassVar[dict[str, str]] = {"learn": "train_loss", "test": "val_loss"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hits = sum(parse(clean_text(ln)) is not None for ln in head.splitlines()[:400])
        return Level.CERTAIN.score if hits >= 2 else 0.0

    _fits = 0  # `fit` calls seen so far (each prints from iteration 0)

    def __init__(self) -> None:
        super().__init__()
        self._unread = Unread()  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for i, raw in enumerate(self.text_lines(block)):
            parsed = parse(clean_text(raw)) if raw[:1].isdigit() else None
            if parsed is None:
                self._unread.see(self, raw, first_line + i)
                continue
            step, values = parsed
            # (a second `fit` prints from iteration 0 again: a new run, by design, not a restart)
            out.add(values, step=step, line=first_line + i, new_run=step == 0 and self._fits > 0)
            self._fits += step == 0
        return self.built(out)
