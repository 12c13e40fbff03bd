"""The run overview shows the parameters an MLflow store keeps per run (SQLite store: its `params`
table), each run its own, though all runs come from one database file."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from app_helpers import REPO, settled, sync, wait_for, watch_app

from lossacc_tui.app.widgets.run_list import RunList


@sync
async def test_each_mlflow_db_run_shows_its_own_params(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    with gzip.open(REPO / "tests" / "data" / "mlflow_sqlite" / "mlflow.db.gz") as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    app = watch_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 32)
        runs = app.query_one(RunList)
        box = app.query_one("#explanation")
        for seed in (0, 1):
            key = next(k for k, rs in enumerate(app.tracker.runs) if rs.run.name.endswith(f"seed-{seed}"))
            runs.focus()
            runs.highlighted = [r.key for r in runs.rows].index(key)
            await wait_for(pilot, lambda key=key: app.selected_run == key, what=f"seed-{seed} shown")
            await wait_for(pilot, lambda seed=seed: f"seed = {seed}" in box.text, what=f"seed-{seed} params")
            assert "lr = 0.1" in box.text and f"seed = {1 - seed}" not in box.text
