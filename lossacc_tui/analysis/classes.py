"""The number of classes K, only from what is known: `--classes`, a configuration file of the run
(`hparams.yaml`, `config.json`, `args.yaml`, `config.yaml`, `params.yaml`, `args.json`, `hparams.json`,
`params.json`, `hyperparameters.json`), or a first evaluation
at chance on both metrics. Never assumed.

Configuration keys read: `num_classes`, `n_classes`, `num_labels`, `nb_classes`, `classes` (an
integer), `nc` (Ultralytics), and the length of HF `id2label`; in a JSON file also under nested
objects up to 4 deep (`{"model": {"num_classes": 10}}`, as Hydra, mmengine and timm write them),
and none when two of them disagree. Files are opened read-only, at most 64 KB each, in the log's
folder and up to two folders above it.

A bare `K` is read only where it cannot mean anything else: upper case, an integer >= 2, at the top
level of the file (nested, `K` is as often a kernel size or a mixture's components), and no key of
the file naming another k (`top_k`, `topk`, `k_fold`/`folds`/`n_splits`, `neighbors`, `clusters`,
`knn`, a lower-case `k`): statistics write K for the number of classes, but a `k` beside the
others is top-k, k-fold, k-nearest-neighbours or k-means, and a wrong K turns the chance-level
sentences and gates on with false numbers. Its basis says it was read as the class count.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "hparams.yaml").write_text("lr: 0.1\\nnum_classes: 10\\n")
>>> classes_from_files(str(d / "metrics.csv"))
Classes(k=10, source='config', basis='num_classes: 10 in hparams.yaml')
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lossacc_tui.analysis.passmemo import once_in_pass
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
#: a key that gives a bare `K` another meaning than the number of classes (module docstring)
_OTHER_K = re.compile(r"top_?k|fold|n_splits|neighbo|cluster|knn|kmeans|^k$", re.IGNORECASE)
_YAML_K = re.compile(r"^K\s*:\s*(\d+)\s*(?:#.*)?$", re.MULTILINE)
_YAML_KEY = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*:", re.MULTILINE)


def _read(path: str) -> str | None:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # (`Path.is_file`: a FIFO is never opened)
            return None
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES).decode("utf-8", "replace")
    except (OSError, ValueError):
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
        bare = data.get("K")
        if isinstance(bare, int) and not isinstance(bare, bool) and _bare_k_is_classes(bare, list(data)):
            found.append(Classes(bare, "config", f"K: {bare} in {name}, read as the number of classes"))
        return found[0] if found and len({c.k for c in found}) == 1 else None  # (two K disagree: none)
    found = []
    if m := _YAML.search(text):
        k = int(m.group(2))
        if k >= 2:
            found.append(Classes(k, "config", f"{m.group(1)}: {k} in {name}"))
    if (m := _YAML_K.search(text)) and _bare_k_is_classes(int(m.group(1)), _YAML_KEY.findall(text)):
        found.append(
            Classes(int(m.group(1)), "config", f"K: {m.group(1)} in {name}, read as the number of classes")
        )
    return found[0] if found and len({c.k for c in found}) == 1 else None


def _bare_k_is_classes(k: int, keys: list[str]) -> bool:
    """Whether a top-level `K: k` can only be the number of classes (module docstring)."""
    return k >= 2 and not any(_OTHER_K.search(key) for key in keys if key != "K")


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


def config_texts(log_path: str) -> list[tuple[str, str]]:
    """(file name, text) of each configuration file (`CONFIG_NAMES`) beside the log, then one and
    two folders above, in that order: where K and the smoothing eps are looked for. Read once per
    analysis pass (`passmemo.once_in_pass`: the layout asks for K and for eps in the same pass)."""
    return once_in_pass(("config_texts", log_path), lambda: list(_config_texts(log_path)))


def _config_texts(log_path: str) -> Iterator[tuple[str, str]]:
    try:
        start = Path(log_path)
    except (TypeError, ValueError):
        return
    folder = start if start.is_dir() else start.parent
    seen: dict[str, list[tuple[str, str]]] | None = getattr(_FOLDERS, "texts", None)
    for d in (folder, folder.parent, folder.parent.parent):
        where = str(d)
        got = seen.get(where) if seen is not None else None
        if got is None:
            got = [(name, text) for name in CONFIG_NAMES if (text := _read(os.path.join(where, name)))]
            if seen is not None:
                seen[where] = got
        yield from got


#: per thread, inside `folders_read_once`: each folder's configuration files as read there
_FOLDERS = threading.local()


@contextmanager
def folders_read_once() -> Iterator[None]:
    """Within it, each folder's configuration files are read once (`Feed.analyse_all`: a finished
    read's runs analysed at once, often hundreds of run folders under one parent whose files each
    of them would look for)."""
    was = getattr(_FOLDERS, "texts", None)
    _FOLDERS.texts = {} if was is None else was
    try:
        yield
    finally:
        _FOLDERS.texts = was


@functools.lru_cache(maxsize=16384)  # (asked per run by the layout and by the comparison)
def classes_from_files(log_path: str) -> Classes | None:
    """K from a configuration file beside the log (or up to two folders above), or None."""
    for name, text in config_texts(log_path):
        found = _from_text(name, text)
        if found is not None:
            return found
    return None
