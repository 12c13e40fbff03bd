"""The summary's heading names the run in one line of its pane: a long path keeps its last parts
behind `…/` rather than being folded in the middle of a word (at 80x24 the summary showed
"tests/data/sklearn_memor" / "ised/mlp.log")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_helpers import sync, wait_for, watch_app

from lossacc_tui.app.widgets.explanation import Explanation

DATA = Path(__file__).parents[1] / "data" / "sklearn_memorised" / "mlp.log"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_summary_heading_is_one_line_ending_with_the_file_name(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    deep = tmp_path / "experiments" / "2026-12-02_sweep_learning_rate" / "run_lr_0.003"
    deep.mkdir(parents=True)
    log = deep / "mlp.log"
    shutil.copy(DATA, log)
    app = watch_app(log)
    async with app.run_test(size=size) as pilot:
        pane = app.query_one("#explanation", Explanation)
        await wait_for(pilot, lambda: "metrics, x = epoch" in pane.text)
        heading = pane.text.split("\n", 1)[0]
        width = pane.size.width
        name = heading.split("**")[1]
        assert name.endswith("mlp.log") and len(name) < width
        assert name.startswith("…/") or name == str(log)
