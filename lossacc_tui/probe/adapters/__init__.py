"""Framework adapters for the probe. Each module imports its framework only when its factory is
called, so `import lossacc_tui.probe` needs numpy alone:

- `keras_callback(log_dir, validation_data=None)`: a `keras.callbacks.Callback` (Keras 3, any backend)
- `lightning_callback(log_dir=None)`: a `lightning.pytorch.Callback` fed by `validation_step`'s outputs
- `HFProbe(log_dir=None)`: a transformers `TrainerCallback` plus the `compute_metrics` that feeds it
- plain loops: `lossacc_tui.probe.Probe` / `Batches` / `log_eval` take numpy arrays or torch tensors
"""

from __future__ import annotations

from typing import Any


def keras_callback(*args: Any, **kwargs: Any) -> Any:
    from lossacc_tui.probe.adapters.keras_cb import keras_callback as make

    return make(*args, **kwargs)


def lightning_callback(*args: Any, **kwargs: Any) -> Any:
    from lossacc_tui.probe.adapters.lightning_cb import lightning_callback as make

    return make(*args, **kwargs)


def HFProbe(*args: Any, **kwargs: Any) -> Any:
    from lossacc_tui.probe.adapters.hf import hf_probe

    return hf_probe(*args, **kwargs)


__all__ = ["HFProbe", "keras_callback", "lightning_callback"]
