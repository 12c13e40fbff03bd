"""JSON lines: one object per line with numeric fields; nested dicts are flattened with `/`."""

from __future__ import annotations

import json
import math

import numpy as np
import orjson

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.csvlike import EPOCH_NAMES, STEP_NAMES, TIME_NAMES
from lossacc_tui.readers.registry import register

try:
    from lossacc_tui.readers.fastnum import parse_numeric_rows
except ImportError:  # pragma: no cover - the fast path is optional
    parse_numeric_rows = None  # type: ignore[assignment]

_NAN = math.nan
#: Bytes a JSON number can contain; deleting them leaves a line's "skeleton" (keys and punctuation).
_NUMBER_BYTES = b"0123456789.-+eE"
_PUNCTUATION = np.zeros(256, dtype=bool)
_PUNCTUATION[list(b"{}: \t")] = True


def flatten(obj: dict[str, object], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a (nested) JSON object; bools and strings are not metrics."""
    out: dict[str, float] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            out[key] = float(v)
        elif isinstance(v, dict):
            out.update(flatten(v, key + "/"))
    return out


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


@register
class JsonlReader(Reader):
    format_id = "jsonl"

    def __init__(self) -> None:
        super().__init__()
        self._gate = bulk.Gate(small_blocks=True)

    def backlog_chunk(self, left: int) -> int | None:
        """Bytes `Source.read_all` reads at once from the `left` bytes of a file (all of a large
        backlog, when polars can parse it)."""
        return bulk.backlog_chunk(left)

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = [ln.strip() for ln in head.splitlines()[:20] if ln.strip()]
        if not lines or not lines[0].startswith("{"):
            return 0.0
        ok = 0
        for ln in lines[:-1] or lines:
            try:
                obj = orjson.loads(ln)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict) and obj and any(isinstance(v, list) for v in obj.values()):
                return 0.1  # a dict of lists is a whole document (a Keras History), not a record
            if isinstance(obj, dict) and obj and all(isinstance(v, dict) for v in obj.values()):
                return 0.1  # pandas to_json() column-oriented export
            ok += isinstance(obj, dict)
        if ok == 0:
            return 0.0
        return 0.9 if name.lower().endswith((".jsonl", ".ndjson")) else 0.75

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        """A large block (a backlog read at once) goes to polars whole when it can, else in pieces
        of about 1 MB, as if it had been read 1 MB at a time."""
        if len(block) <= bulk.PIECE:
            return self._block(block, first_line)
        if self._gate.open(block):
            whole = self._fast(block, first_line, whole=True)
            if whole is not None:
                return [whole]
        return [b for piece, k in bulk.pieces(block, first_line) for b in self._block(piece, k)]

    def _block(self, block: bytes, first_line: int) -> list[Batch]:
        fast = self._fast(block, first_line)
        if fast is not None:
            return [fast]
        lines = block.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        objs: list[object] | None = None
        if lines and all(lines):
            try:
                objs = orjson.loads(b"[" + b",".join(lines) + b"]")
            except orjson.JSONDecodeError:
                objs = None
        rows: list[dict[str, float]] = []
        nums: list[int] = []
        if objs is not None and len(objs) == len(lines):
            for k, o in enumerate(objs):
                self._add(o, first_line + k, rows, nums)
        else:
            for k, raw in enumerate(lines):
                if not raw.strip():
                    continue
                try:
                    o = orjson.loads(raw)
                except orjson.JSONDecodeError as e:
                    try:  # Python's json.dumps writes NaN and Infinity, which strict JSON lacks
                        o = json.loads(raw)
                    except (ValueError, RecursionError):
                        self.problem(first_line + k, f"not a JSON object: {str(e).split(':', 1)[0]}")
                        continue
                self._add(o, first_line + k, rows, nums)
        return [self._batch(rows, nums)] if rows else []

    def _fast(self, block: bytes, first_line: int, whole: bool = False) -> Batch | None:
        """Flat objects with the same keys in the same order on every line (the usual log): a
        large block of a backlog goes to polars (`bulk`; with `whole`, only there), any other block
        is checked to have the first line's skeleton on every line, its keys cut out, and its
        numbers parsed as one numeric table. Anything else returns None and takes the per-line path."""
        few = not whole and block.count(b"\n", 0, bulk.SMALL_BLOCK_BYTES) < bulk.SMALL_BLOCK
        if few or not block.endswith(b"\n"):
            return None  # (a few lines, as a live writer adds them: the per-line path costs less)
        end = block.find(b"\n")
        first = block[:end]
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            return None
        if (
            not isinstance(obj, dict)
            or not obj
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in obj.values())
            or first.count(b'"') != 2 * len(obj)
            or b"\\" in first
        ):
            return None  # not flat and numeric, or quotes not only around keys, or an escape
        keys = list(obj)
        columns = bulk.jsonl_values(block, keys) if whole or self._gate.open(block) else None
        if columns is None and not whole:
            table = self._skeleton_table(block, first, len(keys))
            columns = None if table is None else [table[:, i] for i in range(len(keys))]
        if columns is None:
            return None
        n = len(columns[0])
        batch = Batch(n=n, values={}, present={}, line=np.arange(first_line, first_line + n))
        for k, col in zip(keys, columns, strict=True):
            self._place(batch, k, col, None)
        return batch

    @staticmethod
    def _skeleton_table(block: bytes, first: bytes, nkeys: int) -> np.ndarray | None:
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
        drop = np.cumsum(edge[:-1], dtype=np.int8).view(bool) | _PUNCTUATION[b]
        numbers = b[~drop]
        if not _json_numbers(numbers):
            return None  # `+1`, `.5`, `5.`, `01`: the numeric parser reads them, JSON does not
        parsed = parse_numeric_rows(numbers.tobytes(), nkeys)
        if parsed is None:
            return None
        values, present = parsed
        return values if present.all() else None

    def _add(self, o: object, lineno: int, rows: list[dict[str, float]], nums: list[int]) -> None:
        if not isinstance(o, dict):
            self.problem(lineno, "a JSON value that is not an object")
            return
        flat = (
            flatten(o)
            if any(isinstance(v, dict) for v in o.values())
            else {
                k: float(v) for k, v in o.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
        )
        if flat:
            rows.append(flat)
            nums.append(lineno)

    def _batch(self, rows: list[dict[str, float]], nums: list[int]) -> Batch:
        n = len(rows)
        first = rows[0].keys()
        same = all(r.keys() == first for r in rows)
        keys: dict[str, None] = dict.fromkeys(first)
        if not same:
            for r in rows:
                keys.update(dict.fromkeys(r))
        batch = Batch(n=n, values={}, present={}, line=np.array(nums, dtype=np.int64))
        for k in keys:
            col = np.fromiter((r.get(k, _NAN) for r in rows), dtype=np.float64, count=n)
            present = None if same else np.fromiter((k in r for r in rows), dtype=bool, count=n)
            self._place(batch, k, col, present)
        return batch

    @staticmethod
    def _place(batch: Batch, key: str, col: np.ndarray, present: np.ndarray | None) -> None:
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
