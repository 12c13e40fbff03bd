"""The framework-specific CSV files: Keras CSVLogger, Lightning metrics.csv, fastai CSVLogger, and
the pandas export of a Keras History. Each is the generic CSV reader plus what its framework means."""

from __future__ import annotations

import math
import re
from typing import ClassVar

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.csvlike import (
    EPOCH_NAMES,
    INDEX_NAMES,
    KERAS_METRICS,
    STEP_NAMES,
    CsvReader,
    split_header,
)
from lossacc_tui.readers.registry import register
from lossacc_tui.roles import FASTAI_HINTS

#: column names Keras' CSVLogger never writes (its logs are `loss`, `accuracy`, `val_*`, `learning_rate`)
_TRAIN_PREFIXES = ("train_", "train/", "train-", "training_", "training/")


@register
class KerasCsvReader(CsvReader):
    """Keras `CSVLogger`: `epoch` first, then the metrics in alphabetical order."""

    format_id = "keras-csv"

    def __init__(self) -> None:
        super().__init__()
        self._last_epoch = math.nan
        self._run_first = math.nan
        self._run_rows = 0
        self._constant = False
        self._sparse = False  # rows carry different metrics: never one `fit` per epoch

    def _batch(
        self, values: np.ndarray, present: np.ndarray, lines: np.ndarray, starts: tuple[int, ...]
    ) -> Batch:
        """`model.fit` called once per epoch with CSVLogger(append=True) writes epoch 0 on every row:
        then row order is the epoch. A row whose epoch goes back is left to the splitter (restart).
        With a step column beside it (a row per batch) an epoch repeats on purpose: kept as it is;
        so it does once a row left cells empty that others fill (a row per batch and an evaluation
        row at the epoch's end, CSVLogger fills every cell): the splitter reads the repeated epochs
        (readers/epoch_count.py)."""
        batch = super()._batch(values, present, lines, starts)
        e = batch.epoch
        if e is None or batch.step is not None:
            return batch
        self._sparse = self._sparse or any(p is not None and not p.all() for p in batch.present.values())
        if self._sparse:
            self._constant = False
            self._note(e)
            return batch
        if not self._constant and not (np.diff(e) == 0).any() and not (len(e) and e[0] == self._last_epoch):
            self._note(e)
            return batch
        out = e.copy()
        for i, v in enumerate(e):
            if v == self._last_epoch and (self._constant or self._run_rows == 1):
                self._constant = True
                out[i] = self._run_first + self._run_rows
            else:
                self._constant = False
                if not (v > self._last_epoch):
                    self._run_first, self._run_rows = v, 0
            self._last_epoch = v
            self._run_rows += 1
        batch.epoch = out
        return batch

    def _note(self, e: np.ndarray) -> None:
        """Track the run state over rows taken without renumbering (epochs strictly increasing)."""
        if not len(e):
            return
        if not (e[0] > self._last_epoch):
            self._run_first, self._run_rows = float(e[0]), 0
        self._run_rows += len(e)
        self._last_epoch = float(e[-1])

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = CsvReader.sniff(name, head)
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        if not base or hdr is None:
            return 0.0
        names = [n.lower() for n in hdr[1]]
        if any(n.startswith(_TRAIN_PREFIXES) for n in names):
            return 0.0  # Keras names its training metrics bare (`loss`): a loop's own CSV (`train_loss`)
        if names[0] == "epoch" and "step" not in names and any(KERAS_METRICS.match(n) for n in names[1:]):
            return 0.9
        return 0.0


@register
class LightningCsvReader(CsvReader):
    """Lightning `CSVLogger` metrics.csv: sparse rows keyed by `step` (and `epoch`)."""

    format_id = "lightning-csv"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        if hdr is None or head.lstrip().startswith(("{", "[")):
            return 0.0
        names = [n.lower() for n in hdr[1]]
        if "step" in names and ("epoch" in names or name == "metrics.csv"):
            return 0.95
        return 0.0


@register
class FastaiCsvReader(CsvReader):
    """fastai `CSVLogger` history.csv: its metrics are validation metrics; `error_rate` -> accuracy."""

    format_id = "fastai-csv"
    role_hints: ClassVar[dict[str, str]] = FASTAI_HINTS

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        if hdr is None:
            return 0.0
        names = [n.lower() for n in hdr[1]]
        return 0.95 if names[:3] == ["epoch", "train_loss", "valid_loss"] else 0.0

    def _metric_name(self, name: str) -> str:
        if name == "error_rate":
            self.renamed["1-error_rate"] = "error_rate"
            return "1-error_rate"
        return name

    def _transform(self, name: str, values: np.ndarray) -> np.ndarray:
        return 1.0 - values if name == "error_rate" else values


@register
class KerasHistoryCsvReader(CsvReader):
    """`pd.DataFrame(history.history).to_csv(...)`: with or without the unnamed index column."""

    format_id = "keras-history"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        if not CsvReader.sniff(name, head):
            return 0.0
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        if hdr is None:
            return 0.0
        names = [n.lower() for n in hdr[1]]
        metrics = names[1:] if names[0] in INDEX_NAMES else names
        if any(n in EPOCH_NAMES | STEP_NAMES for n in names):
            return 0.0
        if (
            metrics
            and "loss" in metrics
            and all(
                KERAS_METRICS.match(n) or n.startswith("val_") or re.match(r"^[a-z_0-9]+$", n)
                for n in metrics
            )
        ):
            return 0.85
        return 0.0

    def __init__(self) -> None:
        super().__init__()
        self._rows_seen = 0
        self._ordinal = False

    def _set_header(self, delim: str, names: list[str], line: int | None = None) -> None:
        super()._set_header(delim, names, line)
        self._ordinal = not any(k == "epoch" for k in self._kind)

    def _batch(
        self, values: np.ndarray, present: np.ndarray, lines: np.ndarray, starts: tuple[int, ...]
    ) -> Batch:
        batch = super()._batch(values, present, lines, starts)
        if self._ordinal:  # no index column: row order is the epoch, counted from 0 like Keras
            batch.epoch = self._rows_seen + np.arange(batch.n, dtype=np.float64)
        self._rows_seen += batch.n
        return batch
