"""Lightning callback: collects what `validation_step` returns, batch by batch (reduced at once to
O(batch) numbers, so memory stays O(n)), and logs the probe's facts at the end of each validation
epoch, with `trainer.current_epoch` (0-based, as Lightning's CSVLogger writes it) and
`trainer.global_step`. No extra forward pass: the predictions are the ones validation computed.

`validation_step` returns a dict with `"logits"` (or `"probs"`) of shape (b, K) or (b,) and
`"labels"` (or `"y"`, `"target"`, `"targets"`) of shape (b,); or a tuple (logits, labels).
"""

from __future__ import annotations

import os
from typing import Any

from lossacc_tui.probe.writer import Batches, Probe, _warn

_LABEL_KEYS = ("labels", "y", "target", "targets", "label")


def _unpack(outputs: Any) -> dict[str, Any] | None:
    if isinstance(outputs, dict):
        labels = next((outputs[k] for k in _LABEL_KEYS if k in outputs), None)
        if labels is None:
            return None
        if "probs" in outputs:
            return {"probs": outputs["probs"], "labels": labels}
        if "logits" in outputs:
            return {"logits": outputs["logits"], "labels": labels}
        return None
    if isinstance(outputs, (tuple, list)) and len(outputs) == 2:
        return {"logits": outputs[0], "labels": outputs[1]}
    return None


def lightning_callback(log_dir: str | os.PathLike[str] | None = None, *, split: str = "val") -> Any:
    """A `lightning.pytorch.Callback` logging the probe's facts after every validation epoch
    (not during the sanity check; only on global rank 0, from that rank's outputs).

    `log_dir`: where `lossacc_probe.jsonl` goes; None: the trainer's `log_dir` (the logger's
    version folder, beside `metrics.csv`). Raises ImportError naming `pip install lightning`.
    """
    try:
        from lightning.pytorch import Callback
    except ImportError:
        try:
            from pytorch_lightning import Callback
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("the Lightning probe callback needs Lightning: pip install lightning") from e

    class LossaccProbe(Callback):  # type: ignore[misc, valid-type]
        """Logs per-sample facts of the validation predictions to lossacc_probe.jsonl."""

        def __init__(self) -> None:
            super().__init__()
            self.probe: Probe | None = Probe(log_dir) if log_dir is not None else None
            self.batches = Batches()
            self._told = False

        def on_validation_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            self.batches.clear()

        def on_validation_batch_end(
            self,
            trainer: Any,
            pl_module: Any,
            outputs: Any,
            batch: Any,
            batch_idx: int,
            dataloader_idx: int = 0,
        ) -> None:
            if trainer.sanity_checking or dataloader_idx != 0:
                return
            got = _unpack(outputs)
            if got is None:
                if not self._told:
                    self._told = True
                    _warn(
                        "lossacc probe: validation_step returned no predictions: return "
                        '{"logits": ..., "labels": ...} (or probs) from it'
                    )
                return
            self.batches.add(**got)

        def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking or not trainer.is_global_zero or not len(self.batches):
                self.batches.clear()
                return
            if self.probe is None:
                self.probe = Probe(trainer.log_dir or trainer.default_root_dir)
            self.probe.log_batches(
                self.batches, epoch=trainer.current_epoch, step=trainer.global_step, split=split
            )

    return LossaccProbe()
