"""`Probe`: computes the per-sample facts of each evaluation and appends them, one JSON line each,
to `log_dir/lossacc_probe.jsonl`. It never raises into the training loop."""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lossacc_tui.probe.stats import SCHEMA, BadInput, Predictions, as_array, concat, facts, predictions

FILENAME = "lossacc_probe.jsonl"


class ProbeWarning(UserWarning):
    """A probe evaluation was skipped (bad input, or the sidecar could not be written)."""


@dataclass(slots=True)
class _Previous:
    """The last evaluation of one split, kept only to count flips: O(n) memory."""

    pred: np.ndarray  # int32 (or int64 for K >= 2**31), in sample order (sorted by id when ids given)
    labels: np.ndarray
    ids: np.ndarray | None


def _flips(
    prev: _Previous | None, now: _Previous, earlier_lines: bool = False
) -> tuple[dict[str, int | None], str | None]:
    """Flip counts since `prev`, or None counts and the reason they are unknown: no earlier
    evaluation of the split (`earlier_lines`: the sidecar holds some this process did not write,
    so their predicted classes are unknown), or a sample order that cannot be matched."""
    none: dict[str, int | None] = {"flips": None, "flips_to_right": None, "flips_to_wrong": None}
    if prev is None and earlier_lines:
        return none, (
            "the sidecar's earlier evaluations of this split were written by another process: "
            "flips count from here on"
        )
    if prev is None:
        return none, "first evaluation of this split"
    if len(prev.pred) != len(now.pred):
        return none, f"sample count changed ({len(prev.pred)} -> {len(now.pred)}): order unknown"
    if (prev.ids is None) != (now.ids is None):
        return none, "ids given for only one of the two evaluations: order unknown"
    if prev.ids is not None and not np.array_equal(prev.ids, now.ids):
        return none, "different sample ids than the previous evaluation"
    if not np.array_equal(prev.labels, now.labels):
        return none, "labels differ at the same positions: samples reordered (shuffled?); pass ids="
    changed = prev.pred != now.pred
    right_now = now.pred == now.labels
    right_before = prev.pred == prev.labels
    return {
        "flips": int(changed.sum()),
        "flips_to_right": int((changed & right_now & ~right_before).sum()),
        "flips_to_wrong": int((changed & ~right_now & right_before).sum()),
    }, None


def _x(v: Any, name: str) -> int | float | None:
    """An epoch or step as JSON: an int when whole (HF's fractional epochs stay floats)."""
    if v is None:
        return None
    f = float(as_array(v).reshape(()))
    if not math.isfinite(f):
        raise BadInput(f"{name} is {f}")
    return int(f) if f.is_integer() else f


