"""The number of classes K, only from what is known: `--classes`, a configuration file of the run
(`hparams.yaml`, `config.json`, `args.yaml`, `config.yaml`, `params.yaml`, `args.json`, `hparams.json`,
`params.json`, `hyperparameters.json`), or a first evaluation
at chance on both metrics. Never assumed.

Configuration keys read: `num_classes`, `n_classes`, `num_labels`, `nb_classes`, `classes` (an
integer), `nc` (Ultralytics), and the length of HF `id2label`; in a JSON file also under nested
objects up to 4 deep (`{"model": {"num_classes": 10}}`, as Hydra, mmengine and timm write them),
and none when two of them disagree. Files are opened read-only, at most 64 KB each, in the log's
folder and up to two folders above it.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "hparams.yaml").write_text("lr: 0.1\\nnum_classes: 10\\n")
>>> classes_from_files(str(d / "metrics.csv"))
Classes(k=10, source='config', basis='num_classes: 10 in hparams.yaml')
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from lossacc_tui.analysis.quantities import Classes

CONFIG_NAMES = (
    "hparams.yaml",
    "config.json",
    "args.yaml",
    "config.yaml",
    "params.yaml",
    "args.json",
    "hparams.json",
    "params.json",
    "hyperparameters.json",
)
KEYS = ("num_classes", "n_classes", "num_labels", "nb_classes", "classes", "nc")
_YAML = re.compile(r"^\s*(" + "|".join(KEYS) + r")\s*:\s*(\d+)\s*(?:#.*)?$", re.MULTILINE)
MAX_BYTES = 1 << 16


def _read(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None


def _from_text(name: str, text: str) -> Classes | None:
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        found = _json_classes(data, name, "")
        return found[0] if found and len({c.k for c in found}) == 1 else None  # (two K disagree: none)
    m = _YAML.search(text)
    if m is None:
        return None
    k = int(m.group(2))
    return Classes(k, "config", f"{m.group(1)}: {k} in {name}") if k >= 2 else None


def _json_classes(data: dict[str, Any], name: str, where: str, depth: int = 0) -> list[Classes]:
    """Every K a JSON object names, at its top level first, then in objects nested up to 4 deep
    (Hydra, mmengine and timm configs keep it under `model`): `id2label`'s size, or one of KEYS."""
    out: list[Classes] = []
    labels = data.get("id2label")
    if isinstance(labels, dict) and len(labels) >= 2:
        out.append(Classes(len(labels), "config", f"{len(labels)} labels in {where}id2label of {name}"))
    for key in KEYS:
        v = data.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and v >= 2:
            out.append(Classes(v, "config", f"{where}{key}: {v} in {name}"))
    if depth < 4:
        for key, v in data.items():
            if isinstance(v, dict):
                out += _json_classes(v, name, f"{where}{key}.", depth + 1)
    return out


@functools.lru_cache(maxsize=16384)  # (asked per run by the layout and by the comparison)
def classes_from_files(log_path: str) -> Classes | None:
    """K from a configuration file beside the log (or up to two folders above), or None."""
    try:
        start = Path(log_path)
    except (TypeError, ValueError):
        return None
    folder = start if start.is_dir() else start.parent
    for d in (folder, folder.parent, folder.parent.parent):
        for name in CONFIG_NAMES:
            text = _read(d / name)
            if text:
                found = _from_text(name, text)
                if found is not None:
                    return found
    return None
