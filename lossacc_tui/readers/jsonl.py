"""JSON lines: one object per line with numeric fields; nested dicts are flattened with `/`."""

from __future__ import annotations

import math

import numpy as np
import orjson

from lossacc_tui.model import Batch
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.csvlike import EPOCH_NAMES, STEP_NAMES, TIME_NAMES
from lossacc_tui.readers.registry import register

_NAN = math.nan


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
                    self.problem(first_line + k, f"not a JSON object: {str(e).split(':', 1)[0]}")
                    continue
                self._add(o, first_line + k, rows, nums)
        return [self._batch(rows, nums)] if rows else []

    def _add(self, o: object, lineno: int, rows: list[dict[str, float]], nums: list[int]) -> None:
        if not isinstance(o, dict):
            self.problem(lineno, "a JSON value that is not an object")
            return
        flat = flatten(o) if any(isinstance(v, dict) for v in o.values()) else {
            k: float(v) for k, v in o.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
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
            low = k.lower()
            present = None if same else np.fromiter((k in r for r in rows), dtype=bool, count=n)
            if low in EPOCH_NAMES and batch.epoch is None:
                batch.epoch = col
            elif low in STEP_NAMES and batch.step is None:
                batch.step = col
            elif low in TIME_NAMES and batch.time is None:
                batch.time = col
            else:
                batch.values[k] = col
                batch.present[k] = present
        return batch
