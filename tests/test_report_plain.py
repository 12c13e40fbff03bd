"""`check`'s outputs as a user reads them: the text has no Markdown markup, JSON epochs are integers
and values the numbers the log holds (shortest round-trip form)."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO
from test_cli import run_cli

LOG = DEMO / "loss_up_acc_up" / "training.log"


def test_check_text_is_plain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", str(LOG))
    assert code == 0 and "loss-up-acc-up" in out
    assert "**" not in out and "`" not in out and "\x1b" not in out


def test_check_json_epochs_are_integers_and_values_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "--json", str(LOG))
    assert code == 0
    run = json.loads(out)["runs"][0]
    assert '"last_x": 149.0' not in out and run["metrics"]["val_loss"]["last_x"] == 149
    starts = [a["start"] for a in run["alerts"]]
    assert starts and all(isinstance(s, int) for s in starts)  # epochs: integers in the log
    logged = LOG.read_text().splitlines()[-1].split(",")  # epoch,accuracy,loss,val_accuracy,val_loss
    assert f'"last": {logged[4]},' in out  # the logged val_loss, written as the log writes it
