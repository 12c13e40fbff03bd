"""A run written 10 lines a second, read by the follower once a second and drawn once a second: its
status line says "last point 0 s ago" throughout. Its ticks came just after the last point's age
turned a whole second, just before the follower's next pass read the next point, and the line
flipped to "1 s ago" and back at every frame (a repaint and a compositor pass twice a second)."""

from __future__ import annotations

from types import SimpleNamespace as NS

from lossacc_tui.app.status import ago, next_change


def words_over(seconds: float, read_phase: float, frame_lag: float) -> list[str]:
    """The age words the status line shows at each of its ticks and frames (as `drawing._tick`
    arms them: a frame's tick re-arms only if sooner than the one pending), over `seconds`."""
    feed = NS(busy_since=None, _waiting={})
    now = [0.0]
    app = NS(replay=None, _dirty=False, tracker=NS(feed=feed), status_seen=([], None), clock=lambda: now[0])
    last_read = [None]  # the last point the follower has read (the tracker's, on the feed's thread)
    events: list[tuple[float, str]] = []
    reads = [read_phase + k for k in range(int(seconds))]
    events += [(r, "read") for r in reads] + [(r + frame_lag, "frame") for r in reads]
    shown: list[str] = []
    tick: float | None = None
    while events or tick is not None:
        events.sort()
        if tick is not None and (not events or tick < events[0][0]):
            now[0], kind, tick = tick, "tick", None
        else:
            now[0], kind = events.pop(0)
        if now[0] > seconds:
            break
        if kind == "read":  # every point written so far (one each 0.1 s) is read
            last_read[0] = int(now[0] * 10) / 10
            app._dirty = True
            continue
        app.status_seen = ([], last_read[0])  # (a frame or a tick copies it, lock held)
        if kind == "frame":
            app._dirty = False
        if last_read[0] is not None:
            shown.append(ago(now[0] - last_read[0]))
        due = now[0] + next_change(app)
        tick = due if kind == "tick" or tick is None or due < tick else tick
    return shown


def test_a_steady_run_read_and_drawn_once_a_second_stays_at_0_s() -> None:
    for read_phase in (0.02, 0.05, 0.09):
        for frame_lag in (0.1, 0.4, 0.6, 0.9):
            shown = words_over(30.0, read_phase, frame_lag)
            assert len(shown) > 25
            assert set(shown[2:]) == {"0 s"}, (read_phase, frame_lag, shown)


def test_a_run_that_stops_counts_its_age_each_second() -> None:
    """The ticks still come each second once the points stop (only a little later past the turn)."""
    feed = NS(busy_since=None, _waiting={})
    app = NS(replay=None, _dirty=False, tracker=NS(feed=feed), status_seen=([], 100.0), clock=lambda: 100.0)
    t, seen = 100.0, []
    while t < 106.0:
        app.clock = lambda t=t: t
        seen.append(ago(t - 100.0))
        t += next_change(app)
    assert seen == ["0 s", "1 s", "2 s", "3 s", "4 s", "5 s"]
