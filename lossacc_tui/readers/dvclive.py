"""DVCLive's folder (`dvclive/`, written by `dvclive.Live` and its framework callbacks): one TSV per
metric under `plots/metrics/`, `step\\t<name>` (plus `timestamp`), sub-folders naming the split
(`train/`, `eval/` = validation data in the Keras, Lightning and HF callbacks). The whole folder is
one run; `metrics.json` is the summary of the last step (not a series) and `params.yaml` the
hyper-parameters, both covered by the claim so they do not show as runs of their own.
Format: https://dvc.org/doc/dvclive/how-it-works (the `plots/metrics` layout).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.csvlike import CsvReader
from lossacc_tui.readers.layouts import Claim, register_layout

METRICS_DIR = Path("plots") / "metrics"


class PrefixedCsvReader(CsvReader):
    """A CSV/TSV whose metric names get a prefix (the folder that names the split)."""

    def __init__(self, prefix: str = "") -> None:
        super().__init__()
        self.prefix = prefix

    def _metric_name(self, name: str) -> str:
        return self.prefix + name


@register_layout("dvclive")
def dvclive_layout(folder: Path) -> list[Claim]:
    """A folder with `plots/metrics/**.tsv` (and DVCLive's `metrics.json` or `params.yaml`, or the
    name `dvclive`): one run; each TSV's metric is named `<sub-folder>/<metric>` (`eval/loss`)."""
    metrics = folder / METRICS_DIR
    if not metrics.is_dir():
        return []
    if folder.name != "dvclive" and not any((folder / f).is_file() for f in ("metrics.json", "params.yaml")):
        return []
    files: list[tuple[Path, Callable[[], Reader]]] = []
    for dirpath, dirnames, filenames in os.walk(metrics):
        dirnames.sort()
        d = Path(dirpath)
        rel = d.relative_to(metrics).as_posix()
        prefix = "" if rel == "." else rel + "/"
        for fn in sorted(filenames):
            if fn.endswith((".tsv", ".csv")) and not fn.startswith("."):
                files.append((d / fn, functools.partial(PrefixedCsvReader, prefix=prefix)))
    return [Claim(folder, "dvclive", files, covers={folder})]
