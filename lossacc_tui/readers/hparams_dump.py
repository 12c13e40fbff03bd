"""A run's hyperparameters saved as one JSON object (`config.json`, `args.json`: what
`json.dump(vars(args), f)` or `json.dump(config, f)` writes beside a training log) are no
training log: no reader reads them as a run.

A JSON file is taken for such a dump when its whole text is ONE JSON object in which no number
(or list of numbers) sits under a key named as a loss or an accuracy (`roles.classify`, nested
objects and lists searched too), and either its name is a known configuration file name
(`CONFIG_JSON_NAMES`) or its name ends in `.json` and it holds a string, a boolean, null, or a key
only hyperparameters use (`batch_size`, `epochs`, `seed`, `optimizer`, ...). A JSONL log's first
line alone (`{"epoch": 0, "loss": 1.2}`) names a metric, so it is never taken for one.

Its `num_classes` / `n_classes` / `id2label` give K (`analysis/classes.py` reads these names).

>>> hyperparameter_dump("config.json", '{"lr": 0.001, "batch_size": 32, "epochs": 20, "seed": 0}')
True
>>> hyperparameter_dump("log.jsonl", '{"epoch": 0, "loss": 1.24, "val_accuracy": 0.78}')
False
"""

from __future__ import annotations

from typing import Any

import orjson

from lossacc_tui.roles import classify

#: Names under which runs keep their hyperparameters as JSON (argparse dumps, HF/timm configs,
#: SageMaker's hyperparameters.json).
CONFIG_JSON_NAMES = frozenset(
    {
        "config.json",
        "args.json",
        "hparams.json",
        "params.json",
        "hyperparameters.json",
        "training_args.json",
        "cfg.json",
        "opts.json",
        "options.json",
        "settings.json",
    }
)
#: Keys only a hyperparameter dump has (a log's records hold `epoch`, never `epochs`).
HPARAM_KEYS = frozenset(
    {
        "batch_size",
        "bs",
        "epochs",
        "num_epochs",
        "n_epochs",
        "max_epochs",
        "seed",
        "random_seed",
        "optimizer",
        "optim",
        "model",
        "model_name",
        "arch",
        "architecture",
        "weight_decay",
        "wd",
        "momentum",
        "dropout",
        "warmup_steps",
        "warmup_epochs",
        "num_workers",
        "dataset",
        "data_dir",
        "output_dir",
        "scheduler",
        "num_classes",
        "n_classes",
        "id2label",
        "hidden_size",
        "hidden",
    }
)
_MAX = 1 << 16  # a dump is small; a larger head is a log


def _numeric(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float):
        return True
    return isinstance(v, list) and bool(v) and all(_numeric(x) for x in v[:8])


def _names_a_metric(obj: Any, depth: int = 0) -> bool:
    """Whether a loss- or accuracy-named key holds a number (or numbers) anywhere in `obj`."""
    if depth > 6:
        return False
    if isinstance(obj, dict):
        for k, v in obj.items():
            c = classify(str(k))
            if c is not None and c[1] in ("loss", "acc") and _numeric(v):
                return True
            if isinstance(v, dict | list) and _names_a_metric(v, depth + 1):
                return True
        return False
    if isinstance(obj, list):
        return any(_names_a_metric(x, depth + 1) for x in obj[:16])
    return False


def hyperparameter_dump(name: str, head: str) -> bool:
    """Whether a file named `name` (its base name) whose text starts with `head` is a JSON dump
    of hyperparameters, not a training log (the rule in the module docstring)."""
    text = head.strip()
    if not text.startswith("{") or len(text) > _MAX:
        return False
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:  # several lines of records (JSONL), or a head cut short
        return False
    if not isinstance(obj, dict) or not obj or _names_a_metric(obj):
        return False
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base in CONFIG_JSON_NAMES:
        return True
    if not base.endswith(".json"):  # (a .jsonl log's first record alone is never taken for one)
        return False
    return any(isinstance(v, str | bool) or v is None for v in obj.values()) or any(
        str(k).lower() in HPARAM_KEYS for k in obj
    )


__all__ = ["CONFIG_JSON_NAMES", "HPARAM_KEYS", "hyperparameter_dump"]
