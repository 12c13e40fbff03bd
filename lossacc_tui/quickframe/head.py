"""The data of the quick frame: the start of the log, read with the project's own reader within a
time budget."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

READ_BUDGET = 0.1  # seconds of reading before the first frame (the rest is read by the view)
CHUNK = 1 << 18  # bytes per read while the budget lasts


def read_head(
    path: Path,
    fmt: str | None,
    role_map: Any,
    budget: float = READ_BUDGET,
    clock: Callable[[], float] = time.monotonic,
    chunk: int = CHUNK,
) -> tuple[Any, float] | None:
    """The first run of the log at `path` as read within `budget` seconds, and the fraction of the
    file read (1.0: all of it). None when the path is not one log file read by bytes."""
    from lossacc_tui.files import open_regular
    from lossacc_tui.source import discover

    start = clock()
    sources = discover(path, fmt, role_map)
    if len(sources) != 1 or len(sources[0].files) != 1:
        return None
    src = sources[0]
    if getattr(src.files[0].reader, "reads_itself", False):
        return None
    with open_regular(src.files[0].path) as fh:
        size = os.fstat(fh.fileno()).st_size
        done = 0
        while data := fh.read(chunk):
            src.feed(0, data)
            done += len(data)
            if clock() - start > budget:
                break
        else:
            src.finish(0)
            done = size
    if not src.runs:
        return None
    return src.runs[0], (done / size if size else 1.0)
