"""Readers: one module per log format, each registered under its format id.

Every reader takes bytes as they arrive (`feed(chunk)`), keeps an unfinished last line until its
newline comes, and returns columnar `Batch`es; `finish()` flushes what is left at the end.

The modules of TensorBoard, W&B run folders and the MLflow stores are imported only when a file or
folder may be theirs (`registry.DEFERRED`); their format ids are in `READERS` from the start, with
no class until then (use `registry.readers_for(fmt)` for a format's classes).
"""

from lossacc_tui.readers import (  # noqa: F401  (importing a reader module registers it)
    catboost,
    catboost_console,
    csv_formats,
    csvlike,
    detectron2,
    dvclive,
    fastai_table,
    gbdt,
    hf_stdout,
    hf_summary,
    hf_trainer_state,
    jsonl,
    keras_history,
    keras_stdout,
    lightning_console,
    mlflow_server,
    mmengine,
    nanogpt,
    pytorch_mnist,
    sklearn_mlp,
    sklearn_sgd,
    text_kv,
    timm_console,
    tqdm_console,
    ultralytics,
    wandb_export,
)
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.registry import DEFERRED, READERS

for _d in DEFERRED:
    for _fmt in _d.formats:
        READERS.setdefault(_fmt, [])

__all__ = ["READERS", "Reader"]
