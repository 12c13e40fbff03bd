"""Gradient-boosting consoles: XGBoost and LightGBM print one line per boosting round.

    [10]\\ttrain-logloss:0.5\\ttrain-error:0.05\\tvalid-logloss:0.6          (xgboost.train, verbose_eval)
    [10]\\ttraining's binary_logloss: 0.3\\tvalid_1's binary_logloss: 0.4  (lightgbm.log_evaluation)

x is the round `[N]` (a step). Each eval set names the split (`train`/`training`/`learn` = training,
`valid`/`valid_N`/`eval`/`test` = validation); `logloss`-type metrics are cross-entropy losses; an
`error` metric is kept and also given as accuracy = 1 - error (derived series `<set>/accuracy`).
CatBoost's console has its own reader (`catboost_console.py`; its files: `catboost.py`). Other lines
(`[LightGBM] [Info] ...`, warnings) are not records.
"""

from __future__ import annotations

import re

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

#: Metric names (lower case) that are a cross-entropy: XGBoost, LightGBM, CatBoost spellings.
CE_METRICS = frozenset(
    {"logloss", "mlogloss", "binary_logloss", "multi_logloss", "cross_entropy", "crossentropy", "multiclass"}
)
ERROR_METRICS = frozenset({"error", "merror", "binary_error", "multi_error", "errorrate"})

_ROUND = re.compile(r"^\[(\d+)\]\t(.+)$")
_XGB = re.compile(r"^([\w.]+)-([\w@.]+):\s*(\S+)$")
_LGB = re.compile(r"^(\S+)'s (\S+):\s*(\S+)$")


class GbdtNames:
    """What a reader records about GBDT metric names: cross-entropy losses get that loss kind."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def name(self, full: str) -> str:
        metric = re.split(r"[/\-]", full)[-1].lower()
        if metric in CE_METRICS:
            self.reader.loss_kinds[full] = "cross-entropy"
        return full


def parse_round(text: str) -> tuple[float, list[tuple[str, str, float, str]]] | None:
    """(round, [(eval set, metric, value, separator)]) of a console line, or None."""
    m = _ROUND.match(text)
    items: list[tuple[str, str, float, str]] = []
    if m:
        for cell in m.group(2).split("\t"):
            cell = cell.strip()
            hit = _LGB.match(cell)
            sep = "/"
            if hit is None:
                hit, sep = _XGB.match(cell), "-"
            if hit is None:
                continue
            v = to_float(hit.group(3))
            if v is not None:
                items.append((hit.group(1), hit.group(2), v, sep))
        return (float(m.group(1)), items) if items else None
    return None


@register
class GbdtConsoleReader(Reader):
    format_id = "gbdt-console"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hits = sum(parse_round(clean_text(ln)) is not None for ln in head.splitlines()[:400])
        return Level.CERTAIN.score if hits >= 2 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._names = GbdtNames(self)
        self._unread = Unread()  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for i, raw in enumerate(self.text_lines(block)):
            parsed = parse_round(clean_text(raw)) if raw.startswith("[") else None
            if parsed is None:
                self._unread.see(self, raw, first_line + i)
                continue
            rnd, items = parsed
            values: dict[str, float] = {}
            for eval_set, metric, v, sep in items:
                name = self._names.name(f"{eval_set}{sep}{metric}")
                values[name] = v
                if metric.lower() in ERROR_METRICS:
                    acc = f"{eval_set}{sep}accuracy"
                    self.renamed[acc] = f"1 - {name}"
                    values[acc] = 1.0 - v
            out.add(values, step=rnd, line=first_line + i)
        return self.built(out)
