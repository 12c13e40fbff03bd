"""Two ways to read a block of JSON lines into columns without a dict per line, each returning None
for any block it cannot read exactly as the per-line path (readers/jsonl.py) would:

- `typed`: msgspec decodes the block in one call into one typed object per line (a Struct made from
  the first line's keys), then one float64 column per key. About 12 ms of CPU per MB of 5-number
  lines, after msgspec's import (about 40 ms).
- `skeleton_table`: when every line has the first line's "skeleton" (its keys and punctuation), the
  keys are cut out with numpy and the numbers parsed as one numeric table (readers/fastnum.py).
  About 25 ms per MB, no import.

Format: https://jsonlines.org, numbers as RFC 8259 section 6.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.csvlike import EPOCH_NAMES, STEP_NAMES, TIME_NAMES
from lossacc_tui.readers.struct_columns import struct_columns

try:
    from lossacc_tui.readers.fastnum import parse_numeric_rows
except ImportError:  # pragma: no cover - the fast path is optional
    parse_numeric_rows = None  # type: ignore[assignment]

#: Bytes a JSON number can contain; deleting them leaves a line's "skeleton" (keys and punctuation).
_NUMBER_BYTES = b"0123456789.-+eE"
_PUNCTUATION = np.zeros(256, dtype=bool)
_PUNCTUATION[list(b"{}: \t")] = True
_NUMBER = np.zeros(256, dtype=bool)
_NUMBER[list(_NUMBER_BYTES)] = True
#: Keys a block's typed decode may add to its first line's (`typed_table`)
MORE_KEYS = 16
#: msgspec's message for a key its Struct has not (`forbid_unknown_fields`); the key as decoded
_UNKNOWN = re.compile(r"Object contains unknown field `(.*)` - at `\$\[\d+\]`\Z", re.DOTALL)
#: msgspec decoders of lines whose keys are a subset of these (the first line's, in its order), by them
_DECODERS: dict[tuple[str, ...], Any] = {}


def _decoder(keys: tuple[str, ...]) -> Any:
    """A msgspec decoder of JSON lines that are objects with some of `keys` (each a number or null;
    absent and null become NaN), refusing any other key (`forbid_unknown_fields`: `typed_table` adds
    a key it is told of and decodes again, up to a limit, after which the block takes the per-line
    path, so no value is dropped unseen), or None when msgspec is missing or cannot name a field
    after a key."""
    if keys in _DECODERS:
        return _DECODERS[keys]
    try:
        import msgspec
    except ImportError:  # (a dependency; an install without it reads line by line)
        return None
    fields = [(f"f{i}", float | None, math.nan) for i in range(len(keys))]
    rename = {f"f{i}": k for i, k in enumerate(keys)}
    try:
        row = msgspec.defstruct("Line", fields, rename=rename, gc=False, forbid_unknown_fields=True)
        decoder: Any = msgspec.json.Decoder(row)
    except (ValueError, TypeError):
        decoder = None
    if len(_DECODERS) > 64:  # (a log whose keys keep changing: bounded)
        _DECODERS.clear()
    _DECODERS[keys] = decoder
    return decoder


def typed(block: bytes, keys: list[str], first_line: int) -> Batch | None:
    """The records of a block of lines, each one JSON object ending its line, decoded by msgspec in
    one call straight into one typed object per line (no dict per line, no float per value kept),
    then into one float64 column per key; the records the per-line path makes of the same lines
    (tests/test_jsonl_typed.py compares both on every real log). `keys`: the first line's keys,
    each with a number there; keys first met on later lines are added (`typed_table`). None (the
    per-line path then) when a line has a value that is not a number or null (a string, true, a
    nested object, NaN), is not one object ending its line (a blank line, two objects, a line end in
    a string), is not JSON, or the block has too many keys beyond the first line's."""
    a = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(a == 10)
    last = a.take(ends - 1)
    if not ((last == 125) | ((last == 13) & (a.take(ends - 2) == 125))).all():
        return None  # a line not ending with its object `}` (and CR LF or LF): a blank line, ...
    got = typed_table(block, keys, len(ends))
    return None if got is None else table_batch(*got, first_line)


