"""What one analysis pass (`Analyzer.update`) shares among its detectors: `one_pass` marks the
pass, `pass_memo` computes an elementwise function of the same chunk once in it, `same_bits`
compares the arrays such memos are keyed by.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

import numpy as np

#: per thread, inside an analysis pass (`one_pass`): whether `ordered` remembers its answers, and
#: `pass_memo`'s results
_PASS = threading.local()

T = TypeVar("T")


@contextmanager
def one_pass(quiet: bool = False) -> Iterator[None]:
    """An analysis pass (`Analyzer.update`): `pass_memo` remembers what it computed until it ends,
    and `lookups.ordered` remembers its answers (`in_pass`). `quiet`: the caller turned every
    floating-point warning off for the pass (`np.errstate(all="ignore")`), so `quiet()` inside it
    has nothing left to do."""
    was = getattr(_PASS, "quiet", False)
    _PASS.memo, _PASS.quiet = {}, quiet
    try:
        yield
    finally:
        _PASS.memo, _PASS.quiet = None, was


_NOTHING = nullcontext()


def quiet(**ignore: str) -> AbstractContextManager[object]:
    """`np.errstate(**ignore)` (each warning named: "ignore"), or nothing inside a pass that turned
    every warning off already (`one_pass(quiet=True)`): the same effect, for a tenth of the cost of
    entering and leaving numpy's error state (about 3 us, a hundred times a small run's analysis)."""
    return _NOTHING if getattr(_PASS, "quiet", False) else np.errstate(**ignore)  # type: ignore[arg-type]


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


def once_in_pass(key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per pass (`one_pass`) for the same `key` (hashable; its owner first), handed
    out as it is (the caller does not change it); outside a pass it is computed each time."""
    store: dict[object, object] | None = getattr(_PASS, "memo", None)
    if store is None:
        return compute()
    k = ("once", *key)
    if k not in store:
        store[k] = compute()
    return store[k]  # type: ignore[return-value]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """The same dtype, shape and bits (a NaN equal to the same NaN)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.size <= 512 and a.dtype.kind in "fiub":  # (a short chunk: its bytes, for a tenth of the calls)
        return a.tobytes() == b.tobytes()
    if a.dtype.kind == "f":
        bits = np.dtype(f"u{a.itemsize}")
        return bool(np.array_equal(a.view(bits), b.view(bits)))
    return bool(np.array_equal(a, b))


def pass_memo(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray) -> np.ndarray:
    """fn(a) for an elementwise function `fn` of one array, computed once per pass (`one_pass`) for
    the same values: several detectors ask for the same function of the same chunk (the binary
    entropy of the accuracy, five times a chunk). The input is compared bit for bit; the result
    is read-only and shared. Calls outside a pass are computed each time."""
    cache: dict[object, list[tuple[np.ndarray, np.ndarray]]] | None = getattr(_PASS, "memo", None)
    a = np.asarray(a)
    if cache is None:
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
