"""TensorBoard event files (`events.out.tfevents.*`): scalar summaries, read as the bytes arrive.

The file is a TFRecord stream (its framing and checksums: readers/tfrecord.py); each record's data
is an `Event` protobuf, decoded with the `tensorboard` package (an optional extra, imported when
a reader is made).
"""

from __future__ import annotations

import struct
from typing import Any, ClassVar

import numpy as np

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers import tb_vector
from lossacc_tui.readers.base import MissingExtra, Reader, clean_text, missing_extra
from lossacc_tui.readers.registry import register
from lossacc_tui.readers.tb_counters import StepCounters
from lossacc_tui.readers.tb_epochs import StepEpochs
from lossacc_tui.readers.tfrecord import FOOTER, HEADER, MAX_RECORD, _frame, data_crc_bad, masked_crc32c

__all__ = ["MissingExtra", "TensorBoardReader"]  # MissingExtra lives in base; kept here for importers

EXTRA_MESSAGE = (
    "reading TensorBoard event files needs the tensorboard extra: pip install 'lossacc-tui[tensorboard]'"
)
VECTOR_MIN = 16  # records framed at once from which the common shapes are decoded with numpy (tb_vector)


@register
class TensorBoardReader(Reader):
    """Scalars of one event file: a row per event, `{prefix + tag: value}` at `event.step`, with
    `event.wall_time` as time. Reads `simple_value` and TF2 scalar tensors (plugin `scalars`, or no
    plugin, size 1); skips graphs, hparams, histograms, images, text and the like silently.

    Lightning's placeholder `hp_metric = -1` at step 0 is skipped, and so is a value repeated for
    the same tag and step (Lightning logs `epoch` with each of its log calls). `verify_crc` also checks each
    record's data checksum (pure Python: slow on large graph records); the length checksum is
    always checked, and a stream that stops making sense is resynchronised on the next good header.
    """

    format_id: ClassVar[str] = "tensorboard"
    binary: ClassVar[bool] = True  # bytes go to `feed` as they are, not through a text decoder

    def __init__(self, prefix: str = "", verify_crc: bool = False, keras: bool = False) -> None:
        super().__init__()
        try:
            from google.protobuf.message import DecodeError
            from tensorboard.compat.proto import event_pb2, types_pb2
            from tensorboard.util import tensor_util
        except ImportError as e:
            raise missing_extra("tensorboard", EXTRA_MESSAGE, e) from None
        self._event_type: Any = event_pb2.Event
        self._decode_error: type[Exception] = DecodeError
        self._make_ndarray = tensor_util.make_ndarray
        self._numeric = frozenset(
            getattr(types_pb2, name)
            for name in (
                "DT_FLOAT", "DT_DOUBLE", "DT_HALF", "DT_BFLOAT16", "DT_INT8", "DT_INT16", "DT_INT32",
                "DT_INT64", "DT_UINT8", "DT_UINT16", "DT_UINT32", "DT_UINT64",
            )
        )  # fmt: skip
        self._plain = {types_pb2.DT_FLOAT: "<f", types_pb2.DT_DOUBLE: "<d"}
        self.prefix = prefix
        self.verify_crc = verify_crc
        #: Keras' TensorBoard callback layout: `epoch_*` tags are at step = epoch (0-based), and the
        #: `evaluation_*_vs_iterations` tags written just before them belong to the next epoch.
        self.keras = keras
        self._next_epoch = 0.0
        self._counters = StepCounters()
        self._epochs = StepEpochs()  # a step that counts epochs is the epoch (readers/tb_epochs.py)
        self._data = bytearray()
        self._offset = 0  # file offset of self._data[0]
        self._junk_at: int | None = None  # file offset where unreadable bytes began
        self._plugins: dict[str, str] = {}  # tag -> plugin name (TF2 sends metadata only once)
        self._last: dict[str, tuple[int, float]] = {}  # tag -> (step, value) last read
        self._names: dict[str, str] = {}  # tag -> series name (prefix + tag without control characters)

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        has_version = "brain.Event:" in head[:256]
        if "tfevents" in base:
            return 1.0 if has_version else 0.9
        return 0.9 if has_version else 0.0

    def feed(self, chunk: bytes) -> list[Batch]:
        self._data += chunk
        cols: tb_vector.Columns | BatchBuilder = BatchBuilder() if self.keras else tb_vector.Columns()
        self._scan(cols)
        batch = cols.build()
        if batch is not None and not self.keras:  # per-epoch tags at an epoch counter of their own
            batch = self._epochs.apply(self._counters.apply(batch))
        return [] if batch is None else [batch]

    def finish(self) -> list[Batch]:
        held = self._epochs.flush()  # (the first step's records, held until the step moved on)
        left = len(self._data)
        if self._junk_at is not None:
            self._end_junk(self._offset + left)
        elif left:
            self.problem(None, f"truncated record at the end of the file ({left} bytes at {self._offset})")
        self._offset += left
        self._data = bytearray()
        return [] if held is None else [held]

    def _scan(self, cols: tb_vector.Columns | BatchBuilder) -> None:
        """Frame the records that have arrived (`_frame`, all at once), decode them; at a header
        whose length checksum fails, skip bytes to the next plausible header, as a problem."""
        data, i = self._data, 0
        n = len(data)
        while n - i >= HEADER:
            starts = _frame(data, i, n)
            if starts:
                if self._junk_at is not None:
                    self._end_junk(self._offset + starts[0])
                self._records(data, starts, cols)
                last = starts[-1]
                i = last + HEADER + struct.unpack_from("<Q", data, last)[0] + FOOTER
            # at i: a header that fails its checksum, or a record not all here yet (or framing
            # stopped early at a candidate header inside a record's data: then go on from i)
            if n - i < HEADER:
                break
            length, length_crc = struct.unpack_from("<QI", data, i)
            if length > MAX_RECORD or masked_crc32c(data[i : i + 8]) != length_crc:
                if self._junk_at is None:
                    self._junk_at = self._offset + i
                nxt = data.find(b"\0\0\0\0", i + 5)  # a plausible length has its top 4 bytes zero
                i = nxt - 4 if nxt >= 0 else max(i + 1, n - 7)
                continue
            if i + HEADER + length + FOOTER > n:
                break  # the rest of this record has not arrived yet
            if not starts:  # a good complete record _frame did not take: cannot happen, but never loop
                break
        del data[:i]
        self._offset += i

    def _end_junk(self, until: int) -> None:
        start, self._junk_at = self._junk_at, None
        if start is not None and until > start:
            self.problem(None, f"skipped {until - start} bytes that are not TFRecord data at byte {start}")

    def _records(self, data: bytearray, starts: list[int], cols: tb_vector.Columns | BatchBuilder) -> None:
        """Decode framed records (their length checksums good) into columns: runs of one-scalar
        records all at once (`tb_vector`), any other record with protobuf, in file order. Keras'
        callback layout (epoch axis) is decoded record by record (`_event`)."""
        if not self.verify_crc:  # (verified one by one below when asked: not twice)
            bad = data_crc_bad(data, starts)
            for at in bad:
                self.problem(None, f"record at byte {self._offset + at}: checksum mismatch; skipped")
            if bad:
                drop = set(bad)
                starts = [s for s in starts if s not in drop]
                if not starts:
                    return
        if isinstance(cols, BatchBuilder):
            self._each_event(data, starts, cols)
            return
        if self.verify_crc or len(starts) < VECTOR_MIN:
            self._each(data, starts, cols)
            return
        sc = tb_vector.decode(data, np.array(starts, dtype=np.int64))
        tags: list[str | None] = []
        for raw in sc.tags:
            try:
                tags.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                tags.append(None)  # protobuf rejects it too: the record is reported one by one
        ok = sc.ok.copy()
        if None in tags:
            bad = np.array([t is None for t in tags] + [False])
            ok &= ~bad[sc.tag]
        cuts = np.flatnonzero(np.diff(ok)) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(starts)], strict=True):
            if ok[a]:
                self._vector_run(sc, a, b, tags, cols)
            else:
                self._each(data, starts[a:b], cols)

    def _vector_run(
        self, sc: tb_vector.Scalars, a: int, b: int, tags: list[str | None], cols: tb_vector.Columns
    ) -> None:
        """Records a..b-1, each one scalar: the same rules as `_each`, applied to arrays."""
        tag, step, x = sc.tag[a:b], sc.step[a:b], sc.value[a:b]
        keep = np.ones(b - a, dtype=bool)
        for k in np.flatnonzero(np.bincount(tag)).tolist():
            name = tags[k]
            assert name is not None
            rows = np.flatnonzero(tag == k)
            if sc.tensor[a:b][rows].any() and self._plugins.get(name, "") not in ("", "scalars"):
                keep[rows[sc.tensor[a:b][rows]]] = False  # a tensor of another plugin: not a scalar
                rows = rows[keep[rows]]
            if name == "hp_metric":
                placeholder = (x[rows] == -1.0) & (step[rows] == 0)
                keep[rows[placeholder]] = False  # PyTorch Lightning's placeholder
                rows = rows[~placeholder]
            if not len(rows):
                continue
            # the same value again at the same step as the tag's record before: dropped
            s, v = step[rows], x[rows]
            prev = self._last.get(name)
            first_dup = prev is not None and prev[0] == s[0] and prev[1] == v[0]
            dup = np.concatenate(([first_dup], (s[1:] == s[:-1]) & (v[1:] == v[:-1])))
            keep[rows[dup]] = False
            self._last[name] = (int(s[-1]), float(v[-1]))
        if not keep.any():
            return
        names = []
        for t in tags:
            if t is None:
                names.append("")
                continue
            name = self._names.get(t)
            if name is None:
                name = self._names[t] = self.prefix + clean_text(t)
            names.append(name)
        cols.bulk(step[keep].astype(np.float64), sc.wall_time[a:b][keep], tag[keep], names, x[keep])

    def _each(self, data: bytearray, starts: list[int], cols: tb_vector.Columns) -> None:
        """Decode records one by one with protobuf (their length checksums are good)."""
        view = memoryview(data)
        parse = self._event_type.FromString
        errors = (self._decode_error, ValueError, RuntimeError)
        names, last, prefix = self._names, self._last, self.prefix
        try:
            for at in starts:
                (length,) = struct.unpack_from("<Q", data, at)
                body = at + HEADER
                payload = view[body : body + length]
                if self.verify_crc:
                    (data_crc,) = struct.unpack_from("<I", data, body + length)
                    if masked_crc32c(payload) != data_crc:
                        self.problem(None, f"record at byte {self._offset + at}: checksum mismatch; skipped")
                        continue
                try:
                    event = parse(payload)
                except errors:
                    self.problem(
                        None, f"record at byte {self._offset + at}: not a TensorBoard event; skipped"
                    )
                    continue
                if not event.HasField("summary"):
                    continue
                step = event.step
                row = -1
                for value in event.summary.value:
                    x = self._scalar(value)
                    if x is None:
                        continue
                    tag = value.tag
                    if tag == "hp_metric" and x == -1.0 and step == 0:
                        continue  # PyTorch Lightning's placeholder, not a measurement
                    seen = last.get(tag)
                    if seen is not None and seen[0] == step and seen[1] == x:
                        continue  # the same value again at the same step (Lightning logs `epoch` twice)
                    last[tag] = (step, x)
                    name = names.get(tag)
                    if name is None:
                        name = names[tag] = prefix + clean_text(tag)
                    if row < 0:
                        row = cols.row(float(step), event.wall_time)
                    cols.put(name, row, x)
        finally:
            view.release()

    def _each_event(self, data: bytearray, starts: list[int], builder: BatchBuilder) -> None:
        """Records one by one into a BatchBuilder (Keras' layout: rows on the epoch axis)."""
        for at in starts:
            (length,) = struct.unpack_from("<Q", data, at)
            payload = bytes(data[at + HEADER : at + HEADER + length])
            if self.verify_crc:
                (data_crc,) = struct.unpack_from("<I", data, at + HEADER + length)
                if masked_crc32c(payload) != data_crc:
                    self.problem(None, f"record at byte {self._offset + at}: checksum mismatch; skipped")
                    continue
            self._event(payload, self._offset + at, builder)

    def _event(self, payload: bytes, at: int, builder: BatchBuilder) -> None:
        try:
            event = self._event_type.FromString(payload)
        except (self._decode_error, ValueError, RuntimeError):
            self.problem(None, f"record at byte {at}: not a TensorBoard event; skipped")
            return
        if not event.HasField("summary"):
            return
        values: dict[str, float] = {}
        for value in event.summary.value:
            x = self._scalar(value)
            if x is None:
                continue
            if value.tag == "hp_metric" and x == -1.0 and event.step == 0:
                continue  # PyTorch Lightning's placeholder, not a measurement
            if self._last.get(value.tag) == (event.step, x):
                continue  # the same value again at the same step (Lightning logs `epoch` twice)
            self._last[value.tag] = (event.step, x)
            values[self.prefix + clean_text(value.tag)] = x
        if values and self.keras:
            self._keras_rows(values, float(event.step), event.wall_time, builder)
        elif values:
            builder.add(values, step=float(event.step), time=event.wall_time)

    def _keras_rows(self, values: dict[str, float], step: float, wall: float, builder: BatchBuilder) -> None:
        """Keras callback tags on the epoch axis: `epoch_*` at epoch = step; any other tag (the
        `evaluation_*_vs_iterations` pair Keras writes before each epoch's values) at the epoch it
        precedes, so the whole run keeps one x axis."""
        at_epoch = {k: v for k, v in values.items() if k[len(self.prefix) :].startswith("epoch_")}
        others = {k: v for k, v in values.items() if k not in at_epoch}
        if at_epoch:
            builder.add(at_epoch, epoch=step, time=wall)
            self._next_epoch = max(self._next_epoch, step + 1)
        if others:
            builder.add(others, epoch=self._next_epoch, time=wall)

    def _scalar(self, value: Any) -> float | None:
        """The value of a scalar summary; None for any other kind of summary."""
        if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
            plugin = self._plugins[value.tag] = value.metadata.plugin_data.plugin_name
        else:
            plugin = self._plugins.get(value.tag, "")
        kind = value.WhichOneof("value")
        if kind == "simple_value":
            return float(value.simple_value)
        if kind != "tensor" or plugin not in ("", "scalars"):
            return None
        tensor = value.tensor
        dtype = tensor.dtype
        if dtype not in self._numeric or any(d.size != 1 for d in tensor.tensor_shape.dim):
            return None
        fmt = self._plain.get(dtype)
        if fmt is not None:  # float32/float64 (what Keras and tf.summary write): no ndarray needed
            content = tensor.tensor_content
            if len(content) == struct.calcsize(fmt):
                return float(struct.unpack(fmt, content)[0])
            vals = tensor.float_val if fmt == "<f" else tensor.double_val
            if not content and len(vals) == 1:
                return float(vals[0])
        try:
            array = self._make_ndarray(tensor)
        except (ValueError, TypeError):
            return None
        return float(array.reshape(-1)[0]) if array.size == 1 else None
