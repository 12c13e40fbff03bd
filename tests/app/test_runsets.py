"""Runs that belong together, through Pilot: `space` selects runs for the compare view, `p` pins one
(listed first, always compared), each run keeps one colour in the list and the compare plots, and
with nothing selected the compare view overlays the shown run's folder (a sweep), not every run."""

from __future__ import annotations

from pathlib import Path

from app_helpers import DATA, REPO, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList

SWEEP = REPO / "demo_logs" / "eight_runs"


def _compared(app: object) -> list[int]:
    screen = app.screen  # type: ignore[attr-defined]
    return [c.run_key for c in screen.query_one("#compare-loss", MetricPlot).data.curves]


def _folder(app: object, key: int) -> Path:
    return Path(app.tracker.runs[key].run.path).resolve()  # type: ignore[attr-defined]


def _sweep(app: object) -> set[int]:
    """The keys of the sweep's runs read so far (with points)."""
    tracker = app.tracker  # type: ignore[attr-defined]
    with tracker.lock:
        n = len(tracker.runs)
        return {
            k for k in range(n) if tracker.runs[k].run.points and SWEEP.resolve() in _folder(app, k).parents
        }


@sync
async def test_compare_overlays_the_sweep_then_the_selected_and_pinned_runs() -> None:
    app = watch_app(SWEEP, DATA / "training.log")
    async with app.run_test(size=(160, 48)) as pilot:
        # (every sweep run read before the count of points is trusted: under load the points of the
        # runs read first can pass the count while one run is still unread)
        await wait_for(pilot, lambda: len(_sweep(app)) == 8, what="the sweep's 8 runs read")
        await settled(pilot, app, 8 * 30 * 2 + 600)
        runs = app.query_one(RunList)
        sweep = _sweep(app)
        assert len(sweep) == 8
        first = next(iter(sorted(sweep)))
        runs.focus()
        runs.highlighted = [r.key for r in runs.rows].index(first)
        await wait_for(pilot, lambda: app.selected_run == first, what="a sweep run shown")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare")
        await wait_for(pilot, lambda: set(_compared(app)) == sweep, what="the sweep's 8 runs overlaid")
        assert "eight_runs/" in str(app.screen.query_one("#ranking").border_title)  # (a folder: its path, /)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen), what="back")
        # select two runs of the sweep and pin the lone training.log run
        lone = next(k for k in range(len(app.tracker.runs)) if k not in sweep)
        picked = sorted(sweep)[2:4]
        for key in [*picked, lone]:
            runs.highlighted = [r.key for r in runs.rows].index(key)
            await pilot.press("p" if key == lone else "space")
        await wait_for(pilot, lambda: app.marked == set(picked) and app.pinned == lone, what="marks")
        await wait_for(pilot, lambda: runs.rows[0].key == lone and runs.rows[0].pinned, what="pinned first")
        marked = [r.key for r in runs.rows if r.marked]
        assert sorted(marked) == picked
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare again")
        await wait_for(pilot, lambda: sorted(_compared(app)) == sorted([*picked, lone]), what="selected")
        # one colour per run: the compare curves are drawn in the run's own colour
        plot = app.screen.query_one("#compare-loss", MetricPlot)
        assert all(c.run_key is not None for c in plot.data.curves)
        looks = {plot._look(c.role, c.run_key)[0] for c in plot.data.curves}  # type: ignore[arg-type]
        assert len(looks) == len(plot.data.curves)  # distinct colours for distinct runs


@sync
async def test_a_run_whose_loss_diverged_is_ranked_by_its_finite_best_with_a_mark(tmp_path: Path) -> None:
    lines = (DATA / "training.log").read_text().splitlines(keepends=True)
    ok, bad = tmp_path / "ok" / "training.log", tmp_path / "bad" / "training.log"
    for p in (ok, bad):
        p.parent.mkdir()
    ok.write_text("".join(lines))
    broken = [ln.rsplit(",", 1)[0] + ",nan\n" for ln in lines[101:]]  # val_loss NaN after epoch 99
    bad.write_text("".join(lines[:101] + broken))
    app = watch_app(ok.parent, bad.parent)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 1200)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) == 2, what="ranking rows")
        cells = [(row[1].plain, row[2].plain) for row in screen._rows]
        marked = [value for name, value in cells if "bad" in name]
        assert marked and marked[0].endswith("!")  # its finite best, with the mark
        assert all(not value.endswith("!") for name, value in cells if "ok" in name)


@sync
async def test_the_run_overview_shows_the_parameters_its_folder_has() -> None:
    run = SWEEP / "run_3" / "lightning_logs" / "version_0"
    hparams = dict(
        line.split(": ", 1) for line in (run / "hparams.yaml").read_text().splitlines() if ": " in line
    )
    app = watch_app(run)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 60)
        box = app.query_one("#explanation")
        await wait_for(pilot, lambda: "Parameters" in box.text, what="parameters in the summary")
        for key, value in hparams.items():
            assert f"{key} = {value.strip()}" in box.text


@sync
async def test_at_80x24_the_ranking_names_each_run_by_the_part_that_tells_it_apart() -> None:
    app = watch_app(SWEEP, REPO / "demo_logs" / "nan_run", REPO / "demo_logs" / "healthy_lightning")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, 8 * 30 * 2)
        app.marked = set(range(len(app.tracker.runs)))  # every run selected: one ranking of all 10
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) == 10, what="ranking rows")
        names = [row[1].plain.removeprefix("■ ") for row in screen._rows]
        assert len(set(names)) == 10, names
        for name in names:  # the sweep's runs by their own folder, whole; the others by theirs
            own = name.removeprefix("…/")  # (their sweep's folder gone where room is short)
            assert own in {f"run_{i}" for i in range(1, 9)} | {"nan_run"} or own.startswith("hea"), names
        # every row is one run: its place by accuracy beside its own best accuracy, so the places
        # order the accuracies shown (best first)
        by_place = sorted(
            (int(row[3].plain.removeprefix("#")), float(row[4].plain.rstrip("!"))) for row in screen._rows
        )
        accs = [a for _, a in by_place]
        assert accs == sorted(accs, reverse=True), by_place


@sync
async def test_with_every_run_compared_each_sweep_is_ranked_against_itself() -> None:
    app = watch_app(SWEEP, REPO / "demo_logs" / "nan_run", REPO / "demo_logs" / "healthy_lightning", DATA)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 8 * 30 * 2 + 600)
        runs = app.query_one(RunList)
        alone = next(k for k in range(len(app.tracker.runs)) if _folder(app, k).parent == DATA.resolve())
        runs.highlighted = [r.key for r in runs.rows].index(alone)  # a run alone in its folder: all runs
        await wait_for(pilot, lambda: app.selected_run == alone, what="the lone run shown")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen._rows) == 11 + 3, what="3 parts under their titles")
        titles = [(i, row[1].plain) for i, row in enumerate(screen._rows) if not row[0].plain]
        heads = [t for _, t in titles]
        assert len(heads) == 3 and heads[0].endswith("eight_runs (8)"), heads  # the biggest part first
        assert heads[1].endswith(" (2)") and heads[2] == "other runs (1)", heads
        first = titles[0][0]
        ranks = [row[0].plain.rstrip("≠") for row in screen._rows[first + 1 : first + 9]]
        assert ranks == [str(i) for i in range(1, 9)]  # the sweep's own ranking, 1 to 8
        names = {row[1].plain.removeprefix("■ ") for row in screen._rows[first + 1 : first + 9]}
        assert names == {f"run_{i}" for i in range(1, 9)}
        assert "all runs" in str(screen.query_one("#ranking").border_title)
