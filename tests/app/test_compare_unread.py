"""The compare view says when it ranks part of the folder (tester h19t fault 6): while 5,000 flat
CSV files were being read it ranked "166 runs" and said "no pair of runs is a runs-disagree alert",
where `check` of the folder found one between two runs not read yet. While the folder's first walk
goes on (`Monitor.walking`: here held open by the test) the table's count says "so far" and the
pane says the verdict is the runs read so far'; once the walk ends, both say the whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import settled, strips_text, sync, wait_for, watch_app
from textual.widgets import DataTable

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.widgets.explanation import Explanation

EPOCHS = 10
#: (final accuracy, loss offset) of each run: their two rankings agree (no runs-disagree)
RUNS = {"run_0000.csv": (0.80, 0.30), "run_0001.csv": (0.75, 0.40), "run_0002.csv": (0.70, 0.50)}


def _folder(root: Path) -> Path:
    folder = root / "many"
    folder.mkdir()
    for name, (acc, loss) in RUNS.items():
        rows = ["epoch,loss,val_loss,val_acc"]
        rows += [
            f"{e},{1 / (e + 1):.4f},{loss + 0.3 / (e + 1):.4f},{acc - 0.2 / (e + 1):.4f}"
            for e in range(EPOCHS)
        ]
        (folder / name).write_text("\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@sync
async def test_compare_says_its_ranking_is_of_the_runs_read_so_far_while_the_folder_is_read(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    folder = _folder(tmp_path)
    app = watch_app(folder)
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app, 3 * 3 * EPOCHS)
        app.feed.walking.add("(a walk the test holds open)")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        table = app.screen.query_one(DataTable)
        pane = app.screen.query_one(Explanation)
        await wait_for(pilot, lambda: "so far" in str(table.border_title), what="the count 'so far'")
        assert "3 runs so far" in str(table.border_title)
        await wait_for(pilot, lambda: "still being read" in pane.text, what="the pane's words")
        await pilot.pause()
        text = " ".join(strips_text(pane).split())
        assert "The folder is still being read" in text and "3 runs read so far" in text, text
        assert "agree" not in text or "runs read so far agree" in text, text
        app.feed.walking.clear()  # (the walk ends: no new point comes)
        await wait_for(pilot, lambda: "so far" not in str(table.border_title), what="the whole count")
        assert "3 runs" in str(table.border_title)
        await wait_for(pilot, lambda: "still being read" not in pane.text, what="the pane's words gone")
