"""TensorBoard event files (`events.out.tfevents.*`): scalar summaries, read as the bytes arrive.

The file is a TFRecord stream: `uint64 length | uint32 masked crc32c(length) | data | uint32
masked crc32c(data)`, little-endian. The framing is parsed here; each record's data is an `Event`
protobuf, decoded with the `tensorboard` package (an optional extra, imported when a reader is made).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text
from lossacc_tui.readers.layouts import Claim, event_files, register_layout
from lossacc_tui.readers.registry import register

EXTRA_MESSAGE = (
    "reading TensorBoard event files needs the tensorboard extra: pip install 'lossacc-tui[tensorboard]'"
)
HEADER = 12  # length (8) + crc of length (4)
FOOTER = 4  # crc of data
MAX_RECORD = 1 << 30  # a longer "record" is taken for corrupt framing (keeps a length's top 4 bytes 0)


class MissingExtra(RuntimeError):
    """An optional dependency is not installed; the message (one line) says how to install it."""


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # Castagnoli polynomial, reflected
        table.append(c)
    return table


_TABLE = _crc_table()


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    """CRC-32C of `data`, masked as TFRecord stores it."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


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
        except ImportError:
            raise MissingExtra(EXTRA_MESSAGE) from None
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
        self.prefix = prefix
        self.verify_crc = verify_crc
        #: Keras' TensorBoard callback layout: `epoch_*` tags are at step = epoch (0-based), and the
        #: `evaluation_*_vs_iterations` tags written just before them belong to the next epoch.
        self.keras = keras
        self._next_epoch = 0.0
        self._data = bytearray()
        self._offset = 0  # file offset of self._data[0]
        self._junk_at: int | None = None  # file offset where unreadable bytes began
        self._plugins: dict[str, str] = {}  # tag -> plugin name (TF2 sends metadata only once)
        self._last: dict[str, tuple[int, float]] = {}  # tag -> (step, value) last read

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        has_version = "brain.Event:" in head[:256]
        if "tfevents" in base:
            return 1.0 if has_version else 0.9
        return 0.9 if has_version else 0.0

    def feed(self, chunk: bytes) -> list[Batch]:
        self._data += chunk
        builder = BatchBuilder()
        self._scan(builder)
        batch = builder.build()
        return [] if batch is None else [batch]

    def finish(self) -> list[Batch]:
        left = len(self._data)
        if self._junk_at is not None:
            self._end_junk(self._offset + left)
        elif left:
            self.problem(None, f"truncated record at the end of the file ({left} bytes at {self._offset})")
        self._offset += left
        self._data = bytearray()
        return []

    def _scan(self, builder: BatchBuilder) -> None:
        data, i = self._data, 0
        n = len(data)
        while n - i >= HEADER:
            length, length_crc = struct.unpack_from("<QI", data, i)
            if length > MAX_RECORD or masked_crc32c(data[i : i + 8]) != length_crc:
                if self._junk_at is None:
                    self._junk_at = self._offset + i
                nxt = data.find(b"\0\0\0\0", i + 5)  # a plausible length has its top 4 bytes zero
                i = nxt - 4 if nxt >= 0 else max(i + 1, n - 7)
                continue
            end = i + HEADER + length + FOOTER
            if end > n:
                break  # the rest of this record has not arrived yet
            if self._junk_at is not None:
                self._end_junk(self._offset + i)
            payload = bytes(data[i + HEADER : end - FOOTER])
            at = self._offset + i
            (data_crc,) = struct.unpack_from("<I", data, end - FOOTER)
            if self.verify_crc and masked_crc32c(payload) != data_crc:
                self.problem(None, f"record at byte {at}: checksum mismatch; skipped")
            else:
                self._event(payload, at, builder)
            i = end
        del data[:i]
        self._offset += i

    def _end_junk(self, until: int) -> None:
        start, self._junk_at = self._junk_at, None
        if start is not None and until > start:
            self.problem(None, f"skipped {until - start} bytes that are not TFRecord data at byte {start}")

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
        if tensor.dtype not in self._numeric or any(d.size != 1 for d in tensor.tensor_shape.dim):
            return None
        try:
            array = self._make_ndarray(tensor)
        except (ValueError, TypeError):
            return None
        return float(array.reshape(-1)[0]) if array.size == 1 else None


KERAS_SPLIT_DIRS = ("train", "validation")


@register_layout("tensorboard")
def keras_layout(folder: Path) -> list[Claim]:
    """Keras' `TensorBoard(log_dir=...)` callback: `log_dir/train/` and `log_dir/validation/` event
    files are one run; tags get the folder as prefix (`train/epoch_loss`, `validation/epoch_loss`),
    which `roles` reads as the split."""
    files: list[tuple[Path, Callable[[], Reader]]] = []
    covers: set[Path] = set()
    for split in KERAS_SPLIT_DIRS:
        sub = folder / split
        events = event_files(sub) if sub.is_dir() else []
        covers.update(events)
        files += [(p, functools.partial(TensorBoardReader, prefix=split + "/", keras=True)) for p in events]
    if not files or event_files(folder):
        return []
    return [Claim(folder, "tensorboard", files, covers)]
