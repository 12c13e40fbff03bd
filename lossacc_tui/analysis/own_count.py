"""Epoch and step numbers as the framework that wrote a log names its checkpoints.

Keras writes the 0-based epoch index into its CSVLogger file (`epoch` 0 is the first epoch), its
`History` (`history.epoch`) and its TensorBoard callback's `epoch_*` tags (step 0), while
everything else Keras shows counts from 1: `fit`'s console (`Epoch 1/5`), ModelCheckpoint's
`{epoch}` in a file name (it formats epoch + 1), its "Epoch 1: saving model" message and
EarlyStopping's best epoch.

Lightning counts epochs from 0 everywhere (metrics.csv, its progress bars, checkpoint names
`epoch=N`), but its CSVLogger writes an evaluation at the global step minus one (after the 4th
optimizer step: `step` 3), while ModelCheckpoint names the file with the global step itself
(`epoch=0-step=4.ckpt`; Lightning 2.6, checked on a real run). The tqdm console's evaluations are
placed at the CSV's steps (`readers/lightning_console.py`), so it is counted the same.

Ultralytics (8.1 on) writes `results.csv` with epoch + 1 (1-based, as its console), while a
periodic checkpoint (`save_period`) is named `weights/epoch{epoch}.pt` with the 0-based index:
results.csv's epoch 37 is `epoch36.pt` (8.0.x wrote both 0-based: no note).

The plots and alert spans keep the log's own numbers; a sentence that names a checkpoint to act on
also gives the framework's number, so the file it names is the right one. fastai counts from 0 in
its table, CSVLogger and SaveModelCallback names; the HF Trainer's epoch is the fraction of epochs
done and its checkpoints are named by the global step it logs: none of them is renumbered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lossacc_tui.model import Run

#: formats whose epoch column is Keras' 0-based index when it starts at 0
_KERAS_FORMATS = frozenset({"keras-csv", "keras-history"})
_LIGHTNING_FORMATS = frozenset({"lightning-csv", "lightning-console"})
_ULTRALYTICS_FORMATS = frozenset({"ultralytics"})
#: Keras' TensorBoard callback's per-epoch tags (`train/epoch_loss`, `validation/epoch_accuracy`)
_KERAS_TB_TAG = re.compile(r"(?:^|/)epoch_loss$")


@dataclass(frozen=True)
class OwnCount:
    """On the `axis`, the framework's own number of the log's x is x + `offset`; `label` says how it
    writes it (`{n}`: the number)."""

    framework: str
    axis: str
    label: str
    offset: int = 1

    def name(self, x: float) -> str:
        """' (epoch 5 in Keras' console and checkpoint names, if Keras wrote the log)' for x = 4."""
        own = self.label.format(n=f"{x + self.offset:g}")
        return f" ({own}, if {self.framework} wrote the log)"


KERAS = OwnCount("Keras", "epoch", "epoch {n} in Keras' console and checkpoint names")
LIGHTNING = OwnCount("Lightning", "step", "step={n} in Lightning's checkpoint names")
ULTRALYTICS = OwnCount(
    "Ultralytics", "epoch", "weights/epoch{n}.pt among Ultralytics' save_period checkpoints", -1
)


def own_count(run: Run) -> OwnCount | None:
    """Keras' 1-based count for a log in Keras' shape whose epochs start at 0, Lightning's step in
    its checkpoint names for its metrics.csv or console, Ultralytics' 0-based periodic checkpoint
    for a results.csv whose epochs start at 1; else None (the log's numbers are the ones
    its framework shows)."""
    if run.format in _LIGHTNING_FORMATS:
        return LIGHTNING
    firsts = [s.x_at("epoch", 0) for s in run.series.values() if len(s)]
    first = min((x for x in firsts if x == x), default=None)
    if run.format in _ULTRALYTICS_FORMATS:
        return ULTRALYTICS if first == 1 else None
    if run.format not in _KERAS_FORMATS and not (
        run.format == "tensorboard" and any(_KERAS_TB_TAG.search(n) for n in run.series)
    ):
        return None
    return KERAS if first == 0 else None
