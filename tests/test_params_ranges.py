"""Every `--set` analysis parameter is checked against its range: NaN, infinity, a negative
z-score or a ratio below 1 is one line on stderr and exit 2, as `window=0` is, never a silently
broken analysis (tester 9 fault 10). Data: tests/data/cfgrun/training.log (a numpy training)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lossacc_tui.analysis.params import Params
from lossacc_tui.cli import main

LOG = Path(__file__).parent / "data" / "cfgrun" / "training.log"


@pytest.mark.parametrize(
    "setting, says",
    [
        ("rise-z=nan", "rise_z must be a finite number"),
        ("rise-z=-1", "rise_z must be above 0"),
        ("rise-z=inf", "rise_z must be a finite number"),
        ("trend-z=nan", "trend_z must be a finite number"),
        ("explosion-factor=0.5", "explosion_factor must be above 1"),
        ("runs-acc-gap=3", "runs_acc_gap must be a fraction in [0, 1]"),
        ("min-loss-change=-0.1", "min_loss_change must be 0 or more"),
        ("smoothing=nan", "smoothing must be in [0, 1)"),
        ("window=0", "window must be at least 2"),
    ],
)
def test_an_out_of_range_setting_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], setting: str, says: str
) -> None:
    code = main(["check", "--set", setting, str(LOG)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err and "Traceback" not in err


def test_defaults_and_in_range_settings_are_taken(capsys: pytest.CaptureFixture[str]) -> None:
    Params()  # the defaults themselves pass the checks
    assert main(["check", "--set", "rise-z=3", "--set", "trend-z=0.5", str(LOG)]) == 0
    assert "last epoch 79" in capsys.readouterr().out


def test_a_config_file_is_checked_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "analysis.json"
    cfg.write_text('{"analysis": {"unstable-ratio": 1.0}}')
    assert main(["check", "--config", str(cfg), str(LOG)]) == 2
    assert "unstable_ratio must be above 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "setting", ["window=1e9", "window=1e300", "plateau_patience=1e18", "noise_window=100000"]
)
def test_a_huge_window_or_count_is_one_line_never_a_memory_hog(
    setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tester's `--set noise_window=1e9` grew until the OOM killer ended it, and `window=1e9`
    printed a traceback asking for 60 GB: every window and count is at most `MAX_COUNT`."""
    log = Path(__file__).parent / "data" / "resume" / "resume_back.csv"
    assert main(["check", str(log), "--set", setting]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "at most 10,000 evaluations" in err, err


def test_a_window_longer_than_the_run_analyses_it(capsys: pytest.CaptureFixture[str]) -> None:
    """window=1000 on an 80-epoch log raised a traceback in overfitting's training-loss level."""
    log = Path(__file__).parent / "data" / "resume" / "resume_back.csv"
    assert main(["check", str(log), "--set", "window=1000"]) in (0, None)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("seconds", ["nan", "inf", "0", "-1", "x"])
def test_poll_takes_only_a_number_of_seconds_above_0(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--poll nan -f` was taken (tester 10): a follower polling every NaN seconds."""
    with pytest.raises(SystemExit) as done:
        main(["check", "-f", "--poll", seconds, str(LOG)])
    assert done.value.code == 2
    assert "expected a number of seconds above 0" in capsys.readouterr().err
