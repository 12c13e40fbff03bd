"""Alerts that come and go at one place are one alert (issue #10 item 6, #12).

A condition that hovers at its threshold on a noisy series opens and closes its alert again and
again: on a healthy per-step run of 100,000 steps that was thousands of `overfitting` alerts a few
steps apart. When an alert of a kind opens again soon after the last one of the same detector
closed, the closed one is reopened instead, and its span runs from the first opening to the new
close. "Soon" is a gap, in evaluations, no longer than `MIN_GAP` or than the span the alert
already covers, whichever is larger, and with no new best of the series' level (its mean over
the last few evaluations) in between: a pause
shorter than the trouble around it is part of it; a later episode after a longer quiet, or after
the run recovered to a new best, stays separate.

The reopened alert keeps its start and its running extremes (a peak over its span stays the peak
of the whole span), its evidence is computed at its latest point as for any alert, and its text
says how many times the condition came and went.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.quantities import fmt_x

#: a gap of at most this many evaluations always merges (the latch's own open + close delays)
MIN_GAP = 6


def reopenable(last: Alert | None, kind: str, start_idx: int, best_idx: int) -> bool:
    """Whether an alert of `kind` whose condition began at point `start_idx` continues `last` (the
    newest alert of the same detector) instead of opening a new one. `best_idx`: where the level
    of the series followed had its best as of now (-1 unknown); a new best after `last` closed
    means the run recovered in between, and what follows is a new episode measured from it."""
    if last is None or last.active or last.kind != kind:
        return False
    first, end = int(last.data.get("start_idx", -1)), int(last.data.get("end_idx", -1))
    if first < 0 or end < 0 or best_idx > end:
        return False
    gap = start_idx - end
    if gap <= 0:  # (dated back into its span, e.g. to the same best: the same episode, told again)
        return start_idx >= first
    return gap <= max(MIN_GAP, end - first + 1)


def reopen(alert: Alert) -> None:
    """Make a closed alert active again as one more episode of itself."""
    alert.active, alert.end = True, None
    alert.data.pop("end_idx", None)
    alert.data["episodes"] = int(alert.data.get("episodes", 1)) + 1


def episodes_note(alert: Alert, unit: str) -> str:
    """A paragraph saying that the alert came and went (empty for one episode)."""
    k = int(alert.data.get("episodes", 1))
    if k < 2:
        return ""
    until = "now" if alert.end is None else f"{unit} {fmt_x(alert.end)}"
    return (
        f"\n\n**Came and went.** The condition held, let go and held again {k} times from {unit} "
        f"{fmt_x(alert.start)} to {until}, no pause longer than the stretch before it (or than "
        f"{MIN_GAP} evaluations) and no new best in between; they are one alert here. Its span covers "
        "them all; its title gives its peak when the detector keeps one, the numbers above are "
        "those of its latest point, where the condition may have let go again."
    )


def merged_title(
    alert: Alert, title: Callable[[Alert], str], evidence: Callable[[Alert, int], dict[str, float]], unit: str
) -> str:
    """The title of `alert` (`title` renders it from the alert's evidence). A merged alert (two
    episodes or more) is titled by its whole span, not by its latest point, where the condition may
    have let go (a title reading "up 0 %" at warning severity): when the detector keeps the peak of
    its span (`data["peak"]`: value, x, point index), the title is rendered from `evidence` at that
    peak; either way it ends saying that the condition came and went, how often, and since when."""
    k = int(alert.data.get("episodes", 1))
    if k < 2:
        return title(alert)
    peak = alert.data.get("peak")
    at = int(alert.data.get("at_idx", -1))
    text, where = title(alert), ""
    if peak is not None and int(peak[2]) >= 0 and math.isfinite(float(peak[0])) and int(peak[2]) != at:
        at_peak = alert.snapshot()  # (a copy: the alert's own evidence stays that of its latest point)
        at_peak.evidence = evidence(alert, int(peak[2]))
        text, where = title(at_peak), f" at its peak ({unit} {fmt_x(float(peak[1]))})"
    return f"{text}{where}; came and went {k} times since {unit} {fmt_x(alert.start)}"


def merged_explanation(render: Any, unit: str) -> Any:
    """An explanation renderer that adds `episodes_note` to `render`'s text."""

    def text(alert: Alert) -> str:
        return str(render(alert)) + episodes_note(alert, unit)

    return text
