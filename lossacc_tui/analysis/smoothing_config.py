"""The label-smoothing factor eps a run was trained with, only from its configuration file: the files
and folders `classes.classes_from_files` reads (`hparams.yaml`, `config.json`, `args.yaml`, ... beside
the log or up to two folders above it).

Keys read: `label_smoothing` (torch `CrossEntropyLoss(label_smoothing=)`, Keras, Lightning hparams),
`label_smoothing_factor` (HF `TrainingArguments`), and `smoothing` (timm's `args.yaml`), a number in
[0, 1); in a JSON file also under nested objects up to 4 deep. None when absent, out of range, or when
two of them disagree. eps 0 is read too: a recipe that says it trains without smoothing.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "args.yaml").write_text("model: resnet50\\nsmoothing: 0.1\\n")
>>> smoothing_from_files(str(d / "summary.csv"))
ConfigSmoothing(eps=0.1, basis='smoothing: 0.1 in args.yaml')
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from lossacc_tui.analysis.classes import config_texts

KEYS = ("label_smoothing", "label_smoothing_factor", "smoothing")
_NUM = r"([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
_YAML = re.compile(r"^\s*(" + "|".join(KEYS) + r")\s*:\s*" + _NUM + r"\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class ConfigSmoothing:
    """eps (a fraction in [0, 1)) and where it was read ("label_smoothing: 0.1 in config.json")."""

    eps: float
    basis: str


def _ok(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= float(v) < 1.0


def _json(data: dict[str, Any], name: str, where: str = "", depth: int = 0) -> list[ConfigSmoothing]:
    out = [
        ConfigSmoothing(float(data[k]), f"{where}{k}: {data[k]} in {name}")
        for k in KEYS
        if k in data and _ok(data[k])
    ]
    if depth < 4:
        for key, v in data.items():
            if isinstance(v, dict):
                out += _json(v, name, f"{where}{key}.", depth + 1)
    return out


def _from_text(name: str, text: str) -> ConfigSmoothing | None:
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        found = _json(data, name) if isinstance(data, dict) else []
    else:
        found = [
            ConfigSmoothing(float(m.group(2)), f"{m.group(1)}: {m.group(2)} in {name}")
            for m in _YAML.finditer(text)
            if _ok(float(m.group(2)))
        ]
    return found[0] if found and len({c.eps for c in found}) == 1 else None  # (two disagree: none)


@functools.lru_cache(maxsize=16384)
def smoothing_from_files(log_path: str) -> ConfigSmoothing | None:
    """eps from a configuration file beside the log (or up to two folders above), or None."""
    for name, text in config_texts(log_path):
        found = _from_text(name, text)
        if found is not None:
            return found
    return None
