"""A JSON lines log whose loss is NaN from its first record (Python's `json.dumps` writes the `NaN`
token, which strict JSON lacks) is read as JSON lines, given by its path and in a folder, and its
non-finite loss is flagged; a file named as JSON lines that is no log is said to be skipped, never
passed over without a word. (Tester 19 F1: such a log was "not a training log this tool knows",
and in a folder it was dropped silently: the run the user most needs flagged was invisible.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_diverge import diverging_run, write_jsonl
from test_follow import Collector

from lossacc_tui.cli import main
from lossacc_tui.events import RunAdded, Status
from lossacc_tui.feed import read_finished
from lossacc_tui.monitor import Monitor
from lossacc_tui.source import discover


@pytest.fixture(scope="module")
def nan_rows() -> list[dict[str, float]]:
    """A ReLU network trained by SGD at a learning rate of 1e10: it overflows in its first epoch,
    so every logged loss is NaN (its accuracy stays a number: argmax over what is left)."""
    rows, _ = diverging_run(
        epochs=12, lr=1e10, growth=1.0, n_train=300, n_val=200, act="relu", hidden=(32, 32)
    )
    assert all(r["loss"] != r["loss"] and r["val_loss"] != r["val_loss"] for r in rows)  # (NaN throughout)
    return rows


def test_a_jsonl_log_nan_from_its_first_record_is_read_and_flagged(
    nan_rows: list[dict[str, float]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_jsonl(tmp_path / "log.jsonl", nan_rows)
    assert log.read_text().splitlines()[0].count("NaN") == 2
    [src] = discover(log)
    assert src.format == "jsonl"
    status = main(["check", "--json", str(log)])
    out = json.loads(capsys.readouterr().out)
    [run] = out["runs"]
    kinds = {a["kind"] for a in run["alerts"]}
    assert "non-finite" in kinds, kinds
    assert status == 0


def test_in_a_folder_the_nan_log_is_a_run_and_a_jsonl_that_is_no_log_is_said(
    nan_rows: list[dict[str, float]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "run").mkdir()
    write_jsonl(tmp_path / "run" / "log.jsonl", nan_rows)
    # per-sample predictions beside it, one JSON line per evaluation: lists, no metric series
    preds = tmp_path / "run" / "predictions.jsonl"
    preds.write_text(
        "".join(json.dumps({"epoch": r["epoch"], "probs": [[0.5, 0.5]] * 3}) + "\n" for r in nan_rows)
    )
    warnings: list[str] = []
    sources = discover(tmp_path, warnings=warnings)
    assert [(s.path.name, s.format) for s in sources] == [("log.jsonl", "jsonl")]
    assert [w.split(": ", 1)[0] for w in warnings] == [str(preds)]
    assert "skipped" in warnings[0]
    # `check` says it on stderr, and its exit status stays that of the logs it read (no error)
    status = main(["check", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 0 and f"{preds}: skipped" in err


def test_followed_folder_takes_a_nan_log_that_appears_and_says_a_jsonl_that_is_no_log(
    nan_rows: list[dict[str, float]],
    tmp_path: Path,
    stop_all,  # type: ignore[no-untyped-def]
) -> None:
    m = Monitor([tmp_path])
    c = Collector()
    m.subscribe(c)
    m.start()
    stop_all(m)
    c.wait(lambda: any(isinstance(e, Status) and e.state == "waiting" for e in c.events))
    preds = tmp_path / "predictions.jsonl"
    preds.write_text(
        "".join(json.dumps({"epoch": r["epoch"], "probs": [[0.5, 0.5]] * 3}) + "\n" for r in nan_rows)
    )
    log = write_jsonl(tmp_path / "log.jsonl", nan_rows)
    c.wait(lambda: any(isinstance(e, RunAdded) for e in c.events))
    c.wait(lambda: any(isinstance(e, Status) and e.state == "skipped" for e in c.events))
    assert [str(e.run.path) for e in c.events if isinstance(e, RunAdded)] == [str(log)]
    [said] = [e.message for e in c.events if isinstance(e, Status) and e.state == "skipped"]
    assert said.startswith(f"{preds}: skipped")


def test_an_mmengine_scalars_file_nan_from_its_first_record_is_read_as_mmengine(
    nan_rows: list[dict[str, float]], tmp_path: Path
) -> None:
    """mmengine's LocalVisBackend writes `vis_data/scalars.json` with `json.dumps` too: a training
    row per logging interval (`lr`, `data_time`, `loss`, `time`, `epoch`, `iter`, `memory`, `step`)."""
    path = tmp_path / "scalars.json"
    lines = [
        {
            "lr": 1e10,
            "data_time": 0.0006,
            "loss": r["loss"],
            "time": 0.17,
            "epoch": r["epoch"],
            "iter": r["step"],
            "memory": 3001,
            "step": r["step"],
        }
        for r in nan_rows
    ]
    path.write_text("".join(json.dumps(o) + "\n" for o in lines))
    [src] = discover(path)
    assert src.format == "mmengine"
    [run] = read_finished([src]).runs
    assert len(run.series["loss"]) == len(nan_rows) and src.problems(run) == []
