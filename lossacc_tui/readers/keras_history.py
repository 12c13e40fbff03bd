"""Keras `History.history` saved as JSON: `json.dump(history.history)` or a pandas `to_json()`.

Shapes read (epoch = position, 0-based as Keras counts, unless an `epoch` column says otherwise):
- dict of lists `{"loss": [..], "val_loss": [..]}` (`json.dump`; NaN written as `NaN`);
- pandas columns `{"loss": {"0": v, "1": v}}` (the `to_json()` default; NaN written as `null`);
- pandas `orient="records"` `[{"loss": v, ...}, ...]`, `orient="index"` and `orient="split"`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from lossacc_tui.readers.base import to_float
from lossacc_tui.readers.jsondoc import JsonDocumentReader, Row, number
from lossacc_tui.readers.registry import register

_NAME = r'"[^"\\]{1,120}"\s*:\s*'
_LISTS = re.compile(r"\{\s*" + _NAME + r"\[")
_COLUMNS = re.compile(r"\{\s*" + _NAME + r'\{\s*"-?\d+"\s*:')
_RECORDS = re.compile(r"\[\s*\{\s*" + _NAME + r"(?:-?[\d.]|null|NaN|Infinity|-Infinity)")
_SPLIT = re.compile(r'\{\s*"columns"\s*:\s*\[')
_METRIC_KEY = re.compile(r'"(?:val_)?(?:loss|acc|accuracy|[a-z_]*_loss|[a-z_]*_accuracy)"\s*:')

Table = dict[Any, dict[str, Any]]  # index label -> {metric: raw JSON value}


@register
class KerasHistoryReader(JsonDocumentReader):
    """A Keras training history as one JSON document (see the module docstring for the shapes)."""

    format_id: ClassVar[str] = "keras-history"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        text = head.lstrip("\ufeff \t\r\n")
        if '"log_history"' in text[:65536]:
            return 0.0
        if _LISTS.match(text) or _COLUMNS.match(text):
            score = 0.85
        elif _SPLIT.match(text) or _RECORDS.match(text):
            score = 0.6
        else:
            return 0.0
        if not _METRIC_KEY.search(text):
            return 0.25
        base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return min(1.0, score + (0.1 if "history" in base and base.endswith(".json") else 0.0))

    def rows(self, doc: Any) -> list[Row]:
        table = self._table(doc)
        if table is None:
            self.once("not a Keras history: expected {metric: [values]} or a pandas to_json() table")
            return []
        out: list[Row] = []
        bad: set[str] = set()
        for position, (label, cells) in enumerate(table.items()):
            epoch: float | None = label if isinstance(label, int) else position
            values: dict[str, float] = {}
            for key, raw in cells.items():
                v = _value(raw)
                if v is None:
                    bad.add(key)
                elif key == "epoch":
                    epoch = v
                else:
                    values[key] = v
            if values:
                out.append((values, None, float(epoch)))
        for key in sorted(bad):
            self.once(f"{key}: values that are not numbers; skipped")
        return out

    def _table(self, doc: Any) -> Table | None:
        if isinstance(doc, list):
            if doc and all(isinstance(r, dict) for r in doc):
                return dict(enumerate(doc))
            return None
        if not isinstance(doc, dict) or not doc:
            return None
        if isinstance(doc.get("columns"), list) and isinstance(doc.get("data"), list):
            return self._from_split(doc)
        if all(isinstance(v, list) for v in doc.values()):
            return self._from_lists(doc)
        if all(isinstance(v, dict) for v in doc.values()):
            if all(_label(k) is not None for k in doc) and not any(
                _label(k) is not None for v in doc.values() for k in v
            ):
                return {_label(k): dict(v) for k, v in doc.items()}  # orient="index"
            table: Table = {}
            for name, column in doc.items():  # pandas default: orient="columns"
                for k, raw in column.items():
                    label = _label(k)
                    table.setdefault(k if label is None else label, {})[name] = raw
            return table
        return None

    def _from_lists(self, doc: dict[str, list[Any]]) -> Table:
        """Lists may be shorter than the longest (`validation_freq=k`: one value every k epochs)."""
        n = max(len(v) for v in doc.values())
        table: Table = {}
        for name, values in doc.items():
            m = len(values)
            if 0 < m < n and n % m == 0:
                every = n // m
                epochs = [(i + 1) * every - 1 for i in range(m)]
            else:
                if m < n:
                    self.once(f"{name}: {m} values for {n} epochs; taken as the first {m}")
                epochs = list(range(m))
            for epoch, raw in zip(epochs, values, strict=False):
                table.setdefault(epoch, {})[name] = raw
        return dict(sorted(table.items()))

    def _from_split(self, doc: dict[str, Any]) -> Table | None:
        columns, data = doc["columns"], doc["data"]
        index = doc.get("index")
        if not all(isinstance(c, str) for c in columns) or not all(isinstance(r, list) for r in data):
            return None
        labels = index if isinstance(index, list) and len(index) == len(data) else range(len(data))
        table: Table = {}
        for i, (label, row) in enumerate(zip(labels, data, strict=False)):
            key = label if isinstance(label, int) and not isinstance(label, bool) else i
            table[key] = dict(zip(columns, row, strict=False))
        return table


def _label(key: str) -> int | None:
    """An integer row label (`"3"`), as pandas writes a RangeIndex; None otherwise."""
    try:
        return int(key)
    except ValueError:
        return None


def _value(raw: Any) -> float | None:
    if isinstance(raw, str):
        return to_float(raw)
    return number(raw)
