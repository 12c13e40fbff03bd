"""From the tracker's runs to the rows, plots and texts the widgets show. Textual-free; every
function here is called with the feed's lock held and returns copies."""

from __future__ import annotations

import functools
import math
import os
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.app import cursor
from lossacc_tui.app.band import StateColumns, alert_columns, state_columns
from lossacc_tui.app.decimate import has_axis
from lossacc_tui.app.text import clean
from lossacc_tui.app.tracker import RunState
from lossacc_tui.app.view import (
    AlertRow,
    BandData,
    PlotData,
    PlotOptions,
    RunRow,
    Span,
    axis_for,
    build_plot,
    fmt_num,
    x_range,
)
from lossacc_tui.unread import PAIR_ROLES

if TYPE_CHECKING:
    from lossacc_tui.analysis.alerts import Alert

LOSS_ROLES = ("train_loss", "val_loss")
ACC_ROLES = ("train_acc", "val_acc")


def short_names(names: list[str]) -> list[str]:
    """Names cut to the path parts that tell runs apart: in the tree of all paths, a part is kept
    where the paths branch (the folders of a folder of runs), dropped where there is one way on.

    >>> short_names(["logs/a/run_1/v0/m.csv", "logs/a/run_2/v0/m.csv", "logs/b/train.log"])
    ['a/run_1', 'a/run_2', 'b']
    >>> short_names(["x/h/stdout.txt", "x/h/training.log", "live/case/t.log"])
    ['x/stdout.txt', 'x/training.log', 'live']
    >>> short_names(["hf/run", "hf/run/truth.jsonl", "b/training.log"])
    ['hf/run', 'hf/run/truth.jsonl', 'b']
    >>> short_names(["/runs/x/training.log"])  # one run: its whole name (the list cuts it to fit)
    ['/runs/x/training.log']
    """
    if len(names) == 1:
        return [names[0].replace(os.sep, "/")]  # (as given: an absolute path keeps its leading /)
    return list(_short_names(tuple(names)))


@functools.lru_cache(maxsize=8)
def _short_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """`short_names` in one pass over the tree of path parts: O(runs x depth), kept for the last few
    run lists (it had compared every path with every other at each frame: 0.7 s at 500 runs)."""
    parts = [n.replace(os.sep, "/").strip("/").split("/") for n in names]
    children: dict[tuple[str, ...], set[str]] = {}
    for p in parts:
        for i in range(len(p)):
            children.setdefault(tuple(p[:i]), set()).add(p[i])
    out = []
    for p in parts:
        kept = [p[i] for i in range(len(p)) if len(children[tuple(p[:i])]) > 1]  # siblings differ here
        out.append("/".join(kept) or "/".join(p[-2:]))
    # a run named by a folder that also holds another run's file (`hf_noise` and
    # `hf_noise/truth.jsonl`: one way on below it) would share its short name: those keep their
    # whole names, so that no two rows read the same
    seen = Counter(out)
    return tuple("/".join(p) if seen[o] > 1 else o for p, o in zip(parts, out, strict=True))


def where(rs: RunState) -> str:
    """Last epoch (or step) reached, as a person says it (O(1): the last x of each series)."""
    run = rs.run
    series = [s for s in run.series.values() if len(s)]
    axis = "epoch" if series and all(has_axis(s, "epoch") for s in series) else "step"
    last = -math.inf
    for s in series:
        if has_axis(s, axis):
            v = float(s.x(axis)[-1])  # type: ignore[arg-type]
            if math.isfinite(v):
                last = max(last, v)
    if not math.isfinite(last):
        return f"{run.points} points" if run.points else "no points yet"
    return f"{axis} {last:,.0f}" if float(last).is_integer() else f"{axis} {last:,.2f}"


def not_analysed(rs: RunState) -> str:
    """Why a run's loss and accuracy are not read together (no alert can open on them), in a few
    words for its row in the run list, or "" (analysed, or no points or no analysis yet). Silence
    there is no health: a run with no accuracy, or too few evaluations for a trend, raises no alert.

    - no series in a loss or accuracy role: "no loss/acc named" (`unread.unread_note`);
    - losses only, or accuracies only: "no accuracy" / "no loss";
    - its joint state is still warming up and no alert is open: "too few evals"."""
    run = rs.run
    if not run.points:
        return ""
    roles = {s.role for s in run.series.values() if len(s)}
    if not roles & PAIR_ROLES:
        return "no loss/acc named"
    if not roles & {"train_acc", "val_acc"}:
        return "no accuracy"
    if not roles & {"train_loss", "val_loss"}:
        return "no loss"
    result = rs.result
    if result is not None and result.states and result.states[-1].state == "warming-up" and not rs.active:
        return "too few evals"
    return ""


def run_rows(runs: list[RunState]) -> list[RunRow]:
    whole = [clean(rs.run.name) for rs in runs]
    names = short_names(whole)
    rows = []
    for k, (rs, name) in enumerate(zip(runs, names, strict=True)):
        active = len(rs.active)
        unread = rs.memo("not_analysed", lambda rs=rs: not_analysed(rs))
        rows.append(
            RunRow(k, name, clean(rs.run.format), where(rs), rs.worst, active, path=whole[k], unread=unread)
        )
    return rows


