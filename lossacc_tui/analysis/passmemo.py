"""What one analysis pass (`Analyzer.update`) shares among its detectors: `one_pass` marks the
pass, `pass_memo` computes an elementwise function of the same chunk once in it, `same_bits`
compares the arrays such memos are keyed by.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

#: per thread, inside an analysis pass (`one_pass`): whether `ordered` remembers its answers, and
#: `pass_memo`'s results
_PASS = threading.local()


@contextmanager
def one_pass() -> Iterator[None]:
    """An analysis pass (`Analyzer.update`): `pass_memo` remembers what it computed until it ends,
    and `lookups.ordered` remembers its answers (`in_pass`)."""
    _PASS.memo = {}
    try:
        yield
    finally:
        _PASS.memo = None


def in_pass() -> bool:
    """Whether this thread is inside `one_pass`."""
    return getattr(_PASS, "memo", None) is not None


def shared_in_pass(
    key: tuple[object, ...],
    objs: tuple[object, ...],
    arrays: tuple[np.ndarray, ...],
    compute: Callable[[], np.ndarray],
) -> np.ndarray:
    """`compute()` (a function of `objs` and `arrays` alone, and of what `key` names) once per pass
    (`one_pass`) for the same objects (by identity) and arrays (bit for bit): several kinds read the
    same history at the same points in a chunk (the training split's level at the accuracy's x,
    three times a chunk; the training loss at the validation points, four). A fresh copy is handed
    out each time; outside a pass it is computed each time. `key` names the owner first and holds
    what the objects' state is (their lengths, generations): up to 4 entries a key."""
    store: dict[object, list[tuple[tuple[object, ...], tuple[np.ndarray, ...], np.ndarray]]] | None = getattr(
        _PASS, "memo", None
    )
    if store is None:
        return compute()
    seen = store.setdefault(("shared", *key), [])
    for o, a, out in seen:
        if all(x is y for x, y in zip(o, objs, strict=True)) and all(
            same_bits(x, y) for x, y in zip(a, arrays, strict=True)
        ):
            return out.copy()
    out = compute()
    # (the objects are kept with the answer: an id in a key is not reused while its entry lives)
    seen.append((objs, tuple(np.array(x) for x in arrays), out.copy()))
    del seen[:-4]
    return out


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """The same dtype, shape and bits (a NaN equal to the same NaN)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        bits = np.dtype(f"u{a.itemsize}")
        return bool(np.array_equal(a.view(bits), b.view(bits)))
    return bool(np.array_equal(a, b))


def pass_memo(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray) -> np.ndarray:
    """fn(a) for an elementwise function `fn` of one array, computed once per pass (`one_pass`) for
    the same values: several detectors ask for the same function of the same chunk (the binary
    entropy of the accuracy, five times a chunk). The input is compared bit for bit; the result
    is read-only and shared. Small arrays and calls outside a pass are computed each time."""
    cache: dict[object, list[tuple[np.ndarray, np.ndarray]]] | None = getattr(_PASS, "memo", None)
    a = np.asarray(a)
    if cache is None or a.size < 4096:
        return fn(a)
    seen = cache.setdefault(fn, [])
    for key, out in seen:
        if same_bits(key, a):
            return out
    out = fn(a)
    out.setflags(write=False)
    seen.append((a.copy(), out))
    del seen[:-4]
    return out
