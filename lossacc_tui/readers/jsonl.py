"""JSON lines: one object per line with numeric fields; nested dicts are flattened with `/`.

A block of 32 lines or more goes to one of the column paths of `jsonl_columns`: past a log's first
4 MB (or once msgspec is imported) msgspec's typed decode, before that numpy's skeleton table. A
backlog past 4 MB is read at once (`backlog_chunk`) and decoded in 256 KiB pieces into one batch
per stretch of same-key pieces (`jsonl_backlog`), with or without the `fast` extra (polars). A few
lines (a live writer's) and any block those paths cannot read exactly go line by line through
orjson (and Python's json for NaN/Infinity), which records a problem per bad line. Format:
https://jsonlines.org, numbers as RFC 8259 section 6."""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import numpy as np
import orjson

from lossacc_tui.clean import clean_name
from lossacc_tui.model import Batch
from lossacc_tui.readers import bulk, jsonvalue
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.join import join_batches
from lossacc_tui.readers.jsonl_backlog import flat_keys, read_backlog
from lossacc_tui.readers.jsonl_columns import columns_batch, place, skeleton_table, typed
from lossacc_tui.readers.numstr import string_number
from lossacc_tui.readers.registry import register
from lossacc_tui.roles import classify

_NAN = math.nan
TYPED = True  # tests turn msgspec's typed decode off to test the numpy path
#: Bytes of blocks a reader reads with numpy (`skeleton_table`) before it imports msgspec for its
#: typed decode: the import costs about 40 ms of CPU, the typed decode saves about 13 ms per MB over
#: numpy (12 against 25 ms for 1 MB of 5-number lines; the per-line path 53 ms), so it pays from
#: about 3 MB: a small log (and a first frame) is read sooner without it. Once msgspec is imported
#: (by any reader), every large enough block uses it.
TYPED_AFTER = 4 << 20


def flatten(
    obj: dict[str, object], prefix: str = "", strings: dict[str, str] | None = None
) -> dict[str, float]:
    """Numeric leaves of a (nested) JSON object; bools are not metrics. String leaves are left
    out, or with `strings` given, go there (key -> text) and hold their place in the result as NaN."""
    out: dict[str, float] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            out[key] = float(v)
        elif isinstance(v, dict):
            out.update(flatten(v, key + "/", strings))
        elif isinstance(v, str) and strings is not None:
            strings[key] = v
            out[key] = _NAN
    return out


def _settings(o: dict[str, object], flat: dict[str, float]) -> bool:
    """Whether a log's first record is its settings (`{"config": {"lr": 0.01, ...}}`, a script's
    arguments dumped first): no number at its top level (no epoch or step: it is at no x) and no
    leaf named as a loss or an accuracy. Read as a record it would be a one-point series with no
    epoch, and the run would lose its epoch axis (`model._epoch_missing`)."""
    if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in o.values()):
        return False
    return not any(
        ((c := classify(k)) is not None and c[1] in ("loss", "acc"))
        or "loss" in k.lower()
        or "acc" in k.lower()
        for k in flat
    )


def _has_msgspec() -> bool:
    """Whether msgspec is installed (a dependency; found without importing it)."""
    if "msgspec" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("msgspec") is not None
    except (ImportError, ValueError):  # a broken install, or msgspec blocked in sys.modules
        return False


