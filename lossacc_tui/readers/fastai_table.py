"""fastai's printed progress table, wherever it sits in captured stdout.

    epoch     train_loss  valid_loss  accuracy  time
    0         0.812345    0.456789    0.901234  00:12

fastai v1 tables have no `time` column, count epochs from 1 and end each row with its duration in
parentheses, `(00:13)`, after a `Total time: 00:52` line. Every header line starts a new run.
`#na#` cells are missing values; `error_rate` is shown as `1-error_rate` so it reads as an accuracy.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.clean import MARKS
from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, looks_structured, to_float
from lossacc_tui.readers.registry import register
from lossacc_tui.roles import FASTAI_HINTS

MAX_LINE = 1 << 16  # a table line is short; longer lines are not looked at
_NAME = re.compile(rf"^[A-Za-z_][\w@.{MARKS}-]*$")
_TIME = re.compile(r"^\d+:\d{2}(?::\d{2})?$")
_V1_DURATION = re.compile(r"^\(\d+:\d{2}(?::\d{2})?\)$")  # fastai v1 ends a row with `(00:13)`
_SNIFF = re.compile(
    r"^[ \t]*epoch[ \t]+(?:[A-Za-z_][\w@.-]*[ \t]+)*?(?:train_loss|valid_loss)\b", re.MULTILINE
)
_SNIFF_ROW = re.compile(r"^[ \t]*\d+[ \t]+(?:[-+\d.eE]+|#na#)[ \t]+", re.MULTILINE)
LOSS_COLUMNS = ("train_loss", "valid_loss")


def header_columns(text: str) -> list[str] | None:
    """The column names when `text` is a fastai table header, else None."""
    cols = text.split()
    if len(cols) < 2 or cols[0] != "epoch" or not any(c in LOSS_COLUMNS for c in cols):
        return None
    if not all(_NAME.match(c) for c in cols) or len(set(cols)) != len(cols):
        return None
    return cols


@register
class FastaiTableReader(Reader):
    format_id = "fastai-table"
    role_hints: ClassVar[dict[str, str]] = FASTAI_HINTS

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        if looks_structured(name, head):
            return 0.0
        text = clean_text(head)
        if not _SNIFF.search(text):
            return 0.0
        return 0.9 if _SNIFF_ROW.search(text) else 0.7

    def __init__(self) -> None:
        super().__init__()
        self._cols: list[str] | None = None
        self._new_run = False
        self._seen = False  # any record emitted yet

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        lines = self.text_lines(block)
        for i, raw in enumerate(lines):
            if len(raw) <= MAX_LINE:
                self._line(out, clean_text(raw), first_line + i)
        return self.built(out)

    def _line(self, out: BatchBuilder, text: str, line_no: int) -> None:
        cells = text.split()
        if not cells:
            return
        if cells[0] == "epoch":
            cols = header_columns(text)
            if cols is not None:
                self._cols = cols
                self._new_run = self._seen
                return
        cols = self._cols
        if cols is None or not (cells[0].isascii() and cells[0].isdigit()):
            return
        if len(cells) == len(cols) + 1 and _V1_DURATION.match(cells[-1]):
            cells = cells[:-1]
        if len(cells) != len(cols):
            if len(cells) >= 2 and (cells[1] == "#na#" or to_float(cells[1]) is not None):
                self.problem(line_no, f"table row has {len(cells)} cells, the header {len(cols)}")
            return
        values: dict[str, float] = {}
        bad: list[str] = []
        good = 0
        for col, cell in zip(cols[1:], cells[1:], strict=True):
            if col == "time":
                if _TIME.match(cell):
                    good += 1
                else:
                    bad.append(f"time={cell}")
                continue
            if cell == "#na#":
                good += 1
                continue
            v = to_float(cell)
            if v is None:
                bad.append(f"{col}={cell}")
                continue
            good += 1
            if col == "error_rate":
                self.renamed["1-error_rate"] = "error_rate"
                values["1-error_rate"] = 1.0 - v
            else:
                values[col] = v
        if bad:
            if good:
                self.problem(line_no, "could not read table cells: " + ", ".join(bad))
            return
        if not values:
            return
        out.add(values, epoch=float(cells[0]), line=line_no, new_run=self._new_run)
        self._new_run = False
        self._seen = True
