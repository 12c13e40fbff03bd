"""The value cursor: a vertical line at one x of the plots; the legends read every series there, and
the run's state and the alerts open at that x. Textual-free; called with the feed's lock held.

Each look-up costs O(log n) on a series whose x only grows (a binary search), O(n) otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.app.decimate import has_axis
from lossacc_tui.app.tracker import RunState
from lossacc_tui.model import Series

ROLES = ("val_loss", "val_acc", "train_loss", "train_acc")


def _sorted(rs: RunState, s: Series, axis: str, x: np.ndarray) -> bool:
    c = rs.caches.get(s.name)
    if c is not None:
        m = c._mono[axis]
        return bool(m.ok and m.checked == len(x))
    return bool(len(x) < 2 or (np.diff(x) >= 0).all())


def index_at(rs: RunState, s: Series, axis: str, at: float) -> int | None:
    """The index of the series' last point at or before x = `at` (None: none so early)."""
    if not has_axis(s, axis) or not len(s):
        return None
    x = s.x(axis)  # type: ignore[arg-type]
    if _sorted(rs, s, axis, x):
        i = int(np.searchsorted(x, at, side="right")) - 1
        return i if i >= 0 else None
    ok = np.flatnonzero(x <= at)
    return int(ok[np.argmax(x[ok])]) if len(ok) else None


def value_at(rs: RunState, s: Series, axis: str, at: float) -> float | None:
    """The series' value at x = `at`: its last point at or before it."""
    i = index_at(rs, s, axis, at)
    return None if i is None else float(s.values[i])


def x_at_cursor(rs: RunState, s: Series, axis: str, at: float) -> float | None:
    """The x the series' value at the cursor was logged at, when it is not the cursor's own x (a
    validation value logged at step 225 read with the cursor on a training step 230); else None."""
    i = index_at(rs, s, axis, at)
    if i is None:
        return None
    x = float(s.x(axis)[i])  # type: ignore[arg-type]
    return None if x == at else x


def _positions(rs: RunState, axis: str) -> tuple[RunState, Series, np.ndarray] | None:
    """The plotted series with the most points on this axis (the cursor steps through its x)."""
    best = None
    for role in ROLES:
        s = rs.run.by_role(role)  # type: ignore[arg-type]
        if s is not None and has_axis(s, axis) and len(s) and (best is None or len(s) > len(best)):
            best = s
    return None if best is None else (rs, best, best.x(axis))  # type: ignore[arg-type]


def step(rs: RunState, axis: str, at: float | None, move: str) -> float | None:
    """The cursor's next x: `move` is "left"/"right" (the neighbouring logged x), "home"/"end"
    (the first/last). From no cursor, left and right start at the last x."""
    got = _positions(rs, axis)
    if got is None:
        return at
    _, s, x = got
    finite = x[np.isfinite(x)]
    if not len(finite):
        return at
    if move == "home":
        return float(finite.min())
    if move == "end" or at is None:
        return float(finite.max())
    if _sorted(rs, s, axis, x):
        if move == "right":
            i = int(np.searchsorted(x, at, side="right"))
            return float(x[i]) if i < len(x) and math.isfinite(x[i]) else at
        i = int(np.searchsorted(x, at, side="left")) - 1
        return float(x[i]) if i >= 0 else at
    pick = finite[finite > at] if move == "right" else finite[finite < at]
    if not len(pick):
        return at
    return float(pick.min() if move == "right" else pick.max())


def state_at(rs: RunState, axis: str, at: float, to_axis: object) -> str | None:
    """The joint state whose stretch holds x = `at` (`to_axis(xs)` maps x to the analyzer's axis)."""
    if rs.result is None:
        return None
    mapped = to_axis([at])  # type: ignore[operator]
    if mapped is None:
        return None
    x = mapped[0]
    states = rs.states
    if states and x > states[-1].end:  # points the analysis has not reached yet: the state so far
        return str(states[-1].state)
    for st in reversed(states):
        if st.start <= x <= st.end:
            return str(st.state)
    return None


def alerts_at(rs: RunState, at: float, to_axis: object) -> list[str]:
    """Kinds of the alerts open at x = `at` (on the analyzer's axis after `to_axis`)."""
    mapped = to_axis([at])  # type: ignore[operator]
    if mapped is None:
        return []
    x = mapped[0]
    out = []
    for a in rs.alerts:
        end = math.inf if a.active or a.end is None else a.end
        if math.isfinite(a.start) and a.start <= x <= end and a.kind not in out:
            out.append(a.kind)
    return out


def nearest(rs: RunState, axis: str, at: float) -> float | None:
    """The logged x nearest to `at` (where a click on a plot puts the cursor)."""
    got = _positions(rs, axis)
    if got is None:
        return None
    x = got[2]
    finite = x[np.isfinite(x)]
    return float(finite[np.argmin(np.abs(finite - at))]) if len(finite) else None
