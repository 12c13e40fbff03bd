"""Weights & Biases run files (`wandb/run-<time>-<id>/run-<id>.wandb`, also `offline-run-...`):
the SDK's own transaction log of a run, read as it is written.

Format (wandb-core's store, not documented by W&B beyond its source): a 7-byte file header
(`:W&B`, the magic 0xBEE1 little-endian, version 0), then records framed as in LevelDB's log format
(leveldb/doc/log_format.md): 32 KiB blocks; each piece has a 7-byte header `uint32 checksum |
uint16 length | uint8 type` (little-endian; the checksum is zlib's CRC-32 of the type byte and the
data), type FULL=1, FIRST=2, MIDDLE=3, LAST=4 joins pieces of a record that crosses blocks, and a
block's last < 7 bytes are zero padding. Block boundaries count from the start of the file. The
framing is parsed here; each record is a `wandb_internal_pb2.Record` protobuf, decoded with the
`wandb` package's own classes (an optional extra, imported when a reader is made).

Only `history` records become points: each logged row's items (x is `_step`, or the script's own
step key when it logs one, `iter` or `trainer/global_step`; `_timestamp` in seconds is the time; an
`epoch` item is the epoch; other `_` keys are W&B's bookkeeping). Values
are JSON; numbers (and `NaN`, `Infinity`) are read, nested dicts flattened with `/`, media and
other non-numbers skipped. A record whose checksum fails is a problem and reading goes on at the
next block (what LevelDB's reader does); a file that ends inside a record (still being written, or
cut short) is a problem only at the very end of a finished read.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from typing import Any, ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, missing_extra
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

EXTRA_MESSAGE = "reading W&B .wandb run files needs the wandb extra: pip install 'lossacc-tui[wandb]'"
MAGIC = b":W&B"
FILE_HEADER = 7  # ":W&B" + uint16 0xBEE1 + uint8 version
BLOCK = 32 * 1024
HEADER = 7  # uint32 crc | uint16 length | uint8 type
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
EPOCH_KEYS = frozenset({"epoch"})
#: a training step the script logs itself (nanoGPT's `iter`, Lightning's `trainer/global_step`): the x
#: of its rows, rather than W&B's `_step` (which counts `run.log` calls)
STEP_KEYS = frozenset(
    {"iter", "iteration", "global_step", "trainer/global_step", "step", "train/global_step"}
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _flatten(prefix: str, doc: dict[str, Any], out: dict[str, float]) -> None:
    """Numeric leaves of a logged dict as `prefix/key` (W&B media objects, `_type`, are skipped)."""
    if "_type" in doc:
        return
    for k, v in doc.items():
        name = f"{prefix}/{k}"
        if isinstance(v, dict):
            _flatten(name, v, out)
        else:
            x = _number(v)
            if x is not None:
                out[name] = x


def parse_value(name: str, text: str, out: dict[str, float]) -> None:
    """One history item's JSON value into `out` (nothing when it is not a number)."""
    try:
        out[name] = float(text)  # plain numbers, NaN, Infinity, -Infinity: the common case
        return
    except ValueError:
        pass
    if not text.startswith("{"):
        return
    try:
        doc = json.loads(text)
    except ValueError:
        return
    if isinstance(doc, dict):
        _flatten(name, doc, out)


