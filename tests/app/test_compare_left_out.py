"""The compare view says what it compares (tester 22): the runs of the folder it leaves out, each with
why (a log of another name, another x axis, no validation metric), a folder named `folder` not read
"folder folder", and the legends' values (each run's last) and the table's (its best) labelled so
the two numbers of one run side by side are not read as one kind, at 80x24 and 120x40, with and
without colour. The logs are a real Keras run's CSV (tests/app/data/training.log) rewritten as a
sweep of JSON-lines logs, one per run folder, beside a per-step copy and a file of other numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app
from textual.widgets import DataTable

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList

EPOCHS = 40  # of the real run, in each log
SCALES = {"lr0.003": 1.0, "lr0.03": 0.9, "lr0.3": 1.6}  # each sweep run's validation loss scale


def _folder(root: Path) -> Path:
    """`folder/`: three sweep runs' `metrics.jsonl` (by epoch), `steps/train.jsonl` (the first
    run by global step, 50 steps an epoch) and `lr0.003/per_epoch_facts.jsonl` (numbers of the
    first run that are no loss or accuracy)."""
    rows = [r.split(",") for r in (DATA / "training.log").read_text().splitlines()][: 1 + EPOCHS]
    recs = [{h: float(v) for h, v in zip(rows[0], r, strict=True)} for r in rows[1:]]
    folder = root / "folder"
    for name, scale in SCALES.items():
        (folder / name).mkdir(parents=True)
        with (folder / name / "metrics.jsonl").open("w") as f:
            for rec in recs:
                f.write(json.dumps({**rec, "val_loss": rec["val_loss"] * scale}) + "\n")
    (folder / "steps").mkdir()
    with (folder / "steps" / "train.jsonl").open("w") as f:
        for rec in recs:
            f.write(
                json.dumps({"step": 50 * int(rec["epoch"]), **{k: v for k, v in rec.items() if k != "epoch"}})
            )
            f.write("\n")
    with (folder / "lr0.003" / "per_epoch_facts.jsonl").open("w") as f:
        for rec in recs:
            # (no fact about predictions such as `n_wrong`: a file of those is skipped, `facts_beside`)
            f.write(
                json.dumps({"epoch": int(rec["epoch"]), "grad_norm": rec["loss"] * 3, "lr_now": 0.003}) + "\n"
            )
    return folder


async def _open(pilot: Any, app: Any) -> CompareScreen:
    """Show the first sweep run's log, press `c`, and return the compare view once drawn."""
    await wait_for(pilot, lambda: len(app.tracker.runs) == 5, what="5 runs")
    await settled(pilot, app, 3 * EPOCHS * 4 + EPOCHS * 4 + EPOCHS * 2)
    first = next(k for k, rs in enumerate(app.tracker.runs) if rs.run.path.endswith("lr0.003/metrics.jsonl"))
    runs = app.query_one(RunList)
    runs.focus()
    runs.highlighted = [r.key for r in runs.rows].index(first)
    await wait_for(pilot, lambda: app.selected_run == first, what="the first sweep run shown")
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
    screen: CompareScreen = app.screen

    def drawn() -> bool:
        app.redraw()
        plots = list(screen.query(MetricPlot))
        return len(screen._rows) == 3 and all(p.data is not None and len(p.data.curves) == 3 for p in plots)

    await wait_for(pilot, drawn, what="the sweep's 3 runs drawn and ranked")
    return screen


@sync
async def test_the_runs_of_the_folder_left_out_are_named_with_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    monkeypatch.chdir(tmp_path)  # (the folder given as the user typed it: `lossacc-tui folder`)
    app = watch_app("folder")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        title = str(screen.query_one(DataTable).border_title)
        assert "3 runs" in title and "folder folder" not in title and "folder/" in title, title
        box = screen.query_one(Explanation)
        await wait_for(pilot, lambda: "not compared" in box.text, what="the runs left out said")
        said = box.text.replace("\n", " ")
        assert "2 runs in this folder not compared" in said, said
        assert "steps/train.jsonl (another log name, by step)" in said, said
        assert "lr0.003/per_epoch_facts.jsonl (another log name, no validation loss or accuracy)" in said, (
            said
        )
        assert folder.is_dir()


@pytest.mark.parametrize(
    ("size", "colour"),
    [((80, 24), True), ((80, 24), False), ((120, 40), False)],
    ids=["80x24-colour", "80x24-no-colour", "120x40-no-colour"],
)
@sync
async def test_the_legends_last_values_and_the_tables_best_values_are_labelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], colour: bool
) -> None:
    if colour:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    folder = _folder(tmp_path)
    app = watch_app(folder)
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one(DataTable)
        heads = [str(c.label) for c in table.columns.values()]
        assert heads[2].startswith("best") and heads[4].startswith("best"), heads
        for plot, role, best in (("#compare-loss", "val_loss", min), ("#compare-acc", "val_acc", max)):
            p = screen.query_one(plot, MetricPlot)
            legend = p._legend().plain
            assert len(legend) <= p.size.width and legend.startswith("last "), legend
            for c in p.data.curves:  # each run's legend value is its last; the table's, its best
                vals = app.tracker.runs[c.run_key].run.by_role(role).values
                named = re.search(rf"{re.escape(c.label)} (\S+)", legend)
                if named:
                    assert named.group(1) == fmt_num(float(vals[-1])), (legend, c.label)
                row = next(r for r in screen._rows if c.label in r[1].plain)
                assert row[2 if role == "val_loss" else 4].plain == fmt_num(
                    float(best(vals[np.isfinite(vals)]))
                )
            assert re.search(r"[─━] \S+ \S+", legend), legend  # (a run named with its value, at 80x24 too)
