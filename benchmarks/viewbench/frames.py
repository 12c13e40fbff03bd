"""Main-thread CPU of one data frame and of one key's frame, in process (the app headless at 120x40,
following the 100,000-point log through its real Monitor), and plotext drawing the same points."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .logs import rows

#: CPU seconds the compositor spent asking each kind of pane for its lines, over the data frames
PANES: dict[str, float] = {}
#: CPU seconds of each part of the data frames, over them: the copy from the tracker (lock held),
#: each pane given its copy, the compositor's refreshes, the screen's layouts
PARTS: dict[str, float] = {}

#: (module, class, method, part): what `PARTS` times (a method a tree lacks is not timed)
TIMED = (
    ("lossacc_tui.app.frame", "MainFrame", "_frame", "copy"),
    ("lossacc_tui.app.frame", "MainFrame", "_show", "show"),
    ("lossacc_tui.app.widgets.metric_plot", "MetricPlot", "set_data", "show: plots"),
    ("lossacc_tui.app.widgets.state_band", "StateBand", "set_data", "show: band"),
    ("lossacc_tui.app.widgets.run_list", "RunList", "set_rows", "show: runs"),
    ("lossacc_tui.app.widgets.alert_list", "AlertList", "set_rows", "show: alerts"),
    ("lossacc_tui.app.widgets.explanation", "Explanation", "show", "show: explanation"),
    ("textual.screen", "Screen", "_refresh_layout", "layout"),
)


def _time_parts(counting: list[bool]) -> list[tuple[type, str, Any]]:
    """Wrap the methods of TIMED to add their CPU time to PARTS while `counting[0]`; the originals,
    to put back."""
    import importlib

    put_back = []
    for module, cls_name, method, part in TIMED:
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except (ImportError, AttributeError):
            continue
        real = getattr(cls, method, None)
        if real is None:
            continue

        def timed(self: Any, *a: Any, _real: Any = real, _part: str = part, **k: Any) -> Any:
            t = time.thread_time()
            try:
                return _real(self, *a, **k)
            finally:
                if counting[0]:
                    PARTS[_part] = PARTS.get(_part, 0.0) + time.thread_time() - t

        put_back.append((cls, method, cls.__dict__.get(method)))  # (None: inherited)
        setattr(cls, method, timed)
    return put_back


def frame_cpu(log: Path, frames: int = 25) -> tuple[dict[str, list[float]], tuple[int, int]]:
    """Main-thread CPU seconds of each data frame (10 lines appended, then drawn and composited)
    and of each key's frame, the app headless at 120x40 on `log` (see the module's point 3); and
    the loss plot's canvas (columns, rows). What compositing the data frames cost, pane by pane
    (the lines each pane gave the compositor), is left in PANES."""
    import asyncio

    from textual.screen import Screen

    from lossacc_tui.app import make_app
    from lossacc_tui.app.widgets import cached_lines
    from lossacc_tui.monitor import Monitor

    spent = [0.0]
    real = Screen._compositor_refresh
    real_lines = getattr(cached_lines, "KeptLines", None)
    counting = [False]
    PANES.clear()
    PARTS.clear()

    def pane_lines(self: Any, crop: Any) -> Any:
        t = time.thread_time()
        try:
            return lines_of(self, crop)
        finally:
            if counting[0]:
                name = type(self).__name__
                PANES[name] = PANES.get(name, 0.0) + time.thread_time() - t

    lines_of = real_lines.render_lines if real_lines is not None else None

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
            counting[0] = True
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
                PARTS["compositor"] = PARTS.get("compositor", 0.0) + spent[0]
            counting[0] = False
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
    put_back = _time_parts(counting)
    if real_lines is not None:  # (the trunk before session 13 has no KeptLines: panes not split)
        real_lines.render_lines = pane_lines  # type: ignore[method-assign]
    try:
        return asyncio.run(run())
    finally:
        Screen._compositor_refresh = real  # type: ignore[method-assign]
        for cls, method, was in reversed(put_back):
            if was is None:
                delattr(cls, method)
            else:
                setattr(cls, method, was)
        if real_lines is not None:
            real_lines.render_lines = lines_of  # type: ignore[method-assign]


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
    n = len(got["frame"])
    if PARTS:
        split = ", ".join(f"{k} {v / n * 1000:.2f}" for k, v in PARTS.items())
        print(f"  a data frame's parts, ms a frame (mean; show: includes its panes): {split}")
    if PANES:
        split = ", ".join(f"{k} {v / n * 1000:.2f}" for k, v in sorted(PANES.items(), key=lambda kv: -kv[1]))
        print(f"  compositing a data frame, ms a frame, pane by pane (the lines each gave): {split}")
    print(f"  reference: plotext drawing the same 100,000 points (loss, val_loss) once: {ref * 1000:.0f} ms")
