"""Cold reads of a large CSV backlog through polars' compiled CSV parser, when installed; the
piece cutting and byte counting that the CSV and JSONL readers' large blocks share.

`Source.read_all` hands a CSV reader a backlog past 4 MB in one read of up to `BACKLOG_READ` bytes
(the whole file, for most logs; readers/csv_backlog.py), polars installed or not. A block of at
least `BULK_BLOCK` bytes of dense rows goes to polars in one call (importing polars costs about
0.2-0.3 s of CPU, worth it only for a large block); any other goes to the numpy parser whole
(readers/fastnum.py). Appends to a live log stay on the incremental numpy path. A JSONL backlog
does not come here: msgspec reads it with no more CPU than polars' `read_ndjson` and without
polars' import (readers/jsonl_backlog.py). `csv_values` returns None for any block it is not sure
to read exactly as the per-line path would; the caller then takes the numpy path (whole, or in
pieces of at most `PIECE` bytes past a bad line), so results never depend on whether polars is
installed.

Per 1 MB block, polars' CSV reader used more CPU than the numpy parser (its per-call cost); on one
84 MB block about a fifth of what the numpy parser took in 1 MB pieces, and about as much as it
takes parsing the block into one table (bench_readers prints both: the session 14 README block).

Install: pip install 'lossacc-tui[fast]' (polars). Format reference: RFC 4180 (CSV).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterator
from types import ModuleType

import numpy as np

BULK_MIN = 256 * 1024  # bytes: a smaller block (an append) takes the incremental path
#: A block at least this large goes to polars in one call: on one block polars saves 16-18 ms of
#: CPU per MB over the numpy path on CSV, so its 0.3 s import pays from about 20 MB.
BULK_BLOCK = 24 * 1024 * 1024
#: Largest read of a backlog when polars is installed (a whole file, up to this); memory stays bounded.
BACKLOG_READ = 256 * 1024 * 1024
#: A large block polars did not take is read in pieces of about this size (what a reader is given
#: when the file is read 1 MB at a time), so the per-line path's memory stays bounded.
#: A block of fewer lines than this (as a live writer's lines come) takes a reader's per-line path:
#: numpy's per-call cost makes the vectorized table path slower there (JSON lines: 600 us for one
#: line vs 28 us, 515 vs 105 for ten; a Keras CSV row: 2.7 ms vs 36 us; 63 rows 610 us per line,
#: 64 vectorized 293 us: about even at 32). Counted in the block's first 64 KiB.
SMALL_BLOCK = 32
SMALL_BLOCK_BYTES = 1 << 16
PIECE = 1 << 20
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


def backlog_chunk(left: int) -> int | None:
    """Bytes to read at once from the `left` bytes of a backlog: up to `BACKLOG_READ` when they
    are enough for the bulk path and polars is installed (found without importing it), else None
    (the caller's usual chunk)."""
    if not ENABLED or left < BULK_BLOCK:
        return None
    if _tried:
        return BACKLOG_READ if _polars is not None else None
    try:
        found = importlib.util.find_spec("polars") is not None
    except (ImportError, ValueError):  # a broken install, or polars blocked in sys.modules
        found = False
    return BACKLOG_READ if found else None


def pieces(block: bytes, first_line: int, start: int = 0) -> Iterator[tuple[bytes, int]]:
    """A block of complete lines from byte `start` (a line's start) cut at line ends into pieces
    of about `PIECE` bytes, each with the number of its first line."""
    size = PIECE
    while start < len(block):
        end = block.find(b"\n", start + size - 1) + 1 or len(block)
        piece = block[start:end]
        yield piece, first_line
        first_line += count_byte(piece, b"\n")  # (numpy: about 3x `bytes.count` here)
        start = end


def count_byte(block: bytes, byte: bytes, start: int = 0) -> int:
    """How many times `byte` occurs in block[start:]: numpy's compare-and-count in cache-sized
    slices, about twice as fast as `bytes.count` on a large block."""
    a = np.frombuffer(block, np.uint8, offset=start)
    x, step = byte[0], 1 << 18
    return sum(int(np.count_nonzero(a[i : i + step] == x)) for i in range(0, len(a), step))


class Gate:
    """Per reader: should this block go to the bulk path (and is polars installed)?"""

    __slots__ = ()

    def open(self, block: bytes) -> bool:
        """True when `block` should go to the bulk path (and polars is installed)."""
        return len(block) >= max(BULK_MIN, BULK_BLOCK) and polars() is not None


#: Bytes a block of plain numeric CSV may hold besides its delimiter (readers/fastnum.py's grammar).
_CSV_BYTES = b"0123456789.eE+-\n"


def csv_values(
    block: bytes, ncols: int, delimiter: bytes, skip: int = 0
) -> tuple[np.ndarray, np.ndarray] | None:
    """The lines of a block after its first `skip` bytes (a header line, or 0): each `ncols` plain
    decimal numbers (or empty cells) separated by `delimiter`, as (values float64 (rows, ncols),
    columns contiguous, present bool (rows, ncols)): what `fastnum.parse_numeric_rows` returns.

    None unless every byte after `skip` is a digit, `.eE+-`, the delimiter or a newline, every line
    has exactly `ncols` cells, there are no blank lines and polars parses every cell as a number.
    Each check is one pass over the bytes, and the cell count only when a cell is empty.
    """
    pl = polars()
    body = len(block) - skip
    if pl is None or ncols < 1 or body <= 0 or not block.endswith(b"\n") or block[skip] == 10:
        return None
    allowed = _CSV_BYTES + delimiter
    if block.translate(None, allowed) != block[:skip].translate(None, allowed):
        return None  # a quote, a space, a letter: the numeric parser's and the per-line path's rules
    if ncols == 1 and b"\n\n" in block:
        return None  # with one column a blank line would read as an empty cell
    try:
        df = pl.read_csv(
            io.BytesIO(block),
            has_header=False,
            skip_rows=1 if skip else 0,
            separator=delimiter.decode(),
            schema={f"c{i}": pl.Float64 for i in range(ncols)},
            quote_char=None,
        )
    except Exception:  # polars.exceptions.PolarsError and its kin: a cell that is not a number, or
        return None  # a line with more cells than ncols
    values = df.to_numpy(order="fortran")
    if values.dtype != np.float64 or values.shape != (df.height, ncols):
        return None
    if not any(df.null_count().row(0)):  # no empty cell, so no short or blank line either
        return values, np.ones(values.shape, dtype=bool)
    # polars fills a short line with nulls: the cell count tells short lines from empty cells
    nrows = count_byte(block, b"\n", skip)
    if df.height != nrows or count_byte(block, delimiter, skip) != (ncols - 1) * nrows:
        return None
    return values, ~np.isnan(values)  # no NaN but an empty cell: the bytes hold no `nan`
