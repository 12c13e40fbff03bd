"""The status line's words: what is watched, live or waiting (or where the replay is), and the
time since the last new point. Textual-free."""

from __future__ import annotations

import math
import time
from typing import Any

from lossacc_tui.app.text import clean
from lossacc_tui.events import NO_RECORD_YET


def ago(seconds: float) -> str:
    """Seconds as a person says them.

    >>> ago(4.2), ago(75), ago(3 * 3600 + 120)
    ('4 s', '1 min', '3 h 2 min')
    """
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"


def clock_text(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


#: how the follower's status of a followed file that was deleted ends (`tail.py`)
DELETED = ": deleted"


def _no_record_yet(s: Any) -> bool:
    """A Status of a file that exists and is followed, with no record read from it yet."""
    waiting = s.state == "waiting" and s.message.endswith(NO_RECORD_YET)  # (format not told yet)
    return waiting or (s.state == "live" and s.message == f"{s.path}: following")  # (a header only)


def short_label(label: str, width: int = 40) -> str:
    """The watched paths, each cut to its last two parts when they are long.

    >>> short_label("/home/me/project/runs/exp3/train.log", 30)
    '…/exp3/train.log'
    """
    if len(label) <= width:
        return label
    out = []
    for p in label.split(" "):
        parts = p.rstrip("/").split("/")
        out.append(p if len(parts) <= 2 else "…/" + "/".join(parts[-2:]))
    return " ".join(out)


def listed_name(app: Any, path: str) -> str:
    """The name the run list gives the run of `path` among others (what tells it from them: a
    sweep's `log.jsonl` alone named none of them), else the path's file name."""
    names = getattr(app, "_names", {})
    runs = list(app.tracker.runs)
    for rs in runs if len(runs) > 1 else []:
        if rs.run.path == path and id(rs) in names:
            return str(names[id(rs)])
    return path.rsplit("/", 1)[-1]


def copy_status(app: Any) -> None:
    """Copy what the status line shows from the tracker (its lock held by the caller)."""
    t = app.tracker
    app.status_seen = (list(t.statuses.values()), t.last_point)
    app.problems_seen = (t.problems, t.last_problem)


#: an analysis pass running longer than this is shown ("analysing…"): a pass of a few new points
#: (milliseconds, every half second) is not, a first analysis of a long run (seconds) is
SHOW_ANALYSING = 0.5


def analysing(app: Any) -> bool:
    """An analysis pass has been running for more than SHOW_ANALYSING s (what the screen shows of
    the alerts and the summary is then from the analysis before). Read without the lock."""
    since = getattr(app.tracker.feed, "busy_since", None)
    return since is not None and time.monotonic() - since > SHOW_ANALYSING


#: a log whose latest point was written longer ago than this, and not since the view started, is
#: not called live: the status line says "last written 23 h ago" (a training that died yesterday
#: must not look alive); one that grows again is live again
LIVE_RECENT = 600.0


def stale(app: Any, last: float) -> bool:
    """The latest point (`last`, on the app's clock: when it was written) is older than LIVE_RECENT
    seconds and from before the view started."""
    started = getattr(app, "_started", None)
    return app.clock() - last > LIVE_RECENT and (started is None or last < started)


#: seconds between the status line's ticks while something it shows may change without a frame:
#: a replay's position, an analysis under way ("analysing…" once it has run SHOW_ANALYSING s), new
#: data whose frame is not drawn yet
TICK = 1.0
#: the longest wait between two ticks (a line's words otherwise change at the next minute at most)
TICK_MAX = 60.0
#: seconds after the last point's age turns a whole second (or minute) that the tick comes: a live
#: log's next point is written before its age turns and read by the follower's next pass, a second
#: after its last one, so just after the turn; ticking just past the turn (0.01 s, as it was), the
#: line said "1 s ago" until the next frame said "0 s ago" again, twice a second while a run wrote
#: 10 lines a second (a compositor pass each: 0.2 % of a core); the age shown is at most this late
TURN_SLACK = 0.3


def next_change(app: Any) -> float:
    """Seconds until the status line's words may change with no new frame: the next whole second
    of the last point's age under a minute ("4 s ago"), its next whole minute after ("3 min ago",
    "2 h 5 min ago", "last written 23 h ago"), TURN_SLACK after it (a point read meanwhile keeps
    the words); TICK while a replay plays, an analysis is under way or due, or new data wait for
    their frame. Read without the feed's lock (its own fields: a stale read
    only ticks sooner or later once).

    >>> from types import SimpleNamespace as NS
    >>> feed = NS(busy_since=None, _waiting={})
    >>> app = NS(replay=None, _dirty=False, tracker=NS(feed=feed), status_seen=([], 90.0))
    >>> app.clock = lambda: 100.25  # (10.25 s after the last point: "10 s ago" until 11 s)
    >>> a = round(next_change(app), 2)
    >>> app.clock = lambda: 200.0  # (110 s: "1 min ago" until 120 s)
    >>> a, round(next_change(app), 2)
    (1.05, 10.3)
    """
    feed = getattr(app.tracker, "feed", None)
    busy = getattr(feed, "busy_since", None) is not None or bool(getattr(feed, "_waiting", None))
    if app.replay is not None or busy or getattr(app, "_dirty", False):
        return TICK
    last = getattr(app, "status_seen", ([], None))[1]
    if last is None or math.isnan(last):
        return TICK_MAX  # ("no points yet": words that change with events, which bring a frame)
    age = max(0.0, app.clock() - last)
    step = 1.0 if age < 60 else 60.0
    return min(TICK_MAX, step - age % step + TURN_SLACK)  # (past the turn: int() has moved)


def status_parts(app: Any, copied: bool = False) -> list[tuple[str, str]]:
    """(text, style) pieces of the status line; `copied`: the caller has just copied them (a frame,
    with the lock held), else they are copied here if the feed lets go of its lock within 10 ms."""
    t = app.tracker
    if not copied and t.lock.acquire(timeout=0.01):
        try:
            copy_status(app)
        finally:
            t.lock.release()
    statuses, last = getattr(app, "status_seen", ([], None))  # (the feed busy: as last seen)
    shown = getattr(app, "shown_runs", None)  # the run list's count, so that the two never differ
    n = len(t.runs) if shown is None else shown
    label = short_label(clean(app.label))
    runs = f" · {n} run{'s' if n != 1 else ''}"
    r = app.replay
    if r is not None:
        if not r.loaded.is_set():
            return [(f"replay {label}", "bold"), (" · reading…", "")]
        state = "■ end" if r.position >= r.total else ("⏸ paused" if r.paused else "▶ playing")
        speed = f"{r.speed:.3g}x"
        length = clock_text(r.vtime[-1] if r.total else 0)
        done = f" · {r.position}/{r.total} records · {clock_text(r.log_time())} of {length}"
        busy = [(" · analysing…", "bold cyan")] if analysing(app) else []
        return [(f"replay {label}", "bold"), (runs, ""), (f" · {state} {speed}", "bold"), (done, ""), *busy]
    errors = [s for s in statuses if s.state == "error"]
    known = last is not None and not math.isnan(last)
    age = f" · last point {ago(app.clock() - last)} ago" if known else " · no points yet"
    if errors:
        # (one line: a whole short sentence, without the list of formats `check` prints)
        state, style = f"error: {clean(errors[-1].short or errors[-1].message)}", "bold red"
    elif n == 0:
        # files that exist but hold no record yet (a header only, empty) are not logs still to appear
        have = [clean(s.path).rsplit("/", 1)[-1] for s in statuses if _no_record_yet(s)]
        state = f"waiting for a first record in {', '.join(have)}" if have else "waiting for a log to appear"
        style = "bold yellow"
    elif gone := [s for s in statuses if s.state == "waiting" and DELETED in s.message]:
        # (the follower says so: what was read stays on screen, a new file at the path is followed)
        name = clean(gone[-1].path).rsplit("/", 1)[-1]
        state, style = f"{name} deleted (what was read stays; waiting for a new file)", "bold yellow"
    elif known and stale(app, last):
        # (a log read at start, last written long before: not called live until it grows again)
        polling = " (polling)" if any(s.state == "polling" for s in statuses) else ""
        state, style, age = f"last written {ago(app.clock() - last)} ago{polling}", "yellow", ""
    elif any(s.state == "polling" for s in statuses):
        state, style = "live (polling)", "bold green"
    else:
        state, style = "live", "bold green"
    parts = [(f"watching {label}", "bold"), (runs, ""), (" · ", ""), (state, style), (age, "")]
    if analysing(app):
        parts.append((" · analysing…", "bold cyan"))
    count, last = getattr(app, "problems_seen", (0, None))
    if count and last is not None:  # a bad line is told (as `check` lists it), never dropped silently
        name = listed_name(app, last.path)
        where = f"line {last.line} of {name}" if last.line is not None else name
        parts.append((f" · {count} problem{'s' if count != 1 else ''}", "yellow"))
        parts.append((f" (last: {where})", "yellow"))  # (a detail: it goes first when room is short)
    return parts
