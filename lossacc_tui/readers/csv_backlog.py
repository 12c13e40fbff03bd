"""A large block of a CSV log (a backlog `Source.read_all` reads at once) read as one table: by
polars when it is installed and the rows are dense (readers/bulk.py), else by the numpy parser
straight into one array per column (`fastnum.parse_numeric_columns`; a sparse block, most cells
empty as in Lightning's metrics.csv, from its runs of digits first: `fastnum_runs`), else in pieces
of about 1 MB as if the file had been read 1 MB at a time (a piece with a bad line takes the
per-line path, which records its problems). The records are the same whichever way a block goes
(tests/test_bulk_readers.py, tests/test_fastnum_runs.py).

Measured (CPU of a cold read, interleaved with the trunk; the README's session 14 and 15 blocks): a
1,000,000-row Lightning metrics.csv (34 MB, one metric a row) 0.33-0.40 s in session 14 (load
14-16), 0.31-0.42 s (median 0.344 s) against 0.36-0.46 s (median 0.396 s) in session 15 (load
11.5-11.8); a 1,000,000-row Keras CSV (84 MB) without polars 0.58-0.66 s against 0.86-0.97 s.
"""

from __future__ import annotations

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.join import join_batches

try:
    from lossacc_tui.readers.fastnum import parse_numeric_columns
except ImportError:  # pragma: no cover - the fast path is optional
    parse_numeric_columns = None  # type: ignore[assignment]

#: A backlog of at least this many bytes is read at once and parsed into one table: one batch a
#: run keeps as it is, where 1 MB reads each made a batch to append.
COLUMNS_AFTER = 4 << 20


class CsvBacklog:
    """The large-block half of `csvlike.CsvReader`, whose attributes below and methods `_block`,
    `_batch`, `_learn_text_columns`, `_cells` and `decode` it uses."""

    names: list[str]
    delim: str
    _kind: list[str]
    _kinds_known: bool
    _new_run: bool
    _gate: bulk.Gate
    _dense_rows: bool | None

    def backlog_chunk(self, left: int) -> int | None:
        """Bytes `Source.read_all` reads at once from the `left` bytes of a file: all of a backlog
        of at least `COLUMNS_AFTER` bytes (up to `bulk.BACKLOG_READ`), read in one table by
        polars or the numpy parser; else None (the caller's 1 MB reads)."""
        if bulk.ENABLED and parse_numeric_columns is not None and left >= COLUMNS_AFTER:
            return bulk.BACKLOG_READ
        return bulk.backlog_chunk(left) if self._dense_rows or self._dense_rows is None else None

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        """A large block goes to polars whole when it can (dense rows), else to the numpy parser
        whole, else in pieces of about 1 MB, as if it had been read 1 MB at a time."""
        if len(block) <= bulk.PIECE:
            return self._block(block, first_line)
        out: list[Batch] = []
        skip = 0
        if not self.names:  # the first line alone: the header
            skip = block.find(b"\n") + 1
            out += self._block(block[:skip], first_line)
        first = first_line + (skip > 0)
        if self._dense_rows is None:
            self._dense_rows = self._dense(block, skip)
        if self.names and self._numeric(block, skip):  # (no header left in the block)
            if self._dense_rows and self._gate.open(block):
                parsed = bulk.csv_values(block, len(self.names), self.delim.encode(), skip)
                if parsed is not None:
                    return [*out, self._table(parsed, first)]
            table = self._columns(block, skip)
            if table is not None:  # (up to a piece with a line it could not read, if any)
                values, present, skip = table
                if len(values):
                    out.append(self._table((values, present), first))
                    first += len(values)
                if skip == len(block):
                    return out
        batches = [b for piece, k in bulk.pieces(block, first, skip) for b in self._block(piece, k)]
        return out + join_batches(batches)  # (one batch per stretch of same-column pieces: no growth copies)

    def _dense(self, block: bytes, skip: int) -> bool:
        """Whether most cells of the first 64 KB after `skip` hold a number: polars' parser costs
        per cell, the numpy one per number, so on a sparse file (Lightning's metrics.csv, most cells
        empty) the numpy parser used less CPU than polars on one block (bench_readers)."""
        a = np.frombuffer(block, np.uint8, count=min(65536, len(block) - skip), offset=skip)
        ends = (a == ord(self.delim)) | (a == 10)  # cell ends; two in a row: an empty cell
        return np.count_nonzero(ends[:-1] & ends[1:]) * 2 < np.count_nonzero(a == 10) * len(self.names)

    def _numeric(self, block: bytes, skip: int) -> bool:
        """Whether the lines after `skip` may be read as one table of numbers: no text column (told
        by the first line, as the per-line path tells it) and no new table begun."""
        if not self._kinds_known:
            end = block.find(b"\n", skip)
            if block[skip:end].strip():
                self._learn_text_columns(self._cells(self.decode(block[skip:end])))
        return "text" not in self._kind and not self._new_run

    def _columns(self, block: bytes, skip: int) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The lines after `skip` through the numpy parser, each column parsed straight into its
        own array, up to the piece of about 1 MB that holds a line that is not purely numeric:
        (values, present, the byte where that piece begins: the rest is read in pieces, the bad
        lines' problems recorded by the per-line path); None: none of it read."""
        if parse_numeric_columns is None or block[skip : skip + 1] == b"\n":
            return None
        if len(self.names) == 1 and b"\n\n" in block:
            return None  # with one column a blank line would read as an empty cell
        sparse = not self._dense_rows  # (most cells empty: the digit-run parser first)
        return parse_numeric_columns(block, len(self.names), self.delim.encode(), skip, sparse)

    def _table(self, parsed: tuple[np.ndarray, np.ndarray], first_line: int) -> Batch:
        """One batch of a parsed table (values, present), its first row on line `first_line`."""
        values, present = parsed
        return self._batch(values, present, np.arange(first_line, first_line + len(values)), ())
