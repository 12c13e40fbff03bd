"""detectron2's output folder: `metrics.json` (JSON lines from `JSONWriter`, one row per logging
period with `iteration`, `total_loss`, `loss_*`, `fast_rcnn/cls_accuracy`, `lr`, ...) and the
TensorBoard file `TensorboardXWriter` writes beside it with the same scalars. The folder is read once,
from metrics.json (the JSON lines reader, x = iteration); the event file is covered by the claim so
the same numbers never show as a second run. A metrics.json appended to by several trainings
still splits into one run per training (`output#2`).
"""

from __future__ import annotations

from pathlib import Path

from lossacc_tui.readers import jsonvalue
from lossacc_tui.readers.jsonl import JsonlReader
from lossacc_tui.readers.layouts import Claim, event_files, register_layout


def _is_detectron2_metrics(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 16)
        obj = jsonvalue.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(obj, dict) and "iteration" in obj and any(str(k).startswith("loss_") for k in obj)


@register_layout("jsonl")
def detectron2_layout(folder: Path) -> list[Claim]:
    metrics = folder / "metrics.json"
    events = event_files(folder)
    if not events or not metrics.is_file() or not _is_detectron2_metrics(metrics):
        return []
    return [Claim(folder, "jsonl", [(metrics, JsonlReader)], covers=set(events), joined=False)]
