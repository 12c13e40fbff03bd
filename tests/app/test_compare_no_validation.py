"""A run that logs no validation metric (a TensorBoard run of training loss and learning rate alone,
in the shared real-world logs) had ended the view with a traceback as soon as the compare view was
built ahead at idle: its table, with no best to rank, measured its columns with `max()` of
nothing. The log here is a real Keras run's CSV (tests/app/data/training.log) without its
validation columns, as a Keras fit without validation_data writes it."""

from __future__ import annotations

from pathlib import Path

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen


@sync
async def test_compare_of_a_run_without_validation_says_so_and_the_view_goes_on(tmp_path: Path) -> None:
    rows = [r.split(",") for r in (DATA / "training.log").read_text().splitlines()]
    keep = [i for i, h in enumerate(rows[0]) if not h.startswith("val_")]
    log = tmp_path / "training.log"
    log.write_text("".join(",".join(r[i] for i in keep) + "\n" for r in rows))
    app = watch_app(log)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, len(rows) - 1)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare view")
        box = app.screen.query_one("#compare-explanation")
        await wait_for(pilot, lambda: "needs at least two runs with validation" in box.text, what="its note")
        assert app.return_code is None  # (still running: no traceback)
