"""Keys under load and the view's CPU, in a real terminal (tmux, 120x40).

    python -m benchmarks bench_keys            # short: 4 presses a key, 8 s CPU windows
    python -m benchmarks bench_keys --long     # 10 presses a key, 20 s CPU windows
    python benchmarks/bench_keys.py --frames-only   # the in-process frame and key costs alone

1. Key to screen: for every key of the terminal view whose effect shows as text, the time from the
   key sent to the screen showing its effect, on a 100,000-point run, first with the log quiet,
   then while a writer appends 2,000 lines a second to it. Median and p99 over all presses (and
   per key: median and worst). Goal: median under 100 ms, p99 under 250 ms, loaded too.
2. CPU of the view (the whole `lossacc-tui watch` process, from /proc, and its main thread alone)
   while a writer appends 10 and 200 lines a second, to a run of 100 points and to one of 100,000,
   and to a noisy 100,000-point run (hundreds of alerts opened and closed); every line of these
   Keras CSV logs is an evaluation (drawn within a second). Then a step log (JSON lines: a training
   loss every step, an evaluation every EVAL_EVERY steps: `step_rows`), whose training lines alone
   may wait up to 3 s for their frame (app/pacing.py). Goal: under 2 % of a core at 10 lines/s,
   under 15 % at 200, the same at every length and number of alerts.

3. Main-thread CPU of one data frame and of one key's frame, in-process (the app headless at 120x40,
   following the 100,000-point log through its real Monitor; `--frames-only`): a frame for 10 new lines
   (the plots, the summary, the lists, and Textual compositing what changed) and the frames of the
   cursor and log-scale keys; CPU time of the UI thread, which a loaded machine does not stretch.
   Reference in the same run: plotext drawing the same 100,000 points (loss and val_loss) at the loss
   plot's size. Goal: a data frame within 20 ms (2 % of a core at one frame a second).

The screen is read with `tmux capture-pane` in a loop, so each key figure includes tmux's own latency
and the polling; the reference measures exactly that floor in the same run: a key sent to `cat`,
which echoes it at once. The CPU references, in the same run: `tail -f` on the same log at the same
rate (a process that follows the file and writes what it reads to the same kind of terminal); the
floor, an idle Textual app of one line of text in the same tmux (what Textual itself costs doing
nothing); and TensorBoard (`tensorboard --logdir`, its defaults: a reload every 5 s by its own
loader, with no browser open) following the same run written as an event file at the same rate
(its process and any children; needs the tensorboard extra, else skipped).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

CLI = Path(sys.executable).with_name("lossacc-tui")
SOCKET = f"lossacc-bench-{uuid.uuid4().hex[:6]}"  # a tmux server of our own
LONG = "--long" in sys.argv
ROUNDS = 10 if LONG else 4
CPU_S = 20.0 if LONG else 8.0
HEADER = "epoch,accuracy,loss,val_accuracy,val_loss\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: (key, text shown once the key took effect, keys that undo it, text gone once undone)
Step = tuple[str, str, str, str]
KEYS: list[Step] = [
    ("?", "Glyphs", "Escape", "Glyphs"),
    ("c", "ranked by best value", "Escape", "ranked by best value"),
    ("m", "metrics · page", "Escape", "metrics · page"),
    ("s", "(smoothed 0.", "s", "(smoothed"),
    ("w", "(smoothed 0.", "s", "(smoothed"),
    ("l", "loss (log)", "l", "loss (log)"),
    ("x", "no step numbers", "", ""),
    # (the cursor keys in a row: home/end jump the cursor only while it is shown; in a focused
    # list without a cursor they move the list)
    ("Left", "@ ep ", "", ""),
    ("Home", "@ ep 0 ", "", ""),
    ("Right", "@ ep 1 ", "", ""),
    ("End", r"re:@ ep [\d.]+e5 ", "Escape", "@ ep "),  # (the last epoch: 1e5 idle, 1.2e5 on under load)
    ("Space", "■", "Space", "■"),
    ("p", "▣", "p", "▣"),
]


def rows(start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004) -> str:
    """Keras CSVLogger rows of a long run that learns, then overfits a little, with evaluation
    noise (so alerts open and close: three to ten of them, a plateau's merged closings; with
    `noise_sd` 0.05, hundreds)."""
    return "".join(
        f"{int(e)},{a:.6f},{b:.6f},{c:.6f},{d:.6f}\n"
        for e, a, b, c, d in zip(*curves(start, stop, rng, noise_sd), strict=True)
    )


def curves(
    start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004
) -> tuple[np.ndarray, ...]:
    """(epoch, accuracy, loss, val_accuracy, val_loss) of `rows`."""
    i = np.arange(start, stop, dtype=float)
    acc = 0.5 + 0.4 * i / (i + 500)
    loss = 0.25 + 0.5 / (1 + i / 400)
    noise = rng.normal(0, noise_sd, size=(2, len(i)))
    val_acc = acc - 0.05 + noise[0]
    val_loss = loss + 0.1 + 2e-7 * i + noise[1]
    return i, acc, loss, val_acc, val_loss


EVAL_EVERY = 100  # a step log's training lines per evaluation


def step_rows(start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004) -> str:
    """JSON lines of a step-level log of the same run: each step's training loss and accuracy on a
    line of its own, and every EVAL_EVERY steps an evaluation (val_loss, val_accuracy) after it
    (what a training loop that logs every step and evaluates now and then writes)."""
    out = []
    for i, a, b, c, d in zip(*curves(start, stop, rng, noise_sd), strict=True):
        out.append(f'{{"step": {int(i)}, "loss": {b:.6f}, "accuracy": {a:.6f}}}\n')
        if int(i) % EVAL_EVERY == EVAL_EVERY - 1:
            out.append(f'{{"step": {int(i)}, "val_loss": {d:.6f}, "val_accuracy": {c:.6f}}}\n')
    return "".join(out)


def lines_for(path: Path | str, start: int, stop: int, rng: np.random.Generator, noise_sd: float) -> str:
    """Records start..stop of the log at `path`: a step log (.jsonl, `step_rows`) or a Keras CSV."""
    return (step_rows if str(path).endswith(".jsonl") else rows)(start, stop, rng, noise_sd)


WRITER = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
from bench_keys import lines_for
path, start, rate, sd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(start)
n, t0 = start, time.monotonic()
with open(path, "a") as f:
    while True:
        want = start + int((time.monotonic() - t0) * rate)
        if want > n:
            f.write(lines_for(path, n, want, rng, sd)); f.flush(); n = want
        time.sleep(0.01)
"""