@register
class JsonlReader(Reader):
    format_id = "jsonl"

    def __init__(self) -> None:
        super().__init__()
        self._seen = 0  # bytes of blocks read so far (TYPED_AFTER)
        self._string_keys: set[tuple[str, bool]] = set()  # (key, not a number) told (`_strings`)
        self._records = 0  # records kept so far (a settings record is looked for before the first)

    def backlog_chunk(self, left: int) -> int | None:
        """Bytes `Source.read_all` reads at once from the `left` bytes of a file: all of a backlog
        of at least `TYPED_AFTER` bytes (up to `bulk.BACKLOG_READ`), which msgspec decodes in pieces
        into one batch per stretch of same-key pieces (a run then keeps its columns without
        copying); else None (the caller's 1 MB reads). polars is not asked: on 1,000,000 lines its
        `read_ndjson` took as much CPU as this path, plus its import (bench_readers)."""
        if TYPED and left >= TYPED_AFTER and _has_msgspec():
            return bulk.BACKLOG_READ
        return None

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        """A JSON lines log: its first lines objects. An object whose values are all lists or all
        objects is a whole document (a Keras History, pandas `to_json()`), unless record lines
        follow it: then it is a run's config written first (`{"config": {...}}`), which the reader
        reads past as any record, so a folder scan takes the file as the named file is read."""
        lines = [ln.strip() for ln in head.splitlines()[:20] if ln.strip()]
        if not lines or not lines[0].startswith("{"):
            return 0.0
        ok = docs = 0
        whole = lines if head.endswith("\n") else lines[:-1]  # (the last line may be cut)
        for ln in whole or lines:
            try:  # (NaN, Infinity read as numbers: a run NaN from its first record writes them)
                obj = jsonvalue.loads(ln)
            except ValueError:
                continue
            if not isinstance(obj, dict) or not obj:
                continue
            if any(isinstance(v, list) for v in obj.values()) or all(
                isinstance(v, dict) for v in obj.values()
            ):
                docs += 1  # a dict of lists (Keras History) or of dicts (pandas column export)
            else:
                ok += 1
        if ok == 0:
            return 0.1 if docs else 0.0
        return 0.9 if name.lower().endswith((".jsonl", ".ndjson")) else 0.75

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        """A large block (a backlog read at once) is read in pieces, with the records of the block
        read 1 MB at a time: past a log's first `TYPED_AFTER` bytes by `jsonl_backlog` (256 KiB
        pieces, a stretch of decoded pieces in one batch), before that in 1 MB pieces joined."""
        if len(block) <= bulk.PIECE:
            return self._block(block, first_line)
        if len(block) >= TYPED_AFTER:
            self._seen = max(self._seen, TYPED_AFTER)  # (a large backlog: msgspec pays from the start)
        if TYPED and (self._seen >= TYPED_AFTER or "msgspec" in sys.modules) and _has_msgspec():
            self._seen += len(block)
            return join_batches(read_backlog(block, first_line, self._per_line))
        pieces = bulk.pieces(block, first_line)
        return join_batches([b for piece, k in pieces for b in self._block(piece, k)])

    def _block(self, block: bytes, first_line: int) -> list[Batch]:
        fast = self._fast(block, first_line)
        return [fast] if fast is not None else self._per_line(block, first_line)

    def _per_line(self, block: bytes, first_line: int) -> list[Batch]:
        """Every line through orjson (a problem recorded per bad line), one batch of the records."""
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

    def _fast(self, block: bytes, first_line: int) -> Batch | None:
        """Flat objects whose first line has only numbers (the usual log): past a log's first
        `TYPED_AFTER` bytes msgspec's typed decode (`typed`), before that numpy's skeleton table.
        Anything else returns None and takes the per-line path."""
        if block.count(b"\n", 0, bulk.SMALL_BLOCK_BYTES) < bulk.SMALL_BLOCK or not block.endswith(b"\n"):
            return None  # (a few lines, as a live writer adds them: the per-line path costs less)
        first = block[: block.find(b"\n")]
        keys = flat_keys(first)
        if keys is None:
            return None  # not flat and numeric (a null in the first line: the per-line path's key order)
        self._seen += len(block)
        if TYPED and (self._seen >= TYPED_AFTER or "msgspec" in sys.modules):
            return typed(block, keys, first_line)
        # (a small log: msgspec's import would cost more than it saves; numpy reads a block whose
        # lines all have the first one's keys and punctuation, quotes only around keys)
        simple = first.count(b'"') == 2 * len(keys) and b"\\" not in first
        table = skeleton_table(block, first, len(keys)) if simple else None
        if table is None:
            return None
        return columns_batch(keys, [table[:, i] for i in range(len(keys))], None, first_line)

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
        if len(flat) < len(o):
            flat = self._strings(o, lineno)
        if flat and not self._records and _settings(o, flat):
            names = ", ".join(list(flat)[:3])
            self.problem(lineno, f"a record of settings before the metrics ({names}): not read as metrics")
            return
        if flat:
            rows.append(flat)
            nums.append(lineno)
            self._records += 1

    def _strings(self, o: dict[str, object], lineno: int) -> dict[str, float]:
        """`flatten(o)` reading string values too (`json.dumps(default=str)` writes a numpy float32
        as `"0.8983"`, a torch tensor as `"tensor(0.8983)"`): one that is exactly a number is read
        (`numstr`), and said once per key; another under a metric's name (`roles.classify`) is said
        once per key, not read. Other strings (`"phase": "train"`) are tags, not metrics."""
        strings: dict[str, str] = {}
        flat = flatten(o, strings=strings)
        for key, text in strings.items():
            got = string_number(text)
            if got is not None:
                flat[key] = got[0]
                how = "printed tensors" if got[1] == "tensor" else "strings"
                message = (
                    f"{clean_name(key)!r}: its numbers are written as {how} ({text[:40]!r}), read as numbers"
                )
            else:
                del flat[key]
                if classify(key) is None:
                    continue
                message = f"{clean_name(key)!r}: a string value that is no number ({text[:40]!r}), not read"
            if (key, got is None) not in self._string_keys:
                self._string_keys.add((key, got is None))
                self.problem(lineno, message)
        return flat

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
            place(batch, k, col, present)
        return batch
