"""Keras 3 callback: after each epoch, predicts the validation data and logs the probe's facts with
the epoch as Keras writes it (0-based, like CSVLogger).

The validation data is the one given, or else the one `fit(validation_data=...)` is using (read
through the data adapter of the evaluation iterator Keras caches during `fit`, as numpy batches;
a private attribute of Keras 3, so giving the data is the sturdier way). Keras hands
no predictions to callbacks, so this costs one more forward pass over the validation data per
logged epoch (`every=N` logs every Nth epoch).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from lossacc_tui.probe.stats import as_array, looks_like_probs
from lossacc_tui.probe.writer import Probe, _warn


def _split_xy(data: Any) -> tuple[Any, Any]:
    if isinstance(data, (tuple, list)) and len(data) >= 2:
        return data[0], data[1]
    raise ValueError("validation_data must be (x, y) or (x, y, sample_weight)")


def keras_callback(
    log_dir: str | os.PathLike[str],
    validation_data: Any = None,
    *,
    split: str = "val",
    every: int = 1,
    batch_size: int = 256,
    from_logits: bool | None = None,
) -> Any:
    """A `keras.callbacks.Callback` that logs the probe's facts at the end of every `every` epochs.

    `validation_data`: (x, y) arrays; None takes fit's own validation data. `from_logits`: whether
    the model outputs logits (None: decided from the outputs: probabilities lie in [0, 1] and sum
    to 1). Labels may be class indices (n,) or (n, 1), or one-hot (n, K).
    Raises ImportError (naming `pip install keras`) when Keras is not installed.
    """
    try:
        import keras
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("the Keras probe callback needs Keras: pip install keras") from e

    probe = Probe(log_dir)

    class LossaccProbe(keras.callbacks.Callback):  # type: ignore[misc, name-defined]
        """Logs per-sample facts of the validation predictions to lossacc_probe.jsonl."""

        def __init__(self) -> None:
            super().__init__()
            self.probe = probe

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if (epoch + 1) % max(1, every):
                return
            try:
                out, y = self._predict()
            except Exception as e:  # never into the training loop
                probe.skipped += 1
                _warn(f"lossacc probe: epoch {epoch} skipped: {e}")
                return
            logits = not looks_like_probs(out) if from_logits is None else from_logits
            kind = "logits" if logits else "probs"
            probe.log(epoch=epoch, labels=y, split=split, **{kind: out})

        def _predict(self) -> tuple[np.ndarray, np.ndarray]:
            if validation_data is not None:
                x, y = _split_xy(validation_data)
                return self.model.predict(x, batch_size=batch_size, verbose=0), as_array(y)
            it = getattr(self.model, "_eval_epoch_iterator", None)  # fit's cached validation data
            adapter = getattr(it, "data_adapter", None)
            if adapter is None:
                raise ValueError("no validation data: pass validation_data= or fit(validation_data=...)")
            outs, ys = [], []
            for batch in adapter.get_numpy_iterator():  # numpy batches on every backend
                x, y = _split_xy(batch)
                outs.append(as_array(self.model.predict_on_batch(x)))
                ys.append(as_array(y))
            return np.concatenate(outs), np.concatenate(ys)

    return LossaccProbe()
