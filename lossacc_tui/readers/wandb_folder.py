"""A W&B run folder (`wandb/run-<time>-<id>/`, `offline-run-...`, `latest-run`) is ONE run, and the
`wandb/` folder holding several is one run per run folder.

What a run folder holds (wandb SDK): `run-<id>.wandb` (the whole logged history: read, needs the
wandb extra), `files/` (`output.log`: the console; `wandb-summary.json`: the last value of each key;
`config.yaml`, `requirements.txt`, `wandb-metadata.json`), `logs/` (the SDK's own debug logs) and
`tmp/`. The claim reads the `.wandb` file when there is one; without it (a folder copied without its
binary file) the console capture `files/output.log` when a reader recognises it; else the summary
(one point per metric, and a problem says so). Everything else in the folder is covered: never a
second run. In `wandb/`, the `latest-run` link to a run folder and the `debug*.log` links are covered.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from lossacc_tui.files import open_regular
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.jsondoc import JsonDocumentReader, Row, number
from lossacc_tui.readers.layouts import Claim, Level, files_in, register_layout
from lossacc_tui.readers.registry import all_readers, register
from lossacc_tui.readers.wandb_run import EPOCH_KEYS, MAGIC, WandbRunReader

RUN_DIR = re.compile(r"^(?:offline-)?run-\d{8}_\d{6}-[A-Za-z0-9]+$")
LATEST = "latest-run"
SUMMARY = "wandb-summary.json"
MIN_SCORE = 0.5  # what a folder scan asks of a file's reader (source.FOLDER_MIN_SCORE)
HEAD = 64 * 1024


@register
class WandbSummaryReader(JsonDocumentReader):
    """`files/wandb-summary.json`: the last logged value of each key, one point per metric at the
    run's last `_step` (read only when given directly, or when a run folder has nothing better)."""

    format_id: ClassVar[str] = "wandb-summary"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if base != SUMMARY or not head.lstrip("\ufeff \t\r\n").startswith("{"):
            return 0.0
        return Level.CERTAIN.score  # the SDK's own file name: beats generic JSON lines

    def rows(self, doc: Any) -> list[Row]:
        values = self.final_values(
            doc,
            lambda key: key.startswith("_") or key in EPOCH_KEYS,
            "a W&B summary: the last value of each metric (one point each); the whole history is in "
            "the run's run-<id>.wandb file",
        )
        if values is None:
            return []
        step, epoch = number(doc.get("_step", None) or 0), number(doc.get("epoch"))
        return [(values, step, epoch if epoch == epoch else None)]


def _wandb_files(folder: Path) -> list[Path]:
    """The folder's W&B run files: named `run-*.wandb` and beginning as the SDK begins them (or
    not 4 bytes long yet). A file of other bytes under that name does not make the folder a run
    folder, whose other files would then go unread."""
    return [p for p in files_in(folder, (".wandb",)) if p.name.startswith("run-") and _signed(p)]


def _signed(path: Path) -> bool:
    try:
        with open_regular(path) as f:
            first = f.read(len(MAGIC))
    except OSError:
        return False
    return len(first) < len(MAGIC) or first == MAGIC


def is_run_folder(folder: Path) -> bool:
    """A W&B run folder: its `.wandb` file, or the SDK's `files/` beside its name."""
    if _wandb_files(folder):
        return True
    named = RUN_DIR.match(folder.name) is not None or folder.name == LATEST
    files = folder / "files"
    return named and ((files / SUMMARY).is_file() or (files / "wandb-metadata.json").is_file())


def _sniffed(path: Path) -> type[Reader] | None:
    """The text reader that recognises a file (as a folder scan would), or None."""
    try:
        with open_regular(path) as f:  # read-only, never a FIFO
            head = f.read(HEAD).decode("utf-8", errors="replace")
    except OSError:
        return None
    best: tuple[float, type[Reader] | None] = (MIN_SCORE, None)
    for cls in all_readers():
        if cls.binary:
            continue
        try:
            score = cls.sniff(str(path), head)
        except Exception:  # a sniffer must never stop a claim
            continue
        if score >= best[0] and (best[1] is None or score > best[0]):
            best = (score, cls)
    return best[1]


def _covered(folder: Path) -> set[Path]:
    return {folder, *(p for p in (folder / "files", folder / "logs", folder / "tmp") if p.is_dir())}


def _sibling_target(folder: Path) -> Path | None:
    """For a link to a run folder beside it (`latest-run`), that folder (by its own name)."""
    try:
        if not folder.is_symlink():
            return None
        real = folder.resolve()
        if real.parent != folder.parent.resolve() or real.name == folder.name:
            return None
    except OSError:
        return None
    return folder.parent / real.name


def run_claim(folder: Path) -> Claim | None:
    """The one run of a W&B run folder (None when there is nothing to read in it)."""
    covers = _covered(folder)
    found = _wandb_files(folder)
    if found:
        return Claim(folder, "wandb", [(p, WandbRunReader) for p in found], covers)
    output, summary = folder / "files" / "output.log", folder / "files" / SUMMARY
    cls = _sniffed(output) if output.is_file() else None
    if cls is not None:
        return Claim(folder, cls.format_id, [(output, cls)], covers)
    if summary.is_file():
        return Claim(folder, "wandb-summary", [(summary, WandbSummaryReader)], covers)
    return None


@register_layout("wandb")
def wandb_layout(folder: Path) -> list[Claim]:
    """A run folder: its one run. The `wandb/` folder: one run per run folder inside it, with the
    `latest-run` link and the `debug*.log` links covered (they point into a run folder)."""
    if is_run_folder(folder):
        target = _sibling_target(folder)
        claim = run_claim(folder if target is None else target)
        if claim is not None and target is not None:  # `latest-run`: the run under its own name
            claim.covers |= _covered(folder)
        return [] if claim is None else [claim]
    try:
        subs = sorted(
            p for p in folder.iterdir() if p.is_dir() and (RUN_DIR.match(p.name) or p.name == LATEST)
        )
    except OSError:
        return []
    runs = [p for p in subs if is_run_folder(p)]
    if not runs:
        return []
    real = {p.resolve() for p in runs if not p.is_symlink()}
    extra = {p for p in files_in(folder, (".log",)) if p.name.startswith("debug")}
    claims: list[Claim] = []
    for p in runs:
        if p.is_symlink() and p.resolve() in real:
            extra.add(p)  # `latest-run`: the same run again
            continue
        claim = run_claim(p)
        if claim is not None:
            claims.append(claim)
    if claims:
        claims[0].covers |= extra
    return claims
