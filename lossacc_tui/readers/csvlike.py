"""The CSV family: Keras CSVLogger, Lightning metrics.csv, fastai CSVLogger, pandas exports of a
Keras History, and any other CSV/TSV with a header and numeric columns.

Numeric blocks go through a vectorized parser; anything it is not sure of (quotes, text cells,
short rows) falls back to the per-line path, which records a problem per bad line.
"""

from __future__ import annotations

import csv
import re

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.base import Reader, to_float
from lossacc_tui.readers.csv_backlog import CsvBacklog
from lossacc_tui.readers.csv_decimal import LINES_ASKED, NOTE, decimal_commas
from lossacc_tui.readers.csv_names import UNREAD, repeated_names
from lossacc_tui.readers.csv_sniff import CACHED_CHARS, csv_score, kept_score, split_header
from lossacc_tui.readers.registry import register

try:
    from lossacc_tui.readers.fastnum import parse_numeric_rows
except ImportError:  # pragma: no cover - the fast path is optional
    parse_numeric_rows = None  # type: ignore[assignment]

EPOCH_NAMES = frozenset({"epoch", "epochs", "ep"})
STEP_NAMES = frozenset(
    {
        "step",
        "steps",
        "global_step",
        "iteration",
        "iter",
        "it",
        "current_steps",
        "trainer/global_step",
        "_step",
        # the batch index a custom loop logs beside its epoch (`for batch_idx, ... in enumerate(loader)`):
        # it restarts each epoch (readers/epoch_steps.py)
        "batch",
        "batch_idx",
        "batch_index",
    }
)
TIME_NAMES = frozenset({"timestamp", "wall_time", "walltime", "time_stamp", "created_at", "_timestamp"})
INDEX_NAMES = frozenset({"", "unnamed: 0", "index"})
#: What writers put in a cell with no value, read as an empty cell (no point, no problem): Keras'
#: CSVLogger writes `NA` for the validation metrics of an epoch without an evaluation
#: (`validation_freq` > 1), R and pandas' `na_rep` `NA`/`N/A`, a Python loop `None`, JSON-minded
#: writers `null`; pandas' own missing value prints as `<NA>`.
MISSING_CELLS = frozenset({"na", "n/a", "none", "null", "nil", "<na>"})
KERAS_METRICS = re.compile(
    r"^(val_)?(loss|acc|accuracy|binary_accuracy|categorical_accuracy|sparse_categorical_accuracy)$"
)
TEXT_NAMES = frozenset(
    {
        "time",
        "date",
        "datetime",
        "duration",
        "elapsed",
        "elapsed_time",
        "remaining_time",
        "name",
        "tag",
        "model",
        "phase",
        "split",
        "mode",
        "stage",
        "run",
        "status",
    }
)
TIMEISH = re.compile(r"^\d+(:\d\d)+(\.\d+)?$|^\d{4}-\d\d-\d\d")


def filled(cell: str) -> bool:
    """Whether a CSV cell holds something: neither blank nor a writer's missing-value mark
    (`MISSING_CELLS`)."""
    t = cell.strip()
    return bool(t) and t.lower() not in MISSING_CELLS


