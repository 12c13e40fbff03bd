"""HuggingFace Trainer `trainer_state.json`: the `log_history` list as step/epoch records."""

from __future__ import annotations

import math
import operator
import os
import re
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.jsondoc import BATCH_ROWS, JsonDocumentReader, Row, number
from lossacc_tui.readers.layouts import Claim, register_layout
from lossacc_tui.readers.registry import register

#: Keys that are x values, or the Trainer's throughput counters rather than learning metrics.
_NOT_METRICS = frozenset({"step", "epoch", "total_flos", "num_input_tokens_seen"})
_THROUGHPUT = ("_runtime", "_samples_per_second", "_steps_per_second")
#: A key only the Trainer's final summary entry has.
_SUMMARY = "train_runtime"
CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)$")
_KEY = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:')  # a key of a flat entry
STATE = "trainer_state.json"


@register
class HFTrainerStateReader(JsonDocumentReader):
    """`log_history` of a HuggingFace `trainer_state.json`: train entries (`loss`, `learning_rate`,
    `grad_norm`) and eval entries (`eval_*`), each with its `step` and (fractional) `epoch`.

    The final summary entry (`train_runtime`, `train_loss`, ...) is skipped: its `train_loss` is
    the mean over the whole run, not a point of the curve, and under that name it would compete
    with `loss` for the train-loss role. Runtime and samples-per-second counters are skipped too.
    """

    format_id: ClassVar[str] = "hf-trainer-state"
    list_key: ClassVar[bytes | None] = b"log_history"  # streamed: 200 MB in seconds, not gigabytes

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        text = head.lstrip("\ufeff \t\r\n")
        if not text.startswith("{"):
            return 0.0
        named = name.replace("\\", "/").rsplit("/", 1)[-1].endswith("trainer_state.json")
        if '"log_history"' in text:
            return 0.98 if named or re.search(r'"(global_step|best_metric)"\s*:', text) else 0.85
        return 0.6 if named else 0.0

    def rows(self, doc: Any) -> list[Row]:
        history = doc.get("log_history") if isinstance(doc, dict) else None
        if not isinstance(history, list):
            self.once("no log_history list: not a trainer_state.json")
            return []
        out: list[Row] = []
        for entry in history:
            row = self.entry_row(entry)
            if row is not None:
                out.append(row)
        return out

    def entry_row(self, entry: Any) -> Row | None:
        """One `log_history` entry as a record (None: the summary entry, or nothing to plot)."""
        if not isinstance(entry, dict):
            self.once("log_history holds something other than objects; skipped")
            return None
        if _SUMMARY in entry:
            self.ended = True  # (the Trainer writes it once, when `train()` returns)
            return None
        values: dict[str, float] = {}
        for key, value in entry.items():
            if key in _NOT_METRICS or key.endswith(_THROUGHPUT):
                continue
            v = number(value)
            if v is not None and value is not None:
                values[key] = v
        if not values:
            return None
        step, epoch = number(entry.get("step")), number(entry.get("epoch"))
        return (values, _x(step), _x(epoch))

    def __init__(self) -> None:
        super().__init__()
        self._keys: list[bytes] = []  # the entries' keys seen so far, in order of first sight
        self._decoder: Any = None  # a msgspec decoder of entries with exactly those keys

    def plain_batches(self, raw: memoryview) -> list[Batch] | None:
        """The records of a block of entries decoded by msgspec straight into one typed object per
        entry (a field per key seen, each a number or null) and from those into columns, without a
        dict per entry (in the same run, about twice as fast as orjson's dicts and building columns
        from them: benchmarks/bench_reliability.py). None (the dict path then) when a value is
        anything but a number or null (msgspec refuses it: a string, a list, true/false, NaN) or a
        key is not simple; a key first seen in a block adds a field (the decoder refuses a key it
        has no field for, so none is dropped unseen)."""
        try:
            import msgspec
        except ImportError:  # (a dependency; an install without it reads through dicts)
            return None
        doc = b"".join((b"[", raw, b"]"))
        objs = None
        for _ in range(2):  # (again once the block's new keys have fields)
            if self._decoder is None and not self._learn_keys(doc):
                return None
            try:
                objs = self._decoder.decode(doc)
                break
            except msgspec.ValidationError as e:
                if "unknown field" not in str(e) or not self._learn_keys(doc):
                    return None
            except msgspec.DecodeError:
                return None
        if objs is None:
            return None
        n = len(objs)
        cols = {
            k.decode(): np.fromiter(map(attrgetter(f"f{i}"), objs), dtype=np.float64, count=n)
            for i, k in enumerate(self._keys)
        }
        del objs
        summary = cols.pop(_SUMMARY, None)  # the final summary entry: no record
        keep = None if summary is None else np.isnan(summary)
        if keep is not None and not keep.all():
            self.ended = True  # (the Trainer writes it once, when `train()` returns)
        out: list[Batch] = []
        for a in range(0, n, BATCH_ROWS):
            part = {k: c[a : a + BATCH_ROWS] for k, c in cols.items()}
            batch = _batch(part, None if keep is None else keep[a : a + BATCH_ROWS])
            out += [] if batch is None else [batch]
        return out

    def _learn_keys(self, doc: bytes) -> bool:
        """Give the decoder a field for every key in the block (it refuses a block with a key it
        has no field for, so no value is dropped unseen); False when a key is not simple."""
        found = dict.fromkeys(_KEY.findall(doc))
        if not all(map(_simple_key, found)):
            return False  # (an escape, a control character or bad UTF-8 in a key: the dict path)
        new = [k for k in found if k not in self._keys]
        if not new and self._decoder is not None:
            return False
        import msgspec

        self._keys += new
        # absent: NaN (a null is None, which becomes NaN too: null means absent, as pandas writes it)
        fields = [(f"f{i}", float | None, math.nan) for i in range(len(self._keys))]
        rename = {f"f{i}": k.decode() for i, k in enumerate(self._keys)}
        try:
            entry = msgspec.defstruct("Entry", fields, rename=rename, gc=False, forbid_unknown_fields=True)
        except (ValueError, TypeError):
            self._keys = self._keys[: len(self._keys) - len(new)]
            return False
        self._decoder = msgspec.json.Decoder(list[entry])
        return True

    def entry_batches(self, entries: list[Any], plain: bool = False) -> list[Batch]:
        """The same records as `entry_row`; when every value is a number or null (`plain`), built
        column by column (a 200 MB history in seconds)."""
        if not plain or set(map(type, entries)) - {dict}:
            return super().entry_batches(entries)
        out: list[Batch] = []
        for a in range(0, len(entries), BATCH_ROWS):
            batch = _columns(entries[a : a + BATCH_ROWS])
            out += [] if batch is None else [batch]
        return out


