"""The CSV the Weights & Biases web UI exports from a panel ("Export panel data as CSV"):

    "Step","<run> - train/loss","<run> - train/loss__MIN","<run> - train/loss__MAX","<run2> - ..."

Every cell is quoted; a run without a point at a step leaves its cell empty. Each `<run>` becomes a
run of its own (one Source per run, all reading the same file), named `<file>:<run>`; its metrics
lose the `<run> - ` prefix. The `__MIN`/`__MAX` columns (the band W&B draws when it samples a
series) are not series. x = `Step` (or `epoch` when the panel's x axis was the epoch).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import ClassVar

from lossacc_tui.readers.csvlike import CsvReader, split_header
from lossacc_tui.readers.layouts import Claim, Level, files_in, register_layout
from lossacc_tui.readers.registry import register

_COLUMN = re.compile(r"^(?P<run>.+?) - (?P<metric>.+?)(?P<band>__MIN|__MAX)?$")
X_COLUMNS = {"step": "step", "epoch": "epoch", "_step": "step", "global_step": "step"}


def export_runs(names: list[str]) -> list[str] | None:
    """The run names of a W&B export header (in order), or None when it is not one."""
    if len(names) < 2 or names[0].lower() not in X_COLUMNS:
        return None
    runs: dict[str, None] = {}
    for n in names[1:]:
        m = _COLUMN.match(n)
        if m is None:
            return None
        runs[m["run"]] = None
    return list(runs)


@register
class WandbExportReader(CsvReader):
    """One run's columns of a W&B panel export (all runs' when `run` is None)."""

    format_id: ClassVar[str] = "wandb-export"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hdr = split_header(head.split("\n", 1)[0].split("\r", 1)[0])
        return Level.CERTAIN.score if hdr is not None and export_runs(hdr[1]) else 0.0

    def __init__(self, run: str | None = None) -> None:
        super().__init__()
        self.run = run

    def _column_kind(self, i: int, name: str) -> str:
        if i == 0 and name.lower() in X_COLUMNS:
            return X_COLUMNS[name.lower()]
        m = _COLUMN.match(name)
        if m is None or m["band"] or (self.run is not None and m["run"] != self.run):
            return "text"  # not a series of this run: never read as one
        return "metric"

    def _metric_name(self, name: str) -> str:
        m = _COLUMN.match(name)
        return m["metric"] if m is not None and self.run is not None else name


def _header(path: Path) -> list[str] | None:
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return None
    hdr = split_header(first.lstrip("\ufeff"))
    return None if hdr is None else hdr[1]


@register_layout("wandb-export")
def wandb_export_layout(folder: Path) -> list[Claim]:
    """Every W&B export CSV of the folder: one claim (one run) per W&B run in it."""
    claims: list[Claim] = []
    for path in files_in(folder, (".csv",)):
        names = _header(path)
        runs = export_runs(names) if names else None
        for run in runs or []:
            make = functools.partial(WandbExportReader, run=run)
            claims.append(Claim(path, "wandb-export", [(path, make)], name=f"{path.name}:{run}"))
    return claims
