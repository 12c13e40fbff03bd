"""`check`'s own output saved to a file (text, `--json`, `--follow` text and JSON) is said to be
lossacc-tui's own report and is never read as a training log, given by its path, in a folder scan
and when followed. (Tester 15: `check report.txt` read the saved report as text-kv, 19 made-up
series; `check --follow --json` on a folder holding it streamed its bogus records.)"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.cli import main
from lossacc_tui.events import Event, RunAdded, Status
from lossacc_tui.monitor import Monitor
from lossacc_tui.own_report import OWN_REPORT
from lossacc_tui.source import PathError, discover
from lossacc_tui.stream import Printer

EPOCHS = 12


def _followed(path: Path, as_json: bool) -> str:
    """`check --follow [--json] PATH` in-process, until its records are all printed."""
    buf = io.StringIO()
    done = threading.Event()
    seen: list[int] = [0]

    def count(events: list[Event]) -> None:
        seen[0] += sum(1 for e in events if type(e).__name__ == "PointsAdded")
        if seen[0] and buf.getvalue().count("val_loss") >= EPOCHS:
            done.set()

    monitor = Monitor([path])
    monitor.subscribe(Printer(buf, as_json))
    monitor.subscribe(count)
    monitor.start()
    try:
        assert done.wait(30)
    finally:
        monitor.stop()
    return buf.getvalue()


@pytest.fixture
def reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, Path]]:
    """A real run's Keras CSV log and the four outputs `check` writes for it, saved beside it."""
    log = keras_csv(tmp_path / "history.csv", softmax_regression(epochs=EPOCHS, features=30, n_train=40))
    saved: dict[str, Path] = {}
    for name, args in (("report.txt", []), ("report.json", ["--json"])):
        main(["check", *args, str(log)])
        saved[name] = tmp_path / name
        saved[name].write_text(capsys.readouterr().out)
    for name, as_json in (("follow.txt", False), ("follow.jsonl", True)):
        saved[name] = tmp_path / name
        saved[name].write_text(_followed(log, as_json))
    return log, saved


def test_each_saved_report_given_by_its_path_is_said_to_be_the_tool_s_own(
    reports: tuple[Path, dict[str, Path]],
) -> None:
    _, saved = reports
    for name, path in saved.items():
        assert path.stat().st_size > 200, name
        with pytest.raises(PathError) as e:
            discover(path)
        assert "own report" in str(e.value), name


def test_a_folder_with_saved_reports_is_its_one_log_and_each_report_said_once(
    reports: tuple[Path, dict[str, Path]],
) -> None:
    log, saved = reports
    warnings: list[str] = []
    sources = discover(log.parent, warnings=warnings)
    assert [s.path for s in sources] == [log]
    assert sorted(w.split(": ", 1)[0] for w in warnings) == sorted(str(p) for p in saved.values())
    assert all(w.endswith(OWN_REPORT) for w in warnings)


def test_followed_a_folder_with_saved_reports_streams_the_log_alone(
    reports: tuple[Path, dict[str, Path]],
) -> None:
    log, saved = reports
    events: list[Event] = []
    monitor = Monitor([log.parent])
    got = threading.Event()

    def keep(evs: list[Event]) -> None:
        events.extend(evs)
        skipped = sum(isinstance(e, Status) and e.state == "skipped" for e in events)
        if skipped >= len(saved) and any(isinstance(e, RunAdded) for e in events):
            got.set()

    monitor.subscribe(keep)
    monitor.start()
    try:
        assert got.wait(30)
    finally:
        monitor.stop()
    assert [str(e.run.path) for e in events if isinstance(e, RunAdded)] == [str(log)]
    skipped = [e.message for e in events if isinstance(e, Status) and e.state == "skipped"]
    assert all("own report" in m for m in skipped) and len(skipped) == len(saved)


def test_check_of_a_folder_holding_its_saved_report_says_so_and_is_not_an_error(
    reports: tuple[Path, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    # (`check --json runs/ > runs/report.json` in one CI step, `check runs/` in the next: tester 20)
    log, saved = reports
    status = main(["check", str(log.parent)])
    err = capsys.readouterr().err
    assert status in (0, 1), err  # (1: --fail-on; 2 is an error of the input, which this is not)
    assert sum("own report" in line for line in err.splitlines()) == len(saved)


def test_a_saved_stream_whose_alerts_come_early_is_still_the_tool_s_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --follow --json` output whose first lines hold alert events (their `"active": true`)
    was taken for a file of facts beside a log (a true/false value) and said "skipped: not a training
    log" instead of the tool's own report, depending on when the analysis had run (CI, session 14)."""
    from lossacc_tui.analysis.analyzer import Analyzer
    from lossacc_tui.events import AlertChanged
    from lossacc_tui.feed import read_finished

    log = keras_csv(tmp_path / "history.csv", softmax_regression(epochs=EPOCHS, features=30, n_train=40))
    [src] = discover(log)
    read_finished([src], analyze=False)
    [run] = src.runs
    events = [AlertChanged(run, what, a) for what, a in Analyzer(run).update()]
    assert any(e.alert.active for e in events)
    buf = io.StringIO()
    Printer(buf, as_json=True)([RunAdded(run), *events])  # (its alerts told before any record)
    (tmp_path / "follow.jsonl").write_text(buf.getvalue())
    status = main(["check", str(tmp_path)])
    err = capsys.readouterr().err
    assert status in (0, 1), err
    assert any("follow.jsonl" in line and "own report" in line for line in err.splitlines()), err


SCREENS = Path(__file__).parent / "data" / "screen_capture"


def test_a_copy_of_the_view_s_screen_is_the_tool_s_own_not_a_log(tmp_path: Path) -> None:
    """`tmux capture-pane -p > screen.txt` of the view (120x40 and 80x24): given by its path it is
    refused as the tool's own output; beside a real log in a folder it is skipped and said once,
    and the log is read (tester 27 T8: it was read as 5 made-up series)."""
    copies = sorted(SCREENS.glob("*.txt"))
    assert len(copies) == 2
    for path in copies:
        with pytest.raises(PathError) as e:
            discover(path)
        assert "a copy of its screen" in str(e.value), path.name
    folder = tmp_path / "run"
    folder.mkdir()
    log = keras_csv(folder / "training.log", softmax_regression(epochs=EPOCHS))
    for path in copies:
        (folder / path.name).write_bytes(path.read_bytes())
    warnings: list[str] = []
    assert [s.path for s in discover(folder, warnings=warnings)] == [log]
    assert sorted(w.split(": ", 1)[0] for w in warnings) == sorted(str(folder / p.name) for p in copies)
