"""A training-loss jump that follows a logged learning-rate jump names it first (tester h19t 5d,
tests/data/h19t_sgdr: a real torch run under CosineAnnealingWarmRestarts, lr 3.4e-4 -> 0.02 at epoch 11,
the training loss x27 two epochs later, and so at every restart). The explanation had said "a
divergence step ..., a bad batch, or numerics" without a word of the rate's 59x jump; now the restart
is the favoured reading and divergence the other one. Without the lr column the old words stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossacc_tui.cli import main

LOG = Path(__file__).parent / "data" / "h19t_sgdr" / "log.jsonl"


def _explosion_text(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    assert main(["check", "--json", str(path)]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    (alert,) = [a for a in run["alerts"] if a["kind"] == "loss-explosion"]
    assert alert["evidence"]["peak_x"] == 13
    return " ".join(alert["explanation"].split())


def test_a_jump_after_a_restart_names_the_restart_first(capsys: pytest.CaptureFixture[str]) -> None:
    text = _explosion_text(capsys, LOG)
    why = text.split("Why.")[1].split("What to check next.")[0].lstrip("* ")
    assert why.startswith(
        "The logged learning rate rose 3.41e-04 -> 0.02 (59x) at epoch 11, before this jump"
    )
    assert "rose like this 5 times in the run" in why
    assert why.index("warm restarts") < why.index("divergence step")
    assert "the favoured reading: the schedule's doing, not a divergence" in why
    assert "lower the restart's peak rate (it was 0.0187 at epoch 13)" in text


def test_without_a_logged_rate_the_jump_reads_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "log.jsonl"
    rows = [json.loads(line) for line in LOG.read_text().splitlines()]
    bare.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "lr"}) + "\n" for r in rows))
    why = _explosion_text(capsys, bare).split("Why.")[1].lstrip("* ")
    assert why.startswith("A jump of 26.8x in one evaluation is a divergence step")
    assert "learning rate rose" not in why