#: the same run as TensorBoard event files (one event a record, its four scalars), written as `WRITER`
TB_WRITER = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
from bench_keys import curves
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
folder, history, rate, sd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
w = EventFileWriter(folder)
TAGS = ("accuracy", "loss", "val_accuracy", "val_loss")
def put(start, stop, rng):
    for e, *vals in zip(*curves(start, stop, rng, sd)):
        w.add_event(Event(wall_time=time.time(), step=int(e), summary=Summary(value=[
            Summary.Value(tag=t, simple_value=float(v)) for t, v in zip(TAGS, vals)])))
put(0, history, np.random.default_rng(0)); w.flush()
print("ready", flush=True)
rng = np.random.default_rng(history)
n, t0 = history, time.monotonic()
while True:
    want = history + int((time.monotonic() - t0) * rate)
    if want > n:
        put(n, want, rng); w.flush(); n = want
    time.sleep(0.01)
"""

#: the floor: a Textual app that only shows one line of text
IDLE_TEXTUAL = """
from textual.app import App
from textual.widgets import Static
class Idle(App):
    def compose(self):
        yield Static("an idle Textual app")
Idle().run()
"""


def make_log(path: Path, n: int, noise_sd: float = 0.004) -> None:
    """A log of `n` records (steps or epochs): a Keras CSV, or a step log when `path` ends in .jsonl."""
    rng = np.random.default_rng(0)
    with path.open("w") as f:
        if not str(path).endswith(".jsonl"):
            f.write(HEADER)
        for s in range(0, n, 10_000):
            f.write(lines_for(path, s, min(n, s + 10_000), rng, noise_sd))


def writer(path: Path, rate: float, noise_sd: float = 0.004) -> subprocess.Popen[bytes]:
    """A process appending `rate` records a second to the log (a step log: its training lines)."""
    if str(path).endswith(".jsonl"):
        n = sum(1 for line in path.open() if "val_loss" not in line)
    else:
        n = sum(1 for _ in path.open()) - 1
    code = WRITER.format(here=str(Path(__file__).resolve().parent))
    return subprocess.Popen([sys.executable, "-c", code, str(path), str(n), str(rate), str(noise_sd)])


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait(session: str, ok: Callable[[str], bool], what: str, timeout: float = 15.0) -> float:
    start = time.perf_counter()
    while not ok(screen(session)):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{what}:\n{screen(session)}")
    return time.perf_counter() - start


def key_to_screen(session: str, key: str, text: str) -> float:
    """Seconds from the key sent to `text` on screen (a `re:` text is a regular expression)."""
    start = time.perf_counter()
    tmux("send-keys", "-t", session, key)
    if text.startswith("re:"):
        pattern = re.compile(text[3:])
        wait(session, lambda s: pattern.search(s) is not None, f"{text!r} never shown after {key}")
    else:
        wait(session, lambda s: text in s, f"{text!r} never shown after {key}")
    return time.perf_counter() - start


ANALYSING = "Analysing…"  # the summary pane before the first analysis of the run ends


def analysed(text: str) -> bool:
    """The screen shows the run's first analysis: its summary, which begins with the run's name and
    its x axis (before the first frame neither this nor the placeholder is on the screen)."""
    return ANALYSING not in text and ("x = epoch)" in text or "x = step)" in text)


def start(session: str, command: str) -> int:
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {command}")
    return int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())


def ended(pid: int) -> bool:
    """The process has ended: gone, or a zombie its parent (tmux's server, which reaps a pane's
    process a second or two later here) has not collected yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def reaped_after() -> float:
    """Seconds from a pane's process ending (`sleep 0.5`) to its pid being gone: what a
    measurement by the pid's disappearance would add."""
    pid = start("reap", "sleep 0.5")
    try:
        while not ended(pid):
            time.sleep(0.002)
        at = time.perf_counter()
        while Path(f"/proc/{pid}").exists() and time.perf_counter() - at < 10:
            time.sleep(0.002)
        return time.perf_counter() - at
    finally:
        tmux("kill-session", "-t", "reap")


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """CPU seconds of a process (or of one of its threads: `tid`)."""
    stat = Path(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reference() -> list[float]:
    """tmux plus polling: a character sent to `cat` until it is on the screen."""
    start("ref", "cat")
    times = []
    try:
        time.sleep(0.5)
        typed = ""
        for i in range(ROUNDS * 5):
            typed += "xyzw"[i % 4]
            times.append(key_to_screen("ref", typed[-1], typed))
    finally:
        tmux("kill-session", "-t", "ref")
    return times


def press_all(session: str) -> dict[str, list[float]]:
    """Each key ROUNDS times: press, wait for its effect, undo it, wait until undone."""
    got: dict[str, list[float]] = {k[0]: [] for k in KEYS}
    for _ in range(ROUNDS):
        for key, shown, undo, gone in KEYS:
            got[key].append(key_to_screen(session, key, shown))
            time.sleep(0.35)  # (a key within 0.3 s of opening help is taken as the same press)
            if undo:
                tmux("send-keys", "-t", session, undo)
                wait(session, lambda s, g=gone: g not in s, f"{gone!r} never gone after {undo}")
            elif key == "x":
                wait(session, lambda s, t=shown: t not in s, "the note never went")
            time.sleep(0.15)
    return got


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def report_keys(label: str, got: dict[str, list[float]], floor: float) -> None:
    pooled = [t for ts in got.values() for t in ts]
    med, p99 = statistics.median(pooled), pct(pooled, 99)
    verdict = "met" if med < 0.1 and p99 < 0.25 else "NOT met"
    print(
        f"{label}: all keys median {med * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"({len(pooled)} presses; {med / floor:.1f}x the reference); goal 100/250 ms: {verdict}"
    )
    print(
        "  "
        + "  ".join(f"{k} {statistics.median(ts) * 1000:.0f}/{max(ts) * 1000:.0f}" for k, ts in got.items())
    )


def keys(log: Path) -> None:
    floor = statistics.median(reference())
    print(f"reference (tmux + capture polling, a key echoed by cat): median {floor * 1000:.0f} ms")
    session = "keys"
    pid = start(session, f"{CLI} watch {log}")
    load = None
    try:
        wait(session, lambda s: "99,999" in s and "last point" in s, "the run never loaded", timeout=60)
        # the first analysis of the 100,000 points runs without the feed's lock (seconds under
        # load): a key pressed meanwhile is timed, then the first analysis' length
        during = []
        if ANALYSING in screen(session):
            during.append(key_to_screen(session, "l", "loss (log)"))
            tmux("send-keys", "-t", session, "l")
        took = wait(session, analysed, "the run was never analysed", timeout=120)
        print(
            f"the first analysis ended {took:.1f} s after the run was on screen; a key pressed during it: "
            + (f"{during[0] * 1000:.0f} ms to screen" if during else "(none: it had ended)")
        )
        time.sleep(1.0)
        report_keys("idle (a quiet 100,000-point log)", press_all(session), floor)
        load = writer(log, 2000)
        time.sleep(2.0)
        c0, t0 = cpu_seconds(pid), time.monotonic()
        loaded = press_all(session)
        cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        report_keys("under load (2,000 lines/s appended)", loaded, floor)
        print(f"  (the view used {cpu * 100:.0f}% of a core meanwhile)")
        load.kill()
        load.wait()
        load = None
        time.sleep(1.0)
        start_q = time.perf_counter()
        tmux("send-keys", "-t", session, "q")
        while not ended(pid) and time.perf_counter() - start_q < 15:
            time.sleep(0.002)
        took = time.perf_counter() - start_q
        print(
            f"q: the process ended {took * 1000:.0f} ms after the key (reference: tmux reaps an ended"
            f" pane's process {reaped_after() * 1000:.0f} ms after it ends, so its pid outlives it)"
        )
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)


