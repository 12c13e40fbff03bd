"""Severity hysteresis: a raised severity goes up at its rule's own margin and comes back down only
past a wider one, widened by the series' own noise.

Read only at the latest point, a severity whose rule sits near its margin flips with each
evaluation's noise: tester 19's `skimb4` told `high-loss-good-acc` info -> warning -> info ->
warning in 7 epochs (`check --follow` sends each flip as a `severity` event) while val_loss moved
1.29 -> 1.37 -> 1.28 -> 1.44 about its rise margin. Here the rule is judged at every point an alert
spans, once each, in order (`feed` from the detector's `on_span`), so a log read live in any
chunking raises and drops it where a one-shot read does. `raised_at` says, for a point, since which
point the severity has been held up (or None).

>>> d: dict[str, object] = {}
>>> up = {3: True}.get
>>> keep = {3: True, 4: True, 5: False}.get
>>> feed(d, [2, 3, 4, 5, 6], lambda k: bool(up(k)), lambda k: bool(keep(k)))
>>> [raised_at(d, k) for k in (2, 3, 4, 5)]
[None, 3, 3, None]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: alert.data key of the transitions [(point, raised since point or -1), ...]
KEY = "held"


def feed(
    data: dict[str, object], idx: Iterable[int], up: Callable[[int], bool], keep: Callable[[int], bool]
) -> None:
    """Judge points `idx` (ascending, each once over the alert's life) in order: a lowered severity
    is raised where `up(k)` holds; a raised one stays while `keep(k)` holds (the same rule with its
    margins widened by noise) and drops where it does not. Transitions go to `data[KEY]`."""
    marks: list[tuple[int, int]] = data.setdefault(KEY, [])  # type: ignore[assignment]
    since = marks[-1][1] if marks else -1
    for k in idx:
        k = int(k)
        now = (since if keep(k) else -1) if since >= 0 else (k if up(k) else -1)
        if now != since:
            marks.append((k, now))
            since = now


def raised_at(data: dict[str, object], i: int) -> int | None:
    """The point since which the severity is held up at point i, or None (not raised there, or no
    point up to i judged)."""
    marks: list[tuple[int, int]] = data.get(KEY, [])  # type: ignore[assignment]
    since = -1
    for k, s in marks:
        if k > i:
            break
        since = s
    return since if since >= 0 else None
