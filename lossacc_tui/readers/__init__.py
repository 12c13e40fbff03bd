"""Readers: one module per log format, each registered under its format id.

Every reader takes bytes as they arrive (`feed(chunk)`), keeps an unfinished last line until its
newline comes, and returns columnar `Batch`es; `finish()` flushes what is left at the end.
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
    mlflow,
    mlflow_db,
    mlflow_server,
    mmengine,
    nanogpt,
    sklearn_mlp,
    tensorboard,
    text_kv,
    timm_console,
    ultralytics,
    wandb_export,
    wandb_folder,
    wandb_run,
)
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.registry import READERS

__all__ = ["READERS", "Reader"]
