"""plotext's cell matrix as numpy arrays, and rows of cells as strips: a plot lays its curves over a
copy of plotext's frame with numpy and turns each row into one strip (no ANSI string to parse)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

_STYLE_CACHE: dict[tuple[Any, Any, Any], Style] = {}


def cell_style(fg: Any, style: Any, bg: Any) -> Style:
    """The Rich style of a plotext cell's colour, style and background (plotext's names), kept."""
    key = (fg, style, bg)
    got = _STYLE_CACHE.get(key)
    if got is None:
        from plotext._utility import colors_to_ansi

        text = Text.from_ansi(colors_to_ansi(fg, style, bg) + "x")
        got = _STYLE_CACHE[key] = text.spans[0].style if text.spans else Style()  # type: ignore[assignment]
    return got


def cells_of(
    m: Any,
) -> tuple[np.ndarray | None, np.ndarray, list[Any], np.ndarray, np.ndarray, tuple[list[Any], list[Any]]]:
    """plotext's cell matrix as arrays: the characters' code points and the index of each cell's
    colour in a palette (the colours as plotext names them), so a frame lays its curves over a
    copy with numpy; each cell's style and background likewise, as indices into their own lists
    (marker, fg, palette, style, background, (styles, backgrounds)); the marker None when a cell
    holds other than one character."""
    palette: list[Any] = []
    fg, st, bg = (
        _indices(rows, into) for rows, into in ((m.fullground, palette), (m.style, []), (m.background, []))
    )
    looks = (st[1], bg[1])
    if any(len(ch) != 1 for row in m.marker for ch in row):
        return None, fg[0], palette, st[0], bg[0], looks
    marker = np.array([[ord(ch) for ch in row] for row in m.marker], dtype=np.int32)
    return marker.reshape(len(m.marker), -1), fg[0], palette, st[0], bg[0], looks


def _indices(rows: list[list[Any]], names: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """A matrix of names (colours, styles) as an int array of their indices in `names` (extended)."""
    index: dict[Any, int] = {}
    out = np.array([[index.setdefault(c, len(index)) for c in row] for row in rows], dtype=np.int32)
    names.extend(index)
    return out.reshape(len(rows), -1), names


def colour_index(palette: list[Any], colour: Any) -> int:
    """The index of `colour` in the palette, added if new."""
    try:
        return palette.index(colour)
    except ValueError:
        palette.append(colour)
        return len(palette) - 1


def row_strip(
    marker: np.ndarray, fg: np.ndarray, st: np.ndarray, bg: np.ndarray, names: tuple[list[Any], ...]
) -> Strip:
    """One row of the cell matrix (code points; colour, style and background indices into `names`)
    as a strip: a segment per run of equal looks."""
    n = len(marker)
    text = marker.astype("<u4").tobytes().decode("utf-32-le")
    change = (fg[1:] != fg[:-1]) | (st[1:] != st[:-1]) | (bg[1:] != bg[:-1])
    cuts = [0, *(np.flatnonzero(change) + 1).tolist(), n]
    colours, styles, backgrounds = names
    segs = [
        Segment(text[a:b], cell_style(colours[fg[a]], styles[st[a]], backgrounds[bg[a]]))
        for a, b in itertools.pairwise(cuts)
    ]
    return Strip(segs, n)


def cell_of(x: float, x0: float, x1: float, cells: int) -> int:
    """The canvas cell plotext puts x in (its `get_matrix_data`, for ticks and lines)."""
    return math.floor(round(0.5 + (cells - 1) * (x - x0) / ((x1 - x0) or 1.0), 8))