def alert_key(a: Alert) -> str:
    """Stable while the alert's numbers change: its kind, start, and what it is about (Alert has no
    public id; the detectors keep the subject, e.g. which loss, in `data`). Not unique by itself: an
    overfitting alert that closed and opened again after a long pause with no new best starts at the
    same best epoch; `alert_keys` tells them apart."""
    return f"{a.kind}|{a.start}|{a.data.get('subject', '')}"


def alert_keys(alerts: list[Alert]) -> dict[int, str]:
    """{id(alert): key} for every alert of a run, each key unique: the second alert with the same
    `alert_key` gets `|2` after it, the third `|3`, in the order the run's alerts opened (so a key
    stays the same from frame to frame as alerts are added after it). The alert list's option ids
    must be unique (Textual raises DuplicateID)."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for a in alerts:
        base = alert_key(a)
        n = seen[base] = seen.get(base, 0) + 1
        out[id(a)] = base if n == 1 else f"{base}|{n}"
    return out


def x_text(v: float) -> str:
    """An x (epoch, step) in full: every digit of a whole number, never 1e5 for 99,946.

    >>> x_text(99946.0), x_text(12.5), x_text(float("inf"))
    ('99,946', '12.5', 'inf')
    """
    if math.isfinite(v) and float(v).is_integer():
        return f"{v:,.0f}"
    return fmt_num(v, 8)


def span_text(unit: str, start: float, end: float | None, active: bool) -> str:
    s = f"{unit} {x_text(start)}–"
    return s if active or end is None else s + x_text(end)


def alert_rows(rs: RunState) -> list[AlertRow]:
    """The alert list's rows (computed once per analysis of the run; see `_alert_rows`); their
    explanations: `explanation`."""
    return rs.memo("alert_rows", lambda: _alert_rows(rs), None, True)  # type: ignore[no-any-return]


def _alert_rows(rs: RunState) -> list[AlertRow]:
    """Newest first: latest start first, active before closed at the same start. Closed alerts of
    one kind about one subject (a noisy run closes hundreds) merge into one row, the newest, which
    says how many it stands for: the list and its cost stay as small as what it has to say."""
    newest: dict[tuple[str, str], tuple[Alert, int, float]] = {}
    shown: list[Alert] = []
    for a in rs.alerts:
        if a.active:
            shown.append(a)
            continue
        k = (a.kind, str(a.data.get("subject", "")))
        got = newest.get(k)
        if got is None:
            newest[k] = (a, 1, a.start)
        else:
            b, n, first = got
            newest[k] = (a if _order(a) >= _order(b) else b, n + 1, min(first, a.start))
    merged = {id(a): (n, first) for a, n, first in newest.values()}
    shown += [a for a, _n, _f in newest.values()]
    shown.sort(key=_order)
    unit = rs.axis
    keys = alert_keys(rs.alerts)
    rows = []
    for a in reversed(shown):
        where = span_text(unit, a.start, a.end, a.active)
        n, first = merged.get(id(a), (1, a.start))
        times = f"{n:,} times since {x_text(first)}" if n > 1 else ""
        rows.append(AlertRow(keys[id(a)], clean(a.kind), a.severity, clean(a.title), where, a.active, times))
    return rows


def explanation(rs: RunState, key: str) -> str | None:
    """The explanation (Markdown) of the alert whose row has `key` (None: no such alert). Written
    only for the alert asked about: an explanation takes milliseconds to write, and the list shows
    dozens of rows."""
    shown = rs.memo("alert_rows", lambda: _alert_rows(rs), None, True)
    if not any(r.key == key for r in shown):
        return None
    keys = alert_keys(rs.alerts)
    return next((a.explanation for a in reversed(rs.alerts) if keys[id(a)] == key), None)


def _order(a: Alert) -> tuple[float, bool]:
    return (a.start if math.isfinite(a.start) else -math.inf, a.active)


def map_x(rs: RunState, xs: list[float], src: str, dst: str) -> list[float] | None:
    """x values of the analyzer's axis on the displayed axis (through a series that has both)."""
    if src == dst:
        return xs
    for role in ("val_loss", "val_acc", "train_loss", "train_acc"):
        s = rs.run.by_role(role)  # type: ignore[arg-type]
        if s is None or not (has_axis(s, src) and has_axis(s, dst)):
            continue
        a, b = s.x(src), s.x(dst)  # type: ignore[arg-type]
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() >= 2 and (np.diff(a[ok]) >= 0).all():
            return np.interp(np.array(xs, dtype=float), a[ok], b[ok]).tolist()
    return None


