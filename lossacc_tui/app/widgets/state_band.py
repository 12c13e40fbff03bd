"""The band under the plots: the joint loss/accuracy state over time, and the alerts' spans, on the
same x axis as the plots (same width, same columns). Each state has its own character, so the band
reads without colour too (NO_COLOR)."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from lossacc_tui.app.view import LABEL_W, BandData, canvas_span, x_to_col
from lossacc_tui.app.widgets.cached_lines import CachedLines

#: state -> (character, colour, short label, meaning)
STATE_LOOK: dict[str, tuple[str, str, str, str]] = {
    "warming-up": ("·", "bright_black", "warm-up", "too few evaluations to judge trends yet"),
    "both-improving": ("█", "green", "improving", "loss and accuracy both improving (or one holds)"),
    "loss-better-acc-worse": ("▚", "magenta", "loss↓ acc↓", "loss better while accuracy gets worse"),
    "loss-worse-acc-better": ("▞", "yellow", "loss↑ acc↑", "loss worse while accuracy gets better"),
    "both-worse": ("▓", "red", "both worse", "loss and accuracy both getting worse (or one holds)"),
    "flat": ("▒", "blue", "flat", "neither moves beyond its own noise"),
}
SEVERITY_LOOK = {"critical": ("✖", "bright_red"), "warning": ("▲", "yellow"), "info": ("●", "bright_blue")}
RANK = {"info": 1, "warning": 2, "critical": 3}
PRIORITY = ("loss-better-acc-worse", "loss-worse-acc-better", "both-worse")


def _cols(xs: np.ndarray, x0: float, x1: float, cols: int) -> np.ndarray:
    """`x_to_col` of many x at once (inf and nan go to the last and first column)."""
    if x1 <= x0:
        return np.zeros(len(xs), dtype=np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        sub = np.round((np.nan_to_num(xs, nan=x0, posinf=x1, neginf=x0) - x0) / (x1 - x0) * (2 * cols - 1))
    return np.clip(sub // 2, 0, cols - 1).astype(np.int64)


def _last_painter(a: np.ndarray, b: np.ndarray, cols: int) -> np.ndarray:
    """For each column, the index of the last interval [a[k], b[k]] covering it (-1: none), in one
    pass over the intervals' cells: the band's cost follows its width, not the run's history."""
    winner = np.full(cols, -1, dtype=np.int64)
    lengths = np.maximum(b - a + 1, 0)
    total = int(lengths.sum())
    if total == 0:
        return winner
    k = np.repeat(np.arange(len(a)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    np.maximum.at(winner, a[k] + offsets, k)
    return winner


class StateBand(CachedLines, Widget):
    """State timeline (row 1), alert spans (row 2), legend (row 3 when there is room)."""

    HELP = "Each column is a stretch of the x axis: its loss/accuracy state, and the alerts open there."
    DEFAULT_CSS = """
    StateBand { height: 3; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: BandData | None = None
        self._strips: list[Strip] = []
        self._built_for: tuple[object, ...] | None = None

    def _strip(self, text: Text) -> Strip:
        w = self.size.width
        return Strip(list(text.render(self.app.console, "")), text.cell_len).crop_extend(
            0, w, self.rich_style
        )

    def _build(self) -> list[Strip]:
        d = self.data
        w = self.size.width
        left, cols = canvas_span(w)
        base = self.rich_style
        if d is None or d.note:
            return [self._strip(Text(d.note if d else "", "dim"))]
        states = [" "] * cols
        state_style = [""] * cols
        painted = [s for s in d.states if s[0] not in PRIORITY] + [s for s in d.states if s[0] in PRIORITY]
        if painted:  # each column shows the last state painted over it (priority states on top)
            starts = np.array([s[1] for s in painted], dtype=float)
            ends = np.array([s[2] for s in painted], dtype=float)
            winner = _last_painter(_cols(starts, d.x0, d.x1, cols), _cols(ends, d.x0, d.x1, cols), cols)
            for c in np.flatnonzero(winner >= 0):
                state = painted[winner[c]][0]
                states[c], state_style[c] = STATE_LOOK.get(state, ("?", "white", state, state))[:2]
        if d.states:  # a state lasts until the next one starts: fill the gaps between segments
            last_col = x_to_col(d.states[-1][2], d.x0, d.x1, cols)
            for c in range(1, min(cols, last_col + 1)):
                if states[c] == " " and states[c - 1] != " ":
                    states[c], state_style[c] = states[c - 1], state_style[c - 1]
        row1 = [Segment("state".rjust(LABEL_W) + " ", Style(dim=True))]
        row1 += [
            Segment(ch, Style.parse(st) if st else Style())
            for ch, st in zip(states, state_style, strict=True)
        ]
        alerts: list[tuple[str, Style]] = [(" ", Style())] * cols
        order = sorted(d.spans, key=lambda s: (s.selected, RANK.get(s.severity, 0)))
        if order:  # later spans paint over earlier ones; a span's glyph over its own line
            a = _cols(np.array([s.start for s in order], dtype=float), d.x0, d.x1, cols)
            b = _cols(np.array([s.end for s in order], dtype=float), d.x0, d.x1, cols)
            line = _last_painter(a + 1, b, cols)
            glyph_at = _last_painter(a, a, cols)
            looks: dict[tuple[str, bool], tuple[str, Style]] = {}
            for c in range(cols):
                k, is_glyph = (glyph_at[c], True) if glyph_at[c] >= line[c] else (line[c], False)
                if k < 0:
                    continue
                span = order[k]
                look = looks.get((span.severity, span.selected))
                if look is None:
                    glyph, color = SEVERITY_LOOK.get(span.severity, ("●", "white"))
                    style = Style.parse(color) + (Style(reverse=True) if span.selected else Style())
                    look = looks[(span.severity, span.selected)] = (glyph, style)
                alerts[c] = (look[0] if is_glyph else "━", look[1])
        row2 = [Segment("alerts".rjust(LABEL_W) + " ", Style(dim=True))]
        row2 += [Segment(ch, st) for ch, st in alerts]
        out = [Strip(row1).crop_extend(0, w, base), Strip(row2).crop_extend(0, w, base)]
        legend = Text(" " * (left), no_wrap=True, overflow="ellipsis")
        for state, (ch, color, label, _) in STATE_LOOK.items():
            if any(s[0] == state for s in d.states):
                legend.append(ch, color)
                legend.append(f" {label}  ", "dim")
        out.append(self._strip(legend))
        return [s.apply_style(base) for s in out]
