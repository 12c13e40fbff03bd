"""HuggingFace Trainer `trainer_state.json`: the `log_history` list as step/epoch records."""

from __future__ import annotations

import math
import os
import re
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

    def entry_batches(self, entries: list[Any], plain: bool = False) -> list[Batch]:
        """The same records as `entry_row`; when every value is a number or null (`plain`), built
        column by column (a 200 MB history in seconds)."""
        if not plain or not all(type(e) is dict for e in entries):
            return super().entry_batches(entries)
        out: list[Batch] = []
        for a in range(0, len(entries), BATCH_ROWS):
            batch = _columns([e for e in entries[a : a + BATCH_ROWS] if _SUMMARY not in e])
            out += [] if batch is None else [batch]
        return out


def _columns(entries: list[dict[str, Any]]) -> Batch | None:
    """A Batch of flat entries whose values are all numbers or null (None: no record in them)."""
    n = len(entries)
    keys: set[str] = set()
    for e in entries:
        keys.update(e)
    metrics = sorted(k for k in keys if k not in _NOT_METRICS and not k.endswith(_THROUGHPUT))
    cols = {k: [e.get(k) for e in entries] for k in [*metrics, "step", "epoch"]}
    present = {k: np.fromiter((v is not None for v in cols[k]), dtype=bool, count=n) for k in metrics}
    has = np.zeros(n, dtype=bool)
    for m in present.values():
        has |= m
    if not has.any():
        return None
    rows = np.flatnonzero(has)

    def floats(col: list[Any]) -> np.ndarray:
        return np.fromiter((np.nan if v is None else v for v in col), dtype=np.float64, count=n)[rows]

    values = {k: floats(cols[k]) for k in metrics if present[k][rows].any()}
    return Batch(
        n=len(rows),
        values=values,
        present={k: (None if present[k][rows].all() else present[k][rows]) for k in values},
        step=floats(cols["step"]),
        epoch=floats(cols["epoch"]),
        line=np.zeros(len(rows), dtype=np.int64),
    )


def _x(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else v


@register_layout("hf-trainer-state")
def checkpoints_layout(folder: Path) -> list[Claim]:
    """A Trainer's output folder: each `checkpoint-N/trainer_state.json` is a copy of the same
    history, each longer than the last. One run, read from the newest copy (the folder's own
    `trainer_state.json` when there is one: the Trainer writes it last); the others are covered.
    Through the one discovery hook (`readers.layouts`): the first scan and the follower agree."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = [(int(m.group(1)), folder / n / STATE) for n in names if (m := CHECKPOINT_DIR.match(n))]
    copies = [p for _, p in sorted(found) if p.is_file()]
    if not copies:
        return []
    own = folder / STATE
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
