"""Cold reads of a large JSONL backlog through polars' compiled NDJSON parser, when installed.

A reader hands a block of complete lines here only after it has read `BULK_AFTER` bytes of large
blocks (importing polars costs about 0.2 s, worth it only for a large file), and only blocks of
at least `BULK_MIN` bytes (appends to a live log stay on the incremental numpy path). Every entry
point returns None for any block it is not sure to read exactly as the per-line path would; the
caller then takes that path, so results never depend on whether polars is installed.

CSV is not sent here: called on the 1 MB blocks a reader gets, polars' CSV reader used more CPU
than the numpy parser (readers/fastnum.py) on 1,000,000-row Keras and Lightning files, its import
included; for JSONL it used about 20 % less (bench_readers prints both).

Install: pip install 'lossacc-tui[fast]' (polars). Format references: RFC 8259 (JSON numbers),
https://jsonlines.org.
"""

from __future__ import annotations

import io
from types import ModuleType

import numpy as np

BULK_MIN = 256 * 1024  # bytes: a smaller block (an append) takes the incremental path
#: Bytes of large blocks a reader reads on its own before it imports polars: the import costs about
#: 0.3 s of CPU, and polars' parser saves about 10 ms of CPU per MB over the numpy path (measured on
#: 1 MB blocks of a 94 MB log), so it pays only well past this size.
BULK_AFTER = 32 * 1024 * 1024
ENABLED = True  # tests turn the bulk path off to compare it with the incremental one

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
