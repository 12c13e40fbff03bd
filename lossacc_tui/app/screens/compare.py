"""`c`: every run's validation loss and accuracy overlaid, and the runs ranked by best loss and by
best accuracy side by side; ranks where the two orders disagree are highlighted, and the
runs-disagree alerts (from the analyzer's `compare_runs`) are explained below."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable

from lossacc_tui.analysis.params import Params
from lossacc_tui.app.compare_words import RANKED, count_words, fit_title, left_out, partial_words, place
from lossacc_tui.app.names import fit_names
from lossacc_tui.app.present import short_names
from lossacc_tui.app.ranks import discordant, places, precisions, ranking
from lossacc_tui.app.runsets import compare_keys, groups
from lossacc_tui.app.screens.kept import KeptStyles, build_unseen, synced_draw
from lossacc_tui.app.text import clean
from lossacc_tui.app.tracker import RunState, compare_alerts
from lossacc_tui.app.view import PlotOptions, build_plot, fmt_num, x_range
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.key_bar import KeyBar
from lossacc_tui.app.widgets.metric_plot import MetricPlot, run_look
from lossacc_tui.app.widgets.plot_cells import cell_style
from lossacc_tui.app.widgets.run_list import natural
from lossacc_tui.model import Run

COMPARE_EVERY = 1.0  # seconds between recomputing the runs-disagree alerts while data stream


OTHERS = "other runs"  # the runs alone in their folder, ranked together under this title
NONFINITE = "!"  # after a best value: the series also has NaN or infinite values (it diverged)
#: the value columns' headers: their values are best values (the legends beside them: last values)
HEADERS = ("best loss", "acc #", "best acc")


def sweeps(paths: list[str], names: list[str]) -> list[tuple[str, list[int]]]:
    """(title, indices) of the runs of each folder group (a sweep's runs share one), largest first;
    the runs alone in their folder together last ("other runs").

    >>> sweeps(["/s/a/1/m", "/s/a/2/m", "/s/x", "/t/y"], ["a/1", "a/2", "x", "y"])
    [('a', [0, 1]), ('other runs', [2, 3])]
    """
    by: dict[str, list[int]] = {}
    for i, g in enumerate(groups(paths)):
        by.setdefault(g, []).append(i)
    out = [(folder_title([names[i] for i in ix], g), ix) for g, ix in by.items() if len(ix) > 1]
    out.sort(key=lambda t: -len(t[1]))
    alone = [ix[0] for ix in by.values() if len(ix) == 1]
    return out + ([(OTHERS, alone)] if alone else [])


def folder_title(names: list[str], folder: str) -> str:
    """The path parts the names share from their start (their folder, as the runs are named), else
    the folder's own name."""
    parts = [n.split("/") for n in names]
    common = []
    for column in zip(*parts, strict=False):
        if len(set(column)) > 1:
            break
        common.append(column[0])
    return "/".join(common) or folder.rstrip("/").rsplit("/", 1)[-1] or "/"


class CompareScreen(KeptStyles, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "app.compare", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    CompareScreen #compare-plots { width: 1fr; }
    CompareScreen #compare-side { width: 50%; }
    CompareScreen.-narrow #compare-side { width: 60%; }
    CompareScreen #ranking { height: auto; max-height: 50%; border: round $panel; }
    CompareScreen #compare-explanation { height: 1fr; border: round $panel; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._alerts: tuple[float, int, list[Any]] = (0.0, -1, [])
        self._rows: list[tuple[Text, ...]] = []
        self._unlaid = 0  # frames skipped while the table had no width yet
        self._differ = False  # a row of the table is marked ≠ (the two orders differ there)
        self._bar = 2  # cells kept for the table's scrollbar (0: its rows fit)
        self._left_out = ""  # the runs of the compared folder left out, with why (`left_out`)
        self._unread = 0  # the runs compared that have no points yet (being read, or empty)
        self._walking = False  # the folder's first walk goes on (its logs still being found)
        self._rewalk = False  # a redraw is due in a second, to see whether the walk has ended

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="compare-plots"):
                yield MetricPlot("loss", id="compare-loss")
                yield MetricPlot("acc", id="compare-acc")
            with Vertical(id="compare-side"):
                yield DataTable(id="ranking", cursor_type="row", zebra_stripes=False)
                yield Explanation(id="compare-explanation")
        yield KeyBar()

    def on_mount(self) -> None:
        for plot in self.query(MetricPlot):
            plot.overlay = True
        tables = self.query(DataTable)  # (none: the app closed while this view was being built ahead)
        if not tables:
            return
        table = tables.first()
        table.border_title = RANKED
        table.add_columns("#", "run", *HEADERS)

    def build_ahead(self, app: Any) -> bool:
        """Drawn, laid out and rendered unseen at idle, a step a call (`kept.build_unseen`): the
        first `c` then costs what a later one does (it had laid the view out 3-4 times and drawn its
        table from nothing: 40-60 ms of the main thread here)."""
        return build_unseen(self, lambda: synced_draw(app, self.redraw_from))

    def redraw_from(self, app: Any) -> None:
        """Called by the app with the feed's lock held: the selected runs (and the pinned one), else
        the shown run's folder group, overlaid in each run's own colour."""
        every: list[RunState] = app.tracker.runs
        keys, what = compare_keys([rs.run.path for rs in every], app.selected_run, app.marked, app.pinned)
        # (runs with no points yet, still being read or empty, are said: 5,000 flat files being read
        # had ranked "166 runs" and said no pair disagreed, where `check` of all found one: h19t)
        self._unread = sum(1 for k in keys if not every[k].run.points)
        self._walking = bool(getattr(app.feed, "walking", None))  # (the folder's logs still being found)
        if self._walking and not self._rewalk:  # (drawn again when the walk ends, points or not)
            self._rewalk = True
            self.set_timer(1.0, lambda: self._walked(app))
        keys = sorted((k for k in keys if every[k].run.points), key=lambda k: natural(every[k].run.name))
        runs = [every[k] for k in keys]
        names = short_names([clean(rs.run.name) for rs in runs])
        opts: PlotOptions = app.opts
        # (the axis of the runs drawn: a run in the group with no validation metric, a file of other
        # numbers beside the logs, had put epoch-axis logs on a step axis they have no x on)
        drawn = [rs for rs in runs if rs.run.by_role("val_loss") or rs.run.by_role("val_acc")] or runs
        axis = common_axis([rs.run for rs in drawn])
        xr = x_range(runs, axis, ("val_loss", "val_acc"))
        lp, ap = self.query_one("#compare-loss", MetricPlot), self.query_one("#compare-acc", MetricPlot)
        ks = tuple(keys)
        entries = [(rs, "val_loss", n) for rs, n in zip(runs, names, strict=True)]
        loss = build_plot(
            "validation loss", entries, axis, xr, lp.canvas_size, opts, log=opts.log_loss, run_keys=ks
        )
        lp.set_data(loss)
        entries = [(rs, "val_acc", n) for rs, n in zip(runs, names, strict=True)]
        ap.set_data(build_plot("validation accuracy", entries, axis, xr, ap.canvas_size, opts, run_keys=ks))
        ranked = len(drawn) if drawn is not runs else 0  # (the table's rows: with a validation metric)
        count = count_words(ranked, len(runs), self._unread, self._walking)
        table = self.query_one(DataTable)
        table.border_title = fit_title(count, place(clean(what)), table.size.width - 6)
        self._left_out = left_out([rs.run for rs in every], keys, what, axis)
        parts = (
            sweeps([rs.run.path for rs in runs], names)
            if what == "all runs"
            else [("", list(range(len(runs))))]
        )
        self._table(runs, names, keys, parts)
        self._explain(
            app, [[runs[i] for i in ix] for title, ix in parts if title != OTHERS or len(parts) == 1]
        )

    def _walked(self, app: Any) -> None:
        """A second after a frame drawn while the folder was walked: drawn again (the walk may have
        ended with no new point to draw, and the count would say "so far" on)."""
        self._rewalk = False
        if self.is_current:
            app.redraw()

    def _table(
        self, runs: list[RunState], names: list[str], keys: list[int], parts: list[tuple[str, list[int]]]
    ) -> None:
        """Both rankings of each part (a sweep's folder: runs are ranked against their own sweep),
        under the part's title when there are several."""
        if not self.query_one(DataTable).size.width and self._unlaid < 5:
            # (not laid out yet: the names would be cut to 6 cells, and stay so until the next frame)
            self._unlaid += 1
            self.call_after_refresh(self.app.redraw)
            return
        # (a scrollbar's cells kept from the names only when the rows overflow the table: its
        # max-height, 50 % of the side, less its border and header)
        shown = sum(len(m) for _, m in parts) + (len(parts) if len(parts) > 1 else 0)
        self._bar = 2 if shown > self.query_one("#compare-side").size.height // 2 - 3 else 0
        rows: list[tuple[Text, ...]] = []
        for title, members in parts:
            if title and len(parts) > 1:  # (cut to the names' room: the column keeps its width)
                room, count = self._name_room() + 2, f" ({len(members)})"
                if len(title) + len(count) > room:  # its end tells it (…/eight_runs), and the count stays
                    title = "…" + title[len(title) - max(1, room - len(count) - 1) :]
                rows.append((Text(""), Text(title + count, "bold underline"), *[Text("")] * 3))
            sub = [runs[i] for i in members]
            # (under its part's title, a run is named below it: `run_1` under `eight_runs (8)`)
            below = [names[i].removeprefix(title + "/") if len(parts) > 1 else names[i] for i in members]
            rows += self._ranked(sub, below, [keys[i] for i in members])
        self._differ = any("≠" in r[0].plain for r in rows)
        if rows != self._rows:
            self._rows = rows
            table = self.query_one(DataTable)
            table.clear()
            table.add_rows(rows)

    def _name_room(self, others: int = 3 + 7 + 7 + 7) -> int:
        """Cells for a run's name: the table less the other columns (`others`: '#', the two values
        and '■ #n', each as wide as its widest cell or header), the name's swatch, each column's
        padding and a scrollbar when the rows overflow."""
        return max(6, self.query_one(DataTable).size.width - others - 2 - 5 * 2 - self._bar)

    def _ranked(self, runs: list[RunState], names: list[str], keys: list[int]) -> list[tuple[Text, ...]]:
        """One row per run, in its loss order: its place by best loss (`≠` when its place by best
        accuracy differs), ■ its name, its best loss, its place by best accuracy, its best accuracy.
        Every cell of a row is that run's, so a row reads right across without colour (the two
        rankings had been set side by side, each column in its own order: a row read across gave
        one run's loss beside another's accuracy, told apart only by the colour of a square)."""
        by_loss = ranking(runs, names, "val_loss", high=False)
        by_acc = ranking(runs, names, "val_acc", high=True)
        # competition ranks ("1, 1, 3"): runs with equal bests (to the precision they were logged
        # with) share a place, so a tie never shows as an order, nor as a disagreement
        at_loss = places(by_loss, decimals=precisions(runs, "val_loss"))
        at_acc = places(by_acc, high=True, decimals=precisions(runs, "val_acc"))
        loss_of = {t[0]: t for t in by_loss}
        acc_of = {t[0]: t for t in by_acc}
        inf = float("inf")
        order = sorted(set(loss_of) | set(acc_of), key=lambda k: (at_loss.get(k, inf), at_acc.get(k, inf), k))
        n = len(order)
        # ('#', loss value, the accuracy place, acc value: each as wide as its header at least)
        widest = [len(f"{n}≠"), *map(len, HEADERS)]
        for col, ranked in ((1, by_loss), (3, by_acc)):
            cells = (len(fmt_num(t[2]) + (NONFINITE if t[3] else "")) for t in ranked)
            widest[col] = max([widest[col], *cells])  # (no run with a best of this metric: its header)
        name_w = self._name_room(sum(widest))
        # (index in runs -> its name cut to what tells it from the others, as the run list cuts it)
        shown = fit_names(names, name_w, [clean(rs.run.name) for rs in runs])

        def value(t: tuple[int, str, float, bool] | None) -> Text:
            if t is None:
                return Text("–")
            return Text(fmt_num(t[2]) + (NONFINITE if t[3] else ""), "bold red" if t[3] else "")

        apart = discordant(at_loss, at_acc)
        rows: list[tuple[Text, ...]] = []
        for k in order:
            differ = k in apart
            style = "bold yellow" if differ else ""
            name = Text("■ ", cell_style(run_look(keys[k])[0], "default", "default")).append(shown[k], style)
            place = Text(f"{at_loss[k]}{'≠' if differ else ''}" if k in at_loss else "–", style)
            acc_place = Text(f"#{at_acc[k]}" if k in at_acc else "–", style)
            rows.append((place, name, value(loss_of.get(k)), acc_place, value(acc_of.get(k))))
        return rows

    def _explain(self, app: Any, parts: list[list[RunState]]) -> None:
        """The runs-disagree alerts of the runs of each part (a sweep against itself, never against
        unrelated experiments)."""
        runs = [rs for part in parts for rs in part]
        version = sum(rs.version for rs in runs)
        stamp, seen, alerts = self._alerts
        if version != seen and time.monotonic() - stamp >= COMPARE_EVERY:
            bests = app.tracker.compare_bests
            alerts = [
                a for part in parts if len(part) > 1 for a in compare_alerts(part, app.tracker.params, bests)
            ]
            self._alerts = (time.monotonic(), version, alerts)
        read = " read so far" if self._unread or self._walking else ""
        if alerts:
            text, title = "\n\n---\n\n".join(a.explanation for a in alerts), f"runs-disagree ({len(alerts)})"
        elif len(runs) < 2:
            text, title = "Compare needs at least two runs with validation metrics.", "compare"
        elif self._differ:
            p = app.tracker.params or Params()
            text, title = (
                "The two orders differ where a row is marked ≠ (ranked by best values), but no pair "
                f"of the runs{read} is a runs-disagree alert: that needs one run's final loss at least "
                f"{p.runs_loss_tol:.0%} below another's while its final accuracy is at least "
                f"{p.runs_acc_gap * 100:.0f} points below it, or losses within {p.runs_loss_tol:.0%} "
                f"of each other with accuracies {p.runs_acc_gap * 100:.0f} points apart.",
                "compare",
            )
        else:
            text, title = f"The two rankings of the runs{read} agree: no runs-disagree alert.", "compare"
        # (first: the runs not read yet, then the runs of the folder this view leaves out, and why)
        first = [w for w in (partial_words(self._unread, len(runs), self._walking), self._left_out) if w]
        self.query_one(Explanation).show("\n\n".join([*first, text]), title)


def common_axis(runs: list[Run]) -> str:
    """The x axis the compare plots share: the runs' own when they agree; else the epoch when every
    run's validation metrics carry one (a JSONL run on its step beside print logs and TensorBoard
    copies on the epoch had squashed those at the step axis' left edge: tester 19), else the step."""
    axes = {r.x_axis for r in runs}
    if len(axes) == 1:
        return axes.pop()

    def has_epoch(r: Run) -> bool:
        shown = [s for role in ("val_loss", "val_acc") if (s := r.by_role(role)) is not None]
        return bool(shown) and all(s.x_or_none("epoch") is not None for s in shown)

    return "epoch" if all(has_epoch(r) for r in runs) else "step"
