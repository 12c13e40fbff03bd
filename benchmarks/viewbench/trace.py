"""What ran on the view's main thread while a key waited: a trace of `lossacc-tui watch`, for the
slow tail of `bench_keys --keys-only --trace DIR` (benchmarks only; the product has no hook).

    python benchmarks/viewbench/trace.py OUT.jsonl watch LOG     # the view, traced into OUT.jsonl

One JSON line per event, times on the system's monotonic clock (the bench's `time.monotonic`, so a
press the bench sent is matched with the key the app got): `key` (the driver's input thread got a
key: its name), `span` (a main-thread callback of the event loop longer than SPAN_MIN: what it was,
wall and thread-CPU seconds, and the lossacc/textual functions a sampler saw it in), `display` (a
frame written to the terminal: bytes), `redraw` (a frame of ours: key or data, its wait for the
feed's lock, the copy, the hand-over to the widgets), `gc` (a collection: generation, thread,
seconds), `feed` (a block of records told on the feed's thread, lock held), `pass` (a live analysis
pass). `tail.py` joins them with the bench's presses.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from typing import Any

SPAN_MIN = 0.002  # seconds: main-thread callbacks shorter than this are not written
SAMPLE = 0.002  # seconds between the sampler's looks at the main thread's stack


class Trace:
    def __init__(self, path: str) -> None:
        self.out = open(path, "w", buffering=1)  # noqa: SIM115 (open for the process' life)
        self.lock = threading.Lock()
        self.main = threading.get_ident()
        self.seen: dict[str, int] = {}  # functions the sampler saw during the current span

    def write(self, **event: Any) -> None:
        with self.lock:
            self.out.write(json.dumps(event) + "\n")


def _where(frame: Any) -> str:
    """The innermost lossacc_tui function of a stack and the innermost Textual one under it."""
    ours = lib = ""
    while frame is not None and not (ours and lib):
        name = frame.f_code.co_filename
        if not ours and "lossacc_tui" in name:
            ours = f"{os.path.basename(name)}:{frame.f_code.co_name}"
        elif not lib and ("textual" in name or "rich" in name or "plotext" in name):
            lib = f"{os.path.basename(name)}:{frame.f_code.co_name}"
        frame = frame.f_back
    return f"{ours}<{lib}" if ours else lib or "?"


def install(path: str) -> Trace:
    import asyncio.events

    tr = Trace(path)
    busy = {"on": False}

    def sampler() -> None:
        while True:
            time.sleep(SAMPLE)
            if not busy["on"]:
                continue
            frame = sys._current_frames().get(tr.main)
            if frame is not None:
                w = _where(frame)
                tr.seen[w] = tr.seen.get(w, 0) + 1

    threading.Thread(target=sampler, daemon=True, name="trace-sampler").start()

    run = asyncio.events.Handle._run
    sched = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)

    def queued() -> float:
        """Seconds the main thread has waited on the OS's run queue (runnable, not running)."""
        return int(os.pread(sched, 100, 0).split()[1]) / 1e9

    def timed_run(self: Any) -> None:
        if threading.get_ident() != tr.main:
            return run(self)
        tr.seen = {}
        busy["on"] = True
        t0, c0, q0 = time.monotonic(), time.thread_time(), queued()
        try:
            return run(self)
        finally:
            busy["on"] = False
            t1 = time.monotonic()
            if t1 - t0 >= SPAN_MIN:
                cb = getattr(self, "_callback", None)
                task = getattr(cb, "__self__", None)
                coro = task.get_coro() if hasattr(task, "get_coro") else None
                label = getattr(coro, "__qualname__", None) or getattr(cb, "__qualname__", repr(cb)[:60])
                owner = getattr(coro, "cr_frame", None)
                who = type(owner.f_locals.get("self")).__name__ if owner is not None else ""
                top = sorted(tr.seen.items(), key=lambda kv: -kv[1])[:4]
                tr.write(
                    ev="span", t=t0, dur=t1 - t0, cpu=time.thread_time() - c0, what=f"{who}.{label}",
                    seen=top, queued=queued() - q0,
                )  # fmt: skip

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

    gc_at: dict[int, tuple[float, int]] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        me = threading.get_ident()
        if phase == "start":
            gc_at[me] = (time.monotonic(), info["generation"])
        elif me in gc_at:
            t0, gen = gc_at.pop(me)
            dur = time.monotonic() - t0
            if dur >= 0.001 or gen == 2:
                size = len(gc.get_objects(2)) if gen == 2 else None
                tr.write(ev="gc", t=t0, dur=dur, gen=gen, main=me == tr.main, collected=info.get("collected"),
                         gen2=size, frozen=gc.get_freeze_count())  # fmt: skip

    gc.callbacks.append(on_gc)

    from lossacc_tui.app import drawing, pacing
    from lossacc_tui.feed import Feed

    redraw = drawing.Drawing.redraw

    def traced_redraw(self: Any, wait: float = pacing.KEY_WAIT, data: bool = False) -> bool:
        t0, c0 = time.monotonic(), time.thread_time()
        got = redraw(self, wait, data)
        tr.write(ev="redraw", t=t0, dur=time.monotonic() - t0, cpu=time.thread_time() - c0, data=data,
                 wait=wait, drawn=got)  # fmt: skip
        return got

    drawing.Drawing.redraw = traced_redraw  # type: ignore[method-assign]

    appended = Feed.appended

    def traced_appended(self: Any, parts: Any, analyse: bool = True) -> None:
        t0, c0 = time.monotonic(), time.thread_time()
        appended(self, parts, analyse)
        tr.write(ev="feed", t=t0, dur=time.monotonic() - t0, cpu=time.thread_time() - c0,
                 points=sum(getattr(b, "n", 0) for _, b in parts) if parts else 0)  # fmt: skip

    Feed.appended = traced_appended  # type: ignore[method-assign]

    from lossacc_tui.app.app import LossAccApp

    note = LossAccApp.note_input

    def traced_note(self: Any, message: object) -> None:
        note(self, message)
        if type(message).__name__ == "Key":
            tr.write(ev="key", t=time.monotonic(), key=getattr(message, "key", "?"))

    LossAccApp.note_input = traced_note  # type: ignore[method-assign]

    from textual.app import App

    display = App._display

    def traced_display(self: Any, screen: Any, renderable: Any) -> None:
        t0 = time.monotonic()
        display(self, screen, renderable)
        if renderable is not None:
            tr.write(ev="display", t=t0, dur=time.monotonic() - t0, screen=type(screen).__name__)

    App._display = traced_display  # type: ignore[method-assign]
    _trace_passes(tr)
    return tr


def _trace_passes(tr: Trace) -> None:
    """The live analysis' passes (off the lock, on a timer's thread) and their hand-over."""
    from lossacc_tui import feed_passes

    for name in dir(feed_passes):
        obj = getattr(feed_passes, name)
        if isinstance(obj, type):
            for attr in ("_pass", "_hand_over", "_compare_live"):
                fn = obj.__dict__.get(attr)
                if callable(fn):
                    setattr(obj, attr, _timed(tr, f"{name}.{attr}", fn))


def _timed(tr: Trace, what: str, fn: Any) -> Any:
    def inner(*a: Any, **k: Any) -> Any:
        t0, c0 = time.monotonic(), time.thread_time()
        try:
            return fn(*a, **k)
        finally:
            tr.write(ev="pass", t=t0, dur=time.monotonic() - t0, cpu=time.thread_time() - c0, what=what)

    return inner


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    install(sys.argv[1])
    from lossacc_tui.cli import main

    sys.exit(main(sys.argv[2:]))