def frame_cpu(log: Path, frames: int = 25) -> tuple[dict[str, list[float]], tuple[int, int]]:
    """Main-thread CPU seconds of each data frame (10 lines appended, then drawn and composited)
    and of each key's frame, the app headless at 120x40 on `log` (see the module's point 3); and
    the loss plot's canvas (columns, rows)."""
    import asyncio

    from textual.screen import Screen

    from lossacc_tui.app import make_app
    from lossacc_tui.monitor import Monitor

    spent = [0.0]
    real = Screen._compositor_refresh

    def composite(screen: Screen[object]) -> None:
        t = time.thread_time()
        try:
            real(screen)
        finally:
            spent[0] += time.thread_time() - t

    async def run() -> tuple[dict[str, list[float]], tuple[int, int]]:
        feed = Monitor([log])
        app = make_app(feed, str(log))
        feed.start()
        got: dict[str, list[float]] = {"frame": [], "left": [], "right": [], "l": []}
        rng = np.random.default_rng(1)
        n = sum(1 for _ in log.open()) - 1

        def read() -> int:
            with app.tracker.lock:
                s = app.tracker.runs[0].run.by_role("val_loss") if app.tracker.runs else None
                return len(s) if s is not None else 0

        async def until(ok: Callable[[], bool], what: str) -> None:
            deadline = time.monotonic() + 120
            while not ok():
                if time.monotonic() > deadline:
                    raise TimeoutError(what)
                await pilot.pause(0.02)

        async with app.run_test(size=(120, 40)) as pilot:

            def analysed() -> bool:
                with app.tracker.lock:
                    runs = app.tracker.runs
                    return bool(runs) and runs[0].result is not None and not feed.analysis_pending

            await until(analysed, "the first analysis")
            await pilot.pause(1.0)
            app.tracker.on_change = None  # (frames are drawn here, one per block of lines)
            for _ in range(frames):
                with log.open("a") as f:
                    f.write(rows(n, n + 10, rng))
                n += 10
                await until(lambda n=n: read() >= n, "the new lines")
                await pilot.pause()
                spent[0], t = 0.0, time.thread_time()
                app.redraw()
                drawn = time.thread_time() - t
                await pilot.pause()  # (the compositor's refresh of what changed)
                got["frame"].append(drawn + spent[0])
            drawing = [0.0]
            redraw = app.redraw

            def timed(*args: object, **kwargs: object) -> bool:
                t = time.thread_time()
                try:
                    return redraw(*args, **kwargs)  # type: ignore[arg-type]
                finally:
                    drawing[0] += time.thread_time() - t

            app.redraw = timed  # type: ignore[method-assign]
            for _ in range(5):
                for key in ("left", "right", "l", "l"):
                    spent[0] = drawing[0] = 0.0
                    await pilot.press(key)  # (its action redraws; then the compositor's refresh)
                    await pilot.pause()
                    got[key].append(drawing[0] + spent[0])
            plot = app.query_one("#loss-plot")
            size = plot.canvas_size  # type: ignore[attr-defined]
        feed.stop()
        return got, size

    Screen._compositor_refresh = composite  # type: ignore[method-assign]
    try:
        return asyncio.run(run())
    finally:
        Screen._compositor_refresh = real  # type: ignore[method-assign]


