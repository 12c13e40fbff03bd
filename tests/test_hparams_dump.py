"""A run's hyperparameters dumped as JSON beside its log (config.json, args.json) are no run:
never a `[jsonl]` run whose x is `"epochs": 20`, never a `--map` request, never a bogus run in a
sweep; their `num_classes` gives K. Data: tests/data/cfgrun (tester 9's numpy training, Keras CSV,
and the config.json beside it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lossacc_tui.analysis.classes import classes_from_files
from lossacc_tui.cli import main
from lossacc_tui.source import discover

CFGRUN = Path(__file__).parent / "data" / "cfgrun"


def _sweep(tmp_path: Path) -> Path:
    """Three run folders as a sweep script leaves them: the log, and its args as JSON."""
    for i, lr in enumerate((0.001, 0.01, 0.1)):
        run = tmp_path / "sweep" / f"lr_{lr}"
        run.mkdir(parents=True)
        shutil.copy(CFGRUN / "training.log", run / "training.log")
        args = {"lr": lr, "batch_size": 32, "epochs": 20, "model": "resnet18", "seed": i, "num_classes": 3}
        (run / ("config.json" if i == 0 else "args.json")).write_text(json.dumps(args))
    return tmp_path / "sweep"


def test_config_json_beside_a_log_is_no_run(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(CFGRUN)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "config.json" not in out and "--map" not in err
    assert "training.log  [keras-csv]" in out and "last epoch 79" in out
    assert "last epoch 20" not in out


def test_a_sweep_gains_no_bogus_runs_and_reads_k_from_the_dumps(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    sources = discover(sweep)
    runs = [f"sweep/lr_{lr}/training.log" for lr in ("0.001", "0.01", "0.1")]
    assert sorted(s.name for s in sources) == runs
    for s in sources:
        found = classes_from_files(str(s.path))
        assert found is not None and found.k == 3 and found.basis.startswith("num_classes: 3 in ")


def test_config_json_given_alone_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(CFGRUN / "config.json")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "hyperparameters" in err and "not a log" in err


def test_a_jsonl_log_of_one_record_is_still_a_run(tmp_path: Path) -> None:
    """The first record of a JSONL log names its metrics: it is read, even under the name
    metrics.json and before a second line exists."""
    first = CFGRUN.joinpath("training.log").read_text().splitlines()[:2]
    names, values = first[0].split(","), [float(v) for v in first[1].split(",")]
    (tmp_path / "metrics.json").write_text(json.dumps(dict(zip(names, values, strict=True))) + "\n")
    sources = discover(tmp_path)
    assert [(s.path.name, s.format) for s in sources] == [("metrics.json", "jsonl")]


def test_forced_format_still_reads_it(capsys: pytest.CaptureFixture[str]) -> None:
    """--format jsonl is the user's word: the dump is read as asked (and then asks for --map)."""
    code = main(["check", "--format", "jsonl", str(CFGRUN / "config.json")])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2) and "hyperparameters" not in err


def test_a_nested_num_classes_gives_k_and_a_dump_stays_no_run(tmp_path: Path) -> None:
    """Hydra, mmengine and timm keep K under `model` (`{"model": {"num_classes": 10}}`); a tester saw
    it ignored, and the false majority claim it would have refuted stayed. Two that disagree: none."""
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(CFGRUN / "training.log", run / "training.log")
    (run / "config.json").write_text(
        json.dumps({"model": {"name": "resnet18", "num_classes": 10}, "lr": 0.1})
    )
    classes_from_files.cache_clear()
    found = classes_from_files(str(run / "training.log"))
    assert found is not None and found.k == 10 and found.basis == "model.num_classes: 10 in config.json"
    assert [s.name for s in discover(run)] == ["run/training.log"]
    (run / "config.json").write_text(json.dumps({"model": {"num_classes": 10}, "data": {"num_classes": 5}}))
    classes_from_files.cache_clear()
    assert classes_from_files(str(run / "training.log")) is None
