"""The numpy decoding of one-scalar TensorBoard records reads every event file exactly as decoding
each record with protobuf does: same series, steps, times, values and problems, for any chunking."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lossacc_tui.model import Batch
from lossacc_tui.readers import tensorboard as tbr
from tests.conftest import REALWORLD

pytest.importorskip("tensorboard")


def frame(payload: bytes) -> bytes:
    """One TFRecord, written by tensorboard's own RecordWriter."""
    from tensorboard.summary.writer.record_writer import RecordWriter

    buf = io.BytesIO()
    RecordWriter(buf).write(payload)
    return buf.getvalue()


def shapes(rng: np.random.Generator, n: int) -> bytes:
    """Events of every kind a training log holds, in a random order, as TensorBoard writes them."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.util import tensor_util

    V = summary_pb2.Summary.Value
    scalars = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    hist = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms")
    )
    out = [frame(event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString())]
    step = 0
    for i in range(n):
        step = max(-3, step + int(rng.choice([0, 0, 1, 1, 1, 7, -2, 300_000])))
        x = float(rng.choice([rng.normal(), np.nan, -1.0, 0.5, np.inf]))
        kind = int(rng.integers(0, 12))
        tag = str(rng.choice(["loss", "val/acc", "hp_metric", "épöch", "a\x1b[31mred", "lr", "x" * 120]))
        if kind == 0:
            vals = [V(tag=tag, simple_value=x), V(tag="loss2", simple_value=x)]  # two values
        elif kind == 1:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.float32(x)))]
        elif kind == 2:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.float64(x)))]
        elif kind == 3:
            t = tensor_util.make_tensor_proto(np.float32(x))
            t.tensor_content, t.float_val[:] = np.float32(x).tobytes(), []
            vals = [V(tag=tag, tensor=t)]
        elif kind == 4:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.float32(x)), metadata=scalars)]
        elif kind == 5:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.zeros(3)), metadata=hist)]
        elif kind == 6:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.float32(x)), metadata=hist)]
        elif kind == 7:
            vals = [V(tag=tag, tensor=tensor_util.make_tensor_proto(np.int64(3)))]
        else:
            vals = [V(tag=tag, simple_value=x)]
        ev = event_pb2.Event(step=step, wall_time=1.7e9 + i, summary=summary_pb2.Summary(value=vals))
        out.append(frame(ev.SerializeToString()))
        if rng.random() < 0.05:
            out.append(out[-1])  # the same record twice (a value repeated at its step)
        if rng.random() < 0.01:
            out.append(b"\x07junk\x00\x00\x00\x00")
    return b"".join(out)


def read(data: bytes, cuts: list[int], vector: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    with monkeypatch.context() as m:
        m.setattr(tbr, "VECTOR_MIN", 16 if vector else 1 << 62)
        r = tbr.TensorBoardReader(prefix="val_")
        batches: list[Batch] = []
        pos = 0
        for c in [*sorted(cuts), len(data)]:
            batches += r.feed(data[pos:c])
            pos = c
        batches += r.finish()
    rows = []
    for b in batches:
        for i in range(b.n):
            vals = {k: float(v[i]) for k, v in b.values.items() if b.mask(k)[i]}
            rows.append((float(b.step[i]), float(b.time[i]), repr(sorted(vals.items()))))
    return tuple(rows), tuple((p.line, p.message) for p in r.problems)


@pytest.mark.parametrize("seed", range(8))
def test_vector_decoding_matches_protobuf(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from lossacc_tui.readers import tb_vector

    monkeypatch.setattr(tb_vector, "MAX_TAGS_COMPARED", seed % 3)  # 0, 1: tags grouped by sorting
    rng = np.random.default_rng(seed)
    data = shapes(rng, 600)
    want = read(data, [], vector=False, monkeypatch=monkeypatch)
    assert len(want[0]) > 200
    for cuts in ([], rng.integers(0, len(data), 3).tolist(), rng.integers(0, len(data), 30).tolist()):
        assert read(data, cuts, vector=True, monkeypatch=monkeypatch) == want, cuts


def test_vector_decoding_is_used_for_one_scalar_events(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    data = shapes(rng, 600)
    calls = []
    real = tbr.TensorBoardReader._vector_run

    def counting(self: tbr.TensorBoardReader, sc: Any, a: int, b: int, *rest: Any) -> None:
        calls.append(b - a)
        real(self, sc, a, b, *rest)

    monkeypatch.setattr(tbr.TensorBoardReader, "_vector_run", counting)
    read(data, [], vector=True, monkeypatch=monkeypatch)
    assert sum(calls) > 200


def test_real_event_files_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = REALWORLD / "tensorboard"
    if not folder.is_dir():
        pytest.skip("real-world logs not found")
    for path in sorted(Path(folder).iterdir()):
        data = path.read_bytes()
        assert read(data, [], True, monkeypatch) == read(data, [], False, monkeypatch), path.name


@pytest.mark.parametrize("vector", [True, False])
def test_a_changed_byte_inside_a_record_skips_it_as_a_problem(
    monkeypatch: pytest.MonkeyPatch, vector: bool
) -> None:
    """A byte flipped in a record's data (its length still framing it) was read as a wrong value or a
    new series named '' with no problem: each record's data checksum is checked."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    losses = [0.9, 0.7, 0.6, 0.55] * 10
    recs = [
        frame(
            event_pb2.Event(
                step=i,
                wall_time=1.7e9 + i,
                summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=v)]),
            ).SerializeToString()
        )
        for i, v in enumerate(losses)
    ]
    good, _ = read(b"".join(recs), [], vector, monkeypatch)
    at = sum(len(r) for r in recs[:7]) + 12 + 5  # inside the 8th record's data
    data = bytearray(b"".join(recs))
    data[at] ^= 0x5A
    rows, problems = read(bytes(data), [len(data) // 3], vector, monkeypatch)
    assert len(rows) == len(good) - 1 and 7.0 not in [r[0] for r in rows]
    assert [r for r in good if r[0] != 7.0] == list(rows)
    assert len(problems) == 1 and "checksum mismatch" in problems[0][1]
