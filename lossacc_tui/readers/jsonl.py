"""JSON lines: one object per line with numeric fields; nested dicts are flattened with `/`.

A block of 32 lines or more (a backlog, 1 MB at a time) of a log past its first MB is decoded by
msgspec in one call into one typed object per line (`_typed`), a large backlog by polars when
installed (`bulk`); a small log, a few lines (a live writer's) and any block either path cannot
read exactly go line by line through orjson (and Python's json for NaN/Infinity), which records a
problem per bad line. Format: https://jsonlines.org,
numbers as RFC 8259 section 6."""

from __future__ import annotations

import json
import math
import sys
from operator import attrgetter
from typing import Any

import numpy as np
import orjson

from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.csvlike import EPOCH_NAMES, STEP_NAMES, TIME_NAMES
from lossacc_tui.readers.registry import register

_NAN = math.nan
#: msgspec decoders of lines whose keys are a subset of these (the first line's, in its order), by them
_DECODERS: dict[tuple[str, ...], Any] = {}
TYPED = True  # tests turn msgspec's typed decode off to compare it with the per-line path
#: Bytes of blocks a reader reads line by line before it imports msgspec for its typed decode: the
#: import costs about 40 ms of CPU, the typed decode saves about 40 ms per MB over the per-line path
#: (12 against 53 ms for 1 MB of 5-number lines), so a small log (and a first frame) is read sooner
#: without it. Once msgspec is imported (by any reader), every large enough block uses it.
TYPED_AFTER = 1 << 20


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


@register
class JsonlReader(Reader):
    format_id = "jsonl"

    def __init__(self) -> None:
        super().__init__()
        self._gate = bulk.Gate(small_blocks=True)
        self._seen = 0  # bytes of blocks read so far (TYPED_AFTER)

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
        """Flat objects whose first line has only numbers (the usual log): a large block of a
        backlog goes to polars (`bulk`; with `whole`, only there), any other block to msgspec's typed
        decode (`_typed`). Anything else returns None and takes the per-line path."""
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
        ):
            return None  # not flat and numeric (a null in the first line: the per-line path's key order)
        keys = list(obj)
        if first.count(b'"') == 2 * len(obj) and b"\\" not in first and (whole or self._gate.open(block)):
            # (quotes only around keys, no escape: what bulk.jsonl_values checks on every line)
            columns = bulk.jsonl_values(block, keys)
            if columns is not None:
                return _columns_batch(keys, columns, None, first_line)
        if whole:
            return None
        self._seen += len(block)
        if self._seen < TYPED_AFTER and "msgspec" not in sys.modules:
            return None  # (a small log: msgspec's import would cost more than it saves)
        return _typed(block, keys, first_line)

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


def _decoder(keys: tuple[str, ...]) -> Any:
    """A msgspec decoder of JSON lines that are objects with some of `keys` (each a number or null;
    absent and null become NaN), refusing any other key (`forbid_unknown_fields`: a key not seen on
    the block's first line makes the block take the per-line path, so no value is dropped unseen),
    or None when msgspec is missing or cannot name a field after a key."""
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


def _typed(block: bytes, keys: list[str], first_line: int) -> Batch | None:
    """The records of a block of lines, each one JSON object ending its line, decoded by msgspec in
    one call straight into one typed object per line (no dict per line, no float per value kept),
    then into one float64 column per key; the records the per-line path makes of the same lines
    (tests/test_jsonl_typed.py compares both on every real log). `keys`: the first line's keys,
    each with a number there. None (the per-line path then) when a line has a key the first has not,
    a value that is not a number or null (a string, true, a nested object, NaN), is not one object
    ending its line (a blank line, two objects, a line end in a string), or is not JSON."""
    if not TYPED:
        return None
    a = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(a == 10)
    last = a.take(ends - 1)
    if not ((last == 125) | ((last == 13) & (a.take(ends - 2) == 125))).all():
        return None  # a line not ending with its object `}` (and CR LF or LF): a blank line, ...
    nlines = len(ends)
    decoder = _decoder(tuple(keys))
    if decoder is None:
        return None
    import msgspec

    try:
        rows = decoder.decode_lines(block)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if len(rows) != nlines:
        return None  # (two objects on one line: every line ends with one, so there would be more)
    n = len(rows)
    columns = [np.fromiter(map(attrgetter(f"f{i}"), rows), np.float64, count=n) for i in range(len(keys))]
    del rows
    present = [~np.isnan(c) for c in columns]
    if all(p.all() for p in present):
        return _columns_batch(keys, columns, None, first_line)
    if not np.logical_or.reduce(present).all():
        return None  # a line with no number (`{}`, all null): the per-line path keeps no record of it
    return _columns_batch(keys, columns, present, first_line)


def _columns_batch(
    keys: list[str], columns: list[np.ndarray], present: list[np.ndarray] | None, first_line: int
) -> Batch:
    """A batch of one column per key (rows: consecutive lines from `first_line`); `present`: per
    column, where a value is (None: everywhere)."""
    n = len(columns[0])
    batch = Batch(n=n, values={}, present={}, line=np.arange(first_line, first_line + n))
    for i, (k, col) in enumerate(zip(keys, columns, strict=True)):
        JsonlReader._place(batch, k, col, None if present is None else present[i])
    return batch
