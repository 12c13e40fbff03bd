"""What the widgets draw, as plain copied data, built from the tracker with the lock held.

Textual-free: widgets receive these frozen values and never touch runs, series or analyzers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lossacc_tui.app.cursor import value_at, x_at_cursor
from lossacc_tui.app.decimate import has_axis, plot_points
from lossacc_tui.app.text import clean
from lossacc_tui.app.tracker import RunState
from lossacc_tui.model import Series

AUTO_LOG = 1e3  # a loss whose max/min exceeds this is drawn on a log scale unless the user chose
NICE = (1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10)
LABEL_W = 6  # y tick labels are padded to this width, so every plot's canvas starts at the same column


def canvas_span(width: int) -> tuple[int, int]:
    """(first column, number of columns) of a plot's drawing area inside a widget `width` wide
    (plotext puts the tick labels and a frame line left of it and a frame line right of it)."""
    return LABEL_W + 1, max(1, width - LABEL_W - 2)


def x_to_col(x: float, x0: float, x1: float, cols: int) -> int:
    """The canvas column plotext draws x in (braille: two sub-columns per cell)."""
    if x1 <= x0:
        return 0
    sub = round((x - x0) / (x1 - x0) * (2 * cols - 1))
    return int(min(max(sub // 2, 0), cols - 1))


def tick_step(lo: float, hi: float, count: int) -> float:
    """A round step that cuts [lo, hi] into about `count` parts (1, 2, 2.5 or 5 times 10^k)."""
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def nice_ticks(lo: float, hi: float, count: int) -> list[float]:
    """Round numbers between lo and hi, about `count` of them.

    >>> nice_ticks(0, 149, 5)
    [0.0, 50.0, 100.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or count < 1:
        return [lo] if math.isfinite(lo) else []
    step = tick_step(lo, hi, count)
    first = math.ceil(lo / step - 1e-9) * step
    out, t = [], first
    while t <= hi + step * 1e-9:
        out.append(float(round(t, 12)))
        t += step
    return out


def y_ticks(lo: float, hi: float, rows: int, log: bool = False) -> list[float]:
    """Round y ticks for a plot `rows` rows high, about one every 3 rows and never two on adjacent
    rows (at 80x24 a 5-row plot had "1", "0.75", "0.5" on three rows in a row, read as one label),
    and never two whose labels (`fmt_num`; of 10**t on the `log` scale) read alike: of those, the
    one nearest its label stays (a constant lr 0.001 had "0.001" on three rows: tester 19; here
    1.02e-3 went, read "0.001").

    >>> y_ticks(0.4, 1.0, 5)
    [0.5, 1.0]
    >>> y_ticks(0.0, 2.5, 14)
    [0.0, 1.0, 2.0]
    >>> [fmt_num(t) for t in y_ticks(0.00094, 0.00103, 20)]
    ['9.4e-4', '9.6e-4', '9.8e-4', '0.001']
    """
    ticks = _distinct(nice_ticks(lo, hi, max(2, rows // 3)), log)
    if rows < 2 or hi <= lo:
        return ticks
    kept: list[float] = []
    for t in ticks:
        row = round((hi - t) / (hi - lo) * (rows - 1))
        if not kept or abs(row - round((hi - kept[-1]) / (hi - lo) * (rows - 1))) >= 2:
            kept.append(t)
    return kept


def _distinct(ticks: list[float], log: bool) -> list[float]:
    """Ticks whose labels differ: of ticks labelled alike, the one nearest the label's value."""
    best: dict[str, tuple[float, float]] = {}  # label -> (distance from its value, tick)
    for t in ticks:
        try:
            v = 10**t if log else t
            label = fmt_num(v)
            off = abs(float(label) - v)
        except (OverflowError, ValueError):
            label, off = repr(t), 0.0
        if label not in best or off < best[label][0]:
            best[label] = (off, t)
    kept = {t for _, t in best.values()}
    return [t for t in ticks if t in kept]


def nice_ceil(v: float) -> float:
    """The smallest of 1, 1.1, ... 2, 2.2, 2.5, ... 9, 10 times a power of ten that is at least v:
    the x axis grows in such jumps, so a new point rarely rescales it (and redraws every cell).

    >>> nice_ceil(152.0), nice_ceil(0.3), nice_ceil(1000.0)
    (160.0, 0.3, 1000.0)
    """
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    return float(next(round(m * mag, 12) for m in NICE if m * mag >= v * (1 - 1e-12)))


def snap(lo: float, hi: float, count: int) -> tuple[float, float]:
    """lo and hi moved out to multiples of half a tick step (a new extreme rarely moves them)."""
    q = tick_step(lo, hi, count) / 2
    return math.floor(lo / q) * q, math.ceil(hi / q) * q


def fmt_num(v: float, width: int = LABEL_W) -> str:
    """A number in at most `width` characters (tick labels, values in legends).

    >>> fmt_num(0.25), fmt_num(3.6e17), fmt_num(150.0), fmt_num(0.000123)
    ('0.25', '3.6e17', '150', '1.2e-4')
    """
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    for digits in range(4, 0, -1):
        for s in (_compact(f"{v:.{digits}g}"), _compact(f"{v:.{digits - 1}e}")):
            if len(s) <= width:
                return s
    return _compact(f"{v:.0e}")


def _compact(s: str) -> str:
    if "e" not in s:
        return s
    mant, exp = s.split("e")
    return f"{mant}e{int(exp)}"


@dataclass(frozen=True)
class Curve:
    label: str
    role: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    last: float | None  # latest raw value
    at: float | None = None  # raw value at the cursor (when there is one)
    run_key: int | None = None  # the run's key: its colour in views of several runs
    at_x: float | None = None  # the x `at` was logged at, when not the cursor's (an earlier one)


@dataclass(frozen=True)
class Mark:
    """A point called out on a plot (best validation loss/accuracy)."""

    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Span:
    """An alert's stretch of x, for the band and the plots."""

    start: float
    end: float
    severity: str
    selected: bool = False


@dataclass(frozen=True)
class PlotData:
    title: str
    axis: str
    x0: float
    x1: float
    y0: float
    y1: float
    log: bool
    curves: tuple[Curve, ...] = ()
    marks: tuple[Mark, ...] = ()
    vlines: tuple[Span, ...] = ()
    note: str = ""  # shown instead of a plot (no data on this axis, ...)
    cursor: float | None = None  # x of the value cursor
    cursor_state: str = ""  # the run's state at the cursor (in the legend after the values)
    cursor_alerts: tuple[str, ...] | None = None  # kinds of the alerts open there (None: not shown)
    smoothing: float = 0.0  # the smoothing weight the curves are drawn with (0: raw)


@dataclass(frozen=True)
class BandData:
    """The band as drawn: one entry per column (see `band.py`), so it is as long as the band is wide."""

    x0: float
    x1: float
    states: tuple[str, ...] = ()  # per column: the joint state drawn there ("": none)
    alerts: tuple[tuple[str, bool, bool], ...] = ()  # per column: (severity, selected, a span starts)
    legend: tuple[str, ...] = ()  # the states the run has been in (the legend names them)
    note: str = ""


@dataclass(frozen=True)
class RunRow:
    key: int
    name: str  # already cleaned of control characters
    format: str
    where: str  # "epoch 149", "step 12,000", "no points yet"
    worst: str | None
    active: int  # active alerts
    marked: bool = False  # selected for the compare view (space)
    pinned: bool = False  # pinned (p): listed first, always in the compare view
    path: str = ""  # its whole name (`name` is cut to what tells it from the other runs')
    unread: str = ""  # why its loss and accuracy are not analysed (`present.not_analysed`), or ""


@dataclass(frozen=True)
class AlertRow:
    key: str
    kind: str
    severity: str
    title: str  # cleaned
    where: str  # "epoch 79–" or "epoch 22–40"
    active: bool
    times: str = ""  # closed alerts merged into this row: "24 times since 28,800" (else empty)


@dataclass
class PlotOptions:
    axis: str | None = None  # None: each run's own (`Run.x_axis`), until `x` picks one
    smoothing: float = 0.0
    smooth_on: bool = False
    log_loss: bool | None = None  # None: log scale when the loss spans more than AUTO_LOG
    selected_alert: object = None
    extra: dict[str, object] = field(default_factory=dict)


NAMED = "="  # a role argument "=NAME" means the series called NAME (the metrics view plots any series)


def series_of(rs: RunState, key: str) -> Series | None:
    """The run's series with role `key`, or, for "=NAME", the series called NAME."""
    if key.startswith(NAMED):
        s = rs.run.series.get(key[len(NAMED) :])
        return s if s is not None and len(s) else None
    return rs.run.by_role(key)  # type: ignore[arg-type]


def axis_for(rs: RunState, wanted: str | None) -> str:
    """`wanted` when the run's plotted series have x on that axis, else the other one; with None
    (the user has not pressed `x`), the run's own axis, the one its analysis and `check` speak in
    (the step axis when evaluations share an epoch, Lightning's `val_check_interval` < 1)."""
    if wanted is None:
        wanted = rs.run.x_axis
    series = [s for r in ("val_loss", "val_acc", "train_loss", "train_acc") if (s := rs.run.by_role(r))]  # type: ignore[arg-type]
    if series and not any(has_axis(s, wanted) for s in series):
        return "step" if wanted == "epoch" else "epoch"
    return wanted


def x_range(states: list[RunState], axis: str, roles: tuple[str, ...]) -> tuple[float, float]:
    lo, hi = math.inf, -math.inf
    for rs in states:
        for role in roles:
            s = series_of(rs, role)
            if s is None or not has_axis(s, axis):
                continue
            x = s.x(axis)  # type: ignore[arg-type]
            c = rs.caches.get(s.name)
            if c is not None and c._mono[axis].ok and c._mono[axis].checked == len(x):
                a, b = float(x[0]), float(x[-1])
            else:
                a, b = float(np.nanmin(x)), float(np.nanmax(x))
            lo, hi = min(lo, a), max(hi, b)
    if not math.isfinite(lo):
        return 0.0, 1.0
    if hi <= lo:
        return lo - 0.5, hi + 0.5
    return lo, lo + nice_ceil((hi - lo) * 1.01)


def _wide_range(entries: list[tuple[RunState, str, str]], axis: str) -> bool:
    """Positive values spanning more than AUTO_LOG (a loss that exploded)."""
    lo, hi = math.inf, 0.0
    for rs, role, _ in entries:
        s = series_of(rs, role)
        c = rs.caches.get(s.name) if s is not None else None
        if c is not None and c.best_min is not None and c.best_max is not None:
            lo, hi = min(lo, c.best_min[0]), max(hi, c.best_max[0])
    return 0 < lo < math.inf and hi / lo > AUTO_LOG


def analysis_best(rs: RunState, s: Series) -> int | None:
    """Index of the best point of validation loss `s` as the analysis sees it: an evaluation whose
    loss its accuracy makes impossible for a cross-entropy (an isolated glitch, e.g. 1.19e-07 at
    accuracy 0.119) is masked there, so it is not the best checkpoint; None when the analysis has
    no best of this series (then the plot's own minimum is the best)."""
    best = rs.result.loss_best_now(rs.run) if rs.result is not None else None  # (points since counted)
    if best is None or best[0] != s.name:
        return None
    return s.position(best[1])  # (its place in `values`: None if folded away, `--keep`)


def build_plot(
    title: str,
    entries: list[tuple[RunState, str, str]],
    axis: str,
    xr: tuple[float, float],
    size: tuple[int, int],
    opts: PlotOptions,
    log: bool | None = False,
    marks: tuple[tuple[RunState, str, str], ...] = (),
    vlines: tuple[Span, ...] = (),
    cursor: float | None = None,
    run_keys: tuple[int, ...] | None = None,
) -> PlotData:
    """A plot of some series: entries are (run state, role, label). `size` is the canvas
    (columns, rows); the points handed on are at most about 2 per column."""
    cols, rows = size
    x0, x1 = xr
    weight = opts.smoothing if opts.smooth_on else 0.0
    if log is None:
        log = _wide_range(entries, axis)
    raw: list[
        tuple[str, str, np.ndarray, np.ndarray, np.ndarray, float | None, float | None, int | None]
    ] = []
    for n, (rs, role, label) in enumerate(entries):
        s = series_of(rs, role)
        if s is None or not has_axis(s, axis):
            continue
        c = rs.cache(s, weight)
        xs, lo, hi = c.columns(axis, x0, x1, cols, smoothed=weight > 0)
        last = float(s.values[-1]) if len(s) else None
        at = value_at(rs, s, axis, cursor) if cursor is not None else None
        at_x = x_at_cursor(rs, s, axis, cursor) if at is not None and cursor is not None else None
        if log:
            lo, hi = np.where(lo > 0, lo, np.nan), np.where(hi > 0, hi, np.nan)
            lo = np.where(np.isnan(lo), hi, lo)
            keep = np.isfinite(hi)
            xs, lo, hi = xs[keep], np.log10(lo[keep]), np.log10(hi[keep])
        raw.append((clean(label), role, xs, lo, hi, last, (at, at_x), run_keys[n] if run_keys else None))
    lows = [float(r[3].min()) for r in raw if len(r[3])]
    highs = [float(r[4].max()) for r in raw if len(r[4])]
    if not lows:
        return PlotData(
            clean(title), axis, x0, x1, 0.0, 1.0, log, note=f"no {clean(title)} on the {axis} axis"
        )
    if cursor is not None and not x0 <= cursor <= x1:
        cursor = None
    y0, y1 = min(lows), max(highs)
    # (a constant series: a band around its own value; a fixed ±0.05 had put a learning rate of
    # 0.001 on the 0 gridline, read as lr = 0)
    pad = (y1 - y0) * 0.02 or (0.1 if log else abs(y0) * 0.05 or 0.05)
    y0, y1 = snap(y0 - pad, y1 + pad, max(3, rows // 3))
    pixel = (y1 - y0) / max(1, rows * 4)
    curves = []
    for label, role, xs, lo, hi, last, at, key in raw:
        px, py = plot_points(xs, lo, hi, pixel)
        curves.append(Curve(label, role, tuple(px), tuple(py), last, at[0], key, at[1]))
    out_marks = []
    for rs, role, _ in marks:
        s = rs.run.by_role(role)  # type: ignore[arg-type]
        c = rs.caches.get(s.name) if s is not None else None
        best = c.best_max if c is not None and role.endswith("acc") else (c.best_min if c else None)
        if s is None or best is None or not has_axis(s, axis):
            continue
        if role == "val_loss":
            i = analysis_best(rs, s)
            best = (float(s.values[i]), i) if i is not None else best
        bx = float(s.x(axis)[best[1]])  # type: ignore[arg-type]
        by = math.log10(best[0]) if log and best[0] > 0 else best[0]
        if math.isfinite(bx) and math.isfinite(by) and not (log and best[0] <= 0):
            out_marks.append(Mark(f"{fmt_num(best[0])} @{fmt_num(bx)}", bx, by))
    return PlotData(
        clean(title), axis, x0, x1, y0, y1, log, tuple(curves), tuple(out_marks), vlines,
        cursor=cursor, smoothing=weight,
    )  # fmt: skip
