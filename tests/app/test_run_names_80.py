"""At 80 columns every run is named by what tells it from the others (tester 22): the run list had
cut two runs of one folder to `…/metrics.jsonl` and `…/per_e…h.jsonl`, the folder that told them
from the other rows (`binary_thresh`) cut away, and the compare legend had named one run of four
("aux_wd 1.091 +3"). The logs are a real Keras run's CSV (tests/app/data/training.log) written as
the JSON lines a training loop logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from app_helpers import DATA, run_text, settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.widgets.metric_plot import MetricPlot

EPOCHS = 40  # of the real run, in each log


def _records(scale: float = 1.0) -> list[dict[str, float]]:
    """The real run's first EPOCHS epochs, its validation loss scaled (runs that differ)."""
    rows = [r.split(",") for r in (DATA / "training.log").read_text().splitlines()][: 1 + EPOCHS]
    out = [{h: float(v) for h, v in zip(rows[0], r, strict=True)} for r in rows[1:]]
    for rec in out:
        rec["val_loss"] *= scale
    return out


def _write(path: Path, scale: float = 1.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(scale)))


def cut_of(shown: str, name: str) -> bool:
    """`shown` is `name` with parts cut away (each … stands for what went)."""
    return re.fullmatch(".*".join(map(re.escape, shown.split("…"))), name) is not None


#: tester 22's folder: a run a folder, one folder with a second log of the same epochs beside it
FOLDER = (
    "aux_wd/metrics.jsonl",
    "binary_thresh/metrics.jsonl",
    "binary_thresh/per_epoch_truth.jsonl",
    "early_stop/metrics.jsonl",
    "val50_overfit/metrics.jsonl",
)
#: the names the list gives those runs when it has room (the path parts where they differ)
NAMES = (
    "aux_wd",
    "binary_thresh/metrics.jsonl",
    "binary_thresh/per_epoch_truth.jsonl",
    "early_stop",
    "val50_overfit",
)


def every_run_read(app: object, n: int) -> bool:
    """`n` runs found, each holding every epoch of its log in every series (`settled` sums points
    over the runs found: two runs of several series each reached it before the others were found)."""
    tracker = app.tracker  # type: ignore[attr-defined]
    with tracker.lock:
        runs = list(tracker.runs)
        return len(runs) == n and all(
            rs.run.series and min(len(s) for s in rs.run.series.values()) >= EPOCHS for rs in runs
        )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@sync
async def test_each_run_list_row_names_its_run_alone_and_keeps_its_folder(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    for i, rel in enumerate(FOLDER):
        _write(tmp_path / rel, 1.0 + 0.1 * i)
    app = watch_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: every_run_read(app, len(FOLDER)), what="every run read whole")
        await settled(pilot, app, len(FOLDER) * EPOCHS)
        runs = app.query_one("#runs")
        rows = run_text(app).splitlines()
        shown = [r[3:].rsplit(" ep ", 1)[0] for r in rows if r.startswith("□")]  # (its first line)
        assert len(shown) == len(FOLDER), rows
        for name in shown:
            # a cut of one run's name, and of no other's: the row tells which run it is
            assert [n for n in NAMES if cut_of(name, n)] != [], (name, rows)
            assert len([n for n in NAMES if cut_of(name, n)]) == 1, (name, rows)
            if "/" in name:  # (a log beside another in its folder: the folder stays, cut or whole)
                assert name.split("/")[0].strip("…"), (name, rows)
        assert all(len(r) <= runs.scrollable_content_region.width for r in rows), rows


async def _compare_legends(tmp_path: Path, runs: int) -> list[list[str]]:
    """The compare view's legends at 80x24 on a sweep of `runs` runs (lr folders, one log each)."""
    for i in range(runs):
        _write(tmp_path / "sweep" / f"lr{3 * 10.0 ** -(i + 1):g}" / "log.jsonl", 1.0 + 0.2 * i)
    app = watch_app(tmp_path / "sweep")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, runs * EPOCHS)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        screen = app.screen

        def drawn() -> bool:
            plots = list(screen.query(MetricPlot))
            return all(p.data is not None and len(p.data.curves) == runs for p in plots)

        await wait_for(pilot, drawn, what="both plots with every run")
        await pilot.pause()  # (drawn)
        out = []
        for plot in screen.query(MetricPlot):
            lines = strips_text(plot).splitlines()[:2]  # (what it drew over its chart)
            assert all(len(ln) <= plot.size.width for ln in lines), lines
            out.append(lines)
        return out


@sync
async def test_at_80x24_the_compare_legends_name_every_run_on_two_lines(tmp_path: Path) -> None:
    for lines in await _compare_legends(tmp_path, 3):
        text = " ".join(lines)
        for lr in ("lr0.3", "lr0.03", "lr0.003"):
            assert re.search(rf"[─━] {re.escape(lr)} \d", text), lines  # (its name, then its value)
        assert "+" not in text, lines


@sync
async def test_at_80x24_a_compare_legend_that_cannot_name_every_run_says_how_many_more_and_where(
    tmp_path: Path,
) -> None:
    for lines in await _compare_legends(tmp_path, 8):
        text = " ".join(lines)
        named = len(re.findall(r"[─━] \S+ \d", text))
        assert named >= 2, lines
        assert re.search(rf"\+{8 - named}( more)?: see (the )?table", lines[-1]), lines