def plotext_cpu(log: Path, size: tuple[int, int], repeats: int = 3) -> float:
    """CPU seconds plotext takes to draw the log's loss and val_loss (every point) at `size`."""
    import plotext as plt

    data = np.loadtxt(log, delimiter=",", skiprows=1)
    best = []
    for _ in range(repeats):
        plt.clear_figure()
        plt.plotsize(size[0] + 8, size[1] + 4)
        t = time.thread_time()
        plt.plot(data[:, 0].tolist(), data[:, 2].tolist(), marker="braille")
        plt.plot(data[:, 0].tolist(), data[:, 4].tolist(), marker="braille")
        plt.build()
        best.append(time.thread_time() - t)
    return min(best)


def frames(log: Path) -> None:
    got, size = frame_cpu(log)
    ref = plotext_cpu(log, size)
    med = {k: statistics.median(v) * 1000 for k, v in got.items()}
    verdict = "met" if med["frame"] < 20 else "NOT met"
    print(
        f"main-thread CPU, in-process at 120x40 on the 100,000-point run (load {os.getloadavg()[0]:.1f}):"
        f" a data frame for 10 new lines {med['frame']:.1f} ms median (max {max(got['frame']) * 1000:.1f},"
        f" {len(got['frame'])} frames; goal 20 ms: {verdict}); keys: cursor left {med['left']:.1f} ms,"
        f" right {med['right']:.1f} ms, log scale {med['l']:.1f} ms"
    )
    print(f"  reference: plotext drawing the same 100,000 points (loss, val_loss) once: {ref * 1000:.0f} ms")


