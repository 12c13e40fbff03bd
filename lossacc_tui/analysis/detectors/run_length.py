"""Run lengths of a condition over a stream of evaluations, carried from chunk to chunk: the
detectors that open after a condition held N evaluations in a row (`overfitting`, `val-degrading`)
count them with this."""

from __future__ import annotations

import numpy as np


def run_lengths(cond: np.ndarray, carry: int) -> np.ndarray:
    """How many consecutive True values end at each position (the first run continues `carry`).

    >>> run_lengths(np.array([True, True, False, True]), 2).tolist()
    [3, 4, 0, 1]
    """
    idx = np.arange(len(cond))
    last_false = np.maximum.accumulate(np.where(~cond, idx, -1))
    out = idx - last_false
    out[last_false < 0] += carry
    return out


def held_through(cond: np.ndarray, through: np.ndarray, carry: int) -> np.ndarray:
    """Per position: how many True values of `cond` the run ending there holds, where a run goes on
    through positions of `through` (neither counted nor breaking it) and ends at any other False;
    the first run continues `carry`. 0 where neither holds.

    >>> on, through = np.array([1, 0, 0, 1, 0], bool), np.array([0, 1, 1, 0, 0], bool)
    >>> held_through(on, through, 2).tolist()
    [3, 3, 3, 4, 0]
    """
    on = cond | through
    idx = np.arange(len(cond))
    last_off = np.maximum.accumulate(np.where(~on, idx, -1))
    counted = np.cumsum(cond)
    before = np.where(last_off >= 0, counted[np.maximum(last_off, 0)], -carry)
    return np.where(on, counted - before, 0)


def after_through(up: np.ndarray, back: np.ndarray, carry: bool) -> tuple[np.ndarray, bool]:
    """Per position: whether `back` holds in a stretch of consecutive `up` or `back` positions
    after at least one `up` of it (shapes (n,)); `carry`: whether the stretch open at the previous
    chunk's end had seen an `up`. Returns those positions and the carry for the next chunk.

    >>> r, c = after_through(np.array([0, 1, 0, 0, 0], bool), np.array([1, 0, 1, 1, 0], bool), False)
    >>> r.astype(int).tolist(), c
    ([0, 0, 1, 1, 0], False)
    """
    on = up | back
    idx = np.arange(len(up))
    start = np.maximum.accumulate(np.where(~on, idx, -1))  # (the last position off: -1 none)
    last_up = np.maximum.accumulate(np.where(up, idx, -1))
    seen = (last_up > start) | ((start < 0) & carry)
    out = back & seen
    return out, bool(len(on) and on[-1] and seen[-1]) if len(on) else carry
