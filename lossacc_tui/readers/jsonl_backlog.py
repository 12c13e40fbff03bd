"""The cold read of a large JSON-lines backlog (a finished log, or a live one opened late): one block
of complete lines, decoded by msgspec in pieces of about `PIECE` bytes straight into one
float64 array per key for each stretch of same-key pieces, without a copy of the block per piece, a
second newline count or a join of the pieces' columns afterwards.

Each piece gives exactly the records the per-line path gives for its lines. Keys first met on a
later line (an evaluation line among training ones) join the piece's first line's, found by
decoding the piece again, and are tried from the start on the next pieces. A piece the typed decode
cannot read exactly (a string, a nested object, NaN, a bad line, a line with no number, too many
keys) is read by the per-line path (`JsonlReader._per_line`), which records its problems. Appends
to a live log (blocks under `bulk.PIECE`) do not come here; the reader's line buffer hands over
complete lines only, so a line still being written waits for its end.
Format: https://jsonlines.org.

Measured (bench_readers, 1,000,000 lines of 5 numbers, 94 MB): see the README's session 12 block.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import orjson

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.jsonl_columns import MORE_KEYS, columns_batch, typed_table

#: Bytes of the block compared at once when its line ends are found (stays in the CPU cache).
_SCAN = 1 << 18
#: Bytes of a piece decoded at once (or `bulk.PIECE`, if smaller). The objects msgspec makes of a
#: piece live until its values are copied out: those of a 256 KiB piece fit the memory Python keeps
#: from piece to piece, those of 1 MB did not, and every piece paid page faults for new memory
#: (1,000,000 lines: 55,000 minor faults against 30,700, which the 94 MB read and the table alone
#: cost; CPU 0.65 s against 0.55-0.61 s, bench_readers' child at load 19).
PIECE = 1 << 18


def line_ends(a: np.ndarray) -> np.ndarray:
    """Positions (int64) of every newline of the uint8 array `a`, found in cache-sized slices."""
    parts = [np.flatnonzero(a[i : i + _SCAN] == 10) + i for i in range(0, len(a), _SCAN)]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def flat_keys(line: bytes) -> list[str] | None:
    """The keys of a line that is one flat JSON object of numbers (a usual log record), else None
    (not JSON, not an object, empty, or a value that is no number: a null, a bool, a string...)."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or not obj:
        return None
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in obj.values()):
        return None
    return list(obj)


def shared_masks(masks: list[np.ndarray]) -> list[np.ndarray]:
    """`masks`, where two are equal the same array object: a run gathers the x values of one
    mask's rows once for all its series (`Run.add_batch`), e.g. a log's training keys, which are on
    the same lines, and its evaluation keys."""
    out: list[np.ndarray] = []
    counts = [int(np.count_nonzero(m)) for m in masks]  # (only masks of one count are compared)
    for i, m in enumerate(masks):
        same = (o for j, o in enumerate(out) if counts[j] == counts[i] and np.array_equal(o, m))
        out.append(next(same, m))
    return out


class _Stretch:
    """Consecutive decoded pieces with the same keys (in the same order): their values written into
    one (keys, lines) table as each piece is decoded, so each key's column is one contiguous array
    a run keeps without copying (`growable.Growable` borrows it). NaN is a key absent or null on a
    line (JSON has no NaN: a NaN token sends its piece line by line)."""

    def __init__(self, keys: list[str], first_line: int, capacity: int) -> None:
        self.keys = keys
        self.first_line = first_line
        self.table = np.empty((len(keys), capacity), np.float64)
        self.n = 0
        self.gaps = False  # a key absent or null on some line

    def add(self, rows: np.ndarray, gaps: bool) -> None:
        """A piece's (keys, lines) values, written after the ones before."""
        self.table[:, self.n : self.n + rows.shape[1]] = rows
        self.n += rows.shape[1]
        self.gaps |= gaps

    def batch(self) -> Batch:
        """The stretch's records: where a key has gaps, a mask says where it is; a key on none of
        the lines is left out (the per-line path has no column for it)."""
        table = self.table[:, : self.n]
        if self.n < self.table.shape[1] // 2:  # (a short stretch: not the whole block's room kept)
            table = table.copy()
        if not self.gaps:
            return columns_batch(self.keys, list(table), None, self.first_line)
        present = ~np.isnan(table)
        used = np.flatnonzero(present.any(axis=1)).tolist()
        masks = shared_masks([present[i] for i in used])
        every = all(m.all() for m in masks)
        keys = [self.keys[i] for i in used]
        return columns_batch(keys, [table[i] for i in used], None if every else masks, self.first_line)


def read_backlog(
    block: bytes, first_line: int, per_piece: Callable[[bytes, int], list[Batch]]
) -> list[Batch]:
    """The batches of a large block of complete lines (ending in a newline; first line number
    `first_line`): clean pieces decoded by msgspec into one batch per stretch, any other piece read
    by `per_piece(piece bytes, its first line)` (the reader's own block path, which records problems).
    In order; the line numbers are the file's."""
    a = np.frombuffer(block, np.uint8)
    ends = line_ends(a)
    # a line must end with its object's `}` (a blank line, two objects or a cut line: per piece)
    closed = a.take(np.maximum(ends - 1, 0)) == 125
    view = memoryview(block)
    out: list[Batch] = []
    stretch: _Stretch | None = None

    def flush() -> None:
        nonlocal stretch
        if stretch is not None and stretch.n:
            out.append(stretch.batch())
        stretch = None

    lo, nlines = 0, len(ends)
    known: list[str] = []  # the keys of the last piece decoded (those found on later lines too)
    while lo < nlines:
        start = int(ends[lo - 1]) + 1 if lo else 0
        hi = int(np.searchsorted(ends, start + min(PIECE, bulk.PIECE) - 1)) + 1  # (as `bulk.pieces` cuts)
        hi = min(hi, nlines)
        end = int(ends[hi - 1]) + 1
        line = first_line + lo
        # (as `JsonlReader._fast`: a piece with few lines in its first 64 KiB is read line by line)
        few = min(int(np.searchsorted(ends, start + bulk.SMALL_BLOCK_BYTES)), hi) - lo < bulk.SMALL_BLOCK
        keys = None if few else flat_keys(block[start : int(ends[lo])])
        got = None
        if keys is not None and closed[lo:hi].all():
            # (the last piece's keys when they hold this one's first line's: an evaluation line's
            # keys are not found again, by decoding again, in every piece)
            reuse = set(keys) <= set(known) and len(known) <= len(keys) + MORE_KEYS
            got = typed_table(view[start:end], known if reuse else keys, hi - lo)
        if got is not None:
            keys, rows = got
            nan = np.isnan(rows)  # (keys, lines): a key absent or null on a line
            gaps = bool(nan.any())
            if gaps and nan.all(axis=0).any():
                got = None  # (a line with no number, `{}` or all null: the per-line path keeps no record)
        if got is not None:
            # (the next piece starts with the keys this one has: a key met once is not carried on)
            known = [k for k, on in zip(keys, ~nan.all(axis=1), strict=True) if on] if gaps else keys
            if stretch is None or stretch.keys != keys:
                flush()
                stretch = _Stretch(keys, line, nlines - lo)
            stretch.add(rows, gaps)
        else:
            flush()
            out.extend(per_piece(block[start:end], line))
        lo = hi
    flush()
    return out
