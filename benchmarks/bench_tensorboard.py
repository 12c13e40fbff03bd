"""TensorBoard event files: our reader against TensorBoard's own loaders on the same file, in the
same run -- the Rust data server (`tensorboard-data-server`, what TensorBoard uses when present)
and the Python EventAccumulator -- with the memory each keeps per point.

    python -m benchmarks bench_tensorboard [--long]     (needs the tensorboard extra)

The file is written by TensorBoard's own EventFileWriter: per step a `train/loss` simple value
(what PyTorch's SummaryWriter writes) and an `lr` TF2 scalar tensor (what Keras writes), and every
1,000 steps `val/loss` and `val/acc`. Default 200,000 steps; --long 1,000,000.
Times are from the start of reading to the last point available (the data server: the moment its
gRPC API reports every tag at its last step), median of 3; memory is the peak resident memory a
fresh process gains while reading, divided by the points it keeps.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

STEPS = int(os.environ.get("BENCH_TB_STEPS", 0)) or (1_000_000 if "--long" in sys.argv else 200_000)
REPS = 3
SKIPPED = 77
VAL_EVERY = 1000
ACCUMULATOR_STEPS = 20_000

OURS = """
import sys, time
from pathlib import Path
from lossacc_tui.readers.tensorboard import TensorBoardReader
from lossacc_tui.source import discover
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
TensorBoardReader()  # the protobuf modules are imported before timing, as for the references
before = hwm()
t = time.perf_counter()
(src,) = discover(Path(sys.argv[1]))
src.read_all()
dt = time.perf_counter() - t
print(dt, sum(r.points for r in src.runs), hwm() - before)
"""

ACCUMULATOR = """
import sys, time
from tensorboard.backend.event_processing import event_accumulator as ea
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
before = hwm()
t = time.perf_counter()
acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
acc.Reload()
dt = time.perf_counter() - t
tags = acc.Tags()
kept = sum(len(acc.Scalars(k)) for k in tags["scalars"]) + sum(len(acc.Tensors(k)) for k in tags["tensors"])
print(dt, kept, hwm() - before)
"""


def write_events(logdir: Path, steps: int = STEPS) -> tuple[Path, int]:
    """An event file of TensorBoard's own Event protobufs; returns its path and the scalar points.

    Events are serialized by protobuf and framed as TFRecords (length, masked CRC-32C of the length,
    data, masked CRC-32C of the data); the checksums are computed for all records at once, since
    TensorBoard's pure-Python writer would take minutes. Both of TensorBoard's loaders below check
    them (the EventAccumulator checks every record's)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.util import tensor_util

    from lossacc_tui.readers.tfrecord import masked_crc32c_rows

    rng = np.random.default_rng(0)
    loss = (2.3 * np.exp(-np.arange(steps) / steps * 3) + rng.normal(0, 0.01, steps)).astype(np.float32)
    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    payloads = [event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()]
    points = 0
    for i in range(steps):
        t = 1.7e9 + i * 0.01
        lr = summary_pb2.Summary.Value(
            tag="lr", tensor=tensor_util.make_tensor_proto(np.float32(1e-3 * (1 - i / steps)))
        )
        if i == 0:
            lr.metadata.CopyFrom(meta)
        train = summary_pb2.Summary.Value(tag="train/loss", simple_value=float(loss[i]))
        payloads.append(
            event_pb2.Event(
                step=i, wall_time=t, summary=summary_pb2.Summary(value=[train])
            ).SerializeToString()
        )
        payloads.append(
            event_pb2.Event(
                step=i, wall_time=t + 0.001, summary=summary_pb2.Summary(value=[lr])
            ).SerializeToString()
        )
        points += 2
        if i % VAL_EVERY == VAL_EVERY - 1:
            val = [
                summary_pb2.Summary.Value(tag="val/loss", simple_value=float(loss[i]) + 0.1),
                summary_pb2.Summary.Value(tag="val/acc", simple_value=0.9),
            ]
            payloads.append(
                event_pb2.Event(
                    step=i, wall_time=t + 0.002, summary=summary_pb2.Summary(value=val)
                ).SerializeToString()
            )
            points += 2
    lengths = np.array([len(p) for p in payloads], dtype="<u8")
    heads = lengths.view(np.uint8).reshape(-1, 8)
    head_crc = masked_crc32c_rows(heads).astype("<u4")
    data_crc = np.zeros(len(payloads), dtype="<u4")
    for length in np.unique(lengths):
        idx = np.flatnonzero(lengths == length)
        rows = np.frombuffer(b"".join(payloads[k] for k in idx), dtype=np.uint8).reshape(
            len(idx), int(length)
        )
        data_crc[idx] = masked_crc32c_rows(rows)
    out = bytearray()
    for k, p in enumerate(payloads):
        out += heads[k].tobytes() + head_crc[k].tobytes() + p + data_crc[k].tobytes()
    path = logdir / "events.out.tfevents.1700000000.bench.1.0"
    path.write_bytes(bytes(out))
    return path, points


def run_child(code: str, path: Path) -> tuple[float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def data_server(logdir: Path, last_steps: dict[str, int]) -> tuple[float, int, int]:
    """(seconds until every tag is served at its last step, points served, server peak RSS gain)."""
    import grpc
    from tensorboard.data.proto import data_provider_pb2, data_provider_pb2_grpc
    from tensorboard_data_server import server_binary

    binary = server_binary()
    with tempfile.TemporaryDirectory() as empty:
        idle_rss = _server_rss(binary, Path(empty), None)
    port_file = logdir.parent / "port"
    port_file.unlink(missing_ok=True)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "--logdir", str(logdir), "--port", "0", "--port-file", str(port_file),
         "--reload", "once", "--samples-per-plugin", "scalars=all", "--die-after-stdin"],
        stdin=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while not port_file.exists() or not port_file.read_text().endswith("\n"):
            time.sleep(0.005)
        stub = data_provider_pb2_grpc.TensorBoardDataProviderStub(
            grpc.insecure_channel(
                f"localhost:{port_file.read_text().strip()}",
                options=[("grpc.max_receive_message_length", -1)],
            )
        )
        req = data_provider_pb2.ListScalarsRequest(experiment_id="")
        req.plugin_filter.plugin_name = "scalars"
        while True:
            res = stub.ListScalars(req)
            got = {tag.tag_name: tag.metadata.max_step for run in res.runs for tag in run.tags}
            if all(got.get(k) == v for k, v in last_steps.items()):
                break
            time.sleep(0.01)
        dt = time.perf_counter() - t
        read = data_provider_pb2.ReadScalarsRequest(experiment_id="")
        read.plugin_filter.plugin_name = "scalars"
        read.downsample.num_points = 1 << 30
        res = stub.ReadScalars(read, timeout=600)
        served = sum(len(tag.data.step) for run in res.runs for tag in run.tags)
        rss = _hwm(proc.pid)
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=60)
    return dt, served, rss - idle_rss


