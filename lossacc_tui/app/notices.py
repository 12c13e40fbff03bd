"""Alerts opened while the view runs, as ONE one-line notification at the bottom of the side column
(not those of the history read at start: the lists show them). A mixin of `LossAccApp`.

One line, on the summary pane's bottom border: alerts opened while the last one still shows join it
("▲ 3 alerts opened: …", newest kind first) rather than stack a toast each over the summary's text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lossacc_tui.app.names import fit_names
from lossacc_tui.app.text import clean

NOTICE_AFTER = 3.0  # seconds after start: alerts opened before are the log's history
TOAST_S = 6.0  # seconds an alert's toast shows; alerts opened meanwhile join it


class Notices:
    """Mixin: `_notify_opened` after each frame, with the alerts opened since the last one."""

    clock: Callable[[], float]
    _started: float
    _names: dict[int, str]
    screen: Any
    notify: Callable[..., Any]
    clear_notifications: Callable[[], None]
    _toasted: list[tuple[Any, Any]]  # the alerts the alert toast names (oldest first)
    _toasted_at = 0.0  # time.monotonic() when it was last posted

    def _notify_opened(self, opened: list[tuple[Any, Any]]) -> None:
        if self.clock() - self._started < NOTICE_AFTER:
            return  # the log's history, read at start: the lists show it
        told = [(rs, a) for rs, a in opened if a.severity != "info"]
        if not told:
            return
        now = time.monotonic()  # (the toast's own lifetime: a real clock, whatever `clock` is)
        shown = self._toasted
        if shown and now - self._toasted_at < TOAST_S:
            self.clear_notifications()  # (the earlier alert toast: this one names its alerts too)
        else:
            shown = []
        shown = self._toasted = shown + told
        self._toasted_at = now
        critical = any(a.severity == "critical" for _, a in shown)
        width = {"-narrow": 30, "-huge": 56}.get(self._horizontal_class(), 42) - 3  # (as app.tcss)
        names = {id(rs): self._names.get(id(rs), clean(rs.run.name)) for rs, _ in shown}  # (as the run list)
        line = clean(toast_line(shown, names, width, list(self._names.values())))
        line = line if len(line) <= width else line[: width - 1] + "…"
        self.notify(line, severity="error" if critical else "warning", markup=False, timeout=TOAST_S)

    def _horizontal_class(self) -> str:
        return next((c for c in ("-narrow", "-huge") if self.screen.has_class(c)), "-wide")


def toast_line(
    shown: list[tuple[Any, Any]], names: dict[int, str], width: int, listed: list[str] | None = None
) -> str:
    """The toast's text for the alerts opened while it shows (oldest first; `(RunState, Alert)`
    pairs; `names`: each run's name by id of its state): one alert as `glyph kind · run: title`
    (the run's name cut to what tells it from the runs `listed`, as the run list cuts it),
    several as `glyph N alerts opened: kinds` (the newest first: the last cut at `width` columns)."""
    critical = any(a.severity == "critical" for _, a in shown)
    glyph = "✖" if critical else "▲"
    if len(shown) == 1:
        rs, a = shown[0]
        others = list(dict.fromkeys([*(listed or []), names[id(rs)]]))
        name = fit_names(others, width // 2)[others.index(names[id(rs)])]
        return f"{glyph} {a.kind} · {name}: {a.title}"
    kinds = list(dict.fromkeys(a.kind for _, a in reversed(shown)))
    return f"{glyph} {len(shown)} alerts opened: {', '.join(kinds)}"
