"""Ultralytics YOLO `results.csv` (classify, detect, segment, pose), as its trainer writes it.

Format (ultralytics `BaseTrainer.save_metrics`): a CSV with `epoch` first, then `train/*` losses,
`metrics/*` and `val/*` losses, then `lr/pg0..2`; 8.0.x writers right-align every header and cell
with spaces. `metrics/*` are computed by the validator on the validation split, so classification
`metrics/accuracy_top1` is the validation accuracy. A detection loss is the sum of its terms
(`box_loss + cls_loss + dfl_loss`, plus `seg_loss`/`pose_loss`...): this reader adds that sum as
`train/loss` and `val/loss` (loss kind "sum-of-terms"), and gives `metrics/mAP50-95(B)` (the
detection score) the validation-accuracy role; cross-entropy reasoning does not apply to that pair.

YOLOv5 (`utils/loggers`, `classify/train.py`) writes the same kind of file under other names: the
learning rates are `x/lr0..2` (detect) or `lr/0` (classify), the detection score is
`metrics/mAP_0.5:0.95`, the loss terms include `obj_loss`, and classification calls its held-out
split `test/` when the dataset has no `val` folder (`test/loss`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from lossacc_tui.model import Batch
from lossacc_tui.readers.csvlike import CsvReader, split_header
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

#: The validator's metrics are validation metrics; the summed detection losses are the losses.
ULTRALYTICS_HINTS = {
    "train/loss": "train_loss",
    "val/loss": "val_loss",
    "metrics/accuracy_top1": "val_acc",
    "metrics/mAP50-95(B)": "val_acc",
    "test/loss": "val_loss",  # YOLOv5 classify without a `val` folder
    "metrics/mAP_0.5:0.95": "val_acc",  # YOLOv5 detect
    "x/lr0": "lr",  # YOLOv5 detect
    "lr/0": "lr",  # YOLOv5 classify
}
SPLITS = ("train/", "val/", "test/")
#: a learning-rate column only these trainers write (8.x `lr/pg0`, YOLOv5 `x/lr0` and `lr/0`)
LR_MARKS = ("lr/pg0", "x/lr0", "lr/0")


@register
class UltralyticsCsvReader(CsvReader):
    """`results.csv` of an Ultralytics run folder; x = epoch (0-based in 8.0.x, 1-based since)."""

    format_id = "ultralytics"
    role_hints: ClassVar[dict[str, str]] = ULTRALYTICS_HINTS

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        if hdr is None or not CsvReader.sniff(name, head):
            return 0.0
        names = hdr[1]
        if names[0] != "epoch" or not any(m in names for m in LR_MARKS):
            return 0.0
        if any(n.startswith("metrics/") for n in names) and any(n.startswith("train/") for n in names):
            return Level.CERTAIN.score
        return 0.0

    def _batch(
        self, values: np.ndarray, present: np.ndarray, lines: np.ndarray, starts: tuple[int, ...]
    ) -> Batch:
        batch = super()._batch(values, present, lines, starts)
        for split in SPLITS:
            terms = [n for n in batch.values if n.startswith(split) and n.endswith("_loss")]
            total = split + "loss"
            if total in batch.values:  # classification: one loss, the cross-entropy
                self.loss_kinds[total] = "cross-entropy"
                continue
            if not terms:
                continue
            masks = [batch.mask(n) for n in terms]
            both = np.logical_and.reduce(masks)
            batch.values[total] = np.sum([batch.values[n] for n in terms], axis=0)
            batch.present[total] = None if both.all() else both
            self.renamed[total] = " + ".join(terms)
            self.loss_kinds[total] = "sum-of-terms"
        return batch