def _simple_key(key: bytes) -> bool:
    """A key msgspec can name a field after: valid UTF-8, no escape, quote or control character."""
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isprintable() and "\\" not in text and '"' not in text


def _columns(entries: list[dict[str, Any]]) -> Batch | None:
    """A Batch of the records of flat entries whose values are all numbers or null, null meaning
    absent (None: no record in them; the summary entry is none). Entries are grouped by their keys
    (a Trainer writes a few shapes: train, eval), and each group becomes one float64 matrix in one
    `np.fromiter`; null becomes NaN there, and as the values hold no NaN of their own (a `NaN`
    literal makes a block not plain), NaN marks absence."""
    n = len(entries)
    shapes = list(map(tuple, entries))
    code = {keys: c for c, keys in enumerate(dict.fromkeys(shapes))}
    codes = np.fromiter(map(code.__getitem__, shapes), dtype=np.intp, count=n)
    cols: dict[str, np.ndarray] = {}
    for keys, c in code.items():
        idx = np.flatnonzero(codes == c)
        if _SUMMARY in keys:
            continue  # the summary entry: no record (its rows stay NaN, so not taken)
        group = (
            entries
            if len(idx) == n
            else [entries[idx[0]]]
            if len(idx) == 1
            else operator.itemgetter(*idx.tolist())(entries)
        )
        flat = chain.from_iterable(map(dict.values, group))
        matrix = np.fromiter(flat, dtype=np.float64, count=len(idx) * len(keys)).reshape(len(idx), len(keys))
        for j, key in enumerate(keys):
            col = cols.get(key)
            if col is None:
                col = cols[key] = np.full(n, np.nan)
            col[idx] = matrix[:, j]
    return _batch(cols, None)


def _batch(cols: dict[str, np.ndarray], keep: np.ndarray | None) -> Batch | None:
    """The records of columns of entries (NaN: absent), rows where `keep` is False left out (None:
    all kept); None when no row holds a metric."""
    n = len(next(iter(cols.values()))) if cols else 0
    metrics = sorted(k for k in cols if k not in _NOT_METRICS and not k.endswith(_THROUGHPUT))
    present = {k: ~np.isnan(cols[k]) for k in metrics}
    has = np.zeros(n, dtype=bool)
    for m in present.values():
        has |= m
    if keep is not None:
        has &= keep
    if not has.any():
        return None
    rows = np.flatnonzero(has)
    nan = np.full(len(rows), np.nan)
    values = {k: cols[k][rows] for k in metrics if present[k][rows].any()}
    return Batch(
        n=len(rows),
        values=values,
        present={k: (None if present[k][rows].all() else present[k][rows]) for k in values},
        step=cols["step"][rows] if "step" in cols else nan,
        epoch=cols["epoch"][rows] if "epoch" in cols else nan.copy(),
        line=np.zeros(len(rows), dtype=np.int64),
    )


def _x(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else v


@register_layout("hf-trainer-state")
def checkpoints_layout(folder: Path) -> list[Claim]:
    """A Trainer's output folder (its `trainer_state.json`, its checkpoints', or both), named by the
    folder: each `checkpoint-N/trainer_state.json` is a copy of the same
    history, each longer than the last. One run, read from the newest copy (the folder's own
    `trainer_state.json` when there is one: the Trainer writes it last); the others are covered.
    Through the one discovery hook (`readers.layouts`): the first scan and the follower agree."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = [(int(m.group(1)), folder / n / STATE) for n in names if (m := CHECKPOINT_DIR.match(n))]
    copies = [p for _, p in sorted(found) if p.is_file()]
    own = folder / STATE
    if not copies and (not own.is_file() or CHECKPOINT_DIR.match(folder.name)):
        return []  # (a checkpoint's own copy is its parent folder's run)
    # (a folder with its own trainer_state.json and no checkpoint yet is the same run, named the
    # same: a follower started before the first checkpoint and `check` after it agree)
    newest = own if own.is_file() else copies[-1]
    return [
        Claim(
            folder,
            HFTrainerStateReader.format_id,
            [(newest, HFTrainerStateReader)],
            {own, *copies},
            joined=False,
            successive=True,
        )
    ]