def typed_table(
    block: bytes | memoryview, keys: list[str], nlines: int, more: int = MORE_KEYS
) -> tuple[list[str], np.ndarray] | None:
    """The `nlines` lines of a block (each one JSON object ending its line, checked by the caller)
    decoded by msgspec in one call into one typed object per line, as (keys, float64 (keys, lines)
    table, each key's row contiguous: `struct_columns`), NaN where a key is absent or null. `keys`
    first, then up to `more` keys found on later lines (an evaluation line among training ones), in
    the order they first come, each found by decoding again; None when a line has a key beyond
    those, a value that is not a number or null, or is not JSON (see `typed`), or when two keys
    would name the same x (`step`, `global_step`)."""
    import msgspec

    keys = list(keys)
    while True:
        decoder = _decoder(tuple(keys))
        if decoder is None:
            return None
        try:
            rows = decoder.decode_lines(block)
            break
        except msgspec.ValidationError as e:
            new = _UNKNOWN.match(str(e))
            if new is None or new[1] in keys or more <= 0 or _two_x(keys, new[1]):
                return None
            keys.append(new[1])
            more -= 1
        except msgspec.DecodeError:
            return None
    if len(rows) != nlines:
        return None  # (two objects on one line: every line ends with one, so there would be more)
    return keys, struct_columns(rows, keys)


def _two_x(keys: list[str], new: str) -> bool:
    """Whether `new` names an x (epoch, step, wall time) that one of `keys` names already: which
    of them is the x then depends on the order the per-line path meets them in."""
    low = new.lower()
    names = next((n for n in (EPOCH_NAMES, STEP_NAMES, TIME_NAMES) if low in n), None)
    return names is not None and any(k.lower() in names for k in keys)


def table_batch(keys: list[str], table: np.ndarray, first_line: int) -> Batch | None:
    """The batch of a `typed_table`, each key's values where it is (a mask only where a key is
    absent or null on some line; a key on none of the lines is left out, as the per-line path has
    no column for it); None when a line has no number at all (`{}`, all null: the per-line path
    keeps no record of it, so such a block takes that path)."""
    if not np.isnan(table).any():
        return columns_batch(keys, list(table), None, first_line)
    present = ~np.isnan(table)
    if not present.any(axis=0).all():
        return None
    used = np.flatnonzero(present.any(axis=1)).tolist()
    keys = [keys[i] for i in used]
    columns = [table[i] for i in used]
    masks = [present[i] for i in used]
    if all(m.all() for m in masks):
        return columns_batch(keys, columns, None, first_line)
    return columns_batch(keys, columns, masks, first_line)


def skeleton_table(block: bytes, first: bytes, nkeys: int) -> np.ndarray | None:
    """The numbers of a block whose every line has `first`'s skeleton (keys and punctuation),
    as float64 (lines, nkeys); None if a line differs or a value is not a plain number."""
    if parse_numeric_rows is None:
        return None
    nlines = block.count(b"\n")
    if block.translate(None, _NUMBER_BYTES) != (first.translate(None, _NUMBER_BYTES) + b"\n") * nlines:
        return None
    # Same skeleton on every line, numbers only as values: every quote pair is a key. Drop the
    # keys and the punctuation, keep the numbers, the commas and the newlines.
    b = np.frombuffer(block, dtype=np.uint8)
    quotes = np.flatnonzero(b == 34)
    edge = np.zeros(len(b) + 1, dtype=np.int8)
    edge[quotes[0::2]] = 1
    edge[quotes[1::2] + 1] = -1
    inside = np.cumsum(edge[:-1], dtype=np.int8).view(bool)
    if not _same_keys(b, quotes.reshape(nlines, -1), first):
        return None  # `"top5"` where the first line has `"top1"`: the skeleton has no number bytes
    drop = inside | _PUNCTUATION[b]
    numbers = b[~drop]
    if _runs(_NUMBER[b] & ~inside) != _runs(_NUMBER[numbers]):
        return None  # two numbers in one value's place (`"a": 1 2`): they would read as one
    if not _json_numbers(numbers):
        return None  # `+1`, `.5`, `5.`, `01`: the numeric parser reads them, JSON does not
    parsed = parse_numeric_rows(numbers.tobytes(), nkeys)
    if parsed is None:
        return None
    values, present = parsed
    return values if present.all() else None