@register
class WandbRunReader(Reader):
    """The logged history of one `.wandb` run file: a row per `run.log` call, x = `_step`."""

    format_id: ClassVar[str] = "wandb"
    binary: ClassVar[bool] = True
    empty_hint: ClassVar[str | None] = "this W&B run has logged no history (no run.log call) yet"

    def __init__(self) -> None:
        super().__init__()
        try:
            from google.protobuf.message import DecodeError
            from wandb.proto import wandb_internal_pb2
        except ImportError as e:
            raise missing_extra("wandb", EXTRA_MESSAGE, e) from None
        self._record: Any = wandb_internal_pb2.Record
        self._decode_error: type[Exception] = DecodeError
        self._data = bytearray()
        self._offset = 0  # file offset of self._data[0]
        self._started = False  # the file header was read
        self._dead = False  # not a W&B file: nothing more is read
        self._parts: list[bytes] | None = None  # pieces of a record that crosses blocks
        self._parts_at = 0
        self._skip_to: int | None = None  # after a bad piece: the next block's offset
        self._names: dict[str, str] = {}  # raw key -> series name (control characters removed)
        self._own_step: float | None = None  # the last logged step key's value (STEP_KEYS)
        self.finished = False  # the run's `exit` record was read
        #: the run's config (`wandb.init(config=...)`, `run.config.update`), for the run summary
        self.params: dict[str, str] = {}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        if head.startswith(MAGIC.decode()):
            return Level.CERTAIN.score
        return Level.LIKELY.score if base.endswith(".wandb") and not head else 0.0

    def feed(self, chunk: bytes) -> list[Batch]:
        if self._dead:
            return []
        self._data += chunk
        builder = BatchBuilder()
        self._scan(builder)
        return self.built(builder)

    def finish(self) -> list[Batch]:
        if self._dead:
            return []
        if not self._started and self._data:
            self.problem(None, f"a W&B run file cut short inside its {FILE_HEADER}-byte header")
        elif self._data or self._parts is not None:
            at = self._parts_at if self._parts is not None else self._offset
            self.problem(
                None,
                f"the file ends inside a record at byte {at} (still being written, or cut short); "
                "the records before it are read",
            )
        return []

    def _scan(self, builder: BatchBuilder) -> None:
        data = self._data
        i = 0
        if not self._started:
            if len(data) < FILE_HEADER:
                return
            if data[:4] != MAGIC:
                self._dead = True
                self.problem(None, "not a W&B run file (it does not begin with ':W&B'); not read")
                self._data = bytearray()
                return
            if data[6] != 0:
                self.problem(
                    None, f"W&B run file version {data[6]} (this reader knows version 0); reading on"
                )
            self._started, i = True, FILE_HEADER
        n = len(data)
        while True:
            pos = self._offset + i
            if self._skip_to is not None:
                if self._skip_to - self._offset > n:
                    i = n
                    break
                i, self._skip_to = self._skip_to - self._offset, None
                continue
            left = BLOCK - pos % BLOCK
            if left < HEADER:  # the block's zero padding
                if n - i < left:
                    break
                i += left
                continue
            if n - i < HEADER:
                break
            crc, length, kind = struct.unpack_from("<IHB", data, i)
            if crc == 0 and length == 0 and kind == 0:  # zeros: the rest of the block is unused
                self._skip_to = pos + left
                continue
            if HEADER + length > left or kind not in (FULL, FIRST, MIDDLE, LAST):
                self._bad(pos, left, "a record header that makes no sense")
                continue
            if n - i < HEADER + length:
                break  # the rest of this piece has not arrived yet
            body = bytes(data[i + HEADER : i + HEADER + length])
            if zlib.crc32(bytes((kind,)) + body) != crc:
                self._bad(pos, left, "a checksum mismatch")
                continue
            i += HEADER + length
            self._piece(kind, body, pos, builder)
        del data[:i]
        self._offset += i

    def _bad(self, pos: int, left: int, what: str) -> None:
        """A bad piece: the rest of its block is skipped (LevelDB's reader does the same)."""
        self.problem(None, f"{what} at byte {pos}: the rest of its 32 KiB block is skipped")
        if self._parts is not None:
            self.problem(None, f"the record begun at byte {self._parts_at} is lost with it")
            self._parts = None
        self._skip_to = pos + left

    def _piece(self, kind: int, body: bytes, pos: int, builder: BatchBuilder) -> None:
        if kind == FULL:
            if self._parts is not None:
                self.problem(None, f"the record begun at byte {self._parts_at} never ended; dropped")
                self._parts = None
            self._decode(body, pos, builder)
        elif kind == FIRST:
            if self._parts is not None:
                self.problem(None, f"the record begun at byte {self._parts_at} never ended; dropped")
            self._parts, self._parts_at = [body], pos
        elif self._parts is None:
            self.problem(None, f"the middle of a record without its beginning at byte {pos}; skipped")
        else:
            self._parts.append(body)
            if kind == LAST:
                payload, self._parts = b"".join(self._parts), None
                self._decode(payload, self._parts_at, builder)

    def _decode(self, payload: bytes, pos: int, builder: BatchBuilder) -> None:
        try:
            record = self._record.FromString(payload)
        except (self._decode_error, ValueError, RuntimeError):
            self.problem(None, f"record at byte {pos}: not a W&B record; skipped")
            return
        kind = record.WhichOneof("record_type")
        if kind == "history":
            self._history(record.history, builder)
        elif kind == "run":
            self._config(record.run.config)
        elif kind == "config":
            self._config(record.config)
        elif kind == "exit":
            self.finished = True

    def _config(self, config: Any) -> None:
        """Config items (`ConfigRecord.update`: key and JSON value) as parameters; W&B's own
        `_wandb` entry is left out, a nested value is kept as its JSON text."""
        for item in config.update:
            key = item.key or ".".join(item.nested_key)
            if not key or key.startswith("_wandb"):
                continue
            try:
                value = json.loads(item.value_json)
            except ValueError:
                value = item.value_json
            text = value if isinstance(value, str) else json.dumps(value)
            self.params[clean_text(key)] = clean_text(text[:200])
        for item in config.remove:
            self.params.pop(clean_text(item.key or ".".join(item.nested_key)), None)

    def _history(self, history: Any, builder: BatchBuilder) -> None:
        values: dict[str, float] = {}
        step = time = epoch = None
        for item in history.item:
            key = "/".join(item.nested_key) if item.nested_key else item.key
            if key.startswith("_"):
                if key == "_step":
                    step = _scalar(item.value_json)
                elif key == "_timestamp":
                    time = _scalar(item.value_json)
                continue
            if key in EPOCH_KEYS:
                epoch = _scalar(item.value_json)
                if epoch is not None:
                    continue
            if key in STEP_KEYS:
                own = _scalar(item.value_json)
                if own is not None:
                    self._own_step = own
                    continue
            name = self._names.get(key)
            if name is None:
                name = self._names[key] = clean_text(key) or "?"
            parse_value(name, item.value_json, values)
        if step is None and history.HasField("step"):
            step = float(history.step.num)
        if self._own_step is not None:  # (a row without it: at the step logged last)
            step = self._own_step
        if values:
            builder.add(values, step=step, epoch=epoch, time=time)


def _scalar(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None
