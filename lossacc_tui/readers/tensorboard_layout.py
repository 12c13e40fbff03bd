"""TensorBoard folder layouts: the folders whose event files are one run (Keras' `train/` and
`validation/` split folders; several event files of one `SummaryWriter` folder, a resumed run).
Importing this module registers them, and the event-file reader with them (`registry.DEFERRED`
imports it when a file or folder may be TensorBoard's)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.layouts import Claim, event_files, register_layout
from lossacc_tui.readers.tensorboard import TensorBoardReader

KERAS_SPLIT_DIRS = ("train", "validation")


@register_layout("tensorboard")
def keras_layout(folder: Path) -> list[Claim]:
    """Keras' `TensorBoard(log_dir=...)` callback: `log_dir/train/` and `log_dir/validation/` event
    files are one run; tags get the folder as prefix (`train/epoch_loss`, `validation/epoch_loss`),
    which `roles` reads as the split."""
    files: list[tuple[Path, Callable[[], Reader]]] = []
    covers: set[Path] = set()
    for split in KERAS_SPLIT_DIRS:
        sub = folder / split
        events = event_files(sub) if sub.is_dir() else []
        covers.update(events)
        files += [(p, functools.partial(TensorBoardReader, prefix=split + "/", keras=True)) for p in events]
    if not files or event_files(folder):
        return []
    return [Claim(folder, "tensorboard", files, covers)]


@register_layout("tensorboard")
def writer_folder_layout(folder: Path) -> list[Claim]:
    """A folder holding several event files of its own: what one `SummaryWriter(log_dir)` leaves when
    it is opened again on the folder (a run resumed from a checkpoint, or started over). TensorBoard
    reads them as one run, in file-name order (the name carries the writer's start time), and drops
    the points at or after a step that goes back (`purge_orphaned_data`). Here they are read in that
    order through one splitter (`Claim.sequential`): a resume replaces the points from its step on
    and says so in a problem; a start from the first step again is a run of its own (`folder#2`),
    never silently dropped."""
    events = sorted(event_files(folder), key=_event_file_order)
    hosts = {_writer_host(p) for p in events}
    if len(events) < 2 or len(hosts) != 1 or None in hosts:
        # (files of several hosts, or renamed ones whose names no longer say the host: separate
        # jobs collected in one folder, each read as its own run, never glued into one)
        return []
    files: list[tuple[Path, Callable[[], Reader]]] = [(p, TensorBoardReader) for p in events]
    return [Claim(folder, "tensorboard", files, joined=False, sequential=True)]


def _writer_host(p: Path) -> str | None:
    """The host a SummaryWriter wrote `events.out.tfevents.<unix time>.<host>.<pid>.<n>` on (the
    host may hold dots; TF2 adds `.<uid>.v2`); None for a name not of that form (a renamed copy),
    which makes the folder no single writer's."""
    parts = p.name.split(".")
    if not (p.name.startswith("events.out.tfevents.") and len(parts) >= 7 and parts[3].isdigit()):
        return None
    if parts[-1] == "v2":  # (TF2: `.<host>.<pid>.<uid>.v2`)
        return ".".join(parts[4:-3]) or None
    return ".".join(parts[4:-2]) if parts[-1].isdigit() else None


def _event_file_order(p: Path) -> tuple[int, str]:
    """`events.out.tfevents.<unix time>.<host>...`: by the writer's start time, then by name."""
    parts = p.name.split(".")
    at = parts[3] if len(parts) > 3 else ""
    return (int(at) if at.isdigit() else 0, p.name)
