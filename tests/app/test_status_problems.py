"""A line of a watched log that cannot be read shows on the status line (the view showed nothing)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.widgets.status_line import StatusLine

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger file


@sync
async def test_a_bad_line_is_counted_on_the_status_line(tmp_path: Path) -> None:
    rows = LINES[:41]
    cells = rows[20].split(",")
    cells[2] = "nan?"  # a garbled cell (line 21 of the file)
    rows[20] = ",".join(cells)
    log = tmp_path / "training.log"
    log.write_text("".join(rows))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 119)  # 40 rows x 3 metrics, less the bad cell
        status = app.query_one(StatusLine)
        await wait_for(pilot, lambda: "1 problem (last: line 21 of training.log" in str(status.render()))