MAIN_SHARE: list[float] = []  # the main (UI) thread's share in the last `cpu_share`


def cpu_share(log: Path, rate: float, command: str, noise_sd: float = 0.004) -> float:
    """Share of a core `command` uses while `rate` lines a second are appended to `log` (rate 0:
    nothing is appended); its main thread's share is left in MAIN_SHARE (the rest is the
    follower's, inotify's and the analysis' threads)."""
    session = f"cpu{uuid.uuid4().hex[:4]}"
    pid = start(session, command)
    load = None
    try:
        if "lossacc" in command:
            wait(session, lambda s: "last point" in s, "the run never loaded", timeout=90)
            # (the first analysis of the history is not what a growing run costs: measured after it)
            wait(session, analysed, "the run was never analysed", timeout=120)
        time.sleep(2.0)
        load = writer(log, rate, noise_sd) if rate else None
        time.sleep(2.0)
        c0, m0, t0 = cpu_seconds(pid), cpu_seconds(pid, pid), time.monotonic()
        time.sleep(CPU_S)
        took = time.monotonic() - t0
        MAIN_SHARE[:] = [(cpu_seconds(pid, pid) - m0) / took]
        return (cpu_seconds(pid) - c0) / took
    finally:
        if load is not None:
            load.kill()
        tmux("kill-session", "-t", session)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (TensorBoard and its data server)."""
    kids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == pid]
    return sum(cpu_seconds(k) for k in [pid, *kids] if Path(f"/proc/{k}").exists())


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def tensorboard_share(folder: Path, points: int, rate: float, noise_sd: float) -> float | None:
    """Share of a core TensorBoard (with its data server) uses following the same run, written as
    an event file at the same rate (None: TensorBoard is not installed)."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return None
    logdir = folder / f"tb_{points}_{int(rate)}_{uuid.uuid4().hex[:4]}"
    logdir.mkdir()
    code = TB_WRITER.format(here=str(Path(__file__).resolve().parent))
    w = subprocess.Popen(
        [sys.executable, "-c", code, str(logdir), str(points), str(rate), str(noise_sd)],
        stdout=subprocess.PIPE,
    )
    tb = None
    try:
        assert w.stdout is not None
        w.stdout.readline()  # the history is written
        port = 6100 + int(uuid.uuid4().hex[:3], 16) % 800
        tb = subprocess.Popen(
            [Path(sys.executable).with_name("tensorboard"), "--logdir", str(logdir), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(8.0 + points / 50_000)  # start-up and the first load of the history
        c0, t0 = tree_cpu(tb.pid), time.monotonic()
        time.sleep(max(CPU_S, 10.0))  # (at least two of its 5 s reloads)
        return (tree_cpu(tb.pid) - c0) / (time.monotonic() - t0)
    finally:
        for p in (w, tb):
            if p is not None:
                p.terminate()
                p.wait()


def cpu(folder: Path) -> None:
    print(
        f"CPU of the whole process over {CPU_S:.0f} s, share of one core (goal: 2% at 10 lines/s, "
        f"15% at 200); load average before: {os.getloadavg()[0]:.1f}"
    )
    idle = folder / "idle.csv"
    make_log(idle, 100)
    ours = cpu_share(idle, 0, f"{CLI} watch {idle}")
    floor = cpu_share(idle, 0, f"{sys.executable} -c '{IDLE_TEXTUAL}'")
    print(
        f"  idle (a quiet 100-point log): {ours * 100:.2f}%   "
        f"floor: an idle one-line Textual app {floor * 100:.2f}%"
    )
    for points, sd, what, suffix in (
        (100, 0.004, "       ", ".csv"),
        (100_000, 0.004, "       ", ".csv"),
        (100_000, 0.05, " noisy,", ".csv"),
        (100_000, 0.004, " steps,", ".jsonl"),  # training lines, an evaluation every EVAL_EVERY
    ):
        for rate in (10.0, 200.0):
            log = folder / f"cpu_{points}_{int(rate)}{suffix}"
            make_log(log, points, sd)
            ours = cpu_share(log, rate, f"{CLI} watch {log}", sd)
            main = MAIN_SHARE[0]
            make_log(log, points, sd)
            ref = cpu_share(log, rate, f"tail -f {log}", sd)
            tb = tensorboard_share(folder, points, rate, sd)
            tb_text = f"{tb * 100:4.1f}%" if tb is not None else "(not installed)"
            goal = 0.02 if rate <= 10 else 0.15
            verdict = "met" if ours < goal else "NOT met"
            print(
                f"  {points:>7,} points{what} {rate:>4.0f} lines/s: {ours * 100:5.1f}% (main thread "
                f"{main * 100:.1f}%)   "
                f"reference tail -f {ref * 100:4.1f}%, TensorBoard {tb_text}   "
                f"goal {goal * 100:.0f}%: {verdict}   (load {os.getloadavg()[0]:.1f})"
            )


def main() -> int:
    if shutil.which("tmux") is None or not CLI.exists():
        print("bench_keys: skipped: needs tmux and the installed lossacc-tui command")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.csv"
        make_log(log, 100_000)
        try:
            if "--keys-only" not in sys.argv and "--cpu-only" not in sys.argv:
                frames(log)
            if "--frames-only" in sys.argv:
                return 0
            if "--cpu-only" not in sys.argv:
                keys(log)
            if "--keys-only" not in sys.argv:
                cpu(Path(tmp))
        finally:
            tmux("kill-server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
