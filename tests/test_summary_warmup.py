"""A short run with a warning open while the state band would still warm up: the band says what the
warning says over its span, never "warming-up" beside it (tester 18 N5, tester 20 T8: a 4-epoch
fine-tune, `overfitting` warning from epoch 3 with `loss-rises-beyond-noise (follows)`, state
`warming-up 1-4` for the whole run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.cli import main

LOG = Path(__file__).parent / "data" / "tester18_ft_overfit" / "log.jsonl"


def test_the_band_reads_the_loss_worse_where_an_overfitting_warning_opened_in_its_warm_up() -> None:
    (run,) = read_runs(LOG)
    a = Analyzer(run)
    a.update()
    warned = [al for al in a.alerts if al.active and al.severity in ("warning", "critical")]
    assert [al.kind for al in warned] == ["overfitting"]
    (al,) = warned
    inside = [s for s in a.states if s.end >= al.start]
    assert inside and all(s.state == "loss-worse-acc-better" for s in inside), a.states
    assert a.states[-1].start == al.start  # (before the alert's span the band still warms up)
    text = a.summary()
    assert "**loss-worse-acc-better**" in text
    assert "too few evaluations" not in text


def test_checks_state_line_and_json_agree_with_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(LOG)])
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith("state:")]
    assert "state: loss-worse-acc-better since epoch 3" in line, line
    assert "[warning] overfitting" in out
    main(["check", "--json", str(LOG)])
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert [s["state"] for s in run["states"]] == ["warming-up", "loss-worse-acc-better"], run["states"]
