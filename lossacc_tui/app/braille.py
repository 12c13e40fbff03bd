"""Curves drawn in braille cells with numpy, as plotext draws a `marker="braille"` line plot (same
pixel mapping, same line stepping), but vectorized: plotext spends about 10 ms of Python per
curve of a few hundred points at 120x30, this a fraction of a millisecond. The plot widget still
lets plotext draw the frame, ticks, marks and vertical lines, then lays these cells over them.

Textual-free.

>>> cols, rows, chars = rasterize([0.0, 1.0], [0.0, 1.0], (0.0, 1.0), (0.0, 1.0), 2, 1)
>>> [(int(c), int(r), ch) for c, r, ch in zip(cols, rows, chars)]
[(0, 0, '⡠'), (1, 0, '⠊')]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# braille dot bits of the 4 pixel rows (from the bottom) of a cell's left and right column
_LEFT = np.array([0x40, 0x04, 0x02, 0x01], dtype=np.uint8)
_RIGHT = np.array([0x80, 0x20, 0x10, 0x08], dtype=np.uint8)


def subpixels(v: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    """plotext's mapping of data to pixel index: floor(0.5 + (bins - 1) * (v - lo) / (hi - lo)),
    after plotext's own rounding to 8 decimals (half up)."""
    span = (hi - lo) or 1.0
    n = (0.5 + (bins - 1) * (v - lo) / span) * 10**8
    f = np.floor(n)
    return np.floor(np.where(n - f < 0.5, f, np.ceil(n)) * 10**-8).astype(np.int64)


def line_pixels(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of the segments joining consecutive points: each segment sampled at max(|dx|, |dy|)
    + 1 evenly spaced points truncated to integers, its last point left to the next segment."""
    if len(px) < 2:
        return px, py
    dx, dy = np.diff(px), np.diff(py)
    steps = np.maximum(np.abs(dx), np.abs(dy))  # points each segment contributes (its end excluded)
    total = int(steps.sum())
    seg = np.repeat(np.arange(len(dx)), steps)
    t = np.arange(total) - np.repeat(np.cumsum(steps) - steps, steps)
    n = np.maximum(steps, 1)  # as plotext's linspace: lo + t * ((hi - lo) / (count - 1))
    xs = np.trunc(px[seg] + t * (dx / n)[seg]).astype(np.int64)
    ys = np.trunc(py[seg] + t * (dy / n)[seg]).astype(np.int64)
    return np.append(xs, px[-1]), np.append(ys, py[-1])


def rasterize(
    xs: Sequence[float],
    ys: Sequence[float],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    cols: int,
    rows: int,
    thick: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Braille cells (column, row from the bottom, character) of a line through the points on a
    canvas of cols x rows cells. `thick` doubles the line vertically (told apart without colour)."""
    c, r, codes = rasterize_codes(xs, ys, xlim, ylim, cols, rows, thick)
    return c, r, [chr(int(code)) for code in codes]


def rasterize_codes(
    xs: Sequence[float],
    ys: Sequence[float],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    cols: int,
    rows: int,
    thick: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`rasterize` with each cell's character as its code point (an int32 array): each cell once."""
    if not len(xs) or cols < 1 or rows < 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
    px = subpixels(np.asarray(xs, dtype=np.float64), xlim[0], xlim[1], 2 * cols)
    py = subpixels(np.asarray(ys, dtype=np.float64), ylim[0], ylim[1], 4 * rows)
    x, y = line_pixels(px, py)
    if thick:
        x, y = np.concatenate([x, x]), np.concatenate([y, y + 1])
    keep = (x >= 0) & (x < 2 * cols) & (y >= 0) & (y < 4 * rows)
    x, y = x[keep], y[keep]
    bits = np.where(x % 2 == 0, _LEFT[y % 4], _RIGHT[y % 4])
    grid = np.zeros((rows, cols), dtype=np.uint8)
    np.bitwise_or.at(grid, (y // 4, x // 2), bits)
    r, c = np.nonzero(grid)
    return c, r, grid[r, c].astype(np.int32) + 0x2800