class CsvReader(CsvBacklog, Reader):
    """Any CSV/TSV with a header row and numeric columns."""

    format_id = "csv"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        return kept_score(name, head) if len(head) <= CACHED_CHARS else csv_score(name, head)

    def __init__(self) -> None:
        super().__init__()
        self.delim = ","
        self.names: list[str] = []
        self._kind: list[str] = []  # per column: metric | epoch | step | time | text
        self._kinds_known = False
        self._new_run = False
        self._gate = bulk.Gate()
        self._dense_rows: bool | None = None  # most cells of the first rows read hold a number
        self._decimal_comma: bool | None = None  # None: no data row has told yet (`_decimals`)

    # -- header and columns ---------------------------------------------------------------
    def _set_header(self, delim: str, names: list[str], line: int | None = None) -> None:
        """A header row (on line `line` when known). One like the first's, again inside the file, is
        the same table written again (pandas' `to_csv(mode="a")` writes its header on each call, a
        CSV logger restarted writes it anew): no new run by itself, the rows after it continue,
        resume or restart the run as their x says (readers/split.py). A header with other columns
        begins a new run. A name the header repeats is read from its first column only
        (`_repeated_names`)."""
        if self.names and (delim, names) == (self.delim, self.names):
            return
        first = not self.names
        self.delim, self.names = delim, names
        self._kind = [self._column_kind(i, n) for i, n in enumerate(names)]
        self._repeated_names(line)
        self._kinds_known = False
        self._new_run = not first

    def _repeated_names(self, line: int | None) -> None:
        """Columns whose name an earlier read column has are left out, with one problem naming
        them (readers/csv_names.py)."""
        self._kind, told = repeated_names(self.names, self._kind)
        if told:
            self.problem(line, told)

    def _column_kind(self, i: int, name: str) -> str:
        low = name.lower()
        if low in EPOCH_NAMES or (i == 0 and low in INDEX_NAMES):
            return "epoch"
        if low in STEP_NAMES:
            return "step"
        if low in TIME_NAMES:
            return "time"
        return "metric"

    def _learn_text_columns(self, cells: list[str]) -> None:
        """Columns of durations, dates or labels (fastai's `04:39`) are text, not metrics: told by
        their name or by the first value's shape, so a stray bad cell elsewhere is still a problem."""
        for i, c in enumerate(cells[: len(self._kind)]):
            if self._kind[i] != "metric" or not filled(c) or to_float(c) is not None:
                continue
            if self.names[i].lower() in TEXT_NAMES or TIMEISH.match(c.strip()):
                self._kind[i] = "text"
        self._kinds_known = True

    def _metric_name(self, name: str) -> str:
        return name

    def _transform(self, name: str, values: np.ndarray) -> np.ndarray:
        return values

    # -- parsing (a large block: csv_backlog.CsvBacklog) ------------------------------------
    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        """A block of complete lines: the header first, then the rows, their decimal commas
        made points when the file writes them (`_decimals`)."""
        if not self.names:
            block, first_line = self._take_header(block, first_line)
            if not self.names or not block:
                return []
        if self._decimal_comma is None and self.delim != ",":
            self._decimals(block)
        if self._decimal_comma:
            block = block.replace(b",", b".")
        return super()._lines(block, first_line)

    def _decimals(self, block: bytes) -> None:
        """Whether this file writes decimal commas (readers/csv_decimal.py), asked of the first
        data lines of `block` until a row tells; a note says so once it does."""
        lines = [ln for ln in block.split(b"\n", LINES_ASKED)[:LINES_ASKED] if ln.strip()]
        self._decimal_comma = decimal_commas([self._cells(self.decode(ln)) for ln in lines])
        if self._decimal_comma:
            self.once(NOTE.format(delim=repr(self.delim)))

    def _block(self, block: bytes, first_line: int) -> list[Batch]:
        out: list[Batch] = []
        if not self.names:
            block, first_line = self._take_header(block, first_line)
            if not self.names:
                return out
        if not self._kinds_known:
            first = block.split(b"\n", 1)[0]
            if first.strip():
                self._learn_text_columns(self._cells(self.decode(first)))
        if self._dense_rows is None and b"\n" in block:
            self._dense_rows = self._dense(block, 0)
        fast = self._fast(block, first_line)
        if fast is not None:
            return [fast]
        return self._slow(block, first_line)

    def _take_header(self, block: bytes, first_line: int) -> tuple[bytes, int]:
        while block:
            line, _, rest = block.partition(b"\n")
            text = self.decode(line)
            if text.strip():
                hdr = split_header(text)
                if hdr is None:
                    self.problem(first_line, "expected a header row of column names")
                else:
                    self._set_header(*hdr, first_line)
                    return rest, first_line + 1
            block, first_line = rest, first_line + 1
        return b"", first_line

    def _cells(self, text: str) -> list[str]:
        if '"' in text:
            return next(csv.reader([text], delimiter=self.delim), [])
        return text.split(self.delim)

    def _fast(self, block: bytes, first_line: int) -> Batch | None:
        """A block of purely numeric rows through the vectorized numpy parser (polars' CSV reader,
        called per 1 MB block, used more CPU than it: see readers/bulk.py); None for the per-line
        path."""
        if parse_numeric_rows is None or "text" in self._kind or self._new_run:
            return None
        if b"\n\n" in block or block.startswith(b"\n"):
            return None
        if block.count(b"\n", 0, bulk.SMALL_BLOCK_BYTES) < bulk.SMALL_BLOCK:
            return None  # (a few lines, as a live writer adds them: the per-line path costs less)
        parsed = parse_numeric_rows(block, len(self.names), self.delim.encode())
        if parsed is None:
            return None
        values, present = parsed
        return self._batch(values, present, np.arange(first_line, first_line + len(values)), ())

    def _slow(self, block: bytes, first_line: int) -> list[Batch]:
        ncols = len(self.names)
        rows: list[list[float]] = []
        lines: list[int] = []
        starts: list[int] = []
        out: list[Batch] = []
        for k, raw in enumerate(block.split(b"\n")):
            lineno = first_line + k
            text = self.decode(raw).strip("\ufeff")
            if not text.strip():
                continue
            cells = self._cells(text)
            nums = [to_float(c) for c in cells]  # (once per cell: the checks and the row below)
            if len(cells) != ncols or any(v is None and filled(c) for v, c in zip(nums, cells, strict=True)):
                hdr = split_header(text)
                if hdr is not None and len(hdr[1]) >= 2 and not any(v is not None for v in nums):
                    if rows:
                        out.append(self._rows_batch(rows, lines, starts))
                        rows, lines, starts = [], [], []
                    self._set_header(*hdr, lineno)
                    ncols = len(self.names)
                    continue
            if not self._kinds_known:
                self._learn_text_columns(cells)
            if len(cells) != ncols:
                self.problem(lineno, f"expected {ncols} cells, found {len(cells)}; row skipped")
                continue
            row: list[float] = []
            bad = []
            for i, c in enumerate(cells):
                v = nums[i] if self._kind[i] not in UNREAD else None
                if v is None and filled(c) and self._kind[i] not in UNREAD:
                    bad.append(self.names[i])
                row.append(np.nan if v is None else v)
            if bad:
                self.problem(lineno, f"not a number in column {', '.join(bad)}: kept the other cells")
            present_flags = [
                filled(c) and self._kind[i] not in UNREAD and self.names[i] not in bad
                for i, c in enumerate(cells)
            ]
            if self._new_run:
                starts.append(len(rows))
                self._new_run = False
            rows.append(row + [float(f) for f in present_flags])
            lines.append(lineno)
        if rows:
            out.append(self._rows_batch(rows, lines, starts))
        return out

    def _rows_batch(self, rows: list[list[float]], lines: list[int], starts: list[int]) -> Batch:
        ncols = len(self.names)
        mat = np.array(rows, dtype=np.float64)
        return self._batch(mat[:, :ncols], mat[:, ncols:] > 0, np.array(lines), tuple(starts))

    def _batch(
        self, values: np.ndarray, present: np.ndarray, lines: np.ndarray, starts: tuple[int, ...]
    ) -> Batch:
        n = len(values)
        batch = Batch(n=n, values={}, present={}, line=lines, starts=starts)
        every = present.all(axis=0)  # per column: no empty cell (one pass, not one per use)
        for i, (name, kind) in enumerate(zip(self.names, self._kind, strict=True)):
            if kind in ("epoch", "step", "time"):
                col = (
                    np.ascontiguousarray(values[:, i])
                    if every[i]
                    else np.where(present[:, i], values[:, i], np.nan)
                )
                setattr(batch, kind, col)
            elif kind == "metric":
                p = present[:, i]
                if not every[i] and not p.any():
                    continue
                out_name = self._metric_name(name)
                # a contiguous column (bulk: polars' columns) is kept by the run without a copy
                batch.values[out_name] = self._transform(name, np.ascontiguousarray(values[:, i]))
                batch.present[out_name] = None if every[i] else p
        return batch


register(CsvReader)
