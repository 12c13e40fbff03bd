"""Following: how long a line written by another process takes to come out of
`lossacc-tui check --follow --json`, what following 100 quiet files costs, and the CPU of a
log growing at 10 and 200 lines/s (whole process and per thread, beside `tail -F` and TensorBoard
reloading the same run written as an event file, when installed).

    python -m benchmarks bench_follow            # everything (~4 min)
    python benchmarks/bench_follow.py --cpu-only  # the growing logs only (~2.5 min)
    python benchmarks/bench_follow.py --pacing    # 10 and 200 lines/s, paced vs 30 ms passes (~2.5 min)
    python benchmarks/bench_follow.py --against /tmp/trunk [--rounds 2] [--window 20] [--windows 3]
        # CPU and latency against another tree, both at once, interleaved (followbench/ab.py; ~15 min)

Latency is measured end to end: a writer process appends JSON lines carrying the wall time they
were written; this process reads the tool's output and notes when each record comes out.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import orjson

TENSORBOARD_RELOAD_INTERVAL = 5.0  # seconds: `tensorboard --reload_interval` default
CLK_TCK = os.sysconf("SC_CLK_TCK")

WRITER = """
import sys, time
path, n, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
with open(path, "a") as f:
    for i in range(n):
        f.write('{"step": %d, "sent": %.6f}\\n' % (i, time.time()))
        f.flush()
        time.sleep(1 / rate)
"""


def follow_cmd(*args: str, max_gap: float | None = None) -> list[str]:
    """`check --follow --json ARGS`; with `max_gap`, the follower's pacing bound set to it (to
    compare pacings in one run: `follow.MAX_GAP`)."""
    if max_gap is None:
        return [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", *args]
    code = (
        "import sys; from lossacc_tui import follow; follow.MAX_GAP = float(sys.argv[1]); "
        "from lossacc_tui.cli import main; sys.argv = ['lossacc-tui', *sys.argv[2:]]; sys.exit(main())"
    )
    return [sys.executable, "-c", code, str(max_gap), "check", "--follow", "--json", *args]


def latency(poll: float | None, n: int, rate: float = 50.0) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.jsonl"
        path.write_text('{"step": -1, "sent": 0}\n')
        extra = ["--poll", str(poll)] if poll else []
        tool = subprocess.Popen(follow_cmd(str(path), *extra), stdout=subprocess.PIPE, text=True, bufsize=1)
        assert tool.stdout is not None
        while orjson.loads(tool.stdout.readline()).get("event") != "record":
            pass  # the tool is up and has read the file
        time.sleep(0.5)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n), str(rate)])
        delays = []
        while len(delays) < n:
            ev = orjson.loads(tool.stdout.readline())
            if ev.get("event") == "record":
                delays.append(time.time() - ev["values"]["sent"])
        writer.wait()
        tool.terminate()
        tool.wait()
    return delays


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


GROW = """
import sys, time
path, rate, seconds, wide = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
t0 = time.monotonic(); i = 0
with open(path, "a") as f:
    while time.monotonic() - t0 < seconds:
        loss = 2.0 / (1 + i / 500)
        f.write('{"step": %d, "loss": %.6f, "accuracy": %.4f, "val_loss": %.6f, "val_accuracy": %.4f}\\n'
                % (i, loss, 1 - loss / 3, loss * 1.1, 1 - loss / 2.8))
        f.flush(); i += 1
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
"""


#: The same records as `GROW`, written as a TensorBoard event file (one event a record, its four
#: scalars), for TensorBoard's own reload of the same run (`tensorboard_cost`).
TB_GROW = """
import sys, time
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
folder, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
w = EventFileWriter(folder)
t0 = time.monotonic(); i = 0
while time.monotonic() - t0 < seconds:
    loss = 2.0 / (1 + i / 500)
    vals = {"loss": loss, "accuracy": 1 - loss / 3, "val_loss": loss * 1.1, "val_accuracy": 1 - loss / 2.8}
    w.add_event(Event(wall_time=time.time(), step=i, summary=Summary(
        value=[Summary.Value(tag=k, simple_value=v) for k, v in vals.items()])))
    w.flush(); i += 1
    delay = t0 + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
