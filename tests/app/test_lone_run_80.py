"""A lone run in a deep folder at 80x24 (tester h19t fault 9): the run list kept nothing of its
path but `/…/…/…/run1.log`, the summary's heading wrapped as `run1.lo` / `g` (the name was fitted
to the pane's whole width, the scrollbar's cells not counted), and compare said "1 runs". The name's
last part survives narrowing with as many of its last folders as fit (`names.fit_path`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import run_text, settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.names import fit_names, fit_told, told_apart
from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.widgets.explanation import Explanation

EPOCHS = 20


def _log(root: Path) -> Path:
    """A printed log of EPOCHS epochs at root/experiments/vision_models/resnet_baseline/run1.log."""
    path = root / "experiments" / "vision_models" / "resnet_baseline" / "run1.log"
    path.parent.mkdir(parents=True)
    rows = [
        f"epoch {e} loss {1 / (e + 1):.4f} val_loss {0.5 + 0.3 / (e + 1):.4f}"
        f" val_acc {0.8 - 0.2 / (e + 1):.4f}"
        for e in range(EPOCHS)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("width", [12, 16, 20, 26, 40])
def test_a_lone_runs_path_keeps_its_file_name_and_its_last_folders(width: int) -> None:
    name = "/tmp/h19t/repro/experiments/vision_models/resnet_baseline/run1.log"
    (told,) = told_apart((name,))
    shown = fit_told(told, width)
    assert len(shown) <= width and shown.endswith("/run1.log"), shown
    assert "…/…" not in shown, shown
    if width >= 26:
        assert shown.endswith("/resnet_baseline/run1.log") or "…" in shown.split("/")[-2], shown


def test_a_shared_file_extension_goes_before_the_runs_own_words() -> None:
    """5,000 flat files `run_NNNN.csv` in the compare legend's 8 cells: `run_0000`, not `ru…0000…`."""
    names = [f"run_{i:04d}.csv" for i in range(5000)]
    shown = fit_names(names, 8)
    assert shown[:3] == ["run_0000", "run_0001", "run_0002"]
    assert len(set(shown)) == len(names)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@sync
async def test_a_lone_run_is_named_by_its_file_in_the_list_the_summary_and_compare(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    log = _log(tmp_path)
    app = watch_app(log)
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 3 * EPOCHS)
        pane = app.query_one("#explanation", Explanation)
        await wait_for(pilot, lambda: "metrics, x = epoch" in pane.text, what="the summary")
        await pilot.pause()
        row = next(r for r in run_text(app).splitlines() if r.startswith("□"))
        assert "/run1.log" in row and "…/…" not in row, row
        first = strips_text(pane).splitlines()[0].rstrip()
        assert first.endswith("/run1.log"), strips_text(pane)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        table = app.screen.query_one("#ranking")
        await wait_for(pilot, lambda: "run" in str(table.border_title), what="the table's title")
        assert "1 run " in f"{table.border_title} " and "1 runs" not in str(table.border_title)
