"""numpy's own routines without their Python wrappers, for the analysis of short chunks.

A small run's analysis is some thousands of numpy calls on arrays of tens of values, where a call's
Python wrapper costs more than its arithmetic: `np.clip` checks its bounds' types in Python before it
reaches the `clip` ufunc (8.7 us against 1.6 us on 10 values here), `np.diff` builds slices and
`np.flatnonzero` ravels first. The functions here go straight to the ufunc or method that the numpy
function calls in the end, so their results are the same bits.
"""

from __future__ import annotations

import numpy as np
from numpy._core import umath

__all__ = ["clip", "diff1", "nonzero1"]


def clip(a: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """`np.clip(a, lo, hi)` with both bounds given (finite, and for an integer `a` within its
    dtype's range: `np.clip` turns a Python int beyond that range into no bound): the `clip` ufunc
    it calls. Any shape; NaN stays NaN."""
    return umath.clip(a, lo, hi)  # type: ignore[no-any-return]


def diff1(a: np.ndarray) -> np.ndarray:
    """`np.diff(a)` of a 1-d array: a[1:] - a[:-1] (length len(a) - 1)."""
    return a[1:] - a[:-1]  # type: ignore[no-any-return]


def nonzero1(a: np.ndarray) -> np.ndarray:
    """`np.flatnonzero(a)` of a 1-d array: the indices (int64) where it is non-zero."""
    return a.nonzero()[0]