"""


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (TensorBoard and its data server)."""
    kids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(p.name))
            except (OSError, IndexError, ValueError):
                continue
    total = 0.0
    for k in [pid, *kids]:
        try:
            total += cpu_seconds(k)
        except OSError:
            continue  # (ended meanwhile)
    return total


def tensorboard_cost(rate: float, seconds: float) -> float | None:
    """% of a core TensorBoard (`tensorboard --logdir`, its defaults: a reload every 5 s, its data
    server when installed) uses while the same run grows as an event file at `rate` records/s, no
    browser open; None when TensorBoard is not installed (pip install '.[tensorboard]')."""
    exe = Path(sys.executable).with_name("tensorboard")
    if importlib.util.find_spec("tensorboard") is None or not exe.exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        w = subprocess.Popen([sys.executable, "-c", TB_GROW, d, str(rate), str(seconds + 20)])
        port = 6100 + os.getpid() % 800
        tb = subprocess.Popen(
            [exe, "--logdir", d, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            time.sleep(8.0)  # its start-up and first load
            c0, t0 = tree_cpu_seconds(tb.pid), time.monotonic()
            time.sleep(max(seconds, 10.0))  # (at least two of its 5 s reloads)
            return (tree_cpu_seconds(tb.pid) - c0) / (time.monotonic() - t0) * 100
        finally:
            for p in (w, tb):
                p.terminate()
                p.wait()


def threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each live thread of a process, by the name the OS shows (`osthread.py`)."""
    out: dict[str, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # (the thread ended meanwhile)
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


class Usage(NamedTuple):
    """% of one core over a window: the whole process, each named thread, the load average."""

    total: float
    threads: dict[str, float]
    load: float

    def split(self) -> str:
        """'follower 0.30%, inotify 0.05%, ...': the live threads' shares; what they do not add up
        to was spent by threads that ended within the window (the analysis' timer threads)."""
        named = dict(sorted(self.threads.items(), key=lambda kv: -kv[1]))
        parts = [f"{k.removeprefix('lossacc-')} {v:.2f}%" for k, v in named.items() if v >= 0.005]
        rest = self.total - sum(named.values())
        if rest >= 0.005:
            parts.append(f"ended threads (analysis timers) {rest:.2f}%")
        return ", ".join(parts) or "none"


def cpu_while(cmd: list[str], writer: list[str] | None, seconds: float, warmup: float = 3.0) -> float:
    """% of one core `cmd` uses over `seconds` (after `warmup`), while `writer` runs."""
    return usage_while(cmd, writer, seconds, warmup).total


def usage_while(cmd: list[str], writer: list[str] | None, seconds: float, warmup: float = 3.0) -> Usage:
    """The CPU `cmd` uses over `seconds` (after `warmup`), while `writer` runs, whole and per thread."""
    tool = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w = subprocess.Popen(writer) if writer else None
    try:
        time.sleep(warmup)  # start-up and the first read are not the steady state:
        deadline = time.monotonic() + 120  # wait until a second's CPU says the backlog is read
        last = cpu_seconds(tool.pid)
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = cpu_seconds(tool.pid)
            # (a backlog's reading and analysis take what the load leaves them, a fifth of a core at
            # load 9: the steady state at 200 lines/s is a few %)
            if now - last < (0.08 if writer else 0.01):
                break
            last = now
        before, per_before, t0 = cpu_seconds(tool.pid), threads_cpu(tool.pid), time.monotonic()
        time.sleep(seconds)
        after, per_after, dt = cpu_seconds(tool.pid), threads_cpu(tool.pid), time.monotonic() - t0
        per = {k: (v - per_before.get(k, 0.0)) / dt * 100 for k, v in per_after.items()}
        return Usage((after - before) / dt * 100, per, os.getloadavg()[0])
    finally:
        for p in (tool, w):
            if p is not None:
                p.terminate()
                p.wait()


def history(path: Path, n: int) -> None:
    """`n` records already in the log before following starts."""
    with open(path, "w") as f:
        for i in range(n):
            loss = 2.0 / (1 + i / 500)
            f.write(
                f'{{"step": {i - n}, "loss": {loss:.6f}, "accuracy": {1 - loss / 3:.4f},'
                f' "val_loss": {loss * 1.1:.6f}, "val_accuracy": {1 - loss / 2.8:.4f}}}\n'
            )


def growing_cost(
    rate: float, seconds: float, past: int = 0, max_gap: float | None = None
) -> tuple[Usage, Usage]:
    """(`check --follow`'s usage, `tail -F`'s) on a log growing at `rate` lines/s."""
    out = []
    for cmd in (lambda p: follow_cmd(p, max_gap=max_gap), lambda p: ["tail", "-n", "+1", "-F", p]):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "train.jsonl"
            history(log, past)
            grow = [sys.executable, "-c", GROW, str(log), str(rate), str(seconds + 10), "0"]
            warm = 3.0 + past / 50_000  # reading the history first
            out.append(usage_while(cmd(str(log)), grow, seconds, warm))
    return out[0], out[1]


def quiet_beside_growing(seconds: float) -> tuple[float, float]:
    """(% of a core following one quiet log alone, the same while another file in its folder
    grows at 200 lines/s)."""
    out = []
    for grows in (False, True):
        with tempfile.TemporaryDirectory() as d:
            quiet = Path(d) / "quiet.csv"
            quiet.write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.6\n")
            other = Path(d) / "other_job.jsonl"
            grow = [sys.executable, "-c", GROW, str(other), "200", str(seconds + 10), "0"] if grows else None
            out.append(cpu_while(follow_cmd(str(quiet)), grow, seconds))
    return out[0], out[1]


def idle_cost(files: int = 100, seconds: float = 30.0) -> float:
    with tempfile.TemporaryDirectory() as d:
        for k in range(files):
            Path(d, f"run_{k:03d}.csv").write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.6\n")
        return cpu_while(follow_cmd(d), None, seconds)


def report(label: str, delays: list[float]) -> None:
    ms = sorted(x * 1000 for x in delays)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{label}: {len(ms)} appends, median {statistics.median(ms):.1f} ms,"
        f" p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )


def pacing(window: float) -> None:
    """The follower's pacing against passes every MIN_GAP (30 ms), interleaved, beside `tail -F`:
    `--pacing` (~2 min)."""
    from lossacc_tui import follow

    for rate in (10, 200):
        for gap in (follow.MIN_GAP, follow.MAX_GAP):
            ours, tail = growing_cost(rate, window, 0, max_gap=gap)
            print(
                f"check --follow, {rate} lines/s, passes at most {gap * 1000:.0f} ms apart: {ours.total:.2f}%"
                f" of a core (reference tail -F: {tail.total:.2f}%; load {ours.load:.1f});"
                f" per thread: {ours.split()}",
                flush=True,
            )


def main() -> None:
    long = "--long" in sys.argv
    window = 60.0 if long else 15.0
    if "--pacing" in sys.argv:
        pacing(window)
        return
    if "--against" in sys.argv[:-1]:
        from followbench.ab import against

        against(Path(sys.argv[sys.argv.index("--against") + 1]))
        return
    if "--cpu-only" not in sys.argv:
        report("inotify, 1000 appends at 50/s", latency(None, 1000 if long else 300))
        report("--poll 0.5, 200 appends at 50/s", latency(0.5, 200))
        print(
            f"reference: TensorBoard reloads every {TENSORBOARD_RELOAD_INTERVAL:g} s by default "
            f"(--reload_interval), so a new point waits {TENSORBOARD_RELOAD_INTERVAL / 2:g} s on average, "
            f"up to {TENSORBOARD_RELOAD_INTERVAL:g} s"
        )
        idle = idle_cost(seconds=window)
        print(f"idle: following 100 quiet files for {window:g} s used {idle:.2f}% of one core")
        alone, beside = quiet_beside_growing(window)
        print(
            f"one quiet log: {alone:.2f}% of a core alone, {beside:.2f}% while another file in its folder"
            " grows at 200 lines/s"
        )
    for rate, past in ((10, 0), (10, 200_000), (200, 0), (200, 200_000)):
        ours, tail = growing_cost(rate, window, past)
        tb = tensorboard_cost(rate, window) if past == 0 else None
        tb_text = (
            f", TensorBoard reloading the same run: {tb:.2f}%"
            if tb is not None
            else ", TensorBoard not installed: pip install '.[tensorboard]'"
            if past == 0
            else ""
        )
        print(
            f"check --follow, {rate} lines/s, {past:,} lines of history: {ours.total:.2f}% of a core"
            f" (reference tail -F: {tail.total:.2f}%{tb_text}; load {ours.load:.1f});"
            f" per thread: {ours.split()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