def _clean(v: Any) -> Any:
    """JSON has no NaN or infinity: such floats become null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


class Batches:
    """An evaluation collected batch by batch (Lightning, a PyTorch loop): each batch is reduced at
    once to its predicted class, confidence and p_true, so memory is O(n), not O(n x K).

    `add()` never raises either: a bad batch is remembered, and the evaluation it belongs to is
    skipped with one warning when it is logged.
    """

    def __init__(self) -> None:
        self._parts: list[Predictions] = []
        self._error: Exception | None = None

    def __len__(self) -> int:
        return sum(len(p.labels) for p in self._parts)

    def add(self, *, labels: Any, probs: Any = None, logits: Any = None) -> None:
        """One batch: the same arrays as `Probe.log` (shape (b, K) or (b,), labels (b,))."""
        if self._error is not None:
            return
        try:
            if (probs is None) == (logits is None):
                raise BadInput("give exactly one of probs= and logits=")
            self._parts.append(predictions(logits if probs is None else probs, labels, logits is not None))
        except Exception as e:
            self._error = e

    def take(self) -> Predictions:
        """The whole evaluation (raises the first batch's error, or BadInput when empty)."""
        if self._error is not None:
            raise self._error
        return concat(self._parts)

    def clear(self) -> None:
        self._parts, self._error = [], None


class Probe:
    """Per-sample facts of each evaluation, appended to `log_dir/lossacc_probe.jsonl` (schema 1).

    Call `log()` once per evaluation of a split with that evaluation's predictions; point
    lossacc-tui at `log_dir` (or at a log inside it) and it attaches the facts to the run.
    Memory: the predicted class and label of the last evaluation of each split (O(n)), for flips,
    kept per sidecar file for the whole process: a `Probe` made afresh at every evaluation (in a
    callback or an `evaluate()` function) counts flips like one kept across them.
    Only one process should write (under DDP: rank 0, with the gathered predictions).
    """

    def __init__(self, log_dir: str | os.PathLike[str], filename: str = FILENAME) -> None:
        self.path = Path(log_dir) / filename
        self._previous: dict[str, _Previous] = _LAST.setdefault(os.fspath(self.path.absolute()), {})
        self._warned: set[str] = set()
        self.skipped = 0  # evaluations not written (bad input or I/O error)

    def log(
        self,
        *,
        labels: Any,
        probs: Any = None,
        logits: Any = None,
        epoch: Any = None,
        step: Any = None,
        split: str = "val",
        ids: Any = None,
    ) -> dict[str, Any] | None:
        """Compute and append the facts of one evaluation; returns the record (None when skipped).

        `probs`: shape (n, K) probabilities, or (n,) / (n, 1) probability of class 1 (binary);
        `logits`: the same shapes before softmax / sigmoid (give one of the two). `labels`: shape
        (n,) class indices (or (n, K) one-hot). `epoch` / `step`: the x of this evaluation as the
        training log writes it (Keras CSVLogger epochs are 0-based). `split`: "val", "train" or
        "test". `ids`: optional shape (n,) sample ids, so flips are counted even when the order of
        samples changes between evaluations.

        Never raises: a bad input or an unwritable file gives one warning (per kind) and the
        evaluation is skipped. Arrays may be numpy arrays, lists, or torch tensors on any device.
        """

        def get() -> Predictions:
            if (probs is None) == (logits is None):
                raise BadInput("give exactly one of probs= and logits=")
            return predictions(logits if probs is None else probs, labels, logits is not None)

        return self._guarded(get, epoch, step, split, ids)

    def log_batches(
        self, batches: Batches, *, epoch: Any = None, step: Any = None, split: str = "val", ids: Any = None
    ) -> dict[str, Any] | None:
        """`log()` for an evaluation collected batch by batch in a `Batches` (which is then emptied)."""
        try:
            return self._guarded(batches.take, epoch, step, split, ids)
        finally:
            batches.clear()

    def _guarded(
        self, get: Callable[[], Predictions], epoch: Any, step: Any, split: str, ids: Any
    ) -> dict[str, Any] | None:
        try:
            return self._log(get, epoch, step, split, ids)
        except Exception as e:  # the training loop must go on, whatever the probe meets
            self.skipped += 1
            kind = f"{type(e).__name__}:{str(e)[:60]}"
            if kind not in self._warned:
                self._warned.add(kind)
                _warn(f"lossacc probe: evaluation skipped: {e}")
            return None

    def _log(
        self, get: Callable[[], Predictions], epoch: Any, step: Any, split: str, ids: Any
    ) -> dict[str, Any]:
        if not isinstance(split, str) or not split:
            raise BadInput(f"split must be a non-empty string, not {split!r}")
        x_epoch, x_step = _x(epoch, "epoch"), _x(step, "step")
        p = get()
        record: dict[str, Any] = {"schema": SCHEMA, "split": split, "epoch": x_epoch, "step": x_step}
        record.update(facts(p))
        now = self._remember(p, ids)
        prev = self._previous.get(split)
        counts, note = _flips(prev, now, prev is None and _has_split(self.path, split))
        record.update(counts)
        record["flips_note"] = note
        record["time"] = round(time.time(), 3)
        line = json.dumps({k: _clean(v) for k, v in record.items()}, allow_nan=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
        self._previous[split] = now  # only once written: a skipped evaluation does not count
        return record

    @staticmethod
    def _remember(p: Predictions, ids: Any) -> _Previous:
        dtype = np.int32 if p.k < 2**31 else np.int64
        pred, labels = p.pred.astype(dtype), p.labels.astype(dtype)
        if ids is None:
            return _Previous(pred, labels, None)
        i = as_array(ids).reshape(-1)
        if len(i) != len(pred):
            raise BadInput(f"ids have {len(i)} entries for {len(pred)} samples")
        order = np.argsort(i, kind="stable")
        return _Previous(pred[order], labels[order], i[order])


#: the last evaluation of each split, per sidecar file (absolute path), shared by every `Probe`
#: of this process that writes it
_LAST: dict[str, dict[str, _Previous]] = {}

#: bytes read from the end of a sidecar to find an earlier evaluation of a split
TAIL_BYTES = 1 << 16


def _has_split(path: Path, split: str) -> bool:
    """Whether the last `TAIL_BYTES` of the sidecar at `path` hold a record of `split` (False when
    there is no file or it cannot be read). Asked once per split and process."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - TAIL_BYTES))
            tail = f.read()
    except OSError:
        return False
    needle = json.dumps({"split": split})[1:-1].encode()  # '"split": "val"', as _log writes it
    return needle in tail


def _warn(message: str) -> None:
    """A warning that cannot raise, even when warnings are turned into errors (-W error)."""
    try:
        warnings.warn(message, ProbeWarning, stacklevel=3)
    except Exception:
        print(message, file=sys.stderr)


def log_eval(log_dir: str | os.PathLike[str], **kwargs: Any) -> dict[str, Any] | None:
    """The plain function for a PyTorch or numpy loop: `Probe(log_dir).log(**kwargs)` with one
    Probe kept per folder, so flips are counted across calls. Same arguments as `Probe.log`."""
    key = os.fspath(Path(log_dir).absolute())
    probe = _PROBES.get(key)
    if probe is None:
        probe = _PROBES[key] = Probe(log_dir)
    return probe.log(**kwargs)


_PROBES: dict[str, Probe] = {}
