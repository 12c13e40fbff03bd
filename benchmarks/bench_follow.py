"""Following: how long a line written by another process takes to come out of
`lossacc-tui check --follow --json`, and what following 100 quiet files costs.

    python -m benchmarks bench_follow

Latency is measured end to end: a writer process appends JSON lines carrying the wall time they
were written; this process reads the tool's output and notes when each record comes out.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def follow_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", *args]


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


def idle_cost(files: int = 100, seconds: float = 30.0) -> float:
    with tempfile.TemporaryDirectory() as d:
        for k in range(files):
            Path(d, f"run_{k:03d}.csv").write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.6\n")
        tool = subprocess.Popen(follow_cmd(d), stdout=subprocess.DEVNULL)
        time.sleep(3.0)  # start-up and the first read are not idle
        before = cpu_seconds(tool.pid)
        time.sleep(seconds)
        used = cpu_seconds(tool.pid) - before
        tool.terminate()
        tool.wait()
    return used / seconds * 100


def report(label: str, delays: list[float]) -> None:
    ms = sorted(x * 1000 for x in delays)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{label}: {len(ms)} appends, median {statistics.median(ms):.1f} ms,"
        f" p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )


def main() -> None:
    report("inotify, 1000 appends at 50/s", latency(None, 1000))
    report("--poll 0.5, 200 appends at 50/s", latency(0.5, 200))
    print(
        f"reference: TensorBoard reloads every {TENSORBOARD_RELOAD_INTERVAL:g} s by default "
        f"(--reload_interval), so a new point waits {TENSORBOARD_RELOAD_INTERVAL / 2:g} s on average, "
        f"up to {TENSORBOARD_RELOAD_INTERVAL:g} s"
    )
    print(f"idle: following 100 quiet files for 30 s used {idle_cost():.2f}% of one core")


if __name__ == "__main__":
    main()
