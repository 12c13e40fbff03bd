"""Telling a CSV from its first bytes: the header line's delimiter and names (`split_header`) and the
score the CSV family's sniffers start from (`csv_score`): a header, then rows that read as numbers;
a first line alone is a header only when every cell is a column name."""

from __future__ import annotations

import csv
import functools
import io
import re

from lossacc_tui.clean import clean_lines
from lossacc_tui.readers.base import to_float
from lossacc_tui.readers.csv_decimal import reads_as_number

DELIMITERS = (",", "\t", ";", "|")

_LINE_END = re.compile(r"\r\n?|\n")

#: Longest line or head whose result is kept (a 10,000-column header, or a head of up to 16 MB, is
#: worked out each time instead of held).
CACHED_CHARS = 64 * 1024


def split_header(line: str) -> tuple[str, list[str]] | None:
    """(delimiter, names) of a header line, or None if it does not look like one."""
    hdr = _kept_header(line) if len(line) <= CACHED_CHARS else _split_header(line)
    return None if hdr is None else (hdr[0], list(hdr[1]))


def _split_header(line: str) -> tuple[str, tuple[str, ...]] | None:
    """split_header's work; the last lines asked are kept (`_kept_header`): detection asks it of the
    same header once per CSV-like sniffer (12 times a file; 2,000 run folders: bench_check).
    Escape sequences and control characters in the header (a name printed in colour, an OSC link)
    go before the delimiter is chosen: their `;` and `[` are no cells (the names come out clean,
    as the JSON readers hand theirs over)."""
    line = clean_lines(line.lstrip("\ufeff")).strip()
    if not line:
        return None
    first = _LINE_END.split(line, 1)[0]  # a head of old Mac (CR-only) lines arrives as one "line"
    delim = max(DELIMITERS, key=first.count)
    if first.count(delim) == 0:
        delim = ","
    if '"' not in line:
        line = first
    try:  # a quoted name may hold a line end: the csv module reads the header's first record
        cells = next(csv.reader(io.StringIO(line, newline=""), delimiter=delim), [])
    except csv.Error:  # hostile bytes (a NUL in Python < 3.11, an unterminated quote at a limit)
        return None
    names = tuple(c.strip().strip('"').strip() for c in cells)
    if not names or all(to_float(n) is not None for n in names if n):
        return None
    return delim, names


_kept_header = functools.lru_cache(maxsize=64)(_split_header)


#: a column name as CSV writers write them (`val_loss`, `train/acc`, `metrics/mAP50-95(B)`, `acc@1`,
#: `lr-Adam`, `top 5` with one inner space at most, a quoted name): no colon, no `=`, no run of words
_COLUMN_NAME = re.compile(r'"?[\w./@()\[\]%+-]+(?: [\w./@()\[\]%+-]+)?"?')
#: a header cell that is a name and a number (`train_loss 0.9`, `Val Loss: 0.64`, `acc=0.81`): a
#: printed record's field. (A loop's first printed line, `Epoch 1/60 - Train Loss: 1.81, Acc: 0.50,
#: Val Loss: 1.42, Acc: 0.69`, read alone by a follower that started before its second, had been a
#: CSV header: every later line a row of no numbers, the run never shown.)
_NAME_VALUE = re.compile(
    r"\s*[A-Za-z_][\w./@()\[\]-]*(?:\s+[A-Za-z_][\w./@()\[\]-]*)*(?:\s*[:=]\s*|\s+)"
    r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?\s*"
)


def csv_score(name: str, head: str) -> float:
    """CsvReader.sniff's score; the last files' are kept (`kept_score`): the CSV formats' sniffers
    all start from it (four times a file; a string keeps its hash, so a lookup costs no pass over it)."""
    lines = [ln for ln in head.splitlines()[:8] if ln.strip()]
    if len(lines) < 1 or lines[0].lstrip().startswith(("{", "[", "#")):
        return 0.0
    hdr = split_header(lines[0])
    if hdr is None or len(hdr[1]) < 2:
        return 0.0
    delim, names = hdr
    rows = [_row_cells(ln, delim) for ln in lines[1:]]
    if not rows and sum(bool(_NAME_VALUE.fullmatch(c)) for c in names) >= 2:
        return 0.0  # `epoch 0 | train_loss 0.9 | ...`: a printed record, not a header
    if not rows and not all(_COLUMN_NAME.fullmatch(c.strip()) for c in names):
        # a first line alone (a follower that started before the second was written) is a header
        # only when every cell is a column name: prose (`GPU available: False, used: False`) and
        # printed records (`Epoch 1/60 - Train Loss: 1.81, Acc: 0.50`) wait for their next line
        return 0.0

    if rows and not any(
        len(c) == len(names) and sum(reads_as_number(x, delim) for x in c) >= max(1, len(c) // 2)
        for c in rows
    ):
        return 0.0
    return 0.5 if name.lower().endswith((".csv", ".tsv", ".log", ".txt")) else 0.4


kept_score = functools.lru_cache(maxsize=8)(csv_score)


def _row_cells(line: str, delim: str) -> list[str]:
    """A data row's cells for the sniffer: a quoted cell may hold the delimiter (a `,` CSV's
    `"saved, best 0.53"`: split at each comma it had one cell too many, and the file was no CSV)."""
    if '"' not in line:
        return line.split(delim)
    try:
        return next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return line.split(delim)


__all__ = ["CACHED_CHARS", "DELIMITERS", "csv_score", "kept_score", "split_header"]