def _same_keys(b: np.ndarray, quotes: np.ndarray, first: bytes) -> bool:
    """Whether every line's keys are the first line's byte for byte, given that every line has the
    first's skeleton (its bytes but number bytes, in order) and `quotes` (lines, 2 keys) are the
    positions of each line's quotes in `b`: then the keys differ at most in their number bytes
    (`"top1"`, `"top5"`, the `e` of `"step"`), so their lengths and those bytes are compared."""
    lengths = quotes[:, 1::2] - quotes[:, 0::2]
    if not (lengths == lengths[0]).all():
        return False
    for j, (open_, close) in enumerate(quotes[0].reshape(-1, 2).tolist()):
        for k in range(open_ + 1, close):
            if _NUMBER[first[k]] and not (b[quotes[:, 2 * j] + (k - open_)] == first[k]).all():
                return False
    return True


def _runs(mask: np.ndarray) -> int:
    """How many runs of True a bool array has."""
    if not len(mask):
        return 0
    return int(mask[0]) + int(np.count_nonzero(mask[1:] & ~mask[:-1]))


def _json_numbers(a: np.ndarray) -> bool:
    """Whether the comma- and newline-separated numbers in bytes `a` (ending in a newline) have only
    the shapes JSON allows (RFC 8259 section 6): no `+` but in an exponent, a digit on both sides of
    a dot, no leading zero. The numeric parser checks the rest of the grammar."""
    digit = np.subtract(a, 48, dtype=np.uint8) <= 9
    plus = np.flatnonzero(a == 43)
    if len(plus) and not ((a[plus - 1] | 32) == 101).all():
        return False
    dots = np.flatnonzero(a == 46)
    if len(dots) and not (digit[dots - 1] & digit[np.minimum(dots + 1, len(a) - 1)]).all():
        return False
    first = np.flatnonzero((a[:-1] == 44) | (a[:-1] == 10)) + 1
    first = np.concatenate(([0], first[first < len(a) - 1]))
    first += a[first] == 45  # after a minus sign
    if (a[first] == 43).any():
        return False
    nxt = np.minimum(first + 1, len(a) - 1)
    return not ((a[first] == 48) & digit[nxt]).any()


def columns_batch(
    keys: list[str], columns: list[np.ndarray], present: list[np.ndarray] | None, first_line: int
) -> Batch:
    """A batch of one column per key (rows: consecutive lines from `first_line`); `present`: per
    column, where a value is (None: everywhere)."""
    n = len(columns[0])
    batch = Batch(n=n, values={}, present={}, line=np.arange(first_line, first_line + n))
    for i, (k, col) in enumerate(zip(keys, columns, strict=True)):
        place(batch, k, col, None if present is None else present[i])
    return batch


def place(batch: Batch, key: str, col: np.ndarray, present: np.ndarray | None) -> None:
    """A column goes to the batch's x (epoch, step, wall time) or to its metrics."""
    low = key.lower()
    if low in EPOCH_NAMES and batch.epoch is None:
        batch.epoch = col
    elif low in STEP_NAMES and batch.step is None:
        batch.step = col
    elif low in TIME_NAMES and batch.time is None:
        batch.time = col
    else:
        batch.values[key] = col
        batch.present[key] = present
