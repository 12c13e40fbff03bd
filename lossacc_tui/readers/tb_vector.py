"""The common TensorBoard scalar events, decoded for many records at once with numpy.

Most records of a training log are one scalar each, in one of a few exact byte shapes (protobuf
wire format, fields in number order as every serializer writes them; tensorboard/compat/proto/
event.proto, summary.proto, tensor.proto):

    Event   09 wall_time:f64 [10 step:varint] 2A len Summary      (no other field)
    Summary 0A len Value                                           (exactly one value)
    Value   0A len tag  then  15 simple_value:f32                  (PyTorch, Lightning, Keras epoch_*)
                        or    42 len TensorProto                   (TF2 tf.summary.scalar, no metadata)
    Tensor  08 01 12 00 2A 04 f32 | 08 01 12 00 22 04 f32 | 08 02 12 00 32 08 f64 | 08 02 12 00 22 08 f64

`decode` finds the records of these shapes; the reader decodes every other record (several values,
metadata, histograms, a graph...) with protobuf, in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Batch

HEADER = 12
_TENSORS = {  # TensorProto bytes before the value -> numpy dtype of the value
    bytes.fromhex("080112002a04"): "<f4",
    bytes.fromhex("0801120022" + "04"): "<f4",
    bytes.fromhex("0802120032" + "08"): "<f8",
    bytes.fromhex("0802120022" + "08"): "<f8",
}


@dataclass
class Scalars:
    """Decoded one-scalar records: `ok[i]` says whether record i had a known shape; for those,
    step, wall time, value, and the tag as an index into `tags` (raw bytes); `tensor[i]` marks
    values that came as tensors (their tag's plugin must be `scalars` or none)."""

    ok: np.ndarray
    step: np.ndarray
    wall_time: np.ndarray
    value: np.ndarray
    tag: np.ndarray
    tags: list[bytes]
    tensor: np.ndarray


def _gather(buf: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """(len(at), width) bytes of buf from each offset (offsets past the end read as 0)."""
    idx = at[:, None] + np.arange(width)
    return np.where(idx < len(buf), buf[np.minimum(idx, len(buf) - 1)], 0).astype(np.uint8)


def _varint(buf: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value as int64, byte count) of the varints at `at`; count 0 where none ends in 10 bytes."""
    raw = _gather(buf, at, 10)
    last = raw < 0x80
    n = np.where(last.any(axis=1), last.argmax(axis=1) + 1, 0)
    value = np.zeros(len(at), dtype=np.uint64)
    for k in range(10):
        part = (raw[:, k] & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        value |= np.where(k < n, part, np.uint64(0))
    return value.view(np.int64), n


def decode(data: bytearray, starts: np.ndarray, lengths: np.ndarray) -> Scalars:
    """Decode the records at `starts` (offsets of their 12-byte headers) with payload `lengths`."""
    buf = np.frombuffer(data, dtype=np.uint8)
    m = len(starts)
    p0 = starts + HEADER
    end = p0 + lengths
    ok = (lengths >= 9 + 2 + 2 + 2 + 5) & (buf[np.minimum(p0, len(buf) - 1)] == 0x09)
    wall = _gather(buf, p0 + 1, 8).view("<f8")[:, 0].copy()
    q = p0 + 9
    has_step = buf[np.minimum(q, len(buf) - 1)] == 0x10
    step, nv = _varint(buf, q + 1)
    step = np.where(has_step, step, 0)
    ok &= ~has_step | (nv > 0)
    q = np.where(has_step, q + 1 + nv, q)
    # Summary: 2A len, to the end of the record; one Value: 0A len, to the end of the Summary
    head = _gather(buf, q, 4)
    ok &= (head[:, 0] == 0x2A) & (head[:, 1] < 0x80) & (q + 2 + head[:, 1] == end)
    ok &= (head[:, 2] == 0x0A) & (head[:, 3] < 0x80) & (q + 4 + head[:, 3] == end)
    # Value: 0A taglen tag, then the value to the end of the record
    v = q + 4
    vhead = _gather(buf, v, 2)
    ok &= (vhead[:, 0] == 0x0A) & (vhead[:, 1] < 0x80)
    taglen = vhead[:, 1].astype(np.int64)
    r = v + 2 + taglen
    tail = _gather(buf, r, 2 + 6 + 8)
    simple = ok & (tail[:, 0] == 0x15) & (r + 5 == end)
    value = np.full(m, np.nan)
    value[simple] = tail[simple, 1:5].copy().view("<f4")[:, 0]
    tensor = np.zeros(m, dtype=bool)
    maybe = ok & ~simple & (tail[:, 0] == 0x42) & (r + 2 + tail[:, 1] == end)
    for prefix, dtype in _TENSORS.items():
        size = np.dtype(dtype).itemsize
        hit = maybe & (tail[:, 1] == len(prefix) + size)
        hit &= (tail[:, 2 : 2 + len(prefix)] == np.frombuffer(prefix, np.uint8)).all(axis=1)
        if hit.any():
            at = 2 + len(prefix)
            value[hit] = tail[hit, at : at + size].copy().view(dtype)[:, 0]
            tensor |= hit
    ok &= simple | tensor
    # tags: group equal tag bytes (exact, per tag length)
    tag = np.full(m, -1, dtype=np.int64)
    tags: list[bytes] = []
    for length in np.unique(taglen[ok]).tolist():
        rows = np.flatnonzero(ok & (taglen == length))
        raw = _gather(buf, v[rows] + 2, length) if length else np.zeros((len(rows), 0), np.uint8)
        keys = np.ascontiguousarray(raw).view(np.dtype((np.void, max(length, 1)))).ravel() if length else None
        if keys is None:
            uniq, inverse = [b""], np.zeros(len(rows), dtype=np.int64)
        else:
            u, inverse = np.unique(keys, return_inverse=True)
            uniq = [bytes(x) for x in u]
        tag[rows] = len(tags) + inverse.reshape(-1)
        tags += uniq
    return Scalars(ok, step, wall, value, tag, tags, tensor)


class Columns:
    """Scalars collected as columns: one row per event that has any, one column per tag."""

    __slots__ = ("cols", "step", "time")

    def __init__(self) -> None:
        self.step: list[float] = []
        self.time: list[float] = []
        self.cols: dict[str, tuple[list[int], list[float]]] = {}

    def row(self, step: float, wall_time: float) -> int:
        self.step.append(step)
        self.time.append(wall_time)
        return len(self.step) - 1

    def put(self, name: str, row: int, x: float) -> None:
        col = self.cols.get(name)
        if col is None:
            self.cols[name] = ([row], [x])
        elif col[0][-1] == row:
            col[1][-1] = x  # the same name twice in one event: the last value counts
        else:
            col[0].append(row)
            col[1].append(x)

    def bulk(
        self, step: np.ndarray, time: np.ndarray, tag: np.ndarray, names: list[str], x: np.ndarray
    ) -> None:
        """Rows of one value each: row i has the value x[i] of names[tag[i]]."""
        base = len(self.step)
        self.step.extend(step.tolist())
        self.time.extend(time.tolist())
        uniq, first = np.unique(tag, return_index=True)
        for k in uniq[np.argsort(first)].tolist():  # names in the order they first appear
            at = np.flatnonzero(tag == k)
            name = names[k]
            col = self.cols.get(name)
            if col is None:
                col = self.cols[name] = ([], [])
            col[0].extend((at + base).tolist())
            col[1].extend(x[at].tolist())

    def build(self) -> Batch | None:
        n = len(self.step)
        if not n:
            return None
        values: dict[str, np.ndarray] = {}
        present: dict[str, np.ndarray | None] = {}
        for name, (rows, xs) in self.cols.items():
            if len(rows) == n:
                values[name], present[name] = np.array(xs, dtype=np.float64), None
                continue
            col = np.full(n, np.nan)
            mask = np.zeros(n, dtype=bool)
            at = np.array(rows, dtype=np.int64)
            col[at] = xs
            mask[at] = True
            values[name], present[name] = col, mask
        return Batch(
            n=n,
            values=values,
            present=present,
            step=np.array(self.step, dtype=np.float64),
            time=np.array(self.time, dtype=np.float64),
            line=np.zeros(n, dtype=np.int64),
        )