def _hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _server_rss(binary: str, logdir: Path, _: object) -> int:
    """Peak RSS of the data server serving an empty folder (its baseline)."""
    proc = subprocess.Popen(
        [binary, "--logdir", str(logdir), "--port", "0", "--reload", "once", "--die-after-stdin"],
        stdin=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    rss = _hwm(proc.pid)
    proc.stdin.close()  # type: ignore[union-attr]
    proc.wait(timeout=60)
    return rss


def main() -> int:
    try:
        import grpc  # noqa: F401
        import tensorboard  # noqa: F401
        from tensorboard_data_server import server_binary

        server_binary()
    except Exception as e:
        print(f"skipped: needs the tensorboard extra with tensorboard-data-server: {e}")
        return SKIPPED
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as d:
        logdir = Path(d) / "run"
        logdir.mkdir()
        t = time.perf_counter()
        path, points = write_events(logdir)
        size = path.stat().st_size / 1e6
        took = time.perf_counter() - t
        print(f"{STEPS:,} steps, {points:,} scalar points, {size:.1f} MB (written in {took:.0f} s)")
        last = {"train/loss": STEPS - 1, "lr": STEPS - 1, "val/loss": STEPS - 1, "val/acc": STEPS - 1}
        ours, server = [], []
        for _ in range(REPS):  # interleaved, so both see the same load
            ours.append(run_child(OURS, path))
            server.append(data_server(logdir, last))
        dt, kept, mem = (statistics.median(r[i] for r in ours) for i in range(3))
        sdt, sserved, smem = (statistics.median(r[i] for r in server) for i in range(3))
        assert kept == points, f"we kept {kept:,} points of {points:,}"
        print(
            f"  ours: {dt:.2f} s = {points / dt / 1e6:.2f} M points/s, {mem / kept:.0f} bytes per kept point"
        )
        print(
            f"  reference TensorBoard data server (Rust, --samples-per-plugin scalars=all): {sdt:.2f} s, "
            f"{sserved:,} points served, {smem / max(sserved, 1):.0f} bytes per point; "
            f"ours takes {dt / sdt:.2f}x its time"
        )
        # the Python loader checks every record's checksum in pure Python: a smaller file
        small = Path(d) / "small"
        small.mkdir()
        spath, spoints = write_events(small, ACCUMULATOR_STEPS)
        adt, akept, amem = run_child(ACCUMULATOR, spath)
        odt = statistics.median(run_child(OURS, spath)[0] for _ in range(REPS))
        per_point = amem / max(akept, 1)
        print(
            f"  reference TensorBoard EventAccumulator (Python, keeps all), {ACCUMULATOR_STEPS:,} steps: "
            f"{adt:.2f} s = {spoints / adt / 1e6:.3f} M points/s, {per_point:.0f} bytes per point; "
            f"ours on that file {odt:.2f} s, {adt / odt:.0f}x faster"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
