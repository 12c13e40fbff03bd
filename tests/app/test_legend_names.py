"""Every legend keeps what tells its curves apart, at 80x24 and 120x40, with and without colour
(tester 20 T9): the main plots' 'train'/'val' outlast the best value's number (the accuracy legend
had read 'accuracy ─ 0.9733 ━ 0.8615 ◆ best 0.8645 @148'), and each value in the compare legends
follows its run's name (they had read 'validation loss ─ 0.7323 ─ 0.1179 ─ 0.0748 ─ 2.353': tied
to a run by colour alone, and by nothing without it). The logs are a real Keras run's CSV
(tests/app/data/training.log) and a learning-rate sweep made of it as JSON lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.metric_plot import MetricPlot

#: (size, colour): 80x24 both ways, 120x40 without colour (the tester's sizes; a test each ~2 s)
CASES = [((80, 24), True), ((80, 24), False), ((120, 40), False)]
IDS = ["80x24-colour", "80x24-no-colour", "120x40-no-colour"]


def cut_of(shown: str, name: str) -> bool:
    """`shown` is `name` with parts cut away (each … stands for what went)."""
    return re.fullmatch(".*".join(map(re.escape, shown.split("…"))), name) is not None


def _colour(monkeypatch: pytest.MonkeyPatch, colour: bool) -> None:
    if colour:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize(("size", "colour"), CASES, ids=IDS)
@sync
async def test_the_main_legends_name_train_and_val_beside_their_values(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], colour: bool
) -> None:
    _colour(monkeypatch, colour)
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 150 * 4)
        assert app.no_color is not colour
        for cursor in (False, True):
            if cursor:  # (the values at a point, as a click puts the cursor there: the legends read them)
                app._move_cursor(60.0)
                await wait_for(pilot, lambda: app.cursor == 60.0, what="cursor at epoch 60")
                app.redraw()
                await pilot.pause()
            for plot in app.query(MetricPlot):
                legend = plot._legend().plain
                assert len(legend) <= plot.size.width, legend
                for c in plot.data.curves:
                    word = "train" if c.role.startswith("train") else "val"
                    value = c.at if cursor else c.last
                    named = (f"{word} {fmt_num(value)}", f"{c.label} {fmt_num(value)}")  # (val, val_loss)
                    assert any(n in legend for n in named), (c.role, legend)


EPOCHS = 40  # of the real run, in each run of the sweep


def _sweep(root: Path) -> list[str]:
    """A learning-rate sweep (one JSON-lines log a folder) made of the real run's CSV: the
    validation metrics scaled per run so the runs differ."""
    rows = [r.split(",") for r in (DATA / "training.log").read_text().splitlines()][: 1 + EPOCHS]
    head = rows[0]
    names = []
    for name, scale in (("lr0.0003", 1.3), ("lr0.003", 1.0), ("lr0.03", 0.9), ("lr0.3", 2.0)):
        (root / "sweep" / name).mkdir(parents=True)
        with (root / "sweep" / name / "log.jsonl").open("w") as f:
            for r in rows[1:]:
                rec = {h: float(v) for h, v in zip(head, r, strict=True)}
                rec["val_loss"] *= scale
                rec["val_accuracy"] *= 1.0 / scale if scale > 1 else 1.0 - (1.0 - scale) / 3
                f.write(json.dumps(rec) + "\n")
        names.append(name)
    return names


@pytest.mark.parametrize(
    ("size", "colour"), [((80, 24), False), ((120, 40), True)], ids=["80x24-no-colour", "120x40-colour"]
)
@sync
async def test_each_value_in_the_compare_legends_follows_its_runs_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], colour: bool
) -> None:
    _colour(monkeypatch, colour)
    names = _sweep(tmp_path)
    app = watch_app(tmp_path / "sweep")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: len(app.tracker.runs) == 4, what="4 runs")
        await settled(pilot, app, 4 * EPOCHS * 4)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        app.redraw()
        screen = app.screen

        def drawn() -> bool:
            plots = list(screen.query(MetricPlot))
            return all(p.data is not None and len(p.data.curves) == 4 for p in plots)

        await wait_for(pilot, drawn, what="both plots with the four runs")
        for plot in screen.query(MetricPlot):
            lines = plot.legend_text()
            assert all(len(ln) <= plot.size.width for ln in lines), lines
            labels = [c.label for c in plot.data.curves]
            assert sorted(labels) == sorted(names), labels
            # after the title, one part a run: '<name> <value>' (its glyph before it), then '+n'
            value_of = {c.label: fmt_num(c.last) for c in plot.data.curves}
            parts = [p.split() for p in re.split("[─━]", " ".join(lines))[1:]]
            assert parts, lines  # (at least one run's value, and its name)
            for part in parts:
                (label,) = [n for n in labels if cut_of(part[0], n)]  # (a cut of one run's name alone)
                assert part[1] == value_of[label], (part, lines)
            hidden = 4 - len(parts)
            assert hidden == 0 or f"+{hidden}" in lines[-1], lines
