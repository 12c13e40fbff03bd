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
MAX_TAGS_COMPARED = 16
PAD = 32  # zero bytes after the data, so reads just past a record's end need no bounds check
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
    """(len(at), width) bytes of buf from each offset (a copy; buf ends in PAD zero bytes, and an
    offset past its end reads the last `width` bytes)."""
    windows = np.ndarray((len(buf) - width + 1,), dtype=np.dtype(f"V{width}"), buffer=buf, strides=(1,))
    return windows[np.minimum(at, len(buf) - width)].view(np.uint8).reshape(len(at), width)


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


def decode(data: bytearray, starts: np.ndarray) -> Scalars:
    """Decode the complete records at `starts` (offsets of their 12-byte headers) in `data`."""
    buf = np.concatenate((np.frombuffer(data, dtype=np.uint8), np.zeros(PAD, dtype=np.uint8)))
    lengths = _gather(buf, starts, 8).view("<u8")[:, 0].astype(np.int64)
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
    # tags: group equal tag bytes (exact, per tag length; a log has few tags, so compare each row
    # with one tag at a time, and sort only what is left after MAX_TAGS_COMPARED of them)
    tag = np.full(m, -1, dtype=np.int64)
    tags: list[bytes] = []
    for length in np.flatnonzero(np.bincount(taglen[ok], minlength=1)).tolist():
        rows = np.flatnonzero(ok & (taglen == length))
        raw = _gather(buf, v[rows] + 2, length) if length else np.zeros((len(rows), 0), np.uint8)
        left = np.arange(len(rows))
        for _ in range(MAX_TAGS_COMPARED):
            if not len(left):
                break
            same = (raw[left] == raw[left[0]]).all(axis=1)
            tag[rows[left[same]]] = len(tags)
            tags.append(raw[left[0]].tobytes())
            left = left[~same]
        if len(left):
            keys = np.ascontiguousarray(raw[left]).view(np.dtype((np.void, length))).ravel()
            u, inverse = np.unique(keys, return_inverse=True)
            tag[rows[left]] = len(tags) + inverse.reshape(-1)
            tags += [bytes(x) for x in u]
    return Scalars(ok, step, wall, value, tag, tags, tensor)


class Columns:
    """Scalars collected as columns: one row per event that has any, one column per name. Rows
    come one at a time (`row`, `put`) or as arrays (`bulk`); both are kept as arrays in order."""

    __slots__ = ("cols", "n", "one_step", "one_time", "parts_step", "parts_time")

    def __init__(self) -> None:
        self.n = 0
        self.parts_step: list[np.ndarray] = []
        self.parts_time: list[np.ndarray] = []
        self.one_step: list[float] = []  # rows added one at a time, not yet in parts
        self.one_time: list[float] = []
        #: name -> (row-index arrays, value arrays, rows added one at a time, their values)
        self.cols: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[int], list[float]]] = {}

    def row(self, step: float, wall_time: float) -> int:
        self.one_step.append(step)
        self.one_time.append(wall_time)
        self.n += 1
        return self.n - 1

    def put(self, name: str, row: int, x: float) -> None:
        col = self.cols.get(name)
        if col is None:
            col = self.cols[name] = ([], [], [], [])
        if col[2] and col[2][-1] == row:
            col[3][-1] = x  # the same name twice in one event: the last value counts
        else:
            col[2].append(row)
            col[3].append(x)

    def _flush(self) -> None:
        if self.one_step:
            self.parts_step.append(np.array(self.one_step, dtype=np.float64))
            self.parts_time.append(np.array(self.one_time, dtype=np.float64))
            self.one_step, self.one_time = [], []
        for rows, xs, one_rows, one_xs in self.cols.values():
            if one_rows:
                rows.append(np.array(one_rows, dtype=np.int64))
                xs.append(np.array(one_xs, dtype=np.float64))
                one_rows.clear()
                one_xs.clear()

    def bulk(
        self, step: np.ndarray, time: np.ndarray, tag: np.ndarray, names: list[str], x: np.ndarray
    ) -> None:
        """Rows of one value each: row i has the value x[i] of names[tag[i]]."""
        self._flush()
        base = self.n
        self.parts_step.append(step)
        self.parts_time.append(time)
        self.n += len(step)
        found = np.flatnonzero(np.bincount(tag))
        first = [int(np.argmax(tag == k)) for k in found]
        for k in found[np.argsort(first)].tolist():  # names in the order they first appear
            at = np.flatnonzero(tag == k)
            col = self.cols.get(names[k])
            if col is None:
                col = self.cols[names[k]] = ([], [], [], [])
            col[0].append(at + base)
            col[1].append(x[at])

    def build(self) -> Batch | None:
        self._flush()
        n = self.n
        if not n:
            return None
        values: dict[str, np.ndarray] = {}
        present: dict[str, np.ndarray | None] = {}
        for name, (rows, xs, _, _) in self.cols.items():
            vals = np.concatenate(xs).astype(np.float64, copy=False)
            if len(vals) == n:
                values[name], present[name] = vals, None
                continue
            col = np.full(n, np.nan)
            mask = np.zeros(n, dtype=bool)
            at = np.concatenate(rows)
            col[at] = vals
            mask[at] = True
            values[name], present[name] = col, mask
        return Batch(
            n=n,
            values=values,
            present=present,
            step=np.concatenate(self.parts_step).astype(np.float64, copy=False),
            time=np.concatenate(self.parts_time).astype(np.float64, copy=False),
            line=np.zeros(n, dtype=np.int64),
        )
