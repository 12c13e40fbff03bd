"""Folder layouts: a reader claims a folder whose files together make one run (or that holds the
same data twice), through one hook that both the first scan (`source.discover`) and the follower
(`monitor`) call. A new folder format registers a `Layout` here from its own module; the core
does not change.

A `Claim` names the folder the run is named after, the files that are read (each with the reader
that reads it) and every other path the claim covers (a second copy of the same data, a summary
file, a deleted MLflow run), which the scan then skips. A claim with no file to read only covers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from lossacc_tui.readers.base import Reader


class Level(IntEnum):
    """How sure a detection is (named, so that no two modules invent their own scale).

    A folder layout claimed at `LAYOUT` wins over reading its files one by one."""

    NONE = 0
    GUESS = 1  # free text that happens to look like metrics
    GENERIC = 2  # a generic format (any CSV, any JSON lines)
    LIKELY = 3  # the writer's file name or its characteristic header
    CERTAIN = 4  # a signature no other writer produces
    LAYOUT = 5  # a folder layout of a known writer

    @property
    def score(self) -> float:
        """The level as a `Reader.sniff` score (0..1)."""
        return self.value / 5.0


@dataclass
class Claim:
    """One run made of the files of a folder layout."""

    folder: Path  # the run is named after this folder
    fmt: str  # format id shown for the run
    files: list[tuple[Path, Callable[[], Reader]]]  # read, in this order
    covers: set[Path] = field(default_factory=set)  # paths skipped by the scan (files or folders)
    #: the files are one run even when there is just one file so far (a DVCLive folder with one
    #: metric); False lets one file hold several runs (a log appended to by two trainings)
    joined: bool = True
    level: Level = Level.LAYOUT
    #: the run's name when it is not the folder's (one file holding several runs: W&B exports)
    name: str | None = None
    #: `files` holds one file, the newest of successive copies of one history (HF checkpoints):
    #: when a newer copy appears, the follower reads it in place of the old one, with the same
    #: reader (which returns only the records it had not returned), instead of adding a file
    successive: bool = False
    #: `files` are the successive parts of ONE writer's log (a TensorBoard SummaryWriter reopened on
    #: its folder after a resume or a restart): read through one splitter, so a resume continues
    #: its run and a restart from scratch is a run of its own, as if they were one file
    sequential: bool = False

    def owns(self, path: Path) -> bool:
        """Whether `path` is read by this claim or covered by it."""
        if any(p == path for p, _ in self.files):
            return True
        return any(path == c or c in path.parents for c in self.covers)


#: claim(folder) -> claims of that folder (usually zero or one)
Layout = Callable[[Path], list[Claim]]
LAYOUTS: list[tuple[str, Layout]] = []


def register_layout(fmt: str) -> Callable[[Layout], Layout]:
    """Decorator: `fn(folder) -> list[Claim]`, called for every folder of a scan."""

    def deco(fn: Layout) -> Layout:
        LAYOUTS.append((fmt, fn))
        return fn

    return deco


def claim_folder(folder: Path, fmt: str | None = None) -> list[Claim]:
    """Every claim of the registered layouts on this folder (of format `fmt` only, when given).
    A layout that fails (an unreadable folder, a file of hostile bytes) claims nothing: it must
    never stop the other logs of the folder from being read."""
    from lossacc_tui.readers.registry import load_for_folder  # registry imports reader modules

    load_for_folder(folder)  # the deferred modules whose layouts may claim it register theirs
    out: list[Claim] = []
    for layout_fmt, fn in LAYOUTS:
        if fmt is not None and fmt != layout_fmt:
            continue
        try:
            out += fn(folder)
        except Exception:  # unreadable, or hostile bytes a layout's peek did not expect: the folder's
            continue  # files are then detected one by one, each read or told as not a log
    return out


def claim_for(path: Path, root: Path, fmt: str | None = None) -> Claim | None:
    """The claim that owns a file found under `root` (by the follower), or None."""
    for folder in (path.parent, *path.parent.parents):
        for claim in claim_folder(folder, fmt):
            if claim.owns(path):
                return claim
        if folder == root or folder == folder.parent:
            break
    return None


# -- helpers for layouts -------------------------------------------------------------------------
def files_in(folder: Path, suffixes: Iterable[str] = ()) -> list[Path]:
    """The regular files of a folder, sorted (only those ending in `suffixes` when given)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    ends = tuple(suffixes)
    return [folder / n for n in names if (not ends or n.endswith(ends)) and (folder / n).is_file()]


def event_files(folder: Path) -> list[Path]:
    """TensorBoard event files directly in a folder."""
    return [p for p in files_in(folder) if "tfevents" in p.name]
