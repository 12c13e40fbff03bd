"""The events an analysis update reports: ('opened' | 'closed' | 'reopened' | 'severity', alert
snapshot), in x order, and the events that turn one alert list into another (when an analysis starts
over on new layout).
"""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert, Event


def alert_key(a: Alert) -> tuple[str, str, int]:
    return (a.kind, str(a.data.get("subject", "")), int(a.data.get("start_idx", -1)))


def event_key(ev: Event) -> tuple[float, int]:
    what, a = ev
    x = a.start if what == "opened" else (a.end if a.end is not None else a.start)
    return (x if x is not None and math.isfinite(x) else math.inf, 0 if what == "closed" else 1)


WITHDRAWN = (
    "The analysis of this run started over on its history as read now (a unit decision changed, or "
    "its columns did), and this alert is not among what it finds: it is withdrawn. Its numbers were "
    "of the history as first read, so none is repeated here."
)
STARTED_OVER = "the analysis started over on the run's history as read now"
#: why an open alert closes when its log is rewritten from its start (an O_TRUNC restart)
REREAD = (
    "The log was rewritten from its start (a job that restarted and truncated it, or a rewrite in "
    "place): its run is read again from the first line, and this alert, of the history read before, "
    "is withdrawn. The new reading raises again what still holds."
)
REREAD_TITLE = "the log was rewritten: its run is read again from its start"


def withdrawn(a: Alert, why: str = STARTED_OVER, text: str = WITHDRAWN) -> Alert:
    """A closing snapshot of an alert the new analysis no longer raises (`why`: in its title; `text`:
    its explanation). Its texts are fixed and its evidence and claims empty: they would be computed
    from a history that has changed under them (a series rescaled in place reads NaN where a value was
    left out; a rewritten log's run is emptied)."""
    b = a.snapshot()
    b.title = f"{a.kind}: withdrawn ({why})"
    b.explanation = f"**{b.title}**\n\n{text}\n"
    b.evidence = {}
    b.claims = []
    b.data.pop("decided_x", None)  # (no record decided it: the history it was of is gone)
    b.active = False
    if b.end is None:
        b.end = b.start
    return b


def keyed(alerts: list[Alert]) -> dict[tuple[str, str, int, int], Alert]:
    """{(kind, subject, start_idx, n): alert}: `alert_key` with n counting the alerts before it with
    the same key, in list order (a detector's alerts are appended as they open). Two alerts can share
    an `alert_key`: an overfitting alert dates its start back to the best evaluation, and one that
    closed and opened again after a long pause with no new best starts there too (tester 27 T1: a dict
    by `alert_key` kept only the second, and `check --follow` never told the first)."""
    seen: dict[tuple[str, str, int], int] = {}
    out: dict[tuple[str, str, int, int], Alert] = {}
    for a in alerts:
        k = alert_key(a)
        n = seen[k] = seen.get(k, 0) + 1
        out[(*k, n)] = a
    return out


def diff(old: list[Alert], new: list[Alert]) -> list[Event]:
    """Events that turn the old alert list into the new one (after the analysis started over): an
    alert the new list lacks closes `withdrawn`."""
    before, after = keyed(old), keyed(new)
    events: list[Event] = []
    for k, a in before.items():
        if a.active and (k not in after or not after[k].active):
            b = after[k].snapshot() if k in after else withdrawn(a)
            b.active = False
            if b.end is None:
                b.end = b.start
            events.append(("closed", b))
    for k, a in after.items():
        if k not in before or (a.active and not before[k].active):
            b = a.snapshot()
            b.active, b.end = True, None
            if "open_x" in b.data:  # (an alert closed since: its opening was decided where it opened)
                b.data["decided_x"] = b.data["open_x"]
            events.append(("opened", b))
            if not a.active and k not in before:
                events.append(("closed", a.snapshot()))
    events.sort(key=event_key)
    return events


def as_of_pass_end(events: list[Event], active: list[Alert]) -> list[Event]:
    """`events` of one analysis pass with each alert that is still open at the pass's end told as
    it reads there: an alert opens at the point that opened it, but the pass went on reading after
    it (a live log's pass reads every record since the last one), and a stream prints the event
    after those records' lines, so its text must be of the last point read, not of one several
    evaluations back. The last event of each alert is replaced by a snapshot of the live alert
    (refreshed to the pass's last point) when that event opened or reopened it; earlier events of
    the same alert in the pass (opened, then closed) keep their own."""
    live = {alert_key(a): a for a in active if a.active}
    if not live:
        return events
    last: dict[tuple[str, str, int], int] = {}
    for k, (_what, a) in enumerate(events):
        last[alert_key(a)] = k
    out = list(events)
    for key, k in last.items():
        what, _a = out[k]
        if what in ("opened", "reopened") and key in live:
            out[k] = (what, live[key].snapshot())
    return out


def severities(alerts: list[Alert]) -> dict[tuple[str, str, int], str]:
    """The severity of each open alert, by `alert_key`: what a pass compares against afterwards."""
    return {alert_key(a): a.severity for a in alerts if a.active}


def severity_changes(
    before: dict[tuple[str, str, int], str], events: list[Event], alerts: list[Alert]
) -> list[Event]:
    """('severity', snapshot) for each alert open before and after a pass whose severity changed in
    it (a warning's rule met by more evidence, a critical's no longer) and that the pass's `events`
    do not tell already (an alert opened, reopened or closed in the pass is told with its severity
    then). A follower of the stream (`check --follow`) otherwise keeps the severity an alert opened
    with, while batch `check` of the same records gives the later one (tester 21)."""
    told = {alert_key(a) for _what, a in events}
    out: list[Event] = []
    for a in alerts:
        if not a.active:
            continue
        key = alert_key(a)
        was = before.get(key)
        if was is not None and was != a.severity and key not in told:
            snap = a.snapshot()
            snap.data["severity_was"] = was
            out.append(("severity", snap))
    return out


def decided_by(events: list[Event], x: float) -> None:
    """Date the alerts of `events` (snapshots) no earlier than the record at x: an analysis that
    started over on new layout finds them once a record from x on is read, at the point of the
    history where the new reading opens (or closes) them if that comes later (`data["decided_x"]`,
    which a stream tells as `decided_at`). A withdrawn alert is dated x."""
    if not math.isfinite(x):
        return
    for _what, a in events:
        own = float(a.data.get("decided_x", x))
        a.data["decided_x"] = max(own, x) if math.isfinite(own) else x
