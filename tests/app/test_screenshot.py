"""The palette's Screenshot saves into the current folder and says where (or why not)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app


@sync
async def test_screenshot_goes_to_the_current_folder_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "training.log"
    shutil.copy(DATA / "training.log", log)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    app = watch_app(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app, 600)
        saved = app.deliver_screenshot()
        assert saved is not None and Path(saved).parent == here and Path(saved).suffix == ".svg"
        assert "<svg" in Path(saved).read_text()[:2000]
        said = f"screenshot saved to {saved}"
        await wait_for(pilot, lambda: any(said in n.message for n in app._notifications), what=said)
        blocked = tmp_path / "a-file"
        blocked.write_text("")
        assert app.deliver_screenshot(path=str(blocked)) is None  # not a folder: said, not raised
        await wait_for(
            pilot,
            lambda: any(n.message.startswith("screenshot not saved:") for n in app._notifications),
            what="the reason it was not saved",
        )
