"""Alerts opened while the view runs, as one-line notifications at the bottom of the side column
(not those of the history read at start: the lists show them). A mixin of `LossAccApp`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lossacc_tui.app.text import clean
from lossacc_tui.app.widgets.run_list import fit_path

NOTICE_AFTER = 3.0  # seconds after start: alerts opened before are the log's history


class Notices:
    """Mixin: `_notify_opened` after each frame, with the alerts opened since the last one."""

    clock: Callable[[], float]
    _started: float
    _names: dict[int, str]
    screen: Any
    notify: Callable[..., Any]

    def _notify_opened(self, opened: list[tuple[Any, Any]]) -> None:
        if self.clock() - self._started < NOTICE_AFTER:
            return  # the log's history, read at start: the lists show it
        width = {"-narrow": 30, "-huge": 56}.get(self._horizontal_class(), 42) - 3  # (as app.tcss)
        for rs, a in opened[-3:]:
            if a.severity != "info":
                sev = "error" if a.severity == "critical" else "warning"
                glyph = "✖" if a.severity == "critical" else "▲"
                name = self._names.get(id(rs), clean(rs.run.name))  # (as the run list names it)
                line = clean(f"{glyph} {a.kind} · {fit_path(name, width // 2)}: {a.title}")
                line = line if len(line) <= width else line[: width - 1] + "…"
                self.notify(line, severity=sev, markup=False)  # one line: see app.tcss

    def _horizontal_class(self) -> str:
        return next((c for c in ("-narrow", "-huge") if self.screen.has_class(c)), "-wide")
