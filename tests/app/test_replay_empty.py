"""`replay` of a log without data points: the app says so and ends with exit code 2 (the CLI prints
the reason on stderr) instead of waiting on an empty screen."""

from __future__ import annotations

from pathlib import Path

from app_helpers import replay_app, sync, wait_for


@sync
async def test_replay_of_a_log_without_data_ends_with_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "train.csv"
    empty.write_text("epoch,loss,val_loss\n")
    app, feed = replay_app(empty)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.failure is not None, what="the replay's failure")
    assert app.return_code == 2
    assert "no data points" in app.failure and str(empty) in app.failure
    feed.stop()
