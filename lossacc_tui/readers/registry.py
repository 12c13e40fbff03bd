"""Format id -> reader classes (a format may have variants, e.g. keras-history as JSON or CSV).
Reader modules register themselves with `@register`.

Most reader modules are imported with the package (`readers/__init__.py`). The ones listed in
`DEFERRED` (TensorBoard, W&B run files, the MLflow stores) are imported only when a file or a folder
could be theirs: each entry has a cheap test on the file's name and first bytes, and one on a
folder's entries, that is true wherever one of the module's sniffers or folder layouts could claim
something (a superset of what they claim). So `check` on a CSV imports none of them.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lossacc_tui.readers.base import Reader

READERS: dict[str, list[type[Reader]]] = {}
R = TypeVar("R", bound=type[Reader])


def register(cls: R) -> R:
    READERS.setdefault(cls.format_id, []).append(cls)
    return cls


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _wandb_run_name(name: str) -> bool:
    return name.startswith(("run-", "offline-run-")) or name == "latest-run"


_MLFLOW_LINE = re.compile(r"\d{9,14}")  # a metric line starts with a Unix time in ms (readers/mlflow.py)


@dataclass(frozen=True)
class Deferred:
    """A reader module imported only when `file(name, head)` or `folder(path, entries)` is true."""

    module: str  # under lossacc_tui.readers
    formats: tuple[str, ...]  # the format ids it registers
    file: Callable[[str, str], bool]
    folder: Callable[[Path, list[str]], bool]


DEFERRED: tuple[Deferred, ...] = (
    Deferred(
        "tensorboard_layout",  # (imports the event-file reader, readers/tensorboard.py)
        ("tensorboard",),
        lambda name, head: "tfevents" in _base(name) or "brain.Event:" in head[:256],
        # Keras' log_dir layout; several event files of one SummaryWriter folder (a resumed run)
        lambda path, entries: (
            "train" in entries or "validation" in entries or sum("tfevents" in e for e in entries) >= 2
        ),
    ),
    Deferred(
        "wandb_run",
        ("wandb",),
        lambda name, head: _base(name).endswith(".wandb") or head.startswith(":W&B"),
        lambda path, entries: False,
    ),
    Deferred(
        "wandb_folder",
        ("wandb-summary",),
        lambda name, head: _base(name) == "wandb-summary.json",
        lambda path, entries: (
            _wandb_run_name(path.name) or any(e.endswith(".wandb") or _wandb_run_name(e) for e in entries)
        ),
    ),
    Deferred(
        "mlflow",
        ("mlflow",),
        lambda name, head: (
            "/metrics/" in name.replace("\\", "/") or _MLFLOW_LINE.match(head.lstrip()) is not None
        ),
        lambda path, entries: "meta.yaml" in entries,
    ),
    Deferred(
        "mlflow_db",
        ("mlflow-db",),
        lambda name, head: False,  # never sniffed: claimed by its folder layout
        lambda path, entries: any(e.endswith((".db", ".sqlite", ".sqlite3")) for e in entries),
    ),
)
_loaded: set[str] = set()


def _load(d: Deferred) -> None:
    if d.module not in _loaded:
        importlib.import_module(f"lossacc_tui.readers.{d.module}")
        _loaded.add(d.module)


def load_all() -> None:
    """Import every deferred reader module (all formats registered)."""
    for d in DEFERRED:
        _load(d)


def format_ids() -> list[str]:
    """Every format id, sorted, without importing the deferred modules."""
    return sorted(set(READERS) | {f for d in DEFERRED for f in d.formats})


def readers_for(fmt: str) -> list[type[Reader]]:
    """The reader classes of one format id (its module imported first if deferred)."""
    for d in DEFERRED:
        if fmt in d.formats:
            _load(d)
    return READERS.get(fmt, [])


def candidates(name: str, head: str) -> list[type[Reader]]:
    """Every reader that may claim a file named `name` starting with `head`: the ones imported so
    far, after importing each deferred module whose file test is true."""
    for d in DEFERRED:
        if d.module not in _loaded and d.file(name, head):
            _load(d)
    return [cls for variants in READERS.values() for cls in variants]


def load_for_folder(folder: Path) -> None:
    """Import each deferred module whose layouts may claim `folder` (before the layouts are asked)."""
    waiting = [d for d in DEFERRED if d.module not in _loaded]
    if not waiting:
        return
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for d in waiting:
        if d.folder(folder, entries):
            _load(d)


def all_readers() -> list[type[Reader]]:
    """Every reader class of every format (the deferred modules imported)."""
    load_all()
    return [cls for variants in READERS.values() for cls in variants]
