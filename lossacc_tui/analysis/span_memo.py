"""Results the detectors share within one analysis pass, keyed by their whole input (`Memo`).

Several detectors feed the same series to the same pure steps of `span_trend` (the validation
loss's line since the best for `overfitting` and `loss-up-acc-up`; its noise over many evaluations
for the state band too): each step's result is computed once a pass and handed out read-only.
`Analyzer.update` calls `forget()` after each block and pass.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections import OrderedDict

import numpy as np

from lossacc_tui.analysis.passmemo import same_bits

#: a memo key: a digest, and the arrays it stands for
Key = tuple[bytes, tuple[np.ndarray, ...]]


class Memo:
    """Results of the pure steps below, keyed by their whole input (the carried state and the
    chunk's values): several detectors feed the same series (the validation loss's line since the
    best for `overfitting` and `loss-up-acc-up`; its noise over many evaluations for the state band
    too), and each is computed once a pass. An entry is found by a digest of the state and a sample
    of the chunk, then its inputs are compared bit for bit. The arrays handed out are read-only and
    shared. Bounded (`budget` bytes, oldest out first); `forget()` empties it (`Analyzer.update`
    does after each pass). Thread-safe."""

    __slots__ = ("_bytes", "_items", "_lock", "budget")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[bytes, tuple[int, tuple[np.ndarray, ...], tuple]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> tuple | None:
        key, inputs = key
        with self._lock:
            got = self._items.get(key)
            if got is not None:
                self._items.move_to_end(key)
        if got is None or not all(same_bits(a, b) for a, b in zip(got[1], inputs, strict=True)):
            return None
        return got[2]

    def put(self, key: Key, value: tuple) -> None:
        key, inputs = key
        kept = tuple(np.array(a) for a in inputs)  # (copies: a caller may reuse its buffers)
        size = sum(v.nbytes for v in value + kept if isinstance(v, np.ndarray))
        for v in value:
            if isinstance(v, np.ndarray):
                v.setflags(write=False)
        with self._lock:
            if key in self._items or size > self.budget:
                return
            self._items[key] = (size, kept, value)
            self._bytes += size
            while self._bytes > self.budget:
                old, _, _ = self._items.popitem(last=False)[1]
                self._bytes -= old

    def forget(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


MEMO = Memo(96 << 20)


def forget() -> None:
    """Drop the shared results of the last pass (`Memo`)."""
    MEMO.forget()


def memo_key(tag: bytes, state: tuple[np.ndarray | int, ...], chunk: tuple[np.ndarray, ...]) -> Key:
    """`Memo`'s key: a digest of the state (small arrays and ints, whole) and of the chunk's arrays'
    dtypes, shapes and about 64 values of each; and the chunk's arrays (1-d), compared whole on a
    hit. (The dtypes and shapes enter as one packed run of integers: a string formatted per array
    cost as much as the rest of a small key.)"""
    h = hashlib.blake2b(tag, digest_size=20)
    head: list[int] = []
    for part in state:
        if isinstance(part, int):
            h.update(part.to_bytes(8, "little", signed=True))
            continue
        a = part if part.flags.c_contiguous else np.ascontiguousarray(part)
        head += (a.dtype.num, a.ndim, *a.shape)
        h.update(a)
    for part in chunk:
        head += (part.dtype.num, part.ndim, *part.shape)
        n = len(part)
        if n > 64 or not part.flags.c_contiguous:
            h.update(np.ascontiguousarray(part[:: max(1, n // 64)]))
        else:
            h.update(part)
        if n:
            h.update(part[-1:] if part.flags.c_contiguous else np.ascontiguousarray(part[-1:]))
    h.update(struct.pack(f"{len(head)}q", *head))
    return h.digest(), chunk