def spans(rs: RunState, axis: str, selected: str | None) -> tuple[Span, ...]:
    """Every alert's span on the displayed axis, the `selected` one marked."""
    index, got = rs.memo("spans", lambda: _spans(rs, axis), axis, axis == rs.axis)
    i = index.get(selected) if selected is not None else None
    if i is None:
        return got  # type: ignore[no-any-return]
    return (*got[:i], replace(got[i], selected=True), *got[i + 1 :])


def _spans(rs: RunState, axis: str) -> tuple[dict[str, int], tuple[Span, ...]]:
    """({alert key: index}, spans) of every alert, mapped to `axis` all at once."""
    alerts = rs.alerts
    if not alerts:
        return {}, ()
    ends = [a.end if a.end is not None and not a.active else None for a in alerts]
    xs = [a.start for a in alerts] + [a.start if e is None else e for a, e in zip(alerts, ends, strict=True)]
    got = map_x(rs, xs, rs.axis, axis)
    if got is None:
        return {}, ()
    n = len(alerts)
    out = tuple(
        Span(got[i], got[n + i] if ends[i] is not None else math.inf, a.severity)
        for i, a in enumerate(alerts)
    )
    keys = alert_keys(alerts)
    return {keys[id(a)]: i for i, a in enumerate(alerts)}, out


def _band(rs: RunState, axis: str, xr: tuple[float, float], cols: int, sp: tuple[Span, ...]) -> BandData:
    """The band's columns (`cols`: the plots' canvas width, which the band shares)."""
    segs = rs.states
    alerts = alert_columns(sp, *xr, cols)
    if axis == rs.axis:  # (the analysis' own axis: painted incrementally, what changed since the last)
        if not isinstance(rs.band, StateColumns):
            rs.band = StateColumns()
        columns, legend = rs.band.columns(segs, *xr, cols)
        return BandData(xr[0], xr[1], columns, alerts, legend)
    states: list[tuple[str, float, float]] = []
    if segs:
        starts = map_x(rs, [s.start for s in segs], rs.axis, axis)
        ends = map_x(rs, [s.end for s in segs], rs.axis, axis)
        if starts is None or ends is None:
            return BandData(xr[0], xr[1], note=f"states are on the {rs.axis} axis (press x)")
        states = list(zip([s.state for s in segs], starts, ends, strict=True))
    legend = tuple(dict.fromkeys(s[0] for s in states))
    return BandData(xr[0], xr[1], state_columns(states, *xr, cols), alerts, legend)


def at_cursor(rs: RunState, axis: str, at: float) -> tuple[str, tuple[str, ...]]:
    """The run's state and the kinds of the alerts open at the cursor (x = `at` on `axis`)."""
    to_axis = lambda xs: map_x(rs, xs, axis, rs.axis)  # noqa: E731
    state = cursor.state_at(rs, axis, at, to_axis)
    return clean(state or ""), tuple(clean(k) for k in cursor.alerts_at(rs, at, to_axis))


def main_view(
    rs: RunState,
    opts: PlotOptions,
    loss_size: tuple[int, int],
    acc_size: tuple[int, int],
    selected: str | None,
    cursor: float | None = None,
) -> tuple[PlotData, PlotData, BandData, str]:
    """The two plots and the band of one run, and the axis actually used. With a `cursor` (an x on
    the drawn axis) the legends carry the values there, and the loss legend the state and the alerts
    open there."""
    axis = axis_for(rs, opts.axis)
    xr = x_range([rs], axis, LOSS_ROLES + ACC_ROLES)
    sp = spans(rs, axis, selected)
    index, _ = rs.memo("spans", lambda: _spans(rs, axis), axis, axis == rs.axis)
    at = index.get(selected) if selected is not None else None
    chosen = () if at is None else (replace(sp[at], end=min(sp[at].end, xr[1])),)
    names = {r: clean(s.name) for r in LOSS_ROLES + ACC_ROLES if (s := rs.run.by_role(r))}  # type: ignore[arg-type]
    loss = build_plot(
        "loss",
        [(rs, r, names[r]) for r in LOSS_ROLES if r in names],
        axis,
        xr,
        loss_size,
        opts,
        log=opts.log_loss,
        marks=tuple((rs, r, names[r]) for r in ("val_loss",) if r in names),
        vlines=chosen,
        cursor=cursor,
    )
    acc = build_plot(
        "accuracy",
        [(rs, r, names[r]) for r in ACC_ROLES if r in names],
        axis,
        xr,
        acc_size,
        opts,
        marks=tuple((rs, r, names[r]) for r in ("val_acc",) if r in names),
        vlines=chosen,
        cursor=cursor,
    )
    if loss.cursor is not None:  # (the loss legend: shorter names than accuracy's, room for it)
        state, kinds = at_cursor(rs, axis, loss.cursor)
        loss = replace(loss, cursor_state=state, cursor_alerts=kinds)
    args = (axis, xr, loss_size[0], selected)
    # (alerts and states change only when the run is analysed: the band too, unless it maps them
    # onto the other axis through the points)
    band = rs.memo("band", lambda: _band(rs, axis, xr, loss_size[0], sp), args, axis == rs.axis)
    return loss, acc, band, axis
