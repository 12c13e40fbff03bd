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


def test_check_text_prints_a_logged_infinity_as_inf(
    capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    """A half-precision evaluation whose confident mistakes underflow to probability 0 logs
    val_loss = inf on some epochs: the table shows `inf` where the log has it, never `nan`."""
    import math

    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=10, classes=2, seed=4, lr=6.0, eval_fp16=True)
    assert math.isinf(rows[-1]["val_loss"]) and any(math.isfinite(r["val_loss"]) for r in rows)
    log = tmp_path / "training.log"  # type: ignore[operator]
    log.write_text(
        "epoch,loss,accuracy,val_loss,val_accuracy\n"
        + "".join(
            f"{i},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
            for i, r in enumerate(rows)
        )
    )
    code, out, _ = run_cli(capsys, "check", str(log))
    assert code == 0
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("val_loss "))
    assert row[4] == "inf" and "nan" not in row  # last as logged; min/max are of finite values
    assert float(row[5]) == pytest.approx(
        min(r["val_loss"] for r in rows if math.isfinite(r["val_loss"])), abs=1e-4
    )
