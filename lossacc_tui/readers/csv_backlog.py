"""The cold read of a large CSV backlog (a finished log, or a live one opened late, read at once by
`Source.read_all` when the `fast` extra is installed: `bulk.backlog_chunk`).

A dense block (most cells hold a number) goes to polars in one call (`bulk.csv_values`). Otherwise,
or when polars cannot read it exactly, the numeric lines are parsed by the numpy parser straight
into one column-major table (`fastnum.parse_numeric_columns`): each column one contiguous array that
a run keeps without copying, where piece-by-piece parsing concatenated every piece's table, cut it
into per-piece columns, then concatenated those again (`join.join_batches`). A ~1 MB piece the
parser does not read (a bad line, a header written again, a text cell) takes the reader's own
block path, which records its problems; the parser then goes on after it. The same records as
reading the block 1 MB at a time (`tests/test_csv_backlog.py`).

Measured (bench_readers, Lightning's sparse metrics.csv, 1,000,000 rows): the README's session 13
block. Format reference: RFC 4180 (CSV).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.join import join_batches

if TYPE_CHECKING:
    from lossacc_tui.readers.csvlike import CsvReader

try:
    from lossacc_tui.readers.fastnum import parse_numeric_columns
except ImportError:  # pragma: no cover - the fast path is optional
    parse_numeric_columns = None  # type: ignore[assignment]


def read_backlog(reader: CsvReader, block: bytes, first_line: int) -> list[Batch]:
    """The batches of a large block of complete lines (line `first_line` first), in order: polars
    in one call when the rows are dense and it reads them exactly, else stretches of lines through
    the numpy parser's one table, and ~1 MB pieces it cannot read through `reader._block`."""
    out: list[Batch] = []
    skip = 0
    if not reader.names:  # the first line alone: the header
        skip = block.find(b"\n") + 1
        out += reader._block(block[:skip], first_line)
        first_line += 1
    if reader._dense_rows is None:
        reader._dense_rows = dense(reader, block, skip)
    if reader.names and reader._dense_rows and reader._gate.open(block):  # no header left in it
        whole = _whole(reader, block, skip, first_line)
        if whole is not None:
            return out + whole
    blank = b"\n\n" in block or block[skip : skip + 1] == b"\n"
    batches: list[Batch] = []
    while skip < len(block):
        table, skip, first_line = _columns(reader, block, skip, first_line, blank)
        batches += table
        if skip < len(block):  # a piece the parser did not read: the reader's own path
            piece, k = next(bulk.pieces(block, first_line, skip))
            batches += reader._block(piece, k)
            skip += len(piece)
            first_line += bulk.count_byte(piece, b"\n")
    return out + join_batches(batches)  # (one batch per stretch of same-column pieces: no growth copies)


def dense(reader: CsvReader, block: bytes, skip: int) -> bool:
    """Whether most cells of the first 64 KB after `skip` hold a number: polars' parser costs
    per cell, the numpy one per number, so on a sparse file (Lightning's metrics.csv, most cells
    empty) the numpy parser used less CPU than polars on one block (bench_readers)."""
    a = np.frombuffer(block, np.uint8, count=min(65536, len(block) - skip), offset=skip)
    ends = (a == ord(reader.delim)) | (a == 10)  # cell ends; two in a row: an empty cell
    return np.count_nonzero(ends[:-1] & ends[1:]) * 2 < np.count_nonzero(a == 10) * len(reader.names)


def _learn_kinds(reader: CsvReader, block: bytes, skip: int) -> None:
    """The reader learns which columns hold text from the first line after `skip` (once)."""
    if not reader._kinds_known:
        end = block.find(b"\n", skip)
        if block[skip:end].strip():
            reader._learn_text_columns(reader._cells(reader.decode(block[skip:end])))


def _whole(reader: CsvReader, block: bytes, skip: int, first_line: int) -> list[Batch] | None:
    """The lines after the first `skip` bytes through polars' CSV reader in one call (None: it
    cannot read them exactly as the numpy parser would, or the columns are not all numbers)."""
    _learn_kinds(reader, block, skip)
    if "text" in reader._kind or reader._new_run:
        return None
    parsed = bulk.csv_values(block, len(reader.names), reader.delim.encode(), skip)
    if parsed is None:
        return None
    values, present = parsed
    return [reader._batch(values, present, np.arange(first_line, first_line + len(values)), ())]


def _columns(
    reader: CsvReader, block: bytes, skip: int, first_line: int, blank: bool
) -> tuple[list[Batch], int, int]:
    """The lines from byte `skip` (line `first_line`), as far as the numpy parser reads them, as
    one batch of contiguous columns: (that batch or none, the byte and line where the rest starts).
    `blank`: the block has a blank line (one column: the parser would read it as an empty cell,
    the per-line path skips it, so then only the reader's path reads the block)."""
    if not reader.names:
        return [], skip, first_line
    _learn_kinds(reader, block, skip)
    ncols = len(reader.names)
    few = block.count(b"\n", skip, skip + bulk.SMALL_BLOCK_BYTES) < bulk.SMALL_BLOCK  # (as `_fast`)
    if few or (blank and ncols == 1) or "text" in reader._kind or reader._new_run:
        return [], skip, first_line
    if parse_numeric_columns is None:
        return [], skip, first_line
    values, present, end = parse_numeric_columns(block, ncols, reader.delim.encode(), skip)
    n = values.shape[1]
    if not n:
        return [], skip, first_line
    lines = np.arange(first_line, first_line + n)
    return [reader._batch(values.T, present.T, lines, ())], end, first_line + n
