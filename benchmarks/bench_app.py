"""The terminal view: first frame with data, plot redraw cost, append-to-screen latency, idle CPU.

    python -m benchmarks bench_app
    python -m benchmarks bench_app --long    # the first-frame sweep also at 1,000,000 rows
    python benchmarks/bench_app.py --sweep-only --sizes 1000,1000000   # that sweep alone, these sizes
    python benchmarks/bench_app.py --sweep-only --sizes 1000000 --no-peers   # ours alone (no termplot)

End-to-end figures run the installed `lossacc-tui` in a pseudo-terminal (120x40, 256 colours) and
time what it writes to the terminal: the first frame with data is the first frame whose status line
says "last point"; an appended line has reached the screen when its epoch number is drawn.
The redraw figure is measured in-process on the plot widget (120x30 widget, like the reference).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

import numpy as np

CLK_TCK = os.sysconf("SC_CLK_TCK")


def bytecode_env() -> dict[str, str]:
    """The environment a user's install runs in: Python's bytecode cache on (this machine's shell
    sets PYTHONDONTWRITEBYTECODE, which makes every start compile this project's modules again,
    about 0.1 s here, while the references' packages were compiled when pip installed them), with
    this project compiled once as `pip install` of a wheel does."""
    import compileall

    import lossacc_tui

    compileall.compile_dir(str(Path(lossacc_tui.__file__).parent), quiet=1)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


HEADER = "epoch,accuracy,loss,val_accuracy,val_loss\n"
IMPORTS_DONE = (
    "import sys; from lossacc_tui.cli import main; import lossacc_tui.app.launch; "
    "sys.stderr.write('IMPORTS-DONE'); sys.stderr.flush(); sys.exit(main(sys.argv[1:]))"
)


def row(i: int) -> str:
    acc, loss = 0.5 + 0.4 * i / (i + 50), 1 / (1 + i / 40)
    return f"{i},{acc:.6f},{loss:.6f},{acc - 0.05:.6f},{loss + 0.1:.6f}\n"


class Terminal:
    """`lossacc-tui` in a pseudo-terminal; a thread keeps reading what it draws."""

    def __init__(self, args: list[str], cols: int = 120, rows: int = 40, marked: bool = False) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(bytecode_env(), TERM="xterm-256color", COLORTERM="")
        env.pop("NO_COLOR", None)
        self.t0 = time.monotonic()
        exe = [str(Path(sys.executable).with_name("lossacc-tui"))]
        if marked:  # the same command, saying when its imports are done
            exe = [sys.executable, "-c", IMPORTS_DONE]
        self.proc = subprocess.Popen([*exe, *args], stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        self.master = master
        self.out = bytearray()
        self.first_seen: dict[bytes, float] = {}  # when the quick frame's status line was written
        self.first_cpu: float | None = None  # the process's CPU seconds then
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.cond:
                self.out += chunk
                if QUICK_DONE not in self.first_seen and QUICK_DONE in self.out[-len(chunk) - 64 :]:
                    self.first_seen[QUICK_DONE] = time.monotonic()
                    with contextlib.suppress(OSError, ValueError):
                        self.first_cpu = self.cpu_seconds()
                self.cond.notify_all()

    def wait_for(self, text: bytes, start: int = 0, timeout: float = 30.0) -> float:
        """Monotonic time at which `text` had been written (after byte offset `start`)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while text not in self.out[start:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(text)
                self.cond.wait(left)
            return time.monotonic()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def close(self) -> None:
        os.write(self.master, b"q")
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


#: what ends a first frame with data on screen: the quick frame's status line ("... · last epoch N",
#: written after its plots, in the same write) or the view's ("... · last point 0 s ago"): each is
#: built from the same copy of the run as the plots drawn with it
QUICK_DONE = " · last epoch ".encode()
VIEW_DONE = b"last point"
ALERTS_DONE = " active · ".encode()  # the alert pane's count: the analysis has told its alerts


def first_frame(lines: int = 100_000, log: Path | None = None) -> dict[str, float]:
    """Seconds from process start to: the first frame with data (`first`:
    the quick frame or the view, whichever comes first), the view's first frame with data (`view`),
    the first alerts on screen (`alerts`), every line on screen (`last`)."""
    with tempfile.TemporaryDirectory() as d:
        if log is None:
            log = Path(d) / "training.log"
            log.write_text(HEADER + "".join(row(i) for i in range(lines)))
        term = Terminal(["watch", str(log)])
        try:
            got: dict[str, float] = {}
            view = term.wait_for(VIEW_DONE, timeout=120)
            with term.cond:
                out = bytes(term.out)
            quick = out.find(QUICK_DONE)
            got["view"] = view - term.t0
            got["first"] = term.first_seen.get(QUICK_DONE, view) - term.t0 if quick >= 0 else got["view"]
            if quick >= 0 and term.first_cpu is not None:
                got["first_cpu"] = term.first_cpu
            at = out.find(VIEW_DONE)
            # (the first frame is what is timed; the alerts and the last line are reported when they
            # come within the bound, which a loaded machine's analysis of 1,000,000 rows may pass)
            with contextlib.suppress(TimeoutError):
                got["alerts"] = term.wait_for(ALERTS_DONE, at, timeout=120) - term.t0
                # (the last epoch's number alone: Textual writes only the cells that changed, so the
                # run list's "epoch 25,228" becoming "epoch 99,999" may reach the terminal as "99,999")
                got["last"] = term.wait_for(f"{lines - 1:,}".encode(), at, timeout=120) - term.t0
        finally:
            term.close()
    return got


def _log(d: str, lines: int) -> Path:
    log = Path(d) / "training.csv"
    with log.open("w") as f:
        f.write(HEADER)
        for lo in range(0, lines, 100_000):
            f.write("".join(row(i) for i in range(lo, min(lines, lo + 100_000))))
    return log


def _run_until(cmd: list[str], done: bytes, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds from process start until `done` is written to the 120x40 pseudo-terminal, and the
    CPU seconds the process used in all (it ends once `done` is written)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = env or bytecode_env()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = bytearray()
    while done not in out[-len(done) - 65536 :]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    took = time.monotonic() - t0
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    os.close(master)
    if done not in out:
        raise RuntimeError(f"{cmd[0]} failed: {bytes(out[-300:])!r}")
    return took, usage.ru_utime + usage.ru_stime


#: the reference for the first frame: a plain script that reads the same CSV with numpy and draws
#: loss and val_loss with plotext (what a user gets by hand), in the same pseudo-terminal
PLOTEXT_SCRIPT = """
import sys, numpy as np, plotext as plt
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
plt.plot(d[:, 0].tolist(), d[:, 2].tolist(), label="loss")
plt.plot(d[:, 0].tolist(), d[:, 4].tolist(), label="val_loss")
plt.plotsize(118, 38)
plt.show()
sys.stdout.write("PLOT-DONE")
sys.stdout.flush()
"""

#: termplot (PyPI `tensorboard-termplot` 1.3.2: pandas reads the CSV, plotext 4.0 draws every
#: column), run in its own venv (it pins plotext 4.0): TERMPLOT_PYTHON=that venv's python. Its
#: modules import each other as top-level packages and it hands plotext numpy arrays, which
#: plotext 4.0 rejects; this shim adds its folder to sys.path and hands plotext lists.
TERMPLOT_SHIM = """
import os, sys
import tensorboard_termplot
sys.path.insert(0, os.path.dirname(tensorboard_termplot.__file__))
import plotext
_plot = plotext.plot
plotext.plot = lambda *a, **k: _plot(*[x.tolist() if hasattr(x, "tolist") else x for x in a], **k)
from tensorboard_termplot.main import run
sys.argv = ["tensorboard-termplot", "--data-source", "csv", *sys.argv[1:]]
run()
sys.stdout.write("TERMPLOT-DONE")
sys.stdout.flush()
"""


def plotext_first_frame(log: Path) -> tuple[float, float]:
    """Seconds from process start to plotext's chart of the log on the terminal."""
    return _run_until([sys.executable, "-c", PLOTEXT_SCRIPT, str(log)], b"PLOT-DONE")


def termplot_python() -> str | None:
    exe = os.environ.get("TERMPLOT_PYTHON", "/work/venvs/hfirst-termplot/bin/python")
    return exe if Path(exe).exists() else None


def termplot_first_frame(log: Path) -> tuple[float, float]:
    """Seconds from process start to termplot's charts of the log on the terminal."""
    env = dict(bytecode_env(), COLUMNS="120", LINES="40")
    return _run_until([str(termplot_python()), "-c", TERMPLOT_SHIM, str(log)], b"TERMPLOT-DONE", env)


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s" if values else "–"


def first_frame_sweep(sizes: tuple[int, ...], repeats: int = 3) -> None:
    """Ours against termplot and the plain plotext script, interleaved, per log size, with the load
    average, in wall time and in CPU time (ours: until the first frame; theirs: in all, as they end
    once drawn). Goals (issue #12): first frame 2x faster than termplot at 1,000 rows, 10x at
    100,000; at 1,000,000 the first frame within 1 s and the analysis within 3 s."""
    if "--repeats" in sys.argv:
        repeats = int(sys.argv[sys.argv.index("--repeats") + 1])
    tp = termplot_python()
    peers = "--no-peers" not in sys.argv  # (the 1 s goal at 1,000,000 rows is absolute: peers take minutes)
    if tp is None:
        print("  (termplot not installed: python -m venv V && V/bin/pip install tensorboard-termplot;")
        print("   TERMPLOT_PYTHON=V/bin/python; it is left out below)")
    for lines in sizes:
        keys = ("first", "first_cpu", "view", "alerts", "last", "tp", "tp_cpu", "ref", "ref_cpu")
        got: dict[str, list[float]] = {k: [] for k in keys}
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as d:
            log = _log(d, lines)
            slow = lines >= 1_000_000  # (the peers take a minute each there: once)
            for k in range(repeats):
                for key, value in first_frame(lines, log).items():
                    if key in got:
                        got[key].append(value)
                if peers and tp is not None and (not slow or k == 0):
                    for key, value in zip(("tp", "tp_cpu"), termplot_first_frame(log), strict=True):
                        got[key].append(value)
                if peers and (not slow or k == 0):
                    for key, value in zip(("ref", "ref_cpu"), plotext_first_frame(log), strict=True):
                        got[key].append(value)
        first = statistics.median(got["first"])
        ratio = ""
        if got["tp"]:
            ratio += f"; {statistics.median(got['tp']) / first:.1f}x as fast as termplot"
        if got["ref"]:
            ratio += f", {statistics.median(got['ref']) / first:.1f}x as fast as plain plotext"
        print(
            f"  {lines:>9,} rows: first frame {first:.2f} s, CPU {_fmt(got['first_cpu'])} (the view's "
            f"{_fmt(got['view'])}, alerts {_fmt(got['alerts'])}, every line {_fmt(got['last'])}); termplot "
            f"{_fmt(got['tp'])}, CPU {_fmt(got['tp_cpu'])}; plain plotext {_fmt(got['ref'])}, CPU "
            f"{_fmt(got['ref_cpu'])}{ratio} (load {load:.1f}, {repeats} runs)"
        )


def append_latency(n: int = 60, gap: float = 0.25) -> list[float]:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "training.log"
        log.write_text(HEADER + "".join(row(i) for i in range(1000)))
        term = Terminal(["watch", str(log)])
        delays = []
        try:
            term.wait_for(b"epoch 999")
            time.sleep(1.0)
            with log.open("a") as f:
                for k in range(1000, 1000 + n):
                    start = len(term.out)
                    sent = time.monotonic()
                    f.write(row(k))
                    f.flush()
                    delays.append(term.wait_for(f"epoch {k:,}".encode(), start) - sent)
                    time.sleep(gap)
        finally:
            term.close()
    return delays


def idle_cpu(seconds: float = 30.0) -> float:
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "training.log"
        log.write_text(HEADER + "".join(row(i) for i in range(200)))
        term = Terminal(["watch", str(log)])
        try:
            term.wait_for(b"epoch 199")
            time.sleep(3.0)
            c0, t0 = term.cpu_seconds(), time.monotonic()
            time.sleep(seconds)
            c1, t1 = term.cpu_seconds(), time.monotonic()
        finally:
            term.close()
    return (c1 - c0) / (t1 - t0)


class StaticFeed:
    """A feed holding one prepared run (no reading, no analysis)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.analyzers: dict[int, object] = {}
        self.analyze = True
        self.subscribers: list[object] = []

    def subscribe(self, fn: object) -> None:
        self.subscribers.append(fn)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


async def plot_redraws(points: int, repeats: int, rescale: bool = False) -> list[float]:
    """Seconds per redraw of the plots after one more point; with `rescale`, plotext also redraws
    the axes each time (what happens when the axes change: a new extreme, the x axis growing)."""
    from lossacc_tui.app import make_app
    from lossacc_tui.events import PointsAdded, RunAdded
    from lossacc_tui.model import Batch, Run

    run = Run("bench", "bench", "jsonl")
    x = np.arange(points, dtype=np.float64)
    loss = 1 / (1 + x / 1e5) + np.random.default_rng(0).normal(0, 0.01, points)
    loss[points // 3] = 5.0  # one spike: must stay visible
    run.add_batch(Batch(points, {"train_loss": loss}, {"train_loss": None}, step=x))
    vx = x[::1000]
    run.add_batch(Batch(len(vx), {"val_loss": loss[::1000] + 0.1}, {"val_loss": None}, step=vx))
    feed = StaticFeed()
    app = make_app(feed, "bench")  # type: ignore[arg-type]
    for fn in feed.subscribers:
        with feed.lock:
            fn([RunAdded(run), PointsAdded(run, Batch(0, {}, {}))])  # type: ignore[operator]
    times = []
    async with app.run_test(size=(176, 65)) as pilot:
        await pilot.pause(0.5)
        lp = app.query_one("#loss-plot")
        assert (lp.size.width, lp.size.height) == (120, 30), lp.size
        app.tracker.on_change = None  # redraws are timed here, not triggered by the tracker
        for k in range(repeats):
            with feed.lock:  # one more point arrives, as while training
                b = Batch(
                    1,
                    {"train_loss": np.array([0.5])},
                    {"train_loss": None},
                    step=np.array([points + k], float),
                )
                run.add_batch(b)
                app.tracker._on_events([PointsAdded(run, b)])
            if rescale:
                lp._chrome_key = None
            t = time.perf_counter()
            app.redraw()
            for w in (lp, app.query_one("#acc-plot"), app.query_one("#band")):
                w._strips = w._build()
            times.append(time.perf_counter() - t)
        assert "5" in "".join(seg.text for strip in lp._strips for seg in strip)  # the spike's tick
    return times


def redraw_ms(points: int = 10_000_000, repeats: int = 15, rescale: bool = False) -> tuple[float, float]:
    """Median and max ms to redraw the plots (reduce + plotext + strips) for a series of `points`."""
    times = asyncio.run(plot_redraws(points, repeats, rescale))
    return statistics.median(times) * 1000, max(times) * 1000


def plotext_reference(points: int = 100_000) -> float:
    import plotext as plt

    x = np.arange(points, dtype=float)
    y = (1 / (1 + x / 40)).tolist()
    plt.clear_figure()
    plt.plotsize(120, 30)
    t = time.perf_counter()
    plt.plot(x.tolist(), y)
    plt.build()
    return time.perf_counter() - t


def sweep_sizes(argv: list[str]) -> tuple[int, ...]:
    """Log sizes of the first-frame sweep: `--sizes 1000,1000000`, else 1k-100k (`--long`: and 1M)."""
    if "--sizes" in argv:
        return tuple(int(s) for s in argv[argv.index("--sizes") + 1].split(","))
    return (1_000, 10_000, 100_000, 1_000_000) if "--long" in argv else (1_000, 10_000, 100_000)


def main() -> None:
    if "--sweep-only" in sys.argv:  # (the first-frame sweep alone)
        print("first frame by log size (medians, interleaved with the references; 120x40 pseudo-terminal):")
        first_frame_sweep(sweep_sizes(sys.argv))
        return
    ms, worst = redraw_ms()
    ms2, worst2 = redraw_ms(rescale=True)
    ref = plotext_reference()
    print(
        f"plot redraw, 10,000,000-point series, 120x30 plot: median {ms:.1f} ms (max {worst:.1f} ms); "
        "goal 30 ms"
    )
    print(f"  when the axes change too (plotext redraws them): median {ms2:.1f} ms (max {worst2:.1f} ms)")
    print(f"  reference: plain plotext, 100,000 points at 120x30: {ref * 1000:.0f} ms")
    runs = [first_frame() for _ in range(3)]
    first, view, last = (statistics.median(r[k] for r in runs) for k in ("first", "view", "last"))
    print(
        f"100,000-line log (median of 3): first frame with data {first:.2f} s after process start; "
        f"the view's {view:.2f} s; all lines on screen {last:.2f} s; goal 1 s"
    )
    print("first frame by log size (medians, interleaved with the references; 120x40 pseudo-terminal):")
    first_frame_sweep(sweep_sizes(sys.argv))
    d = append_latency()
    d.sort()
    print(
        f"appended line to screen: median {statistics.median(d) * 1000:.1f} ms, "
        f"p90 {d[int(len(d) * 0.9)] * 1000:.1f} ms, max {d[-1] * 1000:.1f} ms ({len(d)} lines); "
        "goal median 50 ms"
    )
    print(f"idle CPU watching a quiet log for 30 s: {idle_cpu() * 100:.2f}% of one core; goal 2%")


if __name__ == "__main__":
    main()
