"""Cold reads of a large backlog through polars' compiled CSV and NDJSON parsers, when installed.

A reader hands a block of complete lines here only after it has read `BULK_AFTER` bytes of large
blocks (importing polars costs about 0.2 s, worth it only for a large file), and only blocks of
at least `BULK_MIN` bytes (appends to a live log stay on the incremental numpy path). Every entry
point returns None for any block it is not sure to read exactly as the per-line path would; the
caller then takes that path, so results never depend on whether polars is installed.

Install: pip install 'lossacc-tui[fast]' (polars). Format references: RFC 4180 (CSV), RFC 8259
(JSON numbers), https://jsonlines.org.
"""

from __future__ import annotations

import io
from types import ModuleType

import numpy as np

BULK_MIN = 256 * 1024  # bytes: a smaller block (an append) takes the incremental path
#: Bytes of large blocks a reader reads on its own before it imports polars (0.2-0.4 s, more on a busy
#: machine): polars saves 15-30 ms a MB over the numpy path, so it pays from about 16 MB on.
BULK_AFTER = 16 * 1024 * 1024
ENABLED = True  # tests turn the bulk path off to compare it with the incremental one
#: Bytes of a CSV block that the bulk path takes: plain decimal numbers, delimiters, newlines.
_CSV_NUMERIC = b"0123456789.-+eE\n"

_polars: ModuleType | None = None
_tried = False


def polars() -> ModuleType | None:
    """The polars module, imported on first use; None when it is not installed (or turned off)."""
    global _polars, _tried
    if not ENABLED:
        return None
    if not _tried:
        _tried = True
        try:
            import polars as pl
        except ImportError:
            pl = None
        _polars = pl
    return _polars


class Gate:
    """Per reader: has it read enough of a backlog for the bulk path to pay for itself?"""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = 0

    def open(self, block: bytes) -> bool:
        """True when `block` should go to the bulk path (and polars is installed)."""
        if len(block) < BULK_MIN:
            return False
        self.seen += len(block)
        return self.seen > BULK_AFTER and polars() is not None


def csv_values(block: bytes, ncols: int, delimiter: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A block of CSV lines (no header) as (values float64 (rows, ncols), present bool (rows, ncols)).

    An empty cell is NaN and not present. None unless every byte is a digit, '.', '+', '-', 'e',
    'E', the delimiter or a newline, every line has ncols cells and every cell is a number Python's
    float() reads the same way (polars raises on anything else).
    """
    pl = polars()
    delim = delimiter.encode()
    if pl is None or len(delim) != 1 or not block.endswith(b"\n") or block.startswith(b"\n"):
        return None
    if block.translate(None, _CSV_NUMERIC + delim) or b"\n\n" in block:
        return None
    nrows = block.count(b"\n")
    if block.count(delim) != (ncols - 1) * nrows:
        return None  # with this total, a short line means a long one, which polars rejects
    schema = {f"c{i}": pl.Float64 for i in range(ncols)}
    try:
        df = pl.read_csv(
            io.BytesIO(block), has_header=False, schema=schema, separator=delimiter, quote_char=None
        )
    except Exception:  # polars.exceptions.PolarsError and its kin: a cell it cannot read
        return None
    if df.height != nrows:
        return None
    values = df.to_numpy(order="c")  # nulls (empty cells) come out as NaN; no cell here reads as NaN
    if values.dtype != np.float64 or values.shape != (nrows, ncols):
        return None
    return values, ~np.isnan(values)


def jsonl_values(block: bytes, keys: list[str]) -> np.ndarray | None:
    """A block of JSON lines that are flat objects of exactly `keys` with number values, as float64
    (rows, len(keys)) in the order of `keys`.

    None unless every line has each key once (no escapes, twice as many quotes as keys per line on
    average, none missing), every value is a JSON number and there are no blank lines.
    """
    pl = polars()
    if pl is None or not keys or not block.endswith(b"\n") or block.startswith(b"\n") or b"\\" in block:
        return None
    nrows = block.count(b"\n")
    if b"\n\n" in block or block.count(b'"') != 2 * len(keys) * nrows:
        return None  # with this total, a line with an extra or repeated key has one missing: a null
    try:
        df = pl.read_ndjson(io.BytesIO(block), schema={k: pl.Float64 for k in keys})
    except Exception:  # polars.exceptions.PolarsError and its kin: not a number, not an object
        return None
    if df.height != nrows or any(df.null_count().row(0)):
        return None
    values = df.to_numpy(order="fortran")
    if values.dtype != np.float64 or values.shape != (nrows, len(keys)):
        return None
    return values
