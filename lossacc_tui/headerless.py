"""A CSV metrics log that lost its header row: logrotate's `copytruncate` leaves a CSVLogger file so
(the header went with the copy, `log.csv.1`; the writer goes on appending rows to the emptied log).
When a rotated copy beside it begins with a header of as many columns as its rows, the log is read
with that header, and says so (a recorded problem); otherwise it is named as headerless, not read.

Files are opened read-only. Used by `source.open_file`, hence by `check` and the follower alike.
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

from lossacc_tui.clean import clean
from lossacc_tui.rotated import beside

HEADERLESS = (
    "its first row holds numbers, not column names: a CSV whose header row is gone (copytruncate "
    "leaves a CSVLogger file so), so its columns cannot be named and it is not read"
)
HEAD_BYTES = 4096  # a file's first bytes looked at (a header row, or the first rows)


def _head(path: Path | str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(HEAD_BYTES)
    except OSError:
        return b""


def _rows(head: bytes) -> list[list[float]] | None:
    """The first complete lines as rows of numbers (empty cells: NaN), or None (not numbers)."""
    lines = [ln for ln in head.splitlines()[:-1] if ln.strip()][:5]  # (complete lines only)
    rows: list[list[float]] = []
    for ln in lines:
        cells = ln.replace(b"\t", b",").split(b",")
        try:
            rows.append([float(c) if c.strip() else math.nan for c in cells])
        except ValueError:
            return None
    return rows


def headerless_csv(path: Path) -> str | None:
    """Why a `.csv`/`.tsv` file no reader took is not read, when it looks like a metrics table that
    lost its header row: its first lines are numbers only (empty cells allowed), as many a line, with
    a whole first number that grows from line to line (an epoch or step). None otherwise (a
    confusion matrix or a data table is not a log, and is passed over as before)."""
    if path.suffix.lower() not in (".csv", ".tsv"):
        return None
    rows = _rows(_head(path))
    if not rows or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        return None
    first = [r[0] for r in rows]
    if not all(math.isfinite(x) and x.is_integer() for x in first):
        return None
    if any(b <= a for a, b in itertools.pairwise(first)):
        return None
    return HEADERLESS


def header_beside(path: Path) -> tuple[str, str] | None:
    """For a headerless CSV log (`headerless_csv`): (the header line, the copy it comes from) of the
    most recently written rotated copy beside it (`log.csv.1`, `log.csv-20261130`) whose first line is
    a header with as many columns as the log's rows. None when there is none."""
    if headerless_csv(path) is None:
        return None
    from lossacc_tui.readers.csvlike import split_header  # (only for such a log: not at start-up)

    first_row = next((ln for ln in _head(path).splitlines() if ln.strip()), b"")
    found: list[tuple[int, str, str]] = []
    for other in beside(path):
        try:
            mtime = os.stat(other).st_mtime_ns
        except OSError:
            continue
        line = _head(other).split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")
        hdr = split_header(line)
        if hdr is None or len(hdr[1]) < 2:
            continue
        delim, names = hdr
        if len(first_row.decode("utf-8", errors="replace").split(delim)) == len(names):
            found.append((mtime, other, line + "\n"))
    if not found:
        return None
    _, other, line = max(found)
    return line, other


def borrowed_note(copy: str, columns: int) -> str:
    """The problem a log read with a rotated copy's header records."""
    return (
        f"no header row (a copytruncate left it in the copy): its {columns} columns are named from "
        f"the header of {clean(os.path.basename(copy))} beside it"
    )
