"""A run none of whose metrics is named as a loss or an accuracy (a breast_cancer run logged as
`bce`, `val_bce`, `val_auc`, `val_f1`: tests/data/tester24_printed/README.md) is not analysed; its
summary says so with the words `check` says, naming `--map`, where it had said "No active alerts."
as a healthy run's does (tester 24 N5)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app_helpers import REPO, settled, sync, wait_for, watch_app


@sync
async def test_the_summary_of_a_run_with_no_loss_or_accuracy_read_says_so_and_names_map(
    tmp_path: Path,
) -> None:
    log = tmp_path / "scores.csv"
    shutil.copy(REPO / "tests" / "data" / "tester24_printed" / "bc_scores.csv", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 120)
        box = app.query_one("#explanation")
        await wait_for(pilot, lambda: "Not analysed" in box.text, what="the unread run's summary")
        text = " ".join(box.text.split())
        assert "no metric is named as a loss or an accuracy (bce, val_bce, val_auc" in text
        assert "--map val_loss=NAME --map val_acc=NAME" in text
        assert "No active alerts" not in text and "training metrics" not in text
