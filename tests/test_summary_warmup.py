"""A short run with a warning open while the state band still warms up: the summary must not say
"too few evaluations to judge trends" beside an alert that judged one (tester 18 N5: a 4-epoch
fine-tune, `overfitting` warning, state `warming-up` for the whole run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.cli import main

LOG = Path(__file__).parent / "data" / "tester18_ft_overfit" / "log.jsonl"


def test_a_warning_beside_the_warm_up_state_is_not_contradicted_by_the_summary() -> None:
    (run,) = read_runs(LOG)
    a = Analyzer(run)
    a.update()
    warned = [al for al in a.alerts if al.active and al.severity in ("warning", "critical")]
    assert [al.kind for al in warned] == ["overfitting"]
    assert a.states[-1].state == "warming-up"
    text = a.summary()
    assert "too few evaluations to judge trends yet" not in text
    assert "judged by their own rules" in text


def test_checks_state_line_says_why_it_still_warms_up_beside_the_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", str(LOG)])
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith("state:")]
    assert "warming-up" in line
    assert "judge by their own rules" in line, line  # (tester 19: still bare beside the warning)
    assert "[warning] overfitting" in out
